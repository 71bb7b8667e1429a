package executor

import (
	"context"
	"fmt"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/sharehouse/sharehouse/executor/sqlstate"
	"github.com/sharehouse/sharehouse/executor/sqltype"
)

// Set-returning functions in the select list (SELECT unnest(a),
// generate_series(1, n), (information_schema._pg_expandarray(k)).n …), with
// PostgreSQL 10's semantics: a projectSetOp below the final projection
// evaluates every call per input row and emits as many rows as the longest
// result; shorter results are padded with NULLs, non-set expressions are
// repeated, and an input row whose calls all return nothing emits nothing.
// (In FROM, the same functions are bound by bindFunctionScan.)

// srfCall is one bound set-returning call of a select list.
type srfCall struct {
	name string
	args []Expr
	t    sqltype.T
	dt   arrow.DataType
	gen  srfGen
	col  *scopeColumn // the column the select list reads
}

// srfGen appends to b the values a call returns for row i of its evaluated
// arguments and returns how many it appended.
type srfGen func(ec *evalContext, args []arrow.Array, i int, b array.Builder) (int, error)

// srfBinding collects the set-returning calls of one select list.
type srfBinding struct {
	calls []*srfCall
}

// setReturning names the set-returning functions the select list knows.
var setReturning = map[string]bool{"generate_series": true, "generate_subscripts": true, "unnest": true, "_pg_expandarray": true}

// srfRowLimit bounds the rows one input batch may expand to.
const srfRowLimit = 1 << 24

// bindSRFCall binds a set-returning call in scope sc, which must allow
// them (the select list).
func (b *binder) bindSRFCall(fc *pg.FuncCall, sc *scope) (Expr, error) {
	name := funcName(fc)
	if sc.srf == nil {
		return nil, sqlstate.Errorf(sqlstate.FeatureNotSupported, "set-returning functions are not allowed here").WithPosition(fc.Location + 1)
	}
	inner := *sc
	inner.srf = nil // no set-returning calls inside their arguments
	args := make([]Expr, len(fc.Args))
	for i, a := range fc.Args {
		e, err := b.bindExpr(a, &inner)
		if err != nil {
			return nil, err
		}
		args[i] = e
	}
	call := &srfCall{name: name, args: args}
	switch name {
	case "generate_series":
		if len(args) < 2 || len(args) > 3 {
			return nil, sqlstate.Errorf(sqlstate.UndefinedFunction, "function generate_series with %d arguments does not exist", len(args)).WithPosition(fc.Location + 1)
		}
		call.t = sqltype.Int4T
		for i, e := range args {
			if o := e.Type().OID; o == sqltype.Int8 || o == sqltype.Numeric {
				call.t = sqltype.Int8T
			}
			c, err := b.cast(e, sqltype.Int8T, false, fc.Location)
			if err != nil {
				return nil, err
			}
			args[i] = c
		}
		call.gen = seriesGen
	case "generate_subscripts":
		// generate_subscripts(a, dim[, reverse]): the subscripts of a's
		// dimension dim (0-based for int2vector and oidvector).
		if len(args) < 2 || len(args) > 3 || !isArrayLike(args[0].Type().OID) {
			return nil, sqlstate.Errorf(sqlstate.UndefinedFunction, "function generate_subscripts with these arguments does not exist").WithPosition(fc.Location + 1)
		}
		at := args[0].Type().OID
		d, err := b.cast(args[1], sqltype.Int4T, false, fc.Location)
		if err != nil {
			return nil, err
		}
		args[1] = d
		if len(args) == 3 {
			if args[2], err = b.cast(args[2], sqltype.BoolT, false, fc.Location); err != nil {
				return nil, err
			}
		}
		call.t = sqltype.Int4T
		call.gen = subscriptsGen(at)
	case "unnest", "_pg_expandarray":
		if len(args) != 1 {
			return nil, notSupported("%s with %d arguments is not supported yet", name, len(args))
		}
		at := args[0].Type().OID
		if !isArrayLike(at) {
			return nil, sqlstate.Errorf(sqlstate.UndefinedFunction, "function %s(%s) does not exist", name, args[0].Type()).WithPosition(fc.Location + 1)
		}
		elem := elemType(at)
		dec, err := sqltype.TextDecoder(elem, elem.Arrow(), b.x.evalContext().format)
		if err != nil {
			return nil, err
		}
		if name == "unnest" {
			call.t = elem
			call.gen = elementsGen(at, dec, nil)
			break
		}
		// _pg_expandarray(a) returns (x, n): each element and its 1-based position.
		call.t = sqltype.RecordT
		call.dt = sqltype.RecordOf([]sqltype.RecordField{{Name: "x", T: elem}, {Name: "n", T: sqltype.Int4T}})
		call.gen = elementsGen(at, dec, func(b array.Builder, k int) array.Builder {
			sb := b.(*array.StructBuilder)
			sb.Append(true)
			sb.FieldBuilder(1).(*array.Int32Builder).Append(int32(k + 1))
			return sb.FieldBuilder(0)
		})
	default:
		if _, err := b.bindJSONSRFCall(call, fc.Location); err != nil {
			return nil, err
		}
	}
	if call.dt == nil {
		call.dt = call.t.Arrow()
	}
	call.col = &scopeColumn{name: name, t: call.t, dt: call.dt, used: true}
	sc.srf.calls = append(sc.srf.calls, call)
	return &boundCol{c: call.col}, nil
}

// containsSRF reports whether n calls a set-returning function outside a
// subquery.
func containsSRF(n *pg.Node) bool {
	return containsCall(n, func(fc *pg.FuncCall) bool { return fc.Over == nil && setReturning[funcName(fc)] })
}

// containsCall reports whether n has a function call that match accepts,
// outside a subquery.
func containsCall(n *pg.Node, match func(*pg.FuncCall) bool) bool {
	found := false
	walkNodes(n, func(m *pg.Node) bool {
		if fc := m.GetFuncCall(); fc != nil && match(fc) {
			found = true
		}
		return !found && m.GetSubLink() == nil
	})
	return found
}

// seriesGen is generate_series(start, stop[, step]) over bigint arguments.
func seriesGen(_ *evalContext, args []arrow.Array, i int, b array.Builder) (int, error) {
	bounds := [3]int64{0, 0, 1}
	for j, a := range args {
		if a.IsNull(i) {
			return 0, nil
		}
		bounds[j] = a.(*array.Int64).Value(i)
	}
	start, stop, step := bounds[0], bounds[1], bounds[2]
	if step == 0 {
		return 0, sqlstate.Errorf(sqlstate.InvalidParameterValue, "step size cannot equal zero")
	}
	n := 0
	for v := start; (step > 0 && v <= stop) || (step < 0 && v >= stop); v += step {
		if n >= srfRowLimit {
			return 0, errTooLarge("generate_series")
		}
		switch bb := b.(type) {
		case *array.Int32Builder:
			bb.Append(int32(v))
		case *array.Int64Builder:
			bb.Append(v)
		}
		n++
		if next := v + step; (step > 0) != (next > v) {
			break // overflow ends the series
		}
	}
	return n, nil
}

// subscriptsGen is generate_subscripts over an array-like value of type at
// (one-dimensional: any dimension but 1 has no subscripts).
func subscriptsGen(at sqltype.OID) srfGen {
	return func(_ *evalContext, args []arrow.Array, i int, b array.Builder) (int, error) {
		for _, a := range args[:2] {
			if a.IsNull(i) {
				return 0, nil
			}
		}
		if args[1].(*array.Int32).Value(i) != 1 {
			return 0, nil
		}
		s, ok := args[0].(*array.String)
		if !ok {
			return 0, internalf("array value held as %s", args[0].DataType())
		}
		elems, lower, err := parseArrayValue(at, s.Value(i))
		if err != nil {
			return 0, err
		}
		reverse := len(args) == 3 && !args[2].IsNull(i) && args[2].(*array.Boolean).Value(i)
		ib := b.(*array.Int32Builder)
		for k := range elems {
			if reverse {
				k = len(elems) - 1 - k
			}
			ib.Append(int32(lower) + int32(k))
		}
		return len(elems), nil
	}
}

// elementsGen returns the elements of an array-like value of type at, each
// decoded by dec; wrap, when set, starts an output row for element k and
// returns the builder the element goes to.
func elementsGen(at sqltype.OID, dec sqltype.Decoder, wrap func(b array.Builder, k int) array.Builder) srfGen {
	return func(_ *evalContext, args []arrow.Array, i int, b array.Builder) (int, error) {
		if args[0].IsNull(i) {
			return 0, nil
		}
		s, ok := args[0].(*array.String)
		if !ok {
			return 0, internalf("array value held as %s", args[0].DataType())
		}
		elems, _, err := parseArrayValue(at, s.Value(i))
		if err != nil {
			return 0, err
		}
		for k, e := range elems {
			eb := b
			if wrap != nil {
				eb = wrap(b, k)
			}
			if e == nil {
				eb.AppendNull()
				continue
			}
			if err := dec(eb, []byte(*e)); err != nil {
				return 0, err
			}
		}
		return len(elems), nil
	}
}

// projectSetOp evaluates set-returning calls per input row and returns the
// input's columns, each row repeated once per output row, with one column
// per call appended.
type projectSetOp struct {
	env   *env
	child operator
	calls []*srfCall
	cols  []opColumn
	out   batchHolder
}

func newProjectSetOp(e *env, child operator, calls []*srfCall) *projectSetOp {
	cols := append([]opColumn{}, child.columns()...)
	for _, c := range calls {
		c.col.idx = len(cols)
		cols = append(cols, opColumn{name: c.name, t: c.t, dt: c.dt})
	}
	return &projectSetOp{env: e, child: child, calls: calls, cols: cols}
}

func (p *projectSetOp) columns() []opColumn { return p.cols }
func (p *projectSetOp) close()              { p.out.release(); p.child.close() }
func (p *projectSetOp) String() string {
	names := make([]string, len(p.calls))
	for i, c := range p.calls {
		args := make([]string, len(c.args))
		for j, a := range c.args {
			args[j] = a.String()
		}
		names[i] = fmt.Sprintf("%s(%s)", c.name, strings.Join(args, ", "))
	}
	return "ProjectSet: " + strings.Join(names, ", ")
}

func (p *projectSetOp) next(ctx context.Context) (arrow.Record, error) {
	for {
		rec, err := p.child.next(ctx)
		if err != nil {
			return nil, err
		}
		if rec.NumRows() == 0 {
			continue
		}
		out, err := p.expand(ctx, rec)
		if err != nil {
			return nil, err
		}
		if out != nil {
			return p.out.set(out), nil
		}
	}
}

// expand returns rec's output rows, nil when there are none.
func (p *projectSetOp) expand(ctx context.Context, rec arrow.Record) (arrow.Record, error) {
	ec := p.env.eval(ctx)
	argv := make([][]arrow.Array, len(p.calls))
	builders := make([]array.Builder, len(p.calls))
	defer func() {
		for _, as := range argv {
			for _, a := range as {
				a.Release()
			}
		}
		for _, b := range builders {
			if b != nil {
				b.Release()
			}
		}
	}()
	for c, call := range p.calls {
		for _, e := range call.args {
			v, err := e.Eval(ec, rec)
			if err != nil {
				return nil, err
			}
			argv[c] = append(argv[c], v)
		}
		builders[c] = array.NewBuilder(p.env.mem, call.dt)
	}
	var idx []int32
	counts := make([]int, len(p.calls))
	for i := 0; i < int(rec.NumRows()); i++ {
		if i%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		n := 0
		for c, call := range p.calls {
			k, err := call.gen(ec, argv[c], i, builders[c])
			if err != nil {
				return nil, err
			}
			counts[c] = k
			n = max(n, k)
		}
		for c := range p.calls {
			builders[c].AppendNulls(n - counts[c])
		}
		for j := 0; j < n; j++ {
			idx = append(idx, int32(i))
		}
		if len(idx) > srfRowLimit {
			return nil, errTooLarge("the result of a set-returning function")
		}
	}
	if len(idx) == 0 {
		return nil, nil
	}
	arrs := make([]arrow.Array, 0, len(p.cols))
	for j := 0; j < int(rec.NumCols()); j++ {
		arrs = append(arrs, takeArray(p.env.mem, rec.Column(j), idx))
	}
	for _, b := range builders {
		arrs = append(arrs, b.NewArray())
	}
	out := array.NewRecord(schemaOf(p.cols), arrs, int64(len(idx)))
	for _, a := range arrs {
		a.Release()
	}
	return out, nil
}

// fieldExpr is (record).field.
type fieldExpr struct {
	arg  Expr
	idx  int
	name string
	t    sqltype.T
	dt   arrow.DataType
}

func (f *fieldExpr) Type() sqltype.T          { return f.t }
func (f *fieldExpr) DataType() arrow.DataType { return f.dt }
func (f *fieldExpr) String() string           { return fmt.Sprintf("(%s).%s", f.arg, f.name) }
func (f *fieldExpr) Eval(ec *evalContext, rec arrow.Record) (arrow.Array, error) {
	v, err := f.arg.Eval(ec, rec)
	if err != nil {
		return nil, err
	}
	defer v.Release()
	s, ok := v.(*array.Struct)
	if !ok {
		return nil, internalf("field selection from %s", v.DataType())
	}
	// A NULL record's fields are NULL: builders append nulls to every
	// child of a null struct.
	out := s.Field(f.idx)
	out.Retain()
	return out, nil
}

// selectField binds (e).name.
func selectField(e Expr, name string) (Expr, error) {
	fields, ok := sqltype.RecordFields(e.DataType())
	if e.Type().OID != sqltype.Record || !ok {
		return nil, sqlstate.Errorf(sqlstate.WrongObjectType, "column notation .%s applied to type %s, which is not a composite type", name, e.Type())
	}
	for i, f := range fields {
		if f.Name == name {
			return &fieldExpr{arg: e, idx: i, name: name, t: f.T, dt: e.DataType().(*arrow.StructType).Field(i).Type}, nil
		}
	}
	return nil, sqlstate.Errorf(sqlstate.UndefinedColumn, "could not identify column %q in record data type", name)
}
