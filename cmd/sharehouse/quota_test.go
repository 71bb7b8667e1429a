package main

// End-to-end: ALTER TENANT t SET QUOTA bounds the bytes of a tenant's
// tables. Writes that would take it past the quota (INSERT, COPY, UPDATE,
// CREATE TABLE AS) fail with 53100 naming the quota, in both protocols;
// reads go on, DELETE frees quota, RESET QUOTA lifts it, and SHOW TENANTS
// shows quota and usage.

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// tenantStorage returns SHOW TENANTS' quota and used_bytes of tenant name
// as conn sees them.
func tenantStorage(t *testing.T, conn *pgx.Conn, name string) (quota string, used int64) {
	t.Helper()
	rows := mustQueryRows(t, conn, "SHOW TENANTS")
	// The extended protocol describes and returns the same rows.
	ctx, cancel := context.WithTimeout(context.Background(), queryTimeout)
	defer cancel()
	ext, err := conn.Query(ctx, "SHOW TENANTS")
	if err != nil {
		t.Fatal(err)
	}
	extRows, err := pgx.CollectRows(ext, func(r pgx.CollectableRow) ([]string, error) {
		out := make([]string, len(r.RawValues()))
		for i, v := range r.RawValues() {
			out[i] = string(v)
		}
		return out, nil
	})
	if err != nil || flatRows(extRows) != flatRows(rows) {
		t.Fatalf("SHOW TENANTS extended: %q %v; simple: %q", extRows, err, rows)
	}
	if names := ext.FieldDescriptions(); len(names) != 5 || names[3].Name != "quota" || names[4].Name != "used_bytes" {
		t.Fatalf("SHOW TENANTS columns over the extended protocol: %v", names)
	}
	for _, r := range rows {
		if len(r) != 5 {
			t.Fatalf("SHOW TENANTS row %q: want created_on, name, comment, quota, used_bytes", r)
		}
		if r[1] == name {
			n, err := strconv.ParseInt(r[4], 10, 64)
			if err != nil {
				t.Fatalf("used_bytes %q: %v", r[4], err)
			}
			return r[3], n
		}
	}
	t.Fatalf("SHOW TENANTS has no %s: %q", name, rows)
	return "", 0
}

func TestTenantQuota(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	admin := s.admin(t, "postgres")
	s.mustCreateTenant(t, "q")
	s.mustCreateTenant(t, "free")
	conns := map[pgx.QueryExecMode]*pgx.Conn{}
	for _, m := range execModes {
		conns[m] = s.tenant(t, "q", "postgres")
	}
	simple, extended := conns[execModes[0]], conns[execModes[1]]

	// Only a superuser sets quotas; sizes are pg_size_bytes'.
	for _, m := range execModes {
		wantCode(t, execErr(simple, "ALTER TENANT q SET QUOTA '1GB'", m), "42501")
		pe := wantCode(t, execErr(admin, "ALTER TENANT q SET QUOTA '10XB'", m), "22023")
		if pe.Message != `invalid size: "10XB"` || pe.Detail != `Invalid size unit: "XB".` {
			t.Errorf("%v: bad unit: %q detail %q", m, pe.Message, pe.Detail)
		}
		wantCode(t, execErr(admin, "ALTER TENANT q SET QUOTA '0 kB'", m), "22023")
		wantCode(t, execErr(admin, "ALTER TENANT nobody SET QUOTA '1MB'", m), "42704")
	}
	if q, _ := tenantStorage(t, admin, "q"); q != "" {
		t.Errorf("quota %q before any SET QUOTA", q)
	}
	mustExec(t, admin, "ALTER TENANT q SET QUOTA '1 mb'", pgx.QueryExecModeSimpleProtocol)
	mustExec(t, admin, "ALTER TENANT q SET QUOTA '1MB'") // extended
	if q, used := tenantStorage(t, simple, "q"); q != "1 MB" || used != 0 {
		t.Errorf("the tenant sees quota %q, used %d; want 1 MB, 0", q, used)
	}

	// Fill until the quota refuses, alternating the protocols.
	mustExec(t, simple, "CREATE TABLE fill (id bigint, pad text)")
	const batch = 1000
	var acked, next int64 = 0, 1
	var refused error
	for i := 0; i < 50 && refused == nil; i++ {
		mode := execModes[i%2]
		err := execErr(conns[mode], fillSQL, mode, next, next+batch-1)
		next += batch
		if err == nil {
			acked += batch
		} else {
			refused = err
		}
	}
	if refused == nil || acked == 0 {
		t.Fatalf("%d rows acknowledged, then %v; want some rows, then a refusal", acked, refused)
	}
	const msg = `tenant "q" would exceed its storage quota of 1 MB`
	for _, m := range execModes {
		pe := wantCode(t, execErr(conns[m], fillSQL, m, next, next+batch-1), "53100")
		if pe.Message != msg || !strings.Contains(pe.Detail, "would take") {
			t.Errorf("%v: %q detail %q, want %q", m, pe.Message, pe.Detail, msg)
		}
		next += batch
	}
	_, used := tenantStorage(t, admin, "q")
	t.Logf("the 1 MB quota refused a write after %d rows; used_bytes %d", acked, used)
	if used <= 0 || used > 1<<20 {
		t.Errorf("used_bytes %d after the refusals, want 1..%d", used, 1<<20)
	}
	if size := queryInt64(t, simple, "SELECT pg_table_size('fill')"); size != used {
		t.Errorf("used_bytes %d, pg_table_size %d: want the same for the tenant's only table", used, size)
	}

	// Every other way of adding data is refused too, and leaves nothing.
	ctx, cancel := context.WithTimeout(context.Background(), queryTimeout)
	defer cancel()
	_, err := extended.PgConn().CopyFrom(ctx, strings.NewReader(fillCSV(next, 4*batch)), "COPY fill FROM STDIN (FORMAT csv)")
	if pe := wantCode(t, err, "53100"); pe.Message != msg {
		t.Errorf("COPY: %q", pe.Message)
	}
	for _, m := range execModes {
		if pe := wantCode(t, execErr(conns[m], "CREATE TABLE copy AS SELECT * FROM fill", m), "53100"); pe.Message != msg {
			t.Errorf("%v: CREATE TABLE AS: %q", m, pe.Message)
		}
		wantCode(t, execErr(conns[m], "SELECT count(*) FROM copy", m), "42P01")
		if pe := wantCode(t, execErr(conns[m], "UPDATE fill SET pad = pad || pad", m), "53100"); pe.Message != msg {
			t.Errorf("%v: UPDATE: %q", m, pe.Message)
		}
	}
	// psql shows PostgreSQL's form of the refusal, and \copy is refused.
	_, errOut, err := s.psql(t, "q", tenantPassword("q"), "postgres", "", strings.NewReader(fillCSV(next, 4*batch)),
		"-v", "VERBOSITY=verbose", "-c", `\copy fill FROM STDIN (FORMAT csv)`)
	if err == nil || !strings.Contains(errOut, "ERROR:  53100: "+msg) {
		t.Errorf("psql \\copy at the quota: %v\n%s", err, errOut)
	}
	next += 4 * batch
	// Reads go on and see what was acknowledged, unchanged.
	for _, m := range execModes {
		var n, sum int64
		mustQueryRow(t, conns[m], "SELECT count(*), sum(length(pad)) FROM fill WHERE id > $1", []any{&n, &sum}, 0)
		if n != acked || sum != acked*256 {
			t.Errorf("%v: %d rows, %d bytes of pad; want %d, %d", m, n, sum, acked, acked*256)
		}
	}
	// Another tenant is not bound by q's quota.
	free := s.tenant(t, "free", "postgres")
	mustExec(t, free, "CREATE TABLE fill (id bigint, pad text)")
	for i := int64(0); i < acked/batch+2; i++ {
		mustExec(t, free, fillSQL, i*batch+1, (i+1)*batch)
	}

	// Deleting frees quota: writes fit again.
	mustExec(t, extended, "DELETE FROM fill WHERE id > $1", batch)
	acked = batch
	if _, after := tenantStorage(t, simple, "q"); after >= used {
		t.Errorf("used_bytes %d after DELETE, was %d", after, used)
	}
	for _, m := range execModes {
		if err := execErr(conns[m], fillSQL, m, next, next+batch-1); err != nil {
			t.Fatalf("%v: insert after DELETE: %v", m, err)
		}
		acked += batch
		next += batch
	}

	// The quota outlives a restart; RESET QUOTA (and SET QUOTA NONE) lift it.
	s.stop(t)
	s.restart(t)
	admin = s.admin(t, "postgres")
	if q, _ := tenantStorage(t, admin, "q"); q != "1 MB" {
		t.Errorf("quota %q after a restart", q)
	}
	q := s.tenant(t, "q", "postgres")
	var err2 error
	for i := 0; i < 50 && err2 == nil; i++ {
		if err2 = execErr(q, fillSQL, next, next+batch-1); err2 == nil {
			acked += batch
		}
		next += batch
	}
	if pe := wantCode(t, err2, "53100"); pe.Message != msg {
		t.Errorf("after a restart: %q", pe.Message)
	}
	mustExec(t, admin, "ALTER TENANT q SET QUOTA NONE")
	mustExec(t, admin, "ALTER TENANT q SET QUOTA '2kB'")
	if quota, _ := tenantStorage(t, admin, "q"); quota != "2 kB" {
		t.Errorf("quota %q, want 2 kB", quota)
	}
	mustExec(t, admin, "ALTER TENANT q RESET QUOTA", pgx.QueryExecModeSimpleProtocol)
	if quota, _ := tenantStorage(t, admin, "q"); quota != "" {
		t.Errorf("quota %q after RESET QUOTA", quota)
	}
	for i := 0; i < 4; i++ {
		mustExec(t, q, fillSQL, next, next+batch-1)
		acked += batch
		next += batch
	}
	if n := queryInt64(t, q, "SELECT count(*) FROM fill"); n != acked {
		t.Errorf("%d rows, want %d", n, acked)
	}
	// Dropping the tenant drops its quota with it.
	mustExec(t, admin, "DROP TENANT q")
	mustExec(t, admin, "CREATE TENANT q PASSWORD 'q-pw'")
	if quota, used := tenantStorage(t, admin, "q"); quota != "" || used != 0 {
		t.Errorf("a new tenant q: quota %q, used %d", quota, used)
	}
}
