package executor

// min and max on every comparable type, and the DISTINCT wrapper.

import (
	"encoding/binary"
	"math"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/bitutil"
	"github.com/apache/arrow/go/v17/arrow/decimal128"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/cockroachdb/apd/v3"

	"github.com/sharehouse/sharehouse/executor/sqltype"
)

// minMaxState keeps the best value per group. Fixed-width values live in a
// typed slice; variable-width ones are copied out of the batch (the batch's
// buffers are not ours to keep).
type minMaxState struct {
	ec   *evalContext
	max  bool
	info argInfo
	seen []bool
	impl minMaxImpl
}

type minMaxImpl interface {
	update(s *minMaxState, groups []uint32, ngroups int, a arrow.Array) error
	finish(s *minMaxState, ngroups int) (arrow.Array, error)
	// fresh is an empty impl of the same kind, merge folds o's values in
	// (see aggMerger).
	fresh() minMaxImpl
	merge(s, o *minMaxState, to []uint32, ngroups int) error
}

func (s *minMaxState) Update(groups []uint32, ngroups int, args []arrow.Array) error {
	s.seen = grow(s.seen, ngroups)
	if s.impl == nil {
		s.impl = newMinMaxImpl(s.info, args[0])
	}
	return s.impl.update(s, groups, ngroups, args[0])
}

func (s *minMaxState) Finish(ngroups int) (arrow.Array, error) {
	s.seen = grow(s.seen, ngroups)
	if s.impl == nil {
		return nullsOf(s.ec.mem, s.info.DT, ngroups), nil
	}
	return s.impl.finish(s, ngroups)
}

func (s *minMaxState) Release() { s.impl = nil }

// better reports whether c (a three-way comparison of new vs current)
// replaces the current value.
func (s *minMaxState) better(c int) bool {
	if s.max {
		return c > 0
	}
	return c < 0
}

func newMinMaxImpl(info argInfo, a arrow.Array) minMaxImpl {
	switch a.(type) {
	case *array.Int16:
		return &mmFixed[int16]{cmp: cmpOrdered[int16]}
	case *array.Int32, *array.Date32:
		return &mmFixed[int32]{cmp: cmpOrdered[int32]}
	case *array.Int64, *array.Timestamp, *array.Time64:
		return &mmFixed[int64]{cmp: cmpOrdered[int64]}
	case *array.Uint32:
		return &mmFixed[uint32]{cmp: cmpOrdered[uint32]}
	case *array.Float32:
		return &mmFixed[float32]{cmp: cmpFloat[float32]}
	case *array.Float64:
		return &mmFixed[float64]{cmp: cmpFloat[float64]}
	case *array.Decimal128:
		return &mmDecimal{}
	case *array.MonthDayNanoInterval:
		return &mmInterval{}
	case *array.Boolean:
		return &mmBool{}
	case *array.String:
		if info.T.OID == sqltype.Numeric {
			return &mmString{numeric: true}
		}
		return &mmString{bpchar: info.T.OID == sqltype.BPChar}
	default:
		return &mmBytes{}
	}
}

type mmFixed[T fixed] struct {
	vals []T
	cmp  func(a, b T) int
}

func (m *mmFixed[T]) update(s *minMaxState, groups []uint32, ngroups int, a arrow.Array) error {
	m.vals = grow(m.vals, ngroups)
	vals := values[T](a)
	v := validityOf(a)
	// Compared in line, not through m.cmp: NaN (x != x, never true for
	// integers) sorts above every other value, as cmpFloat has it.
	best, seen := m.vals, s.seen
	if s.max {
		for i, g := range groups {
			if x := vals[i]; v.valid(i) && (!seen[g] || x > best[g] || x != x && best[g] == best[g]) {
				best[g], seen[g] = x, true
			}
		}
		return nil
	}
	for i, g := range groups {
		if x := vals[i]; v.valid(i) && (!seen[g] || x < best[g] || best[g] != best[g] && x == x) {
			best[g], seen[g] = x, true
		}
	}
	return nil
}

func (m *mmFixed[T]) finish(s *minMaxState, ngroups int) (arrow.Array, error) {
	m.vals = grow(m.vals, ngroups)
	buf, out := newFixed[T](s.ec.mem, ngroups)
	copy(out, m.vals)
	valid, nulls := validityFromBools(s.ec.mem, s.seen[:ngroups])
	return makeArray(s.info.DT, ngroups, valid, nulls, buf), nil
}

// validityFromBools packs seen flags into a validity bitmap (nil if all set).
func validityFromBools(mem memory.Allocator, seen []bool) (*memory.Buffer, int) {
	nulls := 0
	for _, ok := range seen {
		if !ok {
			nulls++
		}
	}
	if nulls == 0 {
		return nil, 0
	}
	buf, bits := newBits(mem, len(seen))
	for i, ok := range seen {
		if ok {
			bitutil.SetBit(bits, i)
		}
	}
	return buf, nulls
}

type mmDecimal struct {
	vals []decimal128.Num
}

func (m *mmDecimal) update(s *minMaxState, groups []uint32, ngroups int, a arrow.Array) error {
	m.vals = grow(m.vals, ngroups)
	vals := a.(*array.Decimal128).Values()
	v := validityOf(a)
	for i, g := range groups {
		if v.valid(i) && (!s.seen[g] || s.better(vals[i].Cmp(m.vals[g]))) {
			m.vals[g] = vals[i]
			s.seen[g] = true
		}
	}
	return nil
}

func (m *mmDecimal) finish(s *minMaxState, ngroups int) (arrow.Array, error) {
	m.vals = grow(m.vals, ngroups)
	b := array.NewDecimal128Builder(s.ec.mem, s.info.DT.(*arrow.Decimal128Type))
	defer b.Release()
	b.AppendValues(m.vals[:ngroups], s.seen[:ngroups])
	return b.NewArray(), nil
}

type mmInterval struct {
	vals []arrow.MonthDayNanoInterval
}

func (m *mmInterval) update(s *minMaxState, groups []uint32, ngroups int, a arrow.Array) error {
	m.vals = grow(m.vals, ngroups)
	vals := a.(*array.MonthDayNanoInterval).MonthDayNanoIntervalValues()
	v := validityOf(a)
	for i, g := range groups {
		if v.valid(i) && (!s.seen[g] || s.better(cmpIntervals(vals[i], m.vals[g]))) {
			m.vals[g] = vals[i]
			s.seen[g] = true
		}
	}
	return nil
}

func (m *mmInterval) finish(s *minMaxState, ngroups int) (arrow.Array, error) {
	m.vals = grow(m.vals, ngroups)
	b := array.NewMonthDayNanoIntervalBuilder(s.ec.mem)
	defer b.Release()
	b.AppendValues(m.vals[:ngroups], s.seen[:ngroups])
	return b.NewArray(), nil
}

type mmBool struct {
	vals []bool
}

func (m *mmBool) update(s *minMaxState, groups []uint32, ngroups int, a arrow.Array) error {
	m.vals = grow(m.vals, ngroups)
	b := a.(*array.Boolean)
	v := validityOf(a)
	for i, g := range groups {
		if v.valid(i) && (!s.seen[g] || s.better(cmpBools(b.Value(i), m.vals[g]))) {
			m.vals[g] = b.Value(i)
			s.seen[g] = true
		}
	}
	return nil
}

func (m *mmBool) finish(s *minMaxState, ngroups int) (arrow.Array, error) {
	m.vals = grow(m.vals, ngroups)
	b := array.NewBooleanBuilder(s.ec.mem)
	defer b.Release()
	b.AppendValues(m.vals[:ngroups], s.seen[:ngroups])
	return b.NewArray(), nil
}

// mmString: text (byte order), char(n) (trailing spaces ignored) and
// text-held numerics (by value).
type mmString struct {
	numeric bool
	bpchar  bool
	vals    []string
	x, y    apd.Decimal
}

func (m *mmString) cmp(a, b string) int {
	switch {
	case m.numeric:
		_ = parseNumeric(a, &m.x)
		_ = parseNumeric(b, &m.y)
		return numCmp(&m.x, &m.y)
	case m.bpchar:
		return strings.Compare(strings.TrimRight(a, " "), strings.TrimRight(b, " "))
	}
	return strings.Compare(a, b)
}

func (m *mmString) update(s *minMaxState, groups []uint32, ngroups int, a arrow.Array) error {
	m.vals = grow(m.vals, ngroups)
	str := a.(*array.String)
	v := validityOf(a)
	for i, g := range groups {
		if !v.valid(i) {
			continue
		}
		x := str.Value(i)
		if !s.seen[g] || s.better(m.cmp(x, m.vals[g])) {
			m.vals[g] = strings.Clone(x)
			s.seen[g] = true
		}
	}
	return nil
}

func (m *mmString) finish(s *minMaxState, ngroups int) (arrow.Array, error) {
	m.vals = grow(m.vals, ngroups)
	b := array.NewStringBuilder(s.ec.mem)
	defer b.Release()
	b.AppendValues(m.vals[:ngroups], s.seen[:ngroups])
	return b.NewArray(), nil
}

type mmBytes struct {
	vals [][]byte
}

func (m *mmBytes) update(s *minMaxState, groups []uint32, ngroups int, a arrow.Array) error {
	m.vals = grow(m.vals, ngroups)
	v := validityOf(a)
	for i, g := range groups {
		if !v.valid(i) {
			continue
		}
		x := bytesAt(a, i)
		if !s.seen[g] || s.better(compareBytes(x, m.vals[g])) {
			m.vals[g] = append(m.vals[g][:0], x...)
			s.seen[g] = true
		}
	}
	return nil
}

func compareBytes(a, b []byte) int { return strings.Compare(string(a), string(b)) }

func (m *mmBytes) finish(s *minMaxState, ngroups int) (arrow.Array, error) {
	m.vals = grow(m.vals, ngroups)
	b := array.NewBuilder(s.ec.mem, s.info.DT)
	defer b.Release()
	for g := 0; g < ngroups; g++ {
		if !s.seen[g] {
			b.AppendNull()
			continue
		}
		switch bb := b.(type) {
		case *array.FixedSizeBinaryBuilder:
			bb.Append(m.vals[g])
		case *array.BinaryBuilder:
			bb.Append(m.vals[g])
		default:
			return nil, internalf("min/max: %T", b)
		}
	}
	return b.NewArray(), nil
}

// distinctState passes each (group, argument values) to the inner
// aggregate once. Rows whose first argument is NULL are dropped (every
// aggregate here ignores them anyway).
type distinctState struct {
	ec    *evalContext
	inner aggState
	seen  map[string]struct{}
	args  []argInfo
	key   []byte
	d     apd.Decimal
}

func (s *distinctState) Update(groups []uint32, ngroups int, args []arrow.Array) error {
	var sel []int
	for i, g := range groups {
		if len(args) > 0 && args[0].IsNull(i) {
			continue
		}
		s.key = binary.LittleEndian.AppendUint32(s.key[:0], g)
		for j, a := range args {
			s.key = s.appendKey(s.key, a, j, i)
		}
		if _, dup := s.seen[string(s.key)]; dup {
			continue
		}
		s.seen[string(s.key)] = struct{}{}
		sel = append(sel, i)
	}
	if len(sel) == 0 {
		return s.inner.Update(nil, ngroups, args)
	}
	sub := make([]arrow.Array, len(args))
	defer func() {
		for _, a := range sub {
			if a != nil {
				a.Release()
			}
		}
	}()
	for j, a := range args {
		b := array.NewBuilder(s.ec.mem, a.DataType())
		b.Reserve(len(sel))
		for _, i := range sel {
			if err := appendValue(b, a, i); err != nil {
				b.Release()
				return err
			}
		}
		sub[j] = b.NewArray()
		b.Release()
	}
	g := make([]uint32, len(sel))
	for k, i := range sel {
		g[k] = groups[i]
	}
	return s.inner.Update(g, ngroups, sub)
}

// appendKey appends a value's equality key: equal SQL values give equal keys
// (1.0 and 1.00, 0 and -0, 'a' and 'a ' in char(n), 1 day and 24 hours).
func (s *distinctState) appendKey(key []byte, a arrow.Array, j, i int) []byte {
	if a.IsNull(i) {
		return append(key, 0)
	}
	key = append(key, 1)
	switch x := a.(type) {
	case *array.String:
		v := x.Value(i)
		if j < len(s.args) {
			switch s.args[j].T.OID {
			case sqltype.BPChar:
				v = strings.TrimRight(v, " ")
			case sqltype.Numeric:
				if parseNumeric(v, &s.d) == nil {
					s.d.Reduce(&s.d)
					v = numText(&s.d)
				}
			case sqltype.JSONB:
				v = jsonbKeyText(v)
			}
		}
		key = binary.LittleEndian.AppendUint32(key, uint32(len(v)))
		return append(key, v...)
	case *array.Float64:
		f := x.Value(i)
		if f == 0 {
			f = 0
		}
		if math.IsNaN(f) {
			f = math.NaN()
		}
		return binary.LittleEndian.AppendUint64(key, math.Float64bits(f))
	case *array.Float32:
		f := x.Value(i)
		if f == 0 {
			f = 0
		}
		if f != f {
			f = float32(math.NaN())
		}
		return binary.LittleEndian.AppendUint32(key, math.Float32bits(f))
	case *array.MonthDayNanoInterval:
		k := intervalKey(x.Value(i))
		key = binary.LittleEndian.AppendUint64(key, uint64(k.HighBits()))
		return binary.LittleEndian.AppendUint64(key, k.LowBits())
	case *array.Boolean:
		if x.Value(i) {
			return append(key, 1)
		}
		return append(key, 0)
	case *array.Decimal128:
		v := x.Value(i)
		key = binary.LittleEndian.AppendUint64(key, uint64(v.HighBits()))
		return binary.LittleEndian.AppendUint64(key, v.LowBits())
	case *array.Binary:
		v := x.Value(i)
		key = binary.LittleEndian.AppendUint32(key, uint32(len(v)))
		return append(key, v...)
	case *array.FixedSizeBinary:
		return append(key, x.Value(i)...)
	}
	// Fixed-width primitives: the value's bytes.
	d := a.Data()
	w := a.DataType().(arrow.FixedWidthDataType).BitWidth() / 8
	buf := d.Buffers()[1].Bytes()
	off := (d.Offset() + i) * w
	return append(key, buf[off:off+w]...)
}

func (s *distinctState) Finish(ngroups int) (arrow.Array, error) { return s.inner.Finish(ngroups) }

func (s *distinctState) Release() {
	s.inner.Release()
	s.seen = nil
}
