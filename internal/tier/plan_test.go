package tier

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func baseSpec(n int) Spec {
	return Spec{
		Name:   "hits",
		Region: "nyc3",
		Droplet: DropletSpec{
			Instances: n, Size: "s-1vcpu-1gb", Image: "ubuntu-24-04-x64", Monitoring: true,
		},
		LoadBalancer: LoadBalancerSpec{
			SizeUnit: 1, HTTPIdleTimeoutSeconds: 60,
			ForwardingRules: []ForwardingRule{{EntryProtocol: "http", EntryPort: 80, TargetProtocol: "http", TargetPort: 80}},
			HealthCheck:     HealthCheck{Protocol: "http", Port: 80, Path: "/", CheckIntervalSeconds: 10, ResponseTimeoutSeconds: 5, HealthyThreshold: 3, UnhealthyThreshold: 3},
			StickySessions:  StickySessions{Type: "none"},
		},
		Rollout: RolloutSpec{MaxSurge: Droplets(1), MaxUnavailable: Droplets(0), Health: HealthLoadBalancer, HealthTimeout: 10 * time.Minute},
	}
}

// fleetOf builds a fleet with a matching load balancer and n droplets of
// spec's template (rev) or an older one.
func fleetOf(spec Spec, current, outdated int) Fleet {
	f := Fleet{LoadBalancer: &LoadBalancer{ID: "lb", Name: LoadBalancerName(spec.Name), Tag: Tag(spec.Name), Status: "active", Spec: loadBalancerFor(spec, false)}}
	id := 100
	add := func(tags []string) {
		f.Droplets = append(f.Droplets, Droplet{ID: id, Name: fmt.Sprintf("hits-%d", id), Status: StatusActive, CreatedAt: t0.Add(time.Duration(id) * time.Minute), Tags: tags, Monitoring: true})
		id++
	}
	for i := 0; i < outdated; i++ {
		add([]string{Tag(spec.Name), revisionTagPrefix + "0ldrev0ldrev"})
	}
	for i := 0; i < current; i++ {
		add(spec.DropletTags())
	}
	return f
}

// simulate runs a plan against a model of the fleet and checks the rollout
// invariants after every phase: serving droplets never below
// instances - max_unavailable (when the fleet started at or above it), and
// never more than instances + max_surge droplets during a rollout.
func simulate(t *testing.T, spec Spec, f Fleet, p Plan) (serving, total int) {
	t.Helper()
	type st struct{ serving, exists bool }
	world := map[string]*st{}
	for _, d := range f.Droplets {
		world[fmt.Sprint(d.ID)] = &st{serving: d.Status == StatusActive && d.InService(spec.Name), exists: true}
	}
	count := func() (serving, total int) {
		for _, s := range world {
			if s.exists {
				total++
				if s.serving {
					serving++
				}
			}
		}
		return
	}
	startServing, startTotal := count()
	n := spec.Droplet.Instances
	surge, unavailable := spec.Rollout.Budgets(n)
	floor := n - unavailable
	ceiling := max(n+surge, startTotal)
	for i, ph := range p.Phases {
		for _, s := range ph {
			switch s.Op {
			case OpCreateDroplets:
				for k := 0; k < s.Count; k++ {
					world[fmt.Sprintf("w%d-%d", s.Wave, k)] = &st{exists: true}
				}
			case OpWaitDroplets:
				for k, v := range world {
					if strings.HasPrefix(k, fmt.Sprintf("w%d-", s.Wave)) {
						v.serving = true
					}
				}
			case OpDrainDroplets:
				for _, id := range s.Droplets {
					world[fmt.Sprint(id)].serving = false
				}
			case OpDeleteDroplets:
				for _, id := range s.Droplets {
					if world[fmt.Sprint(id)].serving {
						t.Fatalf("phase %d deletes droplet %d while it is still in service\n%s", i+1, id, p)
					}
					world[fmt.Sprint(id)].exists = false
				}
			}
		}
		serving, total := count()
		if startServing >= floor && serving < floor {
			t.Fatalf("after phase %d only %d droplets serve, floor is %d\n%s", i+1, serving, floor, p)
		}
		if total > ceiling {
			t.Fatalf("after phase %d there are %d droplets, ceiling is %d\n%s", i+1, total, ceiling, p)
		}
	}
	return count()
}

func TestPlanRolloutShapes(t *testing.T) {
	cases := []struct {
		name                 string
		instances, cur, old  int
		surge, unavailable   int
		wantWaves, wantSize  int
		wantCreate, wantRepl int
		wantRemove           int
	}{
		{"replace 4 with surge 1", 4, 0, 4, 1, 0, 4, 1, 0, 4, 0},
		{"replace 3 in 3 waves of 1", 3, 0, 3, 1, 0, 3, 1, 0, 3, 0},
		{"single droplet surge 1", 1, 0, 1, 1, 0, 1, 1, 0, 1, 0},
		{"single droplet surge 0 unavailable 1", 1, 0, 1, 0, 1, 1, 1, 0, 1, 0},
		{"surge 0 unavailable 1", 4, 0, 4, 0, 1, 4, 1, 0, 4, 0},
		{"surge larger than instances", 2, 0, 2, 5, 0, 1, 2, 0, 2, 0},
		{"surge 2 unavailable 1", 6, 0, 6, 2, 1, 2, 3, 0, 6, 0},
		{"half rolled out resumes", 4, 2, 2, 1, 0, 2, 1, 0, 2, 0},
		{"scale out during rollout", 5, 0, 3, 1, 0, 3, 3, 2, 3, 0},
		{"scale in during rollout", 2, 0, 5, 1, 0, 2, 1, 0, 2, 3},
		{"surge 10 on 10", 10, 0, 10, 10, 0, 1, 10, 0, 10, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			spec := baseSpec(tc.instances)
			spec.Rollout.MaxSurge, spec.Rollout.MaxUnavailable = Droplets(tc.surge), Droplets(tc.unavailable)
			f := fleetOf(spec, tc.cur, tc.old)
			p := ComputePlan(spec, f)
			s := p.Summary
			if s.Waves != tc.wantWaves || s.WaveSize != tc.wantSize || s.Create != tc.wantCreate || s.Replace != tc.wantRepl || s.Remove != tc.wantRemove {
				t.Fatalf("summary %+v, want waves=%d size=%d create=%d replace=%d remove=%d\n%s", s, tc.wantWaves, tc.wantSize, tc.wantCreate, tc.wantRepl, tc.wantRemove, p)
			}
			serving, total := simulate(t, spec, f, p)
			if serving != tc.instances || total != tc.instances {
				t.Fatalf("ends with %d serving of %d, want %d\n%s", serving, total, tc.instances, p)
			}
			for _, st := range p.Steps() {
				if st.Op == OpWaitDroplets && !st.Health {
					t.Errorf("rollout wait without health gating: %v", st)
				}
			}
		})
	}
}

// Every shape of instances, surge and unavailable keeps the invariants.
func TestPlanRolloutInvariantsExhaustive(t *testing.T) {
	for n := 1; n <= 7; n++ {
		for cur := 0; cur <= n+2; cur++ {
			for old := 0; old <= n+2; old++ {
				for surge := 0; surge <= n+1; surge++ {
					for unavailable := 0; unavailable <= n; unavailable++ {
						if surge == 0 && unavailable == 0 {
							continue
						}
						spec := baseSpec(n)
						spec.Rollout.MaxSurge, spec.Rollout.MaxUnavailable = Droplets(surge), Droplets(unavailable)
						f := fleetOf(spec, cur, old)
						name := fmt.Sprintf("n=%d cur=%d old=%d surge=%d unavail=%d", n, cur, old, surge, unavailable)
						t.Run(name, func(t *testing.T) {
							p := checkPure(t, spec, f)
							checkKeepPartitionsFleet(t, f, p)
							serving, total := simulate(t, spec, f, p)
							if serving != n || total != n {
								t.Fatalf("ends with %d serving of %d, want %d\n%s", serving, total, n, p)
							}
							if again := ComputePlan(spec, f); again.String() != p.String() {
								t.Fatalf("plan is not deterministic:\n%s\n%s", p, again)
							}
						})
					}
				}
			}
		}
	}
}

func TestPlanCreateIsOneConcurrentPhase(t *testing.T) {
	spec := baseSpec(25)
	spec.Alerts = []AlertSpec{{Metric: "cpu", Compare: "GreaterThan", Value: 85, Window: "5m", Emails: []string{"ops@example.com"}, Enabled: true}}
	p := ComputePlan(spec, Fleet{})
	want := "1: create_load_balancer | create_alert #0 | create_droplets wave=1 count=25\n2: wait_droplets wave=1 | wait_load_balancer\n"
	if p.String() != want {
		t.Fatalf("plan\n%s\nwant\n%s", p, want)
	}
	if got := p.Summary.String(); got != "25 droplets will be created; the load balancer will be created; alert policies: 1 to create, 0 to update, 0 to delete" {
		t.Errorf("summary %q", got)
	}
}

func TestPlanScaleInDrainsNewestFirstBeforeDelete(t *testing.T) {
	spec := baseSpec(1)
	f := fleetOf(spec, 3, 0) // ids 100, 101, 102; 102 is newest
	p := ComputePlan(spec, f)
	want := "1: drain_droplets [102 101]\n2: wait_drained [102 101]\n3: delete_droplets [102 101]\n"
	if p.String() != want {
		t.Fatalf("plan\n%s\nwant\n%s", p, want)
	}
	spec.Rollout.ScaleInPolicy = ScaleInOldestFirst
	if got := ComputePlan(spec, f).String(); got != "1: drain_droplets [100 101]\n2: wait_drained [100 101]\n3: delete_droplets [100 101]\n" {
		t.Fatalf("oldest first plan\n%s", got)
	}
}

func TestPlanConvergedFleetIsEmpty(t *testing.T) {
	spec := baseSpec(3)
	spec.Alerts = []AlertSpec{{Metric: "cpu", Compare: "GreaterThan", Value: 85, Window: "5m", Enabled: true}}
	f := fleetOf(spec, 3, 0)
	req := alertRequest(spec, 0, "lb")
	f.Alerts = []AlertPolicy{{UUID: "a", AlertRequest: AlertRequest{Type: req.Type, Description: req.Description, Compare: req.Compare, Value: req.Value, Window: req.Window, Tags: req.Tags, Entities: req.Entities, Enabled: true}}}
	if p := ComputePlan(spec, f); !p.Empty() || !p.Summary.Empty() {
		t.Fatalf("converged fleet has a plan:\n%s%+v", p, p.Summary)
	}
}

func TestPlanRepairs(t *testing.T) {
	spec := baseSpec(3)
	cases := []struct {
		name   string
		mutate func(*Fleet)
		want   string
	}{
		{"droplet deleted out of band", func(f *Fleet) { f.Droplets = f.Droplets[:2] },
			"1: create_droplets wave=1 count=1\n2: wait_droplets wave=1\n"},
		{"load balancer deleted out of band", func(f *Fleet) { f.LoadBalancer = nil },
			"1: create_load_balancer\n2: wait_load_balancer\n"},
		{"load balancer setting changed", func(f *Fleet) { f.LoadBalancer.Spec.SizeUnit = 2 },
			"1: update_load_balancer\n"},
		{"tagged stranger", func(f *Fleet) {
			f.Droplets = append(f.Droplets, Droplet{ID: 999, Status: StatusActive, CreatedAt: t0, Tags: []string{Tag("hits")}})
		}, "1: drain_droplets [999]\n2: wait_drained [999]\n3: delete_droplets [999]\n"},
		{"killed droplet", func(f *Fleet) { f.Droplets[1].Status = StatusOff },
			"1: delete_droplets [101] | create_droplets wave=1 count=1\n2: wait_droplets wave=1\n"},
		{"drained but not deleted", func(f *Fleet) { f.Droplets[2].Tags = []string{DrainTag("hits")} },
			"1: delete_droplets [102] | create_droplets wave=1 count=1\n2: wait_droplets wave=1\n"},
		{"booting droplet from a crashed apply", func(f *Fleet) { f.Droplets[2].Status = StatusNew },
			"1: wait_droplets wave=0 also=[102]\n"},
		{"extra tag removed and missing tag added", func(f *Fleet) {
			f.Droplets[0].Tags = append(f.Droplets[0].Tags, "old")
		}, "1: untag_droplets old [100]\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := fleetOf(spec, 3, 0)
			tc.mutate(&f)
			if got := ComputePlan(spec, f).String(); got != tc.want {
				t.Fatalf("plan\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

func TestPlanBackupsAndTagsOnStayingDroplets(t *testing.T) {
	spec := baseSpec(2)
	spec.Tags = []string{"env:prod"}
	f := fleetOf(baseSpec(2), 2, 0) // built without the extra tag: same revision
	spec.Droplet.Backups = &BackupSpec{Plan: "weekly", Weekday: "SUN", Hour: 4}
	p := checkPure(t, spec, f)
	want := "1: tag_droplets env:prod [100 101] | set_backups weekly [100 101]\n"
	if p.String() != want {
		t.Fatalf("plan\n%s\nwant\n%s", p, want)
	}
	// Observed policy differing is a change; matching is none.
	f.Droplets[0].Backups, f.Droplets[1].Backups = true, true
	f.Droplets[0].BackupPolicy = &BackupSpec{Plan: "weekly", Weekday: "SUN", Hour: 4}
	f.Droplets[1].BackupPolicy = &BackupSpec{Plan: "daily", Hour: 4}
	for i := range f.Droplets {
		f.Droplets[i].Tags = append(f.Droplets[i].Tags, "env:prod")
	}
	if got := ComputePlan(spec, f).String(); got != "1: set_backups weekly [101]\n" {
		t.Fatalf("plan\n%s", got)
	}
}

func TestPlanAlerts(t *testing.T) {
	spec := baseSpec(1)
	spec.Alerts = []AlertSpec{
		{Metric: "cpu", Compare: "GreaterThan", Value: 85, Window: "5m", Enabled: true},
		{Metric: "lb_cpu", Compare: "GreaterThan", Value: 90, Window: "10m", Enabled: true},
	}
	// Creating everything: the load balancer alert waits for the load
	// balancer's id.
	p := ComputePlan(spec, Fleet{})
	want := "1: create_load_balancer | create_alert #0 | create_droplets wave=1 count=1\n2: wait_droplets wave=1 | wait_load_balancer | create_alert #1\n"
	if p.String() != want {
		t.Fatalf("plan\n%s\nwant\n%s", p, want)
	}
	f := fleetOf(spec, 1, 0)
	r0 := alertRequest(spec, 0, "lb")
	f.Alerts = []AlertPolicy{
		{UUID: "u0", AlertRequest: AlertRequest{Type: r0.Type, Description: r0.Description, Compare: r0.Compare, Value: 70, Window: r0.Window, Tags: r0.Tags, Enabled: true}},
		{UUID: "u5", AlertRequest: AlertRequest{Description: "old [scalable-tier:hits#5]"}},
		{UUID: "other", AlertRequest: AlertRequest{Description: "someone else's [scalable-tier:other#0]"}},
	}
	got := ComputePlan(spec, f).String()
	if got != "1: update_alert #0 u0 | create_alert #1 | delete_alert u5\n" {
		t.Fatalf("plan\n%s", got)
	}
}

func TestRevisionIgnoresSSHKeyOrderButNotContent(t *testing.T) {
	a := DropletSpec{Size: "s", Image: "i", SSHKeys: []string{"1", "2"}}
	b := DropletSpec{Size: "s", Image: "i", SSHKeys: []string{"2", "1"}}
	if a.Revision() != b.Revision() {
		t.Error("key order changes the revision")
	}
	for _, mutate := range []func(*DropletSpec){
		func(d *DropletSpec) { d.UserData = "#cloud-config" },
		func(d *DropletSpec) { d.Image = "other" },
		func(d *DropletSpec) { d.Size = "other" },
		func(d *DropletSpec) { d.SSHKeys = []string{"3"} },
		func(d *DropletSpec) { d.IPv6 = true },
		func(d *DropletSpec) { d.Monitoring = true },
	} {
		c := a
		mutate(&c)
		if c.Revision() == a.Revision() {
			t.Errorf("change %+v keeps the revision", c)
		}
	}
	// Instances, backups and tags change in place: same revision.
	c := a
	c.Instances, c.Backups = 9, &BackupSpec{Plan: "daily"}
	if c.Revision() != a.Revision() {
		t.Error("instances or backups change the revision")
	}
}

func TestPlanKeepsTheDropletsThatStay(t *testing.T) {
	spec := baseSpec(4)
	f := fleetOf(spec, 2, 2) // 100, 101 outdated; 102, 103 current
	if got := ComputePlan(spec, f).Keep; !slices.Equal(got, []int{102, 103}) {
		t.Errorf("keep %v, want the current droplets [102 103]", got)
	}
	spec.Droplet.Instances = 1
	if got := ComputePlan(spec, f).Keep; !slices.Equal(got, []int{102}) {
		t.Errorf("keep %v after scale-in to 1, want the oldest current [102]", got)
	}
}

// removedBy is every droplet a plan deletes: by delete step, or as an old
// droplet an autoscale rollout drains and deletes.
func removedBy(p Plan) []int {
	var out []int
	for _, s := range p.Steps() {
		if s.Op == OpDeleteDroplets || s.Op == OpRollPool {
			out = append(out, s.Droplets...)
		}
	}
	return out
}

// checkKeepPartitionsFleet asserts the plan's Keep and the droplets it
// deletes are disjoint and together are the whole fleet, each droplet once.
func checkKeepPartitionsFleet(t *testing.T, f Fleet, p Plan) {
	t.Helper()
	seen := map[int]string{}
	for _, id := range p.Keep {
		if seen[id] != "" {
			t.Fatalf("keep %v lists %d twice\n%s", p.Keep, id, p)
		}
		seen[id] = "kept"
	}
	for _, id := range removedBy(p) {
		switch seen[id] {
		case "kept":
			t.Fatalf("droplet %d is in keep %v and deleted by the plan\n%s", id, p.Keep, p)
		case "deleted":
			t.Fatalf("droplet %d is deleted twice\n%s", id, p)
		}
		seen[id] = "deleted"
	}
	for _, d := range f.Droplets {
		if seen[d.ID] == "" {
			t.Fatalf("droplet %d is neither kept nor deleted (keep %v)\n%s", d.ID, p.Keep, p)
		}
		delete(seen, d.ID)
	}
	if len(seen) > 0 {
		t.Fatalf("the plan keeps or deletes droplets not in the fleet: %v\n%s", seen, p)
	}
}

// checkPure asserts ComputePlan leaves its inputs as they were and returns
// nothing that shares memory with them: scribbling over the inputs
// afterwards does not change the plan. The caller's values are not touched.
func checkPure(t *testing.T, spec Spec, f Fleet) Plan {
	t.Helper()
	spec, f = deepCopy(t, spec), deepCopy(t, f)
	before := asJSON(t, spec) + asJSON(t, f)
	p := ComputePlan(spec, f)
	if after := asJSON(t, spec) + asJSON(t, f); after != before {
		t.Fatalf("ComputePlan changed its inputs:\n%s\nnot\n%s", after, before)
	}
	printed, keep := p.String(), slices.Clone(p.Keep)
	scribble(reflect.ValueOf(&spec).Elem())
	scribble(reflect.ValueOf(&f).Elem())
	if p.String() != printed || !slices.Equal(p.Keep, keep) {
		t.Fatalf("the plan shares memory with its inputs: after changing them it reads\n%s%v\nnot\n%s%v", p, p.Keep, printed, keep)
	}
	return p
}

func asJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func deepCopy[T any](t *testing.T, v T) T {
	t.Helper()
	var out T
	if err := json.Unmarshal([]byte(asJSON(t, v)), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// scribble overwrites every int and string reachable through slices and
// pointers, in place.
func scribble(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			scribble(v.Elem())
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			scribble(v.Index(i))
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Field(i).CanSet() {
				scribble(v.Field(i))
			}
		}
	case reflect.Int:
		if v.CanSet() {
			v.SetInt(-7)
		}
	case reflect.String:
		if v.CanSet() {
			v.SetString("scribbled")
		}
	}
}

// A rollout stopped half way, then a scale-in: the newest current droplet
// and the outdated one go, the two older current droplets stay.
func TestPlanScaleInDuringStoppedRolloutKeepsWhatStays(t *testing.T) {
	spec := baseSpec(2)
	f := fleetOf(spec, 3, 1) // 100 outdated; 101, 102, 103 current
	p := checkPure(t, spec, f)
	if !slices.Equal(p.Keep, []int{101, 102}) {
		t.Errorf("keep %v, want [101 102]\n%s", p.Keep, p)
	}
	checkKeepPartitionsFleet(t, f, p)
}

// Load balancers other than the tier's that target its tag are deleted
// with the first phase; the tier's own stays.
func TestPlanDeletesExtraLoadBalancers(t *testing.T) {
	spec := baseSpec(2)
	f := fleetOf(spec, 2, 0)
	f.ExtraLoadBalancers = []LoadBalancer{{ID: "x1", Name: "stray", Tag: Tag("hits")}, {ID: "x2", Name: "hits-lb", Tag: Tag("hits")}}
	p := checkPure(t, spec, f)
	if want := "1: delete_load_balancer x1 | delete_load_balancer x2\n"; p.String() != want {
		t.Fatalf("plan\n%s\nwant\n%s", p, want)
	}
	if got := p.Summary.String(); got != "2 extra load balancers targeting the tier's tag will be deleted" {
		t.Errorf("summary %q", got)
	}
	auto := autoscaleSpec()
	pf := poolFleet(auto, 2, auto.DropletTags())
	pf.ExtraLoadBalancers = f.ExtraLoadBalancers
	if got := checkPure(t, auto, pf).String(); got != "1: delete_load_balancer x1 | delete_load_balancer x2\n" {
		t.Errorf("autoscaled tier plan\n%s", got)
	}
}
