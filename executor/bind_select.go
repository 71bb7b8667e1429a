package executor

import (
	"fmt"
	"slices"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/sharehouse/sharehouse/catalog"
	"github.com/sharehouse/sharehouse/executor/sqlstate"
	"github.com/sharehouse/sharehouse/executor/sqltype"
)

// plan is a bound query ready to run: its root operator, output columns and
// what to release when it is done (table snapshots).
type plan struct {
	root     operator
	cols     []opColumn
	releases []func()
}

func (p *plan) release() {
	if p.root != nil {
		p.root.close()
		p.root = nil
	}
	for _, r := range p.releases {
		r()
	}
	p.releases = nil
}

// queryBinder binds one SELECT (and its subqueries) inside a catalog Tx.
type queryBinder struct {
	binder
	tx   *catalog.Tx
	env  *env
	plan *plan // collects snapshots to release
	// scans are the base-table scans made so far; pruning fixes their columns.
	scans []*pendingScan
	// passthrough, set by bindSelect, holds per output column the scan
	// column it passes through unchanged (nil if none), for filters of an
	// enclosing query; passScans are the scans those belong to.
	passthrough []*scopeColumn
	passScans   []*pendingScan
	// ctes are the WITH queries in scope, by name.
	ctes map[string]*pg.CommonTableExpr
	// work are the working tables of the WITH RECURSIVE terms being bound.
	work map[string]*workTable
	// outer is the enclosing query's scope when this binds a subquery;
	// outerRef binds references to it (see scope.outerRef).
	outer    *scope
	outerRef func(Expr) (Expr, error)
	// fromScope is the scope of the SELECT being bound's FROM rows; marks
	// are the correlated subqueries bound in it as joins (subquery_join.go).
	fromScope *scope
	marks     []*markJoin
}

// newQueryBinder binds queries of execution x in tx.
func newQueryBinder(x *execution, tx *catalog.Tx, p *plan) *queryBinder {
	q := &queryBinder{tx: tx, env: x.newEnv(), plan: p}
	q.binder = binder{x: x, q: q}
	return q
}

// sub returns a binder for a subquery: same transaction, plan and WITH
// queries, its own scans; outer is the scope it may not reach into.
func (q *queryBinder) sub(outer *scope) *queryBinder {
	s := &queryBinder{tx: q.tx, env: q.env, plan: q.plan, ctes: q.ctes, work: q.work, outer: outer}
	s.binder = binder{x: q.x, q: s}
	return s
}

// pendingScan is a table scan whose columns are decided after binding.
type pendingScan struct {
	name  string
	snap  *catalog.Snapshot
	table catalog.Table
	cols  []*scopeColumn
	// filters are conjuncts over cols alone that every row the query uses
	// satisfies: the scan may skip row groups where none can (scan_prune.go).
	filters []Expr
}

// bindFromClause binds a FROM list: its items cross-joined, LATERAL
// items joined to the items before them; no FROM is one empty row.
func (q *queryBinder) bindFromClause(items []*pg.Node) (*relation, error) {
	var from *relation
	var list []*relation
	for _, item := range items {
		if rs := item.GetRangeSubselect(); rs != nil && rs.Lateral && from != nil {
			r, err := q.bindLateral(from, rs)
			if err != nil {
				return nil, err
			}
			from, list = r, nil
			continue
		}
		r, err := q.bindFromItem(item)
		if rf := item.GetRangeFunction(); rf != nil && from != nil && readsLeft(rf, err) {
			// A function reading the columns before it.
			if from, err = q.lateralFunction(from, rf); err != nil {
				return nil, err
			}
			list = nil
			continue
		}
		if err != nil {
			return nil, err
		}
		if from == nil {
			from = r
		} else {
			from = q.crossJoin(from, r)
		}
		if list != nil || from == r {
			list = append(list, r)
		}
	}
	if from == nil {
		from = &relation{build: func() operator { return oneRowOp() }}
	}
	if len(list) == len(items) {
		from.list = list // WHERE may join them better (joinFromList)
	}
	return from, nil
}

// relation is a FROM item while binding: an operator factory plus the
// scope columns it yields, in output order.
type relation struct {
	cols  []*scopeColumn
	build func() operator
	// scans are the base-table scans a filter on this relation's rows may
	// prune: those not on the nullable side of an outer join. alias maps
	// the columns of derived tables that pass a column of one of them
	// through unchanged (bind_pushdown.go).
	scans []*pendingScan
	alias map[*scopeColumn]*scopeColumn
	// list, for a FROM list without LATERAL items, is its items, which
	// this relation cross-joins.
	list []*relation
}

// bindSelect binds a SELECT statement into a plan.
func (q *queryBinder) bindSelect(sel *pg.SelectStmt) (operator, []opColumn, error) {
	leave, err := q.enter()
	if err != nil {
		return nil, nil, err
	}
	defer leave()
	if sel.WithClause != nil {
		if err := q.addCTEs(sel.WithClause); err != nil {
			return nil, nil, err
		}
	}
	if sel.Op != pg.SetOperation_SETOP_NONE {
		return q.bindSetOp(sel)
	}
	if len(sel.ValuesLists) > 0 {
		return q.bindValues(sel)
	}
	if sel.IntoClause != nil {
		return nil, nil, notSupported("SELECT INTO is not supported")
	}
	from, err := q.bindFromClause(sel.FromClause)
	if err != nil {
		return nil, nil, err
	}
	sc := &scope{cols: from.cols, parent: q.outer, outerRef: q.outerRef}
	// Correlated subqueries bound in sc may become joins over from's rows.
	q.fromScope, q.marks = sc, nil

	// WHERE: [NOT] EXISTS and [NOT] IN conjuncts over correlated
	// subqueries become semi and anti joins where they can.
	if err := noWindowsIn("WHERE", sel.WhereClause); err != nil {
		return nil, nil, err
	}
	if err := noWindowsIn("GROUP BY", sel.GroupClause...); err != nil {
		return nil, nil, err
	}
	if err := noWindowsIn("HAVING", sel.HavingClause); err != nil {
		return nil, nil, err
	}
	whereNode, semis := q.semiJoins(sel.WhereClause, sc)
	var where Expr
	if whereNode != nil {
		e, err := q.bindExpr(whereNode, sc)
		if err != nil {
			return nil, nil, err
		}
		if containsAggregateNode(whereNode) {
			return nil, nil, sqlstate.Errorf(sqlstate.GroupingError, "aggregate functions are not allowed in WHERE")
		}
		if where, err = q.coerceBool(e, "WHERE"); err != nil {
			return nil, nil, err
		}
		pushFilters(where, from.scans, from.alias)
		if len(from.list) > 1 {
			// The same inner joins in a better order: the same scans.
			scans, alias := from.scans, from.alias
			from = q.joinFromList(from.list, where)
			from.scans, from.alias = scans, alias
		}
	}

	// Subqueries bound after WHERE join only the rows WHERE keeps, as the
	// per-row path evaluates them only for those.
	whereMarks := len(q.marks)

	// Expand the target list (including *).
	targets, err := q.expandTargets(sel.TargetList, sc)
	if err != nil {
		return nil, nil, err
	}

	grouped := len(sel.GroupClause) > 0 || sel.HavingClause != nil
	for _, t := range targets {
		if t.node != nil && containsAggregateNode(t.node) {
			grouped = true
		}
	}
	for _, s := range sel.SortClause {
		if containsAggregateNode(s.GetSortBy().Node) {
			grouped = true
		}
	}

	var agg *aggBinding
	outScope := sc
	if grouped {
		agg = &aggBinding{input: sc}
		bindKey := func(g *pg.Node) (Expr, error) {
			gn := g
			// GROUP BY 1 / GROUP BY alias refer to the select list.
			if k, ok := ordinal(g); ok {
				if k < 1 || k > len(targets) {
					return nil, sqlstate.Errorf(sqlstate.InvalidColumnReference, "GROUP BY position %d is not in select list", k)
				}
				if gn = targets[k-1].node; gn == nil {
					return targets[k-1].expr, nil // a column of *
				}
			} else if cr := g.GetColumnRef(); cr != nil {
				if f, _ := columnRefFields(cr); len(f) == 1 {
					if _, err := sc.resolve(f, cr.Location); err != nil {
						for _, t := range targets {
							if t.name == f[0] && t.node != nil {
								gn = t.node
							}
						}
					}
				}
			}
			if containsAggregateNode(gn) {
				return nil, sqlstate.Errorf(sqlstate.GroupingError, "aggregate functions are not allowed in GROUP BY")
			}
			return q.bindExpr(gn, sc)
		}
		if err := agg.bindGroupClause(sel.GroupClause, sel.GroupDistinct, bindKey); err != nil {
			return nil, nil, err
		}
		outScope = &scope{agg: agg}
	}

	// Window calls in the select list and ORDER BY are computed over the
	// grouped rows (or the FROM rows without grouping).
	win := &windowBinding{}
	if err := win.defineWindows(sel.WindowClause); err != nil {
		return nil, nil, err
	}
	outScope.win = win
	srf := &srfBinding{}
	outScope.srf = srf

	// SELECT list.
	var exprs []Expr
	var cols []opColumn
	for _, t := range targets {
		e := t.expr
		if e == nil {
			if e, err = q.bindExpr(t.node, outScope); err != nil {
				return nil, nil, err
			}
		} else if agg != nil {
			// A column expanded from * must be grouped too.
			if e, err = agg.fromInput(e); err != nil {
				return nil, nil, err
			}
		}
		if e.Type().OID == sqltype.Unknown {
			if e, err = q.cast(e, sqltype.TextT, false, 0); err != nil {
				return nil, nil, err
			}
		}
		exprs = append(exprs, e)
		c := opColumn{name: t.name, t: e.Type(), dt: e.DataType()}
		if bc, ok := e.(*boundCol); ok && agg == nil {
			c.tableOID, c.attnum = bc.c.tableOID, bc.c.attnum
		}
		cols = append(cols, c)
	}
	var having Expr
	if sel.HavingClause != nil {
		outScope.win, outScope.srf = nil, nil // HAVING filters before windows and sets are computed
		e, err := q.bindExpr(sel.HavingClause, outScope)
		outScope.win, outScope.srf = win, srf
		if err != nil {
			return nil, nil, err
		}
		if having, err = q.coerceBool(e, "HAVING"); err != nil {
			return nil, nil, err
		}
	}

	// ORDER BY: output columns by position or name, else expressions over
	// the query's input, carried as hidden columns.
	visible := len(exprs)
	distinctOn := len(sel.DistinctClause) > 0 && sel.DistinctClause[0].GetNode() != nil
	var keys []sortKey
	for _, s := range sel.SortClause {
		sb := s.GetSortBy()
		idx := -1
		if k, ok := ordinal(sb.Node); ok {
			if k < 1 || k > visible {
				return nil, nil, sqlstate.Errorf(sqlstate.InvalidColumnReference, "ORDER BY position %d is not in select list", k).WithPosition(sb.Location + 1)
			}
			idx = k - 1
		} else if cr := sb.Node.GetColumnRef(); cr != nil {
			if f, star := columnRefFields(cr); !star && len(f) == 1 {
				for i, c := range cols[:visible] {
					if c.name == f[0] {
						idx = i
						break
					}
				}
			}
		}
		if idx < 0 {
			e, err := q.bindExpr(sb.Node, outScope)
			if err != nil {
				return nil, nil, err
			}
			for i := 0; i < visible; i++ {
				if exprs[i].String() == e.String() {
					idx = i
				}
			}
			if idx < 0 {
				if sel.DistinctClause != nil && !distinctOn {
					return nil, nil, sqlstate.Errorf(sqlstate.InvalidColumnReference, "for SELECT DISTINCT, ORDER BY expressions must appear in select list").WithPosition(sb.Location + 1)
				}
				exprs = append(exprs, e)
				cols = append(cols, opColumn{name: "?sort?", t: e.Type(), dt: e.DataType()})
				idx = len(exprs) - 1
			}
		}
		ref := &scopeColumn{name: cols[idx].name, t: cols[idx].t, dt: cols[idx].dt, idx: idx}
		keys = append(keys, sortKey{
			expr:       &boundCol{c: ref},
			desc:       sb.SortbyDir == pg.SortByDir_SORTBY_DESC,
			nullsFirst: sb.SortbyNulls == pg.SortByNulls_SORTBY_NULLS_FIRST || (sb.SortbyNulls == pg.SortByNulls_SORTBY_NULLS_DEFAULT && sb.SortbyDir == pg.SortByDir_SORTBY_DESC),
		})
	}

	// DISTINCT ON (exprs): output columns or hidden ones, like ORDER BY.
	var onIdx []int
	if distinctOn {
		for _, n := range sel.DistinctClause {
			idx := -1
			if k, ok := ordinal(n); ok && k >= 1 && k <= visible {
				idx = k - 1
			} else {
				e, err := q.bindExpr(n, outScope)
				if err != nil {
					return nil, nil, err
				}
				for i := 0; i < len(exprs); i++ {
					if exprs[i].String() == e.String() {
						idx = i
						break
					}
				}
				if idx < 0 {
					exprs = append(exprs, e)
					cols = append(cols, opColumn{name: "?distinct?", t: e.Type(), dt: e.DataType()})
					idx = len(exprs) - 1
				}
			}
			onIdx = append(onIdx, idx)
		}
	}

	outScope.win = nil // a WINDOW clause may not hold window calls
	if err := win.checkUnused(&q.binder, outScope); err != nil {
		return nil, nil, err
	}
	outScope.win = win

	limit, offset, err := q.bindLimit(sel)
	if err != nil {
		return nil, nil, err
	}
	// Which output columns an outer filter may push into this query's
	// scans: those of a query that neither groups, windows, expands sets,
	// removes duplicates nor limits.
	q.passthrough, q.passScans = nil, nil
	if agg == nil && len(win.calls) == 0 && len(srf.calls) == 0 && sel.DistinctClause == nil && limit < 0 && offset == 0 {
		q.notePassthrough(from, exprs[:visible])
	}

	// Build operators, now that every used column is known.
	q.pruneScans()
	root := from.build()
	for _, m := range q.marks[:whereMarks] {
		root = newSubqueryJoin(q.env, root, m.d, subJoinMark, m.col)
	}
	if where != nil {
		root = &filterOp{env: q.env, child: root, pred: where}
	}
	for _, s := range semis {
		root = newSubqueryJoin(q.env, root, s.d, s.mode, nil)
	}
	for _, m := range q.marks[whereMarks:] {
		root = newSubqueryJoin(q.env, root, m.d, subJoinMark, m.col)
	}
	if agg != nil {
		root = agg.operator(q.env, root)
		if having != nil {
			root = &filterOp{env: q.env, child: root, pred: having}
		}
	}
	if len(win.calls) > 0 {
		root = newWindowOp(q.env, root, win.calls)
	}
	if len(srf.calls) > 0 {
		root = newProjectSetOp(q.env, root, srf.calls)
	}
	root = newProjectOp(q.env, root, exprs, cols)
	if sel.DistinctClause != nil && !distinctOn {
		root = &distinctOp{env: q.env, child: root}
	}
	if len(keys) > 0 {
		top := int64(-1)
		if limit >= 0 && !distinctOn {
			top = limit + offset
		}
		root = &sortOp{env: q.env, child: root, keys: keys, limit: top}
	}
	if distinctOn {
		// The first row of each key in sort order stays.
		root = &distinctOp{env: q.env, child: root, on: onIdx}
	}
	if limit >= 0 || offset > 0 {
		root = &limitOp{child: root, offset: offset, count: limit}
	}
	if len(exprs) > visible {
		final := make([]Expr, visible)
		for i := range final {
			final[i] = &boundCol{c: &scopeColumn{name: cols[i].name, t: cols[i].t, dt: cols[i].dt, idx: i}}
		}
		root = newProjectOp(q.env, root, final, cols[:visible])
		cols = cols[:visible]
	}
	return root, cols, nil
}

// target is one select-list entry: a node to bind, or (from *) a column.
type target struct {
	name string
	node *pg.Node
	expr Expr
}

func (q *queryBinder) expandTargets(list []*pg.Node, sc *scope) ([]target, error) {
	var out []target
	for _, n := range list {
		rt := n.GetResTarget()
		if cr := rt.Val.GetColumnRef(); cr != nil {
			if fields, star := columnRefFields(cr); star {
				matched := false
				var expanded []*scopeColumn
				for _, c := range sc.cols {
					if len(fields) > 0 && c.rel != fields[len(fields)-1] {
						continue
					}
					if len(fields) == 0 && c.hidden {
						continue
					}
					matched = true
					c.used = true
					out = append(out, target{name: c.name, expr: &boundCol{c: c}})
					expanded = append(expanded, c)
				}
				if q.x.starRefs != nil {
					q.x.starRefs(rt, expanded)
				}
				if len(fields) > 0 && !matched {
					return nil, sqlstate.Errorf(sqlstate.UndefinedTable, "missing FROM-clause entry for table %q", fields[len(fields)-1]).WithPosition(cr.Location + 1)
				}
				if len(fields) == 0 && len(sc.cols) == 0 && len(list) == 1 {
					return nil, sqlstate.Errorf(sqlstate.SyntaxError, "SELECT * with no tables specified is not valid").WithPosition(cr.Location + 1)
				}
				continue
			}
		}
		name := rt.Name
		if name == "" {
			name = columnName(rt.Val)
		}
		out = append(out, target{name: name, node: rt.Val})
	}
	return out, nil
}

// columnName is the name PostgreSQL gives an unnamed select-list entry.
func columnName(n *pg.Node) string {
	switch {
	case n.GetColumnRef() != nil:
		f, _ := columnRefFields(n.GetColumnRef())
		if len(f) > 0 {
			return f[len(f)-1]
		}
	case n.GetFuncCall() != nil:
		names := n.GetFuncCall().Funcname
		return names[len(names)-1].GetString_().GetSval()
	case n.GetTypeCast() != nil:
		tc := n.GetTypeCast()
		if inner := columnName(tc.Arg); inner != "?column?" {
			return inner
		}
		names := tc.TypeName.Names
		name := names[len(names)-1].GetString_().GetSval()
		if alias, ok := typeColumnNames[name]; ok {
			return alias
		}
		return name
	case n.GetAIndirection() != nil:
		ind := n.GetAIndirection().Indirection
		if s := ind[len(ind)-1].GetString_(); s != nil {
			return s.Sval // (f(x)).n is named n
		}
	case n.GetCaseExpr() != nil:
		return "case"
	case n.GetCoalesceExpr() != nil:
		return "coalesce"
	case n.GetMinMaxExpr() != nil:
		if n.GetMinMaxExpr().Op == pg.MinMaxOp_IS_LEAST {
			return "least"
		}
		return "greatest"
	case n.GetSqlvalueFunction() != nil:
		return sqlValueFunctionNames[n.GetSqlvalueFunction().Op]
	case n.GetAExpr() != nil && n.GetAExpr().Kind == pg.A_Expr_Kind_AEXPR_NULLIF:
		return "nullif"
	}
	return "?column?"
}

// typeColumnNames: `SELECT x::integer` is named after the internal type name.
var typeColumnNames = map[string]string{
	"integer": "int4", "int": "int4", "smallint": "int2", "bigint": "int8", "real": "float4",
	"double precision": "float8", "boolean": "bool", "decimal": "numeric", "character varying": "varchar",
	"character": "bpchar", "char": "bpchar",
}

var sqlValueFunctionNames = map[pg.SQLValueFunctionOp]string{
	pg.SQLValueFunctionOp_SVFOP_CURRENT_DATE: "current_date", pg.SQLValueFunctionOp_SVFOP_CURRENT_TIMESTAMP: "current_timestamp",
	pg.SQLValueFunctionOp_SVFOP_CURRENT_TIMESTAMP_N: "current_timestamp", pg.SQLValueFunctionOp_SVFOP_LOCALTIMESTAMP: "localtimestamp",
	pg.SQLValueFunctionOp_SVFOP_CURRENT_USER: "current_user", pg.SQLValueFunctionOp_SVFOP_SESSION_USER: "session_user",
	pg.SQLValueFunctionOp_SVFOP_USER: "current_user", pg.SQLValueFunctionOp_SVFOP_CURRENT_ROLE: "current_role",
	pg.SQLValueFunctionOp_SVFOP_CURRENT_CATALOG: "current_catalog", pg.SQLValueFunctionOp_SVFOP_CURRENT_SCHEMA: "current_schema",
}

// ordinal reports whether n is an integer constant (ORDER BY 1).
func ordinal(n *pg.Node) (int, bool) {
	if c := n.GetAConst(); c != nil {
		if iv := c.GetIval(); iv != nil {
			return int(iv.Ival), true
		}
	}
	return 0, false
}

func (q *queryBinder) bindLimit(sel *pg.SelectStmt) (limit, offset int64, err error) {
	limit = -1
	if sel.LimitOption == pg.LimitOption_LIMIT_OPTION_WITH_TIES {
		return 0, 0, notSupported("FETCH FIRST … WITH TIES is not supported yet")
	}
	eval := func(n *pg.Node, what string) (int64, bool, error) {
		e, err := q.bindExpr(n, &scope{})
		if err != nil {
			return 0, false, err
		}
		if e, err = q.cast(e, sqltype.Int8T, false, 0); err != nil {
			return 0, false, err
		}
		c, ok := e.(*constExpr)
		if !ok {
			if _, isParam := e.(*funcExpr); isParam || q.x.describeOnly {
				return 0, true, nil // a parameter: its value comes with Execute
			}
			return 0, false, notSupported("%s must be a constant", what)
		}
		if c.isNull() {
			return 0, true, nil
		}
		return constInt64(c), false, nil
	}
	if sel.LimitCount != nil {
		v, null, err := eval(sel.LimitCount, "LIMIT")
		if err != nil {
			return 0, 0, err
		}
		if !null {
			if v < 0 {
				return 0, 0, sqlstate.Errorf(sqlstate.InvalidRowCountInLimit, "LIMIT must not be negative")
			}
			limit = v
		}
	}
	if sel.LimitOffset != nil {
		v, null, err := eval(sel.LimitOffset, "OFFSET")
		if err != nil {
			return 0, 0, err
		}
		if !null {
			if v < 0 {
				return 0, 0, sqlstate.Errorf(sqlstate.InvalidRowCountInResultOffset, "OFFSET must not be negative")
			}
			offset = v
		}
	}
	return limit, offset, nil
}

// bindValues binds VALUES (…), (…) into a constant relation.
func (q *queryBinder) bindValues(sel *pg.SelectStmt) (operator, []opColumn, error) {
	var rows [][]Expr
	for _, l := range sel.ValuesLists {
		var row []Expr
		for _, item := range l.GetList().Items {
			e, err := q.bindExpr(item, &scope{})
			if err != nil {
				return nil, nil, err
			}
			row = append(row, e)
		}
		if len(rows) > 0 && len(row) != len(rows[0]) {
			return nil, nil, sqlstate.Errorf(sqlstate.SyntaxError, "VALUES lists must all be the same length")
		}
		rows = append(rows, row)
	}
	return q.valuesRelation(rows, nil)
}

// valuesRelation evaluates rows of expressions (unified per column) into
// one batch; colTypes, when given, are the types to cast to (INSERT).
func (q *queryBinder) valuesRelation(rows [][]Expr, colTypes []sqltype.T) (operator, []opColumn, error) {
	ncols := len(rows[0])
	cols := make([]opColumn, ncols)
	for c := 0; c < ncols; c++ {
		col := make([]Expr, len(rows))
		for r := range rows {
			col[r] = rows[r][c]
		}
		var err error
		if colTypes != nil {
			for r := range col {
				if col[r], err = q.assign(col[r], colTypes[c], 0); err != nil {
					return nil, nil, err
				}
			}
		} else if col, err = q.unify(col, "VALUES"); err != nil {
			return nil, nil, err
		}
		for r := range rows {
			rows[r][c] = col[r]
		}
		cols[c] = opColumn{name: fmt.Sprintf("column%d", c+1), t: col[0].Type(), dt: col[0].DataType()}
	}
	if q.x.describeOnly {
		// Describing needs only the types; parameters have no values yet.
		return &valuesOp{cols: cols}, cols, nil
	}
	schema := schemaOf(cols)
	one := oneRowRecord()
	defer one.Release()
	ec := q.env.eval(q.x.ctx)
	var recs []arrow.Record
	defer func() { releaseAll(recs) }()
	for _, row := range rows {
		rec, err := evalAll(ec, schema, row, one)
		if err != nil {
			return nil, nil, err
		}
		recs = append(recs, rec)
	}
	all, err := concatRecords(q.env.mem, schema, recs)
	if err != nil {
		return nil, nil, err
	}
	return &valuesOp{cols: cols, rec: all}, cols, nil
}

// bindFromItem binds one FROM item: a table, join, function or subquery.
func (q *queryBinder) bindFromItem(n *pg.Node) (*relation, error) {
	switch {
	case n.GetRangeVar() != nil:
		return q.bindTable(n.GetRangeVar())
	case n.GetJoinExpr() != nil:
		return q.bindJoin(n.GetJoinExpr())
	case n.GetRangeFunction() != nil:
		return q.bindRangeFunction(n.GetRangeFunction())
	case n.GetRangeSubselect() != nil:
		rs := n.GetRangeSubselect()
		if rs.Lateral {
			return nil, notSupported("LATERAL is not supported yet")
		}
		sb := q.sub(nil)
		op, cols, err := sb.bindSelect(rs.Subquery.GetSelectStmt())
		if err != nil {
			return nil, err
		}
		alias := ""
		if rs.Alias != nil {
			alias = rs.Alias.Aliasname
		}
		var sc []*scopeColumn
		for i, c := range cols {
			name := c.name
			if rs.Alias != nil && i < len(rs.Alias.Colnames) {
				name = rs.Alias.Colnames[i].GetString_().GetSval()
			}
			sc = append(sc, &scopeColumn{rel: alias, name: name, t: c.t, dt: c.dt, used: true})
		}
		return sb.passThrough(&relation{cols: sc, build: func() operator {
			for i, c := range sc {
				c.idx = i
			}
			return op
		}}), nil
	}
	return nil, notSupported("FROM item %s is not supported yet", nodeKind(n))
}

// bindTable resolves a table name and takes its snapshot.
func (q *queryBinder) bindTable(rv *pg.RangeVar) (*relation, error) {
	if w, ok := q.work[rv.Relname]; ok && rv.Schemaname == "" && rv.Catalogname == "" {
		alias := rv.Relname
		var colnames []*pg.Node
		if rv.Alias != nil {
			alias, colnames = rv.Alias.Aliasname, rv.Alias.Colnames
		}
		return derivedRelation(alias, colnames, &replayOp{cols: w.cols, recs: w.recs}, w.cols), nil
	}
	if cte, ok := q.ctes[rv.Relname]; ok && rv.Schemaname == "" && rv.Catalogname == "" {
		if cte.Cterecursive {
			return q.bindRecursiveCTE(cte, rv)
		}
		return q.bindCTE(cte, rv)
	}
	ref, err := q.x.tableRef(q.tx, rv)
	if err != nil {
		return nil, err
	}
	if r, ok, err := q.bindSystemTable(rv); ok || err != nil {
		return r, err
	}
	t, err := q.tx.Table(ref)
	if err != nil {
		q.x.noteRefused(ref)
		return nil, relationError(err, rv)
	}
	if t.IsView() {
		return q.bindView(t, rv)
	}
	snap, err := q.tx.Snapshot(t)
	if err != nil {
		return nil, err
	}
	q.x.noteShared(t, ref)
	q.x.noteSharedRead(t, ref, rv)
	q.plan.releases = append(q.plan.releases, snap.Release)
	alias := t.Name
	if rv.Alias != nil {
		alias = rv.Alias.Aliasname
	}
	ps := &pendingScan{name: ref.String(), snap: snap, table: t}
	for i, c := range t.Columns {
		ct := sqltype.T{OID: sqltype.OID(c.Type.OID), Typmod: c.Type.Typmod}
		name := c.Name
		if rv.Alias != nil && i < len(rv.Alias.Colnames) {
			name = rv.Alias.Colnames[i].GetString_().GetSval()
		}
		ps.cols = append(ps.cols, &scopeColumn{rel: alias, name: name, t: ct, dt: ct.Arrow(), tableOID: uint32(t.ID), attnum: int16(i + 1)})
	}
	q.scans = append(q.scans, ps)
	r := &relation{cols: ps.cols, scans: []*pendingScan{ps}}
	r.build = func() operator {
		var fields []arrow.Field
		var cols []opColumn
		for i, c := range ps.cols {
			if !c.used {
				continue
			}
			c.idx = len(cols)
			fields = append(fields, arrow.Field{Name: t.Columns[i].Field(), Type: c.dt, Nullable: true})
			cols = append(cols, opColumn{name: c.name, t: c.t, dt: c.dt, tableOID: c.tableOID, attnum: c.attnum})
		}
		// The pruner is compiled when the scan starts: an enclosing
		// query's filters may still be pushed into ps after this.
		prune := func() *pruner {
			return newPruner(ps.filters, ps.cols, func(i int) string { return t.Columns[i].Field() })
		}
		return newScanOp(q.env, ps.name, snap, fields, cols, prune)
	}
	return r, nil
}

// relationError reports a missing table as PostgreSQL does: relation "x"
// does not exist, naming it as written.
func relationError(err error, rv *pg.RangeVar) error {
	if ce, ok := err.(*catalog.Error); ok && ce.Kind == catalog.NotFound && ce.Object == "database" {
		return sqlstate.Errorf(sqlstate.InvalidCatalogName, "database %q does not exist", ce.Name).WithPosition(rv.Location + 1)
	}
	if catalog.IsNotFound(err) {
		return sqlstate.Errorf(sqlstate.UndefinedTable, "relation %q does not exist", rangeVarName(rv)).WithPosition(rv.Location + 1)
	}
	return err
}

func rangeVarName(rv *pg.RangeVar) string {
	parts := []string{}
	for _, p := range []string{rv.Catalogname, rv.Schemaname, rv.Relname} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, ".")
}

// pruneScans is where projection pushdown happens: a scan reads only the
// columns some expression used. A scan nothing reads (count(*)) keeps one.
func (q *queryBinder) pruneScans() {
	for _, s := range q.scans {
		any := false
		for _, c := range s.cols {
			any = any || c.used
		}
		if !any && len(s.cols) > 0 {
			s.cols[0].used = true
		}
	}
}

// joined relation: left's used columns then right's.
func joinedCols(l, r *relation) []*scopeColumn {
	return append(append([]*scopeColumn{}, l.cols...), r.cols...)
}

// layout numbers the used columns of cols in order, as the operators
// built from them lay them out, and returns their opColumns.
func layout(cols []*scopeColumn) []opColumn {
	var out []opColumn
	for _, c := range cols {
		if !c.used {
			continue
		}
		c.idx = len(out)
		out = append(out, opColumn{name: c.name, t: c.t, dt: c.dt, tableOID: c.tableOID, attnum: c.attnum})
	}
	return out
}

func (q *queryBinder) crossJoin(l, r *relation) *relation {
	cols := joinedCols(l, r)
	return &relation{cols: cols, scans: append(slices.Clip(l.scans), r.scans...), alias: joinAlias(l, r), build: func() operator {
		lop, rop := l.build(), r.build()
		return &joinOp{env: q.env, kind: joinInner, left: lop, right: rop, cols: layout(cols)}
	}}
}

func (q *queryBinder) bindJoin(j *pg.JoinExpr) (*relation, error) {
	l, err := q.bindFromItem(j.Larg)
	if err != nil {
		return nil, err
	}
	r, err := q.bindFromItem(j.Rarg)
	if rf := j.Rarg.GetRangeFunction(); rf != nil && readsLeft(rf, err) && j.Jointype == pg.JoinType_JOIN_INNER && j.Quals == nil && !j.IsNatural && len(j.UsingClause) == 0 {
		return q.lateralFunction(l, rf) // CROSS JOIN LATERAL f(…)
	}
	if err != nil {
		return nil, err
	}
	var kind joinKind
	switch j.Jointype {
	case pg.JoinType_JOIN_INNER:
		kind = joinInner
	case pg.JoinType_JOIN_LEFT:
		kind = joinLeft
	case pg.JoinType_JOIN_RIGHT:
		kind = joinRight
	case pg.JoinType_JOIN_FULL:
		kind = joinFull
	default:
		return nil, notSupported("join type %s is not supported", j.Jointype)
	}
	cols := joinedCols(l, r)
	sc := &scope{cols: cols}
	var leftKeys, rightKeys []Expr
	var residual []Expr
	if j.IsNatural || len(j.UsingClause) > 0 {
		lk, rk, err := q.usingKeys(j, l, r, kind)
		if err != nil {
			return nil, err
		}
		leftKeys, rightKeys = lk, rk
	}
	if j.Quals != nil {
		cond, err := q.bindExpr(j.Quals, sc)
		if err != nil {
			return nil, err
		}
		if cond, err = q.coerceBool(cond, "JOIN/ON"); err != nil {
			return nil, err
		}
		// A row of an inner join's input, or of an outer join's nullable
		// side, that fails ON joins nothing: those scans may prune on it.
		switch kind {
		case joinInner:
			pushFilters(cond, append(slices.Clip(l.scans), r.scans...), joinAlias(l, r))
		case joinLeft:
			pushFilters(cond, r.scans, r.alias)
		case joinRight:
			pushFilters(cond, l.scans, l.alias)
		}
		for _, c := range conjuncts(cond) {
			if lk, rk, ok := equiKey(c, l.cols, r.cols); ok {
				leftKeys = append(leftKeys, lk)
				rightKeys = append(rightKeys, rk)
				continue
			}
			residual = append(residual, c)
		}
	}
	// A WHERE on the join's rows may prune the scans whose rows are not
	// null-extended.
	var scans []*pendingScan
	switch kind {
	case joinInner:
		scans = append(slices.Clip(l.scans), r.scans...)
	case joinLeft:
		scans = l.scans
	case joinRight:
		scans = r.scans
	}
	return &relation{cols: cols, scans: scans, alias: joinAlias(l, r), build: func() operator {
		lop, rop := l.build(), r.build()
		// The keys were bound against the joined scope; each side's
		// columns keep their positions within their own side.
		jo := &joinOp{env: q.env, kind: kind, left: lop, right: rop, leftKeys: leftKeys, rightKeys: rightKeys}
		jo.cols = layout(cols)
		if len(residual) > 0 {
			// An enclosing join renumbers the shared scope columns, so the
			// residual keeps its own copy of this join's layout.
			jo.residual = rebase([]Expr{andAll(residual)}, cols)[0]
		}
		jo.rightKeys = rebase(rightKeys, r.cols)
		jo.leftKeys = rebase(leftKeys, l.cols)
		return jo
	}}, nil
}

func conjuncts(e Expr) []Expr {
	if l, ok := e.(*logicExpr); ok && l.op == "AND" {
		var out []Expr
		for _, a := range l.args {
			out = append(out, conjuncts(a)...)
		}
		return out
	}
	return []Expr{e}
}

func andAll(es []Expr) Expr {
	if len(es) == 1 {
		return es[0]
	}
	return &logicExpr{op: "AND", args: es}
}

// equiKey recognises `left_expr = right_expr` with each side over one input.
func equiKey(e Expr, left, right []*scopeColumn) (Expr, Expr, bool) {
	f, ok := e.(*funcExpr)
	if !ok || f.impl.Name != "=" || len(f.args) != 2 {
		return nil, nil, false
	}
	a, b := f.args[0], f.args[1]
	sideOf := func(x Expr) int {
		cols := exprColumns(x)
		if len(cols) == 0 {
			return 0
		}
		side := 0
		for _, c := range cols {
			s := 2
			for _, lc := range left {
				if lc == c {
					s = 1
				}
			}
			if side != 0 && side != s {
				return -1
			}
			side = s
		}
		return side
	}
	switch {
	case sideOf(a) == 1 && sideOf(b) == 2:
		return a, b, true
	case sideOf(a) == 2 && sideOf(b) == 1:
		return b, a, true
	}
	return nil, nil, false
}

// rebase makes key expressions over one join side evaluate against that
// side's own batches: their columns are renumbered by a side-local layout.
func rebase(keys []Expr, side []*scopeColumn) []Expr {
	if len(keys) == 0 {
		return nil
	}
	local := map[*scopeColumn]*scopeColumn{}
	n := 0
	for _, c := range side {
		if c.used {
			cp := *c
			cp.idx = n
			local[c] = &cp
			n++
		}
	}
	out := make([]Expr, len(keys))
	for i, k := range keys {
		out[i] = substituteColumns(k, local)
	}
	return out
}

// usingKeys binds JOIN … USING (cols) or NATURAL JOIN: equality of the
// like-named columns, of which the output shows one (the left's, or the
// right's for a RIGHT JOIN).
func (q *queryBinder) usingKeys(j *pg.JoinExpr, l, r *relation, kind joinKind) ([]Expr, []Expr, error) {
	if kind == joinFull {
		return nil, nil, notSupported("FULL JOIN with USING or NATURAL is not supported yet")
	}
	visible := func(cols []*scopeColumn, name string) []*scopeColumn {
		var out []*scopeColumn
		for _, c := range cols {
			if c.name == name && !c.hidden {
				out = append(out, c)
			}
		}
		return out
	}
	var names []string
	if j.IsNatural {
		for _, c := range l.cols {
			if !c.hidden && len(visible(r.cols, c.name)) > 0 {
				names = append(names, c.name)
			}
		}
	} else {
		for _, n := range j.UsingClause {
			names = append(names, n.GetString_().GetSval())
		}
	}
	var lks, rks []Expr
	for _, name := range names {
		lc, rc := visible(l.cols, name), visible(r.cols, name)
		switch {
		case len(lc) == 0:
			return nil, nil, sqlstate.Errorf(sqlstate.UndefinedColumn, "column %q specified in USING clause does not exist in left table", name)
		case len(rc) == 0:
			return nil, nil, sqlstate.Errorf(sqlstate.UndefinedColumn, "column %q specified in USING clause does not exist in right table", name)
		case len(lc) > 1 || len(rc) > 1:
			return nil, nil, sqlstate.Errorf(sqlstate.AmbiguousColumn, "common column name %q appears more than once in a joined table", name)
		}
		lc[0].used, rc[0].used = true, true
		eq, err := q.binary("=", &boundCol{c: lc[0]}, &boundCol{c: rc[0]}, 0)
		if err != nil {
			return nil, nil, err
		}
		f, ok := eq.(*funcExpr)
		if !ok || len(f.args) != 2 {
			return nil, nil, notSupported("USING on column %q", name)
		}
		lks, rks = append(lks, f.args[0]), append(rks, f.args[1])
		if kind == joinRight {
			lc[0].hidden = true
		} else {
			rc[0].hidden = true
		}
	}
	return lks, rks, nil
}
