package storage

import (
	"context"
	"errors"
	"io"
	"os"
	"testing"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
)

// parallelTable makes table 1 of files with several row groups each, with
// inline parts between them: many units of work of different kinds.
func parallelTable(t *testing.T) (*Store, *Snapshot, int) {
	s, _ := testStore(t, func(o *Options) { o.RowGroupRows = 1000; o.FileRows = 2500 })
	mustUpdate(t, s, func(tx *Tx) error { return tx.CreateTable(1) })
	n := 0
	for _, rows := range []int{7000, 30, 2500, 50, 999, 4001} {
		mustAppend(t, s, 1, n, rows)
		n += rows
	}
	return s, mustSnapshot(t, s, 1), n
}

func TestParallelScanInOrder(t *testing.T) {
	defer func(u int64) { unitRows = u }(unitRows)
	unitRows = 1500 // two row groups of 1000 rows per unit
	_, sn, n := parallelTable(t)
	units, err := sn.units(nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(units) < 10 {
		t.Fatalf("%d units: the table should span many row groups", len(units))
	}
	for _, workers := range []int{1, 2, 3, 8} {
		it := newParallelIter(sn, arrow.NewSchema([]arrow.Field{fID, fName}, nil), units, workers)
		sn.ref()
		ids := drainIDs(t, it)
		if len(ids) != n {
			t.Fatalf("workers %d: %d rows, want %d", workers, len(ids), n)
		}
		for i, id := range ids {
			if id != int64(i) {
				t.Fatalf("workers %d: row %d is %d: out of table order", workers, i, id)
			}
		}
	}
	// Scan picks the parallel iterator on its own.
	if got := readIDs(t, sn); len(got) != n || got[n-1] != int64(n-1) {
		t.Fatalf("Scan: %d rows", len(got))
	}
}

func TestParallelScanEarlyClose(t *testing.T) {
	_, sn, _ := parallelTable(t)
	ctx := context.Background()
	for stopAfter := 0; stopAfter < 6; stopAfter++ {
		it, err := sn.Scan(ctx, []arrow.Field{fID, fName})
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < stopAfter; i++ {
			if _, err := it.Next(ctx); err != nil {
				t.Fatal(err)
			}
		}
		it.Close() // the checking allocator finds any batch left behind
		it.Close()
	}
	// A canceled caller stops waiting.
	cctx, cancel := context.WithCancel(ctx)
	it, err := sn.Scan(cctx, []arrow.Field{fID, fName})
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	if _, err := it.Next(cctx); !errors.Is(err, context.Canceled) {
		t.Errorf("after cancel: %v", err)
	}
	it.Close()
}

func TestParallelScanCorruptUnit(t *testing.T) {
	s, sn, _ := parallelTable(t)
	var last string
	for _, p := range sn.Parts() {
		if p.File != "" {
			last = p.File
		}
	}
	if _, err := sn.units(nil); err != nil { // reads and caches row group counts
		t.Fatal(err)
	}
	data, err := os.ReadFile(s.path(last))
	if err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	delete(s.verified, last) // as after a restart
	s.mu.Unlock()
	if err := os.WriteFile(s.path(last), data[:len(data)/2], 0o600); err != nil {
		t.Fatal(err)
	}
	defer os.WriteFile(s.path(last), data, 0o600)
	_, err = scanIDs(sn)
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("got %v, want ErrCorrupt", err)
	}
}

func drainIDs(t *testing.T, it RecordIterator) []int64 {
	t.Helper()
	defer it.Close()
	var ids []int64
	ctx := context.Background()
	for {
		rec, err := it.Next(ctx)
		if err != nil {
			if err == io.EOF {
				return ids
			}
			t.Fatal(err)
		}
		ids = append(ids, rec.Column(0).(*array.Int64).Int64Values()...)
	}
}

func TestScanSelected(t *testing.T) {
	_, sn, _ := parallelTable(t)
	ctx := context.Background()
	fields := []arrow.Field{fID, fName}
	parts := sn.Parts()
	// Keep the last row group of every part (inline parts: none), and
	// compute the ids that must come back from the row groups' own sizes.
	keep := make([][]int, len(parts))
	var want []int64
	first := int64(0)
	for i, p := range parts {
		rgs, err := sn.PartStats(ctx, i, fields)
		if err != nil {
			t.Fatal(err)
		}
		keep[i] = []int{}
		if !p.Inline {
			keep[i] = []int{len(rgs) - 1}
			start := first + p.Rows - rgs[len(rgs)-1].Rows
			for id := start; id < first+p.Rows; id++ {
				want = append(want, id)
			}
		}
		first += p.Rows
	}
	it, err := sn.ScanSelected(ctx, fields, keep)
	if err != nil {
		t.Fatal(err)
	}
	got := drainIDs(t, it)
	if len(got) != len(want) {
		t.Fatalf("%d rows, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("row %d: %d, want %d", i, got[i], want[i])
		}
	}
	if _, err := sn.ScanSelected(ctx, fields, keep[:1]); err == nil {
		t.Error("a selection of the wrong length was accepted")
	}
	keep[0] = []int{99}
	it, err = sn.ScanSelected(ctx, fields, keep)
	if err != nil {
		t.Fatal(err)
	}
	_, err = it.Next(ctx)
	it.Close()
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("missing row group: %v", err)
	}
}
