package catalog

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/sharehouse/sharehouse/storage"
	bolt "go.etcd.io/bbolt"
)

type testClock struct{ t time.Time }

func (c *testClock) now() time.Time { return c.t }

func openTest(t *testing.T) (*Catalog, *testClock) {
	t.Helper()
	opts := storage.DefaultOptions()
	opts.NoSync = true
	st, err := storage.Open(t.TempDir(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := st.Check(); err != nil {
			t.Error(err)
		}
		st.Close()
	})
	clock := &testClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	c, err := Open(context.Background(), st, Config{Now: clock.now})
	if err != nil {
		t.Fatal(err)
	}
	return c, clock
}

func mustUpdate(t *testing.T, c *Catalog, who Principal, fn func(*Tx) error) {
	t.Helper()
	if err := c.Update(context.Background(), who, fn); err != nil {
		t.Fatal(err)
	}
}

func tenant(t *testing.T, c *Catalog, name string) Principal {
	t.Helper()
	var p Principal
	mustUpdate(t, c, System, func(tx *Tx) error {
		tn, err := tx.CreateTenant(name, "pw", "", false)
		p = tn.Principal()
		return err
	})
	return p
}

func TestShareFlow(t *testing.T) {
	c, clock := openTest(t)
	ctx := context.Background()
	prov := tenant(t, c, "provider_co")
	globex := tenant(t, c, "globex")
	other := tenant(t, c, "other")

	var code string
	mustUpdate(t, c, prov, func(tx *Tx) error {
		if _, err := tx.CreateDatabase("gold", ""); err != nil {
			return err
		}
		if _, err := tx.CreateSchema("gold", "finance", ""); err != nil {
			return err
		}
		for _, n := range []string{"orders", "returns", "secret"} {
			if _, err := tx.CreateTable(TableRef{"gold", "finance", n}, []Column{{Name: "id", Type: ColumnType{OID: 20, Typmod: -1}}}, ""); err != nil {
				return err
			}
		}
		if _, err := tx.CreateShare("s", "for partners"); err != nil {
			return err
		}
		orders, _ := tx.Table(TableRef{"gold", "finance", "orders"})
		returns, _ := tx.Table(TableRef{"gold", "finance", "returns"})
		if _, err := tx.AlterShare("s", func(s *Share) error {
			s.AddObject(ShareObject{Kind: ShareTable, ID: uint64(orders.ID)})
			s.AddObject(ShareObject{Kind: ShareTable, ID: uint64(returns.ID), Alias: "pub.rets"})
			return nil
		}); err != nil {
			return err
		}
		var err error
		if _, code, err = tx.CreateRecipient("acme", "", "", nil); err != nil {
			return err
		}
		if _, _, err := tx.CreateRecipient("globex_r", "globex", "", nil); err != nil {
			return err
		}
		if err := tx.GrantShare("s", "acme"); err != nil {
			return err
		}
		return tx.GrantShare("s", "globex_r")
	})

	// Activation hands out a token once.
	var cred Credential
	mustUpdate(t, c, System, func(tx *Tx) (err error) { cred, err = tx.Activate(code); return err })
	if err := c.Update(ctx, System, func(tx *Tx) error { _, err := tx.Activate(code); return err }); err != ErrActivationUsed {
		t.Fatalf("second activation: %v", err)
	}
	var acme Principal
	c.View(ctx, System, func(tx *Tx) error {
		r, ok, err := tx.TokenLogin(cred.User)
		if !ok || err != nil {
			t.Fatalf("login %q: %v %v", cred.User, ok, err)
		}
		v, _ := scramWithSalt(cred.Token, r.Salt)
		acme = r.RecipientPrincipal(v.StoredKey)
		return nil
	})

	// The token recipient sees the share as a database with two tables.
	visible := func(who Principal, db string) []string {
		var names []string
		c.View(ctx, who, func(tx *Tx) error {
			schemas, _ := tx.Schemas(db)
			for _, s := range schemas {
				ts, _ := tx.Tables(db, s.Name)
				for _, tb := range ts {
					names = append(names, s.Name+"."+tb.Name)
				}
			}
			return nil
		})
		return names
	}
	if got := visible(acme, "s"); len(got) != 2 || got[0] != "finance.orders" || got[1] != "pub.rets" {
		t.Fatalf("acme sees %v", got)
	}
	// Writes are refused as read-only; unshared tables are absent.
	c.View(ctx, acme, func(tx *Tx) error {
		tb, err := tx.Table(TableRef{"s", "finance", "orders"})
		if err != nil || tb.writable("INSERT into") == nil {
			t.Fatalf("orders: %v, writable", err)
		}
		if _, err := tx.Table(TableRef{"s", "finance", "secret"}); !IsNotFound(err) {
			t.Fatalf("secret: %v", err)
		}
		if _, err := tx.Database("gold"); !IsNotFound(err) {
			t.Fatalf("gold: %v", err)
		}
		return nil
	})
	// Tenant recipient mounts; a stranger cannot.
	mustUpdate(t, c, globex, func(tx *Tx) error { _, err := tx.CreateMount("fin", "provider_co", "s"); return err })
	if got := visible(globex, "fin"); len(got) != 2 {
		t.Fatalf("globex sees %v", got)
	}
	if err := c.Update(ctx, other, func(tx *Tx) error { _, err := tx.CreateMount("x", "provider_co", "s"); return err }); !IsNotFound(err) {
		t.Fatalf("stranger mount: %v", err)
	}
	// Revocation is immediate for both.
	mustUpdate(t, c, prov, func(tx *Tx) error { return tx.RevokeShare("s", "globex_r") })
	if got := visible(globex, "fin"); len(got) != 0 {
		t.Fatalf("after revoke globex sees %v", got)
	}
	if got := visible(acme, "s"); len(got) != 2 {
		t.Fatalf("revoking globex touched acme: %v", got)
	}
	// Token expiry ends access.
	clock.t = clock.t.Add(DefaultTokenLifetime + time.Second)
	if got := visible(acme, "s"); len(got) != 0 {
		t.Fatalf("after expiry acme sees %v", got)
	}
	// Secrets are stored only as hashes: neither the token nor the code
	// appears anywhere in the catalog.
	c.View(ctx, System, func(tx *Tx) error {
		return tx.st.Bolt().ForEach(func(name []byte, b *bolt.Bucket) error {
			return b.ForEach(func(k, v []byte) error {
				for _, secret := range []string{cred.Token, code} {
					if bytes.Contains(k, []byte(secret)) || bytes.Contains(v, []byte(secret)) {
						t.Errorf("bucket %s holds a secret in plain text", name)
					}
				}
				return nil
			})
		})
	})
}
