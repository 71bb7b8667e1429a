package executor

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"math"

	"github.com/cockroachdb/apd/v3"

	"github.com/sharehouse/sharehouse/executor/sqltype"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
)

// appendKey appends an encoding of row i of arr to key such that two rows
// encode equally exactly when they are equal or both NULL: the grouping
// and hashing notion of sameness.
func appendKey(key []byte, arr arrow.Array, i int) []byte {
	if arr.IsNull(i) {
		return append(key, 0)
	}
	key = append(key, 1)
	switch a := arr.(type) {
	case *array.Boolean:
		if a.Value(i) {
			return append(key, 1)
		}
		return append(key, 0)
	case *array.Int16:
		return binary.LittleEndian.AppendUint16(key, uint16(a.Value(i)))
	case *array.Int32:
		return binary.LittleEndian.AppendUint32(key, uint32(a.Value(i)))
	case *array.Int64:
		return binary.LittleEndian.AppendUint64(key, uint64(a.Value(i)))
	case *array.Uint32:
		return binary.LittleEndian.AppendUint32(key, a.Value(i))
	case *array.Float32:
		return binary.LittleEndian.AppendUint64(key, floatKey(float64(a.Value(i))))
	case *array.Float64:
		return binary.LittleEndian.AppendUint64(key, floatKey(a.Value(i)))
	case *array.Decimal128:
		v := a.Value(i)
		key = binary.LittleEndian.AppendUint64(key, v.LowBits())
		return binary.LittleEndian.AppendUint64(key, uint64(v.HighBits()))
	case *array.String:
		s := a.Value(i)
		key = binary.AppendUvarint(key, uint64(len(s)))
		return append(key, s...)
	case *array.Binary:
		s := a.Value(i)
		key = binary.AppendUvarint(key, uint64(len(s)))
		return append(key, s...)
	case *array.FixedSizeBinary:
		return append(key, a.Value(i)...)
	case *array.Date32:
		return binary.LittleEndian.AppendUint32(key, uint32(a.Value(i)))
	case *array.Time64:
		return binary.LittleEndian.AppendUint64(key, uint64(a.Value(i)))
	case *array.Timestamp:
		return binary.LittleEndian.AppendUint64(key, uint64(a.Value(i)))
	case *array.MonthDayNanoInterval:
		v := a.Value(i)
		key = binary.LittleEndian.AppendUint32(key, uint32(v.Months))
		key = binary.LittleEndian.AppendUint32(key, uint32(v.Days))
		return binary.LittleEndian.AppendUint64(key, uint64(v.Nanoseconds))
	}
	panic("appendKey: unsupported array type " + arr.DataType().String())
}

// floatKey makes -0 equal 0 and every NaN equal, as PostgreSQL's float
// equality does.
func floatKey(f float64) uint64 {
	if f == 0 {
		return 0
	}
	if math.IsNaN(f) {
		return math.Float64bits(math.NaN())
	}
	return math.Float64bits(f)
}

// comparator compares two rows of one column; nulls are handled outside.
type comparator func(i, j int) int

// compareFunc returns PostgreSQL's ordering of arr's values: text byte by
// byte (C collation), NaN above every other float.
func compareFunc(arr arrow.Array) comparator {
	switch a := arr.(type) {
	case *array.Boolean:
		return func(i, j int) int { return orderBool(a.Value(i), a.Value(j)) }
	case *array.Int16:
		v := a.Int16Values()
		return func(i, j int) int { return cmp.Compare(v[i], v[j]) }
	case *array.Int32:
		v := a.Int32Values()
		return func(i, j int) int { return cmp.Compare(v[i], v[j]) }
	case *array.Int64:
		v := a.Int64Values()
		return func(i, j int) int { return cmp.Compare(v[i], v[j]) }
	case *array.Uint32:
		v := a.Uint32Values()
		return func(i, j int) int { return cmp.Compare(v[i], v[j]) }
	case *array.Float32:
		v := a.Float32Values()
		return func(i, j int) int { return cmpFloat(float64(v[i]), float64(v[j])) }
	case *array.Float64:
		v := a.Float64Values()
		return func(i, j int) int { return cmpFloat(v[i], v[j]) }
	case *array.Decimal128:
		return func(i, j int) int { return a.Value(i).Cmp(a.Value(j)) }
	case *array.String:
		return func(i, j int) int { return cmp.Compare(a.Value(i), a.Value(j)) }
	case *array.Binary:
		return func(i, j int) int { return bytes.Compare(a.Value(i), a.Value(j)) }
	case *array.FixedSizeBinary:
		return func(i, j int) int { return bytes.Compare(a.Value(i), a.Value(j)) }
	case *array.Date32:
		v := a.Date32Values()
		return func(i, j int) int { return cmp.Compare(v[i], v[j]) }
	case *array.Time64:
		v := a.Time64Values()
		return func(i, j int) int { return cmp.Compare(v[i], v[j]) }
	case *array.Timestamp:
		v := a.TimestampValues()
		return func(i, j int) int { return cmp.Compare(v[i], v[j]) }
	case *array.MonthDayNanoInterval:
		return func(i, j int) int { return cmp.Compare(intervalSpan(a.Value(i)), intervalSpan(a.Value(j))) }
	}
	panic("compareFunc: unsupported array type " + arr.DataType().String())
}

// numericTextOrder orders numerics held as text (numeric without a
// fitting decimal width) by value, not by their digits' bytes.
func numericTextOrder(a *array.String) comparator {
	vals := make([]apd.Decimal, a.Len())
	r := newNumReader(a)
	for i := range vals {
		if a.IsValid(i) {
			_ = r.get(i, &vals[i]) // text numerics are valid by construction
		}
	}
	return func(i, j int) int { return numCmp(&vals[i], &vals[j]) }
}

func orderBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case !a:
		return -1
	}
	return 1
}

// intervalSpan is PostgreSQL's interval comparison key: months count 30
// days, days 24 hours.
func intervalSpan(v arrow.MonthDayNanoInterval) float64 {
	return (float64(v.Months)*30+float64(v.Days))*86400e9 + float64(v.Nanoseconds)
}

// numericKeys returns arr (a numeric key column, Decimal128 or text) as
// text in one canonical form per value, so that appendKey makes equal
// numerics (1.0 and 1.00, or a decimal and its text) equal keys; other
// arrays come back as they are. The result is the caller's to release.
func numericKeys(mem memory.Allocator, t sqltype.T, arr arrow.Array) arrow.Array {
	if t.OID == sqltype.JSONB {
		return jsonbKeys(mem, arr) // jsonb's numbers too: {"a": 1.0} = {"a": 1}
	}
	if t.OID != sqltype.Numeric {
		arr.Retain()
		return arr
	}
	r := newNumReader(arr)
	b := array.NewStringBuilder(mem)
	defer b.Release()
	var d apd.Decimal
	for i := 0; i < arr.Len(); i++ {
		if arr.IsNull(i) || r.get(i, &d) != nil {
			b.AppendNull()
			continue
		}
		d.Reduce(&d)
		if d.IsZero() {
			d.Negative = false
		}
		b.Append(d.String())
	}
	return b.NewArray()
}
