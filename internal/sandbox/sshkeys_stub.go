package sandbox

// SSHKey is TODO: owned by the area's implementer.
type SSHKey struct{}

func (s *Server) sshKeyRoutes() {}
