package executor

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/sharehouse/sharehouse/executor/sqlstate"
	"github.com/sharehouse/sharehouse/executor/sqltype"
)

// This file binds GROUP BY with GROUPING SETS, ROLLUP and CUBE, and the
// grouping() function. The plan is the simplest correct one: the input is
// read once and kept, then aggregated once per grouping set; keys outside
// a set come out as NULL and the sets' rows are concatenated, as a UNION
// ALL of plain GROUP BY queries would be.

// maxGroupingSets is PostgreSQL's limit on the expanded sets.
const maxGroupingSets = 4096

// groupingCall is one grouping(a, b, …): for each argument, the index of
// its GROUP BY expression; col is where the bitmask comes out.
type groupingCall struct {
	args []int
	col  *scopeColumn
}

// bindGroupClause binds the GROUP BY list into agg: every expression once
// as a group key, and, when the clause has grouping sets, agg.sets.
// bindKey binds one plain GROUP BY item (ordinals and aliases resolved).
func (a *aggBinding) bindGroupClause(clause []*pg.Node, distinct bool, bindKey func(*pg.Node) (Expr, error)) error {
	key := func(n *pg.Node) (int, error) {
		e, err := bindKey(n)
		if err != nil {
			return 0, err
		}
		a.addGroup(e)
		for i, g := range a.groups {
			if g.String() == e.String() {
				return i, nil
			}
		}
		panic("unreachable: addGroup keeps e")
	}
	// items lists the keys of a parenthesized list or a single key.
	items := func(n *pg.Node) ([]int, error) {
		if r := n.GetRowExpr(); r != nil && r.RowFormat == pg.CoercionForm_COERCE_IMPLICIT_CAST {
			var out []int
			for _, x := range r.Args {
				k, err := key(x)
				if err != nil {
					return nil, err
				}
				out = append(out, k)
			}
			return out, nil
		}
		k, err := key(n)
		if err != nil {
			return nil, err
		}
		return []int{k}, nil
	}
	var expand func(n *pg.Node) ([][]int, error)
	expand = func(n *pg.Node) ([][]int, error) {
		gs := n.GetGroupingSet()
		if gs == nil {
			k, err := items(n)
			return [][]int{k}, err
		}
		switch gs.Kind {
		case pg.GroupingSetKind_GROUPING_SET_EMPTY:
			return [][]int{{}}, nil
		case pg.GroupingSetKind_GROUPING_SET_SIMPLE:
			var out []int
			for _, c := range gs.Content {
				k, err := items(c)
				if err != nil {
					return nil, err
				}
				out = append(out, k...)
			}
			return [][]int{out}, nil
		case pg.GroupingSetKind_GROUPING_SET_ROLLUP, pg.GroupingSetKind_GROUPING_SET_CUBE:
			var parts [][]int
			for _, c := range gs.Content {
				k, err := items(c)
				if err != nil {
					return nil, err
				}
				parts = append(parts, k)
			}
			var out [][]int
			if gs.Kind == pg.GroupingSetKind_GROUPING_SET_ROLLUP {
				for m := len(parts); m >= 0; m-- {
					var set []int
					for _, p := range parts[:m] {
						set = append(set, p...)
					}
					out = append(out, set)
				}
				return out, nil
			}
			if len(parts) > 12 {
				return nil, sqlstate.Errorf(sqlstate.ProgramLimitExceeded, "CUBE is limited to 12 elements").WithPosition(gs.Location + 1)
			}
			// CUBE: every subset, the largest first.
			for bits := len(parts); bits >= 0; bits-- {
				for mask := (1 << len(parts)) - 1; mask >= 0; mask-- {
					if popcount(mask) != bits {
						continue
					}
					var set []int
					for i, p := range parts {
						if mask&(1<<(len(parts)-1-i)) != 0 {
							set = append(set, p...)
						}
					}
					out = append(out, set)
				}
			}
			return out, nil
		case pg.GroupingSetKind_GROUPING_SET_SETS:
			var out [][]int
			for _, c := range gs.Content {
				sets, err := expand(c)
				if err != nil {
					return nil, err
				}
				out = append(out, sets...)
			}
			return out, nil
		}
		return nil, notSupported("grouping set kind %s", gs.Kind)
	}
	hasSets := false
	for _, g := range clause {
		if g.GetGroupingSet() != nil {
			hasSets = true
		}
	}
	if !hasSets {
		for _, g := range clause {
			if _, err := items(g); err != nil {
				return err
			}
		}
		return nil
	}
	// The clause is the cross product of its items' sets.
	sets := [][]int{{}}
	for _, g := range clause {
		mine, err := expand(g)
		if err != nil {
			return err
		}
		if len(sets)*len(mine) > maxGroupingSets {
			return sqlstate.Errorf(sqlstate.ProgramLimitExceeded, "too many grouping sets present (maximum %d)", maxGroupingSets)
		}
		var next [][]int
		for _, s := range sets {
			for _, m := range mine {
				next = append(next, append(append([]int{}, s...), m...))
			}
		}
		sets = next
	}
	// Within a set each key counts once; GROUP BY DISTINCT drops repeated sets.
	seen := map[string]bool{}
	var out [][]int
	for _, s := range sets {
		in := make([]bool, len(a.groups))
		for _, k := range s {
			in[k] = true
		}
		var norm []int
		for k, ok := range in {
			if ok {
				norm = append(norm, k)
			}
		}
		id := fmt.Sprint(norm)
		if distinct && seen[id] {
			continue
		}
		seen[id] = true
		out = append(out, norm)
	}
	a.sets = out
	return nil
}

func popcount(x int) int {
	n := 0
	for ; x != 0; x &= x - 1 {
		n++
	}
	return n
}

// bindGrouping binds grouping(args…): each argument must be a GROUP BY
// expression; the result is a per-set constant, a column of the output.
func (a *aggBinding) bindGrouping(b *binder, gf *pg.GroupingFunc) (Expr, error) {
	if len(gf.Args) > 31 {
		return nil, sqlstate.Errorf(sqlstate.Code("54023"), "GROUPING must have fewer than 32 arguments").WithPosition(gf.Location + 1)
	}
	var args []int
	var texts []string
	for _, n := range gf.Args {
		e, err := b.bindExpr(n, a.input)
		if err != nil {
			return nil, err
		}
		idx := -1
		for i, g := range a.groups {
			if g.String() == e.String() {
				idx = i
			}
		}
		if idx < 0 {
			return nil, sqlstate.Errorf(sqlstate.GroupingError, "arguments to GROUPING must be grouping expressions of the associated query level").WithPosition(locationOf(n) + 1)
		}
		args = append(args, idx)
		texts = append(texts, e.String())
	}
	name := "grouping(" + strings.Join(texts, ", ") + ")"
	for _, g := range a.groupings {
		if g.col.name == name {
			return &boundCol{c: g.col}, nil
		}
	}
	// idx is fixed when the operator is built: after every aggregate.
	col := &scopeColumn{name: name, t: sqltype.Int4T, dt: arrow.PrimitiveTypes.Int32, used: true}
	a.groupings = append(a.groupings, groupingCall{args: args, col: col})
	return &boundCol{c: col}, nil
}

// locationOf is a node's position in the statement, or -1.
func locationOf(n *pg.Node) int32 {
	if cr := n.GetColumnRef(); cr != nil {
		return cr.Location
	}
	return -1
}

// groupingSetsOp aggregates its (kept) input once per grouping set.
type groupingSetsOp struct {
	env   *env
	child operator
	a     *aggBinding
	cols  []opColumn
	sets  [][]int

	input  []arrow.Record
	loaded bool
	set    int      // the set being aggregated
	cur    operator // its aggregation
	out    batchHolder
}

func (g *groupingSetsOp) columns() []opColumn { return g.cols }
func (g *groupingSetsOp) close() {
	g.out.release()
	if g.cur != nil {
		g.cur.close()
		g.cur = nil
	}
	releaseAll(g.input)
	g.input = nil
	g.child.close()
}

func (g *groupingSetsOp) String() string {
	parts := make([]string, len(g.sets))
	for i, s := range g.sets {
		keys := make([]string, len(s))
		for j, k := range s {
			keys[j] = g.a.groups[k].String()
		}
		parts[i] = "(" + strings.Join(keys, ", ") + ")"
	}
	return "MixedAggregate: Grouping Sets: " + strings.Join(parts, ", ")
}

func (g *groupingSetsOp) next(ctx context.Context) (arrow.Record, error) {
	if !g.loaded {
		recs, _, err := drain(ctx, g.child)
		if err != nil {
			return nil, err
		}
		g.input, g.loaded = recs, true
	}
	for {
		if g.cur == nil {
			if g.set >= len(g.sets) {
				return nil, io.EOF
			}
			g.cur = g.aggregation(g.sets[g.set])
		}
		rec, err := g.cur.next(ctx)
		if errEOF(err) {
			g.cur.close()
			g.cur = nil
			g.set++
			continue
		}
		if err != nil {
			return nil, err
		}
		out, err := g.widen(g.sets[g.set], rec)
		if err != nil {
			return nil, err
		}
		return g.out.set(out), nil
	}
}

// aggregation is a plain GROUP BY over the kept input with set's keys.
func (g *groupingSetsOp) aggregation(set []int) operator {
	keys := make([]Expr, len(set))
	var cols []opColumn
	for i, k := range set {
		keys[i] = g.a.groups[k]
		cols = append(cols, g.cols[k])
	}
	cols = append(cols, g.cols[len(g.a.groups):len(g.a.groups)+len(g.a.aggs)]...)
	return newAggOp(g.env, &replayOp{cols: g.child.columns(), recs: g.input}, keys, g.a.aggs, cols)
}

// widen lays one set's aggregation batch out as the full output: NULL for
// the keys outside the set, and the grouping() constants.
func (g *groupingSetsOp) widen(set []int, rec arrow.Record) (arrow.Record, error) {
	n := int(rec.NumRows())
	ngroups := len(g.a.groups)
	cols := make([]arrow.Array, 0, len(g.cols))
	pos := map[int]int{}
	for i, k := range set {
		pos[k] = i
	}
	for k := 0; k < ngroups; k++ {
		if i, ok := pos[k]; ok {
			c := rec.Column(i)
			c.Retain()
			cols = append(cols, c)
		} else {
			cols = append(cols, array.MakeArrayOfNull(g.env.mem, g.cols[k].dt, n))
		}
	}
	for j := range g.a.aggs {
		c := rec.Column(len(set) + j)
		c.Retain()
		cols = append(cols, c)
	}
	for _, gc := range g.a.groupings {
		cols = append(cols, groupingColumn(g.env, gc, pos, n))
	}
	out := array.NewRecord(schemaOf(g.cols), cols, int64(n))
	releaseArrays(cols)
	return out, nil
}

// groupingColumn is grouping()'s value for a set: bit i (from the left)
// is set when argument i is not grouped in it.
func groupingColumn(e *env, gc groupingCall, inSet map[int]int, n int) arrow.Array {
	v := int32(0)
	for _, k := range gc.args {
		v <<= 1
		if _, ok := inSet[k]; !ok {
			v |= 1
		}
	}
	b := array.NewInt32Builder(e.mem)
	defer b.Release()
	for i := 0; i < n; i++ {
		b.Append(v)
	}
	return b.NewArray()
}

// replayOp yields batches another operator keeps; it does not own them.
type replayOp struct {
	cols []opColumn
	recs []arrow.Record
	i    int
}

func (r *replayOp) columns() []opColumn { return r.cols }
func (r *replayOp) close()              {}
func (r *replayOp) String() string      { return "Replay" }
func (r *replayOp) next(ctx context.Context) (arrow.Record, error) {
	if r.i >= len(r.recs) {
		return nil, io.EOF
	}
	r.i++
	return r.recs[r.i-1], nil
}

// groupingConstOp adds grouping() columns (all zero) to a plain GROUP BY.
type groupingConstOp struct {
	env   *env
	child operator
	a     *aggBinding
	cols  []opColumn
	out   batchHolder
}

func (g *groupingConstOp) columns() []opColumn { return g.cols }
func (g *groupingConstOp) close()              { g.out.release(); g.child.close() }
func (g *groupingConstOp) String() string      { return g.child.String() }
func (g *groupingConstOp) next(ctx context.Context) (arrow.Record, error) {
	rec, err := g.child.next(ctx)
	if err != nil {
		return nil, err
	}
	all := make(map[int]int, len(g.a.groups))
	for i := range g.a.groups {
		all[i] = i
	}
	n := int(rec.NumRows())
	cols := make([]arrow.Array, 0, len(g.cols))
	for _, c := range rec.Columns() {
		c.Retain()
		cols = append(cols, c)
	}
	for _, gc := range g.a.groupings {
		cols = append(cols, groupingColumn(g.env, gc, all, n))
	}
	out := array.NewRecord(schemaOf(g.cols), cols, int64(n))
	releaseArrays(cols)
	return g.out.set(out), nil
}
