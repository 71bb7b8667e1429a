package storage

import (
	"fmt"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/bitutil"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/apache/arrow/go/v17/parquet"
	"github.com/apache/arrow/go/v17/parquet/file"
	"github.com/apache/arrow/go/v17/parquet/schema"
)

// Text columns are dictionary-encoded in our files. Decoding them value by
// value into a string builder costs more than the rest of a scan; reading
// the dictionary indices and copying the strings out in one pass, into
// buffers sized up front, costs a fraction of it. The executor still sees
// plain string arrays.

// Parquet's page type numbers (the Thrift PageType enum).
const (
	pageTypeData   = 0
	pageTypeDataV2 = 3
)

// dictStringColumns lists the leaf columns to read as dictionaries: string
// columns whose data pages are dictionary-encoded in every row group read.
// A chunk that fell back to plain pages would go through a dictionary
// builder's hash table instead, slower than a plain read.
func dictStringColumns(pr *file.Reader, rowGroups []int) []int {
	var cols []int
	sc := pr.MetaData().Schema
	for c := 0; c < sc.NumColumns(); c++ {
		col := sc.Column(c)
		if col.PhysicalType() != parquet.Types.ByteArray {
			continue
		}
		switch col.LogicalType().(type) {
		case schema.StringLogicalType, *schema.StringLogicalType:
		default:
			continue
		}
		if allDictPages(pr, rowGroups, c) {
			cols = append(cols, c)
		}
	}
	return cols
}

func allDictPages(pr *file.Reader, rowGroups []int, c int) bool {
	for _, g := range rowGroups {
		cc, err := pr.MetaData().RowGroup(g).ColumnChunk(c)
		if err != nil || !cc.HasDictionaryPage() {
			return false
		}
		stats := cc.EncodingStats()
		if len(stats) == 0 {
			return false
		}
		for _, st := range stats {
			if pt := int32(st.PageType); pt != pageTypeData && pt != pageTypeDataV2 {
				continue
			}
			if st.Encoding != parquet.Encodings.RLEDict && st.Encoding != parquet.Encodings.PlainDict {
				return false
			}
		}
	}
	return true
}

// plainStrings turns a dictionary array of strings into a string array:
// the lengths are summed first, so each buffer is allocated once.
func plainStrings(mem memory.Allocator, d *array.Dictionary) (arrow.Array, error) {
	dict, ok := d.Dictionary().(*array.String)
	if !ok {
		return nil, fmt.Errorf("dictionary of %s, want strings", d.Dictionary().DataType())
	}
	idx, ok := d.Indices().(*array.Int32)
	if !ok {
		return nil, fmt.Errorf("dictionary indices of %s, want int32", d.Indices().DataType())
	}
	n := d.Len()
	keys := idx.Int32Values()
	dictOffs := dict.ValueOffsets()
	dictData := dict.ValueBytes()
	nulls := d.NullN()
	valid := func(i int) bool { return nulls == 0 || d.IsValid(i) }
	var size int
	for i, k := range keys {
		if valid(i) {
			if k < 0 || int(k) >= dict.Len() {
				return nil, fmt.Errorf("dictionary index %d of %d", k, dict.Len())
			}
			size += int(dictOffs[k+1] - dictOffs[k])
		}
	}
	if size > 1<<31-1 {
		return nil, fmt.Errorf("%d bytes of strings in one batch", size)
	}
	offBuf := memory.NewResizableBuffer(mem)
	offBuf.Resize(arrow.Int32Traits.BytesRequired(n + 1))
	offs := arrow.Int32Traits.CastFromBytes(offBuf.Bytes())
	dataBuf := memory.NewResizableBuffer(mem)
	dataBuf.Resize(size)
	data := dataBuf.Bytes()
	pos := int32(0)
	for i, k := range keys {
		offs[i] = pos
		if valid(i) {
			pos += int32(copy(data[pos:], dictData[dictOffs[k]:dictOffs[k+1]]))
		}
	}
	offs[n] = pos
	var validity *memory.Buffer
	if nulls > 0 {
		validity = memory.NewResizableBuffer(mem)
		validity.Resize(int(bitutil.BytesForBits(int64(n))))
		bitutil.CopyBitmap(d.NullBitmapBytes(), d.Data().Offset(), n, validity.Bytes(), 0)
	}
	data2 := array.NewData(arrow.BinaryTypes.String, n, []*memory.Buffer{validity, offBuf, dataBuf}, nil, nulls, 0)
	offBuf.Release()
	dataBuf.Release()
	if validity != nil {
		validity.Release()
	}
	defer data2.Release()
	return array.MakeFromData(data2), nil
}
