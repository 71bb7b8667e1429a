"""psycopg2 against sharehouse, run by cmd/sharehouse/clients_python_test.go
as a provider and as a token recipient. It prints one "name: value" line per
fact; the Go test compares them with what PostgreSQL would answer.

    CHECK_ROLE=provider|recipient CHECK_DSN=postgresql://... /usr/bin/python3 check_psycopg2.py
"""
import datetime
import decimal
import io
import os
import sys

import psycopg2
import psycopg2.extras


def say(name, value):
    print("%s: %s" % (name, value))


def code_of(conn, sql, params=None):
    """The SQLSTATE sql fails with ("none" when it succeeds); rolls back."""
    try:
        with conn.cursor() as cur:
            cur.execute(sql, params)
        conn.commit()
        return "none"
    except psycopg2.Error as e:
        conn.rollback()
        return e.pgcode


def provider(conn):
    cur = conn.cursor()
    cur.execute("""CREATE TABLE prices (id bigint, sym text, px numeric(12,4), day date,
        at timestamptz, live boolean, qty integer, ratio double precision)""")
    cur.execute("CREATE TABLE hidden (x integer)")
    conn.commit()

    ins = "INSERT INTO prices VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
    utc = datetime.timezone.utc
    cur.execute(ins, (1, "ACME", decimal.Decimal("12.3456"), datetime.date(2024, 1, 2),
                      datetime.datetime(2024, 1, 2, 15, 30, 0, tzinfo=utc), True, 100, 0.25))
    cur.executemany(ins, [
        (2, "O'Brien", decimal.Decimal("-0.5"), datetime.date(2024, 2, 29),
         datetime.datetime(2024, 2, 29, 0, 0, 0, 123456, tzinfo=utc), False, -7, 1e10),
        (3, None, None, None, None, None, None, None),
    ])
    say("executemany rowcount", cur.rowcount)
    conn.commit()

    cur.execute("UPDATE prices SET qty = qty + %s WHERE id = %s RETURNING id, qty", (1, 1))
    say("update returning", "%d %r" % (cur.rowcount, cur.fetchall()))
    conn.commit()

    # json and jsonb: psycopg2's Json adapter in, Python objects out.
    doc = {"sym": "ACME", "tags": ["a", "b"], "px": 1.5, "none": None}
    cur.execute("SELECT %s::jsonb, %s::json -> 'tags' ->> 1, %s::jsonb ->> 'sym'",
                (psycopg2.extras.Json(doc), psycopg2.extras.Json(doc), psycopg2.extras.Json(doc)))
    say("json", repr(cur.fetchone()))
    conn.commit()

    # A rolled-back transaction leaves nothing.
    cur.execute(ins, (99, "GONE", 1, None, None, None, None, None))
    conn.rollback()
    cur.execute("SELECT count(*) FROM prices WHERE id = %(id)s", {"id": 99})
    say("after rollback", cur.fetchone()[0])

    # An error aborts the transaction until rollback.
    say("division", code_of(conn, "SELECT 1 / %s", (0,)))

    # COPY in through copy_expert, in CSV.
    data = "".join("%d,C%d,%d.5,2024-03-%02d,2024-03-01 00:00:00+00,true,%d,\n" % (i, i, i, i % 28 + 1, i) for i in range(10, 60))
    cur.copy_expert("COPY prices FROM STDIN WITH (FORMAT csv)", io.StringIO(data))
    say("copy rowcount", cur.rowcount)
    conn.commit()

    cur.execute("SELECT id, sym, px, day, at, live, qty, ratio FROM prices WHERE id < %s ORDER BY id", (10,))
    say("description", ",".join("%s:%d" % (d.name, d.type_code) for d in cur.description))
    for row in cur.fetchall():
        say("row %d" % row[0], repr(row))
    cur.execute("SELECT count(*), sum(px), min(day), max(at) FROM prices")
    say("totals", repr(cur.fetchone()))

    out = io.StringIO()
    cur.copy_expert("COPY (SELECT id, sym FROM prices WHERE id IN (1, 2, 3) ORDER BY id) TO STDOUT WITH (FORMAT csv)", out)
    say("copy out", repr(out.getvalue()))
    conn.commit()
    named_cursor(conn, "prices")


def named_cursor(conn, table):
    """A server-side (named) cursor: DECLARE, then FETCH in slices of itersize."""
    with conn.cursor("big_read") as nc:
        nc.itersize = 7
        nc.execute("SELECT id, px FROM %s WHERE id >= %%s ORDER BY id" % table, (10,))
        ids = [row[0] for row in nc]
    say("named cursor", "%d rows, ids %d..%d" % (len(ids), ids[0], ids[-1]))
    conn.commit()


def recipient(conn):
    cur = conn.cursor()
    cur.execute("SELECT count(*), sum(px) FROM public.prices WHERE live = %s", (True,))
    say("live", repr(cur.fetchone()))
    cur.execute("SELECT sym, day FROM public.prices WHERE day BETWEEN %s AND %s ORDER BY id",
                (datetime.date(2024, 1, 1), datetime.date(2024, 2, 29)))
    say("range", repr(cur.fetchall()))
    cur.execute("""SELECT table_schema, table_name FROM information_schema.tables
        WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2""")
    say("tables", repr(cur.fetchall()))
    conn.commit()
    say("insert", code_of(conn, "INSERT INTO public.prices (id) VALUES (%s)", (5,)))
    try:
        cur.executemany("UPDATE public.prices SET qty = %s WHERE id = %s", [(1, 1), (2, 2)])
        say("executemany update", "none")
    except psycopg2.Error as e:
        say("executemany update", e.pgcode)
    conn.rollback()
    try:
        cur.copy_expert("COPY public.prices (id) FROM STDIN", io.StringIO("8\n"))
        say("copy in", "none")
    except psycopg2.Error as e:
        say("copy in", e.pgcode)
    conn.rollback()
    say("hidden", code_of(conn, "SELECT * FROM public.hidden"))
    out = io.StringIO()
    cur.copy_expert("COPY public.prices (id) TO STDOUT", out)
    say("copy out lines", len(out.getvalue().splitlines()))
    named_cursor(conn, "public.prices")


def main():
    conn = psycopg2.connect(os.environ["CHECK_DSN"])
    try:
        role = os.environ.get("CHECK_ROLE")
        if role == "provider":
            provider(conn)
        elif role == "recipient":
            recipient(conn)
        else:
            sys.exit("CHECK_ROLE must be provider or recipient, not %r" % role)
    finally:
        conn.close()


if __name__ == "__main__":
    main()
