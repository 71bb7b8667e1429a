package executor

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/sharehouse/sharehouse/catalog"
	"github.com/sharehouse/sharehouse/executor/sqltype"
)

// execution is one statement being bound and run.
type execution struct {
	s            *Session
	ctx          context.Context
	params       []Param
	paramTypes   []sqltype.T
	describeOnly bool
	ec           *evalContext
	started      time.Time
	shared       []sharedAccess // shared tables touched, for the audit
	sharedReads  []sharedRead   // what the plan reads through shares (cursor_access.go)
	bindDepth    int            // binding recursion depth (bind_depth.go)
	// colRefs, when set, hears each bare column reference bound and the
	// relation it belongs to (CREATE VIEW qualifies them so).
	colRefs func(cr *pg.ColumnRef, rel string)
	// starRefs, when set, hears each * of a select list bound and the
	// columns it stands for (CREATE VIEW spells them out).
	starRefs func(rt *pg.ResTarget, cols []*scopeColumn)
	// viewDepth counts the views being expanded, to stop a cycle.
	viewDepth int
	// touched is set by a writing statement before it first changes its
	// write transaction: one that fails before then left nothing to undo,
	// so a ROLLBACK TO SAVEPOINT after it is possible (writeClean).
	touched bool
	// refused are the table names that did not resolve, for the audit.
	refused []catalog.TableRef
}

func (x *execution) mem() memory.Allocator { return x.s.eng.mem }

func (x *execution) evalContext() *evalContext {
	if x.ec == nil {
		x.ec = newEvalContext(x.ctx, x.mem(), x.s.eng.now(), x.s.settings.format())
		x.ec.budget = newMemBudget(x.s.eng.queryMemory)
		x.ec.valueCap = x.s.eng.valueCap
	}
	return x.ec
}

func (x *execution) newEnv() *env {
	return &env{mem: x.mem(), start: *x.evalContext(), memLimit: x.s.eng.queryMemory}
}

// run executes one statement.
func (x *execution) run(st *Statement) (Result, error) {
	if st.p.Own != nil {
		return x.runOwn(st.p.Own)
	}
	n := st.p.PG.Stmt
	switch {
	case n.GetSelectStmt() != nil && n.GetSelectStmt().IntoClause != nil:
		return x.runCreateTableAs(n.GetSelectStmt().IntoClause, n, false)
	case n.GetCreateTableAsStmt() != nil:
		ct := n.GetCreateTableAsStmt()
		if ct.Objtype != pg.ObjectType_OBJECT_TABLE {
			return Result{}, notSupported("materialized views are not supported yet")
		}
		return x.runCreateTableAs(ct.Into, ct.Query, ct.IfNotExists)
	case n.GetSelectStmt() != nil:
		return x.runQuery(n.GetSelectStmt())
	case n.GetTransactionStmt() != nil:
		return x.runTransaction(n.GetTransactionStmt())
	case n.GetVariableSetStmt() != nil:
		return x.runSet(n.GetVariableSetStmt())
	case n.GetConstraintsSetStmt() != nil:
		return x.runConstraintsSet(n.GetConstraintsSetStmt())
	case n.GetVariableShowStmt() != nil:
		return x.runShow(n.GetVariableShowStmt())
	case n.GetInsertStmt() != nil:
		return x.runInsert(n.GetInsertStmt())
	case n.GetUpdateStmt() != nil:
		return x.runUpdate(n.GetUpdateStmt())
	case n.GetDeleteStmt() != nil:
		return x.runDelete(n.GetDeleteStmt())
	case n.GetTruncateStmt() != nil:
		return x.runTruncate(n.GetTruncateStmt())
	case n.GetCopyStmt() != nil:
		return x.runCopy(n.GetCopyStmt())
	case n.GetExplainStmt() != nil:
		return x.runExplain(n.GetExplainStmt())
	case n.GetDeclareCursorStmt() != nil:
		return x.runDeclareCursor(n.GetDeclareCursorStmt(), st.p.SQL)
	case n.GetFetchStmt() != nil:
		return x.runFetch(n.GetFetchStmt())
	case n.GetClosePortalStmt() != nil:
		return x.runClosePortal(n.GetClosePortalStmt())
	case n.GetDiscardStmt() != nil:
		switch n.GetDiscardStmt().Target {
		case pg.DiscardMode_DISCARD_ALL:
			x.s.closeAllCursors()
			x.s.seq = seqSession{} // currval and lastval forget, as in PostgreSQL
			return Result{Tag: "DISCARD ALL", Deallocate: &Deallocation{All: true}}, nil
		case pg.DiscardMode_DISCARD_SEQUENCES:
			x.s.seq = seqSession{}
			return Result{Tag: "DISCARD SEQUENCES"}, nil
		}
		return Result{Tag: "DISCARD ALL"}, nil
	case n.GetDeallocateStmt() != nil:
		d := n.GetDeallocateStmt()
		if d.Isall || d.Name == "" {
			return Result{Tag: "DEALLOCATE ALL", Deallocate: &Deallocation{All: true}}, nil
		}
		return Result{Tag: "DEALLOCATE", Deallocate: &Deallocation{Name: d.Name}}, nil
	}
	return x.runDDL(n)
}

// describe returns the columns st returns without running it.
func (x *execution) describe(st *Statement) ([]Column, error) {
	if st.p.Own != nil {
		return x.describeOwn(st.p.Own)
	}
	n := st.p.PG.Stmt
	switch {
	case n.GetSelectStmt() != nil && n.GetSelectStmt().IntoClause != nil:
		return nil, nil // SELECT … INTO returns no rows
	case n.GetSelectStmt() != nil:
		p, err := x.planQuery(n.GetSelectStmt())
		if err != nil {
			return nil, err
		}
		defer p.release()
		return toColumns(p.cols), nil
	case n.GetVariableShowStmt() != nil:
		return textColumns(showColumns(n.GetVariableShowStmt())), nil
	case n.GetExplainStmt() != nil:
		return textColumns(explainColumns()), nil
	case n.GetFetchStmt() != nil:
		return x.describeFetch(n.GetFetchStmt())
	case x.params != nil && noReturning(n):
		// A portal's INSERT/UPDATE/DELETE without RETURNING has no row
		// description; its statement was bound when prepared, and running
		// it reports what changed since. Drivers describe the portal at
		// every execution (pgx): binding it again cost a sixth of a
		// single-row INSERT.
		return nil, nil
	case n.GetInsertStmt() != nil:
		return x.bindOnlyInsert(n.GetInsertStmt())
	case n.GetUpdateStmt() != nil, n.GetDeleteStmt() != nil:
		return x.bindOnlyModify(n)
	}
	return nil, nil
}

// noReturning reports whether n is an INSERT, UPDATE or DELETE without a
// RETURNING list.
func noReturning(n *pg.Node) bool {
	switch {
	case n.GetInsertStmt() != nil:
		return len(n.GetInsertStmt().ReturningList) == 0
	case n.GetUpdateStmt() != nil:
		return len(n.GetUpdateStmt().ReturningList) == 0
	case n.GetDeleteStmt() != nil:
		return len(n.GetDeleteStmt().ReturningList) == 0
	}
	return false
}

func toColumns(cols []opColumn) []Column {
	out := make([]Column, len(cols))
	for i, c := range cols {
		out[i] = Column{Name: c.name, Type: c.t, TableOID: c.tableOID, AttNum: c.attnum}
	}
	return out
}

// planQuery binds a SELECT in a short read transaction (or the session's
// write transaction) and returns its plan; the caller must release it.
func (x *execution) planQuery(sel *pg.SelectStmt) (*plan, error) {
	tx, done, err := x.s.readTx(x.ctx)
	if err != nil {
		return nil, err
	}
	defer done()
	p := &plan{}
	q := newQueryBinder(x, tx, p)
	root, cols, err := q.bindSelect(sel)
	if err != nil {
		p.release()
		return nil, err
	}
	p.root, p.cols = root, cols
	return p, nil
}

func (x *execution) runQuery(sel *pg.SelectStmt) (Result, error) {
	p, err := x.planQuery(sel)
	if err != nil {
		return Result{}, err
	}
	return Result{Tag: "SELECT", Rows: &planRows{p: p, cols: toColumns(p.cols), s: x.s, x: x}}, nil
}

// planRows streams a plan's output to pgwire.
type planRows struct {
	p      *plan
	cols   []Column
	s      *Session // told when reading fails: the transaction is aborted
	x      *execution
	rows   int64 // handed out
	sent   *Sent // what the front end sent of them, once it said
	closed bool
}

// RecordSent keeps what pgwire sent, for the audit at Close.
func (r *planRows) RecordSent(s Sent) { r.sent = &s }

func (r *planRows) Columns() []Column { return r.cols }

func (r *planRows) Next(ctx context.Context) (arrow.Record, error) {
	if r.closed {
		return nil, io.EOF
	}
	rec, err := r.p.root.next(ctx)
	if err != nil && !errors.Is(err, io.EOF) {
		if r.s != nil {
			r.s.statementFailed()
		}
		return nil, translate(err)
	}
	if err == nil {
		r.rows += rec.NumRows()
	}
	return rec, err
}

func (r *planRows) Close(cause error) error {
	if r.closed {
		return nil
	}
	r.closed = true
	r.p.release()
	if r.x == nil {
		return nil
	}
	sent := Sent{Rows: r.rows}
	if r.sent != nil {
		sent = *r.sent
	}
	if errors.Is(cause, ErrStoppedReading) {
		cause = nil
	}
	return r.x.audit("SELECT", sent.Rows, sent.Bytes, translate(cause))
}

// tableRef resolves a RangeVar to database, schema and table as the
// session sees them: db.schema.t; schema.t in the current database, or
// db.public.t when no such schema exists but database db does; t in the
// first schema of search_path that has it, else in the first that exists
// (where CREATE puts it), else in public.
func (x *execution) tableRef(tx *catalog.Tx, rv *pg.RangeVar) (catalog.TableRef, error) {
	ref := catalog.TableRef{Database: x.s.db, Schema: catalog.DefaultSchema, Name: rv.Relname}
	switch {
	case rv.Catalogname == "" && rv.Schemaname == "":
		first := ""
		for _, s := range x.searchPath() {
			ref.Schema = s
			if _, err := tx.Table(ref); err == nil {
				return ref, nil
			}
			// Only CREATE TEMP makes tables in the temporary schema.
			if first == "" && !catalog.IsTempSchema(s) {
				if _, err := tx.Schema(x.s.db, s); err == nil {
					first = s
				}
			}
		}
		ref.Schema = first
		if first == "" {
			ref.Schema = catalog.DefaultSchema
		}
	case rv.Catalogname != "":
		ref.Database, ref.Schema = rv.Catalogname, rv.Schemaname
	case rv.Schemaname != "":
		s, err := x.tempSchemaOf(rv.Schemaname)
		if err != nil {
			return ref, err
		}
		ref.Schema = s
		if _, err := tx.Schema(x.s.db, s); catalog.IsNotFound(err) {
			if _, err := tx.Database(rv.Schemaname); err == nil {
				ref.Database, ref.Schema = rv.Schemaname, catalog.DefaultSchema
			}
		}
	}
	return ref, nil
}

func constInt64(c *constExpr) int64 {
	switch a := c.value.(type) {
	case *array.Int64:
		return a.Value(0)
	case *array.Int32:
		return int64(a.Value(0))
	case *array.Int16:
		return int64(a.Value(0))
	}
	return 0
}

func constString(c *constExpr) string {
	if a, ok := c.value.(*array.String); ok {
		return a.Value(0)
	}
	return c.text
}

// isTxEnd reports whether st ends a transaction block (allowed in a failed one).
func isTxEnd(st *Statement) bool {
	if st.p.PG == nil {
		return false
	}
	ts := st.p.PG.Stmt.GetTransactionStmt()
	if ts == nil {
		return false
	}
	switch ts.Kind {
	case pg.TransactionStmtKind_TRANS_STMT_COMMIT, pg.TransactionStmtKind_TRANS_STMT_ROLLBACK,
		pg.TransactionStmtKind_TRANS_STMT_ROLLBACK_TO:
		return true
	}
	return false
}
