package storage

import (
	"context"
	"fmt"
	"math"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/decimal128"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/apache/arrow/go/v17/parquet"
	"github.com/apache/arrow/go/v17/parquet/file"
	"github.com/apache/arrow/go/v17/parquet/metadata"
	"github.com/apache/arrow/go/v17/parquet/pqarrow"
)

// ColumnStats bounds one column's values in one row group, from the
// statistics Parquet keeps per column chunk. A reader may skip a row group
// whose statistics prove no row can match; every field may be unknown.
type ColumnStats struct {
	// Nulls is the number of null values, -1 when unknown.
	Nulls int64
	// MinMax, when not nil, is an array of two values of the field's type:
	// a lower and an upper bound of the row group's non-null values in
	// PostgreSQL's order (strings and binaries in byte order; NaN above
	// every float, so a float's upper bound is always NaN: Parquet leaves
	// NaNs out of its statistics). Nil when unknown: no statistics, only
	// nulls, or a type whose stored order is not its SQL order. It lives in
	// Go memory and needs no Release.
	MinMax arrow.Array
}

// RowGroupStats describes one row group of a part.
type RowGroupStats struct {
	Rows    int64
	Columns []ColumnStats // one per requested field
}

// PartStats returns the row groups of part i with statistics for fields
// (matched by name and type, like Scan; a field the part lacks is all
// null). ScanRowGroups takes the indexes of this slice. An inline part is
// one row group without statistics: it is small, so it is simply read.
// The result is shared: the caller must not change it.
func (sn *Snapshot) PartStats(ctx context.Context, i int, fields []arrow.Field) ([]RowGroupStats, error) {
	if err := sn.usable(ctx); err != nil {
		return nil, err
	}
	if i < 0 || i >= len(sn.parts) {
		return nil, fmt.Errorf("%w: table %d has no part %d", ErrNotFound, sn.table, i)
	}
	p := sn.parts[i].meta
	if p.Kind == kindInline {
		cols := make([]ColumnStats, len(fields))
		for j := range cols {
			cols[j].Nulls = -1
		}
		return []RowGroupStats{{Rows: p.Rows, Columns: cols}}, nil
	}
	return sn.s.fileStats(p, fields)
}

// fileStats reads the footer of a Parquet part.
func (s *Store) fileStats(p partMeta, fields []arrow.Field) ([]RowGroupStats, error) {
	// Files never change: what a footer says about some fields is kept, so
	// a selective query does not decode every part's statistics each time.
	key := p.File
	for _, f := range fields {
		key += "\x00" + f.Name + "\x00" + f.Type.String()
	}
	s.mu.Lock()
	st, ok := s.stats[key]
	s.mu.Unlock()
	if ok {
		return st, nil
	}
	st, err := s.readFileStats(p, fields)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	if len(s.stats) >= maxCachedStats {
		clear(s.stats) // crude, and rare: a few thousand files' worth of fields
	}
	s.stats[key] = st
	s.mu.Unlock()
	return st, nil
}

// maxCachedStats bounds the statistics fileStats keeps.
const maxCachedStats = 4096

func (s *Store) readFileStats(p partMeta, fields []arrow.Field) (_ []RowGroupStats, err error) {
	f, err := s.openVerified(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	defer guard("data file "+p.File, &err)
	corrupt := func(e error) error { return fmt.Errorf("%w: data file %s: %v", ErrCorrupt, p.File, e) }
	opts := []file.ReadOption{file.WithReadProps(parquet.NewReaderProperties(memory.DefaultAllocator))}
	if md := s.footer(p.File); md != nil {
		opts = append(opts, file.WithMetadata(md))
	}
	pr, err := file.NewParquetReader(f, opts...)
	if err != nil {
		return nil, corrupt(err)
	}
	s.keepFooter(p.File, pr.MetaData())
	if pr.NumRows() != p.Rows {
		return nil, corrupt(fmt.Errorf("%d rows, manifest says %d", pr.NumRows(), p.Rows))
	}
	fr, err := pqarrow.NewFileReader(pr, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	if err != nil {
		return nil, corrupt(err)
	}
	// The leaf column of each requested field: -2 when the part lacks it
	// (all null), -1 when it is not a flat column of the requested type.
	leaf := make([]int, len(fields))
	for j, want := range fields {
		leaf[j] = -2
		for _, sf := range fr.Manifest.Fields {
			if sf.Field.Name != want.Name {
				continue
			}
			leaf[j] = -1
			if sf.IsLeaf() && arrow.TypeEqual(sf.Field.Type, want.Type) {
				leaf[j] = sf.ColIndex
			}
			break
		}
	}
	out := make([]RowGroupStats, pr.NumRowGroups())
	for g := range out {
		rg := pr.MetaData().RowGroup(g)
		out[g] = RowGroupStats{Rows: rg.NumRows(), Columns: make([]ColumnStats, len(fields))}
		for j, want := range fields {
			cs := &out[g].Columns[j]
			cs.Nulls = -1
			switch leaf[j] {
			case -2: // absent from the part: every row is null
				cs.Nulls = rg.NumRows()
				continue
			case -1:
				continue
			}
			cc, err := rg.ColumnChunk(leaf[j])
			if err != nil {
				return nil, corrupt(err)
			}
			if ok, err := cc.StatsSet(); err != nil || !ok {
				continue
			}
			st, err := cc.Statistics()
			if err != nil || st == nil {
				continue
			}
			if st.HasNullCount() {
				cs.Nulls = st.NullCount()
			}
			if st.HasMinMax() {
				cs.MinMax = minMaxArray(want.Type, st)
			}
		}
	}
	return out, nil
}

// minMaxArray converts Parquet statistics to bounds of Arrow type t, or
// nil when their physical type is not the one sharehouse writes for t or
// their order is not t's.
func minMaxArray(t arrow.DataType, st metadata.TypedStatistics) arrow.Array {
	mem := memory.DefaultAllocator
	b := array.NewBuilder(mem, t)
	defer b.Release()
	switch t.ID() {
	case arrow.INT16:
		s, ok := st.(*metadata.Int32Statistics)
		if !ok {
			return nil
		}
		b.(*array.Int16Builder).AppendValues([]int16{int16(s.Min()), int16(s.Max())}, nil)
	case arrow.INT32:
		s, ok := st.(*metadata.Int32Statistics)
		if !ok {
			return nil
		}
		b.(*array.Int32Builder).AppendValues([]int32{s.Min(), s.Max()}, nil)
	case arrow.DATE32:
		s, ok := st.(*metadata.Int32Statistics)
		if !ok {
			return nil
		}
		b.(*array.Date32Builder).AppendValues([]arrow.Date32{arrow.Date32(s.Min()), arrow.Date32(s.Max())}, nil)
	case arrow.INT64:
		s, ok := st.(*metadata.Int64Statistics)
		if !ok {
			return nil
		}
		b.(*array.Int64Builder).AppendValues([]int64{s.Min(), s.Max()}, nil)
	case arrow.TIMESTAMP:
		s, ok := st.(*metadata.Int64Statistics)
		if !ok || t.(*arrow.TimestampType).Unit != arrow.Microsecond {
			return nil
		}
		b.(*array.TimestampBuilder).AppendValues([]arrow.Timestamp{arrow.Timestamp(s.Min()), arrow.Timestamp(s.Max())}, nil)
	case arrow.TIME64:
		s, ok := st.(*metadata.Int64Statistics)
		if !ok || t.(*arrow.Time64Type).Unit != arrow.Microsecond {
			return nil
		}
		b.(*array.Time64Builder).AppendValues([]arrow.Time64{arrow.Time64(s.Min()), arrow.Time64(s.Max())}, nil)
	case arrow.FLOAT32:
		// Parquet leaves NaN out of min and max; NaN sorts above every
		// float, so the minimum still bounds from below, and only NaN
		// bounds from above.
		s, ok := st.(*metadata.Float32Statistics)
		if !ok || math.IsNaN(float64(s.Min())) {
			return nil
		}
		b.(*array.Float32Builder).AppendValues([]float32{s.Min(), float32(math.NaN())}, nil)
	case arrow.FLOAT64:
		s, ok := st.(*metadata.Float64Statistics)
		if !ok || math.IsNaN(s.Min()) {
			return nil
		}
		b.(*array.Float64Builder).AppendValues([]float64{s.Min(), math.NaN()}, nil)
	case arrow.DECIMAL128:
		// Stored as INT32/INT64 up to precision 18 (WithStoreDecimalAsInteger):
		// the unscaled integers order as the decimals do.
		var lo, hi int64
		switch s := st.(type) {
		case *metadata.Int32Statistics:
			lo, hi = int64(s.Min()), int64(s.Max())
		case *metadata.Int64Statistics:
			lo, hi = s.Min(), s.Max()
		default:
			return nil
		}
		b.(*array.Decimal128Builder).AppendValues([]decimal128.Num{decimal128.FromI64(lo), decimal128.FromI64(hi)}, nil)
	case arrow.STRING:
		s, ok := st.(*metadata.ByteArrayStatistics)
		if !ok {
			return nil
		}
		b.(*array.StringBuilder).AppendValues([]string{string(s.Min()), string(s.Max())}, nil)
	case arrow.BINARY:
		s, ok := st.(*metadata.ByteArrayStatistics)
		if !ok {
			return nil
		}
		b.(*array.BinaryBuilder).AppendValues([][]byte{s.Min(), s.Max()}, nil)
	default:
		return nil
	}
	return b.NewArray()
}

// ScanRowGroups reads only the given row groups of part i, in the order
// given (indexes into PartStats' result), like ScanPart. The caller must
// Close the iterator.
func (sn *Snapshot) ScanRowGroups(ctx context.Context, i int, fields []arrow.Field, rowGroups []int) (RecordIterator, error) {
	if err := sn.usable(ctx); err != nil {
		return nil, err
	}
	if i < 0 || i >= len(sn.parts) {
		return nil, fmt.Errorf("%w: table %d has no part %d", ErrNotFound, sn.table, i)
	}
	it, err := sn.openPartGroups(i, arrow.NewSchema(fields, nil), rowGroups)
	if err != nil {
		return nil, err
	}
	sn.ref()
	return &snapIter{RecordIterator: it, sn: sn}, nil
}
