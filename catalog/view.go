package catalog

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// ViewDef makes a Table a view: a stored query instead of data. The view
// shares the tables' namespace and ID space (its ID is its pg_class OID)
// and has no storage. The catalog keeps the query as text it does not
// read: the executor wrote it with every table name qualified, so it
// means the same whatever the reader's search_path.
type ViewDef struct {
	Query string `json:"query"`
	// Deps are the tables and views of the same tenant the query reads:
	// dropping one of them needs CASCADE, which drops the view too.
	// Tables read through a share are not listed: the provider may drop
	// them, and the view then fails to read, as after a revoke.
	Deps []TableID `json:"deps,omitempty"`
}

// IsView reports whether t is a view.
func (t Table) IsView() bool { return t.View != nil }

// CreateView creates view ref with columns cols (names and types of the
// query's result), or, with replace, redefines an existing view in place
// (same ID, so grants and pg_class OIDs stay); the caller has checked that
// the new columns extend the old ones as PostgreSQL requires.
func (tx *Tx) CreateView(ref TableRef, cols []Column, def ViewDef, comment string, replace bool) (Table, error) {
	if err := tx.requireWritable(); err != nil {
		return Table{}, err
	}
	if err := validName("view", ref.Name); err != nil {
		return Table{}, err
	}
	if err := tx.requireOwnDatabase(ref.Database, "create a view"); err != nil {
		return Table{}, err
	}
	s, err := tx.Schema(ref.Database, ref.Schema)
	if err != nil {
		return Table{}, err
	}
	v := Table{Database: s.Database, Schema: s.ID, Name: ref.Name, Comment: comment, Created: tx.Now().UTC(), View: &def}
	if old, err := tx.tableIn(s.ID, ref.Name); err == nil {
		if !replace {
			return Table{}, exists("table", ref.Name)
		}
		if !old.IsView() {
			return Table{}, notView(old)
		}
		v.ID, v.Comment, v.Created = old.ID, old.Comment, old.Created
		for _, d := range def.Deps {
			if d == old.ID {
				return Table{}, &Error{Kind: Invalid, Object: "view", Name: ref.Name,
					Detail: fmt.Sprintf("infinite recursion detected in rules for relation %q", ref.Name)}
			}
		}
	} else {
		if tx.relationTaken(s.ID, ref.Name) { // a sequence
			return Table{}, exists("table", ref.Name)
		}
		id, err := tx.nextID()
		if err != nil {
			return Table{}, err
		}
		v.ID = TableID(id)
		if err := tx.indexID(id, bucketTables, key(uint64(s.ID), v.Name)); err != nil {
			return Table{}, err
		}
	}
	seen := map[string]bool{}
	for _, c := range cols {
		if seen[c.Name] {
			return Table{}, &Error{Kind: Exists, Object: "column", Name: c.Name,
				Detail: fmt.Sprintf("column %q specified more than once", c.Name)}
		}
		seen[c.Name] = true
		v.NextColumn++
		c.ID = v.NextColumn
		v.Columns = append(v.Columns, c)
	}
	return v, put(tx.bucket(bucketTables), key(uint64(s.ID), v.Name), v)
}

// DropView drops view ref. Views that read it make it InUse unless
// cascade, which drops them too; dropped lists what went, as
// "view schema.name" for NOTICEs.
func (tx *Tx) DropView(ref TableRef, cascade bool) (dropped []string, err error) {
	if err := tx.requireWritable(); err != nil {
		return nil, err
	}
	v, err := tx.Table(ref)
	if err != nil {
		return nil, err
	}
	if err := v.writable("DROP"); err != nil {
		return nil, err
	}
	if !v.IsView() {
		return nil, &Error{Kind: WrongType, Object: "view", Name: v.Name,
			Detail: fmt.Sprintf("%q is not a view", v.Name), Hint: "Use DROP TABLE to remove a table."}
	}
	return tx.dropRelation(v, cascade)
}

// dropRelation drops table or view t after the views that depend on it,
// directly or through other views: without cascade their existence is
// InUse. Both name them depth-first, as PostgreSQL's messages do.
func (tx *Tx) dropRelation(t Table, cascade bool, together ...TableID) ([]string, error) {
	var lines, dropped []string
	var views []Table
	seen := map[TableID]bool{}
	var walk func(t Table) error
	walk = func(t Table) error {
		deps, err := tx.dependents(t.ID)
		if err != nil {
			return err
		}
		for _, d := range deps {
			if seen[d.ID] {
				continue
			}
			seen[d.ID] = true
			lines = append(lines, fmt.Sprintf("view %s depends on %s %s", tx.displayName(d), relKind(t), tx.displayName(t)))
			dropped = append(dropped, "view "+tx.displayName(d))
			views = append(views, d)
			if err := walk(d); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(t); err != nil {
		return nil, err
	}
	skip := map[TableID]bool{}
	for _, id := range together {
		skip[id] = true
	}
	for _, v := range views {
		skip[v.ID] = true
	}
	fkLines, refs, err := tx.foreignDependents(t, skip)
	if err != nil {
		return nil, err
	}
	lines = append(lines, fkLines...)
	for _, r := range refs {
		dropped = append(dropped, fmt.Sprintf("constraint %s on table %s", r.Key.Name, tx.displayName(r.Table)))
	}
	if len(lines) > 0 && !cascade {
		return nil, &Error{Kind: InUse, Object: relKind(t), Name: t.Name,
			Detail: fmt.Sprintf("cannot drop %s %s because other objects depend on it", relKind(t), tx.displayName(t)),
			More:   strings.Join(lines, "\n"), Hint: "Use DROP ... CASCADE to drop the dependent objects too."}
	}
	for _, v := range views {
		if err := tx.dropTable(v); err != nil {
			return nil, err
		}
	}
	if err := tx.dropForeignKeys(refs); err != nil {
		return nil, err
	}
	return dropped, tx.dropTable(t)
}

func relKind(t Table) string {
	if t.IsView() {
		return "view"
	}
	return "table"
}

// dependents lists the views whose query reads t, by name.
func (tx *Tx) dependents(id TableID) ([]Table, error) {
	var out []Table
	cur := tx.bucket(bucketTables).Cursor()
	for k, v := cur.First(); k != nil; k, v = cur.Next() {
		var t Table
		if err := json.Unmarshal(v, &t); err != nil {
			return nil, fmt.Errorf("catalog: corrupt record %q: %w", k, err)
		}
		if !t.IsView() {
			continue
		}
		for _, d := range t.View.Deps {
			if d == id && t.ID != id {
				out = append(out, t)
				break
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return createdBefore(out[i], out[j]) })
	return out, nil
}

// displayName names t as PostgreSQL's dependency messages do: schema.name,
// without the schema when it is public.
func (tx *Tx) displayName(t Table) string {
	var s Schema
	if ok, _ := tx.byID(uint64(t.Schema), &s); ok && s.Name != DefaultSchema {
		return s.Name + "." + t.Name
	}
	return t.Name
}

func notView(t Table) error {
	return &Error{Kind: WrongType, Object: "view", Name: t.Name, Detail: fmt.Sprintf("%q is not a view", t.Name)}
}

// notTable is the error for a table-only action on view t.
func notTable(t Table, hint string) error {
	return &Error{Kind: WrongType, Object: "table", Name: t.Name, Detail: fmt.Sprintf("%q is not a table", t.Name), Hint: hint}
}

// viewWrite is the error for writing rows into view t: PostgreSQL updates
// simple views through them; sharehouse does not yet.
func viewWrite(t Table, action string) error {
	msg := fmt.Sprintf("cannot %s view %q", strings.ToLower(action), t.Name)
	switch action {
	case "modify":
		msg = fmt.Sprintf("cannot update view %q", t.Name)
	case "TRUNCATE":
		return notTable(t, "")
	case "COPY into":
		msg = fmt.Sprintf("cannot copy to view %q", t.Name)
	}
	return &Error{Kind: WrongType, Object: "view", Name: t.Name, Detail: msg,
		More: "Views are read-only in sharehouse: they are not automatically updatable yet."}
}

// Dependents lists the views that read table or view t, for the executor
// to rewrite their queries when t is renamed.
func (tx *Tx) Dependents(t Table) ([]Table, error) { return tx.dependents(t.ID) }

// SetViewQuery replaces the stored query text of view v (same columns):
// a rename of something it reads rewrites it.
func (tx *Tx) SetViewQuery(v Table, query string) error {
	if err := tx.requireWritable(); err != nil {
		return err
	}
	cur, err := tx.tableIn(v.Schema, v.Name)
	if err != nil {
		return err
	}
	if !cur.IsView() {
		return notView(cur)
	}
	cur.View.Query = query
	return put(tx.bucket(bucketTables), key(uint64(cur.Schema), cur.Name), cur)
}

// DropViewAndDependents drops view v (as Dependents returned it) and the
// views that read it: ALTER TABLE … DROP COLUMN … CASCADE of a column it
// uses. dropped names them all for the NOTICE, v first.
func (tx *Tx) DropViewAndDependents(v Table) (dropped []string, err error) {
	if err := tx.requireWritable(); err != nil {
		return nil, err
	}
	cur, err := tx.tableIn(v.Schema, v.Name)
	if err != nil || !cur.IsView() {
		return nil, err // gone already, with another dependent
	}
	if dropped, err = tx.dropRelation(cur, true); err != nil {
		return nil, err
	}
	return append([]string{"view " + tx.displayName(cur)}, dropped...), nil
}
