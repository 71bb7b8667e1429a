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
	if is.WhereClause != nil {
		return nil, notSupported("partial indexes are not supported")
	}
	if len(is.IndexIncludingParams) > 0 {
		return nil, notSupported("INCLUDE columns of indexes are not supported")
	}
	var cols []string
	for _, p := range is.IndexParams {
		el := p.GetIndexElem()
		if el == nil || el.Name == "" {
			return nil, notSupported("indexes on expressions are not supported")
		}
		cols = append(cols, el.Name)
	}
	t, ref, err := rangeVarRef(x, tx, is.Relation)
	if err != nil {
		return nil, err
	}
	if t.View != nil {
		return nil, sqlstate.Errorf(sqlstate.WrongObjectType, "cannot create index on relation %q", t.Name).
			WithDetail("This operation is not supported for views.")
	}
	altered, idx, err := tx.AddIndex(ref, is.Idxname, cols, is.Unique)
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
	if is.Unique {
		if err := x.validateKey(tx, altered, &idx.Key); err != nil {
			return nil, err
		}
	}
	return nil, nil
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
