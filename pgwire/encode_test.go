package pgwire

import (
	"encoding/binary"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/sharehouse/sharehouse/executor"
	"github.com/sharehouse/sharehouse/executor/sqlstate"
	"github.com/sharehouse/sharehouse/executor/sqltype"
)

func TestResultFormats(t *testing.T) {
	tests := []struct {
		name  string
		codes []int16
		n     int
		want  []int16
		code  sqlstate.Code
	}{
		{"none is text", nil, 3, []int16{0, 0, 0}, ""},
		{"one for all", []int16{1}, 2, []int16{1, 1}, ""},
		{"per column", []int16{1, 0, 1}, 3, []int16{1, 0, 1}, ""},
		{"wrong count", []int16{1, 0}, 3, nil, sqlstate.ProtocolViolation},
		{"bad code", []int16{2}, 1, nil, sqlstate.InvalidParameterValue},
		{"no columns", nil, 0, []int16{}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := resultFormats(tc.codes, tc.n)
			if tc.code != "" {
				if sqlstate.CodeOf(err) != tc.code {
					t.Fatalf("got %v, want %s", err, tc.code)
				}
				return
			}
			if err != nil || !slices.Equal(got, tc.want) {
				t.Fatalf("got %v %v, want %v", got, err, tc.want)
			}
		})
	}
}

func TestCompleteMessages(t *testing.T) {
	ready, _ := (&pgproto3.ReadyForQuery{TxStatus: 'I'}).Encode(nil)
	row, _ := (&pgproto3.DataRow{Values: [][]byte{[]byte("abc")}}).Encode(nil)
	whole := append(slices.Clone(ready), row...)
	tests := []struct {
		name string
		buf  []byte
		want int
	}{
		{"empty", nil, 0},
		{"whole", whole, len(whole)},
		{"cut in the last message", whole[:len(whole)-1], len(ready)},
		{"cut in a header", whole[:len(ready)+3], len(ready)},
		{"unpatched length", append(slices.Clone(ready), 'D', 0, 0, 0, 0, 0, 1), len(ready)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := len(completeMessages(tc.buf)); got != tc.want {
				t.Fatalf("got %d, want %d", got, tc.want)
			}
		})
	}
}

// testRecord makes n rows of (bigint, text with a null every 5th).
func testRecord(mem memory.Allocator, n int) arrow.Record {
	nb := array.NewInt64Builder(mem)
	sb := array.NewStringBuilder(mem)
	defer nb.Release()
	defer sb.Release()
	for i := range n {
		nb.Append(int64(i))
		if i%5 == 0 {
			sb.AppendNull()
		} else {
			sb.Append(fmt.Sprintf("value %d", i))
		}
	}
	na, sa := nb.NewArray(), sb.NewArray()
	defer na.Release()
	defer sa.Release()
	schema := arrow.NewSchema([]arrow.Field{{Name: "n", Type: arrow.PrimitiveTypes.Int64}, {Name: "s", Type: arrow.BinaryTypes.String, Nullable: true}}, nil)
	return array.NewRecord(schema, []arrow.Array{na, sa}, int64(n))
}

func TestAppendRow(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	rec := testRecord(mem, 6)
	defer rec.Release()
	cols := []executor.Column{{Name: "n", Type: sqltype.Int8T}, {Name: "s", Type: sqltype.TextT}}
	for _, formats := range [][]int16{{0, 0}, {1, 0}, {1, 1}} {
		enc := newRowEncoder(cols, formats, sqltype.Format{Location: time.UTC})
		if err := enc.setBatch(rec); err != nil {
			t.Fatal(err)
		}
		var buf []byte
		for i := range 6 {
			buf = enc.appendRow(buf, i)
		}
		// Decode what was built with pgproto3's own decoder.
		for i := range 6 {
			if buf[0] != 'D' {
				t.Fatalf("type %q", buf[0])
			}
			n := int(binary.BigEndian.Uint32(buf[1:]))
			var dr pgproto3.DataRow
			if err := dr.Decode(buf[5 : 1+n]); err != nil {
				t.Fatal(err)
			}
			buf = buf[1+n:]
			wantN := fmt.Sprint(i)
			if formats[0] == 1 {
				wantN = string(binary.BigEndian.AppendUint64(nil, uint64(i)))
			}
			if string(dr.Values[0]) != wantN {
				t.Fatalf("formats %v row %d: n = %q", formats, i, dr.Values[0])
			}
			if (dr.Values[1] == nil) != (i%5 == 0) || (dr.Values[1] != nil && string(dr.Values[1]) != fmt.Sprintf("value %d", i)) {
				t.Fatalf("formats %v row %d: s = %q", formats, i, dr.Values[1])
			}
		}
		if len(buf) != 0 {
			t.Fatalf("%d bytes left", len(buf))
		}
	}
}

func TestSetBatchColumnCount(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	rec := testRecord(mem, 1)
	defer rec.Release()
	enc := newRowEncoder([]executor.Column{{Name: "n", Type: sqltype.Int8T}}, []int16{0}, sqltype.Format{})
	if err := enc.setBatch(rec); err == nil {
		t.Fatal("batch with more columns than the result accepted")
	}
}

// BenchmarkAppendRow measures DataRow encoding: no allocation per row.
func BenchmarkAppendRow(b *testing.B) {
	rec := testRecord(memory.NewGoAllocator(), 1024)
	defer rec.Release()
	cols := []executor.Column{{Name: "n", Type: sqltype.Int8T}, {Name: "s", Type: sqltype.TextT}}
	for _, f := range []struct {
		name    string
		formats []int16
	}{{"text", []int16{0, 0}}, {"binary", []int16{1, 1}}} {
		b.Run(f.name, func(b *testing.B) {
			enc := newRowEncoder(cols, f.formats, sqltype.Format{Location: time.UTC})
			if err := enc.setBatch(rec); err != nil {
				b.Fatal(err)
			}
			buf := make([]byte, 0, 64<<10)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				if len(buf) > 60<<10 {
					buf = buf[:0]
				}
				buf = enc.appendRow(buf, i%1024)
			}
		})
	}
}
