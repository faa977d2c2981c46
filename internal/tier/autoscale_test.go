package tier

import (
	"fmt"
	"testing"
	"time"
)

func autoscaleSpec() Spec {
	s := baseSpec(0)
	s.Autoscale = &AutoscaleSpec{MinInstances: 2, MaxInstances: 6, TargetCPUUtilization: 0.6, CooldownMinutes: 5}
	return s
}

// poolFleet is a fleet whose droplets are members of a pool built from
// spec, carrying tags.
func poolFleet(spec Spec, members int, tags []string) Fleet {
	f := fleetOf(spec, 0, 0)
	req := poolRequest(spec, PoolName(spec.Name, 1))
	f.Pool = &AutoscalePool{ID: "pool", Name: req.Name, Status: "active", Config: req.Config, Template: req.Template}
	for i := 0; i < members; i++ {
		id := 200 + i
		f.Droplets = append(f.Droplets, Droplet{ID: id, Status: StatusActive, CreatedAt: t0, Tags: tags})
		f.Pool.Members = append(f.Pool.Members, id)
	}
	return f
}

func TestPlanAutoscale(t *testing.T) {
	spec := autoscaleSpec()
	current := spec.DropletTags()
	newImage := func() Spec {
		s := autoscaleSpec()
		s.Droplet.Image = "debian-12-x64"
		return s
	}
	cases := []struct {
		name  string
		spec  func() Spec
		fleet func() Fleet
		want  string
	}{
		{"create from nothing", autoscaleSpec, func() Fleet { return Fleet{} },
			"1: create_load_balancer | create_pool hits-pool\n2: wait_pool | wait_load_balancer\n"},
		{"converged pool is no change", autoscaleSpec, func() Fleet { return poolFleet(spec, 2, current) }, ""},
		{"the pool scaling out by itself is not drift", autoscaleSpec, func() Fleet { return poolFleet(spec, 5, current) }, ""},
		{"config change updates the pool", func() Spec {
			s := autoscaleSpec()
			s.Autoscale.MaxInstances = 9
			return s
		}, func() Fleet { return poolFleet(spec, 2, current) }, "1: update_pool pool\n"},
		{"template change replaces the pool; its members leave in waves", newImage,
			func() Fleet { return poolFleet(spec, 3, current) },
			"1: delete_pool pool\n2: roll_pool new hits-pool-2 to=3 leaving=[200 201 202]\n"},
		{"a pool being deleted keeps its name taken", newImage, func() Fleet {
			f := poolFleet(spec, 3, current)
			f.OtherPools = []AutoscalePool{{ID: "old", Name: "hits-pool-2", Status: PoolDeleting}}
			return f
		}, "1: delete_pool pool\n2: roll_pool new hits-pool-3 to=3 leaving=[200 201 202]\n"},
		{"interrupted rollout resumes with the new pool", autoscaleSpec, func() Fleet {
			f := poolFleet(spec, 1, current)
			f.Pool.Config = PoolConfig{TargetNumberInstances: 1}
			f.Droplets = append(f.Droplets, Droplet{ID: 90, Status: StatusActive, CreatedAt: t0, Tags: []string{Tag("hits"), revisionTagPrefix + "0ldrev0ldrev"}})
			return f
		}, "1: roll_pool pool to=2 leaving=[90]\n"},
		{"interrupted just before the pool took its configuration", autoscaleSpec, func() Fleet {
			f := poolFleet(spec, 3, current)
			f.Pool.Config = PoolConfig{TargetNumberInstances: 3}
			return f
		}, "1: update_pool pool\n"},
		{"a live pool left by an earlier rollout is deleted", autoscaleSpec, func() Fleet {
			f := poolFleet(spec, 2, current)
			f.OtherPools = []AutoscalePool{{ID: "stray", Name: "hits-pool-2", Status: "active"}}
			return f
		}, "1: delete_pool stray\n"},
		{"fixed to autoscale: fixed droplets leave in waves as the pool grows", autoscaleSpec, func() Fleet { return fleetOf(baseSpec(3), 3, 0) },
			"1: roll_pool new hits-pool to=3 leaving=[100 101 102]\n"},
		{"autoscale to fixed: members leave once the fixed droplets are healthy", func() Spec { return baseSpec(3) }, func() Fleet { return poolFleet(spec, 2, current) },
			"1: create_droplets wave=1 count=3\n2: wait_droplets wave=1 health\n3: delete_pool pool\n4: drain_droplets [200 201]\n5: wait_drained [200 201]\n6: delete_droplets [200 201]\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := tc.fleet()
			got := checkPure(t, tc.spec(), f)
			if got.String() != tc.want {
				t.Fatalf("plan\n%s\nwant\n%s", got, tc.want)
			}
			checkKeepPartitionsFleet(t, f, got)
		})
	}
}

func TestPlanAutoscaleSummaries(t *testing.T) {
	spec := autoscaleSpec()
	got := ComputePlan(spec, fleetOf(baseSpec(3), 3, 0)).Summary.String()
	want := "3 droplets will be replaced in 3 waves of 1; " +
		"the droplets switch to an autoscale pool (the load balancer and its IP stay); the autoscale pool will be created"
	if got != want {
		t.Errorf("summary %q\nwant %q", got, want)
	}
	s := autoscaleSpec()
	s.Droplet.Image = "debian-12-x64"
	s.Rollout.MaxSurge = Droplets(2)
	sum := ComputePlan(s, poolFleet(spec, 5, spec.DropletTags())).Summary
	if sum.Replace != 5 || sum.Waves != 3 || sum.WaveSize != 2 || sum.Pool != "replaced" {
		t.Errorf("5 members with max_surge 2: %+v, want 5 replaced in 3 waves of 2 and the pool replaced", sum)
	}
	// 8 fixed droplets into a pool of at most 6: 6 replaced, 2 only removed.
	sum = ComputePlan(spec, fleetOf(baseSpec(8), 8, 0)).Summary
	if sum.Replace != 6 || sum.Remove != 2 || sum.Create != 0 {
		t.Errorf("8 fixed into max 6: %+v, want 6 replaced and 2 removed", sum)
	}
	// 1 fixed droplet into a pool of at least 2: 1 replaced, 1 created.
	sum = ComputePlan(spec, fleetOf(baseSpec(1), 1, 0)).Summary
	if sum.Replace != 1 || sum.Create != 1 || sum.Remove != 0 {
		t.Errorf("1 fixed into min 2: %+v, want 1 replaced and 1 created", sum)
	}
}

// Whatever mix of pool members, fixed droplets (current or outdated) and
// broken droplets a tier has, switching either way or rolling the pool,
// the plan keeps and deletes each droplet exactly once and never aliases
// its inputs.
func TestPlanAutoscaleKeepPartitionsFleetExhaustive(t *testing.T) {
	for members := 0; members <= 4; members++ {
		for fixedCur := 0; fixedCur <= 3; fixedCur++ {
			for fixedOld := 0; fixedOld <= 3; fixedOld++ {
				for broken := 0; broken <= 2; broken++ {
					for _, toAutoscale := range []bool{true, false} {
						for _, newImage := range []bool{true, false} {
							name := fmt.Sprintf("members=%d fixed=%d+%d old broken=%d autoscale=%v new image=%v", members, fixedCur, fixedOld, broken, toAutoscale, newImage)
							t.Run(name, func(t *testing.T) {
								spec, f := mixedFleet(members, fixedCur, fixedOld, broken, toAutoscale, newImage)
								checkKeepPartitionsFleet(t, f, checkPure(t, spec, f))
							})
						}
					}
				}
			}
		}
	}
}

// mixedFleet is a tier with a pool of members (built from autoscaleSpec),
// fixed droplets of the same template or an older one, and broken ones;
// the spec asks for autoscale or 2 fixed droplets, on the same image or a
// new one.
func mixedFleet(members, fixedCur, fixedOld, broken int, toAutoscale, newImage bool) (Spec, Fleet) {
	built := autoscaleSpec()
	var f Fleet
	if members > 0 {
		f = poolFleet(built, members, built.DropletTags())
	} else {
		f = fleetOf(built, 0, 0)
	}
	id := 300
	add := func(status string, tags []string) {
		f.Droplets = append(f.Droplets, Droplet{ID: id, Status: status, CreatedAt: t0.Add(time.Duration(id) * time.Minute), Tags: tags})
		id++
	}
	for range fixedCur {
		add(StatusActive, built.DropletTags())
	}
	for range fixedOld {
		add(StatusActive, []string{Tag(built.Name), revisionTagPrefix + "0ldrev0ldrev"})
	}
	for i := range broken {
		if i%2 == 0 {
			add(StatusOff, built.DropletTags())
		} else {
			add(StatusActive, []string{DrainTag(built.Name)})
		}
	}
	spec := autoscaleSpec()
	if !toAutoscale {
		spec = baseSpec(2)
	}
	if newImage {
		spec.Droplet.Image = "debian-12-x64"
	}
	return spec, f
}
