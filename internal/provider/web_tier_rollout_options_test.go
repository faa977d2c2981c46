package provider_test

import (
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/digitalocean/godo"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/scalable-tf/terraform-provider-scalable/internal/acctest"
	"github.com/scalable-tf/terraform-provider-scalable/internal/sandbox"
)

// A rollout with percentages and min_ready through Terraform: 5 droplets
// at 40% surge (2 per wave, rounded up) replaced, every droplet warmed up
// for min_ready, the plan after it empty.
func TestAccWebTierRolloutPercentAndMinReady(t *testing.T) {
	e := acctest.New(t)
	const tag = "scalable-tier:warm"
	rollout := "    max_surge = \"40%\"\n    min_ready = \"30s\""
	var sampler *acctest.Sampler
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.Factories(),
		CheckDestroy:             e.CheckEmpty,
		Steps: []resource.TestStep{
			{Config: rolloutConfig(e, "warm", 5, "ubuntu-22-04-x64", rollout)},
			{
				PreConfig: func() { sampler = e.Sample(tag) },
				Config:    rolloutConfig(e, "warm", 5, "ubuntu-24-04-x64", rollout),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					checkImages(e, tag, "ubuntu-24-04-x64", 5),
					resource.TestCheckResourceAttr(addr, "rollout.max_surge", "40%"),
					resource.TestCheckResourceAttr(addr, "rollout.min_ready", "30s"),
					func(*terraform.State) error {
						minHealthy, maxTotal, samples := sampler.Stop()
						t.Logf("rollout: %d samples, fewest healthy in service %d, most droplets %d", samples, minHealthy, maxTotal)
						if minHealthy < 5 || maxTotal > 7 {
							return fmt.Errorf("fewest healthy %d (floor 5), most droplets %d (ceiling 5 + 40%% of 5 rounded up = 7)", minHealthy, maxTotal)
						}
						return nil
					},
				),
			},
		},
	})
}

// failNewTemplateAfter marks new droplets of the tier that do not carry
// the revision tag the tier had at the call as failing their health
// check, once ok of them have appeared: droplets a rollback builds from
// the previous template stay healthy. It returns those it let pass.
func failNewTemplateAfter(e *acctest.Env, tag string, ok int) (passed func() []int, stop func()) {
	old := map[int]bool{}
	oldRev := ""
	for _, d := range e.Tagged(tag) {
		old[d.ID] = true
		for _, t := range d.Tags {
			if strings.HasPrefix(t, "scalable-rev:") {
				oldRev = t
			}
		}
	}
	var mu sync.Mutex
	var good []int
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-done:
				return
			case <-time.After(2 * time.Millisecond):
			}
			var fresh []int
			e.Sandbox.Inspect(func(w *sandbox.World) {
				for id, d := range w.Droplets {
					if !old[id] && slices.Contains(d.Tags, tag) && !slices.Contains(d.Tags, oldRev) {
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

// on_failure = "rollback": wave 2 of an image change fails; the droplet
// wave 1 replaced returns to the previous template, the apply fails
// saying so, and the fleet ends on the old image and revision, with the
// state saying what exists.
func TestAccWebTierRollbackAfterFailedWave(t *testing.T) {
	e := acctest.New(t)
	const tag = "scalable-tier:rollback"
	rollout := "    max_surge      = 1\n    health_timeout = \"3s\"\n    on_failure     = \"rollback\""
	var passed func() []int
	var stop func()
	oldRev := map[string]int{}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.Factories(),
		CheckDestroy:             e.CheckEmpty,
		Steps: []resource.TestStep{
			{
				Config: rolloutConfig(e, "rollback", 3, "ubuntu-22-04-x64", rollout),
				Check: func(*terraform.State) error {
					for _, d := range e.Tagged(tag) {
						for _, t := range d.Tags {
							if strings.HasPrefix(t, "scalable-rev:") {
								oldRev[t]++
							}
						}
					}
					if len(oldRev) != 1 {
						return fmt.Errorf("revision tags %v, want one", oldRev)
					}
					return nil
				},
			},
			{
				PreConfig: func() { passed, stop = failNewTemplateAfter(e, tag, 1) },
				Config:    rolloutConfig(e, "rollback", 3, "ubuntu-24-04-x64", rollout),
				ExpectError: regexp.MustCompile(`(?s)rollout\s+stopped:\s+wave\s+2\s+was\s+not\s+healthy.*Rolled\s+back:\s+1\s+droplet\s+of\s+the\s+new\s+template\s+was\s+returned\s+to\s+the\s+previous\s+template.*image\s+ubuntu-22-04-x64.*` +
					`every\s+droplet\s+runs\s+the\s+previous\s+template\s+again.*The\s+configuration\s+still\s+asks\s+for\s+the\s+new\s+template`),
			},
			{
				PreConfig:          func() { stop() },
				RefreshState:       true,
				ExpectNonEmptyPlan: true, // the configuration still asks for the new image
				Check: func(s *terraform.State) error {
					ids, err := dropletIDs(s)
					if err != nil {
						return err
					}
					ds := e.Tagged(tag)
					if len(passed()) != 1 || len(ids) != 3 || len(ds) != 3 {
						return fmt.Errorf("wave 1 made %v; state %v; sandbox %d droplets; want 1, 3 and 3", passed(), ids, len(ds))
					}
					for _, d := range ds {
						rev := ""
						for _, t := range d.Tags {
							if strings.HasPrefix(t, "scalable-rev:") {
								rev = t
							}
						}
						if d.Image == nil || d.Image.Slug != "ubuntu-22-04-x64" || oldRev[rev] == 0 || slices.Contains(passed(), d.ID) || !slices.Contains(ids, d.ID) {
							return fmt.Errorf("droplet %s (%d) runs %v with %s after the rollback; want the old image and revision %v, in the state %v", d.Name, d.ID, d.Image, rev, oldRev, ids)
						}
					}
					return nil
				},
			},
		},
	})
}

func resizeConfig(e *acctest.Env, size string) string {
	return e.ProviderConfig() + fmt.Sprintf(`
resource "scalable_web_tier" "web" {
  name   = "resize"
  region = "nyc3"
  droplet {
    instances = 3
    size      = %q
    image     = "ubuntu-24-04-x64"
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
    resize      = "in_place"
    resize_disk = true
  }
}
`, size)
}

// resize = "in_place" through Terraform: a size change keeps every
// droplet id and IP (in the state and in the sandbox), the size and disk
// change, the plan shows the droplets with their new size and no id
// unknown, and the plan after it is empty.
func TestAccWebTierResizeInPlaceKeepsIDsAndIPs(t *testing.T) {
	e := acctest.New(t)
	const tag = "scalable-tier:resize"
	type kept struct{ ip, private string }
	before := map[int]kept{}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.Factories(),
		CheckDestroy:             e.CheckEmpty,
		Steps: []resource.TestStep{
			{
				Config: resizeConfig(e, "s-1vcpu-1gb"),
				Check: func(*terraform.State) error {
					for _, d := range e.Tagged(tag) {
						before[d.ID] = kept{publicIP(d), privateIP(d)}
					}
					if len(before) != 3 {
						return fmt.Errorf("%d droplets, want 3", len(before))
					}
					return nil
				},
			},
			{
				Config: resizeConfig(e, "s-2vcpu-2gb"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(addr, tfpath("droplets").AtSliceIndex(0).AtMapKey("size"), knownString("s-2vcpu-2gb")),
						plancheck.ExpectKnownValue(addr, tfpath("droplets").AtSliceIndex(2).AtMapKey("size"), knownString("s-2vcpu-2gb")),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: func(s *terraform.State) error {
					ids, err := dropletIDs(s)
					if err != nil {
						return err
					}
					ds := e.Tagged(tag)
					if len(ids) != 3 || len(ds) != 3 {
						return fmt.Errorf("state %v, sandbox %d droplets; want the 3 droplets", ids, len(ds))
					}
					for _, d := range ds {
						was, ok := before[d.ID]
						switch {
						case !ok || !slices.Contains(ids, d.ID):
							return fmt.Errorf("droplet %d is new (before: %v, state: %v)", d.ID, before, ids)
						case publicIP(d) != was.ip || privateIP(d) != was.private:
							return fmt.Errorf("droplet %d changed IPs %v -> %s, %s", d.ID, was, publicIP(d), privateIP(d))
						case d.Size == nil || d.Size.Slug != "s-2vcpu-2gb" || d.Disk != 60:
							return fmt.Errorf("droplet %d is %v with %d GB, want s-2vcpu-2gb with 60 GB", d.ID, d.Size, d.Disk)
						}
					}
					return nil
				},
			},
		},
	})
}

func publicIP(d godo.Droplet) string  { ip, _ := d.PublicIPv4(); return ip }
func privateIP(d godo.Droplet) string { ip, _ := d.PrivateIPv4(); return ip }

func knownString(s string) knownvalue.Check { return knownvalue.StringExact(s) }

func canaryConfig(e *acctest.Env, image, onFailure string) string {
	return e.ProviderConfig() + fmt.Sprintf(`
resource "scalable_web_tier" "web" {
  name   = "canary"
  region = "nyc3"
  droplet {
    instances = 4
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
    healthcheck {
      protocol = "http"
      port     = 80
      path     = "/health"
    }
  }
  rollout {
    max_surge        = 1
    checkpoints      = [25, 50]
    checkpoint_delay = "4m"
    max_error_rate   = 0.05
    on_failure       = %q
  }
}
`, image, onFailure)
}

// sendTraffic requests the tier's load balancer until stopped, as users
// would, so its metrics count real responses.
func sendTraffic(t *testing.T, e *acctest.Env, lbID string) (stop func() int) {
	ls, err := e.Sandbox.LoadBalancerListeners(lbID)
	if err != nil || len(ls) == 0 {
		t.Fatalf("listeners of %s: %v %v", lbID, ls, err)
	}
	done, finished := make(chan struct{}), make(chan struct{})
	n := 0
	go func() {
		defer close(finished)
		hc := &http.Client{Timeout: 2 * time.Second}
		for {
			select {
			case <-done:
				return
			default:
			}
			if resp, err := hc.Get("http://" + ls[0].Address + "/"); err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				n++
			}
			time.Sleep(time.Millisecond)
		}
	}()
	var once sync.Once
	return func() int { once.Do(func() { close(done); <-finished }); return n }
}

// Canary checkpoints through Terraform with real traffic: an image that
// answers 500 to 25 of every 100 requests is caught at the 25% checkpoint
// by the load balancer's response metrics; with on_failure = "rollback"
// the fleet ends on the old image and revision; the apply fails saying so.
func TestAccWebTierCanaryCheckpointRollsBack(t *testing.T) {
	e := acctest.New(t, func(o *sandbox.Options) { o.Traffic = true })
	const tag = "scalable-tier:canary"
	stop := func() int { return 0 }
	defer func() { t.Logf("%d requests answered through the load balancer", stop()) }()
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.Factories(),
		CheckDestroy:             e.CheckEmpty,
		Steps: []resource.TestStep{
			{
				Config: canaryConfig(e, "ubuntu-22-04-x64", "rollback"),
				Check: func(s *terraform.State) error {
					stop = sendTraffic(t, e, s.RootModule().Resources[addr].Primary.Attributes["load_balancer_id"])
					return nil
				},
			},
			{
				Config: canaryConfig(e, "canary-500-25", "rollback"),
				ExpectError: regexp.MustCompile(`(?s)rollout\s+stopped\s+at\s+the\s+25%\s+checkpoint:\s+the\s+new\s+droplets\s+answered\s+2\d\.\d%\s+of\s+\d+\s+requests\s+with\s+5xx.*above\s+max_error_rate\s+5\.0%` +
					`.*every\s+droplet\s+runs\s+the\s+previous\s+template\s+again`),
			},
			{
				RefreshState:       true,
				ExpectNonEmptyPlan: true,
				Check:              checkImages(e, tag, "ubuntu-22-04-x64", 4),
			},
		},
	})
}
