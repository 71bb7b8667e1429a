package main

// Sequences over the wire: several connections drawing from one sequence
// concurrently get distinct values; values survive a restart and a kill
// without repeats (a crash may skip values, never reuse them); psql's \ds
// and \d print what PostgreSQL 15 prints for the same objects.

import (
	"context"
	"strings"
	"sync"
	"testing"
)

func TestSequencesConcurrentAndDurable(t *testing.T) {
	s := startServer(t)
	admin := s.admin(t, "postgres")
	mustExec(t, admin, `CREATE SEQUENCE s`)
	mustExec(t, admin, `CREATE TABLE items (id bigserial PRIMARY KEY, worker int)`)

	seen := map[int64]bool{}
	var mu sync.Mutex
	record := func(t *testing.T, v int64) {
		mu.Lock()
		defer mu.Unlock()
		if seen[v] {
			t.Errorf("value %d handed out twice", v)
		}
		seen[v] = true
	}
	const workers, each = 4, 50
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		conn := s.admin(t, "postgres")
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			ctx := context.Background()
			for i := 0; i < each; i++ {
				var v int64
				if err := conn.QueryRow(ctx, `SELECT nextval('s')`).Scan(&v); err != nil {
					t.Errorf("worker %d: %v", w, err)
					return
				}
				record(t, v)
				if _, err := conn.Exec(ctx, `INSERT INTO items (worker) VALUES ($1)`, w); err != nil {
					t.Errorf("worker %d insert: %v", w, err)
					return
				}
			}
		}(w)
	}
	wg.Wait()
	if len(seen) != workers*each {
		t.Fatalf("%d distinct values, want %d", len(seen), workers*each)
	}
	if n := queryInt64(t, admin, `SELECT count(DISTINCT id) FROM items`); n != workers*each {
		t.Fatalf("items has %d distinct ids, want %d", n, workers*each)
	}

	// A clean stop and a kill: the next values are above every value given.
	for _, how := range []string{"stop", "kill"} {
		maxSeq := queryInt64(t, admin, `SELECT max(v) FROM (SELECT nextval('s') AS v) x`)
		maxID := queryInt64(t, admin, `SELECT max(id) FROM items`)
		admin.Close(context.Background())
		if how == "stop" {
			s.stop(t)
		} else {
			s.kill()
		}
		s.restart(t)
		admin = s.admin(t, "postgres")
		if v := queryInt64(t, admin, `SELECT nextval('s')`); v <= maxSeq {
			t.Errorf("after %s: nextval %d, not above %d", how, v, maxSeq)
		}
		var id int64
		mustQueryRow(t, admin, `INSERT INTO items (worker) VALUES (-1) RETURNING id`, []any{&id})
		if id <= maxID {
			t.Errorf("after %s: new id %d, not above %d", how, id, maxID)
		}
	}
	// currval is the session's own.
	if err := queryErr(admin, `SELECT currval('items_id_seq')`); err != nil {
		t.Errorf("currval after this session's insert: %v", err)
	}
	wantCode(t, queryErr(s.admin(t, "postgres"), `SELECT currval('s')`), "55000")
}

func TestPsqlSequences(t *testing.T) {
	s := startServer(t)
	admin := s.admin(t, "postgres")
	mustExec(t, admin, `CREATE TABLE items (id serial PRIMARY KEY, n bigint GENERATED ALWAYS AS IDENTITY, name text)`)
	mustExec(t, admin, `CREATE SEQUENCE counter INCREMENT 5 START 10`)
	for _, tc := range []struct{ cmd, want string }{
		{`\ds`, `
            List of relations
 Schema |     Name     |   Type   | Owner 
--------+--------------+----------+-------
 public | counter      | sequence | admin
 public | items_id_seq | sequence | admin
 public | items_n_seq  | sequence | admin
(3 rows)
`},
		{`\d items`, `
                            Table "public.items"
 Column |  Type   | Collation | Nullable |              Default              
--------+---------+-----------+----------+-----------------------------------
 id     | integer |           | not null | nextval('items_id_seq'::regclass)
 n      | bigint  |           | not null | generated always as identity
 name   | text    |           |          | 
Indexes:
    "items_pkey" PRIMARY KEY, btree (id)
`},
		{`\d counter`, `
                          Sequence "public.counter"
  Type  | Start | Minimum |       Maximum       | Increment | Cycles? | Cache 
--------+-------+---------+---------------------+-----------+---------+-------
 bigint |    10 |       1 | 9223372036854775807 |         5 | no      |     1
`},
		{`\d items_id_seq`, `
                    Sequence "public.items_id_seq"
  Type   | Start | Minimum |  Maximum   | Increment | Cycles? | Cache 
---------+-------+---------+------------+-----------+---------+-------
 integer |     1 |       1 | 2147483647 |         1 | no      |     1
Owned by: public.items.id
`},
		{`\d items_n_seq`, `
                        Sequence "public.items_n_seq"
  Type  | Start | Minimum |       Maximum       | Increment | Cycles? | Cache 
--------+-------+---------+---------------------+-----------+---------+-------
 bigint |     1 |       1 | 9223372036854775807 |         1 | no      |     1
Sequence for identity column: public.items.n
`},
	} {
		t.Run(tc.cmd, func(t *testing.T) {
			got := s.mustPsql(t, "admin", adminPassword, "postgres", "", "-P", "format=aligned", "-P", "tuples_only=off", "-c", tc.cmd)
			want := strings.TrimPrefix(tc.want, "\n") + "\n"
			if got != want {
				t.Errorf("psql %s:\ngot:\n%s\nwant:\n%s", tc.cmd, got, want)
			}
		})
	}
}
