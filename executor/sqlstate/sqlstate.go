// Package sqlstate holds the SQLSTATE codes sharehouse sends and the one
// client-facing error type. It is a leaf: every other package of ours may
// import it, it imports none of them.
//
// Codes are attached where an error is born; Wrap keeps an inner code, so the
// most specific reason wins. Anything without a code reaches the client as
// XX000 "internal error" and its cause goes to the log only.
package sqlstate

import (
	"errors"
	"fmt"
)

// Code is a five-character SQLSTATE, as listed in PostgreSQL's errcodes.txt.
type Code string

// The codes sharehouse uses. Names follow PostgreSQL's condition names.
const (
	SuccessfulCompletion Code = "00000"
	Warning              Code = "01000"

	ConnectionException  Code = "08000"
	ConnectionFailure    Code = "08006"
	ProtocolViolation    Code = "08P01"
	FeatureNotSupported  Code = "0A000"
	InvalidAuthorization Code = "28000"
	InvalidPassword      Code = "28P01"

	CardinalityViolation Code = "21000"

	DataException                   Code = "22000"
	StringDataRightTruncation       Code = "22001"
	NumericValueOutOfRange          Code = "22003"
	NullValueNotAllowed             Code = "22004"
	InvalidDatetimeFormat           Code = "22007"
	DatetimeFieldOverflow           Code = "22008"
	DivisionByZero                  Code = "22012"
	InvalidPrecedingOrFollowingSize Code = "22013"
	InvalidArgumentForNtile         Code = "22014"
	InvalidArgumentForNthValue      Code = "22016"
	InvalidParameterValue           Code = "22023"
	SequenceGeneratorLimitExceeded  Code = "2200H"
	InvalidEscapeSequence           Code = "22025"
	InvalidTextRepresentation       Code = "22P02"
	InvalidBinaryRepresentation     Code = "22P03"
	BadCopyFileFormat               Code = "22P04"
	CharacterNotInRepertoire        Code = "22021"
	InvalidRegularExpression        Code = "2201B"
	InvalidRowCountInLimit          Code = "2201W"
	InvalidRowCountInResultOffset   Code = "2201X"

	IntegrityConstraintViolation Code = "23000"
	NotNullViolation             Code = "23502"
	ForeignKeyViolation          Code = "23503"
	UniqueViolation              Code = "23505"
	CheckViolation               Code = "23514"

	InvalidTransactionState    Code = "25000"
	ActiveSQLTransaction       Code = "25001"
	ReadOnlySQLTransaction     Code = "25006"
	NoActiveSQLTransaction     Code = "25P01"
	InFailedSQLTransaction     Code = "25P02"
	InvalidSQLStatementName    Code = "26000"
	InvalidSavepointSpec       Code = "3B001"
	InvalidCursorName          Code = "34000"
	InvalidCatalogName         Code = "3D000"
	InvalidSchemaName          Code = "3F000"
	SerializationFailure       Code = "40001"
	DependentObjectsStillExist Code = "2BP01"

	SyntaxErrorOrAccessRuleViolation Code = "42000"
	SyntaxError                      Code = "42601"
	InsufficientPrivilege            Code = "42501"
	GroupingError                    Code = "42803"
	WindowingError                   Code = "42P20"
	InvalidForeignKey                Code = "42830"
	InvalidName                      Code = "42602"
	NameTooLong                      Code = "42622"
	ReservedName                     Code = "42939"
	DatatypeMismatch                 Code = "42804"
	WrongObjectType                  Code = "42809"
	GeneratedAlways                  Code = "428C9"
	InvalidColumnReference           Code = "42P10"
	UndefinedColumn                  Code = "42703"
	UndefinedFunction                Code = "42883"
	UndefinedTable                   Code = "42P01"
	UndefinedParameter               Code = "42P02"
	UndefinedObject                  Code = "42704"
	DuplicateColumn                  Code = "42701"
	DuplicateDatabase                Code = "42P04"
	DuplicateObject                  Code = "42710"
	DuplicateSchema                  Code = "42P06"
	DuplicateTable                   Code = "42P07"
	DuplicateAlias                   Code = "42712"
	AmbiguousColumn                  Code = "42702"
	AmbiguousFunction                Code = "42725"
	AmbiguousParameter               Code = "42P08"
	IndeterminateDatatype            Code = "42P18"
	InvalidTableDefinition           Code = "42P16"
	InvalidColumnDefinition          Code = "42611"
	InvalidObjectDefinition          Code = "42P17"
	CannotCoerce                     Code = "42846"
	UndefinedPreparedStatement       Code = "26000"
	DuplicatePreparedStatement       Code = "42P05"
	DuplicateCursor                  Code = "42P03"

	InsufficientResources Code = "53000"
	DiskFull              Code = "53100"
	OutOfMemory           Code = "53200"
	TooManyConnections    Code = "53300"
	ProgramLimitExceeded  Code = "54000"
	StatementTooComplex   Code = "54001"

	ObjectNotInPrerequisiteState Code = "55000"
	CantChangeRuntimeParam       Code = "55P02"
	LockNotAvailable             Code = "55P03"
	ObjectInUse                  Code = "55006"

	QueryCanceled    Code = "57014"
	AdminShutdown    Code = "57P01"
	CannotConnectNow Code = "57P03"

	IOError Code = "58030"

	InternalError Code = "XX000"
	DataCorrupted Code = "XX001"
)

// Error is an error a client may see: a code, PostgreSQL-style words, and an
// optional position into the statement text.
type Error struct {
	Code     Code
	Severity string // "ERROR" unless set (FATAL for connection-ending errors)
	Message  string
	Detail   string
	Hint     string
	Position int32 // 1-based character offset into the statement, 0 if none
	cause    error // logged, never sent
}

// Errorf makes an Error with the given code and a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// WithDetail returns e with Detail set.
func (e *Error) WithDetail(format string, args ...any) *Error {
	e.Detail = fmt.Sprintf(format, args...)
	return e
}

// WithHint returns e with Hint set.
func (e *Error) WithHint(format string, args ...any) *Error {
	e.Hint = fmt.Sprintf(format, args...)
	return e
}

// WithPosition returns e with Position set.
func (e *Error) WithPosition(pos int32) *Error {
	e.Position = pos
	return e
}

func (e *Error) Error() string { return e.Message }

// Unwrap returns the cause kept for the log.
func (e *Error) Unwrap() error { return e.cause }

// Wrap gives err a code and a client message unless it already carries one:
// an inner code wins, because it was attached closer to the cause.
func Wrap(err error, code Code, msg string) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	return &Error{Code: code, Message: msg, cause: err}
}

// CodeOf returns the code of the first *Error in err's chain, or XX000.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return InternalError
}

// Of returns the client-facing form of err: its *Error when it has one,
// otherwise an XX000 "internal error" that keeps err as its cause.
func Of(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Code: InternalError, Message: "internal error", cause: err}
}
