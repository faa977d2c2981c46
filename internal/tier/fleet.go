package tier

import (
	"slices"
	"strings"
	"time"
)

// Fleet is what exists of a tier in the cloud.
type Fleet struct {
	// Droplets are the tier's droplets, oldest first: those carrying the
	// tier tag, and those known from state that were drained (untagged)
	// but not yet deleted.
	Droplets []Droplet
	// LoadBalancer is the tier's load balancer: the one in state, else the
	// oldest of those targeting the tier tag (by its name first); nil when
	// none targets the tag.
	LoadBalancer *LoadBalancer
	// ExtraLoadBalancers are the others targeting the tier tag (left by an
	// interrupted create, or made by hand): drift the next apply deletes.
	ExtraLoadBalancers []LoadBalancer `json:",omitempty"`
	Alerts             []AlertPolicy
	// Pool is the tier's live autoscale pool (the newest when there are
	// several); nil when the tier has none.
	Pool *AutoscalePool
	// OtherPools are the tier's other pools: being deleted, or left by an
	// apply that stopped while replacing the pool.
	OtherPools []AutoscalePool `json:",omitempty"`
	// Firewall is the tier's cloud firewall (the one in state, else the
	// one named as the tier names it covering its tag); nil when none.
	Firewall *Firewall `json:",omitempty"`
	// Records are the A and AAAA records of the tier's name, in
	// RecordDomain.
	Records      []DomainRecord `json:",omitempty"`
	RecordDomain string         `json:",omitempty"`
	// StaleRecords are the A and AAAA records of the name the tier had
	// before (Ref.OldDomain), in StaleRecordDomain: the apply deletes them.
	StaleRecords      []DomainRecord `json:",omitempty"`
	StaleRecordDomain string         `json:",omitempty"`
	// Certificate is the tier's Let's Encrypt certificate (by its name).
	Certificate *Certificate `json:",omitempty"`
	// ProjectURNs are the objects of the tier's project, when it has one.
	ProjectURNs []string `json:",omitempty"`
	// Adopt is what an import adopts (adopt.go); AdoptedAlerts are its
	// alert policies not yet the tier's.
	Adopt         *Adoption     `json:",omitempty"`
	AdoptedAlerts []AlertPolicy `json:",omitempty"`
}

// Firewall is an observed cloud firewall: what was asked for, and its id.
type Firewall struct {
	ID        string
	Status    string // waiting | succeeded | failed
	CreatedAt time.Time
	FirewallRequest
}

// AutoscalePool is the observed Droplet Autoscale Pool.
type AutoscalePool struct {
	ID        string
	Name      string
	Status    string // provisioning | active | deleting | error
	CreatedAt time.Time
	Config    PoolConfig
	Template  PoolTemplate
	Members   []int // droplet ids
}

// PoolConfig is a pool's scaling configuration: dynamic (min/max/targets)
// or static (TargetNumberInstances > 0).
type PoolConfig struct {
	MinInstances            int
	MaxInstances            int
	TargetCPUUtilization    float64
	TargetMemoryUtilization float64
	CooldownMinutes         int
	TargetNumberInstances   int
}

// PoolTemplate is what every member is created from.
type PoolTemplate struct {
	Size     string
	Region   string
	Image    string
	Tags     []string
	SSHKeys  []string
	VPCUUID  string
	IPv6     bool
	UserData string
}

// PoolDeleting is the status of a pool being deleted: it no longer scales
// or replaces members, and its name stays taken until it is gone.
const PoolDeleting = "deleting"

// IsMember reports whether a droplet belongs to the pool.
func (p *AutoscalePool) IsMember(id int) bool {
	return p != nil && slices.Contains(p.Members, id)
}

// Droplet is one observed droplet.
type Droplet struct {
	ID           int
	Name         string
	Status       string // new | active | off | archive
	CreatedAt    time.Time
	Region       string
	Size         string
	Image        string // slug when the image has one, else its numeric id
	ImageID      int
	PublicIPv4   string
	PrivateIPv4  string
	PublicIPv6   string
	VPCUUID      string
	Tags         []string
	Monitoring   bool
	IPv6         bool
	Backups      bool
	BackupPolicy *BackupSpec // known only when backups are on and policies were read
}

// Droplet statuses as DigitalOcean reports them.
const (
	StatusNew     = "new"
	StatusActive  = "active"
	StatusOff     = "off"
	StatusArchive = "archive"
)

// Revision is the template revision the droplet was built from, "" when it
// carries none (a droplet tagged by hand).
func (d Droplet) Revision() string {
	for _, t := range d.Tags {
		if rev, ok := strings.CutPrefix(t, revisionTagPrefix); ok {
			return rev
		}
	}
	return ""
}

// InService reports whether the load balancer may route to the droplet:
// it carries the tier tag.
func (d Droplet) InService(tier string) bool { return slices.Contains(d.Tags, Tag(tier)) }

// LoadBalancer is the observed load balancer.
type LoadBalancer struct {
	ID         string
	Name       string
	IP         string
	Status     string // new | active | errored
	CreatedAt  time.Time
	Region     string
	VPCUUID    string
	Tag        string
	Tags       []string
	DropletIDs []int
	IPv6       string
	Spec       LoadBalancerSpec
}

// AlertPolicy is an observed monitoring alert policy: what was asked for,
// and its id.
type AlertPolicy struct {
	UUID string
	AlertRequest
}
