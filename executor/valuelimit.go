package executor

// Value and memory limits of the functions that build values.
//
// PostgreSQL caps every value at 1 GB (MaxAllocSize) and answers 54000 when
// a function would build a larger one; sharehouse does the same and checks
// the length before it allocates, so repeat('x', 2000000000) fails at once.
//
// Beyond single values, the bytes a query builds count against the query
// memory limit (Config.QueryMemoryLimit), which also bounds sorts, joins and
// aggregates: a kernel that builds variable-width values checks its output
// batch against what the query may still hold (valueOut), and aggregates
// that keep values (string_agg, array_agg, json_agg …) charge their state
// to the query's memBudget per batch and give it back when released. The
// checks are per value or per batch: no atomic operation per row.

import (
	"math"
	"sync/atomic"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"

	"github.com/sharehouse/sharehouse/executor/sqlstate"
)

const (
	// maxAllocSize is PostgreSQL's MaxAllocSize, the largest allocation.
	maxAllocSize = 1<<30 - 1
	// maxValueBytes is the largest value: maxAllocSize less the 4-byte
	// varlena header, as PostgreSQL's repeat and lpad count.
	maxValueBytes = maxAllocSize - 4
	// maxArraySize is PostgreSQL's MaxArraySize: elements of one array.
	maxArraySize = maxAllocSize / 8
	// maxBatchBytes is what one variable-width Arrow array can hold: its
	// offsets are int32.
	maxBatchBytes = math.MaxInt32
)

// memBudget is one statement's memory account: the bytes held by the
// values its aggregates keep. Operators and kernels running in parallel
// share it; a nil *memBudget has no limit.
type memBudget struct {
	limit int64
	held  atomic.Int64
}

func newMemBudget(limit int64) *memBudget {
	if limit <= 0 {
		return nil
	}
	return &memBudget{limit: limit}
}

// grow charges n bytes that stay held until shrink; 53200 past the limit,
// and then nothing is charged.
func (b *memBudget) grow(what string, n int64) error {
	if b == nil || n <= 0 {
		return nil
	}
	if b.held.Add(n) > b.limit {
		b.held.Add(-n)
		return errOutOfMemory(what, b.limit)
	}
	return nil
}

// shrink gives back n bytes charged by grow.
func (b *memBudget) shrink(n int64) {
	if b != nil && n > 0 {
		b.held.Add(-n)
	}
}

// room is what the statement may still build.
func (b *memBudget) room() int64 {
	if b == nil {
		return math.MaxInt64
	}
	return b.limit - b.held.Load()
}

func (b *memBudget) heldBytes() int64 {
	if b == nil {
		return 0
	}
	return b.held.Load()
}

// errOutOfMemory is 53200: the query needs more than the query memory limit.
func errOutOfMemory(what string, limit int64) error {
	return sqlstate.Errorf(sqlstate.OutOfMemory, "out of memory: %s needs more than %d MB", what, limit>>20).
		WithDetail("sharehouse does not spill to disk yet; the limit is the server's query memory limit").
		WithHint("Add a WHERE clause or a LIMIT, or aggregate before sorting.")
}

// errBatchTooLarge is 53200 for one batch of values past what an Arrow
// array holds, whatever the query memory limit.
func errBatchTooLarge(what string) error {
	return sqlstate.Errorf(sqlstate.OutOfMemory, "out of memory: %s needs more than %d MB in one batch", what, maxBatchBytes>>20).
		WithDetail("One batch of rows holds at most 2 GB of variable-width values.").
		WithHint("Build fewer large values per query, or add a LIMIT.")
}

// PostgreSQL's 54000 errors, each as the function it copies words it.

// errLengthTooLarge is repeat's, lpad's, rpad's and translate's.
func errLengthTooLarge() error {
	return sqlstate.Errorf(sqlstate.ProgramLimitExceeded, "requested length too large")
}

// errStringBuffer is a StringInfo's (concat, format, string_agg, replace,
// json building): have bytes built, more to add.
func errStringBuffer(have, more int64) error {
	return sqlstate.Errorf(sqlstate.ProgramLimitExceeded, "out of memory").
		WithDetail("Cannot enlarge string buffer containing %d bytes by %d more bytes.", have, more)
}

// errAllocSize is palloc's (||, overlay, array_agg's result): PostgreSQL
// words it so as XX000; it is 54000 here, a limit, not an internal error.
func errAllocSize(n int64) error {
	return sqlstate.Errorf(sqlstate.ProgramLimitExceeded, "invalid memory alloc request size %d", n)
}

// errArraySize is ArrayGetNItems' for an array of too many elements.
func errArraySize() error {
	return sqlstate.Errorf(sqlstate.ProgramLimitExceeded, "array size exceeds the maximum allowed (%d)", maxArraySize)
}

// errEncodingTooLarge is encode's.
func errEncodingTooLarge() error {
	return sqlstate.Errorf(sqlstate.ProgramLimitExceeded, "result of encoding conversion is too large")
}

// valueOut bounds the variable-width output of one kernel call: each value
// at maxValueBytes, the batch at what the statement may still hold and at
// what one Arrow array holds. Kernels that know their values' sizes before
// building them reserve the batch first (sizes pass), the others add each
// value as they build it; either way nothing past the limit is built.
type valueOut struct {
	what  string
	cap   int64 // the largest value
	limit int64 // the statement's limit, for the message
	room  int64 // bytes this batch may hold
	built int64 // bytes added so far
	// arrayBound: room is what one Arrow array holds, not the budget.
	arrayBound bool
}

// newValueOut starts the output of one kernel call named what ("repeat()").
func (ec *evalContext) newValueOut(what string) valueOut {
	o := valueOut{what: what, cap: ec.maxValue(), room: maxBatchBytes, limit: math.MaxInt64, arrayBound: true}
	if r := ec.budget.room(); r < o.room {
		o.room, o.limit, o.arrayBound = r, ec.budget.limit, false
	}
	return o
}

// add accounts for one value of n bytes about to be built; tooLarge words
// the 54000 for a value past maxValueBytes.
func (o *valueOut) add(n int64, tooLarge func(n int64) error) error {
	if n > o.cap {
		return tooLarge(n)
	}
	return o.reserve(n)
}

// reserve accounts for n bytes of values about to be built, in any number
// of values (a constant's copies).
func (o *valueOut) reserve(n int64) error {
	o.built += n
	if o.built > o.room {
		if o.arrayBound {
			return errBatchTooLarge(o.what)
		}
		return errOutOfMemory(o.what, o.limit)
	}
	return nil
}

// maxValue is the largest value a function may build: maxValueBytes,
// lower in tests that check the cap without building gigabytes.
func (ec *evalContext) maxValue() int64 {
	if ec.valueCap > 0 {
		return ec.valueCap
	}
	return maxValueBytes
}

// lengthTooLarge adapts errLengthTooLarge to add.
func lengthTooLarge(int64) error { return errLengthTooLarge() }

// reserveRows checks a kernel's variable-width output before it is built:
// size(i) is row i's result bytes; rows with a NULL argument are skipped
// (a strict kernel builds nothing for them, and their values are garbage).
// It returns the batch's bytes, charged to the statement's budget until
// the caller calls release (once the batch is built): parallel workers
// building batches at once do not each see the whole room.
func reserveRows(ec *evalContext, what string, args []arrow.Array, n int, tooLarge func(int64) error, size func(i int) int64) (total int64, release func(), err error) {
	o := ec.newValueOut(what)
	vs := make([]validity, 0, len(args))
	for _, a := range args {
		if v := validityOf(a); v.bits != nil {
			vs = append(vs, v)
		}
	}
rows:
	for i := 0; i < n; i++ {
		for _, v := range vs {
			if !v.valid(i) {
				continue rows
			}
		}
		if err := o.add(size(i), tooLarge); err != nil {
			return 0, nil, err
		}
	}
	if err := ec.budget.grow(what, o.built); err != nil {
		return 0, nil, err
	}
	return o.built, func() { ec.budget.shrink(o.built) }, nil
}

// writeStrings builds a strict text kernel's output in place: total is at
// least the batch's bytes (reserveRows), write fills row i's value into dst
// and returns its length. No value is built twice, no buffer regrown.
func writeStrings(ec *evalContext, args []arrow.Array, n int, total int64, write func(dst []byte, i int) int) arrow.Array {
	valid, nulls := andValidity(ec.mem, args, n)
	v := validity{}
	if valid != nil {
		v.bits = valid.Bytes()
	}
	offs := memory.NewResizableBuffer(ec.mem)
	offs.Resize((n + 1) * 4)
	o := arrow.Int32Traits.CastFromBytes(offs.Bytes())
	data := memory.NewResizableBuffer(ec.mem)
	data.Resize(int(total))
	dst := data.Bytes()
	at := 0
	for i := 0; i < n; i++ {
		o[i] = int32(at)
		if v.valid(i) {
			at += write(dst[at:], i)
		}
	}
	o[n] = int32(at)
	data.Resize(at)
	d := array.NewData(arrow.BinaryTypes.String, n, []*memory.Buffer{valid, offs, data}, nil, nulls, 0)
	for _, b := range []*memory.Buffer{valid, offs, data} {
		if b != nil {
			b.Release()
		}
	}
	defer d.Release()
	return array.MakeFromData(d)
}

// heldValues is an aggregate state's charge on the statement's memBudget:
// the bytes of the values it keeps, charged once per input batch.
type heldValues struct {
	budget *memBudget
	bytes  int64
}

func (h *heldValues) charge(what string, n int64) error {
	if err := h.budget.grow(what, n); err != nil {
		return err
	}
	h.bytes += n
	return nil
}

// release gives the charge back; the state holds nothing after it.
func (h *heldValues) release() {
	h.budget.shrink(h.bytes)
	h.bytes = 0
}

// reserveGroups checks the output of an aggregate's Finish, one value per
// group of sizes[g] bytes, against what one batch may hold.
func reserveGroups(ec *evalContext, what string, sizes func(g int) int64, ngroups int) error {
	o := ec.newValueOut(what)
	for g := 0; g < ngroups; g++ {
		if err := o.add(sizes(g), errAllocSize); err != nil {
			return err
		}
	}
	return nil
}

// elemOverhead is what keeping one value costs besides its bytes (a
// string header and a pointer), charged by array_agg and json_agg.
const elemOverhead = 24

// arrayBytes estimates what a (possibly sliced) array's rows hold: the
// values of a variable-width array with their offsets, 8 bytes a row
// otherwise (a slice shares its buffers, so their lengths would overcount).
func arrayBytes(a arrow.Array) int64 {
	n := int64(a.Len())
	if n == 0 {
		return 0
	}
	// ValueOffsets covers the slice's rows and the end of the last one
	// (Binary.ValueOffset refuses that end index).
	var offs []int32
	switch v := a.(type) {
	case *array.String:
		offs = v.ValueOffsets()
	case *array.Binary:
		offs = v.ValueOffsets()
	default:
		return 8 * n
	}
	return int64(offs[len(offs)-1]-offs[0]) + 4*n
}

// chargedBatchBytes is the size from which a projected batch is charged to
// the statement's budget while it is in flight (projectOp): smaller ones
// cost nothing to account.
const chargedBatchBytes = 1 << 20

// batchValueBytes estimates what a batch's rows hold (arrayBytes: slices
// of a larger column count their rows only).
func batchValueBytes(rec arrow.Record) int64 {
	var n int64
	for _, c := range rec.Columns() {
		n += arrayBytes(c)
	}
	return n
}
