package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

func TestRestartPersistence(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	admin := s.admin(t, "postgres")
	mustExec(t, admin, "CREATE TENANT acme PASSWORD 'acme-pw'")
	mustExec(t, admin, "CREATE DATABASE gold")
	gold := s.admin(t, "gold")
	mustExec(t, gold, "CREATE SCHEMA finance")
	mustExec(t, gold, "CREATE TABLE finance.orders (id bigint NOT NULL, customer text, amount numeric(12,2), created date)")
	mustExec(t, gold, "COMMENT ON TABLE finance.orders IS 'all orders'")
	mustExec(t, gold, "INSERT INTO finance.orders SELECT g, 'c' || (g % 7)::text, g / 4.0, DATE '2024-01-01' + g % 30 FROM generate_series(1, 1000) AS g")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	rows := make([][]any, 0, 500)
	for i := 1001; i <= 1500; i++ {
		rows = append(rows, []any{int64(i), "copied", mustNumeric("1.50"), time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)})
	}
	if _, err := gold.CopyFrom(ctx, pgx.Identifier{"finance", "orders"}, []string{"id", "customer", "amount", "created"}, pgx.CopyFromRows(rows)); err != nil {
		t.Fatal(err)
	}
	mustExec(t, gold, "UPDATE finance.orders SET customer = 'vip' WHERE id <= 10")
	mustExec(t, gold, "DELETE FROM finance.orders WHERE id > 1490")
	mustExec(t, gold, "ALTER TABLE finance.orders ADD COLUMN status text")
	mustExec(t, gold, "ALTER TABLE finance.orders RENAME COLUMN created TO created_on")
	mustExec(t, gold, "CREATE TABLE finance.scratch (x int)")
	mustExec(t, gold, "DROP TABLE finance.scratch")

	// Thousands of single-row INSERTs: each is a committed version, and
	// they must not leave a file each behind.
	mustExec(t, admin, "CREATE TABLE ticks (n integer)")
	const singles = 500
	for i := range singles {
		mustExec(t, admin, "INSERT INTO ticks VALUES ($1)", int32(i))
	}
	acme := s.connect(t, "acme", "acme-pw", "postgres")
	mustExec(t, acme, "CREATE TABLE mine (v text)")
	mustExec(t, acme, "INSERT INTO mine VALUES ('acme data')")

	check := func(t *testing.T) {
		t.Helper()
		admin := s.admin(t, "postgres")
		gold := s.admin(t, "gold")
		if n := queryInt64(t, gold, "SELECT count(*) FROM finance.orders"); n != 1490 {
			t.Errorf("%d orders, want 1490", n)
		}
		if n := queryInt64(t, admin, "SELECT sum(id) FROM gold.finance.orders"); n != 1490*1491/2 {
			t.Errorf("sum(id) = %d", n)
		}
		if got := queryStrings(t, gold, "SELECT customer FROM finance.orders WHERE id IN (10, 11, 1001) ORDER BY id"); !slices.Equal(got, []string{"vip", "c4", "copied"}) {
			t.Errorf("customers %q", got)
		}
		if got := queryStrings(t, gold, "SELECT amount::text || ' ' || created_on::text || ' ' || coalesce(status, 'NULL') FROM finance.orders WHERE id = 6"); !slices.Equal(got, []string{"1.50 2024-01-07 NULL"}) {
			t.Errorf("order 6: %q", got)
		}
		wantCode(t, queryErr(gold, "SELECT * FROM finance.scratch"), "42P01")
		if n := queryInt64(t, admin, "SELECT count(*) FROM ticks"); n != singles {
			t.Errorf("%d single-row inserts survived, want %d", n, singles)
		}
		if n := queryInt64(t, admin, "SELECT sum(n) FROM ticks"); n != singles*(singles-1)/2 {
			t.Errorf("sum(n) of ticks = %d", n)
		}
		acme := s.connect(t, "acme", "acme-pw", "postgres")
		if got := queryStrings(t, acme, "SELECT v FROM mine"); !slices.Equal(got, []string{"acme data"}) {
			t.Errorf("acme's rows: %q", got)
		}
		wantCode(t, queryErr(admin, "SELECT * FROM mine"), "42P01")
	}
	check(t)

	// A graceful stop ends open sessions with 57P01.
	s.stop(t)
	if err := admin.Ping(context.Background()); err == nil {
		t.Error("a session survived the shutdown")
	}
	if !strings.Contains(s.logs.String(), "msg=stopped") {
		t.Errorf("no stop message in the log")
	}
	s.restart(t)
	t.Run("after SIGTERM", check)

	s.kill()
	s.restart(t)
	t.Run("after SIGKILL", check)

	parquet := 0
	for name := range dirFiles(t, s.dir) {
		if strings.HasSuffix(name, ".parquet") {
			parquet++
		}
	}
	if parquet > 100 {
		t.Errorf("%d Parquet files for 4 tables after %d single-row inserts: writes are not compacted", parquet, singles)
	}
}

// TestKillDuringCopy kills the server with SIGKILL in the middle of a
// 2M-row binary COPY, restarts it, and checks that the table holds exactly
// the rows committed before: a COPY is all or nothing.
func TestKillDuringCopy(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	conn := s.admin(t, "postgres")
	mustExec(t, conn, "CREATE TABLE big (id bigint NOT NULL, payload text)")
	mustExec(t, conn, "INSERT INTO big SELECT g, 'committed' FROM generate_series(1, 1000) AS g")
	if _, err := conn.CopyFrom(context.Background(), pgx.Identifier{"big"}, []string{"id", "payload"},
		pgx.CopyFromRows([][]any{{int64(1001), "copied"}, {int64(1002), "copied"}})); err != nil {
		t.Fatal(err)
	}
	mustExec(t, conn, "DELETE FROM big WHERE id = 1002")
	before := dirFiles(t, s.dir)

	const total, killAt = 2_000_000, 300_000
	var sent atomic.Int64
	killed := make(chan struct{})
	payload := strings.Repeat("x", 64)
	i := int64(0)
	src := pgx.CopyFromFunc(func() ([]any, error) {
		if i == total {
			return nil, nil
		}
		i++
		if sent.Add(1) == killAt {
			// By now pgx has written a good part of the data to the
			// socket; the server is reading and buffering it.
			s.kill()
			close(killed)
		}
		return []any{i + 10_000, payload}, nil
	})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	n, err := conn.CopyFrom(ctx, pgx.Identifier{"big"}, []string{"id", "payload"}, src)
	if err == nil {
		t.Fatalf("CopyFrom of %d rows succeeded although the server was killed (reported %d)", total, n)
	}
	select {
	case <-killed:
	default:
		t.Fatalf("CopyFrom failed before the kill: %v", err)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("CopyFrom hung after the kill: %v", err)
	}

	s.restart(t)
	conn = s.admin(t, "postgres")
	var count, sum int64
	mustQueryRow(t, conn, "SELECT count(*), sum(id) FROM big", []any{&count, &sum})
	if count != 1001 || sum != 1000*1001/2+1001 {
		t.Fatalf("after the crash: %d rows with sum(id) %d, want the 1001 committed ones (sum %d)", count, sum, 1000*1001/2+1001)
	}
	if n := queryInt64(t, conn, "SELECT count(*) FROM big WHERE payload = 'committed'"); n != 1000 {
		t.Fatalf("%d of the 1000 committed rows intact", n)
	}

	// The partial COPY left nothing behind once the server has started
	// again (the bbolt file may keep its size; it reuses free pages).
	after := dirFiles(t, s.dir)
	var grew []string
	var beforeSize, afterSize int64
	for name, size := range before {
		if filepath.Ext(name) != ".db" {
			beforeSize += size
		}
	}
	for name, size := range after {
		if filepath.Ext(name) != ".db" {
			afterSize += size
			if _, ok := before[name]; !ok {
				grew = append(grew, fmt.Sprintf("%s (%d bytes)", name, size))
			}
		}
	}
	if afterSize > beforeSize+1<<20 {
		t.Errorf("data files grew from %d to %d bytes after a failed COPY; new files: %v", beforeSize, afterSize, grew)
	}

	// The server keeps working on the same table.
	mustExec(t, conn, "INSERT INTO big VALUES (5000000, 'after')")
	if n := queryInt64(t, conn, "SELECT count(*) FROM big"); n != 1002 {
		t.Fatalf("%d rows after a new insert, want 1002", n)
	}
}
