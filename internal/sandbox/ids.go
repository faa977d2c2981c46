package sandbox

import (
	"crypto/rand"
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
