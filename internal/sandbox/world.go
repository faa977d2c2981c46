package sandbox

import "time"

// stateVersion is bumped whenever the persisted shape of World changes in a
// way an older file cannot be read into.
const stateVersion = 2

// minStateVersion is the oldest state file the sandbox still reads:
// version 1 predates the address plan, and its routable public addresses
// are moved into the sandbox's block on load (addresses.go).
const minStateVersion = 1

// World is everything the sandbox account holds. It is guarded by Server.mu
// and persisted as JSON when the sandbox runs with a state file, so every
// field is exported and every time is absolute.
type World struct {
	Version int `json:"version"`

	// Sequences hand out DigitalOcean-shaped numeric ids; they survive a
	// reset so an id is never reused, as on DigitalOcean.
	NextDropletID int `json:"next_droplet_id"`
	NextActionID  int `json:"next_action_id"`
	NextImageID   int `json:"next_image_id"`

	// AddressBlock is B of the 127.B.0.0/16 public addresses come from and
	// NextAddress the offset within it handed out next (addresses.go).
	AddressBlock int `json:"address_block"`
	NextAddress  int `json:"next_address"`

	Account Account `json:"account"`

	Droplets       map[int]*Droplet          `json:"droplets"`
	Actions        map[int]*Action           `json:"actions"`
	LoadBalancers  map[string]*LoadBalancer  `json:"load_balancers"`
	AlertPolicies  map[string]*AlertPolicy   `json:"alert_policies"`
	Tags           map[string]*Tag           `json:"tags"`
	UptimeChecks   map[string]*UptimeCheck   `json:"uptime_checks"`
	UptimeAlerts   map[string]*UptimeAlert   `json:"uptime_alerts"`
	Firewalls      map[string]*Firewall      `json:"firewalls"`
	Certificates   map[string]*Certificate   `json:"certificates"`
	VPCs           map[string]*VPC           `json:"vpcs"`
	SSHKeys        map[int]*SSHKey           `json:"ssh_keys"`
	Snapshots      map[int]*Snapshot         `json:"snapshots"`
	AutoscalePools map[string]*AutoscalePool `json:"autoscale_pools"`

	deletions []DropletDeletion // not persisted: see DropletDeletions
	// catalog is the server's (built-in or Options.CatalogFile); not
	// persisted, so a restart serves the catalog it is started with.
	catalog *Catalog
}

// Account is the single account the sandbox token belongs to.
type Account struct {
	UUID          string `json:"uuid"`
	Email         string `json:"email"`
	DropletLimit  int    `json:"droplet_limit"`
	FloatingLimit int    `json:"floating_ip_limit"`
	VolumeLimit   int    `json:"volume_limit"`
}

func newWorld(dropletLimit int, cat *Catalog) *World {
	w := &World{
		Version:       stateVersion,
		NextDropletID: 510000001,
		NextActionID:  2400000001,
		NextImageID:   180000001,
	}
	w.useCatalog(cat)
	w.Account = Account{
		UUID:          newAccountUUID(),
		Email:         "sandbox@example.com",
		DropletLimit:  dropletLimit,
		FloatingLimit: 3,
		VolumeLimit:   100,
	}
	w.ensureMaps()
	return w
}

// useCatalog makes cat the world's catalog. The account's snapshots are
// numbered after the catalog's images, in one sequence as on DigitalOcean,
// so an id never names both.
func (w *World) useCatalog(cat *Catalog) {
	w.catalog = cat
	w.NextImageID = max(w.NextImageID, cat.maxImageID()+1)
}

// ensureMaps makes every collection non-nil, also after loading an older
// state file that lacked one.
func (w *World) ensureMaps() {
	if w.Droplets == nil {
		w.Droplets = map[int]*Droplet{}
	}
	if w.Actions == nil {
		w.Actions = map[int]*Action{}
	}
	if w.LoadBalancers == nil {
		w.LoadBalancers = map[string]*LoadBalancer{}
	}
	if w.AlertPolicies == nil {
		w.AlertPolicies = map[string]*AlertPolicy{}
	}
	if w.Tags == nil {
		w.Tags = map[string]*Tag{}
	}
	if w.UptimeChecks == nil {
		w.UptimeChecks = map[string]*UptimeCheck{}
	}
	if w.UptimeAlerts == nil {
		w.UptimeAlerts = map[string]*UptimeAlert{}
	}
	if w.Firewalls == nil {
		w.Firewalls = map[string]*Firewall{}
	}
	if w.Certificates == nil {
		w.Certificates = map[string]*Certificate{}
	}
	if w.VPCs == nil {
		w.VPCs = map[string]*VPC{}
	}
	if w.SSHKeys == nil {
		w.SSHKeys = map[int]*SSHKey{}
	}
	if w.Snapshots == nil {
		w.Snapshots = map[int]*Snapshot{}
	}
	if w.AutoscalePools == nil {
		w.AutoscalePools = map[string]*AutoscalePool{}
	}
}

// settle applies every transition that is due at now: droplets finishing
// boot, actions completing, load balancers becoming active. Transitions are
// due times rather than timers, so the world is a pure function of the clock
// and survives a restart.
func (s *Server) settle(now time.Time) {
	// Autoscale pools first: the droplets they create or shut down at due
	// times before now then boot or power off below.
	s.settleAutoscalePools(now)
	s.settleDroplets(now)
	s.settleActions(now)
	s.settleLoadBalancers(now)
	s.settleUptimeChecks(now) // after the health views it reads
	s.settleFirewalls(now)
	s.settleCertificates(now)
}
