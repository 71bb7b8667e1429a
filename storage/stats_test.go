package storage

import (
	"context"
	"fmt"
	"io"
	"math"
	"testing"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/decimal128"
)

// TestPartStatsAndRowGroups writes a file part of several row groups and
// an inline part, checks each row group's bounds and null counts against
// the rows written, and reads chosen row groups only.
func TestPartStatsAndRowGroups(t *testing.T) {
	s, mem := testStore(t, func(o *Options) { o.RowGroupRows = 100 })
	ctx := context.Background()
	fF := arrow.Field{Name: "f", Type: arrow.PrimitiveTypes.Float64, Nullable: true}
	fDec := arrow.Field{Name: "d", Type: &arrow.Decimal128Type{Precision: 12, Scale: 2}, Nullable: true}
	fDate := arrow.Field{Name: "dt", Type: arrow.FixedWidthTypes.Date32, Nullable: true}
	fI16 := arrow.Field{Name: "s", Type: arrow.PrimitiveTypes.Int16, Nullable: true}
	schema := arrow.NewSchema([]arrow.Field{fID, fName, fF, fDec, fDate, fI16}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	const n = 350
	for i := 0; i < n; i++ {
		b.Field(0).(*array.Int64Builder).Append(int64(i))
		if i%10 == 3 {
			b.Field(1).AppendNull()
		} else {
			b.Field(1).(*array.StringBuilder).Append(fmt.Sprintf("r%d", i))
		}
		switch {
		case i == 150:
			b.Field(2).(*array.Float64Builder).Append(math.NaN())
		case i >= 300:
			b.Field(2).AppendNull() // the last row group's floats are all null
		default:
			b.Field(2).(*array.Float64Builder).Append(float64(-i))
		}
		b.Field(3).(*array.Decimal128Builder).Append(decimal128.FromI64(int64(i * 3)))
		b.Field(4).(*array.Date32Builder).Append(arrow.Date32(20000 - i))
		b.Field(5).(*array.Int16Builder).Append(int16(i - 200))
	}
	rec := b.NewRecord()
	defer rec.Release()
	mustUpdate(t, s, func(tx *Tx) error {
		if err := tx.CreateTable(1); err != nil {
			return err
		}
		return tx.Append(ctx, 1, rec)
	})
	mustAppend(t, s, 1, 1000, 5) // an inline part, with fewer fields
	sn := mustSnapshot(t, s, 1)
	if got := kinds(sn); got != "f350 i5" {
		t.Fatalf("parts %q", got)
	}
	missing := arrow.Field{Name: "nope", Type: arrow.PrimitiveTypes.Int32, Nullable: true}
	fields := []arrow.Field{fID, fName, fF, fDec, fDate, fI16, missing}
	rgs, err := sn.PartStats(ctx, 0, fields)
	if err != nil {
		t.Fatal(err)
	}
	if len(rgs) != 4 {
		t.Fatalf("%d row groups, want 4", len(rgs))
	}
	for g, rg := range rgs {
		lo, hi := g*100, min(g*100+100, n)-1
		if rg.Rows != int64(hi-lo+1) {
			t.Errorf("row group %d: %d rows", g, rg.Rows)
		}
		want := []string{
			fmt.Sprintf("[%d %d]", lo, hi),
			fmt.Sprintf(`["r%d" "r%d"]`, lo+0, lo+99), // byte order: r100 < r199 and r0 < r99 (r3 is null)
			fmt.Sprintf("[%d NaN]", -hi),
			fmt.Sprintf("[{%d 0} {%d 0}]", lo*3, hi*3),
			fmt.Sprintf("[%d %d]", 20000-hi, 20000-lo),
			fmt.Sprintf("[%d %d]", lo-200, hi-200),
			"",
		}
		if g == 3 {
			want[1] = `["r300" "r349"]`
			want[2] = "" // only nulls: no bounds
		}
		if g == 1 {
			want[2] = fmt.Sprintf("[%d NaN]", -hi) // NaN at 150 is left out of min
		}
		nulls := []int64{0, 10, 0, 0, 0, 0, rg.Rows}
		if g == 3 {
			nulls[1], nulls[2] = 5, 50
		}
		for j, cs := range rg.Columns {
			got := ""
			if cs.MinMax != nil {
				got = cs.MinMax.String()
			}
			if got != want[j] {
				t.Errorf("row group %d field %s: bounds %s, want %s", g, fields[j].Name, got, want[j])
			}
			if cs.Nulls != nulls[j] {
				t.Errorf("row group %d field %s: %d nulls, want %d", g, fields[j].Name, cs.Nulls, nulls[j])
			}
		}
	}
	// The inline part: one row group, nothing known.
	in, err := sn.PartStats(ctx, 1, fields)
	if err != nil {
		t.Fatal(err)
	}
	if len(in) != 1 || in[0].Rows != 5 || in[0].Columns[0].MinMax != nil || in[0].Columns[0].Nulls != -1 {
		t.Errorf("inline stats %+v", in)
	}

	// Reading chosen row groups returns exactly their rows, in the order given.
	read := func(part int, groups []int) []int64 {
		t.Helper()
		it, err := sn.ScanRowGroups(ctx, part, []arrow.Field{fID}, groups)
		if err != nil {
			t.Fatal(err)
		}
		defer it.Close()
		var out []int64
		for {
			r, err := it.Next(ctx)
			if err == io.EOF {
				return out
			}
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, r.Column(0).(*array.Int64).Int64Values()...)
		}
	}
	equalIDs(t, read(0, []int{3, 1}), append(seq(300, 50), seq(100, 100)...))
	equalIDs(t, read(0, []int{}), nil)
	equalIDs(t, read(0, nil), seq(0, 350))
	equalIDs(t, read(1, []int{0}), seq(1000, 5))
	equalIDs(t, read(1, []int{}), nil)
	if _, err := sn.ScanRowGroups(ctx, 0, []arrow.Field{fID}, []int{4}); err == nil {
		t.Error("row group 4 of 4: no error")
	}
	// No column read (count(*)): the chosen row groups' row count.
	it, err := sn.ScanRowGroups(ctx, 0, nil, []int{0, 3})
	if err != nil {
		t.Fatal(err)
	}
	var rows int64
	for {
		r, err := it.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		rows += r.NumRows()
	}
	it.Close()
	if rows != 150 {
		t.Errorf("count of row groups 0 and 3: %d", rows)
	}
}
