package sandbox

import "time"

// Firewall is TODO: owned by the area's implementer.
type Firewall struct{}

func (s *Server) firewallRoutes() {}

func (s *Server) settleFirewalls(now time.Time) {}
