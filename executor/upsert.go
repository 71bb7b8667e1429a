package executor

import (
	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"

	"github.com/sharehouse/sharehouse/catalog"
	"github.com/sharehouse/sharehouse/executor/sqlstate"
)

// INSERT … ON CONFLICT. The statement's rows are computed first; the keys
// they propose for the arbiter constraints are looked up in the table once
// (scanKeys, pruned by statistics as constraint checks are). A row whose
// key exists, or was proposed by an earlier row, is a conflict: DO NOTHING
// drops it; DO UPDATE updates the existing row with SET, which sees it
// under the table's name and the proposed row as "excluded". The other
// rows are inserted as by a plain INSERT.

type onConflict struct {
	arbiters []*keyCheck
	sets     []Expr // DO UPDATE: per column, nil where unchanged; nil for DO NOTHING
	where    Expr   // DO UPDATE … WHERE, nil if none
}

// dropKey stops enforcing key name: an ON CONFLICT arbiter is handled by
// the upsert.
func (c *constraintChecker) dropKey(name string) {
	if c == nil {
		return
	}
	for i, k := range c.keys {
		if k.name == name {
			c.keys = append(c.keys[:i:i], c.keys[i+1:]...)
			return
		}
	}
}

// upsertRow is a proposed row that conflicts, for DO UPDATE.
type upsertRow struct {
	batch, row int
}

func (x *execution) insertOnConflict(tx *catalog.Tx, t catalog.Table, w *tableWriter, p *plan) (int64, error) {
	oc := w.conflict
	ec := x.evalContext()
	var batches []arrow.Record
	defer func() { releaseAll(batches) }()
	for {
		in, err := p.root.next(x.ctx)
		if errEOF(err) {
			break
		}
		if err != nil {
			return 0, err
		}
		out, err := w.rowsChecked(ec, in)
		if err != nil {
			return 0, err
		}
		batches = append(batches, out)
	}
	// The keys proposed, then which of them the table has.
	existing := make([]map[string]bool, len(oc.arbiters))
	for a, k := range oc.arbiters {
		k.seen = map[string]struct{}{}
		var buf []byte
		for _, b := range batches {
			for r := 0; r < int(b.NumRows()); r++ {
				var null bool
				if buf, null = k.key(buf[:0], b, r); !null {
					k.seen[string(buf)] = struct{}{}
					k.note(b, r)
				}
			}
		}
		existing[a] = map[string]bool{}
		if len(k.seen) == 0 {
			continue
		}
		snap, err := tx.Snapshot(t)
		if err != nil {
			return 0, err
		}
		keep, err := k.rowGroups(x.ctx, t, snap)
		if err == nil {
			err = scanKeys(x.ctx, t, snap, k, keep, func(key []byte, _ func() error) error {
				if _, ok := k.seen[string(key)]; ok {
					existing[a][string(key)] = true
				}
				return nil
			})
		}
		snap.Release()
		if err != nil {
			return 0, err
		}
	}
	// Decide row by row, in order.
	proposed := make([]map[string]bool, len(oc.arbiters))
	for a := range proposed {
		proposed[a] = map[string]bool{}
	}
	updates := map[string]upsertRow{} // by the first arbiter's key of the existing row
	l := newLoader(x.s.eng.cat, t, w.schema)
	defer l.close()
	var n int64
	var buf []byte
	for bi, b := range batches {
		var keep []int32
		for r := 0; r < int(b.NumRows()); r++ {
			conflict, hitExisting := -1, false
			for a, k := range oc.arbiters {
				var null bool
				if buf, null = k.key(buf[:0], b, r); null {
					continue
				}
				if existing[a][string(buf)] || proposed[a][string(buf)] {
					conflict, hitExisting = a, existing[a][string(buf)]
					break
				}
			}
			if conflict < 0 {
				for a, k := range oc.arbiters {
					if buf, null := k.key(buf[:0], b, r); !null {
						proposed[a][string(buf)] = true
					}
				}
				keep = append(keep, int32(r))
				continue
			}
			if oc.sets == nil {
				continue // DO NOTHING
			}
			buf, _ = oc.arbiters[conflict].key(buf[:0], b, r)
			_, again := updates[string(buf)]
			if !hitExisting || again {
				return 0, sqlstate.Errorf(sqlstate.CardinalityViolation, "ON CONFLICT DO UPDATE command cannot affect row a second time").
					WithHint("Ensure that no rows proposed for insertion within the same command have duplicate constrained values.")
			}
			updates[string(buf)] = upsertRow{batch: bi, row: r}
		}
		sub := takeRecord(ec.mem, b, keep)
		if err := w.cons.addKeys(sub); err != nil {
			sub.Release()
			return 0, err
		}
		if err := w.cons.noteRefs(sub); err != nil {
			sub.Release()
			return 0, err
		}
		if err := w.ret.add(ec, sub); err != nil {
			sub.Release()
			return 0, err
		}
		n += sub.NumRows()
		if err := l.add(x.ctx, sub); err != nil {
			return 0, err
		}
	}
	if len(updates) > 0 {
		x.touched = true
		m, err := x.upsertUpdates(tx, t, w, batches, updates)
		if err != nil {
			return 0, err
		}
		n += m
	}
	if err := l.finish(); err != nil {
		return 0, err
	}
	return n, x.publishChecked(x.ctx, tx, l, w)
}

// upsertUpdates applies DO UPDATE to the existing rows whose key (by the
// conflicting arbiter) a proposed row hit; it returns how many it updated.
func (x *execution) upsertUpdates(tx *catalog.Tx, t catalog.Table, w *tableWriter, batches []arrow.Record, updates map[string]upsertRow) (int64, error) {
	oc := w.conflict
	ec := x.evalContext()
	snap, err := tx.Snapshot(t)
	if err != nil {
		return 0, err
	}
	defer snap.Release()
	stored := storedSchema(t)
	n := len(t.Columns)
	// The scope's layout: the existing row, then the proposed ("excluded").
	fields := append(append([]arrow.Field{}, stored.Fields()...), stored.Fields()...)
	for i := n; i < 2*n; i++ {
		fields[i].Name = "excluded." + fields[i].Name
	}
	both := arrow.NewSchema(fields, nil)
	// Keys of this table that other tables reference may change: their
	// foreign keys act as for an UPDATE (foreign_actions.go).
	fw, err := x.newFKWrite(tx, &modification{t: t, sets: oc.sets})
	if err != nil {
		return 0, err
	}
	rekey := w.cons.touches(func(p int) bool { return oc.sets[p] != nil })
	for _, k := range oc.arbiters {
		for _, p := range k.pos {
			rekey = rekey || oc.sets[p] != nil
		}
	}
	var recheck *constraintChecker
	if rekey {
		// Every key of the table is checked over the whole table after.
		if recheck, err = x.newConstraintChecker(t); err != nil {
			return 0, err
		}
	}
	var count int64
	var buf []byte
	for i, part := range snap.Parts() {
		it, err := snap.ScanPart(x.ctx, i, stored.Fields())
		if err != nil {
			return 0, err
		}
		var kept []arrow.Record
		changed := false
		fail := func(err error) (int64, error) {
			it.Close()
			releaseAll(kept)
			return 0, err
		}
		for {
			rec, err := it.Next(x.ctx)
			if errEOF(err) {
				break
			}
			if err != nil {
				return fail(err)
			}
			rec = array.NewRecord(stored, rec.Columns(), rec.NumRows())
			var hit, miss []int32
			var from []upsertRow
			for r := 0; r < int(rec.NumRows()); r++ {
				matched := false
				for _, k := range oc.arbiters {
					var null bool
					if buf, null = k.key(buf[:0], rec, r); null {
						continue
					}
					if u, ok := updates[string(buf)]; ok {
						hit, from, matched = append(hit, int32(r)), append(from, u), true
						break
					}
				}
				if !matched {
					miss = append(miss, int32(r))
				}
			}
			if len(hit) == 0 {
				kept = append(kept, rec) // rec is ours: NewRecord retained its columns
				if recheck != nil {
					if err := recheck.addKeys(rec); err != nil {
						return fail(err)
					}
				}
				continue
			}
			out, updated, before, err := x.upsertBatch(ec, t, oc, both, rec, hit, miss, from, batches)
			if err == nil && fw != nil {
				err = fw.changed(before, updated)
			}
			if before != nil {
				before.Release()
			}
			rec.Release()
			if err != nil && out != nil {
				out.Release()
				updated.Release()
			}
			if err != nil {
				return fail(err)
			}
			count += updated.NumRows()
			changed = changed || updated.NumRows() > 0
			kept = append(kept, out)
			err = w.cons.noteRefs(updated)
			if err == nil {
				err = w.ret.add(ec, updated)
			}
			updated.Release()
			if err != nil {
				return fail(err)
			}
			if err := w.cons.checkRows(ec, out); err != nil {
				return fail(err)
			}
			if recheck != nil {
				if err := recheck.addKeys(out); err != nil {
					return fail(err)
				}
			}
		}
		it.Close()
		if changed {
			err = tx.ReplacePart(x.ctx, t, part.ID, kept)
		}
		releaseAll(kept)
		if err != nil {
			return 0, err
		}
	}
	return count, fw.finish(tx)
}

// upsertBatch returns rec's rows with those at hit updated from the
// proposed rows from (in the same order), the updated rows, and those
// rows as they were.
func (x *execution) upsertBatch(ec *evalContext, t catalog.Table, oc *onConflict, both *arrow.Schema, rec arrow.Record, hit, miss []int32, from []upsertRow, batches []arrow.Record) (arrow.Record, arrow.Record, arrow.Record, error) {
	n := len(t.Columns)
	old := takeRecord(ec.mem, rec, hit)
	defer old.Release()
	// The proposed rows, aligned with old.
	var parts []arrow.Record
	defer func() { releaseAll(parts) }()
	for _, u := range from {
		parts = append(parts, takeRecord(ec.mem, batches[u.batch], []int32{int32(u.row)}))
	}
	excluded, err := concatRecords(ec.mem, batches[0].Schema(), parts)
	if err != nil {
		return nil, nil, nil, err
	}
	defer excluded.Release()
	cols := append(append([]arrow.Array{}, old.Columns()...), excluded.Columns()...)
	pair := array.NewRecord(both, cols, old.NumRows())
	defer pair.Release()
	// WHERE picks which conflicting rows are updated; the rest stay.
	upd := make([]int32, 0, len(hit))
	for i := range hit {
		upd = append(upd, int32(i))
	}
	if oc.where != nil {
		mask, err := oc.where.Eval(ec, pair)
		if err != nil {
			return nil, nil, nil, err
		}
		b := mask.(*array.Boolean)
		upd = upd[:0]
		for i := 0; i < b.Len(); i++ {
			if b.IsValid(i) && b.Value(i) {
				upd = append(upd, int32(i))
			} else {
				miss = append(miss, hit[i])
			}
		}
		mask.Release()
	}
	sel := takeRecord(ec.mem, pair, upd)
	defer sel.Release()
	newCols := make([]arrow.Array, n)
	defer func() { releaseArrays(newCols) }()
	for c, col := range t.Columns {
		if oc.sets[c] == nil {
			newCols[c] = sel.Column(c)
			newCols[c].Retain()
			continue
		}
		v, err := oc.sets[c].Eval(ec, sel)
		if err != nil {
			return nil, nil, nil, err
		}
		if col.NotNull && v.NullN() > 0 {
			v.Release()
			return nil, nil, nil, sqlstate.Errorf(sqlstate.NotNullViolation, "null value in column %q of relation %q violates not-null constraint", col.Name, t.Name)
		}
		newCols[c] = v
	}
	stored := rec.Schema()
	updated := array.NewRecord(stored, newCols, sel.NumRows())
	kept := takeRecord(ec.mem, rec, miss)
	defer kept.Release()
	out, err := concatRecords(ec.mem, stored, []arrow.Record{kept, updated})
	if err != nil {
		updated.Release()
		return nil, nil, nil, err
	}
	// The updated rows as they were, for the foreign keys that reference t.
	was := make([]int32, len(upd))
	for k, i := range upd {
		was[k] = hit[i]
	}
	return out, updated, takeRecord(ec.mem, rec, was), nil
}
