package executor

import "testing"

// A FROM list joined through the WHERE clause gives what the filtered cross
// product gives (the expected values are PostgreSQL 15's).
func TestFromListJoins(t *testing.T) {
	_, s := testEngine(t)
	mustRun(t, s, `CREATE TABLE a (id int, x int)`)
	mustRun(t, s, `CREATE TABLE b (id int, a_id int, y text)`)
	mustRun(t, s, `CREATE TABLE c (b_id int, z int)`)
	mustRun(t, s, `INSERT INTO a VALUES (1, 10), (2, 20), (3, NULL)`)
	mustRun(t, s, `INSERT INTO b VALUES (1, 1, 'p'), (2, 1, 'q'), (3, 2, 'r'), (4, NULL, 's')`)
	mustRun(t, s, `INSERT INTO c VALUES (1, 100), (3, 300), (3, 301)`)
	for _, tc := range []struct{ sql, want string }{
		{`SELECT a.id, b.y FROM a, b WHERE a.id = b.a_id ORDER BY 1, 2`, "1,p|1,q|2,r"},
		// c joins b, not a: the join order follows the keys, the columns keep theirs.
		{`SELECT * FROM a, c, b WHERE b.id = c.b_id AND a.id = b.a_id ORDER BY z`, "1,10,1,100,1,1,p|2,20,3,300,3,2,r|2,20,3,301,3,2,r"},
		{`SELECT a.id, b.id FROM a, b WHERE a.x > 15 AND b.y <> 's' ORDER BY 1, 2`, "2,1|2,2|2,3"},
		{`SELECT count(*) FROM a, b, c WHERE a.id + 0 = b.a_id AND b.id = c.b_id AND c.z > 100`, "2"},
		{`SELECT count(*) FROM a, b WHERE a.id = b.a_id OR b.a_id IS NULL`, "6"},
		{`SELECT a.id FROM a, generate_series(1, 3) g(n) WHERE a.id = g.n AND a.x IS NULL`, "3"},
		{`SELECT count(*) FROM a, b WHERE a.x = (SELECT max(z) / 30 FROM c) AND b.a_id = a.id`, "2"},
	} {
		if got := flat(mustRun(t, s, tc.sql)); got != tc.want {
			t.Errorf("%s:\ngot  %q\nwant %q", tc.sql, got, tc.want)
		}
	}
	// pgjdbc's getImportedKeys: nine catalog relations and a series joined by commas.
	mustRun(t, s, `CREATE TABLE k (id int PRIMARY KEY)`)
	got := flat(mustRun(t, s, `SELECT pkc.relname, fkc.relname, pos.n FROM pg_catalog.pg_namespace pkn, pg_catalog.pg_class pkc,
		pg_catalog.pg_attribute pka, pg_catalog.pg_namespace fkn, pg_catalog.pg_class fkc, pg_catalog.pg_attribute fka,
		pg_catalog.pg_constraint con, pg_catalog.generate_series(1, 32) pos(n), pg_catalog.pg_class pkic
		WHERE pkn.oid = pkc.relnamespace AND pkc.oid = pka.attrelid AND pka.attnum = con.confkey[pos.n] AND con.confrelid = pkc.oid
		AND fkn.oid = fkc.relnamespace AND fkc.oid = fka.attrelid AND fka.attnum = con.conkey[pos.n] AND con.conrelid = fkc.oid
		AND con.contype = 'f' AND (pkic.relkind = 'i' OR pkic.relkind = 'I') AND pkic.oid = con.conindid
		AND fkn.nspname = 'public' AND fkc.relname = 'k' ORDER BY pkn.nspname, pkc.relname, con.conname, pos.n`))
	if got != "" {
		t.Errorf("getImportedKeys of a table without foreign keys: %q", got)
	}
}
