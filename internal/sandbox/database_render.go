package sandbox

import (
	"net"
	"net/url"
	"strconv"
)

// databaseJSON is DigitalOcean's database cluster object.
type databaseJSON struct {
	ID                       string                  `json:"id"`
	Name                     string                  `json:"name"`
	Engine                   string                  `json:"engine"`
	Version                  string                  `json:"version"`
	SemanticVersion          string                  `json:"semantic_version"`
	Connection               databaseConnectionJSON  `json:"connection"`
	PrivateConnection        databaseConnectionJSON  `json:"private_connection"`
	Users                    []databaseUserJSON      `json:"users"`
	DBNames                  []string                `json:"db_names"`
	NumNodes                 int                     `json:"num_nodes"`
	Region                   string                  `json:"region"`
	Status                   string                  `json:"status"`
	CreatedAt                string                  `json:"created_at"`
	MaintenanceWindow        databaseMaintenanceJSON `json:"maintenance_window"`
	Size                     string                  `json:"size"`
	Tags                     []string                `json:"tags"`
	PrivateNetworkUUID       string                  `json:"private_network_uuid"`
	ProjectID                string                  `json:"project_id"`
	VersionEndOfLife         string                  `json:"version_end_of_life,omitempty"`
	VersionEndOfAvailability string                  `json:"version_end_of_availability,omitempty"`
	StorageSizeMib           int                     `json:"storage_size_mib,omitempty"`
	MetricsEndpoints         []databaseEndpointJSON  `json:"metrics_endpoints"`
	// Autoscale is the spec's shape, StorageAutoscale godo's (the same).
	Autoscale        *DatabaseAutoscale        `json:"autoscale,omitempty"`
	StorageAutoscale *DatabaseStorageAutoscale `json:"storage_autoscale,omitempty"`
	DOSettings       *DatabaseDOSettings       `json:"do_settings,omitempty"`
}

// databaseConnectionJSON is how a client reaches a cluster.
type databaseConnectionJSON struct {
	Protocol string `json:"protocol"`
	URI      string `json:"uri"`
	Database string `json:"database"`
	Host     string `json:"host"`
	Port     int    `json:"port"`
	User     string `json:"user"`
	Password string `json:"password"`
	SSL      bool   `json:"ssl"`
}

type databaseMaintenanceJSON struct {
	Day         string   `json:"day"`
	Hour        string   `json:"hour"`
	Pending     bool     `json:"pending"`
	Description []string `json:"description"`
}

type databaseEndpointJSON struct {
	Host string `json:"host"`
	Port int    `json:"port"`
}

// databaseMetricsPort is where DigitalOcean serves a cluster's Prometheus
// metrics.
const databaseMetricsPort = 9273

func (w *World) renderDatabase(db *DatabaseCluster) databaseJSON {
	e := databaseEngineBySlug(db.Engine)
	v, _ := e.version(db.Version)
	users := make([]databaseUserJSON, len(db.Users))
	for i, u := range db.Users {
		users[i] = renderDatabaseUser(u)
	}
	out := databaseJSON{
		ID: db.ID, Name: db.Name, Engine: db.Engine, Version: db.Version, SemanticVersion: v.semantic,
		Connection: databaseConnection(e, db, db.Host), PrivateConnection: databaseConnection(e, db, db.PrivateHost),
		Users: users, DBNames: db.DBNames, NumNodes: db.NumNodes, Region: db.Region, Status: db.Status,
		CreatedAt: timestamp(db.CreatedAt), Size: db.Size, Tags: db.Tags,
		MaintenanceWindow:  databaseMaintenanceJSON{Day: db.Maintenance.Day, Hour: db.Maintenance.Hour, Description: []string{}},
		PrivateNetworkUUID: db.VPCUUID, ProjectID: w.projectOf(databaseURN(db.ID)), StorageSizeMib: db.StorageMib,
		MetricsEndpoints: []databaseEndpointJSON{{Host: db.Host, Port: databaseMetricsPort}},
		StorageAutoscale: db.StorageAutoscale, DOSettings: db.DOSettings,
	}
	if db.StorageAutoscale != nil {
		out.Autoscale = &DatabaseAutoscale{Storage: db.StorageAutoscale}
	}
	if !v.endOfLife.IsZero() {
		out.VersionEndOfLife = timestamp(v.endOfLife)
	}
	if !v.endOfAvailability.IsZero() {
		out.VersionEndOfAvailability = timestamp(v.endOfAvailability)
	}
	return out
}

// databaseConnection is the primary user's connection to host, with the
// URI DigitalOcean gives each engine: postgresql://…/defaultdb?sslmode=require,
// mysql://…/defaultdb?ssl-mode=REQUIRED, rediss://… (TLS only).
func databaseConnection(e *databaseEngine, db *DatabaseCluster, host string) databaseConnectionJSON {
	u := db.Users[0]
	c := databaseConnectionJSON{Protocol: e.protocol, Host: host, Port: e.port, User: u.Name, Password: u.Password, SSL: true}
	uri := url.URL{Scheme: e.protocol, User: url.UserPassword(u.Name, u.Password), Host: net.JoinHostPort(host, strconv.Itoa(e.port))}
	switch e.slug {
	case "pg":
		c.Database, uri.Path, uri.RawQuery = "defaultdb", "/defaultdb", "sslmode=require"
	case "mysql":
		c.Database, uri.Path, uri.RawQuery = "defaultdb", "/defaultdb", "ssl-mode=REQUIRED"
	}
	c.URI = uri.String()
	return c
}
