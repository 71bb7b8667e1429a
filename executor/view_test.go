package executor

import (
	"context"
	"strings"
	"testing"

	"github.com/sharehouse/sharehouse/executor/sqlstate"
	"github.com/sharehouse/sharehouse/executor/sqltype"
)

// Expected values are what PostgreSQL 15 answers for the same statements.

func TestViewQueries(t *testing.T) {
	_, s := testEngine(t)
	mustRun(t, s, `CREATE TABLE t (id int NOT NULL, name varchar(20))`)
	mustRun(t, s, `INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c')`)
	mustRun(t, s, `CREATE SCHEMA finance`)
	mustRun(t, s, `CREATE TABLE finance.orders (id bigint, amount numeric(12,2))`)
	mustRun(t, s, `INSERT INTO finance.orders VALUES (1, 10), (2, 20), (3, 30)`)
	if _, tag, err := run(t, s, `CREATE VIEW v AS SELECT id, name FROM t WHERE id > 1`); err != nil || tag != "CREATE VIEW" {
		t.Fatalf("CREATE VIEW: %q %v", tag, err)
	}
	mustRun(t, s, `CREATE VIEW finance.big (order_id, amt) AS SELECT o.id, o.amount * 2 FROM finance.orders o JOIN t ON t.id = o.id WHERE o.amount > 10 ORDER BY 1`)
	mustRun(t, s, `CREATE VIEW vv AS SELECT count(*) AS n FROM v`)
	for _, tc := range []struct{ sql, want string }{
		{`SELECT * FROM v ORDER BY id`, "2,b|3,c"},
		{`SELECT * FROM finance.big`, "2,40.00|3,60.00"},
		{`SELECT x.name, b.amt FROM v x JOIN finance.big b ON b.order_id = x.id ORDER BY 1`, "b,40.00|c,60.00"},
		{`WITH w AS (SELECT * FROM v) SELECT count(*) FROM w`, "2"},
		{`SELECT n FROM vv`, "2"},
		{`SELECT name FROM t WHERE id IN (SELECT id FROM v) ORDER BY 1`, "b|c"},
		{`SELECT a, b FROM v AS z (a, b) WHERE a = 3`, "3,c"},
		// The session's search_path does not change what the view reads.
		{`SET search_path = finance; SELECT count(*) FROM public.v`, "2"},
	} {
		if got := flat(mustRun(t, s, tc.sql)); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.sql, got, tc.want)
		}
	}
	mustRun(t, s, `SET search_path = public`)
	// Columns added to a table later are not part of a view over *.
	mustRun(t, s, `CREATE VIEW star AS SELECT * FROM t`)
	mustRun(t, s, `ALTER TABLE t ADD COLUMN extra int`)
	if got := flat(mustRun(t, s, `SELECT * FROM star WHERE id = 1`)); got != "1,a" {
		t.Errorf("star after ADD COLUMN: %q", got)
	}
	rows := mustRun(t, s, `EXPLAIN SELECT * FROM v`)
	if !strings.Contains(flat(rows), "Scan") {
		t.Errorf("EXPLAIN of a view: %v", rows)
	}
}

func TestViewDDLErrors(t *testing.T) {
	_, s := testEngine(t)
	mustRun(t, s, `CREATE TABLE t (id int NOT NULL, name varchar(20))`)
	mustRun(t, s, `CREATE VIEW v AS SELECT id, name FROM t WHERE id > 1`)
	mustRun(t, s, `CREATE SEQUENCE sq`)
	for _, tc := range []struct {
		sql  string
		code sqlstate.Code
		msg  string
	}{
		{`CREATE VIEW v AS SELECT 1`, sqlstate.DuplicateTable, `relation "v" already exists`},
		{`CREATE TABLE v (a int)`, sqlstate.DuplicateTable, `relation "v" already exists`},
		{`CREATE VIEW t AS SELECT 1`, sqlstate.DuplicateTable, `relation "t" already exists`},
		{`CREATE VIEW sq AS SELECT 1`, sqlstate.DuplicateTable, `relation "sq" already exists`},
		{`CREATE SEQUENCE v`, sqlstate.DuplicateTable, `relation "v" already exists`},
		{`CREATE OR REPLACE VIEW t AS SELECT 1`, sqlstate.WrongObjectType, `"t" is not a view`},
		{`CREATE OR REPLACE VIEW v AS SELECT id FROM t`, sqlstate.InvalidTableDefinition, `cannot drop columns from view`},
		{`CREATE OR REPLACE VIEW v AS SELECT name, id FROM t`, sqlstate.InvalidTableDefinition, `cannot change name of view column "id" to "name"`},
		{`CREATE OR REPLACE VIEW v AS SELECT id, name::text FROM t`, sqlstate.InvalidTableDefinition, `cannot change data type of view column "name" from character varying(20) to text`},
		{`CREATE VIEW w (a, b, c) AS SELECT id, name FROM t`, sqlstate.SyntaxError, `CREATE VIEW specifies more column names than columns`},
		{`CREATE VIEW w AS SELECT nope FROM t`, sqlstate.UndefinedColumn, ``},
		{`CREATE VIEW w AS SELECT * FROM nope`, sqlstate.UndefinedTable, `relation "nope" does not exist`},
		{`CREATE VIEW nope.w AS SELECT 1`, sqlstate.InvalidSchemaName, `schema "nope" does not exist`},
		{`CREATE OR REPLACE VIEW v AS SELECT id, name FROM v`, sqlstate.InvalidObjectDefinition, `infinite recursion detected in rules for relation "v"`},
		{`DROP TABLE v`, sqlstate.WrongObjectType, `"v" is not a table`},
		{`DROP VIEW t`, sqlstate.WrongObjectType, `"t" is not a view`},
		{`DROP VIEW nope`, sqlstate.UndefinedTable, `view "nope" does not exist`},
		{`DROP TABLE t`, sqlstate.DependentObjectsStillExist, `cannot drop table t because other objects depend on it`},
		{`INSERT INTO v VALUES (1, 'x')`, sqlstate.ObjectNotInPrerequisiteState, `cannot insert into view "v"`},
		{`UPDATE v SET name = 'x'`, sqlstate.ObjectNotInPrerequisiteState, `cannot update view "v"`},
		{`DELETE FROM v`, sqlstate.ObjectNotInPrerequisiteState, `cannot delete from view "v"`},
		{`TRUNCATE v`, sqlstate.WrongObjectType, `"v" is not a table`},
		{`ALTER TABLE v ADD COLUMN z int`, sqlstate.WrongObjectType, `ALTER action ADD COLUMN cannot be performed on relation "v"`},
		{`ALTER TABLE v ALTER COLUMN id SET NOT NULL`, sqlstate.WrongObjectType, `ALTER action ALTER COLUMN ... SET NOT NULL cannot be performed on relation "v"`},
		{`CREATE VIEW w AS SELECT 1 WITH CHECK OPTION`, sqlstate.FeatureNotSupported, ``},
	} {
		_, _, err := run(t, s, tc.sql)
		if sqlstate.CodeOf(err) != tc.code || (tc.msg != "" && err.Error() != tc.msg) {
			t.Errorf("%s: got %v (%s), want %s %q", tc.sql, err, sqlstate.CodeOf(err), tc.code, tc.msg)
		}
	}
	if got := flat(mustRun(t, s, `SELECT count(*) FROM v`)); got != "0" {
		t.Errorf("v after failed statements: %q", got)
	}
}

func TestViewReplaceDropRename(t *testing.T) {
	_, s := testEngine(t)
	mustRun(t, s, `CREATE TABLE t (id int, name text)`)
	mustRun(t, s, `INSERT INTO t VALUES (1, 'a'), (2, 'b')`)
	mustRun(t, s, `CREATE VIEW v AS SELECT id FROM t`)
	mustRun(t, s, `CREATE OR REPLACE VIEW v AS SELECT id, name, id * 10 AS x FROM t`)
	if got := flat(mustRun(t, s, `SELECT * FROM v ORDER BY id`)); got != "1,a,10|2,b,20" {
		t.Errorf("replaced view reads %q", got)
	}
	mustRun(t, s, `CREATE VIEW w AS SELECT x FROM v`)
	// Renames of what a view reads keep it working.
	if _, tag, err := run(t, s, `ALTER VIEW v RENAME TO v2`); err != nil || tag != "ALTER VIEW" {
		t.Fatalf("ALTER VIEW RENAME: %q %v", tag, err)
	}
	mustRun(t, s, `ALTER TABLE t RENAME TO t2`)
	mustRun(t, s, `ALTER VIEW v2 RENAME COLUMN x TO y`)
	if got := flat(mustRun(t, s, `SELECT y FROM v2 ORDER BY 1`)); got != "10|20" {
		t.Errorf("renamed view reads %q", got)
	}
	if got := flat(mustRun(t, s, `SELECT * FROM w ORDER BY 1`)); got != "10|20" {
		t.Errorf("view over renamed view reads %q", got)
	}
	mustRun(t, s, `CREATE SCHEMA s1`)
	mustRun(t, s, `CREATE TABLE s1.u (a int)`)
	mustRun(t, s, `CREATE VIEW vu AS SELECT a FROM s1.u`)
	mustRun(t, s, `ALTER SCHEMA s1 RENAME TO s2`)
	if got := flat(mustRun(t, s, `SELECT count(*) FROM vu`)); got != "0" {
		t.Errorf("view after schema rename reads %q", got)
	}
	mustRun(t, s, `COMMENT ON VIEW v2 IS 'ten times'`)
	if got := flat(mustRun(t, s, `SELECT obj_description('v2'::regclass, 'pg_class')`)); got != "ten times" {
		t.Errorf("comment: %q", got)
	}
	_, _, err := run(t, s, `DROP VIEW v2`)
	if se := sqlstate.Of(err); se == nil || se.Code != sqlstate.DependentObjectsStillExist || se.Message != "cannot drop view v2 because other objects depend on it" || se.Detail != "view w depends on view v2" {
		t.Fatalf("DROP VIEW v2: %#v", se)
	}
	res := mustExecute(t, s, `DROP VIEW IF EXISTS nope, v2 CASCADE`)
	if len(res.Notices) != 2 || res.Notices[0].Message != `view "nope" does not exist, skipping` || res.Notices[1].Message != "drop cascades to view w" {
		t.Errorf("DROP VIEW notices: %v", res.Notices)
	}
	wantCode(t, s, `SELECT * FROM w`, sqlstate.UndefinedTable)
	mustRun(t, s, `CREATE VIEW a AS SELECT * FROM t2`)
	mustRun(t, s, `CREATE VIEW b AS SELECT * FROM a`)
	res = mustExecute(t, s, `DROP TABLE t2 CASCADE`)
	if len(res.Notices) != 1 || res.Notices[0].Message != "drop cascades to 2 other objects" || res.Notices[0].Detail != "drop cascades to view a\ndrop cascades to view b" {
		t.Errorf("DROP TABLE CASCADE notices: %v", res.Notices)
	}
	wantCode(t, s, `SELECT * FROM a`, sqlstate.UndefinedTable)
	mustRun(t, s, `DROP SCHEMA s2 CASCADE`)
	wantCode(t, s, `SELECT * FROM vu`, sqlstate.UndefinedTable)
}

// mustExecute runs one statement and returns its result, rows read.
func mustExecute(t *testing.T, s *Session, sql string) Result {
	t.Helper()
	ctx := context.Background()
	stmts, err := s.Parse(ctx, sql)
	if err != nil || len(stmts) != 1 {
		t.Fatalf("%s: %v", sql, err)
	}
	res, err := s.Execute(ctx, stmts[0], nil)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	if _, err := resultRows(t, s, res); err != nil {
		t.Fatal(err)
	}
	return res
}

// TestViewSharing: a provider's views are not shared (and cannot be
// added to a share); a consumer builds its own views over a mounted share,
// which read with the consumer's rights, so a revoke stops them at once.
func TestViewSharing(t *testing.T) {
	e, admin := testEngine(t)
	mustRun(t, admin, `CREATE TENANT provider_co PASSWORD 'p'`)
	mustRun(t, admin, `CREATE TENANT globex PASSWORD 'g'`)
	prov := session(t, e, "provider_co", "postgres", nil)
	mustRun(t, prov, `CREATE TABLE orders (id bigint, amount numeric(12,2))`)
	mustRun(t, prov, `INSERT INTO orders VALUES (1, 10.50), (2, 20.25)`)
	mustRun(t, prov, `CREATE VIEW big_orders AS SELECT id FROM orders WHERE amount > 15`)
	mustRun(t, prov, `CREATE SHARE fin`)
	mustRun(t, prov, `ALTER SHARE fin ADD TABLE orders`)
	_, _, err := run(t, prov, `ALTER SHARE fin ADD TABLE big_orders`)
	if sqlstate.CodeOf(err) != sqlstate.WrongObjectType || err.Error() != `"big_orders" is a view` {
		t.Errorf("ADD TABLE view: %v (%s)", err, sqlstate.CodeOf(err))
	}
	mustRun(t, prov, `CREATE RECIPIENT globex_r USING ID 'globex'`)
	mustRun(t, prov, `GRANT SELECT ON SHARE fin TO RECIPIENT globex_r`)

	g := session(t, e, "globex", "postgres", nil)
	mustRun(t, g, `CREATE DATABASE fin FROM SHARE provider_co.fin`)
	wantCode(t, g, `SELECT * FROM fin.public.big_orders`, sqlstate.UndefinedTable)
	if got := flat(mustRun(t, g, `SELECT count(*) FROM fin.information_schema.tables WHERE table_name = 'big_orders'`)); got != "0" {
		t.Errorf("consumer lists the provider's view: %s", got)
	}
	gfin := session(t, e, "globex", "fin", nil)
	_, _, err = run(t, gfin, `CREATE VIEW v AS SELECT 1`)
	if sqlstate.CodeOf(err) != sqlstate.ReadOnlySQLTransaction {
		t.Errorf("CREATE VIEW in a mount: %v (%s)", err, sqlstate.CodeOf(err))
	}
	mustRun(t, g, `CREATE VIEW mine AS SELECT id, amount FROM fin.public.orders WHERE amount > 15`)
	if got := flat(mustRun(t, g, `SELECT * FROM mine`)); got != "2,20.25" {
		t.Fatalf("consumer view reads %q", got)
	}
	mustRun(t, prov, `INSERT INTO orders VALUES (3, 30)`)
	if got := flat(mustRun(t, g, `SELECT count(*) FROM mine`)); got != "2" {
		t.Fatalf("consumer view after provider insert: %q", got)
	}
	// The provider may drop or change what it shares: a consumer's view
	// never holds it.
	mustRun(t, prov, `REVOKE SELECT ON SHARE fin FROM RECIPIENT globex_r`)
	wantCode(t, g, `SELECT * FROM mine`, sqlstate.UndefinedTable)
	wantCode(t, g, `SELECT count(*) FROM (SELECT * FROM mine) s`, sqlstate.UndefinedTable)
	// The provider's own view is unaffected and its table still drops only with CASCADE.
	if got := flat(mustRun(t, prov, `SELECT * FROM big_orders ORDER BY 1`)); got != "2|3" {
		t.Errorf("provider view reads %q", got)
	}
	wantCode(t, prov, `DROP TABLE orders`, sqlstate.DependentObjectsStillExist)
}

// TestViewCatalog: views as pg_catalog and information_schema list them,
// PostgreSQL 15's values for the same view.
func TestViewCatalog(t *testing.T) {
	_, s := testEngine(t)
	mustRun(t, s, `CREATE TABLE t (id int NOT NULL, name varchar(20) DEFAULT 'x')`)
	mustRun(t, s, `CREATE VIEW v AS SELECT id, name FROM t WHERE id > 1`)
	mustRun(t, s, `CREATE SCHEMA finance`)
	mustRun(t, s, `CREATE VIEW finance.g AS SELECT id, count(*) FROM t GROUP BY id HAVING count(*) > 1 ORDER BY id DESC LIMIT 3 OFFSET 1`)
	for _, tc := range []struct{ sql, want string }{
		{`SELECT relkind, relam, relfilenode, relhasrules, relnatts, relreplident FROM pg_class WHERE relname = 'v'`, "v,0,0,t,2,n"},
		{`SELECT attname, attnotnull, attstorage, atthasdef FROM pg_attribute WHERE attrelid = 'v'::regclass AND attnum > 0 ORDER BY attnum`, "id,f,p,f|name,f,x,f"},
		{`SELECT rulename, ev_type, is_instead FROM pg_rewrite WHERE ev_class = 'v'::regclass`, "_RETURN,1,t"},
		{`SELECT count(*) FROM pg_tables WHERE tablename = 'v'`, "0"},
		{`SELECT table_name, table_type, is_insertable_into FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`, "t,BASE TABLE,YES|v,VIEW,NO"},
		{`SELECT table_name, view_definition, check_option FROM information_schema.views WHERE table_schema = 'public'`,
			"v, SELECT t.id,\n    t.name\n   FROM t\n  WHERE (t.id > 1);,NONE"},
		{`SELECT viewname, definition FROM pg_views WHERE schemaname = 'public'`, "v, SELECT t.id,\n    t.name\n   FROM t\n  WHERE (t.id > 1);"},
		{`SELECT pg_get_viewdef('v'::regclass, true)`, " SELECT t.id,\n    t.name\n   FROM t\n  WHERE t.id > 1;"},
		{`SELECT pg_get_viewdef('v')`, " SELECT t.id,\n    t.name\n   FROM t\n  WHERE (t.id > 1);"},
		{`SELECT pg_get_viewdef('finance.g', true)`, " SELECT t.id,\n    count(*) AS count\n   FROM t\n  GROUP BY t.id\n HAVING count(*) > 1\n  ORDER BY t.id DESC\n OFFSET 1\n LIMIT 3;"},
		{`SELECT pg_get_viewdef('t'::regclass) IS NULL, pg_get_viewdef('nope') IS NULL`, "t,t"},
		{`SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'v' AND n.nspname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`, "g|v"},
	} {
		if got := flat(mustRun(t, s, tc.sql)); got != tc.want {
			t.Errorf("%s:\ngot  %q\nwant %q", tc.sql, got, tc.want)
		}
	}
	// A view outside search_path is named with its schema, a table in it without.
	mustRun(t, s, `CREATE TABLE finance.o (a int)`)
	mustRun(t, s, `CREATE VIEW vo AS SELECT a FROM finance.o`)
	if got := flat(mustRun(t, s, `SELECT pg_get_viewdef('vo', true)`)); got != " SELECT o.a\n   FROM finance.o;" {
		t.Errorf("vo: %q", got)
	}
	mustRun(t, s, `SET search_path = finance, public`)
	if got := flat(mustRun(t, s, `SELECT pg_get_viewdef('public.vo'::regclass, true)`)); got != " SELECT o.a\n   FROM o;" {
		t.Errorf("vo with finance on the path: %q", got)
	}
}

func TestViewCopy(t *testing.T) {
	_, s := testEngine(t)
	mustRun(t, s, `CREATE TABLE t (id int)`)
	mustRun(t, s, `CREATE VIEW v AS SELECT id FROM t`)
	_, _, err := run(t, s, `COPY v TO STDOUT`)
	if se := sqlstate.Of(err); se == nil || se.Code != sqlstate.WrongObjectType || se.Message != `cannot copy from view "v"` || se.Hint != "Try the COPY (SELECT ...) TO variant." {
		t.Errorf("COPY v TO: %v", err)
	}
	_, _, err = run(t, s, `COPY v FROM STDIN`)
	if se := sqlstate.Of(err); se == nil || se.Code != sqlstate.WrongObjectType || se.Message != `cannot copy to view "v"` {
		t.Errorf("COPY v FROM: %v", err)
	}
	if _, _, err := run(t, s, `COPY (SELECT * FROM v) TO STDOUT`); err != nil {
		t.Errorf("COPY (SELECT … FROM v) TO: %v", err)
	}
}

func TestViewTemporary(t *testing.T) {
	_, s := testEngine(t)
	mustRun(t, s, `CREATE TEMP TABLE tt (a int)`)
	mustRun(t, s, `INSERT INTO tt VALUES (1), (2)`)
	res := mustExecute(t, s, `CREATE VIEW tv AS SELECT a FROM tt`)
	if len(res.Notices) != 1 || res.Notices[0].Message != `view "tv" will be a temporary view` {
		t.Errorf("notices: %v", res.Notices)
	}
	mustRun(t, s, `CREATE TEMP VIEW tv2 AS SELECT 1 AS one`)
	if got := flat(mustRun(t, s, `SELECT (SELECT count(*) FROM tv), (SELECT one FROM tv2)`)); got != "2,1" {
		t.Errorf("temporary views read %q", got)
	}
	if got := flat(mustRun(t, s, `SELECT relname, relpersistence FROM pg_class WHERE relkind = 'v' AND relname LIKE 'tv%' ORDER BY 1`)); got != "tv,t|tv2,t" {
		t.Errorf("pg_class: %q", got)
	}
}

func TestViewStar(t *testing.T) {
	_, s := testEngine(t)
	mustRun(t, s, `CREATE TABLE t (id int, name text)`)
	mustRun(t, s, `CREATE TABLE u (id int, score int)`)
	mustRun(t, s, `INSERT INTO t VALUES (1, 'a')`)
	mustRun(t, s, `INSERT INTO u VALUES (1, 7)`)
	mustRun(t, s, `CREATE VIEW s1 AS SELECT * FROM t`)
	mustRun(t, s, `CREATE VIEW s2 AS SELECT t.*, u.score FROM t JOIN u USING (id)`)
	mustRun(t, s, `ALTER TABLE t ADD COLUMN extra int`)
	for _, tc := range []struct{ sql, want string }{
		{`SELECT * FROM s1`, "1,a"},
		{`SELECT * FROM s2`, "1,a,7"},
		{`SELECT pg_get_viewdef('s1', true)`, " SELECT t.id,\n    t.name\n   FROM t;"},
		{`SELECT pg_get_viewdef('s2', true)`, " SELECT t.id,\n    t.name,\n    u.score\n   FROM t\n     JOIN u USING (id);"},
	} {
		if got := flat(mustRun(t, s, tc.sql)); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.sql, got, tc.want)
		}
	}
}

func TestViewDropColumn(t *testing.T) {
	_, s := testEngine(t)
	mustRun(t, s, `CREATE TABLE t9 (id int, name text, z int)`)
	mustRun(t, s, `CREATE VIEW s1 AS SELECT id, name FROM t9`)
	mustRun(t, s, `CREATE VIEW s3 AS SELECT name FROM s1`)
	_, _, err := run(t, s, `ALTER TABLE t9 DROP COLUMN name`)
	if se := sqlstate.Of(err); se == nil || se.Code != sqlstate.DependentObjectsStillExist ||
		se.Message != "cannot drop column name of table t9 because other objects depend on it" ||
		se.Detail != "view s1 depends on column name of table t9\nview s3 depends on view s1" {
		t.Fatalf("DROP COLUMN used by a view: %#v", se)
	}
	mustRun(t, s, `ALTER TABLE t9 DROP COLUMN z`)
	if got := flat(mustRun(t, s, `SELECT count(*) FROM s3`)); got != "0" {
		t.Errorf("s3 after dropping an unused column: %q", got)
	}
	res := mustExecute(t, s, `ALTER TABLE t9 DROP COLUMN name CASCADE`)
	if len(res.Notices) != 1 || res.Notices[0].Detail != "drop cascades to view s1\ndrop cascades to view s3" {
		t.Errorf("DROP COLUMN CASCADE notices: %v", res.Notices)
	}
	wantCode(t, s, `SELECT * FROM s1`, sqlstate.UndefinedTable)
	_, _, err = run(t, s, `DROP TABLE t9`)
	if err != nil {
		t.Errorf("DROP TABLE after its views went: %v", err)
	}
	// Depth-first, as PostgreSQL names them.
	mustRun(t, s, `CREATE TABLE t (id int, name text)`)
	mustRun(t, s, `CREATE VIEW a9 AS SELECT id, name FROM t`)
	mustRun(t, s, `CREATE VIEW b9 AS SELECT name FROM a9`)
	mustRun(t, s, `CREATE VIEW c9 AS SELECT id FROM t`)
	_, _, err = run(t, s, `DROP TABLE t`)
	if se := sqlstate.Of(err); se == nil || se.Detail != "view a9 depends on table t\nview b9 depends on view a9\nview c9 depends on table t" {
		t.Errorf("DROP TABLE detail: %#v", se)
	}
}

func TestViewGrantToShare(t *testing.T) {
	_, s := testEngine(t)
	mustRun(t, s, `CREATE TABLE t (id int)`)
	mustRun(t, s, `CREATE VIEW v AS SELECT id FROM t`)
	mustRun(t, s, `CREATE SHARE sh`)
	mustRun(t, s, `GRANT USAGE ON DATABASE postgres TO SHARE sh`)
	wantCode(t, s, `GRANT SELECT ON TABLE postgres.public.v TO SHARE sh`, sqlstate.WrongObjectType)
}

func TestViewUnknownLiteral(t *testing.T) {
	_, s := testEngine(t)
	mustRun(t, s, `CREATE VIEW lit AS SELECT 'x' AS a, 1 AS b`)
	ctx := context.Background()
	stmts, err := s.Parse(ctx, `SELECT a, b FROM lit`)
	if err != nil {
		t.Fatal(err)
	}
	cols, err := s.Describe(ctx, stmts[0], nil)
	if err != nil || len(cols) != 2 || cols[0].Type != sqltype.TextT || cols[1].Type.OID != sqltype.Int4 {
		t.Errorf("literal view columns: %v %v", cols, err)
	}
	if got := flat(mustRun(t, s, `SELECT pg_get_viewdef('lit', true)`)); got != " SELECT 'x'::text AS a,\n    1 AS b;" {
		t.Errorf("literal viewdef: %q", got)
	}
}

func TestViewDefSetOp(t *testing.T) {
	_, s := testEngine(t)
	mustRun(t, s, `CREATE TABLE a (x int, y text)`)
	mustRun(t, s, `CREATE TABLE b (x int, z numeric)`)
	mustRun(t, s, `CREATE VIEW w4 AS SELECT x FROM a UNION SELECT x FROM b`)
	mustRun(t, s, `CREATE VIEW w7 (n) AS SELECT x FROM a UNION ALL SELECT x FROM b`)
	mustRun(t, s, `CREATE VIEW w2 AS SELECT s.x FROM (SELECT x FROM a WHERE x > 1) s`)
	for _, tc := range []struct{ sql, want string }{
		{`SELECT pg_get_viewdef('w4', true)`, " SELECT a.x\n   FROM a\nUNION\n SELECT b.x\n   FROM b;"},
		{`SELECT pg_get_viewdef('w7', true)`, " SELECT a.x AS n\n   FROM a\nUNION ALL\n SELECT b.x AS n\n   FROM b;"},
		{`SELECT pg_get_viewdef('w2', true)`, " SELECT s.x\n   FROM ( SELECT a.x\n           FROM a\n          WHERE a.x > 1) s;"},
	} {
		if got := flat(mustRun(t, s, tc.sql)); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.sql, got, tc.want)
		}
	}
}

// TestViewDepend: the query tools use to find a table's views (pg_depend
// through pg_rewrite) finds them.
func TestViewDepend(t *testing.T) {
	_, s := testEngine(t)
	mustRun(t, s, `CREATE TABLE t (id int)`)
	mustRun(t, s, `CREATE VIEW v1 AS SELECT id FROM t`)
	mustRun(t, s, `CREATE VIEW v2 AS SELECT id FROM v1`)
	got := flat(mustRun(t, s, `SELECT DISTINCT dv.relname FROM pg_depend d
		JOIN pg_rewrite r ON d.objid = r.oid
		JOIN pg_class dv ON r.ev_class = dv.oid
		JOIN pg_class st ON d.refobjid = st.oid
		WHERE st.relname = 't' AND d.deptype = 'n' AND dv.oid <> st.oid ORDER BY 1`))
	if got != "v1" {
		t.Errorf("views of t: %q", got)
	}
}

func TestViewOverSystemTables(t *testing.T) {
	_, s := testEngine(t)
	mustRun(t, s, `CREATE TABLE t (id int)`)
	mustRun(t, s, `CREATE VIEW rels AS SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND n.nspname = 'public'`)
	mustRun(t, s, `CREATE VIEW cols AS SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'`)
	if got := flat(mustRun(t, s, `SELECT * FROM rels`)); got != "t" {
		t.Errorf("rels: %q", got)
	}
	if got := flat(mustRun(t, s, `SELECT * FROM cols WHERE table_name = 't'`)); got != "t,id" {
		t.Errorf("cols: %q", got)
	}
}
