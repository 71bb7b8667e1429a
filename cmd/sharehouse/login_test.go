package main

import (
	"context"
	"io"
	"net/http"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

func TestLogin(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	conn := s.admin(t, "postgres")
	if got := queryInt64(t, conn, "SELECT 1"); got != 1 {
		t.Fatalf("SELECT 1 = %d", got)
	}
	if out := s.mustPsql(t, "admin", adminPassword, "postgres", "", "-c", "SELECT 40 + 2"); strings.TrimSpace(out) != "42" {
		t.Fatalf("psql SELECT 40 + 2 printed %q", out)
	}

	ctx, cancel := context.WithTimeout(context.Background(), queryTimeout)
	defer cancel()
	for _, tc := range []struct{ name, user, password, database string }{
		{"wrong password", "admin", "not-the-password", "postgres"},
		{"empty password", "admin", "", "postgres"},
		{"unknown user", "nobody", adminPassword, "postgres"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := pgx.Connect(ctx, s.url(tc.user, tc.password, tc.database))
			if err == nil {
				c.Close(ctx)
				t.Fatal("login succeeded")
			}
			// An unknown user gets the same answer as a wrong password, so
			// that user names cannot be probed.
			pe := wantCode(t, err, "28P01")
			if want := `password authentication failed for user "` + tc.user + `"`; pe.Message != want {
				t.Errorf("message %q, want %q", pe.Message, want)
			}
		})
	}
	t.Run("psql wrong password", func(t *testing.T) {
		_, errOut, err := s.psql(t, "admin", "wrong", "postgres", "", nil, "-c", "SELECT 1")
		if err == nil || !strings.Contains(errOut, "password authentication failed") {
			t.Fatalf("psql with a wrong password: err %v, stderr %q", err, errOut)
		}
	})
	t.Run("unknown database", func(t *testing.T) {
		c, err := pgx.Connect(ctx, s.url("admin", adminPassword, "nosuchdb"))
		if err == nil {
			c.Close(ctx)
			t.Fatal("connected to a missing database")
		}
		wantCode(t, err, "3D000")
	})
	// The first connection still works after the failed attempts.
	if got := queryInt64(t, conn, "SELECT 2"); got != 2 {
		t.Fatalf("SELECT 2 = %d", got)
	}
}

func TestFirstStartGeneratesPassword(t *testing.T) {
	t.Parallel()
	s := startServer(t, withEnv())
	re := regexp.MustCompile(`psql "postgres://admin:([A-Za-z0-9_-]+)@([0-9.:]+)/postgres"`)
	// The banner is written before the listening line, but it reaches us
	// through another pipe.
	var m []string
	waitFor(t, "the psql command line on stdout", 10*time.Second, func() bool {
		m = re.FindStringSubmatch(s.stdout.String())
		return m != nil
	})
	if m[2] != s.addr {
		t.Errorf("psql line names %s, server listens on %s", m[2], s.addr)
	}
	password := m[1]
	if strings.Contains(s.logs.String(), password) {
		t.Error("the generated password appears in the log")
	}
	conn := s.connect(t, "admin", password, "postgres")
	mustExec(t, conn, "SELECT 1")
	conn.Close(context.Background())

	// The password is printed once: a restart keeps it and says nothing.
	s.stop(t)
	s.restart(t)
	if strings.Contains(s.stdout.String(), "psql") {
		t.Errorf("second start printed a password again:\n%s", s.stdout.String())
	}
	conn = s.connect(t, "admin", password, "postgres")
	mustExec(t, conn, "SELECT 1")
}

func TestEnvPasswordOnlyOnFirstStart(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	s.stop(t)
	// A different password in the environment does not change the stored one.
	s.env = []string{"SHAREHOUSE_ADMIN_PASSWORD=something-else"}
	s.restart(t)
	s.connect(t, "admin", adminPassword, "postgres")
	ctx, cancel := context.WithTimeout(context.Background(), queryTimeout)
	defer cancel()
	c, err := pgx.Connect(ctx, s.url("admin", "something-else", "postgres"))
	if err == nil {
		c.Close(ctx)
		t.Fatal("the environment changed the superuser's password on a restart")
	}
	wantCode(t, err, "28P01")
}

func TestHealthz(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	if s.httpAddr == "" {
		t.Fatalf("the listening line has no http address:\n%s", s.logs.String())
	}
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Get("http://" + s.httpAddr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || strings.TrimSpace(string(body)) != "ok" {
		t.Fatalf("GET /healthz: %s %q", resp.Status, body)
	}
	resp, err = client.Get("http://" + s.httpAddr + "/nope")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("GET /nope: %s", resp.Status)
	}
}

func TestVersionCommand(t *testing.T) {
	t.Parallel()
	out, err := exec.Command(binPath, "version").CombinedOutput()
	if err != nil {
		t.Fatalf("sharehouse version: %v\n%s", err, out)
	}
	if got := strings.TrimSpace(string(out)); got != "sharehouse dev" {
		t.Fatalf("sharehouse version printed %q", got)
	}
}

func TestServeRejectsBadFlags(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"serve", "--tls-cert", "only-cert.pem"},
		{"serve", "--log-level", "loud"},
		{"serve", "--listen", "256.0.0.1:99999", "--data", t.TempDir()},
	} {
		out, err := exec.Command(binPath, args...).CombinedOutput()
		if err == nil {
			t.Errorf("%q succeeded:\n%s", args, out)
		}
	}
}
