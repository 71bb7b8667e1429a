package executor

import "slices"

// joinFromList joins the items of a FROM list (FROM a, b, c) as the WHERE
// clause allows, instead of building their cross product and filtering
// it: a conjunct over one item's columns filters that item first, and an
// equality between the items joined so far and a next one becomes the
// key of a hash join; the next item is the first that has such a key.
// The WHERE clause still filters the joined rows, so the result is the
// same; catalog queries that join eight system tables by commas
// (pgjdbc's getImportedKeys) become feasible.
func (q *queryBinder) joinFromList(items []*relation, where Expr) *relation {
	var pool []Expr
	for _, c := range conjuncts(where) {
		if movable(c) {
			pool = append(pool, c)
		}
	}
	for i, it := range items {
		var own []Expr
		for _, c := range pool {
			if cols := exprColumns(c); len(cols) > 0 && containsAll(it.cols, cols) {
				own = append(own, c)
			}
		}
		if len(own) > 0 {
			items[i] = q.filtered(it, andAll(own))
		}
	}
	acc, rest := items[0], items[1:]
	for len(rest) > 0 {
		pick, lk, rk := 0, []Expr(nil), []Expr(nil)
		for i, r := range rest {
			var unused []Expr
			both := joinedCols(acc, r)
			for _, c := range pool {
				// equiKey takes every column not on the left for the right's.
				if l, rr, ok := equiKey(c, acc.cols, r.cols); ok && containsAll(both, exprColumns(c)) {
					lk, rk = append(lk, l), append(rk, rr)
				} else {
					unused = append(unused, c)
				}
			}
			if len(lk) > 0 {
				pick, pool = i, unused
				break
			}
		}
		acc = q.keyedJoin(acc, rest[pick], lk, rk)
		rest = append(slices.Clip(rest[:pick]), rest[pick+1:]...)
	}
	return acc
}

// movable reports whether every node of e is one whose columns
// exprColumns sees and rebase renumbers, so that e can be evaluated below
// the join on one side's batches.
func movable(e Expr) bool {
	ok := true
	mapExpr(e, func(n Expr) Expr {
		switch n.(type) {
		case *funcExpr, *logicExpr, *nullTestExpr, *boolTestExpr, *distinctExpr, *caseExpr,
			*coalesceExpr, *greatestExpr, *inSetExpr, *fieldExpr, *boundCol, *constExpr, *paramExpr:
		default:
			ok = false
		}
		return n
	})
	return ok
}

// filtered is r with pred (over r's columns) applied to its rows.
func (q *queryBinder) filtered(r *relation, pred Expr) *relation {
	return &relation{cols: r.cols, scans: r.scans, build: func() operator {
		op := r.build()
		return &filterOp{env: q.env, child: op, pred: rebase([]Expr{pred}, r.cols)[0]}
	}}
}

// keyedJoin is the inner join of l and r on leftKeys = rightKeys (a cross
// join without keys).
func (q *queryBinder) keyedJoin(l, r *relation, leftKeys, rightKeys []Expr) *relation {
	cols := joinedCols(l, r)
	return &relation{cols: cols, scans: append(slices.Clip(l.scans), r.scans...), build: func() operator {
		lop, rop := l.build(), r.build()
		return &joinOp{env: q.env, kind: joinInner, left: lop, right: rop, cols: layout(cols),
			leftKeys: rebase(leftKeys, l.cols), rightKeys: rebase(rightKeys, r.cols)}
	}}
}
