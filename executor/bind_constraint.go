package executor

import (
	"fmt"
	"strconv"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/sharehouse/sharehouse/catalog"
	"github.com/sharehouse/sharehouse/executor/sqlstate"
	"github.com/sharehouse/sharehouse/executor/sqltype"
	"github.com/sharehouse/sharehouse/parser"
)

// CHECK constraints are kept as SQL text in which every column is written
// as its stored field name (c<ID>): renaming a column leaves the text
// valid, and binding it needs no table name. This file turns a CHECK of a
// statement into that form, binds the stored form over a batch of stored
// rows, and prints it back with the current column names.

// checkDef returns the stored form of CHECK (n) on t and the IDs of the
// columns it reads.
func (x *execution) checkDef(t catalog.Table, n *pg.Node) (string, []uint32, error) {
	n, cols, err := storedForm(t, n, "check constraint")
	if err != nil {
		return "", nil, err
	}
	if _, err := x.bindStoredCheck(t, n); err != nil {
		return "", nil, err
	}
	text, err := deparseExpr(n)
	return text, cols, err
}

// storedForm returns a copy of expression n of table t with every column
// written as its stored field name, and the IDs of the columns it reads;
// what names the expression in the error for a subquery.
func storedForm(t catalog.Table, n *pg.Node, what string) (*pg.Node, []uint32, error) {
	n = proto.Clone(n).(*pg.Node) // the statement may run again
	var cols []uint32
	var err error
	eachMessage(n.ProtoReflect(), func(m protoreflect.Message) {
		if err != nil {
			return
		}
		switch v := m.Interface().(type) {
		case *pg.SubLink:
			err = sqlstate.Errorf(sqlstate.FeatureNotSupported, "cannot use subquery in %s", what)
		case *pg.ColumnRef:
			names, star := columnRefFields(v)
			if star || len(names) == 0 || len(names) > 2 || (len(names) == 2 && names[0] != t.Name) {
				err = sqlstate.Errorf(sqlstate.UndefinedColumn, "column %q does not exist", strings.Join(names, ".")).WithPosition(v.Location + 1)
				return
			}
			c, _, ok := t.Column(names[len(names)-1])
			if !ok {
				err = sqlstate.Errorf(sqlstate.UndefinedColumn, "column %q does not exist", names[len(names)-1]).WithPosition(v.Location + 1)
				return
			}
			v.Fields = []*pg.Node{pg.MakeStrNode(c.Field())}
			if !containsID(cols, c.ID) {
				cols = append(cols, c.ID)
			}
		}
	})
	return n, cols, err
}

func containsID(ids []uint32, id uint32) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// bindCheck binds a stored CHECK over t's stored columns (batch column i
// is t.Columns[i]).
func (x *execution) bindCheck(t catalog.Table, c *catalog.Check) (Expr, error) {
	n, err := parseStoredExpr(c.Expr)
	if err != nil {
		return nil, sqlstate.Errorf(sqlstate.InternalError, "bad stored check constraint %q", c.Name)
	}
	return x.bindStoredCheck(t, n)
}

func (x *execution) bindStoredCheck(t catalog.Table, n *pg.Node) (Expr, error) {
	e, b, err := x.bindStored(t, n)
	if err != nil {
		return nil, err
	}
	if e.Type().OID != sqltype.Bool && e.Type().OID != sqltype.Unknown {
		return nil, sqlstate.Errorf(sqlstate.DatatypeMismatch, "argument of CHECK must be type boolean, not type %s", e.Type())
	}
	return b.coerceBool(e, "CHECK")
}

// bindStored binds a stored expression over t's stored columns (batch
// column i is t.Columns[i]).
func (x *execution) bindStored(t catalog.Table, n *pg.Node) (Expr, *binder, error) {
	sc := &scope{}
	for i, c := range t.Columns {
		ct := columnType(c)
		sc.cols = append(sc.cols, &scopeColumn{name: c.Field(), t: ct, dt: ct.Arrow(), idx: i})
	}
	b := &binder{x: x}
	e, err := b.bindExpr(n, sc)
	return e, b, err
}

func parseStoredExpr(text string) (*pg.Node, error) {
	stmts, err := parser.Parse("SELECT " + text)
	if err != nil || len(stmts) != 1 || stmts[0].PG == nil {
		return nil, fmt.Errorf("bad stored expression %q", text)
	}
	return stmts[0].PG.Stmt.GetSelectStmt().TargetList[0].GetResTarget().Val, nil
}

// checkText prints a stored CHECK with t's current column names.
func checkText(t catalog.Table, c *catalog.Check) string {
	return storedText(t, c.Expr)
}

// storedText prints a stored expression with t's current column names.
func storedText(t catalog.Table, stored string) string {
	n, err := parseStoredExpr(stored)
	if err != nil {
		return stored
	}
	renameStored(t, n)
	text, err := deparseExpr(n)
	if err != nil {
		return stored
	}
	return text
}

// renameStored writes the stored field names in n as t's column names.
func renameStored(t catalog.Table, n *pg.Node) {
	eachMessage(n.ProtoReflect(), func(m protoreflect.Message) {
		cr, ok := m.Interface().(*pg.ColumnRef)
		if !ok || len(cr.Fields) != 1 {
			return
		}
		if i, ok := storedColumn(t, cr); ok {
			cr.Fields[0] = pg.MakeStrNode(t.Columns[i].Name)
		}
	})
}

// storedColumn finds the column of t a stored expression's reference
// names by its field name (c<ID>): its index in t.Columns.
func storedColumn(t catalog.Table, cr *pg.ColumnRef) (int, bool) {
	if len(cr.Fields) != 1 {
		return 0, false
	}
	f := cr.Fields[0].GetString_().GetSval()
	id, err := strconv.ParseUint(strings.TrimPrefix(f, "c"), 10, 32)
	if err != nil {
		return 0, false
	}
	for i, col := range t.Columns {
		if col.ID == uint32(id) {
			return i, true
		}
	}
	return 0, false
}

// eachMessage calls fn for every message under m, m included.
func eachMessage(m protoreflect.Message, fn func(protoreflect.Message)) {
	fn(m)
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		if fd.Kind() != protoreflect.MessageKind {
			return true
		}
		switch {
		case fd.IsList():
			l := v.List()
			for i := 0; i < l.Len(); i++ {
				eachMessage(l.Get(i).Message(), fn)
			}
		case fd.IsMap():
		default:
			eachMessage(v.Message(), fn)
		}
		return true
	})
}

// tableConstraint is a UNIQUE, PRIMARY KEY or CHECK constraint of a
// CREATE TABLE or ALTER TABLE … ADD, of a column (column != "") or of the
// table.
type tableConstraint struct {
	c      *pg.Constraint
	column string
}

// keyNames are the columns of a UNIQUE or PRIMARY KEY constraint.
func (tc tableConstraint) keyNames() []string {
	if tc.column != "" {
		return []string{tc.column}
	}
	var names []string
	for _, k := range tc.c.Keys {
		names = append(names, k.GetString_().GetSval())
	}
	return names
}

// addConstraints records UNIQUE, CHECK and FOREIGN KEY constraints on
// table ref (the primary key is recorded by the caller); with validate,
// the rows the table already has must satisfy them. Foreign keys come
// last, as in PostgreSQL: they may reference the keys just added.
func (x *execution) addConstraints(tx *catalog.Tx, ref catalog.TableRef, cons []tableConstraint, validate bool) error {
	for _, tc := range cons {
		if tc.c.Contype == pg.ConstrType_CONSTR_FOREIGN {
			continue
		}
		t, err := tx.Table(ref)
		if err != nil {
			return err
		}
		var added catalog.Table
		switch tc.c.Contype {
		case pg.ConstrType_CONSTR_UNIQUE:
			added, err = tx.AddUnique(ref, tc.c.Conname, tc.keyNames())
			if err != nil {
				return constraintError(err, tc.c)
			}
			if validate {
				err = x.validateKey(tx, added, added.Uniques[len(added.Uniques)-1])
			}
		case pg.ConstrType_CONSTR_PRIMARY:
			added, err = tx.SetPrimaryKey(ref, tc.c.Conname, tc.keyNames())
			if err != nil {
				return constraintError(err, tc.c)
			}
			if validate {
				err = x.validateKey(tx, added, added.PrimaryKey)
			}
		case pg.ConstrType_CONSTR_CHECK:
			text, cols, cerr := x.checkDef(t, tc.c.RawExpr)
			if cerr != nil {
				return cerr
			}
			if tc.column != "" && len(cols) == 0 {
				if c, _, ok := t.Column(tc.column); ok {
					cols = []uint32{c.ID}
				}
			}
			if added, err = tx.AddCheck(ref, tc.c.Conname, text, cols); err != nil {
				return constraintError(err, tc.c)
			}
			if validate && !tc.c.SkipValidation {
				err = x.validateCheck(tx, added, added.Checks[len(added.Checks)-1])
			}
		default:
			continue
		}
		if err != nil {
			return err
		}
	}
	for _, tc := range cons {
		if tc.c.Contype == pg.ConstrType_CONSTR_FOREIGN {
			if err := x.addForeignKey(tx, ref, tc, validate); err != nil {
				return err
			}
		}
	}
	return nil
}

// constraintError maps the catalog's refusals to PostgreSQL's errors.
func constraintError(err error, c *pg.Constraint) error {
	ce, ok := err.(*catalog.Error)
	if !ok {
		return err
	}
	switch {
	case ce.Kind == catalog.NotFound && ce.Object == "column":
		return sqlstate.Errorf(sqlstate.UndefinedColumn, "column %q named in key does not exist", ce.Name).WithPosition(c.Location + 1)
	case ce.Kind == catalog.Exists && ce.Object == "primary key":
		return sqlstate.Errorf(sqlstate.InvalidTableDefinition, "%s", ce.Detail).WithPosition(c.Location + 1)
	case ce.Kind == catalog.Exists && ce.Object == "column":
		return sqlstate.Errorf(sqlstate.DuplicateColumn, "%s", ce.Detail).WithPosition(c.Location + 1)
	case ce.Kind == catalog.Exists && ce.Object == "constraint":
		return sqlstate.Errorf(sqlstate.DuplicateObject, "%s", ce.Detail)
	}
	return err
}
