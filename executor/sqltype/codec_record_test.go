package sqltype

import (
	"encoding/hex"
	"testing"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
)

func TestRecordCodecs(t *testing.T) {
	dt := RecordOf([]RecordField{{Name: "x", T: TextT}, {Name: "n", T: Int4T}})
	if f, ok := RecordFields(dt); !ok || len(f) != 2 || f[0].Name != "x" || f[1].T != Int4T {
		t.Fatalf("RecordFields: %v %v", f, ok)
	}
	b := array.NewStructBuilder(memory.DefaultAllocator, dt.(*arrow.StructType))
	defer b.Release()
	for _, v := range []struct {
		x   *string
		n   int32
		nul bool
	}{{x: ptr("a b"), n: 1}, {x: nil, n: 2}, {x: ptr(`q"\`), n: 3}, {x: ptr(""), n: 4}, {nul: true}} {
		if v.nul {
			b.AppendNull()
			continue
		}
		b.Append(true)
		if v.x == nil {
			b.FieldBuilder(0).AppendNull()
		} else {
			b.FieldBuilder(0).(*array.StringBuilder).Append(*v.x)
		}
		b.FieldBuilder(1).(*array.Int32Builder).Append(v.n)
	}
	arr := b.NewArray()
	defer arr.Release()
	enc, err := TextEncoder(RecordT, dt, Format{})
	if err != nil {
		t.Fatal(err)
	}
	// PostgreSQL 15: SELECT ROW('a b',1), ROW(NULL::text,2), ROW('q"\',3), ROW('',4)
	for i, want := range []string{`("a b",1)`, `(,2)`, `("q""\\",3)`, `("",4)`} {
		if got := string(enc(nil, arr, i)); got != want {
			t.Errorf("row %d: %s, want %s", i, got, want)
		}
	}
	benc, err := BinaryEncoder(RecordT, dt)
	if err != nil {
		t.Fatal(err)
	}
	// record_send: 2 fields; text 'a b'; int4 1.
	if got, want := hex.EncodeToString(benc(nil, arr, 0)), "00000002"+"00000019"+"00000003"+"612062"+"00000017"+"00000004"+"00000001"; got != want {
		t.Errorf("binary %s, want %s", got, want)
	}
	if got, want := hex.EncodeToString(benc(nil, arr, 1)), "00000002"+"00000019"+"ffffffff"+"00000017"+"00000004"+"00000002"; got != want {
		t.Errorf("binary with NULL %s, want %s", got, want)
	}
	if _, err := TextDecoder(RecordT, dt, Format{}); err == nil {
		t.Error("record input should be refused")
	}
}

func ptr(s string) *string { return &s }
