package executor

import (
	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"

	"github.com/sharehouse/sharehouse/executor/sqltype"
)

// array_agg(x): each group's values, NULLs included, in input order, as an
// array of x's type (held as its canonical array literal, like every array).
type arrayAggState struct {
	ec    *evalContext
	t     sqltype.T
	enc   sqltype.Encoder
	encDT arrow.DataType
	elems [][]*string
	seen  []bool
	buf   []byte
	sizes []int64 // per group: the bytes of its values
	held  heldValues
}

func resolveArrayAgg(impl aggImpl, a argInfo) (aggImpl, error) {
	at, ok := sqltype.ArrayOf(a.T.OID)
	if !ok {
		return aggImpl{}, errNoFunction("array_agg", []argInfo{a})
	}
	impl.Result = infoOf(sqltype.T{OID: at, Typmod: -1})
	impl.New = func(ec *evalContext) aggState { return &arrayAggState{ec: ec, t: a.T} }
	return impl, nil
}

func (s *arrayAggState) Update(groups []uint32, ngroups int, args []arrow.Array) error {
	s.elems, s.seen, s.sizes = grow(s.elems, ngroups), grow(s.seen, ngroups), grow(s.sizes, ngroups)
	s.held.budget = s.ec.budget
	col := args[0]
	if s.enc == nil || !arrow.TypeEqual(s.encDT, col.DataType()) {
		enc, err := sqltype.TextEncoder(s.t, col.DataType(), s.ec.format)
		if err != nil {
			return err
		}
		s.enc, s.encDT = enc, col.DataType()
	}
	var added int64
	for i, g := range groups {
		s.seen[g] = true
		if len(s.elems[g]) >= maxArraySize {
			return errArraySize()
		}
		if col.IsNull(i) {
			s.elems[g] = append(s.elems[g], nil)
			added += elemOverhead
			continue
		}
		s.buf = s.enc(s.buf[:0], col, i)
		// The literal quotes and separates each value: the bound is the
		// result's, as PostgreSQL's array is one allocation.
		if size := s.sizes[g] + int64(len(s.buf)) + 3; size > s.ec.maxValue() {
			return errAllocSize(size)
		}
		v := string(s.buf)
		s.elems[g] = append(s.elems[g], &v)
		s.sizes[g] += int64(len(v)) + 3
		added += int64(len(v)) + elemOverhead
	}
	return s.held.charge("array_agg()", added)
}

func (s *arrayAggState) Finish(ngroups int) (arrow.Array, error) {
	s.elems, s.seen, s.sizes = grow(s.elems, ngroups), grow(s.seen, ngroups), grow(s.sizes, ngroups)
	if err := reserveGroups(s.ec, "array_agg()", func(g int) int64 { return s.sizes[g] + 2 }, ngroups); err != nil {
		return nil, err
	}
	b := array.NewStringBuilder(s.ec.mem)
	defer b.Release()
	for g := 0; g < ngroups; g++ {
		if !s.seen[g] {
			b.AppendNull()
			continue
		}
		b.Append(sqltype.FormatArrayLiteral(s.elems[g]))
	}
	return b.NewArray(), nil
}

func (s *arrayAggState) Release() {
	s.elems, s.sizes = nil, nil
	s.held.release()
}
