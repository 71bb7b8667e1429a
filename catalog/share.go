package catalog

import (
	"slices"
	"sort"
	"strings"
	"time"
)

// ShareID identifies a share.
type ShareID uint64

// Object kinds a share can hold.
const (
	ShareTable    = "TABLE"    // one table, maybe under an alias
	ShareSchema   = "SCHEMA"   // every table of a schema, present and future
	ShareDatabase = "DATABASE" // USAGE on a database (Databend/Snowflake style)
)

// ShareObject is one reference a share holds. It names the object by ID,
// so renames follow and drops remove it; nothing is ever copied.
type ShareObject struct {
	Kind    string    `json:"kind"`
	ID      uint64    `json:"id"`
	Alias   string    `json:"alias,omitempty"` // "schema.table" for ADD TABLE … AS
	Comment string    `json:"comment,omitempty"`
	Added   time.Time `json:"added"`
	// NeedsUsage: granted Databend/Snowflake style (GRANT SELECT … TO
	// SHARE), so hidden while USAGE on its database is revoked.
	NeedsUsage bool `json:"needs_usage,omitempty"`
	// Revoked marks a DATABASE entry whose USAGE was revoked.
	Revoked bool `json:"revoked,omitempty"`
}

// Share is a named bundle of references to its owner's tables.
type Share struct {
	ID      ShareID       `json:"id"`
	Owner   TenantID      `json:"owner"`
	Name    string        `json:"name"`
	Comment string        `json:"comment,omitempty"`
	Created time.Time     `json:"created"`
	Objects []ShareObject `json:"objects,omitempty"`
	// Tenants may mount the share (ALTER SHARE … ADD TENANTS).
	Tenants []TenantID `json:"tenants,omitempty"`
	// TenantNames were added while no tenant held them: whichever tenant
	// holds one at a read may mount the share (login.go).
	TenantNames []string `json:"tenant_names,omitempty"`
}

var bucketShares = []byte("cat.shares") // owner|name → Share

func (tx *Tx) requireTenant(action string) error {
	if tx.who.Recipient != 0 {
		return &Error{Kind: ReadOnly, Object: "share", Detail: "cannot " + action + ": a share recipient has read-only access"}
	}
	return nil
}

// Share returns the principal's own share called name.
func (tx *Tx) Share(name string) (Share, error) {
	return tx.shareOf(tx.who.Tenant, name)
}

func (tx *Tx) shareOf(owner TenantID, name string) (Share, error) {
	var s Share
	ok, err := get(tx.bucket(bucketShares), key(uint64(owner), name), &s)
	if err != nil {
		return Share{}, err
	}
	if !ok {
		return Share{}, notFound("share", name)
	}
	return s, nil
}

func (tx *Tx) putShare(s Share) error {
	return put(tx.bucket(bucketShares), key(uint64(s.Owner), s.Name), s)
}

// Shares lists the principal's own shares by name.
func (tx *Tx) Shares() ([]Share, error) {
	var out []Share
	err := each(tx.bucket(bucketShares), uint64(tx.who.Tenant), func(s Share) error {
		out = append(out, s)
		return nil
	})
	return out, err
}

// CreateShare creates an empty share.
func (tx *Tx) CreateShare(name, comment string) (Share, error) {
	if err := tx.requireWritable(); err != nil {
		return Share{}, err
	}
	if err := tx.requireTenant("create a share"); err != nil {
		return Share{}, err
	}
	if err := validName("share", name); err != nil {
		return Share{}, err
	}
	if _, err := tx.Share(name); err == nil {
		return Share{}, exists("share", name)
	}
	id, err := tx.nextID()
	if err != nil {
		return Share{}, err
	}
	s := Share{ID: ShareID(id), Owner: tx.who.Tenant, Name: name, Comment: comment, Created: tx.Now().UTC()}
	if err := tx.indexID(id, bucketShares, key(uint64(s.Owner), name)); err != nil {
		return Share{}, err
	}
	return s, tx.putShare(s)
}

// DropShare drops a share with its grants; mounts of it stop resolving.
func (tx *Tx) DropShare(name string) error {
	if err := tx.requireWritable(); err != nil {
		return err
	}
	s, err := tx.Share(name)
	if err != nil {
		return err
	}
	if err := tx.dropGrantsOf(s.ID); err != nil {
		return err
	}
	if err := tx.unindexID(uint64(s.ID)); err != nil {
		return err
	}
	return tx.bucket(bucketShares).Delete(key(uint64(s.Owner), s.Name))
}

// AlterShare changes one of the principal's shares with fn.
func (tx *Tx) AlterShare(name string, fn func(*Share) error) (Share, error) {
	if err := tx.requireWritable(); err != nil {
		return Share{}, err
	}
	s, err := tx.Share(name)
	if err != nil {
		return Share{}, err
	}
	old := s.Name
	if err := fn(&s); err != nil {
		return Share{}, err
	}
	if s.Name != old {
		if err := validName("share", s.Name); err != nil {
			return Share{}, err
		}
		if _, err := tx.Share(s.Name); err == nil {
			return Share{}, exists("share", s.Name)
		}
		if err := tx.bucket(bucketShares).Delete(key(uint64(s.Owner), old)); err != nil {
			return Share{}, err
		}
		if err := tx.indexID(uint64(s.ID), bucketShares, key(uint64(s.Owner), s.Name)); err != nil {
			return Share{}, err
		}
	}
	if err := tx.checkShareNames(s); err != nil {
		return Share{}, err
	}
	return s, tx.putShare(s)
}

// checkShareNames rejects a share in which two tables would show under
// the same schema.table.
func (tx *Tx) checkShareNames(s Share) error {
	seen := map[[2]string]bool{}
	view, err := tx.shareView(s)
	if err != nil {
		return err
	}
	for _, v := range view {
		k := [2]string{v.Schema, v.Name}
		if seen[k] {
			return &Error{Kind: Exists, Object: "table", Name: v.Schema + "." + v.Name,
				Detail: "share \"" + s.Name + "\" already has a table named \"" + v.Schema + "." + v.Name + "\""}
		}
		seen[k] = true
	}
	return nil
}

// AddObject adds a reference to share s (no-op when already there).
func (s *Share) AddObject(o ShareObject) bool {
	for _, have := range s.Objects {
		if have.Kind == o.Kind && have.ID == o.ID {
			return false
		}
	}
	s.Objects = append(s.Objects, o)
	return true
}

// RemoveObject removes a reference; false when it was not there.
func (s *Share) RemoveObject(kind string, id uint64) bool {
	for i, have := range s.Objects {
		if have.Kind == kind && have.ID == id {
			s.Objects = slices.Delete(s.Objects, i, i+1)
			return true
		}
	}
	return false
}

// SharedTable is one table as a share's consumers see it.
type SharedTable struct {
	Schema, Name string // as consumers see them
	Table        Table  // the provider's table
	SchemaName   string // the provider's names
	DatabaseName string
	Comment      string
	Added        time.Time
}

// shareView lists the tables share s exposes, sorted by visible name.
// Dropped objects are skipped: a share never dangles.
func (tx *Tx) shareView(s Share) ([]SharedTable, error) {
	revoked := map[DatabaseID]bool{}
	for _, o := range s.Objects {
		if o.Kind == ShareDatabase && o.Revoked {
			revoked[DatabaseID(o.ID)] = true
		}
	}
	// Objects granted Databend style hide while USAGE on their database is
	// revoked: REVOKE USAGE takes them all away at once, GRANT USAGE back.
	visible := func(db DatabaseID, o ShareObject) bool { return !o.NeedsUsage || !revoked[db] }
	var out []SharedTable
	seen := map[TableID]bool{}
	add := func(t Table, sch Schema, db Database, o ShareObject) {
		if seen[t.ID] || !visible(db.ID, o) || db.Tenant != s.Owner {
			return
		}
		seen[t.ID] = true
		st := SharedTable{Schema: sch.Name, Name: t.Name, Table: t, SchemaName: sch.Name, DatabaseName: db.Name, Comment: o.Comment, Added: o.Added}
		if o.Alias != "" {
			if i := strings.IndexByte(o.Alias, '.'); i >= 0 {
				st.Schema, st.Name = o.Alias[:i], o.Alias[i+1:]
			} else {
				st.Name = o.Alias
			}
		}
		out = append(out, st)
	}
	for _, o := range s.Objects {
		switch o.Kind {
		case ShareTable:
			t, sch, db, ok, err := tx.tableByID(TableID(o.ID))
			if err != nil {
				return nil, err
			}
			if ok {
				add(t, sch, db, o)
			}
		case ShareSchema:
			var sch Schema
			ok, err := tx.byID(o.ID, &sch)
			if err != nil {
				return nil, err
			}
			if !ok {
				continue
			}
			var db Database
			if ok, err := tx.byID(uint64(sch.Database), &db); err != nil || !ok {
				return nil, err
			}
			tables, err := tx.tablesIn(sch.ID)
			if err != nil {
				return nil, err
			}
			for _, t := range tables {
				add(t, sch, db, o)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Schema != out[j].Schema {
			return out[i].Schema < out[j].Schema
		}
		return out[i].Name < out[j].Name
	})
	return out, nil
}

// ShareTables lists what one of the principal's shares exposes.
func (tx *Tx) ShareTables(name string) ([]SharedTable, error) {
	s, err := tx.Share(name)
	if err != nil {
		return nil, err
	}
	return tx.shareView(s)
}

// ObjectName returns the current three-part name of a share object.
func (tx *Tx) ObjectName(o ShareObject) (string, bool, error) {
	switch o.Kind {
	case ShareTable:
		t, sch, db, ok, err := tx.tableByID(TableID(o.ID))
		if err != nil || !ok {
			return "", false, err
		}
		return db.Name + "." + sch.Name + "." + t.Name, true, nil
	case ShareSchema:
		var sch Schema
		var db Database
		if ok, err := tx.byID(o.ID, &sch); err != nil || !ok {
			return "", false, err
		}
		if ok, err := tx.byID(uint64(sch.Database), &db); err != nil || !ok {
			return "", false, err
		}
		return db.Name + "." + sch.Name, true, nil
	case ShareDatabase:
		var db Database
		if ok, err := tx.byID(o.ID, &db); err != nil || !ok {
			return "", false, err
		}
		return db.Name, true, nil
	}
	return "", false, nil
}

// SetShareTenants adds or removes tenants that may mount a share.
func (tx *Tx) SetShareTenants(share string, tenants []string, add bool) error {
	_, err := tx.AlterShare(share, func(s *Share) error {
		for _, name := range tenants {
			t, ok, err := tx.lookupTenant(name)
			if err != nil {
				return err
			}
			if !ok || !add {
				// A name no tenant holds is accepted alike (login.go).
				s.TenantNames = setName(s.TenantNames, name, add && !ok)
			}
			if !ok {
				continue
			}
			i := slices.Index(s.Tenants, t.ID)
			switch {
			case add && i < 0:
				s.Tenants = append(s.Tenants, t.ID)
			case !add && i >= 0:
				s.Tenants = slices.Delete(s.Tenants, i, i+1)
			}
		}
		return nil
	})
	return err
}
