package main

// Helpers of the client-matrix tests (clients_*_test.go, tls_test.go): a
// provider's table shared with a token recipient, and running the client
// programs under testdata/clients.

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// clientTimeout bounds one run of a client program (an interpreter start
// included).
const clientTimeout = 60 * time.Second

// shareWithRecipient shares tables (three-part names) of the provider
// connected as prov in a new share, grants it to a new token recipient and
// returns that recipient's activated credential.
func shareWithRecipient(t testing.TB, prov *pgx.Conn, share, recipient string, tables ...string) shareCredential {
	t.Helper()
	mustExec(t, prov, "CREATE SHARE "+share)
	for _, tbl := range tables {
		mustExec(t, prov, fmt.Sprintf("ALTER SHARE %s ADD TABLE %s", share, tbl))
	}
	link := mustCreateRecipient(t, prov, "CREATE RECIPIENT "+recipient)
	mustExec(t, prov, fmt.Sprintf("GRANT SELECT ON SHARE %s TO RECIPIENT %s", share, recipient))
	return mustActivate(t, link)
}

// requireTool returns the path of a program the client tests need; it
// fails the test, naming the Debian package, when the program is missing.
func requireTool(t testing.TB, path, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(path)
	if err != nil {
		t.Fatalf("%s is required by the client tests (apt-get install %s; .ci/run installs it): %v", path, pkg, err)
	}
	return p
}

// runClient runs a client program in dir with env added and returns its
// stdout; a non-zero exit fails the test with both outputs.
func runClient(t testing.TB, dir string, env []string, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), clientTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %q: %v\nstdout:\n%s\nstderr:\n%s", name, args, err, out.String(), errb.String())
	}
	return out.String()
}

// withSSLMode returns u with its sslmode set to mode (drivers differ in
// which modes they know: lib/pq and node-postgres have no "prefer").
func withSSLMode(t testing.TB, u, mode string) string {
	t.Helper()
	pu, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	q := pu.Query()
	q.Set("sslmode", mode)
	pu.RawQuery = q.Encode()
	return pu.String()
}

// clientFacts parses "name: value" lines.
func clientFacts(t *testing.T, out string) map[string]string {
	t.Helper()
	facts := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		name, value, ok := strings.Cut(line, ": ")
		if !ok {
			t.Fatalf("client printed %q, not name: value", line)
		}
		if _, dup := facts[name]; dup {
			t.Fatalf("client printed %q twice", name)
		}
		facts[name] = value
	}
	return facts
}

// wantFacts compares facts with want, each a name and its exact value.
func wantFacts(t *testing.T, who string, facts map[string]string, want [][2]string) {
	t.Helper()
	for _, w := range want {
		if got, ok := facts[w[0]]; !ok || got != w[1] {
			t.Errorf("%s: %s = %s\n                want %s", who, w[0], got, w[1])
		}
	}
}
