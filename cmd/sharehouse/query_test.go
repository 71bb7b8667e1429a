package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgproto3"
)

func TestExtendedProtocol(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	conn := s.admin(t, "postgres")
	ctx, cancel := context.WithTimeout(context.Background(), queryTimeout)
	defer cancel()

	var sum int32
	mustQueryRow(t, conn, "SELECT $1::int + $2::int", []any{&sum}, 2, 3)
	if sum != 5 {
		t.Fatalf("$1 + $2 = %d", sum)
	}

	mustExec(t, conn, "CREATE TABLE kv (k text NOT NULL, v bigint, at date)")
	// Parameter types are inferred from the columns they are compared with
	// or inserted into.
	for i := range 20 {
		mustExec(t, conn, "INSERT INTO kv (k, v, at) VALUES ($1, $2, $3)", fmt.Sprintf("key%02d", i), int64(i*i), time.Date(2024, 1, 1+i, 0, 0, 0, 0, time.UTC))
	}
	if v := queryInt64(t, conn, "SELECT v FROM kv WHERE k = $1", "key07"); v != 49 {
		t.Fatalf("v of key07 = %d", v)
	}
	if n := queryInt64(t, conn, "SELECT count(*) FROM kv WHERE v > $1 AND at < $2", int64(100), time.Date(2024, 1, 19, 0, 0, 0, 0, time.UTC)); n != 7 {
		t.Fatalf("count = %d, want 7 (keys 11..17)", n)
	}

	t.Run("describe", func(t *testing.T) {
		sd, err := conn.Prepare(ctx, "byv", "SELECT k, v, at FROM kv WHERE v >= $1 ORDER BY v LIMIT $2")
		if err != nil {
			t.Fatal(err)
		}
		if want := []uint32{20, 20}; !slices.Equal(sd.ParamOIDs, want) {
			t.Errorf("parameter OIDs %v, want %v", sd.ParamOIDs, want)
		}
		var names []string
		var oids []uint32
		for _, f := range sd.Fields {
			names = append(names, f.Name)
			oids = append(oids, f.DataTypeOID)
		}
		if !slices.Equal(names, []string{"k", "v", "at"}) || !slices.Equal(oids, []uint32{25, 20, 1082}) {
			t.Errorf("fields %v %v, want [k v at] [25 20 1082]", names, oids)
		}
		// A named statement runs many times.
		for _, min := range []int64{0, 100, 200} {
			rows, err := conn.Query(ctx, "byv", min, int64(3))
			if err != nil {
				t.Fatal(err)
			}
			vs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (int64, error) {
				var k string
				var v int64
				var at time.Time
				err := r.Scan(&k, &v, &at)
				return v, err
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(vs) != 3 || vs[0] < min {
				t.Errorf("byv(%d) = %v", min, vs)
			}
		}
		if err := conn.Deallocate(ctx, "byv"); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("batch", func(t *testing.T) {
		b := &pgx.Batch{}
		b.Queue("INSERT INTO kv (k, v) VALUES ($1, $2)", "batch1", int64(-1))
		b.Queue("INSERT INTO kv (k, v) VALUES ($1, $2)", "batch2", int64(-2))
		b.Queue("SELECT count(*) FROM kv WHERE v < 0")
		br := conn.SendBatch(ctx, b)
		for range 2 {
			if _, err := br.Exec(); err != nil {
				t.Fatal(err)
			}
		}
		var n int64
		if err := br.QueryRow().Scan(&n); err != nil {
			t.Fatal(err)
		}
		if err := br.Close(); err != nil {
			t.Fatal(err)
		}
		if n != 2 {
			t.Fatalf("count in batch = %d, want 2", n)
		}
	})

	t.Run("portal row limit", func(t *testing.T) {
		fe, _ := hijack(t, s)
		fe.Send(&pgproto3.Parse{Query: "SELECT g FROM generate_series(1, 5) AS g"})
		fe.Send(&pgproto3.Bind{ResultFormatCodes: []int16{0}})
		fe.Send(&pgproto3.Execute{MaxRows: 2})
		fe.Send(&pgproto3.Flush{})
		mustFlush(t, fe)
		expectMsgs(t, fe, "ParseComplete", "BindComplete", "DataRow:1", "DataRow:2", "PortalSuspended")
		fe.Send(&pgproto3.Execute{MaxRows: 2})
		fe.Send(&pgproto3.Flush{})
		mustFlush(t, fe)
		expectMsgs(t, fe, "DataRow:3", "DataRow:4", "PortalSuspended")
		fe.Send(&pgproto3.Execute{})
		fe.Send(&pgproto3.Sync{})
		mustFlush(t, fe)
		expectMsgs(t, fe, "DataRow:5", "CommandComplete:SELECT 1", "ReadyForQuery:I")
	})

	t.Run("error discards until Sync", func(t *testing.T) {
		fe, _ := hijack(t, s)
		fe.Send(&pgproto3.Parse{Query: "SELEC $1"})
		fe.Send(&pgproto3.Bind{})
		fe.Send(&pgproto3.Execute{})
		fe.Send(&pgproto3.Sync{})
		fe.Send(&pgproto3.Parse{Name: "ok", Query: "SELECT 7"})
		fe.Send(&pgproto3.Bind{PreparedStatement: "ok"})
		fe.Send(&pgproto3.Describe{ObjectType: 'P'})
		fe.Send(&pgproto3.Execute{})
		fe.Send(&pgproto3.Close{ObjectType: 'S', Name: "ok"})
		fe.Send(&pgproto3.Sync{})
		mustFlush(t, fe)
		expectMsgs(t, fe, "ErrorResponse:42601", "ReadyForQuery:I",
			"ParseComplete", "BindComplete", "RowDescription", "DataRow:7", "CommandComplete:SELECT 1", "CloseComplete", "ReadyForQuery:I")
	})
}

// expectMsgs receives messages and compares them with want, written as
// "Type" or "Type:detail" (DataRow: its first column as text; CommandComplete:
// the tag; ErrorResponse: the SQLSTATE; ReadyForQuery: the status).
func expectMsgs(t *testing.T, fe *pgproto3.Frontend, want ...string) {
	t.Helper()
	var got []string
	for len(got) < len(want) {
		msg, err := fe.Receive()
		if err != nil {
			t.Fatalf("after %q: %v", got, err)
		}
		var s string
		switch m := msg.(type) {
		case *pgproto3.ParameterStatus, *pgproto3.NoticeResponse:
			continue
		case *pgproto3.DataRow:
			s = "DataRow:" + string(m.Values[0])
		case *pgproto3.CommandComplete:
			s = "CommandComplete:" + string(m.CommandTag)
		case *pgproto3.ErrorResponse:
			s = "ErrorResponse:" + m.Code
		case *pgproto3.ReadyForQuery:
			s = "ReadyForQuery:" + string(m.TxStatus)
		default:
			s = strings.TrimPrefix(fmt.Sprintf("%T", msg), "*pgproto3.")
		}
		got = append(got, s)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("messages\n%q\nwant\n%q", got, want)
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	conn := s.admin(t, "postgres")
	mustExec(t, conn, "CREATE TABLE t (id int)")
	for _, tc := range []struct {
		name, sql, code, msg string
		pos                  int32
	}{
		{"misspelt keyword", "SELEC 1", "42601", `syntax error at or near "SELEC"`, 1},
		{"end of input", "SELECT * FROM t WHERE", "42601", "syntax error at end of input", 22},
		{"trailing comma", "SELECT id, FROM t", "42601", `syntax error at or near "FROM"`, 12},
		{"second statement", "SELECT 1; SELEC 2", "42601", `syntax error at or near "SELEC"`, 11},
		{"missing table", "SELECT * FROM nope", "42P01", `relation "nope" does not exist`, 15},
		{"missing qualified table", "SELECT * FROM public.nope", "42P01", `relation "public.nope" does not exist`, 15},
		{"missing schema", "CREATE TABLE nope.t (id int)", "3F000", `schema "nope" does not exist`, 0},
		{"missing column", "SELECT nope FROM t", "42703", `column "nope" does not exist`, 8},
		{"division by zero", "SELECT 1/0", "22012", "division by zero", 0},
		{"duplicate table", "CREATE TABLE t (id int)", "42P07", `relation "t" already exists`, 0},
		{"bad type", "CREATE TABLE u (id nosuchtype)", "42704", `type "nosuchtype" does not exist`, 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Simple protocol: the position is an offset into the whole string.
			ctx, cancel := context.WithTimeout(context.Background(), queryTimeout)
			defer cancel()
			res := conn.PgConn().Exec(ctx, tc.sql)
			_, err := res.ReadAll()
			pe := wantCode(t, err, tc.code)
			if pe.Message != tc.msg {
				t.Errorf("message %q, want %q", pe.Message, tc.msg)
			}
			if tc.pos != 0 && pe.Position != tc.pos {
				t.Errorf("position %d, want %d", pe.Position, tc.pos)
			}
			if pe.Severity != "ERROR" {
				t.Errorf("severity %q", pe.Severity)
			}
		})
	}
	t.Run("extended protocol", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), queryTimeout)
		defer cancel()
		_, err := conn.Prepare(ctx, "bad", "SELEC $1")
		pe := wantCode(t, err, "42601")
		if pe.Position != 1 {
			t.Errorf("position %d, want 1", pe.Position)
		}
		_, err = conn.Prepare(ctx, "two", "SELECT 1; SELECT 2")
		wantCode(t, err, "42601")
		wantCode(t, queryErr(conn, "SELECT * FROM nope WHERE id = $1", 1), "42P01")
	})
	t.Run("psql draws the caret", func(t *testing.T) {
		const sql = "SELECT id FROM t WHERE id = = 1"
		_, errOut, err := s.psql(t, "admin", adminPassword, "postgres", "", nil, "-c", sql)
		if err == nil {
			t.Fatal("psql succeeded")
		}
		pos := strings.LastIndex(sql, "=") + 1
		want := "ERROR:  syntax error at or near \"=\"\nLINE 1: " + sql + "\n" + strings.Repeat(" ", len("LINE 1: ")+pos-1) + "^"
		if !strings.Contains(errOut, want) {
			t.Errorf("psql stderr\n%s\nwant it to contain\n%s", errOut, want)
		}
	})
	if n := queryInt64(t, conn, "SELECT count(*) FROM t"); n != 0 {
		t.Fatalf("the connection is unusable after errors: %d", n)
	}
}

func TestUpdateDelete(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	conn := s.admin(t, "postgres")
	mustExec(t, conn, "CREATE TABLE items (id integer NOT NULL, name text, qty integer)")
	for _, tc := range []struct{ sql, tag string }{
		{"INSERT INTO items SELECT g, 'item' || g::text, g * 10 FROM generate_series(1, 10) AS g", "INSERT 0 10"},
		{"UPDATE items SET qty = qty + 1, name = name || '!' WHERE id <= 3", "UPDATE 3"},
		{"DELETE FROM items WHERE id > 8", "DELETE 2"},
		{"UPDATE items SET qty = 0 WHERE id = 100", "UPDATE 0"},
		{"DELETE FROM items WHERE name IS NULL", "DELETE 0"},
		{"UPDATE items SET name = NULL WHERE id = 8", "UPDATE 1"},
	} {
		if tag := mustExec(t, conn, tc.sql); tag.String() != tc.tag {
			t.Errorf("%s: tag %q, want %q", tc.sql, tag, tc.tag)
		}
	}
	if tag := mustExec(t, conn, "UPDATE items SET qty = $1 WHERE id = $2", int32(777), int32(5)); tag.String() != "UPDATE 1" {
		t.Errorf("UPDATE with parameters: tag %q", tag)
	}
	want := []string{"1 item1! 11", "2 item2! 21", "3 item3! 31", "4 item4 40", "5 item5 777", "6 item6 60", "7 item7 70", "8 NULL 80"}
	if got := queryStrings(t, conn, "SELECT id::text || ' ' || coalesce(name, 'NULL') || ' ' || qty::text FROM items ORDER BY id"); !slices.Equal(got, want) {
		t.Fatalf("rows\n%q\nwant\n%q", got, want)
	}
	wantCode(t, execErr(conn, "UPDATE items SET id = NULL WHERE id = 1"), "23502")
	wantCode(t, execErr(conn, "UPDATE items SET nope = 1"), "42703")
	if tag := mustExec(t, conn, "DELETE FROM items"); tag.String() != "DELETE 8" {
		t.Errorf("DELETE all: tag %q", tag)
	}
	mustExec(t, conn, "INSERT INTO items VALUES (1, 'again', 1)")
	if tag := mustExec(t, conn, "TRUNCATE items"); tag.String() != "TRUNCATE TABLE" {
		t.Errorf("TRUNCATE: tag %q", tag)
	}
	if n := queryInt64(t, conn, "SELECT count(*) FROM items"); n != 0 {
		t.Fatalf("%d rows after TRUNCATE", n)
	}
}

func TestTransactions(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	conn := s.admin(t, "postgres")
	other := s.admin(t, "postgres")
	pc := conn.PgConn()
	mustExec(t, conn, "CREATE TABLE acct (id int, balance bigint)")
	count := func(t *testing.T, c *pgx.Conn) int64 {
		t.Helper()
		return queryInt64(t, c, "SELECT count(*) FROM acct")
	}

	t.Run("rollback leaves nothing", func(t *testing.T) {
		mustExec(t, conn, "BEGIN")
		if pc.TxStatus() != 'T' {
			t.Errorf("TxStatus after BEGIN = %c", pc.TxStatus())
		}
		mustExec(t, conn, "INSERT INTO acct VALUES (1, 100), (2, 200)")
		if n := count(t, conn); n != 2 {
			t.Errorf("the transaction sees %d of its own rows, want 2", n)
		}
		if n := count(t, other); n != 0 {
			t.Errorf("another session sees %d uncommitted rows", n)
		}
		if tag := mustExec(t, conn, "ROLLBACK"); tag.String() != "ROLLBACK" {
			t.Errorf("tag %q", tag)
		}
		if n := count(t, conn); n != 0 {
			t.Fatalf("%d rows after ROLLBACK", n)
		}
	})
	t.Run("commit publishes all", func(t *testing.T) {
		mustExec(t, conn, "BEGIN")
		mustExec(t, conn, "INSERT INTO acct VALUES (1, 100)")
		mustExec(t, conn, "INSERT INTO acct VALUES (2, 200)")
		mustExec(t, conn, "UPDATE acct SET balance = balance - 50 WHERE id = 1")
		if n := count(t, other); n != 0 {
			t.Errorf("another session sees %d uncommitted rows", n)
		}
		mustExec(t, conn, "COMMIT")
		if n := queryInt64(t, other, "SELECT sum(balance) FROM acct"); n != 250 {
			t.Fatalf("sum after COMMIT = %d, want 250", n)
		}
	})
	t.Run("error aborts the transaction", func(t *testing.T) {
		mustExec(t, conn, "BEGIN")
		mustExec(t, conn, "INSERT INTO acct VALUES (3, 300)")
		wantCode(t, queryErr(conn, "SELECT * FROM nope"), "42P01")
		if pc.TxStatus() != 'E' {
			t.Errorf("TxStatus after an error = %c, want E", pc.TxStatus())
		}
		pe := wantCode(t, queryErr(conn, "SELECT 1"), "25P02")
		if want := "current transaction is aborted, commands ignored until end of transaction block"; pe.Message != want {
			t.Errorf("message %q", pe.Message)
		}
		wantCode(t, execErr(conn, "INSERT INTO acct VALUES (4, 400)"), "25P02")
		// COMMIT of a failed transaction rolls back, as in PostgreSQL.
		if tag := mustExec(t, conn, "COMMIT"); tag.String() != "ROLLBACK" {
			t.Errorf("COMMIT of a failed transaction: tag %q, want ROLLBACK", tag)
		}
		if pc.TxStatus() != 'I' {
			t.Errorf("TxStatus after ROLLBACK = %c", pc.TxStatus())
		}
		if n := count(t, conn); n != 2 {
			t.Fatalf("%d rows, want the 2 committed before", n)
		}
		mustExec(t, conn, "BEGIN")
		wantCode(t, execErr(conn, "SELECT 1/0"), "22012")
		wantCode(t, queryErr(conn, "SELECT 1"), "25P02")
		mustExec(t, conn, "ROLLBACK")
		if n := queryInt64(t, conn, "SELECT 1"); n != 1 {
			t.Fatal("SELECT after ROLLBACK failed")
		}
	})
	t.Run("multi-statement query is one implicit transaction", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), queryTimeout)
		defer cancel()
		_, err := pc.Exec(ctx, "INSERT INTO acct VALUES (100, 1); SELECT * FROM nope").ReadAll()
		wantCode(t, err, "42P01")
		if n := queryInt64(t, conn, "SELECT count(*) FROM acct WHERE id = 100"); n != 0 {
			t.Fatal("the first statement of a failed multi-statement query was committed")
		}
		results, err := pc.Exec(ctx, "INSERT INTO acct VALUES (101, 1); INSERT INTO acct VALUES (102, 1); SELECT count(*) FROM acct WHERE id > 100").ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(results) != 3 || string(results[2].Rows[0][0]) != "2" {
			t.Fatalf("results %+v", results)
		}
	})
	t.Run("COPY rolled back", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), queryTimeout)
		defer cancel()
		before := count(t, conn)
		tx, err := conn.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		n, err := tx.CopyFrom(ctx, pgx.Identifier{"acct"}, []string{"id", "balance"}, pgx.CopyFromRows([][]any{{int32(500), int64(5)}, {int32(501), int64(5)}}))
		if err != nil || n != 2 {
			t.Fatalf("CopyFrom in a transaction: %d, %v", n, err)
		}
		if err := tx.Rollback(ctx); err != nil {
			t.Fatal(err)
		}
		if after := count(t, conn); after != before {
			t.Fatalf("%d rows after a rolled-back COPY, want %d", after, before)
		}
	})
}
