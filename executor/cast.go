package executor

// Casts between sharehouse's types, with pg_cast's contexts and PostgreSQL's
// rounding, range and length rules. Casts to and from the string types use
// sqltype's text codecs, so `x::text` prints exactly what a client sees.
//
// A cast's result is always in the target type's default representation,
// to.Arrow(): callers that cast several inputs to one type get one Arrow type.

import (
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/decimal128"
	"github.com/cockroachdb/apd/v3"

	"github.com/sharehouse/sharehouse/executor/sqlstate"
	"github.com/sharehouse/sharehouse/executor/sqltype"
)

type kernel = func(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error)

// resolveCast returns the conversion of from to type to: implicit (in an
// expression) unless explicit (CAST or ::). 42846 if PostgreSQL has no such cast.
func resolveCast(from argInfo, to sqltype.T, explicit bool) (funcImpl, error) {
	ctx := castImplicit
	if explicit {
		ctx = castExplicit
	}
	return resolveCastIn(from, to, ctx)
}

// resolveAssignmentCast is resolveCast in assignment context (INSERT and
// UPDATE values): it also allows narrowing numbers and anything → text, and
// a too-long string is an error rather than truncated.
func resolveAssignmentCast(from argInfo, to sqltype.T) (funcImpl, error) {
	return resolveCastIn(from, to, castAssignment)
}

func resolveCastIn(from argInfo, to sqltype.T, ctx castContext) (funcImpl, error) {
	c, ok := castContextOf(from.T.OID, to.OID)
	if !ok || c > ctx {
		return funcImpl{}, sqlstate.Errorf(sqlstate.CannotCoerce, "cannot cast type %s to %s", from.T, to)
	}
	k, err := castKernel(from, to, ctx == castExplicit)
	if err != nil {
		return funcImpl{}, err
	}
	return funcImpl{Name: "cast", Args: []argInfo{from}, Result: infoOf(to), Eval: k}, nil
}

// castKernel builds the kernel converting from → to.
func castKernel(from argInfo, to sqltype.T, explicit bool) (kernel, error) {
	fo, tooid := from.T.OID, to.OID
	dt := to.Arrow()
	// Same representation and nothing to enforce: a relabel.
	if arrow.TypeEqual(from.DT, dt) && (fo == tooid || sameRepr(fo, tooid)) && !needsEnforce(from.T, to) {
		return func(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
			return retained(args[0]), nil
		}, nil
	}
	switch {
	case fo == sqltype.Unknown && isString(tooid):
		// 'abc'::varchar(2) truncates like any explicit string cast.
		return castStringToString(from.T, to, explicit), nil
	case (fo == sqltype.Unknown || isString(fo)) && !isString(tooid) && tooid != sqltype.JSON && tooid != sqltype.JSONB:
		return castFromText(from, to)
	case isString(tooid) || tooid == sqltype.JSON || tooid == sqltype.JSONB:
		// An unknown literal becomes text, then takes the modifier like a cast
		// from text: 'abcdef'::varchar(3) truncates.
		if isString(fo) || fo == sqltype.Unknown || fo == sqltype.JSON || fo == sqltype.JSONB {
			return castStringToString(from.T, to, explicit), nil
		}
		return castToText(from, to, explicit)
	case fo == sqltype.JSONB && jsonbScalarTarget(tooid):
		return jsonbScalarCast(to)
	case isInt(fo) && isInt(tooid):
		return castIntInt(fo, tooid), nil
	case isInt(fo) && isFloat(tooid):
		return castIntFloat(fo, tooid), nil
	case isFloat(fo) && isInt(tooid):
		return castFloatInt(fo, tooid), nil
	case isFloat(fo) && isFloat(tooid):
		return castFloatFloat(fo, tooid), nil
	case tooid == sqltype.Numeric && (isInt(fo) || fo == sqltype.Numeric):
		return castToNumeric(dt), nil
	case fo == sqltype.Numeric && isFloat(tooid):
		return castNumericFloat(tooid), nil
	case isFloat(fo) && tooid == sqltype.Numeric:
		return castFloatNumeric(fo, dt), nil
	case fo == sqltype.Numeric && isInt(tooid):
		return castNumericInt(tooid), nil
	case fo == sqltype.Bool && tooid == sqltype.Int4:
		return func(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
			a := args[0].(*array.Boolean)
			valid, nulls := andValidity(ec.mem, args, n)
			buf, out := newFixed[int32](ec.mem, n)
			for i := range out {
				out[i] = 0
				if a.Value(i) {
					out[i] = 1
				}
			}
			return makeArray(dt, n, valid, nulls, buf), nil
		}, nil
	case fo == sqltype.Int4 && tooid == sqltype.Bool:
		return func(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
			valid, nulls := andValidity(ec.mem, args, n)
			buf, out := newBits(ec.mem, n)
			for i, v := range values[int32](args[0]) {
				if v != 0 {
					out[i/8] |= 1 << (i % 8)
				}
			}
			return makeArray(dt, n, valid, nulls, buf), nil
		}, nil
	case category(fo) == 'N' && category(tooid) == 'N':
		return castOid(fo, tooid), nil
	case category(fo) == 'D' || fo == sqltype.Interval:
		if k := castDatetime(from.T, to); k != nil {
			return k, nil
		}
	}
	return nil, sqlstate.Errorf(sqlstate.CannotCoerce, "cannot cast type %s to %s", from.T, to)
}

// sameRepr: the string types, and the oid family, share one representation.
func sameRepr(a, b sqltype.OID) bool {
	if isString(a) && isString(b) {
		return a != sqltype.BPChar && b != sqltype.BPChar
	}
	// json and jsonb print as text; json to jsonb is a conversion (jsonb
	// normalizes), jsonb to json a relabel.
	return isOidFamily(a) && isOidFamily(b) || (a == sqltype.JSON || a == sqltype.JSONB) && (b == sqltype.Text || b == sqltype.JSON) ||
		a == sqltype.JSONB && b == sqltype.JSONB
}

// needsEnforce: a modifier of to that the value must be checked against.
func needsEnforce(from, to sqltype.T) bool {
	if to.Typmod < 0 {
		return false
	}
	if from.OID == to.OID && from.Typmod == to.Typmod {
		return false
	}
	switch to.OID {
	case sqltype.Varchar, sqltype.BPChar, sqltype.Numeric:
		return true
	case sqltype.Timestamp, sqltype.Timestamptz, sqltype.Time:
		return to.Typmod < 6
	}
	return false
}

// castIntInt widens, or narrows with PostgreSQL's range errors.
func castIntInt(from, to sqltype.OID) kernel {
	dt := sqltype.T{OID: to, Typmod: -1}.Arrow()
	return func(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
		a := args[0]
		switch from {
		case sqltype.Int2:
			return intConv[int16](ec, a, n, to, dt)
		case sqltype.Int4:
			return intConv[int32](ec, a, n, to, dt)
		}
		return intConv[int64](ec, a, n, to, dt)
	}
}

func intConv[F integer](ec *evalContext, a arrow.Array, n int, to sqltype.OID, dt arrow.DataType) (arrow.Array, error) {
	switch to {
	case sqltype.Int2:
		return mapFixedErr(ec.mem, dt, a, n, func(v F) (int16, error) {
			if int64(v) < math.MinInt16 || int64(v) > math.MaxInt16 {
				return 0, errIntRange(to)
			}
			return int16(v), nil
		})
	case sqltype.Int4:
		return mapFixedErr(ec.mem, dt, a, n, func(v F) (int32, error) {
			if int64(v) < math.MinInt32 || int64(v) > math.MaxInt32 {
				return 0, errIntRange(to)
			}
			return int32(v), nil
		})
	}
	return mapFixed(ec.mem, dt, a, n, func(v F) int64 { return int64(v) }), nil
}

func castIntFloat(from, to sqltype.OID) kernel {
	return func(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
		a := args[0]
		if to == sqltype.Float4 {
			switch from {
			case sqltype.Int2:
				return mapFixed(ec.mem, arrow.PrimitiveTypes.Float32, a, n, func(v int16) float32 { return float32(v) }), nil
			case sqltype.Int4:
				return mapFixed(ec.mem, arrow.PrimitiveTypes.Float32, a, n, func(v int32) float32 { return float32(v) }), nil
			}
			return mapFixed(ec.mem, arrow.PrimitiveTypes.Float32, a, n, func(v int64) float32 { return float32(v) }), nil
		}
		switch from {
		case sqltype.Int2:
			return mapFixed(ec.mem, arrow.PrimitiveTypes.Float64, a, n, func(v int16) float64 { return float64(v) }), nil
		case sqltype.Int4:
			return mapFixed(ec.mem, arrow.PrimitiveTypes.Float64, a, n, func(v int32) float64 { return float64(v) }), nil
		}
		return mapFixed(ec.mem, arrow.PrimitiveTypes.Float64, a, n, func(v int64) float64 { return float64(v) }), nil
	}
}

// castFloatInt rounds half to even (rint), as PostgreSQL's dtoi4.
func castFloatInt(from, to sqltype.OID) kernel {
	dt := sqltype.T{OID: to, Typmod: -1}.Arrow()
	lo, hi := intBounds(to)
	conv := func(f float64) (int64, error) {
		r := math.RoundToEven(f)
		// hi+1 is exact as a float; anything ≥ it, or NaN, is out of range.
		if math.IsNaN(r) || r < lo || r >= -lo {
			return 0, errIntRange(to)
		}
		_ = hi
		return int64(r), nil
	}
	return func(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
		a := args[0]
		if from == sqltype.Float4 {
			a2, err := mapFixedErr(ec.mem, arrow.PrimitiveTypes.Float64, a, n, func(v float32) (float64, error) { return float64(v), nil })
			if err != nil {
				return nil, err
			}
			defer a2.Release()
			a = a2
		}
		switch to {
		case sqltype.Int2:
			return mapFixedErr(ec.mem, dt, a, n, func(v float64) (int16, error) { r, err := conv(v); return int16(r), err })
		case sqltype.Int4:
			return mapFixedErr(ec.mem, dt, a, n, func(v float64) (int32, error) { r, err := conv(v); return int32(r), err })
		}
		return mapFixedErr(ec.mem, dt, a, n, conv)
	}
}

func intBounds(t sqltype.OID) (lo, hi float64) {
	switch t {
	case sqltype.Int2:
		return math.MinInt16, math.MaxInt16
	case sqltype.Int4:
		return math.MinInt32, math.MaxInt32
	}
	return math.MinInt64, math.MaxInt64
}

func castFloatFloat(from, to sqltype.OID) kernel {
	return func(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
		if from == sqltype.Float4 {
			return mapFixed(ec.mem, arrow.PrimitiveTypes.Float64, args[0], n, func(v float32) float64 { return float64(v) }), nil
		}
		return mapFixedErr(ec.mem, arrow.PrimitiveTypes.Float32, args[0], n, func(v float64) (float32, error) {
			r := float32(v)
			if math.IsInf(float64(r), 0) && !math.IsInf(v, 0) {
				return 0, errFloatOverflow()
			}
			if r == 0 && v != 0 {
				return 0, errFloatUnderflow()
			}
			return r, nil
		})
	}
}

// castToNumeric converts ints or numerics of any representation to dt,
// rounding to its scale and checking its precision.
func castToNumeric(dt arrow.DataType) kernel {
	return func(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
		// Fast path: Decimal128/int → Decimal128 with a scale at least as large.
		if td, ok := dt.(*arrow.Decimal128Type); ok {
			if x, sx, ok := decOperands(args[0]); ok && sx <= td.Scale {
				v := validityOf(args[0])
				bound := maxDec
				if td.Precision < maxDecimal128Precision {
					bound = pow10Num[td.Precision]
				}
				b := array.NewDecimal128Builder(ec.mem, td)
				defer b.Release()
				b.Reserve(n)
				for i := 0; i < n; i++ {
					if !v.valid(i) {
						b.AppendNull()
						continue
					}
					r, ok := decRescale(x[i], td.Scale-sx)
					if !ok || !r.Abs().Less(bound) {
						var d apd.Decimal
						decToApd(x[i], sx, &d)
						return nil, numericFieldOverflow(td.Precision, td.Scale, &d)
					}
					b.Append(r)
				}
				return b.NewArray(), nil
			}
		}
		r := newNumReader(args[0])
		var d apd.Decimal
		return rowwise(ec.mem, dt, args, n, func(b array.Builder, _ []arrow.Array, i int) error {
			if err := r.get(i, &d); err != nil {
				return err
			}
			return appendNum(b, &d)
		})
	}
}

func castNumericFloat(to sqltype.OID) kernel {
	return func(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
		f64, err := numericToFloat64(ec, args[0], n)
		if err != nil || to == sqltype.Float8 {
			return f64, err
		}
		defer f64.Release()
		return castFloatFloat(sqltype.Float8, sqltype.Float4)(ec, []arrow.Array{f64}, n)
	}
}

func numericToFloat64(ec *evalContext, a arrow.Array, n int) (arrow.Array, error) {
	valid, nulls := andValidity(ec.mem, []arrow.Array{a}, n)
	buf, out := newFixed[float64](ec.mem, n)
	switch a := a.(type) {
	case *array.Decimal128:
		s := a.DataType().(*arrow.Decimal128Type).Scale
		for i, v := range a.Values() {
			out[i] = decToFloat(v, s)
		}
	case *array.String:
		for i := range out {
			if a.IsNull(i) {
				continue
			}
			f, err := strconv.ParseFloat(a.Value(i), 64)
			if err != nil && !math.IsInf(f, 0) {
				buf.Release()
				if valid != nil {
					valid.Release()
				}
				return nil, sqlstate.Errorf(sqlstate.InvalidTextRepresentation, "invalid input syntax for type double precision: \"%s\"", a.Value(i))
			}
			out[i] = f
		}
	default:
		buf.Release()
		return nil, internalf("numericToFloat64: %T", a)
	}
	return makeArray(arrow.PrimitiveTypes.Float64, n, valid, nulls, buf), nil
}

// decToFloat is correctly rounded (via the decimal text), as numeric_float8.
func decToFloat(v decimal128.Num, scale int32) float64 {
	if v.HighBits() == 0 && v.LowBits() < 1<<53 && scale == 0 {
		return float64(v.LowBits())
	}
	f, _ := strconv.ParseFloat(v.ToString(scale), 64)
	return f
}

// castFloatNumeric is float8_numeric: the float printed with DBL_DIG (15)
// significant digits, or FLT_DIG (6) for float4, then read as numeric.
func castFloatNumeric(from sqltype.OID, dt arrow.DataType) kernel {
	digits := 15
	if from == sqltype.Float4 {
		digits = 6
	}
	return func(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
		var f32 []float32
		var f64 []float64
		if from == sqltype.Float4 {
			f32 = values[float32](args[0])
		} else {
			f64 = values[float64](args[0])
		}
		var d apd.Decimal
		return rowwise(ec.mem, dt, args, n, func(b array.Builder, _ []arrow.Array, i int) error {
			var f float64
			bitsz := 64
			if f32 != nil {
				f, bitsz = float64(f32[i]), 32
			} else {
				f = f64[i]
			}
			switch {
			case math.IsNaN(f):
				d.Form = apd.NaN
			case math.IsInf(f, 1):
				d.Form, d.Negative = apd.Infinite, false
			case math.IsInf(f, -1):
				d.Form, d.Negative = apd.Infinite, true
			default:
				if _, _, err := d.SetString(strconv.FormatFloat(f, 'g', digits, bitsz)); err != nil {
					return err
				}
				if d.Exponent > 0 { // 1e+20 is stored with scale 0
					if err := quantize(&d, 0, apd.RoundHalfUp); err != nil {
						return err
					}
				}
			}
			return appendNum(b, &d)
		})
	}
}

// castNumericInt rounds half away from zero, as numeric_int4.
func castNumericInt(to sqltype.OID) kernel {
	dt := sqltype.T{OID: to, Typmod: -1}.Arrow()
	lo, hi := intBounds(to)
	return func(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
		r := newNumReader(args[0])
		v := validityOf(args[0])
		out := make([]int64, n)
		var d apd.Decimal
		for i := 0; i < n; i++ {
			if !v.valid(i) {
				continue
			}
			if err := r.get(i, &d); err != nil {
				return nil, err
			}
			switch {
			case d.Form == apd.NaN:
				return nil, errUnsupported("cannot convert NaN to %s", sqltype.T{OID: to, Typmod: -1})
			case d.Form == apd.Infinite:
				return nil, errUnsupported("cannot convert infinity to %s", sqltype.T{OID: to, Typmod: -1})
			}
			if err := roundTo(&d, 0); err != nil {
				return nil, errIntRange(to)
			}
			x, err := d.Int64()
			if err != nil || float64(x) < lo || float64(x) > hi {
				return nil, errIntRange(to)
			}
			out[i] = x
		}
		valid, nulls := andValidity(ec.mem, args, n)
		switch to {
		case sqltype.Int2:
			buf, o := newFixed[int16](ec.mem, n)
			for i, x := range out {
				o[i] = int16(x)
			}
			return makeArray(dt, n, valid, nulls, buf), nil
		case sqltype.Int4:
			buf, o := newFixed[int32](ec.mem, n)
			for i, x := range out {
				o[i] = int32(x)
			}
			return makeArray(dt, n, valid, nulls, buf), nil
		}
		buf, o := newFixed[int64](ec.mem, n)
		copy(o, out)
		return makeArray(dt, n, valid, nulls, buf), nil
	}
}

// castOid converts between ints and the oid family (uint32).
func castOid(from, to sqltype.OID) kernel {
	dt := sqltype.T{OID: to, Typmod: -1}.Arrow()
	toOid := dt.ID() == arrow.UINT32
	return func(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
		a := args[0]
		if toOid {
			conv := func(v int64) (uint32, error) {
				if v < math.MinInt32 || v > math.MaxUint32 {
					return 0, sqlstate.Errorf(sqlstate.NumericValueOutOfRange, "OID out of range")
				}
				return uint32(v), nil
			}
			switch from {
			case sqltype.Int2:
				return mapFixedErr(ec.mem, dt, a, n, func(v int16) (uint32, error) { return conv(int64(v)) })
			case sqltype.Int4:
				return mapFixedErr(ec.mem, dt, a, n, func(v int32) (uint32, error) { return conv(int64(v)) })
			case sqltype.Int8:
				return mapFixedErr(ec.mem, dt, a, n, conv)
			}
			return retained(a), nil
		}
		switch to {
		case sqltype.Int4:
			return mapFixed(ec.mem, dt, a, n, func(v uint32) int32 { return int32(v) }), nil
		case sqltype.Int8:
			return mapFixed(ec.mem, dt, a, n, func(v uint32) int64 { return int64(v) }), nil
		}
		return nil, sqlstate.Errorf(sqlstate.CannotCoerce, "cannot cast type %s to %s", sqltype.T{OID: from, Typmod: -1}, sqltype.T{OID: to, Typmod: -1})
	}
}

// castFromText parses text (or an unknown literal) with the type's input
// function.
func castFromText(from argInfo, to sqltype.T) (kernel, error) {
	dt := to.Arrow()
	if _, err := sqltype.TextDecoder(to, dt, sqltype.Format{}); err != nil {
		return nil, sqlstate.Errorf(sqlstate.CannotCoerce, "cannot cast type %s to %s", from.T, to)
	}
	bpchar := from.T.OID == sqltype.BPChar
	return func(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
		dec, err := sqltype.TextDecoder(to, dt, ec.format)
		if err != nil {
			return nil, err
		}
		s, ok := args[0].(*array.String)
		if !ok {
			return nil, internalf("castFromText: %T", args[0])
		}
		var scratch []byte
		return rowwise(ec.mem, dt, args, n, func(b array.Builder, _ []arrow.Array, i int) error {
			v := s.Value(i)
			if bpchar {
				v = strings.TrimRight(v, " ")
			}
			scratch = append(scratch[:0], v...)
			if err := dec(b, scratch); err != nil {
				return sqlstate.Wrap(err, sqlstate.InvalidTextRepresentation,
					"invalid input syntax for type "+baseName(to)+": \""+v+"\"")
			}
			return nil
		})
	}, nil
}

// castToText prints values with the type's output function, then applies
// varchar(n)/char(n) rules.
func castToText(from argInfo, to sqltype.T, explicit bool) (kernel, error) {
	if _, err := sqltype.TextEncoder(from.T, from.DT, sqltype.Format{}); err != nil {
		return nil, sqlstate.Errorf(sqlstate.CannotCoerce, "cannot cast type %s to %s", from.T, to)
	}
	fit := fitString(to, explicit)
	isBool := from.T.OID == sqltype.Bool
	return func(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
		enc, err := sqltype.TextEncoder(from.T, from.DT, ec.format)
		if err != nil {
			return nil, err
		}
		var buf []byte
		return rowwise(ec.mem, arrow.BinaryTypes.String, args, n, func(b array.Builder, args []arrow.Array, i int) error {
			var s string
			if isBool {
				// bool's cast to text is booltext ("true"), not boolout ("t").
				s = "false"
				if args[0].(*array.Boolean).Value(i) {
					s = "true"
				}
			} else {
				buf = enc(buf[:0], args[0], i)
				s = string(buf)
			}
			s, err := fit(s)
			if err != nil {
				return err
			}
			b.(*array.StringBuilder).Append(s)
			return nil
		})
	}, nil
}

// castStringToString converts among text, varchar(n), char(n) and name.
func castStringToString(from, to sqltype.T, explicit bool) kernel {
	fit := fitString(to, explicit)
	trim := from.OID == sqltype.BPChar && to.OID != sqltype.BPChar
	return func(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
		s := args[0].(*array.String)
		return rowwise(ec.mem, arrow.BinaryTypes.String, args, n, func(b array.Builder, _ []arrow.Array, i int) error {
			v := s.Value(i)
			if trim {
				v = strings.TrimRight(v, " ")
			}
			v, err := fit(v)
			if err != nil {
				return err
			}
			b.(*array.StringBuilder).Append(v)
			return nil
		})
	}
}

// fitString returns the function that makes a string fit type t:
// varchar(n) and char(n) truncate on an explicit cast and otherwise fail
// unless only spaces are cut; char(n) pads; name cuts at 63 bytes.
func fitString(t sqltype.T, explicit bool) func(string) (string, error) {
	switch t.OID {
	case sqltype.Name:
		return func(s string) (string, error) {
			if len(s) > 63 {
				s = s[:63]
				for !utf8.ValidString(s) {
					s = s[:len(s)-1]
				}
			}
			return s, nil
		}
	case sqltype.Char:
		return func(s string) (string, error) {
			if len(s) > 1 {
				return s[:1], nil
			}
			return s, nil
		}
	case sqltype.JSON:
		return func(s string) (string, error) { return s, sqltype.ValidJSON([]byte(s)) }
	case sqltype.JSONB:
		return func(s string) (string, error) {
			out, err := sqltype.NormalizeJSONB([]byte(s))
			return string(out), err
		}
	}
	limit, ok := t.CharLength()
	if !ok {
		return func(s string) (string, error) { return s, nil }
	}
	pad := t.OID == sqltype.BPChar
	return func(s string) (string, error) {
		nc := utf8.RuneCountInString(s)
		if nc > limit {
			cut := runePrefix(s, limit)
			if !explicit && strings.TrimLeft(s[len(cut):], " ") != "" {
				return "", sqlstate.Errorf(sqlstate.StringDataRightTruncation, "value too long for type %s", t)
			}
			return cut, nil
		}
		if pad && nc < limit {
			return s + strings.Repeat(" ", limit-nc), nil
		}
		return s, nil
	}
}

// runePrefix returns the first n characters of s.
func runePrefix(s string, n int) string {
	i := 0
	for j := range s {
		if i == n {
			return s[:j]
		}
		i++
	}
	return s
}

// Date and time conversions. A date is days since 1970-01-01; timestamps
// are microseconds since 1970-01-01 00:00 (UTC for timestamptz, wall clock
// for timestamp). The extreme values stand for ±infinity and stay so.

const usPerDay = 86_400_000_000

func castDatetime(from, to sqltype.T) kernel {
	fo, tooid := from.OID, to.OID
	tdt := to.Arrow()
	switch {
	case fo == sqltype.Date && (tooid == sqltype.Timestamp || tooid == sqltype.Timestamptz):
		return func(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
			loc := ecLocation(ec)
			return mapFixedErr(ec.mem, tdt, args[0], n, func(d int32) (int64, error) {
				if d == math.MaxInt32 {
					return math.MaxInt64, nil
				}
				if d == math.MinInt32 {
					return math.MinInt64, nil
				}
				us := int64(d) * usPerDay
				if tooid == sqltype.Timestamptz {
					return localToUTC(us, loc), nil
				}
				return us, nil
			})
		}
	case (fo == sqltype.Timestamp || fo == sqltype.Timestamptz) && tooid == sqltype.Date:
		return func(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
			loc := ecLocation(ec)
			return mapFixedErr(ec.mem, tdt, args[0], n, func(us int64) (int32, error) {
				if us == math.MaxInt64 {
					return math.MaxInt32, nil
				}
				if us == math.MinInt64 {
					return math.MinInt32, nil
				}
				if fo == sqltype.Timestamptz {
					us = utcToLocal(us, loc)
				}
				return int32(floorDiv64(us, usPerDay)), nil
			})
		}
	case fo == sqltype.Timestamp && tooid == sqltype.Timestamptz, fo == sqltype.Timestamptz && tooid == sqltype.Timestamp,
		fo == tooid && (fo == sqltype.Timestamp || fo == sqltype.Timestamptz):
		prec := to.Typmod
		return func(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
			loc := ecLocation(ec)
			return mapFixedErr(ec.mem, tdt, args[0], n, func(us int64) (int64, error) {
				if us == math.MaxInt64 || us == math.MinInt64 {
					return us, nil
				}
				switch {
				case fo == sqltype.Timestamp && tooid == sqltype.Timestamptz:
					us = localToUTC(us, loc)
				case fo == sqltype.Timestamptz && tooid == sqltype.Timestamp:
					us = utcToLocal(us, loc)
				}
				return roundMicros(us, prec), nil
			})
		}
	case (fo == sqltype.Timestamp || fo == sqltype.Timestamptz) && tooid == sqltype.Time:
		return func(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
			loc := ecLocation(ec)
			return mapFixed(ec.mem, tdt, args[0], n, func(us int64) int64 {
				if fo == sqltype.Timestamptz {
					us = utcToLocal(us, loc)
				}
				return us - floorDiv64(us, usPerDay)*usPerDay
			}), nil
		}
	case fo == sqltype.Time && tooid == sqltype.Interval:
		return func(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
			b := array.NewMonthDayNanoIntervalBuilder(ec.mem)
			defer b.Release()
			t := values[int64](args[0])
			v := validityOf(args[0])
			for i := 0; i < n; i++ {
				if !v.valid(i) {
					b.AppendNull()
					continue
				}
				b.Append(arrow.MonthDayNanoInterval{Nanoseconds: t[i] * 1000})
			}
			return b.NewArray(), nil
		}
	case fo == sqltype.Interval && tooid == sqltype.Time:
		return func(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
			buf, out := newFixed[int64](ec.mem, n)
			valid, nulls := andValidity(ec.mem, args, n)
			for i, iv := range args[0].(*array.MonthDayNanoInterval).MonthDayNanoIntervalValues() {
				us := iv.Nanoseconds / 1000
				out[i] = us - floorDiv64(us, usPerDay)*usPerDay
			}
			return makeArray(tdt, n, valid, nulls, buf), nil
		}
	case fo == sqltype.Time && tooid == sqltype.Time:
		prec := to.Typmod
		return func(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
			return mapFixed(ec.mem, tdt, args[0], n, func(us int64) int64 { return roundMicros(us, prec) }), nil
		}
	}
	return nil
}

// roundMicros rounds to prec fractional digits (prec < 0 or ≥ 6: unchanged),
// half away from zero as PostgreSQL's AdjustTimestampForTypmod.
func roundMicros(us int64, prec int32) int64 {
	if prec < 0 || prec >= 6 {
		return us
	}
	unit := int64(math.Pow10(int(6 - prec)))
	if us >= 0 {
		return (us + unit/2) / unit * unit
	}
	return -((-us + unit/2) / unit * unit)
}

func floorDiv64(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// ecLocation is the session time zone (UTC when unset).
func ecLocation(ec *evalContext) *time.Location {
	if ec != nil && ec.format.Location != nil {
		return ec.format.Location
	}
	return time.UTC
}

// localToUTC interprets wall-clock µs in loc and returns UTC µs.
func localToUTC(us int64, loc *time.Location) int64 {
	if loc == time.UTC {
		return us
	}
	t := time.UnixMicro(us).UTC()
	lt := time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), loc)
	return lt.UnixMicro()
}

// utcToLocal returns the wall-clock µs in loc of the UTC instant us.
func utcToLocal(us int64, loc *time.Location) int64 {
	if loc == time.UTC {
		return us
	}
	_, off := time.UnixMicro(us).In(loc).Zone()
	return us + int64(off)*1_000_000
}
