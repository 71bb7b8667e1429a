package main

// psqlODBC, the driver ODBC tools (Excel, Power BI, Tableau on Linux,
// pyodbc) load, through unixODBC's isql: as the provider and as a token
// recipient, with SQL on stdin, "help" (SQLTables) and "help items"
// (SQLColumns); then through pyodbc (testdata/clients/odbc/check.py).

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// psqlODBCDriver finds Debian's odbc-postgresql driver library.
func psqlODBCDriver(t *testing.T) string {
	t.Helper()
	found, _ := filepath.Glob("/usr/lib/*/odbc/psqlodbcw.so")
	if len(found) == 0 {
		found, _ = filepath.Glob("/usr/lib/odbc/psqlodbcw.so")
	}
	if len(found) == 0 {
		t.Fatalf("psqlodbcw.so is required by the client tests (apt-get install odbc-postgresql; .ci/run installs it)")
	}
	return found[0]
}

// odbcEnv writes odbcinst.ini and odbc.ini with DSNs prov and rec, and
// reccur (rec reading through cursors, two rows a FETCH) into a temporary
// directory and returns the environment that points unixODBC
// at them.
func odbcEnv(t *testing.T, f *clientFixture, driver string) []string {
	t.Helper()
	dir := t.TempDir()
	inst := fmt.Sprintf("[PostgreSQL Unicode]\nDescription=psqlODBC\nDriver=%s\n", driver)
	dsn := func(name, db, extra string) string {
		return fmt.Sprintf("[%s]\nDriver=PostgreSQL Unicode\nServername=%s\nPort=%s\nDatabase=%s\nSSLmode=disable\nConnSettings=SET search_path TO %s\n%s\n",
			name, f.host, f.port, db, f.schema, extra)
	}
	dsns := dsn("prov", f.db, "") + dsn("rec", f.share, "") + dsn("reccur", f.share, "UseDeclareFetch=1\nFetch=2\n")
	for name, text := range map[string]string{"odbcinst.ini": inst, "odbc.ini": dsns} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return []string{"ODBCSYSINI=" + dir, "ODBCINI=" + filepath.Join(dir, "odbc.ini"), "HOME=" + dir, "TZ=UTC"}
}

// odbcColumns is what SQLColumns answers for sales.items under qualifier
// cat, field by field up to IS_NULLABLE (psqlODBC 13 against PostgreSQL 15
// gives the same; bool is SQL_VARCHAR under psqlODBC's default BoolsAsChar).
func odbcColumns(cat string) []string {
	rows := []string{
		"id|4|int4|10|4|0|10|0|||4||-1|1|",
		"big|-5|int8|19|8|0|10|1|||-5||-1|2|",
		"price|2|numeric|10|12|2|10|1|||2||-1|3|",
		"name|-1|text|8190|8190|||0|||-1||32760|4|",
		"code|12|varchar|8|32|||1|||12||32|5|",
		"active|12|bool|5|5|0||1|||12||-1|6|",
		"born|9|date|10|6|||1|||9||-1|7|",
		"seen|11|timestamp|26|16|6||1|||11||-1|8|",
		"seen_tz|11|timestamptz|26|16|6||1|||11||-1|9|",
		"score|6|float8|17|8|0|10|1|||6||-1|10|",
	}
	for i, r := range rows {
		rows[i] = cat + "|sales|items|" + r
	}
	return rows
}

// columnLines returns SQLColumns' rows of out cut after IS_NULLABLE (the
// fields after it hold the table's OID).
func columnLines(out, cat string) []string {
	var got []string
	for _, l := range linesWith(out, cat+"|sales|items|") {
		if f := strings.Split(l, "|"); len(f) > 18 {
			got = append(got, strings.Join(f[:18], "|"))
		}
	}
	return got
}

func TestClientODBC(t *testing.T) {
	t.Parallel()
	isql := requireTool(t, "isql", "unixodbc")
	driver := psqlODBCDriver(t)
	f := newClientFixture(t)
	env := odbcEnv(t, f, driver)
	run := func(dsn, user, password, sql string) string {
		t.Helper()
		out, err := runClientInput(t, env, sql, isql, "-b", "-v", "-d|", "-c", dsn, user, password)
		if err != nil {
			t.Fatalf("isql %s as %s: %v\n%s", dsn, user, err, out)
		}
		return out
	}

	out := run("prov", f.provider, f.providerPW, strings.Join([]string{
		"SELECT id, big, price, name, code, active, born, seen, seen_tz, score FROM items ORDER BY id",
		"help",
		"help items",
		`INSERT INTO items (id, big, price, name, code, active, born, seen, seen_tz, score) VALUES (30, -7, 0.05, 'odbc, "quoted"', 'O30', false, '1999-12-31', '1999-12-31 23:59:59', '1999-12-31 23:59:59+00', 2.5)`,
		// In a transaction psqlODBC wraps each statement in a savepoint
		// and, the connection being in autocommit mode, commits after it
		// (so does PostgreSQL with the same driver).
		"BEGIN",
		"INSERT INTO items (id, name) VALUES (31, 'autocommitted')",
		"SELECT id, name, price FROM items WHERE id >= 30 ORDER BY id",
		"SELECT note FROM internal_notes",
	}, "\n")+"\n")
	if errs := linesWith(out, "["); len(errs) > 0 {
		t.Errorf("provider: isql reported errors: %q\n%s", errs, out)
	}
	wantLines(t, "provider", out, "1|", "1|9000000000|12.50|apple|A1|1|2024-01-02|2024-01-02 03:04:05|2024-01-02 03:04:05|1.5")
	if got := tableLines(out, "postgres"); strings.Join(got, ",") != "postgres|sales|internal_notes|TABLE|,postgres|sales|items|TABLE|" {
		t.Errorf("provider: SQLTables: %q", got)
	}
	if got, want := columnLines(out, "postgres"), odbcColumns("postgres"); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("provider: SQLColumns:\ngot\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	wantLines(t, "provider", out, "30|", `30|odbc, "quoted"|0.05`)
	wantLines(t, "provider", out, "31|", "31|autocommitted|")
	wantLines(t, "provider", out, "not for", "not for partners")

	out = run("rec", f.cred.User, f.cred.BearerToken, strings.Join([]string{
		"SELECT id, name, price FROM items ORDER BY id",
		"help",
		"help items",
		"INSERT INTO items (id, name) VALUES (99, 'x')",
		"DELETE FROM items",
		"SELECT count(*) AS n FROM items",
		"SELECT count(*) FROM internal_notes",
	}, "\n")+"\n")
	wantLines(t, "recipient", out, "id|", "id|name|price")
	wantLines(t, "recipient", out, "1|", "1|apple|12.50")
	wantLines(t, "recipient", out, "30|", `30|odbc, "quoted"|0.05`)
	wantLines(t, "recipient", out, "31|", "31|autocommitted|")
	// SQLTables lists the shared table only.
	if got := tableLines(out, "items_share"); strings.Join(got, "\n") != "items_share|sales|items|TABLE|" {
		t.Errorf("recipient: SQLTables: %q", got)
	}
	if got, want := columnLines(out, "items_share"), odbcColumns("items_share"); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("recipient: SQLColumns:\ngot\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	var codes []string
	for _, l := range linesWith(out, "[") {
		if len(l) > 7 && l[6] == ']' && !strings.HasPrefix(l, "[ISQL]") {
			codes = append(codes, l[1:6])
		}
	}
	if strings.Join(codes, ",") != "25006,25006,42P01" {
		t.Errorf("recipient: SQLSTATEs %q, want 25006 (INSERT), 25006 (DELETE), 42P01 (the unshared table)\n%s", codes, out)
	}
	// The failed writes changed nothing and the session went on.
	if !strings.Contains(out, "\nn\n3\n") {
		t.Errorf("recipient: count(*) after the refused DELETE is not 3:\n%s", out)
	}
	if strings.Contains(out, "internal_notes|") || strings.Contains(out, "not for partners") {
		t.Errorf("recipient saw the unshared table:\n%s", out)
	}

	// With UseDeclareFetch the driver reads through DECLARE … CURSOR WITH
	// HOLD and FETCH 2 in a transaction of its own.
	out = run("reccur", f.cred.User, f.cred.BearerToken, "SELECT id, name FROM items ORDER BY id\nSELECT count(*) AS n FROM items\n")
	if errs := linesWith(out, "["); len(errs) > 0 {
		t.Errorf("recipient with cursors: isql reported errors: %q\n%s", errs, out)
	}
	if !strings.Contains(out, "id|name\n1|apple\n30|odbc, \"quoted\"\n31|autocommitted\nn\n3\n") {
		t.Errorf("recipient with cursors read:\n%s", out)
	}

	pyodbcCheck(t, f, driver)
}

// pyodbcCheck runs testdata/clients/odbc/check.py (pyodbc from Debian's
// python3-pyodbc over the same driver): bound parameters, executemany,
// manual commit and rollback, SQLPrimaryKeys and SQLStatistics.
func pyodbcCheck(t *testing.T, f *clientFixture, driver string) {
	t.Helper()
	python := requireTool(t, "/usr/bin/python3", "python3")
	if _, err := runClientInput(t, nil, "", python, "-c", "import pyodbc"); err != nil {
		t.Fatalf("pyodbc is required by the client tests (apt-get install python3-pyodbc; .ci/run installs it): %v", err)
	}
	script, err := filepath.Abs("../../testdata/clients/odbc/check.py")
	if err != nil {
		t.Fatal(err)
	}
	run := func(role, db, user, password string) string {
		t.Helper()
		conn := fmt.Sprintf("DRIVER={%s};SERVER=%s;PORT=%s;DATABASE=%s;UID=%s;PWD={%s};SSLmode=disable", driver, f.host, f.port, db, user, password)
		return runClient(t, "", []string{"CHECK_CONN=" + conn, "TZ=UTC"}, python, script, role)
	}
	columns := []string{
		"column|id|int4|0", "column|big|int8|1", "column|price|numeric|1", "column|name|text|0", "column|code|varchar|1",
		"column|active|bool|1", "column|born|date|1", "column|seen|timestamp|1", "column|seen_tz|timestamptz|1", "column|score|float8|1",
	}
	common := func(who, out string) {
		t.Helper()
		wantLines(t, who, out, "column|", columns...)
		wantLines(t, who, out, "pk|", "pk|id|1|items_pkey")
		wantLines(t, who, out, "index|", "index|items_pkey|0|id")
		// Only the committed executemany rows: the first INSERT was rolled back.
		wantLines(t, who, out, "row|", "row|41|NULL|0.10|many 1|NULL|0.5", "row|42|-1|NULL|many 2|2001-01-01|NULL")
		wantLines(t, who, out, "done", "done")
	}
	out := run("provider", f.db, f.provider, f.providerPW)
	common("pyodbc provider", out)
	wantLines(t, "pyodbc provider", out, "table|", "table|sales|internal_notes", "table|sales|items")
	out = run("recipient", f.share, f.cred.User, f.cred.BearerToken)
	common("pyodbc recipient", out)
	wantLines(t, "pyodbc recipient", out, "table|", "table|sales|items")
	wantLines(t, "pyodbc recipient", out, "insert|", "insert|25006")
	wantLines(t, "pyodbc recipient", out, "after|", "after|2")
}

// tableLines returns SQLTables' rows of out under qualifier cat (five fields).
func tableLines(out, cat string) []string {
	var got []string
	for _, l := range linesWith(out, cat+"|") {
		if len(strings.Split(l, "|")) == 5 {
			got = append(got, l)
		}
	}
	return got
}
