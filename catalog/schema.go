package catalog

// SchemaID identifies a schema; it is also its pg_namespace OID.
type SchemaID uint64

// Schema is a namespace of tables inside a database.
type Schema struct {
	ID       SchemaID   `json:"id"`
	Database DatabaseID `json:"database"`
	Name     string     `json:"name"`
	Comment  string     `json:"comment,omitempty"`
}

// Schema returns schema name of database db.
func (tx *Tx) Schema(db, name string) (Schema, error) {
	d, err := tx.Database(db)
	if err != nil {
		return Schema{}, err
	}
	if d.Mount != 0 {
		schemas, err := tx.sharedSchemas(d)
		if err != nil {
			return Schema{}, err
		}
		for _, s := range schemas {
			if s.Name == name {
				return s, nil
			}
		}
		return Schema{}, notFound("schema", name)
	}
	return tx.schemaIn(d.ID, name)
}

func (tx *Tx) schemaIn(db DatabaseID, name string) (Schema, error) {
	var s Schema
	ok, err := get(tx.bucket(bucketSchemas), key(uint64(db), name), &s)
	if err != nil {
		return Schema{}, err
	}
	if !ok {
		return Schema{}, notFound("schema", name)
	}
	return s, nil
}

// Schemas lists the schemas of database db by name.
func (tx *Tx) Schemas(db string) ([]Schema, error) {
	d, err := tx.Database(db)
	if err != nil {
		return nil, err
	}
	if d.Mount != 0 {
		return tx.sharedSchemas(d)
	}
	var out []Schema
	err = each(tx.bucket(bucketSchemas), uint64(d.ID), func(s Schema) error {
		out = append(out, s)
		return nil
	})
	return out, err
}

// CreateSchema creates a schema in database db.
func (tx *Tx) CreateSchema(db, name, comment string) (Schema, error) {
	if err := tx.requireWritable(); err != nil {
		return Schema{}, err
	}
	if err := validName("schema", name); err != nil {
		return Schema{}, err
	}
	d, err := tx.Database(db)
	if err != nil {
		return Schema{}, err
	}
	if d.Mount != 0 {
		return Schema{}, tx.readOnly(d, "create a schema")
	}
	if _, err := tx.schemaIn(d.ID, name); err == nil {
		return Schema{}, exists("schema", name)
	}
	id, err := tx.nextID()
	if err != nil {
		return Schema{}, err
	}
	s := Schema{ID: SchemaID(id), Database: d.ID, Name: name, Comment: comment}
	if err := tx.indexID(id, bucketSchemas, key(uint64(d.ID), name)); err != nil {
		return Schema{}, err
	}
	return s, put(tx.bucket(bucketSchemas), key(uint64(d.ID), name), s)
}

// DropSchema drops a schema. Unless cascade, a schema with tables is InUse.
func (tx *Tx) DropSchema(db, name string, cascade bool) error {
	if err := tx.requireWritable(); err != nil {
		return err
	}
	if err := tx.requireOwnDatabase(db, "drop a schema"); err != nil {
		return err
	}
	s, err := tx.Schema(db, name)
	if err != nil {
		return err
	}
	if !cascade {
		tables, err := tx.tablesIn(s.ID)
		if err != nil {
			return err
		}
		seqs, err := tx.sequencesIn(s.ID)
		if err != nil {
			return err
		}
		if len(tables) > 0 || len(seqs) > 0 {
			return &Error{Kind: InUse, Object: "schema", Name: name,
				Detail: "cannot drop schema " + name + " because other objects depend on it"}
		}
	}
	return tx.dropSchema(s)
}

func (tx *Tx) dropSchema(s Schema) error {
	if err := tx.dropSequencesIn(s.ID); err != nil {
		return err
	}
	tables, err := tx.tablesIn(s.ID)
	if err != nil {
		return err
	}
	for _, t := range tables {
		// Views elsewhere that read t go with it, as with DROP SCHEMA … CASCADE in PostgreSQL.
		if _, err := tx.dropRelation(t, true); err != nil {
			return err
		}
	}
	if err := tx.unindexID(uint64(s.ID)); err != nil {
		return err
	}
	return tx.bucket(bucketSchemas).Delete(key(uint64(s.Database), s.Name))
}

// RenameSchema renames a schema.
func (tx *Tx) RenameSchema(db, name, to string) error {
	if err := tx.requireOwnDatabase(db, "rename a schema"); err != nil {
		return err
	}
	s, err := tx.Schema(db, name)
	if err != nil {
		return err
	}
	if _, err := tx.schemaIn(s.Database, to); err == nil {
		return exists("schema", to)
	}
	// Tables are keyed by schema ID, so they follow without change.
	b := tx.bucket(bucketSchemas)
	if err := b.Delete(key(uint64(s.Database), name)); err != nil {
		return err
	}
	s.Name = to
	if err := tx.indexID(uint64(s.ID), bucketSchemas, key(uint64(s.Database), to)); err != nil {
		return err
	}
	return put(b, key(uint64(s.Database), to), s)
}

// SetSchemaComment sets COMMENT ON SCHEMA.
func (tx *Tx) SetSchemaComment(db, name, comment string) error {
	if err := tx.requireOwnDatabase(db, "comment on a schema"); err != nil {
		return err
	}
	s, err := tx.Schema(db, name)
	if err != nil {
		return err
	}
	s.Comment = comment
	return put(tx.bucket(bucketSchemas), key(uint64(s.Database), name), s)
}

// requireOwnDatabase fails for a share-backed database: nothing in it may
// change from the consumer's side.
func (tx *Tx) requireOwnDatabase(db, action string) error {
	d, err := tx.Database(db)
	if err != nil {
		return err
	}
	if d.Mount != 0 {
		return tx.readOnly(d, action)
	}
	return nil
}
