package executor

import (
	"strconv"
	"strings"

	"github.com/sharehouse/sharehouse/catalog"
	"github.com/sharehouse/sharehouse/executor/sqltype"
)

// Primary keys in pg_catalog: each is a unique btree index (a pg_class row
// of relkind 'i' and a pg_index row) and a constraint of type 'p', listed
// under the object IDs the catalog gave them, as PostgreSQL lists the
// index and constraint behind every PRIMARY KEY. JDBC's getPrimaryKeys and
// getIndexInfo, SQLAlchemy's inspector and psql's \d read them.

const oidBtreeAM = 403

// sysKey is a visible table's primary key or UNIQUE constraint with its
// columns' positions.
type sysKey struct {
	table   *sysTable
	key     *catalog.Key
	primary bool
	index   bool // of CREATE INDEX: no constraint
	unique  bool
	cols    []int    // 1-based attnums, in key order; 0 for an expression
	exprs   []string // of an index on expressions: each element's SQL
	pred    string   // of a partial index: its WHERE
}

func (g *sysGen) keys() []sysKey {
	var out []sysKey
	for i := range g.tables {
		t := &g.tables[i]
		if t.PrimaryKey != nil {
			out = append(out, sysKey{table: t, key: t.PrimaryKey, primary: true, unique: true, cols: t.KeyPositions()})
		}
		for _, k := range t.Uniques {
			out = append(out, sysKey{table: t, key: k, unique: true, cols: t.Positions(k.Columns)})
		}
		for _, i := range t.Indexes {
			k := sysKey{table: t, key: &i.Key, index: true, unique: i.Unique, cols: t.Positions(i.Columns)}
			if !i.Plain() {
				k.cols, k.exprs = exprElements(t.Table, i.Exprs)
				if i.Where != "" {
					k.pred = storedText(t.Table, i.Where)
				}
			}
			out = append(out, k)
		}
	}
	return out
}

// exprElements describes the key elements of an index on expressions:
// a bare column is its attnum, anything else attnum 0 and its SQL as
// pg_get_indexdef prints it (a function call as is, else in parentheses).
func exprElements(t catalog.Table, stored []string) (cols []int, exprs []string) {
	for _, e := range stored {
		n, err := parseStoredExpr(e)
		if err != nil {
			cols, exprs = append(cols, 0), append(exprs, e)
			continue
		}
		if cr := n.GetColumnRef(); cr != nil {
			if i, ok := storedColumn(t, cr); ok {
				cols, exprs = append(cols, i+1), append(exprs, "")
				continue
			}
		}
		funcCall := n.GetFuncCall() != nil
		renameStored(t, n)
		text, err := deparseExpr(n)
		if err != nil {
			text = e
		}
		if !funcCall {
			text = "(" + text + ")"
		}
		cols, exprs = append(cols, 0), append(exprs, text)
	}
	return cols, exprs
}

// indexAttRows are the pg_attribute rows of the keys' indexes: one per key
// column, named and typed as the column (psqlODBC's SQLPrimaryKeys joins
// them).
func (g *sysGen) indexAttRows() []sysRow {
	var out []sysRow
	for _, k := range g.keys() {
		for i, n := range k.cols {
			if n == 0 {
				continue // an expression: no column to describe it by
			}
			c := k.table.Columns[n-1]
			out = append(out, attRow(k.key.IndexID, i+1, c.Name, sqltype.T{OID: sqltype.OID(c.Type.OID), Typmod: c.Type.Typmod}, false, false))
		}
	}
	return out
}

// keyByIndex finds the key whose index has OID oid.
func (g *sysGen) keyByIndex(oid uint64) (sysKey, bool) {
	for _, k := range g.keys() {
		if k.key.IndexID == oid {
			return k, true
		}
	}
	return sysKey{}, false
}

// keyByConstraint finds the key whose constraint has OID oid.
func (g *sysGen) keyByConstraint(oid uint64) (sysKey, bool) {
	for _, k := range g.keys() {
		if !k.index && k.key.ConstraintID == oid {
			return k, true
		}
	}
	return sysKey{}, false
}

// sysCheck is a visible table's CHECK constraint.
type sysCheck struct {
	table *sysTable
	check *catalog.Check
}

func (g *sysGen) checks() []sysCheck {
	var out []sysCheck
	for i := range g.tables {
		t := &g.tables[i]
		for _, c := range t.Checks {
			out = append(out, sysCheck{table: t, check: c})
		}
	}
	return out
}

// constraintDef is pg_get_constraintdef(oid[, pretty]) of a CHECK: the
// expression with the parentheses PostgreSQL prints around it (one pair
// more without pretty).
func (c sysCheck) constraintDef(pretty bool) string {
	e := checkText(c.table.Table, c.check)
	if pretty {
		return "CHECK (" + e + ")"
	}
	return "CHECK ((" + e + "))"
}

// colNames returns the key's column names, quoted where SQL needs it,
// and its expressions: without pretty, one pair of parentheses more
// around those not a function call, as pg_get_indexdef prints them.
func (k sysKey) colNames(pretty bool) []string {
	out := make([]string, len(k.cols))
	for i, n := range k.cols {
		if n == 0 {
			out[i] = k.exprs[i]
			if !pretty && strings.HasPrefix(out[i], "(") {
				out[i] = "(" + out[i] + ")"
			}
			continue
		}
		out[i] = quoteIdent(k.table.Columns[n-1].Name)
	}
	return out
}

// indexDef is pg_get_indexdef(oid[, 0, pretty]): the CREATE INDEX
// statement.
func (k sysKey) indexDef(pretty bool) string {
	create := "CREATE INDEX "
	if k.unique {
		create = "CREATE UNIQUE INDEX "
	}
	return create + quoteIdent(k.key.Name) + " ON " +
		quoteIdent(k.table.schema.Name) + "." + quoteIdent(k.table.Name) +
		" USING btree (" + strings.Join(k.colNames(pretty), ", ") + ")" + k.where(pretty)
}

// where is a partial index's WHERE clause as pg_get_indexdef prints it:
// in parentheses unless pretty.
func (k sysKey) where(pretty bool) string {
	switch {
	case k.pred == "":
		return ""
	case pretty:
		return " WHERE " + k.pred
	}
	return " WHERE (" + k.pred + ")"
}

// constraintDef is pg_get_constraintdef(oid).
func (k sysKey) constraintDef() string {
	if !k.primary {
		return "UNIQUE (" + strings.Join(k.colNames(true), ", ") + ")"
	}
	return "PRIMARY KEY (" + strings.Join(k.colNames(true), ", ") + ")"
}

// vector writes values as an int2vector or oidvector's text.
func vector(vals []int) string {
	s := make([]string, len(vals))
	for i, v := range vals {
		s[i] = strconv.Itoa(v)
	}
	return strings.Join(s, " ")
}

// btreeOpclass is the default btree operator class of a type, as
// pg_index.indclass lists it.
func btreeOpclass(t sqltype.OID) int {
	switch t {
	case sqltype.Int2:
		return 1979
	case sqltype.Int4:
		return 1978
	case sqltype.Int8:
		return 3124
	case sqltype.Numeric:
		return 3125
	case sqltype.Float4:
		return 1970
	case sqltype.Float8:
		return 1971
	case sqltype.Bool:
		return 424
	case sqltype.Date:
		return 3122
	case sqltype.Timestamp:
		return 3128
	case sqltype.Timestamptz:
		return 3127
	case sqltype.Text, sqltype.Varchar:
		return 3126
	case sqltype.BPChar:
		return 426
	case sqltype.UUID:
		return 2968
	case sqltype.Bytea:
		return 428
	}
	return 0
}

func (g *sysGen) pgIndex() []sysRow {
	var out []sysRow
	for _, k := range g.keys() {
		classes, colls, opts := make([]int, len(k.cols)), make([]int, len(k.cols)), make([]int, len(k.cols))
		for i, n := range k.cols {
			if n == 0 {
				continue
			}
			oid := sqltype.OID(k.table.Columns[n-1].Type.OID)
			classes[i] = btreeOpclass(oid)
			if isString(oid) && oid != sqltype.Char && oid != sqltype.Name {
				colls[i] = oidDefaultCollation
			}
		}
		out = append(out, sysRow{
			"indexrelid": k.key.IndexID, "indrelid": uint64(k.table.ID),
			"indnatts": len(k.cols), "indnkeyatts": len(k.cols), "indisunique": k.unique, "indisprimary": k.primary,
			"indimmediate": true, "indisvalid": true, "indisready": true, "indislive": true,
			"indkey": vector(k.cols), "indcollation": vector(colls), "indclass": vector(classes), "indoption": vector(opts),
			"indexprs": k.indexprs(), "indpred": nullIfEmpty(k.pred),
		})
	}
	return out
}

func (g *sysGen) pgConstraint() []sysRow {
	var out []sysRow
	for _, k := range g.keys() {
		if k.index {
			continue // an index made by CREATE INDEX has no constraint
		}
		key := make([]string, len(k.cols))
		for i, n := range k.cols {
			key[i] = strconv.Itoa(n)
		}
		contype := "u"
		if k.primary {
			contype = "p"
		}
		out = append(out, sysRow{
			"oid": k.key.ConstraintID, "conname": k.key.Name,
			"connamespace": uint64(k.table.schema.ID), "contype": contype, "convalidated": true,
			"conrelid": uint64(k.table.ID), "conindid": k.key.IndexID,
			"confupdtype": " ", "confdeltype": " ", "confmatchtype": " ", "conislocal": true, "connoinherit": true,
			"conkey": "{" + strings.Join(key, ",") + "}",
		})
	}
	for _, c := range g.checks() {
		pos := c.table.Positions(c.check.Columns)
		key := make([]string, len(pos))
		for i, n := range pos {
			key[i] = strconv.Itoa(n)
		}
		out = append(out, sysRow{
			"oid": c.check.ConstraintID, "conname": c.check.Name,
			"connamespace": uint64(c.table.schema.ID), "contype": "c", "convalidated": true,
			"conrelid": uint64(c.table.ID), "conindid": uint64(0),
			"confupdtype": " ", "confdeltype": " ", "confmatchtype": " ", "conislocal": true, "connoinherit": false,
			"conkey": "{" + strings.Join(key, ",") + "}", "conbin": checkText(c.table.Table, c.check),
		})
	}
	return append(out, g.fkConstraintRows()...)
}

// indexClassRows are the pg_class rows of the keys' indexes.
func (g *sysGen) indexClassRows() []sysRow {
	var out []sysRow
	for _, k := range g.keys() {
		out = append(out, sysRow{
			"oid": k.key.IndexID, "relname": k.key.Name,
			"relnamespace": uint64(k.table.schema.ID), "relowner": k.table.owner,
			"relam": oidBtreeAM, "relfilenode": k.key.IndexID, "relpages": 1, "reltuples": 0,
			"relpersistence": "p", "relkind": "i", "relnatts": len(k.cols), "relreplident": "n",
			"relispopulated": true,
		})
	}
	return out
}

// pgIndexes is the pg_indexes view: every index with its definition.
func (g *sysGen) pgIndexes() []sysRow {
	var out []sysRow
	for _, k := range g.keys() {
		out = append(out, sysRow{"schemaname": k.table.schema.Name, "tablename": k.table.Name,
			"indexname": k.key.Name, "indexdef": k.indexDef(false)})
	}
	return out
}

// indexprs is pg_index.indexprs: the expressions' SQL (pg_node_tree
// columns hold SQL text here), NULL for an index on columns only.
func (k sysKey) indexprs() any {
	var es []string
	for i, n := range k.cols {
		if n == 0 {
			es = append(es, k.exprs[i])
		}
	}
	if len(es) == 0 {
		return nil
	}
	return strings.Join(es, ", ")
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
