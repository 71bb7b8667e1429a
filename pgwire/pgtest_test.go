package pgwire

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/datadriven"
	"github.com/jackc/pgx/v5/pgproto3"
)

// TestPGTest runs the wire scripts in testdata/pgtest (CockroachDB's pgtest
// format): each file gets a fresh server and an authenticated connection.
//
//	send
//	Query {"String": "generate 2"}
//	----
//
//	until
//	ReadyForQuery
//	----
//	{"Type":"RowDescription",...}
//
// send writes the messages (type, space, pgproto3 JSON; CopyData as text);
// until reads and prints messages up to each listed type in turn.
// Regenerate the expectations with -rewrite and review the diff.
func TestPGTest(t *testing.T) {
	datadriven.Walk(t, "testdata/pgtest", func(t *testing.T, path string) {
		ts := startServer(t, newFakeEngine(), Config{})
		r := ts.mustRaw(t)
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			switch d.Cmd {
			case "send":
				for _, line := range strings.Split(d.Input, "\n") {
					msg, err := frontendMessage(line)
					if err != nil {
						d.Fatalf(t, "%s: %v", line, err)
					}
					r.f.Send(msg)
				}
				if err := r.f.Flush(); err != nil {
					d.Fatalf(t, "send: %v", err)
				}
				return ""
			case "until":
				var out strings.Builder
				for _, want := range strings.Split(d.Input, "\n") {
					for {
						r.nc.SetReadDeadline(time.Now().Add(testTimeout))
						m, err := r.f.Receive()
						if err != nil {
							d.Fatalf(t, "receive (waiting for %s): %v", want, err)
						}
						js, typ := messageJSON(m)
						out.WriteString(js)
						out.WriteByte('\n')
						if typ == want {
							break
						}
					}
				}
				return out.String()
			}
			d.Fatalf(t, "unknown command %s", d.Cmd)
			return ""
		})
	})
}

// frontendMessage reads "Type {json}".
func frontendMessage(line string) (pgproto3.FrontendMessage, error) {
	typ, body, _ := strings.Cut(line, " ")
	var msg pgproto3.FrontendMessage
	switch typ {
	case "Query":
		msg = &pgproto3.Query{}
	case "Parse":
		msg = &pgproto3.Parse{}
	case "Bind":
		msg = &pgproto3.Bind{}
	case "Describe":
		msg = &pgproto3.Describe{}
	case "Execute":
		msg = &pgproto3.Execute{}
	case "Close":
		msg = &pgproto3.Close{}
	case "Sync":
		msg = &pgproto3.Sync{}
	case "Flush":
		msg = &pgproto3.Flush{}
	case "CopyData":
		// Text, not pgproto3's hex: the scripts stay readable.
		var v struct{ Data string }
		if err := json.Unmarshal([]byte(body), &v); err != nil {
			return nil, err
		}
		return &pgproto3.CopyData{Data: []byte(v.Data)}, nil
	case "CopyDone":
		msg = &pgproto3.CopyDone{}
	case "CopyFail":
		msg = &pgproto3.CopyFail{}
	case "Terminate":
		msg = &pgproto3.Terminate{}
	default:
		return nil, fmt.Errorf("unknown message type %q", typ)
	}
	if body != "" {
		if err := json.Unmarshal([]byte(body), msg); err != nil {
			return nil, err
		}
	}
	return msg, nil
}

// messageJSON renders a backend message as pgproto3's JSON, errors and
// notices shortened to the fields the server sets.
func messageJSON(m pgproto3.BackendMessage) (js, typ string) {
	type short struct {
		Type     string
		Severity string
		Code     string
		Message  string
		Detail   string `json:",omitempty"`
		Hint     string `json:",omitempty"`
		Position int32  `json:",omitempty"`
	}
	var v any = m
	switch e := m.(type) {
	case *pgproto3.ErrorResponse:
		v = short{"ErrorResponse", e.Severity, e.Code, e.Message, e.Detail, e.Hint, e.Position}
	case *pgproto3.NoticeResponse:
		v = short{"NoticeResponse", e.Severity, e.Code, e.Message, e.Detail, e.Hint, e.Position}
	case *pgproto3.CopyData:
		v = struct{ Type, Data string }{"CopyData", string(e.Data)}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%T: %v", m, err), ""
	}
	var head struct{ Type string }
	json.Unmarshal(b, &head)
	return string(b), head.Type
}
