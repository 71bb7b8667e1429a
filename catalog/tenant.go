package catalog

import (
	"strings"
	"time"

	"github.com/sharehouse/sharehouse/storage"
)

// TenantID identifies a tenant; it is also its role OID.
type TenantID uint64

// Tenant is an organisation account; it logs in with its name.
type Tenant struct {
	ID      TenantID  `json:"id"`
	Name    string    `json:"name"`
	Super   bool      `json:"super,omitempty"`
	Comment string    `json:"comment,omitempty"`
	SCRAM   SCRAM     `json:"scram"`
	Created time.Time `json:"created"`
	// AuditTable holds the audit events of reads of this tenant's shares.
	AuditTable TableID `json:"audit_table"`
	// ConnLimit is set by ALTER TENANT … CONNECTION LIMIT; see limits.go.
	ConnLimit *int `json:"conn_limit,omitempty"`
}

// Principal returns the principal a session of t acts as.
func (t Tenant) Principal() Principal { return Principal{Tenant: t.ID, Name: t.Name, Super: t.Super} }

// DefaultDatabase and DefaultSchema are what every tenant starts with.
const (
	DefaultDatabase = "postgres"
	DefaultSchema   = "public"
)

func (tx *Tx) requireSuper(action string) error {
	if !tx.who.Super {
		return &Error{Kind: Denied, Object: "tenant", Detail: "permission denied to " + action}
	}
	return nil
}

func validName(object, name string) error {
	if name == "" || strings.ContainsRune(name, 0) {
		return &Error{Kind: Invalid, Object: object, Name: name, Detail: "invalid " + object + " name"}
	}
	return nil
}

// Tenant returns the tenant called name. Only a superuser or the tenant
// itself may look one up; to others it does not exist.
func (tx *Tx) Tenant(name string) (Tenant, error) {
	t, ok, err := tx.lookupTenant(name)
	if err != nil {
		return Tenant{}, err
	}
	if !ok || (!tx.who.Super && t.ID != tx.who.Tenant) {
		return Tenant{}, notFound("tenant", name)
	}
	return t, nil
}

func (tx *Tx) lookupTenant(name string) (Tenant, bool, error) {
	var t Tenant
	ok, err := get(tx.bucket(bucketTenants), []byte(name), &t)
	return t, ok, err
}

// TenantByName is for authentication: it finds any tenant, whoever asks.
// The caller (login) has no principal yet.
func (tx *Tx) TenantByName(name string) (Tenant, bool, error) { return tx.lookupTenant(name) }

// Tenants lists the tenants the principal may see: all for a superuser,
// else only itself.
func (tx *Tx) Tenants() ([]Tenant, error) {
	var out []Tenant
	cur := tx.bucket(bucketTenants).Cursor()
	for k, _ := cur.First(); k != nil; k, _ = cur.Next() {
		t, _, err := tx.lookupTenant(string(k))
		if err != nil {
			return nil, err
		}
		if tx.who.Super || t.ID == tx.who.Tenant {
			out = append(out, t)
		}
	}
	return out, nil
}

// CreateTenant creates a tenant with its default database and schema.
func (tx *Tx) CreateTenant(name, password, comment string, super bool) (Tenant, error) {
	if err := tx.requireWritable(); err != nil {
		return Tenant{}, err
	}
	if err := tx.requireSuper("create tenant"); err != nil {
		return Tenant{}, err
	}
	if err := validName("tenant", name); err != nil {
		return Tenant{}, err
	}
	if err := validTenantName(name); err != nil {
		return Tenant{}, err
	}
	if taken, err := tx.loginTaken(name); err != nil {
		return Tenant{}, err
	} else if taken {
		return Tenant{}, exists("tenant", name)
	}
	verifier, err := newSCRAM(tx.c.rand, password)
	if err != nil {
		return Tenant{}, err
	}
	id, err := tx.nextID()
	if err != nil {
		return Tenant{}, err
	}
	t := Tenant{ID: TenantID(id), Name: name, Super: super, Comment: comment, SCRAM: verifier, Created: tx.Now().UTC()}
	audit, err := tx.nextID()
	if err != nil {
		return Tenant{}, err
	}
	t.AuditTable = TableID(audit)
	if err := tx.st.CreateTable(storage.TableID(audit)); err != nil {
		return Tenant{}, err
	}
	if err := put(tx.bucket(bucketTenants), []byte(name), t); err != nil {
		return Tenant{}, err
	}
	if err := tx.indexID(id, bucketTenants, []byte(name)); err != nil {
		return Tenant{}, err
	}
	// The new tenant's own objects are created as the tenant.
	as := &Tx{c: tx.c, st: tx.st, who: t.Principal()}
	if _, err := as.CreateDatabase(DefaultDatabase, ""); err != nil {
		return Tenant{}, err
	}
	return t, nil
}

// SetTenantPassword replaces a tenant's verifier. A tenant may change its
// own password; a superuser any.
func (tx *Tx) SetTenantPassword(name, password string) error {
	if err := tx.requireWritable(); err != nil {
		return err
	}
	// Another tenant's password is never a non-superuser's business, and
	// the answer must not tell whether that tenant exists.
	if !tx.who.Super && name != tx.who.Name {
		return &Error{Kind: Denied, Object: "tenant", Detail: "permission denied to alter tenant"}
	}
	t, err := tx.Tenant(name)
	if err != nil {
		return err
	}
	v, err := newSCRAM(tx.c.rand, password)
	if err != nil {
		return err
	}
	t.SCRAM = v
	return put(tx.bucket(bucketTenants), []byte(name), t)
}

// SetTenantComment replaces a tenant's comment (superuser only).
func (tx *Tx) SetTenantComment(name, comment string) error {
	if err := tx.requireSuper("alter tenant"); err != nil {
		return err
	}
	t, err := tx.Tenant(name)
	if err != nil {
		return err
	}
	t.Comment = comment
	return put(tx.bucket(bucketTenants), []byte(name), t)
}

// DropTenant drops a tenant and everything it owns (superuser only; a
// session cannot drop its own tenant).
func (tx *Tx) DropTenant(name string) error {
	if err := tx.requireWritable(); err != nil {
		return err
	}
	if err := tx.requireSuper("drop tenant"); err != nil {
		return err
	}
	t, err := tx.Tenant(name)
	if err != nil {
		return err
	}
	if t.ID == tx.who.Tenant {
		return &Error{Kind: InUse, Object: "tenant", Name: name, Detail: "current user cannot be dropped"}
	}
	as := &Tx{c: tx.c, st: tx.st, who: t.Principal()}
	dbs, err := as.Databases()
	if err != nil {
		return err
	}
	for _, db := range dbs {
		if err := as.dropDatabase(db); err != nil {
			return err
		}
	}
	shares, err := as.Shares()
	if err != nil {
		return err
	}
	for _, s := range shares {
		if err := as.DropShare(s.Name); err != nil {
			return err
		}
	}
	recipients, err := as.Recipients()
	if err != nil {
		return err
	}
	for _, r := range recipients {
		if err := as.dropRecipient(r); err != nil {
			return err
		}
	}
	if err := tx.st.DropTable(storage.TableID(t.AuditTable)); err != nil {
		return err
	}
	if err := tx.dropTenantQuota(t.ID); err != nil {
		return err
	}
	if err := tx.unindexID(uint64(t.ID)); err != nil {
		return err
	}
	return tx.bucket(bucketTenants).Delete([]byte(name))
}
