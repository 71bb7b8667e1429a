package sqltype

import (
	"bytes"
	"errors"
	"testing"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/memory"

	"github.com/sharehouse/sharehouse/executor/sqlstate"
)

// fuzzTypes are the types the fuzz targets pick from by index.
var fuzzTypes = []T{
	BoolT, Int2T, Int4T, Int8T, OidT, Float4T, Float8T, NumericT, NumericOf(10, 3), NumericOf(38, 0),
	TextT, VarcharOf(4), BPCharOf(4), NameT, ByteaT, UUIDT, DateT, TimeT, TimestampT, TimestamptzT,
	IntervalT, {JSONB, -1}, {Timestamp, 2},
	{TextArray, -1}, {Int2Array, -1}, {Int4Array, -1}, {OidArray, -1}, {Int2Vector, -1}, {Float8Array, -1},
}

func fuzzType(k uint8) (T, arrow.DataType) {
	t := fuzzTypes[int(k)%len(fuzzTypes)]
	return t, t.Arrow()
}

// checkCodecError fails unless err is a *sqlstate.Error.
func checkCodecError(t *testing.T, err error) {
	var e *sqlstate.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %T %v is not a *sqlstate.Error", err, err)
	}
}

// FuzzTextDecode: text decoding never panics, fails only with SQLSTATE
// errors, and decode → encode → decode → encode is a fixpoint, through the
// binary form too. Seed corpus: testdata/fuzz/FuzzTextDecode.
func FuzzTextDecode(f *testing.F) {
	for k, s := range []string{"t", "-32768", "2147483647", "-9223372036854775808", "4294967295", "1.5e-05",
		"1e+100", "1.50", "-123.4565", "12345678901234567890123456789012345678", "héllo", "abcd  ", "ab",
		"pg_class", `\xdeadbeef`, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "2024-01-31 BC", "24:00:00",
		"2024-01-31 12:34:56.123456", "2024-01-31 12:34:56+05:30", "1 year -2 mons +3 days -04:05:06.5",
		`{"a": 1}`, "2024-01-31 12:34:56.125"} {
		f.Add(uint8(k), []byte(s))
	}
	f.Fuzz(func(t *testing.T, k uint8, data []byte) {
		typ, dt := fuzzType(k)
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		defer mem.AssertSize(t, 0)
		dec, _ := TextDecoder(typ, dt, Format{})
		arr, err := decodeOne(t, mem, dt, dec, data)
		if err != nil {
			checkCodecError(t, err)
			return
		}
		arr.Release()
		out, err := roundTrip(t, typ, dt, Format{}, data)
		if err != nil {
			t.Fatalf("%s %q decoded once but not twice: %v", typ, data, err)
		}
		_ = out
	})
}

// FuzzBinaryDecode: binary decoding never panics, fails only with SQLSTATE
// errors, and what it accepts encodes to a binary form that decodes to the
// same value. Seed corpus: testdata/fuzz/FuzzBinaryDecode.
func FuzzBinaryDecode(f *testing.F) {
	f.Add(uint8(7), []byte("\x00\x02\x00\x00\x40\x00\x00\x01\x00\x01\x13\x88"))
	f.Add(uint8(8), []byte("\x00\x02\x00\x00\x00\x00\x00\x04\x04\xd2\x16\x2e"))
	f.Add(uint8(16), []byte("\x00\x00\x00\x00"))
	f.Add(uint8(18), []byte("\x00\x00\x00\x00\x00\x00\x00\x00"))
	f.Add(uint8(20), []byte("\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x02\x00\x00\x00\x03"))
	f.Add(uint8(21), []byte("\x01{}"))
	f.Add(uint8(0), []byte("\x01"))
	f.Fuzz(func(t *testing.T, k uint8, data []byte) {
		typ, dt := fuzzType(k)
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		defer mem.AssertSize(t, 0)
		bdec, _ := BinaryDecoder(typ, dt)
		benc, _ := BinaryEncoder(typ, dt)
		tenc, _ := TextEncoder(typ, dt, Format{})
		arr, err := decodeOne(t, mem, dt, bdec, data)
		if err != nil {
			checkCodecError(t, err)
			return
		}
		defer arr.Release()
		bin := benc(nil, arr, 0)
		arr2, err := decodeOne(t, mem, dt, bdec, bin)
		if err != nil {
			t.Fatalf("%s: %x re-encoded as %x does not decode: %v", typ, data, bin, err)
		}
		defer arr2.Release()
		if bin2 := benc(nil, arr2, 0); !bytes.Equal(bin, bin2) {
			t.Fatalf("%s: %x -> %x -> %x", typ, data, bin, bin2)
		}
		if a, b := tenc(nil, arr, 0), tenc(nil, arr2, 0); !bytes.Equal(a, b) {
			t.Fatalf("%s: %x prints %q, then %q", typ, data, a, b)
		}
		// The text form reads back as the same value.
		tdec, _ := TextDecoder(typ, dt, Format{})
		text := tenc(nil, arr, 0)
		arr3, err := decodeOne(t, mem, dt, tdec, text)
		if err != nil {
			t.Fatalf("%s: %x prints %q, which does not decode: %v", typ, data, text, err)
		}
		defer arr3.Release()
		// (Text, not binary: a NaN's payload does not survive text, as in PostgreSQL.)
		if t3 := tenc(nil, arr3, 0); !bytes.Equal(text, t3) {
			t.Fatalf("%s: %x prints %q, which decodes and prints as %q", typ, data, text, t3)
		}
	})
}
