package tier

import (
	"context"
	"errors"
	"fmt"
	"slices"
)

// Executing the record, certificate and project steps (domain.go).

func (x *execution) recordStep(ctx context.Context, s Step) error {
	d := x.spec.Domain
	if s.Op == OpDeleteRecords {
		records, domain := x.fleet.Records, x.fleet.RecordDomain
		if d != nil { // the name moved: the old one's records go
			records, domain = x.fleet.StaleRecords, x.fleet.StaleRecordDomain
		}
		var errs []error
		for _, r := range records {
			if err := x.e.Cloud.DeleteRecord(ctx, domain, r.ID); err != nil {
				errs = append(errs, fmt.Errorf("delete record %s %s.%s: %w", r.Type, r.Name, domain, err))
			}
		}
		return errors.Join(errs...)
	}
	x.mu.Lock()
	lb := x.lb
	x.mu.Unlock()
	want := wantRecords(x.spec, lb)
	if want == nil {
		return fmt.Errorf("the load balancer has no address yet: no record for %s", d.FQDN())
	}
	for _, w := range want {
		have, err := x.e.Cloud.ListRecords(ctx, d.Name, w.Type, d.FQDN())
		if err != nil {
			return fmt.Errorf("list %s records of %s: %w", w.Type, d.FQDN(), err)
		}
		if err := x.putRecord(ctx, have, w); err != nil {
			return err
		}
	}
	x.e.info(ctx, "DNS record points at the load balancer", map[string]any{"tier": x.spec.Name, "name": d.FQDN(), "address": lb.IP})
	return nil
}

// putRecord makes one record of the name right: the first existing one is
// updated, any other of the type deleted (the name has one address).
func (x *execution) putRecord(ctx context.Context, have []DomainRecord, w RecordRequest) error {
	if len(have) == 0 {
		if _, err := x.e.Cloud.CreateRecord(ctx, w); err != nil {
			return fmt.Errorf("create %s record %s: %w", w.Type, w.Name, err)
		}
		return nil
	}
	if r := have[0]; r.Data != w.Data || (w.TTL != 0 && r.TTL != w.TTL) {
		if _, err := x.e.Cloud.UpdateRecord(ctx, r.ID, w); err != nil {
			return fmt.Errorf("update %s record %s: %w", w.Type, w.Name, err)
		}
	}
	for _, extra := range have[1:] {
		if err := x.e.Cloud.DeleteRecord(ctx, w.Domain, extra.ID); err != nil {
			return fmt.Errorf("delete extra %s record %s: %w", w.Type, w.Name, err)
		}
	}
	return nil
}

func (x *execution) certificateStep(ctx context.Context, s Step) error {
	name := CertificateName(x.spec.Name)
	switch s.Op {
	case OpCreateCertificate:
		c, err := x.e.Cloud.CreateCertificate(ctx, CertificateRequest{Name: name, DNSNames: []string{x.spec.Domain.FQDN()}})
		if err != nil {
			return fmt.Errorf("request certificate %s: %w", name, err)
		}
		x.setCertificate(c)
	case OpWaitCertificate:
		return x.waitCertificate(ctx, name)
	case OpDeleteCertificate:
		if c := x.fleet.Certificate; c != nil {
			if err := x.e.Cloud.DeleteCertificate(ctx, c.ID); err != nil {
				return fmt.Errorf("delete certificate %s: %w", c.Name, err)
			}
		}
		x.setCertificate(nil)
	}
	return nil
}

// waitCertificate waits until DigitalOcean has issued the certificate.
func (x *execution) waitCertificate(ctx context.Context, name string) error {
	for {
		c, err := x.e.Cloud.FindCertificate(ctx, name)
		if err != nil && ctx.Err() == nil {
			return fmt.Errorf("read certificate %s: %w", name, err)
		}
		if c != nil {
			x.setCertificate(c)
			switch c.State {
			case "verified":
				x.e.info(ctx, "certificate issued", map[string]any{"tier": x.spec.Name, "name": name})
				return nil
			case "error":
				return fmt.Errorf("certificate %s could not be issued for %v: check that %s is a domain of the account and resolves", name, c.DNSNames, x.spec.Domain.Name)
			}
		}
		if err := Sleep(ctx, x.e.poll()); err != nil {
			return fmt.Errorf("timed out waiting for certificate %s to be issued: %w", name, err)
		}
	}
}

func (x *execution) setCertificate(c *Certificate) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.cert = c
}

func (x *execution) certificateIssued() bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	return certificateServes(x.cert, x.spec)
}

// assignProject moves every object of the tier that is not in the project
// yet into it: the droplets the tier tag lists now (also the ones this
// apply rolled in) and the load balancer.
func (x *execution) assignProject(ctx context.Context) error {
	ds, err := x.e.Cloud.ListDroplets(ctx, Tag(x.spec.Name))
	if err != nil {
		return fmt.Errorf("list the tier's droplets for its project: %w", err)
	}
	f := Fleet{Droplets: ds}
	x.mu.Lock()
	f.LoadBalancer = x.lb
	x.mu.Unlock()
	var urns []string
	for _, u := range f.urns(x.spec) {
		if !slices.Contains(x.fleet.ProjectURNs, u) {
			urns = append(urns, u)
		}
	}
	if len(urns) == 0 {
		return nil
	}
	if err := x.e.Cloud.AssignProject(ctx, x.spec.ProjectID, urns); err != nil {
		return fmt.Errorf("assign %d objects to project %s: %w", len(urns), x.spec.ProjectID, err)
	}
	x.e.info(ctx, fmt.Sprintf("%d objects assigned to the project", len(urns)), map[string]any{"tier": x.spec.Name, "project": x.spec.ProjectID})
	return nil
}
