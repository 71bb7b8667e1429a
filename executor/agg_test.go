package executor

import (
	"testing"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"

	"github.com/sharehouse/sharehouse/executor/sqlstate"
	"github.com/sharehouse/sharehouse/executor/sqltype"
)

type aggCase struct {
	name     string
	fn       string
	star     bool
	distinct bool
	args     []testArg
	groups   []uint32 // per row; two batches split at the middle
	ngroups  int
	want     string // per group, comma-joined
	typ      string
}

func TestAggregates(t *testing.T) {
	iv := func(d int32) arrow.MonthDayNanoInterval { return arrow.MonthDayNanoInterval{Days: d} }
	cases := []aggCase{
		{name: "count star", fn: "count", star: true, groups: []uint32{0, 1, 0}, ngroups: 3, want: "2,1,0", typ: "bigint"},
		{name: "count x", fn: "count", args: []testArg{col(i4, 1, nil, 3)}, groups: []uint32{0, 0, 0}, ngroups: 1, want: "2"},
		{name: "sum int4", fn: "sum", args: []testArg{col(i4, 1, 2, nil, 4)}, groups: []uint32{0, 1, 1, 0}, ngroups: 3, want: "5,2,NULL", typ: "bigint"},
		{name: "sum int8 beyond int64", fn: "sum", args: []testArg{col(i8, int64(9223372036854775807), int64(9223372036854775807), 2)}, groups: []uint32{0, 0, 0}, ngroups: 1, want: "18446744073709551616", typ: "numeric"},
		{name: "sum int8 negative", fn: "sum", args: []testArg{col(i8, -5, 3)}, groups: []uint32{0, 0}, ngroups: 1, want: "-2"},
		{name: "sum numeric", fn: "sum", args: []testArg{dec(2, "1.25", "2.50", nil)}, groups: []uint32{0, 0, 1}, ngroups: 2, want: "3.75,NULL", typ: "numeric"},
		{name: "sum numeric text", fn: "sum", args: []testArg{numTxt("1.5", "2.25")}, groups: []uint32{0, 0}, ngroups: 1, want: "3.75"},
		{name: "sum float8", fn: "sum", args: []testArg{col(f8, 0.5, 0.25)}, groups: []uint32{0, 0}, ngroups: 1, want: "0.75", typ: "double precision"},
		{name: "sum float4", fn: "sum", args: []testArg{col(f4, 0.5, 0.25)}, groups: []uint32{0, 0}, ngroups: 1, want: "0.75", typ: "real"},
		{name: "sum interval", fn: "sum", args: []testArg{col(ivl, iv(1), iv(2))}, groups: []uint32{0, 0}, ngroups: 1, want: "0mon 3d 0us", typ: "interval"},
		{name: "avg int", fn: "avg", args: []testArg{col(i4, 1, 2, 2)}, groups: []uint32{0, 0, 1}, ngroups: 2, want: "1.5000000000000000,2.0000000000000000", typ: "numeric"},
		{name: "avg int4 negative, NULL", fn: "avg", args: []testArg{col(i4, -3, -4, nil, 10)}, groups: []uint32{0, 0, 0, 0}, ngroups: 1, want: "1.00000000000000000000"},
		{name: "avg int2", fn: "avg", args: []testArg{col(i2, 1, 2)}, groups: []uint32{0, 0}, ngroups: 1, want: "1.5000000000000000"},
		{name: "avg int8 beyond int64", fn: "avg", args: []testArg{col(i8, int64(9223372036854775807), int64(9223372036854775807), 2)}, groups: []uint32{0, 0, 0}, ngroups: 1, want: "6148914691236517205"},
		{name: "avg int8 negative beyond int64", fn: "avg", args: []testArg{col(i8, int64(-9223372036854775808), int64(-9223372036854775808), -1, 3)}, groups: []uint32{0, 0, 1, 1}, ngroups: 2, want: "-9223372036854775808,1.00000000000000000000"},
		{name: "avg numeric", fn: "avg", args: []testArg{dec(1, "1.0", "2.0", "4.0")}, groups: []uint32{0, 0, 0}, ngroups: 1, want: "2.3333333333333333"},
		{name: "avg float", fn: "avg", args: []testArg{col(f8, 1.0, 2.0)}, groups: []uint32{0, 0}, ngroups: 1, want: "1.5", typ: "double precision"},
		{name: "avg empty", fn: "avg", args: []testArg{col(i4, nil)}, groups: []uint32{0}, ngroups: 1, want: "NULL"},
		{name: "min int", fn: "min", args: []testArg{col(i4, 5, 3, nil, 9)}, groups: []uint32{0, 0, 1, 1}, ngroups: 2, want: "3,9"},
		{name: "max text", fn: "max", args: []testArg{col(txt, "apple", "pear", "fig")}, groups: []uint32{0, 0, 0}, ngroups: 1, want: "pear", typ: "text"},
		{name: "max numeric text", fn: "max", args: []testArg{numTxt("9.5", "10", "NaN")}, groups: []uint32{0, 0, 1}, ngroups: 2, want: "10,NaN"},
		{name: "min decimal", fn: "min", args: []testArg{dec(2, "1.50", "-2.25")}, groups: []uint32{0, 0}, ngroups: 1, want: "-2.25"},
		{name: "max float NaN", fn: "max", args: []testArg{col(f8, 1.0, 0.0)}, groups: []uint32{0, 0}, ngroups: 1, want: "1"},
		{name: "max date", fn: "max", args: []testArg{col(dte, "2024-01-01", "2023-01-01")}, groups: []uint32{0, 0}, ngroups: 1, want: "2024-01-01", typ: "date"},
		{name: "min bool", fn: "min", args: []testArg{col(bl, true, false)}, groups: []uint32{0, 0}, ngroups: 1, want: "f"},
		{name: "max interval", fn: "max", args: []testArg{col(ivl, iv(1), arrow.MonthDayNanoInterval{Nanoseconds: 90000e9})}, groups: []uint32{0, 0}, ngroups: 1, want: "0mon 0d 90000000000us"},
		{name: "bool_and", fn: "bool_and", args: []testArg{col(bl, true, false, true, nil)}, groups: []uint32{0, 0, 1, 1}, ngroups: 3, want: "f,t,NULL"},
		{name: "bool_or", fn: "bool_or", args: []testArg{col(bl, false, nil, true)}, groups: []uint32{0, 0, 1}, ngroups: 2, want: "f,t"},
		{name: "every", fn: "every", args: []testArg{col(bl, true, true)}, groups: []uint32{0, 0}, ngroups: 1, want: "t"},
		{name: "string_agg", fn: "string_agg", args: []testArg{col(txt, "a", nil, "b", "c"), col(txt, ",", ",", ";", ",")}, groups: []uint32{0, 0, 0, 1}, ngroups: 3, want: "a;b,c,NULL"},
		{name: "variance int", fn: "variance", args: []testArg{col(i4, 1, 2, 3, 4)}, groups: []uint32{0, 0, 0, 0}, ngroups: 1, want: "1.6666666666666667", typ: "numeric"},
		{name: "stddev_pop numeric", fn: "stddev_pop", args: []testArg{dec(1, "1.0", "2.0", "3.0", "4.0")}, groups: []uint32{0, 0, 0, 0}, ngroups: 1, want: "1.1180339887498948"},
		{name: "stddev one row", fn: "stddev", args: []testArg{col(i4, 1)}, groups: []uint32{0}, ngroups: 1, want: "NULL"},
		{name: "var_pop float", fn: "var_pop", args: []testArg{col(f8, 1.0, 2.0, 3.0, 4.0)}, groups: []uint32{0, 0, 0, 0}, ngroups: 1, want: "1.25", typ: "double precision"},
		{name: "stddev_samp float", fn: "stddev_samp", args: []testArg{col(f8, 2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0)}, groups: []uint32{0, 0, 0, 0, 0, 0, 0, 0}, ngroups: 1, want: "2.138089935299395"},
		{name: "variance equal values", fn: "variance", args: []testArg{col(i4, 5, 5)}, groups: []uint32{0, 0}, ngroups: 1, want: "0"},
		{name: "count distinct", fn: "count", distinct: true, args: []testArg{col(i4, 1, 1, 2, nil, 1)}, groups: []uint32{0, 0, 0, 0, 1}, ngroups: 2, want: "2,1"},
		{name: "sum distinct numeric scales", fn: "sum", distinct: true, args: []testArg{numTxt("1.0", "1.00", "2")}, groups: []uint32{0, 0, 0}, ngroups: 1, want: "3.0"},
		{name: "string_agg distinct", fn: "string_agg", distinct: true, args: []testArg{col(txt, "a", "a", "b"), col(txt, ",", ",", ",")}, groups: []uint32{0, 0, 0}, ngroups: 1, want: "a,b"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ec := mustEC(t)
			infos := make([]argInfo, len(tc.args))
			for i, a := range tc.args {
				infos[i] = a.info
			}
			impl, err := resolveAggregate(tc.fn, infos, tc.star, tc.distinct)
			if err != nil {
				t.Fatal(err)
			}
			if tc.typ != "" && impl.Result.T.String() != tc.typ {
				t.Errorf("type %s want %s", impl.Result.T, tc.typ)
			}
			st := impl.New(ec)
			defer st.Release()
			arrs := make([]arrow.Array, len(tc.args))
			for i, a := range tc.args {
				arrs[i] = build(t, ec.mem, a)
				defer arrs[i].Release()
			}
			// Two batches: the first half, then the rest, with ngroups growing.
			half := len(tc.groups) / 2
			for _, r := range [][2]int{{0, half}, {half, len(tc.groups)}} {
				sub := make([]arrow.Array, len(arrs))
				for i, a := range arrs {
					sub[i] = arrowSlice(a, r[0], r[1])
				}
				ng := 0
				for _, g := range tc.groups[:r[1]] {
					ng = max(ng, int(g)+1)
				}
				err := st.Update(tc.groups[r[0]:r[1]], ng, sub)
				for _, s := range sub {
					s.Release()
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			out, err := st.Finish(tc.ngroups)
			if err != nil {
				t.Fatal(err)
			}
			defer out.Release()
			if !arrow.TypeEqual(out.DataType(), impl.Result.DT) {
				t.Fatalf("Finish gave %s, declared %s", out.DataType(), impl.Result.DT)
			}
			if got := renderAll(out); got != tc.want {
				t.Errorf("got %q want %q", got, tc.want)
			}
		})
	}
}

func arrowSlice(a arrow.Array, i, j int) arrow.Array {
	return arrayNewSlice(a, int64(i), int64(j))
}

func TestAggregateErrors(t *testing.T) {
	for _, tc := range []struct {
		fn   string
		args []argInfo
		star bool
		code sqlstate.Code
	}{
		{"sum", []argInfo{textInfo}, false, sqlstate.UndefinedFunction},
		{"avg", []argInfo{boolInfo}, false, sqlstate.UndefinedFunction},
		{"sum", nil, true, sqlstate.WrongObjectType},
		{"bool_and", []argInfo{int4Info}, false, sqlstate.UndefinedFunction},
	} {
		_, err := resolveAggregate(tc.fn, tc.args, tc.star, false)
		if sqlstate.CodeOf(err) != tc.code {
			t.Errorf("%s: got %v want %s", tc.fn, err, tc.code)
		}
	}
	if !isAggregate("count") || isAggregate("lower") {
		t.Fatal("isAggregate")
	}
}

func TestSumInt4Overflow(t *testing.T) {
	ec := mustEC(t)
	impl, err := resolveAggregate("sum", []argInfo{infoOf(sqltype.Int8T)}, false, false)
	if err != nil {
		t.Fatal(err)
	}
	st := impl.New(ec)
	defer st.Release()
	a := build(t, ec.mem, col(i8, int64(-9223372036854775808), int64(-9223372036854775808)))
	defer a.Release()
	if err := st.Update([]uint32{0, 0}, 1, []arrow.Array{a}); err != nil {
		t.Fatal(err)
	}
	out, err := st.Finish(1)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Release()
	if got := renderAll(out); got != "-18446744073709551616" {
		t.Fatalf("got %s", got)
	}
}

func arrayNewSlice(a arrow.Array, i, j int64) arrow.Array { return array.NewSlice(a, i, j) }
