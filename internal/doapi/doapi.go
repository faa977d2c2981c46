// Package doapi holds DigitalOcean API facts shared by the provider's
// validators, its documentation and the sandbox: enums, ranges and the
// region catalog. One definition each, so they cannot drift apart.
package doapi

import "fmt"

// Range is an inclusive integer range.
type Range struct{ Min, Max int }

// Contains reports whether v lies in the range.
func (r Range) Contains(v int) bool { return v >= r.Min && v <= r.Max }

func (r Range) String() string { return fmt.Sprintf("%d..%d", r.Min, r.Max) }

// Load balancer settings DigitalOcean accepts.
var (
	LBEntryProtocols          = []string{"http", "https", "http2", "http3", "tcp", "udp"}
	LBTargetProtocols         = []string{"http", "https", "http2", "tcp", "udp"}
	LBTLSEntryProtocols       = []string{"https", "http2", "http3"} // need a certificate unless tls_passthrough
	LBHealthCheckProtocols    = []string{"http", "https", "tcp"}
	LBStickySessionTypes      = []string{"none", "cookies"}
	PortRange                 = Range{1, 65535}
	LBSizeUnitRange           = Range{1, 200}
	LBCheckIntervalRange      = Range{3, 300}
	LBResponseTimeoutRange    = Range{3, 300}
	LBHealthyThresholdRange   = Range{2, 10}
	LBUnhealthyThresholdRange = Range{2, 10}
	LBIdleTimeoutRange        = Range{30, 600}
	LBCookieNameLength        = Range{2, 40}
	LBCookieTTLRange          = Range{1, 2147483647}
)

// Load balancer defaults DigitalOcean applies to omitted settings.
const (
	LBDefaultSizeUnit           = 1
	LBDefaultIdleTimeout        = 60
	LBDefaultCheckInterval      = 10
	LBDefaultResponseTimeout    = 5
	LBDefaultHealthyThreshold   = 5
	LBDefaultUnhealthyThreshold = 3
	LBDefaultHealthCheckPath    = "/"
)

// Backup policies.
var (
	BackupPlans    = []string{"daily", "weekly"}
	BackupWeekdays = []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}
	BackupHours    = []int{0, 4, 8, 12, 16, 20}
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

// Regions is the region catalog in DigitalOcean's listing order.
var Regions = []Region{
	{"nyc1", "New York 1", true},
	{"nyc2", "New York 2", false},
	{"nyc3", "New York 3", true},
	{"ams2", "Amsterdam 2", false},
	{"ams3", "Amsterdam 3", true},
	{"sfo1", "San Francisco 1", false},
	{"sfo2", "San Francisco 2", true},
	{"sfo3", "San Francisco 3", true},
	{"sgp1", "Singapore 1", true},
	{"lon1", "London 1", true},
	{"fra1", "Frankfurt 1", true},
	{"tor1", "Toronto 1", true},
	{"blr1", "Bangalore 1", true},
	{"syd1", "Sydney 1", true},
	{"atl1", "Atlanta 1", true},
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
