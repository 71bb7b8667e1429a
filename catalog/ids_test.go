package catalog

import "testing"

// IDs are drawn at random above the ones a data directory from before
// handed out in sequence, and never twice.
func TestNextIDRandomAboveLegacy(t *testing.T) {
	c, _ := openTest(t)
	const legacy = 500 // IDs firstID+1 … firstID+500 were handed out in sequence
	mustUpdate(t, c, System, func(tx *Tx) error { return tx.bucket(bucketMeta).SetSequence(legacy) })
	seen := map[uint64]bool{}
	var prev uint64
	ordered := true
	mustUpdate(t, c, System, func(tx *Tx) error {
		for i := 0; i < 2000; i++ {
			id, err := tx.nextID()
			if err != nil {
				return err
			}
			if id <= firstID+legacy || id >= maxID || seen[id] {
				t.Fatalf("id %d: want a new one in (%d, 2^31)", id, firstID+legacy)
			}
			ordered = ordered && id > prev
			seen[id], prev = true, id
		}
		return nil
	})
	if ordered {
		t.Error("2000 ids came out in order")
	}
}
