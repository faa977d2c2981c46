package tier

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"
)

// DropletBootEstimate is how long a new droplet takes to become active on
// DigitalOcean (30 to 60 s; the sandbox's default boot is 45 s).
const DropletBootEstimate = 60 * time.Second

// WaveEstimate is how long one rollout wave takes on DigitalOcean: its
// droplets boot, pass the health check healthy_threshold times in a row
// (health "load_balancer"; one probe interval for "http"), stay healthy
// for min_ready, and the old droplets drain for one check interval.
func WaveEstimate(spec Spec) time.Duration {
	hc := spec.LoadBalancer.HealthCheck
	interval := time.Duration(max(hc.CheckIntervalSeconds, 1)) * time.Second
	health := time.Duration(0)
	switch spec.Rollout.Health {
	case HealthLoadBalancer, "":
		health = time.Duration(max(hc.HealthyThreshold, 1)) * interval
	case HealthHTTP:
		health = interval
	}
	return DropletBootEstimate + health + spec.Rollout.MinReady + interval
}

// RolloutEstimate is how long a plan's rollout takes on DigitalOcean:
// its waves one after another, and the pauses at checkpoints.
func RolloutEstimate(spec Spec, s Summary) time.Duration {
	if s.Waves == 0 {
		return 0
	}
	return time.Duration(s.Waves)*WaveEstimate(spec) + time.Duration(s.Checkpoints)*spec.Rollout.CheckpointDelay
}

// Done is the summary of a finished apply in the past tense, as a person
// reads it afterwards: "6 droplets were replaced in 3 waves in 4m10s".
// Only the droplet changes are told; "" when there were none.
func (s Summary) Done(elapsed time.Duration) string {
	plural := func(n int, one string) string {
		if n == 1 {
			return "1 " + one + " was"
		}
		return fmt.Sprintf("%d %ss were", n, one)
	}
	var parts []string
	if s.Replace > 0 {
		verb := "replaced"
		if s.Resize > 0 {
			verb = "resized in place"
		}
		waves := fmt.Sprintf("%d waves", s.Waves)
		if s.Waves == 1 {
			waves = "1 wave"
		}
		parts = append(parts, fmt.Sprintf("%s %s in %s", plural(s.Replace, "droplet"), verb, waves))
	}
	if s.Create > 0 {
		parts = append(parts, plural(s.Create, "droplet")+" created")
	}
	if s.Repair > 0 {
		parts = append(parts, plural(s.Repair, "droplet")+" that were off or half-removed deleted")
	}
	if s.Remove > 0 {
		parts = append(parts, plural(s.Remove, "droplet")+" drained and deleted")
	}
	if len(parts) == 0 {
		return ""
	}
	return strings.Join(parts, "; ") + " in " + elapsed.Round(time.Second).String()
}

// waveClock tells a rollout's waves at INFO: each wave's start, its health
// and its end, with how long it took.
type waveClock struct {
	mu     sync.Mutex
	total  int
	start  map[int]time.Time
	ends   map[int]bool // waves whose end is their removeAfter deletion
	logged map[int]bool
}

func newWaveClock(p Plan) *waveClock {
	c := &waveClock{total: p.Summary.Waves, start: map[int]time.Time{}, ends: map[int]bool{}, logged: map[int]bool{}}
	for _, s := range p.Steps() {
		if s.Op == OpDeleteDroplets && s.Wave > 0 {
			c.ends[s.Wave] = true
		}
	}
	return c
}

func (c *waveClock) name(wave int) string {
	if c.total > 0 {
		return fmt.Sprintf("rollout wave %d of %d", wave, c.total)
	}
	return fmt.Sprintf("wave %d", wave)
}

func (c *waveClock) started(ctx context.Context, x *execution, wave, count int) {
	if c == nil || c.total == 0 || wave == 0 {
		return // not a rollout: creates for capacity
	}
	c.mu.Lock()
	c.start[wave] = time.Now()
	c.mu.Unlock()
	x.e.info(ctx, fmt.Sprintf("%s started: creating %d droplets", c.name(wave), count), map[string]any{"tier": x.spec.Name, "wave": wave, "waves": c.total})
}

func (c *waveClock) startedResize(ctx context.Context, x *execution, wave, count int) {
	if c == nil || c.total == 0 || wave == 0 {
		return
	}
	c.mu.Lock()
	c.start[wave] = time.Now()
	c.mu.Unlock()
	x.e.info(ctx, fmt.Sprintf("%s started: resizing %d droplets in place to %s", c.name(wave), count, x.spec.Droplet.Size), map[string]any{"tier": x.spec.Name, "wave": wave, "waves": c.total})
}

func (c *waveClock) elapsed(wave int) time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t, ok := c.start[wave]; ok {
		return time.Since(t).Round(time.Second)
	}
	return 0
}

func (c *waveClock) healthy(ctx context.Context, x *execution, wave, n int) {
	if c == nil || c.total == 0 || wave == 0 {
		return
	}
	x.e.info(ctx, fmt.Sprintf("%s: %d new droplets healthy (%s) after %s", c.name(wave), n, x.spec.Rollout.Health, c.elapsed(wave)),
		map[string]any{"tier": x.spec.Name, "wave": wave, "waves": c.total})
}

// ready ends a wave whose new droplets count (after min_ready) when no
// old droplets leave after it.
func (c *waveClock) ready(ctx context.Context, x *execution, wave int) {
	if c == nil || c.total == 0 || wave == 0 {
		return
	}
	c.mu.Lock()
	ends := c.ends[wave]
	c.mu.Unlock()
	if !ends {
		c.done(ctx, x, wave, 0)
	}
}

func (c *waveClock) done(ctx context.Context, x *execution, wave, removed int) {
	if c == nil || c.total == 0 || wave == 0 {
		return
	}
	c.mu.Lock()
	if c.logged[wave] {
		c.mu.Unlock()
		return
	}
	c.logged[wave] = true
	c.mu.Unlock()
	msg := fmt.Sprintf("%s done in %s", c.name(wave), c.elapsed(wave))
	if removed > 0 {
		msg += fmt.Sprintf(": %d old droplets drained and deleted", removed)
	}
	x.e.info(ctx, msg, map[string]any{"tier": x.spec.Name, "wave": wave, "waves": c.total})
}
