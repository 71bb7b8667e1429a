package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/sharehouse/sharehouse/catalog"
)

// The HTTP port serves /healthz and the activation links of token
// recipients: GET /activate/{code} redeems the code once and answers with
// the credential JSON; the code is a secret, so it never reaches a log.

// activator redeems activation codes; *catalog.Catalog is one.
type activator interface {
	Activate(ctx context.Context, code string) (catalog.Credential, error)
}

// shareEndpoint is where recipients reach the PostgreSQL protocol, as
// written into their credentials.
type shareEndpoint struct {
	pgAddr  string // host:port
	sslmode string // "verify-full" when the server has TLS, else "disable"
	// rootCert is what a client verifies the server's certificate
	// against (sslrootcert): the PEM of a self-signed root, or "system"
	// for a certificate from a CA the client's system trusts. "" without
	// TLS. See serverRootCert.
	rootCert string
}

const activatePrefix = "/activate/"

// serveHTTP serves the HTTP port, over TLS with tlsConfig when it is set
// (the certificate of the PostgreSQL listener): an activation link hands
// out a bearer token, which must not cross the network in plain text. A
// plain-HTTP request to it is answered 400 by net/http before any handler
// runs, so its code is not redeemed (a redirect would not help: the code
// has already crossed in the clear, and the partner needs a new link).
func serveHTTP(srv *http.Server, ln net.Listener, tlsConfig *tls.Config) error {
	if tlsConfig == nil {
		return srv.Serve(ln)
	}
	srv.TLSConfig = tlsConfig // ServeTLS clones it and adds h2
	return srv.ServeTLS(ln, "", "")
}

// maxCodeLen bounds the code read from a path: real codes are 48 hex
// characters, and a longer one is not worth a catalog transaction.
const maxCodeLen = 256

// httpHandler serves the HTTP port. act may be nil (no activation).
func httpHandler(log *slog.Logger, act activator, ep shareEndpoint) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "ok\n")
	})
	if act != nil {
		mux.Handle(activatePrefix, &activateHandler{log: log, act: act, ep: ep})
	}
	return logRequests(log, mux)
}

// activateHandler answers GET /activate/{code}.
type activateHandler struct {
	log *slog.Logger
	act activator
	ep  shareEndpoint
}

// httpError is the body of every error answer of the activation endpoint
// (Delta Sharing's shape: errorCode, message).
type httpError struct {
	ErrorCode string `json:"errorCode"`
	Message   string `json:"message"`
}

// msgActivationGone is the one answer for unknown, used and expired codes:
// telling them apart would let a caller probe codes.
const msgActivationGone = "this activation link is unknown, expired or was already used; " +
	"an activation link works once. Ask the data provider for a new one " +
	"(ALTER RECIPIENT … ROTATE TOKEN)"

func (h *activateHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// A credential must not be kept by a browser or a proxy, nor the link
	// leak to another site through Referer.
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	// GET only: HEAD would redeem the code without handing out the
	// credential, losing it.
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		writeJSON(w, http.StatusMethodNotAllowed, httpError{"METHOD_NOT_ALLOWED", "an activation link is opened with GET"})
		return
	}
	code := strings.TrimPrefix(r.URL.Path, activatePrefix)
	if code == "" || len(code) > maxCodeLen || strings.Contains(code, "/") {
		writeJSON(w, http.StatusGone, httpError{"ACTIVATION_LINK_GONE", msgActivationGone})
		return
	}
	cred, err := h.act.Activate(r.Context(), code)
	if errors.Is(err, catalog.ErrActivationUsed) {
		writeJSON(w, http.StatusGone, httpError{"ACTIVATION_LINK_GONE", msgActivationGone})
		return
	}
	if err != nil {
		// The error comes from the catalog, which never puts the code in
		// one; the request's path is logged redacted by logRequests.
		h.log.Error("activation failed", "err", err)
		writeJSON(w, http.StatusInternalServerError, httpError{"INTERNAL_ERROR", "the server could not activate the link; try again later"})
		return
	}
	h.log.Info("recipient activated", "user", cred.User, "expires", cred.Expires.UTC().Format(time.RFC3339), "client", r.RemoteAddr)
	writeJSON(w, http.StatusOK, newShareCredential(cred.User, cred.Token, cred.Expires, h.ep))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

// redactPath hides the secret part of a request path for the log.
func redactPath(path string) string {
	if strings.HasPrefix(path, activatePrefix) && len(path) > len(activatePrefix) {
		return activatePrefix + "REDACTED"
	}
	return path
}

// statusWriter remembers the status a handler answered with.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(p)
}

// logRequests logs every request but /healthz (probes would drown the
// rest) at info, with the path redacted. The query string is left out
// altogether: nothing of ours uses one, and a client might put a secret
// in it.
func logRequests(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		level := slog.LevelInfo
		if r.URL.Path == "/healthz" {
			level = slog.LevelDebug
		}
		log.Log(r.Context(), level, "http request", "method", r.Method, "path", redactPath(r.URL.Path),
			"status", sw.status, "client", r.RemoteAddr, "duration", time.Since(start).Round(time.Microsecond))
	})
}
