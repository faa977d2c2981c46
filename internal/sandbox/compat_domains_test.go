package sandbox

import (
	"strings"
	"testing"

	"github.com/digitalocean/godo"
)

// providerRecordState is what the official provider's digitalocean_record
// keeps after reading a record: it appends the dot DigitalOcean drops to
// the data of CNAME, MX, NS, SRV and CAA records (not "@", not iodef).
func providerRecordState(r godo.DomainRecord) (name, value string) {
	value = r.Data
	switch r.Type {
	case "CNAME", "MX", "NS", "SRV", "CAA":
		if r.Data != "@" && r.Tag != "iodef" {
			value += "."
		}
	}
	return r.Name, value
}

// providerSuppresses is the provider's DiffSuppressFunc for name and value:
// a plan after apply is empty only when the config equals the state or
// one of these holds.
func providerSuppresses(attr, old, new, domain string) bool {
	domain += "."
	if old == new || (old == "@" && new == domain) {
		return true
	}
	if attr == "name" {
		return old+"."+domain == new
	}
	return old == new+"."+domain
}

// The configurations of the official provider's record acceptance tests
// apply and then plan empty against the sandbox: what it sends, the sandbox
// stores so that the provider's read and diff suppression find no change.
func TestCompatProviderRecordConfigsPlanEmpty(t *testing.T) {
	const domain = "foobar-test.com"
	cases := []struct {
		test string
		in   godo.DomainRecordEditRequest
	}{
		{"Basic", godo.DomainRecordEditRequest{Type: "A", Name: "terraform", Data: "192.168.0.10"}},
		{"BasicFullName", godo.DomainRecordEditRequest{Type: "A", Name: "terraform." + domain + ".", Data: "192.168.0.10"}},
		{"Updated", godo.DomainRecordEditRequest{Type: "A", Name: "terraform", Data: "192.168.0.11", TTL: 90}},
		{"HostnameValue", godo.DomainRecordEditRequest{Type: "CNAME", Name: "terraform", Data: "a.foobar-test-terraform.com."}},
		{"ExternalHostnameValue", godo.DomainRecordEditRequest{Type: "CNAME", Name: "terraform", Data: "a.foobar-test-terraform.net."}},
		{"MX_at", godo.DomainRecordEditRequest{Type: "MX", Name: "terraform", Data: domain + ".", Priority: 10}},
		{"MX", godo.DomainRecordEditRequest{Type: "MX", Name: "terraform", Data: "foobar." + domain + ".", Priority: 10}},
		{"FlagsAndTag", godo.DomainRecordEditRequest{Type: "CAA", Name: "terraform", Data: "letsencrypt.org.", Flags: 1, Tag: "issue"}},
		{"SRV_zero_weight_port", godo.DomainRecordEditRequest{Type: "SRV", Name: "_service._protocol", Data: "foobar." + domain + ".", Priority: 10}},
		{"iodefCAA", godo.DomainRecordEditRequest{Type: "CAA", Name: "@", Data: "mailto:caa-failures@example.com", Tag: "iodef"}},
		{"TXT", godo.DomainRecordEditRequest{Type: "TXT", Name: domain + ".", Data: "v=spf1 a:smtp01.example.com a:mail.example.com -all"}},
	}
	for _, tc := range cases {
		t.Run(tc.test, func(t *testing.T) {
			e := newTestEnv(t)
			e.newDomain(domain, "192.168.0.10")
			created, _, err := e.client.Domains.CreateRecord(e.ctx, domain, &tc.in)
			if err != nil {
				t.Fatal(err)
			}
			r, _, err := e.client.Domains.Record(e.ctx, domain, created.ID)
			if err != nil {
				t.Fatal(err)
			}
			name, value := providerRecordState(*r)
			if !providerSuppresses("name", name, tc.in.Name, domain) {
				t.Errorf("name: state %q, config %q: the provider plans a change", name, tc.in.Name)
			}
			if !providerSuppresses("value", value, tc.in.Data, domain) {
				t.Errorf("value: state %q, config %q: the provider plans a change", value, tc.in.Data)
			}
			want := 1800
			if tc.in.TTL != 0 {
				want = tc.in.TTL
			}
			if r.TTL != want {
				t.Errorf("ttl %d for config ttl %d", r.TTL, tc.in.TTL)
			}
			// The record's update sends the same config again and must pass.
			if _, _, err := e.client.Domains.EditRecord(e.ctx, domain, r.ID, &godo.DomainRecordEditRequest{Name: tc.in.Name, Data: tc.in.Data,
				Priority: tc.in.Priority, Port: tc.in.Port, TTL: tc.in.TTL, Weight: tc.in.Weight, Flags: tc.in.Flags, Tag: tc.in.Tag}); err != nil {
				t.Errorf("update with the same config: %v", err)
			}
		})
	}
}

// digitalocean_domain reads name, ttl and the urn godo derives; a domain
// the provider imports by name is found by that name.
func TestCompatProviderDomainRead(t *testing.T) {
	e := newTestEnv(t)
	e.newDomain("foobar-test.com", "192.168.0.10")
	d, _, err := e.client.Domains.Get(e.ctx, "foobar-test.com")
	if err != nil {
		t.Fatal(err)
	}
	if d.Name != "foobar-test.com" || d.TTL != 1800 || d.URN() != "do:domain:foobar-test.com" || !strings.Contains(d.ZoneFile, "IN A 192.168.0.10") {
		t.Errorf("read %+v", d)
	}
}
