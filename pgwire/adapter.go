package pgwire

import (
	"context"
	"time"

	"github.com/sharehouse/sharehouse/executor"
	"github.com/sharehouse/sharehouse/executor/sqltype"
)

// ForExecutor adapts the executor's concrete Engine to the Engine interface:
// Go has no covariant return types, so NewSession's *executor.Session is
// wrapped once here.
//
//	srv := pgwire.NewServer(cfg, pgwire.ForExecutor(eng))
func ForExecutor(e *executor.Engine) Engine { return execEngine{e} }

type execEngine struct{ e *executor.Engine }

func (x execEngine) LookupSCRAM(ctx context.Context, user string) (executor.SCRAMCredential, error) {
	return x.e.LookupSCRAM(ctx, user)
}

func (x execEngine) LoginLimit(ctx context.Context, user string) (executor.LoginLimit, error) {
	return x.e.LoginLimit(ctx, user)
}

func (x execEngine) NewSession(ctx context.Context, opts executor.SessionOptions) (Session, error) {
	s, err := x.e.NewSession(ctx, opts)
	if err != nil {
		return nil, err
	}
	return execSession{s}, nil
}

func (x execEngine) AuditLogin(ctx context.Context, ev executor.LoginEvent) {
	x.e.AuditLogin(ctx, ev)
}

// execSession forwards to *executor.Session. Statements it hands out are
// *executor.Statement, so the type assertions below cannot fail for
// statements that came from the same session.
type execSession struct{ s *executor.Session }

var _ Session = execSession{}

func (x execSession) Parse(ctx context.Context, sql string) ([]Statement, error) {
	sts, err := x.s.Parse(ctx, sql)
	if err != nil {
		return nil, err
	}
	out := make([]Statement, len(sts))
	for i, st := range sts {
		out[i] = st
	}
	return out, nil
}

func (x execSession) Prepare(ctx context.Context, sql string, paramTypes []sqltype.OID) (Statement, error) {
	st, err := x.s.Prepare(ctx, sql, paramTypes)
	if err != nil {
		return nil, err
	}
	return st, nil
}

func (x execSession) Describe(ctx context.Context, st Statement, params []executor.Param) ([]executor.Column, error) {
	return x.s.Describe(ctx, st.(*executor.Statement), params)
}

func (x execSession) Execute(ctx context.Context, st Statement, params []executor.Param) (executor.Result, error) {
	return x.s.Execute(ctx, st.(*executor.Statement), params)
}

func (x execSession) TxStatus() byte                          { return x.s.TxStatus() }
func (x execSession) TextFormat() sqltype.Format              { return x.s.TextFormat() }
func (x execSession) StatementTimeout() time.Duration         { return x.s.StatementTimeout() }
func (x execSession) Parameters() []executor.Parameter        { return x.s.Parameters() }
func (x execSession) ChangedParameters() []executor.Parameter { return x.s.ChangedParameters() }
func (x execSession) BeginBatch(n int)                        { x.s.BeginBatch(n) }
func (x execSession) EndBatch(err error) error                { return x.s.EndBatch(err) }
func (x execSession) Close()                                  { x.s.Close() }
