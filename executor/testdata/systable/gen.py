# Regenerates ../../systable_defs.go from a PostgreSQL 15 server:
#   psql -X -AF"|" -t -f columns.sql > columns.txt && python3 gen.py
import collections
rows=[l.rstrip('\n').split('|') for l in open('columns.txt') if l.strip()]
tables=collections.OrderedDict()
for oid,nsp,rel,kind,attnum,attname,typid,fmt,typmod in rows:
    tables.setdefault((nsp,rel),(oid,kind,[]))[2].append((attname,fmt))
m={'oid':'stOid','boolean':'stBool','text':'stText','name':'stName','"char"':'stChar','integer':'stInt4','regproc':'stRegproc',
'bigint':'stInt8','smallint':'stInt2','real':'stFloat4','interval':'stInterval','timestamp with time zone':'stTimestamptz',
'bytea':'stBytea','xid':'stXid','pg_node_tree':'stNodeTree','int2vector':'stVector','oidvector':'stVector','pg_lsn':'stText','inet':'stText',
'information_schema.sql_identifier':'stName','information_schema.cardinal_number':'stInt4','information_schema.character_data':'stVarchar',
'information_schema.yes_or_no':'stYesNo','information_schema.time_stamp':'stTimestamptz'}
out=[]
out.append('// Code generated from PostgreSQL 15.18\'s catalogs (pg_attribute of each\n// relation, in attnum order); DO NOT EDIT by hand: regenerate.\n\npackage executor\n')
out.append('// sysTableDefs are the shapes of the system tables and views sharehouse\n// serves, column for column as in PostgreSQL 15 (see sysColType for the\n// types sqltype does not have yet).\nvar sysTableDefs = []sysTableDef{')
for (nsp,rel),(oid,kind,cols) in sorted(tables.items(), key=lambda x:(x[0][0]!='pg_catalog',x[0][1])):
    cs=[]
    for name,fmt in cols:
        if fmt.endswith('[]') or fmt=='anyarray': t='stArray'
        else: t=m[fmt]
        cs.append('{"%s", %s}'%(name,t))
    out.append('\t{schema: "%s", name: "%s", oid: %s, kind: \'%s\', cols: []sysCol{%s}},'%(nsp,rel,oid,kind,', '.join(cs)))
out.append('}')
open('../../systable_defs.go','w').write('\n'.join(out)+'\n')
