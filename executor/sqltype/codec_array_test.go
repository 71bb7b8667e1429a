package sqltype

import (
	"testing"

	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
)

func TestArrayCodecs(t *testing.T) {
	for _, tc := range []struct {
		t          T
		in, want   string
		wantBinary string // hex of array_send's form
	}{
		{T{TextArray, -1}, `{a, "b c" ,NULL,"",\"q\"}`, `{a,"b c",NULL,"","\"q\""}`, ""},
		{T{TextArray, -1}, `{}`, `{}`, "000000000000000000000019"},
		{T{Int2Array, -1}, `{1, 2,-3}`, `{1,2,-3}`, "0000000100000000000000150000000300000001000000020001000000020002" + "00000002fffd"},
		{T{Int4Array, -1}, `{7,NULL}`, `{7,NULL}`, "000000010000000100000017000000020000000100000004" + "00000007ffffffff"},
		{T{OidArray, -1}, `{4294967295}`, `{4294967295}`, ""},
		{T{Int2Vector, -1}, `1  2`, `1 2`, "00000001000000000000001500000002000000000000000200010000000200" + "02"},
		{T{Float8Array, -1}, `{1.5,-0}`, `{1.5,-0}`, ""},
		{T{NameArray, -1}, `{pg_catalog,public}`, `{pg_catalog,public}`, ""},
	} {
		t.Run(tc.t.String()+" "+tc.in, func(t *testing.T) {
			dt := tc.t.Arrow()
			dec, err := TextDecoder(tc.t, dt, Format{})
			if err != nil {
				t.Fatal(err)
			}
			b := array.NewBuilder(memory.DefaultAllocator, dt)
			defer b.Release()
			if err := dec(b, []byte(tc.in)); err != nil {
				t.Fatal(err)
			}
			arr := b.NewArray()
			defer arr.Release()
			enc, _ := TextEncoder(tc.t, dt, Format{})
			if got := string(enc(nil, arr, 0)); got != tc.want {
				t.Errorf("text: got %s, want %s", got, tc.want)
			}
			benc, err := BinaryEncoder(tc.t, dt)
			if err != nil {
				t.Fatal(err)
			}
			bin := benc(nil, arr, 0)
			if tc.wantBinary != "" && fmtHex(bin) != tc.wantBinary {
				t.Errorf("binary: got %s, want %s", fmtHex(bin), tc.wantBinary)
			}
			bdec, _ := BinaryDecoder(tc.t, dt)
			if err := bdec(b, bin); err != nil {
				t.Fatal(err)
			}
			back := b.NewArray()
			defer back.Release()
			if got := string(enc(nil, back, 0)); got != tc.want {
				t.Errorf("binary round trip: got %s, want %s", got, tc.want)
			}
		})
	}
	for _, bad := range []string{`{`, `{a`, `{"a}`, `{{1}}`, `{1,}`, `1,2`} {
		dec, _ := TextDecoder(T{Int4Array, -1}, T{Int4Array, -1}.Arrow(), Format{})
		b := array.NewBuilder(memory.DefaultAllocator, T{Int4Array, -1}.Arrow())
		if err := dec(b, []byte(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
		b.Release()
	}
}

func fmtHex(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}
