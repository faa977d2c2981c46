package sandbox

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/scalable-tf/terraform-provider-scalable/internal/doapi"
)

// databaseCreateRequest is the body of POST /v2/databases.
type databaseCreateRequest struct {
	Name               string           `json:"name"`
	Engine             string           `json:"engine"`
	Version            string           `json:"version"`
	Size               string           `json:"size"`
	Region             string           `json:"region"`
	NumNodes           int              `json:"num_nodes"`
	PrivateNetworkUUID string           `json:"private_network_uuid"`
	Tags               []string         `json:"tags"`
	ProjectID          string           `json:"project_id"`
	StorageSizeMib     int              `json:"storage_size_mib"`
	Rules              []databaseRuleIn `json:"rules"`
	BackupRestore      json.RawMessage  `json:"backup_restore"`
	// The spec names autoscale.storage, godo storage_autoscale: either.
	Autoscale        *DatabaseAutoscale        `json:"autoscale"`
	StorageAutoscale *DatabaseStorageAutoscale `json:"storage_autoscale"`
	DOSettings       *DatabaseDOSettings       `json:"do_settings"`
}

// mysqlDefaultSQLMode is the sql_mode of a new MySQL cluster, as
// DigitalOcean's MySQL documentation lists it.
const mysqlDefaultSQLMode = "ANSI,ERROR_FOR_DIVISION_BY_ZERO,IGNORE_SPACE,NO_ENGINE_SUBSTITUTION,NO_ZERO_DATE,NO_ZERO_IN_DATE,PIPES_AS_CONCAT,REAL_AS_FLOAT,STRICT_ALL_TABLES"

// createDatabase serves POST /v2/databases: the cluster reads "creating"
// for Delays.DatabaseProvision, its connection details known at once.
func createDatabase(c *call) (int, any) {
	var in databaseCreateRequest
	if err := c.decode(&in); err != nil {
		return 0, err
	}
	db, engine, err := c.databaseFromRequest(&in)
	if err != nil {
		return 0, err
	}
	vpc := c.w.VPCs[db.VPCUUID]
	if db.Host, err = c.w.takeIPv4(); err != nil {
		return 0, err
	}
	private, perr := allocatePrivateIPv4(vpc, c.w.privateIPsIn(vpc.ID))
	if perr != nil {
		return 0, errUnprocessable("%s", perr.Error())
	}
	db.PrivateHost = private
	db.ID, db.Status, db.CreatedAt = newUUID(), "creating", c.now
	db.ReadyAt = c.after(c.s.delays.DatabaseProvision)
	db.Maintenance = maintenanceFor(db.ID)
	db.CACertificate = newDatabaseCA(db, c.now)
	db.Users = []*DatabaseUser{primaryDatabaseUser(engine)}
	if engine.sql {
		db.DBNames = []string{"defaultdb"}
	}
	switch engine.slug {
	case "mysql":
		db.SQLMode = mysqlDefaultSQLMode
	case "valkey", "redis":
		db.EvictionPolicy = "noeviction"
	}
	c.w.ensureTags(c.now, db.Tags)
	c.w.Databases[db.ID] = db
	if in.ProjectID != "" {
		c.w.assignProject(databaseURN(db.ID), in.ProjectID, c.now)
	}
	return http.StatusCreated, map[string]any{"database": c.w.renderDatabase(db)}
}

// databaseFromRequest checks a create in DigitalOcean's order of fields
// and returns the cluster it describes (without ids or addresses).
func (c *call) databaseFromRequest(in *databaseCreateRequest) (*DatabaseCluster, *databaseEngine, *APIError) {
	if err := c.w.validateDatabaseName(in.Name); err != nil {
		return nil, nil, err
	}
	engine, err := databaseEngineFor(in.Engine)
	if err != nil {
		return nil, nil, err
	}
	version, err := engine.pickVersion(in.Version, c.now)
	if err != nil {
		return nil, nil, err
	}
	db := &DatabaseCluster{Name: in.Name, Engine: engine.slug, Version: version.version,
		Size: in.Size, Region: strings.ToLower(in.Region), NumNodes: in.NumNodes}
	for _, f := range []struct{ name, value string }{{"size", in.Size}, {"region", in.Region}} {
		if f.value == "" {
			return nil, nil, errUnprocessable("%s is required", f.name)
		}
	}
	if in.NumNodes == 0 {
		return nil, nil, errUnprocessable("num_nodes is required")
	}
	if err := engine.checkPlacement(db.Region, db.NumNodes, db.Size); err != nil {
		return nil, nil, err
	}
	if err := c.databasePlacement(in, engine, db); err != nil {
		return nil, nil, err
	}
	storage := in.StorageAutoscale
	if in.Autoscale != nil && in.Autoscale.Storage != nil {
		storage = in.Autoscale.Storage
	}
	if err := checkDatabaseAutoscale(&DatabaseAutoscale{Storage: storage}); err != nil {
		return nil, nil, err
	}
	if err := checkDatabaseDOSettings(in.DOSettings); err != nil {
		return nil, nil, err
	}
	db.StorageAutoscale, db.DOSettings = storage, in.DOSettings
	return db, engine, nil
}

// databaseEngineFor resolves the engine slug of a create.
func databaseEngineFor(slug string) (*databaseEngine, *APIError) {
	if slug == "" {
		return nil, errUnprocessable("engine is required")
	}
	if e := databaseEngineBySlug(slug); e != nil {
		return e, nil
	}
	if slices.Contains(databaseEnginesElsewhere, slug) {
		return nil, errUnprocessable("engine %q is offered by DigitalOcean but not emulated by the sandbox: use pg, mysql or valkey", slug)
	}
	allowed := make([]string, 0, len(databaseEngines))
	for _, e := range databaseEngines {
		allowed = append(allowed, e.slug)
	}
	return nil, errNotOneOf("engine", slug, append(allowed, databaseEnginesElsewhere...))
}

// databasePlacement checks the VPC, tags, project, storage and trusted
// sources of a create.
func (c *call) databasePlacement(in *databaseCreateRequest, engine *databaseEngine, db *DatabaseCluster) *APIError {
	if in.BackupRestore != nil && string(in.BackupRestore) != "null" {
		return errUnprocessable("backup_restore: the sandbox keeps no backups of database clusters, so none can be restored")
	}
	var err *APIError
	if db.VPCUUID, err = c.databaseVPC(in.PrivateNetworkUUID, db.Region); err != nil {
		return err
	}
	for _, t := range in.Tags {
		if err := validateTagName(t); err != nil {
			return errUnprocessable("%s", err.Message)
		}
	}
	db.Tags = dedupe(in.Tags)
	if in.ProjectID != "" {
		if err := c.w.checkProjectID(in.ProjectID); err != nil {
			return err
		}
	}
	if db.StorageMib, err = databaseStorage(engine, db.Size, in.StorageSizeMib); err != nil {
		return err
	}
	db.Rules, err = c.w.databaseRules(in.Rules, nil, c.now)
	return err
}

// databaseVPC resolves private_network_uuid: the region's default VPC
// when omitted, else a VPC of the account in the region.
func (c *call) databaseVPC(id, region string) (string, *APIError) {
	if id == "" {
		return c.w.defaultVPC(c.now, region).ID, nil
	}
	v := c.w.VPCs[id]
	if v == nil {
		return "", errUnprocessable("invalid private_network_uuid %q: no such VPC", id)
	}
	if v.Region != region {
		return "", errUnprocessable("invalid private_network_uuid %q: the VPC is in %s, the cluster in %s", id, v.Region, region)
	}
	return v.ID, nil
}

// databaseStorage resolves storage_size_mib: the size's base when omitted,
// never below it; caching clusters take none.
func databaseStorage(e *databaseEngine, size string, asked int) (int, *APIError) {
	base := databaseStorageMib(e, size)
	switch {
	case asked == 0:
		return base, nil
	case !e.sql:
		return 0, errUnprocessable("storage_size_mib: %s clusters have no disk to size", e.slug)
	case asked < base:
		return 0, errUnprocessable("invalid storage_size_mib %d: %s clusters of size %s have at least %d MiB", asked, e.slug, size, base)
	}
	return asked, nil
}

// primaryDatabaseUser is the user a cluster is made with: doadmin on SQL
// engines, default on caching ones.
func primaryDatabaseUser(e *databaseEngine) *DatabaseUser {
	u := &DatabaseUser{Name: "doadmin", Role: "primary", Password: databasePassword()}
	if !e.sql {
		u.Name = "default"
	}
	if e.slug == "mysql" {
		u.AuthPlugin = doapi.DatabaseMySQLAuthPlugins[0]
	}
	return u
}
