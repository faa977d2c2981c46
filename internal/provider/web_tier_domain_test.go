package provider_test

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"testing"

	"github.com/digitalocean/godo"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/scalable-tf/terraform-provider-scalable/internal/acctest"
)

func domainBlockHCL(record string, lets bool, project string) string {
	cert := ""
	if lets {
		cert = `    certificate = "lets_encrypt"`
	}
	out := fmt.Sprintf(`
  domain {
    name   = "example.com"
    record = %q
    ttl    = 300
%s
  }
`, record, cert)
	if project != "" {
		out += fmt.Sprintf("  project_id = %q\n", project)
	}
	return out
}

// addDomain adds example.com to the sandbox account and makes a project.
func addDomain(t *testing.T, e *acctest.Env) (projectID string) {
	ctx := context.Background()
	if _, _, err := e.Godo().Domains.Create(ctx, &godo.DomainCreateRequest{Name: "example.com"}); err != nil {
		t.Fatal(err)
	}
	p, _, err := e.Godo().Projects.Create(ctx, &godo.CreateProjectRequest{Name: "web", Purpose: "Web Application", Environment: "Production"})
	if err != nil {
		t.Fatal(err)
	}
	return p.ID
}

func addressRecords(t *testing.T, e *acctest.Env, fqdn string) []godo.DomainRecord {
	rs, _, err := e.Godo().Domains.RecordsByTypeAndName(context.Background(), "example.com", "A", fqdn, &godo.ListOptions{PerPage: 200})
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// checkName asserts fqdn has one A record pointing at the tier's load
// balancer with the ttl, and the tier's objects are in the project.
func checkName(t *testing.T, e *acctest.Env, fqdn string, ttl int, project string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		attrs := s.RootModule().Resources[addr].Primary.Attributes
		rs := addressRecords(t, e, fqdn)
		if len(rs) != 1 || rs[0].Data != attrs["load_balancer_ip"] || rs[0].TTL != ttl {
			return fmt.Errorf("A records of %s: %+v; want one to %s with ttl %d", fqdn, rs, attrs["load_balancer_ip"], ttl)
		}
		if project == "" {
			return nil
		}
		res, _, err := e.Godo().Projects.ListResources(context.Background(), project, &godo.ListOptions{PerPage: 200})
		if err != nil {
			return err
		}
		var urns []string
		for _, r := range res {
			urns = append(urns, r.URN)
		}
		want := []string{"do:loadbalancer:" + attrs["load_balancer_id"], "do:droplet:" + attrs["droplets.0.id"], "do:droplet:" + attrs["droplets.1.id"]}
		for _, u := range want {
			if !slices.Contains(urns, u) {
				return fmt.Errorf("project %s holds %v, not %s", project, urns, u)
			}
		}
		return nil
	}
}

// checkHTTPS asserts the load balancer serves 443 with the tier's issued
// certificate for fqdn and redirects HTTP.
func checkHTTPS(e *acctest.Env, fqdn string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		attrs := s.RootModule().Resources[addr].Primary.Attributes
		ctx := context.Background()
		lb, _, err := e.Godo().LoadBalancers.Get(ctx, attrs["load_balancer_id"])
		if err != nil {
			return err
		}
		cert, _, err := e.Godo().Certificates.Get(ctx, attrs["certificate_id"])
		if err != nil {
			return fmt.Errorf("certificate %q: %w", attrs["certificate_id"], err)
		}
		if cert.State != "verified" || !slices.Equal(cert.DNSNames, []string{fqdn}) || cert.Type != "lets_encrypt" {
			return fmt.Errorf("certificate %+v; want a verified Let's Encrypt one for %s", cert, fqdn)
		}
		if !lb.RedirectHttpToHttps || !slices.ContainsFunc(lb.ForwardingRules, func(r godo.ForwardingRule) bool {
			return r.EntryPort == 443 && r.EntryProtocol == "https" && r.CertificateID == cert.ID && r.TargetPort == 80
		}) {
			return fmt.Errorf("load balancer rules %+v, redirect %v: want HTTPS 443 with %s", lb.ForwardingRules, lb.RedirectHttpToHttps, cert.ID)
		}
		return nil
	}
}

// The domain block and project_id: created with the tier, imported by
// name, repaired when changed out of band, moved to another name, removed.
func TestAccWebTierDomain(t *testing.T) {
	e := acctest.New(t)
	const name = "dns"
	project := addDomain(t, e)
	cfg := func(record string, lets bool, project string) string {
		return tierConfig(e, name, 2, domainBlockHCL(record, lets, project))
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.Factories(),
		CheckDestroy:             e.CheckEmpty,
		Steps: []resource.TestStep{
			{
				Config:           cfg("www", true, project),
				ConfigPlanChecks: emptyPlan(),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(addr, "fqdn", "www.example.com"),
					resource.TestCheckResourceAttr(addr, "dns_record_ids.#", "1"),
					resource.TestCheckResourceAttr(addr, "project_id", project),
					// The certificate's rule is not a configured one.
					resource.TestCheckResourceAttr(addr, "load_balancer.forwarding_rule.#", "1"),
					resource.TestCheckResourceAttr(addr, "load_balancer.redirect_http_to_https", "false"),
					checkName(t, e, "www.example.com", 300, project),
					checkHTTPS(e, "www.example.com"),
				),
			},
			{
				ResourceName: addr, ImportState: true, ImportStateId: name,
				ImportStateVerify: true, ImportStateVerifyIgnore: []string{"timeouts"},
			},
			{
				// Out of band: the record points elsewhere with another TTL,
				// and the load balancer left the project.
				PreConfig: func() {
					ctx := context.Background()
					r := addressRecords(t, e, "www.example.com")[0]
					if _, _, err := e.Godo().Domains.EditRecord(ctx, "example.com", r.ID, &godo.DomainRecordEditRequest{Type: "A", Name: "www", Data: "192.0.2.7", TTL: 60}); err != nil {
						t.Fatal(err)
					}
					moveLoadBalancerToDefaultProject(t, e, name)
				},
				Config: cfg("www", true, project),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: checkName(t, e, "www.example.com", 300, project),
			},
			{
				// Deleted out of band: written again.
				PreConfig: func() {
					r := addressRecords(t, e, "www.example.com")[0]
					if _, err := e.Godo().Domains.DeleteRecord(context.Background(), "example.com", r.ID); err != nil {
						t.Fatal(err)
					}
				},
				Config: cfg("www", true, project),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: checkName(t, e, "www.example.com", 300, project),
			},
			{
				// Another name: the old record goes, the certificate is
				// replaced by one for the new name.
				Config:           cfg("app", true, project),
				ConfigPlanChecks: emptyPlan(),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(addr, "fqdn", "app.example.com"),
					checkName(t, e, "app.example.com", 300, project),
					checkHTTPS(e, "app.example.com"),
					func(*terraform.State) error {
						if rs := addressRecords(t, e, "www.example.com"); len(rs) != 0 {
							return fmt.Errorf("www.example.com still has %+v", rs)
						}
						return nil
					},
				),
			},
			{
				// No certificate: HTTPS and the certificate go, the record stays.
				Config:           cfg("app", false, project),
				ConfigPlanChecks: emptyPlan(),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckNoResourceAttr(addr, "certificate_id"),
					checkName(t, e, "app.example.com", 300, ""),
					func(*terraform.State) error {
						if inv := e.Inventory(); inv.LetsEncrypt != 0 {
							return fmt.Errorf("the certificate stays: %+v", inv)
						}
						return nil
					},
				),
			},
			{
				// The block removed: its record goes with it.
				Config:           tierConfig(e, name, 2, ""),
				ConfigPlanChecks: emptyPlan(),
				Check: func(*terraform.State) error {
					if inv := e.Inventory(); inv.AddressRecords != 0 {
						return fmt.Errorf("the block is gone but records stay: %+v", inv)
					}
					return nil
				},
			},
		},
	})
}

func moveLoadBalancerToDefaultProject(t *testing.T, e *acctest.Env, name string) {
	ctx := context.Background()
	def, _, err := e.Godo().Projects.GetDefault(ctx)
	if err != nil {
		t.Fatal(err)
	}
	lbs, _, err := e.Godo().LoadBalancers.List(ctx, &godo.ListOptions{PerPage: 200})
	if err != nil {
		t.Fatal(err)
	}
	for _, lb := range lbs {
		if lb.Name == name+"-lb" {
			if _, _, err := e.Godo().Projects.AssignResources(ctx, def.ID, "do:loadbalancer:"+lb.ID); err != nil {
				t.Fatal(err)
			}
			return
		}
	}
	t.Fatalf("no load balancer %s-lb", name)
}

// A tier destroyed with its name and certificate leaves neither.
func TestAccWebTierDomainDestroy(t *testing.T) {
	e := acctest.New(t)
	addDomain(t, e)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.Factories(),
		CheckDestroy:             e.CheckEmpty,
		Steps: []resource.TestStep{{
			Config: tierConfig(e, "dnsgone", 1, domainBlockHCL("@", true, "")),
			Check: resource.ComposeAggregateTestCheckFunc(
				resource.TestCheckResourceAttr(addr, "fqdn", "example.com"),
				checkHTTPS(e, "example.com"),
			),
		}},
	})
}

// A domain the account lacks warns at plan (another resource may add it)
// and is refused before anything is built; a project it lacks fails the
// plan.
func TestAccWebTierDomainPreflight(t *testing.T) {
	e := acctest.New(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.Factories(),
		CheckDestroy:             e.CheckEmpty,
		Steps: []resource.TestStep{
			{
				Config:      tierConfig(e, "nodomain", 1, domainBlockHCL("www", false, "")),
				ExpectError: regexp.MustCompile(`(?s)Unknown domain.*the account has no domain "example.com": add it first`),
			},
			{
				Config:      tierConfig(e, "nodomain", 1, `project_id = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Unknown project.*project_id.*the account has no project "3f2504e0-4f89-11d3-9a0c-0305e82c3301".*default`),
			},
			{
				Config:      tierConfig(e, "nodomain", 1, "domain {}"),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Missing domain name.*domain.name is required`),
			},
			{
				Config:      tierConfig(e, "nodomain", 1, "domain {\n name = \"example.com\"\n record = \"www.example.com\"\n}"),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)domain.record.*"www.example.com".*includes the domain.*"www"`),
			},
		},
	})
}
