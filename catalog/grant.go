package catalog

import (
	"encoding/binary"
	"sort"
	"time"
)

var bucketGrants = []byte("cat.grants") // shareID|recipientID → Grant

// Grant is SELECT on a share to a recipient.
type Grant struct {
	Share     ShareID     `json:"share"`
	Recipient RecipientID `json:"recipient"`
	Created   time.Time   `json:"created"`
}

func grantKey(s ShareID, r RecipientID) []byte {
	return binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(nil, uint64(s)), uint64(r))
}

// GrantShare grants SELECT on one of the principal's shares to one of its
// recipients.
func (tx *Tx) GrantShare(share, recipient string) error {
	if err := tx.requireWritable(); err != nil {
		return err
	}
	s, err := tx.Share(share)
	if err != nil {
		return err
	}
	r, err := tx.Recipient(recipient)
	if err != nil {
		return err
	}
	return put(tx.bucket(bucketGrants), grantKey(s.ID, r.ID), Grant{Share: s.ID, Recipient: r.ID, Created: tx.Now().UTC()})
}

// RevokeShare revokes SELECT on a share from a recipient; open sessions of
// the recipient lose access at their next statement.
func (tx *Tx) RevokeShare(share, recipient string) error {
	if err := tx.requireWritable(); err != nil {
		return err
	}
	s, err := tx.Share(share)
	if err != nil {
		return err
	}
	r, err := tx.Recipient(recipient)
	if err != nil {
		return err
	}
	return tx.bucket(bucketGrants).Delete(grantKey(s.ID, r.ID))
}

func (tx *Tx) granted(s ShareID, r RecipientID) bool {
	return tx.bucket(bucketGrants).Get(grantKey(s, r)) != nil
}

// grantsWhere lists grants for which keep is true.
func (tx *Tx) grantsWhere(keep func(Grant) bool) ([]Grant, error) {
	var out []Grant
	cur := tx.bucket(bucketGrants).Cursor()
	for k, v := cur.First(); k != nil; k, v = cur.Next() {
		var g Grant
		if err := decode(k, v, &g); err != nil {
			return nil, err
		}
		if keep(g) {
			out = append(out, g)
		}
	}
	return out, nil
}

func (tx *Tx) dropGrantsOf(s ShareID) error {
	return tx.dropGrantsWhere(func(g Grant) bool { return g.Share == s })
}

func (tx *Tx) dropGrantsTo(r RecipientID) error {
	return tx.dropGrantsWhere(func(g Grant) bool { return g.Recipient == r })
}

func (tx *Tx) dropGrantsWhere(drop func(Grant) bool) error {
	gs, err := tx.grantsWhere(drop)
	if err != nil {
		return err
	}
	for _, g := range gs {
		if err := tx.bucket(bucketGrants).Delete(grantKey(g.Share, g.Recipient)); err != nil {
			return err
		}
	}
	return nil
}

// RecipientGrant is a grant with names, for SHOW GRANTS.
type RecipientGrant struct {
	Share     Share
	Recipient Recipient
	Created   time.Time
}

// GrantsOfShare lists the recipients one of the principal's shares is granted to.
func (tx *Tx) GrantsOfShare(share string) ([]RecipientGrant, error) {
	s, err := tx.Share(share)
	if err != nil {
		return nil, err
	}
	gs, err := tx.grantsWhere(func(g Grant) bool { return g.Share == s.ID })
	if err != nil {
		return nil, err
	}
	var out []RecipientGrant
	for _, g := range gs {
		var r Recipient
		if ok, err := tx.byID(uint64(g.Recipient), &r); err != nil {
			return nil, err
		} else if ok {
			out = append(out, RecipientGrant{Share: s, Recipient: r, Created: g.Created})
		}
	}
	sortGrants(out, func(g RecipientGrant) string { return g.Recipient.Name })
	return out, nil
}

// sortGrants orders grants as they were made (ids are random, so the
// bucket's order is none), ties by the other side's name.
func sortGrants(gs []RecipientGrant, name func(RecipientGrant) string) {
	sort.Slice(gs, func(i, j int) bool {
		if !gs[i].Created.Equal(gs[j].Created) {
			return gs[i].Created.Before(gs[j].Created)
		}
		return name(gs[i]) < name(gs[j])
	})
}

// GrantsToRecipient lists the shares granted to one of the principal's recipients.
func (tx *Tx) GrantsToRecipient(recipient string) ([]RecipientGrant, error) {
	r, err := tx.Recipient(recipient)
	if err != nil {
		return nil, err
	}
	gs, err := tx.grantsWhere(func(g Grant) bool { return g.Recipient == r.ID })
	if err != nil {
		return nil, err
	}
	var out []RecipientGrant
	for _, g := range gs {
		var s Share
		if ok, err := tx.byID(uint64(g.Share), &s); err != nil {
			return nil, err
		} else if ok {
			out = append(out, RecipientGrant{Share: s, Recipient: r, Created: g.Created})
		}
	}
	sortGrants(out, func(g RecipientGrant) string { return g.Share.Name })
	return out, nil
}
