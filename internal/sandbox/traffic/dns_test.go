package traffic

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// testZones are two of an account's zones: example.com with a record of
// each type, a CNAME chain, a wildcard and a delegation, and its child
// zone shop.example.com.
func testZones() []Zone {
	soa := func(zone string) SOA {
		return SOA{NS: "ns1.digitalocean.com", Mbox: "hostmaster." + zone, TTL: 1800, Serial: 1793534400,
			Refresh: 10800, Retry: 3600, Expire: 604800, MinTTL: 1800}
	}
	return []Zone{
		{Name: "example.com", SOA: soa("example.com"), Records: []ZoneRecord{
			{Name: "example.com", Type: "NS", Data: "ns1.digitalocean.com", TTL: 1800},
			{Name: "example.com", Type: "A", Data: "127.20.0.7", TTL: 1800},
			{Name: "example.com", Type: "MX", Data: "mail.example.com", Priority: 10, TTL: 1800},
			{Name: "example.com", Type: "TXT", Data: "v=spf1 -all " + strings.Repeat("x", 300), TTL: 1800},
			{Name: "example.com", Type: "CAA", Data: "letsencrypt.org", Tag: "issue", TTL: 1800},
			{Name: "mail.example.com", Type: "A", Data: "127.20.0.9", TTL: 300},
			{Name: "www.example.com", Type: "CNAME", Data: "lb.example.com", TTL: 300},
			{Name: "lb.example.com", Type: "A", Data: "127.20.0.8", TTL: 60},
			{Name: "lb.example.com", Type: "AAAA", Data: "2001:db8:14::8", TTL: 60},
			{Name: "cdn.example.com", Type: "CNAME", Data: "edge.example.net", TTL: 300},
			{Name: "gone.example.com", Type: "CNAME", Data: "nothing.example.com", TTL: 300},
			{Name: "*.apps.example.com", Type: "A", Data: "127.20.0.10", TTL: 120},
			{Name: "_sip._tcp.example.com", Type: "SRV", Data: "mail.example.com", Priority: 10, Weight: 5, Port: 5060, TTL: 300},
			{Name: "under.example.com", Type: "NS", Data: "ns1.other.net", TTL: 3600},
			{Name: "deep.a.b.example.com", Type: "TXT", Data: "deep", TTL: 300},
		}},
		{Name: "shop.example.com", SOA: soa("shop.example.com"), Records: []ZoneRecord{
			{Name: "shop.example.com", Type: "A", Data: "127.20.0.11", TTL: 1800},
		}},
	}
}

// ask answers one question from zones.
func ask(zones []Zone, name string, qtype uint16) *dns.Msg {
	m := new(dns.Msg)
	newZoneSet(zones).answer(m, dns.Question{Name: dns.Fqdn(name), Qtype: qtype, Qclass: dns.ClassINET})
	return m
}

func rrStrings(rrs []dns.RR) []string {
	out := make([]string, len(rrs))
	for i, rr := range rrs {
		out[i] = strings.Join(strings.Fields(rr.String()), " ")
	}
	return out
}

func TestDNSAnswers(t *testing.T) {
	cases := []struct {
		name   string
		qname  string
		qtype  uint16
		rcode  int
		aa     bool
		answer []string
		ns     []string // authority
		extra  []string
	}{
		{"apex A", "example.com", dns.TypeA, dns.RcodeSuccess, true, []string{"example.com. 1800 IN A 127.20.0.7"}, nil, nil},
		{"case does not matter", "EXAMPLE.com", dns.TypeA, dns.RcodeSuccess, true, []string{"example.com. 1800 IN A 127.20.0.7"}, nil, nil},
		{"CNAME followed within the zone", "www.example.com", dns.TypeA, dns.RcodeSuccess, true,
			[]string{"www.example.com. 300 IN CNAME lb.example.com.", "lb.example.com. 60 IN A 127.20.0.8"}, nil, nil},
		{"CNAME followed for AAAA", "www.example.com", dns.TypeAAAA, dns.RcodeSuccess, true,
			[]string{"www.example.com. 300 IN CNAME lb.example.com.", "lb.example.com. 60 IN AAAA 2001:db8:14::8"}, nil, nil},
		{"CNAME asked for itself", "www.example.com", dns.TypeCNAME, dns.RcodeSuccess, true, []string{"www.example.com. 300 IN CNAME lb.example.com."}, nil, nil},
		{"CNAME out of every zone is not followed", "cdn.example.com", dns.TypeA, dns.RcodeSuccess, true, []string{"cdn.example.com. 300 IN CNAME edge.example.net."}, nil, nil},
		{"CNAME to a missing name", "gone.example.com", dns.TypeA, dns.RcodeNameError, true, []string{"gone.example.com. 300 IN CNAME nothing.example.com."},
			[]string{"example.com. 1800 IN SOA ns1.digitalocean.com. hostmaster.example.com. 1793534400 10800 3600 604800 1800"}, nil},
		{"MX with glue", "example.com", dns.TypeMX, dns.RcodeSuccess, true, []string{"example.com. 1800 IN MX 10 mail.example.com."}, nil,
			[]string{"mail.example.com. 300 IN A 127.20.0.9"}},
		{"CAA", "example.com", dns.TypeCAA, dns.RcodeSuccess, true, []string{`example.com. 1800 IN CAA 0 issue "letsencrypt.org"`}, nil, nil},
		{"SRV", "_sip._tcp.example.com", dns.TypeSRV, dns.RcodeSuccess, true, []string{"_sip._tcp.example.com. 300 IN SRV 10 5 5060 mail.example.com."}, nil,
			[]string{"mail.example.com. 300 IN A 127.20.0.9"}},
		{"SOA", "example.com", dns.TypeSOA, dns.RcodeSuccess, true,
			[]string{"example.com. 1800 IN SOA ns1.digitalocean.com. hostmaster.example.com. 1793534400 10800 3600 604800 1800"}, nil, nil},
		{"NS at the apex", "example.com", dns.TypeNS, dns.RcodeSuccess, true, []string{"example.com. 1800 IN NS ns1.digitalocean.com."}, nil, nil},
		{"NODATA", "mail.example.com", dns.TypeAAAA, dns.RcodeSuccess, true, nil,
			[]string{"example.com. 1800 IN SOA ns1.digitalocean.com. hostmaster.example.com. 1793534400 10800 3600 604800 1800"}, nil},
		{"empty non-terminal is NODATA", "a.b.example.com", dns.TypeA, dns.RcodeSuccess, true, nil,
			[]string{"example.com. 1800 IN SOA ns1.digitalocean.com. hostmaster.example.com. 1793534400 10800 3600 604800 1800"}, nil},
		{"NXDOMAIN", "nope.example.com", dns.TypeA, dns.RcodeNameError, true, nil,
			[]string{"example.com. 1800 IN SOA ns1.digitalocean.com. hostmaster.example.com. 1793534400 10800 3600 604800 1800"}, nil},
		{"wildcard", "web.apps.example.com", dns.TypeA, dns.RcodeSuccess, true, []string{"web.apps.example.com. 120 IN A 127.20.0.10"}, nil, nil},
		{"wildcard does not reach deeper names' NODATA", "apps.example.com", dns.TypeA, dns.RcodeSuccess, true, nil,
			[]string{"example.com. 1800 IN SOA ns1.digitalocean.com. hostmaster.example.com. 1793534400 10800 3600 604800 1800"}, nil},
		{"referral below a delegation", "host.under.example.com", dns.TypeA, dns.RcodeSuccess, false, nil, []string{"under.example.com. 3600 IN NS ns1.other.net."}, nil},
		{"child zone answers for itself", "shop.example.com", dns.TypeA, dns.RcodeSuccess, true, []string{"shop.example.com. 1800 IN A 127.20.0.11"}, nil, nil},
		{"outside every zone", "example.org", dns.TypeA, dns.RcodeRefused, false, nil, nil, nil},
		{"a zone's lookalike", "badexample.com", dns.TypeA, dns.RcodeRefused, false, nil, nil, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := ask(testZones(), tc.qname, tc.qtype)
			if m.Rcode != tc.rcode || m.Authoritative != tc.aa {
				t.Errorf("rcode %s aa %v, want %s aa %v", dns.RcodeToString[m.Rcode], m.Authoritative, dns.RcodeToString[tc.rcode], tc.aa)
			}
			for _, sec := range []struct {
				name      string
				got, want []string
			}{{"answer", rrStrings(m.Answer), tc.answer}, {"authority", rrStrings(m.Ns), tc.ns}, {"additional", rrStrings(m.Extra), tc.extra}} {
				if !slices.Equal(sec.got, sec.want) && len(sec.got)+len(sec.want) > 0 {
					t.Errorf("%s %q, want %q", sec.name, sec.got, sec.want)
				}
			}
		})
	}
}

// A TXT value over 255 bytes goes out as several strings that join to it.
func TestDNSLongTXT(t *testing.T) {
	m := ask(testZones(), "example.com", dns.TypeTXT)
	if len(m.Answer) != 1 {
		t.Fatalf("answer %v", m.Answer)
	}
	txt := m.Answer[0].(*dns.TXT).Txt
	if len(txt) != 2 || strings.Join(txt, "") != "v=spf1 -all "+strings.Repeat("x", 300) {
		t.Errorf("TXT strings %q", txt)
	}
}

// The server answers over UDP and TCP on the one loopback port it picked,
// from the zones it was last given, and refuses what is not its own.
func TestDNSServerOnLoopback(t *testing.T) {
	s, err := listenDNS("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	s.setZones(testZones())
	for _, network := range []string{"udp", "tcp"} {
		c := &dns.Client{Net: network, Timeout: 2 * time.Second}
		q := new(dns.Msg).SetQuestion("www.example.com.", dns.TypeA)
		r, _, err := c.Exchange(q, s.addr)
		if err != nil {
			t.Fatalf("%s: %v", network, err)
		}
		if got := rrStrings(r.Answer); !r.Authoritative || len(got) != 2 || got[1] != "lb.example.com. 60 IN A 127.20.0.8" {
			t.Errorf("%s: aa %v answer %q", network, r.Authoritative, got)
		}
		r, _, err = c.Exchange(new(dns.Msg).SetQuestion("example.org.", dns.TypeA), s.addr)
		if err != nil || r.Rcode != dns.RcodeRefused {
			t.Errorf("%s: example.org answered %v %v", network, r, err)
		}
	}
	s.setZones(nil)
	r, _, err := new(dns.Client).Exchange(new(dns.Msg).SetQuestion("www.example.com.", dns.TypeA), s.addr)
	if err != nil || r.Rcode != dns.RcodeRefused {
		t.Errorf("after the zones went: %v %v", r, err)
	}
}

// A UDP answer larger than the client takes is truncated, and the same
// question over TCP gets all of it.
func TestDNSServerTruncatesUDP(t *testing.T) {
	s, err := listenDNS("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	z := testZones()
	for i := range 40 {
		z[0].Records = append(z[0].Records, ZoneRecord{Name: "many.example.com", Type: "TXT", Data: strings.Repeat(string(rune('a'+i%26)), 60), TTL: 60})
	}
	s.setZones(z)
	q := new(dns.Msg).SetQuestion("many.example.com.", dns.TypeTXT)
	r, _, err := (&dns.Client{Net: "udp"}).Exchange(q, s.addr)
	if err != nil || !r.Truncated || len(r.Answer) >= 40 {
		t.Fatalf("udp: truncated %v with %d answers, %v", r != nil && r.Truncated, len(r.Answer), err)
	}
	r, _, err = (&dns.Client{Net: "tcp"}).Exchange(q, s.addr)
	if err != nil || r.Truncated || len(r.Answer) != 40 {
		t.Fatalf("tcp: truncated %v with %d answers, %v", r != nil && r.Truncated, len(r.Answer), err)
	}
}

func TestDNSListenRefusesNonLoopback(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", "192.0.2.1:53", "localhost:0", "nonsense"} {
		if s, err := listenDNS(addr); err == nil {
			s.close()
			t.Errorf("listened on %s", addr)
		}
	}
}

// BenchmarkDNSServerUDP measures one A query over loopback UDP, CNAME
// followed.
func BenchmarkDNSServerUDP(b *testing.B) {
	s, err := listenDNS("127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer s.close()
	s.setZones(testZones())
	c := &dns.Client{Net: "udp", Timeout: 2 * time.Second}
	q := new(dns.Msg).SetQuestion("www.example.com.", dns.TypeA)
	for b.Loop() {
		if r, _, err := c.Exchange(q, s.addr); err != nil || len(r.Answer) != 2 {
			b.Fatalf("%v %v", r, err)
		}
	}
}
