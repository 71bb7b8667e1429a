package catalog

import (
	"fmt"
	"slices"
)

// This file is the consumer side of sharing: which shares a principal may
// read, and how a share shows as a read-only database (a token
// recipient's database per granted share, or a tenant's mount). Access is
// re-checked on every resolution, so revocation takes effect on the
// consumer's next statement.

// ShareVia marks a table reached through a share: read-only to its reader.
type ShareVia struct {
	Share      string   // the share's name
	Provider   string   // the providing tenant's name
	ProviderID TenantID // whose audit log records reads
}

// canRead reports whether the principal may read share s now.
func (tx *Tx) canRead(s Share) (bool, error) {
	if tx.who.Recipient != 0 {
		if s.Owner != tx.who.Provider {
			return false, nil
		}
		if _, ok, err := tx.recipientSelf(); err != nil || !ok {
			return false, err
		}
		return tx.granted(s.ID, tx.who.Recipient), nil
	}
	if tx.who.Tenant == 0 || s.Owner == tx.who.Tenant {
		return false, nil
	}
	if slices.Contains(s.Tenants, tx.who.Tenant) || slices.Contains(s.TenantNames, tx.who.Name) {
		return true, nil
	}
	// A tenant recipient of the provider with a grant.
	found := false
	err := each(tx.bucket(bucketRecipients), uint64(s.Owner), func(r Recipient) error {
		if r.isTenantRecipientOf(tx.who.Tenant, tx.who.Name) && tx.granted(s.ID, r.ID) {
			found = true
		}
		return nil
	})
	return found, err
}

// InboundShares lists the shares of other tenants the principal may read.
func (tx *Tx) InboundShares() ([]Share, error) {
	if tx.who.Recipient != 0 {
		return tx.recipientShares()
	}
	var out []Share
	cur := tx.bucket(bucketShares).Cursor()
	for k, v := cur.First(); k != nil; k, v = cur.Next() {
		var s Share
		if err := decode(k, v, &s); err != nil {
			return nil, err
		}
		ok, err := tx.canRead(s)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, s)
		}
	}
	return out, nil
}

// recipientShares is InboundShares for a token recipient, which every
// statement (and every FETCH of a cursor) resolves: only its provider's
// shares are candidates, and its token is checked once, not per share.
func (tx *Tx) recipientShares() ([]Share, error) {
	if _, ok, err := tx.recipientSelf(); err != nil || !ok {
		return nil, err
	}
	var out []Share
	err := each(tx.bucket(bucketShares), uint64(tx.who.Provider), func(s Share) error {
		if tx.granted(s.ID, tx.who.Recipient) {
			out = append(out, s)
		}
		return nil
	})
	return out, err
}

// TenantName returns the name of tenant id (for listings of inbound shares).
func (tx *Tx) TenantName(id TenantID) string {
	var t Tenant
	if ok, err := tx.byID(uint64(id), &t); err != nil || !ok {
		return ""
	}
	return t.Name
}

// ShareTenants lists the tenant names share s was added for (ADD TENANTS).
func (tx *Tx) ShareTenants(s Share) []string {
	var out []string
	for _, id := range s.Tenants {
		out = append(out, tx.TenantName(id))
	}
	return append(out, s.TenantNames...)
}

// recipientDatabase is the database name of a token recipient: the granted
// share of that name, looked up alone (every statement resolves one).
func (tx *Tx) recipientDatabase(name string) (Database, error) {
	s, err := tx.shareOf(tx.who.Provider, name)
	if err != nil && !IsNotFound(err) {
		return Database{}, err
	}
	if err == nil {
		if ok, err := tx.canRead(s); err != nil {
			return Database{}, err
		} else if ok {
			return shareDatabase(s), nil
		}
	}
	return Database{}, notFound("database", name)
}

// shareDatabase is share s as a token recipient's database.
func shareDatabase(s Share) Database {
	return Database{ID: DatabaseID(s.ID), Tenant: s.Owner, Name: s.Name, Comment: s.Comment, Created: s.Created, Mount: s.ID}
}

// recipientDatabases: a token recipient sees one database per granted share.
func (tx *Tx) recipientDatabases() ([]Database, error) {
	shares, err := tx.InboundShares()
	if err != nil {
		return nil, err
	}
	out := make([]Database, 0, len(shares))
	for _, s := range shares {
		out = append(out, shareDatabase(s))
	}
	return out, nil
}

// mountedShare returns the share behind a share-backed database and its
// tables, or NotFound when the principal may no longer read it.
func (tx *Tx) mountedShare(d Database) (Share, []SharedTable, error) {
	var s Share
	ok, err := tx.byID(uint64(d.Mount), &s)
	if err != nil {
		return Share{}, nil, err
	}
	if ok {
		if ok, err = tx.canRead(s); err != nil {
			return Share{}, nil, err
		}
	}
	if !ok {
		return Share{}, nil, nil // revoked or dropped: the database is empty
	}
	view, err := tx.shareView(s)
	return s, view, err
}

func (tx *Tx) readOnly(d Database, action string) error {
	s, _, err := tx.mountedShare(d)
	if err != nil {
		return err
	}
	name := s.Name
	if name == "" {
		name = d.Name
	}
	return &Error{Kind: ReadOnly, Object: "database", Name: d.Name,
		Detail: fmt.Sprintf("cannot %s in database %q: it is share %q, read-only", action, d.Name, name)}
}

// sharedSchemas lists the schemas a share-backed database shows.
func (tx *Tx) sharedSchemas(d Database) ([]Schema, error) {
	_, view, err := tx.mountedShare(d)
	if err != nil {
		return nil, err
	}
	var out []Schema
	for _, v := range view {
		if len(out) > 0 && out[len(out)-1].Name == v.Schema {
			continue
		}
		out = append(out, Schema{ID: v.Table.Schema, Database: d.ID, Name: v.Schema})
	}
	return out, nil
}

// sharedTables lists the tables of schema in a share-backed database, as
// the consumer sees them (visible names, read-only).
func (tx *Tx) sharedTables(d Database, schema string) ([]Table, error) {
	s, view, err := tx.mountedShare(d)
	if err != nil {
		return nil, err
	}
	var out []Table
	for _, v := range view {
		if v.Schema != schema {
			continue
		}
		t := v.Table
		t.Name = v.Name
		t.Via = &ShareVia{Share: s.Name, Provider: tx.TenantName(s.Owner), ProviderID: s.Owner}
		if v.Comment != "" {
			t.Comment = v.Comment
		}
		out = append(out, t)
	}
	return out, nil
}

// CreateMount creates database name in the principal's tenant as a
// read-only mount of provider.share.
func (tx *Tx) CreateMount(name, provider, share string) (Database, error) {
	if err := tx.requireWritable(); err != nil {
		return Database{}, err
	}
	if err := tx.requireTenant("create a database"); err != nil {
		return Database{}, err
	}
	p, ok, err := tx.lookupTenant(provider)
	if err != nil {
		return Database{}, err
	}
	absent := notFound("share", provider+"."+share)
	if !ok {
		return Database{}, absent
	}
	s, err := tx.shareOf(p.ID, share)
	if err != nil {
		return Database{}, absent
	}
	if ok, err := tx.canRead(s); err != nil {
		return Database{}, err
	} else if !ok {
		return Database{}, absent
	}
	if _, err := tx.Database(name); err == nil {
		return Database{}, exists("database", name)
	}
	id, err := tx.nextID()
	if err != nil {
		return Database{}, err
	}
	db := Database{ID: DatabaseID(id), Tenant: tx.who.Tenant, Name: name, Created: tx.Now().UTC(), Mount: s.ID}
	if err := put(tx.bucket(bucketDatabases), key(uint64(tx.who.Tenant), name), db); err != nil {
		return Database{}, err
	}
	return db, tx.indexID(id, bucketDatabases, key(uint64(tx.who.Tenant), name))
}
