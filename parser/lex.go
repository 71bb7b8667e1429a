package parser

import (
	"strconv"
	"strings"
	"unicode/utf8"

	pg_query "github.com/pganalyze/pg_query_go/v6"
)

// Kinds of keyword in keywordKind (UNRESERVED keywords are not listed).
const (
	kwColName uint8 = iota + 1
	kwTypeFuncName
	kwReserved
)

type tokKind uint8

const (
	tokEOF    tokKind = iota
	tokWord           // an unquoted identifier or keyword; text is folded to lower case
	tokQuoted         // a "quoted identifier"; text is its name
	tokString         // a string constant; text is its value
	tokNumber         // an integer or numeric constant; text is as written
	tokPunct          // one character of punctuation: . , = ( ) ;
	tokOther          // anything the own grammar has no use for
)

// token is one token of PostgreSQL's scanner, decoded for the own grammar.
type token struct {
	kind tokKind
	text string // decoded, see tokKind
	pos  int    // byte offset of the token in the whole input
	raw  string // the token as written; PostgreSQL quotes it in "at or near"
	kw   pg_query.KeywordKind
}

// isComment reports whether the scanner token is a comment, which is
// whitespace to both grammars.
func isComment(t *pg_query.ScanToken) bool {
	return t.Token == pg_query.Token_SQL_COMMENT || t.Token == pg_query.Token_C_COMMENT
}

// makeToken decodes the scanner token t of input.
func makeToken(input string, t *pg_query.ScanToken) token {
	raw := input[t.Start:t.End]
	tk := token{pos: int(t.Start), raw: raw, kw: t.KeywordKind, kind: tokOther, text: raw}
	switch {
	case t.KeywordKind != pg_query.KeywordKind_NO_KEYWORD:
		tk.kind, tk.text = tokWord, foldIdent(raw)
	case t.Token == pg_query.Token_IDENT:
		if strings.HasPrefix(raw, `"`) {
			tk.kind, tk.text = tokQuoted, truncateIdent(strings.ReplaceAll(raw[1:len(raw)-1], `""`, `"`))
		} else {
			tk.kind, tk.text = tokWord, truncateIdent(foldIdent(raw))
		}
	case t.Token == pg_query.Token_SCONST:
		if s, ok := decodeString(raw); ok && validText(s) {
			tk.kind, tk.text = tokString, s
		}
	case t.Token == pg_query.Token_ICONST || t.Token == pg_query.Token_FCONST:
		tk.kind = tokNumber
	case len(raw) == 1 && strings.ContainsRune(".,=();", rune(raw[0])):
		tk.kind = tokPunct
	}
	return tk
}

// foldIdent folds an unquoted identifier as PostgreSQL does for UTF-8:
// ASCII letters only.
func foldIdent(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'A' && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// decodeString returns the value of a string constant as PostgreSQL's
// scanner wrote it: '…' (with doubled quotes, and continued across a newline),
// E'…', N'…' and dollar quotes. ok is false for a form it does not decode.
func decodeString(raw string) (string, bool) {
	if raw == "" {
		return "", false
	}
	switch raw[0] {
	case '$':
		end := strings.IndexByte(raw[1:], '$')
		if end < 0 {
			return "", false
		}
		tag := raw[:end+2]
		if len(raw) < 2*len(tag) || !strings.HasSuffix(raw, tag) {
			return "", false
		}
		return raw[len(tag) : len(raw)-len(tag)], true
	case 'e', 'E':
		return decodeQuoted(raw[1:], true)
	case 'n', 'N':
		return decodeQuoted(raw[1:], false)
	case '\'':
		return decodeQuoted(raw, false)
	}
	return "", false
}

// validText reports whether s may be held in a database whose encoding is
// UTF-8, as PostgreSQL checks every string: valid and without NUL.
func validText(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}

// maxIdentLen is PostgreSQL's NAMEDATALEN-1: longer identifiers are truncated.
const maxIdentLen = 63

// truncateIdent cuts s to maxIdentLen bytes on a character boundary, as
// PostgreSQL's truncate_identifier does.
func truncateIdent(s string) string {
	if len(s) <= maxIdentLen {
		return s
	}
	n := maxIdentLen
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// decodeQuoted decodes one or more adjacent '…' parts (PostgreSQL joins
// quoted parts separated by whitespace containing a newline).
func decodeQuoted(s string, escapes bool) (string, bool) {
	var b strings.Builder
	i := 0
	for {
		if i >= len(s) || s[i] != '\'' {
			return "", false
		}
		i++
		for {
			if i >= len(s) {
				return "", false
			}
			c := s[i]
			if c == '\'' {
				if i+1 < len(s) && s[i+1] == '\'' {
					b.WriteByte('\'')
					i += 2
					continue
				}
				i++
				break
			}
			if c == '\\' && escapes {
				n, ok := decodeEscape(&b, s[i:])
				if !ok {
					return "", false
				}
				i += n
				continue
			}
			b.WriteByte(c)
			i++
		}
		if i == len(s) {
			return b.String(), true
		}
		// The scanner joins parts separated by whitespace with a newline,
		// where -- comments count as whitespace too.
		for i < len(s) && s[i] != '\'' {
			if s[i] == '-' && i+1 < len(s) && s[i+1] == '-' {
				for i < len(s) && s[i] != '\n' {
					i++
				}
				continue
			}
			i++
		}
	}
}

// decodeEscape decodes the backslash escape at the start of s, as in E'…'.
func decodeEscape(b *strings.Builder, s string) (int, bool) {
	if len(s) < 2 {
		return 0, false
	}
	switch c := s[1]; c {
	case 'b':
		b.WriteByte('\b')
	case 'f':
		b.WriteByte('\f')
	case 'n':
		b.WriteByte('\n')
	case 'r':
		b.WriteByte('\r')
	case 't':
		b.WriteByte('\t')
	case 'x':
		n := 2
		for n < 4 && n < len(s) && isHex(s[n]) {
			n++
		}
		if n == 2 {
			b.WriteByte('x')
			return 2, true
		}
		v, _ := strconv.ParseUint(s[2:n], 16, 8)
		b.WriteByte(byte(v))
		return n, true
	case 'u', 'U':
		w := 4
		if c == 'U' {
			w = 8
		}
		if len(s) < 2+w {
			return 0, false
		}
		v, err := strconv.ParseUint(s[2:2+w], 16, 32)
		if err != nil || !utf8.ValidRune(rune(v)) {
			return 0, false
		}
		b.WriteRune(rune(v))
		return 2 + w, true
	default:
		if c >= '0' && c <= '7' {
			n := 2
			for n < 4 && n < len(s) && s[n] >= '0' && s[n] <= '7' {
				n++
			}
			v, _ := strconv.ParseUint(s[1:n], 8, 16)
			b.WriteByte(byte(v))
			return n, true
		}
		b.WriteByte(c) // \\, \', and any other character stands for itself
	}
	return 2, true
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// quoteIdent returns s as an identifier that reads back as s: bare when it
// is a lower-case name that is not a keyword PostgreSQL would mistake, quoted
// otherwise, as PostgreSQL's quote_identifier does.
func quoteIdent(s string) string {
	safe := s != "" && (s[0] >= 'a' && s[0] <= 'z' || s[0] == '_')
	for i := 0; safe && i < len(s); i++ {
		c := s[i]
		safe = c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_'
	}
	if safe {
		if _, kw := keywordKind[s]; !kw {
			return s
		}
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// quoteString returns s as a standard string constant.
func quoteString(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
