package executor

import (
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/bitutil"
	"github.com/apache/arrow/go/v17/arrow/memory"
	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/sharehouse/sharehouse/executor/sqltype"
)

// funcExpr calls an operator, function or cast kernel.
type funcExpr struct {
	impl funcImpl
	args []Expr
	cast bool
}

func (f *funcExpr) Type() sqltype.T          { return f.impl.Result.T }
func (f *funcExpr) DataType() arrow.DataType { return f.impl.Result.DT }
func (f *funcExpr) String() string {
	parts := make([]string, len(f.args))
	for i, a := range f.args {
		parts[i] = a.String()
	}
	if f.cast {
		return parts[0] + "::" + f.impl.Result.T.String()
	}
	if len(parts) == 2 && isOperatorName(f.impl.Name) {
		return "(" + parts[0] + " " + f.impl.Name + " " + parts[1] + ")"
	}
	return f.impl.Name + "(" + strings.Join(parts, ", ") + ")"
}

func isOperatorName(s string) bool {
	return s != "" && !(s[0] >= 'a' && s[0] <= 'z' || s[0] >= 'A' && s[0] <= 'Z' || s[0] == '_')
}

func (f *funcExpr) Eval(ec *evalContext, rec arrow.Record) (arrow.Array, error) {
	if f.impl.EvalConst != nil && len(f.args) == 2 && rec.NumRows() > 1 {
		if out, ok, err := f.evalConst(ec, rec); ok {
			return out, err
		}
	}
	args := make([]arrow.Array, len(f.args))
	defer func() {
		for _, a := range args {
			if a != nil {
				a.Release()
			}
		}
	}()
	for i, a := range f.args {
		v, err := a.Eval(ec, rec)
		if err != nil {
			return nil, err
		}
		args[i] = v
	}
	return f.impl.Eval(ec, args, int(rec.NumRows()))
}

// evalConst evaluates a column against a constant through EvalConst; ok
// is false when the arguments are not one column and one non-NULL
// constant of its type.
func (f *funcExpr) evalConst(ec *evalContext, rec arrow.Record) (arrow.Array, bool, error) {
	ci := 1
	c, ok := f.args[1].(*constExpr)
	if !ok {
		ci = 0
		if c, ok = f.args[0].(*constExpr); !ok {
			return nil, false, nil
		}
	}
	if _, both := f.args[1-ci].(*constExpr); both || c.isNull() {
		return nil, false, nil
	}
	col, err := f.args[1-ci].Eval(ec, rec)
	if err != nil {
		return nil, true, err
	}
	defer col.Release()
	if !arrow.TypeEqual(col.DataType(), c.value.DataType()) {
		// Rare (the binder coerces both sides): the general path.
		args := []arrow.Array{col, nil}
		if args[1], err = c.Eval(ec, rec); err != nil {
			return nil, true, err
		}
		defer args[1].Release()
		if ci == 0 {
			args[0], args[1] = args[1], args[0]
		}
		out, err := f.impl.Eval(ec, args, int(rec.NumRows()))
		return out, true, err
	}
	out, err := f.impl.EvalConst(ec, col, c.value, ci == 0, int(rec.NumRows()))
	return out, true, err
}

// logicExpr is AND, OR (n-ary) or NOT with SQL's three-valued logic.
type logicExpr struct {
	op   string
	args []Expr
}

func (l *logicExpr) Type() sqltype.T          { return sqltype.BoolT }
func (l *logicExpr) DataType() arrow.DataType { return arrow.FixedWidthTypes.Boolean }
func (l *logicExpr) String() string {
	if l.op == "NOT" {
		return "(NOT " + l.args[0].String() + ")"
	}
	parts := make([]string, len(l.args))
	for i, a := range l.args {
		parts[i] = a.String()
	}
	return "(" + strings.Join(parts, " "+l.op+" ") + ")"
}

func (l *logicExpr) Eval(ec *evalContext, rec arrow.Record) (arrow.Array, error) {
	n := int(rec.NumRows())
	first, err := l.args[0].Eval(ec, rec)
	if err != nil {
		return nil, err
	}
	// Three-valued logic a byte (eight rows) at a time, on two bitmaps:
	// the rows known true and the rows known false.
	t, f := kleeneBits(ec.mem, first, n)
	first.Release()
	if l.op == "NOT" {
		return kleeneArray(n, f, t), nil
	}
	tb, fb := t.Bytes(), f.Bytes()
	for _, arg := range l.args[1:] {
		next, err := arg.Eval(ec, rec)
		if err != nil {
			t.Release()
			f.Release()
			return nil, err
		}
		t2, f2 := kleeneBits(ec.mem, next, n)
		next.Release()
		t2b, f2b := t2.Bytes(), f2.Bytes()
		if l.op == "AND" { // false wins, true needs both
			for i := range tb {
				tb[i] &= t2b[i]
				fb[i] |= f2b[i]
			}
		} else { // true wins, false needs both
			for i := range tb {
				tb[i] |= t2b[i]
				fb[i] &= f2b[i]
			}
		}
		t2.Release()
		f2.Release()
	}
	return kleeneArray(n, t, f), nil
}

// kleeneBits splits a boolean array of n rows into new bitmaps (at bit
// offset 0) of the rows that are true and the rows that are false; NULL
// rows are in neither.
func kleeneBits(mem memory.Allocator, a arrow.Array, n int) (t, f *memory.Buffer) {
	t, tb := newBits(mem, n)
	f, fb := newBits(mem, n)
	if n == 0 || a.DataType().ID() == arrow.NULL {
		return t, f
	}
	vals, off := boolValues(a)
	bitutil.CopyBitmap(vals, off, n, tb, 0)
	for i := range fb {
		fb[i] = ^tb[i]
	}
	if a.NullN() > 0 {
		v := validityOf(a)
		bitutil.BitmapAnd(tb, v.bits, 0, int64(v.offset), tb, 0, int64(n))
		bitutil.BitmapAnd(fb, v.bits, 0, int64(v.offset), fb, 0, int64(n))
	}
	return t, f
}

// kleeneArray makes the boolean array of n rows whose true rows are t and
// false rows f, consuming both buffers.
func kleeneArray(n int, t, f *memory.Buffer) arrow.Array {
	tb, fb := t.Bytes(), f.Bytes()
	for i := range fb {
		fb[i] |= tb[i] // known rows: the validity bitmap
	}
	nulls := n - bitutil.CountSetBits(fb, 0, n)
	if nulls == 0 {
		f.Release()
		f = nil
	}
	return makeArray(arrow.FixedWidthTypes.Boolean, n, f, nulls, t)
}

func buildBool(ec *evalContext, val, known []bool) arrow.Array {
	b := array.NewBooleanBuilder(ec.mem)
	defer b.Release()
	b.AppendValues(val, known)
	return b.NewArray()
}

// nullTestExpr is IS [NOT] NULL.
type nullTestExpr struct {
	arg Expr
	not bool
}

func (e *nullTestExpr) Type() sqltype.T          { return sqltype.BoolT }
func (e *nullTestExpr) DataType() arrow.DataType { return arrow.FixedWidthTypes.Boolean }
func (e *nullTestExpr) String() string {
	if e.not {
		return e.arg.String() + " IS NOT NULL"
	}
	return e.arg.String() + " IS NULL"
}
func (e *nullTestExpr) Eval(ec *evalContext, rec arrow.Record) (arrow.Array, error) {
	v, err := e.arg.Eval(ec, rec)
	if err != nil {
		return nil, err
	}
	defer v.Release()
	n := v.Len()
	out := make([]bool, n)
	for i := 0; i < n; i++ {
		out[i] = v.IsNull(i) != e.not
	}
	return buildBool(ec, out, nil), nil
}

// boolTestExpr is IS [NOT] TRUE/FALSE/UNKNOWN: never null.
type boolTestExpr struct {
	arg  Expr
	kind pg.BoolTestType
}

func (e *boolTestExpr) Type() sqltype.T          { return sqltype.BoolT }
func (e *boolTestExpr) DataType() arrow.DataType { return arrow.FixedWidthTypes.Boolean }
func (e *boolTestExpr) String() string           { return e.arg.String() + " " + e.kind.String() }
func (e *boolTestExpr) Eval(ec *evalContext, rec arrow.Record) (arrow.Array, error) {
	v, err := e.arg.Eval(ec, rec)
	if err != nil {
		return nil, err
	}
	defer v.Release()
	a := v.(*array.Boolean)
	out := make([]bool, a.Len())
	for i := range out {
		known := a.IsValid(i)
		t := known && a.Value(i)
		f := known && !a.Value(i)
		switch e.kind {
		case pg.BoolTestType_IS_TRUE:
			out[i] = t
		case pg.BoolTestType_IS_NOT_TRUE:
			out[i] = !t
		case pg.BoolTestType_IS_FALSE:
			out[i] = f
		case pg.BoolTestType_IS_NOT_FALSE:
			out[i] = !f
		case pg.BoolTestType_IS_UNKNOWN:
			out[i] = !known
		case pg.BoolTestType_IS_NOT_UNKNOWN:
			out[i] = known
		}
	}
	return buildBool(ec, out, nil), nil
}

// distinctExpr is IS [NOT] DISTINCT FROM: equality where NULL equals NULL.
type distinctExpr struct {
	eq, l, r Expr
	not      bool
}

func (e *distinctExpr) Type() sqltype.T          { return sqltype.BoolT }
func (e *distinctExpr) DataType() arrow.DataType { return arrow.FixedWidthTypes.Boolean }
func (e *distinctExpr) String() string {
	if e.not {
		return e.l.String() + " IS NOT DISTINCT FROM " + e.r.String()
	}
	return e.l.String() + " IS DISTINCT FROM " + e.r.String()
}
func (e *distinctExpr) Eval(ec *evalContext, rec arrow.Record) (arrow.Array, error) {
	eqA, err := e.eq.Eval(ec, rec)
	if err != nil {
		return nil, err
	}
	defer eqA.Release()
	l, err := e.l.Eval(ec, rec)
	if err != nil {
		return nil, err
	}
	defer l.Release()
	r, err := e.r.Eval(ec, rec)
	if err != nil {
		return nil, err
	}
	defer r.Release()
	eq := eqA.(*array.Boolean)
	out := make([]bool, eq.Len())
	for i := range out {
		var same bool
		switch {
		case l.IsNull(i) && r.IsNull(i):
			same = true
		case l.IsNull(i) || r.IsNull(i):
			same = false
		default:
			same = eq.Value(i)
		}
		out[i] = same == e.not
	}
	return buildBool(ec, out, nil), nil
}

// caseExpr is CASE WHEN … THEN … ELSE … END. Each branch is evaluated only
// on the rows that reach it, so `CASE WHEN x = 0 THEN 0 ELSE 1/x END`
// never divides by zero, as in PostgreSQL.
type caseExpr struct {
	whens, thens []Expr
	els          Expr
	t            sqltype.T
	dt           arrow.DataType
}

func (e *caseExpr) Type() sqltype.T          { return e.t }
func (e *caseExpr) DataType() arrow.DataType { return e.dt }
func (e *caseExpr) String() string {
	var sb strings.Builder
	sb.WriteString("CASE")
	for i := range e.whens {
		sb.WriteString(" WHEN " + e.whens[i].String() + " THEN " + e.thens[i].String())
	}
	sb.WriteString(" ELSE " + e.els.String() + " END")
	return sb.String()
}

func (e *caseExpr) Eval(ec *evalContext, rec arrow.Record) (arrow.Array, error) {
	n := int(rec.NumRows())
	branchOf := make([]int32, n) // which result each row takes
	posIn := make([]int32, n)    // its position in that branch's result
	remaining := make([]int32, n)
	for i := range remaining {
		remaining[i] = int32(i)
	}
	results := make([]arrow.Array, len(e.whens)+1)
	defer func() {
		for _, r := range results {
			if r != nil {
				r.Release()
			}
		}
	}()
	cur := rec
	cur.Retain()
	defer func() { cur.Release() }()
	for bi := range e.whens {
		if len(remaining) == 0 {
			break
		}
		c, err := e.whens[bi].Eval(ec, cur)
		if err != nil {
			return nil, err
		}
		mask := c.(*array.Boolean)
		var take, rest, restLocal []int32
		var takeLocal []int32
		for j := 0; j < mask.Len(); j++ {
			if mask.IsValid(j) && mask.Value(j) {
				take = append(take, remaining[j])
				takeLocal = append(takeLocal, int32(j))
			} else {
				rest = append(rest, remaining[j])
				restLocal = append(restLocal, int32(j))
			}
		}
		c.Release()
		if len(take) > 0 {
			sub := takeRecord(ec.mem, cur, takeLocal)
			res, err := e.thens[bi].Eval(ec, sub)
			sub.Release()
			if err != nil {
				return nil, err
			}
			results[bi] = res
			for k, row := range take {
				branchOf[row], posIn[row] = int32(bi), int32(k)
			}
		}
		next := takeRecord(ec.mem, cur, restLocal)
		cur.Release()
		cur = next
		remaining = rest
	}
	if len(remaining) > 0 {
		res, err := e.els.Eval(ec, cur)
		if err != nil {
			return nil, err
		}
		results[len(e.whens)] = res
		for k, row := range remaining {
			branchOf[row], posIn[row] = int32(len(e.whens)), int32(k)
		}
	}
	return mergeBranches(ec, e.dt, results, branchOf, posIn)
}

// mergeBranches builds out[i] = results[branchOf[i]][posIn[i]].
func mergeBranches(ec *evalContext, dt arrow.DataType, results []arrow.Array, branchOf, posIn []int32) (arrow.Array, error) {
	b := array.NewBuilder(ec.mem, dt)
	defer b.Release()
	b.Reserve(len(branchOf))
	for i := range branchOf {
		if err := appendValue(b, results[branchOf[i]], int(posIn[i])); err != nil {
			return nil, err
		}
	}
	return b.NewArray(), nil
}

// coalesceExpr returns its first non-null argument; later arguments are
// evaluated only for rows still null.
type coalesceExpr struct{ args []Expr }

func (e *coalesceExpr) Type() sqltype.T          { return e.args[0].Type() }
func (e *coalesceExpr) DataType() arrow.DataType { return e.args[0].DataType() }
func (e *coalesceExpr) String() string {
	parts := make([]string, len(e.args))
	for i, a := range e.args {
		parts[i] = a.String()
	}
	return "COALESCE(" + strings.Join(parts, ", ") + ")"
}

func (e *coalesceExpr) Eval(ec *evalContext, rec arrow.Record) (arrow.Array, error) {
	n := int(rec.NumRows())
	branchOf := make([]int32, n)
	posIn := make([]int32, n)
	results := make([]arrow.Array, 0, len(e.args))
	defer func() {
		for _, r := range results {
			r.Release()
		}
	}()
	remaining := make([]int32, n)
	for i := range remaining {
		remaining[i] = int32(i)
	}
	cur := rec
	cur.Retain()
	defer func() { cur.Release() }()
	for ai, arg := range e.args {
		v, err := arg.Eval(ec, cur)
		if err != nil {
			return nil, err
		}
		results = append(results, v)
		var rest, restLocal []int32
		for j, row := range remaining {
			if v.IsNull(j) && ai < len(e.args)-1 {
				rest = append(rest, row)
				restLocal = append(restLocal, int32(j))
				continue
			}
			branchOf[row], posIn[row] = int32(ai), int32(j)
		}
		if len(rest) == 0 {
			break
		}
		next := takeRecord(ec.mem, cur, restLocal)
		cur.Release()
		cur = next
		remaining = rest
	}
	return mergeBranches(ec, e.DataType(), results, branchOf, posIn)
}

// greatestExpr is GREATEST/LEAST: NULLs are ignored, as in PostgreSQL.
type greatestExpr struct {
	name string
	cmp  funcImpl // a > b (GREATEST) or a < b (LEAST)
	args []Expr
}

func (e *greatestExpr) Type() sqltype.T          { return e.args[0].Type() }
func (e *greatestExpr) DataType() arrow.DataType { return e.args[0].DataType() }
func (e *greatestExpr) String() string {
	parts := make([]string, len(e.args))
	for i, a := range e.args {
		parts[i] = a.String()
	}
	return e.name + "(" + strings.Join(parts, ", ") + ")"
}

func (e *greatestExpr) Eval(ec *evalContext, rec arrow.Record) (arrow.Array, error) {
	n := int(rec.NumRows())
	best, err := e.args[0].Eval(ec, rec)
	if err != nil {
		return nil, err
	}
	for _, arg := range e.args[1:] {
		v, err := arg.Eval(ec, rec)
		if err != nil {
			best.Release()
			return nil, err
		}
		better, err := e.cmp.Eval(ec, []arrow.Array{v, best}, n)
		if err != nil {
			best.Release()
			v.Release()
			return nil, err
		}
		mask := better.(*array.Boolean)
		branchOf := make([]int32, n)
		posIn := make([]int32, n)
		for i := 0; i < n; i++ {
			posIn[i] = int32(i)
			if best.IsNull(i) || (mask.IsValid(i) && mask.Value(i)) {
				branchOf[i] = 1
			}
		}
		merged, err := mergeBranches(ec, e.DataType(), []arrow.Array{best, v}, branchOf, posIn)
		best.Release()
		v.Release()
		better.Release()
		if err != nil {
			return nil, err
		}
		best = merged
	}
	return best, nil
}
