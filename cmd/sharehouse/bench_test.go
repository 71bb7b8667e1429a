package main

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
)

// BenchmarkWire measures what a client sees over TCP: round trips, single-
// row INSERTs, COPY and scans. With SHAREHOUSE_BENCH_PG set to a
// PostgreSQL URL (make bench-pg does this), every case also runs against
// that server, so the two sit side by side in one report.
func BenchmarkWire(b *testing.B) {
	targets := map[string]func(b *testing.B) *pgx.Conn{
		"sharehouse": func(b *testing.B) *pgx.Conn {
			s := startServer(b)
			return s.admin(b, "postgres")
		},
	}
	if dsn := os.Getenv("SHAREHOUSE_BENCH_PG"); dsn != "" {
		targets["postgres"] = func(b *testing.B) *pgx.Conn {
			conn, err := pgx.Connect(context.Background(), dsn)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { conn.Close(context.Background()) })
			return conn
		}
	}
	for _, name := range []string{"sharehouse", "postgres"} {
		connect, ok := targets[name]
		if !ok {
			continue
		}
		b.Run(name, func(b *testing.B) {
			conn := connect(b)
			ctx := context.Background()
			mustExec(b, conn, "DROP TABLE IF EXISTS bench_rows")
			mustExec(b, conn, "CREATE TABLE bench_rows (id bigint, customer text, amount numeric(12,2), qty int)")
			b.Run("select1", func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					var one int32
					if err := conn.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("insert1", func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					if _, err := conn.Exec(ctx, "INSERT INTO bench_rows VALUES ($1, $2, $3, $4)", int64(i), "c", "1.50", int32(i)); err != nil {
						b.Fatal(err)
					}
				}
			})
			const copyRows = 1_000_000
			b.Run("copy1M", func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					n, err := conn.CopyFrom(ctx, pgx.Identifier{"bench_rows"}, []string{"id", "customer", "amount", "qty"}, &rowSource{n: copyRows})
					if err != nil || n != copyRows {
						b.Fatal(n, err)
					}
				}
				b.ReportMetric(float64(copyRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
			})
			b.Run("groupby", func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					rows, err := conn.Query(ctx, "SELECT customer, count(*), sum(amount), avg(qty) FROM bench_rows GROUP BY customer")
					if err != nil {
						b.Fatal(err)
					}
					for rows.Next() {
					}
					if rows.Err() != nil {
						b.Fatal(rows.Err())
					}
				}
			})
			b.Run("fetchall", func(b *testing.B) {
				var total int64
				for i := 0; i < b.N; i++ {
					rows, err := conn.Query(ctx, "SELECT id, customer, amount, qty FROM bench_rows")
					if err != nil {
						b.Fatal(err)
					}
					for rows.Next() {
						total++
					}
					if rows.Err() != nil {
						b.Fatal(rows.Err())
					}
				}
				b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "rows/s")
			})
		})
	}
}

// rowSource generates COPY rows without holding them.
type rowSource struct {
	n, i int
	row  [4]any
}

func (r *rowSource) Next() bool { r.i++; return r.i <= r.n }
func (r *rowSource) Values() ([]any, error) {
	r.row[0], r.row[1], r.row[2], r.row[3] = int64(r.i), fmt.Sprintf("customer_%d", r.i%100), fmt.Sprintf("%d.%02d", r.i%1000, r.i%100), int32(r.i%50)
	return r.row[:], nil
}
func (r *rowSource) Err() error { return nil }
