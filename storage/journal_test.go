package storage

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

func openTestJournal(t *testing.T, s *Store, after uint64) *Journal {
	t.Helper()
	j, err := s.OpenJournal("test.journal", after)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// Records appended concurrently are all durable, numbered without gaps,
// and come back after a reopen until released.
func TestJournalAppendReopenRelease(t *testing.T) {
	s, _ := testStore(t, func(o *Options) { o.NoSync = false })
	j := openTestJournal(t, s, 0)
	const n = 64
	var wg sync.WaitGroup
	seqs := make([]uint64, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			seq, err := j.Append([]byte(fmt.Sprintf("rec %d", i)))
			if err != nil {
				t.Error(err)
			}
			seqs[i] = seq
		}()
	}
	wg.Wait()
	seen := map[uint64]bool{}
	for _, q := range seqs {
		if q < 1 || q > n || seen[q] {
			t.Fatalf("sequence numbers %v: want 1..%d once each", seqs, n)
		}
		seen[q] = true
	}
	if got := len(j.Pending()); got != n {
		t.Fatalf("%d pending, want %d", got, n)
	}
	j.Release(10)
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}

	// The owner applied up to 10: the rest come back, numbering goes on.
	j = openTestJournal(t, s, 10)
	p := j.Pending()
	if len(p) != n-10 || p[0].Seq != 11 || p[len(p)-1].Seq != n {
		t.Fatalf("after reopen: %d pending from %d", len(p), p[0].Seq)
	}
	seq, err := j.Append([]byte("after"))
	if err != nil || seq != n+1 {
		t.Fatalf("Append after reopen: %d, %v; want %d", seq, err, n+1)
	}
	j.Release(seq)
	j.Close()
	if fi, err := os.Stat(filepath.Join(s.Dir(), "test.journal")); err != nil || fi.Size() != 0 {
		t.Fatalf("journal of released records: %v, %v; want it truncated", fi, err)
	}

	// An empty file after a release: numbering continues past after.
	j = openTestJournal(t, s, seq)
	defer j.Close()
	if got, err := j.Append([]byte("x")); err != nil || got != seq+1 {
		t.Fatalf("Append on a truncated journal: %d, %v; want %d", got, err, seq+1)
	}
}

// A torn last frame (a crash during a write never acknowledged) is cut
// off; the records before it stay.
func TestJournalTornTail(t *testing.T) {
	s, _ := testStore(t, func(o *Options) { o.NoSync = false })
	j := openTestJournal(t, s, 0)
	for i := range 3 {
		if _, err := j.Append([]byte{byte(i)}); err != nil {
			t.Fatal(err)
		}
	}
	j.Close()
	path := filepath.Join(s.Dir(), "test.journal")
	data, _ := os.ReadFile(path)
	torn := appendJournalFrame(nil, 4, []byte("half written"))
	os.WriteFile(path, append(data, torn[:len(torn)-3]...), 0o600)
	j = openTestJournal(t, s, 0)
	defer j.Close()
	if p := j.Pending(); len(p) != 3 || p[2].Seq != 3 {
		t.Fatalf("after a torn tail: %v", p)
	}
	if seq, err := j.Append([]byte("next")); err != nil || seq != 4 {
		t.Fatalf("Append after a torn tail: %d, %v", seq, err)
	}
}

// A large file whose head is released is rewritten with the rest.
func TestJournalRewrite(t *testing.T) {
	s, _ := testStore(t, func(o *Options) { o.NoSync = false })
	j := openTestJournal(t, s, 0)
	big := bytes.Repeat([]byte("a"), 64<<10)
	var last uint64
	for range 20 {
		seq, err := j.Append(big)
		if err != nil {
			t.Fatal(err)
		}
		last = seq
	}
	j.Release(last - 1)
	if _, err := j.Append([]byte("tail")); err != nil { // runs after the shrink
		t.Fatal(err)
	}
	j.Close()
	j = openTestJournal(t, s, 0)
	defer j.Close()
	p := j.Pending()
	if len(p) != 2 || p[0].Seq != last || string(p[1].Data) != "tail" {
		t.Fatalf("after the rewrite: %d records from %d", len(p), p[0].Seq)
	}
}

func FuzzJournalDecode(f *testing.F) {
	f.Add(appendJournalFrame(appendJournalFrame(nil, 1, []byte("a")), 2, nil))
	f.Add([]byte{0, 0, 0, 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		recs, n := decodeJournal(data)
		if n > len(data) {
			t.Fatalf("decoded %d of %d bytes", n, len(data))
		}
		var again []byte
		for _, r := range recs {
			again = appendJournalFrame(again, r.Seq, r.Data)
		}
		if !bytes.Equal(again, data[:n]) {
			t.Fatal("decode then encode differs")
		}
	})
}

// BenchmarkJournalAppend: appends per second with real fsyncs, one at a
// time and from 16 goroutines (group commit: they share fsyncs).
func BenchmarkJournalAppend(b *testing.B) {
	for _, writers := range []int{1, 16} {
		b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) {
			s, _ := testStore(b, func(o *Options) { o.NoSync = false })
			j, err := s.OpenJournal("bench.journal", 0)
			if err != nil {
				b.Fatal(err)
			}
			defer j.Close()
			rec := bytes.Repeat([]byte("e"), 200) // about one audit event
			b.ResetTimer()
			var wg sync.WaitGroup
			per := b.N/writers + 1
			for range writers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range per {
						if _, err := j.Append(rec); err != nil {
							b.Error(err)
							return
						}
					}
				}()
			}
			wg.Wait()
			b.ReportMetric(float64(per*writers)/b.Elapsed().Seconds(), "appends/s")
		})
	}
}
