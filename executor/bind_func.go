package executor

import (
	"math/big"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/sharehouse/sharehouse/executor/sqlstate"
	"github.com/sharehouse/sharehouse/executor/sqltype"
)

// bindFuncCall binds a scalar function call. Aggregates reach here only
// outside an aggregate context, which is an error.
func (b *binder) bindFuncCall(fc *pg.FuncCall, sc *scope) (Expr, error) {
	name := funcName(fc)
	if fc.Over != nil {
		return b.bindWindowCall(fc, sc)
	}
	if setReturning[name] {
		return b.bindSRFCall(fc, sc)
	}
	if isAggregate(name) {
		return nil, sqlstate.Errorf(sqlstate.GroupingError, "aggregate functions are not allowed here").WithPosition(fc.Location + 1)
	}
	if fc.AggStar || fc.AggDistinct {
		return nil, sqlstate.Errorf(sqlstate.WrongObjectType, "%s is not an aggregate function", name).WithPosition(fc.Location + 1)
	}
	var args []Expr
	for _, a := range fc.Args {
		e, err := b.bindExpr(a, sc)
		if err != nil {
			return nil, err
		}
		args = append(args, e)
	}
	if e, ok, err := b.bindSequenceFunc(name, args, fc.Location); ok || err != nil {
		return e, err
	}
	if e, ok, err := b.bindCatalogFunc(name, args, fc.Location); ok || err != nil {
		return e, err
	}
	switch name {
	case "coalesce":
		args, err := b.unify(args, "COALESCE")
		if err != nil {
			return nil, err
		}
		return &coalesceExpr{args: args}, nil
	case "greatest", "least":
		args, err := b.unify(args, strings.ToUpper(name))
		if err != nil {
			return nil, err
		}
		return b.greatestLeast(strings.ToUpper(name), args)
	case "nullif":
		if len(args) == 2 {
			eq, err := b.binary("=", args[0], args[1], fc.Location)
			if err != nil {
				return nil, err
			}
			return b.nullIf(eq, args[0], fc.Location)
		}
	case "version":
		return stringConst(sqltype.TextT, "PostgreSQL "+b.x.s.eng.version+" on x86_64-pc-linux-gnu, compiled by Go, 64-bit"), nil
	case "current_database", "current_catalog":
		return stringConst(sqltype.NameT, b.x.s.db), nil
	case "current_schema":
		if len(args) == 0 {
			return b.currentSchema()
		}
	case "current_user", "session_user", "user":
		return stringConst(sqltype.NameT, b.x.s.who.Name), nil
	case "current_setting":
		if len(args) >= 1 {
			if c, ok := args[0].(*constExpr); ok && !c.isNull() {
				v, known := b.x.s.settings.get(constString(c))
				if !known {
					return nil, sqlstate.Errorf(sqlstate.UndefinedObject, "unrecognized configuration parameter %q", constString(c))
				}
				return stringConst(sqltype.TextT, v), nil
			}
		}
	case "pg_backend_pid":
		return int4Const(int32(b.x.s.pid)), nil
	}
	return b.call(name, args, fc.Location)
}

// callFunction binds a call by name with no arguments (CURRENT_DATE …).
func (b *binder) callFunction(name string, args []Expr, loc int32) (Expr, error) {
	return b.call(name, args, loc)
}

func (b *binder) call(name string, args []Expr, loc int32) (Expr, error) {
	infos := make([]argInfo, len(args))
	for i, a := range args {
		a = b.x.inferFromPeer(a, stringConst(sqltype.TextT, ""))
		args[i] = a
		infos[i] = argOf(a)
	}
	impl, err := resolveFunction(name, infos)
	if err != nil {
		return nil, withPosition(err, loc)
	}
	return b.apply(impl, args, loc)
}

// bindRangeFunction binds a function in FROM; generate_series for now.
func (q *queryBinder) bindRangeFunction(rf *pg.RangeFunction) (*relation, error) {
	return q.bindFunctionScan(rf)
}

// bigFloatParse writes a numeric literal with an exponent in plain digits.
func bigFloatParse(s string) (string, int, error) {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return "", 0, sqlstate.Errorf(sqlstate.InvalidTextRepresentation, "invalid input syntax for type numeric: %q", s)
	}
	scale := 0
	for d := new(big.Rat).Set(r); !d.IsInt() && scale < 1000; scale++ {
		d.Mul(d, big.NewRat(10, 1))
	}
	return r.FloatString(scale), scale, nil
}

func errTooLarge(what string) error {
	return sqlstate.Errorf(sqlstate.ProgramLimitExceeded, "%s is too large for sharehouse yet", what)
}
