package sandbox

import (
	"slices"
	"time"
)

// DropletDeletion records one droplet deletion and the tags the droplet
// carried at that moment, so tests can prove a tier never deletes a droplet
// the load balancer still routes to. Kept in memory only, bounded.
type DropletDeletion struct {
	ID   int
	Name string
	Tags []string
	At   time.Time
}

const maxDeletions = 10000

func (w *World) recordDeletion(d *Droplet, now time.Time) {
	if len(w.deletions) >= maxDeletions {
		w.deletions = w.deletions[1:]
	}
	w.deletions = append(w.deletions, DropletDeletion{ID: d.ID, Name: d.Name, Tags: slices.Clone(d.Tags), At: now})
}

// DropletDeletions returns the droplets deleted since the world began (or
// the last reset), oldest first.
func (s *Server) DropletDeletions() []DropletDeletion {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.world.deletions)
}
