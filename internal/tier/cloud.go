package tier

import (
	"context"
	"time"
)

// Cloud is everything the tier needs from DigitalOcean, grouped by
// concern so a fake for one concern stays small. internal/doclient
// implements it with godo; every method honours ctx and retries what is
// safe to retry.
type Cloud interface {
	DropletCloud
	LoadBalancerCloud
	PoolCloud
	AlertCloud
	FirewallCloud
	DomainCloud
}

// DomainCloud is DNS records, certificates and projects: what the tier's
// name and project need.
type DomainCloud interface {
	// ListRecords returns the records of type (every type for "") of the
	// name fqdn (every name for "") in domain.
	ListRecords(ctx context.Context, domain, typ, fqdn string) ([]DomainRecord, error)
	CreateRecord(ctx context.Context, req RecordRequest) (*DomainRecord, error)
	UpdateRecord(ctx context.Context, id int, req RecordRequest) (*DomainRecord, error)
	// DeleteRecord deletes a record; one already gone is success.
	DeleteRecord(ctx context.Context, domain string, id int) error
	// FindCertificate returns the certificate named name; nil, nil when
	// there is none.
	FindCertificate(ctx context.Context, name string) (*Certificate, error)
	// CreateCertificate asks for a Let's Encrypt certificate. After a
	// failed or unanswered request it looks for one with the name first.
	CreateCertificate(ctx context.Context, req CertificateRequest) (*Certificate, error)
	// DeleteCertificate deletes a certificate; one already gone is success.
	DeleteCertificate(ctx context.Context, id string) error
	// ProjectResources lists the URNs of a project's objects.
	ProjectResources(ctx context.Context, projectID string) ([]string, error)
	// AssignProject moves objects (by URN) into a project.
	AssignProject(ctx context.Context, projectID string, urns []string) error
}

// FirewallCloud is cloud firewalls.
type FirewallCloud interface {
	// ListFirewalls returns every firewall of the account, oldest first.
	ListFirewalls(ctx context.Context) ([]Firewall, error)
	// CreateFirewall creates a firewall (its tags are created first when
	// missing). After a failed or unanswered request it looks for the one
	// the request made (named req.Name, covering req.Tags[0]) before trying
	// again.
	CreateFirewall(ctx context.Context, req FirewallRequest) (*Firewall, error)
	// UpdateFirewall replaces a firewall's name, tags and rules.
	UpdateFirewall(ctx context.Context, id string, req FirewallRequest) (*Firewall, error)
	// DeleteFirewall deletes a firewall; one already gone is success.
	DeleteFirewall(ctx context.Context, id string) error
}

// DropletCloud is droplets, their tags and their backups.
type DropletCloud interface {
	// ListDroplets returns every droplet carrying tag, oldest first.
	ListDroplets(ctx context.Context, tag string) ([]Droplet, error)
	// GetDroplet returns nil, nil when the droplet does not exist.
	GetDroplet(ctx context.Context, id int) (*Droplet, error)
	// CreateDroplets creates up to 10 droplets in one request. After a
	// failed or unanswered request it looks for droplets the request
	// already made (by name, under req.Tags[0]) before trying again, so it
	// never makes a name twice. It returns what exists even with an error.
	CreateDroplets(ctx context.Context, req DropletRequest) ([]Droplet, error)
	// DeleteDroplet deletes one droplet; a droplet already gone is success.
	DeleteDroplet(ctx context.Context, id int) error
	// DeleteDropletsByTag deletes every droplet carrying tag in one request.
	DeleteDropletsByTag(ctx context.Context, tag string) error
	// TagDroplets and UntagDroplets change one tag on many droplets; the
	// tag is created first when missing.
	TagDroplets(ctx context.Context, tag string, ids []int) error
	UntagDroplets(ctx context.Context, tag string, ids []int) error
	// SetBackups enables, changes or (nil) disables a droplet's backups and
	// waits for the action to complete.
	SetBackups(ctx context.Context, d Droplet, backups *BackupSpec) error
	// BackupPolicies returns the backup policy of every droplet with backups.
	BackupPolicies(ctx context.Context) (map[int]BackupSpec, error)
}

// LoadBalancerCloud is load balancers and their health checks' verdicts.
type LoadBalancerCloud interface {
	// GetLoadBalancer returns nil, nil when it does not exist.
	GetLoadBalancer(ctx context.Context, id string) (*LoadBalancer, error)
	// FindLoadBalancers lists every load balancer targeting tag, whatever
	// its name, oldest first.
	FindLoadBalancers(ctx context.Context, tag string) ([]LoadBalancer, error)
	// CreateLoadBalancer creates a load balancer. After a failed or
	// unanswered request it looks for the one the request made (targeting
	// req.Tag, named req.Name, created after the call started) before
	// trying again; a load balancer that only shares the name is never
	// taken for it.
	CreateLoadBalancer(ctx context.Context, req LoadBalancerRequest) (*LoadBalancer, error)
	// UpdateLoadBalancer retries while the load balancer is busy with a
	// previous change.
	UpdateLoadBalancer(ctx context.Context, id string, req LoadBalancerRequest) (*LoadBalancer, error)
	DeleteLoadBalancer(ctx context.Context, id string) error
	// DropletHealth returns, per droplet, the load balancer's health-check
	// verdicts since the given time, oldest first (true = healthy).
	DropletHealth(ctx context.Context, lbID string, since time.Time) (map[int][]bool, error)
}

// PoolCloud is Droplet autoscale pools.
type PoolCloud interface {
	// FindPools lists the autoscale pools whose droplet template carries
	// tag, oldest first, with the members of those not being deleted.
	FindPools(ctx context.Context, tag string) ([]AutoscalePool, error)
	// GetPool reads a pool with its members; nil, nil when it is gone.
	GetPool(ctx context.Context, id string) (*AutoscalePool, error)
	// CreatePool creates a pool. After a failed or unanswered request it
	// looks for the one the request made (named req.Name, its template
	// carrying req.Template.Tags[0], created after the call started)
	// before trying again.
	CreatePool(ctx context.Context, req PoolRequest) (*AutoscalePool, error)
	UpdatePool(ctx context.Context, id string, req PoolRequest) (*AutoscalePool, error)
	// DeletePool deletes the pool; its members stay (they are drained and
	// deleted as droplets).
	DeletePool(ctx context.Context, id string) error
}

// AlertCloud is monitoring alert policies.
type AlertCloud interface {
	ListAlertPolicies(ctx context.Context) ([]AlertPolicy, error)
	// CreateAlertPolicy creates a policy. After a failed or unanswered
	// request it looks for a policy with req's description (which ends
	// with the tier's marker) before trying again.
	CreateAlertPolicy(ctx context.Context, req AlertRequest) (*AlertPolicy, error)
	UpdateAlertPolicy(ctx context.Context, id string, req AlertRequest) (*AlertPolicy, error)
	DeleteAlertPolicy(ctx context.Context, id string) error
}

// DropletRequest creates droplets from one template.
type DropletRequest struct {
	Names      []string
	Region     string
	Size       string
	Image      string
	SSHKeys    []string
	UserData   string
	Monitoring bool
	IPv6       bool
	Backups    *BackupSpec
	Tags       []string // Tags[0] is the tier tag used to find droplets after a failure
	VPCUUID    string
}

// LoadBalancerRequest creates or replaces the tier's load balancer.
type LoadBalancerRequest struct {
	Name      string
	Region    string
	VPCUUID   string
	ProjectID string // created in it (DigitalOcean's project_id); "" the default project
	Tag       string // the droplets it targets
	Tags      []string
	Spec      LoadBalancerSpec
}

// AlertRequest creates or replaces an alert policy.
type AlertRequest struct {
	Type        string
	Description string
	Compare     string
	Value       float64
	Window      string
	Entities    []string
	Tags        []string
	Emails      []string
	Slack       []SlackTarget
	Enabled     bool
}

// PoolRequest creates or replaces the tier's autoscale pool. Its
// template's first tag is the tier tag, by which the pool is found.
type PoolRequest struct {
	Name     string
	Config   PoolConfig
	Template PoolTemplate
}
