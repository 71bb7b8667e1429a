package executor

import (
	"fmt"
	"testing"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
)

// BenchmarkGrouper measures grouper.assign alone on 64K-row batches of
// int and text keys with few and many groups.
func BenchmarkGrouper(b *testing.B) {
	const rows = 64 * 1024
	for _, ngroups := range []int{50, 100_000} {
		ib := array.NewInt64Builder(memory.DefaultAllocator)
		sb := array.NewStringBuilder(memory.DefaultAllocator)
		for r := 0; r < rows; r++ {
			k := (r * 7919) % ngroups
			ib.Append(int64(k))
			sb.Append(fmt.Sprintf("customer_%d", k))
		}
		ints, strs := ib.NewArray(), sb.NewArray()
		ib.Release()
		sb.Release()
		for _, c := range []struct {
			name string
			arr  arrow.Array
		}{{"int", ints}, {"text", strs}} {
			b.Run(fmt.Sprintf("%s/groups=%d", c.name, ngroups), func(b *testing.B) {
				groups := make([]uint32, rows)
				for i := 0; i < b.N; i++ {
					var g grouper
					for j := 0; j < 4; j++ {
						if err := g.assign([]arrow.Array{c.arr}, groups, func(int) error { return nil }); err != nil {
							b.Fatal(err)
						}
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*4*rows), "ns/row")
			})
		}
		ints.Release()
		strs.Release()
	}
}
