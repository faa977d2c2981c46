package stacktest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/scalable-tf/terraform-provider-scalable/internal/sandbox"
)

// timeScale is the sandbox's (and so the provider's) time scale: a droplet
// boots in 450 ms, a load balancer provisions in 900 ms.
const timeScale = 0.01

// startSandbox runs an in-process sandbox for the test; mutators adjust
// its options (traffic emulation, say).
func startSandbox(t *testing.T, mutators ...func(*sandbox.Options)) *sandbox.Server {
	t.Helper()
	opts := sandbox.Options{Token: "stacktest-" + t.Name(), TimeScale: timeScale}
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
	return srv
}

// sandboxEnv points the provider at srv.
func sandboxEnv(srv *sandbox.Server) []string {
	return []string{
		"DIGITALOCEAN_API_URL=" + srv.URL(),
		"DIGITALOCEAN_TOKEN=" + srv.Token(),
		fmt.Sprintf("SCALABLE_TIME_SCALE=%g", timeScale),
		"SCALABLE_POLL_INTERVAL=40ms",
	}
}

// createCertificate adds a Let's Encrypt certificate for www.example.com
// to the sandbox account, as a user would before naming it in
// certificate_name: first the domain, which DigitalOcean requires.
func createCertificate(t *testing.T, srv *sandbox.Server, name string) {
	t.Helper()
	sandboxPost(t, srv, "/v2/domains", map[string]any{"name": "example.com"})
	sandboxPost(t, srv, "/v2/certificates", map[string]any{"name": name, "type": "lets_encrypt", "dns_names": []string{"www.example.com"}})
}

// sandboxPost creates something in the sandbox account, failing the test
// unless it answers 201, and returns the answer.
func sandboxPost(t *testing.T, srv *sandbox.Server, path string, in map[string]any) map[string]json.RawMessage {
	t.Helper()
	body, _ := json.Marshal(in)
	req, err := http.NewRequest(http.MethodPost, srv.URL()+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+srv.Token())
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	var out map[string]json.RawMessage
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST %s: HTTP %d %v", path, resp.StatusCode, err)
	}
	return out
}

// createProject adds a project to the sandbox account, as a user would
// with doctl projects create, and returns its id.
func createProject(t *testing.T, srv *sandbox.Server, name string) string {
	t.Helper()
	out := sandboxPost(t, srv, "/v2/projects", map[string]any{"name": name, "purpose": "Web Application", "environment": "Development"})
	var p struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(out["project"], &p); err != nil || p.ID == "" {
		t.Fatalf("POST /v2/projects: no project id in %s (%v)", out["project"], err)
	}
	return p.ID
}

// testPublicKey is the SSH key the tests add to their sandbox account:
// configs may only name keys the account holds, as on DigitalOcean.
// modules/web-stack/tests/stack.tftest.hcl names it by its fingerprint,
// testKeyFingerprint.
const (
	testPublicKey      = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g stacktest"
	testKeyFingerprint = "05:6d:11:6f:aa:82:7f:17:e4:a2:92:09:ca:cf:9d:42"
)

// addSSHKey adds testPublicKey to the sandbox account through POST
// /v2/account/keys, as a user would, and checks the fingerprint it got.
func addSSHKey(t *testing.T, srv *sandbox.Server) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"name": "stacktest", "public_key": testPublicKey})
	req, err := http.NewRequest(http.MethodPost, srv.URL()+"/v2/account/keys", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+srv.Token())
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("add ssh key: %v", err)
	}
	defer resp.Body.Close()
	var out struct {
		SSHKey struct {
			Fingerprint string `json:"fingerprint"`
		} `json:"ssh_key"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("add ssh key: HTTP %d %v", resp.StatusCode, err)
	}
	if out.SSHKey.Fingerprint != testKeyFingerprint {
		t.Fatalf("ssh key fingerprint %s, want %s", out.SSHKey.Fingerprint, testKeyFingerprint)
	}
}

// TestAccWebStackModule runs modules/web-stack/tests/*.tftest.hcl: apply,
// scale out and in, switch to HTTPS, open SSH and ports, keep a DNS name
// with a Let's Encrypt certificate, move into a project, roll a new app,
// then destroy; it checks that those paths reached the sandbox and that the
// destroy left nothing in it.
func TestAccWebStackModule(t *testing.T) {
	requireAcc(t)
	t.Parallel()
	srv := startSandbox(t)
	createCertificate(t, srv, "stack-own-cert")
	project := createProject(t, srv, "stack-test")
	// ssh_sources names it: DigitalOcean refuses firewall rules naming a tag
	// the account does not have.
	sandboxPost(t, srv, "/v2/tags", map[string]any{"name": "bastion"})
	addSSHKey(t, srv)

	work := t.TempDir()
	copyTree(t, work, "modules")
	dir := filepath.Join(work, "modules", "web-stack")

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	tf := newTerraform(t, sandboxEnv(srv)...)
	tf.run(ctx, dir, "init", "-backend=false")
	out := tf.run(ctx, dir, "test", fmt.Sprintf("-var=test_project_id=%q", project))
	t.Logf("terraform test:\n%s", out)

	// Each path of the module made its objects in the sandbox, as
	// DigitalOcean would have been asked to.
	counts := srv.Counts()
	for _, ep := range []string{
		"POST /v2/firewalls", "PUT /v2/firewalls/{id}", "DELETE /v2/firewalls/{id}",
		"POST /v2/domains/{name}/records", "DELETE /v2/domains/{name}/records/{id}",
		"POST /v2/certificates", "DELETE /v2/certificates/{id}",
		"POST /v2/projects/{id}/resources",
	} {
		if n := counts.Of(ep); n == 0 {
			t.Errorf("terraform test never called %s", ep)
		}
	}
	if left := sandboxLeftovers(srv); len(left) > 0 {
		t.Errorf("terraform test left these behind after destroying: %v", left)
	}
}

// sandboxLeftovers lists the droplets, load balancers, alert policies,
// autoscale pools, firewalls, DNS records (but a domain's own SOA and NS)
// and certificates (but those a test made itself, named *-own-cert) the
// sandbox still holds.
func sandboxLeftovers(srv *sandbox.Server) []string {
	var left []string
	srv.Inspect(func(w *sandbox.World) {
		for _, d := range w.Droplets {
			left = append(left, "droplet "+d.Name)
		}
		for _, lb := range w.LoadBalancers {
			left = append(left, "load balancer "+lb.Name)
		}
		for _, p := range w.AlertPolicies {
			left = append(left, "alert policy "+p.Description)
		}
		for _, p := range w.AutoscalePools {
			if p.Status != "deleting" {
				left = append(left, "autoscale pool "+p.Name)
			}
		}
		for _, f := range w.Firewalls {
			left = append(left, "firewall "+f.Name)
		}
		for _, r := range w.DomainRecords {
			if r.Type != "SOA" && r.Type != "NS" {
				left = append(left, fmt.Sprintf("%s record %s in %s", r.Type, r.Name, r.Domain))
			}
		}
		for _, c := range w.Certificates {
			if !strings.HasSuffix(c.Name, "-own-cert") {
				left = append(left, "certificate "+c.Name)
			}
		}
	})
	return left
}
