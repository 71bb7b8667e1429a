package catalog

import (
	"fmt"

	"github.com/sharehouse/sharehouse/storage"
)

// Kind says what went wrong with a catalog object; the executor maps kinds
// and object types to SQLSTATEs in one table.
type Kind int

const (
	NotFound Kind = iota + 1 // absent, or not visible to the principal: the same thing
	Exists
	Denied // visible but not allowed
	ReadOnly
	InUse
	Invalid
	WrongType // a view where a table is needed, or the reverse
)

// Error is a catalog error about one object.
type Error struct {
	Kind   Kind
	Object string // "tenant", "database", "schema", "table", "column", "role"
	Name   string
	Detail string
	// More and Hint become the client's DETAIL and HINT lines.
	More, Hint string
}

func (e *Error) Error() string {
	if e.Detail != "" {
		return e.Detail
	}
	switch e.Kind {
	case NotFound:
		if e.Object == "table" {
			return fmt.Sprintf("relation %q does not exist", e.Name)
		}
		if e.Object == "tenant" {
			return fmt.Sprintf("role %q does not exist", e.Name)
		}
		return fmt.Sprintf("%s %q does not exist", e.Object, e.Name)
	case Exists:
		if e.Object == "table" {
			return fmt.Sprintf("relation %q already exists", e.Name)
		}
		if e.Object == "tenant" {
			return fmt.Sprintf("role %q already exists", e.Name)
		}
		return fmt.Sprintf("%s %q already exists", e.Object, e.Name)
	case Denied:
		if e.Detail != "" {
			return e.Detail
		}
		return fmt.Sprintf("permission denied for %s %s", e.Object, e.Name)
	case ReadOnly:
		return fmt.Sprintf("%s %q is read-only", e.Object, e.Name)
	case InUse:
		if e.Detail != "" {
			return e.Detail
		}
		return fmt.Sprintf("%s %q is being used", e.Object, e.Name)
	default:
		if e.Detail != "" {
			return e.Detail
		}
		return fmt.Sprintf("invalid %s %q", e.Object, e.Name)
	}
}

func notFound(object, name string) error { return &Error{Kind: NotFound, Object: object, Name: name} }
func exists(object, name string) error   { return &Error{Kind: Exists, Object: object, Name: name} }

// ErrCorrupt marks data that could not be read back as written.
var ErrCorrupt = storage.ErrCorrupt
