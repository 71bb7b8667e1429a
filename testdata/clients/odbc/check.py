"""check.py drives sharehouse through psqlODBC with pyodbc, as ODBC
applications do (bound parameters, manual commit, catalog functions), and
prints what it sees as "kind|value|…" lines; cmd/sharehouse/clients_odbc_test.go
runs it as the provider and as a token recipient and checks the lines.

Usage: python3 check.py provider|recipient  (CHECK_CONN: the ODBC connection string)
"""
import datetime
import decimal
import os
import sys

import pyodbc


def out(*parts):
    print("|".join("NULL" if p is None else str(p) for p in parts))


def main():
    role = sys.argv[1]
    conn = pyodbc.connect(os.environ["CHECK_CONN"], autocommit=False)
    cur = conn.cursor()
    # SQLTables, SQLColumns, SQLPrimaryKeys, SQLStatistics.
    for r in cur.tables(tableType="TABLE"):
        out("table", r.table_schem, r.table_name)
    for r in cur.columns(table="items", schema="sales"):
        out("column", r.column_name, r.type_name, r.nullable)
    for r in cur.primaryKeys(table="items", schema="sales"):
        out("pk", r.column_name, r.key_seq, r.pk_name)
    for r in cur.statistics(table="items", schema="sales"):
        if r.index_name:
            out("index", r.index_name, r.non_unique, r.column_name)
    if role == "provider":
        # Bound parameters of several types, NULLs among them, in a
        # transaction that is rolled back, then one that commits.
        ins = "INSERT INTO sales.items (id, big, price, name, born, score) VALUES (?, ?, ?, ?, ?, ?)"
        cur.execute(ins, 40, 7000000000, decimal.Decimal("4.25"), "param, 'quoted'", datetime.date(2020, 2, 29), None)
        conn.rollback()
        cur.executemany(ins, [(41, None, decimal.Decimal("0.10"), "many 1", None, 0.5),
                              (42, -1, None, "many 2", datetime.date(2001, 1, 1), None)])
        conn.commit()
    rows = cur.execute("SELECT id, big, price, name, born, score FROM sales.items WHERE id >= ? AND name <> ? ORDER BY id",
                       40, "nobody").fetchall()
    for r in rows:
        out("row", *r)
    conn.commit()
    if role == "recipient":
        # psqlODBC wraps each statement of the transaction in a savepoint
        # and rolls back to it on error: the transaction goes on.
        try:
            cur.execute("INSERT INTO sales.items (id, name) VALUES (?, ?)", 99, "x")
            out("insert", "accepted")
        except pyodbc.Error as e:
            out("insert", e.args[0])
        out("after", cur.execute("SELECT count(*) FROM sales.items WHERE id >= ?", 40).fetchval())
        conn.rollback()
    conn.close()
    out("done")


main()
