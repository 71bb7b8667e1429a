package executor

import (
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/sharehouse/sharehouse/catalog"
	"github.com/sharehouse/sharehouse/executor/sqlstate"
	"github.com/sharehouse/sharehouse/executor/sqltype"
)

// serial, bigserial and smallserial columns: an integer column, NOT NULL,
// whose default takes the next number of a counter the catalog keeps with
// the column (PostgreSQL's owned sequence, shown as its nextval default).
// ORMs declare integer primary keys this way (SQLAlchemy, Django) and read
// the numbers back with INSERT … RETURNING.

// serialTypes maps the serial pseudo-types to their integer types.
var serialTypes = map[string]sqltype.T{
	"serial": sqltype.Int4T, "serial4": sqltype.Int4T,
	"bigserial": sqltype.Int8T, "serial8": sqltype.Int8T,
	"smallserial": sqltype.Int2T, "serial2": sqltype.Int2T,
}

// serialType reports whether tn names a serial type, and its integer type.
func serialType(tn *pg.TypeName) (sqltype.T, bool) {
	if len(tn.ArrayBounds) > 0 || len(tn.Names) == 0 {
		return sqltype.T{}, false
	}
	names := tn.Names
	if len(names) == 2 && names[0].GetString_().GetSval() != "pg_catalog" {
		return sqltype.T{}, false
	}
	t, ok := serialTypes[names[len(names)-1].GetString_().GetSval()]
	return t, ok
}

// nameSerial names a serial column's counter as PostgreSQL names the
// sequence it creates, and sets the default text catalogs show.
func nameSerial(ref catalog.TableRef, c *catalog.Column) {
	name := truncateIdent(ref.Name+"_"+c.Name) + "_seq"
	c.Serial = &catalog.Serial{Sequence: name}
	qualified := quoteIdent(name)
	if ref.Schema != catalog.DefaultSchema {
		qualified = quoteIdent(ref.Schema) + "." + qualified
	}
	c.Default = "nextval('" + strings.ReplaceAll(qualified, "'", "''") + "'::regclass)"
}

// truncateIdent keeps a generated name within NAMEDATALEN with room for
// "_seq" (PostgreSQL's makeObjectName cuts the longer part; cutting the
// end is enough to stay unique in practice).
func truncateIdent(s string) string {
	if len(s) > 59 {
		s = s[:59]
	}
	return s
}

// serialExpr is a serial column's default: the next numbers of its
// counter, one per row.
type serialExpr struct {
	table catalog.TableID
	col   catalog.Column
	t     sqltype.T
}

func (e *serialExpr) Type() sqltype.T          { return e.t }
func (e *serialExpr) DataType() arrow.DataType { return e.t.Arrow() }
func (e *serialExpr) String() string           { return e.col.Default }

func (e *serialExpr) Eval(ec *evalContext, rec arrow.Record) (arrow.Array, error) {
	n := rec.NumRows()
	if ec.nextSerial == nil {
		return nil, notSupported("the default of serial column %q can only be used by INSERT, UPDATE and COPY", e.col.Name)
	}
	first, err := ec.nextSerial(e.table, e.col.ID, n)
	if err != nil {
		return nil, err
	}
	last := first + n - 1
	switch b := array.NewBuilder(ec.mem, e.DataType()).(type) {
	case *array.Int16Builder:
		defer b.Release()
		if last > 1<<15-1 {
			return nil, serialLimit(e.col)
		}
		for v := first; v <= last; v++ {
			b.Append(int16(v))
		}
		return b.NewArray(), nil
	case *array.Int32Builder:
		defer b.Release()
		if last > 1<<31-1 {
			return nil, serialLimit(e.col)
		}
		for v := first; v <= last; v++ {
			b.Append(int32(v))
		}
		return b.NewArray(), nil
	case *array.Int64Builder:
		defer b.Release()
		for v := first; v <= last; v++ {
			b.Append(v)
		}
		return b.NewArray(), nil
	default:
		b.Release()
		return nil, internalf("serial column of type %s", e.t)
	}
}

func serialLimit(c catalog.Column) error {
	return sqlstate.Errorf(sqlstate.Code("2200H"), "nextval: reached maximum value of sequence %q", c.Serial.Sequence)
}

// allowSerial lets the statement's serial defaults take numbers in tx.
func (x *execution) allowSerial(tx *catalog.Tx) {
	x.evalContext().nextSerial = func(table catalog.TableID, col uint32, n int64) (int64, error) {
		return tx.NextSerial(table, col, n)
	}
}

// serialSequence is pg_get_serial_sequence(table, column): the qualified
// name of the counter of a serial column, NULL for another column.
func (g *sysGen) serialSequence(table, column string) (any, error) {
	parts, ok := splitQualifiedName(table)
	if !ok || len(parts) == 0 || len(parts) > 2 {
		return nil, sqlstate.Errorf(sqlstate.InvalidName, "invalid name syntax")
	}
	schemas := g.searchPath()
	if len(parts) == 2 {
		schemas = parts[:1]
	}
	name := parts[len(parts)-1]
	for _, sch := range schemas {
		for _, t := range g.tables {
			if t.schema.Name != sch || t.Name != name {
				continue
			}
			c, _, ok := t.Column(column)
			if !ok {
				return nil, sqlstate.Errorf(sqlstate.UndefinedColumn, "column %q of relation %q does not exist", column, name)
			}
			if c.Serial == nil {
				return nil, nil
			}
			return quoteIdent(sch) + "." + quoteIdent(c.Serial.Sequence), nil
		}
	}
	return nil, sqlstate.Errorf(sqlstate.UndefinedTable, "relation %q does not exist", table)
}

// sysSeq is the sequence behind a visible table's serial column.
type sysSeq struct {
	table *sysTable
	col   catalog.Column
}

func (g *sysGen) sequences() []sysSeq {
	var out []sysSeq
	for i := range g.tables {
		t := &g.tables[i]
		for _, c := range t.Columns {
			if c.Serial != nil && c.Serial.ID != 0 {
				out = append(out, sysSeq{table: t, col: c})
			}
		}
	}
	return out
}

// sequenceClassRows are the pg_class rows (relkind 'S') of the sequences.
func (g *sysGen) sequenceClassRows() []sysRow {
	var out []sysRow
	for _, s := range g.sequences() {
		out = append(out, sysRow{
			"oid": s.col.Serial.ID, "relname": s.col.Serial.Sequence, "relnamespace": uint64(s.table.schema.ID),
			"relowner": s.table.owner, "relfilenode": s.col.Serial.ID, "relpages": 1, "reltuples": 1,
			"relpersistence": "p", "relkind": "S", "relnatts": 3, "relreplident": "n", "relispopulated": true,
		})
	}
	return out
}

// pgSequence is pg_sequence: every serial's counter runs 1, 2, … to its
// type's maximum.
func (g *sysGen) pgSequence() []sysRow {
	var out []sysRow
	for _, s := range g.sequences() {
		t := columnType(s.col)
		max := int64(1<<31 - 1)
		switch t.OID {
		case sqltype.Int2:
			max = 1<<15 - 1
		case sqltype.Int8:
			max = 1<<63 - 1
		}
		out = append(out, sysRow{"seqrelid": s.col.Serial.ID, "seqtypid": uint32(t.OID), "seqstart": 1,
			"seqincrement": 1, "seqmax": max, "seqmin": 1, "seqcache": 1, "seqcycle": false})
	}
	return out
}
