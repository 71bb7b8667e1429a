package executor

import (
	"context"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/sharehouse/sharehouse/executor/sqltype"
)

// A json set-returning function in FROM that reads the columns before it
// (FROM t, jsonb_each(t.doc)): its argument is evaluated over each batch
// of the left rows and every left row is repeated once per row the
// function returns for it, as a lateral join does, without binding a
// subquery per row.

// lateralJSONFunction binds rf as such a join with left; ok is false for
// the functions it does not handle.
func (q *queryBinder) lateralJSONFunction(left *relation, rf *pg.RangeFunction) (*relation, bool, error) {
	if len(rf.Functions) != 1 || rf.IsRowsfrom {
		return nil, false, nil
	}
	fc := rf.Functions[0].GetList().GetItems()[0].GetFuncCall()
	if fc == nil {
		return nil, false, nil
	}
	name := funcName(fc)
	def, ok := jsonSRF(name)
	if !ok {
		return nil, false, nil
	}
	def, err := def.withColumns(rf, q.x.evalContext().format)
	if err != nil {
		return nil, true, err
	}
	// The argument reads private copies of left's columns, numbered at
	// build time as left lays its batches out: an enclosing join may
	// renumber the shared columns for its own output.
	copies := make([]*scopeColumn, len(left.cols))
	for i, c := range left.cols {
		cp := *c
		cp.used = false
		copies[i] = &cp
	}
	sc := &scope{cols: copies, parent: q.outer, outerRef: q.outerRef}
	args := make([]Expr, len(fc.Args))
	for i, a := range fc.Args {
		e, err := q.bindExpr(a, sc)
		if err != nil {
			return nil, true, err
		}
		args[i] = e
	}
	args, err = def.bindArgs(name, args, fc.Location, func(e Expr, t sqltype.T) (Expr, error) { return q.cast(e, t, false, fc.Location) })
	if err != nil {
		return nil, true, err
	}
	for i, cp := range copies {
		if cp.used {
			left.cols[i].used = true
		}
	}
	rel, fields := jsonFromFields(rf, name, def)
	fnCols := make([]*scopeColumn, len(fields))
	for i, f := range fields {
		fnCols[i] = &scopeColumn{rel: rel, name: f.Name, t: f.T, dt: f.T.Arrow(), used: true, scalarRow: i == 0 && def.scalarRow(rf)}
	}
	all := append(append([]*scopeColumn{}, left.cols...), fnCols...)
	return &relation{cols: all, build: func() operator {
		lop := left.build()
		for i, c := range layoutCopy(left.cols) {
			copies[i].idx = c.idx
		}
		return &jsonLateralOp{env: q.env, left: lop, args: args, def: def, ordinality: rf.Ordinality, cols: layout(all)}
	}}, true, nil
}

// jsonFromFields names a json function's relation and columns in FROM:
// the alias, its column names, the OUT parameters' names.
func jsonFromFields(rf *pg.RangeFunction, name string, def jsonSRFDef) (string, []sqltype.RecordField) {
	fields := append([]sqltype.RecordField{}, def.cols...)
	if rf.Ordinality {
		fields = append(fields, sqltype.RecordField{Name: "ordinality", T: sqltype.Int8T})
	}
	rel := name
	if rf.Alias != nil {
		rel = rf.Alias.Aliasname
		if !def.outNamed {
			fields[0].Name = rel
		}
		for i, c := range rf.Alias.Colnames {
			if i < len(fields) {
				fields[i].Name = c.GetString_().GetSval()
			}
		}
	}
	return rel, fields
}

type jsonLateralOp struct {
	env        *env
	left       operator
	args       []Expr
	def        jsonSRFDef
	ordinality bool
	cols       []opColumn
	out        batchHolder
}

func (o *jsonLateralOp) columns() []opColumn { return o.cols }
func (o *jsonLateralOp) String() string      { return "Nested Loop (LATERAL function)" }
func (o *jsonLateralOp) close()              { o.out.release(); o.left.close() }

func (o *jsonLateralOp) next(ctx context.Context) (arrow.Record, error) {
	for {
		rec, err := o.left.next(ctx)
		if err != nil {
			return nil, err
		}
		out, err := o.joinBatch(ctx, rec)
		if err != nil {
			return nil, err
		}
		if out != nil {
			return o.out.set(out), nil
		}
	}
}

// joinBatch returns rec's rows each repeated per function row, with the
// function's columns; nil when there are none.
func (o *jsonLateralOp) joinBatch(ctx context.Context, rec arrow.Record) (arrow.Record, error) {
	ec := o.env.eval(ctx)
	vals := make([]arrow.Array, 0, len(o.args))
	defer func() { releaseArrays(vals) }()
	for _, a := range o.args {
		v, err := a.Eval(ec, rec)
		if err != nil {
			return nil, err
		}
		vals = append(vals, v)
	}
	nLeft := int(rec.NumCols())
	fnCols := o.cols[nLeft:]
	builders := make([]array.Builder, len(fnCols))
	for i, c := range fnCols {
		builders[i] = array.NewBuilder(o.env.mem, c.dt)
		defer builders[i].Release()
	}
	var idx []int32
	for i := 0; i < int(rec.NumRows()); i++ {
		if i%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		rows, err := o.def.rowsAt(vals, i)
		if err != nil {
			return nil, err
		}
		for k, r := range rows {
			for j, s := range r {
				if err := o.def.appendCol(builders[j], j, s); err != nil {
					return nil, err
				}
			}
			if o.ordinality {
				builders[len(r)].(*array.Int64Builder).Append(int64(k + 1))
			}
			idx = append(idx, int32(i))
		}
		if len(idx) > srfRowLimit {
			return nil, errTooLarge("the result of a set-returning function")
		}
	}
	if len(idx) == 0 {
		return nil, nil
	}
	arrs := make([]arrow.Array, 0, len(o.cols))
	for j := 0; j < nLeft; j++ {
		arrs = append(arrs, takeArray(o.env.mem, rec.Column(j), idx))
	}
	for _, b := range builders {
		arrs = append(arrs, b.NewArray())
	}
	out := array.NewRecord(schemaOf(o.cols), arrs, int64(len(idx)))
	releaseArrays(arrs)
	return out, nil
}
