package executor

import (
	"context"
	"io"
	"slices"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"

	"github.com/sharehouse/sharehouse/executor/sqltype"
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
	limit  int64 // rows needed (LIMIT + OFFSET above), -1 for all
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
	if s.limit >= 0 {
		return s.topN(ctx)
	}
	recs, _, err := drain(ctx, s.child)
	if err != nil {
		return err
	}
	defer releaseAll(recs)
	if err := s.env.fits("ORDER BY", recs); err != nil {
		return err
	}
	all, err := concatRecords(s.env.mem, schemaOf(s.child.columns()), recs)
	if err != nil {
		return err
	}
	defer all.Release()
	sorted, err := s.order(ctx, all, -1, 0)
	if err != nil {
		return err
	}
	s.sorted = sorted
	return nil
}

// topN keeps only the first limit rows while reading (ORDER BY … LIMIT):
// each batch is merged with the rows kept so far and cut back to limit.
func (s *sortOp) topN(ctx context.Context) error {
	schema := schemaOf(s.child.columns())
	var kept arrow.Record
	defer func() {
		if kept != nil {
			kept.Release()
		}
	}()
	for {
		rec, err := s.child.next(ctx)
		if errEOF(err) {
			break
		}
		if err != nil {
			return err
		}
		batch := []arrow.Record{rec}
		if kept != nil {
			batch = []arrow.Record{kept, rec}
		}
		all, err := concatRecords(s.env.mem, schema, batch)
		if err != nil {
			return err
		}
		threshold := int64(0)
		if kept != nil && kept.NumRows() == s.limit {
			threshold = s.limit
		}
		top, err := s.order(ctx, all, s.limit, threshold)
		all.Release()
		if err != nil {
			return err
		}
		if kept != nil {
			kept.Release()
		}
		kept = top
	}
	if kept == nil {
		kept = emptyRecord(s.env, s.child.columns())
	}
	s.sorted, kept = kept, nil
	return nil
}

// order returns all's rows sorted, only the first limit when limit >= 0.
// With threshold > 0, the first threshold rows of all are already sorted
// and complete (limit of them): later rows are compared with the last only.
func (s *sortOp) order(ctx context.Context, all arrow.Record, limit int64, threshold int64) (arrow.Record, error) {
	ec := s.env.eval(ctx)
	keys := make([]arrow.Array, len(s.keys))
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
			return nil, err
		}
		keys[i] = v
	}
	cmp := rowOrder(s.keys, keys)
	idx := make([]int32, 0, all.NumRows())
	if limit > 0 && threshold > 0 {
		// Rows 0..threshold-1 are the best limit rows so far, in order: a
		// new row enters only if it sorts before the last of them.
		last := int32(threshold - 1)
		for i := int32(0); i < int32(all.NumRows()); i++ {
			if i < int32(threshold) || cmp(i, last) < 0 {
				idx = append(idx, i)
			}
		}
	} else {
		for i := int32(0); i < int32(all.NumRows()); i++ {
			idx = append(idx, i)
		}
	}
	slices.SortStableFunc(idx, cmp)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if limit >= 0 && int64(len(idx)) > limit {
		idx = idx[:limit]
	}
	return takeRecord(s.env.mem, all, idx), nil
}

// rowOrder compares rows a and b by the evaluated keys, in PostgreSQL's
// order: NULLs sort as larger than any value unless NULLS FIRST, and DESC
// reverses both.
func rowOrder(keys []sortKey, vals []arrow.Array) func(a, b int32) int {
	cmps := make([]comparator, len(vals))
	for i, v := range vals {
		cmps[i] = compareFunc(v)
		if str, ok := v.(*array.String); ok && keys[i].expr != nil && keys[i].expr.Type().OID == sqltype.Numeric {
			cmps[i] = numericTextOrder(str)
		}
		if str, ok := v.(*array.String); ok && keys[i].expr != nil && keys[i].expr.Type().OID == sqltype.JSONB {
			cmps[i] = jsonbOrder(str)
		}
	}
	return func(a, b int32) int {
		for i, k := range keys {
			an, bn := vals[i].IsNull(int(a)), vals[i].IsNull(int(b))
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
	}
}
