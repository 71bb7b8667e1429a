package main

// psql's \d, \d+, \du and \dp against the built server. Each sends catalog
// queries with ARRAY(subquery), functions in FROM (unnest, generate_series
// over a correlated array bound, WITH ORDINALITY), subscripts, array casts
// and regnamespace; the expected text is what PostgreSQL 15 prints for the
// same objects (captured from a real server, a role with the same
// attributes standing for the tenant).

import (
	"context"
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
	mustExec(t, admin, `CREATE TABLE u (id int PRIMARY KEY, email text, deleted_at timestamp, score int)`)
	mustExec(t, admin, `CREATE INDEX ON u (lower(email))`)
	mustExec(t, admin, `CREATE INDEX live_idx ON u (email, (score + 1)) WHERE deleted_at IS NULL`)
	mustExec(t, admin, `CREATE INDEX u_score_pos ON u (score) WHERE score > 0`)

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
		// As PostgreSQL 15 prints it for the same statements.
		{"d u", `\d u`, `
                             Table "public.u"
   Column   |            Type             | Collation | Nullable | Default 
------------+-----------------------------+-----------+----------+---------
 id         | integer                     |           | not null | 
 email      | text                        |           |          | 
 deleted_at | timestamp without time zone |           |          | 
 score      | integer                     |           |          | 
Indexes:
    "u_pkey" PRIMARY KEY, btree (id)
    "live_idx" btree (email, (score + 1)) WHERE deleted_at IS NULL
    "u_lower_idx" btree (lower(email))
    "u_score_pos" btree (score) WHERE score > 0
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
 public | u    | table |                   |                   | 
(2 rows)
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

// TestArrayWire reads and sends arrays through pgx, which uses the binary
// form for the array types it knows.
func TestArrayWire(t *testing.T) {
	s := startServer(t)
	conn := s.admin(t, "postgres")
	ctx := context.Background()
	var (
		texts []string
		ints  []int16
		oids  []uint32
		names []string
	)
	err := conn.QueryRow(ctx, `SELECT '{a,"b c",""}'::text[], '{1,-2}'::int2[], '{23,25}'::oid[], current_schemas(true)`).Scan(&texts, &ints, &oids, &names)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(texts, "|") != "a|b c|" || len(ints) != 2 || ints[1] != -2 || len(oids) != 2 || oids[1] != 25 || strings.Join(names, ",") != "pg_catalog,public" {
		t.Errorf("got %q %v %v %q", texts, ints, oids, names)
	}
	var n int64
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM unnest($1::text[]) x WHERE x <> 'b'`, []string{"a", "b", "c"}).Scan(&n); err != nil || n != 2 {
		t.Errorf("unnest($1::text[]): %d %v", n, err)
	}
	var got string
	if err := conn.QueryRow(ctx, `SELECT array_to_string($1::int4[], ',')`, []int32{3, 4}).Scan(&got); err != nil || got != "3,4" {
		t.Errorf("array_to_string($1::int4[]): %q %v", got, err)
	}
}
