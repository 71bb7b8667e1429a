package catalog

// Connection limits of logins (PostgreSQL's rolconnlimit). A tenant's limit
// counts the sessions that log in as the tenant; a token recipient's counts
// the sessions that log in with its tokens. The catalog only stores them:
// pgwire counts sessions, the executor resolves the defaults.

// NoConnLimit is the limit of a login without one of its own: it is bounded
// by the server's connection slots only.
const NoConnLimit = -1

// ConnectionLimit returns the tenant's limit, NoConnLimit when none was set.
func (t Tenant) ConnectionLimit() int {
	if t.ConnLimit == nil {
		return NoConnLimit
	}
	return *t.ConnLimit
}

// ConnectionLimit returns the recipient's limit and whether one was set;
// without one the server's default for recipients applies.
func (r Recipient) ConnectionLimit() (int, bool) {
	if r.ConnLimit == nil {
		return 0, false
	}
	return *r.ConnLimit, true
}

// SetTenantConnLimit sets a tenant's connection limit (superuser only: a
// tenant must not lift its own). n is NoConnLimit or a count; the caller
// has checked its range.
func (tx *Tx) SetTenantConnLimit(name string, n int) error {
	if err := tx.requireSuper("alter tenant"); err != nil {
		return err
	}
	t, err := tx.Tenant(name)
	if err != nil {
		return err
	}
	t.ConnLimit = &n
	return put(tx.bucket(bucketTenants), []byte(name), t)
}

// SetRecipientConnLimit sets the connection limit of one of the
// principal's recipients: the provider decides how many sessions its
// partner may hold.
func (tx *Tx) SetRecipientConnLimit(name string, n int) error {
	return tx.AlterRecipient(name, func(r *Recipient) error {
		if r.Tenant != 0 {
			return &Error{Kind: WrongType, Object: "recipient", Name: name,
				Detail: "recipient \"" + name + "\" is a tenant recipient, which has no connections of its own",
				Hint:   "Its sessions count against the connection limit of its tenant."}
		}
		r.ConnLimit = &n
		return nil
	})
}

// SelfRecipient returns the recipient the session logged in as; ok is
// false when the principal is no token recipient, or its recipient or token
// is gone.
func (tx *Tx) SelfRecipient() (Recipient, bool, error) {
	if tx.who.Recipient == 0 {
		return Recipient{}, false, nil
	}
	return tx.recipientSelf()
}
