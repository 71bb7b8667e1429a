package parser

// AlterTenantQuota is ALTER TENANT name SET QUOTA 'size' | SET QUOTA NONE |
// RESET QUOTA: a tenant's storage quota. Size is the text as written
// ('10GB', '500 MB', '1024'); the executor reads it with
// pg_size_bytes' units. "" removes the quota.
type AlterTenantQuota struct {
	Name string
	Size string
}

func (s *AlterTenantQuota) String() string {
	if s.Size == "" {
		return "ALTER TENANT " + quoteIdent(s.Name) + " RESET QUOTA"
	}
	return "ALTER TENANT " + quoteIdent(s.Name) + " SET QUOTA " + quoteString(s.Size)
}

func (*AlterTenantQuota) own() {}

// tenantQuota parses what follows ALTER TENANT name when it is SET QUOTA
// or RESET QUOTA; ok is false (nothing consumed) for the other options.
func (p *ownParser) tenantQuota(name string) (st Own, ok bool) {
	switch {
	case p.isWord("set") && p.peekAt(1).kind == tokWord && p.peekAt(1).text == "quota":
		p.i += 2
		if p.accept("none") {
			return &AlterTenantQuota{Name: name}, true
		}
		size := p.str()
		if p.err == nil && size == "" {
			p.failMsg(p.peekAt(-1), `a storage quota cannot be empty; use SET QUOTA NONE to remove it`)
		}
		return &AlterTenantQuota{Name: name, Size: size}, true
	case p.accept("reset"):
		p.expect("quota")
		return &AlterTenantQuota{Name: name}, true
	}
	return nil, false
}
