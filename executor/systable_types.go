package executor

import (
	"strconv"

	"github.com/sharehouse/sharehouse/executor/sqltype"
)

// pgTypeDef is one pg_type row: the types sqltype knows, with PostgreSQL
// 15's values (taken from its catalog). typarray is the array type when
// sqltype has it (sqltype.ArrayOf), else 0.
type pgTypeDef struct {
	oid                                         uint32
	name                                        string
	len                                         int
	byval                                       bool
	typtype, category                           string
	preferred                                   bool
	elem                                        uint32
	input, output, receive, send, modin, modout proc
	align, storage                              string
	collation                                   uint32
	subscript                                   proc // array_subscript_handler for arrays and vectors
}

// proc is a regproc value: a function's oid and name.
type proc struct {
	oid  uint32
	name string
}

var pgTypes = []pgTypeDef{
	{oid: 16, name: "bool", len: 1, byval: true, typtype: "b", category: "B", preferred: true, elem: 0, input: proc{1242, "boolin"}, output: proc{1243, "boolout"}, receive: proc{2436, "boolrecv"}, send: proc{2437, "boolsend"}, modin: proc{0, "-"}, modout: proc{0, "-"}, align: "c", storage: "p", collation: 0},
	{oid: 17, name: "bytea", len: -1, byval: false, typtype: "b", category: "U", preferred: false, elem: 0, input: proc{1244, "byteain"}, output: proc{31, "byteaout"}, receive: proc{2412, "bytearecv"}, send: proc{2413, "byteasend"}, modin: proc{0, "-"}, modout: proc{0, "-"}, align: "i", storage: "x", collation: 0},
	{oid: 18, name: "char", len: 1, byval: true, typtype: "b", category: "Z", preferred: false, elem: 0, input: proc{1245, "charin"}, output: proc{33, "charout"}, receive: proc{2434, "charrecv"}, send: proc{2435, "charsend"}, modin: proc{0, "-"}, modout: proc{0, "-"}, align: "c", storage: "p", collation: 0},
	{oid: 19, name: "name", len: 64, byval: false, typtype: "b", category: "S", preferred: false, elem: 18, input: proc{34, "namein"}, output: proc{35, "nameout"}, receive: proc{2422, "namerecv"}, send: proc{2423, "namesend"}, modin: proc{0, "-"}, modout: proc{0, "-"}, align: "c", storage: "p", collation: 950},
	{oid: 20, name: "int8", len: 8, byval: true, typtype: "b", category: "N", preferred: false, elem: 0, input: proc{460, "int8in"}, output: proc{461, "int8out"}, receive: proc{2408, "int8recv"}, send: proc{2409, "int8send"}, modin: proc{0, "-"}, modout: proc{0, "-"}, align: "d", storage: "p", collation: 0},
	{oid: 21, name: "int2", len: 2, byval: true, typtype: "b", category: "N", preferred: false, elem: 0, input: proc{38, "int2in"}, output: proc{39, "int2out"}, receive: proc{2404, "int2recv"}, send: proc{2405, "int2send"}, modin: proc{0, "-"}, modout: proc{0, "-"}, align: "s", storage: "p", collation: 0},
	{oid: 23, name: "int4", len: 4, byval: true, typtype: "b", category: "N", preferred: false, elem: 0, input: proc{42, "int4in"}, output: proc{43, "int4out"}, receive: proc{2406, "int4recv"}, send: proc{2407, "int4send"}, modin: proc{0, "-"}, modout: proc{0, "-"}, align: "i", storage: "p", collation: 0},
	{oid: 24, name: "regproc", len: 4, byval: true, typtype: "b", category: "N", preferred: false, elem: 0, input: proc{44, "regprocin"}, output: proc{45, "regprocout"}, receive: proc{2444, "regprocrecv"}, send: proc{2445, "regprocsend"}, modin: proc{0, "-"}, modout: proc{0, "-"}, align: "i", storage: "p", collation: 0},
	{oid: 25, name: "text", len: -1, byval: false, typtype: "b", category: "S", preferred: true, elem: 0, input: proc{46, "textin"}, output: proc{47, "textout"}, receive: proc{2414, "textrecv"}, send: proc{2415, "textsend"}, modin: proc{0, "-"}, modout: proc{0, "-"}, align: "i", storage: "x", collation: 100},
	{oid: 26, name: "oid", len: 4, byval: true, typtype: "b", category: "N", preferred: true, elem: 0, input: proc{1798, "oidin"}, output: proc{1799, "oidout"}, receive: proc{2418, "oidrecv"}, send: proc{2419, "oidsend"}, modin: proc{0, "-"}, modout: proc{0, "-"}, align: "i", storage: "p", collation: 0},
	{oid: 114, name: "json", len: -1, byval: false, typtype: "b", category: "U", preferred: false, elem: 0, input: proc{321, "json_in"}, output: proc{322, "json_out"}, receive: proc{323, "json_recv"}, send: proc{324, "json_send"}, modin: proc{0, "-"}, modout: proc{0, "-"}, align: "i", storage: "x", collation: 0},
	{oid: 700, name: "float4", len: 4, byval: true, typtype: "b", category: "N", preferred: false, elem: 0, input: proc{200, "float4in"}, output: proc{201, "float4out"}, receive: proc{2424, "float4recv"}, send: proc{2425, "float4send"}, modin: proc{0, "-"}, modout: proc{0, "-"}, align: "i", storage: "p", collation: 0},
	{oid: 701, name: "float8", len: 8, byval: true, typtype: "b", category: "N", preferred: true, elem: 0, input: proc{214, "float8in"}, output: proc{215, "float8out"}, receive: proc{2426, "float8recv"}, send: proc{2427, "float8send"}, modin: proc{0, "-"}, modout: proc{0, "-"}, align: "d", storage: "p", collation: 0},
	{oid: 705, name: "unknown", len: -2, byval: false, typtype: "p", category: "X", preferred: false, elem: 0, input: proc{109, "unknownin"}, output: proc{110, "unknownout"}, receive: proc{2416, "unknownrecv"}, send: proc{2417, "unknownsend"}, modin: proc{0, "-"}, modout: proc{0, "-"}, align: "c", storage: "p", collation: 0},
	{oid: 1042, name: "bpchar", len: -1, byval: false, typtype: "b", category: "S", preferred: false, elem: 0, input: proc{1044, "bpcharin"}, output: proc{1045, "bpcharout"}, receive: proc{2430, "bpcharrecv"}, send: proc{2431, "bpcharsend"}, modin: proc{2913, "bpchartypmodin"}, modout: proc{2914, "bpchartypmodout"}, align: "i", storage: "x", collation: 100},
	{oid: 1043, name: "varchar", len: -1, byval: false, typtype: "b", category: "S", preferred: false, elem: 0, input: proc{1046, "varcharin"}, output: proc{1047, "varcharout"}, receive: proc{2432, "varcharrecv"}, send: proc{2433, "varcharsend"}, modin: proc{2915, "varchartypmodin"}, modout: proc{2916, "varchartypmodout"}, align: "i", storage: "x", collation: 100},
	{oid: 1082, name: "date", len: 4, byval: true, typtype: "b", category: "D", preferred: false, elem: 0, input: proc{1084, "date_in"}, output: proc{1085, "date_out"}, receive: proc{2468, "date_recv"}, send: proc{2469, "date_send"}, modin: proc{0, "-"}, modout: proc{0, "-"}, align: "i", storage: "p", collation: 0},
	{oid: 1083, name: "time", len: 8, byval: true, typtype: "b", category: "D", preferred: false, elem: 0, input: proc{1143, "time_in"}, output: proc{1144, "time_out"}, receive: proc{2470, "time_recv"}, send: proc{2471, "time_send"}, modin: proc{2909, "timetypmodin"}, modout: proc{2910, "timetypmodout"}, align: "d", storage: "p", collation: 0},
	{oid: 1114, name: "timestamp", len: 8, byval: true, typtype: "b", category: "D", preferred: false, elem: 0, input: proc{1312, "timestamp_in"}, output: proc{1313, "timestamp_out"}, receive: proc{2474, "timestamp_recv"}, send: proc{2475, "timestamp_send"}, modin: proc{2905, "timestamptypmodin"}, modout: proc{2906, "timestamptypmodout"}, align: "d", storage: "p", collation: 0},
	{oid: 1184, name: "timestamptz", len: 8, byval: true, typtype: "b", category: "D", preferred: true, elem: 0, input: proc{1150, "timestamptz_in"}, output: proc{1151, "timestamptz_out"}, receive: proc{2476, "timestamptz_recv"}, send: proc{2477, "timestamptz_send"}, modin: proc{2907, "timestamptztypmodin"}, modout: proc{2908, "timestamptztypmodout"}, align: "d", storage: "p", collation: 0},
	{oid: 1186, name: "interval", len: 16, byval: false, typtype: "b", category: "T", preferred: true, elem: 0, input: proc{1160, "interval_in"}, output: proc{1161, "interval_out"}, receive: proc{2478, "interval_recv"}, send: proc{2479, "interval_send"}, modin: proc{2903, "intervaltypmodin"}, modout: proc{2904, "intervaltypmodout"}, align: "d", storage: "p", collation: 0},
	{oid: 1700, name: "numeric", len: -1, byval: false, typtype: "b", category: "N", preferred: false, elem: 0, input: proc{1701, "numeric_in"}, output: proc{1702, "numeric_out"}, receive: proc{2460, "numeric_recv"}, send: proc{2461, "numeric_send"}, modin: proc{2917, "numerictypmodin"}, modout: proc{2918, "numerictypmodout"}, align: "i", storage: "m", collation: 0},
	{oid: 2205, name: "regclass", len: 4, byval: true, typtype: "b", category: "N", preferred: false, elem: 0, input: proc{2218, "regclassin"}, output: proc{2219, "regclassout"}, receive: proc{2452, "regclassrecv"}, send: proc{2453, "regclasssend"}, modin: proc{0, "-"}, modout: proc{0, "-"}, align: "i", storage: "p", collation: 0},
	{oid: 2206, name: "regtype", len: 4, byval: true, typtype: "b", category: "N", preferred: false, elem: 0, input: proc{2220, "regtypein"}, output: proc{2221, "regtypeout"}, receive: proc{2454, "regtyperecv"}, send: proc{2455, "regtypesend"}, modin: proc{0, "-"}, modout: proc{0, "-"}, align: "i", storage: "p", collation: 0},
	{oid: 2950, name: "uuid", len: 16, byval: false, typtype: "b", category: "U", preferred: false, elem: 0, input: proc{2952, "uuid_in"}, output: proc{2953, "uuid_out"}, receive: proc{2961, "uuid_recv"}, send: proc{2962, "uuid_send"}, modin: proc{0, "-"}, modout: proc{0, "-"}, align: "c", storage: "p", collation: 0},
	{oid: 3802, name: "jsonb", len: -1, byval: false, typtype: "b", category: "U", preferred: false, elem: 0, input: proc{3806, "jsonb_in"}, output: proc{3804, "jsonb_out"}, receive: proc{3805, "jsonb_recv"}, send: proc{3803, "jsonb_send"}, modin: proc{0, "-"}, modout: proc{0, "-"}, align: "i", storage: "x", collation: 0},
	{oid: 22, name: "int2vector", len: -1, byval: false, typtype: "b", category: "A", preferred: false, elem: 21, input: proc{40, "int2vectorin"}, output: proc{41, "int2vectorout"}, receive: proc{2410, "int2vectorrecv"}, send: proc{2411, "int2vectorsend"}, modin: proc{0, "-"}, modout: proc{0, "-"}, align: "i", storage: "p", collation: 0, subscript: proc{6179, "array_subscript_handler"}},
	{oid: 30, name: "oidvector", len: -1, byval: false, typtype: "b", category: "A", preferred: false, elem: 26, input: proc{54, "oidvectorin"}, output: proc{55, "oidvectorout"}, receive: proc{2420, "oidvectorrecv"}, send: proc{2421, "oidvectorsend"}, modin: proc{0, "-"}, modout: proc{0, "-"}, align: "i", storage: "p", collation: 0, subscript: proc{6179, "array_subscript_handler"}},
	{oid: 1000, name: "_bool", len: -1, byval: false, typtype: "b", category: "A", preferred: false, elem: 16, input: proc{750, "array_in"}, output: proc{751, "array_out"}, receive: proc{2400, "array_recv"}, send: proc{2401, "array_send"}, modin: proc{0, "-"}, modout: proc{0, "-"}, align: "i", storage: "x", collation: 0, subscript: proc{6179, "array_subscript_handler"}},
	{oid: 1002, name: "_char", len: -1, byval: false, typtype: "b", category: "A", preferred: false, elem: 18, input: proc{750, "array_in"}, output: proc{751, "array_out"}, receive: proc{2400, "array_recv"}, send: proc{2401, "array_send"}, modin: proc{0, "-"}, modout: proc{0, "-"}, align: "i", storage: "x", collation: 0, subscript: proc{6179, "array_subscript_handler"}},
	{oid: 1003, name: "_name", len: -1, byval: false, typtype: "b", category: "A", preferred: false, elem: 19, input: proc{750, "array_in"}, output: proc{751, "array_out"}, receive: proc{2400, "array_recv"}, send: proc{2401, "array_send"}, modin: proc{0, "-"}, modout: proc{0, "-"}, align: "i", storage: "x", collation: 950, subscript: proc{6179, "array_subscript_handler"}},
	{oid: 1005, name: "_int2", len: -1, byval: false, typtype: "b", category: "A", preferred: false, elem: 21, input: proc{750, "array_in"}, output: proc{751, "array_out"}, receive: proc{2400, "array_recv"}, send: proc{2401, "array_send"}, modin: proc{0, "-"}, modout: proc{0, "-"}, align: "i", storage: "x", collation: 0, subscript: proc{6179, "array_subscript_handler"}},
	{oid: 1007, name: "_int4", len: -1, byval: false, typtype: "b", category: "A", preferred: false, elem: 23, input: proc{750, "array_in"}, output: proc{751, "array_out"}, receive: proc{2400, "array_recv"}, send: proc{2401, "array_send"}, modin: proc{0, "-"}, modout: proc{0, "-"}, align: "i", storage: "x", collation: 0, subscript: proc{6179, "array_subscript_handler"}},
	{oid: 1009, name: "_text", len: -1, byval: false, typtype: "b", category: "A", preferred: false, elem: 25, input: proc{750, "array_in"}, output: proc{751, "array_out"}, receive: proc{2400, "array_recv"}, send: proc{2401, "array_send"}, modin: proc{0, "-"}, modout: proc{0, "-"}, align: "i", storage: "x", collation: 100, subscript: proc{6179, "array_subscript_handler"}},
	{oid: 1015, name: "_varchar", len: -1, byval: false, typtype: "b", category: "A", preferred: false, elem: 1043, input: proc{750, "array_in"}, output: proc{751, "array_out"}, receive: proc{2400, "array_recv"}, send: proc{2401, "array_send"}, modin: proc{2915, "varchartypmodin"}, modout: proc{2916, "varchartypmodout"}, align: "i", storage: "x", collation: 100, subscript: proc{6179, "array_subscript_handler"}},
	{oid: 1016, name: "_int8", len: -1, byval: false, typtype: "b", category: "A", preferred: false, elem: 20, input: proc{750, "array_in"}, output: proc{751, "array_out"}, receive: proc{2400, "array_recv"}, send: proc{2401, "array_send"}, modin: proc{0, "-"}, modout: proc{0, "-"}, align: "d", storage: "x", collation: 0, subscript: proc{6179, "array_subscript_handler"}},
	{oid: 1022, name: "_float8", len: -1, byval: false, typtype: "b", category: "A", preferred: false, elem: 701, input: proc{750, "array_in"}, output: proc{751, "array_out"}, receive: proc{2400, "array_recv"}, send: proc{2401, "array_send"}, modin: proc{0, "-"}, modout: proc{0, "-"}, align: "d", storage: "x", collation: 0, subscript: proc{6179, "array_subscript_handler"}},
	{oid: 1028, name: "_oid", len: -1, byval: false, typtype: "b", category: "A", preferred: false, elem: 26, input: proc{750, "array_in"}, output: proc{751, "array_out"}, receive: proc{2400, "array_recv"}, send: proc{2401, "array_send"}, modin: proc{0, "-"}, modout: proc{0, "-"}, align: "i", storage: "x", collation: 0, subscript: proc{6179, "array_subscript_handler"}},
	{oid: 4089, name: "regnamespace", len: 4, byval: true, typtype: "b", category: "N", preferred: false, elem: 0, input: proc{4084, "regnamespacein"}, output: proc{4085, "regnamespaceout"}, receive: proc{4087, "regnamespacerecv"}, send: proc{4088, "regnamespacesend"}, modin: proc{0, "-"}, modout: proc{0, "-"}, align: "i", storage: "p", collation: 0, subscript: proc{0, "-"}},
}

// pgTypeInfo returns the pg_type facts of oid (zero for an unknown type).
func pgTypeInfo(oid sqltype.OID) pgTypeDef {
	for _, t := range pgTypes {
		if t.oid == uint32(oid) {
			return t
		}
	}
	return pgTypeDef{align: "i", storage: "x"}
}

func pgTypeRows() []sysRow {
	out := make([]sysRow, 0, len(pgTypes))
	for _, t := range pgTypes {
		out = append(out, sysRow{
			"oid": t.oid, "typname": t.name, "typnamespace": oidPgCatalog, "typowner": oidBootstrapRole,
			"typlen": t.len, "typbyval": t.byval, "typtype": t.typtype, "typcategory": t.category,
			"typispreferred": t.preferred, "typisdefined": true, "typdelim": ",", "typrelid": 0,
			"typsubscript": t.subscript.oid, "typelem": t.elem, "typarray": typArray(t.oid),
			"typinput": t.input.oid, "typoutput": t.output.oid, "typreceive": t.receive.oid, "typsend": t.send.oid,
			"typmodin": t.modin.oid, "typmodout": t.modout.oid, "typanalyze": 0,
			"typalign": t.align, "typstorage": t.storage, "typnotnull": false, "typbasetype": 0,
			"typtypmod": -1, "typndims": 0, "typcollation": t.collation,
		})
	}
	return out
}

// procByName finds a type I/O function (the only pg_proc entries clients
// name in regproc literals) by name; array_in is there for drivers that
// ask whether a type's input is array_in.
func procByName(name string) (uint32, bool) {
	if name == "array_in" {
		return 750, true
	}
	for _, t := range pgTypes {
		for _, p := range []proc{t.input, t.output, t.receive, t.send, t.modin, t.modout} {
			if p.name == name && p.oid != 0 {
				return p.oid, true
			}
		}
	}
	return 0, false
}

// procName is regproc's output: the function's name, "-" for 0.
func procName(oid uint32) string {
	if oid == 0 {
		return "-"
	}
	if oid == 750 {
		return "array_in"
	}
	for _, t := range pgTypes {
		for _, p := range []proc{t.input, t.output, t.receive, t.send, t.modin, t.modout, t.subscript} {
			if p.oid == oid {
				return p.name
			}
		}
	}
	return strconv.FormatUint(uint64(oid), 10)
}

// typArray is pg_type.typarray: the array type of oid when sqltype has one.
func typArray(oid uint32) uint32 {
	if a, ok := sqltype.ArrayOf(sqltype.OID(oid)); ok {
		return uint32(a)
	}
	return 0
}
