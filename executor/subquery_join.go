package executor

import (
	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/sharehouse/sharehouse/executor/sqltype"
)

// Decorrelation: a correlated subquery whose only links to the outer row
// are equalities `inner expression = outer expression` in its WHERE
// conjuncts is run once, keyed by the inner sides, and hash-joined to the
// outer rows on the outer sides (subqueryJoinOp) instead of being bound
// and run again for every outer row (correlatedExpr). Anything else keeps
// the per-row path, which is correct for every subquery.
//
//   [NOT] EXISTS (SELECT … FROM f WHERE k = o AND rest)
//       → the keys of SELECT k FROM f WHERE rest
//   x [NOT] IN (SELECT y FROM f WHERE k = o AND rest)
//       → SELECT k, y FROM f WHERE rest, with IN's NULL rules per key
//   (SELECT agg(…) FROM f WHERE k = o AND rest)
//       → SELECT k, agg(…) FROM f WHERE rest GROUP BY k; a key with no
//         rows gets agg over no rows (count 0, sum NULL…), computed once
//   (SELECT y FROM f WHERE k = o AND rest)
//       → SELECT k, y FROM f WHERE rest; two rows for a key is 21000

// decorrelation turns the rewrite on; benchmarks turn it off to measure
// the per-row path it replaces.
var decorrelation = true

// decorrelated is a correlated subquery rewritten to run once.
type decorrelated struct {
	kind      pg.SubLinkType // EXISTS, ANY (IN) or EXPR (scalar)
	inner     operator       // innerKeys' columns, then the value column (IN, scalar)
	outerKeys []Expr         // over the outer rows
	innerKeys []Expr         // over inner's rows, of outerKeys' types
	test      Expr           // IN: x, over the outer rows
	elem      Expr           // IN: y over inner's rows, of test's type
	aggregate bool           // scalar: an aggregate without GROUP BY
	empty     operator       // scalar aggregate: its one row over no input
	t         sqltype.T      // the subquery's value type
}

// markJoin is a decorrelated subquery in an expression: its value per
// outer row is appended to the FROM rows as col.
type markJoin struct {
	d   *decorrelated
	col *scopeColumn
}

// semiJoin is a WHERE conjunct [NOT] EXISTS / [NOT] IN over a
// decorrelated subquery: it filters the rows.
type semiJoin struct {
	d    *decorrelated
	mode subJoinMode
}

// semiJoins takes the decorrelatable [NOT] EXISTS and [NOT] IN conjuncts
// out of where and returns the rest.
func (q *queryBinder) semiJoins(where *pg.Node, sc *scope) (*pg.Node, []semiJoin) {
	if where == nil {
		return nil, nil
	}
	conjuncts := []*pg.Node{where}
	if be := where.GetBoolExpr(); be != nil && be.Boolop == pg.BoolExprType_AND_EXPR {
		conjuncts = be.Args
	}
	var rest []*pg.Node
	var semis []semiJoin
	for _, c := range conjuncts {
		mode, sl := subJoinSemi, c.GetSubLink()
		if be := c.GetBoolExpr(); be != nil && be.Boolop == pg.BoolExprType_NOT_EXPR && len(be.Args) == 1 {
			mode, sl = subJoinAnti, be.Args[0].GetSubLink()
		}
		if sl != nil && (sl.SubLinkType == pg.SubLinkType_EXISTS_SUBLINK || sl.SubLinkType == pg.SubLinkType_ANY_SUBLINK) {
			if d := q.decorrelate(sl, sc); d != nil {
				semis = append(semis, semiJoin{d: d, mode: mode})
				continue
			}
		}
		rest = append(rest, c)
	}
	switch len(rest) {
	case 0:
		return nil, semis
	case len(conjuncts):
		return where, semis
	case 1:
		return rest[0], semis
	}
	return pg.MakeBoolExprNode(pg.BoolExprType_AND_EXPR, rest, where.GetBoolExpr().Location), semis
}

// markSubLink binds a correlated subquery in the FROM rows' scope as a
// join when it decorrelates; ok false leaves it to the per-row path.
func (q *queryBinder) markSubLink(sl *pg.SubLink, sc *scope) (Expr, bool) {
	if sc != q.fromScope || sc == nil {
		return nil, false
	}
	switch sl.SubLinkType {
	case pg.SubLinkType_EXISTS_SUBLINK, pg.SubLinkType_ANY_SUBLINK, pg.SubLinkType_EXPR_SUBLINK:
	default:
		return nil, false
	}
	d := q.decorrelate(sl, sc)
	if d == nil {
		return nil, false
	}
	col := &scopeColumn{name: "?subquery?", t: d.t, dt: d.t.Arrow(), used: true}
	if d.kind == pg.SubLinkType_EXPR_SUBLINK {
		cols := d.inner.columns()
		col.dt = cols[len(cols)-1].dt
	}
	q.marks = append(q.marks, &markJoin{d: d, col: col})
	return &boundCol{c: col}, true
}

// decorrelate rewrites sl's subquery to run once, or returns nil when it
// is not of a shape the rewrite is known to be exact for.
func (q *queryBinder) decorrelate(sl *pg.SubLink, sc *scope) *decorrelated {
	sel := sl.Subselect.GetSelectStmt()
	if !decorrelation || sel == nil || sel.Op != pg.SetOperation_SETOP_NONE || len(sel.ValuesLists) > 0 || sel.WithClause != nil ||
		sel.IntoClause != nil || len(sel.GroupClause) > 0 || sel.HavingClause != nil || len(sel.WindowClause) > 0 ||
		len(sel.LockingClause) > 0 || len(sel.FromClause) == 0 || sel.WhereClause == nil || sel.LimitOffset != nil {
		return nil
	}
	d := &decorrelated{kind: sl.SubLinkType}
	var target *pg.Node
	switch sl.SubLinkType {
	case pg.SubLinkType_EXISTS_SUBLINK:
		d.t = sqltype.BoolT
		// LIMIT n ≥ 1 and DISTINCT do not change whether a row exists.
		if sel.LimitCount != nil {
			c := sel.LimitCount.GetAConst()
			if c == nil || c.GetIval() == nil || c.GetIval().Ival < 1 {
				return nil
			}
		}
		// An aggregate makes one row whatever the WHERE: not a key lookup.
		for _, t := range sel.TargetList {
			if containsAggregateNode(t) || containsWindow(t) {
				return nil
			}
		}
	case pg.SubLinkType_ANY_SUBLINK, pg.SubLinkType_EXPR_SUBLINK:
		if len(sel.TargetList) != 1 || sel.LimitCount != nil {
			return nil
		}
		target = sel.TargetList[0].GetResTarget().GetVal()
		if target == nil || target.GetColumnRef() != nil && columnRefStar(target.GetColumnRef()) || containsWindow(target) {
			return nil
		}
		if sl.SubLinkType == pg.SubLinkType_ANY_SUBLINK {
			// IN has no operator name; = ANY names "=".
			if len(sl.OperName) > 0 && sl.OperName[len(sl.OperName)-1].GetString_().GetSval() != "=" || sl.Testexpr.GetRowExpr() != nil {
				return nil
			}
			if containsAggregateNode(target) {
				return nil
			}
			d.t = sqltype.BoolT
		} else {
			if sel.DistinctClause != nil {
				return nil
			}
			d.aggregate = containsAggregateNode(target)
		}
	default:
		return nil
	}

	// Bind the FROM list on its own to tell each conjunct's sides apart:
	// a side naming only inner columns, or only outer ones.
	probe := q.sub(sc)
	outerHit := false
	probe.outerRef = func(pe Expr) (Expr, error) {
		outerHit = true
		return typedNull(pe)
	}
	from, err := probe.bindFromClause(sel.FromClause)
	if err != nil || outerHit {
		return nil
	}
	isc := &scope{cols: from.cols, parent: sc, outerRef: probe.outerRef}
	// side reports whether n names inner columns and outer ones.
	side := func(n *pg.Node) (inner, outer, ok bool) {
		outerHit = false
		e, err := probe.bindExpr(n, isc)
		if err != nil {
			return false, false, false
		}
		return len(exprColumns(e)) > 0, outerHit, true
	}
	conjuncts := []*pg.Node{sel.WhereClause}
	if be := sel.WhereClause.GetBoolExpr(); be != nil && be.Boolop == pg.BoolExprType_AND_EXPR {
		conjuncts = be.Args
	}
	var rest, innerNodes, outerNodes []*pg.Node
	for _, c := range conjuncts {
		if containsSubLink(c) {
			// Binding it here would run its subquery; if it names the
			// outer row, binding the rewritten subquery below finds out.
			rest = append(rest, c)
			continue
		}
		if _, outer, ok := side(c); !ok {
			return nil
		} else if !outer {
			rest = append(rest, c)
			continue
		}
		ae := c.GetAExpr()
		if ae == nil || ae.Kind != pg.A_Expr_Kind_AEXPR_OP || len(ae.Name) != 1 || ae.Name[0].GetString_().GetSval() != "=" {
			return nil
		}
		li, lo, lok := side(ae.Lexpr)
		ri, ro, rok := side(ae.Rexpr)
		switch {
		case !lok || !rok:
			return nil
		case li && !lo && ro && !ri:
			innerNodes, outerNodes = append(innerNodes, ae.Lexpr), append(outerNodes, ae.Rexpr)
		case ri && !ro && lo && !li:
			innerNodes, outerNodes = append(innerNodes, ae.Rexpr), append(outerNodes, ae.Lexpr)
		default:
			return nil
		}
	}
	if len(innerNodes) == 0 {
		return nil
	}

	// The rewritten subquery: the inner sides, then the value.
	rew := &pg.SelectStmt{Op: pg.SetOperation_SETOP_NONE, FromClause: sel.FromClause, TargetList: make([]*pg.Node, 0, len(innerNodes)+1)}
	for _, n := range innerNodes {
		rew.TargetList = append(rew.TargetList, pg.MakeResTargetNodeWithVal(n, 0))
	}
	if target != nil {
		rew.TargetList = append(rew.TargetList, pg.MakeResTargetNodeWithVal(target, 0))
	}
	if d.aggregate {
		rew.GroupClause = innerNodes
	}
	switch len(rest) {
	case 0:
	case 1:
		rew.WhereClause = rest[0]
	default:
		rew.WhereClause = pg.MakeBoolExprNode(pg.BoolExprType_AND_EXPR, rest, 0)
	}
	uncorrelated := func(sel *pg.SelectStmt) (operator, []opColumn, bool) {
		sub := q.sub(sc)
		hit := false
		sub.outerRef = func(pe Expr) (Expr, error) {
			hit = true
			return typedNull(pe)
		}
		op, cols, err := sub.bindSelect(sel)
		if err != nil {
			return nil, nil, false
		}
		if hit {
			op.close()
			return nil, nil, false
		}
		return op, cols, true
	}
	inner, cols, ok := uncorrelated(rew)
	if !ok {
		return nil
	}
	fail := func() *decorrelated {
		inner.close()
		if d.empty != nil {
			d.empty.close()
		}
		return nil
	}
	d.inner = inner
	for i, n := range outerNodes {
		oe, err := q.bindExpr(n, sc)
		if err != nil {
			return fail()
		}
		ie := Expr(&boundCol{c: &scopeColumn{name: cols[i].name, t: cols[i].t, dt: cols[i].dt, idx: i}})
		both, err := q.unify([]Expr{oe, ie}, "=")
		if err != nil {
			return fail()
		}
		d.outerKeys, d.innerKeys = append(d.outerKeys, both[0]), append(d.innerKeys, both[1])
	}
	if target != nil {
		v := cols[len(cols)-1]
		if sl.SubLinkType == pg.SubLinkType_ANY_SUBLINK {
			x, err := q.bindExpr(sl.Testexpr, sc)
			if err != nil {
				return fail()
			}
			y := &boundCol{c: &scopeColumn{name: v.name, t: v.t, dt: v.dt, idx: len(cols) - 1}}
			both, err := q.unify([]Expr{x, y}, "IN")
			if err != nil {
				return fail()
			}
			d.test, d.elem = both[0], both[1]
		} else {
			d.t = v.t
		}
	}
	if d.aggregate {
		// The aggregate over no rows, for keys the subquery has none for.
		none := &pg.SelectStmt{Op: pg.SetOperation_SETOP_NONE, FromClause: sel.FromClause, TargetList: []*pg.Node{pg.MakeResTargetNodeWithVal(target, 0)},
			WhereClause: &pg.Node{Node: &pg.Node_AConst{AConst: &pg.A_Const{Val: &pg.A_Const_Boolval{Boolval: &pg.Boolean{Boolval: false}}}}}}
		op, _, ok := uncorrelated(none)
		if !ok {
			return fail()
		}
		d.empty = op
	}
	return d
}

// containsSubLink reports whether n holds a subquery.
func containsSubLink(n *pg.Node) bool {
	found := false
	walkNodes(n, func(m *pg.Node) bool {
		found = found || m.GetSubLink() != nil
		return !found
	})
	return found
}

// columnRefStar reports whether cr ends in *.
func columnRefStar(cr *pg.ColumnRef) bool {
	_, star := columnRefFields(cr)
	return star
}
