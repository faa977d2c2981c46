package stacktest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/scalable-tf/terraform-provider-scalable/internal/sandbox"
)

// withTraffic turns the sandbox's traffic emulation on.
func withTraffic(o *sandbox.Options) { o.Traffic = true }

// siteAddress is where the load balancer behind siteURL (http://<its ip>)
// answers on port 80. Where the process may bind port 80 (root: CI, the
// hermetic namespace) that is the URL itself, as a user would paste it into
// curl; elsewhere the sandbox serves the rule on a 127.0.0.1 port.
func siteAddress(t *testing.T, srv *sandbox.Server, lbID, siteURL string) string {
	t.Helper()
	u, err := url.Parse(siteURL)
	if err != nil {
		t.Fatalf("url output %q: %v", siteURL, err)
	}
	ls, err := srv.LoadBalancerListeners(lbID)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range ls {
		if l.EntryPort != 80 {
			continue
		}
		if os.Geteuid() == 0 && l.PublicAddress != u.Hostname()+":80" {
			t.Errorf("running as root, the load balancer should serve its own address %s:80; listener %+v", u.Hostname(), l)
		}
		return l.Address
	}
	t.Fatalf("no listener on port 80 among %+v", ls)
	return ""
}

// servedBy sends GETs to addr until want distinct droplets answered 200
// (bounded), and returns the droplet ids that answered.
func servedBy(t *testing.T, addr string, want int) map[string]int {
	t.Helper()
	c := &http.Client{Timeout: 3 * time.Second}
	seen := map[string]int{}
	deadline := time.Now().Add(30 * time.Second)
	for len(seen) < want {
		if time.Now().After(deadline) {
			t.Fatalf("after 30 s only %d of %d droplets answered through http://%s/: %v", len(seen), want, addr, seen)
		}
		resp, err := c.Get("http://" + addr + "/")
		if err != nil {
			time.Sleep(20 * time.Millisecond)
			continue
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if id := resp.Header.Get("X-Droplet-Id"); resp.StatusCode == http.StatusOK && id != "" {
			seen[id]++
		} else {
			time.Sleep(20 * time.Millisecond) // not in rotation yet: 503
		}
	}
	return seen
}

func rolloutHTTPConfig(image string) string {
	return tierConfig("probed", fmt.Sprintf(`  droplet {
    instances = 2
    size      = "s-1vcpu-1gb"
    image     = %q
  }
  rollout {
    health         = "http"
    health_timeout = "3s"
  }`, image))
}

// Rollout health "http" from the plain CLI, as a user runs it: the built
// provider probes each new droplet on its address itself, whether the
// sandbox could bind the droplet's port 80 (root) or serves it on a
// 127.0.0.1 port (a user without root; LocalPortsOnly stands in for one).
func TestAccRolloutHealthHTTPFromTheCLI(t *testing.T) {
	requireAcc(t)
	for _, localOnly := range []bool{false, true} {
		t.Run("local ports only "+strconv.FormatBool(localOnly), func(t *testing.T) {
			t.Parallel()
			srv := startSandbox(t, withTraffic, func(o *sandbox.Options) { o.LocalPortsOnly = localOnly })
			dir := t.TempDir()
			tf := newTerraform(t, sandboxEnv(srv)...)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			apply := func(image string) (string, int) {
				if err := os.WriteFile(dir+"/main.tf", []byte(rolloutHTTPConfig(image)), 0o644); err != nil {
					t.Fatal(err)
				}
				return tf.exitCode(ctx, dir, "apply", "-auto-approve", "-input=false")
			}
			if out, code := apply("ubuntu-22-04-x64"); code != 0 {
				t.Fatalf("first apply: exit %d\n%s", code, out)
			}
			out, code := apply("broken-debian-13-x64")
			if code == 0 || !strings.Contains(out, "rollout stopped") || !strings.Contains(out, "answered 500") {
				t.Fatalf("a broken image rolled out or failed for another reason (exit %d):\n%s", code, out)
			}
			if out, code := apply("debian-13-x64"); code != 0 {
				t.Fatalf("a good image after the failed one: exit %d\n%s", code, out)
			}
			if out, code := tf.exitCode(ctx, dir, "plan", "-detailed-exitcode", "-input=false"); code != 0 {
				t.Errorf("plan after the rollout is not empty (exit %d):\n%s", code, out)
			}
			tf.run(ctx, dir, "destroy", "-auto-approve", "-input=false")
			if left := sandboxLeftovers(srv); len(left) > 0 {
				t.Errorf("destroy left these behind: %v", left)
			}
		})
	}
}
