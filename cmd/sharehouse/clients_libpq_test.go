package main

// lib/pq (database/sql) against the real server, as a provider and as a
// token recipient: prepared statements with parameters, transactions,
// COPY through pq.CopyIn, reads of every type back, the recipient's view
// of information_schema and its read-only error.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/lib/pq"
)

// libpqOpen opens a database/sql handle on lib/pq for u (sslmode disable),
// closed when the test ends.
func libpqOpen(t *testing.T, u string) *sql.DB {
	t.Helper()
	db, err := sql.Open("postgres", withSSLMode(t, u, "disable"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), queryTimeout)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		t.Fatalf("lib/pq ping: %v", err)
	}
	return db
}

func TestClientLibpq(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	s.mustCreateTenant(t, "prov")
	ctx, cancel := context.WithTimeout(context.Background(), 2*queryTimeout)
	defer cancel()
	db := libpqOpen(t, s.url("prov", tenantPassword("prov"), "postgres"))

	must := func(res sql.Result, err error) sql.Result {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	must(db.ExecContext(ctx, `CREATE TABLE trades (id bigint, sym text, px numeric(12,4), day date, at timestamptz, live boolean)`))
	must(db.ExecContext(ctx, `CREATE TABLE secret (x int)`))

	t.Run("provider: prepared statements in a transaction", func(t *testing.T) {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		st, err := tx.PrepareContext(ctx, `INSERT INTO trades VALUES ($1, $2, $3, $4, $5, $6)`)
		if err != nil {
			t.Fatal(err)
		}
		at := time.Date(2024, 3, 1, 9, 30, 0, 0, time.UTC)
		for i := int64(1); i <= 3; i++ {
			must(st.ExecContext(ctx, i, fmt.Sprintf("S%d", i), fmt.Sprintf("%d.1250", i*10), at.Format("2006-01-02"), at.Add(time.Duration(i)*time.Hour), i%2 == 1))
		}
		must(st.ExecContext(ctx, 4, nil, nil, nil, nil, nil))
		st.Close()
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		// A rolled-back transaction leaves nothing.
		tx, err = db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		must(tx.ExecContext(ctx, `INSERT INTO trades (id) VALUES ($1)`, 99))
		if err := tx.Rollback(); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := db.QueryRowContext(ctx, `SELECT count(*) FROM trades WHERE id = $1`, 99).Scan(&n); err != nil || n != 0 {
			t.Errorf("after ROLLBACK: count %d, %v", n, err)
		}
	})

	t.Run("provider: pq.CopyIn", func(t *testing.T) {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		st, err := tx.PrepareContext(ctx, pq.CopyIn("trades", "id", "sym", "px", "day", "at", "live"))
		if err != nil {
			t.Fatal(err)
		}
		at := time.Date(2024, 3, 2, 0, 0, 0, 0, time.UTC)
		for i := int64(5); i <= 104; i++ {
			must(st.ExecContext(ctx, i, "C\t"+fmt.Sprint(i), "0.5", at, at, false))
		}
		if _, err := st.ExecContext(ctx); err != nil {
			t.Fatalf("CopyIn flush: %v", err)
		}
		st.Close()
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("provider: reads back", func(t *testing.T) {
		var n int
		var sum string
		if err := db.QueryRowContext(ctx, `SELECT count(*), sum(px)::text FROM trades`).Scan(&n, &sum); err != nil {
			t.Fatal(err)
		}
		if n != 104 || sum != "110.3750" {
			t.Errorf("count %d sum %s, want 104 and 110.3750", n, sum)
		}
		rows, err := db.QueryContext(ctx, `SELECT id, sym, px, day, at, live FROM trades WHERE id <= $1 OR id = $2 ORDER BY id`, 4, 5)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var got []string
		for rows.Next() {
			var id int64
			var sym, px sql.NullString
			var day, at sql.NullTime
			var live sql.NullBool
			if err := rows.Scan(&id, &sym, &px, &day, &at, &live); err != nil {
				t.Fatal(err)
			}
			got = append(got, fmt.Sprintf("%d %v %v %v %v %v", id, sym.String, px.String,
				day.Time.Format("2006-01-02"), at.Time.UTC().Format(time.RFC3339), live))
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		want := []string{
			"1 S1 10.1250 2024-03-01 2024-03-01T10:30:00Z {true true}",
			"2 S2 20.1250 2024-03-01 2024-03-01T11:30:00Z {false true}",
			"3 S3 30.1250 2024-03-01 2024-03-01T12:30:00Z {true true}",
			"4   0001-01-01 0001-01-01T00:00:00Z {false false}",
			"5 C\t5 0.5000 2024-03-02 2024-03-02T00:00:00Z {false true}",
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	})

	cred := shareWithRecipient(t, s.tenant(t, "prov", "postgres"), "trades_share", "acme", "postgres.public.trades")

	t.Run("recipient", func(t *testing.T) {
		rdb := libpqOpen(t, recipientURL(t, cred, "trades_share"))
		var n int
		var sum string
		if err := rdb.QueryRowContext(ctx, `SELECT count(*), sum(px)::text FROM public.trades WHERE live = $1`, false).Scan(&n, &sum); err != nil {
			t.Fatal(err)
		}
		if n != 101 || sum != "70.1250" {
			t.Errorf("recipient: count %d sum %s, want 101 and 70.1250", n, sum)
		}
		rows, err := rdb.QueryContext(ctx, `SELECT table_schema, table_name FROM information_schema.tables
			WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2`)
		if err != nil {
			t.Fatal(err)
		}
		var tables []string
		for rows.Next() {
			var sch, name string
			if err := rows.Scan(&sch, &name); err != nil {
				t.Fatal(err)
			}
			tables = append(tables, sch+"."+name)
		}
		rows.Close()
		if strings.Join(tables, ",") != "public.trades" {
			t.Errorf("the recipient's information_schema.tables: %q, want only public.trades", tables)
		}
		for _, stmt := range []string{`INSERT INTO public.trades (id) VALUES ($1)`, `DELETE FROM public.trades WHERE id = $1`} {
			_, err := rdb.ExecContext(ctx, stmt, 1)
			var pe *pq.Error
			if !errors.As(err, &pe) || pe.Code != "25006" {
				t.Errorf("%s as the recipient: %v, want pq.Error 25006", stmt, err)
			}
		}
		// pq.Array: an array parameter with = ANY, and an array result.
		var syms []string
		if err := rdb.QueryRowContext(ctx, `SELECT array_agg(sym ORDER BY id) FROM public.trades WHERE id = ANY($1)`,
			pq.Array([]int64{3, 1, 777})).Scan(pq.Array(&syms)); err != nil || strings.Join(syms, ",") != "S1,S3" {
			t.Errorf("pq.Array as the recipient: %q %v", syms, err)
		}
		// A prepared statement and a transaction work for reads.
		tx, err := rdb.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		st, err := tx.PrepareContext(ctx, `SELECT sym FROM public.trades WHERE id = $1`)
		if err != nil {
			t.Fatal(err)
		}
		var sym string
		if err := st.QueryRowContext(ctx, 2).Scan(&sym); err != nil || sym != "S2" {
			t.Errorf("prepared read as the recipient: %q %v", sym, err)
		}
		st.Close()
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	})
}
