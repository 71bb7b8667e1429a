package main

// A shared table for the JDBC and ODBC client tests: a provider whose
// table has a primary key and the common column types, shared with a token
// recipient next to a table that is not shared; and line-based checks of
// what the client programs print.

import (
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// clientFixture is what the JDBC and ODBC tests drive.
type clientFixture struct {
	s          *server
	host, port string
	// The provider: tenant, its password, the database and table.
	provider, providerPW, db, schema, table string
	// share is the share holding the table; cred the recipient's credential.
	share string
	cred  shareCredential
}

// newClientFixture starts a server and sets up provider "acme" with
// postgres.sales.items (shared through share items_share with token
// recipient "partner") and postgres.sales.internal_notes (not shared),
// whose foreign key references items.
func newClientFixture(t *testing.T) *clientFixture {
	t.Helper()
	s := startServer(t)
	s.mustCreateTenant(t, "acme")
	prov := s.tenant(t, "acme", "postgres")
	for _, sql := range []string{
		"CREATE SCHEMA sales",
		`CREATE TABLE sales.items (id int PRIMARY KEY, big bigint, price numeric(10,2), name text NOT NULL,
			code varchar(8), active bool, born date, seen timestamp, seen_tz timestamptz, score double precision)`,
		`INSERT INTO sales.items VALUES (1, 9000000000, 12.50, 'apple', 'A1', true, '2024-01-02',
			'2024-01-02 03:04:05', '2024-01-02 03:04:05+00', 1.5)`,
		`CREATE TABLE sales.internal_notes (id int REFERENCES sales.items ON DELETE CASCADE, note text,
			CONSTRAINT notes_pk PRIMARY KEY (note, id))`,
		"INSERT INTO sales.internal_notes VALUES (1, 'not for partners')",
	} {
		mustExec(t, prov, sql)
	}
	cred := shareWithRecipient(t, prov, "items_share", "partner", "postgres.sales.items")
	host, port, _ := net.SplitHostPort(s.addr)
	return &clientFixture{
		s: s, host: host, port: port,
		provider: "acme", providerPW: tenantPassword("acme"), db: "postgres", schema: "sales", table: "items",
		share: "items_share", cred: cred,
	}
}

// requireFile fails the test unless path exists, naming the Debian package
// that installs it.
func requireFile(t testing.TB, path, pkg string) string {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("%s is required by the client tests (apt-get install %s; .ci/run installs it): %v", path, pkg, err)
	}
	return path
}

// runClientInput runs a client program with stdin and env added and
// returns its stdout and stderr together, and its exit error: a client
// that reports failed statements by its exit status is checked by the
// caller.
func runClientInput(t testing.TB, env []string, stdin, name string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), clientTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin = strings.NewReader(stdin)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("%s %q did not finish within %v:\n%s", name, args, clientTimeout, out.String())
	}
	return out.String(), err
}

// linesWith returns the lines of out that start with prefix.
func linesWith(out, prefix string) []string {
	var got []string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, prefix) {
			got = append(got, l)
		}
	}
	return got
}

// wantLines fails unless the lines of out starting with prefix are want.
func wantLines(t *testing.T, who, out, prefix string, want ...string) {
	t.Helper()
	got := linesWith(out, prefix)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s: lines %q:\ngot\n  %s\nwant\n  %s", who, prefix, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}
