package executor

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"

	"github.com/sharehouse/sharehouse/catalog"
	"github.com/sharehouse/sharehouse/executor/sqlstate"
)

// FOREIGN KEY enforcement. No index is kept, so checks work on sets of
// keys, once per statement, as the PRIMARY KEY and UNIQUE checks do:
//
//   - A write into a referencing (child) table collects the distinct keys
//     its rows reference; once the rows are in place (the statement's own
//     rows count, for a self-reference) the parent is scanned once, only
//     its key columns and only the row groups whose statistics may hold
//     one of the keys, and a key not found is a violation.
//   - A DELETE or an UPDATE of a referenced (parent) table collects the
//     keys it removes; afterwards each referencing table is scanned once
//     for them and its rows are refused (NO ACTION, RESTRICT), deleted or
//     updated (CASCADE) or reset (SET NULL, SET DEFAULT) by a nested
//     DELETE or UPDATE, which enforces the constraints of that table in
//     turn.
//
// Checks run at the end of each statement, or at COMMIT for a deferred
// constraint in a transaction block (foreign_defer.go).

// fkCheck is one foreign key of a table being written, checked from the
// child's side.
type fkCheck struct {
	fk    *catalog.ForeignKey
	child catalog.Table
	pos   []int     // the referencing columns' stored positions
	keys  *keyCheck // the keys seen; its columns are the parent's, set by check
	// order holds the distinct keys seen, first seen first, with the text
	// a violation reports.
	order []fkWant
	// A key of one integer column is kept as a number instead: no
	// encoding, and no text until a violation (a bulk load's usual case).
	ints     *intSet
	intOrder []int64
}

type fkWant struct{ key, text string }

// newFKChecks binds the foreign keys of t for writes into t; the parents
// are looked up when the keys are checked.
func newFKChecks(t catalog.Table) []*fkCheck {
	var out []*fkCheck
	for _, fk := range t.ForeignKeys {
		c := &fkCheck{fk: fk, child: t}
		for _, p := range t.Positions(fk.Columns) {
			c.pos = append(c.pos, p-1)
		}
		c.keys = newKeyCheck(t, &catalog.Key{Name: fk.Name, Columns: fk.Columns})
		if c.keys.intKey {
			c.ints = &intSet{}
		}
		out = append(out, c)
	}
	return out
}

// note records the keys rows of a stored batch of the child reference.
// Under MATCH SIMPLE a key with a NULL references nothing; MATCH FULL
// refuses a key with some but not all columns NULL.
func (c *fkCheck) note(rec arrow.Record) error {
	if c.ints != nil {
		c.noteInts(rec.Column(c.pos[0]))
		return nil
	}
	var buf []byte
	for r := 0; r < int(rec.NumRows()); r++ {
		nulls := 0
		for _, p := range c.pos {
			if rec.Column(p).IsNull(r) {
				nulls++
			}
		}
		if nulls > 0 {
			if c.fk.Match == "f" && nulls < len(c.pos) {
				return c.insertViolation().WithDetail("MATCH FULL does not allow mixing of null and nonnull key values.")
			}
			continue
		}
		buf = fkKey(buf[:0], rec, c.pos, r)
		if _, ok := c.keys.seen[string(buf)]; ok {
			continue
		}
		k := string(buf)
		c.keys.seen[k] = struct{}{}
		c.order = append(c.order, fkWant{key: k, text: keyText(c.child, c.pos, rec, r)})
		if c.keys.intKey {
			v := intValues(rec.Column(c.pos[0]))(r)
			if len(c.order) == 1 || v < c.keys.min {
				c.keys.min = v
			}
			if len(c.order) == 1 || v > c.keys.max {
				c.keys.max = v
			}
		}
	}
	return nil
}

func (c *fkCheck) noteInts(col arrow.Array) {
	vals := intValues(col)
	nulls := col.NullN() > 0
	for r := 0; r < col.Len(); r++ {
		if nulls && col.IsNull(r) {
			continue
		}
		v := vals(r)
		if !c.ints.add(v) {
			continue
		}
		c.intOrder = append(c.intOrder, v)
		if len(c.intOrder) == 1 || v < c.keys.min {
			c.keys.min = v
		}
		if len(c.intOrder) == 1 || v > c.keys.max {
			c.keys.max = v
		}
	}
}

// checkInts is check for a key of one integer column.
func (c *fkCheck) checkInts(ctx context.Context, tx *catalog.Tx, parent catalog.Table, k *keyCheck) error {
	missing := c.ints
	defer func() { c.ints, c.intOrder = &intSet{}, nil }()
	err := scanIntKeys(ctx, tx, parent, k, func(v int64) bool {
		return missing.remove(v) && missing.len() == 0
	})
	if err != nil {
		return err
	}
	for _, v := range c.intOrder {
		if missing.has(v) {
			return c.insertViolation().WithDetail("Key (%s)=(%d) is not present in table %q.", c.child.Columns[c.pos[0]].Name, v, parent.Name)
		}
	}
	return nil
}

// scanIntKeys calls found with the value of every row of t whose integer
// key k (one column) is not NULL, in the row groups that may hold one of
// k's keys, until found says the scan is done.
func scanIntKeys(ctx context.Context, tx *catalog.Tx, t catalog.Table, k *keyCheck, found func(v int64) bool) error {
	snap, keep, err := prunedSnapshot(ctx, tx, t, k)
	if err != nil {
		return err
	}
	defer snap.Release()
	it, err := snap.ScanSelected(ctx, []arrow.Field{storedSchema(t).Field(k.pos[0])}, keep)
	if err != nil {
		return err
	}
	defer it.Close()
	for {
		rec, err := it.Next(ctx)
		if errEOF(err) {
			return nil
		}
		if err != nil {
			return err
		}
		col := rec.Column(0)
		vals, nulls := intValues(col), col.NullN() > 0
		for r := 0; r < col.Len(); r++ {
			if nulls && col.IsNull(r) {
				continue
			}
			if found(vals(r)) {
				return nil
			}
		}
	}
}

func (c *fkCheck) insertViolation() *sqlstate.Error {
	return sqlstate.Errorf(sqlstate.ForeignKeyViolation, "insert or update on table %q violates foreign key constraint %q", c.child.Name, c.fk.Name)
}

// check fails for the first key noted that the parent, as tx shows it,
// does not have.
func (c *fkCheck) check(ctx context.Context, tx *catalog.Tx) error {
	if len(c.order) == 0 && len(c.intOrder) == 0 {
		return nil
	}
	parent, ok, err := tx.TableByID(c.fk.RefTable)
	if err != nil || !ok {
		return err // a parent dropped under the constraint holds nothing back
	}
	missing := c.keys.seen
	defer func() { c.keys.seen, c.order = map[string]struct{}{}, nil }()
	k := *c.keys
	k.pos = nil
	for _, p := range parent.Positions(c.fk.RefColumns) {
		k.pos = append(k.pos, p-1)
	}
	if c.ints != nil {
		return c.checkInts(ctx, tx, parent, &k)
	}
	if err := scanParentKeys(ctx, tx, parent, &k, func(key []byte) bool {
		delete(missing, string(key))
		return len(missing) == 0
	}); err != nil {
		return err
	}
	for _, w := range c.order {
		if _, ok := missing[w.key]; ok {
			return c.insertViolation().WithDetail("Key (%s)=(%s) is not present in table %q.",
				strings.Join(positionNames(c.child, c.pos), ", "), w.text, parent.Name)
		}
	}
	return nil
}

// errFKDone stops a scan whose question is answered.
var errFKDone = errors.New("done")

// scanParentKeys calls found with the key (k's columns) of every row of t
// in the row groups that may hold one of k's keys, until found says the
// scan is done.
func scanParentKeys(ctx context.Context, tx *catalog.Tx, t catalog.Table, k *keyCheck, found func(key []byte) bool) error {
	snap, keep, err := prunedSnapshot(ctx, tx, t, k)
	if err != nil {
		return err
	}
	defer snap.Release()
	err = scanKeys(ctx, t, snap, k, keep, func(key []byte, _ func() error) error {
		if found(key) {
			return errFKDone
		}
		return nil
	})
	if errors.Is(err, errFKDone) {
		return nil
	}
	return err
}

// prunedSnapshot is t as tx shows it, with the row groups that may hold
// one of k's keys (nil: all).
func prunedSnapshot(ctx context.Context, tx *catalog.Tx, t catalog.Table, k *keyCheck) (*catalog.Snapshot, [][]int, error) {
	snap, err := tx.Snapshot(t)
	if err != nil {
		return nil, nil, err
	}
	keep, err := k.rowGroups(ctx, t, snap)
	if err != nil {
		snap.Release()
		return nil, nil, err
	}
	return snap, keep, nil
}

// fkKey encodes row r's values of columns pos so that equal keys of
// comparable types encode equally: integers of every width as int64.
func fkKey(buf []byte, rec arrow.Record, pos []int, r int) []byte {
	for _, p := range pos {
		buf = appendKeyWide(buf, rec.Column(p), r)
	}
	return buf
}

// appendKeyWide is appendKey with int2 and int4 widened to int8, so a key
// of one integer type finds its equal of another.
func appendKeyWide(buf []byte, col arrow.Array, r int) []byte {
	switch a := col.(type) {
	case *array.Int16:
		if a.IsValid(r) {
			return appendInt64Key(buf, int64(a.Value(r)))
		}
	case *array.Int32:
		if a.IsValid(r) {
			return appendInt64Key(buf, int64(a.Value(r)))
		}
	}
	return appendKey(buf, col, r)
}

func appendInt64Key(buf []byte, v int64) []byte {
	buf = append(buf, 1)
	u := uint64(v)
	return append(buf, byte(u), byte(u>>8), byte(u>>16), byte(u>>24), byte(u>>32), byte(u>>40), byte(u>>48), byte(u>>56))
}

// keyText prints row r's values of columns pos as a DETAIL's key.
func keyText(t catalog.Table, pos []int, rec arrow.Record, r int) string {
	vals := make([]string, len(pos))
	for i, p := range pos {
		col := rec.Column(p)
		if v, ok := intText(col, r); ok {
			vals[i] = v
			continue
		}
		vals[i] = valueText(t.Columns[p], col, r)
	}
	return strings.Join(vals, ", ")
}

// intText prints an integer without looking up an encoder: keys are
// printed once per distinct key of a bulk load.
func intText(col arrow.Array, r int) (string, bool) {
	switch col.(type) {
	case *array.Int16, *array.Int32, *array.Int64:
		if col.IsNull(r) {
			return "", false
		}
		return strconv.FormatInt(intValues(col)(r), 10), true
	}
	return "", false
}

func positionNames(t catalog.Table, pos []int) []string {
	out := make([]string, len(pos))
	for i, p := range pos {
		out[i] = t.Columns[p].Name
	}
	return out
}

// validateForeignKey checks that the rows t has satisfy fk, just added by
// ALTER TABLE … ADD.
func (x *execution) validateForeignKey(tx *catalog.Tx, t catalog.Table, fk *catalog.ForeignKey) error {
	t.ForeignKeys = []*catalog.ForeignKey{fk}
	c := newFKChecks(t)[0]
	snap, err := tx.Snapshot(t)
	if err != nil {
		return err
	}
	defer snap.Release()
	if err := x.eachStoredBatch(snap, t, c.note); err != nil {
		return err
	}
	return c.check(x.ctx, tx)
}

// noteRefs records the keys a batch of stored rows references.
func (c *constraintChecker) noteRefs(rec arrow.Record) error {
	if c == nil {
		return nil
	}
	for _, f := range c.fks {
		if err := f.note(rec); err != nil {
			return err
		}
	}
	return nil
}

// checkRefs fails when a key noted is not in its parent as tx shows it:
// called once the statement's rows are in tx.
func (c *constraintChecker) checkRefs(ctx context.Context, tx *catalog.Tx) error {
	return c.checkRefsOf(ctx, tx, func(*catalog.ForeignKey) bool { return true })
}

// checkParents is checkRefs for the foreign keys to other tables, which
// the statement's own rows cannot satisfy: an INSERT checks them before
// it publishes, so that a violation leaves its transaction untouched (a
// ROLLBACK TO SAVEPOINT can follow), and checkSelf after.
func (c *constraintChecker) checkParents(ctx context.Context, tx *catalog.Tx) error {
	return c.checkRefsOf(ctx, tx, func(fk *catalog.ForeignKey) bool { return fk.RefTable != c.t.ID })
}

// checkSelf is checkRefs for the table's references to itself.
func (c *constraintChecker) checkSelf(ctx context.Context, tx *catalog.Tx) error {
	return c.checkRefsOf(ctx, tx, func(fk *catalog.ForeignKey) bool { return fk.RefTable == c.t.ID })
}

func (c *constraintChecker) checkRefsOf(ctx context.Context, tx *catalog.Tx, which func(*catalog.ForeignKey) bool) error {
	if c == nil {
		return nil
	}
	for _, f := range c.fks {
		if !which(f.fk) {
			continue
		}
		if c.s != nil && c.s.deferred(f.fk) {
			if len(f.order) > 0 || len(f.intOrder) > 0 {
				later := f.takeKeys()
				c.s.deferCheck(f.fk.Name, func(x *execution, tx *catalog.Tx) error { return later.check(x.ctx, tx) })
			}
			continue
		}
		if err := f.check(ctx, tx); err != nil {
			return err
		}
	}
	return nil
}

// takeKeys moves the keys noted so far into a check of their own, for
// COMMIT, and starts f afresh.
func (f *fkCheck) takeKeys() *fkCheck {
	later := *f
	k := *f.keys
	later.keys = &k
	f.keys.seen, f.order, f.intOrder = map[string]struct{}{}, nil, nil
	if f.ints != nil {
		f.ints = &intSet{}
	}
	return &later
}

// touchesRefs reports whether a foreign key of the table has a column for
// which set is true: an UPDATE that sets it must check the new keys.
func (c *constraintChecker) touchesRefs(set func(pos int) bool) bool {
	if c == nil {
		return false
	}
	for _, f := range c.fks {
		if slices.ContainsFunc(f.pos, set) {
			return true
		}
	}
	return false
}
