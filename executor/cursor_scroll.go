package executor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/apache/arrow/go/v17/arrow"
	pg "github.com/pganalyze/pg_query_go/v6"
)

// SCROLL cursors move both ways, as PostgreSQL's do: the rows read so far
// are kept (PostgreSQL keeps them in a tuplestore), so FETCH PRIOR,
// BACKWARD, ABSOLUTE, RELATIVE, FIRST and LAST can return to them.
// Positions are PostgreSQL's: 0 before the first row, k on row k, and one
// past the last row after it.

// scrollState is a scroll cursor's kept rows.
type scrollState struct {
	batches []arrow.Record // retained, in order
	n       int64          // rows kept
	all     arrow.Record   // the batches as one record, made on demand
}

// ensure reads from the plan until row k is kept or the rows end.
func (c *cursor) ensure(ctx context.Context, k int64) error {
	for c.hist.n < k && !c.done {
		rec, err := c.rows.Next(ctx)
		if errors.Is(err, io.EOF) {
			c.done = true
			return nil
		}
		if err != nil {
			return err
		}
		if rec.NumRows() == 0 {
			continue
		}
		rec.Retain()
		c.hist.batches = append(c.hist.batches, rec)
		c.hist.n += rec.NumRows()
		if c.hist.all != nil {
			c.hist.all.Release()
			c.hist.all = nil
		}
	}
	return nil
}

// rowsAt returns rows nums (1-based, kept) in that order.
func (c *cursor) rowsAt(nums []int64) (arrow.Record, error) {
	if c.hist.all == nil {
		all, err := concatRecords(c.rows.x.mem(), schemaOf(c.rows.p.cols), c.hist.batches)
		if err != nil {
			return nil, err
		}
		c.hist.all = all
	}
	idx := make([]int32, len(nums))
	for i, n := range nums {
		idx[i] = int32(n - 1)
	}
	return takeRecord(c.rows.x.mem(), c.hist.all, idx), nil
}

// scrollFetch runs FETCH or MOVE on a scroll cursor: the rows to return,
// in order, and where the cursor ends.
func (c *cursor) scrollFetch(ctx context.Context, fs *pg.FetchStmt) ([]int64, error) {
	n := fs.HowMany
	all := n >= math.MaxInt64/2 // FETCH ALL, FETCH BACKWARD ALL
	switch fs.Direction {
	case pg.FetchDirection_FETCH_FORWARD:
		if n == 0 {
			return c.current(ctx)
		}
		var out []int64
		for ; all || int64(len(out)) < n; c.pos++ {
			if err := c.ensure(ctx, c.pos+1); err != nil {
				return nil, err
			}
			if c.pos+1 > c.hist.n {
				c.pos = c.hist.n + 1 // after the last row
				break
			}
			out = append(out, c.pos+1)
		}
		return out, nil
	case pg.FetchDirection_FETCH_BACKWARD:
		if n == 0 {
			return c.current(ctx)
		}
		if err := c.ensure(ctx, c.pos); err != nil {
			return nil, err
		}
		c.pos = min(c.pos, c.hist.n+1)
		var out []int64
		for ; all || int64(len(out)) < n; c.pos-- {
			if c.pos-1 < 1 {
				c.pos = 0 // before the first row
				break
			}
			out = append(out, c.pos-1)
		}
		return out, nil
	case pg.FetchDirection_FETCH_ABSOLUTE:
		return c.moveTo(ctx, n, n < 0)
	case pg.FetchDirection_FETCH_RELATIVE:
		if n == 0 {
			return c.current(ctx)
		}
		return c.moveTo(ctx, c.pos+n, false)
	}
	return nil, notSupported("FETCH direction %s is not supported", fs.Direction)
}

// moveTo positions the cursor on row k (fromEnd: k counts back from the
// end, -1 being the last row) and returns it, or nothing off the rows.
func (c *cursor) moveTo(ctx context.Context, k int64, fromEnd bool) ([]int64, error) {
	if fromEnd {
		if err := c.ensure(ctx, math.MaxInt64); err != nil {
			return nil, err
		}
		k = c.hist.n + 1 + k
	} else if err := c.ensure(ctx, k); err != nil {
		return nil, err
	}
	switch {
	case k < 1:
		c.pos = 0
		return nil, nil
	case k > c.hist.n:
		c.pos = c.hist.n + 1
		return nil, nil
	}
	c.pos = k
	return []int64{k}, nil
}

// current is FETCH RELATIVE 0: the row the cursor is on, if any.
func (c *cursor) current(ctx context.Context) ([]int64, error) {
	if err := c.ensure(ctx, c.pos); err != nil {
		return nil, err
	}
	if c.pos < 1 || c.pos > c.hist.n {
		return nil, nil
	}
	return []int64{c.pos}, nil
}

func (h *scrollState) release() {
	releaseAll(h.batches)
	h.batches = nil
	if h.all != nil {
		h.all.Release()
		h.all = nil
	}
}

// runScrollFetch is runFetch for a scroll cursor.
func (x *execution) runScrollFetch(c *cursor, fs *pg.FetchStmt) (Result, error) {
	nums, err := c.scrollFetch(x.ctx, fs)
	if err != nil {
		return Result{}, err
	}
	if fs.Ismove {
		return Result{Tag: fmt.Sprintf("MOVE %d", len(nums))}, nil
	}
	rec, err := c.rowsAt(nums)
	if err != nil {
		return Result{}, err
	}
	return Result{Tag: "FETCH", Rows: &sentRows{Rows: batchRows(c.rows.p.cols, rec), x: x, c: c}}, nil
}
