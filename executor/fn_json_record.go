package executor

import (
	"github.com/apache/arrow/go/v17/arrow"
	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/sharehouse/sharehouse/executor/sqlstate"
	"github.com/sharehouse/sharehouse/executor/sqltype"
)

// json[b]_to_record(doc) AS x(a int, b text) and json[b]_to_recordset:
// an object's fields (an array of objects' fields, a row each) as the
// columns the definition list names, read by the columns' input
// functions; a missing field or a JSON null is NULL.

func jsonToRecordSRF(name string, doc sqltype.T) jsonSRFDef {
	set := len(name) > 3 && name[len(name)-3:] == "set"
	return jsonSRFDef{doc: doc, outNamed: true, coldefs: true, nullRow: !set, rowsFor: func(cols []sqltype.RecordField) jsonRowsFunc {
		return recordRows(name, set, cols)
	}}
}

// recordRows reads the columns cols of an object, or of each object of
// an array (set).
func recordRows(name string, set bool, cols []sqltype.RecordField) jsonRowsFunc {
	return func(d *jnode, _ []arrow.Array, _ int) ([][]*string, error) {
		objs := []*jnode{d}
		if set {
			if d.kind != jArray {
				return nil, sqlstate.Errorf(sqlstate.InvalidParameterValue, "cannot call %s on a non-array", name)
			}
			objs = d.vals
		}
		out := make([][]*string, 0, len(objs))
		for _, o := range objs {
			if o.kind != jObject {
				if set {
					return nil, sqlstate.Errorf(sqlstate.InvalidParameterValue, "argument of %s must be an array of objects", name)
				}
				return nil, sqlstate.Errorf(sqlstate.InvalidParameterValue, "cannot call %s on %s", name, anKind(o))
			}
			row := make([]*string, len(cols))
			for j, c := range cols {
				v, ok := o.field(c.Name)
				if !ok || v.kind == jNull && !isJSONType(c.T.OID) {
					continue
				}
				s := v.text()
				if !isJSONType(c.T.OID) && v.kind == jString {
					s = v.str
				}
				row[j] = &s
			}
			out = append(out, row)
		}
		return out, nil
	}
}

// withColumns gives a function whose columns a definition list names
// those columns, with the decoders of the ones not held as text; the
// others refuse a definition list.
func (d jsonSRFDef) withColumns(rf *pg.RangeFunction, format sqltype.Format) (jsonSRFDef, error) {
	if !d.coldefs {
		if len(rf.Coldeflist) > 0 {
			return d, sqlstate.Errorf(sqlstate.SyntaxError, "a column definition list is only allowed for functions returning \"record\"")
		}
		return d, nil
	}
	if len(rf.Coldeflist) == 0 {
		return d, sqlstate.Errorf(sqlstate.SyntaxError, "a column definition list is required for functions returning \"record\"")
	}
	d.cols = nil
	for _, n := range rf.Coldeflist {
		cd := n.GetColumnDef()
		if cd == nil {
			return d, notSupported("this column definition list is not supported")
		}
		t, err := resolveTypeName(cd.TypeName)
		if err != nil {
			return d, err
		}
		var dec sqltype.Decoder
		if t.Arrow().ID() != arrow.STRING || !isString(t.OID) {
			if dec, err = sqltype.TextDecoder(t, t.Arrow(), format); err != nil {
				return d, err
			}
		}
		d.cols = append(d.cols, sqltype.RecordField{Name: cd.Colname, T: t})
		d.decoders = append(d.decoders, dec)
	}
	d.rows = d.rowsFor(d.cols)
	return d, nil
}
