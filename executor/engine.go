package executor

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/apache/arrow/go/v17/arrow/memory"

	"github.com/sharehouse/sharehouse/catalog"
	"github.com/sharehouse/sharehouse/executor/sqlstate"
)

// Config configures an Engine.
type Config struct {
	Catalog *catalog.Catalog
	Logger  *slog.Logger
	// Allocator for query memory; memory.DefaultAllocator when nil.
	Allocator memory.Allocator
	// Now is the clock for statement timestamps; time.Now when nil.
	Now func() time.Time
	// ServerVersion is reported as server_version; PostgreSQL 15 by default,
	// because clients switch features on it.
	ServerVersion string
	// PublicURL is the base of activation links (the HTTP listener as the
	// recipients reach it), e.g. "http://127.0.0.1:8433".
	PublicURL string
	// QueryMemoryLimit bounds what one operator of a query may hold in
	// memory (a sort's or a join's input); DefaultQueryMemoryLimit if 0.
	QueryMemoryLimit int64
	// RecipientConnLimit is the connection limit of token recipients
	// without one of their own; DefaultRecipientConnLimit if 0.
	RecipientConnLimit int
}

// DefaultQueryMemoryLimit is the per-operator memory bound by default.
const DefaultQueryMemoryLimit = 4 << 30

// Engine runs statements for sessions; one per server, safe for concurrent use.
type Engine struct {
	cat         *catalog.Catalog
	log         *slog.Logger
	mem         memory.Allocator
	now         func() time.Time
	version     string
	public      string
	queryMemory int64
	// valueCap lowers the largest value (maxValueBytes) in tests.
	valueCap int64
	nextPID  atomic.Uint32

	// recipientLimit: see Config.RecipientConnLimit.
	recipientLimit int
}

// New returns an Engine over cfg.Catalog.
func New(cfg Config) *Engine {
	e := &Engine{cat: cfg.Catalog, log: cfg.Logger, mem: cfg.Allocator, now: cfg.Now, version: cfg.ServerVersion, public: strings.TrimRight(cfg.PublicURL, "/")}
	if e.public == "" {
		e.public = "http://127.0.0.1:8433"
	}
	e.queryMemory = cfg.QueryMemoryLimit
	if e.queryMemory == 0 {
		e.queryMemory = DefaultQueryMemoryLimit
	}
	e.recipientLimit = cfg.RecipientConnLimit
	if e.recipientLimit == 0 {
		e.recipientLimit = DefaultRecipientConnLimit
	}
	if e.log == nil {
		e.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if e.mem == nil {
		e.mem = memory.DefaultAllocator
	}
	if e.now == nil {
		e.now = time.Now
	}
	if e.version == "" {
		e.version = "15.8 (sharehouse)"
	}
	return e
}

// LookupSCRAM returns the verifier of user. An unknown user is 28P01 so
// that pgwire answers exactly as for a wrong password.
func (e *Engine) LookupSCRAM(ctx context.Context, user string) (SCRAMCredential, error) {
	var cred SCRAMCredential
	err := e.cat.View(ctx, catalog.System, func(tx *catalog.Tx) error {
		t, ok, err := tx.TenantByName(user)
		if err != nil {
			return err
		}
		if ok {
			cred = SCRAMCredential{Salt: t.SCRAM.Salt, Iterations: t.SCRAM.Iterations, StoredKey: t.SCRAM.StoredKey, ServerKey: t.SCRAM.ServerKey}
			return nil
		}
		// A token recipient: its bearer token is the password; every
		// token still valid may be used.
		r, ok, err := tx.TokenLogin(user)
		if err != nil {
			return err
		}
		tokens := r.ActiveTokens(tx.Now())
		if !ok || len(tokens) == 0 {
			// No proof matches; the salt is the one the login shows
			// whether or not it exists (catalog/login.go).
			m := tx.MockLogin(user)
			if ok {
				m.Salt = r.Salt
			}
			cred = SCRAMCredential{Salt: m.Salt, Iterations: m.Iterations, StoredKey: m.StoredKey, ServerKey: m.ServerKey}
			return nil
		}
		cred = SCRAMCredential{Salt: r.Salt, Iterations: catalog.SCRAMIterations, StoredKey: tokens[0].StoredKey, ServerKey: tokens[0].ServerKey}
		for _, t := range tokens[1:] {
			cred.Alternates = append(cred.Alternates, SCRAMKeys{StoredKey: t.StoredKey, ServerKey: t.ServerKey})
		}
		return nil
	})
	return cred, err
}

// NewSession opens a session for an authenticated user. An unknown
// database is 3D000.
func (e *Engine) NewSession(ctx context.Context, opts SessionOptions) (*Session, error) {
	var who catalog.Principal
	db := opts.Database
	if db == "" {
		db = opts.User
	}
	err := e.cat.View(ctx, catalog.System, func(tx *catalog.Tx) error {
		t, ok, err := tx.TenantByName(opts.User)
		if err != nil {
			return err
		}
		if ok {
			who = t.Principal()
			return nil
		}
		r, ok, err := tx.TokenLogin(opts.User)
		if err != nil {
			return err
		}
		if !ok {
			return sqlstate.Errorf(sqlstate.InvalidAuthorization, "role %q does not exist", opts.User)
		}
		who = r.RecipientPrincipal(opts.AuthKey)
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = e.cat.View(ctx, who, func(tx *catalog.Tx) error {
		_, err := tx.Database(db)
		return err
	})
	if err != nil {
		err = translate(err)
		e.auditConnect(who, db, opts.ClientAddr, err)
		return nil, err
	}
	s := newSession(e, who, db, opts)
	return s, nil
}

// RunScript runs sql as user in database, statement by statement, and
// reads any rows to the end. It is how the CLI loads demo data.
func (e *Engine) RunScript(ctx context.Context, user, database, sql string) error {
	s, err := e.NewSession(ctx, SessionOptions{User: user, Database: database})
	if err != nil {
		return err
	}
	defer s.Close()
	stmts, err := s.Parse(ctx, sql)
	if err != nil {
		return err
	}
	for _, st := range stmts {
		res, err := s.Execute(ctx, st, nil)
		if err != nil {
			return err
		}
		if res.Rows != nil {
			for {
				_, err := res.Rows.Next(ctx)
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					res.Rows.Close(err)
					return err
				}
			}
			res.Rows.Close(nil)
		}
	}
	return nil
}

// activationLink is the URL a recipient opens once to get its credential.
func (e *Engine) activationLink(code string) string {
	return e.public + "/activate/" + code
}
