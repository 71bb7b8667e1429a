package parser

import (
	"strconv"
	"strings"
)

// Own is a statement of sharehouse's own grammar: tenants, shares,
// recipients, mounts. String prints canonical SQL that parses back to an
// equal value (passwords included: never log it).
type Own interface {
	String() string
	own()
}

// QualifiedName is a dotted name of one to three parts, e.g. db.schema.table;
// each part is folded or unquoted already.
type QualifiedName []string

// String prints the name with each part quoted as needed.
func (q QualifiedName) String() string {
	var b strings.Builder
	for i, p := range q {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(quoteIdent(p))
	}
	return b.String()
}

// ObjectKind names the kind of object a statement acts on.
type ObjectKind uint8

// Object kinds.
const (
	ObjDatabase          ObjectKind = iota + 1 // GRANT USAGE ON DATABASE
	ObjSchema                                  // GRANT USAGE ON SCHEMA, ALTER SHARE ADD SCHEMA
	ObjTable                                   // GRANT SELECT ON TABLE, ALTER SHARE ADD TABLE
	ObjAllTablesInSchema                       // GRANT SELECT ON ALL TABLES IN SCHEMA
	ObjShare                                   // DESCRIBE SHARE
	ObjRecipient                               // DESCRIBE RECIPIENT
)

var objectKeywords = map[ObjectKind]string{
	ObjDatabase: "DATABASE", ObjSchema: "SCHEMA", ObjTable: "TABLE",
	ObjAllTablesInSchema: "ALL TABLES IN SCHEMA", ObjShare: "SHARE", ObjRecipient: "RECIPIENT",
}

// String returns the kind's keywords, e.g. "ALL TABLES IN SCHEMA".
func (k ObjectKind) String() string { return objectKeywords[k] }

// Property is one 'key' = 'value' pair of a recipient's PROPERTIES.
type Property struct{ Key, Value string }

func writeProperties(b *strings.Builder, props []Property) {
	b.WriteString("PROPERTIES (")
	for i, p := range props {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(quoteString(p.Key))
		b.WriteString(" = ")
		b.WriteString(quoteString(p.Value))
	}
	b.WriteByte(')')
}

func ifExists(b bool) string {
	if b {
		return "IF EXISTS "
	}
	return ""
}

func ifNotExists(b bool) string {
	if b {
		return "IF NOT EXISTS "
	}
	return ""
}

func comment(c string) string {
	if c == "" {
		return ""
	}
	return " COMMENT " + quoteString(c)
}

// CreateTenant is CREATE TENANT name PASSWORD 'pw' [COMMENT 'text'].
type CreateTenant struct {
	Name     string
	Password string
	Comment  string // "" when none
}

func (s *CreateTenant) String() string {
	return "CREATE TENANT " + quoteIdent(s.Name) + " PASSWORD " + quoteString(s.Password) + comment(s.Comment)
}

// AlterTenant is ALTER TENANT name [PASSWORD 'pw'] [COMMENT 'text'], at least
// one of the two; nil means unchanged.
type AlterTenant struct {
	Name     string
	Password *string
	Comment  *string
}

func (s *AlterTenant) String() string {
	out := "ALTER TENANT " + quoteIdent(s.Name)
	if s.Password != nil {
		out += " PASSWORD " + quoteString(*s.Password)
	}
	if s.Comment != nil {
		out += " COMMENT " + quoteString(*s.Comment)
	}
	return out
}

// DropTenant is DROP TENANT [IF EXISTS] name.
type DropTenant struct {
	Name     string
	IfExists bool
}

func (s *DropTenant) String() string {
	return "DROP TENANT " + ifExists(s.IfExists) + quoteIdent(s.Name)
}

// CreateShare is CREATE SHARE [IF NOT EXISTS] name [COMMENT [=] 'text'].
type CreateShare struct {
	Name        string
	IfNotExists bool
	Comment     string
}

func (s *CreateShare) String() string {
	return "CREATE SHARE " + ifNotExists(s.IfNotExists) + quoteIdent(s.Name) + comment(s.Comment)
}

// DropShare is DROP SHARE [IF EXISTS] name.
type DropShare struct {
	Name     string
	IfExists bool
}

func (s *DropShare) String() string { return "DROP SHARE " + ifExists(s.IfExists) + quoteIdent(s.Name) }

// CommentOnShare is COMMENT ON SHARE name IS 'text' (IS NULL gives "").
type CommentOnShare struct {
	Name    string
	Comment string
}

func (s *CommentOnShare) String() string {
	return "COMMENT ON SHARE " + quoteIdent(s.Name) + " IS " + quoteString(s.Comment)
}

// RenameShare is ALTER SHARE [IF EXISTS] name RENAME TO new.
type RenameShare struct {
	Name     string
	IfExists bool
	NewName  string
}

func (s *RenameShare) String() string {
	return "ALTER SHARE " + ifExists(s.IfExists) + quoteIdent(s.Name) + " RENAME TO " + quoteIdent(s.NewName)
}

// AlterShareTable is ALTER SHARE [IF EXISTS] s ADD TABLE db.schema.t
// [AS schema.alias] [COMMENT 'text'], or REMOVE TABLE db.schema.t.
type AlterShareTable struct {
	Share    string
	IfExists bool
	Remove   bool
	Table    QualifiedName // 1 to 3 parts
	Alias    QualifiedName // nil, or 1 to 2 parts (schema.name); ADD only
	Comment  string        // ADD only
}

func (s *AlterShareTable) String() string {
	out := "ALTER SHARE " + ifExists(s.IfExists) + quoteIdent(s.Share)
	if s.Remove {
		return out + " REMOVE TABLE " + s.Table.String()
	}
	out += " ADD TABLE " + s.Table.String()
	if len(s.Alias) > 0 {
		out += " AS " + s.Alias.String()
	}
	return out + comment(s.Comment)
}

// AlterShareSchema is ALTER SHARE [IF EXISTS] s {ADD|REMOVE} SCHEMA db.schema.
type AlterShareSchema struct {
	Share    string
	IfExists bool
	Remove   bool
	Schema   QualifiedName // 1 to 2 parts
}

func (s *AlterShareSchema) String() string {
	verb := " ADD"
	if s.Remove {
		verb = " REMOVE"
	}
	return "ALTER SHARE " + ifExists(s.IfExists) + quoteIdent(s.Share) + verb + " SCHEMA " + s.Schema.String()
}

// AlterShareTenants is ALTER SHARE [IF EXISTS] s {ADD|REMOVE} TENANTS = a, b
// (ACCOUNTS is a synonym).
type AlterShareTenants struct {
	Share    string
	IfExists bool
	Remove   bool
	Tenants  []string
}

func (s *AlterShareTenants) String() string {
	var b strings.Builder
	b.WriteString("ALTER SHARE " + ifExists(s.IfExists) + quoteIdent(s.Share))
	if s.Remove {
		b.WriteString(" REMOVE TENANTS = ")
	} else {
		b.WriteString(" ADD TENANTS = ")
	}
	for i, t := range s.Tenants {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(quoteIdent(t))
	}
	return b.String()
}

// Privilege is what a grant allows.
type Privilege uint8

// Privileges.
const (
	PrivUsage Privilege = iota + 1
	PrivSelect
)

// String returns the privilege's keyword.
func (p Privilege) String() string {
	if p == PrivUsage {
		return "USAGE"
	}
	return "SELECT"
}

// ShareGrant is GRANT (or REVOKE) of an object to a share:
//
//	GRANT USAGE ON DATABASE db TO SHARE s
//	GRANT USAGE ON SCHEMA db.sch TO SHARE s
//	GRANT SELECT ON TABLE db.sch.t TO SHARE s
//	GRANT SELECT ON ALL TABLES IN SCHEMA db.sch TO SHARE s
//
// REVOKE … FROM SHARE s. USAGE goes with DATABASE and SCHEMA, SELECT with
// TABLE and ALL TABLES IN SCHEMA.
type ShareGrant struct {
	Revoke    bool
	Privilege Privilege
	Object    ObjectKind // ObjDatabase, ObjSchema, ObjTable or ObjAllTablesInSchema
	Name      QualifiedName
	Share     string
}

func (s *ShareGrant) String() string {
	verb, prep := "GRANT ", " TO SHARE "
	if s.Revoke {
		verb, prep = "REVOKE ", " FROM SHARE "
	}
	return verb + s.Privilege.String() + " ON " + s.Object.String() + " " + s.Name.String() + prep + quoteIdent(s.Share)
}

// CreateRecipient is CREATE RECIPIENT [IF NOT EXISTS] r [USING ID 'tenant']
// [COMMENT 'text'] [PROPERTIES ('k' = 'v', …)]; the clauses in any order.
type CreateRecipient struct {
	Name        string
	IfNotExists bool
	UsingID     string // the consumer tenant of a tenant recipient; "" for a token recipient
	Comment     string
	Properties  []Property // nil when none
}

func (s *CreateRecipient) String() string {
	var b strings.Builder
	b.WriteString("CREATE RECIPIENT " + ifNotExists(s.IfNotExists) + quoteIdent(s.Name))
	if s.UsingID != "" {
		b.WriteString(" USING ID " + quoteString(s.UsingID))
	}
	b.WriteString(comment(s.Comment))
	if len(s.Properties) > 0 {
		b.WriteByte(' ')
		writeProperties(&b, s.Properties)
	}
	return b.String()
}

// RotateRecipientToken is ALTER RECIPIENT r ROTATE TOKEN [EXPIRE EXISTING IN
// n SECONDS].
type RotateRecipientToken struct {
	Name string
	// ExpireExisting is true when the statement says when the current token
	// expires: ExpireSeconds from now. Otherwise the executor's default applies.
	ExpireExisting bool
	ExpireSeconds  int64
}

func (s *RotateRecipientToken) String() string {
	out := "ALTER RECIPIENT " + quoteIdent(s.Name) + " ROTATE TOKEN"
	if s.ExpireExisting {
		out += " EXPIRE EXISTING IN " + strconv.FormatInt(s.ExpireSeconds, 10) + " SECONDS"
	}
	return out
}

// SetRecipientProperties is ALTER RECIPIENT r SET PROPERTIES ('k' = 'v', …).
type SetRecipientProperties struct {
	Name       string
	Properties []Property
}

func (s *SetRecipientProperties) String() string {
	var b strings.Builder
	b.WriteString("ALTER RECIPIENT " + quoteIdent(s.Name) + " SET ")
	writeProperties(&b, s.Properties)
	return b.String()
}

// RenameRecipient is ALTER RECIPIENT r RENAME TO new.
type RenameRecipient struct {
	Name    string
	NewName string
}

func (s *RenameRecipient) String() string {
	return "ALTER RECIPIENT " + quoteIdent(s.Name) + " RENAME TO " + quoteIdent(s.NewName)
}

// DropRecipient is DROP RECIPIENT [IF EXISTS] r.
type DropRecipient struct {
	Name     string
	IfExists bool
}

func (s *DropRecipient) String() string {
	return "DROP RECIPIENT " + ifExists(s.IfExists) + quoteIdent(s.Name)
}

// RecipientGrant is GRANT SELECT ON SHARE s TO RECIPIENT r, or REVOKE SELECT
// ON SHARE s FROM RECIPIENT r.
type RecipientGrant struct {
	Revoke    bool
	Share     string
	Recipient string
}

func (s *RecipientGrant) String() string {
	if s.Revoke {
		return "REVOKE SELECT ON SHARE " + quoteIdent(s.Share) + " FROM RECIPIENT " + quoteIdent(s.Recipient)
	}
	return "GRANT SELECT ON SHARE " + quoteIdent(s.Share) + " TO RECIPIENT " + quoteIdent(s.Recipient)
}

// Describe is DESC[RIBE] SHARE s or DESC[RIBE] RECIPIENT r.
type Describe struct {
	Object ObjectKind // ObjShare or ObjRecipient
	Name   string
}

func (s *Describe) String() string { return "DESCRIBE " + s.Object.String() + " " + quoteIdent(s.Name) }

// ShowKind says what a SHOW statement lists.
type ShowKind uint8

// What SHOW lists.
const (
	ShowShares            ShowKind = iota + 1 // SHOW SHARES
	ShowRecipients                            // SHOW RECIPIENTS
	ShowTenants                               // SHOW TENANTS
	ShowAllInShare                            // SHOW ALL IN SHARE s: the share's objects
	ShowGrantsOnShare                         // SHOW GRANTS ON SHARE s: what the share holds
	ShowGrantsOfShare                         // SHOW GRANTS OF SHARE s: who the share is granted to
	ShowGrantsToRecipient                     // SHOW GRANTS TO RECIPIENT r: the shares r may read
)

// Show is one of the SHOW statements of ShowKind; Name is the share or
// recipient where the kind has one.
type Show struct {
	What ShowKind
	Name string
}

func (s *Show) String() string {
	switch s.What {
	case ShowShares:
		return "SHOW SHARES"
	case ShowRecipients:
		return "SHOW RECIPIENTS"
	case ShowTenants:
		return "SHOW TENANTS"
	case ShowAllInShare:
		return "SHOW ALL IN SHARE " + quoteIdent(s.Name)
	case ShowGrantsOnShare:
		return "SHOW GRANTS ON SHARE " + quoteIdent(s.Name)
	case ShowGrantsOfShare:
		return "SHOW GRANTS OF SHARE " + quoteIdent(s.Name)
	case ShowGrantsToRecipient:
		return "SHOW GRANTS TO RECIPIENT " + quoteIdent(s.Name)
	}
	return "SHOW ?"
}

// CreateDatabaseFromShare is CREATE DATABASE name FROM SHARE provider.share:
// a read-only mount of a share of the tenant provider.
type CreateDatabaseFromShare struct {
	Name     string
	Provider string
	Share    string
}

func (s *CreateDatabaseFromShare) String() string {
	return "CREATE DATABASE " + quoteIdent(s.Name) + " FROM SHARE " + quoteIdent(s.Provider) + "." + quoteIdent(s.Share)
}

func (*CreateTenant) own()            {}
func (*AlterTenant) own()             {}
func (*DropTenant) own()              {}
func (*CreateShare) own()             {}
func (*DropShare) own()               {}
func (*CommentOnShare) own()          {}
func (*RenameShare) own()             {}
func (*AlterShareTable) own()         {}
func (*AlterShareSchema) own()        {}
func (*AlterShareTenants) own()       {}
func (*ShareGrant) own()              {}
func (*CreateRecipient) own()         {}
func (*RotateRecipientToken) own()    {}
func (*SetRecipientProperties) own()  {}
func (*RenameRecipient) own()         {}
func (*DropRecipient) own()           {}
func (*RecipientGrant) own()          {}
func (*Describe) own()                {}
func (*Show) own()                    {}
func (*CreateDatabaseFromShare) own() {}
