package main

// End-to-end: with --tls-cert the activation endpoint speaks HTTPS with the
// same certificate, activation links are https://, plain HTTP is refused
// without redeeming the code, and the credential handed out says
// sslmode=verify-full with the root to verify against, which psql and pgx
// accept as written.

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// testRoots holds every CA the tests make, so that the shared activation
// helpers (httpGet) can verify a test server's HTTPS certificate.
var testRoots struct {
	mu   sync.Mutex
	pool *x509.CertPool
}

// trustInTests adds cert to the roots testHTTPClient trusts.
func trustInTests(cert *x509.Certificate) {
	testRoots.mu.Lock()
	defer testRoots.mu.Unlock()
	if testRoots.pool == nil {
		testRoots.pool = x509.NewCertPool()
	}
	testRoots.pool.AddCert(cert)
}

// testHTTPClient is an HTTP client trusting the CAs made by the tests.
func testHTTPClient() *http.Client {
	testRoots.mu.Lock()
	defer testRoots.mu.Unlock()
	if testRoots.pool == nil {
		return http.DefaultClient
	}
	return clientTrusting(testRoots.pool.Clone())
}

func clientTrusting(pool *x509.CertPool) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: pool}
	tr.DisableKeepAlives = true // one client per call: keep no idle connections behind
	return &http.Client{Transport: tr, Timeout: queryTimeout}
}

// selfSignedCert makes a self-signed server certificate (not a CA) for
// hosts and writes it and its key to dir/name.pem and dir/name.key.
func selfSignedCert(t *testing.T, dir, name string, hosts ...string) (cert *x509.Certificate, certFile, keyFile string) {
	t.Helper()
	return writeServerCert(t, dir, name, nil, nil, hosts...)
}

// getWith GETs u with client and returns the status and body.
func getWith(t *testing.T, client *http.Client, u string) (int, []byte, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), queryTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, body, err
}

func TestTLSActivation(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cert, certFile, keyFile := selfSignedCert(t, dir, "server", "localhost", "127.0.0.1")
	certPEM, err := os.ReadFile(certFile)
	if err != nil {
		t.Fatal(err)
	}
	s := startServer(t, withArgs("--tls-cert", certFile, "--tls-key", keyFile))
	s.mustCreateTenant(t, "prov")
	prov := s.tenant(t, "prov", "postgres")
	mustExec(t, prov, "CREATE TABLE orders (id bigint, amount numeric(10,2))")
	mustExec(t, prov, "INSERT INTO orders VALUES (1, 9.50), (2, 20.00), (3, 0.25)")
	mustExec(t, prov, "CREATE SHARE sh")
	mustExec(t, prov, "ALTER SHARE sh ADD TABLE postgres.public.orders")
	link := mustCreateRecipient(t, prov, "CREATE RECIPIENT acme")
	mustExec(t, prov, "GRANT SELECT ON SHARE sh TO RECIPIENT acme")

	if want := "https://" + s.httpAddr + "/activate/"; !strings.HasPrefix(link, want) {
		t.Fatalf("activation link %q, want it to start with %s", redactPath(link), want)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	trusting := clientTrusting(pool)

	// Plain HTTP to the HTTPS port is refused before any handler runs:
	// the code stays unused.
	status, body, err := getWith(t, http.DefaultClient, "http://"+strings.TrimPrefix(link, "https://"))
	if err != nil || status != http.StatusBadRequest || !strings.Contains(string(body), "HTTPS") {
		t.Errorf("plain HTTP GET of the link: %d %q %v; want 400 naming HTTPS", status, body, err)
	}
	// A client that does not trust the certificate does not get in.
	if _, _, err := getWith(t, &http.Client{Timeout: queryTimeout}, link); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("GET with an untrusting client: %v, want a certificate error", err)
	}
	status, body, err = getWith(t, trusting, link)
	if err != nil || status != http.StatusOK {
		t.Fatalf("HTTPS GET of the link: %d %s %v", status, body, err)
	}
	cred, err := parseShareCredential(body)
	if err != nil {
		t.Fatal(err)
	}
	if cred.SSLRootCert != string(certPEM) {
		t.Errorf("sslRootCert %q, want the server's certificate %q", cred.SSLRootCert, certPEM)
	}
	cu, err := url.Parse(cred.ConnectionString)
	if err != nil {
		t.Fatal(err)
	}
	rootName := cu.Query().Get("sslrootcert")
	// The root is saved under the credential's user, provider.recipient.
	if wantRoot := cred.User + ".share.crt"; cu.Query().Get("sslmode") != "verify-full" || rootName != wantRoot || cred.User != "prov.acme" {
		t.Errorf("connectionString %q of user %q: want user prov.acme, sslmode=verify-full&sslrootcert=%s", cred.ConnectionString, cred.User, wantRoot)
	}
	if status, body, err := getWith(t, trusting, link); err != nil || status != http.StatusGone {
		t.Errorf("second HTTPS GET: %d %s %v, want 410", status, body, err)
	}

	// The connection string as written: psql run where the root was saved
	// under the name it gives.
	work := t.TempDir()
	if err := os.WriteFile(filepath.Join(work, rootName), []byte(cred.SSLRootCert), 0o600); err != nil {
		t.Fatal(err)
	}
	conn, err := cred.connURL("sh")
	if err != nil {
		t.Fatal(err)
	}
	const q = sslQuery + "; SELECT sum(amount) FROM public.orders"
	const want = "t|TLSv1.3|t\n29.75\n"
	if out, err := runPsql(t, work, conn, []string{"PGPASSWORD=" + cred.BearerToken}, q); err != nil || out != want {
		t.Errorf("psql with the credential's connection string: %v\n%s", err, out)
	}
	// The root given by PGSSLROOTCERT instead.
	noRoot, _ := url.Parse(conn)
	nq := noRoot.Query()
	nq.Del("sslrootcert")
	noRoot.RawQuery = nq.Encode()
	env := []string{"PGPASSWORD=" + cred.BearerToken, "PGSSLROOTCERT=" + filepath.Join(work, rootName)}
	if out, err := runPsql(t, t.TempDir(), noRoot.String(), env, q); err != nil || out != want {
		t.Errorf("psql with PGSSLROOTCERT: %v\n%s", err, out)
	}

	// pgx, both protocols, with the root's absolute path.
	abs, err := cred.withRootCertFile(filepath.Join(work, rootName))
	if err != nil {
		t.Fatal(err)
	}
	for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeSimpleProtocol, pgx.QueryExecModeCacheStatement} {
		c := pgxConnect(t, recipientURL(t, abs, "sh"), func(c *pgx.ConnConfig) { c.DefaultQueryExecMode = mode })
		if _, ok := c.PgConn().Conn().(*tls.Conn); !ok {
			t.Errorf("%v: pgx's connection is a %T, not TLS", mode, c.PgConn().Conn())
		}
		var ssl, bitsOK bool
		var version, sum string
		mustQueryRow(t, c, sslQuery, []any{&ssl, &version, &bitsOK})
		mustQueryRow(t, c, "SELECT sum(amount)::text FROM public.orders WHERE id > $1", []any{&sum}, 0)
		if !ssl || version != "TLSv1.3" || !bitsOK || sum != "29.75" {
			t.Errorf("%v: pgx verify-full read ssl=%v %s bits=%v sum=%s", mode, ssl, version, bitsOK, sum)
		}
	}

	t.Run("sharehouse activate --ca-cert", func(t *testing.T) {
		link := mustCreateRecipient(t, prov, "CREATE RECIPIENT globex")
		mustExec(t, prov, "GRANT SELECT ON SHARE sh TO RECIPIENT globex")
		out := filepath.Join(t.TempDir(), "globex.json")
		// Without --ca-cert the system's roots do not know the certificate,
		// and the link is not used up.
		if msg, err := exec.Command(binPath, "activate", "-o", out, link).CombinedOutput(); err == nil || !strings.Contains(string(msg), "certificate") {
			t.Errorf("activate without --ca-cert: %v\n%s", err, msg)
		}
		if msg, err := exec.Command(binPath, "activate", "--ca-cert", certFile, "-o", out, link).CombinedOutput(); err != nil {
			t.Fatalf("activate --ca-cert: %v\n%s", err, msg)
		}
		data, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		var saved shareCredential
		if err := json.Unmarshal(data, &saved); err != nil {
			t.Fatal(err)
		}
		crt := strings.TrimSuffix(out, ".json") + ".crt"
		if got, err := os.ReadFile(crt); err != nil || string(got) != string(certPEM) {
			t.Errorf("%s: %v %q, want the server's certificate", crt, err, got)
		}
		su, _ := url.Parse(saved.ConnectionString)
		if su.Query().Get("sslrootcert") != crt || su.Query().Get("sslmode") != "verify-full" {
			t.Errorf("saved connectionString %q, want sslrootcert=%s and verify-full", saved.ConnectionString, crt)
		}
		// `sharehouse connect`'s psql command line, run from elsewhere.
		argv, env, err := psqlCommand(out, "sh", []string{"-X", "-A", "-t", "-c", q}, nil, io.Discard, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if got, err := runPsql(t, t.TempDir(), argv[1], env, argv[2:]...); err != nil || got != want {
			t.Errorf("psql as `sharehouse connect` runs it: %v\n%s", err, got)
		}
	})
}

// runPsql runs psql in dir with conninfo and env (besides PATH and HOME):
// with one argument, that is a query run with -X -A -t; with more, they
// are psql's arguments.
func runPsql(t *testing.T, dir, conninfo string, env []string, args ...string) (string, error) {
	t.Helper()
	if len(args) == 1 {
		args = []string{"-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", args[0]}
	}
	ctx, cancel := context.WithTimeout(context.Background(), queryTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, psqlPath(t), append([]string{"-d", conninfo}, args...)...)
	cmd.Dir = dir
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "PSQLRC=/dev/null"}, env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestServerRootCert: the root a credential names is the self-signed end
// of the --tls-cert chain, or the system's roots when the chain stops
// below a root (a public CA's).
func TestServerRootCert(t *testing.T) {
	dir := t.TempDir()
	_, selfFile, selfKey := selfSignedCert(t, dir, "self", "localhost")
	ca := newTestCA(t, dir, "ca")
	leafFile, leafKey := ca.issue(t, dir, "leaf", "localhost")
	leafPEM, _ := os.ReadFile(leafFile)
	caPEM, _ := os.ReadFile(ca.pem)
	chainFile := filepath.Join(dir, "chain.pem")
	if err := os.WriteFile(chainFile, append(leafPEM, caPEM...), 0o600); err != nil {
		t.Fatal(err)
	}
	selfPEM, _ := os.ReadFile(selfFile)
	for _, tc := range []struct {
		name, cert, key, want string
	}{
		{"self-signed", selfFile, selfKey, string(selfPEM)},
		{"leaf of a CA", leafFile, leafKey, rootCertSystem},
		{"leaf and its root", chainFile, leafKey, string(caPEM)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pair, err := tls.LoadX509KeyPair(tc.cert, tc.key)
			if err != nil {
				t.Fatal(err)
			}
			ep, err := newShareEndpoint("db.example.com:5433", &tls.Config{Certificates: []tls.Certificate{pair}})
			if err != nil || ep.rootCert != tc.want || ep.sslmode != "verify-full" {
				t.Fatalf("endpoint %+v, %v; want verify-full and root %q", ep, err, tc.want)
			}
			cred := newShareCredential("acme", testToken, testExpiry, ep)
			u, err := url.Parse(cred.ConnectionString)
			if err != nil {
				t.Fatal(err)
			}
			wantFile := "acme.share.crt"
			if tc.want == rootCertSystem {
				wantFile = rootCertSystem
			}
			if got := u.Query().Get("sslrootcert"); got != wantFile || cred.SSLRootCert != strings.TrimPrefix(tc.want, rootCertSystem) {
				t.Errorf("sslrootcert %q, sslRootCert %q", got, cred.SSLRootCert)
			}
		})
	}
	if ep, _ := newShareEndpoint("h:1", nil); ep.sslmode != "disable" || ep.rootCert != "" {
		t.Errorf("without TLS: %+v", ep)
	}
	o := defaultServeOptions()
	o.tlsCert, o.tlsKey, o.publicURL = selfFile, selfKey, "http://share.example.com"
	if err := o.Validate(); err == nil || !strings.Contains(err.Error(), "https://") {
		t.Errorf("--public-url http:// with --tls-cert: %v, want refused", err)
	}
}
