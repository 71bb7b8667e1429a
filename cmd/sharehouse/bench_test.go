package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// BenchmarkWire measures what a client sees over TCP: round trips, single-
// row INSERTs, COPY, and analytic queries over a table of
// SHAREHOUSE_BENCH_ROWS rows (10M with PostgreSQL, 100k without) loaded
// in the order of its id column. With SHAREHOUSE_BENCH_PG set to a
// PostgreSQL URL (make bench-pg does this), every case also runs against
// that server, with an index on id, and the end prints a table of both and
// their ratio (also written to SHAREHOUSE_BENCH_REPORT when set).
func BenchmarkWire(b *testing.B) {
	pgURL := os.Getenv("SHAREHOUSE_BENCH_PG")
	rows := benchRows(b, pgURL != "")
	// SHAREHOUSE_BENCH_SERVE_ARGS adds flags to the server's command line,
	// e.g. "--cache-size 0" to measure without the column cache.
	serveArgs := strings.Fields(os.Getenv("SHAREHOUSE_BENCH_SERVE_ARGS"))
	targets := []benchTarget{{name: "sharehouse", connect: func(b *testing.B) *pgx.Conn {
		return startServer(b, withArgs(serveArgs...)).admin(b, "postgres")
	}}}
	if pgURL != "" {
		targets = append(targets, benchTarget{name: "postgres", index: true, connect: func(b *testing.B) *pgx.Conn {
			conn, err := pgx.Connect(context.Background(), pgURL)
			if err != nil {
				b.Fatalf("connect to SHAREHOUSE_BENCH_PG: %v", err)
			}
			b.Cleanup(func() { conn.Close(context.Background()) })
			return conn
		}})
	}
	res := benchResults{}
	load := loadavg()
	conns := make([]*pgx.Conn, len(targets))
	for i, tg := range targets {
		conns[i] = tg.connect(b)
		loadEvents(b, tg, conns[i], rows, res)
		warmEvents(b, conns[i])
	}
	// Each case runs on one server right after the other, so that the
	// load of a shared machine weighs on both alike.
	for _, c := range wireCases(rows) {
		for i, tg := range targets {
			b.Run(c.key+"/"+tg.name, func(b *testing.B) {
				r := c.run(b, conns[i])
				if r.rate == 0 {
					r.perOp = b.Elapsed() / time.Duration(b.N)
				} else {
					b.ReportMetric(r.rate, "rows/s")
				}
				res.put(c.key, tg.name, r)
			})
		}
	}
	report := res.table(targets, rows, load+" → "+loadavg())
	b.Log("\n" + report)
	if path := os.Getenv("SHAREHOUSE_BENCH_REPORT"); path != "" {
		if err := os.WriteFile(path, []byte(report), 0o644); err != nil {
			b.Error(err)
		}
	}
}

type benchTarget struct {
	name    string
	index   bool // create an index on the sorted column (PostgreSQL)
	connect func(b *testing.B) *pgx.Conn
}

// benchRows is the size of the analytic table.
func benchRows(b *testing.B, withPG bool) int {
	if v := os.Getenv("SHAREHOUSE_BENCH_ROWS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 2000 {
			b.Fatalf("SHAREHOUSE_BENCH_ROWS=%q: want a number ≥ 2000", v)
		}
		return n
	}
	if withPG {
		return 10_000_000
	}
	return 100_000
}

func mustBenchExec(b *testing.B, conn *pgx.Conn, sql string) {
	b.Helper()
	if _, err := conn.Exec(context.Background(), sql); err != nil {
		b.Fatalf("%s: %v", sql, err)
	}
}

// loadEvents creates the tables and loads the analytic one, in id order
// (so id is a sorted column) and, for PostgreSQL, indexes it on id,
// vacuums and analyzes it.
func loadEvents(b *testing.B, tg benchTarget, conn *pgx.Conn, rows int, res benchResults) {
	for _, t := range []string{"bench_events", "bench_copy", "bench_ins"} {
		mustBenchExec(b, conn, "DROP TABLE IF EXISTS "+t)
		mustBenchExec(b, conn, "CREATE TABLE "+t+" (id bigint, customer text, qty int, amount numeric(12,2), price float8)")
	}
	start := time.Now()
	n, err := conn.CopyFrom(context.Background(), pgx.Identifier{"bench_events"}, eventColumns, &eventSource{n: rows})
	if err != nil || n != int64(rows) {
		b.Fatalf("%s: load %d rows: %d, %v", tg.name, rows, n, err)
	}
	res.put("load", tg.name, benchResult{rate: float64(rows) / time.Since(start).Seconds()})
	if tg.index {
		mustBenchExec(b, conn, "CREATE INDEX bench_events_id ON bench_events (id)")
		mustBenchExec(b, conn, "VACUUM ANALYZE bench_events")
	}
}

// warmEvents reads every column of the analytic table once, untimed: the
// cases measure both servers in their steady state, PostgreSQL with the
// table in its buffers and the OS page cache, sharehouse with its columns
// decoded in its cache.
func warmEvents(b *testing.B, conn *pgx.Conn) {
	var n int64
	err := conn.QueryRow(context.Background(), "SELECT count(id) + count(customer) + count(qty) + count(amount) + count(price) FROM bench_events").Scan(&n)
	if err != nil {
		b.Fatalf("warm up: %v", err)
	}
}

// wireCase runs b.N operations on conn; it returns a rate in rows/s, or a
// zero result for the time per operation.
type wireCase struct {
	key string
	run func(b *testing.B, conn *pgx.Conn) benchResult
}

// countRows runs a query and counts the rows it returns.
func countRows(b *testing.B, conn *pgx.Conn, sql string, args ...any) int {
	b.Helper()
	r, err := conn.Query(context.Background(), sql, args...)
	if err != nil {
		b.Fatal(err)
	}
	got := 0
	for r.Next() {
		got++
	}
	if r.Err() != nil {
		b.Fatal(r.Err())
	}
	return got
}

func wireCases(rows int) []wireCase {
	ctx := context.Background()
	groups := func(sql string, want int) func(b *testing.B, conn *pgx.Conn) benchResult {
		return func(b *testing.B, conn *pgx.Conn) benchResult {
			for i := 0; i < b.N; i++ {
				if got := countRows(b, conn, sql); got != want {
					b.Fatalf("%d groups, want %d", got, want)
				}
			}
			return benchResult{}
		}
	}
	copyRows := min(rows, 1_000_000)
	return []wireCase{
		{"select1", func(b *testing.B, conn *pgx.Conn) benchResult {
			for i := 0; i < b.N; i++ {
				var one int32
				if err := conn.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil {
					b.Fatal(err)
				}
			}
			return benchResult{}
		}},
		{"insert1", func(b *testing.B, conn *pgx.Conn) benchResult {
			for i := 0; i < b.N; i++ {
				if _, err := conn.Exec(ctx, "INSERT INTO bench_ins VALUES ($1, $2, $3, $4, $5)", int64(i), "c", int32(i), "1.50", 2.5); err != nil {
					b.Fatal(err)
				}
			}
			return benchResult{}
		}},
		{"copy", func(b *testing.B, conn *pgx.Conn) benchResult {
			for i := 0; i < b.N; i++ {
				n, err := conn.CopyFrom(ctx, pgx.Identifier{"bench_copy"}, eventColumns, &eventSource{n: copyRows})
				if err != nil || n != int64(copyRows) {
					b.Fatal(n, err)
				}
			}
			return benchResult{rate: float64(copyRows) * float64(b.N) / b.Elapsed().Seconds()}
		}},
		{"groupby_text", groups("SELECT customer, count(*), sum(amount), avg(qty), max(price) FROM bench_events GROUP BY customer", eventCustomers)},
		{"groupby_int", groups("SELECT qty, count(*), sum(price), min(id), max(amount) FROM bench_events GROUP BY qty", eventQtys)},
		{"fetchall", func(b *testing.B, conn *pgx.Conn) benchResult {
			total := 0
			for i := 0; i < b.N; i++ {
				total += countRows(b, conn, "SELECT id, customer, qty, amount, price FROM bench_events")
			}
			if total != rows*b.N {
				b.Fatalf("fetched %d rows, want %d", total, rows*b.N)
			}
			return benchResult{rate: float64(total) / b.Elapsed().Seconds()}
		}},
		// 1000 consecutive ids (0.01% of 10M) at a different place each time.
		{"filter_sorted", func(b *testing.B, conn *pgx.Conn) benchResult {
			for i := 0; i < b.N; i++ {
				lo := int64(1 + (i*7919*1000)%(rows-1000))
				if got := countRows(b, conn, "SELECT id, customer, amount, price FROM bench_events WHERE id BETWEEN $1 AND $2", lo, lo+999); got != 1000 {
					b.Fatalf("id BETWEEN %d AND %d: %d rows", lo, lo+999, got)
				}
			}
			return benchResult{}
		}},
	}
}

var eventColumns = []string{"id", "customer", "qty", "amount", "price"}

const (
	eventCustomers = 100 // the low-cardinality group key
	eventQtys      = 50
)

// eventSource generates the benchmark table's rows in id order without
// holding them.
type eventSource struct {
	n, i int
	row  [5]any
}

var customerNames = func() []string {
	out := make([]string, eventCustomers)
	for i := range out {
		out[i] = fmt.Sprintf("customer_%02d", i)
	}
	return out
}()

func (r *eventSource) Next() bool { r.i++; return r.i <= r.n }
func (r *eventSource) Values() ([]any, error) {
	i := r.i
	r.row[0] = int64(i)
	r.row[1] = customerNames[(i*37)%eventCustomers]
	r.row[2] = int32(i % eventQtys)
	r.row[3] = fmt.Sprintf("%d.%02d", i%100000, i%100)
	r.row[4] = float64(i%10007) / 7
	return r.row[:], nil
}
func (r *eventSource) Err() error { return nil }

// benchResult is a case's time per operation or its rate in rows/s.
type benchResult struct {
	perOp time.Duration
	rate  float64
}

func (r benchResult) String() string {
	switch {
	case r.rate > 0:
		return fmt.Sprintf("%.2fM rows/s", r.rate/1e6)
	case r.perOp >= time.Second:
		return fmt.Sprintf("%.2f s", r.perOp.Seconds())
	case r.perOp >= time.Millisecond:
		return fmt.Sprintf("%.1f ms", float64(r.perOp)/1e6)
	}
	return fmt.Sprintf("%d µs", r.perOp.Microseconds())
}

// speedup is how many times faster a is than b (above 1: a is faster).
func (a benchResult) speedup(b benchResult) float64 {
	if a.rate > 0 {
		return a.rate / b.rate
	}
	return float64(b.perOp) / float64(a.perOp)
}

// benchResults holds case → target → result; the last run of a case wins.
type benchResults map[string]map[string]benchResult

func (r benchResults) put(name, target string, v benchResult) {
	if r[name] == nil {
		r[name] = map[string]benchResult{}
	}
	r[name][target] = v
}

var benchCases = []struct{ key, label string }{
	{"select1", "`SELECT 1` round trip"},
	{"insert1", "single-row INSERT (autocommit)"},
	{"copy", "COPY 1M rows (pgx binary)"},
	{"load", "COPY of the analytic table, once"},
	{"groupby_text", "GROUP BY text key (100 groups): count/sum numeric/avg int/max float"},
	{"groupby_int", "GROUP BY int key (50 groups): count/sum float/min/max numeric"},
	{"fetchall", "fetch every row (5 columns)"},
	{"filter_sorted", "`WHERE id BETWEEN $1 AND $1+999` (sorted column; PostgreSQL: index)"},
}

// table renders the results as a Markdown table for the README.
func (r benchResults) table(targets []benchTarget, rows int, load string) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "BenchmarkWire: %d-row table (id bigint sorted, customer text, qty int, amount numeric(12,2), price float8), pgx over TCP, both servers warmed by one read of every column, load average %s\n\n", rows, load)
	sb.WriteString("| case |")
	for _, t := range targets {
		sb.WriteString(" " + t.name + " |")
	}
	if len(targets) == 2 {
		sb.WriteString(" sharehouse vs PostgreSQL |")
	}
	sb.WriteString("\n|---|")
	sb.WriteString(strings.Repeat("---|", len(targets)))
	if len(targets) == 2 {
		sb.WriteString("---|")
	}
	sb.WriteString("\n")
	for _, c := range benchCases {
		fmt.Fprintf(&sb, "| %s |", c.label)
		for _, t := range targets {
			fmt.Fprintf(&sb, " %s |", r[c.key][t.name])
		}
		if len(targets) == 2 {
			sh, pg := r[c.key][targets[0].name], r[c.key][targets[1].name]
			fmt.Fprintf(&sb, " %.2f× |", sh.speedup(pg))
		}
		sb.WriteString("\n")
	}
	if len(targets) == 2 {
		sb.WriteString("\nRatio: how many times faster sharehouse is (below 1: slower).\n")
	}
	return sb.String()
}

// loadavg is the machine's 1-minute load average, to read the figures by.
func loadavg() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.Fields(string(data))[0]
}
