package executor

import (
	"errors"
	"fmt"
	"io/fs"
	"syscall"
	"testing"

	"github.com/sharehouse/sharehouse/executor/sqlstate"
)

func TestTranslateDiskFull(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		code sqlstate.Code
		msg  string
	}{
		{"parquet file", fmt.Errorf("storage: write part: %w", &fs.PathError{Op: "write", Path: "/srv/data/tables/ab.parquet.tmp", Err: syscall.ENOSPC}),
			sqlstate.DiskFull, `could not write to file "ab.parquet.tmp": No space left on device`},
		{"bbolt commit", fmt.Errorf("storage: commit: %w", &fs.PathError{Op: "write", Path: "/srv/data/sharehouse.db", Err: syscall.ENOSPC}),
			sqlstate.DiskFull, `could not write to file "sharehouse.db": No space left on device`},
		{"fsync without a path", fmt.Errorf("sync: %w", syscall.ENOSPC), sqlstate.DiskFull, "could not write data: No space left on device"},
		{"user quota", &fs.PathError{Op: "write", Path: "x", Err: syscall.EDQUOT}, sqlstate.DiskFull, `could not write to file "x": Disk quota exceeded`},
		{"another errno", &fs.PathError{Op: "write", Path: "x", Err: syscall.EIO}, sqlstate.InternalError, ""},
		{"no errno", errors.New("no space left on device"), sqlstate.InternalError, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := translate(tc.err)
			if code := sqlstate.CodeOf(got); code != tc.code {
				t.Fatalf("code %s, want %s (%v)", code, tc.code, got)
			}
			if tc.code != sqlstate.DiskFull {
				return
			}
			se := sqlstate.Of(got)
			if se.Message != tc.msg || se.Hint != "Check free disk space." || !errors.Is(got, tc.err) {
				t.Errorf("got %q hint %q (cause kept: %v), want %q", se.Message, se.Hint, errors.Is(got, tc.err), tc.msg)
			}
		})
	}
}
