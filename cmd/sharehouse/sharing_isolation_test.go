package main

// End-to-end tests of isolation between tenants: a tenant's answers about
// recipients and tenant names are the same whether another tenant has
// the object or nobody does, and object ids tell nothing of other tenants.

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

var timestampRE = regexp.MustCompile(`\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)? \+0000`)

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
