package executor

// Parallel hash aggregation. The operator's goroutine pulls batches from
// its child (operators are not thread-safe) and deals them out in turn to
// workers, each with its own groups and aggregate states; at the end the
// workers' tables merge into one, in the serial operator's group order.
// Dealing in turn (not to whichever worker is free) keeps results that
// depend on the order of additions, float sums, the same from run to run.

import (
	"context"
	"math"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow/go/v17/arrow"

	"github.com/sharehouse/sharehouse/executor/sqltype"
)

// aggWorkerQueue is how many batches may wait for each worker: enough to
// ride out uneven batches, few enough to bound the memory held.
const aggWorkerQueue = 2

// aggManyGroups: when the first batch has more than one group per
// aggManyGroups rows, the aggregation stays serial. With many groups every
// worker's table holds many of them, and grouping them again to merge
// costs more than the workers save: with a group per 10 rows, two workers
// spent half as much CPU again as one (BenchmarkAggregateProcs/tenth).
// 0 turns the rule off.
var aggManyGroups = 16

// aggregate folds the child's batches into one table. The first batch is
// aggregated on this goroutine, so a one-batch input never starts workers;
// later batches go to workers when the aggregation can run in parallel.
func (h *hashAggOp) aggregate(ctx context.Context) (*aggTable, error) {
	ec := h.env.eval(ctx)
	if h.workers == 0 {
		h.workers = h.plannedWorkers(ec)
	}
	mem := new(atomic.Int64)
	workers := h.workers
	first := newAggTable(h, ec, workers > 1, mem)
	var p *aggWorkers
	stop := func() {
		if p != nil {
			if parts, _ := p.wait(); parts != nil {
				releaseTables(parts)
			}
			p = nil
		}
	}
	// A panic below (in the child, say) must not leave workers waiting.
	defer stop()
	fail := func(err error) (*aggTable, error) {
		first.release()
		stop()
		return nil, err
	}
	for seq := 0; ; seq++ {
		rec, err := h.child.next(ctx)
		if errEOF(err) {
			break
		}
		if err == nil {
			err = ctx.Err()
		}
		if err != nil {
			return fail(err)
		}
		if seq == 0 || workers < 2 {
			if err := first.add(rec, seq); err != nil {
				return fail(err)
			}
			if seq == 0 && aggManyGroups > 0 && first.ngroups*aggManyGroups > int(rec.NumRows()) {
				workers, first.track, first.first = 1, false, nil
			}
			continue
		}
		if p == nil {
			p = h.startWorkers(ctx, workers, mem)
		}
		if !p.send(rec, seq) {
			break // a worker failed or ctx ended: wait reports why
		}
	}
	if p == nil {
		return first, nil
	}
	parts, err := p.wait()
	p = nil
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		releaseTables(parts)
		return fail(err)
	}
	h.launched = len(parts)
	parts = append([]*aggTable{first}, parts...)
	defer releaseTables(parts)
	return mergeTables(h, ec, parts, mem)
}

// plannedWorkers is how many goroutines may aggregate: one per core when
// every aggregate can merge and every expression is safe to evaluate on
// several goroutines at once, else 1.
func (h *hashAggOp) plannedWorkers(ec *evalContext) int {
	n := runtime.GOMAXPROCS(0)
	if n < 2 {
		return 1
	}
	for _, a := range h.aggs {
		st := a.impl.New(ec)
		_, ok := st.(aggMerger)
		st.Release()
		if !ok || !parallelSafe(a.filter) {
			return 1
		}
		for _, e := range a.args {
			if !parallelSafe(e) {
				return 1
			}
		}
	}
	for _, e := range h.keys {
		if !parallelSafe(e) {
			return 1
		}
	}
	return n
}

// explainDetails shows that the aggregate runs on several cores, as
// PostgreSQL's Gather shows its workers.
func (h *hashAggOp) explainDetails() []string {
	n := h.workers
	if n == 0 {
		n = h.plannedWorkers(h.env.eval(context.Background()))
	}
	if n < 2 {
		return nil
	}
	lines := []string{"Workers Planned: " + strconv.Itoa(n)}
	if h.done {
		lines = append(lines, "Workers Launched: "+strconv.Itoa(h.launched))
	}
	return lines
}

// parallelSafe reports whether e may be evaluated by several goroutines at
// once: expressions that only compute from their inputs. Subqueries,
// volatile functions (random, nextval) and functions that read the session
// or catalog are not; nor is anything not listed here.
func parallelSafe(e Expr) bool {
	all := func(es []Expr) bool {
		for _, x := range es {
			if !parallelSafe(x) {
				return false
			}
		}
		return true
	}
	switch x := e.(type) {
	case nil, *colRef, *boundCol, *constExpr:
		return true
	case *funcExpr:
		return !x.impl.Volatile && !x.impl.Session && all(x.args)
	case *logicExpr:
		return all(x.args)
	case *nullTestExpr:
		return parallelSafe(x.arg)
	case *boolTestExpr:
		return parallelSafe(x.arg)
	case *distinctExpr:
		return all([]Expr{x.eq, x.l, x.r})
	case *caseExpr:
		return all(x.whens) && all(x.thens) && parallelSafe(x.els)
	case *coalesceExpr:
		return all(x.args)
	case *greatestExpr:
		return all(x.args)
	case *inSetExpr:
		return parallelSafe(x.arg)
	}
	return false
}

// aggWorkers are the goroutines of one parallel aggregation; every one is
// waited for by wait.
type aggWorkers struct {
	ctx    context.Context
	cancel context.CancelFunc
	ins    []chan aggBatch
	tables []*aggTable
	errs   []error
	wg     sync.WaitGroup
	turn   int
}

type aggBatch struct {
	rec arrow.Record
	seq int
}

func (h *hashAggOp) startWorkers(ctx context.Context, n int, mem *atomic.Int64) *aggWorkers {
	ctx, cancel := context.WithCancel(ctx)
	p := &aggWorkers{ctx: ctx, cancel: cancel, ins: make([]chan aggBatch, n), tables: make([]*aggTable, n), errs: make([]error, n)}
	for i := range n {
		p.ins[i] = make(chan aggBatch, aggWorkerQueue)
		p.tables[i] = newAggTable(h, h.env.eval(ctx), true, mem)
		p.wg.Add(1)
		go p.work(i)
	}
	return p
}

// work aggregates worker i's batches until its queue closes; after an
// error (its own or another worker's) it only releases what it is sent.
func (p *aggWorkers) work(i int) {
	defer p.wg.Done()
	for b := range p.ins[i] {
		if p.errs[i] == nil && p.ctx.Err() == nil {
			if err := p.add(i, b); err != nil {
				p.errs[i] = err
				p.cancel()
			}
		}
		b.rec.Release()
	}
}

// add is tables[i].add; a panic becomes the query's error, not the server's.
func (p *aggWorkers) add(i int, b aggBatch) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = internalf("parallel aggregate: %v", r)
		}
	}()
	return p.tables[i].add(b.rec, b.seq)
}

// send hands rec (retained for the worker) to the next worker in turn;
// false when the aggregation is failing or cancelled.
func (p *aggWorkers) send(rec arrow.Record, seq int) bool {
	rec.Retain()
	select {
	case p.ins[p.turn] <- aggBatch{rec: rec, seq: seq}:
		p.turn = (p.turn + 1) % len(p.ins)
		return true
	case <-p.ctx.Done():
		rec.Release()
		return false
	}
}

// wait ends the workers and returns their tables, or the first worker's
// error (the tables then released).
func (p *aggWorkers) wait() ([]*aggTable, error) {
	for _, in := range p.ins {
		close(in)
	}
	p.wg.Wait()
	p.cancel()
	for _, err := range p.errs {
		if err != nil {
			releaseTables(p.tables)
			return nil, err
		}
	}
	return p.tables, nil
}

func releaseTables(ts []*aggTable) {
	for _, t := range ts {
		t.release()
	}
}

// mergeTables folds partial tables into one. Groups are numbered by their
// first row over all tables, so the output's group order and each group's
// key value (the first seen: 1.0 or 1.00) are the serial operator's.
func mergeTables(h *hashAggOp, ec *evalContext, parts []*aggTable, mem *atomic.Int64) (*aggTable, error) {
	out := newAggTable(h, ec, false, mem)
	to := make([][]uint32, len(parts)) // each part's groups' final groups
	if len(h.keys) == 0 {
		for i := range parts {
			to[i] = []uint32{0}
		}
	} else {
		err := mergeGroups(h, ec, parts, out, to)
		if err == nil {
			err = out.account() // the parts are still held: the peak
		}
		if err != nil {
			out.release()
			return nil, err
		}
	}
	for a, st := range out.states {
		m := st.(aggMerger)
		for i, p := range parts {
			if err := m.Merge(p.states[a], to[i], out.ngroups); err != nil {
				out.release()
				return nil, err
			}
		}
	}
	return out, nil
}

// mergeGroups numbers the groups of all parts into out (keys included)
// and sets to[i][g], the final group of part i's group g. A grouper over
// the parts' keys finds which groups are one; walking all parts' groups
// in order of their first rows (each part's are in that order already)
// then numbers them as the serial operator did, and picks each one's key
// value from its first row.
func mergeGroups(h *hashAggOp, ec *evalContext, parts []*aggTable, out *aggTable, to [][]uint32) error {
	keyArrs := make([][]arrow.Array, len(parts))
	defer func() {
		for _, ka := range keyArrs {
			releaseArrays(ka)
		}
	}()
	var grp grouper
	types := make([]sqltype.T, len(h.keys))
	for i, k := range h.keys {
		types[i] = k.Type()
	}
	for i, p := range parts {
		keyArrs[i] = make([]arrow.Array, len(p.keys))
		for k, b := range p.keys {
			keyArrs[i][k] = b.NewArray()
		}
		hashArrs, normalized := valueKeys(ec, types, keyArrs[i])
		to[i] = make([]uint32, p.ngroups)
		err := grp.assign(hashArrs, to[i], func(int) error { return nil })
		releaseArrays(normalized)
		if err != nil {
			return err
		}
	}
	const unranked = math.MaxUint32
	rank := make([]uint32, grp.n)
	for f := range rank {
		rank[f] = unranked
	}
	next := uint32(0)
	pos := make([]int, len(parts)) // each part's next group in the walk
	for {
		i := -1 // the part whose next group has the earliest first row
		for j, p := range parts {
			if pos[j] < p.ngroups && (i < 0 || p.first[pos[j]] < parts[i].first[pos[i]]) {
				i = j
			}
		}
		if i < 0 {
			break
		}
		g := pos[i]
		pos[i]++
		if f := to[i][g]; rank[f] == unranked {
			rank[f] = next
			next++
			for k, b := range out.keys {
				if err := appendValue(b, keyArrs[i][k], g); err != nil {
					return err
				}
			}
		}
	}
	for _, m := range to {
		for g, f := range m {
			m[g] = rank[f]
		}
	}
	out.ngroups = grp.n
	return nil
}
