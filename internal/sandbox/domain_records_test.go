package sandbox

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/digitalocean/godo"
)

// rawRecord reads a record as JSON through godo, to see the nulls godo
// decodes as zeros.
func (e *testEnv) rawRecord(domain string, id int) map[string]any {
	e.t.Helper()
	req, err := e.client.NewRequest(e.ctx, http.MethodGet, fmt.Sprintf("v2/domains/%s/records/%d", domain, id), nil)
	if err != nil {
		e.t.Fatal(err)
	}
	var out struct {
		Record map[string]any `json:"domain_record"`
	}
	if _, err := e.client.Do(e.ctx, req, &out); err != nil {
		e.t.Fatal(err)
	}
	return out.Record
}

// Each type is stored as DigitalOcean returns it: names relative to the
// domain ("@" for the apex), host names absolute without the trailing dot
// the request needs, and the apex itself as "@".
func TestDomainRecordCreateEachType(t *testing.T) {
	cases := []struct {
		name string
		in   godo.DomainRecordEditRequest
		want godo.DomainRecord
	}{
		{"A", godo.DomainRecordEditRequest{Type: "A", Name: "www", Data: "127.20.0.7"},
			godo.DomainRecord{Type: "A", Name: "www", Data: "127.20.0.7", TTL: 1800}},
		{"A by absolute name", godo.DomainRecordEditRequest{Type: "A", Name: "terraform.example.com.", Data: "192.168.0.10", TTL: 90},
			godo.DomainRecord{Type: "A", Name: "terraform", Data: "192.168.0.10", TTL: 90}},
		{"A wildcard", godo.DomainRecordEditRequest{Type: "a", Name: "*.apps", Data: "127.20.0.8"},
			godo.DomainRecord{Type: "A", Name: "*.apps", Data: "127.20.0.8", TTL: 1800}},
		{"AAAA", godo.DomainRecordEditRequest{Type: "AAAA", Name: "www", Data: "2001:db8:14::7"},
			godo.DomainRecord{Type: "AAAA", Name: "www", Data: "2001:db8:14::7", TTL: 1800}},
		{"CNAME", godo.DomainRecordEditRequest{Type: "CNAME", Name: "terraform", Data: "a.foobar-test-terraform.com."},
			godo.DomainRecord{Type: "CNAME", Name: "terraform", Data: "a.foobar-test-terraform.com", TTL: 1800}},
		{"MX at the apex", godo.DomainRecordEditRequest{Type: "MX", Name: "terraform", Data: "example.com.", Priority: 10},
			godo.DomainRecord{Type: "MX", Name: "terraform", Data: "@", Priority: 10, TTL: 1800}},
		{"MX without name", godo.DomainRecordEditRequest{Type: "MX", Data: "mail.example.com.", Priority: 0},
			godo.DomainRecord{Type: "MX", Name: "@", Data: "mail.example.com", TTL: 1800}},
		{"NS delegation", godo.DomainRecordEditRequest{Type: "NS", Name: "under", Data: "ns1.other.net."},
			godo.DomainRecord{Type: "NS", Name: "under", Data: "ns1.other.net", TTL: 1800}},
		{"TXT at the apex by absolute name", godo.DomainRecordEditRequest{Type: "TXT", Name: "example.com.", Data: "v=spf1 a:mail.example.com -all"},
			godo.DomainRecord{Type: "TXT", Name: "@", Data: "v=spf1 a:mail.example.com -all", TTL: 1800}},
		{"CAA issue", godo.DomainRecordEditRequest{Type: "CAA", Name: "@", Data: "letsencrypt.org.", Flags: 0, Tag: "issue"},
			godo.DomainRecord{Type: "CAA", Name: "@", Data: "letsencrypt.org", Tag: "issue", TTL: 1800}},
		{"CAA iodef", godo.DomainRecordEditRequest{Type: "CAA", Name: "@", Data: "mailto:caa@example.com", Flags: 128, Tag: "iodef"},
			godo.DomainRecord{Type: "CAA", Name: "@", Data: "mailto:caa@example.com", Flags: 128, Tag: "iodef", TTL: 1800}},
		{"SRV with zero weight and port", godo.DomainRecordEditRequest{Type: "SRV", Name: "_service._protocol", Data: "foobar.example.com.", Priority: 10},
			godo.DomainRecord{Type: "SRV", Name: "_service._protocol", Data: "foobar.example.com", Priority: 10, TTL: 1800}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t)
			e.newDomain("example.com", "")
			r, resp, err := e.client.Domains.CreateRecord(e.ctx, "example.com", &tc.in)
			if err != nil {
				t.Fatal(err)
			}
			want := tc.want
			want.ID = r.ID
			if resp.StatusCode != http.StatusCreated || *r != want {
				t.Fatalf("created %d %+v, want %+v", resp.StatusCode, *r, want)
			}
			if got, _, err := e.client.Domains.Record(e.ctx, "example.com", r.ID); err != nil || *got != want {
				t.Errorf("read back %+v %v", got, err)
			}
		})
	}
}

// Attributes a type does not use read null, as DigitalOcean answers them.
func TestDomainRecordUnusedAttributesAreNull(t *testing.T) {
	e := newTestEnv(t)
	e.newDomain("example.com", "")
	a, _, err := e.client.Domains.CreateRecord(e.ctx, "example.com", &godo.DomainRecordEditRequest{Type: "A", Name: "www", Data: "127.20.0.7", Priority: 5, Flags: 3, Tag: "issue"})
	if err != nil {
		t.Fatal(err)
	}
	raw := e.rawRecord("example.com", a.ID)
	for _, k := range []string{"priority", "port", "weight", "flags", "tag"} {
		if v, ok := raw[k]; !ok || v != nil {
			t.Errorf("A record's %s is %v (present %v), want null", k, v, ok)
		}
	}
	mx, _, err := e.client.Domains.CreateRecord(e.ctx, "example.com", &godo.DomainRecordEditRequest{Type: "MX", Data: "mail.example.com.", Priority: 10})
	if err != nil {
		t.Fatal(err)
	}
	if raw := e.rawRecord("example.com", mx.ID); raw["priority"] != 10.0 || raw["port"] != nil || raw["tag"] != nil {
		t.Errorf("MX record %v", raw)
	}
}

// What DigitalOcean refuses, with its words where they are known.
func TestDomainRecordRefusals(t *testing.T) {
	cases := []struct {
		name string
		body string
		want string
	}{
		{"no type", `{"name":"www","data":"127.0.0.1"}`, "Type can't be blank"},
		{"unknown type", `{"type":"PTR","name":"www","data":"host."}`, `type "PTR" is invalid; allowed types: A, AAAA, CAA, CNAME, MX, NS, SRV, TXT`},
		{"SOA", `{"type":"SOA","ttl":1800}`, `type "SOA" is invalid`},
		{"no name", `{"type":"A","data":"127.0.0.1"}`, "Name can't be blank"},
		{"no data", `{"type":"A","name":"www"}`, "Data can't be blank"},
		{"A not IPv4", `{"type":"A","name":"www","data":"2001:db8::1"}`, `Data "2001:db8::1" is not a valid IPv4 address`},
		{"AAAA not IPv6", `{"type":"AAAA","name":"www","data":"127.0.0.1"}`, `Data "127.0.0.1" is not a valid IPv6 address`},
		{"CNAME without dot", `{"type":"CNAME","name":"www","data":"example.net"}`, "Data needs to end with a dot (.)"},
		{"NS without dot", `{"type":"NS","data":"ns1.digitalocean.com"}`, "Data needs to end with a dot (.)"},
		{"CAA issue without dot", `{"type":"CAA","name":"@","data":"letsencrypt.org","flags":0,"tag":"issue"}`, "Data needs to end with a dot (.)"},
		{"CAA no flags", `{"type":"CAA","name":"@","data":"letsencrypt.org.","tag":"issue"}`, "Flags is not a number and Flags Flags must be an integer between 0 and 255"},
		{"CAA flags too big", `{"type":"CAA","name":"@","data":"letsencrypt.org.","flags":256,"tag":"issue"}`, "Flags Flags must be an integer between 0 and 255"},
		{"CAA bad tag", `{"type":"CAA","name":"@","data":"letsencrypt.org.","flags":0,"tag":"wildissue"}`, `Tag "wildissue" is invalid: a CAA record's tag is one of issue, issuewild, iodef`},
		{"MX no priority", `{"type":"MX","data":"mail.example.com."}`, "Priority is not a number and Priority Priority must be an integer between 0 and 65535"},
		{"MX priority not a number", `{"type":"MX","data":"mail.example.com.","priority":"high"}`, "Priority is not a number"},
		{"SRV no weight", `{"type":"SRV","name":"_sip._tcp","data":"sip.example.com.","priority":10,"port":5060}`, "Weight is not a number and Weight Weight must be an integer between 0 and 65535"},
		{"SRV no port", `{"type":"SRV","name":"_sip._tcp","data":"sip.example.com.","priority":10,"weight":1}`, "Port is not a number and Port Port must be an integer between 0 and 65535"},
		{"SRV port too big", `{"type":"SRV","name":"_sip._tcp","data":"sip.example.com.","priority":10,"weight":1,"port":65536}`, "Port Port must be an integer between 0 and 65535"},
		{"ttl too short", `{"type":"A","name":"www","data":"127.0.0.1","ttl":29}`, "record ttl must be greater than 30"},
		{"name outside the domain", `{"type":"A","name":"www.example.org.","data":"127.0.0.1"}`, `Name "www.example.org." is not in the domain example.com`},
		{"name with a space", `{"type":"A","name":"my host","data":"127.0.0.1"}`, `Name "my host" is not a valid record name`},
		{"inner wildcard", `{"type":"A","name":"www.*","data":"127.0.0.1"}`, `Name "www.*" is not a valid record name`},
		{"TXT too long", `{"type":"TXT","name":"t","data":"` + strings.Repeat("x", 513) + `"}`, "Data is too long (maximum is 512 characters)"},
		{"CNAME beside an A", `{"type":"CNAME","name":"taken","data":"example.net."}`, "CNAME records cannot share a name with other records"},
		{"CNAME at the apex", `{"type":"CNAME","name":"@","data":"example.net."}`, "CNAME records cannot share a name with other records"},
		{"A beside a CNAME", `{"type":"A","name":"alias","data":"127.0.0.1"}`, "CNAME records cannot share a name with other records"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t)
			e.newDomain("example.com", "")
			for _, r := range []godo.DomainRecordEditRequest{{Type: "A", Name: "taken", Data: "127.0.0.2"}, {Type: "CNAME", Name: "alias", Data: "example.net."}} {
				if _, _, err := e.client.Domains.CreateRecord(e.ctx, "example.com", &r); err != nil {
					t.Fatal(err)
				}
			}
			err := e.postRaw("v2/domains/example.com/records", tc.body)
			miscMessage(t, e.apiError(err, http.StatusUnprocessableEntity, "unprocessable_entity"), tc.want)
			if n := len(e.records("example.com")); n != 6 {
				t.Errorf("%d records after a refused create, want 6", n)
			}
		})
	}
}

// postRaw sends a JSON body through godo as it is written, for bodies
// godo's types cannot express (nulls, missing numbers).
func (e *testEnv) postRaw(path, body string) error {
	e.t.Helper()
	return e.sendRaw(http.MethodPost, path, body, nil)
}

func (e *testEnv) sendRaw(method, path, body string, out any) error {
	e.t.Helper()
	req, err := e.client.NewRequest(e.ctx, method, path, rawJSON(body))
	if err != nil {
		e.t.Fatal(err)
	}
	_, err = e.client.Do(e.ctx, req, out)
	return err
}

// rawJSON marshals as itself.
type rawJSON string

func (r rawJSON) MarshalJSON() ([]byte, error) { return []byte(r), nil }

// An update replaces what it sends and checks the record again. A CNAME
// updated without its data is refused as on DigitalOcean (doctl#919), since
// the data it keeps lacks the trailing dot; sending the data works.
func TestDomainRecordUpdate(t *testing.T) {
	e := newTestEnv(t)
	e.newDomain("example.com", "")
	cname, _, err := e.client.Domains.CreateRecord(e.ctx, "example.com", &godo.DomainRecordEditRequest{Type: "CNAME", Name: "terraform", Data: "a.foobar-test-terraform.com."})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = e.client.Domains.EditRecord(e.ctx, "example.com", cname.ID, &godo.DomainRecordEditRequest{TTL: 43200})
	miscMessage(t, e.apiError(err, http.StatusUnprocessableEntity, "unprocessable_entity"), "Data needs to end with a dot (.)")

	got, _, err := e.client.Domains.EditRecord(e.ctx, "example.com", cname.ID, &godo.DomainRecordEditRequest{
		Name: "terraform-updated", Data: "b.foobar-test-terraform.com.", TTL: 1000})
	if err != nil {
		t.Fatal(err)
	}
	want := godo.DomainRecord{ID: cname.ID, Type: "CNAME", Name: "terraform-updated", Data: "b.foobar-test-terraform.com", TTL: 1000}
	if *got != want {
		t.Errorf("updated %+v, want %+v", *got, want)
	}

	// PATCH takes the same attributes; an A record keeps its data.
	a, _, err := e.client.Domains.CreateRecord(e.ctx, "example.com", &godo.DomainRecordEditRequest{Type: "A", Name: "www", Data: "127.20.0.7"})
	if err != nil {
		t.Fatal(err)
	}
	var patched struct {
		Record godo.DomainRecord `json:"domain_record"`
	}
	if err := e.sendRaw(http.MethodPatch, fmt.Sprintf("v2/domains/example.com/records/%d", a.ID), `{"ttl":300}`, &patched); err != nil {
		t.Fatal(err)
	}
	if patched.Record.TTL != 300 || patched.Record.Data != "127.20.0.7" {
		t.Errorf("patched %+v", patched.Record)
	}
	_, _, err = e.client.Domains.EditRecord(e.ctx, "example.com", a.ID, &godo.DomainRecordEditRequest{Data: "not-an-ip"})
	miscMessage(t, e.apiError(err, http.StatusUnprocessableEntity, "unprocessable_entity"), `Data "not-an-ip" is not a valid IPv4 address`)
	if r, _, _ := e.client.Domains.Record(e.ctx, "example.com", a.ID); r.Data != "127.20.0.7" {
		t.Errorf("a refused update changed the record: %+v", r)
	}
	_, _, err = e.client.Domains.EditRecord(e.ctx, "example.org", a.ID, &godo.DomainRecordEditRequest{Data: "127.0.0.1"})
	e.apiError(err, http.StatusNotFound, "not_found")
}

// The SOA record can only have its ttl changed, which is the domain's
// ttl, and cannot be deleted.
func TestDomainRecordSOA(t *testing.T) {
	e := newTestEnv(t)
	e.newDomain("example.com", "")
	soa := e.records("example.com")[0]
	got, _, err := e.client.Domains.EditRecord(e.ctx, "example.com", soa.ID, &godo.DomainRecordEditRequest{Type: "A", Name: "www", Data: "127.0.0.1", TTL: 3600})
	if err != nil {
		t.Fatal(err)
	}
	if want := (godo.DomainRecord{ID: soa.ID, Type: "SOA", Name: "@", Data: "1800", TTL: 3600}); *got != want {
		t.Errorf("SOA after update %+v", *got)
	}
	if d, _, _ := e.client.Domains.Get(e.ctx, "example.com"); d.TTL != 3600 {
		t.Errorf("domain ttl %d after the SOA's became 3600", d.TTL)
	}
	_, err = e.client.Domains.DeleteRecord(e.ctx, "example.com", soa.ID)
	miscMessage(t, e.apiError(err, http.StatusUnprocessableEntity, "unprocessable_entity"), "SOA record of example.com cannot be deleted")
}

// DNS keeps one ttl per record set: a new record of a name and type gives
// the others its ttl.
func TestDomainRecordTTLRectified(t *testing.T) {
	e := newTestEnv(t)
	e.newDomain("example.com", "")
	first, _, err := e.client.Domains.CreateRecord(e.ctx, "example.com", &godo.DomainRecordEditRequest{Type: "A", Name: "www", Data: "127.20.0.7"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.client.Domains.CreateRecord(e.ctx, "example.com", &godo.DomainRecordEditRequest{Type: "A", Name: "www", Data: "127.20.0.8", TTL: 300}); err != nil {
		t.Fatal(err)
	}
	if r, _, _ := e.client.Domains.Record(e.ctx, "example.com", first.ID); r.TTL != 300 {
		t.Errorf("first record's ttl %d, want the set's 300", r.TTL)
	}
	if ns := e.records("example.com")[1]; ns.TTL != 1800 {
		t.Errorf("another set's ttl changed: %+v", ns)
	}
}

// Lists filter by type and by fully qualified name; their page links drop
// the filters, as DigitalOcean's do.
func TestDomainRecordListFilters(t *testing.T) {
	e := newTestEnv(t)
	e.newDomain("example.com", "127.20.0.7")
	for _, r := range []godo.DomainRecordEditRequest{
		{Type: "A", Name: "www", Data: "127.20.0.8"}, {Type: "A", Name: "www", Data: "127.20.0.9"}, {Type: "TXT", Name: "www", Data: "hello"},
	} {
		if _, _, err := e.client.Domains.CreateRecord(e.ctx, "example.com", &r); err != nil {
			t.Fatal(err)
		}
	}
	count := func(rs []godo.DomainRecord, err error) int {
		if err != nil {
			t.Fatal(err)
		}
		return len(rs)
	}
	byType, _, err := e.client.Domains.RecordsByType(e.ctx, "example.com", "A", nil)
	byName, _, err2 := e.client.Domains.RecordsByName(e.ctx, "example.com", "www.example.com", nil)
	both, _, err3 := e.client.Domains.RecordsByTypeAndName(e.ctx, "example.com", "A", "www.example.com", nil)
	apex, _, err4 := e.client.Domains.RecordsByName(e.ctx, "example.com", "example.com", nil)
	if a, b, c, d := count(byType, err), count(byName, err2), count(both, err3), count(apex, err4); a != 3 || b != 3 || c != 2 || d != 5 {
		t.Errorf("by type %d (want 3), by name %d (3), both %d (2), apex %d (5)", a, b, c, d)
	}

	page, resp, err := e.client.Domains.RecordsByType(e.ctx, "example.com", "A", &godo.ListOptions{PerPage: 1})
	if err != nil || len(page) != 1 {
		t.Fatalf("page %+v %v", page, err)
	}
	next, err := url.Parse(resp.Links.Pages.Next)
	if err != nil {
		t.Fatal(err)
	}
	if q := next.Query(); q.Has("type") || q.Get("page") != "2" {
		t.Errorf("next link %s keeps the filter or misses the page", resp.Links.Pages.Next)
	}
}
