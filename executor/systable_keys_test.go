package executor

import (
	"testing"

	"github.com/sharehouse/sharehouse/executor/sqlstate"
)

// Expected values are what PostgreSQL 15 answers for the same tables.
func TestPrimaryKeysInCatalog(t *testing.T) {
	_, s := testEngine(t)
	mustRun(t, s, `CREATE TABLE p (id int PRIMARY KEY, name text)`)
	mustRun(t, s, `CREATE TABLE q (a int, "B c" text, v int, CONSTRAINT q_key PRIMARY KEY ("B c", a))`)
	mustRun(t, s, `CREATE TABLE r (a int)`)
	for _, tc := range []struct{ sql, want string }{
		{`SELECT c.relname, i.indnatts, i.indisprimary, i.indisunique, i.indkey, ci.relname, ci.relkind, am.amname
		  FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_class ci ON ci.oid = i.indexrelid
		  JOIN pg_am am ON am.oid = ci.relam ORDER BY 1`,
			"p,1,t,t,1,p_pkey,i,btree|q,2,t,t,2 1,q_key,i,btree"},
		{`SELECT conname, contype, conkey, pg_get_constraintdef(oid) FROM pg_constraint ORDER BY 1`,
			`p_pkey,p,{1},PRIMARY KEY (id)|q_key,p,{2,1},PRIMARY KEY ("B c", a)`},
		{`SELECT pg_get_indexdef(indexrelid), pg_get_indexdef(indexrelid, 1, true), pg_get_indexdef(indexrelid, 2, false) FROM pg_index ORDER BY 1`,
			`CREATE UNIQUE INDEX p_pkey ON public.p USING btree (id),id,|CREATE UNIQUE INDEX q_key ON public.q USING btree ("B c", a),"B c",a`},
		{`SELECT relname, relhasindex FROM pg_class WHERE relname IN ('p', 'r') ORDER BY 1`, "p,t|r,f"},
		{`SELECT attname, attnotnull FROM pg_attribute WHERE attrelid = 'q'::regclass AND attnum > 0 ORDER BY attnum`, "a,t|B c,t|v,f"},
		// pgjdbc's getPrimaryKeys: one row per (column, key position), kept where they match.
		{`SELECT r.a, r.n FROM (SELECT a.attname AS a, (information_schema._pg_expandarray(i.indkey)).n AS n,
		  information_schema._pg_expandarray(i.indkey) AS keys, a.attnum FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid
		  WHERE i.indrelid = 'q'::regclass) r WHERE r.attnum = (r.keys).x ORDER BY r.n`, "B c,1|a,2"},
	} {
		if got := flat(mustRun(t, s, tc.sql)); got != tc.want {
			t.Errorf("%s:\ngot  %q\nwant %q", tc.sql, got, tc.want)
		}
	}
	// Dropping a key column drops the key.
	mustRun(t, s, `ALTER TABLE q DROP COLUMN a`)
	if got := flat(mustRun(t, s, `SELECT count(*) FROM pg_constraint WHERE conrelid = 'q'::regclass`)); got != "0" {
		t.Errorf("constraints of q after dropping a key column: %s", got)
	}
	wantCode(t, s, `CREATE TABLE bad (a int PRIMARY KEY, b int, PRIMARY KEY (b))`, sqlstate.InvalidTableDefinition)
	wantCode(t, s, `CREATE TABLE bad (a int, PRIMARY KEY (nope))`, sqlstate.UndefinedColumn)
	wantCode(t, s, `SELECT * FROM bad`, sqlstate.UndefinedTable)
}

// reg* values print as names, as PostgreSQL's output functions print them.
func TestRegOutput(t *testing.T) {
	_, s := testEngine(t)
	mustRun(t, s, `CREATE SCHEMA sales`)
	mustRun(t, s, `CREATE TABLE sales.items (id int PRIMARY KEY)`)
	mustRun(t, s, `CREATE TABLE pub (id int)`)
	got := flat(mustRun(t, s, `SELECT 'pg_class'::regclass, 'int4'::regtype, 'pg_catalog.array_in'::regproc,
		'sales.items'::regclass, 'pub'::regclass, 'public'::regnamespace, 0::regclass, 999999::oid::regclass,
		'numeric'::regtype, 'timestamptz'::regtype`))
	if want := "pg_class,integer,array_in,sales.items,pub,public,-,999999,numeric,timestamp with time zone"; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	mustRun(t, s, `SET search_path TO sales, public`)
	if got := flat(mustRun(t, s, `SELECT indexrelid::regclass, indrelid::regclass FROM pg_index`)); got != "items_pkey,items" {
		t.Errorf("with sales on the path: %s", got)
	}
}

// An index has pg_attribute rows of its own, one per key column, as in
// PostgreSQL: psqlODBC's SQLPrimaryKeys reads the key through them.
func TestIndexAttributes(t *testing.T) {
	_, s := testEngine(t)
	mustRun(t, s, `CREATE TABLE q (a int, b text, CONSTRAINT q_key PRIMARY KEY (b, a))`)
	got := flat(mustRun(t, s, `select ta.attname, ia.attnum, ic.relname from pg_catalog.pg_attribute ta, pg_catalog.pg_attribute ia,
		pg_catalog.pg_class tc, pg_catalog.pg_index i, pg_catalog.pg_namespace n, pg_catalog.pg_class ic
		where tc.relname = 'q' AND n.nspname = 'public' AND tc.oid = i.indrelid AND n.oid = tc.relnamespace AND i.indisprimary = 't'
		AND ia.attrelid = i.indexrelid AND ta.attrelid = i.indrelid AND ta.attnum = i.indkey[ia.attnum-1]
		AND (NOT ta.attisdropped) AND (NOT ia.attisdropped) AND ic.oid = i.indexrelid order by ia.attnum`))
	if got != "b,1,q_key|a,2,q_key" {
		t.Errorf("SQLPrimaryKeys' query: %q", got)
	}
}
