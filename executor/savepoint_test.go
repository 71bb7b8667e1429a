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
	r := session(t, e, "r", "sh", scram.StoredKey)
	mustRun(t, r, `BEGIN`)
	mustRun(t, r, `SAVEPOINT s1`)
	wantCode(t, r, `INSERT INTO public.t VALUES (2)`, sqlstate.ReadOnlySQLTransaction)
	mustRun(t, r, `ROLLBACK TO s1`)
	if got := flat(mustRun(t, r, `SELECT count(*) FROM public.t`)); got != "1" {
		t.Errorf("after ROLLBACK TO: %s", got)
	}
	mustRun(t, r, `COMMIT`)
}
