package executor

import (
	"context"
	"testing"
	"time"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/decimal128"
	"github.com/apache/arrow/go/v17/arrow/memory"

	"github.com/sharehouse/sharehouse/executor/sqltype"
)

const benchRows = 8192

func benchEC() *evalContext {
	return newEvalContext(context.Background(), memory.NewGoAllocator(), time.Unix(0, 0), sqltype.Format{})
}

func benchInts(mem memory.Allocator) arrow.Array {
	b := array.NewInt64Builder(mem)
	defer b.Release()
	for i := 0; i < benchRows; i++ {
		if i%10 == 0 {
			b.AppendNull()
		} else {
			b.Append(int64(i))
		}
	}
	return b.NewArray()
}

func BenchmarkInt8Add(b *testing.B) {
	ec := benchEC()
	a := benchInts(ec.mem)
	impl, _ := resolveOperator("+", int8Info, int8Info)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		out, err := impl.Eval(ec, []arrow.Array{a, a}, benchRows)
		if err != nil {
			b.Fatal(err)
		}
		out.Release()
	}
}

func BenchmarkInt8Compare(b *testing.B) {
	ec := benchEC()
	a := benchInts(ec.mem)
	impl, _ := resolveOperator("<", int8Info, int8Info)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		out, err := impl.Eval(ec, []arrow.Array{a, a}, benchRows)
		if err != nil {
			b.Fatal(err)
		}
		out.Release()
	}
}

func BenchmarkLikeConstPattern(b *testing.B) {
	ec := benchEC()
	sb := array.NewStringBuilder(ec.mem)
	pb := array.NewStringBuilder(ec.mem)
	for i := 0; i < benchRows; i++ {
		sb.Append("some longer string value number")
		pb.Append("%value%")
	}
	s, p := sb.NewArray(), pb.NewArray()
	impl, _ := resolveOperator("LIKE", textInfo, textInfo)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		out, err := impl.Eval(ec, []arrow.Array{s, p}, benchRows)
		if err != nil {
			b.Fatal(err)
		}
		out.Release()
	}
}

func BenchmarkSumInt8Grouped(b *testing.B) {
	ec := benchEC()
	a := benchInts(ec.mem)
	groups := make([]uint32, benchRows)
	for i := range groups {
		groups[i] = uint32(i % 64)
	}
	impl, _ := resolveAggregate("sum", []argInfo{int8Info}, false, false)
	st := impl.New(ec)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := st.Update(groups, 64, []arrow.Array{a}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNumericMul(b *testing.B) {
	ec := benchEC()
	dt := &arrow.Decimal128Type{Precision: 10, Scale: 2}
	db := array.NewDecimal128Builder(ec.mem, dt)
	for i := 0; i < benchRows; i++ {
		db.Append(decimal128FromInt(int64(i)))
	}
	a := db.NewArray()
	info := argInfo{T: sqltype.NumericOf(10, 2), DT: dt}
	impl, _ := resolveOperator("*", info, info)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		out, err := impl.Eval(ec, []arrow.Array{a, a}, benchRows)
		if err != nil {
			b.Fatal(err)
		}
		out.Release()
	}
}

func decimal128FromInt(v int64) decimal128.Num { return decimal128.FromI64(v) }
