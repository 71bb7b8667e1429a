package pgwire

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/sharehouse/sharehouse/executor/sqlstate"
)

// conn is one client connection. Everything but the fields under mu and
// the atomics belongs to the connection's goroutine.
type conn struct {
	srv *Server
	id  uint64
	raw net.Conn // the accepted connection: deadlines and Close
	nc  net.Conn // raw, or the TLS connection over it
	log *slog.Logger

	rd   *recordingReader
	be   *pgproto3.Backend
	wbuf []byte // pending output; written by flush
	werr error  // first write error; the connection is lost after it

	sess    Session
	pid     uint32 // BackendKeyData; 0 until registered
	secret  []byte
	counted bool // counts against MaxConnections
	// loginKey is the LoginLimit key c counts against once counted.
	loginKey string
	// inStartup: c holds a startup slot (under srv.mu).
	inStartup bool
	// startBy is when the startup phase times out.
	startBy time.Time

	// idle is set while the goroutine waits for the next command after
	// ReadyForQuery (or is in the startup phase): Shutdown may interrupt it.
	idle atomic.Bool
	// ended is set when the connection's context is done (forced shutdown,
	// Serve's context): statement errors and ReadyForQuery are then left
	// out, only the FATAL that follows is sent.
	ended atomic.Bool
	// broken is a failure that leaves the input stream unusable (found
	// while reading COPY data); the loop ends the connection on it.
	broken error

	// cancelConn ends the connection's context; set before the goroutine
	// starts and never changed.
	cancelConn context.CancelCauseFunc

	mu         sync.Mutex
	cancelStmt context.CancelCauseFunc // ends the running statement; nil when none

	// Extended protocol state.
	stmts          map[string]*prepared
	portals        map[string]*portal
	ignoreTillSync bool   // an extended-protocol message failed: skip to Sync
	authKey        []byte // the SCRAM StoredKey the client proved
	database       string // the startup packet's, for the login audit
	// inExtBatch: an Execute ran since the last Sync, so the session holds
	// an implicit transaction that Sync ends; extBatchErr fails it.
	inExtBatch  bool
	extBatchErr error
}

// recordingReader remembers the last read error so that a failed Receive
// can be told apart: a broken connection (quietly closed) or a malformed
// message (answered with 08P01).
type recordingReader struct {
	r   io.Reader
	err error
}

func (r *recordingReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err != nil {
		r.err = err
	}
	return n, err
}

// ioError is a failure of the connection itself; nothing more can be sent.
type ioError struct{ err error }

func (e *ioError) Error() string { return "connection: " + e.err.Error() }
func (e *ioError) Unwrap() error { return e.err }

// receive reads the next frontend message, valid until the next call.
func (c *conn) receive() (pgproto3.FrontendMessage, error) {
	msg, err := c.be.Receive()
	if err == nil {
		return msg, nil
	}
	if c.rd.err != nil {
		return nil, &ioError{c.rd.err}
	}
	var tooLong *pgproto3.ExceededMaxBodyLenErr
	if errors.As(err, &tooLong) {
		return nil, sqlstate.Errorf(sqlstate.ProtocolViolation, "invalid message length")
	}
	return nil, sqlstate.Errorf(sqlstate.ProtocolViolation, "invalid frontend message: %v", err)
}

// send appends msg to the output buffer.
func (c *conn) send(msg pgproto3.BackendMessage) {
	if c.werr != nil {
		return
	}
	b, err := msg.Encode(c.wbuf)
	if err != nil {
		// Only impossible sizes fail (more than 65535 columns): the
		// stream would be corrupt, so the connection ends.
		c.werr = fmt.Errorf("encode %T: %w", msg, err)
		return
	}
	c.wbuf = b
}

// flush writes the output buffer. After a failure every later flush fails
// the same way and the message loop ends the connection.
func (c *conn) flush() error {
	if c.werr != nil {
		return c.werr
	}
	if len(c.wbuf) == 0 {
		return nil
	}
	_, err := c.nc.Write(c.wbuf)
	if cap(c.wbuf) > shrinkThreshold {
		c.wbuf = nil
	} else {
		c.wbuf = c.wbuf[:0]
	}
	if err != nil {
		c.werr = &ioError{err}
	}
	return c.werr
}

// maybeFlush writes out a buffer that has grown large.
func (c *conn) maybeFlush() error {
	if len(c.wbuf) >= flushThreshold {
		return c.flush()
	}
	return c.werr
}

// clientError is the client-facing form of err. Errors without a code are
// internal: their cause is logged here and the client reads only XX000.
func (c *conn) clientError(err error) *sqlstate.Error {
	var se *sqlstate.Error
	if errors.As(err, &se) {
		if se.Code == sqlstate.InternalError {
			c.log.Error("internal error", logErr, err, "cause", errors.Unwrap(se))
		}
		return se
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return errQueryCanceled
	}
	c.log.Error("internal error", logErr, err)
	return sqlstate.Of(err)
}

func errorResponse(e *sqlstate.Error, severity string) *pgproto3.ErrorResponse {
	if e.Severity != "" {
		severity = e.Severity
	}
	return &pgproto3.ErrorResponse{
		Severity:            severity,
		SeverityUnlocalized: severity,
		Code:                string(e.Code),
		Message:             e.Message,
		Detail:              e.Detail,
		Hint:                e.Hint,
		Position:            e.Position,
	}
}

// sendError buffers an ErrorResponse for err.
func (c *conn) sendError(err error) {
	if c.ended.Load() {
		return
	}
	c.send(errorResponse(c.clientError(err), "ERROR"))
}

// sendNotice buffers a NoticeResponse.
func (c *conn) sendNotice(n *sqlstate.Error) {
	sev := n.Severity
	if sev == "" {
		sev = "NOTICE"
	}
	msg := pgproto3.NoticeResponse(*errorResponse(n, sev))
	c.send(&msg)
}

// sendFatal sends err as FATAL and flushes; the caller then closes.
func (c *conn) sendFatal(err error) {
	c.send(errorResponse(c.clientError(err), "FATAL"))
	c.flush()
}

func (c *conn) sendReady() {
	if c.ended.Load() {
		return
	}
	st := byte('I')
	if c.sess != nil {
		st = c.sess.TxStatus()
	}
	c.send(&pgproto3.ReadyForQuery{TxStatus: st})
}

// errQueryCanceled is what a cancelled statement reports when the executor
// returned a bare context error.
var errQueryCanceled = sqlstate.Errorf(sqlstate.QueryCanceled, "canceling statement due to user request")

// errConnClosed is the cause given to Rows still open when the connection ends.
var errConnClosed = errors.New("connection closed")

// stmtContext returns the context one call into the executor runs under,
// registered so that a CancelRequest can end it. The caller must call done.
func (c *conn) stmtContext(ctx context.Context) (context.Context, func()) {
	if d := c.sess.StatementTimeout(); d > 0 {
		tctx, stop := context.WithTimeout(ctx, d)
		sctx, done := c.stmtContext0(tctx)
		return sctx, func() { done(); stop() }
	}
	return c.stmtContext0(ctx)
}

// stmtContext0 is stmtContext without statement_timeout.
func (c *conn) stmtContext0(ctx context.Context) (context.Context, func()) {
	sctx, cancel := context.WithCancelCause(ctx)
	c.mu.Lock()
	c.cancelStmt = cancel
	c.mu.Unlock()
	return sctx, func() {
		c.mu.Lock()
		c.cancelStmt = nil
		c.mu.Unlock()
		cancel(nil)
	}
}

// cancelStatement ends the running statement, if any (a CancelRequest).
func (c *conn) cancelStatement() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cancelStmt != nil {
		c.cancelStmt(errQueryCanceled)
	}
}

// loop reads and answers messages until the client leaves (nil) or the
// connection fails.
func (c *conn) loop(ctx context.Context) error {
	ready := true // the last answer was ReadyForQuery: the connection is idle
	for {
		if c.werr != nil {
			return c.werr
		}
		if ctx.Err() != nil {
			c.sendFatal(terminationError(ctx))
			return context.Cause(ctx)
		}
		if ready {
			// Set idle before looking at shutting; Shutdown does the
			// reverse, so one of the two sees the other.
			c.idle.Store(true)
			if c.srv.shutting.Load() {
				c.sendFatal(errAdminShutdown)
				return errAdminShutdown
			}
		}
		msg, err := c.receive()
		c.idle.Store(false)
		if err != nil {
			if c.srv.shutting.Load() || ctx.Err() != nil {
				c.sendFatal(terminationError(ctx))
				return err
			}
			var ioe *ioError
			if errors.As(err, &ioe) {
				if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
					return nil // the client went away without Terminate
				}
				return err
			}
			c.sendFatal(err)
			return err
		}
		var terminate bool
		ready, terminate = c.dispatch(ctx, msg)
		if terminate {
			return nil
		}
		if c.broken != nil {
			var ioe *ioError
			if !errors.As(c.broken, &ioe) {
				c.sendFatal(c.broken)
			}
			return c.broken
		}
	}
}

// dispatch answers one message. ready reports that the answer ended with
// ReadyForQuery (the connection is idle); terminate, that the client said
// goodbye.
func (c *conn) dispatch(ctx context.Context, msg pgproto3.FrontendMessage) (ready, terminate bool) {
	switch m := msg.(type) {
	case *pgproto3.Query:
		if c.ignoreTillSync {
			return false, false
		}
		c.simpleQuery(ctx, m.String)
		return true, false
	case *pgproto3.Parse:
		c.extended(func() error { return c.parse(ctx, m) })
	case *pgproto3.Bind:
		c.extended(func() error { return c.bind(m) })
	case *pgproto3.Describe:
		c.extended(func() error { return c.describe(ctx, m) })
	case *pgproto3.Execute:
		c.extended(func() error { return c.execute(ctx, m) })
	case *pgproto3.Close:
		c.extended(func() error { return c.closeObject(m) })
	case *pgproto3.Sync:
		c.sync()
		return true, false
	case *pgproto3.Flush:
		c.flush()
	case *pgproto3.Terminate:
		return false, true
	case *pgproto3.CopyData, *pgproto3.CopyDone, *pgproto3.CopyFail:
		// Left over from a COPY that failed before reading them;
		// PostgreSQL ignores them too.
	case *pgproto3.FunctionCall:
		if c.ignoreTillSync {
			return false, false
		}
		c.sendError(sqlstate.Errorf(sqlstate.FeatureNotSupported, "fastpath function calls are not supported"))
		c.sendReady()
		c.flush()
		return true, false
	default:
		c.broken = sqlstate.Errorf(sqlstate.ProtocolViolation, "unexpected message type %T", msg)
	}
	return false, false
}

// terminationError is what a connection ended from outside says last.
func terminationError(ctx context.Context) error {
	if cause := context.Cause(ctx); cause != nil {
		var se *sqlstate.Error
		if errors.As(cause, &se) {
			return se
		}
	}
	return errAdminShutdown
}

// startDeadline bounds the startup phase.
func (c *conn) startDeadline() {
	c.startBy = time.Now().Add(c.srv.cfg.StartupTimeout)
	c.raw.SetDeadline(c.startBy)
}
