package executor

import (
	"math/bits"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/bitutil"
	"github.com/apache/arrow/go/v17/arrow/memory"
)

// defaultMem allocates the small constant arrays binding makes; query data
// uses the engine's allocator.
var defaultMem = memory.DefaultAllocator

// takeArray gathers arr[idx[0]], arr[idx[1]], … into a new array; an index
// of -1 gives a null (outer joins). Sort, filter and join all reduce to it.
func takeArray(mem memory.Allocator, arr arrow.Array, idx []int32) arrow.Array {
	switch a := arr.(type) {
	case *array.Int64:
		return takeFixed(mem, a, a.Int64Values(), idx, array.NewInt64Builder(mem))
	case *array.Int32:
		return takeFixed(mem, a, a.Int32Values(), idx, array.NewInt32Builder(mem))
	case *array.Int16:
		return takeFixed(mem, a, a.Int16Values(), idx, array.NewInt16Builder(mem))
	case *array.Float64:
		return takeFixed(mem, a, a.Float64Values(), idx, array.NewFloat64Builder(mem))
	case *array.Float32:
		return takeFixed(mem, a, a.Float32Values(), idx, array.NewFloat32Builder(mem))
	case *array.Date32:
		return takeFixed(mem, a, a.Date32Values(), idx, array.NewDate32Builder(mem))
	case *array.Timestamp:
		return takeFixed(mem, a, a.TimestampValues(), idx, array.NewTimestampBuilder(mem, a.DataType().(*arrow.TimestampType)))
	case *array.String:
		b := array.NewStringBuilder(mem)
		defer b.Release()
		b.Reserve(len(idx))
		for _, i := range idx {
			if i < 0 || a.IsNull(int(i)) {
				b.AppendNull()
			} else {
				b.Append(a.Value(int(i)))
			}
		}
		return b.NewArray()
	}
	b := array.NewBuilder(mem, arr.DataType())
	defer b.Release()
	b.Reserve(len(idx))
	for _, i := range idx {
		if i < 0 {
			b.AppendNull()
			continue
		}
		if err := appendValue(b, arr, int(i)); err != nil {
			panic(err) // appendValue covers every type sharehouse creates
		}
	}
	return b.NewArray()
}

type fixedBuilder[T any] interface {
	array.Builder
	AppendValues([]T, []bool)
	UnsafeAppend(T)
}

func takeFixed[T any, B fixedBuilder[T]](mem memory.Allocator, arr arrow.Array, vals []T, idx []int32, b B) arrow.Array {
	defer b.Release()
	b.Reserve(len(idx))
	if arr.NullN() == 0 {
		out := make([]T, len(idx))
		hasMissing := false
		for j, i := range idx {
			if i < 0 {
				hasMissing = true
				continue
			}
			out[j] = vals[i]
		}
		if !hasMissing {
			b.AppendValues(out, nil)
			return b.NewArray()
		}
		valid := make([]bool, len(idx))
		for j, i := range idx {
			valid[j] = i >= 0
		}
		b.AppendValues(out, valid)
		return b.NewArray()
	}
	for _, i := range idx {
		if i < 0 || arr.IsNull(int(i)) {
			b.AppendNull()
		} else {
			b.UnsafeAppend(vals[i])
		}
	}
	return b.NewArray()
}

// takeRecord gathers rows idx of rec.
func takeRecord(mem memory.Allocator, rec arrow.Record, idx []int32) arrow.Record {
	cols := make([]arrow.Array, rec.NumCols())
	for i := range cols {
		cols[i] = takeArray(mem, rec.Column(i), idx)
	}
	out := array.NewRecord(rec.Schema(), cols, int64(len(idx)))
	for _, c := range cols {
		c.Release()
	}
	return out
}

// selectionOf returns the rows where mask is true (not null).
func selectionOf(mask *array.Boolean) []int32 {
	n := mask.Len()
	if n == 0 {
		return nil
	}
	vals, off := boolValues(mask)
	set := vals[off/8:]
	if off%8 != 0 || mask.NullN() > 0 {
		// Rows that are true and not NULL, as one bitmap at offset 0.
		set = make([]byte, bitutil.BytesForBits(int64(n)))
		bitutil.CopyBitmap(vals, off, n, set, 0)
		if v := validityOf(mask); v.bits != nil {
			bitutil.BitmapAnd(set, v.bits, 0, int64(v.offset), set, 0, int64(n))
		}
	}
	sel := make([]int32, 0, bitutil.CountSetBits(set, 0, n))
	for i, b := range set[:bitutil.BytesForBits(int64(n))] {
		for b != 0 {
			r := i*8 + bits.TrailingZeros8(b)
			if r >= n {
				break
			}
			sel = append(sel, int32(r))
			b &= b - 1
		}
	}
	return sel
}

// filterRecord keeps the rows where mask is true; it returns rec itself
// (retained) when every row passes.
func filterRecord(mem memory.Allocator, rec arrow.Record, mask *array.Boolean) arrow.Record {
	sel := selectionOf(mask)
	if len(sel) == int(rec.NumRows()) {
		rec.Retain()
		return rec
	}
	return takeRecord(mem, rec, sel)
}

// oneRowRecord is a batch of one row and no columns: the input of
// constant folding and of a SELECT without FROM.
func oneRowRecord() arrow.Record {
	return array.NewRecord(arrow.NewSchema(nil, nil), nil, 1)
}
