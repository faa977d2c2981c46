package sandbox

import (
	"bytes"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/scalable-tf/terraform-provider-scalable/internal/doapi"
)

// DomainRecord is one record of a domain, kept as DigitalOcean returns it:
// Name is "@" or relative to the domain, and the host names in Data of
// CNAME, MX, NS, SRV and CAA issue records are absolute without the
// trailing dot the request needed ("@" for the apex).
type DomainRecord struct {
	ID       int    `json:"id"`
	Domain   string `json:"domain"`
	Type     string `json:"type"`
	Name     string `json:"name"`
	Data     string `json:"data"`
	TTL      int    `json:"ttl"`
	Priority *int   `json:"priority,omitempty"` // MX, SRV
	Port     *int   `json:"port,omitempty"`     // SRV
	Weight   *int   `json:"weight,omitempty"`   // SRV
	Flags    *int   `json:"flags,omitempty"`    // CAA
	Tag      string `json:"tag,omitempty"`      // CAA
}

// fqdn is the record's absolute name without the trailing dot.
func (r *DomainRecord) fqdn() string {
	if r.Name == "@" {
		return r.Domain
	}
	return r.Name + "." + r.Domain
}

// target is the absolute host name a CNAME, MX, NS or SRV record points
// at, without the trailing dot.
func (r *DomainRecord) target() string {
	if r.Data == "@" {
		return r.Domain
	}
	return r.Data
}

// hostData reports whether the record's data is a host name DigitalOcean
// wants written with a trailing dot.
func (r *DomainRecord) hostData() bool {
	switch r.Type {
	case "CNAME", "MX", "NS", "SRV":
		return true
	case "CAA":
		return r.Tag != "iodef"
	}
	return false
}

// zoneData is the record's data as a zone file line carries it.
func (r *DomainRecord) zoneData() string {
	switch r.Type {
	case "CNAME", "NS":
		return r.target() + "."
	case "MX":
		return strconv.Itoa(deref(r.Priority)) + " " + r.target() + "."
	case "SRV":
		return strconv.Itoa(deref(r.Priority)) + " " + strconv.Itoa(deref(r.Weight)) + " " + strconv.Itoa(deref(r.Port)) + " " + r.target() + "."
	case "TXT":
		return strconv.Quote(r.Data)
	case "CAA":
		return strconv.Itoa(deref(r.Flags)) + " " + r.Tag + " " + strconv.Quote(r.Data)
	}
	return r.Data
}

func deref(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

// domainRecordJSON is DigitalOcean's record object: fields a type does not
// use are null.
type domainRecordJSON struct {
	ID       int     `json:"id"`
	Type     string  `json:"type"`
	Name     string  `json:"name"`
	Data     string  `json:"data"`
	Priority *int    `json:"priority"`
	Port     *int    `json:"port"`
	TTL      int     `json:"ttl"`
	Weight   *int    `json:"weight"`
	Flags    *int    `json:"flags"`
	Tag      *string `json:"tag"`
}

func renderDomainRecord(r *DomainRecord) domainRecordJSON {
	out := domainRecordJSON{ID: r.ID, Type: r.Type, Name: r.Name, Data: r.Data, TTL: r.TTL,
		Priority: r.Priority, Port: r.Port, Weight: r.Weight, Flags: r.Flags}
	if r.Type == "CAA" {
		out.Tag = &r.Tag
	}
	return out
}

// recordsOf lists a domain's records by id, the order DigitalOcean lists
// them in (SOA, the three NS records, then the rest as created).
func (w *World) recordsOf(domain string) []*DomainRecord {
	var out []*DomainRecord
	for _, r := range w.DomainRecords {
		if r.Domain == domain {
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func (w *World) soaRecord(domain string) *DomainRecord {
	for _, r := range w.DomainRecords {
		if r.Domain == domain && r.Type == "SOA" {
			return r
		}
	}
	return nil
}

// addRecord stores a new record of d with the next id.
func (w *World) addRecord(d *Domain, now time.Time, r *DomainRecord) {
	r.ID, r.Domain = w.NextDomainRecordID, d.Name
	w.NextDomainRecordID++
	w.DomainRecords[r.ID] = r
	d.touch(now)
}

// touch moves the zone's serial on, past the last one even within a second.
func (d *Domain) touch(now time.Time) {
	d.Serial = max(uint32(now.Unix()), d.Serial+1)
}

// rectifyTTL gives every record of r's name and type r's ttl: DNS wants
// one ttl per record set (RFC 2181 §5.2), and DigitalOcean "will rectify
// them automatically", as the official provider warns.
func (w *World) rectifyTTL(r *DomainRecord) {
	for _, o := range w.DomainRecords {
		if o.Domain == r.Domain && o.Type == r.Type && strings.EqualFold(o.Name, r.Name) {
			o.TTL = r.TTL
		}
	}
}

// recordRequest finds the record a request's {name} and {id} name.
func (c *call) recordRequest() (*Domain, *DomainRecord, *APIError) {
	d, err := c.domainRequest()
	if err != nil {
		return nil, nil, err
	}
	id, convErr := strconv.Atoi(c.r.PathValue("id"))
	r := c.w.DomainRecords[id]
	if convErr != nil || r == nil || r.Domain != d.Name {
		return nil, nil, errNotFound()
	}
	return d, r, nil
}

// listDomainRecords serves GET /v2/domains/{name}/records, filtered by
// type and by name, which is fully qualified ("www.example.com").
func listDomainRecords(c *call) (int, any) {
	d, err := c.domainRequest()
	if err != nil {
		return 0, err
	}
	q := c.r.URL.Query()
	typ, name := q.Get("type"), canonicalDomain(q.Get("name"))
	out := []domainRecordJSON{}
	for _, r := range c.w.recordsOf(d.Name) {
		if (typ == "" || strings.EqualFold(r.Type, typ)) && (name == "" || strings.EqualFold(r.fqdn(), name)) {
			out = append(out, renderDomainRecord(r))
		}
	}
	// DigitalOcean's page links drop the filters (seen by API users), so
	// a client following them gets the unfiltered pages.
	q.Del("type")
	q.Del("name")
	unfiltered := *c
	unfiltered.r = c.r.Clone(c.r.Context())
	unfiltered.r.URL.RawQuery = q.Encode()
	return http.StatusOK, listBody(&unfiltered, "domain_records", out)
}

// createDomainRecord serves POST /v2/domains/{name}/records.
func createDomainRecord(c *call) (int, any) {
	d, err := c.domainRequest()
	if err != nil {
		return 0, err
	}
	var in domainRecordIn
	if err := c.decode(&in); err != nil {
		return 0, err
	}
	if in.Type == nil || *in.Type == "" {
		return 0, errUnprocessable("Type can't be blank: one of %s", joinAllowed(doapi.DomainRecordTypes))
	}
	typ := strings.ToUpper(*in.Type)
	if !slices.Contains(doapi.DomainRecordTypes, typ) {
		return 0, errUnprocessable("type %q is invalid; allowed types: %s", *in.Type, joinAllowed(doapi.DomainRecordTypes))
	}
	r := &DomainRecord{Domain: d.Name, Type: typ, TTL: doapi.DomainDefaultTTL}
	if err := c.w.applyRecordIn(r, in); err != nil {
		return 0, err
	}
	c.w.addRecord(d, c.now, r)
	c.w.rectifyTTL(r)
	return http.StatusCreated, map[string]any{"domain_record": renderDomainRecord(r)}
}

// getDomainRecord serves GET /v2/domains/{name}/records/{id}.
func getDomainRecord(c *call) (int, any) {
	_, r, err := c.recordRequest()
	if err != nil {
		return 0, err
	}
	return http.StatusOK, map[string]any{"domain_record": renderDomainRecord(r)}
}

// updateDomainRecord serves PUT and PATCH /v2/domains/{name}/records/{id}:
// the attributes sent replace the record's, and the record as a whole is
// checked again. A host name kept from the record has no trailing dot, so
// a CNAME updated without data is refused as DigitalOcean refuses it
// (doctl#919: a ttl-only update fails with "Data needs to end with a dot").
func updateDomainRecord(c *call) (int, any) {
	d, r, err := c.recordRequest()
	if err != nil {
		return 0, err
	}
	var in domainRecordIn
	if err := c.decode(&in); err != nil {
		return 0, err
	}
	next := *r
	if r.Type == "SOA" {
		// Only the ttl of an SOA record can be changed.
		in = domainRecordIn{TTL: in.TTL}
	} else if in.Type != nil && *in.Type != "" {
		next.Type = strings.ToUpper(*in.Type)
		if !slices.Contains(doapi.DomainRecordTypes, next.Type) {
			return 0, errUnprocessable("type %q is invalid; allowed types: %s", *in.Type, joinAllowed(doapi.DomainRecordTypes))
		}
	}
	if err := c.w.applyRecordIn(&next, in); err != nil {
		return 0, err
	}
	*r = next
	d.touch(c.now)
	c.w.rectifyTTL(r)
	return http.StatusOK, map[string]any{"domain_record": renderDomainRecord(r)}
}

// deleteDomainRecord serves DELETE /v2/domains/{name}/records/{id}.
func deleteDomainRecord(c *call) (int, any) {
	d, r, err := c.recordRequest()
	if err != nil {
		return 0, err
	}
	if r.Type == "SOA" {
		return 0, errUnprocessable("the SOA record of %s cannot be deleted; only its ttl can be changed", d.Name)
	}
	delete(c.w.DomainRecords, r.ID)
	d.touch(c.now)
	return http.StatusNoContent, nil
}

// domainRecordIn is the body of a record create or update. Absent and
// null attributes leave the record's as they are.
type domainRecordIn struct {
	Type     *string `json:"type"`
	Name     *string `json:"name"`
	Data     *string `json:"data"`
	Priority optInt  `json:"priority"`
	Port     optInt  `json:"port"`
	TTL      optInt  `json:"ttl"`
	Weight   optInt  `json:"weight"`
	Flags    optInt  `json:"flags"`
	Tag      *string `json:"tag"`
}

// optInt is an integer attribute that may be absent, null, or something
// that is no integer (DigitalOcean then says "is not a number").
type optInt struct {
	set, valid bool
	v          int
}

func (o *optInt) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		*o = optInt{}
		return nil
	}
	n, err := strconv.Atoi(strings.Trim(string(b), `"`))
	*o = optInt{set: true, valid: err == nil, v: n}
	return nil
}
