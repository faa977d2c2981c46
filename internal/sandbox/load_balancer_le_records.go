package sandbox

import (
	"strings"
	"time"

	"github.com/scalable-tf/terraform-provider-scalable/internal/doapi"
)

// letsEncryptRecords does what DigitalOcean does when a load balancer with
// an address uses a Let's Encrypt certificate and
// disable_lets_encrypt_dns_records is false (the default): it writes an A
// record at the load balancer's IPv4 for each of the certificate's names
// that lies in one of the account's domains. A name that already has that
// A record gets no second one. Clients that write their own records for
// the name set disable_lets_encrypt_dns_records, or the zone holds what
// DigitalOcean would write as well.
func (w *World) letsEncryptRecords(lb *LoadBalancer, now time.Time) {
	if lb.DisableLetsEncryptDNSRecords || lb.IP == "" || lb.Network == "INTERNAL" {
		return
	}
	for _, r := range lb.ForwardingRules {
		cert := w.Certificates[r.CertificateID]
		if r.CertificateID == "" || cert == nil || cert.Type != "lets_encrypt" {
			continue
		}
		for _, name := range cert.DNSNames {
			d := w.zoneOf(name)
			if d == nil {
				continue
			}
			rel := "@"
			if host := canonicalDomain(name); host != d.Name {
				rel = strings.TrimSuffix(host, "."+d.Name)
			}
			if w.hasRecord(d.Name, "A", rel, lb.IP) {
				continue
			}
			w.addRecord(d, now, &DomainRecord{Type: "A", Name: rel, Data: lb.IP, TTL: doapi.DomainDefaultTTL})
		}
	}
}

// hasRecord reports whether domain holds a record of that type, name and data.
func (w *World) hasRecord(domain, typ, name, data string) bool {
	for _, o := range w.DomainRecords {
		if o.Domain == domain && o.Type == typ && strings.EqualFold(o.Name, name) && o.Data == data {
			return true
		}
	}
	return false
}
