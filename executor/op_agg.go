package executor

import (
	"context"
	"io"
	"strings"

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
// is a plain aggregate: one row even for empty input.
type hashAggOp struct {
	env    *env
	child  operator
	keys   []Expr
	aggs   []aggCall
	cols   []opColumn
	schema *arrow.Schema
	done   bool
	out    batchHolder
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
	ec := h.env.eval(ctx)
	states := make([]aggState, len(h.aggs))
	for i, a := range h.aggs {
		states[i] = a.impl.New(ec)
	}
	defer func() {
		for _, s := range states {
			s.Release()
		}
	}()
	keyBuilders := make([]array.Builder, len(h.keys))
	for i, k := range h.keys {
		keyBuilders[i] = array.NewBuilder(h.env.mem, k.DataType())
		defer keyBuilders[i].Release()
	}
	var grp grouper
	ngroups := 0
	if len(h.keys) == 0 {
		ngroups = 1
	}
	for {
		rec, err := h.child.next(ctx)
		if errEOF(err) {
			break
		}
		if err != nil {
			return nil, err
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		n := int(rec.NumRows())
		groups := make([]uint32, n)
		if len(h.keys) > 0 {
			keyArrs := make([]arrow.Array, len(h.keys))
			for i, k := range h.keys {
				v, err := k.Eval(ec, rec)
				if err != nil {
					releaseArrays(keyArrs)
					return nil, err
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
			err := grp.assign(hashArrs, groups, func(r int) error {
				for i, ka := range keyArrs {
					if err := appendValue(keyBuilders[i], ka, r); err != nil {
						return err
					}
				}
				return nil
			})
			releaseArrays(keyArrs)
			releaseArrays(normalized)
			if err != nil {
				return nil, err
			}
			ngroups = grp.n
		}
		for i, a := range h.aggs {
			if err := h.update(ec, a, states[i], rec, groups, ngroups); err != nil {
				return nil, err
			}
		}
	}
	cols := make([]arrow.Array, 0, len(h.cols))
	for _, b := range keyBuilders {
		cols = append(cols, b.NewArray())
	}
	for _, s := range states {
		v, err := s.Finish(ngroups)
		if err != nil {
			releaseArrays(cols)
			return nil, err
		}
		cols = append(cols, v)
	}
	out := array.NewRecord(h.schema, cols, int64(ngroups))
	releaseArrays(cols)
	return h.out.set(out), nil
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
		if _, text := arrs[i].(*array.String); !text || t.OID != sqltype.Numeric {
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

// distinctOp passes each distinct row once (SELECT DISTINCT).
type distinctOp struct {
	env   *env
	child operator
	on    []int // DISTINCT ON: the key columns; nil for the whole row
	seen  map[string]struct{}
	out   batchHolder
}

func (d *distinctOp) columns() []opColumn { return d.child.columns() }
func (d *distinctOp) String() string      { return "Distinct" }
func (d *distinctOp) close()              { d.out.release(); d.child.close() }

func (d *distinctOp) next(ctx context.Context) (arrow.Record, error) {
	if d.seen == nil {
		d.seen = map[string]struct{}{}
	}
	var key []byte
	for {
		rec, err := d.child.next(ctx)
		if err != nil {
			return nil, err
		}
		var keep []int32
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
		for r := 0; r < int(rec.NumRows()); r++ {
			key = key[:0]
			for _, a := range hash {
				key = appendKey(key, a, r)
			}
			if _, dup := d.seen[string(key)]; dup {
				continue
			}
			d.seen[string(key)] = struct{}{}
			keep = append(keep, int32(r))
		}
		releaseArrays(normalized)
		if len(keep) == 0 {
			continue
		}
		return d.out.set(takeRecord(d.env.mem, rec, keep)), nil
	}
}
