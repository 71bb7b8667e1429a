package executor

// Comparison operators = <> < <= > >= on every comparable type.

import (
	"bytes"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/bitutil"
	"github.com/apache/arrow/go/v17/arrow/decimal128"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/cockroachdb/apd/v3"

	"github.com/sharehouse/sharehouse/executor/sqltype"
)

// cmpMask has bit c+1 set for each result c of a three-way comparison that
// makes the operator true.
func cmpMask(op string) (uint8, bool) {
	switch op {
	case "=":
		return 1 << 1, true
	case "<>":
		return 1<<0 | 1<<2, true
	case "<":
		return 1 << 0, true
	case "<=":
		return 1<<0 | 1<<1, true
	case ">":
		return 1 << 2, true
	case ">=":
		return 1<<1 | 1<<2, true
	}
	return 0, false
}

// cmpKind says how two coerced operands compare.
type cmpKind int

const (
	cmpInt16 cmpKind = iota
	cmpInt32
	cmpInt64
	cmpUint32
	cmpFloat32
	cmpFloat64
	cmpNumeric
	cmpText
	cmpBPChar
	cmpBool
	cmpDate
	cmpTime // timestamp, timestamptz, time: int64 µs
	cmpInterval
	cmpBytes
)

// resolveCompare picks the comparison type of l and r as PostgreSQL's
// operator resolution would, and the argument casts it needs.
func resolveCompare(op string, l, r argInfo) (funcImpl, error) {
	mask, _ := cmpMask(op)
	lo, ro := l.T.OID, r.T.OID
	same := func(t sqltype.T, k cmpKind) (funcImpl, error) {
		ti := infoOf(t)
		return funcImpl{Name: op, Args: []argInfo{ti, ti}, Result: infoOf(sqltype.BoolT), Eval: cmpEval(k, mask), EvalConst: cmpConstEval(k, mask)}, nil
	}
	switch {
	case isOidFamily(lo) && (isOidFamily(ro) || isInt(ro)) || isOidFamily(ro) && isInt(lo):
		return same(sqltype.OidT, cmpUint32)
	case isInt(lo) && isInt(ro):
		t := lo
		if intRank(ro) > intRank(lo) {
			t = ro
		}
		k := map[sqltype.OID]cmpKind{sqltype.Int2: cmpInt16, sqltype.Int4: cmpInt32, sqltype.Int8: cmpInt64}[t]
		return same(sqltype.T{OID: t, Typmod: -1}, k)
	case isNumberish(lo) && isNumberish(ro):
		if isFloat(lo) || isFloat(ro) {
			if lo == sqltype.Float4 && ro == sqltype.Float4 {
				return same(sqltype.Float4T, cmpFloat32)
			}
			return same(sqltype.Float8T, cmpFloat64)
		}
		// numeric with numeric or int: compared in their own representations.
		return funcImpl{Name: op, Args: []argInfo{l, r}, Result: infoOf(sqltype.BoolT), Eval: cmpEval(cmpNumeric, mask)}, nil
	case isString(lo) && isString(ro):
		if lo == sqltype.BPChar && ro == sqltype.BPChar {
			return funcImpl{Name: op, Args: []argInfo{l, r}, Result: infoOf(sqltype.BoolT), Eval: cmpEval(cmpBPChar, mask)}, nil
		}
		if lo != sqltype.BPChar && ro != sqltype.BPChar {
			// varchar, name and text share text's representation: no cast.
			return funcImpl{Name: op, Args: []argInfo{l, r}, Result: infoOf(sqltype.BoolT), Eval: cmpEval(cmpText, mask)}, nil
		}
		return same(sqltype.TextT, cmpText)
	case lo == sqltype.Bool && ro == sqltype.Bool:
		return same(sqltype.BoolT, cmpBool)
	case category(lo) == 'D' && category(ro) == 'D':
		if lo == ro {
			if lo == sqltype.Date {
				return same(sqltype.DateT, cmpDate)
			}
			return same(sqltype.T{OID: lo, Typmod: -1}, cmpTime)
		}
		if lo == sqltype.Time || ro == sqltype.Time {
			break
		}
		if lo == sqltype.Timestamptz || ro == sqltype.Timestamptz {
			return same(sqltype.TimestamptzT, cmpTime)
		}
		return same(sqltype.TimestampT, cmpTime)
	case lo == sqltype.Interval && ro == sqltype.Interval:
		return same(sqltype.IntervalT, cmpInterval)
	case lo == ro && (lo == sqltype.UUID || lo == sqltype.Bytea):
		return same(sqltype.T{OID: lo, Typmod: -1}, cmpBytes)
	case lo == sqltype.JSONB && ro == sqltype.JSONB:
		return funcImpl{Name: op, Args: []argInfo{jsonbInfo, jsonbInfo}, Result: boolInfo, Eval: jsonbCompareKernel(op)}, nil
	}
	return funcImpl{}, errNoOperator(op, l, r)
}

func cmpEval(k cmpKind, mask uint8) func(*evalContext, []arrow.Array, int) (arrow.Array, error) {
	return func(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
		valid, nulls := andValidity(ec.mem, args, n)
		buf, out := newBits(ec.mem, n)
		a, b := args[0], args[1]
		var err error
		switch k {
		case cmpInt16:
			cmpIntLoop(out, mask, values[int16](a), values[int16](b))
		case cmpInt32, cmpDate:
			cmpIntLoop(out, mask, values[int32](a), values[int32](b))
		case cmpInt64, cmpTime:
			cmpIntLoop(out, mask, values[int64](a), values[int64](b))
		case cmpUint32:
			cmpIntLoop(out, mask, values[uint32](a), values[uint32](b))
		case cmpFloat32:
			cmpLoop(out, mask, values[float32](a), values[float32](b), cmpFloat[float32])
		case cmpFloat64:
			cmpLoop(out, mask, values[float64](a), values[float64](b), cmpFloat[float64])
		case cmpText, cmpBPChar:
			x, y := a.(*array.String), b.(*array.String)
			for i := 0; i < n; i++ {
				s, t := x.Value(i), y.Value(i)
				if k == cmpBPChar {
					s, t = strings.TrimRight(s, " "), strings.TrimRight(t, " ")
				}
				if mask&(1<<(strings.Compare(s, t)+1)) != 0 {
					bitutil.SetBit(out, i)
				}
			}
		case cmpBool:
			x, y := a.(*array.Boolean), b.(*array.Boolean)
			for i := 0; i < n; i++ {
				if mask&(1<<(cmpBools(x.Value(i), y.Value(i))+1)) != 0 {
					bitutil.SetBit(out, i)
				}
			}
		case cmpInterval:
			x, y := a.(*array.MonthDayNanoInterval).MonthDayNanoIntervalValues(), b.(*array.MonthDayNanoInterval).MonthDayNanoIntervalValues()
			cmpLoop(out, mask, x, y, cmpIntervals)
		case cmpBytes:
			for i := 0; i < n; i++ {
				if mask&(1<<(bytes.Compare(bytesAt(a, i), bytesAt(b, i))+1)) != 0 {
					bitutil.SetBit(out, i)
				}
			}
		case cmpNumeric:
			err = cmpNumericLoop(out, mask, a, b, n, valid)
		}
		if err != nil {
			buf.Release()
			if valid != nil {
				valid.Release()
			}
			return nil, err
		}
		return makeArray(arrow.FixedWidthTypes.Boolean, n, valid, nulls, buf), nil
	}
}

func cmpLoop[T any](out []byte, mask uint8, x, y []T, cmp func(a, b T) int) {
	for i := range x {
		if mask&(1<<(cmp(x[i], y[i])+1)) != 0 {
			bitutil.SetBit(out, i)
		}
	}
}

// cmpIntLoop is cmpLoop for integers, without a call per row: one loop
// per operator, each packing a byte of the result at a time.
func cmpIntLoop[T ~int16 | ~int32 | ~int64 | ~uint32](out []byte, mask uint8, x, y []T) {
	y = y[:len(x)]
	full := len(x) &^ 7
	switch mask {
	case 1 << 0: // <
		for i := 0; i < full; i += 8 {
			xs, ys := x[i:i+8:i+8], y[i:i+8:i+8]
			out[i>>3] = b2u(xs[0] < ys[0]) | b2u(xs[1] < ys[1])<<1 | b2u(xs[2] < ys[2])<<2 | b2u(xs[3] < ys[3])<<3 |
				b2u(xs[4] < ys[4])<<4 | b2u(xs[5] < ys[5])<<5 | b2u(xs[6] < ys[6])<<6 | b2u(xs[7] < ys[7])<<7
		}
	case 1<<0 | 1<<1: // <=
		for i := 0; i < full; i += 8 {
			xs, ys := x[i:i+8:i+8], y[i:i+8:i+8]
			out[i>>3] = b2u(xs[0] <= ys[0]) | b2u(xs[1] <= ys[1])<<1 | b2u(xs[2] <= ys[2])<<2 | b2u(xs[3] <= ys[3])<<3 |
				b2u(xs[4] <= ys[4])<<4 | b2u(xs[5] <= ys[5])<<5 | b2u(xs[6] <= ys[6])<<6 | b2u(xs[7] <= ys[7])<<7
		}
	case 1 << 2: // >: y < x
		cmpIntLoop(out, 1<<0, y, x)
		return
	case 1<<1 | 1<<2: // >=: y <= x
		cmpIntLoop(out, 1<<0|1<<1, y, x)
		return
	default:
		full = 0
	}
	for i := full; i < len(x); i++ {
		c := 1 + b2u(x[i] > y[i]) - b2u(x[i] < y[i])
		out[i>>3] |= (mask >> c & 1) << (i & 7)
	}
}

// cmpConstEval compares an integer column with a constant, nil for other
// kinds (they broadcast the constant).
func cmpConstEval(k cmpKind, mask uint8) func(*evalContext, arrow.Array, arrow.Array, bool, int) (arrow.Array, error) {
	switch k {
	case cmpInt16, cmpInt32, cmpDate, cmpInt64, cmpTime:
	default:
		return nil
	}
	return func(ec *evalContext, col, c arrow.Array, constLeft bool, n int) (arrow.Array, error) {
		m := mask
		if constLeft { // c op col is col op' c, op' mirrored: < and > swap
			m = m&(1<<1) | (m&1)<<2 | (m>>2)&1
		}
		buf, out := newBits(ec.mem, n)
		switch k {
		case cmpInt16:
			cmpIntConst(out, m, values[int16](col), values[int16](c)[0])
		case cmpInt32, cmpDate:
			cmpIntConst(out, m, values[int32](col), values[int32](c)[0])
		default:
			cmpIntConst(out, m, values[int64](col), values[int64](c)[0])
		}
		valid, nulls := andValidity(ec.mem, []arrow.Array{col}, n)
		return makeArray(arrow.FixedWidthTypes.Boolean, n, valid, nulls, buf), nil
	}
}

// cmpIntConst is cmpIntLoop against one value y.
func cmpIntConst[T ~int16 | ~int32 | ~int64](out []byte, mask uint8, x []T, y T) {
	full := len(x) &^ 7
	switch mask {
	case 1 << 0: // <
		for i := 0; i < full; i += 8 {
			xs := x[i : i+8 : i+8]
			out[i>>3] = b2u(xs[0] < y) | b2u(xs[1] < y)<<1 | b2u(xs[2] < y)<<2 | b2u(xs[3] < y)<<3 |
				b2u(xs[4] < y)<<4 | b2u(xs[5] < y)<<5 | b2u(xs[6] < y)<<6 | b2u(xs[7] < y)<<7
		}
	case 1<<0 | 1<<1: // <=
		for i := 0; i < full; i += 8 {
			xs := x[i : i+8 : i+8]
			out[i>>3] = b2u(xs[0] <= y) | b2u(xs[1] <= y)<<1 | b2u(xs[2] <= y)<<2 | b2u(xs[3] <= y)<<3 |
				b2u(xs[4] <= y)<<4 | b2u(xs[5] <= y)<<5 | b2u(xs[6] <= y)<<6 | b2u(xs[7] <= y)<<7
		}
	case 1 << 2: // >
		for i := 0; i < full; i += 8 {
			xs := x[i : i+8 : i+8]
			out[i>>3] = b2u(xs[0] > y) | b2u(xs[1] > y)<<1 | b2u(xs[2] > y)<<2 | b2u(xs[3] > y)<<3 |
				b2u(xs[4] > y)<<4 | b2u(xs[5] > y)<<5 | b2u(xs[6] > y)<<6 | b2u(xs[7] > y)<<7
		}
	case 1<<1 | 1<<2: // >=
		for i := 0; i < full; i += 8 {
			xs := x[i : i+8 : i+8]
			out[i>>3] = b2u(xs[0] >= y) | b2u(xs[1] >= y)<<1 | b2u(xs[2] >= y)<<2 | b2u(xs[3] >= y)<<3 |
				b2u(xs[4] >= y)<<4 | b2u(xs[5] >= y)<<5 | b2u(xs[6] >= y)<<6 | b2u(xs[7] >= y)<<7
		}
	case 1 << 1: // =
		for i := 0; i < full; i += 8 {
			xs := x[i : i+8 : i+8]
			out[i>>3] = b2u(xs[0] == y) | b2u(xs[1] == y)<<1 | b2u(xs[2] == y)<<2 | b2u(xs[3] == y)<<3 |
				b2u(xs[4] == y)<<4 | b2u(xs[5] == y)<<5 | b2u(xs[6] == y)<<6 | b2u(xs[7] == y)<<7
		}
	default:
		full = 0
	}
	for i := full; i < len(x); i++ {
		c := 1 + b2u(x[i] > y) - b2u(x[i] < y)
		out[i>>3] |= (mask >> c & 1) << (i & 7)
	}
}

func b2u(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}

type ordered interface {
	~int16 | ~int32 | ~int64 | ~uint32 | ~float32 | ~float64
}

func cmpOrdered[T ordered](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// cmpFloat orders floats as PostgreSQL: NaN equals NaN and is above all.
func cmpFloat[T floating](a, b T) int {
	an, bn := a != a, b != b
	switch {
	case an && bn:
		return 0
	case an:
		return 1
	case bn:
		return -1
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func cmpBools(a, b bool) int {
	switch {
	case a == b:
		return 0
	case b:
		return -1
	}
	return 1
}

// intervalKey is PostgreSQL's interval_cmp_value: months count 30 days and
// days 24 hours, summed in microseconds as a 128-bit integer.
func intervalKey(v arrow.MonthDayNanoInterval) decimal128.Num {
	day := decimal128.FromI64(86_400_000_000)
	us := decimal128.FromI64(int64(v.Months)*30 + int64(v.Days)).Mul(day)
	return us.Add(decimal128.FromI64(v.Nanoseconds / 1000))
}

func cmpIntervals(a, b arrow.MonthDayNanoInterval) int {
	if a == b {
		return 0
	}
	return intervalKey(a).Cmp(intervalKey(b))
}

func bytesAt(a arrow.Array, i int) []byte {
	switch a := a.(type) {
	case *array.Binary:
		return a.Value(i)
	case *array.FixedSizeBinary:
		return a.Value(i)
	case *array.String:
		return []byte(a.Value(i))
	}
	return nil
}

func cmpNumericLoop(out []byte, mask uint8, a, b arrow.Array, n int, valid *memory.Buffer) error {
	x, sx, okx := decOperands(a)
	y, sy, oky := decOperands(b)
	if okx && oky {
		for i := 0; i < n; i++ {
			if mask&(1<<(decCmp(x[i], sx, y[i], sy)+1)) != 0 {
				bitutil.SetBit(out, i)
			}
		}
		return nil
	}
	v := validity{}
	if valid != nil {
		v.bits = valid.Bytes()
	}
	rx, ry := newNumReader(a), newNumReader(b)
	var p, q apd.Decimal
	for i := 0; i < n; i++ {
		if !v.valid(i) {
			continue
		}
		if err := rx.get(i, &p); err != nil {
			return err
		}
		if err := ry.get(i, &q); err != nil {
			return err
		}
		if mask&(1<<(numCmp(&p, &q)+1)) != 0 {
			bitutil.SetBit(out, i)
		}
	}
	return nil
}
