package storage

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
)

// The crash test re-runs the test binary as a child that writes in a loop
// (inline appends, file appends, FileWriter loads, part rewrites, with the
// background compactor busy) and SIGKILLs it at random moments. After each
// kill the store must hold every acknowledged batch exactly once, no partial
// batch, and no garbage file once reopened.
const crashEnv = "SHAREHOUSE_STORAGE_CRASH_DIR"

const crashTable TableID = 42

func crashOptions() Options {
	o := DefaultOptions()
	o.InlineMaxRows = 10
	o.CompactRows = 40
	o.RowGroupRows = 64
	o.FileRows = 200
	return o
}

func TestCrash(t *testing.T) {
	if dir := os.Getenv(crashEnv); dir != "" {
		crashChild(dir)
		return
	}
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	sizes := map[int]int{} // batch → rows, from the child's "begin" lines
	acked := map[int]bool{}
	for round := 0; round < 4; round++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrash$", "-test.count=1")
		cmd.Env = append(os.Environ(), crashEnv+"="+dir)
		cmd.Stderr = os.Stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan string)
		go func() {
			defer close(lines)
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				lines <- sc.Text()
			}
		}()
		// The kill comes at a random moment after the child's first commit
		// of this round, so that every round makes progress.
		var kill <-chan time.Time
		killed := false
		for line := range lines {
			var b, n int
			switch {
			case strings.HasPrefix(line, "begin "):
				fmt.Sscanf(line, "begin %d %d", &b, &n)
				sizes[b] = n
			case strings.HasPrefix(line, "ok "):
				fmt.Sscanf(line, "ok %d", &b)
				acked[b] = true
				if kill == nil {
					kill = time.After(time.Duration(rng.IntN(300)) * time.Millisecond)
				}
			}
			if !killed && kill != nil {
				select {
				case <-kill:
					cmd.Process.Signal(syscall.SIGKILL)
					killed = true
				default:
				}
			}
		}
		cmd.Wait()
		if !killed {
			t.Fatalf("round %d: child exited by itself", round)
		}
		verifyCrashStore(t, dir, sizes, acked)
	}
	if len(acked) < 20 {
		t.Errorf("only %d batches acknowledged in all rounds", len(acked))
	}
}

func verifyCrashStore(t *testing.T, dir string, sizes map[int]int, acked map[int]bool) {
	t.Helper()
	opts := crashOptions()
	opts.NoCompactor = true
	s, err := Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Check(); err != nil {
		t.Fatalf("after crash: %v", err)
	}
	var sn *Snapshot
	err = s.View(context.Background(), func(tx *Tx) (err error) {
		sn, err = tx.Snapshot(crashTable)
		return err
	})
	if err != nil {
		if len(acked) == 0 {
			return // killed before creating the table
		}
		t.Fatal(err)
	}
	defer sn.Release()
	files := 0
	for _, p := range sn.Parts() {
		if !p.Inline {
			files++
		}
	}
	t.Logf("after kill: %d acknowledged batches, %d rows in %d parts (%d files)", len(acked), sn.NumRows(), len(sn.Parts()), files)
	seen := map[int64]bool{}
	rows := map[int]int{}
	for _, id := range readIDs(t, sn) {
		if seen[id] {
			t.Fatalf("row %d twice", id)
		}
		seen[id] = true
		rows[int(id/1000)]++
	}
	for b := range acked {
		if rows[b] != sizes[b] {
			t.Fatalf("acknowledged batch %d: %d rows, want %d", b, rows[b], sizes[b])
		}
	}
	for b, n := range rows {
		if n != sizes[b] {
			t.Fatalf("batch %d: %d of %d rows visible", b, n, sizes[b])
		}
	}
}

// crashChild appends batches until killed. Batch b has rows b*1000+k.
func crashChild(dir string) {
	ctx := context.Background()
	mem := memory.DefaultAllocator
	s, err := Open(dir, crashOptions())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, "crash child:", err)
		os.Exit(2)
	}
	next := 1
	err = s.Update(ctx, func(tx *Tx) error {
		sn, err := tx.Snapshot(crashTable)
		if err != nil {
			return tx.CreateTable(crashTable)
		}
		defer sn.Release()
		ids, err := scanIDs(sn)
		for _, id := range ids {
			next = max(next, int(id/1000)+1)
		}
		return err
	})
	if err != nil {
		fail(err)
	}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 2))
	w := bufio.NewWriter(os.Stdout)
	deadline := time.Now().Add(20 * time.Second)
	for b := next; time.Now().Before(deadline); b++ {
		kind := rng.IntN(40)
		n := 1
		switch {
		case kind < 2:
			n = 250 // FileWriter + AddParts
		case kind < 4:
			n = 120 // Append to files
		case kind < 10:
			n = 3
		}
		rec := makeRec(mem, b*1000, n)
		fmt.Fprintf(w, "begin %d %d\n", b, n)
		w.Flush()
		var parts []Part
		var fw *FileWriter
		if kind < 2 {
			if fw, err = s.NewFileWriter(ctx, rec.Schema()); err != nil {
				fail(err)
			}
			if err := fw.Write(rec); err != nil {
				fail(err)
			}
			if parts, err = fw.Finish(); err != nil {
				fail(err)
			}
		}
		err := s.Update(ctx, func(tx *Tx) error {
			if kind < 2 {
				return tx.AddParts(crashTable, parts...)
			}
			if err := tx.Append(ctx, crashTable, rec); err != nil {
				return err
			}
			if kind == 39 { // rewrite a random part with its own rows
				return rewritePart(ctx, tx, rng)
			}
			return nil
		})
		if fw != nil {
			fw.Abort()
		}
		rec.Release()
		if err != nil {
			fail(err)
		}
		fmt.Fprintf(w, "ok %d\n", b)
		w.Flush()
	}
	s.Close()
	os.Exit(0)
}

func rewritePart(ctx context.Context, tx *Tx, rng *rand.Rand) error {
	sn, err := tx.Snapshot(crashTable)
	if err != nil {
		return err
	}
	defer sn.Release()
	parts := sn.Parts()
	i := rng.IntN(len(parts))
	it, err := sn.ScanPart(ctx, i, []arrow.Field{fID, fName})
	if err != nil {
		return err
	}
	defer it.Close()
	var recs []arrow.Record
	defer func() { releaseAll(recs) }()
	for {
		rec, err := it.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		rec.Retain()
		recs = append(recs, rec)
	}
	// Keep the schema identical across records of one part.
	for k, r := range recs {
		cols := r.Columns()
		recs[k] = array.NewRecord(arrow.NewSchema([]arrow.Field{fID, fName}, nil), cols, r.NumRows())
		r.Release()
	}
	return tx.ReplacePart(ctx, crashTable, parts[i].ID, recs)
}
