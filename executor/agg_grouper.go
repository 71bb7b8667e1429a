package executor

import (
	"hash/maphash"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
)

// grouper numbers the distinct key tuples it is shown, in order of first
// appearance. A single integer-like key (int2/4/8, date, timestamp) or text
// key goes into a small open-addressing table probed in a typed loop (no
// call per row: grouping is the hot loop of GROUP BY); other keys are
// hashed as their appendKey encoding in a map.
type grouper struct {
	n       int
	ints    intTable
	strs    strTable
	byBytes map[string]uint32
	null    int64 // group of the NULL key for single-key tables; -1 until seen
	keyBuf  []byte
	started bool
}

// assign sets groups[r] for every row; onNew(r) is called when row r
// starts a new group.
func (g *grouper) assign(keys []arrow.Array, groups []uint32, onNew func(r int) error) error {
	if !g.started {
		g.started, g.null = true, -1
		g.byBytes = map[string]uint32{}
	}
	if len(keys) == 1 {
		switch a := keys[0].(type) {
		case *array.Int64:
			return assignInts(g, a, a.Int64Values(), groups, onNew)
		case *array.Int32:
			return assignInts(g, a, a.Int32Values(), groups, onNew)
		case *array.Int16:
			return assignInts(g, a, a.Int16Values(), groups, onNew)
		case *array.Date32:
			return assignInts(g, a, a.Date32Values(), groups, onNew)
		case *array.Timestamp:
			return assignInts(g, a, a.TimestampValues(), groups, onNew)
		case *array.String:
			return g.assignStrings(a, groups, onNew)
		}
	}
	for r := range groups {
		g.keyBuf = g.keyBuf[:0]
		for _, ka := range keys {
			g.keyBuf = appendKey(g.keyBuf, ka, r)
		}
		id, ok := g.byBytes[string(g.keyBuf)]
		if !ok {
			var err error
			if id, err = g.newGroup(r, onNew); err != nil {
				return err
			}
			g.byBytes[string(g.keyBuf)] = id
		}
		groups[r] = id
	}
	return nil
}

func (g *grouper) newGroup(r int, onNew func(r int) error) (uint32, error) {
	id := uint32(g.n)
	g.n++
	return id, onNew(r)
}

func (g *grouper) nullGroup(r int, onNew func(r int) error) (uint32, error) {
	if g.null < 0 {
		id, err := g.newGroup(r, onNew)
		g.null = int64(id)
		return id, err
	}
	return uint32(g.null), nil
}

func assignInts[T int16 | int32 | int64 | arrow.Date32 | arrow.Timestamp](g *grouper, a arrow.Array, vals []T, groups []uint32, onNew func(r int) error) error {
	v := validityOf(a)
	t := &g.ints
	if t.ids == nil {
		t.init(16)
	}
	for r := range groups {
		if !v.valid(r) {
			id, err := g.nullGroup(r, onNew)
			if err != nil {
				return err
			}
			groups[r] = id
			continue
		}
		k := int64(vals[r])
		i := t.slot(k)
		if t.ids[i] == 0 {
			id, err := g.newGroup(r, onNew)
			if err != nil {
				return err
			}
			t.put(i, k, id)
			groups[r] = id
			continue
		}
		groups[r] = t.ids[i] - 1
	}
	return nil
}

func (g *grouper) assignStrings(a *array.String, groups []uint32, onNew func(r int) error) error {
	v := validityOf(a)
	t := &g.strs
	if t.ids == nil {
		t.seed = maphash.MakeSeed()
		t.init(16)
	}
	for r := range groups {
		if !v.valid(r) {
			id, err := g.nullGroup(r, onNew)
			if err != nil {
				return err
			}
			groups[r] = id
			continue
		}
		s := a.Value(r) // a view of the batch: cloned when kept
		h := maphash.String(t.seed, s)
		i := t.slot(h, s)
		if t.ids[i] == 0 {
			id, err := g.newGroup(r, onNew)
			if err != nil {
				return err
			}
			t.put(i, h, strings.Clone(s), id)
			groups[r] = id
			continue
		}
		groups[r] = t.ids[i] - 1
	}
	return nil
}

// fibMul spreads integer keys over the table (Fibonacci hashing): the top
// bits of k·2⁶⁴/φ are well mixed even for keys 0, 1, 2 …
const fibMul = 0x9E3779B97F4A7C15

// intTable maps int64 keys to group ids by linear probing, at most half
// full.
type intTable struct {
	keys  []int64
	ids   []uint32 // group id + 1; 0 marks an empty slot
	shift uint     // 64 - log2(len(ids))
	used  int
}

func (t *intTable) init(size int) {
	t.keys, t.ids = make([]int64, size), make([]uint32, size)
	t.shift = 64 - uint(log2(size))
	t.used = 0
}

// slot is where k is, or the empty slot where it goes.
func (t *intTable) slot(k int64) uint64 {
	mask := uint64(len(t.ids) - 1)
	i := (uint64(k) * fibMul) >> t.shift
	for t.ids[i] != 0 && t.keys[i] != k {
		i = (i + 1) & mask
	}
	return i
}

// put stores k at its empty slot i, growing the table when half full.
func (t *intTable) put(i uint64, k int64, id uint32) {
	t.keys[i], t.ids[i] = k, id+1
	t.used++
	if 2*t.used <= len(t.ids) {
		return
	}
	keys, ids := t.keys, t.ids
	t.init(2 * len(ids))
	for j, x := range ids {
		if x != 0 {
			n := t.slot(keys[j])
			t.keys[n], t.ids[n] = keys[j], x
			t.used++
		}
	}
}

// strTable maps strings to group ids by linear probing on their maphash,
// at most half full.
type strTable struct {
	seed   maphash.Seed
	hashes []uint64
	keys   []string
	ids    []uint32 // group id + 1; 0 marks an empty slot
	shift  uint
	used   int
}

func (t *strTable) init(size int) {
	t.hashes, t.keys, t.ids = make([]uint64, size), make([]string, size), make([]uint32, size)
	t.shift = 64 - uint(log2(size))
	t.used = 0
}

func (t *strTable) slot(h uint64, s string) uint64 {
	mask := uint64(len(t.ids) - 1)
	i := (h * fibMul) >> t.shift
	for t.ids[i] != 0 && (t.hashes[i] != h || t.keys[i] != s) {
		i = (i + 1) & mask
	}
	return i
}

func (t *strTable) put(i, h uint64, s string, id uint32) {
	t.hashes[i], t.keys[i], t.ids[i] = h, s, id+1
	t.used++
	if 2*t.used <= len(t.ids) {
		return
	}
	hashes, keys, ids := t.hashes, t.keys, t.ids
	t.init(2 * len(ids))
	for j, x := range ids {
		if x != 0 {
			n := t.slot(hashes[j], keys[j])
			t.hashes[n], t.keys[n], t.ids[n] = hashes[j], keys[j], x
			t.used++
		}
	}
}

// log2 of a power of two.
func log2(n int) int {
	k := 0
	for n > 1 {
		n >>= 1
		k++
	}
	return k
}
