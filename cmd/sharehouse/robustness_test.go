package main

import (
	"encoding/binary"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
)

// startupPacket builds a protocol 3.0 StartupMessage.
func startupPacket(params ...string) []byte {
	body := binary.BigEndian.AppendUint32(nil, 196608)
	for _, p := range params {
		body = append(body, p...)
		body = append(body, 0)
	}
	body = append(body, 0)
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(body)+4)), body...)
}

func TestGarbageConnections(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	conn := s.admin(t, "postgres")
	mustExec(t, conn, "CREATE TABLE alive (n int)")

	rng := rand.New(rand.NewPCG(1, 2))
	random := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.UintN(256))
		}
		return b
	}
	withLength := func(b []byte) []byte {
		binary.BigEndian.PutUint32(b, uint32(len(b)))
		return b
	}
	msg := func(typ byte, length uint32, body []byte) []byte {
		return append(binary.BigEndian.AppendUint32([]byte{typ}, length), body...)
	}

	// Before authentication: each of these must be answered (an
	// ErrorResponse at most) and the connection closed by the server.
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"random bytes with a plausible length", withLength(random(512))},
		{"absurd length", append([]byte{0x7f, 0xff, 0xff, 0xff}, random(64)...)},
		{"negative length", append([]byte{0xff, 0xff, 0xff, 0xfe}, random(64)...)},
		{"length below the header", []byte{0, 0, 0, 3, 0, 0, 0, 0}},
		{"zero length", []byte{0, 0, 0, 0}},
		{"unknown protocol version", []byte{0, 0, 0, 8, 0, 9, 0, 0}},
		{"startup without a user", startupPacket("database", "postgres")},
		{"startup with an odd parameter list", append(withLength(append([]byte{0, 0, 0, 0, 0, 3, 0, 0}, "user\x00admin\x00database"...)), 0)},
		{"SSLRequest then garbage", append([]byte{0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f}, random(256)...)},
		{"GSSENCRequest then garbage", append([]byte{0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x30}, random(256)...)},
		{"cancel with an unknown key", []byte{0, 0, 0, 16, 0x04, 0xd2, 0x16, 0x2e, 0, 0, 0, 1, 0, 0, 0, 2}},
		{"startup then garbage instead of SASL", append(startupPacket("user", "admin", "database", "postgres"), msg('p', 0x7fffffff, random(32))...)},
		{"startup then a wrong SASL mechanism", append(startupPacket("user", "admin", "database", "postgres"), msg('p', 4+6+4, append([]byte("MD5!!\x00"), 0, 0, 0, 0))...)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			expectClosed(t, s, tc.data)
			if n := queryInt64(t, conn, "SELECT count(*) FROM alive"); n != 0 {
				t.Fatalf("count = %d", n)
			}
		})
	}

	// After authentication, through a connection handed over by pgconn.
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"absurd message length", msg('Q', 0x7ffffff0, []byte("SELECT 1"))},
		{"message length below the header", msg('Q', 2, nil)},
		{"unknown message type", msg('z', 4, nil)},
		{"garbage flood", append([]byte{0x01}, random(64<<10)...)},
		{"query without terminator", msg('Q', 4+8, []byte("SELECT 1"))},
		{"bind to a missing statement", append(msg('B', 4+1+7+2+2+2, []byte("\x00nosuch\x00\x00\x00\x00\x00\x00\x00")), msg('S', 4, nil)...)},
		{"bind with absurd parameter count", append(msg('B', 4+2+2+2, []byte("\x00\x00\x00\x00\x7f\xff")), msg('S', 4, nil)...)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			expectAnsweredAfterAuth(t, s, tc.data)
			if n := queryInt64(t, conn, "SELECT count(*) FROM alive"); n != 0 {
				t.Fatalf("count = %d", n)
			}
		})
	}

	if !s.running() {
		t.Fatalf("the server died:\n%s", s.logs.String())
	}
	mustExec(t, conn, "INSERT INTO alive VALUES (1)")
	other := s.admin(t, "postgres")
	if n := queryInt64(t, other, "SELECT count(*) FROM alive"); n != 1 {
		t.Fatalf("count = %d", n)
	}
}

// expectClosed writes data on a fresh TCP connection and waits for the
// server to close it. Whatever the server sends first must be a valid
// message: an 'N'/'S' answer to an SSLRequest or an ErrorResponse.
func expectClosed(t *testing.T, s *server, data []byte) {
	t.Helper()
	c, err := net.DialTimeout("tcp", s.addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(15 * time.Second))
	// The server may close before reading everything: a write error is fine.
	_, _ = c.Write(data)
	got, err := io.ReadAll(c)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the server kept the connection open (read %q)", got)
	}
	if len(got) > 0 && got[0] != 'E' && got[0] != 'N' && got[0] != 'S' && got[0] != 'R' {
		t.Errorf("the server answered %q", got[:min(len(got), 32)])
	}
}

// expectAnsweredAfterAuth authenticates a fresh connection, writes data on
// it, and waits until the server either closes it or answers with an error
// followed by ReadyForQuery (for a well-framed but wrong message).
func expectAnsweredAfterAuth(t *testing.T, s *server, data []byte) {
	t.Helper()
	fe, raw := hijack(t, s)
	raw.SetDeadline(time.Now().Add(15 * time.Second))
	_, _ = raw.Write(data)
	for {
		msg, err := fe.Receive()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Fatalf("the server neither answered nor closed the connection")
			}
			return // closed: fine
		}
		switch m := msg.(type) {
		case *pgproto3.ErrorResponse:
			if m.Code == "" {
				t.Errorf("ErrorResponse without SQLSTATE: %+v", m)
			}
		case *pgproto3.ReadyForQuery:
			return // answered and still serving: fine
		}
	}
}
