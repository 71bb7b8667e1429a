package executor

import (
	"strings"

	"github.com/apache/arrow/go/v17/arrow"

	"github.com/sharehouse/sharehouse/catalog"
	"github.com/sharehouse/sharehouse/executor/sqlstate"
)

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

// audit writes one event per shared table the statement touched.
func (x *execution) audit(event string, rows, bytes int64, err error) {
	if len(x.shared) == 0 {
		return
	}
	status, code := "OK", ""
	if err != nil {
		status, code = "ERROR", string(sqlstate.CodeOf(translate(err)))
	}
	now := x.s.eng.now()
	for _, a := range x.shared {
		x.s.eng.cat.Audit(catalog.AuditEvent{
			Provider: a.via.ProviderID, Time: now, EventType: event,
			Recipient: x.s.who.Name, Share: a.via.Share, Table: a.table,
			Rows: rows, Bytes: bytes, DurationMS: now.Sub(x.started).Milliseconds(),
			ClientAddr: x.s.clientAddr, Status: status, SQLState: code,
		})
	}
	x.shared = nil
}

// recordBytes approximates what a batch weighs on the wire: its buffers.
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
