package executor

import "testing"

// Expected values are PostgreSQL 15's answers to the same statements.
func TestGenerateSubscripts(t *testing.T) {
	_, s := testEngine(t)
	mustRun(t, s, `CREATE TABLE k (id int, keys int2vector, tags text[])`)
	mustRun(t, s, `INSERT INTO k VALUES (1, '3 1', '{a,b,c}'), (2, '2', NULL), (3, '', '{}')`)
	for _, tc := range []struct{ sql, want string }{
		{`SELECT generate_subscripts(ARRAY['x','y','z'], 1)`, "1|2|3"},
		{`SELECT generate_subscripts(ARRAY['x','y','z'], 1, true)`, "3|2|1"},
		{`SELECT generate_subscripts(ARRAY[1,2], 2)`, ""},
		// int2vector subscripts start at 0.
		{`SELECT id, unnest(keys) AS attnum, generate_subscripts(keys, 1) AS ord FROM k ORDER BY id, ord`, "1,3,0|1,1,1|2,2,0"},
		{`SELECT id, tags[s] FROM (SELECT id, tags, generate_subscripts(tags, 1) AS s FROM k) q ORDER BY id, s`, "1,a|1,b|1,c"},
		// SQLAlchemy's primary-key reflection, on a table without one.
		{`SELECT a.attname FROM pg_attribute a JOIN (SELECT unnest(ix.indkey) attnum, generate_subscripts(ix.indkey, 1) ord
			FROM pg_index ix WHERE ix.indrelid = 'k'::regclass AND ix.indisprimary) k ON a.attnum = k.attnum
			WHERE a.attrelid = 'k'::regclass ORDER BY k.ord`, ""},
	} {
		t.Run(tc.sql, func(t *testing.T) {
			if got := flat(mustRun(t, s, tc.sql)); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}
