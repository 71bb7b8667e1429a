package executor

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/sharehouse/sharehouse/executor/sqlstate"
	"github.com/sharehouse/sharehouse/executor/sqltype"
)

// Window functions: calls with OVER (…) in the select list or ORDER BY.
// Each is computed by a windowOp over the query's rows (after grouping),
// which appends one column per call; the select list reads those columns.

// windowCall is one bound window function call.
type windowCall struct {
	name      string
	args      []Expr
	partition []Expr
	order     []sortKey
	frame     int32
	startOff  int64 // ROWS and GROUPS offsets
	endOff    int64
	// RANGE offsets: the ORDER BY key and each row's start and end bound
	// (key ∓ offset), cast to one type.
	rangeKey, startBound, endBound Expr
	filter                         Expr     // aggregates: FILTER (WHERE …)
	agg                            *aggImpl // set for aggregates used as window functions
	t                              sqltype.T
	dt                             arrow.DataType
	col                            *scopeColumn // the output column the select list reads
}

// windowBinding collects the window calls of one SELECT.
type windowBinding struct {
	calls []*windowCall
	named map[string]*namedWindow // the WINDOW clause, by name
	order []*namedWindow          // and in order
}

var rankingFunctions = map[string]bool{
	"row_number": true, "rank": true, "dense_rank": true, "percent_rank": true, "cume_dist": true,
	"ntile": true, "lag": true, "lead": true, "first_value": true, "last_value": true, "nth_value": true,
}

// bindWindowCall binds fn(args) OVER (…) in scope sc.
func (b *binder) bindWindowCall(fc *pg.FuncCall, sc *scope) (Expr, error) {
	if sc.win == nil {
		return nil, sqlstate.Errorf(sqlstate.WindowingError, "window functions are not allowed here").WithPosition(fc.Location + 1)
	}
	w, err := sc.win.resolve(fc.Over)
	if err != nil {
		return nil, err
	}
	name := funcName(fc)
	call := &windowCall{name: name}
	inner := &scope{cols: sc.cols, agg: sc.agg, parent: sc.parent, outerRef: sc.outerRef}
	if wc := windowCallIn(&pg.Node{Node: &pg.Node_List{List: &pg.List{Items: fc.Args}}}); wc != nil {
		return nil, sqlstate.Errorf(sqlstate.WindowingError, "window function calls cannot be nested").WithPosition(wc.Location + 1)
	}
	defs := append(append([]*pg.Node{}, w.PartitionClause...), w.OrderClause...)
	if err := noWindowsIn("window definitions", defs...); err != nil {
		return nil, err
	}
	for _, a := range fc.Args {
		e, err := b.bindExpr(a, inner)
		if err != nil {
			return nil, err
		}
		call.args = append(call.args, e)
	}
	for _, p := range w.PartitionClause {
		e, err := b.bindExpr(p, inner)
		if err != nil {
			return nil, err
		}
		call.partition = append(call.partition, e)
	}
	for _, o := range w.OrderClause {
		sb := o.GetSortBy()
		e, err := b.bindExpr(sb.Node, inner)
		if err != nil {
			return nil, err
		}
		call.order = append(call.order, sortKey{expr: e, desc: sb.SortbyDir == pg.SortByDir_SORTBY_DESC,
			nullsFirst: sb.SortbyNulls == pg.SortByNulls_SORTBY_NULLS_FIRST || (sb.SortbyNulls == pg.SortByNulls_SORTBY_NULLS_DEFAULT && sb.SortbyDir == pg.SortByDir_SORTBY_DESC)})
	}
	if err := b.bindFrame(call, w); err != nil {
		return nil, err
	}
	if fc.AggFilter != nil {
		if !isAggregate(name) {
			return nil, sqlstate.Errorf(sqlstate.FeatureNotSupported, "FILTER is not implemented for non-aggregate window functions").WithPosition(fc.Location + 1)
		}
		f, err := b.bindExpr(fc.AggFilter, inner)
		if err != nil {
			return nil, err
		}
		if call.filter, err = b.coerceBool(f, "FILTER"); err != nil {
			return nil, err
		}
	}
	switch {
	case rankingFunctions[name]:
		if ar := windowArity[name]; len(call.args) < ar[0] || len(call.args) > ar[1] {
			infos := make([]argInfo, len(call.args))
			for i, a := range call.args {
				infos[i] = argOf(a)
			}
			return nil, withPosition(errNoFunction(name, infos), fc.Location)
		}
		switch name {
		case "row_number", "rank", "dense_rank", "ntile":
			call.t = sqltype.Int8T
			if name == "ntile" {
				call.t = sqltype.Int4T
				if len(call.args) != 1 {
					return nil, sqlstate.Errorf(sqlstate.UndefinedFunction, "function ntile requires one argument")
				}
			}
		case "percent_rank", "cume_dist":
			call.t = sqltype.Float8T
		default: // lag, lead, first_value, last_value, nth_value
			if len(call.args) == 0 {
				return nil, sqlstate.Errorf(sqlstate.UndefinedFunction, "function %s() does not exist", name)
			}
			call.t, call.dt = call.args[0].Type(), call.args[0].DataType()
			if (name == "lag" || name == "lead") && len(call.args) == 3 {
				def, err := b.cast(call.args[2], call.t, false, fc.Location)
				if err != nil {
					return nil, err
				}
				call.args[2] = def
			}
		}
		if call.dt == nil {
			call.dt = call.t.Arrow()
		}
	case isAggregate(name):
		if fc.AggDistinct {
			return nil, sqlstate.Errorf(sqlstate.FeatureNotSupported, "DISTINCT is not implemented for window functions").WithPosition(fc.Location + 1)
		}
		if len(fc.AggOrder) > 0 {
			return nil, sqlstate.Errorf(sqlstate.FeatureNotSupported, "aggregate ORDER BY is not implemented for window functions").WithPosition(fc.Location + 1)
		}
		infos := make([]argInfo, len(call.args))
		for i, a := range call.args {
			infos[i] = argOf(a)
		}
		impl, err := resolveAggregate(name, infos, fc.AggStar, fc.AggDistinct)
		if err != nil {
			return nil, withPosition(err, fc.Location)
		}
		call.agg = &impl
		call.t, call.dt = impl.Result.T, impl.Result.DT
	default:
		return nil, sqlstate.Errorf(sqlstate.WrongObjectType, "OVER specified, but %s is not a window function nor an aggregate function", name).WithPosition(fc.Location + 1)
	}
	call.col = &scopeColumn{name: name, t: call.t, dt: call.dt, used: true}
	sc.win.calls = append(sc.win.calls, call)
	return &boundCol{c: call.col}, nil
}

// containsWindow reports whether n has a window function call.
func containsWindow(n *pg.Node) bool {
	return containsCall(n, func(fc *pg.FuncCall) bool { return fc.Over != nil })
}

// windowCallIn returns the first window function call in n (outside
// subqueries), or nil.
func windowCallIn(n *pg.Node) *pg.FuncCall {
	var found *pg.FuncCall
	walkNodes(n, func(m *pg.Node) bool {
		if fc := m.GetFuncCall(); fc != nil && fc.Over != nil && found == nil {
			found = fc
		}
		return found == nil && m.GetSubLink() == nil
	})
	return found
}

// noWindowsIn fails with PostgreSQL's 42P20 when a clause (where: "WHERE",
// "GROUP BY"…) holds a window function call.
func noWindowsIn(where string, nodes ...*pg.Node) error {
	for _, n := range nodes {
		if n == nil {
			continue
		}
		if wc := windowCallIn(n); wc != nil {
			return sqlstate.Errorf(sqlstate.WindowingError, "window functions are not allowed in %s", where).WithPosition(wc.Location + 1)
		}
	}
	return nil
}

// windowArity is the number of arguments each window function takes.
var windowArity = map[string][2]int{
	"row_number": {0, 0}, "rank": {0, 0}, "dense_rank": {0, 0}, "percent_rank": {0, 0}, "cume_dist": {0, 0},
	"ntile": {1, 1}, "lag": {1, 3}, "lead": {1, 3}, "first_value": {1, 1}, "last_value": {1, 1}, "nth_value": {2, 2},
}

// windowOp computes window calls over all its input rows; it returns
// them with one column per call appended, ordered by the last call's
// window (PARTITION BY, ORDER BY).
type windowOp struct {
	env    *env
	child  operator
	calls  []*windowCall
	groups [][]*windowCall // calls by window, in column order
	cols   []opColumn
	result arrow.Record
	pos    int64
	out    batchHolder
}

func newWindowOp(e *env, child operator, calls []*windowCall) *windowOp {
	// Calls over the same window share one sort: they are computed
	// together, their columns side by side.
	var groups [][]*windowCall
	byKey := map[string]int{}
	for _, c := range calls {
		k := c.windowKey()
		g, ok := byKey[k]
		if !ok {
			g = len(groups)
			byKey[k] = g
			groups = append(groups, nil)
		}
		groups[g] = append(groups[g], c)
	}
	cols := append([]opColumn{}, child.columns()...)
	for _, g := range groups {
		for _, c := range g {
			c.col.idx = len(cols)
			cols = append(cols, opColumn{name: c.name, t: c.t, dt: c.dt})
		}
	}
	return &windowOp{env: e, child: child, calls: calls, groups: groups, cols: cols}
}

// windowKey identifies a call's window (PARTITION BY and ORDER BY).
func (c *windowCall) windowKey() string {
	var sb strings.Builder
	for _, p := range c.partition {
		sb.WriteString(p.String())
		sb.WriteByte(0)
	}
	sb.WriteByte(1)
	for _, o := range c.order {
		fmt.Fprintf(&sb, "%s\x00%t%t\x00", o.expr.String(), o.desc, o.nullsFirst)
	}
	return sb.String()
}

func (w *windowOp) columns() []opColumn { return w.cols }
func (w *windowOp) close() {
	w.out.release()
	if w.result != nil {
		w.result.Release()
		w.result = nil
	}
	w.child.close()
}
func (w *windowOp) String() string {
	names := make([]string, len(w.calls))
	for i, c := range w.calls {
		names[i] = c.name
	}
	return "WindowAgg: " + strings.Join(names, ", ")
}

func (w *windowOp) next(ctx context.Context) (arrow.Record, error) {
	if w.result == nil {
		if err := w.compute(ctx); err != nil {
			return nil, err
		}
	}
	n := w.result.NumRows()
	if w.pos >= n {
		return nil, io.EOF
	}
	end := min(w.pos+outBatchRows, n)
	rec := w.result.NewSlice(w.pos, end)
	w.pos = end
	return w.out.set(rec), nil
}

func (w *windowOp) compute(ctx context.Context) error {
	recs, _, err := drain(ctx, w.child)
	if err != nil {
		return err
	}
	defer releaseAll(recs)
	if err := w.env.fits("the window function", recs); err != nil {
		return err
	}
	cur, err := concatRecords(w.env.mem, schemaOf(w.child.columns()), recs)
	if err != nil {
		return err
	}
	// Each window sorts the rows and appends its calls' columns.
	for _, g := range w.groups {
		next, err := w.apply(ctx, cur, g)
		cur.Release()
		if err != nil {
			return err
		}
		cur = next
	}
	w.result = cur
	return nil
}

// apply sorts rec by calls' window and appends the calls' values.
func (w *windowOp) apply(ctx context.Context, rec arrow.Record, calls []*windowCall) (arrow.Record, error) {
	ec := w.env.eval(ctx)
	call := calls[0]
	keys := make([]sortKey, 0, len(call.partition)+len(call.order))
	for _, p := range call.partition {
		keys = append(keys, sortKey{expr: p})
	}
	keys = append(keys, call.order...)
	so := &sortOp{env: w.env, keys: keys}
	sorted, err := so.order(ctx, rec, -1, 0)
	if err != nil {
		return nil, err
	}
	defer sorted.Release()
	n := int(sorted.NumRows())
	eval := func(es []Expr) ([]arrow.Array, error) {
		out := make([]arrow.Array, len(es))
		for i, e := range es {
			v, err := e.Eval(ec, sorted)
			if err != nil {
				releaseArrays(out)
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	}
	parts, err := eval(call.partition)
	if err != nil {
		return nil, err
	}
	defer releaseArrays(parts)
	orderExprs := make([]Expr, len(call.order))
	for i, k := range call.order {
		orderExprs[i] = k.expr
	}
	orders, err := eval(orderExprs)
	if err != nil {
		return nil, err
	}
	defer releaseArrays(orders)
	var ka, kb []byte
	same := func(arrs []arrow.Array, a, b int) bool {
		for _, x := range arrs {
			ka = appendKey(ka[:0], x, a)
			kb = appendKey(kb[:0], x, b)
			if string(ka) != string(kb) {
				return false
			}
		}
		return true
	}
	wr := &windowRows{partStart: make([]int, n), partEnd: make([]int, n), peerStart: make([]int, n), peerEnd: make([]int, n),
		group: make([]int, n), partFirstGroup: make([]int, n), partEndGroup: make([]int, n)}
	// Partitions [start, end) and, within them, peer groups (equal ORDER BY).
	for i := 0; i < n; {
		j := i + 1
		for j < n && same(parts, i, j) {
			j++
		}
		first := len(wr.groupStart)
		for k := i; k < j; {
			l := k + 1
			for l < j && same(orders, k, l) {
				l++
			}
			g := len(wr.groupStart)
			wr.groupStart, wr.groupEnd = append(wr.groupStart, k), append(wr.groupEnd, l)
			for m := k; m < l; m++ {
				wr.partStart[m], wr.partEnd[m], wr.peerStart[m], wr.peerEnd[m], wr.group[m] = i, j, k, l, g
			}
			k = l
		}
		for m := i; m < j; m++ {
			wr.partFirstGroup[m], wr.partEndGroup[m] = first, len(wr.groupStart)
		}
		i = j
	}
	cols := append([]arrow.Array{}, sorted.Columns()...)
	fields := append([]arrow.Field{}, sorted.Schema().Fields()...)
	defer func() { releaseArrays(cols[sorted.NumCols():]) }()
	for _, call := range calls {
		col, err := w.column(ec, sorted, call, wr, eval)
		if err != nil {
			return nil, err
		}
		cols = append(cols, col)
		fields = append(fields, arrow.Field{Name: call.name, Type: call.dt, Nullable: true})
	}
	return array.NewRecord(arrow.NewSchema(fields, nil), cols, int64(n)), nil
}

// column computes one call's values over the sorted rows.
func (w *windowOp) column(ec *evalContext, sorted arrow.Record, call *windowCall, wr *windowRows, eval func([]Expr) ([]arrow.Array, error)) (arrow.Array, error) {
	args, err := eval(call.args)
	if err != nil {
		return nil, err
	}
	defer releaseArrays(args)
	var keyBounds []arrow.Array
	if call.rangeKey != nil {
		bounds := []Expr{call.rangeKey, call.startBound, call.endBound}
		for k, e := range bounds {
			if e == nil {
				bounds[k] = call.rangeKey // an edge without offset: unused
			}
		}
		if keyBounds, err = eval(bounds); err != nil {
			return nil, err
		}
		defer releaseArrays(keyBounds)
	}
	fr := computeFrames(call, wr, keyBounds)
	if call.filter != nil {
		mask, err := call.filter.Eval(ec, sorted)
		if err != nil {
			return nil, err
		}
		m := mask.(*array.Boolean)
		fr.keep = make([]bool, m.Len())
		for i := range fr.keep {
			fr.keep[i] = m.IsValid(i) && m.Value(i)
		}
		mask.Release()
	}
	b := array.NewBuilder(w.env.mem, call.dt)
	defer b.Release()
	if err := w.fill(ec, call, b, args, fr); err != nil {
		return nil, err
	}
	return b.NewArray(), nil
}

// maxWindowWork bounds rows × frame size for aggregates over moving frames.
const maxWindowWork = 50_000_000

func (w *windowOp) fill(ec *evalContext, call *windowCall, b array.Builder, args []arrow.Array, fr *frames) error {
	wr := fr.rows
	partStart, partEnd, peerStart, peerEnd := wr.partStart, wr.partEnd, wr.peerStart, wr.peerEnd
	n := len(partStart)
	switch call.name {
	case "row_number":
		for i := 0; i < n; i++ {
			b.(*array.Int64Builder).Append(int64(i - partStart[i] + 1))
		}
		return nil
	case "rank":
		for i := 0; i < n; i++ {
			b.(*array.Int64Builder).Append(int64(peerStart[i] - partStart[i] + 1))
		}
		return nil
	case "dense_rank":
		for i := 0; i < n; i++ {
			b.(*array.Int64Builder).Append(int64(wr.group[i] - wr.partFirstGroup[i] + 1))
		}
		return nil
	case "percent_rank", "cume_dist":
		for i := 0; i < n; i++ {
			size := float64(partEnd[i] - partStart[i])
			if call.name == "percent_rank" {
				v := 0.0
				if size > 1 {
					v = float64(peerStart[i]-partStart[i]) / (size - 1)
				}
				b.(*array.Float64Builder).Append(v)
			} else {
				b.(*array.Float64Builder).Append(float64(peerEnd[i]-partStart[i]) / size)
			}
		}
		return nil
	case "ntile":
		for i := 0; i < n; i++ {
			if args[0].IsNull(i) {
				b.AppendNull()
				continue
			}
			buckets := int(intValues(args[0])(i))
			if buckets <= 0 {
				return sqlstate.Errorf(sqlstate.InvalidArgumentForNtile, "argument of ntile must be greater than zero")
			}
			size, pos := partEnd[i]-partStart[i], i-partStart[i]
			// PostgreSQL: the first size%buckets buckets get one row more.
			per, extra := size/buckets, size%buckets
			var bucket int
			if pos < extra*(per+1) {
				bucket = pos/(per+1) + 1
			} else {
				bucket = extra + (pos-extra*(per+1))/max(per, 1) + 1
			}
			b.(*array.Int32Builder).Append(int32(bucket))
		}
		return nil
	case "lag", "lead":
		for i := 0; i < n; i++ {
			off := int64(1)
			if len(args) > 1 {
				if args[1].IsNull(i) {
					b.AppendNull()
					continue
				}
				off = intValues(args[1])(i)
			}
			j := i - int(off)
			if call.name == "lead" {
				j = i + int(off)
			}
			switch {
			case j >= partStart[i] && j < partEnd[i]:
				if err := appendValue(b, args[0], j); err != nil {
					return err
				}
			case len(args) > 2:
				if err := appendValue(b, args[2], i); err != nil {
					return err
				}
			default:
				b.AppendNull()
			}
		}
		return nil
	case "first_value", "last_value", "nth_value":
		var buf [][2]int
		for i := 0; i < n; i++ {
			var j int
			switch call.name {
			case "first_value":
				j = fr.nth(i, 0, false, buf)
			case "last_value":
				j = fr.nth(i, 0, true, buf)
			default:
				if len(args) < 2 || args[1].IsNull(i) {
					b.AppendNull()
					continue
				}
				k := intValues(args[1])(i)
				if k <= 0 {
					return sqlstate.Errorf(sqlstate.InvalidArgumentForNthValue, "argument of nth_value must be greater than zero")
				}
				j = fr.nth(i, int(k-1), false, buf)
			}
			if j < 0 {
				b.AppendNull()
				continue
			}
			if err := appendValue(b, args[0], j); err != nil {
				return err
			}
		}
		return nil
	}
	switch {
	case fr.growing():
		return w.fillRunning(ec, call, b, args, fr, false)
	case fr.shrinking() && orderFree(call.agg):
		return w.fillRunning(ec, call, b, args, fr, true)
	}
	return w.fillAggregate(ec, call, b, args, fr)
}

// fillRunning computes an aggregate whose frames all start at their
// partition's start (or, reverse, all end at its end): one state per
// partition takes the rows in order (reverse: from the end) and is read
// at each new frame edge, so the work is linear in the rows.
func (w *windowOp) fillRunning(ec *evalContext, call *windowCall, b array.Builder, args []arrow.Array, fr *frames, reverse bool) error {
	n := len(fr.start)
	var groups []uint32
	sub := make([]arrow.Array, len(args))
	// feed folds rows [from, to) into st (those FILTER keeps).
	var idx []int32
	feed := func(st aggState, from, to int) error {
		if fr.keep == nil {
			groups = grow(groups[:0], to-from)
			for a, arr := range args {
				sub[a] = array.NewSlice(arr, int64(from), int64(to))
			}
		} else {
			idx = idx[:0]
			for j := from; j < to; j++ {
				if fr.keep[j] {
					idx = append(idx, int32(j))
				}
			}
			if len(idx) == 0 {
				return nil
			}
			groups = grow(groups[:0], len(idx))
			for a, arr := range args {
				sub[a] = takeArray(ec.mem, arr, idx)
			}
		}
		err := st.Update(groups, 1, sub)
		releaseArrays(sub)
		return err
	}
	// Values in the order rows are visited, then put in row order.
	visited := array.NewBuilder(ec.mem, call.dt)
	defer visited.Release()
	pos := make([]int32, n)
	for ps := 0; ps < n; {
		pe := fr.rows.partEnd[ps]
		st := call.agg.New(ec)
		lo, hi := ps, ps // the rows fed so far
		if reverse {
			lo, hi = pe, pe
		}
		var val arrow.Array
		fail := func(err error) error {
			if val != nil {
				val.Release()
			}
			st.Release()
			return err
		}
		for k := ps; k < pe; k++ {
			i := k
			if reverse {
				i = pe - 1 - k + ps
			}
			from, to := fr.start[i], fr.end[i] // the rows to feed: [from, lo) or [hi, to)
			if reverse {
				to = lo
			} else {
				from = hi
			}
			if to > from || val == nil {
				if to > from {
					if err := feed(st, from, to); err != nil {
						return fail(err)
					}
					if reverse {
						lo = from
					} else {
						hi = to
					}
				}
				if val != nil {
					val.Release()
				}
				var err error
				if lo == hi {
					// No rows yet: a state of its own gives the empty value,
					// so st's first Finish follows its first Update.
					empty := call.agg.New(ec)
					val, err = empty.Finish(1)
					empty.Release()
				} else {
					val, err = st.Finish(1)
				}
				if err != nil {
					val = nil
					return fail(err)
				}
			}
			pos[i] = int32(visited.Len())
			if err := appendValue(visited, val, 0); err != nil {
				return fail(err)
			}
		}
		val.Release()
		st.Release()
		ps = pe
	}
	all := visited.NewArray()
	defer all.Release()
	for i := 0; i < n; i++ {
		if err := appendValue(b, all, int(pos[i])); err != nil {
			return err
		}
	}
	return nil
}

// orderFree reports whether an aggregate's value does not depend on the
// order it takes its rows in, exactly (float sums round differently).
func orderFree(impl *aggImpl) bool {
	switch impl.Name {
	case "count", "min", "max", "bool_and", "bool_or", "every", "bit_and", "bit_or":
		return true
	case "sum", "avg":
		switch impl.Args[0].T.OID {
		case sqltype.Int2, sqltype.Int4, sqltype.Int8, sqltype.Numeric, sqltype.Interval:
			return true
		}
	}
	return false
}

// fillAggregate computes an aggregate over each row's frame. Rows whose
// frame is the same (a whole partition, peers, a moving frame that did
// not move) share one group.
func (w *windowOp) fillAggregate(ec *evalContext, call *windowCall, b array.Builder, args []arrow.Array, fr *frames) error {
	n := len(fr.start)
	groupOf := map[string]uint32{}
	rowGroup := make([]uint32, n)
	var frameSegs [][][2]int
	work := 0
	var segs [][2]int
	var key []byte
	for i := 0; i < n; i++ {
		segs = fr.segments(i, segs[:0])
		key = key[:0]
		for _, sg := range segs {
			key = binary.AppendUvarint(binary.AppendUvarint(key, uint64(sg[0])), uint64(sg[1]))
		}
		g, ok := groupOf[string(key)]
		if !ok {
			g = uint32(len(frameSegs))
			groupOf[string(key)] = g
			frameSegs = append(frameSegs, append([][2]int{}, segs...))
			for _, sg := range segs {
				work += sg[1] - sg[0]
			}
		}
		rowGroup[i] = g
	}
	if work > maxWindowWork {
		return sqlstate.Errorf(sqlstate.ProgramLimitExceeded, "window aggregate %s over moving frames is too large (%d frame rows); this case is not optimised yet", call.name, work)
	}
	st := call.agg.New(ec)
	defer st.Release()
	// Feed each frame's rows as that frame's group, in chunks.
	var groups []uint32
	var idx []int32
	flush := func() error {
		if len(idx) == 0 {
			return nil
		}
		sub := make([]arrow.Array, len(args))
		for k, a := range args {
			sub[k] = takeArray(ec.mem, a, idx)
		}
		err := st.Update(groups, len(frameSegs), sub)
		releaseArrays(sub)
		groups, idx = groups[:0], idx[:0]
		return err
	}
	for g, segs := range frameSegs {
		for _, sg := range segs {
			for j := sg[0]; j < sg[1]; j++ {
				if fr.keep != nil && !fr.keep[j] {
					continue
				}
				groups = append(groups, uint32(g))
				idx = append(idx, int32(j))
				if len(idx) >= outBatchRows {
					if err := flush(); err != nil {
						return err
					}
				}
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	vals, err := st.Finish(len(frameSegs))
	if err != nil {
		return err
	}
	defer vals.Release()
	for i := 0; i < n; i++ {
		if err := appendValue(b, vals, int(rowGroup[i])); err != nil {
			return err
		}
	}
	return nil
}
