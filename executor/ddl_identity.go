package executor

import (
	"strconv"
	"strings"

	"github.com/apache/arrow/go/v17/arrow/array"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/sharehouse/sharehouse/catalog"
	"github.com/sharehouse/sharehouse/executor/sqlstate"
	"github.com/sharehouse/sharehouse/executor/sqltype"
)

// serial and identity columns: each gets a sequence of its own, owned by
// the column, named <table>_<column>_seq as PostgreSQL names it. A serial
// column is an integer NOT NULL DEFAULT nextval('…_seq'::regclass); an
// identity column keeps no default text but draws from its sequence when
// no value is given (GENERATED ALWAYS refuses given values, 428C9).

// autoSeq is a column that needs a sequence once its table exists.
type autoSeq struct {
	col      string
	identity string // "a", "d"; "" for serial
	opts     []*pg.Node
}

var serialTypes = map[string]string{
	"serial": "int4", "serial4": "int4", "bigserial": "int8", "serial8": "int8",
	"smallserial": "int2", "serial2": "int2",
}

// autoColumn rewrites a serial column definition to its integer type and
// takes an identity clause out of cd; nil for an ordinary column.
func (x *execution) autoColumn(cd *pg.ColumnDef, table string) (*autoSeq, error) {
	var auto *autoSeq
	if tn := cd.TypeName; tn != nil && len(tn.Names) == 1 && len(tn.ArrayBounds) == 0 {
		if base, ok := serialTypes[tn.Names[0].GetString_().GetSval()]; ok {
			tn.Names = []*pg.Node{pg.MakeStrNode("pg_catalog"), pg.MakeStrNode(base)}
			auto = &autoSeq{col: cd.Colname}
		}
	}
	hasDefault := cd.RawDefault != nil
	var keep []*pg.Node
	for _, n := range cd.Constraints {
		c := n.GetConstraint()
		switch {
		case c.Contype == pg.ConstrType_CONSTR_DEFAULT:
			hasDefault = true
		case c.Contype == pg.ConstrType_CONSTR_IDENTITY:
			if auto != nil {
				return nil, sqlstate.Errorf(sqlstate.SyntaxError, "multiple identity specifications for column %q of table %q", cd.Colname, table)
			}
			auto = &autoSeq{col: cd.Colname, identity: c.GeneratedWhen, opts: c.Options}
			continue
		}
		keep = append(keep, n)
	}
	if auto == nil {
		return nil, nil
	}
	if hasDefault {
		if auto.identity != "" {
			return nil, sqlstate.Errorf(sqlstate.SyntaxError, "both default and identity specified for column %q of table %q", cd.Colname, table)
		}
		return nil, sqlstate.Errorf(sqlstate.SyntaxError, "multiple default values specified for column %q of table %q", cd.Colname, table)
	}
	cd.Constraints = keep
	cd.IsNotNull = true
	if auto.identity != "" {
		t, err := resolveTypeName(cd.TypeName)
		if err != nil {
			return nil, err
		}
		if t.OID != sqltype.Int2 && t.OID != sqltype.Int4 && t.OID != sqltype.Int8 {
			return nil, sqlstate.Errorf(sqlstate.InvalidParameterValue, "identity column type must be smallint, integer, or bigint")
		}
	}
	return auto, nil
}

// makeObjectName is PostgreSQL's name1_name2_label, the names cut to fit
// 63 bytes (the longer one first).
func makeObjectName(name1, name2, label string) string {
	avail := 63 - len(label) - 1
	if name2 != "" {
		avail--
	}
	n1, n2 := len(name1), len(name2)
	for n1+n2 > avail {
		if n1 > n2 {
			n1--
		} else {
			n2--
		}
	}
	out := name1[:n1]
	if name2 != "" {
		out += "_" + name2[:n2]
	}
	return out + "_" + label
}

// createColumnSequences creates the sequences of table ref's serial and
// identity columns and ties each column to its sequence.
func (x *execution) createColumnSequences(tx *catalog.Tx, ref catalog.TableRef, autos []autoSeq) (catalog.Table, error) {
	t, err := tx.Table(ref)
	if err != nil {
		return t, err
	}
	var done []catalog.Column // the columns, tied to their sequences
	for _, a := range autos {
		c, _, ok := t.Column(a.col)
		if !ok {
			continue
		}
		if err := x.ownedSequence(tx, ref, t.ID, &c, a); err != nil {
			return t, err
		}
		done = append(done, c)
	}
	return tx.AlterTable(ref, func(tb *catalog.Table) error {
		for _, c := range done {
			for i := range tb.Columns {
				if tb.Columns[i].ID == c.ID {
					tb.Columns[i] = c
				}
			}
		}
		return nil
	})
}

// ownedSequence creates the sequence of column c of table id (in ref's
// schema) and sets c's default (serial) or identity to use it.
func (x *execution) ownedSequence(tx *catalog.Tx, ref catalog.TableRef, id catalog.TableID, c *catalog.Column, a autoSeq) error {
	q := catalog.Sequence{Type: c.Type.OID}
	ch, err := applySeqOptions(&q, a.opts, true)
	if err != nil {
		return err
	}
	seqRef := catalog.TableRef{Database: ref.Database, Schema: ref.Schema}
	if len(ch.name) > 0 {
		seqRef.Name = ch.name[len(ch.name)-1]
	} else {
		for i := 0; ; i++ { // the first free name, as PostgreSQL chooses it
			label := "seq"
			if i > 0 {
				label += strconv.Itoa(i)
			}
			seqRef.Name = makeObjectName(ref.Name, c.Name, label)
			if _, err := tx.Sequence(seqRef); err != nil {
				if _, err := tx.Table(seqRef); err != nil {
					break
				}
			}
		}
	}
	q.OwnedBy = &catalog.SequenceOwner{Table: id, Column: c.ID, Identity: a.identity != ""}
	if q, err = tx.CreateSequence(seqRef, q); err != nil {
		return err
	}
	if a.identity == "" {
		c.Default = "nextval(" + quoteLiteral(x.seqRegclassName(tx, seqRef)) + "::regclass)"
		return nil
	}
	c.Default, c.Identity, c.IdentitySeq = "", a.identity, q.ID
	return nil
}

// alterIdentity runs ALTER TABLE … ALTER COLUMN … ADD GENERATED … AS
// IDENTITY, SET GENERATED / sequence options, and DROP IDENTITY on tbl.
func (x *execution) alterIdentity(tx *catalog.Tx, ref catalog.TableRef, tbl *catalog.Table, cmd *pg.AlterTableCmd) error {
	_, i, ok := tbl.Column(cmd.Name)
	if !ok {
		return sqlstate.Errorf(sqlstate.UndefinedColumn, "column %q of relation %q does not exist", cmd.Name, tbl.Name)
	}
	c := &tbl.Columns[i]
	prereq := func(format string) error {
		return sqlstate.Errorf(sqlstate.ObjectNotInPrerequisiteState, format, c.Name, tbl.Name)
	}
	switch cmd.Subtype {
	case pg.AlterTableType_AT_AddIdentity:
		con := cmd.Def.GetConstraint()
		switch sqltype.OID(c.Type.OID) {
		case sqltype.Int2, sqltype.Int4, sqltype.Int8:
		default:
			return sqlstate.Errorf(sqlstate.InvalidParameterValue, "identity column type must be smallint, integer, or bigint")
		}
		switch {
		case c.Identity != "":
			return prereq("column %q of relation %q is already an identity column")
		case c.Default != "":
			return prereq("column %q of relation %q already has a default value")
		case !c.NotNull:
			return prereq("column %q of relation %q must be declared NOT NULL before identity can be added")
		}
		return x.ownedSequence(tx, ref, tbl.ID, c, autoSeq{col: c.Name, identity: con.GeneratedWhen, opts: con.Options})
	case pg.AlterTableType_AT_DropIdentity:
		if c.Identity == "" {
			if cmd.MissingOk {
				return nil
			}
			return prereq("column %q of relation %q is not an identity column")
		}
		seq := c.IdentitySeq
		c.Identity, c.IdentitySeq = "", 0
		return tx.DropOwnedSequence(seq)
	}
	// SET GENERATED … and sequence options.
	if c.Identity == "" {
		return prereq("column %q of relation %q is not an identity column")
	}
	var opts []*pg.Node
	for _, o := range cmd.Def.GetList().GetItems() {
		if d := o.GetDefElem(); d != nil && d.Defname == "generated" {
			c.Identity = string(rune(d.Arg.GetInteger().GetIval()))
			continue
		}
		opts = append(opts, o)
	}
	if len(opts) == 0 {
		return nil
	}
	q, err := tx.SequenceByID(c.IdentitySeq)
	if err != nil {
		return err
	}
	var restart *int64
	_, err = tx.AlterSequence(catalog.TableRef{Database: ref.Database, Schema: ref.Schema, Name: q.Name}, func(q *catalog.Sequence) error {
		ch, err := applySeqOptions(q, opts, false)
		restart = ch.restart
		return err
	}, nil)
	if err == nil && restart != nil {
		_, err = tx.AlterSequence(catalog.TableRef{Database: ref.Database, Schema: ref.Schema, Name: q.Name}, func(*catalog.Sequence) error { return nil }, restart)
	}
	return err
}

// seqRegclassName is how a serial default names its sequence: bare when
// its schema is the first existing one on the search path, else qualified.
func (x *execution) seqRegclassName(tx *catalog.Tx, ref catalog.TableRef) string {
	if ref.Database == x.s.db {
		for _, s := range x.searchPath() {
			if _, err := tx.Schema(ref.Database, s); err == nil {
				if s == ref.Schema {
					return quoteIdent(ref.Name)
				}
				break
			}
		}
	}
	return quoteIdent(ref.Schema) + "." + quoteIdent(ref.Name)
}

func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// identityDefault is what an identity column gets when no value is given:
// the next value of its sequence.
func (x *execution) identityDefault(col catalog.Column) (Expr, error) {
	b := &binder{x: x}
	bb := array.NewUint32Builder(defaultMem)
	defer bb.Release()
	bb.Append(uint32(col.IdentitySeq))
	oid := &constExpr{t: tRegclass, value: bb.NewArray(), text: strconv.FormatUint(uint64(col.IdentitySeq), 10)}
	e, _, err := b.bindSequenceFunc("nextval", []Expr{oid}, 0)
	if err != nil {
		return nil, err
	}
	return b.assign(e, columnType(col), 0)
}

// identityInsert applies GENERATED ALWAYS and OVERRIDING to an INSERT:
// a value given for an ALWAYS column is 428C9 unless OVERRIDING SYSTEM
// VALUE; with OVERRIDING USER VALUE given values are replaced by the
// sequence's.
func (x *execution) identityInsert(w *tableWriter, targets []int, ins *pg.InsertStmt) error {
	var values [][]*pg.Node
	if sel := ins.SelectStmt.GetSelectStmt(); sel != nil {
		for _, l := range sel.ValuesLists {
			values = append(values, l.GetList().Items)
		}
	}
	for k, ci := range targets {
		col := w.t.Columns[ci]
		if col.Identity == "" {
			continue
		}
		switch ins.Override {
		case pg.OverridingKind_OVERRIDING_SYSTEM_VALUE:
			continue
		case pg.OverridingKind_OVERRIDING_USER_VALUE:
			e, err := x.identityDefault(col)
			if err != nil {
				return err
			}
			w.exprs[ci] = e
			continue
		}
		if col.Identity != "a" {
			continue
		}
		allDefault := len(values) > 0
		for _, row := range values {
			if k < len(row) && row[k].GetSetToDefault() == nil {
				allDefault = false
			}
		}
		if !allDefault {
			return sqlstate.Errorf(sqlstate.GeneratedAlways, "cannot insert a non-DEFAULT value into column %q", col.Name).
				WithDetail("Column %q is an identity column defined as GENERATED ALWAYS.", col.Name).
				WithHint("Use OVERRIDING SYSTEM VALUE to override.")
		}
	}
	return nil
}

// identityUpdate refuses UPDATE … SET of a GENERATED ALWAYS column to
// anything but DEFAULT.
func identityUpdate(col catalog.Column, val *pg.Node) error {
	if col.Identity != "a" || val.GetSetToDefault() != nil {
		return nil
	}
	return sqlstate.Errorf(sqlstate.GeneratedAlways, "column %q can only be updated to DEFAULT", col.Name).
		WithDetail("Column %q is an identity column defined as GENERATED ALWAYS.", col.Name)
}
