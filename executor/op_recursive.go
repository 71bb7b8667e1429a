package executor

import (
	"context"
	"io"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	pg "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/sharehouse/sharehouse/executor/sqlstate"
)

// This file runs WITH RECURSIVE: the non-recursive term's rows seed a
// working table; the recursive term is bound again over each working
// table (like a correlated subquery is per row) until it yields no rows.

// maxRecursion bounds the iterations of one recursive query, so that a
// runaway recursion fails with a clear error instead of running forever.
const maxRecursion = 1_000_000

// workTable is the rows a recursive term reads as its own name.
type workTable struct {
	cols []opColumn
	recs []arrow.Record
}

// referencesTable reports whether a relation named name appears anywhere
// under the parse tree msg (FROM items of nested subqueries included).
func referencesTable(msg protoreflect.Message, name string) bool {
	if rv, ok := msg.Interface().(*pg.RangeVar); ok {
		return rv.Schemaname == "" && rv.Relname == name
	}
	found := false
	msg.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		if fd.Kind() != protoreflect.MessageKind {
			return true
		}
		switch {
		case fd.IsList():
			l := v.List()
			for i := 0; i < l.Len() && !found; i++ {
				found = referencesTable(l.Get(i).Message(), name)
			}
		case fd.IsMap():
		default:
			found = referencesTable(v.Message(), name)
		}
		return !found
	})
	return found
}

// bindRecursiveCTE binds a reference to a self-referencing WITH RECURSIVE
// query: non-recursive term UNION [ALL] recursive term.
func (q *queryBinder) bindRecursiveCTE(cte *pg.CommonTableExpr, rv *pg.RangeVar) (*relation, error) {
	sel := cte.Ctequery.GetSelectStmt()
	if sel.Op != pg.SetOperation_SETOP_UNION || referencesTable(sel.Larg.ProtoReflect(), cte.Ctename) {
		return nil, sqlstate.Errorf(sqlstate.Code("42P19"), "recursive query %q does not have the form non-recursive-term UNION [ALL] recursive-term", cte.Ctename).WithPosition(cte.Location + 1)
	}
	if len(sel.SortClause) > 0 || sel.LimitCount != nil || sel.LimitOffset != nil {
		return nil, notSupported("ORDER BY, LIMIT or OFFSET in a recursive query is not implemented")
	}
	seed, cols, err := q.sub(nil).bindSelect(sel.Larg)
	if err != nil {
		return nil, err
	}
	for i := range cols {
		if i < len(cte.Aliascolnames) {
			cols[i].name = cte.Aliascolnames[i].GetString_().GetSval()
		}
		cols[i].tableOID, cols[i].attnum = 0, 0
	}
	if len(cte.Aliascolnames) > len(cols) {
		seed.close()
		return nil, sqlstate.Errorf(sqlstate.InvalidColumnReference, "WITH query %q has %d columns available but %d columns specified", cte.Ctename, len(cols), len(cte.Aliascolnames))
	}
	// Bind the recursive term once over an empty working table: its
	// columns must have the non-recursive term's types, as in PostgreSQL.
	probe := q.sub(nil)
	probe.work = map[string]*workTable{cte.Ctename: {cols: cols}}
	op, rcols, err := probe.bindSelect(sel.Rarg)
	if err != nil {
		seed.close()
		return nil, err
	}
	op.close()
	if len(rcols) != len(cols) {
		seed.close()
		return nil, sqlstate.Errorf(sqlstate.SyntaxError, "each UNION query must have the same number of columns")
	}
	for i := range cols {
		if rcols[i].t.OID != cols[i].t.OID {
			seed.close()
			return nil, sqlstate.Errorf(sqlstate.DatatypeMismatch, "recursive query %q column %d has type %s in non-recursive term but type %s overall", cte.Ctename, i+1, cols[i].t, rcols[i].t).WithPosition(cte.Location + 1)
		}
	}
	r := &recursiveOp{q: q, name: cte.Ctename, term: sel.Rarg, all: sel.All, seed: seed, cols: cols}
	alias := cte.Ctename
	var colnames []*pg.Node
	if rv.Alias != nil {
		alias = rv.Alias.Aliasname
		colnames = rv.Alias.Colnames
	}
	return derivedRelation(alias, colnames, r, cols), nil
}

// recursiveOp streams a recursive query's rows: the seed's, then each
// iteration's, so an outer LIMIT can stop an endless recursion.
type recursiveOp struct {
	q    *queryBinder // the binder the query was bound in (WITH scope)
	name string
	term *pg.SelectStmt
	all  bool
	seed operator
	cols []opColumn

	seedDone bool
	seen     map[string]bool // UNION: every row returned so far
	work     []arrow.Record  // the working table the current step reads
	fresh    []arrow.Record  // rows of this step: the next working table
	step     operator
	stepDone func()
	iter     int
	out      batchHolder
}

func (r *recursiveOp) columns() []opColumn { return r.cols }
func (r *recursiveOp) String() string      { return "Recursive Union" }
func (r *recursiveOp) close() {
	r.out.release()
	r.endStep()
	releaseAll(r.work)
	releaseAll(r.fresh)
	r.work, r.fresh = nil, nil
	if r.seed != nil {
		r.seed.close()
		r.seed = nil
	}
}

func (r *recursiveOp) endStep() {
	if r.step != nil {
		r.step.close()
		r.step = nil
	}
	if r.stepDone != nil {
		r.stepDone()
		r.stepDone = nil
	}
}

func (r *recursiveOp) next(ctx context.Context) (arrow.Record, error) {
	schema := schemaOf(r.cols)
	if !r.all && r.seen == nil {
		r.seen = map[string]bool{}
	}
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		var src operator
		if !r.seedDone {
			src = r.seed
		} else {
			if r.step == nil {
				if len(r.fresh) == 0 {
					return nil, io.EOF
				}
				if err := r.startStep(ctx); err != nil {
					return nil, err
				}
			}
			src = r.step
		}
		rec, err := src.next(ctx)
		if errEOF(err) {
			if !r.seedDone {
				r.seedDone = true
			} else {
				r.endStep()
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		rec = array.NewRecord(schema, rec.Columns(), rec.NumRows())
		if !r.all {
			var keep []int32
			var key []byte
			for i := 0; i < int(rec.NumRows()); i++ {
				key = rowKey(key, rec, i)
				if !r.seen[string(key)] {
					r.seen[string(key)] = true
					keep = append(keep, int32(i))
				}
			}
			if len(keep) < int(rec.NumRows()) {
				kept := takeRecord(r.q.env.mem, rec, keep)
				rec.Release()
				rec = kept
			}
		}
		if rec.NumRows() == 0 {
			rec.Release()
			continue
		}
		rec.Retain()
		r.fresh = append(r.fresh, rec)
		return r.out.set(rec), nil
	}
}

// startStep binds the recursive term over the rows of the last step.
func (r *recursiveOp) startStep(ctx context.Context) error {
	r.iter++
	if r.iter > maxRecursion {
		return sqlstate.Errorf(sqlstate.ProgramLimitExceeded, "recursive query %q did not end after %d iterations", r.name, maxRecursion)
	}
	releaseAll(r.work)
	r.work, r.fresh = r.fresh, nil
	x := r.q.x
	tx, done, err := x.s.readTx(ctx)
	if err != nil {
		return err
	}
	p := &plan{}
	q := newQueryBinder(x, tx, p)
	q.ctes = r.q.ctes
	q.work = map[string]*workTable{}
	for k, v := range r.q.work {
		q.work[k] = v
	}
	q.work[r.name] = &workTable{cols: r.cols, recs: r.work}
	op, _, err := q.bindSelect(r.term)
	if err != nil {
		p.release()
		done()
		return err
	}
	r.step = op
	r.stepDone = func() { p.release(); done() }
	return nil
}
