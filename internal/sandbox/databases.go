package sandbox

import (
	"crypto/rand"
	"crypto/sha1"
	"encoding/binary"
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"time"
)

// DatabaseCluster is a managed database cluster. The sandbox runs no
// database: the cluster is its API record (status, connection details,
// users, databases, trusted sources), and nothing listens on its address.
type DatabaseCluster struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Engine   string `json:"engine"`
	Version  string `json:"version"`
	Size     string `json:"size"`
	Region   string `json:"region"`
	NumNodes int    `json:"num_nodes"`
	// Status is creating, online, resizing or migrating; a change other
	// than online ends at ReadyAt.
	Status    string    `json:"status"`
	ReadyAt   time.Time `json:"ready_at"`
	CreatedAt time.Time `json:"created_at"`
	VPCUUID   string    `json:"private_network_uuid"`
	Tags      []string  `json:"tags,omitempty"`
	// StorageMib is the cluster's disk: the size's base or what the
	// create or a resize asked for.
	StorageMib int `json:"storage_size_mib,omitempty"`
	// Host is the cluster's public address, from the sandbox's block like
	// a droplet's; PrivateHost its address in its VPC. DigitalOcean gives
	// host names under db.ondigitalocean.com instead; an address keeps a
	// client that tries to connect on this machine (nothing listens) and
	// asks no DNS server anything.
	Host        string                  `json:"host"`
	PrivateHost string                  `json:"private_host"`
	Users       []*DatabaseUser         `json:"users"`
	DBNames     []string                `json:"db_names,omitempty"`
	Rules       []*DatabaseFirewallRule `json:"rules,omitempty"`
	Maintenance DatabaseMaintenance     `json:"maintenance"`
	// EvictionPolicy (caching engines) and SQLMode (mysql) are the engine
	// settings the official provider manages.
	EvictionPolicy string `json:"eviction_policy,omitempty"`
	SQLMode        string `json:"sql_mode,omitempty"`
	// CACertificate is the PEM of the cluster's CA (GET …/ca).
	CACertificate string `json:"ca_certificate"`
	// Pools are PostgreSQL connection pools; Config the advanced settings
	// set through PATCH …/config, as sent.
	Pools  []*DatabasePool            `json:"pools,omitempty"`
	Config map[string]json.RawMessage `json:"config,omitempty"`
	// StorageAutoscale and DOSettings are kept as set, on create or
	// through their endpoints.
	StorageAutoscale *DatabaseStorageAutoscale `json:"storage_autoscale,omitempty"`
	DOSettings       *DatabaseDOSettings       `json:"do_settings,omitempty"`
}

// DatabaseMaintenance is a cluster's weekly maintenance window.
type DatabaseMaintenance struct {
	Day  string `json:"day"`
	Hour string `json:"hour"` // HH:MM:SS, UTC
}

// DatabasesUnit is the sandbox's managed database clusters.
type DatabasesUnit struct {
	Databases map[string]*DatabaseCluster `json:"databases"`
}

func (u *DatabasesUnit) ensure() {
	if u.Databases == nil {
		u.Databases = map[string]*DatabaseCluster{}
	}
}

func (*DatabasesUnit) routes(s *Server) {
	s.handle("GET /v2/databases", listDatabases)
	s.handle("POST /v2/databases", createDatabase)
	s.handle("GET /v2/databases/options", listDatabaseOptions)
	s.handle("GET /v2/databases/{id}", getDatabase)
	s.handle("DELETE /v2/databases/{id}", deleteDatabase)
	s.handle("GET /v2/databases/{id}/ca", getDatabaseCA)
	s.databaseUserRoutes()
	s.databaseDBRoutes()
	s.databaseFirewallRoutes()
	s.databaseSettingRoutes()
	s.databasePoolRoutes()
	s.databaseConfigRoutes()
	s.databaseDOSettingRoutes()
}

// settle brings clusters whose creation, resize or migration is done
// online.
func (*DatabasesUnit) settle(s *Server, now time.Time) {
	for _, db := range s.world.Databases {
		if db.Status != "online" && !now.Before(db.ReadyAt) {
			db.Status = "online"
		}
	}
}

func (w *World) databasesSorted() []*DatabaseCluster {
	out := make([]*DatabaseCluster, 0, len(w.Databases))
	for _, db := range w.Databases {
		out = append(out, db)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].CreatedAt.Equal(out[j].CreatedAt) {
			return out[i].CreatedAt.Before(out[j].CreatedAt)
		}
		return out[i].ID < out[j].ID
	})
	return out
}

func databaseURN(id string) string { return "do:dbaas:" + id }

func (w *World) databaseObjects() []projectObject {
	var out []projectObject
	for _, db := range w.databasesSorted() {
		out = append(out, projectObject{databaseURN(db.ID), db.CreatedAt})
	}
	return out
}

// databaseNamePattern is the sandbox's reading of DigitalOcean's cluster
// names: they become host names, so lowercase letters, digits and dashes,
// starting with a letter (DigitalOcean refuses "_": api-v2#194).
var databaseNamePattern = regexp.MustCompile(`^[a-z][a-z0-9-]{1,61}[a-z0-9]$`)

func (w *World) validateDatabaseName(name string) *APIError {
	if name == "" {
		return errUnprocessable("name is required")
	}
	if !databaseNamePattern.MatchString(name) {
		return errUnprocessable("invalid name %q: 3 to 63 lowercase letters, digits and dashes, starting with a letter and not ending with a dash", name)
	}
	for _, db := range w.Databases {
		if db.Name == name {
			return errUnprocessable("name %q is already used by database cluster %s: cluster names are unique", name, db.ID)
		}
	}
	return nil
}

// databasePassword is a password in DigitalOcean's shape: AVNS_ and 19
// characters.
func databasePassword() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-"
	var b [19]byte
	_, _ = rand.Read(b[:])
	out := []byte("AVNS_")
	for _, c := range b {
		out = append(out, alphabet[int(c)%len(alphabet)])
	}
	return string(out)
}

// maintenanceFor is the window DigitalOcean picks for a new cluster; the
// sandbox derives it from the id so it is stable.
func maintenanceFor(id string) DatabaseMaintenance {
	sum := sha1.Sum([]byte("maintenance:" + id))
	days := []string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
	n := binary.BigEndian.Uint32(sum[:4])
	return DatabaseMaintenance{Day: days[n%7], Hour: twoDigits(int(n/7%24)) + ":" + twoDigits(int(n/168%60)) + ":00"}
}

func twoDigits(n int) string { return string([]byte{byte('0' + n/10), byte('0' + n%10)}) }

// databaseStorageMib is a size's base disk in MiB: DigitalOcean's figures
// for its basic plans by memory, about 18 GiB per GiB of memory above
// them (the sandbox's estimate). Caching clusters have none.
func databaseStorageMib(e *databaseEngine, size string) int {
	if !e.sql {
		return 0
	}
	byMemory := map[int]int{1: 10, 2: 30, 4: 60, 8: 140, 16: 290, 32: 580, 64: 1012}
	mem := sizeMemoryGiB(size)
	if gib, ok := byMemory[mem]; ok {
		return gib * 1024
	}
	return mem * 18 * 1024
}

// sizeMemoryGiB reads the memory of a slug such as db-s-2vcpu-4gb.
func sizeMemoryGiB(slug string) int {
	m := sizeMemoryPattern.FindStringSubmatch(slug)
	if m == nil {
		return 1
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

var sizeMemoryPattern = regexp.MustCompile(`-(\d+)gb`)

// listDatabases serves GET /v2/databases, filtered by tag_name. Like
// DigitalOcean it answers every cluster at once: godo reads no pages here.
func listDatabases(c *call) (int, any) {
	tag := c.r.URL.Query().Get("tag_name")
	out := []databaseJSON{}
	for _, db := range c.w.databasesSorted() {
		if tag == "" || slices.Contains(db.Tags, tag) {
			out = append(out, c.w.renderDatabase(db))
		}
	}
	return http.StatusOK, map[string]any{"databases": out}
}

// getDatabase serves GET /v2/databases/{id}.
func getDatabase(c *call) (int, any) {
	db := c.w.Databases[c.r.PathValue("id")]
	if db == nil {
		return 0, errNotFound()
	}
	return http.StatusOK, map[string]any{"database": c.w.renderDatabase(db)}
}

// deleteDatabase serves DELETE /v2/databases/{id}, allowed in any status.
// The cluster leaves its project and its VPC, and its addresses are free.
func deleteDatabase(c *call) (int, any) {
	db := c.w.Databases[c.r.PathValue("id")]
	if db == nil {
		return 0, errNotFound()
	}
	delete(c.w.Databases, db.ID)
	return http.StatusNoContent, nil
}
