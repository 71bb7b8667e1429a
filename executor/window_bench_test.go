package executor

import (
	"context"
	"testing"

	"github.com/apache/arrow/go/v17/arrow/memory"
)

// benchSession is a session over a real catalog with Go's allocator: the
// checked allocator of testEngine records a stack per allocation, which
// would dominate what these benchmarks measure.
func benchSession(b *testing.B) *Session {
	t := &testing.T{}
	eng := New(Config{Catalog: openCatalog(t), Allocator: memory.NewGoAllocator()})
	s, err := eng.NewSession(context.Background(), SessionOptions{User: "admin", Database: "postgres"})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(s.Close)
	return s
}

// BenchmarkWindowFrames measures window aggregates over 200k rows in 10
// partitions, for the frame shapes the linear paths cover (running,
// suffix) and a small sliding frame.
func BenchmarkWindowFrames(b *testing.B) {
	s := benchSession(b)
	ctx := context.Background()
	for _, sql := range []string{
		`CREATE TABLE wf (id bigint, g int, v bigint)`,
		`INSERT INTO wf SELECT x, x % 10, x % 1000 FROM generate_series(1, 200000) x`,
	} {
		stmts, err := s.Parse(ctx, sql)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.Execute(ctx, stmts[0], nil); err != nil {
			b.Fatal(err)
		}
	}
	for _, q := range []struct{ name, sql string }{
		{"running_sum", `SELECT sum(v) OVER (PARTITION BY g ORDER BY id) FROM wf`},
		{"suffix_count", `SELECT count(v) OVER (PARTITION BY g ORDER BY id ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) FROM wf`},
		{"sliding_rows_5", `SELECT avg(v) OVER (PARTITION BY g ORDER BY id ROWS BETWEEN 2 PRECEDING AND 2 FOLLOWING) FROM wf`},
		{"range_offset", `SELECT sum(v) OVER (PARTITION BY g ORDER BY id RANGE BETWEEN 20 PRECEDING AND CURRENT ROW) FROM wf`},
		{"whole_partition", `SELECT max(v) OVER (PARTITION BY g) FROM wf`},
	} {
		b.Run(q.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				drainQuery(b, s, q.sql)
			}
			b.ReportMetric(200000*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
