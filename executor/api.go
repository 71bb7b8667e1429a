package executor

import (
	"context"
	"errors"
	"io"

	"github.com/apache/arrow/go/v17/arrow"

	"github.com/sharehouse/sharehouse/executor/sqlstate"
	"github.com/sharehouse/sharehouse/executor/sqltype"
)

// This file is the contract between pgwire and the executor: pgwire hands
// over statement text and parameters with a session, and receives results as
// command tags or streams of Arrow record batches. pgwire never inspects SQL.

// Column describes one result column as RowDescription sends it.
type Column struct {
	Name     string
	Type     sqltype.T
	TableOID uint32 // 0 unless the column is a plain table column
	AttNum   int16  // 0 unless the column is a plain table column
}

// Rows streams a result's Arrow record batches. The caller must Close it.
type Rows interface {
	Columns() []Column
	// Next returns the next batch, or io.EOF after the last. The batch is
	// valid until the next call; Retain it to keep it longer.
	Next(ctx context.Context) (arrow.Record, error)
	// Close releases the snapshot and records the audit event; cause says
	// why reading stopped (nil when all rows were read). Safe to call twice.
	// For a read of a shared table it returns once the audit event is
	// durable, and an error if it could not be made so: the front end must
	// then not acknowledge the read (no CommandComplete).
	Close(cause error) error
}

// ErrStoppedReading is the Close cause for rows the client chose not to
// read to the end (a portal closed, or dropped at Sync, after a partial
// Execute): the read ended without failing, and is audited as OK.
var ErrStoppedReading = errors.New("portal closed before all rows were read")

// Sent is what a front end wrote to its client for one result: the rows,
// and the bytes of the messages that carried them (pgwire: the DataRow or
// CopyData messages, their type byte and length included). The audit
// records it, so that rows_returned and bytes_transferred are what the
// client was sent, not what the plan produced.
type Sent struct {
	Rows  int64
	Bytes int64
}

// SentRecorder is implemented by Rows whose reads are audited. A front end
// calls RecordSent once, before Close, with everything it sent of them
// (over all the Executes of a suspended portal); without the call the
// audit counts the rows handed out and no bytes.
type SentRecorder interface {
	RecordSent(Sent)
}

// LoginEvent is one authentication verdict of a front end, for the audit
// (Engine.AuditLogin). It carries no secret: never the password or token.
type LoginEvent struct {
	User       string // as the client gave it
	Database   string // the database it asked for
	ClientAddr string // host:port
	// Err is nil when the client authenticated, else what it was told.
	Err error
}

// Result is what running one statement produced.
type Result struct {
	// Tag is the CommandComplete tag. When Rows is non-nil, pgwire appends
	// " <rows sent>" unless NoCount is set ("SELECT" becomes "SELECT 3",
	// "INSERT 0" becomes "INSERT 0 3"; "SHOW" stays "SHOW").
	Tag     string
	NoCount bool
	Rows    Rows
	// CopyIn is set for COPY … FROM STDIN: pgwire sends CopyInResponse,
	// then calls Run with the CopyData payloads; its Result is the real one.
	CopyIn *CopyIn
	// CopyOut is set for COPY … TO STDOUT: pgwire sends CopyOutResponse,
	// one CopyData per Next, CopyDone, then CommandComplete with Tag.
	CopyOut *CopyOut
	// Notices are sent before CommandComplete (severity NOTICE or WARNING).
	Notices []*sqlstate.Error
	// Deallocate is set by DEALLOCATE and DISCARD ALL: the protocol's
	// prepared statements, which pgwire keeps, are what they drop.
	Deallocate *Deallocation
}

// Deallocation names the prepared statements to drop: one by name, or all.
type Deallocation struct {
	Name string
	All  bool
}

// CopyIn is the executor's side of COPY FROM STDIN.
type CopyIn struct {
	Binary  bool // format of the data: binary, else text/CSV (sent as textual)
	Columns int
	// Run reads the concatenated CopyData payloads from r until io.EOF (the
	// client's CopyDone). If the client sends CopyFail, r returns an error
	// and Run must fail with it, committing nothing.
	Run func(ctx context.Context, r io.Reader) (Result, error)
}

// CopyOut is the executor's side of COPY TO STDOUT.
type CopyOut struct {
	Binary  bool
	Columns int
	// Next returns the next CopyData payload, or io.EOF.
	Next func(ctx context.Context) ([]byte, error)
	// RecordSent, when set, is told before Close what was written of the
	// payloads (Rows counts CopyData messages; the audit keeps its own
	// count of data rows and takes Bytes).
	RecordSent func(Sent)
	// Close ends the copy and, as Rows.Close, returns once its audit event
	// is durable.
	Close func(cause error) error
	// Tag returns the CommandComplete tag ("COPY n") once Next has
	// returned io.EOF: payloads and rows differ (headers, trailers).
	Tag func() string
}

// Param is one Bind parameter as it came off the wire.
type Param struct {
	Null   bool
	Binary bool   // format code 1
	Data   []byte // owned by the executor after Execute returns
}

// Parameter is a ParameterStatus name and value.
type Parameter struct{ Name, Value string }

// SessionOptions are what the startup packet and connection tell.
type SessionOptions struct {
	User       string
	Database   string
	ClientAddr string
	// Params are the startup packet's other options (application_name,
	// client_encoding, DateStyle, TimeZone, options …).
	Params map[string]string
	// AuthKey is the SCRAM StoredKey the client proved knowledge of: for a
	// token recipient it says which token the session stands on.
	AuthKey []byte
	// TLS describes the connection's encryption; nil on a plain connection.
	// pg_stat_ssl shows it.
	TLS *TLSInfo
}

// TLSInfo is what pg_stat_ssl reports about an encrypted connection.
type TLSInfo struct {
	Version string // "TLSv1.3", as OpenSSL names it
	Cipher  string // e.g. "TLS_AES_128_GCM_SHA256"
	Bits    int    // symmetric key length
}

// SCRAMCredential is a stored SCRAM-SHA-256 verifier (RFC 5802/7677).
// Alternates are further keys under the same salt and iterations: a proof
// matching any of them authenticates (a recipient's tokens in a rotation).
type SCRAMCredential struct {
	Salt       []byte
	Iterations int
	StoredKey  []byte
	ServerKey  []byte
	Alternates []SCRAMKeys
}

// SCRAMKeys are the two keys of one SCRAM secret.
type SCRAMKeys struct{ StoredKey, ServerKey []byte }
