package executor

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/sharehouse/sharehouse/executor/sqlstate"
	"github.com/sharehouse/sharehouse/executor/sqltype"
)

// This file serves pg_catalog and information_schema: virtual tables with
// PostgreSQL 15's columns whose rows are computed, when a statement is
// bound, from what the session's principal may see in the catalog. psql's
// \l \dn \dt \d, drivers' metadata calls and BI tools read them.
//
// The shapes are in systable_defs.go (generated from a real PostgreSQL 15);
// the rows are made in systable_pg.go and systable_infoschema.go.

// sysTableDef is one system table or view.
type sysTableDef struct {
	schema, name string
	oid          uint32
	kind         byte // pg_class.relkind: 'r' table, 'v' view
	cols         []sysCol
}

// sysCol is a column of a system table.
type sysCol struct {
	name string
	t    sqltype.T
}

// Column types of the system tables. sqltype has no array, pg_node_tree,
// int2vector or xid types yet: those columns are text holding PostgreSQL's
// text form (an array literal such as {a,b}, or NULL), and xid is an oid.
// information_schema's domains are sent as their base types, as
// PostgreSQL's RowDescription does.
var (
	stOid         = sqltype.OidT
	stBool        = sqltype.BoolT
	stText        = sqltype.TextT
	stName        = sqltype.NameT
	stChar        = sqltype.T{OID: sqltype.Char, Typmod: -1}
	stInt2        = sqltype.Int2T
	stInt4        = sqltype.Int4T
	stInt8        = sqltype.Int8T
	stFloat4      = sqltype.Float4T
	stRegproc     = sqltype.T{OID: sqltype.Regproc, Typmod: -1}
	stInterval    = sqltype.IntervalT
	stTimestamptz = sqltype.TimestamptzT
	stBytea       = sqltype.ByteaT
	stXid         = sqltype.OidT
	stNodeTree    = sqltype.TextT
	stVector      = sqltype.T{OID: sqltype.Int2Vector, Typmod: -1}
	stOidVector   = sqltype.T{OID: sqltype.OidVector, Typmod: -1}
	stInt2Array   = sqltype.T{OID: sqltype.Int2Array, Typmod: -1}
	stOidArray    = sqltype.T{OID: sqltype.OidArray, Typmod: -1}
	stArray       = sqltype.TextT
	stVarchar     = sqltype.VarcharT
	stNumeric     = sqltype.NumericT
	stYesNo       = sqltype.VarcharOf(3)
)

// Fixed OIDs of the built-in schemas and objects, as in PostgreSQL 15.
const (
	oidPgCatalog         = 11
	oidPgToast           = 99
	oidInformationSchema = 13207
	oidBootstrapRole     = 10
	oidHeapAM            = 2
	oidDefaultTablespace = 1663
	oidGlobalTablespace  = 1664
	oidDefaultCollation  = 100
	oidCCollation        = 950
	oidPOSIXCollation    = 951
	oidPgClass           = 1259
	oidPgNamespace       = 2615
	oidPgDatabase        = 1262
	oidPgAuthid          = 1260
	oidPgType            = 1247
	oidPgProc            = 1255
	encodingUTF8         = 6
)

// sysTableIndex finds a definition by schema and name.
var sysTableIndex = func() map[[2]string]*sysTableDef {
	m := make(map[[2]string]*sysTableDef, len(sysTableDefs))
	for i := range sysTableDefs {
		d := &sysTableDefs[i]
		m[[2]string{d.schema, d.name}] = d
	}
	return m
}()

// lookupSysTable resolves a relation name to a system table: qualified by
// pg_catalog or information_schema, or unqualified, where pg_catalog is
// searched first as PostgreSQL does.
func lookupSysTable(schema, name string) (*sysTableDef, bool) {
	switch schema {
	case "":
		d, ok := sysTableIndex[[2]string{"pg_catalog", name}]
		return d, ok
	case "pg_catalog", "information_schema":
		d, ok := sysTableIndex[[2]string{schema, name}]
		return d, ok
	}
	return nil, false
}

// bindSystemTable binds pg_catalog and information_schema relations, built
// per session from what the session may see; ok is false for any other name.
func (q *queryBinder) bindSystemTable(rv *pg.RangeVar) (*relation, bool, error) {
	def, ok := lookupSysTable(rv.Schemaname, rv.Relname)
	if !ok {
		return nil, false, nil
	}
	db := q.x.s.db
	if rv.Catalogname != "" && rv.Catalogname != db {
		// db.pg_catalog.t reads another of the principal's databases.
		if _, err := q.tx.Database(rv.Catalogname); err != nil {
			return nil, true, sqlstate.Errorf(sqlstate.UndefinedTable, "relation %q does not exist", rangeVarName(rv)).WithPosition(rv.Location + 1)
		}
		db = rv.Catalogname
	}
	g := newSysGen(q.x, q.tx, db)
	rows, err := g.rows(def)
	if err != nil {
		return nil, true, err
	}
	alias := def.name
	if rv.Alias != nil {
		alias = rv.Alias.Aliasname
	}
	cols := make([]opColumn, len(def.cols))
	sc := make([]*scopeColumn, len(def.cols))
	for i, c := range def.cols {
		name := c.name
		if rv.Alias != nil && i < len(rv.Alias.Colnames) {
			name = rv.Alias.Colnames[i].GetString_().GetSval()
		}
		cols[i] = opColumn{name: name, t: c.t, dt: c.t.Arrow(), tableOID: def.oid, attnum: int16(i + 1)}
		sc[i] = &scopeColumn{rel: alias, name: name, t: c.t, dt: cols[i].dt, tableOID: def.oid, attnum: int16(i + 1), used: true}
	}
	r := &relation{cols: sc, build: func() operator {
		for i, c := range sc {
			c.idx = i
		}
		return &sysTableOp{env: q.env, def: def, cols: cols, rows: rows}
	}}
	return r, true, nil
}

// sysRow is one row of a system table by column name; a column it does not
// name holds its type's zero (0, false, the empty string for "char") in pg_catalog, and
// NULL in information_schema or where the type has no zero.
type sysRow map[string]any

// sysTableOp returns a system table's rows, computed when the statement
// was bound, as one batch.
type sysTableOp struct {
	env  *env
	def  *sysTableDef
	cols []opColumn
	rows []sysRow
	done bool
	out  batchHolder
}

func (s *sysTableOp) columns() []opColumn { return s.cols }
func (s *sysTableOp) close()              { s.out.release() }
func (s *sysTableOp) String() string {
	return fmt.Sprintf("System Table Scan on %s.%s", s.def.schema, s.def.name)
}

func (s *sysTableOp) next(ctx context.Context) (arrow.Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if s.done || len(s.rows) == 0 {
		return nil, io.EOF
	}
	s.done = true
	rec, err := buildSysRecord(s.env, s.cols, s.def, s.rows)
	if err != nil {
		return nil, err
	}
	return s.out.set(rec), nil
}

// buildSysRecord lays rows out as one Arrow record of cols' types.
func buildSysRecord(e *env, cols []opColumn, def *sysTableDef, rows []sysRow) (arrow.Record, error) {
	arrs := make([]arrow.Array, len(cols))
	defer func() {
		for _, a := range arrs {
			if a != nil {
				a.Release()
			}
		}
	}()
	for i, c := range cols {
		b := array.NewBuilder(e.mem, c.dt)
		b.Reserve(len(rows))
		name := def.cols[i].name
		for _, r := range rows {
			v, ok := r[name]
			if !ok && def.schema == "pg_catalog" {
				v = zeroOf(c.t)
			}
			if err := appendSysValue(b, v); err != nil {
				b.Release()
				return nil, fmt.Errorf("%s.%s: %w", def.name, name, err)
			}
		}
		arrs[i] = b.NewArray()
		b.Release()
	}
	return array.NewRecord(schemaOf(cols), arrs, int64(len(rows))), nil
}

// zeroOf is what a column no row builder mentions holds: catalogs' fixed
// width columns are NOT NULL (0, false, the empty string for "char"), the rest NULL.
func zeroOf(t sqltype.T) any {
	switch t.OID {
	case sqltype.Bool:
		return false
	case sqltype.Int2, sqltype.Int4, sqltype.Int8, sqltype.Oid, sqltype.Regproc, sqltype.Float4:
		return 0
	case sqltype.Char:
		return ""
	}
	return nil
}

// appendSysValue appends a Go value to a builder of the column's type.
func appendSysValue(b array.Builder, v any) error {
	if v == nil {
		b.AppendNull()
		return nil
	}
	switch bb := b.(type) {
	case *array.BooleanBuilder:
		x, ok := v.(bool)
		if !ok {
			return fmt.Errorf("want bool, have %T", v)
		}
		bb.Append(x)
	case *array.Int16Builder:
		x, err := sysInt(v)
		if err != nil {
			return err
		}
		bb.Append(int16(x))
	case *array.Int32Builder:
		x, err := sysInt(v)
		if err != nil {
			return err
		}
		bb.Append(int32(x))
	case *array.Int64Builder:
		x, err := sysInt(v)
		if err != nil {
			return err
		}
		bb.Append(x)
	case *array.Uint32Builder:
		x, err := sysInt(v)
		if err != nil {
			return err
		}
		bb.Append(uint32(x))
	case *array.Float32Builder:
		x, err := sysInt(v)
		if err != nil {
			return err
		}
		bb.Append(float32(x))
	case *array.StringBuilder:
		x, ok := v.(string)
		if !ok {
			return fmt.Errorf("want string, have %T", v)
		}
		bb.Append(x)
	case *array.TimestampBuilder:
		x, ok := v.(time.Time)
		if !ok {
			return fmt.Errorf("want time, have %T", v)
		}
		bb.Append(arrow.Timestamp(x.UnixMicro()))
	default:
		return fmt.Errorf("no system column of arrow type %s", b.Type())
	}
	return nil
}

// sysInt converts the integer kinds row builders use (catalog IDs are
// typed uint64s; they are written through uint64).
func sysInt(v any) (int64, error) {
	switch x := v.(type) {
	case int:
		return int64(x), nil
	case int16:
		return int64(x), nil
	case int32:
		return int64(x), nil
	case int64:
		return x, nil
	case uint32:
		return int64(x), nil
	case uint64:
		return int64(x), nil
	case float64:
		return int64(x), nil
	}
	return 0, fmt.Errorf("want an integer, have %T", v)
}
