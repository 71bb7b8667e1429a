package executor

import (
	"context"
	"fmt"
	"math"
	"sync/atomic"
	"time"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"

	"github.com/sharehouse/sharehouse/executor/sqltype"
)

// Expr is a bound, typed scalar expression, evaluated a batch at a time.
type Expr interface {
	// Type is the SQL type of the result.
	Type() sqltype.T
	// DataType is the Arrow type of the arrays Eval returns.
	DataType() arrow.DataType
	// Eval computes the expression for every row of rec. The result has
	// rec.NumRows() rows and belongs to the caller, who must Release it.
	Eval(ec *evalContext, rec arrow.Record) (arrow.Array, error)
	String() string
}

// evalContext is what evaluation may need besides the input batch.
type evalContext struct {
	ctx context.Context
	mem memory.Allocator
	// stmtTime is the statement's start (now(), current_timestamp).
	stmtTime time.Time
	// format is the session's text format (TimeZone …) for casts to text.
	format sqltype.Format
	// budget is the statement's memory account (valuelimit.go); nil: none.
	budget *memBudget
	// valueCap is the largest value a function builds; 0: maxValueBytes.
	valueCap int64
}

func newEvalContext(ctx context.Context, mem memory.Allocator, now time.Time, f sqltype.Format) *evalContext {
	return &evalContext{ctx: ctx, mem: mem, stmtTime: now, format: f}
}

// colRef is column idx of the input batch.
type colRef struct {
	idx  int
	name string
	t    sqltype.T
	dt   arrow.DataType
}

func (c *colRef) Type() sqltype.T          { return c.t }
func (c *colRef) DataType() arrow.DataType { return c.dt }
func (c *colRef) String() string           { return c.name }
func (c *colRef) Eval(ec *evalContext, rec arrow.Record) (arrow.Array, error) {
	col := rec.Column(c.idx)
	col.Retain()
	return col, nil
}

// constExpr is a constant: a one-row array broadcast to every row.
// A NULL constant is a one-row array with a null.
type constExpr struct {
	t     sqltype.T
	value arrow.Array // length 1
	text  string      // for String()
	// wide is the value broadcast to the last batch length asked for:
	// a comparison with a constant needs it at every batch, and batches
	// mostly have the same length. Shared read-only (Arrow arrays are
	// immutable), by every goroutine evaluating the plan.
	wide atomic.Pointer[arrow.Array]
}

func (c *constExpr) Type() sqltype.T          { return c.t }
func (c *constExpr) DataType() arrow.DataType { return c.value.DataType() }
func (c *constExpr) String() string           { return c.text }
func (c *constExpr) Eval(ec *evalContext, rec arrow.Record) (arrow.Array, error) {
	n := int(rec.NumRows())
	if n <= 1 {
		return broadcast(ec.mem, c.value, n)
	}
	if w := c.wide.Load(); w != nil && (*w).Len() == n {
		(*w).Retain()
		return *w, nil
	}
	if err := c.fits(ec, n); err != nil {
		return nil, err
	}
	// From the Go allocator, not the query's: the plan keeps it, and the
	// collector frees it with the plan.
	a, err := broadcast(defaultMem, c.value, n)
	if err != nil {
		return nil, err
	}
	a.Retain() // the plan's reference
	c.wide.Store(&a)
	return a, nil
}

// fits checks n copies of a variable-width constant against what the
// statement may hold (SELECT repeat('x', 100000000) FROM big copies it to
// every row of a batch).
func (c *constExpr) fits(ec *evalContext, n int) error {
	var size int
	switch v := c.value.(type) {
	case *array.String:
		size = v.ValueLen(0)
	case *array.Binary:
		size = v.ValueLen(0)
	}
	if size < 1<<10 {
		return nil
	}
	o := ec.newValueOut("the constant's copies")
	return o.reserve(int64(size) * int64(n))
}

// isNull reports whether the constant is NULL.
func (c *constExpr) isNull() bool { return c.value.IsNull(0) }

// broadcast returns an array of n copies of one[0].
func broadcast(mem memory.Allocator, one arrow.Array, n int) (arrow.Array, error) {
	if n == 1 {
		one.Retain()
		return one, nil
	}
	if !one.IsNull(0) {
		if a, ok := broadcastFlat(mem, one, n); ok {
			return a, nil
		}
	}
	b := array.NewBuilder(mem, one.DataType())
	defer b.Release()
	b.Reserve(n)
	if one.IsNull(0) {
		b.AppendNulls(n)
		return b.NewArray(), nil
	}
	for i := 0; i < n; i++ {
		if err := appendValue(b, one, 0); err != nil {
			return nil, err
		}
	}
	return b.NewArray(), nil
}

// broadcastFlat builds n copies of a non-null fixed-width or string value
// by copying bytes, not appending row by row: every comparison with a
// constant broadcasts it to the batch's length.
func broadcastFlat(mem memory.Allocator, one arrow.Array, n int) (arrow.Array, bool) {
	d := one.Data()
	dt := one.DataType()
	var data []*memory.Buffer
	switch t := dt.(type) {
	case *arrow.BooleanType:
		return nil, false
	case arrow.FixedWidthDataType:
		w := t.BitWidth() / 8
		if w == 0 || len(d.Buffers()) < 2 || d.Buffers()[1] == nil {
			return nil, false
		}
		val := d.Buffers()[1].Bytes()[d.Offset()*w : (d.Offset()+1)*w]
		buf := memory.NewResizableBuffer(mem)
		buf.Resize(n * w)
		fillRepeat(buf.Bytes(), val)
		data = []*memory.Buffer{nil, buf}
	default:
		s, ok := one.(*array.String)
		if !ok || dt.ID() != arrow.STRING {
			return nil, false
		}
		val := s.Value(0)
		offs := memory.NewResizableBuffer(mem)
		offs.Resize((n + 1) * 4)
		o := arrow.Int32Traits.CastFromBytes(offs.Bytes())
		for i := range o {
			o[i] = int32(i * len(val))
		}
		if int64(n)*int64(len(val)) > math.MaxInt32 {
			offs.Release()
			return nil, false
		}
		buf := memory.NewResizableBuffer(mem)
		buf.Resize(n * len(val))
		fillRepeat(buf.Bytes(), []byte(val))
		data = []*memory.Buffer{nil, offs, buf}
	}
	nd := array.NewData(dt, n, data, nil, 0, 0)
	for _, b := range data {
		if b != nil {
			b.Release()
		}
	}
	defer nd.Release()
	return array.MakeFromData(nd), true
}

// fillRepeat fills dst with copies of val (len(dst) a multiple of len(val)).
func fillRepeat(dst, val []byte) {
	if len(val) == 0 {
		return
	}
	k := copy(dst, val)
	for k < len(dst) {
		k += copy(dst[k:], dst[:k])
	}
}

// appendValue appends row i of arr (possibly null) to b of the same type.
func appendValue(b array.Builder, arr arrow.Array, i int) error {
	if arr.IsNull(i) {
		b.AppendNull()
		return nil
	}
	switch a := arr.(type) {
	case *array.Boolean:
		b.(*array.BooleanBuilder).Append(a.Value(i))
	case *array.Int16:
		b.(*array.Int16Builder).Append(a.Value(i))
	case *array.Int32:
		b.(*array.Int32Builder).Append(a.Value(i))
	case *array.Int64:
		b.(*array.Int64Builder).Append(a.Value(i))
	case *array.Uint32:
		b.(*array.Uint32Builder).Append(a.Value(i))
	case *array.Float32:
		b.(*array.Float32Builder).Append(a.Value(i))
	case *array.Float64:
		b.(*array.Float64Builder).Append(a.Value(i))
	case *array.Decimal128:
		b.(*array.Decimal128Builder).Append(a.Value(i))
	case *array.String:
		b.(*array.StringBuilder).Append(a.Value(i))
	case *array.Binary:
		b.(*array.BinaryBuilder).Append(a.Value(i))
	case *array.FixedSizeBinary:
		b.(*array.FixedSizeBinaryBuilder).Append(a.Value(i))
	case *array.Date32:
		b.(*array.Date32Builder).Append(a.Value(i))
	case *array.Time64:
		b.(*array.Time64Builder).Append(a.Value(i))
	case *array.Timestamp:
		b.(*array.TimestampBuilder).Append(a.Value(i))
	case *array.MonthDayNanoInterval:
		b.(*array.MonthDayNanoIntervalBuilder).Append(a.Value(i))
	case *array.Struct: // a record
		sb := b.(*array.StructBuilder)
		sb.Append(true)
		for j := 0; j < a.NumField(); j++ {
			if err := appendValue(sb.FieldBuilder(j), a.Field(j), i); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("appendValue: unsupported array %T", arr)
	}
	return nil
}
