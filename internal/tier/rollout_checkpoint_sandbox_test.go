package tier_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scalable-tf/terraform-provider-scalable/internal/tier"
)

// responses adapts doclient's per-droplet response counts for the
// executor, as the provider does.
func (w *world) responses() tier.ResponseReader {
	return func(ctx context.Context, lbID string, since, until time.Time) (map[int]tier.Responses, error) {
		counts, err := w.client.LoadBalancerDropletResponses(ctx, lbID, since, until)
		if err != nil {
			return nil, err
		}
		out := map[int]tier.Responses{}
		for id, rc := range counts {
			out[id] = tier.Responses{Total: rc.Total, ServerErrors: rc.Status5xx}
		}
		return out, nil
	}
}

// trafficTo sends requests to the load balancer's first listener until
// stopped, as users would; it returns how many were answered.
func (w *world) trafficTo(t *testing.T, lbID string) (stop func() int64) {
	t.Helper()
	ls, err := w.srv.LoadBalancerListeners(lbID)
	if err != nil || len(ls) == 0 {
		t.Fatalf("listeners of %s: %v %v", lbID, ls, err)
	}
	url := "http://" + ls[0].Address + "/"
	var answered atomic.Int64
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		hc := &http.Client{Timeout: 2 * time.Second}
		for {
			select {
			case <-done:
				return
			default:
			}
			if resp, err := hc.Get(url); err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				answered.Add(1)
			}
			time.Sleep(time.Millisecond)
		}
	}()
	return func() int64 { close(done); <-finished; return answered.Load() }
}

// Canary checkpoints with real traffic: a new image answering 500 to 25
// of every 100 requests is caught at the first checkpoint (its droplet
// removed, the old ones serving); with on_failure = "rollback" a canary
// caught at 50% ends with every droplet on the old image; a good image
// passes its checkpoint and finishes.
func TestExecutorCanaryCheckpointsCatchServerErrors(t *testing.T) {
	w := newTrafficWorld(t)
	w.exec.Responses = w.responses()
	s := spec("canary", 4)
	s.Rollout.Health = tier.HealthLoadBalancer
	s.LoadBalancer.HealthCheck.Path = "/health" // a canary answers its health checks, not "/"
	s.Rollout.Checkpoints = []int{25}
	s.Rollout.CheckpointDelay = 4 * time.Minute // 2.4 s at the sandbox's scale 0.01
	s.Rollout.MaxErrorRate = 0.05
	f := w.apply(t, s, tier.Ref{})
	ref := tier.Ref{LoadBalancerID: f.LoadBalancer.ID}
	old := dropletIDs(f)
	stop := w.trafficTo(t, f.LoadBalancer.ID)
	defer func() { t.Logf("%d requests answered through the load balancer", stop()) }()

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s.Droplet.Image = "canary-500-25"
	after, _, err := w.exec.Apply(ctx, s, ref)
	var cerr *tier.CheckpointError
	if !errors.As(err, &cerr) || cerr.Percent != 25 || len(cerr.Removed) != 1 || len(cerr.Kept) != 0 || cerr.Responses == 0 || cerr.Rate <= 0.05 {
		for _, l := range w.logs.all() {
			if strings.Contains(l.msg, "checkpoint") || strings.Contains(l.msg, "wave") {
				t.Log(l.msg)
			}
		}
		t.Fatalf("apply of a canary answering 25%% 500s: %v (%+v)", err, cerr)
	}
	t.Logf("caught: %v", err)
	if got := dropletIDs(after); len(got) != 4 || got[0] != old[0] || got[3] != old[3] {
		t.Fatalf("after the checkpoint the tier holds %v, want the old %v", got, old)
	}

	s.Rollout.Checkpoints = []int{50}
	s.Rollout.OnFailure = tier.OnFailureRollback
	s.Rollout.Previous = []tier.DropletSpec{spec("canary", 4).Droplet}
	after, _, err = w.exec.Apply(ctx, s, ref)
	var rb *tier.RollbackError
	if !errors.As(err, &rb) || rb.Err != nil || !strings.Contains(err.Error(), "rollout stopped at the 50% checkpoint") || rb.Returned != 1 {
		t.Fatalf("apply with rollback: %v", err)
	}
	if got := images(after); got["ubuntu-24-04-x64"] != 4 || len(got) != 1 {
		t.Fatalf("after the rollback: images %v, want 4 of the old image", got)
	}

	s.Droplet.Image = "debian-13-x64"
	done := w.apply(t, s, ref)
	if got := images(done); got["debian-13-x64"] != 4 || len(got) != 1 {
		t.Fatalf("a good image ends with %v", got)
	}
	passed := false
	for _, l := range w.logs.all() {
		passed = passed || (strings.HasPrefix(l.msg, "checkpoint 50%: 0 of ") && strings.Contains(l.msg, "were 5xx (0.0%)"))
	}
	if !passed {
		t.Error("no log of the good image's checkpoint with 0 5xx")
	}
}
