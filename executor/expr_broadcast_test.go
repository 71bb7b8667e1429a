package executor

import (
	"testing"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/decimal128"
	"github.com/apache/arrow/go/v17/arrow/memory"
)

// TestBroadcastFlat: the byte-copying broadcast gives what appending the
// value n times gives, for fixed-width, string and sliced inputs.
func TestBroadcastFlat(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	build := func(dt arrow.DataType, add func(b array.Builder)) arrow.Array {
		b := array.NewBuilder(mem, dt)
		defer b.Release()
		add(b)
		return b.NewArray()
	}
	ones := []arrow.Array{
		build(arrow.PrimitiveTypes.Int64, func(b array.Builder) { b.(*array.Int64Builder).AppendValues([]int64{7, -42}, nil) }),
		build(arrow.PrimitiveTypes.Int16, func(b array.Builder) { b.(*array.Int16Builder).Append(-3) }),
		build(arrow.PrimitiveTypes.Float64, func(b array.Builder) { b.(*array.Float64Builder).Append(2.5) }),
		build(&arrow.Decimal128Type{Precision: 12, Scale: 2}, func(b array.Builder) {
			b.(*array.Decimal128Builder).Append(decimal128.FromI64(-12345))
		}),
		build(arrow.BinaryTypes.String, func(b array.Builder) { b.(*array.StringBuilder).AppendValues([]string{"x", "héllo"}, nil) }),
		build(arrow.BinaryTypes.String, func(b array.Builder) { b.(*array.StringBuilder).Append("") }),
		build(arrow.FixedWidthTypes.Date32, func(b array.Builder) { b.(*array.Date32Builder).Append(19000) }),
	}
	for _, a := range ones {
		one := array.NewSlice(a, int64(a.Len()-1), int64(a.Len())) // the last value, at an offset
		for _, n := range []int{2, 3, 1000} {
			got, ok := broadcastFlat(mem, one, n)
			if !ok {
				t.Fatalf("%s: no flat broadcast", a.DataType())
			}
			b := array.NewBuilder(mem, a.DataType())
			for i := 0; i < n; i++ {
				if err := appendValue(b, one, 0); err != nil {
					t.Fatal(err)
				}
			}
			want := b.NewArray()
			b.Release()
			if !array.Equal(got, want) {
				t.Errorf("%s ×%d: %v, want %v", a.DataType(), n, got, want)
			}
			got.Release()
			want.Release()
		}
		one.Release()
		a.Release()
	}
}
