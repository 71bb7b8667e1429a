package executor

import (
	"errors"
	"strconv"

	"github.com/sharehouse/sharehouse/catalog"
	"github.com/sharehouse/sharehouse/executor/sqlstate"
	"github.com/sharehouse/sharehouse/executor/sqltype"
)

// The sequence functions: nextval, currval, setval, lastval and
// pg_get_serial_sequence. The values come from catalog.NextVal; what a
// session last got from each sequence (currval, lastval) is the session's.

var tRegclass = sqltype.T{OID: sqltype.Regclass, Typmod: -1}

// seqSession is a session's memory of the values it got.
type seqSession struct {
	vals    map[catalog.SequenceID]int64
	last    catalog.SequenceID // lastval's sequence; 0 for none yet
	lastVal int64
}

// heldTx is the write transaction the session's statement runs in (its
// block's, or the statement's own), nil if it holds none.
func (s *Session) heldTx() *catalog.Tx {
	if s.tx != nil {
		return s.tx
	}
	return s.stmtTx
}

// bindSequenceFunc binds the sequence functions; ok is false for any
// other name or number of arguments.
func (b *binder) bindSequenceFunc(name string, args []Expr, loc int32) (Expr, bool, error) {
	n := len(args)
	x := b.x
	switch {
	case name == "nextval" && n == 1:
		look := x.sequenceLookup()
		e, err := b.sequenceCall(name, args, sig(tRegclass), sqltype.Int8T, func(a []any) (any, error) {
			q, err := look(a[0])
			if err != nil {
				return nil, err
			}
			return x.nextval(q)
		}, loc)
		return e, true, err
	case name == "currval" && n == 1:
		look := x.sequenceLookup()
		e, err := b.sequenceCall(name, args, sig(tRegclass), sqltype.Int8T, func(a []any) (any, error) {
			q, err := look(a[0])
			if err != nil {
				return nil, err
			}
			v, ok := x.s.seq.vals[q.ID]
			if !ok {
				return nil, sqlstate.Errorf(sqlstate.ObjectNotInPrerequisiteState, "currval of sequence %q is not yet defined in this session", q.Name)
			}
			return v, nil
		}, loc)
		return e, true, err
	case name == "lastval" && n == 0:
		e, err := b.sequenceCall(name, nil, nil, sqltype.Int8T, func([]any) (any, error) {
			if x.s.seq.last == 0 {
				return nil, sqlstate.Errorf(sqlstate.ObjectNotInPrerequisiteState, "lastval is not yet defined in this session")
			}
			return x.s.seq.lastVal, nil
		}, loc)
		return e, true, err
	case name == "setval" && (n == 2 || n == 3):
		look := x.sequenceLookup()
		params := sig(tRegclass, sqltype.Int8T, tBool)[:n]
		e, err := b.sequenceCall(name, args, params, sqltype.Int8T, func(a []any) (any, error) {
			q, err := look(a[0])
			if err != nil {
				return nil, err
			}
			v, called := argInt(a[1]), true
			if n == 3 {
				called, _ = a[2].(bool)
			}
			return v, x.setval(q, v, called)
		}, loc)
		return e, true, err
	}
	return nil, false, nil
}

// sequenceCall binds a sequence function: strict, and evaluated for
// every row (catCallVolatile).
func (b *binder) sequenceCall(name string, args []Expr, params []sqltype.T, result sqltype.T, f catFn, loc int32) (Expr, error) {
	return b.catCallVolatile(name, args, params, result, true, true, f, loc)
}

// sequenceLookup returns a resolver of regclass OIDs to the session's
// sequences, remembering what it found for the statement's other rows.
func (x *execution) sequenceLookup() func(any) (catalog.Sequence, error) {
	seen := map[int64]catalog.Sequence{}
	return func(v any) (catalog.Sequence, error) {
		oid := argInt(v)
		if q, ok := seen[oid]; ok {
			return q, nil
		}
		q, err := x.sequenceByOID(uint32(oid))
		if err == nil {
			seen[oid] = q
		}
		return q, err
	}
}

// sequenceByOID finds one of the session's sequences by OID. A relation
// that is no sequence is 42809, as in PostgreSQL.
func (x *execution) sequenceByOID(oid uint32) (catalog.Sequence, error) {
	tx := x.s.heldTx()
	if tx == nil {
		rtx, done, err := x.s.readTx(x.ctx)
		if err != nil {
			return catalog.Sequence{}, err
		}
		defer done()
		tx = rtx
	}
	q, err := tx.SequenceByID(catalog.SequenceID(oid))
	if err == nil || !catalog.IsNotFound(err) {
		return q, err
	}
	g := newSysGen(x, tx, x.s.db)
	if vis, err := g.visibleTables(); err == nil {
		if name := g.relationName(oid, vis); name != strconv.FormatUint(uint64(oid), 10) {
			return q, sqlstate.Errorf(sqlstate.WrongObjectType, "%q is not a sequence", name)
		}
	}
	return q, sqlstate.Errorf(sqlstate.UndefinedTable, "could not open relation with OID %d", oid)
}

// nextval takes q's next value and remembers it for currval and lastval.
func (x *execution) nextval(q catalog.Sequence) (int64, error) {
	v, err := x.s.eng.cat.NextVal(x.ctx, x.s.who, x.s.heldTx(), q)
	var le *catalog.SequenceLimitError
	if errors.As(err, &le) {
		return 0, sqlstate.Errorf(sqlstate.SequenceGeneratorLimitExceeded, "%s", le.Error())
	}
	if err != nil {
		return 0, err
	}
	x.s.seq.remember(q.ID, v)
	x.s.seq.last, x.s.seq.lastVal = q.ID, v
	return v, nil
}

func (ss *seqSession) remember(id catalog.SequenceID, v int64) {
	if ss.vals == nil {
		ss.vals = map[catalog.SequenceID]int64{}
	}
	ss.vals[id] = v
}

// setval sets q's value; with called it is also the session's currval.
func (x *execution) setval(q catalog.Sequence, v int64, called bool) error {
	if v < q.Min || v > q.Max {
		return sqlstate.Errorf(sqlstate.NumericValueOutOfRange, "setval: value %d is out of bounds for sequence %q (%d..%d)", v, q.Name, q.Min, q.Max)
	}
	if err := x.s.eng.cat.SetVal(x.ctx, x.s.who, x.s.heldTx(), q, v, called); err != nil {
		return err
	}
	if called {
		x.s.seq.remember(q.ID, v)
	}
	return nil
}

// serialSequence is pg_get_serial_sequence: the schema-qualified name of
// the sequence a serial or identity column uses, NULL for none.
func (g *sysGen) serialSequence(table, column string) (any, error) {
	vis, err := g.visibleTables()
	if err != nil {
		return nil, err
	}
	parts, ok := splitQualifiedName(table)
	if !ok || len(parts) > 2 {
		return nil, sqlstate.Errorf(sqlstate.InvalidName, "invalid name syntax")
	}
	oid, ok := g.relationOID(parts, vis)
	if !ok {
		return nil, sqlstate.Errorf(sqlstate.UndefinedTable, "relation %q does not exist", table)
	}
	for _, t := range g.tables {
		if uint32(t.ID) != oid {
			continue
		}
		c, _, ok := t.Column(column)
		if !ok {
			return nil, sqlstate.Errorf(sqlstate.UndefinedColumn, "column %q of relation %q does not exist", column, t.Name)
		}
		for _, q := range g.seqs {
			if o := q.OwnedBy; o != nil && o.Table == t.ID && o.Column == c.ID {
				return quoteIdent(q.schema.Name) + "." + quoteIdent(q.Name), nil
			}
		}
	}
	return nil, nil
}
