package catalog

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
)

// ForeignKey is a FOREIGN KEY constraint, kept on the referencing (child)
// table: its columns must match a row of RefTable's RefColumns, which are
// the columns of a primary key or UNIQUE constraint of RefTable. Actions
// and the match type use pg_constraint's letters: OnUpdate and OnDelete
// are 'a' (NO ACTION), 'r' (RESTRICT), 'c' (CASCADE), 'n' (SET NULL) or
// 'd' (SET DEFAULT); Match is 's' (SIMPLE) or 'f' (FULL).
type ForeignKey struct {
	Name       string   `json:"name"`
	Columns    []uint32 `json:"columns"`
	RefTable   TableID  `json:"ref_table"`
	RefColumns []uint32 `json:"ref_columns"`
	OnUpdate   string   `json:"on_update"`
	OnDelete   string   `json:"on_delete"`
	Match      string   `json:"match"`
	NotValid   bool     `json:"not_valid,omitempty"`
	// Deferrable constraints may be checked at COMMIT; Deferred ones are
	// unless SET CONSTRAINTS says otherwise (INITIALLY DEFERRED).
	Deferrable   bool   `json:"deferrable,omitempty"`
	Deferred     bool   `json:"deferred,omitempty"`
	ConstraintID uint64 `json:"constraint_id"`
}

// RefKey returns the key of parent (primary key, UNIQUE constraint or
// unique index) whose columns are cols in any order: the key a foreign
// key on cols relies on; nil without one.
func (t Table) RefKey(cols []uint32) *Key {
	same := func(k *Key) bool {
		if len(k.Columns) != len(cols) {
			return false
		}
		for _, c := range cols {
			if !slices.Contains(k.Columns, c) {
				return false
			}
		}
		return true
	}
	if t.PrimaryKey != nil && same(t.PrimaryKey) {
		return t.PrimaryKey
	}
	for _, k := range t.Uniques {
		if same(k) {
			return k
		}
	}
	for _, i := range t.Indexes {
		if i.Unique && i.Plain() && same(&i.Key) {
			return &i.Key
		}
	}
	return nil
}

// AddForeignKey adds fk to table ref (the caller has resolved and checked
// its columns); fk.Name "" gives PostgreSQL's default,
// <table>_<columns>_fkey, numbered when taken.
func (tx *Tx) AddForeignKey(ref TableRef, fk ForeignKey) (Table, error) {
	id, err := tx.nextID()
	if err != nil {
		return Table{}, err
	}
	fk.ConstraintID = id
	return tx.AlterTable(ref, func(t *Table) error {
		taken := t.ConstraintNames()
		if fk.Name == "" {
			fk.Name = ForeignKeyName(*t, fk.Columns)
		} else if slices.Contains(taken, fk.Name) {
			return &Error{Kind: Exists, Object: "constraint", Name: fk.Name,
				Detail: fmt.Sprintf("constraint %q for relation %q already exists", fk.Name, t.Name)}
		}
		t.ForeignKeys = append(t.ForeignKeys, &fk)
		return nil
	})
}

// ForeignKeyName is PostgreSQL's name for a foreign key of t on the
// columns with IDs cols: <table>_<columns>_fkey, numbered when taken.
func ForeignKeyName(t Table, cols []uint32) string {
	var names []string
	for _, p := range t.Positions(cols) {
		names = append(names, t.Columns[p-1].Name)
	}
	base := t.Name + "_" + strings.Join(names, "_") + "_fkey"
	name := base
	for n := 1; slices.Contains(t.ConstraintNames(), name); n++ {
		name = fmt.Sprintf("%s%d", base, n)
	}
	return name
}

// Reference is a foreign key with the table that holds it.
type Reference struct {
	Table Table
	Key   *ForeignKey
}

// ReferencesTo lists the foreign keys that reference table id (a table's
// own self-references included), by table ID then constraint name.
func (tx *Tx) ReferencesTo(id TableID) ([]Reference, error) {
	var out []Reference
	cur := tx.bucket(bucketTables).Cursor()
	for k, v := cur.First(); k != nil; k, v = cur.Next() {
		if !strings.Contains(string(v), `"foreign_keys"`) {
			continue // most tables reference nothing: skip decoding them
		}
		var t Table
		if err := json.Unmarshal(v, &t); err != nil {
			return nil, fmt.Errorf("catalog: corrupt record %q: %w", k, err)
		}
		for _, f := range t.ForeignKeys {
			if f.RefTable == id {
				out = append(out, Reference{Table: t, Key: f})
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Table.ID != out[j].Table.ID {
			return createdBefore(out[i].Table, out[j].Table)
		}
		return out[i].Key.Name < out[j].Key.Name
	})
	return out, nil
}

// TableByID returns the table with ID id as its owner sees it.
func (tx *Tx) TableByID(id TableID) (Table, bool, error) {
	var t Table
	ok, err := tx.byID(uint64(id), &t)
	return t, ok, err
}

// foreignDependents are the lines of a dependency error or notice for the
// foreign keys of other tables (not in skip) that reference t, and those
// keys.
func (tx *Tx) foreignDependents(t Table, skip map[TableID]bool) ([]string, []Reference, error) {
	refs, err := tx.ReferencesTo(t.ID)
	if err != nil {
		return nil, nil, err
	}
	var lines []string
	var out []Reference
	for _, r := range refs {
		if r.Table.ID == t.ID || skip[r.Table.ID] {
			continue
		}
		lines = append(lines, fmt.Sprintf("constraint %s on table %s depends on table %s", r.Key.Name, tx.displayName(r.Table), tx.displayName(t)))
		out = append(out, r)
	}
	return lines, out, nil
}

// DropForeignKeys removes the given foreign keys from their tables: what
// DROP … CASCADE of what they rely on takes along.
func (tx *Tx) DropForeignKeys(refs []Reference) error {
	if err := tx.requireWritable(); err != nil {
		return err
	}
	return tx.dropForeignKeys(refs)
}

// dropForeignKeys removes the given foreign keys from their tables.
func (tx *Tx) dropForeignKeys(refs []Reference) error {
	for _, r := range refs {
		var t Table
		if ok, err := get(tx.bucket(bucketTables), key(uint64(r.Table.Schema), r.Table.Name), &t); err != nil || !ok {
			return err
		}
		t.ForeignKeys = slices.DeleteFunc(t.ForeignKeys, func(f *ForeignKey) bool { return f.ConstraintID == r.Key.ConstraintID })
		if err := put(tx.bucket(bucketTables), key(uint64(t.Schema), t.Name), t); err != nil {
			return err
		}
	}
	return nil
}

// keptReferences fails when a change of parent t (to changed) leaves a
// foreign key of another table without its referenced columns or the key
// it relies on: dropping such a column or constraint needs CASCADE in
// PostgreSQL, which sharehouse does not offer here.
func (tx *Tx) keptReferences(t, changed Table) error {
	refs, err := tx.ReferencesTo(t.ID)
	if err != nil {
		return err
	}
	for _, r := range refs {
		if r.Table.ID == t.ID {
			continue // self-references are the table's own, checked on it
		}
		for _, id := range r.Key.RefColumns {
			if len(changed.Positions([]uint32{id})) > 0 {
				continue
			}
			col := t.Columns[t.Positions([]uint32{id})[0]-1].Name
			return &Error{Kind: InUse, Object: "column", Name: col,
				Detail: fmt.Sprintf("cannot drop column %s of table %s because other objects depend on it", col, tx.displayName(t)),
				More:   fmt.Sprintf("constraint %s on table %s depends on column %s of table %s", r.Key.Name, tx.displayName(r.Table), col, tx.displayName(t)),
				Hint:   "Use DROP ... CASCADE to drop the dependent objects too."}
		}
		if old := t.RefKey(r.Key.RefColumns); old != nil && changed.RefKey(r.Key.RefColumns) == nil {
			return &Error{Kind: InUse, Object: "constraint", Name: old.Name,
				Detail: fmt.Sprintf("cannot drop constraint %s on table %s because other objects depend on it", old.Name, tx.displayName(t)),
				More:   fmt.Sprintf("constraint %s on table %s depends on index %s", r.Key.Name, tx.displayName(r.Table), old.Name),
				Hint:   "Use DROP ... CASCADE to drop the dependent objects too."}
		}
	}
	return nil
}

// RenameConstraint renames table ref's constraint old (a primary key's or
// UNIQUE constraint's index goes along, as in PostgreSQL).
func (tx *Tx) RenameConstraint(ref TableRef, old, name string) (Table, error) {
	return tx.AlterTable(ref, func(t *Table) error {
		if slices.Contains(t.ConstraintNames(), name) {
			return &Error{Kind: Exists, Object: "constraint", Name: name,
				Detail: fmt.Sprintf("constraint %q for relation %q already exists", name, t.Name)}
		}
		for _, k := range append([]*Key{t.PrimaryKey}, t.Uniques...) {
			if k != nil && k.Name == old {
				k.Name = name
				return nil
			}
		}
		for _, c := range t.Checks {
			if c.Name == old {
				c.Name = name
				return nil
			}
		}
		for _, f := range t.ForeignKeys {
			if f.Name == old {
				f.Name = name
				return nil
			}
		}
		return notFound("constraint", old)
	})
}

// SetForeignKey replaces table ref's foreign key called name with what fn
// makes of it; a constraint of another kind is WrongType.
func (tx *Tx) SetForeignKey(ref TableRef, name string, fn func(*ForeignKey) error) (Table, error) {
	return tx.AlterTable(ref, func(t *Table) error {
		for i, f := range t.ForeignKeys {
			if f.Name == name {
				c := *f
				if err := fn(&c); err != nil {
					return err
				}
				t.ForeignKeys[i] = &c
				return nil
			}
		}
		if slices.Contains(t.ConstraintNames(), name) {
			return &Error{Kind: WrongType, Object: "constraint", Name: name,
				Detail: fmt.Sprintf("constraint %q of relation %q is not a foreign key constraint", name, t.Name)}
		}
		return notFound("constraint", name)
	})
}
