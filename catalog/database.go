package catalog

import "time"

// DatabaseID identifies a database; it is also its pg_database OID.
type DatabaseID uint64

// Database is a tenant's database.
type Database struct {
	ID      DatabaseID `json:"id"`
	Tenant  TenantID   `json:"tenant"`
	Name    string     `json:"name"`
	Comment string     `json:"comment,omitempty"`
	Created time.Time  `json:"created"`
	// Mount is set for a database that is a share seen by a consumer: a
	// tenant's mount (CREATE DATABASE … FROM SHARE) or a token
	// recipient's view of a granted share. It holds no objects of its own.
	Mount ShareID `json:"mount,omitempty"`
}

// Database returns the principal's database called name.
func (tx *Tx) Database(name string) (Database, error) {
	if tx.who.Recipient != 0 {
		return tx.recipientDatabase(name)
	}
	var db Database
	ok, err := get(tx.bucket(bucketDatabases), key(uint64(tx.who.Tenant), name), &db)
	if err != nil {
		return Database{}, err
	}
	if !ok {
		return Database{}, notFound("database", name)
	}
	return db, nil
}

// Databases lists the principal's databases by name.
func (tx *Tx) Databases() ([]Database, error) {
	if tx.who.Recipient != 0 {
		return tx.recipientDatabases()
	}
	var out []Database
	err := each(tx.bucket(bucketDatabases), uint64(tx.who.Tenant), func(db Database) error {
		out = append(out, db)
		return nil
	})
	return out, err
}

// CreateDatabase creates a database with its public schema.
func (tx *Tx) CreateDatabase(name, comment string) (Database, error) {
	if err := tx.requireWritable(); err != nil {
		return Database{}, err
	}
	if err := tx.requireTenant("create a database"); err != nil {
		return Database{}, err
	}
	if err := validName("database", name); err != nil {
		return Database{}, err
	}
	if _, err := tx.Database(name); err == nil {
		return Database{}, exists("database", name)
	} else if !IsNotFound(err) {
		return Database{}, err
	}
	id, err := tx.nextID()
	if err != nil {
		return Database{}, err
	}
	db := Database{ID: DatabaseID(id), Tenant: tx.who.Tenant, Name: name, Comment: comment, Created: tx.Now().UTC()}
	if err := put(tx.bucket(bucketDatabases), key(uint64(tx.who.Tenant), name), db); err != nil {
		return Database{}, err
	}
	if err := tx.indexID(uint64(db.ID), bucketDatabases, key(uint64(tx.who.Tenant), name)); err != nil {
		return Database{}, err
	}
	if _, err := tx.CreateSchema(db.Name, DefaultSchema, ""); err != nil {
		return Database{}, err
	}
	return db, nil
}

// DropDatabase drops a database with all its schemas and tables.
func (tx *Tx) DropDatabase(name string) error {
	if err := tx.requireWritable(); err != nil {
		return err
	}
	if err := tx.requireTenant("drop a database"); err != nil {
		return err
	}
	db, err := tx.Database(name)
	if err != nil {
		return err
	}
	return tx.dropDatabase(db)
}

func (tx *Tx) dropDatabase(db Database) error {
	if db.Mount != 0 { // unmount: the share's objects are the provider's
		if err := tx.unindexID(uint64(db.ID)); err != nil {
			return err
		}
		return tx.bucket(bucketDatabases).Delete(key(uint64(db.Tenant), db.Name))
	}
	schemas, err := tx.Schemas(db.Name)
	if err != nil {
		return err
	}
	for _, s := range schemas {
		if err := tx.dropSchema(s); err != nil {
			return err
		}
	}
	if err := tx.unindexID(uint64(db.ID)); err != nil {
		return err
	}
	return tx.bucket(bucketDatabases).Delete(key(uint64(db.Tenant), db.Name))
}

// RenameDatabase renames one of the principal's databases.
func (tx *Tx) RenameDatabase(name, to string) error {
	if err := tx.requireWritable(); err != nil {
		return err
	}
	if err := tx.requireTenant("rename a database"); err != nil {
		return err
	}
	db, err := tx.Database(name)
	if err != nil {
		return err
	}
	if _, err := tx.Database(to); err == nil {
		return exists("database", to)
	}
	b := tx.bucket(bucketDatabases)
	if err := b.Delete(key(uint64(db.Tenant), name)); err != nil {
		return err
	}
	db.Name = to
	if err := tx.indexID(uint64(db.ID), bucketDatabases, key(uint64(db.Tenant), to)); err != nil {
		return err
	}
	return put(b, key(uint64(db.Tenant), to), db)
}

// SetDatabaseComment sets COMMENT ON DATABASE.
func (tx *Tx) SetDatabaseComment(name, comment string) error {
	if err := tx.requireTenant("comment on a database"); err != nil {
		return err
	}
	db, err := tx.Database(name)
	if err != nil {
		return err
	}
	db.Comment = comment
	return put(tx.bucket(bucketDatabases), key(uint64(db.Tenant), name), db)
}

// IsNotFound reports whether err is a catalog NotFound error.
func IsNotFound(err error) bool {
	e, ok := err.(*Error)
	return ok && e.Kind == NotFound
}
