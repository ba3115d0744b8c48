package models

import "os"

// A fanhook process that opens a SQLite store holds a shared lock on a
// file beside the database (its path and "-lock") for as long as the store
// is open. An import asks whether anyone else holds it: alone, it lets the
// WAL grow and holds the writer for seconds at a time, which a `serve`
// beside it must not wait for. SQLite's data_version tells a connection
// only that another one committed, and an import that holds the writer
// leaves the other no moment to commit in.

// presence is a store's hold on the lock file; nil where none could be
// taken, and then nobody is known to be elsewhere.
type presence struct {
	file *os.File
}

// presenceFile is the lock file beside a SQLite database at path.
func presenceFile(path string) string { return path + "-lock" }

// SeesOtherStores reports whether OpenElsewhere can tell: on SQLite, where
// the lock file could be opened and the system has flock.
func (s *Store) SeesOtherStores() bool { return s.presence != nil }

// OpenElsewhere reports whether another store, in this process or another,
// has this SQLite file open. It is false where it cannot tell
// (SeesOtherStores), PostgreSQL included.
func (s *Store) OpenElsewhere() (bool, error) {
	if s.presence == nil {
		return false, nil
	}
	return s.presence.othersHold()
}

func (p *presence) Close() error {
	if p == nil {
		return nil
	}
	return p.file.Close() // closing releases the lock
}
