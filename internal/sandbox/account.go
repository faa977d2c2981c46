package sandbox

import "net/http"

func (s *Server) accountRoutes() {
	s.handle("GET /v2/account", getAccount)
}

// AccountUnit is the account.
type AccountUnit struct{}

func (*AccountUnit) routes(s *Server) {
	s.accountRoutes()
}

// getAccount serves GET /v2/account.
func getAccount(c *call) (int, any) {
	a := c.w.Account
	return http.StatusOK, map[string]any{"account": map[string]any{
		"droplet_limit":     a.DropletLimit,
		"floating_ip_limit": a.FloatingLimit,
		"reserved_ip_limit": a.FloatingLimit,
		"volume_limit":      a.VolumeLimit,
		"email":             a.Email,
		"name":              "Sandbox User",
		"uuid":              a.UUID,
		"email_verified":    true,
		"status":            "active",
		"status_message":    "",
		"team":              map[string]any{"uuid": teamUUID(a.UUID), "name": "My Team"},
	}}
}
