package executor

// Mathematical functions on float8 and numeric (and abs/mod on ints).

import (
	"crypto/rand"
	"math"
	mrand "math/rand/v2"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/cockroachdb/apd/v3"

	"github.com/sharehouse/sharehouse/executor/sqlstate"
	"github.com/sharehouse/sharehouse/executor/sqltype"
)

// numUnary applies f to each numeric row (any representation) into dt.
func numUnary(dt arrow.DataType, f func(d, x *apd.Decimal) error) kernel {
	return func(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
		r := newNumReader(args[0])
		var x, d apd.Decimal
		return rowwise(ec.mem, dt, args, n, func(b array.Builder, _ []arrow.Array, i int) error {
			if err := r.get(i, &x); err != nil {
				return err
			}
			if err := f(&d, &x); err != nil {
				return err
			}
			return appendNum(b, &d)
		})
	}
}

// numBinary applies f to two numeric rows into dt.
func numBinary(dt arrow.DataType, f func(d, x, y *apd.Decimal) error) kernel {
	return func(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
		rx, ry := newNumReader(args[0]), newNumReader(args[1])
		var x, y, d apd.Decimal
		return rowwise(ec.mem, dt, args, n, func(b array.Builder, _ []arrow.Array, i int) error {
			if err := rx.get(i, &x); err != nil {
				return err
			}
			if err := ry.get(i, &y); err != nil {
				return err
			}
			if err := f(&d, &x, &y); err != nil {
				return err
			}
			return appendNum(b, &d)
		})
	}
}

func numNeg(d, x *apd.Decimal) error {
	d.Neg(x)
	return nil
}

func numAbs(d, x *apd.Decimal) error {
	d.Abs(x)
	return nil
}

// numRoundScale rounds half away from zero to s digits (s may be negative:
// round(1250, -2) is 1300, with scale 0).
func numRoundScale(d, x *apd.Decimal, s int32) error {
	d.Set(x)
	if err := quantize(d, -s, apd.RoundHalfUp); err != nil {
		return err
	}
	if s < 0 {
		return quantize(d, 0, apd.RoundHalfUp)
	}
	return nil
}

// numTruncScale truncates toward zero to s digits.
func numTruncScale(d, x *apd.Decimal, s int32) error {
	d.Set(x)
	if err := quantize(d, -s, apd.RoundDown); err != nil {
		return err
	}
	if s < 0 {
		return quantize(d, 0, apd.RoundDown)
	}
	return nil
}

func numCeilFloor(ceil bool) func(d, x *apd.Decimal) error {
	return func(d, x *apd.Decimal) error {
		if x.Form != apd.Finite {
			d.Set(x)
			return nil
		}
		var err error
		if ceil {
			_, err = exactCtx.Ceil(d, x)
		} else {
			_, err = exactCtx.Floor(d, x)
		}
		if err != nil {
			return errNumericOverflow()
		}
		if d.IsZero() {
			d.Negative = false
		}
		return quantize(d, 0, apd.RoundDown)
	}
}

func numSign(d, x *apd.Decimal) error {
	if x.Form == apd.NaN {
		d.Set(x)
		return nil
	}
	d.SetInt64(int64(x.Sign()))
	return nil
}

// numSqrt is sqrt(numeric) with PostgreSQL's result scale.
func numSqrt(d, x *apd.Decimal) error {
	if x.Sign() < 0 {
		return sqlstate.Errorf(invalidArgumentForPower, "cannot take square root of a negative number")
	}
	if x.Form != apd.Finite {
		d.Set(x)
		return nil
	}
	w, _ := weight10000(x)
	sweight := (w+1)*numericDecDigits/2 - 1
	scale := max(int32(numericMinSigDigits-sweight), dscale(x), numericMinDisplayScale)
	if _, err := precisionCtx(int64(scale)+x.NumDigits()+int64(x.Exponent)).Sqrt(d, x); err != nil {
		return errNumericOverflow()
	}
	return roundTo(d, min(scale, numericMaxDisplayScale))
}

func numExp(d, x *apd.Decimal) error {
	if x.Form != apd.Finite {
		if x.Form == apd.Infinite && x.Negative {
			d.SetInt64(0)
		} else {
			d.Set(x)
		}
		return nil
	}
	f, _ := x.Float64()
	val := f * 0.434294481903252
	val = math.Max(math.Min(val, 2000), -2000)
	scale := max(int32(numericMinSigDigits-int(val)), dscale(x), numericMinDisplayScale)
	if _, err := precisionCtx(int64(scale)+int64(max(val, 0))).Exp(d, x); err != nil {
		return sqlstate.Errorf(sqlstate.NumericValueOutOfRange, "value overflows numeric format")
	}
	return roundTo(d, min(scale, numericMaxDisplayScale))
}

func errLogZero() error {
	return sqlstate.Errorf(invalidArgumentForLog, "cannot take logarithm of zero")
}

func errLogNegative() error {
	return sqlstate.Errorf(invalidArgumentForLog, "cannot take logarithm of a negative number")
}

// resultScale picks max(16 - decimal weight of the result, input scales).
func resultScale(d *apd.Decimal, inputs ...*apd.Decimal) int32 {
	w := int32(0)
	if !d.IsZero() && d.Form == apd.Finite {
		w = int32(d.NumDigits()) + d.Exponent - 1
	}
	s := int32(numericMinSigDigits) - w
	for _, in := range inputs {
		s = max(s, dscale(in))
	}
	return min(max(s, numericMinDisplayScale), numericMaxDisplayScale)
}

func numLn(d, x *apd.Decimal) error {
	if x.IsZero() {
		return errLogZero()
	}
	if x.Sign() < 0 {
		return errLogNegative()
	}
	if x.Form != apd.Finite {
		d.Set(x)
		return nil
	}
	scale := max(numericMinSigDigits-estimateLnDweight(x), dscale(x), numericMinDisplayScale)
	if _, err := precisionCtx(int64(scale)+8).Ln(d, x); err != nil {
		return errNumericOverflow()
	}
	return roundTo(d, min(scale, numericMaxDisplayScale))
}

// numLog is log(base, x).
func numLog(d, base, x *apd.Decimal) error {
	for _, v := range []*apd.Decimal{base, x} {
		if v.IsZero() {
			return errLogZero()
		}
		if v.Sign() < 0 {
			return errLogNegative()
		}
	}
	scale := numericMinSigDigits - (estimateLnDweight(x) - estimateLnDweight(base))
	scale = max(scale, dscale(base), dscale(x), numericMinDisplayScale)
	c := precisionCtx(int64(scale) + 16)
	var lb, lx apd.Decimal
	if _, err := c.Ln(&lb, base); err != nil {
		return errNumericOverflow()
	}
	if _, err := c.Ln(&lx, x); err != nil {
		return errNumericOverflow()
	}
	if lb.IsZero() {
		return errDivByZero()
	}
	if _, err := c.Quo(d, &lx, &lb); err != nil {
		return errNumericOverflow()
	}
	return roundTo(d, min(scale, numericMaxDisplayScale))
}

func numLog10(d, x *apd.Decimal) error {
	ten := apd.New(10, 0)
	return numLog(d, ten, x)
}

// float helpers with PostgreSQL's errors.

func f8Fn(f func(float64) (float64, error)) kernel {
	return func(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
		return mapFixedErr(ec.mem, arrow.PrimitiveTypes.Float64, args[0], n, f)
	}
}

func f8Pure(f func(float64) float64) kernel {
	return func(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
		return mapFixed(ec.mem, arrow.PrimitiveTypes.Float64, args[0], n, f), nil
	}
}

func checkF8(r, x float64) (float64, error) {
	if math.IsInf(r, 0) && !math.IsInf(x, 0) {
		return 0, errFloatOverflow()
	}
	return r, nil
}

func f8Ln(x float64) (float64, error) {
	if x == 0 {
		return 0, errLogZero()
	}
	if x < 0 {
		return 0, errLogNegative()
	}
	return math.Log(x), nil
}

func f8Log10(x float64) (float64, error) {
	if x == 0 {
		return 0, errLogZero()
	}
	if x < 0 {
		return 0, errLogNegative()
	}
	return math.Log10(x), nil
}

func f8Sqrt(x float64) (float64, error) {
	if x < 0 {
		return 0, sqlstate.Errorf(invalidArgumentForPower, "cannot take square root of a negative number")
	}
	return math.Sqrt(x), nil
}

func f8Exp(x float64) (float64, error) {
	r := math.Exp(x)
	if math.IsInf(r, 0) && !math.IsInf(x, 0) {
		return 0, errFloatOverflow()
	}
	if r == 0 && !math.IsInf(x, 0) {
		return 0, errFloatUnderflow()
	}
	return r, nil
}

func f8Domain(name string, f func(float64) float64, lo, hi float64) func(float64) (float64, error) {
	return func(x float64) (float64, error) {
		if !math.IsNaN(x) && (x < lo || x > hi) {
			return 0, sqlstate.Errorf(sqlstate.NumericValueOutOfRange, "input is out of range")
		}
		return f(x), nil
	}
}

// absInt is abs() on ints: abs(minimum) overflows.
func absInt(o sqltype.OID) kernel {
	dt := sqltype.T{OID: o, Typmod: -1}.Arrow()
	return func(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
		switch o {
		case sqltype.Int2:
			return mapFixedErr(ec.mem, dt, args[0], n, absOf[int16](o))
		case sqltype.Int4:
			return mapFixedErr(ec.mem, dt, args[0], n, absOf[int32](o))
		}
		return mapFixedErr(ec.mem, dt, args[0], n, absOf[int64](o))
	}
}

func absOf[T integer](o sqltype.OID) func(T) (T, error) {
	m := minInt[T]()
	return func(v T) (T, error) {
		if v == m {
			return 0, errIntRange(o)
		}
		if v < 0 {
			return -v, nil
		}
		return v, nil
	}
}

// numArgResult: a numeric function keeps its argument's scale when it is
// known (abs, -x, ceil/floor give scale 0 in PostgreSQL as text).
func sameNumeric(args []argInfo) argInfo {
	if isDecOrInt(args[0]) {
		return numericInfo(operandScale(args[0]))
	}
	return numericInfo(-1)
}

func anyNumeric([]argInfo) argInfo { return numericInfo(-1) }

func numOv(params []sqltype.OID, res func([]argInfo) argInfo, k func(dt arrow.DataType) kernel) overload {
	return overload{params: params, result: res, kernel: func(args []argInfo) kernel { return k(res(args).DT) }}
}

// mathFunctions is the overload table of the math functions. Overloads list
// float8 before numeric so ints resolve to float8 as in PostgreSQL, except
// where PostgreSQL has an exact int version (abs, mod).
func mathFunctions(name string) []overload {
	F, N, I := sqltype.Float8, sqltype.Numeric, sqltype.Int4
	f8 := sqltype.Float8T
	unaryNum := func(f func(d, x *apd.Decimal) error) func(dt arrow.DataType) kernel {
		return func(dt arrow.DataType) kernel { return numUnary(dt, f) }
	}
	switch name {
	case "abs":
		return []overload{
			ov(params(sqltype.Int2), sqltype.Int2T, absInt(sqltype.Int2)),
			ov(params(sqltype.Int4), sqltype.Int4T, absInt(sqltype.Int4)),
			ov(params(sqltype.Int8), sqltype.Int8T, absInt(sqltype.Int8)),
			ov(params(sqltype.Float4), sqltype.Float4T, func(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
				return mapFixed(ec.mem, arrow.PrimitiveTypes.Float32, args[0], n, func(v float32) float32 { return float32(math.Abs(float64(v))) }), nil
			}),
			ov(params(F), f8, f8Pure(math.Abs)),
			numOv(params(N), sameNumeric, unaryNum(numAbs)),
		}
	case "round":
		return []overload{
			ov(params(F), f8, f8Pure(math.RoundToEven)),
			numOv(params(N), func([]argInfo) argInfo { return numericInfo(0) }, unaryNum(func(d, x *apd.Decimal) error { return numRoundScale(d, x, 0) })),
			numOv(params(N, I), anyNumeric, func(dt arrow.DataType) kernel { return numScaleFn(dt, numRoundScale) }),
		}
	case "trunc":
		return []overload{
			ov(params(F), f8, f8Pure(math.Trunc)),
			numOv(params(N), func([]argInfo) argInfo { return numericInfo(0) }, unaryNum(func(d, x *apd.Decimal) error { return numTruncScale(d, x, 0) })),
			numOv(params(N, I), anyNumeric, func(dt arrow.DataType) kernel { return numScaleFn(dt, numTruncScale) }),
		}
	case "ceil", "ceiling":
		return []overload{ov(params(F), f8, f8Pure(math.Ceil)),
			numOv(params(N), func([]argInfo) argInfo { return numericInfo(0) }, unaryNum(numCeilFloor(true)))}
	case "floor":
		return []overload{ov(params(F), f8, f8Pure(math.Floor)),
			numOv(params(N), func([]argInfo) argInfo { return numericInfo(0) }, unaryNum(numCeilFloor(false)))}
	case "sign":
		return []overload{ov(params(F), f8, f8Pure(func(x float64) float64 {
			switch {
			case x > 0:
				return 1
			case x < 0:
				return -1
			}
			return x
		})), numOv(params(N), func([]argInfo) argInfo { return numericInfo(0) }, unaryNum(numSign))}
	case "mod":
		mk := func(t sqltype.T) overload {
			return ov(params(t.OID, t.OID), t, intArithEval('%', t.OID))
		}
		return []overload{mk(sqltype.Int2T), mk(sqltype.Int4T), mk(sqltype.Int8T),
			numOv(params(N, N), func(args []argInfo) argInfo {
				if isDecOrInt(args[0]) && isDecOrInt(args[1]) {
					return numericInfo(max(operandScale(args[0]), operandScale(args[1])))
				}
				return numericInfo(-1)
			}, func(dt arrow.DataType) kernel { return apdArithEval('%', dt) })}
	case "div":
		return []overload{numOv(params(N, N), func([]argInfo) argInfo { return numericInfo(0) }, func(dt arrow.DataType) kernel {
			return numBinary(dt, func(d, x, y *apd.Decimal) error {
				if y.IsZero() {
					return errDivByZero()
				}
				c := workCtx
				if _, err := c.QuoInteger(d, x, y); err != nil {
					return errNumericOverflow()
				}
				return roundTo(d, 0)
			})
		})}
	case "power", "pow":
		return []overload{ov(params(F, F), f8, floatPow),
			numOv(params(N, N), anyNumeric, func(dt arrow.DataType) kernel { return numBinary(dt, numPow) })}
	case "sqrt":
		return []overload{ov(params(F), f8, f8Fn(f8Sqrt)), numOv(params(N), anyNumeric, unaryNum(numSqrt))}
	case "cbrt":
		return []overload{ov(params(F), f8, f8Pure(math.Cbrt))}
	case "exp":
		return []overload{ov(params(F), f8, f8Fn(f8Exp)), numOv(params(N), anyNumeric, unaryNum(numExp))}
	case "ln":
		return []overload{ov(params(F), f8, f8Fn(f8Ln)), numOv(params(N), anyNumeric, unaryNum(numLn))}
	case "log", "log10":
		o := []overload{ov(params(F), f8, f8Fn(f8Log10)), numOv(params(N), anyNumeric, unaryNum(numLog10))}
		if name == "log" {
			o = append(o, numOv(params(N, N), anyNumeric, func(dt arrow.DataType) kernel { return numBinary(dt, numLog) }))
		}
		return o
	case "pi":
		return []overload{ov(nil, f8, constFloat(math.Pi))}
	case "degrees":
		return []overload{ov(params(F), f8, f8Pure(func(x float64) float64 { return x * 180 / math.Pi }))}
	case "radians":
		return []overload{ov(params(F), f8, f8Pure(func(x float64) float64 { return x * math.Pi / 180 }))}
	case "sin":
		return []overload{ov(params(F), f8, f8Pure(math.Sin))}
	case "cos":
		return []overload{ov(params(F), f8, f8Pure(math.Cos))}
	case "tan":
		return []overload{ov(params(F), f8, f8Pure(math.Tan))}
	case "asin":
		return []overload{ov(params(F), f8, f8Fn(f8Domain(name, math.Asin, -1, 1)))}
	case "acos":
		return []overload{ov(params(F), f8, f8Fn(f8Domain(name, math.Acos, -1, 1)))}
	case "atan":
		return []overload{ov(params(F), f8, f8Pure(math.Atan))}
	case "atan2":
		return []overload{ov(params(F, F), f8, func(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
			return zipFixed(ec.mem, arrow.PrimitiveTypes.Float64, args[0], args[1], n, math.Atan2), nil
		})}
	case "random":
		o := ov(nil, f8, func(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
			buf, out := newFixed[float64](ec.mem, n)
			for i := range out {
				out[i] = mrand.Float64()
			}
			return makeArray(arrow.PrimitiveTypes.Float64, n, nil, 0, buf), nil
		})
		o.volatile = true
		return []overload{o}
	case "gen_random_uuid":
		o := ov(nil, sqltype.UUIDT, func(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
			b := array.NewFixedSizeBinaryBuilder(ec.mem, &arrow.FixedSizeBinaryType{ByteWidth: 16})
			defer b.Release()
			var u [16]byte
			for i := 0; i < n; i++ {
				if _, err := rand.Read(u[:]); err != nil {
					return nil, err
				}
				u[6] = u[6]&0x0f | 0x40 // version 4
				u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
				b.Append(u[:])
			}
			return b.NewArray(), nil
		})
		o.volatile = true
		return []overload{o}
	}
	return nil
}

func constFloat(v float64) kernel {
	return func(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
		buf, out := newFixed[float64](ec.mem, n)
		for i := range out {
			out[i] = v
		}
		return makeArray(arrow.PrimitiveTypes.Float64, n, nil, 0, buf), nil
	}
}

// numScaleFn is round/trunc(numeric, int).
func numScaleFn(dt arrow.DataType, f func(d, x *apd.Decimal, s int32) error) kernel {
	return func(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
		r := newNumReader(args[0])
		s := values[int32](args[1])
		var x, d apd.Decimal
		return rowwise(ec.mem, dt, args, n, func(b array.Builder, _ []arrow.Array, i int) error {
			if err := r.get(i, &x); err != nil {
				return err
			}
			if err := f(&d, &x, max(min(s[i], 2000), -2000)); err != nil {
				return err
			}
			return appendNum(b, &d)
		})
	}
}
