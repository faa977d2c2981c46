package sandbox

import "time"

// Certificate is TODO: owned by the area's implementer.
type Certificate struct{}

func (s *Server) certificateRoutes() {}

func (s *Server) settleCertificates(now time.Time) {}
