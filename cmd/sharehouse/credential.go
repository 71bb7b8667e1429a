package main

import (
	"encoding/json"
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
	// Share is the database `sharehouse connect` opens when none is
	// given. The server does not set it (a recipient may be granted
	// several shares, and grants change); a partner may add it.
	Share string `json:"share,omitempty"`
}

// newShareCredential builds the credential for a redeemed activation.
// pgAddr is the pgwire listener as recipients reach it (host:port), sslmode
// what their clients should ask for.
func newShareCredential(user, token string, expires time.Time, pgAddr, sslmode string) shareCredential {
	endpoint := url.URL{Scheme: "postgres", Host: pgAddr}
	conn := url.URL{Scheme: "postgres", User: url.User(user), Host: pgAddr, Path: "/", RawQuery: "sslmode=" + url.QueryEscape(sslmode)}
	return shareCredential{
		ShareCredentialsVersion: credentialVersion,
		Endpoint:                endpoint.String(),
		User:                    user,
		BearerToken:             token,
		ExpirationTime:          expires.UTC().Format(time.RFC3339),
		ConnectionString:        conn.String(),
	}
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
