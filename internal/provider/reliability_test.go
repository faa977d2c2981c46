package provider_test

import (
	"fmt"
	"regexp"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/scalable-tf/terraform-provider-scalable/internal/acctest"
	"github.com/scalable-tf/terraform-provider-scalable/internal/sandbox"
)

// reliableConfig is a tier with every kind of object: droplets with backups,
// a load balancer, alert policies.
func reliableConfig(e *acctest.Env, name string, n int, image string, sizeUnit int, extra string) string {
	return e.ProviderConfig() + fmt.Sprintf(`
resource "scalable_web_tier" "web" {
  name   = %q
  region = "nyc3"
  droplet {
    instances = %d
    size      = "s-1vcpu-1gb"
    image     = %q
    backups {
      plan = "weekly"
    }
  }
  load_balancer {
    size_unit = %d
    forwarding_rule {
      entry_protocol  = "http"
      entry_port      = 80
      target_protocol = "http"
      target_port     = 80
    }
  }
  alert {
    metric  = "cpu"
    compare = "GreaterThan"
    value   = 85
    window  = "5m"
    emails  = ["ops@example.com"]
  }
  rollout {
    health = "droplet_status"
  }
%s
}
`, name, n, image, sizeUnit, extra)
}

// faultsInjected sums what every fault rule did.
func faultsInjected(e *acctest.Env) int {
	n := 0
	for _, r := range e.Sandbox.Faults() {
		n += r.Failed
	}
	return n
}

// One in five requests of every kind fails (500 or 503, and writes also
// lose answers after the work was done) through create, update, scale out,
// scale in, a rollout and destroy. Each apply succeeds, the sandbox holds
// exactly what the state says, and the plan afterwards is empty.
func TestAccReliabilityServerErrorsEverywhere(t *testing.T) {
	e := acctest.New(t)
	e.ProviderExtra = "  http_retry_max = 12"
	if err := e.Sandbox.SetFaults([]sandbox.FaultRule{
		// 1 - 0.86 x 0.93 = 20% of every request fails; writes lose another
		// 5% of answers after the work was done.
		{Endpoint: "POST *", ErrorRate: 0.05, Status: 500, AfterCommit: true},
		{Endpoint: "*", ErrorRate: 0.14, Status: 500},
		{Endpoint: "*", ErrorRate: 0.07, Status: 503},
	}); err != nil {
		t.Fatal(err)
	}
	matches := e.CheckMatchesState(addr)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.Factories(),
		CheckDestroy: func(s *terraform.State) error {
			t.Logf("server errors: %d faults injected over %d requests", faultsInjected(e), e.Sandbox.Counts().Total)
			return e.CheckEmpty(s)
		},
		Steps: []resource.TestStep{
			{Config: reliableConfig(e, "flaky", 3, "ubuntu-22-04-x64", 1, ""), ConfigPlanChecks: emptyPlan(), Check: matches},
			{Config: reliableConfig(e, "flaky", 3, "ubuntu-22-04-x64", 2, `  tags = ["env:prod"]`), ConfigPlanChecks: emptyPlan(), Check: matches},
			{Config: reliableConfig(e, "flaky", 7, "ubuntu-22-04-x64", 2, ""), ConfigPlanChecks: emptyPlan(), Check: matches},
			{Config: reliableConfig(e, "flaky", 2, "ubuntu-22-04-x64", 2, ""), ConfigPlanChecks: emptyPlan(), Check: matches},
			{Config: reliableConfig(e, "flaky", 2, "ubuntu-24-04-x64", 2, ""), ConfigPlanChecks: emptyPlan(), Check: matches},
		},
	})
}

// The account's rate budget is exhausted mid-apply (another client spent
// it): the provider waits for the reset the 429 names and finishes.
func TestAccReliabilityRateLimitStormMidApply(t *testing.T) {
	e := acctest.New(t)
	var stormed atomic.Bool
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.Factories(),
		CheckDestroy:             e.CheckEmpty,
		Steps: []resource.TestStep{{
			PreConfig: func() {
				go func() {
					deadline := time.Now().Add(time.Minute)
					for time.Now().Before(deadline) {
						if e.Sandbox.Counts().Of("POST /v2/droplets") > 0 {
							e.Sandbox.RateLimitStorm(1500 * time.Millisecond)
							stormed.Store(true)
							return
						}
						time.Sleep(time.Millisecond)
					}
				}()
			},
			Config:           reliableConfig(e, "storm", 5, "ubuntu-22-04-x64", 1, ""),
			ConfigPlanChecks: emptyPlan(),
			Check: resource.ComposeAggregateTestCheckFunc(e.CheckMatchesState(addr), func(*terraform.State) error {
				n := 0
				for _, ep := range e.Sandbox.Counts().Endpoints {
					n += ep.Statuses["429"]
				}
				t.Logf("rate limit storm: %d requests answered 429", n)
				if !stormed.Load() || n == 0 {
					return fmt.Errorf("the storm did not hit the apply (stormed %v, %d 429s)", stormed.Load(), n)
				}
				return nil
			}),
		}},
	})
}

// A droplet dies while a rollout runs: the same apply notices, replaces it,
// and finishes with every droplet active and on the new image.
func TestAccReliabilityDropletKilledDuringRollout(t *testing.T) {
	e := acctest.New(t)
	const tag = "scalable-tier:victim"
	var killed atomic.Int64
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.Factories(),
		CheckDestroy:             e.CheckEmpty,
		Steps: []resource.TestStep{
			{Config: reliableConfig(e, "victim", 3, "ubuntu-22-04-x64", 1, "")},
			{
				// Kill the first new droplet once the second wave has started.
				PreConfig: func() {
					old := map[int]bool{}
					for _, d := range e.Tagged(tag) {
						old[d.ID] = true
					}
					go func() {
						deadline := time.Now().Add(time.Minute)
						for time.Now().Before(deadline) {
							var fresh []int
							e.Sandbox.Inspect(func(w *sandbox.World) {
								for id, d := range w.Droplets {
									if !old[id] && slices.Contains(d.Tags, tag) {
										fresh = append(fresh, id)
									}
								}
							})
							if len(fresh) >= 2 {
								slices.Sort(fresh)
								if err := e.Sandbox.KillDroplet(fresh[0]); err == nil {
									killed.Store(int64(fresh[0]))
								}
								return
							}
							time.Sleep(2 * time.Millisecond)
						}
					}()
				},
				Config:           reliableConfig(e, "victim", 3, "ubuntu-24-04-x64", 1, ""),
				ConfigPlanChecks: emptyPlan(),
				Check: resource.ComposeAggregateTestCheckFunc(
					e.CheckMatchesState(addr),
					checkImages(e, tag, "ubuntu-24-04-x64", 3),
					func(s *terraform.State) error {
						if killed.Load() == 0 {
							return fmt.Errorf("no droplet was killed during the rollout")
						}
						ids, err := dropletIDs(s)
						if err != nil {
							return err
						}
						if slices.Contains(ids, int(killed.Load())) {
							return fmt.Errorf("the killed droplet %d is still in the tier", killed.Load())
						}
						for _, d := range e.Tagged(tag) {
							if d.Status != "active" {
								return fmt.Errorf("droplet %s is %s", d.Name, d.Status)
							}
						}
						return nil
					},
				),
			},
		},
	})
}

const busyMessage = "Load Balancer can't be updated while it processes previous actions"

// Every load balancer update meets DigitalOcean's "processing previous
// actions" answer a few times: the provider retries until it goes through.
func TestAccReliabilityLoadBalancerBusy(t *testing.T) {
	e := acctest.New(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.Factories(),
		CheckDestroy:             e.CheckEmpty,
		Steps: []resource.TestStep{
			{Config: reliableConfig(e, "busy", 1, "ubuntu-22-04-x64", 1, "")},
			{
				PreConfig: func() {
					if err := e.Sandbox.AddFault(sandbox.FaultRule{Endpoint: "PUT /v2/load_balancers/{id}", FailNext: 5, Status: 403, Message: busyMessage}); err != nil {
						t.Fatal(err)
					}
				},
				Config:           reliableConfig(e, "busy", 1, "ubuntu-22-04-x64", 3, ""),
				ConfigPlanChecks: emptyPlan(),
				Check: resource.ComposeAggregateTestCheckFunc(e.CheckMatchesState(addr), func(*terraform.State) error {
					st := e.Sandbox.Counts().Endpoints["PUT /v2/load_balancers/{id}"].Statuses
					if st["403"] != 5 || st["200"] != 1 {
						return fmt.Errorf("PUT statuses %v, want five busy answers then one success", st)
					}
					return nil
				}),
			},
			{
				// Busy for good: the update timeout ends the wait with a
				// message saying so.
				PreConfig: func() {
					e.Sandbox.ClearFaults()
					if err := e.Sandbox.AddFault(sandbox.FaultRule{Endpoint: "PUT /v2/load_balancers/{id}", ErrorRate: 1, Status: 403, Message: busyMessage}); err != nil {
						t.Fatal(err)
					}
				},
				Config:      reliableConfig(e, "busy", 1, "ubuntu-22-04-x64", 5, `  timeouts { update = "2s" }`),
				ExpectError: regexp.MustCompile(`(?s)still\s+processing\s+previous\s+changes\s+when\s+the\s+timeout\s+came`),
			},
			{
				PreConfig:        e.Sandbox.ClearFaults,
				Config:           reliableConfig(e, "busy", 1, "ubuntu-22-04-x64", 5, ""),
				ConfigPlanChecks: emptyPlan(),
				Check:            e.CheckMatchesState(addr),
			},
		},
	})
}

// A burst of 503s on the droplet create, longer than http_retry_max and
// with nothing made, does not fail (and so taint) the new tier: creates
// are reconciled before every retry, so they retry until the timeout.
func TestAccReliabilityCreateOutlastsA5xxBurst(t *testing.T) {
	e := acctest.New(t)
	e.ProviderExtra = "  http_retry_max = 2"
	const burst = 8
	if err := e.Sandbox.AddFault(sandbox.FaultRule{Endpoint: "POST /v2/droplets", FailNext: burst, Status: 503}); err != nil {
		t.Fatal(err)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.Factories(),
		CheckDestroy:             e.CheckEmpty,
		Steps: []resource.TestStep{{
			Config:           reliableConfig(e, "burst", 3, "ubuntu-22-04-x64", 1, ""),
			ConfigPlanChecks: emptyPlan(),
			Check: resource.ComposeAggregateTestCheckFunc(e.CheckMatchesState(addr), func(*terraform.State) error {
				st := e.Sandbox.Counts().Endpoints["POST /v2/droplets"].Statuses
				if st["503"] != burst || st["202"] != 1 {
					return fmt.Errorf("droplet create statuses %v, want %d 503s then one 202", st, burst)
				}
				return nil
			}),
		}},
	})
}
