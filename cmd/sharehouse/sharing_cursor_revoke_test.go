package main

// End-to-end tests of revocation reaching open cursors and suspended
// portals: a FETCH or MOVE after a revocation answers what a new SELECT
// would (42P01 / 3D000, same message), the cursor yields nothing more,
// and the audit records each FETCH's rows and each refusal's SQLSTATE.

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
)

// cursorRows is how many rows the shared table holds (ids 1..cursorRows).
const cursorRows = 10

// cursorFixture: provider p_n shares d.s.t1 as sh with token recipient
// a_n and, per access, with tenant g_n (mounted as m); bystander b_n reads
// the same table through share other.
type cursorFixture struct {
	n, provider, g string
	prov           *pgx.Conn
	credA, credB   shareCredential
	s              *server
}

func newCursorFixture(t *testing.T, s *server, n string, access tenantAccess) *cursorFixture {
	t.Helper()
	f := &cursorFixture{n: n, provider: "p_" + n, g: "g_" + n, s: s}
	s.mustCreateTenant(t, f.provider)
	s.mustCreateTenant(t, f.g)
	mustExec(t, s.tenant(t, f.provider, "postgres"), "CREATE DATABASE d")
	f.prov = s.tenant(t, f.provider, "d")
	var vals []string
	for i := 1; i <= cursorRows; i++ {
		vals = append(vals, fmt.Sprintf("(%d)", i))
	}
	for _, sql := range []string{
		"CREATE SCHEMA s",
		"CREATE TABLE s.t1 (id bigint)",
		"INSERT INTO s.t1 VALUES " + strings.Join(vals, ", "),
		"CREATE SHARE sh", "ALTER SHARE sh ADD TABLE d.s.t1",
		"CREATE SHARE other", "ALTER SHARE other ADD TABLE d.s.t1",
	} {
		mustExec(t, f.prov, sql)
	}
	for _, r := range []struct {
		name, share string
		cred        *shareCredential
	}{{"a_" + n, "sh", &f.credA}, {"b_" + n, "other", &f.credB}} {
		link := mustCreateRecipient(t, f.prov, "CREATE RECIPIENT "+r.name)
		mustExec(t, f.prov, fmt.Sprintf("GRANT SELECT ON SHARE %s TO RECIPIENT %s", r.share, r.name))
		*r.cred = mustActivate(t, link)
	}
	switch access {
	case viaTenants:
		mustExec(t, f.prov, "ALTER SHARE sh ADD TENANTS = "+f.g)
	case viaRecipient:
		mustCreateRecipient(t, f.prov, fmt.Sprintf("CREATE RECIPIENT gr_%s USING ID '%s'", n, f.g))
		mustExec(t, f.prov, fmt.Sprintf("GRANT SELECT ON SHARE sh TO RECIPIENT gr_%s", n))
	}
	mustExec(t, s.tenant(t, f.g, "postgres"), fmt.Sprintf("CREATE DATABASE m FROM SHARE %s.sh", f.provider))
	return f
}

// cursorConsumer opens a session of consumer kind ("token", "tenant" or
// "bystander") and returns it with the name it reads the table by.
func (f *cursorFixture) consumer(t *testing.T, kind string) (*pgx.Conn, string) {
	t.Helper()
	switch kind {
	case "token":
		return recipientConnect(t, f.credA, "sh"), "s.t1"
	case "bystander":
		return recipientConnect(t, f.credB, "other"), "s.t1"
	}
	return f.s.tenant(t, f.g, "postgres"), "m.s.t1"
}

// modeArgs are pgx's query arguments for the simple or extended protocol.
func modeArgs(simple bool) []any {
	if simple {
		return []any{pgx.QueryExecModeSimpleProtocol}
	}
	return nil
}

// runIn runs sql in the chosen protocol and returns its rows (ids) and tag.
func runIn(conn *pgx.Conn, simple bool, sql string) (string, string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), queryTimeout)
	defer cancel()
	rows, err := conn.Query(ctx, sql, modeArgs(simple)...)
	if err != nil {
		return "", "", err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			return "", "", err
		}
		ids = append(ids, fmt.Sprint(vals[0]))
	}
	if err := rows.Err(); err != nil {
		return "", "", err
	}
	return strings.Join(ids, ","), rows.CommandTag().String(), nil
}

func mustRunIn(t *testing.T, conn *pgx.Conn, simple bool, sql string) (string, string) {
	t.Helper()
	ids, tag, err := runIn(conn, simple, sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return ids, tag
}

// cursorStep is one FETCH or MOVE tried after the revocation, on a
// cursor that already returned rows 1 and 2.
type cursorStep struct {
	name    string
	scroll  bool
	sql     string // after the revocation; {c} is the cursor
	simple  bool
	wantIDs string // what it returns when access remains
	wantTag string
}

var cursorSteps = []cursorStep{
	{name: "FETCH simple", sql: "FETCH 2 FROM {c}", simple: true, wantIDs: "3,4", wantTag: "FETCH 2"},
	{name: "FETCH extended", sql: "FETCH 2 FROM {c}", wantIDs: "3,4", wantTag: "FETCH 2"},
	// Kept rows of a SCROLL cursor are refused like unread ones.
	{name: "FETCH ABSOLUTE of a scroll cursor, extended", scroll: true, sql: "FETCH ABSOLUTE 1 FROM {c}", wantIDs: "1", wantTag: "FETCH 1"},
	{name: "MOVE simple", sql: "MOVE 3 FROM {c}", simple: true, wantTag: "MOVE 3"},
	{name: "MOVE BACKWARD of a scroll cursor, extended", scroll: true, sql: "MOVE BACKWARD 1 FROM {c}", wantTag: "MOVE 1"},
}

// openCursor starts a block and declares cursor c over table, reading
// rows 1 and 2.
func openCursor(t *testing.T, conn *pgx.Conn, simple, scroll bool, table string) {
	t.Helper()
	mustRunIn(t, conn, simple, "BEGIN")
	kind := "CURSOR"
	if scroll {
		kind = "SCROLL CURSOR"
	}
	mustRunIn(t, conn, simple, fmt.Sprintf("DECLARE c %s FOR SELECT id FROM %s ORDER BY id", kind, table))
	if ids, _ := mustRunIn(t, conn, simple, "FETCH 2 FROM c"); ids != "1,2" {
		t.Fatalf("FETCH 2 before the revocation: %q", ids)
	}
}

// wantLikeNewSelect checks that err, the answer to a step after the
// revocation, is the answer a new SELECT of table gets in a new block.
func wantLikeNewSelect(t *testing.T, conn *pgx.Conn, err error, table string) {
	t.Helper()
	pe := wantCode(t, err, "42P01", "3D000")
	if _, _, rerr := runIn(conn, true, "ROLLBACK"); rerr != nil {
		t.Fatal(rerr)
	}
	_, _, serr := runIn(conn, true, "SELECT id FROM "+table)
	fresh, ok := asPgError(serr)
	if !ok {
		t.Fatalf("a new SELECT of %s after the revocation: %v", table, serr)
	}
	if pe.Code != fresh.Code || pe.Message != fresh.Message || pe.Detail != fresh.Detail {
		t.Errorf("refused step: %s %q %q; a new SELECT: %s %q %q", pe.Code, pe.Message, pe.Detail, fresh.Code, fresh.Message, fresh.Detail)
	}
	if _, _, err := runIn(conn, true, "FETCH 1 FROM c"); err == nil {
		t.Error("the cursor survived ROLLBACK")
	}
}

func TestSharingCursorRevocation(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	for i, tc := range []struct {
		name   string
		access tenantAccess
		sql    string   // {n} is the fixture's suffix
		lose   []string // the consumers that lose access; the others keep it
	}{
		{name: "REVOKE from a token recipient", sql: "REVOKE SELECT ON SHARE sh FROM RECIPIENT a_{n}", lose: []string{"token"}},
		{name: "REVOKE from a tenant recipient", access: viaRecipient, sql: "REVOKE SELECT ON SHARE sh FROM RECIPIENT gr_{n}", lose: []string{"tenant"}},
		{name: "REMOVE TABLE", sql: "ALTER SHARE sh REMOVE TABLE d.s.t1", lose: []string{"token", "tenant"}},
		{name: "REMOVE TENANTS", sql: "ALTER SHARE sh REMOVE TENANTS = g_{n}", lose: []string{"tenant"}},
		{name: "DROP SHARE", sql: "DROP SHARE sh", lose: []string{"token", "tenant"}},
		{name: "DROP TABLE", sql: "DROP TABLE s.t1", lose: []string{"token", "tenant", "bystander"}},
		{name: "DROP RECIPIENT", access: viaRecipient, sql: "DROP RECIPIENT a_{n}; DROP RECIPIENT gr_{n}", lose: []string{"token", "tenant"}},
		{name: "ROTATE TOKEN", sql: "ALTER RECIPIENT a_{n} ROTATE TOKEN", lose: []string{"token"}},
	} {
		n := fmt.Sprint("cur", i)
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newCursorFixture(t, s, n, tc.access)
			type open struct {
				kind  string
				step  cursorStep
				conn  *pgx.Conn
				table string
			}
			var opens []open
			for _, kind := range []string{"token", "tenant", "bystander"} {
				for _, st := range cursorSteps {
					conn, table := f.consumer(t, kind)
					openCursor(t, conn, st.simple, st.scroll, table)
					opens = append(opens, open{kind, st, conn, table})
				}
			}
			for _, sql := range strings.Split(strings.ReplaceAll(tc.sql, "{n}", n), "; ") {
				mustExec(t, f.prov, sql)
			}
			for _, o := range opens {
				sql := strings.ReplaceAll(o.step.sql, "{c}", "c")
				ids, tag, err := runIn(o.conn, o.step.simple, sql)
				if strings.Contains(","+strings.Join(tc.lose, ",")+",", ","+o.kind+",") {
					if err == nil {
						t.Errorf("%s, %s: %s after the revocation returned %q (%s)", o.kind, o.step.name, sql, ids, tag)
						continue
					}
					wantLikeNewSelect(t, o.conn, err, o.table)
					continue
				}
				if err != nil || ids != o.step.wantIDs || tag != o.step.wantTag {
					t.Errorf("%s, %s: %s = %q %q, %v; want %q %q (access remains)", o.kind, o.step.name, sql, ids, tag, err, o.step.wantIDs, o.step.wantTag)
				}
				mustRunIn(t, o.conn, true, "COMMIT")
			}
		})
	}
}

// TestSharingCursorHoldRefusedForGood: a WITH HOLD cursor outside a block
// is refused on every FETCH after the revocation, also once access is
// granted again: it yields nothing more.
func TestSharingCursorHoldRefusedForGood(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	f := newCursorFixture(t, s, "hold", viaTenants)
	for _, simple := range []bool{true, false} {
		conn, table := f.consumer(t, "token")
		mustRunIn(t, conn, simple, "DECLARE h CURSOR WITH HOLD FOR SELECT id FROM "+table+" ORDER BY id")
		if ids, _ := mustRunIn(t, conn, simple, "FETCH 3 FROM h"); ids != "1,2,3" {
			t.Fatalf("FETCH 3: %q", ids)
		}
		mustExec(t, f.prov, "REVOKE SELECT ON SHARE sh FROM RECIPIENT a_hold")
		for i := 0; i < 2; i++ {
			_, _, err := runIn(conn, simple, "FETCH 1 FROM h")
			wantAbsent(t, err)
			_, _, err = runIn(conn, simple, "MOVE 1 FROM h")
			wantAbsent(t, err)
		}
		mustExec(t, f.prov, "GRANT SELECT ON SHARE sh TO RECIPIENT a_hold")
		_, _, err := runIn(conn, simple, "FETCH 1 FROM h")
		wantAbsent(t, err)
		mustRunIn(t, conn, simple, "CLOSE h")
		// The new grant holds for a new cursor.
		mustRunIn(t, conn, simple, "DECLARE h CURSOR WITH HOLD FOR SELECT id FROM "+table+" ORDER BY id")
		if ids, _ := mustRunIn(t, conn, simple, "FETCH 2 FROM h"); ids != "1,2" {
			t.Errorf("a new cursor after the new grant: %q", ids)
		}
		mustRunIn(t, conn, simple, "CLOSE h")
	}
}

// TestSharingCursorTokenExpiry: the token's expiry (and the end of a
// rotation's grace period) ends a cursor like a revocation.
func TestSharingCursorTokenExpiry(t *testing.T) {
	t.Parallel()
	const lifetime = 4 * time.Second
	s := startServer(t, withArgs("--token-lifetime", lifetime.String()))
	f := newCursorFixture(t, s, "exp", viaTenants)
	// b_exp rotates with a grace period: its old token ends with it.
	mustQueryRows(t, f.prov, "ALTER RECIPIENT b_exp ROTATE TOKEN EXPIRE EXISTING IN 2 SECONDS")
	var convs []*pgx.Conn
	for _, simple := range []bool{true, false} {
		for _, kind := range []string{"token", "bystander"} {
			conn, table := f.consumer(t, kind)
			openCursor(t, conn, simple, false, table)
			convs = append(convs, conn)
		}
	}
	tenant, table := f.consumer(t, "tenant")
	openCursor(t, tenant, false, false, table)
	waitLoginCode(t, f.credA, "sh", "28P01", lifetime+30*time.Second)
	waitLoginCode(t, f.credB, "other", "28P01", 30*time.Second)
	for i, conn := range convs {
		_, _, err := runIn(conn, i < 2, "FETCH 2 FROM c")
		wantLikeNewSelect(t, conn, err, "s.t1")
	}
	// A tenant has no token: its cursor goes on.
	if ids, _ := mustRunIn(t, tenant, false, "FETCH 2 FROM c"); ids != "3,4" {
		t.Errorf("the tenant's cursor after the tokens ended: %q", ids)
	}
}

// TestSharingPortalResumeRevocation: an extended-protocol portal suspended
// by Execute's row limit is refused when resumed after the revocation,
// for a SELECT portal and for a FETCH portal.
func TestSharingPortalResumeRevocation(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	f := newCursorFixture(t, s, "portal", viaTenants)
	for _, tc := range []struct{ name, sql string }{
		{"SELECT", "SELECT id FROM s.t1 ORDER BY id"},
		{"FETCH", "FETCH ALL FROM c"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name == "FETCH" {
				mustExec(t, f.prov, "GRANT SELECT ON SHARE sh TO RECIPIENT a_portal")
			}
			fe := hijackURL(t, recipientURL(t, f.credA, "sh"))
			simpleQuery(t, fe, "BEGIN")
			if tc.name == "FETCH" {
				simpleQuery(t, fe, "DECLARE c CURSOR FOR SELECT id FROM s.t1 ORDER BY id")
			}
			fe.Send(&pgproto3.Parse{Query: tc.sql})
			fe.Send(&pgproto3.Bind{})
			fe.Send(&pgproto3.Execute{MaxRows: 1})
			fe.Send(&pgproto3.Flush{})
			mustFlush(t, fe)
			if got := untilSuspended(t, fe); got != "1" {
				t.Fatalf("first Execute: %q", got)
			}
			mustExec(t, f.prov, "REVOKE SELECT ON SHARE sh FROM RECIPIENT a_portal")
			fe.Send(&pgproto3.Execute{MaxRows: 1})
			fe.Send(&pgproto3.Sync{})
			mustFlush(t, fe)
			var code string
			var rows int
			for {
				msg, err := fe.Receive()
				if err != nil {
					t.Fatal(err)
				}
				switch m := msg.(type) {
				case *pgproto3.DataRow:
					rows++
				case *pgproto3.ErrorResponse:
					code = m.Code
				}
				if _, ok := msg.(*pgproto3.ReadyForQuery); ok {
					break
				}
			}
			if rows != 0 || (code != "42P01" && code != "3D000") {
				t.Errorf("resumed after the revocation: %d rows, error %q; want none and 42P01/3D000", rows, code)
			}
		})
	}
}

// hijackURL authenticates at u with pgconn and hands over the protocol.
func hijackURL(t *testing.T, u string) *pgproto3.Frontend {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), queryTimeout)
	defer cancel()
	pc, err := pgconn.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	hc, err := pc.Hijack()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { hc.Conn.Close() })
	hc.Conn.SetDeadline(time.Now().Add(queryTimeout))
	return hc.Frontend
}

// simpleQuery sends a Query and reads to ReadyForQuery; an error fails.
func simpleQuery(t *testing.T, fe *pgproto3.Frontend, sql string) {
	t.Helper()
	fe.Send(&pgproto3.Query{String: sql})
	mustFlush(t, fe)
	for {
		msg, err := fe.Receive()
		if err != nil {
			t.Fatal(err)
		}
		switch m := msg.(type) {
		case *pgproto3.ErrorResponse:
			t.Fatalf("%s: %s %s", sql, m.Code, m.Message)
		case *pgproto3.ReadyForQuery:
			return
		}
	}
}

// untilSuspended reads to PortalSuspended and returns the rows' first values.
func untilSuspended(t *testing.T, fe *pgproto3.Frontend) string {
	t.Helper()
	var vals []string
	for {
		msg, err := fe.Receive()
		if err != nil {
			t.Fatal(err)
		}
		switch m := msg.(type) {
		case *pgproto3.DataRow:
			vals = append(vals, string(m.Values[0]))
		case *pgproto3.ErrorResponse:
			t.Fatalf("%s %s", m.Code, m.Message)
		case *pgproto3.PortalSuspended:
			return strings.Join(vals, ",")
		case *pgproto3.CommandComplete:
			t.Fatalf("the portal completed: %q", vals)
		}
	}
}

// TestSharingCursorAudit: each FETCH is audited with the rows it sent,
// MOVE with none, a FETCH refused after the revocation with its SQLSTATE,
// and closing the cursor adds nothing.
func TestSharingCursorAudit(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	f := newCursorFixture(t, s, "aud", viaTenants)
	conn, table := f.consumer(t, "token")
	mustRunIn(t, conn, true, "BEGIN")
	mustRunIn(t, conn, true, "DECLARE c CURSOR FOR SELECT id FROM "+table+" ORDER BY id")
	mustRunIn(t, conn, true, "FETCH 3 FROM c")
	mustRunIn(t, conn, false, "FETCH 2 FROM c")
	mustRunIn(t, conn, false, "MOVE 1 FROM c")
	mustRunIn(t, conn, true, "COMMIT")
	mustRunIn(t, conn, true, "BEGIN")
	mustRunIn(t, conn, true, "DECLARE c CURSOR FOR SELECT id FROM "+table+" ORDER BY id")
	mustRunIn(t, conn, false, "FETCH 4 FROM c")
	mustExec(t, f.prov, "REVOKE SELECT ON SHARE sh FROM RECIPIENT a_aud")
	_, _, err := runIn(conn, false, "FETCH 1 FROM c")
	refused := wantCode(t, err, "42P01", "3D000")
	mustRunIn(t, conn, true, "ROLLBACK")

	const q = `SELECT event_type, rows_returned, bytes_transferred > 0, status, sqlstate, share_name, table_name
		FROM system.access.audit WHERE recipient_name = 'a_aud' AND event_type IN ('FETCH', 'MOVE', 'SELECT')
		ORDER BY request_time, event_type`
	want := strings.Join([]string{
		"FETCH,3,t,OK,,sh,s.t1",
		"FETCH,2,t,OK,,sh,s.t1",
		"MOVE,0,f,OK,,sh,s.t1",
		"FETCH,4,t,OK,,sh,s.t1",
		"FETCH,0,f,ERROR," + refused.Code + ",sh,s.t1",
	}, "|")
	var got string
	waitFor(t, "the audit to record the FETCHes", 30*time.Second, func() bool {
		got = flatRows(mustQueryRows(t, f.prov, q))
		return strings.Count(got, "|") >= strings.Count(want, "|")
	})
	if got != want {
		t.Errorf("audit:\n got %s\nwant %s", got, want)
	}
}
