package pgwire

import (
	"bytes"
	"crypto/pbkdf2"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"testing"

	"github.com/sharehouse/sharehouse/executor/sqlstate"
)

// RFC 7677 section 3: user "user", password "pencil".
const (
	rfcClientFirst = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO"
	rfcServerNonce = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"
	rfcServerFirst = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
	rfcClientFinal = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
	rfcServerFinal = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="
)

func rfcServer(t *testing.T) *scramServer {
	t.Helper()
	salt, err := base64.StdEncoding.DecodeString("W22ZaJ0SNY7soEsUEjb6gQ==")
	if err != nil {
		t.Fatal(err)
	}
	return newScramServer(scramCredential("pencil", salt, 4096), rfcServerNonce)
}

func TestSCRAMVector(t *testing.T) {
	s := rfcServer(t)
	first, err := s.clientFirst([]byte(rfcClientFirst))
	if err != nil || string(first) != rfcServerFirst {
		t.Fatalf("server-first %q, %v", first, err)
	}
	final, err := s.clientFinal([]byte(rfcClientFinal))
	if err != nil || string(final) != rfcServerFinal {
		t.Fatalf("server-final %q, %v", final, err)
	}
}

func TestSCRAMWrongPassword(t *testing.T) {
	salt, _ := base64.StdEncoding.DecodeString("W22ZaJ0SNY7soEsUEjb6gQ==")
	s := newScramServer(scramCredential("not pencil", salt, 4096), rfcServerNonce)
	if _, err := s.clientFirst([]byte(rfcClientFirst)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.clientFinal([]byte(rfcClientFinal)); !errors.Is(err, errSCRAMProof) {
		t.Fatalf("got %v, want wrong proof", err)
	}
}

func TestSCRAMMalformed(t *testing.T) {
	tests := []struct {
		name         string
		first, final string
		code         sqlstate.Code // of the first failing step
	}{
		{"empty", "", "", sqlstate.ProtocolViolation},
		{"no header", "n=user,r=abc", "", sqlstate.ProtocolViolation},
		{"channel binding", "p=tls-server-end-point,,n=,r=abc", "", sqlstate.ProtocolViolation},
		{"bad flag", "x,,n=,r=abc", "", sqlstate.ProtocolViolation},
		{"authzid", "n,a=bob,n=,r=abc", "", sqlstate.FeatureNotSupported},
		{"mandatory extension", "n,,m=x,n=,r=abc", "", sqlstate.ProtocolViolation},
		{"no nonce", "n,,n=user", "", sqlstate.ProtocolViolation},
		{"empty nonce", "n,,n=user,r=", "", sqlstate.ProtocolViolation},
		{"comma-free nonce with space", "n,,n=user,r=a b", "", sqlstate.ProtocolViolation},
		{"final without proof", rfcClientFirst, "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0", sqlstate.ProtocolViolation},
		{"final wrong binding", rfcClientFirst, "c=eSws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=", sqlstate.ProtocolViolation},
		{"final wrong nonce", rfcClientFirst, "c=biws,r=rOprNGfwEbeRWgbNEkqO,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=", sqlstate.ProtocolViolation},
		{"final short proof", rfcClientFirst, "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=AAAA", sqlstate.ProtocolViolation},
		{"final bad base64", rfcClientFirst, "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=!!", sqlstate.ProtocolViolation},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := rfcServer(t)
			_, err := s.clientFirst([]byte(tc.first))
			if err == nil {
				_, err = s.clientFinal([]byte(tc.final))
			}
			if err == nil || sqlstate.CodeOf(err) != tc.code {
				t.Fatalf("got %v (%s), want %s", err, sqlstate.CodeOf(err), tc.code)
			}
		})
	}
}

func TestSCRAMFinalBeforeFirst(t *testing.T) {
	if _, err := rfcServer(t).clientFinal([]byte(rfcClientFinal)); err == nil {
		t.Fatal("final accepted before first")
	}
}

// scramClientFinal computes client-final-message for password, as a client would.
func scramClientFinal(t *testing.T, password string, salt []byte, gs2 string, cbData []byte, clientFirstBare, serverFirst, nonce string) string {
	t.Helper()
	salted, err := pbkdf2.Key(sha256.New, password, salt, 4096, sha256.Size)
	if err != nil {
		t.Fatal(err)
	}
	clientKey := hmacSHA256(salted, "Client Key")
	stored := sha256.Sum256(clientKey)
	withoutProof := "c=" + base64.StdEncoding.EncodeToString(append([]byte(gs2), cbData...)) + ",r=" + nonce
	sig := hmacSHA256(stored[:], clientFirstBare+","+serverFirst+","+withoutProof)
	proof := make([]byte, len(sig))
	subtle.XORBytes(proof, clientKey, sig)
	return withoutProof + ",p=" + base64.StdEncoding.EncodeToString(proof)
}

func TestSCRAMChannelBinding(t *testing.T) {
	salt := []byte("0123456789abcdef")
	cbData := bytes.Repeat([]byte{7}, 32)
	tests := []struct {
		name     string
		offered  bool // PLUS offered (TLS)
		plus     bool // client chose PLUS
		gs2      string
		clientCB []byte
		code     sqlstate.Code // "" for success
	}{
		{"plus", true, true, "p=tls-server-end-point,,", cbData, ""},
		{"plus with other data", true, true, "p=tls-server-end-point,,", bytes.Repeat([]byte{8}, 32), sqlstate.ProtocolViolation},
		{"plus without binding", true, true, "n,,", nil, sqlstate.ProtocolViolation},
		{"plus with other binding type", true, true, "p=tls-unique,,", cbData, sqlstate.ProtocolViolation},
		{"plain on TLS", true, false, "n,,", nil, ""},
		{"downgrade", true, false, "y,,", nil, sqlstate.ProtocolViolation},
		{"y without TLS", false, false, "y,,", nil, ""},
		{"binding without plus", false, false, "p=tls-server-end-point,,", cbData, sqlstate.ProtocolViolation},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newScramServer(scramCredential("pw", salt, 4096), "SERVERNONCE")
			if tc.offered {
				s.cbData = cbData
			}
			s.plus = tc.plus
			bare := "n=,r=CLIENTNONCE"
			first, err := s.clientFirst([]byte(tc.gs2 + bare))
			if err == nil {
				final := scramClientFinal(t, "pw", salt, tc.gs2, tc.clientCB, bare, string(first), "CLIENTNONCESERVERNONCE")
				_, err = s.clientFinal([]byte(final))
			}
			if tc.code == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if sqlstate.CodeOf(err) != tc.code {
				t.Fatalf("got %v, want %s", err, tc.code)
			}
		})
	}
}
