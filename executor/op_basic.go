package executor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
)

// filterOp keeps the rows for which pred is true.
type filterOp struct {
	env   *env
	child operator
	pred  Expr
	out   batchHolder
	st    *stage // made at the first next
}

func (f *filterOp) columns() []opColumn { return f.child.columns() }
func (f *filterOp) String() string      { return "Filter: " + f.pred.String() }
func (f *filterOp) close() {
	if f.st != nil {
		f.st.close()
	}
	f.out.release()
	f.child.close()
}

func (f *filterOp) next(ctx context.Context) (arrow.Record, error) {
	if f.st == nil {
		f.st = &stage{env: f.env, child: f.child, fn: f.filterBatch, safe: parallelSafe(f.pred)}
	}
	out, err := f.st.next(ctx)
	if err != nil {
		return nil, err
	}
	return f.out.set(out), nil
}

func (f *filterOp) explainDetails() []string { return f.st.explain() }

// filterBatch keeps the rows of rec where pred is true; nil when none is.
func (f *filterOp) filterBatch(ec *evalContext, rec arrow.Record) (arrow.Record, error) {
	mask, err := f.pred.Eval(ec, rec)
	if err != nil {
		return nil, err
	}
	out := filterRecord(f.env.mem, rec, mask.(*array.Boolean))
	mask.Release()
	if out.NumRows() == 0 {
		out.Release()
		return nil, nil
	}
	return out, nil
}

// projectOp computes its output columns from its input's.
type projectOp struct {
	env    *env
	child  operator
	exprs  []Expr
	cols   []opColumn
	schema *arrow.Schema
	out    batchHolder
	st     *stage // made at the first next
}

func newProjectOp(e *env, child operator, exprs []Expr, cols []opColumn) *projectOp {
	return &projectOp{env: e, child: child, exprs: exprs, cols: cols, schema: schemaOf(cols)}
}

func (p *projectOp) columns() []opColumn { return p.cols }
func (p *projectOp) close() {
	if p.st != nil {
		p.st.close()
	}
	p.uncharge()
	p.out.release()
	p.child.close()
}
func (p *projectOp) String() string {
	parts := make([]string, len(p.exprs))
	for i, e := range p.exprs {
		parts[i] = e.String()
	}
	return "Project: " + strings.Join(parts, ", ")
}

func (p *projectOp) next(ctx context.Context) (arrow.Record, error) {
	if p.st == nil {
		p.st = p.newStage()
	}
	out, err := p.st.next(ctx)
	if err != nil {
		return nil, err
	}
	p.uncharge()
	return p.out.set(out), nil
}

// uncharge gives back the charge of the batch last returned, which the
// next replaces (projectBatch charged it).
func (p *projectOp) uncharge() {
	if p.out.cur != nil {
		if n := batchValueBytes(p.out.cur); n >= chargedBatchBytes {
			p.env.start.budget.shrink(n)
		}
	}
}

func (p *projectOp) explainDetails() []string { return p.st.explain() }

func (p *projectOp) projectBatch(ec *evalContext, rec arrow.Record) (arrow.Record, error) {
	out, err := evalAll(ec, p.schema, p.exprs, rec)
	if err != nil {
		return nil, err
	}
	// A large batch (large values) stays charged from when it is built
	// until the next replaces it, so the batches waiting between parallel
	// workers and the consumer count against the query memory limit.
	if n := batchValueBytes(out); n >= chargedBatchBytes {
		if err := ec.budget.grow("the query's rows", n); err != nil {
			out.Release()
			return nil, err
		}
	}
	return out, nil
}

// newStage projects in a stage; over a filter not yet started it filters
// too, so that a filtered batch is projected on the worker that made it.
func (p *projectOp) newStage() *stage {
	safe := true
	for _, e := range p.exprs {
		safe = safe && parallelSafe(e)
	}
	st := &stage{env: p.env, child: p.child, fn: p.projectBatch, safe: safe}
	if f, ok := p.child.(*filterOp); ok && f.st == nil && safe && parallelSafe(f.pred) {
		st.child = f.child // f stays in the plan, unused but for close
		st.fn = func(ec *evalContext, rec arrow.Record) (arrow.Record, error) {
			kept, err := f.filterBatch(ec, rec)
			if err != nil || kept == nil {
				return nil, err
			}
			defer kept.Release()
			return p.projectBatch(ec, kept)
		}
	}
	return st
}

// limitOp skips offset rows, then passes at most count (-1: all).
type limitOp struct {
	child         operator
	offset, count int64
	out           batchHolder
}

func (l *limitOp) columns() []opColumn { return l.child.columns() }
func (l *limitOp) close()              { l.out.release(); l.child.close() }
func (l *limitOp) String() string      { return fmt.Sprintf("Limit: %d offset %d", l.count, l.offset) }

func (l *limitOp) next(ctx context.Context) (arrow.Record, error) {
	for {
		if l.count == 0 {
			return nil, io.EOF
		}
		rec, err := l.child.next(ctx)
		if err != nil {
			return nil, err
		}
		n := rec.NumRows()
		start := int64(0)
		if l.offset > 0 {
			if l.offset >= n {
				l.offset -= n
				continue
			}
			start, l.offset = l.offset, 0
		}
		end := n
		if l.count >= 0 && end-start > l.count {
			end = start + l.count
		}
		if l.count >= 0 {
			l.count -= end - start
		}
		if start == 0 && end == n {
			rec.Retain()
			return l.out.set(rec), nil
		}
		return l.out.set(rec.NewSlice(start, end)), nil
	}
}

// valuesOp returns precomputed rows (VALUES, SELECT without FROM).
type valuesOp struct {
	cols []opColumn
	rec  arrow.Record
	done bool
}

func (v *valuesOp) columns() []opColumn { return v.cols }
func (v *valuesOp) String() string      { return "Values" }
func (v *valuesOp) close() {
	if v.rec != nil {
		v.rec.Release()
		v.rec = nil
	}
}
func (v *valuesOp) next(ctx context.Context) (arrow.Record, error) {
	if v.done || v.rec == nil {
		return nil, io.EOF
	}
	v.done = true
	return v.rec, nil
}

// oneRowOp is the single empty row a SELECT without FROM reads.
func oneRowOp() *valuesOp {
	return &valuesOp{rec: oneRowRecord()}
}

// seriesOp is generate_series over integers, a batch at a time.
type seriesOp struct {
	col             opColumn
	cur, stop, step int64
	done            bool
	env             *env
	out             batchHolder
	schema          *arrow.Schema
}

const seriesBatch = 8192

func (s *seriesOp) columns() []opColumn { return []opColumn{s.col} }
func (s *seriesOp) String() string      { return "Function Scan on generate_series" }
func (s *seriesOp) close()              { s.out.release() }

func (s *seriesOp) next(ctx context.Context) (arrow.Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if s.done {
		return nil, io.EOF
	}
	if s.schema == nil {
		s.schema = schemaOf([]opColumn{s.col})
	}
	vals := make([]int64, 0, seriesBatch)
	for len(vals) < seriesBatch {
		if (s.step > 0 && s.cur > s.stop) || (s.step < 0 && s.cur < s.stop) {
			s.done = true
			break
		}
		vals = append(vals, s.cur)
		next := s.cur + s.step
		if (s.step > 0 && next < s.cur) || (s.step < 0 && next > s.cur) {
			s.done = true // overflow: the series ends here
			break
		}
		s.cur = next
	}
	if len(vals) == 0 {
		return nil, io.EOF
	}
	var arr arrow.Array
	switch s.col.dt.ID() {
	case arrow.INT32:
		b := array.NewInt32Builder(s.env.mem)
		for _, v := range vals {
			b.Append(int32(v))
		}
		arr = b.NewArray()
		b.Release()
	default:
		b := array.NewInt64Builder(s.env.mem)
		b.AppendValues(vals, nil)
		arr = b.NewArray()
		b.Release()
	}
	rec := array.NewRecord(s.schema, []arrow.Array{arr}, int64(len(vals)))
	arr.Release()
	return s.out.set(rec), nil
}

// errEOF reports whether err ends a stream normally.
func errEOF(err error) bool { return errors.Is(err, io.EOF) }
