package executor

import (
	"strconv"
	"strings"

	"github.com/sharehouse/sharehouse/executor/sqltype"
)

// Primary keys in pg_catalog: each is a unique btree index (a pg_class row
// of relkind 'i' and a pg_index row) and a constraint of type 'p', listed
// under the object IDs the catalog gave them, as PostgreSQL lists the
// index and constraint behind every PRIMARY KEY. JDBC's getPrimaryKeys and
// getIndexInfo, SQLAlchemy's inspector and psql's \d read them.

const oidBtreeAM = 403

// sysKey is a visible table's primary key with its columns' positions.
type sysKey struct {
	table *sysTable
	cols  []int // 1-based attnums, in key order
}

func (g *sysGen) keys() []sysKey {
	var out []sysKey
	for i := range g.tables {
		t := &g.tables[i]
		if t.PrimaryKey != nil {
			out = append(out, sysKey{table: t, cols: t.KeyPositions()})
		}
	}
	return out
}

// keyByIndex finds the key whose index has OID oid.
func (g *sysGen) keyByIndex(oid uint64) (sysKey, bool) {
	for _, k := range g.keys() {
		if k.table.PrimaryKey.IndexID == oid {
			return k, true
		}
	}
	return sysKey{}, false
}

// keyByConstraint finds the key whose constraint has OID oid.
func (g *sysGen) keyByConstraint(oid uint64) (sysKey, bool) {
	for _, k := range g.keys() {
		if k.table.PrimaryKey.ConstraintID == oid {
			return k, true
		}
	}
	return sysKey{}, false
}

// colNames returns the key's column names, quoted where SQL needs it.
func (k sysKey) colNames() []string {
	out := make([]string, len(k.cols))
	for i, n := range k.cols {
		out[i] = quoteIdent(k.table.Columns[n-1].Name)
	}
	return out
}

// indexDef is pg_get_indexdef(oid): the CREATE INDEX statement.
func (k sysKey) indexDef() string {
	return "CREATE UNIQUE INDEX " + quoteIdent(k.table.PrimaryKey.Name) + " ON " +
		quoteIdent(k.table.schema.Name) + "." + quoteIdent(k.table.Name) +
		" USING btree (" + strings.Join(k.colNames(), ", ") + ")"
}

// constraintDef is pg_get_constraintdef(oid).
func (k sysKey) constraintDef() string {
	return "PRIMARY KEY (" + strings.Join(k.colNames(), ", ") + ")"
}

// vector writes values as an int2vector or oidvector's text.
func vector(vals []int) string {
	s := make([]string, len(vals))
	for i, v := range vals {
		s[i] = strconv.Itoa(v)
	}
	return strings.Join(s, " ")
}

// btreeOpclass is the default btree operator class of a type, as
// pg_index.indclass lists it.
func btreeOpclass(t sqltype.OID) int {
	switch t {
	case sqltype.Int2:
		return 1979
	case sqltype.Int4:
		return 1978
	case sqltype.Int8:
		return 3124
	case sqltype.Numeric:
		return 3125
	case sqltype.Float4:
		return 1970
	case sqltype.Float8:
		return 1971
	case sqltype.Bool:
		return 424
	case sqltype.Date:
		return 3122
	case sqltype.Timestamp:
		return 3128
	case sqltype.Timestamptz:
		return 3127
	case sqltype.Text, sqltype.Varchar:
		return 3126
	case sqltype.BPChar:
		return 426
	case sqltype.UUID:
		return 2968
	case sqltype.Bytea:
		return 428
	}
	return 0
}

func (g *sysGen) pgIndex() []sysRow {
	var out []sysRow
	for _, k := range g.keys() {
		classes, colls, opts := make([]int, len(k.cols)), make([]int, len(k.cols)), make([]int, len(k.cols))
		for i, n := range k.cols {
			oid := sqltype.OID(k.table.Columns[n-1].Type.OID)
			classes[i] = btreeOpclass(oid)
			if isString(oid) && oid != sqltype.Char && oid != sqltype.Name {
				colls[i] = oidDefaultCollation
			}
		}
		out = append(out, sysRow{
			"indexrelid": k.table.PrimaryKey.IndexID, "indrelid": uint64(k.table.ID),
			"indnatts": len(k.cols), "indnkeyatts": len(k.cols), "indisunique": true, "indisprimary": true,
			"indimmediate": true, "indisvalid": true, "indisready": true, "indislive": true,
			"indkey": vector(k.cols), "indcollation": vector(colls), "indclass": vector(classes), "indoption": vector(opts),
		})
	}
	return out
}

func (g *sysGen) pgConstraint() []sysRow {
	var out []sysRow
	for _, k := range g.keys() {
		key := make([]string, len(k.cols))
		for i, n := range k.cols {
			key[i] = strconv.Itoa(n)
		}
		out = append(out, sysRow{
			"oid": k.table.PrimaryKey.ConstraintID, "conname": k.table.PrimaryKey.Name,
			"connamespace": uint64(k.table.schema.ID), "contype": "p", "convalidated": true,
			"conrelid": uint64(k.table.ID), "conindid": k.table.PrimaryKey.IndexID,
			"confupdtype": " ", "confdeltype": " ", "confmatchtype": " ", "conislocal": true, "connoinherit": true,
			"conkey": "{" + strings.Join(key, ",") + "}",
		})
	}
	return out
}

// indexClassRows are the pg_class rows of the keys' indexes.
func (g *sysGen) indexClassRows() []sysRow {
	var out []sysRow
	for _, k := range g.keys() {
		out = append(out, sysRow{
			"oid": k.table.PrimaryKey.IndexID, "relname": k.table.PrimaryKey.Name,
			"relnamespace": uint64(k.table.schema.ID), "relowner": k.table.owner,
			"relam": oidBtreeAM, "relfilenode": k.table.PrimaryKey.IndexID, "relpages": 1, "reltuples": 0,
			"relpersistence": "p", "relkind": "i", "relnatts": len(k.cols), "relreplident": "n",
			"relispopulated": true,
		})
	}
	return out
}
