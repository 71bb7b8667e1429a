package executor

import (
	"strings"
	"testing"

	"github.com/sharehouse/sharehouse/executor/sqlstate"
)

// subqueryTestTables are the tables the decorrelation tests query; the
// expected rows below are what PostgreSQL 15 prints for each query.
const subqueryTestTables = `CREATE TABLE o (id int, k int, x int, name text);
INSERT INTO o VALUES (1, 1, 10, 'a'), (2, 1, 20, 'b'), (3, 2, 30, 'c'), (4, 3, NULL, 'd'), (5, NULL, 50, 'e'), (6, 4, 60, 'f'), (7, 5, 70, 'g');
CREATE TABLE i (k bigint, y int, z text);
INSERT INTO i VALUES (1, 10, 'p'), (1, 15, 'q'), (2, 30, 'r'), (2, NULL, 's'), (3, 5, 't'), (NULL, 10, 'u'), (4, 100, NULL), (6, 1, 'v')`

// TestDecorrelatedSubqueries: correlated EXISTS, IN and scalar subqueries
// (decorrelated into hash joins, or run per row where they cannot be)
// give PostgreSQL's results, NULL rules and count-of-nothing included.
func TestDecorrelatedSubqueries(t *testing.T) {
	_, s := testEngine(t)
	mustRun(t, s, subqueryTestTables)
	cases := []struct{ sql, want string }{
		{`SELECT id FROM o WHERE EXISTS (SELECT 1 FROM i WHERE i.k = o.k) ORDER BY id`,
			"1|2|3|4|6"},
		{`SELECT id FROM o WHERE NOT EXISTS (SELECT 1 FROM i WHERE i.k = o.k) ORDER BY id`,
			"5|7"},
		{`SELECT id FROM o WHERE EXISTS (SELECT * FROM i WHERE o.k = i.k AND i.y > 12 LIMIT 1) ORDER BY id`,
			"1|2|3|6"},
		{`SELECT id FROM o WHERE x IN (SELECT y FROM i WHERE i.k = o.k) ORDER BY id`,
			"1|3"},
		{`SELECT id FROM o WHERE x NOT IN (SELECT y FROM i WHERE i.k = o.k) ORDER BY id`,
			"2|5|6|7"},
		{`SELECT id, x IN (SELECT y FROM i WHERE i.k = o.k), x NOT IN (SELECT y FROM i WHERE i.k = o.k) FROM o ORDER BY id`,
			"1,t,f|2,f,t|3,t,f|4,NULL,NULL|5,f,t|6,f,t|7,f,t"},
		{`SELECT id, EXISTS (SELECT 1 FROM i WHERE i.k = o.k AND i.z IS NOT NULL), NOT EXISTS (SELECT 1 FROM i WHERE i.k = o.k) FROM o ORDER BY id`,
			"1,t,f|2,t,f|3,t,f|4,t,f|5,f,t|6,f,f|7,f,t"},
		{`SELECT id, (SELECT count(*) FROM i WHERE i.k = o.k), (SELECT sum(y) FROM i WHERE i.k = o.k), (SELECT count(y) + 1 FROM i WHERE i.k = o.k) FROM o ORDER BY id`,
			"1,2,25,3|2,2,25,3|3,2,30,2|4,1,5,2|5,0,NULL,1|6,1,100,2|7,0,NULL,1"},
		{`SELECT id FROM o WHERE x > (SELECT avg(y) FROM i WHERE i.k = o.k) ORDER BY id`,
			"2"},
		{`SELECT id FROM o WHERE (SELECT count(*) FROM i WHERE i.k = o.k AND i.y > 5) = 0 ORDER BY id`,
			"4|5|7"},
		{`SELECT id, (SELECT max(z) FROM i WHERE i.k = o.k AND i.y = o.x) FROM o ORDER BY id`,
			"1,p|2,NULL|3,r|4,NULL|5,NULL|6,NULL|7,NULL"},
		{`SELECT id, (SELECT z FROM i WHERE i.k = o.k + 2) FROM o ORDER BY id`,
			"1,t|2,t|3,NULL|4,NULL|5,NULL|6,v|7,NULL"},
		{`SELECT id FROM o WHERE EXISTS (SELECT 1 FROM i WHERE i.k = o.k AND i.y < o.x) ORDER BY id`,
			"2"},
		{`SELECT k, count(*) FROM o WHERE NOT EXISTS (SELECT 1 FROM i WHERE i.k = o.k AND i.y > 20) GROUP BY k ORDER BY k`,
			"1,2|3,1|5,1|NULL,1"},
		{`SELECT id FROM o WHERE x NOT IN (SELECT y FROM i WHERE i.k = o.k AND i.y IS NOT NULL) ORDER BY id`,
			"2|5|6|7"},
		// Over joined FROM items, correlated to columns of both.
		{`SELECT o.id, i2.y FROM o, i i2 WHERE i2.k = o.k AND o.x >= (SELECT avg(y) FROM i WHERE i.k = o.k) AND NOT EXISTS (SELECT 1 FROM i WHERE i.k = o.k AND i.y = i2.y + 5) ORDER BY 1, 2`,
			"2,15|3,30|3,NULL"},
		{`SELECT o.id, (SELECT count(*) FROM i WHERE i.k = o.k AND i.y > i2.y) FROM o JOIN i i2 ON i2.k = o.k ORDER BY 1, 2`,
			"1,0|1,1|2,0|2,1|3,0|3,0|4,0|6,0"},
		{`SELECT o.id, i2.y, (SELECT count(*) FROM i WHERE i.k = o.k AND i.y = i2.y) FROM o JOIN i i2 ON i2.k = o.k ORDER BY 1, 2`,
			"1,10,1|1,15,1|2,10,1|2,15,1|3,30,1|3,NULL,0|4,5,1|6,100,1"},
		// An aggregate subquery always has a row; IN over one compares
		// with its value.
		{`SELECT id FROM o WHERE EXISTS (SELECT count(*) FROM i WHERE i.k = o.k) ORDER BY id`, "1|2|3|4|5|6|7"},
		{`SELECT id FROM o WHERE x IN (SELECT max(y) FROM i WHERE i.k = o.k) ORDER BY id`, "3"},
		// A nested uncorrelated subquery stays inside.
		{`SELECT id FROM o WHERE EXISTS (SELECT 1 FROM i WHERE i.k = o.k AND i.y IN (SELECT y FROM i WHERE z > 'q')) ORDER BY id`, "1|2|3|4"},
		// Subqueries in other places: untyped values, ORDER BY, inside
		// aggregates and FILTER, CASE, DISTINCT, window ORDER BY.
		{`SELECT id, (SELECT 'x' FROM i WHERE i.k = o.k LIMIT 1) FROM o ORDER BY id`,
			"1,x|2,x|3,x|4,x|5,NULL|6,x|7,NULL"},
		{`SELECT id, (SELECT 'x' FROM i WHERE i.k = o.k AND i.y = 30) FROM o ORDER BY id`,
			"1,NULL|2,NULL|3,x|4,NULL|5,NULL|6,NULL|7,NULL"},
		{`SELECT id FROM o ORDER BY (SELECT count(*) FROM i WHERE i.k = o.k) DESC, id`,
			"1|2|3|4|6|5|7"},
		{`SELECT sum((SELECT count(*) FROM i WHERE i.k = o.k)), max(CASE WHEN EXISTS (SELECT 1 FROM i WHERE i.k = o.k) THEN name END) FROM o`,
			"8,f"},
		{`SELECT k, count(*) FILTER (WHERE x IN (SELECT y FROM i WHERE i.k = o.k)) FROM o GROUP BY k ORDER BY k`,
			"1,1|2,1|3,0|4,0|5,0|NULL,0"},
		{`SELECT id, CASE WHEN x > 25 THEN (SELECT max(y) FROM i WHERE i.k = o.k) ELSE -1 END FROM o ORDER BY id`,
			"1,-1|2,-1|3,30|4,-1|5,NULL|6,100|7,NULL"},
		{`SELECT DISTINCT (SELECT count(*) FROM i WHERE i.k = o.k) FROM o ORDER BY 1`,
			"0|1|2"},
		{`SELECT id, row_number() OVER (ORDER BY (SELECT count(*) FROM i WHERE i.k = o.k), id) FROM o ORDER BY id`,
			"1,5|2,6|3,7|4,3|5,1|6,4|7,2"},
		// The select list's subquery runs for the rows WHERE keeps only:
		// o.k = 1 has two rows in i but is filtered out.
		{`SELECT id, (SELECT z FROM i WHERE i.k = o.k) FROM o WHERE o.k > 2 ORDER BY id`,
			"4,t|6,NULL|7,NULL"},
	}
	for _, c := range cases {
		if got := flat(mustRun(t, s, c.sql)); got != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.sql, got, c.want)
		}
	}
	if _, _, err := run(t, s, `SELECT id, (SELECT z FROM i WHERE i.k = o.k) FROM o ORDER BY id`); sqlstate.CodeOf(err) != sqlstate.CardinalityViolation {
		t.Errorf("two rows for one outer row: %v", err)
	}
}

// TestDecorrelationPlans: EXPLAIN shows the joins a correlated subquery
// became, and the per-row path where the correlation is not equalities.
func TestDecorrelationPlans(t *testing.T) {
	_, s := testEngine(t)
	mustRun(t, s, subqueryTestTables)
	cases := []struct {
		sql        string
		want, nope string
	}{
		{`SELECT id FROM o WHERE EXISTS (SELECT 1 FROM i WHERE i.k = o.k)`, "Hash Semi Join", ""},
		{`SELECT id FROM o WHERE x IN (SELECT y FROM i WHERE i.k = o.k)`, "Hash Semi Join", ""},
		{`SELECT id FROM o WHERE NOT EXISTS (SELECT 1 FROM i WHERE i.k = o.k)`, "Hash Anti Join", ""},
		{`SELECT id FROM o WHERE x NOT IN (SELECT y FROM i WHERE i.k = o.k)`, "Hash Anti Join", ""},
		{`SELECT id FROM o WHERE x > (SELECT avg(y) FROM i WHERE i.k = o.k)`, "Hash Left Join", ""},
		{`SELECT id FROM o WHERE EXISTS (SELECT 1 FROM i WHERE i.k = o.k AND i.y < o.x)`, "", "Hash"},
		{`SELECT id FROM o WHERE EXISTS (SELECT 1 FROM i WHERE i.k = o.k AND i.y IN (SELECT y FROM i WHERE z > 'q'))`, "Hash Semi Join", ""},
		{`SELECT id FROM o WHERE EXISTS (SELECT count(*) FROM i WHERE i.k = o.k)`, "", "Hash Semi Join"},
	}
	for _, c := range cases {
		plan := flat(mustRun(t, s, "EXPLAIN "+c.sql))
		if !strings.Contains(plan, c.want) || (c.nope != "" && strings.Contains(plan, c.nope)) {
			t.Errorf("%s:\n%s", c.sql, strings.ReplaceAll(plan, "|", "\n"))
		}
	}
}

// TestNumericJoinKeys: numerics equal in value but not in scale or
// representation (1.0, 1.00, numeric(10,3)) match in hash joins and
// decorrelated subqueries, as they compare equal in PostgreSQL.
func TestNumericJoinKeys(t *testing.T) {
	_, s := testEngine(t)
	mustRun(t, s, `CREATE TABLE na (n numeric); INSERT INTO na VALUES (1.0), (2.5);
CREATE TABLE nb (n numeric, m numeric(10,3)); INSERT INTO nb VALUES (1.00, 2.5), (3, 1)`)
	cases := []struct{ sql, want string }{
		{`SELECT n FROM na WHERE EXISTS (SELECT 1 FROM nb WHERE nb.n = na.n) ORDER BY n`, "1.0"},
		{`SELECT n FROM na WHERE EXISTS (SELECT 1 FROM nb WHERE nb.m = na.n) ORDER BY n`, "1.0|2.5"},
		{`SELECT n FROM na WHERE n IN (SELECT m FROM nb WHERE nb.n = nb.n AND nb.m = na.n) ORDER BY n`, "1.0|2.5"},
		{`SELECT na.n FROM na JOIN nb ON nb.n = na.n`, "1.0"},
	}
	for _, c := range cases {
		if got := flat(mustRun(t, s, c.sql)); got != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.sql, got, c.want)
		}
	}
}
