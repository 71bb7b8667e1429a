package executor

import (
	"context"
	"strings"
	"testing"

	"github.com/sharehouse/sharehouse/executor/sqlstate"
)

func session(t *testing.T, e *Engine, user, db string, authKey []byte) *Session {
	t.Helper()
	s, err := e.NewSession(context.Background(), SessionOptions{User: user, Database: db, AuthKey: authKey})
	if err != nil {
		t.Fatalf("session %s/%s: %v", user, db, err)
	}
	t.Cleanup(s.Close)
	return s
}

func wantCode(t *testing.T, s *Session, sql string, code sqlstate.Code) {
	t.Helper()
	if _, _, err := run(t, s, sql); sqlstate.CodeOf(err) != code {
		t.Errorf("%s: got %v (%s), want %s", sql, err, sqlstate.CodeOf(err), code)
	}
}

func TestSharingFlows(t *testing.T) {
	e, admin := testEngine(t)
	ctx := context.Background()
	mustRun(t, admin, `CREATE TENANT provider_co PASSWORD 'p'`)
	mustRun(t, admin, `CREATE TENANT globex PASSWORD 'g'`)
	prov := session(t, e, "provider_co", "postgres", nil)
	mustRun(t, prov, `CREATE DATABASE gold`)
	mustRun(t, session(t, e, "provider_co", "gold", nil), `CREATE SCHEMA finance`)
	mustRun(t, prov, `CREATE TABLE gold.finance.orders (id bigint, amount numeric(12,2))`)
	mustRun(t, prov, `CREATE TABLE gold.finance.secret (id bigint)`)
	mustRun(t, prov, `INSERT INTO gold.finance.orders VALUES (1, 10.50), (2, 20.25)`)
	mustRun(t, prov, `CREATE SHARE fin COMMENT 'orders'`)
	mustRun(t, prov, `ALTER SHARE fin ADD TABLE gold.finance.orders`)
	wantCode(t, prov, `ALTER SHARE fin ADD TABLE gold.finance.nope`, sqlstate.UndefinedTable)
	wantCode(t, prov, `CREATE SHARE fin`, sqlstate.DuplicateObject)
	rows := mustRun(t, prov, `CREATE RECIPIENT acme COMMENT 'ACME'`)
	if len(rows) != 1 || rows[0][1] != "TOKEN" || !strings.Contains(rows[0][2], "/activate/") {
		t.Fatalf("CREATE RECIPIENT returned %v", rows)
	}
	code := rows[0][2][strings.LastIndex(rows[0][2], "/")+1:]
	mustRun(t, prov, `GRANT SELECT ON SHARE fin TO RECIPIENT acme`)
	mustRun(t, prov, `CREATE RECIPIENT globex_r USING ID 'globex'`)
	mustRun(t, prov, `GRANT SELECT ON SHARE fin TO RECIPIENT globex_r`)

	// Token recipient: activate, log in, read the share as a database.
	cred, err := e.cat.Activate(ctx, code)
	if err != nil {
		t.Fatal(err)
	}
	scram, err := e.LookupSCRAM(ctx, cred.User)
	if err != nil {
		t.Fatal(err)
	}
	acme := session(t, e, cred.User, "fin", scram.StoredKey)
	if got := flat(mustRun(t, acme, `SELECT id, amount FROM finance.orders ORDER BY id`)); got != "1,10.50|2,20.25" {
		t.Fatalf("acme reads %q", got)
	}
	wantCode(t, acme, `SELECT * FROM finance.secret`, sqlstate.UndefinedTable)
	wantCode(t, acme, `SELECT * FROM gold.finance.orders`, sqlstate.InvalidCatalogName)
	wantCode(t, acme, `INSERT INTO finance.orders VALUES (3, 1)`, sqlstate.ReadOnlySQLTransaction)
	wantCode(t, acme, `DELETE FROM finance.orders`, sqlstate.ReadOnlySQLTransaction)
	wantCode(t, acme, `CREATE TABLE finance.x (a int)`, sqlstate.ReadOnlySQLTransaction)
	// The privilege functions tell the same story as the writes.
	if got := flat(mustRun(t, acme, `SELECT has_table_privilege('finance.orders', 'SELECT'), has_table_privilege('finance.orders', 'INSERT'),
		has_table_privilege('finance.orders', 'SELECT WITH GRANT OPTION'), has_any_column_privilege('finance.orders', 'UPDATE'),
		has_schema_privilege('finance', 'USAGE'), has_schema_privilege('finance', 'CREATE'),
		has_database_privilege(current_database(), 'CONNECT'), has_database_privilege(current_database(), 'CREATE')`)); got != "t,f,f,f,t,f,t,f" {
		t.Errorf("acme privileges: %s", got)
	}
	wantCode(t, acme, `SELECT has_table_privilege('finance.secret', 'SELECT')`, sqlstate.UndefinedTable)

	// Tenant recipient mounts; the provider's new rows show at once.
	g := session(t, e, "globex", "postgres", nil)
	if got := flat(mustRun(t, g, `SHOW SHARES`)); !strings.Contains(got, "INBOUND,provider_co.fin") {
		t.Fatalf("globex SHOW SHARES: %s", got)
	}
	mustRun(t, g, `CREATE DATABASE fin FROM SHARE provider_co.fin`)
	mustRun(t, prov, `INSERT INTO gold.finance.orders VALUES (3, 30)`)
	if got := flat(mustRun(t, g, `SELECT count(*), sum(amount) FROM fin.finance.orders`)); got != "3,60.75" {
		t.Fatalf("globex reads %q", got)
	}
	// Revocation is immediate; the other recipient keeps access.
	mustRun(t, prov, `REVOKE SELECT ON SHARE fin FROM RECIPIENT globex_r`)
	wantCode(t, g, `SELECT * FROM fin.finance.orders`, sqlstate.UndefinedTable)
	if got := flat(mustRun(t, acme, `SELECT count(*) FROM finance.orders`)); got != "3" {
		t.Fatalf("acme after globex revoke: %q", got)
	}
	mustRun(t, prov, `ALTER SHARE fin REMOVE TABLE gold.finance.orders`)
	wantCode(t, acme, `SELECT * FROM finance.orders`, sqlstate.UndefinedTable)

	// Every consumer read is in the provider's audit, and only there.
	if err := e.cat.FlushAudit(ctx); err != nil {
		t.Fatal(err)
	}
	got := flat(mustRun(t, prov, `SELECT recipient_name, share_name, table_name, status, sqlstate FROM system.access.audit ORDER BY request_time, recipient_name, status`))
	for _, want := range []string{"acme,fin,finance.orders,OK,", "globex,fin,finance.orders,OK,", "acme,fin,finance.orders,ERROR,25006"} {
		if !strings.Contains(got, want) {
			t.Errorf("audit lacks %q: %s", want, got)
		}
	}
	if got := flat(mustRun(t, g, `SELECT count(*) FROM system.access.audit`)); got != "0" {
		t.Errorf("globex sees %s audit events of others", got)
	}
}
