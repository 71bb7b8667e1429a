package main

// psycopg2 and SQLAlchemy (Debian's python3-psycopg2 and
// python3-sqlalchemy, on Debian's /usr/bin/python3) against the real
// server, as a provider and as a token recipient: the programs under
// testdata/clients/python print what they saw and this test compares it
// with PostgreSQL's answers.

import (
	"os/exec"
	"testing"
)

// pythonDir holds the Python client checks, relative to this package.
const pythonDir = "../../testdata/clients/python"

// debianPython is the interpreter Debian's python3-* packages install into;
// a python3 earlier on PATH (pyenv, a venv) would not see them.
const debianPython = "/usr/bin/python3"

// requirePythonModule fails the test, naming the Debian package, unless
// Debian's python3 can import module.
func requirePythonModule(t *testing.T, module, pkg string) {
	t.Helper()
	requireTool(t, debianPython, "python3")
	if out, err := exec.Command(debianPython, "-c", "import "+module).CombinedOutput(); err != nil {
		t.Fatalf("%s cannot import %s (apt-get install %s; .ci/run installs it): %v\n%s", debianPython, module, pkg, err, out)
	}
}

func TestClientPython(t *testing.T) {
	t.Parallel()
	requirePythonModule(t, "psycopg2", "python3-psycopg2")
	requirePythonModule(t, "sqlalchemy", "python3-sqlalchemy")
	s := startServer(t)
	s.mustCreateTenant(t, "prov")
	provDSN := withSSLMode(t, s.url("prov", tenantPassword("prov"), "postgres"), "disable")
	run := func(program, role, dsn string) map[string]string {
		t.Helper()
		if program == "check_sqlalchemy.py" {
			dsn = "postgresql+psycopg2" + dsn[len("postgres"):]
		}
		env := []string{"CHECK_ROLE=" + role, "CHECK_DSN=" + dsn, "CHECK_URL=" + dsn, "PGTZ=UTC", "PYTHONDONTWRITEBYTECODE=1"}
		return clientFacts(t, runClient(t, pythonDir, env, debianPython, program))
	}

	wantFacts(t, "psycopg2 provider", run("check_psycopg2.py", "provider", provDSN), [][2]string{
		{"executemany rowcount", "2"},
		{"update returning", "1 [(1, 101)]"},
		{"json", "({'px': 1.5, 'sym': 'ACME', 'none': None, 'tags': ['a', 'b']}, 'b', 'ACME')"},
		{"after rollback", "0"},
		{"division", "22012"},
		{"copy rowcount", "50"},
		{"description", "id:20,sym:25,px:1700,day:1082,at:1184,live:16,qty:23,ratio:701"},
		{"row 1", "(1, 'ACME', Decimal('12.3456'), datetime.date(2024, 1, 2), datetime.datetime(2024, 1, 2, 15, 30, tzinfo=datetime.timezone.utc), True, 101, 0.25)"},
		{"row 2", `(2, "O'Brien", Decimal('-0.5000'), datetime.date(2024, 2, 29), datetime.datetime(2024, 2, 29, 0, 0, 0, 123456, tzinfo=datetime.timezone.utc), False, -7, 10000000000.0)`},
		{"row 3", "(3, None, None, None, None, None, None, None)"},
		{"totals", "(53, Decimal('1761.8456'), datetime.date(2024, 1, 2), datetime.datetime(2024, 3, 1, 0, 0, tzinfo=datetime.timezone.utc))"},
		{"copy out", `"1,ACME\n2,O'Brien\n3,\n"`},
		{"named cursor", "50 rows, ids 10..59"},
	})
	wantFacts(t, "SQLAlchemy provider", run("check_sqlalchemy.py", "provider", provDSN), [][2]string{
		{"schemas", "['public', 'sales']"},
		{"tables public", "['hidden', 'prices']"},
		{"tables sales", "['notes', 'orders']"},
		{"views sales", "[]"},
		{"columns sales.orders", "id BIGINT() NOT NULL, customer VARCHAR(length=40), amount NUMERIC(precision=12, scale=2), placed DATE(), at TIMESTAMP(timezone=True), paid BOOLEAN()"},
		{"inserted ids", "[1, 2]"},
		{"columns sales.notes", "id INTEGER() NOT NULL DEFAULT nextval('sales.notes_id_seq'::regclass), body TEXT() DEFAULT 'none'::text, order_id BIGINT()"},
		{"pk sales.notes", "{'constrained_columns': ['id'], 'name': 'notes_pkey'}"},
		{"fks sales.notes", "[{'name': 'notes_order_id_fkey', 'constrained_columns': ['order_id'], 'referred_schema': 'sales', 'referred_table': 'orders', 'referred_columns': ['id'], 'options': {'ondelete': 'CASCADE'}}]"},
		{"columns public.prices", "id BIGINT(), sym TEXT(), px NUMERIC(precision=12, scale=4), day DATE(), at TIMESTAMP(timezone=True), live BOOLEAN(), qty INTEGER(), ratio DOUBLE_PRECISION(precision=53)"},
		{"pk sales.orders", "{'constrained_columns': ['id'], 'name': 'orders_pkey'}"},
		{"indexes sales.orders", "[{'name': 'orders_customer_idx', 'unique': False, 'column_names': ['customer'], 'include_columns': [], 'dialect_options': {'postgresql_include': []}}]"},
		{"fks sales.orders", "[]"},
		{"uniques sales.orders", "[]"},
		{"comment sales.orders", "{'text': 'orders of the sales team'}"},
		{"has_table sales.orders", "True"},
		{"has_table sales.nope", "False"},
		{"core select", "[('acme', Decimal('10.51'), 2), ('globex', Decimal('99.99'), 1)]"},
		{"streamed", "[3, 2, 1]"},
		{"core row", "{'id': 1, 'customer': 'acme', 'amount': Decimal('10.50'), 'placed': datetime.date(2024, 6, 1), 'at': datetime.datetime(2024, 6, 1, 12, 0, tzinfo=datetime.timezone.utc), 'paid': True}"},
	})

	cred := shareWithRecipient(t, s.tenant(t, "prov", "postgres"), "py_share", "acme",
		"postgres.public.prices", "postgres.sales.orders")
	recDSN := withSSLMode(t, recipientURL(t, cred, "py_share"), "disable")
	wantFacts(t, "psycopg2 recipient", run("check_psycopg2.py", "recipient", recDSN), [][2]string{
		{"live", "(51, Decimal('1762.3456'))"},
		{"range", `[('ACME', datetime.date(2024, 1, 2)), ("O'Brien", datetime.date(2024, 2, 29))]`},
		{"tables", "[('public', 'prices'), ('sales', 'orders')]"},
		{"insert", "25006"},
		{"executemany update", "25006"},
		{"copy in", "25006"},
		{"hidden", "42P01"},
		{"copy out lines", "53"},
		{"named cursor", "50 rows, ids 10..59"},
	})
	wantFacts(t, "SQLAlchemy recipient", run("check_sqlalchemy.py", "recipient", recDSN), [][2]string{
		{"schemas", "['public', 'sales']"},
		{"tables public", "['prices']"},
		{"tables sales", "['orders']"},
		{"columns sales.orders", "id BIGINT() NOT NULL, customer VARCHAR(length=40), amount NUMERIC(precision=12, scale=2), placed DATE(), at TIMESTAMP(timezone=True), paid BOOLEAN()"},
		{"pk sales.orders", "{'constrained_columns': ['id'], 'name': 'orders_pkey'}"},
		{"comment sales.orders", "{'text': 'orders of the sales team'}"},
		{"has_table sales.orders", "True"},
		{"has_table sales.notes", "False"},
		{"reflected pk", "['id']"},
		{"core select", "[('acme', Decimal('10.51'), 2), ('globex', Decimal('99.99'), 1)]"},
		{"streamed", "[3, 2, 1]"},
		{"insert", "25006"},
	})
}
