package vuln

// Compile prepares a record read back from storage (JSON of a Record) for
// matching: it parses every criterion's CPE name and version bounds, as
// ParseNVD does for a record read from a feed. A criterion that is not a
// CPE name is an error naming the record.
func (r *Record) Compile() error { return compileRecord(r, nil) }
