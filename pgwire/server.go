package pgwire

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sharehouse/sharehouse/executor/sqlstate"
)

// Log attribute keys, so that every line about a connection reads the same.
const (
	logConn   = "conn"
	logUser   = "user"
	logDB     = "db"
	logClient = "client"
	logErr    = "err"
)

// Limits that protect the server from a single client.
const (
	// maxBodyLen bounds one frontend message. Query texts and CopyData
	// chunks are far smaller in practice (libpq sends 64 KiB CopyData);
	// without a bound a forged length makes the server allocate it.
	maxBodyLen = 64 << 20
	// flushThreshold is the output buffer size at which rows are written
	// out rather than buffered further.
	flushThreshold = 64 << 10
	// shrinkThreshold: after writing a buffer that grew past this (one huge
	// row), it is dropped rather than kept for the life of the connection.
	shrinkThreshold = 1 << 20
	// forcedWriteGrace bounds the last write (the FATAL) to a client that
	// does not read, once a shutdown's deadline has passed.
	forcedWriteGrace = 2 * time.Second
)

// Config configures a Server.
type Config struct {
	// TLS, when set, is offered to clients that send SSLRequest; without it
	// they are answered 'N' and continue in plain text.
	TLS *tls.Config
	// RequireTLS refuses sessions that did not negotiate TLS (with TLS
	// set), before authentication, so no password travels in plain text:
	// PostgreSQL's hostssl-only pg_hba.conf.
	RequireTLS bool
	// Logger receives connection and error logs; discarded when nil.
	Logger *slog.Logger
	// MaxConnections bounds concurrent sessions, counted once
	// authenticated; further logins get 53300. 0 means DefaultConfig's value.
	MaxConnections int
	// ReservedConnections of the MaxConnections slots are kept for
	// superusers (PostgreSQL's superuser_reserved_connections). Unlike the
	// other fields, 0 means none; DefaultConfig has 3.
	ReservedConnections int
	// MaxStartups bounds the connections that have not finished startup
	// (a flood of idle TCP connections holds file descriptors, not
	// sessions); further ones are answered 53300 after their startup
	// packet, or at once while as many again are being answered. 0 means
	// MaxConnections.
	MaxStartups int
	// StartupTimeout bounds the startup phase (TLS, authentication, session
	// creation), like PostgreSQL's authentication_timeout; a connection
	// still in it then is closed without an answer, as PostgreSQL does.
	// 0 means DefaultConfig's value.
	StartupTimeout time.Duration
	// MaxAuthDelay is the longest a failed login waits before it is told
	// (the delay doubles from 100 ms with each failure for the user or from
	// the address); 0 means DefaultConfig's value, negative no delay.
	MaxAuthDelay time.Duration
	// Now is the clock of the login throttle; time.Now when nil.
	Now func() time.Time
	// Rand is the source of nonces, cancel keys and the mock-salt secret;
	// crypto/rand when nil.
	Rand io.Reader
}

// DefaultConfig returns the configuration used for zero fields.
func DefaultConfig() Config {
	return Config{MaxConnections: 100, ReservedConnections: 3, StartupTimeout: 60 * time.Second, MaxAuthDelay: throttleMax}
}

// Validate reports a configuration that cannot work.
func (c Config) Validate() error {
	if c.RequireTLS && c.TLS == nil {
		return errors.New("pgwire: RequireTLS without a TLS configuration")
	}
	if c.MaxConnections < 0 {
		return fmt.Errorf("pgwire: MaxConnections %d is negative", c.MaxConnections)
	}
	if c.StartupTimeout < 0 {
		return fmt.Errorf("pgwire: StartupTimeout %s is negative", c.StartupTimeout)
	}
	if c.MaxStartups < 0 {
		return fmt.Errorf("pgwire: MaxStartups %d is negative", c.MaxStartups)
	}
	maxConns := c.MaxConnections
	if maxConns == 0 {
		maxConns = DefaultConfig().MaxConnections
	}
	if c.ReservedConnections < 0 || c.ReservedConnections >= maxConns {
		// PostgreSQL's wording for the same misconfiguration.
		return fmt.Errorf("pgwire: superuser_reserved_connections (%d) must be at least 0 and less than max_connections (%d)",
			c.ReservedConnections, maxConns)
	}
	return nil
}

// Server serves the PostgreSQL protocol for an Engine. Its zero value is
// not usable; make one with NewServer.
type Server struct {
	cfg    Config
	eng    Engine
	log    *slog.Logger
	rand   io.Reader
	secret [32]byte // keys the mock SCRAM salts of unknown users

	nextID   atomic.Uint64
	shutting atomic.Bool // Shutdown has begun: no new connections, idle ones end
	forced   atomic.Bool // Shutdown's deadline passed: every connection ends

	mu        sync.Mutex
	listeners map[net.Listener]struct{}
	conns     map[*conn]struct{}
	keys      map[uint32]*conn // BackendKeyData process ID → connection
	sessions  int              // authenticated connections (see admit)
	wg        sync.WaitGroup   // one per connection goroutine
	// Under mu too: the connections still in startup, the sessions per
	// login limit key, and whether refusals for MaxStartups were logged.
	startups      int
	loginSessions map[string]int
	startupsFull  bool
	refusing      int // connections being refused (see refuse)

	throttle *loginThrottle // failed logins; has its own lock
}

// NewServer returns a server for eng. Zero fields of cfg take DefaultConfig's values.
func NewServer(cfg Config, eng Engine) *Server {
	def := DefaultConfig()
	if cfg.MaxConnections <= 0 {
		cfg.MaxConnections = def.MaxConnections
	}
	if cfg.StartupTimeout <= 0 {
		cfg.StartupTimeout = def.StartupTimeout
	}
	if cfg.MaxStartups <= 0 {
		cfg.MaxStartups = cfg.MaxConnections
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxAuthDelay == 0 {
		cfg.MaxAuthDelay = def.MaxAuthDelay
	}
	s := &Server{
		cfg:       cfg,
		eng:       eng,
		log:       cfg.Logger,
		rand:      cfg.Rand,
		listeners: map[net.Listener]struct{}{},
		conns:     map[*conn]struct{}{},
		keys:      map[uint32]*conn{},

		loginSessions: map[string]int{},
		throttle:      newLoginThrottle(cfg.Now, cfg.MaxAuthDelay, throttleEntries),
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.rand == nil {
		s.rand = rand.Reader
	}
	if _, err := io.ReadFull(s.rand, s.secret[:]); err != nil {
		// Without randomness nothing here is safe; crypto/rand does not fail.
		panic(fmt.Sprintf("pgwire: reading random secret: %v", err))
	}
	return s
}

// ErrServerClosed is returned by Serve after Shutdown.
var ErrServerClosed = errors.New("pgwire: server closed")

// Serve accepts connections on ln until Shutdown is called (it then returns
// nil) or ctx is done (connections are cut and ctx's error is returned).
// Serve closes ln.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	s.mu.Lock()
	if s.shutting.Load() {
		s.mu.Unlock()
		ln.Close()
		return ErrServerClosed
	}
	s.listeners[ln] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.listeners, ln)
		s.mu.Unlock()
		ln.Close()
	}()
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()

	var backoff time.Duration
	for {
		nc, err := ln.Accept()
		if err != nil {
			if s.shutting.Load() {
				return nil
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if temporaryAcceptError(err) {
				// Out of file descriptors and the like: wait and retry, as
				// net/http does; connections ending meanwhile free some.
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				s.log.Warn("accept failed; retrying", logErr, err, "delay", backoff)
				select {
				case <-time.After(backoff):
				case <-ctx.Done():
					return ctx.Err()
				}
				continue
			}
			return err
		}
		backoff = 0
		c, cctx, err := s.newConn(ctx, nc)
		if errors.Is(err, errTooManyStartups) {
			s.refuse(ctx, nc)
			continue
		}
		if c == nil {
			continue // shutting down
		}
		go c.serve(cctx)
	}
}

// serveConn serves one connection that did not come from Serve's listener
// (the fuzz tests use net.Pipe) and returns when it has ended.
func (s *Server) serveConn(ctx context.Context, nc net.Conn) {
	c, cctx, err := s.newConn(ctx, nc)
	if errors.Is(err, errTooManyStartups) {
		refuseConn(nc)
	}
	if c != nil {
		c.serve(cctx)
	}
}

// newConn registers a connection and returns it with its context; nil if
// the server is shutting down (nc is closed) or errTooManyStartups (the
// caller refuses nc).
func (s *Server) newConn(ctx context.Context, nc net.Conn) (*conn, context.Context, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shutting.Load() {
		nc.Close()
		return nil, nil, nil
	}
	if s.startups >= s.cfg.MaxStartups {
		if !s.startupsFull {
			s.startupsFull = true // logged once per episode: a flood must not flood the log
			s.log.Warn("too many connections in startup; refusing new ones", "max", s.cfg.MaxStartups, logClient, nc.RemoteAddr().String())
		}
		return nil, nil, errTooManyStartups
	}
	s.startups++
	c := &conn{srv: s, id: s.nextID.Add(1), raw: nc, nc: nc, stmts: map[string]*prepared{}, portals: map[string]*portal{}, inStartup: true}
	ctx, c.cancelConn = context.WithCancelCause(ctx)
	c.log = s.log.With(logConn, c.id, logClient, nc.RemoteAddr().String())
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	return c, ctx, nil
}

func (s *Server) removeConn(c *conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.endStartup(c)
	if c.counted {
		s.sessions--
		if s.loginSessions[c.loginKey]--; s.loginSessions[c.loginKey] <= 0 {
			delete(s.loginSessions, c.loginKey)
		}
	}
	if c.pid != 0 && s.keys[c.pid] == c {
		delete(s.keys, c.pid)
	}
	s.mu.Unlock()
	s.wg.Done()
}

// Shutdown stops accepting connections and ends sessions with FATAL 57P01:
// idle ones at once, busy ones when their statement is done. When ctx ends
// first, running statements are cancelled and every session is ended; the
// goroutines are still waited for, and ctx's error is returned.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.shutting.Store(true)
	for ln := range s.listeners {
		ln.Close()
	}
	conns := s.snapshot()
	s.mu.Unlock()
	for _, c := range conns {
		c.interruptIfIdle()
	}

	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
	}
	s.forced.Store(true)
	s.mu.Lock()
	conns = s.snapshot()
	s.mu.Unlock()
	for _, c := range conns {
		c.force()
	}
	<-done
	return ctx.Err()
}

func (s *Server) snapshot() []*conn {
	out := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		out = append(out, c)
	}
	return out
}

// errAdminShutdown is the cause of contexts ended by Shutdown.
var errAdminShutdown = sqlstate.Errorf(sqlstate.AdminShutdown, "terminating connection due to administrator command")

// serve runs one connection to its end. A panic ends this connection only.
func (c *conn) serve(ctx context.Context) {
	cancel := c.cancelConn // set before the goroutine started; never changes
	// A connection ended from outside (Serve's ctx, a forced Shutdown) may
	// be blocked reading or writing: release it, leaving the final write
	// (the FATAL) a short grace.
	stop := context.AfterFunc(ctx, func() {
		c.ended.Store(true)
		c.raw.SetReadDeadline(time.Now())
		c.raw.SetWriteDeadline(time.Now().Add(forcedWriteGrace))
	})
	defer stop()
	defer func() {
		if r := recover(); r != nil {
			c.log.Error("panic in connection", "panic", r, "stack", string(debug.Stack()))
			// Messages already complete still go out; a DataRow cut
			// short by the panic does not.
			c.wbuf = completeMessages(c.wbuf)
			c.sendFatal(sqlstate.Errorf(sqlstate.InternalError, "internal error"))
		}
		c.close(cancel)
		c.srv.removeConn(c)
	}()
	if !c.startup(ctx) {
		return
	}
	c.log.Info("connection ready")
	err := c.loop(ctx)
	switch {
	case err == nil:
		c.log.Info("connection closed")
	default:
		c.log.Info("connection ended", logErr, err)
	}
}

// completeMessages returns the prefix of buf that holds whole messages.
// Every message in the output buffer has its type and length; a DataRow
// being encoded still has a zero length placeholder.
func completeMessages(buf []byte) []byte {
	i := 0
	for len(buf)-i >= 5 {
		n := int(binary.BigEndian.Uint32(buf[i+1:]))
		if n < 4 || len(buf)-i-1 < n {
			break
		}
		i += 1 + n
	}
	return buf[:i]
}

// close releases everything the connection holds. The session is closed
// (rolling back) even when the client vanished mid-statement.
func (c *conn) close(cancel context.CancelCauseFunc) {
	defer c.raw.Close()
	defer cancel(errors.New("connection closed"))
	defer func() {
		if r := recover(); r != nil {
			c.log.Error("panic while closing connection", "panic", r, "stack", string(debug.Stack()))
		}
	}()
	c.closeAllPortals(errConnClosed)
	if c.sess != nil {
		c.sess.Close()
	}
}

// interruptIfIdle ends a connection that waits for its next query (or is
// still in the startup phase) by making its pending read fail; the
// connection sees the server shutting down and says goodbye with 57P01.
// A busy connection checks the flag itself when it next becomes idle.
func (c *conn) interruptIfIdle() {
	if c.idle.Load() {
		c.raw.SetReadDeadline(time.Now())
	}
}

// force ends a connection whatever it does: its context, and so its
// statement's, is cancelled and blocked reads and writes are released.
func (c *conn) force() {
	c.mu.Lock()
	cancel := c.cancelConn
	c.mu.Unlock()
	// ended first: the statement that fails because of the cancellation
	// must already see it, so that only the FATAL reaches the client.
	c.ended.Store(true)
	if cancel != nil {
		cancel(errAdminShutdown) // serve's AfterFunc releases blocked I/O
	}
}
