package sqltype

import (
	"fmt"
	"time"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"

	"github.com/sharehouse/sharehouse/executor/sqlstate"
)

// Format holds the session settings that change text forms. The zero value
// is PostgreSQL's default session: TimeZone UTC, DateStyle ISO, MDY,
// extra_float_digits 1 (shortest exact floats), bytea_output hex,
// IntervalStyle postgres.
type Format struct {
	// Location is the session's TimeZone: timestamptz values print in it and
	// timestamptz input without an offset is read in it. nil means UTC.
	Location *time.Location
	// OIDName, when set, prints a regclass, regtype, regproc or
	// regnamespace value as the name of the object it identifies, as
	// PostgreSQL's output functions do (the catalog lookup is the
	// session's); ok false prints the number. nil prints numbers.
	OIDName func(t OID, oid uint32) (name string, ok bool)
}

func (f Format) location() *time.Location {
	if f.Location == nil {
		return time.UTC
	}
	return f.Location
}

// Encoder appends the form of the non-null row i of arr to buf and returns
// the extended buffer. arr must have the DataType the Encoder was made for.
// Encoders allocate nothing on their fast paths: they run once per value.
type Encoder func(buf []byte, arr arrow.Array, i int) []byte

// Decoder parses one non-null value from data and appends it to b, which
// must be a builder of the DataType the Decoder was made for. Its errors are
// *sqlstate.Error: 22P02, 22003, 22001, 22007, 22008 for text, 22P03 for
// binary. data is not retained.
type Decoder func(b array.Builder, data []byte) error

// TextEncoder returns the encoder of t's text form for arrays of type dt.
func TextEncoder(t T, dt arrow.DataType, f Format) (Encoder, error) {
	if err := checkArrow(t, dt); err != nil {
		return nil, err
	}
	switch t.OID {
	case Record:
		return recordTextEncoder(dt, f)
	case Bool:
		return encodeBoolText, nil
	case Int2:
		return encodeInt16Text, nil
	case Int4:
		return encodeInt32Text, nil
	case Int8:
		return encodeInt64Text, nil
	case Regproc, Regclass, Regtype, Regnamespace:
		if f.OIDName != nil {
			return regTextEncoder(t.OID, f.OIDName), nil
		}
		return encodeUint32Text, nil
	case Oid:
		return encodeUint32Text, nil
	case Float4:
		return encodeFloat32Text, nil
	case Float8:
		return encodeFloat64Text, nil
	case Numeric:
		if dt.ID() == arrow.DECIMAL128 {
			return decimalTextEncoder(dt.(*arrow.Decimal128Type).Scale), nil
		}
		return encodeStringText, nil
	case Bytea:
		return encodeByteaText, nil
	case UUID:
		return encodeUUIDText, nil
	case Date:
		return encodeDateText, nil
	case Time:
		return encodeTimeText, nil
	case Timestamp:
		return encodeTimestampText, nil
	case Timestamptz:
		return timestamptzTextEncoder(f.location()), nil
	case Interval:
		return encodeIntervalText, nil
	}
	return encodeStringText, nil
}

// regTextEncoder prints a reg* value as the name name gives it.
func regTextEncoder(t OID, name func(OID, uint32) (string, bool)) Encoder {
	return func(buf []byte, arr arrow.Array, i int) []byte {
		v := arr.(*array.Uint32).Value(i)
		if s, ok := name(t, v); ok {
			return append(buf, s...)
		}
		return encodeUint32Text(buf, arr, i)
	}
}

// BinaryEncoder returns the encoder of t's binary form (PostgreSQL's send
// function) for arrays of type dt.
func BinaryEncoder(t T, dt arrow.DataType) (Encoder, error) {
	if err := checkArrow(t, dt); err != nil {
		return nil, err
	}
	if _, _, ok := isArrayType(t.OID); ok {
		return arrayBinaryEncoder(t)
	}
	switch t.OID {
	case Record:
		return recordBinaryEncoder(dt)
	case Bool:
		return encodeBoolBinary, nil
	case Int2:
		return encodeInt16Binary, nil
	case Int4:
		return encodeInt32Binary, nil
	case Int8:
		return encodeInt64Binary, nil
	case Oid, Regproc, Regclass, Regtype, Regnamespace:
		return encodeUint32Binary, nil
	case Float4:
		return encodeFloat32Binary, nil
	case Float8:
		return encodeFloat64Binary, nil
	case Numeric:
		if dt.ID() == arrow.DECIMAL128 {
			return decimalBinaryEncoder(dt.(*arrow.Decimal128Type).Scale), nil
		}
		return encodeNumericStringBinary, nil
	case Bytea:
		return encodeBytesBinary, nil
	case UUID:
		return encodeUUIDBinary, nil
	case Date:
		return encodeDateBinary, nil
	case Time:
		return encodeTimeBinary, nil
	case Timestamp, Timestamptz:
		return encodeTimestampBinary, nil
	case Interval:
		return encodeIntervalBinary, nil
	case JSONB:
		return encodeJSONBBinary, nil
	}
	return encodeStringText, nil // text, varchar, bpchar, name, json, "char", unknown: the bytes
}

// TextDecoder returns the decoder of t's text form into builders of dt.
func TextDecoder(t T, dt arrow.DataType, f Format) (Decoder, error) {
	if err := checkArrow(t, dt); err != nil {
		return nil, err
	}
	if t.OID == Record {
		return nil, sqlstate.Errorf(sqlstate.FeatureNotSupported, "input of anonymous composite types is not implemented")
	}
	if _, _, ok := isArrayType(t.OID); ok {
		return arrayTextDecoder(t)
	}
	switch t.OID {
	case Bool:
		return decodeBoolText, nil
	case Int2:
		return decodeInt16Text, nil
	case Int4:
		return decodeInt32Text, nil
	case Int8:
		return decodeInt64Text, nil
	case Oid, Regproc, Regclass, Regtype, Regnamespace:
		return decodeOidText, nil
	case Float4:
		return decodeFloat32Text, nil
	case Float8:
		return decodeFloat64Text, nil
	case Numeric:
		if d, ok := dt.(*arrow.Decimal128Type); ok {
			return decimalTextDecoder(d.Precision, d.Scale), nil
		}
		return decodeNumericStringText, nil
	case Bytea:
		return decodeByteaText, nil
	case UUID:
		return decodeUUIDText, nil
	case Date:
		return decodeDateText, nil
	case Time:
		return timeTextDecoder(t.Typmod), nil
	case Timestamp:
		return timestampTextDecoder(t.Typmod, nil), nil
	case Timestamptz:
		return timestampTextDecoder(t.Typmod, f.location()), nil
	case Interval:
		return decodeIntervalText, nil
	case JSON:
		return decodeJSONText, nil
	case JSONB:
		return decodeJSONBText, nil
	}
	return stringDecoder(t), nil
}

// BinaryDecoder returns the decoder of t's binary form (PostgreSQL's recv
// function) into builders of dt.
func BinaryDecoder(t T, dt arrow.DataType) (Decoder, error) {
	if err := checkArrow(t, dt); err != nil {
		return nil, err
	}
	if t.OID == Record {
		return nil, sqlstate.Errorf(sqlstate.FeatureNotSupported, "input of anonymous composite types is not implemented")
	}
	if _, _, ok := isArrayType(t.OID); ok {
		return arrayBinaryDecoder(t)
	}
	switch t.OID {
	case Bool:
		return decodeBoolBinary, nil
	case Int2:
		return decodeInt16Binary, nil
	case Int4:
		return decodeInt32Binary, nil
	case Int8:
		return decodeInt64Binary, nil
	case Oid, Regproc, Regclass, Regtype, Regnamespace:
		return decodeUint32Binary, nil
	case Float4:
		return decodeFloat32Binary, nil
	case Float8:
		return decodeFloat64Binary, nil
	case Numeric:
		if d, ok := dt.(*arrow.Decimal128Type); ok {
			return decimalBinaryDecoder(d.Precision, d.Scale), nil
		}
		return decodeNumericStringBinary, nil
	case Bytea:
		return decodeBytesBinary, nil
	case UUID:
		return decodeUUIDBinary, nil
	case Date:
		return decodeDateBinary, nil
	case Time:
		return timeBinaryDecoder(t.Typmod), nil
	case Timestamp, Timestamptz:
		return timestampBinaryDecoder(t.Typmod), nil
	case Interval:
		return decodeIntervalBinary, nil
	case JSON:
		return decodeJSONText, nil
	case JSONB:
		return decodeJSONBBinary, nil
	}
	return stringDecoder(t), nil
}

// checkArrow reports an error when dt is not an Arrow type that holds t.
// Numeric may be Decimal128 or String whatever its modifier (see the
// package comment); every other type must be exactly t.Arrow().
func checkArrow(t T, dt arrow.DataType) error {
	if dt == nil {
		return fmt.Errorf("sqltype: no Arrow type for %s", t)
	}
	if t.OID == Numeric && (dt.ID() == arrow.DECIMAL128 || dt.ID() == arrow.STRING) {
		return nil
	}
	if t.OID == Record {
		if _, ok := RecordFields(dt); ok {
			return nil
		}
		return fmt.Errorf("sqltype: Arrow type %s does not hold a record", dt)
	}
	if !Known(t.OID) {
		// An unknown type travels as text.
		if dt.ID() == arrow.STRING {
			return nil
		}
	} else if arrow.TypeEqual(t.Arrow(), dt) {
		return nil
	}
	return fmt.Errorf("sqltype: Arrow type %s does not hold %s", dt, t)
}

// Error constructors in PostgreSQL's words.

func invalidSyntax(typ string, data []byte) error {
	return sqlstate.Errorf(sqlstate.InvalidTextRepresentation, "invalid input syntax for type %s: \"%s\"", typ, data)
}

func invalidDatetime(typ string, data []byte) error {
	return sqlstate.Errorf(sqlstate.InvalidDatetimeFormat, "invalid input syntax for type %s: \"%s\"", typ, data)
}

func fieldOutOfRange(data []byte) error {
	return sqlstate.Errorf(sqlstate.DatetimeFieldOverflow, "date/time field value out of range: \"%s\"", data)
}

func outOfRange(typ string, data []byte) error {
	return sqlstate.Errorf(sqlstate.NumericValueOutOfRange, "value \"%s\" is out of range for type %s", data, typ)
}

func badBinary(typ string, format string, args ...any) error {
	return sqlstate.Errorf(sqlstate.InvalidBinaryRepresentation, "incorrect binary data format for type %s", typ).
		WithDetail(format, args...)
}

// isSpace is PostgreSQL's isspace in the C locale.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && isSpace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

// equalFold reports whether b equals the lower-case ASCII word w, ignoring case.
func equalFold(b []byte, w string) bool {
	if len(b) != len(w) {
		return false
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != w[i] {
			return false
		}
	}
	return true
}
