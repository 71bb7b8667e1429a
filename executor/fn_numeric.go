package executor

// numeric values. A numeric column is held either as Decimal128(p, s) (a
// declared numeric(p,s), or an unconstrained numeric whose scale the planner
// knows) or as a String of canonical text (unconstrained: each value keeps
// its own scale, like PostgreSQL's dscale). Kernels take either form, and
// ints, as input: + - * and comparisons of Decimal128/int inputs work on
// 128-bit integers; everything else goes through apd decimals row by row.

import (
	"math"
	"math/big"
	"math/bits"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/decimal128"
	"github.com/cockroachdb/apd/v3"

	"github.com/sharehouse/sharehouse/executor/sqlstate"
	"github.com/sharehouse/sharehouse/executor/sqltype"
)

// PostgreSQL numeric.c constants used to pick result scales.
const (
	numericMinSigDigits     = 16
	numericMaxDisplayScale  = 1000
	numericMinDisplayScale  = 0
	numericDecDigits        = 4
	maxDecimal128Precision  = 38
	numericMaxResultDigits  = 131072 + 16383
	numericWorkingPrecision = 1100 // digits for inexact operations before rounding to the result scale
)

// exactCtx does exact arithmetic (Add, Sub, Mul never round: Precision 0).
var exactCtx = apd.Context{Precision: 0, MaxExponent: apd.MaxExponent, MinExponent: apd.MinExponent, Rounding: apd.RoundHalfUp, Traps: apd.InvalidOperation}

// workCtx is for operations that need a finite precision (division, sqrt,
// ln, exp); results are then rounded to PostgreSQL's scale.
var workCtx = apd.Context{Precision: numericWorkingPrecision, MaxExponent: apd.MaxExponent, MinExponent: apd.MinExponent, Rounding: apd.RoundHalfUp, Traps: apd.InvalidOperation}

// pow10Num[k] is 10^k as a decimal128.Num, k in [0, 38].
var pow10Num = func() [39]decimal128.Num {
	var t [39]decimal128.Num
	v := big.NewInt(1)
	for k := range t {
		t[k] = decimal128.FromBigInt(v)
		v.Mul(v, big.NewInt(10))
	}
	return t
}()

// maxDec is 10^38, the first value a Decimal128(38, s) cannot hold.
var maxDec = func() decimal128.Num {
	v := new(big.Int).Exp(big.NewInt(10), big.NewInt(38), nil)
	return decimal128.FromBigInt(v)
}()

// isNumericDT reports whether dt holds numerics as canonical text.
func isStringNumeric(dt arrow.DataType) bool { return dt.ID() == arrow.STRING }

func decScale(dt arrow.DataType) (int32, bool) {
	if d, ok := dt.(*arrow.Decimal128Type); ok {
		return d.Scale, true
	}
	return 0, false
}

// numText returns PostgreSQL's text for d: plain notation, no exponent, its
// own scale kept, no negative zero.
func numText(d *apd.Decimal) string {
	switch d.Form {
	case apd.NaN, apd.NaNSignaling:
		return "NaN"
	case apd.Infinite:
		if d.Negative {
			return "-Infinity"
		}
		return "Infinity"
	}
	if d.IsZero() && d.Negative {
		var c apd.Decimal
		c.Set(d)
		c.Negative = false
		return c.Text('f')
	}
	return d.Text('f')
}

// parseNumeric parses numeric input text (already validated by whoever made
// the array) into d.
func parseNumeric(s string, d *apd.Decimal) error {
	s = strings.TrimSpace(s)
	switch strings.ToLower(s) {
	case "nan":
		d.Form = apd.NaN
		return nil
	case "infinity", "+infinity", "inf", "+inf":
		d.Form, d.Negative = apd.Infinite, false
		return nil
	case "-infinity", "-inf":
		d.Form, d.Negative = apd.Infinite, true
		return nil
	}
	if _, _, err := d.SetString(s); err != nil || d.Form != apd.Finite {
		return sqlstate.Errorf(sqlstate.InvalidTextRepresentation, "invalid input syntax for type numeric: \"%s\"", s)
	}
	return nil
}

// dscale is PostgreSQL's display scale of a finite value.
func dscale(d *apd.Decimal) int32 {
	if d.Exponent < 0 {
		return -d.Exponent
	}
	return 0
}

// weight10000 returns PostgreSQL's base-10000 weight and first base-10000
// digit of a nonzero finite d (0, 0 for zero).
func weight10000(d *apd.Decimal) (weight int, first int) {
	if d.IsZero() || d.Form != apd.Finite {
		return 0, 0
	}
	digits := d.Coeff.Text(10)
	if digits[0] == '-' {
		digits = digits[1:]
	}
	e10 := len(digits) - 1 + int(d.Exponent) // floor(log10 |d|)
	w := floorDiv(e10, numericDecDigits)
	k := e10 - w*numericDecDigits + 1 // decimal digits in the first group, 1..4
	for i := 0; i < k; i++ {
		first *= 10
		if i < len(digits) {
			first += int(digits[i] - '0')
		}
	}
	return w, first
}

func floorDiv(a, b int) int {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// divScale is PostgreSQL's select_div_scale.
func divScale(x, y *apd.Decimal) int32 {
	w1, f1 := weight10000(x)
	w2, f2 := weight10000(y)
	qweight := w1 - w2
	if f1 <= f2 {
		qweight--
	}
	r := int32(numericMinSigDigits - qweight*numericDecDigits)
	r = max(r, dscale(x), dscale(y), numericMinDisplayScale)
	return min(r, numericMaxDisplayScale)
}

// roundTo rounds d in place to scale digits after the point (half away from
// zero, as PostgreSQL's round_var), keeping exactly that scale.
func roundTo(d *apd.Decimal, scale int32) error {
	return quantize(d, -scale, apd.RoundHalfUp)
}

// quantize sets d's exponent to exp, rounding with r.
func quantize(d *apd.Decimal, exp int32, r apd.Rounder) error {
	if d.Form != apd.Finite {
		return nil
	}
	c := exactCtx
	c.Rounding = r
	c.Precision = uint32(max(d.NumDigits()+int64(d.Exponent)-int64(exp)+1, 1))
	if _, err := c.Quantize(d, d, exp); err != nil {
		return errNumericOverflow()
	}
	return nil
}

// estimateLnDweight is PostgreSQL's estimate of the decimal weight of ln(x).
func estimateLnDweight(x *apd.Decimal) int32 {
	if x.Sign() <= 0 || x.Form != apd.Finite {
		return 0
	}
	var y apd.Decimal
	if x.Cmp(apd.New(9, -1)) >= 0 && x.Cmp(apd.New(11, -1)) <= 0 {
		_, _ = exactCtx.Sub(&y, x, apd.New(1, 0))
		if y.IsZero() {
			return 0
		}
		return int32(y.NumDigits()) + y.Exponent - 1
	}
	f, _ := x.Float64()
	l := math.Abs(math.Log(f))
	if l == 0 || math.IsInf(l, 0) || math.IsNaN(l) {
		return 0
	}
	return int32(math.Log10(l)) // truncation toward zero, as PostgreSQL's (int) cast
}

// numDiv computes x / y with PostgreSQL's result scale.
func numDiv(d, x, y *apd.Decimal) error {
	if y.IsZero() && y.Form == apd.Finite {
		return errDivByZero()
	}
	if x.Form != apd.Finite || y.Form != apd.Finite {
		return numSpecial(d, x, y, '/')
	}
	scale := divScale(x, y)
	intDigits := (x.NumDigits() + int64(x.Exponent)) - (y.NumDigits() + int64(y.Exponent)) + 2
	if _, err := precisionCtx(int64(scale)+intDigits).Quo(d, x, y); err != nil {
		return errNumericOverflow()
	}
	return roundTo(d, scale)
}

// numSpecial handles NaN and ±Infinity operands of numeric arithmetic the
// way PostgreSQL 14+ does for the common cases.
func numSpecial(d, x, y *apd.Decimal, op byte) error {
	if x.Form == apd.NaN || y.Form == apd.NaN {
		d.Form = apd.NaN
		return nil
	}
	c := apd.BaseContext
	c.Traps = 0
	var cond apd.Condition
	switch op {
	case '+':
		cond, _ = c.Add(d, x, y)
	case '-':
		cond, _ = c.Sub(d, x, y)
	case '*':
		cond, _ = c.Mul(d, x, y)
	case '/':
		if y.Form == apd.Infinite && x.Form == apd.Finite {
			d.SetInt64(0)
			return nil
		}
		cond, _ = c.Quo(d, x, y)
	}
	if cond.InvalidOperation() {
		d.Form = apd.NaN
	}
	return nil
}

// precisionCtx is workCtx with enough precision for a result of about the
// given number of significant digits, plus guard digits.
func precisionCtx(digits int64) *apd.Context {
	c := workCtx
	c.Precision = uint32(min(max(digits+8, 20), numericWorkingPrecision))
	return &c
}

// numReader reads row i of an int, Decimal128 or string-held numeric array
// as an apd decimal.
type numReader struct {
	i16   []int16
	i32   []int32
	i64   []int64
	dec   []decimal128.Num
	scale int32
	str   *array.String
}

func newNumReader(a arrow.Array) numReader {
	switch a := a.(type) {
	case *array.Int16:
		return numReader{i16: a.Int16Values()}
	case *array.Int32:
		return numReader{i32: a.Int32Values()}
	case *array.Int64:
		return numReader{i64: a.Int64Values()}
	case *array.Decimal128:
		return numReader{dec: a.Values(), scale: a.DataType().(*arrow.Decimal128Type).Scale}
	case *array.String:
		return numReader{str: a}
	}
	return numReader{}
}

func (r *numReader) get(i int, d *apd.Decimal) error {
	switch {
	case r.i16 != nil:
		d.SetInt64(int64(r.i16[i]))
	case r.i32 != nil:
		d.SetInt64(int64(r.i32[i]))
	case r.i64 != nil:
		d.SetInt64(r.i64[i])
	case r.dec != nil:
		decToApd(r.dec[i], r.scale, d)
	case r.str != nil:
		return parseNumeric(r.str.Value(i), d)
	default:
		return internalf("numReader: unsupported array")
	}
	return nil
}

func decToApd(n decimal128.Num, scale int32, d *apd.Decimal) {
	hi, lo := n.HighBits(), n.LowBits()
	if (hi == 0 && lo <= math.MaxInt64) || (hi == -1 && lo > math.MaxInt64) {
		d.SetFinite(int64(lo), -scale)
		return
	}
	d.Form, d.Negative, d.Exponent = apd.Finite, false, -scale
	d.Coeff.SetMathBigInt(n.BigInt())
	if d.Coeff.Sign() < 0 {
		d.Negative = true
		d.Coeff.Neg(&d.Coeff)
	}
}

// apdToDec converts d to a Decimal128 of scale s and precision p, rounding
// half away from zero; ok is false if it does not fit.
func apdToDec(d *apd.Decimal, p, s int32) (decimal128.Num, bool) {
	if d.Form != apd.Finite {
		return decimal128.Num{}, false
	}
	var q apd.Decimal
	q.Set(d)
	if err := roundTo(&q, s); err != nil {
		return decimal128.Num{}, false
	}
	if q.NumDigits() > int64(p) && !q.IsZero() {
		return decimal128.Num{}, false
	}
	var n decimal128.Num
	if q.Coeff.IsInt64() {
		n = decimal128.FromI64(q.Coeff.Int64())
	} else {
		n = decimal128.FromBigInt(q.Coeff.MathBigInt())
	}
	if q.Negative {
		n = n.Negate()
	}
	return n, true
}

// appendNum appends d to a numeric builder: canonical text for a string
// builder, rounded to the builder's scale for Decimal128 (overflow: 22003).
func appendNum(b array.Builder, d *apd.Decimal) error {
	switch b := b.(type) {
	case *array.StringBuilder:
		b.Append(numText(d))
		return nil
	case *array.Decimal128Builder:
		dt := b.Type().(*arrow.Decimal128Type)
		if d.Form == apd.NaN {
			return errUnsupported("cannot store NaN in numeric(%d,%d)", dt.Precision, dt.Scale)
		}
		n, ok := apdToDec(d, dt.Precision, dt.Scale)
		if !ok {
			return numericFieldOverflow(dt.Precision, dt.Scale, d)
		}
		b.Append(n)
		return nil
	}
	return internalf("appendNum: builder %T", b)
}

func numericFieldOverflow(p, s int32, d *apd.Decimal) error {
	if d.Form == apd.Infinite {
		return sqlstate.Errorf(sqlstate.NumericValueOutOfRange, "numeric field overflow").
			WithDetail("A field with precision %d, scale %d cannot hold an infinite value.", p, s)
	}
	if p == maxDecimal128Precision {
		return errNumericOverflow()
	}
	e := sqlstate.Errorf(sqlstate.NumericValueOutOfRange, "numeric field overflow")
	if p == s {
		return e.WithDetail("A field with precision %d, scale %d must round to an absolute value less than 1.", p, s)
	}
	return e.WithDetail("A field with precision %d, scale %d must round to an absolute value less than 10^%d.", p, s, p-s)
}

// decOperands returns the Decimal128 values of an int or Decimal128 array and
// its scale. Ints are widened into a new slice (one allocation per batch).
func decOperands(a arrow.Array) ([]decimal128.Num, int32, bool) {
	switch a := a.(type) {
	case *array.Decimal128:
		return a.Values(), a.DataType().(*arrow.Decimal128Type).Scale, true
	case *array.Int16:
		return widenDec(a.Int16Values()), 0, true
	case *array.Int32:
		return widenDec(a.Int32Values()), 0, true
	case *array.Int64:
		return widenDec(a.Int64Values()), 0, true
	}
	return nil, 0, false
}

func widenDec[T integer](v []T) []decimal128.Num {
	out := make([]decimal128.Num, len(v))
	for i, x := range v {
		out[i] = decimal128.FromI64(int64(x))
	}
	return out
}

// decFits reports |n| < 10^38.
func decFits(n decimal128.Num) bool { return n.Abs().Less(maxDec) && n.Abs().Sign() >= 0 }

// decRescale multiplies n by 10^k (k ≥ 0); ok is false if |result| ≥ 10^38.
func decRescale(n decimal128.Num, k int32) (decimal128.Num, bool) {
	if k == 0 {
		return n, true
	}
	if k > 38 {
		return n, n.Sign() == 0
	}
	// |n| < 10^(38-k) ⇔ the product fits.
	if !n.Abs().Less(pow10Num[38-k]) {
		return n, false
	}
	return n.Mul(pow10Num[k]), true
}

// decAdd adds two values of the same scale; ok false on overflow.
func decAdd(a, b decimal128.Num) (decimal128.Num, bool) {
	r := a.Add(b)
	// Both below 10^38 in magnitude, so the 128-bit sum cannot wrap twice;
	// a sign flip with equal signs in means it wrapped.
	if a.Sign() == b.Sign() && a.Sign() != 0 && r.Sign() != a.Sign() {
		return r, false
	}
	return r, decFits(r)
}

// decMul multiplies exactly; ok false if the product does not fit in 38 digits.
func decMul(a, b decimal128.Num) (decimal128.Num, bool) {
	ah, bh := a.HighBits(), b.HighBits()
	small := func(h int64, l uint64) bool {
		return (h == 0 && l <= math.MaxInt64) || (h == -1 && l > math.MaxInt64)
	}
	if small(ah, a.LowBits()) && small(bh, b.LowBits()) {
		x, y := int64(a.LowBits()), int64(b.LowBits())
		neg := (x < 0) != (y < 0)
		ux, uy := absU64(x), absU64(y)
		hi, lo := bits.Mul64(ux, uy)
		if hi >= 1<<63 {
			return decimal128.Num{}, false
		}
		r := decimal128.New(int64(hi), lo)
		if neg {
			r = r.Negate()
		}
		return r, decFits(r)
	}
	p := new(big.Int).Mul(a.BigInt(), b.BigInt())
	if p.CmpAbs(maxDec.BigInt()) >= 0 {
		return decimal128.Num{}, false
	}
	return decimal128.FromBigInt(p), true
}

func absU64(x int64) uint64 {
	if x < 0 {
		return uint64(-x) // also right for MinInt64
	}
	return uint64(x)
}

// decCmp compares a (scale sa) with b (scale sb).
func decCmp(a decimal128.Num, sa int32, b decimal128.Num, sb int32) int {
	if sa == sb {
		return a.Cmp(b)
	}
	if sa < sb {
		if ra, ok := decRescale(a, sb-sa); ok {
			return ra.Cmp(b)
		}
	} else if rb, ok := decRescale(b, sa-sb); ok {
		return a.Cmp(rb)
	}
	var x, y apd.Decimal
	decToApd(a, sa, &x)
	decToApd(b, sb, &y)
	return x.Cmp(&y)
}

// numCmp compares numerics as PostgreSQL: NaN equals NaN and sorts above
// everything, including +Infinity.
func numCmp(x, y *apd.Decimal) int {
	xn, yn := x.Form == apd.NaN, y.Form == apd.NaN
	switch {
	case xn && yn:
		return 0
	case xn:
		return 1
	case yn:
		return -1
	}
	return x.Cmp(y)
}

// numericResultDT is the representation of an unconstrained numeric result
// whose scale is s (or unknown: s < 0, held as text).
func numericResultDT(s int32) arrow.DataType {
	if s < 0 || s > maxDecimal128Precision {
		return arrow.BinaryTypes.String
	}
	return &arrow.Decimal128Type{Precision: maxDecimal128Precision, Scale: s}
}

// numericInfo returns the argInfo of an unconstrained numeric of scale s.
func numericInfo(s int32) argInfo {
	return argInfo{T: sqltype.NumericT, DT: numericResultDT(s)}
}

// isDecOrInt reports whether an operand can take the 128-bit fast path.
func isDecOrInt(a argInfo) bool {
	_, dec := a.DT.(*arrow.Decimal128Type)
	return dec || isInt(a.T.OID)
}

// operandScale is the scale of an int (0) or Decimal128 operand.
func operandScale(a argInfo) int32 {
	if s, ok := decScale(a.DT); ok {
		return s
	}
	return 0
}
