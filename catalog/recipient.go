package catalog

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"io"
	"slices"
	"time"
)

// RecipientID identifies a recipient.
type RecipientID uint64

// Recipient is one partner identity of a provider: a token recipient (an
// external partner who logs in with a bearer token) or a tenant recipient
// (another tenant of this server, USING ID).
type Recipient struct {
	ID         RecipientID       `json:"id"`
	Owner      TenantID          `json:"owner"`
	Name       string            `json:"name"`
	Comment    string            `json:"comment,omitempty"`
	Properties map[string]string `json:"properties,omitempty"`
	Created    time.Time         `json:"created"`
	// TenantName is set for a tenant recipient (USING ID), Tenant too
	// when the name was a tenant's at creation; else the recipient is the
	// tenant holding the name at each read (login.go).
	Tenant     TenantID `json:"tenant,omitempty"`
	TenantName string   `json:"tenant_name,omitempty"`
	// Qualified: a token recipient that logs in as provider.recipient;
	// one created before per-tenant recipient names has a bare login.
	Qualified bool `json:"qualified,omitempty"`
	// Salt is shared by all of a token recipient's tokens, so that during a
	// rotation's grace period one SCRAM exchange can check either.
	Salt       []byte      `json:"salt,omitempty"`
	Tokens     []Token     `json:"tokens,omitempty"`
	Activation *Activation `json:"activation,omitempty"`
	// ConnLimit is set by ALTER RECIPIENT … CONNECTION LIMIT; see limits.go.
	ConnLimit *int `json:"conn_limit,omitempty"`
}

// Token is a bearer token, kept only as a hash and a SCRAM verifier.
type Token struct {
	Hash      []byte    `json:"hash"` // SHA-256 of the token
	StoredKey []byte    `json:"stored_key"`
	ServerKey []byte    `json:"server_key"`
	Created   time.Time `json:"created"`
	Expires   time.Time `json:"expires"`
}

// Activation is a one-time link that hands out a new token.
type Activation struct {
	Hash    []byte    `json:"hash"` // SHA-256 of the link's code
	Expires time.Time `json:"expires"`
}

// AuthenticationType is TOKEN or TENANT.
func (r Recipient) AuthenticationType() string {
	if r.IsTenant() {
		return "TENANT"
	}
	return "TOKEN"
}

// IsTenant reports whether r is a tenant recipient (USING ID).
func (r Recipient) IsTenant() bool { return r.Tenant != 0 || r.TenantName != "" }

// LegacyLogin reports whether r is a token recipient with a server-wide
// bare login name (created before recipients were per tenant).
func (r Recipient) LegacyLogin() bool { return !r.IsTenant() && !r.Qualified }

// isTenantRecipientOf reports whether r names tenant t: by ID when bound
// at creation, else by the name t holds now.
func (r Recipient) isTenantRecipientOf(t TenantID, name string) bool {
	if r.Tenant != 0 {
		return r.Tenant == t
	}
	return r.TenantName != "" && r.TenantName == name
}

// ActiveTokens returns the tokens valid at now.
func (r Recipient) ActiveTokens(now time.Time) []Token {
	var out []Token
	for _, t := range r.Tokens {
		if now.Before(t.Expires) {
			out = append(out, t)
		}
	}
	return out
}

var (
	bucketRecipients  = []byte("cat.recipients")  // owner|name → Recipient
	bucketLogins      = []byte("cat.logins")      // legacy bare login name → owner|name of a token recipient
	bucketActivations = []byte("cat.activations") // SHA-256 of code → owner|name
)

func sha(b []byte) []byte { h := sha256.Sum256(b); return h[:] }

// Recipient returns the principal's recipient called name.
func (tx *Tx) Recipient(name string) (Recipient, error) {
	var r Recipient
	ok, err := get(tx.bucket(bucketRecipients), key(uint64(tx.who.Tenant), name), &r)
	if err != nil {
		return Recipient{}, err
	}
	if !ok || tx.who.Tenant == 0 {
		return Recipient{}, notFound("recipient", name)
	}
	return r, nil
}

func (tx *Tx) putRecipient(r Recipient) error {
	return put(tx.bucket(bucketRecipients), key(uint64(r.Owner), r.Name), r)
}

// Recipients lists the principal's recipients by name.
func (tx *Tx) Recipients() ([]Recipient, error) {
	var out []Recipient
	if tx.who.Tenant == 0 {
		return nil, nil
	}
	err := each(tx.bucket(bucketRecipients), uint64(tx.who.Tenant), func(r Recipient) error {
		out = append(out, r)
		return nil
	})
	return out, err
}

// loginTaken reports whether name is a tenant or a legacy bare token
// recipient login (CREATE TENANT, by the superuser, keeps them apart).
func (tx *Tx) loginTaken(name string) (bool, error) {
	if _, ok, err := tx.lookupTenant(name); err != nil || ok {
		return ok, err
	}
	return tx.bucket(bucketLogins).Get([]byte(name)) != nil, nil
}

// CreateRecipient creates a recipient. A token recipient gets a one-time
// activation code (returned, never stored); a tenant recipient (usingTenant
// set) needs none. Only the principal's own recipients are consulted: the
// answer never depends on other tenants' objects (login.go).
func (tx *Tx) CreateRecipient(name, usingTenant, comment string, props map[string]string) (Recipient, string, error) {
	if err := tx.requireWritable(); err != nil {
		return Recipient{}, "", err
	}
	if err := tx.requireTenant("create a recipient"); err != nil {
		return Recipient{}, "", err
	}
	if err := validName("recipient", name); err != nil {
		return Recipient{}, "", err
	}
	if _, err := tx.Recipient(name); err == nil {
		return Recipient{}, "", exists("recipient", name)
	}
	id, err := tx.nextID()
	if err != nil {
		return Recipient{}, "", err
	}
	r := Recipient{ID: RecipientID(id), Owner: tx.who.Tenant, Name: name, Comment: comment, Properties: props, Created: tx.Now().UTC()}
	var code string
	if usingTenant != "" {
		if usingTenant == tx.who.Name {
			return Recipient{}, "", &Error{Kind: Invalid, Object: "recipient", Name: name, Detail: "a tenant cannot be its own recipient"}
		}
		// A name no tenant holds is accepted alike (login.go).
		t, ok, err := tx.lookupTenant(usingTenant)
		if err != nil {
			return Recipient{}, "", err
		}
		if ok {
			r.Tenant = t.ID
		}
		r.TenantName = usingTenant
	} else {
		if err := validTokenName(name); err != nil {
			return Recipient{}, "", err
		}
		r.Qualified = true
		var owner Tenant
		if _, err := tx.byID(uint64(r.Owner), &owner); err != nil {
			return Recipient{}, "", err
		}
		r.Salt = tx.loginSalt(owner.Name + loginSep + name)
		if code, err = tx.newActivation(&r); err != nil {
			return Recipient{}, "", err
		}
	}
	if err := tx.indexID(id, bucketRecipients, key(uint64(r.Owner), name)); err != nil {
		return Recipient{}, "", err
	}
	return r, code, tx.putRecipient(r)
}

// newActivation gives r a fresh activation code, replacing any pending one.
func (tx *Tx) newActivation(r *Recipient) (string, error) {
	raw := make([]byte, 24)
	if _, err := io.ReadFull(tx.c.rand, raw); err != nil {
		return "", err
	}
	code := hex.EncodeToString(raw)
	if r.Activation != nil {
		if err := tx.bucket(bucketActivations).Delete(r.Activation.Hash); err != nil {
			return "", err
		}
	}
	r.Activation = &Activation{Hash: sha([]byte(code)), Expires: tx.Now().UTC().Add(tx.c.activationLifetime)}
	return code, tx.bucket(bucketActivations).Put(r.Activation.Hash, key(uint64(r.Owner), r.Name))
}

// RotateRecipientToken issues a new activation code; existing tokens
// expire after grace (at once when zero).
func (tx *Tx) RotateRecipientToken(name string, grace time.Duration) (string, error) {
	if err := tx.requireWritable(); err != nil {
		return "", err
	}
	r, err := tx.Recipient(name)
	if err != nil {
		return "", err
	}
	if r.IsTenant() {
		return "", &Error{Kind: Invalid, Object: "recipient", Name: name, Detail: "recipient \"" + name + "\" authenticates as a tenant and has no token"}
	}
	limit := tx.Now().UTC().Add(grace)
	for i := range r.Tokens {
		if r.Tokens[i].Expires.After(limit) {
			r.Tokens[i].Expires = limit
		}
	}
	r.Tokens = r.ActiveTokens(tx.Now())
	code, err := tx.newActivation(&r)
	if err != nil {
		return "", err
	}
	return code, tx.putRecipient(r)
}

// AlterRecipient changes a recipient's comment or properties with fn.
func (tx *Tx) AlterRecipient(name string, fn func(*Recipient) error) error {
	if err := tx.requireWritable(); err != nil {
		return err
	}
	r, err := tx.Recipient(name)
	if err != nil {
		return err
	}
	if err := fn(&r); err != nil {
		return err
	}
	r.Name = name // renames go through RenameRecipient
	return tx.putRecipient(r)
}

// RenameRecipient renames a recipient; a token recipient's login follows.
func (tx *Tx) RenameRecipient(name, to string) error {
	if err := tx.requireWritable(); err != nil {
		return err
	}
	r, err := tx.Recipient(name)
	if err != nil {
		return err
	}
	if _, err := tx.Recipient(to); err == nil {
		return exists("recipient", to)
	}
	if !r.IsTenant() {
		if err := validTokenName(to); err != nil {
			return err
		}
		// The login follows the name: provider.to. A legacy bare login
		// becomes qualified (its salt stays: its tokens keep working).
		if tx.ownsLegacyLogin(r, name) {
			if err := tx.bucket(bucketLogins).Delete([]byte(name)); err != nil {
				return err
			}
		}
		r.Qualified = true
		if r.Activation != nil {
			if err := tx.bucket(bucketActivations).Put(r.Activation.Hash, key(uint64(r.Owner), to)); err != nil {
				return err
			}
		}
	}
	if err := tx.bucket(bucketRecipients).Delete(key(uint64(r.Owner), name)); err != nil {
		return err
	}
	r.Name = to
	if err := tx.indexID(uint64(r.ID), bucketRecipients, key(uint64(r.Owner), to)); err != nil {
		return err
	}
	return tx.putRecipient(r)
}

// DropRecipient drops a recipient, its grants and credentials.
func (tx *Tx) DropRecipient(name string) error {
	if err := tx.requireWritable(); err != nil {
		return err
	}
	r, err := tx.Recipient(name)
	if err != nil {
		return err
	}
	return tx.dropRecipient(r)
}

func (tx *Tx) dropRecipient(r Recipient) error {
	if err := tx.dropGrantsTo(r.ID); err != nil {
		return err
	}
	if tx.ownsLegacyLogin(r, r.Name) {
		if err := tx.bucket(bucketLogins).Delete([]byte(r.Name)); err != nil {
			return err
		}
	}
	if r.Activation != nil {
		if err := tx.bucket(bucketActivations).Delete(r.Activation.Hash); err != nil {
			return err
		}
	}
	if err := tx.unindexID(uint64(r.ID)); err != nil {
		return err
	}
	return tx.bucket(bucketRecipients).Delete(key(uint64(r.Owner), r.Name))
}

// Credential is what an activation hands out, once.
type Credential struct {
	User    string
	Token   string
	Expires time.Time
}

// ErrActivationUsed is returned for an unknown, used or expired link; the
// three are not told apart, so a link cannot be probed.
var ErrActivationUsed = &Error{Kind: NotFound, Object: "activation link", Detail: "activation link is unknown, expired or already used"}

// Activate redeems an activation code: it creates a token and returns it.
// It runs without a principal (the HTTP endpoint); the code is the secret.
func (tx *Tx) Activate(code string) (Credential, error) {
	if err := tx.requireWritable(); err != nil {
		return Credential{}, err
	}
	h := sha([]byte(code))
	k := tx.bucket(bucketActivations).Get(h)
	if k == nil {
		return Credential{}, ErrActivationUsed
	}
	k = bytes.Clone(k)
	var r Recipient
	ok, err := get(tx.bucket(bucketRecipients), k, &r)
	if err != nil {
		return Credential{}, err
	}
	now := tx.Now().UTC()
	if !ok || r.Activation == nil || subtle.ConstantTimeCompare(r.Activation.Hash, h) != 1 || !now.Before(r.Activation.Expires) {
		return Credential{}, ErrActivationUsed
	}
	if err := tx.bucket(bucketActivations).Delete(h); err != nil {
		return Credential{}, err
	}
	raw := make([]byte, 32) // 256 bits
	if _, err := io.ReadFull(tx.c.rand, raw); err != nil {
		return Credential{}, err
	}
	token := base64.RawURLEncoding.EncodeToString(raw)
	v, err := scramWithSalt(token, r.Salt)
	if err != nil {
		return Credential{}, err
	}
	t := Token{Hash: sha([]byte(token)), StoredKey: v.StoredKey, ServerKey: v.ServerKey, Created: now, Expires: now.Add(tx.c.tokenLifetime)}
	r.Tokens = append(r.ActiveTokens(now), t)
	r.Activation = nil
	if err := tx.putRecipient(r); err != nil {
		return Credential{}, err
	}
	return Credential{User: tx.LoginName(r), Token: token, Expires: t.Expires}, nil
}

// RecipientPrincipal is the principal of a session logged in with the
// token whose StoredKey is tokenKey.
func (r Recipient) RecipientPrincipal(tokenKey []byte) Principal {
	return Principal{Name: r.Name, Recipient: r.ID, Provider: r.Owner, TokenKey: slices.Clone(tokenKey)}
}

// recipientSelf re-reads the session's recipient and checks that its token
// is still valid: dropping the recipient or expiring the token ends access
// on the next statement.
func (tx *Tx) recipientSelf() (Recipient, bool, error) {
	var r Recipient
	ok, err := tx.byID(uint64(tx.who.Recipient), &r)
	if err != nil || !ok {
		return Recipient{}, false, err
	}
	for _, t := range r.ActiveTokens(tx.Now()) {
		if subtle.ConstantTimeCompare(t.StoredKey, tx.who.TokenKey) == 1 {
			return r, true, nil
		}
	}
	return Recipient{}, false, nil
}

// Activate redeems an activation code in its own transaction (the HTTP
// endpoint's entry point).
func (c *Catalog) Activate(ctx context.Context, code string) (Credential, error) {
	var cred Credential
	err := c.Update(ctx, System, func(tx *Tx) error {
		var err error
		cred, err = tx.Activate(code)
		return err
	})
	return cred, err
}
