package catalog

import (
	"bytes"
	"testing"
)

// activate creates token recipient name as who and redeems its link.
func activate(t *testing.T, c *Catalog, who Principal, name string) Credential {
	t.Helper()
	var code string
	mustUpdate(t, c, who, func(tx *Tx) error {
		var err error
		_, code, err = tx.CreateRecipient(name, "", "", nil)
		return err
	})
	var cred Credential
	mustUpdate(t, c, System, func(tx *Tx) error {
		var err error
		cred, err = tx.Activate(code)
		return err
	})
	return cred
}

func tokenLogin(t *testing.T, c *Catalog, user string) (Recipient, bool) {
	t.Helper()
	var r Recipient
	var ok bool
	mustUpdate(t, c, System, func(tx *Tx) error {
		var err error
		r, ok, err = tx.TokenLogin(user)
		return err
	})
	return r, ok
}

// Two tenants each have a recipient acme; each logs in by its qualified
// name; a tenant called like a qualified login cannot be made.
func TestRecipientLoginsPerTenant(t *testing.T) {
	c, _ := openTest(t)
	pa, pb := tenant(t, c, "pa"), tenant(t, c, "pb")
	ca, cb := activate(t, c, pa, "acme"), activate(t, c, pb, "acme")
	if ca.User != "pa.acme" || cb.User != "pb.acme" {
		t.Fatalf("logins %q, %q", ca.User, cb.User)
	}
	for user, owner := range map[string]TenantID{"pa.acme": pa.Tenant, "pb.acme": pb.Tenant} {
		if r, ok := tokenLogin(t, c, user); !ok || r.Owner != owner || r.Name != "acme" {
			t.Errorf("TokenLogin(%q) = %+v, %v", user, r, ok)
		}
	}
	for _, user := range []string{"acme", "pc.acme", "pa.nope", "pa.", "pa"} {
		if _, ok := tokenLogin(t, c, user); ok {
			t.Errorf("TokenLogin(%q) found a recipient", user)
		}
	}
	err := c.Update(t.Context(), System, func(tx *Tx) error {
		_, err := tx.CreateTenant("pa.acme", "pw", "", false)
		return err
	})
	if ce, ok := err.(*Error); !ok || ce.Kind != Invalid {
		t.Errorf("CREATE TENANT pa.acme: %v", err)
	}
	err = c.Update(t.Context(), pa, func(tx *Tx) error {
		_, _, err := tx.CreateRecipient("a.b", "", "", nil)
		return err
	})
	if ce, ok := err.(*Error); !ok || ce.Kind != Invalid {
		t.Errorf("CREATE RECIPIENT a.b: %v", err)
	}
	// The salt a login shows is the mock salt of its name.
	mustUpdate(t, c, System, func(tx *Tx) error {
		r, _, _ := tx.TokenLogin("pa.acme")
		if !bytes.Equal(r.Salt, tx.MockLogin("pa.acme").Salt) || bytes.Equal(r.Salt, tx.MockLogin("pb.acme").Salt) {
			t.Error("a qualified login's salt is not its name's mock salt")
		}
		return nil
	})
}

// A recipient made before per-tenant names (a bare login in cat.logins,
// no Qualified mark) keeps its login, and a renaming qualifies it.
func TestRecipientLegacyLogin(t *testing.T) {
	c, _ := openTest(t)
	pa := tenant(t, c, "pa")
	activate(t, c, pa, "acme")
	mustUpdate(t, c, System, func(tx *Tx) error { // as the old code stored it
		r, _, _ := tx.TokenLogin("pa.acme")
		r.Qualified = false
		if err := tx.putRecipient(r); err != nil {
			return err
		}
		return tx.bucket(bucketLogins).Put([]byte("acme"), key(uint64(r.Owner), r.Name))
	})
	if r, ok := tokenLogin(t, c, "acme"); !ok || r.Name != "acme" {
		t.Fatalf("legacy login: %+v %v", r, ok)
	}
	if _, ok := tokenLogin(t, c, "pa.acme"); ok {
		t.Error("a legacy recipient also logs in qualified")
	}
	// Another tenant's recipient acme does not take the legacy login.
	pb := tenant(t, c, "pb")
	activate(t, c, pb, "acme")
	mustUpdate(t, c, pb, func(tx *Tx) error { return tx.DropRecipient("acme") })
	if r, ok := tokenLogin(t, c, "acme"); !ok || r.Owner != pa.Tenant {
		t.Fatalf("legacy login after another tenant's acme was dropped: %+v %v", r, ok)
	}
	mustUpdate(t, c, pa, func(tx *Tx) error { return tx.RenameRecipient("acme", "acme2") })
	if _, ok := tokenLogin(t, c, "acme"); ok {
		t.Error("the old bare login survived the rename")
	}
	if r, ok := tokenLogin(t, c, "pa.acme2"); !ok || r.Name != "acme2" {
		t.Errorf("renamed legacy recipient: %+v %v", r, ok)
	}
}

// USING ID and ADD TENANTS accept a name no tenant holds; it reads once a
// tenant holds it, while one bound at creation does not pass to a new
// tenant of the same name.
func TestTenantNamesAreIdentifiers(t *testing.T) {
	c, _ := openTest(t)
	pa := tenant(t, c, "pa")
	mustUpdate(t, c, pa, func(tx *Tx) error {
		if _, err := tx.CreateShare("s1", ""); err != nil {
			return err
		}
		if _, err := tx.CreateShare("s2", ""); err != nil {
			return err
		}
		if _, _, err := tx.CreateRecipient("later_r", "later", "", nil); err != nil {
			return err
		}
		if err := tx.GrantShare("s1", "later_r"); err != nil {
			return err
		}
		if err := tx.SetShareTenants("s2", []string{"later"}, true); err != nil {
			return err
		}
		return tx.SetShareTenants("s2", []string{"never_added"}, false)
	})
	inbound := func(who Principal) (names []string) {
		mustUpdate(t, c, who, func(tx *Tx) error {
			ss, err := tx.InboundShares()
			for _, s := range ss {
				names = append(names, s.Name)
			}
			return err
		})
		return names
	}
	later := tenant(t, c, "later")
	if got := inbound(later); len(got) != 2 {
		t.Errorf("tenant later reads %q, want s1 and s2", got)
	}
	mustUpdate(t, c, pa, func(tx *Tx) error { return tx.SetShareTenants("s2", []string{"later"}, false) })
	if got := inbound(later); len(got) != 1 || got[0] != "s1" {
		t.Errorf("after REMOVE TENANTS later reads %q", got)
	}
	// Bound at creation: a tenant of the same name made later is another.
	bound := tenant(t, c, "bound")
	mustUpdate(t, c, pa, func(tx *Tx) error {
		if _, _, err := tx.CreateRecipient("bound_r", "bound", "", nil); err != nil {
			return err
		}
		return tx.GrantShare("s2", "bound_r")
	})
	if got := inbound(bound); len(got) != 1 {
		t.Errorf("bound reads %q", got)
	}
	mustUpdate(t, c, System, func(tx *Tx) error { return tx.DropTenant("bound") })
	if got := inbound(tenant(t, c, "bound")); len(got) != 0 {
		t.Errorf("a new tenant bound inherits %q", got)
	}
}
