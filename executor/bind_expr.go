package executor

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/decimal128"
	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/sharehouse/sharehouse/executor/sqlstate"
	"github.com/sharehouse/sharehouse/executor/sqltype"
)

// This file binds pg_query expression trees to typed Exprs: names to
// columns, literals to constants, operators and functions to kernels.

// scopeColumn is a column visible to expressions: of a table, subquery or
// an operator's output.
type scopeColumn struct {
	rel      string // range name (table alias) that qualifies it
	name     string
	t        sqltype.T
	dt       arrow.DataType
	idx      int // position in the input batch
	tableOID uint32
	attnum   int16
	used     bool
	// hidden: merged away by JOIN … USING; only a qualified name reaches it.
	hidden bool
	// scalarRow: the one column of a function in FROM returning a base
	// type under its own column name (jsonb_array_elements' value): the
	// relation's name alone names it too, as its whole row.
	scalarRow bool
}

// scope is what a clause's expressions can see.
type scope struct {
	cols []*scopeColumn
	// parent is the enclosing query's scope, for a subquery: naming its
	// columns is a correlated reference, bound by outerRef.
	parent *scope
	// outerRef binds a reference to a parent column (given as bound in the
	// parent); nil where correlation is not supported.
	outerRef func(Expr) (Expr, error)
	// win collects window function calls where they are allowed (the
	// select list and ORDER BY).
	win *windowBinding
	// srf collects set-returning function calls where they are allowed
	// (the select list).
	srf *srfBinding
	// agg, when set, binds in an aggregate query's output: group
	// expressions and aggregate calls become references to its columns.
	agg *aggBinding
}

// resolve finds the column that fields (e.g. ["t","a"] or ["a"]) name.
func (sc *scope) resolve(fields []string, loc int32) (*scopeColumn, error) {
	var name, rel string
	switch len(fields) {
	case 1:
		name = fields[0]
	case 2:
		rel, name = fields[0], fields[1]
	default: // schema.table.column, db.schema.table.column: the table part qualifies
		rel, name = fields[len(fields)-2], fields[len(fields)-1]
	}
	var found *scopeColumn
	relSeen := false
	for _, c := range sc.cols {
		if rel != "" && c.rel != rel {
			continue
		}
		if rel == "" && c.hidden {
			continue
		}
		relSeen = relSeen || rel != ""
		if c.name != name {
			continue
		}
		if found != nil {
			return nil, sqlstate.Errorf(sqlstate.AmbiguousColumn, "column reference %q is ambiguous", strings.Join(fields, ".")).WithPosition(loc + 1)
		}
		found = c
	}
	if found == nil && rel == "" {
		for _, c := range sc.cols {
			if c.scalarRow && c.rel == name {
				found = c
				break
			}
		}
	}
	if found == nil {
		if rel != "" && !relSeen {
			return nil, sqlstate.Errorf(sqlstate.UndefinedTable, "missing FROM-clause entry for table %q", rel).WithPosition(loc + 1)
		}
		if rel != "" {
			return nil, sqlstate.Errorf(sqlstate.UndefinedColumn, "column %s.%s does not exist", rel, name).WithPosition(loc + 1)
		}
		return nil, sqlstate.Errorf(sqlstate.UndefinedColumn, "column %q does not exist", name).WithPosition(loc + 1)
	}
	found.used = true
	return found, nil
}

// lookup binds a column reference: in this scope, or, from a subquery, in
// the enclosing query's (a correlated reference).
func (sc *scope) lookup(fields []string, loc int32) (Expr, error) {
	c, err := sc.resolve(fields, loc)
	if err == nil {
		return &boundCol{c: c}, nil
	}
	if sc.parent != nil && (sqlstate.CodeOf(err) == sqlstate.UndefinedColumn || sqlstate.CodeOf(err) == sqlstate.UndefinedTable) {
		if pe, perr := sc.parent.lookup(fields, loc); perr == nil {
			if sc.outerRef == nil {
				return nil, notSupported("correlated subqueries are not supported here (column %q belongs to the outer query)", strings.Join(fields, "."))
			}
			return sc.outerRef(pe)
		}
	}
	return nil, err
}

// boundCol is a reference to a scope column; its batch position is read at
// evaluation time, so pruning unused columns can renumber after binding.
type boundCol struct{ c *scopeColumn }

func (b *boundCol) Type() sqltype.T          { return b.c.t }
func (b *boundCol) DataType() arrow.DataType { return b.c.dt }
func (b *boundCol) String() string {
	if b.c.rel != "" {
		return b.c.rel + "." + b.c.name
	}
	return b.c.name
}
func (b *boundCol) Eval(ec *evalContext, rec arrow.Record) (arrow.Array, error) {
	col := rec.Column(b.c.idx)
	col.Retain()
	return col, nil
}

// binder binds one statement's expressions.
type binder struct {
	x *execution
	// q binds subqueries; nil where a statement has no query context.
	q *queryBinder
}

func (b *binder) bindExpr(n *pg.Node, sc *scope) (Expr, error) {
	if n == nil {
		return nil, sqlstate.Errorf(sqlstate.SyntaxError, "missing expression")
	}
	leave, err := b.enter()
	if err != nil {
		return nil, err
	}
	defer leave()
	if sc.agg != nil {
		if e, ok, err := sc.agg.intercept(b, n, sc); ok || err != nil {
			return e, err
		}
	}
	switch {
	case n.GetAConst() != nil:
		return b.bindConst(n.GetAConst())
	case n.GetColumnRef() != nil:
		cr := n.GetColumnRef()
		fields, star := columnRefFields(cr)
		if star {
			return nil, sqlstate.Errorf(sqlstate.SyntaxError, "row expansion via \"*\" is not supported here").WithPosition(cr.Location + 1)
		}
		e, err := sc.lookup(fields, cr.Location)
		if bc, ok := e.(*boundCol); ok && len(fields) == 1 && bc.c.rel != "" && b.x != nil && b.x.colRefs != nil {
			b.x.colRefs(cr, bc.c.rel)
		}
		return e, err
	case n.GetParamRef() != nil:
		return b.x.bindParam(n.GetParamRef())
	case n.GetTypeCast() != nil:
		tc := n.GetTypeCast()
		t, err := resolveTypeName(tc.TypeName)
		if err != nil {
			return nil, err
		}
		arg, err := b.bindExpr(tc.Arg, sc)
		if err != nil {
			return nil, err
		}
		if e, ok, err := b.castCatalog(arg, t, tc.Location); ok || err != nil {
			return e, err
		}
		return b.cast(arg, t, true, tc.Location)
	case n.GetCollateClause() != nil:
		return b.bindCollate(n.GetCollateClause(), sc)
	case n.GetAExpr() != nil:
		return b.bindAExpr(n.GetAExpr(), sc)
	case n.GetBoolExpr() != nil:
		be := n.GetBoolExpr()
		args := make([]Expr, len(be.Args))
		for i, a := range be.Args {
			e, err := b.bindExpr(a, sc)
			if err != nil {
				return nil, err
			}
			if e, err = b.coerceBool(e, boolOpName(be.Boolop)); err != nil {
				return nil, err
			}
			args[i] = e
		}
		switch be.Boolop {
		case pg.BoolExprType_AND_EXPR:
			return &logicExpr{op: "AND", args: args}, nil
		case pg.BoolExprType_OR_EXPR:
			return &logicExpr{op: "OR", args: args}, nil
		default:
			return &logicExpr{op: "NOT", args: args}, nil
		}
	case n.GetNullTest() != nil:
		nt := n.GetNullTest()
		arg, err := b.bindExpr(nt.Arg, sc)
		if err != nil {
			return nil, err
		}
		return &nullTestExpr{arg: arg, not: nt.Nulltesttype == pg.NullTestType_IS_NOT_NULL}, nil
	case n.GetBooleanTest() != nil:
		bt := n.GetBooleanTest()
		arg, err := b.bindExpr(bt.Arg, sc)
		if err != nil {
			return nil, err
		}
		if arg, err = b.coerceBool(arg, "IS TRUE"); err != nil {
			return nil, err
		}
		return &boolTestExpr{arg: arg, kind: bt.Booltesttype}, nil
	case n.GetFuncCall() != nil:
		return b.bindFuncCall(n.GetFuncCall(), sc)
	case n.GetCaseExpr() != nil:
		return b.bindCase(n.GetCaseExpr(), sc)
	case n.GetCoalesceExpr() != nil:
		ce := n.GetCoalesceExpr()
		args, err := b.bindCommon(ce.Args, sc, "COALESCE")
		if err != nil {
			return nil, err
		}
		return &coalesceExpr{args: args}, nil
	case n.GetMinMaxExpr() != nil:
		mm := n.GetMinMaxExpr()
		name := "GREATEST"
		if mm.Op == pg.MinMaxOp_IS_LEAST {
			name = "LEAST"
		}
		args, err := b.bindCommon(mm.Args, sc, name)
		if err != nil {
			return nil, err
		}
		return b.greatestLeast(name, args)
	case n.GetSqlvalueFunction() != nil:
		return b.bindSQLValueFunction(n.GetSqlvalueFunction())
	case n.GetSubLink() != nil:
		return b.bindSubLink(n.GetSubLink(), sc)
	case n.GetAIndirection() != nil:
		return b.bindIndirection(n.GetAIndirection(), sc)
	case n.GetAArrayExpr() != nil:
		return b.bindArrayExpr(n.GetAArrayExpr(), sc)
	}
	return nil, notSupported("expression %s is not supported yet", nodeKind(n))
}

func nodeKind(n *pg.Node) string {
	s := fmt.Sprintf("%T", n.GetNode())
	s = strings.TrimPrefix(s, "*pg_query.Node_")
	return s
}

func boolOpName(op pg.BoolExprType) string {
	switch op {
	case pg.BoolExprType_AND_EXPR:
		return "AND"
	case pg.BoolExprType_OR_EXPR:
		return "OR"
	}
	return "NOT"
}

// columnRefFields returns the names of a ColumnRef and whether it ends in *.
func columnRefFields(cr *pg.ColumnRef) ([]string, bool) {
	var out []string
	for _, f := range cr.Fields {
		if f.GetAStar() != nil {
			return out, true
		}
		out = append(out, f.GetString_().GetSval())
	}
	return out, false
}

// bindConst types a literal as PostgreSQL does: integers as int4 (int8,
// numeric when larger), decimals as numeric, strings as unknown.
func (b *binder) bindConst(c *pg.A_Const) (Expr, error) {
	if c.Isnull {
		return nullConst(sqltype.UnknownT), nil
	}
	switch v := c.Val.(type) {
	case *pg.A_Const_Ival:
		return int4Const(v.Ival.Ival), nil
	case *pg.A_Const_Fval:
		return numericLiteral(v.Fval.Fval)
	case *pg.A_Const_Boolval:
		// Like every constant, from the Go allocator: it lives as long as
		// the plan and nothing releases it.
		bb := array.NewBooleanBuilder(defaultMem)
		defer bb.Release()
		bb.Append(v.Boolval.Boolval)
		return &constExpr{t: sqltype.BoolT, value: bb.NewArray(), text: strconv.FormatBool(v.Boolval.Boolval)}, nil
	case *pg.A_Const_Sval:
		return stringConst(sqltype.UnknownT, v.Sval.Sval), nil
	case *pg.A_Const_Bsval:
		return nil, notSupported("bit string literals are not supported")
	}
	return nil, notSupported("constant %T", c.Val)
}

func int4Const(v int32) *constExpr {
	bb := array.NewInt32Builder(defaultMem)
	defer bb.Release()
	bb.Append(v)
	return &constExpr{t: sqltype.Int4T, value: bb.NewArray(), text: strconv.Itoa(int(v))}
}

func int8Const(v int64) *constExpr {
	bb := array.NewInt64Builder(defaultMem)
	defer bb.Release()
	bb.Append(v)
	return &constExpr{t: sqltype.Int8T, value: bb.NewArray(), text: strconv.FormatInt(v, 10)}
}

func stringConst(t sqltype.T, s string) *constExpr {
	bb := array.NewStringBuilder(defaultMem)
	defer bb.Release()
	bb.Append(s)
	return &constExpr{t: t, value: bb.NewArray(), text: "'" + strings.ReplaceAll(s, "'", "''") + "'"}
}

func nullConst(t sqltype.T) *constExpr {
	bb := array.NewBuilder(defaultMem, t.Arrow())
	defer bb.Release()
	bb.AppendNull()
	return &constExpr{t: t, value: bb.NewArray(), text: "NULL"}
}

// numericLiteral types a literal that did not fit int4: int8 when it is an
// integer that fits, else numeric with the literal's own scale.
func numericLiteral(s string) (Expr, error) {
	if !strings.ContainsAny(s, ".eE") {
		if v, err := strconv.ParseInt(s, 10, 64); err == nil {
			if v >= math.MinInt32 && v <= math.MaxInt32 {
				return int4Const(int32(v)), nil
			}
			return int8Const(v), nil
		}
	}
	scale := 0
	if i := strings.IndexByte(s, '.'); i >= 0 && !strings.ContainsAny(s, "eE") {
		scale = len(s) - i - 1
	}
	if strings.ContainsAny(s, "eE") || len(strings.ReplaceAll(s, ".", "")) > sqltype.MaxNumericPrecision {
		// Held as canonical text: exact, any scale.
		return stringConst(sqltype.NumericT, canonicalNumeric(s)), nil
	}
	n, err := decimal128.FromString(s, sqltype.MaxNumericPrecision, int32(scale))
	if err != nil {
		return nil, sqlstate.Errorf(sqlstate.InvalidTextRepresentation, "invalid input syntax for type numeric: %q", s)
	}
	dt := &arrow.Decimal128Type{Precision: sqltype.MaxNumericPrecision, Scale: int32(scale)}
	bb := array.NewDecimal128Builder(defaultMem, dt)
	defer bb.Release()
	bb.Append(n)
	return &constExpr{t: sqltype.NumericT, value: bb.NewArray(), text: s}, nil
}

// canonicalNumeric writes an exponent-form literal in plain digits.
func canonicalNumeric(s string) string {
	f, _, err := bigFloatParse(s)
	if err != nil {
		return s
	}
	return f
}

func (b *binder) bindAExpr(a *pg.A_Expr, sc *scope) (Expr, error) {
	op := ""
	if len(a.Name) > 0 {
		op = a.Name[len(a.Name)-1].GetString_().GetSval()
	}
	switch a.Kind {
	case pg.A_Expr_Kind_AEXPR_OP:
		if a.Lexpr == nil {
			arg, err := b.bindExpr(a.Rexpr, sc)
			if err != nil {
				return nil, err
			}
			if op == "-" {
				if c, ok := arg.(*constExpr); ok && c.t == sqltype.Int4T && !c.isNull() {
					// -2147483648 must stay an int4 literal.
					return int4Const(-c.value.(*array.Int32).Value(0)), nil
				}
			}
			return b.unary(op, arg, a.Location)
		}
		l, r, err := b.bindPair(a, sc)
		if err != nil {
			return nil, err
		}
		return b.binary(op, l, r, a.Location)
	case pg.A_Expr_Kind_AEXPR_LIKE, pg.A_Expr_Kind_AEXPR_ILIKE:
		l, r, err := b.bindPair(a, sc)
		if err != nil {
			return nil, err
		}
		return b.binary(op, l, r, a.Location)
	case pg.A_Expr_Kind_AEXPR_SIMILAR:
		// The grammar has made the pattern similar_to_escape(p [, e]) and
		// the operator ~ or !~, as PostgreSQL evaluates SIMILAR TO.
		l, r, err := b.bindPair(a, sc)
		if err != nil {
			return nil, err
		}
		return b.binary(op, l, r, a.Location)
	case pg.A_Expr_Kind_AEXPR_IN:
		l, err := b.bindExpr(a.Lexpr, sc)
		if err != nil {
			return nil, err
		}
		list := a.Rexpr.GetList()
		if list == nil {
			return nil, notSupported("IN with a subquery is not supported yet")
		}
		items := make([]Expr, len(list.Items))
		for i, item := range list.Items {
			if items[i], err = b.bindExpr(item, sc); err != nil {
				return nil, err
			}
		}
		if in, ok := b.hashedInList(l, items); ok {
			if op == "<>" {
				return &logicExpr{op: "NOT", args: []Expr{in}}, nil
			}
			return in, nil
		}
		var terms []Expr
		cmp := "="
		if op == "<>" {
			cmp = "<>"
		}
		for _, r := range items {
			t, err := b.binary(cmp, l, r, a.Location)
			if err != nil {
				return nil, err
			}
			terms = append(terms, t)
		}
		if cmp == "=" {
			return &logicExpr{op: "OR", args: terms}, nil
		}
		return &logicExpr{op: "AND", args: terms}, nil
	case pg.A_Expr_Kind_AEXPR_BETWEEN, pg.A_Expr_Kind_AEXPR_NOT_BETWEEN:
		x, err := b.bindExpr(a.Lexpr, sc)
		if err != nil {
			return nil, err
		}
		bounds := a.Rexpr.GetList().GetItems()
		lo, err := b.bindExpr(bounds[0], sc)
		if err != nil {
			return nil, err
		}
		hi, err := b.bindExpr(bounds[1], sc)
		if err != nil {
			return nil, err
		}
		ge, err := b.binary(">=", x, lo, a.Location)
		if err != nil {
			return nil, err
		}
		le, err := b.binary("<=", x, hi, a.Location)
		if err != nil {
			return nil, err
		}
		e := Expr(&logicExpr{op: "AND", args: []Expr{ge, le}})
		if a.Kind == pg.A_Expr_Kind_AEXPR_NOT_BETWEEN {
			e = &logicExpr{op: "NOT", args: []Expr{e}}
		}
		return e, nil
	case pg.A_Expr_Kind_AEXPR_NULLIF:
		l, r, err := b.bindPair(a, sc)
		if err != nil {
			return nil, err
		}
		eq, err := b.binary("=", l, r, a.Location)
		if err != nil {
			return nil, err
		}
		return b.nullIf(eq, l, a.Location)
	case pg.A_Expr_Kind_AEXPR_DISTINCT, pg.A_Expr_Kind_AEXPR_NOT_DISTINCT:
		l, r, err := b.bindPair(a, sc)
		if err != nil {
			return nil, err
		}
		eq, err := b.binary("=", l, r, a.Location)
		if err != nil {
			return nil, err
		}
		return &distinctExpr{eq: eq, l: l, r: r, not: a.Kind == pg.A_Expr_Kind_AEXPR_NOT_DISTINCT}, nil
	case pg.A_Expr_Kind_AEXPR_OP_ANY, pg.A_Expr_Kind_AEXPR_OP_ALL:
		return b.bindAnyAll(a, op, sc)
	}
	return nil, notSupported("operator kind %s is not supported yet", a.Kind)
}

// bindPair binds both operands of a binary expression.
func (b *binder) bindPair(a *pg.A_Expr, sc *scope) (Expr, Expr, error) {
	l, err := b.bindExpr(a.Lexpr, sc)
	if err != nil {
		return nil, nil, err
	}
	r, err := b.bindExpr(a.Rexpr, sc)
	return l, r, err
}

// nullIf is NULLIF(l, r) given eq = (l = r): CASE WHEN eq THEN NULL ELSE l END.
// As in PostgreSQL the result is l as the = operator took it, promoted to
// the comparison's type (NULLIF(int, numeric) is numeric).
func (b *binder) nullIf(eq, l Expr, loc int32) (Expr, error) {
	if f, ok := eq.(*funcExpr); ok && len(f.args) == 2 {
		if both, err := b.unify([]Expr{f.args[0], f.args[1]}, "NULLIF"); err == nil {
			l = both[0]
		}
	}
	if l.Type().OID == sqltype.Unknown {
		var err error
		if l, err = b.cast(l, sqltype.TextT, false, loc); err != nil {
			return nil, err
		}
	}
	null := &constExpr{t: l.Type(), value: nullArray(l.DataType()), text: "NULL"}
	return &caseExpr{whens: []Expr{eq}, thens: []Expr{null}, els: l, t: l.Type(), dt: l.DataType()}, nil
}

func nullArray(dt arrow.DataType) arrow.Array {
	bb := array.NewBuilder(defaultMem, dt)
	defer bb.Release()
	bb.AppendNull()
	return bb.NewArray()
}

func argOf(e Expr) argInfo { return argInfo{T: e.Type(), DT: e.DataType()} }

// binary resolves a binary operator and coerces both sides to its types.
func (b *binder) binary(op string, l, r Expr, loc int32) (Expr, error) {
	if op == "!=" {
		op = "<>"
	}
	// An untyped parameter takes the other side's type, as in PostgreSQL
	// (the key or path type a json operator takes).
	r = b.x.inferJSONOperand(op, l, r)
	l, r = b.x.inferFromPeer(l, r), b.x.inferFromPeer(r, l)
	impl, err := resolveOperator(op, argOf(l), argOf(r))
	if err != nil {
		return nil, withPosition(err, loc)
	}
	return b.apply(impl, []Expr{l, r}, loc)
}

func (b *binder) unary(op string, arg Expr, loc int32) (Expr, error) {
	impl, err := resolveUnaryOperator(op, argOf(arg))
	if err != nil {
		return nil, withPosition(err, loc)
	}
	return b.apply(impl, []Expr{arg}, loc)
}

// apply coerces args to impl's argument types and builds the call.
func (b *binder) apply(impl funcImpl, args []Expr, loc int32) (Expr, error) {
	for i := range args {
		if i < len(impl.Args) {
			want := impl.Args[i]
			if args[i].Type() != want.T || !arrow.TypeEqual(args[i].DataType(), want.DT) {
				c, err := b.cast(args[i], want.T, false, loc)
				if err != nil {
					return nil, err
				}
				args[i] = c
			}
		}
	}
	// A strict call with a NULL constant argument is NULL, whatever the
	// other arguments are: PostgreSQL simplifies it so, without evaluating
	// them (x/0 <> NULL is NULL, not a division by zero).
	if !impl.NonStrict && !impl.Volatile {
		for _, a := range args {
			if c, ok := a.(*constExpr); ok && c.isNull() {
				return &constExpr{t: impl.Result.T, value: nullArray(impl.Result.DT), text: "NULL"}, nil
			}
		}
	}
	e := &funcExpr{impl: impl, args: args}
	return b.fold(e)
}

// fold evaluates a call of constants once, at bind time.
func (b *binder) fold(e *funcExpr) (Expr, error) {
	if e.impl.Volatile {
		return e, nil
	}
	for _, a := range e.args {
		if _, ok := a.(*constExpr); !ok {
			return e, nil
		}
	}
	one := oneRowRecord()
	defer one.Release()
	// Constants live as long as the plan and are never released: they
	// come from the Go allocator, not the query's accounted one.
	ec := *b.x.evalContext()
	ec.mem = defaultMem
	arr, err := e.Eval(&ec, one)
	if err != nil {
		return nil, err
	}
	return &constExpr{t: e.Type(), value: arr, text: e.String()}, nil
}

// cast converts e to t. A constant of unknown type is parsed from its text.
func (b *binder) cast(e Expr, t sqltype.T, explicit bool, loc int32) (Expr, error) {
	if p, ok := e.(*paramExpr); ok && p.t.OID == sqltype.Unknown {
		return b.x.typeParam(p, t), nil
	}
	if e.Type() == t && arrow.TypeEqual(e.DataType(), t.Arrow()) {
		return e, nil
	}
	impl, err := resolveCast(argOf(e), t, explicit)
	if err != nil {
		return nil, withPosition(err, loc)
	}
	fe := &funcExpr{impl: impl, args: []Expr{e}, cast: true}
	return b.fold(fe)
}

// assign converts e to a column's type t with assignment rules (INSERT,
// UPDATE, COPY): narrowing allowed, too-long strings an error.
func (b *binder) assign(e Expr, t sqltype.T, loc int32) (Expr, error) {
	if p, ok := e.(*paramExpr); ok && p.t.OID == sqltype.Unknown {
		return b.x.typeParam(p, t), nil
	}
	if e.Type() == t && arrow.TypeEqual(e.DataType(), t.Arrow()) {
		return e, nil
	}
	impl, err := resolveAssignmentCast(argOf(e), t)
	if err != nil {
		return nil, withPosition(err, loc)
	}
	return b.fold(&funcExpr{impl: impl, args: []Expr{e}, cast: true})
}

func (b *binder) coerceBool(e Expr, ctx string) (Expr, error) {
	switch e.Type().OID {
	case sqltype.Bool:
		return e, nil
	case sqltype.Unknown:
		return b.cast(e, sqltype.BoolT, false, 0)
	}
	return nil, sqlstate.Errorf(sqlstate.DatatypeMismatch, "argument of %s must be type boolean, not type %s", ctx, e.Type())
}

// bindCommon binds args and casts them to their common type.
func (b *binder) bindCommon(nodes []*pg.Node, sc *scope, ctx string) ([]Expr, error) {
	args := make([]Expr, len(nodes))
	for i, n := range nodes {
		e, err := b.bindExpr(n, sc)
		if err != nil {
			return nil, err
		}
		args[i] = e
	}
	return b.unify(args, ctx)
}

func (b *binder) unify(args []Expr, ctx string) ([]Expr, error) {
	infos := make([]argInfo, len(args))
	for i, a := range args {
		infos[i] = argOf(a)
	}
	common, err := commonType(infos, ctx)
	if err != nil {
		return nil, err
	}
	if common.T.OID == sqltype.Unknown {
		common = argInfo{T: sqltype.TextT, DT: sqltype.TextT.Arrow()}
	}
	for i, a := range args {
		if a.Type() != common.T || !arrow.TypeEqual(a.DataType(), common.DT) {
			c, err := b.cast(a, common.T, false, 0)
			if err != nil {
				return nil, err
			}
			args[i] = c
		}
	}
	return args, nil
}

func (b *binder) greatestLeast(name string, args []Expr) (Expr, error) {
	op := ">"
	if name == "LEAST" {
		op = "<"
	}
	impl, err := resolveOperator(op, argOf(args[0]), argOf(args[0]))
	if err != nil {
		return nil, err
	}
	return &greatestExpr{name: name, cmp: impl, args: args}, nil
}

func (b *binder) bindCase(ce *pg.CaseExpr, sc *scope) (Expr, error) {
	var operand Expr
	if ce.Arg != nil {
		var err error
		if operand, err = b.bindExpr(ce.Arg, sc); err != nil {
			return nil, err
		}
	}
	out := &caseExpr{}
	var results []Expr
	for _, w := range ce.Args {
		cw := w.GetCaseWhen()
		cond, err := b.bindExpr(cw.Expr, sc)
		if err != nil {
			return nil, err
		}
		if operand != nil {
			if cond, err = b.binary("=", operand, cond, cw.Location); err != nil {
				return nil, err
			}
		} else if cond, err = b.coerceBool(cond, "CASE/WHEN"); err != nil {
			return nil, err
		}
		res, err := b.bindExpr(cw.Result, sc)
		if err != nil {
			return nil, err
		}
		out.whens = append(out.whens, cond)
		results = append(results, res)
	}
	if ce.Defresult != nil {
		res, err := b.bindExpr(ce.Defresult, sc)
		if err != nil {
			return nil, err
		}
		results = append(results, res)
	} else {
		results = append(results, nullConst(sqltype.UnknownT))
	}
	results, err := b.unify(results, "CASE")
	if err != nil {
		return nil, err
	}
	out.thens = results[:len(results)-1]
	out.els = results[len(results)-1]
	out.t, out.dt = out.els.Type(), out.els.DataType()
	return out, nil
}

func (b *binder) bindSQLValueFunction(f *pg.SQLValueFunction) (Expr, error) {
	switch f.Op {
	case pg.SQLValueFunctionOp_SVFOP_CURRENT_DATE:
		return b.callFunction("current_date", nil, f.Location)
	case pg.SQLValueFunctionOp_SVFOP_CURRENT_TIMESTAMP, pg.SQLValueFunctionOp_SVFOP_CURRENT_TIMESTAMP_N,
		pg.SQLValueFunctionOp_SVFOP_LOCALTIMESTAMP, pg.SQLValueFunctionOp_SVFOP_LOCALTIMESTAMP_N:
		e, err := b.callFunction("now", nil, f.Location)
		if err != nil {
			return nil, err
		}
		if f.Op == pg.SQLValueFunctionOp_SVFOP_LOCALTIMESTAMP || f.Op == pg.SQLValueFunctionOp_SVFOP_LOCALTIMESTAMP_N {
			return b.cast(e, sqltype.TimestampT, true, f.Location)
		}
		return e, nil
	case pg.SQLValueFunctionOp_SVFOP_CURRENT_USER, pg.SQLValueFunctionOp_SVFOP_USER,
		pg.SQLValueFunctionOp_SVFOP_SESSION_USER, pg.SQLValueFunctionOp_SVFOP_CURRENT_ROLE:
		return stringConst(sqltype.NameT, b.x.s.who.Name), nil
	case pg.SQLValueFunctionOp_SVFOP_CURRENT_CATALOG:
		return stringConst(sqltype.NameT, b.x.s.db), nil
	case pg.SQLValueFunctionOp_SVFOP_CURRENT_SCHEMA:
		return b.currentSchema()
	}
	return nil, notSupported("%s is not supported yet", f.Op)
}

// withPosition adds a statement position to an error that has none.
func withPosition(err error, loc int32) error {
	if se, ok := err.(*sqlstate.Error); ok && se.Position == 0 && loc >= 0 {
		cp := *se
		cp.Position = loc + 1
		return &cp
	}
	return err
}

// resolveTypeName maps a TypeName (int4, varchar(10), numeric(12,2) …) to a type.
func resolveTypeName(tn *pg.TypeName) (sqltype.T, error) {
	var names []string
	for _, n := range tn.Names {
		names = append(names, n.GetString_().GetSval())
	}
	name := names[len(names)-1]
	if len(tn.ArrayBounds) > 0 {
		return arrayTypeByName(name, tn.Location)
	}
	var mods []int32
	for _, m := range tn.Typmods {
		c := m.GetAConst()
		if c == nil || c.GetIval() == nil {
			return sqltype.T{}, sqlstate.Errorf(sqlstate.SyntaxError, "type modifiers must be simple constants")
		}
		mods = append(mods, c.GetIval().Ival)
	}
	t, err := typeByName(name, mods)
	if err != nil {
		return sqltype.T{}, withPosition(err, tn.Location)
	}
	return t, nil
}

func typeByName(name string, mods []int32) (sqltype.T, error) {
	base := map[string]sqltype.T{
		"bool": sqltype.BoolT, "boolean": sqltype.BoolT,
		"int2": sqltype.Int2T, "smallint": sqltype.Int2T,
		"int4": sqltype.Int4T, "int": sqltype.Int4T, "integer": sqltype.Int4T,
		"int8": sqltype.Int8T, "bigint": sqltype.Int8T,
		"float4": sqltype.Float4T, "real": sqltype.Float4T,
		"float8": sqltype.Float8T, "double precision": sqltype.Float8T,
		"text": sqltype.TextT, "name": sqltype.NameT,
		"bytea": sqltype.ByteaT, "uuid": sqltype.UUIDT, "date": sqltype.DateT,
		"time": sqltype.TimeT, "timestamp": sqltype.TimestampT, "timestamptz": sqltype.TimestamptzT,
		"interval": sqltype.IntervalT, "oid": sqltype.OidT,
		"regclass": {OID: sqltype.Regclass, Typmod: -1}, "regtype": {OID: sqltype.Regtype, Typmod: -1},
		"regproc": {OID: sqltype.Regproc, Typmod: -1}, "regnamespace": {OID: sqltype.Regnamespace, Typmod: -1},
		"int2vector": {OID: sqltype.Int2Vector, Typmod: -1}, "oidvector": {OID: sqltype.OidVector, Typmod: -1},
		"json": {OID: sqltype.JSON, Typmod: -1}, "jsonb": {OID: sqltype.JSONB, Typmod: -1},
	}
	switch name {
	case "numeric", "decimal":
		switch len(mods) {
		case 0:
			return sqltype.NumericT, nil
		case 1, 2:
			p, s := int(mods[0]), 0
			if len(mods) == 2 {
				s = int(mods[1])
			}
			if p < 1 || p > 1000 {
				return sqltype.T{}, sqlstate.Errorf(sqlstate.InvalidParameterValue, "NUMERIC precision %d must be between 1 and 1000", p)
			}
			if s < 0 || s > p {
				return sqltype.T{}, sqlstate.Errorf(sqlstate.InvalidParameterValue, "NUMERIC scale %d must be between 0 and precision %d", s, p)
			}
			if p > sqltype.MaxNumericPrecision {
				return sqltype.NumericT, nil // beyond Decimal128: kept exact as text
			}
			return sqltype.NumericOf(p, s), nil
		}
		return sqltype.T{}, sqlstate.Errorf(sqlstate.SyntaxError, "invalid NUMERIC type modifier")
	case "varchar", "bpchar", "char", "character", "character varying":
		t := sqltype.VarcharT
		if name == "bpchar" || name == "char" || name == "character" {
			t = sqltype.BPCharT
			if len(mods) == 0 && name != "bpchar" {
				return sqltype.BPCharOf(1), nil
			}
		}
		if len(mods) == 1 {
			if mods[0] < 1 {
				return sqltype.T{}, sqlstate.Errorf(sqlstate.InvalidParameterValue, "length for type %s must be at least 1", name)
			}
			t.Typmod = mods[0] + 4
		}
		return t, nil
	case "float":
		if len(mods) == 1 && mods[0] <= 24 {
			return sqltype.Float4T, nil
		}
		return sqltype.Float8T, nil
	case "timestamp", "timestamptz", "time":
		t := base[name]
		if len(mods) == 1 {
			t.Typmod = mods[0]
		}
		return t, nil
	}
	if t, ok := base[name]; ok {
		return t, nil
	}
	return sqltype.T{}, sqlstate.Errorf(sqlstate.UndefinedObject, "type %q does not exist", name)
}
