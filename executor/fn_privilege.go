package executor

import (
	"strings"

	"github.com/sharehouse/sharehouse/executor/sqlstate"
	"github.com/sharehouse/sharehouse/executor/sqltype"
)

// The has_*_privilege functions answer for the session's own principal:
// what it owns it may do anything with; what it reads through a share (a
// mounted or granted database, its schemas and tables) and the system
// catalogs it may only read. Clients such as DBeaver and pgAdmin ask before
// offering to edit, so the answer must match what a write would meet.

// privilegeKinds lists the privileges each function accepts, and which of
// them a read-only object grants.
var privilegeKinds = map[string]struct{ all, readOnly []string }{
	"table":    {[]string{"SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"}, []string{"SELECT"}},
	"column":   {[]string{"SELECT", "INSERT", "UPDATE", "REFERENCES"}, []string{"SELECT"}},
	"schema":   {[]string{"USAGE", "CREATE"}, []string{"USAGE"}},
	"database": {[]string{"CREATE", "CONNECT", "TEMPORARY", "TEMP"}, []string{"CONNECT", "TEMPORARY", "TEMP"}},
}

// privilegeHeld parses a privilege list ('SELECT, INSERT WITH GRANT
// OPTION') as PostgreSQL does and reports whether any of them is held.
// Grant options are held only on what the principal owns.
func privilegeHeld(kind, list string, readOnly bool) (bool, error) {
	k := privilegeKinds[kind]
	held := false
	for _, p := range strings.Split(list, ",") {
		p = strings.ToUpper(strings.TrimSpace(p))
		grantOption := false
		if q, ok := strings.CutSuffix(p, " WITH GRANT OPTION"); ok {
			p, grantOption = strings.TrimSpace(q), true
		}
		if !containsString(k.all, p) {
			return false, sqlstate.Errorf(sqlstate.InvalidParameterValue, "unrecognized privilege type: %q", p)
		}
		if !readOnly || (!grantOption && containsString(k.readOnly, p)) {
			held = true
		}
	}
	return held, nil
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// bindPrivilegeFunc binds has_table_privilege, has_any_column_privilege,
// has_column_privilege, has_schema_privilege and has_database_privilege;
// ok is false for other names.
func (b *binder) bindPrivilegeFunc(name string, args []Expr, loc int32) (Expr, bool, error) {
	kind := map[string]string{
		"has_table_privilege": "table", "has_any_column_privilege": "column", "has_column_privilege": "column",
		"has_schema_privilege": "schema", "has_database_privilege": "database",
	}[name]
	if kind == "" {
		return nil, false, nil
	}
	n := len(args)
	// Forms: ([user,] object[, column], privilege); the user is the
	// session's own principal whatever is named.
	want := 2
	if name == "has_column_privilege" {
		want = 3
	}
	if n != want && n != want+1 {
		return nil, false, nil
	}
	first := n - want // index of the object argument
	params := make([]sqltype.T, n)
	for i, a := range args {
		params[i] = tText
		if a.Type().OID != sqltype.Unknown && !isString(a.Type().OID) {
			params[i] = tOid
		}
		if name == "has_column_privilege" && i == first+1 && isInt(a.Type().OID) {
			params[i] = sqltype.Int2T
		}
	}
	g, err := b.catalogGen()
	if err != nil {
		return nil, true, err
	}
	// readOnly finds the object: ok false means an OID names nothing
	// (NULL); a name that names nothing is an error, as in PostgreSQL.
	var readOnly func(obj any) (ro, ok bool, err error)
	switch kind {
	case "table", "column":
		look, err := b.regLookup(sqltype.Regclass)
		if err != nil {
			return nil, true, err
		}
		byOID := map[uint32]bool{}
		for _, d := range sysTableDefs {
			byOID[d.oid] = true
		}
		for _, t := range g.tables {
			byOID[uint32(t.ID)] = t.Via != nil
			for _, k := range t.IndexKeys() {
				if k != nil {
					byOID[uint32(k.IndexID)] = t.Via != nil
				}
			}
		}
		readOnly = func(obj any) (bool, bool, error) {
			oid, isOID := obj.(int64)
			if !isOID {
				o, err := look(argStr(obj))
				if err != nil {
					return false, false, err
				}
				oid = int64(o)
			}
			ro, ok := byOID[uint32(oid)]
			return ro, ok, nil
		}
	case "schema":
		mounted := g.cur.Mount != 0
		readOnly = func(obj any) (bool, bool, error) {
			oid, isOID := obj.(int64)
			name := ""
			if !isOID {
				name = argStr(obj)
			}
			for _, sys := range []string{"pg_catalog", "information_schema"} {
				if name == sys || (isOID && uint64(oid) == schemaOID(sys)) {
					return true, true, nil
				}
			}
			for _, s := range g.schemas {
				if s.Name == name || (isOID && uint64(oid) == uint64(s.ID)) {
					return mounted, true, nil
				}
			}
			if isOID {
				return false, false, nil
			}
			return false, false, sqlstate.Errorf(sqlstate.InvalidSchemaName, "schema %q does not exist", name)
		}
	case "database":
		readOnly = func(obj any) (bool, bool, error) {
			oid, isOID := obj.(int64)
			for _, d := range g.dbs {
				if (isOID && uint64(oid) == uint64(d.ID)) || (!isOID && d.Name == argStr(obj)) {
					return d.Mount != 0, true, nil
				}
			}
			if isOID {
				return false, false, nil
			}
			return false, false, sqlstate.Errorf(sqlstate.InvalidCatalogName, "database %q does not exist", argStr(obj))
		}
	}
	e, err := b.catCall(name, args, params, tBool, true, func(a []any) (any, error) {
		ro, ok, err := readOnly(a[first])
		if err != nil || !ok {
			return nil, err
		}
		held, err := privilegeHeld(kind, argStr(a[n-1]), ro)
		if err != nil {
			return nil, err
		}
		return held, nil
	}, loc)
	return e, true, err
}
