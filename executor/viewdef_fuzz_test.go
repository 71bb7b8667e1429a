package executor

import (
	"fmt"
	"strings"
	"testing"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/sharehouse/sharehouse/catalog"
)

// FuzzViewDef: the view-definition printer never panics, and what it
// prints, in both forms, is SQL PostgreSQL's grammar reads back.
func FuzzViewDef(f *testing.F) {
	for _, s := range []string{
		`SELECT t.id, t.name FROM t WHERE t.id > 1`,
		`SELECT o.id, o.amount * 2 FROM finance.orders o JOIN t ON t.id = o.id WHERE o.amount > 10 AND NOT t.x ORDER BY 1 DESC NULLS LAST`,
		`SELECT DISTINCT a.x, count(*) FROM a LEFT JOIN b USING (x) GROUP BY a.x HAVING count(*) > 1 OFFSET 1 LIMIT 3`,
		`SELECT DISTINCT ON (a) * FROM a, b CROSS JOIN c NATURAL JOIN d`,
		`SELECT 1 UNION SELECT 2`, `VALUES (1)`, `WITH w AS (SELECT 1) SELECT * FROM w`,
		`SELECT - a, (SELECT max(x) FROM y) AS m FROM (SELECT 1 AS a) s`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, sql string) {
		tree, err := pg.Parse(sql)
		if err != nil || len(tree.Stmts) != 1 || tree.Stmts[0].Stmt.GetSelectStmt() == nil {
			return
		}
		sel := tree.Stmts[0].Stmt.GetSelectStmt()
		var cols []catalog.Column
		for i := range sel.TargetList {
			cols = append(cols, catalog.Column{Name: fmt.Sprintf("c%d", i+1)})
		}
		for _, pretty := range []bool{true, false} {
			out := viewPrinter{pretty: pretty}.query(sel, cols)
			if _, err := pg.Parse(strings.TrimSpace(out)); err != nil && out != "" {
				t.Fatalf("pretty=%v: %q prints %q, which does not parse: %v", pretty, sql, out, err)
			}
		}
	})
}
