package storage

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"sync"
	"testing"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
)

// cachedStore is a store with a column cache of limit bytes and one table
// of n rows in a Parquet file of 100-row row groups.
func cachedStore(t *testing.T, limit int64, n int) (*Store, *Snapshot) {
	t.Helper()
	s, _ := testStore(t, func(o *Options) {
		o.RowGroupRows = 100
		o.CacheBytes = limit
	})
	t.Cleanup(s.cache.clear) // before the allocator check: the cache holds buffers
	mustUpdate(t, s, func(tx *Tx) error { return tx.CreateTable(1) })
	mustAppend(t, s, 1, 0, n)
	sn := mustSnapshot(t, s, 1)
	if got := kinds(sn); got != fmt.Sprintf("f%d", n) {
		t.Fatalf("parts %q, want one file", got)
	}
	return s, sn
}

// TestColumnCacheServesRepeatScans: the second scan of a file finds every
// row group cached and does not read the file at all.
func TestColumnCacheServesRepeatScans(t *testing.T) {
	s, sn := cachedStore(t, 64<<20, 1000)
	equalIDs(t, readIDs(t, sn), seq(0, 1000))
	if st := s.CacheStats(); st.Misses != 10 || st.Hits != 0 || st.Columns != 20 || st.UsedBytes <= 0 {
		t.Fatalf("after the first scan: %+v", st)
	}
	// Moved away, the file cannot be read: the scan must come from memory.
	path := s.path(sn.Parts()[0].File)
	if err := os.Rename(path, path+".away"); err != nil {
		t.Fatal(err)
	}
	ids, err := scanIDs(sn)
	if err := os.Rename(path+".away", path); err != nil {
		t.Fatal(err)
	}
	if err != nil {
		t.Fatalf("cached scan read the file: %v", err)
	}
	equalIDs(t, ids, seq(0, 1000))
	if st := s.CacheStats(); st.Hits != 10 || st.Misses != 10 {
		t.Fatalf("after the second scan: %+v", st)
	}
}

// TestColumnCacheMixesCachedAndDecoded: row groups cached by an earlier
// selective scan are served in their place among decoded ones, in order,
// and a field not cached yet makes its row groups decode again.
func TestColumnCacheMixesCachedAndDecoded(t *testing.T) {
	s, sn := cachedStore(t, 64<<20, 1000)
	ctx := context.Background()
	read := func(fields []arrow.Field, keep [][]int) []int64 {
		it, err := sn.ScanSelected(ctx, fields, keep)
		if err != nil {
			t.Fatal(err)
		}
		defer it.Close()
		var ids []int64
		for {
			rec, err := it.Next(ctx)
			if err == io.EOF {
				return ids
			}
			if err != nil {
				t.Fatal(err)
			}
			col := rec.Column(0).(*array.Int64)
			for i := range col.Len() {
				ids = append(ids, col.Value(i))
			}
		}
	}
	want := slices.Concat(seq(200, 200), seq(700, 100))
	for range 2 {
		if got := read([]arrow.Field{fID}, [][]int{{2, 3, 7}}); !slices.Equal(got, want) {
			t.Fatalf("selected row groups: %d ids, want %d", len(got), len(want))
		}
	}
	if st := s.CacheStats(); st.Hits != 3 || st.Misses != 3 {
		t.Fatalf("after two selective scans: %+v", st)
	}
	equalIDs(t, read([]arrow.Field{fID}, nil), seq(0, 1000))
	if st := s.CacheStats(); st.Hits != 6 || st.Misses != 10 {
		t.Fatalf("after a full scan: %+v", st)
	}
	// c2 was never read: every row group decodes, and checks out.
	equalIDs(t, readIDs(t, sn), seq(0, 1000))
	if st := s.CacheStats(); st.Hits != 6 || st.Misses != 20 {
		t.Fatalf("after a scan of a new field: %+v", st)
	}
}

// TestColumnCacheStaysWithinLimit: a cache smaller than the table evicts
// the least recently used columns and scans stay correct.
func TestColumnCacheStaysWithinLimit(t *testing.T) {
	const limit = 8 << 10
	s, sn := cachedStore(t, limit, 5000)
	for range 3 {
		equalIDs(t, readIDs(t, sn), seq(0, 5000))
		if st := s.CacheStats(); st.UsedBytes > limit || st.Columns == 0 {
			t.Fatalf("cache over its limit or empty: %+v", st)
		}
	}
}

// TestColumnCacheForgetsDeletedFiles: once a truncated table's file is
// deleted, its columns leave the cache.
func TestColumnCacheForgetsDeletedFiles(t *testing.T) {
	s, sn := cachedStore(t, 64<<20, 1000)
	equalIDs(t, readIDs(t, sn), seq(0, 1000))
	sn.Release() // unpin, so that the truncate's commit can delete the file
	mustUpdate(t, s, func(tx *Tx) error { return tx.Truncate(1) })
	if st := s.CacheStats(); st.Columns != 0 || st.UsedBytes != 0 {
		t.Fatalf("deleted file still cached: %+v", st)
	}
}

// TestColumnCacheConcurrentScans: scans on many goroutines share a cache
// that keeps evicting (run under -race).
func TestColumnCacheConcurrentScans(t *testing.T) {
	_, sn := cachedStore(t, 16<<10, 3000)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 5 {
				ids, err := scanIDs(sn)
				if err == nil && len(ids) != 3000 {
					err = fmt.Errorf("read %d rows", len(ids))
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}
