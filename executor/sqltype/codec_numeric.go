package sqltype

import (
	"encoding/binary"
	"math/bits"
	"strconv"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/decimal128"

	"github.com/sharehouse/sharehouse/executor/sqlstate"
)

// numeric has two Arrow forms: Decimal128(p, s) for numeric(p, s), and a
// String holding canonical text for unconstrained numeric, which keeps each
// value's own display scale ('1.50' stays '1.50') and NaN and ±Infinity.
// Both go through decNum, a decimal in pieces.

// PostgreSQL's limits on numeric (numeric.c).
const (
	numericMaxExponent = 1000    // NUMERIC_MAX_PRECISION: |exponent| in input
	numericMaxDscale   = 0x3FFF  // NUMERIC_DSCALE_MAX
	numericMaxIntDigit = 131072  // digits before the point
	numericSignPos     = 0x0000  // binary sign words
	numericSignNeg     = 0x4000  //
	numericSignNaN     = 0xC000  //
	numericSignPInf    = 0xD000  //
	numericSignNInf    = 0xF000  //
	maxNumericDigits   = 0x10000 // a sanity bound on binary ndigits
)

// Special numeric values.
const (
	numFinite byte = iota
	numNaN
	numPInf
	numNInf
)

// decNum is a decimal number: digits d[0:point] . d[point:], possibly with
// leading zeros (parsers put one in front so that rounding never needs to
// grow the slice), to be shown with dscale digits after the point.
type decNum struct {
	special byte
	neg     bool
	digits  []byte // ASCII digits
	point   int    // may be negative or beyond len(digits): zeros implied
	dscale  int
}

// parseNumeric is numeric_in's syntax: optional whitespace, NaN, [+-]Infinity,
// [+-]inf, or [+-]digits[.digits][e[+-]digits], optional whitespace. scratch
// receives the digits. err is nil and ok false for a syntax error, so the
// caller can name its type.
func parseNumeric(data []byte, scratch []byte) (n decNum, ok bool, err error) {
	s := trimSpace(data)
	switch {
	case equalFold(s, "nan"):
		return decNum{special: numNaN}, true, nil
	case equalFold(s, "infinity"), equalFold(s, "+infinity"), equalFold(s, "inf"), equalFold(s, "+inf"):
		return decNum{special: numPInf}, true, nil
	case equalFold(s, "-infinity"), equalFold(s, "-inf"):
		return decNum{special: numNInf}, true, nil
	}
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		n.neg = s[i] == '-'
		i++
	}
	digits := append(scratch[:0], '0')
	seenDigit, seenPoint, frac := false, false, 0
	for ; i < len(s); i++ {
		c := s[i]
		if c >= '0' && c <= '9' {
			digits = append(digits, c)
			seenDigit = true
			if seenPoint {
				frac++
			}
		} else if c == '.' && !seenPoint {
			seenPoint = true
		} else {
			break
		}
	}
	if !seenDigit {
		return n, false, nil
	}
	exp := 0
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		eneg := false
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			eneg = s[i] == '-'
			i++
		}
		start := i
		for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			if exp = exp*10 + int(s[i]-'0'); exp > numericMaxExponent {
				return n, false, nil
			}
		}
		if i == start {
			return n, false, nil
		}
		if eneg {
			exp = -exp
		}
	}
	if i != len(s) {
		return n, false, nil
	}
	n.digits = digits
	n.point = len(digits) - frac + exp
	n.dscale = max(frac-exp, 0)
	if n.dscale > numericMaxDscale || n.point > numericMaxIntDigit+1 {
		return n, false, sqlstate.Errorf(sqlstate.NumericValueOutOfRange, "value overflows numeric format")
	}
	return n, true, nil
}

// roundTo rounds n half away from zero to scale digits after the point.
// It needs a leading zero digit for a carry out of the top (parsers add one).
func (n *decNum) roundTo(scale int) {
	keep := n.point + scale
	if keep >= len(n.digits) {
		return
	}
	if keep < 0 {
		n.digits = n.digits[:0]
		return
	}
	up := n.digits[keep] >= '5'
	n.digits = n.digits[:keep]
	for j := keep - 1; up && j >= 0; j-- {
		if n.digits[j] == '9' {
			n.digits[j] = '0'
		} else {
			n.digits[j]++
			up = false
		}
	}
}

func (n *decNum) isZero() bool {
	for _, c := range n.digits {
		if c != '0' {
			return false
		}
	}
	return true
}

// appendText appends n as numeric_out prints it: dscale digits after the
// point, no leading zeros, no sign on zero.
func (n decNum) appendText(buf []byte) []byte {
	switch n.special {
	case numNaN:
		return append(buf, "NaN"...)
	case numPInf:
		return append(buf, "Infinity"...)
	case numNInf:
		return append(buf, "-Infinity"...)
	}
	n.roundTo(n.dscale)
	for len(n.digits) > 0 && n.point > 0 && n.digits[0] == '0' {
		n.digits, n.point = n.digits[1:], n.point-1
	}
	if len(n.digits) == 0 {
		n.point = 0 // zero: no integer digits but the one printed below
	}
	if n.neg && !n.isZero() {
		buf = append(buf, '-')
	}
	if n.point <= 0 {
		buf = append(buf, '0')
	} else {
		for j := 0; j < n.point; j++ {
			buf = append(buf, n.digitAt(j))
		}
	}
	if n.dscale > 0 {
		buf = append(buf, '.')
		for k := 0; k < n.dscale; k++ {
			buf = append(buf, n.digitAt(n.point+k))
		}
	}
	return buf
}

func (n *decNum) digitAt(j int) byte {
	if j >= 0 && j < len(n.digits) {
		return n.digits[j]
	}
	return '0'
}

// toDecimal128 rounds n to scale and returns it as Decimal128(precision, scale),
// with numeric's typmod errors.
func (n decNum) toDecimal128(precision, scale int32) (decimal128.Num, error) {
	switch n.special {
	case numNaN:
		return decimal128.Num{}, sqlstate.Errorf(sqlstate.FeatureNotSupported, "NaN cannot be stored in numeric(%d,%d)", precision, scale)
	case numPInf, numNInf:
		return decimal128.Num{}, sqlstate.Errorf(sqlstate.NumericValueOutOfRange, "numeric field overflow").
			WithDetail("A field with precision %d, scale %d cannot hold an infinite value.", precision, scale)
	}
	n.roundTo(int(scale))
	// The scaled integer's digits are d[0:point+scale], zeros past the end.
	end := n.point + int(scale)
	j := 0
	for j < end && n.digitAt(j) == '0' {
		j++
	}
	if end-j > int(precision) {
		maxDigits := precision - scale
		if maxDigits == 0 {
			return decimal128.Num{}, sqlstate.Errorf(sqlstate.NumericValueOutOfRange, "numeric field overflow").
				WithDetail("A field with precision %d, scale %d must round to an absolute value less than 1.", precision, scale)
		}
		return decimal128.Num{}, sqlstate.Errorf(sqlstate.NumericValueOutOfRange, "numeric field overflow").
			WithDetail("A field with precision %d, scale %d must round to an absolute value less than 10^%d.", precision, scale, maxDigits)
	}
	var v decimal128.Num
	for j < end {
		// Up to 18 digits at a time fit in a uint64.
		k := min(end-j, 18)
		var chunk uint64
		for m := 0; m < k; m++ {
			chunk = chunk*10 + uint64(n.digitAt(j+m)-'0')
		}
		v = v.Mul(decimal128.GetScaleMultiplier(k)).Add(decimal128.FromU64(chunk))
		j += k
	}
	if n.neg {
		v = v.Negate()
	}
	return v, nil
}

// fromDecimal128 returns v with the given scale as a decNum whose digits
// live in scratch.
func fromDecimal128(v decimal128.Num, scale int32, scratch []byte) decNum {
	n := decNum{neg: v.Sign() < 0}
	if n.neg {
		v = v.Negate()
	}
	n.digits = appendUint128(scratch[:0], uint64(v.HighBits()), v.LowBits())
	n.point = len(n.digits) - int(scale)
	n.dscale = max(int(scale), 0)
	return n
}

// appendUint128 appends hi:lo in decimal.
func appendUint128(buf []byte, hi, lo uint64) []byte {
	const e19 = 10_000_000_000_000_000_000
	if hi == 0 {
		return strconv.AppendUint(buf, lo, 10)
	}
	qhi, r := hi/e19, hi%e19
	qlo, rem := bits.Div64(r, lo, e19)
	buf = appendUint128(buf, qhi, qlo)
	var pad [20]byte
	s := strconv.AppendUint(pad[:0], rem, 10)
	for k := len(s); k < 19; k++ {
		buf = append(buf, '0')
	}
	return append(buf, s...)
}

// appendBinary appends n in numeric_send's form: int16 ndigits, int16
// weight, uint16 sign, uint16 dscale, then ndigits base-10000 digits, the
// first of weight 10000^weight.
func (n decNum) appendBinary(buf []byte) []byte {
	var sign uint16
	switch n.special {
	case numNaN:
		sign = numericSignNaN
	case numPInf:
		sign = numericSignPInf
	case numNInf:
		sign = numericSignNInf
	}
	if n.special != numFinite {
		return append(buf, 0, 0, 0, 0, byte(sign>>8), byte(sign), 0, 0)
	}
	digits, point := n.digits, n.point
	for len(digits) > 0 && digits[0] == '0' {
		digits, point = digits[1:], point-1
	}
	for len(digits) > 0 && digits[len(digits)-1] == '0' {
		digits = digits[:len(digits)-1]
	}
	if len(digits) == 0 {
		return binary.BigEndian.AppendUint16(append(buf, 0, 0, 0, 0, 0, 0), uint16(n.dscale))
	}
	if n.neg {
		sign = numericSignNeg
	}
	// The first digit has power point-1, the last point-len(digits).
	wHi, wLo := floorDiv(point-1, 4), floorDiv(point-len(digits), 4)
	buf = binary.BigEndian.AppendUint16(buf, uint16(wHi-wLo+1))
	buf = binary.BigEndian.AppendUint16(buf, uint16(int16(wHi)))
	buf = binary.BigEndian.AppendUint16(buf, sign)
	buf = binary.BigEndian.AppendUint16(buf, uint16(n.dscale))
	for w := wHi; w >= wLo; w-- {
		g := 0
		for e := 4*w + 3; e >= 4*w; e-- {
			g *= 10
			if idx := point - 1 - e; idx >= 0 && idx < len(digits) {
				g += int(digits[idx] - '0')
			}
		}
		buf = binary.BigEndian.AppendUint16(buf, uint16(g))
	}
	return buf
}

func floorDiv(a, b int) int {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// parseNumericBinary reads numeric_recv's form; digits go to scratch.
func parseNumericBinary(data []byte, scratch []byte) (decNum, error) {
	if len(data) < 8 {
		return decNum{}, badBinary("numeric", "%d bytes, want at least 8", len(data))
	}
	ndigits := int(binary.BigEndian.Uint16(data[0:]))
	weight := int(int16(binary.BigEndian.Uint16(data[2:])))
	sign := binary.BigEndian.Uint16(data[4:])
	dscale := int(binary.BigEndian.Uint16(data[6:]))
	if len(data) != 8+2*ndigits {
		return decNum{}, badBinary("numeric", "%d bytes for %d digits", len(data), ndigits)
	}
	n := decNum{dscale: dscale}
	switch sign {
	case numericSignPos:
	case numericSignNeg:
		n.neg = true
	case numericSignNaN:
		return decNum{special: numNaN}, nil
	case numericSignPInf:
		return decNum{special: numPInf}, nil
	case numericSignNInf:
		return decNum{special: numNInf}, nil
	default:
		return decNum{}, badBinary("numeric", "invalid sign 0x%04x", sign)
	}
	if dscale > numericMaxDscale {
		return decNum{}, badBinary("numeric", "invalid scale %d", dscale)
	}
	digits := append(scratch[:0], '0')
	for k := 0; k < ndigits; k++ {
		g := binary.BigEndian.Uint16(data[8+2*k:])
		if g >= 10000 {
			return decNum{}, badBinary("numeric", "invalid digit %d", g)
		}
		digits = append(digits, byte('0'+g/1000), byte('0'+g/100%10), byte('0'+g/10%10), byte('0'+g%10))
	}
	n.digits = digits
	n.point = 1 + (weight+1)*4
	return n, nil
}

// Arrow glue.

func decimalTextEncoder(scale int32) Encoder {
	return func(buf []byte, arr arrow.Array, i int) []byte {
		return appendDecimal128(buf, arr.(*array.Decimal128).Value(i), scale)
	}
}

// appendDecimal128 prints v with exactly scale digits after the point.
func appendDecimal128(buf []byte, v decimal128.Num, scale int32) []byte {
	var scratch [48]byte
	n := fromDecimal128(v, scale, scratch[:])
	if n.neg {
		buf = append(buf, '-')
	}
	d, s := n.digits, int(scale)
	switch {
	case s <= 0:
		buf = append(buf, d...)
		for ; s < 0 && !(len(d) == 1 && d[0] == '0'); s++ {
			buf = append(buf, '0')
		}
		return buf
	case len(d) <= s:
		buf = append(buf, '0', '.')
		for k := len(d); k < s; k++ {
			buf = append(buf, '0')
		}
		return append(buf, d...)
	}
	buf = append(buf, d[:len(d)-s]...)
	buf = append(buf, '.')
	return append(buf, d[len(d)-s:]...)
}

func decimalBinaryEncoder(scale int32) Encoder {
	return func(buf []byte, arr arrow.Array, i int) []byte {
		var scratch [48]byte
		return fromDecimal128(arr.(*array.Decimal128).Value(i), scale, scratch[:]).appendBinary(buf)
	}
}

func decimalTextDecoder(precision, scale int32) Decoder {
	return func(b array.Builder, data []byte) error {
		var scratch [64]byte
		n, ok, err := parseNumeric(data, scratch[:])
		if err != nil {
			return err
		}
		if !ok {
			return invalidSyntax("numeric", data)
		}
		v, err := n.toDecimal128(precision, scale)
		if err != nil {
			return err
		}
		b.(*array.Decimal128Builder).Append(v)
		return nil
	}
}

func decimalBinaryDecoder(precision, scale int32) Decoder {
	return func(b array.Builder, data []byte) error {
		var scratch [64]byte
		n, err := parseNumericBinary(data, scratch[:])
		if err != nil {
			return err
		}
		v, err := n.toDecimal128(precision, scale)
		if err != nil {
			return err
		}
		b.(*array.Decimal128Builder).Append(v)
		return nil
	}
}

// encodeNumericStringBinary sends an unconstrained numeric held as its
// canonical text.
func encodeNumericStringBinary(buf []byte, arr arrow.Array, i int) []byte {
	var scratch [64]byte
	s := arr.(*array.String).Value(i)
	n, ok, _ := parseNumeric([]byte(s), scratch[:])
	if !ok {
		// Not canonical text: a bug where the value was made. Send NaN
		// rather than garbage.
		n = decNum{special: numNaN}
	}
	return n.appendBinary(buf)
}

func decodeNumericStringText(b array.Builder, data []byte) error {
	var scratch, out [64]byte
	n, ok, err := parseNumeric(data, scratch[:])
	if err != nil {
		return err
	}
	if !ok {
		return invalidSyntax("numeric", data)
	}
	b.(*array.StringBuilder).BinaryBuilder.Append(n.appendText(out[:0]))
	return nil
}

func decodeNumericStringBinary(b array.Builder, data []byte) error {
	var scratch, out [64]byte
	n, err := parseNumericBinary(data, scratch[:])
	if err != nil {
		return err
	}
	b.(*array.StringBuilder).BinaryBuilder.Append(n.appendText(out[:0]))
	return nil
}

// FormatDecimal128 returns v with the given scale as numeric text; for casts
// and tests.
func FormatDecimal128(v decimal128.Num, scale int32) string {
	return string(appendDecimal128(nil, v, scale))
}
