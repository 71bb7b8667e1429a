package executor

// Operator and function resolution: PostgreSQL's rules, cut down to the
// types sharehouse has. An unknown-typed literal takes the other operand's
// type (x = '5'); a function call picks the overload with the most exact
// argument matches, then the one that casts to preferred types (float8,
// text), so round(5) is round(float8) and length('abc') is length(text).

import (
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/bitutil"

	"github.com/sharehouse/sharehouse/executor/sqltype"
)

// canonicalOp maps operator spellings to one name.
func canonicalOp(op string) string {
	switch u := strings.ToUpper(strings.TrimSpace(op)); u {
	case "!=":
		return "<>"
	case "~~":
		return "LIKE"
	case "!~~":
		return "NOT LIKE"
	case "~~*":
		return "ILIKE"
	case "!~~*":
		return "NOT ILIKE"
	default:
		return u
	}
}

// resolveOperator resolves a binary operator.
func resolveOperator(op string, left, right argInfo) (funcImpl, error) {
	op = canonicalOp(op)
	l, r := left, right
	lu, ru := l.T.OID == sqltype.Unknown, r.T.OID == sqltype.Unknown
	switch {
	case lu && ru:
		l, r = textInfo, textInfo
	case lu:
		l = unknownPeer(op, r, true)
	case ru:
		r = unknownPeer(op, l, false)
	}
	f, err := resolveBinary(op, l, r)
	if err != nil && (lu || ru) && (op == "+" || op == "-") {
		// timestamp + '1 day': no timestamp + timestamp, so the literal is
		// the interval of the only candidate.
		if lu && category(r.T.OID) == 'D' && op == "+" {
			return resolveBinary(op, infoOf(sqltype.IntervalT), r)
		}
		if ru && (l.T.OID == sqltype.Timestamp || l.T.OID == sqltype.Timestamptz) {
			return resolveBinary(op, l, infoOf(sqltype.IntervalT))
		}
	}
	if err != nil {
		return funcImpl{}, err
	}
	// Report the operator as written on the original argument types.
	return f, nil
}

// unknownPeer is the type an unknown literal takes next to typed operand t.
func unknownPeer(op string, t argInfo, _ bool) argInfo {
	if p, ok := jsonOperandPeer(op, t); ok {
		return p
	}
	switch op {
	case "->", "->>":
		return textInfo // a json field's key
	case "||", "LIKE", "NOT LIKE", "ILIKE", "NOT ILIKE", "~", "!~", "~*", "!~*":
		if t.T.OID == sqltype.Bytea {
			return t
		}
		return textInfo
	}
	if isString(t.T.OID) {
		return textInfo
	}
	if t.T.OID == sqltype.Numeric {
		return infoOf(sqltype.NumericT)
	}
	return infoOf(sqltype.T{OID: t.T.OID, Typmod: -1})
}

func resolveBinary(op string, l, r argInfo) (funcImpl, error) {
	if f, ok := resolveJSONOp(op, l, r); ok {
		return f, nil
	}
	if f, ok := resolveArrayOp(op, l, r); ok {
		return f, nil
	}
	lo, ro := l.T.OID, r.T.OID
	switch op {
	case "+", "-", "*", "/", "%", "^":
		if isNumberish(lo) && isNumberish(ro) {
			return resolveArith(op, l, r)
		}
		if f, ok, err := resolveDatetimeOp(op, l, r); ok || err != nil {
			return f, err
		}
	case "=", "<>", "<", "<=", ">", ">=":
		return resolveCompare(op, l, r)
	case "||":
		return resolveConcatOp(l, r)
	case "->", "->>":
		if f, ok := resolveJSONGet(op, l, r); ok {
			return f, nil
		}
	case "LIKE", "NOT LIKE", "ILIKE", "NOT ILIKE":
		if isString(lo) && isString(ro) {
			fold := strings.Contains(op, "ILIKE")
			neg := strings.HasPrefix(op, "NOT")
			return funcImpl{Name: op, Args: []argInfo{textArg(l), textArg(r)}, Result: boolInfo, Eval: likeKernel(fold, neg)}, nil
		}
	case "~", "!~", "~*", "!~*":
		if isString(lo) && isString(ro) {
			fold := strings.HasSuffix(op, "*")
			neg := strings.HasPrefix(op, "!")
			return funcImpl{Name: op, Args: []argInfo{textArg(l), textArg(r)}, Result: boolInfo, Eval: regexKernel(fold, neg)}, nil
		}
	case "AND", "OR":
		if lo == sqltype.Bool && ro == sqltype.Bool {
			return funcImpl{Name: op, Args: []argInfo{boolInfo, boolInfo}, Result: boolInfo, Eval: logicKernel(op == "AND"), NonStrict: true}, nil
		}
	case "&", "|", "#", "<<", ">>":
		if isInt(lo) && isInt(ro) {
			return resolveBitwise(op, l, r)
		}
	}
	return funcImpl{}, errNoOperator(op, l, r)
}

// resolveUnaryOperator resolves a prefix operator: - + NOT @ |/ ||/ ~.
func resolveUnaryOperator(op string, arg argInfo) (funcImpl, error) {
	op = canonicalOp(op)
	a := arg
	if a.T.OID == sqltype.Unknown {
		switch op {
		case "NOT":
			a = boolInfo
		case "-", "+", "@", "|/", "||/":
			a = f8Info
		}
	}
	o := a.T.OID
	switch op {
	case "+":
		if isNumberish(o) || o == sqltype.Interval {
			return funcImpl{Name: "+", Args: []argInfo{a}, Result: a, Eval: func(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
				return retained(args[0]), nil
			}}, nil
		}
	case "-":
		switch {
		case isInt(o), isFloat(o):
			return funcImpl{Name: "-", Args: []argInfo{a}, Result: a, Eval: negKernel(o)}, nil
		case o == sqltype.Numeric:
			res := numericInfo(-1)
			if isDecOrInt(a) {
				res = numericInfo(operandScale(a))
			}
			return funcImpl{Name: "-", Args: []argInfo{a}, Result: res, Eval: numUnary(res.DT, numNeg)}, nil
		case o == sqltype.Interval:
			return funcImpl{Name: "-", Args: []argInfo{a}, Result: a, Eval: intervalNeg}, nil
		}
	case "@":
		if isNumberish(o) {
			return resolveFunction("abs", []argInfo{a})
		}
	case "|/":
		if isNumberish(o) {
			return resolveFunction("sqrt", []argInfo{f8Info})
		}
	case "||/":
		if isNumberish(o) {
			return resolveFunction("cbrt", []argInfo{f8Info})
		}
	case "NOT":
		if o == sqltype.Bool {
			return funcImpl{Name: "NOT", Args: []argInfo{boolInfo}, Result: boolInfo, Eval: notKernel}, nil
		}
	case "~":
		if isInt(o) {
			return funcImpl{Name: "~", Args: []argInfo{a}, Result: a, Eval: bitNotKernel(o)}, nil
		}
	}
	return funcImpl{}, errNoOperator(op, arg)
}

// logicKernel is AND / OR with three-valued logic: FALSE AND NULL is FALSE,
// TRUE OR NULL is TRUE, otherwise NULL in gives NULL out.
func logicKernel(and bool) kernel {
	return func(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
		x, y := args[0].(*array.Boolean), args[1].(*array.Boolean)
		vb, ob := newBits(ec.mem, n)
		validBuf, valid := newBits(ec.mem, n)
		nulls := 0
		for i := 0; i < n; i++ {
			xn, yn := x.IsNull(i), y.IsNull(i)
			xv, yv := !xn && x.Value(i), !yn && y.Value(i)
			var val, known bool
			if and {
				switch {
				case (!xn && !xv) || (!yn && !yv):
					val, known = false, true
				case xn || yn:
					known = false
				default:
					val, known = true, true
				}
			} else {
				switch {
				case xv || yv:
					val, known = true, true
				case xn || yn:
					known = false
				default:
					val, known = false, true
				}
			}
			if !known {
				nulls++
				continue
			}
			bitutil.SetBit(valid, i)
			if val {
				bitutil.SetBit(ob, i)
			}
		}
		if nulls == 0 {
			validBuf.Release()
			validBuf = nil
		}
		return makeArray(arrow.FixedWidthTypes.Boolean, n, validBuf, nulls, vb), nil
	}
}

func notKernel(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
	x := args[0].(*array.Boolean)
	valid, nulls := andValidity(ec.mem, args, n)
	buf, out := newBits(ec.mem, n)
	for i := 0; i < n; i++ {
		if !x.Value(i) {
			bitutil.SetBit(out, i)
		}
	}
	return makeArray(arrow.FixedWidthTypes.Boolean, n, valid, nulls, buf), nil
}

func negKernel(o sqltype.OID) kernel {
	dt := sqltype.T{OID: o, Typmod: -1}.Arrow()
	return func(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
		a := args[0]
		switch o {
		case sqltype.Int2:
			return mapFixedErr(ec.mem, dt, a, n, func(v int16) (int16, error) {
				if v == minInt[int16]() {
					return 0, errIntRange(o)
				}
				return -v, nil
			})
		case sqltype.Int4:
			return mapFixedErr(ec.mem, dt, a, n, func(v int32) (int32, error) {
				if v == minInt[int32]() {
					return 0, errIntRange(o)
				}
				return -v, nil
			})
		case sqltype.Int8:
			return mapFixedErr(ec.mem, dt, a, n, func(v int64) (int64, error) {
				if v == minInt[int64]() {
					return 0, errIntRange(o)
				}
				return -v, nil
			})
		case sqltype.Float4:
			return mapFixed(ec.mem, dt, a, n, func(v float32) float32 { return -v }), nil
		}
		return mapFixed(ec.mem, dt, a, n, func(v float64) float64 { return -v }), nil
	}
}

func resolveBitwise(op string, l, r argInfo) (funcImpl, error) {
	if op == "<<" || op == ">>" {
		ri := int4Info
		res := infoOf(sqltype.T{OID: l.T.OID, Typmod: -1})
		return funcImpl{Name: op, Args: []argInfo{res, ri}, Result: res, Eval: func(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
			sh := values[int32](args[1])
			switch l.T.OID {
			case sqltype.Int2:
				return shiftInts[int16](ec, args[0], sh, n, op == "<<", res.DT), nil
			case sqltype.Int4:
				return shiftInts[int32](ec, args[0], sh, n, op == "<<", res.DT), nil
			}
			return shiftInts[int64](ec, args[0], sh, n, op == "<<", res.DT), nil
		}}, nil
	}
	t := l.T.OID
	if intRank(r.T.OID) > intRank(t) {
		t = r.T.OID
	}
	ti := infoOf(sqltype.T{OID: t, Typmod: -1})
	return funcImpl{Name: op, Args: []argInfo{ti, ti}, Result: ti, Eval: func(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
		switch t {
		case sqltype.Int2:
			return zipFixed(ec.mem, ti.DT, args[0], args[1], n, bitOp[int16](op)), nil
		case sqltype.Int4:
			return zipFixed(ec.mem, ti.DT, args[0], args[1], n, bitOp[int32](op)), nil
		}
		return zipFixed(ec.mem, ti.DT, args[0], args[1], n, bitOp[int64](op)), nil
	}}, nil
}

func bitOp[T integer](op string) func(a, b T) T {
	switch op {
	case "&":
		return func(a, b T) T { return a & b }
	case "|":
		return func(a, b T) T { return a | b }
	}
	return func(a, b T) T { return a ^ b }
}

func shiftInts[T integer](ec *evalContext, a arrow.Array, sh []int32, n int, left bool, dt arrow.DataType) arrow.Array {
	valid, nulls := andValidity(ec.mem, []arrow.Array{a}, n)
	buf, out := newFixed[T](ec.mem, n)
	in := values[T](a)
	for i := range out {
		s := uint(sh[i]) & 63
		if left {
			out[i] = in[i] << s
		} else {
			out[i] = in[i] >> s
		}
	}
	return makeArray(dt, n, valid, nulls, buf)
}

func bitNotKernel(o sqltype.OID) kernel {
	dt := sqltype.T{OID: o, Typmod: -1}.Arrow()
	return func(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
		switch o {
		case sqltype.Int2:
			return mapFixed(ec.mem, dt, args[0], n, func(v int16) int16 { return ^v }), nil
		case sqltype.Int4:
			return mapFixed(ec.mem, dt, args[0], n, func(v int32) int32 { return ^v }), nil
		}
		return mapFixed(ec.mem, dt, args[0], n, func(v int64) int64 { return ^v }), nil
	}
}

// Functions.

// pAny is a parameter that takes any type as is.
const pAny sqltype.OID = 0

// overload is one signature of a function.
type overload struct {
	params   []sqltype.OID
	variadic bool // the last parameter repeats (one or more)
	// result gives the result type from the coerced arguments.
	result func(args []argInfo) argInfo
	// kernel builds the evaluation for the coerced arguments.
	kernel    func(args []argInfo) kernel
	volatile  bool
	nonStrict bool
}

func fixedResult(t sqltype.T) func([]argInfo) argInfo {
	info := infoOf(t)
	return func([]argInfo) argInfo { return info }
}

func ov(params []sqltype.OID, res sqltype.T, k kernel) overload {
	return overload{params: params, result: fixedResult(res), kernel: func([]argInfo) kernel { return k }}
}

func params(p ...sqltype.OID) []sqltype.OID { return p }

// functionTable maps a lower-case name to its overloads, in preference order.
func functionTable(name string) []overload {
	if o := stringFunctions(name); o != nil {
		return o
	}
	if o := mathFunctions(name); o != nil {
		return o
	}
	if o := jsonFunctions(name); o != nil {
		return o
	}
	return datetimeFunctions(name)
}

// resolveFunction resolves a function call by its lower-case name.
func resolveFunction(name string, args []argInfo) (funcImpl, error) {
	name = strings.ToLower(strings.TrimPrefix(name, "pg_catalog."))
	cands := functionTable(name)
	if cands == nil {
		return funcImpl{}, errNoFunction(name, args)
	}
	best, bestExact, bestPref := -1, -1, -1
	for ci, o := range cands {
		ps, ok := expandParams(o, len(args))
		if !ok {
			continue
		}
		exact, pref, ok := 0, 0, true
		for i, a := range args {
			p := ps[i]
			switch {
			case p == pAny || a.T.OID == p:
				exact++
			case a.T.OID == sqltype.Unknown:
				if category(p) == 'S' {
					pref++
				}
			case canCoerce(a.T.OID, p, castImplicit):
				if preferred(p) {
					pref++
				}
			default:
				ok = false
			}
		}
		if !ok {
			continue
		}
		if exact > bestExact || exact == bestExact && pref > bestPref {
			best, bestExact, bestPref = ci, exact, pref
		}
	}
	if best < 0 {
		return funcImpl{}, errNoFunction(name, args)
	}
	o := cands[best]
	ps, _ := expandParams(o, len(args))
	coerced := make([]argInfo, len(args))
	for i, a := range args {
		coerced[i] = coerceArg(a, ps[i])
	}
	return funcImpl{
		Name:      name,
		Args:      coerced,
		Result:    o.result(coerced),
		Eval:      o.kernel(coerced),
		Volatile:  o.volatile,
		NonStrict: o.nonStrict,
	}, nil
}

func expandParams(o overload, n int) ([]sqltype.OID, bool) {
	if !o.variadic {
		return o.params, len(o.params) == n
	}
	if n < len(o.params) {
		return nil, false
	}
	ps := append([]sqltype.OID{}, o.params...)
	for len(ps) < n {
		ps = append(ps, o.params[len(o.params)-1])
	}
	return ps, true
}

// coerceArg is the type the binder casts argument a to for parameter p.
// Numeric parameters take ints and numerics as they are (kernels read any
// representation); text parameters take varchar and name as they are.
func coerceArg(a argInfo, p sqltype.OID) argInfo {
	switch {
	case p == pAny:
		if a.T.OID == sqltype.Unknown {
			return textInfo
		}
		return a
	case p == sqltype.Text:
		return textArg(a)
	case p == sqltype.Numeric && (isInt(a.T.OID) || a.T.OID == sqltype.Numeric):
		return a
	case a.T.OID == p:
		return a
	}
	return infoOf(sqltype.T{OID: p, Typmod: -1})
}
