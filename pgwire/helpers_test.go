package pgwire

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
)

// testTimeout bounds every wait in these tests.
const testTimeout = 10 * time.Second

type testServer struct {
	srv  *Server
	eng  *fakeEngine
	addr string
	host string
	port string
}

// tlogWriter sends server logs to the test log.
type tlogWriter struct{ t testing.TB }

func (w tlogWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// startServer runs a Server over eng on 127.0.0.1:0 until the test ends,
// then shuts it down and checks that every Arrow buffer was released.
func startServer(t testing.TB, eng *fakeEngine, cfg Config) *testServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(tlogWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	srv := NewServer(cfg, eng)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(context.Background(), ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
		if n := eng.rowsOpen.Load(); n != 0 {
			t.Errorf("%d Rows left open", n)
		}
		eng.mem.AssertSize(t, 0)
	})
	host, port, _ := net.SplitHostPort(ln.Addr().String())
	return &testServer{srv: srv, eng: eng, addr: ln.Addr().String(), host: host, port: port}
}

func (ts *testServer) connString(user, password, db string) string {
	return fmt.Sprintf("postgres://%s:%s@%s/%s?sslmode=disable", user, password, ts.addr, db)
}

// mustConnect opens a pgx connection as alice, closed when the test ends.
func (ts *testServer) mustConnect(t testing.TB) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	conn, err := pgx.Connect(ctx, ts.connString("alice", "secret", "db"))
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// rawConn is an authenticated connection driven message by message.
type rawConn struct {
	t   testing.TB
	nc  net.Conn
	f   *pgproto3.Frontend
	pid uint32
	key []byte
}

// mustRaw authenticates with pgconn, then takes the connection over.
func (ts *testServer) mustRaw(t testing.TB) *rawConn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	pc, err := pgconn.Connect(ctx, ts.connString("alice", "secret", "db"))
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	h, err := pc.Hijack()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Conn.Close() })
	return &rawConn{t: t, nc: h.Conn, f: h.Frontend, pid: h.PID, key: h.SecretKey}
}

func (r *rawConn) send(msgs ...pgproto3.FrontendMessage) {
	r.t.Helper()
	for _, m := range msgs {
		r.f.Send(m)
	}
	if err := r.f.Flush(); err != nil {
		r.t.Fatalf("send: %v", err)
	}
}

// receive reads one message and describes it (see describeMsg).
func (r *rawConn) receive() (string, error) {
	r.nc.SetReadDeadline(time.Now().Add(testTimeout))
	m, err := r.f.Receive()
	if err != nil {
		return "", err
	}
	return describeMsg(m), nil
}

// untilReady reads messages up to and including ReadyForQuery.
func (r *rawConn) untilReady() []string {
	r.t.Helper()
	var out []string
	for {
		s, err := r.receive()
		if err != nil {
			r.t.Fatalf("receive after %q: %v", out, err)
		}
		out = append(out, s)
		if strings.HasPrefix(s, "Z ") {
			return out
		}
	}
}

// untilClosed reads messages until the server closes the connection.
func (r *rawConn) untilClosed() []string {
	r.t.Helper()
	var out []string
	for {
		s, err := r.receive()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				r.t.Fatalf("connection not closed; got %q", out)
			}
			return out
		}
		out = append(out, s)
	}
}

// describeMsg renders a backend message compactly, for comparisons.
func describeMsg(m pgproto3.BackendMessage) string {
	switch m := m.(type) {
	case *pgproto3.ParseComplete:
		return "ParseComplete"
	case *pgproto3.BindComplete:
		return "BindComplete"
	case *pgproto3.CloseComplete:
		return "CloseComplete"
	case *pgproto3.NoData:
		return "NoData"
	case *pgproto3.PortalSuspended:
		return "PortalSuspended"
	case *pgproto3.EmptyQueryResponse:
		return "EmptyQuery"
	case *pgproto3.ReadyForQuery:
		return "Z " + string(m.TxStatus)
	case *pgproto3.CommandComplete:
		return "C " + string(m.CommandTag)
	case *pgproto3.ErrorResponse:
		return "E " + m.Severity + " " + m.Code + " " + m.Message
	case *pgproto3.NoticeResponse:
		return "N " + m.Severity + " " + m.Code + " " + m.Message
	case *pgproto3.ParameterStatus:
		return "S " + m.Name + "=" + m.Value
	case *pgproto3.ParameterDescription:
		return fmt.Sprintf("ParameterDescription %v", m.ParameterOIDs)
	case *pgproto3.RowDescription:
		var parts []string
		for _, f := range m.Fields {
			parts = append(parts, fmt.Sprintf("%s:%d:%d", f.Name, f.DataTypeOID, f.Format))
		}
		return "T " + strings.Join(parts, ",")
	case *pgproto3.DataRow:
		var parts []string
		for _, v := range m.Values {
			switch {
			case v == nil:
				parts = append(parts, "NULL")
			case utf8.Valid(v) && !strings.ContainsAny(string(v), "\x00\x01\x02\x03\x04\x05\x06\x07"):
				parts = append(parts, string(v))
			default:
				parts = append(parts, fmt.Sprintf("%x", v))
			}
		}
		return "D " + strings.Join(parts, "|")
	case *pgproto3.CopyInResponse:
		return fmt.Sprintf("CopyIn %d %v", m.OverallFormat, m.ColumnFormatCodes)
	case *pgproto3.CopyOutResponse:
		return fmt.Sprintf("CopyOut %d %v", m.OverallFormat, m.ColumnFormatCodes)
	case *pgproto3.CopyData:
		return "d " + string(m.Data)
	case *pgproto3.CopyDone:
		return "CopyDone"
	}
	return fmt.Sprintf("%T", m)
}

// waitFor polls cond until it holds or the test times out.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(testTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}
