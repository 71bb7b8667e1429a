package executor

import (
	"context"
	"testing"

	"github.com/sharehouse/sharehouse/executor/sqlstate"
)

// Expected values are PostgreSQL 15's answers to the same statements.
func TestReturning(t *testing.T) {
	_, s := testEngine(t)
	mustRun(t, s, `CREATE TABLE r (id int NOT NULL, name text DEFAULT 'anon', px numeric(6,2))`)
	for _, tc := range []struct{ sql, want, tag string }{
		{`INSERT INTO r VALUES (1, 'a', 1.5), (2, 'b', 2) RETURNING *`, "1,a,1.50|2,b,2.00", "INSERT 0"},
		{`INSERT INTO r (id) VALUES (3) RETURNING name, id * 10 AS ten`, "anon,30", "INSERT 0"},
		{`INSERT INTO r (id, px) SELECT id + 10, px FROM r WHERE id < 3 RETURNING r.id`, "11|12", "INSERT 0"},
		{`UPDATE r SET px = px * 2 WHERE id IN (1, 3) RETURNING id, px, upper(name)`, "1,3.00,A|3,NULL,ANON", "UPDATE"},
		{`DELETE FROM r WHERE id > 10 RETURNING id, name`, "11,anon|12,anon", "DELETE"},
		{`UPDATE r AS t SET name = 'z' WHERE false RETURNING t.name`, "", "UPDATE"},
		{`INSERT INTO r VALUES (4) RETURNING (SELECT count(*) FROM r)`, "3", "INSERT 0"},
		{`SELECT id, name, px FROM r ORDER BY id`, "1,a,3.00|2,b,2.00|3,anon,NULL|4,anon,NULL", "SELECT"},
	} {
		rows, tag, err := run(t, s, tc.sql)
		if err != nil {
			t.Errorf("%s: %v", tc.sql, err)
			continue
		}
		if got := flat(rows); got != tc.want || tag != tc.tag {
			t.Errorf("%s: got %q tag %q, want %q tag %q", tc.sql, got, tag, tc.want, tc.tag)
		}
	}

	// Describe gives the RETURNING columns (extended protocol).
	st, err := s.Prepare(context.Background(), `UPDATE r SET name = $1 WHERE id = $2 RETURNING id, name AS new_name`, nil)
	if err != nil {
		t.Fatal(err)
	}
	cols, err := s.Describe(context.Background(), st, nil)
	if err != nil || len(cols) != 2 || cols[0].Name != "id" || cols[1].Name != "new_name" || cols[0].AttNum != 1 {
		t.Errorf("Describe: %+v %v", cols, err)
	}

	// A failing statement returns nothing and changes nothing.
	if _, _, err := run(t, s, `INSERT INTO r VALUES (5), (NULL) RETURNING id`); sqlstate.CodeOf(err) != sqlstate.NotNullViolation {
		t.Errorf("NOT NULL violation: %v", err)
	}
	if _, _, err := run(t, s, `DELETE FROM r RETURNING nope`); sqlstate.CodeOf(err) != sqlstate.UndefinedColumn {
		t.Errorf("unknown column: %v", err)
	}
	if got := flat(mustRun(t, s, `SELECT count(*) FROM r`)); got != "4" {
		t.Errorf("count after failures: %s", got)
	}
}
