package executor

import (
	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"

	"github.com/sharehouse/sharehouse/executor/sqlstate"
	"github.com/sharehouse/sharehouse/executor/sqltype"
)

// jsonb_set_lax(target, path, new [, create_if_missing [,
// null_value_treatment]]): jsonb_set, but an SQL NULL new value is handled
// as the treatment says (use_json_null by default) instead of making the
// result NULL; a NULL target, path or create flag is still NULL.
func jsonbSetLaxFunctions() []overload {
	mk := func(ps ...sqltype.OID) overload {
		o := ov(ps, sqltype.T{OID: sqltype.JSONB, Typmod: -1}, setLaxKernel)
		o.nonStrict = true
		return o
	}
	return []overload{
		mk(sqltype.JSONB, sqltype.TextArray, sqltype.JSONB),
		mk(sqltype.JSONB, sqltype.TextArray, sqltype.JSONB, sqltype.Bool),
		mk(sqltype.JSONB, sqltype.TextArray, sqltype.JSONB, sqltype.Bool, sqltype.Text),
	}
}

func setLaxKernel(ec *evalContext, args []arrow.Array, n int) (arrow.Array, error) {
	b := array.NewStringBuilder(ec.mem)
	defer b.Release()
	for i := 0; i < n; i++ {
		out, err := setLaxRow(args, i)
		if err != nil {
			return nil, err
		}
		if out == nil {
			b.AppendNull()
			continue
		}
		b.Append(out.text())
	}
	return b.NewArray(), nil
}

// setLaxRow is one row's result; nil for NULL.
func setLaxRow(args []arrow.Array, i int) (*jnode, error) {
	if args[0].IsNull(i) || args[1].IsNull(i) || len(args) > 3 && args[3].IsNull(i) {
		return nil, nil
	}
	treatment := "use_json_null"
	if len(args) > 4 {
		if args[4].IsNull(i) {
			treatment = ""
		} else {
			treatment = args[4].(*array.String).Value(i)
		}
	}
	switch treatment {
	case "use_json_null", "delete_key", "return_target", "raise_exception":
	default:
		return nil, sqlstate.Errorf(sqlstate.InvalidParameterValue, "null_value_treatment must be \"delete_key\", \"return_target\", \"use_json_null\", or \"raise_exception\"")
	}
	target, err := parseJSON(args[0].(*array.String).Value(i))
	if err != nil {
		return nil, err
	}
	steps, err := textArrayAt(args[1], i)
	if err != nil {
		return nil, err
	}
	create := len(args) <= 3 || args[3].(*array.Boolean).Value(i)
	nv := &jnode{kind: jNull}
	if !args[2].IsNull(i) {
		if nv, err = parseJSON(args[2].(*array.String).Value(i)); err != nil {
			return nil, err
		}
	} else {
		switch treatment {
		case "raise_exception":
			return nil, sqlstate.Errorf(sqlstate.NullValueNotAllowed, "JSON value must not be null").
				WithDetail("Exception was raised because null_value_treatment is \"raise_exception\".").
				WithHint("To avoid, either change the null_value_treatment argument or ensure that an SQL NULL is not passed.")
		case "delete_key":
			return jsonbDeletePath(target, steps)
		case "return_target":
			return target, nil
		}
	}
	return jsonbSetPath(target, steps, nv, false, create)
}
