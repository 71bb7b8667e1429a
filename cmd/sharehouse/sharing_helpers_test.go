package main

// Helpers of the sharing end-to-end tests: tenants, recipients, activation
// over HTTP, recipient logins, and assertions on "absent" and "read-only".

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// tenantPassword is the password the tests give every tenant they create.
func tenantPassword(name string) string { return name + "-pw" }

// mustCreateTenant creates tenant name as the superuser.
func (s *server) mustCreateTenant(t testing.TB, name string) {
	t.Helper()
	admin := s.admin(t, "postgres")
	mustExec(t, admin, fmt.Sprintf("CREATE TENANT %s PASSWORD '%s'", name, tenantPassword(name)))
}

// tenant connects as tenant name to database.
func (s *server) tenant(t testing.TB, name, database string) *pgx.Conn {
	t.Helper()
	return s.connect(t, name, tenantPassword(name), database)
}

// mustQueryRows runs a query (simple protocol) and returns every row as
// text values, NULL as "NULL".
func mustQueryRows(t testing.TB, conn *pgx.Conn, sql string) [][]string {
	t.Helper()
	rows, err := queryRows(conn, sql)
	if err != nil {
		t.Fatalf("query %q: %v", sql, err)
	}
	return rows
}

func queryRows(conn *pgx.Conn, sql string) ([][]string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), queryTimeout)
	defer cancel()
	rows, err := conn.Query(ctx, sql, pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out [][]string
	for rows.Next() {
		raw := rows.RawValues()
		row := make([]string, len(raw))
		for i, v := range raw {
			if v == nil {
				row[i] = "NULL"
			} else {
				row[i] = string(v)
			}
		}
		out = append(out, row)
	}
	return out, rows.Err()
}

// flatRows joins rows as "a,b|c,d" for comparisons.
func flatRows(rows [][]string) string {
	parts := make([]string, len(rows))
	for i, r := range rows {
		parts[i] = strings.Join(r, ",")
	}
	return strings.Join(parts, "|")
}

// mustCreateRecipient runs a CREATE RECIPIENT statement in pgx's default
// (extended) mode, as most drivers send it, and returns its activation
// link ("" for a tenant recipient), checking the row's shape. (The simple
// protocol's CREATE RECIPIENT is compared with it in
// TestSharingBothProtocols.)
func mustCreateRecipient(t testing.TB, conn *pgx.Conn, sql string) string {
	t.Helper()
	rows := mustQueryDefault(t, conn, sql)
	if len(rows) != 1 || len(rows[0]) != 3 {
		t.Fatalf("%s returned %q, want one row (name, authentication_type, activation_link)", sql, rows)
	}
	link := rows[0][2]
	switch rows[0][1] {
	case "TOKEN":
		if !strings.Contains(link, "/activate/") {
			t.Fatalf("%s: activation_link %q", sql, link)
		}
	case "TENANT":
		if link != "" && link != "NULL" {
			t.Fatalf("%s: a tenant recipient got activation_link %q", sql, link)
		}
		link = ""
	default:
		t.Fatalf("%s: authentication_type %q", sql, rows[0][1])
	}
	return link
}

// linkCode returns the secret part of an activation link.
func linkCode(link string) string { return link[strings.LastIndex(link, "/")+1:] }

// httpGet GETs url and returns the status, headers and body.
func httpGet(t testing.TB, u string) (int, http.Header, []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), queryTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := testHTTPClient().Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", redactPath(u), err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, body
}

// mustActivate redeems link over HTTP and returns the credential.
func mustActivate(t testing.TB, link string) shareCredential {
	t.Helper()
	status, _, body := httpGet(t, link)
	if status != http.StatusOK {
		t.Fatalf("activate: %d %s", status, body)
	}
	cred, err := parseShareCredential(body)
	if err != nil {
		t.Fatalf("activate: %v\n%s", err, body)
	}
	return cred
}

// wantActivationGone checks that link is refused with a clear JSON message.
func wantActivationGone(t testing.TB, link string) {
	t.Helper()
	status, _, body := httpGet(t, link)
	var he httpError
	if status < 400 || status >= 500 || json.Unmarshal(body, &he) != nil || he.Message == "" {
		t.Fatalf("GET of a used or expired link: %d %s; want 4xx with a JSON message", status, body)
	}
}

// recipientURL is the URL of a login with cred to database share.
func recipientURL(t testing.TB, cred shareCredential, share string) string {
	t.Helper()
	raw, err := cred.connURL(share)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(cred.User, cred.BearerToken)
	q := u.Query()
	q.Set("connect_timeout", "10")
	u.RawQuery = q.Encode()
	return u.String()
}

// recipientConnect opens a session as a token recipient to database share.
func recipientConnect(t testing.TB, cred shareCredential, share string) *pgx.Conn {
	t.Helper()
	conn, err := tryRecipientConnect(t, cred, share)
	if err != nil {
		t.Fatalf("connect as recipient %s to %s: %v", cred.User, share, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		conn.Close(ctx)
	})
	return conn
}

// tryRecipientConnect connects and returns the error; the caller closes
// the connection.
func tryRecipientConnect(t testing.TB, cred shareCredential, share string) (*pgx.Conn, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), queryTimeout)
	defer cancel()
	return pgx.Connect(ctx, recipientURL(t, cred, share))
}

// loginErr is the error of a fresh login (nil on success, the connection
// closed again).
func loginErr(t testing.TB, cred shareCredential, share string) error {
	t.Helper()
	conn, err := tryRecipientConnect(t, cred, share)
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		conn.Close(ctx)
	}
	return err
}

// wantAbsent checks that err says "does not exist" the way an object that
// never existed would: 42P01 (relation) or 3D000 (database).
func wantAbsent(t testing.TB, err error) {
	t.Helper()
	wantCode(t, err, "42P01", "3D000")
}

// wantReadOnly checks for 25006 with a message naming share.
func wantReadOnly(t testing.TB, err error, share string) {
	t.Helper()
	pe := wantCode(t, err, "25006")
	if !strings.Contains(pe.Message+" "+pe.Detail, share) {
		t.Errorf("25006 %q (detail %q) does not name share %q", pe.Message, pe.Detail, share)
	}
}

// runBinary runs the sharehouse binary with args in dir and returns its
// output.
func runBinary(t testing.TB, dir string, env []string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), queryTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, binPath, args...)
	cmd.Dir = dir
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}, env...)
	var out, errb lockedBuffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	return out.String(), errb.String(), err
}

// dataFiles returns the table data files of a data directory (everything
// but the catalog file, which every DDL statement rewrites in place).
func dataFiles(t testing.TB, dir string) map[string]int64 {
	t.Helper()
	files := dirFiles(t, dir)
	delete(files, "catalog.db")
	return files
}

// grepDir returns the files under dir that contain any of needles.
func grepDir(t testing.TB, dir string, needles ...string) []string {
	t.Helper()
	var hits []string
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, n := range needles {
			if strings.Contains(string(data), n) {
				hits = append(hits, fmt.Sprintf("%s contains %.8s…", path, n))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return hits
}
