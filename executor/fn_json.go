package executor

import (
	"encoding/json"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"

	"github.com/sharehouse/sharehouse/executor/sqlstate"
	"github.com/sharehouse/sharehouse/executor/sqltype"
)

// JSON constructors: json_build_object, json_build_array, to_json and their
// jsonb twins. Clients build small documents with them in catalog queries
// (SQLAlchemy's column reflection asks for identity options as one). Values
// become JSON as PostgreSQL's to_json makes them: numbers and booleans bare,
// json as is, arrays as JSON arrays, timestamps in ISO 8601, the rest as
// strings of their text form.

func jsonFunctions(name string) []overload {
	if o := jsonQueryFunctions(name); o != nil {
		return o
	}
	if o := jsonPathFunctions(name); o != nil {
		return o
	}
	jsonT, jsonbT := sqltype.T{OID: sqltype.JSON, Typmod: -1}, sqltype.T{OID: sqltype.JSONB, Typmod: -1}
	res := jsonT
	if strings.HasPrefix(name, "jsonb") || name == "to_jsonb" {
		res = jsonbT
	}
	build := func(object bool) []overload {
		k := func(args []argInfo) kernel { return jsonBuildKernel(args, object, false, res.OID == sqltype.JSONB) }
		empty := "[]"
		if object {
			empty = "{}"
		}
		return []overload{
			{params: params(pAny), variadic: true, nonStrict: true, result: fixedResult(res), kernel: k},
			{params: nil, result: fixedResult(res), kernel: func([]argInfo) kernel { return constStringKernel(empty) }},
		}
	}
	switch name {
	case "json_build_object", "jsonb_build_object":
		return build(true)
	case "json_build_array", "jsonb_build_array":
		return build(false)
	case "to_json", "to_jsonb":
		return []overload{{params: params(pAny), result: fixedResult(res),
			kernel: func(args []argInfo) kernel { return jsonBuildKernel(args, false, true, res.OID == sqltype.JSONB) }}}
	}
	return nil
}

// constStringKernel returns s for every row.
func constStringKernel(s string) kernel {
	return func(ec *evalContext, _ []arrow.Array, n int) (arrow.Array, error) {
		b := array.NewStringBuilder(ec.mem)
		defer b.Release()
		for i := 0; i < n; i++ {
			b.Append(s)
		}
		return b.NewArray(), nil
	}
}

// jsonBuildKernel makes an object of key/value argument pairs, an array of
// the arguments, or (single) the one argument's JSON value for to_json;
// binary: as jsonb.
func jsonBuildKernel(infos []argInfo, object, single, binary bool) kernel {
	return func(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
		if object && len(args)%2 != 0 {
			return nil, sqlstate.Errorf(sqlstate.InvalidParameterValue, "argument list must have even number of elements").
				WithHint("The arguments of json_build_object() must consist of alternating keys and values.")
		}
		ss := make([]*stringer, len(args))
		for i, a := range args {
			s, err := newStringer(ec, a, infos[i], true)
			if err != nil {
				return nil, err
			}
			ss[i] = s
		}
		b := array.NewStringBuilder(ec.mem)
		defer b.Release()
		b.Reserve(n)
		o := ec.newValueOut("the JSON values")
		for i := 0; i < n; i++ {
			vals := make([]string, len(args))
			var size int64 // the document's bytes: values, separators, braces
			for j, a := range args {
				if a.IsNull(i) {
					vals[j] = "null"
				} else {
					vals[j] = jsonValue(infos[j].T.OID, ss[j].get(i), binary)
				}
				// PostgreSQL builds the document in one string buffer.
				if more := int64(len(vals[j])) + 3; size+more > ec.maxValue() {
					return nil, errStringBuffer(size, more)
				}
				size += int64(len(vals[j])) + 3
			}
			if err := o.add(size, errAllocSize); err != nil {
				return nil, err
			}
			switch {
			case single && args[0].IsNull(i):
				b.AppendNull() // to_json is strict
			case single:
				if err := appendJSON(b, vals[0], binary); err != nil {
					return nil, err
				}
			case object:
				out, err := jsonObject(args, vals, i, binary)
				if err != nil {
					return nil, err
				}
				if err := appendJSON(b, out, binary); err != nil {
					return nil, err
				}
			default:
				if err := appendJSON(b, "["+strings.Join(vals, ", ")+"]", binary); err != nil {
					return nil, err
				}
			}
		}
		return b.NewArray(), nil
	}
}

// appendJSON appends a built document; jsonb's is normalized as jsonb
// prints (keys ordered, the last of duplicates kept, numbers as numeric).
func appendJSON(b *array.StringBuilder, doc string, binary bool) error {
	if !binary {
		b.Append(doc)
		return nil
	}
	out, err := sqltype.NormalizeJSONB([]byte(doc))
	if err != nil {
		return err
	}
	b.BinaryBuilder.Append(out)
	return nil
}

// jsonObject joins key/value pairs; vals holds each argument's JSON form.
func jsonObject(args []arrow.Array, vals []string, row int, binary bool) (string, error) {
	type kv struct{ k, v string }
	var pairs []kv
	for j := 0; j < len(args); j += 2 {
		if args[j].IsNull(row) {
			return "", sqlstate.Errorf(sqlstate.InvalidParameterValue, "argument %d cannot be null", j+1).
				WithHint("Object keys should be text.")
		}
		var key string
		if err := json.Unmarshal([]byte(vals[j]), &key); err != nil {
			key = vals[j] // a number or boolean key: its text
		}
		pairs = append(pairs, kv{key, vals[j+1]})
	}
	sep := " : "
	if binary {
		sep = ": "
	}
	parts := make([]string, len(pairs))
	for i, p := range pairs {
		parts[i] = jsonString(p.k) + sep + p.v
	}
	return "{" + strings.Join(parts, ", ") + "}", nil
}

// jsonValue is the JSON form of a non-NULL value of type t whose text form
// is s; binary spaces arrays as jsonb prints them.
func jsonValue(t sqltype.OID, s string, binary bool) string {
	switch {
	case t == sqltype.JSON || t == sqltype.JSONB:
		return s
	case t == sqltype.Bool:
		return s // the stringer prints true/false
	case isInt(t) || t == sqltype.Oid:
		return s
	case isFloat(t) || t == sqltype.Numeric:
		switch s {
		case "NaN", "Infinity", "-Infinity": // not JSON numbers
			return jsonString(s)
		}
		return s
	case t == sqltype.Timestamp || t == sqltype.Timestamptz:
		return jsonString(isoTimestamp(s))
	}
	if elem, ok := sqltype.ArrayElem(t); ok {
		items, ok := parseArrayLiteral(s)
		if ok {
			parts := make([]string, len(items))
			for i, it := range items {
				if it == nil {
					parts[i] = "null"
				} else {
					parts[i] = jsonValue(elem, *it, binary)
				}
			}
			if binary {
				return "[" + strings.Join(parts, ", ") + "]"
			}
			return "[" + strings.Join(parts, ",") + "]"
		}
	}
	return jsonString(s)
}

// isoTimestamp turns timestamp output ("2024-01-02 15:30:00+00") into
// ISO 8601 as JSON has it ("2024-01-02T15:30:00+00:00").
func isoTimestamp(s string) string {
	s = strings.Replace(s, " ", "T", 1)
	if i := strings.LastIndexAny(s, "+-"); i > len("2006-01-02T") {
		if off := s[i+1:]; len(off) == 2 {
			s += ":00"
		}
	}
	return s
}

// jsonString quotes s as a JSON string, escaping as PostgreSQL does (text
// holds no NUL, the one character AppendJSONString refuses).
func jsonString(s string) string {
	out, _ := sqltype.AppendJSONString(nil, s)
	return string(out)
}

// resolveJSONGet is -> and ->> on json and jsonb: an object's field by
// text key or an array's element by integer index (negative from the
// end). -> returns the value as the document's type, ->> as text (a
// string unquoted, JSON null as NULL). A missing field is NULL.
func resolveJSONGet(op string, l, r argInfo) (funcImpl, bool) {
	lo, ro := l.T.OID, r.T.OID
	if lo != sqltype.JSON && lo != sqltype.JSONB {
		return funcImpl{}, false
	}
	var key argInfo
	switch {
	case isString(ro):
		key = textArg(r)
	case isInt(ro):
		key = int4Info
	default:
		return funcImpl{}, false
	}
	res, asText := infoOf(sqltype.T{OID: lo, Typmod: -1}), op == "->>"
	if asText {
		res = textInfo
	}
	byIndex := key.T.OID == sqltype.Int4
	return funcImpl{Name: op, Args: []argInfo{infoOf(sqltype.T{OID: lo, Typmod: -1}), key}, Result: res,
		Eval: func(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
			docs := args[0].(*array.String)
			return rowwise(ec.mem, arrow.BinaryTypes.String, args, n, func(b array.Builder, args []arrow.Array, i int) error {
				var raw string
				var ok bool
				if byIndex {
					raw, ok = lookupElem(docs.Value(i), int(args[1].(*array.Int32).Value(i)))
				} else {
					raw, ok = lookupField(docs.Value(i), args[1].(*array.String).Value(i))
				}
				appendRaw(b, raw, ok, asText)
				return nil
			})
		}}, true
}
