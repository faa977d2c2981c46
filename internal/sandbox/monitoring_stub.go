package sandbox

// AlertPolicy is TODO: owned by the area's implementer.
type AlertPolicy struct{}

func (s *Server) monitoringRoutes() {}
