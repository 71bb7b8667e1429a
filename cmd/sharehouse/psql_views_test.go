package main

// psql's \dv, \d and \d+ on views against the built server. The expected
// text is what PostgreSQL 15 prints for the same objects (captured from a
// real server, a role named admin standing for the tenant).

import (
	"strings"
	"testing"
)

func TestPsqlViews(t *testing.T) {
	s := startServer(t)
	admin := s.admin(t, "postgres")
	mustExec(t, admin, `CREATE TABLE t (id int NOT NULL, name varchar(20) DEFAULT 'x')`)
	mustExec(t, admin, `INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c')`)
	mustExec(t, admin, `CREATE SCHEMA finance`)
	mustExec(t, admin, `CREATE TABLE finance.orders (id bigint, amount numeric(12,2))`)
	mustExec(t, admin, `CREATE VIEW v AS SELECT id, name FROM t WHERE id > 1`)
	mustExec(t, admin, `CREATE VIEW finance.big (order_id, amt) AS SELECT o.id, o.amount FROM finance.orders o JOIN t ON t.id = o.id WHERE o.amount > 10.5`)
	mustExec(t, admin, `COMMENT ON VIEW v IS 'ids above one'`)

	for _, tc := range []struct{ name, cmd, want string }{
		{"dv", `\dv`, `
      List of relations
 Schema | Name | Type | Owner 
--------+------+------+-------
 public | v    | view | admin
(1 row)
`},
		{"dv+", `\dv+ finance.*`, `
                          List of relations
 Schema  | Name | Type | Owner | Persistence |  Size   | Description 
---------+------+------+-------+-------------+---------+-------------
 finance | big  | view | admin | permanent   | 0 bytes | 
(1 row)
`},
		{"d v", `\d v`, `
                         View "public.v"
 Column |         Type          | Collation | Nullable | Default 
--------+-----------------------+-----------+----------+---------
 id     | integer               |           |          | 
 name   | character varying(20) |           |          | 
`},
		{"d+ v", `\d+ v`, `
                                     View "public.v"
 Column |         Type          | Collation | Nullable | Default | Storage  | Description 
--------+-----------------------+-----------+----------+---------+----------+-------------
 id     | integer               |           |          |         | plain    | 
 name   | character varying(20) |           |          |         | extended | 
View definition:
 SELECT t.id,
    t.name
   FROM t
  WHERE t.id > 1;
`},
		{"d+ finance.big", `\d+ finance.big`, `
                                View "finance.big"
  Column  |     Type      | Collation | Nullable | Default | Storage | Description 
----------+---------------+-----------+----------+---------+---------+-------------
 order_id | bigint        |           |          |         | plain   | 
 amt      | numeric(12,2) |           |          |         | main    | 
View definition:
 SELECT o.id AS order_id,
    o.amount AS amt
   FROM finance.orders o
     JOIN t ON t.id = o.id
  WHERE o.amount > 10.5;
`},
		{"select", `SELECT * FROM v ORDER BY id`, `
 id | name 
----+------
  2 | b
  3 | c
(2 rows)
`},
		{"pg_views", `SELECT schemaname, viewname, definition FROM pg_views WHERE viewname = 'v'`, `
 schemaname | viewname |     definition      
------------+----------+---------------------
 public     | v        |  SELECT t.id,      +
            |          |     t.name         +
            |          |    FROM t          +
            |          |   WHERE (t.id > 1);
(1 row)
`},
		{"dd", `SELECT obj_description('v'::regclass, 'pg_class')`, `
 obj_description 
-----------------
 ids above one
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
