package executor

import (
	"context"
	"fmt"
	"testing"
)

// BenchmarkDecorrelation compares correlated subqueries run as hash
// joins (decorrelated) with the per-outer-row path they replace, over an
// outer and an inner table of 100k rows each. The per-row path reads the
// inner table once per outer row, so it runs over the first perRowOuter
// outer rows only; ns/outer-row compares the two.
func BenchmarkDecorrelation(b *testing.B) {
	const rows, perRowOuter = 100_000, 100
	s := benchSession(b)
	ctx := context.Background()
	for _, sql := range []string{
		`CREATE TABLE bo (id bigint, k bigint, x bigint)`,
		fmt.Sprintf(`INSERT INTO bo SELECT g, g %% 50000, g %% 97 FROM generate_series(1, %d) g`, rows),
		`CREATE TABLE bi (k bigint, y bigint)`,
		fmt.Sprintf(`INSERT INTO bi SELECT g %% 70000, g %% 89 FROM generate_series(1, %d) g`, rows),
	} {
		stmts, err := s.Parse(ctx, sql)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.Execute(ctx, stmts[0], nil); err != nil {
			b.Fatal(err)
		}
	}
	queries := []struct{ name, sql string }{
		{"exists", `SELECT id FROM (SELECT * FROM bo WHERE id <= %d) bo WHERE EXISTS (SELECT 1 FROM bi WHERE bi.k = bo.k)`},
		{"not_exists", `SELECT id FROM (SELECT * FROM bo WHERE id <= %d) bo WHERE NOT EXISTS (SELECT 1 FROM bi WHERE bi.k = bo.k)`},
		{"in", `SELECT id FROM (SELECT * FROM bo WHERE id <= %d) bo WHERE x IN (SELECT y FROM bi WHERE bi.k = bo.k)`},
		{"not_in", `SELECT id FROM (SELECT * FROM bo WHERE id <= %d) bo WHERE x NOT IN (SELECT y FROM bi WHERE bi.k = bo.k)`},
		{"scalar_avg", `SELECT id FROM (SELECT * FROM bo WHERE id <= %d) bo WHERE x > (SELECT avg(y) FROM bi WHERE bi.k = bo.k)`},
		{"scalar_count", `SELECT id, (SELECT count(*) FROM bi WHERE bi.k = bo.k) FROM (SELECT * FROM bo WHERE id <= %d) bo`},
	}
	for _, q := range queries {
		for _, mode := range []struct {
			name  string
			on    bool
			outer int
		}{{"hash", true, rows}, {"per_row", false, perRowOuter}} {
			b.Run(q.name+"/"+mode.name, func(b *testing.B) {
				decorrelation = mode.on
				defer func() { decorrelation = true }()
				sql := fmt.Sprintf(q.sql, mode.outer)
				for i := 0; i < b.N; i++ {
					drainQuery(b, s, sql)
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(mode.outer), "ns/outer-row")
			})
		}
	}
}
