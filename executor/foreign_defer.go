package executor

import (
	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/sharehouse/sharehouse/catalog"
	"github.com/sharehouse/sharehouse/executor/sqlstate"
)

// Deferred foreign keys. In a transaction block, the check of a DEFERRABLE
// constraint that is deferred (INITIALLY DEFERRED, or SET CONSTRAINTS …
// DEFERRED) waits for COMMIT: the keys a statement collected are kept with
// the session and checked against the block's data then (or at SET
// CONSTRAINTS … IMMEDIATE). Outside a block every check runs at the end of
// its statement, which is its commit. CASCADE, SET NULL and SET DEFAULT
// act at the end of the statement, and RESTRICT is never deferred, as in
// PostgreSQL.

// fkDeferral is the session's state of deferred constraints.
type fkDeferral struct {
	pending []pendingCheck
	// all is SET CONSTRAINTS ALL's mode ("" unset, "i" or "d"); named the
	// modes set by name since.
	all   string
	named map[string]string
}

// pendingCheck is one deferred check of constraint name.
type pendingCheck struct {
	name string
	run  func(x *execution, tx *catalog.Tx) error
}

// deferred reports whether the check of fk waits for COMMIT now.
func (s *Session) deferred(fk *catalog.ForeignKey) bool {
	if !s.inBlock || !fk.Deferrable {
		return false
	}
	if m := s.fkDefer.named[fk.Name]; m != "" {
		return m == "d"
	}
	if s.fkDefer.all != "" {
		return s.fkDefer.all == "d"
	}
	return fk.Deferred
}

func (s *Session) deferCheck(name string, run func(x *execution, tx *catalog.Tx) error) {
	s.fkDefer.pending = append(s.fkDefer.pending, pendingCheck{name: name, run: run})
}

// runDeferred runs the pending checks that match (all when match is nil)
// in the block's transaction.
func (x *execution) runDeferred(match func(name string) bool) error {
	s := x.s
	var keep []pendingCheck
	var todo []pendingCheck
	for _, p := range s.fkDefer.pending {
		if match == nil || match(p.name) {
			todo = append(todo, p)
		} else {
			keep = append(keep, p)
		}
	}
	s.fkDefer.pending = keep
	if len(todo) == 0 || s.tx == nil {
		return nil
	}
	for _, p := range todo {
		if err := p.run(x, s.tx); err != nil {
			return err
		}
	}
	return nil
}

// resetDeferral forgets the block's deferred checks and modes.
func (s *Session) resetDeferral() { s.fkDefer = fkDeferral{} }

// runConstraintsSet runs SET CONSTRAINTS { ALL | name, … } { DEFERRED |
// IMMEDIATE }; IMMEDIATE runs the pending checks of those constraints.
func (x *execution) runConstraintsSet(cs *pg.ConstraintsSetStmt) (Result, error) {
	s := x.s
	if !s.inBlock {
		return Result{Tag: "SET CONSTRAINTS", Notices: []*sqlstate.Error{warning(sqlstate.NoActiveSQLTransaction, "SET CONSTRAINTS can only be used in transaction blocks")}}, nil
	}
	mode := "i"
	if cs.Deferred {
		mode = "d"
	}
	names := map[string]bool{}
	for _, n := range cs.Constraints {
		names[n.GetRangeVar().GetRelname()] = true
	}
	if len(names) == 0 {
		s.fkDefer.all, s.fkDefer.named = mode, nil
	} else {
		if s.fkDefer.named == nil {
			s.fkDefer.named = map[string]string{}
		}
		for n := range names {
			s.fkDefer.named[n] = mode
		}
	}
	if mode == "i" {
		var match func(string) bool
		if len(names) > 0 {
			match = func(n string) bool { return names[n] }
		}
		if err := x.runDeferred(match); err != nil {
			return Result{}, err
		}
	}
	return Result{Tag: "SET CONSTRAINTS"}, nil
}
