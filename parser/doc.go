// Package parser turns SQL text into statements.
//
// Ordinary SQL is parsed by PostgreSQL's own grammar through pg_query_go
// (cgo), so every client's SQL parses as it would in PostgreSQL, with
// PostgreSQL's error messages. The sharing and tenant statements (CREATE
// SHARE, GRANT … TO SHARE, CREATE RECIPIENT, CREATE DATABASE … FROM SHARE,
// SHOW SHARES, CREATE TENANT and their kin) are not PostgreSQL grammar: a
// small hand-written recursive-descent grammar parses them into the Own
// types of ast.go.
//
// Parse first runs PostgreSQL's scanner over the whole string, so strings,
// dollar quotes, quoted identifiers and comments are tokenised exactly as
// PostgreSQL does, then splits at top-level semicolons. Each statement is
// routed by its leading keywords (isOwn): own grammar or pg_query. The own
// grammar reads the scanner's tokens too, so identifiers fold and strings
// unescape as in PostgreSQL.
//
// Files:
//   - parser.go: Parse, Statement, SyntaxError, the split and pg_query errors.
//   - grammar.go: routing and the recursive-descent own grammar.
//   - ast.go: the own statements and their canonical String forms.
//   - lex.go: scanner tokens decoded; identifier and string quoting.
//   - keywords.go: PostgreSQL's non-unreserved keywords (generated).
//
// Invariants:
//   - Error positions (SyntaxError.Pos, Statement.Position) are 1-based
//     character positions in the whole string given to Parse, as PostgreSQL
//     reports them for a multi-statement query; 0 means unknown.
//   - An Own's String parses back to an equal value (FuzzParse checks it).
//   - Only this package and the executor's binding code import pg_query's
//     tree types; this package imports nothing of ours.
package parser
