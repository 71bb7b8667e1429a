package executor

import (
	"context"
	"testing"

	"github.com/sharehouse/sharehouse/executor/sqlstate"
)

// windowTestTable is the table the window tests query; the expected rows
// below are what PostgreSQL 15 prints for each query over it.
const windowTestTable = `CREATE TABLE w (g text, v int, d date, ts timestamp, n numeric, f float8);
INSERT INTO w VALUES
 ('a', 1, '2024-01-01', '2024-01-01 10:00', 1.5, 1.5),
 ('a', 2, '2024-01-02', '2024-01-01 11:00', 2.5, 2.5),
 ('a', 2, '2024-01-04', '2024-01-01 11:30', 2.5, 2.5),
 ('a', 4, '2024-01-08', '2024-01-02 10:00', 4.0, 4.0),
 ('a', 7, '2024-01-09', '2024-01-03 09:00', 7.25, 7.25),
 ('a', NULL, NULL, NULL, NULL, NULL),
 ('b', 10, '2024-02-01', '2024-02-01 00:00', 10, 10),
 ('b', 10, '2024-02-01', '2024-02-01 00:00', 10, 10),
 ('b', 13, '2024-03-01', '2024-03-01 00:00', 13, 13),
 ('b', 20, '2024-03-02', '2024-03-02 00:00', 20, 20)`

// TestWindowNamedAndFrames: WINDOW clauses, window inheritance, GROUPS,
// EXCLUDE and offset frames in ROWS, RANGE and GROUPS mode.
func TestWindowNamedAndFrames(t *testing.T) {
	_, s := testEngine(t)
	mustRun(t, s, windowTestTable)
	cases := []struct{ sql, want string }{
		// RANGE offsets order numerics by value, as ORDER BY does.
		{`SELECT n FROM (VALUES (10::numeric), (9.5), (100)) t(n) ORDER BY n`, "9.5|10|100"},
		{`SELECT g, v, sum(v) OVER w, row_number() OVER w, rank() OVER w FROM w WINDOW w AS (PARTITION BY g ORDER BY v) ORDER BY g, v, 4`,
			"a,1,1,1,1|a,2,5,2,2|a,2,5,3,2|a,4,9,4,4|a,7,16,5,5|a,NULL,16,6,6|b,10,20,1,1|b,10,20,2,1|b,13,33,3,3|b,20,53,4,4"},
		{`SELECT g, v, sum(v) OVER (w ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) FROM w WINDOW w AS (PARTITION BY g ORDER BY v) ORDER BY g, v, 3`,
			"a,1,1|a,2,3|a,2,4|a,4,6|a,7,11|a,NULL,7|b,10,10|b,10,20|b,13,23|b,20,33"},
		{`SELECT g, v, count(*) OVER (w ORDER BY v DESC) FROM w WINDOW w AS (PARTITION BY g) ORDER BY g, v, 3`,
			"a,1,6|a,2,5|a,2,5|a,4,3|a,7,2|a,NULL,1|b,10,4|b,10,4|b,13,2|b,20,1"},
		{`SELECT g, v, sum(v) OVER w2, max(v) OVER w1 FROM w WINDOW w1 AS (PARTITION BY g), w2 AS (w1 ORDER BY v RANGE BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) ORDER BY g, v, 3`,
			"a,1,16,7|a,2,15,7|a,2,15,7|a,4,11,7|a,7,7,7|a,NULL,NULL,7|b,10,53,20|b,10,53,20|b,13,33,20|b,20,20,20"},
		{`SELECT g, v, sum(v) OVER (PARTITION BY g ORDER BY v GROUPS BETWEEN 1 PRECEDING AND 1 FOLLOWING) FROM w ORDER BY g, v, 3`,
			"a,1,5|a,2,9|a,2,9|a,4,15|a,7,11|a,NULL,7|b,10,33|b,10,33|b,13,53|b,20,33"},
		{`SELECT g, v, sum(v) OVER (PARTITION BY g ORDER BY v GROUPS BETWEEN CURRENT ROW AND 2 FOLLOWING), count(*) OVER (PARTITION BY g ORDER BY v GROUPS 1 PRECEDING) FROM w ORDER BY g, v, 3`,
			"a,1,9,1|a,2,15,3|a,2,15,3|a,4,11,3|a,7,7,2|a,NULL,NULL,2|b,10,53,2|b,10,53,2|b,13,33,3|b,20,20,2"},
		{`SELECT g, v, sum(v) OVER (PARTITION BY g ORDER BY v ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING EXCLUDE CURRENT ROW) FROM w ORDER BY g, v, 3`,
			"a,1,15|a,2,14|a,2,14|a,4,12|a,7,9|a,NULL,16|b,10,43|b,10,43|b,13,40|b,20,33"},
		{`SELECT g, v, sum(v) OVER (PARTITION BY g ORDER BY v ROWS BETWEEN 2 PRECEDING AND 2 FOLLOWING EXCLUDE GROUP) FROM w ORDER BY g, v, 3`,
			"a,1,4|a,2,5|a,2,12|a,4,11|a,7,6|a,NULL,11|b,10,13|b,10,33|b,13,40|b,20,23"},
		{`SELECT g, v, sum(v) OVER (PARTITION BY g ORDER BY v RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW EXCLUDE TIES), string_agg(v::text, ',') OVER (PARTITION BY g ORDER BY v GROUPS BETWEEN 1 PRECEDING AND 1 FOLLOWING EXCLUDE TIES) FROM w ORDER BY g, v, 3`,
			"a,1,1,1,2,2|a,2,3,1,2,4|a,2,3,1,2,4|a,4,9,2,2,4,7|a,7,16,4,7|a,NULL,16,7|b,10,10,10,13|b,10,10,10,13|b,13,33,10,10,13,20|b,20,53,13,20"},
		{`SELECT g, v, count(v) OVER (PARTITION BY g ORDER BY v ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW EXCLUDE NO OTHERS) FROM w ORDER BY g, v, 3`,
			"a,1,1|a,2,2|a,2,3|a,4,4|a,7,5|a,NULL,5|b,10,1|b,10,2|b,13,3|b,20,4"},
		{`SELECT g, v, first_value(v) OVER x, last_value(v) OVER x, nth_value(v, 2) OVER x FROM w WINDOW x AS (PARTITION BY g ORDER BY v ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING EXCLUDE CURRENT ROW) ORDER BY g, v, 3`,
			"a,1,2,2,NULL|a,2,1,2,2|a,2,2,4,4|a,4,2,7,7|a,7,4,NULL,NULL|a,NULL,7,7,NULL|b,10,10,10,NULL|b,10,10,13,13|b,13,10,20,20|b,20,13,13,NULL"},
		{`SELECT g, v, sum(v) OVER (PARTITION BY g ORDER BY v RANGE BETWEEN 2 PRECEDING AND 1 FOLLOWING) FROM w ORDER BY g, v, 3`,
			"a,1,5|a,2,5|a,2,5|a,4,8|a,7,7|a,NULL,NULL|b,10,20|b,10,20|b,13,13|b,20,20"},
		{`SELECT g, v, sum(v) OVER (PARTITION BY g ORDER BY v DESC RANGE BETWEEN 3 PRECEDING AND CURRENT ROW) FROM w ORDER BY g, v, 3`,
			"a,1,9|a,2,8|a,2,8|a,4,11|a,7,7|a,NULL,NULL|b,10,33|b,10,33|b,13,13|b,20,20"},
		{`SELECT g, v, count(*) OVER (PARTITION BY g ORDER BY v NULLS FIRST RANGE BETWEEN 1 PRECEDING AND 1 FOLLOWING) FROM w ORDER BY g, v, 3`,
			"a,1,3|a,2,3|a,2,3|a,4,1|a,7,1|a,NULL,1|b,10,2|b,10,2|b,13,1|b,20,1"},
		{`SELECT g, v, count(*) OVER (PARTITION BY g ORDER BY v RANGE BETWEEN 1 FOLLOWING AND 3 FOLLOWING) FROM w ORDER BY g, v, 3`,
			"a,1,3|a,2,1|a,2,1|a,4,1|a,7,0|a,NULL,1|b,10,1|b,10,1|b,13,0|b,20,0"},
		{`SELECT g, d, count(*) OVER (ORDER BY d RANGE BETWEEN '2 days' PRECEDING AND CURRENT ROW) FROM w ORDER BY g, d, 3`,
			"a,2024-01-01,1|a,2024-01-02,2|a,2024-01-04,2|a,2024-01-08,1|a,2024-01-09,2|a,NULL,1|b,2024-02-01,2|b,2024-02-01,2|b,2024-03-01,1|b,2024-03-02,2"},
		{`SELECT g, ts, count(*) OVER (PARTITION BY g ORDER BY ts RANGE BETWEEN CURRENT ROW AND '1 hour' FOLLOWING) FROM w ORDER BY g, ts, 3`,
			"a,2024-01-01 10:00:00,2|a,2024-01-01 11:00:00,2|a,2024-01-01 11:30:00,1|a,2024-01-02 10:00:00,1|a,2024-01-03 09:00:00,1|a,NULL,1|b,2024-02-01 00:00:00,2|b,2024-02-01 00:00:00,2|b,2024-03-01 00:00:00,1|b,2024-03-02 00:00:00,1"},
		{`SELECT g, n, sum(n) OVER (PARTITION BY g ORDER BY n RANGE BETWEEN 1.0 PRECEDING AND 0.5 FOLLOWING) FROM w ORDER BY g, n, 3`,
			"a,1.5,1.5|a,2.5,6.5|a,2.5,6.5|a,4.0,4.0|a,7.25,7.25|a,NULL,NULL|b,10,20|b,10,20|b,13,13|b,20,20"},
		{`SELECT g, f, count(*) OVER (PARTITION BY g ORDER BY f RANGE BETWEEN 1.5 PRECEDING AND 1 FOLLOWING) FROM w ORDER BY g, f, 3`,
			"a,1.5,3|a,2.5,3|a,2.5,3|a,4,3|a,7.25,1|a,NULL,1|b,10,2|b,10,2|b,13,1|b,20,1"},
		{`SELECT g, v, sum(v) OVER (PARTITION BY g ORDER BY v ROWS BETWEEN 2 FOLLOWING AND 1 FOLLOWING), sum(v) OVER (PARTITION BY g ORDER BY v ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) FROM w ORDER BY g, v, 3`,
			"a,1,NULL,NULL|a,2,NULL,1|a,2,NULL,3|a,4,NULL,5|a,7,NULL,9|a,NULL,NULL,16|b,10,NULL,NULL|b,10,NULL,10|b,13,NULL,20|b,20,NULL,33"},
		{`SELECT g, v, sum(v) OVER (PARTITION BY g ORDER BY v GROUPS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING EXCLUDE CURRENT ROW) FROM w ORDER BY g, v, 3`,
			"a,1,NULL|a,2,1|a,2,1|a,4,5|a,7,9|a,NULL,16|b,10,NULL|b,10,NULL|b,13,20|b,20,33"},
		{`SELECT g, v, sum(v) OVER (ORDER BY v ROWS 2 PRECEDING) FROM w ORDER BY v, g, 3`,
			"a,1,1|a,2,3|a,2,5|a,4,8|a,7,13|b,10,21|b,10,27|b,13,33|b,20,43|a,NULL,33"},
		// Calls over the same window, interleaved with others.
		{`SELECT g, v, sum(v) OVER (PARTITION BY g ORDER BY v), row_number() OVER (ORDER BY v DESC, g), count(*) OVER (PARTITION BY g ORDER BY v), rank() OVER (ORDER BY v DESC, g) FROM w ORDER BY g, v, 4`,
			"a,1,1,10,1,10|a,2,5,8,3,8|a,2,5,9,3,8|a,4,9,7,4,7|a,7,16,6,5,6|a,NULL,16,1,6,1|b,10,20,4,2,4|b,10,20,5,2,4|b,13,33,3,3,3|b,20,53,2,4,2"},
		// FILTER on window aggregates, over running and sliding frames.
		{`SELECT sum(v) FILTER (WHERE v > 2) OVER (PARTITION BY g) FROM w ORDER BY 1`, "11|11|11|11|11|11|53|53|53|53"},
		{`SELECT g, v, count(*) FILTER (WHERE v > 2) OVER (PARTITION BY g ORDER BY v), sum(v) FILTER (WHERE v <> 10) OVER (PARTITION BY g ORDER BY v ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING) FROM w ORDER BY g, v, 3, 4`,
			"a,1,0,3|a,2,0,5|a,2,0,8|a,4,1,13|a,7,2,11|a,NULL,2,7|b,10,2,13|b,10,2,NULL|b,13,3,33|b,20,4,33"},
		// RANGE offsets on timestamptz, time (no wrap at midnight),
		// interval, float, smallint and date keys.
		{`SELECT g, ts, count(*) OVER (ORDER BY ts::timestamptz RANGE BETWEEN '1 day' PRECEDING AND '1 hour' FOLLOWING) FROM w ORDER BY g, ts, 3`,
			"a,2024-01-01 10:00:00,2|a,2024-01-01 11:00:00,3|a,2024-01-01 11:30:00,3|a,2024-01-02 10:00:00,4|a,2024-01-03 09:00:00,2|a,NULL,1|b,2024-02-01 00:00:00,2|b,2024-02-01 00:00:00,2|b,2024-03-01 00:00:00,1|b,2024-03-02 00:00:00,2"},
		{`SELECT g, ts, count(*) OVER (ORDER BY ts::time RANGE BETWEEN '30 minutes' PRECEDING AND CURRENT ROW) FROM w ORDER BY g, ts, 3`,
			"a,2024-01-01 10:00:00,2|a,2024-01-01 11:00:00,1|a,2024-01-01 11:30:00,2|a,2024-01-02 10:00:00,2|a,2024-01-03 09:00:00,1|a,NULL,1|b,2024-02-01 00:00:00,4|b,2024-02-01 00:00:00,4|b,2024-03-01 00:00:00,4|b,2024-03-02 00:00:00,4"},
		{`SELECT g, ts, count(*) OVER (ORDER BY (ts - '2024-01-01')::interval DESC RANGE BETWEEN '1 day' PRECEDING AND '2 days' FOLLOWING) FROM w ORDER BY g, ts, 3`,
			"a,2024-01-01 10:00:00,4|a,2024-01-01 11:00:00,4|a,2024-01-01 11:30:00,4|a,2024-01-02 10:00:00,5|a,2024-01-03 09:00:00,5|a,NULL,1|b,2024-02-01 00:00:00,2|b,2024-02-01 00:00:00,2|b,2024-03-01 00:00:00,2|b,2024-03-02 00:00:00,2"},
		{`SELECT g, f, sum(f) OVER (ORDER BY f DESC RANGE BETWEEN 2.5 PRECEDING AND 0.5 FOLLOWING) FROM w ORDER BY g, f, 3`,
			"a,1.5,10.5|a,2.5,9|a,2.5,9|a,4,4|a,7.25,7.25|a,NULL,NULL|b,10,20|b,10,20|b,13,13|b,20,20"},
		{`SELECT g, v, sum(v) OVER (ORDER BY v::int2 RANGE BETWEEN 3 PRECEDING AND 3 FOLLOWING EXCLUDE GROUP) FROM w ORDER BY g, v, 3`,
			"a,1,8|a,2,5|a,2,5|a,4,12|a,7,24|a,NULL,NULL|b,10,20|b,10,20|b,13,20|b,20,NULL"},
		{`SELECT g, d, count(*) OVER (ORDER BY d DESC RANGE BETWEEN '1 month' PRECEDING AND CURRENT ROW) FROM w ORDER BY g, d, 3`,
			"a,2024-01-01,7|a,2024-01-02,6|a,2024-01-04,5|a,2024-01-08,4|a,2024-01-09,3|a,NULL,1|b,2024-02-01,3|b,2024-02-01,3|b,2024-03-01,2|b,2024-03-02,1"},
		// Frames that all end at the partition's end.
		{`SELECT g, v, sum(v) OVER (PARTITION BY g ORDER BY v ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING), count(*) OVER (PARTITION BY g ORDER BY v RANGE BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING), min(v) OVER (PARTITION BY g ORDER BY v GROUPS BETWEEN 1 PRECEDING AND UNBOUNDED FOLLOWING) FROM w ORDER BY g, v, 3`,
			"a,1,16,5,1|a,2,13,3,1|a,2,15,3,1|a,4,11,2,2|a,7,7,1,4|a,NULL,NULL,1,7|b,10,43,2,10|b,10,53,2,10|b,13,33,1,10|b,20,20,0,13"},
		{`SELECT g, v, string_agg(v::text, ';') OVER (PARTITION BY g ORDER BY v ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) FROM w ORDER BY g, v, 3`,
			"a,1,1;2;2;4;7|a,2,2;2;4;7|a,2,2;4;7|a,4,4;7|a,7,7|a,NULL,NULL|b,10,10;10;13;20|b,10,10;13;20|b,13,13;20|b,20,20"},
		{`SELECT g, n, avg(n) OVER (PARTITION BY g ORDER BY n RANGE BETWEEN 1 PRECEDING AND UNBOUNDED FOLLOWING) FROM w ORDER BY g, n, 3`,
			"a,1.5,3.5500000000000000|a,2.5,3.5500000000000000|a,2.5,3.5500000000000000|a,4.0,5.6250000000000000|a,7.25,7.2500000000000000|a,NULL,NULL|b,10,13.2500000000000000|b,10,13.2500000000000000|b,13,16.5000000000000000|b,20,20.0000000000000000"},
	}
	for _, c := range cases {
		if got := flat(mustRun(t, s, c.sql)); got != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.sql, got, c.want)
		}
	}
}

// TestWindowErrors: misused windows fail with PostgreSQL's SQLSTATEs.
func TestWindowErrors(t *testing.T) {
	_, s := testEngine(t)
	mustRun(t, s, windowTestTable)
	cases := []struct {
		sql  string
		code sqlstate.Code
		msg  string
	}{
		{`SELECT sum(v) OVER x FROM w`, sqlstate.UndefinedObject, `window "x" does not exist`},
		{`SELECT sum(v) OVER (x ORDER BY v) FROM w`, sqlstate.UndefinedObject, `window "x" does not exist`},
		{`SELECT sum(v) OVER (w PARTITION BY v) FROM w WINDOW w AS (ORDER BY g)`, sqlstate.WindowingError, `cannot override PARTITION BY clause of window "w"`},
		{`SELECT sum(v) OVER (w ORDER BY v) FROM w WINDOW w AS (ORDER BY g)`, sqlstate.WindowingError, `cannot override ORDER BY clause of window "w"`},
		{`SELECT sum(v) OVER (w) FROM w WINDOW w AS (ORDER BY g ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)`, sqlstate.WindowingError, `cannot copy window "w" because it has a frame clause`},
		{`SELECT sum(v) OVER w FROM w WINDOW w AS (ORDER BY g), w AS (ORDER BY v)`, sqlstate.WindowingError, `window "w" is already defined`},
		{`SELECT sum(v) OVER w FROM w WINDOW w AS (ORDER BY row_number() OVER ())`, sqlstate.WindowingError, ``},
		{`SELECT sum(v) OVER w FROM w WINDOW w AS (ORDER BY nosuch)`, sqlstate.UndefinedColumn, `column "nosuch" does not exist`},
		{`SELECT v FROM w WINDOW w AS (ORDER BY nosuch)`, sqlstate.UndefinedColumn, `column "nosuch" does not exist`},
		{`SELECT sum(v) OVER (ORDER BY v ROWS BETWEEN -1 PRECEDING AND CURRENT ROW) FROM w`, sqlstate.InvalidPrecedingOrFollowingSize, `frame starting offset must not be negative`},
		{`SELECT sum(v) OVER (ORDER BY v ROWS BETWEEN CURRENT ROW AND NULL FOLLOWING) FROM w`, sqlstate.NullValueNotAllowed, `frame ending offset must not be null`},
		{`SELECT sum(v) OVER (ORDER BY v RANGE BETWEEN -1 PRECEDING AND CURRENT ROW) FROM w`, sqlstate.InvalidPrecedingOrFollowingSize, `invalid preceding or following size in window function`},
		{`SELECT sum(v) OVER (ORDER BY v, g RANGE BETWEEN 1 PRECEDING AND CURRENT ROW) FROM w`, sqlstate.WindowingError, `RANGE with offset PRECEDING/FOLLOWING requires exactly one ORDER BY column`},
		{`SELECT sum(v) OVER (ORDER BY g RANGE BETWEEN 1 PRECEDING AND CURRENT ROW) FROM w`, sqlstate.FeatureNotSupported, `RANGE with offset PRECEDING/FOLLOWING is not supported for column type text`},
		{`SELECT sum(DISTINCT v) OVER () FROM w`, sqlstate.FeatureNotSupported, `DISTINCT is not implemented for window functions`},
		{`SELECT string_agg(g, ',' ORDER BY v) OVER () FROM w`, sqlstate.FeatureNotSupported, `aggregate ORDER BY is not implemented for window functions`},
		{`SELECT v FROM w GROUP BY row_number() OVER ()`, sqlstate.WindowingError, `window functions are not allowed in GROUP BY`},
		{`SELECT g FROM w GROUP BY g HAVING sum(v) OVER () > 1`, sqlstate.WindowingError, `window functions are not allowed in HAVING`},
		{`SELECT v FROM w WHERE row_number() OVER () > 1`, sqlstate.WindowingError, `window functions are not allowed in WHERE`},
		{`SELECT sum(row_number() OVER ()) FROM w`, sqlstate.GroupingError, `aggregate function calls cannot contain window function calls`},
		{`SELECT sum(v) OVER (ORDER BY row_number() OVER ()) FROM w`, sqlstate.WindowingError, `window functions are not allowed in window definitions`},
		{`SELECT sum(row_number() OVER ()) OVER () FROM w`, sqlstate.WindowingError, `window function calls cannot be nested`},
		{`SELECT row_number(v) OVER () FROM w`, sqlstate.UndefinedFunction, `function row_number(integer) does not exist`},
		{`SELECT ntile(0) OVER () FROM w`, sqlstate.InvalidArgumentForNtile, `argument of ntile must be greater than zero`},
		{`SELECT nth_value(v, 0) OVER () FROM w`, sqlstate.InvalidArgumentForNthValue, `argument of nth_value must be greater than zero`},
		{`SELECT lower(g) OVER () FROM w`, sqlstate.WrongObjectType, `OVER specified, but lower is not a window function nor an aggregate function`},
		{`SELECT row_number() FILTER (WHERE v > 2) OVER () FROM w`, sqlstate.FeatureNotSupported, `FILTER is not implemented for non-aggregate window functions`},
		{`SELECT sum(v) OVER (w3) FROM w WINDOW w AS (PARTITION BY g), w2 AS (w ORDER BY v), w3 AS (w2 ROWS 1 PRECEDING)`, sqlstate.WindowingError, `cannot copy window "w3" because it has a frame clause`},
		{`SELECT sum(v) OVER (GROUPS BETWEEN 1 PRECEDING AND CURRENT ROW) FROM w`, sqlstate.WindowingError, `GROUPS mode requires an ORDER BY clause`},
	}
	for _, c := range cases {
		_, _, err := run(t, s, c.sql)
		if sqlstate.CodeOf(err) != c.code || (c.msg != "" && (err == nil || err.Error() != c.msg)) {
			t.Errorf("%s:\n got %v (%s)\nwant %s %s", c.sql, err, sqlstate.CodeOf(err), c.code, c.msg)
		}
	}
}

// TestWindowLongFrames: frames growing from the partition's start or to
// its end run in linear time; over 20k rows the per-frame path would
// exceed its work bound (maxWindowWork) and fail.
func TestWindowLongFrames(t *testing.T) {
	_, s := testEngine(t)
	cases := []struct{ sql, want string }{
		{`SELECT max(r), min(r) FROM (SELECT sum(g) OVER (ORDER BY g) r FROM generate_series(1, 20000) g) t`, "200010000,1"},
		{`SELECT max(r), min(r) FROM (SELECT count(*) OVER (ORDER BY g % 1000, g ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) r FROM generate_series(1, 20000) g) t`, "20000,1"},
	}
	for _, c := range cases {
		if got := flat(mustRun(t, s, c.sql)); got != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.sql, got, c.want)
		}
	}
}

// TestWindowFrameMatrix: a sample of generated frame clauses (mode,
// bounds, offsets, EXCLUDE, sort direction) over a table with ties and
// NULLs; the expected rows are PostgreSQL 15's.
func TestWindowFrameMatrix(t *testing.T) {
	_, s := testEngine(t)
	mustRun(t, s, `CREATE TABLE wt (id int, g text, v int); INSERT INTO wt VALUES (1,'a',1),(2,'a',2),(3,'a',2),(4,'a',4),(5,'a',NULL),(6,'a',7),(7,'a',7),(8,'a',7),(9,'b',10),(10,'b',NULL),(11,'b',NULL),(12,'b',13),(13,'b',20),(14,'b',21),(15,'c',5);`)
	cases := []struct{ sql, want string }{
		{`SELECT g, v, id, bool_and(v > 3) OVER (ORDER BY v DESC NULLS LAST GROUPS BETWEEN UNBOUNDED PRECEDING AND 2 PRECEDING ) FROM wt ORDER BY id`,
			"a,1,1,t|a,2,2,t|a,2,3,t|a,4,4,t|a,NULL,5,f|a,7,6,t|a,7,7,t|a,7,8,t|b,10,9,t|b,NULL,10,f|b,NULL,11,f|b,13,12,t|b,20,13,NULL|b,21,14,NULL|c,5,15,t"},
		{`SELECT g, v, id, bool_and(v > 3) OVER (PARTITION BY g ORDER BY v , id ROWS BETWEEN UNBOUNDED PRECEDING AND 2 PRECEDING ) FROM wt ORDER BY id`,
			"a,1,1,NULL|a,2,2,NULL|a,2,3,f|a,4,4,f|a,NULL,5,f|a,7,6,f|a,7,7,f|a,7,8,f|b,10,9,NULL|b,NULL,10,t|b,NULL,11,t|b,13,12,NULL|b,20,13,t|b,21,14,t|c,5,15,NULL"},
		{`SELECT g, v, id, min(v) OVER (ORDER BY v DESC NULLS LAST RANGE BETWEEN 2 PRECEDING AND 0 PRECEDING EXCLUDE GROUP) FROM wt ORDER BY id`,
			"a,1,1,2|a,2,2,4|a,2,3,4|a,4,4,5|a,NULL,5,NULL|a,7,6,NULL|a,7,7,NULL|a,7,8,NULL|b,10,9,NULL|b,NULL,10,NULL|b,NULL,11,NULL|b,13,12,NULL|b,20,13,21|b,21,14,NULL|c,5,15,7"},
		{`SELECT g, v, id, max(v) OVER (PARTITION BY g ORDER BY v , id ROWS BETWEEN 0 PRECEDING AND 0 PRECEDING EXCLUDE GROUP) FROM wt ORDER BY id`,
			"a,1,1,NULL|a,2,2,NULL|a,2,3,NULL|a,4,4,NULL|a,NULL,5,NULL|a,7,6,NULL|a,7,7,NULL|a,7,8,NULL|b,10,9,NULL|b,NULL,10,NULL|b,NULL,11,NULL|b,13,12,NULL|b,20,13,NULL|b,21,14,NULL|c,5,15,NULL"},
		{`SELECT g, v, id, bool_and(v > 3) OVER (ORDER BY v DESC NULLS LAST RANGE BETWEEN 1 PRECEDING AND 0 FOLLOWING EXCLUDE TIES) FROM wt ORDER BY id`,
			"a,1,1,f|a,2,2,f|a,2,3,f|a,4,4,t|a,NULL,5,NULL|a,7,6,t|a,7,7,t|a,7,8,t|b,10,9,t|b,NULL,10,NULL|b,NULL,11,NULL|b,13,12,t|b,20,13,t|b,21,14,t|c,5,15,t"},
		{`SELECT g, v, id, last_value(v) OVER (ORDER BY v , id ROWS BETWEEN 2 FOLLOWING AND UNBOUNDED FOLLOWING ) FROM wt ORDER BY id`,
			"a,1,1,NULL|a,2,2,NULL|a,2,3,NULL|a,4,4,NULL|a,NULL,5,NULL|a,7,6,NULL|a,7,7,NULL|a,7,8,NULL|b,10,9,NULL|b,NULL,10,NULL|b,NULL,11,NULL|b,13,12,NULL|b,20,13,NULL|b,21,14,NULL|c,5,15,NULL"},
		{`SELECT g, v, id, first_value(v) OVER (ORDER BY v , id ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING EXCLUDE TIES) FROM wt ORDER BY id`,
			"a,1,1,1|a,2,2,2|a,2,3,2|a,4,4,4|a,NULL,5,NULL|a,7,6,7|a,7,7,7|a,7,8,7|b,10,9,10|b,NULL,10,NULL|b,NULL,11,NULL|b,13,12,13|b,20,13,20|b,21,14,21|c,5,15,5"},
		{`SELECT g, v, id, bool_and(v > 3) OVER (ORDER BY v NULLS FIRST GROUPS BETWEEN UNBOUNDED PRECEDING AND 0 PRECEDING EXCLUDE TIES) FROM wt ORDER BY id`,
			"a,1,1,f|a,2,2,f|a,2,3,f|a,4,4,f|a,NULL,5,NULL|a,7,6,f|a,7,7,f|a,7,8,f|b,10,9,f|b,NULL,10,NULL|b,NULL,11,NULL|b,13,12,f|b,20,13,f|b,21,14,f|c,5,15,f"},
		{`SELECT g, v, id, max(v) OVER (PARTITION BY g ORDER BY v  GROUPS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW EXCLUDE GROUP) FROM wt ORDER BY id`,
			"a,1,1,NULL|a,2,2,1|a,2,3,1|a,4,4,2|a,NULL,5,7|a,7,6,4|a,7,7,4|a,7,8,4|b,10,9,NULL|b,NULL,10,21|b,NULL,11,21|b,13,12,10|b,20,13,13|b,21,14,20|c,5,15,NULL"},
		{`SELECT g, v, id, count(v) OVER (PARTITION BY g ORDER BY v DESC GROUPS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW EXCLUDE TIES) FROM wt ORDER BY id`,
			"a,1,1,7|a,2,2,5|a,2,3,5|a,4,4,4|a,NULL,5,0|a,7,6,1|a,7,7,1|a,7,8,1|b,10,9,4|b,NULL,10,0|b,NULL,11,0|b,13,12,3|b,20,13,2|b,21,14,1|c,5,15,1"},
		{`SELECT g, v, id, count(v) OVER (ORDER BY v NULLS FIRST RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW EXCLUDE GROUP) FROM wt ORDER BY id`,
			"a,1,1,0|a,2,2,1|a,2,3,1|a,4,4,3|a,NULL,5,0|a,7,6,5|a,7,7,5|a,7,8,5|b,10,9,8|b,NULL,10,0|b,NULL,11,0|b,13,12,9|b,20,13,10|b,21,14,11|c,5,15,4"},
		{`SELECT g, v, id, avg(v) OVER (PARTITION BY g ORDER BY v DESC, id ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING EXCLUDE GROUP) FROM wt ORDER BY id`,
			"a,1,1,4.8333333333333333|a,2,2,4.6666666666666667|a,2,3,4.6666666666666667|a,4,4,4.3333333333333333|a,NULL,5,4.2857142857142857|a,7,6,3.8333333333333333|a,7,7,3.8333333333333333|a,7,8,3.8333333333333333|b,10,9,18.0000000000000000|b,NULL,10,16.0000000000000000|b,NULL,11,16.0000000000000000|b,13,12,17.0000000000000000|b,20,13,14.6666666666666667|b,21,14,14.3333333333333333|c,5,15,NULL"},
		{`SELECT g, v, id, sum(v) OVER (ORDER BY v NULLS FIRST, id ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING EXCLUDE CURRENT ROW) FROM wt ORDER BY id`,
			"a,1,1,98|a,2,2,97|a,2,3,97|a,4,4,95|a,NULL,5,99|a,7,6,92|a,7,7,92|a,7,8,92|b,10,9,89|b,NULL,10,99|b,NULL,11,99|b,13,12,86|b,20,13,79|b,21,14,78|c,5,15,94"},
		{`SELECT g, v, id, max(v) OVER (ORDER BY v DESC NULLS LAST GROUPS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW EXCLUDE TIES) FROM wt ORDER BY id`,
			"a,1,1,21|a,2,2,21|a,2,3,21|a,4,4,21|a,NULL,5,21|a,7,6,21|a,7,7,21|a,7,8,21|b,10,9,21|b,NULL,10,21|b,NULL,11,21|b,13,12,21|b,20,13,21|b,21,14,21|c,5,15,21"},
		{`SELECT g, v, id, avg(v) OVER (PARTITION BY g ORDER BY v DESC, id ROWS BETWEEN CURRENT ROW AND 2 FOLLOWING EXCLUDE TIES) FROM wt ORDER BY id`,
			"a,1,1,1.00000000000000000000|a,2,2,1.6666666666666667|a,2,3,1.5000000000000000|a,4,4,2.6666666666666667|a,NULL,5,7.0000000000000000|a,7,6,7.0000000000000000|a,7,7,6.0000000000000000|a,7,8,4.3333333333333333|b,10,9,10.0000000000000000|b,NULL,10,21.0000000000000000|b,NULL,11,20.5000000000000000|b,13,12,11.5000000000000000|b,20,13,14.3333333333333333|b,21,14,18.0000000000000000|c,5,15,5.0000000000000000"},
		{`SELECT g, v, id, avg(v) OVER (PARTITION BY g ORDER BY v DESC NULLS LAST GROUPS BETWEEN 3 PRECEDING AND 1 PRECEDING EXCLUDE GROUP) FROM wt ORDER BY id`,
			"a,1,1,4.8333333333333333|a,2,2,6.2500000000000000|a,2,3,6.2500000000000000|a,4,4,7.0000000000000000|a,NULL,5,2.2500000000000000|a,7,6,NULL|a,7,7,NULL|a,7,8,NULL|b,10,9,18.0000000000000000|b,NULL,10,14.3333333333333333|b,NULL,11,14.3333333333333333|b,13,12,20.5000000000000000|b,20,13,21.0000000000000000|b,21,14,NULL|c,5,15,NULL"},
	}
	for _, c := range cases {
		if got := flat(mustRun(t, s, c.sql)); got != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.sql, got, c.want)
		}
	}
}

// TestWindowFrameParameters: frame offsets may be bound parameters of a
// prepared statement, known only at Execute.
func TestWindowFrameParameters(t *testing.T) {
	_, s := testEngine(t)
	mustRun(t, s, windowTestTable)
	ctx := context.Background()
	st, err := s.Prepare(ctx, `SELECT v, sum(v) OVER (ORDER BY v, d ROWS BETWEEN $1 PRECEDING AND CURRENT ROW), count(*) OVER (ORDER BY d RANGE BETWEEN $2 PRECEDING AND CURRENT ROW) FROM w WHERE g = 'a' ORDER BY v, d`, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Execute(ctx, st, []Param{{Data: []byte("1")}, {Data: []byte("2 days")}})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := resultRows(t, s, res)
	if err != nil {
		t.Fatal(err)
	}
	// PostgreSQL 15: PREPARE p AS …; EXECUTE p(1, '2 days').
	if got, want := flat(rows), "1,1,1|2,3,2|2,4,2|4,6,1|7,11,2|NULL,7,1"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
