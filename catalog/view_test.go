package catalog

import (
	"context"
	"testing"
)

// TestViews: views share the tables' namespace and IDs, keep their ID when
// replaced, and hold the tables they read until CASCADE; storage never
// sees them (openTest's cleanup checks it).
func TestViews(t *testing.T) {
	c, _ := openTest(t)
	who := tenant(t, c, "prov")
	col := []Column{{Name: "id", Type: ColumnType{OID: 20, Typmod: -1}}}
	ref := func(n string) TableRef { return TableRef{DefaultDatabase, DefaultSchema, n} }
	var tbl, v1, v2 Table
	mustUpdate(t, c, who, func(tx *Tx) (err error) {
		if tbl, err = tx.CreateTable(ref("t"), col, ""); err != nil {
			return err
		}
		if v1, err = tx.CreateView(ref("v1"), col, ViewDef{Query: "SELECT 1", Deps: []TableID{tbl.ID}}, "", false); err != nil {
			return err
		}
		v2, err = tx.CreateView(ref("v2"), col, ViewDef{Query: "SELECT 2", Deps: []TableID{v1.ID}}, "", false)
		return err
	})
	err := c.Update(context.Background(), who, func(tx *Tx) error {
		_, err := tx.CreateView(ref("t"), col, ViewDef{Query: "SELECT 1"}, "", false)
		return err
	})
	if ce, ok := err.(*Error); !ok || ce.Kind != Exists {
		t.Errorf("view named as a table: %v", err)
	}
	mustUpdate(t, c, who, func(tx *Tx) error {
		again, err := tx.CreateView(ref("v1"), append(col, Column{Name: "x", Type: col[0].Type}), ViewDef{Query: "SELECT 1, 2", Deps: []TableID{tbl.ID}}, "", true)
		if err == nil && (again.ID != v1.ID || len(again.Columns) != 2) {
			t.Errorf("replaced view: %+v, was %+v", again, v1)
		}
		return err
	})
	for _, tc := range []struct {
		name string
		fn   func(tx *Tx) error
		kind Kind
	}{
		{"drop table read by a view", func(tx *Tx) error { return tx.DropTable(ref("t")) }, InUse},
		{"drop view read by a view", func(tx *Tx) error { _, err := tx.DropView(ref("v1"), false); return err }, InUse},
		{"drop table v1", func(tx *Tx) error { return tx.DropTable(ref("v1")) }, WrongType},
		{"drop view t", func(tx *Tx) error { _, err := tx.DropView(ref("t"), false); return err }, WrongType},
		{"snapshot of a view", func(tx *Tx) error { _, err := tx.Snapshot(v2); return err }, WrongType},
	} {
		err := c.Update(context.Background(), who, tc.fn)
		if ce, ok := err.(*Error); !ok || ce.Kind != tc.kind {
			t.Errorf("%s: %v, want kind %d", tc.name, err, tc.kind)
		}
	}
	mustUpdate(t, c, who, func(tx *Tx) error {
		dropped, err := tx.DropTableCascade(ref("t"))
		if err == nil && (len(dropped) != 2 || dropped[0] != "view v1" || dropped[1] != "view v2") {
			t.Errorf("cascade dropped %v", dropped)
		}
		return err
	})
	c.View(context.Background(), who, func(tx *Tx) error {
		if ts, err := tx.Tables(DefaultDatabase, DefaultSchema); err != nil || len(ts) != 0 {
			t.Errorf("after cascade: %v %v", ts, err)
		}
		return nil
	})
}
