package storage

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/parquet/file"
)

// TestDictionaryStrings reads text columns that are dictionary-encoded,
// with nulls, and ones whose dictionary overflowed into plain pages: the
// values must come back exactly, whichever way they were decoded.
func TestDictionaryStrings(t *testing.T) {
	s, _ := testStore(t, func(o *Options) { o.RowGroupRows = 3000; o.FileRows = 9000 })
	ctx := context.Background()
	mustUpdate(t, s, func(tx *Tx) error { return tx.CreateTable(1) })
	value := func(i int) (string, bool) {
		switch {
		case i%7 == 3:
			return "", false // NULL
		case i >= 6000 && i < 9000:
			// Unique 1 KiB strings: more than the dictionary page limit,
			// so this row group falls back to plain pages.
			return fmt.Sprintf("%06d", i) + strings.Repeat("x", 1018), true
		default:
			return fmt.Sprintf("v%d", i%13), true
		}
	}
	const n = 12000
	b := array.NewRecordBuilder(s.mem, arrow.NewSchema([]arrow.Field{fID, fName}, nil))
	for i := 0; i < n; i++ {
		b.Field(0).(*array.Int64Builder).Append(int64(i))
		if v, ok := value(i); ok {
			b.Field(1).(*array.StringBuilder).Append(v)
		} else {
			b.Field(1).AppendNull()
		}
	}
	rec := b.NewRecord()
	b.Release()
	mustUpdate(t, s, func(tx *Tx) error { return tx.Append(ctx, 1, rec) })
	rec.Release()
	sn := mustSnapshot(t, s, 1)
	if parts := sn.Parts(); len(parts) == 0 || parts[0].Inline {
		t.Fatalf("want file parts, got %+v", parts)
	}
	// The test covers both decodings: the third row group is plain.
	pr, err := file.OpenParquetFile(s.path(sn.Parts()[0].File), false)
	if err != nil {
		t.Fatal(err)
	}
	for g, want := range []bool{true, true, false} {
		if got := allDictPages(pr, []int{g}, 1); got != want {
			t.Errorf("row group %d: all dictionary pages %v, want %v", g, got, want)
		}
	}
	pr.Close()
	it, err := sn.Scan(ctx, []arrow.Field{fID, fName})
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	seen := 0
	for {
		rec, err := it.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		ids := rec.Column(0).(*array.Int64)
		names, ok := rec.Column(1).(*array.String)
		if !ok {
			t.Fatalf("column of %s, want plain strings", rec.Column(1).DataType())
		}
		for r := 0; r < ids.Len(); r++ {
			i := int(ids.Value(r))
			want, ok := value(i)
			if names.IsValid(r) != ok || (ok && names.Value(r) != want) {
				t.Fatalf("row %d: got %q (valid %v), want %.10q (valid %v)", i, names.Value(r), names.IsValid(r), want, ok)
			}
			seen++
		}
	}
	if seen != n {
		t.Fatalf("read %d rows, want %d", seen, n)
	}
}
