package executor

import (
	"math"
	"slices"
	"strconv"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/sharehouse/sharehouse/catalog"
	"github.com/sharehouse/sharehouse/executor/sqlstate"
	"github.com/sharehouse/sharehouse/executor/sqltype"
)

// CREATE/ALTER/DROP SEQUENCE and the sequences of serial and identity
// columns, with PostgreSQL 15's options, defaults and checks
// (sequence.c's init_params).

// seqRange is the range of a sequence type.
func seqRange(t uint32) (lo, hi int64) {
	switch sqltype.OID(t) {
	case sqltype.Int2:
		return math.MinInt16, math.MaxInt16
	case sqltype.Int4:
		return math.MinInt32, math.MaxInt32
	}
	return math.MinInt64, math.MaxInt64
}

// seqArgInt reads a numeric option argument.
func seqArgInt(d *pg.DefElem) (int64, error) {
	switch {
	case d.Arg.GetInteger() != nil:
		return int64(d.Arg.GetInteger().Ival), nil
	case d.Arg.GetFloat() != nil:
		v, err := strconv.ParseInt(d.Arg.GetFloat().Fval, 10, 64)
		if err != nil {
			return 0, sqlstate.Errorf(sqlstate.InvalidParameterValue, "%s requires an integer value", d.Defname)
		}
		return v, nil
	}
	return 0, sqlstate.Errorf(sqlstate.SyntaxError, "%s requires a numeric value", d.Defname)
}

// seqChange is what a list of sequence options asks for.
type seqChange struct {
	restart *int64
	ownedBy []string // OWNED BY's names; ["none"] for NONE
	owned   bool
	name    []string // identity's SEQUENCE NAME
}

// applySeqOptions applies options to q as CREATE (create) or ALTER
// SEQUENCE does, filling defaults and checking the result.
func applySeqOptions(q *catalog.Sequence, opts []*pg.Node, create bool) (seqChange, error) {
	var ch seqChange
	seen := map[string]bool{}
	var minGiven, maxGiven bool // MINVALUE/MAXVALUE or NO …
	var minArg, maxArg *int64
	oldType := q.Type
	var restart *int64
	restartDefault := false
	oldLo, oldHi := seqRange(q.Type)
	for _, o := range opts {
		d := o.GetDefElem()
		if d == nil {
			continue
		}
		if seen[d.Defname] {
			return ch, sqlstate.Errorf(sqlstate.SyntaxError, "conflicting or redundant options").WithPosition(d.Location + 1)
		}
		seen[d.Defname] = true
		switch d.Defname {
		case "as":
			t, err := resolveTypeName(d.Arg.GetTypeName())
			if err != nil {
				return ch, err
			}
			if t.OID != sqltype.Int2 && t.OID != sqltype.Int4 && t.OID != sqltype.Int8 {
				return ch, sqlstate.Errorf(sqlstate.InvalidParameterValue, "sequence type must be smallint, integer, or bigint")
			}
			q.Type = uint32(t.OID)
		case "increment":
			v, err := seqArgInt(d)
			if err != nil {
				return ch, err
			}
			if v == 0 {
				return ch, sqlstate.Errorf(sqlstate.InvalidParameterValue, "INCREMENT must not be zero")
			}
			q.Increment = v
		case "minvalue", "maxvalue":
			var arg *int64
			if d.Arg != nil {
				v, err := seqArgInt(d)
				if err != nil {
					return ch, err
				}
				arg = &v
			}
			if d.Defname == "minvalue" {
				minGiven, minArg = true, arg
			} else {
				maxGiven, maxArg = true, arg
			}
		case "start":
			v, err := seqArgInt(d)
			if err != nil {
				return ch, err
			}
			q.Start = v
		case "restart":
			if create {
				return ch, sqlstate.Errorf(sqlstate.SyntaxError, "RESTART option is not allowed in CREATE SEQUENCE")
			}
			if d.Arg == nil {
				restartDefault = true
				continue
			}
			v, err := seqArgInt(d)
			if err != nil {
				return ch, err
			}
			restart = &v
		case "cache":
			v, err := seqArgInt(d)
			if err != nil {
				return ch, err
			}
			if v <= 0 {
				return ch, sqlstate.Errorf(sqlstate.InvalidParameterValue, "CACHE (%d) must be greater than zero", v)
			}
			q.Cache = v
		case "cycle":
			q.Cycle = d.Arg.GetBoolean().GetBoolval()
		case "owned_by":
			ch.owned = true
			for _, it := range d.Arg.GetList().GetItems() {
				ch.ownedBy = append(ch.ownedBy, it.GetString_().GetSval())
			}
		case "sequence_name":
			for _, it := range d.Arg.GetList().GetItems() {
				ch.name = append(ch.name, it.GetString_().GetSval())
			}
		default:
			return ch, sqlstate.Errorf(sqlstate.SyntaxError, "option %q not recognized", d.Defname)
		}
	}
	if create && !seen["increment"] {
		q.Increment = 1
	}
	if create && !seen["cache"] {
		q.Cache = 1
	}
	lo, hi := seqRange(q.Type)
	// A bound left at its old type's limit follows a new type.
	resetMax := !create && q.Type != oldType && q.Max == oldHi
	resetMin := !create && q.Type != oldType && q.Min == oldLo
	switch {
	case maxArg != nil:
		q.Max = *maxArg
	case create || maxGiven || resetMax:
		q.Max = -1
		if q.Increment > 0 || resetMax {
			q.Max = hi
		}
	}
	switch {
	case minArg != nil:
		q.Min = *minArg
	case create || minGiven || resetMin:
		q.Min = 1
		if q.Increment < 0 || resetMin {
			q.Min = lo
		}
	}
	if q.Max < lo || q.Max > hi {
		return ch, sqlstate.Errorf(sqlstate.InvalidParameterValue, "MAXVALUE (%d) is out of range for sequence data type %s", q.Max, sqltype.T{OID: sqltype.OID(q.Type), Typmod: -1})
	}
	if q.Min < lo || q.Min > hi {
		return ch, sqlstate.Errorf(sqlstate.InvalidParameterValue, "MINVALUE (%d) is out of range for sequence data type %s", q.Min, sqltype.T{OID: sqltype.OID(q.Type), Typmod: -1})
	}
	if q.Min >= q.Max {
		return ch, sqlstate.Errorf(sqlstate.InvalidParameterValue, "MINVALUE (%d) must be less than MAXVALUE (%d)", q.Min, q.Max)
	}
	if create && !seen["start"] {
		if q.Increment > 0 {
			q.Start = q.Min
		} else {
			q.Start = q.Max
		}
	}
	if q.Start < q.Min {
		return ch, sqlstate.Errorf(sqlstate.InvalidParameterValue, "START value (%d) cannot be less than MINVALUE (%d)", q.Start, q.Min)
	}
	if q.Start > q.Max {
		return ch, sqlstate.Errorf(sqlstate.InvalidParameterValue, "START value (%d) cannot be greater than MAXVALUE (%d)", q.Start, q.Max)
	}
	if restartDefault {
		v := q.Start
		restart = &v
	}
	if restart != nil {
		if *restart < q.Min {
			return ch, sqlstate.Errorf(sqlstate.InvalidParameterValue, "RESTART value (%d) cannot be less than MINVALUE (%d)", *restart, q.Min)
		}
		if *restart > q.Max {
			return ch, sqlstate.Errorf(sqlstate.InvalidParameterValue, "RESTART value (%d) cannot be greater than MAXVALUE (%d)", *restart, q.Max)
		}
	}
	ch.restart = restart
	return ch, nil
}

// sequenceRef resolves a sequence's RangeVar like a table's.
func (x *execution) sequenceRef(tx *catalog.Tx, rv *pg.RangeVar) (catalog.TableRef, error) {
	if rv.Relpersistence == "t" { // CREATE TEMP SEQUENCE: in the session's temporary schema
		temp, err := x.tempRelation(tx, rv, pg.OnCommitAction_ONCOMMIT_NOOP)
		if err != nil {
			return catalog.TableRef{}, err
		}
		rv = temp
	}
	return x.tableRef(tx, rv)
}

// seqNotFound is PostgreSQL's error for a sequence that is not there.
func seqNotFound(err error, rv *pg.RangeVar) error {
	if catalog.IsNotFound(err) {
		if ce := err.(*catalog.Error); ce.Object == "schema" {
			return sqlstate.Errorf(sqlstate.InvalidSchemaName, "schema %q does not exist", rv.Schemaname)
		}
		return sqlstate.Errorf(sqlstate.UndefinedTable, "relation %q does not exist", rangeVarName(rv))
	}
	return err
}

// ownerOf resolves OWNED BY table.column, which must be in the sequence's
// schema; nil for NONE.
func (x *execution) ownerOf(tx *catalog.Tx, ref catalog.TableRef, names []string) (*catalog.SequenceOwner, error) {
	if len(names) == 1 && names[0] == "none" {
		return nil, nil
	}
	if len(names) < 2 {
		return nil, sqlstate.Errorf(sqlstate.SyntaxError, "invalid OWNED BY option").
			WithHint("Specify OWNED BY table.column or OWNED BY NONE.")
	}
	rv := &pg.RangeVar{Relname: names[len(names)-2]}
	if len(names) >= 3 {
		rv.Schemaname = names[len(names)-3]
	}
	t, tref, err := rangeVarRef(x, tx, rv)
	if err != nil {
		return nil, err
	}
	if tref.Database != ref.Database || tref.Schema != ref.Schema {
		return nil, sqlstate.Errorf(sqlstate.ObjectNotInPrerequisiteState, "sequence must be in same schema as table it is linked to")
	}
	c, _, ok := t.Column(names[len(names)-1])
	if !ok {
		return nil, sqlstate.Errorf(sqlstate.UndefinedColumn, "column %q of relation %q does not exist", names[len(names)-1], t.Name)
	}
	return &catalog.SequenceOwner{Table: t.ID, Column: c.ID}, nil
}

// createSequence runs CREATE SEQUENCE.
func (x *execution) createSequence(tx *catalog.Tx, cs *pg.CreateSeqStmt) ([]*sqlstate.Error, error) {
	ref, err := x.sequenceRef(tx, cs.Sequence)
	if err != nil {
		return nil, err
	}
	q := catalog.Sequence{Type: uint32(sqltype.Int8)}
	ch, err := applySeqOptions(&q, cs.Options, true)
	if err != nil {
		return nil, err
	}
	if ch.owned {
		if q.OwnedBy, err = x.ownerOf(tx, ref, ch.ownedBy); err != nil {
			return nil, err
		}
	}
	_, err = tx.CreateSequence(ref, q)
	if err != nil && cs.IfNotExists && isKind(err, catalog.Exists) {
		return []*sqlstate.Error{notice("relation %q already exists, skipping", ref.Name)}, nil
	}
	return nil, seqNotFound(err, cs.Sequence)
}

// alterSequence runs ALTER SEQUENCE.
func (x *execution) alterSequence(tx *catalog.Tx, as *pg.AlterSeqStmt) ([]*sqlstate.Error, error) {
	ref, err := x.sequenceRef(tx, as.Sequence)
	if err != nil {
		return nil, err
	}
	var restart *int64
	var ownedBy []string
	owned := false
	_, err = tx.AlterSequence(ref, func(q *catalog.Sequence) error {
		ch, err := applySeqOptions(q, as.Options, false)
		restart, ownedBy, owned = ch.restart, ch.ownedBy, ch.owned
		return err
	}, nil)
	if err == nil && (restart != nil || owned) {
		var owner *catalog.SequenceOwner
		if owned {
			if owner, err = x.ownerOf(tx, ref, ownedBy); err != nil {
				return nil, err
			}
		}
		_, err = tx.AlterSequence(ref, func(q *catalog.Sequence) error {
			if owned {
				q.OwnedBy = owner
			}
			return nil
		}, restart)
	}
	if catalog.IsNotFound(err) && as.MissingOk {
		return []*sqlstate.Error{notice("relation %q does not exist, skipping", rangeVarName(as.Sequence))}, nil
	}
	return nil, seqNotFound(err, as.Sequence)
}

// renameSequence runs ALTER SEQUENCE … RENAME TO.
func (x *execution) renameSequence(tx *catalog.Tx, r *pg.RenameStmt) error {
	ref, err := x.sequenceRef(tx, r.Relation)
	if err != nil {
		return err
	}
	_, err = tx.AlterSequence(ref, func(q *catalog.Sequence) error { q.Name = r.Newname; return nil }, nil)
	if catalog.IsNotFound(err) && r.MissingOk {
		return nil
	}
	return seqNotFound(err, r.Relation)
}

// dropSequence runs DROP SEQUENCE for one name. A serial column's
// sequence its default uses goes only with CASCADE, which drops the default.
func (x *execution) dropSequence(tx *catalog.Tx, names []string, d *pg.DropStmt) ([]*sqlstate.Error, error) {
	rv := &pg.RangeVar{Relname: names[len(names)-1]}
	if len(names) >= 2 {
		rv.Schemaname = names[len(names)-2]
	}
	if len(names) == 3 {
		rv.Catalogname = names[0]
	}
	ref, err := x.tableRef(tx, rv)
	if err != nil {
		return nil, err
	}
	_, err = tx.Sequence(ref)
	if catalog.IsNotFound(err) {
		if _, terr := tx.Table(ref); terr == nil {
			return nil, sqlstate.Errorf(sqlstate.WrongObjectType, "%q is not a sequence", ref.Name).
				WithHint("Use DROP TABLE to remove a table.")
		}
		if d.MissingOk {
			return []*sqlstate.Error{notice("sequence %q does not exist, skipping", rangeVarName(rv))}, nil
		}
		return nil, sqlstate.Errorf(sqlstate.UndefinedTable, "sequence %q does not exist", rangeVarName(rv))
	}
	if err != nil {
		return nil, err
	}
	var notices []*sqlstate.Error
	if err := x.dropSequenceDefaults(tx, ref, d.Behavior == pg.DropBehavior_DROP_CASCADE, &notices); err != nil {
		return nil, err
	}
	return notices, tx.DropSequence(ref)
}

// dropSequenceDefaults removes the column defaults that call nextval on
// sequence ref (a serial column's, or any written by hand); without
// cascade that is 2BP01, as in PostgreSQL.
func (x *execution) dropSequenceDefaults(tx *catalog.Tx, ref catalog.TableRef, cascade bool, notices *[]*sqlstate.Error) error {
	if ref.Database != x.s.db {
		return nil
	}
	g := newSysGen(x, tx, x.s.db)
	if err := g.load(); err != nil {
		return err
	}
	qualified := "'" + ref.Schema + "." + ref.Name + "'"
	for _, t := range g.tables {
		var cols []uint32
		for _, c := range t.Columns {
			if strings.Contains(c.Default, qualified) || t.schema.Name == ref.Schema && strings.Contains(c.Default, "'"+ref.Name+"'") {
				if !cascade {
					return sqlstate.Errorf(sqlstate.DependentObjectsStillExist, "cannot drop sequence %s because other objects depend on it", ref.Name).
						WithDetail("default value for column %s of table %s depends on sequence %s", c.Name, t.Name, ref.Name).
						WithHint("Use DROP ... CASCADE to drop the dependent objects too.")
				}
				*notices = append(*notices, notice("drop cascades to default value for column %s of table %s", c.Name, t.Name))
				cols = append(cols, c.ID)
			}
		}
		if len(cols) == 0 {
			continue
		}
		_, err := tx.AlterTable(catalog.TableRef{Database: x.s.db, Schema: t.schema.Name, Name: t.Name}, func(tb *catalog.Table) error {
			for i := range tb.Columns {
				if slices.Contains(cols, tb.Columns[i].ID) {
					tb.Columns[i].Default = ""
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}
