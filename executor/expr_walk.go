package executor

// mapExpr rebuilds e bottom-up, replacing each node by fn(node).
func mapExpr(e Expr, fn func(Expr) Expr) Expr {
	switch x := e.(type) {
	case *funcExpr:
		cp := *x
		cp.args = mapExprs(x.args, fn)
		return fn(&cp)
	case *logicExpr:
		cp := *x
		cp.args = mapExprs(x.args, fn)
		return fn(&cp)
	case *nullTestExpr:
		cp := *x
		cp.arg = mapExpr(x.arg, fn)
		return fn(&cp)
	case *boolTestExpr:
		cp := *x
		cp.arg = mapExpr(x.arg, fn)
		return fn(&cp)
	case *distinctExpr:
		cp := *x
		cp.eq, cp.l, cp.r = mapExpr(x.eq, fn), mapExpr(x.l, fn), mapExpr(x.r, fn)
		return fn(&cp)
	case *caseExpr:
		cp := *x
		cp.whens = mapExprs(x.whens, fn)
		cp.thens = mapExprs(x.thens, fn)
		cp.els = mapExpr(x.els, fn)
		return fn(&cp)
	case *coalesceExpr:
		cp := *x
		cp.args = mapExprs(x.args, fn)
		return fn(&cp)
	case *greatestExpr:
		cp := *x
		cp.args = mapExprs(x.args, fn)
		return fn(&cp)
	case *inSetExpr:
		cp := *x
		cp.arg = mapExpr(x.arg, fn)
		return fn(&cp)
	case *fieldExpr:
		cp := *x
		cp.arg = mapExpr(x.arg, fn)
		return fn(&cp)
	case *correlatedExpr:
		cp := *x
		if x.test != nil {
			cp.test = mapExpr(x.test, fn)
		}
		return fn(&cp)
	}
	return fn(e)
}

func mapExprs(es []Expr, fn func(Expr) Expr) []Expr {
	out := make([]Expr, len(es))
	for i, e := range es {
		out[i] = mapExpr(e, fn)
	}
	return out
}

// exprColumns lists the scope columns e reads.
func exprColumns(e Expr) []*scopeColumn {
	var out []*scopeColumn
	mapExpr(e, func(n Expr) Expr {
		if b, ok := n.(*boundCol); ok {
			out = append(out, b.c)
		}
		return n
	})
	return out
}

// substituteColumns replaces column references by the mapped columns.
func substituteColumns(e Expr, m map[*scopeColumn]*scopeColumn) Expr {
	return mapExpr(e, func(n Expr) Expr {
		if b, ok := n.(*boundCol); ok {
			if c, ok := m[b.c]; ok {
				return &boundCol{c: c}
			}
		}
		return n
	})
}
