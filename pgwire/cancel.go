package pgwire

import (
	"crypto/subtle"
	"encoding/binary"
	"fmt"
	"io"
)

// secretLen is the cancel key's length in protocol 3.0.
const secretLen = 4

// registerKey gives c a random process ID, unique among live connections,
// and a random secret: the BackendKeyData a CancelRequest must quote.
func (s *Server) registerKey(c *conn) error {
	var b [4 + secretLen]byte
	for {
		if _, err := io.ReadFull(s.rand, b[:]); err != nil {
			return fmt.Errorf("cancel key: %w", err)
		}
		// Positive and non-zero, like a real process ID: some clients
		// keep it in a signed int.
		pid := binary.BigEndian.Uint32(b[:4]) & 0x7fffffff
		if pid == 0 {
			continue
		}
		s.mu.Lock()
		if _, taken := s.keys[pid]; taken {
			s.mu.Unlock()
			continue
		}
		c.pid = pid
		c.secret = append([]byte(nil), b[4:]...)
		s.keys[pid] = c
		s.mu.Unlock()
		return nil
	}
}

// cancel serves a CancelRequest: the statement running on the connection
// with that key, if any, is cancelled. Nothing is ever answered, so a
// client learns nothing about other connections' keys; the secret is
// compared in constant time.
func (s *Server) cancel(pid uint32, secret []byte) {
	s.mu.Lock()
	c := s.keys[pid]
	s.mu.Unlock()
	if c == nil {
		return
	}
	// c.secret is written before c is published in keys, under s.mu.
	if subtle.ConstantTimeCompare(c.secret, secret) != 1 {
		return
	}
	c.log.Info("cancel request")
	c.cancelStatement()
}
