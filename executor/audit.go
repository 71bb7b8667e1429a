package executor

import (
	"context"
	"errors"
	"strings"
	"syscall"

	"github.com/apache/arrow/go/v17/arrow"

	"github.com/sharehouse/sharehouse/catalog"
	"github.com/sharehouse/sharehouse/executor/sqlstate"
)

// The audit (system.access.audit of each provider) has one event per
// consumer statement per shared table it touched: its kind as event_type
// (SELECT, COPY, EXPLAIN ANALYZE, FETCH, INSERT …), the rows and bytes the
// front end sent (Sent; EXPLAIN ANALYZE: the rows the query computed, of
// which nothing is sent), and OK or ERROR with the SQLSTATE. Refusals are
// events too: a statement of a consumer that fails with 42P01, 3F000, 3D000
// or 42501 naming a table in a shared database (a share revoked, a table
// removed) is recorded for that share's provider with the table as named;
// refused writes (25006) resolve their table and are recorded as any error.
// Logins are LOGIN events (AuditLogin) in the audit of the tenant logging
// in, or of the provider of a token recipient; a session a recipient
// opens on a database it may not read is a CONNECT event. Every event is
// durable before the statement is acknowledged (catalog.Record).

// sharedAccess is a shared table a statement resolved: its reads (and
// refused writes) are audited for the table's provider.
type sharedAccess struct {
	via   *catalog.ShareVia
	table string // as the consumer named it
}

// noteShared records that the statement touches t, when t is shared.
func (x *execution) noteShared(t catalog.Table, ref catalog.TableRef) {
	if t.Via == nil || t.Via.ProviderID == 0 {
		return
	}
	x.shared = append(x.shared, sharedAccess{via: t.Via, table: ref.Schema + "." + ref.Name})
}

// noteRefused records a table name the statement could not resolve: if
// the statement fails for it and the name is in a shared database, the
// refusal is audited for that share's provider.
func (x *execution) noteRefused(ref catalog.TableRef) {
	x.refused = append(x.refused, ref)
}

// refusalCodes are the answers that refuse a consumer a table: absent
// (never granted, revoked, removed) or not allowed.
var refusalCodes = map[sqlstate.Code]bool{
	sqlstate.UndefinedTable:        true,
	sqlstate.InvalidSchemaName:     true,
	sqlstate.InvalidCatalogName:    true,
	sqlstate.InsufficientPrivilege: true,
}

// audit records one event per shared table the statement touched (or, for
// a refused statement, per shared table it named) and returns once they
// are durable. An error means they are not: the statement must fail
// rather than be acknowledged.
func (x *execution) audit(event string, rows, bytes int64, err error) error {
	evs := x.auditEvents(event, rows, bytes, err)
	x.shared, x.refused = nil, nil
	if len(evs) == 0 {
		return nil
	}
	if rerr := x.s.eng.cat.Record(evs...); rerr != nil {
		x.s.log.Error("audit event not recorded", "err", rerr)
		code := sqlstate.IOError
		if errors.Is(rerr, syscall.ENOSPC) {
			code = sqlstate.DiskFull
		}
		return sqlstate.Wrap(rerr, code, "could not record the audit event of this statement")
	}
	return nil
}

func (x *execution) auditEvents(event string, rows, bytes int64, err error) []catalog.AuditEvent {
	status, code := "OK", sqlstate.Code("")
	if err != nil {
		status, code = "ERROR", sqlstate.CodeOf(translate(err))
	}
	now := x.s.eng.now()
	ev := func(via catalog.ShareVia, table string) catalog.AuditEvent {
		return catalog.AuditEvent{
			Provider: via.ProviderID, Time: now, EventType: event,
			Recipient: x.s.who.Name, Share: via.Share, Table: table,
			Rows: rows, Bytes: bytes, DurationMS: now.Sub(x.started).Milliseconds(),
			ClientAddr: x.s.clientAddr, Status: status, SQLState: string(code),
		}
	}
	var out []catalog.AuditEvent
	for _, a := range x.shared {
		out = append(out, ev(*a.via, a.table))
	}
	if len(out) > 0 || len(x.refused) == 0 || !refusalCodes[code] {
		return out
	}
	ctx := context.WithoutCancel(x.ctx)
	tx, done, terr := x.s.readTx(ctx)
	if terr != nil {
		x.s.log.Error("audit: cannot resolve a refused table", "err", terr)
		return nil
	}
	defer done()
	seen := map[catalog.TableRef]bool{}
	for _, ref := range x.refused {
		if seen[ref] {
			continue
		}
		seen[ref] = true
		via, ok, verr := tx.RefusalVia(ref.Database)
		if verr != nil {
			x.s.log.Error("audit: cannot resolve a refused table", "err", verr)
			continue
		}
		if ok {
			out = append(out, ev(via, ref.Schema+"."+ref.Name))
		}
	}
	return out
}

// AuditLogin records one authentication verdict in the audit log it
// belongs to: the tenant's own for a tenant (so a tenant sees its logins),
// the provider's for its token recipient. Failures that are no verdict on
// the credentials (the client left mid-exchange, as psql does before it
// asks for a password; a protocol error) are not recorded, nor logins of
// names that are no tenant or recipient (only the server log has them).
// It returns once the event is durable; a failure to record it is logged.
func (e *Engine) AuditLogin(ctx context.Context, ev LoginEvent) {
	status, code := "OK", sqlstate.Code("")
	if ev.Err != nil {
		code = sqlstate.CodeOf(ev.Err)
		if !strings.HasPrefix(string(code), "28") {
			return
		}
		status = "ERROR"
	}
	var owner catalog.TenantID
	var name string
	var ok bool
	err := e.cat.View(ctx, catalog.System, func(tx *catalog.Tx) error {
		var err error
		owner, name, ok, err = tx.AuditOwner(ev.User)
		return err
	})
	if err != nil {
		e.log.Error("audit: cannot resolve a login", "err", err)
		return
	}
	if !ok {
		return
	}
	err = e.cat.Record(catalog.AuditEvent{Provider: owner, Time: e.now(), EventType: "LOGIN",
		Recipient: name, Share: ev.Database, ClientAddr: ev.ClientAddr, Status: status, SQLState: string(code)})
	if err != nil {
		e.log.Error("audit: login not recorded", "err", err)
	}
}

// auditConnect records that a token recipient authenticated but was
// refused the database it asked for (a share revoked since, or never
// granted): the provider sees the attempt.
func (e *Engine) auditConnect(who catalog.Principal, db, clientAddr string, err error) {
	if who.Recipient == 0 {
		return
	}
	rerr := e.cat.Record(catalog.AuditEvent{Provider: who.Provider, Time: e.now(), EventType: "CONNECT",
		Recipient: who.Name, Share: db, ClientAddr: clientAddr, Status: "ERROR", SQLState: string(sqlstate.CodeOf(err))})
	if rerr != nil {
		e.log.Error("audit: refused connection not recorded", "err", rerr)
	}
}

// recordBytes is what a batch's buffers hold in memory.
func recordBytes(rec arrow.Record) int64 {
	var n int64
	for _, col := range rec.Columns() {
		for _, b := range col.Data().Buffers() {
			if b != nil {
				n += int64(b.Len())
			}
		}
	}
	return n
}

// statementKind is the audit's event type: the statement's first word.
func statementKind(sql string) string {
	f := strings.Fields(sql)
	if len(f) == 0 {
		return "STATEMENT"
	}
	return strings.ToUpper(f[0])
}
