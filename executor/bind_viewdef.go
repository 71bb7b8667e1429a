package executor

// pg_get_viewdef: a view's stored query printed the way PostgreSQL 15's
// ruleutils prints the common shapes (one target per line, FROM, JOIN,
// WHERE, GROUP BY, HAVING, ORDER BY, OFFSET, LIMIT on lines of their own;
// tables named without the schema when search_path finds them). Pretty
// form (psql's \d+) leaves out the parentheses the plain form (pg_views,
// information_schema.views) puts around every operator. Set operations,
// VALUES and WITH print as one line of deparsed SQL.

import (
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/sharehouse/sharehouse/catalog"
)

// viewDefinition is view t's definition as pg_get_viewdef(t, pretty)
// returns it; visible says which tables of the session's database
// search_path finds by bare name.
func (g *sysGen) viewDefinition(t catalog.Table, pretty bool) string {
	sel, err := parseViewQuery(t)
	if err != nil {
		return ""
	}
	vis := g.visibleNames()
	walkPG(&pg.Node{Node: &pg.Node_SelectStmt{SelectStmt: sel}}, func(m protoreflect.Message) {
		rv, ok := m.Interface().(*pg.RangeVar)
		if !ok || rv.Catalogname != g.db {
			return
		}
		rv.Catalogname = ""
		if vis[rv.Relname] == rv.Schemaname {
			rv.Schemaname = ""
		}
	})
	p := viewPrinter{pretty: pretty}
	return p.query(sel, t.Columns) + ";"
}

// visibleNames maps each bare table name search_path finds to its schema.
func (g *sysGen) visibleNames() map[string]string {
	out := map[string]string{}
	for _, s := range g.searchPath() {
		for _, t := range g.tables {
			if _, taken := out[t.Name]; !taken && t.schema.Name == s {
				out[t.Name] = s
			}
		}
	}
	return out
}

type viewPrinter struct{ pretty bool }

func (p viewPrinter) query(sel *pg.SelectStmt, cols []catalog.Column) string {
	if op := setOpWord(sel); op != "" && sel.WithClause == nil && len(sel.SortClause) == 0 && sel.LimitCount == nil && sel.LimitOffset == nil &&
		sel.Larg != nil && sel.Rarg != nil && sel.Larg.Op == pg.SetOperation_SETOP_NONE && sel.Rarg.Op == pg.SetOperation_SETOP_NONE {
		// PostgreSQL prints each arm as a query of its own, the operator
		// on a line between. (Nested ones print as one line here.)
		return p.query(sel.Larg, cols) + "\n" + op + "\n" + p.query(sel.Rarg, cols)
	}
	if sel.Op != pg.SetOperation_SETOP_NONE || len(sel.ValuesLists) > 0 || sel.WithClause != nil || len(sel.TargetList) == 0 {
		text, err := deparseStmt(&pg.Node{Node: &pg.Node_SelectStmt{SelectStmt: sel}})
		if err != nil {
			return ""
		}
		return " " + text
	}
	var b strings.Builder
	b.WriteString(" SELECT ")
	if len(sel.DistinctClause) > 0 {
		if len(sel.DistinctClause) == 1 && sel.DistinctClause[0].GetNode() == nil {
			b.WriteString("DISTINCT ")
		} else {
			b.WriteString("DISTINCT ON (" + p.exprs(sel.DistinctClause) + ") ")
		}
	}
	for i, n := range sel.TargetList {
		if i > 0 {
			b.WriteString(",\n    ")
		}
		rt := n.GetResTarget()
		name := rt.Name
		if i < len(cols) {
			name = cols[i].Name
		}
		b.WriteString(p.expr(rt.Val))
		cr := rt.Val.GetColumnRef()
		if cr != nil && cr.Fields[len(cr.Fields)-1].GetAStar() != nil {
			continue // * keeps its columns' names
		}
		if name != "" && (cr == nil || cr.Fields[len(cr.Fields)-1].GetString_().GetSval() != name) {
			b.WriteString(" AS " + quoteIdent(name))
		}
	}
	for i, n := range sel.FromClause {
		if i == 0 {
			b.WriteString("\n   FROM ")
		} else {
			b.WriteString(",\n    ")
		}
		b.WriteString(p.fromItem(n))
	}
	if sel.WhereClause != nil {
		b.WriteString("\n  WHERE " + p.expr(sel.WhereClause))
	}
	if len(sel.GroupClause) > 0 {
		b.WriteString("\n  GROUP BY " + p.exprs(sel.GroupClause))
	}
	if sel.HavingClause != nil {
		b.WriteString("\n HAVING " + p.expr(sel.HavingClause))
	}
	if len(sel.SortClause) > 0 {
		var items []string
		for _, n := range sel.SortClause {
			sb := n.GetSortBy()
			s := p.expr(sb.Node)
			if sb.SortbyDir == pg.SortByDir_SORTBY_DESC {
				s += " DESC"
			}
			switch sb.SortbyNulls {
			case pg.SortByNulls_SORTBY_NULLS_FIRST:
				s += " NULLS FIRST"
			case pg.SortByNulls_SORTBY_NULLS_LAST:
				s += " NULLS LAST"
			}
			items = append(items, s)
		}
		b.WriteString("\n  ORDER BY " + strings.Join(items, ", "))
	}
	if sel.LimitOffset != nil {
		b.WriteString("\n OFFSET " + p.expr(sel.LimitOffset))
	}
	if sel.LimitCount != nil {
		b.WriteString("\n LIMIT " + p.expr(sel.LimitCount))
	}
	return b.String()
}

func (p viewPrinter) exprs(ns []*pg.Node) string {
	parts := make([]string, len(ns))
	for i, n := range ns {
		parts[i] = p.expr(n)
	}
	return strings.Join(parts, ", ")
}

// expr prints an expression; the plain form wraps every operator and
// boolean connective in parentheses, as PostgreSQL's does.
func (p viewPrinter) expr(n *pg.Node) string {
	if !p.pretty {
		if a := n.GetAExpr(); a != nil && a.Kind == pg.A_Expr_Kind_AEXPR_OP && len(a.Name) == 1 {
			op := a.Name[0].GetString_().GetSval()
			if a.Lexpr == nil {
				return "(" + op + " " + p.expr(a.Rexpr) + ")"
			}
			return "(" + p.expr(a.Lexpr) + " " + op + " " + p.expr(a.Rexpr) + ")"
		}
		if be := n.GetBoolExpr(); be != nil {
			parts := make([]string, len(be.Args))
			for i, a := range be.Args {
				parts[i] = p.expr(a)
			}
			switch be.Boolop {
			case pg.BoolExprType_AND_EXPR:
				return "(" + strings.Join(parts, " AND ") + ")"
			case pg.BoolExprType_OR_EXPR:
				return "(" + strings.Join(parts, " OR ") + ")"
			default:
				return "(NOT " + parts[0] + ")"
			}
		}
	}
	s, err := deparseExpr(n)
	if err != nil {
		return "?"
	}
	return s
}

// fromItem prints one FROM item; joins put each joined item on a line.
func (p viewPrinter) fromItem(n *pg.Node) string {
	if rs := n.GetRangeSubselect(); rs != nil && !rs.Lateral && rs.Alias != nil && rs.Subquery.GetSelectStmt() != nil {
		// A derived table prints as a query of its own, its lines
		// indented under the parenthesis as PostgreSQL does.
		inner := strings.ReplaceAll(p.query(rs.Subquery.GetSelectStmt(), nil), "\n", "\n        ")
		alias := quoteIdent(rs.Alias.Aliasname)
		if len(rs.Alias.Colnames) > 0 {
			var names []string
			for _, c := range rs.Alias.Colnames {
				names = append(names, quoteIdent(c.GetString_().GetSval()))
			}
			alias += "(" + strings.Join(names, ", ") + ")"
		}
		return "(" + inner + ") " + alias
	}
	j := n.GetJoinExpr()
	if j == nil || j.Alias != nil {
		text, err := deparseStmt(&pg.Node{Node: &pg.Node_SelectStmt{SelectStmt: &pg.SelectStmt{
			TargetList: []*pg.Node{{Node: &pg.Node_ResTarget{ResTarget: &pg.ResTarget{Val: pg.MakeColumnRefNode([]*pg.Node{pg.MakeAStarNode()}, 0)}}}},
			FromClause: []*pg.Node{n},
		}}})
		if err != nil {
			return "?"
		}
		return strings.TrimPrefix(text, "SELECT * FROM ")
	}
	kw := "JOIN"
	switch j.Jointype {
	case pg.JoinType_JOIN_LEFT:
		kw = "LEFT JOIN"
	case pg.JoinType_JOIN_RIGHT:
		kw = "RIGHT JOIN"
	case pg.JoinType_JOIN_FULL:
		kw = "FULL JOIN"
	}
	if j.Quals == nil && len(j.UsingClause) == 0 && !j.IsNatural {
		kw = "CROSS JOIN"
	}
	if j.IsNatural {
		kw = "NATURAL " + kw
	}
	s := p.fromItem(j.Larg) + "\n     " + kw + " " + p.fromItem(j.Rarg)
	switch {
	case len(j.UsingClause) > 0:
		var names []string
		for _, u := range j.UsingClause {
			names = append(names, quoteIdent(u.GetString_().GetSval()))
		}
		s += " USING (" + strings.Join(names, ", ") + ")"
	case j.Quals != nil:
		if p.pretty {
			s += " ON " + p.expr(j.Quals)
		} else {
			s += " ON (" + p.expr(j.Quals) + ")"
		}
	}
	if !p.pretty {
		s = "(" + s + ")"
	}
	return s
}

// setOpWord is UNION, INTERSECT or EXCEPT [ALL] for a set operation, "" else.
func setOpWord(sel *pg.SelectStmt) string {
	w := ""
	switch sel.Op {
	case pg.SetOperation_SETOP_UNION:
		w = "UNION"
	case pg.SetOperation_SETOP_INTERSECT:
		w = "INTERSECT"
	case pg.SetOperation_SETOP_EXCEPT:
		w = "EXCEPT"
	default:
		return ""
	}
	if sel.All {
		w += " ALL"
	}
	return w
}
