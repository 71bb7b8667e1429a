package storage

import (
	"context"
	"fmt"
	"io"
	"testing"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
)

// benchSchema: a typical narrow fact table (id, customer, amount, day).
var benchSchema = arrow.NewSchema([]arrow.Field{
	{Name: "c1", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "c2", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "c3", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "c4", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
}, nil)

// benchBatch returns n rows starting at start, and their size in bytes.
func benchBatch(mem memory.Allocator, start, n int) (arrow.Record, int64) {
	b := array.NewRecordBuilder(mem, benchSchema)
	defer b.Release()
	var size int64
	for i := start; i < start+n; i++ {
		b.Field(0).(*array.Int64Builder).Append(int64(i))
		s := fmt.Sprintf("customer-%d", i%5000)
		b.Field(1).(*array.StringBuilder).Append(s)
		b.Field(2).(*array.Float64Builder).Append(float64(i) * 0.25)
		b.Field(3).(*array.Date32Builder).Append(arrow.Date32(19000 + i%365))
		size += 8 + int64(len(s)) + 8 + 4
	}
	return b.NewRecord(), size
}

func benchStore(b *testing.B) *Store {
	opts := DefaultOptions()
	opts.NoSync = true
	opts.NoCompactor = true
	s, err := Open(b.TempDir(), opts)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// BenchmarkAppendInline: one single-row INSERT per commit (fsync off).
func BenchmarkAppendInline(b *testing.B) {
	s := benchStore(b)
	ctx := context.Background()
	mustUpdate(b, s, func(tx *Tx) error { return tx.CreateTable(1) })
	rec, _ := benchBatch(memory.DefaultAllocator, 0, 1)
	defer rec.Release()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := s.Update(ctx, func(tx *Tx) error { return tx.Append(ctx, 1, rec) }); err != nil {
			b.Fatal(err)
		}
		if i%s.opts.CompactRows == 0 {
			b.StopTimer()
			if err := s.CompactNow(ctx); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
	}
}

// BenchmarkFileWriter: a 1M-row load (COPY) in 8Ki-row batches.
func BenchmarkFileWriter(b *testing.B) {
	s := benchStore(b)
	ctx := context.Background()
	const rows, batch = 1 << 20, 8 << 10
	var recs []arrow.Record
	var size int64
	for i := 0; i < rows; i += batch {
		r, n := benchBatch(memory.DefaultAllocator, i, batch)
		recs = append(recs, r)
		size += n
	}
	defer releaseAll(recs)
	b.SetBytes(size)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w, err := s.NewFileWriter(ctx, benchSchema)
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range recs {
			if err := w.Write(r); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := w.Finish(); err != nil {
			b.Fatal(err)
		}
		w.Abort()
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkScan: a full scan of a 1M-row table, all columns.
func BenchmarkScan(b *testing.B) {
	s := benchStore(b)
	ctx := context.Background()
	const rows = 1 << 20
	mustUpdate(b, s, func(tx *Tx) error { return tx.CreateTable(1) })
	var size int64
	mustUpdate(b, s, func(tx *Tx) error {
		for i := 0; i < rows; i += 64 << 10 {
			r, n := benchBatch(memory.DefaultAllocator, i, 64<<10)
			size += n
			err := tx.Append(ctx, 1, r)
			r.Release()
			if err != nil {
				return err
			}
		}
		return nil
	})
	sn := mustSnapshot(b, s, 1)
	for _, tc := range []struct {
		name   string
		fields []arrow.Field
	}{
		{"all", benchSchema.Fields()},
		{"c1", benchSchema.Fields()[:1]},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(size)
			for i := 0; i < b.N; i++ {
				it, err := sn.Scan(ctx, tc.fields)
				if err != nil {
					b.Fatal(err)
				}
				var n int64
				for {
					rec, err := it.Next(ctx)
					if err == io.EOF {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
					n += rec.NumRows()
				}
				it.Close()
				if n != rows {
					b.Fatalf("%d rows", n)
				}
			}
			b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
