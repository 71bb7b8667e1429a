package executor

import (
	"testing"

	"github.com/sharehouse/sharehouse/executor/sqlstate"
)

// TestCoverage checks GROUPING SETS / ROLLUP / CUBE, WITH RECURSIVE,
// LATERAL and FETCH FIRST against answers taken from PostgreSQL 15.
func TestCoverage(t *testing.T) {
	_, s := testEngine(t)
	mustRun(t, s, `CREATE TABLE g (a int, b text, c int)`)
	mustRun(t, s, `INSERT INTO g VALUES (1,'x',10),(1,'y',20),(2,'x',30),(NULL,'y',40)`)
	cases := []struct{ sql, want string }{
		{`SELECT a, b, sum(c), grouping(a,b) FROM g GROUP BY ROLLUP(a,b) ORDER BY 1,2,4`,
			"1,x,10,0|1,y,20,0|1,NULL,30,1|2,x,30,0|2,NULL,30,1|NULL,y,40,0|NULL,NULL,40,1|NULL,NULL,100,3"},
		{`SELECT a, b, count(*), grouping(b) FROM g GROUP BY CUBE(a,b) ORDER BY 4,1,2,3`,
			"1,x,1,0|1,y,1,0|2,x,1,0|NULL,x,2,0|NULL,y,1,0|NULL,y,2,0|1,NULL,2,1|2,NULL,1,1|NULL,NULL,1,1|NULL,NULL,4,1"},
		{`SELECT a, b, sum(c) FROM g GROUP BY GROUPING SETS ((a), (b), ()) ORDER BY 1,2,3`,
			"1,NULL,30|2,NULL,30|NULL,x,40|NULL,y,60|NULL,NULL,40|NULL,NULL,100"},
		{`SELECT a, count(*) FROM g GROUP BY a, ROLLUP(b) HAVING count(*) > 1 ORDER BY 1`, "1,2"},
		{`SELECT count(*) FROM g WHERE false GROUP BY ROLLUP(a)`, "0"},
		{`SELECT a, grouping(a) FROM g GROUP BY a ORDER BY 1`, "1,0|2,0|NULL,0"},
		{`SELECT a+1 AS x, sum(c) FROM g GROUP BY GROUPING SETS (a, ()) ORDER BY 1,2`, "2,30|3,30|NULL,40|NULL,100"},
		{`SELECT a, count(*) FROM g GROUP BY DISTINCT ROLLUP(a), ROLLUP(a) ORDER BY 1,2`, "1,2|2,1|NULL,1|NULL,4"},
		{`SELECT a, count(*) FROM g GROUP BY ROLLUP(a), ROLLUP(a) ORDER BY 1,2`,
			"1,2|1,2|1,2|2,1|2,1|2,1|NULL,1|NULL,1|NULL,1|NULL,4"},
		{`SELECT * FROM g WHERE a=1 GROUP BY GROUPING SETS ((a,b,c)) ORDER BY c`, "1,x,10|1,y,20"},
		{`SELECT b, grouping(b), count(*) FROM g GROUP BY ROLLUP(b) ORDER BY 2, 1`, "x,0,2|y,0,2|NULL,1,4"},
		{`SELECT n FROM generate_series(1,10) n ORDER BY n OFFSET 2 ROWS FETCH FIRST 3 ROWS ONLY`, "3|4|5"},
		{`SELECT n FROM generate_series(1,10) n ORDER BY n FETCH NEXT ROW ONLY`, "1"},
		{`WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM t WHERE n < 5) SELECT sum(n), count(*) FROM t`, "15,5"},
		{`WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM t) SELECT n FROM t LIMIT 3`, "1|2|3"},
		{`WITH RECURSIVE t(n) AS (SELECT 1 UNION SELECT (n+1) % 4 FROM t) SELECT n FROM t ORDER BY n`, "0|1|2|3"},
		{`WITH RECURSIVE f(i, a, b) AS (SELECT 1, 0::bigint, 1::bigint UNION ALL SELECT i+1, b, a+b FROM f WHERE i < 10) SELECT i, a FROM f ORDER BY i DESC LIMIT 2`, "10,34|9,21"},
		{`WITH RECURSIVE t AS (SELECT 1 AS n UNION ALL SELECT n+1 FROM t WHERE n < 3), u AS (SELECT n*10 AS m FROM t) SELECT * FROM u ORDER BY m`, "10|20|30"},
		{`WITH RECURSIVE x(a) AS (SELECT 1) SELECT * FROM x`, "1"},
		{`WITH RECURSIVE tree(id, lvl) AS (SELECT c, 0 FROM g WHERE a = 1 AND b='x' UNION ALL SELECT g.c, tree.lvl+1 FROM g JOIN tree ON g.c = tree.id + 10) SELECT * FROM tree ORDER BY 1`, "10,0|20,1|30,2|40,3"},
		// The shape of pgx's LoadTypes: (A UNION ALL B) UNION recursive term.
		{`WITH RECURSIVE pc(parent, child) AS (VALUES (1007::oid, 23::oid), (23::oid, 0::oid)),
		  rel(parent, child, depth) AS (SELECT DISTINCT 0::oid, 1007::oid, 0 FROM pg_type WHERE typname = 'int4'
		    UNION ALL SELECT 0::oid, 0::oid, 1 WHERE false
		    UNION SELECT pc.parent, pc.child, rel.depth + 1 FROM pc INNER JOIN rel ON (pc.parent = rel.child))
		  SELECT typname, max(depth) FROM rel INNER JOIN pg_type ON (pg_type.oid = rel.child) GROUP BY typname ORDER BY max(depth) DESC, typname`, "int4,1|_int4,0"},
	}
	for _, c := range cases {
		t.Run(c.sql, func(t *testing.T) {
			if got := flat(mustRun(t, s, c.sql)); got != c.want {
				t.Errorf("got  %q\nwant %q", got, c.want)
			}
		})
	}
	errs := []struct {
		sql  string
		code sqlstate.Code
	}{
		{`SELECT grouping(c) FROM g GROUP BY a`, sqlstate.GroupingError},
		{`SELECT b FROM g GROUP BY ROLLUP(a)`, sqlstate.GroupingError},
		{`SELECT n FROM generate_series(1,10) n ORDER BY n FETCH FIRST 2 ROWS WITH TIES`, sqlstate.FeatureNotSupported},
		{`WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n+1.5 FROM t WHERE n < 3) SELECT * FROM t`, sqlstate.DatatypeMismatch},
	}
	for _, c := range errs {
		t.Run(c.sql, func(t *testing.T) {
			_, _, err := run(t, s, c.sql)
			if got := sqlstate.CodeOf(err); got != c.code {
				t.Errorf("got %s (%v), want %s", got, err, c.code)
			}
		})
	}
}
