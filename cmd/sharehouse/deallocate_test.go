package main

import (
	"context"
	"testing"
)

// DEALLOCATE and DISCARD ALL drop the statements a client prepared with
// the protocol's Parse, as in PostgreSQL: psqlODBC reuses its "_PLAN…"
// names after deallocating them.
func TestDeallocate(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	conn := s.admin(t, "postgres")
	ctx, cancel := context.WithTimeout(context.Background(), queryTimeout)
	defer cancel()
	prepare := func() error {
		_, err := conn.PgConn().Prepare(ctx, "_PLAN0x1", "SELECT 1", nil)
		return err
	}
	if err := prepare(); err != nil {
		t.Fatal(err)
	}
	wantCode(t, prepare(), "42P05")
	if tag := mustExec(t, conn, `DEALLOCATE "_PLAN0x1"`); tag.String() != "DEALLOCATE" {
		t.Errorf("tag %q", tag)
	}
	if err := prepare(); err != nil {
		t.Fatalf("Parse after DEALLOCATE: %v", err)
	}
	wantCode(t, execErr(conn, "DEALLOCATE nope"), "26000")
	if tag := mustExec(t, conn, "DISCARD ALL"); tag.String() != "DISCARD ALL" {
		t.Errorf("tag %q", tag)
	}
	if err := prepare(); err != nil {
		t.Fatalf("Parse after DISCARD ALL: %v", err)
	}
	if tag := mustExec(t, conn, "DEALLOCATE ALL"); tag.String() != "DEALLOCATE ALL" {
		t.Errorf("tag %q", tag)
	}
	if err := prepare(); err != nil {
		t.Fatalf("Parse after DEALLOCATE ALL: %v", err)
	}
}
