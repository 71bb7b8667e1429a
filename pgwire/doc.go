// Package pgwire serves the PostgreSQL frontend/backend protocol, version
// 3.0, on top of github.com/jackc/pgx/v5/pgproto3. It knows nothing of SQL
// text, shares or storage: it hands statement text and raw parameters to an
// Engine's Session and encodes the Arrow record batches it gets back.
//
// # Layers and files
//
//   - server.go: Server, Config, accept loop, connection registry, graceful
//     shutdown, max connections, panic recovery.
//   - conn.go: one connection's state, the message loop, output buffering,
//     error and notice responses, statement contexts.
//   - startup.go: the startup packet (SSLRequest, GSSENCRequest,
//     CancelRequest, StartupMessage), TLS, protocol negotiation, session
//     creation and the messages that end the startup phase.
//   - auth_scram.go: server side of SCRAM-SHA-256 (RFC 5802/7677), and
//     SCRAM-SHA-256-PLUS (tls-server-end-point) on TLS connections.
//   - simple.go: the simple query protocol; running a portal and streaming
//     its rows (shared with the extended protocol).
//   - extended.go: Parse/Bind/Describe/Execute/Close/Sync/Flush, prepared
//     statements and portals, row limits (PortalSuspended).
//   - copy.go: COPY FROM STDIN and COPY TO STDOUT sub-protocols.
//   - cancel.go: BackendKeyData keys and CancelRequest.
//   - limits.go: connection slots: the cap on connections in startup,
//     MaxConnections, the superuser's reserved slots, each login's own
//     limit (all 53300), and which Accept errors pass.
//   - throttle.go: the growing delay of failed logins, per user and per
//     client address, in a bounded table.
//   - encode.go: RowDescription and DataRow encoding of Arrow batches.
//   - engine.go: the interfaces pgwire needs from the executor (Engine,
//     Session, Statement); adapter.go: ForExecutor, which wraps
//     *executor.Engine in them.
//
// Tests drive a Server on 127.0.0.1:0 over a fake Engine (engine_test.go)
// with pgx, psql and raw pgproto3 messages; testdata/pgtest holds wire
// scripts in CockroachDB's pgtest format and testdata/fuzz the seed corpus
// of FuzzStartup and FuzzMessages.
//
// # Invariants
//
//   - One goroutine per connection owns the connection, its Session and all
//     extended-protocol state; only cancellation (a statement's cancel func)
//     and shutdown (deadlines on the net.Conn) reach in from outside.
//   - Shutdown ends idle connections (waiting after ReadyForQuery) at once
//     and busy ones when they next become idle; when its context ends, the
//     connections' contexts are cancelled and their I/O released. Every
//     ended session gets FATAL 57P01 and is closed (rolled back).
//   - Output is buffered in one per-connection buffer and written at
//     ReadyForQuery, Flush, before waiting for COPY data, when the buffer
//     grows past flushThreshold, and before closing. DataRows are encoded
//     straight into that buffer.
//   - A received message is valid until the next Receive: whatever is kept
//     (Bind parameters, statement names) is copied.
//   - Rows are always closed: by the statement that drained them, when their
//     portal is closed or replaced, or when the connection ends.
//   - Every error sent carries a SQLSTATE. Errors without one go to the
//     client as XX000 "internal error"; their cause goes only to the log.
package pgwire
