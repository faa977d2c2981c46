package tier

import (
	"github.com/scalable-tf/terraform-provider-scalable/internal/doapi"

	"fmt"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// AlertMetric maps a short metric name to DigitalOcean's alert type.
type AlertMetric struct {
	Name         string
	Type         string
	LoadBalancer bool // scoped by the load balancer id instead of the tier tag
	Unit         string
}

// AlertMetrics are the metrics an alert may watch, in documentation order.
var AlertMetrics = []AlertMetric{
	{"cpu", "v1/insights/droplet/cpu", false, "%"},
	{"memory", "v1/insights/droplet/memory_utilization_percent", false, "%"},
	{"disk", "v1/insights/droplet/disk_utilization_percent", false, "%"},
	{"load_1", "v1/insights/droplet/load_1", false, ""},
	{"load_5", "v1/insights/droplet/load_5", false, ""},
	{"load_15", "v1/insights/droplet/load_15", false, ""},
	{"bandwidth_in", "v1/insights/droplet/public_inbound_bandwidth", false, "Mbps"},
	{"bandwidth_out", "v1/insights/droplet/public_outbound_bandwidth", false, "Mbps"},
	{"private_bandwidth_in", "v1/insights/droplet/private_inbound_bandwidth", false, "Mbps"},
	{"private_bandwidth_out", "v1/insights/droplet/private_outbound_bandwidth", false, "Mbps"},
	{"disk_read", "v1/insights/droplet/disk_read", false, "MB/s"},
	{"disk_write", "v1/insights/droplet/disk_write", false, "MB/s"},
	{"lb_cpu", "v1/insights/lbaas/avg_cpu_utilization_percent", true, "%"},
	{"lb_connections", "v1/insights/lbaas/connection_utilization_percent", true, "%"},
	{"lb_droplet_health", "v1/insights/lbaas/droplet_health", true, ""},
	{"lb_tls_connections", "v1/insights/lbaas/tls_connections_per_second_utilization_percent", true, "%"},
	{"lb_5xx_rate", "v1/insights/lbaas/increase_in_http_error_rate_percentage_5xx", true, "%"},
	{"lb_4xx_rate", "v1/insights/lbaas/increase_in_http_error_rate_percentage_4xx", true, "%"},
	{"lb_5xx_count", "v1/insights/lbaas/increase_in_http_error_rate_count_5xx", true, ""},
	{"lb_4xx_count", "v1/insights/lbaas/increase_in_http_error_rate_count_4xx", true, ""},
	{"lb_response_time", "v1/insights/lbaas/high_http_request_response_time", true, "ms"},
	{"lb_response_time_p50", "v1/insights/lbaas/high_http_request_response_time_50p", true, "ms"},
	{"lb_response_time_p95", "v1/insights/lbaas/high_http_request_response_time_95p", true, "ms"},
	{"lb_response_time_p99", "v1/insights/lbaas/high_http_request_response_time_99p", true, "ms"},
}

// AlertMetricNames lists the metric names, for validators and docs.
func AlertMetricNames() []string {
	out := make([]string, len(AlertMetrics))
	for i, m := range AlertMetrics {
		out[i] = m.Name
	}
	return out
}

// LookupAlertMetric finds a metric by name or by DigitalOcean type.
func LookupAlertMetric(nameOrType string) (AlertMetric, bool) {
	for _, m := range AlertMetrics {
		if m.Name == nameOrType || m.Type == nameOrType {
			return m, true
		}
	}
	return AlertMetric{}, false
}

// Alert comparisons and windows DigitalOcean accepts.
var (
	AlertCompares = doapi.AlertCompares
	AlertWindows  = doapi.AlertWindows
)

// alertMarker ends the description of every policy the tier owns, so the
// policies of a tier are found again after a crash: "[scalable-tier:hits#0]".
var alertMarker = regexp.MustCompile(`\[scalable-tier:([a-z0-9-]+)#(\d+)\]$`)

// alertDescription is the description of the tier's index-th alert.
func alertDescription(tier string, index int, a AlertSpec) string {
	m, _ := LookupAlertMetric(a.Metric)
	op := ">"
	if a.Compare == "LessThan" {
		op = "<"
	}
	value := strconv.FormatFloat(a.Value, 'f', -1, 64)
	return fmt.Sprintf("%s %s %s%s for %s on tier %s [scalable-tier:%s#%d]", a.Metric, op, value, m.Unit, a.Window, tier, tier, index)
}

// AlertIndex returns which alert of which tier a policy is, from its
// description marker.
func AlertIndex(p AlertPolicy) (tier string, index int, ok bool) {
	m := alertMarker.FindStringSubmatch(p.Description)
	if m == nil {
		return "", 0, false
	}
	i, err := strconv.Atoi(m[2])
	if err != nil {
		return "", 0, false
	}
	return m[1], i, true
}

// alertRequest is the policy the index-th alert of spec should be. lbID
// scopes load balancer metrics.
func alertRequest(spec Spec, index int, lbID string) AlertRequest {
	a := spec.Alerts[index]
	m, _ := LookupAlertMetric(a.Metric)
	req := AlertRequest{
		Type:        m.Type,
		Description: alertDescription(spec.Name, index, a),
		Compare:     a.Compare,
		Value:       a.Value,
		Window:      a.Window,
		Emails:      slices.Clone(a.Emails),
		Slack:       slices.Clone(a.Slack),
		Enabled:     a.Enabled,
		Tags:        []string{Tag(spec.Name)},
		Entities:    []string{},
	}
	if m.LoadBalancer {
		req.Tags = []string{}
		if lbID != "" {
			req.Entities = []string{lbID}
		}
	}
	return req
}

// alertMatches reports whether an observed policy already is req,
// comparing every field as a value (TestAlertMatchesSeesEveryField).
func alertMatches(p AlertPolicy, req AlertRequest) bool {
	return reflect.DeepEqual(p.AlertRequest.normalized(), req.normalized())
}

// normalized is the request in one canonical form: sets sorted, empty
// lists nil, the value at float32 precision (what the API stores).
func (r AlertRequest) normalized() AlertRequest {
	r.Value = float64(float32(r.Value))
	r.Entities, r.Tags, r.Emails = sortedSet(r.Entities), sortedSet(r.Tags), sortedSet(r.Emails)
	r.Slack = nilIfEmpty(slices.Clone(r.Slack))
	slices.SortFunc(r.Slack, func(a, b SlackTarget) int {
		return strings.Compare(a.Channel+"\x00"+a.URL, b.Channel+"\x00"+b.URL)
	})
	return r
}

// TierAlerts picks the policies that belong to the tier, keyed by index.
// Policies with a duplicate index (a crashed apply) come back as extra.
func TierAlerts(tier string, all []AlertPolicy) (byIndex map[int]AlertPolicy, extra []AlertPolicy) {
	byIndex = map[int]AlertPolicy{}
	for _, p := range all {
		name, i, ok := AlertIndex(p)
		if !ok || name != tier {
			continue
		}
		if _, dup := byIndex[i]; dup {
			extra = append(extra, p)
			continue
		}
		byIndex[i] = p
	}
	return byIndex, extra
}

func sameSet(a, b []string) bool { return slices.Equal(sortedSet(a), sortedSet(b)) }

// sortedSet is a sorted copy of a list, nil when empty.
func sortedSet(a []string) []string {
	out := nilIfEmpty(slices.Clone(a))
	sort.Strings(out)
	return out
}

// describeAlert is a short human label for plan summaries.
func describeAlert(a AlertSpec) string {
	return strings.TrimSpace(fmt.Sprintf("%s %s %v over %s", a.Metric, a.Compare, a.Value, a.Window))
}
