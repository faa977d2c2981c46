package sandbox

import (
	"crypto/rand"
	"crypto/sha1"
	"fmt"
	"time"
)

// newUUID returns a random RFC 4122 version 4 UUID, the shape of
// DigitalOcean's load balancer, alert policy and request ids.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = (b[6] & 0x0f) | 0x40
	b[8] = (b[8] & 0x3f) | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// timestamp formats t as DigitalOcean does: RFC 3339, UTC, whole seconds.
func timestamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// newAccountUUID returns a user uuid as DigitalOcean shapes them: 40 hex
// digits, not an RFC 4122 UUID (OpenAPI account model, godo's fixtures).
func newAccountUUID() string {
	var b [20]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%x", b)
}

// teamUUID is the uuid of the account's team: a team is not its user, so
// the ids differ (doctl's account fixture shows an RFC 4122 UUID). Derived
// from the user uuid so it is stable without being stored.
func teamUUID(accountUUID string) string {
	sum := sha1.Sum([]byte("team:" + accountUUID))
	b := sum[:16]
	b[6] = (b[6] & 0x0f) | 0x50
	b[8] = (b[8] & 0x3f) | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
