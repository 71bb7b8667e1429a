package executor

import (
	"context"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/sharehouse/sharehouse/catalog"
)

// bindLateral binds `left, LATERAL (subquery) alias`: the subquery may name
// left's columns, so it is bound and run again for every left row (as a
// correlated subquery is), and each of its rows is joined to that row.
func (q *queryBinder) bindLateral(left *relation, rs *pg.RangeSubselect) (*relation, error) {
	sel := rs.Subquery.GetSelectStmt()
	outer := &scope{cols: left.cols}
	// A first binding with typed NULLs for left's columns learns the
	// subquery's output columns.
	probe := q.sub(outer)
	probe.outerRef = typedNull
	op, cols, err := probe.bindSelect(sel)
	if err != nil {
		return nil, err
	}
	op.close()
	alias := ""
	if rs.Alias != nil {
		alias = rs.Alias.Aliasname
	}
	var subCols []*scopeColumn
	for i, c := range cols {
		name := c.name
		if rs.Alias != nil && i < len(rs.Alias.Colnames) {
			name = rs.Alias.Colnames[i].GetString_().GetSval()
		}
		subCols = append(subCols, &scopeColumn{rel: alias, name: name, t: c.t, dt: c.dt, used: true})
	}
	all := append(append([]*scopeColumn{}, left.cols...), subCols...)
	return &relation{cols: all, build: func() operator {
		lop := left.build()
		// Left's columns as the left batches lay them out; an enclosing
		// join may renumber the shared scope columns later.
		local := map[*scopeColumn]*scopeColumn{}
		for i, c := range layoutCopy(left.cols) {
			local[left.cols[i]] = c
		}
		lo := &lateralOp{q: q, sel: sel, outer: outer, left: lop, local: local, subCols: subCols}
		lo.cols = layout(all)
		return lo
	}}, nil
}

// layoutCopy returns copies of cols numbered as layout would number them.
func layoutCopy(cols []*scopeColumn) []*scopeColumn {
	out := make([]*scopeColumn, len(cols))
	n := 0
	for i, c := range cols {
		cp := *c
		if c.used {
			cp.idx = n
			n++
		}
		out[i] = &cp
	}
	return out
}

// lateralOp runs its subquery for each row of its left input.
type lateralOp struct {
	q       *queryBinder
	sel     *pg.SelectStmt
	outer   *scope
	left    operator
	local   map[*scopeColumn]*scopeColumn
	subCols []*scopeColumn
	cols    []opColumn
	out     batchHolder
}

func (l *lateralOp) columns() []opColumn { return l.cols }
func (l *lateralOp) String() string      { return "Nested Loop (LATERAL)" }
func (l *lateralOp) close()              { l.out.release(); l.left.close() }

func (l *lateralOp) next(ctx context.Context) (arrow.Record, error) {
	for {
		rec, err := l.left.next(ctx)
		if err != nil {
			return nil, err
		}
		out, err := l.joinBatch(ctx, rec)
		if err != nil {
			return nil, err
		}
		if out.NumRows() == 0 {
			out.Release()
			continue
		}
		return l.out.set(out), nil
	}
}

func (l *lateralOp) joinBatch(ctx context.Context, rec arrow.Record) (arrow.Record, error) {
	env := l.q.env
	ec := env.eval(ctx)
	tx, done, err := l.q.x.s.readTx(ctx)
	if err != nil {
		return nil, err
	}
	defer done()
	var leftIdx []int32
	builders := make([]array.Builder, len(l.subCols))
	for i, c := range l.subCols {
		builders[i] = array.NewBuilder(env.mem, c.dt)
		defer builders[i].Release()
	}
	for r := 0; r < int(rec.NumRows()); r++ {
		row := rec.NewSlice(int64(r), int64(r+1))
		n, err := l.runFor(ec, tx, row, builders)
		row.Release()
		if err != nil {
			return nil, err
		}
		for k := 0; k < n; k++ {
			leftIdx = append(leftIdx, int32(r))
		}
	}
	cols := make([]arrow.Array, 0, len(l.cols))
	for c := 0; c < int(rec.NumCols()); c++ {
		cols = append(cols, takeArray(env.mem, rec.Column(c), leftIdx))
	}
	for _, b := range builders {
		cols = append(cols, b.NewArray())
	}
	out := array.NewRecord(schemaOf(l.cols), cols, int64(len(leftIdx)))
	releaseArrays(cols)
	return out, nil
}

// runFor runs the subquery for one left row, appending its rows.
func (l *lateralOp) runFor(ec *evalContext, tx *catalog.Tx, row arrow.Record, builders []array.Builder) (int, error) {
	p := &plan{}
	defer p.release()
	q := newQueryBinder(l.q.x, tx, p)
	q.ctes, q.outer = l.q.ctes, l.outer
	q.outerRef = rowValues(ec, row, l.local)
	op, _, err := q.bindSelect(l.sel)
	if err != nil {
		return 0, err
	}
	defer op.close()
	n := 0
	for {
		rec, err := op.next(ec.ctx)
		if errEOF(err) {
			return n, nil
		}
		if err != nil {
			return 0, err
		}
		for c, b := range builders {
			col := rec.Column(c)
			for i := 0; i < col.Len(); i++ {
				if err := appendValue(b, col, i); err != nil {
					return 0, err
				}
			}
		}
		n += int(rec.NumRows())
	}
}
