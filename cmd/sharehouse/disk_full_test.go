package main

// End-to-end: a data directory on a small tmpfs is filled with INSERT and
// COPY until the device is full. Writes then fail with 53100 disk_full
// (PostgreSQL's "could not write … No space left on device"), never
// XX000; reads go on; once space is freed writes work again, and after a
// restart every acknowledged row is there.

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// mountTmpfs mounts a tmpfs of size (mount's -o size, e.g. "24m") on a new
// directory and unmounts it when the test ends, after the server (whose
// cleanup, registered later, runs first) is gone. It needs root, as the
// CI runs the tests; elsewhere it fails, saying so.
func mountTmpfs(t *testing.T, size string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "mnt")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Fatalf("mount a %s tmpfs for a full disk (needs root): %v\n%s", size, err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v\n%s", dir, err, out)
		}
	})
	return dir
}

// fillSQL inserts rows $1..$2 of 256 random hex characters each: Parquet
// cannot squeeze them much, so the disk fills after a few statements.
const fillSQL = `INSERT INTO fill SELECT g, md5(random()::text) || md5(random()::text) || md5(random()::text) ||
	md5(random()::text) || md5(random()::text) || md5(random()::text) || md5(random()::text) ||
	md5(random()::text) FROM generate_series($1::bigint, $2::bigint) g`

var execModes = []pgx.QueryExecMode{pgx.QueryExecModeSimpleProtocol, pgx.QueryExecModeCacheStatement}

// fillCSV is n rows of COPY csv input for table fill, from id first on.
func fillCSV(first, n int64) string {
	var b strings.Builder
	for i := first; i < first+n; i++ {
		fmt.Fprintf(&b, "%d,", i)
		for j := 0; j < 16; j++ {
			fmt.Fprintf(&b, "%016x", rand.Uint64())
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func TestDiskFull(t *testing.T) {
	t.Parallel()
	mnt := mountTmpfs(t, "24m")
	s := startServer(t, withDir(filepath.Join(mnt, "data")))
	// Ballast, removed later to free space.
	ballast := filepath.Join(mnt, "ballast")
	if err := os.WriteFile(ballast, make([]byte, 6<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	s.mustCreateTenant(t, "prov")
	conns := map[pgx.QueryExecMode]*pgx.Conn{}
	for _, m := range execModes {
		conns[m] = s.tenant(t, "prov", "postgres")
	}
	simple, extended := conns[execModes[0]], conns[execModes[1]]
	mustExec(t, simple, "CREATE TABLE fill (id bigint, pad text)")

	// Fill until the device is full, alternating the protocols; count
	// what was acknowledged.
	const batch = 20000
	var acked, next int64 = 0, 1
	var full error
	for i := 0; i < 100 && full == nil; i++ {
		mode := execModes[i%2]
		err := execErr(conns[mode], fillSQL, mode, next, next+batch-1)
		next += batch
		if err == nil {
			acked += batch
		} else {
			full = err
		}
	}
	if full == nil {
		t.Fatalf("inserted %d rows into a 24 MB file system without an error", acked)
	}
	pe := wantCode(t, full, "53100")
	t.Logf("the disk filled after %d rows: %s", acked, pe.Message)
	if !strings.Contains(pe.Message, "No space left on device") || pe.Hint != "Check free disk space." || strings.Contains(pe.Message, mnt) {
		t.Errorf("disk full: %q hint %q; want PostgreSQL's wording, without the data directory's path", pe.Message, pe.Hint)
	}
	if acked == 0 {
		t.Fatal("the very first insert failed: the file system is too small for the test")
	}
	// Both protocols, and COPY, get 53100 while the disk is full.
	for _, m := range execModes {
		wantCode(t, execErr(conns[m], fillSQL, m, next, next+batch-1), "53100")
		next += batch
	}
	ctx, cancel := context.WithTimeout(context.Background(), queryTimeout)
	defer cancel()
	_, err := extended.PgConn().CopyFrom(ctx, strings.NewReader(fillCSV(next, batch)), "COPY fill FROM STDIN (FORMAT csv)")
	wantCode(t, err, "53100")
	next += batch

	// Reads go on, in both protocols, and see exactly what was acknowledged.
	for _, m := range execModes {
		var n, sum int64
		mustQueryRow(t, conns[m], "SELECT count(*), coalesce(sum(length(pad)), 0) FROM fill WHERE id > $1", []any{&n, &sum}, 0)
		if n != acked || sum != acked*256 {
			t.Errorf("%v: after the disk filled: %d rows, %d bytes of pad; want %d, %d", m, n, sum, acked, acked*256)
		}
	}

	// Freed space: writes work again, INSERT in both protocols and COPY.
	if err := os.Remove(ballast); err != nil {
		t.Fatal(err)
	}
	for _, m := range execModes {
		if err := execErr(conns[m], fillSQL, m, next, next+999); err != nil {
			t.Fatalf("%v: insert after freeing space: %v", m, err)
		}
		acked += 1000
		next += 1000
	}
	if _, err := simple.PgConn().CopyFrom(ctx, strings.NewReader(fillCSV(next, 1000)), "COPY fill FROM STDIN (FORMAT csv)"); err != nil {
		t.Fatalf("COPY after freeing space: %v", err)
	}
	acked += 1000

	if !s.running() {
		t.Fatal("the server exited after the disk filled")
	}
	// A crash, not a clean stop: what was acknowledged must be on disk.
	s.kill()
	s.restart(t)
	after := s.tenant(t, "prov", "postgres")
	var n, sum int64
	mustQueryRow(t, after, "SELECT count(*), sum(length(pad)) FROM fill", []any{&n, &sum})
	if n != acked || sum != acked*256 {
		t.Errorf("after a restart: %d rows, %d bytes of pad; want %d, %d", n, sum, acked, acked*256)
	}
}
