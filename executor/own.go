package executor

import (
	"github.com/sharehouse/sharehouse/catalog"
	"github.com/sharehouse/sharehouse/executor/sqltype"
	"github.com/sharehouse/sharehouse/parser"
)

// runOwn runs a statement of sharehouse's own grammar.
func (x *execution) runOwn(st parser.Own) (Result, error) {
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
			tx, done, err := x.s.readTx(x.ctx)
			if err != nil {
				return Result{}, err
			}
			defer done()
			ts, err := tx.Tenants()
			if err != nil {
				return Result{}, err
			}
			var rows [][]string
			for _, t := range ts {
				storage, err := tenantStorageCells(tx, t)
				if err != nil {
					return Result{}, err
				}
				rows = append(rows, append([]string{t.Created.Format("2006-01-02 15:04:05"), t.Name, t.Comment}, storage...))
			}
			return Result{Tag: "SHOW", NoCount: true, Rows: textRows(x.mem(), append([]string{"created_on", "name", "comment"}, tenantStorageColumns...), rows)}, nil
		}
	}
	if res, ok, err := x.runShareStmt(st); ok {
		return res, err
	}
	return Result{}, notSupported("%s is not supported yet", ownName(st))
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

func (x *execution) describeOwn(st parser.Own) ([]Column, error) {
	if s, ok := st.(*parser.Show); ok && s.What == parser.ShowTenants {
		cols := []Column{{Name: "created_on", Type: sqltype.TextT}, {Name: "name", Type: sqltype.TextT}, {Name: "comment", Type: sqltype.TextT}}
		for _, n := range tenantStorageColumns {
			cols = append(cols, Column{Name: n, Type: sqltype.TextT})
		}
		return cols, nil
	}
	return nil, nil
}

// ddl runs fn in the statement's write transaction.
func (x *execution) ddl(tag string, fn func(*catalog.Tx) error) (Result, error) {
	tx, finish, err := x.s.writeTx(x.ctx)
	if err != nil {
		return Result{}, err
	}
	if err := finish(fn(tx)); err != nil {
		return Result{}, err
	}
	return Result{Tag: tag}, nil
}
