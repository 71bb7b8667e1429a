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

// TestScrollCursors: a SCROLL cursor moves both ways with PostgreSQL's
// positions: before the first row, on a row, after the last. The expected
// rows and tags are what PostgreSQL 15 gave for the same statements.
func TestScrollCursors(t *testing.T) {
	_, s := testEngine(t)
	mustRun(t, s, `CREATE TABLE n (v int)`)
	mustRun(t, s, `INSERT INTO n SELECT g FROM generate_series(1, 10) g`)
	mustRun(t, s, `BEGIN`)
	mustRun(t, s, `DECLARE c SCROLL CURSOR FOR SELECT v FROM n ORDER BY v`)
	for _, st := range []struct{ sql, want string }{
		{`FETCH 3 FROM c`, "1|2|3"},
		{`FETCH PRIOR FROM c`, "2"},
		{`FETCH BACKWARD 5 FROM c`, "1"}, // runs off the start: before row 1
		{`FETCH NEXT FROM c`, "1"},
		{`FETCH ABSOLUTE 7 FROM c`, "7"},
		{`FETCH RELATIVE -2 FROM c`, "5"},
		{`FETCH RELATIVE 0 FROM c`, "5"},
		{`FETCH FORWARD 0 FROM c`, "5"},
		{`FETCH LAST FROM c`, "10"},
		{`FETCH NEXT FROM c`, ""}, // after the last row
		{`FETCH PRIOR FROM c`, "10"},
		{`FETCH ABSOLUTE -3 FROM c`, "8"},
		{`FETCH FIRST FROM c`, "1"},
		{`FETCH ABSOLUTE 11 FROM c`, ""},
		{`FETCH BACKWARD ALL FROM c`, "10|9|8|7|6|5|4|3|2|1"},
		{`FETCH ALL FROM c`, "1|2|3|4|5|6|7|8|9|10"},
		{`FETCH ABSOLUTE 0 FROM c`, ""},
		{`FETCH NEXT FROM c`, "1"},
	} {
		if got := flat(mustRun(t, s, st.sql)); got != st.want {
			t.Fatalf("%s: got %q, want %q", st.sql, got, st.want)
		}
	}
	for _, st := range []struct{ sql, tag string }{
		{`MOVE ABSOLUTE 4 IN c`, "MOVE 1"},
		{`MOVE BACKWARD 2 IN c`, "MOVE 2"},
		{`MOVE FORWARD ALL IN c`, "MOVE 8"},
		{`MOVE BACKWARD ALL IN c`, "MOVE 10"},
	} {
		if _, tag, err := run(t, s, st.sql); err != nil || tag != st.tag {
			t.Fatalf("%s: %q, %v; want %q", st.sql, tag, err, st.tag)
		}
	}
	if got := flat(mustRun(t, s, `FETCH 2 FROM c`)); got != "1|2" {
		t.Fatalf("after MOVE BACKWARD ALL: %q", got)
	}
	mustRun(t, s, `COMMIT`)
}
