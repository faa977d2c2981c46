package provider_test

import (
	"fmt"
	"regexp"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/scalable-tf/terraform-provider-scalable/internal/acctest"
	"github.com/scalable-tf/terraform-provider-scalable/internal/sandbox"
)

// rolloutConfig is a tier of n droplets on image with a rollout block.
func rolloutConfig(e *acctest.Env, name string, n int, image, rollout string) string {
	return e.ProviderConfig() + fmt.Sprintf(`
resource "scalable_web_tier" "web" {
  name   = %q
  region = "nyc3"
  droplet {
    instances = %d
    size      = "s-1vcpu-1gb"
    image     = %q
  }
  load_balancer {
    forwarding_rule {
      entry_protocol  = "http"
      entry_port      = 80
      target_protocol = "http"
      target_port     = 80
    }
  }
  rollout {
%s
  }
}
`, name, n, image, rollout)
}

// checkImages asserts every droplet of the tier runs image.
func checkImages(e *acctest.Env, tag, image string, n int) resource.TestCheckFunc {
	return func(*terraform.State) error {
		ds := e.Tagged(tag)
		if len(ds) != n {
			return fmt.Errorf("%d droplets tagged %s, want %d", len(ds), tag, n)
		}
		for _, d := range ds {
			if d.Image == nil || d.Image.Slug != image {
				return fmt.Errorf("droplet %s runs %v, want %s", d.Name, d.Image, image)
			}
		}
		return nil
	}
}

// An image change on 4 droplets with max_surge 1 rolls through in waves:
// a sampler polling the sandbox throughout sees at least 4 healthy droplets
// in service at every moment and never more than 5 droplets.
func TestAccWebTierRollingImageUpdateKeepsCapacity(t *testing.T) {
	e := acctest.New(t)
	const tag = "scalable-tier:roll"
	var sampler *acctest.Sampler
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.Factories(),
		CheckDestroy:             e.CheckEmpty,
		Steps: []resource.TestStep{
			{
				Config: rolloutConfig(e, "roll", 4, "ubuntu-22-04-x64", `    max_surge = 1`),
				Check:  checkImages(e, tag, "ubuntu-22-04-x64", 4),
			},
			{
				PreConfig: func() {
					if err := e.WaitHealthy(tag, 4, 20*time.Second); err != nil {
						t.Fatal(err)
					}
					sampler = e.Sample(tag)
				},
				Config: rolloutConfig(e, "roll", 4, "ubuntu-24-04-x64", `    max_surge = 1`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
						plancheck.ExpectUnknownValue(addr, tfpath("droplets").AtSliceIndex(0)),
						plancheck.ExpectUnknownValue(addr, tfpath("droplets").AtSliceIndex(3)),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					checkImages(e, tag, "ubuntu-24-04-x64", 4),
					func(*terraform.State) error {
						minHealthy, maxTotal, samples := sampler.Stop()
						t.Logf("rollout: %d samples, fewest healthy in service %d, most droplets %d", samples, minHealthy, maxTotal)
						if samples < 50 {
							return fmt.Errorf("only %d samples: the sampler did not watch the rollout", samples)
						}
						if minHealthy < 4 {
							return fmt.Errorf("healthy droplets in service dropped to %d, floor is 4", minHealthy)
						}
						if maxTotal > 5 {
							return fmt.Errorf("the tier had %d droplets at once, ceiling is 4 + max_surge 1", maxTotal)
						}
						return nil
					},
				),
			},
		},
	})
}

// New droplets that never become healthy stop the rollout: the error names
// them and what the health check saw, they are removed, the old droplets
// keep serving, and a later apply with a good image completes.
func TestAccWebTierFailedRolloutKeepsOldDropletsServing(t *testing.T) {
	e := acctest.New(t)
	const tag = "scalable-tier:broken"
	var oldIDs []int
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.Factories(),
		CheckDestroy:             e.CheckEmpty,
		Steps: []resource.TestStep{
			{
				Config: rolloutConfig(e, "broken", 3, "ubuntu-22-04-x64", `    health_timeout = "3s"`),
				Check: func(s *terraform.State) error {
					var err error
					oldIDs, err = dropletIDs(s)
					return err
				},
			},
			{
				// Under load the load balancer may not have checked the new
				// droplet yet when the wave times out; both verdicts are true.
				Config: rolloutConfig(e, "broken", 3, "broken-ubuntu-24-04-x64", `    health_timeout = "5s"`),
				ExpectError: regexp.MustCompile(`(?s)rollout\s+stopped:\s+wave\s+1\s+was\s+not\s+healthy\s+within\s+5s;\s+removed\s+broken-[a-z0-9]{4}\s+\(\d+\).*` +
					`previous\s+droplets\s+keep\s+serving.*health\s+check\s+saw:.*(failing\s+the\s+load\s+balancer's\s+health\s+check|not\s+yet\s+checked\s+by\s+the\s+load\s+balancer)`),
			},
			{
				RefreshState:       true,
				ExpectNonEmptyPlan: true, // the rollout is still to do
				Check: resource.ComposeAggregateTestCheckFunc(
					checkImages(e, tag, "ubuntu-22-04-x64", 3),
					func(s *terraform.State) error {
						ids, err := dropletIDs(s)
						if err != nil {
							return err
						}
						if !slices.Equal(ids, oldIDs) {
							return fmt.Errorf("droplets %v after the failed rollout, want the old ones %v", ids, oldIDs)
						}
						if n := e.Inventory().Droplets; n != 3 {
							return fmt.Errorf("sandbox holds %d droplets, want 3: the failed ones must be gone", n)
						}
						return e.WaitHealthy(tag, 3, 5*time.Second)
					},
				),
			},
			{
				Config:           rolloutConfig(e, "broken", 3, "ubuntu-24-04-x64", `    health_timeout = "30s"`),
				ConfigPlanChecks: emptyPlan(),
				Check:            checkImages(e, tag, "ubuntu-24-04-x64", 3),
			},
		},
	})
}

// With max_surge 0 and max_unavailable 1 a rollout never adds droplets: it
// takes one out, replaces it, and moves on.
func TestAccWebTierRolloutWithoutSurge(t *testing.T) {
	e := acctest.New(t)
	const tag = "scalable-tier:nosurge"
	var sampler *acctest.Sampler
	rollout := "    max_surge       = 0\n    max_unavailable = 1\n    health          = \"droplet_status\""
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.Factories(),
		CheckDestroy:             e.CheckEmpty,
		Steps: []resource.TestStep{
			{Config: rolloutConfig(e, "nosurge", 3, "ubuntu-22-04-x64", rollout)},
			{
				PreConfig: func() { sampler = e.Sample(tag) },
				Config:    rolloutConfig(e, "nosurge", 3, "debian-13-x64", rollout),
				Check: resource.ComposeAggregateTestCheckFunc(
					checkImages(e, tag, "debian-13-x64", 3),
					func(*terraform.State) error {
						_, maxTotal, _ := sampler.Stop()
						if maxTotal > 3 {
							return fmt.Errorf("the tier had %d droplets at once with max_surge 0", maxTotal)
						}
						return nil
					},
				),
			},
		},
	})
}

// Rollout health "http": the provider requests the health check path on
// each new droplet itself, on its (loopback) public address, with the
// provider's own prober. A broken image never answers 200, so the wave
// stops with what the probe saw; a good image rolls through.
func TestAccWebTierRolloutHealthHTTP(t *testing.T) {
	e := acctest.New(t, func(o *sandbox.Options) { o.Traffic = true })
	const tag = "scalable-tier:probe"
	rollout := "    health         = \"http\"\n    health_timeout = \"2s\""
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.Factories(),
		CheckDestroy:             e.CheckEmpty,
		Steps: []resource.TestStep{
			{Config: rolloutConfig(e, "probe", 2, "ubuntu-22-04-x64", rollout)},
			{
				Config:      rolloutConfig(e, "probe", 2, "broken-debian-13-x64", rollout),
				ExpectError: regexp.MustCompile(`(?s)rollout\s+stopped.*health\s+check\s+saw:\s+probe-[a-z0-9]{4}\s+\(\d+\):\s+GET\s+http://127\.[\d.]+:\d+/\s+answered\s+500`),
			},
			{
				Config:           rolloutConfig(e, "probe", 2, "debian-13-x64", rollout),
				ConfigPlanChecks: emptyPlan(),
				Check:            checkImages(e, tag, "debian-13-x64", 2),
			},
		},
	})
}

// Scale-in (and replacement) never deletes a droplet that still carries the
// tier tag: every deletion the sandbox records shows the droplet already
// out of the load balancer's tag.
func TestAccWebTierNeverDeletesATaggedDroplet(t *testing.T) {
	e := acctest.New(t)
	const tag = "scalable-tier:drain"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.Factories(),
		Steps: []resource.TestStep{
			{Config: rolloutConfig(e, "drain", 5, "ubuntu-22-04-x64", `    health = "droplet_status"`)},
			{Config: rolloutConfig(e, "drain", 2, "ubuntu-22-04-x64", `    health = "droplet_status"`)},
			{Config: rolloutConfig(e, "drain", 2, "ubuntu-24-04-x64", `    health = "droplet_status"`)},
			{
				Config: rolloutConfig(e, "drain", 1, "ubuntu-24-04-x64", `    scale_in_policy = "oldest_first"
    health          = "droplet_status"`),
				Check: func(*terraform.State) error {
					dels := e.Sandbox.DropletDeletions()
					if len(dels) != 3+2+1 {
						return fmt.Errorf("%d deletions, want 6 (scale-in 3, replacement 2, scale-in 1)", len(dels))
					}
					for _, d := range dels {
						if slices.Contains(d.Tags, tag) {
							return fmt.Errorf("droplet %s was deleted while still tagged %s (tags %v)", d.Name, tag, d.Tags)
						}
						if !slices.Contains(d.Tags, "scalable-drain:drain") {
							return fmt.Errorf("droplet %s was deleted without the drain tag (tags %v)", d.Name, d.Tags)
						}
					}
					return nil
				},
			},
		},
		CheckDestroy: e.CheckEmpty,
	})
}

// A rollout that fails in its second wave leaves a truthful mix: the
// droplet the first wave made stays, the state lists it beside the old
// ones, and the next apply resumes the rollout from there.
func TestAccWebTierRolloutResumesAfterFailedWave(t *testing.T) {
	e := acctest.New(t)
	const tag = "scalable-tier:resume"
	var firstNew atomic.Int64 // written by the watcher, read by the checks
	stop := make(chan struct{})
	rollout := `    health_timeout = "3s"`
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.Factories(),
		CheckDestroy:             e.CheckEmpty,
		Steps: []resource.TestStep{
			{Config: rolloutConfig(e, "resume", 3, "ubuntu-22-04-x64", rollout)},
			{
				// The second droplet of the new image never gets healthy.
				PreConfig: func() {
					old := map[int]bool{}
					for _, d := range e.Tagged(tag) {
						old[d.ID] = true
					}
					go func() {
						tick := time.NewTicker(2 * time.Millisecond)
						defer tick.Stop()
						for {
							select {
							case <-stop:
								return
							case <-tick.C:
							}
							var fresh []int
							e.Sandbox.Inspect(func(w *sandbox.World) {
								for id, d := range w.Droplets {
									if !old[id] && slices.Contains(d.Tags, tag) {
										fresh = append(fresh, id)
									}
								}
							})
							slices.Sort(fresh)
							for _, id := range fresh {
								old[id] = true
								if firstNew.Load() == 0 {
									firstNew.Store(int64(id))
								} else {
									_ = e.Sandbox.SetDropletFailsHealth(id, true)
								}
							}
						}
					}()
				},
				Config:      rolloutConfig(e, "resume", 3, "ubuntu-24-04-x64", rollout),
				ExpectError: regexp.MustCompile(`(?s)rollout\s+stopped:\s+wave\s+2\s+was\s+not\s+healthy`),
			},
			{
				PreConfig:          func() { close(stop) },
				RefreshState:       true,
				ExpectNonEmptyPlan: true,
				Check: func(s *terraform.State) error {
					ids, err := dropletIDs(s)
					if err != nil {
						return err
					}
					images := map[string]int{}
					for _, d := range e.Tagged(tag) {
						images[d.Image.Slug]++
					}
					if len(ids) != 3 || images["ubuntu-22-04-x64"] != 2 || images["ubuntu-24-04-x64"] != 1 || !slices.Contains(ids, int(firstNew.Load())) {
						return fmt.Errorf("after the failed wave: state %v, sandbox images %v, first new droplet %d; want 2 old + the first new", ids, images, firstNew.Load())
					}
					return nil
				},
			},
			{
				Config:           rolloutConfig(e, "resume", 3, "ubuntu-24-04-x64", `    health_timeout = "30s"`),
				ConfigPlanChecks: emptyPlan(),
				Check: resource.ComposeAggregateTestCheckFunc(
					checkImages(e, tag, "ubuntu-24-04-x64", 3),
					func(s *terraform.State) error {
						ids, err := dropletIDs(s)
						if err != nil {
							return err
						}
						if !slices.Contains(ids, int(firstNew.Load())) {
							return fmt.Errorf("the resumed rollout replaced %d, which already ran the new image", firstNew.Load())
						}
						return nil
					},
				),
			},
		},
	})
}

// failHealthAfter marks every droplet carrying tag that is not in old as
// failing its health check, once ok of them have appeared (oldest id
// first). It returns the new droplets it let pass, as they appear, and a
// stop function.
func failHealthAfter(e *acctest.Env, tag string, ok int) (passed func() []int, stop func()) {
	old := map[int]bool{}
	for _, d := range e.Tagged(tag) {
		old[d.ID] = true
	}
	var mu sync.Mutex
	var good []int
	done := make(chan struct{})
	go func() {
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			var fresh []int
			e.Sandbox.Inspect(func(w *sandbox.World) {
				for id, d := range w.Droplets {
					if !old[id] && slices.Contains(d.Tags, tag) {
						fresh = append(fresh, id)
					}
				}
			})
			slices.Sort(fresh)
			mu.Lock()
			for _, id := range fresh {
				old[id] = true
				if len(good) < ok {
					good = append(good, id)
				} else {
					_ = e.Sandbox.SetDropletFailsHealth(id, true)
				}
			}
			mu.Unlock()
		}
	}()
	var once sync.Once
	return func() []int {
			mu.Lock()
			defer mu.Unlock()
			return slices.Clone(good)
		}, func() {
			once.Do(func() { close(done) })
		}
}

// A rollout of 4 droplets stopped in its last wave leaves 3 new droplets
// and 1 old one; scaling in to 2 then deletes the old one and the newest
// new one. The planned droplets list names the two that stay, so the
// apply matches its plan, and the plan after it is empty.
func TestAccWebTierScaleInAfterStoppedRollout(t *testing.T) {
	e := acctest.New(t)
	const tag = "scalable-tier:halfway"
	passed, stop := func() []int { return nil }, func() {}
	t.Cleanup(func() { stop() })
	rollout := `    health_timeout = "3s"`
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.Factories(),
		CheckDestroy:             e.CheckEmpty,
		Steps: []resource.TestStep{
			{Config: rolloutConfig(e, "halfway", 4, "ubuntu-22-04-x64", rollout)},
			{
				// The fourth droplet of the new image never gets healthy.
				PreConfig:   func() { passed, stop = failHealthAfter(e, tag, 3) },
				Config:      rolloutConfig(e, "halfway", 4, "ubuntu-24-04-x64", rollout),
				ExpectError: regexp.MustCompile(`(?s)rollout\s+stopped:\s+wave\s+4\s+was\s+not\s+healthy`),
			},
			{
				PreConfig:          func() { stop() },
				RefreshState:       true,
				ExpectNonEmptyPlan: true,
				Check: func(*terraform.State) error {
					images := map[string]int{}
					for _, d := range e.Tagged(tag) {
						images[d.Image.Slug]++
					}
					if images["ubuntu-22-04-x64"] != 1 || images["ubuntu-24-04-x64"] != 3 || len(passed()) != 3 {
						return fmt.Errorf("after the stopped rollout: images %v, new droplets %v; want 1 old and 3 new", images, passed())
					}
					return nil
				},
			},
			{
				Config:           rolloutConfig(e, "halfway", 2, "ubuntu-24-04-x64", `    health_timeout = "30s"`),
				ConfigPlanChecks: emptyPlan(),
				Check: resource.ComposeAggregateTestCheckFunc(
					checkImages(e, tag, "ubuntu-24-04-x64", 2),
					func(s *terraform.State) error {
						ids, err := dropletIDs(s)
						if err != nil {
							return err
						}
						var exist []int
						for _, d := range e.Tagged(tag) {
							exist = append(exist, d.ID)
						}
						slices.Sort(exist)
						// newest_first: the two older new droplets stay.
						if want := passed()[:2]; !slices.Equal(ids, want) || !slices.Equal(exist, want) {
							return fmt.Errorf("state lists droplets %v and the sandbox holds %v after the scale-in, want the two older new ones %v", ids, exist, want)
						}
						return nil
					},
				),
			},
		},
	})
}
