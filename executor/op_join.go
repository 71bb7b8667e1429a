package executor

import (
	"context"
	"io"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
)

type joinKind int

const (
	joinInner joinKind = iota
	joinLeft
	joinRight
	joinFull
)

func (k joinKind) String() string {
	return [...]string{"Inner", "Left", "Right", "Full"}[k]
}

// joinOp joins its left (probe) input with its right (build) input, which
// it materialises. With equality keys it hashes the build side; without,
// it compares every pair (nested loop). residual is the rest of the ON
// condition, checked on candidate pairs so outer joins stay correct.
type joinOp struct {
	env         *env
	kind        joinKind
	left, right operator
	leftKeys    []Expr // over left's columns
	rightKeys   []Expr // over right's columns
	residual    Expr   // over the joined columns, nil if none
	cols        []opColumn
	schema      *arrow.Schema

	built        bool
	build        arrow.Record
	table        map[string][]int32
	matchedBuild []bool
	// pending pairs of the current probe batch, emitted in chunks.
	probe    arrow.Record
	li, ri   []int32
	leftDone bool
	tailDone bool
	out      batchHolder
	st       *stage // probes the left input, on every core when it can
}

const joinChunk = 64 * 1024

func (j *joinOp) columns() []opColumn { return j.cols }
func (j *joinOp) String() string {
	if len(j.leftKeys) > 0 {
		return "Hash " + j.kind.String() + " Join"
	}
	return "Nested Loop " + j.kind.String() + " Join"
}

func (j *joinOp) close() {
	if j.st != nil {
		j.st.close()
	}
	j.out.release()
	if j.build != nil {
		j.build.Release()
		j.build = nil
	}
	if j.probe != nil {
		j.probe.Release()
		j.probe = nil
	}
	j.left.close()
	j.right.close()
}

func (j *joinOp) buildSide(ctx context.Context) error {
	recs, _, err := drain(ctx, j.right)
	if err != nil {
		return err
	}
	defer releaseAll(recs)
	if err := j.env.fits("the join's inner input", recs); err != nil {
		return err
	}
	all, err := concatRecords(j.env.mem, schemaOf(j.right.columns()), recs)
	if err != nil {
		return err
	}
	j.build = all
	j.matchedBuild = make([]bool, all.NumRows())
	if len(j.rightKeys) > 0 {
		ec := j.env.eval(ctx)
		keys, err := evalKeys(ec, j.rightKeys, all)
		if err != nil {
			return err
		}
		defer releaseArrays(keys)
		j.table = make(map[string][]int32, all.NumRows())
		var buf []byte
	rows:
		for r := 0; r < int(all.NumRows()); r++ {
			buf = buf[:0]
			for _, k := range keys {
				if k.IsNull(r) {
					continue rows // NULL never equals anything
				}
				buf = appendKey(buf, k, r)
			}
			j.table[string(buf)] = append(j.table[string(buf)], int32(r))
		}
	}
	j.built = true
	return nil
}

func (j *joinOp) next(ctx context.Context) (arrow.Record, error) {
	if !j.built {
		if err := j.buildSide(ctx); err != nil {
			return nil, err
		}
	}
	if j.st == nil {
		j.st = &stage{env: j.env, child: j.left, fn: j.probeStage, safe: j.parallelProbe()}
	}
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if j.leftDone {
			return j.tail()
		}
		out, err := j.st.next(ctx)
		if errEOF(err) {
			j.leftDone = true
			continue
		}
		if err != nil {
			return nil, err
		}
		return j.out.set(out), nil
	}
}

func (j *joinOp) explainDetails() []string { return j.st.explain() }

// probeStage joins one left batch; nil when no row comes out.
func (j *joinOp) probeStage(ec *evalContext, rec arrow.Record) (arrow.Record, error) {
	out, err := j.probeChunked(ec, rec)
	if err != nil || out == nil || out.NumRows() > 0 {
		return out, err
	}
	out.Release()
	return nil, nil
}

// parallelProbe reports whether left batches may be probed on several
// goroutines: the build side is read-only then, unless RIGHT and FULL joins
// mark the build rows they match.
func (j *joinOp) parallelProbe() bool {
	if j.kind == joinRight || j.kind == joinFull || !parallelSafe(j.residual) {
		return false
	}
	for _, k := range j.leftKeys {
		if !parallelSafe(k) {
			return false
		}
	}
	return true
}

// nestedLoopPairs bounds the candidate pairs a nested loop builds at once.
const nestedLoopPairs = 1 << 20

// probeChunked joins one left batch; a nested loop takes it in slices so
// that the candidate pairs it builds at once stay bounded.
func (j *joinOp) probeChunked(ec *evalContext, rec arrow.Record) (arrow.Record, error) {
	n, m := int(rec.NumRows()), int(j.build.NumRows())
	if len(j.leftKeys) > 0 || n*m <= nestedLoopPairs {
		return j.probeBatch(ec, rec)
	}
	step := max(1, nestedLoopPairs/max(m, 1))
	var outs []arrow.Record
	defer func() { releaseAll(outs) }()
	for start := 0; start < n; start += step {
		if err := ec.ctx.Err(); err != nil {
			return nil, err
		}
		part := rec.NewSlice(int64(start), int64(min(start+step, n)))
		out, err := j.probeBatch(ec, part)
		part.Release()
		if err != nil {
			return nil, err
		}
		outs = append(outs, out)
		if err := j.env.fits("the nested loop join's output", outs); err != nil {
			return nil, err
		}
	}
	return concatRecords(j.env.mem, j.schemaOf(), outs)
}

// probeBatch joins one left batch with the build side.
func (j *joinOp) probeBatch(ec *evalContext, rec arrow.Record) (arrow.Record, error) {
	n := int(rec.NumRows())
	var li, ri []int32
	if len(j.leftKeys) > 0 {
		keys, err := evalKeys(ec, j.leftKeys, rec)
		if err != nil {
			return nil, err
		}
		var buf []byte
	rows:
		for r := 0; r < n; r++ {
			buf = buf[:0]
			for _, k := range keys {
				if k.IsNull(r) {
					continue rows
				}
				buf = appendKey(buf, k, r)
			}
			for _, b := range j.table[string(buf)] {
				li = append(li, int32(r))
				ri = append(ri, b)
			}
		}
		releaseArrays(keys)
	} else {
		m := int(j.build.NumRows())
		for r := 0; r < n; r++ {
			for b := 0; b < m; b++ {
				li = append(li, int32(r))
				ri = append(ri, int32(b))
			}
		}
	}
	pairs := j.combine(rec, li, ri)
	if j.residual != nil && pairs.NumRows() > 0 {
		mask, err := j.residual.Eval(ec, pairs)
		if err != nil {
			pairs.Release()
			return nil, err
		}
		sel := selectionOf(mask.(*array.Boolean))
		mask.Release()
		kept := takeRecord(j.env.mem, pairs, sel)
		pairs.Release()
		pairs = kept
		nli, nri := make([]int32, len(sel)), make([]int32, len(sel))
		for k, s := range sel {
			nli[k], nri[k] = li[s], ri[s]
		}
		li, ri = nli, nri
	}
	if j.kind == joinRight || j.kind == joinFull {
		for _, b := range ri {
			j.matchedBuild[b] = true
		}
	}
	if j.kind == joinLeft || j.kind == joinFull {
		matched := make([]bool, n)
		for _, l := range li {
			matched[l] = true
		}
		var ul, ur []int32
		for r := 0; r < n; r++ {
			if !matched[r] {
				ul = append(ul, int32(r))
				ur = append(ur, -1)
			}
		}
		if len(ul) > 0 {
			extra := j.combine(rec, ul, ur)
			merged, err := concatRecords(j.env.mem, j.schemaOf(), []arrow.Record{pairs, extra})
			pairs.Release()
			extra.Release()
			if err != nil {
				return nil, err
			}
			pairs = merged
		}
	}
	return pairs, nil
}

// tail emits the build rows no probe row matched (RIGHT and FULL joins).
func (j *joinOp) tail() (arrow.Record, error) {
	if j.tailDone || (j.kind != joinRight && j.kind != joinFull) {
		return nil, io.EOF
	}
	j.tailDone = true
	var li, ri []int32
	for b, m := range j.matchedBuild {
		if !m {
			li = append(li, -1)
			ri = append(ri, int32(b))
		}
	}
	if len(ri) == 0 {
		return nil, io.EOF
	}
	// A probe batch of the left's shape with no rows: every left value is null.
	emptyLeft := emptyRecord(j.env, j.left.columns())
	defer emptyLeft.Release()
	return j.out.set(j.combine(emptyLeft, li, ri)), nil
}

func (j *joinOp) schemaOf() *arrow.Schema {
	if j.schema == nil {
		j.schema = schemaOf(j.cols)
	}
	return j.schema
}

// combine builds the joined rows (left[li[k]], right[ri[k]]); -1 is null.
func (j *joinOp) combine(left arrow.Record, li, ri []int32) arrow.Record {
	cols := make([]arrow.Array, 0, len(j.cols))
	for c := 0; c < int(left.NumCols()); c++ {
		cols = append(cols, takeArray(j.env.mem, left.Column(c), li))
	}
	for c := 0; c < int(j.build.NumCols()); c++ {
		cols = append(cols, takeArray(j.env.mem, j.build.Column(c), ri))
	}
	rec := array.NewRecord(j.schemaOf(), cols, int64(len(li)))
	releaseArrays(cols)
	return rec
}

func emptyRecord(e *env, cols []opColumn) arrow.Record {
	arrs := make([]arrow.Array, len(cols))
	for i, c := range cols {
		b := array.NewBuilder(e.mem, c.dt)
		arrs[i] = b.NewArray()
		b.Release()
	}
	rec := array.NewRecord(schemaOf(cols), arrs, 0)
	releaseArrays(arrs)
	return rec
}
