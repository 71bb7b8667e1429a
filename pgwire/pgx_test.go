package pgwire

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
)

func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

func TestPgxQueryModes(t *testing.T) {
	ts := startServer(t, newFakeEngine(), Config{})
	conn := ts.mustConnect(t)
	ctx := context.Background()
	modes := []pgx.QueryExecMode{
		pgx.QueryExecModeCacheStatement, pgx.QueryExecModeCacheDescribe,
		pgx.QueryExecModeDescribeExec, pgx.QueryExecModeExec, pgx.QueryExecModeSimpleProtocol,
	}
	for _, mode := range modes {
		t.Run(mode.String(), func(t *testing.T) {
			rows, err := conn.Query(ctx, "generate 7", mode)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for rows.Next() {
				var n int64
				var s pgtype.Text
				if err := rows.Scan(&n, &s); err != nil {
					t.Fatal(err)
				}
				got = append(got, fmt.Sprintf("%d:%v", n, s.Valid))
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			want := "1:true 2:true 3:true 4:true 5:false 6:true 7:true"
			if strings.Join(got, " ") != want {
				t.Fatalf("got %v, want %s", got, want)
			}
			if tag := rows.CommandTag().String(); tag != "SELECT 7" {
				t.Fatalf("tag %q", tag)
			}
		})
	}
}

func TestPgxParams(t *testing.T) {
	ts := startServer(t, newFakeEngine(), Config{})
	conn := ts.mustConnect(t)
	ctx := context.Background()
	// bigint goes binary, text goes text: both reach the executor raw.
	var a, b string
	if err := conn.QueryRow(ctx, "echo $1 $2::text", int64(42), "hi").Scan(&a, &b); err != nil {
		t.Fatal(err)
	}
	if a != "42" || b != "hi" {
		t.Fatalf("got %q %q", a, b)
	}
	// Text format for everything.
	if err := conn.QueryRow(ctx, "echo $1 $2::text", pgx.QueryResultFormats{pgx.TextFormatCode}, "7", "x").Scan(&a, &b); err != nil {
		t.Fatal(err)
	}
	if a != "7" || b != "x" {
		t.Fatalf("got %q %q", a, b)
	}
	var n *string
	if err := conn.QueryRow(ctx, "echo $1::text", nil).Scan(&n); err != nil || n != nil {
		t.Fatalf("null param: %v %v", n, err)
	}
}

func TestPgxPrepared(t *testing.T) {
	ts := startServer(t, newFakeEngine(), Config{})
	conn := ts.mustConnect(t)
	ctx := context.Background()
	sd, err := conn.Prepare(ctx, "ps1", "echo $1 $2::text")
	if err != nil {
		t.Fatal(err)
	}
	if len(sd.ParamOIDs) != 2 || sd.ParamOIDs[0] != 20 || sd.ParamOIDs[1] != 25 || len(sd.Fields) != 2 {
		t.Fatalf("description %+v", sd)
	}
	for i := range 3 {
		var a, b string
		if err := conn.QueryRow(ctx, "ps1", int64(i), "v").Scan(&a, &b); err != nil {
			t.Fatal(err)
		}
		if a != fmt.Sprint(i) || b != "v" {
			t.Fatalf("got %q %q", a, b)
		}
	}
	if err := conn.Deallocate(ctx, "ps1"); err != nil {
		t.Fatal(err)
	}
	// Errors: the statement's, then the connection still works.
	if _, err := conn.Exec(ctx, "fail"); pgCode(err) != "22012" {
		t.Fatalf("fail: %v", err)
	}
	var pe *pgconn.PgError
	_, err = conn.Exec(ctx, "fail")
	if !errors.As(err, &pe) || pe.Detail != "d" || pe.Hint != "h" {
		t.Fatalf("detail and hint: %#v", err)
	}
	tag, err := conn.Exec(ctx, "ddl")
	if err != nil || tag.String() != "CREATE TABLE" {
		t.Fatalf("ddl: %v %v", tag, err)
	}
}

func TestPgxBatch(t *testing.T) {
	ts := startServer(t, newFakeEngine(), Config{})
	conn := ts.mustConnect(t)
	ctx := context.Background()
	b := &pgx.Batch{}
	b.Queue("generate 2")
	b.Queue("echo $1", int64(5))
	b.Queue("ddl")
	br := conn.SendBatch(ctx, b)
	rows, err := br.Query()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rows.Next() {
		n++
	}
	if rows.Err() != nil || n != 2 {
		t.Fatalf("rows %d %v", n, rows.Err())
	}
	var s string
	if err := br.QueryRow().Scan(&s); err != nil || s != "5" {
		t.Fatalf("echo %q %v", s, err)
	}
	if tag, err := br.Exec(); err != nil || tag.String() != "CREATE TABLE" {
		t.Fatalf("ddl %v %v", tag, err)
	}
	if err := br.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestPgxCopyFrom(t *testing.T) {
	eng := newFakeEngine()
	ts := startServer(t, eng, Config{})
	conn := ts.mustConnect(t)
	ctx := context.Background()
	src := make([][]any, 1000)
	for i := range src {
		src[i] = []any{int64(i), fmt.Sprintf("v%d", i)}
	}
	src[3][1] = nil
	n, err := conn.CopyFrom(ctx, pgx.Identifier{"t"}, []string{"n", "s"}, pgx.CopyFromRows(src))
	if err != nil {
		t.Fatal(err)
	}
	if n != 1000 {
		t.Fatalf("copied %d", n)
	}
	eng.mu.Lock()
	data := eng.copied[0]
	eng.mu.Unlock()
	if !bytes.HasPrefix(data, []byte("PGCOPY\n\377\r\n\000")) {
		t.Fatalf("not binary COPY: %q", data[:20])
	}
	// The connection is still usable.
	if _, err := conn.Exec(ctx, "ddl"); err != nil {
		t.Fatal(err)
	}
}

func TestPgxCancel(t *testing.T) {
	eng := newFakeEngine()
	ts := startServer(t, eng, Config{})
	conn := ts.mustConnect(t)
	ctx := context.Background()
	errc := make(chan error, 1)
	go func() {
		_, err := conn.Exec(ctx, "sleep")
		errc <- err
	}()
	<-eng.running

	// A wrong secret cancels nothing; the server closes the connection
	// without a word once it has looked the key up.
	r := &rawCancel{addr: ts.addr}
	r.send(t, conn.PgConn().PID(), []byte{0, 0, 0, 0})
	select {
	case err := <-errc:
		t.Fatalf("statement ended by a wrong key: %v", err)
	default:
	}
	if err := conn.PgConn().CancelRequest(ctx); err != nil {
		t.Fatal(err)
	}
	err := <-errc
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "57014" || pe.Message != "canceling statement due to user request" {
		t.Fatalf("got %v", err)
	}
	if _, err := conn.Exec(ctx, "ddl"); err != nil {
		t.Fatalf("after cancel: %v", err)
	}
}

func TestPsql(t *testing.T) {
	psql, err := exec.LookPath("psql")
	if err != nil {
		t.Fatal("psql not installed: the end-to-end check needs it")
	}
	ts := startServer(t, newFakeEngine(), Config{})
	cmd := exec.Command(psql, "-X", "-h", ts.host, "-p", ts.port, "-U", "alice", "-d", "db", "-c", "generate 3")
	cmd.Env = append(os.Environ(), "PGPASSWORD=secret", "PGSSLMODE=disable", "PGCONNECT_TIMEOUT=10")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("psql: %v\n%s", err, out)
	}
	for _, want := range []string{" n |   s", " 1 | row 1", " 3 | row 3", "(3 rows)"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("psql output lacks %q:\n%s", want, out)
		}
	}
	cmd = exec.Command(psql, "-X", "-h", ts.host, "-p", ts.port, "-U", "alice", "-d", "db", "-c", "fail")
	cmd.Env = append(os.Environ(), "PGPASSWORD=secret", "PGSSLMODE=disable")
	out, _ = cmd.CombinedOutput()
	if !strings.Contains(string(out), "ERROR:  division by zero") {
		t.Errorf("psql error output:\n%s", out)
	}
}

// TestPsqlTLS checks libpq's side of TLS and SCRAM-SHA-256-PLUS.
func TestPsqlTLS(t *testing.T) {
	psql, err := exec.LookPath("psql")
	if err != nil {
		t.Fatal("psql not installed: the end-to-end check needs it")
	}
	ts := startServer(t, newFakeEngine(), Config{TLS: selfSigned(t)})
	cmd := exec.Command(psql, "-X", "-At", "-h", ts.host, "-p", ts.port, "-U", "alice", "-d", "db", "-c", "generate 1")
	cmd.Env = append(os.Environ(), "PGPASSWORD=secret", "PGSSLMODE=require", "PGCHANNELBINDING=require", "PGCONNECT_TIMEOUT=10")
	out, err := cmd.CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "1|row 1" {
		t.Fatalf("psql: %v\n%s", err, out)
	}
}
