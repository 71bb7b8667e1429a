package main

import (
	"strings"
	"testing"
)

// TestStatementTimeout: statement_timeout cancels a long statement with
// 57014, and the session goes on.
func TestStatementTimeout(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	conn := s.admin(t, "postgres")
	mustExec(t, conn, "SET statement_timeout = '200ms'")
	pe := wantCode(t, queryErr(conn, "SELECT count(*) FROM generate_series(1, 2000000000)"), "57014")
	if !strings.Contains(pe.Message, "statement timeout") {
		t.Errorf("message %q", pe.Message)
	}
	mustExec(t, conn, "RESET statement_timeout")
	if n := queryInt64(t, conn, "SELECT count(*) FROM generate_series(1, 1000)"); n != 1000 {
		t.Fatalf("after the timeout: %d", n)
	}
	wantCode(t, execErr(conn, "SET statement_timeout = 'soon'"), "22023")
}
