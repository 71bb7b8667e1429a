package executor

import (
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"

	"github.com/sharehouse/sharehouse/catalog"
)

// scanOp reads a table's snapshot, only the columns the query uses. A
// goroutine decodes the next batch while the plan above works on the
// current one, so Parquet decoding runs on the second core.
type scanOp struct {
	env    *env
	name   string
	snap   *catalog.Snapshot
	fields []arrow.Field // data-file field names and types
	cols   []opColumn
	schema *arrow.Schema
	// pruneFn compiles the pruner (nil: read every row group) once,
	// when the scan first needs it.
	pruneFn   func() *pruner
	pruneOnce sync.Once
	prune     *pruner

	// groups is what the pruner chose: per part, the row groups to read.
	choose      sync.Once
	groups      [][]int
	chooseErr   error
	read, total int // row groups

	batches chan scanBatch
	stop    context.CancelFunc
	wg      sync.WaitGroup
	out     batchHolder
}

// scanBatch is one decoded batch (retained for the consumer) or the error
// that ended the scan.
type scanBatch struct {
	rec arrow.Record
	err error
}

// scanPrefetch is how many decoded batches may wait for the consumer.
const scanPrefetch = 2

func newScanOp(e *env, name string, snap *catalog.Snapshot, fields []arrow.Field, cols []opColumn, prune func() *pruner) *scanOp {
	return &scanOp{env: e, name: name, snap: snap, fields: fields, cols: cols, schema: schemaOf(cols), pruneFn: prune}
}

// pruner returns the scan's pruner, nil if none of its filters helps.
func (s *scanOp) pruner() *pruner {
	s.pruneOnce.Do(func() {
		if s.pruneFn != nil {
			s.prune = s.pruneFn()
		}
	})
	return s.prune
}

func (s *scanOp) columns() []opColumn { return s.cols }
func (s *scanOp) String() string      { return fmt.Sprintf("Seq Scan on %s", s.name) }

// explainDetails shows what pruning decided, as "Row groups: 3 of 80
// read" (EXPLAIN computes it from the statistics without reading rows).
func (s *scanOp) explainDetails() []string {
	if s.pruner() == nil {
		return nil
	}
	if err := s.chooseGroups(context.Background()); err != nil {
		return nil
	}
	return []string{fmt.Sprintf("Row groups: %d of %d read", s.read, s.total)}
}

// chooseGroups asks the pruner about every row group of every part, once.
func (s *scanOp) chooseGroups(ctx context.Context) error {
	s.choose.Do(func() {
		ec := s.env.eval(ctx)
		ec.mem = defaultMem // bounds and constants are tiny; keep them out of the query's accounting
		parts := s.snap.Parts()
		s.groups = make([][]int, len(parts))
		for i := range parts {
			rgs, err := s.snap.PartStats(ctx, i, s.prune.fields)
			if err != nil {
				s.chooseErr = err
				return
			}
			s.groups[i] = []int{}
			for g, rg := range rgs {
				s.total++
				if !s.prune.test.skip(ec, rg.Rows, rg.Columns) {
					s.groups[i] = append(s.groups[i], g)
					s.read++
				}
			}
		}
	})
	return s.chooseErr
}

// open returns an iterator over what the scan reads: every part, or the
// row groups the pruner kept.
func (s *scanOp) open(ctx context.Context) (catalog.RecordIterator, error) {
	if s.pruner() == nil {
		return s.snap.Scan(ctx, s.fields)
	}
	if err := s.chooseGroups(ctx); err != nil {
		return nil, err
	}
	return s.snap.ScanSelected(ctx, s.fields, s.groups)
}

// start launches the decoding goroutine. It outlives any one call's
// context (a portal resumes with another), so close is what ends it; a
// canceled caller stops waiting for it in next.
func (s *scanOp) start() {
	ctx, stop := context.WithCancel(context.Background())
	s.stop = stop
	s.batches = make(chan scanBatch, scanPrefetch)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer close(s.batches)
		it, err := s.open(ctx)
		if err != nil {
			s.batches <- scanBatch{err: err}
			return
		}
		defer it.Close()
		for {
			rec, err := it.Next(ctx)
			if err != nil {
				select {
				case s.batches <- scanBatch{err: err}:
				case <-ctx.Done():
				}
				return
			}
			// Same arrays under the query's column names, kept past Next.
			out := array.NewRecord(s.schema, rec.Columns(), rec.NumRows())
			select {
			case s.batches <- scanBatch{rec: out}:
			case <-ctx.Done():
				out.Release()
				return
			}
		}
	}()
}

func (s *scanOp) next(ctx context.Context) (arrow.Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if s.batches == nil {
		s.start()
	}
	select {
	case b, ok := <-s.batches:
		if !ok {
			return nil, io.EOF
		}
		if b.err != nil {
			return nil, b.err
		}
		return s.out.set(b.rec), nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (s *scanOp) close() {
	s.out.release()
	if s.batches == nil {
		return
	}
	s.stop()
	for b := range s.batches { // whatever was decoded and not taken
		if b.rec != nil {
			b.rec.Release()
		}
	}
	s.wg.Wait()
	s.batches = nil
}
