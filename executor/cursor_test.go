package executor

import (
	"strings"
	"testing"

	"github.com/sharehouse/sharehouse/executor/sqlstate"
)

// Expected values are PostgreSQL 15's answers to the same statements.
func TestCursors(t *testing.T) {
	_, s := testEngine(t)
	mustRun(t, s, `CREATE TABLE c (id int, v text)`)
	mustRun(t, s, `INSERT INTO c SELECT g, 'v' || g FROM generate_series(1, 10) g`)

	step := func(sql, want string) {
		t.Helper()
		rows, tag, err := run(t, s, sql)
		if err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		got := flat(rows)
		if tag != "" && !strings.HasPrefix(tag, "FETCH") && !strings.HasPrefix(tag, "SELECT") {
			got = tag
		}
		if got != want {
			t.Errorf("%s: got %q, want %q", sql, got, want)
		}
	}
	wantErr := func(sql string, code sqlstate.Code) {
		t.Helper()
		if _, _, err := run(t, s, sql); sqlstate.CodeOf(err) != code {
			t.Errorf("%s: %v, want %s", sql, err, code)
		}
	}

	wantErr(`DECLARE k CURSOR FOR SELECT 1`, sqlstate.NoActiveSQLTransaction)
	step(`BEGIN`, "BEGIN")
	step(`DECLARE k CURSOR FOR SELECT id, v FROM c WHERE id > 2 ORDER BY id`, "DECLARE CURSOR")
	step(`FETCH 2 FROM k`, "3,v3|4,v4")
	step(`FETCH NEXT FROM k`, "5,v5")
	step(`MOVE FORWARD 2 IN k`, "MOVE 2")
	step(`FETCH RELATIVE 2 FROM k`, "9,v9")
	step(`SELECT name, is_holdable, is_scrollable, statement FROM pg_cursors`,
		"k,f,f,DECLARE k CURSOR FOR SELECT id, v FROM c WHERE id > 2 ORDER BY id")
	step(`FETCH ALL FROM k`, "10,v10")
	step(`FETCH FORWARD 5 FROM k`, "")
	step(`MOVE ALL IN k`, "MOVE 0")
	wantErr(`FETCH BACKWARD 1 FROM k`, sqlstate.ObjectNotInPrerequisiteState)
	step(`ROLLBACK`, "ROLLBACK")
	wantErr(`FETCH 1 FROM k`, sqlstate.InvalidCursorName)

	// Closed by COMMIT unless WITH HOLD; a rollback drops even a held
	// cursor it declared.
	step(`BEGIN`, "BEGIN")
	step(`DECLARE a CURSOR FOR SELECT id FROM c ORDER BY id`, "DECLARE CURSOR")
	step(`DECLARE h CURSOR WITH HOLD FOR SELECT id FROM c ORDER BY id DESC`, "DECLARE CURSOR")
	wantErr(`DECLARE a CURSOR FOR SELECT 1`, sqlstate.DuplicateCursor)
	step(`ROLLBACK`, "ROLLBACK")
	wantErr(`FETCH 1 FROM h`, sqlstate.InvalidCursorName)
	step(`BEGIN`, "BEGIN")
	step(`DECLARE a CURSOR FOR SELECT id FROM c ORDER BY id`, "DECLARE CURSOR")
	step(`DECLARE h CURSOR WITH HOLD FOR SELECT id FROM c ORDER BY id DESC`, "DECLARE CURSOR")
	step(`FETCH 1 FROM h`, "10")
	step(`COMMIT`, "COMMIT")
	wantErr(`FETCH 1 FROM a`, sqlstate.InvalidCursorName)
	step(`FETCH 2 FROM h`, "9|8")
	step(`FETCH ABSOLUTE 5 FROM h`, "6")
	step(`CLOSE h`, "CLOSE CURSOR")
	wantErr(`CLOSE h`, sqlstate.InvalidCursorName)

	// A multi-statement query is a transaction block of its own.
	step(`DECLARE m CURSOR FOR SELECT id FROM c WHERE id < 4 ORDER BY id; FETCH 2 FROM m`, "1|2")
	wantErr(`FETCH 1 FROM m`, sqlstate.InvalidCursorName)

	step(`DECLARE w CURSOR WITH HOLD FOR SELECT 1`, "DECLARE CURSOR")
	step(`CLOSE ALL`, "CLOSE CURSOR ALL")
	step(`SELECT count(*) FROM pg_cursors`, "0")
	wantErr(`DECLARE b BINARY CURSOR WITH HOLD FOR SELECT 1`, sqlstate.FeatureNotSupported)
}
