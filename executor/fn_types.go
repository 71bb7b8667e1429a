package executor

// Type categories, PostgreSQL's cast contexts and select_common_type.

import (
	"github.com/apache/arrow/go/v17/arrow"

	"github.com/sharehouse/sharehouse/executor/sqlstate"
	"github.com/sharehouse/sharehouse/executor/sqltype"
)

// castContext is pg_cast.castcontext: where a cast may be applied without
// being written. Each context allows everything the ones before it allow.
type castContext int

const (
	castImplicit   castContext = iota // in expressions: int4 → int8 in int4 + int8
	castAssignment                    // storing into a column: int8 → int4, anything → text
	castExplicit                      // only as CAST(x AS t) or x::t
)

// category is pg_type.typcategory.
func category(o sqltype.OID) byte {
	switch o {
	case sqltype.Bool:
		return 'B'
	case sqltype.Int2, sqltype.Int4, sqltype.Int8, sqltype.Float4, sqltype.Float8, sqltype.Numeric,
		sqltype.Oid, sqltype.Regclass, sqltype.Regproc, sqltype.Regtype, sqltype.Regnamespace:
		return 'N'
	case sqltype.Text, sqltype.Varchar, sqltype.BPChar, sqltype.Name, sqltype.Char:
		return 'S'
	case sqltype.Date, sqltype.Time, sqltype.Timestamp, sqltype.Timestamptz:
		return 'D'
	case sqltype.Interval:
		return 'T'
	case sqltype.Unknown:
		return 'X'
	}
	return 'U'
}

// preferred is pg_type.typispreferred.
func preferred(o sqltype.OID) bool {
	switch o {
	case sqltype.Bool, sqltype.Float8, sqltype.Text, sqltype.Timestamptz, sqltype.Interval, sqltype.Oid:
		return true
	}
	return false
}

func isInt(o sqltype.OID) bool   { return o == sqltype.Int2 || o == sqltype.Int4 || o == sqltype.Int8 }
func isFloat(o sqltype.OID) bool { return o == sqltype.Float4 || o == sqltype.Float8 }
func isString(o sqltype.OID) bool {
	switch o {
	case sqltype.Text, sqltype.Varchar, sqltype.BPChar, sqltype.Name, sqltype.Char:
		return true
	}
	return false
}

// isNumberish is an int, numeric or float: the operand types of arithmetic.
func isNumberish(o sqltype.OID) bool { return isInt(o) || isFloat(o) || o == sqltype.Numeric }

// castContextOf returns the context in which pg_cast allows from → to
// (ok false: no cast at all). Same-type casts (typmod coercion) are implicit.
func castContextOf(from, to sqltype.OID) (castContext, bool) {
	if from == to || from == sqltype.Unknown {
		return castImplicit, true
	}
	switch from {
	case sqltype.Int2:
		switch to {
		case sqltype.Int4, sqltype.Int8, sqltype.Numeric, sqltype.Float4, sqltype.Float8, sqltype.Oid, sqltype.Regclass:
			return castImplicit, true
		}
	case sqltype.Int4:
		switch to {
		case sqltype.Int8, sqltype.Numeric, sqltype.Float4, sqltype.Float8, sqltype.Oid, sqltype.Regclass:
			return castImplicit, true
		case sqltype.Int2:
			return castAssignment, true
		case sqltype.Bool, sqltype.Char:
			return castExplicit, true
		}
	case sqltype.Int8:
		switch to {
		case sqltype.Numeric, sqltype.Float4, sqltype.Float8, sqltype.Oid, sqltype.Regclass:
			return castImplicit, true
		case sqltype.Int2, sqltype.Int4:
			return castAssignment, true
		}
	case sqltype.Numeric:
		switch to {
		case sqltype.Float4, sqltype.Float8:
			return castImplicit, true
		case sqltype.Int2, sqltype.Int4, sqltype.Int8:
			return castAssignment, true
		}
	case sqltype.Float4:
		switch to {
		case sqltype.Float8:
			return castImplicit, true
		case sqltype.Int2, sqltype.Int4, sqltype.Int8, sqltype.Numeric:
			return castAssignment, true
		}
	case sqltype.Float8:
		switch to {
		case sqltype.Int2, sqltype.Int4, sqltype.Int8, sqltype.Numeric, sqltype.Float4:
			return castAssignment, true
		}
	case sqltype.Bool:
		if to == sqltype.Int4 {
			return castExplicit, true
		}
	case sqltype.Oid, sqltype.Regclass, sqltype.Regproc, sqltype.Regtype, sqltype.Regnamespace:
		switch to {
		case sqltype.Oid, sqltype.Regclass, sqltype.Regproc, sqltype.Regtype, sqltype.Regnamespace:
			return castImplicit, true
		case sqltype.Int8:
			return castAssignment, true
		case sqltype.Int4:
			return castAssignment, true
		}
	case sqltype.Text, sqltype.Varchar, sqltype.BPChar, sqltype.Name, sqltype.Char:
		if isString(to) {
			if from == sqltype.Char || to == sqltype.Char {
				return castAssignment, true
			}
			return castImplicit, true
		}
		if to == sqltype.Regclass {
			return castImplicit, true
		}
		// Anything else from text goes through the input function.
		if sqltype.Known(to) && to != sqltype.Unknown {
			return castExplicit, true
		}
	case sqltype.Date:
		switch to {
		case sqltype.Timestamp, sqltype.Timestamptz:
			return castImplicit, true
		}
	case sqltype.Timestamp:
		switch to {
		case sqltype.Timestamptz:
			return castImplicit, true
		case sqltype.Date, sqltype.Time:
			return castAssignment, true
		}
	case sqltype.Timestamptz:
		switch to {
		case sqltype.Timestamp, sqltype.Date, sqltype.Time:
			return castAssignment, true
		}
	case sqltype.Time:
		if to == sqltype.Interval {
			return castImplicit, true
		}
	case sqltype.Interval:
		if to == sqltype.Time {
			return castAssignment, true
		}
	case sqltype.JSON, sqltype.JSONB:
		if to == sqltype.JSON || to == sqltype.JSONB {
			return castAssignment, true
		}
		if from == sqltype.JSONB && jsonbScalarTarget(to) {
			return castExplicit, true
		}
	}
	// Output functions make every type castable to the string types; PostgreSQL
	// treats these automatic I/O casts as assignment casts.
	if isString(to) && sqltype.Known(from) {
		return castAssignment, true
	}
	return 0, false
}

// canCoerce reports whether a value of type from may become type to in ctx.
func canCoerce(from, to sqltype.OID, ctx castContext) bool {
	c, ok := castContextOf(from, to)
	return ok && c <= ctx
}

// commonType is PostgreSQL's select_common_type for CASE, COALESCE, IN,
// UNION and VALUES (context names the construct in errors). All-unknown
// inputs give unknown; the binder turns that into text.
func commonType(args []argInfo, context string) (argInfo, error) {
	if len(args) == 0 {
		return infoOf(sqltype.TextT), nil
	}
	// Identical inputs keep their type, modifier and representation.
	same := true
	for _, a := range args[1:] {
		if a.T != args[0].T || !arrow.TypeEqual(a.DT, args[0].DT) {
			same = false
			break
		}
	}
	if same {
		return args[0], nil
	}
	var p *argInfo
	for i := range args {
		a := &args[i]
		if a.T.OID == sqltype.Unknown {
			continue
		}
		if p == nil {
			p = a
			continue
		}
		if a.T.OID == p.T.OID {
			continue
		}
		pc, nc := category(p.T.OID), category(a.T.OID)
		if pc != nc {
			return argInfo{}, sqlstate.Errorf(sqlstate.DatatypeMismatch, "%s types %s and %s cannot be matched", context, baseName(p.T), baseName(a.T))
		}
		if !preferred(p.T.OID) && canCoerce(p.T.OID, a.T.OID, castImplicit) && !canCoerce(a.T.OID, p.T.OID, castImplicit) {
			p = a
		}
	}
	if p == nil {
		return infoOf(sqltype.UnknownT), nil
	}
	t := sqltype.T{OID: p.T.OID, Typmod: -1}
	// The modifier survives only if every typed input has the same one.
	mod := p.T.Typmod
	for _, a := range args {
		if a.T.OID == sqltype.Unknown {
			continue
		}
		if a.T.OID != p.T.OID || a.T.Typmod != mod {
			mod = -1
		}
		if !canCoerce(a.T.OID, p.T.OID, castImplicit) {
			return argInfo{}, sqlstate.Errorf(sqlstate.DatatypeMismatch, "%s could not convert type %s to %s", context, baseName(a.T), baseName(p.T))
		}
	}
	t.Typmod = mod
	// The representation survives only if every input has it already: the
	// binder casts the rest to t, and a cast gives t's default representation.
	for _, a := range args {
		if a.T != t || !arrow.TypeEqual(a.DT, args[0].DT) {
			return infoOf(t), nil
		}
	}
	return argInfo{T: t, DT: args[0].DT}, nil
}

// baseName is the type's name without modifier, as PostgreSQL's errors
// from select_common_type print it.
func baseName(t sqltype.T) string {
	return sqltype.T{OID: t.OID, Typmod: -1}.String()
}

// isOidFamily: oid and the reg* types, which share one representation.
func isOidFamily(o sqltype.OID) bool {
	switch o {
	case sqltype.Oid, sqltype.Regclass, sqltype.Regproc, sqltype.Regtype, sqltype.Regnamespace:
		return true
	}
	return false
}
