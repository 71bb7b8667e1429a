package executor

import (
	"context"
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
			arrs []arrow.Array
		}{{"int", []arrow.Array{ints}}, {"text", []arrow.Array{strs}}, {"int,text", []arrow.Array{ints, strs}}} {
			b.Run(fmt.Sprintf("%s/groups=%d", c.name, ngroups), func(b *testing.B) {
				groups := make([]uint32, rows)
				for i := 0; i < b.N; i++ {
					var g grouper
					for j := 0; j < 4; j++ {
						if err := g.assign(c.arrs, groups, func(int) error { return nil }); err != nil {
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

// BenchmarkAggregateProcs runs BenchmarkQueries' GROUP BYs over a cached
// table with one core and with two: what parallel aggregation buys once
// decoding is not the cost.
func BenchmarkAggregateProcs(b *testing.B) {
	t := &testing.T{}
	_, s := testEngine(t)
	for _, sql := range []string{
		`CREATE TABLE f (id bigint, customer text, amount numeric(12,2), qty int, price float8)`,
		`INSERT INTO f SELECT g, 'customer_' || (g % 100)::text, (g % 1000)::numeric(12,2) / 100, (g % 50)::int, (g % 400) * 0.5 FROM generate_series(1, 1000000) g`,
	} {
		stmts, err := s.Parse(context.Background(), sql)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.Execute(context.Background(), stmts[0], nil); err != nil {
			b.Fatal(err)
		}
	}
	for _, q := range []struct{ name, sql string }{
		{"text", `SELECT customer, count(*), sum(amount), avg(qty), max(price) FROM f GROUP BY customer`},
		{"int", `SELECT qty, count(*), sum(price), min(id), max(amount) FROM f GROUP BY qty`},
		{"unique", `SELECT id, count(*), sum(price) FROM f GROUP BY id`},
		{"tenth", `SELECT id / 10, count(*), sum(price) FROM f GROUP BY 1`},
	} {
		for _, procs := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/procs=%d", q.name, procs), func(b *testing.B) {
				withProcs(procs, func() {
					drainQuery(b, s, q.sql) // warms the column cache
					b.ResetTimer()
					cpu := cpuTime()
					for i := 0; i < b.N; i++ {
						drainQuery(b, s, q.sql)
					}
					b.ReportMetric(float64(cpuTime()-cpu)/1e6/float64(b.N), "cpu-ms/op")
				})
			})
		}
	}
}
