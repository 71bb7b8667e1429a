package executor

import (
	"cmp"
	"slices"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
)

// orderedAggregate makes impl see each group's rows in the order of keys
// (agg(x ORDER BY k)): its state gets the key values as arguments after
// the first nargs, keeps every row, and sorts them by group and keys at
// Finish before feeding the real aggregate.
func orderedAggregate(impl aggImpl, nargs int, keys []sortKey) aggImpl {
	inner := impl.New
	impl.New = func(ec *evalContext) aggState {
		return &orderedAggState{ec: ec, inner: inner(ec), nargs: nargs, keys: keys}
	}
	return impl
}

type orderedAggState struct {
	ec     *evalContext
	inner  aggState
	nargs  int
	keys   []sortKey
	cols   [][]arrow.Array // per argument (then per key), the batches seen
	groups []uint32
	held   heldValues // the batches kept, until Release
}

func (s *orderedAggState) Update(groups []uint32, ngroups int, args []arrow.Array) error {
	if s.cols == nil {
		s.cols = make([][]arrow.Array, len(args))
	}
	s.held.budget = s.ec.budget
	var n int64
	for _, a := range args {
		n += arrayBytes(a)
	}
	if err := s.held.charge("the ordered aggregate's rows", n+4*int64(len(groups))); err != nil {
		return err
	}
	for i, a := range args {
		a.Retain()
		s.cols[i] = append(s.cols[i], a)
	}
	s.groups = append(s.groups, groups...)
	return nil
}

func (s *orderedAggState) Finish(ngroups int) (arrow.Array, error) {
	if s.cols == nil {
		return s.inner.Finish(ngroups)
	}
	all := make([]arrow.Array, len(s.cols))
	defer releaseArrays(all)
	for i, parts := range s.cols {
		c, err := array.Concatenate(parts, s.ec.mem)
		if err != nil {
			return nil, err
		}
		all[i] = c
	}
	byKeys := rowOrder(s.keys, all[s.nargs:])
	idx := make([]int32, len(s.groups))
	for i := range idx {
		idx[i] = int32(i)
	}
	slices.SortStableFunc(idx, func(a, b int32) int {
		if c := cmp.Compare(s.groups[a], s.groups[b]); c != 0 {
			return c
		}
		return byKeys(a, b)
	})
	groups := make([]uint32, len(idx))
	for i, r := range idx {
		groups[i] = s.groups[r]
	}
	args := make([]arrow.Array, s.nargs)
	for i := range args {
		args[i] = takeArray(s.ec.mem, all[i], idx)
	}
	defer releaseArrays(args)
	if err := s.inner.Update(groups, ngroups, args); err != nil {
		return nil, err
	}
	return s.inner.Finish(ngroups)
}

func (s *orderedAggState) Release() {
	for _, parts := range s.cols {
		releaseArrays(parts)
	}
	s.cols = nil
	s.held.release()
	s.inner.Release()
}
