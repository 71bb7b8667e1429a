package main

// psql's \d, \d+, \du and \dp against the built server. Each sends catalog
// queries with ARRAY(subquery), functions in FROM (unnest, generate_series
// over a correlated array bound, WITH ORDINALITY), subscripts, array casts
// and regnamespace; the expected text is what PostgreSQL 15 prints for the
// same objects (captured from a real server, a role with the same
// attributes standing for the tenant).

import (
	"strings"
	"testing"
)

func TestPsqlDescribe(t *testing.T) {
	s := startServer(t)
	admin := s.admin(t, "postgres")
	mustExec(t, admin, `CREATE TABLE t (id int NOT NULL, name varchar(20) DEFAULT 'x')`)
	mustExec(t, admin, `CREATE SCHEMA finance`)
	mustExec(t, admin, `CREATE TABLE finance.orders (id bigint, amount numeric(12,2))`)
	mustExec(t, admin, `COMMENT ON TABLE finance.orders IS 'one row per order'`)
	mustExec(t, admin, `CREATE TENANT alice PASSWORD 'alice-pw'`)

	for _, tc := range []struct{ name, cmd, want string }{
		{"d t", `\d t`, `
                                Table "public.t"
 Column |         Type          | Collation | Nullable |        Default         
--------+-----------------------+-----------+----------+------------------------
 id     | integer               |           | not null | 
 name   | character varying(20) |           |          | 'x'::character varying
`},
		{"d+ t", `\d+ t`, `
                                                           Table "public.t"
 Column |         Type          | Collation | Nullable |        Default         | Storage  | Compression | Stats target | Description 
--------+-----------------------+-----------+----------+------------------------+----------+-------------+--------------+-------------
 id     | integer               |           | not null |                        | plain    |             |              | 
 name   | character varying(20) |           |          | 'x'::character varying | extended |             |              | 
Access method: heap
`},
		{"d+ finance.orders", `\d+ finance.orders`, `
                                            Table "finance.orders"
 Column |     Type      | Collation | Nullable | Default | Storage | Compression | Stats target | Description 
--------+---------------+-----------+----------+---------+---------+-------------+--------------+-------------
 id     | bigint        |           |          |         | plain   |             |              | 
 amount | numeric(12,2) |           |          |         | main    |             |              | 
Access method: heap
`},
		{"du", `\du`, `
                             List of roles
 Role name |                  Attributes                   | Member of 
-----------+-----------------------------------------------+-----------
 admin     | Superuser, Create role, Create DB, Bypass RLS | {}
 alice     | Create DB                                     | {}
`},
		{"dp", `\dp`, `
                            Access privileges
 Schema | Name | Type  | Access privileges | Column privileges | Policies 
--------+------+-------+-------------------+-------------------+----------
 public | t    | table |                   |                   | 
(1 row)
`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := s.mustPsql(t, "admin", adminPassword, "postgres", "", "-P", "format=aligned", "-P", "tuples_only=off", "-c", tc.cmd)
			want := strings.TrimPrefix(tc.want, "\n") + "\n"
			if got != want {
				t.Errorf("psql %s:\ngot:\n%s\nwant:\n%s", tc.cmd, got, want)
			}
		})
	}
}
