package pgwire

import (
	"context"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// fuzzServer is a Server over a fake engine whose statements never block.
func fuzzServer() (*Server, *fakeEngine) {
	eng := newFakeEngine()
	eng.noBlock = true
	srv := NewServer(Config{Logger: slog.New(slog.DiscardHandler), StartupTimeout: 5 * time.Second}, eng)
	return srv, eng
}

// feed writes data to a connection served over net.Pipe, closes it and
// checks that the server returns and released everything.
func feed(t *testing.T, srv *Server, eng *fakeEngine, client, server net.Conn, data []byte, before func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.serveConn(context.Background(), server)
	}()
	if before != nil {
		before()
	}
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		io.Copy(io.Discard, client)
	}()
	client.SetWriteDeadline(time.Now().Add(5 * time.Second))
	client.Write(data)
	client.Close()
	select {
	case <-done:
	case <-time.After(testTimeout):
		t.Fatal("server did not return")
	}
	<-drained
	if n := eng.rowsOpen.Load(); n != 0 {
		t.Fatalf("%d Rows left open", n)
	}
	if n := eng.mem.CurrentAlloc(); n != 0 {
		t.Fatalf("%d bytes of Arrow memory not released", n)
	}
}

// FuzzStartup feeds arbitrary bytes to a fresh connection: the startup
// phase must neither panic nor hang.
func FuzzStartup(f *testing.F) {
	f.Add(startupPacket(3<<16, "user", "alice", "database", "db"))
	f.Add([]byte("GET / HTTP/1.1\r\n\r\n"))
	f.Add([]byte{0, 0, 0, 8, 4, 210, 22, 47})
	f.Add([]byte{0, 0, 0, 16, 4, 210, 22, 46, 0, 0, 0, 1, 0, 0, 0, 2})
	srv, eng := fuzzServer()
	f.Fuzz(func(t *testing.T, data []byte) {
		client, server := net.Pipe()
		feed(t, srv, eng, client, server, data, nil)
	})
}

// FuzzMessages feeds arbitrary bytes to an authenticated connection.
func FuzzMessages(f *testing.F) {
	f.Add([]byte("Q\x00\x00\x00\x0fgenerate 3\x00"))
	f.Add([]byte("X\x00\x00\x00\x04"))
	srv, eng := fuzzServer()
	f.Fuzz(func(t *testing.T, data []byte) {
		client, server := net.Pipe()
		var h *pgconn.HijackedConn
		feed(t, srv, eng, client, server, data, func() {
			ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
			defer cancel()
			cfg, err := pgconn.ParseConfig("host=pipe user=alice password=secret dbname=db sslmode=disable")
			if err != nil {
				t.Fatal(err)
			}
			cfg.LookupFunc = func(ctx context.Context, host string) ([]string, error) { return []string{host}, nil }
			cfg.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) { return client, nil }
			pc, err := pgconn.ConnectConfig(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			if h, err = pc.Hijack(); err != nil {
				t.Fatal(err)
			}
		})
		_ = h
	})
}
