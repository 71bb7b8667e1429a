package sqltype

import (
	"unicode/utf8"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"

	"github.com/sharehouse/sharehouse/executor/sqlstate"
)

// Character types: text, varchar(n), char(n), name, "char", json and
// unknown are held as their text; the text and binary forms are the bytes.

func encodeStringText(buf []byte, arr arrow.Array, i int) []byte {
	return append(buf, arr.(*array.String).Value(i)...)
}

// checkUTF8 rejects what PostgreSQL's UTF-8 database rejects in any text.
func checkUTF8(data []byte) error {
	for i := 0; i < len(data); {
		c := data[i]
		if c != 0 && c < utf8.RuneSelf {
			i++
			continue
		}
		r, n := utf8.DecodeRune(data[i:])
		if c == 0 || r == utf8.RuneError && n == 1 {
			return sqlstate.Errorf(sqlstate.CharacterNotInRepertoire, "invalid byte sequence for encoding \"UTF8\": 0x%02x", c)
		}
		i += n
	}
	return nil
}

// stringDecoder returns the decoder of a character type, text or binary
// alike: PostgreSQL's varchar and bpchar typmod rules apply to both.
func stringDecoder(t T) Decoder {
	n, limited := t.CharLength()
	switch {
	case t.OID == Name:
		return decodeName
	case t.OID == Char:
		return decodeChar
	case t.OID == BPChar && limited:
		return func(b array.Builder, data []byte) error { return decodeBPChar(b, data, n) }
	case t.OID == Varchar && limited:
		return func(b array.Builder, data []byte) error { return decodeVarchar(b, data, n) }
	}
	return decodeText
}

func decodeText(b array.Builder, data []byte) error {
	if err := checkUTF8(data); err != nil {
		return err
	}
	b.(*array.StringBuilder).BinaryBuilder.Append(data)
	return nil
}

// fitLength returns data cut to n characters when what is cut is only
// spaces (as SQL says for varchar(n) and char(n)), or ok false when the
// value is too long. It also returns data's length in characters, at most n.
func fitLength(data []byte, n int) (out []byte, chars int, ok bool) {
	off := 0
	for chars < n && off < len(data) {
		_, size := utf8.DecodeRune(data[off:])
		off += size
		chars++
	}
	for _, c := range data[off:] {
		if c != ' ' {
			return nil, 0, false
		}
	}
	return data[:off], chars, true
}

func decodeVarchar(b array.Builder, data []byte, n int) error {
	if err := checkUTF8(data); err != nil {
		return err
	}
	out, _, ok := fitLength(data, n)
	if !ok {
		return sqlstate.Errorf(sqlstate.StringDataRightTruncation, "value too long for type character varying(%d)", n)
	}
	b.(*array.StringBuilder).BinaryBuilder.Append(out)
	return nil
}

// decodeBPChar stores char(n) padded with spaces to n characters, as
// PostgreSQL does.
func decodeBPChar(b array.Builder, data []byte, n int) error {
	if err := checkUTF8(data); err != nil {
		return err
	}
	out, chars, ok := fitLength(data, n)
	if !ok {
		return sqlstate.Errorf(sqlstate.StringDataRightTruncation, "value too long for type character(%d)", n)
	}
	if chars < n {
		var scratch [128]byte
		padded := append(scratch[:0], out...)
		for ; chars < n; chars++ {
			padded = append(padded, ' ')
		}
		out = padded
	}
	b.(*array.StringBuilder).BinaryBuilder.Append(out)
	return nil
}

// decodeName truncates to NAMEDATALEN-1 bytes on a character boundary.
func decodeName(b array.Builder, data []byte) error {
	if err := checkUTF8(data); err != nil {
		return err
	}
	if len(data) > 63 {
		k := 63
		for k > 0 && !utf8.RuneStart(data[k]) {
			k--
		}
		data = data[:k]
	}
	b.(*array.StringBuilder).BinaryBuilder.Append(data)
	return nil
}

// decodeChar is "char": its first byte only.
func decodeChar(b array.Builder, data []byte) error {
	if len(data) > 1 {
		data = data[:1]
	}
	if len(data) == 1 && data[0] >= utf8.RuneSelf {
		data = nil // PostgreSQL keeps the byte; we keep text valid UTF-8
	}
	b.(*array.StringBuilder).BinaryBuilder.Append(data)
	return nil
}

// json

func decodeJSONText(b array.Builder, data []byte) error {
	if err := ValidJSON(data); err != nil {
		return err
	}
	b.(*array.StringBuilder).BinaryBuilder.Append(data)
	return nil
}

// jsonb's binary form is a version byte (1) and the text.
func encodeJSONBBinary(buf []byte, arr arrow.Array, i int) []byte {
	return append(append(buf, 1), arr.(*array.String).Value(i)...)
}

func decodeJSONBBinary(b array.Builder, data []byte) error {
	if len(data) == 0 || data[0] != 1 {
		return badBinary("jsonb", "unsupported jsonb version number")
	}
	return decodeJSONBText(b, data[1:])
}

// bytea

const hexDigits = "0123456789abcdef"

// encodeByteaText is bytea_output = hex: \x and two lower-case hex digits a byte.
func encodeByteaText(buf []byte, arr arrow.Array, i int) []byte {
	v := arr.(*array.Binary).Value(i)
	buf = append(buf, '\\', 'x')
	for _, c := range v {
		buf = append(buf, hexDigits[c>>4], hexDigits[c&15])
	}
	return buf
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// decodeByteaText is byteain: hex format (\x, whitespace allowed between
// digit pairs) or escape format (\\ and \ooo escapes, other bytes as is).
func decodeByteaText(b array.Builder, data []byte) error {
	var scratch [128]byte
	out := scratch[:0]
	if len(data) >= 2 && data[0] == '\\' && data[1] == 'x' {
		s := data[2:]
		for i := 0; i < len(s); {
			c := s[i]
			if c == ' ' || c == '\n' || c == '\t' || c == '\r' {
				i++
				continue
			}
			hi, ok := unhex(c)
			if !ok {
				return sqlstate.Errorf(sqlstate.InvalidTextRepresentation, "invalid hexadecimal digit: \"%s\"", s[i:i+runeLen(s[i:])])
			}
			if i+1 >= len(s) {
				return sqlstate.Errorf(sqlstate.InvalidTextRepresentation, "invalid hexadecimal data: odd number of digits")
			}
			lo, ok := unhex(s[i+1])
			if !ok {
				return sqlstate.Errorf(sqlstate.InvalidTextRepresentation, "invalid hexadecimal digit: \"%s\"", s[i+1:i+1+runeLen(s[i+1:])])
			}
			out = append(out, hi<<4|lo)
			i += 2
		}
		b.(*array.BinaryBuilder).Append(out)
		return nil
	}
	for i := 0; i < len(data); {
		c := data[i]
		if c != '\\' {
			out = append(out, c)
			i++
			continue
		}
		switch {
		case i+1 < len(data) && data[i+1] == '\\':
			out = append(out, '\\')
			i += 2
		case i+3 < len(data) && data[i+1] >= '0' && data[i+1] <= '3' &&
			data[i+2] >= '0' && data[i+2] <= '7' && data[i+3] >= '0' && data[i+3] <= '7':
			out = append(out, (data[i+1]-'0')<<6|(data[i+2]-'0')<<3|(data[i+3]-'0'))
			i += 4
		default:
			return invalidSyntax("bytea", data)
		}
	}
	b.(*array.BinaryBuilder).Append(out)
	return nil
}

func runeLen(b []byte) int {
	_, n := utf8.DecodeRune(b)
	return n
}

func encodeBytesBinary(buf []byte, arr arrow.Array, i int) []byte {
	return append(buf, arr.(*array.Binary).Value(i)...)
}

func decodeBytesBinary(b array.Builder, data []byte) error {
	b.(*array.BinaryBuilder).Append(data)
	return nil
}

// uuid

func encodeUUIDText(buf []byte, arr arrow.Array, i int) []byte {
	v := arr.(*array.FixedSizeBinary).Value(i)
	for k, c := range v {
		if k == 4 || k == 6 || k == 8 || k == 10 {
			buf = append(buf, '-')
		}
		buf = append(buf, hexDigits[c>>4], hexDigits[c&15])
	}
	return buf
}

// decodeUUIDText is uuid_in: 32 hex digits, a '-' allowed after any group
// of four, optionally in braces; no whitespace.
func decodeUUIDText(b array.Builder, data []byte) error {
	var u [16]byte
	s := data
	braces := len(s) > 0 && s[0] == '{'
	if braces {
		s = s[1:]
	}
	for k := 0; k < 16; k++ {
		if len(s) < 2 {
			return invalidSyntax("uuid", data)
		}
		hi, ok1 := unhex(s[0])
		lo, ok2 := unhex(s[1])
		if !ok1 || !ok2 {
			return invalidSyntax("uuid", data)
		}
		u[k] = hi<<4 | lo
		s = s[2:]
		if len(s) > 0 && s[0] == '-' && k%2 == 1 && k < 15 {
			s = s[1:]
		}
	}
	if braces {
		if len(s) == 0 || s[0] != '}' {
			return invalidSyntax("uuid", data)
		}
		s = s[1:]
	}
	if len(s) != 0 {
		return invalidSyntax("uuid", data)
	}
	b.(*array.FixedSizeBinaryBuilder).Append(u[:])
	return nil
}

func encodeUUIDBinary(buf []byte, arr arrow.Array, i int) []byte {
	return append(buf, arr.(*array.FixedSizeBinary).Value(i)...)
}

func decodeUUIDBinary(b array.Builder, data []byte) error {
	if err := fixedBinary(16, "uuid", data); err != nil {
		return err
	}
	b.(*array.FixedSizeBinaryBuilder).Append(data)
	return nil
}
