package executor

// Filter pushdown for row-group pruning: which base-table scans a WHERE or
// JOIN … ON conjunct may prune (scan_prune.go turns it into tests on
// Parquet statistics). The conjunct still runs where it was written, so a
// scan only ever receives conjuncts every row the query uses satisfies.

import "slices"

// pushFilters hands each conjunct of cond whose columns all belong to one
// of scans (directly, or through alias: derived-table columns that pass a
// scan column through) to that scan, rewritten over the scan's columns.
func pushFilters(cond Expr, scans []*pendingScan, alias map[*scopeColumn]*scopeColumn) {
	for _, c := range conjuncts(cond) {
		cols := exprColumns(c)
		if len(cols) == 0 {
			continue
		}
		sub := map[*scopeColumn]*scopeColumn{}
		for i, col := range cols {
			if a, ok := alias[col]; ok {
				sub[col], cols[i] = a, a
			}
		}
		for _, s := range scans {
			if containsAll(s.cols, cols) {
				if len(sub) > 0 {
					c = substituteColumns(c, sub)
				}
				s.filters = append(s.filters, c)
				break
			}
		}
	}
}

func containsAll(set, xs []*scopeColumn) bool {
	for _, x := range xs {
		if !slices.Contains(set, x) {
			return false
		}
	}
	return true
}

// joinAlias is the alias map of a join of l and r.
func joinAlias(l, r *relation) map[*scopeColumn]*scopeColumn {
	if len(l.alias) == 0 {
		return r.alias
	}
	if len(r.alias) == 0 {
		return l.alias
	}
	m := make(map[*scopeColumn]*scopeColumn, len(l.alias)+len(r.alias))
	for k, v := range l.alias {
		m[k] = v
	}
	for k, v := range r.alias {
		m[k] = v
	}
	return m
}

// notePassthrough records, for a query over from whose output is exprs,
// the output columns that are a column of one of from's scans, unchanged.
func (q *queryBinder) notePassthrough(from *relation, exprs []Expr) {
	q.passthrough = make([]*scopeColumn, len(exprs))
	q.passScans = from.scans
	for i, e := range exprs {
		b, ok := e.(*boundCol)
		if !ok {
			continue
		}
		c := b.c
		if a, ok := from.alias[c]; ok {
			c = a
		}
		for _, s := range from.scans {
			if slices.Contains(s.cols, c) {
				q.passthrough[i] = c
				break
			}
		}
	}
}

// passThrough gives r, a derived table over the query q bound, the alias
// map and scans that let an enclosing filter reach q's scans.
func (q *queryBinder) passThrough(r *relation) *relation {
	for i, c := range r.cols {
		if i < len(q.passthrough) && q.passthrough[i] != nil {
			if r.alias == nil {
				r.alias = map[*scopeColumn]*scopeColumn{}
			}
			r.alias[c] = q.passthrough[i]
		}
	}
	if r.alias != nil {
		r.scans = q.passScans
	}
	return r
}
