package executor

import (
	"context"
	"io"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
)

// unionOp is UNION [ALL] of any number of inputs, read one after the
// other: a chain a UNION ALL b UNION ALL c … is one unionOp, so each batch
// passes through one operator however long the chain is (a left-deep
// tree of 5,000 binary ones made every batch of the first branch pass
// through 5,000 of them). Without ALL it keeps each distinct row once, by
// value in a hash table.
type unionOp struct {
	env    *env
	all    bool
	inputs []operator
	cols   []opColumn

	cur  int            // the input being read
	seen map[string]int // rows returned so far, without ALL
	out  batchHolder
}

func (u *unionOp) columns() []opColumn { return u.cols }

func (u *unionOp) close() {
	u.out.release()
	for _, in := range u.inputs {
		in.close()
	}
}

func (u *unionOp) String() string {
	var b strings.Builder
	b.WriteString("Union")
	if u.all {
		b.WriteString(" All")
	}
	return b.String()
}

func (u *unionOp) next(ctx context.Context) (arrow.Record, error) {
	schema := schemaOf(u.cols)
	if u.seen == nil && !u.all {
		u.seen = map[string]int{}
	}
	for u.cur < len(u.inputs) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		rec, err := u.inputs[u.cur].next(ctx)
		if errEOF(err) {
			u.cur++
			continue
		}
		if err != nil {
			return nil, err
		}
		rec = array.NewRecord(schema, rec.Columns(), rec.NumRows())
		if u.all {
			return u.out.set(rec), nil
		}
		var keep []int32
		var key []byte
		for r := 0; r < int(rec.NumRows()); r++ {
			key = rowKey(key, rec, r)
			if _, dup := u.seen[string(key)]; !dup {
				u.seen[string(key)] = 1
				keep = append(keep, int32(r))
			}
		}
		out := takeRecord(u.env.mem, rec, keep)
		rec.Release()
		if out.NumRows() == 0 {
			out.Release()
			continue
		}
		return u.out.set(out), nil
	}
	return nil, io.EOF
}
