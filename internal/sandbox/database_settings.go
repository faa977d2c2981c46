package sandbox

import (
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/scalable-tf/terraform-provider-scalable/internal/doapi"
)

func (s *Server) databaseSettingRoutes() {
	s.handle("PUT /v2/databases/{id}/resize", resizeDatabase)
	s.handle("PUT /v2/databases/{id}/migrate", migrateDatabase)
	s.handle("PUT /v2/databases/{id}/upgrade", upgradeDatabase)
	s.handle("PUT /v2/databases/{id}/maintenance", updateDatabaseMaintenance)
	s.handle("GET /v2/databases/{id}/eviction_policy", getEvictionPolicy)
	s.handle("PUT /v2/databases/{id}/eviction_policy", setEvictionPolicy)
	s.handle("GET /v2/databases/{id}/sql_mode", getSQLMode)
	s.handle("PUT /v2/databases/{id}/sql_mode", setSQLMode)
	s.handle("GET /v2/databases/{id}/backups", listDatabaseBackups)
}

// onlineClusterOf is the path's cluster when it can take a change that
// rebuilds nodes: only an online cluster can.
func (c *call) onlineClusterOf() (*DatabaseCluster, *APIError) {
	db, err := c.clusterOf()
	if err != nil {
		return nil, err
	}
	if db.Status != "online" {
		return nil, errUnprocessable("database cluster %s is %s: it takes this change once it is online", db.Name, db.Status)
	}
	return db, nil
}

// resizeDatabase serves PUT /v2/databases/{id}/resize: size and num_nodes
// are required; the cluster reads "resizing" for Delays.DatabaseResize.
func resizeDatabase(c *call) (int, any) {
	db, err := c.onlineClusterOf()
	if err != nil {
		return 0, err
	}
	var in struct {
		Size           string `json:"size"`
		NumNodes       int    `json:"num_nodes"`
		StorageSizeMib int    `json:"storage_size_mib"`
	}
	if err := c.decode(&in); err != nil {
		return 0, err
	}
	if in.Size == "" || in.NumNodes == 0 {
		return 0, errUnprocessable("size and num_nodes are both required to resize a cluster")
	}
	e := databaseEngineBySlug(db.Engine)
	if err := e.checkPlacement(db.Region, in.NumNodes, in.Size); err != nil {
		return 0, err
	}
	storage, err := databaseStorage(e, in.Size, in.StorageSizeMib)
	if err != nil {
		return 0, err
	}
	if in.StorageSizeMib == 0 {
		storage = max(storage, db.StorageMib) // disks do not shrink
	} else if storage < db.StorageMib {
		return 0, errUnprocessable("invalid storage_size_mib %d: a cluster's storage cannot shrink below its %d MiB", storage, db.StorageMib)
	}
	db.Size, db.NumNodes, db.StorageMib = in.Size, in.NumNodes, storage
	db.Status, db.ReadyAt = "resizing", c.after(c.s.delays.DatabaseResize)
	return http.StatusAccepted, nil
}

// migrateDatabase serves PUT /v2/databases/{id}/migrate: the cluster moves
// to another region (and that region's default VPC unless one is named),
// reading "migrating" for Delays.DatabaseMigrate.
func migrateDatabase(c *call) (int, any) {
	db, err := c.onlineClusterOf()
	if err != nil {
		return 0, err
	}
	var in struct {
		Region             string `json:"region"`
		PrivateNetworkUUID string `json:"private_network_uuid"`
	}
	if err := c.decode(&in); err != nil {
		return 0, err
	}
	region := strings.ToLower(in.Region)
	if region == "" {
		return 0, errUnprocessable("region is required")
	}
	e := databaseEngineBySlug(db.Engine)
	if err := e.checkPlacement(region, db.NumNodes, db.Size); err != nil {
		return 0, err
	}
	vpcID, err := c.databaseVPC(in.PrivateNetworkUUID, region)
	if err != nil {
		return 0, err
	}
	if vpcID != db.VPCUUID {
		vpc := c.w.VPCs[vpcID]
		ip, perr := allocatePrivateIPv4(vpc, c.w.privateIPsIn(vpc.ID))
		if perr != nil {
			return 0, errUnprocessable("%s", perr.Error())
		}
		db.VPCUUID, db.PrivateHost = vpc.ID, ip
	}
	db.Region = region
	db.Status, db.ReadyAt = "migrating", c.after(c.s.delays.DatabaseMigrate)
	return http.StatusAccepted, nil
}

// upgradeDatabase serves PUT /v2/databases/{id}/upgrade: a major version
// upgrade, to a newer version that still takes clusters.
func upgradeDatabase(c *call) (int, any) {
	db, err := c.onlineClusterOf()
	if err != nil {
		return 0, err
	}
	var in struct {
		Version string `json:"version"`
	}
	if err := c.decode(&in); err != nil {
		return 0, err
	}
	e := databaseEngineBySlug(db.Engine)
	if in.Version == "" {
		return 0, errUnprocessable("version is required")
	}
	v, err := e.pickVersion(in.Version, c.now)
	if err != nil {
		return 0, err
	}
	if slices.Index(e.versionSlugs(), v.version) <= slices.Index(e.versionSlugs(), db.Version) {
		return 0, errUnprocessable("invalid version %q: a cluster on %s %s upgrades to a newer version only", in.Version, db.Engine, db.Version)
	}
	db.Version = v.version
	return http.StatusNoContent, nil
}

// maintenanceHour is HH:MM or HH:MM:SS, UTC.
var maintenanceHour = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$`)

// updateDatabaseMaintenance serves PUT /v2/databases/{id}/maintenance.
// DigitalOcean answers the hour with seconds.
func updateDatabaseMaintenance(c *call) (int, any) {
	db, err := c.clusterOf()
	if err != nil {
		return 0, err
	}
	var in DatabaseMaintenance
	if err := c.decode(&in); err != nil {
		return 0, err
	}
	days := []string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
	day := strings.ToLower(in.Day)
	if !slices.Contains(days, day) {
		return 0, errNotOneOf("day", in.Day, days)
	}
	if !maintenanceHour.MatchString(in.Hour) {
		return 0, errUnprocessable("invalid hour %q: must be HH:MM in UTC, 24-hour clock", in.Hour)
	}
	hour := in.Hour
	if len(hour) == len("15:04") {
		hour += ":00"
	}
	db.Maintenance = DatabaseMaintenance{Day: day, Hour: hour}
	return http.StatusNoContent, nil
}

// engineClusterOf is the path's cluster when its engine has the setting.
func (c *call) engineClusterOf(setting string, engines ...string) (*DatabaseCluster, *APIError) {
	db, err := c.clusterOf()
	if err != nil {
		return nil, err
	}
	if !slices.Contains(engines, db.Engine) {
		return nil, errUnprocessable("%s applies to %s clusters only; this cluster is %s", setting, strings.Join(engines, " and "), db.Engine)
	}
	return db, nil
}

// getEvictionPolicy serves GET /v2/databases/{id}/eviction_policy.
func getEvictionPolicy(c *call) (int, any) {
	db, err := c.engineClusterOf("eviction_policy", "valkey", "redis")
	if err != nil {
		return 0, err
	}
	return http.StatusOK, map[string]any{"eviction_policy": db.EvictionPolicy}
}

// setEvictionPolicy serves PUT /v2/databases/{id}/eviction_policy.
func setEvictionPolicy(c *call) (int, any) {
	db, err := c.engineClusterOf("eviction_policy", "valkey", "redis")
	if err != nil {
		return 0, err
	}
	var in struct {
		EvictionPolicy string `json:"eviction_policy"`
	}
	if err := c.decode(&in); err != nil {
		return 0, err
	}
	if !slices.Contains(doapi.DatabaseEvictionPolicies, in.EvictionPolicy) {
		return 0, errNotOneOf("eviction_policy", in.EvictionPolicy, doapi.DatabaseEvictionPolicies)
	}
	db.EvictionPolicy = in.EvictionPolicy
	return http.StatusNoContent, nil
}

// getSQLMode serves GET /v2/databases/{id}/sql_mode.
func getSQLMode(c *call) (int, any) {
	db, err := c.engineClusterOf("sql_mode", "mysql")
	if err != nil {
		return 0, err
	}
	return http.StatusOK, map[string]any{"sql_mode": db.SQLMode}
}

// sqlModePattern is a comma-separated list of MySQL mode names.
var sqlModePattern = regexp.MustCompile(`^[A-Z_0-9]+(,[A-Z_0-9]+)*$`)

// setSQLMode serves PUT /v2/databases/{id}/sql_mode.
func setSQLMode(c *call) (int, any) {
	db, err := c.engineClusterOf("sql_mode", "mysql")
	if err != nil {
		return 0, err
	}
	var in struct {
		SQLMode string `json:"sql_mode"`
	}
	if err := c.decode(&in); err != nil {
		return 0, err
	}
	if in.SQLMode != "" && !sqlModePattern.MatchString(in.SQLMode) {
		return 0, errUnprocessable("invalid sql_mode %q: a comma-separated list of MySQL modes such as ANSI,STRICT_ALL_TABLES", in.SQLMode)
	}
	db.SQLMode = in.SQLMode
	return http.StatusNoContent, nil
}

// listDatabaseBackups serves GET /v2/databases/{id}/backups: one daily
// backup for every full day a SQL cluster has been up (caching clusters
// keep none). The sandbox keeps no data, so none can be restored.
func listDatabaseBackups(c *call) (int, any) {
	db, err := c.sqlClusterOf("backup")
	if err != nil {
		return 0, err
	}
	type backupJSON struct {
		CreatedAt     string  `json:"created_at"`
		SizeGigabytes float64 `json:"size_gigabytes"`
	}
	out := []backupJSON{}
	for t := db.CreatedAt.Add(24 * time.Hour); !t.After(c.now); t = t.Add(24 * time.Hour) {
		out = append(out, backupJSON{CreatedAt: timestamp(t), SizeGigabytes: 0.03})
	}
	return http.StatusOK, map[string]any{"backups": out}
}
