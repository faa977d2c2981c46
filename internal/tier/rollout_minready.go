package tier

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// stayHealthy waits until every droplet of a wave has been healthy without
// a break for min_ready (scaled like every fixed wait). A droplet that
// fails a check starts its own count again, as Kubernetes' minReadySeconds
// does. It returns the droplets that made it and, on failure, what the
// check saw of the others.
func (x *execution) stayHealthy(ctx context.Context, wave int, ds []Droplet) ([]Droplet, string, error) {
	need := x.scaled(x.spec.Rollout.MinReady)
	if need <= 0 || len(ds) == 0 {
		return ds, "", nil
	}
	start := time.Now()
	since := map[int]time.Time{}
	for _, d := range ds {
		since[d.ID] = start
	}
	var seen map[int]string
	for {
		healthy := map[int]bool{}
		seen = map[int]string{}
		if err := x.checkNow(ctx, ds, start, healthy, seen); err != nil {
			return nil, "", err
		}
		now := time.Now()
		var ready []Droplet
		for _, d := range ds {
			switch {
			case !healthy[d.ID]:
				since[d.ID] = time.Time{}
				seen[d.ID] = "healthy, then " + seen[d.ID] + " before min_ready " + x.spec.Rollout.MinReady.String() + " passed"
			case since[d.ID].IsZero():
				since[d.ID] = now
			case now.Sub(since[d.ID]) >= need:
				ready = append(ready, d)
			}
		}
		if len(ready) == len(ds) {
			name := "autoscale rollout"
			if wave > 0 {
				name = x.clock.name(wave)
			}
			x.e.info(ctx, fmt.Sprintf("%s: %d new droplets stayed healthy for min_ready %s", name, len(ds), x.spec.Rollout.MinReady),
				map[string]any{"tier": x.spec.Name, "wave": wave})
			return ready, "", nil
		}
		if err := Sleep(ctx, x.e.poll()); err != nil {
			var parts []string
			for _, d := range ds {
				if since[d.ID].IsZero() {
					parts = append(parts, fmt.Sprintf("%s (%d): %s", d.Name, d.ID, seen[d.ID]))
				}
			}
			return ready, strings.Join(parts, "; "), fmt.Errorf("droplets did not stay healthy for min_ready %s: %w", x.spec.Rollout.MinReady, err)
		}
	}
}

// checkNow asks the rollout's health check about every droplet afresh.
func (x *execution) checkNow(ctx context.Context, ds []Droplet, start time.Time, healthy map[int]bool, seen map[int]string) error {
	switch x.spec.Rollout.Health {
	case HealthLoadBalancer:
		return x.checkLoadBalancerHealth(ctx, ds, start, healthy, seen)
	case HealthHTTP:
		return x.probeHealth(ctx, ds, healthy, seen)
	}
	list, err := x.e.Cloud.ListDroplets(ctx, Tag(x.spec.Name))
	if err != nil {
		if ctx.Err() != nil {
			return nil // the caller's sleep reports the deadline
		}
		return fmt.Errorf("list droplets while they warm up: %w", err)
	}
	status := map[int]string{}
	for _, d := range list {
		status[d.ID] = d.Status
	}
	for _, d := range ds {
		if status[d.ID] == StatusActive {
			healthy[d.ID] = true
		} else {
			seen[d.ID] = fmt.Sprintf("status %q", status[d.ID])
		}
	}
	return nil
}
