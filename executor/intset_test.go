package executor

import (
	"math/rand"
	"testing"
)

// TestIntSet checks the bitmap and map modes against a map, over dense
// keys, keys that grow the bitmap both ways, and keys too sparse for it.
func TestIntSet(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for _, spread := range []int64{100, 1 << 20, 1 << 40} {
		var s intSet
		ref := map[int64]bool{}
		base := rng.Int63n(1<<30) - 1<<29
		for i := 0; i < 20000; i++ {
			v := base + rng.Int63n(spread) - spread/2
			if got, want := s.add(v), !ref[v]; got != want {
				t.Fatalf("spread %d: add(%d) = %v, want %v", spread, v, got, want)
			}
			ref[v] = true
		}
		if s.len() != len(ref) {
			t.Fatalf("spread %d: len %d, want %d", spread, s.len(), len(ref))
		}
		for v := range ref {
			if !s.has(v) || s.has(v+spread) && !ref[v+spread] {
				t.Fatalf("spread %d: has(%d) wrong", spread, v)
			}
		}
		n := 0
		for v := range ref {
			if n%2 == 0 && !s.remove(v) {
				t.Fatalf("spread %d: remove(%d) missed", spread, v)
			}
			if n%2 == 0 && (s.has(v) || s.remove(v)) {
				t.Fatalf("spread %d: %d still there", spread, v)
			}
			n++
		}
		if s.len() != len(ref)/2 {
			t.Fatalf("spread %d: len after removes %d, want %d", spread, s.len(), len(ref)/2)
		}
	}
}
