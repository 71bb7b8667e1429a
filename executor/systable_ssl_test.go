package executor

import (
	"context"
	"testing"
)

// TestPgStatSSL checks that a session sees its own connection's encryption
// in pg_stat_ssl, and NULLs with ssl = false on a plain connection.
func TestPgStatSSL(t *testing.T) {
	e, plain := testEngine(t)
	enc, err := e.NewSession(context.Background(), SessionOptions{User: "admin", Database: "postgres",
		TLS: &TLSInfo{Version: "TLSv1.3", Cipher: "TLS_AES_128_GCM_SHA256", Bits: 128}})
	if err != nil {
		t.Fatal(err)
	}
	const q = `SELECT ssl, version, cipher, bits, client_dn IS NULL FROM pg_stat_ssl WHERE pid = pg_backend_pid()`
	if got := flat(mustRun(t, enc, q)); got != "t,TLSv1.3,TLS_AES_128_GCM_SHA256,128,t" {
		t.Errorf("TLS session: %s", got)
	}
	if got := flat(mustRun(t, plain, q)); got != "f,NULL,NULL,NULL,t" {
		t.Errorf("plain session: %s", got)
	}
	// Each session sees only its own row.
	if got := flat(mustRun(t, enc, `SELECT count(*) FROM pg_stat_ssl`)); got != "1" {
		t.Errorf("rows: %s", got)
	}
}
