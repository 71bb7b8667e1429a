package executor

import (
	"context"
	"strings"
	"testing"

	"github.com/sharehouse/sharehouse/executor/sqlstate"
)

// Expected values are PostgreSQL 15's answers to the same statements.
func TestSerial(t *testing.T) {
	_, s := testEngine(t)
	mustRun(t, s, `CREATE TABLE items (id serial PRIMARY KEY, big bigserial, name text)`)
	for _, tc := range []struct{ sql, want string }{
		{`INSERT INTO items (name) VALUES ('a'), ('b') RETURNING id, big`, "1,1|2,2"},
		{`INSERT INTO items (name) SELECT 'c' || g FROM generate_series(1, 3) g RETURNING id`, "3|4|5"},
		{`INSERT INTO items VALUES (DEFAULT, 100, 'd') RETURNING id, big`, "6,100"},
		{`INSERT INTO items (id, name) VALUES (50, 'e') RETURNING id, big`, "50,6"},
		{`INSERT INTO items DEFAULT VALUES RETURNING id`, "7"},
		{`SELECT column_default, is_nullable FROM information_schema.columns WHERE table_name = 'items' ORDER BY ordinal_position`,
			"nextval('items_id_seq'::regclass),NO|nextval('items_big_seq'::regclass),NO|NULL,YES"},
		{`SELECT pg_get_expr(adbin, adrelid) FROM pg_attrdef WHERE adrelid = 'items'::regclass ORDER BY adnum`,
			"nextval('items_id_seq'::regclass)|nextval('items_big_seq'::regclass)"},
		{`SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'items'::regclass AND attnum > 0 ORDER BY attnum`,
			"integer|bigint|text"},
		{`UPDATE items SET id = DEFAULT WHERE id = 50 RETURNING id`, "8"},
		{`SELECT pg_get_serial_sequence('items', 'id'), pg_get_serial_sequence('public.items', 'name')`, "public.items_id_seq,NULL"},
		{`SELECT c.relname, c.relkind, s.seqtypid::regtype::text, s.seqmax, pg_get_serial_sequence('items', 'big')::regclass = c.oid
			FROM pg_class c JOIN pg_sequence s ON s.seqrelid = c.oid ORDER BY 1`,
			"items_big_seq,S,bigint,9223372036854775807,t|items_id_seq,S,integer,2147483647,f"},
		{`SELECT 'items_id_seq'::regclass::text, pg_table_is_visible('items_id_seq'::regclass)`, "items_id_seq,t"},
	} {
		if got := flat(mustRun(t, s, tc.sql)); got != tc.want {
			t.Errorf("%s\n got %s\nwant %s", tc.sql, got, tc.want)
		}
	}

	// A rolled-back insert does not give its number back (nextval is never
	// rolled back); COPY numbers its rows.
	mustRun(t, s, `BEGIN`)
	mustRun(t, s, `INSERT INTO items (name) VALUES ('gone')`)
	mustRun(t, s, `ROLLBACK`)
	st, err := s.Parse(context.Background(), `COPY items (name) FROM STDIN`)
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Execute(context.Background(), st[0], nil)
	if err != nil || res.CopyIn == nil {
		t.Fatalf("COPY: %v", err)
	}
	if _, err := res.CopyIn.Run(context.Background(), strings.NewReader("x\ny\n")); err != nil {
		t.Fatal(err)
	}
	if got := flat(mustRun(t, s, `SELECT id, name FROM items WHERE id > 8 ORDER BY id`)); got != "10,x|11,y" {
		t.Errorf("after rollback and COPY: %s", got)
	}

	// ADD COLUMN numbers the rows already there.
	mustRun(t, s, `CREATE TABLE late (v text)`)
	mustRun(t, s, `INSERT INTO late VALUES ('p'), ('q')`)
	mustRun(t, s, `ALTER TABLE late ADD COLUMN n smallserial`)
	if got := flat(mustRun(t, s, `SELECT v, n FROM late ORDER BY n`)); got != "p,1|q,2" {
		t.Errorf("ADD COLUMN smallserial: %s", got)
	}

	if _, _, err := run(t, s, `CREATE TABLE bad (id serial DEFAULT 1)`); sqlstate.CodeOf(err) != sqlstate.SyntaxError {
		t.Errorf("serial with DEFAULT: %v", err)
	}
	if _, _, err := run(t, s, `SELECT pg_get_serial_sequence('nope', 'id')`); sqlstate.CodeOf(err) != sqlstate.UndefinedTable {
		t.Errorf("pg_get_serial_sequence of a missing table: %v", err)
	}
	if _, _, err := run(t, s, `INSERT INTO items (id) VALUES (NULL)`); sqlstate.CodeOf(err) != sqlstate.NotNullViolation {
		t.Errorf("NULL into serial: %v", err)
	}
}

// Expected values are PostgreSQL 15's answers to the same statements.
func TestSerialSequenceFunctions(t *testing.T) {
	_, s := testEngine(t)
	mustRun(t, s, `CREATE TABLE t (id serial, v text)`)
	mustRun(t, s, `CREATE TABLE plain (x int)`)
	wantCode := func(sql string, code sqlstate.Code) {
		t.Helper()
		if _, _, err := run(t, s, sql); sqlstate.CodeOf(err) != code {
			t.Errorf("%s: %v, want %s", sql, err, code)
		}
	}
	wantCode(`SELECT currval('t_id_seq')`, sqlstate.ObjectNotInPrerequisiteState)
	wantCode(`SELECT lastval()`, sqlstate.ObjectNotInPrerequisiteState)
	for _, tc := range []struct{ sql, want string }{
		{`SELECT nextval('t_id_seq'), nextval('t_id_seq')`, "1,2"},
		{`SELECT nextval(pg_get_serial_sequence('t', 'id')) FROM generate_series(1, 3)`, "3|4|5"},
		{`SELECT currval('t_id_seq'), lastval()`, "5,5"},
		{`INSERT INTO t (v) VALUES ('a'), ('b')`, ""},
		{`SELECT currval('t_id_seq'), lastval()`, "7,7"},
		{`INSERT INTO t (id, v) VALUES (100, 'explicit') RETURNING id`, "100"},
		// The idiom after loading explicit ids.
		{`SELECT setval('t_id_seq', (SELECT max(id) FROM t))`, "100"},
		{`INSERT INTO t (v) VALUES ('next') RETURNING id`, "101"},
		{`SELECT setval('public.t_id_seq', 9, false), nextval('t_id_seq')`, "9,9"},
	} {
		if got := flat(mustRun(t, s, tc.sql)); got != tc.want {
			t.Errorf("%s\n got %s\nwant %s", tc.sql, got, tc.want)
		}
	}
	// Outside the transaction: a rolled-back block keeps its numbers used.
	mustRun(t, s, `BEGIN`)
	mustRun(t, s, `SELECT nextval('t_id_seq')`)
	mustRun(t, s, `ROLLBACK`)
	if got := flat(mustRun(t, s, `SELECT nextval('t_id_seq')`)); got != "11" {
		t.Errorf("nextval after a rolled back nextval: %s", got)
	}
	wantCode(`SELECT setval('t_id_seq', 0)`, sqlstate.NumericValueOutOfRange)
	wantCode(`SELECT nextval('plain')`, sqlstate.WrongObjectType)
	wantCode(`SELECT nextval('nope_seq')`, sqlstate.UndefinedTable)
}
