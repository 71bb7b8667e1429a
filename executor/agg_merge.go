package executor

// Combining partial aggregates: a parallel aggregation folds each worker's
// states into one (PostgreSQL's combine functions). Aggregates whose result
// depends on the order of all rows (string_agg, array_agg, ORDER BY inside
// the call, percentile_*, DISTINCT) do not merge and keep the aggregation
// serial.

import (
	"math"
	"math/bits"

	"github.com/apache/arrow/go/v17/arrow/decimal128"
	"github.com/cockroachdb/apd/v3"

	"github.com/sharehouse/sharehouse/executor/sqltype"
)

// aggMerger is an aggState that can fold in another state of the same
// aggregate: other's group g goes into group to[g] of s, which then has
// ngroups groups. other is left unusable.
type aggMerger interface {
	Merge(other aggState, to []uint32, ngroups int) error
}

func (s *countState) Merge(other aggState, to []uint32, ngroups int) error {
	o := other.(*countState)
	s.counts = grow(s.counts, ngroups)
	for g, c := range o.counts {
		s.counts[to[g]] += c
	}
	return nil
}

func (s *sumIntState) Merge(other aggState, to []uint32, ngroups int) error {
	o := other.(*sumIntState)
	s.sums, s.seen = grow(s.sums, ngroups), grow(s.seen, ngroups)
	for g, ok := range o.seen {
		if !ok {
			continue
		}
		t, x := to[g], o.sums[g]
		r := s.sums[t] + x
		if (r > s.sums[t]) != (x > 0) {
			return errIntRange(sqltype.Int8)
		}
		s.sums[t] = r
		s.seen[t] = true
	}
	return nil
}

func (s *sumInt128State) Merge(other aggState, to []uint32, ngroups int) error {
	o := other.(*sumInt128State)
	s.hi, s.lo, s.seen = grow(s.hi, ngroups), grow(s.lo, ngroups), grow(s.seen, ngroups)
	s.scale = o.scale
	for g, ok := range o.seen {
		if !ok {
			continue
		}
		t := to[g]
		if s.dec {
			var ok bool
			if s.hi[t], s.lo[t], ok = addDec128(s.hi[t], s.lo[t], decimal128.New(o.hi[g], o.lo[g])); !ok {
				return errNumericOverflow()
			}
		} else {
			// Integer sums are checked at Finish, as Update leaves them.
			var c uint64
			s.lo[t], c = bits.Add64(s.lo[t], o.lo[g], 0)
			s.hi[t] += o.hi[g] + int64(c)
		}
		s.seen[t] = true
	}
	return nil
}

func (s *intervalSumState) Merge(other aggState, to []uint32, ngroups int) error {
	o := other.(*intervalSumState)
	s.months, s.days, s.nanos, s.counts = grow(s.months, ngroups), grow(s.days, ngroups), grow(s.nanos, ngroups), grow(s.counts, ngroups)
	for g, n := range o.counts {
		if n == 0 {
			continue
		}
		t := to[g]
		s.months[t] += o.months[g]
		s.days[t] += o.days[g]
		x := o.nanos[g]
		r := s.nanos[t] + x
		if (r > s.nanos[t]) != (x > 0) && x != 0 {
			return errIntervalRange()
		}
		s.nanos[t] = r
		s.counts[t] += n
	}
	return nil
}

func (s *boolAggState) Merge(other aggState, to []uint32, ngroups int) error {
	o := other.(*boolAggState)
	n0 := len(s.vals)
	s.vals, s.seen = grow(s.vals, ngroups), grow(s.seen, ngroups)
	for g := n0; g < ngroups; g++ {
		s.vals[g] = s.and
	}
	for g, ok := range o.seen {
		if !ok {
			continue
		}
		t := to[g]
		if s.and {
			s.vals[t] = s.vals[t] && o.vals[g]
		} else {
			s.vals[t] = s.vals[t] || o.vals[g]
		}
		s.seen[t] = true
	}
	return nil
}

// Merge is PostgreSQL's float8_combine (and float8_pl for sums).
func (s *floatStatState) Merge(other aggState, to []uint32, ngroups int) error {
	o := other.(*floatStatState)
	s.n, s.sx, s.sxx = grow(s.n, ngroups), grow(s.sx, ngroups), grow(s.sxx, ngroups)
	if s.f4 && s.kind == statSum {
		s.sx4 = grow(s.sx4, ngroups)
	}
	for g, n2 := range o.n {
		if n2 == 0 {
			continue
		}
		t := to[g]
		n1 := s.n[t]
		if s.f4 && s.kind == statSum {
			a, b := s.sx4[t], o.sx4[g]
			r := a + b
			if math.IsInf(float64(r), 0) && !math.IsInf(float64(a), 0) && !math.IsInf(float64(b), 0) {
				return errFloatOverflow()
			}
			s.sx4[t], s.n[t] = r, n1+n2
			continue
		}
		sx1, sx2 := s.sx[t], o.sx[g]
		sx := sx1 + sx2
		if math.IsInf(sx, 0) && !math.IsInf(sx1, 0) && !math.IsInf(sx2, 0) {
			return errFloatOverflow()
		}
		if n1 == 0 {
			s.n[t], s.sx[t], s.sxx[t] = n2, sx2, o.sxx[g]
			continue
		}
		if s.kind != statSum && s.kind != statAvg {
			sxx1, sxx2 := s.sxx[t], o.sxx[g]
			tmp := sx1/n1 - sx2/n2
			sxx := sxx1 + sxx2 + n1*n2*tmp*tmp/(n1+n2)
			if math.IsInf(sxx, 0) && !math.IsInf(sxx1, 0) && !math.IsInf(sxx2, 0) {
				return errFloatOverflow()
			}
			s.sxx[t] = sxx
		}
		s.n[t], s.sx[t] = n1+n2, sx
	}
	return nil
}

func (s *numStatState) Merge(other aggState, to []uint32, ngroups int) error {
	o := other.(*numStatState)
	s.grow(ngroups)
	oFast := o.fast && o.touched
	if oFast && !s.touched {
		s.fast, s.scale = true, o.scale
	}
	if oFast != s.fast || (oFast && o.scale != s.scale) {
		// Partials folded differently (128-bit and exact sums): both go
		// exact.
		s.slow()
		o.slow()
	}
	s.touched = s.touched || o.touched
	for g, n := range o.count {
		if n == 0 {
			continue
		}
		t := to[g]
		s.count[t] += n
		if s.fast {
			var ok bool
			if s.hi[t], s.lo[t], ok = addDec128(s.hi[t], s.lo[t], decimal128.New(o.hi[g], o.lo[g])); !ok {
				return errNumericOverflow()
			}
			continue
		}
		if err := addNum(s.sum[t], o.sum[g]); err != nil {
			return err
		}
		if s.sumsq != nil {
			if err := addNum(s.sumsq[t], o.sumsq[g]); err != nil {
				return err
			}
		}
	}
	return nil
}

// slow moves the 128-bit sums into the exact ones.
func (s *numStatState) slow() {
	if !s.fast {
		return
	}
	var d apd.Decimal
	for g := range s.count {
		if s.hi[g] == 0 && s.lo[g] == 0 {
			continue
		}
		decToApd(decimal128.New(s.hi[g], s.lo[g]), s.scale, &d)
		_ = addNum(s.sum[g], &d) // exact: cannot overflow
		s.hi[g], s.lo[g] = 0, 0
	}
	s.fast = false
}

func (s *minMaxState) Merge(other aggState, to []uint32, ngroups int) error {
	o := other.(*minMaxState)
	s.seen = grow(s.seen, ngroups)
	if o.impl == nil {
		return nil
	}
	if s.impl == nil {
		s.impl = o.impl.fresh()
	}
	return s.impl.merge(s, o, to, ngroups)
}

// mergeBest folds other's best values into best, as update folds rows.
func mergeBest[T any](s, o *minMaxState, to []uint32, best, other []T, cmp func(a, b T) int) {
	for g, ok := range o.seen {
		if t := to[g]; ok && (!s.seen[t] || s.better(cmp(other[g], best[t]))) {
			best[t], s.seen[t] = other[g], true
		}
	}
}

func (m *mmFixed[T]) fresh() minMaxImpl { return &mmFixed[T]{cmp: m.cmp} }
func (m *mmFixed[T]) merge(s, o *minMaxState, to []uint32, ngroups int) error {
	m.vals = grow(m.vals, ngroups)
	mergeBest(s, o, to, m.vals, o.impl.(*mmFixed[T]).vals, m.cmp)
	return nil
}

func (m *mmDecimal) fresh() minMaxImpl { return &mmDecimal{} }
func (m *mmDecimal) merge(s, o *minMaxState, to []uint32, ngroups int) error {
	m.vals = grow(m.vals, ngroups)
	mergeBest(s, o, to, m.vals, o.impl.(*mmDecimal).vals, decimal128.Num.Cmp)
	return nil
}

func (m *mmInterval) fresh() minMaxImpl { return &mmInterval{} }
func (m *mmInterval) merge(s, o *minMaxState, to []uint32, ngroups int) error {
	m.vals = grow(m.vals, ngroups)
	mergeBest(s, o, to, m.vals, o.impl.(*mmInterval).vals, cmpIntervals)
	return nil
}

func (m *mmBool) fresh() minMaxImpl { return &mmBool{} }
func (m *mmBool) merge(s, o *minMaxState, to []uint32, ngroups int) error {
	m.vals = grow(m.vals, ngroups)
	mergeBest(s, o, to, m.vals, o.impl.(*mmBool).vals, cmpBools)
	return nil
}

func (m *mmString) fresh() minMaxImpl { return &mmString{numeric: m.numeric, bpchar: m.bpchar} }
func (m *mmString) merge(s, o *minMaxState, to []uint32, ngroups int) error {
	m.vals = grow(m.vals, ngroups)
	mergeBest(s, o, to, m.vals, o.impl.(*mmString).vals, m.cmp) // o's strings are copies already
	return nil
}

func (m *mmBytes) fresh() minMaxImpl { return &mmBytes{} }
func (m *mmBytes) merge(s, o *minMaxState, to []uint32, ngroups int) error {
	m.vals = grow(m.vals, ngroups)
	mergeBest(s, o, to, m.vals, o.impl.(*mmBytes).vals, compareBytes)
	return nil
}
