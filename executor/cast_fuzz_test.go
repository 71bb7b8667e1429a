package executor

import (
	"context"
	"testing"
	"time"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"

	"github.com/sharehouse/sharehouse/executor/sqlstate"
	"github.com/sharehouse/sharehouse/executor/sqltype"
)

// fuzzCastTypes are the targets of FuzzTextCast, picked by index.
var fuzzCastTypes = []sqltype.T{
	sqltype.Int2T, sqltype.Int4T, sqltype.Int8T, sqltype.Float4T, sqltype.Float8T,
	sqltype.NumericT, sqltype.NumericOf(10, 2), sqltype.BoolT, sqltype.DateT,
	sqltype.TimestampT, sqltype.TimestamptzT, sqltype.IntervalT, sqltype.VarcharOf(3),
	sqltype.BPCharOf(3), sqltype.UUIDT, sqltype.ByteaT, sqltype.TextT, sqltype.TimeT,
}

// castText runs text → t (explicit) on one value; ok is false on an error,
// which must then carry a SQLSTATE of class 22 (data exception) or 0A000
// (NaN and infinities do not fit a Decimal128).
func castOne(t *testing.T, ec *evalContext, from argInfo, to sqltype.T, in arrow.Array) (arrow.Array, bool) {
	t.Helper()
	impl, err := resolveCast(from, to, true)
	if err != nil {
		t.Fatalf("resolveCast %s → %s: %v", from.T, to, err)
	}
	out, err := impl.Eval(ec, []arrow.Array{in}, in.Len())
	if err != nil {
		if c := sqlstate.CodeOf(err); c[:2] != "22" && c != sqlstate.FeatureNotSupported {
			t.Fatalf("cast %s → %s: error %v has code %s, want class 22", from.T, to, err, c)
		}
		return nil, false
	}
	if !arrow.TypeEqual(out.DataType(), impl.Result.DT) || out.Len() != in.Len() {
		t.Fatalf("cast %s → %s: got %s × %d", from.T, to, out.DataType(), out.Len())
	}
	return out, true
}

// FuzzTextCast: parsing text as any type never panics, fails only with a
// data-exception code, and printing what it parsed is a fixpoint: text → T →
// text → T → text gives the same text twice.
func FuzzTextCast(f *testing.F) {
	seeds := []struct {
		typ int
		s   string
	}{
		{0, "12"}, {1, " -2147483648 "}, {2, "9223372036854775807"}, {3, "1.5e10"}, {4, "NaN"},
		{5, "-0.000100"}, {6, "12345.678"}, {7, "yes"}, {8, "2024-02-29"}, {9, "2024-01-01 10:00:00.5"},
		{10, "2024-06-01 12:00:00+02"}, {11, "1 year 2 mons 3 days 04:05:06"}, {12, "abcdef"},
		{13, "ab"}, {14, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"}, {15, `\x00ff`}, {16, "héllo"},
		{17, "23:59:59.999999"}, {1, "x"}, {5, "Infinity"}, {8, "infinity"},
	}
	for _, s := range seeds {
		f.Add(s.typ, s.s)
	}
	f.Fuzz(func(t *testing.T, typ int, s string) {
		if typ < 0 {
			typ = -typ
		}
		to := fuzzCastTypes[typ%len(fuzzCastTypes)]
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		defer mem.AssertSize(t, 0)
		ec := newEvalContext(context.Background(), mem, time.Unix(0, 0), sqltype.Format{Location: time.UTC})
		b := array.NewStringBuilder(mem)
		b.Append(s)
		in := b.NewArray()
		b.Release()
		defer in.Release()

		v1, ok := castOne(t, ec, textInfo, to, in)
		if !ok {
			return
		}
		defer v1.Release()
		toInfo := infoOf(to)
		t1, ok := castOne(t, ec, toInfo, sqltype.TextT, v1)
		if !ok {
			t.Fatalf("%s value from %q does not print", to, s)
		}
		defer t1.Release()
		v2, ok := castOne(t, ec, textInfo, to, t1)
		if !ok {
			t.Fatalf("%s: printed form %q of %q does not parse", to, t1.(*array.String).Value(0), s)
		}
		defer v2.Release()
		t2, ok := castOne(t, ec, toInfo, sqltype.TextT, v2)
		if !ok {
			t.Fatalf("%s: second print failed", to)
		}
		defer t2.Release()
		a, c := t1.(*array.String).Value(0), t2.(*array.String).Value(0)
		if a != c {
			t.Fatalf("%s: %q → %q → %q is not a fixpoint", to, s, a, c)
		}
	})
}
