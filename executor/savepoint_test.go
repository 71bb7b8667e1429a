package executor

import (
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
