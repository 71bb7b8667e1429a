package main

// The hostile-client run: attackers with every kind of login send what a
// hostile client would (huge and deeply nested statements, giant values,
// floods of connections, wrong passwords, revocation while a cursor is
// open) while a probe tenant keeps reading. `make test` runs it for a few
// seconds; `make fuzz` runs it longer with a random seed.

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// hostileRows is the size of the probe's table and of the shared table.
const hostileRows = 500

// hostileConfig reads the run's seed and length from the environment:
// SHAREHOUSE_HOSTILE_SEED (0 draws one) and SHAREHOUSE_HOSTILE_DURATION.
func hostileConfig(t *testing.T) (seed uint64, d time.Duration) {
	seed, d = 1, 3*time.Second
	if v := os.Getenv("SHAREHOUSE_HOSTILE_SEED"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("SHAREHOUSE_HOSTILE_SEED: %v", err)
		}
		seed = n
		if seed == 0 {
			seed = rand.Uint64()
		}
	}
	if v := os.Getenv("SHAREHOUSE_HOSTILE_DURATION"); v != "" {
		var err error
		if d, err = time.ParseDuration(v); err != nil {
			t.Fatalf("SHAREHOUSE_HOSTILE_DURATION: %v", err)
		}
	}
	t.Logf("hostile run: seed %d for %v (SHAREHOUSE_HOSTILE_SEED=%d reproduces it)", seed, d, seed)
	return seed, d
}

// hostileStatement is one statement an attacker sends; check, when set,
// verifies a successful answer (the first column of the first row).
type hostileStatement struct {
	sql   string
	check func(got string) error
}

// hostileStatements draws a statement that is huge, deep or builds a giant
// value. Each must be answered: a result, or an error with a SQLSTATE.
func hostileStatements(rng *rand.Rand) hostileStatement {
	pick := func(xs ...int) int { return xs[rng.IntN(len(xs))] }
	switch rng.IntN(10) {
	case 0: // a long operator chain
		n := pick(1000, 10000, 40000, 100000)
		return hostileStatement{"SELECT " + strings.Repeat("1+", n) + "1", wantText(strconv.Itoa(n + 1))}
	case 1: // deep parentheses
		d := pick(100, 1000, 10000, 100000)
		return hostileStatement{"SELECT " + strings.Repeat("(", d) + "1" + strings.Repeat(")", d), wantText("1")}
	case 2: // nested scalar subqueries
		d := pick(20, 200, 2000, 20000)
		return hostileStatement{"SELECT " + strings.Repeat("(SELECT ", d) + "1" + strings.Repeat(")", d), wantText("1")}
	case 3: // a long AND chain
		n := pick(1000, 10000, 50000)
		return hostileStatement{"SELECT count(*) FROM generate_series(1, 3) g WHERE " + strings.Repeat("g > 0 AND ", n) + "true", wantText("3")}
	case 4: // many UNION ALL branches
		n := pick(100, 1000, 3000)
		return hostileStatement{"SELECT count(*) FROM (" + strings.Repeat("SELECT 1 UNION ALL ", n) + "SELECT 1) u", wantText(strconv.Itoa(n + 1))}
	case 5: // a long IN list
		n := pick(1000, 50000, 200000)
		var b strings.Builder
		b.WriteString("SELECT count(*) FROM generate_series(1, 10) g WHERE g IN (")
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.Itoa(i * 2))
		}
		b.WriteString(")")
		return hostileStatement{b.String(), wantText("5")} // 2, 4, 6, 8, 10
	case 6: // values past every limit
		return hostileStatement{sql: []string{
			"SELECT length(lpad('x', 2147483647))",
			"SELECT length(repeat('x', 1500000000))",
			"SELECT length(rpad('', 1073741824, 'ab'))",
			"SELECT length(string_agg(repeat('x', 1000000), '')) FROM generate_series(1, 3000)",
			"SELECT length(array_agg(repeat('y', 1000000))::text) FROM generate_series(1, 3000)",
			"SELECT length(json_agg(repeat('z', 1000000))::text) FROM generate_series(1, 3000)",
		}[rng.IntN(6)]}
	case 7: // a large but legal literal
		n := pick(1<<10, 1<<20, 8<<20)
		return hostileStatement{"SELECT length('" + strings.Repeat("x", n) + "')", wantText(strconv.Itoa(n))}
	case 8: // deeply nested json and arrays
		d := pick(100, 10000, 200000)
		if rng.IntN(2) == 0 {
			return hostileStatement{sql: "SELECT jsonb_typeof('" + strings.Repeat("[", d) + strings.Repeat("]", d) + "'::jsonb)"}
		}
		return hostileStatement{sql: "SELECT array_length('" + strings.Repeat("{", d) + "1" + strings.Repeat("}", d) + "'::int[], 1)"}
	default: // nested function calls and CASE
		d := pick(100, 1000, 10000, 50000)
		if rng.IntN(2) == 0 {
			return hostileStatement{"SELECT " + strings.Repeat("abs(", d) + "-1" + strings.Repeat(")", d), wantText("1")}
		}
		return hostileStatement{"SELECT " + strings.Repeat("CASE WHEN true THEN ", d) + "1" + strings.Repeat(" END", d), wantText("1")}
	}
}

func wantText(want string) func(string) error {
	return func(got string) error {
		if got != want {
			return fmt.Errorf("got %q, want %q", got, want)
		}
		return nil
	}
}

// hostileAnswer runs st on conn and says what is wrong with the answer:
// an internal error, no SQLSTATE, a lost connection or a wrong result.
func hostileAnswer(conn *pgx.Conn, st hostileStatement, simple bool) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*queryTimeout)
	defer cancel()
	args := []any{}
	if simple {
		args = append(args, pgx.QueryExecModeSimpleProtocol)
	}
	var got string
	err := conn.QueryRow(ctx, st.sql, args...).Scan(&got)
	if err == nil {
		if st.check != nil {
			return st.check(got)
		}
		return nil
	}
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return fmt.Errorf("no SQLSTATE: %v", err)
	}
	if pe.Code == "XX000" || pe.Code == "" {
		return fmt.Errorf("internal error: %s %s", pe.Code, pe.Message)
	}
	// The connection must still serve its client after an error.
	var one int
	if err := conn.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil || one != 1 {
		return fmt.Errorf("after %s %s the connection is unusable: %v", pe.Code, pe.Message, err)
	}
	return nil
}

// hostileFixture is the run's world: a provider sharing a table with a
// token recipient, and a probe tenant with a table of its own.
type hostileFixture struct {
	s    *server
	cred shareCredential
}

func newHostileFixture(t *testing.T) *hostileFixture {
	// A query may hold 256 MB: attackers that build values fail at that,
	// not at the default 4 GiB, so three of them fit the machine.
	s := startServer(t, withArgs("--query-memory", "256MB"))
	s.mustCreateTenant(t, "hprov")
	s.mustCreateTenant(t, "hprobe")
	prov := s.tenant(t, "hprov", "postgres")
	mustExec(t, prov, "CREATE DATABASE hdb")
	prov = s.tenant(t, "hprov", "hdb")
	mustExec(t, prov, fmt.Sprintf("CREATE TABLE public.t AS SELECT g AS n FROM generate_series(1, %d) g", hostileRows))
	mustExec(t, prov, "CREATE SHARE hshare")
	mustExec(t, prov, "ALTER SHARE hshare ADD TABLE hdb.public.t")
	link := mustCreateRecipient(t, prov, "CREATE RECIPIENT hrec")
	mustExec(t, prov, "GRANT SELECT ON SHARE hshare TO RECIPIENT hrec")
	probe := s.tenant(t, "hprobe", "postgres")
	mustExec(t, probe, fmt.Sprintf("CREATE TABLE own AS SELECT g AS n FROM generate_series(1, %d) g", hostileRows))
	return &hostileFixture{s: s, cred: mustActivate(t, link)}
}

func TestHostileClients(t *testing.T) {
	t.Parallel()
	seed, length := hostileConfig(t)
	f := newHostileFixture(t)
	deadline := time.Now().Add(length)

	// Failures are kept three of a kind (by format), so that one frequent
	// failure does not hide the others; the rest are counted.
	var (
		mu       sync.Mutex
		failures []string
		kinds    = map[string]int{}
	)
	fail := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		if kinds[format]++; kinds[format] <= 3 {
			failures = append(failures, fmt.Sprintf(format, args...))
		}
	}

	var wg sync.WaitGroup
	stop := make(chan struct{})
	probed := f.probe(t, stop, fail)

	attackers := []struct {
		name    string
		connect func() (*pgx.Conn, error)
	}{
		{"admin", func() (*pgx.Conn, error) { return dial(f.s.url("admin", adminPassword, "postgres")) }},
		{"tenant", func() (*pgx.Conn, error) { return dial(f.s.url("hprov", tenantPassword("hprov"), "hdb")) }},
		{"recipient", func() (*pgx.Conn, error) { return dial(recipientURL(t, f.cred, "hshare")) }},
	}
	for i, a := range attackers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f.statementAttacker(a.name, a.connect, rand.New(rand.NewPCG(seed, uint64(i))), deadline, fail)
		}()
	}
	wg.Add(2)
	go func() {
		defer wg.Done()
		f.connectionAttacker(rand.New(rand.NewPCG(seed, 100)), deadline, fail)
	}()
	go func() {
		defer wg.Done()
		f.revokeAttacker(t, deadline, fail)
	}()
	wg.Wait()
	close(stop)
	n := <-probed

	if !f.s.running() {
		t.Fatalf("the server died (seed %d)", seed)
	}
	if n == 0 {
		fail("the probe read nothing during the run")
	}
	for _, msg := range failures {
		t.Error(msg)
	}
	for format, n := range kinds {
		if n > 3 {
			t.Errorf("%d more of %q", n-3, format)
		}
	}
	if len(failures) > 0 {
		t.Logf("seed %d reproduces this run", seed)
	}
	if logs := f.s.logs.String(); strings.Contains(logs, "panic") {
		t.Errorf("the server log shows a panic")
	}
}

// dial connects to u with a bounded wait.
func dial(u string) (*pgx.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), queryTimeout)
	defer cancel()
	return pgx.Connect(ctx, u)
}

func closeConn(c *pgx.Conn) {
	if c == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c.Close(ctx)
}

// probe reads the probe tenant's table until stop closes, over one held
// connection and a fresh login every tenth read; it sends the count of
// good reads when it ends. Every read must answer correctly in time.
func (f *hostileFixture) probe(t *testing.T, stop <-chan struct{}, fail func(string, ...any)) <-chan int {
	out := make(chan int, 1)
	held, err := dial(f.s.url("hprobe", tenantPassword("hprobe"), "postgres"))
	if err != nil {
		t.Fatalf("probe: %v", err)
	}
	go func() {
		defer closeConn(held)
		good := 0
		for i := 0; ; i++ {
			select {
			case <-stop:
				out <- good
				return
			case <-time.After(50 * time.Millisecond):
			}
			conn := held
			if i%10 == 9 {
				c, err := dial(f.s.url("hprobe", tenantPassword("hprobe"), "postgres"))
				if err != nil {
					fail("probe: a fresh login failed during the run: %v", err)
					continue
				}
				conn = c
			}
			start := time.Now()
			if n, err := countOwn(conn); err != nil || n != hostileRows {
				fail("probe: count(*) = %d, %v", n, err)
			} else {
				good++
			}
			if d := time.Since(start); d > queryTimeout {
				fail("probe: a read took %v", d)
			}
			if conn != held {
				closeConn(conn)
			}
		}
	}()
	return out
}

func countOwn(conn *pgx.Conn) (int64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), queryTimeout)
	defer cancel()
	var n int64
	err := conn.QueryRow(ctx, "SELECT count(*) FROM own").Scan(&n)
	return n, err
}

// statementAttacker sends hostile statements over one login, in both
// protocols, until the deadline. A recipient's connection may end (a
// revoke ends its database); it logs in again. Others must keep theirs.
func (f *hostileFixture) statementAttacker(who string, connect func() (*pgx.Conn, error), rng *rand.Rand, deadline time.Time, fail func(string, ...any)) {
	var conn *pgx.Conn
	sent := 0
	defer func() { closeConn(conn) }()
	defer func() { f.s.t.Logf("%s sent %d hostile statements", who, sent) }()
	for time.Now().Before(deadline) {
		if conn == nil || conn.IsClosed() {
			if conn != nil && who != "recipient" {
				fail("%s: the server closed the connection", who)
			}
			c, err := connect()
			if err != nil {
				if who == "recipient" && isRefusedLogin(err) {
					time.Sleep(20 * time.Millisecond) // between a revoke and its grant
					continue
				}
				fail("%s: login: %v", who, err)
				return
			}
			conn = c
		}
		st := hostileStatements(rng)
		simple := rng.IntN(2) == 0
		sent++
		if err := hostileAnswer(conn, st, simple); err != nil {
			if who == "recipient" && conn.IsClosed() {
				continue
			}
			fail("%s (simple=%v): %.80s…: %v", who, simple, st.sql, err)
		}
	}
}

// isRefusedLogin reports a login refused with a SQLSTATE (the recipient's
// share revoked for a moment), as opposed to a server that does not answer.
func isRefusedLogin(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code != "XX000"
}

// connectionAttacker floods the server with connections that never log
// in, half-sent startups and wrong passwords, within the machine's limits.
func (f *hostileFixture) connectionAttacker(rng *rand.Rand, deadline time.Time, fail func(string, ...any)) {
	for time.Now().Before(deadline) {
		switch rng.IntN(3) {
		case 0, 1:
			n := 10 + rng.IntN(50)
			var conns []net.Conn
			for range n {
				c, err := net.DialTimeout("tcp", f.s.addr, 5*time.Second)
				if err != nil {
					break // the server may refuse past its cap: not a failure
				}
				if rng.IntN(2) == 0 {
					c.Write(startupPacket("user", "admin", "database", "postgres")[:6])
				}
				conns = append(conns, c)
			}
			time.Sleep(time.Duration(rng.IntN(200)) * time.Millisecond)
			for _, c := range conns {
				c.Close()
			}
		default:
			user := fmt.Sprintf("nosuch%d", rng.IntN(1000))
			_, err := dial(f.s.url(user, "wrong", "postgres"))
			var pe *pgconn.PgError
			if !errors.As(err, &pe) || (pe.Code != "28P01" && pe.Code != "28000" && pe.Code != "53300") {
				fail("a wrong password answered %v, want 28P01", err)
			}
		}
	}
}

// revokeAttacker opens a cursor as the recipient, revokes the grant while
// it is open, and checks that the next FETCH returns no row of the share.
func (f *hostileFixture) revokeAttacker(t *testing.T, deadline time.Time, fail func(string, ...any)) {
	prov, err := dial(f.s.url("hprov", tenantPassword("hprov"), "hdb"))
	if err != nil {
		fail("revoker: login: %v", err)
		return
	}
	defer closeConn(prov)
	exec := func(conn *pgx.Conn, sql string) error {
		ctx, cancel := context.WithTimeout(context.Background(), queryTimeout)
		defer cancel()
		_, err := conn.Exec(ctx, sql)
		return err
	}
	for time.Now().Before(deadline) {
		rec, err := dial(recipientURL(t, f.cred, "hshare"))
		if err != nil {
			fail("revoker: recipient login: %v", err)
			return
		}
		steps := []string{"BEGIN", "DECLARE c CURSOR FOR SELECT n FROM public.t", "FETCH 10 FROM c"}
		for _, sql := range steps {
			if err := exec(rec, sql); err != nil {
				fail("revoker: %s: %v", sql, err)
			}
		}
		if err := exec(prov, "REVOKE SELECT ON SHARE hshare FROM RECIPIENT hrec"); err != nil {
			fail("revoker: REVOKE: %v", err)
		}
		rows, err := fetchCount(rec, "FETCH 10 FROM c")
		switch {
		case err == nil && rows > 0:
			fail("a FETCH after REVOKE returned %d rows of the share", rows)
		case err != nil:
			var pe *pgconn.PgError
			if errors.As(err, &pe) && pe.Code == "XX000" {
				fail("a FETCH after REVOKE: internal error %s", pe.Message)
			}
		}
		closeConn(rec)
		if err := exec(prov, "GRANT SELECT ON SHARE hshare TO RECIPIENT hrec"); err != nil {
			fail("revoker: GRANT: %v", err)
			return
		}
	}
}

func fetchCount(conn *pgx.Conn, sql string) (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), queryTimeout)
	defer cancel()
	rows, err := conn.Query(ctx, sql, pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		n++
	}
	return n, rows.Err()
}
