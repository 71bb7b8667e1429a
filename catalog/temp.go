package catalog

import (
	"context"
	"strings"
)

// Temporary tables live in a schema of their session's own, named
// TempSchemaPrefix and the session's process ID, in the database the
// session uses. The session drops it when it ends; DropTempSchemas drops
// what a crash left behind.

// TempSchemaPrefix begins the name of every session's temporary schema.
const TempSchemaPrefix = "pg_temp_"

// IsTempSchema reports whether name is a session's temporary schema.
func IsTempSchema(name string) bool { return strings.HasPrefix(name, TempSchemaPrefix) }

// EnsureTempSchema creates the temporary schema name in database db if it
// does not exist yet.
func (tx *Tx) EnsureTempSchema(db, name string) error {
	if _, err := tx.Schema(db, name); err == nil {
		return nil
	}
	_, err := tx.CreateSchema(db, name, "")
	return err
}

// DropTempSchemas drops every temporary schema of every database, with its
// tables: Open runs it, before any session exists.
func (c *Catalog) DropTempSchemas(ctx context.Context) (dropped int, err error) {
	err = c.Update(ctx, System, func(tx *Tx) error {
		var temp []Schema
		b := tx.bucket(bucketSchemas)
		if err := b.ForEach(func(k, v []byte) error {
			var s Schema
			if err := decode(k, v, &s); err != nil {
				return err
			}
			if IsTempSchema(s.Name) {
				temp = append(temp, s)
			}
			return nil
		}); err != nil {
			return err
		}
		for _, s := range temp {
			if err := tx.dropSchema(s); err != nil {
				return err
			}
		}
		dropped = len(temp)
		return nil
	})
	return dropped, err
}
