package tier

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// The account's own objects a tier refers to: SSH keys, its VPC, the
// load balancer's certificates, its domain and its project.

// listLimit is how many of the account's objects a problem lists as
// allowed before it only counts them.
const listLimit = 10

func (c *preflight) checkSSHKeys() {
	if !c.cat.Has(PartSSHKeys) {
		return
	}
	keys := c.cat.SSHKeys
	var ids, fingerprints, described []string
	for _, k := range keys {
		ids = append(ids, strconv.Itoa(k.ID))
		fingerprints = append(fingerprints, k.Fingerprint)
		described = append(described, fmt.Sprintf("%d (%s)", k.ID, k.Name))
	}
	allowed := fmt.Sprintf("the id or MD5 fingerprint of one of the account's %d SSH keys", len(keys))
	if len(keys) > 0 && len(keys) <= listLimit {
		allowed += ": " + strings.Join(described, ", ")
	}
	for i, ref := range c.spec.Droplet.SSHKeys {
		p := pathSSHKeys.AtIndex(i)
		if c.unknown.has(p) || slices.Contains(ids, ref) || slices.Contains(fingerprints, ref) {
			continue
		}
		if lc, ok := notLowerCase(p, ref, "SSH key fingerprint", func(s string) bool { return slices.Contains(fingerprints, s) }); ok {
			c.add(lc)
			continue
		}
		candidates := fingerprints
		if _, err := strconv.Atoi(ref); err == nil {
			candidates = ids
		}
		c.add(Problem{Path: p, Code: ProblemUnknownSSHKey, Value: ref,
			Message: fmt.Sprintf("the account has no SSH key %q", ref),
			Allowed: allowed, Suggestions: closest(ref, candidates)})
	}
}

func (c *preflight) checkVPC() {
	v := c.spec.VPCUUID
	if v == "" || c.skip(PartVPCs, pathVPC) {
		return
	}
	var here, described, defaults []string
	for _, vpc := range c.cat.VPCs {
		if c.region == "" || vpc.Region == c.region {
			here = append(here, vpc.ID)
			d := vpc.ID + " (" + vpc.Name
			if vpc.Default {
				d += ", the region's default"
				defaults = append(defaults, vpc.ID)
			}
			described = append(described, d+")")
		}
	}
	allowed := fmt.Sprintf("the id of one of the account's %d VPCs%s", len(here), c.here())
	if len(here) > 0 && len(here) <= listLimit {
		allowed += ": " + strings.Join(described, ", ")
	}
	p := Problem{Path: pathVPC, Value: v, Allowed: allowed, Suggestions: closest(v, here)}
	i := slices.IndexFunc(c.cat.VPCs, func(vpc CatalogVPC) bool { return vpc.ID == v })
	switch {
	case i < 0:
		if lc, ok := notLowerCase(pathVPC, v, "VPC id", func(s string) bool { return slices.Contains(here, s) }); ok {
			c.add(lc)
			return
		}
		p.Code, p.Message = ProblemUnknownVPC, fmt.Sprintf("the account has no VPC %q", v)
	case c.region != "" && c.cat.VPCs[i].Region != c.region:
		vpc := c.cat.VPCs[i]
		p.Code, p.Suggestions = ProblemVPCNotInRegion, defaults
		p.Message = fmt.Sprintf("VPC %q (%s) is in %s; the tier's droplets and load balancer are in %s and need a VPC there", v, vpc.Name, vpc.Region, c.region)
	default:
		return
	}
	c.add(p)
}

func (c *preflight) checkCertificates() {
	if !c.cat.Has(PartCertificates) {
		return
	}
	var names []string
	for _, cert := range c.cat.Certificates {
		if cert.State == CertificateVerified {
			names = append(names, cert.Name)
		}
	}
	allowed := fmt.Sprintf("the name of one of the account's %d verified certificates", len(names))
	if len(names) > 0 && len(names) <= listLimit {
		allowed += ": " + strings.Join(names, ", ")
	}
	for i, r := range c.spec.LoadBalancer.ForwardingRules {
		name, p := r.CertificateName, certificatePath(i)
		if name == "" || c.unknown.has(p) {
			continue
		}
		prob := Problem{Path: p, Value: name, Allowed: allowed}
		j := slices.IndexFunc(c.cat.Certificates, func(cert CatalogCertificate) bool { return cert.Name == name })
		switch {
		case j < 0:
			prob.Code, prob.Message = ProblemUnknownCertificate, fmt.Sprintf("the account has no certificate named %q", name)
			prob.Suggestions = closest(name, names)
		case c.cat.Certificates[j].State == CertificatePending:
			prob.Code = ProblemCertificatePending
			prob.Message = fmt.Sprintf("certificate %q is still pending: Let's Encrypt has not issued it yet (retry once it is verified)", name)
		case c.cat.Certificates[j].State == CertificateError:
			prob.Code = ProblemCertificateError
			prob.Message = fmt.Sprintf("certificate %q is in state error: Let's Encrypt could not issue it (are its domains' DNS records at DigitalOcean?)", name)
		default:
			continue
		}
		c.add(prob)
	}
}

// checkDomain: the tier's DNS name must be in one of the account's domains
// (DigitalOcean serves records only there, and issues Let's Encrypt
// certificates only for them).
func (c *preflight) checkDomain() {
	d := c.spec.Domain
	if d == nil || c.skip(PartDomains, pathDomainName) || slices.Contains(c.cat.Domains, d.Name) {
		return
	}
	if lc, ok := notLowerCase(pathDomainName, d.Name, "domain name", func(s string) bool { return slices.Contains(c.cat.Domains, s) }); ok {
		c.add(lc)
		return
	}
	allowed := fmt.Sprintf("one of the account's %d domains", len(c.cat.Domains))
	switch n := len(c.cat.Domains); {
	case n == 0:
		allowed = "" // the message says how to add one
	case n <= listLimit:
		allowed += ": " + strings.Join(c.cat.Domains, ", ")
	}
	c.add(Problem{Path: pathDomainName, Code: ProblemUnknownDomain, Value: d.Name,
		Message: fmt.Sprintf("the account has no domain %q: add it first (digitalocean_domain, or doctl compute domain create %s)", d.Name, d.Name),
		Allowed: allowed, Suggestions: closest(d.Name, c.cat.Domains)})
}

// checkProject: project_id must be one of the account's projects.
func (c *preflight) checkProject() {
	id := c.spec.ProjectID
	if id == "" || c.skip(PartProjects, pathProject) {
		return
	}
	var ids, described []string
	for _, p := range c.cat.Projects {
		if p.ID == id {
			return
		}
		ids = append(ids, p.ID)
		d := p.ID + " (" + p.Name
		if p.Default {
			d += ", the default"
		}
		described = append(described, d+")")
	}
	if lc, ok := notLowerCase(pathProject, id, "project id", func(s string) bool { return slices.Contains(ids, s) }); ok {
		c.add(lc)
		return
	}
	allowed := fmt.Sprintf("the id of one of the account's %d projects", len(ids))
	if len(ids) > 0 && len(ids) <= listLimit {
		allowed += ": " + strings.Join(described, ", ")
	}
	c.add(Problem{Path: pathProject, Code: ProblemUnknownProject, Value: id,
		Message: fmt.Sprintf("the account has no project %q", id), Allowed: allowed, Suggestions: closest(id, ids)})
}
