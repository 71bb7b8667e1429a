package executor

import (
	"context"
	"errors"

	"github.com/sharehouse/sharehouse/catalog"
	"github.com/sharehouse/sharehouse/executor/sqlstate"
	"github.com/sharehouse/sharehouse/parser"
)

// catalogCodes maps a catalog error kind and object to its SQLSTATE: the one
// table where domain errors become client codes.
var catalogCodes = map[catalog.Kind]map[string]sqlstate.Code{
	catalog.NotFound: {
		"table": sqlstate.UndefinedTable, "database": sqlstate.InvalidCatalogName,
		"schema": sqlstate.InvalidSchemaName, "column": sqlstate.UndefinedColumn,
		"tenant": sqlstate.UndefinedObject, "": sqlstate.UndefinedObject,
	},
	catalog.Exists: {
		"table": sqlstate.DuplicateTable, "database": sqlstate.DuplicateDatabase,
		"schema": sqlstate.DuplicateSchema, "column": sqlstate.DuplicateColumn,
		"": sqlstate.DuplicateObject,
	},
	catalog.Denied:    {"": sqlstate.InsufficientPrivilege},
	catalog.ReadOnly:  {"": sqlstate.ReadOnlySQLTransaction},
	catalog.InUse:     {"": sqlstate.DependentObjectsStillExist},
	catalog.Invalid:   {"": sqlstate.InvalidName, "view": sqlstate.InvalidObjectDefinition, "sequence": sqlstate.Code("2200H")},
	catalog.WrongType: {"": sqlstate.WrongObjectType},
}

// translate gives err its client-facing SQLSTATE where it is a domain error
// from a lower layer; errors that already carry a code pass through.
func translate(err error) error {
	if err == nil {
		return nil
	}
	var se *sqlstate.Error
	if errors.As(err, &se) {
		return err
	}
	var ce *catalog.Error
	if errors.As(err, &ce) {
		codes := catalogCodes[ce.Kind]
		code, ok := codes[ce.Object]
		if !ok {
			code = codes[""]
		}
		if ce.Kind == catalog.InUse && ce.Object == "tenant" {
			code = sqlstate.ObjectNotInPrerequisiteState
		}
		se := sqlstate.Errorf(code, "%s", ce.Error())
		if ce.More != "" {
			se = se.WithDetail("%s", ce.More)
		}
		if ce.Hint != "" {
			se = se.WithHint("%s", ce.Hint)
		}
		return se
	}
	var tc *parser.TooComplexError
	if errors.As(err, &tc) {
		return stackDepthExceeded()
	}
	var pe *parser.SyntaxError
	if errors.As(err, &pe) {
		return sqlstate.Errorf(sqlstate.SyntaxError, "%s", pe.Msg).WithPosition(int32(pe.Pos))
	}
	if errors.Is(err, context.Canceled) {
		return sqlstate.Errorf(sqlstate.QueryCanceled, "canceling statement due to user request")
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return sqlstate.Errorf(sqlstate.QueryCanceled, "canceling statement due to statement timeout")
	}
	if se := outOfSpace(err); se != nil {
		return se
	}
	if errors.Is(err, catalog.ErrCorrupt) {
		return sqlstate.Wrap(err, sqlstate.DataCorrupted, "could not read table data: file is corrupt")
	}
	return err
}
