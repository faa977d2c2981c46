package doclient

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/digitalocean/godo"

	"github.com/scalable-tf/terraform-provider-scalable/internal/tier"
)

// ListRecords returns the records of the name fqdn in domain (of type typ,
// or every type when typ is ""; every name when fqdn is ""). A domain the
// account does not have has none (the preflight says so; creating a record
// in it fails).
func (c *Client) ListRecords(ctx context.Context, domain, typ, fqdn string) ([]tier.DomainRecord, error) {
	what := fqdn
	if what == "" {
		what = domain
	}
	all, err := listAll(ctx, c, "list records of "+what, func(ctx context.Context, opt *godo.ListOptions) ([]godo.DomainRecord, *godo.Response, error) {
		switch {
		case fqdn == "" && typ == "":
			return c.godo.Domains.Records(ctx, domain, opt)
		case fqdn == "":
			return c.godo.Domains.RecordsByType(ctx, domain, typ, opt)
		case typ == "":
			return c.godo.Domains.RecordsByName(ctx, domain, fqdn, opt)
		}
		return c.godo.Domains.RecordsByTypeAndName(ctx, domain, typ, fqdn, opt)
	})
	if isNotFound(nil, err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	out := make([]tier.DomainRecord, len(all))
	for i, r := range all {
		out[i] = tier.DomainRecord{ID: r.ID, Type: r.Type, Name: r.Name, Data: r.Data, TTL: r.TTL}
	}
	return out, nil
}

// CreateRecord creates a record. Records cannot be tagged, so a lost answer
// is reconciled by the name, type and data.
func (c *Client) CreateRecord(ctx context.Context, req tier.RecordRequest) (*tier.DomainRecord, error) {
	fqdn := req.Name + "." + req.Domain
	if req.Name == "@" {
		fqdn = req.Domain
	}
	return createOnce(ctx, c, "create record "+fqdn,
		func(ctx context.Context) (*tier.DomainRecord, *godo.Response, error) {
			r, resp, err := c.godo.Domains.CreateRecord(ctx, req.Domain, recordEdit(req))
			if err != nil {
				return nil, resp, err
			}
			return &tier.DomainRecord{ID: r.ID, Type: r.Type, Name: r.Name, Data: r.Data, TTL: r.TTL}, resp, nil
		},
		func(ctx context.Context) (*tier.DomainRecord, bool) {
			found, err := c.ListRecords(ctx, req.Domain, req.Type, fqdn)
			if err != nil {
				return nil, false
			}
			for _, r := range found {
				if r.Data == req.Data {
					return &r, true
				}
			}
			return nil, false
		})
}

// UpdateRecord points a record elsewhere.
func (c *Client) UpdateRecord(ctx context.Context, id int, req tier.RecordRequest) (*tier.DomainRecord, error) {
	var r *godo.DomainRecord
	_, err := c.call(ctx, "update record "+req.Name, true, func(ctx context.Context) (*godo.Response, error) {
		var resp *godo.Response
		var err error
		r, resp, err = c.godo.Domains.EditRecord(ctx, req.Domain, id, recordEdit(req))
		return resp, err
	})
	if err != nil {
		return nil, err
	}
	return &tier.DomainRecord{ID: r.ID, Type: r.Type, Name: r.Name, Data: r.Data, TTL: r.TTL}, nil
}

// DeleteRecord deletes a record; one already gone is success.
func (c *Client) DeleteRecord(ctx context.Context, domain string, id int) error {
	resp, err := c.call(ctx, fmt.Sprintf("delete record %d of %s", id, domain), true, func(ctx context.Context) (*godo.Response, error) {
		return c.godo.Domains.DeleteRecord(ctx, domain, id)
	})
	if isNotFound(resp, err) {
		return nil
	}
	return err
}

func recordEdit(req tier.RecordRequest) *godo.DomainRecordEditRequest {
	return &godo.DomainRecordEditRequest{Type: req.Type, Name: req.Name, Data: req.Data, TTL: req.TTL}
}

// FindCertificate returns the certificate named name, nil when none is.
func (c *Client) FindCertificate(ctx context.Context, name string) (*tier.Certificate, error) {
	all, err := c.readers.certificates.get(ctx, struct{}{})
	if err != nil {
		return nil, err
	}
	for _, cert := range all {
		if cert.Name == name {
			return certificateFromGodo(&cert), nil
		}
	}
	return nil, nil
}

// CreateCertificate asks DigitalOcean for a Let's Encrypt certificate.
func (c *Client) CreateCertificate(ctx context.Context, req tier.CertificateRequest) (*tier.Certificate, error) {
	body := &godo.CertificateRequest{Name: req.Name, Type: "lets_encrypt", DNSNames: req.DNSNames}
	return createOnce(ctx, c, "create certificate "+req.Name,
		func(ctx context.Context) (*tier.Certificate, *godo.Response, error) {
			cert, resp, err := c.godo.Certificates.Create(ctx, body)
			if err != nil {
				return nil, resp, err
			}
			return certificateFromGodo(cert), resp, nil
		},
		func(ctx context.Context) (*tier.Certificate, bool) {
			found, err := c.FindCertificate(ctx, req.Name)
			return found, err == nil && found != nil
		})
}

// DeleteCertificate deletes a certificate; one already gone is success.
func (c *Client) DeleteCertificate(ctx context.Context, id string) error {
	resp, err := c.call(ctx, "delete certificate "+id, true, func(ctx context.Context) (*godo.Response, error) {
		return c.godo.Certificates.Delete(ctx, id)
	})
	if isNotFound(resp, err) {
		return nil
	}
	return err
}

func certificateFromGodo(cert *godo.Certificate) *tier.Certificate {
	return &tier.Certificate{ID: cert.ID, Name: cert.Name, Type: cert.Type, State: cert.State, DNSNames: slices.Clone(cert.DNSNames)}
}

// ProjectResources lists the URNs of a project's objects.
func (c *Client) ProjectResources(ctx context.Context, projectID string) ([]string, error) {
	all, err := listAll(ctx, c, "list the resources of project "+projectID, func(ctx context.Context, opt *godo.ListOptions) ([]godo.ProjectResource, *godo.Response, error) {
		return c.godo.Projects.ListResources(ctx, projectID, opt)
	})
	if err != nil {
		return nil, err
	}
	out := make([]string, len(all))
	for i, r := range all {
		out[i] = r.URN
	}
	return out, nil
}

// AssignProject moves objects into a project (assigning is idempotent, so
// it is retried like a read).
func (c *Client) AssignProject(ctx context.Context, projectID string, urns []string) error {
	resources := make([]any, len(urns))
	for i, u := range urns {
		resources[i] = u
	}
	var out []godo.ProjectResource
	_, err := c.call(ctx, "assign resources to project "+projectID, true, func(ctx context.Context) (*godo.Response, error) {
		var resp *godo.Response
		var err error
		out, resp, err = c.godo.Projects.AssignResources(ctx, projectID, resources...)
		return resp, err
	})
	if err != nil {
		return err
	}
	var failed []string
	for _, r := range out {
		if r.Status != "" && r.Status != "ok" && r.Status != "assigned" && r.Status != "already_assigned" {
			failed = append(failed, r.URN+" ("+r.Status+")")
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("DigitalOcean did not assign %s", strings.Join(failed, ", "))
	}
	return nil
}
