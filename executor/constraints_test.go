package executor

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/sharehouse/sharehouse/executor/sqlstate"
)

// wantErr runs sql and checks the error's SQLSTATE and, when given, that
// its message and detail contain want.
func wantErr(t *testing.T, s *Session, sql string, code sqlstate.Code, want string) {
	t.Helper()
	_, _, err := run(t, s, sql)
	var e *sqlstate.Error
	if !errors.As(err, &e) || e.Code != code {
		t.Fatalf("%s: got %v, want %s", sql, err, code)
	}
	if got := e.Message + " | " + e.Detail; !strings.Contains(got, want) {
		t.Errorf("%s: got %q, want it to contain %q", sql, got, want)
	}
}

func TestPrimaryKeyAndUnique(t *testing.T) {
	_, s := testEngine(t)
	mustRun(t, s, `CREATE TABLE k (id int PRIMARY KEY, code text UNIQUE, a int, b int, UNIQUE (a, b))`)
	mustRun(t, s, `INSERT INTO k VALUES (1, 'x', 1, 1), (2, NULL, 1, 2), (3, NULL, NULL, 1), (4, NULL, NULL, 1)`)
	// Within one statement, against committed rows, and in COPY-like
	// multi-row inserts; NULLs never conflict.
	wantErr(t, s, `INSERT INTO k VALUES (5, 'y', 9, 9), (5, 'z', 8, 8)`, sqlstate.UniqueViolation, `"k_pkey" | Key (id)=(5) already exists.`)
	wantErr(t, s, `INSERT INTO k VALUES (1, 'q', 7, 7)`, sqlstate.UniqueViolation, `Key (id)=(1) already exists.`)
	wantErr(t, s, `INSERT INTO k VALUES (6, 'x', 7, 7)`, sqlstate.UniqueViolation, `"k_code_key" | Key (code)=(x) already exists.`)
	wantErr(t, s, `INSERT INTO k VALUES (6, 'w', 1, 2)`, sqlstate.UniqueViolation, `"k_a_b_key" | Key (a, b)=(1, 2) already exists.`)
	wantErr(t, s, `INSERT INTO k VALUES (NULL, 'w', 0, 0)`, sqlstate.NotNullViolation, `"id"`)
	mustRun(t, s, `INSERT INTO k VALUES (6, NULL, 1, NULL)`)
	if got := flat(mustRun(t, s, `SELECT count(*) FROM k`)); got != "5" {
		t.Fatalf("rows after failed inserts: %s", got)
	}
	// UPDATE: a key may move to a free value, not onto a taken one.
	mustRun(t, s, `UPDATE k SET id = id + 100 WHERE id = 6`)
	wantErr(t, s, `UPDATE k SET id = 1 WHERE id = 2`, sqlstate.UniqueViolation, `Key (id)=(1) already exists.`)
	wantErr(t, s, `UPDATE k SET code = 'x'`, sqlstate.UniqueViolation, `k_code_key`)
	mustRun(t, s, `UPDATE k SET id = id + 1000`) // every key moves at once: no conflict
	if got := flat(mustRun(t, s, `SELECT id FROM k ORDER BY id`)); got != "1001|1002|1003|1004|1106" {
		t.Fatalf("ids: %s", got)
	}
	// A failed statement in a transaction block leaves the block's rows.
	mustRun(t, s, `BEGIN; INSERT INTO k VALUES (7, 'b', 0, 0)`)
	wantErr(t, s, `INSERT INTO k VALUES (7, 'c', 0, 1)`, sqlstate.UniqueViolation, `(id)=(7)`)
	mustRun(t, s, `ROLLBACK`)
	mustRun(t, s, `BEGIN; INSERT INTO k VALUES (7, 'b', 0, 0)`)
	wantErr(t, s, `INSERT INTO k SELECT 7, 'd', 5, 5`, sqlstate.UniqueViolation, `(id)=(7)`)
	mustRun(t, s, `ROLLBACK`)

	// Many rows: appended increasing keys, then one old key again.
	mustRun(t, s, `CREATE TABLE big (id bigint PRIMARY KEY, v text)`)
	mustRun(t, s, `INSERT INTO big SELECT g, 'v' || g FROM generate_series(1, 200000) g`)
	mustRun(t, s, `INSERT INTO big SELECT g, 'w' FROM generate_series(200001, 200100) g`)
	wantErr(t, s, `INSERT INTO big VALUES (123456, 'again')`, sqlstate.UniqueViolation, `Key (id)=(123456) already exists.`)
	wantErr(t, s, `INSERT INTO big SELECT g, 'x' FROM generate_series(200100, 200200) g`, sqlstate.UniqueViolation, `(id)=(200100)`)
}

func TestCheckConstraints(t *testing.T) {
	_, s := testEngine(t)
	mustRun(t, s, `CREATE TABLE c (id int CHECK (id > 0), lo int, hi int, CONSTRAINT range_ok CHECK (lo <= hi))`)
	mustRun(t, s, `INSERT INTO c VALUES (1, 1, 2), (2, NULL, 5)`) // NULL passes a CHECK
	wantErr(t, s, `INSERT INTO c VALUES (-1, 0, 0)`, sqlstate.CheckViolation, `new row for relation "c" violates check constraint "c_id_check" | Failing row contains (-1, 0, 0).`)
	wantErr(t, s, `INSERT INTO c VALUES (3, 5, 4)`, sqlstate.CheckViolation, `"range_ok"`)
	wantErr(t, s, `UPDATE c SET hi = 0 WHERE id = 1`, sqlstate.CheckViolation, `"range_ok"`)
	// Renaming a column keeps the CHECK working and printing right.
	mustRun(t, s, `ALTER TABLE c RENAME COLUMN lo TO low`)
	wantErr(t, s, `INSERT INTO c VALUES (3, 5, 4)`, sqlstate.CheckViolation, `"range_ok"`)
	if got := flat(mustRun(t, s, `SELECT conname, contype, pg_get_constraintdef(oid), pg_get_constraintdef(oid, true) FROM pg_constraint WHERE conrelid = 'c'::regclass ORDER BY conname`)); got != "c_id_check,c,CHECK ((id > 0)),CHECK (id > 0)|range_ok,c,CHECK ((low <= hi)),CHECK (low <= hi)" {
		t.Errorf("pg_constraint: %s", got)
	}
	// ALTER TABLE … ADD CONSTRAINT checks the rows already there.
	wantErr(t, s, `ALTER TABLE c ADD CONSTRAINT small CHECK (id < 2)`, sqlstate.CheckViolation, `check constraint "small" of relation "c" is violated by some row`)
	mustRun(t, s, `ALTER TABLE c ADD CONSTRAINT small CHECK (id < 10)`)
	wantErr(t, s, `INSERT INTO c VALUES (11, 1, 1)`, sqlstate.CheckViolation, `"small"`)
	mustRun(t, s, `ALTER TABLE c DROP CONSTRAINT small`)
	mustRun(t, s, `INSERT INTO c VALUES (11, 1, 1)`)
	wantErr(t, s, `ALTER TABLE c DROP CONSTRAINT small`, sqlstate.UndefinedObject, `constraint "small" of relation "c" does not exist`)
	mustRun(t, s, `ALTER TABLE c DROP CONSTRAINT IF EXISTS small`)
	// Unique and primary keys added later check existing rows too.
	mustRun(t, s, `INSERT INTO c VALUES (11, 2, 2)`)
	wantErr(t, s, `ALTER TABLE c ADD PRIMARY KEY (id)`, sqlstate.UniqueViolation, `could not create unique index "c_pkey" | Key (id)=(11) is duplicated.`)
	wantErr(t, s, `ALTER TABLE c ADD UNIQUE (low)`, sqlstate.UniqueViolation, `Key (low)=(1) is duplicated.`)
	wantErr(t, s, `ALTER TABLE c ADD CONSTRAINT hi_key UNIQUE (hi)`, sqlstate.UniqueViolation, `Key (hi)=(2) is duplicated.`)
	mustRun(t, s, `ALTER TABLE c ADD CONSTRAINT pair_key UNIQUE (low, hi)`)
	wantErr(t, s, `INSERT INTO c VALUES (12, 1, 1)`, sqlstate.UniqueViolation, `"pair_key" | Key (low, hi)=(1, 1) already exists.`)
	// Bad definitions.
	wantErr(t, s, `CREATE TABLE bad (a int CHECK (a))`, sqlstate.DatatypeMismatch, `argument of CHECK must be type boolean`)
	wantErr(t, s, `CREATE TABLE bad (a int CHECK (b > 0))`, sqlstate.UndefinedColumn, `column "b" does not exist`)
	wantErr(t, s, `CREATE TABLE bad (a int CHECK (a IN (SELECT 1)))`, sqlstate.FeatureNotSupported, `subquery`)
	wantErr(t, s, `CREATE TABLE bad (a int UNIQUE, UNIQUE (b))`, sqlstate.UndefinedColumn, `column "b" named in key does not exist`)
	// Dropping a column drops the constraints on it.
	mustRun(t, s, `ALTER TABLE c DROP COLUMN hi`)
	if got := flat(mustRun(t, s, `SELECT conname, contype FROM pg_constraint WHERE conrelid = 'c'::regclass ORDER BY 1`)); got != "c_id_check,c" {
		t.Errorf("after DROP COLUMN: %s", got)
	}
}

func TestIndexes(t *testing.T) {
	_, s := testEngine(t)
	mustRun(t, s, `CREATE TABLE t (id int PRIMARY KEY, email text, v int)`)
	mustRun(t, s, `INSERT INTO t VALUES (1, 'a@x', 1), (2, 'b@x', 1)`)
	mustRun(t, s, `CREATE INDEX ON t (v)`)
	mustRun(t, s, `CREATE INDEX t_v_idx2 ON t USING btree (v, id)`)
	wantErr(t, s, `CREATE INDEX t_v_idx ON t (id)`, sqlstate.DuplicateTable, `relation "t_v_idx" already exists`)
	mustRun(t, s, `CREATE INDEX IF NOT EXISTS t_v_idx ON t (id)`)
	wantErr(t, s, `CREATE UNIQUE INDEX t_v_key ON t (v)`, sqlstate.UniqueViolation, `could not create unique index "t_v_key" | Key (v)=(1) is duplicated.`)
	mustRun(t, s, `CREATE UNIQUE INDEX t_email_key ON t (email)`)
	wantErr(t, s, `INSERT INTO t VALUES (3, 'a@x', 2)`, sqlstate.UniqueViolation, `"t_email_key" | Key (email)=(a@x) already exists.`)
	wantErr(t, s, `CREATE INDEX ON t (nope)`, sqlstate.UndefinedColumn, `column "nope" does not exist`)
	if got := flat(mustRun(t, s, `SELECT c.relname, i.indisunique, i.indisprimary, pg_get_indexdef(i.indexrelid)
		FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = 't'::regclass ORDER BY 1`)); got !=
		"t_email_key,t,f,CREATE UNIQUE INDEX t_email_key ON public.t USING btree (email)|"+
			"t_pkey,t,t,CREATE UNIQUE INDEX t_pkey ON public.t USING btree (id)|"+
			"t_v_idx,f,f,CREATE INDEX t_v_idx ON public.t USING btree (v)|"+
			"t_v_idx2,f,f,CREATE INDEX t_v_idx2 ON public.t USING btree (v, id)" {
		t.Errorf("pg_index: %s", got)
	}
	if got := flat(mustRun(t, s, `SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 't' AND indexname LIKE '%v_idx'`)); got != "t_v_idx,CREATE INDEX t_v_idx ON public.t USING btree (v)" {
		t.Errorf("pg_indexes: %s", got)
	}
	if got := flat(mustRun(t, s, `SELECT conname FROM pg_constraint WHERE conrelid = 't'::regclass`)); got != "t_pkey" {
		t.Errorf("indexes are not constraints: %s", got)
	}
	mustRun(t, s, `DROP INDEX t_email_key`)
	mustRun(t, s, `INSERT INTO t VALUES (3, 'a@x', 2)`)
	wantErr(t, s, `DROP INDEX t_pkey`, sqlstate.DependentObjectsStillExist, `cannot drop index t_pkey because constraint t_pkey on table t requires it`)
	wantErr(t, s, `DROP INDEX nope`, sqlstate.UndefinedObject, `index "nope" does not exist`)
	mustRun(t, s, `DROP INDEX IF EXISTS nope`)
	mustRun(t, s, `DROP INDEX public.t_v_idx, t_v_idx2`)
	if got := flat(mustRun(t, s, `SELECT count(*) FROM pg_index WHERE indrelid = 't'::regclass`)); got != "1" {
		t.Errorf("indexes left: %s", got)
	}
}

// TestExpressionAndPartialIndexes: indexes on expressions and partial
// indexes are recorded with their expressions and listed as PostgreSQL
// lists them; renames show through, dropping a column they read drops
// them, and bad definitions fail as PostgreSQL's do.
func TestExpressionAndPartialIndexes(t *testing.T) {
	_, s := testEngine(t)
	mustRun(t, s, `CREATE TABLE u (id int PRIMARY KEY, email text, deleted_at timestamp, score int)`)
	mustRun(t, s, `CREATE INDEX ON u (lower(email))`)
	mustRun(t, s, `CREATE INDEX live_idx ON u (email, (score + 1)) WHERE deleted_at IS NULL`)
	mustRun(t, s, `CREATE INDEX u_score_pos ON u (score) WHERE score > 0`)
	defs := `SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'u' AND indexname <> 'u_pkey' ORDER BY 1`
	want := "live_idx,CREATE INDEX live_idx ON public.u USING btree (email, ((score + 1))) WHERE (deleted_at IS NULL)|" +
		"u_lower_idx,CREATE INDEX u_lower_idx ON public.u USING btree (lower(email))|" +
		"u_score_pos,CREATE INDEX u_score_pos ON public.u USING btree (score) WHERE (score > 0)"
	if got := flat(mustRun(t, s, defs)); got != want {
		t.Errorf("pg_indexes:\n got %s\nwant %s", got, want)
	}
	if got := flat(mustRun(t, s, `SELECT i.indkey::text, i.indexprs IS NOT NULL, i.indpred IS NOT NULL FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = 'live_idx'`)); got != "2 0,t,t" {
		t.Errorf("pg_index of live_idx: %s", got)
	}
	mustRun(t, s, `INSERT INTO u VALUES (1, 'A@x', NULL, 3), (2, 'a@x', NULL, 3)`) // not unique: no check
	mustRun(t, s, `ALTER TABLE u RENAME COLUMN email TO mail`)
	if got := flat(mustRun(t, s, `SELECT pg_get_indexdef('u_lower_idx'::regclass)`)); got != "CREATE INDEX u_lower_idx ON public.u USING btree (lower(mail))" {
		t.Errorf("after a rename: %s", got)
	}
	mustRun(t, s, `ALTER TABLE u DROP COLUMN deleted_at`)
	if got := flat(mustRun(t, s, `SELECT indexname FROM pg_indexes WHERE tablename = 'u' ORDER BY 1`)); got != "u_lower_idx|u_pkey|u_score_pos" {
		t.Errorf("after dropping a column live_idx reads: %s", got)
	}
	wantErr(t, s, `CREATE INDEX ON u (random())`, sqlstate.InvalidObjectDefinition, `IMMUTABLE`)
	wantErr(t, s, `CREATE INDEX ON u (id) WHERE score`, sqlstate.DatatypeMismatch, `boolean`)
	wantErr(t, s, `CREATE INDEX ON u ((nope + 1))`, sqlstate.UndefinedColumn, `column "nope" does not exist`)
	wantErr(t, s, `CREATE INDEX ON u (id) WHERE id IN (SELECT 1)`, sqlstate.FeatureNotSupported, `subquery`)
	mustRun(t, s, `DROP INDEX u_lower_idx, u_score_pos`)
	if got := flat(mustRun(t, s, `SELECT count(*) FROM pg_index WHERE indrelid = 'u'::regclass`)); got != "1" {
		t.Errorf("indexes left: %s", got)
	}
}

// TestUniqueExpressionAndPartialIndexes: unique indexes on expressions
// and partial unique indexes are enforced as PostgreSQL enforces them.
func TestUniqueExpressionAndPartialIndexes(t *testing.T) {
	_, s := testEngine(t)
	mustRun(t, s, `CREATE TABLE u (id int, email text, deleted_at date)`)
	mustRun(t, s, `INSERT INTO u VALUES (1, 'A@x', NULL), (2, 'a@x', NULL), (3, 'b@x', DATE '2024-01-01'), (4, 'b@x', NULL)`)
	wantErr(t, s, `CREATE UNIQUE INDEX u_lower ON u (lower(email))`, sqlstate.UniqueViolation,
		`could not create unique index "u_lower" | Key (lower(email))=(a@x) is duplicated.`)
	mustRun(t, s, `DELETE FROM u WHERE id = 2`)
	mustRun(t, s, `CREATE UNIQUE INDEX u_lower ON u (lower(email)) WHERE deleted_at IS NULL`)
	wantErr(t, s, `INSERT INTO u VALUES (5, 'a@X', NULL)`, sqlstate.UniqueViolation,
		`duplicate key value violates unique constraint "u_lower" | Key (lower(email))=(a@x) already exists.`)
	mustRun(t, s, `INSERT INTO u VALUES (5, 'a@X', DATE '2024-02-01')`) // outside the WHERE: no key
	wantErr(t, s, `INSERT INTO u VALUES (6, 'c@x', NULL), (7, 'C@X', NULL)`, sqlstate.UniqueViolation, `Key (lower(email))=(c@x) already exists.`)
	wantErr(t, s, `UPDATE u SET deleted_at = NULL WHERE id = 3`, sqlstate.UniqueViolation, `Key (lower(email))=(b@x) already exists.`)
	mustRun(t, s, `INSERT INTO u VALUES (8, NULL, NULL), (9, NULL, NULL)`) // NULL keys are distinct
	if got := flat(mustRun(t, s, `SELECT count(*) FROM u`)); got != "6" {
		t.Errorf("rows: %s", got)
	}
	if got := flat(mustRun(t, s, `SELECT pg_get_indexdef('u_lower'::regclass)`)); got != "CREATE UNIQUE INDEX u_lower ON public.u USING btree (lower(email)) WHERE (deleted_at IS NULL)" {
		t.Errorf("indexdef: %s", got)
	}
}

func TestCreateTableAs(t *testing.T) {
	_, s := testEngine(t)
	mustRun(t, s, `CREATE TABLE src (id int, name text, amount numeric(10,2))`)
	mustRun(t, s, `INSERT INTO src VALUES (1, 'a', 1.50), (2, 'b', 2.25), (3, 'c', NULL)`)
	rows, tag, err := run(t, s, `CREATE TABLE t1 AS SELECT id, upper(name) AS up, amount * 2 AS twice, 'k' AS lit FROM src WHERE id < 3`)
	if err != nil || tag != "SELECT 2" || rows != nil {
		t.Fatalf("CTAS: %v %q %v", err, tag, rows)
	}
	if got := flat(mustRun(t, s, `SELECT * FROM t1 ORDER BY id`)); got != "1,A,3.00,k|2,B,4.50,k" {
		t.Errorf("t1: %s", got)
	}
	if got := flat(mustRun(t, s, `SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 't1' ORDER BY ordinal_position`)); got != "id,integer|up,text|twice,numeric|lit,text" {
		t.Errorf("t1 columns: %s", got)
	}
	mustRun(t, s, `CREATE TABLE t2 (a, b) AS SELECT id, name FROM src`)
	if got := flat(mustRun(t, s, `SELECT a, b FROM t2 ORDER BY a`)); got != "1,a|2,b|3,c" {
		t.Errorf("t2: %s", got)
	}
	mustRun(t, s, `SELECT id, name INTO t3 FROM src WHERE amount IS NULL`)
	if got := flat(mustRun(t, s, `SELECT * FROM t3`)); got != "3,c" {
		t.Errorf("SELECT INTO: %s", got)
	}
	mustRun(t, s, `CREATE TABLE t4 AS SELECT * FROM src WITH NO DATA`)
	if got := flat(mustRun(t, s, `SELECT count(*) FROM t4`)); got != "0" {
		t.Errorf("WITH NO DATA: %s", got)
	}
	wantErr(t, s, `CREATE TABLE t1 AS SELECT 1`, sqlstate.DuplicateTable, `relation "t1" already exists`)
	mustRun(t, s, `CREATE TABLE IF NOT EXISTS t1 AS SELECT 1`)
	wantErr(t, s, `CREATE TABLE t5 AS SELECT 1 AS x, 2 AS x`, sqlstate.DuplicateColumn, `column "x" specified more than once`)
	wantErr(t, s, `CREATE TABLE t5 AS SELECT nope FROM src`, sqlstate.UndefinedColumn, `nope`)
	// Atomic with its transaction block.
	mustRun(t, s, `BEGIN; CREATE TABLE t6 AS SELECT * FROM src; ROLLBACK`)
	wantErr(t, s, `SELECT * FROM t6`, sqlstate.UndefinedTable, `t6`)
}

func TestTemporaryTables(t *testing.T) {
	e, admin := testEngine(t)
	mustRun(t, admin, `CREATE TENANT acme PASSWORD 'p'`)
	a := session(t, e, "acme", "postgres", nil)
	b := session(t, e, "acme", "postgres", nil)
	mustRun(t, a, `CREATE TABLE t (x int)`)
	mustRun(t, a, `INSERT INTO t VALUES (1)`)
	// A's temporary t hides the permanent one for A only.
	mustRun(t, a, `CREATE TEMP TABLE t (x int, note text)`)
	mustRun(t, a, `INSERT INTO t VALUES (2, 'temp')`)
	if got := flat(mustRun(t, a, `SELECT * FROM t`)); got != "2,temp" {
		t.Errorf("A reads %s", got)
	}
	if got := flat(mustRun(t, a, `SELECT x FROM public.t`)); got != "1" {
		t.Errorf("A reads public.t: %s", got)
	}
	if got := flat(mustRun(t, b, `SELECT * FROM t`)); got != "1" {
		t.Errorf("B reads %s", got)
	}
	tempName := a.tempSchema()
	wantErr(t, b, `SELECT * FROM `+tempName+`.t`, sqlstate.FeatureNotSupported, `cannot access temporary tables of other sessions`)
	if got := flat(mustRun(t, a, `SELECT x FROM pg_temp.t`)); got != "2" {
		t.Errorf("pg_temp.t: %s", got)
	}
	if got := flat(mustRun(t, a, `SELECT c.relpersistence, n.nspname = '`+tempName+`' FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relname = 't' ORDER BY 1`)); got != "p,f|t,t" {
		t.Errorf("pg_class: %s", got)
	}
	// CREATE TABLE without TEMP still goes to public; TEMP … AS works.
	mustRun(t, a, `CREATE TABLE u (y int)`)
	if got := flat(mustRun(t, b, `SELECT count(*) FROM u`)); got != "0" {
		t.Errorf("u: %s", got)
	}
	mustRun(t, a, `CREATE TEMPORARY TABLE big AS SELECT g FROM generate_series(1, 1000) g`)
	if got := flat(mustRun(t, a, `SELECT sum(g) FROM big`)); got != "500500" {
		t.Errorf("big: %s", got)
	}
	mustRun(t, a, `CREATE SHARE s`)
	wantErr(t, a, `ALTER SHARE s ADD TABLE postgres.`+tempName+`.t`, sqlstate.WrongObjectType, `temporary table`)
	wantErr(t, a, `CREATE SCHEMA pg_temp_99`, sqlstate.ReservedName, `unacceptable schema name "pg_temp_99"`)
	wantErr(t, a, `ALTER SCHEMA public RENAME TO pg_mine`, sqlstate.ReservedName, `The prefix "pg_" is reserved`)
	wantErr(t, a, `CREATE TEMP TABLE public.v (x int)`, sqlstate.InvalidTableDefinition, `cannot create temporary relation in non-temporary schema`)
	// ON COMMIT DROP: the table lives until its transaction commits.
	mustRun(t, a, `BEGIN`)
	mustRun(t, a, `CREATE TEMP TABLE w (x int) ON COMMIT DROP`)
	mustRun(t, a, `INSERT INTO w VALUES (1), (2)`)
	if got := flat(mustRun(t, a, `SELECT count(*) FROM w`)); got != "2" {
		t.Errorf("ON COMMIT DROP table before COMMIT: %s rows", got)
	}
	mustRun(t, a, `CREATE TEMP TABLE w2 ON COMMIT DROP AS SELECT 1 AS y`)
	mustRun(t, a, `COMMIT`)
	wantErr(t, a, `SELECT * FROM w`, sqlstate.UndefinedTable, `relation "w" does not exist`)
	wantErr(t, a, `SELECT * FROM w2`, sqlstate.UndefinedTable, `relation "w2" does not exist`)
	// ON COMMIT DELETE ROWS: emptied at every commit, kept in between.
	mustRun(t, a, `CREATE TEMP TABLE r (x int) ON COMMIT DELETE ROWS`)
	mustRun(t, a, `BEGIN`)
	mustRun(t, a, `INSERT INTO r VALUES (1), (2)`)
	if got := flat(mustRun(t, a, `SELECT count(*) FROM r`)); got != "2" {
		t.Errorf("ON COMMIT DELETE ROWS table in its transaction: %s rows", got)
	}
	mustRun(t, a, `COMMIT`)
	mustRun(t, a, `INSERT INTO r VALUES (3)`) // its own transaction: emptied at once
	if got := flat(mustRun(t, a, `SELECT count(*) FROM r`)); got != "0" {
		t.Errorf("ON COMMIT DELETE ROWS table after commits: %s rows", got)
	}
	// A table of the same name made again without ON COMMIT keeps its rows.
	mustRun(t, a, `DROP TABLE r`)
	mustRun(t, a, `CREATE TEMP TABLE r (x int)`)
	mustRun(t, a, `INSERT INTO r VALUES (4)`)
	if got := flat(mustRun(t, a, `SELECT count(*) FROM r`)); got != "1" {
		t.Errorf("plain temporary table after an ON COMMIT one of its name: %s rows", got)
	}
	wantErr(t, a, `CREATE TABLE p (x int) ON COMMIT DROP`, sqlstate.InvalidTableDefinition, `ON COMMIT can only be used on temporary tables`)
	// Temporary sequences live in the temporary schema too.
	mustRun(t, a, `CREATE TEMP SEQUENCE ts START 5`)
	if got := flat(mustRun(t, a, `SELECT nextval('ts'), nextval('ts'), n.nspname LIKE 'pg_temp_%' FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relname = 'ts'`)); got != "5,6,t" {
		t.Errorf("temporary sequence: %s", got)
	}
	// What a crashed session leaves, the next start drops (catalog.Open).
	c := session(t, e, "acme", "postgres", nil)
	mustRun(t, c, `CREATE TEMP TABLE orphan (x int)`)
	if n, err := e.cat.DropTempSchemas(context.Background()); err != nil || n != 2 {
		t.Fatalf("DropTempSchemas: %d, %v", n, err)
	}
	// The session's end drops them (a's schema is gone already: no error).
	c.Close()
	a.Close()
	if got := flat(mustRun(t, b, `SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'pg_temp_%'`)); got != "0" {
		t.Errorf("temporary schemas left: %s", got)
	}
	if got := flat(mustRun(t, b, `SELECT x FROM t`)); got != "1" {
		t.Errorf("permanent t after: %s", got)
	}
}

func TestOnConflict(t *testing.T) {
	_, s := testEngine(t)
	mustRun(t, s, `CREATE TABLE u (id int PRIMARY KEY, email text UNIQUE, hits int DEFAULT 0, note text)`)
	mustRun(t, s, `INSERT INTO u VALUES (1, 'a@x', 1, 'first'), (2, 'b@x', 1, NULL)`)
	// DO NOTHING: against the table and within the statement.
	_, tag, err := run(t, s, `INSERT INTO u VALUES (1, 'z@x', 5, 'dup id'), (3, 'c@x', 1, 'new'), (3, 'd@x', 1, 'dup in statement') ON CONFLICT DO NOTHING`)
	if err != nil || tag != "INSERT 0 1" {
		t.Fatalf("DO NOTHING: %v %q", err, tag)
	}
	mustRun(t, s, `INSERT INTO u VALUES (4, 'a@x', 1, 'dup email') ON CONFLICT (email) DO NOTHING`)
	// Only the arbiter is forgiven: another key's conflict still fails.
	wantErr(t, s, `INSERT INTO u VALUES (5, 'a@x', 1, NULL) ON CONFLICT (id) DO NOTHING`, sqlstate.UniqueViolation, `"u_email_key"`)
	if got := flat(mustRun(t, s, `SELECT id, email, hits, note FROM u ORDER BY id`)); got != "1,a@x,1,first|2,b@x,1,NULL|3,c@x,1,new" {
		t.Fatalf("after DO NOTHING: %s", got)
	}
	// DO UPDATE with EXCLUDED, the table's name, WHERE and RETURNING.
	rows, tag, err := run(t, s, `INSERT INTO u AS t VALUES (1, 'a@x', 10, 'upd'), (2, 'b@x', 10, 'skipped'), (6, 'f@x', 1, 'ins')
		ON CONFLICT (id) DO UPDATE SET hits = t.hits + excluded.hits, note = excluded.note WHERE t.note IS NOT NULL
		RETURNING id, hits, note`)
	if err != nil || !strings.HasPrefix(tag, "INSERT 0") || flat(rows) != "6,1,ins|1,11,upd" {
		t.Fatalf("DO UPDATE: %v %q %s", err, tag, flat(rows))
	}
	if got := flat(mustRun(t, s, `SELECT id, hits, note FROM u ORDER BY id`)); got != "1,11,upd|2,1,NULL|3,1,new|6,1,ins" {
		t.Fatalf("after DO UPDATE: %s", got)
	}
	mustRun(t, s, `INSERT INTO u VALUES (3, 'c@x') ON CONFLICT ON CONSTRAINT u_pkey DO UPDATE SET note = DEFAULT, hits = u.hits * 2`)
	if got := flat(mustRun(t, s, `SELECT hits, note FROM u WHERE id = 3`)); got != "2,NULL" {
		t.Errorf("ON CONSTRAINT: %s", got)
	}
	wantErr(t, s, `INSERT INTO u VALUES (1, 'a@x'), (1, 'a@x') ON CONFLICT (id) DO UPDATE SET hits = 0`, sqlstate.CardinalityViolation, `cannot affect row a second time`)
	wantErr(t, s, `INSERT INTO u VALUES (1) ON CONFLICT (note) DO NOTHING`, sqlstate.InvalidColumnReference, `no unique or exclusion constraint`)
	wantErr(t, s, `INSERT INTO u VALUES (1) ON CONFLICT DO UPDATE SET hits = 0`, sqlstate.SyntaxError, `requires inference`)
	// An update that moves a key onto another row's is a violation.
	wantErr(t, s, `INSERT INTO u VALUES (1, 'q@x') ON CONFLICT (id) DO UPDATE SET email = 'b@x'`, sqlstate.UniqueViolation, `u_email_key`)
	if got := flat(mustRun(t, s, `SELECT count(*), sum(hits) FROM u`)); got != "4,15" {
		t.Errorf("final: %s", got)
	}
}

// Numerics kept as text (no typmod) group and deduplicate by value.
func TestNumericGroupsByValue(t *testing.T) {
	_, s := testEngine(t)
	mustRun(t, s, `CREATE TABLE n (v numeric)`)
	mustRun(t, s, `INSERT INTO n VALUES (1.0), (1.00), (2), (-0.0), (0), (NULL), (NULL)`)
	if got := flat(mustRun(t, s, `SELECT v, count(*) FROM n GROUP BY v ORDER BY v NULLS LAST`)); got != "0.0,2|1.0,2|2,1|NULL,2" {
		t.Errorf("GROUP BY: %s", got)
	}
	if got := flat(mustRun(t, s, `SELECT count(*) FROM (SELECT DISTINCT v FROM n) d`)); got != "4" {
		t.Errorf("DISTINCT: %s", got)
	}
}
