// node-postgres (pg) against sharehouse, run by
// cmd/sharehouse/clients_node_test.go as a provider and as a token
// recipient. It prints one "name: value" line per fact; the Go test
// compares them with what PostgreSQL would answer.
//
//   CHECK_ROLE=provider|recipient CHECK_URL=postgres://... node check.js
'use strict';
const { Client } = require('pg');

const role = process.env.CHECK_ROLE;
const url = process.env.CHECK_URL;

function say(name, value) {
  console.log(`${name}: ${typeof value === 'string' ? value : JSON.stringify(value)}`);
}

// codeOf runs fn and returns the SQLSTATE of its error, or "none".
async function codeOf(fn) {
  try {
    await fn();
    return 'none';
  } catch (e) {
    if (!e.code) throw e;
    return e.code;
  }
}

async function provider(c) {
  await c.query(`CREATE TABLE items (id int8, name text, price numeric(10,2), added date,
    at timestamptz, ok boolean, ratio float8, qty int4)`);
  await c.query('CREATE TABLE hidden (x int4)');

  // Parameterized inserts (extended protocol) in a committed transaction.
  await c.query('BEGIN');
  const ins = 'INSERT INTO items VALUES ($1, $2, $3, $4, $5, $6, $7, $8)';
  await c.query(ins, [1, 'apple', '1.25', '2024-05-01', new Date(Date.UTC(2024, 4, 1, 8, 0, 0)), true, 0.5, 10]);
  await c.query(ins, [2, 'pear', 2.5, '2024-05-02', '2024-05-02T09:30:00Z', false, 1.75, 20]);
  await c.query(ins, [3, null, null, null, null, null, null, null]);
  await c.query(ins, ['9007199254740993', 'big', '99999999.99', '2024-12-31', '2024-12-31T23:59:59.123456Z', true, -2e-3, -1]);
  await c.query('COMMIT');

  // A rolled-back transaction leaves nothing.
  await c.query('BEGIN');
  await c.query(ins, [50, 'gone', 1, null, null, null, null, null]);
  await c.query('ROLLBACK');
  say('after rollback', (await c.query('SELECT count(*) AS n FROM items WHERE id = $1', [50])).rows[0].n);

  // A failed statement aborts the transaction until ROLLBACK.
  await c.query('BEGIN');
  say('in tx division', await codeOf(() => c.query('SELECT 1 / $1::int4', [0])));
  say('aborted tx', await codeOf(() => c.query('SELECT 1')));
  await c.query('ROLLBACK');

  // A named prepared statement, run twice.
  const byId = { name: 'item-by-id', text: 'SELECT name, price FROM items WHERE id = $1' };
  say('prepared 1', (await c.query({ ...byId, values: [1] })).rows);
  say('prepared 2', (await c.query({ ...byId, values: [2] })).rows);

  // json and jsonb: objects go as JSON text, come back parsed.
  const doc = { b: [1, 'two'], a: { nested: true } };
  const js = await c.query('SELECT $1::jsonb AS b, $1::json -> \'b\' ->> 1 AS second', [doc]);
  say('json', js.rows[0]);

  // RETURNING over the extended protocol (Describe gives its columns).
  const ret = await c.query('INSERT INTO items (id, name, qty) VALUES ($1, $2, $3) RETURNING id, name, qty * 2 AS twice',
    [60, 'tmp', 21]);
  say('insert returning', `${ret.command} ${ret.rowCount} ${JSON.stringify(ret.rows)}`);
  const del = await c.query('DELETE FROM items WHERE id = $1 RETURNING name', [60]);
  say('delete returning', `${del.command} ${del.rowCount} ${JSON.stringify(del.rows)}`);

  const r = await c.query(
    'SELECT id, name, price, added::text AS added, at, ok, ratio, qty FROM items WHERE id >= $1 ORDER BY id', [1]);
  say('fields', r.fields.map((f) => `${f.name}:${f.dataTypeID}`).join(','));
  say('rows', r.rows.map((row) => ({ ...row, at: row.at === null ? null : row.at.toISOString() })));
  say('typed params', (await c.query('SELECT $1::int4 + 1 AS i, $2::text || \'!\' AS t, $3::boolean AS b, $4::numeric * 2 AS n',
    [41, 'hi', false, '1.5'])).rows[0]);
}

async function recipient(c) {
  say('count', (await c.query('SELECT count(*) AS n, sum(price) AS total FROM public.items')).rows[0]);
  say('param read', (await c.query('SELECT name FROM public.items WHERE price > $1 AND ok = $2 ORDER BY id', ['1', true])).rows);
  const tables = await c.query(`SELECT table_schema || '.' || table_name AS t FROM information_schema.tables
    WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`);
  say('tables', tables.rows.map((row) => row.t).join(','));
  await c.query('BEGIN');
  say('tx read', (await c.query('SELECT max(id) AS m FROM public.items')).rows[0].m);
  await c.query('COMMIT');
  say('insert', await codeOf(() => c.query('INSERT INTO public.items (id) VALUES ($1)', [7])));
  say('update', await codeOf(() => c.query('UPDATE public.items SET qty = $1', [0])));
  say('hidden', await codeOf(() => c.query('SELECT * FROM public.hidden')));
  say('ssl', (await c.query('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()')).rows[0].ssl);
}

async function main() {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    if (role === 'provider') await provider(c);
    else if (role === 'recipient') await recipient(c);
    else throw new Error(`CHECK_ROLE must be provider or recipient, not ${role}`);
  } finally {
    await c.end();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
