package provider_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"slices"
	"testing"
	"time"

	"github.com/digitalocean/godo"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/scalable-tf/terraform-provider-scalable/internal/acctest"
)

// settingsConfig is a tier whose every group of settings is a parameter.
func settingsConfig(e *acctest.Env, droplet, lb, extra string) string {
	return e.ProviderConfig() + fmt.Sprintf(`
resource "scalable_web_tier" "web" {
  name   = "settings"
  region = "nyc3"
  droplet {
    instances = 2
    size      = "s-1vcpu-1gb"
    image     = "ubuntu-24-04-x64"
%s
  }
  load_balancer {
%s
  }
%s
}
`, droplet, lb, extra)
}

const plainLB = `
    forwarding_rule {
      entry_protocol  = "http"
      entry_port      = 80
      target_protocol = "http"
      target_port     = 80
    }`

const tunedLB = `
    size_unit                 = 2
    enable_proxy_protocol     = true
    enable_backend_keepalive  = true
    http_idle_timeout_seconds = 120
    redirect_http_to_https    = true
    forwarding_rule {
      entry_protocol  = "http"
      entry_port      = 80
      target_protocol = "http"
      target_port     = 80
    }
    forwarding_rule {
      entry_protocol   = "https"
      entry_port       = 443
      target_protocol  = "http"
      target_port      = 8080
      certificate_name = "web-cert"
    }
    healthcheck {
      protocol                 = "http"
      port                     = 8080
      path                     = "/healthz"
      check_interval_seconds   = 5
      response_timeout_seconds = 3
      healthy_threshold        = 2
      unhealthy_threshold      = 4
    }
    sticky_sessions {
      type               = "cookies"
      cookie_name        = "lb"
      cookie_ttl_seconds = 300
    }
    firewall {
      allow = ["cidr:10.0.0.0/8", "ip:203.0.113.7"]
      deny  = ["ip:198.51.100.1"]
    }`

const alerts = `
  alert {
    metric  = "cpu"
    compare = "GreaterThan"
    value   = 85
    window  = "5m"
    emails  = ["ops@example.com"]
  }
  alert {
    metric  = "lb_cpu"
    compare = "GreaterThan"
    value   = 90.5
    window  = "10m"
    slack {
      channel = "#ops"
      url     = "https://hooks.slack.com/services/T0/B0/x"
    }
  }`

const alertsChanged = `
  alert {
    metric  = "memory"
    compare = "GreaterThan"
    value   = 80
    window  = "30m"
    emails  = ["ops@example.com", "oncall@example.com"]
    enabled = false
  }`

// makeCertificate uploads a self-signed certificate named name.
func makeCertificate(t *testing.T, e *acctest.Env, name string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "web.example.com"},
		DNSNames: []string{"web.example.com"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(90 * 24 * time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = e.Godo().Certificates.Create(context.Background(), &godo.CertificateRequest{
		Name: name, Type: "custom",
		LeafCertificate: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		PrivateKey:      string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})),
	})
	if err != nil {
		t.Fatal(err)
	}
}

func sandboxLB(e *acctest.Env) (*godo.LoadBalancer, error) {
	lbs, _, err := e.Godo().LoadBalancers.List(context.Background(), nil)
	if err != nil {
		return nil, err
	}
	if len(lbs) != 1 {
		return nil, fmt.Errorf("%d load balancers in the sandbox, want 1", len(lbs))
	}
	return &lbs[0], nil
}

func tierPolicies(e *acctest.Env) ([]godo.AlertPolicy, error) {
	ps, _, err := e.Godo().Monitoring.ListAlertPolicies(context.Background(), nil)
	return ps, err
}

// Every group of settings changes in place, and the sandbox ends up exactly
// as configured after each step.
func TestAccWebTierUpdateEachGroupOfSettings(t *testing.T) {
	e := acctest.New(t)
	makeCertificate(t, e, "web-cert")
	var lbID string
	var ids []int
	sameDroplets := func(s *terraform.State) error {
		got, err := dropletIDs(s)
		if err != nil {
			return err
		}
		if ids == nil {
			ids = got
			return nil
		}
		if !slices.Equal(got, ids) {
			return fmt.Errorf("droplets %v, want the same droplets %v: the change should be in place", got, ids)
		}
		return nil
	}
	sameLB := func(s *terraform.State) error {
		id := s.RootModule().Resources[addr].Primary.Attributes["load_balancer_id"]
		if lbID == "" {
			lbID = id
		} else if id != lbID {
			return fmt.Errorf("load balancer %s, want the same %s", id, lbID)
		}
		return nil
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.Factories(),
		CheckDestroy:             e.CheckEmpty,
		Steps: []resource.TestStep{
			{
				Config:           settingsConfig(e, "", plainLB, ""),
				ConfigPlanChecks: emptyPlan(),
				Check:            resource.ComposeAggregateTestCheckFunc(sameDroplets, sameLB),
			},
			{
				// Every load balancer setting.
				Config:           settingsConfig(e, "", tunedLB, ""),
				ConfigPlanChecks: emptyPlan(),
				Check: resource.ComposeAggregateTestCheckFunc(sameDroplets, sameLB, func(*terraform.State) error {
					lb, err := sandboxLB(e)
					if err != nil {
						return err
					}
					hc, ss := lb.HealthCheck, lb.StickySessions
					switch {
					case lb.SizeUnit != 2 || !lb.EnableProxyProtocol || !lb.EnableBackendKeepalive || !lb.RedirectHttpToHttps:
						return fmt.Errorf("load balancer flags not applied: %+v", lb)
					case lb.HTTPIdleTimeoutSeconds == nil || *lb.HTTPIdleTimeoutSeconds != 120:
						return fmt.Errorf("idle timeout %v", lb.HTTPIdleTimeoutSeconds)
					case len(lb.ForwardingRules) != 2:
						return fmt.Errorf("forwarding rules %+v", lb.ForwardingRules)
					case hc.Port != 8080 || hc.Path != "/healthz" || hc.CheckIntervalSeconds != 5 || hc.ResponseTimeoutSeconds != 3 || hc.HealthyThreshold != 2 || hc.UnhealthyThreshold != 4:
						return fmt.Errorf("health check %+v", hc)
					case ss.Type != "cookies" || ss.CookieName != "lb" || ss.CookieTtlSeconds != 300:
						return fmt.Errorf("sticky sessions %+v", ss)
					case lb.Firewall == nil || len(lb.Firewall.Allow) != 2 || len(lb.Firewall.Deny) != 1:
						return fmt.Errorf("firewall %+v", lb.Firewall)
					case lb.Tag != "scalable-tier:settings":
						return fmt.Errorf("target tag %q", lb.Tag)
					}
					for _, r := range lb.ForwardingRules {
						if r.EntryProtocol == "https" && r.CertificateID == "" {
							return fmt.Errorf("https rule without the certificate id: %+v", r)
						}
					}
					return nil
				}),
			},
			{
				// Back to plain.
				Config:           settingsConfig(e, "", plainLB, ""),
				ConfigPlanChecks: emptyPlan(),
				Check: resource.ComposeAggregateTestCheckFunc(sameDroplets, sameLB, func(*terraform.State) error {
					lb, err := sandboxLB(e)
					if err != nil {
						return err
					}
					if lb.SizeUnit != 1 || len(lb.ForwardingRules) != 1 || lb.StickySessions.Type != "none" || lb.HealthCheck.Port != 80 {
						return fmt.Errorf("load balancer not back to defaults: %+v", lb)
					}
					return nil
				}),
			},
			{
				// Alerts: one on droplets (scoped by tag), one on the load balancer.
				Config:           settingsConfig(e, "", plainLB, alerts),
				ConfigPlanChecks: emptyPlan(),
				Check: resource.ComposeAggregateTestCheckFunc(sameDroplets,
					resource.TestCheckResourceAttr(addr, "alert_policy_ids.#", "2"),
					func(*terraform.State) error {
						ps, err := tierPolicies(e)
						if err != nil {
							return err
						}
						if len(ps) != 2 {
							return fmt.Errorf("%d policies, want 2", len(ps))
						}
						for _, p := range ps {
							switch p.Type {
							case "v1/insights/droplet/cpu":
								if !slices.Equal(p.Tags, []string{"scalable-tier:settings"}) || p.Value != 85 || p.Window != "5m" {
									return fmt.Errorf("cpu policy %+v", p)
								}
							case "v1/insights/lbaas/avg_cpu_utilization_percent":
								if !slices.Equal(p.Entities, []string{lbID}) || len(p.Alerts.Slack) != 1 || p.Value != 90.5 {
									return fmt.Errorf("lb policy %+v", p)
								}
							default:
								return fmt.Errorf("unexpected policy %+v", p)
							}
						}
						return nil
					}),
			},
			{
				Config:           settingsConfig(e, "", plainLB, alertsChanged),
				ConfigPlanChecks: emptyPlan(),
				Check: resource.ComposeAggregateTestCheckFunc(sameDroplets,
					resource.TestCheckResourceAttr(addr, "alert_policy_ids.#", "1"),
					func(*terraform.State) error {
						ps, err := tierPolicies(e)
						if err != nil {
							return err
						}
						if len(ps) != 1 || ps[0].Type != "v1/insights/droplet/memory_utilization_percent" || ps[0].Enabled || len(ps[0].Alerts.Email) != 2 {
							return fmt.Errorf("policies %+v", ps)
						}
						return nil
					}),
			},
			{
				// Backups on (weekly), then daily, then off; tags added.
				Config: settingsConfig(e, `
    backups {
      plan    = "weekly"
      weekday = "TUE"
      hour    = 8
    }`, plainLB, `
  tags = ["env:prod", "team-web"]`),
				ConfigPlanChecks: emptyPlan(),
				Check: resource.ComposeAggregateTestCheckFunc(sameDroplets, checkBackups(e, &godo.DropletBackupPolicyConfig{Plan: "weekly", Weekday: "TUE", Hour: 8}),
					checkExtraTags(e, "env:prod", "team-web")),
			},
			{
				Config: settingsConfig(e, `
    backups {
      plan = "daily"
      hour = 20
    }`, plainLB, `
  tags = ["team-web"]`),
				ConfigPlanChecks: emptyPlan(),
				Check: resource.ComposeAggregateTestCheckFunc(sameDroplets, checkBackups(e, &godo.DropletBackupPolicyConfig{Plan: "daily", Hour: 20}),
					checkExtraTags(e, "team-web")),
			},
			{
				Config:           settingsConfig(e, "", plainLB, ""),
				ConfigPlanChecks: emptyPlan(),
				Check:            resource.ComposeAggregateTestCheckFunc(sameDroplets, checkBackups(e, nil), checkExtraTags(e)),
			},
		},
	})
}

// checkBackups asserts every droplet of the tier has the backup policy (nil:
// backups off).
func checkBackups(e *acctest.Env, want *godo.DropletBackupPolicyConfig) resource.TestCheckFunc {
	return func(*terraform.State) error {
		for _, d := range e.Tagged("scalable-tier:settings") {
			p, _, err := e.Godo().Droplets.GetBackupPolicy(context.Background(), d.ID)
			if err != nil {
				return err
			}
			if want == nil {
				if p.BackupEnabled {
					return fmt.Errorf("droplet %d still has backups", d.ID)
				}
				continue
			}
			got := p.BackupPolicy
			if !p.BackupEnabled || got == nil || got.Plan != want.Plan || got.Hour != want.Hour || (want.Plan == "weekly" && got.Weekday != want.Weekday) {
				return fmt.Errorf("droplet %d backups %+v (enabled %v), want %+v", d.ID, got, p.BackupEnabled, want)
			}
		}
		return nil
	}
}

// checkExtraTags asserts the droplets carry exactly these tags besides the
// tier's own.
func checkExtraTags(e *acctest.Env, want ...string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		for _, d := range e.Tagged("scalable-tier:settings") {
			var extra []string
			for _, t := range d.Tags {
				if t != "scalable-tier:settings" && !isRevisionTag(t) {
					extra = append(extra, t)
				}
			}
			slices.Sort(extra)
			if !slices.Equal(extra, want) {
				return fmt.Errorf("droplet %d extra tags %v, want %v", d.ID, extra, want)
			}
		}
		return nil
	}
}

func isRevisionTag(t string) bool { return len(t) > 13 && t[:13] == "scalable-rev:" }

func TestAccWebTierDataSource(t *testing.T) {
	e := acctest.New(t)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.Factories(),
		CheckDestroy:             e.CheckEmpty,
		Steps: []resource.TestStep{{
			Config: tierConfig(e, "seen", 3, "") + `
data "scalable_web_tier" "seen" {
  name = scalable_web_tier.web.name
}
`,
			Check: resource.ComposeAggregateTestCheckFunc(
				resource.TestCheckResourceAttr("data.scalable_web_tier.seen", "instances", "3"),
				resource.TestCheckResourceAttr("data.scalable_web_tier.seen", "region", "nyc3"),
				resource.TestCheckResourceAttr("data.scalable_web_tier.seen", "image", "ubuntu-24-04-x64"),
				resource.TestCheckResourceAttr("data.scalable_web_tier.seen", "droplets.#", "3"),
				resource.TestCheckResourceAttrPair("data.scalable_web_tier.seen", "load_balancer_ip", addr, "load_balancer_ip"),
				resource.TestCheckResourceAttrPair("data.scalable_web_tier.seen", "droplets.0.id", addr, "droplets.0.id"),
			),
		}},
	})
}
