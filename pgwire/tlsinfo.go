package pgwire

import (
	"crypto/tls"
	"net"
	"strings"

	"github.com/sharehouse/sharehouse/executor"
)

// tlsInfo describes nc's encryption for pg_stat_ssl, in the names
// PostgreSQL (OpenSSL) uses for versions; nil on a plain connection.
func tlsInfo(nc net.Conn) *executor.TLSInfo {
	tc, ok := nc.(*tls.Conn)
	if !ok {
		return nil
	}
	st := tc.ConnectionState()
	version := map[uint16]string{
		tls.VersionTLS10: "TLSv1", tls.VersionTLS11: "TLSv1.1",
		tls.VersionTLS12: "TLSv1.2", tls.VersionTLS13: "TLSv1.3",
	}[st.Version]
	cipher := tls.CipherSuiteName(st.CipherSuite)
	return &executor.TLSInfo{Version: version, Cipher: cipher, Bits: cipherBits(cipher)}
}

// cipherBits is the symmetric key length a cipher suite's name states.
func cipherBits(name string) int {
	switch {
	case strings.Contains(name, "AES_128"):
		return 128
	case strings.Contains(name, "AES_256"), strings.Contains(name, "CHACHA20"):
		return 256
	case strings.Contains(name, "3DES"):
		return 168
	}
	return 0
}
