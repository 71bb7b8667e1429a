package executor

import (
	"context"
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
	first, err := ec.nextSerial(e.table, e.col, n)
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
	s := x.s
	x.evalContext().nextSerial = func(table catalog.TableID, col catalog.Column, n int64) (int64, error) {
		first, err := tx.NextSerial(table, col.ID, n)
		if err == nil && n > 0 {
			s.rememberSerial(uint32(col.Serial.ID), first+n-1) // currval and lastval see it
		}
		return first, err
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

// sequenceFuncs are the functions over serial columns' counters; they are
// volatile (never folded at bind time).
var sequenceFuncs = map[string]bool{"nextval": true, "currval": true, "setval": true, "lastval": true}

// bindSequenceFunc binds nextval(regclass), currval(regclass),
// setval(regclass, bigint [, is_called]) and lastval(). As in PostgreSQL
// they act outside the transaction when none holds writes: a number
// handed out stays handed out.
func (b *binder) bindSequenceFunc(name string, args []Expr, loc int32) (Expr, bool, error) {
	g, err := b.catalogGen()
	if err != nil {
		return nil, true, err
	}
	seqs := map[uint32]sysSeq{}
	for _, s := range g.sequences() {
		seqs[uint32(s.col.Serial.ID)] = s
	}
	s := b.x.s
	lookup := func(v any) (sysSeq, error) {
		q, ok := seqs[uint32(argInt(v))]
		if !ok {
			return sysSeq{}, sqlstate.Errorf(sqlstate.WrongObjectType, "%q is not a sequence", g.relationName(uint32(argInt(v)), nil))
		}
		if q.table.Via != nil {
			return sysSeq{}, sqlstate.Errorf(sqlstate.ReadOnlySQLTransaction, "cannot change sequence %q: table %q is shared read-only through share %q",
				q.col.Serial.Sequence, q.table.Name, q.table.Via.Share)
		}
		return q, nil
	}
	write := func(fn func(*catalog.Tx) error) error {
		if s.tx != nil {
			return fn(s.tx)
		}
		tx, err := s.eng.cat.Begin(context.Background(), s.who, true)
		if err != nil {
			return err
		}
		if err := fn(tx); err != nil {
			tx.Rollback()
			return err
		}
		return tx.Commit()
	}
	regclass := sqltype.T{OID: sqltype.Regclass, Typmod: -1}
	call := func(params []sqltype.T, f catFn) (Expr, bool, error) {
		e, err := b.catCall(name, args, params, sqltype.Int8T, true, f, loc)
		return e, true, err
	}
	switch {
	case name == "nextval" && len(args) == 1:
		return call(sig(regclass), func(a []any) (any, error) {
			q, err := lookup(a[0])
			if err != nil {
				return nil, err
			}
			var v int64
			if err := write(func(tx *catalog.Tx) error {
				v, err = tx.NextSerial(q.table.ID, q.col.ID, 1)
				return err
			}); err != nil {
				return nil, translate(err)
			}
			if max := serialMax(columnType(q.col)); v > max {
				return nil, serialLimit(q.col)
			}
			s.rememberSerial(uint32(q.col.Serial.ID), v)
			return v, nil
		})
	case name == "currval" && len(args) == 1:
		return call(sig(regclass), func(a []any) (any, error) {
			q, ok := seqs[uint32(argInt(a[0]))]
			if !ok {
				return nil, sqlstate.Errorf(sqlstate.WrongObjectType, "%q is not a sequence", g.relationName(uint32(argInt(a[0])), nil))
			}
			v, ok := s.seqValues[uint32(q.col.Serial.ID)]
			if !ok {
				return nil, sqlstate.Errorf(sqlstate.ObjectNotInPrerequisiteState, "currval of sequence %q is not yet defined in this session", q.col.Serial.Sequence)
			}
			return v, nil
		})
	case name == "lastval" && len(args) == 0:
		return call(nil, func([]any) (any, error) {
			v, ok := s.seqValues[s.lastSeq]
			if !ok {
				return nil, sqlstate.Errorf(sqlstate.ObjectNotInPrerequisiteState, "lastval is not yet defined in this session")
			}
			return v, nil
		})
	case name == "setval" && (len(args) == 2 || len(args) == 3):
		params := sig(regclass, sqltype.Int8T, tBool)[:len(args)]
		return call(params, func(a []any) (any, error) {
			q, err := lookup(a[0])
			if err != nil {
				return nil, err
			}
			v, called := argInt(a[1]), len(a) < 3 || a[2] == true
			if max := serialMax(columnType(q.col)); v < 1 || v > max {
				return nil, sqlstate.Errorf(sqlstate.NumericValueOutOfRange, "setval: value %d is out of bounds for sequence %q (1..%d)", v, q.col.Serial.Sequence, max)
			}
			last := v
			if !called {
				last = v - 1
			}
			if err := write(func(tx *catalog.Tx) error { return tx.SetSerial(q.table.ID, q.col.ID, last) }); err != nil {
				return nil, translate(err)
			}
			if called {
				s.rememberSerial(uint32(q.col.Serial.ID), v)
			}
			return v, nil
		})
	}
	return nil, false, nil
}

// serialMax is the largest value of a serial column of type t.
func serialMax(t sqltype.T) int64 {
	switch t.OID {
	case sqltype.Int2:
		return 1<<15 - 1
	case sqltype.Int4:
		return 1<<31 - 1
	}
	return 1<<63 - 1
}

// rememberSerial records v as the session's last value of sequence oid.
func (s *Session) rememberSerial(oid uint32, v int64) {
	if s.seqValues == nil {
		s.seqValues = map[uint32]int64{}
	}
	s.seqValues[oid], s.lastSeq = v, oid
}
