package executor

import (
	"fmt"

	pg "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/proto"

	"github.com/sharehouse/sharehouse/catalog"
	"github.com/sharehouse/sharehouse/executor/sqlstate"
	"github.com/sharehouse/sharehouse/executor/sqltype"
)

// CREATE TABLE … AS and SELECT … INTO: a table with the query's columns,
// loaded from the query in the same transaction, through the bulk loader
// INSERT … SELECT uses.

func (x *execution) runCreateTableAs(into *pg.IntoClause, query *pg.Node, ifNotExists bool) (Result, error) {
	sel := query.GetSelectStmt()
	if sel == nil {
		return Result{}, notSupported("CREATE TABLE AS of %s is not supported", nodeKind(query))
	}
	if into.Rel.Relpersistence != "t" && into.OnCommit != pg.OnCommitAction_ONCOMMIT_NOOP && into.OnCommit != pg.OnCommitAction_ONCOMMIT_PRESERVE_ROWS {
		return Result{}, sqlstate.Errorf(sqlstate.InvalidTableDefinition, "ON COMMIT can only be used on temporary tables")
	}
	tx, finish, err := x.s.writeTx(x.ctx)
	if err != nil {
		return Result{}, err
	}
	if into.Rel.Relpersistence == "t" {
		c := proto.Clone(into).(*pg.IntoClause)
		if c.Rel, err = x.tempRelation(tx, into.Rel, into.OnCommit); err != nil {
			return Result{}, finish(err)
		}
		into = c
	}
	n, notices, err := x.createTableAs(tx, into, sel, ifNotExists)
	if err := finish(err); err != nil {
		return Result{}, err
	}
	if notices != nil {
		return Result{Tag: "CREATE TABLE AS", Notices: notices}, nil
	}
	return Result{Tag: fmt.Sprintf("SELECT %d", n)}, nil
}

func (x *execution) createTableAs(tx *catalog.Tx, into *pg.IntoClause, sel *pg.SelectStmt, ifNotExists bool) (int64, []*sqlstate.Error, error) {
	ref, err := x.tableRef(tx, into.Rel)
	if err != nil {
		return 0, nil, err
	}
	if _, err := tx.Table(ref); err == nil {
		if ifNotExists {
			return 0, []*sqlstate.Error{notice("relation %q already exists, skipping", ref.Name)}, nil
		}
		return 0, nil, sqlstate.Errorf(sqlstate.DuplicateTable, "relation %q already exists", ref.Name)
	}
	// The SELECT without its INTO, so binding it is an ordinary query.
	plain := proto.Clone(sel).(*pg.SelectStmt)
	plain.IntoClause = nil
	p := &plan{}
	defer p.release()
	q := newQueryBinder(x, tx, p)
	root, cols, err := q.bindSelect(plain)
	if err != nil {
		return 0, nil, err
	}
	p.root, p.cols = root, cols
	if len(into.ColNames) > len(cols) {
		return 0, nil, sqlstate.Errorf(sqlstate.SyntaxError, "too many column names were specified")
	}
	defs := make([]catalog.Column, len(cols))
	seen := map[string]bool{}
	for i, c := range cols {
		name := c.name
		if i < len(into.ColNames) {
			name = into.ColNames[i].GetString_().GetSval()
		}
		if seen[name] {
			return 0, nil, sqlstate.Errorf(sqlstate.DuplicateColumn, "column %q specified more than once", name)
		}
		seen[name] = true
		t := c.t
		if t.OID == sqltype.Unknown {
			t = sqltype.TextT // as PostgreSQL resolves an untyped literal
		}
		if t.OID == sqltype.Record || t.OID == sqltype.Regclass || t.OID == sqltype.Regtype {
			return 0, nil, notSupported("column %q of type %s cannot be stored", name, t)
		}
		defs[i] = catalog.Column{Name: name, Type: catalog.ColumnType{OID: uint32(t.OID), Typmod: t.Typmod}}
	}
	if _, err := tx.CreateTable(ref, defs, ""); err != nil {
		if catalog.IsNotFound(err) {
			if ce := err.(*catalog.Error); ce.Object == "schema" {
				return 0, nil, sqlstate.Errorf(sqlstate.InvalidSchemaName, "schema %q does not exist", ref.Schema)
			}
		}
		return 0, nil, err
	}
	if into.SkipData { // WITH NO DATA
		return 0, nil, nil
	}
	t, err := tx.Table(ref)
	if err != nil {
		return 0, nil, err
	}
	targets := make([]int, len(cols))
	for i := range targets {
		targets[i] = i
	}
	w, err := x.newTableWriter(t, targets, cols)
	if err != nil {
		return 0, nil, err
	}
	n, err := x.insertRows(tx, t, w, p)
	return n, nil, err
}
