package provider_test

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/digitalocean/godo"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/scalable-tf/terraform-provider-scalable/internal/acctest"
	"github.com/scalable-tf/terraform-provider-scalable/internal/sandbox"
)

// handStack is a stack built by hand through the API, as in the dashboard.
type handStack struct {
	lb       *godo.LoadBalancer
	droplets []godo.Droplet
}

// buildByHand makes droplets of the images given (tagged tag when not
// empty), a load balancer named lbName targeting them by id, or by tag when
// byTag, and waits until every target is healthy.
func buildByHand(t *testing.T, e *acctest.Env, prefix, lbName, tag string, byTag bool, images ...string) handStack {
	t.Helper()
	ctx := context.Background()
	c := e.Godo()
	var s handStack
	var tags []string
	if tag != "" {
		tags = []string{tag}
	}
	for i, image := range images {
		d, _, err := c.Droplets.Create(ctx, &godo.DropletCreateRequest{
			Name: fmt.Sprintf("%s-%d", prefix, i+1), Region: "nyc3", Size: "s-1vcpu-1gb",
			Image: godo.DropletCreateImage{Slug: image}, Tags: tags, Monitoring: true,
		})
		if err != nil {
			t.Fatalf("create droplet: %v", err)
		}
		s.droplets = append(s.droplets, *d)
	}
	ids := make([]int, len(s.droplets))
	for i, d := range s.droplets {
		ids[i] = d.ID
	}
	req := &godo.LoadBalancerRequest{
		Name: lbName, Region: "nyc3",
		ForwardingRules: []godo.ForwardingRule{{EntryProtocol: "http", EntryPort: 80, TargetProtocol: "http", TargetPort: 80}},
	}
	if byTag {
		req.Tag = tag
	} else {
		req.DropletIDs = ids
	}
	lb, _, err := c.LoadBalancers.Create(ctx, req)
	if err != nil {
		t.Fatalf("create load balancer: %v", err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for lb.Status != "active" || lb.IP == "" {
		if time.Now().After(deadline) {
			t.Fatalf("load balancer %s still %s", lb.Name, lb.Status)
		}
		time.Sleep(20 * time.Millisecond)
		if lb, _, err = c.LoadBalancers.Get(ctx, lb.ID); err != nil {
			t.Fatal(err)
		}
	}
	s.lb = lb
	e.WaitTargetsHealthy(lb.ID, len(images), 30*time.Second)
	return s
}

func (s handStack) dropletIDs() []int {
	out := make([]int, len(s.droplets))
	for i, d := range s.droplets {
		out[i] = d.ID
	}
	slices.Sort(out)
	return out
}

func adoptConfig(e *acctest.Env, legacyID, alertID string) string {
	return e.ProviderConfig() + fmt.Sprintf(`
import {
  to = scalable_web_tier.legacy
  id = "name=legacy,load_balancer=%s,alert_policies=%s"
}

import {
  to = scalable_web_tier.shop
  id = "name=shop,load_balancer=shop-lb,droplets=tag:web"
}
`, legacyID, alertID) + minimalTier("legacy", "legacy", "", cpuAlert) +
		// The shop's droplets lose the tag "web" (no tags here) after its
		// load balancer stops targeting it; one droplet runs an older image.
		minimalTier("shop", "shop", "", "")
}

// A stack built by hand (droplets, a load balancer by droplet ids and its
// CPU alert; another stack whose load balancer targets the tag "web") is
// imported by import blocks and adopted by the first apply without a
// failed request or a moment with fewer healthy targets than at the start:
// the load balancers keep their ids and IPs, the legacy droplets and the
// alert policy keep theirs, only the shop droplet on an older image is
// replaced; the next plan is empty and destroy leaves nothing.
func TestAccWebTierAdoptHandBuiltStack(t *testing.T) {
	e := acctest.New(t, func(o *sandbox.Options) { o.Traffic = true })
	ctx := context.Background()
	legacy := buildByHand(t, e, "legacy-web", "legacy-lb-prod", "", false, "ubuntu-24-04-x64", "ubuntu-24-04-x64")
	shop := buildByHand(t, e, "shop-web", "shop-lb", "web", true, "ubuntu-22-04-x64", "ubuntu-24-04-x64")
	enabled := true
	alert, _, err := e.Godo().Monitoring.CreateAlertPolicy(ctx, &godo.AlertPolicyCreateRequest{
		Type: "v1/insights/droplet/cpu", Description: "legacy CPU high", Compare: godo.GreaterThan, Value: 80, Window: "5m",
		Entities: []string{strconv.Itoa(legacy.droplets[0].ID), strconv.Itoa(legacy.droplets[1].ID)}, Tags: []string{},
		Alerts: godo.Alerts{Email: []string{"ops@example.com"}}, Enabled: &enabled,
	})
	if err != nil {
		t.Fatalf("create alert policy: %v", err)
	}
	before := e.Inventory()

	var samplers map[string]*acctest.TrafficSampler
	cfg := adoptConfig(e, legacy.lb.ID, alert.UUID)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.Factories(),
		CheckDestroy:             e.CheckEmpty,
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					samplers = map[string]*acctest.TrafficSampler{"legacy": e.SampleTraffic(legacy.lb.ID), "shop": e.SampleTraffic(shop.lb.ID)}
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					// Adoption replaces nothing that matches; the load
					// balancers and the alert keep their ids.
					expectKnown("scalable_web_tier.legacy", "droplets"),
					expectKnown("scalable_web_tier.legacy", "load_balancer_id"),
					expectKnown("scalable_web_tier.legacy", "alert_policy_ids"),
					expectKnown("scalable_web_tier.shop", "load_balancer_id"),
					expectChanging("scalable_web_tier.shop", "droplets"), // the ubuntu-22-04 one
				}},
				Check: resource.ComposeAggregateTestCheckFunc(
					func(*terraform.State) error {
						for _, name := range []string{"legacy", "shop"} {
							fig, first := samplers[name].Stop()
							t.Logf("traffic through %s's load balancer during the adopting apply: %s", name, fig)
							if fig.Requests == 0 || fig.Failed > 0 {
								return fmt.Errorf("%s: %s; first failure: %s", name, fig, first)
							}
							if fig.Start != 2 || fig.MinHealthy < fig.Start {
								return fmt.Errorf("%s: healthy targets fell to %d (%d at the start, 2 built)", name, fig.MinHealthy, fig.Start)
							}
						}
						return nil
					},
					resource.TestCheckResourceAttr("scalable_web_tier.legacy", "load_balancer_id", legacy.lb.ID),
					resource.TestCheckResourceAttr("scalable_web_tier.legacy", "load_balancer_ip", legacy.lb.IP),
					resource.TestCheckResourceAttr("scalable_web_tier.shop", "load_balancer_id", shop.lb.ID),
					resource.TestCheckResourceAttr("scalable_web_tier.shop", "load_balancer_ip", shop.lb.IP),
					resource.TestCheckResourceAttr("scalable_web_tier.legacy", "alert_policy_ids.0", alert.UUID),
					resource.TestCheckResourceAttr("scalable_web_tier.legacy", "tag", "scalable-tier:legacy"),
					func(*terraform.State) error { return checkAdopted(e, legacy, shop, alert.UUID, before) },
				),
			},
			{Config: cfg, ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
		},
	})
}

// checkAdopted checks the cloud after the adopting apply.
func checkAdopted(e *acctest.Env, legacy, shop handStack, alertID string, before acctest.Inventory) error {
	ctx := context.Background()
	c := e.Godo()
	ids := func(ds []godo.Droplet) []int {
		out := []int{}
		for _, d := range ds {
			out = append(out, d.ID)
		}
		slices.Sort(out)
		return out
	}
	if got := ids(e.Tagged("scalable-tier:legacy")); !slices.Equal(got, legacy.dropletIDs()) {
		return fmt.Errorf("legacy's droplets are %v, want the adopted %v", got, legacy.dropletIDs())
	}
	shopNow := e.Tagged("scalable-tier:shop")
	if len(shopNow) != 2 || !slices.Contains(ids(shopNow), shop.droplets[1].ID) || slices.Contains(ids(shopNow), shop.droplets[0].ID) {
		return fmt.Errorf("shop's droplets are %v: want the ubuntu-24-04 one (%d) kept and the ubuntu-22-04 one (%d) replaced", ids(shopNow), shop.droplets[1].ID, shop.droplets[0].ID)
	}
	if web := e.Tagged("web"); len(web) != 0 {
		return fmt.Errorf("droplets %v still carry the tag web", ids(web))
	}
	dels := e.Sandbox.DropletDeletions()
	if len(dels) != 1 || dels[0].ID != shop.droplets[0].ID {
		return fmt.Errorf("deleted %+v; only the shop's ubuntu-22-04 droplet may go", dels)
	}
	for _, s := range []struct {
		lb  *godo.LoadBalancer
		tag string
	}{{legacy.lb, "scalable-tier:legacy"}, {shop.lb, "scalable-tier:shop"}} {
		lb, _, err := c.LoadBalancers.Get(ctx, s.lb.ID)
		if err != nil {
			return err
		}
		if lb.IP != s.lb.IP || lb.Tag != s.tag || len(lb.DropletIDs) != 2 {
			return fmt.Errorf("load balancer %s: ip %s (was %s), tag %q, targets %v; want the same IP targeting %s", lb.ID, lb.IP, s.lb.IP, lb.Tag, lb.DropletIDs, s.tag)
		}
	}
	p, _, err := c.Monitoring.GetAlertPolicy(ctx, alertID)
	if err != nil {
		return err
	}
	if !strings.HasSuffix(p.Description, "[scalable-tier:legacy#0]") || !slices.Equal(p.Tags, []string{"scalable-tier:legacy"}) {
		return fmt.Errorf("the adopted alert policy is %q on tags %v, want the tier's alert #0", p.Description, p.Tags)
	}
	if after := e.Inventory(); after != before {
		return fmt.Errorf("the account holds %+v after adopting, %+v before: adoption makes nothing new but the replacement", after, before)
	}
	return nil
}

// An adopting apply that fails after tagging the droplets (the load
// balancer refuses its update) loses nothing: the load balancer still
// serves the droplets by id, the adoption is kept, and the next apply
// points it at the tier's tag. No request fails throughout.
func TestAccWebTierAdoptResumesAfterFailure(t *testing.T) {
	e := acctest.New(t, func(o *sandbox.Options) { o.Traffic = true })
	legacy := buildByHand(t, e, "legacy-web", "legacy-lb-prod", "", false, "ubuntu-24-04-x64", "ubuntu-24-04-x64")
	cfg := e.ProviderConfig() + fmt.Sprintf(`
import {
  to = scalable_web_tier.legacy
  id = "name=legacy,load_balancer=%s"
}

resource "scalable_web_tier" "legacy" {
  name   = "legacy"
  region = "nyc3"
  droplet {
    instances = 2
    size      = "s-1vcpu-1gb"
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
}
`, legacy.lb.ID)
	var sampler *acctest.TrafficSampler
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.Factories(),
		CheckDestroy:             e.CheckEmpty,
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					sampler = e.SampleTraffic(legacy.lb.ID)
					if err := e.Sandbox.AddFault(sandbox.FaultRule{Endpoint: "PUT /v2/load_balancers/{id}", ErrorRate: 1, Status: 422, Message: "injected: the update is refused"}); err != nil {
						t.Fatal(err)
					}
				},
				Config:      cfg,
				ExpectError: regexp.MustCompile(`(?s)Unable to update web tier legacy.*update load balancer`),
			},
			{
				PreConfig: func() {
					lb, _, err := e.Godo().LoadBalancers.Get(context.Background(), legacy.lb.ID)
					if err != nil {
						t.Fatal(err)
					}
					if lb.Tag != "" || !slices.Equal(lb.DropletIDs, legacy.dropletIDs()) {
						t.Errorf("after the failed apply the load balancer targets tag %q, droplets %v; want still %v by id", lb.Tag, lb.DropletIDs, legacy.dropletIDs())
					}
					if n := len(e.Tagged("scalable-tier:legacy")); n != 2 {
						t.Errorf("%d droplets carry the tier's tag after the failed apply, want 2 (tagged before the load balancer update)", n)
					}
					e.Sandbox.ClearFaults()
				},
				Config: cfg,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr("scalable_web_tier.legacy", "load_balancer_id", legacy.lb.ID),
					resource.TestCheckResourceAttr("scalable_web_tier.legacy", "tag", "scalable-tier:legacy"),
					func(*terraform.State) error {
						fig, first := sampler.Stop()
						t.Logf("traffic through the load balancer over the failed and the resumed apply: %s", fig)
						if fig.Failed > 0 || fig.MinHealthy < fig.Start || fig.Start != 2 {
							return fmt.Errorf("%s; first failure: %s", fig, first)
						}
						lb, _, err := e.Godo().LoadBalancers.Get(context.Background(), legacy.lb.ID)
						if err != nil {
							return err
						}
						if lb.Tag != "scalable-tier:legacy" || lb.IP != legacy.lb.IP {
							return fmt.Errorf("load balancer targets %q at %s; want scalable-tier:legacy at %s", lb.Tag, lb.IP, legacy.lb.IP)
						}
						if dels := e.Sandbox.DropletDeletions(); len(dels) != 0 {
							return fmt.Errorf("deleted %+v", dels)
						}
						return nil
					},
				),
			},
			{Config: cfg, ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
		},
	})
}

// The first thing a new user tries, `terraform import ... legacy` on a
// hand-built stack, says which id adopts it.
func TestAccWebTierImportByNameSuggestsAdoption(t *testing.T) {
	e := acctest.New(t)
	legacy := buildByHand(t, e, "web", "legacy-lb", "", false, "ubuntu-24-04-x64")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.Factories(),
		Steps: []resource.TestStep{{
			Config: minimalTierConfig(e, "legacy", ""), ResourceName: "scalable_web_tier.web", ImportState: true, ImportStateId: "legacy",
			ExpectError: wrapped("Cannot import web tier legacy", fmt.Sprintf("A load balancer named legacy-lb exists (%s) but does not target the tag: to adopt it and its droplets, import with the id name=legacy,load_balancer=legacy-lb.", legacy.lb.ID)),
		}},
	})
}
