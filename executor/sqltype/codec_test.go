package sqltype

import (
	"bytes"
	"encoding/hex"
	"errors"
	"testing"
	"time"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"

	"github.com/sharehouse/sharehouse/executor/sqlstate"
)

// codecCase is one text input: the text PostgreSQL prints for it, or the
// SQLSTATE of the error it gives.
type codecCase struct {
	in   string
	want string // "" means the same as in
	code sqlstate.Code
}

// decodeOne decodes data with dec into a new array of dt.
func decodeOne(t testing.TB, mem memory.Allocator, dt arrow.DataType, dec Decoder, data []byte) (arrow.Array, error) {
	t.Helper()
	b := array.NewBuilder(mem, dt)
	defer b.Release()
	if err := dec(b, data); err != nil {
		return nil, err
	}
	if b.Len() != 1 {
		t.Fatalf("decoder appended %d values", b.Len())
	}
	return b.NewArray(), nil
}

// roundTrip decodes in as text, prints it, and checks that the binary form
// and a second text decode give the same text.
func roundTrip(t testing.TB, typ T, dt arrow.DataType, f Format, in []byte) (string, error) {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	tdec, err := TextDecoder(typ, dt, f)
	if err != nil {
		t.Fatal(err)
	}
	tenc, err := TextEncoder(typ, dt, f)
	if err != nil {
		t.Fatal(err)
	}
	benc, err := BinaryEncoder(typ, dt)
	if err != nil {
		t.Fatal(err)
	}
	bdec, err := BinaryDecoder(typ, dt)
	if err != nil {
		t.Fatal(err)
	}
	arr, err := decodeOne(t, mem, dt, tdec, in)
	if err != nil {
		return "", err
	}
	defer arr.Release()
	out := tenc(nil, arr, 0)

	bin := benc(nil, arr, 0)
	arr2, err := decodeOne(t, mem, dt, bdec, bin)
	if err != nil {
		t.Fatalf("%s %q: binary %x does not decode: %v", typ, in, bin, err)
	}
	defer arr2.Release()
	if out2 := tenc(nil, arr2, 0); !bytes.Equal(out, out2) {
		t.Fatalf("%s %q: text %q, after binary %q", typ, in, out, out2)
	}
	if bin2 := benc(nil, arr2, 0); !bytes.Equal(bin, bin2) {
		t.Fatalf("%s %q: binary %x, then %x", typ, in, bin, bin2)
	}

	arr3, err := decodeOne(t, mem, dt, tdec, out)
	if err != nil {
		t.Fatalf("%s %q: output %q does not decode: %v", typ, in, out, err)
	}
	defer arr3.Release()
	if out3 := tenc(nil, arr3, 0); !bytes.Equal(out, out3) {
		t.Fatalf("%s %q: text %q is not a fixpoint: %q", typ, in, out, out3)
	}
	return string(out), nil
}

func runCases(t *testing.T, typ T, dt arrow.DataType, f Format, cases []codecCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(typ.String()+"/"+tc.in, func(t *testing.T) {
			got, err := roundTrip(t, typ, dt, f, []byte(tc.in))
			if tc.code != "" {
				var e *sqlstate.Error
				if !errors.As(err, &e) || e.Code != tc.code {
					t.Fatalf("%q: got %q, %v; want error %s", tc.in, got, err, tc.code)
				}
				return
			}
			if err != nil {
				t.Fatalf("%q: %v", tc.in, err)
			}
			want := tc.want
			if want == "" {
				want = tc.in
			}
			if got != want {
				t.Fatalf("%q: got %q, want %q", tc.in, got, want)
			}
		})
	}
}

const (
	syntax   = sqlstate.InvalidTextRepresentation
	rng      = sqlstate.NumericValueOutOfRange
	dtFormat = sqlstate.InvalidDatetimeFormat
	dtRange  = sqlstate.DatetimeFieldOverflow
	tooLong  = sqlstate.StringDataRightTruncation
	encoding = sqlstate.CharacterNotInRepertoire
)

func TestBool(t *testing.T) {
	runCases(t, BoolT, BoolT.Arrow(), Format{}, []codecCase{
		{in: "t"}, {in: "f"}, {in: "true", want: "t"}, {in: "FALSE", want: "f"}, {in: " yes ", want: "t"},
		{in: "no", want: "f"}, {in: "on", want: "t"}, {in: "off", want: "f"}, {in: "of", want: "f"},
		{in: "1", want: "t"}, {in: "0", want: "f"}, {in: "tr", want: "t"}, {in: "y", want: "t"},
		{in: "o", code: syntax}, {in: "", code: syntax}, {in: "truex", code: syntax}, {in: "2", code: syntax},
		{in: "10", code: syntax},
	})
}

func TestIntegers(t *testing.T) {
	runCases(t, Int2T, Int2T.Arrow(), Format{}, []codecCase{
		{in: "0"}, {in: "-32768"}, {in: "32767"}, {in: " +12 ", want: "12"}, {in: "007", want: "7"},
		{in: "32768", code: rng}, {in: "-32769", code: rng}, {in: "1.5", code: syntax}, {in: "", code: syntax},
		{in: "-", code: syntax}, {in: "1 2", code: syntax}, {in: "0x10", code: syntax},
	})
	runCases(t, Int4T, Int4T.Arrow(), Format{}, []codecCase{
		{in: "-2147483648"}, {in: "2147483647"}, {in: "2147483648", code: rng}, {in: "abc", code: syntax},
		{in: "1_000", code: syntax}, {in: "\t42\n", want: "42"},
	})
	runCases(t, Int8T, Int8T.Arrow(), Format{}, []codecCase{
		{in: "-9223372036854775808"}, {in: "9223372036854775807"},
		{in: "9223372036854775808", code: rng}, {in: "99999999999999999999999", code: rng},
	})
	runCases(t, OidT, OidT.Arrow(), Format{}, []codecCase{
		{in: "4294967295"}, {in: "-1", want: "4294967295"}, {in: "4294967296", code: rng}, {in: "x", code: syntax},
	})
}

func TestFloats(t *testing.T) {
	runCases(t, Float8T, Float8T.Arrow(), Format{}, []codecCase{
		{in: "1.5"}, {in: "1e100", want: "1e+100"}, {in: "Infinity"}, {in: "-Infinity"}, {in: "NaN"},
		{in: "-0"}, {in: "0.000012345678", want: "1.2345678e-05"}, {in: "0.0001"}, {in: "123456789012345"},
		{in: "1e15", want: "1e+15"}, {in: "0.1"}, {in: "3.141592653589793"}, {in: "inf", want: "Infinity"},
		{in: "-INF", want: "-Infinity"}, {in: "nan", want: "NaN"}, {in: " 2 ", want: "2"},
		{in: "1.7976931348623157e308", want: "1.7976931348623157e+308"}, {in: "5e-324", want: "5e-324"},
		{in: "1e400", code: rng}, {in: "1e-400", code: rng}, {in: "0e-400", want: "0"},
		{in: "abc", code: syntax}, {in: "", code: syntax}, {in: "1e", code: syntax}, {in: "0x1p3", code: syntax},
		{in: "1_0", code: syntax}, {in: ".5", want: "0.5"}, {in: "5.", want: "5"}, {in: ".", code: syntax},
		{in: "100", want: "100"}, {in: "-1.25e-10", want: "-1.25e-10"},
	})
	runCases(t, Float4T, Float4T.Arrow(), Format{}, []codecCase{
		{in: "1.5"}, {in: "0.1"}, {in: "123456"}, {in: "1234567", want: "1.234567e+06"}, {in: "1e6", want: "1e+06"},
		{in: "3.4028235e38", want: "3.4028235e+38"}, {in: "1e39", code: rng}, {in: "-0"}, {in: "NaN"},
	})
}

func TestNumeric(t *testing.T) {
	runCases(t, NumericT, NumericT.Arrow(), Format{}, []codecCase{
		{in: "1.50"}, {in: "0"}, {in: "-0", want: "0"}, {in: "-0.00", want: "0.00"}, {in: " 001.5e2 ", want: "150"},
		{in: "1.50e1", want: "15.0"}, {in: "1e-3", want: "0.001"}, {in: ".5", want: "0.5"}, {in: "5.", want: "5"},
		{in: "NaN"}, {in: "nan", want: "NaN"}, {in: "Infinity"}, {in: "-inf", want: "-Infinity"},
		{in: "123456789012345678901234567890.123456789012345678901234567890"},
		{in: "-0.000000001"}, {in: "10000"}, {in: "9999.9999"}, {in: "0.0001"}, {in: "100000000"},
		{in: "-NaN", code: syntax}, {in: "1e", code: syntax}, {in: "1.2.3", code: syntax}, {in: "", code: syntax},
		{in: "e5", code: syntax}, {in: "1e1001", code: syntax}, {in: "abc", code: syntax},
	})
	n := NumericOf(5, 2)
	runCases(t, n, n.Arrow(), Format{}, []codecCase{
		{in: "1.5", want: "1.50"}, {in: "-1.005", want: "-1.01"}, {in: "1.004", want: "1.00"}, {in: "999.99"},
		{in: "999.995", code: rng}, {in: "1000", code: rng}, {in: "-999.994", want: "-999.99"}, {in: "0", want: "0.00"},
		{in: "0.005", want: "0.01"}, {in: "-0.004", want: "0.00"}, {in: "1e2", want: "100.00"},
		{in: "Infinity", code: rng}, {in: "NaN", code: sqlstate.FeatureNotSupported}, {in: "x", code: syntax},
	})
	n = NumericOf(38, 0)
	runCases(t, n, n.Arrow(), Format{}, []codecCase{
		{in: "99999999999999999999999999999999999999"}, {in: "-99999999999999999999999999999999999999"},
		{in: "100000000000000000000000000000000000000", code: rng}, {in: "0.5", want: "1"}, {in: "-2.5", want: "-3"},
	})
	n = NumericOf(38, 10)
	runCases(t, n, n.Arrow(), Format{}, []codecCase{
		{in: "1234567890123456789012345678.0123456789"}, {in: "-0.0000000001"}, {in: "12.5", want: "12.5000000000"},
	})
	n = NumericOf(3, 3)
	runCases(t, n, n.Arrow(), Format{}, []codecCase{{in: "0.123"}, {in: "1", code: rng}, {in: "0.9995", code: rng}})
	// An unconstrained numeric the executor holds as Decimal128(38, 2).
	runCases(t, NumericT, &arrow.Decimal128Type{Precision: 38, Scale: 2}, Format{}, []codecCase{{in: "12.345", want: "12.35"}})
}

func TestNumericBinary(t *testing.T) {
	// Forms PostgreSQL's numeric_send produces.
	for _, tc := range []struct{ text, hex string }{
		{"0", "0000000000000000"},
		{"0.00", "0000000000000002"},
		{"1", "0001000000000000" + "0001"},
		{"-1.5", "0002000040000001" + "0001" + "1388"},
		{"10000", "0001000100000000" + "0001"},
		{"0.0001", "0001ffff00000004" + "0001"},
		{"1234.5678", "0002000000000004" + "04d2" + "162e"},
		{"NaN", "00000000c0000000"},
		{"Infinity", "00000000d0000000"},
		{"-Infinity", "00000000f0000000"},
	} {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		dec, _ := TextDecoder(NumericT, NumericT.Arrow(), Format{})
		arr, err := decodeOne(t, mem, NumericT.Arrow(), dec, []byte(tc.text))
		if err != nil {
			t.Fatal(err)
		}
		enc, _ := BinaryEncoder(NumericT, NumericT.Arrow())
		if got := hex.EncodeToString(enc(nil, arr, 0)); got != tc.hex {
			t.Errorf("%s: binary %s, want %s", tc.text, got, tc.hex)
		}
		arr.Release()
		mem.AssertSize(t, 0)
	}
}

func TestStrings(t *testing.T) {
	runCases(t, TextT, TextT.Arrow(), Format{}, []codecCase{
		{in: ""}, {in: "héllo wörld"}, {in: "a\nb"}, {in: "\xff", code: encoding}, {in: "a\x00b", code: encoding},
	})
	v := VarcharOf(3)
	runCases(t, v, v.Arrow(), Format{}, []codecCase{
		{in: "abc"}, {in: "ab"}, {in: "abc   ", want: "abc"}, {in: "abcd", code: tooLong}, {in: "éèê"},
		{in: "éèêë", code: tooLong}, {in: "a  x", code: tooLong},
	})
	c := BPCharOf(3)
	runCases(t, c, c.Arrow(), Format{}, []codecCase{
		{in: "a", want: "a  "}, {in: "abc"}, {in: "abc  ", want: "abc"}, {in: "", want: "   "}, {in: "abcd", code: tooLong},
		{in: "é", want: "é  "},
	})
	runCases(t, NameT, NameT.Arrow(), Format{}, []codecCase{
		{in: "pg_class"}, {in: string(bytes.Repeat([]byte("x"), 70)), want: string(bytes.Repeat([]byte("x"), 63))},
	})
	j := T{JSONB, -1}
	runCases(t, j, j.Arrow(), Format{}, []codecCase{{in: `{"a": [1, 2]}`}, {in: `{"a"`, code: syntax}})
}

func TestBytea(t *testing.T) {
	runCases(t, ByteaT, ByteaT.Arrow(), Format{}, []codecCase{
		{in: `\x`}, {in: `\x00ff10`}, {in: `\xDEADbeef`, want: `\xdeadbeef`}, {in: `\x de ad `, want: `\xdead`},
		{in: "abc", want: `\x616263`}, {in: `a\\b`, want: `\x615c62`}, {in: `\000\377`, want: `\x00ff`},
		{in: `\x0`, code: syntax}, {in: `\xzz`, code: syntax}, {in: `\`, code: syntax}, {in: `\400`, code: syntax},
		{in: `\12`, code: syntax},
	})
}

func TestUUID(t *testing.T) {
	runCases(t, UUIDT, UUIDT.Arrow(), Format{}, []codecCase{
		{in: "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"},
		{in: "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11", want: "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"},
		{in: "{a0eebc99-9c0b4ef8-bb6d6bb9-bd380a11}", want: "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"},
		{in: "a0eebc999c0b4ef8bb6d6bb9bd380a11", want: "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"},
		{in: "a0ee-bc99-9c0b-4ef8-bb6d-6bb9-bd38-0a11", want: "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"},
		{in: "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1", code: syntax},
		{in: "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11x", code: syntax},
		{in: " a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", code: syntax},
		{in: "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", code: syntax},
	})
}

func TestDate(t *testing.T) {
	runCases(t, DateT, DateT.Arrow(), Format{}, []codecCase{
		{in: "2024-01-31"}, {in: "2000-01-01"}, {in: "1970-01-01"}, {in: "2024-02-29"}, {in: "0001-01-01"},
		{in: "0001-12-31 BC"}, {in: "4713-11-24 BC"}, {in: "5874897-12-31"}, {in: "infinity"}, {in: "-infinity"},
		{in: "epoch", want: "1970-01-01"}, {in: " 2024-1-5 ", want: "2024-01-05"}, {in: "20240131", want: "2024-01-31"},
		{in: "1/31/2024", want: "2024-01-31"}, {in: "2024-01-31 12:34:56", want: "2024-01-31"},
		{in: "2024-01-31T12:34:56+05", want: "2024-01-31"}, {in: "99-01-31", want: "1999-01-31"},
		{in: "10000-01-01"}, {in: "2024-01-31 AD", want: "2024-01-31"},
		{in: "2023-02-29", code: dtRange}, {in: "2024-13-01", code: dtRange}, {in: "0000-01-01", code: dtRange},
		{in: "4714-11-23 BC", code: dtRange}, {in: "5874898-01-01", code: dtRange},
		{in: "x", code: dtFormat}, {in: "2024-01", code: dtFormat}, {in: "", code: dtFormat}, {in: "2024-01-31x", code: dtFormat},
	})
}

func TestTime(t *testing.T) {
	runCases(t, TimeT, TimeT.Arrow(), Format{}, []codecCase{
		{in: "12:34:56"}, {in: "00:00:00"}, {in: "23:59:59.999999"}, {in: "24:00:00"}, {in: "12:34", want: "12:34:00"},
		{in: "12:34:56.100", want: "12:34:56.1"}, {in: "12:34:56.1234567", want: "12:34:56.123457"},
		{in: "allballs", want: "00:00:00"}, {in: "12:00:00+05", want: "12:00:00"},
		{in: "25:00:00", code: dtRange}, {in: "12:60:00", code: dtRange}, {in: "24:00:01", code: dtRange},
		{in: "x", code: dtFormat}, {in: "12", code: dtFormat},
	})
	t3 := T{Time, 3}
	runCases(t, t3, t3.Arrow(), Format{}, []codecCase{{in: "12:34:56.1235", want: "12:34:56.124"}})
}

func TestTimestamp(t *testing.T) {
	runCases(t, TimestampT, TimestampT.Arrow(), Format{}, []codecCase{
		{in: "2024-01-31 12:34:56.123456"}, {in: "2024-01-31 12:34:56.120000", want: "2024-01-31 12:34:56.12"},
		{in: "2024-01-31", want: "2024-01-31 00:00:00"}, {in: "2024-01-31T12:34:56", want: "2024-01-31 12:34:56"},
		{in: "2024-01-31 12:34:56+05:30", want: "2024-01-31 12:34:56"}, {in: "infinity"}, {in: "-infinity"},
		{in: "0044-03-15 12:00:00 BC"}, {in: "1969-12-31 23:59:59.999999"}, {in: "epoch", want: "1970-01-01 00:00:00"},
		{in: "4713-11-24 00:00:00 BC"}, {in: "294246-12-30 23:59:59.999999"},
		{in: "4714-11-23 23:59:59 BC", code: dtRange}, {in: "2024-01-31 25:00", code: dtRange},
		{in: "2024-01-31 12", code: dtFormat}, {in: "2024-01-31 12:34:56 nonsense", code: dtFormat},
	})
	t0 := T{Timestamp, 0}
	runCases(t, t0, t0.Arrow(), Format{}, []codecCase{{in: "2024-01-31 12:34:56.5", want: "2024-01-31 12:34:57"}})
}

func TestTimestamptz(t *testing.T) {
	runCases(t, TimestamptzT, TimestamptzT.Arrow(), Format{}, []codecCase{
		{in: "2024-01-31 12:34:56+00"}, {in: "2024-01-31 12:34:56", want: "2024-01-31 12:34:56+00"},
		{in: "2024-01-31 12:34:56+05:30", want: "2024-01-31 07:04:56+00"}, {in: "2024-01-31 12:34:56Z", want: "2024-01-31 12:34:56+00"},
		{in: "2024-01-31 12:34:56 UTC", want: "2024-01-31 12:34:56+00"}, {in: "2024-01-31 12:34:56-0800", want: "2024-01-31 20:34:56+00"},
		{in: "infinity"}, {in: "0044-03-15 12:00:00+00 BC"}, {in: "2024-01-31 12:34:56+25", code: dtRange},
	})
	kolkata, err := time.LoadLocation("Asia/Kolkata")
	if err != nil {
		t.Skip("no tzdata:", err)
	}
	runCases(t, TimestamptzT, TimestamptzT.Arrow(), Format{Location: kolkata}, []codecCase{
		{in: "2024-01-31 12:34:56+00", want: "2024-01-31 18:04:56+05:30"}, {in: "2024-01-31 12:34:56+05:30"},
		{in: "2024-01-31 12:34:56", want: "2024-01-31 12:34:56+05:30"},
	})
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("no tzdata:", err)
	}
	runCases(t, TimestamptzT, TimestamptzT.Arrow(), Format{Location: ny}, []codecCase{
		{in: "2024-07-01 12:00:00", want: "2024-07-01 12:00:00-04"}, {in: "2024-01-01 12:00:00", want: "2024-01-01 12:00:00-05"},
		{in: "1800-01-01 00:00:00+00", want: "1799-12-31 19:03:58-04:56:02"},
	})
}

func TestInterval(t *testing.T) {
	runCases(t, IntervalT, IntervalT.Arrow(), Format{}, []codecCase{
		{in: "1 year 2 mons 3 days 04:05:06"}, {in: "00:00:00"}, {in: "1 day", want: "1 day"}, {in: "2 days"},
		{in: "1 mon"}, {in: "-1 years -2 mons"}, {in: "-1 days +02:00:00"}, {in: "1 day -02:00:00"},
		{in: "-00:00:01.5"}, {in: "100:00:00"}, {in: "1.5 days", want: "1 day 12:00:00"}, {in: "1.5 years", want: "1 year 6 mons"},
		{in: "2 hours 30 minutes", want: "02:30:00"}, {in: "@ 1 day ago", want: "-1 days"}, {in: "3 weeks", want: "21 days"},
		{in: "1 decade", want: "10 years"}, {in: "90", want: "00:01:30"}, {in: "1 y 2 mon 3 d 4 h 5 m 6 s", want: "1 year 2 mons 3 days 04:05:06"},
		{in: "0.5 mons", want: "15 days"}, {in: "1 millisecond", want: "00:00:00.001"}, {in: "-1 year +2 days", want: "-1 years +2 days"},
		{in: "x", code: dtFormat}, {in: "", code: dtFormat}, {in: "1 fortnight", code: dtFormat}, {in: "ago", code: dtFormat},
		{in: "3000000000 days", code: dtRange},
	})
}

func TestBinaryErrors(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	for _, tc := range []struct {
		typ  T
		data string
	}{
		{Int4T, "\x00\x01"}, {Int8T, "\x00"}, {BoolT, ""}, {Float8T, "\x00\x00\x00\x00"}, {UUIDT, "abc"},
		{NumericT, "\x00\x01\x00\x00\x00\x00\x00\x00"}, {NumericT, "\x00\x01\x00\x00\x00\x00\x00\x00\x27\x10"},
		{NumericT, "\x00\x00\x00\x00\x12\x34\x00\x00"}, {DateT, "\x00"}, {TimeT, "\x00\x00\x00\x00\x00\x00\x00"},
		{IntervalT, "\x00"}, {T{JSONB, -1}, "\x02{}"},
	} {
		dec, err := BinaryDecoder(tc.typ, tc.typ.Arrow())
		if err != nil {
			t.Fatal(err)
		}
		_, err = decodeOne(t, mem, tc.typ.Arrow(), dec, []byte(tc.data))
		if sqlstate.CodeOf(err) != sqlstate.InvalidBinaryRepresentation {
			t.Errorf("%s %x: got %v, want 22P03", tc.typ, tc.data, err)
		}
	}
}

func TestWrongArrowType(t *testing.T) {
	if _, err := TextEncoder(Int4T, arrow.PrimitiveTypes.Int64, Format{}); err == nil {
		t.Fatal("int4 over an Int64 array: want an error")
	}
	if _, err := BinaryDecoder(NumericOf(10, 2), arrow.BinaryTypes.String); err != nil {
		t.Fatalf("numeric(10,2) as text: %v", err)
	}
}

func TestDateRange(t *testing.T) {
	if got := daysFromCivil(-4713, 11, 24); got != minDateDays {
		t.Errorf("minDateDays = %d, want %d", minDateDays, got)
	}
	if got := daysFromCivil(5874897, 12, 31); got != maxDateDays {
		t.Errorf("maxDateDays = %d, want %d", maxDateDays, got)
	}
	for _, d := range []int64{minDateDays, -1, 0, 1, 10957, 59, 60, maxDateDays} {
		y, m, dd := civilFromDays(d)
		if back := daysFromCivil(y, m, dd); back != d {
			t.Errorf("day %d -> %d-%d-%d -> %d", d, y, m, dd, back)
		}
	}
}

// BenchmarkEncode measures the per-value cost of the hot encoders.
func BenchmarkEncode(b *testing.B) {
	mem := memory.NewGoAllocator()
	for _, tc := range []struct {
		typ T
		in  string
	}{
		{Int8T, "1234567890"}, {Float8T, "3.141592653589793"}, {NumericOf(12, 2), "12345.67"},
		{TextT, "hello world"}, {TimestampT, "2024-01-31 12:34:56.123456"}, {TimestamptzT, "2024-01-31 12:34:56.123456+00"},
		{DateT, "2024-01-31"},
	} {
		dec, _ := TextDecoder(tc.typ, tc.typ.Arrow(), Format{})
		arr, err := decodeOne(b, mem, tc.typ.Arrow(), dec, []byte(tc.in))
		if err != nil {
			b.Fatal(err)
		}
		enc, _ := TextEncoder(tc.typ, tc.typ.Arrow(), Format{})
		benc, _ := BinaryEncoder(tc.typ, tc.typ.Arrow())
		buf := make([]byte, 0, 64)
		b.Run("text/"+tc.typ.String(), func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				buf = enc(buf[:0], arr, 0)
			}
		})
		b.Run("binary/"+tc.typ.String(), func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				buf = benc(buf[:0], arr, 0)
			}
		})
		arr.Release()
	}
}
