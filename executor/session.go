package executor

import (
	"context"
	"log/slog"
	"strings"

	"github.com/sharehouse/sharehouse/catalog"
	"github.com/sharehouse/sharehouse/executor/sqlstate"
	"github.com/sharehouse/sharehouse/executor/sqltype"
	"github.com/sharehouse/sharehouse/parser"
)

// Session is one connection's state: identity, current database, settings
// and transaction. Not safe for concurrent use; pgwire calls it from the
// connection's goroutine.
type Session struct {
	eng        *Engine
	who        catalog.Principal
	db         string
	clientAddr string
	pid        uint32
	tls        *TLSInfo // nil on a plain connection
	settings   *sessionSettings
	log        *slog.Logger

	// Transaction state. inBlock: an explicit BEGIN is open. failed: an
	// error happened inside it (25P02 until ROLLBACK). tx: the write
	// transaction the block holds from its first write until it ends.
	inBlock bool
	failed  bool
	tx      *catalog.Tx
	// rtx is the read transaction open for the statement, if any, and
	// rtxRefs how many of readTx's callers hold it.
	rtx     *catalog.Tx
	rtxRefs int
	// implicit: the statements of one multi-statement Query message run as
	// one transaction (BeginBatch/EndBatch), unless they hold BEGIN.
	implicit bool
	// cursors are the open SQL cursors by name (cursor.go).
	cursors map[string]*cursor
	// savepoints are the block's open savepoints, innermost last; writes
	// counts the block's statements that took the write transaction, so
	// that ROLLBACK TO knows whether there is anything to undo.
	savepoints []savepoint
	writes     int
	// temp: the databases where the session made its temporary schema.
	temp map[string]bool
	// onCommit holds the ON COMMIT DROP / DELETE ROWS of temporary tables
	// (bind_temp.go), run in each transaction before it commits.
	onCommit map[tempTableKey]onCommitAction
	// stmtTx is the write transaction an autocommit statement runs in,
	// while it runs; seq what nextval gave this session (fn_sequence.go).
	stmtTx *catalog.Tx
	seq    seqSession
	// fkDefer holds the block's deferred foreign-key checks (foreign_defer.go).
	fkDefer fkDeferral
}

// Statement is one parsed statement, opaque to pgwire.
type Statement struct {
	p          parser.Statement
	empty      bool
	paramTypes []sqltype.T
}

// ParamTypes returns the types of $1..$n, inferred where the client sent 0.
func (st *Statement) ParamTypes() []sqltype.T { return st.paramTypes }

// Empty reports whether the statement text held no statement.
func (st *Statement) Empty() bool { return st.empty }

func newSession(e *Engine, who catalog.Principal, db string, opts SessionOptions) *Session {
	params := map[string]string{}
	for k, v := range opts.Params {
		switch strings.ToLower(k) {
		case "user", "database", "replication", "options":
			continue
		}
		params[k] = v
	}
	s := &Session{eng: e, who: who, db: db, clientAddr: opts.ClientAddr, tls: opts.TLS, settings: newSessionSettings(params)}
	s.settings.values["server_version"] = e.version
	s.settings.values["session_authorization"] = who.Name
	if who.Super {
		s.settings.values["is_superuser"] = "on"
	}
	s.pid = e.nextPID.Add(1)
	s.log = e.log.With("user", who.Name, "db", db)
	return s
}

// Parse splits and parses a simple-query string into statements.
func (s *Session) Parse(ctx context.Context, sql string) ([]*Statement, error) {
	ps, err := parser.Parse(sql)
	if err != nil {
		s.statementFailed()
		return nil, translate(err)
	}
	out := make([]*Statement, len(ps))
	for i, p := range ps {
		out[i] = &Statement{p: p}
	}
	return out, nil
}

// Prepare parses one statement for the extended protocol; paramTypes are the
// OIDs from Parse (0 = infer). More than one statement is 42601.
func (s *Session) Prepare(ctx context.Context, sql string, paramTypes []sqltype.OID) (*Statement, error) {
	ps, err := parser.Parse(sql)
	if err != nil {
		s.statementFailed()
		return nil, translate(err)
	}
	switch len(ps) {
	case 0:
		return &Statement{empty: true}, nil
	case 1:
	default:
		return nil, sqlstate.Errorf(sqlstate.SyntaxError, "cannot insert multiple commands into a prepared statement")
	}
	st := &Statement{p: ps[0]}
	for _, oid := range paramTypes {
		if oid == 0 {
			st.paramTypes = append(st.paramTypes, sqltype.UnknownT)
		} else {
			st.paramTypes = append(st.paramTypes, sqltype.T{OID: oid, Typmod: -1})
		}
	}
	if err := s.inferParams(ctx, st); err != nil {
		s.statementFailed()
		return nil, err
	}
	return st, nil
}

// TxStatus returns 'I' (idle), 'T' (in a transaction) or 'E' (failed transaction).
func (s *Session) TxStatus() byte {
	switch {
	case s.inBlock && s.failed:
		return 'E'
	case s.inBlock:
		return 'T'
	}
	return 'I'
}

// TextFormat returns the session's settings that shape values as text.
func (s *Session) TextFormat() sqltype.Format {
	f := s.settings.format()
	f.OIDName = s.oidNamer()
	return f
}

// Parameters returns the ParameterStatus values to send after startup.
func (s *Session) Parameters() []Parameter {
	var out []Parameter
	for _, name := range s.settings.names() {
		if settings[name].reported {
			out = append(out, Parameter{Name: displayName(name), Value: s.settings.values[name]})
		}
	}
	return out
}

// ChangedParameters returns the reported settings changed since the last call.
func (s *Session) ChangedParameters() []Parameter {
	var out []Parameter
	for name := range s.settings.changed {
		out = append(out, Parameter{Name: displayName(name), Value: s.settings.values[name]})
		delete(s.settings.changed, name)
	}
	return out
}

// BeginBatch and EndBatch bracket the statements of one simple Query
// message: PostgreSQL runs them as one implicit transaction unless they
// contain transaction control, so an error in the third undoes the first two.
func (s *Session) BeginBatch(n int) {
	if n > 1 && !s.inBlock {
		s.implicit = true
	}
}

// EndBatch ends the implicit transaction begun by BeginBatch; err is the
// error that stopped the batch, or nil. It returns the commit's error: the
// batch's writes are then lost, so the client must hear of it before
// ReadyForQuery (a full disk fails here, as bbolt commits).
func (s *Session) EndBatch(err error) error {
	if !s.implicit {
		return nil
	}
	s.implicit = false
	if s.inBlock {
		return nil // the batch opened an explicit block; it stays open
	}
	if err != nil {
		s.endTx(false)
		return nil
	}
	if cerr := s.endTx(true); cerr != nil {
		s.log.Error("commit of implicit transaction failed", "err", cerr)
		return translate(cerr)
	}
	return nil
}

// Close ends the session, rolling back an open transaction.
func (s *Session) Close() {
	s.endTx(false)
	s.closeAllCursors()
	s.inBlock, s.failed = false, false
	s.dropTempSchemas()
}

// Execute runs the statement. For a statement from Parse, params is empty.
func (s *Session) Execute(ctx context.Context, st *Statement, params []Param) (res Result, err error) {
	if st.empty {
		return Result{}, nil
	}
	if s.inBlock && s.failed && !isTxEnd(st) {
		return Result{}, sqlstate.Errorf(sqlstate.InFailedSQLTransaction,
			"current transaction is aborted, commands ignored until end of transaction block")
	}
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("panic in statement", "panic", r, "stmt", st.p.SQL)
			err = sqlstate.Errorf(sqlstate.InternalError, "internal error")
			res = Result{}
		}
		if err != nil {
			err = translate(err)
			s.statementFailed()
		}
	}()
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	x := &execution{s: s, ctx: ctx, params: params, paramTypes: st.paramTypes, started: s.eng.now()}
	defer func() {
		// A result with rows or a COPY TO is audited when it is closed,
		// with what was sent.
		if err != nil || (res.Rows == nil && res.CopyOut == nil) {
			if aerr := x.audit(statementKind(st.p.SQL), 0, 0, err); aerr != nil && err == nil {
				err, res = aerr, Result{}
			}
		}
	}()
	return x.run(st)
}

// Describe returns the columns the statement will return (nil for none).
func (s *Session) Describe(ctx context.Context, st *Statement, params []Param) ([]Column, error) {
	if st.empty {
		return nil, nil
	}
	x := &execution{s: s, ctx: ctx, params: params, paramTypes: st.paramTypes, describeOnly: true, started: s.eng.now()}
	cols, err := x.describe(st)
	if err != nil {
		err = translate(err)
		s.statementFailed()
		// The extended protocol's refusal comes here, before any Execute.
		x.audit(statementKind(st.p.SQL), 0, 0, err)
	}
	return cols, err
}

// statementFailed records an error: inside a block the block fails; an
// autocommit statement's own transaction was already rolled back.
func (s *Session) statementFailed() {
	if s.inBlock {
		s.failed = true
		return
	}
	if s.implicit {
		s.endTx(false)
		return
	}
}

// writeTx returns the write transaction a writing statement runs in and a
// finish func to call with the statement's outcome. In a block (explicit or
// implicit) the transaction is taken at the first write and held to its end.
func (s *Session) writeTx(ctx context.Context) (*catalog.Tx, func(error) error, error) {
	if s.inBlock || s.implicit {
		if s.who.Recipient == 0 {
			// A token recipient's statements are all refused before they
			// write (25006): ROLLBACK TO has nothing of theirs to undo.
			s.writes++
		}
		if s.tx == nil {
			tx, err := s.eng.cat.Begin(ctx, s.who, true)
			if err != nil {
				return nil, nil, err
			}
			s.tx = tx
		}
		// The block's transaction ends with the block; the statement's
		// error still stands (and fails the block in Execute).
		return s.tx, func(err error) error { return err }, nil
	}
	tx, err := s.eng.cat.Begin(ctx, s.who, true)
	if err != nil {
		return nil, nil, err
	}
	s.stmtTx = tx
	return tx, func(err error) error {
		s.stmtTx = nil
		if err == nil {
			err = s.applyOnCommit(tx)
		}
		if err != nil {
			tx.Rollback()
			return err
		}
		return tx.Commit()
	}, nil
}

// writeClean takes back writeTx's count of a statement that failed before
// it changed the block's transaction (x.touched unset): a constraint
// violation found before publishing, as Django's get_or_create and psql's
// ON_ERROR_ROLLBACK meet, can then be rolled back to a savepoint.
func (s *Session) writeClean(x *execution, err error) {
	if err != nil && !x.touched && (s.inBlock || s.implicit) && s.who.Recipient == 0 && s.writes > 0 {
		s.writes--
	}
}

// readTx returns a transaction to resolve names in: the held write
// transaction (to see the block's or the statement's own writes), or a
// fresh short read one.
//
// Read transactions nest: a statement that binds a default or a catalog
// function while it holds one gets the same one back. Opening a second
// bbolt read transaction in the same goroutine can deadlock: a committing
// writer that must grow the file waits for every open read transaction to
// end, and a new one waits behind that writer.
func (s *Session) readTx(ctx context.Context) (*catalog.Tx, func(), error) {
	if tx := s.heldTx(); tx != nil {
		return tx, func() {}, nil
	}
	if s.rtx == nil {
		tx, err := s.eng.cat.Begin(ctx, s.who, false)
		if err != nil {
			return nil, nil, err
		}
		s.rtx = tx
	}
	s.rtxRefs++
	released := false
	return s.rtx, func() {
		if released {
			return
		}
		released = true
		if s.rtxRefs--; s.rtxRefs == 0 {
			s.rtx.Rollback()
			s.rtx = nil
		}
	}, nil
}

// endTx commits or rolls back the held transaction, if any.
func (s *Session) endTx(commit bool) error {
	s.closeCursors(commit)
	s.resetDeferral()
	tx := s.tx
	s.tx = nil
	if tx == nil {
		return nil
	}
	if commit {
		if err := s.applyOnCommit(tx); err != nil {
			tx.Rollback()
			return err
		}
		return tx.Commit()
	}
	return tx.Rollback()
}

func notSupported(format string, args ...any) error {
	return sqlstate.Errorf(sqlstate.FeatureNotSupported, format, args...)
}
