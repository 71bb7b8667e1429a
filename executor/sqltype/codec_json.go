package sqltype

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"sort"
	"strconv"
	"unicode/utf8"

	"github.com/apache/arrow/go/v17/arrow/array"

	"github.com/sharehouse/sharehouse/executor/sqlstate"
)

// json keeps its input text as is (once it is valid JSON); jsonb keeps a
// value, so its text is normalized the way PostgreSQL prints jsonb: object
// keys ordered by length then bytes with the last of duplicates kept,
// ", " and ": " between items, numbers as numeric prints them, strings
// re-escaped. Values are stored as that text.

// ValidJSON checks data as json's input function does.
func ValidJSON(data []byte) error {
	if err := checkUTF8(data); err != nil {
		return err
	}
	if !json.Valid(data) {
		return invalidSyntax("json", data)
	}
	return nil
}

// NormalizeJSONB returns data, valid JSON, as jsonb prints it.
func NormalizeJSONB(data []byte) ([]byte, error) {
	if err := checkUTF8(data); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, invalidSyntax("json", data)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, invalidSyntax("json", data)
	}
	return appendJSONB(nil, v)
}

func appendJSONB(buf []byte, v any) ([]byte, error) {
	var err error
	switch x := v.(type) {
	case nil:
		return append(buf, "null"...), nil
	case bool:
		return strconv.AppendBool(buf, x), nil
	case json.Number:
		n, ok, _ := parseNumeric([]byte(x), nil)
		if !ok {
			return nil, invalidSyntax("json", []byte(x))
		}
		if n.isZero() {
			n.neg = false // numeric has no negative zero
		}
		return n.appendText(buf), nil
	case string:
		return AppendJSONString(buf, x)
	case []any:
		buf = append(buf, '[')
		for i, e := range x {
			if i > 0 {
				buf = append(buf, ", "...)
			}
			if buf, err = appendJSONB(buf, e); err != nil {
				return nil, err
			}
		}
		return append(buf, ']'), nil
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool {
			if len(keys[i]) != len(keys[j]) {
				return len(keys[i]) < len(keys[j])
			}
			return keys[i] < keys[j]
		})
		buf = append(buf, '{')
		for i, k := range keys {
			if i > 0 {
				buf = append(buf, ", "...)
			}
			if buf, err = AppendJSONString(buf, k); err != nil {
				return nil, err
			}
			buf = append(buf, ": "...)
			if buf, err = appendJSONB(buf, x[k]); err != nil {
				return nil, err
			}
		}
		return append(buf, '}'), nil
	}
	return nil, sqlstate.Errorf(sqlstate.InternalError, "jsonb: unexpected %T", v)
}

// AppendJSONString appends s as a JSON string escaped as PostgreSQL's
// escape_json does; a NUL, which text cannot hold, is 22P05 as in jsonb.
func AppendJSONString(buf []byte, s string) ([]byte, error) {
	buf = append(buf, '"')
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == 0:
			return nil, sqlstate.Errorf(sqlstate.Code("22P05"), "unsupported Unicode escape sequence").
				WithDetail(`\u0000 cannot be converted to text.`)
		case c == '"':
			buf = append(buf, `\"`...)
		case c == '\\':
			buf = append(buf, `\\`...)
		case c == '\b':
			buf = append(buf, `\b`...)
		case c == '\f':
			buf = append(buf, `\f`...)
		case c == '\n':
			buf = append(buf, `\n`...)
		case c == '\r':
			buf = append(buf, `\r`...)
		case c == '\t':
			buf = append(buf, `\t`...)
		case c < 0x20:
			buf = append(buf, `\u00`...)
			buf = append(buf, hexDigits[c>>4], hexDigits[c&15])
		default:
			_, size := utf8.DecodeRuneInString(s[i:])
			buf = append(buf, s[i:i+size]...)
			i += size
			continue
		}
		i++
	}
	return append(buf, '"'), nil
}

func decodeJSONBText(b array.Builder, data []byte) error {
	out, err := NormalizeJSONB(data)
	if err != nil {
		return err
	}
	b.(*array.StringBuilder).BinaryBuilder.Append(out)
	return nil
}
