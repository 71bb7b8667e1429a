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

// TestCmpConstMatchesBroadcast: comparing a column with a constant without
// broadcasting it gives what the broadcast comparison gives, for every
// operator, either side, NULLs and sliced columns.
func TestCmpConstMatchesBroadcast(t *testing.T) {
	ec := mustEC(t)
	rng := rand.New(rand.NewPCG(5, 6))
	for _, typ := range []sqltype.T{sqltype.Int2T, sqltype.Int4T, sqltype.Int8T, sqltype.DateT} {
		info := infoOf(typ)
		for _, op := range []string{"=", "<>", "<", "<=", ">", ">="} {
			impl, err := resolveOperator(op, info, info)
			if err != nil || impl.EvalConst == nil {
				t.Fatalf("%s %s: %v, EvalConst set: %v", typ, op, err, impl.EvalConst != nil)
			}
			for iter := range 20 {
				n, off := 2+rng.IntN(40), rng.IntN(9)
				b := array.NewBuilder(ec.mem, info.DT)
				cb := array.NewBuilder(ec.mem, info.DT)
				for r := range off + n {
					if rng.IntN(5) == 0 {
						b.AppendNull()
						continue
					}
					appendSmallInt(b, rng.Int64N(7)-3)
					if r == 0 {
						appendSmallInt(cb, rng.Int64N(7)-3)
					}
				}
				if cb.Len() == 0 {
					appendSmallInt(cb, 0)
				}
				whole, c := b.NewArray(), cb.NewArray()
				b.Release()
				cb.Release()
				col := array.NewSlice(whole, int64(off), int64(off+n))
				whole.Release()
				for _, left := range []bool{false, true} {
					got, err := impl.EvalConst(ec, col, c, left, n)
					if err != nil {
						t.Fatal(err)
					}
					wide, _ := broadcast(ec.mem, c, n)
					args := []arrow.Array{col, wide}
					if left {
						args = []arrow.Array{wide, col}
					}
					want, err := impl.Eval(ec, args, n)
					if err != nil {
						t.Fatal(err)
					}
					for r := range n {
						g, w := got.(*array.Boolean), want.(*array.Boolean)
						if g.IsValid(r) != w.IsValid(r) || (w.IsValid(r) && g.Value(r) != w.Value(r)) {
							t.Fatalf("%s %s (constant left %v, iter %d) row %d: got %v, want %v", typ, op, left, iter, r, g.ValueStr(r), w.ValueStr(r))
						}
					}
					got.Release()
					want.Release()
					wide.Release()
				}
				col.Release()
				c.Release()
			}
		}
	}
}

func appendSmallInt(b array.Builder, v int64) {
	switch b := b.(type) {
	case *array.Int16Builder:
		b.Append(int16(v))
	case *array.Int32Builder:
		b.Append(int32(v))
	case *array.Int64Builder:
		b.Append(v)
	case *array.Date32Builder:
		b.Append(arrow.Date32(v))
	}
}
