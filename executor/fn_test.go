package executor

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/decimal128"
	"github.com/apache/arrow/go/v17/arrow/memory"

	"github.com/sharehouse/sharehouse/executor/sqlstate"
	"github.com/sharehouse/sharehouse/executor/sqltype"
)

// testArg is a column of test values: Go values by type, nil for NULL.
type testArg struct {
	info argInfo
	vals []any
}

func col(t sqltype.T, vals ...any) testArg { return testArg{info: infoOf(t), vals: vals} }

// dec is a numeric column held as Decimal128(38, scale).
func dec(scale int32, vals ...any) testArg {
	return testArg{info: numericInfo(scale), vals: vals}
}

// numText is an unconstrained numeric column held as text.
func numTxt(vals ...any) testArg { return testArg{info: numericInfo(-1), vals: vals} }

func unknown(vals ...any) testArg { return testArg{info: infoOf(sqltype.UnknownT), vals: vals} }

func mustEC(t *testing.T) *evalContext {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	now := time.Date(2024, 3, 15, 12, 30, 45, 123456000, time.UTC)
	return newEvalContext(context.Background(), mem, now, sqltype.Format{Location: time.UTC})
}

func build(t *testing.T, mem memory.Allocator, a testArg) arrow.Array {
	t.Helper()
	b := array.NewBuilder(mem, a.info.DT)
	defer b.Release()
	for _, v := range a.vals {
		if v == nil {
			b.AppendNull()
			continue
		}
		switch b := b.(type) {
		case *array.Int16Builder:
			b.Append(int16(v.(int)))
		case *array.Int32Builder:
			b.Append(int32(v.(int)))
		case *array.Int64Builder:
			switch x := v.(type) {
			case int:
				b.Append(int64(x))
			case int64:
				b.Append(x)
			}
		case *array.Uint32Builder:
			b.Append(uint32(v.(int)))
		case *array.Float32Builder:
			b.Append(float32(v.(float64)))
		case *array.Float64Builder:
			b.Append(v.(float64))
		case *array.BooleanBuilder:
			b.Append(v.(bool))
		case *array.StringBuilder:
			b.Append(v.(string))
		case *array.BinaryBuilder:
			b.Append([]byte(v.(string)))
		case *array.Decimal128Builder:
			dt := a.info.DT.(*arrow.Decimal128Type)
			n, err := decimal128.FromString(v.(string), dt.Precision, dt.Scale)
			if err != nil {
				t.Fatalf("decimal %v: %v", v, err)
			}
			b.Append(n)
		case *array.Date32Builder:
			d, err := time.Parse("2006-01-02", v.(string))
			if err != nil {
				t.Fatal(err)
			}
			b.Append(arrow.Date32(d.Unix() / 86400))
		case *array.TimestampBuilder:
			d, err := time.Parse("2006-01-02 15:04:05.999999", v.(string))
			if err != nil {
				t.Fatal(err)
			}
			b.Append(arrow.Timestamp(d.UnixMicro()))
		case *array.Time64Builder:
			b.Append(arrow.Time64(v.(int)))
		case *array.MonthDayNanoIntervalBuilder:
			b.Append(v.(arrow.MonthDayNanoInterval))
		default:
			t.Fatalf("build: %T", b)
		}
	}
	return b.NewArray()
}

// render prints row i of a for comparison; NULL for nulls.
func render(a arrow.Array, i int) string {
	if a.IsNull(i) {
		return "NULL"
	}
	switch a := a.(type) {
	case *array.Int16:
		return strconv.Itoa(int(a.Value(i)))
	case *array.Int32:
		return strconv.Itoa(int(a.Value(i)))
	case *array.Int64:
		return strconv.FormatInt(a.Value(i), 10)
	case *array.Uint32:
		return strconv.FormatUint(uint64(a.Value(i)), 10)
	case *array.Float32:
		return strconv.FormatFloat(float64(a.Value(i)), 'g', -1, 32)
	case *array.Float64:
		return strconv.FormatFloat(a.Value(i), 'g', -1, 64)
	case *array.Boolean:
		if a.Value(i) {
			return "t"
		}
		return "f"
	case *array.String:
		return a.Value(i)
	case *array.Binary:
		return string(a.Value(i))
	case *array.Decimal128:
		return a.Value(i).ToString(a.DataType().(*arrow.Decimal128Type).Scale)
	case *array.Date32:
		return time.Unix(int64(a.Value(i))*86400, 0).UTC().Format("2006-01-02")
	case *array.Timestamp:
		return time.UnixMicro(int64(a.Value(i))).UTC().Format("2006-01-02 15:04:05.999999")
	case *array.MonthDayNanoInterval:
		v := a.Value(i)
		return fmt.Sprintf("%dmon %dd %dus", v.Months, v.Days, v.Nanoseconds/1000)
	case *array.FixedSizeBinary:
		return fmt.Sprintf("%x", a.Value(i))
	}
	return a.ValueStr(i)
}

func renderAll(a arrow.Array) string {
	parts := make([]string, a.Len())
	for i := range parts {
		parts[i] = render(a, i)
	}
	return strings.Join(parts, ",")
}

// call evaluates impl on args the way the binder does: each argument is cast
// to impl.Args[i] first when its type or representation differs.
func call(t *testing.T, ec *evalContext, impl funcImpl, args []testArg) (arrow.Array, error) {
	t.Helper()
	arrs := make([]arrow.Array, len(args))
	defer func() {
		for _, a := range arrs {
			if a != nil {
				a.Release()
			}
		}
	}()
	n := 0
	for i, a := range args {
		arr := build(t, ec.mem, a)
		n = arr.Len()
		if i < len(impl.Args) {
			want := impl.Args[i]
			if a.info.T != want.T || !arrow.TypeEqual(a.info.DT, want.DT) {
				c, err := resolveCast(a.info, want.T, false)
				if err != nil {
					arr.Release()
					return nil, err
				}
				if !arrow.TypeEqual(c.Result.DT, want.DT) {
					t.Fatalf("cast of arg %d to %s gives %s, want %s", i, want.T, c.Result.DT, want.DT)
				}
				out, err := c.Eval(ec, []arrow.Array{arr}, n)
				arr.Release()
				if err != nil {
					return nil, err
				}
				arr = out
			}
		}
		arrs[i] = arr
	}
	if len(args) == 0 {
		n = 2
	}
	out, err := impl.Eval(ec, arrs, n)
	if err != nil {
		return nil, err
	}
	if !arrow.TypeEqual(out.DataType(), impl.Result.DT) {
		out.Release()
		t.Fatalf("%s returned %s, declared %s", impl.Name, out.DataType(), impl.Result.DT)
	}
	if out.Len() != n {
		out.Release()
		t.Fatalf("%s returned %d rows, want %d", impl.Name, out.Len(), n)
	}
	return out, nil
}

type evalCase struct {
	name string
	op   string // binary or unary operator, "fn:name", or "cast:explicit"/"cast:implicit"
	to   sqltype.T
	args []testArg
	want string // comma-joined rendering, or "ERR <code> <message>"
	typ  string // expected result type, if set
}

func runEvalCases(t *testing.T, cases []evalCase) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ec := mustEC(t)
			infos := make([]argInfo, len(tc.args))
			for i, a := range tc.args {
				infos[i] = a.info
			}
			var impl funcImpl
			var err error
			switch {
			case strings.HasPrefix(tc.op, "fn:"):
				impl, err = resolveFunction(tc.op[3:], infos)
			case strings.HasPrefix(tc.op, "cast:"):
				impl, err = resolveCast(infos[0], tc.to, tc.op == "cast:explicit")
			case len(tc.args) == 1:
				impl, err = resolveUnaryOperator(tc.op, infos[0])
			default:
				impl, err = resolveOperator(tc.op, infos[0], infos[1])
			}
			var got string
			if err == nil {
				if tc.typ != "" && impl.Result.T.String() != tc.typ {
					t.Errorf("result type %s, want %s", impl.Result.T, tc.typ)
				}
				var out arrow.Array
				out, err = call(t, ec, impl, tc.args)
				if err == nil {
					got = renderAll(out)
					out.Release()
				}
			}
			if err != nil {
				got = "ERR " + string(sqlstate.CodeOf(err)) + " " + err.Error()
			}
			if got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

var (
	i2  = sqltype.Int2T
	i4  = sqltype.Int4T
	i8  = sqltype.Int8T
	f4  = sqltype.Float4T
	f8  = sqltype.Float8T
	txt = sqltype.TextT
	bl  = sqltype.BoolT
	dte = sqltype.DateT
	ts  = sqltype.TimestampT
	tsz = sqltype.TimestamptzT
	ivl = sqltype.IntervalT
)

func TestArithmetic(t *testing.T) {
	runEvalCases(t, []evalCase{
		{name: "int4 add", op: "+", args: []testArg{col(i4, 1, nil, 3), col(i4, 2, 5, nil)}, want: "3,NULL,NULL", typ: "integer"},
		{name: "int2+int4 is int4", op: "+", args: []testArg{col(i2, 1), col(i4, 2)}, want: "3", typ: "integer"},
		{name: "int4+int8 is int8", op: "*", args: []testArg{col(i4, 3), col(i8, 4)}, want: "12", typ: "bigint"},
		{name: "int4 overflow", op: "+", args: []testArg{col(i4, 2147483647), col(i4, 1)}, want: "ERR 22003 integer out of range"},
		{name: "int2 overflow", op: "*", args: []testArg{col(i2, 300), col(i2, 300)}, want: "ERR 22003 smallint out of range"},
		{name: "int8 overflow", op: "-", args: []testArg{col(i8, int64(-9223372036854775808)), col(i8, 1)}, want: "ERR 22003 bigint out of range"},
		{name: "int8 mul overflow", op: "*", args: []testArg{col(i8, int64(4611686018427387904)), col(i8, 2)}, want: "ERR 22003 bigint out of range"},
		{name: "min / -1", op: "/", args: []testArg{col(i4, -2147483648), col(i4, -1)}, want: "ERR 22003 integer out of range"},
		{name: "overflow in null row ignored", op: "+", args: []testArg{col(i4, nil, 1), col(i4, 2147483647, 1)}, want: "NULL,2"},
		{name: "int div truncates", op: "/", args: []testArg{col(i4, 7, -7), col(i4, 2, 2)}, want: "3,-3"},
		{name: "int div by zero", op: "/", args: []testArg{col(i4, 1), col(i4, 0)}, want: "ERR 22012 division by zero"},
		{name: "int mod by zero", op: "%", args: []testArg{col(i8, 1), col(i8, 0)}, want: "ERR 22012 division by zero"},
		{name: "int mod", op: "%", args: []testArg{col(i4, -7, 7), col(i4, 3, -1)}, want: "-1,0"},
		{name: "div by zero in null row ignored", op: "/", args: []testArg{col(i4, nil), col(i4, 0)}, want: "NULL"},
		{name: "float div by zero", op: "/", args: []testArg{col(f8, 1.0), col(f8, 0.0)}, want: "ERR 22012 division by zero"},
		{name: "int + float is float8", op: "+", args: []testArg{col(i4, 1), col(f4, 0.5)}, want: "1.5", typ: "double precision"},
		{name: "float4 + float4", op: "+", args: []testArg{col(f4, 1.5), col(f4, 0.25)}, want: "1.75", typ: "real"},
		{name: "float overflow", op: "*", args: []testArg{col(f8, 1e300), col(f8, 1e300)}, want: "ERR 22003 value out of range: overflow"},
		{name: "float mod no operator", op: "%", args: []testArg{col(f8, 1.0), col(f8, 1.0)}, want: "ERR 42883 operator does not exist: double precision % double precision"},
		{name: "power", op: "^", args: []testArg{col(i4, 2), col(i4, 10)}, want: "1024", typ: "double precision"},
		{name: "numeric add scales", op: "+", args: []testArg{dec(2, "1.25", "-3.10"), dec(1, "1.5", nil)}, want: "2.75,NULL", typ: "numeric"},
		{name: "int + numeric", op: "+", args: []testArg{col(i4, 1), dec(1, "1.5")}, want: "2.5", typ: "numeric"},
		{name: "numeric mul scale", op: "*", args: []testArg{dec(2, "1.25"), dec(1, "-2.0")}, want: "-2.500"},
		{name: "numeric div scale", op: "/", args: []testArg{dec(0, "10"), col(i4, 3)}, want: "3.3333333333333333"},
		{name: "numeric div small", op: "/", args: []testArg{dec(0, "1"), dec(0, "3000000")}, want: "0.000000333333333333333333"},
		{name: "numeric div by zero", op: "/", args: []testArg{dec(1, "1.0"), dec(0, "0")}, want: "ERR 22012 division by zero"},
		{name: "numeric overflow", op: "*", args: []testArg{dec(0, "99999999999999999999"), dec(0, "99999999999999999999")}, want: "ERR 22003 value overflows numeric format"},
		{name: "numeric text add", op: "+", args: []testArg{numTxt("1.5", "NaN"), numTxt("2.25", "1")}, want: "3.75,NaN"},
		{name: "numeric mod", op: "%", args: []testArg{dec(1, "10.5"), dec(0, "3")}, want: "1.5"},
		{name: "numeric power", op: "^", args: []testArg{dec(1, "2.0"), dec(0, "3")}, want: "8.0000000000000000"},
		{name: "numeric + float is float8", op: "+", args: []testArg{dec(1, "1.5"), col(f8, 1.0)}, want: "2.5", typ: "double precision"},
		{name: "unknown takes int", op: "+", args: []testArg{col(i4, 1), unknown("2")}, want: "3", typ: "integer"},
		{name: "unary minus overflow", op: "-", args: []testArg{col(i4, -2147483648)}, want: "ERR 22003 integer out of range"},
		{name: "unary minus numeric", op: "-", args: []testArg{dec(2, "1.50")}, want: "-1.50"},
		{name: "abs op", op: "@", args: []testArg{col(i4, -5)}, want: "5"},
		{name: "bitwise and", op: "&", args: []testArg{col(i4, 12), col(i4, 10)}, want: "8"},
		{name: "shift", op: "<<", args: []testArg{col(i8, 1), col(i4, 40)}, want: "1099511627776"},
		{name: "text + int", op: "+", args: []testArg{col(txt, "a"), col(i4, 1)}, want: "ERR 42883 operator does not exist: text + integer"},
	})
}

func TestCompare(t *testing.T) {
	runEvalCases(t, []evalCase{
		{name: "int eq", op: "=", args: []testArg{col(i4, 1, 2, nil), col(i8, 1, 3, 1)}, want: "t,f,NULL"},
		{name: "int2 lt int4", op: "<", args: []testArg{col(i2, 1, 5), col(i4, 2, 2)}, want: "t,f"},
		{name: "float NaN", op: ">", args: []testArg{col(f8, 0.0, 1.0), col(f8, 1.0, 0.0)}, want: "f,t"},
		{name: "numeric across scales", op: "=", args: []testArg{dec(2, "1.50", "2.00"), dec(1, "1.5", "2.1")}, want: "t,f"},
		{name: "numeric vs int", op: ">=", args: []testArg{dec(1, "1.5", "0.9"), col(i4, 1, 1)}, want: "t,f"},
		{name: "numeric text vs decimal", op: "<", args: []testArg{numTxt("1.49", "NaN"), dec(1, "1.5", "1.5")}, want: "t,f"},
		{name: "numeric vs float", op: "=", args: []testArg{dec(1, "0.5"), col(f8, 0.5)}, want: "t"},
		{name: "text bytewise", op: "<", args: []testArg{col(txt, "B", "a", "ab"), col(txt, "a", "b", "a")}, want: "t,t,f"},
		{name: "varchar vs text", op: "=", args: []testArg{col(sqltype.VarcharOf(5), "ab"), col(txt, "ab")}, want: "t"},
		{name: "bpchar ignores trailing spaces", op: "=", args: []testArg{col(sqltype.BPCharOf(4), "ab  "), col(sqltype.BPCharOf(3), "ab ")}, want: "t"},
		{name: "unknown takes text", op: "=", args: []testArg{col(txt, "x"), unknown("x")}, want: "t"},
		{name: "unknown takes int", op: "=", args: []testArg{col(i4, 5), unknown("5")}, want: "t"},
		{name: "unknown both", op: "<>", args: []testArg{unknown("a"), unknown("b")}, want: "t"},
		{name: "bool", op: "<", args: []testArg{col(bl, false, true), col(bl, true, true)}, want: "t,f"},
		{name: "date vs timestamp", op: "<", args: []testArg{col(dte, "2024-01-01"), col(ts, "2024-01-01 00:00:01")}, want: "t"},
		{name: "interval 1 day = 24h", op: "=", args: []testArg{col(ivl, arrow.MonthDayNanoInterval{Days: 1}), col(ivl, arrow.MonthDayNanoInterval{Nanoseconds: 86400e9})}, want: "t"},
		{name: "int vs text", op: "=", args: []testArg{col(i4, 1), col(txt, "1")}, want: "ERR 42883 operator does not exist: integer = text"},
		{name: "not equal spelling", op: "!=", args: []testArg{col(i4, 1), col(i4, 2)}, want: "t"},
	})
}

func TestLogic(t *testing.T) {
	T, F := true, false
	runEvalCases(t, []evalCase{
		{name: "and", op: "AND", args: []testArg{col(bl, T, T, F, nil, nil, F, nil), col(bl, T, F, F, T, F, nil, nil)}, want: "t,f,f,NULL,f,f,NULL"},
		{name: "or", op: "OR", args: []testArg{col(bl, T, F, F, nil, nil, T, nil), col(bl, F, F, nil, T, F, nil, nil)}, want: "t,f,NULL,t,NULL,t,NULL"},
		{name: "not", op: "NOT", args: []testArg{col(bl, T, F, nil)}, want: "f,t,NULL"},
	})
}

func TestStrings(t *testing.T) {
	runEvalCases(t, []evalCase{
		{name: "concat op", op: "||", args: []testArg{col(txt, "a", nil), col(txt, "b", "c")}, want: "ab,NULL"},
		{name: "concat int", op: "||", args: []testArg{col(i4, 1), unknown("a")}, want: "1a", typ: "text"},
		{name: "concat bool", op: "||", args: []testArg{col(txt, "x"), col(bl, true)}, want: "xtrue"},
		{name: "concat bpchar trims", op: "||", args: []testArg{col(sqltype.BPCharOf(4), "ab  "), unknown("|")}, want: "ab|"},
		{name: "like", op: "LIKE", args: []testArg{col(txt, "abc", "abc", "abc", "a%c", "xyz", nil), col(txt, "a%", "_b_", "a_", "a\\%c", "%y%", "a")}, want: "t,t,f,t,t,NULL"},
		{name: "like backtrack", op: "~~", args: []testArg{col(txt, "aXbXc", "aXbXd"), col(txt, "a%X%c", "a%X%c")}, want: "t,f"},
		{name: "not like", op: "NOT LIKE", args: []testArg{col(txt, "abc"), col(txt, "a%")}, want: "f"},
		{name: "ilike", op: "ILIKE", args: []testArg{col(txt, "ABC"), unknown("a%")}, want: "t"},
		{name: "like unicode", op: "LIKE", args: []testArg{col(txt, "héllo"), col(txt, "h_llo")}, want: "t"},
		{name: "like bad escape", op: "LIKE", args: []testArg{col(txt, "a"), col(txt, "a\\")}, want: "ERR 22025 LIKE pattern must not end with escape character"},
		{name: "regex", op: "~", args: []testArg{col(txt, "abc", "xyz"), col(txt, "^a.c$", "^a")}, want: "t,f"},
		{name: "regex ci", op: "~*", args: []testArg{col(txt, "ABC"), col(txt, "b")}, want: "t"},
		{name: "regex not", op: "!~", args: []testArg{col(txt, "ABC"), col(txt, "b")}, want: "t"},
		{name: "bad regex", op: "~", args: []testArg{col(txt, "a"), col(txt, "(")}, want: "ERR 2201B invalid regular expression: missing closing ): `(`"},
		{name: "lower", op: "fn:lower", args: []testArg{col(txt, "AbC", nil)}, want: "abc,NULL"},
		{name: "upper unknown", op: "fn:upper", args: []testArg{unknown("abc")}, want: "ABC"},
		{name: "length", op: "fn:length", args: []testArg{unknown("héllo")}, want: "5", typ: "integer"},
		{name: "char_length bpchar", op: "fn:char_length", args: []testArg{col(sqltype.BPCharOf(4), "ab  ")}, want: "2"},
		{name: "octet_length", op: "fn:octet_length", args: []testArg{col(txt, "héllo")}, want: "6"},
		{name: "substr", op: "fn:substr", args: []testArg{col(txt, "hello", "hello", "hello"), col(i4, 2, 0, -1), col(i4, 3, 2, 3)}, want: "ell,h,h"},
		{name: "substring from", op: "fn:substring", args: []testArg{col(txt, "hello"), col(i4, 3)}, want: "llo"},
		{name: "substr negative", op: "fn:substr", args: []testArg{col(txt, "hello"), col(i4, 1), col(i4, -1)}, want: "ERR 22011 negative substring length not allowed"},
		{name: "strpos", op: "fn:strpos", args: []testArg{col(txt, "héllo", "abc"), col(txt, "l", "z")}, want: "3,0"},
		{name: "position", op: "fn:position", args: []testArg{col(txt, "hello"), col(txt, "lo")}, want: "4"},
		{name: "replace", op: "fn:replace", args: []testArg{col(txt, "aXbX"), col(txt, "X"), col(txt, "--")}, want: "a--b--"},
		{name: "split_part", op: "fn:split_part", args: []testArg{col(txt, "a,b,c", "a,b,c", "a,b,c"), col(txt, ",", ",", ","), col(i4, 2, -1, 5)}, want: "b,c,"},
		{name: "split_part zero", op: "fn:split_part", args: []testArg{col(txt, "a"), col(txt, ","), col(i4, 0)}, want: "ERR 22023 field position must not be zero"},
		{name: "concat fn skips nulls", op: "fn:concat", args: []testArg{col(txt, "a", nil), col(i4, nil, 2), col(bl, true, nil)}, want: "at,2"},
		{name: "concat_ws", op: "fn:concat_ws", args: []testArg{col(txt, ",", nil), col(txt, "a", "a"), col(txt, nil, "b"), col(i4, 3, 3)}, want: "a,3,NULL"},
		{name: "btrim", op: "fn:btrim", args: []testArg{col(txt, "  x  ")}, want: "x"},
		{name: "ltrim chars", op: "fn:ltrim", args: []testArg{col(txt, "xxyhi"), col(txt, "xy")}, want: "hi"},
		{name: "rtrim", op: "fn:rtrim", args: []testArg{col(txt, " hi  ")}, want: " hi"},
		{name: "lpad", op: "fn:lpad", args: []testArg{col(txt, "hi", "hello"), col(i4, 5, 3), col(txt, "xy", "xy")}, want: "xyxhi,hel"},
		{name: "rpad", op: "fn:rpad", args: []testArg{col(txt, "hi"), col(i4, 4)}, want: "hi  "},
		{name: "left right", op: "fn:left", args: []testArg{col(txt, "hello", "hello"), col(i4, 2, -2)}, want: "he,hel"},
		{name: "right", op: "fn:right", args: []testArg{col(txt, "hello", "hello"), col(i4, 2, -2)}, want: "lo,llo"},
		{name: "repeat", op: "fn:repeat", args: []testArg{col(txt, "ab", "ab"), col(i4, 3, -1)}, want: "ababab,"},
		{name: "reverse", op: "fn:reverse", args: []testArg{col(txt, "héllo")}, want: "olléh"},
		{name: "initcap", op: "fn:initcap", args: []testArg{col(txt, "hello wORLD-foo")}, want: "Hello World-Foo"},
		{name: "md5", op: "fn:md5", args: []testArg{col(txt, "abc")}, want: "900150983cd24fb0d6963f7d28e17f72"},
		{name: "starts_with", op: "fn:starts_with", args: []testArg{col(txt, "hello", "hello"), col(txt, "he", "lo")}, want: "t,f"},
		{name: "like_escape", op: "fn:like_escape", args: []testArg{col(txt, "a#%b%"), col(txt, "#")}, want: "a\\%b%"},
		{name: "regexp_replace", op: "fn:regexp_replace", args: []testArg{col(txt, "foobarbaz"), col(txt, "b(..)"), col(txt, "X\\1Y"), col(txt, "g")}, want: "fooXarYXazY"},
		{name: "overlay", op: "fn:overlay", args: []testArg{col(txt, "hello"), col(txt, "XX"), col(i4, 2)}, want: "hXXlo"},
		{name: "overlay for", op: "fn:overlay", args: []testArg{col(txt, "hello"), col(txt, "XX"), col(i4, 2), col(i4, 0)}, want: "hXXello"},
		{name: "similar_to_escape", op: "fn:similar_to_escape", args: []testArg{col(txt, "a%|b_.c")}, want: "^(?:a.*|b.\\.c)$"},
		{name: "no such function", op: "fn:lower", args: []testArg{col(i4, 1)}, want: "ERR 42883 function lower(integer) does not exist"},
	})
}

func TestMath(t *testing.T) {
	runEvalCases(t, []evalCase{
		{name: "abs int", op: "fn:abs", args: []testArg{col(i4, -3, nil)}, want: "3,NULL", typ: "integer"},
		{name: "abs int overflow", op: "fn:abs", args: []testArg{col(i2, -32768)}, want: "ERR 22003 smallint out of range"},
		{name: "abs numeric", op: "fn:abs", args: []testArg{dec(2, "-1.50")}, want: "1.50", typ: "numeric"},
		{name: "round int is float8", op: "fn:round", args: []testArg{col(i4, 5)}, want: "5", typ: "double precision"},
		{name: "round float half even", op: "fn:round", args: []testArg{col(f8, 2.5, 3.5, -2.5)}, want: "2,4,-2"},
		{name: "round numeric half away", op: "fn:round", args: []testArg{dec(1, "2.5", "-2.5", "0.4")}, want: "3,-3,0"},
		{name: "round numeric scale", op: "fn:round", args: []testArg{dec(3, "2.345", "-2.345"), col(i4, 2, 2)}, want: "2.35,-2.35"},
		{name: "round numeric negative scale", op: "fn:round", args: []testArg{dec(0, "1250"), col(i4, -2)}, want: "1300"},
		{name: "trunc numeric", op: "fn:trunc", args: []testArg{dec(3, "2.349", "-2.349"), col(i4, 1, 1)}, want: "2.3,-2.3"},
		{name: "ceil floor", op: "fn:ceil", args: []testArg{dec(1, "1.1", "-1.1")}, want: "2,-1"},
		{name: "floor float", op: "fn:floor", args: []testArg{col(f8, -1.5)}, want: "-2"},
		{name: "sign", op: "fn:sign", args: []testArg{dec(1, "-3.5", "0.0")}, want: "-1,0"},
		{name: "mod int", op: "fn:mod", args: []testArg{col(i4, 10), col(i4, 3)}, want: "1"},
		{name: "mod zero", op: "fn:mod", args: []testArg{col(i4, 10), col(i4, 0)}, want: "ERR 22012 division by zero"},
		{name: "sqrt float", op: "fn:sqrt", args: []testArg{col(f8, 16.0)}, want: "4"},
		{name: "sqrt negative", op: "fn:sqrt", args: []testArg{col(f8, -1.0)}, want: "ERR 2201F cannot take square root of a negative number"},
		{name: "sqrt numeric", op: "fn:sqrt", args: []testArg{dec(0, "2")}, want: "1.414213562373095"},
		{name: "exp numeric", op: "fn:exp", args: []testArg{dec(0, "1")}, want: "2.7182818284590452"},
		{name: "ln numeric", op: "fn:ln", args: []testArg{dec(0, "2")}, want: "0.6931471805599453"},
		{name: "ln zero", op: "fn:ln", args: []testArg{col(f8, 0.0)}, want: "ERR 2201E cannot take logarithm of zero"},
		{name: "log numeric", op: "fn:log", args: []testArg{dec(0, "100")}, want: "2.0000000000000000"},
		{name: "log10 float", op: "fn:log10", args: []testArg{col(f8, 1000.0)}, want: "3"},
		{name: "power numeric", op: "fn:power", args: []testArg{dec(0, "2"), dec(1, "0.5")}, want: "1.4142135623730950"},
		{name: "power zero negative", op: "fn:pow", args: []testArg{col(f8, 0.0), col(f8, -1.0)}, want: "ERR 2201F zero raised to a negative power is undefined"},
		{name: "power numeric integral", op: "fn:power", args: []testArg{dec(0, "10"), dec(0, "-2")}, want: "0.0100000000000000"},
		{name: "power numeric big", op: "^", args: []testArg{dec(0, "2"), dec(0, "100")}, want: "1267650600228229401496703205376.0000000000000000"},
		{name: "cbrt", op: "fn:cbrt", args: []testArg{col(f8, 27.0)}, want: "3"},
		{name: "pi", op: "fn:pi", want: "3.141592653589793,3.141592653589793"},
	})
}

func TestCasts(t *testing.T) {
	runEvalCases(t, []evalCase{
		{name: "int4 to int2 overflow", op: "cast:explicit", to: i2, args: []testArg{col(i4, 40000)}, want: "ERR 22003 smallint out of range"},
		{name: "int8 to int4", op: "cast:explicit", to: i4, args: []testArg{col(i8, 5, nil)}, want: "5,NULL"},
		{name: "float to int rint", op: "cast:explicit", to: i4, args: []testArg{col(f8, 2.5, 3.5, -2.5, 1e10)}, want: "ERR 22003 integer out of range"},
		{name: "float to int half even", op: "cast:explicit", to: i4, args: []testArg{col(f8, 2.5, 3.5, -2.5)}, want: "2,4,-2"},
		{name: "numeric to int half away", op: "cast:explicit", to: i4, args: []testArg{dec(1, "2.5", "-2.5", "3.4")}, want: "3,-3,3"},
		{name: "numeric to int8 overflow", op: "cast:explicit", to: i8, args: []testArg{dec(0, "99999999999999999999")}, want: "ERR 22003 bigint out of range"},
		{name: "int to numeric(5,2)", op: "cast:explicit", to: sqltype.NumericOf(5, 2), args: []testArg{col(i4, 12)}, want: "12.00"},
		{name: "numeric(5,2) overflow", op: "cast:explicit", to: sqltype.NumericOf(5, 2), args: []testArg{dec(3, "12345.678")}, want: "ERR 22003 numeric field overflow"},
		{name: "numeric rounds to scale", op: "cast:explicit", to: sqltype.NumericOf(5, 1), args: []testArg{dec(2, "1.25", "-1.25")}, want: "1.3,-1.3"},
		{name: "numeric to unconstrained is text", op: "cast:implicit", to: sqltype.NumericT, args: []testArg{dec(2, "1.50")}, want: "1.50"},
		{name: "numeric to float", op: "cast:implicit", to: f8, args: []testArg{dec(1, "0.1"), numTxt("NaN")}, want: "0.1"},
		{name: "float to numeric", op: "cast:explicit", to: sqltype.NumericT, args: []testArg{col(f8, 0.1, 1e20, 1.0/3)}, want: "0.1,100000000000000000000,0.333333333333333"},
		{name: "float4 to numeric", op: "cast:explicit", to: sqltype.NumericT, args: []testArg{col(f4, 1.23456789)}, want: "1.23457"},
		{name: "float8 to float4 overflow", op: "cast:explicit", to: f4, args: []testArg{col(f8, 1e300)}, want: "ERR 22003 value out of range: overflow"},
		{name: "bool to int", op: "cast:explicit", to: i4, args: []testArg{col(bl, true, false)}, want: "1,0"},
		{name: "int to bool", op: "cast:explicit", to: bl, args: []testArg{col(i4, 5, 0)}, want: "t,f"},
		{name: "int to bool implicit fails", op: "cast:implicit", to: bl, args: []testArg{col(i4, 5)}, want: "ERR 42846 cannot cast type integer to boolean"},
		{name: "text to int implicit fails", op: "cast:implicit", to: i4, args: []testArg{col(txt, "5")}, want: "ERR 42846 cannot cast type text to integer"},
		{name: "bool to text", op: "cast:explicit", to: txt, args: []testArg{col(bl, true, false)}, want: "true,false"},
		{name: "int to text", op: "cast:explicit", to: txt, args: []testArg{col(i4, -12)}, want: "-12"},
		{name: "varchar(3) explicit truncates", op: "cast:explicit", to: sqltype.VarcharOf(3), args: []testArg{col(txt, "abcdef", "ab")}, want: "abc,ab"},
		{name: "varchar(3) implicit errors", op: "cast:implicit", to: sqltype.VarcharOf(3), args: []testArg{col(txt, "abcdef")}, want: "ERR 22001 value too long for type character varying(3)"},
		{name: "unknown to varchar(3) explicit", op: "cast:explicit", to: sqltype.VarcharOf(3), args: []testArg{unknown("abcdef")}, want: "abc"},
		{name: "varchar(3) spaces ok", op: "cast:implicit", to: sqltype.VarcharOf(3), args: []testArg{col(txt, "abc   ")}, want: "abc"},
		{name: "char(4) pads", op: "cast:explicit", to: sqltype.BPCharOf(4), args: []testArg{col(txt, "ab")}, want: "ab  "},
		{name: "char to text trims", op: "cast:implicit", to: txt, args: []testArg{col(sqltype.BPCharOf(4), "ab  ")}, want: "ab"},
		{name: "date to timestamp", op: "cast:implicit", to: ts, args: []testArg{col(dte, "2024-02-29")}, want: "2024-02-29 00:00:00"},
		{name: "timestamp to date", op: "cast:explicit", to: dte, args: []testArg{col(ts, "1969-12-31 23:00:00")}, want: "1969-12-31"},
		{name: "timestamp to timestamptz utc", op: "cast:implicit", to: tsz, args: []testArg{col(ts, "2024-01-01 10:00:00")}, want: "2024-01-01 10:00:00"},
		{name: "timestamp(0) rounds", op: "cast:explicit", to: sqltype.T{OID: sqltype.Timestamp, Typmod: 0}, args: []testArg{col(ts, "2024-01-01 10:00:00.5")}, want: "2024-01-01 10:00:01"},
		{name: "no cast date to int", op: "cast:explicit", to: i4, args: []testArg{col(dte, "2024-01-01")}, want: "ERR 42846 cannot cast type date to integer"},
		{name: "text to int", op: "cast:explicit", to: i4, args: []testArg{col(txt, " 12 ", nil)}, want: "12,NULL"},
		{name: "unknown to int8", op: "cast:implicit", to: i8, args: []testArg{unknown("42")}, want: "42"},
		{name: "int to oid", op: "cast:implicit", to: sqltype.OidT, args: []testArg{col(i4, 7)}, want: "7"},
	})
}

func TestTextCastErrors(t *testing.T) {
	ec := mustEC(t)
	impl, err := resolveCast(textInfo, sqltype.Int4T, true)
	if err != nil {
		t.Fatal(err)
	}
	_, err = call(t, ec, impl, []testArg{col(txt, "x")})
	if sqlstate.CodeOf(err) != sqlstate.InvalidTextRepresentation {
		t.Fatalf("got %v (%s)", err, sqlstate.CodeOf(err))
	}
}

func TestDatetime(t *testing.T) {
	day := arrow.MonthDayNanoInterval{Days: 1}
	month := arrow.MonthDayNanoInterval{Months: 1}
	runEvalCases(t, []evalCase{
		{name: "date + int", op: "+", args: []testArg{col(dte, "2024-02-28"), col(i4, 2)}, want: "2024-03-01", typ: "date"},
		{name: "int + date", op: "+", args: []testArg{col(i4, 1), col(dte, "2024-12-31")}, want: "2025-01-01"},
		{name: "date - int", op: "-", args: []testArg{col(dte, "2024-03-01"), col(i4, 1)}, want: "2024-02-29"},
		{name: "date - date", op: "-", args: []testArg{col(dte, "2024-03-01"), col(dte, "2024-01-01")}, want: "60", typ: "integer"},
		{name: "date - unknown", op: "-", args: []testArg{col(dte, "2024-03-01"), unknown("2024-01-01")}, want: "60"},
		{name: "date + interval", op: "+", args: []testArg{col(dte, "2024-01-31"), col(ivl, month)}, want: "2024-02-29 00:00:00", typ: "timestamp without time zone"},
		{name: "timestamp - interval", op: "-", args: []testArg{col(ts, "2024-03-31 10:00:00"), col(ivl, month)}, want: "2024-02-29 10:00:00"},
		{name: "timestamptz + interval", op: "+", args: []testArg{col(tsz, "2024-03-30 10:00:00"), col(ivl, day)}, want: "2024-03-31 10:00:00", typ: "timestamp with time zone"},
		{name: "timestamp - timestamp", op: "-", args: []testArg{col(ts, "2024-01-02 12:00:00"), col(ts, "2024-01-01 00:00:00")}, want: "0mon 1d 43200000000us", typ: "interval"},
		{name: "timestamp + unknown is interval", op: "+", args: []testArg{col(ts, "2024-01-01 00:00:00"), testArg{info: infoOf(sqltype.IntervalT), vals: []any{day}}}, want: "2024-01-02 00:00:00"},
		{name: "interval + interval", op: "+", args: []testArg{col(ivl, day), col(ivl, month)}, want: "1mon 1d 0us"},
		{name: "interval * float", op: "*", args: []testArg{col(ivl, arrow.MonthDayNanoInterval{Months: 1}), col(f8, 1.5)}, want: "1mon 15d 0us"},
		{name: "interval / 0", op: "/", args: []testArg{col(ivl, day), col(i4, 0)}, want: "ERR 22012 division by zero"},
		{name: "date_trunc", op: "fn:date_trunc", args: []testArg{col(txt, "month", "hour", "week"), col(ts, "2024-03-15 10:11:12", "2024-03-15 10:11:12", "2024-03-15 10:11:12")}, want: "2024-03-01 00:00:00,2024-03-15 10:00:00,2024-03-11 00:00:00"},
		{name: "date_trunc bad unit", op: "fn:date_trunc", args: []testArg{col(txt, "fortnight"), col(ts, "2024-03-15 10:11:12")}, want: "ERR 22023 unit \"fortnight\" not recognized for type timestamp without time zone"},
		{name: "date_part", op: "fn:date_part", args: []testArg{col(txt, "year", "second", "dow", "epoch"), col(ts, "2024-03-15 10:11:12.5", "2024-03-15 10:11:12.5", "2024-03-15 10:11:12.5", "1970-01-02 00:00:00")}, want: "2024,12.5,5,86400", typ: "double precision"},
		{name: "extract numeric", op: "fn:extract", args: []testArg{col(txt, "second", "year", "epoch"), col(ts, "2024-03-15 10:11:12.5", "2024-03-15 10:11:12.5", "1970-01-02 00:00:00")}, want: "12.500000,2024,86400.000000", typ: "numeric"},
		{name: "extract from date", op: "fn:extract", args: []testArg{col(txt, "doy"), col(dte, "2024-03-01")}, want: "61"},
		{name: "make_date", op: "fn:make_date", args: []testArg{col(i4, 2024), col(i4, 2), col(i4, 29)}, want: "2024-02-29"},
		{name: "make_date bad", op: "fn:make_date", args: []testArg{col(i4, 2023), col(i4, 2), col(i4, 29)}, want: "ERR 22008 date field value out of range: 2023-02-29"},
		{name: "age", op: "fn:age", args: []testArg{col(ts, "2024-03-15 00:00:00"), col(ts, "2023-01-31 12:00:00")}, want: "13mon 14d 43200000000us"},
		{name: "to_char", op: "fn:to_char", args: []testArg{col(ts, "2024-03-05 14:07:09"), col(txt, "YYYY-MM-DD HH24:MI:SS \"at\" FMMonth Dy")}, want: "2024-03-05 14:07:09 at March Tue"},
		{name: "to_char lower case", op: "fn:to_char", args: []testArg{col(ts, "2024-12-25 00:00:00"), col(txt, "day MONTH yy")}, want: "wednesday DECEMBER  24"},
		{name: "julian", op: "fn:extract", args: []testArg{col(txt, "julian"), col(dte, "2024-01-01")}, want: "2460311"},
		{name: "interval + time", op: "+", args: []testArg{col(ivl, arrow.MonthDayNanoInterval{Nanoseconds: 3600e9}), col(sqltype.TimeT, 36000000000)}, want: "11:00:00.000000"},
		{name: "now", op: "fn:now", want: "2024-03-15 12:30:45.123456,2024-03-15 12:30:45.123456"},
		{name: "current_date", op: "fn:current_date", want: "2024-03-15,2024-03-15"},
	})
}

func TestCommonType(t *testing.T) {
	cases := []struct {
		name string
		args []argInfo
		want string
	}{
		{"ints", []argInfo{infoOf(i2), infoOf(i8)}, "bigint"},
		{"int numeric", []argInfo{infoOf(i4), numericInfo(1)}, "numeric"},
		{"unknown and int", []argInfo{infoOf(sqltype.UnknownT), infoOf(i4)}, "integer"},
		{"all unknown", []argInfo{infoOf(sqltype.UnknownT)}, "unknown"},
		{"varchar text", []argInfo{infoOf(sqltype.VarcharOf(3)), infoOf(txt)}, "character varying"},
		{"date timestamptz", []argInfo{infoOf(dte), infoOf(tsz)}, "timestamp with time zone"},
		{"int text", []argInfo{infoOf(i4), infoOf(txt)}, "ERR 42804 CASE types integer and text cannot be matched"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := commonType(tc.args, "CASE")
			s := got.T.String()
			if err != nil {
				s = "ERR " + string(sqlstate.CodeOf(err)) + " " + err.Error()
			}
			if s != tc.want {
				t.Fatalf("got %q want %q", s, tc.want)
			}
			if err == nil && !arrow.TypeEqual(got.DT, got.T.Arrow()) && len(tc.args) > 1 {
				t.Fatalf("mixed inputs keep representation %s", got.DT)
			}
		})
	}
}

func TestSessionTimeZone(t *testing.T) {
	ec := mustEC(t)
	loc, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("no tzdata")
	}
	ec.format.Location = loc
	cases := []struct {
		name string
		impl func() (funcImpl, error)
		args []testArg
		want string
	}{
		{"timestamp to timestamptz", func() (funcImpl, error) { return resolveCast(infoOf(ts), tsz, false) },
			[]testArg{col(ts, "2024-01-01 10:00:00")}, "2024-01-01 15:00:00"},
		{"timestamptz to date", func() (funcImpl, error) { return resolveCast(infoOf(tsz), dte, true) },
			[]testArg{col(tsz, "2024-01-01 03:00:00")}, "2023-12-31"},
		{"date_trunc day local", func() (funcImpl, error) { return resolveFunction("date_trunc", []argInfo{textInfo, infoOf(tsz)}) },
			[]testArg{col(txt, "day"), col(tsz, "2024-01-01 03:00:00")}, "2023-12-31 05:00:00"},
		{"add day across DST", func() (funcImpl, error) { return resolveOperator("+", infoOf(tsz), infoOf(ivl)) },
			[]testArg{col(tsz, "2024-03-09 17:00:00"), col(ivl, arrow.MonthDayNanoInterval{Days: 1})}, "2024-03-10 16:00:00"},
	}
	for _, tc := range cases {
		impl, err := tc.impl()
		if err != nil {
			t.Fatal(tc.name, err)
		}
		out, err := call(t, ec, impl, tc.args)
		if err != nil {
			t.Fatal(tc.name, err)
		}
		if got := renderAll(out); got != tc.want {
			t.Errorf("%s: got %s want %s", tc.name, got, tc.want)
		}
		out.Release()
	}
}
