package executor

import (
	"testing"

	"github.com/sharehouse/sharehouse/executor/sqlstate"
)

// Expected values are what PostgreSQL 15 returns for the same statements.

func wantRows(t *testing.T, s *Session, sql, want string) {
	t.Helper()
	if got := flat(mustRun(t, s, sql)); got != want {
		t.Errorf("%s:\n got %s\nwant %s", sql, got, want)
	}
}

func TestSequenceFunctions(t *testing.T) {
	_, s := testEngine(t)
	mustRun(t, s, `CREATE SEQUENCE s`)
	wantRows(t, s, `SELECT nextval('s'), nextval('s'), currval('s'), lastval()`, "1,2,2,2")
	mustRun(t, s, `CREATE SEQUENCE s2 AS smallint INCREMENT 5 MINVALUE 1 MAXVALUE 12 START 3 CYCLE`)
	wantRows(t, s, `SELECT nextval('s2'), nextval('s2'), nextval('s2'), nextval('s2')`, "3,8,1,6")
	mustRun(t, s, `CREATE SEQUENCE s3 MAXVALUE 2`)
	wantRows(t, s, `SELECT nextval('s3'), nextval('s3')`, "1,2")
	wantCode(t, s, `SELECT nextval('s3')`, sqlstate.SequenceGeneratorLimitExceeded)
	mustRun(t, s, `CREATE SEQUENCE s4`)
	wantCode(t, s, `SELECT currval('s4')`, sqlstate.ObjectNotInPrerequisiteState)
	wantCode(t, s, `SELECT nextval('nosuch')`, sqlstate.UndefinedTable)
	wantRows(t, s, `SELECT setval('s', 100), nextval('s'), setval('s', 5, false), nextval('s')`, "100,101,5,5")
	wantCode(t, s, `SELECT setval('s', 0)`, sqlstate.NumericValueOutOfRange)
	mustRun(t, s, `CREATE SEQUENCE down INCREMENT -1`)
	wantRows(t, s, `SELECT nextval('down'), nextval('down')`, "-1,-2")
	wantRows(t, s, `SELECT nextval('s'::regclass), nextval('public.s')`, "6,7")
	// Many rows in one statement: each gets its own value, beyond one reservation.
	wantRows(t, s, `SELECT count(DISTINCT v), min(v), max(v) FROM (SELECT nextval('s4') AS v FROM generate_series(1, 100)) x`, "100,1,100")
	// nextval is not rolled back.
	mustRun(t, s, `BEGIN`)
	wantRows(t, s, `SELECT nextval('s4')`, "101")
	mustRun(t, s, `ROLLBACK`)
	wantRows(t, s, `SELECT nextval('s4')`, "102")
	mustRun(t, s, `CREATE TABLE tt (a int)`)
	mustRun(t, s, `BEGIN`)
	mustRun(t, s, `INSERT INTO tt VALUES (1)`) // holds the write transaction
	wantRows(t, s, `SELECT nextval('s4'), nextval('s4')`, "103,104")
	mustRun(t, s, `ROLLBACK`)
	wantRows(t, s, `SELECT nextval('s4')`, "105")
	wantCode(t, s, `SELECT nextval('tt')`, sqlstate.WrongObjectType)
}

func TestSequenceDDL(t *testing.T) {
	_, s := testEngine(t)
	mustRun(t, s, `CREATE SEQUENCE s`)
	wantCode(t, s, `CREATE SEQUENCE s`, sqlstate.DuplicateTable)
	mustRun(t, s, `CREATE SEQUENCE IF NOT EXISTS s`)
	mustRun(t, s, `CREATE TABLE t (a int)`)
	wantCode(t, s, `CREATE SEQUENCE t`, sqlstate.DuplicateTable)
	wantCode(t, s, `CREATE TABLE s (a int)`, sqlstate.DuplicateTable)
	wantCode(t, s, `CREATE SEQUENCE bad MINVALUE 10 MAXVALUE 5`, sqlstate.InvalidParameterValue)
	wantCode(t, s, `CREATE SEQUENCE bad START 0`, sqlstate.InvalidParameterValue)
	wantCode(t, s, `CREATE SEQUENCE bad AS smallint MAXVALUE 100000`, sqlstate.InvalidParameterValue)
	wantCode(t, s, `CREATE SEQUENCE bad INCREMENT 0`, sqlstate.InvalidParameterValue)
	wantCode(t, s, `CREATE SEQUENCE bad AS text`, sqlstate.InvalidParameterValue)
	mustRun(t, s, `CREATE SEQUENCE s9 INCREMENT -1`)
	wantRows(t, s, `SELECT schemaname, sequencename, data_type, start_value, min_value, max_value, increment_by, cycle, cache_size, last_value FROM pg_sequences WHERE sequencename IN ('s', 's9') ORDER BY 2`,
		"public,s,bigint,1,1,9223372036854775807,1,f,1,NULL|public,s9,bigint,-1,-9223372036854775808,-1,-1,f,1,NULL")
	wantRows(t, s, `SELECT seqtypid, seqstart, seqincrement, seqmax, seqmin, seqcache, seqcycle FROM pg_sequence WHERE seqrelid = 's9'::regclass`,
		"20,-1,-1,-1,-9223372036854775808,1,f")
	wantRows(t, s, `SELECT sequence_schema, sequence_name, data_type, numeric_precision, numeric_precision_radix, numeric_scale, start_value, minimum_value, maximum_value, increment, cycle_option FROM information_schema.sequences WHERE sequence_name = 's9'`,
		"public,s9,bigint,64,2,0,-1,-9223372036854775808,-1,-1,NO")
	wantRows(t, s, `SELECT relkind FROM pg_class WHERE relname = 's9'`, "S")
	wantCode(t, s, `ALTER SEQUENCE s9 RESTART WITH 50`, sqlstate.InvalidParameterValue)
	wantRows(t, s, `SELECT nextval('s9')`, "-1")
	mustRun(t, s, `ALTER SEQUENCE s9 INCREMENT BY 10 RESTART`)
	wantRows(t, s, `SELECT nextval('s9')`, "-1")
	mustRun(t, s, `ALTER SEQUENCE s9 RENAME TO s10`)
	wantCode(t, s, `SELECT nextval('s10'::regclass)`, sqlstate.SequenceGeneratorLimitExceeded)
	wantCode(t, s, `SELECT nextval('s9')`, sqlstate.UndefinedTable)
	wantRows(t, s, `SELECT lastval()`, "-1")

	// ALTER goes on from the current value; RESTART starts over.
	wantRows(t, s, `SELECT nextval('s'), nextval('s')`, "1,2")
	mustRun(t, s, `ALTER SEQUENCE s INCREMENT BY 10`)
	wantRows(t, s, `SELECT nextval('s')`, "12")
	mustRun(t, s, `ALTER SEQUENCE s RESTART WITH 7`)
	wantRows(t, s, `SELECT nextval('s')`, "7")
	wantRows(t, s, `SELECT last_value FROM pg_sequences WHERE sequencename = 's'`, "7")
	mustRun(t, s, `ALTER SEQUENCE s AS integer`)
	wantRows(t, s, `SELECT data_type, max_value FROM pg_sequences WHERE sequencename = 's'`, "integer,2147483647")
	wantCode(t, s, `ALTER SEQUENCE nosuch RESTART`, sqlstate.UndefinedTable)
	mustRun(t, s, `ALTER SEQUENCE IF EXISTS nosuch RESTART`)

	wantCode(t, s, `DROP SEQUENCE nosuch`, sqlstate.UndefinedTable)
	mustRun(t, s, `DROP SEQUENCE IF EXISTS nosuch`)
	wantCode(t, s, `DROP SEQUENCE t`, sqlstate.WrongObjectType)
	mustRun(t, s, `DROP SEQUENCE s, s10`)
	wantRows(t, s, `SELECT count(*) FROM pg_class WHERE relkind = 'S'`, "0")
	mustRun(t, s, `CREATE SEQUENCE s`) // the name is free again
	wantRows(t, s, `SELECT nextval('s')`, "1")
}

func TestSerialColumns(t *testing.T) {
	_, s := testEngine(t)
	mustRun(t, s, `CREATE TABLE t (id serial PRIMARY KEY, b bigserial, c smallserial, v text)`)
	wantRows(t, s, `SELECT column_name, column_default, is_nullable, data_type, is_identity FROM information_schema.columns WHERE table_name = 't' ORDER BY ordinal_position`,
		"id,nextval('t_id_seq'::regclass),NO,integer,NO|b,nextval('t_b_seq'::regclass),NO,bigint,NO|c,nextval('t_c_seq'::regclass),NO,smallint,NO|v,NULL,YES,text,NO")
	wantRows(t, s, `SELECT pg_get_serial_sequence('t', 'id'), pg_get_serial_sequence('public.t', 'b'), pg_get_serial_sequence('t', 'v')`,
		"public.t_id_seq,public.t_b_seq,NULL")
	wantCode(t, s, `SELECT pg_get_serial_sequence('t', 'nosuch')`, sqlstate.UndefinedColumn)
	wantRows(t, s, `SELECT data_type, max_value FROM pg_sequences WHERE sequencename = 't_c_seq'`, "smallint,32767")
	mustRun(t, s, `INSERT INTO t (v) VALUES ('a'), ('b')`)
	mustRun(t, s, `INSERT INTO t (id, v) VALUES (DEFAULT, 'c')`)
	mustRun(t, s, `INSERT INTO t (id, v) VALUES (100, 'd')`)
	wantRows(t, s, `SELECT id, b, c, v FROM t ORDER BY v`, "1,1,1,a|2,2,2,b|3,3,3,c|100,4,4,d")
	wantRows(t, s, `SELECT currval('t_id_seq')`, "3")
	wantCode(t, s, `DROP SEQUENCE t_id_seq`, sqlstate.DependentObjectsStillExist)
	mustRun(t, s, `CREATE TABLE u (id serial, x int)`)
	mustRun(t, s, `DROP SEQUENCE u_id_seq CASCADE`)
	wantRows(t, s, `SELECT column_default FROM information_schema.columns WHERE table_name = 'u' AND column_name = 'id'`, "NULL")
	// The next free name, as PostgreSQL chooses it.
	mustRun(t, s, `CREATE SEQUENCE w_id_seq`)
	mustRun(t, s, `CREATE TABLE w (id serial)`)
	wantRows(t, s, `SELECT pg_get_serial_sequence('w', 'id')`, "public.w_id_seq1")
	wantCode(t, s, `CREATE TABLE bad (id serial DEFAULT 1)`, sqlstate.SyntaxError)
	// TRUNCATE … RESTART IDENTITY starts the owned sequences over.
	mustRun(t, s, `TRUNCATE t RESTART IDENTITY`)
	mustRun(t, s, `INSERT INTO t (v) VALUES ('e')`)
	wantRows(t, s, `SELECT id, b FROM t`, "1,1")
	// DROP TABLE drops its sequences.
	mustRun(t, s, `DROP TABLE t`)
	wantRows(t, s, `SELECT relname FROM pg_class WHERE relkind = 'S' ORDER BY 1`, "w_id_seq|w_id_seq1")
}

func TestIdentityColumns(t *testing.T) {
	_, s := testEngine(t)
	mustRun(t, s, `CREATE TABLE ti (id int GENERATED ALWAYS AS IDENTITY (START 10 INCREMENT 2), x text)`)
	mustRun(t, s, `CREATE TABLE tb (id bigint GENERATED BY DEFAULT AS IDENTITY, x text)`)
	mustRun(t, s, `INSERT INTO ti (x) VALUES ('a')`)
	wantCode(t, s, `INSERT INTO ti (id, x) VALUES (5, 'a')`, sqlstate.GeneratedAlways)
	wantCode(t, s, `INSERT INTO ti SELECT 5, 'a'`, sqlstate.GeneratedAlways)
	mustRun(t, s, `INSERT INTO ti (id, x) OVERRIDING SYSTEM VALUE VALUES (5, 'b')`)
	mustRun(t, s, `INSERT INTO ti (id, x) VALUES (DEFAULT, 'c')`)
	mustRun(t, s, `INSERT INTO tb (id, x) VALUES (5, 'b')`)
	mustRun(t, s, `INSERT INTO tb (x) VALUES ('b')`)
	mustRun(t, s, `INSERT INTO tb (id, x) OVERRIDING USER VALUE VALUES (99, 'c')`)
	wantRows(t, s, `SELECT id, x FROM ti ORDER BY x`, "10,a|5,b|12,c")
	wantRows(t, s, `SELECT id, x FROM tb ORDER BY id`, "1,b|2,c|5,b")
	wantCode(t, s, `UPDATE ti SET id = 3`, sqlstate.GeneratedAlways)
	mustRun(t, s, `UPDATE tb SET id = 3 WHERE id = 5`)
	wantRows(t, s, `SELECT attname, attidentity, atthasdef FROM pg_attribute WHERE attrelid = 'ti'::regclass AND attnum > 0 ORDER BY attnum`, "id,a,f|x,,f")
	wantRows(t, s, `SELECT pg_get_serial_sequence('ti', 'id')`, "public.ti_id_seq")
	wantRows(t, s, `SELECT column_name, column_default, is_identity, identity_generation, identity_start, identity_increment, identity_maximum, identity_minimum, identity_cycle FROM information_schema.columns WHERE table_name IN ('ti', 'tb') ORDER BY table_name DESC, ordinal_position`,
		"id,NULL,YES,ALWAYS,10,2,2147483647,1,NO|x,NULL,NO,NULL,NULL,NULL,NULL,NULL,NO|id,NULL,YES,BY DEFAULT,1,1,9223372036854775807,1,NO|x,NULL,NO,NULL,NULL,NULL,NULL,NULL,NO")
	wantRows(t, s, `SELECT d.deptype, d.refobjsubid FROM pg_depend d WHERE d.objid = 'ti_id_seq'::regclass`, "i,1")
	wantCode(t, s, `DROP SEQUENCE ti_id_seq`, sqlstate.DependentObjectsStillExist)
	wantCode(t, s, `CREATE TABLE bad (id text GENERATED ALWAYS AS IDENTITY)`, sqlstate.InvalidParameterValue)
	mustRun(t, s, `DROP TABLE ti`)
	wantRows(t, s, `SELECT relname FROM pg_class WHERE relkind = 'S'`, "tb_id_seq")
}

func TestSerialTempTable(t *testing.T) {
	_, s := testEngine(t)
	mustRun(t, s, `CREATE TEMP TABLE tmp (id serial, v text)`)
	mustRun(t, s, `INSERT INTO tmp (v) VALUES ('a'), ('b')`)
	wantRows(t, s, `SELECT id, v FROM tmp ORDER BY id`, "1,a|2,b")
	mustRun(t, s, `DROP TABLE tmp`)
	wantRows(t, s, `SELECT count(*) FROM pg_class WHERE relkind = 'S'`, "0")
}

func TestAlterIdentity(t *testing.T) {
	_, s := testEngine(t)
	mustRun(t, s, `CREATE TABLE a (id int NOT NULL, v text)`)
	mustRun(t, s, `INSERT INTO a VALUES (1, 'x')`)
	mustRun(t, s, `ALTER TABLE a ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (START 5)`)
	mustRun(t, s, `INSERT INTO a (v) VALUES ('y')`)
	wantRows(t, s, `SELECT id, v FROM a ORDER BY v`, "1,x|5,y")
	mustRun(t, s, `ALTER TABLE a ALTER COLUMN id SET GENERATED BY DEFAULT`)
	mustRun(t, s, `INSERT INTO a (id, v) VALUES (50, 'z')`)
	mustRun(t, s, `ALTER TABLE a ALTER COLUMN id RESTART WITH 100`)
	mustRun(t, s, `INSERT INTO a (v) VALUES ('w')`)
	wantRows(t, s, `SELECT id, v FROM a ORDER BY v`, "100,w|1,x|5,y|50,z")
	wantRows(t, s, `SELECT attidentity FROM pg_attribute WHERE attrelid = 'a'::regclass AND attname = 'id'`, "d")
	mustRun(t, s, `ALTER TABLE a ALTER COLUMN id DROP IDENTITY`)
	wantRows(t, s, `SELECT count(*) FROM pg_class WHERE relname = 'a_id_seq'`, "0")
	wantCode(t, s, `ALTER TABLE a ALTER COLUMN id DROP IDENTITY`, sqlstate.ObjectNotInPrerequisiteState)
	mustRun(t, s, `ALTER TABLE a ALTER COLUMN id DROP IDENTITY IF EXISTS`)
	wantCode(t, s, `ALTER TABLE a ALTER COLUMN v ADD GENERATED ALWAYS AS IDENTITY`, sqlstate.InvalidParameterValue)
	mustRun(t, s, `CREATE TABLE b (id int)`)
	wantCode(t, s, `ALTER TABLE b ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY`, sqlstate.ObjectNotInPrerequisiteState)
	mustRun(t, s, `CREATE TABLE c (id int NOT NULL DEFAULT 3)`)
	wantCode(t, s, `ALTER TABLE c ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY`, sqlstate.ObjectNotInPrerequisiteState)
	// Dropping a serial column drops its sequence.
	mustRun(t, s, `CREATE TABLE d (id serial, x int)`)
	mustRun(t, s, `ALTER TABLE d DROP COLUMN id`)
	wantRows(t, s, `SELECT count(*) FROM pg_class WHERE relname = 'd_id_seq'`, "0")
	// ADD COLUMN … IDENTITY numbers the rows already there.
	mustRun(t, s, `CREATE TABLE e (x int)`)
	mustRun(t, s, `INSERT INTO e VALUES (1), (2)`)
	mustRun(t, s, `ALTER TABLE e ADD COLUMN id int GENERATED ALWAYS AS IDENTITY`)
	wantRows(t, s, `SELECT x, id FROM e ORDER BY x`, "1,1|2,2")
}

func TestSequenceOwnedBy(t *testing.T) {
	_, s := testEngine(t)
	mustRun(t, s, `CREATE TABLE up (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, v text)`)
	mustRun(t, s, `INSERT INTO up (v) VALUES ('a')`)
	wantCode(t, s, `INSERT INTO up (id, v) OVERRIDING SYSTEM VALUE VALUES (1, 'b') ON CONFLICT (id) DO UPDATE SET id = 5`, sqlstate.GeneratedAlways)
	mustRun(t, s, `CREATE SEQUENCE o1`)
	mustRun(t, s, `CREATE TABLE ot (c int)`)
	mustRun(t, s, `ALTER SEQUENCE o1 OWNED BY ot.c`)
	wantRows(t, s, `SELECT pg_get_serial_sequence('ot', 'c')`, "public.o1")
	mustRun(t, s, `DROP TABLE ot`)
	wantRows(t, s, `SELECT count(*) FROM pg_class WHERE relname = 'o1'`, "0")
	wantCode(t, s, `CREATE SEQUENCE o2 OWNED BY nosuch.c`, sqlstate.UndefinedTable)
	mustRun(t, s, `CREATE SCHEMA other`)
	mustRun(t, s, `CREATE TABLE other.x (c int)`)
	wantCode(t, s, `CREATE SEQUENCE o3 OWNED BY other.x.c`, sqlstate.ObjectNotInPrerequisiteState)
	mustRun(t, s, `CREATE SEQUENCE other.o3 OWNED BY other.x.c`)
	mustRun(t, s, `ALTER SEQUENCE other.o3 OWNED BY NONE`)
	mustRun(t, s, `DROP TABLE other.x`)
	wantRows(t, s, `SELECT nextval('other.o3')`, "1")
	// DROP SCHEMA takes its sequences along only with CASCADE.
	wantCode(t, s, `DROP SCHEMA other`, sqlstate.DependentObjectsStillExist)
	mustRun(t, s, `DROP SCHEMA other CASCADE`)
	wantRows(t, s, `SELECT count(*) FROM pg_sequences`, "1") // up_id_seq
}

func TestDiscardSequences(t *testing.T) {
	_, s := testEngine(t)
	mustRun(t, s, `CREATE SEQUENCE s`)
	wantRows(t, s, `SELECT nextval('s')`, "1")
	if _, tag, err := run(t, s, `DISCARD SEQUENCES`); err != nil || tag != "DISCARD SEQUENCES" {
		t.Fatalf("DISCARD SEQUENCES: %q %v", tag, err)
	}
	wantCode(t, s, `SELECT currval('s')`, sqlstate.ObjectNotInPrerequisiteState)
	wantCode(t, s, `SELECT lastval()`, sqlstate.ObjectNotInPrerequisiteState)
	wantRows(t, s, `SELECT nextval('s')`, "2")
	mustRun(t, s, `DISCARD ALL`)
	wantCode(t, s, `SELECT currval('s')`, sqlstate.ObjectNotInPrerequisiteState)
}

// The DDL ORMs emit: Django 4.1+ identity keys, Rails' bigserial keys and
// their sequence-reset idioms.
func TestORMSequenceDDL(t *testing.T) {
	_, s := testEngine(t)
	mustRun(t, s, `CREATE TABLE "polls_question" ("id" bigint NOT NULL PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY, "question_text" varchar(200) NOT NULL)`)
	wantRows(t, s, `INSERT INTO "polls_question" ("question_text") VALUES ('q1') RETURNING "polls_question"."id"`, "1")
	wantRows(t, s, `SELECT setval(pg_get_serial_sequence('"polls_question"','id'), coalesce(max("id"), 1), max("id") IS NOT null) FROM "polls_question"`, "1")
	wantRows(t, s, `INSERT INTO "polls_question" ("question_text") VALUES ('q2') RETURNING "id"`, "2")
	mustRun(t, s, `CREATE TABLE "users" ("id" bigserial primary key, "name" character varying)`)
	mustRun(t, s, `INSERT INTO "users" ("id", "name") VALUES (10, 'a')`)
	wantRows(t, s, `SELECT setval('"public"."users_id_seq"', (SELECT MAX("id") FROM "users"))`, "10")
	wantRows(t, s, `INSERT INTO "users" ("name") VALUES ('b') RETURNING "id"`, "11")
	wantRows(t, s, `SELECT pg_get_serial_sequence('"public"."users"', 'id')`, "public.users_id_seq")
}

func TestDropSequenceUsedByDefault(t *testing.T) {
	_, s := testEngine(t)
	mustRun(t, s, `CREATE SEQUENCE hand`)
	mustRun(t, s, `CREATE TABLE h (id bigint DEFAULT nextval('hand'), v text)`)
	mustRun(t, s, `INSERT INTO h (v) VALUES ('a')`)
	wantRows(t, s, `SELECT id FROM h`, "1")
	wantCode(t, s, `DROP SEQUENCE hand`, sqlstate.DependentObjectsStillExist)
	mustRun(t, s, `DROP SEQUENCE hand CASCADE`)
	wantRows(t, s, `SELECT column_default FROM information_schema.columns WHERE table_name = 'h' AND column_name = 'id'`, "NULL")
	mustRun(t, s, `INSERT INTO h (v) VALUES ('b')`)
	wantRows(t, s, `SELECT id FROM h WHERE v = 'b'`, "NULL")
}
