package pgwire

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/sharehouse/sharehouse/executor"
	"github.com/sharehouse/sharehouse/executor/sqlstate"
)

// Startup packet codes (the protocol version field of special requests).
const (
	sslRequestCode    = 80877103
	gssEncRequestCode = 80877104
	cancelRequestCode = 80877102
	protocolMajor     = 3
	protocolMinor     = 0
	// maxStartupPacketLen is PostgreSQL's MAX_STARTUP_PACKET_LENGTH.
	maxStartupPacketLen = 10000
	// tlsRecordHandshake starts a TLS ClientHello: a client with
	// sslnegotiation=direct opens with TLS instead of SSLRequest.
	tlsRecordHandshake = 0x16
	// alpnPostgres is the ALPN protocol direct TLS requires.
	alpnPostgres = "postgresql"
)

var errBadStartupLength = sqlstate.Errorf(sqlstate.ProtocolViolation, "invalid length of startup packet")

// startup runs the startup phase: encryption requests, the startup packet,
// authentication and session creation, ending with ReadyForQuery. It
// returns false when the connection is to be closed (a CancelRequest, or a
// FATAL already sent).
func (c *conn) startup(ctx context.Context) bool {
	c.startDeadline()
	c.idle.Store(true)
	if c.srv.shutting.Load() {
		return false
	}
	sm, ok := c.readStartup(ctx)
	if !ok {
		return false
	}
	c.rd = &recordingReader{r: c.nc}
	c.idle.Store(false)

	user := sm.Parameters["user"]
	db := sm.Parameters["database"]
	c.database = db
	c.log = c.log.With(logUser, user, logDB, db)
	if user == "" {
		c.sendFatal(sqlstate.Errorf(sqlstate.InvalidAuthorization, "no PostgreSQL user name specified in startup packet"))
		return false
	}
	if c.srv.shutting.Load() {
		c.sendFatal(sqlstate.Errorf(sqlstate.CannotConnectNow, "the database system is shutting down"))
		return false
	}
	if _, secure := c.nc.(*tls.Conn); c.srv.cfg.RequireTLS && !secure {
		host, _, _ := net.SplitHostPort(c.raw.RemoteAddr().String())
		c.sendFatal(sqlstate.Errorf(sqlstate.InvalidAuthorization,
			"no pg_hba.conf entry for host %q, user %q, database %q, no encryption", host, user, db))
		return false
	}
	c.be = pgproto3.NewBackend(c.rd, nil) // output goes through c.send/c.flush
	c.be.SetMaxBodyLen(maxBodyLen)
	if err := c.authenticated(ctx, user, c.authenticate(ctx, user)); err != nil {
		c.failStartup(err)
		return false
	}
	limit, err := c.srv.eng.LoginLimit(ctx, user)
	if err == nil {
		err = c.srv.admit(c, limit)
	}
	if err != nil {
		c.log.Info("connection refused", logErr, err)
		c.failStartup(err)
		return false
	}

	opts := executor.SessionOptions{User: user, Database: db, ClientAddr: c.raw.RemoteAddr().String(), Params: map[string]string{}, AuthKey: c.authKey, TLS: tlsInfo(c.nc)}
	for k, v := range sm.Parameters {
		if k != "user" && k != "database" && !strings.HasPrefix(k, "_pq_.") {
			opts.Params[k] = v
		}
	}
	sess, err := c.srv.eng.NewSession(ctx, opts)
	if err != nil {
		c.failStartup(err)
		return false
	}
	c.sess = sess
	for _, p := range withDefaults(sess.Parameters()) {
		c.send(&pgproto3.ParameterStatus{Name: p.Name, Value: p.Value})
	}
	if err := c.srv.registerKey(c); err != nil {
		c.failStartup(err)
		return false
	}
	c.send(&pgproto3.BackendKeyData{ProcessID: c.pid, SecretKey: c.secret})
	c.sendReady()
	if c.flush() != nil {
		return false
	}
	c.raw.SetDeadline(time.Time{})
	c.srv.mu.Lock()
	c.srv.endStartup(c)
	c.srv.mu.Unlock()
	return true
}

// authenticated is the one place where the outcome of a login's
// authentication is known: authErr is nil when the client proved its
// password or token. It returns the error that ends the startup, if any.
// A wrong password or token is logged (user, client address, reason; never
// the secret) and throttled: the failing connection alone waits, longer
// with each failure for the same user or from the same address, before it
// is told. A success clears the user's failures.
func (c *conn) authenticated(ctx context.Context, user string, authErr error) error {
	if authErr == nil {
		c.srv.throttle.succeeded(throttleUserKey(user))
		return nil
	}
	if sqlstate.CodeOf(authErr) != sqlstate.InvalidPassword {
		return authErr // a broken exchange, not a guess
	}
	delay := c.srv.throttle.failed(throttleUserKey(user), throttleAddr+clientHost(c.raw))
	// The FATAL must still go out before the startup deadline.
	delay = max(0, min(delay, time.Until(c.startBy)-forcedWriteGrace))
	c.log.Info("authentication failed", "reason", authErr.Error(), "delay", delay.Round(time.Millisecond))
	if delay > 0 {
		t := time.NewTimer(delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
		}
	}
	return authErr
}

// Throttle key prefixes: user names and addresses never collide.
const (
	throttleUser = "u:"
	throttleAddr = "a:"
)

// throttleUserKey is user's key in the throttle. A user name may be as
// long as the startup packet; long ones are hashed so that an entry stays
// small whatever the client sends.
func throttleUserKey(user string) string {
	if len(user) <= 64 {
		return throttleUser + user
	}
	h := sha256.Sum256([]byte(user))
	return throttleUser + "#" + hex.EncodeToString(h[:16])
}

// clientHost is the client's address without its port.
func clientHost(nc net.Conn) string {
	a := nc.RemoteAddr().String()
	if host, _, err := net.SplitHostPort(a); err == nil {
		return host
	}
	return a
}

// failStartup ends the startup phase with a FATAL, unless the connection
// itself failed.
func (c *conn) failStartup(err error) {
	var ioe *ioError
	if errors.As(err, &ioe) {
		if errors.Is(err, os.ErrDeadlineExceeded) {
			// PostgreSQL logs this and, as here, tells the client nothing.
			c.log.Info("canceling authentication due to timeout")
		}
		c.log.Debug("startup failed", logErr, err)
		return
	}
	c.sendFatal(err)
}

// readStartup reads startup packets until the StartupMessage, answering
// SSLRequest and GSSENCRequest on the way and serving a CancelRequest. Reads
// go to the connection unbuffered: after SSLRequest the next bytes are a
// TLS handshake, and none of them may be consumed as plain text.
func (c *conn) readStartup(ctx context.Context) (*pgproto3.StartupMessage, bool) {
	var sslDone, gssDone bool
	for {
		var hdr [4]byte
		if _, err := io.ReadFull(c.nc, hdr[:]); err != nil {
			return nil, false
		}
		if hdr[0] == tlsRecordHandshake && !sslDone && c.srv.cfg.TLS != nil {
			if !c.startTLS(ctx, hdr[:], true) {
				return nil, false
			}
			sslDone = true
			continue
		}
		n := int(int32(binary.BigEndian.Uint32(hdr[:])))
		if n < 8 || n > maxStartupPacketLen {
			c.sendFatal(errBadStartupLength)
			return nil, false
		}
		body := make([]byte, n-4)
		if _, err := io.ReadFull(c.nc, body); err != nil {
			return nil, false
		}
		code := binary.BigEndian.Uint32(body)
		switch code {
		case sslRequestCode:
			if sslDone || n != 8 {
				c.sendFatal(sqlstate.Errorf(sqlstate.ProtocolViolation, "unexpected SSLRequest"))
				return nil, false
			}
			sslDone = true
			if c.srv.cfg.TLS == nil {
				if _, err := c.nc.Write([]byte{'N'}); err != nil {
					return nil, false
				}
				continue
			}
			if _, err := c.nc.Write([]byte{'S'}); err != nil {
				return nil, false
			}
			if !c.startTLS(ctx, nil, false) {
				return nil, false
			}
		case gssEncRequestCode:
			if gssDone || n != 8 {
				c.sendFatal(sqlstate.Errorf(sqlstate.ProtocolViolation, "unexpected GSSENCRequest"))
				return nil, false
			}
			gssDone = true
			if _, err := c.nc.Write([]byte{'N'}); err != nil {
				return nil, false
			}
		case cancelRequestCode:
			var cr pgproto3.CancelRequest
			if cr.Decode(body) == nil {
				c.srv.cancel(cr.ProcessID, cr.SecretKey)
			}
			return nil, false // never answered
		default:
			major, minor := code>>16, code&0xffff
			if major != protocolMajor {
				c.sendFatal(sqlstate.Errorf(sqlstate.ProtocolViolation,
					"unsupported frontend protocol %d.%d: server supports %d.0 to %d.%d",
					major, minor, protocolMajor, protocolMajor, protocolMinor))
				return nil, false
			}
			// The decoder knows 3.0 and 3.2 only; any 3.x is read as 3.0
			// and negotiated down below.
			binary.BigEndian.PutUint32(body, pgproto3.ProtocolVersion30)
			var sm pgproto3.StartupMessage
			if err := sm.Decode(body); err != nil {
				c.sendFatal(sqlstate.Errorf(sqlstate.ProtocolViolation, "invalid startup packet layout: %v", err))
				return nil, false
			}
			var unknown []string
			for k := range sm.Parameters {
				if strings.HasPrefix(k, "_pq_.") {
					unknown = append(unknown, k)
				}
			}
			if minor > protocolMinor || len(unknown) > 0 {
				sort.Strings(unknown)
				c.send(&pgproto3.NegotiateProtocolVersion{NewestMinorProtocol: protocolMinor, UnrecognizedOptions: unknown})
			}
			return &sm, true
		}
	}
}

// startTLS switches the connection to TLS. prefix holds bytes of the
// ClientHello already read (direct TLS negotiation), which requires the
// "postgresql" ALPN protocol as PostgreSQL does.
func (c *conn) startTLS(ctx context.Context, prefix []byte, direct bool) bool {
	cfg := c.srv.cfg.TLS
	var under net.Conn = c.raw
	if direct {
		cfg = cfg.Clone()
		cfg.NextProtos = []string{alpnPostgres}
		under = &prefixConn{Conn: c.raw, prefix: append([]byte(nil), prefix...)}
	}
	tc := tls.Server(under, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		c.log.Debug("TLS handshake failed", logErr, err)
		return false
	}
	if direct && tc.ConnectionState().NegotiatedProtocol != alpnPostgres {
		c.log.Debug("direct TLS without ALPN postgresql")
		return false
	}
	c.nc = tc
	return true
}

// prefixConn replays bytes already read before reading on.
type prefixConn struct {
	net.Conn
	prefix []byte
}

func (p *prefixConn) Read(b []byte) (int, error) {
	if len(p.prefix) > 0 {
		n := copy(b, p.prefix)
		p.prefix = p.prefix[n:]
		return n, nil
	}
	return p.Conn.Read(b)
}

// defaultParameters are reported when the session does not report them:
// clients look at these (pgx at standard_conforming_strings, JDBC at
// integer_datetimes and DateStyle, psql at server_version).
var defaultParameters = []executor.Parameter{
	{Name: "server_version", Value: "15.8 (sharehouse)"},
	{Name: "server_encoding", Value: "UTF8"},
	{Name: "client_encoding", Value: "UTF8"},
	{Name: "DateStyle", Value: "ISO, MDY"},
	{Name: "TimeZone", Value: "UTC"},
	{Name: "integer_datetimes", Value: "on"},
	{Name: "standard_conforming_strings", Value: "on"},
	{Name: "IntervalStyle", Value: "postgres"},
	{Name: "is_superuser", Value: "off"},
	{Name: "application_name", Value: ""},
	{Name: "default_transaction_read_only", Value: "off"},
	{Name: "in_hot_standby", Value: "off"},
}

// withDefaults returns ps plus the default parameters it lacks.
func withDefaults(ps []executor.Parameter) []executor.Parameter {
	have := make(map[string]bool, len(ps))
	for _, p := range ps {
		have[strings.ToLower(p.Name)] = true
	}
	out := append([]executor.Parameter(nil), ps...)
	for _, p := range defaultParameters {
		if !have[strings.ToLower(p.Name)] {
			out = append(out, p)
		}
	}
	return out
}
