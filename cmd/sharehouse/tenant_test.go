package main

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestTenantIsolation(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	admin := s.admin(t, "postgres")
	mustExec(t, admin, "CREATE TENANT alice PASSWORD 'alice-pw' COMMENT 'Alice Corp'")
	mustExec(t, admin, "CREATE TENANT bob PASSWORD 'bob-pw'")
	wantCode(t, execErr(admin, "CREATE TENANT alice PASSWORD 'again'"), "42710")

	// alice builds a few objects; every tenant starts with postgres.public.
	alice := s.connect(t, "alice", "alice-pw", "postgres")
	mustExec(t, alice, "CREATE TABLE secrets (id int, note text)")
	mustExec(t, alice, "INSERT INTO secrets VALUES (1, 'alice only')")
	mustExec(t, alice, "CREATE DATABASE sales")
	aliceSales := s.connect(t, "alice", "alice-pw", "sales")
	mustExec(t, aliceSales, "CREATE SCHEMA crm")
	mustExec(t, aliceSales, "CREATE TABLE crm.leads (id bigint, name text)")
	mustExec(t, aliceSales, "INSERT INTO crm.leads VALUES (1, 'acme'), (2, 'globex')")
	if n := queryInt64(t, alice, "SELECT count(*) FROM sales.crm.leads"); n != 2 {
		t.Fatalf("alice sees %d leads through a three-part name, want 2", n)
	}

	bob := s.connect(t, "bob", "bob-pw", "postgres")
	ctx, cancel := context.WithTimeout(context.Background(), queryTimeout)
	defer cancel()

	t.Run("connect to another tenant's database", func(t *testing.T) {
		c, err := pgx.Connect(ctx, s.url("bob", "bob-pw", "sales"))
		if err == nil {
			c.Close(ctx)
			t.Fatal("bob connected to alice's database")
		}
		wantCode(t, err, "3D000")
	})
	for _, tc := range []struct{ sql, code string }{
		{"SELECT * FROM secrets", "42P01"},
		{"SELECT * FROM public.secrets", "42P01"},
		{"SELECT * FROM postgres.public.secrets", "42P01"},
		{"INSERT INTO secrets VALUES (2, 'x')", "42P01"},
		{"SELECT * FROM sales.crm.leads", "3D000"},
		{"DROP TABLE secrets", "42P01"},
		{"DROP DATABASE sales", "3D000"},
		{"DROP TENANT alice", "42501"},
		{"CREATE TENANT mallory PASSWORD 'x'", "42501"},
	} {
		t.Run(tc.sql, func(t *testing.T) {
			err := queryErr(bob, tc.sql)
			if tc.code == "3D000" {
				// A three-part name whose database is absent may also be
				// answered as a missing relation; both say "absent".
				wantCode(t, err, "3D000", "42P01")
				return
			}
			wantCode(t, err, tc.code)
		})
	}
	t.Run("error messages do not leak", func(t *testing.T) {
		pe := pgErr(t, queryErr(bob, "SELECT * FROM secrets"))
		if want := `relation "secrets" does not exist`; pe.Message != want {
			t.Errorf("message %q, want %q", pe.Message, want)
		}
	})

	t.Run("listings show nothing of alice", func(t *testing.T) {
		for _, q := range []string{
			"SELECT datname FROM pg_catalog.pg_database",
			"SELECT nspname FROM pg_catalog.pg_namespace",
			"SELECT relname FROM pg_catalog.pg_class",
			"SELECT table_catalog || '.' || table_schema || '.' || table_name FROM information_schema.tables",
			"SELECT rolname FROM pg_catalog.pg_roles",
		} {
			for _, v := range queryStrings(t, bob, q) {
				if strings.Contains(v, "sales") || strings.Contains(v, "crm") || strings.Contains(v, "secrets") ||
					strings.Contains(v, "leads") || strings.Contains(v, "alice") {
					t.Errorf("%s: bob sees %q", q, v)
				}
			}
		}
		dbs := queryStrings(t, bob, "SELECT datname FROM pg_catalog.pg_database")
		if !slices.Contains(dbs, "postgres") {
			t.Errorf("bob's databases %q lack postgres", dbs)
		}
	})
	t.Run("psql listing", func(t *testing.T) {
		out := s.mustPsql(t, "bob", "bob-pw", "postgres", "", "-c", `\l`)
		if strings.Contains(out, "sales") {
			t.Errorf(`bob's \l shows alice's database:\n%s`, out)
		}
	})

	// Names are per tenant: bob can have his own sales and secrets, and
	// neither tenant sees the other's rows.
	mustExec(t, bob, "CREATE DATABASE sales")
	mustExec(t, bob, "CREATE TABLE secrets (id int, note text)")
	mustExec(t, bob, "INSERT INTO secrets VALUES (7, 'bob only'), (8, 'bob too')")
	if got := queryStrings(t, bob, "SELECT note FROM secrets ORDER BY id"); !slices.Equal(got, []string{"bob only", "bob too"}) {
		t.Errorf("bob's secrets: %q", got)
	}
	if got := queryStrings(t, alice, "SELECT note FROM secrets ORDER BY id"); !slices.Equal(got, []string{"alice only"}) {
		t.Errorf("alice's secrets: %q", got)
	}
	bobSales := s.connect(t, "bob", "bob-pw", "sales")
	wantCode(t, queryErr(bobSales, "SELECT * FROM crm.leads"), "42P01", "3F000")

	// The superuser manages tenants; a dropped tenant can no longer log in.
	mustExec(t, admin, "ALTER TENANT bob PASSWORD 'bob-pw-2'")
	c, err := pgx.Connect(ctx, s.url("bob", "bob-pw", "postgres"))
	if err == nil {
		c.Close(ctx)
		t.Fatal("bob logged in with his old password")
	}
	wantCode(t, err, "28P01")
	s.connect(t, "bob", "bob-pw-2", "postgres")
	mustExec(t, admin, "CREATE TENANT carol PASSWORD 'carol-pw'")
	mustExec(t, admin, "DROP TENANT carol")
	c, err = pgx.Connect(ctx, s.url("carol", "carol-pw", "postgres"))
	if err == nil {
		c.Close(ctx)
		t.Fatal("a dropped tenant logged in")
	}
	wantCode(t, err, "28P01")
}
