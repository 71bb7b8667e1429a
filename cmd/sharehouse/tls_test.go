package main

// End-to-end TLS: the server started with --tls-cert/--tls-key, reached with
// psql (libpq) and pgx at sslmode=require and verify-full, as a tenant and as
// a token recipient; verify-full must refuse a certificate for another host
// name or from a CA the client does not trust.

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// testCA is a certificate authority made for one test.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  string // path of its certificate
}

// newTestCA makes a CA and writes its certificate to dir/name.pem.
func newTestCA(t *testing.T, dir, name string) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	trustInTests(cert)
	ca := &testCA{cert: cert, key: key, pem: filepath.Join(dir, name+".pem")}
	writePEM(t, ca.pem, "CERTIFICATE", der)
	return ca
}

// issue makes a server certificate for hosts (names or IP addresses) and
// writes it and its key to dir/name.pem and dir/name.key.
func (ca *testCA) issue(t *testing.T, dir, name string, hosts ...string) (certFile, keyFile string) {
	t.Helper()
	_, certFile, keyFile = writeServerCert(t, dir, name, ca.cert, ca.key, hosts...)
	return certFile, keyFile
}

// writeServerCert makes a server certificate (not a CA) for hosts, signed
// by parent and parentKey, or self-signed when parent is nil, and writes it
// and its key to dir/name.pem and dir/name.key.
func writeServerCert(t *testing.T, dir, name string, parent *x509.Certificate, parentKey *ecdsa.PrivateKey, hosts ...string) (cert *x509.Certificate, certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: hosts[0]},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		t.Fatal(err)
	}
	if cert, err = x509.ParseCertificate(der); err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, name+".pem"), filepath.Join(dir, name+".key")
	writePEM(t, certFile, "CERTIFICATE", der)
	writePEM(t, keyFile, "PRIVATE KEY", keyDER)
	return cert, certFile, keyFile
}

func writePEM(t *testing.T, path, typ string, der []byte) {
	t.Helper()
	// libpq refuses a key file others may read.
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// tlsURL is a URL for user on s at host (its address's port) with TLS
// options added to the query.
func tlsURL(s *server, user, password, database, host string, opts url.Values) string {
	_, port, _ := net.SplitHostPort(s.addr)
	opts.Set("connect_timeout", "10")
	u := url.URL{Scheme: "postgres", User: url.UserPassword(user, password), Host: net.JoinHostPort(host, port),
		Path: "/" + database, RawQuery: opts.Encode()}
	return u.String()
}

// psqlConn runs psql with a connection string and returns its combined
// output and error.
func psqlConn(t *testing.T, conninfo string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), queryTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, psqlPath(t), append([]string{"-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", conninfo}, args...)...)
	// The connection string decides; no PG* variable of the caller may.
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "PSQLRC=/dev/null"}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// sslQuery asks the server whether the session is encrypted.
const sslQuery = `SELECT ssl, version, bits > 0 FROM pg_stat_ssl WHERE pid = pg_backend_pid()`

func TestTLS(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ca := newTestCA(t, dir, "ca")
	otherCA := newTestCA(t, dir, "other-ca")
	cert, key := ca.issue(t, dir, "server", "localhost", "127.0.0.1")
	s := startServer(t, withArgs("--tls-cert", cert, "--tls-key", key))

	prov := s.connect(t, "admin", adminPassword, "postgres") // plain: the server still takes those
	mustExec(t, prov, "CREATE TENANT prov PASSWORD 'prov-pw'")
	provConn := s.tenant(t, "prov", "postgres")
	mustExec(t, provConn, "CREATE TABLE orders (id bigint, amount numeric(10,2))")
	mustExec(t, provConn, "INSERT INTO orders VALUES (1, 9.50), (2, 20.00)")
	if got := queryStrings(t, provConn, `SELECT ssl::text FROM pg_stat_ssl WHERE pid = pg_backend_pid()`); strings.Join(got, ",") != "false" {
		t.Errorf("a plain connection reports pg_stat_ssl.ssl = %q", got)
	}
	cred := shareWithRecipient(t, provConn, "sh", "acme", "postgres.public.orders")

	t.Run("psql sslmode=require", func(t *testing.T) {
		out, err := psqlConn(t, tlsURL(s, "prov", "prov-pw", "postgres", "127.0.0.1", url.Values{"sslmode": {"require"}}),
			"-c", sslQuery, "-c", `\conninfo`)
		if err != nil {
			t.Fatalf("psql: %v\n%s", err, out)
		}
		if !strings.HasPrefix(out, "t|TLSv1.3|t\n") || !strings.Contains(out, "SSL connection (protocol: TLSv1.3") {
			t.Errorf("psql over TLS printed:\n%s", out)
		}
	})

	t.Run("psql sslmode=verify-full", func(t *testing.T) {
		out, err := psqlConn(t, tlsURL(s, "prov", "prov-pw", "postgres", "localhost",
			url.Values{"sslmode": {"verify-full"}, "sslrootcert": {ca.pem}}), "-c", sslQuery+`; SELECT sum(amount) FROM orders`)
		if err != nil {
			t.Fatalf("psql: %v\n%s", err, out)
		}
		if out != "t|TLSv1.3|t\n29.50\n" {
			t.Errorf("psql verify-full printed:\n%s", out)
		}
	})

	t.Run("psql verify-full refuses another host name and an untrusted CA", func(t *testing.T) {
		// hostaddr reaches the server while libpq checks the certificate
		// against host, a name the certificate does not hold.
		wrongHost := tlsURL(s, "prov", "prov-pw", "postgres", "db.example.com",
			url.Values{"sslmode": {"verify-full"}, "sslrootcert": {ca.pem}, "hostaddr": {"127.0.0.1"}})
		if out, err := psqlConn(t, wrongHost, "-c", "SELECT 1"); err == nil || !strings.Contains(out, "does not match host name") {
			t.Errorf("verify-full for db.example.com: err %v\n%s", err, out)
		}
		untrusted := tlsURL(s, "prov", "prov-pw", "postgres", "localhost",
			url.Values{"sslmode": {"verify-full"}, "sslrootcert": {otherCA.pem}})
		if out, err := psqlConn(t, untrusted, "-c", "SELECT 1"); err == nil || !strings.Contains(out, "certificate verify failed") {
			t.Errorf("verify-full with an untrusted CA: err %v\n%s", err, out)
		}
	})

	t.Run("pgx verify-full", func(t *testing.T) {
		u := tlsURL(s, "prov", "prov-pw", "postgres", "localhost", url.Values{"sslmode": {"verify-full"}, "sslrootcert": {ca.pem}})
		conn := pgxConnect(t, u, nil)
		if _, ok := conn.PgConn().Conn().(*tls.Conn); !ok {
			t.Errorf("pgx's connection is a %T, not TLS", conn.PgConn().Conn())
		}
		var ssl, bitsOK bool
		var version string
		mustQueryRow(t, conn, sslQuery, []any{&ssl, &version, &bitsOK})
		if !ssl || version != "TLSv1.3" || !bitsOK {
			t.Errorf("pg_stat_ssl over pgx: %v %q %v", ssl, version, bitsOK)
		}

		_, err := pgxTryConnect(u, func(c *pgx.ConnConfig) { c.TLSConfig.ServerName = "db.example.com" })
		if err == nil || !strings.Contains(err.Error(), "certificate is valid for") {
			t.Errorf("pgx verify-full for db.example.com: %v", err)
		}
		bad := tlsURL(s, "prov", "prov-pw", "postgres", "localhost", url.Values{"sslmode": {"verify-full"}, "sslrootcert": {otherCA.pem}})
		if _, err := pgxTryConnect(bad, nil); err == nil || !strings.Contains(err.Error(), "certificate signed by unknown authority") {
			t.Errorf("pgx verify-full with an untrusted CA: %v", err)
		}
	})

	t.Run("token recipient over TLS", func(t *testing.T) {
		u, err := url.Parse(recipientURL(t, cred, "sh"))
		if err != nil {
			t.Fatal(err)
		}
		_, port, _ := net.SplitHostPort(u.Host)
		u.Host = net.JoinHostPort("localhost", port)
		q := u.Query()
		q.Set("sslmode", "verify-full")
		q.Set("sslrootcert", ca.pem)
		u.RawQuery = q.Encode()

		conn := pgxConnect(t, u.String(), nil)
		var ssl bool
		var version string
		var bitsOK bool
		mustQueryRow(t, conn, sslQuery, []any{&ssl, &version, &bitsOK})
		if !ssl {
			t.Errorf("the recipient's pgx session is not encrypted")
		}
		if n := queryInt64(t, conn, "SELECT count(*) FROM public.orders"); n != 2 {
			t.Errorf("the recipient counts %d orders", n)
		}
		wantReadOnly(t, execErr(conn, "INSERT INTO public.orders VALUES (3, 1)"), "sh")

		// FETCH_COUNT makes psql read through a cursor, a row at a time.
		out, err := psqlConn(t, u.String(), "-v", "FETCH_COUNT=1", "-c", sslQuery, "-c", `SELECT id FROM public.orders ORDER BY id`)
		if err != nil || out != "t|TLSv1.3|t\n1\n2\n" {
			t.Errorf("psql as the recipient over verify-full: %v\n%s", err, out)
		}
	})
}

// pgxConnect opens a pgx connection to u, edited by edit when not nil, and
// closes it when the test ends.
func pgxConnect(t *testing.T, u string, edit func(*pgx.ConnConfig)) *pgx.Conn {
	t.Helper()
	conn, err := pgxTryConnect(u, edit)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		conn.Close(ctx)
	})
	return conn
}

func pgxTryConnect(u string, edit func(*pgx.ConnConfig)) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig(u)
	if err != nil {
		return nil, err
	}
	if edit != nil {
		edit(cfg)
	}
	ctx, cancel := context.WithTimeout(context.Background(), queryTimeout)
	defer cancel()
	return pgx.ConnectConfig(ctx, cfg)
}

// TestTLSRequired: with --tls-required a plain-text session is refused
// before authentication with 28000, for the superuser, tenants and token
// recipients alike, and TLS sessions go on.
func TestTLSRequired(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ca := newTestCA(t, dir, "ca")
	cert, key := ca.issue(t, dir, "server", "localhost", "127.0.0.1")
	s := startServer(t, withArgs("--tls-cert", cert, "--tls-key", key, "--tls-required"))

	_, err := pgxTryConnect(tlsURL(s, "admin", adminPassword, "postgres", "127.0.0.1", url.Values{"sslmode": {"disable"}}), nil)
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "28000" || !strings.Contains(pgErr.Message, "no encryption") {
		t.Fatalf("plain connection: %v, want 28000 … no encryption", err)
	}
	out, err := psqlConn(t, tlsURL(s, "admin", "wrong", "postgres", "127.0.0.1", url.Values{"sslmode": {"disable"}}), "-c", "SELECT 1")
	if err == nil || !strings.Contains(out, "no encryption") || strings.Contains(out, "password") {
		t.Errorf("psql without TLS: %v\n%s (want the refusal before any password exchange)", err, out)
	}

	admin := pgxConnect(t, tlsURL(s, "admin", adminPassword, "postgres", "127.0.0.1", url.Values{"sslmode": {"require"}}), nil)
	if got := queryStrings(t, admin, `SELECT ssl::text FROM pg_stat_ssl WHERE pid = pg_backend_pid()`); strings.Join(got, ",") != "true" {
		t.Errorf("pg_stat_ssl.ssl = %q over TLS", got)
	}
	// sslmode=prefer (libpq's default) negotiates TLS and is let in.
	if out, err := psqlConn(t, tlsURL(s, "admin", adminPassword, "postgres", "127.0.0.1", url.Values{"sslmode": {"prefer"}}), "-c", sslQuery); err != nil || !strings.HasPrefix(out, "t|") {
		t.Errorf("psql sslmode=prefer: %v\n%s", err, out)
	}
}
