package executor

import (
	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/sharehouse/sharehouse/catalog"
	"github.com/sharehouse/sharehouse/executor/sqlstate"
)

// CREATE INDEX and DROP INDEX. Tables keep no index structures: scans skip
// data by the row-group statistics of their Parquet files. An index is
// recorded as a definition, so migration scripts run and clients list it
// as PostgreSQL would; a unique index is enforced like a UNIQUE
// constraint (constraints.go).

func (x *execution) createIndex(tx *catalog.Tx, is *pg.IndexStmt) ([]*sqlstate.Error, error) {
	if len(is.IndexIncludingParams) > 0 {
		return nil, notSupported("INCLUDE columns of indexes are not supported")
	}
	t, ref, err := rangeVarRef(x, tx, is.Relation)
	if err != nil {
		return nil, err
	}
	if t.View != nil {
		return nil, sqlstate.Errorf(sqlstate.WrongObjectType, "cannot create index on relation %q", t.Name).
			WithDetail("This operation is not supported for views.")
	}
	def, err := x.indexDef(t, is)
	if err != nil {
		return nil, err
	}
	altered, idx, err := tx.AddIndex(ref, def)
	if err != nil {
		ce, ok := err.(*catalog.Error)
		switch {
		case ok && ce.Kind == catalog.Exists && is.IfNotExists:
			return []*sqlstate.Error{notice("relation %q already exists, skipping", is.Idxname)}, nil
		case ok && ce.Kind == catalog.Exists:
			return nil, sqlstate.Errorf(sqlstate.DuplicateTable, "relation %q already exists", ce.Name)
		case ok && ce.Kind == catalog.NotFound && ce.Object == "column":
			return nil, sqlstate.Errorf(sqlstate.UndefinedColumn, "column %q does not exist", ce.Name)
		}
		return nil, err
	}
	switch {
	case is.Unique && idx.Plain():
		if err := x.validateKey(tx, altered, &idx.Key); err != nil {
			return nil, err
		}
	case is.Unique:
		ek, err := x.newExprKey(altered, &idx)
		if err != nil {
			return nil, err
		}
		snap, err := tx.Snapshot(altered)
		if err != nil {
			return nil, err
		}
		defer snap.Release()
		if err := ek.validate(altered, snap); err != nil {
			return nil, err
		}
	}
	return nil, nil
}

// indexDef reads CREATE INDEX's key and WHERE clause: columns, or
// expressions and a predicate kept in their stored form (bind_constraint.go).
func (x *execution) indexDef(t catalog.Table, is *pg.IndexStmt) (catalog.IndexDef, error) {
	def := catalog.IndexDef{Name: is.Idxname, Unique: is.Unique}
	plain := is.WhereClause == nil
	for _, p := range is.IndexParams {
		if el := p.GetIndexElem(); el == nil || el.Name == "" {
			plain = false
		}
	}
	if plain {
		for _, p := range is.IndexParams {
			def.Columns = append(def.Columns, p.GetIndexElem().Name)
		}
		return def, nil
	}
	read := func(n *pg.Node, what string) (string, error) {
		stored, cols, err := storedForm(t, n, what)
		if err != nil {
			return "", err
		}
		for _, c := range cols {
			if !containsID(def.Reads, c) {
				def.Reads = append(def.Reads, c)
			}
		}
		e, b, err := x.bindStored(t, stored)
		if err != nil {
			return "", err
		}
		if !parallelSafe(e) {
			return "", sqlstate.Errorf(sqlstate.InvalidObjectDefinition, "functions in %s must be marked IMMUTABLE", what)
		}
		if what == "index predicate" {
			if _, err := b.coerceBool(e, "WHERE"); err != nil {
				return "", err
			}
		}
		return deparseExpr(stored)
	}
	for _, p := range is.IndexParams {
		el := p.GetIndexElem()
		n := el.Expr
		if el.Name != "" {
			n = &pg.Node{Node: &pg.Node_ColumnRef{ColumnRef: &pg.ColumnRef{Fields: []*pg.Node{pg.MakeStrNode(el.Name)}}}}
		}
		text, err := read(n, "index expression")
		if err != nil {
			return def, err
		}
		def.Exprs = append(def.Exprs, text)
		part := el.Name
		if fc := el.Expr.GetFuncCall(); fc != nil && part == "" {
			part = fc.Funcname[len(fc.Funcname)-1].GetString_().GetSval()
		} else if part == "" {
			part = "expr"
		}
		def.NameParts = append(def.NameParts, part)
	}
	if is.WhereClause != nil {
		text, err := read(is.WhereClause, "index predicate")
		if err != nil {
			return def, err
		}
		def.Where = text
	}
	return def, nil
}

// dropIndex drops index names (schema-qualified or found along the
// search path).
func (x *execution) dropIndex(tx *catalog.Tx, names []string, missingOK bool) ([]*sqlstate.Error, error) {
	name := names[len(names)-1]
	schemas := x.searchPath()
	if len(names) >= 2 {
		schemas = []string{names[len(names)-2]}
	}
	for _, s := range schemas {
		err := tx.DropIndex(x.s.db, s, name)
		if catalog.IsNotFound(err) {
			continue
		}
		if ce, ok := err.(*catalog.Error); ok && ce.Kind == catalog.Invalid {
			return nil, sqlstate.Errorf(sqlstate.DependentObjectsStillExist, "%s", ce.Detail).
				WithHint("You can drop constraint %s on table instead.", name)
		}
		return nil, err
	}
	if missingOK {
		return []*sqlstate.Error{notice("index %q does not exist, skipping", name)}, nil
	}
	return nil, sqlstate.Errorf(sqlstate.UndefinedObject, "index %q does not exist", name)
}
