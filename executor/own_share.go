package executor

import (
	"sort"
	"strings"
	"time"

	"github.com/sharehouse/sharehouse/catalog"
	"github.com/sharehouse/sharehouse/executor/sqlstate"
	"github.com/sharehouse/sharehouse/parser"
)

// This file runs the sharing statements: shares, recipients, grants,
// listings and mounts. Each is one catalog transaction; the rules (who
// owns what, what a consumer may see) live in the catalog.

// runShareStmt runs a sharing statement; ok is false for other statements.
func (x *execution) runShareStmt(st parser.Own) (ownResult, bool, error) {
	switch s := st.(type) {
	case *parser.CreateShare:
		var notices []*sqlstate.Error
		res, err := x.ddl("CREATE SHARE", func(tx *catalog.Tx) error {
			_, err := tx.CreateShare(s.Name, s.Comment)
			if s.IfNotExists && isKind(err, catalog.Exists) {
				notices = append(notices, notice("share %q already exists, skipping", s.Name))
				return nil
			}
			return err
		})
		res.notices = notices
		return res, true, err
	case *parser.DropShare:
		res, err := x.ddl("DROP SHARE", func(tx *catalog.Tx) error {
			err := tx.DropShare(s.Name)
			if s.IfExists && catalog.IsNotFound(err) {
				return nil
			}
			return err
		})
		return res, true, err
	case *parser.CommentOnShare:
		res, err := x.ddl("COMMENT", func(tx *catalog.Tx) error {
			_, err := tx.AlterShare(s.Name, func(sh *catalog.Share) error { sh.Comment = s.Comment; return nil })
			return err
		})
		return res, true, err
	case *parser.RenameShare:
		res, err := x.ddl("ALTER SHARE", func(tx *catalog.Tx) error {
			_, err := tx.AlterShare(s.Name, func(sh *catalog.Share) error { sh.Name = s.NewName; return nil })
			if s.IfExists && catalog.IsNotFound(err) {
				return nil
			}
			return err
		})
		return res, true, err
	case *parser.AlterShareTable:
		res, err := x.ddl("ALTER SHARE", func(tx *catalog.Tx) error {
			err := x.shareTable(tx, s.Share, s.Table, s.Alias, s.Comment, s.Remove, false)
			if s.IfExists && isShareMissing(err, s.Share) {
				return nil
			}
			return err
		})
		return res, true, err
	case *parser.AlterShareSchema:
		res, err := x.ddl("ALTER SHARE", func(tx *catalog.Tx) error {
			err := x.shareSchema(tx, s.Share, s.Schema, catalog.ShareSchema, s.Remove, false)
			if s.IfExists && isShareMissing(err, s.Share) {
				return nil
			}
			return err
		})
		return res, true, err
	case *parser.AlterShareTenants:
		res, err := x.ddl("ALTER SHARE", func(tx *catalog.Tx) error {
			err := tx.SetShareTenants(s.Share, s.Tenants, !s.Remove)
			if s.IfExists && isShareMissing(err, s.Share) {
				return nil
			}
			return err
		})
		return res, true, err
	case *parser.ShareGrant:
		tag := "GRANT"
		if s.Revoke {
			tag = "REVOKE"
		}
		res, err := x.ddl(tag, func(tx *catalog.Tx) error {
			switch s.Object {
			case parser.ObjDatabase:
				return x.shareDatabase(tx, s.Share, s.Name, s.Revoke)
			case parser.ObjSchema:
				// USAGE on a schema: its tables still need SELECT; nothing
				// is exposed by USAGE alone, so only the schema must exist.
				_, err := x.resolveSchema(tx, s.Name)
				return err
			case parser.ObjTable:
				return x.shareTable(tx, s.Share, s.Name, nil, "", s.Revoke, true)
			case parser.ObjAllTablesInSchema:
				return x.shareSchema(tx, s.Share, s.Name, catalog.ShareSchema, s.Revoke, true)
			}
			return notSupported("GRANT on %s", s.Object)
		})
		return res, true, err
	case *parser.CreateRecipient:
		return x.createRecipient(s)
	case *parser.RotateRecipientToken:
		var code string
		_, err := x.ddl("ALTER RECIPIENT", func(tx *catalog.Tx) error {
			grace := time.Duration(0)
			if s.ExpireExisting {
				grace = time.Duration(s.ExpireSeconds) * time.Second
			}
			var err error
			code, err = tx.RotateRecipientToken(s.Name, grace)
			return err
		})
		if err != nil {
			return ownResult{}, true, err
		}
		return ownResult{tag: "ALTER RECIPIENT", rows: [][]string{{s.Name, x.s.eng.activationLink(code)}}}, true, nil
	case *parser.SetRecipientProperties:
		res, err := x.ddl("ALTER RECIPIENT", func(tx *catalog.Tx) error {
			return tx.AlterRecipient(s.Name, func(r *catalog.Recipient) error {
				if r.Properties == nil {
					r.Properties = map[string]string{}
				}
				for _, p := range s.Properties {
					r.Properties[p.Key] = p.Value
				}
				return nil
			})
		})
		return res, true, err
	case *parser.RenameRecipient:
		res, err := x.ddl("ALTER RECIPIENT", func(tx *catalog.Tx) error { return tx.RenameRecipient(s.Name, s.NewName) })
		return res, true, err
	case *parser.DropRecipient:
		res, err := x.ddl("DROP RECIPIENT", func(tx *catalog.Tx) error {
			err := tx.DropRecipient(s.Name)
			if s.IfExists && catalog.IsNotFound(err) {
				return nil
			}
			return err
		})
		return res, true, err
	case *parser.RecipientGrant:
		tag := "GRANT"
		if s.Revoke {
			tag = "REVOKE"
		}
		res, err := x.ddl(tag, func(tx *catalog.Tx) error {
			if s.Revoke {
				return tx.RevokeShare(s.Share, s.Recipient)
			}
			return tx.GrantShare(s.Share, s.Recipient)
		})
		return res, true, err
	case *parser.CreateDatabaseFromShare:
		if x.s.inBlock {
			return ownResult{}, true, sqlstate.Errorf(sqlstate.ActiveSQLTransaction, "CREATE DATABASE cannot run inside a transaction block")
		}
		res, err := x.ddl("CREATE DATABASE", func(tx *catalog.Tx) error {
			_, err := tx.CreateMount(s.Name, s.Provider, s.Share)
			return err
		})
		return res, true, err
	case *parser.Describe:
		res, err := x.describeObject(s)
		return res, true, err
	case *parser.Show:
		res, err := x.show(s)
		return res, true, err
	}
	return ownResult{}, false, nil
}

func isShareMissing(err error, share string) bool {
	ce, ok := err.(*catalog.Error)
	return ok && ce.Kind == catalog.NotFound && ce.Object == "share" && ce.Name == share
}

// qualify completes a 1–3 part name against the session's database.
func (x *execution) qualify(name parser.QualifiedName) catalog.TableRef {
	ref := catalog.TableRef{Database: x.s.db, Schema: catalog.DefaultSchema}
	switch len(name) {
	case 1:
		ref.Name = name[0]
	case 2:
		ref.Schema, ref.Name = name[0], name[1]
	default:
		ref.Database, ref.Schema, ref.Name = name[0], name[1], name[2]
	}
	return ref
}

func (x *execution) resolveSchema(tx *catalog.Tx, name parser.QualifiedName) (catalog.Schema, error) {
	db, schema := x.s.db, name[len(name)-1]
	if len(name) == 2 {
		db = name[0]
	}
	return tx.Schema(db, schema)
}

// shareTable adds or removes a table of the provider's own.
// needsUsage marks a Databend-style grant, visible only with USAGE on its database.
func (x *execution) shareTable(tx *catalog.Tx, share string, name, alias parser.QualifiedName, comment string, remove, needsUsage bool) error {
	ref := x.qualify(name)
	t, err := tx.Table(ref)
	if err != nil {
		if catalog.IsNotFound(err) {
			return sqlstate.Errorf(sqlstate.UndefinedTable, "relation %q does not exist", name.String())
		}
		return err
	}
	if t.Via != nil {
		return sqlstate.Errorf(sqlstate.InsufficientPrivilege, "cannot share %q: it is itself read through share %q", name.String(), t.Via.Share)
	}
	if t.IsView() {
		return sqlstate.Errorf(sqlstate.WrongObjectType, "%q is a view", name.String()).
			WithDetail("Views cannot be added to a share yet; share the tables it reads.")
	}
	if catalog.IsTempSchema(ref.Schema) && !remove {
		return sqlstate.Errorf(sqlstate.WrongObjectType, "%q is a temporary table", name.String()).
			WithDetail("Temporary tables end with their session and cannot be shared.")
	}
	_, err = tx.AlterShare(share, func(s *catalog.Share) error {
		if remove {
			if !s.RemoveObject(catalog.ShareTable, uint64(t.ID)) {
				return sqlstate.Errorf(sqlstate.UndefinedObject, "table %q is not in share %q", name.String(), share)
			}
			return nil
		}
		o := catalog.ShareObject{Kind: catalog.ShareTable, ID: uint64(t.ID), Comment: comment, Added: tx.Now().UTC(), NeedsUsage: needsUsage}
		if len(alias) == 1 {
			o.Alias = ref.Schema + "." + alias[0]
		} else if len(alias) == 2 {
			o.Alias = alias[0] + "." + alias[1]
		}
		if !s.AddObject(o) {
			return sqlstate.Errorf(sqlstate.DuplicateObject, "table %q is already in share %q", name.String(), share)
		}
		return nil
	})
	return err
}

// shareSchema adds or removes every table of a schema, present and future.
func (x *execution) shareSchema(tx *catalog.Tx, share string, name parser.QualifiedName, kind string, remove, needsUsage bool) error {
	sch, err := x.resolveSchema(tx, name)
	if err != nil {
		return err
	}
	_, err = tx.AlterShare(share, func(s *catalog.Share) error {
		if remove {
			if !s.RemoveObject(kind, uint64(sch.ID)) {
				return sqlstate.Errorf(sqlstate.UndefinedObject, "schema %q is not in share %q", name.String(), share)
			}
			return nil
		}
		s.AddObject(catalog.ShareObject{Kind: kind, ID: uint64(sch.ID), Added: tx.Now().UTC(), NeedsUsage: needsUsage})
		return nil
	})
	return err
}

// shareDatabase grants or revokes USAGE on a database to a share.
func (x *execution) shareDatabase(tx *catalog.Tx, share string, name parser.QualifiedName, remove bool) error {
	db, err := tx.Database(name[len(name)-1])
	if err != nil {
		return err
	}
	if db.Mount != 0 {
		return sqlstate.Errorf(sqlstate.InsufficientPrivilege, "cannot share database %q: it is itself a share", db.Name)
	}
	_, err = tx.AlterShare(share, func(s *catalog.Share) error {
		s.RemoveObject(catalog.ShareDatabase, uint64(db.ID))
		s.AddObject(catalog.ShareObject{Kind: catalog.ShareDatabase, ID: uint64(db.ID), Added: tx.Now().UTC(), Revoked: remove})
		return nil
	})
	return err
}

func (x *execution) createRecipient(s *parser.CreateRecipient) (ownResult, bool, error) {
	var r catalog.Recipient
	var code string
	skipped := false
	_, err := x.ddl("CREATE RECIPIENT", func(tx *catalog.Tx) error {
		props := map[string]string{}
		for _, p := range s.Properties {
			props[p.Key] = p.Value
		}
		var err error
		r, code, err = tx.CreateRecipient(s.Name, s.UsingID, s.Comment, props)
		if s.IfNotExists && isKind(err, catalog.Exists) {
			skipped = true
			return nil
		}
		return err
	})
	if err != nil {
		return ownResult{}, true, err
	}
	if skipped {
		// Zero rows of ownColumns' columns: the existing recipient's link
		// is not this statement's to hand out (it may be used already).
		return ownResult{tag: "CREATE RECIPIENT", notices: []*sqlstate.Error{notice("recipient %q already exists, skipping", s.Name)}}, true, nil
	}
	link := ""
	if code != "" {
		link = x.s.eng.activationLink(code)
	}
	return ownResult{tag: "CREATE RECIPIENT", rows: [][]string{{r.Name, r.AuthenticationType(), link}}}, true, nil
}

func timeText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04:05.000 -0700")
}

// describeObject runs DESC SHARE and DESCRIBE RECIPIENT.
func (x *execution) describeObject(s *parser.Describe) (ownResult, error) {
	tx, done, err := x.s.readTx(x.ctx)
	if err != nil {
		return ownResult{}, err
	}
	defer done()
	if s.Object == parser.ObjRecipient {
		r, err := tx.Recipient(s.Name)
		if err != nil {
			return ownResult{}, err
		}
		var props []string
		for k, v := range r.Properties {
			props = append(props, k+"="+v)
		}
		sort.Strings(props)
		state := "ACTIVATED"
		if r.Tenant != 0 {
			state = "TENANT " + r.TenantName
		} else if r.Activation != nil {
			state = "PENDING ACTIVATION"
		} else if len(r.ActiveTokens(tx.Now())) == 0 {
			state = "EXPIRED"
		}
		expires := ""
		for _, t := range r.ActiveTokens(tx.Now()) {
			expires = timeText(t.Expires)
		}
		return ownResult{tag: "DESCRIBE", rows: [][]string{{r.Name, timeText(r.Created), r.AuthenticationType(), state, expires, r.Comment, strings.Join(props, ", ")}}}, nil
	}
	// DESC SHARE: a provider describes its own share; a consumer the
	// share it reads (by its database name).
	var rows [][]string
	if sh, err := tx.Share(s.Name); err == nil {
		objs, err := shareObjectRows(tx, sh)
		if err != nil {
			return ownResult{}, err
		}
		rows = objs
	} else if db, derr := tx.Database(s.Name); derr == nil && db.Mount != 0 {
		schemas, err := tx.Schemas(db.Name)
		if err != nil {
			return ownResult{}, err
		}
		for _, sc := range schemas {
			tables, err := tx.Tables(db.Name, sc.Name)
			if err != nil {
				return ownResult{}, err
			}
			for _, t := range tables {
				rows = append(rows, []string{"TABLE", db.Name + "." + sc.Name + "." + t.Name, timeText(t.Created)})
			}
		}
	} else {
		return ownResult{}, err
	}
	return ownResult{tag: "DESCRIBE", rows: rows}, nil
}

// shareObjectRows lists a share's objects as kind, name, shared_on.
func shareObjectRows(tx *catalog.Tx, sh catalog.Share) ([][]string, error) {
	var rows [][]string
	for _, o := range sh.Objects {
		if o.Revoked {
			continue
		}
		name, ok, err := tx.ObjectName(o)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		if o.Alias != "" {
			name += " AS " + o.Alias
		}
		rows = append(rows, []string{o.Kind, name, timeText(o.Added)})
	}
	return rows, nil
}

// show runs the SHOW statements of the sharing grammar.
func (x *execution) show(s *parser.Show) (ownResult, error) {
	tx, done, err := x.s.readTx(x.ctx)
	if err != nil {
		return ownResult{}, err
	}
	defer done()
	var rows [][]string
	switch s.What {
	case parser.ShowShares:
		own, err := tx.Shares()
		if err != nil {
			return ownResult{}, err
		}
		for _, sh := range own {
			grants, err := tx.GrantsOfShare(sh.Name)
			if err != nil {
				return ownResult{}, err
			}
			var to []string
			for _, g := range grants {
				to = append(to, g.Recipient.Name)
			}
			to = append(to, tx.ShareTenants(sh)...)
			sort.Strings(to)
			rows = append(rows, []string{timeText(sh.Created), "OUTBOUND", sh.Name, "", strings.Join(to, ", "), x.s.who.Name, sh.Comment})
		}
		inbound, err := tx.InboundShares()
		if err != nil {
			return ownResult{}, err
		}
		mounts := map[catalog.ShareID]string{}
		if dbs, err := tx.Databases(); err == nil {
			for _, d := range dbs {
				if d.Mount != 0 && x.s.who.Recipient == 0 {
					mounts[d.Mount] = d.Name
				}
			}
		}
		for _, sh := range inbound {
			provider := tx.TenantName(sh.Owner)
			rows = append(rows, []string{timeText(sh.Created), "INBOUND", provider + "." + sh.Name, mounts[sh.ID], x.s.who.Name, provider, sh.Comment})
		}
	case parser.ShowRecipients:
		rs, err := tx.Recipients()
		if err != nil {
			return ownResult{}, err
		}
		for _, r := range rs {
			rows = append(rows, []string{timeText(r.Created), r.Name, r.AuthenticationType(), r.Comment})
		}
	case parser.ShowAllInShare, parser.ShowGrantsOnShare:
		sh, err := tx.Share(s.Name)
		if err != nil {
			return ownResult{}, err
		}
		objs, err := shareObjectRows(tx, sh)
		if err != nil {
			return ownResult{}, err
		}
		if s.What == parser.ShowAllInShare {
			rows = objs
			break
		}
		for _, o := range objs {
			priv := "SELECT"
			if o[0] == catalog.ShareDatabase {
				priv = "USAGE"
			}
			rows = append(rows, []string{o[2], priv, o[0], o[1], "SHARE", sh.Name})
		}
	case parser.ShowGrantsOfShare:
		grants, err := tx.GrantsOfShare(s.Name)
		if err != nil {
			return ownResult{}, err
		}
		for _, g := range grants {
			rows = append(rows, []string{timeText(g.Created), g.Share.Name, "RECIPIENT", g.Recipient.Name})
		}
		sh, _ := tx.Share(s.Name)
		for _, name := range tx.ShareTenants(sh) {
			rows = append(rows, []string{"", sh.Name, "TENANT", name})
		}
	case parser.ShowGrantsToRecipient:
		grants, err := tx.GrantsToRecipient(s.Name)
		if err != nil {
			return ownResult{}, err
		}
		for _, g := range grants {
			rows = append(rows, []string{timeText(g.Created), g.Share.Name, "SELECT", g.Recipient.Name})
		}
	default:
		return ownResult{}, notSupported("%s", s.String())
	}
	return ownResult{tag: "SHOW", rows: rows}, nil
}
