// Command sharehouse is the sharehouse server and its command-line tools.
//
// It is deliberately thin: it turns flags and the environment into the
// Config values of the packages it wires (storage → catalog → executor →
// pgwire), runs them, and stops them on SIGINT/SIGTERM. No other package
// reads flags, the environment or files of its own accord.
//
// Files: main.go (root command), serve.go (sharehouse serve: wiring,
// first-start bootstrap, graceful shutdown), http.go (the HTTP port:
// /healthz and GET /activate/{code}, which redeems a recipient's one-time
// code and answers with its credential), credential.go (the credential
// JSON), activate.go and connect.go (the partner's side: save the
// credential with mode 0600; exec psql with the token in PGPASSWORD, never
// on a command line), demo.go (the --demo data set), version.go.
//
// Secrets: activation codes, tokens and passwords never reach a log (the
// HTTP log shows /activate/REDACTED) nor a command line.
//
// TLS: with --tls-cert the HTTP port speaks only HTTPS, with the
// certificate of the PostgreSQL listener (a plain request gets 400 and
// redeems nothing), and credentials carry sslmode=verify-full. When the
// certificate chain ends in a self-signed root (a self-signed certificate,
// or a private CA's root appended to the --tls-cert file) the credential
// holds that root's PEM as sslRootCert and the connection string names
// the file to keep it in (sslrootcert=<user>.share.crt, saved and given an
// absolute path by sharehouse activate); otherwise sslrootcert=system,
// the client's trusted roots (libpq 16+, pgx).
//
// The end-to-end tests (*_test.go here) build this binary once and drive it
// over real TCP with pgx and the real psql.
package main
