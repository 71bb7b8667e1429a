package executor

import (
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/sharehouse/sharehouse/executor/sqlstate"
)

// aggBinding binds the expressions of an aggregate query (select list,
// HAVING, ORDER BY) over its aggregation's output: GROUP BY expressions and
// aggregate calls become references to output columns, and any other use
// of an input column is a grouping error, as in PostgreSQL.
type aggBinding struct {
	input   *scope
	groups  []Expr
	aggs    []aggCall
	outCols []*scopeColumn // groups, then aggregates
	// sets are the grouping sets (indexes into groups); nil for a plain
	// GROUP BY. groupings are the grouping() calls, output after aggs.
	sets      [][]int
	groupings []groupingCall
}

func (a *aggBinding) addGroup(e Expr) {
	for _, g := range a.groups {
		if g.String() == e.String() {
			return
		}
	}
	a.groups = append(a.groups, e)
	a.outCols = append(a.outCols, &scopeColumn{name: e.String(), t: e.Type(), dt: e.DataType(), idx: len(a.outCols), used: true})
}

// groupRef returns the output column of a GROUP BY expression equal to e.
func (a *aggBinding) groupRef(e Expr) (Expr, bool) {
	for i, g := range a.groups {
		if g.String() == e.String() {
			return &boundCol{c: a.outCols[i]}, true
		}
	}
	return nil, false
}

// fromInput maps an expression already bound over the input (a column of
// SELECT *) to the aggregation's output.
func (a *aggBinding) fromInput(e Expr) (Expr, error) {
	if r, ok := a.groupRef(e); ok {
		return r, nil
	}
	return nil, groupingError(e.String())
}

func groupingError(col string) *sqlstate.Error {
	return sqlstate.Errorf(sqlstate.GroupingError, "column %q must appear in the GROUP BY clause or be used in an aggregate function", col)
}

// intercept binds n if it is an aggregate call or a grouped expression;
// ok is false when ordinary binding should go on into n's parts.
func (a *aggBinding) intercept(b *binder, n *pg.Node, sc *scope) (Expr, bool, error) {
	if fc := n.GetFuncCall(); fc != nil && fc.Over == nil && isAggregate(funcName(fc)) {
		e, err := a.bindAggregate(b, fc)
		return e, true, err
	}
	if gf := n.GetGroupingFunc(); gf != nil {
		e, err := a.bindGrouping(b, gf)
		return e, true, err
	}
	if containsAggregateNode(n) || containsWindow(n) || containsSRF(n) {
		return nil, false, nil
	}
	if n.GetAConst() != nil || n.GetParamRef() != nil {
		return nil, false, nil
	}
	e, err := b.bindExpr(n, a.input)
	if err != nil {
		return nil, true, err
	}
	if r, ok := a.groupRef(e); ok {
		return r, true, nil
	}
	if cr := n.GetColumnRef(); cr != nil {
		return nil, true, groupingError(e.String()).WithPosition(cr.Location + 1)
	}
	if len(exprColumns(e)) == 0 {
		return e, true, nil // constant over the group: fine anywhere
	}
	return nil, false, nil
}

func (a *aggBinding) bindAggregate(b *binder, fc *pg.FuncCall) (Expr, error) {
	name := funcName(fc)
	var args []Expr
	for _, an := range fc.Args {
		if containsAggregateNode(an) {
			return nil, sqlstate.Errorf(sqlstate.GroupingError, "aggregate function calls cannot be nested").WithPosition(fc.Location + 1)
		}
		if wc := windowCallIn(an); wc != nil {
			return nil, sqlstate.Errorf(sqlstate.GroupingError, "aggregate function calls cannot contain window function calls").WithPosition(wc.Location + 1)
		}
		e, err := b.bindExpr(an, a.input)
		if err != nil {
			return nil, err
		}
		args = append(args, e)
	}
	infos := make([]argInfo, len(args))
	for i, e := range args {
		infos[i] = argOf(e)
	}
	var impl aggImpl
	var err error
	within := ""
	if fc.AggWithinGroup {
		within = " WITHIN GROUP " + args[0].String()
		// fn(fraction) WITHIN GROUP (ORDER BY x): x is what is aggregated.
		impl, args, err = a.bindOrderedSet(b, fc, name, args)
		fc = &pg.FuncCall{Funcname: fc.Funcname, Args: fc.Args, AggOrder: fc.AggOrder, AggFilter: fc.AggFilter, Location: fc.Location}
	} else {
		impl, err = resolveAggregate(name, infos, fc.AggStar, fc.AggDistinct)
	}
	if err != nil {
		return nil, withPosition(err, fc.Location)
	}
	var orderText []string
	if len(fc.AggOrder) > 0 {
		// agg(x ORDER BY k): the keys travel as extra arguments; the state
		// sorts each group's rows by them before the aggregate sees them.
		var keys []sortKey
		for _, o := range fc.AggOrder {
			sb := o.GetSortBy()
			e, err := b.bindExpr(sb.Node, a.input)
			if err != nil {
				return nil, err
			}
			keys = append(keys, sortKey{expr: e, desc: sb.SortbyDir == pg.SortByDir_SORTBY_DESC,
				nullsFirst: sb.SortbyNulls == pg.SortByNulls_SORTBY_NULLS_FIRST || (sb.SortbyNulls == pg.SortByNulls_SORTBY_NULLS_DEFAULT && sb.SortbyDir == pg.SortByDir_SORTBY_DESC)})
			args = append(args, e)
			orderText = append(orderText, e.String())
		}
		impl = orderedAggregate(impl, len(args)-len(keys), keys)
	}
	var filter Expr
	if fc.AggFilter != nil {
		f, err := b.bindExpr(fc.AggFilter, a.input)
		if err != nil {
			return nil, err
		}
		if filter, err = b.coerceBool(f, "FILTER"); err != nil {
			return nil, err
		}
	}
	text := aggText(name, args, fc, filter) + within
	if len(orderText) > 0 {
		text += " ORDER BY " + strings.Join(orderText, ", ")
	}
	for i, existing := range a.aggs {
		if existing.text == text {
			return &boundCol{c: a.outCols[len(a.groups)+i]}, nil
		}
	}
	a.aggs = append(a.aggs, aggCall{impl: impl, args: args, filter: filter, text: text})
	col := &scopeColumn{name: name, t: impl.Result.T, dt: impl.Result.DT, idx: len(a.outCols), used: true}
	a.outCols = append(a.outCols, col)
	return &boundCol{c: col}, nil
}

func aggText(name string, args []Expr, fc *pg.FuncCall, filter Expr) string {
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = a.String()
	}
	s := name + "("
	if fc.AggDistinct {
		s += "DISTINCT "
	}
	if fc.AggStar {
		s += "*"
	}
	s += strings.Join(parts, ", ") + ")"
	if filter != nil {
		s += " FILTER (WHERE " + filter.String() + ")"
	}
	return s
}

// operator builds the aggregation over child (the FROM/WHERE output).
func (a *aggBinding) operator(e *env, child operator) operator {
	cols := make([]opColumn, len(a.outCols), len(a.outCols)+len(a.groupings))
	for i, c := range a.outCols {
		cols[i] = opColumn{name: c.name, t: c.t, dt: c.dt}
	}
	for _, g := range a.groupings {
		g.col.idx = len(cols)
		cols = append(cols, opColumn{name: g.col.name, t: g.col.t, dt: g.col.dt})
	}
	if a.sets != nil {
		return &groupingSetsOp{env: e, child: child, a: a, cols: cols, sets: a.sets}
	}
	agg := newAggOp(e, child, a.groups, a.aggs, cols[:len(a.outCols)])
	if len(a.groupings) > 0 {
		return &groupingConstOp{env: e, child: agg, a: a, cols: cols}
	}
	return agg
}

// newAggOp is a plain hash aggregation: keys, then aggs.
func newAggOp(e *env, child operator, keys []Expr, aggs []aggCall, cols []opColumn) operator {
	return &hashAggOp{env: e, child: child, keys: keys, aggs: aggs, cols: cols}
}

// funcName is a call's function name, lower case, without pg_catalog.
func funcName(fc *pg.FuncCall) string {
	names := fc.Funcname
	return strings.ToLower(names[len(names)-1].GetString_().GetSval())
}

// containsAggregateNode reports whether n holds an aggregate call outside
// a subquery.
func containsAggregateNode(n *pg.Node) bool {
	found := false
	walkNodes(n, func(m *pg.Node) bool {
		if found {
			return false
		}
		if m.GetSubLink() != nil || m.GetSelectStmt() != nil {
			return false
		}
		if fc := m.GetFuncCall(); fc != nil && fc.Over == nil && isAggregate(funcName(fc)) {
			found = true
			return false
		}
		if m.GetGroupingFunc() != nil {
			found = true
			return false
		}
		return true
	})
	return found
}

// walkNodes visits the expression nodes under n (pre-order) while fn
// returns true for a node's children.
func walkNodes(n *pg.Node, fn func(*pg.Node) bool) {
	if n == nil || !fn(n) {
		return
	}
	var kids []*pg.Node
	switch {
	case n.GetAExpr() != nil:
		kids = []*pg.Node{n.GetAExpr().Lexpr, n.GetAExpr().Rexpr}
	case n.GetBoolExpr() != nil:
		kids = n.GetBoolExpr().Args
	case n.GetFuncCall() != nil:
		kids = append(kids, n.GetFuncCall().Args...)
		kids = append(kids, n.GetFuncCall().AggFilter)
	case n.GetTypeCast() != nil:
		kids = []*pg.Node{n.GetTypeCast().Arg}
	case n.GetNullTest() != nil:
		kids = []*pg.Node{n.GetNullTest().Arg}
	case n.GetBooleanTest() != nil:
		kids = []*pg.Node{n.GetBooleanTest().Arg}
	case n.GetCaseExpr() != nil:
		ce := n.GetCaseExpr()
		kids = append(kids, ce.Arg, ce.Defresult)
		kids = append(kids, ce.Args...)
	case n.GetCaseWhen() != nil:
		kids = []*pg.Node{n.GetCaseWhen().Expr, n.GetCaseWhen().Result}
	case n.GetCoalesceExpr() != nil:
		kids = n.GetCoalesceExpr().Args
	case n.GetMinMaxExpr() != nil:
		kids = n.GetMinMaxExpr().Args
	case n.GetList() != nil:
		kids = n.GetList().Items
	case n.GetResTarget() != nil:
		kids = []*pg.Node{n.GetResTarget().Val}
	case n.GetSortBy() != nil:
		kids = []*pg.Node{n.GetSortBy().Node}
	}
	for _, k := range kids {
		walkNodes(k, fn)
	}
}
