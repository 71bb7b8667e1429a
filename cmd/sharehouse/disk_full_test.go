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

// TestDiskFull fills the disk twice: with large writes, which fail
// writing a Parquet file, and with small ones, which go inline into the
// catalog's bbolt file and fail in its commit.
func TestDiskFull(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		batch int64
	}{{"data files", 20000}, {"inline rows", 1000}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			testDiskFull(t, tc.batch)
		})
	}
}

func testDiskFull(t *testing.T, batch int64) {
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

	// Fill until INSERT in both protocols and COPY have each been refused
	// (a full disk is not all or nothing: a smaller write may still fit
	// after a larger one failed); count what was acknowledged.
	ctx, cancel := context.WithTimeout(context.Background(), 2*queryTimeout)
	defer cancel()
	write := func(kind string, first int64) error {
		if kind == "copy" {
			_, err := extended.PgConn().CopyFrom(ctx, strings.NewReader(fillCSV(first, batch)), "COPY fill FROM STDIN (FORMAT csv)")
			return err
		}
		mode := execModes[0]
		if kind == "extended" {
			mode = execModes[1]
		}
		return execErr(conns[mode], fillSQL, mode, first, first+batch-1)
	}
	var acked, next int64 = 0, 1
	refused := map[string]bool{}
	for i := 0; i < 1000 && len(refused) < 3; i++ {
		kind := []string{"simple", "extended", "copy"}[i%3]
		err := write(kind, next)
		next += batch
		if err == nil {
			acked += batch
			// Acknowledged means there: a commit that failed after the
			// statement's CommandComplete must have been reported.
			if n := queryInt64(t, simple, "SELECT count(*) FROM fill"); n != acked {
				t.Fatalf("after %s write %d was acknowledged: %d rows, want %d", kind, i, n, acked)
			}
			continue
		}
		pe := wantCode(t, err, "53100")
		if !refused[kind] {
			t.Logf("%s refused after %d rows: %s", kind, acked, pe.Message)
		}
		refused[kind] = true
		if !strings.Contains(pe.Message, "No space left on device") || pe.Hint != "Check free disk space." || strings.Contains(pe.Message, mnt) {
			t.Errorf("disk full: %q hint %q; want PostgreSQL's wording, without the data directory's path", pe.Message, pe.Hint)
		}
	}
	if len(refused) < 3 {
		t.Fatalf("wrote %d rows into a 24 MB file system; refused: %v", acked, refused)
	}
	if acked == 0 {
		t.Fatal("the very first write failed: the file system is too small for the test")
	}

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
