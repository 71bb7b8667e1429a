package executor

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
)

// TestGrouperNumbersByFirstAppearance checks grouper.assign against a map
// numbering keys in order of first appearance, over batches that make the
// tables grow, for int, text and multi-column keys with NULLs.
func TestGrouperNumbersByFirstAppearance(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	mem := memory.DefaultAllocator
	for _, ngroups := range []int{1, 7, 300, 20_000} {
		for _, kind := range []string{"int64", "int32", "text", "pair"} {
			var g grouper
			ref := map[string]uint32{}
			onNew := func(int) error { return nil }
			for batch := 0; batch < 5; batch++ {
				n := 1 + rng.IntN(5000)
				var keys []arrow.Array
				ib := array.NewInt64Builder(mem)
				i32 := array.NewInt32Builder(mem)
				sb := array.NewStringBuilder(mem)
				for r := 0; r < n; r++ {
					k := rng.IntN(ngroups) - ngroups/2
					if rng.IntN(50) == 0 {
						ib.AppendNull()
						i32.AppendNull()
						sb.AppendNull()
						continue
					}
					ib.Append(int64(k) * 1_000_003)
					i32.Append(int32(k))
					sb.Append(fmt.Sprint("k", k))
				}
				ia, i32a, sa := ib.NewArray(), i32.NewArray(), sb.NewArray()
				ib.Release()
				i32.Release()
				sb.Release()
				switch kind {
				case "int64":
					keys = []arrow.Array{ia}
				case "int32":
					keys = []arrow.Array{i32a}
				case "text":
					keys = []arrow.Array{sa}
				case "pair":
					keys = []arrow.Array{ia, sa}
				}
				groups := make([]uint32, n)
				if err := g.assign(keys, groups, onNew); err != nil {
					t.Fatal(err)
				}
				for r := 0; r < n; r++ {
					var key []byte
					for _, k := range keys {
						key = appendKey(key, k, r)
					}
					want, ok := ref[string(key)]
					if !ok {
						want = uint32(len(ref))
						ref[string(key)] = want
					}
					if groups[r] != want {
						t.Fatalf("%s, %d groups, batch %d row %d: group %d, want %d", kind, ngroups, batch, r, groups[r], want)
					}
				}
				if g.n != len(ref) {
					t.Fatalf("%s: %d groups, want %d", kind, g.n, len(ref))
				}
				releaseArrays([]arrow.Array{ia, i32a, sa})
			}
		}
	}
}

// TestDistinctMatchesGroupBy: SELECT DISTINCT keeps each key's first row,
// in order of first appearance, as GROUP BY numbers its groups.
func TestDistinctMatchesGroupBy(t *testing.T) {
	_, s := testEngine(t)
	rng := rand.New(rand.NewPCG(3, 9))
	for _, ngroups := range []int{3, 2000} {
		src := parallelAggSource(rng, 20000, ngroups)
		for _, keys := range []string{"k", "tk", "nk", "f", "k, tk", "bo, dt, i2"} {
			distinct := mustRun(t, s, "SELECT DISTINCT "+keys+" FROM "+src)
			grouped := mustRun(t, s, "SELECT "+keys+" FROM "+src+" GROUP BY "+keys)
			if fmt.Sprint(distinct) != fmt.Sprint(grouped) {
				t.Fatalf("%s, %d groups: DISTINCT %d rows, GROUP BY %d rows\n%.200v\n%.200v", keys, ngroups, len(distinct), len(grouped), distinct, grouped)
			}
		}
	}
}
