package executor

import (
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/sharehouse/sharehouse/executor/sqlstate"
	"github.com/sharehouse/sharehouse/executor/sqltype"
)

// The json set-returning functions: json[b]_object_keys,
// json[b]_array_elements[_text] and json[b]_each[_text], in the select
// list (one column, or a record of key and value) and in FROM (their
// columns). json keeps its documents' order and duplicate keys; jsonb's
// keys come in jsonb's order.

type jsonRowsFunc = func(d *jnode, extra []arrow.Array, i int) ([][]*string, error)

// jsonSRFDef is one json set-returning function.
type jsonSRFDef struct {
	doc  sqltype.T             // the document parameter's type
	cols []sqltype.RecordField // the output columns
	// outNamed: the columns have their own names in FROM (OUT parameters);
	// otherwise the one column takes the function's or the alias's name.
	outNamed bool
	// extra are the types of the arguments after the document, the first
	// minExtra of them required.
	extra    []sqltype.T
	minExtra int
	// rows are the function's rows for document d and row i of the
	// further arguments.
	rows jsonRowsFunc
	// rowsFor makes rows for the columns of a definition list (coldefs).
	rowsFor func(cols []sqltype.RecordField) jsonRowsFunc
	// decoders read the text rows give for the columns not held as text
	// (json_to_record's typed columns); nil for text columns.
	decoders []sqltype.Decoder
	// coldefs: the columns come from the call's column definition list.
	coldefs bool
	// nullRow: a NULL document is one row of NULLs (json_to_record is
	// not strict), not none.
	nullRow bool
}

// scalarRow: the function returns a base type under an OUT parameter's
// name, so in FROM its relation's name names the value too
// (FROM jsonb_array_elements_text(tags) t … SELECT t).
func (d jsonSRFDef) scalarRow(rf *pg.RangeFunction) bool {
	return d.outNamed && len(d.cols) == 1 && !d.coldefs && !rf.Ordinality
}

// appendCol appends row value s of column j.
func (d jsonSRFDef) appendCol(b array.Builder, j int, s *string) error {
	if s == nil || j >= len(d.decoders) || d.decoders[j] == nil {
		appendOptString(b, s)
		return nil
	}
	return d.decoders[j](b, []byte(*s))
}

var jsonSRFNames = []string{"jsonb_path_query", "json_to_record", "jsonb_to_record", "json_to_recordset", "jsonb_to_recordset", "json_object_keys", "jsonb_object_keys", "json_array_elements", "jsonb_array_elements",
	"json_array_elements_text", "jsonb_array_elements_text", "json_each", "jsonb_each", "json_each_text", "jsonb_each_text"}

func jsonSRF(name string) (jsonSRFDef, bool) {
	doc := sqltype.T{OID: sqltype.JSON, Typmod: -1}
	if strings.HasPrefix(name, "jsonb") {
		doc.OID = sqltype.JSONB
	}
	val := doc
	if strings.HasSuffix(name, "_text") {
		val = sqltype.TextT
	}
	def := jsonSRFDef{doc: doc, outNamed: true}
	if name == "jsonb_path_query" {
		return jsonPathQuerySRF(), true
	}
	if strings.HasSuffix(name, "_to_record") || strings.HasSuffix(name, "_to_recordset") {
		return jsonToRecordSRF(name, doc), true
	}
	switch strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(name, "jsonb_"), "json_"), "_text") {
	case "object_keys":
		def.cols, def.outNamed = []sqltype.RecordField{{Name: name, T: sqltype.TextT}}, false
		def.rows = func(d *jnode, _ []arrow.Array, _ int) ([][]*string, error) {
			if d.kind != jObject {
				return nil, sqlstate.Errorf(sqlstate.InvalidParameterValue, "cannot call %s on %s", name, anKind(d))
			}
			out := make([][]*string, len(d.keys))
			for i := range d.keys {
				out[i] = []*string{&d.keys[i]}
			}
			return out, nil
		}
	case "array_elements":
		def.cols = []sqltype.RecordField{{Name: "value", T: val}}
		def.rows = func(d *jnode, _ []arrow.Array, _ int) ([][]*string, error) {
			if d.kind != jArray {
				what := "a scalar"
				if d.kind == jObject {
					what = "an object"
				}
				return nil, sqlstate.Errorf(sqlstate.InvalidParameterValue, "cannot extract elements from %s", what)
			}
			out := make([][]*string, len(d.vals))
			for i, v := range d.vals {
				out[i] = []*string{srfValue(v, val)}
			}
			return out, nil
		}
	case "each":
		def.cols = []sqltype.RecordField{{Name: "key", T: sqltype.TextT}, {Name: "value", T: val}}
		def.rows = func(d *jnode, _ []arrow.Array, _ int) ([][]*string, error) {
			if d.kind != jObject {
				return nil, sqlstate.Errorf(sqlstate.InvalidParameterValue, "cannot deconstruct %s as an object", anKind(d))
			}
			out := make([][]*string, len(d.keys))
			for i := range d.keys {
				out[i] = []*string{&d.keys[i], srfValue(d.vals[i], val)}
			}
			return out, nil
		}
	default:
		return jsonSRFDef{}, false
	}
	return def, true
}

// anKind names a non-object document in the functions' errors.
func anKind(d *jnode) string {
	switch d.kind {
	case jArray:
		return "an array"
	}
	return "a scalar"
}

// srfValue is an element as the column of type t holds it: the
// document's text, or for text the unquoted string (null as NULL).
func srfValue(v *jnode, t sqltype.T) *string {
	if t.OID != sqltype.Text {
		s := v.text()
		return &s
	}
	s, ok := v.scalarText()
	if !ok {
		return nil
	}
	return &s
}

// rowType is the select list's type of the call: its one column, or a
// record of them.
func (d jsonSRFDef) rowType() (sqltype.T, arrow.DataType) {
	if len(d.cols) == 1 {
		return d.cols[0].T, d.cols[0].T.Arrow()
	}
	return sqltype.RecordT, sqltype.RecordOf(d.cols)
}

// rowsAt is the function's rows for row i of its evaluated arguments
// (none when any is NULL: the functions are strict, but see nullRow).
func (d jsonSRFDef) rowsAt(args []arrow.Array, i int) ([][]*string, error) {
	for _, a := range args {
		if a.IsNull(i) {
			if d.nullRow {
				return [][]*string{make([]*string, len(d.cols))}, nil
			}
			return nil, nil
		}
	}
	doc, err := parseJSON(args[0].(*array.String).Value(i))
	if err != nil {
		return nil, err
	}
	return d.rows(doc, args[1:], i)
}

// bindArgs checks the argument count and casts the arguments to the
// parameter types.
func (d jsonSRFDef) bindArgs(name string, args []Expr, loc int32, cast func(Expr, sqltype.T) (Expr, error)) ([]Expr, error) {
	if len(args) < 1+d.minExtra || len(args) > 1+len(d.extra) {
		return nil, sqlstate.Errorf(sqlstate.UndefinedFunction, "function %s with %d arguments does not exist", name, len(args)).WithPosition(loc + 1)
	}
	out := make([]Expr, len(args))
	for i, a := range args {
		t := d.doc
		if i > 0 {
			t = d.extra[i-1]
		}
		c, err := cast(a, t)
		if err != nil {
			return nil, err
		}
		out[i] = c
	}
	return out, nil
}

// gen is the select-list generator.
func (d jsonSRFDef) gen(_ *evalContext, args []arrow.Array, i int, b array.Builder) (int, error) {
	rows, err := d.rowsAt(args, i)
	if err != nil {
		return 0, err
	}
	for _, r := range rows {
		if len(d.cols) == 1 {
			appendOptString(b, r[0])
			continue
		}
		sb := b.(*array.StructBuilder)
		sb.Append(true)
		for j, v := range r {
			if err := d.appendCol(sb.FieldBuilder(j), j, v); err != nil {
				return 0, err
			}
		}
	}
	return len(rows), nil
}

func appendOptString(b array.Builder, s *string) {
	if s == nil {
		b.AppendNull()
		return
	}
	b.(*array.StringBuilder).Append(*s)
}

// bindJSONSRFCall binds a json set-returning call of the select list.
func (b *binder) bindJSONSRFCall(call *srfCall, loc int32) (bool, error) {
	def, ok := jsonSRF(call.name)
	if !ok {
		return false, nil
	}
	if def.coldefs {
		return true, sqlstate.Errorf(sqlstate.SyntaxError, "a column definition list is required for functions returning \"record\"").WithPosition(loc + 1)
	}
	args, err := def.bindArgs(call.name, call.args, loc, func(e Expr, t sqltype.T) (Expr, error) { return b.cast(e, t, false, loc) })
	if err != nil {
		return true, err
	}
	call.args = args
	call.t, call.dt = def.rowType()
	call.gen = def.gen
	return true, nil
}

// jsonFuncRelation is a json set-returning function in FROM, evaluated
// once, with its ordinality column when asked for.
func (q *queryBinder) jsonFuncRelation(rf *pg.RangeFunction, name string, args []Expr, loc int32) (*relation, bool, error) {
	def, ok := jsonSRF(name)
	if !ok {
		return nil, false, nil
	}
	def, err := def.withColumns(rf, q.x.evalContext().format)
	if err != nil {
		return nil, true, err
	}
	args, err = def.bindArgs(name, args, loc, func(e Expr, t sqltype.T) (Expr, error) { return q.cast(e, t, false, loc) })
	if err != nil {
		return nil, true, err
	}
	rel, fields := jsonFromFields(rf, name, def)
	cols := make([]*scopeColumn, len(fields))
	ocols := make([]opColumn, len(fields))
	for i, f := range fields {
		cols[i] = &scopeColumn{rel: rel, name: f.Name, t: f.T, dt: f.T.Arrow(), used: true, scalarRow: i == 0 && def.scalarRow(rf)}
		ocols[i] = opColumn{name: f.Name, t: f.T, dt: f.T.Arrow()}
	}
	var rec arrow.Record
	if !q.x.describeOnly {
		if rec, err = q.jsonFuncRecord(def, args, ocols); err != nil {
			return nil, true, err
		}
	}
	return &relation{cols: cols, build: func() operator {
		for i, c := range cols {
			c.idx = i
		}
		if rec != nil {
			rec.Retain()
		}
		return &valuesOp{cols: ocols, rec: rec}
	}}, true, nil
}

// jsonFuncRecord evaluates a json set-returning function's rows.
func (q *queryBinder) jsonFuncRecord(def jsonSRFDef, args []Expr, ocols []opColumn) (arrow.Record, error) {
	vals := make([]arrow.Array, len(args))
	for i, a := range args {
		v, err := q.evalOnce(a)
		if err != nil {
			releaseArrays(vals[:i])
			return nil, err
		}
		vals[i] = v
	}
	defer releaseArrays(vals)
	rows, err := def.rowsAt(vals, 0)
	if err != nil {
		return nil, err
	}
	arrs := make([]arrow.Array, len(ocols))
	for j := range ocols {
		b := array.NewBuilder(defaultMem, ocols[j].dt)
		for k, r := range rows {
			if j < len(def.cols) {
				if err := def.appendCol(b, j, r[j]); err != nil {
					b.Release()
					releaseArrays(arrs[:j])
					return nil, err
				}
			} else {
				b.(*array.Int64Builder).Append(int64(k + 1))
			}
		}
		arrs[j] = b.NewArray()
		b.Release()
	}
	rec := array.NewRecord(schemaOf(ocols), arrs, int64(len(rows)))
	for _, a := range arrs {
		a.Release()
	}
	return rec, nil
}

// lateralFunction binds a function in FROM that reads the columns of the
// items before it (PostgreSQL's functions in FROM are implicitly LATERAL)
// as LATERAL (SELECT * FROM f(…)) under the function's name.
func (q *queryBinder) lateralFunction(left *relation, rf *pg.RangeFunction) (*relation, error) {
	if r, ok, err := q.lateralJSONFunction(left, rf); ok || err != nil {
		return r, err
	}
	inner := &pg.RangeFunction{Ordinality: rf.Ordinality, IsRowsfrom: rf.IsRowsfrom, Functions: rf.Functions, Alias: rf.Alias, Coldeflist: rf.Coldeflist}
	alias := rf.Alias
	if alias == nil {
		name := "unnamed"
		if fc := rf.Functions[0].GetList().GetItems()[0].GetFuncCall(); fc != nil {
			name = funcName(fc)
		}
		alias = &pg.Alias{Aliasname: name}
	}
	sel := &pg.SelectStmt{
		Op:          pg.SetOperation_SETOP_NONE,
		LimitOption: pg.LimitOption_LIMIT_OPTION_DEFAULT,
		TargetList:  []*pg.Node{pg.MakeResTargetNodeWithVal(pg.MakeColumnRefNode([]*pg.Node{pg.MakeAStarNode()}, 0), 0)},
		FromClause:  []*pg.Node{{Node: &pg.Node_RangeFunction{RangeFunction: inner}}},
	}
	rs := &pg.RangeSubselect{Lateral: true, Subquery: &pg.Node{Node: &pg.Node_SelectStmt{SelectStmt: sel}}, Alias: alias}
	return q.bindLateral(left, rs)
}

// The select list knows the json set-returning functions by name.
func init() {
	for _, n := range jsonSRFNames {
		setReturning[n] = true
	}
}

// readsLeft reports whether function rf in FROM, whose binding on its own
// failed with err, is to be bound LATERAL: it says so, or it names
// columns or tables it cannot see alone.
func readsLeft(rf *pg.RangeFunction, err error) bool {
	code := sqlstate.CodeOf(err)
	return rf.Lateral || code == sqlstate.UndefinedColumn || code == sqlstate.UndefinedTable
}
