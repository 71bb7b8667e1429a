package executor

import "testing"

func TestArrayOps(t *testing.T) {
	_, s := testEngine(t)
	if got := flat(mustRun(t, s, `SELECT '{1,2}'::int4[] = '{1,2}', '{1}'::int4[] <> '{2}'::int4[], ARRAY[1,2] || ARRAY[3]`)); got != "t,t,{1,2,3}" {
		t.Errorf("got %q", got)
	}
}
