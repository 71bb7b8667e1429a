package executor

import (
	"github.com/apache/arrow/go/v17/arrow"
	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/sharehouse/sharehouse/catalog"
)

// RETURNING of INSERT, UPDATE and DELETE: the list is bound over the
// table's columns (tableScope) and evaluated on the rows as stored —
// inserted, updated (new values) or deleted — and those rows are sent once
// the statement has committed (ORMs read generated values this way; node
// and JDBC users write INSERT … RETURNING *).

// returning is a bound RETURNING list and the rows it collected.
type returning struct {
	exprs  []Expr
	cols   []opColumn
	schema *arrow.Schema
	recs   []arrow.Record
}

// bindReturning binds list over t's columns (named as rv names the
// table); nil when there is no RETURNING.
func (q *queryBinder) bindReturning(list []*pg.Node, t catalog.Table, rv *pg.RangeVar) (*returning, error) {
	if len(list) == 0 {
		return nil, nil
	}
	sc := tableScope(t, rv)
	targets, err := q.expandTargets(list, sc)
	if err != nil {
		return nil, err
	}
	r := &returning{}
	for _, tg := range targets {
		e := tg.expr
		if e == nil {
			if e, err = q.bindExpr(tg.node, sc); err != nil {
				return nil, err
			}
		}
		r.exprs = append(r.exprs, e)
		c := opColumn{name: tg.name, t: e.Type(), dt: e.DataType()}
		if bc, ok := e.(*boundCol); ok {
			c.tableOID, c.attnum = bc.c.tableOID, bc.c.attnum
		}
		r.cols = append(r.cols, c)
	}
	r.schema = schemaOf(r.cols)
	return r, nil
}

// add evaluates the list on rows of the table's stored schema.
func (r *returning) add(ec *evalContext, rows arrow.Record) error {
	if r == nil || rows.NumRows() == 0 {
		return nil
	}
	rec, err := evalAll(ec, r.schema, r.exprs, rows)
	if err != nil {
		return err
	}
	r.recs = append(r.recs, rec)
	return nil
}

// release drops the collected rows (the statement failed).
func (r *returning) release() {
	if r != nil {
		releaseAll(r.recs)
		r.recs = nil
	}
}

// result is the statement's result: tag gets the row count appended by
// pgwire, as for a SELECT.
func (r *returning) result(x *execution, tag string) Result {
	recs := r.recs
	r.recs = nil
	p := &plan{root: &replayOp{cols: r.cols, recs: recs}, cols: r.cols, releases: []func(){func() { releaseAll(recs) }}}
	return Result{Tag: tag, Rows: &planRows{p: p, cols: toColumns(r.cols), s: x.s, x: x}}
}
