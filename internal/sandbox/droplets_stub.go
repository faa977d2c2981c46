package sandbox

import "time"

// Action is TODO: owned by the area's implementer.
type Action struct{}

func (s *Server) actionRoutes() {}

func (s *Server) settleActions(now time.Time) {}

// Snapshot is a droplet backup or snapshot image.
type Snapshot struct{}

func (s *Server) dropletRoutes() {}

func (s *Server) settleDroplets(now time.Time) {}

// KillDroplet powers a droplet off as a crash would.
func (s *Server) KillDroplet(id int) error { return nil }
