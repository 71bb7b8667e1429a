package main

import (
	"context"
	"reflect"
	"testing"
)

// TestJSONOverTheWire: jsonb operators, a set-returning function reading a
// table's column and a jsonb aggregate through pgx's extended protocol,
// with parameters and jsonb decoded by the client (its binary format).
func TestJSONOverTheWire(t *testing.T) {
	s := startServer(t)
	conn := s.admin(t, "postgres")
	ctx := context.Background()
	mustExec(t, conn, `CREATE TABLE events (id int, doc jsonb)`)
	mustExec(t, conn, `INSERT INTO events VALUES ($1, $2), ($3, $4), (3, NULL)`,
		1, `{"kind": "click", "tags": ["a", "b"], "n": 2}`, 2, map[string]any{"kind": "view", "tags": []string{}})

	var ids []int32
	rows, err := conn.Query(ctx, `SELECT id FROM events WHERE doc @> $1 OR doc ? 'n' ORDER BY id`, `{"kind": "view"}`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int32
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(ids, []int32{1, 2}) {
		t.Errorf("@> or ?: ids %v, want [1 2]", ids)
	}

	var got map[string]any
	if err := conn.QueryRow(ctx, `SELECT jsonb_object_agg(e.id, t.value ORDER BY e.id) FROM events e, jsonb_array_elements_text(e.doc #> '{tags}') t`).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if want := map[string]any{"1": "b"}; !reflect.DeepEqual(got, want) {
		t.Errorf("jsonb_object_agg over jsonb_array_elements_text: %v, want %v", got, want)
	}

	var keys []string
	rows, err = conn.Query(ctx, `SELECT key || '=' || value FROM events, jsonb_each_text(events.doc) WHERE id = $1 ORDER BY key`, 1)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if want := []string{"kind=click", "n=2", `tags=["a", "b"]`}; !reflect.DeepEqual(keys, want) {
		t.Errorf("jsonb_each_text: %q, want %q", keys, want)
	}

	// Parameters take the types the operators' other operand asks for.
	var kind string
	var n int64
	if err := conn.QueryRow(ctx, `SELECT doc #>> $1, count(*) OVER () FROM events WHERE doc ? $2 AND jsonb_path_exists(doc, $3) AND doc -> $4 IS NOT NULL`,
		[]string{"kind"}, "n", `$.tags[*] ? (@ == "b")`, "tags").Scan(&kind, &n); err != nil {
		t.Fatal(err)
	}
	if kind != "click" || n != 1 {
		t.Errorf("#>> $1 with ? $2 and jsonb_path_exists: %q, %d rows; want click, 1", kind, n)
	}

	wantCode(t, queryErr(conn, `SELECT doc || '{"a":' FROM events`), "22P02")
	wantCode(t, queryErr(conn, `SELECT jsonb_array_length(doc) FROM events`), "22023")
	// The server keeps serving after the errors.
	if n := queryInt64(t, conn, `SELECT count(*) FROM events WHERE doc #>> '{kind}' = 'click'`); n != 1 {
		t.Errorf("#>>: %d rows, want 1", n)
	}
}
