package sandbox

import (
	"encoding/json"
	"net/http"
)

func (s *Server) databaseConfigRoutes() {
	s.handle("GET /v2/databases/{id}/config", getDatabaseConfig)
	s.handle("PATCH /v2/databases/{id}/config", patchDatabaseConfig)
}

// getDatabaseConfig serves GET /v2/databases/{id}/config: the advanced
// settings set so far. The sandbox runs no engine, so it answers only
// what was set, not each engine's defaults.
func getDatabaseConfig(c *call) (int, any) {
	db, err := c.clusterOf()
	if err != nil {
		return 0, err
	}
	cfg := db.Config
	if cfg == nil {
		cfg = map[string]json.RawMessage{}
	}
	return http.StatusOK, map[string]any{"config": cfg}
}

// patchDatabaseConfig serves PATCH /v2/databases/{id}/config: the body's
// settings are merged in as given (their names and ranges are not checked).
func patchDatabaseConfig(c *call) (int, any) {
	db, err := c.clusterOf()
	if err != nil {
		return 0, err
	}
	var in struct {
		Config map[string]json.RawMessage `json:"config"`
	}
	if err := c.decode(&in); err != nil {
		return 0, err
	}
	if len(in.Config) == 0 {
		return 0, errUnprocessable("config is required: name at least one setting")
	}
	if db.Config == nil {
		db.Config = map[string]json.RawMessage{}
	}
	for k, v := range in.Config {
		db.Config[k] = v
	}
	return http.StatusOK, nil
}
