package tier

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Responses are the HTTP responses one droplet gave through the load
// balancer in a window: all of them, and the 5xx among them.
type Responses struct {
	Total        int
	ServerErrors int
}

// ResponseReader reads, per droplet id, the responses the load balancer's
// droplets gave in [since, until] (DigitalOcean's droplets_http_responses
// load balancer metric; the provider adapts doclient's reading to it).
type ResponseReader func(ctx context.Context, lbID string, since, until time.Time) (map[int]Responses, error)

// CheckpointError reports a canary checkpoint whose new droplets answered
// too many 5xx. With on_failure = "stop" the new droplets of the wave
// that reached it were taken out (its old ones still served); those of
// earlier waves stay.
type CheckpointError struct {
	Percent   int
	Rate, Max float64
	Responses int
	Delay     time.Duration
	Removed   []Droplet
	Kept      []Droplet
}

func (e *CheckpointError) Error() string {
	msg := fmt.Sprintf("rollout stopped at the %d%% checkpoint: the new droplets answered %.1f%% of %d requests with 5xx during the %s pause, above max_error_rate %.1f%%",
		e.Percent, 100*e.Rate, e.Responses, e.Delay, 100*e.Max)
	if len(e.Removed) > 0 {
		msg += "; removed " + dropletNames(e.Removed) + " (the old droplets they were to replace keep serving)"
	}
	if len(e.Kept) > 0 {
		msg += "; " + dropletNames(e.Kept) + " of earlier waves stay on the new template (on_failure = \"rollback\" would return them)"
	}
	return msg
}

func dropletNames(ds []Droplet) string {
	names := make([]string, len(ds))
	for i, d := range ds {
		names[i] = fmt.Sprintf("%s (%d)", d.Name, d.ID)
	}
	return strings.Join(names, ", ")
}

// checkpoint pauses the rollout for checkpoint_delay and then judges the
// new droplets by their share of 5xx responses through the load balancer
// during the pause.
func (x *execution) checkpoint(ctx context.Context, s Step) error {
	r := x.spec.Rollout
	var fresh []Droplet
	x.mu.Lock()
	for w := 1; w <= s.Wave; w++ {
		fresh = append(fresh, x.waves[w]...)
	}
	x.mu.Unlock()
	delay := x.scaled(r.CheckpointDelay)
	x.e.info(ctx, fmt.Sprintf("checkpoint %d%%: %d new droplets serve; pausing %s and watching their 5xx share (max_error_rate %g)", s.Count, len(fresh), r.CheckpointDelay, r.MaxErrorRate),
		map[string]any{"tier": x.spec.Name, "wave": s.Wave})
	start := time.Now()
	if err := Sleep(ctx, delay); err != nil {
		return fmt.Errorf("paused at the %d%% checkpoint: %w", s.Count, err)
	}
	if r.MaxErrorRate <= 0 {
		return nil
	}
	if x.e.Responses == nil {
		return errors.New("rollout.max_error_rate needs the load balancer's response metrics")
	}
	counts, err := x.e.Responses(ctx, x.lbID(), start, time.Now())
	if err != nil {
		return fmt.Errorf("read the new droplets' responses at the %d%% checkpoint: %w", s.Count, err)
	}
	var total, bad int
	for _, d := range fresh {
		total += counts[d.ID].Total
		bad += counts[d.ID].ServerErrors
	}
	rate := 0.0
	if total > 0 {
		rate = float64(bad) / float64(total)
	}
	x.e.info(ctx, fmt.Sprintf("checkpoint %d%%: %d of %d responses of the new droplets were 5xx (%.1f%%)", s.Count, bad, total, 100*rate),
		map[string]any{"tier": x.spec.Name, "wave": s.Wave})
	if rate <= r.MaxErrorRate {
		return nil
	}
	cerr := &CheckpointError{Percent: s.Count, Rate: rate, Max: r.MaxErrorRate, Responses: total, Delay: r.CheckpointDelay}
	removed := x.waveDroplets(s.Wave)
	for _, d := range fresh {
		if !slices.ContainsFunc(removed, func(o Droplet) bool { return o.ID == d.ID }) {
			cerr.Kept = append(cerr.Kept, d)
		}
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Minute)
	defer cancel()
	if len(removed) > 0 {
		if err := x.drain(cctx, ids(removed)); err != nil {
			return errors.Join(cerr, err)
		}
		if err := x.deleteDroplets(cctx, ids(removed)); err != nil {
			return errors.Join(cerr, err)
		}
		cerr.Removed = removed
	}
	return cerr
}
