package catalog

import (
	"fmt"
	"slices"
)

// Index is an index made by CREATE INDEX. Tables keep no index
// structures (scans skip data by Parquet statistics instead), so an index
// is a definition: listed in pg_catalog and \d like PostgreSQL's, and, when
// unique, enforced as a UNIQUE constraint is.
//
// An index on expressions or with a WHERE clause keeps them as stored SQL
// text (columns written as c<ID>, as a Check's Expr): Exprs has one entry
// per key element (a bare column too) and Where the predicate; Key.Columns
// then lists the columns they read, so that dropping one drops the index,
// as in PostgreSQL.
type Index struct {
	Key
	Unique bool     `json:"unique,omitempty"`
	Exprs  []string `json:"exprs,omitempty"`
	Where  string   `json:"where,omitempty"`
}

// Plain reports whether the index is on columns only, without a WHERE:
// then Key.Columns are its key.
func (i *Index) Plain() bool { return len(i.Exprs) == 0 && i.Where == "" }

// IndexDef is what CREATE INDEX asks for: columns by name, or, for an
// index on expressions or a partial one, stored expressions (see Index).
type IndexDef struct {
	Name    string
	Unique  bool
	Columns []string // plain index: the key columns by name
	// Exprs, Where and Reads: an index on expressions or partial.
	Exprs []string
	Where string
	Reads []uint32 // IDs of the columns Exprs and Where read
	// NameParts make the default name of an index on expressions: per
	// element, its column or function name, or "expr".
	NameParts []string
}

// relationNameTaken reports whether name is a table, view or index
// (constraints' indexes included) of schema sid: they share one namespace.
func (tx *Tx) relationNameTaken(sid SchemaID, name string) (bool, error) {
	tables, err := tx.tablesIn(sid)
	if err != nil {
		return false, err
	}
	for _, t := range tables {
		if t.Name == name || slices.Contains(t.IndexNames(), name) {
			return true, nil
		}
	}
	return false, nil
}

// IndexNames lists the names of t's indexes, those behind its primary key
// and UNIQUE constraints included.
func (t Table) IndexNames() []string {
	var out []string
	for _, k := range t.IndexKeys() {
		out = append(out, k.Name)
	}
	return out
}

// AddIndex adds index def to table ref. def.Name "" gives PostgreSQL's
// default, <table>_<columns>_idx (columns: those read), numbered when
// taken.
func (tx *Tx) AddIndex(ref TableRef, def IndexDef) (Table, Index, error) {
	t, err := tx.Table(ref)
	if err != nil {
		return Table{}, Index{}, err
	}
	name := def.Name
	if name == "" {
		base := t.Name
		cols := def.Columns
		if def.Exprs != nil {
			cols = def.NameParts
		}
		for _, c := range cols {
			base += "_" + c
		}
		base += "_idx"
		name = base
		for n := 1; ; n++ {
			taken, err := tx.relationNameTaken(t.Schema, name)
			if err != nil {
				return Table{}, Index{}, err
			}
			if !taken {
				break
			}
			name = fmt.Sprintf("%s%d", base, n)
		}
	} else if taken, err := tx.relationNameTaken(t.Schema, name); err != nil {
		return Table{}, Index{}, err
	} else if taken {
		return Table{}, Index{}, exists("relation", name)
	}
	id, err := tx.nextID()
	if err != nil {
		return Table{}, Index{}, err
	}
	idx := &Index{Key: Key{Name: name, IndexID: id}, Unique: def.Unique, Exprs: def.Exprs, Where: def.Where}
	t, err = tx.AlterTable(ref, func(t *Table) error {
		if !idx.Plain() {
			idx.Columns = slices.Clone(def.Reads)
		}
		for _, cn := range def.Columns {
			c, _, ok := t.Column(cn)
			if !ok {
				return notFound("column", cn)
			}
			idx.Columns = append(idx.Columns, c.ID)
		}
		t.Indexes = append(t.Indexes, idx)
		return nil
	})
	return t, *idx, err
}

// DropIndex drops the index called name of schema db.schema. An index
// behind a constraint is Invalid: the constraint must be dropped instead.
func (tx *Tx) DropIndex(db, schema, name string) error {
	s, err := tx.Schema(db, schema)
	if err != nil {
		return err
	}
	tables, err := tx.tablesIn(s.ID)
	if err != nil {
		return err
	}
	for _, t := range tables {
		for _, i := range t.Indexes {
			if i.Name != name {
				continue
			}
			_, err := tx.AlterTable(TableRef{Database: db, Schema: schema, Name: t.Name}, func(t *Table) error {
				t.Indexes = slices.DeleteFunc(t.Indexes, func(i *Index) bool { return i.Name == name })
				return nil
			})
			return err
		}
		if slices.Contains(t.IndexNames(), name) {
			return &Error{Kind: Invalid, Object: "index", Name: name,
				Detail: fmt.Sprintf("cannot drop index %s because constraint %s on table %s requires it", name, name, t.Name)}
		}
	}
	return notFound("index", name)
}

// IndexKeys lists the keys of all of t's indexes: the primary key's, the
// UNIQUE constraints', and those of CREATE INDEX (of an index on
// expressions or a partial one, the Key names it but its Columns are
// those it reads, not a key: see Index.Plain).
func (t Table) IndexKeys() []*Key {
	var out []*Key
	if t.PrimaryKey != nil {
		out = append(out, t.PrimaryKey)
	}
	out = append(out, t.Uniques...)
	for _, i := range t.Indexes {
		out = append(out, &i.Key)
	}
	return out
}
