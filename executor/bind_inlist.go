package executor

import (
	"strings"

	"github.com/apache/arrow/go/v17/arrow"

	"github.com/sharehouse/sharehouse/executor/sqltype"
)

// minHashedInList is the shortest IN list of constants looked up in a hash
// set; PostgreSQL hashes from the same length (MIN_ARRAY_SIZE_FOR_HASHED_SAOP).
// A shorter one stays an OR of comparisons, which scan pruning reads.
const minHashedInList = 9

// hashedInList binds x IN (items) as one lookup in a hash set of the
// items' values, when every item is a constant and x and the items have a
// common type, as PostgreSQL makes it x = ANY(array) then: a 500,000-item
// list is one set built once, not 500,000 comparisons per batch. ok is
// false where the list stays comparisons.
func (b *binder) hashedInList(x Expr, items []Expr) (in Expr, ok bool) {
	if len(items) < minHashedInList {
		return nil, false
	}
	for _, it := range items {
		if _, isConst := it.(*constExpr); !isConst {
			return nil, false
		}
	}
	all, err := b.unify(append([]Expr{x}, items...), "IN")
	if err != nil || !hashableKey(all[0].Type(), all[0].DataType()) {
		return nil, false
	}
	set := &inSetExpr{arg: all[0], set: make(map[string]bool, len(items)), list: inListText(all[1:])}
	var key []byte
	for _, it := range all[1:] {
		c, isConst := it.(*constExpr)
		if !isConst { // a cast that could not be folded
			return nil, false
		}
		if c.isNull() {
			set.hasNull = true
			continue
		}
		// Equal values hash alike: 1.0 and 1.00.
		keys := numericKeys(b.x.evalContext().mem, c.Type(), c.value)
		key = appendKey(key[:0], keys, 0)
		keys.Release()
		set.set[string(key)] = true
	}
	return set, true
}

// hashableKey reports whether appendKey (after numericKeys) encodes values
// of type t such that equal values, and only those, encode alike; not so
// for char(n), whose trailing blanks do not count.
func hashableKey(t sqltype.T, dt arrow.DataType) bool {
	switch {
	case t.OID == sqltype.Numeric:
		return true
	case t.OID == sqltype.BPChar:
		return false
	}
	switch dt.ID() {
	case arrow.BOOL, arrow.INT16, arrow.INT32, arrow.INT64, arrow.UINT32,
		arrow.FLOAT32, arrow.FLOAT64, arrow.STRING, arrow.BINARY, arrow.FIXED_SIZE_BINARY,
		arrow.DATE32, arrow.TIME64, arrow.TIMESTAMP:
		return true
	}
	return false
}

// inListText prints the items of an IN list for EXPLAIN, at most the
// first few of a long one.
func inListText(items []Expr) string {
	const shown = 10
	parts := make([]string, 0, shown+1)
	for i, it := range items {
		if i == shown {
			parts = append(parts, "…")
			break
		}
		parts = append(parts, it.String())
	}
	return "(" + strings.Join(parts, ", ") + ")"
}
