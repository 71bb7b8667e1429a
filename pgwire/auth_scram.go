package pgwire

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"io"
	"strings"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/sharehouse/sharehouse/executor"
	"github.com/sharehouse/sharehouse/executor/sqlstate"
)

// The SASL mechanisms. SCRAM-SHA-256-PLUS (channel binding type
// tls-server-end-point, RFC 5929) is offered on TLS connections whose
// certificate is known: it ties the exchange to the certificate, so a man in
// the middle cannot relay it even to clients that do not verify certificates.
const (
	scramMechanism     = "SCRAM-SHA-256"
	scramPlusMechanism = "SCRAM-SHA-256-PLUS"
	channelBindingType = "tls-server-end-point"
)

// mockIterations is the iteration count shown to unknown users; the
// catalog's default, so that the exchange looks like any other.
const mockIterations = 4096

// errMalformedSCRAM is a client message that breaks RFC 5802's grammar.
var errMalformedSCRAM = sqlstate.Errorf(sqlstate.ProtocolViolation, "malformed SCRAM message")

// authenticate runs a SCRAM-SHA-256 exchange for user. An unknown user goes
// through the same exchange with a mock credential whose salt is stable per
// user, so neither the messages nor their timing tell it from a wrong
// password. It returns nil once the proof checked out and AuthenticationOk
// is buffered.
func (c *conn) authenticate(ctx context.Context, user string) (err error) {
	defer func() { // the verdict, for the audit (never the secret)
		c.srv.eng.AuditLogin(ctx, executor.LoginEvent{User: user, Database: c.database, ClientAddr: c.raw.RemoteAddr().String(), Err: err})
	}()
	failed := sqlstate.Errorf(sqlstate.InvalidPassword, "password authentication failed for user %q", user)
	cred, err := c.srv.eng.LookupSCRAM(ctx, user)
	mock := err != nil || len(cred.StoredKey) != sha256.Size || len(cred.ServerKey) != sha256.Size || cred.Iterations <= 0 || len(cred.Salt) == 0
	if err != nil {
		switch sqlstate.CodeOf(err) {
		case sqlstate.InvalidPassword, sqlstate.InvalidAuthorization:
		default:
			// Logged, never told: the client sees the usual 28P01.
			c.log.Error("SCRAM credential lookup failed", logUser, user, logErr, err)
		}
	}
	if mock {
		cred = c.srv.mockCredential(user)
	}
	nonce := make([]byte, 18)
	if _, err := io.ReadFull(c.srv.rand, nonce); err != nil {
		return fmt.Errorf("scram nonce: %w", err)
	}
	sc := newScramServer(cred, base64.StdEncoding.EncodeToString(nonce))
	mechanisms := []string{scramMechanism}
	if tc, ok := c.nc.(*tls.Conn); ok {
		if sc.cbData = serverEndPoint(c.srv.cfg.TLS, tc); sc.cbData != nil {
			mechanisms = []string{scramPlusMechanism, scramMechanism}
		}
	}

	c.send(&pgproto3.AuthenticationSASL{AuthMechanisms: mechanisms})
	if err := c.flush(); err != nil {
		return err
	}
	c.be.SetAuthType(pgproto3.AuthTypeSASL)
	msg, err := c.receive()
	if err != nil {
		return err
	}
	init, ok := msg.(*pgproto3.SASLInitialResponse)
	if !ok {
		return sqlstate.Errorf(sqlstate.ProtocolViolation, "expected SASL response, got message type %T", msg)
	}
	switch {
	case init.AuthMechanism == scramMechanism:
	case init.AuthMechanism == scramPlusMechanism && sc.cbData != nil:
		sc.plus = true
	default:
		return sqlstate.Errorf(sqlstate.ProtocolViolation, "client selected an invalid SASL authentication mechanism")
	}
	first, err := sc.clientFirst(init.Data)
	if err != nil {
		return err
	}
	c.send(&pgproto3.AuthenticationSASLContinue{Data: first})
	if err := c.flush(); err != nil {
		return err
	}
	c.be.SetAuthType(pgproto3.AuthTypeSASLContinue)
	msg, err = c.receive()
	if err != nil {
		return err
	}
	resp, ok := msg.(*pgproto3.SASLResponse)
	if !ok {
		return sqlstate.Errorf(sqlstate.ProtocolViolation, "expected SASL response, got message type %T", msg)
	}
	final, err := sc.clientFinal(resp.Data)
	if errors.Is(err, errSCRAMProof) || (err == nil && mock) {
		return failed
	}
	if err != nil {
		return err
	}
	c.authKey = sc.matched
	c.send(&pgproto3.AuthenticationSASLFinal{Data: final})
	c.send(&pgproto3.AuthenticationOk{})
	c.be.SetAuthType(pgproto3.AuthTypeOk)
	return nil
}

// mockCredential is a credential no proof matches, with a salt derived from
// the server secret and the user name: the same user sees the same salt on
// every attempt, as a real one would.
func (s *Server) mockCredential(user string) executor.SCRAMCredential {
	m := hmac.New(sha256.New, s.secret[:])
	m.Write([]byte("salt\x00"))
	m.Write([]byte(user))
	salt := m.Sum(nil)[:16]
	m.Reset()
	m.Write([]byte("key\x00"))
	m.Write([]byte(user))
	key := m.Sum(nil)
	return executor.SCRAMCredential{Salt: salt, Iterations: mockIterations, StoredKey: key, ServerKey: key}
}

// serverEndPoint is the tls-server-end-point channel binding data of the
// certificate the server presents (RFC 5929 section 4.1): its hash with the
// hash of its signature algorithm, SHA-256 in place of MD5 and SHA-1. nil
// when the certificate is not known for sure (several, or chosen by a
// callback) or its algorithm defines no binding.
func serverEndPoint(cfg *tls.Config, tc *tls.Conn) []byte {
	if cfg == nil || len(cfg.Certificates) != 1 || cfg.GetCertificate != nil || cfg.GetConfigForClient != nil {
		return nil
	}
	if !tc.ConnectionState().HandshakeComplete || len(cfg.Certificates[0].Certificate) == 0 {
		return nil
	}
	leaf := cfg.Certificates[0].Leaf
	if leaf == nil {
		var err error
		if leaf, err = x509.ParseCertificate(cfg.Certificates[0].Certificate[0]); err != nil {
			return nil
		}
	}
	var h hash.Hash
	switch leaf.SignatureAlgorithm {
	case x509.MD5WithRSA, x509.SHA1WithRSA, x509.ECDSAWithSHA1,
		x509.SHA256WithRSA, x509.SHA256WithRSAPSS, x509.ECDSAWithSHA256:
		h = sha256.New()
	case x509.SHA384WithRSA, x509.SHA384WithRSAPSS, x509.ECDSAWithSHA384:
		h = sha512.New384()
	case x509.SHA512WithRSA, x509.SHA512WithRSAPSS, x509.ECDSAWithSHA512:
		h = sha512.New()
	default:
		return nil // Ed25519 and others: RFC 5929 defines no hash
	}
	h.Write(leaf.Raw)
	return h.Sum(nil)
}

// errSCRAMProof is a well-formed final message whose proof is wrong.
var errSCRAMProof = errors.New("scram: wrong proof")

// scramServer is the server side of one SCRAM-SHA-256 exchange (RFC 5802
// section 5, RFC 7677). It never sees a password: the stored key checks the
// client's proof, the server key signs the server's answer.
type scramServer struct {
	cred        executor.SCRAMCredential
	matched     []byte // the StoredKey the proof matched
	serverNonce string // appended to the client's nonce
	cbData      []byte // channel binding data when PLUS is offered, else nil
	plus        bool   // the client chose SCRAM-SHA-256-PLUS

	gs2Header       string // "n,," or "y,,": echoed, base64, in c=
	clientFirstBare string
	serverFirst     string
	nonce           string // client nonce + server nonce
}

func newScramServer(cred executor.SCRAMCredential, serverNonce string) *scramServer {
	return &scramServer{cred: cred, serverNonce: serverNonce}
}

// clientFirst reads client-first-message and returns server-first-message.
//
//	client-first-message = gs2-header client-first-message-bare
//	gs2-header           = gs2-cbind-flag "," [ authzid ] ","
//	client-first-bare    = [reserved-mext ","] username "," nonce ["," extensions]
func (s *scramServer) clientFirst(msg []byte) ([]byte, error) {
	m := string(msg)
	flag, rest, ok := strings.Cut(m, ",")
	if !ok {
		return nil, errMalformedSCRAM
	}
	switch {
	case s.plus:
		if flag != "p="+channelBindingType {
			return nil, sqlstate.Errorf(sqlstate.ProtocolViolation, "SCRAM channel binding negotiation error").
				WithDetail("SCRAM-SHA-256-PLUS requires channel binding type %s.", channelBindingType)
		}
	case flag == "n":
	case flag == "y":
		// The client could bind but believes we cannot: when we offered
		// PLUS, someone removed it on the way (a downgrade).
		if s.cbData != nil {
			return nil, sqlstate.Errorf(sqlstate.ProtocolViolation, "SCRAM channel binding negotiation error").
				WithDetail("The client supports SCRAM channel binding but thinks the server does not.  However, this server does support channel binding.")
		}
	case strings.HasPrefix(flag, "p="):
		return nil, sqlstate.Errorf(sqlstate.ProtocolViolation, "channel binding is only allowed with SCRAM-SHA-256-PLUS")
	default:
		return nil, errMalformedSCRAM
	}
	authzid, bare, ok := strings.Cut(rest, ",")
	if !ok {
		return nil, errMalformedSCRAM
	}
	if authzid != "" {
		return nil, sqlstate.Errorf(sqlstate.FeatureNotSupported, "client uses authorization identity, but it is not supported")
	}
	attrs := strings.Split(bare, ",")
	if len(attrs) < 2 || strings.HasPrefix(attrs[0], "m=") {
		return nil, errMalformedSCRAM
	}
	// The user name in n= is ignored, as PostgreSQL does: the startup
	// packet's user is the one authenticated (libpq sends "n=").
	if !strings.HasPrefix(attrs[0], "n=") || !strings.HasPrefix(attrs[1], "r=") {
		return nil, errMalformedSCRAM
	}
	cnonce := attrs[1][2:]
	if cnonce == "" || !printable(cnonce) {
		return nil, errMalformedSCRAM
	}
	s.gs2Header = flag + "," + authzid + ","
	s.clientFirstBare = bare
	s.nonce = cnonce + s.serverNonce
	s.serverFirst = fmt.Sprintf("r=%s,s=%s,i=%d", s.nonce, base64.StdEncoding.EncodeToString(s.cred.Salt), s.cred.Iterations)
	return []byte(s.serverFirst), nil
}

// clientFinal checks client-final-message and returns server-final-message.
//
//	client-final-message = "c=" base64(gs2-header) ",r=" nonce ["," extensions] ",p=" proof
func (s *scramServer) clientFinal(msg []byte) ([]byte, error) {
	if s.serverFirst == "" {
		return nil, errMalformedSCRAM
	}
	m := string(msg)
	i := strings.LastIndex(m, ",p=")
	if i < 0 {
		return nil, errMalformedSCRAM
	}
	withoutProof, proofB64 := m[:i], m[i+3:]
	attrs := strings.Split(withoutProof, ",")
	if len(attrs) < 2 || !strings.HasPrefix(attrs[0], "c=") || !strings.HasPrefix(attrs[1], "r=") {
		return nil, errMalformedSCRAM
	}
	cbind, err := base64.StdEncoding.DecodeString(attrs[0][2:])
	want := s.gs2Header
	if s.plus {
		want += string(s.cbData)
	}
	if err != nil || subtle.ConstantTimeCompare(cbind, []byte(want)) != 1 {
		if s.plus {
			return nil, sqlstate.Errorf(sqlstate.ProtocolViolation, "SCRAM channel binding check failed")
		}
		return nil, errMalformedSCRAM
	}
	if attrs[1][2:] != s.nonce {
		return nil, errMalformedSCRAM
	}
	proof, err := base64.StdEncoding.DecodeString(proofB64)
	if err != nil || len(proof) != sha256.Size {
		return nil, errMalformedSCRAM
	}

	authMessage := s.clientFirstBare + "," + s.serverFirst + "," + withoutProof
	// A credential may hold several keys under one salt (a recipient's old
	// and new token during a rotation); the proof must match one of them.
	keys := append([]executor.SCRAMKeys{{StoredKey: s.cred.StoredKey, ServerKey: s.cred.ServerKey}}, s.cred.Alternates...)
	for _, k := range keys {
		clientSig := hmacSHA256(k.StoredKey, authMessage)
		clientKey := make([]byte, sha256.Size)
		subtle.XORBytes(clientKey, proof, clientSig)
		stored := sha256.Sum256(clientKey)
		if subtle.ConstantTimeCompare(stored[:], k.StoredKey) == 1 {
			s.matched = k.StoredKey
			serverSig := hmacSHA256(k.ServerKey, authMessage)
			return []byte("v=" + base64.StdEncoding.EncodeToString(serverSig)), nil
		}
	}
	return nil, errSCRAMProof
}

func hmacSHA256(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}

// printable is RFC 5802's printable: %x21-7E except ",".
func printable(s string) bool {
	return bytes.IndexFunc([]byte(s), func(r rune) bool { return r < 0x21 || r > 0x7e || r == ',' }) < 0
}
