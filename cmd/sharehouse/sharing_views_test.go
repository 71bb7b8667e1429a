package main

// End-to-end: views and sharing over the wire. A provider's views are not
// shared; a consumer tenant's own view over a mounted share reads with the
// consumer's rights, so revoking the grant stops the view at once, for a
// session already open too.

import (
	"context"
	"testing"
)

func TestSharingViews(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	s.mustCreateTenant(t, "prov")
	s.mustCreateTenant(t, "globex")
	prov := s.tenant(t, "prov", "postgres")
	for _, sql := range []string{
		"CREATE TABLE orders (id bigint, amount numeric(12,2))",
		"INSERT INTO orders VALUES (1, 10.50), (2, 20.25)",
		"CREATE VIEW big_orders AS SELECT id FROM orders WHERE amount > 15",
		"CREATE SHARE sh",
		"ALTER SHARE sh ADD TABLE orders",
		"ALTER SHARE sh ADD TENANTS = globex",
	} {
		mustExec(t, prov, sql)
	}
	pe := wantCode(t, queryErr(prov, "ALTER SHARE sh ADD TABLE big_orders"), "42809")
	if pe.Message != `"big_orders" is a view` {
		t.Errorf("ADD TABLE view: %q", pe.Message)
	}
	link := mustCreateRecipient(t, prov, "CREATE RECIPIENT acme")
	mustExec(t, prov, "GRANT SELECT ON SHARE sh TO RECIPIENT acme")
	acme := recipientConnect(t, mustActivate(t, link), "sh")
	wantAbsent(t, queryErr(acme, "SELECT * FROM public.big_orders"))
	if n := queryInt64(t, acme, "SELECT count(*) FROM pg_class WHERE relname = 'big_orders'"); n != 0 {
		t.Errorf("token recipient lists %d provider views", n)
	}

	globex := s.tenant(t, "globex", "postgres")
	mustExec(t, globex, "CREATE DATABASE m FROM SHARE prov.sh")
	wantAbsent(t, queryErr(globex, "SELECT * FROM m.public.big_orders"))
	inMount := s.tenant(t, "globex", "m")
	wantReadOnly(t, queryErr(inMount, "CREATE VIEW v AS SELECT 1"), "sh")
	mustExec(t, globex, "CREATE VIEW mine AS SELECT id, amount FROM m.public.orders WHERE amount > 15")
	if got := flatRows(mustQueryBoth(t, globex, "SELECT * FROM mine")); got != "2,20.25" {
		t.Fatalf("consumer view reads %q", got)
	}
	mustExec(t, prov, "ALTER SHARE sh REMOVE TENANTS = globex")
	wantAbsent(t, queryErr(globex, "SELECT * FROM mine"))
	// The consumer's view is its own: it stays, and may be dropped.
	if _, err := globex.Exec(context.Background(), "DROP VIEW mine"); err != nil {
		t.Errorf("DROP VIEW after the revoke: %v", err)
	}
}
