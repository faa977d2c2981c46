package sandbox

import "time"

// AutoscalePool is TODO: owned by the area's implementer.
type AutoscalePool struct{}

func (s *Server) autoscaleRoutes() {}

func (s *Server) settleAutoscalePools(now time.Time) {}
