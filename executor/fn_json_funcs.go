package executor

import (
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"

	"github.com/sharehouse/sharehouse/executor/sqlstate"
	"github.com/sharehouse/sharehouse/executor/sqltype"
)

// The json/jsonb processing functions: json[b]_typeof,
// json[b]_array_length, json[b]_extract_path[_text], jsonb_set,
// jsonb_insert, jsonb_set_lax, json[b]_strip_nulls, jsonb_pretty and json[b]_object.

type jsonRowFunc = func(b array.Builder, docs []*jnode, args []arrow.Array, i int) error

func jsonQueryFunctions(name string) []overload {
	doc, docInfo := sqltype.JSON, jsonInfo
	if strings.HasPrefix(name, "jsonb") {
		doc, docInfo = sqltype.JSONB, jsonbInfo
	}
	ovl := func(ps []sqltype.OID, res argInfo, f jsonRowFunc) overload {
		ndocs := 0
		for _, p := range ps {
			if isJSONType(p) {
				ndocs++
			}
		}
		return ov(ps, res.T, jsonRowKernel(res.DT, ndocs, f))
	}
	switch name {
	case "json_typeof", "jsonb_typeof":
		return []overload{ovl(params(doc), textInfo, func(b array.Builder, docs []*jnode, _ []arrow.Array, _ int) error {
			b.(*array.StringBuilder).Append(jkindNames[docs[0].kind])
			return nil
		})}
	case "json_array_length", "jsonb_array_length":
		return []overload{ovl(params(doc), int4Info, func(b array.Builder, docs []*jnode, _ []arrow.Array, _ int) error {
			switch docs[0].kind {
			case jArray:
				b.(*array.Int32Builder).Append(int32(len(docs[0].vals)))
				return nil
			case jObject:
				return sqlstate.Errorf(sqlstate.InvalidParameterValue, "cannot get array length of a non-array")
			}
			return sqlstate.Errorf(sqlstate.InvalidParameterValue, "cannot get array length of a scalar")
		})}
	case "json_extract_path", "jsonb_extract_path", "json_extract_path_text", "jsonb_extract_path_text":
		res, asText := docInfo, strings.HasSuffix(name, "_text")
		if asText {
			res = textInfo
		}
		o := ov(params(doc, sqltype.Text), res.T, jsonRowKernel(res.DT, 0, func(b array.Builder, _ []*jnode, args []arrow.Array, i int) error {
			steps := make([]*string, len(args)-1)
			for j, a := range args[1:] {
				s := a.(*array.String).Value(i)
				steps[j] = &s
			}
			raw, ok := lookupPath(args[0].(*array.String).Value(i), steps)
			appendRaw(b, raw, ok, asText)
			return nil
		}))
		o.variadic = true
		return []overload{o}
	case "jsonb_set", "jsonb_insert":
		insert := name == "jsonb_insert"
		f := func(b array.Builder, docs []*jnode, args []arrow.Array, i int) error {
			steps, err := textArrayAt(args[1], i)
			if err != nil {
				return err
			}
			flag := !insert // create_missing defaults to true, insert_after to false
			if len(args) == 4 {
				flag = args[3].(*array.Boolean).Value(i)
			}
			nv, err := parseJSON(args[2].(*array.String).Value(i))
			if err != nil {
				return err
			}
			out, err := jsonbSetPath(docs[0], steps, nv, insert, flag)
			if err != nil {
				return err
			}
			return appendNode(b, out)
		}
		// The new value is parsed by f: only the target counts as a doc.
		mk := func(ps []sqltype.OID) overload {
			return ov(ps, sqltype.T{OID: sqltype.JSONB, Typmod: -1}, jsonRowKernel(jsonbInfo.DT, 1, f))
		}
		return []overload{
			mk(params(sqltype.JSONB, sqltype.TextArray, sqltype.JSONB)),
			mk(params(sqltype.JSONB, sqltype.TextArray, sqltype.JSONB, sqltype.Bool)),
		}
	case "jsonb_set_lax":
		return jsonbSetLaxFunctions()
	case "json_strip_nulls", "jsonb_strip_nulls":
		return []overload{ovl(params(doc), docInfo, func(b array.Builder, docs []*jnode, _ []arrow.Array, _ int) error {
			out := stripNulls(docs[0])
			if doc == sqltype.JSON {
				b.(*array.StringBuilder).Append(string(out.appendCompact(nil)))
				return nil
			}
			return appendNode(b, out)
		})}
	case "jsonb_pretty":
		return []overload{ovl(params(sqltype.JSONB), textInfo, func(b array.Builder, docs []*jnode, _ []arrow.Array, _ int) error {
			b.(*array.StringBuilder).Append(string(docs[0].appendPretty(nil, 0)))
			return nil
		})}
	case "json_object", "jsonb_object":
		return []overload{
			ovl(params(sqltype.TextArray), docInfo, func(b array.Builder, _ []*jnode, args []arrow.Array, i int) error {
				elems, err := textArrayAt(args[0], i)
				if err != nil {
					return err
				}
				if len(elems)%2 != 0 {
					return sqlstate.Errorf(sqlstate.Code("2202E"), "array must have even number of elements")
				}
				var keys, vals []*string
				for k := 0; k < len(elems); k += 2 {
					keys, vals = append(keys, elems[k]), append(vals, elems[k+1])
				}
				return appendTextObject(b, keys, vals, doc == sqltype.JSONB)
			}),
			ovl(params(sqltype.TextArray, sqltype.TextArray), docInfo, func(b array.Builder, _ []*jnode, args []arrow.Array, i int) error {
				keys, err := textArrayAt(args[0], i)
				if err != nil {
					return err
				}
				vals, err := textArrayAt(args[1], i)
				if err != nil {
					return err
				}
				if len(keys) != len(vals) {
					return sqlstate.Errorf(sqlstate.Code("2202E"), "mismatched array dimensions")
				}
				return appendTextObject(b, keys, vals, doc == sqltype.JSONB)
			}),
		}
	}
	return nil
}

// appendTextObject is json_object's result: text keys to text values (a
// NULL value as null, a NULL key refused).
func appendTextObject(b array.Builder, keys, vals []*string, binary bool) error {
	out := &jnode{kind: jObject}
	for k, key := range keys {
		if key == nil {
			return sqlstate.Errorf(sqlstate.NullValueNotAllowed, "null value not allowed for object key")
		}
		v := &jnode{kind: jNull}
		if vals[k] != nil {
			v = &jnode{kind: jString, str: *vals[k]}
		}
		out.keys, out.vals = append(out.keys, *key), append(out.vals, v)
	}
	if !binary {
		// json's object functions print " : " between key and value.
		parts := make([]string, len(out.keys))
		for k, key := range out.keys {
			parts[k] = jsonString(key) + " : " + out.vals[k].text()
		}
		b.(*array.StringBuilder).Append("{" + strings.Join(parts, ", ") + "}")
		return nil
	}
	out.normalizeObject()
	return appendNode(b, out)
}

// stripNulls drops object fields whose value is null, at every depth.
func stripNulls(n *jnode) *jnode {
	switch n.kind {
	case jObject:
		out := &jnode{kind: jObject}
		for i, k := range n.keys {
			if n.vals[i].kind != jNull {
				out.keys, out.vals = append(out.keys, k), append(out.vals, stripNulls(n.vals[i]))
			}
		}
		return out
	case jArray:
		out := &jnode{kind: jArray, vals: make([]*jnode, len(n.vals))}
		for i, v := range n.vals {
			out.vals[i] = stripNulls(v)
		}
		return out
	}
	return n
}

// appendCompact prints without spaces, as json's processing functions
// print the documents they rebuild (scalars as written).
func (n *jnode) appendCompact(buf []byte) []byte {
	switch n.kind {
	case jArray:
		buf = append(buf, '[')
		for i, v := range n.vals {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = v.appendCompact(buf)
		}
		return append(buf, ']')
	case jObject:
		buf = append(buf, '{')
		for i, k := range n.keys {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = append(buf, jsonString(k)...)
			buf = append(buf, ':')
			buf = n.vals[i].appendCompact(buf)
		}
		return append(buf, '}')
	}
	return n.appendText(buf)
}

// appendPretty is jsonb_pretty: four spaces a level, every item on its
// own line, an empty container's brackets on two lines.
func (n *jnode) appendPretty(buf []byte, depth int) []byte {
	indent := func(d int) {
		buf = append(buf, '\n')
		buf = append(buf, strings.Repeat("    ", d)...)
	}
	switch n.kind {
	case jArray:
		buf = append(buf, '[')
		for i, v := range n.vals {
			if i > 0 {
				buf = append(buf, ',')
			}
			indent(depth + 1)
			buf = v.appendPretty(buf, depth+1)
		}
		indent(depth)
		return append(buf, ']')
	case jObject:
		buf = append(buf, '{')
		for i, k := range n.keys {
			if i > 0 {
				buf = append(buf, ',')
			}
			indent(depth + 1)
			buf = append(buf, jsonString(k)...)
			buf = append(buf, ": "...)
			buf = n.vals[i].appendPretty(buf, depth+1)
		}
		indent(depth)
		return append(buf, '}')
	}
	return n.appendText(buf)
}

// jsonbSetPath is jsonb_set (insert false; flag: create the last step when
// missing) and jsonb_insert (insert true; flag: after the array position).
func jsonbSetPath(d *jnode, steps []*string, nv *jnode, insert, flag bool) (*jnode, error) {
	if d.kind != jObject && d.kind != jArray {
		return nil, sqlstate.Errorf(sqlstate.InvalidParameterValue, "cannot set path in scalar")
	}
	for i, s := range steps {
		if s == nil {
			return nil, sqlstate.Errorf(sqlstate.NullValueNotAllowed, "path element at position %d is null", i+1)
		}
	}
	if len(steps) == 0 {
		return d, nil
	}
	return setPath(d, steps, nv, insert, flag, 1)
}

func setPath(d *jnode, steps []*string, nv *jnode, insert, flag bool, pos int) (*jnode, error) {
	s, last := *steps[0], len(steps) == 1
	switch d.kind {
	case jObject:
		for i, k := range d.keys {
			if k != s {
				continue
			}
			out := &jnode{kind: jObject, keys: d.keys, vals: append([]*jnode{}, d.vals...)}
			if last {
				if insert {
					return nil, sqlstate.Errorf(sqlstate.InvalidParameterValue, "cannot replace existing key").
						WithHint("Try using the function jsonb_set to replace key value.")
				}
				out.vals[i] = nv
				return out, nil
			}
			v, err := setPath(d.vals[i], steps[1:], nv, insert, flag, pos+1)
			if err != nil {
				return nil, err
			}
			out.vals[i] = v
			return out, nil
		}
		if last && (insert || flag) {
			out := &jnode{kind: jObject, keys: append(append([]string{}, d.keys...), s), vals: append(append([]*jnode{}, d.vals...), nv)}
			out.normalizeObject()
			return out, nil
		}
	case jArray:
		k, err := pathIndex(s, pos)
		if err != nil {
			return nil, err
		}
		n := len(d.vals)
		if k < 0 {
			k += n
		}
		if k < 0 || k >= n {
			if !last || !(insert || flag) {
				return d, nil
			}
			// Out of range: before the first element or after the last.
			at := n
			if k < 0 {
				at = 0
			}
			return &jnode{kind: jArray, vals: insertAt(d.vals, at, nv)}, nil
		}
		if last {
			if insert {
				at := k
				if flag {
					at = k + 1
				}
				return &jnode{kind: jArray, vals: insertAt(d.vals, at, nv)}, nil
			}
			out := &jnode{kind: jArray, vals: append([]*jnode{}, d.vals...)}
			out.vals[k] = nv
			return out, nil
		}
		v, err := setPath(d.vals[k], steps[1:], nv, insert, flag, pos+1)
		if err != nil {
			return nil, err
		}
		out := &jnode{kind: jArray, vals: append([]*jnode{}, d.vals...)}
		out.vals[k] = v
		return out, nil
	}
	return d, nil
}

func insertAt(vals []*jnode, at int, v *jnode) []*jnode {
	out := make([]*jnode, 0, len(vals)+1)
	out = append(out, vals[:at]...)
	out = append(out, v)
	return append(out, vals[at:]...)
}
