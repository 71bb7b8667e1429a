package executor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/sharehouse/sharehouse/executor/sqlstate"
	"github.com/sharehouse/sharehouse/storage"
)

// withProcs runs f with GOMAXPROCS set to n: 1 makes every aggregation
// serial, more lets it run on that many workers.
func withProcs(n int, f func()) {
	old := runtime.GOMAXPROCS(n)
	defer runtime.GOMAXPROCS(old)
	f()
}

// workersLaunched is the "Workers Launched: n" of EXPLAIN ANALYZE sql, or -1.
func workersLaunched(t *testing.T, s *Session, sql string) int {
	t.Helper()
	for _, r := range mustRun(t, s, "EXPLAIN ANALYZE "+sql) {
		var n int
		if _, err := fmt.Sscanf(strings.TrimSpace(r[0]), "Workers Launched: %d", &n); err == nil {
			return n
		}
	}
	return -1
}

// parallelAggSource is a random table as a subquery: keys with NULLs
// (int, text, numerics equal at different scales, one rising with g), and a column of every
// type the mergeable aggregates take.
func parallelAggSource(rng *rand.Rand, rows, ngroups int) string {
	a, b := 1+rng.IntN(10000), 1+rng.IntN(10000)
	return fmt.Sprintf(`(SELECT g,
		CASE WHEN g %% 13 = 0 THEN NULL ELSE (g * %[1]d) %% %[3]d END AS k,
		CASE WHEN g %% 11 = 0 THEN NULL ELSE 'key_' || ((g * %[2]d) %% %[3]d)::text END AS tk,
		CASE WHEN g %% 17 = 0 THEN NULL ELSE g / (%[1]d %% 900 + 100) END AS mk,
		((g * %[2]d) %% %[3]d)::numeric * CASE WHEN g %% 3 = 0 THEN 1.0 ELSE 1.00 END AS nk,
		((g * %[1]d) %% 30000)::smallint AS i2,
		CASE WHEN g %% 7 = 0 THEN NULL ELSE (g * %[2]d) %% 100000 - 50000 END AS i4,
		g::bigint * %[1]d * 1000003 AS i8,
		((g * %[2]d) %% 100000)::numeric(12,2) / 100 AS d,
		((g * %[1]d) %% 997)::numeric / 7 AS n,
		((g * %[2]d) %% 1000) * 0.25::float8 - 100 AS f,
		((g * %[1]d) %% 1000)::float4 * 0.5::float4 AS f4,
		(g * %[2]d) %% 5 = 0 AS bo,
		CASE WHEN g %% 5 = 0 THEN NULL ELSE date '2024-01-01' + (g * %[1]d) %% 400 END AS dt,
		timestamp '2024-01-01 00:00:00' + ((g * %[2]d) %% 100000) * interval '1 second' AS ts,
		((g * %[1]d) %% 90) * interval '1 hour' AS iv,
		'x' || ((g * %[1]d) %% 777)::text AS tx
	FROM generate_series(1, %[4]d) g) src`, a, b, ngroups, rows)
}

// parallelAggList is every mergeable aggregate, FILTER included.
const parallelAggList = `count(*), count(i4), sum(i2), sum(i4), sum(i8), sum(d), sum(n), sum(f), sum(f4),
	avg(i2), avg(i4), avg(i8), avg(d), avg(n), avg(f),
	min(i4), max(i8), min(d), max(n), min(f), max(f4), min(tx), max(tx), min(bo), max(dt), min(ts), max(iv),
	bool_and(bo), bool_or(bo), every(i4 > 0),
	stddev(i4), variance(d), var_pop(n), stddev_pop(i8), round(var_samp(f)::numeric, 6), round(stddev(f)::numeric, 6),
	sum(iv), avg(iv),
	sum(i4) FILTER (WHERE bo), count(*) FILTER (WHERE i4 > 0), max(tx) FILTER (WHERE f > 0), avg(f) FILTER (WHERE NOT bo)`

// TestParallelAggregateMatchesSerial runs random GROUP BYs with one
// worker and with several: the rows, their order included, must be the same.
func TestParallelAggregateMatchesSerial(t *testing.T) {
	_, s := testEngine(t)
	// Many groups too: merging them is what is tested.
	defer func(v int) { aggManyGroups = v }(aggManyGroups)
	aggManyGroups = 0
	rng := rand.New(rand.NewPCG(4, 2))
	// mk rises with g: batches bring new groups to every worker.
	keySets := []string{"k", "mk", "tk", "nk", "mk, tk", "bo, dt", ""}
	runs := 14 // two of every key set
	if sltRace {
		runs = 7 // the race detector's slowdown: one of each
	}
	for i := 0; i < runs; i++ {
		rows := 20000 + rng.IntN(20000)
		ngroups := []int{1, 3, 50, 2000, 30000}[rng.IntN(5)]
		src := parallelAggSource(rng, rows, ngroups)
		for _, keys := range keySets[i%len(keySets) : i%len(keySets)+1] {
			groupBy := ""
			if keys != "" {
				groupBy = " GROUP BY " + keys
				keys += ", "
			}
			sql := "SELECT " + keys + parallelAggList + " FROM " + src + groupBy
			var serial, parallel [][]string
			withProcs(1, func() { serial = mustRun(t, s, sql) })
			withProcs(3, func() {
				parallel = mustRun(t, s, sql)
				if n := workersLaunched(t, s, sql); n != 3 {
					t.Fatalf("%d rows, group by %q: %d workers launched, want 3", rows, keys, n)
				}
			})
			if !reflect.DeepEqual(serial, parallel) {
				t.Fatalf("%d rows, %d groups, group by %q: parallel differs from serial\nserial:   %.300v\nparallel: %.300v", rows, ngroups, keys, serial, parallel)
			}
			if keys == "nk, " && len(serial) > 0 && ngroups > 1 {
				// Each group shows its first value: 0 at g = 3n is "0.0".
				seen := map[string]bool{}
				for _, r := range serial {
					seen[r[0]] = true
				}
				if !seen["0.0"] && !seen["0.00"] {
					t.Fatalf("no 0 key among %d groups", len(serial))
				}
			}
		}
	}
}

// TestParallelAggregateOverTable aggregates a stored table read as many
// row groups: the scan's batches reach the workers.
func TestParallelAggregateOverTable(t *testing.T) {
	_, s := testEngineWith(t, func(o *storage.Options) { o.RowGroupRows = 4000 })
	mustRun(t, s, `CREATE TABLE ev (id bigint, customer text, amount numeric(12,2), qty int, price float8)`)
	mustRun(t, s, `INSERT INTO ev SELECT g, 'customer_' || (g % 100)::text, (g % 1000)::numeric(12,2) / 100, g % 50, (g % 400) * 0.5 FROM generate_series(1, 30000) g`)
	for _, sql := range []string{
		`SELECT customer, count(*), sum(amount), avg(qty), max(price) FROM ev GROUP BY customer`,
		`SELECT qty, count(*), sum(price), min(id), max(amount) FROM ev GROUP BY qty`,
		`SELECT count(*), sum(id), avg(amount) FROM ev`,
	} {
		var serial, parallel [][]string
		withProcs(1, func() { serial = mustRun(t, s, sql) })
		withProcs(2, func() {
			parallel = mustRun(t, s, sql)
			if n := workersLaunched(t, s, sql); n != 2 {
				t.Fatalf("%s: %d workers launched, want 2", sql, n)
			}
		})
		if !reflect.DeepEqual(serial, parallel) {
			t.Fatalf("%s: parallel differs from serial\nserial:   %.300v\nparallel: %.300v", sql, serial, parallel)
		}
	}
	// Serial when it must be: small input, a group per row, or an
	// aggregate that cannot merge.
	withProcs(2, func() {
		if n := workersLaunched(t, s, `SELECT qty, count(*) FROM ev WHERE id <= 10 GROUP BY qty`); n != 0 {
			t.Errorf("10 rows: %d workers launched, want 0", n)
		}
		if n := workersLaunched(t, s, `SELECT id, count(*) FROM ev GROUP BY id`); n != 0 {
			t.Errorf("a group per row: %d workers launched, want 0", n)
		}
		for _, sql := range []string{
			`SELECT qty, string_agg(customer, ',') FROM ev GROUP BY qty`,
			`SELECT qty, count(DISTINCT customer) FROM ev GROUP BY qty`,
			`SELECT qty, array_agg(id ORDER BY id) FROM ev GROUP BY qty`,
			`SELECT qty, sum(random()) FROM ev GROUP BY qty`,
		} {
			if n := workersLaunched(t, s, sql); n != -1 {
				t.Errorf("%s: %d workers launched, want a serial plan", sql, n)
			}
		}
	})
}

// TestParallelAggregateErrors: errors raised on workers reach the client
// with their SQLSTATE, and the session goes on.
func TestParallelAggregateErrors(t *testing.T) {
	_, s := testEngine(t)
	withProcs(2, func() {
		for _, c := range []struct {
			sql  string
			code sqlstate.Code
		}{
			{`SELECT g % 3, sum(9e37::numeric(38,0)) FROM generate_series(1, 50000) g GROUP BY 1`, sqlstate.NumericValueOutOfRange},
			{`SELECT g % 3, sum(1 / (g - 30000)) FROM generate_series(1, 50000) g GROUP BY 1`, sqlstate.DivisionByZero},
			{`SELECT sum((g - 30000) / 0.0::float8) FROM generate_series(1, 50000) g`, sqlstate.DivisionByZero},
		} {
			before := runtime.NumGoroutine()
			wantCode(t, s, c.sql, c.code)
			waitGoroutines(t, before)
		}
	})
	if got := mustRun(t, s, `SELECT count(*) FROM generate_series(1, 50000)`); got[0][0] != "50000" {
		t.Fatalf("after errors: %v", got)
	}
}

// TestParallelAggregateCancel: a cancelled statement stops its workers.
func TestParallelAggregateCancel(t *testing.T) {
	_, s := testEngine(t)
	withProcs(2, func() {
		before := runtime.NumGoroutine()
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		stmts, err := s.Parse(ctx, `SELECT g % 1000, count(*), sum(g) FROM generate_series(1, 2000000000) g GROUP BY 1`)
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		res, err := s.Execute(ctx, stmts[0], nil)
		if err == nil {
			_, err = res.Rows.Next(ctx)
			res.Rows.Close(err)
		}
		if sqlstate.CodeOf(err) != sqlstate.QueryCanceled && !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, io.EOF) {
			t.Fatalf("got %v, want a cancelled statement", err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("cancel took %v", d)
		}
		waitGoroutines(t, before)
	})
}

// waitGoroutines fails unless the goroutine count falls back to before.
func waitGoroutines(t *testing.T, before int) {
	t.Helper()
	for i := 0; i < 100; i++ {
		if runtime.NumGoroutine() <= before {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("goroutines: %d, %d before the query", runtime.NumGoroutine(), before)
}

// TestAggregateMemoryLimit: the groups of an aggregation, serial or
// parallel, count against the query memory limit (53200).
func TestAggregateMemoryLimit(t *testing.T) {
	e, s := testEngine(t)
	e.queryMemory = 1 << 20 // 1 MiB
	for _, procs := range []int{1, 2} {
		withProcs(procs, func() {
			wantCode(t, s, `SELECT g, count(*) FROM generate_series(1, 200000) g GROUP BY g`, sqlstate.OutOfMemory)
			wantCode(t, s, `SELECT 'key ' || g::text, max(g) FROM generate_series(1, 100000) g GROUP BY 1`, sqlstate.OutOfMemory)
			// Few groups over many rows fit.
			if got := mustRun(t, s, `SELECT g % 3, count(*) FROM generate_series(1, 200000) g GROUP BY 1`); len(got) != 3 {
				t.Fatalf("%d procs: %v", procs, got)
			}
		})
	}
}
