package executor

import (
	"context"
	"fmt"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/sharehouse/sharehouse/executor/sqlstate"
	"github.com/sharehouse/sharehouse/executor/sqltype"
)

// paramExpr is $n while a statement is prepared: its type may still be
// inferred from where it is used. At execution $n binds as a constant.
type paramExpr struct {
	n int // 1-based
	t sqltype.T
}

func (p *paramExpr) Type() sqltype.T {
	if p.t.OID == sqltype.Unknown {
		return sqltype.UnknownT
	}
	return p.t
}
func (p *paramExpr) DataType() arrow.DataType { return p.Type().Arrow() }
func (p *paramExpr) String() string           { return fmt.Sprintf("$%d", p.n) }
func (p *paramExpr) Eval(ec *evalContext, rec arrow.Record) (arrow.Array, error) {
	return nil, sqlstate.Errorf(sqlstate.InternalError, "parameter $%d has no value", p.n)
}

// bindParam binds $n: a typed placeholder while preparing, its value when
// executing.
func (x *execution) bindParam(ref *pg.ParamRef) (Expr, error) {
	n := int(ref.Number)
	if n < 1 {
		return nil, sqlstate.Errorf(sqlstate.UndefinedParameter, "there is no parameter $%d", n).WithPosition(ref.Location + 1)
	}
	for len(x.paramTypes) < n {
		if !x.describeOnly {
			return nil, sqlstate.Errorf(sqlstate.UndefinedParameter, "there is no parameter $%d", n).WithPosition(ref.Location + 1)
		}
		x.paramTypes = append(x.paramTypes, sqltype.UnknownT)
	}
	t := x.paramTypes[n-1]
	if x.describeOnly && x.params == nil {
		return &paramExpr{n: n, t: t}, nil
	}
	if n > len(x.params) {
		return nil, sqlstate.Errorf(sqlstate.ProtocolViolation, "bind message supplies %d parameters, but prepared statement requires %d", len(x.params), len(x.paramTypes))
	}
	return x.paramValue(n, t)
}

// paramValue decodes parameter n as type t.
func (x *execution) paramValue(n int, t sqltype.T) (Expr, error) {
	p := x.params[n-1]
	if t.OID == sqltype.Unknown {
		t = sqltype.UnknownT // stays unknown: coerced where used, like a quoted literal
	}
	dt := t.Arrow()
	if p.Null {
		return nullConst(t), nil
	}
	b := array.NewBuilder(defaultMem, dt)
	defer b.Release()
	if p.Binary {
		dec, err := sqltype.BinaryDecoder(t, dt)
		if err != nil {
			return nil, err
		}
		if err := dec(b, p.Data); err != nil {
			return nil, err
		}
	} else {
		dec, err := sqltype.TextDecoder(t, dt, x.s.settings.format())
		if err != nil {
			return nil, err
		}
		if err := dec(b, p.Data); err != nil {
			return nil, err
		}
	}
	return &constExpr{t: t, value: b.NewArray(), text: fmt.Sprintf("$%d", n)}, nil
}

// typeParam fixes the type of an untyped parameter where its use decides it.
func (x *execution) typeParam(p *paramExpr, t sqltype.T) Expr {
	if t.OID == sqltype.Unknown {
		return p
	}
	if p.n <= len(x.paramTypes) && x.paramTypes[p.n-1].OID == sqltype.Unknown {
		x.paramTypes[p.n-1] = t
	}
	return &paramExpr{n: p.n, t: t}
}

// inferFromPeer types an untyped parameter e from the other operand.
func (x *execution) inferFromPeer(e, peer Expr) Expr {
	if p, ok := e.(*paramExpr); ok && p.t.OID == sqltype.Unknown && peer.Type().OID != sqltype.Unknown {
		return x.typeParam(p, peer.Type())
	}
	return e
}

// inferParams binds a prepared statement once to learn its parameter types.
func (s *Session) inferParams(ctx context.Context, st *Statement) error {
	x := &execution{s: s, ctx: ctx, paramTypes: st.paramTypes, describeOnly: true, started: s.eng.now()}
	// As in PostgreSQL, Parse already reports unknown tables, columns
	// and type errors: a consumer refused a table is audited here.
	if _, err := x.describe(st); err != nil {
		err = translate(err)
		x.audit(statementKind(st.p.SQL), 0, 0, err)
		return err
	}
	for i, t := range x.paramTypes {
		if t.OID == sqltype.Unknown {
			x.paramTypes[i] = sqltype.TextT
		}
	}
	st.paramTypes = x.paramTypes
	return nil
}
