package tier

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// handBuilt is a stack made in the dashboard: three droplets tagged "web"
// (the last on an older image), a load balancer targeting them by id, and
// a CPU alert policy without the tier's marker.
func handBuilt(spec Spec) Fleet {
	f := Fleet{LoadBalancer: &LoadBalancer{ID: "lb", Name: "legacy-lb-prod", DropletIDs: []int{1, 2, 3}, Status: "active", Region: "nyc3", Spec: spec.LoadBalancer}}
	for i, image := range []string{"ubuntu-24-04-x64", "ubuntu-24-04-x64", "ubuntu-22-04-x64"} {
		f.Droplets = append(f.Droplets, Droplet{ID: i + 1, Name: "web-" + string(rune('a'+i)), Status: StatusActive, CreatedAt: t0.Add(time.Duration(i) * time.Minute),
			Region: "nyc3", Size: "s-1vcpu-1gb", Image: image, Monitoring: true, Tags: []string{"web"}})
	}
	f.AdoptedAlerts = []AlertPolicy{{UUID: "a1", AlertRequest: AlertRequest{Type: "v1/insights/droplet/cpu", Description: "cpu high", Compare: "GreaterThan", Value: 80, Window: "5m", Enabled: true}}}
	f.Adopt = &Adoption{LoadBalancerID: "lb", DropletIDs: []int{1, 2, 3}, AlertIDs: []string{"a1"}}
	return f
}

func phaseOf(p Plan, match func(Step) bool) int {
	for i, ph := range p.Phases {
		if slices.ContainsFunc(ph, match) {
			return i
		}
	}
	return -1
}

func TestPlanAdoptsWithoutDowntime(t *testing.T) {
	spec := baseSpec(3)
	spec.Name = "legacy"
	spec.Alerts = []AlertSpec{{Metric: "cpu", Compare: "GreaterThan", Value: 80, Window: "5m", Enabled: true}}
	f := handBuilt(spec)
	p := ComputePlan(spec, f)
	t.Log("\n" + p.String())

	first := p.Phases[0]
	wantFirst := []Step{
		{Op: OpTagDroplets, Tag: Tag("legacy"), Droplets: []int{1, 2, 3}},
		{Op: OpTagDroplets, Tag: spec.Droplet.RevisionTag(), Droplets: []int{1, 2}},
	}
	for _, w := range wantFirst {
		if !slices.ContainsFunc(first, func(s Step) bool { return s.Op == w.Op && s.Tag == w.Tag && slices.Equal(s.Droplets, w.Droplets) }) {
			t.Errorf("phase 1 %v lacks %v", first, w)
		}
	}
	if len(first) != len(wantFirst) {
		t.Errorf("phase 1 is %v, want only the tags", first)
	}
	lb := phaseOf(p, func(s Step) bool { return s.Op == OpUpdateLoadBalancer })
	if lb <= 0 {
		t.Fatalf("the load balancer update must come after the tags, got phase %d", lb)
	}
	untag := phaseOf(p, func(s Step) bool { return s.Op == OpUntagDroplets && s.Tag == "web" })
	if untag <= lb {
		t.Errorf("tag web is removed in phase %d, before the load balancer (phase %d) stops targeting the droplets", untag, lb)
	}
	// Only the droplet on the old image is replaced, after its successor.
	for _, s := range p.Steps() {
		if s.Op == OpDeleteDroplets && !slices.Equal(s.Droplets, []int{3}) {
			t.Errorf("deletes %v; only droplet 3 (old image) may go", s.Droplets)
		}
		if s.Op == OpDeleteLoadBalancer || s.Op == OpCreateLoadBalancer {
			t.Errorf("step %s: the adopted load balancer must stay", s)
		}
	}
	create := phaseOf(p, func(s Step) bool { return s.Op == OpCreateDroplets })
	drain := phaseOf(p, func(s Step) bool { return s.Op == OpDrainDroplets })
	if create < 0 || drain < create {
		t.Errorf("droplet 3 must be drained (phase %d) after its replacement is created (phase %d)", drain, create)
	}
	if !slices.ContainsFunc(p.Steps(), func(s Step) bool { return s.Op == OpUpdateAlert && s.AlertID == "a1" }) {
		t.Errorf("the adopted policy a1 must be updated into the tier's alert #0:\n%s", p)
	}
	s := p.Summary
	if s.Adopted != 3 || s.Replace != 1 || s.AlertsAdopted != 1 || s.AlertsCreate != 0 || s.AlertsDelete != 0 || s.LoadBalancer != "updated" {
		t.Errorf("summary %+v", s)
	}
	if !strings.Contains(s.String(), "3 droplets will be adopted") {
		t.Errorf("summary %q", s)
	}
}

func TestPlanAdoptionReplaceDroplets(t *testing.T) {
	spec := baseSpec(3)
	spec.Name = "legacy"
	f := handBuilt(spec)
	f.Adopt.ReplaceDroplets = true
	p := ComputePlan(spec, f)
	if p.Summary.Replace != 3 || p.Summary.Adopted != 3 {
		t.Errorf("summary %+v, want 3 adopted and replaced", p.Summary)
	}
	if slices.ContainsFunc(p.Phases[0], func(s Step) bool { return s.Tag == spec.Droplet.RevisionTag() }) {
		t.Errorf("no droplet may take the revision tag when the import says user_data differs: %v", p.Phases[0])
	}
	// An unmatched adopted policy is deleted (the configuration has no alert).
	if !slices.ContainsFunc(p.Steps(), func(s Step) bool { return s.Op == OpDeleteAlert && s.AlertID == "a1" }) {
		t.Errorf("an adopted policy no alert block takes is deleted:\n%s", p)
	}
}

// Once tagged and targeted, an adopted fleet plans nothing more.
func TestPlanAdoptionDone(t *testing.T) {
	spec := baseSpec(2)
	spec.Name = "legacy"
	f := fleetOf(spec, 2, 0)
	f.Adopt = &Adoption{LoadBalancerID: "lb", DropletIDs: []int{100, 101}}
	if p := ComputePlan(spec, f); !p.Empty() {
		t.Errorf("an adopted fleet in line plans:\n%s", p)
	}
	if f.Adopting("legacy") {
		t.Error("Adopting after adoption")
	}
}

func TestAdoptedViewTagsPendingDroplets(t *testing.T) {
	spec := baseSpec(3)
	spec.Name = "legacy"
	f := handBuilt(spec)
	v := f.AdoptedView("legacy")
	for _, d := range v.Droplets {
		if !d.InService("legacy") {
			t.Errorf("droplet %d not in the view's service", d.ID)
		}
	}
	for _, d := range f.Droplets {
		if d.InService("legacy") {
			t.Errorf("AdoptedView wrote into its input (droplet %d)", d.ID)
		}
	}
}

func TestReplacementReasons(t *testing.T) {
	spec := baseSpec(3)
	spec.Name = "legacy"
	f := handBuilt(spec)
	f.Droplets[1].Size = "s-2vcpu-2gb"
	got := ReplacementReasons(spec, f)
	want := []string{
		"1 droplet is of size s-2vcpu-2gb, the configuration says s-1vcpu-1gb",
		"1 droplet runs image ubuntu-22-04-x64, the configuration says ubuntu-24-04-x64",
	}
	if !slices.Equal(got, want) {
		t.Errorf("reasons\n%q\nwant\n%q", got, want)
	}

	// Our own tier: two droplets on an older image, one built from other
	// user_data (same image and size, another revision).
	own := fleetOf(spec, 0, 3)
	for i := range own.Droplets {
		own.Droplets[i].Size, own.Droplets[i].Region, own.Droplets[i].Image = "s-1vcpu-1gb", "nyc3", "ubuntu-22-04-x64"
	}
	own.Droplets[2].Image = "ubuntu-24-04-x64"
	got = ReplacementReasons(spec, own)
	if len(got) != 2 || got[0] != "2 droplets run image ubuntu-22-04-x64, the configuration says ubuntu-24-04-x64" || !strings.HasPrefix(got[1], "1 droplet was built with other user_data or ssh_keys") {
		t.Errorf("reasons %q", got)
	}
	if r := ReplacementReasons(spec, fleetOf(spec, 3, 0)); len(r) != 0 {
		t.Errorf("a fleet in line has reasons %q", r)
	}
}

// Droplets known from state and named by the adoption are read once.
func TestWithAdoptionReadsEachDropletOnce(t *testing.T) {
	r := Ref{Name: "legacy", KnownDroplets: []int{1, 2}, Adopt: &Adoption{DropletIDs: []int{2, 3}, LoadBalancerID: "lb"}}
	got := r.withAdoption()
	if !slices.Equal(got.KnownDroplets, []int{1, 2, 3}) || got.LoadBalancerID != "lb" {
		t.Errorf("withAdoption: %+v", got)
	}
	if !slices.Equal(r.KnownDroplets, []int{1, 2}) {
		t.Errorf("withAdoption wrote into its input: %v", r.KnownDroplets)
	}
}
