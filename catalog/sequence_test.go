package catalog

import (
	"context"
	"math"
	"sync"
	"testing"
	"time"
)

// Many goroutines draw from one sequence while another holds the writer
// slot for a while and draws too: no value is handed out twice, none is
// lost to a deadlock, and a transaction that rolls back does not give its
// values back.
func TestNextValConcurrent(t *testing.T) {
	c, _ := openTest(t)
	ctx := context.Background()
	who := tenant(t, c, "acme")
	var q Sequence
	mustUpdate(t, c, who, func(tx *Tx) error {
		var err error
		q, err = tx.CreateSequence(TableRef{DefaultDatabase, DefaultSchema, "s"},
			Sequence{Type: 20, Start: 1, Increment: 1, Min: 1, Max: math.MaxInt64, Cache: 1})
		return err
	})
	var mu sync.Mutex
	seen := map[int64]bool{}
	add := func(v int64) {
		mu.Lock()
		defer mu.Unlock()
		if seen[v] {
			t.Errorf("value %d handed out twice", v)
		}
		seen[v] = true
	}
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 300; i++ {
				v, err := c.NextVal(ctx, who, nil, q)
				if err != nil {
					t.Error(err)
					return
				}
				add(v)
			}
		}()
	}
	for round := 0; round < 3; round++ {
		tx, err := c.Begin(ctx, who, true)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 50; i++ {
			v, err := c.NextVal(ctx, who, tx, q)
			if err != nil {
				t.Fatal(err)
			}
			add(v)
		}
		time.Sleep(5 * time.Millisecond) // others wait for the slot or use what is reserved
		if round == 1 {
			tx.Rollback()
		} else if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	if len(seen) != 4*300+3*50 {
		t.Fatalf("%d distinct values", len(seen))
	}
	// What is stored covers every value handed out: a restart goes on above.
	var st seqState
	if err := c.View(ctx, who, func(tx *Tx) error {
		var err error
		st, err = tx.seqState(q.ID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	for v := range seen {
		if v > st.Last {
			t.Fatalf("value %d handed out beyond the stored reservation %d", v, st.Last)
		}
	}
}
