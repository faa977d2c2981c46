package tier

import (
	"testing"
)

func autoscaleSpec() Spec {
	s := baseSpec(0)
	s.Autoscale = &AutoscaleSpec{MinInstances: 2, MaxInstances: 6, TargetCPUUtilization: 0.6, CooldownMinutes: 5}
	return s
}

// poolFleet is a fleet whose n droplets are members of a pool matching spec
// (built from template revision rev).
func poolFleet(spec Spec, members int, tags []string) Fleet {
	f := fleetOf(spec, 0, 0)
	req := poolRequest(spec)
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
	older := []string{Tag("hits"), revisionTagPrefix + "0ldrev0ldrev"}
	cases := []struct {
		name  string
		spec  func() Spec
		fleet func() Fleet
		want  string
	}{
		{"create from nothing", autoscaleSpec, func() Fleet { return Fleet{} },
			"1: create_load_balancer | create_pool\n2: wait_pool | wait_load_balancer\n"},
		{"converged pool is no change", autoscaleSpec, func() Fleet { return poolFleet(spec, 2, current) }, ""},
		{"the pool scaling out by itself is not drift", autoscaleSpec, func() Fleet { return poolFleet(spec, 5, current) }, ""},
		{"config change updates the pool", func() Spec {
			s := autoscaleSpec()
			s.Autoscale.MaxInstances = 9
			return s
		}, func() Fleet { return poolFleet(spec, 2, current) }, "1: update_pool\n"},
		{"template change updates the pool and rolls its members", func() Spec {
			s := autoscaleSpec()
			s.Droplet.Image = "debian-12-x64"
			return s
		}, func() Fleet { return poolFleet(spec, 3, current) }, "1: update_pool\n2: roll_pool [200 201 202]\n"},
		{"interrupted roll resumes", autoscaleSpec, func() Fleet { return poolFleet(spec, 3, older) }, "1: roll_pool [200 201 202]\n"},
		{"fixed to autoscale: fixed droplets leave once the pool is healthy", autoscaleSpec, func() Fleet { return fleetOf(baseSpec(3), 3, 0) },
			"1: create_pool\n2: wait_pool health\n3: drain_droplets [100 101 102]\n4: wait_drained [100 101 102]\n5: delete_droplets [100 101 102]\n"},
		{"autoscale to fixed: members leave once the fixed droplets are healthy", func() Spec { return baseSpec(3) }, func() Fleet { return poolFleet(spec, 2, current) },
			"1: create_droplets wave=1 count=3\n2: wait_droplets wave=1 health\n3: delete_pool\n4: drain_droplets [200 201]\n5: wait_drained [200 201]\n6: delete_droplets [200 201]\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := ComputePlan(tc.spec(), tc.fleet())
			if got.String() != tc.want {
				t.Fatalf("plan\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

func TestPlanAutoscaleSummaries(t *testing.T) {
	spec := autoscaleSpec()
	got := ComputePlan(spec, fleetOf(baseSpec(3), 3, 0)).Summary.String()
	want := "2 droplets will be created; 3 droplets will be drained from the load balancer and deleted; " +
		"the droplets switch to an autoscale pool (the load balancer and its IP stay); the autoscale pool will be created"
	if got != want {
		t.Errorf("summary %q\nwant %q", got, want)
	}
	s := autoscaleSpec()
	s.Droplet.Image = "debian-12-x64"
	sum := ComputePlan(s, poolFleet(spec, 3, spec.DropletTags())).Summary
	if sum.Replace != 3 || sum.Waves != 1 || sum.WaveSize != 3 {
		t.Errorf("a pool rolls its 3 members at once, whatever max_surge: %+v", sum)
	}
}
