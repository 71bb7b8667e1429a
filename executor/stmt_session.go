package executor

import (
	"strconv"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/sharehouse/sharehouse/executor/sqlstate"
	"github.com/sharehouse/sharehouse/executor/sqltype"
)

// runTransaction handles BEGIN, COMMIT, ROLLBACK and their spellings.
func (x *execution) runTransaction(ts *pg.TransactionStmt) (Result, error) {
	s := x.s
	switch ts.Kind {
	case pg.TransactionStmtKind_TRANS_STMT_BEGIN, pg.TransactionStmtKind_TRANS_STMT_START:
		if s.inBlock {
			return Result{Tag: "BEGIN", Notices: []*sqlstate.Error{warning(sqlstate.ActiveSQLTransaction, "there is already a transaction in progress")}}, nil
		}
		s.inBlock, s.failed = true, false
		s.savepoints, s.writes = nil, 0
		s.resetDeferral()
		return Result{Tag: "BEGIN"}, nil
	case pg.TransactionStmtKind_TRANS_STMT_COMMIT:
		if !s.inBlock {
			return Result{Tag: "COMMIT", Notices: []*sqlstate.Error{warning(sqlstate.NoActiveSQLTransaction, "there is no transaction in progress")}}, nil
		}
		failed := s.failed
		s.inBlock, s.failed = false, false
		if failed {
			s.endTx(false)
			return Result{Tag: "ROLLBACK"}, nil
		}
		if err := x.runDeferred(nil); err != nil {
			s.endTx(false) // a deferred constraint fails the COMMIT
			return Result{}, err
		}
		if err := s.endTx(true); err != nil {
			return Result{}, err
		}
		return Result{Tag: "COMMIT"}, nil
	case pg.TransactionStmtKind_TRANS_STMT_ROLLBACK:
		if !s.inBlock {
			return Result{Tag: "ROLLBACK", Notices: []*sqlstate.Error{warning(sqlstate.NoActiveSQLTransaction, "there is no transaction in progress")}}, nil
		}
		s.inBlock, s.failed = false, false
		s.endTx(false)
		return Result{Tag: "ROLLBACK"}, nil
	case pg.TransactionStmtKind_TRANS_STMT_SAVEPOINT, pg.TransactionStmtKind_TRANS_STMT_RELEASE,
		pg.TransactionStmtKind_TRANS_STMT_ROLLBACK_TO:
		return s.savepoint(ts.Kind, ts.SavepointName)
	}
	return Result{}, notSupported("two-phase commit is not supported")
}

// savepoint is one SAVEPOINT of a block: its name and how many writing
// statements the block had run when it was taken.
type savepoint struct {
	name   string
	writes int
}

// savepoint runs SAVEPOINT, RELEASE and ROLLBACK TO. A block's writes go
// to one catalog transaction that cannot be partly undone, so ROLLBACK TO
// works when no statement wrote since the savepoint (it then ends a
// failed state, as drivers' statement-level rollback expects: psqlODBC
// wraps each statement of a transaction in one) and is refused otherwise.
func (s *Session) savepoint(kind pg.TransactionStmtKind, name string) (Result, error) {
	verb := map[pg.TransactionStmtKind]string{pg.TransactionStmtKind_TRANS_STMT_SAVEPOINT: "SAVEPOINT",
		pg.TransactionStmtKind_TRANS_STMT_RELEASE: "RELEASE SAVEPOINT", pg.TransactionStmtKind_TRANS_STMT_ROLLBACK_TO: "ROLLBACK TO SAVEPOINT"}[kind]
	if !s.inBlock {
		return Result{}, sqlstate.Errorf(sqlstate.NoActiveSQLTransaction, "%s can only be used in transaction blocks", verb)
	}
	if kind == pg.TransactionStmtKind_TRANS_STMT_SAVEPOINT {
		s.savepoints = append(s.savepoints, savepoint{name: name, writes: s.writes})
		return Result{Tag: "SAVEPOINT"}, nil
	}
	i := len(s.savepoints) - 1
	for i >= 0 && s.savepoints[i].name != name {
		i--
	}
	if i < 0 {
		return Result{}, sqlstate.Errorf(sqlstate.InvalidSavepointSpec, "savepoint %q does not exist", name)
	}
	if kind == pg.TransactionStmtKind_TRANS_STMT_RELEASE {
		s.savepoints = s.savepoints[:i]
		return Result{Tag: "RELEASE"}, nil
	}
	if s.writes > s.savepoints[i].writes {
		return Result{}, sqlstate.Errorf(sqlstate.FeatureNotSupported, "ROLLBACK TO SAVEPOINT after a write in the same transaction is not supported yet").
			WithHint("Roll back the whole transaction.")
	}
	s.savepoints = s.savepoints[:i+1] // the savepoint stays, as in PostgreSQL
	s.failed = false
	return Result{Tag: "ROLLBACK"}, nil
}

func warning(code sqlstate.Code, msg string) *sqlstate.Error {
	e := sqlstate.Errorf(code, "%s", msg)
	e.Severity = "WARNING"
	return e
}

// runSet handles SET, SET LOCAL, SET TIME ZONE and RESET.
func (x *execution) runSet(vs *pg.VariableSetStmt) (Result, error) {
	ss := x.s.settings
	name := strings.ToLower(vs.Name)
	if name == "timezone" || name == "time zone" {
		name = "timezone"
	}
	switch vs.Kind {
	case pg.VariableSetKind_VAR_SET_VALUE:
		value, err := setValue(vs.Args)
		if err != nil {
			return Result{}, err
		}
		if name == "transaction_isolation" || name == "default_transaction_isolation" {
			value = strings.ToLower(value)
		}
		if err := ss.set(name, value); err != nil {
			return Result{}, err
		}
	case pg.VariableSetKind_VAR_SET_DEFAULT, pg.VariableSetKind_VAR_RESET:
		if err := ss.reset(name); err != nil {
			return Result{}, err
		}
	case pg.VariableSetKind_VAR_RESET_ALL:
		for n := range settings {
			_ = ss.reset(n)
		}
		return Result{Tag: "RESET"}, nil
	case pg.VariableSetKind_VAR_SET_MULTI:
		// SET TRANSACTION … / SET SESSION CHARACTERISTICS: accepted;
		// every transaction here is serializable already.
	case pg.VariableSetKind_VAR_SET_CURRENT:
	}
	if vs.Kind == pg.VariableSetKind_VAR_RESET {
		return Result{Tag: "RESET"}, nil
	}
	return Result{Tag: "SET"}, nil
}

// setValue renders SET's arguments as the setting's text value.
func setValue(args []*pg.Node) (string, error) {
	var parts []string
	for _, a := range args {
		c := a.GetAConst()
		switch {
		case c == nil:
			if tc := a.GetTypeCast(); tc != nil && tc.Arg.GetAConst() != nil {
				c = tc.Arg.GetAConst()
			} else {
				return "", sqlstate.Errorf(sqlstate.SyntaxError, "SET value must be a constant")
			}
		}
		switch v := c.Val.(type) {
		case *pg.A_Const_Sval:
			parts = append(parts, v.Sval.Sval)
		case *pg.A_Const_Ival:
			parts = append(parts, itoa(int64(v.Ival.Ival)))
		case *pg.A_Const_Fval:
			parts = append(parts, v.Fval.Fval)
		case *pg.A_Const_Boolval:
			if v.Boolval.Boolval {
				parts = append(parts, "on")
			} else {
				parts = append(parts, "off")
			}
		}
	}
	return strings.Join(parts, ", "), nil
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

// runShow handles SHOW name and SHOW ALL.
func (x *execution) runShow(vs *pg.VariableShowStmt) (Result, error) {
	name := strings.ToLower(vs.Name)
	if name == "all" {
		names := x.s.settings.names()
		rows := make([][3]string, 0, len(names))
		for _, n := range names {
			rows = append(rows, [3]string{displayName(n), x.s.settings.values[n], ""})
		}
		return Result{Tag: "SHOW", NoCount: true, Rows: textRows(x.mem(), showColumns(vs), rows3(rows))}, nil
	}
	if name == "time zone" {
		name = "timezone"
	}
	if name == "transaction isolation level" {
		name = "transaction_isolation"
	}
	v, ok := x.s.settings.get(name)
	if !ok {
		return Result{}, sqlstate.Errorf(sqlstate.UndefinedObject, "unrecognized configuration parameter %q", vs.Name)
	}
	return Result{Tag: "SHOW", NoCount: true, Rows: textRows(x.mem(), showColumns(vs), [][]string{{v}})}, nil
}

// showColumns names SHOW's result columns, for its run and its Describe.
func showColumns(vs *pg.VariableShowStmt) []string {
	if strings.ToLower(vs.Name) == "all" {
		return []string{"name", "setting", "description"}
	}
	return []string{vs.Name}
}

func rows3(in [][3]string) [][]string {
	out := make([][]string, len(in))
	for i, r := range in {
		out[i] = r[:]
	}
	return out
}

// textRows is a small all-text result (SHOW, listings).
func textRows(mem memory.Allocator, names []string, rows [][]string) Rows {
	cols := make([]opColumn, len(names))
	for i, n := range names {
		cols[i] = opColumn{name: n, t: sqltype.TextT, dt: arrow.BinaryTypes.String}
	}
	schema := schemaOf(cols)
	arrs := make([]arrow.Array, len(names))
	for c := range names {
		b := array.NewStringBuilder(mem)
		for _, r := range rows {
			b.Append(r[c])
		}
		arrs[c] = b.NewArray()
		b.Release()
	}
	rec := array.NewRecord(schema, arrs, int64(len(rows)))
	releaseArrays(arrs)
	return batchRows(cols, rec)
}

// batchRows hands out rec, which it owns, as a statement's rows.
func batchRows(cols []opColumn, rec arrow.Record) Rows {
	p := &plan{root: &valuesOp{cols: cols, rec: rec}, cols: cols}
	return &planRows{p: p, cols: toColumns(cols)}
}
