package main

// pgjdbc, the driver of every Java tool, as the provider and as a token
// recipient: testdata/clients/jdbc/ClientCheck.java is compiled with javac
// against Debian's libpostgresql-jdbc-java and prints what it sees.

import (
	"path/filepath"
	"strings"
	"testing"
)

// pgjdbcJar is where Debian's libpostgresql-jdbc-java installs the driver.
const pgjdbcJar = "/usr/share/java/postgresql.jar"

func TestClientJDBC(t *testing.T) {
	t.Parallel()
	javac := requireTool(t, "javac", "default-jdk-headless")
	java := requireTool(t, "java", "default-jdk-headless")
	jar := requireFile(t, pgjdbcJar, "libpostgresql-jdbc-java")
	f := newClientFixture(t)

	classes := t.TempDir()
	src, err := filepath.Abs("../../testdata/clients/jdbc/ClientCheck.java")
	if err != nil {
		t.Fatal(err)
	}
	runClient(t, "", nil, javac, "-d", classes, "-cp", jar, src)
	run := func(mode, db, user, password string) string {
		url := "jdbc:postgresql://" + f.host + ":" + f.port + "/" + db + "?sslmode=disable&connectTimeout=10"
		return runClient(t, "", nil, java, "-Duser.timezone=UTC", "-cp", jar+":"+classes,
			"ClientCheck", mode, url, user, password, f.schema, f.table)
	}

	// What both see of the table (PostgreSQL 15 and pgjdbc 42.5 give the same).
	columns := []string{
		"column|items|1|id|int4|4|10|0|0|NO|null",
		"column|items|2|big|int8|-5|19|0|1|YES|null",
		"column|items|3|price|numeric|2|10|2|1|YES|null",
		"column|items|4|name|text|12|2147483647|0|0|NO|null",
		"column|items|5|code|varchar|12|8|0|1|YES|null",
		"column|items|6|active|bool|-7|1|0|1|YES|null",
		"column|items|7|born|date|91|13|0|1|YES|null",
		"column|items|8|seen|timestamp|93|29|6|1|YES|null",
		"column|items|9|seen_tz|timestamptz|93|35|6|1|YES|null",
		"column|items|10|score|float8|8|17|17|1|YES|null",
	}
	rsmeta := []string{
		"rsmeta|1|id|int4|4|10|0|0|items",
		"rsmeta|2|big|int8|-5|19|0|1|items",
		"rsmeta|3|price|numeric|2|10|2|1|items",
		"rsmeta|4|name|text|12|2147483647|0|0|items",
		"rsmeta|5|code|varchar|12|8|0|1|items",
		"rsmeta|6|active|bool|-7|1|0|1|items",
		"rsmeta|7|born|date|91|13|0|1|items",
		"rsmeta|8|seen|timestamp|93|29|6|1|items",
		"rsmeta|9|seen_tz|timestamptz|93|35|6|1|items",
		"rsmeta|10|score|float8|8|17|17|1|items",
	}
	// After the provider's run: its batch (one row with every type, one
	// of NULLs set with setNull), its UPDATE, and the committed row.
	rows := []string{
		"row|1|9000000000|12.50|apple|A1|true|2024-01-02|2024-01-02 03:04:05.0|2024-01-02T03:04:05Z|3.0",
		`row|10|-5000000000|99.95|pear, "green"|P10|false|2023-12-31|2023-12-31 23:59:58.5|2023-12-31T20:00Z|-0.25`,
		"row|11|NULL|NULL|quince|NULL|NULL|NULL|NULL|NULL|NULL",
		"row|21|NULL|NULL|committed|NULL|NULL|NULL|NULL|NULL|NULL",
	}
	var prepared []string
	for round := 1; round <= 6; round++ {
		prepared = append(prepared, "prepared|"+string(rune('0'+round))+`|1:apple:12.50,10:pear, "green":99.95`)
	}
	common := func(who, out string) {
		t.Helper()
		wantLines(t, who, out, "product|", "product|PostgreSQL|15")
		wantLines(t, who, out, "column|", columns...)
		wantLines(t, who, out, "pk|", "pk|items|id|1|items_pkey")
		wantLines(t, who, out, "index|", "index|items|items_pkey|false|1|id|A")
		wantLines(t, who, out, "typeinfo|",
			"typeinfo|numeric|2|1000|false", "typeinfo|int4|4|0|false", "typeinfo|text|12|0|true", "typeinfo|timestamptz|93|6|false")
		wantLines(t, who, out, "typeinfocount|", "typeinfocount|true")
		wantLines(t, who, out, "rsmeta|", rsmeta...)
		wantLines(t, who, out, "row|", rows...)
		wantLines(t, who, out, "prepared|", prepared...)
		wantLines(t, who, out, "fetchsize|", "fetchsize|1,10,11,21")
		wantLines(t, who, out, "done", "done")
	}

	out := run("provider", f.db, f.provider, f.providerPW)
	common("provider", out)
	wantLines(t, "provider", out, "catalog|", "catalog|postgres")
	// What PostgreSQL 15 answers: imported/exported key, KEY_SEQ 1,
	// UPDATE_RULE 3 (no action), DELETE_RULE 0 (cascade), DEFERRABILITY 7.
	wantLines(t, "provider", out, "exportedkey|", "exportedkey|sales|items|id|sales|internal_notes|id|1|3|0|internal_notes_id_fkey|items_pkey|7")
	wantLines(t, "provider", out, "importedkey|")
	wantLines(t, "provider", out, "foreignkeys|", "foreignkeys|1")
	wantLines(t, "provider", out, "table|", "table|sales|internal_notes|TABLE|null", "table|sales|items|TABLE|null")
	wantLines(t, "provider", out, "batch|", "batch|1,1")
	wantLines(t, "provider", out, "update|", "update|1")
	wantLines(t, "provider", out, "txn|", "txn|0|1")
	if s := linesWith(out, "schema|"); !strings.Contains(strings.Join(s, " "), "schema|sales") {
		t.Errorf("provider: getSchemas has no sales: %q", s)
	}

	// The recipient sees the share as its database and only the shared
	// table; its writes fail with 25006 and the session goes on.
	out = run("recipient", f.share, f.cred.User, f.cred.BearerToken)
	common("recipient", out)
	wantLines(t, "recipient", out, "foreignkeys|", "foreignkeys|0") // internal_notes is not shared
	wantLines(t, "recipient", out, "catalog|", "catalog|items_share")
	wantLines(t, "recipient", out, "table|", "table|sales|items|TABLE|null")
	wantLines(t, "recipient", out, "schema|", "schema|information_schema", "schema|pg_catalog", "schema|sales")
	wantLines(t, "recipient", out, "insert|", "insert|25006")
	wantLines(t, "recipient", out, "delete|", "delete|25006")
	wantLines(t, "recipient", out, "after|", "after|4")
	if strings.Contains(out, "internal_notes") || strings.Contains(out, "notes_pk") {
		t.Errorf("recipient saw an unshared table:\n%s", out)
	}
}
