package main

// psql's describe commands (\l \dn \dt \dt+ …) and drivers' metadata
// queries against the built server: they read pg_catalog and
// information_schema, which the executor computes per session. Expected
// output is PostgreSQL 15's format for the same objects.

import (
	"context"
	"strings"
	"testing"
)

func TestPsqlMetaCommands(t *testing.T) {
	s := startServer(t)
	admin := s.admin(t, "postgres")
	mustExec(t, admin, `CREATE TABLE t (id int NOT NULL, name varchar(20) DEFAULT 'x')`)
	mustExec(t, admin, `CREATE SCHEMA finance`)
	mustExec(t, admin, `COMMENT ON SCHEMA finance IS 'money'`)
	mustExec(t, admin, `CREATE TABLE finance.orders (id bigint, amount numeric(12,2))`)
	mustExec(t, admin, `COMMENT ON TABLE finance.orders IS 'one row per order'`)
	mustExec(t, admin, `CREATE DATABASE analytics`)
	mustExec(t, admin, `CREATE TENANT alice PASSWORD 'alice-pw'`)

	// aligned runs psql with its default, aligned output (the helper's
	// default is unaligned and tuples only).
	aligned := func(t *testing.T, user, password, db, cmd string) string {
		t.Helper()
		return s.mustPsql(t, user, password, db, "", "-P", "format=aligned", "-P", "tuples_only=off", "-c", cmd)
	}
	for _, tc := range []struct {
		name, user, password, cmd, want string
	}{
		{"l", "admin", adminPassword, `\l`, `
                                         List of databases
   Name    | Owner | Encoding | Collate | Ctype | ICU Locale | Locale Provider | Access privileges 
-----------+-------+----------+---------+-------+------------+-----------------+-------------------
 analytics | admin | UTF8     | C       | C     |            | libc            | 
 postgres  | admin | UTF8     | C       | C     |            | libc            | 
(2 rows)
`},
		{"dn", "admin", adminPassword, `\dn`, `
 List of schemas
  Name   | Owner 
---------+-------
 finance | admin
 public  | admin
(2 rows)
`},
		{"dn+", "admin", adminPassword, `\dn+`, `
                  List of schemas
  Name   | Owner | Access privileges | Description 
---------+-------+-------------------+-------------
 finance | admin |                   | money
 public  | admin |                   | 
(2 rows)
`},
		{"dt", "admin", adminPassword, `\dt`, `
       List of relations
 Schema | Name | Type  | Owner 
--------+------+-------+-------
 public | t    | table | admin
(1 row)
`},
		{"dt schema", "admin", adminPassword, `\dt finance.*`, `
        List of relations
 Schema  |  Name  | Type  | Owner 
---------+--------+-------+-------
 finance | orders | table | admin
(1 row)
`},
		{"dt+ schema", "admin", adminPassword, `\dt+ finance.*`, `
                                      List of relations
 Schema  |  Name  | Type  | Owner | Persistence | Access method |  Size   |    Description    
---------+--------+-------+-------+-------------+---------------+---------+-------------------
 finance | orders | table | admin | permanent   | heap          | 0 bytes | one row per order
(1 row)
`},
		{"dv", "admin", adminPassword, `\dv`, `
      List of relations
 Schema | Name | Type | Owner 
--------+------+------+-------
(0 rows)
`},
		// A tenant sees its own database, schemas and tables only.
		{"tenant l", "alice", "alice-pw", `\l`, `
                                        List of databases
   Name   | Owner | Encoding | Collate | Ctype | ICU Locale | Locale Provider | Access privileges 
----------+-------+----------+---------+-------+------------+-----------------+-------------------
 postgres | alice | UTF8     | C       | C     |            | libc            | 
(1 row)
`},
		{"tenant dt", "alice", "alice-pw", `\dt`, `
      List of relations
 Schema | Name | Type | Owner 
--------+------+------+-------
(0 rows)
`},
		{"tenant dn", "alice", "alice-pw", `\dn`, `
List of schemas
  Name  | Owner 
--------+-------
 public | alice
(1 row)
`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := aligned(t, tc.user, tc.password, "postgres", tc.cmd)
			// psql -q prints an empty table where it would say "Did not
			// find any relations", and a blank line after each table.
			want := strings.TrimPrefix(tc.want, "\n") + "\n"
			if got != want {
				t.Errorf("psql %s:\ngot:\n%s\nwant:\n%s", tc.cmd, got, want)
			}
		})
	}

	t.Run("tab completion", func(t *testing.T) {
		// What psql sends to complete "SELECT * FROM fin<TAB>" and "finance.<TAB>".
		out := s.mustPsql(t, "admin", adminPassword, "postgres", "", "-c", `SELECT c.relname, NULL::pg_catalog.text FROM pg_catalog.pg_class c WHERE c.relkind IN ('r', 'S', 'v', 'm', 'f', 'p') AND (c.relname) LIKE 'fin%' AND pg_catalog.pg_table_is_visible(c.oid) AND c.relnamespace <> (SELECT oid FROM pg_catalog.pg_namespace WHERE nspname = 'pg_catalog')
UNION ALL
SELECT NULL::pg_catalog.text, n.nspname FROM pg_catalog.pg_namespace n WHERE n.nspname LIKE 'fin%' AND n.nspname NOT LIKE E'pg\\_%'
LIMIT 1000`)
		if out != "|finance\n" {
			t.Errorf("schema completion: %q", out)
		}
		out = s.mustPsql(t, "admin", adminPassword, "postgres", "", "-c", `SELECT c.relname, n.nspname FROM pg_catalog.pg_class c, pg_catalog.pg_namespace n WHERE c.relnamespace = n.oid AND c.relkind IN ('r', 'S', 'v', 'm', 'f', 'p') AND (c.relname) LIKE '%' AND n.nspname = 'finance' LIMIT 1000`)
		if out != "orders|finance\n" {
			t.Errorf("table completion: %q", out)
		}
	})

	t.Run("pgx LoadType queries", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), queryTimeout)
		defer cancel()
		var oid uint32
		if err := admin.QueryRow(ctx, "select $1::text::regtype::oid;", "numeric").Scan(&oid); err != nil || oid != 1700 {
			t.Fatalf("regtype of numeric: %d, %v", oid, err)
		}
		var typtype string
		var typbasetype uint32
		if err := admin.QueryRow(ctx, "select typtype::text, typbasetype from pg_type where oid=$1", oid).Scan(&typtype, &typbasetype); err != nil || typtype != "b" || typbasetype != 0 {
			t.Fatalf("pg_type of numeric: %q %d, %v", typtype, typbasetype, err)
		}
		var typelem uint32
		var typdelim string
		if err := admin.QueryRow(ctx, "select typelem, typdelim::text from pg_type where oid=$1", oid).Scan(&typelem, &typdelim); err != nil || typelem != 0 || typdelim != "," {
			t.Fatalf("typelem of numeric: %d %q, %v", typelem, typdelim, err)
		}
	})

	t.Run("driver metadata", func(t *testing.T) {
		// SQLAlchemy's table list and column reflection, and JDBC's
		// getColumns, by information_schema.
		got := queryStrings(t, admin, `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'finance' AND c.relkind in ('r', 'p')`)
		if strings.Join(got, ",") != "orders" {
			t.Errorf("sqlalchemy table names: %q", got)
		}
		got = queryStrings(t, admin, `SELECT column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '-') FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 't' ORDER BY ordinal_position`)
		if strings.Join(got, ",") != "id integer NO -,name character varying YES 'x'" {
			t.Errorf("information_schema.columns: %q", got)
		}
		got = queryStrings(t, admin, `SELECT a.attname || ' ' || pg_catalog.format_type(a.atttypid, a.atttypmod) FROM pg_catalog.pg_attribute a WHERE a.attrelid = 'finance.orders'::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`)
		if strings.Join(got, ",") != "id bigint,amount numeric(12,2)" {
			t.Errorf("pg_attribute: %q", got)
		}
	})
}
