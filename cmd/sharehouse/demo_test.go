package main

import (
	"slices"
	"testing"
)

func TestDemo(t *testing.T) {
	t.Parallel()
	s := startServer(t, withArgs("--demo"))
	conn := s.admin(t, "postgres")
	if n := queryInt64(t, conn, "SELECT count(*) FROM gold.finance.orders"); n != 5000 {
		t.Errorf("gold.finance.orders has %d rows, want 5000", n)
	}
	if n := queryInt64(t, conn, "SELECT count(*) FROM gold.finance.returns"); n == 0 {
		t.Error("gold.finance.returns is empty")
	}
	if n := queryInt64(t, conn, "SELECT count(*) FROM silver.inventory.stock_levels"); n != 2000 {
		t.Errorf("silver.inventory.stock_levels has %d rows, want 2000", n)
	}
	gold := s.admin(t, "gold")
	got := queryStrings(t, gold, "SELECT status || ':' || count(*)::text FROM finance.orders GROUP BY status ORDER BY status")
	if want := []string{"cancelled:300", "open:700", "shipped:4000"}; !slices.Equal(got, want) {
		t.Errorf("orders by status %q, want %q", got, want)
	}
	if n := queryInt64(t, gold, "SELECT count(*) FROM finance.orders WHERE amount < 0 OR amount >= 1000"); n != 0 {
		t.Errorf("%d orders with an amount outside [0, 1000)", n)
	}
	out := s.mustPsql(t, "admin", adminPassword, "gold", "", "-c", "SELECT customer, sum(amount) FROM finance.orders GROUP BY 1 ORDER BY 2 DESC LIMIT 3")
	if len(out) == 0 {
		t.Error("psql printed nothing for the demo query")
	}

	// --demo on a data directory that is not empty loads nothing again.
	s.stop(t)
	s.restart(t)
	conn = s.admin(t, "postgres")
	if n := queryInt64(t, conn, "SELECT count(*) FROM gold.finance.orders"); n != 5000 {
		t.Errorf("after a restart with --demo: %d orders, want 5000", n)
	}
}
