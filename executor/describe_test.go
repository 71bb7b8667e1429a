package executor

import (
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	shparser "github.com/sharehouse/sharehouse/parser"
)

// describedAndRun prepares sql, describes it as a statement (no
// parameters) and as a portal (bound, no parameters), runs it, and fails
// the test unless both descriptions are the columns the run returned (nil
// for a result without rows). It returns the rows the run produced.
func describedAndRun(t *testing.T, s *Session, sql string) [][]string {
	t.Helper()
	ctx := context.Background()
	st, err := s.Prepare(ctx, sql, nil)
	if err != nil {
		t.Fatalf("prepare %s: %v", sql, err)
	}
	asStmt, err := s.Describe(ctx, st, nil)
	if err != nil {
		t.Fatalf("describe statement %s: %v", sql, err)
	}
	asPortal, err := s.Describe(ctx, st, []Param{})
	if err != nil {
		t.Fatalf("describe portal %s: %v", sql, err)
	}
	s.BeginBatch(1)
	res, err := s.Execute(ctx, st, []Param{})
	if err != nil {
		s.EndBatch(err)
		t.Fatalf("execute %s: %v", sql, err)
	}
	var ran []Column
	if res.Rows != nil {
		ran = res.Rows.Columns()
		if ran == nil {
			ran = []Column{} // rows of no columns are still rows
		}
	}
	rows, err := resultRows(t, s, res)
	s.EndBatch(err)
	if err != nil {
		t.Fatalf("read %s: %v", sql, err)
	}
	if !reflect.DeepEqual(asStmt, ran) {
		t.Errorf("%s: Describe(statement) says %v, the run returned %v", sql, colNames(asStmt), colNames(ran))
	}
	if !reflect.DeepEqual(asPortal, ran) {
		t.Errorf("%s: Describe(portal) says %v, the run returned %v", sql, colNames(asPortal), colNames(ran))
	}
	return rows
}

func colNames(cols []Column) string {
	if cols == nil {
		return "NoData"
	}
	var names []string
	for _, c := range cols {
		names = append(names, c.Name+" "+c.Type.String())
	}
	return "(" + strings.Join(names, ", ") + ")"
}

// ownStatementKinds lists the statement types of the sharing grammar: the
// receivers of the parser's own() marker methods, in any of its files.
func ownStatementKinds(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("../parser/*.go")
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Name.Name != "own" || fd.Recv == nil {
				continue
			}
			if star, ok := fd.Recv.List[0].Type.(*ast.StarExpr); ok {
				kinds = append(kinds, star.X.(*ast.Ident).Name)
			}
		}
	}
	if len(kinds) == 0 {
		t.Fatal("no own() methods found in parser/")
	}
	return kinds
}

// TestDescribeMatchesRun: every statement of the sharing grammar, and the
// other statements that return rows, are described (statement and portal)
// exactly as their run returns them, also when the run returns no rows.
func TestDescribeMatchesRun(t *testing.T) {
	_, admin := testEngine(t)
	e := admin.eng
	covered := map[string]bool{}
	run := func(s *Session, sql string) [][]string {
		t.Helper()
		ps, err := shparser.Parse(sql)
		if err != nil {
			t.Fatalf("parse %s: %v", sql, err)
		}
		if own := ps[0].Own; own != nil {
			covered[reflect.TypeOf(own).Elem().Name()] = true
		}
		return describedAndRun(t, s, sql)
	}
	run(admin, `CREATE TENANT dprov PASSWORD 'p' COMMENT 'provider'`)
	run(admin, `CREATE TENANT dcons PASSWORD 'c'`)
	run(admin, `CREATE TENANT dgone PASSWORD 'g'`)
	run(admin, `ALTER TENANT dgone PASSWORD 'h'`)
	run(admin, `ALTER TENANT dgone CONNECTION LIMIT 5`)
	run(admin, `ALTER TENANT dgone SET QUOTA '1GB'`)
	run(admin, `ALTER TENANT dgone RESET QUOTA`)
	if rows := run(admin, `SHOW TENANTS`); len(rows) < 3 {
		t.Errorf("SHOW TENANTS: %v", rows)
	}
	run(admin, `DROP TENANT dgone`)
	run(admin, `DROP TENANT IF EXISTS dgone`)

	prov := session(t, e, "dprov", "postgres", nil)
	mustRun(t, prov, `CREATE DATABASE gold`)
	mustRun(t, prov, `CREATE TABLE gold.public.orders (id bigint, amount numeric(12,2))`)
	mustRun(t, prov, `CREATE TABLE gold.public.returns (id bigint)`)
	mustRun(t, prov, `INSERT INTO gold.public.orders VALUES (1, 10.50), (2, 20.25)`)
	run(prov, `CREATE SHARE fin COMMENT 'orders'`)
	run(prov, `CREATE SHARE IF NOT EXISTS fin`)
	run(prov, `COMMENT ON SHARE fin IS 'orders and returns'`)
	run(prov, `CREATE SHARE tmp`)
	run(prov, `ALTER SHARE tmp RENAME TO tmp2`)
	run(prov, `DROP SHARE tmp2`)
	run(prov, `DROP SHARE IF EXISTS tmp2`)
	run(prov, `ALTER SHARE fin ADD TABLE gold.public.orders`)
	run(prov, `ALTER SHARE fin ADD SCHEMA gold.public`)
	run(prov, `ALTER SHARE fin REMOVE SCHEMA gold.public`)
	run(prov, `GRANT USAGE ON DATABASE gold TO SHARE fin`)
	run(prov, `GRANT SELECT ON TABLE gold.public.returns TO SHARE fin`)
	run(prov, `REVOKE SELECT ON TABLE gold.public.returns FROM SHARE fin`)
	run(prov, `ALTER SHARE fin ADD TENANTS = dcons`)
	for _, sql := range []string{`SHOW SHARES`, `SHOW ALL IN SHARE fin`, `SHOW GRANTS ON SHARE fin`, `DESC SHARE fin`} {
		if rows := run(prov, sql); len(rows) == 0 {
			t.Errorf("%s: no rows", sql)
		}
	}

	rows := run(prov, `CREATE RECIPIENT acme COMMENT 'ACME' PROPERTIES ('country' = 'US')`)
	if len(rows) != 1 || rows[0][1] != "TOKEN" || !strings.Contains(rows[0][2], "/activate/") {
		t.Errorf("CREATE RECIPIENT: %v", rows)
	}
	if rows := run(prov, `CREATE RECIPIENT IF NOT EXISTS acme`); len(rows) != 0 {
		t.Errorf("CREATE RECIPIENT IF NOT EXISTS of an existing one: %v", rows)
	}
	run(prov, `CREATE RECIPIENT cons_r USING ID 'dcons'`)
	run(prov, `ALTER RECIPIENT acme CONNECTION LIMIT 3`)
	run(prov, `ALTER RECIPIENT acme SET PROPERTIES ('team' = 'data')`)
	if rows := run(prov, `ALTER RECIPIENT acme ROTATE TOKEN`); len(rows) != 1 || !strings.Contains(rows[0][1], "/activate/") {
		t.Errorf("ROTATE TOKEN: %v", rows)
	}
	run(prov, `GRANT SELECT ON SHARE fin TO RECIPIENT acme`)
	run(prov, `GRANT SELECT ON SHARE fin TO RECIPIENT cons_r`)
	for _, sql := range []string{`SHOW RECIPIENTS`, `DESCRIBE RECIPIENT acme`, `SHOW GRANTS OF SHARE fin`, `SHOW GRANTS TO RECIPIENT acme`} {
		if rows := run(prov, sql); len(rows) == 0 {
			t.Errorf("%s: no rows", sql)
		}
	}
	run(prov, `REVOKE SELECT ON SHARE fin FROM RECIPIENT acme`)
	if rows := run(prov, `SHOW GRANTS TO RECIPIENT acme`); len(rows) != 0 {
		t.Errorf("SHOW GRANTS TO RECIPIENT after REVOKE: %v", rows)
	}
	run(prov, `ALTER RECIPIENT acme RENAME TO acme2`)
	run(prov, `DROP RECIPIENT acme2`)
	run(prov, `DROP RECIPIENT IF EXISTS acme2`)

	cons := session(t, e, "dcons", "postgres", nil)
	run(cons, `CREATE DATABASE mnt FROM SHARE dprov.fin`)
	if rows := run(cons, `DESC SHARE mnt`); len(rows) == 0 {
		t.Error("DESC SHARE of a mount: no rows")
	}
	if rows := run(cons, `SHOW SHARES`); len(rows) == 0 {
		t.Error("consumer's SHOW SHARES: no rows")
	}

	// Statements outside the sharing grammar that return rows (or may).
	for _, sql := range []string{
		`SELECT id, amount FROM gold.public.orders ORDER BY id`,
		`VALUES (1, 'a')`,
		`SHOW search_path`,
		`SHOW ALL`,
		`EXPLAIN SELECT * FROM gold.public.orders`,
		`INSERT INTO gold.public.orders VALUES (3, 1) RETURNING id, amount * 2 AS twice`,
		`UPDATE gold.public.orders SET amount = amount + 1 WHERE id = 3 RETURNING *`,
		`DELETE FROM gold.public.orders WHERE id = 3 RETURNING id`,
		`INSERT INTO gold.public.orders VALUES (4, 1)`,
		`SELECT * INTO gold.public.copy FROM gold.public.orders`,
		`BEGIN`,
		`DECLARE c CURSOR FOR SELECT id FROM gold.public.orders ORDER BY id`,
		`FETCH 1 FROM c`,
		`MOVE 1 IN c`,
		`CLOSE c`,
		`COMMIT`,
	} {
		run(prov, sql)
	}

	for _, k := range ownStatementKinds(t) {
		if !covered[k] {
			t.Errorf("no statement of kind parser.%s is checked here: add one, with its columns in ownColumns if it returns rows", k)
		}
	}
}
