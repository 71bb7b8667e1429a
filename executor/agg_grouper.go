package executor

import (
	"encoding/binary"
	"math/bits"
	"math/rand/v2"
	"strings"
	"unsafe"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
)

// grouper numbers the distinct key tuples it is shown, in order of first
// appearance. A single integer-like key (int2/4/8, date, timestamp) or text
// key goes into a small open-addressing table probed in a typed loop (no
// call per row: grouping is the hot loop of GROUP BY); other keys go into
// a string table as their appendKey encoding.
type grouper struct {
	n       int
	ints    intTable
	strs    strTable
	encoded strTable // keys of other types, or of several columns
	null    int64    // group of the NULL key for single-key tables; -1 until seen
	keyBuf  []byte
	started bool
}

// assign sets groups[r] for every row; onNew(r) is called when row r
// starts a new group.
func (g *grouper) assign(keys []arrow.Array, groups []uint32, onNew func(r int) error) error {
	if !g.started {
		g.started, g.null = true, -1
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
	// Other keys: each row's appendKey encoding, in a string table.
	t := &g.encoded
	if t.slots == nil {
		t.seed = rand.Uint64()
		t.init(16)
	}
	for r := range groups {
		g.keyBuf = g.keyBuf[:0]
		for _, ka := range keys {
			g.keyBuf = appendKey(g.keyBuf, ka, r)
		}
		k := unsafe.String(unsafe.SliceData(g.keyBuf), len(g.keyBuf))
		id, err := g.strGroup(t, k, r, onNew)
		if err != nil {
			return err
		}
		groups[r] = id
	}
	return nil
}

// strGroup is the group of key s in t, a new one (row r's) if s is new.
// s may be a view of a batch or a buffer: it is cloned when kept.
func (g *grouper) strGroup(t *strTable, s string, r int, onNew func(r int) error) (uint32, error) {
	h := strHash(t.seed, s)
	i := t.slot(h, s)
	if id := t.slots[i].id; id != 0 {
		return id - 1, nil
	}
	id, err := g.newGroup(r, onNew)
	if err != nil {
		return 0, err
	}
	t.put(i, h, strings.Clone(s), id)
	return id, nil
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
	if t.slots == nil {
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
		if t.slots[i].id == 0 {
			id, err := g.newGroup(r, onNew)
			if err != nil {
				return err
			}
			t.put(i, k, id)
			groups[r] = id
			continue
		}
		groups[r] = t.slots[i].id - 1
	}
	return nil
}

func (g *grouper) assignStrings(a *array.String, groups []uint32, onNew func(r int) error) error {
	v := validityOf(a)
	t := &g.strs
	if t.slots == nil {
		t.seed = rand.Uint64()
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
		id, err := g.strGroup(t, a.Value(r), r, onNew)
		if err != nil {
			return err
		}
		groups[r] = id
	}
	return nil
}

// fibMul spreads integer keys over the table (Fibonacci hashing): the top
// bits of k·2⁶⁴/φ are well mixed even for keys 0, 1, 2 …
const fibMul = 0x9E3779B97F4A7C15

// intTable maps int64 keys to group ids by linear probing, at most half
// full. Key and id share a slot: one cache miss per probe of a big table.
type intTable struct {
	slots []intSlot
	shift uint // 64 - log2(len(slots))
	used  int
}

type intSlot struct {
	key int64
	id  uint32 // group id + 1; 0 marks an empty slot
}

func (t *intTable) init(size int) {
	t.slots = make([]intSlot, size)
	t.shift = 64 - uint(log2(size))
	t.used = 0
}

// slot is where k is, or the empty slot where it goes.
func (t *intTable) slot(k int64) uint64 {
	mask := uint64(len(t.slots) - 1)
	i := (uint64(k) * fibMul) >> t.shift
	for {
		sl := &t.slots[i]
		if sl.id == 0 || sl.key == k {
			return i
		}
		i = (i + 1) & mask
	}
}

// put stores k at its empty slot i, growing the table when half full.
func (t *intTable) put(i uint64, k int64, id uint32) {
	t.slots[i] = intSlot{key: k, id: id + 1}
	t.used++
	if 2*t.used <= len(t.slots) {
		return
	}
	old := t.slots
	t.init(2 * len(old))
	for _, sl := range old {
		if sl.id != 0 {
			t.slots[t.slot(sl.key)] = sl
			t.used++
		}
	}
}

// strTable maps strings to group ids by linear probing on strHash, at
// most half full. A slot holds hash, key and id together: one cache line
// to look at per probe.
type strTable struct {
	seed  uint64
	slots []strSlot
	shift uint
	used  int
}

type strSlot struct {
	h   uint64
	key string
	id  uint32 // group id + 1; 0 marks an empty slot
}

func (t *strTable) init(size int) {
	t.slots = make([]strSlot, size)
	t.shift = 64 - uint(log2(size))
	t.used = 0
}

func (t *strTable) slot(h uint64, s string) uint64 {
	mask := uint64(len(t.slots) - 1)
	i := (h * fibMul) >> t.shift
	for {
		sl := &t.slots[i]
		if sl.id == 0 || sl.h == h && sl.key == s {
			return i
		}
		i = (i + 1) & mask
	}
}

func (t *strTable) put(i, h uint64, s string, id uint32) {
	t.slots[i] = strSlot{h: h, key: s, id: id + 1}
	t.used++
	if 2*t.used <= len(t.slots) {
		return
	}
	old := t.slots
	t.init(2 * len(old))
	for _, sl := range old {
		if sl.id != 0 {
			t.slots[t.slot(sl.h, sl.key)] = sl
			t.used++
		}
	}
}

// strHash hashes s with the table's random seed (so that chosen keys
// cannot force collisions) by 64-bit multiply-mix, as wyhash does; short
// keys, the common case, take one or two multiplications.
func strHash(seed uint64, s string) uint64 {
	const k0, k1, k2 = 0xa0761d6478bd642f, 0xe7037ed1a0b428db, 0x8ebc6af09c88c6e3
	n := len(s)
	h := seed ^ uint64(n)*k0
	p := unsafe.Pointer(unsafe.StringData(s))
	switch {
	case n > 16:
		for ; n > 16; n -= 16 {
			h = mix64(load64(p)^k1, load64(unsafe.Add(p, 8))^h)
			p = unsafe.Add(p, 16)
		}
		// The last 16 bytes, overlapping what was hashed.
		p = unsafe.Add(p, n-16)
		return mix64(load64(p)^k1, load64(unsafe.Add(p, 8))^h^k2)
	case n >= 8:
		return mix64(load64(p)^k1, load64(unsafe.Add(p, n-8))^h^k2)
	case n >= 4:
		return mix64(uint64(load32(p))^k1, uint64(load32(unsafe.Add(p, n-4)))^h^k2)
	case n > 0:
		b := unsafe.Slice((*byte)(p), n)
		return mix64(uint64(b[0])<<16|uint64(b[n>>1])<<8|uint64(b[n-1])^k1, h^k2)
	}
	return mix64(k1, h^k2)
}

func mix64(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	return hi ^ lo
}

func load64(p unsafe.Pointer) uint64 { return binary.LittleEndian.Uint64(unsafe.Slice((*byte)(p), 8)) }
func load32(p unsafe.Pointer) uint32 { return binary.LittleEndian.Uint32(unsafe.Slice((*byte)(p), 4)) }

// log2 of a power of two.
func log2(n int) int {
	k := 0
	for n > 1 {
		n >>= 1
		k++
	}
	return k
}
