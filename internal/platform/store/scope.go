package store

// The joins that put a feature's rows in an agency's scope, written once.
// Every agency-owned row reaches its agency through a system (alias s,
// whose agency_path is ScopePath) and, for web objects, a site (alias x);
// the caller filters with actor.PathFilter(ScopePath).
const (
	// ScopePath is the column the agency-scope condition applies to.
	ScopePath = "s.agency_path"
	// JoinSystem joins, from a site aliased x, its system: enough for the
	// scope condition when the agency's name is not needed.
	JoinSystem = ` JOIN systems s ON s.id = x.system_id `
	// JoinSystemAgency joins, from a site aliased x, its system and agency.
	JoinSystemAgency = JoinSystem + `JOIN agencies a ON a.id = s.agency_id `
)

// JoinSite joins, from the table aliased alias with a site_id column, the
// site (x), its system (s) and the system's agency (a).
func JoinSite(alias string) string { return joinSite(alias) + JoinSystemAgency }

// JoinSiteSystem is JoinSite without the agency: the scope only.
func JoinSiteSystem(alias string) string { return joinSite(alias) + JoinSystem }

func joinSite(alias string) string { return ` JOIN sites x ON x.id = ` + alias + `.site_id` }
