package executor

import "testing"

// BenchmarkJSONQueries runs the json operators, a lateral json function
// and a jsonb grouping over 200,000 documents:
//
//	go test -run '^$' -bench JSONQueries -benchtime 5x ./executor
func BenchmarkJSONQueries(b *testing.B) {
	t := &testing.T{} // the engine helpers' t, as BenchmarkQueries has it
	_, s := testEngine(t)
	query := func(sql string) string {
		rows, _, err := run(t, s, sql)
		if err != nil {
			b.Fatalf("%s: %v", sql, err)
		}
		return flat(rows)
	}
	query(`CREATE TABLE ev (id int, doc jsonb)`)
	query(`INSERT INTO ev SELECT g, jsonb_build_object('a', g, 'kind', 'click', 'tags', jsonb_build_array('x', 'y'), 'user', jsonb_build_object('id', g % 100, 'name', 'n' || g)) FROM generate_series(1, 200000) g`)
	for _, q := range []struct{ name, sql, want string }{
		{"field", `SELECT sum((doc->>'a')::int) FROM ev`, "20000100000"},
		{"contains", `SELECT count(*) FROM ev WHERE doc @> '{"kind":"click"}'`, "200000"},
		{"exists", `SELECT count(*) FROM ev WHERE doc ? 'tags'`, "200000"},
		{"path", `SELECT count(*) FROM ev WHERE doc #>> '{user,id}' = '5'`, "2000"},
		{"group", `SELECT count(*) FROM (SELECT doc->'user'->'id' FROM ev GROUP BY 1) s`, "100"},
		{"lateral", `SELECT count(*) FROM ev, jsonb_array_elements(ev.doc->'tags')`, "400000"},
		{"jsonpath", `SELECT count(*) FROM ev WHERE doc @? '$.user ? (@.id == 5)'`, "2000"},
	} {
		b.Run(q.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if got := query(q.sql); got != q.want {
					b.Fatalf("%s: %s, want %s", q.sql, got, q.want)
				}
			}
		})
	}
}
