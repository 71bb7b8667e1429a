package executor

import (
	"slices"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/sharehouse/sharehouse/catalog"
	"github.com/sharehouse/sharehouse/executor/sqlstate"
	"github.com/sharehouse/sharehouse/executor/sqltype"
)

// FOREIGN KEY constraints of CREATE TABLE and ALTER TABLE … ADD: the
// referencing columns are resolved on the table, the referenced ones on
// the parent (its primary key when none are named), and the pair must
// match a primary key or UNIQUE constraint of the parent with comparable
// types, as PostgreSQL requires. Enforcement is in foreign.go.

// addForeignKey records FOREIGN KEY tc on table ref; with validate
// (ALTER TABLE, unless NOT VALID), the rows the table has must satisfy it.
func (x *execution) addForeignKey(tx *catalog.Tx, ref catalog.TableRef, tc tableConstraint, validate bool) error {
	c := tc.c
	t, err := tx.Table(ref)
	if err != nil {
		return err
	}
	switch {
	case c.FkMatchtype == "p":
		return notSupported("MATCH PARTIAL not yet implemented")
	case len(c.FkDelSetCols) > 0:
		return notSupported("ON DELETE SET NULL/SET DEFAULT with a column list is not supported yet")
	}
	names := tc.column
	childNames := []string{names}
	if len(c.FkAttrs) > 0 {
		childNames = nodeStrings(c.FkAttrs)
	}
	fk := catalog.ForeignKey{Name: c.Conname, OnUpdate: actionOr(c.FkUpdAction), OnDelete: actionOr(c.FkDelAction), Match: "s"}
	if c.FkMatchtype == "f" {
		fk.Match = "f"
	}
	for _, n := range childNames {
		col, _, ok := t.Column(n)
		if !ok {
			return sqlstate.Errorf(sqlstate.UndefinedColumn, "column %q referenced in foreign key constraint does not exist", n)
		}
		fk.Columns = append(fk.Columns, col.ID)
	}
	parent := t
	if pref, err := x.tableRef(tx, c.Pktable); err != nil {
		return err
	} else if pref != ref {
		if parent, err = tx.Table(pref); err != nil {
			return relationError(err, c.Pktable)
		}
	}
	if parent.IsView() {
		return sqlstate.Errorf(sqlstate.WrongObjectType, "referenced relation %q is not a table", parent.Name)
	}
	if parent.Via != nil || parent.Database != t.Database {
		return notSupported("cross-database references are not implemented: %s", rangeVarName(c.Pktable))
	}
	fk.RefTable = parent.ID
	if len(c.PkAttrs) == 0 {
		if parent.PrimaryKey == nil {
			return sqlstate.Errorf(sqlstate.InvalidForeignKey, "there is no primary key for referenced table %q", parent.Name)
		}
		fk.RefColumns = append(fk.RefColumns, parent.PrimaryKey.Columns...)
	}
	for _, n := range nodeStrings(c.PkAttrs) {
		col, _, ok := parent.Column(n)
		if !ok {
			return sqlstate.Errorf(sqlstate.UndefinedColumn, "column %q referenced in foreign key constraint does not exist", n)
		}
		fk.RefColumns = append(fk.RefColumns, col.ID)
	}
	if len(fk.RefColumns) != len(fk.Columns) {
		return sqlstate.Errorf(sqlstate.InvalidForeignKey, "number of referencing and referenced columns for foreign key disagree")
	}
	if parent.RefKey(fk.RefColumns) == nil {
		return sqlstate.Errorf(sqlstate.InvalidForeignKey, "there is no unique constraint matching given keys for referenced table %q", parent.Name)
	}
	name := fk.Name
	if name == "" {
		name = catalog.ForeignKeyName(t, fk.Columns)
	}
	cp, pp := t.Positions(fk.Columns), parent.Positions(fk.RefColumns)
	for i := range cp {
		cc, pc := t.Columns[cp[i]-1], parent.Columns[pp[i]-1]
		if !fkComparable(columnType(cc), columnType(pc)) {
			return sqlstate.Errorf(sqlstate.DatatypeMismatch, "foreign key constraint %q cannot be implemented", name).
				WithDetail("Key columns %q and %q are of incompatible types: %s and %s.", cc.Name, pc.Name, columnType(cc), columnType(pc))
		}
	}
	fk.NotValid = validate && c.SkipValidation
	fk.Deferrable, fk.Deferred = c.Deferrable || c.Initdeferred, c.Initdeferred
	added, err := tx.AddForeignKey(ref, fk)
	if err != nil {
		return constraintError(err, c)
	}
	if !validate || fk.NotValid {
		return nil
	}
	return x.validateForeignKey(tx, added, added.ForeignKeys[len(added.ForeignKeys)-1])
}

// actionOr is a referential action's letter, NO ACTION when none is given.
func actionOr(a string) string {
	if a == "" {
		return "a"
	}
	return a
}

func nodeStrings(ns []*pg.Node) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = n.GetString_().GetSval()
	}
	return out
}

// fkComparable reports whether a referencing column of type c can be
// checked against a referenced one of type p: equal keys must encode
// equally (fkKey), so integers go with integers, strings with strings,
// and other types with their own kind.
func fkComparable(c, p sqltype.T) bool {
	isInt := func(t sqltype.T) bool {
		return t.OID == sqltype.Int2 || t.OID == sqltype.Int4 || t.OID == sqltype.Int8
	}
	isText := func(t sqltype.T) bool { return t.OID == sqltype.Text || t.OID == sqltype.Varchar }
	switch {
	case isInt(c) || isInt(p):
		return isInt(c) && isInt(p)
	case isText(c) || isText(p):
		return isText(c) && isText(p)
	}
	return c.OID == p.OID && arrow.TypeEqual(c.Arrow(), p.Arrow())
}

// fkAction spells a referential action for pg_get_constraintdef and
// information_schema.
func fkAction(a string) string {
	switch a {
	case "r":
		return "RESTRICT"
	case "c":
		return "CASCADE"
	case "n":
		return "SET NULL"
	case "d":
		return "SET DEFAULT"
	}
	return "NO ACTION"
}

// foreignKeyDef is pg_get_constraintdef of foreign key fk of child
// referencing parent, which is named as search_path shows it.
func foreignKeyDef(child, parent catalog.Table, parentName string, fk *catalog.ForeignKey) string {
	var b strings.Builder
	b.WriteString("FOREIGN KEY (")
	b.WriteString(strings.Join(columnNames(child, fk.Columns), ", "))
	b.WriteString(") REFERENCES ")
	b.WriteString(parentName)
	b.WriteString("(")
	b.WriteString(strings.Join(columnNames(parent, fk.RefColumns), ", "))
	b.WriteString(")")
	if fk.Match == "f" {
		b.WriteString(" MATCH FULL")
	}
	if fk.OnUpdate != "a" {
		b.WriteString(" ON UPDATE " + fkAction(fk.OnUpdate))
	}
	if fk.OnDelete != "a" {
		b.WriteString(" ON DELETE " + fkAction(fk.OnDelete))
	}
	if fk.Deferrable {
		b.WriteString(" DEFERRABLE")
	}
	if fk.Deferred {
		b.WriteString(" INITIALLY DEFERRED")
	}
	if fk.NotValid {
		b.WriteString(" NOT VALID")
	}
	return b.String()
}

// columnNames are the names of t's columns with the given IDs, quoted
// where SQL needs it.
func columnNames(t catalog.Table, ids []uint32) []string {
	var out []string
	for _, p := range t.Positions(ids) {
		out = append(out, quoteIdent(t.Columns[p-1].Name))
	}
	return out
}

// alterForeignKey runs ALTER TABLE … VALIDATE CONSTRAINT (a NOT VALID
// foreign key is checked against the rows there and becomes valid; other
// constraints are always valid) and ALTER CONSTRAINT … [NOT] DEFERRABLE
// [INITIALLY DEFERRED | IMMEDIATE].
func (x *execution) alterForeignKey(tx *catalog.Tx, ref catalog.TableRef, cmd *pg.AlterTableCmd) error {
	name := cmd.Name
	alter := cmd.Subtype == pg.AlterTableType_AT_AlterConstraint
	if alter {
		name = cmd.Def.GetConstraint().GetConname()
	}
	var check *catalog.ForeignKey
	t, err := tx.SetForeignKey(ref, name, func(fk *catalog.ForeignKey) error {
		if alter {
			c := cmd.Def.GetConstraint()
			fk.Deferrable, fk.Deferred = c.Deferrable || c.Initdeferred, c.Initdeferred
		} else if fk.NotValid {
			fk.NotValid = false
			check = fk
		}
		return nil
	})
	switch {
	case catalog.IsNotFound(err):
		return sqlstate.Errorf(sqlstate.UndefinedObject, "constraint %q of relation %q does not exist", name, ref.Name)
	case isKind(err, catalog.WrongType) && !alter:
		return nil // VALIDATE of a CHECK, UNIQUE or PRIMARY KEY: valid already
	case isKind(err, catalog.WrongType):
		return sqlstate.Errorf(sqlstate.WrongObjectType, "%s", err.Error())
	case err != nil || check == nil:
		return err
	}
	for _, fk := range t.ForeignKeys {
		if fk.Name == name {
			return x.validateForeignKey(tx, t, fk)
		}
	}
	return nil
}

// dropReferencesCascade runs the CASCADE of ALTER TABLE … DROP COLUMN and
// DROP CONSTRAINT for foreign keys of other tables: those that reference
// the column, or rely on the key, go first, each with a NOTICE (without
// CASCADE the catalog refuses the drop, 2BP01).
func (x *execution) dropReferencesCascade(tx *catalog.Tx, at *pg.AlterTableStmt) ([]*sqlstate.Error, error) {
	ref, err := x.tableRef(tx, at.Relation)
	if err != nil {
		return nil, nil
	}
	t, err := tx.Table(ref)
	if err != nil || t.IsView() {
		return nil, nil // alterTable reports it
	}
	var refs []catalog.Reference
	var dropped []string
	for _, cn := range at.Cmds {
		cmd := cn.GetAlterTableCmd()
		if cmd == nil || cmd.Behavior != pg.DropBehavior_DROP_CASCADE {
			continue
		}
		var goes func(fk *catalog.ForeignKey) bool
		switch cmd.Subtype {
		case pg.AlterTableType_AT_DropColumn:
			col, _, ok := t.Column(cmd.Name)
			if !ok {
				continue
			}
			goes = func(fk *catalog.ForeignKey) bool { return slices.Contains(fk.RefColumns, col.ID) }
		case pg.AlterTableType_AT_DropConstraint:
			goes = func(fk *catalog.ForeignKey) bool {
				k := t.RefKey(fk.RefColumns)
				return k != nil && k.Name == cmd.Name
			}
		default:
			continue
		}
		all, err := tx.ReferencesTo(t.ID)
		if err != nil {
			return nil, err
		}
		for _, r := range all {
			if r.Table.ID != t.ID && goes(r.Key) {
				refs = append(refs, r)
				dropped = append(dropped, "constraint "+r.Key.Name+" on table "+r.Table.Name)
			}
		}
	}
	if len(refs) == 0 {
		return nil, nil
	}
	if err := tx.DropForeignKeys(refs); err != nil {
		return nil, err
	}
	return []*sqlstate.Error{dropCascadeNotice(dropped)}, nil
}
