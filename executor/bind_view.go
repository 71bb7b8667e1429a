package executor

// Views: CREATE [OR REPLACE] VIEW stores the query as text with every table
// name qualified (database.schema.name), so it means the same whatever the
// reader's search_path; a query naming the view binds that text as a
// subquery (bindView), reading the tables with the reader's own rights, so
// a revoked share fails the view's reads too. Renames of what a view reads
// rewrite its text (renameInViews); PostgreSQL stores OIDs instead.

import (
	"fmt"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/sharehouse/sharehouse/catalog"
	"github.com/sharehouse/sharehouse/executor/sqlstate"
	"github.com/sharehouse/sharehouse/executor/sqltype"
	"github.com/sharehouse/sharehouse/parser"
)

// maxViewDepth bounds views over views: deeper nesting is a cycle.
const maxViewDepth = 64

// createView runs CREATE [OR REPLACE] [TEMP] VIEW. A view that reads a
// temporary table is temporary too, as in PostgreSQL.
func (x *execution) createView(tx *catalog.Tx, vs *pg.ViewStmt) ([]*sqlstate.Error, error) {
	if vs.WithCheckOption != pg.ViewCheckOption_NO_CHECK_OPTION {
		return nil, notSupported("WITH CHECK OPTION is not supported: views are read-only")
	}
	sel := vs.Query.GetSelectStmt()
	if sel == nil {
		return nil, sqlstate.Errorf(sqlstate.SyntaxError, "a view is defined by a SELECT")
	}
	deps, readsTemp, err := x.qualifyRelations(tx, vs.Query)
	if err != nil {
		return nil, err
	}
	var notices []*sqlstate.Error
	rv := vs.View
	if readsTemp && rv.Relpersistence != "t" {
		notices = append(notices, notice("view %q will be a temporary view", rv.Relname))
		rv = proto.Clone(rv).(*pg.RangeVar)
		rv.Relpersistence = "t"
	}
	if rv.Relpersistence == "t" {
		if rv, err = x.tempRelation(tx, rv, pg.OnCommitAction_ONCOMMIT_NOOP); err != nil {
			return nil, err
		}
	}
	ref, err := x.tableRef(tx, rv)
	if err != nil {
		return nil, err
	}
	return notices, x.storeView(tx, vs, sel, ref, deps)
}

// storeView binds the view's (qualified) query for its columns and
// stores it under ref.
func (x *execution) storeView(tx *catalog.Tx, vs *pg.ViewStmt, sel *pg.SelectStmt, ref catalog.TableRef, deps []catalog.TableID) error {
	// Bind the query once: it checks it and gives the columns. Column
	// references are qualified with their relation meanwhile, as
	// PostgreSQL prints them (t.id).
	quals := map[*pg.ColumnRef]string{}
	stars := map[*pg.ResTarget][]*pg.Node{}
	x.colRefs = func(cr *pg.ColumnRef, rel string) { quals[cr] = rel }
	x.starRefs = func(rt *pg.ResTarget, cols []*scopeColumn) { stars[rt] = spelledOut(cols) }
	p := &plan{}
	defer p.release()
	_, cols, err := newQueryBinder(x, tx, p).bindSelect(sel)
	x.colRefs, x.starRefs = nil, nil
	if err != nil {
		return err
	}
	for cr, rel := range quals {
		cr.Fields = append([]*pg.Node{pg.MakeStrNode(rel)}, cr.Fields...)
	}
	// * becomes the columns it stood for: the view keeps them when the
	// tables gain more, and prints them as PostgreSQL does.
	walkPG(vs.Query, func(m protoreflect.Message) {
		s, ok := m.Interface().(*pg.SelectStmt)
		if !ok {
			return
		}
		var list []*pg.Node
		for _, n := range s.TargetList {
			if cols, ok := stars[n.GetResTarget()]; ok {
				list = append(list, cols...)
				continue
			}
			list = append(list, n)
		}
		s.TargetList = list
	})
	spellOutOrdinals(sel)
	if len(vs.Aliases) > len(cols) {
		return sqlstate.Errorf(sqlstate.SyntaxError, "CREATE VIEW specifies more column names than columns")
	}
	var vcols []catalog.Column
	for i, c := range cols {
		name := c.name
		if i < len(vs.Aliases) {
			name = vs.Aliases[i].GetString_().GetSval()
		}
		t := c.t
		if t.OID == sqltype.Unknown {
			t = sqltype.TextT // as PostgreSQL 15 resolves an unknown-type view column
		}
		// A bare string literal column is text, and PostgreSQL stores
		// (and prints) it so: 'x'::text.
		if t == sqltype.TextT && sel.Op == pg.SetOperation_SETOP_NONE && i < len(sel.TargetList) {
			if rt := sel.TargetList[i].GetResTarget(); rt != nil && rt.Val.GetAConst().GetSval() != nil {
				rt.Val = &pg.Node{Node: &pg.Node_TypeCast{TypeCast: &pg.TypeCast{Arg: rt.Val, TypeName: &pg.TypeName{Names: []*pg.Node{pg.MakeStrNode("text")}, Typemod: -1}}}}
				if rt.Name == "" {
					rt.Name = c.name
				}
			}
		}
		vcols = append(vcols, catalog.Column{Name: name, Type: catalog.ColumnType{OID: uint32(t.OID), Typmod: t.Typmod}})
	}
	text, err := deparseStmt(vs.Query)
	if err != nil {
		return err
	}
	if vs.Replace {
		if old, err := tx.Table(ref); err == nil && old.IsView() {
			if err := replaceableColumns(old.Columns, vcols); err != nil {
				return err
			}
		}
	}
	_, err = tx.CreateView(ref, vcols, catalog.ViewDef{Query: text, Deps: deps}, "", vs.Replace)
	if catalog.IsNotFound(err) {
		if ce := err.(*catalog.Error); ce.Object == "schema" {
			return sqlstate.Errorf(sqlstate.InvalidSchemaName, "schema %q does not exist", ref.Schema)
		}
	}
	return err
}

// spelledOut is the select-list entries naming cols one by one.
func spelledOut(cols []*scopeColumn) []*pg.Node {
	out := make([]*pg.Node, len(cols))
	for i, c := range cols {
		fields := []*pg.Node{pg.MakeStrNode(c.name)}
		if c.rel != "" {
			fields = append([]*pg.Node{pg.MakeStrNode(c.rel)}, fields...)
		}
		out[i] = &pg.Node{Node: &pg.Node_ResTarget{ResTarget: &pg.ResTarget{Val: pg.MakeColumnRefNode(fields, 0)}}}
	}
	return out
}

// spellOutOrdinals replaces ORDER BY and GROUP BY items that name a
// select-list column (by position, or ORDER BY by output name) with that
// column's reference, as PostgreSQL stores them (ORDER BY 1 prints as
// ORDER BY t.id). Items standing for other expressions stay as written.
func spellOutOrdinals(sel *pg.SelectStmt) {
	target := func(n *pg.Node, byName bool) *pg.Node {
		if c := n.GetAConst(); c != nil && c.GetIval() != nil {
			k := int(c.GetIval().Ival)
			if k >= 1 && k <= len(sel.TargetList) {
				if v := sel.TargetList[k-1].GetResTarget().Val; v.GetColumnRef() != nil {
					return v
				}
			}
			return nil
		}
		cr := n.GetColumnRef()
		if !byName || cr == nil || len(cr.Fields) != 1 {
			return nil
		}
		name := cr.Fields[0].GetString_().GetSval()
		for _, t := range sel.TargetList {
			rt := t.GetResTarget()
			if v := rt.Val.GetColumnRef(); v != nil && (rt.Name == name || rt.Name == "" && v.Fields[len(v.Fields)-1].GetString_().GetSval() == name) {
				return rt.Val
			}
		}
		return nil
	}
	for _, n := range sel.SortClause {
		if sb := n.GetSortBy(); sb != nil {
			if v := target(sb.Node, true); v != nil {
				sb.Node = v
			}
		}
	}
	for i, n := range sel.GroupClause {
		if v := target(n, false); v != nil {
			sel.GroupClause[i] = v
		}
	}
}

// replaceableColumns checks CREATE OR REPLACE VIEW's rule: the new query
// keeps every old column, by name and type and in place, and may add more.
func replaceableColumns(old, cols []catalog.Column) error {
	if len(cols) < len(old) {
		return sqlstate.Errorf(sqlstate.InvalidTableDefinition, "cannot drop columns from view")
	}
	for i, o := range old {
		n := cols[i]
		if n.Name != o.Name {
			return sqlstate.Errorf(sqlstate.InvalidTableDefinition, "cannot change name of view column %q to %q", o.Name, n.Name).
				WithHint("Use ALTER VIEW ... RENAME COLUMN ... to change name of view column instead.")
		}
		if n.Type != o.Type {
			return sqlstate.Errorf(sqlstate.InvalidTableDefinition, "cannot change data type of view column %q from %s to %s",
				o.Name, columnTypeName(o.Type), columnTypeName(n.Type))
		}
	}
	return nil
}

func columnTypeName(t catalog.ColumnType) string {
	return sqltype.T{OID: sqltype.OID(t.OID), Typmod: t.Typmod}.String()
}

// qualifyRelations names every table the query reads as db.schema.name,
// in place, and returns the tenant's own tables and views among them (the
// view's dependencies) and whether one is temporary. Names of WITH
// queries and of system tables stay as written.
func (x *execution) qualifyRelations(tx *catalog.Tx, n *pg.Node) ([]catalog.TableID, bool, error) {
	ctes := map[string]bool{}
	walkPG(n, func(m protoreflect.Message) {
		if c, ok := m.Interface().(*pg.CommonTableExpr); ok {
			ctes[c.Ctename] = true
		}
	})
	var deps []catalog.TableID
	var err error
	temp := false
	walkPG(n, func(m protoreflect.Message) {
		rv, ok := m.Interface().(*pg.RangeVar)
		if !ok || err != nil || (rv.Schemaname == "" && ctes[rv.Relname]) {
			return
		}
		ref, e := x.tableRef(tx, rv)
		if e != nil {
			err = e
			return
		}
		t, e := tx.Table(ref)
		if e != nil {
			return // binding reports it, or it is a system table
		}
		rv.Catalogname, rv.Schemaname = ref.Database, ref.Schema
		if t.Via == nil {
			deps = append(deps, t.ID)
		}
		temp = temp || catalog.IsTempSchema(ref.Schema)
	})
	return deps, temp, err
}

// walkPG calls fn for every message in the tree under n, n included.
func walkPG(n *pg.Node, fn func(protoreflect.Message)) {
	if n != nil {
		walkMsg(n.ProtoReflect(), fn)
	}
}

func walkMsg(m protoreflect.Message, fn func(protoreflect.Message)) {
	fn(m)
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.IsMap() || fd.Message() == nil:
		case fd.IsList():
			l := v.List()
			for i := 0; i < l.Len(); i++ {
				walkMsg(l.Get(i).Message(), fn)
			}
		default:
			walkMsg(v.Message(), fn)
		}
		return true
	})
}

// deparseStmt prints one statement node as SQL.
func deparseStmt(n *pg.Node) (string, error) {
	tree, err := pg.Parse("SELECT 1")
	if err != nil {
		return "", err
	}
	tree.Stmts[0].Stmt = n
	return parser.DeparseTree(tree)
}

// parseViewQuery parses view v's stored query.
func parseViewQuery(v catalog.Table) (*pg.SelectStmt, error) {
	tree, err := pg.Parse(v.View.Query)
	if err != nil || len(tree.Stmts) != 1 || tree.Stmts[0].Stmt.GetSelectStmt() == nil {
		return nil, sqlstate.Errorf(sqlstate.DataCorrupted, "view %q has an unreadable definition", v.Name)
	}
	return tree.Stmts[0].Stmt.GetSelectStmt(), nil
}

// bindView binds a view named in FROM as the subquery it stands for. The
// view's columns are those it was created with: columns added since to a
// table it reads with * are not part of it.
func (q *queryBinder) bindView(t catalog.Table, rv *pg.RangeVar) (*relation, error) {
	if q.x.viewDepth >= maxViewDepth {
		return nil, sqlstate.Errorf(sqlstate.InvalidObjectDefinition, "infinite recursion detected in rules for relation %q", t.Name)
	}
	q.x.viewDepth++
	defer func() { q.x.viewDepth-- }()
	sel, err := parseViewQuery(t)
	if err != nil {
		return nil, err
	}
	sub := q.sub(nil)
	sub.ctes, sub.work = nil, nil // the view sees none of the query's WITH names
	op, cols, err := sub.bindSelect(sel)
	if err != nil {
		return nil, err
	}
	if len(cols) < len(t.Columns) {
		return nil, sqlstate.Errorf(sqlstate.ObjectNotInPrerequisiteState, "view %q no longer matches the tables it reads", t.Name).
			WithDetail("A column it reads was dropped; recreate the view with CREATE OR REPLACE VIEW.")
	}
	alias := t.Name
	var names []*pg.Node
	for _, c := range t.Columns {
		names = append(names, pg.MakeStrNode(c.Name))
	}
	if rv.Alias != nil {
		alias = rv.Alias.Aliasname
		for i, n := range rv.Alias.Colnames {
			if i < len(names) {
				names[i] = n
			}
		}
	}
	// A filter on the view reaches the scans of the columns it passes
	// through (row-group pruning, bind_pushdown.go).
	r := sub.passThrough(derivedRelation(alias, names, op, cols[:len(t.Columns)]))
	for i, c := range r.cols {
		c.tableOID, c.attnum = uint32(t.ID), int16(i+1)
	}
	return r, nil
}

// viewWriteError is PostgreSQL's answer to INSERT, UPDATE or DELETE on a
// view that is not automatically updatable; sharehouse updates through no
// view yet.
func viewWriteError(t catalog.Table, verb string) error {
	return sqlstate.Errorf(sqlstate.ObjectNotInPrerequisiteState, "cannot %s view %q", verb, t.Name).
		WithDetail("Views are not automatically updatable in sharehouse yet.").
		WithHint("Write to the tables the view reads.")
}

// dropColumnViews applies PostgreSQL's rule for ALTER TABLE … DROP COLUMN
// of a column views use: 2BP01 naming them, or with CASCADE they go first.
func (x *execution) dropColumnViews(tx *catalog.Tx, at *pg.AlterTableStmt) ([]*sqlstate.Error, error) {
	ref, err := x.tableRef(tx, at.Relation)
	if err != nil {
		return nil, nil
	}
	t, err := tx.Table(ref)
	if err != nil || t.IsView() {
		return nil, nil // alterTable reports it
	}
	var dropped []string
	for _, cn := range at.Cmds {
		cmd := cn.GetAlterTableCmd()
		if cmd == nil || cmd.Subtype != pg.AlterTableType_AT_DropColumn {
			continue
		}
		users, err := x.viewsUsingColumn(tx, t, ref, cmd.Name)
		if err != nil || len(users) == 0 {
			return nil, err
		}
		if cmd.Behavior != pg.DropBehavior_DROP_CASCADE {
			var lines []string
			for _, v := range users {
				lines = append(lines, fmt.Sprintf("view %s depends on column %s of table %s", v.Name, cmd.Name, t.Name))
				more, err := viewChain(tx, v)
				if err != nil {
					return nil, err
				}
				lines = append(lines, more...)
			}
			return nil, sqlstate.Errorf(sqlstate.DependentObjectsStillExist, "cannot drop column %s of table %s because other objects depend on it", cmd.Name, t.Name).
				WithDetail("%s", strings.Join(lines, "\n")).WithHint("Use DROP ... CASCADE to drop the dependent objects too.")
		}
		for _, v := range users {
			more, err := tx.DropViewAndDependents(v)
			if err != nil {
				return nil, err
			}
			dropped = append(dropped, more...)
		}
	}
	if len(dropped) == 0 {
		return nil, nil
	}
	return []*sqlstate.Error{dropCascadeNotice(dropped)}, nil
}

// viewChain is the "view b depends on view a" lines of the views that
// read view v, directly or not, depth-first.
func viewChain(tx *catalog.Tx, v catalog.Table) ([]string, error) {
	deps, err := tx.Dependents(v)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, d := range deps {
		out = append(out, fmt.Sprintf("view %s depends on view %s", d.Name, v.Name))
		more, err := viewChain(tx, d)
		if err != nil {
			return nil, err
		}
		out = append(out, more...)
	}
	return out, nil
}

// viewsUsingColumn lists the views that read column col of table t (named
// by ref): by a reference qualified with the table's name or alias, or in
// a JOIN … USING list.
func (x *execution) viewsUsingColumn(tx *catalog.Tx, t catalog.Table, ref catalog.TableRef, col string) ([]catalog.Table, error) {
	deps, err := tx.Dependents(t)
	if err != nil {
		return nil, err
	}
	var out []catalog.Table
	for _, v := range deps {
		sel, err := parseViewQuery(v)
		if err != nil {
			return nil, err
		}
		root := &pg.Node{Node: &pg.Node_SelectStmt{SelectStmt: sel}}
		rels := map[string]bool{}
		walkPG(root, func(m protoreflect.Message) {
			if rv, ok := m.Interface().(*pg.RangeVar); ok && rv.Catalogname == ref.Database && rv.Schemaname == ref.Schema && rv.Relname == ref.Name {
				if rv.Alias != nil {
					rels[rv.Alias.Aliasname] = true
				} else {
					rels[rv.Relname] = true
				}
			}
		})
		uses := false
		walkPG(root, func(m protoreflect.Message) {
			switch n := m.Interface().(type) {
			case *pg.ColumnRef:
				f := n.Fields
				uses = uses || len(f) == 2 && rels[f[0].GetString_().GetSval()] && f[1].GetString_().GetSval() == col
			case *pg.JoinExpr:
				for _, u := range n.UsingClause {
					uses = uses || u.GetString_().GetSval() == col
				}
			}
		})
		if uses {
			out = append(out, v)
		}
	}
	return out, nil
}

// viewAlterError is PostgreSQL's error for an ALTER TABLE action a view
// cannot take.
func viewAlterError(v catalog.Table, at *pg.AlterTableStmt) error {
	action := "ALTER TABLE"
	if len(at.Cmds) > 0 {
		switch at.Cmds[0].GetAlterTableCmd().GetSubtype() {
		case pg.AlterTableType_AT_AddColumn:
			action = "ADD COLUMN"
		case pg.AlterTableType_AT_DropColumn:
			action = "DROP COLUMN"
		case pg.AlterTableType_AT_SetNotNull:
			action = "ALTER COLUMN ... SET NOT NULL"
		case pg.AlterTableType_AT_DropNotNull:
			action = "ALTER COLUMN ... DROP NOT NULL"
		case pg.AlterTableType_AT_AddConstraint:
			action = "ADD CONSTRAINT"
		case pg.AlterTableType_AT_AlterColumnType:
			action = "ALTER COLUMN ... SET DATA TYPE"
		case pg.AlterTableType_AT_ColumnDefault:
			action = "ALTER COLUMN ... SET DEFAULT"
		}
	}
	return sqlstate.Errorf(sqlstate.WrongObjectType, "ALTER action %s cannot be performed on relation %q", action, v.Name).
		WithDetail("This operation is not supported for views.")
}

// refuseViewCopy fails COPY view TO as PostgreSQL does: a view has no
// rows of its own to copy; COPY (SELECT …) TO reads it.
func (x *execution) refuseViewCopy(rv *pg.RangeVar) error {
	tx, done, err := x.s.readTx(x.ctx)
	if err != nil {
		return err
	}
	defer done()
	ref, err := x.tableRef(tx, rv)
	if err != nil {
		return nil // planning the copy reports it
	}
	// Not rangeVarRef: that notes a shared table's read for the audit.
	if t, err := tx.Table(ref); err == nil && t.IsView() {
		return sqlstate.Errorf(sqlstate.WrongObjectType, "cannot copy from view %q", t.Name).
			WithHint("Try the COPY (SELECT ...) TO variant.")
	}
	return nil
}

// renameInViews rewrites the stored queries of the views that read table
// t after it was renamed from the name in old: table names and column
// qualifiers that named it by its old name.
func (x *execution) renameInViews(tx *catalog.Tx, t catalog.Table, old catalog.TableRef, newName string) error {
	return x.rewriteViews(tx, t, func(root *pg.Node) {
		bare := map[string]bool{} // relations named by the old name without an alias
		walkPG(root, func(m protoreflect.Message) {
			if rv, ok := m.Interface().(*pg.RangeVar); ok && rv.Catalogname == old.Database && rv.Schemaname == old.Schema && rv.Relname == old.Name {
				rv.Relname = newName
				if rv.Alias == nil {
					bare[old.Name] = true
				}
			}
		})
		walkPG(root, func(m protoreflect.Message) {
			if cr, ok := m.Interface().(*pg.ColumnRef); ok && len(cr.Fields) == 2 && bare[cr.Fields[0].GetString_().GetSval()] {
				cr.Fields[0] = pg.MakeStrNode(newName)
			}
		})
	})
}

// renameColumnInViews rewrites the views that read column old of table t
// (named by ref) after it became newName: references qualified by the
// table's name or alias. A view's own column names stay as they were.
func (x *execution) renameColumnInViews(tx *catalog.Tx, t catalog.Table, ref catalog.TableRef, old, newName string) error {
	return x.rewriteViews(tx, t, func(root *pg.Node) {
		rels := map[string]bool{}
		walkPG(root, func(m protoreflect.Message) {
			if rv, ok := m.Interface().(*pg.RangeVar); ok && rv.Catalogname == ref.Database && rv.Schemaname == ref.Schema && rv.Relname == ref.Name {
				if rv.Alias != nil {
					rels[rv.Alias.Aliasname] = true
				} else {
					rels[rv.Relname] = true
				}
			}
		})
		walkPG(root, func(m protoreflect.Message) {
			if cr, ok := m.Interface().(*pg.ColumnRef); ok && len(cr.Fields) == 2 && rels[cr.Fields[0].GetString_().GetSval()] && cr.Fields[1].GetString_().GetSval() == old {
				cr.Fields[1] = pg.MakeStrNode(newName)
			}
		})
	})
}

// rewriteViews applies fn to the parsed query of every view that reads t
// and stores the result.
func (x *execution) rewriteViews(tx *catalog.Tx, t catalog.Table, fn func(root *pg.Node)) error {
	deps, err := tx.Dependents(t)
	if err != nil {
		return err
	}
	for _, v := range deps {
		tree, err := pg.Parse(v.View.Query)
		if err != nil {
			return err
		}
		fn(tree.Stmts[0].Stmt)
		text, err := parser.DeparseTree(tree)
		if err != nil {
			return err
		}
		if err := tx.SetViewQuery(v, text); err != nil {
			return err
		}
	}
	return nil
}

// renameSchemaInViews rewrites the views that read tables of schema old
// of database db after it became newName.
func (x *execution) renameSchemaInViews(tx *catalog.Tx, db, old, newName string) error {
	tables, err := tx.Tables(db, newName)
	if err != nil {
		return err
	}
	for _, t := range tables {
		err := x.rewriteViews(tx, t, func(root *pg.Node) {
			walkPG(root, func(m protoreflect.Message) {
				if rv, ok := m.Interface().(*pg.RangeVar); ok && rv.Catalogname == db && rv.Schemaname == old {
					rv.Schemaname = newName
				}
			})
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// dropCascadeNotice is PostgreSQL's NOTICE naming what a CASCADE dropped.
func dropCascadeNotice(dropped []string) *sqlstate.Error {
	if len(dropped) == 1 {
		return notice("drop cascades to %s", dropped[0])
	}
	n := notice("drop cascades to %d other objects", len(dropped))
	lines := make([]string, len(dropped))
	for i, d := range dropped {
		lines[i] = "drop cascades to " + d
	}
	return n.WithDetail("%s", strings.Join(lines, "\n"))
}
