package sandbox

import "net/http"

// routes registers every DigitalOcean endpoint the sandbox serves. Each
// area registers its own in its file.
func (s *Server) routes() {
	s.accountRoutes()
	s.dropletRoutes()
	s.actionRoutes()
	s.catalogRoutes()
	s.loadBalancerRoutes()
	s.monitoringRoutes()
	s.tagRoutes()
	s.uptimeRoutes()
	s.firewallRoutes()
	s.certificateRoutes()
	s.vpcRoutes()
	s.sshKeyRoutes()
	s.snapshotRoutes()
	s.autoscaleRoutes()
	// Anything else is DigitalOcean's JSON 404.
	s.api.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		requestID, _ := r.Context().Value(requestIDKey{}).(string)
		writeAPIError(w, requestID, errNotFound())
	})
}
