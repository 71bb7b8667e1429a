package executor

import (
	"sort"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/sharehouse/sharehouse/executor/sqlstate"
	"github.com/sharehouse/sharehouse/executor/sqltype"
)

// Window frames: ROWS, RANGE and GROUPS with UNBOUNDED, CURRENT ROW and
// offset bounds, and EXCLUDE. Each row's frame is [start, end) in the
// partition-sorted rows, less what EXCLUDE removes.

// PostgreSQL's frame option bits (parsenodes.h).
const (
	frameNonDefault              = 0x00001
	frameRange                   = 0x00002
	frameRows                    = 0x00004
	frameGroups                  = 0x00008
	frameStartUnboundedPreceding = 0x00020
	frameEndUnboundedFollowing   = 0x00100
	frameStartCurrentRow         = 0x00200
	frameEndCurrentRow           = 0x00400
	frameStartOffsetPreceding    = 0x00800
	frameEndOffsetPreceding      = 0x01000
	frameStartOffsetFollowing    = 0x02000
	frameEndOffsetFollowing      = 0x04000
	frameExcludeCurrentRow       = 0x08000
	frameExcludeGroup            = 0x10000
	frameExcludeTies             = 0x20000
	frameExclusion               = frameExcludeCurrentRow | frameExcludeGroup | frameExcludeTies
	frameStartOffset             = frameStartOffsetPreceding | frameStartOffsetFollowing
	frameEndOffset               = frameEndOffsetPreceding | frameEndOffsetFollowing
)

// rangeOffsetTypes are the ORDER BY types RANGE offsets work on (the
// types PostgreSQL has in_range support functions for).
var rangeOffsetTypes = map[sqltype.OID]bool{
	sqltype.Int2: true, sqltype.Int4: true, sqltype.Int8: true, sqltype.Float4: true, sqltype.Float8: true,
	sqltype.Numeric: true, sqltype.Date: true, sqltype.Time: true, sqltype.Timestamp: true,
	sqltype.Timestamptz: true, sqltype.Interval: true,
}

// bindFrame binds w's frame clause into call (whose ORDER BY is bound).
func (b *binder) bindFrame(call *windowCall, w *pg.WindowDef) error {
	f := w.FrameOptions
	call.frame = f
	if f&frameGroups != 0 && len(call.order) == 0 {
		return sqlstate.Errorf(sqlstate.WindowingError, "GROUPS mode requires an ORDER BY clause").WithPosition(w.Location + 1)
	}
	rangeOffset := f&frameRange != 0 && f&(frameStartOffset|frameEndOffset) != 0
	if rangeOffset {
		if len(call.order) != 1 {
			return sqlstate.Errorf(sqlstate.WindowingError, "RANGE with offset PRECEDING/FOLLOWING requires exactly one ORDER BY column").WithPosition(w.Location + 1)
		}
		if t := call.order[0].expr.Type(); !rangeOffsetTypes[t.OID] {
			loc := w.Location
			if w.StartOffset != nil {
				loc = nodeLocation(w.StartOffset, loc)
			}
			return sqlstate.Errorf(sqlstate.FeatureNotSupported, "RANGE with offset PRECEDING/FOLLOWING is not supported for column type %s", t).WithPosition(loc + 1)
		}
	}
	for _, side := range []struct {
		n         *pg.Node
		preceding bool
		what      string
		off       *int64
		bound     *Expr
	}{
		{w.StartOffset, f&frameStartOffsetPreceding != 0, "starting", &call.startOff, &call.startBound},
		{w.EndOffset, f&frameEndOffsetPreceding != 0, "ending", &call.endOff, &call.endBound},
	} {
		if side.n == nil {
			continue
		}
		off, err := b.bindExpr(side.n, &scope{})
		if err != nil {
			return err
		}
		target := sqltype.Int8T
		if rangeOffset {
			// A literal offset takes the type in_range wants: an
			// interval for date and time keys, else the key's type.
			target = call.order[0].expr.Type()
			switch target.OID {
			case sqltype.Date, sqltype.Time, sqltype.Timestamp, sqltype.Timestamptz:
				target = sqltype.IntervalT
			}
		}
		if !rangeOffset || off.Type().OID == sqltype.Unknown {
			if off, err = b.cast(off, target, false, w.Location); err != nil {
				return err
			}
		}
		if b.x.describeOnly {
			// Describe learns the result's shape; a parameter's value,
			// which the checks below need, comes with Execute.
			if rangeOffset {
				if err := b.rangeBound(call, off, side.preceding, side.bound, w.Location); err != nil {
					return err
				}
			}
			continue
		}
		v, err := b.evalConstant(off)
		if err != nil {
			return err
		}
		if v.IsNull(0) {
			v.Release()
			return sqlstate.Errorf(sqlstate.NullValueNotAllowed, "frame %s offset must not be null", side.what)
		}
		if !rangeOffset {
			*side.off = v.(*array.Int64).Value(0)
			v.Release()
			if *side.off < 0 {
				return sqlstate.Errorf(sqlstate.InvalidPrecedingOrFollowingSize, "frame %s offset must not be negative", side.what)
			}
			continue
		}
		v.Release()
		if err := b.checkRangeOffset(off); err != nil {
			return err
		}
		if err := b.rangeBound(call, off, side.preceding, side.bound, w.Location); err != nil {
			return err
		}
	}
	return nil
}

// rangeBound binds a RANGE frame edge's bound: key − offset toward the
// start of the sort order, key + offset toward its end, with the key cast
// to the bound's type.
func (b *binder) rangeBound(call *windowCall, off Expr, preceding bool, dst *Expr, loc int32) error {
	key := call.order[0].expr
	op := "+"
	if preceding != call.order[0].desc {
		op = "-"
	}
	if key.Type().OID == sqltype.Time {
		// time ± interval wraps around midnight; in_range does not: the
		// bounds are reckoned as intervals.
		var err error
		if key, err = b.cast(key, sqltype.IntervalT, false, loc); err != nil {
			return err
		}
	}
	bound, err := b.binary(op, key, off, loc)
	if err != nil {
		return err
	}
	both, err := b.unify([]Expr{key, bound}, "RANGE")
	if err != nil {
		return err
	}
	call.rangeKey, *dst = both[0], both[1]
	return nil
}

// checkRangeOffset fails on a negative RANGE offset, as in_range does.
func (b *binder) checkRangeOffset(off Expr) error {
	zero, err := b.cast(stringConst(sqltype.TextT, "0"), off.Type(), true, 0)
	if err != nil {
		return err
	}
	neg, err := b.binary("<", off, zero, 0)
	if err != nil {
		return err
	}
	v, err := b.evalConstant(neg)
	if err != nil {
		return err
	}
	defer v.Release()
	if bv, ok := v.(*array.Boolean); ok && !bv.IsNull(0) && bv.Value(0) {
		return sqlstate.Errorf(sqlstate.InvalidPrecedingOrFollowingSize, "invalid preceding or following size in window function")
	}
	return nil
}

// evalConstant evaluates an expression without column references.
func (b *binder) evalConstant(e Expr) (arrow.Array, error) {
	rec := array.NewRecord(arrow.NewSchema(nil, nil), nil, 1)
	defer rec.Release()
	return e.Eval(b.x.evalContext(), rec)
}

// nodeLocation is the parse location of n when it has one, else def.
func nodeLocation(n *pg.Node, def int32) int32 {
	switch {
	case n.GetAConst() != nil:
		return n.GetAConst().Location
	case n.GetTypeCast() != nil:
		return n.GetTypeCast().Location
	case n.GetColumnRef() != nil:
		return n.GetColumnRef().Location
	}
	return def
}

// windowRows describes the partition-sorted rows of one window: for each
// row its partition [partStart, partEnd) and peer group [peerStart,
// peerEnd) (rows equal in ORDER BY), and the peer groups in order.
type windowRows struct {
	partStart, partEnd, peerStart, peerEnd []int
	group                                  []int // row → peer group number
	groupStart, groupEnd                   []int // peer group → its rows
	partFirstGroup, partEndGroup           []int // row → its partition's groups [first, end)
}

// frames gives each row's frame [start[i], end[i]) before exclusion.
type frames struct {
	start, end []int
	exclude    int32 // the EXCLUDE bits
	rows       *windowRows
	keep       []bool // aggregates with FILTER: the rows it keeps
}

// computeFrames finds each row's frame. RANGE offsets compare the
// evaluated key and bounds (keyBounds: key, start bound, end bound).
func computeFrames(call *windowCall, wr *windowRows, keyBounds []arrow.Array) *frames {
	n := len(wr.partStart)
	fr := &frames{start: make([]int, n), end: make([]int, n), exclude: call.frame & frameExclusion, rows: wr}
	f := call.frame
	var rangeSearch func(i int, bound int, after bool) int
	if keyBounds != nil {
		rangeSearch = rangeSearcher(call, wr, keyBounds)
	}
	for i := 0; i < n; i++ {
		ps, pe := wr.partStart[i], wr.partEnd[i]
		g := wr.group[i]
		g0, g1 := wr.partFirstGroup[i], wr.partEndGroup[i]
		groupAt := func(k int, start bool) int { // frame edge at peer group k
			switch {
			case k < g0:
				return ps
			case k >= g1:
				return pe
			case start:
				return wr.groupStart[k]
			}
			return wr.groupEnd[k]
		}
		s, e := ps, pe
		switch {
		case f&frameStartCurrentRow != 0:
			s = wr.peerStart[i]
			if f&frameRows != 0 {
				s = i
			}
		case f&frameStartOffset != 0:
			off := int(call.startOff)
			if f&frameStartOffsetPreceding != 0 {
				off = -off
			}
			switch {
			case f&frameRows != 0:
				s = i + off
			case f&frameGroups != 0:
				s = groupAt(g+off, true)
			default:
				s = rangeSearch(i, 1, false)
			}
		}
		switch {
		case f&frameEndUnboundedFollowing != 0:
			e = pe
		case f&frameEndOffset != 0:
			off := int(call.endOff)
			if f&frameEndOffsetPreceding != 0 {
				off = -off
			}
			switch {
			case f&frameRows != 0:
				e = i + off + 1
			case f&frameGroups != 0:
				e = groupAt(g+off, false)
			default:
				e = rangeSearch(i, 2, true)
			}
		case f&frameRows != 0: // ROWS … CURRENT ROW
			e = i + 1
		default: // RANGE or GROUPS … CURRENT ROW: the peers too
			e = wr.peerEnd[i]
		}
		s, e = min(max(s, ps), pe), max(min(e, pe), ps)
		fr.start[i], fr.end[i] = s, max(e, s)
	}
	return fr
}

// rangeSearcher returns a search for RANGE offset frame edges: the first
// row of i's partition that does not sort before bound b of row i (after
// false) or that sorts after it (after true). Rows with a NULL key are
// peers of each other only: a NULL current row's frame edges are its
// peer group's.
func rangeSearcher(call *windowCall, wr *windowRows, kb []arrow.Array) func(i, b int, after bool) int {
	n := kb[0].Len()
	// One array holds the keys then each bound, so one comparator orders
	// a key against a bound.
	all, err := array.Concatenate(kb, defaultMem)
	if err != nil {
		panic(err) // same type by construction
	}
	k := call.order[0]
	order := rowOrder([]sortKey{{expr: call.rangeKey, desc: k.desc, nullsFirst: k.nullsFirst}}, []arrow.Array{all})
	return func(i, b int, after bool) int {
		ps, pe := wr.partStart[i], wr.partEnd[i]
		if kb[0].IsNull(i) {
			if after {
				return wr.peerEnd[i]
			}
			return wr.peerStart[i]
		}
		bi := int32(b*n + i)
		return ps + sort.Search(pe-ps, func(j int) bool {
			r := int32(ps + j)
			if all.IsNull(int(r)) { // NULL keys sort at one end, outside any range
				return !k.nullsFirst
			}
			c := order(r, bi)
			if after {
				return c > 0
			}
			return c >= 0
		})
	}
}

// segments appends row i's frame, less its exclusion, as row ranges.
func (fr *frames) segments(i int, out [][2]int) [][2]int {
	s, e := fr.start[i], fr.end[i]
	if fr.exclude == 0 {
		return append(out, [2]int{s, e})
	}
	xs, xe := fr.rows.peerStart[i], fr.rows.peerEnd[i]
	if fr.exclude&frameExcludeCurrentRow != 0 {
		xs, xe = i, i+1
	}
	if a, z := s, min(e, xs); a < z {
		out = append(out, [2]int{a, z})
	}
	if fr.exclude&frameExcludeTies != 0 && i >= s && i < e {
		out = append(out, [2]int{i, i + 1})
	}
	if a, z := max(s, xe), e; a < z {
		out = append(out, [2]int{a, z})
	}
	return out
}

// nth returns the k-th row (0-based) of row i's frame, or -1; from the
// end when fromEnd.
func (fr *frames) nth(i, k int, fromEnd bool, buf [][2]int) int {
	segs := fr.segments(i, buf[:0])
	if fromEnd {
		for x := len(segs) - 1; x >= 0; x-- {
			if size := segs[x][1] - segs[x][0]; k < size {
				return segs[x][1] - 1 - k
			} else {
				k -= size
			}
		}
		return -1
	}
	for _, sg := range segs {
		if size := sg[1] - sg[0]; k < size {
			return sg[0] + k
		} else {
			k -= size
		}
	}
	return -1
}

// growing reports whether every frame starts at its partition's start
// (with no exclusion): then an aggregate can run through each partition
// once, reading its value at each frame end.
func (fr *frames) growing() bool {
	if fr.exclude != 0 {
		return false
	}
	for i, s := range fr.start {
		if s != fr.rows.partStart[i] {
			return false
		}
	}
	return true
}

// shrinking reports whether every frame ends at its partition's end
// (with no exclusion): then the frames grow from the end.
func (fr *frames) shrinking() bool {
	if fr.exclude != 0 {
		return false
	}
	for i, e := range fr.end {
		if e != fr.rows.partEnd[i] {
			return false
		}
	}
	return true
}
