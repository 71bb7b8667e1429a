package executor

// Building blocks for the scalar kernels in fn_*.go and cast*.go.
//
// A kernel gets arrays of equal length n and returns a new array of n rows
// that the caller owns. Kernels work on whole typed slices: the output values
// buffer is allocated once per batch, the validity of a strict function's
// result is the AND of its arguments' validity bitmaps, and rows that are NULL
// are skipped only where a garbage value could raise a spurious error (an
// overflow or a division by zero in a NULL row must not fail the query).

import (
	"fmt"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/bitutil"
	"github.com/apache/arrow/go/v17/arrow/memory"

	"github.com/sharehouse/sharehouse/executor/sqlstate"
	"github.com/sharehouse/sharehouse/executor/sqltype"
)

// argInfo is an argument's SQL type and the Arrow type its arrays have.
type argInfo struct {
	T  sqltype.T
	DT arrow.DataType
}

func (a argInfo) String() string { return a.T.String() }

// infoOf returns the argInfo of t in its default Arrow representation.
func infoOf(t sqltype.T) argInfo { return argInfo{T: t, DT: t.Arrow()} }

// funcImpl is a resolved operator or function. The binder casts each argument
// to Args[i] (via resolveCast, implicit) and then calls Eval with arrays of
// equal length n.
type funcImpl struct {
	Name   string
	Args   []argInfo // the types arguments are coerced to
	Result argInfo
	Eval   func(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error)
	// EvalConst, when set, evaluates a two-argument function of a column
	// and a non-NULL constant of the same Arrow type without repeating the
	// constant n times; constLeft says which argument is the constant.
	EvalConst func(ec *evalContext, col, constant arrow.Array, constLeft bool, n int) (arrow.Array, error)
	// Volatile marks now()-style and random functions: not constant-folded.
	Volatile bool
	// NonStrict marks functions that look at NULL arguments themselves
	// (concat, concat_ws): a NULL argument does not make the result NULL.
	NonStrict bool
	// Session marks functions that read the session or the catalog when
	// evaluated (catalog functions): parallel workers never evaluate them.
	Session bool
}

// integer is the Go type of an int2, int4 or int8 column.
type integer interface{ ~int16 | ~int32 | ~int64 }

// fixed is any fixed-width Arrow value type a kernel reads as a slice.
type fixed interface {
	~int16 | ~int32 | ~int64 | ~uint32 | ~float32 | ~float64
}

// values returns the values of a fixed-width array as a slice, honouring its
// offset. The slice aliases the array's buffer.
func values[T fixed](a arrow.Array) []T {
	d := a.Data()
	bufs := d.Buffers()
	if len(bufs) < 2 || bufs[1] == nil {
		return nil
	}
	all := arrow.GetData[T](bufs[1].Bytes())
	return all[d.Offset() : d.Offset()+d.Len()]
}

// validity is a (possibly absent) validity bitmap with its bit offset.
type validity struct {
	bits   []byte // nil: all rows valid
	offset int
}

func (v validity) valid(i int) bool {
	return v.bits == nil || bitutil.BitIsSet(v.bits, v.offset+i)
}

func validityOf(a arrow.Array) validity {
	if a.NullN() == 0 {
		return validity{}
	}
	if a.DataType().ID() == arrow.NULL {
		return validity{bits: make([]byte, bitutil.BytesForBits(int64(a.Len()))), offset: 0}
	}
	return validity{bits: a.NullBitmapBytes(), offset: a.Data().Offset()}
}

// andValidity returns the AND of the args' validity as a new bitmap buffer
// of n bits (nil when no argument has a NULL) and its count of NULL rows.
func andValidity(mem memory.Allocator, args []arrow.Array, n int) (*memory.Buffer, int) {
	var out *memory.Buffer
	for _, a := range args {
		if a.NullN() == 0 {
			continue
		}
		v := validityOf(a)
		if out == nil {
			out = memory.NewResizableBuffer(mem)
			out.Resize(int(bitutil.BytesForBits(int64(n))))
			bitutil.CopyBitmap(v.bits, v.offset, n, out.Bytes(), 0)
			continue
		}
		bitutil.BitmapAnd(out.Bytes(), v.bits, 0, int64(v.offset), out.Bytes(), 0, int64(n))
	}
	if out == nil {
		return nil, 0
	}
	nulls := n - bitutil.CountSetBits(out.Bytes(), 0, n)
	if nulls == 0 {
		out.Release()
		return nil, 0
	}
	return out, nulls
}

// newFixed allocates an output values buffer of n T's.
func newFixed[T fixed](mem memory.Allocator, n int) (*memory.Buffer, []T) {
	var zero T
	buf := memory.NewResizableBuffer(mem)
	buf.Resize(n * sizeOf(zero))
	return buf, arrow.GetData[T](buf.Bytes())[:n]
}

func sizeOf[T fixed](v T) int {
	switch any(v).(type) {
	case int16:
		return 2
	case int32, uint32, float32:
		return 4
	default:
		return 8
	}
}

// makeArray wraps buffers as an array of type dt; it takes over both refs.
func makeArray(dt arrow.DataType, n int, valid *memory.Buffer, nulls int, vals *memory.Buffer) arrow.Array {
	d := array.NewData(dt, n, []*memory.Buffer{valid, vals}, nil, nulls, 0)
	if valid != nil {
		valid.Release()
	}
	vals.Release()
	defer d.Release()
	return array.MakeFromData(d)
}

// newBits allocates a zeroed bitmap of n bits (a boolean output).
func newBits(mem memory.Allocator, n int) (*memory.Buffer, []byte) {
	buf := memory.NewResizableBuffer(mem)
	buf.Resize(int(bitutil.BytesForBits(int64(n))))
	b := buf.Bytes()
	for i := range b {
		b[i] = 0
	}
	return buf, b
}

// boolValues returns the packed bits of a boolean array and its bit offset.
func boolValues(a arrow.Array) ([]byte, int) {
	d := a.Data()
	return d.Buffers()[1].Bytes(), d.Offset()
}

// mapFixed applies a strict, error-free function elementwise.
func mapFixed[A, R fixed](mem memory.Allocator, dt arrow.DataType, a arrow.Array, n int, f func(A) R) arrow.Array {
	valid, nulls := andValidity(mem, []arrow.Array{a}, n)
	buf, out := newFixed[R](mem, n)
	in := values[A](a)
	for i := range out {
		out[i] = f(in[i])
	}
	return makeArray(dt, n, valid, nulls, buf)
}

// mapFixedErr applies a strict function that may fail; NULL rows are skipped.
func mapFixedErr[A, R fixed](mem memory.Allocator, dt arrow.DataType, a arrow.Array, n int, f func(A) (R, error)) (arrow.Array, error) {
	valid, nulls := andValidity(mem, []arrow.Array{a}, n)
	buf, out := newFixed[R](mem, n)
	in := values[A](a)
	v := validityOf(a)
	for i := range out {
		if !v.valid(i) {
			continue
		}
		r, err := f(in[i])
		if err != nil {
			buf.Release()
			if valid != nil {
				valid.Release()
			}
			return nil, err
		}
		out[i] = r
	}
	return makeArray(dt, n, valid, nulls, buf), nil
}

// zipFixedErr applies a strict binary function that may fail.
func zipFixedErr[A, B, R fixed](mem memory.Allocator, dt arrow.DataType, a, b arrow.Array, n int, f func(A, B) (R, error)) (arrow.Array, error) {
	valid, nulls := andValidity(mem, []arrow.Array{a, b}, n)
	buf, out := newFixed[R](mem, n)
	x, y := values[A](a), values[B](b)
	v := validity{}
	if valid != nil {
		v.bits = valid.Bytes()
	}
	for i := range out {
		if !v.valid(i) {
			continue
		}
		r, err := f(x[i], y[i])
		if err != nil {
			buf.Release()
			if valid != nil {
				valid.Release()
			}
			return nil, err
		}
		out[i] = r
	}
	return makeArray(dt, n, valid, nulls, buf), nil
}

// zipFixed applies a strict binary function that cannot fail.
func zipFixed[A, B, R fixed](mem memory.Allocator, dt arrow.DataType, a, b arrow.Array, n int, f func(A, B) R) arrow.Array {
	valid, nulls := andValidity(mem, []arrow.Array{a, b}, n)
	buf, out := newFixed[R](mem, n)
	x, y := values[A](a), values[B](b)
	for i := range out {
		out[i] = f(x[i], y[i])
	}
	return makeArray(dt, n, valid, nulls, buf)
}

// rowFunc computes one row of a general strict kernel: it reads row i of
// args (all non-NULL) and appends exactly one value (or NULL) to b.
type rowFunc func(b array.Builder, args []arrow.Array, i int) error

// rowwise runs a general strict kernel with an Arrow builder of type dt: NULL
// in any argument gives NULL without calling f. It is for results that are
// variable-width (strings, string-held numerics) where a builder is needed.
func rowwise(mem memory.Allocator, dt arrow.DataType, args []arrow.Array, n int, f rowFunc) (arrow.Array, error) {
	b := array.NewBuilder(mem, dt)
	defer b.Release()
	b.Reserve(n)
	vs := make([]validity, len(args))
	anyNull := false
	for i, a := range args {
		vs[i] = validityOf(a)
		anyNull = anyNull || vs[i].bits != nil
	}
rows:
	for i := 0; i < n; i++ {
		if anyNull {
			for _, v := range vs {
				if !v.valid(i) {
					b.AppendNull()
					continue rows
				}
			}
		}
		if err := f(b, args, i); err != nil {
			return nil, err
		}
	}
	return b.NewArray(), nil
}

// nullsOf returns an all-NULL array of n rows of type dt.
func nullsOf(mem memory.Allocator, dt arrow.DataType, n int) arrow.Array {
	b := array.NewBuilder(mem, dt)
	defer b.Release()
	b.AppendNulls(n)
	return b.NewArray()
}

// retained returns a with one more reference, for kernels that return an
// argument unchanged.
func retained(a arrow.Array) arrow.Array {
	a.Retain()
	return a
}

// Errors with PostgreSQL's wording.

func errIntRange(t sqltype.OID) error {
	switch t {
	case sqltype.Int2:
		return sqlstate.Errorf(sqlstate.NumericValueOutOfRange, "smallint out of range")
	case sqltype.Int8:
		return sqlstate.Errorf(sqlstate.NumericValueOutOfRange, "bigint out of range")
	}
	return sqlstate.Errorf(sqlstate.NumericValueOutOfRange, "integer out of range")
}

// Each call makes a new error: callers may attach a position to it.
func errDivByZero() error {
	return sqlstate.Errorf(sqlstate.DivisionByZero, "division by zero")
}
func errNumericOverflow() error {
	return sqlstate.Errorf(sqlstate.NumericValueOutOfRange, "value overflows numeric format")
}
func errFloatOverflow() error {
	return sqlstate.Errorf(sqlstate.NumericValueOutOfRange, "value out of range: overflow")
}
func errFloatUnderflow() error {
	return sqlstate.Errorf(sqlstate.NumericValueOutOfRange, "value out of range: underflow")
}
func errDateRange() error {
	return sqlstate.Errorf(sqlstate.DatetimeFieldOverflow, "date out of range")
}
func errTimestampRange() error {
	return sqlstate.Errorf(sqlstate.DatetimeFieldOverflow, "timestamp out of range")
}
func errIntervalRange() error {
	return sqlstate.Errorf(sqlstate.DatetimeFieldOverflow, "interval out of range")
}

func errNoOperator(op string, args ...argInfo) error {
	var sig string
	switch len(args) {
	case 1:
		sig = op + " " + args[0].T.String()
	default:
		sig = args[0].T.String() + " " + op + " " + args[1].T.String()
	}
	return sqlstate.Errorf(sqlstate.UndefinedFunction, "operator does not exist: %s", sig).
		WithHint("No operator matches the given name and argument types. You might need to add explicit type casts.")
}

func errNoFunction(name string, args []argInfo) error {
	s := name + "("
	for i, a := range args {
		if i > 0 {
			s += ", "
		}
		s += a.T.String()
	}
	s += ")"
	return sqlstate.Errorf(sqlstate.UndefinedFunction, "function %s does not exist", s).
		WithHint("No function matches the given name and argument types. You might need to add explicit type casts.")
}

func errUnsupported(format string, args ...any) error {
	return sqlstate.Errorf(sqlstate.FeatureNotSupported, format, args...)
}

// internalf is for states the resolver should have made impossible.
func internalf(format string, args ...any) error {
	return fmt.Errorf("executor kernel: "+format, args...)
}

// invalidArgumentForPower is SQLSTATE 2201F, which sqlstate does not name.
const invalidArgumentForPower sqlstate.Code = "2201F"

// invalidArgumentForLog is SQLSTATE 2201E.
const invalidArgumentForLog sqlstate.Code = "2201E"

func errZeroNegativePower() error {
	return sqlstate.Errorf(invalidArgumentForPower, "zero raised to a negative power is undefined")
}

func errNegativeFractionalPower() error {
	return sqlstate.Errorf(invalidArgumentForPower, "a negative number raised to a non-integer power yields a complex result")
}
