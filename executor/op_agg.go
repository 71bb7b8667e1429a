package executor

import (
	"context"
	"io"
	"strings"
	"sync/atomic"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"

	"github.com/sharehouse/sharehouse/executor/sqltype"
)

// aggCall is one aggregate of an aggregation: its kernel and arguments
// evaluated over the aggregation's input.
type aggCall struct {
	impl   aggImpl
	args   []Expr
	filter Expr // FILTER (WHERE …), nil if none
	text   string
}

// hashAggOp groups its input by key expressions and computes aggregates
// per group. Output: the group keys, then the aggregates. Without keys it
// is a plain aggregate: one row even for empty input. Large inputs are
// aggregated on several cores when every aggregate can merge
// (agg_parallel.go).
type hashAggOp struct {
	env    *env
	child  operator
	keys   []Expr
	aggs   []aggCall
	cols   []opColumn
	schema *arrow.Schema
	done   bool
	out    batchHolder
	// workers is how many goroutines may aggregate (1: serial), decided
	// at the first call; launched is how many did, for EXPLAIN ANALYZE.
	workers  int
	launched int
}

func (h *hashAggOp) columns() []opColumn { return h.cols }
func (h *hashAggOp) close()              { h.out.release(); h.child.close() }
func (h *hashAggOp) String() string {
	parts := make([]string, len(h.keys))
	for i, k := range h.keys {
		parts[i] = k.String()
	}
	if len(parts) == 0 {
		return "Aggregate"
	}
	return "HashAggregate: Group Key: " + strings.Join(parts, ", ")
}

func (h *hashAggOp) next(ctx context.Context) (arrow.Record, error) {
	if h.done {
		return nil, io.EOF
	}
	h.done = true
	if h.schema == nil {
		h.schema = schemaOf(h.cols)
	}
	t, err := h.aggregate(ctx)
	if err != nil {
		return nil, err
	}
	defer t.release()
	out, err := t.result(h.schema)
	if err != nil {
		return nil, err
	}
	return h.out.set(out), nil
}

// aggTable is the groups and aggregate states of the batches it is given:
// the whole aggregation, or one worker's share of it.
type aggTable struct {
	h       *hashAggOp
	ec      *evalContext
	grp     grouper
	keys    []array.Builder // each group's key values, as first seen
	states  []aggState
	ngroups int
	// first is, when tracked, each group's first row as seq<<32 | row:
	// merging orders groups by it, as the serial operator does.
	first  []uint64
	track  bool
	groups []uint32 // scratch: each row's group
	// held is this table's share of mem, the estimated bytes that all
	// tables of the aggregation hold, bounded by the query memory limit.
	held int64
	mem  *atomic.Int64
}

// Estimated bytes per group: a grouper slot and a key offset or value,
// and a state slot per aggregate; text keys add their bytes twice (the
// grouper's copy and the output's).
const (
	aggGroupBytes = 24
	aggStateBytes = 24
)

// account adds the table's growth to mem; 53200 past the limit.
func (t *aggTable) account() error {
	n := int64(t.ngroups)
	est := n * (aggGroupBytes + aggStateBytes*int64(len(t.states)))
	for _, b := range t.keys {
		est += 8 * n
		if vb, ok := b.(interface{ DataLen() int }); ok {
			est += 2 * int64(vb.DataLen())
		}
	}
	d := est - t.held
	t.held = est
	return t.h.env.fitsBytes("the aggregate's groups", t.mem.Add(d))
}

func newAggTable(h *hashAggOp, ec *evalContext, track bool, mem *atomic.Int64) *aggTable {
	t := &aggTable{h: h, ec: ec, track: track, mem: mem, states: make([]aggState, len(h.aggs)), keys: make([]array.Builder, len(h.keys))}
	for i, a := range h.aggs {
		t.states[i] = a.impl.New(ec)
	}
	for i, k := range h.keys {
		t.keys[i] = array.NewBuilder(ec.mem, k.DataType())
	}
	if len(h.keys) == 0 {
		t.ngroups = 1
	}
	return t
}

func (t *aggTable) release() {
	for _, s := range t.states {
		s.Release()
	}
	for _, b := range t.keys {
		b.Release()
	}
}

// add folds batch number seq into the table.
func (t *aggTable) add(rec arrow.Record, seq int) error {
	h, ec := t.h, t.ec
	n := int(rec.NumRows())
	t.groups = grow(t.groups[:0], n)
	groups := t.groups
	if len(h.keys) > 0 {
		keyArrs := make([]arrow.Array, len(h.keys))
		for i, k := range h.keys {
			v, err := k.Eval(ec, rec)
			if err != nil {
				releaseArrays(keyArrs)
				return err
			}
			keyArrs[i] = v
		}
		// Numerics kept as text group by value (1.0 with 1.00); each
		// group shows its first value, as in PostgreSQL.
		types := make([]sqltype.T, len(h.keys))
		for i, k := range h.keys {
			types[i] = k.Type()
		}
		hashArrs, normalized := valueKeys(ec, types, keyArrs)
		err := t.grp.assign(hashArrs, groups, func(r int) error {
			if t.track {
				t.first = append(t.first, uint64(seq)<<32|uint64(r))
			}
			for i, ka := range keyArrs {
				if err := appendValue(t.keys[i], ka, r); err != nil {
					return err
				}
			}
			return nil
		})
		releaseArrays(keyArrs)
		releaseArrays(normalized)
		if err != nil {
			return err
		}
		t.ngroups = t.grp.n
		if err := t.account(); err != nil {
			return err
		}
	}
	for i, a := range h.aggs {
		if err := h.update(ec, a, t.states[i], rec, groups, t.ngroups); err != nil {
			return err
		}
	}
	return nil
}

// result is the output batch: keys, then aggregates, one row per group.
func (t *aggTable) result(schema *arrow.Schema) (arrow.Record, error) {
	cols := make([]arrow.Array, 0, len(t.keys)+len(t.states))
	for _, b := range t.keys {
		cols = append(cols, b.NewArray())
	}
	for _, s := range t.states {
		v, err := s.Finish(t.ngroups)
		if err != nil {
			releaseArrays(cols)
			return nil, err
		}
		cols = append(cols, v)
	}
	out := array.NewRecord(schema, cols, int64(t.ngroups))
	releaseArrays(cols)
	return out, nil
}

// update folds one batch into one aggregate, honouring FILTER.
func (h *hashAggOp) update(ec *evalContext, a aggCall, st aggState, rec arrow.Record, groups []uint32, ngroups int) error {
	if a.filter != nil {
		mask, err := a.filter.Eval(ec, rec)
		if err != nil {
			return err
		}
		sel := selectionOf(mask.(*array.Boolean))
		mask.Release()
		sub := takeRecord(ec.mem, rec, sel)
		defer sub.Release()
		g := make([]uint32, len(sel))
		for i, r := range sel {
			g[i] = groups[r]
		}
		rec, groups = sub, g
	}
	args := make([]arrow.Array, len(a.args))
	for i, e := range a.args {
		v, err := e.Eval(ec, rec)
		if err != nil {
			releaseArrays(args)
			return err
		}
		args[i] = v
	}
	defer releaseArrays(args)
	return st.Update(groups, ngroups, args)
}

// valueKeys returns the key arrays to hash: numerics kept as text are put
// in one canonical form per value, so that 1.0 and 1.00 group together;
// normalized are the arrays made, for the caller to release.
func valueKeys(ec *evalContext, types []sqltype.T, arrs []arrow.Array) (hash, normalized []arrow.Array) {
	hash = arrs
	for i, t := range types {
		if _, text := arrs[i].(*array.String); !text || t.OID != sqltype.Numeric && t.OID != sqltype.JSONB {
			continue
		}
		if normalized == nil {
			hash = append([]arrow.Array(nil), arrs...)
		}
		hash[i] = numericKeys(ec.mem, t, arrs[i])
		normalized = append(normalized, hash[i])
	}
	return hash, normalized
}

func releaseArrays(arrs []arrow.Array) {
	for _, a := range arrs {
		if a != nil {
			a.Release()
		}
	}
}

// distinctOp passes each distinct row once (SELECT DISTINCT): a row is
// kept when it starts a new group.
type distinctOp struct {
	env    *env
	child  operator
	on     []int // DISTINCT ON: the key columns; nil for the whole row
	grp    grouper
	groups []uint32 // scratch
	out    batchHolder
}

func (d *distinctOp) columns() []opColumn { return d.child.columns() }
func (d *distinctOp) String() string      { return "Distinct" }
func (d *distinctOp) close()              { d.out.release(); d.child.close() }

func (d *distinctOp) next(ctx context.Context) (arrow.Record, error) {
	for {
		rec, err := d.child.next(ctx)
		if err != nil {
			return nil, err
		}
		cols := d.on
		if cols == nil {
			cols = make([]int, rec.NumCols())
			for c := range cols {
				cols[c] = c
			}
		}
		arrs := make([]arrow.Array, len(cols))
		types := make([]sqltype.T, len(cols))
		for i, c := range cols {
			arrs[i], types[i] = rec.Column(c), d.child.columns()[c].t
		}
		hash, normalized := valueKeys(d.env.eval(ctx), types, arrs)
		var keep []int32
		d.groups = grow(d.groups[:0], int(rec.NumRows()))
		err = d.grp.assign(hash, d.groups, func(r int) error {
			keep = append(keep, int32(r))
			return nil
		})
		releaseArrays(normalized)
		if err != nil {
			return nil, err
		}
		if len(keep) == 0 {
			continue
		}
		return d.out.set(takeRecord(d.env.mem, rec, keep)), nil
	}
}
