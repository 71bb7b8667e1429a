package executor

import (
	"errors"
	pg "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/proto"
	"strings"

	"github.com/sharehouse/sharehouse/catalog"
	"github.com/sharehouse/sharehouse/executor/sqlstate"
	"github.com/sharehouse/sharehouse/executor/sqltype"
	"github.com/sharehouse/sharehouse/parser"
)

// runDDL runs a schema statement in one catalog write transaction.
func (x *execution) runDDL(n *pg.Node) (Result, error) {
	var tag string
	var notices []*sqlstate.Error
	fn := func(tx *catalog.Tx) error { return notSupported("statement %s is not supported yet", nodeKind(n)) }
	switch {
	case n.GetCreateStmt() != nil:
		tag, fn = "CREATE TABLE", func(tx *catalog.Tx) error {
			var err error
			notices, err = x.createTable(tx, n.GetCreateStmt())
			return err
		}
	case n.GetViewStmt() != nil:
		tag, fn = "CREATE VIEW", func(tx *catalog.Tx) error {
			var err error
			notices, err = x.createView(tx, n.GetViewStmt())
			return err
		}
	case n.GetCreateSeqStmt() != nil:
		tag, fn = "CREATE SEQUENCE", func(tx *catalog.Tx) error {
			var err error
			notices, err = x.createSequence(tx, n.GetCreateSeqStmt())
			return err
		}
	case n.GetAlterSeqStmt() != nil:
		tag, fn = "ALTER SEQUENCE", func(tx *catalog.Tx) error {
			var err error
			notices, err = x.alterSequence(tx, n.GetAlterSeqStmt())
			return err
		}
	case n.GetCreatedbStmt() != nil:
		if x.s.inBlock {
			return Result{}, sqlstate.Errorf(sqlstate.ActiveSQLTransaction, "CREATE DATABASE cannot run inside a transaction block")
		}
		tag, fn = "CREATE DATABASE", func(tx *catalog.Tx) error {
			_, err := tx.CreateDatabase(n.GetCreatedbStmt().Dbname, "")
			return err
		}
	case n.GetDropdbStmt() != nil:
		if x.s.inBlock {
			return Result{}, sqlstate.Errorf(sqlstate.ActiveSQLTransaction, "DROP DATABASE cannot run inside a transaction block")
		}
		d := n.GetDropdbStmt()
		tag, fn = "DROP DATABASE", func(tx *catalog.Tx) error {
			if d.Dbname == x.s.db {
				return sqlstate.Errorf(sqlstate.ObjectInUse, "cannot drop the currently open database")
			}
			err := tx.DropDatabase(d.Dbname)
			if catalog.IsNotFound(err) && d.MissingOk {
				notices = append(notices, notice("database %q does not exist, skipping", d.Dbname))
				return nil
			}
			return err
		}
	case n.GetCreateSchemaStmt() != nil:
		cs := n.GetCreateSchemaStmt()
		if len(cs.SchemaElts) > 0 {
			return Result{}, notSupported("CREATE SCHEMA with elements is not supported yet")
		}
		if err := userSchemaName(cs.Schemaname); err != nil {
			return Result{}, err
		}
		tag, fn = "CREATE SCHEMA", func(tx *catalog.Tx) error {
			_, err := tx.CreateSchema(x.s.db, cs.Schemaname, "")
			if err != nil && cs.IfNotExists && isKind(err, catalog.Exists) {
				notices = append(notices, notice("schema %q already exists, skipping", cs.Schemaname))
				return nil
			}
			return err
		}
	case n.GetDropStmt() != nil:
		tag, fn = x.dropTag(n.GetDropStmt()), func(tx *catalog.Tx) error {
			var err error
			notices, err = x.drop(tx, n.GetDropStmt())
			return err
		}
	case n.GetIndexStmt() != nil:
		tag, fn = "CREATE INDEX", func(tx *catalog.Tx) error {
			var err error
			notices, err = x.createIndex(tx, n.GetIndexStmt())
			return err
		}
	case n.GetAlterTableStmt() != nil:
		tag, fn = "ALTER TABLE", func(tx *catalog.Tx) error {
			var err error
			if notices, err = x.dropColumnViews(tx, n.GetAlterTableStmt()); err != nil {
				return err
			}
			fkNotices, err := x.dropReferencesCascade(tx, n.GetAlterTableStmt())
			if err != nil {
				return err
			}
			notices = append(notices, fkNotices...)
			return x.alterTable(tx, n.GetAlterTableStmt())
		}
	case n.GetRenameStmt() != nil:
		tag, fn = x.renameTag(n.GetRenameStmt()), func(tx *catalog.Tx) error { return x.rename(tx, n.GetRenameStmt()) }
	case n.GetCommentStmt() != nil:
		tag, fn = "COMMENT", func(tx *catalog.Tx) error { return x.comment(tx, n.GetCommentStmt()) }
	case n.GetGrantStmt() != nil, n.GetCreateRoleStmt() != nil, n.GetAlterRoleStmt() != nil:
		return Result{}, notSupported("roles and privileges are managed with tenants and shares in sharehouse")
	}
	tx, finish, err := x.s.writeTx(x.ctx)
	if err != nil {
		return Result{}, err
	}
	err = fn(tx)
	if err := finish(err); err != nil {
		return Result{}, err
	}
	return Result{Tag: tag, Notices: notices}, nil
}

func notice(format string, args ...any) *sqlstate.Error {
	e := sqlstate.Errorf(sqlstate.SuccessfulCompletion, format, args...)
	e.Severity = "NOTICE"
	return e
}

func isKind(err error, k catalog.Kind) bool {
	ce, ok := err.(*catalog.Error)
	return ok && ce.Kind == k
}

// createTable runs CREATE TABLE.
func (x *execution) createTable(tx *catalog.Tx, cs *pg.CreateStmt) ([]*sqlstate.Error, error) {
	if cs.Relation.Relpersistence != "t" && (cs.Oncommit == pg.OnCommitAction_ONCOMMIT_DROP || cs.Oncommit == pg.OnCommitAction_ONCOMMIT_DELETE_ROWS) {
		return nil, sqlstate.Errorf(sqlstate.InvalidTableDefinition, "ON COMMIT can only be used on temporary tables")
	}
	if cs.Relation.Relpersistence == "t" {
		rv, err := x.tempRelation(tx, cs.Relation, cs.Oncommit)
		if err != nil {
			return nil, err
		}
		c := proto.Clone(cs).(*pg.CreateStmt)
		c.Relation = rv
		cs = c
	}
	if len(cs.InhRelations) > 0 || cs.Partspec != nil {
		return nil, notSupported("inheritance and partitioning are not supported")
	}
	ref, err := x.tableRef(tx, cs.Relation)
	if err != nil {
		return nil, err
	}
	var cols []catalog.Column
	var autos []autoSeq        // serial and identity columns
	var cons []tableConstraint // UNIQUE, CHECK and FOREIGN KEY, of columns and of the table
	var pk *pg.Constraint      // PRIMARY KEY, of a column or of the table
	pkCols := []string{}
	setPK := func(c *pg.Constraint, names []string) error {
		if pk != nil {
			return sqlstate.Errorf(sqlstate.InvalidTableDefinition, "multiple primary keys for table %q are not allowed", ref.Name).WithPosition(c.Location + 1)
		}
		pk, pkCols = c, names
		return nil
	}
	for _, elt := range cs.TableElts {
		cd := elt.GetColumnDef()
		if cd == nil {
			if c := elt.GetConstraint(); c != nil {
				if c.Contype == pg.ConstrType_CONSTR_PRIMARY {
					var names []string
					for _, k := range c.Keys {
						names = append(names, k.GetString_().GetSval())
					}
					if err := setPK(c, names); err != nil {
						return nil, err
					}
				}
				cons = append(cons, tableConstraint{c: c})
				continue
			}
			return nil, notSupported("table element %s is not supported", nodeKind(elt))
		}
		if auto, err := x.autoColumn(cd, ref.Name); err != nil {
			return nil, err
		} else if auto != nil {
			autos = append(autos, *auto)
		}
		col, err := x.columnDef(cd)
		if err != nil {
			return nil, err
		}
		for _, cn := range cd.Constraints {
			c := cn.GetConstraint()
			if c.Contype == pg.ConstrType_CONSTR_PRIMARY {
				if err := setPK(c, []string{cd.Colname}); err != nil {
					return nil, err
				}
			}
			if applyConstraintAttr(cons, c) {
				continue
			}
			cons = append(cons, tableConstraint{c: c, column: cd.Colname})
		}
		cols = append(cols, col)
	}
	_, err = tx.CreateTable(ref, cols, "")
	if err == nil && len(autos) > 0 {
		_, err = x.createColumnSequences(tx, ref, autos)
	}
	if err == nil && pk != nil {
		var ce *catalog.Error
		if _, err = tx.SetPrimaryKey(ref, pk.Conname, pkCols); errors.As(err, &ce) && ce.Kind == catalog.NotFound && ce.Object == "column" {
			return nil, sqlstate.Errorf(sqlstate.UndefinedColumn, "column %q named in key does not exist", ce.Name).WithPosition(pk.Location + 1)
		}
	}
	if err == nil {
		var rest []tableConstraint
		for _, tc := range cons {
			if tc.c.Contype != pg.ConstrType_CONSTR_PRIMARY {
				rest = append(rest, tc)
			}
		}
		if err = x.addConstraints(tx, ref, rest, false); err != nil {
			return nil, err
		}
	}
	if err != nil && cs.IfNotExists && isKind(err, catalog.Exists) {
		return []*sqlstate.Error{notice("relation %q already exists, skipping", ref.Name)}, nil
	}
	if catalog.IsNotFound(err) {
		if ce := err.(*catalog.Error); ce.Object == "schema" {
			return nil, sqlstate.Errorf(sqlstate.InvalidSchemaName, "schema %q does not exist", ref.Schema)
		}
	}
	return nil, err
}

// applyConstraintAttr applies a column's [NOT] DEFERRABLE or INITIALLY
// DEFERRED/IMMEDIATE, which the grammar gives as a node of its own after
// the constraint it qualifies, to the last constraint of cons; it reports
// whether c was such a node.
func applyConstraintAttr(cons []tableConstraint, c *pg.Constraint) bool {
	switch c.Contype {
	case pg.ConstrType_CONSTR_ATTR_DEFERRABLE, pg.ConstrType_CONSTR_ATTR_NOT_DEFERRABLE,
		pg.ConstrType_CONSTR_ATTR_DEFERRED, pg.ConstrType_CONSTR_ATTR_IMMEDIATE:
	default:
		return false
	}
	if len(cons) == 0 {
		return true
	}
	last := &cons[len(cons)-1]
	q := proto.Clone(last.c).(*pg.Constraint) // the statement may run again
	switch c.Contype {
	case pg.ConstrType_CONSTR_ATTR_DEFERRABLE:
		q.Deferrable = true
	case pg.ConstrType_CONSTR_ATTR_NOT_DEFERRABLE:
		q.Deferrable = false
	case pg.ConstrType_CONSTR_ATTR_DEFERRED:
		q.Initdeferred = true
	case pg.ConstrType_CONSTR_ATTR_IMMEDIATE:
		q.Initdeferred = false
	}
	last.c = q
	return true
}

// columnDef turns a column definition into a catalog column; the default
// expression is checked by binding it and kept as SQL text.
func (x *execution) columnDef(cd *pg.ColumnDef) (catalog.Column, error) {
	t, err := resolveTypeName(cd.TypeName)
	if err != nil {
		return catalog.Column{}, err
	}
	if t.OID == sqltype.Regclass || t.OID == sqltype.Regtype {
		return catalog.Column{}, notSupported("columns of type %s are not supported", t)
	}
	col := catalog.Column{Name: cd.Colname, Type: catalog.ColumnType{OID: uint32(t.OID), Typmod: t.Typmod}, NotNull: cd.IsNotNull}
	setDefault := func(n *pg.Node) error {
		b := &binder{x: x}
		e, err := b.bindExpr(n, &scope{})
		if err != nil {
			return err
		}
		if _, err := b.cast(e, t, false, 0); err != nil {
			return err
		}
		text, err := deparseExpr(n)
		if err != nil {
			return err
		}
		col.Default = text
		return nil
	}
	if cd.RawDefault != nil {
		if err := setDefault(cd.RawDefault); err != nil {
			return catalog.Column{}, err
		}
	}
	for _, cn := range cd.Constraints {
		c := cn.GetConstraint()
		switch c.Contype {
		case pg.ConstrType_CONSTR_NOTNULL:
			col.NotNull = true
		case pg.ConstrType_CONSTR_NULL:
			col.NotNull = false
		case pg.ConstrType_CONSTR_DEFAULT:
			if err := setDefault(c.RawExpr); err != nil {
				return catalog.Column{}, err
			}
		case pg.ConstrType_CONSTR_PRIMARY:
			col.NotNull = true // the key itself is recorded by the caller
		case pg.ConstrType_CONSTR_UNIQUE, pg.ConstrType_CONSTR_CHECK, pg.ConstrType_CONSTR_FOREIGN:
			// Recorded by the caller once the table exists.
		case pg.ConstrType_CONSTR_IDENTITY, pg.ConstrType_CONSTR_GENERATED:
			return catalog.Column{}, notSupported("identity and generated columns are not supported yet")
		}
	}
	return col, nil
}

// deparseExpr prints an expression node back as SQL: it takes the place
// of the target of a parsed "SELECT 1", whose tree carries the version
// stamp Deparse requires.
func deparseExpr(n *pg.Node) (string, error) {
	tree, err := pg.Parse("SELECT 1")
	if err != nil {
		return "", err
	}
	tree.Stmts[0].Stmt.GetSelectStmt().TargetList[0].GetResTarget().Val = n
	s, err := parser.DeparseTree(tree)
	if err != nil {
		return "", err
	}
	return s[len("SELECT "):], nil
}

func (x *execution) dropTag(d *pg.DropStmt) string {
	switch d.RemoveType {
	case pg.ObjectType_OBJECT_TABLE:
		return "DROP TABLE"
	case pg.ObjectType_OBJECT_SCHEMA:
		return "DROP SCHEMA"
	case pg.ObjectType_OBJECT_VIEW:
		return "DROP VIEW"
	case pg.ObjectType_OBJECT_INDEX:
		return "DROP INDEX"
	case pg.ObjectType_OBJECT_SEQUENCE:
		return "DROP SEQUENCE"
	}
	return "DROP"
}

// drop runs DROP TABLE / DROP SCHEMA for each named object.
func (x *execution) drop(tx *catalog.Tx, d *pg.DropStmt) ([]*sqlstate.Error, error) {
	var notices []*sqlstate.Error
	cascade := d.Behavior == pg.DropBehavior_DROP_CASCADE
	together := x.droppedTogether(tx, d)
	for _, obj := range d.Objects {
		var names []string
		for _, it := range obj.GetList().GetItems() {
			names = append(names, it.GetString_().GetSval())
		}
		if s := obj.GetString_(); s != nil {
			names = []string{s.Sval}
		}
		switch d.RemoveType {
		case pg.ObjectType_OBJECT_TABLE:
			rv := &pg.RangeVar{Relname: names[len(names)-1]}
			if len(names) >= 2 {
				rv.Schemaname = names[len(names)-2]
			}
			if len(names) == 3 {
				rv.Catalogname = names[0]
			}
			ref, err := x.tableRef(tx, rv)
			if err != nil {
				return nil, err
			}
			var dropped []string
			if cascade {
				dropped, err = tx.DropTableCascade(ref)
			} else {
				err = tx.DropTable(ref, together...)
			}
			if err != nil {
				if catalog.IsNotFound(err) {
					if d.MissingOk {
						notices = append(notices, notice("table %q does not exist, skipping", rangeVarName(rv)))
						continue
					}
					return nil, sqlstate.Errorf(sqlstate.UndefinedTable, "table %q does not exist", rangeVarName(rv))
				}
				return nil, err
			}
			if len(dropped) > 0 {
				notices = append(notices, dropCascadeNotice(dropped))
			}
		case pg.ObjectType_OBJECT_VIEW:
			rv := namesRangeVar(names)
			ref, err := x.tableRef(tx, rv)
			if err != nil {
				return nil, err
			}
			dropped, err := tx.DropView(ref, cascade)
			if err != nil {
				if catalog.IsNotFound(err) {
					if d.MissingOk {
						notices = append(notices, notice("view %q does not exist, skipping", rangeVarName(rv)))
						continue
					}
					return nil, sqlstate.Errorf(sqlstate.UndefinedTable, "view %q does not exist", rangeVarName(rv))
				}
				return nil, err
			}
			if len(dropped) > 0 {
				notices = append(notices, dropCascadeNotice(dropped))
			}
		case pg.ObjectType_OBJECT_SCHEMA:
			db := x.s.db
			name := names[len(names)-1]
			if len(names) == 2 {
				db = names[0]
			}
			if err := tx.DropSchema(db, name, cascade); err != nil {
				if catalog.IsNotFound(err) && d.MissingOk {
					notices = append(notices, notice("schema %q does not exist, skipping", name))
					continue
				}
				return nil, err
			}
		case pg.ObjectType_OBJECT_INDEX:
			ns, err := x.dropIndex(tx, names, d.MissingOk)
			if err != nil {
				return nil, err
			}
			notices = append(notices, ns...)
		case pg.ObjectType_OBJECT_SEQUENCE:
			ns, err := x.dropSequence(tx, names, d)
			if err != nil {
				return nil, err
			}
			notices = append(notices, ns...)
		default:
			return nil, notSupported("DROP %s is not supported yet", d.RemoveType)
		}
	}
	return notices, nil
}

// droppedTogether lists the tables a DROP TABLE names: foreign keys among
// them do not hold one another back.
func (x *execution) droppedTogether(tx *catalog.Tx, d *pg.DropStmt) []catalog.TableID {
	if d.RemoveType != pg.ObjectType_OBJECT_TABLE || len(d.Objects) < 2 {
		return nil
	}
	var out []catalog.TableID
	for _, obj := range d.Objects {
		var names []string
		for _, it := range obj.GetList().GetItems() {
			names = append(names, it.GetString_().GetSval())
		}
		if ref, err := x.tableRef(tx, namesRangeVar(names)); err == nil {
			if t, err := tx.Table(ref); err == nil {
				out = append(out, t.ID)
			}
		}
	}
	return out
}

func rangeVarRef(x *execution, tx *catalog.Tx, rv *pg.RangeVar) (catalog.Table, catalog.TableRef, error) {
	ref, err := x.tableRef(tx, rv)
	if err != nil {
		return catalog.Table{}, ref, err
	}
	t, err := tx.Table(ref)
	if err != nil {
		x.noteRefused(ref)
		return catalog.Table{}, ref, relationError(err, rv)
	}
	x.noteShared(t, ref)
	return t, ref, nil
}

// alterTable runs ALTER TABLE's column subcommands.
func (x *execution) alterTable(tx *catalog.Tx, at *pg.AlterTableStmt) error {
	t, ref, err := rangeVarRef(x, tx, at.Relation)
	if err != nil {
		if at.MissingOk && sqlstate.CodeOf(err) == sqlstate.UndefinedTable {
			return nil
		}
		return err
	}
	if t.IsView() {
		return viewAlterError(t, at)
	}
	hasRows := false
	if snap, err := tx.Snapshot(t); err == nil {
		hasRows = snap.NumRows() > 0
		snap.Release()
	}
	var filled []uint32 // new columns existing rows must get the default of
	var autos []autoSeq // new serial and identity columns
	var added []tableConstraint
	var dropped, later []*pg.AlterTableCmd
	altered, err := tx.AlterTable(ref, func(tbl *catalog.Table) error {
		for _, cn := range at.Cmds {
			cmd := cn.GetAlterTableCmd()
			switch cmd.Subtype {
			case pg.AlterTableType_AT_AddColumn:
				auto, err := x.autoColumn(cmd.Def.GetColumnDef(), tbl.Name)
				if err != nil {
					return err
				}
				col, err := x.columnDef(cmd.Def.GetColumnDef())
				if err != nil {
					return err
				}
				if auto != nil {
					autos = append(autos, *auto)
					col.Default = "nextval" // its sequence's, set once the sequence exists
				}
				if _, _, ok := tbl.Column(col.Name); ok {
					if cmd.MissingOk {
						continue
					}
					return sqlstate.Errorf(sqlstate.DuplicateColumn, "column %q of relation %q already exists", col.Name, tbl.Name)
				}
				if hasRows && col.NotNull && col.Default == "" {
					return sqlstate.Errorf(sqlstate.NotNullViolation, "column %q of relation %q contains null values", col.Name, tbl.Name)
				}
				tbl.NextColumn++
				col.ID = tbl.NextColumn
				tbl.Columns = append(tbl.Columns, col)
				for _, cn := range cmd.Def.GetColumnDef().Constraints {
					if c := cn.GetConstraint(); c.Contype == pg.ConstrType_CONSTR_FOREIGN {
						added = append(added, tableConstraint{c: c, column: col.Name})
					} else if len(added) > 0 && added[len(added)-1].column == col.Name {
						applyConstraintAttr(added, c)
					}
				}
				if hasRows && col.Default != "" {
					filled = append(filled, col.ID)
				}
			case pg.AlterTableType_AT_DropColumn:
				_, i, ok := tbl.Column(cmd.Name)
				if !ok {
					if cmd.MissingOk {
						continue
					}
					return sqlstate.Errorf(sqlstate.UndefinedColumn, "column %q of relation %q does not exist", cmd.Name, tbl.Name)
				}
				tbl.Columns = append(tbl.Columns[:i], tbl.Columns[i+1:]...)
			case pg.AlterTableType_AT_ColumnDefault:
				_, i, ok := tbl.Column(cmd.Name)
				if !ok {
					return sqlstate.Errorf(sqlstate.UndefinedColumn, "column %q of relation %q does not exist", cmd.Name, tbl.Name)
				}
				if cmd.Def == nil {
					tbl.Columns[i].Default = ""
					continue
				}
				text, err := deparseExpr(cmd.Def)
				if err != nil {
					return err
				}
				tbl.Columns[i].Default = text
			case pg.AlterTableType_AT_DropNotNull:
				_, i, ok := tbl.Column(cmd.Name)
				if !ok {
					return sqlstate.Errorf(sqlstate.UndefinedColumn, "column %q of relation %q does not exist", cmd.Name, tbl.Name)
				}
				tbl.Columns[i].NotNull = false
			case pg.AlterTableType_AT_SetNotNull:
				_, i, ok := tbl.Column(cmd.Name)
				if !ok {
					return sqlstate.Errorf(sqlstate.UndefinedColumn, "column %q of relation %q does not exist", cmd.Name, tbl.Name)
				}
				if hasRows {
					return notSupported("SET NOT NULL on a table with rows is not supported yet")
				}
				tbl.Columns[i].NotNull = true
			case pg.AlterTableType_AT_AddIdentity, pg.AlterTableType_AT_DropIdentity, pg.AlterTableType_AT_SetIdentity:
				if err := x.alterIdentity(tx, ref, tbl, cmd); err != nil {
					return err
				}
			case pg.AlterTableType_AT_AddConstraint:
				added = append(added, tableConstraint{c: cmd.Def.GetConstraint()}) // once the rest is done
			case pg.AlterTableType_AT_DropConstraint:
				dropped = append(dropped, cmd)
			case pg.AlterTableType_AT_ValidateConstraint, pg.AlterTableType_AT_AlterConstraint:
				later = append(later, cmd) // on the stored definition, once the rest is done
			default:
				return notSupported("ALTER TABLE %s is not supported yet", cmd.Subtype)
			}
		}
		return nil
	})
	if err == nil && len(autos) > 0 {
		altered, err = x.createColumnSequences(tx, ref, autos)
	}
	if err != nil {
		return err
	}
	if len(filled) > 0 {
		if err := x.fillDefaults(tx, altered, filled); err != nil {
			return err
		}
	}
	for _, cmd := range dropped {
		_, err := tx.DropConstraint(ref, cmd.Name)
		if catalog.IsNotFound(err) {
			if cmd.MissingOk {
				continue
			}
			return sqlstate.Errorf(sqlstate.UndefinedObject, "constraint %q of relation %q does not exist", cmd.Name, ref.Name)
		}
		if err != nil {
			return err
		}
	}
	if err := x.addConstraints(tx, ref, added, true); err != nil {
		return err
	}
	for _, cmd := range later {
		if err := x.alterForeignKey(tx, ref, cmd); err != nil {
			return err
		}
	}
	return nil
}

// fillDefaults gives the rows a table already has the defaults of columns
// just added, as PostgreSQL does for ADD COLUMN … DEFAULT: an UPDATE of
// every row that sets only those columns, in this transaction.
func (x *execution) fillDefaults(tx *catalog.Tx, t catalog.Table, added []uint32) error {
	m := &modification{t: t, plan: &plan{}, sets: make([]Expr, len(t.Columns))}
	defer m.plan.release()
	for i, c := range t.Columns {
		for _, id := range added {
			if c.ID == id {
				e, err := x.defaultExpr(t, c)
				if err != nil {
					return err
				}
				m.sets[i] = e
			}
		}
	}
	_, err := x.apply(tx, m)
	return err
}

func (x *execution) renameTag(r *pg.RenameStmt) string {
	switch r.RenameType {
	case pg.ObjectType_OBJECT_DATABASE:
		return "ALTER DATABASE"
	case pg.ObjectType_OBJECT_SCHEMA:
		return "ALTER SCHEMA"
	case pg.ObjectType_OBJECT_VIEW:
		return "ALTER VIEW"
	case pg.ObjectType_OBJECT_SEQUENCE:
		return "ALTER SEQUENCE"
	}
	if r.RenameType == pg.ObjectType_OBJECT_COLUMN && r.RelationType == pg.ObjectType_OBJECT_VIEW {
		return "ALTER VIEW"
	}
	return "ALTER TABLE"
}

// rename runs ALTER … RENAME for tables, columns, schemas and databases.
func (x *execution) rename(tx *catalog.Tx, r *pg.RenameStmt) error {
	switch r.RenameType {
	case pg.ObjectType_OBJECT_TABLE, pg.ObjectType_OBJECT_VIEW:
		t, ref, err := rangeVarRef(x, tx, r.Relation)
		if err != nil {
			return err
		}
		if _, err = tx.AlterTable(ref, func(t *catalog.Table) error { t.Name = r.Newname; return nil }); err != nil {
			return err
		}
		return x.renameInViews(tx, t, ref, r.Newname)
	case pg.ObjectType_OBJECT_COLUMN:
		t, ref, err := rangeVarRef(x, tx, r.Relation)
		if err != nil {
			return err
		}

		_, err = tx.AlterTable(ref, func(t *catalog.Table) error {
			_, i, ok := t.Column(r.Subname)
			if !ok {
				return sqlstate.Errorf(sqlstate.UndefinedColumn, "column %q does not exist", r.Subname)
			}
			if _, _, dup := t.Column(r.Newname); dup {
				return sqlstate.Errorf(sqlstate.DuplicateColumn, "column %q of relation %q already exists", r.Newname, t.Name)
			}
			t.Columns[i].Name = r.Newname
			return nil
		})
		if err != nil {
			return err
		}
		return x.renameColumnInViews(tx, t, ref, r.Subname, r.Newname)
	case pg.ObjectType_OBJECT_SEQUENCE:
		return x.renameSequence(tx, r)
	case pg.ObjectType_OBJECT_TABCONSTRAINT:
		_, ref, err := rangeVarRef(x, tx, r.Relation)
		if err != nil {
			return err
		}
		if _, err := tx.RenameConstraint(ref, r.Subname, r.Newname); catalog.IsNotFound(err) {
			return sqlstate.Errorf(sqlstate.UndefinedObject, "constraint %q for table %q does not exist", r.Subname, ref.Name)
		} else if err != nil {
			return constraintError(err, &pg.Constraint{})
		}
		return nil
	case pg.ObjectType_OBJECT_SCHEMA:
		if err := userSchemaName(r.Newname); err != nil {
			return err
		}
		if catalog.IsTempSchema(r.Subname) {
			return sqlstate.Errorf(sqlstate.FeatureNotSupported, "cannot move objects into or out of temporary schemas")
		}
		if err := tx.RenameSchema(x.s.db, r.Subname, r.Newname); err != nil {
			return err
		}
		return x.renameSchemaInViews(tx, x.s.db, r.Subname, r.Newname)
	case pg.ObjectType_OBJECT_DATABASE:
		if r.Subname == x.s.db {
			return sqlstate.Errorf(sqlstate.FeatureNotSupported, "current database cannot be renamed")
		}
		return tx.RenameDatabase(r.Subname, r.Newname)
	}
	return notSupported("ALTER %s RENAME is not supported yet", r.RenameType)
}

// comment runs COMMENT ON TABLE/COLUMN/SCHEMA/DATABASE.
func (x *execution) comment(tx *catalog.Tx, c *pg.CommentStmt) error {
	var names []string
	for _, it := range c.Object.GetList().GetItems() {
		names = append(names, it.GetString_().GetSval())
	}
	if s := c.Object.GetString_(); s != nil {
		names = []string{s.Sval}
	}
	tableRV := func(parts []string) *pg.RangeVar {
		rv := &pg.RangeVar{Relname: parts[len(parts)-1]}
		if len(parts) >= 2 {
			rv.Schemaname = parts[len(parts)-2]
		}
		if len(parts) >= 3 {
			rv.Catalogname = parts[len(parts)-3]
		}
		return rv
	}
	switch c.Objtype {
	case pg.ObjectType_OBJECT_TABLE, pg.ObjectType_OBJECT_VIEW:
		_, ref, err := rangeVarRef(x, tx, tableRV(names))
		if err != nil {
			return err
		}
		_, err = tx.AlterTable(ref, func(t *catalog.Table) error { t.Comment = c.Comment; return nil })
		return err
	case pg.ObjectType_OBJECT_COLUMN:
		if len(names) < 2 {
			return sqlstate.Errorf(sqlstate.SyntaxError, "column name must be qualified")
		}
		col := names[len(names)-1]
		_, ref, err := rangeVarRef(x, tx, tableRV(names[:len(names)-1]))
		if err != nil {
			return err
		}
		_, err = tx.AlterTable(ref, func(t *catalog.Table) error {
			_, i, ok := t.Column(col)
			if !ok {
				return sqlstate.Errorf(sqlstate.UndefinedColumn, "column %q of relation %q does not exist", col, t.Name)
			}
			t.Columns[i].Comment = c.Comment
			return nil
		})
		return err
	case pg.ObjectType_OBJECT_SCHEMA:
		return tx.SetSchemaComment(x.s.db, names[0], c.Comment)
	case pg.ObjectType_OBJECT_DATABASE:
		return tx.SetDatabaseComment(names[0], c.Comment)
	}
	return notSupported("COMMENT ON %s is not supported yet", c.Objtype)
}

// namesRangeVar is the relation named by a dotted name list: [[db.]schema.]name.
func namesRangeVar(names []string) *pg.RangeVar {
	rv := &pg.RangeVar{Relname: names[len(names)-1]}
	if len(names) >= 2 {
		rv.Schemaname = names[len(names)-2]
	}
	if len(names) == 3 {
		rv.Catalogname = names[0]
	}
	return rv
}

// userSchemaName refuses the names PostgreSQL keeps for system schemas:
// pg_temp_N schemas, for one, are dropped at every start.
func userSchemaName(name string) error {
	if strings.HasPrefix(name, "pg_") {
		return sqlstate.Errorf(sqlstate.ReservedName, "unacceptable schema name %q", name).
			WithDetail("The prefix \"pg_\" is reserved for system schemas.")
	}
	return nil
}
