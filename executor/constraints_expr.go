package executor

import (
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"

	"github.com/sharehouse/sharehouse/catalog"
	"github.com/sharehouse/sharehouse/executor/sqlstate"
)

// Unique indexes on expressions and partial unique indexes. Their key is
// computed from a batch of stored rows (the expressions, for the rows the
// WHERE keeps) into a key batch; from there they are checked as a UNIQUE
// constraint is, by a keyCheck over the key batch, whose "table" (view) has
// one column per key element, named as the element prints.

type exprKey struct {
	*keyCheck
	view  catalog.Table // the key batch's columns, for messages
	exprs []Expr        // over stored rows
	pred  Expr          // nil: every row has a key
	reads []int         // stored positions the expressions and WHERE read
	ec    *evalContext
	x     *execution
}

// newExprKey binds unique index i of t (not Plain).
func (x *execution) newExprKey(t catalog.Table, i *catalog.Index) (*exprKey, error) {
	k := &exprKey{ec: x.evalContext(), x: x, view: catalog.Table{Name: t.Name}}
	for _, p := range t.Positions(i.Columns) {
		k.reads = append(k.reads, p-1)
	}
	_, shown := exprElements(t, i.Exprs)
	keys := &catalog.Key{Name: i.Name}
	for j, stored := range i.Exprs {
		n, err := parseStoredExpr(stored)
		if err != nil {
			return nil, sqlstate.Errorf(sqlstate.InternalError, "bad stored index expression of %q", i.Name)
		}
		e, _, err := x.bindStored(t, n)
		if err != nil {
			return nil, err
		}
		k.exprs = append(k.exprs, e)
		name := shown[j]
		if name == "" { // a bare column
			name = storedText(t, stored)
		}
		id := uint32(j + 1)
		keys.Columns = append(keys.Columns, id)
		k.view.Columns = append(k.view.Columns, catalog.Column{ID: id, Name: name,
			Type: catalog.ColumnType{OID: uint32(e.Type().OID), Typmod: e.Type().Typmod}})
	}
	if i.Where != "" {
		n, err := parseStoredExpr(i.Where)
		if err != nil {
			return nil, sqlstate.Errorf(sqlstate.InternalError, "bad stored index predicate of %q", i.Name)
		}
		if k.pred, err = x.bindStoredCheck(t, n); err != nil {
			return nil, err
		}
	}
	k.keyCheck = newKeyCheck(k.view, keys)
	k.intKey = false // the statistics are of stored columns, not of keys
	return k, nil
}

// keyBatch computes the key batch of a batch of stored rows: the rows the
// WHERE keeps, with their key elements as columns.
func (k *exprKey) keyBatch(rec arrow.Record) (arrow.Record, error) {
	if k.pred != nil {
		mask, err := k.pred.Eval(k.ec, rec)
		if err != nil {
			return nil, err
		}
		rec = filterRecord(k.ec.mem, rec, mask.(*array.Boolean))
		mask.Release()
		defer rec.Release()
	}
	return evalAll(k.ec, storedSchema(k.view), k.exprs, rec)
}

// add records the keys of a batch of stored rows.
func (k *exprKey) add(rec arrow.Record) error {
	kb, err := k.keyBatch(rec)
	if err != nil {
		return err
	}
	defer kb.Release()
	return k.keyCheck.add(k.view, kb)
}

// existing fails when a key recorded is already among t's rows.
func (k *exprKey) existing(t catalog.Table, snap *catalog.Snapshot) error {
	if len(k.seen) == 0 {
		return nil
	}
	return k.eachKeyBatch(t, snap, func(kb arrow.Record) error {
		var buf []byte
		for r := 0; r < int(kb.NumRows()); r++ {
			var null bool
			if buf, null = k.key(buf[:0], kb, r); null {
				continue
			}
			if _, ok := k.seen[string(buf)]; ok {
				return k.violation(k.view, kb, r)
			}
		}
		return nil
	})
}

// validate checks that t's rows have distinct keys (CREATE UNIQUE INDEX).
func (k *exprKey) validate(t catalog.Table, snap *catalog.Snapshot) error {
	return k.eachKeyBatch(t, snap, func(kb arrow.Record) error {
		err := k.keyCheck.add(k.view, kb)
		if e, ok := err.(*sqlstate.Error); ok && e.Code == sqlstate.UniqueViolation {
			return sqlstate.Errorf(sqlstate.UniqueViolation, "could not create unique index %q", k.name).
				WithDetail("%s", strings.Replace(e.Detail, "already exists", "is duplicated", 1))
		}
		return err
	})
}

// eachKeyBatch calls fn with the key batch of every batch of t's rows.
func (k *exprKey) eachKeyBatch(t catalog.Table, snap *catalog.Snapshot, fn func(arrow.Record) error) error {
	return k.x.eachStoredBatch(snap, t, func(rows arrow.Record) error {
		kb, err := k.keyBatch(rows)
		if err != nil {
			return err
		}
		defer kb.Release()
		return fn(kb)
	})
}
