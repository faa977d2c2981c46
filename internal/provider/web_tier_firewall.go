package provider

import (
	"context"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/scalable-tf/terraform-provider-scalable/internal/tier"
)

// The firewall block: the tier's cloud firewall (tier/firewall.go).

type tierFirewallModel struct {
	SSHSources types.List              `tfsdk:"ssh_sources"`
	Inbound    []firewallInboundModel  `tfsdk:"inbound"`
	Outbound   []firewallOutboundModel `tfsdk:"outbound"`
}

type firewallInboundModel struct {
	Protocol types.String `tfsdk:"protocol"`
	Ports    types.String `tfsdk:"ports"`
	Sources  types.List   `tfsdk:"sources"`
}

type firewallOutboundModel struct {
	Protocol     types.String `tfsdk:"protocol"`
	Ports        types.String `tfsdk:"ports"`
	Destinations types.List   `tfsdk:"destinations"`
}

var firewallProtocols = []string{"tcp", "udp", "icmp"}

const peerForm = "an IPv4 or IPv6 address or CIDR (`203.0.113.0/24`), or `tag:<name>` for droplets carrying a tag"

func firewallBlock() schema.SingleNestedBlock {
	return schema.SingleNestedBlock{
		MarkdownDescription: "A DigitalOcean cloud firewall named `<name>-fw` covering the tier's tag: the droplets accept only " +
			"the tier's load balancer on every forwarding rule's target port and the health-check port, SSH from `ssh_sources`, " +
			"and the `inbound` rules. Outbound is everything unless `outbound` rules are given. Droplets are covered from " +
			"their first boot, rolled-in ones too. Made with the tier, put back when changed or deleted out of band, deleted " +
			"with the tier or when the block is removed. `firewall {}` lets in the load balancer only.",
		Attributes: map[string]schema.Attribute{
			"ssh_sources": schema.ListAttribute{
				ElementType: types.StringType, Optional: true,
				MarkdownDescription: "Who may reach port 22: each " + peerForm + ". Empty or unset: SSH is closed.",
				Validators:          []validator.List{listvalidator.ValueStringsAre(peerValidator{})},
			},
		},
		Blocks: map[string]schema.Block{
			"inbound":  firewallRulesBlock("Extra inbound rules.", "sources", "Who may connect"),
			"outbound": firewallRulesBlock("Outbound rules; when any is given only they are allowed (default: everything out).", "destinations", "Where droplets may connect"),
		},
	}
}

func firewallRulesBlock(desc, peers, peersDesc string) schema.ListNestedBlock {
	return schema.ListNestedBlock{
		MarkdownDescription: desc,
		NestedObject: schema.NestedBlockObject{
			Attributes: map[string]schema.Attribute{
				"protocol": schema.StringAttribute{
					Required:            true,
					MarkdownDescription: "One of " + mdList(firewallProtocols) + ".",
					Validators:          []validator.String{stringvalidator.OneOf(firewallProtocols...)},
				},
				"ports": schema.StringAttribute{
					Optional:            true,
					MarkdownDescription: "A port (`8080`), a range (`8000-9000`) or `all`; required for tcp and udp, not with icmp.",
					Validators:          []validator.String{portsValidator{}},
				},
				peers: schema.ListAttribute{
					ElementType: types.StringType, Required: true,
					MarkdownDescription: peersDesc + ": each " + peerForm + ".",
					Validators:          []validator.List{listvalidator.SizeAtLeast(1), listvalidator.ValueStringsAre(peerValidator{})},
				},
			},
		},
	}
}

// spec converts the block; nil stays nil (no firewall).
func (f *tierFirewallModel) spec(ctx context.Context) (*tier.FirewallSpec, diag.Diagnostics) {
	var diags diag.Diagnostics
	if f == nil {
		return nil, diags
	}
	s := &tier.FirewallSpec{}
	diags.Append(stringsOf(ctx, f.SSHSources, &s.SSHSources)...)
	for _, r := range f.Inbound {
		rule := tier.FirewallRuleSpec{Protocol: r.Protocol.ValueString(), Ports: r.Ports.ValueString()}
		diags.Append(stringsOf(ctx, r.Sources, &rule.Peers)...)
		s.Inbound = append(s.Inbound, rule)
	}
	for _, r := range f.Outbound {
		rule := tier.FirewallRuleSpec{Protocol: r.Protocol.ValueString(), Ports: r.Ports.ValueString()}
		diags.Append(stringsOf(ctx, r.Destinations, &rule.Peers)...)
		s.Outbound = append(s.Outbound, rule)
	}
	return s, diags
}

// observeFirewall fills the block from an observed firewall, on import:
// the SSH rule becomes ssh_sources, the rules naming no load balancer the
// inbound rules, and outbound rules other than "everything" the outbound
// ones.
func (m *webTierModel) observeFirewall(fw *tier.Firewall) {
	if fw == nil {
		return
	}
	out := &tierFirewallModel{SSHSources: types.ListNull(types.StringType)}
	for _, r := range fw.Inbound {
		switch {
		case len(r.LoadBalancerUIDs) > 0:
		case r.Protocol == "tcp" && r.Ports == "22" && out.SSHSources.IsNull():
			out.SSHSources = stringList(peersOf(r))
		default:
			out.Inbound = append(out.Inbound, firewallInboundModel{Protocol: types.StringValue(r.Protocol), Ports: portsValue(r), Sources: stringList(peersOf(r))})
		}
	}
	if !tier.SameFirewallRules(fw.Outbound, tier.DefaultOutbound()) {
		for _, r := range fw.Outbound {
			out.Outbound = append(out.Outbound, firewallOutboundModel{Protocol: types.StringValue(r.Protocol), Ports: portsValue(r), Destinations: stringList(peersOf(r))})
		}
	}
	m.Firewall = out
}

func peersOf(r tier.FirewallRule) []string {
	peers := slices.Clone(r.Addresses)
	for _, t := range r.Tags {
		peers = append(peers, "tag:"+t)
	}
	return peers
}

func portsValue(r tier.FirewallRule) types.String {
	switch {
	case r.Protocol == "icmp":
		return types.StringNull()
	case r.Ports == "0" || r.Ports == "":
		return types.StringValue("all")
	}
	return types.StringValue(r.Ports)
}

// tagNamePattern is DigitalOcean's tag name rule.
var tagNamePattern = regexp.MustCompile(`^[a-zA-Z0-9:_\-]{1,255}$`)

// peerValidator accepts an address, a CIDR or tag:<name>.
type peerValidator struct{}

func (peerValidator) Description(context.Context) string {
	return `an IPv4 or IPv6 address or CIDR, or "tag:<name>"`
}

func (v peerValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v peerValidator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	s := req.ConfigValue.ValueString()
	if tag, ok := strings.CutPrefix(s, "tag:"); ok {
		if !tagNamePattern.MatchString(tag) {
			resp.Diagnostics.AddAttributeError(req.Path, "Invalid firewall source",
				fmt.Sprintf("Attribute %s value %q names the tag %q, which is no valid tag name (letters, digits, \":\", \"_\" and \"-\", at most 255).", req.Path, s, tag))
		}
		return
	}
	if _, err := netip.ParsePrefix(s); err == nil {
		return
	}
	if _, err := netip.ParseAddr(s); err == nil {
		return
	}
	resp.Diagnostics.AddAttributeError(req.Path, "Invalid firewall source",
		fmt.Sprintf("Attribute %s value %q is not %s.", req.Path, s, v.Description(ctx)))
}

// portsValidator accepts a port, a range of ports or "all".
type portsValidator struct{}

func (portsValidator) Description(context.Context) string {
	return `a port from 1 to 65535, a range such as "8000-9000", or "all"`
}

func (v portsValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v portsValidator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	s := req.ConfigValue.ValueString()
	if s == "all" {
		return
	}
	lo, hi, isRange := strings.Cut(s, "-")
	if !isRange {
		hi = lo
	}
	a, errA := strconv.Atoi(lo)
	b, errB := strconv.Atoi(hi)
	if errA != nil || errB != nil || a < 1 || b > 65535 || a > b {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid ports",
			fmt.Sprintf("Attribute %s value %q is not %s.", req.Path, s, v.Description(ctx)))
	}
}

// firewallPortsValidator: tcp and udp rules name their ports, icmp ones
// none.
type firewallPortsValidator struct{}

func (firewallPortsValidator) Description(context.Context) string {
	return "firewall rules set ports exactly for tcp and udp"
}

func (v firewallPortsValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (firewallPortsValidator) ValidateResource(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	p := path.Root("firewall")
	var fw *tierFirewallModel
	if !readConfig(ctx, req, resp, p, &fw) || fw == nil {
		return
	}
	check := func(list string, i int, protocol, ports types.String) {
		if protocol.IsUnknown() || ports.IsUnknown() {
			return
		}
		at := p.AtName(list).AtListIndex(i).AtName("ports")
		switch proto := protocol.ValueString(); {
		case proto == "icmp" && !ports.IsNull():
			addError(resp, at, "Ports on an icmp rule", "%s is %q but protocol is \"icmp\", which has no ports: remove ports.", at, ports.ValueString())
		case proto != "icmp" && ports.IsNull():
			addError(resp, at, "Missing ports", "%s is required for protocol %q: a port such as \"8080\", a range such as \"8000-9000\", or \"all\".", at, proto)
		}
	}
	for i, r := range fw.Inbound {
		check("inbound", i, r.Protocol, r.Ports)
	}
	for i, r := range fw.Outbound {
		check("outbound", i, r.Protocol, r.Ports)
	}
}
