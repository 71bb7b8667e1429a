package catalog

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/sharehouse/sharehouse/storage"
)

// Config configures a Catalog. Time and randomness are injected so that
// expiry and secrets are testable.
type Config struct {
	Logger *slog.Logger
	Now    func() time.Time
	Rand   io.Reader
	// TokenLifetime is how long a recipient's token is valid after
	// activation; ActivationLifetime how long an activation link is.
	TokenLifetime      time.Duration
	ActivationLifetime time.Duration
}

// Default lifetimes of credentials.
const (
	DefaultTokenLifetime      = 90 * 24 * time.Hour
	DefaultActivationLifetime = 7 * 24 * time.Hour
)

// Catalog is the server's catalog over one storage.Store.
type Catalog struct {
	store              *storage.Store
	log                *slog.Logger
	now                func() time.Time
	rand               io.Reader
	tokenLifetime      time.Duration
	activationLifetime time.Duration
	audit              *auditLog
	seqs               *seqCache
}

// Bucket names. storage owns the buckets whose names start with "storage.".
var (
	bucketMeta      = []byte("cat.meta")
	bucketTenants   = []byte("cat.tenants")   // name → Tenant
	bucketDatabases = []byte("cat.databases") // tenantID|name → Database
	bucketSchemas   = []byte("cat.schemas")   // databaseID|name → Schema
	bucketTables    = []byte("cat.tables")    // schemaID|name → Table
	allBuckets      = [][]byte{bucketMeta, bucketTenants, bucketDatabases, bucketSchemas, bucketTables, bucketIDs,
		bucketShares, bucketRecipients, bucketGrants, bucketLogins, bucketActivations,
		bucketSequences, bucketSeqState, bucketAllocatedIDs}
)

// firstID is the first object ID handed out: PostgreSQL's FirstNormalObjectId,
// so IDs never collide with the built-in OIDs clients know.
const firstID = 16384

// Open opens the catalog kept in store, creating its buckets on first use.
func Open(ctx context.Context, store *storage.Store, cfg Config) (*Catalog, error) {
	c := &Catalog{store: store, log: cfg.Logger, now: cfg.Now, rand: cfg.Rand,
		tokenLifetime: cfg.TokenLifetime, activationLifetime: cfg.ActivationLifetime, seqs: newSeqCache()}
	if c.tokenLifetime <= 0 {
		c.tokenLifetime = DefaultTokenLifetime
	}
	if c.activationLifetime <= 0 {
		c.activationLifetime = DefaultActivationLifetime
	}
	if c.log == nil {
		c.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.rand == nil {
		c.rand = rand.Reader
	}
	tx, err := store.Begin(ctx, true)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	for _, b := range allBuckets {
		if _, err := tx.Bolt().CreateBucketIfNotExists(b); err != nil {
			return nil, fmt.Errorf("catalog: create bucket %s: %w", b, err)
		}
	}
	if err := ensureLoginSecret(tx.Bolt().Bucket(bucketMeta), c.rand); err != nil {
		return nil, fmt.Errorf("catalog: login secret: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	// No session survives a restart: neither do its temporary tables.
	if n, err := c.DropTempSchemas(ctx); err != nil {
		return nil, fmt.Errorf("catalog: drop temporary schemas: %w", err)
	} else if n > 0 {
		c.log.Info("dropped temporary schemas of ended sessions", "schemas", n)
	}
	if c.audit, err = newAuditLog(ctx, c); err != nil {
		return nil, err
	}
	return c, nil
}

// Principal is who a Tx acts as: a tenant (Tenant set), or a token
// recipient (Recipient and Provider set, Tenant zero, so that nothing of
// any tenant's own resolves for it).
type Principal struct {
	Tenant TenantID
	Name   string
	Super  bool
	// Recipient is set for a token recipient's session; Provider is the
	// tenant that owns the recipient, TokenKey the StoredKey of the token
	// the session logged in with (it must stay valid for every statement).
	Recipient RecipientID
	Provider  TenantID
	TokenKey  []byte
}

// System is the principal of the server itself (bootstrap, startup checks).
var System = Principal{Name: "system", Super: true}

// Tx is one catalog transaction for one principal. Read Txs see a snapshot;
// a write Tx is the server's single writer until Commit or Rollback. A Tx is
// not safe for concurrent use.
type Tx struct {
	c   *Catalog
	st  *storage.Tx
	who Principal
	// ends run once when the transaction ends, told whether it committed
	// (sequence_values.go keeps its memory in step with what is stored).
	ends []func(committed bool)
}

// Begin starts a transaction as who. The caller must Commit or Rollback.
func (c *Catalog) Begin(ctx context.Context, who Principal, writable bool) (*Tx, error) {
	st, err := c.store.Begin(ctx, writable)
	if err != nil {
		return nil, err
	}
	return &Tx{c: c, st: st, who: who}, nil
}

// View runs fn in a read-only transaction as who.
func (c *Catalog) View(ctx context.Context, who Principal, fn func(*Tx) error) error {
	tx, err := c.Begin(ctx, who, false)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	return fn(tx)
}

// Update runs fn in one write transaction as who: all of it commits, or nothing.
func (c *Catalog) Update(ctx context.Context, who Principal, fn func(*Tx) error) error {
	tx, err := c.Begin(ctx, who, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// Commit commits a write transaction (and ends a read one).
func (tx *Tx) Commit() error {
	err := tx.st.Commit()
	tx.ended(err == nil)
	return err
}

// Rollback abandons the transaction; a no-op after Commit.
func (tx *Tx) Rollback() error {
	err := tx.st.Rollback()
	tx.ended(false)
	return err
}

func (tx *Tx) onEnd(fn func(committed bool)) { tx.ends = append(tx.ends, fn) }

func (tx *Tx) ended(committed bool) {
	ends := tx.ends
	tx.ends = nil
	for _, fn := range ends {
		fn(committed)
	}
}

// Writable reports whether tx may change the catalog.
func (tx *Tx) Writable() bool { return tx.st.Writable() }

// Who returns the principal tx acts as.
func (tx *Tx) Who() Principal { return tx.who }

// Now returns the catalog's clock.
func (tx *Tx) Now() time.Time { return tx.c.now() }

func (tx *Tx) bucket(name []byte) *bolt.Bucket { return tx.st.Bolt().Bucket(name) }

// key builds a bucket key: a parent ID then a name. Names are compared
// byte for byte, as PostgreSQL compares identifiers.
func key(parent uint64, name string) []byte {
	k := make([]byte, 8, 8+len(name))
	binary.BigEndian.PutUint64(k, parent)
	return append(k, name...)
}

func prefix(parent uint64) []byte {
	k := make([]byte, 8)
	binary.BigEndian.PutUint64(k, parent)
	return k
}

// get decodes the value at k into v; ok is false if absent.
func get(b *bolt.Bucket, k []byte, v any) (bool, error) {
	data := b.Get(k)
	if data == nil {
		return false, nil
	}
	if err := json.Unmarshal(data, v); err != nil {
		return false, fmt.Errorf("catalog: corrupt record %q: %w", k, err)
	}
	return true, nil
}

func put(b *bolt.Bucket, k []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put(k, data)
}

func decode(k, v []byte, rec any) error {
	if err := json.Unmarshal(v, rec); err != nil {
		return fmt.Errorf("catalog: corrupt record %q: %w", k, err)
	}
	return nil
}

// each decodes every record under parent, in name order.
func each[T any](b *bolt.Bucket, parent uint64, fn func(T) error) error {
	p := prefix(parent)
	cur := b.Cursor()
	for k, v := cur.Seek(p); k != nil && len(k) >= 8 && string(k[:8]) == string(p); k, v = cur.Next() {
		var rec T
		if err := json.Unmarshal(v, &rec); err != nil {
			return fmt.Errorf("catalog: corrupt record %q: %w", k, err)
		}
		if err := fn(rec); err != nil {
			return err
		}
	}
	return nil
}

func (tx *Tx) requireWritable() error {
	if !tx.st.Writable() {
		return fmt.Errorf("catalog: write in a read-only transaction")
	}
	return nil
}
