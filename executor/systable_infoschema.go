package executor

import (
	"strconv"

	"github.com/sharehouse/sharehouse/catalog"
	"github.com/sharehouse/sharehouse/executor/sqltype"
)

// information_schema: the SQL standard's views, computed from the same
// snapshot as pg_catalog. Views sharehouse has nothing for (routines,
// privileges …) are empty.

func yesNo(b bool) string {
	if b {
		return "YES"
	}
	return "NO"
}

// infoTable is a table as information_schema lists it.
type infoTable struct {
	schema, name string
	kind         byte
	cols         []infoColumn
	insertable   bool
	view         catalog.Table // the view, for its definition; zero for others
}

type infoColumn struct {
	name    string
	t       sqltype.T
	notNull bool
	def     string
	// identity is "a" or "d" for an identity column using sequence seq.
	identity string
	seq      catalog.SequenceID
}

// infoTables lists the system tables and then the database's own.
func (g *sysGen) infoTables() []infoTable {
	var out []infoTable
	for i := range sysTableDefs {
		d := &sysTableDefs[i]
		it := infoTable{schema: d.schema, name: d.name, kind: d.kind}
		for _, c := range d.cols {
			it.cols = append(it.cols, infoColumn{name: c.name, t: c.t, notNull: d.kind == 'r'})
		}
		out = append(out, it)
	}
	for _, t := range g.tables {
		it := infoTable{schema: t.schema.Name, name: t.Name, kind: 'r', insertable: t.Via == nil}
		if t.IsView() {
			it.kind, it.insertable, it.view = 'v', false, t.Table
		}
		for _, c := range t.Columns {
			it.cols = append(it.cols, infoColumn{name: c.Name, t: sqltype.T{OID: sqltype.OID(c.Type.OID), Typmod: c.Type.Typmod}, notNull: c.NotNull, def: c.Default,
				identity: c.Identity, seq: c.IdentitySeq})
		}
		out = append(out, it)
	}
	return out
}

func (g *sysGen) infoSchemaRows(def *sysTableDef) []sysRow {
	db := g.db
	switch def.name {
	case "information_schema_catalog_name":
		return []sysRow{{"catalog_name": db}}
	case "schemata":
		out := []sysRow{
			{"catalog_name": db, "schema_name": "pg_catalog", "schema_owner": g.roleName(oidBootstrapRole)},
			{"catalog_name": db, "schema_name": "information_schema", "schema_owner": g.roleName(oidBootstrapRole)},
		}
		for _, s := range g.schemas {
			out = append(out, sysRow{"catalog_name": db, "schema_name": s.Name, "schema_owner": g.roleName(uint64(g.cur.Tenant))})
		}
		return out
	case "enabled_roles":
		var out []sysRow
		for _, r := range g.roles {
			if r.oid == uint64(g.tx.Who().Tenant) || r.oid == uint64(g.tx.Who().Recipient) {
				out = append(out, sysRow{"role_name": r.name})
			}
		}
		return out
	case "tables":
		var out []sysRow
		for _, t := range g.infoTables() {
			typ := "BASE TABLE"
			if t.kind == 'v' {
				typ = "VIEW"
			} else if catalog.IsTempSchema(t.schema) {
				typ = "LOCAL TEMPORARY"
			}
			out = append(out, sysRow{
				"table_catalog": db, "table_schema": t.schema, "table_name": t.name, "table_type": typ,
				"is_insertable_into": yesNo(t.insertable), "is_typed": "NO",
			})
		}
		return out
	case "views":
		var out []sysRow
		for _, t := range g.infoTables() {
			if t.kind == 'v' {
				out = append(out, sysRow{
					"table_catalog": db, "table_schema": t.schema, "table_name": t.name, "check_option": "NONE",
					"view_definition": viewDefinitionOrNil(g, t.view),
					"is_updatable":    "NO", "is_insertable_into": "NO", "is_trigger_updatable": "NO",
					"is_trigger_deletable": "NO", "is_trigger_insertable_into": "NO",
				})
			}
		}
		return out
	case "columns":
		var out []sysRow
		for _, t := range g.infoTables() {
			for i, c := range t.cols {
				r := columnFacts(c.t)
				r["table_catalog"], r["table_schema"], r["table_name"] = db, t.schema, t.name
				r["column_name"], r["ordinal_position"] = c.name, i+1
				if c.def != "" {
					r["column_default"] = c.def
				}
				r["is_nullable"] = yesNo(!c.notNull)
				r["udt_catalog"], r["udt_schema"] = db, "pg_catalog"
				r["dtd_identifier"] = strconv.Itoa(i + 1)
				r["is_self_referencing"], r["is_identity"], r["is_generated"] = "NO", "NO", "NEVER"
				r["identity_cycle"] = "NO"
				g.identityFacts(r, c.identity, c.seq)
				r["is_updatable"] = yesNo(t.insertable)
				out = append(out, r)
			}
		}
		return out
	case "sequences":
		return g.infoSequences()
	case "table_constraints", "key_column_usage", "constraint_column_usage", "referential_constraints":
		return g.infoConstraints(def.name)
	}
	return nil
}

// columnFacts are information_schema.columns' type columns for t, as
// PostgreSQL's view computes them.
func columnFacts(t sqltype.T) sysRow {
	r := sysRow{"data_type": sqltype.T{OID: t.OID, Typmod: -1}.String(), "udt_name": pgTypeInfo(t.OID).name}
	switch t.OID {
	case sqltype.Varchar, sqltype.BPChar, sqltype.Text:
		if n, ok := t.CharLength(); ok {
			r["character_maximum_length"] = n
			r["character_octet_length"] = n * 4
		} else {
			r["character_octet_length"] = 1073741824
		}
	case sqltype.Int2:
		r["numeric_precision"], r["numeric_precision_radix"], r["numeric_scale"] = 16, 2, 0
	case sqltype.Int4:
		r["numeric_precision"], r["numeric_precision_radix"], r["numeric_scale"] = 32, 2, 0
	case sqltype.Int8:
		r["numeric_precision"], r["numeric_precision_radix"], r["numeric_scale"] = 64, 2, 0
	case sqltype.Float4:
		r["numeric_precision"], r["numeric_precision_radix"] = 24, 2
	case sqltype.Float8:
		r["numeric_precision"], r["numeric_precision_radix"] = 53, 2
	case sqltype.Numeric:
		r["numeric_precision_radix"] = 10
		if p, s, ok := t.NumericPrecisionScale(); ok {
			r["numeric_precision"], r["numeric_scale"] = p, s
		}
	case sqltype.Date:
		r["datetime_precision"] = 0
	case sqltype.Time, sqltype.Timestamp, sqltype.Timestamptz:
		p := 6
		if t.Typmod >= 0 {
			p = int(t.Typmod)
		}
		r["datetime_precision"] = p
	case sqltype.Interval:
		r["datetime_precision"] = 6
	}
	return r
}
