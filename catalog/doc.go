// Package catalog is sharehouse's governance plane: tenants, databases,
// schemas, tables and their columns (later shares, recipients, grants,
// mounts and audit), kept in bbolt buckets in the same file as the table
// data manifests of package storage.
//
// Every rule about who may see and do what lives here. A Tx is bound to a
// Principal and only ever resolves names inside that principal's tenant, so
// another tenant's objects are not hidden by a check that could be
// forgotten: they are unreachable, and look exactly like absent ones
// (NotFound), never like forbidden ones.
//
// The audit (audit.go): an event is durable in the store's journal before
// the read it records is acknowledged, then moved into the provider's
// system.access.audit table in the background, exactly once.
//
// Files: catalog.go (Open, Tx, keys), errors.go (Error and its kinds),
// tenant.go and scram.go (tenants and their SCRAM-SHA-256 verifiers),
// database.go, schema.go, table.go (objects), view.go (views: a Table with
// a stored query and the tables it reads, no storage; DROP … CASCADE
// follows those dependencies), data.go (reads and writes of table rows
// through storage), login.go (what a tenant's name is to other tenants,
// and token recipients' provider.recipient logins), ids.go (object IDs,
// drawn at random so that they tell nothing of other tenants), quota.go
// (tenants' storage quotas: usage is the sum of storage's sizes of a
// tenant's tables; writes that grow a table past the quota are refused
// with a QuotaError).
//
// Invariants: one DDL statement is one write Tx; values returned from a Tx
// are copies and outlive it; names are stored as given (the executor folds
// case before calling); object IDs are unique across the server, double
// as PostgreSQL OIDs and follow no order.
package catalog
