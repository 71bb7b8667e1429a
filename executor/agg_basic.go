package executor

// Aggregate functions. A state holds one slot per group in slices indexed by
// group number; Update walks the typed value slice of each argument once,
// so the hot loop has no interface calls and no allocations. Slices grow as
// ngroups grows; Finish also covers groups that never saw a row.

import (
	"math"
	"math/bits"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/decimal128"
	"github.com/apache/arrow/go/v17/arrow/memory"

	"github.com/sharehouse/sharehouse/executor/sqlstate"
	"github.com/sharehouse/sharehouse/executor/sqltype"
)

// aggImpl is a resolved aggregate. Arguments reach Update in the types the
// binder bound them with (Args records them); Result is the output type.
type aggImpl struct {
	Name   string
	Args   []argInfo
	Result argInfo
	New    func(ec *evalContext) aggState
}

// aggState accumulates one aggregate over groups.
type aggState interface {
	// Update folds rows into groups: groups[i] is the group of row i, in
	// [0, ngroups); ngroups only grows between calls. args are the evaluated
	// argument arrays (none for count(*)).
	Update(groups []uint32, ngroups int, args []arrow.Array) error
	// Finish returns one value per group, in group order (a group that saw
	// no rows gives PostgreSQL's empty result: count 0, sum NULL…).
	Finish(ngroups int) (arrow.Array, error)
	Release()
}

func grow[T any](s []T, n int) []T {
	if len(s) >= n {
		return s
	}
	if cap(s) >= n {
		return s[:n]
	}
	out := make([]T, n, max(n, 2*cap(s)))
	copy(out, s)
	return out
}

// isAggregate reports whether name is an aggregate function.
func isAggregate(name string) bool {
	switch name {
	case "count", "sum", "avg", "min", "max", "bool_and", "bool_or", "every", "string_agg",
		"stddev", "stddev_samp", "stddev_pop", "variance", "var_samp", "var_pop", "array_agg",
		"percentile_cont", "percentile_disc":
		return true
	}
	return jsonAggNames[name]
}

// resolveAggregate resolves an aggregate call. star is count(*); distinct
// dedupes argument values per group before they reach the aggregate.
func resolveAggregate(name string, args []argInfo, star, distinct bool) (aggImpl, error) {
	impl, err := resolveAggregateBase(name, args, star)
	if err != nil || !distinct {
		return impl, err
	}
	inner := impl.New
	impl.New = func(ec *evalContext) aggState {
		return &distinctState{ec: ec, inner: inner(ec), seen: map[string]struct{}{}, args: impl.Args}
	}
	return impl, nil
}

func resolveAggregateBase(name string, args []argInfo, star bool) (aggImpl, error) {
	for i, a := range args {
		if a.T.OID == sqltype.Unknown {
			args[i] = textInfo
		}
	}
	noAgg := func() (aggImpl, error) {
		if name == "count" && star {
			return aggImpl{}, errNoFunction(name, nil)
		}
		return aggImpl{}, errNoFunction(name, args)
	}
	if star {
		if name != "count" {
			return aggImpl{}, sqlstate.Errorf(sqlstate.WrongObjectType, "%s(*) specified, but %s is not an aggregate function", name, name)
		}
		return aggImpl{Name: "count", Result: int8Info, New: func(ec *evalContext) aggState { return &countState{star: true, mem: ec.mem} }}, nil
	}
	if len(args) == 0 {
		return noAgg()
	}
	a := args[0]
	o := a.T.OID
	impl := aggImpl{Name: name, Args: args}
	switch name {
	case "count":
		if len(args) != 1 {
			return noAgg()
		}
		impl.Result = int8Info
		impl.New = func(ec *evalContext) aggState { return &countState{mem: ec.mem} }
		return impl, nil
	case "sum":
		if len(args) != 1 {
			return noAgg()
		}
		switch {
		case o == sqltype.Int2 || o == sqltype.Int4:
			impl.Result = int8Info
			impl.New = func(ec *evalContext) aggState { return &sumIntState{mem: ec.mem} }
		case o == sqltype.Int8:
			impl.Result = numericInfo(0)
			impl.New = func(ec *evalContext) aggState { return &sumInt128State{mem: ec.mem} }
		case o == sqltype.Numeric:
			if s, ok := decScale(a.DT); ok {
				impl.Result = numericInfo(s)
				impl.New = func(ec *evalContext) aggState { return &sumInt128State{dec: true, mem: ec.mem, scale: s} }
			} else {
				impl.Result = numericInfo(-1)
				impl.New = func(ec *evalContext) aggState { return &numStatState{ec: ec, kind: statSum} }
			}
		case o == sqltype.Float4:
			impl.Result = infoOf(sqltype.Float4T)
			impl.New = func(ec *evalContext) aggState { return &floatStatState{kind: statSum, f4: true, mem: ec.mem} }
		case o == sqltype.Float8:
			impl.Result = f8Info
			impl.New = func(ec *evalContext) aggState { return &floatStatState{kind: statSum, mem: ec.mem} }
		case o == sqltype.Interval:
			impl.Result = ivInfo
			impl.New = func(ec *evalContext) aggState { return &intervalSumState{mem: ec.mem} }
		default:
			return noAgg()
		}
		return impl, nil
	case "avg":
		if len(args) != 1 {
			return noAgg()
		}
		switch {
		case isInt(o) || o == sqltype.Numeric:
			impl.Result = numericInfo(-1)
			impl.New = func(ec *evalContext) aggState { return &numStatState{ec: ec, kind: statAvg} }
		case isFloat(o):
			impl.Result = f8Info
			impl.New = func(ec *evalContext) aggState {
				return &floatStatState{kind: statAvg, f4: o == sqltype.Float4, mem: ec.mem}
			}
		case o == sqltype.Interval:
			impl.Result = ivInfo
			impl.New = func(ec *evalContext) aggState { return &intervalSumState{avg: true, mem: ec.mem} }
		default:
			return noAgg()
		}
		return impl, nil
	case "stddev", "stddev_samp", "stddev_pop", "variance", "var_samp", "var_pop":
		if len(args) != 1 {
			return noAgg()
		}
		kind := map[string]statKind{"stddev": statStddevSamp, "stddev_samp": statStddevSamp, "stddev_pop": statStddevPop,
			"variance": statVarSamp, "var_samp": statVarSamp, "var_pop": statVarPop}[name]
		switch {
		case isInt(o) || o == sqltype.Numeric:
			impl.Result = numericInfo(-1)
			impl.New = func(ec *evalContext) aggState { return &numStatState{ec: ec, kind: kind} }
		case isFloat(o):
			impl.Result = f8Info
			impl.New = func(ec *evalContext) aggState {
				return &floatStatState{kind: kind, f4: o == sqltype.Float4, mem: ec.mem}
			}
		default:
			return noAgg()
		}
		return impl, nil
	case "min", "max":
		if len(args) != 1 || o == sqltype.JSON || o == sqltype.JSONB {
			return noAgg() // PostgreSQL has no min/max of json or jsonb
		}
		if _, err := resolveCompare("<", a, a); err != nil {
			return noAgg()
		}
		res := a
		if o == sqltype.Numeric && a.DT.ID() == arrow.STRING {
			res = numericInfo(-1)
		}
		if o == sqltype.Unknown {
			res = textInfo
		}
		impl.Result = res
		isMax := name == "max"
		impl.New = func(ec *evalContext) aggState { return &minMaxState{ec: ec, max: isMax, info: res} }
		return impl, nil
	case "bool_and", "bool_or", "every":
		if len(args) != 1 || o != sqltype.Bool {
			return noAgg()
		}
		impl.Result = boolInfo
		and := name != "bool_or"
		impl.New = func(ec *evalContext) aggState { return &boolAggState{and: and, mem: ec.mem} }
		return impl, nil
	case "json_agg", "jsonb_agg", "json_object_agg", "jsonb_object_agg":
		return resolveJSONAgg(impl, name, args)
	case "array_agg":
		if len(args) != 1 {
			return noAgg()
		}
		return resolveArrayAgg(impl, a)
	case "string_agg":
		if len(args) != 2 || !isString(o) || !isString(args[1].T.OID) {
			if len(args) == 2 && o == sqltype.Bytea && args[1].T.OID == sqltype.Bytea {
				impl.Result = infoOf(sqltype.ByteaT)
				impl.New = func(ec *evalContext) aggState { return &stringAggState{ec: ec, bytea: true} }
				return impl, nil
			}
			return noAgg()
		}
		impl.Result = textInfo
		impl.New = func(ec *evalContext) aggState { return &stringAggState{ec: ec} }
		return impl, nil
	}
	return noAgg()
}

// count(*) and count(x).
type countState struct {
	mem    memory.Allocator
	star   bool
	counts []int64
}

func (s *countState) Update(groups []uint32, ngroups int, args []arrow.Array) error {
	s.counts = grow(s.counts, ngroups)
	c := s.counts
	if s.star || args[0].NullN() == 0 {
		for _, g := range groups {
			c[g]++
		}
		return nil
	}
	v := validityOf(args[0])
	for i, g := range groups {
		if v.valid(i) {
			c[g]++
		}
	}
	return nil
}

func (s *countState) Finish(ngroups int) (arrow.Array, error) {
	s.counts = grow(s.counts, ngroups)
	b := array.NewInt64Builder(s.mem)
	defer b.Release()
	b.AppendValues(s.counts[:ngroups], nil)
	return b.NewArray(), nil
}

func (s *countState) Release() {}

// sum(int2), sum(int4) → int8.
type sumIntState struct {
	mem  memory.Allocator
	sums []int64
	seen []bool
}

func (s *sumIntState) Update(groups []uint32, ngroups int, args []arrow.Array) error {
	s.sums, s.seen = grow(s.sums, ngroups), grow(s.seen, ngroups)
	switch a := args[0].(type) {
	case *array.Int16:
		return sumInts(s.sums, s.seen, groups, a.Int16Values(), validityOf(a))
	case *array.Int32:
		return sumInts(s.sums, s.seen, groups, a.Int32Values(), validityOf(a))
	}
	return internalf("sum: %T", args[0])
}

func sumInts[T int16 | int32](sums []int64, seen []bool, groups []uint32, vals []T, v validity) error {
	for i, g := range groups {
		if !v.valid(i) {
			continue
		}
		x := int64(vals[i])
		r := sums[g] + x
		if (r > sums[g]) != (x > 0) {
			return errIntRange(sqltype.Int8)
		}
		sums[g] = r
		seen[g] = true
	}
	return nil
}

func (s *sumIntState) Finish(ngroups int) (arrow.Array, error) {
	s.sums, s.seen = grow(s.sums, ngroups), grow(s.seen, ngroups)
	b := array.NewInt64Builder(s.mem)
	defer b.Release()
	b.AppendValues(s.sums[:ngroups], s.seen[:ngroups])
	return b.NewArray(), nil
}

func (s *sumIntState) Release() {}

// sum(int8) → numeric, and sum of Decimal128 numerics: 128-bit sums.
type sumInt128State struct {
	mem   memory.Allocator
	dec   bool
	hi    []int64
	lo    []uint64
	seen  []bool
	scale int32
}

func (s *sumInt128State) Update(groups []uint32, ngroups int, args []arrow.Array) error {
	s.hi, s.lo, s.seen = grow(s.hi, ngroups), grow(s.lo, ngroups), grow(s.seen, ngroups)
	v := validityOf(args[0])
	switch a := args[0].(type) {
	case *array.Int64:
		vals := a.Int64Values()
		for i, g := range groups {
			if !v.valid(i) {
				continue
			}
			x := vals[i]
			var c uint64
			s.lo[g], c = bits.Add64(s.lo[g], uint64(x), 0)
			s.hi[g] += (x >> 63) + int64(c)
			s.seen[g] = true
		}
	case *array.Decimal128:
		s.scale = a.DataType().(*arrow.Decimal128Type).Scale
		vals := a.Values()
		for i, g := range groups {
			if !v.valid(i) {
				continue
			}
			var ok bool
			if s.hi[g], s.lo[g], ok = addDec128(s.hi[g], s.lo[g], vals[i]); !ok {
				return errNumericOverflow()
			}
			s.seen[g] = true
		}
	default:
		return internalf("sum: %T", args[0])
	}
	return nil
}

// addDec128 adds x to the 128-bit sum hi:lo, failing when |sum| reaches
// 10^38. The exact check (decAdd) runs only near that bound: a result with
// |hi| < 2^60 is below 2^124, and a sum of two values below 10^38 that
// wrapped past 2^127 never lands there.
func addDec128(hi int64, lo uint64, x decimal128.Num) (int64, uint64, bool) {
	l, c := bits.Add64(lo, x.LowBits(), 0)
	h := hi + x.HighBits() + int64(c)
	if uint64(h)+1<<60 < 1<<61 {
		return h, l, true
	}
	r, ok := decAdd(decimal128.New(hi, lo), x)
	return r.HighBits(), r.LowBits(), ok
}

func (s *sumInt128State) Finish(ngroups int) (arrow.Array, error) {
	s.hi, s.lo, s.seen = grow(s.hi, ngroups), grow(s.lo, ngroups), grow(s.seen, ngroups)
	b := array.NewDecimal128Builder(s.mem, &arrow.Decimal128Type{Precision: maxDecimal128Precision, Scale: s.scale})
	defer b.Release()
	for g := 0; g < ngroups; g++ {
		if !s.seen[g] {
			b.AppendNull()
			continue
		}
		n := decimal128.New(s.hi[g], s.lo[g])
		if !decFits(n) {
			return nil, errNumericOverflow()
		}
		b.Append(n)
	}
	return b.NewArray(), nil
}

func (s *sumInt128State) Release() {}

// sum(interval) and avg(interval).
type intervalSumState struct {
	mem    memory.Allocator
	avg    bool
	months []int64
	days   []int64
	nanos  []int64
	counts []int64
}

func (s *intervalSumState) Update(groups []uint32, ngroups int, args []arrow.Array) error {
	s.months, s.days, s.nanos, s.counts = grow(s.months, ngroups), grow(s.days, ngroups), grow(s.nanos, ngroups), grow(s.counts, ngroups)
	vals := args[0].(*array.MonthDayNanoInterval).MonthDayNanoIntervalValues()
	v := validityOf(args[0])
	for i, g := range groups {
		if !v.valid(i) {
			continue
		}
		x := vals[i]
		s.months[g] += int64(x.Months)
		s.days[g] += int64(x.Days)
		r := s.nanos[g] + x.Nanoseconds
		if (r > s.nanos[g]) != (x.Nanoseconds > 0) && x.Nanoseconds != 0 {
			return errIntervalRange()
		}
		s.nanos[g] = r
		s.counts[g]++
	}
	return nil
}

func (s *intervalSumState) Finish(ngroups int) (arrow.Array, error) {
	s.months, s.days, s.nanos, s.counts = grow(s.months, ngroups), grow(s.days, ngroups), grow(s.nanos, ngroups), grow(s.counts, ngroups)
	b := array.NewMonthDayNanoIntervalBuilder(s.mem)
	defer b.Release()
	for g := 0; g < ngroups; g++ {
		if s.counts[g] == 0 {
			b.AppendNull()
			continue
		}
		if s.months[g] != int64(int32(s.months[g])) || s.days[g] != int64(int32(s.days[g])) {
			return nil, errIntervalRange()
		}
		iv := arrow.MonthDayNanoInterval{Months: int32(s.months[g]), Days: int32(s.days[g]), Nanoseconds: s.nanos[g]}
		if s.avg {
			iv = divInterval(iv, float64(s.counts[g]))
		}
		b.Append(iv)
	}
	return b.NewArray(), nil
}

func (s *intervalSumState) Release() {}

// divInterval is interval / float8 without errors (f ≠ 0).
func divInterval(v arrow.MonthDayNanoInterval, f float64) arrow.MonthDayNanoInterval {
	factor := 1 / f
	monthsF := float64(v.Months) * factor
	daysF := float64(v.Days) * factor
	months := math.Trunc(monthsF)
	monthRemDays := (monthsF - months) * 30
	days := math.Trunc(daysF)
	secRem := (daysF - days + monthRemDays - math.Trunc(monthRemDays)) * 86400
	days += math.Trunc(monthRemDays)
	us := math.RoundToEven(float64(v.Nanoseconds/1000)*factor + secRem*1e6)
	return arrow.MonthDayNanoInterval{Months: int32(months), Days: int32(days), Nanoseconds: int64(us) * 1000}
}

// bool_and / bool_or / every.
type boolAggState struct {
	mem  memory.Allocator
	and  bool
	vals []bool
	seen []bool
}

func (s *boolAggState) Update(groups []uint32, ngroups int, args []arrow.Array) error {
	n0 := len(s.vals)
	s.vals, s.seen = grow(s.vals, ngroups), grow(s.seen, ngroups)
	for g := n0; g < ngroups; g++ {
		s.vals[g] = s.and
	}
	a := args[0].(*array.Boolean)
	v := validityOf(a)
	for i, g := range groups {
		if !v.valid(i) {
			continue
		}
		x := a.Value(i)
		if s.and {
			s.vals[g] = s.vals[g] && x
		} else {
			s.vals[g] = s.vals[g] || x
		}
		s.seen[g] = true
	}
	return nil
}

func (s *boolAggState) Finish(ngroups int) (arrow.Array, error) {
	s.vals, s.seen = grow(s.vals, ngroups), grow(s.seen, ngroups)
	b := array.NewBooleanBuilder(s.mem)
	defer b.Release()
	b.AppendValues(s.vals[:ngroups], s.seen[:ngroups])
	return b.NewArray(), nil
}

func (s *boolAggState) Release() {}

// string_agg(text, delimiter): values in input order, each but the first
// preceded by its own row's delimiter; NULL values are skipped.
type stringAggState struct {
	ec    *evalContext
	bytea bool
	bufs  [][]byte
	seen  []bool
	held  heldValues
}

func (s *stringAggState) Update(groups []uint32, ngroups int, args []arrow.Array) error {
	s.bufs, s.seen = grow(s.bufs, ngroups), grow(s.seen, ngroups)
	s.held.budget = s.ec.budget
	value := func(a arrow.Array, i int) string {
		if b, ok := a.(*array.Binary); ok {
			return b.ValueString(i) // no copy
		}
		return a.(*array.String).Value(i)
	}
	v, d := validityOf(args[0]), validityOf(args[1])
	var added int64
	for i, g := range groups {
		if !v.valid(i) {
			continue
		}
		val := value(args[0], i)
		more := len(val)
		var sep string
		if s.seen[g] && d.valid(i) {
			sep = value(args[1], i)
			more += len(sep)
		}
		// PostgreSQL's string buffer stops at 1 GB; so does a group here.
		if have := len(s.bufs[g]); int64(have+more) > s.ec.maxValue() {
			return errStringBuffer(int64(have), int64(more))
		}
		s.bufs[g] = append(append(s.bufs[g], sep...), val...)
		added += int64(more)
		s.seen[g] = true
	}
	return s.held.charge("string_agg()", added)
}

func (s *stringAggState) Finish(ngroups int) (arrow.Array, error) {
	s.bufs, s.seen = grow(s.bufs, ngroups), grow(s.seen, ngroups)
	if err := reserveGroups(s.ec, "string_agg()", func(g int) int64 { return int64(len(s.bufs[g])) }, ngroups); err != nil {
		return nil, err
	}
	var b array.Builder
	if s.bytea {
		b = array.NewBinaryBuilder(s.ec.mem, arrow.BinaryTypes.Binary)
	} else {
		b = array.NewStringBuilder(s.ec.mem)
	}
	defer b.Release()
	for g := 0; g < ngroups; g++ {
		if !s.seen[g] {
			b.AppendNull()
			continue
		}
		switch bb := b.(type) {
		case *array.BinaryBuilder:
			bb.Append(s.bufs[g])
		case *array.StringBuilder:
			bb.BinaryBuilder.Append(s.bufs[g])
		}
	}
	return b.NewArray(), nil
}

func (s *stringAggState) Release() {
	s.bufs = nil
	s.held.release()
}
