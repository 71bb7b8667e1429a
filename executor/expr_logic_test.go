package executor

import (
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"

	"github.com/sharehouse/sharehouse/executor/sqltype"
)

// TestLogicExprKleene checks AND, OR and NOT, evaluated on bitmaps, against
// SQL's truth tables row by row, on random columns with NULLs, of lengths
// that are not multiples of eight, sliced at odd offsets.
func TestLogicExprKleene(t *testing.T) {
	ec := mustEC(t)
	mem := ec.mem
	rng := rand.New(rand.NewPCG(1, 2))
	// tri: 0 false, 1 true, 2 NULL.
	and := func(a, b int) int {
		switch {
		case a == 0 || b == 0:
			return 0
		case a == 2 || b == 2:
			return 2
		}
		return 1
	}
	or := func(a, b int) int {
		switch {
		case a == 1 || b == 1:
			return 1
		case a == 2 || b == 2:
			return 2
		}
		return 0
	}
	for iter := range 200 {
		n, off := rng.IntN(70), rng.IntN(11)
		ncols := 1 + rng.IntN(3)
		vals := make([][]int, ncols)
		fields := make([]arrow.Field, ncols)
		cols := make([]arrow.Array, ncols)
		args := make([]Expr, ncols)
		for c := range ncols {
			b := array.NewBooleanBuilder(mem)
			vals[c] = make([]int, off+n)
			for r := range vals[c] {
				switch v := rng.IntN(3); v {
				case 2:
					if iter%4 == 0 { // some columns without NULLs
						v = 1
						b.Append(true)
					} else {
						b.AppendNull()
					}
					vals[c][r] = v
				default:
					vals[c][r] = v
					b.Append(v == 1)
				}
			}
			whole := b.NewArray()
			b.Release()
			cols[c] = array.NewSlice(whole, int64(off), int64(off+n))
			whole.Release()
			fields[c] = arrow.Field{Name: "b", Type: arrow.FixedWidthTypes.Boolean, Nullable: true}
			args[c] = &colRef{idx: c, t: sqltype.BoolT, dt: arrow.FixedWidthTypes.Boolean}
		}
		rec := array.NewRecord(arrow.NewSchema(fields, nil), cols, int64(n))
		releaseArrays(cols)
		for _, op := range []string{"AND", "OR", "NOT"} {
			e := &logicExpr{op: op, args: args}
			if op == "NOT" {
				e.args = args[:1]
			}
			got, err := e.Eval(ec, rec)
			if err != nil {
				t.Fatal(err)
			}
			res := got.(*array.Boolean)
			for r := range n {
				want := vals[0][off+r]
				switch op {
				case "NOT":
					if want != 2 {
						want = 1 - want
					}
				default:
					for c := 1; c < ncols; c++ {
						if op == "AND" {
							want = and(want, vals[c][off+r])
						} else {
							want = or(want, vals[c][off+r])
						}
					}
				}
				have := 2
				if res.IsValid(r) {
					have = 0
					if res.Value(r) {
						have = 1
					}
				}
				if have != want {
					t.Fatalf("iter %d %s of %d columns, row %d of %d (offset %d): got %d, want %d", iter, op, ncols, r, n, off, have, want)
				}
			}
			if sel := selectionOf(res); len(sel) != countTrue(res) {
				t.Fatalf("selection of %d rows, %d are true", len(sel), countTrue(res))
			}
			got.Release()
		}
		rec.Release()
	}
}

func countTrue(a *array.Boolean) int {
	n := 0
	for i := range a.Len() {
		if a.IsValid(i) && a.Value(i) {
			n++
		}
	}
	return n
}

// TestCmpIntLoop checks every comparison's packed loop against the plain
// three-way comparison, on lengths around multiples of eight.
func TestCmpIntLoop(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, op := range []string{"=", "<>", "<", "<=", ">", ">="} {
		mask, _ := cmpMask(op)
		for n := range 40 {
			x, y := make([]int64, n), make([]int64, n)
			for i := range x {
				x[i], y[i] = rng.Int64N(5)-2, rng.Int64N(5)-2
			}
			out := make([]byte, (n+7)/8)
			cmpIntLoop(out, mask, x, y)
			for i := range x {
				want := mask&(1<<(cmpOrdered(x[i], y[i])+1)) != 0
				if got := out[i/8]&(1<<(i%8)) != 0; got != want {
					t.Fatalf("%d %s %d: got %v (row %d of %d)", x[i], op, y[i], got, i, n)
				}
			}
		}
	}
}
