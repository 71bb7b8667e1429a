package executor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"syscall"
	"testing"
	"time"

	"github.com/sharehouse/sharehouse/storage"
)

// cpuTime is the CPU time (user and system) the process has used: beside
// wall time, a figure that other load on the machine disturbs less.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// drainQuery runs sql and reads every batch, returning the row count.
func drainQuery(b *testing.B, s *Session, sql string) int64 {
	ctx := context.Background()
	stmts, err := s.Parse(ctx, sql)
	if err != nil {
		b.Fatal(err)
	}
	res, err := s.Execute(ctx, stmts[0], nil)
	if err != nil {
		b.Fatal(err)
	}
	var n int64
	for {
		rec, err := res.Rows.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			b.Fatal(err)
		}
		n += rec.NumRows()
	}
	res.Rows.Close(nil)
	return n
}

// BenchmarkQueries measures the engine alone (no wire) on 1M rows.
func BenchmarkQueries(b *testing.B) {
	t := &testing.T{}
	_, s := testEngine(t)
	ctx := context.Background()
	for _, sql := range []string{
		`CREATE TABLE f (id bigint, customer text, amount numeric(12,2), qty int)`,
		`INSERT INTO f SELECT g, 'customer_' || (g % 100)::text, (g % 1000)::numeric(12,2) / 100, (g % 50)::int FROM generate_series(1, 1000000) g`,
		`CREATE TABLE d (k int, label text)`,
		`INSERT INTO d SELECT g, 'label_' || (g % 7)::text FROM generate_series(0, 49) g`,
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
		{"count", `SELECT count(*) FROM f`},
		{"groupby_text", `SELECT customer, count(*), sum(amount), avg(qty) FROM f GROUP BY customer`},
		{"groupby_int", `SELECT qty, count(*), sum(id) FROM f GROUP BY qty`},
		{"filter", `SELECT id FROM f WHERE qty = 7 AND amount > 5`},
		{"scan_all", `SELECT * FROM f`},
		{"sort_limit", `SELECT id FROM f ORDER BY amount DESC, id LIMIT 10`},
		{"join_groupby", `SELECT d.label, count(*), sum(f.amount) FROM f JOIN d ON f.qty = d.k WHERE f.id % 3 = 0 GROUP BY d.label`},
	} {
		b.Run(q.name, func(b *testing.B) {
			cpu := cpuTime()
			for i := 0; i < b.N; i++ {
				drainQuery(b, s, q.sql)
			}
			b.ReportMetric(1e6*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
			b.ReportMetric(float64(cpuTime()-cpu)/1e6/float64(b.N), "cpu-ms/op")
		})
	}
}

// BenchmarkSelectiveFilter reads 1000 rows of a 2M-row table by a range of
// its sorted key: row-group statistics leave one row group or two to
// decode, so the row group length sets the cost.
func BenchmarkSelectiveFilter(b *testing.B) {
	for _, rg := range []int{128 * 1024, 64 * 1024, 32 * 1024} {
		b.Run(fmt.Sprintf("rowgroup=%d", rg), func(b *testing.B) {
			t := &testing.T{}
			_, s := testEngineWith(t, func(o *storage.Options) { o.RowGroupRows = rg })
			ctx := context.Background()
			for _, sql := range []string{
				`CREATE TABLE ev (id bigint, customer text, amount numeric(12,2), price float8)`,
				`INSERT INTO ev SELECT g, 'customer_' || (g % 100)::text, (g % 1000)::numeric(12,2) / 100, g * 0.5 FROM generate_series(1, 2000000) g`,
			} {
				stmts, err := s.Parse(ctx, sql)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := s.Execute(ctx, stmts[0], nil); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			cpu := cpuTime()
			for i := 0; i < b.N; i++ {
				lo := 1 + (i*7919)%1990000
				if n := drainQuery(b, s, fmt.Sprintf(`SELECT id, customer, amount, price FROM ev WHERE id BETWEEN %d AND %d`, lo, lo+999)); n != 1000 {
					b.Fatalf("%d rows", n)
				}
			}
			b.ReportMetric(float64(cpuTime()-cpu)/1e6/float64(b.N), "cpu-ms/op")
		})
	}
}
