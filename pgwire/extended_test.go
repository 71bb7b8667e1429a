package pgwire

import (
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgproto3"
)

// exchange is one round: messages sent, then the answer up to ReadyForQuery.
type exchange struct {
	send []pgproto3.FrontendMessage
	want []string
}

func TestProtocol(t *testing.T) {
	ts := startServer(t, newFakeEngine(), Config{})
	sync := &pgproto3.Sync{}
	tests := []struct {
		name   string
		rounds []exchange
	}{
		{"row limit suspends and resumes", []exchange{{
			send: []pgproto3.FrontendMessage{
				&pgproto3.Parse{Query: "generate 5"}, &pgproto3.Bind{},
				&pgproto3.Execute{MaxRows: 2}, &pgproto3.Execute{MaxRows: 2}, &pgproto3.Execute{MaxRows: 2}, sync},
			want: []string{"ParseComplete", "BindComplete",
				"D 1|row 1", "D 2|row 2", "PortalSuspended",
				"D 3|row 3", "D 4|row 4", "PortalSuspended",
				"D 5|NULL", "C SELECT 1", "Z I"},
		}}},
		{"row limit equal to rows still suspends", []exchange{{
			send: []pgproto3.FrontendMessage{
				&pgproto3.Parse{Query: "generate 2"}, &pgproto3.Bind{},
				&pgproto3.Execute{MaxRows: 2}, &pgproto3.Execute{}, sync},
			want: []string{"ParseComplete", "BindComplete", "D 1|row 1", "D 2|row 2", "PortalSuspended", "C SELECT 0", "Z I"},
		}}},
		{"error skips to sync", []exchange{{
			send: []pgproto3.FrontendMessage{
				&pgproto3.Parse{Query: "fail"}, &pgproto3.Bind{}, &pgproto3.Execute{},
				&pgproto3.Parse{Query: "generate 1"}, &pgproto3.Bind{}, &pgproto3.Execute{}, &pgproto3.Query{String: "ddl"}, sync},
			want: []string{"ParseComplete", "BindComplete", "E ERROR 22012 division by zero", "Z I"},
		}, {
			send: []pgproto3.FrontendMessage{&pgproto3.Parse{Query: "generate 1"}, &pgproto3.Bind{}, &pgproto3.Execute{}, sync},
			want: []string{"ParseComplete", "BindComplete", "D 1|row 1", "C SELECT 1", "Z I"},
		}}},
		{"duplicate prepared statement", []exchange{{
			send: []pgproto3.FrontendMessage{&pgproto3.Parse{Name: "s1", Query: "generate 1"}, &pgproto3.Parse{Name: "s1", Query: "generate 1"}, sync},
			want: []string{"ParseComplete", `E ERROR 42P05 prepared statement "s1" already exists`, "Z I"},
		}, {
			send: []pgproto3.FrontendMessage{&pgproto3.Bind{PreparedStatement: "s1"}, &pgproto3.Execute{}, &pgproto3.Close{ObjectType: 'S', Name: "s1"}, sync},
			want: []string{"BindComplete", "D 1|row 1", "C SELECT 1", "CloseComplete", "Z I"},
		}, {
			send: []pgproto3.FrontendMessage{&pgproto3.Bind{PreparedStatement: "s1"}, sync},
			want: []string{`E ERROR 26000 prepared statement "s1" does not exist`, "Z I"},
		}}},
		{"unknown statement and portal", []exchange{{
			send: []pgproto3.FrontendMessage{&pgproto3.Describe{ObjectType: 'S', Name: "nope"}, sync},
			want: []string{`E ERROR 26000 prepared statement "nope" does not exist`, "Z I"},
		}, {
			send: []pgproto3.FrontendMessage{&pgproto3.Execute{Portal: "nope"}, sync},
			want: []string{`E ERROR 34000 portal "nope" does not exist`, "Z I"},
		}, {
			send: []pgproto3.FrontendMessage{&pgproto3.Describe{ObjectType: 'P', Name: ""}, sync},
			want: []string{`E ERROR 34000 unnamed portal does not exist`, "Z I"},
		}}},
		{"describe statement and portal", []exchange{{
			send: []pgproto3.FrontendMessage{
				&pgproto3.Parse{Name: "e", Query: "echo $1 $2::text"}, &pgproto3.Describe{ObjectType: 'S', Name: "e"},
				&pgproto3.Bind{PreparedStatement: "e", ParameterFormatCodes: []int16{1, 0}, Parameters: [][]byte{{0, 0, 0, 0, 0, 0, 0, 42}, []byte("hi")}, ResultFormatCodes: []int16{0}},
				&pgproto3.Describe{ObjectType: 'P'}, &pgproto3.Execute{}, sync},
			want: []string{"ParseComplete", "ParameterDescription [20 25]", "T p1:25:0,p2:25:0",
				"BindComplete", "T p1:25:0,p2:25:0", "D 42|hi", "C SELECT 1", "Z I"},
		}}},
		{"result formats per column", []exchange{{
			send: []pgproto3.FrontendMessage{
				&pgproto3.Parse{Query: "generate 2"}, &pgproto3.Bind{ResultFormatCodes: []int16{1, 0}},
				&pgproto3.Describe{ObjectType: 'P'}, &pgproto3.Execute{}, sync},
			want: []string{"ParseComplete", "BindComplete", "T n:20:1,s:25:0",
				"D 0000000000000001|row 1", "D 0000000000000002|row 2", "C SELECT 2", "Z I"},
		}}},
		{"bad result format count", []exchange{{
			send: []pgproto3.FrontendMessage{
				&pgproto3.Parse{Query: "generate 2"}, &pgproto3.Bind{ResultFormatCodes: []int16{1, 0, 1}}, &pgproto3.Execute{}, sync},
			want: []string{"ParseComplete", "BindComplete", "E ERROR 08P01 bind message has 3 result formats but query has 2 columns", "Z I"},
		}}},
		{"bind parameter count", []exchange{{
			send: []pgproto3.FrontendMessage{&pgproto3.Parse{Query: "echo $1"}, &pgproto3.Bind{}, sync},
			want: []string{"ParseComplete", `E ERROR 08P01 bind message supplies 0 parameters, but prepared statement "" requires 1`, "Z I"},
		}}},
		{"null parameter", []exchange{{
			send: []pgproto3.FrontendMessage{&pgproto3.Parse{Query: "echo $1::text"}, &pgproto3.Bind{Parameters: [][]byte{nil}}, &pgproto3.Execute{}, sync},
			want: []string{"ParseComplete", "BindComplete", "D NULL", "C SELECT 1", "Z I"},
		}}},
		{"statement without rows", []exchange{{
			send: []pgproto3.FrontendMessage{&pgproto3.Parse{Query: "ddl"}, &pgproto3.Describe{ObjectType: 'S'}, &pgproto3.Bind{}, &pgproto3.Describe{ObjectType: 'P'}, &pgproto3.Execute{}, sync},
			want: []string{"ParseComplete", "ParameterDescription []", "NoData", "BindComplete", "NoData", "C CREATE TABLE", "Z I"},
		}}},
		{"empty extended query", []exchange{{
			send: []pgproto3.FrontendMessage{&pgproto3.Parse{Query: ""}, &pgproto3.Bind{}, &pgproto3.Execute{}, sync},
			want: []string{"ParseComplete", "BindComplete", "EmptyQuery", "Z I"},
		}}},
		{"portal closed at sync outside a transaction", []exchange{{
			send: []pgproto3.FrontendMessage{&pgproto3.Parse{Query: "generate 3"}, &pgproto3.Bind{DestinationPortal: "p"}, &pgproto3.Execute{Portal: "p", MaxRows: 1}, sync},
			want: []string{"ParseComplete", "BindComplete", "D 1|row 1", "PortalSuspended", "Z I"},
		}, {
			send: []pgproto3.FrontendMessage{&pgproto3.Execute{Portal: "p"}, sync},
			want: []string{`E ERROR 34000 portal "p" does not exist`, "Z I"},
		}}},
		{"portal kept across sync in a transaction", []exchange{{
			send: []pgproto3.FrontendMessage{&pgproto3.Query{String: "begin"}},
			want: []string{"C BEGIN", "Z T"},
		}, {
			send: []pgproto3.FrontendMessage{&pgproto3.Parse{Query: "generate 3"}, &pgproto3.Bind{DestinationPortal: "p"}, &pgproto3.Execute{Portal: "p", MaxRows: 1}, sync},
			want: []string{"ParseComplete", "BindComplete", "D 1|row 1", "PortalSuspended", "Z T"},
		}, {
			send: []pgproto3.FrontendMessage{&pgproto3.Describe{ObjectType: 'P', Name: "p"}, &pgproto3.Execute{Portal: "p"}, &pgproto3.Close{ObjectType: 'P', Name: "p"}, sync},
			want: []string{"T n:20:0,s:25:0", "D 2|row 2", "D 3|row 3", "C SELECT 2", "CloseComplete", "Z T"},
		}, {
			send: []pgproto3.FrontendMessage{&pgproto3.Query{String: "commit"}},
			want: []string{"C COMMIT", "Z I"},
		}}},
		{"duplicate portal", []exchange{{
			send: []pgproto3.FrontendMessage{&pgproto3.Parse{Query: "generate 1"}, &pgproto3.Bind{DestinationPortal: "p"}, &pgproto3.Bind{DestinationPortal: "p"}, sync},
			want: []string{"ParseComplete", "BindComplete", `E ERROR 42P03 portal "p" already exists`, "Z I"},
		}}},
		{"copy in through the extended protocol", []exchange{{
			send: []pgproto3.FrontendMessage{&pgproto3.Parse{Query: "copy t from stdin"}, &pgproto3.Bind{}, &pgproto3.Execute{}, &pgproto3.Flush{},
				&pgproto3.CopyData{Data: []byte("1\ta\n")}, sync, &pgproto3.CopyData{Data: []byte("2\tb\n")}, &pgproto3.CopyDone{}, sync},
			want: []string{"ParseComplete", "BindComplete", "CopyIn 0 [0 0]", "C COPY 2", "Z I"},
		}}},
		{"function call", []exchange{{
			send: []pgproto3.FrontendMessage{&pgproto3.FunctionCall{Function: 1}},
			want: []string{"E ERROR 0A000 fastpath function calls are not supported", "Z I"},
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
