package pgwire

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"errors"
	"io"
	"math/big"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
)

// rawCancel sends a CancelRequest on a fresh connection.
type rawCancel struct{ addr string }

func (r *rawCancel) send(t *testing.T, pid uint32, secret []byte) {
	t.Helper()
	nc, err := net.DialTimeout("tcp", r.addr, testTimeout)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	msg, _ := (&pgproto3.CancelRequest{ProcessID: pid, SecretKey: secret}).Encode(nil)
	if _, err := nc.Write(msg); err != nil {
		t.Fatal(err)
	}
	nc.SetReadDeadline(time.Now().Add(testTimeout))
	n, err := nc.Read(make([]byte, 1))
	if n != 0 || !errors.Is(err, io.EOF) {
		t.Fatalf("cancel answered: %d %v", n, err)
	}
}

// rawStartup sends bytes on a fresh connection and returns what the server
// says before closing it.
func rawStartup(t *testing.T, addr string, data []byte) []string {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, testTimeout)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	if _, err := nc.Write(data); err != nil {
		t.Fatal(err)
	}
	nc.(*net.TCPConn).CloseWrite() // a truncated packet is then answered by EOF
	r := &rawConn{t: t, nc: nc, f: pgproto3.NewFrontend(nc, nc)}
	return r.untilClosed()
}

func startupPacket(version uint32, params ...string) []byte {
	b := binary.BigEndian.AppendUint32(nil, 0)
	b = binary.BigEndian.AppendUint32(b, version)
	for _, p := range params {
		b = append(b, p...)
		b = append(b, 0)
	}
	b = append(b, 0)
	binary.BigEndian.PutUint32(b, uint32(len(b)))
	return b
}

func TestBadStartup(t *testing.T) {
	ts := startServer(t, newFakeEngine(), Config{})
	// Another client keeps working throughout.
	other := ts.mustConnect(t)
	ctx := context.Background()
	tests := []struct {
		name string
		data []byte
		want []string
	}{
		{"http request", []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), []string{"E FATAL 08P01 invalid length of startup packet"}},
		{"absurd length", []byte{0x7f, 0xff, 0xff, 0xff, 0, 3, 0, 0}, []string{"E FATAL 08P01 invalid length of startup packet"}},
		{"negative length", []byte{0xff, 0xff, 0xff, 0xf0, 0, 3, 0, 0}, []string{"E FATAL 08P01 invalid length of startup packet"}},
		{"short length", []byte{0, 0, 0, 4}, []string{"E FATAL 08P01 invalid length of startup packet"}},
		{"protocol 2", startupPacket(2<<16, "user", "alice"), []string{"E FATAL 08P01 unsupported frontend protocol 2.0: server supports 3.0 to 3.0"}},
		{"protocol 4", startupPacket(4<<16, "user", "alice"), []string{"E FATAL 08P01 unsupported frontend protocol 4.0: server supports 3.0 to 3.0"}},
		{"no user", startupPacket(3<<16, "database", "db"), []string{"E FATAL 28000 no PostgreSQL user name specified in startup packet"}},
		{"unterminated parameters", append(binary.BigEndian.AppendUint32(nil, 13), 0, 3, 0, 0, 'u', 's', 'e', 'r', 0), []string{"E FATAL 08P01 invalid startup packet layout: StartupMessage body is invalid "}},
		{"truncated", []byte{0, 0, 0, 100, 0, 3}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := rawStartup(t, ts.addr, tc.data)
			if !slices.Equal(got, tc.want) {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
			if _, err := other.Exec(ctx, "ddl"); err != nil {
				t.Fatalf("other client: %v", err)
			}
		})
	}
}

func TestRepeatedSSLRequest(t *testing.T) {
	ts := startServer(t, newFakeEngine(), Config{})
	nc, err := net.DialTimeout("tcp", ts.addr, testTimeout)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	ssl := binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, 8), sslRequestCode)
	nc.SetDeadline(time.Now().Add(testTimeout))
	for _, want := range []byte{'N'} {
		nc.Write(ssl)
		b := make([]byte, 1)
		if _, err := io.ReadFull(nc, b); err != nil || b[0] != want {
			t.Fatalf("got %q %v", b, err)
		}
	}
	nc.Write(ssl)
	r := &rawConn{t: t, nc: nc, f: pgproto3.NewFrontend(nc, nc)}
	want := []string{"E FATAL 08P01 unexpected SSLRequest"}
	if got := r.untilClosed(); !slices.Equal(got, want) {
		t.Fatalf("got %q", got)
	}
}

func TestBadMessages(t *testing.T) {
	ts := startServer(t, newFakeEngine(), Config{})
	other := ts.mustConnect(t)
	ctx := context.Background()
	tests := []struct {
		name string
		data []byte
		want []string
	}{
		{"absurd length", []byte{'Q', 0x7f, 0xff, 0xff, 0xff}, []string{"E FATAL 08P01 invalid message length"}},
		{"length below 4", []byte{'Q', 0, 0, 0, 1}, []string{"E FATAL 08P01 invalid frontend message: invalid message length: 1"}},
		{"unknown type", []byte{'z', 0, 0, 0, 4}, []string{"E FATAL 08P01 invalid frontend message: unknown message type: z"}},
		{"malformed bind", []byte{'B', 0, 0, 0, 6, 0, 0}, []string{"E FATAL 08P01 invalid frontend message: Bind body is invalid "}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := ts.mustRaw(t)
			if _, err := r.nc.Write(tc.data); err != nil {
				t.Fatal(err)
			}
			if got := r.untilClosed(); !slices.Equal(got, tc.want) {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
			if _, err := other.Exec(ctx, "ddl"); err != nil {
				t.Fatalf("other client: %v", err)
			}
		})
	}
}

func TestAuthentication(t *testing.T) {
	eng := newFakeEngine()
	ts := startServer(t, eng, Config{})
	ctx := context.Background()
	tests := []struct {
		name, user, password, db string
		code, msg                string
	}{
		{"ok", "alice", "secret", "db", "", ""},
		{"database defaults to user", "alice", "secret", "", "", ""},
		{"wrong password", "alice", "nope", "db", "28P01", `password authentication failed for user "alice"`},
		{"unknown user", "bob", "secret", "db", "28P01", `password authentication failed for user "bob"`},
		{"unknown database", "alice", "secret", "nodb", "3D000", `database "nodb" does not exist`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			conn, err := pgx.Connect(ctx, ts.connString(tc.user, tc.password, tc.db))
			if tc.code == "" {
				if err != nil {
					t.Fatal(err)
				}
				defer conn.Close(ctx)
				if _, err := conn.Exec(ctx, "ddl"); err != nil {
					t.Fatal(err)
				}
				return
			}
			var pe *pgconn.PgError
			if !errors.As(err, &pe) || pe.Code != tc.code || pe.Message != tc.msg || pe.Severity != "FATAL" {
				t.Fatalf("got %v", err)
			}
		})
	}
	eng.mu.Lock()
	opts := eng.lastOpts
	eng.mu.Unlock()
	if opts.User != "alice" || opts.ClientAddr == "" {
		t.Errorf("session options %+v", opts)
	}
}

func TestUnknownUserLooksLikeWrongPassword(t *testing.T) {
	ts := startServer(t, newFakeEngine(), Config{})
	// The salt and iteration count offered to an unknown user are stable
	// across attempts, like a real user's.
	first := func(user string) string {
		nc, err := net.DialTimeout("tcp", ts.addr, testTimeout)
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		f := pgproto3.NewFrontend(nc, nc)
		f.Send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30, Parameters: map[string]string{"user": user}})
		f.Send(&pgproto3.SASLInitialResponse{AuthMechanism: "SCRAM-SHA-256", Data: []byte("n,,n=,r=abcdefghijkl")})
		if err := f.Flush(); err != nil {
			t.Fatal(err)
		}
		nc.SetReadDeadline(time.Now().Add(testTimeout))
		for {
			m, err := f.Receive()
			if err != nil {
				t.Fatal(err)
			}
			if c, ok := m.(*pgproto3.AuthenticationSASLContinue); ok {
				s := string(c.Data)
				return s[strings.Index(s, ",s="):]
			}
		}
	}
	if a, b := first("bob"), first("bob"); a != b {
		t.Fatalf("unknown user's salt changes: %q %q", a, b)
	}
	if a, b := first("bob"), first("carol"); a == b {
		t.Fatalf("unknown users share a salt: %q", a)
	}
}

func TestMaxConnections(t *testing.T) {
	ts := startServer(t, newFakeEngine(), Config{MaxConnections: 1})
	ctx := context.Background()
	c1, err := pgx.Connect(ctx, ts.connString("alice", "secret", "db"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = pgx.Connect(ctx, ts.connString("alice", "secret", "db"))
	if pgCode(err) != "53300" {
		t.Fatalf("second connection: %v", err)
	}
	c1.Close(ctx)
	waitFor(t, "the slot to be free", func() bool {
		ts.srv.mu.Lock()
		defer ts.srv.mu.Unlock()
		return ts.srv.sessions == 0
	})
	c3, err := pgx.Connect(ctx, ts.connString("alice", "secret", "db"))
	if err != nil {
		t.Fatal(err)
	}
	c3.Close(ctx)
}

func TestPanicEndsOnlyItsConnection(t *testing.T) {
	eng := newFakeEngine()
	ts := startServer(t, eng, Config{})
	other := ts.mustConnect(t)
	r := ts.mustRaw(t)
	r.send(&pgproto3.Query{String: "generate 2; panic"})
	got := r.untilClosed()
	want := []string{"T n:20:0,s:25:0", "D 1|row 1", "D 2|row 2", "C SELECT 2", "E FATAL XX000 internal error"}
	if !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	if _, err := other.Exec(context.Background(), "ddl"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the session to be closed", func() bool { return eng.sessionsClosed() == 1 })
}

func TestClientGoneMidQuery(t *testing.T) {
	eng := newFakeEngine()
	ts := startServer(t, eng, Config{})
	r := ts.mustRaw(t)
	// Far more rows than socket buffers hold: the server blocks writing,
	// then fails when the client goes away.
	r.send(&pgproto3.Query{String: "generate 2000000"})
	if _, err := r.receive(); err != nil {
		t.Fatal(err)
	}
	r.nc.Close()
	waitFor(t, "the session to be closed", func() bool { return eng.sessionsClosed() == 1 })
	eng.mu.Lock()
	defer eng.mu.Unlock()
	if len(eng.causes) != 1 || eng.causes[0] == nil {
		t.Fatalf("Rows.Close causes %v", eng.causes)
	}
}

func TestShutdownIdle(t *testing.T) {
	eng := newFakeEngine()
	ts := startServer(t, eng, Config{})
	r := ts.mustRaw(t)
	r2 := ts.mustRaw(t)
	r2.send(&pgproto3.Query{String: "begin"})
	r2.untilReady()
	if err := ts.srv.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*rawConn{r, r2} {
		want := []string{"E FATAL 57P01 terminating connection due to administrator command"}
		if got := c.untilClosed(); !slices.Equal(got, want) {
			t.Fatalf("got %q, want %q", got, want)
		}
	}
	if n := eng.sessionsClosed(); n != 2 {
		t.Fatalf("%d sessions closed", n)
	}
	if _, err := net.DialTimeout("tcp", ts.addr, testTimeout); err == nil {
		t.Fatal("still accepting")
	}
}

func TestShutdownForced(t *testing.T) {
	eng := newFakeEngine()
	ts := startServer(t, eng, Config{})
	r := ts.mustRaw(t)
	r.send(&pgproto3.Query{String: "sleep"})
	<-eng.running
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // the deadline has passed already: busy sessions are ended too
	if err := ts.srv.Shutdown(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Shutdown: %v", err)
	}
	want := []string{"E FATAL 57P01 terminating connection due to administrator command"}
	if got := r.untilClosed(); !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestShutdownWaitsForBusy(t *testing.T) {
	eng := newFakeEngine()
	ts := startServer(t, eng, Config{})
	conn := ts.mustConnect(t)
	errc := make(chan error, 1)
	go func() {
		_, err := conn.Exec(context.Background(), "sleep")
		errc <- err
	}()
	<-eng.running
	shut := make(chan error, 1)
	go func() { shut <- ts.srv.Shutdown(context.Background()) }()
	// The busy statement is not cut by a graceful shutdown: it ends when
	// cancelled, and the connection is then closed with 57P01.
	waitFor(t, "the listener to close", func() bool {
		c, err := net.Dial("tcp", ts.addr)
		if err == nil {
			c.Close()
		}
		return err != nil
	})
	select {
	case err := <-shut:
		t.Fatalf("Shutdown returned while a statement ran: %v", err)
	default:
	}
	// The listener is closed: cancel the way a CancelRequest would.
	ts.srv.cancel(conn.PgConn().PID(), conn.PgConn().SecretKey())
	if err := <-errc; pgCode(err) != "57014" {
		t.Fatalf("statement: %v", err)
	}
	if err := <-shut; err != nil {
		t.Fatal(err)
	}
}

// selfSigned makes a TLS certificate for 127.0.0.1.
func selfSigned(t *testing.T) *tls.Config {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "sharehouse test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}, MinVersion: tls.VersionTLS12}
}

func TestTLS(t *testing.T) {
	ts := startServer(t, newFakeEngine(), Config{TLS: selfSigned(t)})
	ctx := context.Background()
	modes := []string{
		"sslmode=require", "sslmode=require&sslnegotiation=direct", "sslmode=disable",
		"sslmode=require&channel_binding=require", "sslmode=require&channel_binding=disable",
	}
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			cs := strings.Replace(ts.connString("alice", "secret", "db"), "sslmode=disable", mode, 1)
			conn, err := pgx.Connect(ctx, cs)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close(ctx)
			_, isTLS := conn.PgConn().Conn().(*tls.Conn)
			if isTLS != (mode != "sslmode=disable") {
				t.Fatalf("TLS %v", isTLS)
			}
			var s string
			if err := conn.QueryRow(ctx, "echo $1::text", "over tls").Scan(&s); err != nil || s != "over tls" {
				t.Fatalf("%q %v", s, err)
			}
			// Cancel works over TLS too (pgx encrypts the cancel connection).
			if err := conn.PgConn().CancelRequest(ctx); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestNoTLS(t *testing.T) {
	ts := startServer(t, newFakeEngine(), Config{})
	ctx := context.Background()
	cs := strings.Replace(ts.connString("alice", "secret", "db"), "sslmode=disable", "sslmode=require", 1)
	if _, err := pgx.Connect(ctx, cs); err == nil {
		t.Fatal("sslmode=require connected without TLS")
	}
	cs = strings.Replace(ts.connString("alice", "secret", "db"), "sslmode=disable", "sslmode=prefer", 1)
	conn, err := pgx.Connect(ctx, cs)
	if err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)
}

func TestNegotiateProtocolVersion(t *testing.T) {
	ts := startServer(t, newFakeEngine(), Config{})
	nc, err := net.DialTimeout("tcp", ts.addr, testTimeout)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	if _, err := nc.Write(startupPacket(3<<16|5, "user", "alice", "_pq_.magic", "1")); err != nil {
		t.Fatal(err)
	}
	nc.SetReadDeadline(time.Now().Add(testTimeout))
	f := pgproto3.NewFrontend(nc, nc)
	m, err := f.Receive()
	if err != nil {
		t.Fatal(err)
	}
	npv, ok := m.(*pgproto3.NegotiateProtocolVersion)
	if !ok || npv.NewestMinorProtocol != 0 || !slices.Equal(npv.UnrecognizedOptions, []string{"_pq_.magic"}) {
		t.Fatalf("got %#v", m)
	}
	if m, err := f.Receive(); err != nil {
		t.Fatal(err)
	} else if _, ok := m.(*pgproto3.AuthenticationSASL); !ok {
		t.Fatalf("got %#v", m)
	}
}

func TestStartupTimeout(t *testing.T) {
	ts := startServer(t, newFakeEngine(), Config{StartupTimeout: 50 * time.Millisecond})
	nc, err := net.DialTimeout("tcp", ts.addr, testTimeout)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.Write([]byte{0, 0}) // half a length, then nothing
	nc.SetReadDeadline(time.Now().Add(testTimeout))
	if _, err := nc.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
		t.Fatalf("got %v, want the server to close", err)
	}
}
