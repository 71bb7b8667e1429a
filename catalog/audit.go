package catalog

import (
	"context"
	"sync"
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

// auditLog batches events and appends them to their providers' audit
// tables in the background, so a consumer's read never waits for the
// writer; Close flushes what is pending.
type auditLog struct {
	c      *Catalog
	mu     sync.Mutex
	queue  []AuditEvent
	wake   chan struct{}
	done   chan struct{}
	closed bool
}

const auditFlushEvery = 200 * time.Millisecond

func newAuditLog(c *Catalog) *auditLog {
	a := &auditLog{c: c, wake: make(chan struct{}, 1), done: make(chan struct{})}
	go a.run()
	return a
}

// Audit records ev for its provider.
func (c *Catalog) Audit(ev AuditEvent) {
	a := c.audit
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return
	}
	a.queue = append(a.queue, ev)
	if len(a.queue) >= 1024 {
		select {
		case a.wake <- struct{}{}:
		default:
		}
	}
}

// FlushAudit writes the pending audit events now (tests, shutdown).
func (c *Catalog) FlushAudit(ctx context.Context) error { return c.audit.flush(ctx) }

func (a *auditLog) run() {
	defer close(a.done)
	t := time.NewTicker(auditFlushEvery)
	defer t.Stop()
	for {
		select {
		case <-t.C:
		case <-a.wake:
		}
		a.mu.Lock()
		closed := a.closed
		a.mu.Unlock()
		if err := a.flush(context.Background()); err != nil {
			a.c.log.Error("audit: write failed", "err", err)
		}
		if closed {
			return
		}
	}
}

func (a *auditLog) flush(ctx context.Context) error {
	a.mu.Lock()
	evs := a.queue
	a.queue = nil
	a.mu.Unlock()
	if len(evs) == 0 {
		return nil
	}
	byProvider := map[TenantID][]AuditEvent{}
	for _, ev := range evs {
		byProvider[ev.Provider] = append(byProvider[ev.Provider], ev)
	}
	return a.c.Update(ctx, System, func(tx *Tx) error {
		for p, evs := range byProvider {
			var t Tenant
			ok, err := tx.byID(uint64(p), &t)
			if err != nil {
				return err
			}
			if !ok || t.AuditTable == 0 {
				continue // the provider is gone
			}
			rec := auditRecord(evs)
			err = tx.st.Append(ctx, storage.TableID(t.AuditTable), rec)
			rec.Release()
			if err != nil {
				return err
			}
		}
		return nil
	})
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

// Close stops the audit writer after writing what is pending. The store
// is closed by its owner afterwards.
func (c *Catalog) Close() error {
	a := c.audit
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		return nil
	}
	a.closed = true
	a.mu.Unlock()
	select {
	case a.wake <- struct{}{}:
	default:
	}
	<-a.done
	return a.flush(context.Background())
}
