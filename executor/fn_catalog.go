package executor

import (
	"strconv"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/sharehouse/sharehouse/executor/sqlstate"
	"github.com/sharehouse/sharehouse/executor/sqltype"
)

// PostgreSQL's catalog functions (pg_get_userbyid, format_type,
// obj_description, pg_table_is_visible …) and the reg* casts, which turn
// names into OIDs and back. They read the catalog as the session sees it:
// what a function needs is read once, when the statement is bound, into
// the kernel's closure, so rows are evaluated without a transaction.

// catalogGen returns a sysGen over the statement's catalog transaction (or
// a short read one where the statement has no query binder), loaded.
func (b *binder) catalogGen() (*sysGen, error) {
	if b.q != nil {
		g := newSysGen(b.x, b.q.tx, b.x.s.db)
		return g, g.load()
	}
	tx, done, err := b.x.s.readTx(b.x.ctx)
	if err != nil {
		return nil, err
	}
	defer done()
	g := newSysGen(b.x, tx, b.x.s.db)
	return g, g.load() // load copies what it reads: g outlives tx
}

// catFn computes one row of a catalog function from its arguments (Go
// values: int64, string, bool, or nil for NULL) and returns a value for
// appendSysValue (nil for NULL).
type catFn func(args []any) (any, error)

// catCall builds a call of a catalog function with the given parameter
// types; strict functions return NULL for any NULL argument without f.
func (b *binder) catCall(name string, args []Expr, params []sqltype.T, result sqltype.T, strict bool, f catFn, loc int32) (Expr, error) {
	return b.catCallVolatile(name, args, params, result, strict, false, f, loc)
}

// catCallVolatile is catCall; a volatile call (nextval …) is evaluated
// for every row, never folded into a constant when it is bound.
func (b *binder) catCallVolatile(name string, args []Expr, params []sqltype.T, result sqltype.T, strict, volatile bool, f catFn, loc int32) (Expr, error) {
	infos := make([]argInfo, len(params))
	for i, p := range params {
		infos[i] = infoOf(p)
		// A literal or text given for a reg* parameter is read by the type's
		// input function: 'orders' names a table, as in
		// pg_table_size('orders') or nextval(pg_get_serial_sequence(…)).
		c, isConst := args[i].(*constExpr)
		if isRegType(p.OID) && (isConst && c.t.OID == sqltype.Unknown || isString(args[i].Type().OID)) {
			e, ok, err := b.castCatalog(args[i], p, loc)
			if err != nil {
				return nil, err
			}
			if ok {
				args[i] = e
			}
		}
	}
	impl := funcImpl{Name: name, Args: infos, Result: infoOf(result), NonStrict: !strict, Volatile: volatile, Session: true,
		Eval: func(ec *evalContext, in []arrow.Array, n int) (arrow.Array, error) {
			bld := array.NewBuilder(ec.mem, result.Arrow())
			defer bld.Release()
			bld.Reserve(n)
			row := make([]any, len(in))
		rows:
			for i := 0; i < n; i++ {
				for j, a := range in {
					row[j] = arrValue(a, i)
					if strict && row[j] == nil {
						bld.AppendNull()
						continue rows
					}
				}
				v, err := f(row)
				if err != nil {
					return nil, err
				}
				if err := appendSysValue(bld, v); err != nil {
					return nil, internalf("%s: %v", name, err)
				}
			}
			return bld.NewArray(), nil
		}}
	return b.apply(impl, args, loc)
}

// arrValue reads row i of a as a Go value; nil for NULL.
func arrValue(a arrow.Array, i int) any {
	if a.IsNull(i) {
		return nil
	}
	switch x := a.(type) {
	case *array.Uint32:
		return int64(x.Value(i))
	case *array.Int16:
		return int64(x.Value(i))
	case *array.Int32:
		return int64(x.Value(i))
	case *array.Int64:
		return x.Value(i)
	case *array.String:
		return x.Value(i)
	case *array.Boolean:
		return x.Value(i)
	}
	return nil
}

func argInt(v any) int64 {
	x, _ := v.(int64)
	return x
}

func argStr(v any) string {
	s, _ := v.(string)
	return s
}

var (
	tOid  = sqltype.OidT
	tText = sqltype.TextT
	tName = sqltype.NameT
	tInt4 = sqltype.Int4T
	tBool = sqltype.BoolT
)

func sig(ts ...sqltype.T) []sqltype.T { return ts }

// bindCatalogFunc binds the catalog functions; ok is false for any other
// name (or a number of arguments none of its forms takes).
func (b *binder) bindCatalogFunc(name string, args []Expr, loc int32) (Expr, bool, error) {
	n := len(args)
	call := func(params []sqltype.T, result sqltype.T, strict bool, f catFn) (Expr, bool, error) {
		e, err := b.catCall(name, args, params, result, strict, f, loc)
		return e, true, err
	}
	constant := func(v any) catFn { return func([]any) (any, error) { return v, nil } }
	switch name {
	case "pg_get_userbyid":
		if n != 1 {
			break
		}
		g, err := b.catalogGen()
		if err != nil {
			return nil, true, err
		}
		return call(sig(tOid), tName, true, func(a []any) (any, error) { return g.roleName(uint64(argInt(a[0]))), nil })
	case "pg_encoding_to_char":
		if n != 1 {
			break
		}
		return call(sig(tInt4), tName, true, func(a []any) (any, error) {
			switch argInt(a[0]) {
			case 0:
				return "SQL_ASCII", nil
			case encodingUTF8:
				return "UTF8", nil
			}
			return "", nil
		})
	case "pg_char_to_encoding":
		if n != 1 {
			break
		}
		return call(sig(tName), tInt4, true, func(a []any) (any, error) {
			switch strings.ToUpper(strings.ReplaceAll(argStr(a[0]), "-", "")) {
			case "UTF8", "UNICODE":
				return encodingUTF8, nil
			case "SQL_ASCII":
				return 0, nil
			}
			return -1, nil
		})
	case "pg_encoding_max_length":
		if n != 1 {
			break
		}
		return call(sig(tInt4), tInt4, true, func(a []any) (any, error) {
			if argInt(a[0]) == encodingUTF8 {
				return 4, nil
			}
			return 1, nil
		})
	case "pg_table_is_visible":
		if n != 1 {
			break
		}
		g, err := b.catalogGen()
		if err != nil {
			return nil, true, err
		}
		vis, err := g.visibleTables()
		if err != nil {
			return nil, true, err
		}
		known := g.relationOIDs()
		return call(sig(tOid), tBool, true, func(a []any) (any, error) {
			oid := uint32(argInt(a[0]))
			if !known[oid] {
				return nil, nil // PostgreSQL: NULL for an OID that is no relation
			}
			return vis[oid], nil
		})
	case "pg_type_is_visible", "pg_function_is_visible", "pg_collation_is_visible", "pg_operator_is_visible",
		"pg_opclass_is_visible", "pg_opfamily_is_visible", "pg_conversion_is_visible", "pg_statistics_obj_is_visible",
		"pg_ts_config_is_visible", "pg_ts_dict_is_visible", "pg_ts_parser_is_visible", "pg_ts_template_is_visible":
		if n != 1 {
			break
		}
		// Every such object sharehouse has lives in pg_catalog.
		return call(sig(tOid), tBool, true, constant(true))
	case "format_type":
		if n != 2 {
			break
		}
		return call(sig(tOid, tInt4), tText, false, func(a []any) (any, error) {
			if a[0] == nil {
				return nil, nil
			}
			typmod := int32(-1)
			if a[1] != nil {
				typmod = int32(argInt(a[1]))
			}
			return formatType(uint32(argInt(a[0])), typmod), nil
		})
	case "obj_description":
		if n != 1 && n != 2 {
			break
		}
		g, err := b.catalogGen()
		if err != nil {
			return nil, true, err
		}
		desc := g.descriptions()
		if n == 1 {
			return call(sig(tOid), tText, true, func(a []any) (any, error) {
				for k, v := range desc {
					if k.objoid == uint64(argInt(a[0])) && k.objsubid == 0 {
						return v, nil
					}
				}
				return nil, nil
			})
		}
		return call(sig(tOid, tName), tText, true, func(a []any) (any, error) {
			class := catalogClassOID(argStr(a[1]))
			if v, ok := desc[descKey{uint64(argInt(a[0])), class, 0}]; ok {
				return v, nil
			}
			return nil, nil
		})
	case "col_description":
		if n != 2 {
			break
		}
		g, err := b.catalogGen()
		if err != nil {
			return nil, true, err
		}
		desc := g.descriptions()
		return call(sig(tOid, tInt4), tText, true, func(a []any) (any, error) {
			if v, ok := desc[descKey{uint64(argInt(a[0])), oidPgClass, int(argInt(a[1]))}]; ok {
				return v, nil
			}
			return nil, nil
		})
	case "shobj_description":
		if n != 2 {
			break
		}
		g, err := b.catalogGen()
		if err != nil {
			return nil, true, err
		}
		sh := map[[2]uint64]string{}
		for _, r := range g.pgShdescription() {
			sh[[2]uint64{r["objoid"].(uint64), uint64(r["classoid"].(int))}] = r["description"].(string)
		}
		return call(sig(tOid, tName), tText, true, func(a []any) (any, error) {
			if v, ok := sh[[2]uint64{uint64(argInt(a[0])), uint64(catalogClassOID(argStr(a[1])))}]; ok {
				return v, nil
			}
			return nil, nil
		})
	case "pg_get_expr":
		// pg_node_tree columns hold the expression's SQL text here.
		switch n {
		case 2:
			return call(sig(tText, tOid), tText, true, func(a []any) (any, error) { return a[0], nil })
		case 3:
			return call(sig(tText, tOid, tBool), tText, true, func(a []any) (any, error) { return a[0], nil })
		}
	case "pg_get_indexdef", "pg_get_constraintdef":
		// Primary keys are the only indexes and constraints.
		if n < 1 || n > 3 || n == 2 && name == "pg_get_indexdef" || n == 3 && name == "pg_get_constraintdef" {
			break
		}
		g, err := b.catalogGen()
		if err != nil {
			return nil, true, err
		}
		params := []sqltype.T{tOid, tInt4, tBool}
		if name == "pg_get_constraintdef" {
			params = []sqltype.T{tOid, tBool}
		}
		return call(params[:n], tText, true, func(a []any) (any, error) {
			oid := uint64(argInt(a[0]))
			if name == "pg_get_constraintdef" {
				if k, ok := g.keyByConstraint(oid); ok {
					return k.constraintDef(), nil
				}
				for _, c := range g.checks() {
					if c.check.ConstraintID == oid {
						return c.constraintDef(n == 2 && a[1] == true), nil
					}
				}
				if f, ok := g.fkByConstraint(oid); ok {
					return f.constraintDef(g), nil
				}
				return nil, nil
			}
			k, ok := g.keyByIndex(oid)
			if !ok {
				return nil, nil
			}
			if n == 3 {
				// pg_get_indexdef(oid, column, pretty): column 0 is the whole definition, k the k-th column.
				if col := int(argInt(a[1])); col > 0 {
					if col > len(k.cols) {
						return "", nil
					}
					return k.colNames(a[2] == true)[col-1], nil
				}
			}
			return k.indexDef(n == 3 && a[2] == true), nil
		})
	case "pg_get_viewdef":
		if e, ok, err := b.bindViewdef(args, loc); ok || err != nil {
			return e, true, err
		}
	case "pg_get_triggerdef", "pg_get_ruledef",
		"pg_get_function_result", "pg_get_function_arguments", "pg_get_function_identity_arguments",
		"pg_get_statisticsobjdef_columns", "pg_get_partkeydef", "pg_get_functiondef":
		// There are no triggers, rules (but views' _RETURN) or functions
		// of users: for any OID the answer is NULL, as
		// PostgreSQL's for an OID that names none.
		params := []sqltype.T{tOid, tInt4, tBool}
		if name != "pg_get_indexdef" {
			params = []sqltype.T{tOid, tBool}
		}
		if n < 1 || n > len(params) || n == 2 && name == "pg_get_indexdef" {
			break
		}
		return call(params[:n], tText, true, constant(nil))
	case "pg_get_serial_sequence":
		if n != 2 {
			break
		}
		g, err := b.catalogGen()
		if err != nil {
			return nil, true, err
		}
		return call(sig(tText, tText), tText, true, func(a []any) (any, error) {
			return g.serialSequence(argStr(a[0]), argStr(a[1]))
		})
	case "pg_relation_is_publishable", "pg_is_other_temp_schema":
		if n != 1 {
			break
		}
		return call(sig(tOid), tBool, true, constant(false))
	case "pg_partition_root":
		if n != 1 {
			break
		}
		// No table is partitioned: each is its own root.
		return call(sig(sqltype.T{OID: sqltype.Regclass, Typmod: -1}), sqltype.T{OID: sqltype.Regclass, Typmod: -1}, true, func(a []any) (any, error) { return a[0], nil })
	case "pg_my_temp_schema":
		if n != 0 {
			break
		}
		return call(nil, tOid, true, constant(0))
	case "pg_is_in_recovery", "pg_jit_available":
		if n != 0 {
			break
		}
		return call(nil, tBool, true, constant(false))
	case "pg_tablespace_location":
		if n != 1 {
			break
		}
		return call(sig(tOid), tText, true, constant(""))
	case "has_table_privilege", "has_schema_privilege", "has_database_privilege", "has_column_privilege",
		"has_any_column_privilege", "has_function_privilege", "has_sequence_privilege", "has_type_privilege",
		"has_tablespace_privilege", "has_language_privilege", "has_foreign_data_wrapper_privilege",
		"has_server_privilege", "pg_has_role":
		if e, ok, err := b.bindPrivilegeFunc(name, args, loc); ok || err != nil {
			return e, true, err
		}
		if n < 2 || n > 4 {
			break
		}
		// Functions, types, languages …: every session may use them.
		params := make([]sqltype.T, n)
		for i, a := range args {
			params[i] = tText
			if a.Type().OID != sqltype.Unknown && !isString(a.Type().OID) {
				params[i] = tOid
			}
			if isInt(a.Type().OID) && i == n-2 && name == "has_column_privilege" {
				params[i] = sqltype.Int2T
			}
		}
		return call(params, tBool, true, constant(true))
	case "to_regclass", "to_regtype", "to_regproc":
		if n != 1 {
			break
		}
		kind := map[string]sqltype.OID{"to_regclass": sqltype.Regclass, "to_regtype": sqltype.Regtype, "to_regproc": sqltype.Regproc}[name]
		look, err := b.regLookup(kind)
		if err != nil {
			return nil, true, err
		}
		return call(sig(tText), sqltype.T{OID: kind, Typmod: -1}, true, func(a []any) (any, error) {
			oid, err := look(argStr(a[0]))
			if err != nil {
				return nil, nil // to_reg*: NULL where the cast would fail
			}
			return oid, nil
		})
	case "pg_table_size", "pg_total_relation_size", "pg_relation_size", "pg_indexes_size":
		if n != 1 && !(n == 2 && name == "pg_relation_size") {
			break
		}
		g, err := b.catalogGen()
		if err != nil {
			return nil, true, err
		}
		sizes, err := g.tableSizes()
		if err != nil {
			return nil, true, err
		}
		params := []sqltype.T{{OID: sqltype.Regclass, Typmod: -1}, tText}[:n]
		return call(params, sqltype.Int8T, true, func(a []any) (any, error) {
			oid := uint32(argInt(a[0]))
			if name == "pg_indexes_size" || n == 2 && argStr(a[1]) != "main" {
				return 0, nil // no indexes; all data in the main fork
			}
			if sz, ok := sizes[oid]; ok {
				return sz, nil
			}
			return nil, nil
		})
	case "pg_database_size":
		if n != 1 {
			break
		}
		g, err := b.catalogGen()
		if err != nil {
			return nil, true, err
		}
		byName, byOID, err := g.databaseSizes()
		if err != nil {
			return nil, true, err
		}
		if isString(args[0].Type().OID) || args[0].Type().OID == sqltype.Unknown {
			return call(sig(tName), sqltype.Int8T, true, func(a []any) (any, error) {
				if sz, ok := byName[argStr(a[0])]; ok {
					return sz, nil
				}
				return nil, sqlstate.Errorf(sqlstate.InvalidCatalogName, "database %q does not exist", argStr(a[0]))
			})
		}
		return call(sig(tOid), sqltype.Int8T, true, func(a []any) (any, error) {
			if sz, ok := byOID[uint32(argInt(a[0]))]; ok {
				return sz, nil
			}
			return nil, nil
		})
	case "pg_size_pretty":
		if n != 1 || !isInt(args[0].Type().OID) && args[0].Type().OID != sqltype.Unknown {
			break
		}
		return call(sig(sqltype.Int8T), tText, true, func(a []any) (any, error) { return sizePretty(argInt(a[0])), nil })
	case "pg_partition_ancestors":
		// Set-returning: no rows for a relation that is not a partition, and
		// sharehouse has no partitions. In an expression (x IN (SELECT
		// pg_partition_ancestors(…) …), as psql writes it) the empty set is
		// approximated by NULL, which matches nothing; in FROM it is empty.
		if n != 1 {
			break
		}
		rc := sqltype.T{OID: sqltype.Regclass, Typmod: -1}
		return call(sig(rc), rc, false, func(a []any) (any, error) { return nil, nil })
	case "current_schemas":
		if n != 1 {
			break
		}
		g, err := b.catalogGen()
		if err != nil {
			return nil, true, err
		}
		// Schemas of the path that exist, pg_catalog first when implicit
		// schemas are asked for (it is searched first unless named).
		exists := map[string]bool{}
		for _, r := range g.pgNamespace() {
			exists[r["nspname"].(string)] = true
		}
		path := g.searchPath()
		return call(sig(tBool), sqltype.T{OID: sqltype.NameArray, Typmod: -1}, true, func(a []any) (any, error) {
			var out []*string
			named := false
			for _, p := range path {
				named = named || p == "pg_catalog"
			}
			if a[0].(bool) && !named {
				pc := "pg_catalog"
				out = append(out, &pc)
			}
			for _, p := range path {
				if exists[p] {
					p := p
					out = append(out, &p)
				}
			}
			return formatArrayLiteral(out), nil
		})
	case "array_upper", "array_lower", "array_length", "cardinality":
		return b.bindArrayDims(name, args, loc)
	case "array_to_string":
		if n != 2 && n != 3 || !isArrayLike(args[0].Type().OID) {
			break
		}
		// The catalogs' array columns are text holding an array literal.
		params := []sqltype.T{argOf(args[0]).T, tText, tText}[:n]
		if params[0].OID == sqltype.Unknown {
			params[0] = tText
		}
		return call(params, tText, true, func(a []any) (any, error) {
			elems, ok := parseArrayLiteral(argStr(a[0]))
			if !ok {
				return nil, sqlstate.Errorf(sqlstate.InvalidTextRepresentation, "malformed array literal: %q", argStr(a[0]))
			}
			var parts []string
			for _, e := range elems {
				switch {
				case e != nil:
					parts = append(parts, *e)
				case n == 3:
					parts = append(parts, argStr(a[2]))
				}
			}
			return strings.Join(parts, argStr(a[1])), nil
		})
	}
	return nil, false, nil
}

// catalogClassOID maps a catalog's name (obj_description's second
// argument) to its OID.
func catalogClassOID(name string) int {
	name = strings.TrimPrefix(name, "pg_catalog.")
	if d, ok := lookupSysTable("pg_catalog", name); ok {
		return int(d.oid)
	}
	return 0
}

// descKey identifies a pg_description row.
type descKey struct {
	objoid   uint64
	classoid int
	objsubid int
}

func (g *sysGen) descriptions() map[descKey]string {
	out := map[descKey]string{}
	for _, r := range g.pgDescription() {
		out[descKey{r["objoid"].(uint64), r["classoid"].(int), r["objsubid"].(int)}] = r["description"].(string)
	}
	return out
}

// relationOIDs is the set of OIDs pg_class has.
func (g *sysGen) relationOIDs() map[uint32]bool {
	out := map[uint32]bool{}
	for _, d := range sysTableDefs {
		out[d.oid] = true
	}
	for _, t := range g.tables {
		out[uint32(t.ID)] = true
	}
	for _, k := range g.keys() {
		out[uint32(k.key.IndexID)] = true
	}
	for _, q := range g.seqs {
		out[uint32(q.ID)] = true
	}
	return out
}

// formatType is format_type(oid, typmod): the SQL name of a type.
func formatType(oid uint32, typmod int32) string {
	if oid == 0 {
		return "-"
	}
	t := sqltype.T{OID: sqltype.OID(oid), Typmod: typmod}
	if !sqltype.Known(t.OID) {
		return "???"
	}
	return t.String()
}

// parseArrayLiteral splits a one-dimensional array literal ({a,"b c",NULL})
// into its elements; a nil element is NULL.
func parseArrayLiteral(s string) ([]*string, bool) {
	s = strings.TrimSpace(s)
	if len(s) < 2 || s[0] != '{' || s[len(s)-1] != '}' {
		return nil, false
	}
	body := s[1 : len(s)-1]
	var out []*string
	if strings.TrimSpace(body) == "" {
		return out, true
	}
	var cur strings.Builder
	quoted, inQuote, escaped := false, false, false
	flush := func() {
		v := cur.String()
		if !quoted {
			v = strings.TrimSpace(v)
			if strings.EqualFold(v, "NULL") {
				out = append(out, nil)
				cur.Reset()
				return
			}
		}
		out = append(out, &v)
		cur.Reset()
		quoted = false
	}
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch {
		case escaped:
			cur.WriteByte(c)
			escaped = false
		case c == '\\':
			escaped = true
		case c == '"':
			inQuote = !inQuote
			quoted = true
		case c == ',' && !inQuote:
			flush()
		case c == '{' && !inQuote:
			return nil, false // multi-dimensional: not in the catalogs served
		default:
			cur.WriteByte(c)
		}
	}
	if inQuote || escaped {
		return nil, false
	}
	flush()
	return out, true
}

// currentSchema is current_schema(): the first schema of search_path that
// exists in the session's database, NULL when none does (as in a share,
// which has no public schema).
func (b *binder) currentSchema() (Expr, error) {
	g, err := b.catalogGen()
	if err != nil {
		return nil, err
	}
	exists := map[string]bool{}
	for _, r := range g.pgNamespace() {
		exists[r["nspname"].(string)] = true
	}
	for _, p := range g.searchPath() {
		if exists[p] {
			return stringConst(sqltype.NameT, p), nil
		}
	}
	return nullConst(sqltype.NameT), nil
}

// regLookup returns the name → OID function of a reg* type's input:
// regclass (relations, searched as unqualified names are), regtype, regproc.
func (b *binder) regLookup(kind sqltype.OID) (func(string) (uint32, error), error) {
	switch kind {
	case sqltype.Regtype:
		return func(s string) (uint32, error) {
			if v, err := strconv.ParseUint(s, 10, 32); err == nil {
				return uint32(v), nil
			}
			name := strings.TrimSpace(s)
			name = strings.TrimPrefix(name, "pg_catalog.")
			name = strings.Trim(name, `"`)
			if i := strings.IndexByte(name, '('); i >= 0 {
				name = strings.TrimSpace(name[:i])
			}
			for _, t := range pgTypes {
				if t.name == name {
					return t.oid, nil
				}
			}
			if t, err := typeByName(strings.ToLower(name), nil); err == nil {
				return uint32(t.OID), nil
			}
			for _, alias := range []string{"timestamp without time zone", "timestamp with time zone", "time without time zone"} {
				if strings.EqualFold(name, alias) {
					for _, t := range pgTypes {
						if (sqltype.T{OID: sqltype.OID(t.oid), Typmod: -1}).String() == alias {
							return t.oid, nil
						}
					}
				}
			}
			return 0, sqlstate.Errorf(sqlstate.UndefinedObject, "type %q does not exist", s)
		}, nil
	case sqltype.Regproc:
		return func(s string) (uint32, error) {
			if v, err := strconv.ParseUint(s, 10, 32); err == nil {
				return uint32(v), nil
			}
			if s == "-" {
				return 0, nil
			}
			if oid, ok := procByName(strings.TrimPrefix(s, "pg_catalog.")); ok {
				return oid, nil
			}
			return 0, sqlstate.Errorf(sqlstate.UndefinedFunction, "function %q does not exist", s)
		}, nil
	}
	g, err := b.catalogGen()
	if err != nil {
		return nil, err
	}
	vis, err := g.visibleTables()
	if err != nil {
		return nil, err
	}
	return func(s string) (uint32, error) {
		if v, err := strconv.ParseUint(s, 10, 32); err == nil {
			return uint32(v), nil
		}
		parts, ok := splitQualifiedName(s)
		if !ok || len(parts) > 3 {
			return 0, sqlstate.Errorf(sqlstate.InvalidName, "invalid name syntax")
		}
		if len(parts) == 3 {
			if parts[0] != g.db {
				return 0, sqlstate.Errorf(sqlstate.FeatureNotSupported, "cross-database references are not implemented: %q", s)
			}
			parts = parts[1:]
		}
		if oid, ok := g.relationOID(parts, vis); ok {
			return oid, nil
		}
		return 0, sqlstate.Errorf(sqlstate.UndefinedTable, "relation %q does not exist", s)
	}, nil
}

// relationOID finds schema.name, or name along the search path.
func (g *sysGen) relationOID(parts []string, vis map[uint32]bool) (uint32, bool) {
	name := parts[len(parts)-1]
	schema := ""
	if len(parts) == 2 {
		schema = parts[0]
	}
	for _, d := range sysTableDefs {
		if d.name == name && (schema == d.schema || schema == "" && d.schema == "pg_catalog") {
			return d.oid, true
		}
	}
	for _, t := range g.tables {
		if t.Name == name && (t.schema.Name == schema || schema == "" && vis[uint32(t.ID)]) {
			return uint32(t.ID), true
		}
	}
	// Indexes share their table's schema (and its visibility).
	for _, t := range g.tables {
		if t.schema.Name != schema && (schema != "" || !vis[uint32(t.ID)]) {
			continue
		}
		for _, k := range t.IndexKeys() {
			if k.Name == name {
				return uint32(k.IndexID), true
			}
		}
	}
	return g.sequenceOID(schema, name, vis)
}

// relationName is regclass's output: the name, schema-qualified when the
// relation is not visible on the search path; the number for none.
func (g *sysGen) relationName(oid uint32, vis map[uint32]bool) string {
	for _, d := range sysTableDefs {
		if d.oid == oid {
			if d.schema == "pg_catalog" {
				return d.name
			}
			return quoteIdent(d.schema) + "." + quoteIdent(d.name)
		}
	}
	for _, t := range g.tables {
		if uint32(t.ID) == oid {
			if vis[oid] {
				return quoteIdent(t.Name)
			}
			return quoteIdent(t.schema.Name) + "." + quoteIdent(t.Name)
		}
		for _, k := range t.IndexKeys() {
			if k != nil && uint32(k.IndexID) == oid {
				if vis[oid] {
					return quoteIdent(k.Name)
				}
				return quoteIdent(t.schema.Name) + "." + quoteIdent(k.Name)
			}
		}
	}
	if name, ok := g.sequenceName(oid, vis); ok {
		return name
	}
	return strconv.FormatUint(uint64(oid), 10)
}

// splitQualifiedName splits a.b."C" into identifiers, folding unquoted
// ones to lower case as PostgreSQL does.
func splitQualifiedName(s string) ([]string, bool) {
	var out []string
	var cur strings.Builder
	inQuote, quoted := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case inQuote && c == '"' && i+1 < len(s) && s[i+1] == '"':
			cur.WriteByte('"')
			i++
		case c == '"':
			inQuote = !inQuote
			quoted = true
		case c == '.' && !inQuote:
			if cur.Len() == 0 {
				return nil, false
			}
			out = append(out, cur.String())
			cur.Reset()
			quoted = false
		case inQuote || quoted:
			cur.WriteByte(c)
		default:
			cur.WriteString(strings.ToLower(string(c)))
		}
	}
	if inQuote || cur.Len() == 0 {
		return nil, false
	}
	out = append(out, strings.TrimSpace(cur.String()))
	return out, true
}

// castCatalog is the reg* casts that need the catalog: a name to
// regclass, regtype or regproc, and an OID of those back to its name.
// ok is false for every other cast.
func (b *binder) castCatalog(arg Expr, t sqltype.T, loc int32) (Expr, bool, error) {
	if e, ok, err := b.castArray(arg, t, loc); ok || err != nil {
		return e, ok, err
	}
	if e, ok, err := b.castRegnamespace(arg, t, loc); ok || err != nil {
		return e, ok, err
	}
	from := arg.Type().OID
	switch t.OID {
	case sqltype.Regclass, sqltype.Regtype, sqltype.Regproc:
		if !isString(from) && from != sqltype.Unknown {
			return nil, false, nil
		}
		if _, isParam := arg.(*paramExpr); isParam && from == sqltype.Unknown {
			return nil, false, nil // $1::regclass: the client sends the OID
		}
		look, err := b.regLookup(t.OID)
		if err != nil {
			return nil, true, err
		}
		e, err := b.catCall(t.String(), []Expr{arg}, sig(tText), sqltype.T{OID: t.OID, Typmod: -1}, true, func(a []any) (any, error) {
			return look(argStr(a[0]))
		}, loc)
		if err == nil {
			e = castNamed(e)
		}
		return e, true, err
	}
	if !isString(t.OID) || from != sqltype.Regclass && from != sqltype.Regtype && from != sqltype.Regproc {
		return nil, false, nil
	}
	var out func(uint32) string
	switch from {
	case sqltype.Regtype:
		out = func(oid uint32) string {
			if oid == 0 {
				return "-"
			}
			if !sqltype.Known(sqltype.OID(oid)) {
				return strconv.FormatUint(uint64(oid), 10)
			}
			return formatType(oid, -1)
		}
	case sqltype.Regproc:
		out = procName
	default:
		g, err := b.catalogGen()
		if err != nil {
			return nil, true, err
		}
		vis, err := g.visibleTables()
		if err != nil {
			return nil, true, err
		}
		out = func(oid uint32) string {
			if oid == 0 {
				return "-"
			}
			return g.relationName(oid, vis)
		}
	}
	e, err := b.catCall("text", []Expr{arg}, sig(sqltype.T{OID: from, Typmod: -1}), tText, true, func(a []any) (any, error) {
		return out(uint32(argInt(a[0]))), nil
	}, loc)
	if err != nil {
		return nil, true, err
	}
	e = castNamed(e)
	if t.OID != sqltype.Text {
		e, err = b.cast(e, t, true, loc)
	}
	return e, true, err
}

// castNamed marks a call built by castCatalog as a cast, so that it prints
// (EXPLAIN, column names) as x::type.
func castNamed(e Expr) Expr {
	if f, ok := e.(*funcExpr); ok {
		f.cast = true
	}
	return e
}

// bindCollate binds x COLLATE name. Strings compare byte-wise (the C
// collation) whatever the clause names, so it only checks that the
// collation exists: default, C or POSIX, as psql writes them.
func (b *binder) bindCollate(cc *pg.CollateClause, sc *scope) (Expr, error) {
	arg, err := b.bindExpr(cc.Arg, sc)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, n := range cc.Collname {
		names = append(names, n.GetString_().GetSval())
	}
	name := names[len(names)-1]
	if len(names) > 2 || len(names) == 2 && names[0] != "pg_catalog" {
		return nil, sqlstate.Errorf(sqlstate.UndefinedObject, "collation %q for encoding \"UTF8\" does not exist", strings.Join(names, ".")).WithPosition(cc.Location + 1)
	}
	switch name {
	case "default", "C", "POSIX", "ucs_basic":
	default:
		return nil, sqlstate.Errorf(sqlstate.UndefinedObject, "collation %q for encoding \"UTF8\" does not exist", name).WithPosition(cc.Location + 1)
	}
	if t := arg.Type().OID; !isString(t) && t != sqltype.Unknown {
		return nil, sqlstate.Errorf(sqlstate.DatatypeMismatch, "collations are not supported by type %s", arg.Type()).WithPosition(cc.Location + 1)
	}
	return arg, nil
}

// tableSizes is each user table's data size in bytes (its parts' files
// and inline blobs), for pg_table_size and \dt+.
func (g *sysGen) tableSizes() (map[uint32]int64, error) {
	out := map[uint32]int64{}
	for _, d := range sysTableDefs {
		out[d.oid] = 0
	}
	for _, t := range g.tables {
		if t.IsView() {
			out[uint32(t.ID)] = 0
			continue
		}
		snap, err := g.tx.Snapshot(t.Table)
		if err != nil {
			return nil, err
		}
		var n int64
		for _, p := range snap.Parts() {
			n += p.Bytes
		}
		snap.Release()
		out[uint32(t.ID)] = n
	}
	return out, nil
}

// sizePretty is pg_size_pretty(bigint), PostgreSQL 15's units and rounding.
func sizePretty(size int64) string {
	const limit, limit2 = 10 * 1024, 10*1024*2 - 1
	abs := func(x int64) int64 {
		if x < 0 {
			return -x
		}
		return x
	}
	halfRounded := func(x int64) int64 {
		if x > 0 {
			return (x + 1) / 2
		}
		return (x - 1) / 2
	}
	if abs(size) < limit {
		return strconv.FormatInt(size, 10) + " bytes"
	}
	size >>= 9 // one extra bit for rounding
	for _, unit := range []string{"kB", "MB", "GB", "TB"} {
		if abs(size) < limit2 {
			return strconv.FormatInt(halfRounded(size), 10) + " " + unit
		}
		size >>= 10
	}
	return strconv.FormatInt(halfRounded(size), 10) + " PB"
}

// databaseSizes is the size of each of the principal's databases: the sum
// of its tables' sizes.
func (g *sysGen) databaseSizes() (map[string]int64, map[uint32]int64, error) {
	byName, byOID := map[string]int64{}, map[uint32]int64{}
	for _, d := range g.dbs {
		other := newSysGen(g.x, g.tx, d.Name)
		if err := other.load(); err != nil {
			return nil, nil, err
		}
		sizes, err := other.tableSizes()
		if err != nil {
			return nil, nil, err
		}
		var n int64
		for _, t := range other.tables {
			n += sizes[uint32(t.ID)]
		}
		byName[d.Name], byOID[uint32(d.ID)] = n, n
	}
	return byName, byOID, nil
}

func isRegType(o sqltype.OID) bool {
	return o == sqltype.Regclass || o == sqltype.Regtype || o == sqltype.Regproc
}

// bindAnyAll binds x op ANY (array) and x op ALL (array). sqltype has no
// array types yet; the arrays that reach here are ARRAY[...] constructors
// (expanded into OR / AND of comparisons) and array literals held as text,
// as the catalogs' array columns are ('{a,b}', parsed per row, its
// elements read as x's type).
func (b *binder) bindAnyAll(a *pg.A_Expr, op string, sc *scope) (Expr, error) {
	all := a.Kind == pg.A_Expr_Kind_AEXPR_OP_ALL
	l, err := b.bindExpr(a.Lexpr, sc)
	if err != nil {
		return nil, err
	}
	if ae := a.Rexpr.GetAArrayExpr(); ae != nil {
		if len(ae.Elements) == 0 {
			return boolConst(all), nil
		}
		var terms []Expr
		for _, el := range ae.Elements {
			r, err := b.bindExpr(el, sc)
			if err != nil {
				return nil, err
			}
			t, err := b.binary(op, l, r, a.Location)
			if err != nil {
				return nil, err
			}
			terms = append(terms, t)
		}
		if all {
			return &logicExpr{op: "AND", args: terms}, nil
		}
		return &logicExpr{op: "OR", args: terms}, nil
	}
	r, err := b.bindExpr(a.Rexpr, sc)
	if err != nil {
		return nil, err
	}
	if !isArrayLike(r.Type().OID) {
		return nil, sqlstate.Errorf(sqlstate.WrongObjectType, "op ANY/ALL (array) requires array on right side").WithPosition(a.Location + 1)
	}
	if r, err = b.arrayAsText(r, a.Location); err != nil {
		return nil, err
	}
	if l.Type().OID == sqltype.Unknown {
		if l, err = b.cast(l, tText, false, a.Location); err != nil {
			return nil, err
		}
	}
	elem := argOf(l)
	cmp, err := resolveOperator(op, elem, elem)
	if err != nil {
		return nil, withPosition(err, a.Location)
	}
	if cmp.Result.T.OID != sqltype.Bool {
		return nil, sqlstate.Errorf(sqlstate.DatatypeMismatch, "op ANY/ALL (array) requires operator to yield boolean").WithPosition(a.Location + 1)
	}
	// The comparison's own argument types (int4 = int8 compares as int8).
	var lcast, ecast funcImpl
	if want := cmp.Args[0]; want.T != elem.T || !arrow.TypeEqual(want.DT, elem.DT) {
		if lcast, err = resolveCast(elem, want.T, false); err != nil {
			return nil, withPosition(err, a.Location)
		}
	}
	if ecast, err = resolveCast(textInfo, cmp.Args[1].T, true); err != nil {
		return nil, withPosition(err, a.Location)
	}
	return &anyArrayExpr{l: l, r: r, lcast: lcast, ecast: ecast, cmp: cmp, all: all, op: op}, nil
}

// anyArrayExpr is l op ANY/ALL (r) over r's array literal text.
type anyArrayExpr struct {
	l, r         Expr
	lcast, ecast funcImpl // lcast.Eval nil: l is already of the comparison's type
	cmp          funcImpl
	all          bool
	op           string
}

func (e *anyArrayExpr) Type() sqltype.T          { return sqltype.BoolT }
func (e *anyArrayExpr) DataType() arrow.DataType { return arrow.FixedWidthTypes.Boolean }
func (e *anyArrayExpr) String() string {
	q := "ANY"
	if e.all {
		q = "ALL"
	}
	return "(" + e.l.String() + " " + e.op + " " + q + " (" + e.r.String() + "))"
}

func (e *anyArrayExpr) Eval(ec *evalContext, rec arrow.Record) (arrow.Array, error) {
	n := int(rec.NumRows())
	lv, err := e.l.Eval(ec, rec)
	if err != nil {
		return nil, err
	}
	defer lv.Release()
	if e.lcast.Eval != nil {
		c, err := e.lcast.Eval(ec, []arrow.Array{lv}, n)
		if err != nil {
			return nil, err
		}
		lv.Release()
		lv = c
	}
	rv, err := e.r.Eval(ec, rec)
	if err != nil {
		return nil, err
	}
	defer rv.Release()
	texts := rv.(*array.String)
	val, known := make([]bool, n), make([]bool, n)
	for i := 0; i < n; i++ {
		if texts.IsNull(i) {
			continue
		}
		elems, ok := parseArrayLiteral(texts.Value(i))
		if !ok {
			return nil, sqlstate.Errorf(sqlstate.InvalidTextRepresentation, "malformed array literal: %q", texts.Value(i))
		}
		v, k, err := e.row(ec, lv, i, elems)
		if err != nil {
			return nil, err
		}
		val[i], known[i] = v, k
	}
	return buildBool(ec, val, known), nil
}

// row compares row i of l with each element: ANY is true on a true, ALL
// false on a false; otherwise a NULL anywhere makes the answer NULL.
func (e *anyArrayExpr) row(ec *evalContext, l arrow.Array, i int, elems []*string) (val, known bool, err error) {
	if len(elems) == 0 {
		return e.all, true, nil
	}
	sb := array.NewStringBuilder(ec.mem)
	defer sb.Release()
	for _, s := range elems {
		if s == nil {
			sb.AppendNull()
		} else {
			sb.Append(*s)
		}
	}
	strs := sb.NewArray()
	defer strs.Release()
	m := len(elems)
	typed, err := e.ecast.Eval(ec, []arrow.Array{strs}, m)
	if err != nil {
		return false, false, err
	}
	defer typed.Release()
	one := array.NewSlice(l, int64(i), int64(i+1))
	defer one.Release()
	lb, err := broadcast(ec.mem, one, m)
	if err != nil {
		return false, false, err
	}
	defer lb.Release()
	res, err := e.cmp.Eval(ec, []arrow.Array{lb, typed}, m)
	if err != nil {
		return false, false, err
	}
	defer res.Release()
	bs := res.(*array.Boolean)
	sawNull := false
	for j := 0; j < m; j++ {
		switch {
		case bs.IsNull(j):
			sawNull = true
		case bs.Value(j) != e.all:
			return !e.all, true, nil
		}
	}
	if sawNull {
		return false, false, nil
	}
	return e.all, true, nil
}
