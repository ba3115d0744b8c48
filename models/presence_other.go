//go:build !unix

package models

// announcePresence takes no lock where flock is missing: OpenElsewhere is
// then always false, and an import learns of other writers from SQLite's
// data_version alone.
func announcePresence(string) *presence { return nil }

func (p *presence) othersHold() (bool, error) { return false, nil }
