package main

// End-to-end tests of the connection limits: connection slots and the
// slots reserved for the superuser, per-tenant and per-recipient CONNECTION
// LIMIT, the cap on connections in startup and --authentication-timeout,
// running out of file descriptors, and the throttling of failed logins.

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
)

// tryConnect logs in and returns the connection (closed when the test
// ends) or the error.
func (s *server) tryConnect(t testing.TB, user, password, database string) (*pgx.Conn, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), queryTimeout)
	defer cancel()
	conn, err := pgx.Connect(ctx, s.url(user, password, database))
	if err == nil {
		t.Cleanup(func() { conn.Close(context.Background()) })
	}
	return conn, err
}

// wantTooMany checks that err is 53300 with message msg.
func wantTooMany(t testing.TB, err error, msg string) {
	t.Helper()
	if e := wantCode(t, err, "53300"); e.Message != msg {
		t.Fatalf("53300 message %q, want %q", e.Message, msg)
	}
}

// execIn runs sql in the simple protocol or pgx's default extended one
// (Exec without arguments would always use the simple protocol).
func execIn(conn *pgx.Conn, simple bool, sql string) (pgconn.CommandTag, error) {
	ctx, cancel := context.WithTimeout(context.Background(), queryTimeout)
	defer cancel()
	if simple {
		return conn.Exec(ctx, sql, pgx.QueryExecModeSimpleProtocol)
	}
	rows, err := conn.Query(ctx, sql)
	if err != nil {
		return pgconn.CommandTag{}, err
	}
	rows.Close()
	return rows.CommandTag(), rows.Err()
}

func modeName(simple bool) string {
	if simple {
		return "simple"
	}
	return "extended"
}

func TestConnectionsReservedForSuperuser(t *testing.T) {
	t.Parallel()
	s := startServer(t, withArgs("--max-connections", "5", "--superuser-reserved-connections", "2"))
	s.mustCreateTenant(t, "t1") // the admin session it uses is closed again at the end of the test
	admin := s.admin(t, "postgres")
	// The helper's admin session and this one hold 2 slots; the tenant
	// gets the one left outside the reserved 2.
	t1 := s.tenant(t, "t1", "postgres")
	_, err := s.tryConnect(t, "t1", tenantPassword("t1"), "postgres")
	wantTooMany(t, err, "remaining connection slots are reserved for non-replication superuser connections")
	// A wrong password says nothing about the slots.
	_, err = s.tryConnect(t, "t1", "not-the-password", "postgres")
	wantCode(t, err, "28P01")
	// The superuser uses the reserved slots, up to the last.
	r1, r2 := s.admin(t, "postgres"), s.admin(t, "postgres")
	_, err = s.tryConnect(t, "admin", adminPassword, "postgres")
	wantTooMany(t, err, "sorry, too many clients already")
	if got := queryInt64(t, admin, "SELECT 41 + 1"); got != 42 {
		t.Fatalf("the admin's session answers %d", got)
	}
	// Once the reserved slots are free again, a slot a tenant frees is a
	// tenant's again.
	r1.Close(context.Background())
	r2.Close(context.Background())
	t1.Close(context.Background())
	waitFor(t, "a freed slot", 10*time.Second, func() bool {
		c, err := s.tryConnect(t, "t1", tenantPassword("t1"), "postgres")
		if err == nil {
			c.Close(context.Background())
		}
		return err == nil
	})
}

func TestConnectionLimits(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	admin := s.admin(t, "postgres")
	for _, simple := range []bool{true, false} {
		mode := modeName(simple)
		tenant, recipient := "prov_"+mode, "acme_"+mode
		mustExec(t, admin, fmt.Sprintf("CREATE TENANT %s PASSWORD '%s'", tenant, tenantPassword(tenant)))
		prov := s.tenant(t, tenant, "postgres")
		mustExec(t, prov, "CREATE TABLE orders (id bigint)")
		mustExec(t, prov, "CREATE SHARE sh")
		mustExec(t, prov, "ALTER SHARE sh ADD TABLE postgres.public.orders")
		link := mustCreateRecipient(t, prov, "CREATE RECIPIENT "+recipient)
		mustExec(t, prov, "GRANT SELECT ON SHARE sh TO RECIPIENT "+recipient)
		cred := mustActivate(t, link)

		// Defaults: a tenant has no limit of its own, a token recipient a
		// quarter of the 100 slots.
		if got := queryInt64(t, prov, "SELECT rolconnlimit FROM pg_roles WHERE rolname = current_user"); got != -1 {
			t.Fatalf("%s: tenant's default rolconnlimit %d, want -1", mode, got)
		}
		rc := recipientConnect(t, cred, "sh")
		if got := queryInt64(t, rc, "SELECT rolconnlimit FROM pg_roles WHERE rolname = current_user"); got != 25 {
			t.Fatalf("%s: recipient's default rolconnlimit %d, want 25", mode, got)
		}

		// A tenant recipient logs in as its tenant: it has no limit of its own.
		mustCreateRecipient(t, prov, fmt.Sprintf("CREATE RECIPIENT peer_%s USING ID 'admin'", mode))
		_, err := execIn(prov, simple, fmt.Sprintf("ALTER RECIPIENT peer_%s CONNECTION LIMIT 1", mode))
		wantCode(t, err, "42809")

		// Only the superuser sets a tenant's limit; the provider its recipient's.
		if _, err := execIn(prov, simple, "ALTER TENANT "+tenant+" CONNECTION LIMIT -1"); err == nil {
			t.Fatalf("%s: a tenant lifted its own connection limit", mode)
		} else {
			wantCode(t, err, "42501")
		}
		_, err = execIn(admin, simple, "ALTER TENANT "+tenant+" CONNECTION LIMIT -2")
		if e := wantCode(t, err, "22023"); e.Message != "invalid connection limit: -2" {
			t.Fatalf("%s: %q", mode, e.Message)
		}
		if tag, err := execIn(admin, simple, "ALTER TENANT "+tenant+" CONNECTION LIMIT 2"); err != nil || tag.String() != "ALTER TENANT" {
			t.Fatalf("%s: ALTER TENANT: %q %v", mode, tag, err)
		}
		if tag, err := execIn(prov, simple, "ALTER RECIPIENT "+recipient+" CONNECTION LIMIT 2"); err != nil || tag.String() != "ALTER RECIPIENT" {
			t.Fatalf("%s: ALTER RECIPIENT: %q %v", mode, tag, err)
		}
		if got := queryInt64(t, prov, "SELECT rolconnlimit FROM pg_roles WHERE rolname = current_user"); got != 2 {
			t.Fatalf("%s: tenant's rolconnlimit %d, want 2", mode, got)
		}
		if got := queryInt64(t, rc, "SELECT rolconnlimit FROM pg_roles WHERE rolname = current_user"); got != 2 {
			t.Fatalf("%s: recipient's rolconnlimit %d, want 2", mode, got)
		}
		// psql's \du shows it where a DBA looks.
		if out := s.mustPsql(t, "admin", adminPassword, "postgres", "", "-c", `\du `+tenant); !strings.Contains(out, "2 connections") {
			t.Fatalf("%s: \\du %s: %q", mode, tenant, out)
		}

		// The tenant holds prov: one more gets in, the third is refused.
		s.tenant(t, tenant, "postgres")
		_, err = s.tryConnect(t, tenant, tenantPassword(tenant), "postgres")
		wantTooMany(t, err, fmt.Sprintf("too many connections for role %q", tenant))
		// The recipient's sessions count apart from its provider's.
		recipientConnect(t, cred, "sh")
		_, err = tryRecipientConnect(t, cred, "sh")
		wantTooMany(t, err, fmt.Sprintf("too many connections for role %q", cred.User))
		// A wrong token is 28P01 whatever the count.
		bad := cred
		bad.BearerToken = "not-the-token"
		wantCode(t, loginErr(t, bad, "sh"), "28P01")

		// Limit 0 refuses every new session; -1 lifts the limit.
		if _, err := execIn(prov, simple, "ALTER RECIPIENT "+recipient+" CONNECTION LIMIT -1"); err != nil {
			t.Fatalf("%s: %v", mode, err)
		}
		recipientConnect(t, cred, "sh")
		if _, err := execIn(admin, simple, "ALTER TENANT "+tenant+" CONNECTION LIMIT 0"); err != nil {
			t.Fatalf("%s: %v", mode, err)
		}
		if got := queryInt64(t, admin, "SELECT count(*) FROM pg_roles WHERE rolname = '"+tenant+"' AND rolconnlimit = 0"); got != 1 {
			t.Fatalf("%s: admin sees %d rows of the tenant with limit 0", mode, got)
		}
		_, err = s.tryConnect(t, tenant, tenantPassword(tenant), "postgres")
		wantTooMany(t, err, fmt.Sprintf("too many connections for role %q", tenant))
		// The superuser has no limit of its own even when one is set.
		mustExec(t, admin, "ALTER TENANT admin CONNECTION LIMIT 0")
		s.admin(t, "postgres")
		mustExec(t, admin, "ALTER TENANT admin CONNECTION LIMIT -1")
	}
}

// rawDial opens a TCP connection that never logs in, closed when the test ends.
func rawDial(t testing.TB, addr string) net.Conn {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	return nc
}

// readAll reads nc until EOF or the deadline and says how long it took.
func readAll(t testing.TB, nc net.Conn, within time.Duration) ([]byte, time.Duration) {
	t.Helper()
	start := time.Now()
	nc.SetReadDeadline(start.Add(within))
	b, err := io.ReadAll(nc)
	if err != nil {
		t.Fatalf("reading after %v: %v (got %q)", time.Since(start), err, b)
	}
	return b, time.Since(start)
}

func TestConnectionsAuthenticationTimeout(t *testing.T) {
	t.Parallel()
	s := startServer(t, withArgs("--authentication-timeout", "1s"))
	// Nothing sent: closed without an answer, as PostgreSQL does.
	idle := rawDial(t, s.addr)
	// The startup packet, then silence in the middle of SCRAM.
	mid := rawDial(t, s.addr)
	fe := pgproto3.NewFrontend(mid, mid)
	fe.Send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30, Parameters: map[string]string{"user": "admin", "database": "postgres"}})
	if err := fe.Flush(); err != nil {
		t.Fatal(err)
	}
	mid.SetReadDeadline(time.Now().Add(10 * time.Second))
	if msg, err := fe.Receive(); err != nil {
		t.Fatal(err)
	} else if _, ok := msg.(*pgproto3.AuthenticationSASL); !ok {
		t.Fatalf("got %T, want AuthenticationSASL", msg)
	}
	for name, nc := range map[string]net.Conn{"idle": idle, "mid-authentication": mid} {
		b, took := readAll(t, nc, 15*time.Second)
		if len(b) != 0 {
			t.Errorf("%s: the server answered %q", name, b)
		}
		if took > 10*time.Second {
			t.Errorf("%s: closed only after %v", name, took)
		}
	}
	waitFor(t, "the timeout during authentication in the log", 10*time.Second, func() bool {
		return strings.Contains(s.logs.String(), `msg="canceling authentication due to timeout"`)
	})
	// A login still works.
	if got := queryInt64(t, s.admin(t, "postgres"), "SELECT 2 * 21"); got != 42 {
		t.Fatal(got)
	}
}

func TestConnectionsStartupCap(t *testing.T) {
	t.Parallel()
	// --max-connections 4: at most 4 connections in startup.
	s := startServer(t, withArgs("--max-connections", "4", "--superuser-reserved-connections", "1"))
	var idle []net.Conn
	for range 4 {
		idle = append(idle, rawDial(t, s.addr))
	}
	// A fifth is refused once the server has accepted the 4.
	waitFor(t, "a refusal", 10*time.Second, func() bool {
		_, err := s.tryConnect(t, "admin", adminPassword, "postgres")
		pe, ok := asPgError(err)
		return ok && pe.Code == "53300"
	})
	_, err := s.tryConnect(t, "admin", adminPassword, "postgres")
	wantTooMany(t, err, "sorry, too many clients already")
	// As in PostgreSQL, the refusal follows the SSL negotiation, so that
	// psql's default sslmode=prefer shows the reason too.
	nc := rawDial(t, s.addr)
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := nc.Write([]byte{0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f}); err != nil { // SSLRequest
		t.Fatal(err)
	}
	if b := make([]byte, 1); func() bool { _, err := io.ReadFull(nc, b); return err != nil || b[0] != 'N' }() {
		t.Fatalf("SSLRequest answered %q", b)
	}
	fe := pgproto3.NewFrontend(nc, nc)
	fe.Send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30, Parameters: map[string]string{"user": "admin"}})
	if err := fe.Flush(); err != nil {
		t.Fatal(err)
	}
	msg, err := fe.Receive()
	if er, ok := msg.(*pgproto3.ErrorResponse); err != nil || !ok || er.Code != "53300" || er.Message != "sorry, too many clients already" {
		t.Fatalf("startup answered %#v, %v", msg, err)
	}
	for _, nc := range idle {
		nc.Close()
	}
	waitFor(t, "the startup slots to be free", 10*time.Second, func() bool {
		c, err := s.tryConnect(t, "admin", adminPassword, "postgres")
		if err == nil {
			c.Close(context.Background())
		}
		return err == nil
	})
}

// openFDs counts the open file descriptors of process pid.
func openFDs(t testing.TB, pid int) int {
	t.Helper()
	ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}

func TestConnectionsOutOfFileDescriptors(t *testing.T) {
	t.Parallel()
	prlimit, err := exec.LookPath("prlimit")
	if err != nil {
		t.Fatal("prlimit (util-linux) is needed to lower the server's RLIMIT_NOFILE")
	}
	s := startServer(t)
	pid := s.cmd.Process.Pid
	// Leave the server 20 descriptors above what it holds now, then
	// connect 150 clients that never log in: accept fails with EMFILE.
	limit := openFDs(t, pid) + 20
	if out, err := exec.Command(prlimit, "--pid", fmt.Sprint(pid), fmt.Sprintf("--nofile=%d:%d", limit, limit)).CombinedOutput(); err != nil {
		t.Fatalf("prlimit: %v %s", err, out)
	}
	var flood []net.Conn
	for range 150 {
		flood = append(flood, rawDial(t, s.addr))
	}
	for range 20 {
		flood = append(flood, rawDial(t, s.httpAddr))
	}
	waitFor(t, "both accept loops to fail with EMFILE", 20*time.Second, func() bool {
		logs := s.logs.String()
		return strings.Contains(logs, `msg="accept failed; retrying"`) && strings.Contains(logs, "http: Accept error") &&
			strings.Count(logs, "too many open files") >= 2
	})
	if !s.running() {
		t.Fatalf("the server exited: %v", s.err)
	}
	for _, nc := range flood {
		nc.Close()
	}
	// Both listeners serve again once the clients are gone.
	waitFor(t, "a login after the flood", 30*time.Second, func() bool {
		c, err := s.tryConnect(t, "admin", adminPassword, "postgres")
		if err != nil {
			return false
		}
		defer c.Close(context.Background())
		return queryInt64(t, c, "SELECT 6 * 7") == 42
	})
	waitFor(t, "/healthz after the flood", 30*time.Second, func() bool {
		cl := http.Client{Timeout: 5 * time.Second}
		resp, err := cl.Get("http://" + s.httpAddr + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	if !s.running() {
		t.Fatalf("the server exited: %v", s.err)
	}
}

// timedLogin logs in and returns the error and how long the answer took.
func (s *server) timedLogin(t testing.TB, user, password string) (time.Duration, error) {
	t.Helper()
	start := time.Now()
	c, err := s.tryConnect(t, user, password, "postgres")
	took := time.Since(start)
	if err == nil {
		c.Close(context.Background())
	}
	return took, err
}

func TestConnectionsLoginThrottle(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	s.mustCreateTenant(t, "victim")
	const guess = "wrong-guess-7f3a9c"
	var took []time.Duration
	for i := range 5 {
		d, err := s.timedLogin(t, "victim", fmt.Sprintf("%s-%d", guess, i))
		wantCode(t, err, "28P01")
		took = append(took, d)
	}
	// 100, 200, 400, 800, 1600 ms: the fifth waits far longer than the first.
	if took[4] < 1200*time.Millisecond || took[4] < 4*took[0] {
		t.Fatalf("failed logins took %v; want a growing delay", took)
	}
	// While a failure waits, everyone else is served at once: the correct
	// password of the same user included.
	failing := make(chan time.Duration, 1)
	go func() {
		start := time.Now()
		_, err := s.timedLogin(t, "victim", guess+"-last")
		if pe, ok := asPgError(err); !ok || pe.Code != "28P01" {
			t.Errorf("sixth failure: %v", err)
		}
		failing <- time.Since(start)
	}()
	for _, login := range [][2]string{{"admin", adminPassword}, {"victim", tenantPassword("victim")}} {
		d, err := s.timedLogin(t, login[0], login[1])
		if err != nil {
			t.Fatalf("login as %s: %v", login[0], err)
		}
		if d > time.Second {
			t.Errorf("login as %s took %v during another's delay", login[0], d)
		}
	}
	if d := <-failing; d < 2*time.Second {
		t.Errorf("the sixth failure took only %v", d)
	}
	// The log names user and client of each failure, never a password.
	waitFor(t, "6 failures in the log", 10*time.Second, func() bool {
		return strings.Count(s.logs.String(), `msg="authentication failed"`) >= 6
	})
	logs := s.logs.String()
	if strings.Contains(logs, guess) || strings.Contains(logs, tenantPassword("victim")) || strings.Contains(logs, adminPassword) {
		t.Fatal("a password reached the log")
	}
	var failures int
	for _, line := range strings.Split(logs, "\n") {
		if strings.Contains(line, `msg="authentication failed"`) {
			failures++
			if !strings.Contains(line, "user=victim") || !strings.Contains(line, "client=127.0.0.1:") {
				t.Errorf("failure logged without user or client: %s", line)
			}
		}
	}
	if failures != 6 {
		t.Errorf("%d failures logged, want 6", failures)
	}
}

func TestConnectionsRejectsBadFlags(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--max-connections", "0"}, "--max-connections must be at least 1"},
		{[]string{"--max-connections", "3", "--superuser-reserved-connections", "3"}, "must be at least 0 and less than --max-connections (3)"},
		{[]string{"--superuser-reserved-connections", "-1"}, "must be at least 0 and less than --max-connections (100)"},
		{[]string{"--authentication-timeout", "0s"}, "--authentication-timeout must be positive"},
		{[]string{"--auth-failure-delay", "-1s"}, "--auth-failure-delay must not be negative"},
	} {
		args := append([]string{"serve", "--data", t.TempDir(), "--listen", "127.0.0.1:0", "--http", ""}, tc.args...)
		_, stderr, err := runBinary(t, t.TempDir(), nil, args...)
		if err == nil || !strings.Contains(stderr, tc.want) {
			t.Errorf("%q: err %v, stderr %q; want %q", tc.args, err, stderr, tc.want)
		}
	}
}
