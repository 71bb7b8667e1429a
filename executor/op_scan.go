package executor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"

	"github.com/sharehouse/sharehouse/catalog"
)

// scanOp reads a table's snapshot, only the columns the query uses, and
// only the row groups its filters may match.
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

	// it reads the snapshot: storage decodes row groups ahead on every
	// core (a small scan, of one unit, decodes as it is asked).
	it   catalog.RecordIterator
	done bool
	out  batchHolder
}

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
// read" (EXPLAIN computes it from the statistics without reading rows),
// and after a run how many of the row groups read came from the cache.
func (s *scanOp) explainDetails() []string {
	var lines []string
	if s.pruner() != nil && s.chooseGroups(context.Background()) == nil {
		lines = append(lines, fmt.Sprintf("Row groups: %d of %d read", s.read, s.total))
	}
	// After a run (EXPLAIN ANALYZE): how the row groups read were found,
	// as PostgreSQL's "Buffers: shared hit=… read=…" tells of pages.
	if rc, ok := s.it.(catalog.ReadCounts); ok {
		if hit, read := rc.RowGroupsRead(); hit+read > 0 {
			lines = append(lines, fmt.Sprintf("Column cache: hit=%d read=%d", hit, read))
		}
	}
	return lines
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

func (s *scanOp) next(ctx context.Context) (arrow.Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if s.done {
		return nil, io.EOF
	}
	if s.it == nil {
		it, err := s.open(ctx)
		if err != nil {
			return nil, err
		}
		s.it = it
	}
	rec, err := s.it.Next(ctx)
	if errors.Is(err, io.EOF) {
		s.done = true
		return nil, io.EOF
	}
	if err != nil {
		return nil, err
	}
	// Same arrays under the query's column names, kept past the
	// iterator's next call.
	return s.out.set(array.NewRecord(s.schema, rec.Columns(), rec.NumRows())), nil
}

func (s *scanOp) close() {
	s.out.release()
	if s.it != nil {
		s.it.Close()
		s.it = nil
	}
}
