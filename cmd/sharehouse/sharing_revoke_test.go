package main

// End-to-end tests of revocation: every way a provider takes access away
// reaches sessions that are already open on their next statement, and
// leaves every other consumer as it was.

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// revokeFixture is one provider with tables s.t1 and s.t2 in database d,
// shared as sh with token recipients a and b and consumer tenant g (which
// mounts sh as m), and as other with token recipient c. Every consumer
// has a session open before the revocation.
type revokeFixture struct {
	n         string // suffix making the names of this fixture unique
	provider  string
	prov      *pgx.Conn // the provider, in database d
	consumers map[string]*revokeConsumer
	creds     map[string]shareCredential
}

type revokeConsumer struct {
	conn   *pgx.Conn
	prefix string // before "s.t1": "" for a token recipient, "m." for g
}

var revokeTables = []string{"t1", "t2"}

// tenantAccess chooses how g may read sh.
type tenantAccess int

const (
	viaTenants   tenantAccess = iota // ALTER SHARE sh ADD TENANTS = g
	viaRecipient                     // CREATE RECIPIENT … USING ID 'g'; GRANT
)

func newRevokeFixture(t *testing.T, s *server, n string, access tenantAccess, usage bool) *revokeFixture {
	t.Helper()
	f := &revokeFixture{n: n, provider: "p_" + n, consumers: map[string]*revokeConsumer{}, creds: map[string]shareCredential{}}
	g := "g_" + n
	s.mustCreateTenant(t, f.provider)
	s.mustCreateTenant(t, g)
	mustExec(t, s.tenant(t, f.provider, "postgres"), "CREATE DATABASE d")
	f.prov = s.tenant(t, f.provider, "d")
	mustExec(t, f.prov, "CREATE SCHEMA s")
	for i, tb := range revokeTables {
		mustExec(t, f.prov, fmt.Sprintf("CREATE TABLE s.%s (id bigint)", tb))
		mustExec(t, f.prov, fmt.Sprintf("INSERT INTO s.%s VALUES (%d)", tb, i+1))
	}
	for _, sh := range []string{"sh", "other"} {
		mustExec(t, f.prov, "CREATE SHARE "+sh)
		if usage {
			mustExec(t, f.prov, "GRANT USAGE ON DATABASE d TO SHARE "+sh)
		}
		for _, tb := range revokeTables {
			mustExec(t, f.prov, fmt.Sprintf("GRANT SELECT ON TABLE d.s.%s TO SHARE %s", tb, sh))
		}
	}
	for _, r := range []struct{ name, share string }{{"a", "sh"}, {"b", "sh"}, {"c", "other"}} {
		rn := r.name + "_" + n
		link := mustCreateRecipient(t, f.prov, "CREATE RECIPIENT "+rn)
		mustExec(t, f.prov, fmt.Sprintf("GRANT SELECT ON SHARE %s TO RECIPIENT %s", r.share, rn))
		cred := mustActivate(t, link)
		f.creds[r.name] = cred
		f.consumers[r.name] = &revokeConsumer{conn: recipientConnect(t, cred, r.share)}
	}
	switch access {
	case viaTenants:
		mustExec(t, f.prov, "ALTER SHARE sh ADD TENANTS = "+g)
	case viaRecipient:
		mustCreateRecipient(t, f.prov, fmt.Sprintf("CREATE RECIPIENT gr_%s USING ID '%s'", n, g))
		mustExec(t, f.prov, fmt.Sprintf("GRANT SELECT ON SHARE sh TO RECIPIENT gr_%s", n))
	}
	gc := s.tenant(t, g, "postgres")
	mustExec(t, gc, fmt.Sprintf("CREATE DATABASE m FROM SHARE %s.sh", f.provider))
	f.consumers["g"] = &revokeConsumer{conn: gc, prefix: "m."}
	// Everyone reads everything before the revocation.
	f.check(t, map[string][]string{"a": revokeTables, "b": revokeTables, "c": revokeTables, "g": revokeTables})
	return f
}

// check runs one statement per consumer and table and compares with want:
// the tables each consumer may read; any other is absent.
func (f *revokeFixture) check(t *testing.T, want map[string][]string) {
	t.Helper()
	for _, name := range []string{"a", "b", "c", "g"} {
		c := f.consumers[name]
		for i, tb := range revokeTables {
			q := fmt.Sprintf("SELECT id FROM %ss.%s", c.prefix, tb)
			rows, err := queryBoth(t, c.conn, q)
			readable := strings.Contains(","+strings.Join(want[name], ",")+",", ","+tb+",")
			switch {
			case readable && err != nil:
				t.Errorf("%s: %s: %v; want it readable", name, q, err)
			case readable && flatRows(rows) != fmt.Sprint(i+1):
				t.Errorf("%s: %s = %q, want %d", name, q, rows, i+1)
			case !readable && err == nil:
				t.Errorf("%s: %s still reads %q after the revocation", name, q, rows)
			case !readable:
				if pe, ok := asPgError(err); !ok || (pe.Code != "42P01" && pe.Code != "3D000") {
					t.Errorf("%s: %s: %v; want 42P01 or 3D000", name, q, err)
				}
			}
		}
	}
}

func TestSharingRevocation(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	all := revokeTables
	only := func(tb ...string) []string { return tb }
	for i, tc := range []struct {
		name   string
		access tenantAccess
		usage  bool
		sql    string // {n} is the fixture's suffix
		want   map[string][]string
		after  func(t *testing.T, f *revokeFixture)
	}{
		{name: "REVOKE from a token recipient", sql: "REVOKE SELECT ON SHARE sh FROM RECIPIENT a_{n}",
			want: map[string][]string{"b": all, "c": all, "g": all},
			after: func(t *testing.T, f *revokeFixture) {
				// Still a valid login, but the share is no database of its.
				wantCode(t, loginErr(t, f.creds["a"], "sh"), "3D000")
			}},
		{name: "REVOKE from a tenant recipient", access: viaRecipient, sql: "REVOKE SELECT ON SHARE sh FROM RECIPIENT gr_{n}",
			want: map[string][]string{"a": all, "b": all, "c": all}},
		{name: "DROP RECIPIENT", sql: "DROP RECIPIENT a_{n}",
			want: map[string][]string{"b": all, "c": all, "g": all},
			after: func(t *testing.T, f *revokeFixture) {
				wantCode(t, loginErr(t, f.creds["a"], "sh"), "28P01")
			}},
		{name: "DROP RECIPIENT of a tenant", access: viaRecipient, sql: "DROP RECIPIENT gr_{n}",
			want: map[string][]string{"a": all, "b": all, "c": all}},
		{name: "REMOVE TABLE", sql: "ALTER SHARE sh REMOVE TABLE d.s.t1",
			want: map[string][]string{"a": only("t2"), "b": only("t2"), "c": all, "g": only("t2")}},
		{name: "REVOKE SELECT ON TABLE", sql: "REVOKE SELECT ON TABLE d.s.t2 FROM SHARE sh",
			want: map[string][]string{"a": only("t1"), "b": only("t1"), "c": all, "g": only("t1")}},
		{name: "REMOVE TENANTS", sql: "ALTER SHARE sh REMOVE TENANTS = g_{n}",
			want: map[string][]string{"a": all, "b": all, "c": all}},
		{name: "DROP SHARE", sql: "DROP SHARE sh",
			want: map[string][]string{"c": all},
			after: func(t *testing.T, f *revokeFixture) {
				wantCode(t, loginErr(t, f.creds["a"], "sh"), "3D000")
			}},
		{name: "DROP TABLE", sql: "DROP TABLE s.t1",
			want: map[string][]string{"a": only("t2"), "b": only("t2"), "c": only("t2"), "g": only("t2")}},
		{name: "REVOKE USAGE ON DATABASE", usage: true, sql: "REVOKE USAGE ON DATABASE d FROM SHARE sh",
			want: map[string][]string{"c": all}},
	} {
		n := fmt.Sprint("case", i)
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newRevokeFixture(t, s, n, tc.access, tc.usage)
			mustExec(t, f.prov, strings.ReplaceAll(tc.sql, "{n}", n))
			f.check(t, tc.want)
			if tc.after != nil {
				tc.after(t, f)
			}
		})
	}
}

// TestSharingRevocationMidSession: access ends on the next statement also
// for a statement prepared before the revocation (pgx caches prepared
// statements) and inside an open transaction block.
func TestSharingRevocationMidSession(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	f := newRevokeFixture(t, s, "mid", viaTenants, false)
	a, g := f.consumers["a"].conn, f.consumers["g"].conn
	ctx := context.Background()
	// Prepared (extended protocol, cached by pgx) before the revocation.
	if n := queryInt64(t, a, "SELECT count(*) FROM s.t1 WHERE id > $1", 0); n != 1 {
		t.Fatalf("a counts %d", n)
	}
	if _, err := a.Prepare(ctx, "t2", "SELECT id FROM s.t2"); err != nil {
		t.Fatal(err)
	}
	mustExec(t, g, "BEGIN")
	if n := queryInt64(t, g, "SELECT count(*) FROM m.s.t1"); n != 1 {
		t.Fatalf("g counts %d", n)
	}

	mustExec(t, f.prov, "REVOKE SELECT ON SHARE sh FROM RECIPIENT a_mid")
	mustExec(t, f.prov, "ALTER SHARE sh REMOVE TENANTS = g_mid")

	wantAbsent(t, queryErr(a, "SELECT count(*) FROM s.t1 WHERE id > $1", 0))
	wantAbsent(t, queryErr(a, "t2"))
	t.Run("inside a transaction block", func(t *testing.T) {
		wantAbsent(t, queryErr(g, "SELECT count(*) FROM m.s.t1"))
	})
	execErr(g, "ROLLBACK")
	wantAbsent(t, queryErr(g, "SELECT count(*) FROM m.s.t1"))
	if n := queryInt64(t, f.consumers["b"].conn, "SELECT count(*) FROM s.t1 WHERE id > $1", 0); n != 1 {
		t.Errorf("b counts %d", n)
	}
}
