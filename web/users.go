package web

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"

	"github.com/fanhook/fanhook/models"
)

// DefaultAdmin is the user EnsureAdmin looks after.
const DefaultAdmin = "admin"

// bcryptCost is the work factor of new password hashes; tests lower it.
var bcryptCost = bcrypt.DefaultCost

// MinPasswordLength is the shortest password SetPassword takes.
const MinPasswordLength = 10

// EnsureAdmin makes sure someone can sign in. With envPassword set
// (FANHOOK_ADMIN_PASSWORD), user "admin" gets that password. Otherwise, when
// no admin user exists at all, "admin" is created with a random password,
// which is returned so the caller prints it once; it is stored only hashed.
func EnsureAdmin(ctx context.Context, store *models.Store, envPassword string) (generated string, err error) {
	if envPassword != "" {
		return "", SetPassword(ctx, store, DefaultAdmin, envPassword)
	}
	var n int64
	if err := store.DB.WithContext(ctx).Raw("SELECT COUNT(*) FROM admin_users").Scan(&n).Error; err != nil {
		return "", fmt.Errorf("count admin users: %w", err)
	}
	if n > 0 {
		return "", nil
	}
	// Replicas starting together on a new database each get here: only
	// the one whose insert lands prints its password; the others would
	// print one that does not work.
	generated = generatePassword()
	hash, err := bcrypt.GenerateFromPassword([]byte(generated), bcryptCost)
	if err != nil {
		return "", fmt.Errorf("create admin user: %w", err)
	}
	now := time.Now().UTC()
	res := store.DB.WithContext(ctx).Exec(`INSERT INTO admin_users (username, password_hash, created_at, updated_at)
		VALUES (?, ?, ?, ?) ON CONFLICT (username) DO NOTHING`, DefaultAdmin, string(hash), now, now)
	if res.Error != nil {
		return "", fmt.Errorf("create admin user: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return "", nil
	}
	return generated, nil
}

// generatePassword returns 20 characters from an alphabet without look-alikes
// (about 115 bits).
func generatePassword() string {
	const alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 20)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand: " + err.Error())
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// SetPassword creates the admin user or changes their password, and ends
// every session they had.
func SetPassword(ctx context.Context, store *models.Store, username, password string) error {
	username = strings.TrimSpace(username)
	if username == "" || len(username) > 64 || !utf8.ValidString(username) {
		return errors.New("set password: the user name must be 1 to 64 characters")
	}
	if utf8.RuneCountInString(password) < MinPasswordLength {
		return fmt.Errorf("set password: the password must be at least %d characters", MinPasswordLength)
	}
	if len(password) > 72 {
		// bcrypt reads only 72 bytes; longer would silently ignore the rest.
		return errors.New("set password: the password must be at most 72 bytes")
	}
	db := store.DB.WithContext(ctx)
	var current []string
	if err := db.Raw("SELECT password_hash FROM admin_users WHERE username = ?", username).Scan(&current).Error; err != nil {
		return fmt.Errorf("set password: %w", err)
	}
	if len(current) == 1 && bcrypt.CompareHashAndPassword([]byte(current[0]), []byte(password)) == nil {
		// Unchanged: keep the user's sessions (FANHOOK_ADMIN_PASSWORD at
		// every start), but still let a user whom guesses hold back in.
		if err := forgetUserFailures(db, username); err != nil {
			return fmt.Errorf("set password: forget failed sign-ins: %w", err)
		}
		return nil
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcryptCost)
	if err != nil {
		return fmt.Errorf("set password: %w", err)
	}
	now := time.Now().UTC()
	return db.Transaction(func(tx *gorm.DB) error {
		err := tx.Exec(`INSERT INTO admin_users (username, password_hash, created_at, updated_at)
			VALUES (?, ?, ?, ?) ON CONFLICT (username) DO UPDATE SET password_hash = excluded.password_hash,
			updated_at = excluded.updated_at`, username, string(hash), now, now).Error
		if err != nil {
			return fmt.Errorf("set password: %w", err)
		}
		err = tx.Exec(`DELETE FROM admin_sessions WHERE user_id IN (SELECT id FROM admin_users WHERE username = ?)`,
			username).Error
		if err != nil {
			return fmt.Errorf("set password: end sessions: %w", err)
		}
		// A new password is the way back in for a user whom guesses hold
		// back: it also ends every device cookie (device.go).
		if err := forgetUserFailures(tx, username); err != nil {
			return fmt.Errorf("set password: forget failed sign-ins: %w", err)
		}
		return nil
	})
}

// forgetUserFailures drops the failed sign-ins counted against a user and
// their devices (throttle.go).
func forgetUserFailures(db *gorm.DB, username string) error {
	_, userKey := throttleKeys("", username)
	return db.Exec("DELETE FROM login_failures WHERE key IN (?, ?)", userKey, deviceKey(username)).Error
}
