package sandbox

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/digitalocean/godo"
)

// answers reports whether a GET of url gets an HTTP answer (any status),
// from a client whose connections come from source (nil: the default).
func answers(url string, source net.Addr) (int, http.Header, bool) {
	d := &net.Dialer{Timeout: 2 * time.Second, LocalAddr: source}
	c := &http.Client{Timeout: 3 * time.Second, Transport: &http.Transport{DialContext: d.DialContext, DisableKeepAlives: true}}
	resp, err := c.Get(url)
	if err != nil {
		return 0, nil, false
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, resp.Header, true
}

// addressInBlock is an unused address of the sandbox's block to open
// client connections from.
func (e *testEnv) addressInBlock(third, fourth byte) *net.TCPAddr {
	b := netip.MustParsePrefix(e.srv.AddressBlock()).Addr().As4()
	return &net.TCPAddr{IP: net.IPv4(127, b[1], third, fourth)}
}

func (e *testEnv) dropletURL(id int) string {
	h, err := e.srv.DropletHTTP(id)
	if err != nil {
		e.t.Fatal(err)
	}
	if len(h.PublicPorts) > 0 && h.PublicPorts[0] == 80 {
		return "http://" + h.PublicIP + "/"
	}
	return "http://" + h.Address + "/"
}

// A droplet behind a cloud firewall that lets in only its load balancer
// (source_load_balancer_uids) answers the load balancer and nobody else;
// when the rule stops naming the load balancer its health checks fail too.
func TestTrafficCloudFirewallAdmitsOnlyWhatItsRulesAllow(t *testing.T) {
	for _, localOnly := range []bool{false, true} {
		t.Run(fmt.Sprintf("local ports only %v", localOnly), func(t *testing.T) {
			cloudFirewallScenario(t, newTrafficEnv(t, func(o *Options) { o.LocalPortsOnly = localOnly }))
		})
	}
}

func cloudFirewallScenario(t *testing.T, e *testEnv) {
	ids := e.webDroplets(2, "web", "")
	lb, lbURL := e.trafficLB("web", nil)
	e.waitHealth(lb, 20*interval(10), allHealthy(ids, true))
	direct := e.dropletURL(ids[0])
	if _, _, ok := answers(direct, nil); !ok {
		t.Fatalf("no firewall yet, but %s does not answer", direct)
	}

	onlyLB := godo.InboundRule{Protocol: "tcp", PortRange: "80", Sources: &godo.Sources{LoadBalancerUIDs: []string{lb}}}
	fw, _, err := e.client.Firewalls.Create(e.ctx, &godo.FirewallRequest{Name: "web", Tags: []string{"web"}, InboundRules: []godo.InboundRule{onlyLB}})
	if err != nil {
		t.Fatal(err)
	}
	e.eventually(5*time.Second, "the firewall refuses a direct client", func() bool {
		_, _, ok := answers(direct, nil)
		return !ok
	})
	for range 10 {
		if status, _ := hit(t, noRedirects(), lbURL+"/"); status != http.StatusOK {
			t.Fatalf("through the load balancer the firewall lets in: %d", status)
		}
	}

	// From another droplet's address, allowed by droplet id and by tag.
	other := e.createDroplet(&godo.DropletCreateRequest{Name: "bastion", Region: "nyc3", Size: "s-1vcpu-1gb", Image: godo.DropletCreateImage{Slug: "ubuntu-24-04-x64"}, Tags: []string{"ops"}})
	e.eventually(5*time.Second, "bastion has an address", func() bool {
		d := e.getDroplet(other.ID)
		ip, _ := d.PublicIPv4()
		return ip != ""
	})
	bastionIP, _ := e.getDroplet(other.ID).PublicIPv4()
	fromBastion := &net.TCPAddr{IP: net.ParseIP(bastionIP)}
	for _, src := range []godo.Sources{{DropletIDs: []int{other.ID}}, {Tags: []string{"ops"}}, {Addresses: []string{bastionIP + "/32"}}} {
		if _, _, err := e.client.Firewalls.Update(e.ctx, fw.ID, &godo.FirewallRequest{Name: "web", Tags: []string{"web"},
			InboundRules: []godo.InboundRule{onlyLB, {Protocol: "tcp", PortRange: "1-1024", Sources: &src}}}); err != nil {
			t.Fatal(err)
		}
		e.eventually(5*time.Second, fmt.Sprintf("sources %+v let the bastion in", src), func() bool {
			_, _, ok := answers(direct, fromBastion)
			return ok
		})
		if _, _, ok := answers(direct, nil); ok {
			t.Errorf("sources %+v let 127.0.0.1 in too", src)
		}
	}

	// A rule that no longer names the load balancer: its checks fail.
	if _, _, err := e.client.Firewalls.Update(e.ctx, fw.ID, &godo.FirewallRequest{Name: "web", Tags: []string{"web"},
		InboundRules: []godo.InboundRule{{Protocol: "tcp", PortRange: "22", Sources: &godo.Sources{Addresses: []string{"0.0.0.0/0"}}}}}); err != nil {
		t.Fatal(err)
	}
	e.waitHealth(lb, 20*interval(10), allHealthy(ids, false))
	if status, _ := hit(t, noRedirects(), lbURL+"/"); status != http.StatusServiceUnavailable {
		t.Errorf("with every target firewalled off the load balancer answered %d, want 503", status)
	}
}

// A load balancer's own firewall: deny cidr:127.0.0.0/8 refuses every local
// client; allow lists admit only what they name.
func TestTrafficLoadBalancerFirewall(t *testing.T) {
	e := newTrafficEnv(t)
	ids := e.webDroplets(1, "web", "")
	denied, deniedURL := e.trafficLB("web", func(r *godo.LoadBalancerRequest) {
		r.Name = "denied"
		r.Firewall = &godo.LBFirewall{Deny: []string{"cidr:127.0.0.0/8"}}
	})
	allowed, allowedURL := e.trafficLB("web", func(r *godo.LoadBalancerRequest) {
		r.Name = "allowed"
		r.Firewall = &godo.LBFirewall{Allow: []string{"ip:127.0.0.1"}}
	})
	e.waitHealth(denied, 20*interval(10), allHealthy(ids, true))
	e.waitHealth(allowed, 20*interval(10), allHealthy(ids, true))
	if status, _, ok := answers(deniedURL+"/", nil); ok {
		t.Errorf("deny cidr:127.0.0.0/8 let a local client in: %d", status)
	}
	if status, _, ok := answers(allowedURL+"/", nil); !ok || status != http.StatusOK {
		t.Errorf("allow ip:127.0.0.1 refused 127.0.0.1: %d %v", status, ok)
	}
	if _, _, ok := answers(allowedURL+"/", e.addressInBlock(250, 9)); ok {
		t.Error("allow ip:127.0.0.1 let another address in")
	}
}

// With enable_proxy_protocol the load balancer opens each connection to a
// target with a PROXY v1 header, so the app reports the real client's
// address; without it the app sees the load balancer's.
func TestTrafficProxyProtocolCarriesTheClientAddress(t *testing.T) {
	e := newTrafficEnv(t)
	ids := e.webDroplets(1, "web", "")
	client := e.addressInBlock(250, 7)
	for _, proxy := range []bool{true, false} {
		lb, url := e.trafficLB("web", func(r *godo.LoadBalancerRequest) {
			r.Name = fmt.Sprintf("proxy-%v", proxy)
			r.EnableProxyProtocol = proxy
			r.ForwardingRules = append(r.ForwardingRules, godo.ForwardingRule{EntryProtocol: "tcp", EntryPort: 8080, TargetProtocol: "tcp", TargetPort: 80})
		})
		e.waitHealth(lb, 20*interval(10), allHealthy(ids, true))
		ls, err := e.srv.LoadBalancerListeners(lb)
		if err != nil || len(ls) != 2 {
			t.Fatalf("listeners %+v %v", ls, err)
		}
		for _, u := range []string{url + "/", "http://" + ls[1].Address + "/"} {
			status, h, ok := answers(u, client)
			if !ok || status != http.StatusOK {
				t.Fatalf("proxy protocol %v, %s: %d %v", proxy, u, status, ok)
			}
			got := h.Get("X-Client-Address")
			if proxy != (got == client.IP.String()) {
				t.Errorf("proxy protocol %v, %s: the app saw client %q (the client was %s)", proxy, u, got, client.IP)
			}
		}
	}
}

// http_idle_timeout_seconds (scaled) closes a client's idle keep-alive
// connection; the server never closes it before.
func TestTrafficIdleTimeoutClosesIdleClients(t *testing.T) {
	e := newTrafficEnv(t)
	ids := e.webDroplets(1, "web", "")
	const idle = 30 // seconds: 300 ms at the test's time scale
	lb, url := e.trafficLB("web", func(r *godo.LoadBalancerRequest) { r.HTTPIdleTimeoutSeconds = godo.PtrTo(uint64(idle)) })
	e.waitHealth(lb, 20*interval(10), allHealthy(ids, true))
	conn, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// The server's idle timer starts after it answers, so after sent: the
	// close can come no sooner than sent + the idle timeout.
	sent := time.Now()
	fmt.Fprintf(conn, "GET / HTTP/1.1\r\nHost: shop\r\n\r\n")
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	_ = conn.SetReadDeadline(time.Now().Add(20 * interval(idle)))
	if _, err := br.ReadByte(); err != io.EOF {
		t.Fatalf("idle connection: %v, want the load balancer to close it (EOF) within %v", err, 20*interval(idle))
	}
	if took := time.Since(sent); took < interval(idle) {
		t.Errorf("closed after %v, before the idle timeout %v", took, interval(idle))
	}
}

// Without traffic emulation the health view follows cloud firewalls too: a
// firewall that does not let the load balancer in fails its checks.
func TestHealthFollowsCloudFirewalls(t *testing.T) {
	e := newTestEnv(t)
	d := e.seedDroplet("nyc3", "active", "web")
	lb := e.healthLB("web")
	e.expectHealth(lb, d, 30*time.Second, true)
	rule := func(src godo.Sources) *godo.FirewallRequest {
		return &godo.FirewallRequest{Name: "web", Tags: []string{"web"}, InboundRules: []godo.InboundRule{{Protocol: "tcp", PortRange: "80", Sources: &src}}}
	}
	if _, _, err := e.client.Tags.Create(e.ctx, &godo.TagCreateRequest{Name: "web"}); err != nil {
		t.Fatal(err)
	}
	fw, _, err := e.client.Firewalls.Create(e.ctx, rule(godo.Sources{Addresses: []string{"203.0.113.0/24"}}))
	if err != nil {
		t.Fatal(err)
	}
	e.expectHealth(lb, d, time.Duration(0), true, 30*time.Second, false)
	if _, _, err := e.client.Firewalls.Update(e.ctx, fw.ID, rule(godo.Sources{LoadBalancerUIDs: []string{lb}})); err != nil {
		t.Fatal(err)
	}
	e.expectHealth(lb, d, time.Duration(0), false, 40*time.Second, true)
}
