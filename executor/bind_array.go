package executor

import (
	"context"
	"strconv"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"

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
// array_out's quoting: an element is double-quoted when it is empty, is
// NULL spelled as text, or holds a space, quote, backslash, comma or brace.
func formatArrayLiteral(elems []*string) string {
	var sb strings.Builder
	sb.WriteByte('{')
	for i, e := range elems {
		if i > 0 {
			sb.WriteByte(',')
		}
		if e == nil {
			sb.WriteString("NULL")
			continue
		}
		if !arrayElemNeedsQuotes(*e) {
			sb.WriteString(*e)
			continue
		}
		sb.WriteByte('"')
		for j := 0; j < len(*e); j++ {
			if c := (*e)[j]; c == '"' || c == '\\' {
				sb.WriteByte('\\')
			}
			sb.WriteByte((*e)[j])
		}
		sb.WriteByte('"')
	}
	sb.WriteByte('}')
	return sb.String()
}

func arrayElemNeedsQuotes(s string) bool {
	if s == "" || strings.EqualFold(s, "NULL") {
		return true
	}
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"', '\\', ',', '{', '}', ' ', '\t', '\n', '\r', '\v', '\f':
			return true
		}
	}
	return false
}

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
	return ok || isString(o) || o == sqltype.Unknown
}

// castArray binds casts to and from the array types: a literal to an array
// type is checked and written canonically; an array to text is its literal.
func (b *binder) castArray(arg Expr, t sqltype.T, loc int32) (Expr, bool, error) {
	from := arg.Type().OID
	_, toArray := sqltype.ArrayElem(t.OID)
	_, fromArray := sqltype.ArrayElem(from)
	param := arg.Type()
	if from == sqltype.Unknown {
		param = tText
	}
	switch {
	case toArray && isArrayLike(from):
		e, err := b.catCall(t.String(), []Expr{arg}, sig(param), t, true, func(a []any) (any, error) {
			elems, ok := parseArrayLiteral(argStr(a[0]))
			if !ok {
				return nil, sqlstate.Errorf(sqlstate.InvalidTextRepresentation, "malformed array literal: %q", argStr(a[0]))
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
