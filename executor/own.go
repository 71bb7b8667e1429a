package executor

import (
	"fmt"

	"github.com/sharehouse/sharehouse/catalog"
	"github.com/sharehouse/sharehouse/executor/sqlstate"
	"github.com/sharehouse/sharehouse/executor/sqltype"
	"github.com/sharehouse/sharehouse/parser"
)

// ownResult is what a statement of sharehouse's own grammar produced. Its
// rows are values for the columns ownColumns names and nothing else: the
// runners never choose columns, so a Describe (extended protocol) and a run
// (both protocols) cannot disagree about them.
type ownResult struct {
	tag     string
	rows    [][]string // one value per ownColumns column, all text
	notices []*sqlstate.Error
}

// ownColumns names the result columns of a statement of the own grammar,
// nil for one that returns none. It depends on the statement's kind only,
// never on the catalog, so Describe answers without running anything; a
// run that finds nothing to list returns zero rows of these columns (CREATE
// RECIPIENT IF NOT EXISTS of an existing one, SHOW SHARES without shares).
func ownColumns(st parser.Own) []string {
	switch s := st.(type) {
	case *parser.CreateRecipient:
		return []string{"name", "authentication_type", "activation_link"}
	case *parser.RotateRecipientToken:
		return []string{"name", "activation_link"}
	case *parser.Describe:
		if s.Object == parser.ObjRecipient {
			return []string{"name", "created_on", "authentication_type", "status", "token_expiration_time", "comment", "properties"}
		}
		return []string{"kind", "name", "shared_on"}
	case *parser.Show:
		switch s.What {
		case parser.ShowTenants:
			return append([]string{"created_on", "name", "comment"}, tenantStorageColumns...)
		case parser.ShowShares:
			return []string{"created_on", "kind", "name", "database_name", "to", "from", "comment"}
		case parser.ShowRecipients:
			return []string{"created_on", "name", "authentication_type", "comment"}
		case parser.ShowAllInShare:
			return []string{"kind", "name", "shared_on"}
		case parser.ShowGrantsOnShare:
			return []string{"created_on", "privilege", "granted_on", "name", "granted_to", "grantee_name"}
		case parser.ShowGrantsOfShare:
			return []string{"created_on", "share", "granted_to", "recipient"}
		case parser.ShowGrantsToRecipient:
			return []string{"created_on", "share", "privilege", "recipient"}
		}
	}
	return nil
}

// describeOwn is Describe of a statement of the own grammar.
func (x *execution) describeOwn(st parser.Own) ([]Column, error) {
	return textColumns(ownColumns(st)), nil
}

// textColumns describes the all-text columns textRows makes of names.
func textColumns(names []string) []Column {
	if names == nil {
		return nil
	}
	cols := make([]Column, len(names))
	for i, n := range names {
		cols[i] = Column{Name: n, Type: sqltype.TextT}
	}
	return cols
}

// runOwn runs a statement of sharehouse's own grammar and turns its rows
// into a result with the columns ownColumns names.
func (x *execution) runOwn(st parser.Own) (Result, error) {
	out, err := x.runOwnStmt(st)
	if err != nil {
		return Result{}, err
	}
	res := Result{Tag: out.tag, Notices: out.notices}
	cols := ownColumns(st)
	if cols == nil {
		if out.rows != nil {
			return Result{}, fmt.Errorf("%s returned rows but has no result columns", ownName(st))
		}
		return res, nil
	}
	for _, r := range out.rows {
		if len(r) != len(cols) {
			return Result{}, fmt.Errorf("%s returned a row of %d values for %d columns", ownName(st), len(r), len(cols))
		}
	}
	res.NoCount = true // "SHOW", "DESCRIBE", "CREATE RECIPIENT": no row count
	res.Rows = textRows(x.mem(), cols, out.rows)
	return res, nil
}

func (x *execution) runOwnStmt(st parser.Own) (ownResult, error) {
	switch s := st.(type) {
	case *parser.CreateTenant:
		return x.ddl("CREATE TENANT", func(tx *catalog.Tx) error {
			_, err := tx.CreateTenant(s.Name, s.Password, s.Comment, false)
			return err
		})
	case *parser.AlterTenant:
		return x.ddl("ALTER TENANT", func(tx *catalog.Tx) error {
			if s.Password != nil {
				if err := tx.SetTenantPassword(s.Name, *s.Password); err != nil {
					return err
				}
			}
			if s.Comment != nil {
				return tx.SetTenantComment(s.Name, *s.Comment)
			}
			return nil
		})
	case *parser.AlterConnectionLimit:
		return x.alterConnectionLimit(s)
	case *parser.AlterTenantQuota:
		return x.alterTenantQuota(s)
	case *parser.DropTenant:
		return x.ddl("DROP TENANT", func(tx *catalog.Tx) error {
			err := tx.DropTenant(s.Name)
			if s.IfExists && catalog.IsNotFound(err) {
				return nil
			}
			return err
		})
	case *parser.Show:
		if s.What == parser.ShowTenants {
			return x.showTenants()
		}
	}
	if res, ok, err := x.runShareStmt(st); ok {
		return res, err
	}
	return ownResult{}, notSupported("%s is not supported yet", ownName(st))
}

// showTenants lists the tenants (the superuser's SHOW TENANTS).
func (x *execution) showTenants() (ownResult, error) {
	tx, done, err := x.s.readTx(x.ctx)
	if err != nil {
		return ownResult{}, err
	}
	defer done()
	ts, err := tx.Tenants()
	if err != nil {
		return ownResult{}, err
	}
	var rows [][]string
	for _, t := range ts {
		storage, err := tenantStorageCells(tx, t)
		if err != nil {
			return ownResult{}, err
		}
		rows = append(rows, append([]string{t.Created.Format("2006-01-02 15:04:05"), t.Name, t.Comment}, storage...))
	}
	return ownResult{tag: "SHOW", rows: rows}, nil
}

func ownName(st parser.Own) string {
	s := st.String()
	for i, c := range s {
		if c == ' ' {
			if j := indexFrom(s, i+1, ' '); j > 0 {
				return s[:j]
			}
		}
	}
	return s
}

func indexFrom(s string, from int, c byte) int {
	for i := from; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return -1
}

// ddl runs fn in the statement's write transaction.
func (x *execution) ddl(tag string, fn func(*catalog.Tx) error) (ownResult, error) {
	tx, finish, err := x.s.writeTx(x.ctx)
	if err != nil {
		return ownResult{}, err
	}
	if err := finish(fn(tx)); err != nil {
		return ownResult{}, err
	}
	return ownResult{tag: tag}, nil
}
