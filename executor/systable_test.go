package executor

import (
	"strings"
	"testing"

	"github.com/sharehouse/sharehouse/executor/sqlstate"
)

func TestSystemTablesBind(t *testing.T) {
	_, s := testEngine(t)
	mustRun(t, s, `CREATE TABLE t (id int)`)
	for _, d := range sysTableDefs {
		t.Run(d.schema+"."+d.name, func(t *testing.T) {
			rows, _, err := run(t, s, "SELECT * FROM "+d.schema+"."+d.name)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range rows {
				if len(r) != len(d.cols) {
					t.Fatalf("row has %d columns, want %d", len(r), len(d.cols))
				}
			}
		})
	}
}

func TestSystemTables(t *testing.T) {
	e, s := testEngine(t)
	mustRun(t, s, `CREATE TABLE t (id int NOT NULL, name varchar(20) DEFAULT 'x', amount numeric(12,2))`)
	mustRun(t, s, `CREATE SCHEMA finance`)
	mustRun(t, s, `CREATE TABLE finance.orders (id bigint, created timestamptz)`)
	mustRun(t, s, `COMMENT ON TABLE t IS 'the t'`)
	mustRun(t, s, `INSERT INTO t VALUES (1, 'a', 1.5)`)
	tests := []struct{ name, sql, want string }{
		{"databases", `SELECT datname, pg_catalog.pg_get_userbyid(d.datdba), pg_catalog.pg_encoding_to_char(d.encoding), datcollate FROM pg_catalog.pg_database d ORDER BY 1`,
			"postgres,admin,UTF8,C"},
		{"schemas", `SELECT n.nspname, pg_catalog.pg_get_userbyid(n.nspowner) FROM pg_catalog.pg_namespace n WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema' ORDER BY 1`,
			"finance,admin|public,admin"},
		{"dt", `SELECT n.nspname, c.relname, CASE c.relkind WHEN 'r' THEN 'table' END, pg_catalog.pg_get_userbyid(c.relowner)
			FROM pg_catalog.pg_class c LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace LEFT JOIN pg_catalog.pg_am am ON am.oid = c.relam
			WHERE c.relkind IN ('r','p','') AND n.nspname <> 'pg_catalog' AND n.nspname !~ '^pg_toast' AND n.nspname <> 'information_schema'
			AND pg_catalog.pg_table_is_visible(c.oid) ORDER BY 1,2`,
			"public,t,table,admin"},
		{"dt pattern", `SELECT n.nspname, c.relname FROM pg_catalog.pg_class c LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
			WHERE c.relkind IN ('r','p','t','s','') AND n.nspname OPERATOR(pg_catalog.~) '^(finance)$' COLLATE pg_catalog.default ORDER BY 1,2`,
			"finance,orders"},
		{"attributes", `SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull, a.atthasdef, a.attnum
			FROM pg_catalog.pg_attribute a WHERE a.attrelid = 't'::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
			"id,integer,t,f,1|name,character varying(20),f,t,2|amount,numeric(12,2),f,f,3"},
		{"attrdef", `SELECT pg_catalog.pg_get_expr(d.adbin, d.adrelid, true), adnum FROM pg_catalog.pg_attrdef d WHERE d.adrelid = 't'::regclass`,
			"'x'::character varying,2"},
		{"regclass out", `SELECT 'finance.orders'::regclass::text, 't'::regclass::text, 'pg_class'::regclass::oid`,
			"finance.orders,t,1259"},
		{"regtype", `SELECT 'int4'::text::regtype::oid, 'character varying'::regtype::oid, 'numeric'::regtype::text`,
			"23,1043,numeric"},
		{"regproc", `SELECT typinput = 'pg_catalog.array_in'::regproc, typinput::text FROM pg_type WHERE typname = 'int4'`,
			"f,int4in"},
		{"pgx LoadType", `SELECT typtype::text, typbasetype FROM pg_type WHERE oid = 1700`, "b,0"},
		{"descriptions", `SELECT obj_description('t'::regclass, 'pg_class'), obj_description('t'::regclass), col_description('t'::regclass, 1)`,
			"the t,the t,NULL"},
		{"format_type", `SELECT format_type(1043, 24), format_type(1700, NULL), format_type(0, -1), format_type(424242, -1), format_type(NULL, 1)`,
			"character varying(20),numeric,-,???,NULL"},
		{"visible", `SELECT pg_table_is_visible('t'::regclass), pg_table_is_visible('finance.orders'::regclass), pg_table_is_visible('pg_class'::regclass), pg_table_is_visible(1)`,
			"t,f,t,NULL"},
		{"info tables", `SELECT table_schema, table_name, table_type FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2`,
			"finance,orders,BASE TABLE|public,t,BASE TABLE"},
		{"info columns", `SELECT column_name, data_type, character_maximum_length, numeric_precision, numeric_scale, is_nullable, column_default
			FROM information_schema.columns WHERE table_name = 't' ORDER BY ordinal_position`,
			"id,integer,NULL,32,0,NO,NULL|name,character varying,20,NULL,NULL,YES,'x'|amount,numeric,NULL,12,2,YES,NULL"},
		{"schemata", `SELECT schema_name FROM information_schema.schemata ORDER BY 1`, "finance|information_schema|pg_catalog|public"},
		{"roles", `SELECT rolname, rolsuper, rolpassword FROM pg_roles`, "admin,t,********"},
		{"settings", `SELECT setting FROM pg_catalog.pg_settings WHERE name = 'max_index_keys'`, "32"},
		{"settings session", `SET application_name = 'x1'; SELECT setting FROM pg_settings WHERE name = 'application_name'`, "x1"},
		{"empty catalogs", `SELECT count(*) FROM pg_index, pg_constraint`, "0"},
		{"to_regclass", `SELECT to_regclass('nope'), to_regclass('t')::oid = 't'::regclass::oid`, "NULL,t"},
		{"sizes", `SELECT pg_table_size('t') > 0, pg_size_pretty(10240::bigint), pg_size_pretty(20971520::bigint)`, "t,10 kB,20 MB"},
		{"array_to_string", `SELECT array_to_string(datacl, E'\n') FROM pg_database`, "NULL"},
		{"privileges", `SELECT has_table_privilege('t', 'SELECT'), has_schema_privilege('public', 'USAGE')`, "t,t"},
		{"privileges owned", `SELECT has_table_privilege('admin', 't', 'INSERT, UPDATE WITH GRANT OPTION'), has_table_privilege('t'::regclass, 'delete'),
			has_column_privilege('t', 'id', 'UPDATE'), has_schema_privilege('public', 'CREATE'), has_database_privilege(current_database(), 'CREATE')`, "t,t,t,t,t"},
		{"privileges system catalogs", `SELECT has_table_privilege('pg_class', 'SELECT'), has_table_privilege('pg_class', 'INSERT'),
			has_schema_privilege('pg_catalog', 'CREATE'), has_table_privilege(4294967, 'SELECT')`, "t,f,f,NULL"},
		{"regnamespace", `SELECT count(*) > 10, 'public'::regnamespace::oid > 0 FROM pg_class WHERE relnamespace = 'pg_catalog'::regnamespace`, "t,t"},
		{"system table visible in pg_class", `SELECT relkind FROM pg_class WHERE relname = 'pg_settings'`, "v"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := flat(mustRun(t, s, tc.sql)); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}

	t.Run("errors", func(t *testing.T) {
		for _, tc := range []struct {
			sql  string
			code sqlstate.Code
		}{
			{`SELECT 'nope'::regclass`, sqlstate.UndefinedTable},
			{`SELECT 'nope'::regtype`, sqlstate.UndefinedObject},
			{`SELECT 'a' COLLATE "de_DE"`, sqlstate.UndefinedObject},
			{`SELECT 1 COLLATE "C"`, sqlstate.DatatypeMismatch},
			{`SELECT * FROM pg_catalog.nope`, sqlstate.UndefinedTable},
			{`SELECT has_table_privilege('nope', 'SELECT')`, sqlstate.UndefinedTable},
			{`SELECT has_table_privilege('t', 'SELEKT')`, sqlstate.InvalidParameterValue},
			{`SELECT has_schema_privilege('nope', 'USAGE')`, sqlstate.InvalidSchemaName},
			{`SELECT has_database_privilege('nope', 'CONNECT')`, sqlstate.InvalidCatalogName},
		} {
			if _, _, err := run(t, s, tc.sql); sqlstate.CodeOf(err) != tc.code {
				t.Errorf("%s: got %v, want %s", tc.sql, err, tc.code)
			}
		}
	})

	t.Run("tenant sees only its own", func(t *testing.T) {
		mustRun(t, s, `CREATE TENANT alice PASSWORD 'alice-pw'`)
		a := session(t, e, "alice", "postgres", nil)
		mustRun(t, a, `CREATE TABLE mine (x int)`)
		for _, tc := range []struct{ sql, want string }{
			{`SELECT datname, pg_get_userbyid(datdba) FROM pg_database`, "postgres,alice"},
			{`SELECT rolname, rolsuper FROM pg_roles`, "alice,f"},
			{`SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE nspname = 'public'`, "mine"},
			{`SELECT count(*) FROM pg_class WHERE relname IN ('t', 'orders')`, "0"},
			{`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`, "mine"},
		} {
			if got := flat(mustRun(t, a, tc.sql)); got != tc.want {
				t.Errorf("%s: got %s, want %s", tc.sql, got, tc.want)
			}
		}
		// The superuser sees every tenant's role.
		if got := flat(mustRun(t, s, `SELECT rolname FROM pg_roles ORDER BY 1`)); got != "admin|alice" {
			t.Errorf("superuser roles: %s", got)
		}
	})
}

func TestParseArrayLiteral(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{`{}`, ``, true},
		{`{a,b}`, `a|b`, true},
		{`{"a b","c,d",NULL, e }`, `a b|c,d|<null>|e`, true},
		{`{"x\"y"}`, `x"y`, true},
		{`{{1},{2}}`, ``, false},
		{`a,b`, ``, false},
		{`{"open}`, ``, false},
	} {
		elems, ok := parseArrayLiteral(tc.in)
		var parts []string
		for _, e := range elems {
			if e == nil {
				parts = append(parts, "<null>")
			} else {
				parts = append(parts, *e)
			}
		}
		if ok != tc.ok || ok && strings.Join(parts, "|") != tc.want {
			t.Errorf("%s: got %q %v, want %q %v", tc.in, strings.Join(parts, "|"), ok, tc.want, tc.ok)
		}
	}
}

func TestSizePretty(t *testing.T) {
	// Expected values are PostgreSQL 15's.
	for in, want := range map[int64]string{
		0: "0 bytes", 10239: "10239 bytes", 10240: "10 kB", 20971519: "20 MB", 20971520: "20 MB",
		1125899906842624 * 20: "20 PB", -20480: "-20 kB",
	} {
		if got := sizePretty(in); got != want {
			t.Errorf("sizePretty(%d) = %q, want %q", in, got, want)
		}
	}
}

func TestSplitQualifiedName(t *testing.T) {
	for in, want := range map[string]string{
		`t`: `t`, `Finance.Orders`: `finance|orders`, `"Fin"."a.b"`: `Fin|a.b`, `db.s.t`: `db|s|t`, `"q""x"`: `q"x`,
		`a..b`: `!`, `"open`: `!`, ``: `!`,
	} {
		parts, ok := splitQualifiedName(in)
		got := strings.Join(parts, "|")
		if !ok {
			got = "!"
		}
		if got != want {
			t.Errorf("%q: got %q, want %q", in, got, want)
		}
	}
}

func TestAnyAllArrays(t *testing.T) {
	_, s := testEngine(t)
	for _, tc := range []struct{ sql, want string }{
		{`SELECT 1 = ANY('{1,2}'), 3 = ANY('{1,2}'), 3 = ANY('{1,NULL}'), 1 = ANY('{1,NULL}')`, "t,f,NULL,t"},
		{`SELECT 2 = ALL('{2,2}'), 2 = ALL('{2,3}'), 2 = ALL('{}'), 2 < ALL('{3,NULL}'), 2 > ALL('{3,NULL}')`, "t,f,t,NULL,f"},
		{`SELECT 3 = ANY(ARRAY[1,2,3]), 'a' = ANY(ARRAY['b']), 1::bigint = ANY('{1}')`, "t,f,t"},
		{`SELECT NULL::int = ANY('{}'), NULL::int = ANY('{1}'), 1 = ANY(NULL::text)`, "f,NULL,NULL"},
		{`SELECT count(*) FROM pg_policy pol WHERE 10 = ANY(pol.polroles)`, "0"},
		{`SELECT 'd' = any(stxkind) FROM pg_catalog.pg_statistic_ext`, ""},
	} {
		if got := flat(mustRun(t, s, tc.sql)); got != tc.want {
			t.Errorf("%s: got %s, want %s", tc.sql, got, tc.want)
		}
	}
	if _, _, err := run(t, s, `SELECT 1 = ANY(1)`); sqlstate.CodeOf(err) != sqlstate.WrongObjectType {
		t.Errorf("ANY over int: %v", err)
	}
	if _, _, err := run(t, s, `SELECT 1 = ANY('{x}')`); sqlstate.CodeOf(err) != sqlstate.InvalidTextRepresentation {
		t.Errorf("ANY bad element: %v", err)
	}
}

// TestArrays covers the array forms psql's describe queries use: ARRAY
// (subquery), ARRAY[…], subscripts, array casts, array_upper/cardinality,
// unnest and generate_series in FROM (WITH ORDINALITY), regnamespace and
// current_schemas.
func TestArrays(t *testing.T) {
	_, s := testEngine(t)
	for _, tc := range []struct{ sql, want string }{
		{`SELECT ARRAY(SELECT relname FROM pg_class WHERE relname IN ('pg_am', 'pg_class') ORDER BY 1)`, "{pg_am,pg_class}"},
		{`SELECT ARRAY(SELECT relname FROM pg_class WHERE false)`, "{}"},
		{`SELECT ARRAY(SELECT x FROM (VALUES ('a b'), (''), ('"q"'), (NULL), ('null')) v(x))`, `{"a b","","\"q\"",NULL,"null"}`},
		{`SELECT (ARRAY['a', NULL, 'c'])[3], (ARRAY[1, 2])[0], ('{4,5}'::int4[])[2] + 1`, "c,NULL,6"},
		{`SELECT '{1, 2,3}'::int2[], cardinality('{x,y}'::text[]), array_upper('{1,2}'::int4[], 1), array_upper('{}'::int4[], 1)`, "{1,2,3},2,2,NULL"},
		{`SELECT array_to_string(ARRAY['a', 'b'], ', ')`, "a, b"},
		{`SELECT string_agg(x || ':' || n, ' ') FROM unnest('{a,"b,c",NULL}'::text[]) WITH ORDINALITY AS u(x, n)`, "a:1 b,c:2"},
		{`SELECT sum(x) FROM unnest(ARRAY[1, 2, 3]) x WHERE x > 1`, "5"},
		{`SELECT string_agg(s::text || '/' || o::text, ' ') FROM generate_series(2, 4) WITH ORDINALITY g(s, o)`, "2/1 3/2 4/3"},
		{`SELECT 'pg_catalog'::regnamespace::text, 11::oid::regnamespace::text`, "pg_catalog,pg_catalog"},
		{`SELECT (current_schemas(true))[1], current_schemas(false)`, "pg_catalog,{public}"},
		{`SELECT count(*) FROM pg_partition_ancestors('pg_class') WITH ORDINALITY a(relid, depth)`, "0"},
		{`SELECT 2 = any('1 2'::int2vector), 3 = any('1 2'::int2vector), 2 = any('{1,2}'::int2[]), '1 2'::int2vector::text, '{1,2}'::int2[]::varchar`, "t,f,t,1 2,{1,2}"},
		{`SELECT ('1  2'::int2vector)[1], ('1  2'::int2vector)[0], array_upper('1 2'::int2vector, 1)`, "2,1,1"},
		{`SELECT count(*) FROM pg_constraint c WHERE 1 = ANY(c.conkey) OR c.confkey[1] = 1`, "0"},
		{`SELECT count(*) FROM pg_class WHERE oid IN (SELECT pg_partition_ancestors('pg_class') UNION ALL VALUES ('pg_am'::regclass))`, "1"},
		{`SELECT count(*) FROM pg_roles r WHERE ARRAY(SELECT b.rolname FROM pg_roles b WHERE b.oid = r.oid) <> '{}'`, "1"},
	} {
		t.Run(tc.sql, func(t *testing.T) {
			if got := flat(mustRun(t, s, tc.sql)); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

// current_schema() follows search_path to the first schema that exists.
func TestCurrentSchema(t *testing.T) {
	_, s := testEngine(t)
	mustRun(t, s, `CREATE SCHEMA sales`)
	for _, tc := range []struct{ path, want string }{
		{"public", "public,public"},
		{"sales, public", "sales,sales"},
		{"nope, sales", "sales,sales"},
		{"nope", "NULL,NULL"},
		{`"$user", public`, "public,public"},
	} {
		mustRun(t, s, "SET search_path TO "+tc.path)
		if got := flat(mustRun(t, s, `SELECT current_schema(), current_schema`)); got != tc.want {
			t.Errorf("search_path %s: %s, want %s", tc.path, got, tc.want)
		}
	}
}
