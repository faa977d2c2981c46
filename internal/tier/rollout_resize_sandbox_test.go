package tier_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/scalable-tf/terraform-provider-scalable/internal/sandbox"
	"github.com/scalable-tf/terraform-provider-scalable/internal/tier"
)

type dropletAt struct {
	ip, size, status string
	disk             int
}

func (w *world) droplets(tag string) map[int]dropletAt {
	out := map[int]dropletAt{}
	w.srv.Inspect(func(sw *sandbox.World) {
		for id, d := range sw.Droplets {
			for _, t := range d.Tags {
				if t == tag {
					out[id] = dropletAt{d.PublicIPv4, d.Size, d.Status, d.Disk}
				}
			}
		}
	})
	return out
}

// resize = "in_place": a change of size alone powers each wave off,
// resizes it and powers it on: every droplet id and IP is kept, the size
// (and with resize_disk the disk) changes, the revision tag moves to the
// new template, at most max_unavailable (at least 1) is out of service at
// once, and nothing is created or deleted.
func TestExecutorResizesInPlace(t *testing.T) {
	w := newWorld(t)
	s := spec("grow", 3)
	s.Rollout.Health = tier.HealthLoadBalancer
	s.Rollout.Resize = tier.ResizeInPlace
	f := w.apply(t, s, tier.Ref{})
	ref := tier.Ref{LoadBalancerID: f.LoadBalancer.ID}
	before := w.droplets(tier.Tag("grow"))

	s.Droplet.Size = "s-2vcpu-2gb"
	s.Rollout.ResizeDisk = true
	if p := tier.ComputePlan(s, f); p.Summary.Resize != 3 || p.Summary.Waves != 3 {
		t.Fatalf("plan %+v, want 3 resized in 3 waves\n%s", p.Summary, p)
	}
	c := w.watch(tier.Tag("grow"))
	after := w.apply(t, s, ref)
	most, fewest := c.end()
	now := w.droplets(tier.Tag("grow"))
	if len(now) != 3 || len(after.Droplets) != 3 {
		t.Fatalf("after the resize: %d droplets in the sandbox, %d observed", len(now), len(after.Droplets))
	}
	for id, was := range before {
		got, ok := now[id]
		switch {
		case !ok:
			t.Errorf("droplet %d is gone", id)
		case got.ip != was.ip:
			t.Errorf("droplet %d changed IP %s -> %s", id, was.ip, got.ip)
		case got.size != "s-2vcpu-2gb" || got.disk != 60 || was.disk != 25:
			t.Errorf("droplet %d is %s with %d GB (was %s, %d GB), want s-2vcpu-2gb with 60 GB", id, got.size, got.disk, was.size, was.disk)
		}
	}
	for _, d := range after.Droplets {
		if d.Revision() != s.Droplet.Revision() || !d.InService("grow") {
			t.Errorf("droplet %d: revision %s in service %v, want %s in service", d.ID, d.Revision(), d.InService("grow"), s.Droplet.Revision())
		}
	}
	if most > 3 || fewest < 2 {
		t.Errorf("during the resize: up to %d droplets (want 3) and as few as %d active (want at least 3 - 1)", most, fewest)
	}
	if p := tier.ComputePlan(s, after); !p.Empty() {
		t.Errorf("plan after the resize:\n%s", p)
	}

	// DigitalOcean refuses a size with a smaller disk once the disk grew:
	// so does the sandbox, and the wave says what DigitalOcean said.
	s.Droplet.Size = "s-1vcpu-2gb" // 50 GB < 60 GB
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, _, err := w.exec.Apply(ctx, s, ref)
	if err == nil || !strings.Contains(err.Error(), "Size can not be smaller than the Droplet's original size") {
		t.Fatalf("resize to a smaller disk: %v", err)
	}
	for id, got := range w.droplets(tier.Tag("grow")) {
		if got.size != "s-2vcpu-2gb" || got.status != "active" {
			t.Errorf("droplet %d is %s and %s after the refused resize, want s-2vcpu-2gb and powered on again", id, got.size, got.status)
		}
	}
}

// The sandbox's resize action refuses what DigitalOcean refuses: a
// droplet that is on, its own size, a size with a smaller disk.
func TestSandboxResizeRefusesWhatDigitalOceanRefuses(t *testing.T) {
	w := newWorld(t)
	s := spec("refuse", 1)
	f := w.apply(t, s, tier.Ref{})
	id := f.Droplets[0].ID
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := w.client.ResizeDroplet(ctx, id, "s-2vcpu-2gb", false); err == nil || !strings.Contains(err.Error(), "Droplet is currently on. Please power it off to run this event.") {
		t.Errorf("resize while on: %v", err)
	}
	if err := w.client.PowerOffDroplet(ctx, id); err != nil {
		t.Fatal(err)
	}
	if err := w.client.ResizeDroplet(ctx, id, "s-1vcpu-1gb", false); err == nil || !strings.Contains(err.Error(), "The droplet is already set to this size.") {
		t.Errorf("resize to its own size: %v", err)
	}
	if err := w.client.ResizeDroplet(ctx, id, "s-1vcpu-512mb-10gb", false); err == nil || !strings.Contains(err.Error(), "Size can not be smaller than the Droplet's original size") {
		t.Errorf("resize to a smaller disk: %v", err)
	}
	if err := w.client.ResizeDroplet(ctx, id, "s-2vcpu-2gb", false); err != nil {
		t.Errorf("resize without the disk: %v", err)
	}
	if err := w.client.PowerOnDroplet(ctx, id); err != nil {
		t.Fatal(err)
	}
	if got := w.droplets(tier.Tag("refuse"))[id]; got.size != "s-2vcpu-2gb" || got.disk != 25 {
		t.Errorf("after a resize without disk: %+v, want s-2vcpu-2gb keeping 25 GB", got)
	}
}
