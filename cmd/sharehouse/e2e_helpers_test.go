package main

// Shared helpers of the end-to-end tests: build the binary once, start it on
// 127.0.0.1:0 in a fresh data directory, read the bound addresses from its
// log, and talk to it with pgx and the real psql.

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
)

// binPath is the sharehouse binary built by TestMain.
var binPath string

const (
	// adminPassword is what the tests set in SHAREHOUSE_ADMIN_PASSWORD.
	adminPassword = "e2e-admin-secret"
	// startTimeout bounds a start, demo loading included.
	startTimeout = 60 * time.Second
	// stopTimeout bounds a graceful shutdown.
	stopTimeout = 20 * time.Second
	// queryTimeout bounds one ordinary statement of a test.
	queryTimeout = 30 * time.Second
)

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	// SHAREHOUSE_E2E_BIN runs the tests against a binary built elsewhere
	// (a release build, or one built with other flags).
	if bin := os.Getenv("SHAREHOUSE_E2E_BIN"); bin != "" {
		binPath = bin
		return m.Run()
	}
	dir, err := os.MkdirTemp("", "sharehouse-e2e-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	binPath = filepath.Join(dir, "sharehouse")
	// The binary is built with -race when the tests run with it: the
	// server then looks for races while the tests drive it, and the build
	// reuses the race-built packages of this test run instead of compiling
	// pg_query's C sources once more.
	args := []string{"build", "-o", binPath}
	if raceEnabled {
		args = append(args, "-race")
	}
	build := exec.Command("go", append(args, ".")...)
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: go build:", err)
		return 1
	}
	return m.Run()
}

// server is one running sharehouse process.
type server struct {
	t        testing.TB
	dir      string   // data directory, kept across restarts
	args     []string // extra serve flags
	env      []string
	addr     string // pgwire host:port
	httpAddr string

	cmd    *exec.Cmd
	done   chan struct{} // closed when the process has exited
	err    error         // Wait's result, valid after done
	stdout *lockedBuffer // the current start's stdout
	logs   *lockedBuffer // stderr of every start: the slog lines
}

// serverOption changes how startServer starts the binary.
type serverOption func(*server)

// withArgs adds flags to `sharehouse serve`.
func withArgs(args ...string) serverOption {
	return func(s *server) { s.args = append(s.args, args...) }
}

// withEnv replaces the environment variables the binary gets besides PATH and HOME.
func withEnv(env ...string) serverOption {
	return func(s *server) { s.env = env }
}

// withDir starts on an existing data directory.
func withDir(dir string) serverOption {
	return func(s *server) { s.dir = dir }
}

// startServer starts the binary in a new data directory and waits until it
// listens. The process is killed when the test ends.
func startServer(t testing.TB, opts ...serverOption) *server {
	t.Helper()
	s := &server{t: t, env: []string{"SHAREHOUSE_ADMIN_PASSWORD=" + adminPassword}}
	for _, o := range opts {
		o(s)
	}
	if s.dir == "" {
		s.dir = filepath.Join(t.TempDir(), "data")
	}
	s.start(t)
	t.Cleanup(func() {
		s.kill()
		if strings.Contains(s.logs.String(), "WARNING: DATA RACE") {
			t.Error("the race detector found a data race in the server (log below)")
		}
		if t.Failed() {
			t.Logf("server stdout:\n%s", s.stdout.String())
			t.Logf("server log:\n%s", s.logs.String())
		}
	})
	return s
}

var listeningRE = regexp.MustCompile(`msg=listening addr=(\S+)(?: http=(\S+))?`)

func (s *server) start(t testing.TB) {
	t.Helper()
	args := append([]string{"serve", "--data", s.dir, "--listen", "127.0.0.1:0", "--http", "127.0.0.1:0"}, s.args...)
	cmd := exec.Command(binPath, args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}, s.env...)
	// stdout is per start (it shows what a start printed); the log
	// accumulates over restarts so that a failure shows the whole story.
	s.stdout = &lockedBuffer{}
	if s.logs == nil {
		s.logs = &lockedBuffer{}
	}
	s.logs.WriteString(fmt.Sprintf("--- sharehouse %s\n", strings.Join(args, " ")))
	cmd.Stdout = s.stdout
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s.cmd, s.done = cmd, make(chan struct{})
	found := make(chan [2]string, 1)
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		sent := false
		for sc.Scan() {
			line := sc.Text()
			s.logs.WriteString(line + "\n")
			if m := listeningRE.FindStringSubmatch(line); m != nil && !sent {
				found <- [2]string{m[1], m[2]}
				sent = true
			}
		}
		io.Copy(io.Discard, stderr)
	}()
	go func() {
		<-copied // Wait closes the pipe; read everything first
		s.err = cmd.Wait()
		close(s.done)
	}()
	select {
	case a := <-found:
		s.addr, s.httpAddr = a[0], a[1]
	case <-s.done:
		t.Fatalf("sharehouse exited before listening: %v\nlog:\n%s", s.err, s.logs.String())
	case <-time.After(startTimeout):
		s.kill()
		t.Fatalf("sharehouse did not log %q within %v\nlog:\n%s", "listening", startTimeout, s.logs.String())
	}
}

// stop sends SIGTERM and waits for a clean exit.
func (s *server) stop(t testing.TB) {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM: %v", err)
	}
	select {
	case <-s.done:
		if s.err != nil {
			t.Fatalf("sharehouse exited with %v after SIGTERM\nlog:\n%s", s.err, s.logs.String())
		}
	case <-time.After(stopTimeout):
		s.kill()
		t.Fatalf("sharehouse did not stop within %v of SIGTERM\nlog:\n%s", stopTimeout, s.logs.String())
	}
}

// kill sends SIGKILL and waits for the process to be gone; a no-op when it
// already exited.
func (s *server) kill() {
	if s.cmd == nil {
		return
	}
	select {
	case <-s.done:
		return
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.done
}

// restart starts the binary again on the same data directory (after stop or
// kill).
func (s *server) restart(t testing.TB) {
	t.Helper()
	select {
	case <-s.done:
	default:
		t.Fatal("restart: the server is still running")
	}
	s.start(t)
}

// running reports whether the process is still alive.
func (s *server) running() bool {
	select {
	case <-s.done:
		return false
	default:
		return true
	}
}

// url returns a postgres:// URL for user with password in database.
func (s *server) url(user, password, database string) string {
	u := url.URL{Scheme: "postgres", User: url.UserPassword(user, password), Host: s.addr, Path: "/" + database}
	q := url.Values{}
	q.Set("sslmode", "disable")
	q.Set("connect_timeout", "10")
	u.RawQuery = q.Encode()
	return u.String()
}

// connect opens a pgx connection, closed when the test ends.
func (s *server) connect(t testing.TB, user, password, database string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), queryTimeout)
	defer cancel()
	conn, err := pgx.Connect(ctx, s.url(user, password, database))
	if err != nil {
		t.Fatalf("connect as %s to %s: %v", user, database, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		conn.Close(ctx)
	})
	return conn
}

// admin connects as the superuser to database.
func (s *server) admin(t testing.TB, database string) *pgx.Conn {
	t.Helper()
	return s.connect(t, "admin", adminPassword, database)
}

// psqlPath returns the psql binary; the tests fail without it, never skip.
func psqlPath(t testing.TB) string {
	t.Helper()
	p, err := exec.LookPath("psql")
	if err != nil {
		t.Fatalf("psql is required by the end-to-end tests (apt-get install postgresql-client): %v", err)
	}
	return p
}

// psql runs psql as user on database with args (e.g. "-c", "select 1"), in
// dir when not empty, and returns stdout and stderr. It stops on the first
// error (ON_ERROR_STOP) and prints unaligned, tuples-only output with "|".
func (s *server) psql(t testing.TB, user, password, database, dir string, stdin io.Reader, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	host, port, _ := net.SplitHostPort(s.addr)
	ctx, cancel := context.WithTimeout(context.Background(), queryTimeout)
	defer cancel()
	full := append([]string{"-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
		"-h", host, "-p", port, "-U", user, "-d", database}, args...)
	cmd := exec.CommandContext(ctx, psqlPath(t), full...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PGPASSWORD="+password, "PGSSLMODE=disable", "PGCONNECT_TIMEOUT=10", "PSQLRC=/dev/null", "PGTZ=UTC")
	cmd.Stdin = stdin
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	return out.String(), errb.String(), err
}

// mustPsql is psql that fails the test on an error.
func (s *server) mustPsql(t testing.TB, user, password, database, dir string, args ...string) string {
	t.Helper()
	out, errOut, err := s.psql(t, user, password, database, dir, nil, args...)
	if err != nil {
		t.Fatalf("psql %q: %v\nstdout:\n%s\nstderr:\n%s", args, err, out, errOut)
	}
	return out
}

// mustExec runs sql (one or more statements, simple protocol) and returns the
// last command tag.
func mustExec(t testing.TB, conn *pgx.Conn, sql string, args ...any) pgconn.CommandTag {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), queryTimeout)
	defer cancel()
	tag, err := conn.Exec(ctx, sql, args...)
	if err != nil {
		t.Fatalf("exec %q: %v", sql, err)
	}
	return tag
}

// mustQueryRow runs a query expected to return one row and scans it.
func mustQueryRow(t testing.TB, conn *pgx.Conn, sql string, dest []any, args ...any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), queryTimeout)
	defer cancel()
	if err := conn.QueryRow(ctx, sql, args...).Scan(dest...); err != nil {
		t.Fatalf("query %q: %v", sql, err)
	}
}

// queryInt64 runs a query returning one bigint (count(*), sum …).
func queryInt64(t testing.TB, conn *pgx.Conn, sql string, args ...any) int64 {
	t.Helper()
	var n int64
	mustQueryRow(t, conn, sql, []any{&n}, args...)
	return n
}

// queryStrings returns the first column of every row as text (simple
// protocol, so every value comes in text format).
func queryStrings(t testing.TB, conn *pgx.Conn, sql string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), queryTimeout)
	defer cancel()
	rows, err := conn.Query(ctx, sql, pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		t.Fatalf("query %q: %v", sql, err)
	}
	var out []string
	for rows.Next() {
		var v *string
		if err := rows.Scan(&v); err != nil {
			t.Fatalf("scan %q: %v", sql, err)
		}
		if v == nil {
			out = append(out, "NULL")
		} else {
			out = append(out, *v)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("query %q: %v", sql, err)
	}
	return out
}

// asPgError returns err as a *pgconn.PgError.
func asPgError(err error) (*pgconn.PgError, bool) {
	var pe *pgconn.PgError
	ok := errors.As(err, &pe)
	return pe, ok
}

// pgErr returns err as a *pgconn.PgError or fails the test.
func pgErr(t testing.TB, err error) *pgconn.PgError {
	t.Helper()
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		t.Fatalf("want a PostgreSQL error, got %v", err)
	}
	return pe
}

// wantCode fails the test unless err is a server error with one of codes.
func wantCode(t testing.TB, err error, codes ...string) *pgconn.PgError {
	t.Helper()
	if err == nil {
		t.Fatalf("want error with SQLSTATE %s, got success", strings.Join(codes, " or "))
	}
	pe := pgErr(t, err)
	for _, c := range codes {
		if pe.Code == c {
			return pe
		}
	}
	t.Fatalf("want SQLSTATE %s, got %s: %s", strings.Join(codes, " or "), pe.Code, pe.Message)
	return nil
}

// execErr runs sql and returns its error (nil on success).
func execErr(conn *pgx.Conn, sql string, args ...any) error {
	ctx, cancel := context.WithTimeout(context.Background(), queryTimeout)
	defer cancel()
	_, err := conn.Exec(ctx, sql, args...)
	return err
}

// queryErr runs a query, reads all rows, and returns the error.
func queryErr(conn *pgx.Conn, sql string, args ...any) error {
	ctx, cancel := context.WithTimeout(context.Background(), queryTimeout)
	defer cancel()
	rows, err := conn.Query(ctx, sql, args...)
	if err != nil {
		return err
	}
	for rows.Next() {
	}
	rows.Close()
	return rows.Err()
}

// dirFiles returns the regular files under dir with their sizes.
func dirFiles(t testing.TB, dir string) map[string]int64 {
	t.Helper()
	files := map[string]int64{}
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			info, err := d.Info()
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(dir, path)
			files[rel] = info.Size()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// hijack opens a connection, authenticates with pgconn and hands over the
// raw protocol: a Frontend and its net.Conn, closed when the test ends.
func hijack(t *testing.T, s *server) (*pgproto3.Frontend, net.Conn) {
	t.Helper()
	return hijackAs(t, s, "admin", adminPassword)
}

// hijackAs is hijack as user with password.
func hijackAs(t *testing.T, s *server, user, password string) (*pgproto3.Frontend, net.Conn) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), queryTimeout)
	defer cancel()
	pc, err := pgconn.Connect(ctx, s.url(user, password, "postgres"))
	if err != nil {
		t.Fatal(err)
	}
	hc, err := pc.Hijack()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { hc.Conn.Close() })
	hc.Conn.SetDeadline(time.Now().Add(queryTimeout))
	return hc.Frontend, hc.Conn
}

func mustFlush(t *testing.T, fe *pgproto3.Frontend) {
	t.Helper()
	if err := fe.Flush(); err != nil {
		t.Fatal(err)
	}
}

// lockedBuffer is a bytes.Buffer safe for one writer and concurrent readers.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) WriteString(s string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.b.WriteString(s)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// waitFor polls cond until it holds or the deadline passes. The tests wait
// for conditions, never for fixed times.
func waitFor(t testing.TB, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		<-tick.C
	}
}
