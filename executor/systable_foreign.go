package executor

import (
	"strconv"
	"strings"

	"github.com/sharehouse/sharehouse/catalog"
)

// Foreign keys in pg_catalog and information_schema, as PostgreSQL 15
// lists them: a pg_constraint row of type 'f' on the referencing table
// whose conindid is the referenced key's index (pgjdbc's getImportedKeys
// joins it), and pg_get_constraintdef's text (psql's \d, SQLAlchemy).
// A foreign key is listed only when both of its tables are visible: a
// consumer of a shared table sees none that names a table it cannot see.

// sysFK is a visible foreign key with its two tables.
type sysFK struct {
	child, parent *sysTable
	fk            *catalog.ForeignKey
	key           *catalog.Key // the parent's key it relies on
}

func (g *sysGen) foreignKeys() []sysFK {
	if g.fks == nil {
		if err := g.load(); err != nil {
			return nil
		}
		g.fks = g.loadForeignKeys()
	}
	return g.fks
}

func (g *sysGen) loadForeignKeys() []sysFK {
	byID := map[catalog.TableID]*sysTable{}
	for i := range g.tables {
		byID[g.tables[i].ID] = &g.tables[i]
	}
	out := []sysFK{} // not nil: computed
	for i := range g.tables {
		t := &g.tables[i]
		for _, fk := range t.ForeignKeys {
			p, ok := byID[fk.RefTable]
			if !ok {
				continue // its parent is not visible here: nor is it
			}
			if k := p.RefKey(fk.RefColumns); k != nil {
				out = append(out, sysFK{child: t, parent: p, fk: fk, key: k})
			}
		}
	}
	return out
}

// hasTriggers is pg_class.relhastriggers: PostgreSQL enforces foreign
// keys with triggers on both tables, and psql's \d lists foreign keys only
// for tables that have them.
func (g *sysGen) hasTriggers() map[catalog.TableID]bool {
	out := map[catalog.TableID]bool{}
	for _, f := range g.foreignKeys() {
		out[f.child.ID], out[f.parent.ID] = true, true
	}
	return out
}

func (f sysFK) constraintDef(g *sysGen) string {
	if g.fkVis == nil {
		g.fkVis, _ = g.visibleTables()
	}
	return foreignKeyDef(f.child.Table, f.parent.Table, g.relationName(uint32(f.parent.ID), g.fkVis), f.fk)
}

func intArray(vals []int) string {
	s := make([]string, len(vals))
	for i, v := range vals {
		s[i] = strconv.Itoa(v)
	}
	return "{" + strings.Join(s, ",") + "}"
}

func (g *sysGen) fkConstraintRows() []sysRow {
	var out []sysRow
	for _, f := range g.foreignKeys() {
		out = append(out, sysRow{
			"oid": f.fk.ConstraintID, "conname": f.fk.Name,
			"connamespace": uint64(f.child.schema.ID), "contype": "f", "convalidated": !f.fk.NotValid,
			"conrelid": uint64(f.child.ID), "conindid": f.key.IndexID, "confrelid": uint64(f.parent.ID),
			"confupdtype": f.fk.OnUpdate, "confdeltype": f.fk.OnDelete, "confmatchtype": f.fk.Match,
			"conislocal": true, "connoinherit": true, "condeferrable": f.fk.Deferrable, "condeferred": f.fk.Deferred,
			"conkey": intArray(f.child.Positions(f.fk.Columns)), "confkey": intArray(f.parent.Positions(f.fk.RefColumns)),
		})
	}
	return out
}

// fkByConstraint finds the visible foreign key whose constraint has OID oid.
func (g *sysGen) fkByConstraint(oid uint64) (sysFK, bool) {
	for _, f := range g.foreignKeys() {
		if f.fk.ConstraintID == oid {
			return f, true
		}
	}
	return sysFK{}, false
}

// infoConstraints are the information_schema rows of table_constraints,
// key_column_usage, referential_constraints and constraint_column_usage
// for primary keys, UNIQUE constraints and foreign keys (and CHECK
// constraints in table_constraints).
func (g *sysGen) infoConstraints(view string) []sysRow {
	db := g.db
	var out []sysRow
	tc := func(t *sysTable, name, typ string, deferrable, deferred bool) {
		r := sysRow{"constraint_catalog": db, "constraint_schema": t.schema.Name, "constraint_name": name,
			"table_catalog": db, "table_schema": t.schema.Name, "table_name": t.Name, "constraint_type": typ,
			"is_deferrable": yesNo(deferrable), "initially_deferred": yesNo(deferred), "enforced": "YES"}
		if typ == "UNIQUE" {
			r["nulls_distinct"] = "YES"
		}
		out = append(out, r)
	}
	kcu := func(t *sysTable, name string, cols []int, unique []int) {
		for i, n := range cols {
			r := sysRow{"constraint_catalog": db, "constraint_schema": t.schema.Name, "constraint_name": name,
				"table_catalog": db, "table_schema": t.schema.Name, "table_name": t.Name,
				"column_name": t.Columns[n-1].Name, "ordinal_position": i + 1}
			if unique != nil {
				r["position_in_unique_constraint"] = unique[i]
			}
			out = append(out, r)
		}
	}
	ccu := func(t *sysTable, name string, cols []int, owner *sysTable) {
		for _, n := range cols {
			out = append(out, sysRow{"table_catalog": db, "table_schema": t.schema.Name, "table_name": t.Name,
				"column_name": t.Columns[n-1].Name, "constraint_catalog": db, "constraint_schema": owner.schema.Name, "constraint_name": name})
		}
	}
	for _, k := range g.keys() {
		if k.index {
			continue
		}
		typ := "UNIQUE"
		if k.primary {
			typ = "PRIMARY KEY"
		}
		switch view {
		case "table_constraints":
			tc(k.table, k.key.Name, typ, false, false)
		case "key_column_usage":
			kcu(k.table, k.key.Name, k.cols, nil)
		case "constraint_column_usage":
			ccu(k.table, k.key.Name, k.cols, k.table)
		}
	}
	if view == "table_constraints" {
		for _, c := range g.checks() {
			tc(c.table, c.check.Name, "CHECK", false, false)
		}
	}
	for _, f := range g.foreignKeys() {
		switch view {
		case "table_constraints":
			tc(f.child, f.fk.Name, "FOREIGN KEY", f.fk.Deferrable, f.fk.Deferred)
		case "key_column_usage":
			// position_in_unique_constraint: where each referenced column
			// stands in the key the constraint relies on.
			var unique []int
			for _, c := range f.fk.RefColumns {
				for j, kc := range f.key.Columns {
					if kc == c {
						unique = append(unique, j+1)
					}
				}
			}
			kcu(f.child, f.fk.Name, f.child.Positions(f.fk.Columns), unique)
		case "constraint_column_usage":
			ccu(f.parent, f.fk.Name, f.parent.Positions(f.fk.RefColumns), f.child)
		case "referential_constraints":
			match := "NONE"
			if f.fk.Match == "f" {
				match = "FULL"
			}
			out = append(out, sysRow{"constraint_catalog": db, "constraint_schema": f.child.schema.Name, "constraint_name": f.fk.Name,
				"unique_constraint_catalog": db, "unique_constraint_schema": f.parent.schema.Name, "unique_constraint_name": f.key.Name,
				"match_option": match, "update_rule": fkAction(f.fk.OnUpdate), "delete_rule": fkAction(f.fk.OnDelete)})
		}
	}
	return out
}
