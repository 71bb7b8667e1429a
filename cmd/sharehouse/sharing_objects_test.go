package main

// End-to-end tests of how shares hold their objects: by ID (renames
// follow, a re-created table of the same name is not shared), under an
// alias, and transactionally.

import (
	"testing"
)

func TestSharingObjectsByID(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	s.mustCreateTenant(t, "prov")
	s.mustCreateTenant(t, "globex")
	prov := s.tenant(t, "prov", "postgres")
	for _, sql := range []string{
		"CREATE SCHEMA fin",
		"CREATE TABLE fin.orders (id bigint)", "INSERT INTO fin.orders VALUES (1)",
		"CREATE TABLE fin.gone (id bigint)", "INSERT INTO fin.gone VALUES (2)",
		"CREATE TABLE fin.renamed (id bigint)", "INSERT INTO fin.renamed VALUES (3)",
		"CREATE SHARE sh",
		"ALTER SHARE sh ADD TABLE fin.orders AS partner.orders_v1",
		"ALTER SHARE sh ADD TABLE postgres.fin.gone",
		"ALTER SHARE sh ADD TABLE fin.renamed",
		"ALTER SHARE sh ADD TENANTS = globex",
	} {
		mustExec(t, prov, sql)
	}
	link := mustCreateRecipient(t, prov, "CREATE RECIPIENT acme")
	mustExec(t, prov, "GRANT SELECT ON SHARE sh TO RECIPIENT acme")
	cred := mustActivate(t, link)
	acme := recipientConnect(t, cred, "sh")
	globex := s.tenant(t, "globex", "postgres")
	mustExec(t, globex, "CREATE DATABASE m FROM SHARE prov.sh")

	t.Run("alias", func(t *testing.T) {
		if n := queryInt64(t, acme, "SELECT id FROM partner.orders_v1"); n != 1 {
			t.Errorf("acme reads %d", n)
		}
		if n := queryInt64(t, globex, "SELECT id FROM m.partner.orders_v1"); n != 1 {
			t.Errorf("globex reads %d", n)
		}
		wantAbsent(t, queryErr(acme, "SELECT id FROM fin.orders"))
	})

	t.Run("a re-created table is not the shared one", func(t *testing.T) {
		mustExec(t, prov, "DROP TABLE fin.gone")
		mustExec(t, prov, "CREATE TABLE fin.gone (id bigint)")
		mustExec(t, prov, "INSERT INTO fin.gone VALUES (20)")
		wantAbsent(t, queryErr(acme, "SELECT id FROM fin.gone"))
		wantAbsent(t, queryErr(globex, "SELECT id FROM m.fin.gone"))
	})

	t.Run("a renamed table stays shared under its new name", func(t *testing.T) {
		mustExec(t, prov, "ALTER TABLE fin.renamed RENAME TO now_named")
		if n := queryInt64(t, acme, "SELECT id FROM fin.now_named"); n != 3 {
			t.Errorf("acme reads %d", n)
		}
		wantAbsent(t, queryErr(acme, "SELECT id FROM fin.renamed"))
	})

	t.Run("a rolled back ADD TABLE shares nothing", func(t *testing.T) {
		mustExec(t, prov, "CREATE TABLE fin.draft (id bigint)")
		mustExec(t, prov, "BEGIN")
		mustExec(t, prov, "ALTER SHARE sh ADD TABLE fin.draft")
		mustExec(t, prov, "ROLLBACK")
		wantAbsent(t, queryErr(acme, "SELECT id FROM fin.draft"))
		rows := mustQueryBoth(t, prov, "SHOW ALL IN SHARE sh")
		for _, r := range rows {
			if r[1] == "postgres.fin.draft" {
				t.Errorf("SHOW ALL IN SHARE lists the rolled back table: %q", rows)
			}
		}
	})

	t.Run("a renamed share", func(t *testing.T) {
		mustExec(t, prov, "ALTER SHARE sh RENAME TO sh2")
		if n := queryInt64(t, globex, "SELECT id FROM m.partner.orders_v1"); n != 1 {
			t.Errorf("globex's mount after the rename reads %d", n)
		}
		if n := queryInt64(t, recipientConnect(t, cred, "sh2"), "SELECT id FROM partner.orders_v1"); n != 1 {
			t.Errorf("acme in sh2 reads %d", n)
		}
		wantCode(t, loginErr(t, cred, "sh"), "3D000")
	})

	t.Run("recipient names are the tenant's own", func(t *testing.T) {
		// Only the tenant's own recipients clash; tenants' and other
		// tenants' recipients' names are free (sharing_isolation_test.go).
		wantCode(t, execErr(prov, "CREATE RECIPIENT acme"), "42710")
		mustCreateRecipient(t, prov, "CREATE RECIPIENT globex")
		s.mustCreateTenant(t, "other")
		mustCreateRecipient(t, s.tenant(t, "other", "postgres"), "CREATE RECIPIENT acme")
		s.mustCreateTenant(t, "acme")
		if cred.User != "prov.acme" {
			t.Errorf("credential user %q, want prov.acme", cred.User)
		}
		// A tenant named like the recipient does not shadow its login.
		if err := loginErr(t, cred, "sh2"); err != nil {
			t.Errorf("prov.acme after tenant acme was created: %v", err)
		}
	})
}
