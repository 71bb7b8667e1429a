package main

// End-to-end tests of sharing: the Delta Sharing five-step flow with a
// token recipient, activation, logins, read-only and "absent" answers,
// zero-copy live reads, and no secret at rest. The tenant-to-tenant flows
// and revocation are in sharing_tenant_test.go and sharing_revoke_test.go.

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// ordersCSV returns n rows for finance.orders: customer c<i%5>, amount
// i/100, and the sums per customer the tests expect.
func ordersCSV(n int) (csv string, sums map[string]string) {
	var b strings.Builder
	cents := map[string]int{}
	for i := 1; i <= n; i++ {
		c := fmt.Sprintf("c%d", i%5)
		fmt.Fprintf(&b, "%d,%s,%d.%02d,2024-01-%02d\n", i, c, i/100, i%100, 1+i%28)
		cents[c] += i
	}
	sums = map[string]string{}
	for c, v := range cents {
		sums[c] = fmt.Sprintf("%d.%02d", v/100, v%100)
	}
	return b.String(), sums
}

func TestSharingDeltaFlow(t *testing.T) {
	t.Parallel()
	// Debug logging: statement texts too must carry no secret.
	s := startServer(t, withArgs("--log-level", "debug"))
	s.mustCreateTenant(t, "provider_co")
	prov := s.tenant(t, "provider_co", "postgres")
	ctx := context.Background()

	// 1. The provider's table, loaded with COPY: big enough for a data
	// file of its own, so that zero-copy can be checked on disk.
	mustExec(t, prov, "CREATE DATABASE gold")
	gold := s.tenant(t, "provider_co", "gold")
	mustExec(t, gold, "CREATE SCHEMA finance")
	mustExec(t, gold, "CREATE TABLE finance.orders (id bigint, customer text, amount numeric(12,2), created date)")
	mustExec(t, gold, "CREATE TABLE finance.returns (id bigint, reason text)")
	mustExec(t, gold, "INSERT INTO finance.returns VALUES (1, 'secret reason')")
	csv, sums := ordersCSV(3000)
	if _, err := gold.PgConn().CopyFrom(ctx, strings.NewReader(csv), "COPY finance.orders FROM STDIN (FORMAT csv)"); err != nil {
		t.Fatalf("COPY: %v", err)
	}
	before := dataFiles(t, s.dir)
	if len(before) == 0 {
		t.Fatalf("COPY of 3000 rows wrote no data file: %v", dirFiles(t, s.dir))
	}

	// 2–5. Share, add the table, create the recipient, grant.
	mustExec(t, gold, "CREATE SHARE finance_data_share COMMENT 'orders for partners'")
	mustExec(t, gold, "ALTER SHARE finance_data_share ADD TABLE gold.finance.orders")
	link := mustCreateRecipient(t, gold, "CREATE RECIPIENT acme_corp COMMENT 'ACME Corporation'")
	mustExec(t, gold, "GRANT SELECT ON SHARE finance_data_share TO RECIPIENT acme_corp")
	if !strings.HasPrefix(link, "http://"+s.httpAddr+"/activate/") {
		t.Fatalf("activation link %q does not point at the HTTP listener %s", link, s.httpAddr)
	}
	code := linkCode(link)

	// The partner activates with the CLI.
	home := t.TempDir()
	out, errOut, err := runBinary(t, home, nil, "activate", link)
	if err != nil {
		t.Fatalf("sharehouse activate: %v\n%s%s", err, out, errOut)
	}
	file := filepath.Join(home, "provider_co.acme_corp.share.json")
	if !strings.Contains(out, "provider_co.acme_corp.share.json") {
		t.Errorf("activate did not say where it saved: %q", out)
	}
	info, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("credential file mode %04o, want 0600", info.Mode().Perm())
	}
	data, _ := os.ReadFile(file)
	cred, err := parseShareCredential(data)
	if err != nil {
		t.Fatal(err)
	}
	if cred.User != "provider_co.acme_corp" || cred.Endpoint != "postgres://"+s.addr || len(cred.BearerToken) < 43 {
		t.Errorf("credential %+v: want user provider_co.acme_corp, endpoint postgres://%s, a 256-bit token", cred, s.addr)
	}
	if strings.Contains(out+errOut, cred.BearerToken) {
		t.Error("sharehouse activate printed the token")
	}

	t.Run("activation link works once", func(t *testing.T) {
		wantActivationGone(t, link)
		_, errOut, err := runBinary(t, t.TempDir(), nil, "activate", link)
		if err == nil || !strings.Contains(errOut, "already used") {
			t.Errorf("second sharehouse activate: %v %q", err, errOut)
		}
		if strings.Contains(errOut, code) {
			t.Errorf("the CLI's error shows the code: %q", errOut)
		}
		status, hdr, body := httpGet(t, "http://"+s.httpAddr+"/activate/"+strings.Repeat("0", len(code)))
		if status != http.StatusGone || hdr.Get("Cache-Control") != "no-store" {
			t.Errorf("unknown code: %d %s (Cache-Control %q)", status, body, hdr.Get("Cache-Control"))
		}
	})

	// The partner reads with pgx, the token as password, database = share.
	acme := recipientConnect(t, cred, "finance_data_share")
	t.Run("read with GROUP BY", func(t *testing.T) {
		rows := mustQueryBoth(t, acme, "SELECT customer, sum(amount) FROM finance.orders GROUP BY customer ORDER BY customer")
		if len(rows) != len(sums) {
			t.Fatalf("got %d groups, want %d: %q", len(rows), len(sums), rows)
		}
		for _, r := range rows {
			if sums[r[0]] != r[1] {
				t.Errorf("sum for %s = %s, want %s", r[0], r[1], sums[r[0]])
			}
		}
		// Extended protocol too, and the share's three-part name.
		if n := queryInt64(t, acme, "SELECT count(*) FROM finance_data_share.finance.orders WHERE amount > $1", 10); n != 2000 {
			t.Errorf("count(amount > 10) = %d, want 2000", n)
		}
	})

	t.Run("sharehouse connect runs psql with the credential", func(t *testing.T) {
		out, errOut, err := runBinary(t, home, nil, "connect", file, "finance_data_share",
			"--", "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", "SELECT count(*), current_user FROM finance.orders")
		if err != nil {
			t.Fatalf("sharehouse connect: %v\n%s%s", err, out, errOut)
		}
		if strings.TrimSpace(out) != "3000|acme_corp" {
			t.Errorf("psql printed %q, want 3000|acme_corp", out)
		}
		_, errOut, err = runBinary(t, home, nil, "connect", file, "nope", "--", "-X", "-c", "SELECT 1")
		if err == nil || !strings.Contains(errOut, `database "nope" does not exist`) {
			t.Errorf("connect to an ungranted share: %v %q", err, errOut)
		}
	})

	t.Run("wrong and unknown logins are 28P01", func(t *testing.T) {
		bad := cred
		bad.BearerToken = strings.Repeat("A", len(cred.BearerToken))
		wantCode(t, loginErr(t, bad, "finance_data_share"), "28P01")
		bad = cred
		bad.User = "nobody_corp"
		wantCode(t, loginErr(t, bad, "finance_data_share"), "28P01")
		// The provider's password is not a way in as the recipient.
		bad = cred
		bad.BearerToken = tenantPassword("provider_co")
		wantCode(t, loginErr(t, bad, "finance_data_share"), "28P01")
	})

	t.Run("ungranted objects are absent", func(t *testing.T) {
		for _, q := range []string{
			"SELECT * FROM finance.returns",
			"SELECT * FROM finance_data_share.finance.returns",
			"SELECT * FROM gold.finance.orders",
			"SELECT * FROM gold.finance.returns",
			"SELECT * FROM postgres.public.anything",
		} {
			err := queryErr(acme, q)
			wantAbsent(t, err)
			if pe, _ := asPgError(err); pe != nil && (strings.Contains(pe.Message, "provider_co") || strings.Contains(pe.Detail, "returns") && !strings.Contains(q, "returns")) {
				t.Errorf("%s: the error tells more than absence: %s / %s", q, pe.Message, pe.Detail)
			}
		}
		wantCode(t, loginErr(t, cred, "gold"), "3D000")
		wantCode(t, loginErr(t, cred, "postgres"), "3D000")
		// Listings show the share and its one table only.
		shares := mustQueryBoth(t, acme, "SHOW SHARES")
		if len(shares) != 1 || shares[0][1] != "INBOUND" || !strings.HasSuffix(shares[0][2], "finance_data_share") {
			t.Errorf("recipient's SHOW SHARES: %q", shares)
		}
		desc := mustQueryBoth(t, acme, "DESC SHARE finance_data_share")
		if len(desc) != 1 || desc[0][0] != "TABLE" || !strings.HasSuffix(desc[0][1], "finance.orders") {
			t.Errorf("recipient's DESC SHARE: %q", desc)
		}
		names := strings.Join(queryStrings(t, acme, "SELECT table_schema || '.' || table_name FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"), ",")
		if names != "finance.orders" {
			t.Errorf("information_schema.tables shows %q, want finance.orders only", names)
		}
	})

	t.Run("read-only", func(t *testing.T) {
		for _, q := range []string{
			"INSERT INTO finance.orders VALUES (9999, 'x', 1, '2024-01-01')",
			"UPDATE finance.orders SET amount = 0",
			"DELETE FROM finance.orders",
			"TRUNCATE finance.orders",
			"DROP TABLE finance.orders",
			"ALTER TABLE finance.orders ADD COLUMN note text",
			"CREATE TABLE finance.mine (a int)",
			"CREATE TABLE mine (a int)",
		} {
			t.Run(q, func(t *testing.T) {
				wantReadOnly(t, execErr(acme, q), "finance_data_share")
			})
		}
		t.Run("COPY FROM STDIN", func(t *testing.T) {
			ctx, cancel := context.WithTimeout(ctx, queryTimeout)
			defer cancel()
			_, err := acme.PgConn().CopyFrom(ctx, strings.NewReader("9999,x,1,2024-01-01\n"), "COPY finance.orders FROM STDIN (FORMAT csv)")
			wantReadOnly(t, err, "finance_data_share")
		})
		for _, q := range []string{"CREATE SHARE mine", "CREATE RECIPIENT mine", "CREATE DATABASE mine"} {
			if err := execErr(acme, q); err == nil {
				t.Errorf("recipient ran %s", q)
			}
		}
		if n := queryInt64(t, gold, "SELECT count(*) FROM finance.orders"); n != 3000 {
			t.Errorf("provider's table has %d rows after the recipient's attempts, want 3000", n)
		}
	})

	t.Run("zero-copy and live", func(t *testing.T) {
		after := dataFiles(t, s.dir)
		for f, size := range after {
			if _, ok := before[f]; !ok {
				t.Errorf("sharing added data file %s (%d bytes)", f, size)
			}
		}
		mustExec(t, gold, "INSERT INTO finance.orders VALUES (3001, 'c_new', 7.25, '2024-02-01')")
		rows := mustQueryBoth(t, acme, "SELECT id, amount FROM finance.orders WHERE customer = 'c_new'")
		if flatRows(rows) != "3001,7.25" {
			t.Errorf("recipient's next query sees %q, want 3001,7.25", rows)
		}
		mustExec(t, gold, "DELETE FROM finance.orders WHERE id = 3001")
		if n := queryInt64(t, acme, "SELECT count(*) FROM finance.orders"); n != 3000 {
			t.Errorf("after the provider's DELETE the recipient counts %d", n)
		}
	})

	t.Run("no secret at rest or in the log", func(t *testing.T) {
		needles := []string{cred.BearerToken, code}
		if hits := grepDir(t, s.dir, needles...); len(hits) > 0 {
			t.Errorf("secrets in the data directory:\n%s", strings.Join(hits, "\n"))
		}
		for _, n := range needles {
			if strings.Contains(s.logs.String(), n) {
				t.Errorf("the server log contains a secret (%.8s…)", n)
			}
		}
		// Once more after a restart: nothing written at shutdown either.
		s.stop(t)
		if hits := grepDir(t, s.dir, needles...); len(hits) > 0 {
			t.Errorf("secrets in the data directory after shutdown:\n%s", strings.Join(hits, "\n"))
		}
		s.restart(t)
		cred := cred
		cred.ConnectionString = "postgres://" + s.addr + "/?sslmode=disable"
		conn := recipientConnect(t, cred, "finance_data_share")
		if n := queryInt64(t, conn, "SELECT count(*) FROM finance.orders"); n != 3000 {
			t.Errorf("after a restart the recipient counts %d", n)
		}
	})
}

// TestSharingPublicAddresses: --public-url and --public-pg-addr are what
// links and credentials say, whatever the listeners are bound to.
func TestSharingPublicAddresses(t *testing.T) {
	t.Parallel()
	s := startServer(t, withArgs("--public-url", "https://share.example.com/base/", "--public-pg-addr", "pg.example.com:6543"))
	admin := s.admin(t, "postgres")
	link := mustCreateRecipient(t, admin, "CREATE RECIPIENT far_away")
	if !strings.HasPrefix(link, "https://share.example.com/base/activate/") {
		t.Fatalf("link %q does not use --public-url", link)
	}
	// The link's host is not this server; redeem its code here. The
	// base path is the proxy's business, the server serves /activate/.
	cred := mustActivate(t, "http://"+s.httpAddr+"/activate/"+linkCode(link))
	if cred.Endpoint != "postgres://pg.example.com:6543" || !strings.HasPrefix(cred.ConnectionString, "postgres://admin.far_away@pg.example.com:6543/") {
		t.Errorf("credential endpoint %q, connection string %q: want --public-pg-addr", cred.Endpoint, cred.ConnectionString)
	}
	// And it logs in at the real address.
	_, port, _ := net.SplitHostPort(s.addr)
	cred.ConnectionString = strings.Replace(cred.ConnectionString, "pg.example.com:6543", "127.0.0.1:"+port, 1)
	err := loginErr(t, cred, "nothing_granted")
	wantCode(t, err, "3D000") // authenticated; no share granted yet

	for _, args := range [][]string{
		{"--public-url", "ftp://x"}, {"--public-url", "http://"}, {"--public-pg-addr", "nohostport"},
		{"--token-lifetime", "0s"}, {"--activation-lifetime", "-1s"},
	} {
		out, errOut, err := runBinary(t, t.TempDir(), nil, append([]string{"serve", "--data", t.TempDir(), "--listen", "127.0.0.1:0", "--http", "127.0.0.1:0"}, args...)...)
		if err == nil || !strings.Contains(errOut, args[0]) {
			t.Errorf("serve %q: %v %q %q, want an error naming the flag", args, err, out, errOut)
		}
	}
}
