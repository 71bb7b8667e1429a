package pgwire

import (
	"bufio"
	"bytes"
	"context"
	"crypto/pbkdf2"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"

	"github.com/sharehouse/sharehouse/executor"
	"github.com/sharehouse/sharehouse/executor/sqlstate"
	"github.com/sharehouse/sharehouse/executor/sqltype"
)

// fakeEngine is a small Engine for tests. It understands a handful of
// statement texts (see fakeSession.plan) and counts what happened.
type fakeEngine struct {
	mem   *memory.CheckedAllocator
	creds map[string]executor.SCRAMCredential
	dbs   map[string]bool

	// noBlock makes "sleep" fail at once (fuzzing must never hang).
	noBlock bool

	running  chan string // receives a statement's text when "sleep" starts
	mu       sync.Mutex
	copied   [][]byte // payloads received by COPY FROM STDIN, per statement
	closed   int      // sessions closed
	rowsOpen atomic.Int64
	causes   []error // Rows.Close causes
	lastOpts executor.SessionOptions
}

func newFakeEngine() *fakeEngine {
	e := &fakeEngine{
		mem:     memory.NewCheckedAllocator(memory.NewGoAllocator()),
		creds:   map[string]executor.SCRAMCredential{},
		dbs:     map[string]bool{"db": true, "alice": true},
		running: make(chan string, 16),
	}
	e.addUser("alice", "secret")
	return e
}

// scramCredential derives a verifier the way the catalog does.
func scramCredential(password string, salt []byte, iter int) executor.SCRAMCredential {
	salted, err := pbkdf2.Key(sha256.New, password, salt, iter, sha256.Size)
	if err != nil {
		panic(err)
	}
	clientKey := hmacSHA256(salted, "Client Key")
	stored := sha256.Sum256(clientKey)
	return executor.SCRAMCredential{Salt: salt, Iterations: iter, StoredKey: stored[:], ServerKey: hmacSHA256(salted, "Server Key")}
}

func (e *fakeEngine) addUser(user, password string) {
	e.creds[user] = scramCredential(password, []byte("0123456789abcdef"), 4096)
}

func (e *fakeEngine) AuditLogin(context.Context, executor.LoginEvent) {}

func (e *fakeEngine) LookupSCRAM(ctx context.Context, user string) (executor.SCRAMCredential, error) {
	c, ok := e.creds[user]
	if !ok {
		return c, sqlstate.Errorf(sqlstate.InvalidPassword, "password authentication failed for user %q", user)
	}
	return c, nil
}

func (e *fakeEngine) LoginLimit(ctx context.Context, user string) (executor.LoginLimit, error) {
	return executor.LoginLimit{Role: user, Key: user, Limit: -1}, nil
}

func (e *fakeEngine) NewSession(ctx context.Context, opts executor.SessionOptions) (Session, error) {
	db := opts.Database
	if db == "" {
		db = opts.User
	}
	if !e.dbs[db] {
		return nil, sqlstate.Errorf(sqlstate.InvalidCatalogName, "database %q does not exist", db)
	}
	e.mu.Lock()
	e.lastOpts = opts
	e.mu.Unlock()
	return &fakeSession{eng: e, tx: 'I'}, nil
}

func (e *fakeEngine) sessionsClosed() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.closed
}

// fakeStmt is a statement of the fake session: its text and parameter types.
type fakeStmt struct {
	sql    string
	params []sqltype.T
}

func (s *fakeStmt) ParamTypes() []sqltype.T { return s.params }

type fakeSession struct {
	eng     *fakeEngine
	tx      byte
	changed []executor.Parameter
	batch   int
	widened int // plans of "widening" so far
}

var paramRE = regexp.MustCompile(`\$(\d+)`)

func (s *fakeSession) Parse(ctx context.Context, sql string) ([]Statement, error) {
	if strings.Contains(sql, "syntax error") {
		return nil, sqlstate.Errorf(sqlstate.SyntaxError, `syntax error at or near "error"`).WithPosition(int32(strings.Index(sql, "error") + 1))
	}
	var out []Statement
	for _, part := range strings.Split(sql, ";") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, &fakeStmt{sql: part})
		}
	}
	return out, nil
}

func (s *fakeSession) Prepare(ctx context.Context, sql string, oids []sqltype.OID) (Statement, error) {
	sts, err := s.Parse(ctx, sql)
	if err != nil {
		return nil, err
	}
	if len(sts) > 1 {
		return nil, sqlstate.Errorf(sqlstate.SyntaxError, "cannot insert multiple commands into a prepared statement")
	}
	st := &fakeStmt{sql: strings.TrimSpace(sql)}
	n := 0
	for _, m := range paramRE.FindAllStringSubmatch(sql, -1) {
		k, _ := strconv.Atoi(m[1])
		n = max(n, k)
	}
	for i := range n {
		t := sqltype.Int8T // the fake infers bigint unless told, or ::text
		if i < len(oids) && oids[i] != 0 {
			t = sqltype.T{OID: oids[i], Typmod: -1}
		} else if strings.Contains(sql, fmt.Sprintf("$%d::text", i+1)) {
			t = sqltype.TextT
		}
		st.params = append(st.params, t)
	}
	return st, nil
}

func (s *fakeSession) Describe(ctx context.Context, st Statement, params []executor.Param) ([]executor.Column, error) {
	cols, res, err := s.plan(ctx, st.(*fakeStmt), params)
	if res.Rows != nil {
		res.Rows.Close(nil) // Describe runs nothing
	}
	return cols, err
}

func (s *fakeSession) Execute(ctx context.Context, st Statement, params []executor.Param) (executor.Result, error) {
	_, res, err := s.plan(ctx, st.(*fakeStmt), params)
	if err != nil && s.tx == 'T' {
		s.tx = 'E'
	}
	return res, err
}

func (s *fakeSession) TxStatus() byte                  { return s.tx }
func (s *fakeSession) TextFormat() sqltype.Format      { return sqltype.Format{Location: time.UTC} }
func (s *fakeSession) StatementTimeout() time.Duration { return 0 }
func (s *fakeSession) Parameters() []executor.Parameter {
	return []executor.Parameter{{Name: "server_version", Value: "15.8 (fake)"}, {Name: "TimeZone", Value: "UTC"}}
}
func (s *fakeSession) ChangedParameters() []executor.Parameter {
	out := s.changed
	s.changed = nil
	return out
}
func (s *fakeSession) BeginBatch(n int)         { s.batch = n }
func (s *fakeSession) EndBatch(err error) error { s.batch = 0; return nil }
func (s *fakeSession) Close() {
	s.eng.mu.Lock()
	s.eng.closed++
	s.eng.mu.Unlock()
}

var (
	colN   = executor.Column{Name: "n", Type: sqltype.Int8T, TableOID: 16384, AttNum: 1}
	colS   = executor.Column{Name: "s", Type: sqltype.TextT, TableOID: 16384, AttNum: 2}
	copyRE = regexp.MustCompile(`(?i)^copy\s.*from stdin`)
)

// plan interprets a statement. Its columns are returned for Describe; the
// Result only when executing (Describe has ctx but must not run anything,
// so results are built lazily by their Rows).
func (s *fakeSession) plan(ctx context.Context, st *fakeStmt, params []executor.Param) ([]executor.Column, executor.Result, error) {
	sql := st.sql
	lower := strings.ToLower(sql)
	f := strings.Fields(lower)
	if len(f) == 0 {
		return nil, executor.Result{}, nil
	}
	switch {
	case f[0] == "generate" && len(f) == 2: // generate N: n bigint, s text (null every 5th)
		n, _ := strconv.Atoi(f[1])
		cols := []executor.Column{colN, colS}
		return cols, executor.Result{Tag: "SELECT", Rows: s.eng.newRows(cols, n, 3)}, nil
	case f[0] == "select" && strings.Contains(lower, " from "): // pgx CopyFrom's describe
		cols := []executor.Column{colN, colS}
		return cols, executor.Result{Tag: "SELECT", Rows: s.eng.newRows(cols, 0, 3)}, nil
	case f[0] == "echo": // echo $1 $2 ...: one row, the parameters as text
		cols := make([]executor.Column, len(st.params))
		for i := range cols {
			cols[i] = executor.Column{Name: fmt.Sprintf("p%d", i+1), Type: sqltype.TextT}
		}
		vals := make([]*string, len(params))
		for i, p := range params {
			if p.Null {
				continue
			}
			v := string(p.Data)
			if p.Binary && st.params[i].OID == sqltype.Int8 && len(p.Data) == 8 {
				v = strconv.FormatInt(int64(binary.BigEndian.Uint64(p.Data)), 10)
			} else if p.Binary && st.params[i].OID == sqltype.Int8 {
				v = "bad binary"
			}
			vals[i] = &v
		}
		return cols, executor.Result{Tag: "SELECT", Rows: s.eng.newEchoRows(cols, vals)}, nil
	case f[0] == "sleep":
		if s.eng.noBlock {
			return nil, executor.Result{}, sqlstate.Errorf(sqlstate.QueryCanceled, "canceling statement due to user request")
		}
		s.eng.running <- sql
		<-ctx.Done()
		return nil, executor.Result{}, sqlstate.Errorf(sqlstate.QueryCanceled, "canceling statement due to user request")
	case f[0] == "fail":
		return nil, executor.Result{}, sqlstate.Errorf(sqlstate.DivisionByZero, "division by zero").WithDetail("d").WithHint("h")
	case f[0] == "internal":
		return nil, executor.Result{}, errors.New("secret cause")
	case f[0] == "panic":
		panic("fake panic")
	case f[0] == "begin":
		s.tx = 'T'
		return nil, executor.Result{Tag: "BEGIN"}, nil
	case f[0] == "commit", f[0] == "rollback":
		s.tx = 'I'
		return nil, executor.Result{Tag: strings.ToUpper(f[0])}, nil
	case f[0] == "set":
		s.changed = append(s.changed, executor.Parameter{Name: "application_name", Value: "changed"})
		return nil, executor.Result{Tag: "SET"}, nil
	case f[0] == "notice":
		return nil, executor.Result{Tag: "DO", Notices: []*sqlstate.Error{sqlstate.Errorf(sqlstate.Warning, "careful")}}, nil
	case f[0] == "copy" && strings.Contains(lower, "to stdout"):
		return nil, executor.Result{Tag: "COPY 3", CopyOut: s.eng.copyOut()}, nil
	case copyRE.MatchString(sql):
		binaryFmt := strings.Contains(lower, "binary")
		return nil, executor.Result{CopyIn: &executor.CopyIn{Binary: binaryFmt, Columns: 2, Run: s.eng.copyRun(binaryFmt)}}, nil
	case f[0] == "ddl":
		return nil, executor.Result{Tag: "CREATE TABLE"}, nil
	case f[0] == "undescribed": // a bug: described as NoData, runs with rows
		return nil, executor.Result{Tag: "SELECT", Rows: s.eng.newRows([]executor.Column{colN, colS}, 2, 3)}, nil
	case f[0] == "widening": // (n) when first planned, (n, s) after: a table altered between Describe and Execute
		s.widened++
		cols := []executor.Column{colN, colS}
		if s.widened == 1 {
			cols = cols[:1]
		}
		return cols, executor.Result{Tag: "SELECT", Rows: s.eng.newRows(cols, 1, 3)}, nil
	}
	return nil, executor.Result{}, sqlstate.Errorf(sqlstate.SyntaxError, "fake: unknown statement %q", sql)
}

func (e *fakeEngine) copyRun(binaryFmt bool) func(ctx context.Context, r io.Reader) (executor.Result, error) {
	return func(ctx context.Context, r io.Reader) (executor.Result, error) {
		data, err := io.ReadAll(r)
		if err != nil {
			return executor.Result{}, err
		}
		var n int
		if binaryFmt {
			n, err = countBinaryCopyTuples(data)
			if err != nil {
				return executor.Result{}, err
			}
		} else {
			sc := bufio.NewScanner(bytes.NewReader(data))
			for sc.Scan() {
				if sc.Text() == `\.` {
					break
				}
				if sc.Text() == "bad" {
					return executor.Result{}, sqlstate.Errorf(sqlstate.BadCopyFileFormat, "bad row")
				}
				n++
			}
		}
		e.mu.Lock()
		e.copied = append(e.copied, data)
		e.mu.Unlock()
		return executor.Result{Tag: fmt.Sprintf("COPY %d", n)}, nil
	}
}

// countBinaryCopyTuples counts the tuples of a binary COPY stream.
func countBinaryCopyTuples(data []byte) (int, error) {
	bad := sqlstate.Errorf(sqlstate.BadCopyFileFormat, "invalid COPY file")
	const sig = "PGCOPY\n\377\r\n\000"
	if !bytes.HasPrefix(data, []byte(sig)) || len(data) < len(sig)+8 {
		return 0, bad
	}
	p := data[len(sig)+4:]
	ext := int(binary.BigEndian.Uint32(p))
	p = p[4+ext:]
	n := 0
	for {
		if len(p) == 0 {
			return n, nil // the trailer is optional (pgx omits it)
		}
		if len(p) < 2 {
			return 0, bad
		}
		fields := int16(binary.BigEndian.Uint16(p))
		p = p[2:]
		if fields == -1 {
			return n, nil
		}
		for range fields {
			if len(p) < 4 {
				return 0, bad
			}
			l := int32(binary.BigEndian.Uint32(p))
			p = p[4:]
			if l > 0 {
				if int(l) > len(p) {
					return 0, bad
				}
				p = p[l:]
			}
		}
		n++
	}
}

func (e *fakeEngine) copyOut() *executor.CopyOut {
	i := 0
	return &executor.CopyOut{
		Columns: 2,
		Next: func(ctx context.Context) ([]byte, error) {
			if i == 3 {
				return nil, io.EOF
			}
			i++
			return fmt.Appendf(nil, "%d\trow %d\n", i, i), nil
		},
		Close: func(error) error { return nil },
	}
}

// fakeRows serves n rows of (n bigint, s text) in batches of size per.
type fakeRows struct {
	eng    *fakeEngine
	cols   []executor.Column
	n, per int
	next   int
	echo   []*string // set for echo rows: one row of text values
	rec    arrow.Record
	closed bool
}

func (e *fakeEngine) newRows(cols []executor.Column, n, per int) *fakeRows {
	e.rowsOpen.Add(1)
	return &fakeRows{eng: e, cols: cols, n: n, per: per}
}

func (e *fakeEngine) newEchoRows(cols []executor.Column, vals []*string) *fakeRows {
	e.rowsOpen.Add(1)
	return &fakeRows{eng: e, cols: cols, n: 1, per: 1, echo: vals}
}

func (r *fakeRows) Columns() []executor.Column { return r.cols }

func (r *fakeRows) Next(ctx context.Context) (arrow.Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, sqlstate.Errorf(sqlstate.QueryCanceled, "canceling statement due to user request")
	}
	r.release()
	if r.next >= r.n {
		return nil, io.EOF
	}
	if r.echo != nil {
		r.next = r.n
		fields := make([]arrow.Field, len(r.cols))
		arrs := make([]arrow.Array, len(r.cols))
		for i := range r.cols {
			fields[i] = arrow.Field{Name: r.cols[i].Name, Type: arrow.BinaryTypes.String, Nullable: true}
			b := array.NewStringBuilder(r.eng.mem)
			if r.echo[i] == nil {
				b.AppendNull()
			} else {
				b.Append(*r.echo[i])
			}
			arrs[i] = b.NewArray()
			b.Release()
		}
		r.rec = array.NewRecord(arrow.NewSchema(fields, nil), arrs, 1)
		for _, a := range arrs {
			a.Release()
		}
		return r.rec, nil
	}
	nb := array.NewInt64Builder(r.eng.mem)
	sb := array.NewStringBuilder(r.eng.mem)
	defer nb.Release()
	defer sb.Release()
	end := min(r.next+r.per, r.n)
	for i := r.next + 1; i <= end; i++ {
		nb.Append(int64(i))
		if i%5 == 0 {
			sb.AppendNull()
		} else {
			sb.Append(fmt.Sprintf("row %d", i))
		}
	}
	rows := end - r.next
	r.next = end
	na, sa := nb.NewArray(), sb.NewArray()
	defer na.Release()
	defer sa.Release()
	schema := arrow.NewSchema([]arrow.Field{{Name: "n", Type: arrow.PrimitiveTypes.Int64}, {Name: "s", Type: arrow.BinaryTypes.String, Nullable: true}}, nil)
	r.rec = array.NewRecord(schema, []arrow.Array{na, sa}, int64(rows))
	return r.rec, nil
}

func (r *fakeRows) release() {
	if r.rec != nil {
		r.rec.Release()
		r.rec = nil
	}
}

func (r *fakeRows) Close(cause error) error {
	if r.closed {
		return nil
	}
	r.closed = true
	r.release()
	r.eng.rowsOpen.Add(-1)
	r.eng.mu.Lock()
	r.eng.causes = append(r.eng.causes, cause)
	r.eng.mu.Unlock()
	return nil
}
