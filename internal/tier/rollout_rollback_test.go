package tier_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scalable-tf/terraform-provider-scalable/internal/sandbox"
	"github.com/scalable-tf/terraform-provider-scalable/internal/tier"
)

// failNewAfter makes new droplets of the tier that do not carry revTag
// fail their health check once ok of them have appeared; it returns the
// ones it let pass and a stop function.
func (w *world) failNewAfter(tag, revTag string, ok int, old []int) (passed func() []int, stop func()) {
	seen := map[int]bool{}
	for _, id := range old {
		seen[id] = true
	}
	var mu sync.Mutex
	var good []int
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		for {
			select {
			case <-done:
				return
			case <-time.After(2 * time.Millisecond):
			}
			var fresh []int
			w.srv.Inspect(func(sw *sandbox.World) {
				for id, d := range sw.Droplets {
					if !seen[id] && slices.Contains(d.Tags, tag) && !slices.Contains(d.Tags, revTag) {
						fresh = append(fresh, id)
					}
				}
			})
			slices.Sort(fresh)
			mu.Lock()
			for _, id := range fresh {
				seen[id] = true
				if len(good) < ok {
					good = append(good, id)
				} else {
					_ = w.srv.SetDropletFailsHealth(id, true)
				}
			}
			mu.Unlock()
		}
	}()
	return func() []int {
			mu.Lock()
			defer mu.Unlock()
			return slices.Clone(good)
		}, func() {
			close(done)
			<-finished
		}
}

// on_failure = "rollback": wave 2 of an image change fails; the droplet
// wave 1 made is returned to the previous template under the same bounds,
// the apply fails saying so, and the fleet ends on the old image and
// revision. Without a known previous template nothing is rolled back.
func TestExecutorRollsBackAFailedRollout(t *testing.T) {
	w := newWorld(t)
	s := spec("back", 3)
	s.Rollout.Health = tier.HealthLoadBalancer
	s.Rollout.HealthTimeout = 2 * time.Second
	s.Rollout.OnFailure = tier.OnFailureRollback
	f := w.apply(t, s, tier.Ref{})
	ref := tier.Ref{LoadBalancerID: f.LoadBalancer.ID}
	old := dropletIDs(f)
	prev := s.Droplet
	oldRev := prev.RevisionTag()

	s.Droplet.Image = "debian-13-x64"
	s.Rollout.Previous = []tier.DropletSpec{prev}
	passed, stop := w.failNewAfter(tier.Tag("back"), oldRev, 1, old)
	c := w.watch(tier.Tag("back"))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	after, _, err := w.exec.Apply(ctx, s, ref)
	most, fewest := c.end()
	stop()
	var rb *tier.RollbackError
	if !errors.As(err, &rb) || rb.Err != nil || rb.Missing {
		t.Fatalf("apply: %v, want a finished rollback", err)
	}
	msg := err.Error()
	for _, want := range []string{
		"rollout stopped: wave 2 was not healthy",
		"Rolled back: 1 droplet of the new template was returned to the previous template (revision " + prev.Revision() + ": image ubuntu-24-04-x64, size s-1vcpu-1gb) in 1 wave",
		"every droplet runs the previous template again",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("the error lacks %q:\n%s", want, msg)
		}
	}
	if len(passed()) != 1 {
		t.Fatalf("the first wave made %v, want 1 droplet", passed())
	}
	if got := images(after); got["ubuntu-24-04-x64"] != 3 || len(got) != 1 {
		t.Errorf("after the rollback: images %v, want 3 of the old image", got)
	}
	for _, d := range after.Droplets {
		if d.Revision() != prev.Revision() || slices.Contains(passed(), d.ID) {
			t.Errorf("droplet %s (%d) is on revision %s, want the previous %s (and wave 1's droplet gone)", d.Name, d.ID, d.Revision(), prev.Revision())
		}
	}
	if most > 4 || fewest < 3 {
		t.Errorf("rollout and rollback held up to %d droplets (max 3 + surge 1) and as few as %d active (min 3)", most, fewest)
	}

	// Nothing known of the previous template: kept as the rollout stopped.
	s.Rollout.Previous = nil
	s.Droplet.Image = "broken-debian-13-x64"
	_, _, err = w.exec.Apply(ctx, s, ref)
	if !errors.As(err, &rb) || !rb.Missing || !strings.Contains(err.Error(), "Not rolled back: the provider knows no previous template") {
		t.Fatalf("apply without a previous template: %v", err)
	}
}
