package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/listplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/scalable-tf/terraform-provider-scalable/internal/doapi"
	"github.com/scalable-tf/terraform-provider-scalable/internal/tier"
)

// The domain block and project_id: the tier's DNS name, its Let's Encrypt
// certificate and its project (tier/domain.go).

type tierDomainModel struct {
	Name        types.String `tfsdk:"name"`
	Record      types.String `tfsdk:"record"`
	TTL         types.Int64  `tfsdk:"ttl"`
	Certificate types.String `tfsdk:"certificate"`
}

const certificateLetsEncrypt = "lets_encrypt"

var (
	// domainNamePattern is a domain as DigitalOcean's DNS takes it: lower
	// case labels, at least two, no trailing dot.
	domainNamePattern = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$`)
	// recordNamePattern is a name relative to the domain: "@" for the
	// apex, else labels, the first one may be "*".
	recordNamePattern = regexp.MustCompile(`^(@|(\*|[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9])?)*)$`)
)

func domainBlock() schema.SingleNestedBlock {
	return schema.SingleNestedBlock{
		MarkdownDescription: "The tier's DNS name: an A record (and AAAA when the load balancer has IPv6) in one of the account's " +
			"domains pointing at the load balancer, kept right when the load balancer is replaced and put back when changed or " +
			"deleted out of band. With `certificate = \"lets_encrypt\"`, DigitalOcean issues a Let's Encrypt certificate for the " +
			"name (named `<name>-cert`) and the load balancer serves HTTPS on 443 with it, HTTP redirected; a renewed certificate " +
			"(a new id, the same name) is followed. Removing the block deletes the records and the certificate.",
		Attributes: map[string]schema.Attribute{
			"name": schema.StringAttribute{
				Optional: true, // Required would be enforced with the block absent: domainValidator checks it
				MarkdownDescription: "Required. A domain of the account, such as `example.com` (lower case, no trailing dot). The plan checks " +
					"that the account has it.",
				Validators: []validator.String{stringvalidator.RegexMatches(domainNamePattern,
					"must be a lower-case domain name such as example.com, without a trailing dot")},
			},
			"record": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "The name in the domain: `www`, `app.eu`, or `@` (the default) for the domain itself.",
				Validators: []validator.String{stringvalidator.RegexMatches(recordNamePattern,
					`must be "@" or a name relative to the domain such as "www" (lower-case labels, no trailing dot)`)},
			},
			"ttl": schema.Int64Attribute{
				Optional:            true,
				MarkdownDescription: fmt.Sprintf("Time to live of the records, in seconds: at least %d. Default `%d`.", doapi.RecordMinTTL, doapi.DomainDefaultTTL),
				Validators:          []validator.Int64{int64validator.AtLeast(doapi.RecordMinTTL)},
			},
			"certificate": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "`lets_encrypt`: a DigitalOcean Let's Encrypt certificate for the name, served on HTTPS 443 " +
					"(to the first forwarding rule's target) with HTTP redirected. The apply waits until it is issued. Unset: no certificate.",
				Validators: []validator.String{stringvalidator.OneOf(certificateLetsEncrypt)},
			},
		},
	}
}

// domainComputedAttributes are what the domain block makes, at the top
// level: computed attributes inside an optional block would make the
// framework plan the block when it is absent.
func domainComputedAttributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"fqdn": schema.StringAttribute{
			Computed: true, MarkdownDescription: "The tier's DNS name, such as `www.example.com`, when the `domain` block is set.",
			PlanModifiers: []planmodifier.String{fqdnFromConfig{}},
		},
		"dns_record_ids": schema.ListAttribute{
			Computed: true, ElementType: types.Int64Type,
			MarkdownDescription: "IDs of the A (and AAAA) records of `fqdn`.",
			PlanModifiers:       []planmodifier.List{listplanmodifier.UseStateForUnknown()},
		},
		"certificate_id": schema.StringAttribute{
			Computed: true, MarkdownDescription: "ID of the Let's Encrypt certificate, when `domain.certificate` is set.",
			PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
		},
	}
}

func projectIDAttribute() schema.StringAttribute {
	return schema.StringAttribute{
		Optional: true,
		MarkdownDescription: "ID of a project of the account. The tier's droplets (also those rolled in later) and load balancer " +
			"are assigned to it, and put back when moved out of band. Unset: they stay where DigitalOcean puts them (the default " +
			"project). Removing it leaves them where they are. Firewalls and DNS records are in no project; the domain stays in its own.",
		Validators: []validator.String{stringvalidator.RegexMatches(uuidPattern, "must be a project UUID")},
	}
}

// spec converts the block; nil stays nil (no DNS name).
func (d *tierDomainModel) spec() *tier.DomainSpec {
	if d == nil {
		return nil
	}
	return &tier.DomainSpec{
		Name:        d.Name.ValueString(),
		Record:      stringOr(d.Record, "@"),
		TTL:         intOr(d.TTL, doapi.DomainDefaultTTL),
		LetsEncrypt: d.Certificate.ValueString() == certificateLetsEncrypt,
	}
}

// setDomainComputed fills fqdn, dns_record_ids and certificate_id from the
// fleet.
func (m *webTierModel) setDomainComputed(fleet tier.Fleet) {
	m.FQDN, m.DNSRecordIDs, m.CertificateID = types.StringNull(), types.ListNull(types.Int64Type), types.StringNull()
	d := m.Domain
	if d == nil {
		return
	}
	m.FQDN = types.StringValue(d.spec().FQDN())
	ids := make([]attr.Value, 0, len(fleet.Records))
	for _, r := range fleet.Records {
		ids = append(ids, types.Int64Value(int64(r.ID)))
	}
	m.DNSRecordIDs = types.ListValueMust(types.Int64Type, ids)
	if c := fleet.Certificate; c != nil && d.Certificate.ValueString() == certificateLetsEncrypt {
		m.CertificateID = types.StringValue(c.ID)
	}
}

// keepPlannedDomain keeps what the plan promised of them.
func (m *webTierModel) keepPlannedDomain(plan webTierModel) {
	if !plan.DNSRecordIDs.IsUnknown() {
		m.DNSRecordIDs = plan.DNSRecordIDs
	}
	if !plan.CertificateID.IsUnknown() {
		m.CertificateID = plan.CertificateID
	}
}

// observeDomain reports the records' TTL, so a TTL changed out of band
// shows as a change back; on import it fills the block from what
// tier.Discover found.
func (m *webTierModel) observeDomain(fleet tier.Fleet, found *tier.Discovered) {
	if found != nil {
		if d := found.Domain; d != nil {
			// Defaults stay unset, as a configuration leaves them.
			m.Domain = &tierDomainModel{Name: types.StringValue(d.Name), Record: types.StringNull(), TTL: types.Int64Null(), Certificate: types.StringNull()}
			if d.Record != "@" {
				m.Domain.Record = types.StringValue(d.Record)
			}
			if d.TTL != doapi.DomainDefaultTTL {
				m.Domain.TTL = types.Int64Value(int64(d.TTL))
			}
			if d.LetsEncrypt {
				m.Domain.Certificate = types.StringValue(certificateLetsEncrypt)
			}
		}
		if found.ProjectID != "" {
			m.ProjectID = types.StringValue(found.ProjectID)
		}
		return
	}
	if d := m.Domain; d != nil && len(fleet.Records) > 0 && fleet.Records[0].TTL > 0 {
		if ttl := fleet.Records[0].TTL; !d.TTL.IsNull() || ttl != doapi.DomainDefaultTTL {
			d.TTL = types.Int64Value(int64(ttl))
		}
	}
	if !m.ProjectID.IsNull() && len(fleet.OutsideProject(tier.Spec{Name: m.Name.ValueString(), ProjectID: m.ProjectID.ValueString()})) > 0 {
		// Some object was moved out of the project: the plan puts it back.
		m.ProjectID = types.StringNull()
	}
}

// discover finds, on import, the DNS name pointing at the tier's load
// balancer and the project holding it, and observes the fleet again with
// them (its records, certificate and project).
func (r *webTierResource) discover(ctx context.Context, ref tier.Ref, fleet tier.Fleet) (*tier.Discovered, tier.Fleet, error) {
	cat, err := r.data.catalog.Catalog(ctx, tier.CatalogNeeds{Domains: true, Projects: true})
	if err != nil {
		return nil, fleet, fmt.Errorf("look for the tier's domain and project: %w", err)
	}
	found, err := tier.Discover(ctx, r.data.client, cat, ref.Name, fleet)
	if err != nil || (found.Domain == nil && found.ProjectID == "") {
		return &found, fleet, err
	}
	ref.Domain, ref.ProjectID = found.Domain, found.ProjectID
	ref.Certificate = found.Domain != nil && found.Domain.LetsEncrypt
	fleet, err = tier.Observe(ctx, r.data.client, ref)
	return &found, fleet, err
}

// planDomainChange marks the domain's computed attributes the apply will
// change.
func planDomainChange(plan *webTierModel, s tier.Summary) {
	d := plan.Domain
	if d == nil {
		plan.DNSRecordIDs, plan.CertificateID = types.ListNull(types.Int64Type), types.StringNull()
		return
	}
	if s.Record != "" || s.LoadBalancer == "created" {
		plan.DNSRecordIDs = types.ListUnknown(types.Int64Type)
	}
	if s.Certificate != "" {
		plan.CertificateID = types.StringUnknown()
		if d.Certificate.IsNull() {
			plan.CertificateID = types.StringNull()
		}
	}
}

// fqdnFromConfig plans fqdn from domain.name and domain.record.
type fqdnFromConfig struct{}

func (fqdnFromConfig) Description(context.Context) string {
	return "domain.record and domain.name, known at plan"
}

func (m fqdnFromConfig) MarkdownDescription(ctx context.Context) string { return m.Description(ctx) }

func (fqdnFromConfig) PlanModifyString(ctx context.Context, req planmodifier.StringRequest, resp *planmodifier.StringResponse) {
	var d types.Object
	resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, path.Root("domain"), &d)...)
	if resp.Diagnostics.HasError() || d.IsUnknown() {
		return
	}
	if d.IsNull() {
		resp.PlanValue = types.StringNull()
		return
	}
	name, _ := d.Attributes()["name"].(types.String)
	record, _ := d.Attributes()["record"].(types.String)
	if name.IsUnknown() || record.IsUnknown() || name.IsNull() {
		return
	}
	resp.PlanValue = types.StringValue(tier.DomainSpec{Name: name.ValueString(), Record: stringOr(record, "@")}.FQDN())
}

// domainValidator: the block names its domain, the record is relative to
// it, and a Let's Encrypt certificate's HTTPS rule has port 443 to itself.
type domainValidator struct{}

func (domainValidator) Description(context.Context) string {
	return "domain.record is relative to domain.name, and certificate = \"lets_encrypt\" leaves port 443 to the tier"
}

func (v domainValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (domainValidator) ValidateResource(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	p := path.Root("domain")
	var d *tierDomainModel
	if !readConfig(ctx, req, resp, p, &d) || d == nil {
		return
	}
	if d.Name.IsNull() {
		addError(resp, p.AtName("name"), "Missing domain name",
			"%s is required in a domain block: one of the account's domains, such as \"example.com\".", p.AtName("name"))
		return
	}
	name, record := d.Name.ValueString(), d.Record.ValueString()
	if !d.Name.IsUnknown() && !d.Record.IsUnknown() && (record == name || strings.HasSuffix(record, "."+name)) {
		addError(resp, p.AtName("record"), "Record name includes the domain",
			"%s is %q, which includes the domain %q: give the name relative to it (%q), or \"@\" for the domain itself.",
			p.AtName("record"), record, name, strings.TrimSuffix(strings.TrimSuffix(record, name), "."))
	}
	if d.Certificate.ValueString() != certificateLetsEncrypt {
		return
	}
	var rules []forwardingRuleModel
	if !readConfig(ctx, req, resp, path.Root("load_balancer").AtName("forwarding_rule"), &rules) {
		return
	}
	for i, r := range rules {
		if !r.EntryPort.IsUnknown() && r.EntryPort.ValueInt64() == 443 {
			at := path.Root("load_balancer").AtName("forwarding_rule").AtListIndex(i).AtName("entry_port")
			addError(resp, at, "Port 443 is the certificate's",
				"%s is 443, but domain.certificate = \"lets_encrypt\" makes the HTTPS rule on 443 itself (to the first rule's target): remove this rule, or the certificate setting to keep your own.", at)
		}
	}
}
