package executor

import (
	"strings"

	"github.com/sharehouse/sharehouse/catalog"
	"github.com/sharehouse/sharehouse/executor/sqltype"
)

// Views in pg_catalog: pg_class rows of relkind 'v' and their _RETURN rule
// in pg_rewrite, as PostgreSQL 15 lists them; pg_get_viewdef.

// viewClassRow is view t's pg_class row: no storage, no access method.
func viewClassRow(t sysTable) sysRow {
	return sysRow{
		"oid": uint64(t.ID), "relname": t.Name, "relnamespace": uint64(t.schema.ID), "relowner": t.owner,
		"relam": 0, "relfilenode": 0, "relpages": 0, "reltuples": -1,
		"relpersistence": persistence(t.schema.Name), "relkind": "v", "relnatts": len(t.Columns), "relreplident": "n",
		"relhasrules": true, "relispopulated": true, "relfrozenxid": 0, "relminmxid": 0,
	}
}

// viewRuleOID is the OID of view id's _RETURN rule: above table IDs and
// below the attribute-default OIDs.
func viewRuleOID(id catalog.TableID) uint64 { return 1<<30 + uint64(id) }

// oidPgRewrite is pg_rewrite's OID, pg_depend's classid of rules.
const oidPgRewrite = 2618

func (g *sysGen) pgRewrite() []sysRow {
	var out []sysRow
	for _, t := range g.tables {
		if t.IsView() {
			out = append(out, sysRow{
				"oid": viewRuleOID(t.ID), "rulename": "_RETURN", "ev_class": uint64(t.ID), "ev_type": "1",
				"ev_enabled": "O", "is_instead": true, "ev_qual": "<>", "ev_action": t.View.Query,
			})
		}
	}
	return out
}

// viewDepends are the pg_depend rows of views: each _RETURN rule belongs
// to its view ('i') and reads the relations of the view's query ('n'),
// which tools join through pg_rewrite to find a table's views. PostgreSQL
// lists each column read; sharehouse knows the relations (refobjsubid 0).
func (g *sysGen) viewDepends() []sysRow {
	var out []sysRow
	row := func(rule, ref uint64, dep string) sysRow {
		return sysRow{"classid": oidPgRewrite, "objid": rule, "objsubid": 0, "refclassid": oidPgClass,
			"refobjid": ref, "refobjsubid": 0, "deptype": dep}
	}
	for _, t := range g.tables {
		if !t.IsView() {
			continue
		}
		rule := viewRuleOID(t.ID)
		out = append(out, row(rule, uint64(t.ID), "i"))
		for _, d := range t.View.Deps {
			out = append(out, row(rule, uint64(d), "n"))
		}
	}
	return out
}

// viewDefinitionOrNil is information_schema.views.view_definition.
func viewDefinitionOrNil(g *sysGen, v catalog.Table) any {
	if !v.IsView() {
		return nil
	}
	return g.viewDefinition(v, false)
}

// bindViewdef binds pg_get_viewdef(oid [, pretty bool | wrap int]) and
// pg_get_viewdef(name text [, pretty]); NULL for what is no view. The
// definitions are printed at bind time: the catalog snapshot ends there.
func (b *binder) bindViewdef(args []Expr, loc int32) (Expr, bool, error) {
	n := len(args)
	if n < 1 || n > 2 {
		return nil, false, nil
	}
	g, err := b.catalogGen()
	if err != nil {
		return nil, true, err
	}
	plain, pretty := map[uint64]string{}, map[uint64]string{}
	byName := map[string]uint64{}
	vis := g.visibleNames()
	for _, t := range g.tables {
		if !t.IsView() {
			continue
		}
		plain[uint64(t.ID)] = g.viewDefinition(t.Table, false)
		pretty[uint64(t.ID)] = g.viewDefinition(t.Table, true)
		byName[t.schema.Name+"."+t.Name] = uint64(t.ID)
		if vis[t.Name] == t.schema.Name {
			byName[t.Name] = uint64(t.ID)
		}
	}
	def := func(oid uint64, p bool) any {
		m := plain
		if p {
			m = pretty
		}
		if s, ok := m[oid]; ok {
			return s
		}
		return nil
	}
	first := tOid
	if t := args[0].Type().OID; t == sqltype.Text || t == sqltype.Varchar || t == sqltype.Unknown {
		first = tText
	}
	second := tBool
	if n == 2 && args[1].Type().OID != sqltype.Bool && args[1].Type().OID != sqltype.Unknown {
		second = tInt4 // a wrap column: pretty printing
	}
	params := []sqltype.T{first, second}[:n]
	e, err := b.catCall("pg_get_viewdef", args, params, tText, true, func(a []any) (any, error) {
		p := n == 2 && (second == tInt4 || a[1] == true)
		if first == tText {
			name := strings.ToLower(argStr(a[0]))
			oid, ok := byName[name]
			if !ok {
				return nil, nil
			}
			return def(oid, p), nil
		}
		return def(uint64(argInt(a[0])), p), nil
	}, loc)
	return e, true, err
}
