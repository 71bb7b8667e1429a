package executor

import (
	"context"
	"strings"
	"testing"

	"github.com/sharehouse/sharehouse/executor/sqlstate"
)

// Expected values are PostgreSQL 15's answers to the same statements.
func TestSetReturningSelectList(t *testing.T) {
	_, s := testEngine(t)
	mustRun(t, s, `CREATE TABLE k (id int, keys int2vector, tags text[])`)
	mustRun(t, s, `INSERT INTO k VALUES (1, '3 1', '{a,b,c}'), (2, '2', NULL), (3, '', '{}')`)
	for _, tc := range []struct{ sql, want string }{
		{`SELECT unnest(ARRAY[1,2,3])`, "1|2|3"},
		{`SELECT generate_series(1,3), 'x'`, "1,x|2,x|3,x"},
		{`SELECT generate_series(5,1,-2) AS g ORDER BY g`, "1|3|5"},
		// Several calls zip to the longest, padded with NULL.
		{`SELECT generate_series(1,3) AS a, unnest(ARRAY['p','q']) AS b`, "1,p|2,q|3,NULL"},
		{`SELECT id, unnest(tags) FROM k ORDER BY id, 2`, "1,a|1,b|1,c"},
		{`SELECT id, generate_series(1, id) FROM k WHERE id < 3 ORDER BY 1, 2`, "1,1|2,1|2,2"},
		{`SELECT count(*), generate_series(1,2) FROM k`, "3,1|3,2"},
		{`SELECT (information_schema._pg_expandarray(ARRAY[5,6])).n`, "1|2"},
		{`SELECT (information_schema._pg_expandarray(ARRAY[5,6])).x`, "5|6"},
		{`SELECT information_schema._pg_expandarray(ARRAY['a b','c'])`, `("a b",1)|(c,2)`},
		{`SELECT id, (information_schema._pg_expandarray(keys)).x AS x, (information_schema._pg_expandarray(keys)).n AS n FROM k ORDER BY id, n`, "1,3,1|1,1,2|2,2,1"},
		// A record passes through a subquery and is taken apart above it.
		{`SELECT r.id, (r.e).x FROM (SELECT id, information_schema._pg_expandarray(keys) AS e FROM k) r WHERE (r.e).n = 2`, "1,1"},
		{`SELECT g FROM (SELECT generate_series(1,4) AS g) s WHERE g % 2 = 0`, "2|4"},
		{`SELECT unnest(NULL::int[]) IS NULL`, ""},
	} {
		t.Run(tc.sql, func(t *testing.T) {
			if got := flat(mustRun(t, s, tc.sql)); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
	for _, tc := range []struct {
		sql  string
		code sqlstate.Code
	}{
		{`SELECT 1 WHERE generate_series(1,2) > 1`, sqlstate.FeatureNotSupported},
		{`SELECT (1).x`, sqlstate.WrongObjectType},
		{`SELECT (information_schema._pg_expandarray(ARRAY[1])).nope`, sqlstate.UndefinedColumn},
		{`SELECT generate_series(1,2,0)`, sqlstate.InvalidParameterValue},
	} {
		wantCode(t, s, tc.sql, tc.code)
	}
}

func TestSetReturningColumnNames(t *testing.T) {
	_, s := testEngine(t)
	ctx := context.Background()
	stmts, err := s.Parse(ctx, `SELECT (information_schema._pg_expandarray(ARRAY[1])).n, unnest(ARRAY[1]), generate_series(1,1)`)
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Execute(ctx, stmts[0], nil)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Rows.Close(nil)
	var names []string
	for _, c := range res.Rows.Columns() {
		names = append(names, c.Name+":"+c.Type.String())
	}
	if got := strings.Join(names, ","); got != "n:integer,unnest:integer,generate_series:integer" {
		t.Errorf("columns %s", got)
	}
}
