package main

import (
	"testing"
)

// TestCachedStatementResultChanged: pgx caches a statement's Describe and
// later sends only Bind and Execute. When the table changed in between, the
// rows no longer fit that description: the server answers as PostgreSQL
// does (0A000 "cached plan must not change result type"), pgx forgets the
// statement, and the next run describes it anew — never rows the client
// decodes by stale columns.
func TestCachedStatementResultChanged(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	conn := s.admin(t, "postgres")
	mustExec(t, conn, "CREATE TABLE wide (a bigint)")
	mustExec(t, conn, "INSERT INTO wide VALUES (1)")
	const q = "SELECT * FROM wide"
	if r := runProtocol(conn, q, false); r.err != nil || len(r.cols) != 1 {
		t.Fatalf("%s: columns %q, error %v", q, r.cols, r.err)
	}
	mustExec(t, conn, "ALTER TABLE wide ADD COLUMN b text")
	r := runProtocol(conn, q, false)
	if pe := wantCode(t, r.err, "0A000"); pe.Message != "cached plan must not change result type" {
		t.Errorf("message %q", pe.Message)
	}
	again := runProtocol(conn, q, false)
	if again.err != nil || len(again.cols) != 2 {
		t.Fatalf("%s after pgx forgot the statement: columns %q, error %v", q, again.cols, again.err)
	}
	if d := protoDiff(runProtocol(conn, q, true), again); d != "" {
		t.Errorf("simple protocol vs extended: %s", d)
	}
}
