package executor

import (
	"sort"
	"strconv"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/sharehouse/sharehouse/catalog"
	"github.com/sharehouse/sharehouse/executor/sqltype"
)

// sysGen computes system-table rows for one statement from one catalog
// transaction, as the session's principal sees it: its own databases, the
// schemas and tables of the database it reads, its own role (a superuser:
// every tenant's role). Nothing of another tenant appears, except a
// shared table's provider as that table's owner.
type sysGen struct {
	x  *execution
	tx *catalog.Tx
	db string

	loaded  bool
	dbs     []catalog.Database
	cur     catalog.Database // the database read; zero if it is gone
	schemas []catalog.Schema
	tables  []sysTable
	seqs    []sysSeq
	roles   []sysRole
	// fks and fkVis are computed once per statement (systable_foreign.go).
	fks   []sysFK
	fkVis map[uint32]bool
}

// sysTable is a user table with the schema it is listed under.
type sysTable struct {
	catalog.Table
	schema catalog.Schema
	owner  uint64
}

// sysRole is a role the principal may see: a tenant, or the token
// recipient the session logged in as.
type sysRole struct {
	oid     uint64
	name    string
	super   bool
	comment string
	// connLimit is rolconnlimit: the login's connection limit, -1 for none.
	connLimit int
}

func newSysGen(x *execution, tx *catalog.Tx, db string) *sysGen {
	return &sysGen{x: x, tx: tx, db: db}
}

func (g *sysGen) load() error {
	if g.loaded {
		return nil
	}
	g.loaded = true
	var err error
	if g.dbs, err = g.tx.Databases(); err != nil {
		return err
	}
	for _, d := range g.dbs {
		if d.Name == g.db {
			g.cur = d
		}
	}
	tenants, err := g.tx.Tenants()
	if err != nil {
		return err
	}
	for _, t := range tenants {
		g.roles = append(g.roles, sysRole{oid: uint64(t.ID), name: t.Name, super: t.Super, comment: t.Comment, connLimit: t.ConnectionLimit()})
	}
	who := g.tx.Who()
	if who.Recipient != 0 {
		g.roles = append(g.roles, sysRole{oid: uint64(who.Recipient), name: who.Name, connLimit: g.recipientConnLimit()})
	}
	if g.cur.Name == "" {
		return nil // the database was dropped under the session: nothing in it
	}
	if g.schemas, err = g.tx.Schemas(g.db); err != nil {
		if catalog.IsNotFound(err) {
			return nil
		}
		return err
	}
	for _, s := range g.schemas {
		ts, err := g.tx.Tables(g.db, s.Name)
		if err != nil {
			if catalog.IsNotFound(err) {
				continue
			}
			return err
		}
		for _, t := range ts {
			owner := uint64(g.cur.Tenant)
			if t.Via != nil {
				owner = uint64(t.Via.ProviderID)
			}
			g.tables = append(g.tables, sysTable{Table: t, schema: s, owner: owner})
		}
	}
	return g.loadSequences()
}

// roleName is pg_get_userbyid: a visible role's name, the owner of a
// shared table by the name its share shows, else PostgreSQL's text for an
// unknown role.
func (g *sysGen) roleName(oid uint64) string {
	for _, r := range g.roles {
		if r.oid == oid {
			return r.name
		}
	}
	for _, t := range g.tables {
		if t.Via != nil && uint64(t.Via.ProviderID) == oid {
			return t.Via.Provider
		}
	}
	return "unknown (OID=" + strconv.FormatUint(oid, 10) + ")"
}

// searchPath returns the schemas unqualified names are looked up in, after
// pg_catalog: search_path with $user replaced by the role's own schema.
func (g *sysGen) searchPath() []string { return g.x.searchPath() }

// searchPath returns search_path's schemas, $user replaced by the role's
// own schema's name.
func (x *execution) searchPath() []string {
	sp, _ := x.s.settings.get("search_path")
	var out []string
	if x.s.temp[x.s.db] {
		out = append(out, x.s.tempSchema()) // searched first, as pg_temp is
	}
	for _, p := range strings.Split(sp, ",") {
		p = strings.TrimSpace(p)
		p = strings.Trim(p, `"`)
		if p == "$user" {
			p = x.s.who.Name
		}
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

// visibleTables returns the OIDs pg_table_is_visible is true for: the
// system tables, and each user table that is the first of its name along
// the search path.
func (g *sysGen) visibleTables() (map[uint32]bool, error) {
	if err := g.load(); err != nil {
		return nil, err
	}
	vis := map[uint32]bool{}
	taken := map[string]bool{}
	for _, d := range sysTableDefs {
		if d.schema == "pg_catalog" {
			vis[d.oid] = true
			taken[d.name] = true
		}
	}
	for _, s := range g.searchPath() {
		for _, t := range g.tables {
			if t.schema.Name == s && !taken[t.Name] {
				vis[uint32(t.ID)] = true
				taken[t.Name] = true
			}
			for _, k := range t.IndexKeys() {
				if k != nil && t.schema.Name == s && !taken[k.Name] {
					vis[uint32(k.IndexID)] = true
					taken[k.Name] = true
				}
			}
		}
		g.seqVisible(s, vis, taken)
	}
	return vis, nil
}

func schemaOID(name string) uint64 {
	switch name {
	case "pg_catalog":
		return oidPgCatalog
	case "information_schema":
		return oidInformationSchema
	}
	return 0
}

// rows computes the rows of def.
func (g *sysGen) rows(def *sysTableDef) ([]sysRow, error) {
	if err := g.load(); err != nil {
		return nil, err
	}
	if def.schema == "information_schema" {
		return g.infoSchemaRows(def), nil
	}
	switch def.name {
	case "pg_database":
		return g.pgDatabase(), nil
	case "pg_namespace":
		return g.pgNamespace(), nil
	case "pg_class":
		return g.pgClass(), nil
	case "pg_attribute":
		return g.pgAttribute(), nil
	case "pg_type":
		return pgTypeRows(), nil
	case "pg_roles", "pg_authid", "pg_user":
		return g.pgRoles(def.name), nil
	case "pg_settings":
		return g.pgSettings(), nil
	case "pg_description":
		return g.pgDescription(), nil
	case "pg_shdescription":
		return g.pgShdescription(), nil
	case "pg_attrdef":
		return g.pgAttrdef(), nil
	case "pg_am":
		return pgAmRows(), nil
	case "pg_collation":
		return pgCollationRows(), nil
	case "pg_tablespace":
		return []sysRow{
			{"oid": oidDefaultTablespace, "spcname": "pg_default", "spcowner": oidBootstrapRole},
			{"oid": oidGlobalTablespace, "spcname": "pg_global", "spcowner": oidBootstrapRole},
		}, nil
	case "pg_language":
		return []sysRow{
			{"oid": 12, "lanname": "internal", "lanowner": oidBootstrapRole},
			{"oid": 13, "lanname": "c", "lanowner": oidBootstrapRole},
			{"oid": 14, "lanname": "sql", "lanowner": oidBootstrapRole, "lanpltrusted": true},
		}, nil
	case "pg_tables":
		return g.pgTables(), nil
	case "pg_views":
		return g.pgViews(), nil
	case "pg_sequence", "pg_sequences", "pg_depend":
		rows := g.sequenceRows(def.name)
		if def.name == "pg_depend" {
			rows = append(rows, g.viewDepends()...)
		}
		return rows, nil
	case "pg_stat_ssl":
		return g.pgStatSSL(), nil
	case "pg_cursors":
		return g.pgCursors(), nil
	case "pg_index":
		return g.pgIndex(), nil
	case "pg_indexes":
		return g.pgIndexes(), nil
	case "pg_constraint":
		return g.pgConstraint(), nil
	case "pg_rewrite":
		return g.pgRewrite(), nil
	}
	// Indexes, constraints, inheritance, triggers, policies, publications,
	// extensions, procedures …: sharehouse has none of these objects.
	return nil, nil
}

func (g *sysGen) pgDatabase() []sysRow {
	var out []sysRow
	for _, d := range g.dbs {
		out = append(out, sysRow{
			"oid": uint64(d.ID), "datname": d.Name, "datdba": uint64(d.Tenant), "encoding": encodingUTF8,
			"datlocprovider": "c", "datistemplate": false, "datallowconn": true, "datconnlimit": -1,
			"datfrozenxid": 716, "datminmxid": 1, "dattablespace": oidDefaultTablespace,
			"datcollate": "C", "datctype": "C",
		})
	}
	return out
}

func (g *sysGen) pgNamespace() []sysRow {
	out := []sysRow{
		{"oid": oidPgCatalog, "nspname": "pg_catalog", "nspowner": oidBootstrapRole},
		{"oid": oidPgToast, "nspname": "pg_toast", "nspowner": oidBootstrapRole},
		{"oid": oidInformationSchema, "nspname": "information_schema", "nspowner": oidBootstrapRole},
	}
	for _, s := range g.schemas {
		out = append(out, sysRow{"oid": uint64(s.ID), "nspname": s.Name, "nspowner": uint64(g.cur.Tenant)})
	}
	return out
}

func (g *sysGen) pgClass() []sysRow {
	var out []sysRow
	for i := range sysTableDefs {
		d := &sysTableDefs[i]
		r := sysRow{
			"oid": d.oid, "relname": d.name, "relnamespace": schemaOID(d.schema), "relowner": oidBootstrapRole,
			"relfilenode": 0, "relpages": 0, "reltuples": -1, "relpersistence": "p",
			"relkind": string(d.kind), "relnatts": len(d.cols), "relreplident": "n", "relispopulated": true,
		}
		if d.kind == 'r' {
			r["relam"] = oidHeapAM
			r["relfilenode"] = d.oid
		}
		out = append(out, r)
	}
	triggers := g.hasTriggers()
	for _, t := range g.tables {
		if t.IsView() {
			out = append(out, viewClassRow(t))
			continue
		}
		out = append(out, sysRow{
			"oid": uint64(t.ID), "relname": t.Name, "relnamespace": uint64(t.schema.ID), "relowner": t.owner,
			"relam": oidHeapAM, "relfilenode": uint64(t.ID), "relpages": 0, "reltuples": -1,
			"relpersistence": persistence(t.schema.Name), "relkind": "r", "relnatts": len(t.Columns), "relreplident": "d",
			"relispopulated": true, "relfrozenxid": 716, "relminmxid": 1, "relhasindex": t.PrimaryKey != nil || len(t.Uniques) > 0, "relchecks": len(t.Checks),
			"relhastriggers": triggers[t.ID],
		})
	}
	out = append(out, g.indexClassRows()...)
	return append(out, g.sequenceClassRows()...)
}

// attRow is one pg_attribute row.
func attRow(rel uint64, num int, name string, t sqltype.T, notNull, hasDef bool) sysRow {
	coll := 0
	if isString(t.OID) && t.OID != sqltype.Char && t.OID != sqltype.Name {
		coll = oidDefaultCollation
	}
	if t.OID == sqltype.Name {
		coll = oidCCollation
	}
	info := pgTypeInfo(t.OID)
	return sysRow{
		"attrelid": rel, "attname": name, "atttypid": uint32(t.OID), "attstattarget": -1,
		"attlen": int(t.Len()), "attnum": num, "attndims": 0, "attcacheoff": -1, "atttypmod": int(t.Typmod),
		"attbyval": info.byval, "attalign": info.align, "attstorage": info.storage, "attcompression": "",
		"attnotnull": notNull, "atthasdef": hasDef, "atthasmissing": false, "attidentity": "", "attgenerated": "",
		"attisdropped": false, "attislocal": true, "attinhcount": 0, "attcollation": coll,
	}
}

func (g *sysGen) pgAttribute() []sysRow {
	var out []sysRow
	for i := range sysTableDefs {
		d := &sysTableDefs[i]
		for j, c := range d.cols {
			out = append(out, attRow(uint64(d.oid), j+1, c.name, c.t, d.kind == 'r', false))
		}
	}
	for _, t := range g.tables {
		for j, c := range t.Columns {
			ct := sqltype.T{OID: sqltype.OID(c.Type.OID), Typmod: c.Type.Typmod}
			r := attRow(uint64(t.ID), j+1, c.Name, ct, c.NotNull, c.Default != "")
			r["attidentity"] = c.Identity
			out = append(out, r)
		}
	}
	out = append(out, g.indexAttRows()...)
	return append(out, g.sequenceAttRows()...)
}

func (g *sysGen) pgRoles(table string) []sysRow {
	var out []sysRow
	for _, r := range g.roles {
		switch table {
		case "pg_user":
			out = append(out, sysRow{
				"usename": r.name, "usesysid": r.oid, "usecreatedb": true, "usesuper": r.super,
				"userepl": false, "usebypassrls": r.super, "passwd": "********",
			})
		default:
			row := sysRow{
				"oid": r.oid, "rolname": r.name, "rolsuper": r.super, "rolinherit": true,
				"rolcreaterole": r.super, "rolcreatedb": true, "rolcanlogin": true,
				"rolreplication": false, "rolconnlimit": r.connLimit, "rolbypassrls": r.super,
			}
			if table == "pg_roles" {
				row["rolpassword"] = "********" // pg_authid's verifier is never shown
			}
			out = append(out, row)
		}
	}
	return out
}

// extraSettings are read-only facts of the server that clients ask
// pg_settings for but never SET.
var extraSettings = map[string]string{
	"max_index_keys":     "32",
	"max_function_args":  "100",
	"segment_size":       "131072",
	"wal_block_size":     "8192",
	"data_checksums":     "on",
	"server_encoding":    "UTF8",
	"max_identifier_len": "63",
}

func (g *sysGen) pgSettings() []sysRow {
	ss := g.x.s.settings
	names := ss.names()
	seen := map[string]bool{}
	for _, n := range names {
		seen[n] = true
	}
	for n := range extraSettings {
		if !seen[n] {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	var out []sysRow
	for _, n := range names {
		v, ok := ss.get(n)
		s, known := settings[n]
		ctx := "user"
		if !ok {
			v, ctx = extraSettings[n], "internal"
		} else if known && s.readOnly {
			ctx = "internal"
		}
		def := v
		if known {
			def = s.def
		}
		out = append(out, sysRow{
			"name": displayName(n), "setting": v, "category": "Customized Options", "short_desc": "",
			"context": ctx, "vartype": settingType(def), "source": "default", "boot_val": def, "reset_val": def,
			"pending_restart": false,
		})
	}
	return out
}

// settingType guesses pg_settings.vartype from a value's form.
func settingType(v string) string {
	switch strings.ToLower(v) {
	case "on", "off", "true", "false":
		return "bool"
	}
	if _, err := strconv.ParseInt(v, 10, 64); err == nil {
		return "integer"
	}
	return "string"
}

func (g *sysGen) pgDescription() []sysRow {
	var out []sysRow
	for _, s := range g.schemas {
		if s.Comment != "" {
			out = append(out, sysRow{"objoid": uint64(s.ID), "classoid": oidPgNamespace, "objsubid": 0, "description": s.Comment})
		}
	}
	for _, t := range g.tables {
		if t.Comment != "" {
			out = append(out, sysRow{"objoid": uint64(t.ID), "classoid": oidPgClass, "objsubid": 0, "description": t.Comment})
		}
		for j, c := range t.Columns {
			if c.Comment != "" {
				out = append(out, sysRow{"objoid": uint64(t.ID), "classoid": oidPgClass, "objsubid": j + 1, "description": c.Comment})
			}
		}
	}
	return out
}

func (g *sysGen) pgShdescription() []sysRow {
	var out []sysRow
	for _, d := range g.dbs {
		if d.Comment != "" {
			out = append(out, sysRow{"objoid": uint64(d.ID), "classoid": oidPgDatabase, "description": d.Comment})
		}
	}
	for _, r := range g.roles {
		if r.comment != "" {
			out = append(out, sysRow{"objoid": r.oid, "classoid": oidPgAuthid, "description": r.comment})
		}
	}
	return out
}

// attrdefOID numbers column defaults apart from catalog IDs (which start
// at 16384 and grow by one per object): high in the oid space.
func attrdefOID(table catalog.TableID, attnum int) uint64 {
	return 1<<31 + (uint64(table)-16384)*1600 + uint64(attnum)
}

func (g *sysGen) pgAttrdef() []sysRow {
	var out []sysRow
	for _, t := range g.tables {
		for j, c := range t.Columns {
			if c.Default != "" {
				out = append(out, sysRow{"oid": attrdefOID(t.ID, j+1), "adrelid": uint64(t.ID), "adnum": j + 1, "adbin": deparseDefault(c.Default, sqltype.OID(c.Type.OID))})
			}
		}
	}
	return out
}

func (g *sysGen) pgTables() []sysRow {
	var out []sysRow
	for i := range sysTableDefs {
		d := &sysTableDefs[i]
		if d.kind == 'r' {
			out = append(out, sysRow{"schemaname": d.schema, "tablename": d.name, "tableowner": g.roleName(oidBootstrapRole)})
		}
	}
	for _, t := range g.tables {
		if !t.IsView() {
			out = append(out, sysRow{"schemaname": t.schema.Name, "tablename": t.Name, "tableowner": g.roleName(t.owner)})
		}
	}
	return out
}

func (g *sysGen) pgViews() []sysRow {
	var out []sysRow
	for i := range sysTableDefs {
		d := &sysTableDefs[i]
		if d.kind == 'v' {
			out = append(out, sysRow{"schemaname": d.schema, "viewname": d.name, "viewowner": g.roleName(oidBootstrapRole)})
		}
	}
	for _, t := range g.tables {
		if t.IsView() {
			out = append(out, sysRow{"schemaname": t.schema.Name, "viewname": t.Name, "viewowner": g.roleName(t.owner), "definition": g.viewDefinition(t.Table, false)})
		}
	}
	return out
}

func pgAmRows() []sysRow {
	return []sysRow{
		{"oid": 2, "amname": "heap", "amhandler": 3, "amtype": "t"},
		{"oid": 403, "amname": "btree", "amhandler": 330, "amtype": "i"},
		{"oid": 405, "amname": "hash", "amhandler": 331, "amtype": "i"},
		{"oid": 783, "amname": "gist", "amhandler": 332, "amtype": "i"},
		{"oid": 2742, "amname": "gin", "amhandler": 333, "amtype": "i"},
		{"oid": 4000, "amname": "spgist", "amhandler": 334, "amtype": "i"},
		{"oid": 3580, "amname": "brin", "amhandler": 335, "amtype": "i"},
	}
}

func pgCollationRows() []sysRow {
	row := func(oid int, name, provider string, coll any) sysRow {
		return sysRow{"oid": oid, "collname": name, "collnamespace": oidPgCatalog, "collowner": oidBootstrapRole,
			"collprovider": provider, "collisdeterministic": true, "collencoding": -1, "collcollate": coll, "collctype": coll}
	}
	return []sysRow{row(oidDefaultCollation, "default", "d", nil), row(oidCCollation, "C", "c", "C"), row(oidPOSIXCollation, "POSIX", "c", "POSIX")}
}

// deparseDefault writes a column default as pg_get_expr prints it: a
// string literal carries its cast to the column's type ('open'::text), as
// PostgreSQL's deparser writes a typed constant; other expressions are
// kept as written.
func deparseDefault(expr string, t sqltype.OID) string {
	tree, err := pg.Parse("SELECT " + expr)
	if err != nil || len(tree.Stmts) != 1 {
		return expr
	}
	sel := tree.Stmts[0].Stmt.GetSelectStmt()
	if sel == nil || len(sel.TargetList) != 1 {
		return expr
	}
	c := sel.TargetList[0].GetResTarget().GetVal().GetAConst()
	if c == nil || c.GetSval() == nil {
		return expr
	}
	name := sqltype.T{OID: t, Typmod: -1}.String()
	if t == sqltype.BPChar {
		name = "bpchar"
	}
	return "'" + strings.ReplaceAll(c.GetSval().GetSval(), "'", "''") + "'::" + name
}

// pgStatSSL is the session's own row: a session sees no other backend (as
// pg_stat_activity shows none), but clients ask whether theirs is encrypted
// with "WHERE pid = pg_backend_pid()".
func (g *sysGen) pgStatSSL() []sysRow {
	r := sysRow{"pid": int(g.x.s.pid), "ssl": false, "version": nil, "cipher": nil, "bits": nil,
		"client_dn": nil, "client_serial": nil, "issuer_dn": nil}
	if t := g.x.s.tls; t != nil {
		r["ssl"], r["version"], r["cipher"], r["bits"] = true, t.Version, t.Cipher, t.Bits
	}
	return []sysRow{r}
}

// persistence is pg_class.relpersistence of a table in schema.
func persistence(schema string) string {
	if catalog.IsTempSchema(schema) {
		return "t"
	}
	return "p"
}
