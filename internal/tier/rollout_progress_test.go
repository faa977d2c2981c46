package tier_test

import (
	"strings"
	"testing"
	"time"

	"github.com/scalable-tf/terraform-provider-scalable/internal/tier"
)

func TestSummaryDoneIsPastTense(t *testing.T) {
	cases := []struct {
		s    tier.Summary
		want string
	}{
		{tier.Summary{Replace: 6, Waves: 3, WaveSize: 2}, "6 droplets were replaced in 3 waves in 4m10s"},
		{tier.Summary{Replace: 1, Waves: 1, WaveSize: 1}, "1 droplet was replaced in 1 wave in 4m10s"},
		{tier.Summary{Replace: 4, Waves: 2, Resize: 4}, "4 droplets were resized in place in 2 waves in 4m10s"},
		{tier.Summary{Create: 2, Remove: 1}, "2 droplets were created; 1 droplet was drained and deleted in 4m10s"},
		{tier.Summary{LoadBalancer: "updated"}, ""},
	}
	for _, tc := range cases {
		if got := tc.s.Done(4*time.Minute + 10*time.Second + 300*time.Millisecond); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.s, got, tc.want)
		}
	}
}

// One wave: a boot, healthy_threshold checks an interval apart, min_ready,
// and a drain of one interval; the rollout is its waves plus checkpoints.
func TestRolloutEstimateFromTheHealthCheck(t *testing.T) {
	s := spec("est", 100)
	s.Rollout.Health = tier.HealthLoadBalancer
	s.LoadBalancer.HealthCheck.CheckIntervalSeconds, s.LoadBalancer.HealthCheck.HealthyThreshold = 10, 5
	if got, want := tier.WaveEstimate(s), tier.DropletBootEstimate+50*time.Second+10*time.Second; got != want {
		t.Errorf("wave estimate %s, want %s", got, want)
	}
	s.Rollout.MinReady = 30 * time.Second
	s.Rollout.CheckpointDelay = time.Minute
	sum := tier.Summary{Replace: 100, Waves: 4, Checkpoints: 2}
	if got, want := tier.RolloutEstimate(s, sum), 4*(tier.DropletBootEstimate+90*time.Second)+2*time.Minute; got != want {
		t.Errorf("rollout estimate %s, want %s", got, want)
	}
	s.Rollout.Health = tier.HealthDropletStatus
	if got, want := tier.WaveEstimate(s), tier.DropletBootEstimate+40*time.Second; got != want {
		t.Errorf("droplet_status wave estimate %s, want %s", got, want)
	}
	if got := tier.RolloutEstimate(s, tier.Summary{Create: 3}); got != 0 {
		t.Errorf("no waves: estimate %s", got)
	}
}

// Each wave's start, health and end are logged at INFO, in that order,
// with the wave's number out of the total.
func TestExecutorLogsEachWave(t *testing.T) {
	w := newWorld(t)
	s := spec("waves", 4)
	s.Rollout.MaxSurge = tier.Percent(50)
	f := w.apply(t, s, tier.Ref{})
	s.Droplet.Image = "debian-13-x64"
	w.apply(t, s, tier.Ref{LoadBalancerID: f.LoadBalancer.ID})
	var got []string
	for _, l := range w.logs.all() {
		if strings.HasPrefix(l.msg, "rollout wave ") {
			got = append(got, l.msg)
		}
	}
	want := []string{
		"rollout wave 1 of 2 started: creating 2 droplets",
		"rollout wave 1 of 2: 2 new droplets healthy (droplet_status) after",
		"rollout wave 1 of 2 done in",
		"rollout wave 2 of 2 started: creating 2 droplets",
		"rollout wave 2 of 2: 2 new droplets healthy (droplet_status) after",
		"rollout wave 2 of 2 done in",
	}
	if len(got) != len(want) {
		t.Fatalf("wave log lines:\n%s\nwant %d", strings.Join(got, "\n"), len(want))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("line %d: %q, want %q...", i+1, got[i], want[i])
		}
	}
	if !strings.HasSuffix(got[2], ": 2 old droplets drained and deleted") {
		t.Errorf("wave end %q does not say what left", got[2])
	}
}
