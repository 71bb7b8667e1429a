package executor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"time"

	"github.com/apache/arrow/go/v17/arrow"
	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/sharehouse/sharehouse/executor/sqlstate"
)

// SQL cursors: DECLARE … CURSOR FOR SELECT, FETCH, MOVE and CLOSE. Drivers
// read big results through them in slices (psycopg2's named cursors,
// SQLAlchemy's stream_results, psql's FETCH_COUNT). A cursor is the query's
// running plan, read forward (a SCROLL cursor also keeps the rows it read,
// to move back: cursor_scroll.go); it lives until CLOSE or the end of its
// transaction, or, declared WITH HOLD, until CLOSE or the session's end.

// Options bits of DeclareCursorStmt (PostgreSQL's CURSOR_OPT_*).
const (
	cursorBinary = 0x01
	cursorScroll = 0x02
	cursorHold   = 0x20
)

// cursor is one open cursor of a session.
type cursor struct {
	name    string
	sql     string // the DECLARE statement, as pg_cursors shows it
	rows    *planRows
	hold    bool
	scroll  bool
	created time.Time
	// inBlock: declared in the transaction still running; a rollback
	// closes it even WITH HOLD.
	inBlock bool

	pending arrow.Record // retained: the batch being handed out
	off     int64        // rows of pending already handed out
	pos     int64        // rows read so far (PostgreSQL's portal position)
	done    bool
	hist    scrollState // a SCROLL cursor's rows read (cursor_scroll.go)

	// reads are the tables the plan reads through shares, re-checked by
	// every FETCH and MOVE (cursor_access.go); shared is what the audit
	// records those reads under. refused, once set, is the answer to every
	// later FETCH and MOVE: access ended, and the plan is released.
	reads   []sharedRead
	shared  []sharedAccess
	refused error
}

// checkAccess re-checks, for FETCH and MOVE, that the session may still
// read what the cursor reads through shares. A cursor refused once yields
// nothing more, even if access comes back.
func (c *cursor) checkAccess(ctx context.Context, s *Session) error {
	if c.refused != nil {
		return c.refused
	}
	if err := s.checkSharedReads(ctx, c.reads); err != nil {
		if sqlstate.CodeOf(err) == sqlstate.UndefinedTable || sqlstate.CodeOf(err) == sqlstate.InvalidCatalogName {
			c.refused = err
			c.release()
		}
		return err
	}
	return nil
}

// take returns up to max of the cursor's next rows (a retained record the
// caller releases), or io.EOF when none are left.
func (c *cursor) take(ctx context.Context, max int64) (arrow.Record, error) {
	for c.pending == nil || c.off == c.pending.NumRows() {
		if c.pending != nil {
			c.pending.Release()
			c.pending = nil
		}
		if c.done {
			return nil, io.EOF
		}
		rec, err := c.rows.Next(ctx)
		if errors.Is(err, io.EOF) {
			c.done = true
			return nil, io.EOF
		}
		if err != nil {
			return nil, err
		}
		rec.Retain()
		c.pending, c.off = rec, 0
	}
	k := min(max, c.pending.NumRows()-c.off)
	out := c.pending.NewSlice(c.off, c.off+k)
	c.off += k
	c.pos += k
	return out, nil
}

// skip reads and drops up to n rows and returns how many it dropped.
func (c *cursor) skip(ctx context.Context, n int64) (int64, error) {
	var moved int64
	for moved < n {
		rec, err := c.take(ctx, n-moved)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return moved, err
		}
		moved += rec.NumRows()
		rec.Release()
	}
	return moved, nil
}

// release lets go of the cursor's batches, plan and snapshots.
func (c *cursor) release() {
	if c.pending != nil {
		c.pending.Release()
		c.pending = nil
	}
	c.hist.release()
	c.done = true
	// Each FETCH recorded its own reads; the plan's close records none.
	c.rows.x.shared = nil
	c.rows.Close(nil)
}

func (c *cursor) close() { c.release() }

// closeCursors ends the cursors a transaction's end ends: all but WITH
// HOLD ones on commit, and on rollback also those the block declared.
func (s *Session) closeCursors(commit bool) {
	for name, c := range s.cursors {
		if !c.hold || (!commit && c.inBlock) {
			c.close()
			delete(s.cursors, name)
			continue
		}
		c.inBlock = false
	}
}

// closeAllCursors ends every cursor (the session ends, or CLOSE ALL).
func (s *Session) closeAllCursors() {
	for name, c := range s.cursors {
		c.close()
		delete(s.cursors, name)
	}
}

func (x *execution) runDeclareCursor(dc *pg.DeclareCursorStmt, sql string) (Result, error) {
	s := x.s
	hold := dc.Options&cursorHold != 0
	if !hold && !s.inBlock && !s.implicit {
		return Result{}, sqlstate.Errorf(sqlstate.NoActiveSQLTransaction, "DECLARE CURSOR can only be used in transaction blocks")
	}
	if dc.Options&cursorBinary != 0 {
		return Result{}, notSupported("binary cursors are not supported yet")
	}
	if _, ok := s.cursors[dc.Portalname]; ok {
		return Result{}, sqlstate.Errorf(sqlstate.DuplicateCursor, "cursor %q already exists", dc.Portalname)
	}
	sel := dc.Query.GetSelectStmt()
	if sel == nil {
		return Result{}, sqlstate.Errorf(sqlstate.Code("42P11"), "DECLARE CURSOR must be a SELECT")
	}
	p, err := x.planQuery(sel)
	if err != nil {
		return Result{}, err
	}
	if s.cursors == nil {
		s.cursors = map[string]*cursor{}
	}
	s.cursors[dc.Portalname] = &cursor{
		name: dc.Portalname, sql: sql, hold: hold, scroll: dc.Options&cursorScroll != 0,
		created: s.eng.now(), inBlock: s.inBlock || s.implicit,
		rows:  &planRows{p: p, cols: toColumns(p.cols), s: s, x: x},
		reads: slices.Clone(x.sharedReads), shared: slices.Clone(x.shared),
	}
	return Result{Tag: "DECLARE CURSOR"}, nil
}

// lookupCursor finds a cursor by name; 34000 when there is none.
func (s *Session) lookupCursor(name string) (*cursor, error) {
	c, ok := s.cursors[name]
	if !ok {
		return nil, sqlstate.Errorf(sqlstate.InvalidCursorName, "cursor %q does not exist", name)
	}
	return c, nil
}

// fetchCount turns a FETCH or MOVE direction of a cursor without SCROLL
// into rows to skip and rows to return, reading forward only.
func fetchCount(c *cursor, fs *pg.FetchStmt) (skip, count int64, err error) {
	backward := func() error { // a SCROLL cursor does not come here
		return sqlstate.Errorf(sqlstate.ObjectNotInPrerequisiteState, "cursor can only scan forward").
			WithHint("Declare it with SCROLL option to enable backward scan.")
	}
	n := fs.HowMany
	switch fs.Direction {
	case pg.FetchDirection_FETCH_FORWARD:
		if n == 0 {
			return 0, 0, notSupported("FETCH of the current row again is not supported yet")
		}
		return 0, n, nil
	case pg.FetchDirection_FETCH_BACKWARD:
		return 0, 0, backward()
	case pg.FetchDirection_FETCH_RELATIVE:
		if n <= 0 {
			return 0, 0, backward()
		}
		return n - 1, 1, nil
	case pg.FetchDirection_FETCH_ABSOLUTE:
		if n <= c.pos {
			return 0, 0, backward()
		}
		return n - 1 - c.pos, 1, nil
	}
	return 0, 0, notSupported("FETCH direction %s is not supported", fs.Direction)
}

func (x *execution) runFetch(fs *pg.FetchStmt) (Result, error) {
	c, err := x.s.lookupCursor(fs.Portalname)
	if err != nil {
		return Result{}, err
	}
	// FETCH and MOVE are reads of what the cursor reads: audited as such
	// (MOVE sends nothing: 0 rows, 0 bytes), refusals with their SQLSTATE.
	x.shared = slices.Clone(c.shared)
	if err := c.checkAccess(x.ctx, x.s); err != nil {
		return Result{}, err
	}
	if c.scroll {
		return x.runScrollFetch(c, fs)
	}
	skip, count, err := fetchCount(c, fs)
	if err != nil {
		return Result{}, err
	}
	if _, err := c.skip(x.ctx, skip); err != nil {
		return Result{}, err
	}
	if fs.Ismove {
		moved, err := c.skip(x.ctx, count)
		if err != nil {
			return Result{}, err
		}
		return Result{Tag: fmt.Sprintf("MOVE %d", moved)}, nil
	}
	return Result{Tag: "FETCH", Rows: &sentRows{Rows: &fetchRows{c: c, left: count}, x: x, c: c}}, nil
}

func (x *execution) runClosePortal(cp *pg.ClosePortalStmt) (Result, error) {
	if cp.Portalname == "" { // CLOSE ALL
		x.s.closeAllCursors()
		return Result{Tag: "CLOSE CURSOR ALL"}, nil
	}
	c, err := x.s.lookupCursor(cp.Portalname)
	if err != nil {
		return Result{}, err
	}
	c.close()
	delete(x.s.cursors, cp.Portalname)
	return Result{Tag: "CLOSE CURSOR"}, nil
}

// describeFetch is the row shape FETCH returns: its cursor's.
func (x *execution) describeFetch(fs *pg.FetchStmt) ([]Column, error) {
	if fs.Ismove {
		return nil, nil
	}
	c, err := x.s.lookupCursor(fs.Portalname)
	if err != nil {
		return nil, err
	}
	return c.rows.cols, nil
}

// fetchRows streams one FETCH's rows out of its cursor.
type fetchRows struct {
	c    *cursor
	left int64 // rows still to return; FETCH ALL asks for LONG_MAX
	last arrow.Record
}

func (r *fetchRows) Columns() []Column { return r.c.rows.cols }

func (r *fetchRows) Next(ctx context.Context) (arrow.Record, error) {
	r.release()
	if r.left <= 0 {
		return nil, io.EOF
	}
	rec, err := r.c.take(ctx, r.left)
	if err != nil {
		return nil, err
	}
	r.left -= rec.NumRows()
	r.last = rec
	return rec, nil
}

func (r *fetchRows) release() {
	if r.last != nil {
		r.last.Release()
		r.last = nil
	}
}

// Close ends this FETCH; the cursor stays open.
func (r *fetchRows) Close(error) error {
	r.release()
	return nil
}

// sentRows is one FETCH's result: it records what pgwire sent of it in
// the audit when it closes, and re-checks the cursor's access when pgwire
// resumes it after PortalSuspended.
type sentRows struct {
	Rows
	x      *execution // the FETCH
	c      *cursor
	rows   int64 // rows handed out, when no front end says what it sent
	sent   *Sent
	closed bool
}

func (r *sentRows) Next(ctx context.Context) (arrow.Record, error) {
	rec, err := r.Rows.Next(ctx)
	if err == nil {
		r.rows += rec.NumRows()
	}
	return rec, err
}

// RecordSent keeps what pgwire sent, for the audit at Close.
func (r *sentRows) RecordSent(s Sent) { r.sent = &s }

// Resume re-checks access before a suspended FETCH portal goes on.
func (r *sentRows) Resume(ctx context.Context) error {
	err := r.c.checkAccess(ctx, r.x.s)
	if err != nil {
		r.x.s.statementFailed()
	}
	return err
}

// Close audits the FETCH; its error (the event could not be made durable)
// fails the statement, so a FETCH is not acknowledged before its event.
func (r *sentRows) Close(cause error) error {
	err := r.Rows.Close(cause)
	if r.closed {
		return err
	}
	r.closed = true
	sent := Sent{Rows: r.rows}
	if r.sent != nil {
		sent = *r.sent
	}
	if errors.Is(cause, ErrStoppedReading) {
		cause = nil
	}
	if aerr := r.x.audit("FETCH", sent.Rows, sent.Bytes, translate(cause)); aerr != nil {
		return aerr
	}
	return err
}

// pgCursors lists the session's open cursors, oldest first.
func (g *sysGen) pgCursors() []sysRow {
	cs := make([]*cursor, 0, len(g.x.s.cursors))
	for _, c := range g.x.s.cursors {
		cs = append(cs, c)
	}
	sort.Slice(cs, func(i, j int) bool {
		return cs[i].created.Before(cs[j].created) || cs[i].created.Equal(cs[j].created) && cs[i].name < cs[j].name
	})
	out := make([]sysRow, len(cs))
	for i, c := range cs {
		out[i] = sysRow{"name": c.name, "statement": c.sql, "is_holdable": c.hold, "is_binary": false,
			"is_scrollable": c.scroll, "creation_time": c.created}
	}
	return out
}
