package sandbox

import (
	"sync"
	"time"
)

// Clock tells the sandbox what time it is. Every state transition (a droplet
// booting, a load balancer provisioning, an action completing) is a due time
// compared against Now, so a fake clock makes tests deterministic.
type Clock interface {
	Now() time.Time
}

type wallClock struct{}

func (wallClock) Now() time.Time { return time.Now().UTC() }

// FakeClock is a Clock that only moves when told to.
type FakeClock struct {
	mu  sync.Mutex
	now time.Time
}

// NewFakeClock returns a clock stopped at t.
func NewFakeClock(t time.Time) *FakeClock { return &FakeClock{now: t.UTC()} }

// Now returns the clock's current time.
func (c *FakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *FakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Delays are the realistic durations of DigitalOcean's asynchronous work.
// The sandbox multiplies each by its time scale.
type Delays struct {
	DropletBoot           time.Duration `json:"droplet_boot"`
	DropletAction         time.Duration `json:"droplet_action"`
	DropletResize         time.Duration `json:"droplet_resize"`
	LoadBalancerProvision time.Duration `json:"load_balancer_provision"`
	LoadBalancerUpdate    time.Duration `json:"load_balancer_update"`
	FirewallApply         time.Duration `json:"firewall_apply"`
	CertificateIssue      time.Duration `json:"certificate_issue"`
	// AutoscalePoolProvision is how long a new pool reads "provisioning"
	// (measured on DigitalOcean: active within a second, before its
	// members finish booting).
	AutoscalePoolProvision time.Duration `json:"autoscale_pool_provision"`
	// AutoscalePoolDelete is how long a deleted pool reads "deleting"
	// before it (and, deleted dangerously, its members) answers 404.
	AutoscalePoolDelete time.Duration `json:"autoscale_pool_delete"`
	// AutoscaleEvaluation is how often a pool compares its members with
	// its configuration: replacing lost members, scaling on utilization.
	AutoscaleEvaluation time.Duration `json:"autoscale_evaluation"`
	// DatabaseProvision is how long a new managed database cluster reads
	// "creating" (official provider runs report about five minutes).
	DatabaseProvision time.Duration `json:"database_provision"`
	// DatabaseResize and DatabaseMigrate are how long a cluster reads
	// "resizing" or "migrating" (the sandbox's estimate).
	DatabaseResize  time.Duration `json:"database_resize"`
	DatabaseMigrate time.Duration `json:"database_migrate"`
}

// DefaultDelays are in the middle of what DigitalOcean takes in practice:
// droplets boot in 30-60 s, load balancers provision in 60-120 s.
func DefaultDelays() Delays {
	return Delays{
		DropletBoot:            45 * time.Second,
		DropletAction:          20 * time.Second,
		DropletResize:          60 * time.Second,
		LoadBalancerProvision:  90 * time.Second,
		LoadBalancerUpdate:     10 * time.Second,
		FirewallApply:          10 * time.Second,
		CertificateIssue:       60 * time.Second,
		AutoscalePoolProvision: time.Second,
		AutoscalePoolDelete:    5 * time.Second,
		AutoscaleEvaluation:    time.Minute,
		DatabaseProvision:      5 * time.Minute,
		DatabaseResize:         5 * time.Minute,
		DatabaseMigrate:        10 * time.Minute,
	}
}

func (d Delays) withDefaults() Delays {
	def := DefaultDelays()
	pick := func(v, fallback time.Duration) time.Duration {
		if v == 0 {
			return fallback
		}
		return v
	}
	return Delays{
		DropletBoot:            pick(d.DropletBoot, def.DropletBoot),
		DropletAction:          pick(d.DropletAction, def.DropletAction),
		DropletResize:          pick(d.DropletResize, def.DropletResize),
		LoadBalancerProvision:  pick(d.LoadBalancerProvision, def.LoadBalancerProvision),
		LoadBalancerUpdate:     pick(d.LoadBalancerUpdate, def.LoadBalancerUpdate),
		FirewallApply:          pick(d.FirewallApply, def.FirewallApply),
		CertificateIssue:       pick(d.CertificateIssue, def.CertificateIssue),
		AutoscalePoolProvision: pick(d.AutoscalePoolProvision, def.AutoscalePoolProvision),
		AutoscalePoolDelete:    pick(d.AutoscalePoolDelete, def.AutoscalePoolDelete),
		AutoscaleEvaluation:    pick(d.AutoscaleEvaluation, def.AutoscaleEvaluation),
		DatabaseProvision:      pick(d.DatabaseProvision, def.DatabaseProvision),
		DatabaseResize:         pick(d.DatabaseResize, def.DatabaseResize),
		DatabaseMigrate:        pick(d.DatabaseMigrate, def.DatabaseMigrate),
	}
}

// scale multiplies a realistic duration by the time scale.
func scale(d time.Duration, factor float64) time.Duration {
	return time.Duration(float64(d) * factor)
}
