package executor

// sum/avg/variance/stddev over floats (PostgreSQL's float8_accum, the
// Youngs-Cramer algorithm, so results match PostgreSQL bit for bit) and over
// ints and numerics (exact sums, then numeric_stddev_internal's scale rules).

import (
	"math"
	"math/bits"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/decimal128"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/cockroachdb/apd/v3"
)

type statKind int

const (
	statSum statKind = iota
	statAvg
	statVarSamp
	statVarPop
	statStddevSamp
	statStddevPop
)

// floatStatState folds float4/float8 input.
type floatStatState struct {
	mem  memory.Allocator
	kind statKind
	f4   bool // input is float4 (and sum's result is float4)
	n    []float64
	sx   []float64
	sxx  []float64
	sx4  []float32
}

func (s *floatStatState) Update(groups []uint32, ngroups int, args []arrow.Array) error {
	s.n, s.sx, s.sxx = grow(s.n, ngroups), grow(s.sx, ngroups), grow(s.sxx, ngroups)
	v := validityOf(args[0])
	if s.f4 && s.kind == statSum {
		s.sx4 = grow(s.sx4, ngroups)
		vals := values[float32](args[0])
		for i, g := range groups {
			if !v.valid(i) {
				continue
			}
			r := s.sx4[g] + vals[i]
			if math.IsInf(float64(r), 0) && !math.IsInf(float64(s.sx4[g]), 0) && !math.IsInf(float64(vals[i]), 0) {
				return errFloatOverflow()
			}
			s.sx4[g] = r
			s.n[g]++
		}
		return nil
	}
	var f32 []float32
	var f64 []float64
	if s.f4 {
		f32 = values[float32](args[0])
	} else {
		f64 = values[float64](args[0])
	}
	for i, g := range groups {
		if !v.valid(i) {
			continue
		}
		var x float64
		if f32 != nil {
			x = float64(f32[i])
		} else {
			x = f64[i]
		}
		if s.kind == statSum || s.kind == statAvg {
			r := s.sx[g] + x
			if math.IsInf(r, 0) && !math.IsInf(s.sx[g], 0) && !math.IsInf(x, 0) {
				return errFloatOverflow()
			}
			s.sx[g] = r
			s.n[g]++
			continue
		}
		// float8_accum.
		oldN := s.n[g]
		n := oldN + 1
		sx := s.sx[g] + x
		sxx := s.sxx[g]
		if oldN > 0 {
			tmp := x*n - sx
			sxx += tmp * tmp / (n * oldN)
			if math.IsInf(sx, 0) || math.IsInf(sxx, 0) {
				if !math.IsInf(s.sx[g], 0) && !math.IsInf(x, 0) {
					return errFloatOverflow()
				}
				sxx = math.NaN()
			}
		} else if math.IsNaN(x) || math.IsInf(x, 0) {
			sxx = math.NaN()
		}
		s.n[g], s.sx[g], s.sxx[g] = n, sx, sxx
	}
	return nil
}

func (s *floatStatState) Finish(ngroups int) (arrow.Array, error) {
	s.n, s.sx, s.sxx = grow(s.n, ngroups), grow(s.sx, ngroups), grow(s.sxx, ngroups)
	if s.f4 && s.kind == statSum {
		s.sx4 = grow(s.sx4, ngroups)
		b := array.NewFloat32Builder(s.mem)
		defer b.Release()
		for g := 0; g < ngroups; g++ {
			if s.n[g] == 0 {
				b.AppendNull()
			} else {
				b.Append(s.sx4[g])
			}
		}
		return b.NewArray(), nil
	}
	b := array.NewFloat64Builder(s.mem)
	defer b.Release()
	for g := 0; g < ngroups; g++ {
		n, sx, sxx := s.n[g], s.sx[g], s.sxx[g]
		var r float64
		switch s.kind {
		case statSum:
			if n == 0 {
				b.AppendNull()
				continue
			}
			r = sx
		case statAvg:
			if n == 0 {
				b.AppendNull()
				continue
			}
			r = sx / n
		case statVarPop, statStddevPop:
			if n == 0 {
				b.AppendNull()
				continue
			}
			r = sxx / n
		default:
			if n <= 1 {
				b.AppendNull()
				continue
			}
			r = sxx / (n - 1)
		}
		if s.kind == statStddevPop || s.kind == statStddevSamp {
			r = math.Sqrt(r)
		}
		b.Append(r)
	}
	return b.NewArray(), nil
}

func (s *floatStatState) Release() {}

// numStatState folds ints and numerics exactly. Sums of ints and Decimal128
// values use 128-bit integers; text-held numerics and squares use apd.
type numStatState struct {
	ec    *evalContext
	kind  statKind
	count []int64
	// 128-bit fast path (ints, Decimal128 of one scale) for sum and avg.
	hi    []int64
	lo    []uint64
	scale int32
	fast  bool
	// touched: Update or Merge has run (fast then tells how sums are kept).
	touched bool
	// Exact decimals otherwise, and for sums of squares.
	sum   []*apd.Decimal
	sumsq []*apd.Decimal
	x, sq apd.Decimal
}

func (s *numStatState) grow(ngroups int) {
	s.count = grow(s.count, ngroups)
	s.hi, s.lo = grow(s.hi, ngroups), grow(s.lo, ngroups)
	for len(s.sum) < ngroups {
		s.sum = append(s.sum, new(apd.Decimal))
		if s.kind >= statVarSamp {
			s.sumsq = append(s.sumsq, new(apd.Decimal))
		}
	}
}

func (s *numStatState) Update(groups []uint32, ngroups int, args []arrow.Array) error {
	s.grow(ngroups)
	s.touched = true
	a := args[0]
	v := validityOf(a)
	// Fast paths: avg over ints or Decimal128, with 128-bit sums; ints are
	// added as they are, without widening a batch to decimals first.
	if s.kind == statAvg {
		s.fast = true
		switch a := a.(type) {
		case *array.Int16:
			addInts128(s, groups, a.Int16Values(), v)
			return nil
		case *array.Int32:
			addInts128(s, groups, a.Int32Values(), v)
			return nil
		case *array.Int64:
			addInts128(s, groups, a.Int64Values(), v)
			return nil
		}
		s.fast = false
		if x, sc, ok := decOperands(a); ok {
			if _, isDec := a.(*array.Decimal128); isDec || sc == 0 {
				s.fast, s.scale = true, sc
				for i, g := range groups {
					if !v.valid(i) {
						continue
					}
					var ok bool
					if s.hi[g], s.lo[g], ok = addDec128(s.hi[g], s.lo[g], x[i]); !ok {
						return errNumericOverflow()
					}
					s.count[g]++
				}
				return nil
			}
		}
	}
	r := newNumReader(a)
	for i, g := range groups {
		if !v.valid(i) {
			continue
		}
		if err := r.get(i, &s.x); err != nil {
			return err
		}
		if err := addNum(s.sum[g], &s.x); err != nil {
			return err
		}
		if s.sumsq != nil {
			if _, err := exactCtx.Mul(&s.sq, &s.x, &s.x); err != nil {
				return errNumericOverflow()
			}
			if err := addNum(s.sumsq[g], &s.sq); err != nil {
				return err
			}
		}
		s.count[g]++
	}
	return nil
}

// addInts128 folds integers into the 128-bit sums (scale 0). The sums
// cannot overflow: that would take 2^64 rows.
func addInts128[T int16 | int32 | int64](s *numStatState, groups []uint32, vals []T, v validity) {
	for i, g := range groups {
		if !v.valid(i) {
			continue
		}
		x := int64(vals[i])
		lo, carry := bits.Add64(s.lo[g], uint64(x), 0)
		s.hi[g] += x>>63 + int64(carry) // x>>63 sign-extends x to 128 bits
		s.lo[g] = lo
		s.count[g]++
	}
}

// addNum adds x into sum, with NaN and infinities as PostgreSQL.
func addNum(sum, x *apd.Decimal) error {
	if sum.Form != apd.Finite || x.Form != apd.Finite {
		return numSpecial(sum, sum, x, '+')
	}
	if _, err := exactCtx.Add(sum, sum, x); err != nil {
		return errNumericOverflow()
	}
	return nil
}

func (s *numStatState) Finish(ngroups int) (arrow.Array, error) {
	s.grow(ngroups)
	b := array.NewStringBuilder(s.ec.mem)
	defer b.Release()
	var d, sum apd.Decimal
	for g := 0; g < ngroups; g++ {
		n := s.count[g]
		if n == 0 || (n == 1 && (s.kind == statVarSamp || s.kind == statStddevSamp)) {
			b.AppendNull()
			continue
		}
		if s.fast {
			decToApd(decimal128.New(s.hi[g], s.lo[g]), s.scale, &sum)
		} else {
			sum.Set(s.sum[g])
		}
		switch s.kind {
		case statSum:
			d.Set(&sum)
		case statAvg:
			if err := numDiv(&d, &sum, apd.New(n, 0)); err != nil {
				return nil, err
			}
		default:
			if err := numVariance(&d, &sum, s.sumsq[g], n, s.kind); err != nil {
				return nil, err
			}
		}
		if err := appendNum(b, &d); err != nil {
			return nil, err
		}
	}
	return b.NewArray(), nil
}

// numVariance is numeric_stddev_internal.
func numVariance(d, sumX, sumX2 *apd.Decimal, n int64, kind statKind) error {
	if sumX.Form == apd.NaN || sumX2.Form == apd.NaN || sumX.Form == apd.Infinite || sumX2.Form == apd.Infinite {
		d.Form = apd.NaN
		return nil
	}
	var sq, nx2, num apd.Decimal
	vn := apd.New(n, 0)
	if _, err := exactCtx.Mul(&sq, sumX, sumX); err != nil {
		return errNumericOverflow()
	}
	if _, err := exactCtx.Mul(&nx2, vn, sumX2); err != nil {
		return errNumericOverflow()
	}
	if _, err := exactCtx.Sub(&num, &nx2, &sq); err != nil {
		return errNumericOverflow()
	}
	if num.Sign() <= 0 {
		d.SetInt64(0)
		return nil
	}
	var denom apd.Decimal
	if kind == statVarSamp || kind == statStddevSamp {
		denom.SetInt64(n * (n - 1))
	} else {
		denom.SetInt64(n * n)
	}
	scale := divScale(&num, &denom)
	c := precisionCtx(int64(scale) + num.NumDigits() + int64(num.Exponent))
	if _, err := c.Quo(d, &num, &denom); err != nil {
		return errNumericOverflow()
	}
	if err := roundTo(d, scale); err != nil {
		return err
	}
	if kind == statStddevSamp || kind == statStddevPop {
		if _, err := c.Sqrt(d, d); err != nil {
			return errNumericOverflow()
		}
		return roundTo(d, scale)
	}
	return nil
}

func (s *numStatState) Release() { s.sum, s.sumsq = nil, nil }
