package sandbox

import "time"

// LoadBalancer is TODO: owned by the area's implementer.
type LoadBalancer struct{}

func (s *Server) loadBalancerRoutes() {}

func (s *Server) settleLoadBalancers(now time.Time) {}
