package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/decimal128"
	"github.com/apache/arrow/go/v17/arrow/memory"
)

var (
	fID   = arrow.Field{Name: "c1", Type: arrow.PrimitiveTypes.Int64, Nullable: true}
	fName = arrow.Field{Name: "c2", Type: arrow.BinaryTypes.String, Nullable: true}
)

// testStore opens a store in a fresh directory with a checking allocator;
// cleanup checks the store's invariants and that every buffer was released.
func testStore(t testing.TB, mod func(*Options)) (*Store, *memory.CheckedAllocator) {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	opts := DefaultOptions()
	opts.Allocator = mem
	opts.NoSync = true
	opts.NoCompactor = true
	opts.InlineMaxRows = 100
	if mod != nil {
		mod(&opts)
	}
	s := mustOpen(t, t.TempDir(), opts)
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	return s, mem
}

func mustOpen(t testing.TB, dir string, opts Options) *Store {
	t.Helper()
	s, err := Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Check(); err != nil {
			t.Error(err)
		}
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s
}

// makeRec builds rows start..start+n-1 with c1 = i, c2 = "r<i>".
func makeRec(mem memory.Allocator, start, n int) arrow.Record {
	b := array.NewRecordBuilder(mem, arrow.NewSchema([]arrow.Field{fID, fName}, nil))
	defer b.Release()
	for i := start; i < start+n; i++ {
		b.Field(0).(*array.Int64Builder).Append(int64(i))
		b.Field(1).(*array.StringBuilder).Append(fmt.Sprintf("r%d", i))
	}
	return b.NewRecord()
}

func mustUpdate(t testing.TB, s *Store, fn func(*Tx) error) {
	t.Helper()
	if err := s.Update(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

func mustAppend(t testing.TB, s *Store, id TableID, start, n int) {
	t.Helper()
	mustUpdate(t, s, func(tx *Tx) error {
		rec := makeRec(s.mem, start, n)
		defer rec.Release()
		return tx.Append(context.Background(), id, rec)
	})
}

func mustSnapshot(t testing.TB, s *Store, id TableID) *Snapshot {
	t.Helper()
	var sn *Snapshot
	err := s.View(context.Background(), func(tx *Tx) (err error) {
		sn, err = tx.Snapshot(id)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sn.Release)
	return sn
}

// readIDs scans c1 (and checks c2 matches it).
func readIDs(t testing.TB, sn *Snapshot) []int64 {
	t.Helper()
	ids, err := scanIDs(sn)
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func scanIDs(sn *Snapshot) ([]int64, error) {
	ctx := context.Background()
	it, err := sn.Scan(ctx, []arrow.Field{fID, fName})
	if err != nil {
		return nil, err
	}
	defer it.Close()
	var out []int64
	for {
		rec, err := it.Next(ctx)
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		if rec.NumRows() > maxBatchRows {
			return nil, fmt.Errorf("batch of %d rows", rec.NumRows())
		}
		ids := rec.Column(0).(*array.Int64)
		names := rec.Column(1).(*array.String)
		for i := 0; i < ids.Len(); i++ {
			if want := fmt.Sprintf("r%d", ids.Value(i)); names.Value(i) != want {
				return nil, fmt.Errorf("row %d: c2 = %q, want %q", ids.Value(i), names.Value(i), want)
			}
			out = append(out, ids.Value(i))
		}
	}
}

func seq(start, n int) []int64 {
	out := make([]int64, n)
	for i := range out {
		out[i] = int64(start + i)
	}
	return out
}

func equalIDs(t testing.TB, got, want []int64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d rows, want %d", len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("row %d: got %d, want %d", i, got[i], want[i])
		}
	}
}

func dataFiles(t testing.TB, s *Store) []string {
	t.Helper()
	ents, err := os.ReadDir(s.dataDir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

func kinds(sn *Snapshot) string {
	var b strings.Builder
	for _, p := range sn.Parts() {
		if p.Inline {
			fmt.Fprintf(&b, "i%d ", p.Rows)
		} else {
			fmt.Fprintf(&b, "f%d ", p.Rows)
		}
	}
	return strings.TrimSpace(b.String())
}

func TestAppendInlineAndFile(t *testing.T) {
	s, _ := testStore(t, nil)
	mustUpdate(t, s, func(tx *Tx) error { return tx.CreateTable(1) })
	mustAppend(t, s, 1, 0, 3)     // inline
	mustAppend(t, s, 1, 3, 3)     // merged into the inline part
	mustAppend(t, s, 1, 6, 250)   // file
	mustAppend(t, s, 1, 256, 100) // new inline part
	mustAppend(t, s, 1, 356, 1)   // does not fit: another inline part
	sn := mustSnapshot(t, s, 1)
	if got, want := kinds(sn), "i6 f250 i100 i1"; got != want {
		t.Errorf("parts %q, want %q", got, want)
	}
	if sn.Version() != 6 || sn.NumRows() != 357 {
		t.Errorf("version %d rows %d", sn.Version(), sn.NumRows())
	}
	equalIDs(t, readIDs(t, sn), seq(0, 357))

	// Appending nothing changes nothing; unknown tables are ErrNotFound.
	mustUpdate(t, s, func(tx *Tx) error {
		rec := makeRec(s.mem, 0, 0)
		defer rec.Release()
		if err := tx.Append(context.Background(), 1, rec); err != nil {
			return err
		}
		if v, _ := tx.Version(1); v != 6 {
			t.Errorf("version after empty append %d", v)
		}
		if err := tx.Append(context.Background(), 2, rec); !errors.Is(err, ErrNotFound) {
			t.Errorf("append to unknown table: %v", err)
		}
		if err := tx.CreateTable(1); !errors.Is(err, ErrExists) {
			t.Errorf("create twice: %v", err)
		}
		return nil
	})
}

func TestScanProjection(t *testing.T) {
	s, mem := testStore(t, nil)
	ctx := context.Background()
	mustUpdate(t, s, func(tx *Tx) error { return tx.CreateTable(1) })
	mustAppend(t, s, 1, 0, 10)   // inline, fields c1 c2
	mustAppend(t, s, 1, 10, 300) // file, fields c1 c2
	// A later part with only c2 and a new c3 (column c1 dropped, c3 added).
	f3 := arrow.Field{Name: "c3", Type: arrow.PrimitiveTypes.Float64, Nullable: true}
	mustUpdate(t, s, func(tx *Tx) error {
		b := array.NewRecordBuilder(mem, arrow.NewSchema([]arrow.Field{fName, f3}, nil))
		defer b.Release()
		b.Field(0).(*array.StringBuilder).AppendValues([]string{"x", "y"}, nil)
		b.Field(1).(*array.Float64Builder).AppendValues([]float64{1.5, 2.5}, nil)
		rec := b.NewRecord()
		defer rec.Release()
		return tx.Append(ctx, 1, rec)
	})
	sn := mustSnapshot(t, s, 1)
	for _, tc := range []struct {
		name   string
		fields []arrow.Field
		want   string // per part: nulls per column
	}{
		{"all", []arrow.Field{fID, fName, f3}, "0/0/10 0/0/300 2/0/0"},
		{"c3 only", []arrow.Field{f3}, "10 300 0"},
		{"none", nil, ""},
		{"reordered", []arrow.Field{f3, fID}, "10/0 300/0 0/2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			var rows int64
			for i := range sn.Parts() {
				it, err := sn.ScanPart(ctx, i, tc.fields)
				if err != nil {
					t.Fatal(err)
				}
				nulls := make([]int, len(tc.fields))
				for {
					rec, err := it.Next(ctx)
					if err == io.EOF {
						break
					}
					if err != nil {
						t.Fatal(err)
					}
					if !rec.Schema().Equal(arrow.NewSchema(tc.fields, nil)) {
						t.Fatalf("schema %s", rec.Schema())
					}
					rows += rec.NumRows()
					for j := range tc.fields {
						nulls[j] += rec.Column(j).NullN()
					}
				}
				it.Close()
				var parts []string
				for _, n := range nulls {
					parts = append(parts, fmt.Sprint(n))
				}
				got = append(got, strings.Join(parts, "/"))
			}
			if rows != 312 {
				t.Errorf("rows %d", rows)
			}
			if g := strings.TrimSpace(strings.Join(got, " ")); g != tc.want {
				t.Errorf("nulls %q, want %q", g, tc.want)
			}
		})
	}
	// Same name, other type: an error, not garbage.
	bad := arrow.Field{Name: "c1", Type: arrow.BinaryTypes.String}
	it, err := sn.Scan(ctx, []arrow.Field{bad})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := it.Next(ctx); !errors.Is(err, ErrSchema) {
		t.Errorf("wrong type: %v", err)
	}
	it.Close()
}

func TestSnapshotIsolation(t *testing.T) {
	s, _ := testStore(t, nil)
	ctx := context.Background()
	mustUpdate(t, s, func(tx *Tx) error { return tx.CreateTable(1) })
	mustAppend(t, s, 1, 0, 5)
	before := mustSnapshot(t, s, 1)

	tx, err := s.Begin(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	total := 5
	for _, n := range []int{3, 500} { // inline and file
		rec := makeRec(s.mem, total, n)
		err := tx.Append(ctx, 1, rec)
		rec.Release()
		if err != nil {
			t.Fatal(err)
		}
		total += n
		own, err := tx.Snapshot(1)
		if err != nil {
			t.Fatal(err)
		}
		equalIDs(t, readIDs(t, own), seq(0, total))
		own.Release()
		// Concurrent readers still see the committed state.
		equalIDs(t, readIDs(t, mustSnapshot(t, s, 1)), seq(0, 5))
		equalIDs(t, readIDs(t, before), seq(0, 5))
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	after := mustSnapshot(t, s, 1)
	if got := after.NumRows(); got != 5+3+500 {
		t.Errorf("rows after commit %d", got)
	}
	// A writer blocked on the slot gives up with its context.
	tx2, err := s.Begin(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	cctx, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel()
	if _, err := s.Begin(cctx, true); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("begin while slot taken: %v", err)
	}
	tx2.Rollback()
}

func TestRollbackLeavesNothing(t *testing.T) {
	s, _ := testStore(t, nil)
	ctx := context.Background()
	mustUpdate(t, s, func(tx *Tx) error { return tx.CreateTable(1) })
	mustAppend(t, s, 1, 0, 5)
	tx, err := s.Begin(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	rec := makeRec(s.mem, 5, 1000)
	defer rec.Release()
	if err := tx.Append(ctx, 1, rec); err != nil {
		t.Fatal(err)
	}
	small := rec.NewSlice(0, 2)
	defer small.Release()
	if err := tx.Append(ctx, 1, small); err != nil {
		t.Fatal(err)
	}
	// A FileWriter part handed to the tx goes too.
	fw, err := s.NewFileWriter(ctx, rec.Schema())
	if err != nil {
		t.Fatal(err)
	}
	defer fw.Abort()
	if err := fw.Write(rec); err != nil {
		t.Fatal(err)
	}
	parts, err := fw.Finish()
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.AddParts(1, parts...); err != nil {
		t.Fatal(err)
	}
	// A snapshot of the doomed tx pins its files until released.
	own, err := tx.Snapshot(1)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(dataFiles(t, s)); n != 2 {
		t.Errorf("%d files during tx", n)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if n := len(dataFiles(t, s)); n != 2 {
		t.Errorf("%d files while pinned", n)
	}
	if got := len(readIDs(t, own)); got != 5+1000+2+1000 {
		t.Errorf("pinned snapshot reads %d rows", got)
	}
	own.Release()
	if n := dataFiles(t, s); len(n) != 0 {
		t.Errorf("files left after rollback: %v", n)
	}
	equalIDs(t, readIDs(t, mustSnapshot(t, s, 1)), seq(0, 5))
	if err := tx.Commit(); !errors.Is(err, ErrTxDone) {
		t.Errorf("commit after rollback: %v", err)
	}
	// Published parts cannot be added twice.
	mustUpdate(t, s, func(tx *Tx) error {
		if err := tx.AddParts(1, parts...); err == nil {
			t.Error("AddParts of a rolled-back part succeeded")
		}
		return nil
	})
}

func TestReplacePart(t *testing.T) {
	s, _ := testStore(t, nil)
	ctx := context.Background()
	mustUpdate(t, s, func(tx *Tx) error { return tx.CreateTable(1) })
	mustAppend(t, s, 1, 0, 500)  // file
	mustAppend(t, s, 1, 500, 10) // inline
	mustAppend(t, s, 1, 510, 300)
	sn := mustSnapshot(t, s, 1)
	parts := sn.Parts()
	oldFile := parts[0].File
	mustUpdate(t, s, func(tx *Tx) error {
		// Keep every 10th row of the first file (small: inline).
		rec := makeRec(s.mem, 0, 500)
		defer rec.Release()
		var keep []arrow.Record
		for i := int64(0); i < 500; i += 10 {
			keep = append(keep, rec.NewSlice(i, i+1))
		}
		defer releaseAll(keep)
		if err := tx.ReplacePart(ctx, 1, parts[0].ID, keep); err != nil {
			return err
		}
		// Delete the inline part entirely.
		if err := tx.ReplacePart(ctx, 1, parts[1].ID, nil); err != nil {
			return err
		}
		// Rewrite the last file as a (big) new file.
		big := makeRec(s.mem, 510, 300)
		defer big.Release()
		if err := tx.ReplacePart(ctx, 1, parts[2].ID, []arrow.Record{big}); err != nil {
			return err
		}
		if err := tx.ReplacePart(ctx, 1, parts[1].ID, nil); !errors.Is(err, ErrNotFound) {
			t.Errorf("replace gone part: %v", err)
		}
		return nil
	})
	// The old snapshot still reads the old rows; the file stays until released.
	equalIDs(t, readIDs(t, sn), seq(0, 810))
	if _, err := os.Stat(s.path(oldFile)); err != nil {
		t.Errorf("pinned file deleted: %v", err)
	}
	sn.Release()
	if _, err := os.Stat(s.path(oldFile)); !os.IsNotExist(err) {
		t.Errorf("replaced file kept after release: %v", err)
	}
	now := mustSnapshot(t, s, 1)
	if got, want := kinds(now), "i50 f300"; got != want {
		t.Errorf("parts %q, want %q", got, want)
	}
	var want []int64
	for i := 0; i < 500; i += 10 {
		want = append(want, int64(i))
	}
	equalIDs(t, readIDs(t, now), append(want, seq(510, 300)...))
}

func TestTruncateAndDrop(t *testing.T) {
	s, _ := testStore(t, nil)
	mustUpdate(t, s, func(tx *Tx) error { return tx.CreateTable(7) })
	mustAppend(t, s, 7, 0, 400)
	mustAppend(t, s, 7, 400, 4)
	pinned := mustSnapshot(t, s, 7)
	mustUpdate(t, s, func(tx *Tx) error { return tx.Truncate(7) })
	now := mustSnapshot(t, s, 7)
	if now.NumRows() != 0 || len(now.Parts()) != 0 || now.Version() != pinned.Version()+1 {
		t.Errorf("after truncate: rows %d parts %d version %d", now.NumRows(), len(now.Parts()), now.Version())
	}
	mustAppend(t, s, 7, 1000, 300)
	again := mustSnapshot(t, s, 7)
	mustUpdate(t, s, func(tx *Tx) error { return tx.DropTable(7) })
	if n := len(dataFiles(t, s)); n != 2 {
		t.Errorf("pinned files: %d, want 2", n)
	}
	equalIDs(t, readIDs(t, pinned), seq(0, 404))
	equalIDs(t, readIDs(t, again), seq(1000, 300))
	pinned.Release()
	again.Release()
	if n := dataFiles(t, s); len(n) != 0 {
		t.Errorf("files after drop and release: %v", n)
	}
	err := s.View(context.Background(), func(tx *Tx) error {
		_, err := tx.Version(7)
		return err
	})
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("version of dropped table: %v", err)
	}
	// Recreating the ID starts afresh.
	mustUpdate(t, s, func(tx *Tx) error { return tx.CreateTable(7) })
	if n := mustSnapshot(t, s, 7).NumRows(); n != 0 {
		t.Errorf("recreated table has %d rows", n)
	}
}

func TestCompactNowFolds10kAppends(t *testing.T) {
	s, _ := testStore(t, func(o *Options) { o.InlineMaxRows = 1024 })
	ctx := context.Background()
	mustUpdate(t, s, func(tx *Tx) error { return tx.CreateTable(1) })
	const n = 10000
	for i := 0; i < n; i += 100 {
		mustUpdate(t, s, func(tx *Tx) error {
			for j := i; j < i+100; j++ {
				rec := makeRec(s.mem, j, 1)
				err := tx.Append(ctx, 1, rec)
				rec.Release()
				if err != nil {
					return err
				}
			}
			return nil
		})
	}
	before := mustSnapshot(t, s, 1)
	if len(before.Parts()) != 10 {
		t.Errorf("inline parts before compaction: %s", kinds(before))
	}
	if err := s.CompactNow(ctx); err != nil {
		t.Fatal(err)
	}
	after := mustSnapshot(t, s, 1)
	if got := kinds(after); got != "f10000" {
		t.Fatalf("parts after compaction %q", got)
	}
	if len(dataFiles(t, s)) != 1 {
		t.Errorf("files: %v", dataFiles(t, s))
	}
	equalIDs(t, readIDs(t, after), seq(0, n))
	equalIDs(t, readIDs(t, before), seq(0, n))
}

func TestBackgroundCompaction(t *testing.T) {
	s, _ := testStore(t, func(o *Options) {
		o.NoCompactor = false
		o.InlineMaxRows = 10
		o.CompactRows = 50
	})
	mustUpdate(t, s, func(tx *Tx) error { return tx.CreateTable(1) })
	const n = 1000
	for i := 0; i < n; i++ {
		mustAppend(t, s, 1, i, 1)
	}
	// Wait for the compactor to catch up: at most CompactRows sealed rows.
	deadline := time.Now().Add(10 * time.Second)
	for {
		sn := mustSnapshot(t, s, 1)
		var inline int64
		for _, p := range sn.Parts() {
			if p.Inline {
				inline += p.Rows
			}
		}
		sn.Release()
		if inline <= 50+10 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("compactor did not catch up: %s", kinds(sn))
		}
		time.Sleep(time.Millisecond) // polling a condition, with a deadline
	}
	sn := mustSnapshot(t, s, 1)
	equalIDs(t, readIDs(t, sn), seq(0, n))
	files := 0
	for _, p := range sn.Parts() {
		if !p.Inline {
			files++
		}
	}
	if files == 0 || files > n/50 {
		t.Errorf("%d files for %d single-row appends: %s", files, n, kinds(sn))
	}
}

func TestOrphanCleanupAtOpen(t *testing.T) {
	dir := t.TempDir()
	opts := DefaultOptions()
	opts.NoSync = true
	opts.InlineMaxRows = 10
	s, err := Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := s.Update(ctx, func(tx *Tx) error {
		if err := tx.CreateTable(1); err != nil {
			return err
		}
		rec := makeRec(memory.DefaultAllocator, 0, 100)
		defer rec.Release()
		return tx.Append(ctx, 1, rec)
	}); err != nil {
		t.Fatal(err)
	}
	// Written, never published (a crash before AddParts' commit).
	fw, err := s.NewFileWriter(ctx, arrow.NewSchema([]arrow.Field{fID, fName}, nil))
	if err != nil {
		t.Fatal(err)
	}
	rec := makeRec(memory.DefaultAllocator, 0, 100)
	defer rec.Release()
	if err := fw.Write(rec); err != nil {
		t.Fatal(err)
	}
	if _, err := fw.Finish(); err != nil {
		t.Fatal(err)
	}
	if err := s.Check(); err != nil {
		t.Errorf("check with an in-flight part: %v", err)
	}
	s.Close() // as if crashed: nobody aborts fw
	// A temp file of an interrupted write, and an unknown file left alone.
	for _, name := range []string{newFileName() + tmpExt, newFileName(), "README"} {
		if err := os.WriteFile(filepath.Join(dir, "data", name), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	s2 := mustOpen(t, dir, opts)
	names := dataFiles(t, s2)
	if len(names) != 2 || !contains(names, "README") {
		t.Errorf("files after reopen: %v", names)
	}
	os.Remove(filepath.Join(dir, "data", "README"))
	equalIDs(t, readIDs(t, mustSnapshot(t, s2, 1)), seq(0, 100))
	if err := s2.Check(); err != nil {
		t.Error(err)
	}
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func TestFileWriterSplitsAndTypes(t *testing.T) {
	s, mem := testStore(t, func(o *Options) { o.RowGroupRows = 1000; o.FileRows = 2500 })
	ctx := context.Background()
	fIv := arrow.Field{Name: "iv", Type: arrow.FixedWidthTypes.MonthDayNanoInterval, Nullable: true}
	fDec := arrow.Field{Name: "d", Type: &arrow.Decimal128Type{Precision: 12, Scale: 2}, Nullable: true}
	fTs := arrow.Field{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true}
	fUUID := arrow.Field{Name: "u", Type: &arrow.FixedSizeBinaryType{ByteWidth: 16}, Nullable: true}
	schema := arrow.NewSchema([]arrow.Field{fID, fIv, fDec, fTs, fUUID}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	const n = 6000
	for i := 0; i < n; i++ {
		b.Field(0).(*array.Int64Builder).Append(int64(i))
		if i%7 == 0 {
			b.Field(1).AppendNull()
		} else {
			b.Field(1).(*array.MonthDayNanoIntervalBuilder).Append(arrow.MonthDayNanoInterval{Months: int32(i), Days: -1, Nanoseconds: int64(i) * 1000})
		}
		b.Field(2).(*array.Decimal128Builder).Append(decimal128.FromI64(int64(i)))
		b.Field(3).(*array.TimestampBuilder).Append(arrow.Timestamp(i))
		var u [16]byte
		u[0] = byte(i)
		b.Field(4).(*array.FixedSizeBinaryBuilder).Append(u[:])
	}
	rec := b.NewRecord()
	defer rec.Release()
	fw, err := s.NewFileWriter(ctx, schema)
	if err != nil {
		t.Fatal(err)
	}
	defer fw.Abort()
	for off := int64(0); off < n; off += 1500 {
		sl := rec.NewSlice(off, off+1500)
		err := fw.Write(sl)
		sl.Release()
		if err != nil {
			t.Fatal(err)
		}
	}
	parts, err := fw.Finish()
	if err != nil {
		t.Fatal(err)
	}
	if len(parts) != 3 || parts[0].Rows() != 2500 || parts[2].Rows() != 1000 {
		t.Fatalf("parts %+v", parts)
	}
	mustUpdate(t, s, func(tx *Tx) error {
		if err := tx.CreateTable(3); err != nil {
			return err
		}
		return tx.AddParts(3, parts...)
	})
	sn := mustSnapshot(t, s, 3)
	it, err := sn.Scan(ctx, schema.Fields())
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	row := 0
	for {
		got, err := it.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		want := rec.NewSlice(int64(row), int64(row)+got.NumRows())
		if !array.RecordEqual(got, want) {
			t.Fatalf("rows %d..: got\n%v\nwant\n%v", row, got, want)
		}
		want.Release()
		row += int(got.NumRows())
	}
	if row != n {
		t.Errorf("read %d rows", row)
	}
}

func TestCorruptFile(t *testing.T) {
	s, _ := testStore(t, nil)
	ctx := context.Background()
	mustUpdate(t, s, func(tx *Tx) error { return tx.CreateTable(1) })
	mustAppend(t, s, 1, 0, 500)
	sn := mustSnapshot(t, s, 1)
	name := sn.Parts()[0].File
	data, err := os.ReadFile(s.path(name))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"truncated", data[:len(data)/2]},
		{"footer length flipped", flip(data, len(data)-6)},
		{"page flipped", flip(data, len(data)/3)},
		{"empty", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := os.WriteFile(s.path(name), tc.data, 0o600); err != nil {
				t.Fatal(err)
			}
			it, err := sn.Scan(ctx, []arrow.Field{fID, fName})
			if err != nil {
				t.Fatal(err)
			}
			defer it.Close()
			for err == nil {
				_, err = it.Next(ctx)
			}
			if tc.name == "page flipped" && err == io.EOF {
				return // snappy/plain pages may decode to other values
			}
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), name) {
				t.Errorf("got %v, want ErrCorrupt naming %s", err, name)
			}
		})
	}
	os.WriteFile(s.path(name), data, 0o600)
}

func flip(b []byte, i int) []byte {
	c := append([]byte(nil), b...)
	c[i] ^= 0xff
	return c
}
