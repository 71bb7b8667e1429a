package sqltype

import (
	"encoding/binary"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"

	"github.com/sharehouse/sharehouse/executor/sqlstate"
)

// Arrays (text[], int2[] …) and the vectors (int2vector, oidvector) are held
// as their text: an array literal '{a,"b c",NULL}', a vector's
// space-separated elements. Only one-dimensional arrays with lower bound 1
// are supported. The text form is canonicalized on input (each element
// through its type's input and output); the binary form is array_send's:
// ndim, has-null flag, element OID, (size, lower bound) per dimension, then
// each element as a length (-1 for NULL) and its binary form.

// isArrayType reports whether t is held as an array literal or vector text;
// elem is its element type and vector whether it is int2vector/oidvector.
func isArrayType(oid OID) (elem OID, vector, ok bool) {
	if e, ok := ArrayElem(oid); ok {
		return e, false, true
	}
	if e, ok := VectorElem(oid); ok {
		return e, true, true
	}
	return 0, false, false
}

// ParseArrayLiteral splits a one-dimensional array literal into its
// elements; a nil element is NULL. ok is false when s is malformed.
func ParseArrayLiteral(s string) (elems []*string, ok bool) {
	s = strings.TrimSpace(s)
	if len(s) < 2 || s[0] != '{' || s[len(s)-1] != '}' {
		return nil, false
	}
	body := s[1 : len(s)-1]
	if strings.TrimSpace(body) == "" {
		return nil, true
	}
	i := 0
	for {
		for i < len(body) && isSpace(body[i]) {
			i++
		}
		var sb strings.Builder
		quoted, any := false, false
		kept := 0 // bytes of sb that trailing-space trimming may not touch
		for i < len(body) && body[i] != ',' {
			c := body[i]
			switch {
			case c == '"':
				quoted, any = true, true
				i++
				for i < len(body) && body[i] != '"' {
					if body[i] == '\\' && i+1 < len(body) {
						i++
					}
					sb.WriteByte(body[i])
					i++
				}
				if i >= len(body) {
					return nil, false
				}
				i++
				kept = sb.Len()
			case c == '\\' && i+1 < len(body):
				sb.WriteByte(body[i+1])
				i += 2
				any = true
				kept = sb.Len()
			case c == '{' || c == '}':
				return nil, false // nested arrays are not supported
			default:
				sb.WriteByte(c)
				i++
				any = true
			}
		}
		v := sb.String()
		v = v[:kept] + strings.TrimRight(v[kept:], " \t\n\r\v\f")
		switch {
		case !any:
			return nil, false
		case !quoted && strings.EqualFold(v, "NULL"):
			elems = append(elems, nil)
		default:
			elems = append(elems, &v)
		}
		if i >= len(body) {
			return elems, true
		}
		i++ // the comma
	}
}

// FormatArrayLiteral writes elements as array_out does: double quotes
// around an element that is empty, spells NULL, or holds a space, quote,
// backslash, comma or brace.
func FormatArrayLiteral(elems []*string) string {
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
		if !needsQuotes(*e) {
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

func needsQuotes(s string) bool {
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

// splitArray reads the held text of an array or vector into elements.
func splitArray(s string, vector bool) ([]*string, bool) {
	if !vector {
		return ParseArrayLiteral(s)
	}
	var out []*string
	for _, f := range strings.Fields(s) {
		f := f
		out = append(out, &f)
	}
	return out, true
}

// joinArray writes elements as the held text of an array or vector.
func joinArray(elems []*string, vector bool) string {
	if !vector {
		return FormatArrayLiteral(elems)
	}
	parts := make([]string, len(elems))
	for i, e := range elems {
		if e != nil {
			parts[i] = *e
		}
	}
	return strings.Join(parts, " ")
}

// elemCodec converts one element between its text and binary forms through
// a one-value Arrow array of the element type.
type elemCodec struct {
	t               T
	textDec, binDec Decoder
	textEnc, binEnc Encoder
}

func newElemCodec(elem OID) (*elemCodec, error) {
	t := T{OID: elem, Typmod: -1}
	dt := t.Arrow()
	c := &elemCodec{t: t}
	var err error
	if c.textDec, err = TextDecoder(t, dt, Format{}); err != nil {
		return nil, err
	}
	if c.binDec, err = BinaryDecoder(t, dt); err != nil {
		return nil, err
	}
	if c.textEnc, err = TextEncoder(t, dt, Format{}); err != nil {
		return nil, err
	}
	if c.binEnc, err = BinaryEncoder(t, dt); err != nil {
		return nil, err
	}
	return c, nil
}

// convert decodes data with dec and encodes it back with enc.
func (c *elemCodec) convert(dec Decoder, enc Encoder, data []byte, buf []byte) ([]byte, error) {
	b := array.NewBuilder(memory.DefaultAllocator, c.t.Arrow())
	defer b.Release()
	if err := dec(b, data); err != nil {
		return nil, err
	}
	arr := b.NewArray()
	defer arr.Release()
	return enc(buf, arr, 0), nil
}

// arrayTextDecoder canonicalizes an array's (or vector's) text.
func arrayTextDecoder(t T) (Decoder, error) {
	elem, vector, _ := isArrayType(t.OID)
	c, err := newElemCodec(elem)
	if err != nil {
		return nil, err
	}
	return func(b array.Builder, data []byte) error {
		elems, ok := splitArray(string(data), vector)
		if !ok {
			return sqlstate.Errorf(sqlstate.InvalidTextRepresentation, "malformed array literal: \"%s\"", data)
		}
		for i, e := range elems {
			if e == nil {
				if vector {
					return invalidSyntax(t.String(), data)
				}
				continue
			}
			out, err := c.convert(c.textDec, c.textEnc, []byte(*e), nil)
			if err != nil {
				return err
			}
			s := string(out)
			elems[i] = &s
		}
		b.(*array.StringBuilder).Append(joinArray(elems, vector))
		return nil
	}, nil
}

// arrayBinaryEncoder writes the held text in array_send's form.
func arrayBinaryEncoder(t T) (Encoder, error) {
	elem, vector, _ := isArrayType(t.OID)
	c, err := newElemCodec(elem)
	if err != nil {
		return nil, err
	}
	return func(buf []byte, arr arrow.Array, i int) []byte {
		elems, ok := splitArray(arr.(*array.String).Value(i), vector)
		if !ok {
			elems = nil // held values are canonical; never reached
		}
		hasNull := int32(0)
		for _, e := range elems {
			if e == nil {
				hasNull = 1
			}
		}
		ndim := int32(1)
		if len(elems) == 0 {
			ndim = 0
		}
		buf = binary.BigEndian.AppendUint32(buf, uint32(ndim))
		buf = binary.BigEndian.AppendUint32(buf, uint32(hasNull))
		buf = binary.BigEndian.AppendUint32(buf, uint32(elem))
		if ndim == 1 {
			lower := uint32(1)
			if vector {
				lower = 0
			}
			buf = binary.BigEndian.AppendUint32(buf, uint32(len(elems)))
			buf = binary.BigEndian.AppendUint32(buf, lower)
		}
		for _, e := range elems {
			if e == nil {
				buf = binary.BigEndian.AppendUint32(buf, 0xffffffff)
				continue
			}
			at := len(buf)
			buf = append(buf, 0, 0, 0, 0)
			out, err := c.convert(c.textDec, c.binEnc, []byte(*e), buf)
			if err != nil {
				// Held values went through the element's input: never reached.
				out = append(buf, *e...)
			}
			buf = out
			binary.BigEndian.PutUint32(buf[at:], uint32(len(buf)-at-4))
		}
		return buf
	}, nil
}

// arrayBinaryDecoder reads array_recv's form into the held text.
func arrayBinaryDecoder(t T) (Decoder, error) {
	elem, vector, _ := isArrayType(t.OID)
	c, err := newElemCodec(elem)
	if err != nil {
		return nil, err
	}
	name := t.String()
	return func(b array.Builder, data []byte) error {
		word := func() (int32, error) {
			if len(data) < 4 {
				return 0, badBinary(name, "truncated array")
			}
			v := int32(binary.BigEndian.Uint32(data))
			data = data[4:]
			return v, nil
		}
		ndim, err := word()
		if err != nil {
			return err
		}
		if ndim < 0 || ndim > 1 {
			return badBinary(name, "only one-dimensional arrays are supported, got %d dimensions", ndim)
		}
		if _, err := word(); err != nil { // has-null flag
			return err
		}
		eoid, err := word()
		if err != nil {
			return err
		}
		if OID(eoid) != elem {
			return sqlstate.Errorf(sqlstate.DatatypeMismatch, "binary data has array element type %d instead of expected %d", eoid, elem)
		}
		n := int32(0)
		if ndim == 1 {
			if n, err = word(); err != nil {
				return err
			}
			if _, err := word(); err != nil { // lower bound
				return err
			}
			if n < 0 || int(n) > len(data)/4 {
				return badBinary(name, "array size %d out of range", n)
			}
		}
		elems := make([]*string, n)
		for i := range elems {
			l, err := word()
			if err != nil {
				return err
			}
			if l == -1 {
				if vector {
					return badBinary(name, "NULL element in a vector")
				}
				continue
			}
			if l < 0 || int(l) > len(data) {
				return badBinary(name, "element length %d out of range", l)
			}
			out, err := c.convert(c.binDec, c.textEnc, data[:l], nil)
			if err != nil {
				return err
			}
			data = data[l:]
			s := string(out)
			elems[i] = &s
		}
		if len(data) != 0 {
			return badBinary(name, "%d bytes left after the array", len(data))
		}
		b.(*array.StringBuilder).Append(joinArray(elems, vector))
		return nil
	}, nil
}
