package executor

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
)

// TestMinMaxFloatsOrderNaNHighest checks min/max over floats with NaN,
// -0, infinities and NULLs against cmpFloat, PostgreSQL's float order.
func TestMinMaxFloatsOrderNaNHighest(t *testing.T) {
	ec := mustEC(t)
	rng := rand.New(rand.NewPCG(7, 7))
	pool := []float64{math.NaN(), math.Copysign(0, -1), 0, math.Inf(1), math.Inf(-1), 1.5, -2.25, 1e300}
	for _, isMax := range []bool{false, true} {
		name := "min"
		if isMax {
			name = "max"
		}
		impl, err := resolveAggregate(name, []argInfo{f8Info}, false, false)
		if err != nil {
			t.Fatal(err)
		}
		for trial := 0; trial < 200; trial++ {
			const ngroups = 4
			n := 1 + rng.IntN(12)
			b := array.NewFloat64Builder(ec.mem)
			groups := make([]uint32, n)
			want := make([]*float64, ngroups)
			for i := range groups {
				groups[i] = uint32(rng.IntN(ngroups))
				if rng.IntN(5) == 0 {
					b.AppendNull()
					continue
				}
				x := pool[rng.IntN(len(pool))]
				b.Append(x)
				w := &want[groups[i]]
				if c := cmpFloat(x, derefOr(*w, x)); *w == nil || (isMax && c > 0) || (!isMax && c < 0) {
					*w = &x
				}
			}
			arr := b.NewArray()
			b.Release()
			st := impl.New(ec)
			if err := st.Update(groups, ngroups, []arrow.Array{arr}); err != nil {
				t.Fatal(err)
			}
			out, err := st.Finish(ngroups)
			if err != nil {
				t.Fatal(err)
			}
			got := out.(*array.Float64)
			for g := 0; g < ngroups; g++ {
				switch {
				case want[g] == nil && got.IsValid(g):
					t.Fatalf("%s group %d: %v, want NULL", name, g, got.Value(g))
				case want[g] != nil && (got.IsNull(g) || cmpFloat(got.Value(g), *want[g]) != 0):
					t.Fatalf("%s group %d: %v, want %v", name, g, got, *want[g])
				}
			}
			out.Release()
			arr.Release()
			st.Release()
		}
	}
}

func derefOr(p *float64, x float64) float64 {
	if p == nil {
		return x
	}
	return *p
}
