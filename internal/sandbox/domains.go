package sandbox

import (
	"fmt"
	"net/http"
	"net/netip"
	"sort"
	"strings"
	"time"

	"github.com/scalable-tf/terraform-provider-scalable/internal/doapi"
	"github.com/scalable-tf/terraform-provider-scalable/internal/sandbox/traffic"
)

// Domain is a DNS zone the account manages: its records are in
// DomainsUnit.DomainRecords.
type Domain struct {
	Name      string    `json:"name"` // lower case, no trailing dot
	CreatedAt time.Time `json:"created_at"`
	// Serial is the zone's SOA serial: the Unix time of its last change,
	// as DigitalOcean's zone files show.
	Serial uint32 `json:"serial"`
}

// URN is the domain's uniform resource name, as projects list it.
func (d *Domain) URN() string { return "do:domain:" + d.Name }

// SOA timers DigitalOcean's zone files carry after the serial: refresh,
// retry, expire and the negative-answer ttl.
const (
	soaRefresh, soaRetry, soaExpire, soaMinTTL = 10800, 3600, 604800, 1800
)

// firstDomainRecordID is where record ids start; DigitalOcean's are nine
// and ten digit numbers.
const firstDomainRecordID = 1688000001

// DomainsUnit is the sandbox's DNS: domains and their records.
type DomainsUnit struct {
	Domains       map[string]*Domain    `json:"domains"`
	DomainRecords map[int]*DomainRecord `json:"domain_records"`
	// NextDomainRecordID survives a reset, so a record id is never reused.
	NextDomainRecordID int `json:"next_domain_record_id"`
}

func (u *DomainsUnit) ensure() {
	if u.Domains == nil {
		u.Domains = map[string]*Domain{}
	}
	if u.DomainRecords == nil {
		u.DomainRecords = map[int]*DomainRecord{}
	}
	if u.NextDomainRecordID == 0 {
		u.NextDomainRecordID = firstDomainRecordID
	}
}

func (*DomainsUnit) routes(s *Server) {
	s.handle("GET /v2/domains", listDomains)
	s.handle("POST /v2/domains", createDomain)
	s.handle("GET /v2/domains/{name}", getDomain)
	s.handle("DELETE /v2/domains/{name}", deleteDomain)
	s.handle("GET /v2/domains/{name}/records", listDomainRecords)
	s.handle("POST /v2/domains/{name}/records", createDomainRecord)
	s.handle("GET /v2/domains/{name}/records/{id}", getDomainRecord)
	s.handle("PUT /v2/domains/{name}/records/{id}", updateDomainRecord)
	s.handle("PATCH /v2/domains/{name}/records/{id}", updateDomainRecord)
	s.handle("DELETE /v2/domains/{name}/records/{id}", deleteDomainRecord)
}

// domainJSON is DigitalOcean's domain object. zone_file is null right
// after a create, as DigitalOcean answers before it has written the zone.
type domainJSON struct {
	Name     string  `json:"name"`
	TTL      int     `json:"ttl"`
	ZoneFile *string `json:"zone_file"`
}

func (w *World) renderDomain(d *Domain) domainJSON {
	zone := w.zoneFile(d)
	return domainJSON{Name: d.Name, TTL: w.domainTTL(d), ZoneFile: &zone}
}

// domainTTL is the ttl of the domain's SOA record, which is the domain's.
func (w *World) domainTTL(d *Domain) int {
	if soa := w.soaRecord(d.Name); soa != nil {
		return soa.TTL
	}
	return doapi.DomainDefaultTTL
}

// domainRequest finds the domain a request's {name} names, ignoring case
// and a trailing dot.
func (c *call) domainRequest() (*Domain, *APIError) {
	d := c.w.Domains[canonicalDomain(c.r.PathValue("name"))]
	if d == nil {
		return nil, errNotFound()
	}
	return d, nil
}

func canonicalDomain(s string) string { return strings.TrimSuffix(strings.ToLower(s), ".") }

// validDomainName reports whether s is a domain DigitalOcean takes: two or
// more hostname labels (letters, digits, inner dashes), at most 253
// characters, the last label not all digits.
func validDomainName(s string) bool {
	if !validCertificateHostname(s, false) {
		return false
	}
	tld := s[strings.LastIndexByte(s, '.')+1:]
	return strings.Trim(tld, "0123456789") != ""
}

// zoneOf is the account's domain a host name lies in: the longest domain
// equal to it or a suffix of it, nil when none is.
func (w *World) zoneOf(host string) *Domain {
	host = canonicalDomain(strings.TrimPrefix(host, "*."))
	for {
		if d := w.Domains[host]; d != nil {
			return d
		}
		i := strings.IndexByte(host, '.')
		if i < 0 {
			return nil
		}
		host = host[i+1:]
	}
}

// domainsSorted lists the domains by name, as DigitalOcean does.
func (w *World) domainsSorted() []*Domain {
	out := make([]*Domain, 0, len(w.Domains))
	for _, d := range w.Domains {
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// listDomains serves GET /v2/domains.
func listDomains(c *call) (int, any) {
	out := []domainJSON{}
	for _, d := range c.w.domainsSorted() {
		out = append(out, c.w.renderDomain(d))
	}
	return http.StatusOK, listBody(c, "domains", out)
}

// domainIn is the body of POST /v2/domains.
type domainIn struct {
	Name      string `json:"name"`
	IPAddress string `json:"ip_address"`
}

// createDomain serves POST /v2/domains: the domain with its SOA and
// DigitalOcean's three NS records, and an A record for the apex when
// ip_address is given.
func createDomain(c *call) (int, any) {
	var in domainIn
	if err := c.decode(&in); err != nil {
		return 0, err
	}
	name := canonicalDomain(strings.TrimSpace(in.Name))
	switch {
	case name == "":
		return 0, errUnprocessable("Name can't be blank")
	case !validDomainName(name):
		return 0, errUnprocessable("Name %q is not a valid domain name: give the domain itself, such as example.com, without a scheme or path", in.Name)
	case c.w.Domains[name] != nil:
		return 0, errUnprocessable("domain '%s': name already exists", name)
	}
	var apex netip.Addr
	if in.IPAddress != "" {
		a, err := netip.ParseAddr(in.IPAddress)
		if err != nil || !a.Is4() {
			return 0, errUnprocessable("ip_address %q is not an IPv4 address: it becomes the A record of %s", in.IPAddress, name)
		}
		apex = a
	}
	d := &Domain{Name: name, CreatedAt: c.now}
	c.w.Domains[name] = d
	c.w.addRecord(d, c.now, &DomainRecord{Type: "SOA", Name: "@", Data: "1800", TTL: doapi.DomainDefaultTTL})
	for _, ns := range doapi.DomainNameservers {
		c.w.addRecord(d, c.now, &DomainRecord{Type: "NS", Name: "@", Data: ns, TTL: doapi.DomainDefaultTTL})
	}
	if apex.IsValid() {
		c.w.addRecord(d, c.now, &DomainRecord{Type: "A", Name: "@", Data: apex.String(), TTL: doapi.DomainDefaultTTL})
	}
	return http.StatusCreated, map[string]any{"domain": domainJSON{Name: d.Name, TTL: doapi.DomainDefaultTTL}}
}

// getDomain serves GET /v2/domains/{name}.
func getDomain(c *call) (int, any) {
	d, err := c.domainRequest()
	if err != nil {
		return 0, err
	}
	return http.StatusOK, map[string]any{"domain": c.w.renderDomain(d)}
}

// deleteDomain serves DELETE /v2/domains/{name}: the domain and all its
// records.
func deleteDomain(c *call) (int, any) {
	d, err := c.domainRequest()
	if err != nil {
		return 0, err
	}
	for id, r := range c.w.DomainRecords {
		if r.Domain == d.Name {
			delete(c.w.DomainRecords, id)
		}
	}
	delete(c.w.Domains, d.Name)
	return http.StatusNoContent, nil
}

// zoneFile is the domain's zone in DigitalOcean's layout: $ORIGIN, $TTL,
// the SOA, then every record by id with absolute names.
func (w *World) zoneFile(d *Domain) string {
	var b strings.Builder
	ttl := w.domainTTL(d)
	fmt.Fprintf(&b, "$ORIGIN %s.\n$TTL %d\n", d.Name, ttl)
	fmt.Fprintf(&b, "%s. IN SOA %s. hostmaster.%s. %d %d %d %d %d\n", d.Name, doapi.DomainNameservers[0], d.Name, d.Serial,
		soaRefresh, soaRetry, soaExpire, soaMinTTL)
	for _, r := range w.recordsOf(d.Name) {
		if r.Type != "SOA" {
			fmt.Fprintf(&b, "%s %d IN %s %s\n", r.fqdn()+".", r.TTL, r.Type, r.zoneData())
		}
	}
	return b.String()
}

// trafficZones is every domain as the data plane's DNS server answers it,
// by name: absolute lower-case names, the SOA DigitalOcean's zone files
// show.
func (w *World) trafficZones() []traffic.Zone {
	var out []traffic.Zone
	for _, d := range w.domainsSorted() {
		z := traffic.Zone{Name: d.Name, SOA: traffic.SOA{NS: doapi.DomainNameservers[0], Mbox: "hostmaster." + d.Name,
			TTL: w.domainTTL(d), Serial: d.Serial, Refresh: soaRefresh, Retry: soaRetry, Expire: soaExpire, MinTTL: soaMinTTL}}
		for _, r := range w.recordsOf(d.Name) {
			if r.Type == "SOA" {
				continue
			}
			zr := traffic.ZoneRecord{Name: strings.ToLower(r.fqdn()), Type: r.Type, Data: r.Data, TTL: r.TTL,
				Priority: deref(r.Priority), Weight: deref(r.Weight), Port: deref(r.Port), Flags: deref(r.Flags), Tag: r.Tag}
			if r.hostData() && r.Type != "CAA" {
				zr.Data = strings.ToLower(r.target())
			}
			z.Records = append(z.Records, zr)
		}
		out = append(out, z)
	}
	return out
}
