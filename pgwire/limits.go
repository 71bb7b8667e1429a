package pgwire

import (
	"context"
	"errors"
	"net"
	"syscall"
	"time"

	"github.com/sharehouse/sharehouse/executor"
	"github.com/sharehouse/sharehouse/executor/sqlstate"
)

// Connection slots, as PostgreSQL counts them. A connection first holds a
// startup slot (Config.MaxStartups) until it has logged in or failed; the
// limits on sessions apply after authentication, so that a wrong password
// never tells anything about them:
//
//   - MaxConnections sessions in all: "sorry, too many clients already";
//   - the last ReservedConnections of them for superusers only;
//   - a login's own limit (executor.LoginLimit) for non-superusers:
//     "too many connections for role".

var (
	errTooManyStartups = errors.New("pgwire: too many connections in startup")
	errTooManyClients  = sqlstate.Errorf(sqlstate.TooManyConnections, "sorry, too many clients already")
	errReservedSlots   = sqlstate.Errorf(sqlstate.TooManyConnections,
		"remaining connection slots are reserved for non-replication superuser connections")
)

const (
	// refuseTimeout bounds how long a connection refused for MaxStartups
	// may take to send its startup packet.
	refuseTimeout = time.Second
	// refuseWriteTimeout bounds the one write to a connection refused
	// at once, made from the accept loop: a fresh socket's buffer takes it.
	refuseWriteTimeout = 100 * time.Millisecond
)

// refuse answers a connection over MaxStartups. As PostgreSQL does, it
// still reads the startup packet (answering SSLRequest, serving a
// CancelRequest) so that the client can show why: "sorry, too many clients
// already". That takes at most refuseTimeout, for up to MaxStartups
// connections at a time; past those, refuseConn answers without reading.
func (s *Server) refuse(ctx context.Context, nc net.Conn) {
	s.mu.Lock()
	if s.refusing >= s.cfg.MaxStartups || s.shutting.Load() {
		s.mu.Unlock()
		refuseConn(nc)
		return
	}
	s.refusing++
	s.wg.Add(1)
	s.mu.Unlock()
	go func() {
		defer func() {
			nc.Close()
			s.mu.Lock()
			s.refusing--
			s.mu.Unlock()
			s.wg.Done()
		}()
		c := &conn{srv: s, raw: nc, nc: nc, log: s.log.With(logClient, nc.RemoteAddr().String())}
		nc.SetDeadline(time.Now().Add(refuseTimeout))
		if _, ok := c.readStartup(ctx); ok {
			c.sendFatal(errTooManyClients)
		}
	}()
}

// refuseConn answers nc with 53300 before reading anything, as
// PostgreSQL's postmaster answers when it cannot start a backend, and
// closes it. A client that sent SSLRequest reports "error response during
// SSL exchange", so refuse tries the full answer first.
func refuseConn(nc net.Conn) {
	defer nc.Close()
	msg, err := errorResponse(errTooManyClients, "FATAL").Encode(nil)
	if err != nil {
		return
	}
	nc.SetWriteDeadline(time.Now().Add(refuseWriteTimeout))
	nc.Write(msg)
}

// temporaryAcceptError reports an Accept failure that passes: out of file
// descriptors or memory, a connection reset before it was accepted.
func temporaryAcceptError(err error) bool {
	for _, e := range []error{syscall.EMFILE, syscall.ENFILE, syscall.ENOBUFS, syscall.ENOMEM, syscall.ECONNABORTED, syscall.ECONNRESET} {
		if errors.Is(err, e) {
			return true
		}
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// endStartup frees c's startup slot, once. Called with s.mu held.
func (s *Server) endStartup(c *conn) {
	if !c.inStartup {
		return
	}
	c.inStartup = false
	s.startups--
	if s.startups < s.cfg.MaxStartups {
		s.startupsFull = false
	}
}

// admit counts the authenticated c as a session of its login, or returns
// the 53300 error that refuses it.
func (s *Server) admit(c *conn, l executor.LoginLimit) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.sessions >= s.cfg.MaxConnections:
		return errTooManyClients
	case !l.Superuser && s.sessions >= s.cfg.MaxConnections-s.cfg.ReservedConnections:
		return errReservedSlots
	case !l.Superuser && l.Limit >= 0 && s.loginSessions[l.Key] >= l.Limit:
		return sqlstate.Errorf(sqlstate.TooManyConnections, "too many connections for role %q", l.Role)
	}
	s.sessions++
	s.loginSessions[l.Key]++
	c.counted, c.loginKey = true, l.Key
	return nil
}
