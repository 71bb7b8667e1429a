package pgwire

import (
	"context"
	"time"

	"github.com/sharehouse/sharehouse/executor"
	"github.com/sharehouse/sharehouse/executor/sqltype"
)

// Engine is what the server needs from the executor: credentials for SCRAM
// and sessions for authenticated users. It must be safe for concurrent use.
// ForExecutor adapts an *executor.Engine.
type Engine interface {
	// LookupSCRAM returns the stored verifier of user. Any error (an
	// unknown user in particular) fails authentication exactly like a wrong
	// password would.
	LookupSCRAM(ctx context.Context, user string) (executor.SCRAMCredential, error)
	// AuditLogin records an authentication verdict (Err nil: success).
	AuditLogin(ctx context.Context, ev executor.LoginEvent)
	// NewSession opens a session for an authenticated user. Its error is
	// sent to the client as FATAL (3D000 for an unknown database).
	NewSession(ctx context.Context, opts executor.SessionOptions) (Session, error)
	// LoginLimit says how an authenticated user counts against the
	// connection slots and its own connection limit.
	LoginLimit(ctx context.Context, user string) (executor.LoginLimit, error)
}

// Statement is a parsed statement; pgwire only asks for its parameter types.
type Statement interface {
	// ParamTypes returns the types of $1..$n, as ParameterDescription sends them.
	ParamTypes() []sqltype.T
}

// Session is one connection's executor state. It is used from the
// connection's goroutine only, so it need not be safe for concurrent use.
type Session interface {
	// Parse splits a simple-query string into statements; none for an
	// empty string. Nothing runs.
	Parse(ctx context.Context, sql string) ([]Statement, error)
	// Prepare parses one statement for the extended protocol; paramTypes
	// are the Parse message's OIDs (0 = infer).
	Prepare(ctx context.Context, sql string, paramTypes []sqltype.OID) (Statement, error)
	// Describe returns the columns st would return, nil for none. params is
	// nil when describing a statement rather than a portal.
	Describe(ctx context.Context, st Statement, params []executor.Param) ([]executor.Column, error)
	// Execute runs st. A Result with Rows, CopyIn or CopyOut must be
	// finished by the caller (Rows.Close, CopyIn.Run, CopyOut.Close).
	Execute(ctx context.Context, st Statement, params []executor.Param) (executor.Result, error)
	// TxStatus is ReadyForQuery's status: 'I', 'T' or 'E'.
	TxStatus() byte
	// TextFormat holds the settings that shape values as text (TimeZone).
	TextFormat() sqltype.Format
	// StatementTimeout is statement_timeout: 0 for none.
	StatementTimeout() time.Duration
	// Parameters are the ParameterStatus values sent after startup.
	Parameters() []executor.Parameter
	// ChangedParameters are the reported settings changed since the last call.
	ChangedParameters() []executor.Parameter
	// BeginBatch and EndBatch bracket the n statements of one Query message.
	BeginBatch(n int)
	// EndBatch returns the error of the implicit transaction's commit.
	EndBatch(err error) error
	// Close ends the session, rolling back an open transaction.
	Close()
}
