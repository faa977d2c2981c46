// Package doapi holds DigitalOcean API facts shared by the provider's
// validators, its documentation and the sandbox: enums, ranges and the
// region catalog. One definition each, so they cannot drift apart.
package doapi

import (
	"fmt"
	"time"
)

// Range is an inclusive integer range.
type Range struct{ Min, Max int }

// Contains reports whether v lies in the range.
func (r Range) Contains(v int) bool { return v >= r.Min && v <= r.Max }

func (r Range) String() string { return fmt.Sprintf("between %d and %d", r.Min, r.Max) }

// FloatRange is an inclusive range of decimals.
type FloatRange struct{ Min, Max float64 }

// Contains reports whether v lies in the range.
func (r FloatRange) Contains(v float64) bool { return v >= r.Min && v <= r.Max }

func (r FloatRange) String() string { return fmt.Sprintf("between %g and %g", r.Min, r.Max) }

// Load balancer settings DigitalOcean accepts.
var (
	LBTypes             = []string{"REGIONAL", "REGIONAL_NETWORK", "GLOBAL"}
	LBNetworks          = []string{"EXTERNAL", "INTERNAL"}
	LBNetworkStacks     = []string{"IPV4", "DUALSTACK"}
	LBTLSCipherPolicies = []string{"DEFAULT", "STRONG"}
	// LBAlgorithms is deprecated by DigitalOcean but still accepted.
	LBAlgorithms = []string{"round_robin", "least_connections"}
	// LBSizeSlugs are the deprecated sizes; LBSizeUnits maps each to its
	// node count, as DigitalOcean documents.
	LBSizeSlugs = []string{"lb-small", "lb-medium", "lb-large"}
	LBSizeUnits = map[string]int{"lb-small": 1, "lb-medium": 3, "lb-large": 6}

	LBEntryProtocols       = []string{"http", "https", "http2", "http3", "tcp", "udp"}
	LBTargetProtocols      = []string{"http", "https", "http2", "tcp", "udp"}
	LBTLSEntryProtocols    = []string{"https", "http2", "http3"} // need a certificate unless tls_passthrough
	LBHealthCheckProtocols = []string{"http", "https", "tcp"}
	LBStickySessionTypes   = []string{"none", "cookies"}
	PortRange              = Range{1, 65535}
	// LBSizeUnitRange's maximum of 200 is what the official Terraform
	// provider validates since DigitalOcean's load balancer team raised it
	// (provider 2.46.0, #1284, December 2024); the OpenAPI spec's 100 and
	// the limits page's "100 nodes" predate that.
	LBSizeUnitRange           = Range{1, 200}
	LBCheckIntervalRange      = Range{3, 300}
	LBResponseTimeoutRange    = Range{3, 300}
	LBHealthyThresholdRange   = Range{2, 10}
	LBUnhealthyThresholdRange = Range{2, 10}
	LBIdleTimeoutRange        = Range{30, 600}
	LBCookieNameLength        = Range{2, 40}
	LBCookieTTLRange          = Range{1, 2147483647}
)

// Load balancer defaults DigitalOcean applies to omitted settings; the
// provider's schema defaults are the same, except for the health check
// thresholds below.
const (
	LBDefaultSizeUnit        = 1
	LBDefaultIdleTimeout     = 60
	LBDefaultCheckInterval   = 10
	LBDefaultResponseTimeout = 5
	LBDefaultHealthCheckPath = "/"
)

// Health check thresholds. The provider's schema defaults follow the
// official Terraform provider (healthy 5, unhealthy 3), which always sends
// them; the API's own defaults for an omitted field are the other way round
// (healthy 3, unhealthy 5: OpenAPI health_check.yml), and the sandbox
// answers those.
const (
	LBDefaultHealthyThreshold      = 5
	LBDefaultUnhealthyThreshold    = 3
	LBAPIDefaultHealthyThreshold   = 3
	LBAPIDefaultUnhealthyThreshold = 5
)

// Backup policies. The first plan is DigitalOcean's default.
var (
	BackupPlans    = []string{"daily", "weekly"}
	BackupWeekdays = []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}
	BackupHours    = []int{0, 4, 8, 12, 16, 20}
)

// Backup windows and retention.
const (
	BackupWindowHours         = 4
	DailyBackupRetentionDays  = 7
	WeeklyBackupRetentionDays = 28
)

// Monitoring alert policies.
var (
	AlertDropletTypes = []string{
		"v1/insights/droplet/cpu",
		"v1/insights/droplet/memory_utilization_percent",
		"v1/insights/droplet/disk_utilization_percent",
		"v1/insights/droplet/load_1",
		"v1/insights/droplet/load_5",
		"v1/insights/droplet/load_15",
		"v1/insights/droplet/public_outbound_bandwidth",
		"v1/insights/droplet/public_inbound_bandwidth",
		"v1/insights/droplet/private_outbound_bandwidth",
		"v1/insights/droplet/private_inbound_bandwidth",
		"v1/insights/droplet/disk_read",
		"v1/insights/droplet/disk_write",
	}
	AlertLoadBalancerTypes = []string{
		"v1/insights/lbaas/avg_cpu_utilization_percent",
		"v1/insights/lbaas/connection_utilization_percent",
		"v1/insights/lbaas/droplet_health",
		"v1/insights/lbaas/tls_connections_per_second_utilization_percent",
		"v1/insights/lbaas/increase_in_http_error_rate_percentage_5xx",
		"v1/insights/lbaas/increase_in_http_error_rate_percentage_4xx",
		"v1/insights/lbaas/increase_in_http_error_rate_count_5xx",
		"v1/insights/lbaas/increase_in_http_error_rate_count_4xx",
		"v1/insights/lbaas/high_http_request_response_time",
		"v1/insights/lbaas/high_http_request_response_time_50p",
		"v1/insights/lbaas/high_http_request_response_time_95p",
		"v1/insights/lbaas/high_http_request_response_time_99p",
	}
	AlertCompares = []string{"GreaterThan", "LessThan"}
	AlertWindows  = []string{"5m", "10m", "30m", "1h"}
)

// Droplet autoscale pools, as the OpenAPI spec bounds them
// (autoscale_pool_dynamic_config.yml, autoscale_pool_static_config.yml) and
// DigitalOcean's autoscale pool concepts page describes them.
var (
	AutoscaleMinInstancesRange          = Range{1, 500}
	AutoscaleMaxInstancesRange          = Range{1, 1000}
	AutoscaleTargetNumberInstancesRange = Range{1, 1000}
	AutoscaleCooldownMinutesRange       = Range{5, 20}
	// AutoscaleTargetUtilizationRange bounds target_cpu_utilization and
	// target_memory_utilization (a fraction, not a percentage).
	AutoscaleTargetUtilizationRange = FloatRange{0.05, 1}
	// AutoscaleHistoryReasons are the reasons a history event gives.
	AutoscaleHistoryReasons = []string{"CONFIGURATION_CHANGE", "SCALE_UP", "SCALE_DOWN"}
)

const (
	// AutoscaleDefaultCooldownMinutes applies when a dynamic pool omits
	// cooldown_minutes.
	AutoscaleDefaultCooldownMinutes = 10
	// AutoscaleFixedSizeCooldownMinutes is the cooldown of a fixed-size
	// pool (target_number_instances); it cannot be changed.
	AutoscaleFixedSizeCooldownMinutes = 10
	// AutoscaleShutdownGrace is how long a pool waits after shutting a
	// member down before destroying it on scale-down.
	AutoscaleShutdownGrace = 60 * time.Second
)

// Droplet limits.
const (
	MaxNamesPerCreate = 10
	MaxUserDataBytes  = 64 * 1024
)

// Region is a DigitalOcean datacenter region.
type Region struct {
	Slug      string
	Name      string
	Available bool
}

// Regions is the region catalog in DigitalOcean's listing order (by
// datacenter age, as GET /v2/regions and doctl list them), as of late 2026.
// sfo1 and ams2 are closed to new resources. ric1, mkc1 and mem1 appear in
// DigitalOcean's image regions from 2026 on; the sandbox's built-in catalog
// (internal/sandbox) derives its regions from this list.
var Regions = []Region{
	{"nyc1", "New York 1", true},
	{"sfo1", "San Francisco 1", false},
	{"nyc2", "New York 2", true},
	{"ams2", "Amsterdam 2", false},
	{"sgp1", "Singapore 1", true},
	{"lon1", "London 1", true},
	{"nyc3", "New York 3", true},
	{"ams3", "Amsterdam 3", true},
	{"fra1", "Frankfurt 1", true},
	{"tor1", "Toronto 1", true},
	{"sfo2", "San Francisco 2", true},
	{"blr1", "Bangalore 1", true},
	{"sfo3", "San Francisco 3", true},
	{"syd1", "Sydney 1", true},
	{"atl1", "Atlanta 1", true},
	{"ric1", "Richmond 1", true},
	{"mkc1", "Kansas City 1", true},
	{"mem1", "Memphis 1", true},
}

// AvailableRegionSlugs lists the regions that accept new resources.
func AvailableRegionSlugs() []string {
	var out []string
	for _, r := range Regions {
		if r.Available {
			out = append(out, r.Slug)
		}
	}
	return out
}

// Projects, as the OpenAPI spec describes them (projects/models/project.yml).
var (
	// ProjectEnvironments are the environments a project may name; the API
	// takes them in any capitalisation and answers these.
	ProjectEnvironments = []string{"Development", "Staging", "Production"}
	// ProjectPurposes are the purposes DigitalOcean stores as given; any
	// other purpose is stored as "Other: <purpose>".
	ProjectPurposes = []string{
		"Just trying out DigitalOcean",
		"Class project / Educational purposes",
		"Website or blog",
		"Web Application",
		"Service or API",
		"Mobile Application",
		"Machine learning / AI / Data processing",
		"IoT",
		"Operational / Developer tooling",
	}
)

// Project field lengths (OpenAPI project.yml maxLength).
const (
	ProjectNameMaxLength        = 175
	ProjectDescriptionMaxLength = 255
	ProjectPurposeMaxLength     = 255
)

// Managed database clusters.
var (
	// DatabaseFirewallRuleTypes are the trusted-source kinds of
	// PUT /v2/databases/{id}/firewall (OpenAPI firewall_rule.yml).
	DatabaseFirewallRuleTypes = []string{"ip_addr", "droplet", "k8s", "tag", "app"}
	// DatabaseMySQLAuthPlugins are the MySQL user authentication methods;
	// the first is MySQL 8's default.
	DatabaseMySQLAuthPlugins = []string{"caching_sha2_password", "mysql_native_password"}
	// DatabaseEvictionPolicies are the caching engines' (redis, valkey)
	// eviction policies, in godo's spelling.
	DatabaseEvictionPolicies = []string{"noeviction", "allkeys_lru", "allkeys_random", "volatile_lru", "volatile_random", "volatile_ttl"}
	// DatabaseNumNodesRange is the node count a cluster may have: a primary
	// and up to two standby nodes (OpenAPI database_cluster_resize.yml).
	DatabaseNumNodesRange = Range{1, 3}
)

// DatabaseMaxFirewallRules is the trusted-source limit per cluster.
const DatabaseMaxFirewallRules = 100
