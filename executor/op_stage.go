package executor

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"sync"

	"github.com/apache/arrow/go/v17/arrow"
)

// A stage applies a per-batch function (a filter, a projection, or a
// filter and the projection above it) to its child's batches. Once a
// second batch shows the input is not tiny, and when the function is safe
// to run on several goroutines (parallelSafe), batches go to one worker
// per core and come back in their input order: the plan above sees what
// the serial stage would give, while both cores evaluate.

// stageFn computes the output batch of one input batch; nil for no rows.
// The input stays the caller's; the output is the stage's caller's.
type stageFn func(ec *evalContext, rec arrow.Record) (arrow.Record, error)

// stageWindowPerWorker bounds the batches in flight per worker.
const stageWindowPerWorker = 2

type stage struct {
	env      *env
	child    operator
	fn       stageFn
	safe     bool
	batches  int // input batches seen
	w        *stageWorkers
	drained  bool // the child returned EOF
	launched int  // workers started, for EXPLAIN ANALYZE
}

// next returns the next non-empty output batch, owned by the caller.
func (s *stage) next(ctx context.Context) (arrow.Record, error) {
	for {
		if s.w == nil {
			rec, err := s.child.next(ctx)
			if err != nil {
				return nil, err
			}
			s.batches++
			if n := runtime.GOMAXPROCS(0); s.batches > 1 && s.safe && n > 1 {
				s.w = startStageWorkers(ctx, s.env, s.fn, n)
				s.launched = n
				s.w.submit(rec)
			} else {
				out, err := s.fn(s.env.eval(ctx), rec)
				if err != nil || out != nil {
					return out, err
				}
				continue
			}
		}
		for !s.drained && len(s.w.pending) < cap(s.w.jobs) {
			rec, err := s.child.next(ctx)
			if errEOF(err) {
				s.drained = true
				break
			}
			if err != nil {
				return nil, err
			}
			s.w.submit(rec)
		}
		if len(s.w.pending) == 0 {
			return nil, io.EOF
		}
		var r stageResult
		select {
		case r = <-s.w.pending[0]:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		s.w.pending = s.w.pending[1:]
		if r.err != nil || r.rec != nil {
			return r.rec, r.err
		}
	}
}

// explain tells, after a run, on how many workers the stage ran, as
// PostgreSQL's Gather shows its workers.
func (s *stage) explain() []string {
	if s == nil || s.launched == 0 {
		return nil
	}
	return []string{fmt.Sprintf("Workers Launched: %d", s.launched)}
}

// close stops the workers and releases what they still hold; the child
// is its operator's to close.
func (s *stage) close() {
	if s.w != nil {
		s.w.stop()
		s.w = nil
	}
}

type stageJob struct {
	rec arrow.Record // retained for the worker
	res chan stageResult
}

type stageResult struct {
	rec arrow.Record
	err error
}

// stageWorkers are the goroutines of one stage; stop waits for them.
type stageWorkers struct {
	ctx     context.Context
	cancel  context.CancelFunc
	jobs    chan stageJob
	pending []chan stageResult // in input order
	wg      sync.WaitGroup
}

func startStageWorkers(ctx context.Context, e *env, fn stageFn, n int) *stageWorkers {
	ctx, cancel := context.WithCancel(ctx)
	w := &stageWorkers{ctx: ctx, cancel: cancel, jobs: make(chan stageJob, n*stageWindowPerWorker)}
	w.wg.Add(n)
	for range n {
		go func() {
			defer w.wg.Done()
			ec := e.eval(ctx)
			for j := range w.jobs {
				var r stageResult
				if r.err = ctx.Err(); r.err == nil {
					r.rec, r.err = callStageFn(fn, ec, j.rec)
				}
				j.rec.Release()
				j.res <- r // buffered: never blocks
			}
		}()
	}
	return w
}

// callStageFn runs fn, turning a panic into the query's error rather than
// the server's end.
func callStageFn(fn stageFn, ec *evalContext, rec arrow.Record) (out arrow.Record, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, internalf("parallel stage: %v", r)
		}
	}()
	return fn(ec, rec)
}

// submit hands rec to the workers. The window (jobs' capacity) is never
// exceeded by the caller, so the send does not block.
func (w *stageWorkers) submit(rec arrow.Record) {
	rec.Retain()
	res := make(chan stageResult, 1)
	w.pending = append(w.pending, res)
	w.jobs <- stageJob{rec: rec, res: res}
}

func (w *stageWorkers) stop() {
	w.cancel()
	close(w.jobs)
	w.wg.Wait()
	for _, res := range w.pending {
		if r := <-res; r.rec != nil {
			r.rec.Release()
		}
	}
	w.pending = nil
}
