package sandbox

import (
	"net/netip"
	"slices"
	"strings"

	"github.com/scalable-tf/terraform-provider-scalable/internal/doapi"
)

// applyRecordIn sets what in carries on r and checks the record as a
// whole, as DigitalOcean does on create and on update. Attributes a type
// does not use are dropped (they read null). Where DigitalOcean's wording
// is known it is kept, its doubled field names included ("Priority is not
// a number and Priority Priority must be an integer between 0 and 65535").
func (w *World) applyRecordIn(r *DomainRecord, in domainRecordIn) *APIError {
	if in.TTL.set {
		if !in.TTL.valid {
			return errUnprocessable("Ttl is not a number")
		}
		r.TTL = in.TTL.v
	}
	if r.TTL < doapi.RecordMinTTL {
		return errUnprocessable("record ttl must be greater than %d", doapi.RecordMinTTL)
	}
	if r.Type == "SOA" {
		return nil
	}
	if err := r.applyName(in.Name); err != nil {
		return err
	}
	if err := r.applyNumbers(in); err != nil {
		return err
	}
	if err := r.applyTag(in.Tag); err != nil {
		return err
	}
	raw := r.Data
	if in.Data != nil {
		raw = *in.Data
	}
	data, err := r.checkData(raw)
	if err != nil {
		return err
	}
	r.Data = data
	return w.checkCNAMEConflict(r)
}

// applyName sets the record's name relative to its domain. MX and NS
// records default to the apex, as DigitalOcean answers an NS created
// without a name.
func (r *DomainRecord) applyName(name *string) *APIError {
	if name != nil {
		n, err := relativeName(*name, r.Domain)
		if err != nil {
			return err
		}
		r.Name = n
	}
	if r.Name == "" {
		if r.Type == "MX" || r.Type == "NS" {
			r.Name = "@"
			return nil
		}
		return errUnprocessable("Name can't be blank")
	}
	return nil
}

// relativeName turns a record name into DigitalOcean's form: "@" for the
// apex, labels relative to the domain. A name ending in a dot is absolute
// ("www.example.com." is "www"); one without is relative, as in a zone file.
func relativeName(s, domain string) (string, *APIError) {
	s = strings.TrimSpace(s)
	if s == "" || s == "@" {
		return s, nil
	}
	if fq, ok := strings.CutSuffix(s, "."); ok {
		suffix := "." + domain
		switch {
		case strings.EqualFold(fq, domain):
			return "@", nil
		case len(fq) > len(suffix) && strings.EqualFold(fq[len(fq)-len(suffix):], suffix):
			s = fq[:len(fq)-len(suffix)]
		default:
			return "", errUnprocessable("Name %q is not in the domain %s: give it relative to the domain (\"www\"), or absolute ending in .%s.", s, domain, domain)
		}
	}
	if !validRecordLabels(s, true) || len(s)+1+len(domain) > 253 {
		return "", errUnprocessable("Name %q is not a valid record name: use \"@\" for the domain itself, or labels of letters, digits, dashes and underscores (\"*\" only as the first)", s)
	}
	return s, nil
}

// validRecordLabels reports whether s is dot-separated labels of 1 to 63
// letters, digits, dashes and underscores; wildcard allows "*" as the
// first label.
func validRecordLabels(s string, wildcard bool) bool {
	for i, l := range strings.Split(s, ".") {
		if wildcard && i == 0 && l == "*" {
			continue
		}
		if len(l) == 0 || len(l) > 63 {
			return false
		}
		for _, c := range l {
			if (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (c < '0' || c > '9') && c != '-' && c != '_' {
				return false
			}
		}
	}
	return true
}

// recordNumber is one integer attribute and the types that use it.
type recordNumber struct {
	label string
	in    optInt
	dst   **int
	rng   doapi.Range
	types []string
}

// applyNumbers sets priority, port, weight and flags where the type uses
// them (each is then required) and drops them where it does not.
func (r *DomainRecord) applyNumbers(in domainRecordIn) *APIError {
	fields := []recordNumber{
		{"Priority", in.Priority, &r.Priority, doapi.RecordPriorityRange, []string{"MX", "SRV"}},
		{"Port", in.Port, &r.Port, doapi.RecordPriorityRange, []string{"SRV"}},
		{"Weight", in.Weight, &r.Weight, doapi.RecordPriorityRange, []string{"SRV"}},
		{"Flags", in.Flags, &r.Flags, doapi.RecordFlagsRange, []string{"CAA"}},
	}
	for _, f := range fields {
		if !slices.Contains(f.types, r.Type) {
			*f.dst = nil
			continue
		}
		if f.in.set && f.in.valid {
			v := f.in.v
			*f.dst = &v
		}
		if *f.dst == nil || (f.in.set && !f.in.valid) {
			return errUnprocessable("%s is not a number and %s %s must be an integer between %d and %d", f.label, f.label, f.label, f.rng.Min, f.rng.Max)
		}
		if !f.rng.Contains(**f.dst) {
			return errUnprocessable("%s %s must be an integer between %d and %d", f.label, f.label, f.rng.Min, f.rng.Max)
		}
	}
	return nil
}

// applyTag sets a CAA record's tag (required) and drops it elsewhere.
func (r *DomainRecord) applyTag(tag *string) *APIError {
	if r.Type != "CAA" {
		r.Tag = ""
		return nil
	}
	if tag != nil {
		r.Tag = *tag
	}
	if !slices.Contains(doapi.CAATags, r.Tag) {
		return errUnprocessable("Tag %q is invalid: a CAA record's tag is one of %s", r.Tag, joinAllowed(doapi.CAATags))
	}
	return nil
}

// checkData checks the data the type needs and returns it as stored.
func (r *DomainRecord) checkData(raw string) (string, *APIError) {
	if r.Type != "TXT" {
		raw = strings.TrimSpace(raw)
	}
	if raw == "" {
		return "", errUnprocessable("Data can't be blank")
	}
	switch a, err := netip.ParseAddr(raw); {
	case r.Type == "A" && (err != nil || !a.Is4()):
		return "", errUnprocessable("Data %q is not a valid IPv4 address, as an A record needs", raw)
	case r.Type == "AAAA" && (err != nil || !a.Is6() || a.Is4In6()):
		return "", errUnprocessable("Data %q is not a valid IPv6 address, as an AAAA record needs", raw)
	case r.Type == "TXT" && len(raw) > doapi.TXTMaxLength:
		return "", errUnprocessable("Data is too long (maximum is %d characters)", doapi.TXTMaxLength)
	case r.Type == "CAA" && r.Tag == "iodef" && !hasAnyPrefix(raw, "mailto:", "http://", "https://"):
		return "", errUnprocessable("Data %q is not a mailto: or http(s) URL, as a CAA iodef record needs", raw)
	}
	if r.hostData() {
		return r.hostTargetData(raw)
	}
	return raw, nil
}

// hostTargetData checks a host name in data: "@" or absolute with the
// trailing dot DigitalOcean insists on, which it then drops.
func (r *DomainRecord) hostTargetData(raw string) (string, *APIError) {
	if raw == "@" {
		return raw, nil
	}
	host, ok := strings.CutSuffix(raw, ".")
	if !ok {
		return "", errUnprocessable("Data needs to end with a dot (.)")
	}
	if !validRecordLabels(host, false) || len(host) > 253 {
		return "", errUnprocessable("Data %q is not a valid host name", raw)
	}
	if strings.EqualFold(host, r.Domain) {
		return "@", nil
	}
	return host, nil
}

func hasAnyPrefix(s string, prefixes ...string) bool {
	return slices.ContainsFunc(prefixes, func(p string) bool { return strings.HasPrefix(s, p) })
}

// checkCNAMEConflict refuses a CNAME beside any other record of its name,
// and any record beside a CNAME, in DigitalOcean's words.
func (w *World) checkCNAMEConflict(r *DomainRecord) *APIError {
	for _, o := range w.DomainRecords {
		if o.ID == r.ID || o.Domain != r.Domain || !strings.EqualFold(o.Name, r.Name) {
			continue
		}
		if o.Type == "CNAME" || r.Type == "CNAME" {
			return errUnprocessable("CNAME records cannot share a name with other records")
		}
	}
	return nil
}
