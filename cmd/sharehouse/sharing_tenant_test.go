package main

// End-to-end tests of tenant-to-tenant sharing: the Databend/Snowflake
// flow (GRANT … TO SHARE, ADD TENANTS, CREATE DATABASE … FROM SHARE) and
// tenant recipients (CREATE RECIPIENT … USING ID).

import (
	"context"
	"strings"
	"testing"
)

func TestSharingTenantFlows(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	for _, name := range []string{"provider_co", "globex", "initech"} {
		s.mustCreateTenant(t, name)
	}
	prov := s.tenant(t, "provider_co", "postgres")
	ctx := context.Background()

	mustExec(t, prov, "CREATE DATABASE db1")
	db1 := s.tenant(t, "provider_co", "db1")
	mustExec(t, db1, "CREATE TABLE public.table1 (id bigint, name text)")
	mustExec(t, db1, "CREATE TABLE public.private1 (id bigint)")
	csv, _ := ordersCSV(2000)
	mustExec(t, db1, "CREATE TABLE public.orders (id bigint, customer text, amount numeric(12,2), created date)")
	if _, err := db1.PgConn().CopyFrom(ctx, strings.NewReader(csv), "COPY public.orders FROM STDIN (FORMAT csv)"); err != nil {
		t.Fatal(err)
	}
	mustExec(t, db1, "INSERT INTO public.table1 VALUES (1, 'one'), (2, 'two')")
	before := dataFiles(t, s.dir)

	// The provider, Databend style.
	mustExec(t, prov, "CREATE SHARE t COMMENT 'table1 for globex'")
	mustExec(t, prov, "GRANT USAGE ON DATABASE db1 TO SHARE t")
	mustExec(t, prov, "GRANT SELECT ON TABLE db1.public.table1 TO SHARE t")
	mustExec(t, prov, "GRANT SELECT ON TABLE db1.public.orders TO SHARE t")
	mustExec(t, prov, "ALTER SHARE t ADD TENANTS = globex")
	own := mustQueryBoth(t, prov, "SHOW SHARES")
	if len(own) != 1 || own[0][1] != "OUTBOUND" || own[0][2] != "t" || !strings.Contains(own[0][4], "globex") {
		t.Errorf("provider's SHOW SHARES: %q", own)
	}

	globex := s.tenant(t, "globex", "postgres")
	initech := s.tenant(t, "initech", "postgres")
	t.Run("consumer sees the share INBOUND", func(t *testing.T) {
		rows := mustQueryBoth(t, globex, "SHOW SHARES")
		if len(rows) != 1 || rows[0][1] != "INBOUND" || rows[0][2] != "provider_co.t" || rows[0][5] != "provider_co" {
			t.Fatalf("globex SHOW SHARES: %q", rows)
		}
		if rows := mustQueryBoth(t, initech, "SHOW SHARES"); len(rows) != 0 {
			t.Errorf("initech, not a consumer, sees %q", rows)
		}
	})

	mustExec(t, globex, "CREATE DATABASE db FROM SHARE provider_co.t")
	t.Run("mount and read", func(t *testing.T) {
		if got := flatRows(mustQueryBoth(t, globex, "SELECT id, name FROM db.public.table1 ORDER BY id")); got != "1,one|2,two" {
			t.Errorf("globex reads %q", got)
		}
		if n := queryInt64(t, globex, "SELECT count(*) FROM db.public.orders"); n != 2000 {
			t.Errorf("globex counts %d orders", n)
		}
		rows := mustQueryBoth(t, globex, "SHOW SHARES")
		if len(rows) != 1 || rows[0][3] != "db" {
			t.Errorf("SHOW SHARES after the mount: %q, want database_name db", rows)
		}
		// Connected to the mounted database itself, two-part names work.
		mounted := s.tenant(t, "globex", "db")
		if n := queryInt64(t, mounted, "SELECT count(*) FROM public.table1"); n != 2 {
			t.Errorf("in database db: %d rows", n)
		}
		desc := mustQueryBoth(t, globex, "DESC SHARE db")
		var names []string
		for _, r := range desc {
			names = append(names, r[1])
		}
		if got := strings.Join(names, ","); !strings.Contains(got, "public.table1") || !strings.Contains(got, "public.orders") || strings.Contains(got, "private1") {
			t.Errorf("DESC SHARE db lists %q", got)
		}
		wantAbsent(t, queryErr(globex, "SELECT * FROM db.public.private1"))
		wantAbsent(t, queryErr(globex, "SELECT * FROM db1.public.table1"))
		for _, f := range mustQueryBoth(t, globex, "SELECT table_catalog || '.' || table_schema || '.' || table_name FROM information_schema.tables") {
			if strings.Contains(f[0], "private1") || strings.HasPrefix(f[0], "db1.") {
				t.Errorf("information_schema.tables shows %s to globex", f[0])
			}
		}
	})

	t.Run("others cannot mount", func(t *testing.T) {
		for _, q := range []string{
			"CREATE DATABASE x FROM SHARE provider_co.t",
			"CREATE DATABASE x FROM SHARE provider_co.nope",
			"CREATE DATABASE x FROM SHARE nobody.t",
		} {
			err := execErr(initech, q)
			pe := wantCode(t, err, "42704")
			if !strings.Contains(pe.Message, "does not exist") {
				t.Errorf("%s: %q", q, pe.Message)
			}
		}
		// Nor does a second mount of the same name pass.
		wantCode(t, execErr(globex, "CREATE DATABASE db FROM SHARE provider_co.t"), "42P04")
	})

	t.Run("read-only in the mounted database", func(t *testing.T) {
		for _, q := range []string{
			"INSERT INTO db.public.table1 VALUES (3, 'three')",
			"UPDATE db.public.table1 SET name = 'x'",
			"DELETE FROM db.public.table1",
			"TRUNCATE db.public.table1",
			"DROP TABLE db.public.table1",
			"ALTER TABLE db.public.table1 ADD COLUMN c int",
			"ALTER TABLE db.public.table1 RENAME TO t2",
			"CREATE TABLE db.public.mine (a int)",
			"COMMENT ON TABLE db.public.table1 IS 'x'",
		} {
			t.Run(q, func(t *testing.T) { wantReadOnly(t, execErr(globex, q), "t") })
		}
		mounted := s.tenant(t, "globex", "db")
		for _, q := range []string{"CREATE SCHEMA mine", "CREATE TABLE mine (a int)", "DROP SCHEMA public"} {
			t.Run("in db: "+q, func(t *testing.T) { wantReadOnly(t, execErr(mounted, q), "t") })
		}
		if got := flatRows(mustQueryBoth(t, db1, "SELECT count(*) FROM public.table1")); got != "2" {
			t.Errorf("provider's table1 has %s rows after the attempts", got)
		}
	})

	t.Run("zero-copy and live", func(t *testing.T) {
		for f := range dataFiles(t, s.dir) {
			if _, ok := before[f]; !ok {
				t.Errorf("sharing or mounting added data file %s", f)
			}
		}
		mustExec(t, db1, "INSERT INTO public.table1 VALUES (3, 'three')")
		if n := queryInt64(t, globex, "SELECT count(*) FROM db.public.table1"); n != 3 {
			t.Errorf("globex sees %d rows after the provider's INSERT, want 3", n)
		}
	})

	t.Run("tenant recipient USING ID", func(t *testing.T) {
		mustExec(t, prov, "CREATE SHARE u")
		mustExec(t, prov, "ALTER SHARE u ADD TABLE db1.public.private1")
		mustExec(t, db1, "INSERT INTO public.private1 VALUES (42)")
		if link := mustCreateRecipient(t, prov, "CREATE RECIPIENT initech_r USING ID 'initech' COMMENT 'Initech'"); link != "" {
			t.Fatalf("tenant recipient got a link %q", link)
		}
		// Not yet granted: nothing to see or mount.
		if rows := mustQueryBoth(t, initech, "SHOW SHARES"); len(rows) != 0 {
			t.Errorf("before the grant initech sees %q", rows)
		}
		wantCode(t, execErr(initech, "CREATE DATABASE p FROM SHARE provider_co.u"), "42704")
		mustExec(t, prov, "GRANT SELECT ON SHARE u TO RECIPIENT initech_r")
		rows := mustQueryBoth(t, initech, "SHOW SHARES")
		if len(rows) != 1 || rows[0][1] != "INBOUND" || rows[0][2] != "provider_co.u" {
			t.Fatalf("initech SHOW SHARES: %q", rows)
		}
		mustExec(t, initech, "CREATE DATABASE p FROM SHARE provider_co.u")
		if n := queryInt64(t, initech, "SELECT id FROM p.public.private1"); n != 42 {
			t.Errorf("initech reads %d", n)
		}
		// globex's share t and initech's u do not mix.
		wantAbsent(t, queryErr(initech, "SELECT * FROM p.public.table1"))
		wantAbsent(t, queryErr(globex, "SELECT * FROM db.public.private1"))
		rec := mustQueryBoth(t, prov, "SHOW RECIPIENTS")
		if len(rec) != 1 || rec[0][1] != "initech_r" || rec[0][2] != "TENANT" {
			t.Errorf("SHOW RECIPIENTS: %q", rec)
		}
		// A tenant recipient has no token to rotate, nor a login.
		if err := execErr(prov, "ALTER RECIPIENT initech_r ROTATE TOKEN"); err == nil {
			t.Error("ROTATE TOKEN of a tenant recipient succeeded")
		}
	})

	t.Run("DROP DATABASE unmounts", func(t *testing.T) {
		mustExec(t, globex, "DROP DATABASE db")
		wantAbsent(t, queryErr(globex, "SELECT * FROM db.public.table1"))
		if rows := mustQueryBoth(t, globex, "SHOW SHARES"); len(rows) != 1 || rows[0][3] != "" {
			t.Errorf("after DROP DATABASE globex SHOW SHARES: %q (still INBOUND, not mounted)", rows)
		}
		if n := queryInt64(t, db1, "SELECT count(*) FROM public.table1"); n != 3 {
			t.Errorf("the provider's table has %d rows after the unmount, want 3", n)
		}
		if rows := mustQueryBoth(t, prov, "SHOW SHARES"); len(rows) != 2 {
			t.Errorf("provider's shares after the unmount: %q", rows)
		}
		// Mounting again works: the share is still granted.
		mustExec(t, globex, "CREATE DATABASE db2 FROM SHARE provider_co.t")
		if n := queryInt64(t, globex, "SELECT count(*) FROM db2.public.table1"); n != 3 {
			t.Errorf("remount: %d rows", n)
		}
	})
}
