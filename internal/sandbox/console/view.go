package console

import "time"

// Source is the narrow view the console has of the sandbox: one copy of
// what it shows, taken quickly under the world's lock within Limits.
type Source interface {
	View(Limits) View
}

// Limits bound one View, so a sample's copy and its rendering stay small
// whatever the world holds.
type Limits struct {
	Droplets, LoadBalancers, Pools int
}

// DefaultLimits are the console's bounds per sample.
var DefaultLimits = Limits{Droplets: 1000, LoadBalancers: 100, Pools: 100}

// View is the world as the console shows it, copied by the sandbox.
type View struct {
	TimeScale float64 `json:"time_scale"`
	Traffic   bool    `json:"traffic"`
	// Droplets ascend by id; LoadBalancers and Pools in creation order.
	Droplets      []Droplet      `json:"-"`
	LoadBalancers []LoadBalancer `json:"load_balancers"`
	Pools         []Pool         `json:"pools"`
	Faults        []Fault        `json:"faults"`
	// Sent counts the requests and connections each load balancer has sent
	// to each droplet since its listeners opened (traffic emulation only).
	Sent map[string]map[int]int `json:"-"`
	// Truncated counts the objects Limits left out.
	Truncated int `json:"truncated"`
}

// Droplet is one droplet and its tags.
type Droplet struct {
	ID          int       `json:"id"`
	Name        string    `json:"name"`
	Status      string    `json:"status"`
	Image       string    `json:"image"`
	Size        string    `json:"size"`
	Region      string    `json:"region"`
	Tags        []string  `json:"tags"`
	PublicIPv4  string    `json:"public_ipv4"`
	PrivateIPv4 string    `json:"private_ipv4"`
	Killed      bool      `json:"killed,omitempty"`
	FailsHealth bool      `json:"fails_health,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
}

// LoadBalancer is one load balancer with its rules and its health
// check's view of each target.
type LoadBalancer struct {
	ID          string      `json:"id"`
	Name        string      `json:"name"`
	Status      string      `json:"status"`
	IP          string      `json:"ip"`
	Tag         string      `json:"tag,omitempty"`
	Algorithm   string      `json:"algorithm"`
	Rules       []Rule      `json:"forwarding_rules"`
	HealthCheck HealthCheck `json:"health_check"`
	Targets     []Target    `json:"targets"`
}

// Rule is a forwarding rule.
type Rule struct {
	EntryProtocol  string `json:"entry_protocol"`
	EntryPort      int    `json:"entry_port"`
	TargetProtocol string `json:"target_protocol"`
	TargetPort     int    `json:"target_port"`
	Certificate    string `json:"certificate,omitempty"` // id or name
	TLSPassthrough bool   `json:"tls_passthrough,omitempty"`
}

// HealthCheck is how the load balancer checks its targets.
type HealthCheck struct {
	Protocol             string `json:"protocol"`
	Port                 int    `json:"port"`
	Path                 string `json:"path,omitempty"`
	CheckIntervalSeconds int    `json:"check_interval_seconds"`
	HealthyThreshold     int    `json:"healthy_threshold"`
	UnhealthyThreshold   int    `json:"unhealthy_threshold"`
}

// Target is the health check's verdict on one target droplet.
type Target struct {
	DropletID int       `json:"droplet_id"`
	Name      string    `json:"name"`
	Healthy   bool      `json:"healthy"`
	Passing   bool      `json:"passing"` // the last check's result
	Streak    int       `json:"streak,omitempty"`
	Since     time.Time `json:"since"` // when Passing took its value
	// RequestsLastMinute is filled by the console from View.Sent; nil
	// without traffic emulation.
	RequestsLastMinute *int `json:"requests_last_minute"`
}

// Pool is a Droplet autoscale pool and the utilization it sees.
type Pool struct {
	ID           string  `json:"id"`
	Name         string  `json:"name"`
	Status       string  `json:"status"`
	Desired      int     `json:"desired"`
	Min          int     `json:"min_instances,omitempty"`
	Max          int     `json:"max_instances,omitempty"`
	Fixed        int     `json:"target_number_instances,omitempty"`
	TargetCPU    float64 `json:"target_cpu_utilization,omitempty"`
	TargetMemory float64 `json:"target_memory_utilization,omitempty"`
	// Utilization is the members' average, nil while none reports.
	Utilization *Utilization `json:"utilization"`
	Members     []Member     `json:"members"`
}

// Member is a droplet of a pool.
type Member struct {
	DropletID   int          `json:"droplet_id"`
	Status      string       `json:"status"` // provisioning, active, off, deleting
	Retiring    bool         `json:"retiring,omitempty"`
	Utilization *Utilization `json:"utilization"` // nil when it does not report
}

// Utilization is CPU and memory load as fractions.
type Utilization struct {
	CPU    float64 `json:"cpu"`
	Memory float64 `json:"memory"`
}

// Fault is a fault rule in effect and what it has done.
type Fault struct {
	Endpoint    string  `json:"endpoint"`
	ErrorRate   float64 `json:"error_rate,omitempty"`
	Status      int     `json:"status,omitempty"`
	Latency     string  `json:"latency,omitempty"`
	After       int     `json:"after,omitempty"`
	FailNext    int     `json:"fail_next,omitempty"`
	AfterCommit bool    `json:"after_commit,omitempty"`
	Matched     int     `json:"matched"`
	Failed      int     `json:"failed"`
}

// Request is one API request the sandbox answered.
type Request struct {
	At        time.Time `json:"at"`
	Method    string    `json:"method"`
	Path      string    `json:"path"`
	Status    int       `json:"status"`
	LatencyMS float64   `json:"latency_ms"`
	RequestID string    `json:"request_id"`
}
