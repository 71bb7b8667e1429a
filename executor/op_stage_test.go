package executor

import (
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sharehouse/sharehouse/executor/sqlstate"
)

// TestStageKeepsOrderAndErrors: filters and projections over many batches
// run on workers, and give the rows in table order, the errors of any
// batch with their SQLSTATE, and no goroutine left after LIMIT stops early.
func TestStageKeepsOrderAndErrors(t *testing.T) {
	s := pruneEngine(t) // 100-row row groups: a batch each
	mustRun(t, s, `CREATE TABLE ev (id int8, grp text)`)
	mustRun(t, s, `INSERT INTO ev SELECT i, 'g' || (i % 7) FROM generate_series(1, 5000) i`)

	rows := mustRun(t, s, `SELECT id * 2, upper(grp) FROM ev WHERE id % 3 = 0 AND grp <> 'g1'`)
	want := 0
	prev := int64(0)
	for i := int64(1); i <= 5000; i++ {
		if i%3 == 0 && i%7 != 1 {
			want++
		}
	}
	if len(rows) != want {
		t.Fatalf("%d rows, want %d", len(rows), want)
	}
	for _, r := range rows {
		v, err := strconv.ParseInt(r[0], 10, 64)
		if err != nil || v <= prev || v%6 != 0 || r[1] != "G"+strconv.FormatInt(v/2%7, 10) {
			t.Fatalf("row %v after %d: out of order or wrong", r, prev)
		}
		prev = v
	}
	// Filter alone, projection alone.
	if got := mustRun(t, s, `SELECT count(*) FROM (SELECT id FROM ev WHERE grp = 'g3') q`); got[0][0] != "714" {
		t.Errorf("count of a filtered derived table: %v", got)
	}
	if got := mustRun(t, s, `SELECT sum(x) FROM (SELECT id + 1 AS x FROM ev) q`); got[0][0] != "12507500" {
		t.Errorf("sum of a projection: %v", got)
	}

	// Hash joins probe on workers and keep the left input's order.
	mustRun(t, s, `CREATE TABLE k (m int8, label text)`)
	mustRun(t, s, `INSERT INTO k VALUES (0, 'zero'), (1, 'one'), (1, 'uno'), (3, 'three')`)
	for _, q := range []struct {
		sql     string
		rows    int
		ordered bool // an inner join gives its pairs in probe order
	}{
		{`SELECT ev.id, k.label FROM ev JOIN k ON ev.id % 5 = k.m`, 4000, true},
		{`SELECT ev.id, k.label FROM ev LEFT JOIN k ON ev.id % 5 = k.m AND k.label <> 'uno'`, 5000, false},
	} {
		rows := mustRun(t, s, q.sql)
		if len(rows) != q.rows {
			t.Fatalf("%s: %d rows, want %d", q.sql, len(rows), q.rows)
		}
		prev := int64(0)
		for _, r := range rows {
			v, _ := strconv.ParseInt(r[0], 10, 64)
			if q.ordered && v < prev {
				t.Fatalf("%s: id %d after %d", q.sql, v, prev)
			}
			prev = v
			want := map[int64]string{0: "zero", 3: "three", 2: "NULL", 4: "NULL"}[v%5]
			if v%5 != 1 && r[1] != want {
				t.Fatalf("%s: row %v", q.sql, r)
			}
		}
	}

	// EXPLAIN ANALYZE shows the workers a stage started.
	if n := runtime.GOMAXPROCS(0); n > 1 {
		want := "Workers Launched: " + strconv.Itoa(n)
		found := false
		for _, r := range mustRun(t, s, `EXPLAIN ANALYZE SELECT id FROM ev WHERE id % 3 = 0`) {
			found = found || strings.Contains(r[0], want)
		}
		if !found {
			t.Errorf("EXPLAIN ANALYZE of a filter over 50 batches does not show %q", want)
		}
	}

	// An error in a late batch, on a worker.
	wantCode(t, s, `SELECT 100 / (id - 4321) FROM ev`, sqlstate.DivisionByZero)
	wantCode(t, s, `SELECT id FROM ev WHERE 100 / (id - 4321) > 0`, sqlstate.DivisionByZero)

	before := runtime.NumGoroutine()
	for range 20 {
		if got := flat(mustRun(t, s, `SELECT id FROM ev WHERE id % 2 = 0 LIMIT 3`)); got != "2|4|6" {
			t.Fatalf("LIMIT over a filter: %s", got)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines after the LIMIT queries, %d before", n, before)
	}
}
