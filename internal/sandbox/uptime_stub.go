package sandbox

// UptimeCheck is TODO: owned by the area's implementer.
type UptimeCheck struct{}

func (s *Server) uptimeRoutes() {}

type UptimeAlert struct{}
