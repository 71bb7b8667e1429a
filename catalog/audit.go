package catalog

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"

	"github.com/sharehouse/sharehouse/storage"
)

// AuditEvent is one consumer statement on one shared table, kept for the
// provider that owns the table.
type AuditEvent struct {
	Provider   TenantID
	Time       time.Time
	EventType  string // SELECT, INSERT, COPY …
	Recipient  string // the token recipient, or the consumer tenant
	Share      string
	Table      string // as the consumer named it: schema.table
	Rows       int64
	Bytes      int64
	DurationMS int64
	ClientAddr string
	Status     string // OK or ERROR
	SQLState   string
}

// Audit database, schema and table names: system.access.audit, as Delta
// Sharing users query usage.
const (
	AuditDatabase = "system"
	AuditSchema   = "access"
	AuditTable    = "audit"
)

// auditColumns are the columns of system.access.audit (type OIDs as
// PostgreSQL's: timestamptz 1184, text 25, int8 20).
var auditColumns = []Column{
	{ID: 1, Name: "request_time", Type: ColumnType{OID: 1184, Typmod: -1}},
	{ID: 2, Name: "event_type", Type: ColumnType{OID: 25, Typmod: -1}},
	{ID: 3, Name: "recipient_name", Type: ColumnType{OID: 25, Typmod: -1}},
	{ID: 4, Name: "share_name", Type: ColumnType{OID: 25, Typmod: -1}},
	{ID: 5, Name: "table_name", Type: ColumnType{OID: 25, Typmod: -1}},
	{ID: 6, Name: "rows_returned", Type: ColumnType{OID: 20, Typmod: -1}},
	{ID: 7, Name: "bytes_transferred", Type: ColumnType{OID: 20, Typmod: -1}},
	{ID: 8, Name: "query_duration_ms", Type: ColumnType{OID: 20, Typmod: -1}},
	{ID: 9, Name: "client_address", Type: ColumnType{OID: 25, Typmod: -1}},
	{ID: 10, Name: "status", Type: ColumnType{OID: 25, Typmod: -1}},
	{ID: 11, Name: "sqlstate", Type: ColumnType{OID: 25, Typmod: -1}},
}

var auditSchema = func() *arrow.Schema {
	ts := &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	f := func(i int, t arrow.DataType) arrow.Field {
		return arrow.Field{Name: auditColumns[i].Field(), Type: t, Nullable: true}
	}
	s, i64 := arrow.BinaryTypes.String, arrow.PrimitiveTypes.Int64
	return arrow.NewSchema([]arrow.Field{f(0, ts), f(1, s), f(2, s), f(3, s), f(4, s), f(5, i64), f(6, i64), f(7, i64), f(8, s), f(9, s), f(10, s)}, nil)
}()

// auditTableOf is the provider's audit log as a read-only table.
func auditTableOf(t Tenant) Table {
	return Table{ID: t.AuditTable, Name: AuditTable, Columns: auditColumns, NextColumn: uint32(len(auditColumns)),
		Comment: "reads of this tenant's shared tables", Created: t.Created,
		Via: &ShareVia{Share: "system.access.audit"}}
}

// auditLog makes audit events durable before the read they record is
// acknowledged, and moves them into the providers' audit tables in the
// background. Durable means in the store's audit journal: an fsync shared by
// every reader that records an event meanwhile (storage.Journal), which no
// open write transaction delays. The writer then appends the journal's
// events to the audit tables in one catalog transaction that also records
// the last journal sequence number applied (so a crash between the two
// applies nothing twice), and releases them from the journal. Open applies
// what a crash left in the journal before anyone reads.
type auditLog struct {
	c       *Catalog
	j       *storage.Journal
	flushMu sync.Mutex // one move into the tables at a time
	wake    chan struct{}
	stop    chan struct{}
	done    chan struct{}
	closed  atomic.Bool
}

// auditFlushEvery spaces the writer's moves into the audit tables: events
// show in system.access.audit at most this long (plus a commit) after the
// read, while the writer slot stays free for other writes.
const auditFlushEvery = 50 * time.Millisecond

// auditJournal is the journal's file in the data directory; auditApplied
// is the key of cat.meta holding the last sequence number applied.
const auditJournal = "audit.journal"

var auditApplied = []byte("audit.applied")

func newAuditLog(ctx context.Context, c *Catalog) (*auditLog, error) {
	var applied uint64
	err := c.store.View(ctx, func(tx *storage.Tx) error {
		if v := tx.Bolt().Bucket(bucketMeta).Get(auditApplied); len(v) == 8 {
			applied = binary.BigEndian.Uint64(v)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	j, err := c.store.OpenJournal(auditJournal, applied)
	if err != nil {
		return nil, err
	}
	a := &auditLog{c: c, j: j, wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	if err := a.flush(ctx); err != nil {
		j.Close()
		return nil, fmt.Errorf("audit: apply the journal: %w", err)
	}
	go a.run()
	return a, nil
}

// Record makes evs durable for their providers and returns once they are,
// so that a front end acknowledges a read only after its audit event.
// Concurrent calls share one fsync. The wait is not cancellable: a read
// that was answered must be recorded. The events show in
// system.access.audit shortly after (auditFlushEvery). An error means the
// events may be lost: the read must not be acknowledged.
func (c *Catalog) Record(evs ...AuditEvent) error {
	if len(evs) == 0 {
		return nil
	}
	a := c.audit
	if a.closed.Load() {
		return fmt.Errorf("audit: %w", storage.ErrClosed)
	}
	data, err := json.Marshal(evs)
	if err != nil {
		return err
	}
	if _, err := a.j.Append(data); err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	select {
	case a.wake <- struct{}{}:
	default:
	}
	return nil
}

// FlushAudit moves the recorded events into the audit tables now (tests,
// shutdown).
func (c *Catalog) FlushAudit(ctx context.Context) error { return c.audit.flush(ctx) }

func (a *auditLog) run() {
	defer close(a.done)
	for {
		select {
		case <-a.wake:
		case <-a.stop:
			return
		}
		// Let the events of this interval gather: one catalog write for all.
		select {
		case <-time.After(auditFlushEvery):
		case <-a.stop:
			return
		}
		if err := a.flush(context.Background()); err != nil {
			a.c.log.Error("audit: write failed", "err", err)
		}
	}
}

func (a *auditLog) flush(ctx context.Context) error {
	a.flushMu.Lock()
	defer a.flushMu.Unlock()
	recs := a.j.Pending()
	if len(recs) == 0 {
		return nil
	}
	byProvider := map[TenantID][]AuditEvent{}
	var order []TenantID
	for _, r := range recs {
		var evs []AuditEvent
		if err := json.Unmarshal(r.Data, &evs); err != nil {
			// Checksummed, so written by another version: keep going.
			a.c.log.Error("audit: undecodable journal record skipped", "seq", r.Seq, "err", err)
			continue
		}
		for _, ev := range evs {
			if _, ok := byProvider[ev.Provider]; !ok {
				order = append(order, ev.Provider)
			}
			byProvider[ev.Provider] = append(byProvider[ev.Provider], ev)
		}
	}
	last := recs[len(recs)-1].Seq
	err := a.c.Update(ctx, System, func(tx *Tx) error {
		for _, p := range order {
			var t Tenant
			ok, err := tx.byID(uint64(p), &t)
			if err != nil {
				return err
			}
			if !ok || t.AuditTable == 0 {
				continue // the provider is gone
			}
			rec := auditRecord(byProvider[p])
			err = tx.st.Append(ctx, storage.TableID(t.AuditTable), rec)
			rec.Release()
			if err != nil {
				return err
			}
		}
		return tx.bucket(bucketMeta).Put(auditApplied, binary.BigEndian.AppendUint64(nil, last))
	})
	if err != nil {
		return err
	}
	a.j.Release(last)
	return nil
}

func auditRecord(evs []AuditEvent) arrow.Record {
	b := array.NewRecordBuilder(memory.DefaultAllocator, auditSchema)
	defer b.Release()
	for _, ev := range evs {
		b.Field(0).(*array.TimestampBuilder).Append(arrow.Timestamp(ev.Time.UnixMicro()))
		b.Field(1).(*array.StringBuilder).Append(ev.EventType)
		b.Field(2).(*array.StringBuilder).Append(ev.Recipient)
		b.Field(3).(*array.StringBuilder).Append(ev.Share)
		b.Field(4).(*array.StringBuilder).Append(ev.Table)
		b.Field(5).(*array.Int64Builder).Append(ev.Rows)
		b.Field(6).(*array.Int64Builder).Append(ev.Bytes)
		b.Field(7).(*array.Int64Builder).Append(ev.DurationMS)
		b.Field(8).(*array.StringBuilder).Append(ev.ClientAddr)
		b.Field(9).(*array.StringBuilder).Append(ev.Status)
		b.Field(10).(*array.StringBuilder).Append(ev.SQLState)
	}
	return b.NewRecord()
}

// Close stops the audit writer after moving what is recorded into the
// tables (what it cannot move stays in the journal for the next Open).
// The store is closed by its owner afterwards.
func (c *Catalog) Close() error {
	a := c.audit
	if a.closed.Swap(true) {
		return nil
	}
	close(a.stop)
	<-a.done
	err := a.flush(context.Background())
	if cerr := a.j.Close(); err == nil {
		err = cerr
	}
	return err
}

// AuditOwner returns whose audit log records the logins of user, and the
// name the events carry: a tenant's own log under its name, or the
// provider's for its token recipient under the recipient's name (a login
// as provider.recipient is recorded as recipient, as its reads are). ok is
// false for a name that is neither.
func (tx *Tx) AuditOwner(user string) (owner TenantID, name string, ok bool, err error) {
	t, ok, err := tx.TenantByName(user)
	if err != nil || ok {
		return t.ID, user, ok, err
	}
	r, ok, err := tx.TokenLogin(user)
	if err != nil || !ok {
		return 0, "", false, err
	}
	return r.Owner, r.Name, true, nil
}

// RefusalVia returns the share a statement of the principal was refused
// in, when it named database: for a token recipient its provider's share
// of that name (every database a recipient names is one of its provider's
// shares, granted or not any more), for a tenant the share its mount of
// that name stands for. ok is false when the database is none of these:
// the refusal concerns no provider.
func (tx *Tx) RefusalVia(database string) (via ShareVia, ok bool, err error) {
	if tx.who.Recipient != 0 {
		return ShareVia{Share: database, Provider: tx.TenantName(tx.who.Provider), ProviderID: tx.who.Provider}, true, nil
	}
	if tx.who.Tenant == 0 {
		return ShareVia{}, false, nil
	}
	var d Database
	found, err := get(tx.bucket(bucketDatabases), key(uint64(tx.who.Tenant), database), &d)
	if err != nil || !found || d.Mount == 0 {
		return ShareVia{}, false, err
	}
	var s Share
	if found, err = tx.byID(uint64(d.Mount), &s); err != nil || !found {
		return ShareVia{}, false, err
	}
	return ShareVia{Share: s.Name, Provider: tx.TenantName(s.Owner), ProviderID: s.Owner}, true, nil
}
