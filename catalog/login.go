package catalog

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"io"
	"slices"
	"strings"
)

// Names across tenants.
//
// A tenant's name is its sharing identifier, like an account locator: a
// provider names a consumer by it (CREATE RECIPIENT … USING ID, ALTER SHARE
// … ADD TENANTS) and a consumer names a provider by it (CREATE DATABASE …
// FROM SHARE provider.share). Knowing a name is all it takes to use it, and
// nothing a tenant can do tells it whether a name belongs to a tenant: a
// USING ID or ADD TENANTS naming no tenant is accepted like one naming a
// tenant (it takes effect for the tenant that holds the name when a read
// happens; one naming an existing tenant is bound to that tenant, so a
// tenant dropped and created again does not inherit it), REMOVE TENANTS of
// a name that was never added is a no-op either way, and FROM SHARE of a
// missing provider is the same 42704 as of a missing share. Only the
// superuser lists tenants; a tenant sees only itself in SHOW TENANTS and
// pg_roles.
//
// Everything else a tenant owns, recipients included, is in the tenant's
// own namespace: two tenants may each have a recipient acme, and CREATE,
// ALTER, DROP and GRANT … TO RECIPIENT answer only from the tenant's own
// recipients. So a token recipient logs in with a qualified name,
// provider.recipient (provider_co.acme_corp), the user name its credential
// file carries; a token recipient's name therefore holds no dot. Recipients
// created before this rule (LegacyLogin) keep their server-wide bare login
// names, so credential files already handed out keep working.
//
// The SCRAM salt a login shows before authentication is keyed by a secret
// of the catalog and the login name, the same for a qualified login that
// exists and one that does not (MockLogin), so probing logins does not
// tell either.

// loginSep separates a provider's name from its recipient's in a login name.
const loginSep = "."

var metaLoginSecret = []byte("login.secret")

// ensureLoginSecret creates the catalog's login secret on first use.
func ensureLoginSecret(meta interface {
	Get([]byte) []byte
	Put([]byte, []byte) error
}, rand io.Reader) error {
	if meta.Get(metaLoginSecret) != nil {
		return nil
	}
	secret := make([]byte, 32)
	if _, err := io.ReadFull(rand, secret); err != nil {
		return err
	}
	return meta.Put(metaLoginSecret, secret)
}

// loginDerived is HMAC(login secret, purpose NUL login).
func (tx *Tx) loginDerived(purpose, login string) []byte {
	m := hmac.New(sha256.New, tx.bucket(bucketMeta).Get(metaLoginSecret))
	m.Write([]byte(purpose + "\x00" + login))
	return m.Sum(nil)
}

// loginSalt is the SCRAM salt of a qualified token recipient's login.
func (tx *Tx) loginSalt(login string) []byte { return tx.loginDerived("salt", login)[:16] }

// MockLogin is the SCRAM credential shown for a login no one has: the salt
// an existing qualified login would show, and keys no proof matches.
func (tx *Tx) MockLogin(user string) SCRAM {
	key := tx.loginDerived("key", user)
	return SCRAM{Salt: tx.loginSalt(user), Iterations: scramIterations, StoredKey: key, ServerKey: key}
}

// LoginName is the user name r's partner logs in with.
func (tx *Tx) LoginName(r Recipient) string {
	if r.LegacyLogin() {
		return r.Name
	}
	var t Tenant
	if ok, err := tx.byID(uint64(r.Owner), &t); err != nil || !ok {
		return r.Name
	}
	return t.Name + loginSep + r.Name
}

// TokenLogin finds the token recipient that logs in as user, whoever owns
// it: a legacy bare login, else provider.recipient. ok is false for no
// such login. For authentication only.
func (tx *Tx) TokenLogin(user string) (Recipient, bool, error) {
	if k := tx.bucket(bucketLogins).Get([]byte(user)); k != nil {
		var r Recipient
		ok, err := get(tx.bucket(bucketRecipients), bytes.Clone(k), &r)
		return r, ok && r.LegacyLogin(), err
	}
	i := strings.LastIndex(user, loginSep)
	if i < 0 {
		return Recipient{}, false, nil
	}
	t, ok, err := tx.lookupTenant(user[:i])
	if err != nil || !ok {
		return Recipient{}, false, err
	}
	var r Recipient
	ok, err = get(tx.bucket(bucketRecipients), key(uint64(t.ID), user[i+1:]), &r)
	if err != nil || !ok || r.IsTenant() || r.LegacyLogin() {
		return Recipient{}, false, err
	}
	return r, true, nil
}

// ownsLegacyLogin reports whether the bare login entry name is r's.
func (tx *Tx) ownsLegacyLogin(r Recipient, name string) bool {
	k := tx.bucket(bucketLogins).Get([]byte(name))
	return r.LegacyLogin() && k != nil && bytes.Equal(k, key(uint64(r.Owner), r.Name))
}

// validTokenName checks a token recipient's name: part of its login.
func validTokenName(name string) error {
	if strings.Contains(name, loginSep) {
		return &Error{Kind: Invalid, Object: "recipient", Name: name,
			Detail: "invalid recipient name \"" + name + "\": a token recipient's name cannot contain \".\"",
			Hint:   "Its login name is provider.recipient."}
	}
	return nil
}

// validTenantName keeps a new tenant's name apart from qualified logins
// (and from provider.share in FROM SHARE).
func validTenantName(name string) error {
	if strings.Contains(name, loginSep) {
		return &Error{Kind: Invalid, Object: "tenant", Name: name,
			Detail: "invalid tenant name \"" + name + "\": a tenant's name cannot contain \".\""}
	}
	return nil
}

// setName adds name to names (add) or removes it.
func setName(names []string, name string, add bool) []string {
	i := slices.Index(names, name)
	switch {
	case add && i < 0:
		return append(names, name)
	case !add && i >= 0:
		return slices.Delete(names, i, i+1)
	}
	return names
}
