package executor

import (
	"errors"
	"io/fs"
	"path/filepath"
	"syscall"

	"github.com/sharehouse/sharehouse/executor/sqlstate"
)

// outOfSpace is the one place where running out of space becomes 53100
// disk_full: the disk itself (diskFull) or a tenant's quota
// (quotaExceeded). nil for other errors.
func outOfSpace(err error) *sqlstate.Error {
	if se := diskFull(err); se != nil {
		return se
	}
	return quotaExceeded(err)
}

// diskFull returns err as PostgreSQL's 53100 disk_full when a write below
// failed for want of space (ENOSPC) or of quota (EDQUOT), wherever it
// surfaced (a data file, the bbolt commit, the audit), and nil otherwise.
// The message names the file by its base name only: the data directory's
// path is the operator's business, not a client's.
func diskFull(err error) *sqlstate.Error {
	var errno syscall.Errno
	if !errors.As(err, &errno) || (errno != syscall.ENOSPC && errno != syscall.EDQUOT) {
		return nil
	}
	reason := "No space left on device"
	if errno == syscall.EDQUOT {
		reason = "Disk quota exceeded"
	}
	msg := "could not write data: " + reason
	var pe *fs.PathError
	if errors.As(err, &pe) && pe.Path != "" {
		msg = "could not write to file \"" + filepath.Base(pe.Path) + "\": " + reason
	}
	se, ok := sqlstate.Wrap(err, sqlstate.DiskFull, msg).(*sqlstate.Error)
	if !ok {
		return nil
	}
	return se.WithHint("Check free disk space.")
}
