package executor

import (
	"strconv"
	"strings"

	"github.com/apache/arrow/go/v17/arrow/array"
)

// Lookups without parsing: ->, ->>, #>, #>> and the extract_path functions
// walk the document's text to the value they want and return its span,
// skipping everything else, so a field of a large document costs no
// allocation. Documents here are valid JSON (json and jsonb values are
// checked on input).

// skipWS returns the first index at or after i that is not white space.
func skipWS(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
		i++
	}
	return i
}

// skipValue returns the end of the value starting at s[i].
func skipValue(s string, i int) int {
	if i >= len(s) {
		return i
	}
	switch s[i] {
	case '"':
		return skipString(s, i)
	case '{', '[':
		depth := 0
		for i < len(s) {
			switch s[i] {
			case '"':
				i = skipString(s, i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return i
	}
	for i < len(s) && !strings.ContainsRune(" \t\n\r,}]:", rune(s[i])) {
		i++
	}
	return i
}

// skipString returns the end of the string starting at s[i].
func skipString(s string, i int) int {
	for i++; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return i
}

// stringValue decodes a JSON string's text (quotes included).
func stringValue(raw string) string {
	if strings.IndexByte(raw, '\\') < 0 {
		return raw[1 : len(raw)-1]
	}
	n, err := (&jparser{s: raw}).string()
	if err != nil {
		return raw
	}
	return n
}

// lookupField is an object's value for key (the last of duplicates).
func lookupField(doc, key string) (string, bool) {
	i := skipWS(doc, 0)
	if i >= len(doc) || doc[i] != '{' {
		return "", false
	}
	var found string
	ok := false
	for i = skipWS(doc, i+1); i < len(doc) && doc[i] == '"'; {
		ke := skipString(doc, i)
		k := doc[i:ke]
		vs := skipWS(doc, skipWS(doc, ke)+1) // past the colon
		ve := skipValue(doc, vs)
		if len(k) >= 2 && (k[1:len(k)-1] == key || strings.IndexByte(k, '\\') >= 0 && stringValue(k) == key) {
			found, ok = doc[vs:ve], true
		}
		i = skipWS(doc, ve)
		if i < len(doc) && doc[i] == ',' {
			i = skipWS(doc, i+1)
		}
	}
	return found, ok
}

// lookupElem is an array's element k (from the end when negative).
func lookupElem(doc string, k int) (string, bool) {
	i := skipWS(doc, 0)
	if i >= len(doc) || doc[i] != '[' {
		return "", false
	}
	var spans [][2]int
	for i = skipWS(doc, i+1); i < len(doc) && doc[i] != ']'; {
		e := skipValue(doc, i)
		if k >= 0 && len(spans) == k {
			return doc[i:e], true
		}
		spans = append(spans, [2]int{i, e})
		i = skipWS(doc, e)
		if i < len(doc) && doc[i] == ',' {
			i = skipWS(doc, i+1)
		}
	}
	if k < 0 {
		k += len(spans)
	}
	if k < 0 || k >= len(spans) {
		return "", false
	}
	return doc[spans[k][0]:spans[k][1]], true
}

// lookupPath follows a path of keys and array subscripts.
func lookupPath(doc string, steps []*string) (string, bool) {
	cur := strings.Trim(doc, " \t\n\r")
	for _, s := range steps {
		if s == nil || cur == "" {
			return "", false
		}
		var ok bool
		switch cur[0] {
		case '{':
			cur, ok = lookupField(cur, *s)
		case '[':
			k, err := strconv.Atoi(strings.TrimSpace(*s))
			if err != nil {
				return "", false
			}
			cur, ok = lookupElem(cur, k)
		}
		if !ok {
			return "", false
		}
	}
	return cur, true
}

// rawScalarText is ->>'s text of a value's span: a string unquoted, null
// as NULL (ok false).
func rawScalarText(raw string) (string, bool) {
	switch {
	case raw == "null":
		return "", false
	case raw != "" && raw[0] == '"':
		return stringValue(raw), true
	}
	return raw, true
}

// appendRaw appends an extracted value's span (NULL when missing), as
// text for the ->> forms.
func appendRaw(b array.Builder, raw string, ok, asText bool) {
	sb := b.(*array.StringBuilder)
	if ok && asText {
		raw, ok = rawScalarText(raw)
	}
	if !ok {
		sb.AppendNull()
		return
	}
	sb.Append(raw)
}
