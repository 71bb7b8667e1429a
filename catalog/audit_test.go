package catalog

import (
	"context"
	"testing"
	"time"

	"github.com/sharehouse/sharehouse/storage"
)

// auditRows counts the rows of tenant p's audit table.
func auditRows(t *testing.T, c *Catalog, p Principal) int64 {
	t.Helper()
	var n int64
	err := c.View(context.Background(), p, func(tx *Tx) error {
		tab, err := tx.Table(TableRef{Database: AuditDatabase, Schema: AuditSchema, Name: AuditTable})
		if err != nil {
			return err
		}
		snap, err := tx.Snapshot(tab)
		if err != nil {
			return err
		}
		defer snap.Release()
		n = snap.NumRows()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// Events recorded but not yet moved into the audit table when the process
// dies are applied by the next Open, exactly once.
func TestAuditJournalReplay(t *testing.T) {
	dir := t.TempDir()
	opts := storage.DefaultOptions()
	opts.NoSync = true
	ctx := context.Background()
	open := func() (*storage.Store, *Catalog) {
		st, err := storage.Open(dir, opts)
		if err != nil {
			t.Fatal(err)
		}
		c, err := Open(ctx, st, Config{})
		if err != nil {
			t.Fatal(err)
		}
		return st, c
	}
	st, c := open()
	prov := tenant(t, c, "prov")
	ev := AuditEvent{Provider: prov.Tenant, Time: time.Now(), EventType: "SELECT", Recipient: "r", Status: "OK"}
	if err := c.Record(ev, ev); err != nil {
		t.Fatal(err)
	}
	if err := c.FlushAudit(ctx); err != nil {
		t.Fatal(err)
	}
	// A crash: the writer stops, so the next event is durable in the
	// journal only; then the files are left as they are.
	a := c.audit
	close(a.stop)
	<-a.done
	if err := c.Record(ev); err != nil {
		t.Fatal(err)
	}
	if n := auditRows(t, c, prov); n != 2 {
		t.Fatalf("%d audit rows before the crash, want 2", n)
	}
	a.closed.Store(true)
	a.j.Close()
	st.Close()

	for range 2 { // the second reopen applies nothing twice
		st, c = open()
		if n := auditRows(t, c, prov); n != 3 {
			t.Fatalf("%d audit rows after a reopen, want 3", n)
		}
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
		st.Close()
	}
}
