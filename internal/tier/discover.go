package tier

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// Discovered is what an import finds around a tier that no tag names: the
// DNS name pointing at its load balancer, its certificate and its project.
type Discovered struct {
	Domain    *DomainSpec // nil when no A record points at the load balancer
	ProjectID string      // "" when its objects are in the default project
}

// Discover finds the tier's DNS name and project for an import: the first
// domain (in the catalog's order) with an A record pointing at the load
// balancer, and the project other than the default one that holds the
// load balancer. It reads one list of A records per domain and one list of
// resources per project, so it is for imports only. cat holds PartDomains
// and PartProjects; f is the observed fleet of the tier name.
func Discover(ctx context.Context, cloud Cloud, cat Catalog, name string, f Fleet) (Discovered, error) {
	var out Discovered
	lb := f.LoadBalancer
	if lb == nil || lb.IP == "" {
		return out, nil
	}
	for _, domain := range cat.Domains {
		records, err := cloud.ListRecords(ctx, domain, "A", "")
		if err != nil {
			return out, fmt.Errorf("list the A records of %s: %w", domain, err)
		}
		i := slices.IndexFunc(records, func(r DomainRecord) bool { return r.Data == lb.IP })
		if i < 0 {
			continue
		}
		r := records[i]
		out.Domain = &DomainSpec{Name: domain, Record: relativeName(r.Name, domain), TTL: r.TTL}
		cert, err := cloud.FindCertificate(ctx, CertificateName(name))
		if err != nil {
			return out, err
		}
		out.Domain.LetsEncrypt = cert != nil && cert.Type == "lets_encrypt"
		break
	}
	urn := "do:loadbalancer:" + lb.ID
	for _, p := range cat.Projects {
		if p.Default {
			continue
		}
		urns, err := cloud.ProjectResources(ctx, p.ID)
		if err != nil {
			return out, fmt.Errorf("list the resources of project %s: %w", p.Name, err)
		}
		if slices.Contains(urns, urn) {
			out.ProjectID = p.ID
			break
		}
	}
	return out, nil
}

// relativeName is a record's name relative to its domain ("@" for the
// apex), however the API reported it.
func relativeName(name, domain string) string {
	name = strings.TrimSuffix(strings.TrimSuffix(name, "."), "."+domain)
	if name == "" || name == domain {
		return "@"
	}
	return name
}
