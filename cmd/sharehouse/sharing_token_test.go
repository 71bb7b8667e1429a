package main

// End-to-end tests of credential lifetimes: token expiry (with open
// sessions), activation link expiry, and ROTATE TOKEN with and without a
// grace period. The server runs with short --token-lifetime and
// --activation-lifetime; the tests wait for the clock, never sleep a guess.

import (
	"strings"
	"testing"
	"time"
)

// waitLoginCode polls fresh logins with cred until one fails with code.
func waitLoginCode(t *testing.T, cred shareCredential, share, code string, timeout time.Duration) {
	t.Helper()
	waitFor(t, "a login as "+cred.User+" to fail with "+code, timeout, func() bool {
		pe, ok := asPgError(loginErr(t, cred, share))
		return ok && pe.Code == code
	})
}

func TestSharingTokenExpiry(t *testing.T) {
	t.Parallel()
	const tokenLifetime, linkLifetime = 5 * time.Second, 2 * time.Second
	s := startServer(t, withArgs("--token-lifetime", tokenLifetime.String(), "--activation-lifetime", linkLifetime.String()))
	s.mustCreateTenant(t, "prov")
	s.mustCreateTenant(t, "globex")
	prov := s.tenant(t, "prov", "postgres")
	mustExec(t, prov, "CREATE TABLE orders (id bigint)")
	mustExec(t, prov, "INSERT INTO orders VALUES (1), (2)")
	mustExec(t, prov, "CREATE SHARE sh")
	mustExec(t, prov, "ALTER SHARE sh ADD TABLE postgres.public.orders")
	mustExec(t, prov, "ALTER SHARE sh ADD TENANTS = globex")
	globex := s.tenant(t, "globex", "postgres")
	mustExec(t, globex, "CREATE DATABASE m FROM SHARE prov.sh")

	// A link not used in time is gone like a used one.
	created := time.Now()
	late := mustCreateRecipient(t, prov, "CREATE RECIPIENT late_corp")
	mustExec(t, prov, "GRANT SELECT ON SHARE sh TO RECIPIENT late_corp")

	link := mustCreateRecipient(t, prov, "CREATE RECIPIENT acme")
	mustExec(t, prov, "GRANT SELECT ON SHARE sh TO RECIPIENT acme")
	cred := mustActivate(t, link)
	expires, err := cred.expires()
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Until(expires); d <= 0 || d > tokenLifetime+time.Second {
		t.Errorf("expirationTime %s is %v away, want within --token-lifetime %v", cred.ExpirationTime, d, tokenLifetime)
	}
	acme := recipientConnect(t, cred, "sh")
	if n := queryInt64(t, acme, "SELECT count(*) FROM public.orders"); n != 2 {
		t.Fatalf("acme counts %d", n)
	}
	if rows := mustQueryBoth(t, prov, "DESCRIBE RECIPIENT acme"); len(rows) != 1 || rows[0][3] != "ACTIVATED" {
		t.Errorf("DESCRIBE RECIPIENT before expiry: %q", rows)
	}

	t.Run("an expired activation link is refused", func(t *testing.T) {
		waitFor(t, "the activation lifetime to pass", 2*linkLifetime+30*time.Second, func() bool {
			return time.Since(created) > linkLifetime+500*time.Millisecond
		})
		wantActivationGone(t, late)
	})

	t.Run("an expired token is 28P01, and an open session loses access", func(t *testing.T) {
		waitLoginCode(t, cred, "sh", "28P01", tokenLifetime+30*time.Second)
		if time.Now().Before(expires) {
			t.Errorf("the token stopped working at %s, before its expirationTime %s", time.Now().UTC().Format(time.RFC3339), cred.ExpirationTime)
		}
		wantAbsent(t, queryErr(acme, "SELECT count(*) FROM public.orders"))
		if rows := mustQueryBoth(t, prov, "DESCRIBE RECIPIENT acme"); len(rows) != 1 || rows[0][3] != "EXPIRED" {
			t.Errorf("DESCRIBE RECIPIENT after expiry: %q", rows)
		}
		// The tenant consumer has no token and is untouched.
		if n := queryInt64(t, globex, "SELECT count(*) FROM m.public.orders"); n != 2 {
			t.Errorf("globex counts %d", n)
		}
		// A new link restores access with a new token.
		rows := mustQueryDefault(t, prov, "ALTER RECIPIENT acme ROTATE TOKEN")
		fresh := mustActivate(t, rows[0][len(rows[0])-1])
		if n := queryInt64(t, recipientConnect(t, fresh, "sh"), "SELECT count(*) FROM public.orders"); n != 2 {
			t.Errorf("after a new activation acme counts %d", n)
		}
	})
}

func TestSharingTokenRotation(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	s.mustCreateTenant(t, "prov")
	prov := s.tenant(t, "prov", "postgres")
	mustExec(t, prov, "CREATE TABLE orders (id bigint)")
	mustExec(t, prov, "INSERT INTO orders VALUES (1)")
	mustExec(t, prov, "CREATE SHARE sh")
	mustExec(t, prov, "ALTER SHARE sh ADD TABLE orders")
	link := mustCreateRecipient(t, prov, "CREATE RECIPIENT acme")
	mustExec(t, prov, "GRANT SELECT ON SHARE sh TO RECIPIENT acme")
	other := mustActivate(t, mustCreateRecipient(t, prov, "CREATE RECIPIENT bystander"))
	mustExec(t, prov, "GRANT SELECT ON SHARE sh TO RECIPIENT bystander")
	bystander := recipientConnect(t, other, "sh")

	rotate := func(t *testing.T, sql string) string {
		t.Helper()
		rows := mustQueryDefault(t, prov, sql)
		if len(rows) != 1 || !strings.Contains(rows[0][len(rows[0])-1], "/activate/") {
			t.Fatalf("%s returned %q, want a row with the new activation_link", sql, rows)
		}
		return rows[0][len(rows[0])-1]
	}
	// Rotating before activation replaces the pending link.
	link2 := rotate(t, "ALTER RECIPIENT acme ROTATE TOKEN")
	wantActivationGone(t, link)
	old := mustActivate(t, link2)
	oldSession := recipientConnect(t, old, "sh")

	t.Run("EXPIRE EXISTING IN n SECONDS keeps the old token until then", func(t *testing.T) {
		const grace = 4 * time.Second
		start := time.Now()
		link3 := rotate(t, "ALTER RECIPIENT acme ROTATE TOKEN EXPIRE EXISTING IN 4 SECONDS")
		// Within the grace period both work: the old token for new
		// logins and open sessions, the new link once.
		errOld := loginErr(t, old, "sh")
		errSession := queryErr(oldSession, "SELECT * FROM orders")
		if time.Since(start) < grace {
			if errOld != nil || errSession != nil {
				t.Errorf("within the grace period the old token fails: login %v, session %v", errOld, errSession)
			}
		}
		fresh := mustActivate(t, link3)
		wantActivationGone(t, link3)
		freshSession := recipientConnect(t, fresh, "sh")

		waitLoginCode(t, old, "sh", "28P01", grace+30*time.Second)
		if time.Since(start) < grace-time.Second {
			t.Errorf("the old token stopped after %v, want about %v", time.Since(start), grace)
		}
		wantAbsent(t, queryErr(oldSession, "SELECT * FROM orders"))
		if n := queryInt64(t, freshSession, "SELECT count(*) FROM orders"); n != 1 {
			t.Errorf("the new token's session counts %d", n)
		}
		if err := loginErr(t, fresh, "sh"); err != nil {
			t.Errorf("login with the new token: %v", err)
		}

		t.Run("without a grace period the current token ends at once", func(t *testing.T) {
			link4 := rotate(t, "ALTER RECIPIENT acme ROTATE TOKEN")
			wantAbsent(t, queryErr(freshSession, "SELECT * FROM orders"))
			wantCode(t, loginErr(t, fresh, "sh"), "28P01")
			newest := mustActivate(t, link4)
			if n := queryInt64(t, recipientConnect(t, newest, "sh"), "SELECT count(*) FROM orders"); n != 1 {
				t.Errorf("the newest token's session counts %d", n)
			}
		})
	})

	// The other recipient never noticed.
	if n := queryInt64(t, bystander, "SELECT count(*) FROM orders"); n != 1 {
		t.Errorf("bystander counts %d", n)
	}
	if err := loginErr(t, other, "sh"); err != nil {
		t.Errorf("bystander's login: %v", err)
	}
}
