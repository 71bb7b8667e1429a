package main

// End-to-end tests of isolation between tenants: a tenant's answers about
// recipients and tenant names are the same whether another tenant has
// the object or nobody does, and object ids tell nothing of other tenants.

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// answer is what a statement answered, with name replaced by NAME and
// activation links by LINK, so that answers about two names compare.
func answer(conn *pgx.Conn, simple bool, sql, name string) string {
	ctx, cancel := context.WithTimeout(context.Background(), queryTimeout)
	defer cancel()
	var out string
	rows, err := conn.Query(ctx, sql, modeArgs(simple)...)
	if err == nil {
		var vals []string
		for rows.Next() {
			for _, v := range rows.RawValues() {
				s := string(v)
				if strings.Contains(s, "/activate/") {
					s = "LINK"
				}
				s = timestampRE.ReplaceAllString(s, "TIME")
				vals = append(vals, s)
			}
		}
		rows.Close()
		err = rows.Err()
		out = "rows " + strings.Join(vals, ",") + " tag " + rows.CommandTag().String()
	}
	if pe, ok := asPgError(err); ok {
		out = fmt.Sprintf("error %s %q detail %q hint %q", pe.Code, pe.Message, pe.Detail, pe.Hint)
	} else if err != nil {
		out = "error " + err.Error()
	}
	return strings.ReplaceAll(out, name, "NAME")
}

func TestSharingRecipientIsolation(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	for _, n := range []string{"iso_a", "iso_b"} {
		s.mustCreateTenant(t, n)
	}
	a := s.tenant(t, "iso_a", "postgres")
	b := s.tenant(t, "iso_b", "postgres")
	mustExec(t, a, "CREATE TABLE t (id bigint)")
	mustExec(t, b, "CREATE TABLE t (id bigint)")
	mustExec(t, b, "CREATE SHARE bs")
	mustExec(t, b, "ALTER SHARE bs ADD TABLE postgres.public.t")
	// Tenant a has token recipients taken_*, a tenant recipient of b and
	// recipients called like the tenants; free_* exist nowhere.
	for i := 0; i < 2; i++ {
		mustCreateRecipient(t, a, fmt.Sprintf("CREATE RECIPIENT taken_%d", i))
		mustCreateRecipient(t, a, fmt.Sprintf("CREATE RECIPIENT taken_tenant_%d USING ID 'iso_b'", i))
	}
	for i, simple := range []bool{true, false} {
		t.Run(map[bool]string{true: "simple", false: "extended"}[simple], func(t *testing.T) {
			for _, sql := range []string{
				"CREATE RECIPIENT %s",
				"CREATE RECIPIENT %s",
				"ALTER RECIPIENT %s SET PROPERTIES ('k' = 'v')",
				"ALTER RECIPIENT %s ROTATE TOKEN",
				"ALTER RECIPIENT %s RENAME TO %[1]s_renamed",
				"DESCRIBE RECIPIENT %s_renamed",
				"GRANT SELECT ON SHARE bs TO RECIPIENT %s_renamed",
				"SHOW GRANTS TO RECIPIENT %s_renamed",
				"REVOKE SELECT ON SHARE bs FROM RECIPIENT %s_renamed",
				"DROP RECIPIENT %s_renamed",
				"DROP RECIPIENT %s_renamed",
				// Never created by b: answers about a's and nobody's.
				"DESCRIBE RECIPIENT %s_tenant",
				"ALTER RECIPIENT %s_tenant ROTATE TOKEN",
				"GRANT SELECT ON SHARE bs TO RECIPIENT %s_tenant",
				"DROP RECIPIENT %s_tenant",
			} {
				taken, free := fmt.Sprintf("taken_%d", i), fmt.Sprintf("free_%d", i)
				got := answer(b, simple, fmt.Sprintf(sql, taken), taken)
				want := answer(b, simple, fmt.Sprintf(sql, free), free)
				if got != want {
					t.Errorf("%s: a name tenant iso_a has answers\n  %s\nand a name nobody has\n  %s", sql, got, want)
				}
			}
			// Names of tenants and of the superuser are free for recipients.
			for _, name := range []string{"iso_a", "admin", "iso_b"} {
				rn := fmt.Sprintf("%s_%d", name, i)
				if i == 0 {
					rn = name
				}
				if got := answer(b, simple, "CREATE RECIPIENT "+rn, rn); !strings.HasPrefix(got, "rows NAME,TOKEN,LINK") {
					t.Errorf("CREATE RECIPIENT %s: %s", rn, got)
				}
			}
			// A tenant name in USING ID and ADD TENANTS: a's, nobody's.
			for _, sql := range []string{
				"CREATE RECIPIENT r_%s_%d USING ID '%[1]s'",
				"ALTER SHARE bs ADD TENANTS = %s",
				"ALTER SHARE bs REMOVE TENANTS = %s",
				"ALTER SHARE bs REMOVE TENANTS = %s",
				"CREATE DATABASE m_%s_%d FROM SHARE %[1]s.nosuch",
			} {
				got := answer(b, simple, fmt.Sprintf(sql, "iso_a", i), "iso_a")
				want := answer(b, simple, fmt.Sprintf(sql, "no_such_tenant", i), "no_such_tenant")
				if got != want {
					t.Errorf("%s: an existing tenant answers\n  %s\nand a missing one\n  %s", sql, got, want)
				}
			}
		})
	}
	// a's recipients are untouched.
	if rows := mustQueryRows(t, a, "SHOW RECIPIENTS"); len(rows) != 4 {
		t.Errorf("a's recipients: %q", rows)
	}
}

// TestObjectIDsRevealNothing: the OIDs a tenant sees of its own objects
// (pg_class, pg_namespace, RowDescription's table OID) follow no order, so
// they tell nothing of other tenants' objects created between them; they
// fit an int4, and survive a restart.
func TestObjectIDsRevealNothing(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	s.mustCreateTenant(t, "ids_a")
	s.mustCreateTenant(t, "ids_b")
	a := s.tenant(t, "ids_a", "postgres")
	b := s.tenant(t, "ids_b", "postgres")
	const n = 12
	oidOf := func(conn *pgx.Conn, table string) int64 {
		return queryInt64(t, conn, "SELECT oid::int8 FROM pg_class WHERE relname = $1", table)
	}
	var bOIDs []int64
	for i := 0; i < n; i++ {
		mustExec(t, b, fmt.Sprintf("CREATE TABLE b%d (id bigint)", i))
		if i%2 == 0 { // tenant a creates objects between some of b's
			mustExec(t, a, fmt.Sprintf("CREATE TABLE a%d (id bigint)", i))
			mustExec(t, a, fmt.Sprintf("CREATE SCHEMA s%d", i))
		}
		bOIDs = append(bOIDs, oidOf(b, fmt.Sprintf("b%d", i)))
	}
	increasing, decreasing := true, true
	seen := map[int64]bool{}
	for i, oid := range bOIDs {
		if oid < 16384 || oid >= 1<<31 || seen[oid] {
			t.Errorf("oid %d of b%d: want a unique OID in [16384, 2^31)", oid, i)
		}
		seen[oid] = true
		if i > 0 {
			increasing = increasing && oid > bOIDs[i-1]
			decreasing = decreasing && oid < bOIDs[i-1]
		}
	}
	if increasing || decreasing {
		t.Errorf("b's table OIDs are ordered, so gaps count a's objects: %v", bOIDs)
	}
	// RowDescription's table OID is the same OID, in both protocols.
	for _, simple := range []bool{true, false} {
		ctx, cancel := context.WithTimeout(context.Background(), queryTimeout)
		rows, err := b.Query(ctx, "SELECT id FROM b3", modeArgs(simple)...)
		if err != nil {
			t.Fatal(err)
		}
		fd := rows.FieldDescriptions()
		rows.Close()
		cancel()
		if len(fd) != 1 || int64(fd[0].TableOID) != bOIDs[3] {
			t.Errorf("RowDescription of b3 (simple %v): %+v, want table OID %d", simple, fd, bOIDs[3])
		}
	}
	s.stop(t)
	s.restart(t)
	b = s.tenant(t, "ids_b", "postgres")
	for i, want := range bOIDs {
		if got := oidOf(b, fmt.Sprintf("b%d", i)); got != want {
			t.Errorf("after a restart b%d has OID %d, want %d", i, got, want)
		}
	}
}
