package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// repeatJoin is n copies of item joined by sep.
func repeatJoin(item, sep string, n int) string {
	return strings.TrimSuffix(strings.Repeat(item+sep, n), sep)
}

// nestedText is n copies of open, then mid, then n copies of close.
func nestedText(open, mid, close string, n int) string {
	return strings.Repeat(open, n) + mid + strings.Repeat(close, n)
}

// queryModes are pgx's two ways of sending a statement: the simple
// protocol, and its default Parse/Bind/Describe/Execute.
var queryModes = []struct {
	name string
	args []any
}{
	{"simple", []any{pgx.QueryExecModeSimpleProtocol}},
	{"extended", nil},
}

// hostileSession is a login that sends hostile statements.
type hostileSession struct {
	name string
	conn *pgx.Conn
}

// startHostileServer starts a server where the admin and a tenant each
// have a table orders(id) holding 1..100, the tenant's shared with a token
// recipient, and returns sessions of the admin and the recipient that see
// orders, plus a bystander connection of the tenant.
func startHostileServer(t *testing.T) (sessions []hostileSession, bystander *pgx.Conn) {
	s := startServer(t)
	s.mustCreateTenant(t, "prov")
	prov := s.tenant(t, "prov", "postgres")
	mustExec(t, prov, "CREATE TABLE orders (id bigint)")
	mustExec(t, prov, "INSERT INTO orders SELECT g FROM generate_series(1, 100) g")
	mustExec(t, prov, "CREATE SHARE sh")
	mustExec(t, prov, "ALTER SHARE sh ADD TABLE orders")
	link := mustCreateRecipient(t, prov, "CREATE RECIPIENT acme")
	mustExec(t, prov, "GRANT SELECT ON SHARE sh TO RECIPIENT acme")
	recipient := recipientConnect(t, mustActivate(t, link), "sh")
	admin := s.admin(t, "postgres")
	mustExec(t, admin, "CREATE TABLE orders (id bigint)")
	mustExec(t, admin, "INSERT INTO orders SELECT g FROM generate_series(1, 100) g")
	return []hostileSession{{"admin", admin}, {"recipient", recipient}}, s.tenant(t, "prov", "postgres")
}

// TestHostileStatements: statements nested too deeply for PostgreSQL's
// parser (the 40,000-term 1+1+…+1 killed the server with a segfault in
// the C parser) answer an error with PostgreSQL's SQLSTATE, for an admin
// and for a token recipient, in both protocols; the session that sent
// one and everyone else go on being served.
func TestHostileStatements(t *testing.T) {
	t.Parallel()
	sessions, bystander := startHostileServer(t)
	for _, tc := range []struct {
		name, sql, code string
	}{
		// PostgreSQL 15: 54001 stack depth limit exceeded.
		{"plus 40000", "SELECT " + repeatJoin("1", "+", 40000), "54001"},
		{"plus 15000", "SELECT " + repeatJoin("1", "+", 15000), "54001"},
		{"concat 20000", "SELECT " + repeatJoin("'a'", "||", 20000), "54001"},
		{"union all 20000", repeatJoin("SELECT 1", " UNION ALL ", 20000), "54001"},
		// PostgreSQL 15: 42601 memory exhausted (its parser's stack);
		// here 54001, refused before the parser.
		{"parentheses 20000", "SELECT " + nestedText("(", "1", ")", 20000), "54001"},
		{"subqueries 5000", "SELECT " + nestedText("(SELECT ", "1", ")", 5000), "54001"},
		{"not 20000", "SELECT " + strings.Repeat("NOT ", 20000) + "true", "54001"},
		{"casts 20000", "SELECT 1" + strings.Repeat("::int", 20000), "54001"},
		{"case 5000", "SELECT " + nestedText("CASE WHEN true THEN ", "1", " END", 5000), "54001"},
		// PostgreSQL 15 stores this view; pg_query's C deparser, which
		// prints the stored text, would overflow its stack.
		{"view of union all 9000", "CREATE VIEW deep AS " + repeatJoin("SELECT 1", " UNION ALL ", 9000), "54001"},
		// PostgreSQL 15 and here: 42601 memory exhausted.
		{"function calls 5000", "SELECT " + nestedText("abs(", "1", ")", 5000), "42601"},
		{"arrays 5000", "SELECT " + nestedText("ARRAY[", "1", "]", 5000), "42601"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, se := range sessions {
				for _, m := range queryModes {
					pe := wantCode(t, queryErr(se.conn, tc.sql, m.args...), tc.code)
					if tc.code == "54001" && (pe.Message != "stack depth limit exceeded" || !strings.Contains(pe.Hint, "max_stack_depth")) {
						t.Errorf("%s %s: %q hint %q, want PostgreSQL's message and hint", se.name, m.name, pe.Message, pe.Hint)
					}
					if got := queryInt64(t, se.conn, "SELECT count(*) FROM orders", m.args...); got != 100 {
						t.Fatalf("%s %s: the session answers %d orders after the statement, want 100", se.name, m.name, got)
					}
				}
			}
			if got := queryInt64(t, bystander, "SELECT 41 + 1"); got != 42 {
				t.Fatalf("bystander: SELECT 41 + 1 = %d", got)
			}
		})
	}
}

// TestLongStatements: long statements of normal use, which PostgreSQL
// accepts, answer correctly and within a sanity bound (speed lives in
// BenchmarkLongStatements): a 5,000-branch UNION ALL, a 500,000-item IN
// list (a quarter of each under the race detector), a 10,000-row VALUES list, a 1 MB string literal, and the deepest
// chains PostgreSQL accepts.
func TestLongStatements(t *testing.T) {
	t.Parallel()
	sessions, _ := startHostileServer(t)
	// Under the race detector binding runs some ten times slower: the
	// lists are a quarter as long there, still far past where a quadratic
	// algorithm shows.
	branches, inItems := 5000/raceSlowdown, 500000/raceSlowdown

	var union []string
	wantSum := 0
	for i := 0; i < branches; i++ {
		union = append(union, fmt.Sprintf("SELECT id + %d AS x FROM orders WHERE id = %d", i, i%100+1))
		wantSum += i + i%100 + 1
	}
	unionSQL := "SELECT count(*), sum(x)::bigint FROM (" + strings.Join(union, " UNION ALL ") + ") u"

	// Multiples of 3 up to 1.5 million, and every order id times 7.
	var items []string
	for i := 0; i < inItems; i++ {
		items = append(items, fmt.Sprint(3*i))
	}
	series := 2 * inItems
	inSQL := fmt.Sprintf("SELECT count(*) FROM generate_series(1, %d) g WHERE g IN (%s)", series, strings.Join(items, ","))
	wantIn := series / 3
	inOrders := "SELECT count(*) FROM orders WHERE id * 7 IN (" + strings.Join(items[:inItems*2/5], ",") + ")"
	wantInOrders := 0
	for id := 1; id <= 100; id++ {
		if id*7%3 == 0 && id*7 < 3*(inItems*2/5) {
			wantInOrders++
		}
	}
	notInNull := "SELECT count(*) FROM orders WHERE id NOT IN (" + strings.Join(items[:1000], ",") + ", NULL)"

	var rows []string
	for i := 0; i < 10000; i++ {
		rows = append(rows, fmt.Sprintf("(%d, 'r%d')", i, i))
	}
	valuesSQL := "SELECT count(*), sum(n) FROM (VALUES " + strings.Join(rows, ",") + ") v(n, s)"

	for _, tc := range []struct {
		name, sql, want string
	}{
		{fmt.Sprintf("union all %d", branches), unionSQL, fmt.Sprintf("%d|%d", branches, wantSum)},
		{fmt.Sprintf("in list %d", inItems), inSQL, fmt.Sprint(wantIn)},
		{"in list over a shared table", inOrders, fmt.Sprint(wantInOrders)},
		{"not in with null", notInNull, "0"},
		{"values 10000", valuesSQL, fmt.Sprintf("10000|%d", 10000*9999/2)},
		{"string 1MB", "SELECT length('" + strings.Repeat("x", 1<<20) + "')", fmt.Sprint(1 << 20)},
		{"plus 4000", "SELECT " + repeatJoin("1", "+", 4000), "4000"},
		{"subqueries 2000", "SELECT " + nestedText("(SELECT ", "1", ")", 2000), "1"},
		{"and 10000", "SELECT count(*) FROM orders WHERE " + repeatJoin("id + 1 > 0", " AND ", 10000), "100"},
		{"case 10000", "SELECT CASE " + strings.Repeat("WHEN 1 + 1 = 3 THEN 0 ", 10000) + "ELSE 1 END", "1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, se := range sessions {
				for _, m := range queryModes {
					start := time.Now()
					got, err := queryFlat(se.conn, tc.sql, m.args...)
					if err != nil {
						t.Fatalf("%s %s: %v", se.name, m.name, err)
					}
					if got != tc.want {
						t.Fatalf("%s %s: %s, want %s", se.name, m.name, got, tc.want)
					}
					t.Logf("%s %s: %v", se.name, m.name, time.Since(start))
				}
			}
		})
	}
}

// queryFlat runs sql and returns its rows as text, fields joined by | and
// rows by ;.
func queryFlat(conn *pgx.Conn, sql string, args ...any) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), queryTimeout)
	defer cancel()
	rows, err := conn.Query(ctx, sql, args...)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			return "", err
		}
		parts := make([]string, len(vals))
		for i, v := range vals {
			parts[i] = fmt.Sprint(v)
		}
		out = append(out, strings.Join(parts, "|"))
	}
	return strings.Join(out, ";"), rows.Err()
}
