package tier

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// The account's own objects a tier refers to: SSH keys, its VPC and the
// load balancer's certificates.

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
