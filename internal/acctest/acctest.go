// Package acctest runs acceptance tests against an in-process sandbox:
// each test gets its own DigitalOcean twin on 127.0.0.1, the provider
// served in-process, and the real Terraform CLI.
package acctest

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/digitalocean/godo"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/scalable-tf/terraform-provider-scalable/internal/provider"
	"github.com/scalable-tf/terraform-provider-scalable/internal/sandbox"
)

// TimeScale is the sandbox time scale of acceptance tests: a droplet boots
// in 450 ms, a load balancer provisions in 900 ms, with DigitalOcean's ratios.
const TimeScale = 0.01

var cliConfigOnce sync.Once

// prepareTerraform points Terraform at an empty CLI config (the machine's
// points at a missing file) and never at the checkpoint service.
func prepareTerraform(t *testing.T) {
	cliConfigOnce.Do(func() {
		dir, err := os.MkdirTemp("", "scalable-acc-cli")
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, "terraformrc")
		if err := os.WriteFile(path, []byte("# acceptance tests use in-process providers\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		env := map[string]string{"TF_CLI_CONFIG_FILE": path, "CHECKPOINT_DISABLE": "1"}
		if os.Getenv("TF_ACC_TERRAFORM_PATH") == "" {
			env["TF_ACC_TERRAFORM_PATH"] = "/usr/local/bin/terraform"
		}
		for k, v := range env {
			if err := os.Setenv(k, v); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// Env is one test's sandbox and the provider configured for it.
type Env struct {
	T       *testing.T
	Sandbox *sandbox.Server
	URL     string
	Token   string
	// ProviderExtra is added inside the provider block.
	ProviderExtra string

	keyOnce        sync.Once // SSHKey adds the account's key once
	keyFingerprint string
	keyErr         error
}

// New starts a sandbox for the test at TimeScale; mutators adjust options.
func New(t *testing.T, mutators ...func(*sandbox.Options)) *Env {
	t.Helper()
	prepareTerraform(t)
	opts := sandbox.Options{Token: "acc-" + t.Name(), TimeScale: TimeScale}
	for _, m := range mutators {
		m(&opts)
	}
	srv, err := sandbox.New(opts)
	if err != nil {
		t.Fatalf("sandbox: %v", err)
	}
	if err := srv.Start("127.0.0.1:0"); err != nil {
		t.Fatalf("sandbox: %v", err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return &Env{T: t, Sandbox: srv, URL: srv.URL(), Token: srv.Token()}
}

// ProviderConfig is the provider block for the sandbox.
func (e *Env) ProviderConfig() string {
	return fmt.Sprintf(`
provider "scalable" {
  api_endpoint        = %q
  token               = %q
  time_scale          = %v
  poll_interval       = "40ms"
  http_retry_wait_min = 0.02
  http_retry_wait_max = 0.2
%s
}
`, e.URL, e.Token, TimeScale, e.ProviderExtra)
}

// Factories serve the provider in-process.
func (e *Env) Factories() map[string]func() (tfprotov6.ProviderServer, error) {
	return map[string]func() (tfprotov6.ProviderServer, error){
		"scalable": func() (tfprotov6.ProviderServer, error) {
			return providerserver.NewProtocol6WithError(provider.New("test")())()
		},
	}
}

// Godo is a godo client on the sandbox, without retries.
func (e *Env) Godo() *godo.Client {
	hc := &http.Client{Timeout: 30 * time.Second, Transport: bearer{e.Token}}
	c, err := godo.New(hc, godo.SetBaseURL(e.URL))
	if err != nil {
		e.T.Fatal(err)
	}
	return c
}

type bearer struct{ token string }

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return http.DefaultTransport.RoundTrip(r)
}

// Tagged lists the droplets carrying tag.
func (e *Env) Tagged(tag string) []godo.Droplet {
	e.T.Helper()
	list, _, err := e.Godo().Droplets.ListByTag(context.Background(), tag, &godo.ListOptions{PerPage: 200})
	if err != nil {
		e.T.Fatalf("list droplets tagged %s: %v", tag, err)
	}
	return list
}

// Inventory is everything in the sandbox account.
type Inventory struct {
	Droplets      int
	LoadBalancers int
	AlertPolicies int
	Firewalls     int
	// AddressRecords are A and AAAA records, LetsEncrypt the Let's Encrypt
	// certificates: what a tier's domain block makes (tests upload custom
	// certificates of their own, and domains carry SOA and NS records).
	AddressRecords int
	LetsEncrypt    int
}

// Inventory counts what the sandbox holds.
func (e *Env) Inventory() Inventory {
	var inv Inventory
	e.Sandbox.Inspect(func(w *sandbox.World) {
		inv = Inventory{Droplets: len(w.Droplets), LoadBalancers: len(w.LoadBalancers), AlertPolicies: len(w.AlertPolicies), Firewalls: len(w.Firewalls)}
		for _, r := range w.DomainRecords {
			if r.Type == "A" || r.Type == "AAAA" {
				inv.AddressRecords++
			}
		}
		for _, c := range w.Certificates {
			if c.Type == "lets_encrypt" {
				inv.LetsEncrypt++
			}
		}
	})
	return inv
}

// CheckEmpty asserts the sandbox holds no droplet, load balancer, alert
// policy, firewall, A or AAAA record or Let's Encrypt certificate: a
// destroy left nothing behind.
func (e *Env) CheckEmpty(*terraform.State) error {
	if inv := e.Inventory(); inv != (Inventory{}) {
		return fmt.Errorf("sandbox still holds %+v after destroy", inv)
	}
	return nil
}
