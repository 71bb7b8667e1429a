package pgwire

import (
	"context"
	"errors"
	"io"
	"strconv"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/sharehouse/sharehouse/executor"
)

// simpleQuery answers a Query message: its statements run in order, as one
// batch (an implicit transaction unless they hold BEGIN), up to the first
// error; ReadyForQuery ends the answer whatever happened.
func (c *conn) simpleQuery(ctx context.Context, sql string) {
	// Not deferred: after a panic only the FATAL may follow.
	c.runQuery(ctx, sql)
	c.sendChangedParameters()
	c.sendReady()
	c.flush()
}

func (c *conn) runQuery(ctx context.Context, sql string) {
	// Like PostgreSQL: a simple query destroys the unnamed statement and portal.
	delete(c.stmts, "")
	c.closePortal("", errPortalClosed)

	sctx, done := c.stmtContext(ctx)
	stmts, err := c.sess.Parse(sctx, sql)
	done()
	if err != nil {
		c.sendError(err)
		return
	}
	if len(stmts) == 0 {
		c.send(&pgproto3.EmptyQueryResponse{})
		return
	}
	c.sess.BeginBatch(len(stmts))
	var batchErr error
	for _, st := range stmts {
		p := &portal{st: st}
		if err := c.execPortal(ctx, p, 0, true); err != nil {
			batchErr = err
			c.sendError(err)
			break
		}
		if c.werr != nil {
			batchErr = c.werr // the client is gone: roll back
			break
		}
	}
	if err := c.sess.EndBatch(batchErr); err != nil {
		c.sendError(err) // the batch's writes did not commit
	}
}

// sendChangedParameters reports settings the last commands changed.
func (c *conn) sendChangedParameters() {
	for _, p := range c.sess.ChangedParameters() {
		c.send(&pgproto3.ParameterStatus{Name: p.Name, Value: p.Value})
	}
}

// portal is a statement bound to parameters, run by Execute; the simple
// protocol runs each statement through an unnamed one.
type portal struct {
	st      Statement
	params  []executor.Param
	formats []int16      // Bind's result format codes, as sent
	desc    *description // what Describe announced (extended protocol); nil if nothing

	started bool              // Execute ran the statement
	cols    []executor.Column // the result's columns once started, nil without rows
	colFmts []int16           // their formats
	done    bool              // nothing more to send
	res     executor.Result   // what Execute returned
	out     *rowStream        // rows still to send; nil when none
}

// rowStream is a result's rows between Executes of a suspended portal.
// rec is the current batch: valid until the next rows.Next, which is only
// called once every row of rec was sent.
type rowStream struct {
	rows executor.Rows
	enc  *rowEncoder
	rec  arrow.Record
	pos  int
	sent executor.Sent // DataRows written so far, for the audit
}

// close tells the rows what was sent of them, then closes them.
func (rs *rowStream) close(cause error) error {
	if r, ok := rs.rows.(executor.SentRecorder); ok {
		r.RecordSent(rs.sent)
	}
	return rs.rows.Close(cause)
}

// resumer is Rows that re-check access before a suspended portal resumes.
type resumer interface {
	Resume(ctx context.Context) error
}

func (rs *rowStream) rowsResumer() (resumer, bool) {
	if rs == nil {
		return nil, false
	}
	r, ok := rs.rows.(resumer)
	return r, ok
}

// errPortalClosed is the Rows.Close cause for rows nobody will read.
var errPortalClosed = executor.ErrStoppedReading

// execPortal runs p, or resumes it, sending up to maxRows rows (0: all).
// With describe the RowDescription is sent first (simple protocol). The
// returned error is to be sent as ErrorResponse.
func (c *conn) execPortal(ctx context.Context, p *portal, maxRows int64, describe bool) error {
	sctx, done := c.stmtContext(ctx)
	defer done()
	if !p.started {
		p.started = true
		res, err := c.sess.Execute(sctx, p.st, p.params)
		p.params = nil // the executor owns them now
		if err != nil {
			p.done = true
			return err
		}
		p.res = res
		if res.Deallocate != nil {
			if err := c.deallocate(*res.Deallocate); err != nil {
				p.done = true
				return err
			}
		}
		switch {
		case res.CopyIn != nil:
			p.done = true
			return c.copyIn(sctx, res)
		case res.CopyOut != nil:
			p.done = true
			return c.copyOut(sctx, res)
		case res.Rows != nil:
			cols := res.Rows.Columns()
			formats, err := resultFormats(p.formats, len(cols))
			if err == nil {
				err = checkDescribed(p.desc, cols)
			}
			if err != nil {
				p.done = true
				res.Rows.Close(err)
				return err
			}
			p.cols, p.colFmts = cols, formats
			p.out = &rowStream{rows: res.Rows, enc: newRowEncoder(cols, formats, c.sess.TextFormat())}
			if describe {
				c.send(rowDescription(cols, formats))
			}
		}
	} else if r, ok := p.out.rowsResumer(); ok {
		// Resuming after PortalSuspended is a read like a new statement:
		// access to shared tables may have ended meanwhile.
		if err := r.Resume(sctx); err != nil {
			p.closeRows(err)
			p.done = true
			return err
		}
	}
	if p.out != nil {
		n, suspended, err := c.sendRows(sctx, p.out, maxRows)
		if err != nil {
			p.closeRows(err)
			p.done = true
			return err
		}
		if suspended {
			c.send(&pgproto3.PortalSuspended{})
			return nil
		}
		out := p.out
		p.out = nil
		p.done = true
		// Not acknowledged before its audit event is durable.
		if err := out.close(nil); err != nil {
			return err
		}
		c.complete(p.res, n)
		return nil
	}
	if p.res.Tag == "" && p.res.Rows == nil {
		c.send(&pgproto3.EmptyQueryResponse{})
		p.done = true
		return nil
	}
	if p.done && p.res.Rows != nil {
		c.complete(p.res, 0) // executed again after its last row
		return nil
	}
	p.done = true
	c.complete(p.res, -1)
	return nil
}

// closeRows closes the portal's rows, if still open, with cause.
func (p *portal) closeRows(cause error) {
	if p.out == nil {
		return
	}
	p.out.enc.reset()
	p.out.close(cause)
	p.out = nil
}

// complete sends res's notices and CommandComplete; n is the number of
// rows sent, or -1 for a result without rows.
func (c *conn) complete(res executor.Result, n int64) {
	for _, nt := range res.Notices {
		c.sendNotice(nt)
	}
	tag := res.Tag
	if n >= 0 && !res.NoCount {
		tag += " " + strconv.FormatInt(n, 10)
	}
	c.send(&pgproto3.CommandComplete{CommandTag: []byte(tag)})
}

// sendRows encodes rows into the output buffer, flushing it as it fills,
// until the rows end or maxRows (if > 0) were sent: suspended then.
func (c *conn) sendRows(ctx context.Context, rs *rowStream, maxRows int64) (n int64, suspended bool, err error) {
	for {
		if maxRows > 0 && n >= maxRows {
			return n, true, nil
		}
		if rs.rec == nil || rs.pos >= int(rs.rec.NumRows()) {
			rs.enc.reset()
			rs.rec = nil
			rec, err := rs.rows.Next(ctx)
			if errors.Is(err, io.EOF) {
				return n, false, nil
			}
			if err != nil {
				return n, false, err
			}
			if err := rs.enc.setBatch(rec); err != nil {
				return n, false, err
			}
			rs.rec, rs.pos = rec, 0
			continue
		}
		before := len(c.wbuf)
		c.wbuf = rs.enc.appendRow(c.wbuf, rs.pos)
		rs.sent.Rows++
		rs.sent.Bytes += int64(len(c.wbuf) - before)
		rs.pos++
		n++
		if err := c.maybeFlush(); err != nil {
			return n, false, err
		}
	}
}
