package main

import (
	"regexp"
	"testing"
)

// TestParallelGroupByOverTheWire: a server on three cores aggregates on
// three workers and answers exactly what a server on one core does, rows
// and their order included.
func TestParallelGroupByOverTheWire(t *testing.T) {
	queries := []string{
		`SELECT customer, count(*), sum(amount), avg(qty), max(price) FROM ev GROUP BY customer`,
		`SELECT qty, count(*), sum(price), min(id), max(amount) FROM ev GROUP BY qty`,
		`SELECT count(*), sum(amount), variance(qty), bool_or(price > 100) FROM ev`,
	}
	launched := regexp.MustCompile(`Workers Launched: (\d+)`)
	var results [2][][][]string
	for i, procs := range []string{"1", "3"} {
		s := startServer(t, withEnv("SHAREHOUSE_ADMIN_PASSWORD="+adminPassword, "GOMAXPROCS="+procs))
		conn := s.admin(t, "postgres")
		mustExec(t, conn, `CREATE TABLE ev (id bigint, customer text, amount numeric(12,2), qty int, price float8)`)
		mustExec(t, conn, `INSERT INTO ev SELECT g, 'customer_' || ((g::bigint * 7919) % 97)::text, (g % 1000)::numeric(12,2) / 100, g % 50, (g % 400) * 0.5 FROM generate_series(1, 400000) g`)
		for _, q := range queries {
			results[i] = append(results[i], mustQueryRows(t, conn, q))
			plan := flatRows(mustQueryRows(t, conn, "EXPLAIN ANALYZE "+q))
			m := launched.FindStringSubmatch(plan)
			switch {
			case procs == "1" && m != nil:
				t.Errorf("GOMAXPROCS=1: %s: parallel plan\n%s", q, plan)
			case procs == "3" && (m == nil || m[1] != "3"):
				t.Errorf("GOMAXPROCS=3: %s: want 3 workers launched\n%s", q, plan)
			}
		}
	}
	for i, q := range queries {
		if serial, parallel := flatRows(results[0][i]), flatRows(results[1][i]); serial != parallel {
			t.Errorf("%s:\none core:    %.300s\nthree cores: %.300s", q, serial, parallel)
		}
		if len(results[0][i]) == 0 {
			t.Errorf("%s: no rows", q)
		}
	}
}
