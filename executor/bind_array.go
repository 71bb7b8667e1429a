package executor

import (
	"context"
	"strconv"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/sharehouse/sharehouse/executor/sqlstate"
	"github.com/sharehouse/sharehouse/executor/sqltype"
)

// Arrays. The catalogs hold their array columns as text carrying an array
// literal ('{a,b}'), and the array functions (array_to_string, = ANY, unnest)
// read that literal; ARRAY(SELECT …) therefore builds the same literal, so
// everything that reads one composes with everything that makes one.

// arrayOfSubquery runs op and returns its single column as an array
// literal, formatted as PostgreSQL's array_out does.
func arrayOfSubquery(ctx context.Context, ec *evalContext, op operator) (string, error) {
	vals, err := collect(ctx, op, -1)
	if err != nil {
		return "", err
	}
	defer vals.Release()
	col := op.columns()[0]
	enc, err := sqltype.TextEncoder(col.t, vals.DataType(), ec.format)
	if err != nil {
		return "", err
	}
	elems := make([]*string, vals.Len())
	var buf []byte
	for i := range elems {
		if vals.IsNull(i) {
			continue
		}
		buf = enc(buf[:0], vals, i)
		s := string(buf)
		elems[i] = &s
	}
	return formatArrayLiteral(elems), nil
}

// formatArrayLiteral writes a one-dimensional array literal with
// array_out's quoting.
func formatArrayLiteral(elems []*string) string { return sqltype.FormatArrayLiteral(elems) }

// textArrayConst is an array literal as a constant of the catalogs' array
// representation.
func textArrayConst(s string) *constExpr {
	c := stringConst(tText, s)
	c.text = "ARRAY(subquery)"
	return c
}

// textArrayValue is an array literal as a one-row text array.
func textArrayValue(s string) arrow.Array {
	bb := array.NewStringBuilder(defaultMem)
	defer bb.Release()
	bb.Append(s)
	return bb.NewArray()
}

// arrayTypeByName resolves elem[] (text[], int2[] …) to its array type.
func arrayTypeByName(name string, loc int32) (sqltype.T, error) {
	elem, err := typeByName(name, nil)
	if err != nil {
		return sqltype.T{}, withPosition(err, loc)
	}
	if elem.OID == sqltype.BPChar && name == "char" {
		elem.OID = sqltype.Char
	}
	a, ok := sqltype.ArrayOf(elem.OID)
	if !ok {
		return sqltype.T{}, withPosition(notSupported("type %s[] is not supported yet", name), loc)
	}
	return sqltype.T{OID: a, Typmod: -1}, nil
}

// isArrayLike reports whether values of o may be read as an array literal:
// the array types, and text (the catalogs' array columns).
func isArrayLike(o sqltype.OID) bool {
	_, ok := sqltype.ArrayElem(o)
	_, vec := sqltype.VectorElem(o)
	return ok || vec || isString(o) || o == sqltype.Unknown
}

// elemType is the element type of an array-like type: text for text.
func elemType(o sqltype.OID) sqltype.T {
	if e, ok := sqltype.ArrayElem(o); ok {
		return sqltype.T{OID: e, Typmod: -1}
	}
	if e, ok := sqltype.VectorElem(o); ok {
		return sqltype.T{OID: e, Typmod: -1}
	}
	return tText
}

// parseArrayValue reads a value of array-like type o: an array literal, or
// a vector's space-separated elements. lower is its first subscript.
func parseArrayValue(o sqltype.OID, s string) (elems []*string, lower int64, err error) {
	if _, vec := sqltype.VectorElem(o); vec {
		for _, f := range strings.Fields(s) {
			f := f
			elems = append(elems, &f)
		}
		return elems, 0, nil
	}
	elems, ok := parseArrayLiteral(s)
	if !ok {
		return nil, 1, sqlstate.Errorf(sqlstate.InvalidTextRepresentation, "malformed array literal: %q", s)
	}
	return elems, 1, nil
}

// castArray binds casts to and from the array types: a literal to an array
// type is checked and written canonically; an array to text is its literal.
func (b *binder) castArray(arg Expr, t sqltype.T, loc int32) (Expr, bool, error) {
	from := arg.Type().OID
	_, toArray := sqltype.ArrayElem(t.OID)
	_, toVector := sqltype.VectorElem(t.OID)
	toArray = toArray || toVector
	_, fromArray := sqltype.ArrayElem(from)
	if _, vec := sqltype.VectorElem(from); vec {
		fromArray = true
	}
	if _, isParam := arg.(*paramExpr); isParam && from == sqltype.Unknown {
		return nil, false, nil // $1::text[]: the parameter takes the type
	}
	param := arg.Type()
	if from == sqltype.Unknown {
		param = tText
	}
	switch {
	case toArray && isArrayLike(from):
		e, err := b.catCall(t.String(), []Expr{arg}, sig(param), t, true, func(a []any) (any, error) {
			// Text is read in the target's own form; a typed array in its.
			form := from
			if !fromArray {
				form = t.OID
			}
			elems, _, err := parseArrayValue(form, argStr(a[0]))
			if err != nil {
				return nil, err
			}
			if toVector {
				parts := make([]string, len(elems))
				for i, e := range elems {
					if e == nil {
						return nil, sqlstate.Errorf(sqlstate.NullValueNotAllowed, "array must not contain nulls")
					}
					parts[i] = *e
				}
				return strings.Join(parts, " "), nil
			}
			return formatArrayLiteral(elems), nil
		}, loc)
		if err == nil {
			e = castNamed(e)
		}
		return e, true, err
	case fromArray && isString(t.OID):
		e, err := b.catCall("text", []Expr{arg}, sig(param), tText, true, func(a []any) (any, error) {
			return argStr(a[0]), nil
		}, loc)
		if err == nil {
			e = castNamed(e)
		}
		return e, true, err
	}
	return nil, false, nil
}

// castRegnamespace binds casts to regnamespace (from the oid family, or a
// schema's name) and from it to text (the schema's name).
func (b *binder) castRegnamespace(arg Expr, t sqltype.T, loc int32) (Expr, bool, error) {
	from := arg.Type().OID
	nsT := sqltype.T{OID: sqltype.Regnamespace, Typmod: -1}
	oidish := from == sqltype.Oid || from == sqltype.Int4 || from == sqltype.Int8 || isRegType(from)
	switch {
	case t.OID == sqltype.Regnamespace && oidish:
		e, err := b.catCall("regnamespace", []Expr{arg}, sig(arg.Type()), nsT, true, func(a []any) (any, error) {
			return argInt(a[0]), nil
		}, loc)
		if err == nil {
			e = castNamed(e)
		}
		return e, true, err
	case t.OID == sqltype.Regnamespace && (isString(from) || from == sqltype.Unknown):
		g, err := b.catalogGen()
		if err != nil {
			return nil, true, err
		}
		byName := map[string]int64{}
		for _, r := range g.pgNamespace() {
			byName[r["nspname"].(string)] = anyInt64(r["oid"])
		}
		e, err := b.catCall("regnamespace", []Expr{arg}, sig(tText), nsT, true, func(a []any) (any, error) {
			if oid, ok := byName[argStr(a[0])]; ok {
				return oid, nil
			}
			return nil, sqlstate.Errorf(sqlstate.InvalidSchemaName, "schema %q does not exist", argStr(a[0]))
		}, loc)
		if err == nil {
			e = castNamed(e)
		}
		return e, true, err
	case from == sqltype.Regnamespace && isString(t.OID):
		g, err := b.catalogGen()
		if err != nil {
			return nil, true, err
		}
		byOID := map[int64]string{}
		for _, r := range g.pgNamespace() {
			byOID[anyInt64(r["oid"])] = r["nspname"].(string)
		}
		e, err := b.catCall("text", []Expr{arg}, sig(nsT), tText, true, func(a []any) (any, error) {
			if name, ok := byOID[argInt(a[0])]; ok {
				return name, nil
			}
			return strconv.FormatInt(argInt(a[0]), 10), nil
		}, loc)
		if err == nil {
			e = castNamed(e)
		}
		return e, true, err
	}
	return nil, false, nil
}

// anyInt64 reads a catalog row's integer cell, whichever Go integer it is.
func anyInt64(v any) int64 {
	switch x := v.(type) {
	case int:
		return int64(x)
	case int64:
		return x
	case uint32:
		return int64(x)
	case uint64:
		return int64(x)
	}
	return 0
}

// bindFunctionScan binds a set-returning function in FROM: generate_series
// (integer bounds), unnest(array) and pg_partition_ancestors (empty),
// optionally
// WITH ORDINALITY. Their arguments may name the enclosing query's columns
// (a correlated subquery binds once per outer row, so they are constants
// then); they are evaluated once, when the statement is bound.
func (q *queryBinder) bindFunctionScan(rf *pg.RangeFunction) (*relation, error) {
	if rf.Lateral || len(rf.Functions) != 1 {
		return nil, notSupported("this form of function in FROM is not supported yet")
	}
	items := rf.Functions[0].GetList().GetItems()
	fc := items[0].GetFuncCall()
	if fc == nil {
		return nil, notSupported("only function calls are supported in FROM")
	}
	name := funcName(fc)
	sc := &scope{parent: q.outer, outerRef: q.outerRef}
	args := make([]Expr, len(fc.Args))
	for i, a := range fc.Args {
		e, err := q.bindExpr(a, sc)
		if err != nil {
			return nil, err
		}
		args[i] = e
	}
	var (
		t    sqltype.T
		vals func() (arrow.Array, error)
	)
	switch name {
	case "generate_series":
		if len(args) < 2 || len(args) > 3 {
			return nil, sqlstate.Errorf(sqlstate.UndefinedFunction, "function generate_series with %d arguments does not exist", len(args))
		}
		t = sqltype.Int4T
		for i, e := range args {
			if e.Type().OID == sqltype.Int8 || e.Type().OID == sqltype.Numeric {
				t = sqltype.Int8T
			}
			c, err := q.cast(e, sqltype.Int8T, false, fc.Location)
			if err != nil {
				return nil, err
			}
			args[i] = c
		}
		if !rf.Ordinality {
			return q.seriesRelation(rf, t, args)
		}
		vals = func() (arrow.Array, error) { return q.seriesValues(t, args) }
	case "unnest":
		if len(args) != 1 {
			return nil, notSupported("unnest with %d arguments is not supported yet", len(args))
		}
		if !isArrayLike(args[0].Type().OID) {
			return nil, sqlstate.Errorf(sqlstate.UndefinedFunction, "function unnest(%s) does not exist", args[0].Type()).WithPosition(fc.Location + 1)
		}
		t = elemType(args[0].Type().OID)
		vals = func() (arrow.Array, error) { return q.unnestValues(t, args[0]) }
	case "pg_partition_ancestors":
		// No rows for a relation that is not a partition; there are none.
		if len(args) != 1 {
			return nil, sqlstate.Errorf(sqlstate.UndefinedFunction, "function pg_partition_ancestors with %d arguments does not exist", len(args))
		}
		t = sqltype.T{OID: sqltype.Regclass, Typmod: -1}
		if _, ok, err := q.castCatalog(args[0], t, fc.Location); err != nil {
			return nil, err
		} else if !ok {
			if _, err := q.cast(args[0], t, false, fc.Location); err != nil {
				return nil, err
			}
		}
		vals = func() (arrow.Array, error) { return array.NewBuilder(defaultMem, t.Arrow()).NewArray(), nil }
	default:
		if r, ok, err := q.jsonFuncRelation(rf, name, args, fc.Location); ok || err != nil {
			return r, err
		}
		return nil, notSupported("function %s in FROM is not supported yet", name)
	}
	return q.funcValuesRelation(rf, name, t, vals)
}

// fromFuncNames returns the relation name and the output column names of a
// function in FROM: the alias's column names in order, else the function
// column named after the alias (or the function), then "ordinality".
func fromFuncNames(rf *pg.RangeFunction, fname string, n int) (string, []string) {
	rel, names := fname, []string{fname, "ordinality"}[:n]
	if rf.Alias != nil {
		rel = rf.Alias.Aliasname
		names[0] = rel
		for i, c := range rf.Alias.Colnames {
			if i < n {
				names[i] = c.GetString_().GetSval()
			}
		}
	}
	return rel, names
}

func (q *queryBinder) seriesRelation(rf *pg.RangeFunction, t sqltype.T, args []Expr) (*relation, error) {
	rel, names := fromFuncNames(rf, "generate_series", 1)
	col := &scopeColumn{rel: rel, name: names[0], t: t, dt: t.Arrow(), used: true}
	bounds := []int64{0, 0, 1}
	empty := q.x.describeOnly
	for i, e := range args {
		if empty {
			break
		}
		v, err := q.evalOnce(e)
		if err != nil {
			return nil, err
		}
		if v.IsNull(0) {
			empty = true
		} else {
			bounds[i] = v.(*array.Int64).Value(0)
		}
		v.Release()
	}
	if empty {
		bounds = []int64{1, 0, 1}
	}
	if bounds[2] == 0 {
		return nil, sqlstate.Errorf(sqlstate.InvalidParameterValue, "step size cannot equal zero")
	}
	return &relation{cols: []*scopeColumn{col}, build: func() operator {
		col.idx = 0
		return &seriesOp{env: q.env, col: opColumn{name: col.name, t: t, dt: t.Arrow()}, cur: bounds[0], stop: bounds[1], step: bounds[2]}
	}}, nil
}

// evalOnce evaluates an expression without columns to its one value.
func (q *queryBinder) evalOnce(e Expr) (arrow.Array, error) {
	one := oneRowRecord()
	defer one.Release()
	return e.Eval(q.x.evalContext(), one)
}

// seriesValues materializes generate_series, for WITH ORDINALITY.
func (q *queryBinder) seriesValues(t sqltype.T, args []Expr) (arrow.Array, error) {
	bounds := []int64{0, 0, 1}
	for i, e := range args {
		v, err := q.evalOnce(e)
		if err != nil {
			return nil, err
		}
		null := v.IsNull(0)
		if !null {
			bounds[i] = v.(*array.Int64).Value(0)
		}
		v.Release()
		if null {
			return array.NewBuilder(defaultMem, t.Arrow()).NewArray(), nil
		}
	}
	if bounds[2] == 0 {
		return nil, sqlstate.Errorf(sqlstate.InvalidParameterValue, "step size cannot equal zero")
	}
	const limit = 1 << 24
	b := array.NewBuilder(defaultMem, t.Arrow())
	defer b.Release()
	for v := bounds[0]; (bounds[2] > 0 && v <= bounds[1]) || (bounds[2] < 0 && v >= bounds[1]); v += bounds[2] {
		if b.Len() >= limit {
			return nil, errTooLarge("generate_series WITH ORDINALITY")
		}
		switch bb := b.(type) {
		case *array.Int32Builder:
			bb.Append(int32(v))
		case *array.Int64Builder:
			bb.Append(v)
		}
		if next := v + bounds[2]; (bounds[2] > 0) != (next > v) {
			break // overflow ends the series
		}
	}
	return b.NewArray(), nil
}

// unnestValues reads an array literal into its elements, of type t.
func (q *queryBinder) unnestValues(t sqltype.T, arg Expr) (arrow.Array, error) {
	ec := q.x.evalContext()
	v, err := q.evalOnce(arg)
	if err != nil {
		return nil, err
	}
	defer v.Release()
	b := array.NewBuilder(defaultMem, t.Arrow())
	defer b.Release()
	if v.IsNull(0) {
		return b.NewArray(), nil
	}
	s, ok := v.(*array.String)
	if !ok {
		return nil, internalf("unnest over %s", v.DataType())
	}
	elems, _, err := parseArrayValue(arg.Type().OID, s.Value(0))
	if err != nil {
		return nil, err
	}
	dec, err := sqltype.TextDecoder(t, t.Arrow(), ec.format)
	if err != nil {
		return nil, err
	}
	for _, e := range elems {
		if e == nil {
			b.AppendNull()
			continue
		}
		if err := dec(b, []byte(*e)); err != nil {
			return nil, err
		}
	}
	return b.NewArray(), nil
}

// funcValuesRelation is a function's materialized result, with its ordinality
// column when asked for.
func (q *queryBinder) funcValuesRelation(rf *pg.RangeFunction, fname string, t sqltype.T, vals func() (arrow.Array, error)) (*relation, error) {
	n := 1
	if rf.Ordinality {
		n = 2
	}
	rel, names := fromFuncNames(rf, fname, n)
	ts := []sqltype.T{t, sqltype.Int8T}[:n]
	cols := make([]*scopeColumn, n)
	ocols := make([]opColumn, n)
	for i := range cols {
		cols[i] = &scopeColumn{rel: rel, name: names[i], t: ts[i], dt: ts[i].Arrow(), used: true}
		ocols[i] = opColumn{name: names[i], t: ts[i], dt: ts[i].Arrow()}
	}
	var rec arrow.Record
	if !q.x.describeOnly {
		v, err := vals()
		if err != nil {
			return nil, err
		}
		arrs := []arrow.Array{v}
		if rf.Ordinality {
			ob := array.NewInt64Builder(defaultMem)
			for i := 0; i < v.Len(); i++ {
				ob.Append(int64(i + 1))
			}
			arrs = append(arrs, ob.NewArray())
			ob.Release()
		}
		rec = array.NewRecord(schemaOf(ocols), arrs, int64(v.Len()))
		for _, a := range arrs {
			a.Release()
		}
	}
	return &relation{cols: cols, build: func() operator {
		for i, c := range cols {
			c.idx = i
		}
		if rec != nil {
			rec.Retain()
		}
		return &valuesOp{cols: ocols, rec: rec}
	}}, nil
}

// arrayParam is the parameter type a function reading an array literal
// declares for arg: its own type, text for an untyped literal.
func arrayParam(arg Expr) sqltype.T {
	if arg.Type().OID == sqltype.Unknown {
		return tText
	}
	return arg.Type()
}

// bindArrayDims binds array_upper, array_lower, array_length (array, dim)
// and cardinality(array) over one-dimensional arrays.
func (b *binder) bindArrayDims(name string, args []Expr, loc int32) (Expr, bool, error) {
	want := 2
	if name == "cardinality" {
		want = 1
	}
	if len(args) != want || !isArrayLike(args[0].Type().OID) {
		return nil, false, nil
	}
	params := []sqltype.T{arrayParam(args[0]), sqltype.Int4T}[:want]
	o := params[0].OID
	e, err := b.catCall(name, args, params, sqltype.Int4T, true, func(a []any) (any, error) {
		elems, lower, err := parseArrayValue(o, argStr(a[0]))
		if err != nil {
			return nil, err
		}
		if name == "cardinality" {
			return int64(len(elems)), nil
		}
		if argInt(a[1]) != 1 || len(elems) == 0 {
			return nil, nil
		}
		switch name {
		case "array_lower":
			return lower, nil
		case "array_upper":
			return lower + int64(len(elems)) - 1, nil
		}
		return int64(len(elems)), nil
	}, loc)
	return e, true, err
}

// bindSubscript binds x[i] over a one-dimensional array (subscripts from
// 1; out of range is NULL). Slices x[i:j] are not supported.
func (b *binder) bindSubscript(base Expr, ind *pg.A_Indices, sc *scope, loc int32) (Expr, error) {
	if ind.IsSlice || ind.Uidx == nil {
		return nil, notSupported("array slices are not supported yet")
	}
	if base.Type().OID == sqltype.JSONB {
		return b.jsonbSubscript(base, ind, sc, loc)
	}
	if !isArrayLike(base.Type().OID) {
		return nil, sqlstate.Errorf(sqlstate.DatatypeMismatch, "cannot subscript type %s because it does not support subscripting", base.Type()).WithPosition(loc + 1)
	}
	idx, err := b.bindExpr(ind.Uidx, sc)
	if err != nil {
		return nil, err
	}
	elemT := elemType(base.Type().OID)
	o := arrayParam(base).OID
	e, err := b.catCall("subscript", []Expr{base, idx}, []sqltype.T{arrayParam(base), sqltype.Int4T}, tText, true, func(a []any) (any, error) {
		elems, lower, err := parseArrayValue(o, argStr(a[0]))
		if err != nil {
			return nil, err
		}
		i := argInt(a[1]) - lower
		if i < 0 || i >= int64(len(elems)) || elems[i] == nil {
			return nil, nil
		}
		return *elems[i], nil
	}, loc)
	if err != nil || elemT == tText {
		return e, err
	}
	return b.cast(e, elemT, true, loc)
}

// bindIndirection binds x[i] (and x[i][j] as successive subscripts).
func (b *binder) bindIndirection(ind *pg.A_Indirection, sc *scope) (Expr, error) {
	e, err := b.bindExpr(ind.Arg, sc)
	if err != nil {
		return nil, err
	}
	for _, n := range ind.Indirection {
		if s := n.GetString_(); s != nil {
			if e, err = selectField(e, s.Sval); err != nil {
				return nil, err
			}
			continue
		}
		ix := n.GetAIndices()
		if ix == nil {
			return nil, notSupported("this indirection is not supported yet")
		}
		if e, err = b.bindSubscript(e, ix, sc, -1); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// bindArrayExpr binds ARRAY[a, b, …]: its elements unified to one type,
// the value an array literal of that type's array type (text[] when
// sharehouse has none for it).
func (b *binder) bindArrayExpr(ae *pg.A_ArrayExpr, sc *scope) (Expr, error) {
	elems := make([]Expr, len(ae.Elements))
	for i, n := range ae.Elements {
		e, err := b.bindExpr(n, sc)
		if err != nil {
			return nil, err
		}
		elems[i] = e
	}
	t := sqltype.T{OID: sqltype.TextArray, Typmod: -1}
	if len(elems) > 0 {
		var err error
		if elems, err = b.unify(elems, "ARRAY"); err != nil {
			return nil, err
		}
		et := elems[0].Type().OID
		if et == sqltype.Unknown {
			et = sqltype.Text
		}
		if a, ok := sqltype.ArrayOf(et); ok {
			t.OID = a
		}
	}
	if len(elems) == 0 {
		return stringConst(t, "{}"), nil
	}
	texts := make([]Expr, len(elems))
	params := make([]sqltype.T, len(elems))
	for i, e := range elems {
		c, err := b.cast(e, tText, true, ae.Location)
		if err != nil {
			return nil, err
		}
		texts[i], params[i] = c, tText
	}
	return b.catCall("array", texts, params, t, false, func(a []any) (any, error) {
		out := make([]*string, len(a))
		for i, v := range a {
			if v != nil {
				s := argStr(v)
				out[i] = &s
			}
		}
		return formatArrayLiteral(out), nil
	}, ae.Location)
}

// resolveArrayOp resolves =, <> and || where an operand is of an array type
// (ok false otherwise); an untyped literal beside an array is of its type.
// Arrays are held canonically (see sqltype), so equal arrays have equal
// text. || is array_cat, array_append or array_prepend, where a NULL
// array counts as empty. It is for resolveBinary to call.
func resolveArrayOp(op string, l, r argInfo) (funcImpl, bool) {
	_, la := sqltype.ArrayElem(l.T.OID)
	_, ra := sqltype.ArrayElem(r.T.OID)
	if !la && !ra {
		return funcImpl{}, false
	}
	if !la && l.T.OID == sqltype.Unknown {
		l, la = r, true
	}
	if !ra && r.T.OID == sqltype.Unknown {
		r, ra = l, true
	}
	switch op {
	case "=", "<>":
		if !la || !ra || l.T.OID != r.T.OID {
			return funcImpl{}, false
		}
		neg := op == "<>"
		return funcImpl{Name: op, Args: []argInfo{l, r}, Result: boolInfo, Eval: func(ec *evalContext, in []arrow.Array, n int) (arrow.Array, error) {
			a, b := in[0].(*array.String), in[1].(*array.String)
			bb := array.NewBooleanBuilder(ec.mem)
			defer bb.Release()
			for i := 0; i < n; i++ {
				if a.IsNull(i) || b.IsNull(i) {
					bb.AppendNull()
					continue
				}
				bb.Append((a.Value(i) == b.Value(i)) != neg)
			}
			return bb.NewArray(), nil
		}}, true
	case "||":
		t := l
		if !la {
			t = r
		}
		elem, _ := sqltype.ArrayElem(t.T.OID)
		// The non-array side must be the element type.
		for _, side := range []struct {
			a   argInfo
			arr bool
		}{{l, la}, {r, ra}} {
			if !side.arr && side.a.T.OID != elem {
				return funcImpl{}, false
			}
		}
		if la && ra && l.T.OID != r.T.OID {
			return funcImpl{}, false
		}
		return funcImpl{Name: "||", Args: []argInfo{l, r}, Result: t, NonStrict: true, Eval: func(ec *evalContext, in []arrow.Array, n int) (arrow.Array, error) {
			sides := [2]func(i int) ([]*string, error){}
			for k, isArr := range []bool{la, ra} {
				a := in[k]
				if isArr {
					s := a.(*array.String)
					sides[k] = func(i int) ([]*string, error) {
						if s.IsNull(i) {
							return nil, nil
						}
						elems, ok := sqltype.ParseArrayLiteral(s.Value(i))
						if !ok {
							return nil, sqlstate.Errorf(sqlstate.InvalidTextRepresentation, "malformed array literal: %q", s.Value(i))
						}
						return elems, nil
					}
					continue
				}
				enc, err := sqltype.TextEncoder(sqltype.T{OID: elem, Typmod: -1}, a.DataType(), ec.format)
				if err != nil {
					return nil, err
				}
				sides[k] = func(i int) ([]*string, error) {
					if a.IsNull(i) {
						return []*string{nil}, nil
					}
					v := string(enc(nil, a, i))
					return []*string{&v}, nil
				}
			}
			o := ec.newValueOut("||")
			for i := 0; i < n; i++ {
				var size int64 // the literals' bytes bound the result's
				for _, a := range in {
					if s, ok := a.(*array.String); ok {
						size += int64(s.ValueLen(i))
					} else {
						size += 64
					}
				}
				if err := o.add(size, errAllocSize); err != nil {
					return nil, err
				}
			}
			sb := array.NewStringBuilder(ec.mem)
			defer sb.Release()
			for i := 0; i < n; i++ {
				x, err := sides[0](i)
				if err != nil {
					return nil, err
				}
				y, err := sides[1](i)
				if err != nil {
					return nil, err
				}
				if la && ra && in[0].IsNull(i) && in[1].IsNull(i) {
					sb.AppendNull()
					continue
				}
				if len(x)+len(y) > maxArraySize {
					return nil, errArraySize()
				}
				sb.Append(sqltype.FormatArrayLiteral(append(x, y...)))
			}
			return sb.NewArray(), nil
		}}, true
	}
	return funcImpl{}, false
}

// arrayAsText is an array-like value as the text of an array literal, the
// form the array functions that predate the array types read: a vector is
// rewritten as a literal, an array or text is kept.
func (b *binder) arrayAsText(e Expr, loc int32) (Expr, error) {
	o := e.Type().OID
	if elem, ok := sqltype.VectorElem(o); ok {
		arr, _ := sqltype.ArrayOf(elem)
		lit, _, err := b.castArray(e, sqltype.T{OID: arr, Typmod: -1}, loc)
		if err != nil {
			return nil, err
		}
		e, o = lit, arr
	}
	if _, ok := sqltype.ArrayElem(o); ok {
		t, _, err := b.castArray(e, tText, loc)
		return t, err
	}
	return b.cast(e, tText, false, loc)
}
