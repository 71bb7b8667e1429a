package executor

import (
	"testing"

	"github.com/sharehouse/sharehouse/executor/sqlstate"
)

func TestJSONBuild(t *testing.T) {
	_, s := testEngine(t)
	mustRun(t, s, `CREATE TABLE j (id int, name text, at timestamptz, ok boolean, px numeric(6,2))`)
	mustRun(t, s, `INSERT INTO j VALUES (1, 'a"b', '2024-01-02 15:30:00+00', true, 1.50), (2, NULL, NULL, NULL, NULL)`)
	tests := []struct{ sql, want string }{
		{`SELECT json_build_object('id', id, 'name', name, 'at', at, 'ok', ok, 'px', px) FROM j ORDER BY id`,
			`{"id" : 1, "name" : "a\"b", "at" : "2024-01-02T15:30:00+00:00", "ok" : true, "px" : 1.50}|` +
				`{"id" : 2, "name" : null, "at" : null, "ok" : null, "px" : null}`},
		{`SELECT jsonb_build_object('bb', 1, 'a', 2, 'bb', 3)`, `{"a": 2, "bb": 3}`},
		{`SELECT json_build_array(1, 'x', NULL, false), json_build_array(), json_build_object(), json_build_array(7)`,
			`[1, "x", null, false],[],{},[7]`},
		{`SELECT to_json('line
two'::text), to_json(2.5::float8), to_json('NaN'::float8), to_json(NULL::int) IS NULL`, `"line\ntwo",2.5,"NaN",t`},
		{`SELECT json_build_object('a', ARRAY[1,2]), jsonb_build_object('t', ARRAY['x', NULL])`,
			`{"a" : [1,2]},{"t": ["x", null]}`},
		// SQLAlchemy's column reflection: a scalar subquery that finds no row.
		{`SELECT (SELECT json_build_object('always', true, 'start', 1::bigint) FROM j WHERE false) IS NULL`, `t`},
	}
	for _, tc := range tests {
		if got := flat(mustRun(t, s, tc.sql)); got != tc.want {
			t.Errorf("%s\n got %s\nwant %s", tc.sql, got, tc.want)
		}
	}
	for _, bad := range []struct {
		sql  string
		code sqlstate.Code
	}{
		{`SELECT json_build_object('a')`, "22023"},
		{`SELECT json_build_object(NULL::text, 1)`, "22023"},
	} {
		_, _, err := run(t, s, bad.sql)
		if code := sqlstate.CodeOf(err); code != bad.code {
			t.Errorf("%s: %v, want %s", bad.sql, err, bad.code)
		}
	}
}

// Expected values are PostgreSQL 15's answers to the same statements.
func TestJSONTypes(t *testing.T) {
	_, s := testEngine(t)
	mustRun(t, s, `CREATE TABLE docs (id int, j json, b jsonb)`)
	mustRun(t, s, `INSERT INTO docs VALUES (1, '{"b": 1,  "a":[1.50, 2e2]}', '{"b": 1,  "a":[1.50, 2e2], "b": "x\u00e9\n"}'), (2, NULL, 'null')`)
	for _, tc := range []struct{ sql, want string }{
		{`SELECT j, b FROM docs ORDER BY id`, `{"b": 1,  "a":[1.50, 2e2]},{"a": [1.50, 200], "b": "xé\n"}|NULL,null`},
		{`SELECT '{"z":1,"aa":2,"a":3}'::jsonb, '[ 1 , true ]'::json, '-0'::jsonb, '1E-2'::jsonb`, `{"a": 3, "z": 1, "aa": 2},[ 1 , true ],0,0.01`},
		{`SELECT '{"k" : [1,2]}'::json::jsonb, '{"k": 1}'::jsonb::json::text`, `{"k": [1, 2]},{"k": 1}`},
		{`SELECT jsonb_build_object('n', 1.0, 'd', '{"y":2,"x":1}'::jsonb)`, `{"d": {"x": 1, "y": 2}, "n": 1.0}`},
	} {
		if got := flat(mustRun(t, s, tc.sql)); got != tc.want {
			t.Errorf("%s\n got %s\nwant %s", tc.sql, got, tc.want)
		}
	}
	for _, bad := range []string{`SELECT '{"a":'::json`, `SELECT '[1,]'::jsonb`, `INSERT INTO docs (b) VALUES ('nope')`, `SELECT '1 2'::jsonb`} {
		if _, _, err := run(t, s, bad); sqlstate.CodeOf(err) != sqlstate.InvalidTextRepresentation {
			t.Errorf("%s: %v, want 22P02", bad, err)
		}
	}
	if _, _, err := run(t, s, `SELECT '"a\u0000"'::jsonb`); sqlstate.CodeOf(err) != sqlstate.Code("22P05") {
		t.Errorf(`\u0000 in jsonb: %v, want 22P05`, err)
	}
}

func TestJSONGet(t *testing.T) {
	_, s := testEngine(t)
	mustRun(t, s, `CREATE TABLE docs (id int, j json, b jsonb)`)
	mustRun(t, s, `INSERT INTO docs VALUES (1, '{"a": {"x": [10, "t", null]}, "s": "q\"", "n": null}', '{"a": {"x": [10, "t", null]}, "s": "q\"", "n": null}'), (2, '[1, 2]', '"str"')`)
	for _, tc := range []struct{ sql, want string }{
		{`SELECT j->'a', b->'a', j->'a'->'x'->>1, b->'a'->'x'->>-3 FROM docs WHERE id = 1`,
			`{"x": [10, "t", null]},{"x": [10, "t", null]},t,10`},
		{`SELECT j->>'s', b->>'s', j->>'n' IS NULL, j->'n', b->'missing' IS NULL FROM docs WHERE id = 1`, `q",q",t,null,t`},
		{`SELECT j->0, j->>1, j->'a' IS NULL, b->'a' IS NULL, j->5 IS NULL FROM docs WHERE id = 2`, `1,2,t,t,t`},
		{`SELECT id FROM docs WHERE b->>'s' = 'q"'`, `1`},
	} {
		if got := flat(mustRun(t, s, tc.sql)); got != tc.want {
			t.Errorf("%s\n got %s\nwant %s", tc.sql, got, tc.want)
		}
	}
}
