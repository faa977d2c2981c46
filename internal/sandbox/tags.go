package sandbox

import (
	"regexp"
	"time"
)

// Tag is a tag the account has created (explicitly or by tagging).
type Tag struct {
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// tagNamePattern is DigitalOcean's rule for tag names.
var tagNamePattern = regexp.MustCompile(`^[a-zA-Z0-9:_\-]{1,255}$`)

// ensureTags records tags that resources are created with; DigitalOcean
// creates missing tags implicitly.
func (w *World) ensureTags(now time.Time, names []string) {
	for _, n := range names {
		if _, ok := w.Tags[n]; !ok {
			w.Tags[n] = &Tag{Name: n, CreatedAt: now}
		}
	}
}

func (s *Server) tagRoutes() {}
