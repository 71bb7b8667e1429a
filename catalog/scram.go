package catalog

import (
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/sha256"
	"fmt"
	"io"
)

// SCRAM is a SCRAM-SHA-256 verifier (RFC 5802, RFC 7677): what the server
// needs to check a password proof without ever holding the password.
type SCRAM struct {
	Salt       []byte `json:"salt"`
	Iterations int    `json:"iterations"`
	StoredKey  []byte `json:"stored_key"`
	ServerKey  []byte `json:"server_key"`
}

// SCRAMIterations is PostgreSQL's default (scram_iterations = 4096).
const SCRAMIterations = 4096

const scramIterations = SCRAMIterations

// newSCRAM derives a verifier for password with a fresh random salt.
func newSCRAM(rand io.Reader, password string) (SCRAM, error) {
	salt := make([]byte, 16)
	if _, err := io.ReadFull(rand, salt); err != nil {
		return SCRAM{}, fmt.Errorf("catalog: salt: %w", err)
	}
	salted, err := pbkdf2.Key(sha256.New, password, salt, scramIterations, sha256.Size)
	if err != nil {
		return SCRAM{}, err
	}
	clientKey := hmacSHA256(salted, "Client Key")
	stored := sha256.Sum256(clientKey)
	return SCRAM{
		Salt:       salt,
		Iterations: scramIterations,
		StoredKey:  stored[:],
		ServerKey:  hmacSHA256(salted, "Server Key"),
	}, nil
}

func hmacSHA256(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}

// scramWithSalt derives a verifier for secret with a given salt (all of a
// recipient's tokens share its salt).
func scramWithSalt(secret string, salt []byte) (SCRAM, error) {
	salted, err := pbkdf2.Key(sha256.New, secret, salt, scramIterations, sha256.Size)
	if err != nil {
		return SCRAM{}, err
	}
	clientKey := hmacSHA256(salted, "Client Key")
	stored := sha256.Sum256(clientKey)
	return SCRAM{Salt: salt, Iterations: scramIterations, StoredKey: stored[:], ServerKey: hmacSHA256(salted, "Server Key")}, nil
}
