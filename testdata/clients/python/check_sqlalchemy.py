"""SQLAlchemy (Core, on psycopg2) against sharehouse, run by
cmd/sharehouse/clients_python_test.go as a provider and as a token
recipient: the PostgreSQL dialect's inspection (which reads pg_catalog)
and a Core select with bound parameters. It prints one "name: value" line
per fact; the Go test compares them with what PostgreSQL would answer.

    CHECK_ROLE=provider|recipient CHECK_URL=postgresql+psycopg2://... /usr/bin/python3 check_sqlalchemy.py
"""
import datetime
import decimal
import os
import sys

import sqlalchemy as sa


def say(name, value):
    print("%s: %s" % (name, value))


def columns(insp, table, schema):
    return ", ".join(
        "%s %r%s%s" % (c["name"], c["type"], "" if c["nullable"] else " NOT NULL",
                       "" if c.get("default") is None else " DEFAULT " + c["default"])
        for c in insp.get_columns(table, schema=schema))


def inspect_all(engine, prefix):
    insp = sa.inspect(engine)
    schemas = [s for s in insp.get_schema_names() if s != "information_schema"]
    say(prefix + "schemas", schemas)
    for schema in schemas:
        tables = insp.get_table_names(schema=schema)
        say(prefix + "tables " + schema, tables)
        say(prefix + "views " + schema, insp.get_view_names(schema=schema))
        for t in tables:
            say(prefix + "columns %s.%s" % (schema, t), columns(insp, t, schema))
            say(prefix + "pk %s.%s" % (schema, t), insp.get_pk_constraint(t, schema=schema))
            say(prefix + "indexes %s.%s" % (schema, t), insp.get_indexes(t, schema=schema))
            say(prefix + "fks %s.%s" % (schema, t), insp.get_foreign_keys(t, schema=schema))
            say(prefix + "uniques %s.%s" % (schema, t), insp.get_unique_constraints(t, schema=schema))
            say(prefix + "comment %s.%s" % (schema, t), insp.get_table_comment(t, schema=schema))
    return insp


def provider(engine):
    meta = sa.MetaData()
    orders = sa.Table(
        "orders", meta,
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("customer", sa.String(40)),
        sa.Column("amount", sa.Numeric(12, 2)),
        sa.Column("placed", sa.Date),
        sa.Column("at", sa.DateTime(timezone=True)),
        sa.Column("paid", sa.Boolean),
        sa.Index("orders_customer_idx", "customer"),
        schema="sales",
    )
    # An Integer primary key is SERIAL; the ids come back through RETURNING.
    notes = sa.Table(
        "notes", meta,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("body", sa.Text, server_default="none"),
        sa.Column("order_id", sa.BigInteger, sa.ForeignKey("sales.orders.id", ondelete="CASCADE")),
        schema="sales",
    )
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE SCHEMA sales"))
    meta.create_all(engine)
    with engine.begin() as conn:
        ids = [conn.execute(notes.insert().values(body=b)).inserted_primary_key[0] for b in ("x", "y")]
        say("inserted ids", ids)
        conn.execute(sa.text("COMMENT ON TABLE sales.orders IS 'orders of the sales team'"))
        conn.execute(orders.insert(), [
            {"id": 1, "customer": "acme", "amount": decimal.Decimal("10.50"), "placed": datetime.date(2024, 6, 1),
             "at": datetime.datetime(2024, 6, 1, 12, 0, tzinfo=datetime.timezone.utc), "paid": True},
            {"id": 2, "customer": "globex", "amount": decimal.Decimal("99.99"), "placed": datetime.date(2024, 6, 2),
             "at": datetime.datetime(2024, 6, 2, 12, 0, tzinfo=datetime.timezone.utc), "paid": False},
            {"id": 3, "customer": "acme", "amount": decimal.Decimal("0.01"), "placed": None, "at": None, "paid": None},
        ])
    insp = inspect_all(engine, "")
    say("has_table sales.orders", insp.has_table("orders", schema="sales"))
    say("has_table sales.nope", insp.has_table("nope", schema="sales"))
    core_select(engine, orders)


def core_select(engine, orders):
    q = (sa.select(orders.c.customer, sa.func.sum(orders.c.amount).label("total"), sa.func.count().label("n"))
         .where(orders.c.amount > sa.bindparam("min_amount"))
         .where(orders.c.customer.in_(["acme", "globex"]))
         .group_by(orders.c.customer)
         .order_by(orders.c.customer))
    with engine.connect() as conn:
        say("core select", [tuple(r) for r in conn.execute(q, {"min_amount": decimal.Decimal("0.001")})])
        row = conn.execute(sa.select(orders).where(orders.c.id == 1)).one()
        say("core row", dict(row._mapping))
        # stream_results reads through a server-side cursor in slices.
        streamed = conn.execution_options(stream_results=True, max_row_buffer=2).execute(
            sa.select(orders.c.id).order_by(orders.c.id.desc()))
        say("streamed", [r.id for r in streamed.yield_per(2)])


def recipient(engine):
    insp = inspect_all(engine, "")
    say("has_table sales.orders", insp.has_table("orders", schema="sales"))
    say("has_table sales.notes", insp.has_table("notes", schema="sales"))
    # The table as reflected from the recipient's own catalog.
    meta = sa.MetaData()
    orders = sa.Table("orders", meta, schema="sales", autoload_with=engine)
    say("reflected pk", [c.name for c in orders.primary_key.columns])
    core_select(engine, orders)
    try:
        with engine.begin() as conn:
            conn.execute(orders.insert(), {"id": 9})
        say("insert", "none")
    except sa.exc.DBAPIError as e:
        say("insert", e.orig.pgcode)


def main():
    engine = sa.create_engine(os.environ["CHECK_URL"], future=True)
    role = os.environ.get("CHECK_ROLE")
    if role == "provider":
        provider(engine)
    elif role == "recipient":
        recipient(engine)
    else:
        sys.exit("CHECK_ROLE must be provider or recipient, not %r" % role)
    engine.dispose()


if __name__ == "__main__":
    main()
