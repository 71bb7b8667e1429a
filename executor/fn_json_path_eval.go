package executor

import (
	"math"
	"math/big"
	"strconv"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"

	"github.com/sharehouse/sharehouse/executor/sqlstate"
	"github.com/sharehouse/sharehouse/executor/sqltype"
)

// Evaluation of the jsonpath subset (fn_json_path.go) in lax mode.

type tri uint8

const (
	triFalse tri = iota
	triTrue
	triUnknown
)

type jpEnv struct {
	strict              bool
	root, vars, current *jnode
	last                int // the subscripted array's last index; -1 outside a subscript
}

func errNotSingleBool() error {
	return sqlstate.Errorf(sqlstate.Code("22038"), "single boolean result is expected")
}

// eval returns the items n yields.
func (e *jpEnv) eval(n *jpNode) ([]*jnode, error) {
	switch n.kind {
	case jpRoot:
		return []*jnode{e.root}, nil
	case jpCurrent:
		return []*jnode{e.current}, nil
	case jpVar:
		if e.vars != nil {
			if v, ok := e.vars.field(n.name); ok {
				return []*jnode{v}, nil
			}
		}
		return nil, sqlstate.Errorf(sqlstate.UndefinedObject, "could not find jsonpath variable %q", n.name)
	case jpLiteral:
		return []*jnode{n.lit}, nil
	case jpLast:
		if e.last < -1 {
			return nil, errJSONPath("LAST is allowed only in array subscripts")
		}
		return []*jnode{{kind: jNumber, str: strconv.Itoa(e.last)}}, nil
	case jpNeg:
		items, err := e.eval(n.args[0])
		if err != nil {
			return nil, err
		}
		out := make([]*jnode, len(items))
		for i, it := range items {
			if it.kind != jNumber {
				return nil, sqlstate.Errorf(sqlstate.Code("22038"), "operand of unary jsonpath operator - is not a numeric value")
			}
			s := it.text()
			if strings.HasPrefix(s, "-") {
				s = s[1:]
			} else {
				s = "-" + s
			}
			out[i] = &jnode{kind: jNumber, str: s}
		}
		return out, nil
	case jpArith:
		return e.arith(n)
	case jpPath:
		items, err := e.eval(n.args[0])
		if err != nil {
			return nil, err
		}
		for _, st := range n.steps {
			if items, err = e.step(st, items); err != nil {
				return nil, err
			}
		}
		return items, nil
	}
	// A predicate as a value: true, false or null for unknown.
	r, err := e.pred(n)
	if err != nil {
		return nil, err
	}
	if r == triUnknown {
		return []*jnode{{kind: jNull}}, nil
	}
	return []*jnode{{kind: jBool, b: r == triTrue}}, nil
}

// unwrap is lax mode's view of items: arrays' elements in their place;
// strict mode sees them as they are.
func (e *jpEnv) unwrap(items []*jnode) []*jnode {
	if e.strict {
		return items
	}
	return unwrap(items)
}

// unwrap returns items with arrays' elements in their place.
func unwrap(items []*jnode) []*jnode {
	var out []*jnode
	for _, it := range items {
		if it.kind == jArray {
			out = append(out, it.vals...)
		} else {
			out = append(out, it)
		}
	}
	return out
}

func (e *jpEnv) step(st jpStep, items []*jnode) ([]*jnode, error) {
	var out []*jnode
	switch st.kind {
	case stepMember:
		for _, it := range e.unwrap(items) {
			v, ok := it.field(st.key)
			switch {
			case ok:
				out = append(out, v)
			case e.strict && it.kind != jObject:
				return nil, sqlstate.Errorf(sqlstate.Code("2203A"), "jsonpath member accessor can only be applied to an object")
			case e.strict:
				return nil, sqlstate.Errorf(sqlstate.Code("2203A"), "JSON object does not contain key %q", st.key)
			}
		}
	case stepAnyMember:
		for _, it := range e.unwrap(items) {
			if it.kind == jObject {
				out = append(out, it.vals...)
			} else if e.strict {
				return nil, sqlstate.Errorf(sqlstate.Code("2203C"), "jsonpath wildcard member accessor can only be applied to an object")
			}
		}
	case stepAnyIndex:
		for _, it := range items {
			switch {
			case it.kind == jArray:
				out = append(out, it.vals...)
			case e.strict:
				return nil, sqlstate.Errorf(sqlstate.Code("22039"), "jsonpath wildcard array accessor can only be applied to an array")
			default:
				out = append(out, it)
			}
		}
	case stepIndex:
		for _, it := range items {
			arr := it.vals
			if it.kind != jArray {
				if e.strict {
					return nil, sqlstate.Errorf(sqlstate.Code("22039"), "jsonpath array accessor can only be applied to an array")
				}
				arr = []*jnode{it} // lax: a non-array is an array of itself
			}
			for _, sub := range st.subs {
				from, err := e.subscript(sub[0], len(arr))
				if err != nil {
					return nil, err
				}
				to := from
				if sub[1] != nil {
					if to, err = e.subscript(sub[1], len(arr)); err != nil {
						return nil, err
					}
				}
				if e.strict && (from < 0 || to >= len(arr) || from > to) {
					return nil, sqlstate.Errorf(sqlstate.Code("22033"), "jsonpath array subscript is out of bounds")
				}
				for k := max(from, 0); k <= to && k < len(arr); k++ {
					out = append(out, arr[k])
				}
			}
		}
	case stepFilter:
		for _, it := range e.unwrap(items) {
			inner := *e
			inner.current = it
			r, err := inner.pred(st.filter)
			if err != nil {
				return nil, err
			}
			if r == triTrue {
				out = append(out, it)
			}
		}
	case stepAnyLevel:
		var walk func(n *jnode)
		walk = func(n *jnode) {
			out = append(out, n)
			for _, v := range n.vals {
				walk(v)
			}
		}
		for _, it := range items {
			walk(it)
		}
	case stepMethod:
		if st.key != "size" && st.key != "type" {
			return numericMethod(st.key, e.unwrap(items))
		}
		for _, it := range items {
			switch st.key {
			case "size":
				n := 1
				if it.kind == jArray {
					n = len(it.vals)
				} else if e.strict {
					return nil, sqlstate.Errorf(sqlstate.Code("22039"), "jsonpath item method .size() can only be applied to an array")
				}
				out = append(out, &jnode{kind: jNumber, str: strconv.Itoa(n)})
			case "type":
				out = append(out, &jnode{kind: jString, str: jkindNames[it.kind]})
			}
		}
	}
	return out, nil
}

// subscript evaluates an array subscript (last is the array's last index).
func (e *jpEnv) subscript(n *jpNode, length int) (int, error) {
	inner := *e
	inner.last = length - 1
	items, err := inner.eval(n)
	if err != nil {
		return 0, err
	}
	if len(items) != 1 || items[0].kind != jNumber {
		return 0, sqlstate.Errorf(sqlstate.Code("22033"), "jsonpath array subscript is not a single numeric value")
	}
	f, err := strconv.ParseFloat(items[0].text(), 64)
	if err != nil || math.Abs(f) > math.MaxInt32 {
		return 0, sqlstate.Errorf(sqlstate.Code("22033"), "jsonpath array subscript is out of integer range")
	}
	return int(f), nil
}

// pred evaluates a predicate; errors inside become unknown, as lax mode has it.
func (e *jpEnv) pred(n *jpNode) (tri, error) {
	switch n.kind {
	case jpAnd, jpOr:
		l, err := e.pred(n.args[0])
		if err != nil {
			return 0, err
		}
		if n.kind == jpAnd && l == triFalse || n.kind == jpOr && l == triTrue {
			return l, nil
		}
		r, err := e.pred(n.args[1])
		if err != nil {
			return 0, err
		}
		switch {
		case n.kind == jpAnd && r == triFalse, n.kind == jpOr && r == triTrue:
			return r, nil
		case l == triUnknown || r == triUnknown:
			return triUnknown, nil
		}
		return r, nil
	case jpNot:
		r, err := e.pred(n.args[0])
		switch {
		case err != nil:
			return 0, err
		case r == triUnknown:
			return r, nil
		case r == triTrue:
			return triFalse, nil
		}
		return triTrue, nil
	case jpIsUnknown:
		r, err := e.pred(n.args[0])
		if err != nil {
			return 0, err
		}
		if r == triUnknown {
			return triTrue, nil
		}
		return triFalse, nil
	case jpExists:
		items, err := e.eval(n.args[0])
		if err != nil {
			return laxError(err)
		}
		if len(items) > 0 {
			return triTrue, nil
		}
		return triFalse, nil
	case jpCompare, jpStartsWith, jpLikeRegex:
		left, err := e.eval(n.args[0])
		if err != nil {
			return laxError(err)
		}
		var right []*jnode
		if n.kind != jpLikeRegex {
			if right, err = e.eval(n.args[1]); err != nil {
				return laxError(err)
			}
			right = e.unwrap(right)
		}
		unknown := false
		for _, a := range e.unwrap(left) {
			if n.kind == jpLikeRegex {
				if a.kind != jString {
					unknown = true
				} else if n.re.MatchString(a.str) {
					return triTrue, nil
				}
				continue
			}
			for _, b := range right {
				var r tri
				if n.kind == jpStartsWith {
					r = triUnknown
					if a.kind == jString && b.kind == jString {
						r = triFalse
						if strings.HasPrefix(a.str, b.str) {
							r = triTrue
						}
					}
				} else {
					r = compareItems(n.op, a, b)
				}
				if r == triTrue {
					return triTrue, nil
				}
				unknown = unknown || r == triUnknown
			}
		}
		if unknown {
			return triUnknown, nil
		}
		return triFalse, nil
	}
	// A value used as a predicate: a single boolean.
	items, err := e.eval(n)
	if err != nil {
		return laxError(err)
	}
	if len(items) == 1 && items[0].kind == jBool {
		if items[0].b {
			return triTrue, nil
		}
		return triFalse, nil
	}
	return triUnknown, nil
}

// compareItems compares two scalars; containers and different kinds
// (but null) cannot be compared.
func compareItems(op string, a, b *jnode) tri {
	if a.kind != b.kind {
		if a.kind == jNull || b.kind == jNull {
			if op == "!=" {
				return triTrue
			}
			return triFalse
		}
		return triUnknown
	}
	var c int
	switch a.kind {
	case jNull:
	case jBool:
		c = orderBool(a.b, b.b)
	case jNumber:
		c = compareJSONNumbers(a.text(), b.text())
	case jString:
		c = strings.Compare(a.str, b.str)
	default:
		return triUnknown
	}
	sqlOp := map[string]string{"==": "=", "!=": "<>"}[op]
	if sqlOp == "" {
		sqlOp = op
	}
	mask, _ := cmpMask(sqlOp)
	if cmpHolds(mask, c) {
		return triTrue
	}
	return triFalse
}

// runJSONPath evaluates path over doc with vars (nil for none).
func runJSONPath(path *jpNode, doc, vars *jnode) ([]*jnode, error) {
	if vars != nil && vars.kind != jObject {
		return nil, sqlstate.Errorf(sqlstate.InvalidParameterValue, "\"vars\" argument is not an object").
			WithDetail("Jsonpath parameters should be encoded as key-value pairs of \"vars\" object.")
	}
	e := &jpEnv{root: doc, vars: vars, current: doc, last: -2, strict: path.strict}
	return e.eval(path.args[0])
}

// jsonPathFunctions are jsonb_path_exists, _match, _query_first and
// _query_array: (target, path [, vars [, silent]]).
func jsonPathFunctions(name string) []overload {
	mode := strings.TrimPrefix(name, "jsonb_path_")
	res := boolInfo
	switch mode {
	case "exists", "match":
	case "query_first", "query_array":
		res = jsonbInfo
	default:
		return nil
	}
	mk := func(ps ...sqltype.OID) overload { return ov(ps, res.T, jsonPathKernel(mode, res, false)) }
	return []overload{
		mk(sqltype.JSONB, sqltype.Text),
		mk(sqltype.JSONB, sqltype.Text, sqltype.JSONB),
		mk(sqltype.JSONB, sqltype.Text, sqltype.JSONB, sqltype.Bool),
	}
}

// jsonPathKernel evaluates a path function; silent (or a true fourth
// argument) makes evaluation errors NULL, as @? and @@ do.
func jsonPathKernel(mode string, res argInfo, silent bool) kernel {
	return func(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
		var vars *jnode
		var compiled *jpNode
		var lastPath, lastVars string
		return jsonRowKernel(res.DT, 1, func(b array.Builder, docs []*jnode, args []arrow.Array, i int) error {
			if ps := args[1].(*array.String).Value(i); compiled == nil || ps != lastPath {
				p, err := parseJSONPath(ps)
				if err != nil {
					return err
				}
				compiled, lastPath = p, ps
			}
			if len(args) > 2 {
				vs := args[2].(*array.String).Value(i)
				if vars == nil || vs != lastVars {
					v, err := parseJSON(vs)
					if err != nil {
						return err
					}
					vars, lastVars = v, vs
				}
			}
			quiet := silent || len(args) > 3 && args[3].(*array.Boolean).Value(i)
			items, err := runJSONPath(compiled, docs[0], vars)
			if err == nil && mode == "match" && (len(items) != 1 || items[0].kind != jBool && items[0].kind != jNull) {
				err = errNotSingleBool()
			}
			if err != nil {
				if quiet && sqlstate.CodeOf(err) != sqlstate.UndefinedObject { // a missing $var is never silent
					b.AppendNull()
					return nil
				}
				return err
			}
			switch mode {
			case "exists":
				b.(*array.BooleanBuilder).Append(len(items) > 0)
			case "match":
				if items[0].kind == jNull {
					b.AppendNull()
				} else {
					b.(*array.BooleanBuilder).Append(items[0].b)
				}
			case "query_first":
				if len(items) == 0 {
					b.AppendNull()
					return nil
				}
				return appendNode(b, items[0])
			case "query_array":
				return appendNode(b, &jnode{kind: jArray, vals: items})
			}
			return nil
		})(ec, args, n)
	}
}

// arith is + - * / % on two single numbers.
func (e *jpEnv) arith(n *jpNode) ([]*jnode, error) {
	var v [2]*big.Rat
	for k, side := range []string{"left", "right"} {
		items, err := e.eval(n.args[k])
		if err != nil {
			return nil, err
		}
		items = e.unwrap(items)
		var r *big.Rat
		if len(items) == 1 && items[0].kind == jNumber {
			r, _ = new(big.Rat).SetString(items[0].text())
		}
		if r == nil {
			return nil, sqlstate.Errorf(sqlstate.Code("22038"), "%s operand of jsonpath operator %s is not a single numeric value", side, n.op)
		}
		v[k] = r
	}
	a, b := v[0], v[1]
	if (n.op == "/" || n.op == "%") && b.Sign() == 0 {
		return nil, errDivByZero()
	}
	out := new(big.Rat)
	switch n.op {
	case "+":
		out.Add(a, b)
	case "-":
		out.Sub(a, b)
	case "*":
		out.Mul(a, b)
	case "/":
		out.Quo(a, b)
	default: // the remainder truncates toward zero, as numeric's does
		q := new(big.Rat).Quo(a, b)
		t := new(big.Int).Quo(q.Num(), q.Denom())
		out.Sub(a, new(big.Rat).Mul(new(big.Rat).SetInt(t), b))
	}
	return []*jnode{{kind: jNumber, str: ratText(out)}}, nil
}

// ratText prints a number as numeric would: exact when it has a finite
// decimal form, else with 20 digits after the point.
func ratText(r *big.Rat) string {
	if r.IsInt() {
		return r.Num().String()
	}
	s := r.FloatString(20)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// laxError is a predicate's result when evaluating an operand failed:
// unknown, but a missing variable is always an error.
func laxError(err error) (tri, error) {
	if sqlstate.CodeOf(err) == sqlstate.UndefinedObject {
		return 0, err
	}
	return triUnknown, nil
}

// jsonPathQuerySRF is jsonb_path_query(target, path [, vars [, silent]]):
// the path's items, one a row.
func jsonPathQuerySRF() jsonSRFDef {
	jsonbT := sqltype.T{OID: sqltype.JSONB, Typmod: -1}
	return jsonSRFDef{
		doc:      jsonbT,
		cols:     []sqltype.RecordField{{Name: "jsonb_path_query", T: jsonbT}},
		extra:    []sqltype.T{sqltype.TextT, jsonbT, sqltype.BoolT},
		minExtra: 1,
		rows: func(d *jnode, extra []arrow.Array, i int) ([][]*string, error) {
			path, err := parseJSONPath(extra[0].(*array.String).Value(i))
			if err != nil {
				return nil, err
			}
			var vars *jnode
			if len(extra) > 1 {
				if vars, err = parseJSON(extra[1].(*array.String).Value(i)); err != nil {
					return nil, err
				}
			}
			items, err := runJSONPath(path, d, vars)
			if err != nil {
				if len(extra) > 2 && extra[2].(*array.Boolean).Value(i) && sqlstate.CodeOf(err) != sqlstate.UndefinedObject {
					return nil, nil
				}
				return nil, err
			}
			out := make([][]*string, len(items))
			for k, it := range items {
				s := it.text()
				out[k] = []*string{&s}
			}
			return out, nil
		},
	}
}

// numericMethod is .double(), .abs(), .floor() and .ceiling(); double also
// reads a string holding a number.
func numericMethod(name string, items []*jnode) ([]*jnode, error) {
	out := make([]*jnode, 0, len(items))
	for _, it := range items {
		text := it.text()
		if it.kind == jString && name == "double" {
			text = it.str
		} else if it.kind != jNumber {
			return nil, sqlstate.Errorf(sqlstate.Code("22036"), "jsonpath item method .%s() can only be applied to a numeric value", name)
		}
		r, ok := new(big.Rat).SetString(strings.TrimSpace(text))
		if !ok {
			return nil, sqlstate.Errorf(sqlstate.Code("22036"), "jsonpath item method .%s() can only be applied to a numeric value", name)
		}
		switch name {
		case "double":
			f, _ := r.Float64()
			if math.IsInf(f, 0) {
				return nil, sqlstate.Errorf(sqlstate.Code("22038"), "numeric argument of jsonpath item method .double() is out of range for type double precision")
			}
			out = append(out, &jnode{kind: jNumber, str: strconv.FormatFloat(f, 'g', -1, 64)})
			continue
		case "abs":
			r.Abs(r)
		case "floor", "ceiling":
			q := new(big.Int).Quo(r.Num(), r.Denom()) // toward zero
			if !r.IsInt() && (name == "floor") == (r.Sign() < 0) {
				q.Add(q, big.NewInt(int64(r.Sign())))
			}
			r.SetInt(q)
		}
		out = append(out, &jnode{kind: jNumber, str: ratText(r)})
	}
	return out, nil
}
