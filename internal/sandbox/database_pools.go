package sandbox

import (
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
)

// DatabasePool is a PgBouncer connection pool of a PostgreSQL cluster.
type DatabasePool struct {
	Name string `json:"name"`
	Mode string `json:"mode"`
	Size int    `json:"size"`
	DB   string `json:"db"`
	// User is the pool's user; empty, sessions connect as the inbound user.
	User string `json:"user,omitempty"`
}

// DatabasePoolModes are PgBouncer's pool modes (OpenAPI connection_pool.yml).
var DatabasePoolModes = []string{"session", "transaction", "statement"}

// databasePoolPort is where PgBouncer listens on DigitalOcean.
const databasePoolPort = 25061

type databasePoolJSON struct {
	User              string                 `json:"user"`
	Name              string                 `json:"name"`
	Size              int                    `json:"size"`
	DB                string                 `json:"db"`
	Mode              string                 `json:"mode"`
	Connection        databaseConnectionJSON `json:"connection"`
	PrivateConnection databaseConnectionJSON `json:"private_connection"`
}

func (s *Server) databasePoolRoutes() {
	s.handle("GET /v2/databases/{id}/pools", listDatabasePools)
	s.handle("POST /v2/databases/{id}/pools", createDatabasePool)
	s.handle("GET /v2/databases/{id}/pools/{name}", getDatabasePool)
	s.handle("PUT /v2/databases/{id}/pools/{name}", updateDatabasePool)
	s.handle("DELETE /v2/databases/{id}/pools/{name}", deleteDatabasePool)
}

// poolConnection reaches the pool on host: the pool's name is the
// database of its URI, its user the pool's (or the primary user).
func poolConnection(db *DatabaseCluster, p *DatabasePool, host string) databaseConnectionJSON {
	u := db.Users[0]
	if pu := db.user(p.User); pu != nil {
		u = pu
	}
	uri := url.URL{Scheme: "postgresql", User: url.UserPassword(u.Name, u.Password),
		Host: net.JoinHostPort(host, strconv.Itoa(databasePoolPort)), Path: "/" + p.Name, RawQuery: "sslmode=require"}
	return databaseConnectionJSON{Protocol: "postgresql", URI: uri.String(), Database: p.Name, Host: host,
		Port: databasePoolPort, User: u.Name, Password: u.Password, SSL: true}
}

func renderDatabasePool(db *DatabaseCluster, p *DatabasePool) databasePoolJSON {
	return databasePoolJSON{User: p.User, Name: p.Name, Size: p.Size, DB: p.DB, Mode: p.Mode,
		Connection: poolConnection(db, p, db.Host), PrivateConnection: poolConnection(db, p, db.PrivateHost)}
}

// pgClusterOf is the path's cluster when it is PostgreSQL: only PgBouncer
// pools PostgreSQL connections.
func (c *call) pgClusterOf() (*DatabaseCluster, *APIError) {
	return c.engineClusterOf("connection pools", "pg")
}

func (db *DatabaseCluster) pool(name string) *DatabasePool {
	for _, p := range db.Pools {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// listDatabasePools serves GET /v2/databases/{id}/pools.
func listDatabasePools(c *call) (int, any) {
	db, err := c.pgClusterOf()
	if err != nil {
		return 0, err
	}
	out := make([]databasePoolJSON, len(db.Pools))
	for i, p := range db.Pools {
		out[i] = renderDatabasePool(db, p)
	}
	return http.StatusOK, map[string]any{"pools": out}
}

// getDatabasePool serves GET /v2/databases/{id}/pools/{name}.
func getDatabasePool(c *call) (int, any) {
	db, err := c.pgClusterOf()
	if err != nil {
		return 0, err
	}
	p := db.pool(c.r.PathValue("name"))
	if p == nil {
		return 0, errNotFound()
	}
	return http.StatusOK, map[string]any{"pool": renderDatabasePool(db, p)}
}

// checkPool checks a pool's mode, database, user and size; the sizes of a
// cluster's pools share its backend connections: 25 for every GB of the
// primary node's memory, three kept for maintenance.
func checkPool(db *DatabaseCluster, p *DatabasePool) *APIError {
	if !slices.Contains(DatabasePoolModes, p.Mode) {
		return errNotOneOf("mode", p.Mode, DatabasePoolModes)
	}
	if !slices.Contains(db.DBNames, p.DB) {
		return errUnprocessable("invalid db %q: the cluster has no such database (it has %s)", p.DB, joinAllowed(db.DBNames))
	}
	if p.User != "" && db.user(p.User) == nil {
		return errUnprocessable("invalid user %q: the cluster has no such user", p.User)
	}
	limit := 25*sizeMemoryGiB(db.Size) - 3
	used := p.Size
	for _, o := range db.Pools {
		if o.Name != p.Name {
			used += o.Size
		}
	}
	if p.Size < 1 || used > limit {
		return errUnprocessable("invalid size %d: the cluster's pools share %d backend connections (size %s), %d of them taken by other pools", p.Size, limit, db.Size, used-p.Size)
	}
	return nil
}

// createDatabasePool serves POST /v2/databases/{id}/pools.
func createDatabasePool(c *call) (int, any) {
	db, err := c.pgClusterOf()
	if err != nil {
		return 0, err
	}
	var in DatabasePool
	if err := c.decode(&in); err != nil {
		return 0, err
	}
	if len(in.Name) < 3 || len(in.Name) > 60 || !databaseDBNamePattern.MatchString(in.Name) {
		return 0, errUnprocessable("invalid name %q: 3 to 60 letters, digits, underscores and dashes, starting with a letter or underscore", in.Name)
	}
	if db.pool(in.Name) != nil || slices.Contains(db.DBNames, in.Name) {
		return 0, errUnprocessable("name %q is taken: pools are reached as databases, so a pool cannot share a name with a pool or database", in.Name)
	}
	if err := checkPool(db, &in); err != nil {
		return 0, err
	}
	db.Pools = append(db.Pools, &in)
	return http.StatusCreated, map[string]any{"pool": renderDatabasePool(db, &in)}
}

// updateDatabasePool serves PUT /v2/databases/{id}/pools/{name}: mode,
// size, db and user change; 204.
func updateDatabasePool(c *call) (int, any) {
	db, err := c.pgClusterOf()
	if err != nil {
		return 0, err
	}
	p := db.pool(c.r.PathValue("name"))
	if p == nil {
		return 0, errNotFound()
	}
	in := DatabasePool{User: p.User}
	if err := c.decode(&in); err != nil {
		return 0, err
	}
	in.Name = p.Name
	if err := checkPool(db, &in); err != nil {
		return 0, err
	}
	*p = in
	return http.StatusNoContent, nil
}

// deleteDatabasePool serves DELETE /v2/databases/{id}/pools/{name}.
func deleteDatabasePool(c *call) (int, any) {
	db, err := c.pgClusterOf()
	if err != nil {
		return 0, err
	}
	p := db.pool(c.r.PathValue("name"))
	if p == nil {
		return 0, errNotFound()
	}
	db.Pools = slices.DeleteFunc(db.Pools, func(x *DatabasePool) bool { return x == p })
	return http.StatusNoContent, nil
}
