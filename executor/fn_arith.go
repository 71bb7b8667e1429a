package executor

// Arithmetic operators on int2/int4/int8, float4/float8 and numeric.

import (
	"math"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/cockroachdb/apd/v3"

	"github.com/sharehouse/sharehouse/executor/sqltype"
)

// intRank orders the integer types for promotion.
func intRank(o sqltype.OID) int {
	switch o {
	case sqltype.Int2:
		return 1
	case sqltype.Int4:
		return 2
	}
	return 3
}

// resolveArith resolves + - * / % ^ on two number-ish operands.
func resolveArith(op string, l, r argInfo) (funcImpl, error) {
	lo, ro := l.T.OID, r.T.OID
	switch {
	case op == "^":
		if (lo == sqltype.Numeric || ro == sqltype.Numeric) && !isFloat(lo) && !isFloat(ro) {
			return numericArith(op, l, r)
		}
		t := infoOf(sqltype.Float8T)
		return funcImpl{Name: op, Args: []argInfo{t, t}, Result: t, Eval: floatPow}, nil
	case isInt(lo) && isInt(ro):
		t := lo
		if intRank(ro) > intRank(lo) {
			t = ro
		}
		ti := infoOf(sqltype.T{OID: t, Typmod: -1})
		return funcImpl{Name: op, Args: []argInfo{ti, ti}, Result: ti, Eval: intArithEval(op[0], t)}, nil
	case isFloat(lo) || isFloat(ro):
		if op == "%" {
			return funcImpl{}, errNoOperator(op, l, r)
		}
		if lo == sqltype.Float4 && ro == sqltype.Float4 {
			t := infoOf(sqltype.Float4T)
			return funcImpl{Name: op, Args: []argInfo{t, t}, Result: t, Eval: floatArithEval[float32](op[0])}, nil
		}
		t := infoOf(sqltype.Float8T)
		return funcImpl{Name: op, Args: []argInfo{t, t}, Result: t, Eval: floatArithEval[float64](op[0])}, nil
	}
	return numericArith(op, l, r)
}

// numericArith: at least one numeric operand, the other int or numeric.
// Operands are used in their own representation (no cast).
func numericArith(op string, l, r argInfo) (funcImpl, error) {
	norm := func(a argInfo) argInfo {
		if a.T.OID == sqltype.Numeric {
			return a
		}
		if isInt(a.T.OID) {
			return a
		}
		return infoOf(sqltype.NumericT)
	}
	l, r = norm(l), norm(r)
	res := numericInfo(-1)
	fast := isDecOrInt(l) && isDecOrInt(r)
	sl, sr := operandScale(l), operandScale(r)
	switch op {
	case "+", "-", "%":
		if fast {
			res = numericInfo(max(sl, sr))
		}
	case "*":
		if fast && sl+sr <= maxDecimal128Precision {
			res = numericInfo(sl + sr)
		}
	}
	f := funcImpl{Name: op, Args: []argInfo{l, r}, Result: res}
	if fast && (op == "+" || op == "-" || op == "*") && res.DT.ID() == arrow.DECIMAL128 {
		f.Eval = decArithEval(op[0], res.DT)
	} else {
		f.Eval = apdArithEval(op[0], res.DT)
	}
	return f, nil
}

func intArithEval(op byte, t sqltype.OID) func(*evalContext, []arrow.Array, int) (arrow.Array, error) {
	dt := sqltype.T{OID: t, Typmod: -1}.Arrow()
	return func(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
		if op == '+' || op == '-' {
			switch t {
			case sqltype.Int2:
				return intAddSub[int16](ec, dt, args, n, op == '-', t)
			case sqltype.Int4:
				return intAddSub[int32](ec, dt, args, n, op == '-', t)
			}
			return intAddSub[int64](ec, dt, args, n, op == '-', t)
		}
		switch t {
		case sqltype.Int2:
			return zipFixedErr(ec.mem, dt, args[0], args[1], n, intOp[int16](op, t))
		case sqltype.Int4:
			return zipFixedErr(ec.mem, dt, args[0], args[1], n, intOp[int32](op, t))
		}
		return zipFixedErr(ec.mem, dt, args[0], args[1], n, intOp[int64](op, t))
	}
}

// intAddSub is + and - in one tight loop: overflow is collected as a flag
// over all rows (NULL rows included) and, if set, rechecked on valid rows.
func intAddSub[T integer](ec *evalContext, dt arrow.DataType, args []arrow.Array, n int, sub bool, t sqltype.OID) (arrow.Array, error) {
	valid, nulls := andValidity(ec.mem, args, n)
	buf, out := newFixed[T](ec.mem, n)
	x, y := values[T](args[0]), values[T](args[1])
	x, y = x[:len(out)], y[:len(out)]
	var bad bool
	if sub {
		for i := range out {
			r := x[i] - y[i]
			bad = bad || (r < x[i]) != (y[i] > 0)
			out[i] = r
		}
	} else {
		for i := range out {
			r := x[i] + y[i]
			bad = bad || (r > x[i]) != (y[i] > 0)
			out[i] = r
		}
	}
	if bad {
		v := validity{}
		if valid != nil {
			v.bits = valid.Bytes()
		}
		for i := range out {
			if !v.valid(i) {
				continue
			}
			var r T
			if sub {
				r = x[i] - y[i]
			} else {
				r = x[i] + y[i]
			}
			if (sub && (r < x[i]) != (y[i] > 0)) || (!sub && (r > x[i]) != (y[i] > 0)) {
				buf.Release()
				if valid != nil {
					valid.Release()
				}
				return nil, errIntRange(t)
			}
		}
	}
	return makeArray(dt, n, valid, nulls, buf), nil
}

// intOp returns the checked integer operation: overflow is 22003 with the
// type's own message, / and % by zero 22012, / truncates toward zero.
func intOp[T integer](op byte, t sqltype.OID) func(a, b T) (T, error) {
	minV := minInt[T]()
	switch op {
	case '+':
		return func(a, b T) (T, error) {
			r := a + b
			if (r > a) != (b > 0) {
				return 0, errIntRange(t)
			}
			return r, nil
		}
	case '-':
		return func(a, b T) (T, error) {
			r := a - b
			if (r < a) != (b > 0) {
				return 0, errIntRange(t)
			}
			return r, nil
		}
	case '*':
		return func(a, b T) (T, error) {
			r := a * b
			if a != 0 && (r/a != b || (a == -1 && b == minV) || (b == -1 && a == minV)) {
				return 0, errIntRange(t)
			}
			return r, nil
		}
	case '/':
		return func(a, b T) (T, error) {
			if b == 0 {
				return 0, errDivByZero()
			}
			if b == -1 {
				if a == minV {
					return 0, errIntRange(t)
				}
				return -a, nil
			}
			return a / b, nil
		}
	case '%':
		return func(a, b T) (T, error) {
			if b == 0 {
				return 0, errDivByZero()
			}
			if b == -1 {
				return 0, nil
			}
			return a % b, nil
		}
	}
	return func(a, b T) (T, error) { return 0, internalf("int op %c", op) }
}

func minInt[T integer]() T {
	var z T
	switch any(z).(type) {
	case int16:
		v := int16(math.MinInt16)
		return T(v)
	case int32:
		v := int32(math.MinInt32)
		return T(v)
	}
	v := int64(math.MinInt64)
	return T(v)
}

type floating interface{ ~float32 | ~float64 }

func floatArithEval[T floating](op byte) func(*evalContext, []arrow.Array, int) (arrow.Array, error) {
	var z T
	var dt arrow.DataType = arrow.PrimitiveTypes.Float64
	if _, ok := any(z).(float32); ok {
		dt = arrow.PrimitiveTypes.Float32
	}
	return func(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
		return zipFixedErr(ec.mem, dt, args[0], args[1], n, floatOp[T](op))
	}
}

func isInfT[T floating](v T) bool { return math.IsInf(float64(v), 0) }

// floatOp is PostgreSQL's float arithmetic: overflow to infinity from finite
// operands and underflow to zero from nonzero ones are errors.
func floatOp[T floating](op byte) func(a, b T) (T, error) {
	check := func(r, a, b T, zeroOK bool) (T, error) {
		if isInfT(r) && !isInfT(a) && !isInfT(b) {
			return 0, errFloatOverflow()
		}
		if r == 0 && !zeroOK {
			return 0, errFloatUnderflow()
		}
		return r, nil
	}
	switch op {
	case '+':
		return func(a, b T) (T, error) { return check(a+b, a, b, true) }
	case '-':
		return func(a, b T) (T, error) { return check(a-b, a, b, true) }
	case '*':
		return func(a, b T) (T, error) { return check(a*b, a, b, a == 0 || b == 0) }
	case '/':
		return func(a, b T) (T, error) {
			if b == 0 {
				return 0, errDivByZero()
			}
			return check(a/b, a, b, a == 0 || isInfT(b))
		}
	}
	return func(a, b T) (T, error) { return 0, internalf("float op %c", op) }
}

func floatPow(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
	return zipFixedErr(ec.mem, arrow.PrimitiveTypes.Float64, args[0], args[1], n, powFloat8)
}

// powFloat8 is PostgreSQL's dpow error behaviour.
func powFloat8(x, y float64) (float64, error) {
	if x == 0 && y < 0 {
		return 0, errZeroNegativePower()
	}
	if x < 0 && y != math.Trunc(y) && !math.IsInf(y, 0) {
		return 0, errNegativeFractionalPower()
	}
	r := math.Pow(x, y)
	if math.IsInf(r, 0) && !math.IsInf(x, 0) && !math.IsInf(y, 0) {
		return 0, errFloatOverflow()
	}
	if r == 0 && x != 0 && !math.IsInf(y, 0) && !math.IsInf(x, 0) && y > 0 == (math.Abs(x) > 1) {
		return 0, errFloatUnderflow()
	}
	return r, nil
}

// decArithEval is + - * on int/Decimal128 operands into Decimal128(38, s).
func decArithEval(op byte, dt arrow.DataType) func(*evalContext, []arrow.Array, int) (arrow.Array, error) {
	rs := dt.(*arrow.Decimal128Type).Scale
	return func(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
		x, sx, _ := decOperands(args[0])
		y, sy, _ := decOperands(args[1])
		valid, nulls := andValidity(ec.mem, args, n)
		v := validity{}
		if valid != nil {
			v.bits = valid.Bytes()
		}
		obuf := memory.NewResizableBuffer(ec.mem)
		obuf.Resize(n * arrow.Decimal128SizeBytes)
		out := arrow.Decimal128Traits.CastFromBytes(obuf.Bytes())[:n]
		ok := true
		for i := 0; i < n; i++ {
			if !v.valid(i) {
				continue
			}
			a, c := x[i], y[i]
			switch op {
			case '+', '-':
				if op == '-' {
					c = c.Negate()
				}
				var ok1, ok2 bool
				a, ok1 = decRescale(a, rs-sx)
				c, ok2 = decRescale(c, rs-sy)
				if ok1 && ok2 {
					out[i], ok = decAdd(a, c)
				} else {
					ok = false
				}
			case '*':
				out[i], ok = decMul(a, c)
			}
			if !ok {
				// Recompute exactly to tell real overflow from a wide intermediate.
				var p, q, r apd.Decimal
				decToApd(x[i], sx, &p)
				decToApd(y[i], sy, &q)
				if err := apdOp(op, &r, &p, &q); err != nil {
					obuf.Release()
					if valid != nil {
						valid.Release()
					}
					return nil, err
				}
				num, fits := apdToDec(&r, maxDecimal128Precision, rs)
				if !fits {
					obuf.Release()
					if valid != nil {
						valid.Release()
					}
					return nil, errNumericOverflow()
				}
				out[i] = num
			}
		}
		return makeArray(dt, n, valid, nulls, obuf), nil
	}
}

// apdOp computes d = x op y exactly (+ - *) or with PostgreSQL's scale (/ % ^).
func apdOp(op byte, d, x, y *apd.Decimal) error {
	if x.Form != apd.Finite || y.Form != apd.Finite {
		if op == '/' && y.IsZero() && y.Form == apd.Finite {
			return errDivByZero()
		}
		if op == '%' || op == '^' {
			if x.Form == apd.NaN || y.Form == apd.NaN {
				d.Form = apd.NaN
				return nil
			}
			if op == '%' && y.Form == apd.Finite && y.IsZero() {
				return errDivByZero()
			}
			if op == '%' && x.Form == apd.Finite {
				d.Set(x)
				return nil
			}
			d.Form = apd.NaN
			return nil
		}
		return numSpecial(d, x, y, op)
	}
	var err error
	switch op {
	case '+':
		_, err = exactCtx.Add(d, x, y)
	case '-':
		_, err = exactCtx.Sub(d, x, y)
	case '*':
		_, err = exactCtx.Mul(d, x, y)
	case '/':
		return numDiv(d, x, y)
	case '%':
		if y.IsZero() {
			return errDivByZero()
		}
		_, err = workCtx.Rem(d, x, y)
		if err == nil {
			// PostgreSQL's mod keeps the larger display scale.
			return roundTo(d, max(dscale(x), dscale(y)))
		}
	case '^':
		return numPow(d, x, y)
	}
	if err != nil {
		return errNumericOverflow()
	}
	return nil
}

func apdArithEval(op byte, dt arrow.DataType) func(*evalContext, []arrow.Array, int) (arrow.Array, error) {
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
			if err := apdOp(op, &d, &x, &y); err != nil {
				return err
			}
			return appendNum(b, &d)
		})
	}
}

// numPow is numeric ^ numeric with PostgreSQL's errors and an approximation
// of its result scale (at least 16 significant digits).
func numPow(d, x, y *apd.Decimal) error {
	if x.IsZero() && y.Sign() < 0 {
		return errZeroNegativePower()
	}
	var yi apd.Decimal
	integral := false
	if _, err := exactCtx.RoundToIntegralValue(&yi, y); err == nil && yi.Cmp(y) == 0 {
		integral = true
	}
	if x.Sign() < 0 && !integral {
		return errNegativeFractionalPower()
	}
	if x.IsZero() {
		if y.IsZero() {
			d.SetFinite(1, -max(numericMinSigDigits, dscale(x), dscale(y)))
			return nil
		}
		d.SetFinite(0, -max(numericMinSigDigits, dscale(x), dscale(y)))
		return nil
	}
	if integral {
		// power_var_int: at least 16 digits after the point, more if the base has them.
		if _, err := precisionCtx(int64(numericWorkingPrecision)).Pow(d, x, y); err != nil {
			return errNumericOverflow()
		}
		return roundTo(d, min(max(numericMinSigDigits, dscale(x)), numericMaxDisplayScale))
	}
	xf, _ := x.Float64()
	yf, _ := y.Float64()
	est := math.Abs(yf * math.Log10(math.Abs(xf)))
	if math.IsNaN(est) || math.IsInf(est, 0) {
		est = numericWorkingPrecision
	}
	if _, err := precisionCtx(int64(est)+16+int64(max(dscale(x), dscale(y)))).Pow(d, x, y); err != nil {
		return errNumericOverflow()
	}
	w := int32(0)
	if !d.IsZero() {
		w = int32(d.NumDigits()) + d.Exponent - 1
	}
	scale := max(numericMinSigDigits-w, dscale(x), dscale(y), numericMinDisplayScale)
	return roundTo(d, min(scale, numericMaxDisplayScale))
}
