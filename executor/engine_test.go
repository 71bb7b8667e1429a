package executor

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v17/arrow/memory"

	"github.com/sharehouse/sharehouse/catalog"
	"github.com/sharehouse/sharehouse/executor/sqlstate"
	"github.com/sharehouse/sharehouse/executor/sqltype"
	"github.com/sharehouse/sharehouse/storage"
)

// openCatalog opens a real store and catalog in a temp dir with a
// superuser "admin"; at cleanup (after the caller's own cleanups) it
// closes them and checks the store.
func openCatalog(t *testing.T) *catalog.Catalog {
	t.Helper()
	return openCatalogWith(t, nil)
}

// openCatalogWith is openCatalog with storage options changed by mod.
func openCatalogWith(t *testing.T, mod func(*storage.Options)) *catalog.Catalog {
	t.Helper()
	ctx := context.Background()
	opts := storage.DefaultOptions()
	opts.NoSync = true
	opts.CacheBytes = 256 << 20 // as a server has: queries run through the column cache
	if mod != nil {
		mod(&opts)
	}
	st, err := storage.Open(t.TempDir(), opts)
	if err != nil {
		t.Fatal(err)
	}
	cat, err := catalog.Open(ctx, st, catalog.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cat.EnsureSuperuser(ctx, "admin", "pw"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := cat.Close(); err != nil {
			t.Error(err)
		}
		if err := st.Check(); err != nil {
			t.Errorf("storage check: %v", err)
		}
		if err := st.Close(); err != nil {
			t.Error(err)
		}
	})
	return cat
}

// testEngine opens an engine over openCatalog with a checked allocator
// and returns a session as admin in postgres; cleanup asserts that no
// query memory is left.
func testEngine(t *testing.T) (*Engine, *Session) {
	t.Helper()
	return testEngineWith(t, nil)
}

// testEngineWith is testEngine with storage options changed by mod.
func testEngineWith(t *testing.T, mod func(*storage.Options)) (*Engine, *Session) {
	t.Helper()
	cat := openCatalogWith(t, mod)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	eng := New(Config{Catalog: cat, Allocator: mem})
	s, err := eng.NewSession(context.Background(), SessionOptions{User: "admin", Database: "postgres"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.Close()
		mem.AssertSize(t, 0)
	})
	return eng, s
}

// run executes every statement of sql and returns the last result's rows
// as text ("NULL" for null) and its tag.
func run(t *testing.T, s *Session, sql string) ([][]string, string, error) {
	t.Helper()
	ctx := context.Background()
	stmts, err := s.Parse(ctx, sql)
	if err != nil {
		return nil, "", err
	}
	var rows [][]string
	var tag string
	s.BeginBatch(len(stmts))
	for _, st := range stmts {
		rows = nil
		res, err := s.Execute(ctx, st, nil)
		if err != nil {
			s.EndBatch(err)
			return nil, "", err
		}
		tag = res.Tag
		if rows, err = resultRows(t, s, res); err != nil {
			s.EndBatch(err)
			return nil, "", err
		}
	}
	s.EndBatch(nil)
	return rows, tag, nil
}

// resultRows reads a result's rows as text ("NULL" for null) and closes it.
func resultRows(t *testing.T, s *Session, res Result) ([][]string, error) {
	t.Helper()
	ctx := context.Background()
	var rows [][]string
	if res.Rows == nil {
		return nil, nil
	}
	cols := res.Rows.Columns()
	for {
		rec, err := res.Rows.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			res.Rows.Close(err)
			return nil, err
		}
		encs := make([]sqltype.Encoder, len(cols))
		for i, c := range cols {
			if encs[i], err = sqltype.TextEncoder(c.Type, rec.Column(i).DataType(), s.TextFormat()); err != nil {
				t.Fatal(err)
			}
		}
		for r := 0; r < int(rec.NumRows()); r++ {
			row := make([]string, len(cols))
			for i := range cols {
				if rec.Column(i).IsNull(r) {
					row[i] = "NULL"
				} else {
					row[i] = string(encs[i](nil, rec.Column(i), r))
				}
			}
			rows = append(rows, row)
		}
	}
	res.Rows.Close(nil)
	return rows, nil
}

func mustRun(t *testing.T, s *Session, sql string) [][]string {
	t.Helper()
	rows, _, err := run(t, s, sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return rows
}

func flat(rows [][]string) string {
	var parts []string
	for _, r := range rows {
		parts = append(parts, strings.Join(r, ","))
	}
	return strings.Join(parts, "|")
}

func TestQueries(t *testing.T) {
	_, s := testEngine(t)
	mustRun(t, s, `CREATE TABLE t (id int NOT NULL, name text, amount numeric(10,2), d date DEFAULT '2024-01-01')`)
	mustRun(t, s, `INSERT INTO t VALUES (1, 'a', 1.50, '2024-02-01'), (2, 'b', 2.25, NULL), (3, NULL, NULL, DEFAULT)`)
	mustRun(t, s, `INSERT INTO t (id, name) VALUES (4, 'a')`)
	cases := []struct{ sql, want string }{
		{`SELECT 1 + 2, 'x' || 'y', 7 / 2, NULL IS NULL`, "3,xy,3,t"},
		{`SELECT id, name FROM t ORDER BY id`, "1,a|2,b|3,NULL|4,a"},
		{`SELECT id FROM t WHERE name = 'a' ORDER BY id DESC`, "4|1"},
		{`SELECT name, count(*), sum(amount) FROM t GROUP BY name ORDER BY name NULLS FIRST`, "NULL,1,NULL|a,2,1.50|b,1,2.25"},
		{`SELECT count(*) FROM t`, "4"},
		{`SELECT d FROM t WHERE id >= 3 ORDER BY id`, "2024-01-01|2024-01-01"},
		{`SELECT DISTINCT name FROM t ORDER BY 1`, "a|b|NULL"},
		{`SELECT id FROM t ORDER BY id LIMIT 2 OFFSET 1`, "2|3"},
		{`SELECT a.id, b.id FROM t a JOIN t b ON a.id = b.id + 1 ORDER BY 1`, "2,1|3,2|4,3"},
		{`SELECT count(*), sum(x) FROM generate_series(1, 100000) AS g(x)`, "100000,5000050000"},
		{`SELECT CASE WHEN id = 1 THEN 'one' ELSE 'other' END FROM t ORDER BY id LIMIT 2`, "one|other"},
	}
	for _, c := range cases {
		t.Run(c.sql, func(t *testing.T) {
			if got := flat(mustRun(t, s, c.sql)); got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	_, s := testEngine(t)
	mustRun(t, s, `CREATE TABLE t (id int NOT NULL, v varchar(3))`)
	cases := []struct {
		sql  string
		code sqlstate.Code
	}{
		{`SELECT * FROM missing`, sqlstate.UndefinedTable},
		{`SELEC 1`, sqlstate.SyntaxError},
		{`SELECT nope FROM t`, sqlstate.UndefinedColumn},
		{`SELECT 1/0`, sqlstate.DivisionByZero},
		{`INSERT INTO t VALUES (NULL, 'a')`, sqlstate.NotNullViolation},
		{`INSERT INTO t VALUES (1, 'abcd')`, sqlstate.StringDataRightTruncation},
		{`CREATE TABLE t (a int)`, sqlstate.DuplicateTable},
		{`SELECT id, count(*) FROM t`, sqlstate.GroupingError},
	}
	for _, c := range cases {
		t.Run(c.sql, func(t *testing.T) {
			_, _, err := run(t, s, c.sql)
			if got := sqlstate.CodeOf(err); got != c.code {
				t.Errorf("got %s (%v), want %s", got, err, c.code)
			}
		})
	}
}

func TestTransactions(t *testing.T) {
	_, s := testEngine(t)
	mustRun(t, s, `CREATE TABLE t (id int)`)
	mustRun(t, s, `BEGIN; INSERT INTO t VALUES (1); ROLLBACK`)
	if got := flat(mustRun(t, s, `SELECT count(*) FROM t`)); got != "0" {
		t.Fatalf("after rollback: %s rows", got)
	}
	mustRun(t, s, `BEGIN`)
	mustRun(t, s, `INSERT INTO t VALUES (1)`)
	if _, _, err := run(t, s, `SELECT * FROM missing`); err == nil {
		t.Fatal("expected an error")
	}
	if _, _, err := run(t, s, `SELECT 1`); sqlstate.CodeOf(err) != sqlstate.InFailedSQLTransaction {
		t.Fatalf("want 25P02, got %v", err)
	}
	if _, tag, _ := run(t, s, `COMMIT`); tag != "ROLLBACK" {
		t.Fatalf("COMMIT of a failed transaction: tag %q", tag)
	}
	mustRun(t, s, `INSERT INTO t VALUES (1), (2), (3)`)
	mustRun(t, s, `UPDATE t SET id = id * 10 WHERE id > 1`)
	mustRun(t, s, `DELETE FROM t WHERE id = 1`)
	if got := flat(mustRun(t, s, `SELECT id FROM t ORDER BY id`)); got != "20|30" {
		t.Fatalf("after update/delete: %s", got)
	}
	// A multi-statement query is one implicit transaction.
	if _, _, err := run(t, s, `INSERT INTO t VALUES (99); SELECT 1/0`); err == nil {
		t.Fatal("expected division by zero")
	}
	if got := flat(mustRun(t, s, `SELECT count(*) FROM t WHERE id = 99`)); got != "0" {
		t.Fatalf("implicit transaction not rolled back: %s", got)
	}
}

func TestAlterTable(t *testing.T) {
	_, s := testEngine(t)
	mustRun(t, s, `CREATE TABLE t (id int, name text)`)
	mustRun(t, s, `INSERT INTO t VALUES (1, 'a'), (2, 'b')`)
	mustRun(t, s, `ALTER TABLE t ADD COLUMN score int DEFAULT 7`)
	mustRun(t, s, `ALTER TABLE t ADD COLUMN note text`)
	mustRun(t, s, `ALTER TABLE t RENAME COLUMN name TO label`)
	mustRun(t, s, `INSERT INTO t (id, label) VALUES (3, 'c')`)
	if got := flat(mustRun(t, s, `SELECT id, label, score, note FROM t ORDER BY id`)); got != "1,a,7,NULL|2,b,7,NULL|3,c,7,NULL" {
		t.Fatalf("after ADD COLUMN: %s", got)
	}
	mustRun(t, s, `ALTER TABLE t DROP COLUMN label`)
	mustRun(t, s, `ALTER TABLE t RENAME TO u`)
	if got := flat(mustRun(t, s, `SELECT * FROM u ORDER BY id`)); got != "1,7,NULL|2,7,NULL|3,7,NULL" {
		t.Fatalf("after DROP COLUMN and RENAME: %s", got)
	}
	if _, _, err := run(t, s, `SELECT * FROM t`); sqlstate.CodeOf(err) != sqlstate.UndefinedTable {
		t.Fatalf("old name still resolves: %v", err)
	}
}

func TestErrorsInBlocks(t *testing.T) {
	_, s := testEngine(t)
	// Errors of writing statements must surface inside transaction blocks
	// and implicit (multi-statement) transactions alike.
	for _, sql := range []string{`DROP TABLE nosuch`, `BEGIN; DROP TABLE nosuch`, `SELECT 1; DROP TABLE nosuch`} {
		if _, _, err := run(t, s, sql); sqlstate.CodeOf(err) != sqlstate.UndefinedTable {
			t.Errorf("%s: got %v, want 42P01", sql, err)
		}
		run(t, s, `ROLLBACK`)
	}
}

func TestComposedQueries(t *testing.T) {
	_, s := testEngine(t)
	mustRun(t, s, `CREATE TABLE a (x int, y text)`)
	mustRun(t, s, `CREATE TABLE b (x bigint)`)
	mustRun(t, s, `INSERT INTO a VALUES (1, 'one'), (2, 'two'), (3, 'three'), (3, 'three')`)
	mustRun(t, s, `INSERT INTO b VALUES (2), (3), (4), (NULL)`)
	cases := []struct{ sql, want string }{
		{`SELECT x FROM a UNION SELECT x FROM b ORDER BY 1`, "1|2|3|4|NULL"},
		{`SELECT x FROM a UNION ALL SELECT x FROM b ORDER BY x NULLS FIRST`, "NULL|1|2|2|3|3|3|4"},
		{`SELECT x FROM a INTERSECT SELECT x FROM b ORDER BY 1`, "2|3"},
		{`SELECT x FROM a INTERSECT ALL SELECT x FROM b ORDER BY 1`, "2|3"},
		{`SELECT x FROM a EXCEPT SELECT x FROM b`, "1"},
		{`SELECT x FROM a EXCEPT ALL SELECT x FROM b ORDER BY 1`, "1|3"},
		{`WITH big AS (SELECT x FROM a WHERE x > 1) SELECT count(*) FROM big`, "3"},
		{`WITH t(v) AS (SELECT 5) SELECT v + 1 FROM t`, "6"},
		{`SELECT (SELECT max(x) FROM b), (SELECT x FROM b WHERE x > 100)`, "4,NULL"},
		{`SELECT y FROM a WHERE x IN (SELECT x FROM b) ORDER BY 1`, "three|three|two"},
		{`SELECT y FROM a WHERE x NOT IN (SELECT x FROM b WHERE x IS NOT NULL) ORDER BY 1`, "one"},
		{`SELECT count(*) FROM a WHERE x NOT IN (SELECT x FROM b)`, "0"},
		{`SELECT EXISTS (SELECT 1 FROM b WHERE x = 4), EXISTS (SELECT 1 FROM b WHERE x = 5)`, "t,f"},
		{`SELECT s.n FROM (SELECT x * 10 AS n FROM a) s WHERE s.n > 20 ORDER BY 1 LIMIT 1`, "30"},
	}
	for _, c := range cases {
		t.Run(c.sql, func(t *testing.T) {
			if got := flat(mustRun(t, s, c.sql)); got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
	mustRun(t, s, `DELETE FROM a WHERE x IN (SELECT x FROM b)`)
	if got := flat(mustRun(t, s, `SELECT x FROM a`)); got != "1" {
		t.Fatalf("after DELETE … IN (subquery): %q", got)
	}
	if _, _, err := run(t, s, `SELECT (SELECT x FROM b WHERE x > 2)`); sqlstate.CodeOf(err) != sqlstate.CardinalityViolation {
		t.Errorf("two-row scalar subquery: %v", err)
	}
	mustRun(t, s, `INSERT INTO a VALUES (2, 'two'), (4, 'four')`)
	correlated := []struct{ sql, want string }{
		{`SELECT x FROM a WHERE EXISTS (SELECT 1 FROM b WHERE b.x = a.x) ORDER BY x`, "2|4"},
		{`SELECT x, (SELECT count(*) FROM b WHERE b.x < a.x) FROM a ORDER BY x`, "1,0|2,0|4,2"},
		{`SELECT x FROM a WHERE x + 2 IN (SELECT b.x FROM b WHERE b.x >= a.x) ORDER BY x`, "1|2"},
		{`SELECT x FROM a WHERE NOT EXISTS (SELECT 1 FROM b WHERE b.x = a.x)`, "1"},
	}
	for _, c := range correlated {
		if got := flat(mustRun(t, s, c.sql)); got != c.want {
			t.Errorf("%s: got %q, want %q", c.sql, got, c.want)
		}
	}
}

func TestBulkInsertPublishesFiles(t *testing.T) {
	_, s := testEngine(t)
	mustRun(t, s, `CREATE TABLE big (id bigint, label text)`)
	mustRun(t, s, `INSERT INTO big SELECT g, 'row ' || g::text FROM generate_series(1, 100000) g`)
	mustRun(t, s, `BEGIN; INSERT INTO big SELECT g, 'x' FROM generate_series(1, 50000) g; ROLLBACK`)
	if got := flat(mustRun(t, s, `SELECT count(*), sum(id), max(label) FROM big`)); got != "100000,5000050000,row 99999" {
		t.Fatalf("after bulk insert and rolled-back insert: %s", got)
	}
	// ORDER BY … LIMIT keeps the best rows across many batches.
	if got := flat(mustRun(t, s, `SELECT id FROM big ORDER BY id % 1000 DESC, id LIMIT 3 OFFSET 1`)); got != "1999|2999|3999" {
		t.Fatalf("top-N: %s", got)
	}
	if got := flat(mustRun(t, s, `SELECT id FROM big ORDER BY label DESC LIMIT 2`)); got != "99999|99998" {
		t.Fatalf("top-N on text: %s", got)
	}
}

func TestJoinUsing(t *testing.T) {
	_, s := testEngine(t)
	mustRun(t, s, `CREATE TABLE l (id int, a text)`)
	mustRun(t, s, `CREATE TABLE r (id bigint, b text)`)
	mustRun(t, s, `INSERT INTO l VALUES (1, 'x'), (2, 'y')`)
	mustRun(t, s, `INSERT INTO r VALUES (2, 'p'), (3, 'q')`)
	cases := []struct{ sql, want string }{
		{`SELECT * FROM l JOIN r USING (id)`, "2,y,p"},
		{`SELECT id, a, b FROM l NATURAL JOIN r`, "2,y,p"},
		{`SELECT id, a, b FROM l LEFT JOIN r USING (id) ORDER BY id`, "1,x,NULL|2,y,p"},
		{`SELECT id, a, b FROM l RIGHT JOIN r USING (id) ORDER BY id`, "2,y,p|3,NULL,q"},
		{`SELECT l.id, r.id FROM l JOIN r USING (id)`, "2,2"},
	}
	for _, c := range cases {
		if got := flat(mustRun(t, s, c.sql)); got != c.want {
			t.Errorf("%s: got %q, want %q", c.sql, got, c.want)
		}
	}
}

func TestDistinctOn(t *testing.T) {
	_, s := testEngine(t)
	mustRun(t, s, `CREATE TABLE m (k text, v int)`)
	mustRun(t, s, `INSERT INTO m VALUES ('a', 3), ('a', 1), ('b', 5), ('b', 9), ('c', 2)`)
	if got := flat(mustRun(t, s, `SELECT DISTINCT ON (k) k, v FROM m ORDER BY k, v DESC`)); got != "a,3|b,9|c,2" {
		t.Errorf("DISTINCT ON: %q", got)
	}
	if got := flat(mustRun(t, s, `SELECT DISTINCT ON (k) v FROM m ORDER BY k, v LIMIT 2`)); got != "1|5" {
		t.Errorf("DISTINCT ON with a hidden key and LIMIT: %q", got)
	}
}

func TestExplain(t *testing.T) {
	_, s := testEngine(t)
	mustRun(t, s, `CREATE TABLE e (k int, v text)`)
	mustRun(t, s, `INSERT INTO e VALUES (1, 'a'), (2, 'b'), (2, 'c')`)
	plan := flat(mustRun(t, s, `EXPLAIN SELECT k, count(*) FROM e WHERE v <> 'a' GROUP BY k ORDER BY k`))
	for _, want := range []string{"Sort", "HashAggregate", "Filter", "Seq Scan on public.e"} {
		if !strings.Contains(plan, want) {
			t.Errorf("EXPLAIN lacks %q:\n%s", want, plan)
		}
	}
	analyzed := flat(mustRun(t, s, `EXPLAIN ANALYZE SELECT k FROM e WHERE k = 2`))
	if !strings.Contains(analyzed, "rows=2") || !strings.Contains(analyzed, "Execution Time") {
		t.Errorf("EXPLAIN ANALYZE:\n%s", analyzed)
	}
}

func TestPatternForms(t *testing.T) {
	_, s := testEngine(t)
	got := flat(mustRun(t, s, `SELECT 'abc' SIMILAR TO 'a%', 'abc' NOT SIMILAR TO '(b|c)%', 'a_c' LIKE 'a\_c', 'a%c' LIKE 'a#%c' ESCAPE '#', extract(year from date '2024-03-05')`))
	if got != "t,t,t,t,2024" {
		t.Errorf("got %q", got)
	}
}

func TestStrictNullFolding(t *testing.T) {
	_, s := testEngine(t)
	// PostgreSQL folds a strict operator with a NULL constant to NULL
	// without evaluating the other side.
	if got := flat(mustRun(t, s, `SELECT count(*) FROM generate_series(1,3) g(x) WHERE (x/0) <> NULL`)); got != "0" {
		t.Errorf("got %q", got)
	}
	if _, _, err := run(t, s, `SELECT x/0 FROM generate_series(1,3) g(x)`); sqlstate.CodeOf(err) != sqlstate.DivisionByZero {
		t.Errorf("x/0 alone: %v", err)
	}
}

func TestNullIfType(t *testing.T) {
	_, s := testEngine(t)
	if got := flat(mustRun(t, s, `SELECT NULLIF(-6, 1.5), NULLIF(3, 3), NULLIF('a', 'b')`)); got != "-6,NULL,a" {
		t.Errorf("got %q", got)
	}
	rows, _, err := run(t, s, `SELECT NULLIF(-6, 64 - AVG(5)) / 16`)
	if err != nil || len(rows) != 1 || !strings.HasPrefix(rows[0][0], "-0.375") {
		t.Errorf("NULLIF(int, numeric) is numeric as in PostgreSQL: %v %v", rows, err)
	}
}

func TestWindowFunctions(t *testing.T) {
	_, s := testEngine(t)
	mustRun(t, s, `CREATE TABLE w (g text, v int)`)
	mustRun(t, s, `INSERT INTO w VALUES ('a', 10), ('a', 20), ('a', 20), ('b', 5), ('b', 7)`)
	cases := []struct{ sql, want string }{
		{`SELECT g, v, row_number() OVER (PARTITION BY g ORDER BY v) FROM w ORDER BY g, v, 3`, "a,10,1|a,20,2|a,20,3|b,5,1|b,7,2"},
		{`SELECT g, v, rank() OVER (PARTITION BY g ORDER BY v), dense_rank() OVER (PARTITION BY g ORDER BY v) FROM w ORDER BY g, v`, "a,10,1,1|a,20,2,2|a,20,2,2|b,5,1,1|b,7,2,2"},
		{`SELECT g, v, sum(v) OVER (PARTITION BY g) FROM w ORDER BY g, v`, "a,10,50|a,20,50|a,20,50|b,5,12|b,7,12"},
		{`SELECT v, sum(v) OVER (ORDER BY v) FROM w ORDER BY v`, "5,5|7,12|10,22|20,62|20,62"},
		{`SELECT v, sum(v) OVER (ORDER BY v ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) FROM w WHERE g = 'a' ORDER BY v, 2`, "10,10|20,30|20,40"},
		{`SELECT v, lag(v) OVER (ORDER BY v), lead(v, 1, 0) OVER (ORDER BY v) FROM w WHERE g = 'b' ORDER BY v`, "5,NULL,7|7,5,0"},
		{`SELECT g, count(*), sum(count(*)) OVER () FROM w GROUP BY g ORDER BY g`, "a,3,5|b,2,5"},
		{`SELECT v, ntile(2) OVER (ORDER BY v), first_value(v) OVER (ORDER BY v), last_value(v) OVER (ORDER BY v ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) FROM w ORDER BY v`, "5,1,5,20|7,1,5,20|10,1,5,20|20,2,5,20|20,2,5,20"},
	}
	for _, c := range cases {
		if got := flat(mustRun(t, s, c.sql)); got != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.sql, got, c.want)
		}
	}
	if _, _, err := run(t, s, `SELECT v FROM w WHERE row_number() OVER () > 1`); sqlstate.CodeOf(err) != sqlstate.WindowingError {
		t.Errorf("window in WHERE: %v", err)
	}
}

func TestQueryMemoryLimit(t *testing.T) {
	e, s := testEngine(t)
	e.queryMemory = 1 << 20 // 1 MiB
	mustRun(t, s, `CREATE TABLE big (id bigint, pad text)`)
	mustRun(t, s, `INSERT INTO big SELECT g, repeat('x', 100) FROM generate_series(1, 50000) g`)
	if _, _, err := run(t, s, `SELECT id FROM big ORDER BY pad, id`); sqlstate.CodeOf(err) != sqlstate.OutOfMemory {
		t.Fatalf("sort over the limit: %v", err)
	}
	// The session and the server go on; a bounded query still runs.
	if got := flat(mustRun(t, s, `SELECT count(*) FROM big`)); got != "50000" {
		t.Fatalf("after 53200: %s", got)
	}
}

// TestPortalResumesWithNewContext: a result read in parts under different
// contexts (a portal resumed by later Executes) keeps streaming.
func TestPortalResumesWithNewContext(t *testing.T) {
	_, s := testEngine(t)
	mustRun(t, s, `CREATE TABLE p (id bigint)`)
	mustRun(t, s, `INSERT INTO p SELECT g FROM generate_series(1, 200000) g`)
	stmts, err := s.Parse(context.Background(), `SELECT id FROM p`)
	if err != nil {
		t.Fatal(err)
	}
	ctx1, cancel1 := context.WithCancel(context.Background())
	res, err := s.Execute(ctx1, stmts[0], nil)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := res.Rows.Next(ctx1)
	if err != nil {
		t.Fatal(err)
	}
	n := rec.NumRows()
	cancel1() // the first Execute's statement is over
	for {
		rec, err := res.Rows.Next(context.Background())
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("after %d rows: %v", n, err)
		}
		n += rec.NumRows()
	}
	res.Rows.Close(nil)
	if n != 200000 {
		t.Fatalf("read %d rows", n)
	}
}

func TestLateral(t *testing.T) {
	_, s := testEngine(t)
	mustRun(t, s, `CREATE TABLE c (id int, name text)`)
	mustRun(t, s, `CREATE TABLE o (cid int, amount int)`)
	mustRun(t, s, `INSERT INTO c VALUES (1, 'a'), (2, 'b'), (3, 'c')`)
	mustRun(t, s, `INSERT INTO o VALUES (1, 10), (1, 30), (2, 5), (1, 20)`)
	got := flat(mustRun(t, s, `SELECT c.name, top.amount FROM c, LATERAL (SELECT amount FROM o WHERE o.cid = c.id ORDER BY amount DESC LIMIT 2) top ORDER BY 1, 2 DESC`))
	if got != "a,30|a,20|b,5" {
		t.Errorf("LATERAL top-2: %q", got)
	}
	got = flat(mustRun(t, s, `SELECT c.id, s.total FROM c, LATERAL (SELECT sum(amount) AS total FROM o WHERE o.cid = c.id) s ORDER BY 1`))
	if got != "1,60|2,5|3,NULL" {
		t.Errorf("LATERAL aggregate: %q", got)
	}
}

func TestNestedLoopInSlices(t *testing.T) {
	_, s := testEngine(t)
	// 3000 × 3000 candidate pairs: more than one slice of the nested loop.
	got := flat(mustRun(t, s, `SELECT count(*) FROM generate_series(1, 3000) a(x) JOIN generate_series(1, 3000) b(y) ON a.x < b.y AND b.y - a.x = 1`))
	if got != "2999" {
		t.Errorf("got %q", got)
	}
}

func TestArrayAgg(t *testing.T) {
	_, s := testEngine(t)
	mustRun(t, s, `CREATE TABLE aa (g int, v text, n int)`)
	mustRun(t, s, `INSERT INTO aa VALUES (1, 'x', 1), (1, 'y z', NULL), (2, 'w', 3)`)
	if got := flat(mustRun(t, s, `SELECT g, array_agg(v), array_agg(n) FROM aa GROUP BY g ORDER BY g`)); got != `1,{x,"y z"},{1,NULL}|2,{w},{3}` {
		t.Errorf("got %q", got)
	}
}

func TestOrderedAggregates(t *testing.T) {
	_, s := testEngine(t)
	mustRun(t, s, `CREATE TABLE oa (g int, v text, k int)`)
	mustRun(t, s, `INSERT INTO oa VALUES (1, 'b', 2), (1, 'a', 3), (1, 'c', 1), (2, 'z', NULL), (2, 'y', 5)`)
	got := flat(mustRun(t, s, `SELECT g, string_agg(v, ',' ORDER BY k), array_agg(v ORDER BY v DESC), string_agg(v, '' ORDER BY k NULLS FIRST) FROM oa GROUP BY g ORDER BY g`))
	if got != "1,c,b,a,{c,b,a},cba|2,y,z,{z,y},zy" {
		t.Errorf("got %q", got)
	}
}

func TestPercentiles(t *testing.T) {
	_, s := testEngine(t)
	mustRun(t, s, `CREATE TABLE pc (g int, v int)`)
	mustRun(t, s, `INSERT INTO pc VALUES (1, 10), (1, 20), (1, 30), (1, 40), (1, NULL), (2, 7)`)
	got := flat(mustRun(t, s, `SELECT g, percentile_cont(0.5) WITHIN GROUP (ORDER BY v), percentile_disc(0.5) WITHIN GROUP (ORDER BY v), percentile_cont(0.25) WITHIN GROUP (ORDER BY v) FROM pc GROUP BY g ORDER BY g`))
	if got != "1,25,20,17.5|2,7,7,7" {
		t.Errorf("got %q", got)
	}
	if _, _, err := run(t, s, `SELECT percentile_cont(1.5) WITHIN GROUP (ORDER BY v) FROM pc`); sqlstate.CodeOf(err) != sqlstate.NumericValueOutOfRange {
		t.Errorf("fraction 1.5: %v", err)
	}
}
