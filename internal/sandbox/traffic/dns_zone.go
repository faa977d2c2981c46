package traffic

import (
	"net"
	"strings"

	"github.com/miekg/dns"
)

// zoneSet is every zone ready to answer from, built once per change.
type zoneSet struct {
	src   []Zone
	zones map[string]*zoneData
}

// zoneData is one zone's records as resource records, by owner name.
type zoneData struct {
	name  string
	soa   *dns.SOA
	rrs   map[string][]dns.RR
	names map[string]bool // every name with records or below which some are
}

// maxCNAMEChain bounds how many CNAMEs an answer follows.
const maxCNAMEChain = 8

func newZoneSet(zones []Zone) *zoneSet {
	s := &zoneSet{src: zones, zones: map[string]*zoneData{}}
	for _, z := range zones {
		d := &zoneData{name: z.Name, rrs: map[string][]dns.RR{}, names: map[string]bool{z.Name: true}}
		d.soa = &dns.SOA{Hdr: header(z.Name, dns.TypeSOA, z.SOA.TTL), Ns: dns.Fqdn(z.SOA.NS), Mbox: dns.Fqdn(z.SOA.Mbox),
			Serial: z.SOA.Serial, Refresh: z.SOA.Refresh, Retry: z.SOA.Retry, Expire: z.SOA.Expire, Minttl: z.SOA.MinTTL}
		d.rrs[z.Name] = []dns.RR{d.soa}
		for _, r := range z.Records {
			rr := resourceRecord(r)
			if rr == nil {
				continue
			}
			d.rrs[r.Name] = append(d.rrs[r.Name], rr)
			for n := r.Name; n != z.Name && strings.HasSuffix(n, "."+z.Name); n = parent(n) {
				d.names[n] = true
			}
		}
		s.zones[z.Name] = d
	}
	return s
}

func header(name string, t uint16, ttl int) dns.RR_Header {
	return dns.RR_Header{Name: dns.Fqdn(name), Rrtype: t, Class: dns.ClassINET, Ttl: uint32(max(ttl, 0))}
}

// resourceRecord converts one record; nil for data that does not fit.
func resourceRecord(r ZoneRecord) dns.RR {
	t, ok := dns.StringToType[r.Type]
	if !ok {
		return nil
	}
	h := header(r.Name, t, r.TTL)
	ip := net.ParseIP(r.Data)
	switch r.Type {
	case "A":
		if ip = ip.To4(); ip != nil {
			return &dns.A{Hdr: h, A: ip}
		}
	case "AAAA":
		if ip != nil && ip.To4() == nil {
			return &dns.AAAA{Hdr: h, AAAA: ip}
		}
	case "CNAME":
		return &dns.CNAME{Hdr: h, Target: dns.Fqdn(r.Data)}
	case "NS":
		return &dns.NS{Hdr: h, Ns: dns.Fqdn(r.Data)}
	case "MX":
		return &dns.MX{Hdr: h, Preference: uint16(r.Priority), Mx: dns.Fqdn(r.Data)}
	case "SRV":
		return &dns.SRV{Hdr: h, Priority: uint16(r.Priority), Weight: uint16(r.Weight), Port: uint16(r.Port), Target: dns.Fqdn(r.Data)}
	case "TXT":
		return &dns.TXT{Hdr: h, Txt: chunks(r.Data, 255)}
	case "CAA":
		return &dns.CAA{Hdr: h, Flag: uint8(r.Flags), Tag: r.Tag, Value: r.Data}
	}
	return nil
}

// chunks splits a TXT value into the 255-byte strings DNS carries.
func chunks(s string, n int) []string {
	out := []string{}
	for len(s) > n {
		out = append(out, s[:n])
		s = s[n:]
	}
	return append(out, s)
}

func parent(name string) string {
	if i := strings.IndexByte(name, '.'); i >= 0 {
		return name[i+1:]
	}
	return ""
}

// zoneFor is the most specific zone holding name, nil when none does.
func (s *zoneSet) zoneFor(name string) *zoneData {
	for n := name; n != ""; n = parent(n) {
		if z := s.zones[n]; z != nil {
			return z
		}
	}
	return nil
}

// answer fills m for q: REFUSED outside every zone, else an authoritative
// answer, NODATA or NXDOMAIN, or a referral below a delegation.
func (s *zoneSet) answer(m *dns.Msg, q dns.Question) {
	name := strings.TrimSuffix(strings.ToLower(q.Name), ".")
	z := s.zoneFor(name)
	if z == nil {
		m.Rcode = dns.RcodeRefused
		return
	}
	m.Authoritative = true
	for range maxCNAMEChain {
		if ns := z.delegation(name); ns != nil {
			m.Authoritative = len(m.Answer) > 0
			m.Ns = append(m.Ns, ns...)
			m.Extra = append(m.Extra, z.glue(ns)...)
			return
		}
		rrs, exists := z.lookup(name)
		if !exists {
			m.Rcode = dns.RcodeNameError
			m.Ns = []dns.RR{z.negativeSOA()}
			return
		}
		if cname := ofType(rrs, dns.TypeCNAME); len(cname) > 0 && q.Qtype != dns.TypeCNAME && q.Qtype != dns.TypeANY {
			m.Answer = append(m.Answer, cname[0])
			target := strings.TrimSuffix(strings.ToLower(cname[0].(*dns.CNAME).Target), ".")
			if s.zoneFor(target) != z {
				return // outside the zone: the resolver follows it
			}
			name = target
			continue
		}
		found := ofType(rrs, q.Qtype)
		if len(found) == 0 {
			m.Ns = []dns.RR{z.negativeSOA()}
			return
		}
		m.Answer = append(m.Answer, found...)
		m.Extra = append(m.Extra, z.glue(found)...)
		return
	}
}

// lookup returns the records at name, synthesised from a wildcard when
// name itself has none; exists is false for a name the zone lacks.
func (z *zoneData) lookup(name string) (rrs []dns.RR, exists bool) {
	if rrs := z.rrs[name]; len(rrs) > 0 || z.names[name] {
		return rrs, true
	}
	encloser := parent(name)
	for !z.names[encloser] {
		encloser = parent(encloser)
	}
	wild := z.rrs["*."+encloser]
	if len(wild) == 0 {
		return nil, false
	}
	out := make([]dns.RR, len(wild))
	for i, rr := range wild {
		out[i] = dns.Copy(rr)
		out[i].Header().Name = dns.Fqdn(name)
	}
	return out, true
}

// delegation is the NS set of the zone cut at or above name, below the
// apex; nil when name is the zone's own.
func (z *zoneData) delegation(name string) []dns.RR {
	var cut []dns.RR
	for n := name; n != z.name && n != ""; n = parent(n) {
		if ns := ofType(z.rrs[n], dns.TypeNS); len(ns) > 0 {
			cut = ns // keep walking up: the highest cut wins
		}
	}
	return cut
}

// glue is the in-zone addresses of the hosts NS, MX and SRV records name.
func (z *zoneData) glue(rrs []dns.RR) []dns.RR {
	var out []dns.RR
	for _, rr := range rrs {
		var host string
		switch v := rr.(type) {
		case *dns.NS:
			host = v.Ns
		case *dns.MX:
			host = v.Mx
		case *dns.SRV:
			host = v.Target
		default:
			continue
		}
		host = strings.TrimSuffix(strings.ToLower(host), ".")
		if host == z.name || strings.HasSuffix(host, "."+z.name) {
			out = append(out, ofType(z.rrs[host], dns.TypeA)...)
			out = append(out, ofType(z.rrs[host], dns.TypeAAAA)...)
		}
	}
	return out
}

// negativeSOA is the SOA sent with NXDOMAIN and NODATA, its ttl the lesser
// of its own and its minimum (RFC 2308).
func (z *zoneData) negativeSOA() dns.RR {
	soa := dns.Copy(z.soa).(*dns.SOA)
	soa.Hdr.Ttl = min(soa.Hdr.Ttl, soa.Minttl)
	return soa
}

func ofType(rrs []dns.RR, t uint16) []dns.RR {
	if t == dns.TypeANY {
		return rrs
	}
	var out []dns.RR
	for _, rr := range rrs {
		if rr.Header().Rrtype == t {
			out = append(out, rr)
		}
	}
	return out
}
