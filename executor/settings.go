package executor

import (
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/sharehouse/sharehouse/executor/sqlstate"
	"github.com/sharehouse/sharehouse/executor/sqltype"
)

// setting describes one run-time parameter (GUC) clients may SET and SHOW.
type setting struct {
	def      string
	reported bool // sent as ParameterStatus at startup and when changed
	readOnly bool
	// check normalises a new value or rejects it.
	check func(v string) (string, error)
}

// settings lists the parameters sharehouse knows. PostgreSQL clients send
// many of these on connect; accepting them is part of looking like
// PostgreSQL, and the ones that change behaviour are honoured.
var settings = map[string]setting{
	"server_version":                      {def: "", reported: true, readOnly: true},
	"server_version_num":                  {def: "150008", readOnly: true},
	"server_encoding":                     {def: "UTF8", reported: true, readOnly: true},
	"client_encoding":                     {def: "UTF8", reported: true, check: checkEncoding},
	"datestyle":                           {def: "ISO, MDY", reported: true},
	"timezone":                            {def: "UTC", reported: true, check: checkTimeZone},
	"integer_datetimes":                   {def: "on", reported: true, readOnly: true},
	"standard_conforming_strings":         {def: "on", reported: true},
	"intervalstyle":                       {def: "postgres", reported: true},
	"is_superuser":                        {def: "off", reported: true, readOnly: true},
	"session_authorization":               {def: "", reported: true, readOnly: true},
	"application_name":                    {def: "", reported: true},
	"default_transaction_read_only":       {def: "off", reported: true},
	"in_hot_standby":                      {def: "off", reported: true, readOnly: true},
	"search_path":                         {def: `"$user", public`},
	"extra_float_digits":                  {def: "1"},
	"statement_timeout":                   {def: "0", check: checkDuration},
	"lock_timeout":                        {def: "0"},
	"idle_in_transaction_session_timeout": {def: "0"},
	"client_min_messages":                 {def: "notice"},
	"bytea_output":                        {def: "hex"},
	"default_transaction_isolation":       {def: "read committed"},
	"transaction_isolation":               {def: "read committed"},
	"transaction_read_only":               {def: "off"},
	"max_identifier_length":               {def: "63", readOnly: true},
	"block_size":                          {def: "8192", readOnly: true},
	"lc_collate":                          {def: "C", readOnly: true},
	"lc_ctype":                            {def: "C", readOnly: true},
	"lc_messages":                         {def: "C"},
	"lc_monetary":                         {def: "C"},
	"lc_numeric":                          {def: "C"},
	"lc_time":                             {def: "C"},
	"work_mem":                            {def: "4MB"},
	"maintenance_work_mem":                {def: "64MB"},
	"jit":                                 {def: "off"},
	"geqo":                                {def: "on"},
	"row_security":                        {def: "on"},
	"synchronous_commit":                  {def: "on"},
	"enable_seqscan":                      {def: "on"},
	"max_parallel_workers_per_gather":     {def: "2"},
	"timezone_abbreviations":              {def: "Default"},
	"default_tablespace":                  {def: ""},
	"check_function_bodies":               {def: "on"},
	"xmloption":                           {def: "content"},
	"escape_string_warning":               {def: "on"},
	"tcp_keepalives_idle":                 {def: "0"},
	"password_encryption":                 {def: "scram-sha-256"},
	"max_connections":                     {def: "100", readOnly: true},
	"ssl":                                 {def: "off", readOnly: true},
	"wal_level":                           {def: "replica", readOnly: true},
	"data_directory_mode":                 {def: "0700", readOnly: true},
}

func checkDuration(v string) (string, error) {
	if _, ok := parseDurationSetting(v); !ok {
		return "", sqlstate.Errorf(sqlstate.InvalidParameterValue, "invalid value for parameter \"statement_timeout\": %q", v)
	}
	return v, nil
}

func checkEncoding(v string) (string, error) {
	switch strings.ToUpper(strings.ReplaceAll(v, "-", "")) {
	case "UTF8", "UNICODE":
		return "UTF8", nil
	case "SQL_ASCII":
		return "SQL_ASCII", nil
	}
	return "", sqlstate.Errorf(sqlstate.FeatureNotSupported, "encoding %q is not supported; sharehouse speaks UTF8", v)
}

func checkTimeZone(v string) (string, error) {
	if strings.EqualFold(v, "local") || strings.EqualFold(v, "default") {
		return "UTC", nil
	}
	if _, err := loadLocation(v); err != nil {
		return "", sqlstate.Errorf(sqlstate.InvalidParameterValue, "invalid value for parameter \"TimeZone\": %q", v)
	}
	return v, nil
}

// loadLocation understands IANA names and "UTC"/"GMT"/"Z".
func loadLocation(name string) (*time.Location, error) {
	switch strings.ToUpper(name) {
	case "UTC", "GMT", "Z", "ZULU", "UCT":
		return time.UTC, nil
	}
	return time.LoadLocation(name)
}

// sessionSettings holds one session's parameter values.
type sessionSettings struct {
	values  map[string]string
	changed map[string]bool // reported parameters changed since last report
}

func newSessionSettings(overrides map[string]string) *sessionSettings {
	ss := &sessionSettings{values: map[string]string{}, changed: map[string]bool{}}
	for name, s := range settings {
		ss.values[name] = s.def
	}
	for k, v := range overrides {
		_ = ss.set(k, v) // bad startup options are ignored, as PostgreSQL does for unknown ones it can't apply
	}
	for k := range ss.changed {
		delete(ss.changed, k)
	}
	return ss
}

// get returns a parameter's value; ok is false for an unknown name.
func (ss *sessionSettings) get(name string) (string, bool) {
	v, ok := ss.values[strings.ToLower(name)]
	return v, ok
}

// set changes a parameter, as SET does.
func (ss *sessionSettings) set(name, value string) error {
	name = strings.ToLower(name)
	s, known := settings[name]
	if !known && !strings.Contains(name, ".") {
		return sqlstate.Errorf(sqlstate.UndefinedObject, "unrecognized configuration parameter %q", name)
	}
	if s.readOnly {
		return sqlstate.Errorf(sqlstate.CantChangeRuntimeParam, "parameter %q cannot be changed", name)
	}
	if s.check != nil {
		v, err := s.check(value)
		if err != nil {
			return err
		}
		value = v
	}
	if ss.values[name] != value && s.reported {
		ss.changed[name] = true
	}
	ss.values[name] = value
	return nil
}

// reset restores a parameter's default.
func (ss *sessionSettings) reset(name string) error {
	name = strings.ToLower(name)
	s, ok := settings[name]
	if !ok {
		if strings.Contains(name, ".") {
			delete(ss.values, name)
			return nil
		}
		return sqlstate.Errorf(sqlstate.UndefinedObject, "unrecognized configuration parameter %q", name)
	}
	if s.readOnly {
		return nil
	}
	return ss.set(name, s.def)
}

func (ss *sessionSettings) names() []string {
	out := make([]string, 0, len(ss.values))
	for k := range ss.values {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// reportedName is the spelling PostgreSQL uses in ParameterStatus.
var reportedName = map[string]string{
	"datestyle": "DateStyle", "timezone": "TimeZone", "intervalstyle": "IntervalStyle",
}

func displayName(name string) string {
	if n, ok := reportedName[name]; ok {
		return n
	}
	return name
}

// format returns the text format the session's settings ask for.
func (ss *sessionSettings) format() sqltype.Format {
	loc, err := loadLocation(ss.values["timezone"])
	if err != nil {
		loc = time.UTC
	}
	return sqltype.Format{Location: loc}
}

// StatementTimeout is statement_timeout as a duration (0: none). Values
// are milliseconds unless they carry PostgreSQL's units (ms, s, min, h, d).
func (s *Session) StatementTimeout() time.Duration {
	d, _ := parseDurationSetting(s.settings.values["statement_timeout"])
	return d
}

func parseDurationSetting(v string) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	i := 0
	for i < len(v) && (v[i] >= '0' && v[i] <= '9') {
		i++
	}
	n, err := strconv.ParseInt(v[:i], 10, 64)
	if err != nil || n < 0 {
		return 0, false
	}
	unit := map[string]time.Duration{"": time.Millisecond, "ms": time.Millisecond, "s": time.Second, "min": time.Minute, "h": time.Hour, "d": 24 * time.Hour}
	u, ok := unit[strings.TrimSpace(v[i:])]
	if !ok {
		return 0, false
	}
	return time.Duration(n) * u, true
}
