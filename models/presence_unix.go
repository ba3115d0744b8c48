//go:build unix

package models

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// announcePresence takes a shared lock on the lock file beside the
// database at path. flock's locks belong to the open file, not to the
// process, so two stores in one process see each other, and SQLite's own
// locks (fcntl's, on other files) are not touched. The kernel drops the
// lock when the process ends, however it ends.
func announcePresence(path string) *presence {
	// Read-only is enough for flock, so a file another user created serves.
	f, err := os.OpenFile(presenceFile(path), os.O_RDONLY|os.O_CREATE, 0o644)
	if err != nil {
		return nil
	}
	if err := flock(f, syscall.LOCK_SH); err != nil {
		f.Close()
		return nil
	}
	return &presence{file: f}
}

// othersHold tries to turn the store's shared lock into an exclusive one,
// which works only if no other open file holds the lock, and then takes
// the shared lock back. A failed conversion has already dropped the
// shared lock (Linux removes it before it tries), so it is taken again
// either way.
func (p *presence) othersHold() (bool, error) {
	err := flock(p.file, syscall.LOCK_EX|syscall.LOCK_NB)
	others := errors.Is(err, syscall.EWOULDBLOCK)
	if err != nil && !others {
		return false, fmt.Errorf("lock %s: %w", p.file.Name(), err)
	}
	if err := flock(p.file, syscall.LOCK_SH); err != nil {
		return false, fmt.Errorf("lock %s: %w", p.file.Name(), err)
	}
	return others, nil
}

func flock(f *os.File, how int) error {
	for {
		err := syscall.Flock(int(f.Fd()), how)
		if !errors.Is(err, syscall.EINTR) {
			return err
		}
	}
}
