// Package tier is the domain of a horizontally scaled web tier: what the
// user wants (Spec), what exists (Fleet), the pure difference between them
// (Plan) and the executor that carries a plan out through a Cloud. It knows
// nothing of Terraform.
package tier

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// Spec is the desired web tier.
type Spec struct {
	Name         string
	Region       string
	VPCUUID      string // empty: the region's default VPC
	Tags         []string
	Droplet      DropletSpec
	LoadBalancer LoadBalancerSpec
	Alerts       []AlertSpec
	Rollout      RolloutSpec
	// Autoscale, when set, makes the droplets the members of a Droplet
	// Autoscale Pool instead of Droplet.Instances fixed droplets.
	Autoscale *AutoscaleSpec
	// Firewall, when set, is the tier's cloud firewall (firewall.go).
	Firewall *FirewallSpec
	// Domain, when set, is the tier's DNS name (domain.go).
	Domain *DomainSpec
	// ProjectID, when set, is the project every object of the tier is in.
	ProjectID string
}

// AutoscaleSpec configures the tier's Droplet Autoscale Pool.
type AutoscaleSpec struct {
	MinInstances            int
	MaxInstances            int
	TargetCPUUtilization    float64 // 0..1; 0 when not set
	TargetMemoryUtilization float64 // 0..1; 0 when not set
	CooldownMinutes         int
}

// DropletSpec describes every droplet of the tier.
type DropletSpec struct {
	Instances  int
	Size       string
	Image      string
	SSHKeys    []string
	UserData   string
	Monitoring bool
	IPv6       bool
	Backups    *BackupSpec // nil: no backups
}

// BackupSpec is a droplet backup policy.
type BackupSpec struct {
	Plan    string // daily | weekly
	Weekday string // SUN..SAT, weekly only
	Hour    int    // 0, 4, 8, 12, 16, 20
}

// LoadBalancerSpec is the tier's load balancer. It always targets the
// tier's tag.
type LoadBalancerSpec struct {
	SizeUnit               int
	RedirectHTTPToHTTPS    bool
	EnableProxyProtocol    bool
	EnableBackendKeepalive bool
	HTTPIdleTimeoutSeconds int
	ForwardingRules        []ForwardingRule
	HealthCheck            HealthCheck
	StickySessions         StickySessions
	FirewallAllow          []string
	FirewallDeny           []string
	// DisableLetsEncryptDNSRecords stops DigitalOcean writing A records for
	// the names of a Let's Encrypt certificate the load balancer uses. The
	// tier always sets it: records are the domain block's, which the tier
	// keeps and deletes; ones DigitalOcean wrote would outlive the tier.
	DisableLetsEncryptDNSRecords bool
}

// ForwardingRule routes an entry port to a droplet port. Certificates are
// referred to by name: Let's Encrypt renewals change their ids.
type ForwardingRule struct {
	EntryProtocol   string
	EntryPort       int
	TargetProtocol  string
	TargetPort      int
	CertificateName string
	TLSPassthrough  bool
}

// HealthCheck is how the load balancer decides a droplet is in service.
type HealthCheck struct {
	Protocol               string
	Port                   int
	Path                   string
	CheckIntervalSeconds   int
	ResponseTimeoutSeconds int
	HealthyThreshold       int
	UnhealthyThreshold     int
}

// StickySessions pins clients to a droplet with a cookie.
type StickySessions struct {
	Type             string // none | cookies
	CookieName       string
	CookieTTLSeconds int
}

// AlertSpec is one monitoring alert policy scoped to the tier.
type AlertSpec struct {
	Metric  string // a key of AlertMetrics
	Compare string // GreaterThan | LessThan
	Value   float64
	Window  string // 5m | 10m | 30m | 1h
	Emails  []string
	Slack   []SlackTarget
	Enabled bool
}

// SlackTarget is a Slack channel an alert posts to.
type SlackTarget struct {
	Channel string
	URL     string
}

// RolloutSpec bounds how droplets are replaced.
type RolloutSpec struct {
	MaxSurge       Budget // extra droplets during a rollout (rollout_budget.go)
	MaxUnavailable Budget // droplets out of service at once
	Health         string // load_balancer | droplet_status | http
	HealthTimeout  time.Duration
	ScaleInPolicy  string // newest_first | oldest_first
	// MinReady is how long a new droplet must stay healthy before it counts.
	MinReady time.Duration
	// Checkpoints are percentages of the fleet at which a rollout pauses
	// for CheckpointDelay, watching the new droplets' share of 5xx
	// responses (at most MaxErrorRate, 0..1; 0 not watched).
	Checkpoints     []int
	CheckpointDelay time.Duration
	MaxErrorRate    float64
	// OnFailure is what a failed wave leads to: OnFailureStop (default) or
	// OnFailureRollback (rollout_rollback.go).
	OnFailure string
	// Resize is how a change of size alone rolls out: ResizeReplace
	// (default) or ResizeInPlace, which with ResizeDisk grows the disks.
	Resize     string
	ResizeDisk bool
	// Previous are templates the tier ran before, newest first: a rollback
	// returns to the one the outdated droplets carry.
	Previous []DropletSpec
}

// Health modes of a rollout.
const (
	HealthLoadBalancer  = "load_balancer"
	HealthDropletStatus = "droplet_status"
	HealthHTTP          = "http"
)

// Scale-in policies.
const (
	ScaleInNewestFirst = "newest_first"
	ScaleInOldestFirst = "oldest_first"
)

// Tag is the tier's own tag: the inventory of its droplets and alerts, and
// the load balancer's target.
func Tag(name string) string { return "scalable-tier:" + name }

// DrainTag marks droplets taken out of service and about to be deleted, so
// a crash between draining and deleting leaves them recognisable.
func DrainTag(name string) string { return "scalable-drain:" + name }

// PoolName is the name of the tier's autoscale pool. A rollout replaces
// the pool while the old one is still being deleted (its name taken), so
// later pools are numbered: PoolName(name, 2) is "<name>-pool-2".
func PoolName(name string, n int) string {
	if n <= 1 {
		return name + "-pool"
	}
	return fmt.Sprintf("%s-pool-%d", name, n)
}

// LoadBalancerName is the name of the tier's load balancer.
func LoadBalancerName(name string) string { return name + "-lb" }

// revisionTagPrefix starts the tag recording which template a droplet was
// built from.
const revisionTagPrefix = "scalable-rev:"

// Revision identifies the droplet template: everything that can only change
// by building new droplets. Droplets carry it as a tag, so which droplets
// are outdated is known from the cloud alone, even after a crashed apply
// and for fields the API never returns (user_data, ssh_keys).
func (s DropletSpec) Revision() string {
	keys := slices.Clone(s.SSHKeys)
	slices.Sort(keys)
	b, _ := json.Marshal(struct {
		Size, Image, UserData string
		SSHKeys               []string
		Monitoring, IPv6      bool
	}{s.Size, s.Image, s.UserData, keys, s.Monitoring, s.IPv6})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:6])
}

// RevisionTag is the tag droplets built from this template carry.
func (s DropletSpec) RevisionTag() string { return revisionTagPrefix + s.Revision() }

// DropletTags are the tags a new droplet of the tier is created with.
func (s Spec) DropletTags() []string {
	tags := []string{Tag(s.Name), s.Droplet.RevisionTag()}
	for _, t := range s.Tags {
		if !slices.Contains(tags, t) {
			tags = append(tags, t)
		}
	}
	return tags
}
