package executor

// Row-group pruning: the WHERE (and JOIN … ON) conjuncts over one scanned
// table are turned into tests on each Parquet row group's statistics, and
// the scan skips the row groups where the tests prove no row can match.
// The filter still runs on every row read, so a test only has to be sound:
// whatever it cannot decide (unknown statistics, an expression it does not
// know, an evaluation error) reads the row group.

import (
	"cmp"
	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"

	"github.com/sharehouse/sharehouse/catalog"
	"github.com/sharehouse/sharehouse/executor/sqltype"
)

// pruner decides from a row group's statistics whether it can be skipped.
type pruner struct {
	fields []arrow.Field // the fields whose statistics the tests read
	test   pruneTest
}

// pruneTest is one test on a row group's statistics (one per field of
// pruner.fields). skip reports that no row of the group can satisfy the
// predicate it stands for.
type pruneTest interface {
	skip(ec *evalContext, rows int64, st []catalog.ColumnStats) bool
}

// newPruner compiles the conjuncts filters over the scan's columns cols
// (field names fieldOf) into a pruner; nil when none of them helps.
func newPruner(filters []Expr, cols []*scopeColumn, fieldOf func(i int) string) *pruner {
	p := &pruner{}
	index := map[*scopeColumn]int{} // scope column → position in p.fields
	col := func(c *scopeColumn) (int, bool) {
		if k, ok := index[c]; ok {
			return k, true
		}
		for i, sc := range cols {
			if sc == c {
				index[c] = len(p.fields)
				p.fields = append(p.fields, arrow.Field{Name: fieldOf(i), Type: c.dt, Nullable: true})
				return index[c], true
			}
		}
		return 0, false
	}
	var tests []pruneTest
	for _, f := range filters {
		if t := compilePrune(f, col); t != nil {
			tests = append(tests, t)
		}
	}
	if len(tests) == 0 {
		return nil
	}
	p.test = pruneAll(tests)
	return p
}

// compilePrune returns the test for predicate e, or nil if it has none.
func compilePrune(e Expr, col func(*scopeColumn) (int, bool)) pruneTest {
	switch e := e.(type) {
	case *logicExpr:
		var args []pruneTest
		for _, a := range e.args {
			t := compilePrune(a, col)
			switch {
			case e.op == "AND" && t != nil:
				args = append(args, t)
			case e.op == "OR" && t != nil:
				args = append(args, t)
			case e.op == "OR":
				return nil // one branch might hold anywhere
			}
		}
		switch {
		case len(args) == 0 || e.op == "NOT":
			return nil
		case e.op == "AND":
			return pruneAll(args)
		default:
			return pruneAny(args)
		}
	case *nullTestExpr:
		b, ok := e.arg.(*boundCol)
		if !ok {
			return nil
		}
		k, ok := col(b.c)
		if !ok {
			return nil
		}
		return &pruneNull{col: k, not: e.not}
	case *funcExpr:
		if e.impl.Name == "LIKE" {
			return compileLikePrefix(e, col)
		}
		return compileCompare(e, col)
	}
	return nil
}

// compileLikePrefix handles `text LIKE 'prefix…'`: every match starts with
// the pattern's literal prefix, so lies in [prefix, prefix's successor).
func compileLikePrefix(f *funcExpr, col func(*scopeColumn) (int, bool)) pruneTest {
	if len(f.args) != 2 {
		return nil
	}
	pat, ok := f.args[1].(*constExpr)
	if !ok || pat.value.IsNull(0) {
		return nil
	}
	p, ok := pat.value.(*array.String)
	if !ok {
		return nil
	}
	toks, err := compileLike(p.Value(0), '\\')
	if err != nil || len(toks.toks) == 0 || toks.toks[0].kind != 'l' {
		return nil
	}
	x := f.args[0]
	if c, ok := x.(*funcExpr); ok && c.cast && len(c.args) == 1 && c.impl.Result.T.OID == sqltype.Text &&
		(c.args[0].Type().OID == sqltype.Text || c.args[0].Type().OID == sqltype.Varchar) {
		x = c.args[0] // to text: the same string
	}
	b, ok := x.(*boundCol)
	if !ok || (b.c.t.OID != sqltype.Text && b.c.t.OID != sqltype.Varchar) || b.c.dt.ID() != arrow.STRING {
		return nil
	}
	k, ok := col(b.c)
	if !ok {
		return nil
	}
	return &prunePrefix{col: k, prefix: toks.toks[0].lit}
}

// compileCompare handles `x op const` and `const op x`, where x is a column
// under monotone casts (they keep bounds bounds).
func compileCompare(f *funcExpr, col func(*scopeColumn) (int, bool)) pruneTest {
	if f.cast || len(f.args) != 2 || len(f.impl.Args) != 2 {
		return nil
	}
	if _, ok := cmpMask(f.impl.Name); !ok {
		return nil
	}
	for _, a := range f.impl.Args {
		if !prunableType(a.T) {
			return nil
		}
	}
	colPos := 0
	c, ok := f.args[1].(*constExpr)
	if !ok {
		colPos = 1
		if c, ok = f.args[0].(*constExpr); !ok {
			return nil
		}
	}
	var casts []funcImpl // innermost first
	x := f.args[colPos]
	for {
		fe, ok := x.(*funcExpr)
		if !ok {
			break
		}
		if !fe.cast || len(fe.args) != 1 || !monotoneCast(fe.args[0].Type(), fe.impl.Result.T) {
			return nil
		}
		casts = append([]funcImpl{fe.impl}, casts...)
		x = fe.args[0]
	}
	b, ok := x.(*boundCol)
	if !ok || !statsOrdered(b.c.t, b.c.dt) {
		return nil
	}
	k, ok := col(b.c)
	if !ok {
		return nil
	}
	t := &pruneCmp{col: k, casts: casts, value: c.value, colPos: colPos, op: f.impl.Name}
	if colPos == 1 {
		t.op = flipCmp(t.op)
	}
	// The comparisons of the column side with the constant the test needs,
	// resolved as the binder resolved the predicate's own.
	for _, op := range []string{"<", "<=", ">", ">=", "="} {
		o := op
		if colPos == 1 {
			o = flipCmp(op)
		}
		impl, err := resolveOperator(o, f.impl.Args[0], f.impl.Args[1])
		if err != nil || !sameArgs(impl.Args, f.impl.Args) {
			return nil // would need casts the predicate does not have
		}
		t.cmp = append(t.cmp, impl)
	}
	return t
}

// prunableType: the comparison types whose order the engine's comparison
// and the statistics agree on, or that an exact evaluation bridges.
func prunableType(t sqltype.T) bool {
	switch t.OID {
	case sqltype.Int2, sqltype.Int4, sqltype.Int8, sqltype.Float4, sqltype.Float8, sqltype.Numeric,
		sqltype.Text, sqltype.Varchar, sqltype.Name, sqltype.Date, sqltype.Timestamp, sqltype.Timestamptz, sqltype.Time:
		return true
	}
	return false
}

// statsOrdered: column types whose stored statistics order is the SQL
// order. Unconstrained numeric is stored as text (byte order is not numeric
// order) and bpchar compares without trailing spaces: neither.
func statsOrdered(t sqltype.T, dt arrow.DataType) bool {
	switch t.OID {
	case sqltype.Numeric:
		return dt.ID() == arrow.DECIMAL128
	case sqltype.Int2, sqltype.Int4, sqltype.Int8, sqltype.Float4, sqltype.Float8,
		sqltype.Text, sqltype.Varchar, sqltype.Name, sqltype.Date, sqltype.Timestamp, sqltype.Timestamptz, sqltype.Time:
		return true
	}
	return false
}

func sameArgs(a, b []argInfo) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].T != b[i].T || !arrow.TypeEqual(a[i].DT, b[i].DT) {
			return false
		}
	}
	return true
}

// monotoneCast: casts that never reverse the order of two values (a ≤ b
// implies cast(a) ≤ cast(b)), so the casts of a column's bounds bound the
// casts of its values. Casts involving time zones are not: a local time
// skipped by a DST change maps past later ones.
func monotoneCast(from, to sqltype.T) bool {
	f, t := from.OID, to.OID
	switch {
	case isInt(f) && isInt(t):
		return intRank(t) >= intRank(f)
	case isInt(f) && (isFloat(t) || t == sqltype.Numeric):
		return true
	case f == sqltype.Float4 && t == sqltype.Float8:
		return true
	case f == sqltype.Numeric && (isFloat(t) || t == sqltype.Numeric):
		return true
	case f == sqltype.Date && t == sqltype.Timestamp:
		return true
	case (f == sqltype.Text || f == sqltype.Varchar) && (t == sqltype.Text || t == sqltype.Varchar):
		return true // a length limit cuts a prefix: still monotone
	}
	return false
}

func flipCmp(op string) string {
	switch op {
	case "<":
		return ">"
	case "<=":
		return ">="
	case ">":
		return "<"
	case ">=":
		return "<="
	}
	return op // = and <> are symmetric
}

// pruneAll skips when any of its tests does (AND).
type pruneAll []pruneTest

func (p pruneAll) skip(ec *evalContext, rows int64, st []catalog.ColumnStats) bool {
	for _, t := range p {
		if t.skip(ec, rows, st) {
			return true
		}
	}
	return false
}

// pruneAny skips when every one of its tests does (OR, IN lists).
type pruneAny []pruneTest

func (p pruneAny) skip(ec *evalContext, rows int64, st []catalog.ColumnStats) bool {
	for _, t := range p {
		if !t.skip(ec, rows, st) {
			return false
		}
	}
	return true
}

// pruneNull is col IS [NOT] NULL.
type pruneNull struct {
	col int
	not bool
}

func (p *pruneNull) skip(_ *evalContext, rows int64, st []catalog.ColumnStats) bool {
	n := st[p.col].Nulls
	if n < 0 {
		return false
	}
	if p.not {
		return n == rows
	}
	return n == 0
}

// prunePrefix is col LIKE 'prefix%…' (byte order, as text compares).
type prunePrefix struct {
	col    int
	prefix string
}

func (p *prunePrefix) skip(_ *evalContext, rows int64, st []catalog.ColumnStats) bool {
	s := st[p.col]
	if s.Nulls >= 0 && s.Nulls == rows {
		return true
	}
	b, ok := s.MinMax.(*array.String)
	if !ok {
		return false
	}
	if b.Value(1) < p.prefix {
		return true // every value sorts before the prefix
	}
	// The smallest string above every string with the prefix: drop
	// trailing 0xff bytes and increment the last one.
	succ := []byte(p.prefix)
	for len(succ) > 0 && succ[len(succ)-1] == 0xff {
		succ = succ[:len(succ)-1]
	}
	if len(succ) == 0 {
		return false
	}
	succ[len(succ)-1]++
	return b.Value(0) >= string(succ)
}

// pruneCmp is casts(col) op value, op normalised to have the column on
// the left.
type pruneCmp struct {
	col    int
	casts  []funcImpl
	value  arrow.Array // length 1
	colPos int         // where the column side is in the predicate's arguments
	op     string
	cmp    []funcImpl  // <, <=, >, >=, = of the column side with the value, as written (colPos)
	value2 arrow.Array // value twice, beside a row group's min and max; made at the first use
}

// compareInts compares a[i] with b[0] when both are integers of one type
// (bigint, integer), which compare as Go's integers do: a query over many
// row groups prunes without a kernel call per row group.
func compareInts(a arrow.Array, i int, b arrow.Array) (int, bool) {
	if a.IsNull(i) || b.IsNull(0) {
		return 0, false
	}
	switch x := a.(type) {
	case *array.Int64:
		if y, ok := b.(*array.Int64); ok {
			return cmp.Compare(x.Value(i), y.Value(0)), true
		}
	case *array.Int32:
		if y, ok := b.(*array.Int32); ok {
			return cmp.Compare(x.Value(i), y.Value(0)), true
		}
	}
	return 0, false
}

// opHolds reports whether `a op b` holds for c = cmp.Compare(a, b).
func opHolds(op string, c int) bool {
	switch op {
	case "<":
		return c < 0
	case "<=":
		return c <= 0
	case ">":
		return c > 0
	case ">=":
		return c >= 0
	}
	return c == 0 // "="
}

// cmpIndex is the position of op in pruneCmp.cmp.
func cmpIndex(op string) int {
	switch op {
	case "<":
		return 0
	case "<=":
		return 1
	case ">":
		return 2
	case ">=":
		return 3
	}
	return 4 // "="
}

func (p *pruneCmp) skip(ec *evalContext, rows int64, st []catalog.ColumnStats) bool {
	s := st[p.col]
	if s.Nulls >= 0 && s.Nulls == rows {
		return true // a comparison with NULL is never true
	}
	if p.value.IsNull(0) {
		return true
	}
	if s.MinMax == nil {
		return false
	}
	// x holds the column side at the lower and the upper bound.
	x := s.MinMax
	x.Retain()
	for _, c := range p.casts {
		y, err := c.Eval(ec, []arrow.Array{x}, 2)
		x.Release()
		if err != nil {
			return false
		}
		x = y
	}
	defer x.Release()
	// holds reports whether `bound(i) op value` is known true.
	holds := func(op string, i int) bool {
		if c, ok := compareInts(x, i, p.value); ok {
			return opHolds(op, c)
		}
		if p.value2 == nil { // the value beside both bounds, made once
			v, err := broadcast(defaultMem, p.value, 2)
			if err != nil {
				return false
			}
			p.value2 = v
		}
		args := []arrow.Array{x, p.value2}
		if p.colPos == 1 {
			args = []arrow.Array{p.value2, x}
		}
		r, err := p.cmp[cmpIndex(op)].Eval(ec, args, 2)
		if err != nil {
			return false
		}
		defer r.Release()
		b, ok := r.(*array.Boolean)
		return ok && b.IsValid(i) && b.Value(i)
	}
	lo, hi := 0, 1
	switch p.op {
	case "=":
		return holds("<", hi) || holds(">", lo)
	case "<":
		return holds(">=", lo)
	case "<=":
		return holds(">", lo)
	case ">":
		return holds("<=", hi)
	case ">=":
		return holds("<", hi)
	case "<>":
		return holds("=", lo) && holds("=", hi)
	}
	return false
}
