package main

// End-to-end test of row-group pruning where consumers meet it: reads of a
// shared table by a token recipient and by a tenant that mounted the
// share, alone and joined with the consumer's own table, over pgwire.

import (
	"regexp"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestPruneSharedTables(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	s.mustCreateTenant(t, "provider_co")
	s.mustCreateTenant(t, "globex")
	prov := s.tenant(t, "provider_co", "postgres")
	mustExec(t, prov, "CREATE DATABASE db1")
	db1 := s.tenant(t, "provider_co", "db1")
	// 300000 rows in id order: one data file of ten 32Ki-row groups.
	mustExec(t, db1, "CREATE TABLE public.events (id bigint, grp int, amount float8)")
	mustExec(t, db1, "INSERT INTO public.events SELECT i, i % 10, i / 4.0 FROM generate_series(1, 300000) i")
	mustExec(t, prov, "CREATE SHARE ev")
	mustExec(t, prov, "GRANT USAGE ON DATABASE db1 TO SHARE ev")
	mustExec(t, prov, "GRANT SELECT ON TABLE db1.public.events TO SHARE ev")
	mustExec(t, prov, "ALTER SHARE ev ADD TENANTS = globex")
	link := mustCreateRecipient(t, db1, "CREATE RECIPIENT acme")
	mustExec(t, db1, "GRANT SELECT ON SHARE ev TO RECIPIENT acme")
	acme := recipientConnect(t, mustActivate(t, link), "ev")
	globex := s.tenant(t, "globex", "postgres")
	mustExec(t, globex, "CREATE DATABASE mnt FROM SHARE provider_co.ev")
	mustExec(t, globex, "CREATE TABLE mine (id bigint, tag text)")
	mustExec(t, globex, "INSERT INTO mine VALUES (5, 'early'), (200500, 'late'), (299999, 'last')")

	rowGroups := regexp.MustCompile(`Row groups: \d+ of \d+ read`)
	check := func(t *testing.T, conn *pgx.Conn, query, want string, groups ...string) {
		t.Helper()
		if got := flatRows(mustQueryRows(t, conn, query)); got != want {
			t.Errorf("%s: %q, want %q", query, got, want)
		}
		plan := mustQueryRows(t, conn, "EXPLAIN ANALYZE "+query)
		var got []string
		for _, r := range plan {
			got = append(got, rowGroups.FindAllString(r[0], -1)...)
		}
		if strings.Join(got, ";") != strings.Join(groups, ";") {
			t.Errorf("%s: plan shows %q, want %q\n%s", query, got, groups, flatRows(plan))
		}
	}
	t.Run("token recipient", func(t *testing.T) {
		check(t, acme, "SELECT count(*), sum(id) FROM public.events WHERE id BETWEEN 200000 AND 200999", "1000,200499500", "Row groups: 1 of 10 read")
		// A bound parameter of another type (numeric) prunes too.
		if n := queryInt64(t, acme, "SELECT count(*) FROM public.events WHERE id > $1::numeric", "299990.5"); n != 10 {
			t.Errorf("id > 299990.5: %d rows", n)
		}
		check(t, acme, "SELECT count(*) FROM public.events WHERE amount < 10", "39", "Row groups: 1 of 10 read")
	})
	t.Run("tenant mount and join", func(t *testing.T) {
		check(t, globex, "SELECT count(*) FROM mnt.public.events WHERE id < 1000 OR id >= 299000", "2000", "Row groups: 2 of 10 read")
		check(t, globex, "SELECT m.tag, e.grp FROM mine m JOIN mnt.public.events e ON e.id = m.id WHERE e.id > 150000 ORDER BY m.tag",
			"last,9|late,0", "Row groups: 6 of 10 read")
		check(t, globex, "SELECT m.tag FROM mine m LEFT JOIN mnt.public.events e ON e.id = m.id AND e.id < 100 ORDER BY m.tag",
			"early|last|late", "Row groups: 1 of 10 read")
	})
}
