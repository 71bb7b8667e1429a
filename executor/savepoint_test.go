package executor

import (
	"context"
	"strings"
	"testing"

	"github.com/sharehouse/sharehouse/executor/sqlstate"
)

func TestSavepoints(t *testing.T) {
	_, s := testEngine(t)
	mustRun(t, s, `CREATE TABLE t (a int)`)
	wantCode(t, s, `SAVEPOINT x`, sqlstate.NoActiveSQLTransaction)

	// psqlODBC's statement-level rollback: a savepoint around each statement.
	mustRun(t, s, `BEGIN`)
	mustRun(t, s, `SAVEPOINT s1`)
	mustRun(t, s, `INSERT INTO t VALUES (1)`)
	mustRun(t, s, `RELEASE s1`)
	mustRun(t, s, `SAVEPOINT s2`)
	wantCode(t, s, `SELECT 1/0`, sqlstate.DivisionByZero)
	wantCode(t, s, `SELECT 1`, sqlstate.InFailedSQLTransaction)
	wantCode(t, s, `RELEASE s2`, sqlstate.InFailedSQLTransaction)
	mustRun(t, s, `ROLLBACK TO SAVEPOINT s2`)
	if got := flat(mustRun(t, s, `SELECT count(*) FROM t`)); got != "1" {
		t.Errorf("after ROLLBACK TO: %s rows", got)
	}
	mustRun(t, s, `ROLLBACK TO s2`) // the savepoint stays after ROLLBACK TO
	mustRun(t, s, `RELEASE SAVEPOINT s2`)
	wantCode(t, s, `ROLLBACK TO s2`, sqlstate.InvalidSavepointSpec)
	mustRun(t, s, `ROLLBACK`)

	// Undoing a write is refused, never silently kept.
	mustRun(t, s, `BEGIN`)
	mustRun(t, s, `SAVEPOINT a`)
	mustRun(t, s, `INSERT INTO t VALUES (2)`)
	wantCode(t, s, `ROLLBACK TO a`, sqlstate.FeatureNotSupported)
	mustRun(t, s, `ROLLBACK`)
	mustRun(t, s, `BEGIN`)
	mustRun(t, s, `INSERT INTO t VALUES (3)`)
	mustRun(t, s, `SAVEPOINT b`)
	mustRun(t, s, `SELECT count(*) FROM t`)
	mustRun(t, s, `ROLLBACK TO b`)
	mustRun(t, s, `COMMIT`)
	if got := flat(mustRun(t, s, `SELECT a FROM t ORDER BY a`)); got != "3" { // the first block was rolled back
		t.Errorf("committed rows: %s", got)
	}
}

// TestSavepointAfterFailedWrite: a write that fails before it changes the
// transaction (a unique violation found before publishing, Django's
// get_or_create) rolls back to a savepoint, and the block commits the rest;
// a write that failed after changing it still cannot be partly undone.
func TestSavepointAfterFailedWrite(t *testing.T) {
	_, s := testEngine(t)
	mustRun(t, s, `CREATE TABLE u (id int PRIMARY KEY, name text)`)
	mustRun(t, s, `CREATE TABLE c (id int, uid int REFERENCES u)`)
	mustRun(t, s, `INSERT INTO u VALUES (1, 'a')`)
	mustRun(t, s, `BEGIN`)
	mustRun(t, s, `INSERT INTO u VALUES (2, 'b')`)
	mustRun(t, s, `SAVEPOINT get_or_create`)
	wantCode(t, s, `INSERT INTO u VALUES (1, 'dup')`, sqlstate.UniqueViolation)
	mustRun(t, s, `ROLLBACK TO SAVEPOINT get_or_create`)
	if got := flat(mustRun(t, s, `SELECT name FROM u WHERE id = 1`)); got != "a" {
		t.Errorf("after ROLLBACK TO: %s", got)
	}
	mustRun(t, s, `SAVEPOINT copy_dup`)
	wantCode(t, s, `INSERT INTO u SELECT 3, 'c' UNION ALL SELECT 3, 'd'`, sqlstate.UniqueViolation)
	mustRun(t, s, `ROLLBACK TO copy_dup`)
	mustRun(t, s, `INSERT INTO u VALUES (3, 'c')`)
	// A foreign key to another table is checked before the rows go in;
	// one to the table itself once they are: after that failure there
	// would be something to undo.
	mustRun(t, s, `SAVEPOINT fk`)
	wantCode(t, s, `INSERT INTO c VALUES (1, 99)`, sqlstate.ForeignKeyViolation)
	mustRun(t, s, `ROLLBACK TO fk`)
	mustRun(t, s, `CREATE TABLE tree (id int PRIMARY KEY, parent int REFERENCES tree)`)
	mustRun(t, s, `SAVEPOINT self`)
	wantCode(t, s, `INSERT INTO tree VALUES (1, 99)`, sqlstate.ForeignKeyViolation)
	wantCode(t, s, `ROLLBACK TO self`, sqlstate.FeatureNotSupported)
	mustRun(t, s, `ROLLBACK`)

	mustRun(t, s, `BEGIN`)
	mustRun(t, s, `INSERT INTO u VALUES (2, 'b')`)
	mustRun(t, s, `SAVEPOINT x`)
	wantCode(t, s, `INSERT INTO u VALUES (2, 'again')`, sqlstate.UniqueViolation)
	mustRun(t, s, `ROLLBACK TO x`)
	mustRun(t, s, `INSERT INTO u VALUES (3, 'c')`)
	mustRun(t, s, `COMMIT`)
	if got := flat(mustRun(t, s, `SELECT id, name FROM u ORDER BY id`)); got != "1,a|2,b|3,c" {
		t.Errorf("committed: %s", got)
	}
}

// A token recipient writes nothing, so its refused writes roll back to a
// savepoint: psqlODBC in manual-commit mode wraps each statement in one.
func TestRecipientSavepoints(t *testing.T) {
	e, admin := testEngine(t)
	ctx := context.Background()
	mustRun(t, admin, `CREATE TENANT prov PASSWORD 'p'`)
	prov := session(t, e, "prov", "postgres", nil)
	mustRun(t, prov, `CREATE TABLE t (a int)`)
	mustRun(t, prov, `INSERT INTO t VALUES (1)`)
	mustRun(t, prov, `CREATE SHARE sh`)
	mustRun(t, prov, `ALTER SHARE sh ADD TABLE postgres.public.t`)
	rows := mustRun(t, prov, `CREATE RECIPIENT r`)
	mustRun(t, prov, `GRANT SELECT ON SHARE sh TO RECIPIENT r`)
	cred, err := e.cat.Activate(ctx, rows[0][2][strings.LastIndex(rows[0][2], "/")+1:])
	if err != nil {
		t.Fatal(err)
	}
	scram, err := e.LookupSCRAM(ctx, cred.User)
	if err != nil {
		t.Fatal(err)
	}
	r := session(t, e, cred.User, "sh", scram.StoredKey)
	mustRun(t, r, `BEGIN`)
	mustRun(t, r, `SAVEPOINT s1`)
	wantCode(t, r, `INSERT INTO public.t VALUES (2)`, sqlstate.ReadOnlySQLTransaction)
	mustRun(t, r, `ROLLBACK TO s1`)
	if got := flat(mustRun(t, r, `SELECT count(*) FROM public.t`)); got != "1" {
		t.Errorf("after ROLLBACK TO: %s", got)
	}
	mustRun(t, r, `COMMIT`)
}
