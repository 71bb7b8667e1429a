package main

// FOREIGN KEY constraints end to end: psql's \d lists them as PostgreSQL
// 15 prints them (captured from a real server for the same tables), pgx
// sees PostgreSQL's SQLSTATE, message and detail for each kind of
// violation, COPY is checked like INSERT, and a consumer of a shared table
// sees no constraint that names a table it cannot see.

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestForeignKeyDescribe(t *testing.T) {
	s := startServer(t)
	admin := s.admin(t, "postgres")
	for _, sql := range []string{
		`CREATE TABLE p (id int PRIMARY KEY, code text UNIQUE, a int, b int, UNIQUE (a, b))`,
		`CREATE TABLE c (id int, pid int REFERENCES p ON DELETE CASCADE, pcode text REFERENCES p(code) ON UPDATE SET NULL, a int, b int,
			FOREIGN KEY (a, b) REFERENCES p (a, b) MATCH FULL ON DELETE SET DEFAULT)`,
		`CREATE TABLE s (id int PRIMARY KEY, parent int REFERENCES s)`,
	} {
		mustExec(t, admin, sql)
	}
	for _, tc := range []struct{ cmd, want string }{
		{`\d c`, `
                 Table "public.c"
 Column |  Type   | Collation | Nullable | Default 
--------+---------+-----------+----------+---------
 id     | integer |           |          | 
 pid    | integer |           |          | 
 pcode  | text    |           |          | 
 a      | integer |           |          | 
 b      | integer |           |          | 
Foreign-key constraints:
    "c_a_b_fkey" FOREIGN KEY (a, b) REFERENCES p(a, b) MATCH FULL ON DELETE SET DEFAULT
    "c_pcode_fkey" FOREIGN KEY (pcode) REFERENCES p(code) ON UPDATE SET NULL
    "c_pid_fkey" FOREIGN KEY (pid) REFERENCES p(id) ON DELETE CASCADE
`},
		{`\d p`, `
                 Table "public.p"
 Column |  Type   | Collation | Nullable | Default 
--------+---------+-----------+----------+---------
 id     | integer |           | not null | 
 code   | text    |           |          | 
 a      | integer |           |          | 
 b      | integer |           |          | 
Indexes:
    "p_pkey" PRIMARY KEY, btree (id)
    "p_a_b_key" UNIQUE CONSTRAINT, btree (a, b)
    "p_code_key" UNIQUE CONSTRAINT, btree (code)
Referenced by:
    TABLE "c" CONSTRAINT "c_a_b_fkey" FOREIGN KEY (a, b) REFERENCES p(a, b) MATCH FULL ON DELETE SET DEFAULT
    TABLE "c" CONSTRAINT "c_pcode_fkey" FOREIGN KEY (pcode) REFERENCES p(code) ON UPDATE SET NULL
    TABLE "c" CONSTRAINT "c_pid_fkey" FOREIGN KEY (pid) REFERENCES p(id) ON DELETE CASCADE
`},
		{`\d s`, `
                 Table "public.s"
 Column |  Type   | Collation | Nullable | Default 
--------+---------+-----------+----------+---------
 id     | integer |           | not null | 
 parent | integer |           |          | 
Indexes:
    "s_pkey" PRIMARY KEY, btree (id)
Foreign-key constraints:
    "s_parent_fkey" FOREIGN KEY (parent) REFERENCES s(id)
Referenced by:
    TABLE "s" CONSTRAINT "s_parent_fkey" FOREIGN KEY (parent) REFERENCES s(id)
`},
	} {
		got := s.mustPsql(t, "admin", adminPassword, "postgres", "", "-P", "format=aligned", "-P", "tuples_only=off", "-c", tc.cmd)
		if want := strings.TrimPrefix(tc.want, "\n") + "\n"; got != want {
			t.Errorf("psql %s:\ngot:\n%s\nwant:\n%s", tc.cmd, got, want)
		}
	}
}

// wantFKError checks a 23503 error's message and detail.
func wantFKError(t *testing.T, err error, message, detail string) {
	t.Helper()
	e := wantCode(t, err, "23503")
	if e.Message != message || e.Detail != detail {
		t.Errorf("got %q / %q, want %q / %q", e.Message, e.Detail, message, detail)
	}
}

func TestForeignKeyEnforced(t *testing.T) {
	s := startServer(t)
	conn := s.admin(t, "postgres")
	ctx := context.Background()
	mustExec(t, conn, `CREATE TABLE p (id int PRIMARY KEY, name text)`)
	mustExec(t, conn, `CREATE TABLE c (id int, pid int REFERENCES p ON DELETE CASCADE)`)
	mustExec(t, conn, `CREATE TABLE r (pid int REFERENCES p)`)
	mustExec(t, conn, `INSERT INTO p SELECT g, 'p' || g FROM generate_series(1, 1000) g`)

	wantFKError(t, execErr(conn, `INSERT INTO c VALUES (1, 7000)`),
		`insert or update on table "c" violates foreign key constraint "c_pid_fkey"`, `Key (pid)=(7000) is not present in table "p".`)
	// COPY is checked like INSERT; the server keeps serving.
	_, err := conn.CopyFrom(ctx, pgx.Identifier{"c"}, []string{"id", "pid"}, pgx.CopyFromRows([][]any{{int32(1), int32(5)}, {int32(2), int32(1001)}}))
	wantFKError(t, err, `insert or update on table "c" violates foreign key constraint "c_pid_fkey"`, `Key (pid)=(1001) is not present in table "p".`)
	n, err := conn.CopyFrom(ctx, pgx.Identifier{"c"}, []string{"id", "pid"}, pgx.CopyFromRows([][]any{{int32(1), int32(5)}, {int32(2), nil}, {int32(3), int32(6)}}))
	if err != nil || n != 3 {
		t.Fatalf("COPY of valid rows: %d, %v", n, err)
	}
	mustExec(t, conn, `INSERT INTO r VALUES (6)`)
	wantFKError(t, execErr(conn, `DELETE FROM p WHERE id = 6`),
		`update or delete on table "p" violates foreign key constraint "r_pid_fkey" on table "r"`, `Key (id)=(6) is still referenced from table "r".`)
	mustExec(t, conn, `DELETE FROM p WHERE id = 5`) // cascades to c
	if got := queryInt64(t, conn, `SELECT count(*) FROM c`); got != 2 {
		t.Errorf("rows of c after the cascade: %d, want 2", got)
	}
	e := wantCode(t, execErr(conn, `TRUNCATE p`), "0A000")
	if e.Message != "cannot truncate a table referenced in a foreign key constraint" || e.Hint != `Truncate table "c" at the same time, or use TRUNCATE ... CASCADE.` {
		t.Errorf("TRUNCATE: %q / %q", e.Message, e.Hint)
	}
	e = wantCode(t, execErr(conn, `DROP TABLE p`), "2BP01")
	if e.Message != "cannot drop table p because other objects depend on it" || e.Detail != "constraint c_pid_fkey on table c depends on table p\nconstraint r_pid_fkey on table r depends on table p" {
		t.Errorf("DROP TABLE: %q / %q", e.Message, e.Detail)
	}
	// In a transaction block, a violation fails the block as in PostgreSQL.
	mustExec(t, conn, `BEGIN`)
	mustExec(t, conn, `INSERT INTO p VALUES (2000, 'new')`)
	mustExec(t, conn, `INSERT INTO c VALUES (9, 2000)`)
	wantCode(t, execErr(conn, `INSERT INTO c VALUES (9, 2001)`), "23503")
	mustExec(t, conn, `ROLLBACK`)
	if got := queryInt64(t, conn, `SELECT count(*) FROM c WHERE pid = 2000`); got != 0 {
		t.Errorf("rolled back rows: %d", got)
	}
	// A deferred constraint is checked at COMMIT, whose error ends the block.
	mustExec(t, conn, `CREATE TABLE d (pid int REFERENCES p DEFERRABLE INITIALLY DEFERRED)`)
	mustExec(t, conn, `BEGIN`)
	mustExec(t, conn, `INSERT INTO d VALUES (3000)`)
	mustExec(t, conn, `INSERT INTO d VALUES (3001)`)
	mustExec(t, conn, `INSERT INTO p VALUES (3000, 'late parent')`)
	wantFKError(t, execErr(conn, `COMMIT`), `insert or update on table "d" violates foreign key constraint "d_pid_fkey"`, `Key (pid)=(3001) is not present in table "p".`)
	if got := queryInt64(t, conn, `SELECT count(*) FROM p WHERE id = 3000`); got != 0 {
		t.Errorf("rows of the failed COMMIT: %d", got)
	}
	e = wantCode(t, execErr(conn, `ALTER TABLE p DROP COLUMN id`), "2BP01")
	if e.Message != "cannot drop column id of table p because other objects depend on it" {
		t.Errorf("DROP COLUMN: %q", e.Message)
	}
}

// TestForeignKeyShared: the provider's foreign keys appear to a consumer
// only when the consumer can see both tables.
func TestForeignKeyShared(t *testing.T) {
	s := startServer(t)
	s.mustCreateTenant(t, "prov")
	prov := s.tenant(t, "prov", "postgres")
	for _, sql := range []string{
		`CREATE TABLE customers (id int PRIMARY KEY, name text)`,
		`CREATE TABLE orders (id int PRIMARY KEY, customer int REFERENCES customers)`,
		`CREATE TABLE lines (order_id int REFERENCES orders, qty int)`,
		`INSERT INTO customers VALUES (1, 'acme')`,
		`INSERT INTO orders VALUES (10, 1)`,
		`INSERT INTO lines VALUES (10, 3)`,
	} {
		mustExec(t, prov, sql)
	}
	cred := shareWithRecipient(t, prov, "fk_share", "partner", "postgres.public.orders", "postgres.public.lines")
	rc := recipientConnect(t, cred, "fk_share")
	got := flatRows(mustQueryRows(t, rc, `SELECT conname, conrelid::regclass, confrelid::regclass FROM pg_constraint WHERE contype = 'f' ORDER BY conname`))
	if got != "lines_order_id_fkey,lines,orders" {
		t.Errorf("consumer's foreign keys: %q", got)
	}
	got = flatRows(mustQueryRows(t, rc, `SELECT count(*) FROM information_schema.referential_constraints`))
	if got != "1" {
		t.Errorf("consumer's referential_constraints: %q", got)
	}
}
