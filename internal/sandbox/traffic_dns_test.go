package sandbox

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/digitalocean/godo"
	"github.com/miekg/dns"
)

// resolve asks the sandbox's DNS server one question over network.
func (e *testEnv) resolve(network, name string, qtype uint16) *dns.Msg {
	e.t.Helper()
	addr, err := e.srv.DNSAddress()
	if err != nil {
		e.t.Fatal(err)
	}
	r, _, err := (&dns.Client{Net: network, Timeout: 2 * time.Second}).Exchange(new(dns.Msg).SetQuestion(dns.Fqdn(name), qtype), addr)
	if err != nil {
		e.t.Fatalf("%s %s over %s: %v", dns.TypeToString[qtype], name, network, err)
	}
	return r
}

// aRecords are the addresses of an answer's A records.
func aRecords(m *dns.Msg) []string {
	var out []string
	for _, rr := range m.Answer {
		if a, ok := rr.(*dns.A); ok {
			out = append(out, a.A.String())
		}
	}
	return out
}

// The zone answers: www.example.com, a CNAME to the apex whose A record
// is the load balancer's ip, resolves over UDP and TCP to the load
// balancer, as `dig @127.0.0.1 -p PORT www.example.com` shows; a record
// deleted through the API is gone from the answers, and names outside the
// account's domains are refused.
func TestTrafficDNSResolvesTheLoadBalancer(t *testing.T) {
	e := newTrafficEnv(t)
	e.webDroplets(1, "web", "")
	lbID, _ := e.trafficLB("web", nil)
	lb, _, err := e.client.LoadBalancers.Get(e.ctx, lbID)
	if err != nil {
		t.Fatal(err)
	}
	e.newDomain("example.com", lb.IP)
	www, _, err := e.client.Domains.CreateRecord(e.ctx, "example.com", &godo.DomainRecordEditRequest{Type: "CNAME", Name: "www", Data: "example.com."})
	if err != nil {
		t.Fatal(err)
	}
	for _, network := range []string{"udp", "tcp"} {
		e.eventually(5*time.Second, "www.example.com resolves to the load balancer over "+network, func() bool {
			r := e.resolve(network, "www.example.com", dns.TypeA)
			got := aRecords(r)
			return r.Authoritative && len(got) == 1 && got[0] == lb.IP
		})
	}
	if r := e.resolve("udp", "example.com", dns.TypeNS); len(r.Answer) != 3 || !strings.Contains(r.Answer[0].String(), "ns1.digitalocean.com.") {
		t.Errorf("NS answer %v", r.Answer)
	}
	if r := e.resolve("udp", "example.org", dns.TypeA); r.Rcode != dns.RcodeRefused {
		t.Errorf("example.org: %s, want REFUSED", dns.RcodeToString[r.Rcode])
	}

	if _, err := e.client.Domains.DeleteRecord(e.ctx, "example.com", www.ID); err != nil {
		t.Fatal(err)
	}
	e.eventually(5*time.Second, "the deleted www is NXDOMAIN", func() bool {
		return e.resolve("udp", "www.example.com", dns.TypeA).Rcode == dns.RcodeNameError
	})
	if _, err := e.client.Domains.Delete(e.ctx, "example.com"); err != nil {
		t.Fatal(err)
	}
	e.eventually(5*time.Second, "a deleted domain is refused", func() bool {
		return e.resolve("udp", "example.com", dns.TypeA).Rcode == dns.RcodeRefused
	})
}

// GET /_sandbox/dns says where the DNS server listens; without traffic
// emulation there is none (409).
func TestTrafficDNSControl(t *testing.T) {
	e := newTrafficEnv(t)
	status, body := e.controlJSON("GET", "/_sandbox/dns", "")
	addr, _ := e.srv.DNSAddress()
	if status != http.StatusOK || body["address"] != addr || !strings.HasPrefix(addr, "127.0.0.1:") {
		t.Errorf("GET /_sandbox/dns: %d %v (server says %q)", status, body, addr)
	}
	off := newTestEnv(t)
	if status, body := off.controlJSON("GET", "/_sandbox/dns", ""); status != http.StatusConflict {
		t.Errorf("with traffic off: %d %v", status, body)
	}
}

// A DNS address that is not loopback is refused before anything binds.
func TestDNSListenMustBeLoopback(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:5353", "192.0.2.1:53", "nonsense"} {
		if _, err := New(Options{Traffic: true, DNSListen: addr}); err == nil || !strings.Contains(err.Error(), "dns listen") {
			t.Errorf("DNSListen %q: %v", addr, err)
		}
	}
}
