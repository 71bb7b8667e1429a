package executor

import (
	"testing"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"

	"github.com/sharehouse/sharehouse/executor/sqltype"
)

// TestResolveArrayOp covers =, <> and || over arrays held as canonical
// literals, including NULL arrays and elements.
func TestResolveArrayOp(t *testing.T) {
	ta := infoOf(sqltype.T{OID: sqltype.TextArray, Typmod: -1})
	strs := func(vs ...any) arrow.Array {
		b := array.NewStringBuilder(defaultMem)
		defer b.Release()
		for _, v := range vs {
			if v == nil {
				b.AppendNull()
			} else {
				b.Append(v.(string))
			}
		}
		return b.NewArray()
	}
	ec := mustEC(t)
	for _, tc := range []struct {
		op   string
		l, r argInfo
		a, b []any
		want string
	}{
		{"=", ta, ta, []any{"{a,b}", "{a}", nil}, []any{"{a,b}", "{b}", "{}"}, "[true false (null)]"},
		{"<>", ta, textInfo, nil, nil, ""}, // text is no array: not resolved
		{"<>", ta, infoOf(sqltype.UnknownT), []any{"{a}"}, []any{"{}"}, "[true]"},
		{"||", ta, ta, []any{"{a}", nil, nil}, []any{`{"b c"}`, "{x}", nil}, `["{a,\"b c\"}" "{x}" (null)]`},
		{"||", ta, textInfo, []any{"{a}", nil}, []any{"z", nil}, `["{a,z}" "{NULL}"]`},
		{"||", textInfo, ta, []any{"z"}, []any{"{a}"}, `["{z,a}"]`},
	} {
		f, ok := resolveArrayOp(tc.op, tc.l, tc.r)
		if ok != (tc.want != "") {
			t.Errorf("%s %s %s: resolved %v", tc.l.T, tc.op, tc.r.T, ok)
			continue
		}
		if !ok {
			continue
		}
		a, b := strs(tc.a...), strs(tc.b...)
		out, err := f.Eval(ec, []arrow.Array{a, b}, a.Len())
		if err != nil {
			t.Fatal(err)
		}
		if got := out.String(); got != tc.want {
			t.Errorf("%v %s %v = %s, want %s", tc.a, tc.op, tc.b, got, tc.want)
		}
		a.Release()
		b.Release()
		out.Release()
	}
}
