package executor

import (
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
}

func (s *orderedAggState) Update(groups []uint32, ngroups int, args []arrow.Array) error {
	if s.cols == nil {
		s.cols = make([][]arrow.Array, len(args))
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
	keyArrs := all[s.nargs:]
	cmps := make([]comparator, len(keyArrs))
	for i, k := range keyArrs {
		cmps[i] = compareFunc(k)
	}
	idx := make([]int32, len(s.groups))
	for i := range idx {
		idx[i] = int32(i)
	}
	slices.SortStableFunc(idx, func(a, b int32) int {
		if s.groups[a] != s.groups[b] {
			if s.groups[a] < s.groups[b] {
				return -1
			}
			return 1
		}
		for i, k := range s.keys {
			an, bn := keyArrs[i].IsNull(int(a)), keyArrs[i].IsNull(int(b))
			var c int
			switch {
			case an && bn:
			case an || bn:
				c = 1
				if bn {
					c = -1
				}
				if k.nullsFirst != k.desc {
					c = -c
				}
			default:
				c = cmps[i](int(a), int(b))
			}
			if k.desc {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return 0
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
	s.inner.Release()
}
