package executor

import (
	"context"
	"errors"
	"io"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"

	"github.com/sharehouse/sharehouse/executor/sqltype"
)

// operator is one step of a physical plan; it pulls batches from its inputs.
type operator interface {
	// columns describes the batches next returns.
	columns() []opColumn
	// next returns the next batch, or io.EOF after the last. The batch
	// belongs to the operator and is valid until the next call.
	next(ctx context.Context) (arrow.Record, error)
	// close releases the operator and its inputs; safe to call twice.
	close()
	// String is the operator's EXPLAIN line.
	String() string
}

// opColumn is one output column of an operator.
type opColumn struct {
	name     string
	t        sqltype.T
	dt       arrow.DataType
	tableOID uint32
	attnum   int16
}

// env is what every operator of one statement shares.
type env struct {
	mem   memory.Allocator
	start evalContext // template: ctx is set per call
	// memLimit bounds what one operator may hold in memory (a sort's or a
	// join's input); 0 for no bound.
	memLimit int64
}

// fits fails with 53200 when the batches an operator materialises exceed
// the query memory limit: the query fails, the server keeps serving.
func (e *env) fits(what string, recs []arrow.Record) error {
	if e.memLimit <= 0 {
		return nil
	}
	var n int64
	for _, r := range recs {
		n += recordBytes(r)
	}
	return e.fitsBytes(what, n)
}

// fitsBytes is fits for n bytes held some other way (an aggregate's groups).
// The values the statement's aggregates keep (string_agg …) count too.
func (e *env) fitsBytes(what string, n int64) error {
	if e.memLimit > 0 && n+e.start.budget.heldBytes() > e.memLimit {
		return errOutOfMemory(what, e.memLimit)
	}
	return nil
}

func (e *env) eval(ctx context.Context) *evalContext {
	ec := e.start
	ec.ctx = ctx
	return &ec
}

func schemaOf(cols []opColumn) *arrow.Schema {
	fields := make([]arrow.Field, len(cols))
	for i, c := range cols {
		fields[i] = arrow.Field{Name: c.name, Type: c.dt, Nullable: true}
	}
	return arrow.NewSchema(fields, nil)
}

// batchHolder releases the previous output batch when the next is set.
type batchHolder struct{ cur arrow.Record }

func (h *batchHolder) set(r arrow.Record) arrow.Record {
	if h.cur != nil {
		h.cur.Release()
	}
	h.cur = r
	return r
}

func (h *batchHolder) release() {
	if h.cur != nil {
		h.cur.Release()
		h.cur = nil
	}
}

// drain reads all of op's batches, retained, and the total row count.
func drain(ctx context.Context, op operator) ([]arrow.Record, int64, error) {
	var out []arrow.Record
	var n int64
	for {
		if err := ctx.Err(); err != nil {
			releaseAll(out)
			return nil, 0, err
		}
		rec, err := op.next(ctx)
		if errors.Is(err, io.EOF) {
			return out, n, nil
		}
		if err != nil {
			releaseAll(out)
			return nil, 0, err
		}
		if rec.NumRows() == 0 {
			continue
		}
		rec.Retain()
		out = append(out, rec)
		n += rec.NumRows()
	}
}

func releaseAll(recs []arrow.Record) {
	for _, r := range recs {
		r.Release()
	}
}

// concatRecords joins batches of one schema into one record.
func concatRecords(mem memory.Allocator, schema *arrow.Schema, recs []arrow.Record) (arrow.Record, error) {
	if len(recs) == 1 {
		recs[0].Retain()
		return recs[0], nil
	}
	cols := make([]arrow.Array, schema.NumFields())
	var rows int64
	for _, r := range recs {
		rows += r.NumRows()
	}
	for i := range cols {
		if len(recs) == 0 {
			b := array.NewBuilder(mem, schema.Field(i).Type)
			cols[i] = b.NewArray()
			b.Release()
			continue
		}
		parts := make([]arrow.Array, len(recs))
		for j, r := range recs {
			parts[j] = r.Column(i)
		}
		c, err := array.Concatenate(parts, mem)
		if err != nil {
			for _, c := range cols[:i] {
				c.Release()
			}
			return nil, err
		}
		cols[i] = c
	}
	out := array.NewRecord(schema, cols, rows)
	for _, c := range cols {
		c.Release()
	}
	return out, nil
}

// evalAll evaluates exprs over rec into a new record with schema.
func evalAll(ec *evalContext, schema *arrow.Schema, exprs []Expr, rec arrow.Record) (arrow.Record, error) {
	cols := make([]arrow.Array, len(exprs))
	for i, e := range exprs {
		v, err := e.Eval(ec, rec)
		if err != nil {
			for _, c := range cols[:i] {
				c.Release()
			}
			return nil, err
		}
		cols[i] = v
	}
	out := array.NewRecord(schema, cols, rec.NumRows())
	for _, c := range cols {
		c.Release()
	}
	return out, nil
}
