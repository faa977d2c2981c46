package sandbox

import (
	"bytes"
	"encoding/json"
	"log"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/digitalocean/godo"
)

// onTheMachine reports whether a public address the sandbox hands out
// stays here: loopback, or the IPv6 documentation prefix.
func onTheMachine(a netip.Addr) bool {
	return a.IsLoopback() || netip.MustParsePrefix("2001:db8::/32").Contains(a)
}

// addressesIn walks a decoded JSON answer and calls f with the path and
// value of every string that is an IP address or a prefix.
func addressesIn(path string, v any, f func(path string, a netip.Addr)) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			addressesIn(path+"."+k, x, f)
		}
	case []any:
		for i, x := range v {
			addressesIn(path+"["+strconv.Itoa(i)+"]", x, f)
		}
	case string:
		if a, err := netip.ParseAddr(v); err == nil {
			f(path, a)
		} else if p, err := netip.ParsePrefix(v); err == nil {
			f(path, p.Addr())
		}
	}
}

// TestEveryAddressInEveryAnswerStaysOnTheMachine builds a world with every
// kind of object that has an address (droplets with IPv6 and without
// public networking, external, dual-stack and internal load balancers, a
// VPC, a firewall) and checks every address in every answer: public ones
// are loopback or 2001:db8::/32, private ones lie in the VPC's range, and
// the only others are what the request itself said (firewall sources).
func TestEveryAddressInEveryAnswerStaysOnTheMachine(t *testing.T) {
	e := newTestEnv(t)
	vpc, _, err := e.client.VPCs.Create(e.ctx, &godo.VPCCreateRequest{Name: "net", RegionSlug: "nyc3", IPRange: "10.116.0.0/20"})
	if err != nil {
		t.Fatal(err)
	}
	req := dropletRequest("web-1")
	req.IPv6, req.VPCUUID, req.Tags = true, vpc.ID, []string{"web"}
	d1 := e.createDroplet(req)
	d2 := e.createDroplet(dropletRequest("web-2"))
	e.advance(e.srv.delays.DropletBoot)
	for _, network := range []string{"EXTERNAL", "INTERNAL"} {
		lbReq := &godo.LoadBalancerRequest{
			Name: "lb-" + strings.ToLower(network), Region: "nyc3", Tag: "web", Network: network, VPCUUID: vpc.ID,
			NetworkStack:    "DUALSTACK",
			ForwardingRules: []godo.ForwardingRule{{EntryProtocol: "http", EntryPort: 80, TargetProtocol: "http", TargetPort: 80}},
		}
		if network == "INTERNAL" {
			lbReq.NetworkStack = ""
		}
		if _, _, err := e.client.LoadBalancers.Create(e.ctx, lbReq); err != nil {
			t.Fatalf("%s load balancer: %v", network, err)
		}
	}
	if _, _, err := e.client.Firewalls.Create(e.ctx, &godo.FirewallRequest{
		Name: "web", Tags: []string{"web"},
		InboundRules: []godo.InboundRule{{Protocol: "tcp", PortRange: "22", Sources: &godo.Sources{Addresses: []string{"0.0.0.0/0", "::/0"}}}},
	}); err != nil {
		t.Fatal(err)
	}
	e.advance(e.srv.delays.LoadBalancerProvision)

	vpcRange := netip.MustParsePrefix("10.116.0.0/20")
	seen := map[string]int{}
	for _, path := range []string{
		"/v2/droplets", "/v2/droplets/" + strconv.Itoa(d1.ID), "/v2/droplets/" + strconv.Itoa(d2.ID),
		"/v2/load_balancers", "/v2/vpcs", "/v2/firewalls", "/v2/account", "/v2/regions",
	} {
		addressesIn(path, e.rawGet(path), func(p string, a netip.Addr) {
			switch {
			case strings.HasSuffix(p, ".netmask"): // a mask, not an address
			case strings.Contains(p, "sources.addresses") && a.IsUnspecified():
				seen["request echo"]++
			case onTheMachine(a):
				seen["on the machine"]++
			case a.IsPrivate() && (vpcRange.Contains(a) || strings.Contains(p, "ip_range") || strings.HasPrefix(p, "/v2/vpcs")):
				seen["private"]++
			default:
				t.Errorf("%s = %s: a routable address", p, a)
			}
		})
	}
	t.Logf("addresses checked: %v", seen)
	if seen["on the machine"] < 10 || seen["private"] < 3 {
		t.Errorf("too few addresses checked (%v): the walk missed the networks", seen)
	}
	got := e.getDroplet(d1.ID)
	v6, _ := got.PublicIPv6()
	if a, err := netip.ParseAddr(v6); err != nil || !onTheMachine(a) || a.IsLoopback() {
		t.Errorf("droplet IPv6 %q is not in 2001:db8::/32", v6)
	}
}

func TestSandboxesDrawDistinctBlocks(t *testing.T) {
	seen := map[string]bool{}
	for range 5 {
		e := newTestEnv(t)
		b := e.srv.AddressBlock()
		if seen[b] {
			t.Fatalf("two running sandboxes share the block %s", b)
		}
		seen[b] = true
		d := e.createDroplet(dropletRequest("web"))
		e.advance(e.srv.delays.DropletBoot)
		ip, _ := e.getDroplet(d.ID).PublicIPv4()
		if !netip.MustParsePrefix(b).Contains(netip.MustParseAddr(ip)) {
			t.Errorf("droplet %s outside its sandbox's block %s", ip, b)
		}
	}
}

func TestAddressesAreUniqueAndSkipGatewaysAndTheReservedRange(t *testing.T) {
	e := newTestEnv(t, func(o *Options) { o.DropletLimit = 1000 })
	// Start near the end of a /24 and of the block, so the walk crosses
	// .255/.0/.1 and the reserved 127.B.255.0/24 (then wraps).
	e.srv.Inspect(func(w *World) { w.NextAddress = 0xfef0 })
	names := make([]string, 10)
	seen := map[string]bool{}
	for round := range 4 {
		for i := range names {
			names[i] = "web-" + strconv.Itoa(round) + "-" + strconv.Itoa(i)
		}
		ds, _, err := e.client.Droplets.CreateMultiple(e.ctx, &godo.DropletMultiCreateRequest{Names: names, Region: "nyc3", Size: "s-1vcpu-1gb", Image: godo.DropletCreateImage{Slug: "ubuntu-24-04-x64"}})
		if err != nil {
			t.Fatal(err)
		}
		e.advance(e.srv.delays.DropletBoot)
		for _, d := range ds {
			ip, _ := e.getDroplet(d.ID).PublicIPv4()
			v := netip.MustParseAddr(ip).As4()
			if seen[ip] || v[3] == 0 || v[3] == 1 || v[3] == 255 || v[2] == 255 {
				t.Errorf("address %s: duplicate %v, or a network, gateway, broadcast or reserved address", ip, seen[ip])
			}
			seen[ip] = true
		}
	}
}

func TestStateKeepsTheBlockAndAddresses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "world.json")
	first := newTestEnv(t, func(o *Options) { o.StateFile = path })
	d := first.createDroplet(dropletRequest("web"))
	first.advance(first.srv.delays.DropletBoot)
	ip, _ := first.getDroplet(d.ID).PublicIPv4()
	block := first.srv.AddressBlock()

	// While the first runs, a second sandbox on the same state is refused:
	// it could not hand out the same addresses without colliding.
	if _, err := New(Options{StateFile: path}); err == nil || !strings.Contains(err.Error(), "in use by another sandbox") {
		t.Fatalf("a second sandbox on a running sandbox's state: %v", err)
	}
	if err := first.srv.Close(); err != nil {
		t.Fatal(err)
	}
	second := newTestEnv(t, func(o *Options) { o.StateFile = path })
	if got := second.srv.AddressBlock(); got != block {
		t.Errorf("block %s after restart, was %s", got, block)
	}
	if got, _ := second.getDroplet(d.ID).PublicIPv4(); got != ip {
		t.Errorf("droplet address %s after restart, was %s", got, ip)
	}
}

// A state file from before the address plan (version 1) held routable
// addresses: they move into the sandbox's block on load.
func TestVersion1StateIsReaddressed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "world.json")
	old := map[string]any{
		"version": 1, "next_droplet_id": 510000002,
		"droplets": map[string]any{"510000001": map[string]any{
			"id": 510000001, "name": "old", "region": "nyc3", "size": "s-1vcpu-1gb", "image_id": 1, "status": "active",
			"public_ipv4": "159.203.10.20", "public_ipv6": "2604:a880:800:10::1e67:d001", "private_ipv4": "10.108.0.2",
		}},
		"load_balancers": map[string]any{"4de7ac8b-495b-4884-9a69-1050c6793cd6": map[string]any{
			"id": "4de7ac8b-495b-4884-9a69-1050c6793cd6", "name": "old-lb", "status": "active", "network": "EXTERNAL",
			"ip": "159.203.1.2", "ipv6": "2604:a880:800:14::1:2",
		}},
	}
	data, _ := json.Marshal(old)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	e := newTestEnv(t, func(o *Options) { o.StateFile = path })
	e.srv.Inspect(func(w *World) {
		d, lb := w.Droplets[510000001], w.LoadBalancers["4de7ac8b-495b-4884-9a69-1050c6793cd6"]
		for _, a := range []string{d.PublicIPv4, d.PublicIPv6, lb.IP, lb.IPv6} {
			if addr, err := netip.ParseAddr(a); err != nil || !onTheMachine(addr) {
				t.Errorf("address %q kept after loading a version 1 state", a)
			}
		}
		if d.PrivateIPv4 != "10.108.0.2" {
			t.Errorf("private address changed to %s", d.PrivateIPv4)
		}
		if w.Version != stateVersion {
			t.Errorf("version %d", w.Version)
		}
	})
}

func TestLoadBalancerRequestedIPMustBeTheSandboxs(t *testing.T) {
	e := newTestEnv(t)
	e.createDroplet(dropletRequest("web"))
	req := func(ip string) *godo.LoadBalancerRequest {
		return &godo.LoadBalancerRequest{Name: "lb", Region: "nyc3", Tag: "web", IP: ip,
			ForwardingRules: []godo.ForwardingRule{{EntryProtocol: "http", EntryPort: 80, TargetProtocol: "http", TargetPort: 80}}}
	}
	_, _, err := e.client.LoadBalancers.Create(e.ctx, req("159.203.1.2"))
	if er := e.apiError(err, http.StatusUnprocessableEntity, "unprocessable_entity"); !strings.Contains(er.Message, `"159.203.1.2"`) {
		t.Errorf("message %q does not name the ip", er.Message)
	}
	b := netip.MustParsePrefix(e.srv.AddressBlock()).Addr().As4()
	mine := netip.AddrFrom4([4]byte{127, b[1], 7, 7}).String()
	lb, _, err := e.client.LoadBalancers.Create(e.ctx, req(mine))
	if err != nil {
		t.Fatal(err)
	}
	e.advance(e.srv.delays.LoadBalancerProvision)
	got, _, err := e.client.LoadBalancers.Get(e.ctx, lb.ID)
	if err != nil || got.IP != mine {
		t.Errorf("ip %q, %v; want the requested %s", got.IP, err, mine)
	}
	_, _, err = e.client.LoadBalancers.Create(e.ctx, req(mine))
	e.apiError(err, http.StatusUnprocessableEntity, "unprocessable_entity")
}

// With traffic emulation the handed-out addresses answer: the load
// balancer on its ip and entry port, the droplet on its ip and port 80,
// when the sandbox may bind them (root for ports below 1024); otherwise
// the listeners report only their local ports and a notice says why.
func TestTrafficServesOnTheHandedOutAddresses(t *testing.T) {
	for _, localOnly := range []bool{false, true} {
		t.Run("local ports only "+strconv.FormatBool(localOnly), func(t *testing.T) {
			var notices bytes.Buffer
			e := newTrafficEnv(t, func(o *Options) {
				o.LocalPortsOnly = localOnly
				o.Notices = log.New(&notices, "", 0)
			})
			ids := e.webDroplets(2, "web", "")
			lbID, _ := e.trafficLB("web", nil)
			e.waitHealth(lbID, 20*interval(10), allHealthy(ids, true))
			lb, _, err := e.client.LoadBalancers.Get(e.ctx, lbID)
			if err != nil {
				t.Fatal(err)
			}
			ls, err := e.srv.LoadBalancerListeners(lbID)
			if err != nil {
				t.Fatal(err)
			}
			public := "http://" + net.JoinHostPort(lb.IP, "80") + "/"
			canBind := !localOnly && canBindPort80(lb.IP)
			if !canBind {
				if ls[0].PublicAddress != "" || ls[0].Address != ls[0].LocalAddress {
					t.Errorf("listener %+v claims a public address it cannot have", ls[0])
				}
				if !localOnly && !strings.Contains(notices.String(), "cannot bind") {
					t.Errorf("no notice that the public address could not be bound: %q", notices.String())
				}
				if _, err := http.Get(public); err == nil {
					t.Errorf("%s answers although nothing should be bound there", public)
				}
				return
			}
			if ls[0].PublicAddress != net.JoinHostPort(lb.IP, "80") || ls[0].Address != ls[0].PublicAddress {
				t.Errorf("listener %+v: want public address %s:80", ls[0], lb.IP)
			}
			c := noRedirects()
			served := map[int]bool{}
			for range 6 {
				status, id := hit(t, c, public)
				if status != http.StatusOK {
					t.Fatalf("GET %s: %d", public, status)
				}
				served[id] = true
			}
			if len(served) != 2 {
				t.Errorf("the load balancer's own address served by %v, want both droplets", served)
			}
			d := e.getDroplet(ids[0])
			ip, _ := d.PublicIPv4()
			status, id := hit(t, c, "http://"+ip+"/")
			if status != http.StatusOK || id != d.ID {
				t.Errorf("droplet %d on its own address %s: %d from %d", d.ID, ip, status, id)
			}
			h, _ := e.srv.DropletHTTP(d.ID)
			if h.PublicIP != ip || len(h.PublicPorts) == 0 || h.PublicPorts[0] != 80 {
				t.Errorf("droplet http %+v", h)
			}
		})
	}
}

// canBindPort80 reports whether this process may listen on port 80 of a
// loopback address in the same block as ip (root, or a lowered
// ip_unprivileged_port_start).
func canBindPort80(ip string) bool {
	a := netip.MustParseAddr(ip).As4()
	probe := netip.AddrFrom4([4]byte{127, a[1], 255, 253}).String()
	ln, err := net.Listen("tcp", net.JoinHostPort(probe, "80"))
	if err != nil {
		return false
	}
	ln.Close()
	return true
}
