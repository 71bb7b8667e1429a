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
	name   string
	snap   *catalog.Snapshot
	fields []arrow.Field // data-file field names and types
	cols   []opColumn
	schema *arrow.Schema

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

func newScanOp(name string, snap *catalog.Snapshot, fields []arrow.Field, cols []opColumn) *scanOp {
	return &scanOp{name: name, snap: snap, fields: fields, cols: cols, schema: schemaOf(cols)}
}

func (s *scanOp) columns() []opColumn { return s.cols }
func (s *scanOp) String() string      { return fmt.Sprintf("Seq Scan on %s", s.name) }

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
		it, err := s.snap.Scan(ctx, s.fields)
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
