package executor

import (
	"testing"

	"github.com/sharehouse/sharehouse/executor/sqlstate"
)

func TestForeignKeyRecordAndList(t *testing.T) {
	_, s := testEngine(t)
	mustRun(t, s, `CREATE TABLE p (id int PRIMARY KEY, code text UNIQUE, a int, b int, UNIQUE (a, b))`)
	mustRun(t, s, `CREATE TABLE c (id int, pid int REFERENCES p ON DELETE CASCADE, pcode text REFERENCES p(code) ON UPDATE SET NULL,
		a int, b int, FOREIGN KEY (a, b) REFERENCES p (a, b) MATCH FULL ON DELETE SET DEFAULT)`)
	got := flat(mustRun(t, s, `SELECT conname, contype, conrelid::regclass, confrelid::regclass, conkey, confkey, confupdtype, confdeltype, confmatchtype,
		conindid::regclass, pg_get_constraintdef(oid) FROM pg_constraint WHERE contype = 'f' ORDER BY conname`))
	want := "c_a_b_fkey,f,c,p,{4,5},{3,4},a,d,f,p_a_b_key,FOREIGN KEY (a, b) REFERENCES p(a, b) MATCH FULL ON DELETE SET DEFAULT|" +
		"c_pcode_fkey,f,c,p,{3},{2},n,a,s,p_code_key,FOREIGN KEY (pcode) REFERENCES p(code) ON UPDATE SET NULL|" +
		"c_pid_fkey,f,c,p,{2},{1},a,c,s,p_pkey,FOREIGN KEY (pid) REFERENCES p(id) ON DELETE CASCADE"
	if got != want {
		t.Errorf("pg_constraint:\n got %s\nwant %s", got, want)
	}
	got = flat(mustRun(t, s, `SELECT constraint_name, unique_constraint_name, match_option, update_rule, delete_rule FROM information_schema.referential_constraints ORDER BY 1`))
	if want := "c_a_b_fkey,p_a_b_key,FULL,NO ACTION,SET DEFAULT|c_pcode_fkey,p_code_key,NONE,SET NULL,NO ACTION|c_pid_fkey,p_pkey,NONE,NO ACTION,CASCADE"; got != want {
		t.Errorf("referential_constraints: %s", got)
	}
	got = flat(mustRun(t, s, `SELECT constraint_name, column_name, ordinal_position, position_in_unique_constraint FROM information_schema.key_column_usage WHERE table_name = 'c' ORDER BY 1, 3`))
	if want := "c_a_b_fkey,a,1,1|c_a_b_fkey,b,2,2|c_pcode_fkey,pcode,1,1|c_pid_fkey,pid,1,1"; got != want {
		t.Errorf("key_column_usage: %s", got)
	}
	got = flat(mustRun(t, s, `SELECT constraint_name, constraint_type FROM information_schema.table_constraints WHERE table_schema = 'public' ORDER BY 1`))
	if want := "c_a_b_fkey,FOREIGN KEY|c_pcode_fkey,FOREIGN KEY|c_pid_fkey,FOREIGN KEY|p_a_b_key,UNIQUE|p_code_key,UNIQUE|p_pkey,PRIMARY KEY"; got != want {
		t.Errorf("table_constraints: %s", got)
	}
	got = flat(mustRun(t, s, `SELECT table_name, column_name, constraint_name FROM information_schema.constraint_column_usage WHERE constraint_name LIKE '%fkey' ORDER BY 3, 2`))
	if want := "p,a,c_a_b_fkey|p,b,c_a_b_fkey|p,code,c_pcode_fkey|p,id,c_pid_fkey"; got != want {
		t.Errorf("constraint_column_usage: %s", got)
	}

	// Refusals, with PostgreSQL's codes and words.
	wantErr(t, s, `CREATE TABLE bad (x text REFERENCES p(id))`, sqlstate.DatatypeMismatch, `foreign key constraint "bad_x_fkey" cannot be implemented | Key columns "x" and "id" are of incompatible types: text and integer.`)
	wantErr(t, s, `CREATE TABLE bad (x int REFERENCES p(b))`, sqlstate.InvalidForeignKey, `there is no unique constraint matching given keys for referenced table "p"`)
	wantErr(t, s, `CREATE TABLE bad (x int, FOREIGN KEY (x) REFERENCES p (id, code))`, sqlstate.InvalidForeignKey, `number of referencing and referenced columns for foreign key disagree`)
	wantErr(t, s, `CREATE TABLE bad (x int REFERENCES nope)`, sqlstate.UndefinedTable, `relation "nope" does not exist`)
	wantErr(t, s, `CREATE TABLE bad (x int, FOREIGN KEY (y) REFERENCES p (id))`, sqlstate.UndefinedColumn, `column "y" referenced in foreign key constraint does not exist`)
	wantErr(t, s, `CREATE TABLE bad (x int REFERENCES c)`, sqlstate.InvalidForeignKey, `there is no primary key for referenced table "c"`)

	// ALTER TABLE … ADD / DROP CONSTRAINT; names as PostgreSQL makes them.
	mustRun(t, s, `ALTER TABLE c ADD FOREIGN KEY (id) REFERENCES p`)
	mustRun(t, s, `ALTER TABLE c ADD FOREIGN KEY (id) REFERENCES p`)
	got = flat(mustRun(t, s, `SELECT conname FROM pg_constraint WHERE conname LIKE 'c_id%' ORDER BY 1`))
	if got != "c_id_fkey|c_id_fkey1" {
		t.Errorf("generated names: %s", got)
	}
	mustRun(t, s, `ALTER TABLE c DROP CONSTRAINT c_id_fkey1`)
	mustRun(t, s, `ALTER TABLE c DROP CONSTRAINT c_id_fkey`)
	wantErr(t, s, `ALTER TABLE c DROP CONSTRAINT c_id_fkey`, sqlstate.UndefinedObject, `constraint "c_id_fkey" of relation "c" does not exist`)
	// The parent's key cannot go while a foreign key relies on it.
	wantErr(t, s, `ALTER TABLE p DROP CONSTRAINT p_code_key`, sqlstate.DependentObjectsStillExist, `cannot drop constraint p_code_key on table p because other objects depend on it`)
	mustRun(t, s, `ALTER TABLE p DROP CONSTRAINT p_code_key CASCADE`)
	wantErr(t, s, `ALTER TABLE p DROP COLUMN a`, sqlstate.DependentObjectsStillExist, `cannot drop column a of table p because other objects depend on it | constraint c_a_b_fkey on table c depends on column a of table p`)
	mustRun(t, s, `ALTER TABLE p DROP COLUMN a CASCADE`)
	if got := flat(mustRun(t, s, `SELECT conname FROM pg_constraint WHERE contype = 'f'`)); got != "c_pid_fkey" {
		t.Errorf("after the cascades: %s", got)
	}
}

func TestForeignKeyChildWrites(t *testing.T) {
	_, s := testEngine(t)
	mustRun(t, s, `CREATE TABLE p (id int PRIMARY KEY, a int, b text, UNIQUE (a, b))`)
	mustRun(t, s, `INSERT INTO p VALUES (1, 1, 'x'), (2, 2, 'y')`)
	mustRun(t, s, `CREATE TABLE c (id int PRIMARY KEY, pid bigint REFERENCES p, a int, b text, FOREIGN KEY (a, b) REFERENCES p (a, b) MATCH FULL)`)
	mustRun(t, s, `INSERT INTO c VALUES (1, 1, 1, 'x'), (2, NULL, NULL, NULL), (3, 2, NULL, NULL)`)
	wantErr(t, s, `INSERT INTO c VALUES (4, 7, NULL, NULL)`, sqlstate.ForeignKeyViolation,
		`insert or update on table "c" violates foreign key constraint "c_pid_fkey" | Key (pid)=(7) is not present in table "p".`)
	wantErr(t, s, `INSERT INTO c VALUES (4, 1, 1, NULL)`, sqlstate.ForeignKeyViolation,
		`"c_a_b_fkey" | MATCH FULL does not allow mixing of null and nonnull key values.`)
	wantErr(t, s, `INSERT INTO c VALUES (4, 1, 2, 'x')`, sqlstate.ForeignKeyViolation, `Key (a, b)=(2, x) is not present in table "p".`)
	wantErr(t, s, `INSERT INTO c SELECT g, g, NULL::int, NULL::text FROM generate_series(10, 20) g`, sqlstate.ForeignKeyViolation, `Key (pid)=(10)`)
	wantErr(t, s, `UPDATE c SET pid = 3 WHERE id = 1`, sqlstate.ForeignKeyViolation, `Key (pid)=(3) is not present in table "p".`)
	wantErr(t, s, `INSERT INTO c VALUES (1, 9, NULL, NULL) ON CONFLICT (id) DO UPDATE SET pid = excluded.pid`, sqlstate.ForeignKeyViolation, `Key (pid)=(9)`)
	mustRun(t, s, `INSERT INTO c VALUES (1, 2, NULL, NULL) ON CONFLICT (id) DO UPDATE SET pid = excluded.pid`)
	mustRun(t, s, `UPDATE c SET pid = 1 WHERE id = 3`)
	if got := flat(mustRun(t, s, `SELECT id, pid FROM c ORDER BY id`)); got != "1,2|2,NULL|3,1" {
		t.Errorf("rows: %s", got)
	}
	// A violation leaves the block's transaction as it was: ROLLBACK TO
	// SAVEPOINT goes on from there (psql's ON_ERROR_ROLLBACK, Django).
	mustRun(t, s, `BEGIN`)
	mustRun(t, s, `INSERT INTO c VALUES (50, 1, NULL, NULL)`)
	mustRun(t, s, `SAVEPOINT s1`)
	wantErr(t, s, `INSERT INTO c VALUES (51, 99, NULL, NULL)`, sqlstate.ForeignKeyViolation, `Key (pid)=(99)`)
	mustRun(t, s, `ROLLBACK TO SAVEPOINT s1`)
	mustRun(t, s, `COMMIT`)
	if got := flat(mustRun(t, s, `SELECT id FROM c WHERE id >= 50`)); got != "50" {
		t.Errorf("rows after ROLLBACK TO: %s", got)
	}
	mustRun(t, s, `DELETE FROM c WHERE id = 50`)
	// ADD FOREIGN KEY checks the rows there unless NOT VALID.
	mustRun(t, s, `CREATE TABLE d (x int)`)
	mustRun(t, s, `INSERT INTO d VALUES (1), (5)`)
	wantErr(t, s, `ALTER TABLE d ADD FOREIGN KEY (x) REFERENCES p`, sqlstate.ForeignKeyViolation, `"d_x_fkey" | Key (x)=(5) is not present in table "p".`)
	mustRun(t, s, `ALTER TABLE d ADD CONSTRAINT dx FOREIGN KEY (x) REFERENCES p NOT VALID`)
	if got := flat(mustRun(t, s, `SELECT convalidated, pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'dx'`)); got != "f,FOREIGN KEY (x) REFERENCES p(id) NOT VALID" {
		t.Errorf("not valid: %s", got)
	}
	wantErr(t, s, `INSERT INTO d VALUES (6)`, sqlstate.ForeignKeyViolation, `Key (x)=(6)`)
	// VALIDATE CONSTRAINT checks the rows there, as pg_dump's scripts and
	// online migrations expect; RENAME and ALTER CONSTRAINT keep it working.
	wantErr(t, s, `ALTER TABLE d VALIDATE CONSTRAINT dx`, sqlstate.ForeignKeyViolation, `Key (x)=(5) is not present in table "p".`)
	mustRun(t, s, `DELETE FROM d WHERE x = 5`)
	mustRun(t, s, `ALTER TABLE d VALIDATE CONSTRAINT dx`)
	mustRun(t, s, `ALTER TABLE d RENAME CONSTRAINT dx TO d_ref`)
	mustRun(t, s, `ALTER TABLE d ALTER CONSTRAINT d_ref DEFERRABLE INITIALLY DEFERRED`)
	if got := flat(mustRun(t, s, `SELECT conname, convalidated, condeferred FROM pg_constraint WHERE conrelid = 'd'::regclass`)); got != "d_ref,t,t" {
		t.Errorf("after VALIDATE, RENAME, ALTER: %s", got)
	}
	wantErr(t, s, `ALTER TABLE c ALTER CONSTRAINT c_pkey DEFERRABLE`, sqlstate.WrongObjectType, `constraint "c_pkey" of relation "c" is not a foreign key constraint`)
	wantErr(t, s, `INSERT INTO d VALUES (8)`, sqlstate.ForeignKeyViolation, `"d_ref"`)

	// Self-reference: rows of one statement may reference one another.
	mustRun(t, s, `CREATE TABLE tree (id int PRIMARY KEY, parent int REFERENCES tree)`)
	mustRun(t, s, `INSERT INTO tree VALUES (2, 1), (1, NULL), (3, 2)`)
	wantErr(t, s, `INSERT INTO tree VALUES (4, 5)`, sqlstate.ForeignKeyViolation, `Key (parent)=(5) is not present in table "tree".`)
	wantErr(t, s, `DELETE FROM tree WHERE id = 2`, sqlstate.ForeignKeyViolation,
		`update or delete on table "tree" violates foreign key constraint "tree_parent_fkey" on table "tree" | Key (id)=(2) is still referenced from table "tree".`)
	mustRun(t, s, `DELETE FROM tree WHERE id >= 2`)
	if got := flat(mustRun(t, s, `SELECT count(*) FROM tree`)); got != "1" {
		t.Errorf("tree: %s", got)
	}

	// Many rows: one scan of the parent per statement.
	mustRun(t, s, `CREATE TABLE big (id bigint PRIMARY KEY)`)
	mustRun(t, s, `INSERT INTO big SELECT g FROM generate_series(1, 100000) g`)
	mustRun(t, s, `CREATE TABLE bigc (ref bigint REFERENCES big)`)
	mustRun(t, s, `INSERT INTO bigc SELECT g % 100000 + 1 FROM generate_series(1, 200000) g`)
	wantErr(t, s, `INSERT INTO bigc SELECT g FROM generate_series(99990, 100001) g`, sqlstate.ForeignKeyViolation, `Key (ref)=(100001)`)
}

func TestForeignKeyParentActions(t *testing.T) {
	_, s := testEngine(t)
	mustRun(t, s, `CREATE TABLE p (id int PRIMARY KEY, code text UNIQUE)`)
	mustRun(t, s, `INSERT INTO p VALUES (1, 'a'), (2, 'b'), (3, 'c')`)
	mustRun(t, s, `CREATE TABLE na (pid int REFERENCES p)`)
	mustRun(t, s, `CREATE TABLE cas (pid int REFERENCES p ON DELETE CASCADE ON UPDATE CASCADE)`)
	mustRun(t, s, `CREATE TABLE sn (pcode text REFERENCES p(code) ON DELETE SET NULL ON UPDATE SET NULL)`)
	mustRun(t, s, `CREATE TABLE sd (pid int DEFAULT 3 REFERENCES p ON DELETE SET DEFAULT)`)
	mustRun(t, s, `INSERT INTO na VALUES (1)`)
	mustRun(t, s, `INSERT INTO cas VALUES (1), (2), (2)`)
	mustRun(t, s, `INSERT INTO sn VALUES ('a'), ('b')`)
	mustRun(t, s, `INSERT INTO sd VALUES (1), (2)`)
	wantErr(t, s, `DELETE FROM p WHERE id = 1`, sqlstate.ForeignKeyViolation,
		`update or delete on table "p" violates foreign key constraint "na_pid_fkey" on table "na" | Key (id)=(1) is still referenced from table "na".`)
	wantErr(t, s, `UPDATE p SET id = 10 WHERE id = 1`, sqlstate.ForeignKeyViolation, `"na_pid_fkey" on table "na"`)
	// NO ACTION: a key that another row takes over is still there.
	mustRun(t, s, `DELETE FROM na`)
	mustRun(t, s, `DELETE FROM p WHERE id = 2`)
	check := func(sql, want string) {
		t.Helper()
		if got := flat(mustRun(t, s, sql)); got != want {
			t.Errorf("%s: got %s, want %s", sql, got, want)
		}
	}
	check(`SELECT pid FROM cas ORDER BY pid`, "1")
	check(`SELECT pcode FROM sn ORDER BY pcode`, "a|NULL")
	check(`SELECT pid FROM sd ORDER BY pid`, "1|3")
	mustRun(t, s, `DELETE FROM sd WHERE pid = 1`)
	mustRun(t, s, `UPDATE p SET id = 11, code = 'z' WHERE id = 1`)
	check(`SELECT pid FROM cas ORDER BY pid`, "11")
	check(`SELECT pcode FROM sn ORDER BY pcode`, "NULL|NULL")
	// SET DEFAULT to a key the parent lacks fails as an insert would.
	wantErr(t, s, `DELETE FROM p WHERE id = 3`, sqlstate.ForeignKeyViolation, `insert or update on table "sd" violates foreign key constraint "sd_pid_fkey"`)

	// INSERT … ON CONFLICT DO UPDATE of a referenced key acts as UPDATE.
	mustRun(t, s, `INSERT INTO p VALUES (4, 'd')`)
	mustRun(t, s, `INSERT INTO cas VALUES (4)`)
	mustRun(t, s, `INSERT INTO na VALUES (3)`)
	mustRun(t, s, `INSERT INTO p VALUES (4, 'x') ON CONFLICT (id) DO UPDATE SET id = 40`)
	check(`SELECT pid FROM cas ORDER BY pid`, "11|40")
	wantErr(t, s, `INSERT INTO p VALUES (3, 'x') ON CONFLICT (id) DO UPDATE SET id = 30`, sqlstate.ForeignKeyViolation, `Key (id)=(3) is still referenced from table "na".`)
	mustRun(t, s, `DELETE FROM na`)

	// TRUNCATE and DROP TABLE of a referenced table.
	wantErr(t, s, `TRUNCATE p`, sqlstate.FeatureNotSupported, `cannot truncate a table referenced in a foreign key constraint | Table "na" references "p".`)
	mustRun(t, s, `TRUNCATE p, na, cas, sn, sd`)
	mustRun(t, s, `INSERT INTO p VALUES (1, 'a')`)
	mustRun(t, s, `INSERT INTO cas VALUES (1)`)
	mustRun(t, s, `TRUNCATE p CASCADE`)
	check(`SELECT count(*) FROM cas`, "0")
	wantErr(t, s, `DROP TABLE p`, sqlstate.DependentObjectsStillExist, `cannot drop table p because other objects depend on it | constraint na_pid_fkey on table na depends on table p`)
	mustRun(t, s, `DROP TABLE p CASCADE`)
	check(`SELECT count(*) FROM pg_constraint WHERE contype = 'f'`, "0")
	mustRun(t, s, `INSERT INTO na VALUES (42)`) // the child stays, unconstrained
	mustRun(t, s, `CREATE TABLE p2 (id int PRIMARY KEY)`)
	mustRun(t, s, `CREATE TABLE c2 (id int REFERENCES p2)`)
	mustRun(t, s, `DROP TABLE p2, c2`)
}

func TestForeignKeyDeferred(t *testing.T) {
	_, s := testEngine(t)
	mustRun(t, s, `CREATE TABLE p (id int PRIMARY KEY)`)
	mustRun(t, s, `CREATE TABLE c (pid int REFERENCES p DEFERRABLE INITIALLY DEFERRED)`)
	mustRun(t, s, `CREATE TABLE i (pid int REFERENCES p DEFERRABLE)`)
	if got := flat(mustRun(t, s, `SELECT conname, condeferrable, condeferred, pg_get_constraintdef(oid) FROM pg_constraint WHERE contype = 'f' ORDER BY 1`)); got != "c_pid_fkey,t,t,FOREIGN KEY (pid) REFERENCES p(id) DEFERRABLE INITIALLY DEFERRED|i_pid_fkey,t,f,FOREIGN KEY (pid) REFERENCES p(id) DEFERRABLE" {
		t.Errorf("pg_constraint: %s", got)
	}
	// Outside a block the check is the statement's.
	wantErr(t, s, `INSERT INTO c VALUES (1)`, sqlstate.ForeignKeyViolation, `Key (pid)=(1) is not present in table "p".`)
	// In a block, a child row may come before its parent.
	mustRun(t, s, `BEGIN`)
	mustRun(t, s, `INSERT INTO c VALUES (1)`)
	wantErr(t, s, `INSERT INTO i VALUES (1)`, sqlstate.ForeignKeyViolation, `"i_pid_fkey"`) // INITIALLY IMMEDIATE
	mustRun(t, s, `ROLLBACK`)
	mustRun(t, s, `BEGIN`)
	mustRun(t, s, `INSERT INTO c VALUES (1)`)
	mustRun(t, s, `INSERT INTO p VALUES (1)`)
	mustRun(t, s, `COMMIT`)
	// A violation still there at COMMIT fails it and rolls the block back.
	mustRun(t, s, `BEGIN`)
	mustRun(t, s, `INSERT INTO p VALUES (2)`)
	mustRun(t, s, `INSERT INTO c VALUES (3)`)
	wantErr(t, s, `COMMIT`, sqlstate.ForeignKeyViolation, `insert or update on table "c" violates foreign key constraint "c_pid_fkey" | Key (pid)=(3) is not present in table "p".`)
	if got := flat(mustRun(t, s, `SELECT count(*) FROM p`)); got != "1" {
		t.Errorf("parent rows after the failed COMMIT: %s", got)
	}
	// Parent side: a key deleted and put back before COMMIT is fine.
	mustRun(t, s, `BEGIN`)
	mustRun(t, s, `DELETE FROM p WHERE id = 1`)
	mustRun(t, s, `INSERT INTO p VALUES (1)`)
	mustRun(t, s, `COMMIT`)
	mustRun(t, s, `BEGIN`)
	mustRun(t, s, `DELETE FROM p WHERE id = 1`)
	wantErr(t, s, `COMMIT`, sqlstate.ForeignKeyViolation, `update or delete on table "p" violates foreign key constraint "c_pid_fkey" on table "c"`)
	// SET CONSTRAINTS … IMMEDIATE checks what is pending at once.
	mustRun(t, s, `BEGIN`)
	mustRun(t, s, `INSERT INTO c VALUES (5)`)
	wantErr(t, s, `SET CONSTRAINTS ALL IMMEDIATE`, sqlstate.ForeignKeyViolation, `Key (pid)=(5)`)
	mustRun(t, s, `ROLLBACK`)
	mustRun(t, s, `BEGIN`)
	mustRun(t, s, `SET CONSTRAINTS i_pid_fkey DEFERRED`)
	mustRun(t, s, `INSERT INTO i VALUES (7)`)
	mustRun(t, s, `INSERT INTO p VALUES (7)`)
	mustRun(t, s, `SET CONSTRAINTS ALL IMMEDIATE`)
	mustRun(t, s, `COMMIT`)
	if got := flat(mustRun(t, s, `SELECT pid FROM i`)); got != "7" {
		t.Errorf("i: %s", got)
	}
}
