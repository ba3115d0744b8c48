package models

import (
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// Suppression remembers an erased fan by hashes of their identifiers only:
// enough to recognise them in an old delivery, nothing to identify them by.
type Suppression struct {
	ID        int64 `gorm:"primaryKey"`
	Kind      string
	ValueHash string
	ErasedAt  time.Time
}

// SuppressionHash is the stored form of an erased identifier. Kind is
// "email", "phone" or a provider identity kind; value is normalized.
func SuppressionHash(kind, value string) string {
	sum := sha256.Sum256([]byte("fanhook-suppression\x00" + kind + "\x00" + value))
	return hex.EncodeToString(sum[:])
}
