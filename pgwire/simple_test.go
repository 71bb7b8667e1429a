package pgwire

import (
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgproto3"
)

func TestSimpleQuery(t *testing.T) {
	eng := newFakeEngine()
	ts := startServer(t, eng, Config{})
	tests := []struct {
		name   string
		rounds []exchange
	}{
		{"rows", []exchange{{
			send: []pgproto3.FrontendMessage{&pgproto3.Query{String: "generate 4"}},
			want: []string{"T n:20:0,s:25:0", "D 1|row 1", "D 2|row 2", "D 3|row 3", "D 4|row 4", "C SELECT 4", "Z I"},
		}}},
		{"several statements", []exchange{{
			send: []pgproto3.FrontendMessage{&pgproto3.Query{String: "generate 1; ddl"}},
			want: []string{"T n:20:0,s:25:0", "D 1|row 1", "C SELECT 1", "C CREATE TABLE", "Z I"},
		}}},
		{"stops at the first error", []exchange{{
			send: []pgproto3.FrontendMessage{&pgproto3.Query{String: "ddl; fail; ddl"}},
			want: []string{"C CREATE TABLE", "E ERROR 22012 division by zero", "Z I"},
		}}},
		{"empty", []exchange{{
			send: []pgproto3.FrontendMessage{&pgproto3.Query{String: ""}},
			want: []string{"EmptyQuery", "Z I"},
		}, {
			send: []pgproto3.FrontendMessage{&pgproto3.Query{String: " ; "}},
			want: []string{"EmptyQuery", "Z I"},
		}}},
		{"syntax error", []exchange{{
			send: []pgproto3.FrontendMessage{&pgproto3.Query{String: "a syntax error"}},
			want: []string{`E ERROR 42601 syntax error at or near "error"`, "Z I"},
		}}},
		{"internal error hides its cause", []exchange{{
			send: []pgproto3.FrontendMessage{&pgproto3.Query{String: "internal"}},
			want: []string{"E ERROR XX000 internal error", "Z I"},
		}}},
		{"notice", []exchange{{
			send: []pgproto3.FrontendMessage{&pgproto3.Query{String: "notice"}},
			want: []string{"N NOTICE 01000 careful", "C DO", "Z I"},
		}}},
		{"changed parameter", []exchange{{
			send: []pgproto3.FrontendMessage{&pgproto3.Query{String: "set application_name = x"}},
			want: []string{"C SET", "S application_name=changed", "Z I"},
		}}},
		{"transaction status", []exchange{{
			send: []pgproto3.FrontendMessage{&pgproto3.Query{String: "begin"}},
			want: []string{"C BEGIN", "Z T"},
		}, {
			send: []pgproto3.FrontendMessage{&pgproto3.Query{String: "fail"}},
			want: []string{"E ERROR 22012 division by zero", "Z E"},
		}, {
			send: []pgproto3.FrontendMessage{&pgproto3.Query{String: "rollback"}},
			want: []string{"C ROLLBACK", "Z I"},
		}}},
		{"copy out", []exchange{{
			send: []pgproto3.FrontendMessage{&pgproto3.Query{String: "copy t to stdout"}},
			want: []string{"CopyOut 0 [0 0]", "d 1\trow 1\n", "d 2\trow 2\n", "d 3\trow 3\n", "CopyDone", "C COPY 3", "Z I"},
		}}},
		{"copy in failed by the client", []exchange{{
			send: []pgproto3.FrontendMessage{&pgproto3.Query{String: "copy t from stdin"}, &pgproto3.CopyData{Data: []byte("1\ta\n")}, &pgproto3.CopyFail{Message: "boom"}},
			want: []string{"CopyIn 0 [0 0]", "E ERROR 57014 COPY from stdin failed: boom", "Z I"},
		}}},
		{"copy in with bad data", []exchange{{
			send: []pgproto3.FrontendMessage{&pgproto3.Query{String: "copy t from stdin"}, &pgproto3.CopyData{Data: []byte("bad\n")}, &pgproto3.CopyDone{}},
			want: []string{"CopyIn 0 [0 0]", "E ERROR 22P04 bad row", "Z I"},
		}, {
			send: []pgproto3.FrontendMessage{&pgproto3.Query{String: "ddl"}},
			want: []string{"C CREATE TABLE", "Z I"},
		}}},
		{"copy in interrupted by another message", []exchange{{
			send: []pgproto3.FrontendMessage{&pgproto3.Query{String: "copy t from stdin"}, &pgproto3.CopyData{Data: []byte("1\n")}, &pgproto3.Query{String: "ddl"}},
			want: []string{"CopyIn 0 [0 0]", "E ERROR 08P01 unexpected message type 0x51 during COPY from stdin", "Z I"},
		}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := ts.mustRaw(t)
			for i, ex := range tc.rounds {
				r.send(ex.send...)
				if got := r.untilReady(); !slices.Equal(got, ex.want) {
					t.Fatalf("round %d:\n got %s\nwant %s", i, strings.Join(got, "\n     "), strings.Join(ex.want, "\n     "))
				}
			}
		})
	}
}

func TestCopyIn(t *testing.T) {
	eng := newFakeEngine()
	ts := startServer(t, eng, Config{})
	r := ts.mustRaw(t)
	r.send(&pgproto3.Query{String: "copy t from stdin"})
	if got, err := r.receive(); err != nil || got != "CopyIn 0 [0 0]" {
		t.Fatalf("got %q, %v", got, err)
	}
	r.send(&pgproto3.CopyData{Data: []byte("1\ta\n2\t")}, &pgproto3.CopyData{Data: []byte("b\n3\tc\n")}, &pgproto3.CopyDone{})
	want := []string{"C COPY 3", "Z I"}
	if got := r.untilReady(); !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	eng.mu.Lock()
	defer eng.mu.Unlock()
	if len(eng.copied) != 1 || string(eng.copied[0]) != "1\ta\n2\tb\n3\tc\n" {
		t.Fatalf("copied %q", eng.copied)
	}
}
