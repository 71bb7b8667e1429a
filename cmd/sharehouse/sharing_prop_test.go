package main

// A randomized property test of sharing: random tenants' tables, shares,
// token and tenant recipients, grants, revokes, removes, mounts and drops;
// after every step, for every consumer and every table, the table is
// readable exactly when the model says it is granted — checked through
// data (the row it holds, or 42P01/3D000) and through listings (SHOW
// SHARES, DESC SHARE).
//
// The seed is fixed by default; vary it with -sharing.seed=N or
// SHAREHOUSE_SHARING_SEED=N (0: from the clock), and the number of steps
// with SHAREHOUSE_SHARING_STEPS (make fuzz runs many).

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

var sharingSeed = flag.Int64("sharing.seed", 1, "seed of TestSharingProperties (0: from the clock; env SHAREHOUSE_SHARING_SEED)")

// propTenants are the tenants of the test; each provides and consumes.
var propTenants = []string{"pa", "pb", "pc"}

type propShare struct {
	owner, name string
	tables      map[string]bool // ADD TABLE d.s.t, or GRANT SELECT ON TABLE (then in granted)
	granted     map[string]bool // tables added Databend style: hidden while USAGE is revoked
	schema      bool            // ADD SCHEMA d.s: every table, present and future
	schemaGrant bool            // … added as GRANT SELECT ON ALL TABLES IN SCHEMA
	usage       int             // USAGE ON DATABASE d: usageNone, usageGranted, usageRevoked
	tenants     map[string]bool // ADD TENANTS
}

const (
	usageNone = iota
	usageGranted
	usageRevoked
)

func (sh *propShare) key() string { return sh.owner + "." + sh.name }

type propRecipient struct {
	owner, name string
	tenant      string          // "" for a token recipient
	grants      map[string]bool // share names of owner
	cred        shareCredential // token recipients
	conn        *pgx.Conn       // a token recipient's session, opened once it can log in to a share
}

type propModel struct {
	t        *testing.T
	s        *server
	rnd      *rand.Rand
	conns    map[string]*pgx.Conn         // tenant → session in its database d
	tables   map[string]map[string]int    // tenant → live table → the id it holds
	shares   map[string]*propShare        // owner.name → share
	recips   map[string]*propRecipient    // name → recipient
	mounts   map[string]map[string]string // tenant → mount database → share key
	gone     []*propRecipient             // dropped token recipients, their sessions still open
	readable int                          // checks that read a granted table
	absent   int                          // checks that found an ungranted table absent
	next     int                          // for unique names: nothing is ever reused
	history  []string
}

func (m *propModel) uniq(prefix string) string { m.next++; return fmt.Sprintf("%s%d", prefix, m.next) }

// exec runs a provider's or consumer's statement that must succeed.
func (m *propModel) exec(tenant, sql string) {
	m.t.Helper()
	m.history = append(m.history, tenant+": "+sql)
	if err := execErr(m.conns[tenant], sql); err != nil {
		m.fail("%s: %s: %v", tenant, sql, err)
	}
}

func (m *propModel) fail(format string, args ...any) {
	m.t.Helper()
	m.t.Fatalf("%s\nafter (seed %d):\n  %s", fmt.Sprintf(format, args...), *sharingSeed, strings.Join(m.history, "\n  "))
}

func pick[T any](rnd *rand.Rand, xs []T) (T, bool) {
	var zero T
	if len(xs) == 0 {
		return zero, false
	}
	return xs[rnd.IntN(len(xs))], true
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func (m *propModel) sharesOf(owner string) []*propShare {
	var out []*propShare
	for _, k := range sortedKeys(m.shares) {
		if m.shares[k].owner == owner {
			out = append(out, m.shares[k])
		}
	}
	return out
}

func (m *propModel) recipientsOf(owner string) []*propRecipient {
	var out []*propRecipient
	for _, k := range sortedKeys(m.recips) {
		if m.recips[k].owner == owner {
			out = append(out, m.recips[k])
		}
	}
	return out
}

// visible reports whether share sh exposes table tb of its owner.
func (m *propModel) visible(sh *propShare, tb string) bool {
	_, live := m.tables[sh.owner][tb]
	hidden := func(databend bool) bool { return databend && sh.usage == usageRevoked }
	return live && (sh.schema && !hidden(sh.schemaGrant) || sh.tables[tb] && !hidden(sh.granted[tb]))
}

// tokenReads reports whether token recipient r may read share sh.
func (m *propModel) tokenReads(r *propRecipient, sh *propShare) bool {
	return m.recips[r.name] == r && sh != nil && m.shares[sh.key()] == sh && sh.owner == r.owner && r.grants[sh.name]
}

// tenantReads reports whether tenant c may read share sh.
func (m *propModel) tenantReads(c string, sh *propShare) bool {
	if sh == nil || m.shares[sh.key()] != sh || sh.owner == c {
		return false
	}
	if sh.tenants[c] {
		return true
	}
	for _, r := range m.recipientsOf(sh.owner) {
		if r.tenant == c && r.grants[sh.name] {
			return true
		}
	}
	return false
}

// step makes one random change.
func (m *propModel) step() {
	m.t.Helper()
	owner, _ := pick(m.rnd, propTenants)
	others := slices.DeleteFunc(slices.Clone(propTenants), func(x string) bool { return x == owner })
	tables := sortedKeys(m.tables[owner])
	shares := m.sharesOf(owner)
	recips := m.recipientsOf(owner)
	sh, haveShare := pick(m.rnd, shares)
	tb, haveTable := pick(m.rnd, tables)
	r, haveRecip := pick(m.rnd, recips)

	switch op := m.rnd.IntN(17); {
	case op == 0 && len(tables) < 4 || !haveTable:
		name := m.uniq("t")
		m.exec(owner, fmt.Sprintf("CREATE TABLE s.%s (id bigint)", name))
		m.exec(owner, fmt.Sprintf("INSERT INTO s.%s VALUES (%d)", name, m.next))
		m.tables[owner][name] = m.next
	case op == 1 && len(shares) < 3 || !haveShare:
		name := m.uniq("sh")
		m.exec(owner, "CREATE SHARE "+name)
		m.shares[owner+"."+name] = &propShare{owner: owner, name: name, tables: map[string]bool{}, granted: map[string]bool{}, tenants: map[string]bool{}}
	case op == 2 && len(recips) < 3 || !haveRecip:
		name := m.uniq("r")
		r := &propRecipient{owner: owner, name: name, grants: map[string]bool{}}
		if m.rnd.IntN(2) == 0 {
			r.tenant, _ = pick(m.rnd, others)
			m.history = append(m.history, fmt.Sprintf("%s: CREATE RECIPIENT %s USING ID '%s'", owner, name, r.tenant))
			mustCreateRecipient(m.t, m.conns[owner], fmt.Sprintf("CREATE RECIPIENT %s USING ID '%s'", name, r.tenant))
		} else {
			m.history = append(m.history, fmt.Sprintf("%s: CREATE RECIPIENT %s; activate", owner, name))
			r.cred = mustActivate(m.t, mustCreateRecipient(m.t, m.conns[owner], "CREATE RECIPIENT "+name))
		}
		m.recips[name] = r
	case op == 3:
		m.exec(owner, fmt.Sprintf("DROP TABLE s.%s", tb))
		delete(m.tables[owner], tb)
	case op == 4:
		m.exec(owner, "DROP SHARE "+sh.name)
		delete(m.shares, sh.key())
		for _, r := range recips {
			delete(r.grants, sh.name)
		}
	case op == 5:
		m.exec(owner, "DROP RECIPIENT "+r.name)
		delete(m.recips, r.name)
		if r.tenant == "" {
			m.gone = append(m.gone, r)
		}
	case op == 6 || op == 7:
		// Either grammar, Databricks (ALTER SHARE) or Databend (GRANT).
		databend := m.rnd.IntN(2) == 0
		switch {
		case sh.tables[tb] && databend:
			m.exec(owner, fmt.Sprintf("REVOKE SELECT ON TABLE d.s.%s FROM SHARE %s", tb, sh.name))
		case sh.tables[tb]:
			m.exec(owner, fmt.Sprintf("ALTER SHARE %s REMOVE TABLE d.s.%s", sh.name, tb))
		case databend:
			m.exec(owner, fmt.Sprintf("GRANT SELECT ON TABLE d.s.%s TO SHARE %s", tb, sh.name))
		default:
			m.exec(owner, fmt.Sprintf("ALTER SHARE %s ADD TABLE d.s.%s", sh.name, tb))
		}
		if sh.tables[tb] {
			delete(sh.tables, tb)
			delete(sh.granted, tb)
		} else {
			sh.tables[tb], sh.granted[tb] = true, databend
		}
	case op == 8:
		databend := m.rnd.IntN(2) == 0
		switch {
		case sh.schema && databend:
			m.exec(owner, fmt.Sprintf("REVOKE SELECT ON ALL TABLES IN SCHEMA d.s FROM SHARE %s", sh.name))
		case sh.schema:
			m.exec(owner, fmt.Sprintf("ALTER SHARE %s REMOVE SCHEMA d.s", sh.name))
		case databend:
			m.exec(owner, fmt.Sprintf("GRANT SELECT ON ALL TABLES IN SCHEMA d.s TO SHARE %s", sh.name))
		default:
			m.exec(owner, fmt.Sprintf("ALTER SHARE %s ADD SCHEMA d.s", sh.name))
		}
		sh.schema, sh.schemaGrant = !sh.schema, databend
	case op == 13:
		if sh.usage == usageGranted {
			m.exec(owner, fmt.Sprintf("REVOKE USAGE ON DATABASE d FROM SHARE %s", sh.name))
			sh.usage = usageRevoked
		} else {
			m.exec(owner, fmt.Sprintf("GRANT USAGE ON DATABASE d TO SHARE %s", sh.name))
			sh.usage = usageGranted
		}
	case op == 9:
		c, _ := pick(m.rnd, others)
		if sh.tenants[c] {
			m.exec(owner, fmt.Sprintf("ALTER SHARE %s REMOVE TENANTS = %s", sh.name, c))
			delete(sh.tenants, c)
		} else {
			m.exec(owner, fmt.Sprintf("ALTER SHARE %s ADD TENANTS = %s", sh.name, c))
			sh.tenants[c] = true
		}
	case op == 10 || op == 11 || op == 12:
		if r.grants[sh.name] {
			m.exec(owner, fmt.Sprintf("REVOKE SELECT ON SHARE %s FROM RECIPIENT %s", sh.name, r.name))
			delete(r.grants, sh.name)
		} else {
			m.exec(owner, fmt.Sprintf("GRANT SELECT ON SHARE %s TO RECIPIENT %s", sh.name, r.name))
			r.grants[sh.name] = true
		}
	default: // a consumer mounts or unmounts
		c, _ := pick(m.rnd, others)
		if db, ok := pick(m.rnd, sortedKeys(m.mounts[c])); ok && m.rnd.IntN(3) == 0 {
			m.exec(c, "DROP DATABASE "+db)
			delete(m.mounts[c], db)
			return
		}
		db := m.uniq("m")
		sql := fmt.Sprintf("CREATE DATABASE %s FROM SHARE %s.%s", db, owner, sh.name)
		if m.tenantReads(c, sh) {
			m.exec(c, sql)
			m.mounts[c][db] = sh.key()
			return
		}
		m.history = append(m.history, c+": "+sql+" -- refused")
		if pe, ok := asPgError(execErr(m.conns[c], sql)); !ok || pe.Code != "42704" {
			m.fail("%s: %s: %v; want 42704, the share is not granted to it", c, sql, pe)
		}
	}
}

// check compares what every consumer can read and list with the model.
func (m *propModel) check() {
	m.t.Helper()
	var errs []string
	bad := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }

	// readTable checks one table through conn: its row when readable,
	// 42P01/3D000 when not.
	readTable := func(who string, conn *pgx.Conn, name string, readable bool, id int) {
		q := "SELECT id FROM " + name
		rows, err := queryBoth(m.t, conn, q)
		if readable {
			m.readable++
		} else {
			m.absent++
		}
		switch {
		case readable && err != nil:
			bad("%s: %s: %v; want it readable", who, q, err)
		case readable && flatRows(rows) != strconv.Itoa(id):
			bad("%s: %s = %q, want %d", who, q, rows, id)
		case !readable && err == nil:
			bad("%s: %s reads %q; it is not granted", who, q, rows)
		case !readable:
			if pe, ok := asPgError(err); !ok || (pe.Code != "42P01" && pe.Code != "3D000") {
				bad("%s: %s: %v; want 42P01 or 3D000", who, q, err)
			}
		}
	}
	// inbound lists the INBOUND share names of SHOW SHARES.
	inbound := func(who string, conn *pgx.Conn) []string {
		rows, err := queryBoth(m.t, conn, "SHOW SHARES")
		if err != nil {
			bad("%s: SHOW SHARES: %v", who, err)
			return nil
		}
		var out []string
		for _, r := range rows {
			if r[1] == "INBOUND" {
				out = append(out, r[2])
			}
		}
		sort.Strings(out)
		return out
	}

	// Token recipients.
	for _, name := range sortedKeys(m.recips) {
		r := m.recips[name]
		if r.tenant != "" {
			continue
		}
		var readable []string
		for _, sh := range m.sharesOf(r.owner) {
			if m.tokenReads(r, sh) {
				readable = append(readable, sh.key())
			}
		}
		if r.conn == nil {
			if len(readable) == 0 {
				// Nothing granted: authenticated, but no database.
				if sh, ok := pick(m.rnd, m.sharesOf(r.owner)); ok {
					if pe, ok := asPgError(loginErr(m.t, r.cred, sh.name)); !ok || pe.Code != "3D000" {
						bad("%s: login to ungranted share %s: %v; want 3D000", name, sh.name, pe)
					}
				}
				continue
			}
			first := m.shares[readable[0]]
			conn, err := tryRecipientConnect(m.t, r.cred, first.name)
			if err != nil {
				bad("%s: login to granted share %s: %v", name, first.name, err)
				continue
			}
			m.t.Cleanup(func() {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				conn.Close(ctx)
			})
			r.conn = conn
		}
		for _, sh := range m.sharesOf(r.owner) {
			for _, tb := range sortedKeys(m.tables[r.owner]) {
				readTable(name, r.conn, fmt.Sprintf("%s.s.%s", sh.name, tb), m.tokenReads(r, sh) && m.visible(sh, tb), m.tables[r.owner][tb])
			}
			m.checkDesc(name, r.conn, sh.name, sh.name, m.tokenReads(r, sh), sh, bad)
		}
		if got := inbound(name, r.conn); !slices.Equal(got, readable) {
			bad("%s: SHOW SHARES lists INBOUND %q, want %q", name, got, readable)
		}
	}
	// Dropped token recipients: their open sessions see nothing, and
	// their tokens log in no more.
	for _, r := range m.gone {
		if pe, ok := asPgError(loginErr(m.t, r.cred, "d")); !ok || pe.Code != "28P01" {
			bad("dropped %s: login: %v; want 28P01", r.name, pe)
		}
		if r.conn == nil {
			continue
		}
		for _, sh := range m.sharesOf(r.owner) {
			for _, tb := range sortedKeys(m.tables[r.owner]) {
				readTable("dropped "+r.name, r.conn, fmt.Sprintf("%s.s.%s", sh.name, tb), false, 0)
			}
		}
		if got := inbound("dropped "+r.name, r.conn); len(got) > 0 {
			bad("dropped %s: SHOW SHARES lists %q", r.name, got)
		}
	}

	// Tenants: inbound listings, and every mount.
	for _, c := range propTenants {
		var want []string
		for _, k := range sortedKeys(m.shares) {
			if m.tenantReads(c, m.shares[k]) {
				want = append(want, k)
			}
		}
		if got := inbound(c, m.conns[c]); !slices.Equal(got, want) {
			bad("%s: SHOW SHARES lists INBOUND %q, want %q", c, got, want)
		}
		for _, db := range sortedKeys(m.mounts[c]) {
			key := m.mounts[c][db]
			sh := m.shares[key] // nil once dropped
			owner := strings.SplitN(key, ".", 2)[0]
			reads := m.tenantReads(c, sh)
			for _, tb := range sortedKeys(m.tables[owner]) {
				readTable(c, m.conns[c], fmt.Sprintf("%s.s.%s", db, tb), reads && m.visible(sh, tb), m.tables[owner][tb])
			}
			m.checkDesc(c, m.conns[c], db, db, reads, sh, bad)
		}
		// The provider's own view of its shares.
		for _, sh := range m.sharesOf(c) {
			var want []string
			if sh.schema {
				want = append(want, "SCHEMA d.s")
			}
			if sh.usage == usageGranted {
				want = append(want, "DATABASE d")
			}
			for _, tb := range sortedKeys(sh.tables) {
				if _, live := m.tables[c][tb]; live {
					want = append(want, "TABLE d.s."+tb)
				}
			}
			sort.Strings(want)
			rows, err := queryBoth(m.t, m.conns[c], "DESC SHARE "+sh.name)
			if err != nil {
				bad("%s: DESC SHARE %s: %v", c, sh.name, err)
				continue
			}
			var got []string
			for _, r := range rows {
				got = append(got, r[0]+" "+r[1])
			}
			sort.Strings(got)
			if !slices.Equal(got, want) {
				bad("%s: DESC SHARE %s = %q, want %q", c, sh.name, got, want)
			}
		}
	}
	if len(errs) > 0 {
		m.fail("%s", strings.Join(errs, "\n"))
	}
}

// checkDesc compares a consumer's DESC SHARE of database db with the
// tables share sh exposes; an unreadable share lists nothing (or is
// absent altogether).
func (m *propModel) checkDesc(who string, conn *pgx.Conn, db, _ string, readable bool, sh *propShare, bad func(string, ...any)) {
	rows, err := queryBoth(m.t, conn, "DESC SHARE "+db)
	var want []string
	if readable {
		for _, tb := range sortedKeys(m.tables[sh.owner]) {
			if m.visible(sh, tb) {
				want = append(want, db+".s."+tb)
			}
		}
	}
	if err != nil {
		if readable {
			bad("%s: DESC SHARE %s: %v", who, db, err)
		}
		return
	}
	var got []string
	for _, r := range rows {
		got = append(got, r[1])
	}
	sort.Strings(got)
	if !slices.Equal(got, want) {
		bad("%s: DESC SHARE %s lists %q, want %q", who, db, got, want)
	}
}

func TestSharingProperties(t *testing.T) {
	t.Parallel()
	seed := *sharingSeed
	if env := os.Getenv("SHAREHOUSE_SHARING_SEED"); env != "" {
		v, err := strconv.ParseInt(env, 10, 64)
		if err != nil {
			t.Fatalf("SHAREHOUSE_SHARING_SEED=%q: %v", env, err)
		}
		seed = v
	}
	if seed == 0 {
		seed = time.Now().UnixNano()
	}
	*sharingSeed = seed
	steps := 150
	if env := os.Getenv("SHAREHOUSE_SHARING_STEPS"); env != "" {
		v, err := strconv.Atoi(env)
		if err != nil || v <= 0 {
			t.Fatalf("SHAREHOUSE_SHARING_STEPS=%q: want a positive number", env)
		}
		steps = v
	}
	t.Logf("seed %d, %d steps (rerun: go test -run TestSharingProperties -sharing.seed=%d)", seed, steps, seed)

	// It checks after every step that dropped recipients' tokens fail to
	// log in; the delay of repeated failures is tested in connections_test.go.
	s := startServer(t, withArgs("--auth-failure-delay", "0"))
	m := &propModel{t: t, s: s, rnd: rand.New(rand.NewPCG(uint64(seed), 0x5ea7)),
		conns: map[string]*pgx.Conn{}, tables: map[string]map[string]int{}, shares: map[string]*propShare{},
		recips: map[string]*propRecipient{}, mounts: map[string]map[string]string{}}
	for _, tn := range propTenants {
		s.mustCreateTenant(t, tn)
		mustExec(t, s.tenant(t, tn, "postgres"), "CREATE DATABASE d")
		m.conns[tn] = s.tenant(t, tn, "d")
		mustExec(t, m.conns[tn], "CREATE SCHEMA s")
		m.tables[tn] = map[string]int{}
		m.mounts[tn] = map[string]string{}
	}
	for i := 0; i < steps; i++ {
		m.step()
		m.check()
	}
	t.Logf("%d statements; %d reads of granted tables, %d of ungranted ones", len(m.history), m.readable, m.absent)
}
