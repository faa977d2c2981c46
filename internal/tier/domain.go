package tier

import (
	"slices"
	"strconv"
	"strings"
)

// The tier's DNS name, its Let's Encrypt certificate and its project.
//
// The record (an A record, and AAAA when the load balancer has IPv6) points
// at the load balancer: it needs the load balancer's address, so a new
// tier writes it once the load balancer is active. A Let's Encrypt
// certificate for the name is requested at once; DigitalOcean issues it
// once the name resolves, and only then can a load balancer rule use it:
// the tier's load balancer gets its HTTPS rule (443 to the first rule's
// target, HTTP redirected) after the certificate is issued. The
// certificate is named after the tier, so a renewal (a new id, the same
// name) is followed.
//
// Every object of the tier that projects hold (droplets and load balancer;
// firewalls and records are in no project on DigitalOcean) is assigned to
// ProjectID at the end of each apply that made or moved one. The domain is
// not: it is the account's, shared by every name in it, and moving it
// would take it from the project it is in.

// DomainSpec is the tier's DNS name.
type DomainSpec struct {
	Name   string // a domain in the account, "example.com"
	Record string // "www", or "@" for the apex
	TTL    int    // seconds; 0 is DigitalOcean's default (1800)
	// LetsEncrypt asks for a certificate for the name, used on HTTPS 443.
	LetsEncrypt bool
}

// FQDN is the name the record answers for.
func (d DomainSpec) FQDN() string {
	if d.Record == "@" || d.Record == "" {
		return d.Name
	}
	return d.Record + "." + d.Name
}

// SameName reports whether both name the same record.
func (d DomainSpec) SameName(o DomainSpec) bool {
	return strings.EqualFold(d.FQDN(), o.FQDN()) && strings.EqualFold(d.Name, o.Name)
}

// DomainRecord is an observed A or AAAA record.
type DomainRecord struct {
	ID   int
	Type string // A | AAAA
	Name string // relative: "www", "@"
	Data string
	TTL  int
}

// Certificate is an observed certificate.
type Certificate struct {
	ID       string
	Name     string
	Type     string // lets_encrypt | custom
	State    string // pending | verified | error
	DNSNames []string
}

// RecordRequest creates or replaces a record.
type RecordRequest struct {
	Domain string
	Type   string
	Name   string
	Data   string
	TTL    int
}

// CertificateRequest asks for a Let's Encrypt certificate.
type CertificateRequest struct {
	Name     string
	DNSNames []string
}

// CertificateName is the name of the tier's Let's Encrypt certificate.
func CertificateName(name string) string { return name + "-cert" }

// wantRecords are the records the spec asks for, given the load balancer.
func wantRecords(spec Spec, lb *LoadBalancer) []RecordRequest {
	d := spec.Domain
	if d == nil || lb == nil || lb.IP == "" {
		return nil
	}
	name := d.Record
	if name == "" {
		name = "@"
	}
	out := []RecordRequest{{Domain: d.Name, Type: "A", Name: name, Data: lb.IP, TTL: d.TTL}}
	if lb.IPv6 != "" {
		out = append(out, RecordRequest{Domain: d.Name, Type: "AAAA", Name: name, Data: lb.IPv6, TTL: d.TTL})
	}
	return out
}

// recordsOfAnotherName reports whether the fleet's records were observed
// for a name other than d's.
func (f Fleet) recordsOfAnotherName(d DomainSpec) bool {
	if len(f.Records) == 0 {
		return false
	}
	record := d.Record
	if record == "" {
		record = "@"
	}
	return !strings.EqualFold(f.RecordDomain, d.Name) || !strings.EqualFold(f.Records[0].Name, record)
}

// recordsMatch reports whether the observed records are exactly the wanted
// ones (a TTL of 0 matches DigitalOcean's default).
func recordsMatch(have []DomainRecord, want []RecordRequest) bool {
	if len(have) != len(want) {
		return false
	}
	for _, w := range want {
		if !slices.ContainsFunc(have, func(r DomainRecord) bool {
			return r.Type == w.Type && r.Data == w.Data && (w.TTL == 0 || r.TTL == w.TTL)
		}) {
			return false
		}
	}
	return true
}

// httpsRule is the rule the tier's certificate serves: 443 to the first
// rule's target.
func httpsRule(spec Spec) ForwardingRule {
	target := ForwardingRule{TargetProtocol: "http", TargetPort: 80}
	if len(spec.LoadBalancer.ForwardingRules) > 0 {
		target = spec.LoadBalancer.ForwardingRules[0]
	}
	return ForwardingRule{EntryProtocol: "https", EntryPort: 443, TargetProtocol: target.TargetProtocol,
		TargetPort: target.TargetPort, CertificateName: CertificateName(spec.Name)}
}

// loadBalancerFor is the load balancer the spec asks for now: with the
// HTTPS rule of the tier's certificate once it is issued.
func loadBalancerFor(spec Spec, certIssued bool) LoadBalancerSpec {
	lb := spec.LoadBalancer
	lb.DisableLetsEncryptDNSRecords = true // see LoadBalancerSpec
	if spec.Domain == nil || !spec.Domain.LetsEncrypt || !certIssued {
		return lb
	}
	lb.ForwardingRules = append(slices.Clone(lb.ForwardingRules), httpsRule(spec))
	lb.RedirectHTTPToHTTPS = true
	return lb
}

// certificateIssued reports whether the fleet's certificate can be used.
func (f Fleet) certificateIssued(spec Spec) bool { return certificateServes(f.Certificate, spec) }

// certificateServes reports whether c is issued for the spec's name: a
// certificate for a name the tier had before is not.
func certificateServes(c *Certificate, spec Spec) bool {
	return c != nil && c.State == CertificateVerified && spec.Domain != nil &&
		slices.ContainsFunc(c.DNSNames, func(n string) bool { return strings.EqualFold(n, spec.Domain.FQDN()) })
}

// certificateStale reports whether the tier's certificate is for a name
// the spec no longer has.
func certificateStale(c *Certificate, spec Spec) bool {
	return c != nil && spec.Domain != nil && len(c.DNSNames) > 0 &&
		!slices.ContainsFunc(c.DNSNames, func(n string) bool { return strings.EqualFold(n, spec.Domain.FQDN()) })
}

// urns are the project URNs of the fleet's objects.
func (f Fleet) urns(spec Spec) []string {
	var out []string
	for _, d := range f.Droplets {
		if d.InService(spec.Name) {
			out = append(out, "do:droplet:"+strconv.Itoa(d.ID))
		}
	}
	if f.LoadBalancer != nil {
		out = append(out, "do:loadbalancer:"+f.LoadBalancer.ID)
	}
	return out
}

// OutsideProject lists the URNs of the tier's objects that its project
// does not hold (none when the spec names no project).
func (f Fleet) OutsideProject(spec Spec) []string {
	if spec.ProjectID == "" {
		return nil
	}
	var out []string
	for _, u := range f.urns(spec) {
		if !slices.Contains(f.ProjectURNs, u) {
			out = append(out, u)
		}
	}
	return out
}

// domainPhases plans the record, the certificate and the project: setup
// steps go into p.setup; the returned phases run after the fleet's.
func (p *planner) domainPhases() (after []Phase) {
	spec, f := p.spec, p.fleet
	d := spec.Domain
	switch {
	case d == nil && len(f.Records) > 0:
		p.setup = append(p.setup, Step{Op: OpDeleteRecords, Reason: "the domain block was removed"})
		p.summary.Record = "deleted"
	case d != nil:
		if f.recordsOfAnotherName(*d) {
			// Observed for the name state knows (a plan, before the apply
			// reads both): they go, and the name's are written.
			p.setup = append(p.setup, Step{Op: OpSetRecords, Reason: "the tier's name moved to " + d.FQDN()})
			p.summary.Record = "moved to " + d.FQDN()
			break
		}
		if len(f.StaleRecords) > 0 {
			p.setup = append(p.setup, Step{Op: OpDeleteRecords, Reason: "the tier's name moved to " + d.FQDN()})
		}
		want := wantRecords(spec, f.LoadBalancer)
		switch {
		case want == nil: // the load balancer has no address yet
			after = append(after, Phase{{Op: OpSetRecords}})
			p.summary.Record = "created"
		case !recordsMatch(f.Records, want):
			p.setup = append(p.setup, Step{Op: OpSetRecords, Reason: "points elsewhere"})
			p.summary.Record = "updated"
		}
		if len(f.StaleRecords) > 0 {
			p.summary.Record = "moved to " + d.FQDN()
		}
	}
	after = append(after, p.certificatePhases()...)
	if spec.ProjectID != "" && p.needsProject() {
		after = append(after, Phase{{Op: OpAssignProject}})
		p.summary.Project = "assigned"
	}
	return after
}

// certificatePhases asks for the tier's certificate, waits for it and adds
// the HTTPS rule; or, the block gone, removes the certificate after the
// load balancer stopped using it.
func (p *planner) certificatePhases() []Phase {
	spec, f := p.spec, p.fleet
	lets := spec.Domain != nil && spec.Domain.LetsEncrypt
	switch {
	case !lets && f.Certificate != nil:
		p.summary.Certificate = "deleted"
		return []Phase{{{Op: OpDeleteCertificate, Reason: "the tier no longer asks for it"}}}
	case !lets:
		return nil
	case certificateStale(f.Certificate, spec):
		// The load balancer steps drop the HTTPS rule first (the
		// certificate no longer serves), then it is replaced.
		p.summary.Certificate = "replaced for " + spec.Domain.FQDN() + " (HTTPS pauses until it is issued)"
		return []Phase{{{Op: OpDeleteCertificate, Reason: "issued for " + strings.Join(f.Certificate.DNSNames, ", ")}},
			{{Op: OpCreateCertificate}}, {{Op: OpWaitCertificate}},
			{{Op: OpUpdateLoadBalancer, Reason: "the certificate is issued: HTTPS on 443"}}}
	case f.Certificate == nil:
		p.setup = append(p.setup, Step{Op: OpCreateCertificate})
		p.summary.Certificate = "requested"
	case f.certificateIssued(spec):
		return nil // the load balancer steps add the rule
	}
	return []Phase{{{Op: OpWaitCertificate}}, {{Op: OpUpdateLoadBalancer, Reason: "the certificate is issued: HTTPS on 443"}}}
}

// needsProject reports whether some object of the tier is not in the
// project, or the plan makes new ones.
func (p *planner) needsProject() bool {
	if p.summary.Create+p.summary.Replace > 0 || p.summary.LoadBalancer == "created" || p.summary.Firewall == "created" || p.summary.Pool != "" {
		return true
	}
	return len(p.fleet.OutsideProject(p.spec)) > 0
}

// WithoutTierHTTPS is an observed load balancer without what the tier's
// certificate added to it: the HTTPS rule using it and the redirect. ok
// reports whether there was such a rule.
func WithoutTierHTTPS(name string, s LoadBalancerSpec) (out LoadBalancerSpec, ok bool) {
	out = s
	out.ForwardingRules = slices.DeleteFunc(slices.Clone(s.ForwardingRules), func(r ForwardingRule) bool {
		return r.EntryProtocol == "https" && r.EntryPort == 443 && r.CertificateName == CertificateName(name)
	})
	if ok = len(out.ForwardingRules) < len(s.ForwardingRules); ok {
		out.RedirectHTTPToHTTPS = false
	}
	return out, ok
}
