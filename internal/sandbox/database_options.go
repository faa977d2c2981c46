package sandbox

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// databaseEngine is what DigitalOcean offers for one managed database
// engine: GET /v2/databases/options, from the OpenAPI spec's example answer
// (databases/responses/options.yml, 2026), which is what DigitalOcean
// serves. Only the engines the sandbox emulates are listed.
type databaseEngine struct {
	slug           string
	regions        []string
	versions       []databaseVersion
	defaultVersion string
	// layouts maps a node count to the sizes a cluster of that many nodes
	// may have.
	layouts map[int][]string
	// port is where the engine listens; protocol and scheme name its URI.
	port     int
	protocol string
	// sql engines hold users and databases; caching engines hold neither.
	sql bool
}

// databaseVersion is one engine version and its end-of-life dates (zero
// when DigitalOcean gives none). A version past its end of availability is
// listed but takes no new clusters.
type databaseVersion struct {
	version           string
	semantic          string // the sandbox's pick of a current minor release
	endOfLife         time.Time
	endOfAvailability time.Time
}

// Database sizes by node count, in DigitalOcean's order. Standby nodes
// need at least 2 GB: the 1 GB sizes are single-node only.
var (
	sqlDatabaseSizes = []string{
		"db-s-1vcpu-1gb", "db-s-1vcpu-2gb", "db-s-2vcpu-4gb", "db-s-4vcpu-8gb", "db-s-6vcpu-16gb",
		"gd-2vcpu-8gb", "gd-4vcpu-16gb", "gd-8vcpu-32gb", "gd-16vcpu-64gb", "gd-32vcpu-128gb", "gd-40vcpu-160gb",
		"so1_5-2vcpu-16gb", "so1_5-4vcpu-32gb", "so1_5-8vcpu-64gb", "so1_5-16vcpu-128gb", "so1_5-24vcpu-192gb", "so1_5-32vcpu-256gb",
		"db-intel-1vcpu-1gb", "db-amd-1vcpu-1gb", "db-intel-1vcpu-2gb", "db-amd-1vcpu-2gb", "db-amd-2vcpu-4gb",
		"db-intel-2vcpu-4gb", "db-amd-2vcpu-8gb", "db-intel-2vcpu-8gb", "db-intel-4vcpu-8gb", "db-amd-4vcpu-8gb",
		"db-amd-4vcpu-16gb", "db-intel-4vcpu-16gb", "db-intel-8vcpu-32gb", "db-amd-8vcpu-32gb",
		"db-intel-16vcpu-64gb", "db-amd-16vcpu-64gb",
	}
	cachingDatabaseSizes = []string{
		"db-s-1vcpu-1gb", "db-s-1vcpu-2gb", "db-s-2vcpu-4gb", "db-s-4vcpu-8gb", "db-s-6vcpu-16gb",
		"db-s-8vcpu-32gb", "db-s-16vcpu-64gb", "m-2vcpu-16gb", "m-4vcpu-32gb", "m-8vcpu-64gb",
		"m-16vcpu-128gb", "m-24vcpu-192gb", "m-32vcpu-256gb",
	}
	databaseRegions = []string{"ams3", "blr1", "fra1", "lon1", "nyc1", "nyc2", "nyc3", "sfo2", "sfo3", "sgp1", "syd1", "tor1", "ric1", "atl1"}
)

// layoutsOf gives one to three nodes the sizes; standby nodes take no
// 1 GB size.
func layoutsOf(sizes []string) map[int][]string {
	ha := slices.DeleteFunc(slices.Clone(sizes), func(s string) bool { return strings.HasSuffix(s, "-1vcpu-1gb") })
	return map[int][]string{1: sizes, 2: ha, 3: ha}
}

var databaseEngines = []*databaseEngine{
	{slug: "pg", regions: databaseRegions, defaultVersion: "17", layouts: layoutsOf(sqlDatabaseSizes),
		port: 25060, protocol: "postgresql", sql: true, versions: []databaseVersion{
			{"13", "13.22", day("2025-11-13"), day("2025-05-13")},
			{"14", "14.19", day("2026-11-12"), day("2026-05-12")},
			{"15", "15.14", day("2027-11-11"), day("2027-05-12")},
			{"16", "16.10", day("2028-11-09"), day("2028-05-09")},
			{"17", "17.6", day("2029-11-08"), day("2029-05-08")},
		}},
	{slug: "mysql", regions: databaseRegions, defaultVersion: "8", layouts: layoutsOf(sqlDatabaseSizes),
		port: 25060, protocol: "mysql", sql: true, versions: []databaseVersion{{version: "8", semantic: "8.0.43"}}},
	{slug: "valkey", regions: without(databaseRegions, "nyc2"), defaultVersion: "8", layouts: layoutsOf(cachingDatabaseSizes),
		port: 25061, protocol: "rediss", versions: []databaseVersion{{version: "8", semantic: "8.1.3"}}},
	// Caching (redis) takes no new clusters since 2025-04-30; valkey
	// replaced it. It is still listed, as DigitalOcean lists it.
	{slug: "redis", regions: databaseRegions, layouts: layoutsOf(cachingDatabaseSizes),
		port: 25061, protocol: "rediss", versions: []databaseVersion{
			{"7", "7.2.4", day("2025-06-30"), day("2025-04-30")},
		}},
}

// databaseEnginesElsewhere are engines DigitalOcean offers that the
// sandbox does not emulate.
var databaseEnginesElsewhere = []string{"mongodb", "kafka", "opensearch", "advanced_pg", "advanced_mysql"}

func databaseEngineBySlug(slug string) *databaseEngine {
	for _, e := range databaseEngines {
		if e.slug == slug {
			return e
		}
	}
	return nil
}

func (e *databaseEngine) version(v string) (databaseVersion, bool) {
	for _, dv := range e.versions {
		if dv.version == v {
			return dv, true
		}
	}
	return databaseVersion{}, false
}

func (e *databaseEngine) versionSlugs() []string {
	out := make([]string, len(e.versions))
	for i, v := range e.versions {
		out[i] = v.version
	}
	return out
}

// nodeCounts are the node counts the engine takes, ascending.
func (e *databaseEngine) nodeCounts() []int {
	var out []int
	for n := range e.layouts {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// checkPlacement checks a cluster's region, node count and size.
func (e *databaseEngine) checkPlacement(region string, nodes int, size string) *APIError {
	if !slices.Contains(e.regions, region) {
		return errUnprocessable("invalid region %q: %s clusters are offered in %s", region, e.slug, joinAllowed(e.regions))
	}
	sizes, ok := e.layouts[nodes]
	if !ok {
		counts := make([]string, 0, 3)
		for _, n := range e.nodeCounts() {
			counts = append(counts, strconv.Itoa(n))
		}
		return errUnprocessable("invalid num_nodes %d: %s clusters have %s nodes", nodes, e.slug, strings.Join(counts, ", "))
	}
	if !slices.Contains(sizes, size) {
		return errUnprocessable("invalid size %q for a %d-node %s cluster: GET /v2/databases/options lists the sizes of each layout", size, nodes, e.slug)
	}
	return nil
}

// pickVersion resolves a create's version: the default when omitted; a
// version past its end of availability takes no new cluster.
func (e *databaseEngine) pickVersion(v string, now time.Time) (databaseVersion, *APIError) {
	if v == "" {
		v = e.defaultVersion
	}
	dv, ok := e.version(v)
	if !ok {
		return dv, errNotOneOf("version", v, e.versionSlugs())
	}
	if !dv.endOfAvailability.IsZero() && !now.Before(dv.endOfAvailability) {
		if e.slug == "redis" {
			return dv, errUnprocessable("redis (Caching) clusters can no longer be created (since 2025-04-30): create a valkey cluster instead")
		}
		return dv, errUnprocessable("version %s of %s is no longer available for new clusters (end of availability %s)", v, e.slug, timestamp(dv.endOfAvailability))
	}
	return dv, nil
}

// databaseEngineOptionsJSON is one engine's entry of /v2/databases/options.
type databaseEngineOptionsJSON struct {
	Regions        []string             `json:"regions"`
	Versions       []string             `json:"versions"`
	Layouts        []databaseLayoutJSON `json:"layouts"`
	DefaultVersion string               `json:"default_version,omitempty"`
}

type databaseLayoutJSON struct {
	NumNodes int      `json:"num_nodes"`
	Sizes    []string `json:"sizes"`
}

type databaseVersionAvailabilityJSON struct {
	EndOfLife         *string `json:"end_of_life"`
	EndOfAvailability *string `json:"end_of_availability"`
	Version           string  `json:"version"`
	Default           bool    `json:"default"`
}

func optionalTimestamp(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := timestamp(t)
	return &s
}

// listDatabaseOptions serves GET /v2/databases/options.
func listDatabaseOptions(c *call) (int, any) {
	options := map[string]databaseEngineOptionsJSON{}
	availability := map[string][]databaseVersionAvailabilityJSON{}
	for _, e := range databaseEngines {
		o := databaseEngineOptionsJSON{Regions: e.regions, Versions: e.versionSlugs(), DefaultVersion: e.defaultVersion}
		for _, n := range e.nodeCounts() {
			o.Layouts = append(o.Layouts, databaseLayoutJSON{NumNodes: n, Sizes: e.layouts[n]})
		}
		options[e.slug] = o
		for _, v := range e.versions {
			availability[e.slug] = append(availability[e.slug], databaseVersionAvailabilityJSON{
				EndOfLife: optionalTimestamp(v.endOfLife), EndOfAvailability: optionalTimestamp(v.endOfAvailability),
				Version: v.version, Default: v.version == e.defaultVersion || (e.defaultVersion == "" && len(e.versions) == 1),
			})
		}
	}
	return http.StatusOK, map[string]any{"options": options, "version_availability": availability}
}
