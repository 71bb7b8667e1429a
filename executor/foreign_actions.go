package executor

import (
	"strconv"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"

	"github.com/sharehouse/sharehouse/catalog"
	"github.com/sharehouse/sharehouse/executor/sqlstate"
	"github.com/sharehouse/sharehouse/executor/sqltype"
)

// Foreign keys around an UPDATE or DELETE (apply): the keys the statement
// removes from a referenced table, and what each referencing table's
// constraint does about its rows that hold them (see foreign.go).

// fkWrite follows one UPDATE or DELETE for its foreign keys.
type fkWrite struct {
	x *execution
	m *modification
	// child: the UPDATE sets referencing columns of the table.
	child bool
	refs  []*fkRemoved
}

// fkRemoved is a foreign key referencing the table written, with the keys
// the statement removes from the table.
type fkRemoved struct {
	ref    catalog.Reference
	ppos   []int     // the referenced columns in the table written
	action string    // the constraint's action for this statement
	keys   *keyCheck // removed keys, over the referenced columns
	// ints holds the removed keys instead when the key is one integer
	// column (keys then keeps only the range, for pruning).
	ints *intSet
	// CASCADE on update: each removed key's new values (row of recs).
	news map[string]fkRow
	recs []arrow.Record
}

type fkRow struct{ rec, row int }

// newFKWrite prepares m's foreign-key work; nil when there is none.
func (x *execution) newFKWrite(tx *catalog.Tx, m *modification) (*fkWrite, error) {
	set := func(p int) bool { return m.sets != nil && m.sets[p] != nil }
	fw := &fkWrite{x: x, m: m, child: m.cons.touchesRefs(set)}
	refs, err := tx.ReferencesTo(m.t.ID)
	if err != nil {
		return nil, err
	}
	for _, r := range refs {
		fr := &fkRemoved{ref: r, action: r.Key.OnDelete}
		if m.sets != nil {
			fr.action = r.Key.OnUpdate
		}
		touched := m.sets == nil
		for _, p := range m.t.Positions(r.Key.RefColumns) {
			fr.ppos = append(fr.ppos, p-1)
			touched = touched || set(p-1)
		}
		if !touched {
			continue // an UPDATE that leaves the referenced columns alone
		}
		fr.keys = newKeyCheck(m.t, &catalog.Key{Name: r.Key.Name, Columns: r.Key.RefColumns})
		if fr.keys.intKey {
			fr.ints = &intSet{}
		}
		if fr.action == "c" && m.sets != nil {
			fr.news = map[string]fkRow{}
		}
		fw.refs = append(fw.refs, fr)
	}
	if !fw.child && len(fw.refs) == 0 {
		return nil, nil
	}
	m.changed = fw.changed
	return fw, nil
}

// changed collects the keys rows matched held before (old) and hold after
// (new; nil for DELETE).
func (fw *fkWrite) changed(old, new arrow.Record) error {
	if fw.child && new != nil {
		if err := fw.m.cons.noteRefs(new); err != nil {
			return err
		}
	}
	var buf, nbuf []byte
	for _, fr := range fw.refs {
		if fr.ints != nil {
			fr.changedInts(old, new)
			continue
		}
		kept := false
		for r := 0; r < int(old.NumRows()); r++ {
			var null bool
			if buf, null = fr.keys.key(buf[:0], old, r); null {
				continue
			}
			if new != nil {
				if nbuf, null = fr.keys.key(nbuf[:0], new, r); !null && string(nbuf) == string(buf) {
					continue // the key stays
				}
			}
			if _, ok := fr.keys.seen[string(buf)]; !ok {
				fr.keys.seen[string(buf)] = struct{}{}
				fr.keys.note(old, r)
			}
			if fr.news != nil {
				if !kept {
					new.Retain()
					fr.recs, kept = append(fr.recs, new), true
				}
				fr.news[string(buf)] = fkRow{rec: len(fr.recs) - 1, row: r}
			}
		}
	}
	return nil
}

// changedInts is changed for a key of one integer column.
func (fr *fkRemoved) changedInts(old, new arrow.Record) {
	oc := old.Column(fr.ppos[0])
	ov := intValues(oc)
	var nc arrow.Array
	var nv func(int) int64
	if new != nil {
		nc = new.Column(fr.ppos[0])
		nv = intValues(nc)
	}
	kept := false
	var buf []byte
	for r := 0; r < oc.Len(); r++ {
		if oc.IsNull(r) {
			continue
		}
		v := ov(r)
		if nc != nil && nc.IsValid(r) && nv(r) == v {
			continue // the key stays
		}
		if fr.ints.add(v) {
			k := fr.keys
			if fr.ints.len() == 1 || v < k.min {
				k.min = v
			}
			if fr.ints.len() == 1 || v > k.max {
				k.max = v
			}
		}
		if fr.news != nil {
			if !kept {
				new.Retain()
				fr.recs, kept = append(fr.recs, new), true
			}
			buf = fkKey(buf[:0], old, fr.ppos, r)
			fr.news[string(buf)] = fkRow{rec: len(fr.recs) - 1, row: r}
		}
	}
}

// count is how many keys the statement removed.
func (fr *fkRemoved) count() int {
	if fr.ints != nil {
		return fr.ints.len()
	}
	return len(fr.keys.seen)
}

// finish runs once the statement's rows are in tx: the new keys of the
// table's own foreign keys are checked, then the referencing tables' rows
// that hold a removed key are refused or acted on.
func (fw *fkWrite) finish(tx *catalog.Tx) error {
	if fw == nil {
		return nil
	}
	defer func() {
		for _, fr := range fw.refs {
			releaseAll(fr.recs)
		}
	}()
	x := fw.x
	if fw.child {
		if err := fw.m.cons.checkRefs(x.ctx, tx); err != nil {
			return err
		}
	}
	for _, fr := range fw.refs {
		if fr.count() == 0 {
			continue
		}
		if fr.action == "a" && x.s.deferred(fr.ref.Key) {
			fr, id := fr, fw.m.t.ID
			x.s.deferCheck(fr.ref.Key.Name, func(x *execution, tx *catalog.Tx) error {
				defer releaseAll(fr.recs)
				parent, ok, err := tx.TableByID(id)
				if err != nil || !ok {
					return err
				}
				return x.noAction(tx, parent, fr, true)
			})
			continue
		}
		if err := x.noAction(tx, fw.m.t, fr, fr.action == "a" && fw.m.sets != nil); err != nil {
			return err
		}
	}
	return nil
}

// noAction applies fr's action; with present, keys the parent holds again
// (NO ACTION, an UPDATE or a later statement put them back) are dropped
// from the removed ones first.
func (x *execution) noAction(tx *catalog.Tx, parent catalog.Table, fr *fkRemoved, present bool) error {
	if present {
		var err error
		if fr.ints != nil {
			err = scanIntKeys(x.ctx, tx, parent, fr.keys, func(v int64) bool {
				return fr.ints.remove(v) && fr.ints.len() == 0
			})
		} else {
			err = scanParentKeys(x.ctx, tx, parent, fr.keys, func(key []byte) bool {
				delete(fr.keys.seen, string(key))
				return len(fr.keys.seen) == 0
			})
		}
		if err != nil {
			return err
		}
		if fr.count() == 0 {
			return nil
		}
	}
	return x.referentialAction(tx, parent, fr)
}

// referentialAction applies fr's action to the rows of the referencing
// table that hold one of the keys removed from parent.
func (x *execution) referentialAction(tx *catalog.Tx, parent catalog.Table, fr *fkRemoved) error {
	child, ok, err := tx.TableByID(fr.ref.Table.ID)
	if err != nil || !ok {
		return err
	}
	fk := fr.ref.Key
	var cpos []int
	for _, p := range child.Positions(fk.Columns) {
		cpos = append(cpos, p-1)
	}
	holds := func(rec arrow.Record, r int, buf []byte) ([]byte, bool) {
		for _, p := range cpos {
			if rec.Column(p).IsNull(r) {
				return buf, false
			}
		}
		buf = fkKey(buf[:0], rec, cpos, r)
		_, ok := fr.keys.seen[string(buf)]
		return buf, ok
	}
	if fr.action == "a" || fr.action == "r" {
		return x.stillReferenced(tx, parent, child, fr, cpos)
	}
	m := &modification{t: child, plan: &plan{}}
	defer m.plan.release()
	m.match = func(rec arrow.Record) []bool {
		out := make([]bool, rec.NumRows())
		if fr.ints != nil {
			col := rec.Column(cpos[0])
			vals := intValues(col)
			for r := range out {
				out[r] = col.IsValid(r) && fr.ints.has(vals(r))
			}
			return out
		}
		var buf []byte
		for r := range out {
			buf, out[r] = holds(rec, r, buf)
		}
		return out
	}
	if fr.action != "c" || fr.news != nil { // an UPDATE of the child's rows
		if m.cons, err = x.newConstraintChecker(child); err != nil {
			return err
		}
		m.sets = make([]Expr, len(child.Columns))
		for j, p := range cpos {
			col := child.Columns[p]
			switch fr.action {
			case "n":
				m.sets[p] = nullConst(columnType(col))
			case "d":
				if m.sets[p], err = x.defaultExpr(child, col); err != nil {
					return err
				}
			case "c":
				m.sets[p] = &fkNewValue{t: columnType(col), fr: fr, cpos: cpos, src: fr.ppos[j], old: p}
			}
		}
	}
	_, err = x.apply(tx, m)
	return err
}

// stillReferenced fails when a row of child holds a key removed from
// parent (NO ACTION, RESTRICT).
func (x *execution) stillReferenced(tx *catalog.Tx, parent, child catalog.Table, fr *fkRemoved, cpos []int) error {
	k := *fr.keys
	k.pos = cpos
	violation := func(text string) error {
		return sqlstate.Errorf(sqlstate.ForeignKeyViolation, "update or delete on table %q violates foreign key constraint %q on table %q", parent.Name, fr.ref.Key.Name, child.Name).
			WithDetail("Key (%s)=(%s) is still referenced from table %q.", strings.Join(positionNames(parent, fr.ppos), ", "), text, child.Name)
	}
	if fr.ints != nil {
		found, held := int64(0), false
		err := scanIntKeys(x.ctx, tx, child, &k, func(v int64) bool {
			found, held = v, fr.ints.has(v)
			return held
		})
		if err != nil || !held {
			return err
		}
		return violation(strconv.FormatInt(found, 10))
	}
	snap, keep, err := prunedSnapshot(x.ctx, tx, child, &k)
	if err != nil {
		return err
	}
	defer snap.Release()
	view := catalog.Table{Name: child.Name} // the key columns, as read
	var fields []arrow.Field
	stored := storedSchema(child)
	local := make([]int, len(cpos))
	for j, p := range cpos {
		fields = append(fields, stored.Field(p))
		view.Columns = append(view.Columns, child.Columns[p])
		local[j] = j
	}
	it, err := snap.ScanSelected(x.ctx, fields, keep)
	if err != nil {
		return err
	}
	defer it.Close()
	var buf []byte
	for {
		rec, err := it.Next(x.ctx)
		if errEOF(err) {
			return nil
		}
		if err != nil {
			return err
		}
		for r := 0; r < int(rec.NumRows()); r++ {
			var null bool
			if buf, null = k.keyAt(buf[:0], rec, local, r); null {
				continue
			}
			if _, ok := fr.keys.seen[string(buf)]; ok {
				return violation(keyText(view, local, rec, r))
			}
		}
	}
}

// keyAt is key over the columns pos of rec instead of k's own.
func (k *keyCheck) keyAt(buf []byte, rec arrow.Record, pos []int, r int) ([]byte, bool) {
	for _, p := range pos {
		if rec.Column(p).IsNull(r) {
			return buf, true
		}
	}
	return fkKey(buf, rec, pos, r), false
}

// fkNewValue is ON UPDATE CASCADE's new value of referencing column old:
// the new value of referenced column src of the parent row whose old key
// the child row holds.
type fkNewValue struct {
	t    sqltype.T
	fr   *fkRemoved
	cpos []int
	src  int
	old  int
}

func (e *fkNewValue) Type() sqltype.T          { return e.t }
func (e *fkNewValue) DataType() arrow.DataType { return e.t.Arrow() }
func (e *fkNewValue) String() string           { return "fk_new_value" }

func (e *fkNewValue) Eval(ec *evalContext, rec arrow.Record) (arrow.Array, error) {
	b := array.NewBuilder(ec.mem, e.t.Arrow())
	defer b.Release()
	var buf []byte
	for r := 0; r < int(rec.NumRows()); r++ {
		buf = fkKey(buf[:0], rec, e.cpos, r)
		from, row := rec.Column(e.old), r
		if n, ok := e.fr.news[string(buf)]; ok {
			from, row = e.fr.recs[n.rec].Column(e.src), n.row
		}
		if from.IsNull(row) {
			b.AppendNull()
			continue
		}
		if err := b.AppendValueFromString(from.ValueStr(row)); err != nil {
			return nil, err
		}
	}
	return b.NewArray(), nil
}
