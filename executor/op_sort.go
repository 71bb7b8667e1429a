package executor

import (
	"context"
	"io"
	"slices"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
)

// sortKey is one ORDER BY term over the input's columns.
type sortKey struct {
	expr       Expr
	desc       bool
	nullsFirst bool
}

// sortOp materialises its input and returns it ordered, in batches.
type sortOp struct {
	env    *env
	child  operator
	keys   []sortKey
	sorted arrow.Record
	pos    int64
	out    batchHolder
}

const outBatchRows = 64 * 1024

func (s *sortOp) columns() []opColumn { return s.child.columns() }
func (s *sortOp) String() string {
	parts := make([]string, len(s.keys))
	for i, k := range s.keys {
		parts[i] = k.expr.String()
		if k.desc {
			parts[i] += " DESC"
		}
	}
	return "Sort: " + strings.Join(parts, ", ")
}

func (s *sortOp) close() {
	s.out.release()
	if s.sorted != nil {
		s.sorted.Release()
		s.sorted = nil
	}
	s.child.close()
}

func (s *sortOp) next(ctx context.Context) (arrow.Record, error) {
	if s.sorted == nil {
		if err := s.sort(ctx); err != nil {
			return nil, err
		}
	}
	n := s.sorted.NumRows()
	if s.pos >= n {
		return nil, io.EOF
	}
	end := min(s.pos+outBatchRows, n)
	rec := s.sorted.NewSlice(s.pos, end)
	s.pos = end
	return s.out.set(rec), nil
}

func (s *sortOp) sort(ctx context.Context) error {
	recs, _, err := drain(ctx, s.child)
	if err != nil {
		return err
	}
	defer releaseAll(recs)
	all, err := concatRecords(s.env.mem, schemaOf(s.child.columns()), recs)
	if err != nil {
		return err
	}
	defer all.Release()
	ec := s.env.eval(ctx)
	keys := make([]arrow.Array, len(s.keys))
	cmps := make([]comparator, len(s.keys))
	defer func() {
		for _, k := range keys {
			if k != nil {
				k.Release()
			}
		}
	}()
	for i, k := range s.keys {
		v, err := k.expr.Eval(ec, all)
		if err != nil {
			return err
		}
		keys[i] = v
		cmps[i] = compareFunc(v)
	}
	idx := make([]int32, all.NumRows())
	for i := range idx {
		idx[i] = int32(i)
	}
	slices.SortStableFunc(idx, func(a, b int32) int {
		for i, k := range s.keys {
			an, bn := keys[i].IsNull(int(a)), keys[i].IsNull(int(b))
			var c int
			switch {
			case an && bn:
				c = 0
			case an || bn:
				// NULLs sort as larger than any value unless NULLS FIRST.
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
	if err := ctx.Err(); err != nil {
		return err
	}
	s.sorted = takeRecord(s.env.mem, all, idx)
	return nil
}
