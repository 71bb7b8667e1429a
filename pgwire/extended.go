package pgwire

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/sharehouse/sharehouse/executor"
	"github.com/sharehouse/sharehouse/executor/sqlstate"
	"github.com/sharehouse/sharehouse/executor/sqltype"
)

// prepared is a statement made by Parse.
type prepared struct {
	st   Statement
	desc *description // what its last Describe announced; nil if never described
}

// description is what a Describe told the client about the rows of a
// statement or portal: their columns, nil for NoData. A client decodes the
// DataRows of a later Execute by it (pgx caches a statement's description
// and sends only Bind and Execute), so rows must match it.
type description struct {
	cols   []executor.Column
	portal bool // from Describe of the portal itself, not of its statement
}

func describedAs(cols []executor.Column, portal bool) *description {
	if len(cols) == 0 {
		cols = nil
	}
	return &description{cols: cols, portal: portal}
}

// checkDescribed refuses a result whose columns are not those a Describe
// announced, so that no DataRow reaches a client that expects none or
// other columns. A statement whose result changed since its Describe (a
// table altered in between) fails as in PostgreSQL, 0A000, and drivers
// prepare it again; any other difference is a bug of ours and answers
// XX000, its cause logged. Without a Describe the client asked for rows as
// they come, as PostgreSQL sends them.
func checkDescribed(d *description, cols []executor.Column) error {
	if d == nil || sameColumns(d.cols, cols) {
		return nil
	}
	if d.cols == nil {
		return fmt.Errorf("result of %s described as NoData", columnList(cols))
	}
	if d.portal {
		return fmt.Errorf("result of %s described as %s", columnList(cols), columnList(d.cols))
	}
	return sqlstate.Errorf(sqlstate.FeatureNotSupported, "cached plan must not change result type")
}

// sameColumns compares what a client decodes rows by: names and types.
func sameColumns(a, b []executor.Column) bool {
	return slices.EqualFunc(a, b, func(x, y executor.Column) bool {
		return x.Name == y.Name && x.Type.OID == y.Type.OID
	})
}

func columnList(cols []executor.Column) string {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = fmt.Sprintf("%q %d", c.Name, c.Type.OID)
	}
	return "(" + strings.Join(names, ", ") + ")"
}

// extended runs one extended-protocol message unless an earlier one failed
// since the last Sync. After an error everything up to Sync is skipped,
// so that a pipeline of dependent messages stops at the first failure.
func (c *conn) extended(fn func() error) {
	if c.ignoreTillSync {
		return
	}
	if err := fn(); err != nil {
		c.sendError(err)
		c.ignoreTillSync = true
		if c.inExtBatch && c.extBatchErr == nil {
			c.extBatchErr = err
		}
	}
}

func stmtNotFound(name string) error {
	if name == "" {
		return sqlstate.Errorf(sqlstate.UndefinedPreparedStatement, "unnamed prepared statement does not exist")
	}
	return sqlstate.Errorf(sqlstate.UndefinedPreparedStatement, "prepared statement %q does not exist", name)
}

func portalNotFound(name string) error {
	if name == "" {
		return sqlstate.Errorf(sqlstate.InvalidCursorName, "unnamed portal does not exist")
	}
	return sqlstate.Errorf(sqlstate.InvalidCursorName, "portal %q does not exist", name)
}

// parse answers Parse: the unnamed statement is replaced, a named one must
// be new.
func (c *conn) parse(ctx context.Context, m *pgproto3.Parse) error {
	if m.Name != "" {
		if _, ok := c.stmts[m.Name]; ok {
			return sqlstate.Errorf(sqlstate.DuplicatePreparedStatement, "prepared statement %q already exists", m.Name)
		}
	}
	oids := make([]sqltype.OID, len(m.ParameterOIDs))
	for i, o := range m.ParameterOIDs {
		oids[i] = sqltype.OID(o)
	}
	sctx, done := c.stmtContext(ctx)
	st, err := c.sess.Prepare(sctx, m.Query, oids)
	done()
	if err != nil {
		return err
	}
	c.stmts[m.Name] = &prepared{st: st}
	c.send(&pgproto3.ParseComplete{})
	return nil
}

// bind answers Bind: a portal over a prepared statement and its parameters.
// The parameters are copied out of the message, which the next Receive
// overwrites, into one allocation the executor then owns.
func (c *conn) bind(m *pgproto3.Bind) error {
	ps, ok := c.stmts[m.PreparedStatement]
	if !ok {
		return stmtNotFound(m.PreparedStatement)
	}
	if m.DestinationPortal != "" {
		if _, ok := c.portals[m.DestinationPortal]; ok {
			return sqlstate.Errorf(sqlstate.DuplicateCursor, "portal %q already exists", m.DestinationPortal)
		}
	}
	if want := len(ps.st.ParamTypes()); len(m.Parameters) != want {
		return sqlstate.Errorf(sqlstate.ProtocolViolation,
			"bind message supplies %d parameters, but prepared statement %q requires %d", len(m.Parameters), m.PreparedStatement, want)
	}
	pf := m.ParameterFormatCodes
	if len(pf) > 1 && len(pf) != len(m.Parameters) {
		return sqlstate.Errorf(sqlstate.ProtocolViolation,
			"bind message has %d parameter formats but %d parameters", len(pf), len(m.Parameters))
	}
	for _, f := range pf {
		if f != formatText && f != formatBinary {
			return sqlstate.Errorf(sqlstate.InvalidParameterValue, "unsupported format code: %d", f)
		}
	}
	for _, f := range m.ResultFormatCodes {
		if f != formatText && f != formatBinary {
			return sqlstate.Errorf(sqlstate.InvalidParameterValue, "unsupported format code: %d", f)
		}
	}
	size := 0
	for _, v := range m.Parameters {
		size += len(v)
	}
	arena := make([]byte, 0, size)
	params := make([]executor.Param, len(m.Parameters))
	for i, v := range m.Parameters {
		var f int16
		switch len(pf) {
		case 0:
		case 1:
			f = pf[0]
		default:
			f = pf[i]
		}
		if v == nil {
			params[i] = executor.Param{Null: true, Binary: f == formatBinary}
			continue
		}
		start := len(arena)
		arena = append(arena, v...)
		params[i] = executor.Param{Binary: f == formatBinary, Data: arena[start:len(arena):len(arena)]}
	}
	c.closePortal(m.DestinationPortal, errPortalClosed)
	c.portals[m.DestinationPortal] = &portal{st: ps.st, params: params, formats: slices.Clone(m.ResultFormatCodes), desc: ps.desc}
	c.send(&pgproto3.BindComplete{})
	return nil
}

// describe answers Describe of a statement (ParameterDescription, then
// RowDescription in text format or NoData) or of a portal (RowDescription
// in the portal's formats, or NoData).
func (c *conn) describe(ctx context.Context, m *pgproto3.Describe) error {
	switch m.ObjectType {
	case 'S':
		ps, ok := c.stmts[m.Name]
		if !ok {
			return stmtNotFound(m.Name)
		}
		types := ps.st.ParamTypes()
		oids := make([]uint32, len(types))
		for i, t := range types {
			oids[i] = uint32(t.OID)
		}
		sctx, done := c.stmtContext(ctx)
		cols, err := c.sess.Describe(sctx, ps.st, nil)
		done()
		if err != nil {
			return err
		}
		c.send(&pgproto3.ParameterDescription{ParameterOIDs: oids})
		ps.desc = describedAs(cols, false)
		if len(cols) == 0 {
			c.send(&pgproto3.NoData{})
			return nil
		}
		c.send(rowDescription(cols, nil))
		return nil
	case 'P':
		p, ok := c.portals[m.Name]
		if !ok {
			return portalNotFound(m.Name)
		}
		if p.cols != nil {
			c.send(rowDescription(p.cols, p.colFmts))
			return nil
		}
		if p.started {
			c.send(&pgproto3.NoData{})
			return nil
		}
		sctx, done := c.stmtContext(ctx)
		cols, err := c.sess.Describe(sctx, p.st, p.params)
		done()
		if err != nil {
			return err
		}
		if len(cols) == 0 {
			p.desc = describedAs(nil, true)
			c.send(&pgproto3.NoData{})
			return nil
		}
		formats, err := resultFormats(p.formats, len(cols))
		if err != nil {
			return err
		}
		p.desc = describedAs(cols, true)
		c.send(rowDescription(cols, formats))
		return nil
	default:
		return sqlstate.Errorf(sqlstate.ProtocolViolation, "invalid DESCRIBE message subtype %d", m.ObjectType)
	}
}

// execute answers Execute: the portal runs, or resumes after PortalSuspended.
func (c *conn) execute(ctx context.Context, m *pgproto3.Execute) error {
	p, ok := c.portals[m.Portal]
	if !ok {
		return portalNotFound(m.Portal)
	}
	// As in PostgreSQL, the Executes up to the next Sync are one implicit
	// transaction: a pipelined batch commits or fails as a whole.
	if !c.inExtBatch {
		c.sess.BeginBatch(2)
		c.inExtBatch = true
	}
	return c.execPortal(ctx, p, int64(m.MaxRows), false)
}

// deallocate drops prepared statements for DEALLOCATE and DISCARD ALL:
// the SQL statements and the protocol's Parse share one namespace, as in
// PostgreSQL (psqlODBC drops its "_PLAN…" statements with DEALLOCATE).
func (c *conn) deallocate(d executor.Deallocation) error {
	if d.All {
		for name := range c.stmts {
			if name != "" { // the unnamed statement is not a prepared statement of SQL's
				delete(c.stmts, name)
			}
		}
		return nil
	}
	if _, ok := c.stmts[d.Name]; !ok {
		return stmtNotFound(d.Name)
	}
	delete(c.stmts, d.Name)
	return nil
}

// closeObject answers Close; closing what does not exist is no error.
func (c *conn) closeObject(m *pgproto3.Close) error {
	switch m.ObjectType {
	case 'S':
		delete(c.stmts, m.Name)
	case 'P':
		c.closePortal(m.Name, errPortalClosed)
	default:
		return sqlstate.Errorf(sqlstate.ProtocolViolation, "invalid CLOSE message subtype %d", m.ObjectType)
	}
	c.send(&pgproto3.CloseComplete{})
	return nil
}

// sync answers Sync: the error state ends, portals end with the
// transaction (they survive only inside an explicit one), and
// ReadyForQuery is flushed.
func (c *conn) sync() {
	c.ignoreTillSync = false
	if c.inExtBatch {
		if err := c.sess.EndBatch(c.extBatchErr); err != nil {
			c.sendError(err) // the Executes' writes did not commit
		}
		c.inExtBatch, c.extBatchErr = false, nil
	}
	if c.sess.TxStatus() != 'T' {
		c.closeAllPortals(errPortalClosed)
	}
	c.sendChangedParameters()
	c.sendReady()
	c.flush()
}

// closePortal closes and forgets the named portal, if any.
func (c *conn) closePortal(name string, cause error) {
	if p, ok := c.portals[name]; ok {
		p.closeRows(cause)
		delete(c.portals, name)
	}
}

// closeAllPortals closes every portal.
func (c *conn) closeAllPortals(cause error) {
	for name, p := range c.portals {
		p.closeRows(cause)
		delete(c.portals, name)
	}
}
