package main

// Unit tests of the credential side: the activation endpoint with a fake
// catalog, `sharehouse activate` against it, and the psql command line of
// `sharehouse connect`. The end-to-end tests (sharing_test.go) run the
// same against the real server.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sharehouse/sharehouse/catalog"
)

// fakeActivator redeems each of its codes once.
type fakeActivator struct {
	mu    sync.Mutex
	codes map[string]catalog.Credential
	fail  error // returned for every code when set
}

func (f *fakeActivator) Activate(ctx context.Context, code string) (catalog.Credential, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return catalog.Credential{}, f.fail
	}
	c, ok := f.codes[code]
	if !ok {
		return catalog.Credential{}, catalog.ErrActivationUsed
	}
	delete(f.codes, code)
	return c, nil
}

func (f *fakeActivator) add(code string, c catalog.Credential) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.codes[code] = c
}

func (f *fakeActivator) pending() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.codes)
}

func (f *fakeActivator) setFail(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail = err
}

const (
	testCode  = "00112233445566778899aabbccddeeff0011223344556677"
	testToken = "tok-SECRET-0123456789abcdefghijklmnopqrstuvwxyzAB"
)

var testExpiry = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

func newActivationServer(t *testing.T) (*httptest.Server, *fakeActivator, *lockedBuffer) {
	t.Helper()
	act := &fakeActivator{codes: map[string]catalog.Credential{
		testCode: {User: "acme corp/eu", Token: testToken, Expires: testExpiry},
	}}
	logs := &lockedBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv := httptest.NewServer(httpHandler(log, act, shareEndpoint{pgAddr: "db.example.com:5433", sslmode: "require"}))
	t.Cleanup(srv.Close)
	return srv, act, logs
}

func TestActivateEndpoint(t *testing.T) {
	srv, act, logs := newActivationServer(t)
	link := srv.URL + "/activate/" + testCode
	do := func(method, url string) (*http.Response, []byte) {
		t.Helper()
		req, err := http.NewRequest(method, url, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp, body
	}

	// Other methods are refused and do not use the code up.
	for _, m := range []string{http.MethodHead, http.MethodPost, http.MethodPut, http.MethodDelete} {
		resp, _ := do(m, link)
		if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "GET" {
			t.Errorf("%s: %s, Allow %q; want 405, Allow GET", m, resp.Status, resp.Header.Get("Allow"))
		}
	}

	resp, body := do(http.MethodGet, link)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("first GET: %s %s", resp.Status, body)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", cc)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	var got map[string]any
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"shareCredentialsVersion": 1.0,
		"endpoint":                "postgres://db.example.com:5433",
		"user":                    "acme corp/eu",
		"bearerToken":             testToken,
		"expirationTime":          "2030-01-02T03:04:05Z",
		"connectionString":        "postgres://acme%20corp%2Feu@db.example.com:5433/?sslmode=require",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("credential has keys %v, want exactly %v", keys(got), keys(want))
	}

	// Every later GET, and any unknown or malformed code, is the same 410.
	for _, u := range []string{link, srv.URL + "/activate/nope", srv.URL + "/activate/" + strings.Repeat("a", 300), srv.URL + "/activate/a/b"} {
		resp, body := do(http.MethodGet, u)
		var he httpError
		if resp.StatusCode != http.StatusGone || json.Unmarshal(body, &he) != nil || !strings.Contains(he.Message, "already used") {
			t.Errorf("GET %s: %s %s; want 410 with a JSON message", redactPath(u), resp.Status, body)
		}
		if resp.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("GET %s: no Cache-Control: no-store", redactPath(u))
		}
	}

	// A catalog failure is a 500 without details.
	act.setFail(errors.New("disk on fire"))
	resp, body = do(http.MethodGet, srv.URL+"/activate/"+testCode)
	if resp.StatusCode != http.StatusInternalServerError || bytes.Contains(body, []byte("fire")) {
		t.Errorf("failing catalog: %s %s", resp.Status, body)
	}

	if resp, _ := do(http.MethodGet, srv.URL+"/healthz"); resp.StatusCode != http.StatusOK {
		t.Errorf("/healthz: %s", resp.Status)
	}
	l := logs.String()
	if strings.Contains(l, testCode) || strings.Contains(l, testToken) || strings.Contains(l, testCode[:16]) {
		t.Errorf("the log shows a code or a token:\n%s", l)
	}
	if !strings.Contains(l, "path=/activate/REDACTED status=200") {
		t.Errorf("the log lacks the redacted request line:\n%s", l)
	}
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func TestActivateCommand(t *testing.T) {
	ctx := context.Background()
	t.Chdir(t.TempDir())

	t.Run("bad links are refused before any request", func(t *testing.T) {
		for _, link := range []string{"ftp://x/activate/c", "http://x/", "http://x/activate/", "not a url"} {
			if err := runActivate(ctx, defaultActivateOptions(), link, io.Discard, io.Discard); err == nil {
				t.Errorf("%q accepted", link)
			}
		}
	})

	srv, act, _ := newActivationServer(t)
	t.Run("an existing -o file keeps the link unused", func(t *testing.T) {
		os.WriteFile("taken.json", []byte("x"), 0o600)
		o := defaultActivateOptions()
		o.output = "taken.json"
		err := runActivate(ctx, o, srv.URL+"/activate/"+testCode, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "exists") {
			t.Fatalf("err %v, want: exists", err)
		}
		if act.pending() != 1 {
			t.Fatal("the link was used although the credential could not be saved")
		}
	})

	var out bytes.Buffer
	if err := runActivate(ctx, defaultActivateOptions(), srv.URL+"/activate/"+testCode, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	// The user's name is made safe for a file name.
	const file = "acme_corp_eu.share.json"
	if !strings.Contains(out.String(), "to "+file) || strings.Contains(out.String(), testToken) {
		t.Errorf("output %q: want the file name and no token", out.String())
	}
	info, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("mode %04o, want 0600", info.Mode().Perm())
	}
	data, _ := os.ReadFile(file)
	cred, err := parseShareCredential(data)
	if err != nil || cred.BearerToken != testToken || cred.User != "acme corp/eu" {
		t.Fatalf("saved %+v, %v", cred, err)
	}

	t.Run("a second activation does not overwrite the first file", func(t *testing.T) {
		act.add(testCode, catalog.Credential{User: "acme corp/eu", Token: "second", Expires: testExpiry})
		var out bytes.Buffer
		if err := runActivate(ctx, defaultActivateOptions(), srv.URL+"/activate/"+testCode, &out, io.Discard); err != nil {
			t.Fatal(err)
		}
		if data2, _ := os.ReadFile(file); !bytes.Equal(data, data2) {
			t.Error("the first credential file was overwritten")
		}
		if !strings.Contains(out.String(), "acme_corp_eu.share.2.json") {
			t.Errorf("output %q, want the numbered file", out.String())
		}
	})

	t.Run("-o - prints the credential", func(t *testing.T) {
		act.add(testCode, catalog.Credential{User: "u", Token: "third", Expires: testExpiry})
		o := defaultActivateOptions()
		o.output = "-"
		var out bytes.Buffer
		if err := runActivate(ctx, o, srv.URL+"/activate/"+testCode, &out, io.Discard); err != nil {
			t.Fatal(err)
		}
		if c, err := parseShareCredential(out.Bytes()); err != nil || c.BearerToken != "third" {
			t.Errorf("stdout %q: %v", out.String(), err)
		}
	})

	t.Run("-o --force narrows the mode of an existing file", func(t *testing.T) {
		act.add(testCode, catalog.Credential{User: "u", Token: "fourth", Expires: testExpiry})
		os.WriteFile("wide.json", []byte("old"), 0o644)
		o := defaultActivateOptions()
		o.output, o.force = "wide.json", true
		if err := runActivate(ctx, o, srv.URL+"/activate/"+testCode, io.Discard, io.Discard); err != nil {
			t.Fatal(err)
		}
		info, _ := os.Stat("wide.json")
		if info.Mode().Perm() != 0o600 {
			t.Errorf("mode %04o, want 0600", info.Mode().Perm())
		}
	})

	t.Run("a used link says so and names no code", func(t *testing.T) {
		err := runActivate(ctx, defaultActivateOptions(), srv.URL+"/activate/"+testCode, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "410") || strings.Contains(err.Error(), testCode) {
			t.Errorf("err %v", err)
		}
	})

	t.Run("an unreachable server names no code", func(t *testing.T) {
		o := defaultActivateOptions()
		o.timeout = 5 * time.Second
		err := runActivate(ctx, o, "http://127.0.0.1:1/activate/"+testCode, io.Discard, io.Discard)
		if err == nil || strings.Contains(err.Error(), testCode) {
			t.Errorf("err %v", err)
		}
	})
}

func TestPsqlCommand(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, c shareCredential, mode os.FileMode) string {
		path := filepath.Join(dir, name)
		data, _ := json.Marshal(c)
		if err := os.WriteFile(path, data, mode); err != nil {
			t.Fatal(err)
		}
		return path
	}
	now := time.Date(2029, 1, 1, 0, 0, 0, 0, time.UTC)
	cred := newShareCredential("acme", testToken, testExpiry, shareEndpoint{pgAddr: "db.example.com:5433", sslmode: "disable"})
	file := write("acme.json", cred, 0o600)
	environ := []string{"PATH=/bin", "PGPASSWORD=stale", "HOME=/root"}

	var warn bytes.Buffer
	argv, env, err := psqlCommand(file, "finance_data_share", []string{"-c", "SELECT 1"}, environ, &warn, now)
	if err != nil {
		t.Fatal(err)
	}
	wantArgv := []string{"psql", "postgres://acme@db.example.com:5433/finance_data_share?sslmode=disable", "-c", "SELECT 1"}
	if !slices.Equal(argv, wantArgv) {
		t.Errorf("argv %q, want %q", argv, wantArgv)
	}
	if strings.Contains(strings.Join(argv, " "), testToken) {
		t.Error("the token is on the command line")
	}
	if !slices.Equal(env, []string{"PATH=/bin", "HOME=/root", "PGPASSWORD=" + testToken}) {
		t.Errorf("env %q", env)
	}
	if warn.Len() != 0 {
		t.Errorf("warnings %q", warn.String())
	}

	for _, tc := range []struct {
		name, share, wantErr, wantWarn string
		cred                           shareCredential
		mode                           os.FileMode
		now                            time.Time
	}{
		{name: "no share", wantErr: "which share?", cred: cred, mode: 0o600, now: now},
		{name: "share in the file", cred: func() shareCredential { c := cred; c.Share = "s"; return c }(), mode: 0o600, now: now},
		{name: "readable by others", share: "s", wantWarn: "others may read it", cred: cred, mode: 0o644, now: now},
		{name: "expired", share: "s", wantWarn: "expired", cred: cred, mode: 0o600, now: testExpiry},
		{name: "newer version", share: "s", wantErr: "newer", cred: func() shareCredential { c := cred; c.ShareCredentialsVersion = 2; return c }(), mode: 0o600, now: now},
		{name: "no token", share: "s", wantErr: "bearerToken", cred: func() shareCredential { c := cred; c.BearerToken = ""; return c }(), mode: 0o600, now: now},
		{name: "bad endpoint", share: "s", wantErr: "postgres://", cred: func() shareCredential { c := cred; c.ConnectionString = "http://x"; return c }(), mode: 0o600, now: now},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var warn bytes.Buffer
			_, _, err := psqlCommand(write(strings.ReplaceAll(tc.name, " ", "_"), tc.cred, tc.mode), tc.share, nil, nil, &warn, tc.now)
			if tc.wantErr == "" && err != nil {
				t.Fatal(err)
			}
			if tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("err %v, want %q", err, tc.wantErr)
			}
			if !strings.Contains(warn.String(), tc.wantWarn) || (tc.wantWarn == "" && warn.Len() > 0) {
				t.Errorf("warnings %q, want %q", warn.String(), tc.wantWarn)
			}
		})
	}
}
