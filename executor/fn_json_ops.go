package executor

import (
	"cmp"
	"strconv"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"

	"github.com/sharehouse/sharehouse/executor/sqlstate"
	"github.com/sharehouse/sharehouse/executor/sqltype"
)

// The json/jsonb operators beyond -> and ->>: paths (#>, #>>), jsonb
// containment (@>, <@), key existence (?, ?|, ?&), concatenation (||),
// deletion (-, #-) and jsonb's comparisons, with PostgreSQL's operand
// types and errors.

var (
	jsonInfo      = infoOf(sqltype.T{OID: sqltype.JSON, Typmod: -1})
	jsonbInfo     = infoOf(sqltype.T{OID: sqltype.JSONB, Typmod: -1})
	textArrayInfo = infoOf(sqltype.T{OID: sqltype.TextArray, Typmod: -1})
)

func isJSONType(o sqltype.OID) bool { return o == sqltype.JSON || o == sqltype.JSONB }

// jsonOperandPeer is the type an unknown literal takes as the right
// operand of a json operator: a key, a path or a document.
func jsonOperandPeer(op string, left argInfo) (argInfo, bool) {
	if !isJSONType(left.T.OID) {
		return argInfo{}, false
	}
	switch op {
	case "?", "-", "@?", "@@", "->", "->>":
		return textInfo, true
	case "?|", "?&", "#>", "#>>", "#-":
		return textArrayInfo, true
	case "||", "@>", "<@":
		return left, true
	}
	return argInfo{}, false
}

// inferJSONOperand types an untyped parameter right of a json operator
// as jsonOperandPeer says.
func (x *execution) inferJSONOperand(op string, l, r Expr) Expr {
	p, ok := r.(*paramExpr)
	if !ok || p.t.OID != sqltype.Unknown {
		return r
	}
	if t, ok := jsonOperandPeer(canonicalOp(op), argOf(l)); ok {
		return x.typeParam(p, t.T)
	}
	return r
}

// resolveJSONOp resolves the json operators other than -> and ->>.
func resolveJSONOp(op string, l, r argInfo) (funcImpl, bool) {
	lo, ro := l.T.OID, r.T.OID
	isTextArray := ro == sqltype.TextArray || ro == sqltype.VarcharArray
	bin := func(args []argInfo, res argInfo, f func(b array.Builder, docs []*jnode, args []arrow.Array, i int) error) (funcImpl, bool) {
		ndocs := 1
		if isJSONType(args[1].T.OID) {
			ndocs = 2
		}
		return funcImpl{Name: op, Args: args, Result: res, Eval: jsonRowKernel(res.DT, ndocs, f)}, true
	}
	switch op {
	case "#>", "#>>":
		if !isJSONType(lo) || !isTextArray {
			return funcImpl{}, false
		}
		doc := infoOf(sqltype.T{OID: lo, Typmod: -1})
		res := doc
		if op == "#>>" {
			res = textInfo
		}
		return funcImpl{Name: op, Args: []argInfo{doc, textArrayInfo}, Result: res, Eval: jsonRowKernel(res.DT, 0, func(b array.Builder, _ []*jnode, args []arrow.Array, i int) error {
			steps, err := textArrayAt(args[1], i)
			if err != nil {
				return err
			}
			raw, ok := lookupPath(args[0].(*array.String).Value(i), steps)
			appendRaw(b, raw, ok, op == "#>>")
			return nil
		})}, true
	case "@>", "<@":
		if lo != sqltype.JSONB || ro != sqltype.JSONB {
			return funcImpl{}, false
		}
		return funcImpl{Name: op, Args: []argInfo{jsonbInfo, jsonbInfo}, Result: boolInfo, Eval: containsKernel(op == "<@")}, true
	case "?", "?|", "?&":
		if lo != sqltype.JSONB || (op == "?") != isString(ro) || (op != "?") != isTextArray {
			return funcImpl{}, false
		}
		key := textArrayInfo
		if op == "?" {
			key = textArg(r)
		}
		return funcImpl{Name: op, Args: []argInfo{jsonbInfo, key}, Result: boolInfo, Eval: jsonRowKernel(boolInfo.DT, 0, func(b array.Builder, _ []*jnode, args []arrow.Array, i int) error {
			var keys []*string
			if op == "?" {
				k := args[1].(*array.String).Value(i)
				keys = []*string{&k}
			} else {
				var err error
				if keys, err = textArrayAt(args[1], i); err != nil {
					return err
				}
			}
			all, some := true, false
			for _, k := range keys {
				if k == nil {
					continue
				}
				if hasKeyRaw(args[0].(*array.String).Value(i), *k) {
					some = true
				} else {
					all = false
				}
			}
			b.(*array.BooleanBuilder).Append(op == "?&" && all || op != "?&" && some)
			return nil
		})}, true
	case "||":
		if lo != sqltype.JSONB || ro != sqltype.JSONB {
			return funcImpl{}, false
		}
		return bin([]argInfo{jsonbInfo, jsonbInfo}, jsonbInfo, func(b array.Builder, docs []*jnode, _ []arrow.Array, _ int) error {
			return appendNode(b, jsonbConcat(docs[0], docs[1]))
		})
	case "-":
		if lo != sqltype.JSONB {
			return funcImpl{}, false
		}
		switch {
		case isString(ro):
			return bin([]argInfo{jsonbInfo, textArg(r)}, jsonbInfo, func(b array.Builder, docs []*jnode, args []arrow.Array, i int) error {
				k := args[1].(*array.String).Value(i)
				out, err := jsonbDeleteKeys(docs[0], []*string{&k})
				if err != nil {
					return err
				}
				return appendNode(b, out)
			})
		case isTextArray:
			return bin([]argInfo{jsonbInfo, textArrayInfo}, jsonbInfo, func(b array.Builder, docs []*jnode, args []arrow.Array, i int) error {
				keys, err := textArrayAt(args[1], i)
				if err != nil {
					return err
				}
				out, err := jsonbDeleteKeys(docs[0], keys)
				if err != nil {
					return err
				}
				return appendNode(b, out)
			})
		case isInt(ro):
			return bin([]argInfo{jsonbInfo, int4Info}, jsonbInfo, func(b array.Builder, docs []*jnode, args []arrow.Array, i int) error {
				out, err := jsonbDeleteIndex(docs[0], int(args[1].(*array.Int32).Value(i)))
				if err != nil {
					return err
				}
				return appendNode(b, out)
			})
		}
	case "@?", "@@":
		if lo != sqltype.JSONB || !isString(ro) {
			return funcImpl{}, false
		}
		mode := map[string]string{"@?": "exists", "@@": "match"}[op]
		return funcImpl{Name: op, Args: []argInfo{jsonbInfo, textArg(r)}, Result: boolInfo, Eval: jsonPathKernel(mode, boolInfo, true)}, true
	case "#-":
		if lo != sqltype.JSONB || !isTextArray {
			return funcImpl{}, false
		}
		return bin([]argInfo{jsonbInfo, textArrayInfo}, jsonbInfo, func(b array.Builder, docs []*jnode, args []arrow.Array, i int) error {
			steps, err := textArrayAt(args[1], i)
			if err != nil {
				return err
			}
			out, err := jsonbDeletePath(docs[0], steps)
			if err != nil {
				return err
			}
			return appendNode(b, out)
		})
	}
	return funcImpl{}, false
}

// jsonRowKernel runs f for every row whose arguments are all non-NULL,
// with the first ndocs arguments (json or jsonb) parsed into docs.
func jsonRowKernel(dt arrow.DataType, ndocs int, f func(b array.Builder, docs []*jnode, args []arrow.Array, i int) error) kernel {
	return func(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
		docs := make([]*jnode, ndocs)
		last := make([]string, ndocs) // a constant operand is parsed once
		return rowwise(ec.mem, dt, args, n, func(b array.Builder, args []arrow.Array, i int) error {
			for j := range docs {
				s := args[j].(*array.String).Value(i)
				if docs[j] != nil && s == last[j] {
					continue
				}
				d, err := parseJSON(s)
				if err != nil {
					return err
				}
				docs[j], last[j] = d, s
			}
			return f(b, docs, args, i)
		})
	}
}

// textArrayAt reads row i of a text[] argument.
func textArrayAt(a arrow.Array, i int) ([]*string, error) {
	elems, _, err := parseArrayValue(sqltype.TextArray, a.(*array.String).Value(i))
	return elems, err
}

// appendNode appends a document.
func appendNode(b array.Builder, n *jnode) error {
	b.(*array.StringBuilder).Append(n.text())
	return nil
}

// jsonbHasKey is ?: a top-level key, or a string element of a top-level
// array (or the string itself).
func jsonbHasKey(d *jnode, k string) bool {
	switch d.kind {
	case jObject:
		_, ok := d.field(k)
		return ok
	case jArray:
		for _, e := range d.vals {
			if e.kind == jString && e.str == k {
				return true
			}
		}
	case jString:
		return d.str == k
	}
	return false
}

// jsonbConcat is ||: objects merge (the right's keys win); otherwise both
// sides become arrays (a non-array as its one element) joined.
func jsonbConcat(a, b *jnode) *jnode {
	if a.kind == jObject && b.kind == jObject {
		out := &jnode{kind: jObject}
		out.keys = append(append(out.keys, a.keys...), b.keys...)
		out.vals = append(append(out.vals, a.vals...), b.vals...)
		out.normalizeObject()
		return out
	}
	elems := func(n *jnode) []*jnode {
		if n.kind == jArray {
			return n.vals
		}
		return []*jnode{n}
	}
	out := &jnode{kind: jArray}
	out.vals = append(append(out.vals, elems(a)...), elems(b)...)
	return out
}

func errDeleteFromScalar() error {
	return sqlstate.Errorf(sqlstate.InvalidParameterValue, "cannot delete from scalar")
}

// jsonbDeleteKeys is jsonb - text and - text[]: an object without those
// keys, an array without those strings.
func jsonbDeleteKeys(d *jnode, keys []*string) (*jnode, error) {
	drop := map[string]bool{}
	for _, k := range keys {
		if k != nil {
			drop[*k] = true
		}
	}
	switch d.kind {
	case jObject:
		out := &jnode{kind: jObject}
		for i, k := range d.keys {
			if !drop[k] {
				out.keys, out.vals = append(out.keys, k), append(out.vals, d.vals[i])
			}
		}
		return out, nil
	case jArray:
		out := &jnode{kind: jArray, vals: []*jnode{}}
		for _, e := range d.vals {
			if e.kind != jString || !drop[e.str] {
				out.vals = append(out.vals, e)
			}
		}
		return out, nil
	}
	return nil, errDeleteFromScalar()
}

// jsonbDeleteIndex is jsonb - int: an array without element k (from the
// end when negative; out of range changes nothing).
func jsonbDeleteIndex(d *jnode, k int) (*jnode, error) {
	switch d.kind {
	case jObject:
		return nil, sqlstate.Errorf(sqlstate.InvalidParameterValue, "cannot delete from object using integer index")
	case jArray:
	default:
		return nil, errDeleteFromScalar()
	}
	if k < 0 {
		k += len(d.vals)
	}
	if k < 0 || k >= len(d.vals) {
		return d, nil
	}
	out := &jnode{kind: jArray, vals: append(append([]*jnode{}, d.vals[:k]...), d.vals[k+1:]...)}
	return out, nil
}

// pathIndex reads an array subscript of a path; PostgreSQL refuses a
// step that is not an integer where an array is.
func pathIndex(s string, pos int) (int, error) {
	k, err := strconv.Atoi(s)
	if err != nil {
		return 0, sqlstate.Errorf(sqlstate.InvalidTextRepresentation, "path element at position %d is not an integer: %q", pos, s)
	}
	return k, nil
}

// jsonbDeletePath is #-: the document without the value at the path (a
// missing path changes nothing).
func jsonbDeletePath(d *jnode, steps []*string) (*jnode, error) {
	if d.kind != jObject && d.kind != jArray {
		return nil, sqlstate.Errorf(sqlstate.InvalidParameterValue, "cannot delete path in scalar")
	}
	for i, s := range steps {
		if s == nil {
			return nil, sqlstate.Errorf(sqlstate.NullValueNotAllowed, "path element at position %d is null", i+1)
		}
	}
	if len(steps) == 0 {
		return d, nil
	}
	return deletePath(d, steps, 1)
}

func deletePath(d *jnode, steps []*string, pos int) (*jnode, error) {
	s := *steps[0]
	switch d.kind {
	case jObject:
		for i, k := range d.keys {
			if k != s {
				continue
			}
			out := &jnode{kind: jObject, keys: append([]string{}, d.keys...), vals: append([]*jnode{}, d.vals...)}
			if len(steps) == 1 {
				out.keys = append(out.keys[:i], out.keys[i+1:]...)
				out.vals = append(out.vals[:i], out.vals[i+1:]...)
				return out, nil
			}
			v, err := deletePath(d.vals[i], steps[1:], pos+1)
			if err != nil {
				return nil, err
			}
			out.vals[i] = v
			return out, nil
		}
	case jArray:
		k, err := pathIndex(s, pos)
		if err != nil {
			return nil, err
		}
		if k < 0 {
			k += len(d.vals)
		}
		if k < 0 || k >= len(d.vals) {
			return d, nil
		}
		out := &jnode{kind: jArray, vals: append([]*jnode{}, d.vals...)}
		if len(steps) == 1 {
			out.vals = append(out.vals[:k], out.vals[k+1:]...)
			return out, nil
		}
		v, err := deletePath(d.vals[k], steps[1:], pos+1)
		if err != nil {
			return nil, err
		}
		out.vals[k] = v
		return out, nil
	}
	return d, nil
}

// cmpHolds reports whether three-way result c makes the operator of mask true.
func cmpHolds(mask uint8, c int) bool { return mask&(1<<(cmp.Compare(c, 0)+1)) != 0 }

// jsonbCompareKernel is jsonb's =, <>, <, <=, >, >= in jsonb's order.
func jsonbCompareKernel(op string) kernel {
	mask, _ := cmpMask(op)
	return jsonRowKernel(arrow.FixedWidthTypes.Boolean, 2, func(b array.Builder, docs []*jnode, _ []arrow.Array, _ int) error {
		b.(*array.BooleanBuilder).Append(cmpHolds(mask, compareJSONB(docs[0], docs[1], true)))
		return nil
	})
}

// jsonbOrder orders jsonb values for ORDER BY (documents parsed once).
func jsonbOrder(a *array.String) comparator {
	docs := make([]*jnode, a.Len())
	for i := range docs {
		if a.IsValid(i) {
			docs[i], _ = parseJSON(a.Value(i)) // stored jsonb is valid
		}
	}
	return func(i, j int) int {
		if docs[i] == nil || docs[j] == nil {
			return strings.Compare(a.Value(i), a.Value(j))
		}
		return compareJSONB(docs[i], docs[j], true)
	}
}

// hasKeyRaw is ? on a document's text: an object's key found by scanning,
// anything else parsed.
func hasKeyRaw(doc, k string) bool {
	if i := skipWS(doc, 0); i < len(doc) && doc[i] == '{' {
		_, ok := lookupField(doc, k)
		return ok
	}
	d, err := parseJSON(doc)
	return err == nil && jsonbHasKey(d, k)
}

// containsKernel is @> (or <@, reversed): the contained side, usually a
// constant, is parsed once per distinct value; the container is only
// scanned for the keys an object asks for.
func containsKernel(reversed bool) kernel {
	return func(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
		outer, inner := 0, 1
		if reversed {
			outer, inner = 1, 0
		}
		var want *jnode
		var last string
		return rowwise(ec.mem, arrow.FixedWidthTypes.Boolean, args, n, func(b array.Builder, args []arrow.Array, i int) error {
			if s := args[inner].(*array.String).Value(i); want == nil || s != last {
				d, err := parseJSON(s)
				if err != nil {
					return err
				}
				want, last = d, s
			}
			ok, err := containsRaw(args[outer].(*array.String).Value(i), want, true)
			if err != nil {
				return err
			}
			b.(*array.BooleanBuilder).Append(ok)
			return nil
		})
	}
}

// containsRaw is jsonbContains with the container as text: object pairs
// are looked up by scanning, other values parsed.
func containsRaw(doc string, want *jnode, top bool) (bool, error) {
	if i := skipWS(doc, 0); want.kind == jObject && i < len(doc) && doc[i] == '{' {
		for k, key := range want.keys {
			raw, ok := lookupField(doc, key)
			if !ok {
				return false, nil
			}
			if ok, err := containsRaw(raw, want.vals[k], false); !ok || err != nil {
				return false, err
			}
		}
		return true, nil
	}
	d, err := parseJSON(doc)
	if err != nil {
		return false, err
	}
	return jsonbContains(d, want, top), nil
}

// jsonbKeys returns jsonb values as grouping and hashing keys: equal
// documents (by jsonb's =, where 1.0 = 1) give equal text. Stored jsonb
// prints numbers in plain digits, so only a document with a '.' may hold
// a number with trailing fractional zeros.
func jsonbKeys(mem memory.Allocator, arr arrow.Array) arrow.Array {
	a, ok := arr.(*array.String)
	if !ok {
		arr.Retain()
		return arr
	}
	b := array.NewStringBuilder(mem)
	defer b.Release()
	for i := 0; i < a.Len(); i++ {
		if a.IsNull(i) {
			b.AppendNull()
			continue
		}
		b.Append(jsonbKeyText(a.Value(i)))
	}
	return b.NewArray()
}

// jsonbKeyText is a stored jsonb value's equality key.
func jsonbKeyText(s string) string {
	if strings.IndexByte(s, '.') < 0 {
		return s
	}
	d, err := parseJSON(s)
	if err != nil {
		return s
	}
	return string(d.appendPrinted(nil, true))
}
