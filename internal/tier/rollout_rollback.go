package tier

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// What a rollout does when a wave fails.
const (
	OnFailureStop     = "stop"     // remove the wave's unhealthy droplets, keep the rest
	OnFailureRollback = "rollback" // also return every replaced droplet to the previous template
)

// template is the droplet template of prev on the tier's other settings
// (count, backups): what a rollback rolls to.
func template(cur, prev DropletSpec) DropletSpec {
	out := cur
	out.Size, out.Image, out.UserData, out.Monitoring, out.IPv6 = prev.Size, prev.Image, prev.UserData, prev.Monitoring, prev.IPv6
	out.SSHKeys = append([]string(nil), prev.SSHKeys...)
	return out
}

// previousTemplate is the template the tier ran before this rollout: the
// known template (Rollout.Previous) of the revision most outdated droplets
// carry.
func previousTemplate(spec Spec, fleet Fleet) (DropletSpec, string, bool) {
	rev := spec.Droplet.Revision()
	count := map[string]int{}
	best := ""
	for _, d := range fleet.Droplets {
		if r := d.Revision(); r != "" && r != rev {
			count[r]++
			if count[r] > count[best] || (count[r] == count[best] && r < best) {
				best = r
			}
		}
	}
	for _, p := range spec.Rollout.Previous {
		if best != "" && p.Revision() == best {
			return template(spec.Droplet, p), best, true
		}
	}
	return DropletSpec{}, best, false
}

// RollbackError reports a rollout that failed and was rolled back (or
// could not be): Failure is what stopped it, Err what went wrong in the
// rollback (nil when it finished).
type RollbackError struct {
	Failure  error
	Revision string // the previous template's
	Template DropletSpec
	Returned int // droplets of the new template returned to the previous one
	Waves    int
	Elapsed  time.Duration
	Missing  bool // no previous template known: nothing was rolled back
	Err      error
}

func (e *RollbackError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s.\n\n", e.Failure)
	switch {
	case e.Missing:
		b.WriteString("Not rolled back: the provider knows no previous template for the droplets left (it keeps the templates of earlier applies in the resource's private state); they are kept as the rollout stopped.")
	case e.Err != nil:
		fmt.Fprintf(&b, "The rollback to the previous template (revision %s: image %s, size %s) did not finish: %s. The state records what exists; the next apply continues.", e.Revision, e.Template.Image, e.Template.Size, e.Err)
	case e.Returned == 0:
		fmt.Fprintf(&b, "Rolled back: no droplet of the new template was left to return (the failed wave's were removed); every droplet runs the previous template again (revision %s: image %s, size %s).", e.Revision, e.Template.Image, e.Template.Size)
	default:
		fmt.Fprintf(&b, "Rolled back: %s returned to the previous template (revision %s: image %s, size %s) in %s in %s, within the same max_surge and max_unavailable; every droplet runs the previous template again.",
			count(e.Returned, "droplet of the new template was", "droplets of the new template were"), e.Revision, e.Template.Image, e.Template.Size, count(e.Waves, "wave", "waves"), e.Elapsed.Round(time.Second))
	}
	return b.String()
}

// Unwrap is the rollback's own error: the failure it answered is told in
// the message, and is not what the caller must act on first.
func (e *RollbackError) Unwrap() error { return e.Err }

func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// rollBack answers a failed rollout with on_failure = "rollback": a
// rollout back to the previous template, under the same bounds, that
// replaces every droplet of the new template (those of earlier waves and
// the healthy ones of the failed wave). It returns the fleet afterwards
// and a *RollbackError.
func (e *Executor) rollBack(ctx context.Context, spec Spec, ref Ref, fleet Fleet, failure error) (Fleet, error) {
	prev, rev, ok := previousTemplate(spec, fleet)
	if !ok {
		return fleet, &RollbackError{Failure: failure, Revision: rev, Missing: true}
	}
	back := spec
	back.Droplet = prev
	back.Rollout.OnFailure = OnFailureStop
	plan := ComputePlan(back, fleet)
	e.info(ctx, fmt.Sprintf("rolling back to revision %s (image %s, size %s): %s", rev, prev.Image, prev.Size, plan.Summary),
		map[string]any{"tier": spec.Name, "revision": rev})
	start := time.Now()
	after, _, err := e.Apply(ctx, back, ref)
	rerr := &RollbackError{Failure: failure, Revision: rev, Template: prev, Returned: plan.Summary.Replace, Waves: plan.Summary.Waves, Elapsed: time.Since(start), Err: err}
	return after, rerr
}

// failedRollout reports whether err is a failed wave, which on_failure
// answers.
func failedRollout(err error) bool {
	var rerr *RolloutError
	var cerr *CheckpointError
	return errors.As(err, &rerr) || errors.As(err, &cerr)
}
