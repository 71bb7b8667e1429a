package executor

import "github.com/sharehouse/sharehouse/executor/sqlstate"

// maxBindDepth bounds how deeply binding may recurse into one statement's
// expressions and queries, so that no tree the parser lets through (see
// parser.TooComplexError) makes binding, planning or evaluation, which
// recurse no deeper than binding, recurse without bound. PostgreSQL, with
// max_stack_depth 2MB, accepts a 4,000-term 1+1+…+1, 5,000 nested NOTs or
// casts and 2,000 nested scalar subqueries; all of these bind here.
const maxBindDepth = 10000

// stackDepthExceeded is PostgreSQL's error for a statement nested too
// deeply, with its hint.
func stackDepthExceeded() error {
	return sqlstate.Errorf(sqlstate.StatementTooComplex, "stack depth limit exceeded").
		WithHint(`Increase the configuration parameter "max_stack_depth" (currently 2048kB), after ensuring the platform's stack depth limit is adequate.`)
}

// enter counts one level of binding recursion; the caller defers the
// returned leave. It fails past maxBindDepth.
func (b *binder) enter() (leave func(), err error) {
	if b.x == nil {
		return func() {}, nil
	}
	b.x.bindDepth++
	if b.x.bindDepth > maxBindDepth {
		b.x.bindDepth--
		return nil, stackDepthExceeded()
	}
	return func() { b.x.bindDepth-- }, nil
}
