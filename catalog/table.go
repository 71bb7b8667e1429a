package catalog

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/sharehouse/sharehouse/storage"
)

// TableID identifies a table; it is also its pg_class OID and its storage ID.
type TableID uint64

// ColumnType is a column's SQL type as PostgreSQL names it: a type OID and
// a type modifier. The catalog stores it; the executor gives it meaning.
type ColumnType struct {
	OID    uint32 `json:"oid"`
	Typmod int32  `json:"typmod"`
}

// Column is one column of a table. ID is stable for the column's life: data
// files name their fields by it, so renaming a column rewrites nothing and a
// dropped column's data is simply never read again.
type Column struct {
	ID      uint32     `json:"id"`
	Name    string     `json:"name"`
	Type    ColumnType `json:"type"`
	NotNull bool       `json:"not_null,omitempty"`
	Default string     `json:"default,omitempty"` // SQL expression text, "" for none
	Comment string     `json:"comment,omitempty"`
	// Identity is "a" for GENERATED ALWAYS AS IDENTITY, "d" for BY
	// DEFAULT, "" for an ordinary column; IdentitySeq is its sequence.
	// (A serial column is an ordinary one whose default calls nextval.)
	Identity    string     `json:"identity,omitempty"`
	IdentitySeq SequenceID `json:"identity_seq,omitempty"`
}

// Field returns the name data files use for the column.
func (c Column) Field() string { return fmt.Sprintf("c%d", c.ID) }

// Table is a table's definition at one point of time.
type Table struct {
	ID         TableID    `json:"id"`
	Database   DatabaseID `json:"database"`
	Schema     SchemaID   `json:"schema"`
	Name       string     `json:"name"`
	Columns    []Column   `json:"columns"`
	NextColumn uint32     `json:"next_column"`
	Comment    string     `json:"comment,omitempty"`
	Created    time.Time  `json:"created"`
	// PrimaryKey is the declared primary key, nil without one. Its
	// columns are NOT NULL; the executor enforces its uniqueness.
	PrimaryKey *Key `json:"primary_key,omitempty"`
	// View is set when the relation is a view (view.go): no data.
	View *ViewDef `json:"view,omitempty"`
	// Uniques are the UNIQUE constraints, enforced like the primary key
	// (rows with a NULL in the key never conflict).
	Uniques []*Key `json:"uniques,omitempty"`
	// Checks are the CHECK constraints.
	Checks []*Check `json:"checks,omitempty"`
	// Indexes are the indexes made by CREATE INDEX (index.go).
	Indexes []*Index `json:"indexes,omitempty"`
	// ForeignKeys are the FOREIGN KEY constraints of this (referencing)
	// table (foreign.go).
	ForeignKeys []*ForeignKey `json:"foreign_keys,omitempty"`
	// Via is set when the table is read through a share: read-only.
	Via *ShareVia `json:"-"`
}

// Column returns the column called name.
func (t Table) Column(name string) (Column, int, bool) {
	for i, c := range t.Columns {
		if c.Name == name {
			return c, i, true
		}
	}
	return Column{}, -1, false
}

// Key is a table's primary key: its constraint name, its columns (IDs, in
// key order) and the object IDs its index and constraint are listed under
// in pg_catalog.
type Key struct {
	Name         string   `json:"name"`
	Columns      []uint32 `json:"columns"`
	IndexID      uint64   `json:"index_id"`
	ConstraintID uint64   `json:"constraint_id"`
}

// KeyPositions returns the 1-based positions of the primary key's columns
// in t.
func (t Table) KeyPositions() []int {
	if t.PrimaryKey == nil {
		return nil
	}
	return t.Positions(t.PrimaryKey.Columns)
}

// Positions returns the 1-based positions in t of the columns with the
// given IDs, skipping IDs of dropped columns.
func (t Table) Positions(ids []uint32) []int {
	out := make([]int, 0, len(ids))
	for _, id := range ids {
		for i, c := range t.Columns {
			if c.ID == id {
				out = append(out, i+1)
			}
		}
	}
	return out
}

// Check is a CHECK constraint. Expr is its SQL text with every column
// written as its Field name (c<ID>), so renaming a column leaves it valid;
// Columns are the IDs of the columns it reads.
type Check struct {
	Name         string   `json:"name"`
	Expr         string   `json:"expr"`
	Columns      []uint32 `json:"columns"`
	ConstraintID uint64   `json:"constraint_id"`
}

// ConstraintNames lists the names of t's constraints.
func (t Table) ConstraintNames() []string {
	var out []string
	if t.PrimaryKey != nil {
		out = append(out, t.PrimaryKey.Name)
	}
	for _, k := range t.Uniques {
		out = append(out, k.Name)
	}
	for _, c := range t.Checks {
		out = append(out, c.Name)
	}
	for _, f := range t.ForeignKeys {
		out = append(out, f.Name)
	}
	return out
}

// TableRef names a table by database, schema and name.
type TableRef struct{ Database, Schema, Name string }

func (r TableRef) String() string { return r.Schema + "." + r.Name }

// Table resolves ref for the principal.
func (tx *Tx) Table(ref TableRef) (Table, error) {
	if ref.Database == AuditDatabase && ref.Schema == AuditSchema && ref.Name == AuditTable && tx.who.Tenant != 0 {
		var t Tenant
		if ok, err := tx.byID(uint64(tx.who.Tenant), &t); err != nil || !ok {
			return Table{}, notFound("table", ref.Name)
		}
		return auditTableOf(t), nil
	}
	d, err := tx.Database(ref.Database)
	if err != nil {
		return Table{}, err
	}
	if d.Mount != 0 {
		tables, err := tx.sharedTables(d, ref.Schema)
		if err != nil {
			return Table{}, err
		}
		for _, t := range tables {
			if t.Name == ref.Name {
				return t, nil
			}
		}
		return Table{}, notFound("table", ref.Name)
	}
	s, err := tx.schemaIn(d.ID, ref.Schema)
	if err != nil {
		return Table{}, err
	}
	return tx.tableIn(s.ID, ref.Name)
}

func (tx *Tx) tableIn(schema SchemaID, name string) (Table, error) {
	var t Table
	ok, err := get(tx.bucket(bucketTables), key(uint64(schema), name), &t)
	if err != nil {
		return Table{}, err
	}
	if !ok {
		return Table{}, notFound("table", name)
	}
	return t, nil
}

// Tables lists the tables of schema db.schema by name.
func (tx *Tx) Tables(db, schema string) ([]Table, error) {
	if d, err := tx.Database(db); err == nil && d.Mount != 0 {
		return tx.sharedTables(d, schema)
	}
	s, err := tx.Schema(db, schema)
	if err != nil {
		return nil, err
	}
	return tx.tablesIn(s.ID)
}

func (tx *Tx) tablesIn(schema SchemaID) ([]Table, error) {
	var out []Table
	err := each(tx.bucket(bucketTables), uint64(schema), func(t Table) error {
		out = append(out, t)
		return nil
	})
	return out, err
}

// CreateTable creates an empty table; column IDs are assigned here.
func (tx *Tx) CreateTable(ref TableRef, cols []Column, comment string) (Table, error) {
	if err := tx.requireWritable(); err != nil {
		return Table{}, err
	}
	if err := validName("table", ref.Name); err != nil {
		return Table{}, err
	}
	if err := tx.requireOwnDatabase(ref.Database, "create a table"); err != nil {
		return Table{}, err
	}
	s, err := tx.Schema(ref.Database, ref.Schema)
	if err != nil {
		return Table{}, err
	}
	if tx.relationTaken(s.ID, ref.Name) {
		return Table{}, exists("table", ref.Name)
	}
	seen := map[string]bool{}
	t := Table{Database: s.Database, Schema: s.ID, Name: ref.Name, Comment: comment, Created: tx.Now().UTC()}
	for _, c := range cols {
		if seen[c.Name] {
			return Table{}, &Error{Kind: Exists, Object: "column", Name: c.Name,
				Detail: fmt.Sprintf("column %q specified more than once", c.Name)}
		}
		seen[c.Name] = true
		t.NextColumn++
		c.ID = t.NextColumn
		t.Columns = append(t.Columns, c)
	}
	id, err := tx.nextID()
	if err != nil {
		return Table{}, err
	}
	t.ID = TableID(id)
	if err := tx.st.CreateTable(storage.TableID(t.ID)); err != nil {
		return Table{}, err
	}
	if err := tx.indexID(uint64(t.ID), bucketTables, key(uint64(s.ID), t.Name)); err != nil {
		return Table{}, err
	}
	return t, put(tx.bucket(bucketTables), key(uint64(s.ID), t.Name), t)
}

// SetPrimaryKey declares the primary key of table ref: columns, by name,
// become NOT NULL. name "" gives PostgreSQL's default, <table>_pkey.
func (tx *Tx) SetPrimaryKey(ref TableRef, name string, columns []string) (Table, error) {
	if name == "" {
		name = ref.Name + "_pkey"
	}
	return tx.addKey(ref, name, columns, true)
}

// AddUnique declares a UNIQUE constraint of table ref on columns, by name.
// name "" gives PostgreSQL's default, <table>_<columns>_key.
func (tx *Tx) AddUnique(ref TableRef, name string, columns []string) (Table, error) {
	if name == "" {
		name = ref.Name + "_" + strings.Join(columns, "_") + "_key"
	}
	return tx.addKey(ref, name, columns, false)
}

func (tx *Tx) addKey(ref TableRef, name string, columns []string, primary bool) (Table, error) {
	var ids [2]uint64
	for i := range ids {
		id, err := tx.nextID()
		if err != nil {
			return Table{}, err
		}
		ids[i] = id
	}
	what := "unique"
	if primary {
		what = "primary key"
	}
	return tx.AlterTable(ref, func(t *Table) error {
		if primary && t.PrimaryKey != nil {
			return &Error{Kind: Exists, Object: "primary key", Name: t.PrimaryKey.Name,
				Detail: fmt.Sprintf("multiple primary keys for table %q are not allowed", t.Name)}
		}
		if slices.Contains(t.ConstraintNames(), name) {
			return &Error{Kind: Exists, Object: "constraint", Name: name,
				Detail: fmt.Sprintf("relation %q already exists", name)}
		}
		key := &Key{Name: name, IndexID: ids[0], ConstraintID: ids[1]}
		for _, cn := range columns {
			_, i, ok := t.Column(cn)
			if !ok {
				return notFound("column", cn)
			}
			for _, id := range key.Columns {
				if id == t.Columns[i].ID {
					return &Error{Kind: Exists, Object: "column", Name: cn,
						Detail: fmt.Sprintf("column %q appears twice in %s constraint", cn, what)}
				}
			}
			if primary {
				t.Columns[i].NotNull = true
			}
			key.Columns = append(key.Columns, t.Columns[i].ID)
		}
		if primary {
			t.PrimaryKey = key
		} else {
			t.Uniques = append(t.Uniques, key)
		}
		return nil
	})
}

// AddCheck adds a CHECK constraint to table ref (see Check; the caller
// has validated expr). name "" gives PostgreSQL's default,
// <table>_<first column>_check, numbered when taken.
func (tx *Tx) AddCheck(ref TableRef, name, expr string, columns []uint32) (Table, error) {
	id, err := tx.nextID()
	if err != nil {
		return Table{}, err
	}
	return tx.AlterTable(ref, func(t *Table) error {
		taken := t.ConstraintNames()
		if name == "" {
			base := t.Name + "_check"
			if len(columns) > 0 {
				for _, c := range t.Columns {
					if c.ID == columns[0] {
						base = t.Name + "_" + c.Name + "_check"
					}
				}
			}
			name = base
			for n := 1; slices.Contains(taken, name); n++ {
				name = fmt.Sprintf("%s%d", base, n)
			}
		} else if slices.Contains(taken, name) {
			return &Error{Kind: Exists, Object: "constraint", Name: name,
				Detail: fmt.Sprintf("constraint %q for relation %q already exists", name, t.Name)}
		}
		t.Checks = append(t.Checks, &Check{Name: name, Expr: expr, Columns: columns, ConstraintID: id})
		return nil
	})
}

// DropConstraint drops table ref's constraint called name.
func (tx *Tx) DropConstraint(ref TableRef, name string) (Table, error) {
	return tx.AlterTable(ref, func(t *Table) error {
		switch {
		case t.PrimaryKey != nil && t.PrimaryKey.Name == name:
			t.PrimaryKey = nil
			return nil
		}
		for i, k := range t.Uniques {
			if k.Name == name {
				t.Uniques = slices.Delete(t.Uniques, i, i+1)
				return nil
			}
		}
		for i, c := range t.Checks {
			if c.Name == name {
				t.Checks = slices.Delete(t.Checks, i, i+1)
				return nil
			}
		}
		for i, f := range t.ForeignKeys {
			if f.Name == name {
				t.ForeignKeys = slices.Delete(t.ForeignKeys, i, i+1)
				return nil
			}
		}
		return notFound("constraint", name)
	})
}

// DropTable drops a table; its data files go once no reader pins them.
// Foreign keys of the tables together (dropped by the same statement)
// do not hold it back.
func (tx *Tx) DropTable(ref TableRef, together ...TableID) error {
	if err := tx.requireWritable(); err != nil {
		return err
	}
	t, err := tx.Table(ref)
	if err != nil {
		return err
	}
	if err := t.writable("DROP"); err != nil {
		return err
	}
	if t.IsView() {
		return notTable(t, "Use DROP VIEW to remove a view.")
	}
	_, err = tx.dropRelation(t, false, together...)
	return err
}

// DropTableCascade drops table ref, the views that read it and the
// foreign keys of other tables that reference it; dropped names them for
// the NOTICE.
func (tx *Tx) DropTableCascade(ref TableRef) (dropped []string, err error) {
	if err := tx.requireWritable(); err != nil {
		return nil, err
	}
	t, err := tx.Table(ref)
	if err != nil {
		return nil, err
	}
	if err := t.writable("DROP"); err != nil {
		return nil, err
	}
	if t.IsView() {
		return nil, notTable(t, "Use DROP VIEW to remove a view.")
	}
	return tx.dropRelation(t, true)
}

func (tx *Tx) dropTable(t Table) error {
	if err := tx.dropOwnedSequences(t, nil); err != nil {
		return err
	}
	if !t.IsView() {
		if err := tx.st.DropTable(storage.TableID(t.ID)); err != nil {
			return err
		}
	}
	if err := tx.unindexID(uint64(t.ID)); err != nil {
		return err
	}
	return tx.bucket(bucketTables).Delete(key(uint64(t.Schema), t.Name))
}

// AlterTable replaces the definition of table ref with fn's result; fn may
// rename, add, drop or change columns. Renaming to an existing name is Exists.
func (tx *Tx) AlterTable(ref TableRef, fn func(*Table) error) (Table, error) {
	if err := tx.requireWritable(); err != nil {
		return Table{}, err
	}
	t, err := tx.Table(ref)
	if err != nil {
		return Table{}, err
	}
	if err := t.writable("ALTER"); err != nil {
		return Table{}, err
	}
	oldName := t.Name
	before := t
	before.Columns, before.Uniques, before.Indexes = slices.Clone(t.Columns), slices.Clone(t.Uniques), slices.Clone(t.Indexes)
	if err := fn(&t); err != nil {
		return Table{}, err
	}
	// Dropping a column drops the constraints on it, as in PostgreSQL.
	if t.PrimaryKey != nil && len(t.KeyPositions()) != len(t.PrimaryKey.Columns) {
		t.PrimaryKey = nil
	}
	t.Uniques = slices.DeleteFunc(t.Uniques, func(k *Key) bool { return len(t.Positions(k.Columns)) != len(k.Columns) })
	t.Checks = slices.DeleteFunc(t.Checks, func(c *Check) bool { return len(t.Positions(c.Columns)) != len(c.Columns) })
	t.Indexes = slices.DeleteFunc(t.Indexes, func(i *Index) bool { return len(t.Positions(i.Columns)) != len(i.Columns) })
	t.ForeignKeys = slices.DeleteFunc(t.ForeignKeys, func(f *ForeignKey) bool {
		return len(t.Positions(f.Columns)) != len(f.Columns) || f.RefTable == t.ID && len(t.Positions(f.RefColumns)) != len(f.RefColumns)
	})
	if err := tx.dropOwnedSequences(t, t.hasColumn); err != nil {
		return Table{}, err // a dropped column takes its sequence along
	}
	if err := tx.keptReferences(before, t); err != nil {
		return Table{}, err
	}
	seen := map[string]bool{}
	for _, c := range t.Columns {
		if seen[c.Name] {
			return Table{}, &Error{Kind: Exists, Object: "column", Name: c.Name,
				Detail: fmt.Sprintf("column %q of relation %q already exists", c.Name, t.Name)}
		}
		seen[c.Name] = true
	}
	b := tx.bucket(bucketTables)
	if t.Name != oldName {
		if tx.relationTaken(t.Schema, t.Name) {
			return Table{}, exists("table", t.Name)
		}
		if err := b.Delete(key(uint64(t.Schema), oldName)); err != nil {
			return Table{}, err
		}
		if err := tx.indexID(uint64(t.ID), bucketTables, key(uint64(t.Schema), t.Name)); err != nil {
			return Table{}, err
		}
	}
	return t, put(b, key(uint64(t.Schema), t.Name), t)
}

// writable fails for a table read through a share, naming the share.
func (t Table) writable(action string) error {
	if t.IsView() && action != "DROP" && action != "ALTER" {
		return viewWrite(t, action)
	}
	if t.Via == nil {
		return nil
	}
	return &Error{Kind: ReadOnly, Object: "table", Name: t.Name,
		Detail: fmt.Sprintf("cannot %s table %q: it is shared read-only through share %q", action, t.Name, t.Via.Share)}
}
