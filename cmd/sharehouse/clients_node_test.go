package main

// node-postgres (the pg package from npm, pinned by
// testdata/clients/node/package-lock.json) against the real server, as a
// provider and as a token recipient: testdata/clients/node/check.js prints
// what it saw and this test compares it with PostgreSQL's answers.

import (
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// nodeDir is the node client check, relative to this package.
const nodeDir = "../../testdata/clients/node"

// npmOnce installs the locked packages once per test binary.
var npmOnce sync.Once

// nodeReady returns the node binary after `npm ci` has installed the
// packages of package-lock.json, when node_modules is missing.
func nodeReady(t *testing.T) string {
	t.Helper()
	node := requireTool(t, "node", "nodejs")
	npm := requireTool(t, "npm", "npm")
	npmOnce.Do(func() {
		if _, err := os.Stat(filepath.Join(nodeDir, "node_modules", "pg")); err == nil {
			return
		}
		runClient(t, nodeDir, nil, npm, "ci", "--no-audit", "--no-fund")
	})
	if _, err := os.Stat(filepath.Join(nodeDir, "node_modules", "pg")); err != nil {
		t.Fatalf("npm ci did not install pg in %s: %v", nodeDir, err)
	}
	return node
}

func TestClientNode(t *testing.T) {
	t.Parallel()
	node := nodeReady(t)
	// The recipient connects over TLS and checks the server's certificate.
	dir := t.TempDir()
	ca := newTestCA(t, dir, "ca")
	cert, key := ca.issue(t, dir, "server", "localhost", "127.0.0.1")
	s := startServer(t, withArgs("--tls-cert", cert, "--tls-key", key))
	s.mustCreateTenant(t, "prov")
	env := func(role, u string) []string {
		if !strings.Contains(u, "sslmode=verify-full") {
			u = withSSLMode(t, u, "disable")
		}
		return []string{"CHECK_ROLE=" + role, "CHECK_URL=" + u, "TZ=UTC"}
	}

	out := runClient(t, nodeDir, env("provider", s.url("prov", tenantPassword("prov"), "postgres")), node, "check.js")
	wantFacts(t, "provider", clientFacts(t, out), [][2]string{
		{"after rollback", "0"},
		{"in tx division", "22012"},
		{"aborted tx", "25P02"},
		{"prepared 1", `[{"name":"apple","price":"1.25"}]`},
		{"prepared 2", `[{"name":"pear","price":"2.50"}]`},
		{"json", `{"b":{"a":{"nested":true},"b":[1,"two"]},"second":"two"}`},
		{"insert returning", `INSERT 1 [{"id":"60","name":"tmp","twice":42}]`},
		{"delete returning", `DELETE 1 [{"name":"tmp"}]`},
		{"fields", "id:20,name:25,price:1700,added:25,at:1184,ok:16,ratio:701,qty:23"},
		{"rows", `[{"id":"1","name":"apple","price":"1.25","added":"2024-05-01","at":"2024-05-01T08:00:00.000Z","ok":true,"ratio":0.5,"qty":10},` +
			`{"id":"2","name":"pear","price":"2.50","added":"2024-05-02","at":"2024-05-02T09:30:00.000Z","ok":false,"ratio":1.75,"qty":20},` +
			`{"id":"3","name":null,"price":null,"added":null,"at":null,"ok":null,"ratio":null,"qty":null},` +
			`{"id":"9007199254740993","name":"big","price":"99999999.99","added":"2024-12-31","at":"2024-12-31T23:59:59.123Z","ok":true,"ratio":-0.002,"qty":-1}]`},
		{"typed params", `{"i":42,"t":"hi!","b":false,"n":"3.0"}`},
	})

	cred := shareWithRecipient(t, s.tenant(t, "prov", "postgres"), "items_share", "acme", "postgres.public.items")
	u, err := url.Parse(recipientURL(t, cred, "items_share"))
	if err != nil {
		t.Fatal(err)
	}
	u.Host = "localhost:" + u.Port()
	q := u.Query()
	q.Set("sslmode", "verify-full")
	q.Set("sslrootcert", ca.pem)
	u.RawQuery = q.Encode()
	// A CA the client does not trust fails verify-full.
	q.Set("sslrootcert", newTestCA(t, dir, "other-ca").pem)
	u.RawQuery = q.Encode()
	bad := exec.Command(node, "check.js")
	bad.Dir, bad.Env = nodeDir, append(os.Environ(), env("recipient", u.String())...)
	if out, err := bad.CombinedOutput(); err == nil || !strings.Contains(string(out), "UNABLE_TO_VERIFY_LEAF_SIGNATURE") {
		t.Errorf("node with an untrusted CA: %v\n%s", err, out)
	}
	q.Set("sslrootcert", ca.pem)
	u.RawQuery = q.Encode()
	out = runClient(t, nodeDir, env("recipient", u.String()), node, "check.js")
	wantFacts(t, "recipient", clientFacts(t, out), [][2]string{
		{"count", `{"n":"4","total":"100000003.74"}`},
		{"param read", `[{"name":"apple"},{"name":"big"}]`},
		{"tables", "public.items"},
		{"tx read", "9007199254740993"},
		{"insert", "25006"},
		{"update", "25006"},
		{"hidden", "42P01"},
		{"ssl", "true"},
	})
}
