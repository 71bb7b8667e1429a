package executor

import (
	"context"
	"slices"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"

	"github.com/sharehouse/sharehouse/catalog"
	"github.com/sharehouse/sharehouse/executor/sqlstate"
	"github.com/sharehouse/sharehouse/executor/sqltype"
)

// Constraint enforcement for writes. CHECK constraints are evaluated on
// every row written. PRIMARY KEY and UNIQUE keep no index: a statement
// collects the keys it writes (a duplicate among them fails at once), and
// before it publishes, the table's existing rows are scanned for those
// keys. Writers are serialised by the store's single writer slot, so no
// other statement can add a conflicting key in between. For a key of one
// integer column, the row groups whose statistics lie outside the new
// keys' range are skipped: appending increasing ids (serial, identity)
// reads none of the old data.

type constraintChecker struct {
	t        catalog.Table
	checks   []boundCheck
	keys     []*keyCheck
	exprKeys []*exprKey // unique indexes on expressions or partial (constraints_expr.go)
	fks      []*fkCheck // foreign.go
	s        *Session   // where deferred foreign-key checks wait
}

type boundCheck struct {
	name string
	e    Expr
}

// keyCheck is one PRIMARY KEY or UNIQUE constraint being enforced.
type keyCheck struct {
	name string
	pos  []int // stored column positions, key order
	seen map[string]struct{}
	// For a key of one integer column: the range of the keys seen.
	intKey   bool
	min, max int64
}

// newConstraintChecker binds t's constraints; nil when t has none.
func (x *execution) newConstraintChecker(t catalog.Table) (*constraintChecker, error) {
	c := &constraintChecker{t: t, s: x.s}
	for _, ch := range t.Checks {
		e, err := x.bindCheck(t, ch)
		if err != nil {
			return nil, err
		}
		c.checks = append(c.checks, boundCheck{name: ch.Name, e: e})
	}
	keys := slices.Clone(t.Uniques)
	if t.PrimaryKey != nil {
		keys = append([]*catalog.Key{t.PrimaryKey}, keys...)
	}
	for _, i := range t.Indexes {
		switch {
		case i.Unique && i.Plain():
			keys = append(keys, &i.Key)
		case i.Unique:
			ek, err := x.newExprKey(t, i)
			if err != nil {
				return nil, err
			}
			c.exprKeys = append(c.exprKeys, ek)
		}
	}
	for _, k := range keys {
		c.keys = append(c.keys, newKeyCheck(t, k))
	}
	c.fks = newFKChecks(t)
	if len(c.checks) == 0 && len(c.keys) == 0 && len(c.fks) == 0 && len(c.exprKeys) == 0 {
		return nil, nil
	}
	return c, nil
}

func newKeyCheck(t catalog.Table, k *catalog.Key) *keyCheck {
	kc := &keyCheck{name: k.Name, seen: map[string]struct{}{}}
	for _, p := range t.Positions(k.Columns) {
		kc.pos = append(kc.pos, p-1)
	}
	if len(kc.pos) == 1 {
		switch columnType(t.Columns[kc.pos[0]]).OID {
		case sqltype.Int2, sqltype.Int4, sqltype.Int8:
			kc.intKey = true
		}
	}
	return kc
}

// checkRows evaluates the CHECK constraints on a batch of stored rows.
func (c *constraintChecker) checkRows(ec *evalContext, rec arrow.Record) error {
	if c == nil {
		return nil
	}
	for _, ch := range c.checks {
		v, err := ch.e.Eval(ec, rec)
		if err != nil {
			return err
		}
		ok := v.(*array.Boolean)
		for i := 0; i < ok.Len(); i++ {
			if ok.IsValid(i) && !ok.Value(i) {
				v.Release()
				return sqlstate.Errorf(sqlstate.CheckViolation, "new row for relation %q violates check constraint %q", c.t.Name, ch.name).
					WithDetail("Failing row contains (%s).", rowText(c.t, rec, i))
			}
		}
		v.Release()
	}
	return nil
}

// addKeys records the keys of a batch of stored rows, failing on one
// recorded before.
func (c *constraintChecker) addKeys(rec arrow.Record) error {
	if c == nil {
		return nil
	}
	for _, k := range c.keys {
		if err := k.add(c.t, rec); err != nil {
			return err
		}
	}
	for _, k := range c.exprKeys {
		if err := k.add(rec); err != nil {
			return err
		}
	}
	return nil
}

// add records the keys of a batch of rows of t, failing on one recorded
// before.
func (k *keyCheck) add(t catalog.Table, rec arrow.Record) error {
	var buf []byte
	for r := 0; r < int(rec.NumRows()); r++ {
		var null bool
		buf, null = k.key(buf[:0], rec, r)
		if null {
			continue // NULLs are distinct
		}
		if _, dup := k.seen[string(buf)]; dup {
			return k.violation(t, rec, r)
		}
		k.seen[string(buf)] = struct{}{}
		k.note(rec, r)
	}
	return nil
}

// note widens the range of the keys seen, for an integer key, by row r's
// (just added to seen).
func (k *keyCheck) note(rec arrow.Record, r int) {
	if !k.intKey {
		return
	}
	v := intValues(rec.Column(k.pos[0]))(r)
	if len(k.seen) == 1 || v < k.min {
		k.min = v
	}
	if len(k.seen) == 1 || v > k.max {
		k.max = v
	}
}

// key encodes row r's key; null reports a NULL in it.
func (k *keyCheck) key(buf []byte, rec arrow.Record, r int) ([]byte, bool) {
	for _, p := range k.pos {
		col := rec.Column(p)
		if col.IsNull(r) {
			return buf, true
		}
		buf = appendKeyWide(buf, col, r) // as foreign keys encode them
	}
	return buf, false
}

func (k *keyCheck) violation(t catalog.Table, rec arrow.Record, r int) error {
	names := make([]string, len(k.pos))
	vals := make([]string, len(k.pos))
	for i, p := range k.pos {
		names[i] = t.Columns[p].Name
		vals[i] = valueText(t.Columns[p], rec.Column(p), r)
	}
	return sqlstate.Errorf(sqlstate.UniqueViolation, "duplicate key value violates unique constraint %q", k.name).
		WithDetail("Key (%s)=(%s) already exists.", strings.Join(names, ", "), strings.Join(vals, ", "))
}

// existing fails when a key the statement wrote is already in the table
// as snap shows it (before the statement's rows are published).
func (c *constraintChecker) existing(ctx context.Context, tx *catalog.Tx) error {
	if c == nil || len(c.keys) == 0 && len(c.exprKeys) == 0 {
		return nil
	}
	snap, err := tx.Snapshot(c.t)
	if err != nil {
		return err
	}
	defer snap.Release()
	for _, k := range c.exprKeys {
		if err := k.existing(c.t, snap); err != nil {
			return err
		}
	}
	for _, k := range c.keys {
		if len(k.seen) == 0 {
			continue
		}
		keep, err := k.rowGroups(ctx, c.t, snap)
		if err != nil {
			return err
		}
		err = scanKeys(ctx, c.t, snap, k, keep, func(key []byte, dup func() error) error {
			if _, ok := k.seen[string(key)]; ok {
				return dup()
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// rowGroups picks the row groups that may hold one of the keys seen: for
// an integer key, those whose statistics overlap the keys' range.
func (k *keyCheck) rowGroups(ctx context.Context, t catalog.Table, snap *catalog.Snapshot) ([][]int, error) {
	if !k.intKey {
		return nil, nil
	}
	f := []arrow.Field{storedSchema(t).Field(k.pos[0])}
	parts := snap.Parts()
	keep := make([][]int, len(parts))
	for i := range parts {
		stats, err := snap.PartStats(ctx, i, f)
		if err != nil {
			return nil, err
		}
		keep[i] = []int{}
		for g, rg := range stats {
			mm := rg.Columns[0].MinMax
			if mm == nil || mm.Len() != 2 || mm.IsNull(0) || mm.IsNull(1) {
				keep[i] = append(keep[i], g)
				continue
			}
			lo, hi := intValues(mm)(0), intValues(mm)(1)
			if hi >= k.min && lo <= k.max {
				keep[i] = append(keep[i], g)
			}
		}
	}
	return keep, nil
}

// scanKeys calls fn for every row of snap (in the row groups keep
// selects) whose key k has no NULL, with its encoded key and the error
// that reports it as a duplicate. Only the key columns are read.
func scanKeys(ctx context.Context, t catalog.Table, snap *catalog.Snapshot, k *keyCheck, keep [][]int, fn func(key []byte, dup func() error) error) error {
	stored := storedSchema(t)
	fields := make([]arrow.Field, len(k.pos))
	view := catalog.Table{Name: t.Name} // the key columns, as read
	local := &keyCheck{name: k.name}
	for j, p := range k.pos {
		fields[j] = stored.Field(p)
		view.Columns = append(view.Columns, t.Columns[p])
		local.pos = append(local.pos, j)
	}
	it, err := snap.ScanSelected(ctx, fields, keep)
	if err != nil {
		return err
	}
	defer it.Close()
	var buf []byte
	for {
		rec, err := it.Next(ctx)
		if errEOF(err) {
			return nil
		}
		if err != nil {
			return err
		}
		for r := 0; r < int(rec.NumRows()); r++ {
			var null bool
			if buf, null = local.key(buf[:0], rec, r); null {
				continue
			}
			if err := fn(buf, func() error { return local.violation(view, rec, r) }); err != nil {
				return err
			}
		}
	}
}

// validateKey checks that the rows t already has satisfy a key just
// added: ALTER TABLE … ADD PRIMARY KEY/UNIQUE.
func (x *execution) validateKey(tx *catalog.Tx, t catalog.Table, key *catalog.Key) error {
	snap, err := tx.Snapshot(t)
	if err != nil {
		return err
	}
	defer snap.Release()
	k := newKeyCheck(t, key)
	for _, p := range k.pos {
		if key == t.PrimaryKey {
			if err := x.validateNotNull(snap, t, p); err != nil {
				return err
			}
		}
	}
	return scanKeys(x.ctx, t, snap, k, nil, func(b []byte, dup func() error) error {
		if _, ok := k.seen[string(b)]; ok {
			err := dup().(*sqlstate.Error)
			return sqlstate.Errorf(sqlstate.UniqueViolation, "could not create unique index %q", key.Name).
				WithDetail("%s", strings.Replace(err.Detail, "already exists", "is duplicated", 1))
		}
		k.seen[string(b)] = struct{}{}
		return nil
	})
}

// validateNotNull fails when column p of t has a NULL (a new primary key).
func (x *execution) validateNotNull(snap *catalog.Snapshot, t catalog.Table, p int) error {
	return x.eachStoredBatch(snap, t, func(rec arrow.Record) error {
		if rec.Column(p).NullN() > 0 {
			return sqlstate.Errorf(sqlstate.NotNullViolation, "column %q of relation %q contains null values", t.Columns[p].Name, t.Name)
		}
		return nil
	})
}

// validateCheck checks that the rows t already has satisfy a CHECK just
// added.
func (x *execution) validateCheck(tx *catalog.Tx, t catalog.Table, c *catalog.Check) error {
	e, err := x.bindCheck(t, c)
	if err != nil {
		return err
	}
	snap, err := tx.Snapshot(t)
	if err != nil {
		return err
	}
	defer snap.Release()
	ec := x.evalContext()
	return x.eachStoredBatch(snap, t, func(rec arrow.Record) error {
		v, err := e.Eval(ec, rec)
		if err != nil {
			return err
		}
		defer v.Release()
		ok := v.(*array.Boolean)
		for i := 0; i < ok.Len(); i++ {
			if ok.IsValid(i) && !ok.Value(i) {
				return sqlstate.Errorf(sqlstate.CheckViolation, "check constraint %q of relation %q is violated by some row", c.Name, t.Name)
			}
		}
		return nil
	})
}

// eachStoredBatch calls fn with every batch of snap in t's stored layout.
func (x *execution) eachStoredBatch(snap *catalog.Snapshot, t catalog.Table, fn func(arrow.Record) error) error {
	stored := storedSchema(t)
	it, err := snap.Scan(x.ctx, stored.Fields())
	if err != nil {
		return err
	}
	defer it.Close()
	for {
		rec, err := it.Next(x.ctx)
		if errEOF(err) {
			return nil
		}
		if err != nil {
			return err
		}
		rows := array.NewRecord(stored, rec.Columns(), rec.NumRows())
		err = fn(rows)
		rows.Release()
		if err != nil {
			return err
		}
	}
}

// touches reports whether a key of t has a column for which set is true:
// an UPDATE that sets it must recheck the key over the whole table.
func (c *constraintChecker) touches(set func(pos int) bool) bool {
	if c == nil {
		return false
	}
	for _, k := range c.keys {
		if slices.ContainsFunc(k.pos, set) {
			return true
		}
	}
	for _, k := range c.exprKeys {
		for _, p := range k.reads {
			if set(p) {
				return true
			}
		}
	}
	return false
}

// valueText prints one value as PostgreSQL's text output would.
func valueText(col catalog.Column, a arrow.Array, r int) string {
	if a.IsNull(r) {
		return "null"
	}
	enc, err := sqltype.TextEncoder(columnType(col), a.DataType(), sqltype.Format{})
	if err != nil {
		return "?"
	}
	return string(enc(nil, a, r))
}

// rowText prints row r of a stored batch for a "Failing row contains" detail.
func rowText(t catalog.Table, rec arrow.Record, r int) string {
	vals := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		vals[i] = valueText(c, rec.Column(i), r)
	}
	return strings.Join(vals, ", ")
}
