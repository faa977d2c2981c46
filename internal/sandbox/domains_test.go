package sandbox

import (
	"net/http"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/digitalocean/godo"
)

// newDomain creates a domain through godo, failing the test on error.
func (e *testEnv) newDomain(name, ip string) *godo.Domain {
	e.t.Helper()
	d, _, err := e.client.Domains.Create(e.ctx, &godo.DomainCreateRequest{Name: name, IPAddress: ip})
	if err != nil {
		e.t.Fatalf("create domain %s: %v", name, err)
	}
	return d
}

// records lists a domain's records through godo.
func (e *testEnv) records(domain string) []godo.DomainRecord {
	e.t.Helper()
	rs, _, err := e.client.Domains.Records(e.ctx, domain, &godo.ListOptions{PerPage: 200})
	if err != nil {
		e.t.Fatalf("records of %s: %v", domain, err)
	}
	return rs
}

// A new domain has DigitalOcean's SOA and three NS records, and an A
// record for the apex when created with ip_address; create answers a null
// zone_file, get the zone file.
func TestDomainCreateGetListDelete(t *testing.T) {
	e := newTestEnv(t)
	d, resp, err := e.client.Domains.Create(e.ctx, &godo.DomainCreateRequest{Name: "Example.com", IPAddress: "127.20.0.7"})
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusCreated || d.Name != "example.com" || d.TTL != 1800 || d.ZoneFile != "" {
		t.Fatalf("create: %d %+v", resp.StatusCode, d)
	}
	rs := e.records("example.com")
	want := []godo.DomainRecord{
		{Type: "SOA", Name: "@", Data: "1800", TTL: 1800},
		{Type: "NS", Name: "@", Data: "ns1.digitalocean.com", TTL: 1800},
		{Type: "NS", Name: "@", Data: "ns2.digitalocean.com", TTL: 1800},
		{Type: "NS", Name: "@", Data: "ns3.digitalocean.com", TTL: 1800},
		{Type: "A", Name: "@", Data: "127.20.0.7", TTL: 1800},
	}
	if len(rs) != len(want) {
		t.Fatalf("records %+v", rs)
	}
	for i, r := range rs {
		w := want[i]
		w.ID = rs[0].ID + i // consecutive ids, SOA first
		if r != w {
			t.Errorf("record %d: %+v, want %+v", i, r, w)
		}
	}

	got, _, err := e.client.Domains.Get(e.ctx, "example.com")
	if err != nil {
		t.Fatal(err)
	}
	zone := regexp.MustCompile(`^\$ORIGIN example\.com\.\n\$TTL 1800\nexample\.com\. IN SOA ns1\.digitalocean\.com\. hostmaster\.example\.com\. \d{10} 10800 3600 604800 1800\n` +
		`example\.com\. 1800 IN NS ns1\.digitalocean\.com\.\nexample\.com\. 1800 IN NS ns2\.digitalocean\.com\.\nexample\.com\. 1800 IN NS ns3\.digitalocean\.com\.\n` +
		`example\.com\. 1800 IN A 127\.20\.0\.7\n$`)
	if got.TTL != 1800 || !zone.MatchString(got.ZoneFile) {
		t.Errorf("get: ttl %d zone file:\n%s", got.TTL, got.ZoneFile)
	}
	if ds, _, err := e.client.Domains.List(e.ctx, nil); err != nil || len(ds) != 1 || ds[0].Name != "example.com" || ds[0].URN() != "do:domain:example.com" {
		t.Errorf("list: %+v %v", ds, err)
	}

	if resp, err := e.client.Domains.Delete(e.ctx, "example.com"); err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("delete: %v", err)
	}
	_, _, err = e.client.Domains.Get(e.ctx, "example.com")
	e.apiError(err, http.StatusNotFound, "not_found")
	_, _, err = e.client.Domains.Record(e.ctx, "example.com", rs[4].ID)
	e.apiError(err, http.StatusNotFound, "not_found")
	e.srv.Inspect(func(w *World) {
		if len(w.DomainRecords) != 0 {
			t.Errorf("records outlive their domain: %d", len(w.DomainRecords))
		}
	})
}

func TestDomainCreateRefusals(t *testing.T) {
	cases := []struct {
		name, domain, ip, want string
	}{
		{"blank", "", "", "Name can't be blank"},
		{"url", "https://example.com", "", `Name "https://example.com" is not a valid domain name`},
		{"single label", "localhost", "", `Name "localhost" is not a valid domain name`},
		{"numeric tld", "example.123", "", `"example.123"`},
		{"taken", "taken.com", "", "domain 'taken.com': name already exists"},
		{"ip not an address", "example.com", "nope", `ip_address "nope" is not an IPv4 address`},
		{"ipv6", "example.com", "2001:db8::1", `ip_address "2001:db8::1" is not an IPv4 address`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t)
			e.newDomain("taken.com", "")
			_, _, err := e.client.Domains.Create(e.ctx, &godo.DomainCreateRequest{Name: tc.domain, IPAddress: tc.ip})
			miscMessage(t, e.apiError(err, http.StatusUnprocessableEntity, "unprocessable_entity"), tc.want)
			if ds, _, _ := e.client.Domains.List(e.ctx, nil); len(ds) != 1 {
				t.Errorf("a refused domain was stored: %+v", ds)
			}
		})
	}
}

// Every change to a zone moves its SOA serial on.
func TestDomainSerialMovesOn(t *testing.T) {
	e := newTestEnv(t)
	e.newDomain("example.com", "")
	serial := func() int {
		d, _, err := e.client.Domains.Get(e.ctx, "example.com")
		if err != nil {
			t.Fatal(err)
		}
		m := regexp.MustCompile(`IN SOA \S+ \S+ (\d+) `).FindStringSubmatch(d.ZoneFile)
		if m == nil {
			t.Fatalf("no SOA in %q", d.ZoneFile)
		}
		n, _ := strconv.Atoi(m[1])
		return n
	}
	before := serial()
	if n := int64(before); n < testEpoch.Unix() || n > testEpoch.Unix()+10 {
		t.Errorf("serial %d is not the Unix time of the change, %d", before, testEpoch.Unix())
	}
	r, _, err := e.client.Domains.CreateRecord(e.ctx, "example.com", &godo.DomainRecordEditRequest{Type: "A", Name: "www", Data: "127.20.0.9"})
	if err != nil {
		t.Fatal(err)
	}
	afterCreate := serial()
	if _, err := e.client.Domains.DeleteRecord(e.ctx, "example.com", r.ID); err != nil {
		t.Fatal(err)
	}
	if afterDelete := serial(); !(before < afterCreate && afterCreate < afterDelete) {
		t.Errorf("serials %d, %d, %d do not increase", before, afterCreate, afterDelete)
	}
}

// Domains and records survive a restart; a reset empties them but never
// hands a record id out again.
func TestDomainsPersistAndIDsSurviveReset(t *testing.T) {
	path := filepath.Join(t.TempDir(), "world.json")
	e := newTestEnv(t, func(o *Options) { o.StateFile = path })
	e.newDomain("example.com", "127.20.0.7")
	before := e.records("example.com")
	e = miscRestart(t, e, path)
	after := e.records("example.com")
	if len(after) != len(before) || after[4] != before[4] {
		t.Fatalf("after restart %+v, before %+v", after, before)
	}
	e.srv.Reset()
	if ds, _, _ := e.client.Domains.List(e.ctx, nil); len(ds) != 0 {
		t.Fatalf("domains after reset: %+v", ds)
	}
	e.newDomain("example.com", "")
	if again := e.records("example.com"); again[0].ID <= before[4].ID {
		t.Errorf("record id %d handed out again after reset (last was %d)", again[0].ID, before[4].ID)
	}
}

// Domain names in paths ignore case and a trailing dot; an unknown domain
// is DigitalOcean's 404 for every domain path.
func TestDomainPaths(t *testing.T) {
	e := newTestEnv(t)
	e.newDomain("example.com", "")
	if d, _, err := e.client.Domains.Get(e.ctx, "EXAMPLE.com."); err != nil || d.Name != "example.com" {
		t.Errorf("get by another spelling: %+v %v", d, err)
	}
	_, _, err := e.client.Domains.Records(e.ctx, "example.org", nil)
	e.apiError(err, http.StatusNotFound, "not_found")
	_, _, err = e.client.Domains.CreateRecord(e.ctx, "example.org", &godo.DomainRecordEditRequest{Type: "A", Name: "www", Data: "127.0.0.1"})
	e.apiError(err, http.StatusNotFound, "not_found")
	_, err = e.client.Domains.Delete(e.ctx, "example.org")
	e.apiError(err, http.StatusNotFound, "not_found")
	if !strings.Contains(e.records("example.com")[0].Type, "SOA") {
		t.Error("the known domain lost its records")
	}
}
