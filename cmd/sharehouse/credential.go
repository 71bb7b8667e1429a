package main

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"
)

// credentialVersion is the shareCredentialsVersion this binary writes and
// reads. A file of a newer version is refused rather than half understood.
const credentialVersion = 1

// shareCredential is a token recipient's credential: what the activation
// endpoint hands out once and `sharehouse activate` saves. The field names
// follow Delta Sharing's profile file (shareCredentialsVersion, endpoint,
// bearerToken, expirationTime), so partners who know that format know this
// one; endpoint is a postgres:// address instead of an HTTPS one.
type shareCredential struct {
	ShareCredentialsVersion int    `json:"shareCredentialsVersion"`
	Endpoint                string `json:"endpoint"` // postgres://host:port
	User                    string `json:"user"`
	BearerToken             string `json:"bearerToken"`    // the password of a login as User
	ExpirationTime          string `json:"expirationTime"` // RFC 3339, UTC
	// ConnectionString is a ready URL without the token and without a
	// database: append the share's name as the path.
	ConnectionString string `json:"connectionString"`
	// SSLRootCert is the PEM certificate a client verifies the server
	// against when the server has TLS and its certificate chain ends in
	// a root of the provider's own (self-signed, or a private CA). libpq
	// and pgx read it from a file: the connection string names it with
	// sslrootcert (a file name relative to where the client runs, until
	// `sharehouse activate` saves it and writes its absolute path).
	SSLRootCert string `json:"sslRootCert,omitempty"`
	// Share is the database `sharehouse connect` opens when none is
	// given. The server does not set it (a recipient may be granted
	// several shares, and grants change); a partner may add it.
	Share string `json:"share,omitempty"`
}

// newShareCredential builds the credential for a redeemed activation at
// ep: with TLS, sslmode=verify-full and the root to verify against.
func newShareCredential(user, token string, expires time.Time, ep shareEndpoint) shareCredential {
	endpoint := url.URL{Scheme: "postgres", Host: ep.pgAddr}
	q := url.Values{"sslmode": {ep.sslmode}}
	c := shareCredential{
		ShareCredentialsVersion: credentialVersion,
		Endpoint:                endpoint.String(),
		User:                    user,
		BearerToken:             token,
		ExpirationTime:          expires.UTC().Format(time.RFC3339),
	}
	switch ep.rootCert {
	case "":
	case rootCertSystem:
		q.Set("sslrootcert", rootCertSystem)
	default:
		c.SSLRootCert = ep.rootCert
		q.Set("sslrootcert", rootCertFileName(user))
	}
	conn := url.URL{Scheme: "postgres", User: url.User(user), Host: ep.pgAddr, Path: "/", RawQuery: q.Encode()}
	c.ConnectionString = conn.String()
	return c
}

// rootCertSystem is libpq's (16 and later) and pgx's sslrootcert value for
// "the system's trusted roots".
const rootCertSystem = "system"

// withRootCertFile returns c with its connection string's sslrootcert set
// to path, where its SSLRootCert was saved.
func (c shareCredential) withRootCertFile(path string) (shareCredential, error) {
	u, err := url.Parse(c.ConnectionString)
	if err != nil {
		return c, fmt.Errorf("credential file: connectionString: %w", err)
	}
	q := u.Query()
	q.Set("sslrootcert", path)
	u.RawQuery = q.Encode()
	c.ConnectionString = u.String()
	return c, nil
}

// parseShareCredential decodes and checks a credential file.
func parseShareCredential(data []byte) (shareCredential, error) {
	var c shareCredential
	if err := json.Unmarshal(data, &c); err != nil {
		return shareCredential{}, fmt.Errorf("not a sharehouse credential file: %w", err)
	}
	return c, c.validate()
}

// validate checks that c has what a login needs.
func (c shareCredential) validate() error {
	switch {
	case c.ShareCredentialsVersion == 0:
		return errors.New("not a sharehouse credential file: shareCredentialsVersion is missing")
	case c.ShareCredentialsVersion > credentialVersion:
		return fmt.Errorf("credential file version %d is newer than this sharehouse understands (%d): upgrade sharehouse",
			c.ShareCredentialsVersion, credentialVersion)
	case c.User == "":
		return errors.New("credential file: user is missing")
	case c.BearerToken == "":
		return errors.New("credential file: bearerToken is missing")
	case c.Endpoint == "" && c.ConnectionString == "":
		return errors.New("credential file: endpoint is missing")
	}
	if _, err := c.expires(); err != nil {
		return err
	}
	if _, err := c.connURL("x"); err != nil {
		return err
	}
	return nil
}

// expires returns the token's expiry; zero when the file does not say.
func (c shareCredential) expires() (time.Time, error) {
	if c.ExpirationTime == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, c.ExpirationTime)
	if err != nil {
		return time.Time{}, fmt.Errorf("credential file: expirationTime %q is not an RFC 3339 time", c.ExpirationTime)
	}
	return t, nil
}

// connURL returns the URL of a login to database share, without the
// token: it goes to the client through the environment, never in a URL or
// on a command line, where ps and shell history would show it.
func (c shareCredential) connURL(share string) (string, error) {
	raw := c.ConnectionString
	if raw == "" {
		raw = c.Endpoint
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Host == "" {
		return "", fmt.Errorf("credential file: %q is not a postgres://host:port address", raw)
	}
	if _, _, err := net.SplitHostPort(u.Host); err != nil {
		return "", fmt.Errorf("credential file: %q lacks a port", raw)
	}
	u.User = url.User(c.User)
	u.Path = "/" + share
	u.RawPath = ""
	q := u.Query()
	q.Del("password")
	if q.Get("sslmode") == "" {
		q.Set("sslmode", "prefer")
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// credentialFileName is the default file name for user's credential: the
// user's name with anything a file name should not hold replaced.
func credentialFileName(user string) string {
	var b strings.Builder
	for _, r := range user {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '-', r == '.':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	name := strings.TrimLeft(b.String(), ".")
	if name == "" {
		name = "recipient"
	}
	return name + ".share.json"
}

// rootCertFileName is the default file name for the server certificate
// root in user's credential, beside the credential file.
func rootCertFileName(user string) string {
	return strings.TrimSuffix(credentialFileName(user), ".json") + ".crt"
}

// serverRootCert returns what partners verify the server's certificate
// against (shareEndpoint.rootCert): the PEM of the last certificate of the
// --tls-cert chain when it is self-signed (a self-signed server
// certificate, or a private CA's root appended to the chain), else
// "system", for a certificate of a CA that clients' systems trust.
func serverRootCert(cert tls.Certificate) (string, error) {
	if len(cert.Certificate) == 0 {
		return "", errors.New("the TLS certificate file holds no certificate")
	}
	der := cert.Certificate[len(cert.Certificate)-1]
	last, err := x509.ParseCertificate(der)
	if err != nil {
		return "", fmt.Errorf("parse TLS certificate: %w", err)
	}
	// CheckSignature, not CheckSignatureFrom: a self-signed server
	// certificate is usually not marked as a CA, yet clients can trust it.
	if bytes.Equal(last.RawSubject, last.RawIssuer) &&
		last.CheckSignature(last.SignatureAlgorithm, last.RawTBSCertificate, last.Signature) == nil {
		return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})), nil
	}
	return rootCertSystem, nil
}

// newShareEndpoint is where credentials send recipients: pgAddr, with TLS
// verified against the server certificate's root when tlsConfig is set.
func newShareEndpoint(pgAddr string, tlsConfig *tls.Config) (shareEndpoint, error) {
	if tlsConfig == nil {
		return shareEndpoint{pgAddr: pgAddr, sslmode: "disable"}, nil
	}
	root, err := serverRootCert(tlsConfig.Certificates[0])
	if err != nil {
		return shareEndpoint{}, err
	}
	return shareEndpoint{pgAddr: pgAddr, sslmode: "verify-full", rootCert: root}, nil
}
