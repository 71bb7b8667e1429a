package main

// Every statement of the sharing grammar in both of pgx's protocols: one
// scenario runs twice, in two disjoint worlds (tenants, shares and
// recipients named with the world's suffix), one in the simple protocol
// and one in pgx's default extended mode; every step must answer the same.

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgproto3"
)

func TestSharingBothProtocols(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	w := twinWorlds{t: t, simple: "_simple", ext: "_ext"}
	admin := s.admin(t, "postgres")
	admins := [2]*pgx.Conn{admin, admin}
	w.mustStep(admins, "CREATE TENANT prov{w} PASSWORD 'p' COMMENT 'provider'")
	w.mustStep(admins, "CREATE TENANT cons{w} PASSWORD 'c'")
	w.mustStep(admins, "CREATE TENANT gone{w} PASSWORD 'g'")
	wantStepCode(t, w.step(admins, "CREATE TENANT gone{w} PASSWORD 'g'"), "42710")
	w.mustStep(admins, "ALTER TENANT gone{w} PASSWORD 'h' COMMENT 'going'")
	w.mustStep(admins, "DROP TENANT gone{w}")
	w.mustStep(admins, "DROP TENANT IF EXISTS gone{w}")
	wantStepCode(t, w.step(admins, "DROP TENANT gone{w}"), "42704")
	// SHOW TENANTS lists both worlds: run twice instead.
	if rows := mustQueryBoth(t, admin, "SHOW TENANTS"); !strings.Contains(flatRows(rows), "prov_ext") {
		t.Errorf("SHOW TENANTS: %q", rows)
	}

	connect := func(user, password string) [2]*pgx.Conn {
		return [2]*pgx.Conn{s.connect(t, user+w.simple, password, "postgres"), s.connect(t, user+w.ext, password, "postgres")}
	}
	prov, cons := connect("prov", "p"), connect("cons", "c")
	for _, sql := range []string{
		"CREATE TABLE orders (id bigint, amount numeric(12,2))",
		"INSERT INTO orders VALUES (1, 10.50), (2, 20.25)",
		"CREATE SCHEMA fin",
		"CREATE TABLE fin.returns (id bigint)",
		"CREATE SHARE sh{w} COMMENT 'orders'",
		"CREATE SHARE IF NOT EXISTS sh{w}",
		"COMMENT ON SHARE sh{w} IS 'orders and returns'",
		"CREATE SHARE tmp{w}",
		"ALTER SHARE tmp{w} RENAME TO tmp2{w}",
		"ALTER SHARE IF EXISTS nope{w} RENAME TO nope2{w}",
		"DROP SHARE tmp2{w}",
		"DROP SHARE IF EXISTS tmp2{w}",
		"ALTER SHARE sh{w} ADD TABLE postgres.public.orders",
		"ALTER SHARE sh{w} ADD SCHEMA postgres.fin",
		"ALTER SHARE sh{w} REMOVE SCHEMA postgres.fin",
		"ALTER SHARE sh{w} ADD TABLE fin.returns",
		"ALTER SHARE sh{w} REMOVE TABLE fin.returns",
		"GRANT USAGE ON DATABASE postgres TO SHARE sh{w}",
		"GRANT SELECT ON TABLE fin.returns TO SHARE sh{w}",
		"REVOKE SELECT ON TABLE fin.returns FROM SHARE sh{w}",
		"GRANT SELECT ON ALL TABLES IN SCHEMA fin TO SHARE sh{w}",
		"REVOKE SELECT ON ALL TABLES IN SCHEMA fin FROM SHARE sh{w}",
		"REVOKE USAGE ON DATABASE postgres FROM SHARE sh{w}",
		"ALTER SHARE sh{w} ADD TENANTS = cons{w}",
	} {
		w.mustStep(prov, sql)
	}
	wantStepCode(t, w.step(prov, "CREATE SHARE sh{w}"), "42710")
	wantStepCode(t, w.step(prov, "ALTER SHARE sh{w} ADD TABLE postgres.public.orders"), "42710")
	wantStepCode(t, w.step(prov, "ALTER SHARE sh{w} ADD TABLE postgres.public.nope"), "42P01")
	wantStepCode(t, w.step(prov, "SHOW GRANTS ON SHARE nope{w}"), "42704")
	for _, sql := range []string{"SHOW SHARES", "SHOW ALL IN SHARE sh{w}", "SHOW GRANTS ON SHARE sh{w}", "DESC SHARE sh{w}", "SHOW GRANTS OF SHARE sh{w}"} {
		if r := w.mustStep(prov, sql); len(r[1].vals) == 0 || len(r[1].cols) == 0 {
			t.Errorf("%s in the extended mode: columns %q, rows %q", sql, r[1].cols, r[1].vals)
		}
	}

	created := w.mustStep(prov, "CREATE RECIPIENT acme{w} COMMENT 'ACME' PROPERTIES ('country' = 'US')")
	links := [2]string{}
	for i, r := range created {
		if len(r.text) != 1 || len(r.text[0]) != 3 || r.text[0][1] != "TOKEN" || !strings.Contains(r.text[0][2], "/activate/") {
			t.Fatalf("CREATE RECIPIENT (world %d) returned columns %q, rows %q; want (name, authentication_type, activation_link)", i, r.cols, r.text)
		}
		links[i] = r.text[0][2]
	}
	if r := w.mustStep(prov, "CREATE RECIPIENT IF NOT EXISTS acme{w}"); len(r[1].vals) != 0 || len(r[1].cols) != 3 {
		t.Errorf("CREATE RECIPIENT IF NOT EXISTS of an existing one: columns %q, rows %q; want its columns and no row", r[1].cols, r[1].vals)
	}
	wantStepCode(t, w.step(prov, "CREATE RECIPIENT acme{w}"), "42710")
	w.mustStep(prov, "CREATE RECIPIENT cons_r{w} USING ID 'cons{w}' COMMENT 'tenant'")
	w.mustStep(prov, "GRANT SELECT ON SHARE sh{w} TO RECIPIENT acme{w}")
	w.mustStep(prov, "GRANT SELECT ON SHARE sh{w} TO RECIPIENT cons_r{w}")
	w.mustStep(prov, "ALTER RECIPIENT acme{w} SET PROPERTIES ('team' = 'data')")
	for _, sql := range []string{"SHOW RECIPIENTS", "DESCRIBE RECIPIENT acme{w}", "SHOW GRANTS OF SHARE sh{w}", "SHOW GRANTS TO RECIPIENT acme{w}"} {
		if r := w.mustStep(prov, sql); len(r[1].vals) == 0 {
			t.Errorf("%s in the extended mode: no rows", sql)
		}
	}

	readOrders := func(recips [2]*pgx.Conn) {
		t.Helper()
		r := w.mustStep(recips, "SELECT id, amount FROM public.orders ORDER BY id")
		if got := flatRows(r[0].text); got != "1,10.50|2,20.25" {
			t.Errorf("the recipient reads %q", got)
		}
	}
	t.Run("the activation link of the extended mode activates and its token reads", func(t *testing.T) {
		var recips [2]*pgx.Conn
		for i, link := range links {
			recips[i] = recipientConnect(t, mustActivate(t, link), "sh"+[]string{w.simple, w.ext}[i])
		}
		readOrders(recips)
		if r := w.mustStep(prov, "DESCRIBE RECIPIENT acme{w}"); r[1].text[0][3] != "ACTIVATED" {
			t.Errorf("DESCRIBE RECIPIENT after activation: %q", r[1].text)
		}
		rotated := w.mustStep(prov, "ALTER RECIPIENT acme{w} ROTATE TOKEN EXPIRE EXISTING IN 3600 SECONDS")
		for i, r := range rotated {
			if len(r.text) != 1 || len(r.text[0]) != 2 || !strings.Contains(r.text[0][1], "/activate/") {
				t.Fatalf("ROTATE TOKEN (world %d) returned columns %q, rows %q; want (name, activation_link)", i, r.cols, r.text)
			}
			recips[i] = recipientConnect(t, mustActivate(t, r.text[0][1]), "sh"+[]string{w.simple, w.ext}[i])
		}
		readOrders(recips)
		w.mustStep(prov, "REVOKE SELECT ON SHARE sh{w} FROM RECIPIENT acme{w}")
		wantStepCode(t, w.step(recips, "SELECT id FROM public.orders"), "42P01", "3D000")
	})

	w.mustStep(cons, "CREATE DATABASE m{w} FROM SHARE prov{w}.sh{w}")
	if r := w.mustStep(cons, "SELECT id, amount FROM m{w}.public.orders ORDER BY id"); flatRows(r[0].text) != "1,10.50|2,20.25" {
		t.Errorf("the consumer tenant reads %q", r[0].text)
	}
	for _, sql := range []string{"DESC SHARE m{w}", "SHOW SHARES"} {
		if r := w.mustStep(cons, sql); len(r[1].vals) == 0 {
			t.Errorf("consumer's %s in the extended mode: no rows", sql)
		}
	}
	wantStepCode(t, w.step(cons, "INSERT INTO m{w}.public.orders VALUES (3, 1)"), "25006")
	w.mustStep(prov, "ALTER SHARE sh{w} REMOVE TENANTS = cons{w}")
	w.mustStep(prov, "REVOKE SELECT ON SHARE sh{w} FROM RECIPIENT cons_r{w}")
	wantStepCode(t, w.step(cons, "SELECT id FROM m{w}.public.orders"), "42P01", "3D000")
	w.mustStep(prov, "ALTER RECIPIENT acme{w} RENAME TO acme2{w}")
	w.mustStep(prov, "DROP RECIPIENT acme2{w}")
	w.mustStep(prov, "DROP RECIPIENT IF EXISTS acme2{w}")
	wantStepCode(t, w.step(prov, "DESCRIBE RECIPIENT acme2{w}"), "42704")
	w.mustStep(prov, "DROP SHARE sh{w}")
	w.mustStep(prov, "DROP SHARE IF EXISTS sh{w}")
	if r := w.mustStep(prov, "SHOW SHARES"); len(r[1].vals) != 0 || len(r[1].cols) != 7 {
		t.Errorf("SHOW SHARES after DROP SHARE: columns %q, rows %q; want its columns and no row", r[1].cols, r[1].vals)
	}
}

// wantStepCode checks that both worlds' step failed with one of codes.
func wantStepCode(t *testing.T, r [2]protoResult, codes ...string) {
	t.Helper()
	for _, x := range r {
		wantCode(t, x.err, codes...)
	}
}

// TestSharingDescribeWire: over the raw protocol, Describe of the
// statement and of the portal answer every row-returning sharing
// statement with a RowDescription, and Execute sends exactly those
// columns.
func TestSharingDescribeWire(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	s.mustCreateTenant(t, "prov")
	prov := s.tenant(t, "prov", "postgres")
	mustExec(t, prov, "CREATE TABLE orders (id bigint)")
	mustExec(t, prov, "CREATE SHARE sh COMMENT 'c'")
	mustExec(t, prov, "ALTER SHARE sh ADD TABLE orders")
	mustCreateRecipient(t, prov, "CREATE RECIPIENT r0")
	mustExec(t, prov, "GRANT SELECT ON SHARE sh TO RECIPIENT r0")
	fe, nc := hijackAs(t, s, "prov", tenantPassword("prov"))

	for _, tc := range []struct {
		sql  string
		cols string
	}{
		{"CREATE RECIPIENT r1", "name,authentication_type,activation_link"},
		{"CREATE RECIPIENT IF NOT EXISTS r1", "name,authentication_type,activation_link"},
		{"ALTER RECIPIENT r1 ROTATE TOKEN", "name,activation_link"},
		{"SHOW SHARES", "created_on,kind,name,database_name,to,from,comment"},
		{"SHOW RECIPIENTS", "created_on,name,authentication_type,comment"},
		{"SHOW ALL IN SHARE sh", "kind,name,shared_on"},
		{"SHOW GRANTS ON SHARE sh", "created_on,privilege,granted_on,name,granted_to,grantee_name"},
		{"SHOW GRANTS OF SHARE sh", "created_on,share,granted_to,recipient"},
		{"SHOW GRANTS TO RECIPIENT r0", "created_on,share,privilege,recipient"},
		{"DESC SHARE sh", "kind,name,shared_on"},
		{"DESCRIBE RECIPIENT r0", "name,created_on,authentication_type,status,token_expiration_time,comment,properties"},
		{"GRANT SELECT ON SHARE sh TO RECIPIENT r1", ""},
	} {
		t.Run(tc.sql, func(t *testing.T) {
			fe.Send(&pgproto3.Parse{Name: "st", Query: tc.sql})
			fe.Send(&pgproto3.Describe{ObjectType: 'S', Name: "st"})
			fe.Send(&pgproto3.Bind{PreparedStatement: "st"})
			fe.Send(&pgproto3.Describe{ObjectType: 'P'})
			fe.Send(&pgproto3.Execute{})
			fe.Send(&pgproto3.Close{ObjectType: 'S', Name: "st"})
			fe.Send(&pgproto3.Sync{})
			mustFlush(t, fe)
			var described []string
			rows := 0
			for _, m := range receiveUntilReady(t, fe, nc) {
				switch m := m.(type) {
				case *pgproto3.RowDescription:
					var names []string
					for _, f := range m.Fields {
						names = append(names, string(f.Name))
					}
					described = append(described, strings.Join(names, ","))
				case *pgproto3.NoData:
					described = append(described, "")
				case *pgproto3.DataRow:
					if len(m.Values) != len(strings.Split(tc.cols, ",")) {
						t.Errorf("DataRow of %d values for columns %s", len(m.Values), tc.cols)
					}
					rows++
				case *pgproto3.ErrorResponse:
					t.Fatalf("%s %s: %s", m.Code, m.Message, m.Detail)
				}
			}
			if len(described) != 2 || described[0] != tc.cols || described[1] != tc.cols {
				t.Errorf("Describe(statement), Describe(portal) = %q, want %q twice", described, tc.cols)
			}
			if tc.cols == "" && rows != 0 {
				t.Errorf("%d DataRows for a statement without columns", rows)
			}
		})
	}
}

// receiveUntilReady reads messages up to ReadyForQuery (copies, valid
// after the next Receive).
func receiveUntilReady(t *testing.T, fe *pgproto3.Frontend, nc net.Conn) []pgproto3.BackendMessage {
	t.Helper()
	var out []pgproto3.BackendMessage
	for {
		nc.SetReadDeadline(time.Now().Add(queryTimeout))
		m, err := fe.Receive()
		if err != nil {
			t.Fatalf("receive: %v", err)
		}
		switch m := m.(type) {
		case *pgproto3.ReadyForQuery:
			return out
		case *pgproto3.RowDescription:
			cp := *m
			cp.Fields = nil
			for _, f := range m.Fields {
				f.Name = []byte(string(f.Name))
				cp.Fields = append(cp.Fields, f)
			}
			out = append(out, &cp)
		case *pgproto3.DataRow:
			out = append(out, &pgproto3.DataRow{Values: make([][]byte, len(m.Values))})
		case *pgproto3.ErrorResponse:
			cp := *m
			out = append(out, &cp)
		case *pgproto3.NoData:
			out = append(out, &pgproto3.NoData{})
		}
	}
}
