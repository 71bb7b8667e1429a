package executor

import (
	"context"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/sharehouse/sharehouse/executor/sqlstate"
)

// subJoinMode is what a subqueryJoinOp does with each outer row's value.
type subJoinMode int

const (
	subJoinSemi subJoinMode = iota // keep the rows whose value is true
	subJoinAnti                    // keep the rows whose value is false (not NULL)
	subJoinMark                    // append the value as a column
)

// subqueryJoinOp joins its outer rows to a decorrelated subquery
// (subquery_join.go): it hashes the subquery's rows by their correlation
// keys once, then computes the subquery's value for every outer row from
// its keys: EXISTS, IN with SQL's NULL rules, or the scalar value.
type subqueryJoinOp struct {
	env   *env
	d     *decorrelated
	mode  subJoinMode
	child operator
	cols  []opColumn

	built bool
	// Per correlation key: its entry in the tables below.
	keys    map[string]int32
	hasNull []bool          // IN: the key's rows include a NULL y
	pairs   map[string]bool // IN: key + y of every non-NULL y
	rowOf   []int32         // scalar: the key's row in values; -1 if several
	values  arrow.Array     // scalar: the subquery's value column
	noRows  arrow.Array     // scalar aggregate: its value over no rows
	out     batchHolder
}

func newSubqueryJoin(e *env, child operator, d *decorrelated, mode subJoinMode, col *scopeColumn) *subqueryJoinOp {
	cols := child.columns()
	if mode == subJoinMark {
		col.idx = len(cols)
		cols = append(append([]opColumn{}, cols...), opColumn{name: col.name, t: col.t, dt: col.dt})
	}
	return &subqueryJoinOp{env: e, d: d, mode: mode, child: child, cols: cols}
}

func (j *subqueryJoinOp) columns() []opColumn { return j.cols }

func (j *subqueryJoinOp) String() string {
	switch j.mode {
	case subJoinSemi:
		return "Hash Semi Join"
	case subJoinAnti:
		return "Hash Anti Join"
	}
	return "Hash Left Join"
}

func (j *subqueryJoinOp) close() {
	j.out.release()
	for _, a := range []arrow.Array{j.values, j.noRows} {
		if a != nil {
			a.Release()
		}
	}
	j.values, j.noRows = nil, nil
	j.child.close()
	j.d.inner.close()
	if j.d.empty != nil {
		j.d.empty.close()
	}
}

// build hashes the subquery's rows by key.
func (j *subqueryJoinOp) build(ctx context.Context) error {
	d := j.d
	recs, _, err := drain(ctx, d.inner)
	if err != nil {
		return err
	}
	defer releaseAll(recs)
	if err := j.env.fits("the subquery's rows", recs); err != nil {
		return err
	}
	all, err := concatRecords(j.env.mem, schemaOf(d.inner.columns()), recs)
	if err != nil {
		return err
	}
	defer all.Release()
	ec := j.env.eval(ctx)
	keys, err := evalKeys(ec, d.innerKeys, all)
	if err != nil {
		return err
	}
	defer releaseArrays(keys)
	var elems arrow.Array
	if d.elem != nil {
		es, err := evalKeys(ec, []Expr{d.elem}, all)
		if err != nil {
			return err
		}
		elems = es[0]
		defer elems.Release()
		j.pairs = map[string]bool{}
	}
	if d.kind == pg.SubLinkType_EXPR_SUBLINK {
		j.values = all.Column(int(all.NumCols()) - 1)
		j.values.Retain()
	}
	n := int(all.NumRows())
	j.keys = make(map[string]int32, n)
	var buf []byte
	for r := 0; r < n; r++ {
		var ok bool
		if buf, ok = rowKeyOf(buf[:0], keys, r); !ok {
			continue // a NULL key equals no outer row's
		}
		e, seen := j.keys[string(buf)]
		if !seen {
			e = int32(len(j.keys))
			j.keys[string(buf)] = e
			j.hasNull = append(j.hasNull, false)
			j.rowOf = append(j.rowOf, int32(r))
		} else {
			j.rowOf[e] = -1
		}
		if elems != nil {
			if elems.IsNull(r) {
				j.hasNull[e] = true
			} else {
				j.pairs[string(appendKey(buf, elems, r))] = true
			}
		}
	}
	j.built = true
	return nil
}

// rowKeyOf appends row r's key; ok is false when a part of it is NULL.
func rowKeyOf(buf []byte, keys []arrow.Array, r int) ([]byte, bool) {
	for _, k := range keys {
		if k.IsNull(r) {
			return buf, false
		}
		buf = appendKey(buf, k, r)
	}
	return buf, true
}

// evalKeys evaluates key expressions over rec, numerics canonical.
func evalKeys(ec *evalContext, es []Expr, rec arrow.Record) ([]arrow.Array, error) {
	out := make([]arrow.Array, len(es))
	for i, e := range es {
		v, err := e.Eval(ec, rec)
		if err != nil {
			releaseArrays(out[:i])
			return nil, err
		}
		out[i] = numericKeys(ec.mem, e.Type(), v)
		v.Release()
	}
	return out, nil
}

func (j *subqueryJoinOp) next(ctx context.Context) (arrow.Record, error) {
	if !j.built {
		if err := j.build(ctx); err != nil {
			return nil, err
		}
	}
	for {
		rec, err := j.child.next(ctx)
		if err != nil {
			return nil, err
		}
		out, err := j.probe(ctx, rec)
		if err != nil {
			return nil, err
		}
		if out.NumRows() == 0 {
			out.Release()
			continue
		}
		return j.out.set(out), nil
	}
}

// probe computes the subquery's value for one batch of outer rows.
func (j *subqueryJoinOp) probe(ctx context.Context, rec arrow.Record) (arrow.Record, error) {
	ec := j.env.eval(ctx)
	keys, err := evalKeys(ec, j.d.outerKeys, rec)
	if err != nil {
		return nil, err
	}
	defer releaseArrays(keys)
	n := int(rec.NumRows())
	if j.d.kind == pg.SubLinkType_EXPR_SUBLINK {
		return j.probeScalar(ec, rec, keys)
	}
	var tests arrow.Array
	if j.d.test != nil {
		ts, err := evalKeys(ec, []Expr{j.d.test}, rec)
		if err != nil {
			return nil, err
		}
		tests = ts[0]
		defer tests.Release()
	}
	val, known := make([]bool, n), make([]bool, n)
	var buf []byte
	for r := 0; r < n; r++ {
		var ok bool
		buf, ok = rowKeyOf(buf[:0], keys, r)
		e, found := j.keys[string(buf)]
		known[r] = true
		switch {
		case !ok || !found: // no subquery rows for this outer row
		case tests == nil: // EXISTS
			val[r] = true
		case tests.IsNull(r): // NULL IN (non-empty) is NULL
			known[r] = false
		case j.pairs[string(appendKey(buf, tests, r))]:
			val[r] = true
		case j.hasNull[e]: // no match, but a NULL might have been one
			known[r] = false
		}
	}
	if j.mode == subJoinMark {
		col := buildBool(ec, val, known)
		defer col.Release()
		return j.appendColumn(rec, col), nil
	}
	var keep []int32
	for r := 0; r < n; r++ {
		if known[r] && val[r] == (j.mode == subJoinSemi) {
			keep = append(keep, int32(r))
		}
	}
	return takeRecord(j.env.mem, rec, keep), nil
}

// probeScalar looks up each outer row's subquery value.
func (j *subqueryJoinOp) probeScalar(ec *evalContext, rec arrow.Record, keys []arrow.Array) (arrow.Record, error) {
	b := array.NewBuilder(ec.mem, j.cols[len(j.cols)-1].dt)
	defer b.Release()
	var buf []byte
	for r := 0; r < int(rec.NumRows()); r++ {
		var ok bool
		buf, ok = rowKeyOf(buf[:0], keys, r)
		e, found := j.keys[string(buf)]
		var err error
		switch {
		case ok && found && j.rowOf[e] < 0:
			return nil, sqlstate.Errorf(sqlstate.CardinalityViolation, "more than one row returned by a subquery used as an expression")
		case ok && found:
			err = appendValue(b, j.values, int(j.rowOf[e]))
		case j.d.empty != nil:
			// The aggregate over no rows, computed at the first miss.
			if j.noRows == nil {
				if j.noRows, err = collect(ec.ctx, j.d.empty, 1); err != nil {
					return nil, err
				}
			}
			if j.noRows.Len() == 1 {
				err = appendValue(b, j.noRows, 0)
			} else {
				b.AppendNull()
			}
		default:
			b.AppendNull()
		}
		if err != nil {
			return nil, err
		}
	}
	col := b.NewArray()
	defer col.Release()
	return j.appendColumn(rec, col), nil
}

func (j *subqueryJoinOp) appendColumn(rec arrow.Record, col arrow.Array) arrow.Record {
	cols := append(append([]arrow.Array{}, rec.Columns()...), col)
	return array.NewRecord(schemaOf(j.cols), cols, rec.NumRows())
}
