package main

import (
	"context"
	"testing"
	"time"
)

func TestCancelLongQuery(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	conn := s.admin(t, "postgres")
	pc := conn.PgConn()

	for _, q := range []string{
		"SELECT count(*) FROM generate_series(1, 1000000000)",
		"SELECT count(*) FROM generate_series(1, 1000000000) AS g WHERE g % 7 = 3",
	} {
		t.Run(q, func(t *testing.T) {
			done := make(chan error, 1)
			start := time.Now()
			go func() { done <- queryErr(conn, q) }()

			// A CancelRequest only affects a statement that is running when
			// it arrives, so send one every 50ms until the query ends.
			tick := time.NewTicker(50 * time.Millisecond)
			defer tick.Stop()
			var err error
		wait:
			for {
				select {
				case err = <-done:
					break wait
				case <-tick.C:
					ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
					if cerr := pc.CancelRequest(ctx); cerr != nil {
						t.Logf("CancelRequest: %v", cerr)
					}
					cancel()
				}
			}
			took := time.Since(start)
			pe := wantCode(t, err, "57014")
			if want := "canceling statement due to user request"; pe.Message != want {
				t.Errorf("message %q, want %q", pe.Message, want)
			}
			if took > 15*time.Second {
				t.Errorf("the cancel took %v", took)
			}
			// The connection stays usable.
			if n := queryInt64(t, conn, "SELECT 41 + 1"); n != 42 {
				t.Fatalf("SELECT after cancel = %d", n)
			}
		})
	}

	// A cancel inside a transaction aborts it, like any error.
	mustExec(t, conn, "BEGIN")
	done := make(chan error, 1)
	go func() { done <- queryErr(conn, "SELECT count(*) FROM generate_series(1, 1000000000)") }()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	var err error
wait:
	for {
		select {
		case err = <-done:
			break wait
		case <-tick.C:
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			_ = pc.CancelRequest(ctx)
			cancel()
		}
	}
	wantCode(t, err, "57014")
	wantCode(t, queryErr(conn, "SELECT 1"), "25P02")
	mustExec(t, conn, "ROLLBACK")
	if n := queryInt64(t, conn, "SELECT 1"); n != 1 {
		t.Fatal("SELECT after ROLLBACK failed")
	}
}
