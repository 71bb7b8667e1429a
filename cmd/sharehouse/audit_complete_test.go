package main

// End-to-end tests of the audit (system.access.audit): every consumer read
// path records the rows and bytes it sent, refusals their SQLSTATE, logins
// their own events, and nothing acknowledged is lost to a kill -9.

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
)

// auditEvent is one row of system.access.audit.
type auditEvent struct {
	EventType, Recipient, Share, Table string
	Rows, Bytes                        int64
	ClientAddr, Status, SQLState       string
}

const auditCols = "event_type, recipient_name, share_name, table_name, rows_returned, bytes_transferred, client_address, status, sqlstate"

// auditWhere returns the provider's events matching where, oldest first.
func auditWhere(t testing.TB, prov *pgx.Conn, where string) []auditEvent {
	t.Helper()
	rows := mustQueryRows(t, prov, "SELECT "+auditCols+" FROM system.access.audit WHERE "+where+" ORDER BY request_time")
	out := make([]auditEvent, len(rows))
	for i, r := range rows {
		n, _ := strconv.ParseInt(r[4], 10, 64)
		b, _ := strconv.ParseInt(r[5], 10, 64)
		out[i] = auditEvent{r[0], r[1], r[2], r[3], n, b, r[6], r[7], r[8]}
	}
	return out
}

// waitAudit waits until the provider has n events matching where (they
// show within the audit writer's interval) and returns them.
func waitAudit(t testing.TB, prov *pgx.Conn, where string, n int) []auditEvent {
	t.Helper()
	var evs []auditEvent
	waitFor(t, fmt.Sprintf("%d audit events where %s", n, where), 10*time.Second, func() bool {
		evs = auditWhere(t, prov, where)
		return len(evs) >= n
	})
	if len(evs) != n {
		t.Fatalf("%d audit events where %s, want %d: %+v", len(evs), where, n, evs)
	}
	return evs
}

// connectMode opens a recipient session whose queries use mode.
func connectMode(t testing.TB, cred shareCredential, share string, mode pgx.QueryExecMode) *pgx.Conn {
	t.Helper()
	cfg, err := pgx.ParseConfig(recipientURL(t, cred, share))
	if err != nil {
		t.Fatal(err)
	}
	cfg.DefaultQueryExecMode = mode
	ctx, cancel := context.WithTimeout(context.Background(), queryTimeout)
	defer cancel()
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatalf("connect as %s: %v", cred.User, err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// readSent runs a query and returns its rows as text and the bytes of the
// DataRow messages that carried them: type byte, length, field count, and
// per value a length and the value as received (text or binary, as the
// driver asked for it).
func readSent(t testing.TB, conn *pgx.Conn, sql string) (rows [][]string, size int64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), queryTimeout)
	defer cancel()
	rs, err := conn.Query(ctx, sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	defer rs.Close()
	for rs.Next() {
		size += 1 + 4 + 2
		var row []string
		for _, v := range rs.RawValues() {
			size += 4 + int64(len(v))
			row = append(row, string(v))
		}
		rows = append(rows, row)
	}
	if err := rs.Err(); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return rows, size
}

// copySent runs COPY … TO STDOUT and returns the rows it reported and the
// bytes of the CopyData messages (text formats: one message per row).
func copySent(t testing.TB, conn *pgx.Conn, sql string) (rows, size int64) {
	t.Helper()
	var buf bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), queryTimeout)
	defer cancel()
	tag, err := conn.PgConn().CopyTo(ctx, &buf, sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	lines := int64(strings.Count(buf.String(), "\n"))
	if tag.RowsAffected() != lines {
		t.Fatalf("%s: COPY %d but %d lines", sql, tag.RowsAffected(), lines)
	}
	return tag.RowsAffected(), int64(buf.Len()) + 5*lines
}

// auditFixture is a provider with a shared table of n rows.
func auditFixture(t *testing.T, s *server, n int) *pgx.Conn {
	t.Helper()
	s.mustCreateTenant(t, "prov")
	prov := s.tenant(t, "prov", "postgres")
	mustExec(t, prov, "CREATE TABLE orders (id bigint, customer text, amount numeric(12,2))")
	mustExec(t, prov, fmt.Sprintf("INSERT INTO orders SELECT g, 'customer_' || g, g * 1.25 FROM generate_series(1, %d) AS g", n))
	mustExec(t, prov, "CREATE SHARE sh")
	mustExec(t, prov, "ALTER SHARE sh ADD TABLE postgres.public.orders")
	return prov
}

func newRecipient(t *testing.T, prov *pgx.Conn, name string) shareCredential {
	t.Helper()
	link := mustCreateRecipient(t, prov, "CREATE RECIPIENT "+name)
	mustExec(t, prov, "GRANT SELECT ON SHARE sh TO RECIPIENT "+name)
	return mustActivate(t, link)
}

func TestAuditReadsSent(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	const total = 300
	prov := auditFixture(t, s, total)
	for _, mode := range []struct {
		name string
		mode pgx.QueryExecMode
	}{{"simple", pgx.QueryExecModeSimpleProtocol}, {"extended", pgx.QueryExecModeCacheStatement}} {
		t.Run(mode.name, func(t *testing.T) {
			who := "reader_" + mode.name
			conn := connectMode(t, newRecipient(t, prov, who), "sh", mode.mode)
			addr := conn.PgConn().Conn().LocalAddr().String()
			reads := fmt.Sprintf("recipient_name = '%s' AND event_type <> 'LOGIN'", who)
			n := 0
			check := func(t *testing.T, want auditEvent) {
				t.Helper()
				n++
				got := waitAudit(t, prov, reads, n)[n-1]
				want.Recipient, want.Share, want.Table, want.ClientAddr = who, "sh", "public.orders", addr
				if got != want {
					t.Errorf("audit event\n got %+v\nwant %+v", got, want)
				}
			}

			t.Run("SELECT LIMIT 1", func(t *testing.T) {
				rows, size := readSent(t, conn, "SELECT id, customer, amount FROM public.orders ORDER BY id LIMIT 1")
				if len(rows) != 1 || size < 20 {
					t.Fatalf("read %d rows, %d bytes", len(rows), size)
				}
				check(t, auditEvent{EventType: "SELECT", Rows: 1, Bytes: size, Status: "OK"})
			})
			t.Run("SELECT all", func(t *testing.T) {
				rows, size := readSent(t, conn, "SELECT * FROM public.orders WHERE id % 3 = 0")
				if len(rows) != total/3 {
					t.Fatalf("read %d rows", len(rows))
				}
				check(t, auditEvent{EventType: "SELECT", Rows: int64(len(rows)), Bytes: size, Status: "OK"})
			})
			t.Run("COPY query TO STDOUT", func(t *testing.T) {
				rows, size := copySent(t, conn, "COPY (SELECT id, customer FROM public.orders WHERE id <= 10) TO STDOUT")
				if rows != 10 {
					t.Fatalf("COPY %d", rows)
				}
				check(t, auditEvent{EventType: "COPY", Rows: rows, Bytes: size, Status: "OK"})
			})
			t.Run("COPY table TO STDOUT", func(t *testing.T) {
				rows, size := copySent(t, conn, "COPY public.orders TO STDOUT (FORMAT csv)")
				if rows != total {
					t.Fatalf("COPY %d", rows)
				}
				check(t, auditEvent{EventType: "COPY", Rows: rows, Bytes: size, Status: "OK"})
			})
			t.Run("EXPLAIN ANALYZE", func(t *testing.T) {
				// The query runs but sends its plan, not its rows: the
				// rows it computed, no bytes.
				plan := flatRows(mustQueryRows(t, conn, "EXPLAIN ANALYZE SELECT * FROM public.orders WHERE id <= 7"))
				if !strings.Contains(plan, "rows=7") {
					t.Fatalf("plan: %s", plan)
				}
				check(t, auditEvent{EventType: "EXPLAIN ANALYZE", Rows: 7, Bytes: 0, Status: "OK"})
			})
			t.Run("refused write", func(t *testing.T) {
				wantReadOnly(t, execErr(conn, "INSERT INTO public.orders VALUES (0, 'x', 1)"), "sh")
				check(t, auditEvent{EventType: "INSERT", Status: "ERROR", SQLState: "25006"})
			})
			t.Run("a division by zero while reading", func(t *testing.T) {
				wantCode(t, queryErr(conn, "SELECT id / (id - 5) FROM public.orders"), "22012")
				ev := waitAudit(t, prov, reads, n+1)[n]
				n++
				if ev.EventType != "SELECT" || ev.Status != "ERROR" || ev.SQLState != "22012" {
					t.Errorf("audit event %+v", ev)
				}
			})
		})
	}
}

func TestAuditRefusals(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	prov := auditFixture(t, s, 10)
	s.mustCreateTenant(t, "globex")
	mustExec(t, prov, "ALTER SHARE sh ADD TENANTS = globex")
	globex := s.tenant(t, "globex", "postgres")
	mustExec(t, globex, "CREATE DATABASE m FROM SHARE prov.sh")
	for _, mode := range []struct {
		name string
		mode pgx.QueryExecMode
	}{{"simple", pgx.QueryExecModeSimpleProtocol}, {"extended", pgx.QueryExecModeCacheStatement}} {
		t.Run(mode.name, func(t *testing.T) {
			who := "revoked_" + mode.name
			cred := newRecipient(t, prov, who)
			conn := connectMode(t, cred, "sh", mode.mode)
			if n := queryInt64(t, conn, "SELECT count(*) FROM public.orders"); n != 10 {
				t.Fatalf("count %d", n)
			}
			mustExec(t, prov, "REVOKE SELECT ON SHARE sh FROM RECIPIENT "+who)
			pe := wantCode(t, queryErr(conn, "SELECT * FROM public.orders"), "42P01", "3D000")
			evs := waitAudit(t, prov, fmt.Sprintf("recipient_name = '%s' AND event_type <> 'LOGIN'", who), 2)
			want := auditEvent{EventType: "SELECT", Recipient: who, Share: "sh", Table: "public.orders",
				ClientAddr: conn.PgConn().Conn().LocalAddr().String(), Status: "ERROR", SQLState: pe.Code}
			if evs[0].Status != "OK" || evs[1] != want {
				t.Errorf("audit after the revoke\n got %+v\nwant [OK read] then %+v", evs, want)
			}
			// A new session on the revoked share is refused, and recorded.
			wantAbsent(t, loginErr(t, cred, "sh"))
			evs = waitAudit(t, prov, fmt.Sprintf("recipient_name = '%s' AND event_type = 'CONNECT'", who), 1)
			if evs[0].Status != "ERROR" || evs[0].SQLState != "3D000" || evs[0].Share != "sh" {
				t.Errorf("refused connection: %+v", evs[0])
			}
		})
	}

	t.Run("a tenant's mount after REMOVE TENANTS", func(t *testing.T) {
		if n := queryInt64(t, globex, "SELECT count(*) FROM m.public.orders"); n != 10 {
			t.Fatalf("count %d", n)
		}
		mustExec(t, prov, "ALTER SHARE sh REMOVE TENANTS = globex")
		pe := wantCode(t, queryErr(globex, "SELECT * FROM m.public.orders"), "42P01", "3D000")
		evs := waitAudit(t, prov, "recipient_name = 'globex' AND event_type <> 'LOGIN'", 2)
		if evs[1].EventType != "SELECT" || evs[1].Share != "sh" || evs[1].Table != "public.orders" ||
			evs[1].Status != "ERROR" || evs[1].SQLState != pe.Code {
			t.Errorf("audit after REMOVE TENANTS: %+v", evs)
		}
		// A tenant's own missing table concerns no provider.
		wantCode(t, queryErr(globex, "SELECT * FROM nothing_here"), "42P01")
		if evs := auditWhere(t, prov, "recipient_name = 'globex' AND event_type <> 'LOGIN'"); len(evs) != 2 {
			t.Errorf("a miss in globex's own database was audited for prov: %+v", evs)
		}
	})
}

func TestAuditLogins(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	prov := auditFixture(t, s, 1)
	cred := newRecipient(t, prov, "acme")
	conn := recipientConnect(t, cred, "sh")
	addr := conn.PgConn().Conn().LocalAddr().String()

	const wrong = "wrong-token-0123456789abcdef"
	bad := cred
	bad.BearerToken = wrong
	wantCode(t, loginErr(t, bad, "sh"), "28P01")
	evs := waitAudit(t, prov, "recipient_name = 'acme' AND event_type = 'LOGIN'", 2)
	if ok := evs[0]; ok.Status != "OK" || ok.SQLState != "" || ok.Share != "sh" || ok.ClientAddr != addr {
		t.Errorf("successful login: %+v (client %s)", ok, addr)
	}
	if f := evs[1]; f.Status != "ERROR" || f.SQLState != "28P01" || !strings.HasPrefix(f.ClientAddr, "127.0.0.1:") {
		t.Errorf("failed login: %+v", f)
	}

	// A tenant's logins are in its own audit, failures too.
	if _, err := pgx.Connect(context.Background(), s.url("prov", "not-the-password", "postgres")); err == nil {
		t.Fatal("a wrong tenant password logged in")
	}
	evs = waitAudit(t, prov, "recipient_name = 'prov' AND event_type = 'LOGIN'", 2) // the fixture's session, the failure
	if evs[0].Status != "OK" || evs[1].Status != "ERROR" || evs[1].SQLState != "28P01" {
		t.Errorf("tenant logins: %+v", evs)
	}

	// No secret in the audit.
	all := flatRows(mustQueryRows(t, prov, "SELECT * FROM system.access.audit"))
	for _, secret := range []string{cred.BearerToken, wrong, tenantPassword("prov"), "not-the-password"} {
		if strings.Contains(all, secret) {
			t.Errorf("the audit contains a secret %.6s…", secret)
		}
	}
}

// TestAuditSuspendedPortal: Executes with a row limit add up to one
// event with every row sent; a portal dropped at Sync after a partial read
// is an OK read of the rows sent.
func TestAuditSuspendedPortal(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	prov := auditFixture(t, s, 5)
	cred := newRecipient(t, prov, "paged")
	ctx, cancel := context.WithTimeout(context.Background(), queryTimeout)
	defer cancel()
	pc, err := pgconn.Connect(ctx, recipientURL(t, cred, "sh"))
	if err != nil {
		t.Fatal(err)
	}
	hc, err := pc.Hijack()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { hc.Conn.Close() })
	hc.Conn.SetDeadline(time.Now().Add(queryTimeout))
	fe := hc.Frontend
	// run sends Parse, Bind, executes Executes of 2 rows and Sync, and
	// returns the DataRows' rows and bytes.
	run := func(executes int) (rows, size int64) {
		t.Helper()
		fe.Send(&pgproto3.Parse{Query: "SELECT id, customer FROM public.orders ORDER BY id"})
		fe.Send(&pgproto3.Bind{})
		for range executes {
			fe.Send(&pgproto3.Execute{MaxRows: 2})
		}
		fe.Send(&pgproto3.Sync{})
		mustFlush(t, fe)
		for {
			msg, err := fe.Receive()
			if err != nil {
				t.Fatal(err)
			}
			switch m := msg.(type) {
			case *pgproto3.DataRow:
				b, _ := m.Encode(nil)
				rows, size = rows+1, size+int64(len(b))
			case *pgproto3.ErrorResponse:
				t.Fatalf("%s: %s", m.Code, m.Message)
			case *pgproto3.ReadyForQuery:
				return rows, size
			}
		}
	}
	reads := "recipient_name = 'paged' AND event_type = 'SELECT'"
	for i, executes := range []int{3, 1} {
		rows, size := run(executes)
		if want := min(int64(2*executes), 5); rows != want {
			t.Fatalf("%d Executes of 2 rows sent %d rows", executes, rows)
		}
		ev := waitAudit(t, prov, reads, i+1)[i]
		if ev.Rows != rows || ev.Bytes != size || ev.Status != "OK" || ev.SQLState != "" {
			t.Errorf("%d Executes sent %d rows, %d bytes; audit: %+v", executes, rows, size, ev)
		}
	}
}

// consumerReads runs reads in workers sessions until stop is closed or a
// read fails, counting the acknowledged ones.
func consumerReads(t testing.TB, cred shareCredential, workers int, stop chan struct{}, acked *atomic.Int64) *sync.WaitGroup {
	var wg sync.WaitGroup
	for range workers {
		conn := recipientConnect(t, cred, "sh")
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				var id int64
				ctx, cancel := context.WithTimeout(context.Background(), queryTimeout)
				err := conn.QueryRow(ctx, "SELECT id FROM public.orders WHERE id = 1").Scan(&id)
				cancel()
				if err != nil {
					return
				}
				acked.Add(1)
			}
		}()
	}
	return &wg
}

// TestAuditSurvivesKill: reads acknowledged before a kill -9 are all in
// the audit after the restart.
func TestAuditSurvivesKill(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	prov := auditFixture(t, s, 10)
	cred := newRecipient(t, prov, "acme")
	const workers = 8
	var acked atomic.Int64
	stop := make(chan struct{})
	wg := consumerReads(t, cred, workers, stop, &acked)
	waitFor(t, "300 acknowledged reads", 60*time.Second, func() bool { return acked.Load() >= 300 })
	s.kill() // while the readers are reading
	close(stop)
	wg.Wait()
	done := acked.Load()

	s.restart(t)
	prov = s.tenant(t, "prov", "postgres")
	got := queryInt64(t, prov, "SELECT count(*) FROM system.access.audit WHERE recipient_name = 'acme' AND event_type = 'SELECT' AND status = 'OK'")
	// Reads in flight at the kill may be recorded without being acknowledged.
	if got < done || got > done+workers {
		t.Fatalf("%d reads acknowledged before the kill, %d in the audit after it", done, got)
	}
	t.Logf("%d reads acknowledged, %d recorded", done, got)
}

// BenchmarkConsumerReads measures small recipient SELECTs over 16
// concurrent sessions: the audit's durable group commit is on their path.
// Compare binaries with SHAREHOUSE_E2E_BIN.
func BenchmarkConsumerReads(b *testing.B) {
	s := startServer(b)
	s.mustCreateTenant(b, "prov")
	prov := s.tenant(b, "prov", "postgres")
	mustExec(b, prov, "CREATE TABLE orders (id bigint, customer text)")
	mustExec(b, prov, "INSERT INTO orders SELECT g, 'c' || g FROM generate_series(1, 100) AS g")
	mustExec(b, prov, "CREATE SHARE sh")
	mustExec(b, prov, "ALTER SHARE sh ADD TABLE postgres.public.orders")
	link := mustCreateRecipient(b, prov, "CREATE RECIPIENT acme")
	mustExec(b, prov, "GRANT SELECT ON SHARE sh TO RECIPIENT acme")
	cred := mustActivate(b, link)
	const workers = 16
	conns := make([]*pgx.Conn, workers)
	for i := range conns {
		conns[i] = recipientConnect(b, cred, "sh")
	}
	var next atomic.Int64
	b.ResetTimer()
	var wg sync.WaitGroup
	for _, conn := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(b.N) {
				var c string
				if err := conn.QueryRow(context.Background(), "SELECT customer FROM public.orders WHERE id = 7").Scan(&c); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "reads/s")
}
