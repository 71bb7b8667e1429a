package executor

import (
	"context"
	"fmt"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"

	"github.com/sharehouse/sharehouse/catalog"
)

// scanOp reads a table's snapshot, only the columns the query uses.
type scanOp struct {
	name   string
	snap   *catalog.Snapshot
	fields []arrow.Field // data-file field names and types
	cols   []opColumn
	schema *arrow.Schema
	it     catalog.RecordIterator
	out    batchHolder
}

func newScanOp(name string, snap *catalog.Snapshot, fields []arrow.Field, cols []opColumn) *scanOp {
	return &scanOp{name: name, snap: snap, fields: fields, cols: cols, schema: schemaOf(cols)}
}

func (s *scanOp) columns() []opColumn { return s.cols }
func (s *scanOp) String() string      { return fmt.Sprintf("Seq Scan on %s", s.name) }

func (s *scanOp) next(ctx context.Context) (arrow.Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if s.it == nil {
		it, err := s.snap.Scan(ctx, s.fields)
		if err != nil {
			return nil, err
		}
		s.it = it
	}
	rec, err := s.it.Next(ctx)
	if err != nil {
		return nil, err
	}
	// Same arrays under the query's column names.
	return s.out.set(array.NewRecord(s.schema, rec.Columns(), rec.NumRows())), nil
}

func (s *scanOp) close() {
	s.out.release()
	if s.it != nil {
		s.it.Close()
		s.it = nil
	}
}
