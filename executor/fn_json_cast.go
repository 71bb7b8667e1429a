package executor

import (
	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/sharehouse/sharehouse/executor/sqlstate"
	"github.com/sharehouse/sharehouse/executor/sqltype"
)

// jsonb's casts to numbers and boolean ((doc->'n')::int), and jsonb
// subscripts (doc['a'][0]), as PostgreSQL 15 has them.

// jsonbScalarTarget reports whether jsonb casts explicitly to type to.
func jsonbScalarTarget(to sqltype.OID) bool {
	return isInt(to) || isFloat(to) || to == sqltype.Numeric || to == sqltype.Bool
}

// jsonbScalarCast converts a jsonb number (or boolean, for bool) through
// the target type's input function; any other kind is 22023. Integers go
// through numeric, which rounds as numeric::int does ('1.5' is 2).
func jsonbScalarCast(to sqltype.T) (kernel, error) {
	via := to
	if isInt(to.OID) {
		via = sqltype.NumericT
	}
	fromText, err := castFromText(textInfo, via)
	if err != nil {
		return nil, err
	}
	var toInt kernel
	if isInt(to.OID) {
		if toInt, err = castKernel(infoOf(via), to, true); err != nil {
			return nil, err
		}
	}
	want := jNumber
	if to.OID == sqltype.Bool {
		want = jBool
	}
	scalars := jsonRowKernel(arrow.BinaryTypes.String, 1, func(b array.Builder, docs []*jnode, _ []arrow.Array, _ int) error {
		d := docs[0]
		if d.kind != want {
			kind := jkindNames[d.kind]
			if d.kind == jNumber {
				kind = "numeric"
			}
			return sqlstate.Errorf(sqlstate.InvalidParameterValue, "cannot cast jsonb %s to type %s", kind, to)
		}
		b.(*array.StringBuilder).Append(d.text())
		return nil
	})
	return func(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
		texts, err := scalars(ec, args, n)
		if err != nil {
			return nil, err
		}
		defer texts.Release()
		v, err := fromText(ec, []arrow.Array{texts}, n)
		if err != nil || toInt == nil {
			return v, err
		}
		defer v.Release()
		return toInt(ec, []arrow.Array{v}, n)
	}, nil
}

// jsonbSubscript binds doc[k]: a field by text key, an element by integer
// index, as -> does.
func (b *binder) jsonbSubscript(base Expr, ind *pg.A_Indices, sc *scope, loc int32) (Expr, error) {
	idx, err := b.bindExpr(ind.Uidx, sc)
	if err != nil {
		return nil, err
	}
	return b.binary("->", base, idx, loc)
}
