package doclient

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/scalable-tf/terraform-provider-scalable/internal/sandbox"
	"github.com/scalable-tf/terraform-provider-scalable/internal/tier"
)

var probeCheck = tier.HealthCheck{Protocol: "http", Port: 80, Path: "/", ResponseTimeoutSeconds: 2}

// runningDroplet creates one droplet and waits (bounded) until the sandbox
// serves its app.
func runningDroplet(t *testing.T, c *Client, srv *sandbox.Server) tier.Droplet {
	t.Helper()
	made, err := c.CreateDroplets(context.Background(), request("t-probe"))
	if err != nil || len(made) != 1 {
		t.Fatalf("create: %v %v", made, err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		d, err := c.GetDroplet(context.Background(), made[0].ID)
		if err == nil && d.PublicIPv4 != "" {
			if _, err := srv.DropletHTTP(d.ID); err == nil {
				return *d
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("droplet %d did not serve within 10 s", made[0].ID)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// The probe reaches the emulated droplet whether or not the sandbox could
// bind the droplet's own address (a non-root user cannot bind port 80;
// LocalPortsOnly stands in for that).
func TestProbeHTTPReachesTheSandboxDroplet(t *testing.T) {
	for _, localOnly := range []bool{false, true} {
		name := "bound addresses"
		if localOnly {
			name = "local ports only"
		}
		t.Run(name, func(t *testing.T) {
			c, srv := newClient(t, func(o *sandbox.Options) { o.Traffic, o.LocalPortsOnly = true, localOnly })
			d := runningDroplet(t, c, srv)
			if err := c.ProbeHTTP(context.Background(), d, probeCheck); err != nil {
				t.Fatalf("probe of a healthy droplet: %v", err)
			}
			if err := srv.SetDropletBehaviour(d.ID, sandbox.Behaviour{Kind: sandbox.BehaviourFailing}); err != nil {
				t.Fatal(err)
			}
			err := c.ProbeHTTP(context.Background(), d, probeCheck)
			if err == nil || !strings.Contains(err.Error(), "answered 500") {
				t.Fatalf("probe of a failing droplet: %v, want answered 500", err)
			}
			h, _ := srv.DropletHTTP(d.ID)
			if localOnly != strings.Contains(err.Error(), h.Address) {
				t.Errorf("probe went to the wrong address: %v (local %s)", err, h.Address)
			}
		})
	}
}

// Against an endpoint on this machine, the probe dials loopback only: a
// droplet address anywhere else is refused before any connection.
func TestProbeHTTPRefusesRoutableAddressesOfALocalEndpoint(t *testing.T) {
	c, _ := newClient(t)
	d := tier.Droplet{ID: 1, Name: "x", PublicIPv4: "192.0.2.10"} // TEST-NET-1: never dialled
	err := c.ProbeHTTP(context.Background(), d, probeCheck)
	if err == nil || !strings.Contains(err.Error(), "refusing to probe 192.0.2.10:80") {
		t.Fatalf("got %v, want a refusal naming the address", err)
	}
}

func TestLocalEndpoint(t *testing.T) {
	for endpoint, want := range map[string]bool{
		"http://127.0.0.1:4000": true, "http://127.9.0.1": true, "http://localhost:80": true, "http://[::1]:9": true,
		"https://api.digitalocean.com": false, "": false, "http://10.0.0.1": false,
	} {
		c := &Client{cfg: Config{Endpoint: endpoint}}
		if got := c.localEndpoint(); got != want {
			t.Errorf("localEndpoint(%q) = %v, want %v", endpoint, got, want)
		}
	}
}
