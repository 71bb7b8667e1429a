package executor

import (
	"context"
	"fmt"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/sharehouse/sharehouse/catalog"
	"github.com/sharehouse/sharehouse/executor/sqlstate"
	"github.com/sharehouse/sharehouse/executor/sqltype"
	"github.com/sharehouse/sharehouse/parser"
)

// tableWriter turns batches of a statement's values into batches of a
// table's stored columns: defaults filled in, types cast, NOT NULL checked.
type tableWriter struct {
	t      catalog.Table
	schema *arrow.Schema // stored fields, named by column ID
	// exprs compute each stored column from an input batch.
	exprs []Expr
	// ret is the bound RETURNING list; nil without one.
	ret *returning
	// cons enforces the table's constraints; nil without any.
	cons *constraintChecker
	// conflict is INSERT's ON CONFLICT clause, nil without one (upsert.go).
	conflict *onConflict
}

func columnType(c catalog.Column) sqltype.T {
	return sqltype.T{OID: sqltype.OID(c.Type.OID), Typmod: c.Type.Typmod}
}

// storedSchema is the Arrow schema data files of t use.
func storedSchema(t catalog.Table) *arrow.Schema {
	fields := make([]arrow.Field, len(t.Columns))
	for i, c := range t.Columns {
		fields[i] = arrow.Field{Name: c.Field(), Type: columnType(c).Arrow(), Nullable: !c.NotNull}
	}
	return arrow.NewSchema(fields, nil)
}

// newTableWriter maps input columns (given, in order, for the target
// columns named by targets) onto every column of t.
func (x *execution) newTableWriter(t catalog.Table, targets []int, input []opColumn) (*tableWriter, error) {
	b := &binder{x: x}
	w := &tableWriter{t: t, schema: storedSchema(t), exprs: make([]Expr, len(t.Columns))}
	var err error
	if w.cons, err = x.newConstraintChecker(t); err != nil {
		return nil, err
	}
	for k, ci := range targets {
		col := t.Columns[ci]
		in := &scopeColumn{name: input[k].name, t: input[k].t, dt: input[k].dt, idx: k}
		e, err := b.assign(&boundCol{c: in}, columnType(col), 0)
		if err != nil {
			if sqlstate.CodeOf(err) == sqlstate.CannotCoerce {
				return nil, sqlstate.Errorf(sqlstate.DatatypeMismatch, "column %q is of type %s but expression is of type %s", col.Name, columnType(col), input[k].t).
					WithHint("You will need to rewrite or cast the expression.")
			}
			return nil, err
		}
		w.exprs[ci] = e
	}
	for i, col := range t.Columns {
		if w.exprs[i] != nil {
			continue
		}
		e, err := x.defaultExpr(t, col)
		if err != nil {
			return nil, err
		}
		w.exprs[i] = e
	}
	return w, nil
}

// defaultExpr binds the DEFAULT of column col of table tbl (NULL when it
// has none).
func (x *execution) defaultExpr(tbl catalog.Table, col catalog.Column) (Expr, error) {
	t := columnType(col)
	if col.Identity != "" {
		return x.identityDefault(col)
	}
	if col.Default == "" {
		return nullConst(t), nil
	}
	stmts, err := parser.Parse("SELECT " + col.Default)
	if err != nil || len(stmts) != 1 || stmts[0].PG == nil {
		return nil, sqlstate.Errorf(sqlstate.InternalError, "bad stored default for column %q", col.Name)
	}
	node := stmts[0].PG.Stmt.GetSelectStmt().TargetList[0].GetResTarget().Val
	b := &binder{x: x}
	e, err := b.bindExpr(node, &scope{})
	if err != nil {
		return nil, err
	}
	return b.assign(e, t, 0)
}

// rows computes the stored batch for one input batch.
func (w *tableWriter) rows(ec *evalContext, in arrow.Record) (arrow.Record, error) {
	out, err := w.rowsChecked(ec, in)
	if err != nil {
		return nil, err
	}
	if err := w.cons.addKeys(out); err != nil {
		out.Release()
		return nil, err
	}
	if err := w.cons.noteRefs(out); err != nil {
		out.Release()
		return nil, err
	}
	return out, nil
}

// rowsChecked is rows without recording keys: an upsert records those of
// the rows it inserts only.
func (w *tableWriter) rowsChecked(ec *evalContext, in arrow.Record) (arrow.Record, error) {
	out, err := evalAll(ec, w.schema, w.exprs, in)
	if err != nil {
		return nil, err
	}
	for i, c := range w.t.Columns {
		if c.NotNull && out.Column(i).NullN() > 0 {
			out.Release()
			return nil, sqlstate.Errorf(sqlstate.NotNullViolation, "null value in column %q of relation %q violates not-null constraint", c.Name, w.t.Name)
		}
	}
	if err := w.cons.checkRows(ec, out); err != nil {
		out.Release()
		return nil, err
	}
	return out, nil
}

// targetColumns resolves an INSERT/COPY column list to column indexes.
func targetColumns(t catalog.Table, names []string) ([]int, error) {
	if len(names) == 0 {
		out := make([]int, len(t.Columns))
		for i := range out {
			out[i] = i
		}
		return out, nil
	}
	seen := map[int]bool{}
	var out []int
	for _, n := range names {
		_, i, ok := t.Column(n)
		if !ok {
			return nil, sqlstate.Errorf(sqlstate.UndefinedColumn, "column %q of relation %q does not exist", n, t.Name)
		}
		if seen[i] {
			return nil, sqlstate.Errorf(sqlstate.DuplicateColumn, "column %q specified more than once", n)
		}
		seen[i] = true
		out = append(out, i)
	}
	return out, nil
}

func resTargetNames(cols []*pg.Node) []string {
	var out []string
	for _, c := range cols {
		out = append(out, c.GetResTarget().Name)
	}
	return out
}

// bindOnlyInsert binds an INSERT for Describe: its RETURNING columns.
func (x *execution) bindOnlyInsert(ins *pg.InsertStmt) ([]Column, error) {
	tx, done, err := x.s.readTx(x.ctx)
	if err != nil {
		return nil, err
	}
	defer done()
	_, w, p, err := x.planInsert(tx, ins)
	if err != nil {
		return nil, err
	}
	p.release()
	if w.ret == nil {
		return nil, nil
	}
	return toColumns(w.ret.cols), nil
}

// planInsert binds INSERT's source and the writer for its table.
func (x *execution) planInsert(tx *catalog.Tx, ins *pg.InsertStmt) (catalog.Table, *tableWriter, *plan, error) {
	if ins.WithClause != nil {
		return catalog.Table{}, nil, nil, notSupported("WITH is not supported yet")
	}
	t, _, err := rangeVarRef(x, tx, ins.Relation)
	if err != nil {
		return catalog.Table{}, nil, nil, err
	}
	if t.IsView() {
		return catalog.Table{}, nil, nil, viewWriteError(t, "insert into")
	}
	targets, err := targetColumns(t, resTargetNames(ins.Cols))
	if err != nil {
		return catalog.Table{}, nil, nil, err
	}
	p := &plan{}
	q := newQueryBinder(x, tx, p)
	var root operator
	var cols []opColumn
	if ins.SelectStmt == nil { // DEFAULT VALUES
		root, targets = oneRowOp(), nil
	} else if sel := ins.SelectStmt.GetSelectStmt(); len(sel.ValuesLists) > 0 {
		root, cols, targets, err = q.insertValues(t, targets, sel)
	} else {
		root, cols, err = q.bindSelect(sel)
		if err == nil && len(cols) > len(targets) {
			err = sqlstate.Errorf(sqlstate.SyntaxError, "INSERT has more expressions than target columns")
		}
		if err == nil && len(cols) < len(targets) {
			targets = targets[:len(cols)]
		}
	}
	if err != nil {
		p.release()
		return catalog.Table{}, nil, nil, err
	}
	p.root, p.cols = root, cols
	w, err := x.newTableWriter(t, targets, cols)
	if err == nil {
		err = x.identityInsert(w, targets, ins)
	}
	if err == nil {
		w.ret, err = q.bindReturning(ins.ReturningList, t, ins.Relation)
	}
	if err == nil && ins.OnConflictClause != nil {
		w.conflict, err = q.bindOnConflict(ins.OnConflictClause, t, ins.Relation, w)
	}
	if err != nil {
		p.release()
		return catalog.Table{}, nil, nil, err
	}
	return t, w, p, nil
}

// insertValues binds VALUES rows for INSERT: DEFAULT items take the
// column's default, and each value is cast to its column's type.
func (q *queryBinder) insertValues(t catalog.Table, targets []int, sel *pg.SelectStmt) (operator, []opColumn, []int, error) {
	var rows [][]Expr
	for _, l := range sel.ValuesLists {
		items := l.GetList().Items
		if len(items) > len(targets) {
			return nil, nil, nil, sqlstate.Errorf(sqlstate.SyntaxError, "INSERT has more expressions than target columns")
		}
		row := make([]Expr, len(items))
		for i, item := range items {
			col := t.Columns[targets[i]]
			var e Expr
			var err error
			if item.GetSetToDefault() != nil {
				e, err = q.x.defaultExpr(t, col)
			} else if e, err = q.bindExpr(item, &scope{}); err == nil {
				e, err = q.assign(e, columnType(col), 0)
				if sqlstate.CodeOf(err) == sqlstate.CannotCoerce {
					err = sqlstate.Errorf(sqlstate.DatatypeMismatch, "column %q is of type %s but expression is of type %s", col.Name, columnType(col), e.Type()).
						WithHint("You will need to rewrite or cast the expression.")
				}
			}
			if err != nil {
				return nil, nil, nil, err
			}
			row[i] = e
		}
		if len(rows) > 0 && len(row) != len(rows[0]) {
			return nil, nil, nil, sqlstate.Errorf(sqlstate.SyntaxError, "VALUES lists must all be the same length")
		}
		rows = append(rows, row)
	}
	types := make([]sqltype.T, len(rows[0]))
	for i := range types {
		types[i] = columnType(t.Columns[targets[i]])
	}
	op, cols, err := q.valuesRelation(rows, types)
	return op, cols, targets[:len(rows[0])], err
}

func (x *execution) runInsert(ins *pg.InsertStmt) (Result, error) {
	tx, finish, err := x.s.writeTx(x.ctx)
	if err != nil {
		return Result{}, err
	}
	n, ret, err := x.insert(tx, ins)
	x.s.writeClean(x, err)
	if err := finish(err); err != nil {
		ret.release()
		return Result{}, err
	}
	if ret != nil {
		return ret.result(x, "INSERT 0"), nil
	}
	return Result{Tag: fmt.Sprintf("INSERT 0 %d", n)}, nil
}

// insert runs INSERT in tx: the rows written and, with RETURNING, what it
// returns (the caller sends or releases it).
func (x *execution) insert(tx *catalog.Tx, ins *pg.InsertStmt) (int64, *returning, error) {
	t, w, p, err := x.planInsert(tx, ins)
	if err != nil {
		return 0, nil, err
	}
	defer p.release()
	n, err := x.insertRows(tx, t, w, p)
	if err != nil {
		w.ret.release()
		return 0, nil, err
	}
	return n, w.ret, nil
}

func (x *execution) insertRows(tx *catalog.Tx, t catalog.Table, w *tableWriter, p *plan) (int64, error) {
	if w.conflict != nil {
		return x.insertOnConflict(tx, t, w, p)
	}
	ec := x.evalContext()
	l := newLoader(x.s.eng.cat, t, w.schema)
	defer l.close()
	var n int64
	for {
		in, err := p.root.next(x.ctx)
		if errEOF(err) {
			break
		}
		if err != nil {
			return 0, err
		}
		out, err := w.rows(ec, in)
		if err != nil {
			return 0, err
		}
		if err := w.ret.add(ec, out); err != nil {
			out.Release()
			return 0, err
		}
		n += out.NumRows()
		if err := l.add(x.ctx, out); err != nil {
			return 0, err
		}
	}
	if err := l.finish(); err != nil {
		return 0, err
	}
	return n, x.publishChecked(x.ctx, tx, l, w)
}

// publishChecked puts a writer's finished rows into tx once the table's
// keys and the parents of its foreign keys allow them. From then on the
// statement has changed tx (x.touched); self-references are checked
// against the rows now in.
func (x *execution) publishChecked(ctx context.Context, tx *catalog.Tx, l *loader, w *tableWriter) error {
	if err := w.cons.existing(ctx, tx); err != nil {
		return err
	}
	if err := w.cons.checkParents(ctx, tx); err != nil {
		return err
	}
	x.touched = true
	if err := l.publish(ctx, tx); err != nil {
		return err
	}
	return w.cons.checkSelf(ctx, tx)
}

// tableScope is the scope of UPDATE/DELETE expressions: every column of
// t, in stored order, under the table's name or alias.
func tableScope(t catalog.Table, rv *pg.RangeVar) *scope {
	rel := t.Name
	if rv.Alias != nil {
		rel = rv.Alias.Aliasname
	}
	sc := &scope{}
	for i, c := range t.Columns {
		ct := columnType(c)
		sc.cols = append(sc.cols, &scopeColumn{rel: rel, name: c.Name, t: ct, dt: ct.Arrow(), idx: i, tableOID: uint32(t.ID), attnum: int16(i + 1)})
	}
	return sc
}

// modification is a bound UPDATE or DELETE.
type modification struct {
	plan  *plan // holds what subqueries pinned
	t     catalog.Table
	where Expr   // nil: every row
	sets  []Expr // UPDATE: new value per column, nil where unchanged
	ret   *returning
	cons  *constraintChecker // UPDATE: the table's constraints
	// match, when set, picks the rows instead of where: a referential
	// action's rows (foreign_actions.go).
	match func(rec arrow.Record) []bool
	// changed, when set, sees the rows matched before and after (nil
	// after, for DELETE): foreign keys collect their keys there.
	changed func(old, new arrow.Record) error
}

// bindAssignments binds the SET list of an UPDATE or of INSERT … ON
// CONFLICT DO UPDATE over scope sc: the new value per column of t, nil
// where unchanged.
func (x *execution) bindAssignments(b *binder, t catalog.Table, sc *scope, list []*pg.Node) ([]Expr, error) {
	sets := make([]Expr, len(t.Columns))
	for _, sn := range list {
		rt := sn.GetResTarget()
		if len(rt.Indirection) > 0 {
			return nil, notSupported("assignment to a part of a column is not supported")
		}
		col, i, ok := t.Column(rt.Name)
		if !ok {
			return nil, sqlstate.Errorf(sqlstate.UndefinedColumn, "column %q of relation %q does not exist", rt.Name, t.Name).WithPosition(rt.Location + 1)
		}
		if sets[i] != nil {
			return nil, sqlstate.Errorf(sqlstate.SyntaxError, "multiple assignments to same column %q", rt.Name)
		}
		if err := identityUpdate(col, rt.Val); err != nil {
			return nil, err
		}
		var e Expr
		var err error
		if rt.Val.GetSetToDefault() != nil {
			e, err = x.defaultExpr(t, col)
		} else if e, err = b.bindExpr(rt.Val, sc); err == nil {
			e, err = b.assign(e, columnType(col), rt.Location)
		}
		if err != nil {
			return nil, err
		}
		sets[i] = e
	}
	return sets, nil
}

// bindOnlyModify binds UPDATE or DELETE for Describe: its RETURNING columns.
func (x *execution) bindOnlyModify(n *pg.Node) ([]Column, error) {
	tx, done, err := x.s.readTx(x.ctx)
	if err != nil {
		return nil, err
	}
	defer done()
	m, err := x.bindModify(tx, n)
	if m != nil {
		m.plan.release()
	}
	if err != nil || m.ret == nil {
		return nil, err
	}
	return toColumns(m.ret.cols), nil
}

func (x *execution) bindModify(tx *catalog.Tx, n *pg.Node) (*modification, error) {
	var rv *pg.RangeVar
	var where *pg.Node
	var setList, retList []*pg.Node
	if u := n.GetUpdateStmt(); u != nil {
		if len(u.FromClause) > 0 || u.WithClause != nil {
			return nil, notSupported("UPDATE … FROM and WITH are not supported yet")
		}
		rv, where, setList, retList = u.Relation, u.WhereClause, u.TargetList, u.ReturningList
	} else {
		d := n.GetDeleteStmt()
		if len(d.UsingClause) > 0 || d.WithClause != nil {
			return nil, notSupported("DELETE … USING and WITH are not supported yet")
		}
		rv, where, retList = d.Relation, d.WhereClause, d.ReturningList
	}
	t, _, err := rangeVarRef(x, tx, rv)
	if err != nil {
		return nil, err
	}
	if t.IsView() {
		verb := "update"
		if n.GetDeleteStmt() != nil {
			verb = "delete from"
		}
		return nil, viewWriteError(t, verb)
	}
	m := &modification{t: t, plan: &plan{}}
	sc := tableScope(t, rv)
	q := newQueryBinder(x, tx, m.plan)
	if m.ret, err = q.bindReturning(retList, t, rv); err != nil {
		return m, err
	}
	b := &q.binder
	if where != nil {
		e, err := b.bindExpr(where, sc)
		if err != nil {
			return nil, err
		}
		if m.where, err = b.coerceBool(e, "WHERE"); err != nil {
			return nil, err
		}
	}
	if setList != nil {
		if m.cons, err = x.newConstraintChecker(t); err != nil {
			return nil, err
		}
		if m.sets, err = x.bindAssignments(b, t, sc, setList); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (x *execution) runUpdate(u *pg.UpdateStmt) (Result, error) {
	return x.modify(&pg.Node{Node: &pg.Node_UpdateStmt{UpdateStmt: u}}, "UPDATE")
}

func (x *execution) runDelete(d *pg.DeleteStmt) (Result, error) {
	return x.modify(&pg.Node{Node: &pg.Node_DeleteStmt{DeleteStmt: d}}, "DELETE")
}

// modify runs UPDATE or DELETE part by part: a part with no matching row
// is left alone; one with matches is replaced by its rewritten rows, all
// in the statement's write transaction.
func (x *execution) modify(n *pg.Node, tag string) (Result, error) {
	tx, finish, err := x.s.writeTx(x.ctx)
	if err != nil {
		return Result{}, err
	}
	count, ret, err := x.modifyIn(tx, n)
	if err := finish(err); err != nil {
		ret.release()
		return Result{}, err
	}
	if ret != nil {
		return ret.result(x, tag), nil
	}
	return Result{Tag: fmt.Sprintf("%s %d", tag, count)}, nil
}

// modifyIn runs UPDATE or DELETE in tx: the rows matched and, with
// RETURNING, what it returns (the caller sends or releases it).
func (x *execution) modifyIn(tx *catalog.Tx, n *pg.Node) (int64, *returning, error) {
	m, err := x.bindModify(tx, n)
	if m != nil {
		defer m.plan.release()
	}
	if err != nil {
		return 0, nil, err
	}
	count, err := x.apply(tx, m)
	if err != nil {
		m.ret.release()
		return 0, nil, err
	}
	return count, m.ret, nil
}

// apply runs a bound UPDATE or DELETE part by part: a part with no
// matching row is left alone; one with matches is replaced by its
// rewritten rows, all in tx.
func (x *execution) apply(tx *catalog.Tx, m *modification) (int64, error) {
	snap, err := tx.Snapshot(m.t)
	if err != nil {
		return 0, err
	}
	defer snap.Release()
	schema := storedSchema(m.t)
	fields := make([]arrow.Field, len(schema.Fields()))
	copy(fields, schema.Fields())
	ec := x.evalContext()
	var count int64
	fw, err := x.newFKWrite(tx, m)
	if err != nil {
		return 0, err
	}
	// An UPDATE of key columns rechecks the keys over every row kept.
	rekey := m.cons.touches(func(p int) bool { return m.sets != nil && m.sets[p] != nil })
	for i, part := range snap.Parts() {
		it, err := snap.ScanPart(x.ctx, i, fields)
		if err != nil {
			return 0, err
		}
		var kept []arrow.Record
		changed := false
		for {
			rec, err := it.Next(x.ctx)
			if errEOF(err) {
				break
			}
			if err != nil {
				it.Close()
				releaseAll(kept)
				return 0, err
			}
			out, hits, err := x.modifyBatch(ec, m, schema, rec)
			if err != nil {
				it.Close()
				releaseAll(kept)
				return 0, err
			}
			count += hits
			changed = changed || hits > 0
			kept = append(kept, out)
			if hits > 0 && m.sets != nil {
				err = m.cons.checkRows(ec, out)
			}
			if err == nil && rekey {
				err = m.cons.addKeys(out)
			}
			if err != nil {
				it.Close()
				releaseAll(kept)
				return 0, err
			}
		}
		it.Close()
		if changed {
			err = tx.ReplacePart(x.ctx, m.t, part.ID, kept)
		}
		releaseAll(kept)
		if err != nil {
			return 0, err
		}
	}
	return count, fw.finish(tx)
}

// modifyBatch applies an UPDATE or DELETE to one batch: the rows to keep
// (updated where matched) and the number of rows matched.
func (x *execution) modifyBatch(ec *evalContext, m *modification, schema *arrow.Schema, rec arrow.Record) (arrow.Record, int64, error) {
	rec = array.NewRecord(schema, rec.Columns(), rec.NumRows())
	defer rec.Release()
	n := int(rec.NumRows())
	match := make([]bool, n)
	if m.match != nil {
		match = m.match(rec)
	} else if m.where == nil {
		for i := range match {
			match[i] = true
		}
	} else {
		mask, err := m.where.Eval(ec, rec)
		if err != nil {
			return nil, 0, err
		}
		b := mask.(*array.Boolean)
		for i := range match {
			match[i] = b.IsValid(i) && b.Value(i)
		}
		mask.Release()
	}
	var hits []int32
	var misses []int32
	for i, ok := range match {
		if ok {
			hits = append(hits, int32(i))
		} else {
			misses = append(misses, int32(i))
		}
	}
	if len(hits) == 0 {
		rec.Retain()
		return rec, 0, nil
	}
	if m.sets == nil { // DELETE: keep the others
		if m.ret != nil || m.changed != nil {
			gone := takeRecord(ec.mem, rec, hits)
			err := m.ret.add(ec, gone)
			if err == nil && m.changed != nil {
				err = m.changed(gone, nil)
			}
			gone.Release()
			if err != nil {
				return nil, 0, err
			}
		}
		return takeRecord(ec.mem, rec, misses), int64(len(hits)), nil
	}
	// UPDATE: compute new values on the matched rows, keep order.
	matched := takeRecord(ec.mem, rec, hits)
	defer matched.Release()
	cols := make([]arrow.Array, len(m.t.Columns))
	defer func() { releaseArrays(cols) }()
	for c, col := range m.t.Columns {
		if m.sets[c] == nil {
			rec.Column(c).Retain()
			cols[c] = rec.Column(c)
			continue
		}
		nv, err := m.sets[c].Eval(ec, matched)
		if err != nil {
			return nil, 0, err
		}
		if col.NotNull && nv.NullN() > 0 {
			nv.Release()
			return nil, 0, sqlstate.Errorf(sqlstate.NotNullViolation, "null value in column %q of relation %q violates not-null constraint", col.Name, m.t.Name)
		}
		branchOf := make([]int32, n)
		posIn := make([]int32, n)
		k := 0
		for i := range match {
			if match[i] {
				branchOf[i], posIn[i] = 1, int32(k)
				k++
			} else {
				posIn[i] = int32(i)
			}
		}
		merged, err := mergeBranches(ec, schema.Field(c).Type, []arrow.Array{rec.Column(c), nv}, branchOf, posIn)
		nv.Release()
		if err != nil {
			return nil, 0, err
		}
		cols[c] = merged
	}
	out := array.NewRecord(schema, cols, int64(n))
	if m.ret != nil || m.changed != nil {
		updated := takeRecord(ec.mem, out, hits)
		err := m.ret.add(ec, updated)
		if err == nil && m.changed != nil {
			err = m.changed(matched, updated)
		}
		updated.Release()
		if err != nil {
			out.Release()
			return nil, 0, err
		}
	}
	return out, int64(len(hits)), nil
}

func (x *execution) runTruncate(ts *pg.TruncateStmt) (Result, error) {
	tx, finish, err := x.s.writeTx(x.ctx)
	if err != nil {
		return Result{}, err
	}
	var notices []*sqlstate.Error
	err = func() error {
		var tables []catalog.Table
		for _, r := range ts.Relations {
			t, _, err := rangeVarRef(x, tx, r.GetRangeVar())
			if err != nil {
				return err
			}
			tables = append(tables, t)
		}
		if tables, notices, err = x.truncateReferencing(tx, tables, ts.Behavior == pg.DropBehavior_DROP_CASCADE); err != nil {
			return err
		}
		for _, t := range tables {
			if err := tx.Truncate(t); err != nil {
				return err
			}
			if ts.RestartSeqs {
				if err := tx.RestartOwnedSequences(t); err != nil {
					return err
				}
			}
		}
		return nil
	}()
	if err := finish(err); err != nil {
		return Result{}, err
	}
	return Result{Tag: "TRUNCATE TABLE", Notices: notices}, nil
}

// truncateReferencing checks that no table outside tables references one
// of them, as PostgreSQL does for TRUNCATE; with cascade, the referencing
// tables are truncated too (and so on), each with a NOTICE.
func (x *execution) truncateReferencing(tx *catalog.Tx, tables []catalog.Table, cascade bool) ([]catalog.Table, []*sqlstate.Error, error) {
	in := map[catalog.TableID]bool{}
	for _, t := range tables {
		in[t.ID] = true
	}
	var notices []*sqlstate.Error
	for i := 0; i < len(tables); i++ {
		refs, err := tx.ReferencesTo(tables[i].ID)
		if err != nil {
			return nil, nil, err
		}
		for _, r := range refs {
			if in[r.Table.ID] {
				continue
			}
			if !cascade {
				return nil, nil, sqlstate.Errorf(sqlstate.FeatureNotSupported, "cannot truncate a table referenced in a foreign key constraint").
					WithDetail("Table %q references %q.", r.Table.Name, tables[i].Name).
					WithHint("Truncate table %q at the same time, or use TRUNCATE ... CASCADE.", r.Table.Name)
			}
			in[r.Table.ID] = true
			tables = append(tables, r.Table)
			notices = append(notices, notice("truncate cascades to table %q", r.Table.Name))
		}
	}
	return tables, notices, nil
}
