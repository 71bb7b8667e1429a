// Package sqltype is sharehouse's SQL type system: PostgreSQL type OIDs and
// modifiers, their Arrow representation, and the text and binary forms that
// the wire protocol, COPY and casts share. One place decides how a value of a
// type looks as text, so `x::text`, COPY TO and a psql result always agree.
//
// A column of type T is held in Arrow as T.Arrow(), with one exception the
// executor may use: a numeric without modifier whose scale is known when a
// query is planned may be held as Decimal128(38, scale). Encoders therefore
// look at the Arrow array's own DataType for numeric, never at T alone.
package sqltype

import (
	"fmt"

	"github.com/apache/arrow/go/v17/arrow"
)

// OID is a PostgreSQL object identifier; here, of a type in pg_type.
type OID uint32

// Type OIDs as in PostgreSQL's pg_type.dat; clients hard-code these.
const (
	Bool        OID = 16
	Bytea       OID = 17
	Char        OID = 18 // "char", the one-byte internal type
	Name        OID = 19
	Int8        OID = 20
	Int2        OID = 21
	Int4        OID = 23
	Regproc     OID = 24
	Text        OID = 25
	Oid         OID = 26
	JSON        OID = 114
	Float4      OID = 700
	Float8      OID = 701
	Unknown     OID = 705
	BPChar      OID = 1042
	Varchar     OID = 1043
	Date        OID = 1082
	Time        OID = 1083
	Timestamp   OID = 1114
	Timestamptz OID = 1184
	Interval    OID = 1186
	Numeric     OID = 1700
	Regclass    OID = 2205
	Regtype     OID = 2206
	UUID        OID = 2950
	JSONB       OID = 3802

	Regnamespace OID = 4089

	// int2vector and oidvector: the catalogs' space-separated vectors,
	// subscripted from 0. Held as their text, like the array types.
	Int2Vector OID = 22
	OidVector  OID = 30

	// Array types. Their values are held as the text of an array literal
	// ('{a,"b c"}'), as the catalogs' array columns are: see ArrayElem.
	BoolArray    OID = 1000
	CharArray    OID = 1002
	NameArray    OID = 1003
	Int2Array    OID = 1005
	Int4Array    OID = 1007
	TextArray    OID = 1009
	VarcharArray OID = 1015
	Int8Array    OID = 1016
	Float8Array  OID = 1022
	OidArray     OID = 1028
)

// T is a SQL type: an OID and PostgreSQL's type modifier (-1 when none).
// Typmods use PostgreSQL's encoding: varchar(n)/char(n) store n+4,
// numeric(p,s) stores ((p<<16)|s)+4, timestamp(p) stores p.
type T struct {
	OID    OID
	Typmod int32
}

// Common types without modifiers.
var (
	BoolT        = T{Bool, -1}
	Int2T        = T{Int2, -1}
	Int4T        = T{Int4, -1}
	Int8T        = T{Int8, -1}
	Float4T      = T{Float4, -1}
	Float8T      = T{Float8, -1}
	NumericT     = T{Numeric, -1}
	TextT        = T{Text, -1}
	VarcharT     = T{Varchar, -1}
	BPCharT      = T{BPChar, -1}
	NameT        = T{Name, -1}
	ByteaT       = T{Bytea, -1}
	DateT        = T{Date, -1}
	TimeT        = T{Time, -1}
	TimestampT   = T{Timestamp, -1}
	TimestamptzT = T{Timestamptz, -1}
	IntervalT    = T{Interval, -1}
	UUIDT        = T{UUID, -1}
	OidT         = T{Oid, -1}
	UnknownT     = T{Unknown, -1}
)

// NumericOf returns numeric(precision, scale).
func NumericOf(precision, scale int) T {
	return T{Numeric, int32(precision<<16|scale) + 4}
}

// VarcharOf returns varchar(n); BPCharOf returns char(n).
func VarcharOf(n int) T { return T{Varchar, int32(n) + 4} }

// BPCharOf returns character(n).
func BPCharOf(n int) T { return T{BPChar, int32(n) + 4} }

// NumericPrecisionScale returns numeric's declared precision and scale; ok is
// false for an unconstrained numeric.
func (t T) NumericPrecisionScale() (precision, scale int, ok bool) {
	if t.OID != Numeric || t.Typmod < 4 {
		return 0, 0, false
	}
	m := t.Typmod - 4
	return int(m >> 16), int(m & 0xffff), true
}

// CharLength returns n of varchar(n) or char(n); ok is false without a limit.
func (t T) CharLength() (n int, ok bool) {
	if (t.OID != Varchar && t.OID != BPChar) || t.Typmod < 4 {
		return 0, false
	}
	return int(t.Typmod - 4), true
}

// MaxNumericPrecision is the largest precision held in a Decimal128.
const MaxNumericPrecision = 38

// Arrow returns the Arrow type that holds values of t.
func (t T) Arrow() arrow.DataType {
	switch t.OID {
	case Bool:
		return arrow.FixedWidthTypes.Boolean
	case Int2:
		return arrow.PrimitiveTypes.Int16
	case Int4:
		return arrow.PrimitiveTypes.Int32
	case Int8:
		return arrow.PrimitiveTypes.Int64
	case Oid, Regproc, Regclass, Regtype, Regnamespace:
		return arrow.PrimitiveTypes.Uint32
	case Float4:
		return arrow.PrimitiveTypes.Float32
	case Float8:
		return arrow.PrimitiveTypes.Float64
	case Numeric:
		if p, s, ok := t.NumericPrecisionScale(); ok {
			return &arrow.Decimal128Type{Precision: int32(p), Scale: int32(s)}
		}
		// Unconstrained numeric keeps each value's own scale: its canonical text.
		return arrow.BinaryTypes.String
	case Bytea:
		return arrow.BinaryTypes.Binary
	case UUID:
		return &arrow.FixedSizeBinaryType{ByteWidth: 16}
	case Date:
		return arrow.FixedWidthTypes.Date32
	case Time:
		return arrow.FixedWidthTypes.Time64us
	case Timestamp:
		return &arrow.TimestampType{Unit: arrow.Microsecond}
	case Timestamptz:
		return &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	case Interval:
		return arrow.FixedWidthTypes.MonthDayNanoInterval
	default: // text, varchar, bpchar, name, unknown, json, "char"
		return arrow.BinaryTypes.String
	}
}

// typeInfo is what pg_type says of a type that RowDescription and
// format_type need.
type typeInfo struct {
	name   string // format_type's name without modifier
	typlen int16  // -1 for variable length
}

var types = map[OID]typeInfo{
	Bool:        {"boolean", 1},
	Bytea:       {"bytea", -1},
	Char:        {"\"char\"", 1},
	Name:        {"name", 64},
	Int8:        {"bigint", 8},
	Int2:        {"smallint", 2},
	Int4:        {"integer", 4},
	Regproc:     {"regproc", 4},
	Text:        {"text", -1},
	Oid:         {"oid", 4},
	JSON:        {"json", -1},
	Float4:      {"real", 4},
	Float8:      {"double precision", 8},
	Unknown:     {"unknown", -2},
	BPChar:      {"character", -1},
	Varchar:     {"character varying", -1},
	Date:        {"date", 4},
	Time:        {"time without time zone", 8},
	Timestamp:   {"timestamp without time zone", 8},
	Timestamptz: {"timestamp with time zone", 8},
	Interval:    {"interval", 16},
	Numeric:     {"numeric", -1},
	Regclass:    {"regclass", 4},
	Regtype:     {"regtype", 4},
	UUID:        {"uuid", 16},
	JSONB:       {"jsonb", -1},
	Record:      {"record", -1},

	Regnamespace: {"regnamespace", 4},
	Int2Vector:   {"int2vector", -1},
	OidVector:    {"oidvector", -1},
	BoolArray:    {"boolean[]", -1},
	CharArray:    {"\"char\"[]", -1},
	NameArray:    {"name[]", -1},
	Int2Array:    {"smallint[]", -1},
	Int4Array:    {"integer[]", -1},
	TextArray:    {"text[]", -1},
	VarcharArray: {"character varying[]", -1},
	Int8Array:    {"bigint[]", -1},
	Float8Array:  {"double precision[]", -1},
	OidArray:     {"oid[]", -1},
}

var arrayElems = map[OID]OID{
	BoolArray: Bool, CharArray: Char, NameArray: Name, Int2Array: Int2, Int4Array: Int4,
	TextArray: Text, VarcharArray: Varchar, Int8Array: Int8, Float8Array: Float8, OidArray: Oid,
}

// ArrayElem returns the element type of an array type; ok is false for a
// type that is not an array.
func ArrayElem(oid OID) (elem OID, ok bool) { elem, ok = arrayElems[oid]; return elem, ok }

// VectorElem returns the element type of int2vector and oidvector; ok is
// false for every other type.
func VectorElem(oid OID) (elem OID, ok bool) {
	switch oid {
	case Int2Vector:
		return Int2, true
	case OidVector:
		return Oid, true
	}
	return 0, false
}

// ArrayOf returns the array type of elements of type elem; ok is false when
// sharehouse has no such array type.
func ArrayOf(elem OID) (OID, bool) {
	for a, e := range arrayElems {
		if e == elem {
			return a, true
		}
	}
	return 0, false
}

// Known reports whether sharehouse knows the type OID.
func Known(oid OID) bool { _, ok := types[oid]; return ok }

// Len returns pg_type.typlen, as RowDescription sends it.
func (t T) Len() int16 {
	if ti, ok := types[t.OID]; ok {
		return ti.typlen
	}
	return -1
}

// String returns the type as format_type prints it, e.g. "numeric(12,2)".
func (t T) String() string {
	ti, ok := types[t.OID]
	if !ok {
		return fmt.Sprintf("oid %d", t.OID)
	}
	switch t.OID {
	case Numeric:
		if p, s, ok := t.NumericPrecisionScale(); ok {
			return fmt.Sprintf("numeric(%d,%d)", p, s)
		}
	case Varchar, BPChar:
		if n, ok := t.CharLength(); ok {
			return fmt.Sprintf("%s(%d)", ti.name, n)
		}
	case Timestamp, Timestamptz, Time:
		if t.Typmod >= 0 {
			base := map[OID]string{Timestamp: "timestamp(%d) without time zone", Timestamptz: "timestamp(%d) with time zone", Time: "time(%d) without time zone"}[t.OID]
			return fmt.Sprintf(base, t.Typmod)
		}
	}
	return ti.name
}
