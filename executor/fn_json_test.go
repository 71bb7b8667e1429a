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
