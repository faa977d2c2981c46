package sandbox

import (
	"testing"

	"github.com/digitalocean/godo"
)

// aRecords lists the A records of domain named name.
func (e *testEnv) aRecords(domain, name string) []godo.DomainRecord {
	var out []godo.DomainRecord
	for _, r := range e.records(domain) {
		if r.Type == "A" && r.Name == name {
			out = append(out, r)
		}
	}
	return out
}

// A load balancer using a Let's Encrypt certificate gets, as on
// DigitalOcean, an A record for each of the certificate's names in the
// account's domains, unless disable_lets_encrypt_dns_records is set; a
// second load balancer with the same certificate adds its own address; an
// identical record is not written twice.
func TestLoadBalancerWritesLetsEncryptRecords(t *testing.T) {
	e := newTestEnv(t)
	e.newDomain("example.com", "")
	cert, _, err := e.client.Certificates.Create(e.ctx, &godo.CertificateRequest{
		Name: "le", Type: "lets_encrypt", DNSNames: []string{"www.example.com", "example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	e.advance(e.srv.delays.CertificateIssue)
	withCert := func(name string, disable bool) *godo.LoadBalancerRequest {
		r := minimalLB()
		r.Name = name
		r.ForwardingRules = append(r.ForwardingRules, godo.ForwardingRule{
			EntryProtocol: "https", EntryPort: 443, TargetProtocol: "http", TargetPort: 80, CertificateID: cert.ID})
		r.DisableLetsEncryptDNSRecords = &disable
		return r
	}

	quiet := e.createLB(withCert("quiet-lb", true))
	if got := e.aRecords("example.com", "www"); len(got) != 0 {
		t.Fatalf("disable_lets_encrypt_dns_records=true wrote %v", got)
	}
	if !*quiet.DisableLetsEncryptDNSRecords {
		t.Errorf("disable_lets_encrypt_dns_records not answered back")
	}

	lb := e.createLB(withCert("web-lb", false))
	for _, name := range []string{"www", "@"} {
		got := e.aRecords("example.com", name)
		if len(got) != 1 || got[0].Data != lb.IP || got[0].TTL != 1800 {
			t.Errorf("A records %q after the load balancer became active: %+v, want one at %s", name, got, lb.IP)
		}
	}

	// An update that keeps the certificate writes nothing twice.
	if _, _, err := e.client.LoadBalancers.Update(e.ctx, lb.ID, withCert("web-lb", false)); err != nil {
		t.Fatal(err)
	}
	if got := e.aRecords("example.com", "www"); len(got) != 1 {
		t.Errorf("after an update: %d www A records, want 1", len(got))
	}

	// The quiet load balancer turning the records on gets its own.
	e.advance(e.srv.delays.LoadBalancerUpdate)
	if _, _, err := e.client.LoadBalancers.Update(e.ctx, quiet.ID, withCert("quiet-lb", false)); err != nil {
		t.Fatal(err)
	}
	got := e.aRecords("example.com", "www")
	if len(got) != 2 {
		t.Fatalf("www A records after the second load balancer: %+v, want its own beside the first", got)
	}
}
