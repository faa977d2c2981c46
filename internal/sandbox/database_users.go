package sandbox

import (
	"net/http"
	"regexp"
	"slices"

	"github.com/scalable-tf/terraform-provider-scalable/internal/doapi"
)

// DatabaseUser is a user of a cluster. Passwords are generated; MySQL
// users carry their authentication plugin.
type DatabaseUser struct {
	Name       string `json:"name"`
	Role       string `json:"role"` // primary, normal
	Password   string `json:"password"`
	AuthPlugin string `json:"auth_plugin,omitempty"`
	// PGAllowReplication is PostgreSQL's settings.pg_allow_replication.
	PGAllowReplication bool `json:"pg_allow_replication,omitempty"`
}

// databaseUserJSON is DigitalOcean's database user. settings and
// mysql_settings appear only when they say something: the official
// provider keeps an empty settings block as a diff.
type databaseUserJSON struct {
	Name          string                     `json:"name"`
	Role          string                     `json:"role"`
	Password      string                     `json:"password"`
	MySQLSettings *databaseMySQLSettingsJSON `json:"mysql_settings,omitempty"`
	Settings      *databaseUserSettingsJSON  `json:"settings,omitempty"`
}

type databaseMySQLSettingsJSON struct {
	AuthPlugin string `json:"auth_plugin"`
}

type databaseUserSettingsJSON struct {
	PGAllowReplication *bool `json:"pg_allow_replication,omitempty"`
}

func renderDatabaseUser(u *DatabaseUser) databaseUserJSON {
	out := databaseUserJSON{Name: u.Name, Role: u.Role, Password: u.Password}
	if u.AuthPlugin != "" {
		out.MySQLSettings = &databaseMySQLSettingsJSON{AuthPlugin: u.AuthPlugin}
	}
	if u.PGAllowReplication {
		t := true
		out.Settings = &databaseUserSettingsJSON{PGAllowReplication: &t}
	}
	return out
}

// databaseUserIn is the body of a user create, update or auth reset.
type databaseUserIn struct {
	Name          string `json:"name"`
	MySQLSettings *struct {
		AuthPlugin string `json:"auth_plugin"`
	} `json:"mysql_settings"`
	Settings *struct {
		PGAllowReplication *bool `json:"pg_allow_replication"`
	} `json:"settings"`
}

func (s *Server) databaseUserRoutes() {
	s.handle("GET /v2/databases/{id}/users", listDatabaseUsers)
	s.handle("POST /v2/databases/{id}/users", createDatabaseUser)
	s.handle("GET /v2/databases/{id}/users/{name}", getDatabaseUser)
	s.handle("PUT /v2/databases/{id}/users/{name}", updateDatabaseUser)
	s.handle("DELETE /v2/databases/{id}/users/{name}", deleteDatabaseUser)
	s.handle("POST /v2/databases/{id}/users/{name}/reset_auth", resetDatabaseUserAuth)
}

// databaseUserNamePattern is the sandbox's rule for user names: what both
// PostgreSQL and MySQL take unquoted, up to MySQL's 32 characters.
var databaseUserNamePattern = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_.-]{0,31}$`)

// clusterOf is the path's cluster.
func (c *call) clusterOf() (*DatabaseCluster, *APIError) {
	db := c.w.Databases[c.r.PathValue("id")]
	if db == nil {
		return nil, errNotFound()
	}
	return db, nil
}

// sqlClusterOf is the path's cluster, refusing caching engines, which have
// neither users nor databases to manage (OpenAPI databases_add_user.yml).
func (c *call) sqlClusterOf(what string) (*DatabaseCluster, *APIError) {
	db, err := c.clusterOf()
	if err != nil {
		return nil, err
	}
	if !databaseEngineBySlug(db.Engine).sql {
		return nil, errUnprocessable("%s management is not supported for %s clusters", what, db.Engine)
	}
	return db, nil
}

func (db *DatabaseCluster) user(name string) *DatabaseUser {
	for _, u := range db.Users {
		if u.Name == name {
			return u
		}
	}
	return nil
}

// listDatabaseUsers serves GET /v2/databases/{id}/users.
func listDatabaseUsers(c *call) (int, any) {
	db, err := c.clusterOf()
	if err != nil {
		return 0, err
	}
	out := make([]databaseUserJSON, len(db.Users))
	for i, u := range db.Users {
		out[i] = renderDatabaseUser(u)
	}
	return http.StatusOK, map[string]any{"users": out}
}

// getDatabaseUser serves GET /v2/databases/{id}/users/{name}.
func getDatabaseUser(c *call) (int, any) {
	db, err := c.clusterOf()
	if err != nil {
		return 0, err
	}
	u := db.user(c.r.PathValue("name"))
	if u == nil {
		return 0, errNotFound()
	}
	return http.StatusOK, map[string]any{"user": renderDatabaseUser(u)}
}

// authPlugin resolves mysql_settings.auth_plugin: MySQL only, MySQL 8's
// caching_sha2_password when omitted.
func authPlugin(db *DatabaseCluster, in databaseUserIn) (string, *APIError) {
	if in.MySQLSettings == nil || in.MySQLSettings.AuthPlugin == "" {
		if db.Engine == "mysql" {
			return doapi.DatabaseMySQLAuthPlugins[0], nil
		}
		return "", nil
	}
	if db.Engine != "mysql" {
		return "", errUnprocessable("mysql_settings apply to mysql clusters only; this cluster is %s", db.Engine)
	}
	if !slices.Contains(doapi.DatabaseMySQLAuthPlugins, in.MySQLSettings.AuthPlugin) {
		return "", errNotOneOf("mysql_settings.auth_plugin", in.MySQLSettings.AuthPlugin, doapi.DatabaseMySQLAuthPlugins)
	}
	return in.MySQLSettings.AuthPlugin, nil
}

// pgReplication resolves settings.pg_allow_replication: PostgreSQL only,
// false when omitted.
func pgReplication(db *DatabaseCluster, in databaseUserIn) (bool, *APIError) {
	if in.Settings == nil || in.Settings.PGAllowReplication == nil {
		return false, nil
	}
	if db.Engine != "pg" {
		return false, errUnprocessable("settings.pg_allow_replication applies to pg clusters only; this cluster is %s", db.Engine)
	}
	return *in.Settings.PGAllowReplication, nil
}

// createDatabaseUser serves POST /v2/databases/{id}/users: 201 and the
// user with its generated password.
func createDatabaseUser(c *call) (int, any) {
	db, err := c.sqlClusterOf("user")
	if err != nil {
		return 0, err
	}
	var in databaseUserIn
	if err := c.decode(&in); err != nil {
		return 0, err
	}
	if in.Name == "" {
		return 0, errUnprocessable("name is required")
	}
	if !databaseUserNamePattern.MatchString(in.Name) {
		return 0, errUnprocessable("invalid name %q: up to 32 letters, digits, underscores, dots and dashes, starting with a letter or underscore", in.Name)
	}
	if db.user(in.Name) != nil {
		return 0, errUnprocessable("user %q already exists in cluster %s", in.Name, db.Name)
	}
	u := &DatabaseUser{Name: in.Name, Role: "normal", Password: databasePassword()}
	if u.AuthPlugin, err = authPlugin(db, in); err != nil {
		return 0, err
	}
	if u.PGAllowReplication, err = pgReplication(db, in); err != nil {
		return 0, err
	}
	db.Users = append(db.Users, u)
	return http.StatusCreated, map[string]any{"user": renderDatabaseUser(u)}
}

// updateDatabaseUser serves PUT /v2/databases/{id}/users/{name}: only the
// settings change (omitted, pg_allow_replication is false).
func updateDatabaseUser(c *call) (int, any) {
	db, err := c.sqlClusterOf("user")
	if err != nil {
		return 0, err
	}
	u := db.user(c.r.PathValue("name"))
	if u == nil {
		return 0, errNotFound()
	}
	var in databaseUserIn
	if err := c.decode(&in); err != nil {
		return 0, err
	}
	if u.PGAllowReplication, err = pgReplication(db, in); err != nil {
		return 0, err
	}
	return http.StatusCreated, map[string]any{"user": renderDatabaseUser(u)}
}

// resetDatabaseUserAuth serves POST …/users/{name}/reset_auth: a new
// password, and for MySQL the plugin the body names.
func resetDatabaseUserAuth(c *call) (int, any) {
	db, err := c.sqlClusterOf("user")
	if err != nil {
		return 0, err
	}
	u := db.user(c.r.PathValue("name"))
	if u == nil {
		return 0, errNotFound()
	}
	var in databaseUserIn
	if len(c.body) > 0 {
		if err := c.decode(&in); err != nil {
			return 0, err
		}
	}
	if in.MySQLSettings != nil {
		if u.AuthPlugin, err = authPlugin(db, in); err != nil {
			return 0, err
		}
	}
	u.Password = databasePassword()
	return http.StatusOK, map[string]any{"user": renderDatabaseUser(u)}
}

// deleteDatabaseUser serves DELETE /v2/databases/{id}/users/{name}; the
// primary user stays.
func deleteDatabaseUser(c *call) (int, any) {
	db, err := c.sqlClusterOf("user")
	if err != nil {
		return 0, err
	}
	u := db.user(c.r.PathValue("name"))
	if u == nil {
		return 0, errNotFound()
	}
	if u.Role == "primary" {
		return 0, errUnprocessable("user %q is the cluster's primary user and cannot be deleted", u.Name)
	}
	if i := slices.IndexFunc(db.Pools, func(p *DatabasePool) bool { return p.User == u.Name }); i >= 0 {
		return 0, errUnprocessable("user %q is used by connection pool %q: delete the pool first", u.Name, db.Pools[i].Name)
	}
	db.Users = slices.DeleteFunc(db.Users, func(x *DatabaseUser) bool { return x == u })
	return http.StatusNoContent, nil
}
