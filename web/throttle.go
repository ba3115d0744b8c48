package web

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Failed sign-ins are counted over a sliding window per client address and
// per user name. Past a limit the sign-in form answers 429 without checking
// the password; as failures age out of the window it opens again, so the
// real admin is never locked out for good. A browser that signed in as the
// user before answers to neither limit, only to its device's own (device.go):
// guessing from the admin's office address cannot keep the admin out.
const (
	throttleWindow     = 15 * time.Minute
	maxFailuresPerAddr = 20
	maxFailuresPerUser = 50
)

func throttleKeys(addr, username string) (addrKey, userKey string) {
	return "addr:" + addr, "user:" + strings.ToLower(strings.TrimSpace(username))
}

// deviceKey counts the failures of browsers holding a user's device cookie.
func deviceKey(username string) string {
	return "device:" + strings.ToLower(strings.TrimSpace(username))
}

// throttled tells whether sign-ins from addr or for username are held back,
// and for how long. A known device answers to its own limit only.
func (a *Admin) throttled(ctx context.Context, addr, username string, knownDevice bool) (time.Duration, error) {
	addrKey, userKey := throttleKeys(addr, username)
	now := a.now()
	var wait time.Duration
	type limit struct {
		key string
		max int
	}
	limits := []limit{{addrKey, maxFailuresPerAddr}, {userKey, maxFailuresPerUser}}
	if knownDevice {
		limits = []limit{{deviceKey(username), maxFailuresPerAddr}}
	}
	for _, k := range limits {
		// The max-th newest failure inside the window: once it ages out,
		// the key is below its limit again.
		var at []time.Time
		err := a.store.Read.WithContext(ctx).Raw(`SELECT failed_at FROM login_failures
			WHERE key = ? AND failed_at > ? ORDER BY failed_at DESC LIMIT 1 OFFSET ?`,
			k.key, now.Add(-throttleWindow), k.max-1).Scan(&at).Error
		if err != nil {
			return 0, fmt.Errorf("check sign-in throttle: %w", err)
		}
		if len(at) == 1 {
			wait = max(wait, at[0].Add(throttleWindow).Sub(now))
		}
	}
	return wait, nil
}

// recordFailure counts a failed sign-in against the address and the user,
// and against the device when the browser holds the user's device cookie.
func (a *Admin) recordFailure(ctx context.Context, addr, username string, knownDevice bool) error {
	addrKey, userKey := throttleKeys(addr, username)
	now := a.now()
	db := a.store.DB.WithContext(ctx)
	if err := db.Exec("DELETE FROM login_failures WHERE failed_at < ?", now.Add(-throttleWindow)).Error; err != nil {
		return fmt.Errorf("record sign-in failure: %w", err)
	}
	insert, args := "INSERT INTO login_failures (key, failed_at) VALUES (?, ?), (?, ?)", []any{addrKey, now, userKey, now}
	if knownDevice {
		insert, args = insert+", (?, ?)", append(args, deviceKey(username), now)
	}
	err := db.Exec(insert, args...).Error
	if err != nil {
		return fmt.Errorf("record sign-in failure: %w", err)
	}
	return nil
}

// clearFailures forgets an address's failures, and those of the user's
// devices, after a sign-in from it.
func (a *Admin) clearFailures(ctx context.Context, addr, username string) error {
	addrKey, _ := throttleKeys(addr, "")
	return a.store.DB.WithContext(ctx).Exec("DELETE FROM login_failures WHERE key IN (?, ?)",
		addrKey, deviceKey(username)).Error
}
