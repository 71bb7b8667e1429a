package sqltype

import (
	"encoding/binary"
	"math"
	"strconv"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
)

// bool

func encodeBoolText(buf []byte, arr arrow.Array, i int) []byte {
	if arr.(*array.Boolean).Value(i) {
		return append(buf, 't')
	}
	return append(buf, 'f')
}

func encodeBoolBinary(buf []byte, arr arrow.Array, i int) []byte {
	if arr.(*array.Boolean).Value(i) {
		return append(buf, 1)
	}
	return append(buf, 0)
}

// parseBool is PostgreSQL's parse_bool: any unique prefix of true, false,
// yes, no, on (two letters at least), off, and 1 or 0, in any case.
func parseBool(s []byte) (v, ok bool) {
	if len(s) == 0 {
		return false, false
	}
	prefix := func(w string) bool { return len(s) <= len(w) && equalFold(s, w[:len(s)]) }
	switch s[0] {
	case 't', 'T':
		return true, prefix("true")
	case 'f', 'F':
		return false, prefix("false")
	case 'y', 'Y':
		return true, prefix("yes")
	case 'n', 'N':
		return false, prefix("no")
	case 'o', 'O':
		if len(s) < 2 {
			return false, false
		}
		if prefix("on") {
			return true, true
		}
		return false, prefix("off")
	case '1':
		return true, len(s) == 1
	case '0':
		return false, len(s) == 1
	}
	return false, false
}

func decodeBoolText(b array.Builder, data []byte) error {
	v, ok := parseBool(trimSpace(data))
	if !ok {
		return invalidSyntax("boolean", data)
	}
	b.(*array.BooleanBuilder).Append(v)
	return nil
}

func decodeBoolBinary(b array.Builder, data []byte) error {
	if len(data) != 1 {
		return badBinary("boolean", "%d bytes, want 1", len(data))
	}
	b.(*array.BooleanBuilder).Append(data[0] != 0)
	return nil
}

// integers

func encodeInt16Text(buf []byte, arr arrow.Array, i int) []byte {
	return strconv.AppendInt(buf, int64(arr.(*array.Int16).Value(i)), 10)
}

func encodeInt32Text(buf []byte, arr arrow.Array, i int) []byte {
	return strconv.AppendInt(buf, int64(arr.(*array.Int32).Value(i)), 10)
}

func encodeInt64Text(buf []byte, arr arrow.Array, i int) []byte {
	return strconv.AppendInt(buf, arr.(*array.Int64).Value(i), 10)
}

func encodeUint32Text(buf []byte, arr arrow.Array, i int) []byte {
	return strconv.AppendUint(buf, uint64(arr.(*array.Uint32).Value(i)), 10)
}

func encodeInt16Binary(buf []byte, arr arrow.Array, i int) []byte {
	return binary.BigEndian.AppendUint16(buf, uint16(arr.(*array.Int16).Value(i)))
}

func encodeInt32Binary(buf []byte, arr arrow.Array, i int) []byte {
	return binary.BigEndian.AppendUint32(buf, uint32(arr.(*array.Int32).Value(i)))
}

func encodeInt64Binary(buf []byte, arr arrow.Array, i int) []byte {
	return binary.BigEndian.AppendUint64(buf, uint64(arr.(*array.Int64).Value(i)))
}

func encodeUint32Binary(buf []byte, arr arrow.Array, i int) []byte {
	return binary.BigEndian.AppendUint32(buf, arr.(*array.Uint32).Value(i))
}

// parseInt is PostgreSQL 15's pg_strtoint: optional whitespace, an optional
// sign, decimal digits, optional whitespace. rangeErr is set when the digits
// do not fit in bits; ok is false for bad syntax.
func parseInt(s []byte, bits int) (v int64, ok, rangeErr bool) {
	i := 0
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	start := i
	// Accumulate negatively, so the most negative value fits.
	limit := -int64(1) << (bits - 1)
	var acc int64
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		d := int64(s[i] - '0')
		if acc < (limit+d)/10 {
			return 0, true, true
		}
		acc = acc*10 - d
	}
	if i == start {
		return 0, false, false
	}
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	if i != len(s) {
		return 0, false, false
	}
	if !neg {
		if acc == limit {
			return 0, true, true
		}
		acc = -acc
	}
	return acc, true, false
}

func decodeInt(data []byte, bits int, typ string) (int64, error) {
	v, ok, rangeErr := parseInt(data, bits)
	if rangeErr {
		return 0, outOfRange(typ, data)
	}
	if !ok {
		return 0, invalidSyntax(typ, data)
	}
	return v, nil
}

func decodeInt16Text(b array.Builder, data []byte) error {
	v, err := decodeInt(data, 16, "smallint")
	if err == nil {
		b.(*array.Int16Builder).Append(int16(v))
	}
	return err
}

func decodeInt32Text(b array.Builder, data []byte) error {
	v, err := decodeInt(data, 32, "integer")
	if err == nil {
		b.(*array.Int32Builder).Append(int32(v))
	}
	return err
}

func decodeInt64Text(b array.Builder, data []byte) error {
	v, err := decodeInt(data, 64, "bigint")
	if err == nil {
		b.(*array.Int64Builder).Append(v)
	}
	return err
}

// decodeOidText is oidin: like strtoul, so -1 is 4294967295.
func decodeOidText(b array.Builder, data []byte) error {
	v, ok, rangeErr := parseInt(data, 64)
	if !ok {
		return invalidSyntax("oid", data)
	}
	if rangeErr || v < math.MinInt32 || v > math.MaxUint32 {
		return outOfRange("oid", data)
	}
	b.(*array.Uint32Builder).Append(uint32(v))
	return nil
}

func fixedBinary(n int, typ string, data []byte) error {
	if len(data) != n {
		return badBinary(typ, "%d bytes, want %d", len(data), n)
	}
	return nil
}

func decodeInt16Binary(b array.Builder, data []byte) error {
	if err := fixedBinary(2, "smallint", data); err != nil {
		return err
	}
	b.(*array.Int16Builder).Append(int16(binary.BigEndian.Uint16(data)))
	return nil
}

func decodeInt32Binary(b array.Builder, data []byte) error {
	if err := fixedBinary(4, "integer", data); err != nil {
		return err
	}
	b.(*array.Int32Builder).Append(int32(binary.BigEndian.Uint32(data)))
	return nil
}

func decodeInt64Binary(b array.Builder, data []byte) error {
	if err := fixedBinary(8, "bigint", data); err != nil {
		return err
	}
	b.(*array.Int64Builder).Append(int64(binary.BigEndian.Uint64(data)))
	return nil
}

func decodeUint32Binary(b array.Builder, data []byte) error {
	if err := fixedBinary(4, "oid", data); err != nil {
		return err
	}
	b.(*array.Uint32Builder).Append(binary.BigEndian.Uint32(data))
	return nil
}

// floats

func encodeFloat32Text(buf []byte, arr arrow.Array, i int) []byte {
	return appendFloat(buf, float64(arr.(*array.Float32).Value(i)), 32)
}

func encodeFloat64Text(buf []byte, arr arrow.Array, i int) []byte {
	return appendFloat(buf, arr.(*array.Float64).Value(i), 64)
}

// appendFloat prints v as PostgreSQL 12+ does with extra_float_digits > 0:
// the shortest text that reads back exactly, in fixed notation when the
// decimal exponent is in [-4, 15) for float8 and [-4, 6) for float4 (printf's
// %g thresholds), otherwise as d.ddde±XX.
func appendFloat(buf []byte, v float64, bitSize int) []byte {
	switch {
	case math.IsNaN(v):
		return append(buf, "NaN"...)
	case math.IsInf(v, 1):
		return append(buf, "Infinity"...)
	case math.IsInf(v, -1):
		return append(buf, "-Infinity"...)
	}
	var scratch [32]byte
	e := strconv.AppendFloat(scratch[:0], v, 'e', -1, bitSize)
	// e is [-]d[.ddd]e±XX; find the exponent.
	k := len(e) - 1
	for e[k] != 'e' {
		k--
	}
	exp := 0
	for _, c := range e[k+2:] {
		exp = exp*10 + int(c-'0')
	}
	if e[k+1] == '-' {
		exp = -exp
	}
	maxExp := 15
	if bitSize == 32 {
		maxExp = 6
	}
	if exp < -4 || exp >= maxExp {
		return append(buf, e...)
	}
	mant := e[:k]
	if mant[0] == '-' {
		buf = append(buf, '-')
		mant = mant[1:]
	}
	// Digits without the point.
	var digits [24]byte
	nd := 0
	for _, c := range mant {
		if c != '.' {
			digits[nd] = c
			nd++
		}
	}
	if exp < 0 {
		buf = append(buf, '0', '.')
		for j := 0; j < -exp-1; j++ {
			buf = append(buf, '0')
		}
		return append(buf, digits[:nd]...)
	}
	intDigits := exp + 1
	if nd <= intDigits {
		buf = append(buf, digits[:nd]...)
		for j := nd; j < intDigits; j++ {
			buf = append(buf, '0')
		}
		return buf
	}
	buf = append(buf, digits[:intDigits]...)
	buf = append(buf, '.')
	return append(buf, digits[intDigits:nd]...)
}

// parseFloat is float8in/float4in: strtod's syntax with NaN, Infinity and
// inf in any case, surrounded by optional whitespace.
func parseFloat(data []byte, bitSize int, typ string) (float64, error) {
	s := trimSpace(data)
	if len(s) == 0 {
		return 0, invalidSyntax(typ, data)
	}
	body, neg := s, false
	if body[0] == '+' || body[0] == '-' {
		neg, body = body[0] == '-', body[1:]
	}
	switch {
	case equalFold(body, "nan"):
		return math.NaN(), nil
	case equalFold(body, "infinity"), equalFold(body, "inf"):
		if neg {
			return math.Inf(-1), nil
		}
		return math.Inf(1), nil
	}
	// strtod's syntax: digits with an optional point and exponent, no
	// underscores, hex or other forms Go's ParseFloat also knows.
	seenDigit := false
	for j := 0; j < len(body); j++ {
		c := body[j]
		switch {
		case c >= '0' && c <= '9':
			seenDigit = true
		case c == '.':
		case (c == 'e' || c == 'E') && seenDigit:
			rest := body[j+1:]
			if len(rest) > 0 && (rest[0] == '+' || rest[0] == '-') {
				rest = rest[1:]
			}
			if len(rest) == 0 {
				return 0, invalidSyntax(typ, data)
			}
			for _, d := range rest {
				if d < '0' || d > '9' {
					return 0, invalidSyntax(typ, data)
				}
			}
			j = len(body)
		default:
			return 0, invalidSyntax(typ, data)
		}
	}
	if !seenDigit || countByte(body, '.') > 1 || body[0] == 'e' || body[0] == 'E' {
		return 0, invalidSyntax(typ, data)
	}
	v, err := strconv.ParseFloat(string(s), bitSize)
	if err != nil {
		// Syntax was checked: this is a range error. PostgreSQL rejects
		// overflow and underflow to zero of a nonzero input alike.
		return 0, sqlstateOutOfRangeFloat(typ, data)
	}
	if v == 0 && !allZeroMantissa(body) {
		return 0, sqlstateOutOfRangeFloat(typ, data)
	}
	return v, nil
}

func sqlstateOutOfRangeFloat(typ string, data []byte) error {
	return outOfRange(typ, trimSpace(data))
}

func countByte(b []byte, c byte) int {
	n := 0
	for _, x := range b {
		if x == c {
			n++
		}
	}
	return n
}

// allZeroMantissa reports whether the digits before any exponent are all 0.
func allZeroMantissa(b []byte) bool {
	for _, c := range b {
		if c == 'e' || c == 'E' {
			break
		}
		if c >= '1' && c <= '9' {
			return false
		}
	}
	return true
}

func decodeFloat32Text(b array.Builder, data []byte) error {
	v, err := parseFloat(data, 32, "real")
	if err != nil {
		return err
	}
	b.(*array.Float32Builder).Append(float32(v))
	return nil
}

func decodeFloat64Text(b array.Builder, data []byte) error {
	v, err := parseFloat(data, 64, "double precision")
	if err != nil {
		return err
	}
	b.(*array.Float64Builder).Append(v)
	return nil
}

func encodeFloat32Binary(buf []byte, arr arrow.Array, i int) []byte {
	return binary.BigEndian.AppendUint32(buf, math.Float32bits(arr.(*array.Float32).Value(i)))
}

func encodeFloat64Binary(buf []byte, arr arrow.Array, i int) []byte {
	return binary.BigEndian.AppendUint64(buf, math.Float64bits(arr.(*array.Float64).Value(i)))
}

func decodeFloat32Binary(b array.Builder, data []byte) error {
	if err := fixedBinary(4, "real", data); err != nil {
		return err
	}
	b.(*array.Float32Builder).Append(math.Float32frombits(binary.BigEndian.Uint32(data)))
	return nil
}

func decodeFloat64Binary(b array.Builder, data []byte) error {
	if err := fixedBinary(8, "double precision", data); err != nil {
		return err
	}
	b.(*array.Float64Builder).Append(math.Float64frombits(binary.BigEndian.Uint64(data)))
	return nil
}
