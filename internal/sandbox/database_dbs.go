package sandbox

import (
	"net/http"
	"regexp"
	"slices"
)

func (s *Server) databaseDBRoutes() {
	s.handle("GET /v2/databases/{id}/dbs", listDatabaseDBs)
	s.handle("POST /v2/databases/{id}/dbs", createDatabaseDB)
	s.handle("GET /v2/databases/{id}/dbs/{name}", getDatabaseDB)
	s.handle("DELETE /v2/databases/{id}/dbs/{name}", deleteDatabaseDB)
}

// databaseDBNamePattern is the sandbox's rule for database names: what
// PostgreSQL and MySQL take unquoted, up to MySQL's 64 characters.
var databaseDBNamePattern = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_$-]{0,63}$`)

type databaseDBJSON struct {
	Name string `json:"name"`
}

// listDatabaseDBs serves GET /v2/databases/{id}/dbs.
func listDatabaseDBs(c *call) (int, any) {
	db, err := c.sqlClusterOf("database")
	if err != nil {
		return 0, err
	}
	out := make([]databaseDBJSON, len(db.DBNames))
	for i, n := range db.DBNames {
		out[i] = databaseDBJSON{n}
	}
	return http.StatusOK, map[string]any{"dbs": out}
}

// getDatabaseDB serves GET /v2/databases/{id}/dbs/{name}.
func getDatabaseDB(c *call) (int, any) {
	db, err := c.sqlClusterOf("database")
	if err != nil {
		return 0, err
	}
	name := c.r.PathValue("name")
	if !slices.Contains(db.DBNames, name) {
		return 0, errNotFound()
	}
	return http.StatusOK, map[string]any{"db": databaseDBJSON{name}}
}

// createDatabaseDB serves POST /v2/databases/{id}/dbs.
func createDatabaseDB(c *call) (int, any) {
	db, err := c.sqlClusterOf("database")
	if err != nil {
		return 0, err
	}
	var in databaseDBJSON
	if err := c.decode(&in); err != nil {
		return 0, err
	}
	switch {
	case in.Name == "":
		return 0, errUnprocessable("name is required")
	case !databaseDBNamePattern.MatchString(in.Name):
		return 0, errUnprocessable("invalid name %q: up to 64 letters, digits, underscores, dashes and dollar signs, starting with a letter or underscore", in.Name)
	case slices.Contains(db.DBNames, in.Name):
		return 0, errUnprocessable("database %q already exists in cluster %s", in.Name, db.Name)
	}
	db.DBNames = append(db.DBNames, in.Name)
	return http.StatusCreated, map[string]any{"db": in}
}

// deleteDatabaseDB serves DELETE /v2/databases/{id}/dbs/{name}.
func deleteDatabaseDB(c *call) (int, any) {
	db, err := c.sqlClusterOf("database")
	if err != nil {
		return 0, err
	}
	name := c.r.PathValue("name")
	if !slices.Contains(db.DBNames, name) {
		return 0, errNotFound()
	}
	if i := slices.IndexFunc(db.Pools, func(p *DatabasePool) bool { return p.DB == name }); i >= 0 {
		return 0, errUnprocessable("database %q is used by connection pool %q: delete the pool first", name, db.Pools[i].Name)
	}
	db.DBNames = slices.DeleteFunc(db.DBNames, func(n string) bool { return n == name })
	return http.StatusNoContent, nil
}
