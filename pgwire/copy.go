package pgwire

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/sharehouse/sharehouse/executor"
	"github.com/sharehouse/sharehouse/executor/sqlstate"
)

// copyIn runs COPY … FROM STDIN: CopyInResponse, then the executor reads
// the CopyData payloads through a copyReader until CopyDone. When it stops
// early (bad data) the error is sent at once and the client's remaining
// copy messages are ignored by the message loop, as PostgreSQL does.
func (c *conn) copyIn(ctx context.Context, res executor.Result) error {
	ci := res.CopyIn
	resp := &pgproto3.CopyInResponse{ColumnFormatCodes: make([]uint16, ci.Columns)}
	if ci.Binary {
		resp.OverallFormat = 1
		for i := range resp.ColumnFormatCodes {
			resp.ColumnFormatCodes[i] = 1
		}
	}
	c.send(resp)
	if err := c.flush(); err != nil {
		return err
	}
	r := &copyReader{c: c}
	out, err := ci.Run(ctx, r)
	if r.connErr != nil {
		return r.connErr
	}
	if err != nil {
		return err
	}
	if r.end != nil && !errors.Is(r.end, io.EOF) {
		// The executor finished without looking at the client's CopyFail
		// (or a protocol error): the client's word wins.
		return r.end
	}
	if out.Rows != nil {
		out.Rows.Close(nil)
		out.Rows = nil
	}
	c.complete(out, -1)
	return nil
}

// copyReader is the io.Reader over the CopyData payloads of one COPY FROM
// STDIN: io.EOF at CopyDone, an error at CopyFail. Flush and Sync are
// ignored (libpq may send them without noticing the command was a COPY).
type copyReader struct {
	c       *conn
	buf     []byte // rest of the current CopyData payload; valid until the next receive
	end     error  // io.EOF after CopyDone, the failure after CopyFail or a bad message
	connErr error  // the connection broke
}

func (r *copyReader) Read(p []byte) (int, error) {
	for len(r.buf) == 0 {
		if r.end != nil {
			return 0, r.end
		}
		if r.connErr != nil {
			return 0, r.connErr
		}
		msg, err := r.c.receive()
		if err != nil {
			r.connErr = err
			r.c.broken = err
			return 0, err
		}
		switch m := msg.(type) {
		case *pgproto3.CopyData:
			r.buf = m.Data
		case *pgproto3.CopyDone:
			r.end = io.EOF
		case *pgproto3.CopyFail:
			r.end = sqlstate.Errorf(sqlstate.QueryCanceled, "COPY from stdin failed: %s", m.Message)
		case *pgproto3.Flush, *pgproto3.Sync:
		default:
			r.end = sqlstate.Errorf(sqlstate.ProtocolViolation, "unexpected message type 0x%02X during COPY from stdin", msgType(msg))
		}
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

// msgType is the type byte of a frontend message, for error messages.
func msgType(msg pgproto3.FrontendMessage) byte {
	b, err := msg.Encode(nil)
	if err != nil || len(b) == 0 {
		return 0
	}
	return b[0]
}

// copyOut runs COPY … TO STDOUT: CopyOutResponse, one CopyData per payload
// the executor returns, CopyDone and CommandComplete.
func (c *conn) copyOut(ctx context.Context, res executor.Result) (err error) {
	co := res.CopyOut
	var sent executor.Sent
	closeOut := func(cause error) error {
		if co.RecordSent != nil {
			co.RecordSent(sent)
		}
		if co.Close != nil {
			return co.Close(cause)
		}
		return nil
	}
	resp := &pgproto3.CopyOutResponse{ColumnFormatCodes: make([]uint16, co.Columns)}
	if co.Binary {
		resp.OverallFormat = 1
		for i := range resp.ColumnFormatCodes {
			resp.ColumnFormatCodes[i] = 1
		}
	}
	c.send(resp)
	var n int64
	for {
		data, err := co.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			closeOut(err)
			return err
		}
		before := len(c.wbuf)
		c.wbuf = appendCopyData(c.wbuf, data)
		sent.Rows++
		sent.Bytes += int64(len(c.wbuf) - before)
		n++
		if err := c.maybeFlush(); err != nil {
			closeOut(err)
			return err
		}
	}
	c.send(&pgproto3.CopyDone{})
	if err := closeOut(nil); err != nil {
		return err
	}
	switch {
	case co.Tag != nil:
		res.Tag = co.Tag()
	case res.Tag == "" || res.Tag == "COPY":
		// No count from the executor: each text-format payload is a row.
		res.Tag = fmt.Sprintf("COPY %d", n)
	}
	c.complete(res, -1)
	return nil
}

// appendCopyData appends a CopyData message without the allocation of
// sending a *pgproto3.CopyData through an interface.
func appendCopyData(buf, data []byte) []byte {
	buf = append(buf, 'd')
	buf = binary.BigEndian.AppendUint32(buf, uint32(len(data)+4))
	return append(buf, data...)
}
