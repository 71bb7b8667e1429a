package executor

import (
	"context"
	"fmt"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/sharehouse/sharehouse/catalog"
	"github.com/sharehouse/sharehouse/executor/sqlstate"
	"github.com/sharehouse/sharehouse/executor/sqltype"
)

// This file binds the query forms built from other queries: WITH, set
// operations (UNION, INTERSECT, EXCEPT) and subqueries in expressions.

// addCTEs puts a WITH clause's queries in scope for the statement.
func (q *queryBinder) addCTEs(w *pg.WithClause) error {
	ctes := make(map[string]*pg.CommonTableExpr, len(q.ctes)+len(w.Ctes))
	for k, v := range q.ctes {
		ctes[k] = v
	}
	for _, n := range w.Ctes {
		cte := n.GetCommonTableExpr()
		if cte.Ctequery.GetSelectStmt() == nil {
			return notSupported("WITH holding %s is not supported", nodeKind(cte.Ctequery))
		}
		if w.Recursive && !cte.Cterecursive && referencesTable(cte.Ctequery.ProtoReflect(), cte.Ctename) {
			cte.Cterecursive = true
		}
		// A WITH query's own name hides an outer working table.
		if _, ok := q.work[cte.Ctename]; ok {
			work := map[string]*workTable{}
			for k, v := range q.work {
				if k != cte.Ctename {
					work[k] = v
				}
			}
			q.work = work
		}
		ctes[cte.Ctename] = cte
	}
	q.ctes = ctes
	return nil
}

// bindCTE binds a reference to a WITH query: each reference runs it.
func (q *queryBinder) bindCTE(cte *pg.CommonTableExpr, rv *pg.RangeVar) (*relation, error) {
	sb := q.sub(nil)
	op, cols, err := sb.bindSelect(cte.Ctequery.GetSelectStmt())
	if err != nil {
		return nil, err
	}
	alias := cte.Ctename
	var colnames []*pg.Node
	colnames = append(colnames, cte.Aliascolnames...)
	if rv.Alias != nil {
		alias = rv.Alias.Aliasname
		if len(rv.Alias.Colnames) > 0 {
			colnames = rv.Alias.Colnames
		}
	}
	return sb.passThrough(derivedRelation(alias, colnames, op, cols)), nil
}

// derivedRelation is a FROM item computed by an operator.
func derivedRelation(alias string, colnames []*pg.Node, op operator, cols []opColumn) *relation {
	var sc []*scopeColumn
	for i, c := range cols {
		name := c.name
		if i < len(colnames) {
			name = colnames[i].GetString_().GetSval()
		}
		sc = append(sc, &scopeColumn{rel: alias, name: name, t: c.t, dt: c.dt, used: true})
	}
	return &relation{cols: sc, build: func() operator {
		for i, c := range sc {
			c.idx = i
		}
		return op
	}}
}

// bindSetOp binds UNION / INTERSECT / EXCEPT [ALL] with its ORDER BY and LIMIT.
func (q *queryBinder) bindSetOp(sel *pg.SelectStmt) (operator, []opColumn, error) {
	opName := map[pg.SetOperation]string{pg.SetOperation_SETOP_UNION: "UNION", pg.SetOperation_SETOP_INTERSECT: "INTERSECT", pg.SetOperation_SETOP_EXCEPT: "EXCEPT"}[sel.Op]
	branches := setOpBranches(sel)
	ops := make([]operator, 0, len(branches))
	colsOf := make([][]opColumn, 0, len(branches))
	fail := func(err error) (operator, []opColumn, error) {
		for _, op := range ops {
			op.close()
		}
		return nil, nil, err
	}
	for _, br := range branches {
		op, cols, err := q.sub(q.outer).bindSelect(br)
		if err != nil {
			return fail(err)
		}
		ops = append(ops, op)
		colsOf = append(colsOf, cols)
	}
	cols, err := q.unifyBranches(colsOf, opName)
	if err != nil {
		return fail(err)
	}
	// Every branch is cast to each column's common type.
	for i := range ops {
		if ops[i], err = q.castBranch(ops[i], colsOf[i], cols); err != nil {
			return fail(err)
		}
	}
	var root operator
	if sel.Op == pg.SetOperation_SETOP_UNION {
		root = &unionOp{env: q.env, all: sel.All, inputs: ops, cols: cols}
	} else {
		root = &setOp{env: q.env, kind: sel.Op, all: sel.All, left: ops[0], right: ops[1], cols: cols}
	}
	// ORDER BY and LIMIT of a set operation name its output columns.
	var keys []sortKey
	for _, s := range sel.SortClause {
		sb := s.GetSortBy()
		idx := -1
		if k, ok := ordinal(sb.Node); ok && k >= 1 && k <= len(cols) {
			idx = k - 1
		} else if cr := sb.Node.GetColumnRef(); cr != nil {
			if f, _ := columnRefFields(cr); len(f) == 1 {
				for i, c := range cols {
					if c.name == f[0] {
						idx = i
						break
					}
				}
			}
		}
		if idx < 0 {
			root.close()
			return nil, nil, notSupported("ORDER BY on a %s must name an output column", opName)
		}
		keys = append(keys, sortKey{
			expr:       &boundCol{c: &scopeColumn{name: cols[idx].name, t: cols[idx].t, dt: cols[idx].dt, idx: idx}},
			desc:       sb.SortbyDir == pg.SortByDir_SORTBY_DESC,
			nullsFirst: sb.SortbyNulls == pg.SortByNulls_SORTBY_NULLS_FIRST || (sb.SortbyNulls == pg.SortByNulls_SORTBY_NULLS_DEFAULT && sb.SortbyDir == pg.SortByDir_SORTBY_DESC),
		})
	}
	if len(keys) > 0 {
		root = &sortOp{env: q.env, child: root, keys: keys, limit: -1}
	}
	limit, offset, err := q.bindLimit(sel)
	if err != nil {
		root.close()
		return nil, nil, err
	}
	if limit >= 0 || offset > 0 {
		root = &limitOp{child: root, offset: offset, count: limit}
	}
	return root, cols, nil
}

// setOpBranches returns the queries sel combines: its two arguments, or
// for UNION every branch of a left-deep chain of the same UNION [ALL]
// (a UNION b UNION c is (a UNION b) UNION c), in order. A branch with its
// own ORDER BY, LIMIT or WITH keeps its brackets. The chain is walked in
// a loop: a 5,000-branch UNION ALL binds 5,000 queries side by side, not
// 5,000 nested set operations.
func setOpBranches(sel *pg.SelectStmt) []*pg.SelectStmt {
	if sel.Op != pg.SetOperation_SETOP_UNION {
		return []*pg.SelectStmt{sel.Larg, sel.Rarg}
	}
	var rights []*pg.SelectStmt
	l := sel
	for l.Op == sel.Op && l.All == sel.All && (l == sel || plainSetOp(l)) {
		rights = append(rights, l.Rarg)
		l = l.Larg
	}
	out := make([]*pg.SelectStmt, 0, len(rights)+1)
	out = append(out, l)
	for i := len(rights) - 1; i >= 0; i-- {
		out = append(out, rights[i])
	}
	return out
}

// plainSetOp reports whether a nested set operation has nothing of its
// own besides its two arguments.
func plainSetOp(sel *pg.SelectStmt) bool {
	return len(sel.SortClause) == 0 && sel.LimitCount == nil && sel.LimitOffset == nil &&
		sel.WithClause == nil && len(sel.LockingClause) == 0
}

// unifyBranches returns the output columns of a set operation over
// branches of columns colsOf: each column's type is resolved pairwise from
// the left, as PostgreSQL resolves (a UNION b) UNION c.
func (q *queryBinder) unifyBranches(colsOf [][]opColumn, opName string) ([]opColumn, error) {
	cols := append([]opColumn(nil), colsOf[0]...)
	for _, bc := range colsOf[1:] {
		if len(bc) != len(cols) {
			return nil, sqlstate.Errorf(sqlstate.SyntaxError, "each %s query must have the same number of columns", opName)
		}
		for i := range cols {
			l := &boundCol{c: &scopeColumn{name: cols[i].name, t: cols[i].t, dt: cols[i].dt, idx: i}}
			r := &boundCol{c: &scopeColumn{name: bc[i].name, t: bc[i].t, dt: bc[i].dt, idx: i}}
			both, err := q.unify([]Expr{l, r}, opName)
			if err != nil {
				return nil, err
			}
			cols[i] = opColumn{name: cols[i].name, t: both[0].Type(), dt: both[0].DataType()}
		}
	}
	return cols, nil
}

// castBranch casts op's columns have to the types of cols where they differ.
func (q *queryBinder) castBranch(op operator, have, cols []opColumn) (operator, error) {
	exprs := make([]Expr, len(cols))
	cast := false
	for i, c := range have {
		exprs[i] = &boundCol{c: &scopeColumn{name: c.name, t: c.t, dt: c.dt, idx: i}}
		if c.t != cols[i].t || !arrow.TypeEqual(c.dt, cols[i].dt) {
			e, err := q.cast(exprs[i], cols[i].t, false, 0)
			if err != nil {
				return nil, err
			}
			exprs[i], cast = e, true
		}
	}
	if !cast {
		return op, nil
	}
	return newProjectOp(q.env, op, exprs, cols), nil
}

// setOp computes INTERSECT or EXCEPT, with or without ALL, counting the
// right side's rows by value in a hash table (UNION is unionOp).
type setOp struct {
	env         *env
	kind        pg.SetOperation
	all         bool
	left, right operator
	cols        []opColumn

	counts map[string]int // right side's rows
	built  bool
	out    batchHolder
}

func (s *setOp) columns() []opColumn { return s.cols }
func (s *setOp) close()              { s.out.release(); s.left.close(); s.right.close() }
func (s *setOp) String() string {
	name := map[pg.SetOperation]string{pg.SetOperation_SETOP_UNION: "Union", pg.SetOperation_SETOP_INTERSECT: "Intersect", pg.SetOperation_SETOP_EXCEPT: "Except"}[s.kind]
	if s.all {
		name += " All"
	}
	return name
}

func rowKey(buf []byte, rec arrow.Record, r int) []byte {
	buf = buf[:0]
	for c := 0; c < int(rec.NumCols()); c++ {
		buf = appendKey(buf, rec.Column(c), r)
	}
	return buf
}

func (s *setOp) next(ctx context.Context) (arrow.Record, error) {
	schema := schemaOf(s.cols)
	if !s.built {
		s.counts = map[string]int{}
		var key []byte
		for {
			rec, err := s.right.next(ctx)
			if errEOF(err) {
				break
			}
			if err != nil {
				return nil, err
			}
			for r := 0; r < int(rec.NumRows()); r++ {
				key = rowKey(key, rec, r)
				s.counts[string(key)]++
			}
		}
		s.built = true
	}
	emitted := map[string]bool{} // without ALL, each distinct row once
	var key []byte
	for {
		rec, err := s.left.next(ctx)
		if err != nil {
			return nil, err
		}
		var keep []int32
		for r := 0; r < int(rec.NumRows()); r++ {
			key = rowKey(key, rec, r)
			k := string(key)
			n := s.counts[k]
			var take bool
			if s.kind == pg.SetOperation_SETOP_INTERSECT {
				take = n > 0
				if s.all && take {
					s.counts[k] = n - 1
				}
			} else {
				take = n == 0
				if s.all && !take {
					s.counts[k] = n - 1
				}
			}
			if take && !s.all {
				if emitted[k] {
					take = false
				}
				emitted[k] = true
				if s.kind == pg.SetOperation_SETOP_EXCEPT {
					s.counts[k] = 0
				}
			}
			if take {
				keep = append(keep, int32(r))
			}
		}
		if len(keep) == 0 {
			continue
		}
		sub := takeRecord(s.env.mem, rec, keep)
		out := array.NewRecord(schema, sub.Columns(), sub.NumRows())
		sub.Release()
		return s.out.set(out), nil
	}
}

// bindSubLink binds a subquery in an expression. Only uncorrelated
// subqueries are supported: they run once, while the statement is bound,
// and stand in the expression as their result.
func (b *binder) bindSubLink(sl *pg.SubLink, sc *scope) (Expr, error) {
	if b.q == nil {
		return nil, notSupported("subqueries are not supported in this statement yet")
	}
	sub := b.q.sub(sc)
	correlated := false
	sub.outerRef = func(pe Expr) (Expr, error) {
		correlated = true
		return typedNull(pe)
	}
	op, cols, err := sub.bindSelect(sl.Subselect.GetSelectStmt())
	if err != nil {
		return nil, err
	}
	defer op.close()
	if correlated {
		if e, ok := b.q.markSubLink(sl, sc); ok {
			return e, nil
		}
		return b.correlated(sl, sc, cols)
	}
	switch sl.SubLinkType {
	case pg.SubLinkType_EXISTS_SUBLINK:
		if b.x.describeOnly {
			return boolConst(false), nil
		}
		rec, err := op.next(b.x.ctx)
		if err != nil && !errEOF(err) {
			return nil, err
		}
		return boolConst(err == nil && rec.NumRows() > 0), nil
	case pg.SubLinkType_EXPR_SUBLINK:
		if len(cols) != 1 {
			return nil, sqlstate.Errorf(sqlstate.SyntaxError, "subquery must return only one column").WithPosition(sl.Location + 1)
		}
		null := &constExpr{t: cols[0].t, value: nullArray(cols[0].dt), text: "NULL"}
		if b.x.describeOnly {
			return null, nil
		}
		vals, err := collect(b.x.ctx, op, 2)
		if err != nil {
			return nil, err
		}
		defer vals.Release()
		switch vals.Len() {
		case 0:
			return null, nil
		case 1:
			vals.Retain()
			return &constExpr{t: cols[0].t, value: vals, text: "(subquery)"}, nil
		}
		return nil, sqlstate.Errorf(sqlstate.CardinalityViolation, "more than one row returned by a subquery used as an expression")
	case pg.SubLinkType_ANY_SUBLINK:
		if len(sl.OperName) > 0 && sl.OperName[len(sl.OperName)-1].GetString_().GetSval() != "=" {
			return nil, notSupported("only IN and = ANY are supported with subqueries")
		}
		if len(cols) != 1 {
			return nil, sqlstate.Errorf(sqlstate.SyntaxError, "subquery has too many columns").WithPosition(sl.Location + 1)
		}
		x, err := b.bindExpr(sl.Testexpr, sc)
		if err != nil {
			return nil, err
		}
		elem := &boundCol{c: &scopeColumn{name: cols[0].name, t: cols[0].t, dt: cols[0].dt}}
		both, err := b.unify([]Expr{x, elem}, "IN")
		if err != nil {
			return nil, err
		}
		in := &inSetExpr{arg: both[0], set: map[string]bool{}}
		if b.x.describeOnly {
			return in, nil
		}
		vals, err := collect(b.x.ctx, op, -1)
		if err != nil {
			return nil, err
		}
		defer vals.Release()
		// The values are cast to the common type, then hashed.
		rec := array.NewRecord(schemaOf(cols), []arrow.Array{vals}, int64(vals.Len()))
		defer rec.Release()
		elem.c.idx = 0
		cast, err := both[1].Eval(b.x.evalContext(), rec)
		if err != nil {
			return nil, err
		}
		defer cast.Release()
		// Equal values hash alike: 1.0 and 1.00, {"a": 1.0} and {"a": 1}.
		keys := numericKeys(b.x.evalContext().mem, both[1].Type(), cast)
		defer keys.Release()
		var key []byte
		for i := 0; i < keys.Len(); i++ {
			if keys.IsNull(i) {
				in.hasNull = true
				continue
			}
			key = appendKey(key[:0], keys, i)
			in.set[string(key)] = true
		}
		return in, nil
	case pg.SubLinkType_ARRAY_SUBLINK:
		if len(cols) != 1 {
			return nil, sqlstate.Errorf(sqlstate.SyntaxError, "subquery must return only one column").WithPosition(sl.Location + 1)
		}
		if b.x.describeOnly {
			return textArrayConst("{}"), nil
		}
		lit, err := arrayOfSubquery(b.x.ctx, b.x.evalContext(), op)
		if err != nil {
			return nil, err
		}
		return textArrayConst(lit), nil
	}
	return nil, notSupported("%s subqueries are not supported yet", sl.SubLinkType)
}

// collect reads the single column of op; max > 0 stops after that many rows.
func collect(ctx context.Context, op operator, max int) (arrow.Array, error) {
	b := array.NewBuilder(defaultMem, op.columns()[0].dt)
	defer b.Release()
	for max < 0 || b.Len() < max {
		rec, err := op.next(ctx)
		if errEOF(err) {
			break
		}
		if err != nil {
			return nil, err
		}
		col := rec.Column(0)
		for i := 0; i < col.Len() && (max < 0 || b.Len() < max); i++ {
			if err := appendValue(b, col, i); err != nil {
				return nil, err
			}
		}
	}
	return b.NewArray(), nil
}

func boolConst(v bool) *constExpr {
	bb := array.NewBooleanBuilder(defaultMem)
	defer bb.Release()
	bb.Append(v)
	return &constExpr{t: sqltype.BoolT, value: bb.NewArray(), text: fmt.Sprint(v)}
}

// inSetExpr is x IN (subquery) or x IN (a list of constants) over the
// hashed values, with SQL's rule: no match and a NULL among the values
// (or x NULL) is NULL.
type inSetExpr struct {
	arg     Expr
	set     map[string]bool
	hasNull bool
	list    string // the list as EXPLAIN prints it; "" for a subquery
}

func (e *inSetExpr) Type() sqltype.T          { return sqltype.BoolT }
func (e *inSetExpr) DataType() arrow.DataType { return arrow.FixedWidthTypes.Boolean }
func (e *inSetExpr) String() string {
	if e.list != "" {
		return e.arg.String() + " IN " + e.list
	}
	return e.arg.String() + " IN (subquery)"
}
func (e *inSetExpr) Eval(ec *evalContext, rec arrow.Record) (arrow.Array, error) {
	v, err := e.arg.Eval(ec, rec)
	if err != nil {
		return nil, err
	}
	defer v.Release()
	keys := numericKeys(ec.mem, e.arg.Type(), v)
	defer keys.Release()
	n := v.Len()
	val, known := make([]bool, n), make([]bool, n)
	var key []byte
	for i := 0; i < n; i++ {
		if v.IsNull(i) {
			continue
		}
		key = appendKey(key[:0], keys, i)
		switch {
		case e.set[string(key)]:
			val[i], known[i] = true, true
		case !e.hasNull:
			known[i] = true
		}
	}
	return buildBool(ec, val, known), nil
}

// correlatedExpr is a subquery that names columns of the row it is
// evaluated for: it is bound and run again for every row, with those
// columns as constants. Correct for any subquery; a planner that turns
// them into joins is the fast path still to come.
type correlatedExpr struct {
	b     *binder
	sl    *pg.SubLink
	outer *scope
	test  Expr      // x of x IN (subquery)
	elemT sqltype.T // the subquery's column type, for IN
	t     sqltype.T
	dt    arrow.DataType
}

func (b *binder) correlated(sl *pg.SubLink, sc *scope, cols []opColumn) (Expr, error) {
	e := &correlatedExpr{b: b, sl: sl, outer: sc}
	switch sl.SubLinkType {
	case pg.SubLinkType_EXISTS_SUBLINK:
		e.t, e.dt = sqltype.BoolT, arrow.FixedWidthTypes.Boolean
	case pg.SubLinkType_EXPR_SUBLINK:
		if len(cols) != 1 {
			return nil, sqlstate.Errorf(sqlstate.SyntaxError, "subquery must return only one column").WithPosition(sl.Location + 1)
		}
		e.t, e.dt = cols[0].t, cols[0].dt
	case pg.SubLinkType_ARRAY_SUBLINK:
		if len(cols) != 1 {
			return nil, sqlstate.Errorf(sqlstate.SyntaxError, "subquery must return only one column").WithPosition(sl.Location + 1)
		}
		e.t, e.dt = tText, tText.Arrow()
	case pg.SubLinkType_ANY_SUBLINK:
		if len(sl.OperName) > 0 && sl.OperName[len(sl.OperName)-1].GetString_().GetSval() != "=" {
			return nil, notSupported("only IN and = ANY are supported with subqueries")
		}
		if len(cols) != 1 {
			return nil, sqlstate.Errorf(sqlstate.SyntaxError, "subquery has too many columns").WithPosition(sl.Location + 1)
		}
		test, err := b.bindExpr(sl.Testexpr, sc)
		if err != nil {
			return nil, err
		}
		e.test, e.elemT = test, cols[0].t
		e.t, e.dt = sqltype.BoolT, arrow.FixedWidthTypes.Boolean
	default:
		return nil, notSupported("%s subqueries are not supported yet", sl.SubLinkType)
	}
	return e, nil
}

func (e *correlatedExpr) Type() sqltype.T          { return e.t }
func (e *correlatedExpr) DataType() arrow.DataType { return e.dt }
func (e *correlatedExpr) String() string           { return "(correlated subquery)" }

func (e *correlatedExpr) Eval(ec *evalContext, rec arrow.Record) (arrow.Array, error) {
	n := int(rec.NumRows())
	out := array.NewBuilder(ec.mem, e.dt)
	defer out.Release()
	var tests arrow.Array
	if e.test != nil {
		var err error
		if tests, err = e.test.Eval(ec, rec); err != nil {
			return nil, err
		}
		defer tests.Release()
	}
	// Binding runs while rows stream, after the statement's own catalog
	// transaction has ended: each batch binds in a fresh one (or the
	// session's open write transaction).
	tx, done, err := e.b.x.s.readTx(ec.ctx)
	if err != nil {
		return nil, err
	}
	defer done()
	for r := 0; r < n; r++ {
		if err := ec.ctx.Err(); err != nil {
			return nil, err
		}
		row := rec.NewSlice(int64(r), int64(r+1))
		v, err := e.evalRow(ec, tx, row, tests, r)
		row.Release()
		if err != nil {
			return nil, err
		}
		err = appendValue(out, v, 0)
		v.Release()
		if err != nil {
			return nil, err
		}
	}
	return out.NewArray(), nil
}

// evalRow binds the subquery for one outer row and runs it.
func (e *correlatedExpr) evalRow(ec *evalContext, tx *catalog.Tx, row arrow.Record, tests arrow.Array, r int) (arrow.Array, error) {
	p := &plan{}
	defer p.release()
	q := newQueryBinder(e.b.x, tx, p)
	q.ctes, q.outer = e.b.q.ctes, e.outer
	q.outerRef = rowValues(ec, row, nil)
	op, _, err := q.bindSelect(e.sl.Subselect.GetSelectStmt())
	if err != nil {
		return nil, err
	}
	defer op.close()
	switch e.sl.SubLinkType {
	case pg.SubLinkType_EXISTS_SUBLINK:
		rec, err := op.next(ec.ctx)
		if err != nil && !errEOF(err) {
			return nil, err
		}
		return boolConst(err == nil && rec.NumRows() > 0).value, nil
	case pg.SubLinkType_EXPR_SUBLINK:
		vals, err := collect(ec.ctx, op, 2)
		if err != nil {
			return nil, err
		}
		switch vals.Len() {
		case 0:
			vals.Release()
			return nullArray(e.dt), nil
		case 1:
			return vals, nil
		}
		vals.Release()
		return nil, sqlstate.Errorf(sqlstate.CardinalityViolation, "more than one row returned by a subquery used as an expression")
	case pg.SubLinkType_ARRAY_SUBLINK:
		lit, err := arrayOfSubquery(ec.ctx, ec, op)
		if err != nil {
			return nil, err
		}
		return textArrayValue(lit), nil
	}
	// x IN (subquery): true on a match; else NULL if x or a value is NULL.
	vals, err := collect(ec.ctx, op, -1)
	if err != nil {
		return nil, err
	}
	defer vals.Release()
	if tests.IsNull(r) || vals.Len() == 0 {
		if vals.Len() == 0 {
			return boolConst(false).value, nil
		}
		return nullArray(e.dt), nil
	}
	x := &scopeColumn{name: "x", t: e.test.Type(), dt: tests.DataType(), idx: 0}
	y := &scopeColumn{name: "y", t: e.elemT, dt: vals.DataType(), idx: 1}
	eq, err := e.b.binary("=", &boundCol{c: x}, &boundCol{c: y}, 0)
	if err != nil {
		return nil, err
	}
	one := array.NewSlice(tests, int64(r), int64(r+1))
	xs, err := broadcast(ec.mem, one, vals.Len())
	one.Release()
	if err != nil {
		return nil, err
	}
	pair := array.NewRecord(arrow.NewSchema([]arrow.Field{{Name: "x", Type: xs.DataType(), Nullable: true}, {Name: "y", Type: vals.DataType(), Nullable: true}}, nil), []arrow.Array{xs, vals}, int64(vals.Len()))
	xs.Release()
	defer pair.Release()
	res, err := eq.Eval(ec, pair)
	if err != nil {
		return nil, err
	}
	defer res.Release()
	m := res.(*array.Boolean)
	seenNull := false
	for i := 0; i < m.Len(); i++ {
		if m.IsNull(i) {
			seenNull = true
		} else if m.Value(i) {
			return boolConst(true).value, nil
		}
	}
	if seenNull {
		return nullArray(e.dt), nil
	}
	return boolConst(false).value, nil
}

// typedNull binds an outer reference as a NULL of its type: a binding that
// only learns a subquery's shape.
func typedNull(pe Expr) (Expr, error) {
	return &constExpr{t: pe.Type(), value: nullArray(pe.DataType()), text: pe.String()}, nil
}

// rowValues binds outer references as the values of one outer row (a
// one-row batch); local, when set, renumbers the outer columns to row's
// layout.
func rowValues(ec *evalContext, row arrow.Record, local map[*scopeColumn]*scopeColumn) func(Expr) (Expr, error) {
	return func(pe Expr) (Expr, error) {
		e := pe
		if local != nil {
			e = substituteColumns(pe, local)
		}
		v, err := e.Eval(ec, row)
		if err != nil {
			return nil, err
		}
		defer v.Release()
		// A copy the constant may keep: the row's batch is not its to hold.
		return &constExpr{t: pe.Type(), value: takeArray(defaultMem, v, []int32{0}), text: pe.String()}, nil
	}
}
