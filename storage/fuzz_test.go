package storage

import (
	"context"
	"errors"
	"io"
	"os"
	"testing"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/memory"
)

// FuzzReadPart feeds arbitrary bytes to the part readers, as a Parquet data
// file (inline=false) or as an inline blob (inline=true), the way a damaged
// disk would: they must return records or an error wrapping ErrCorrupt,
// never panic or hang. Seeds: a real Parquet part and a real inline blob
// (testdata/fuzz/FuzzReadPart holds more).
func FuzzReadPart(f *testing.F) {
	mem := memory.DefaultAllocator
	rec := makeRec(mem, 0, 20)
	defer rec.Release()
	blob, _, err := encodeInline(mem, []arrow.Record{rec})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(blob, true)
	s, err := Open(f.TempDir(), Options{NoSync: true, NoCompactor: true, RowGroupRows: 8})
	if err != nil {
		f.Fatal(err)
	}
	defer s.Close()
	w, err := s.NewFileWriter(context.Background(), rec.Schema())
	if err != nil {
		f.Fatal(err)
	}
	if err := w.Write(rec); err != nil {
		f.Fatal(err)
	}
	parts, err := w.Finish()
	if err != nil {
		f.Fatal(err)
	}
	orig := parts[0]
	pq, err := os.ReadFile(s.path(orig.file))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(pq, false)
	f.Add([]byte("PAR1\x00\x00\x00\x00PAR1"), false)
	// The manifest entry of the original file: damaged bytes are read
	// against it.
	meta := partMeta{ID: 1, Kind: kindFile, Rows: orig.rows, Bytes: orig.bytes, File: orig.file, CRC: orig.crc}

	out := arrow.NewSchema([]arrow.Field{fID, fName}, nil)
	f.Fuzz(func(t *testing.T, data []byte, inline bool) {
		ctx := context.Background()
		var it RecordIterator
		var err error
		if inline {
			it, err = openInline(mem, data, out)
		} else {
			if err := os.WriteFile(s.path(orig.file), data, 0o600); err != nil {
				t.Fatal(err)
			}
			s.mu.Lock()
			clear(s.verified)
			s.mu.Unlock()
			// The statistics come from the same footer: damage must
			// surface as ErrCorrupt there too.
			if _, err := s.fileStats(meta, out.Fields()); err != nil && !errors.Is(err, ErrCorrupt) {
				t.Fatalf("stats error not ErrCorrupt: %v", err)
			}
			s.mu.Lock()
			clear(s.verified)
			s.mu.Unlock()
			it, err = s.openFile(meta, out, nil)
		}
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error not ErrCorrupt: %v", err)
			}
			return
		}
		defer it.Close()
		for {
			_, err := it.Next(ctx)
			if err == io.EOF {
				return
			}
			if err != nil {
				if !errors.Is(err, ErrCorrupt) {
					t.Fatalf("error not ErrCorrupt: %v", err)
				}
				return
			}
		}
	})
}
