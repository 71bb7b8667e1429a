package executor

import (
	"testing"

	"github.com/sharehouse/sharehouse/executor/sqlstate"
)

// Sequences are never shared: a consumer cannot name the provider's
// sequences (42P01, by name or by OID), and a mounted database refuses
// CREATE SEQUENCE (25006).
func TestSequencesNotShared(t *testing.T) {
	e, admin := testEngine(t)
	mustRun(t, admin, `CREATE TENANT provider_co PASSWORD 'p'`)
	mustRun(t, admin, `CREATE TENANT globex PASSWORD 'g'`)
	prov := session(t, e, "provider_co", "postgres", nil)
	mustRun(t, prov, `CREATE TABLE orders (id serial, amount int)`)
	mustRun(t, prov, `INSERT INTO orders (amount) VALUES (10), (20)`)
	mustRun(t, prov, `CREATE SEQUENCE private_seq`)
	oid := flat(mustRun(t, prov, `SELECT 'orders_id_seq'::regclass::oid`))
	mustRun(t, prov, `CREATE SHARE fin`)
	mustRun(t, prov, `ALTER SHARE fin ADD TABLE postgres.public.orders`)
	mustRun(t, prov, `CREATE RECIPIENT globex_r USING ID 'globex'`)
	mustRun(t, prov, `GRANT SELECT ON SHARE fin TO RECIPIENT globex_r`)

	g := session(t, e, "globex", "postgres", nil)
	mustRun(t, g, `CREATE DATABASE fin FROM SHARE provider_co.fin`)
	gf := session(t, e, "globex", "fin", nil)
	wantRows(t, gf, `SELECT id, amount FROM public.orders ORDER BY id`, "1,10|2,20")
	wantCode(t, gf, `SELECT nextval('orders_id_seq')`, sqlstate.UndefinedTable)
	wantCode(t, gf, `SELECT nextval('public.private_seq')`, sqlstate.UndefinedTable)
	wantCode(t, g, `SELECT nextval('fin.public.orders_id_seq')`, sqlstate.FeatureNotSupported) // as PostgreSQL: no cross-database names
	wantCode(t, g, `SELECT nextval(`+oid+`)`, sqlstate.UndefinedTable)
	wantCode(t, gf, `SELECT currval(`+oid+`::oid)`, sqlstate.UndefinedTable)
	wantRows(t, gf, `SELECT count(*) FROM pg_class WHERE relkind = 'S'`, "0")
	wantRows(t, gf, `SELECT count(*) FROM pg_sequences`, "0")
	wantCode(t, gf, `CREATE SEQUENCE public.s`, sqlstate.ReadOnlySQLTransaction)
	wantCode(t, g, `CREATE SEQUENCE fin.public.s`, sqlstate.ReadOnlySQLTransaction)
	wantCode(t, gf, `DROP SEQUENCE public.orders_id_seq`, sqlstate.UndefinedTable)
	wantCode(t, gf, `ALTER SEQUENCE public.orders_id_seq RESTART`, sqlstate.ReadOnlySQLTransaction)
	// The consumer's own sequences are its own.
	mustRun(t, g, `CREATE SEQUENCE orders_id_seq START 500`)
	wantRows(t, g, `SELECT nextval('orders_id_seq')`, "500")
	wantRows(t, prov, `SELECT nextval('orders_id_seq')`, "3")
}

// Two sessions drawing from one sequence never get the same value, also
// when one of them holds a write transaction open.
func TestSequenceConcurrentSessions(t *testing.T) {
	e, a := testEngine(t)
	b := session(t, e, "admin", "postgres", nil)
	mustRun(t, a, `CREATE SEQUENCE s`)
	mustRun(t, a, `CREATE TABLE w (x int)`)
	seen := map[string]bool{}
	take := func(s *Session) {
		t.Helper()
		v := flat(mustRun(t, s, `SELECT nextval('s')`))
		if seen[v] {
			t.Fatalf("value %s handed out twice", v)
		}
		seen[v] = true
	}
	for i := 0; i < 40; i++ {
		take(a)
		take(b)
	}
	// a holds the writer: its reservations are its own until it commits.
	mustRun(t, a, `BEGIN`)
	mustRun(t, a, `INSERT INTO w VALUES (1)`)
	for i := 0; i < 40; i++ {
		take(a)
	}
	mustRun(t, a, `COMMIT`)
	for i := 0; i < 40; i++ {
		take(b)
		take(a)
	}
	if len(seen) != 200 {
		t.Fatalf("%d distinct values", len(seen))
	}
}
