package tier

import (
	"cmp"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// The tier's cloud firewall. It covers the tier's tag, so every droplet is
// covered from its first boot (a rolled-in one too), and lets in only the
// tier's load balancer on the target and health-check ports, SSH from the
// configured sources, and the extra inbound rules; outbound is as
// configured, everything by default. It names the load balancer, so it is
// made right after the load balancer's create returns its id (before any
// droplet boots).

// FirewallSpec is the tier's cloud firewall.
type FirewallSpec struct {
	// SSHSources may reach port 22: addresses or CIDRs, and "tag:<name>"
	// for droplets carrying a tag. None: SSH is closed.
	SSHSources []string
	Inbound    []FirewallRuleSpec
	// Outbound nil allows everything out (tcp, udp, icmp to anywhere).
	Outbound []FirewallRuleSpec
}

// FirewallRuleSpec is one extra rule: Peers are the sources of an inbound
// rule and the destinations of an outbound one, written like SSHSources.
type FirewallRuleSpec struct {
	Protocol string // tcp | udp | icmp
	Ports    string // "80", "8000-9000", "all" (tcp and udp)
	Peers    []string
}

// FirewallRule is a rule as DigitalOcean keeps it.
type FirewallRule struct {
	Protocol         string
	Ports            string // "0" for all, as DigitalOcean answers
	Addresses        []string
	Tags             []string
	DropletIDs       []int
	LoadBalancerUIDs []string
}

// FirewallRequest creates or replaces the tier's firewall.
type FirewallRequest struct {
	Name     string
	Tags     []string // the droplets it covers: the tier tag
	Inbound  []FirewallRule
	Outbound []FirewallRule
}

// FirewallName is the name of the tier's firewall.
func FirewallName(name string) string { return name + "-fw" }

// firewallRequest is the firewall the spec asks for, letting in the load
// balancer lbID ("" while it does not exist yet: then no rule names it).
func firewallRequest(spec Spec, lbID string) FirewallRequest {
	fw := spec.Firewall
	req := FirewallRequest{Name: FirewallName(spec.Name), Tags: []string{Tag(spec.Name)}}
	if lbID != "" {
		for _, port := range tierPorts(spec.LoadBalancer) {
			req.Inbound = append(req.Inbound, FirewallRule{Protocol: "tcp", Ports: strconv.Itoa(port), LoadBalancerUIDs: []string{lbID}})
		}
	}
	if len(fw.SSHSources) > 0 {
		req.Inbound = append(req.Inbound, peersRule("tcp", "22", fw.SSHSources))
	}
	for _, r := range fw.Inbound {
		req.Inbound = append(req.Inbound, peersRule(r.Protocol, r.Ports, r.Peers))
	}
	if fw.Outbound == nil {
		req.Outbound = DefaultOutbound()
	}
	for _, r := range fw.Outbound {
		req.Outbound = append(req.Outbound, peersRule(r.Protocol, r.Ports, r.Peers))
	}
	return req
}

// DefaultOutbound lets everything out: tcp, udp and icmp anywhere.
func DefaultOutbound() []FirewallRule {
	everywhere := []string{"0.0.0.0/0", "::/0"}
	return []FirewallRule{peersRule("tcp", "all", everywhere), peersRule("udp", "all", everywhere), peersRule("icmp", "", everywhere)}
}

// SameFirewallRules compares rule lists as values, order aside.
func SameFirewallRules(a, b []FirewallRule) bool {
	return reflect.DeepEqual(normalRules(a), normalRules(b))
}

// tierPorts are the droplet ports the load balancer reaches: every rule's
// target port and the health check's, ascending.
func tierPorts(lb LoadBalancerSpec) []int {
	ports := []int{lb.HealthCheck.Port}
	for _, r := range lb.ForwardingRules {
		ports = append(ports, r.TargetPort)
	}
	ports = slices.DeleteFunc(ports, func(p int) bool { return p <= 0 })
	slices.Sort(ports)
	return slices.Compact(ports)
}

// peersRule is a rule whose peers are addresses and "tag:" entries.
func peersRule(protocol, ports string, peers []string) FirewallRule {
	r := FirewallRule{Protocol: protocol, Ports: normalPorts(protocol, ports)}
	for _, p := range peers {
		if tag, ok := strings.CutPrefix(p, "tag:"); ok {
			r.Tags = append(r.Tags, tag)
		} else {
			r.Addresses = append(r.Addresses, p)
		}
	}
	return r
}

// normalPorts writes ports as DigitalOcean answers them: "0" for all (and
// for icmp, which has none).
func normalPorts(protocol, ports string) string {
	if protocol == "icmp" || ports == "" || strings.EqualFold(ports, "all") || ports == "1-65535" {
		return "0"
	}
	return ports
}

// firewallMatches reports whether an observed firewall already is req,
// comparing every field as a value (rule and list order aside).
func firewallMatches(fw Firewall, req FirewallRequest) bool {
	return reflect.DeepEqual(fw.FirewallRequest.normalized(), req.normalized())
}

func (r FirewallRequest) normalized() FirewallRequest {
	r.Tags = sortedSet(r.Tags)
	r.Inbound, r.Outbound = normalRules(r.Inbound), normalRules(r.Outbound)
	return r
}

func normalRules(rules []FirewallRule) []FirewallRule {
	out := make([]FirewallRule, 0, len(rules))
	for _, r := range rules {
		r.Ports = normalPorts(r.Protocol, r.Ports)
		r.Addresses, r.Tags, r.LoadBalancerUIDs = sortedSet(r.Addresses), sortedSet(r.Tags), sortedSet(r.LoadBalancerUIDs)
		r.DropletIDs = nilIfEmpty(slices.Sorted(slices.Values(r.DropletIDs)))
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b FirewallRule) int {
		return cmp.Or(cmp.Compare(a.Protocol, b.Protocol), cmp.Compare(a.Ports, b.Ports),
			slices.Compare(a.Addresses, b.Addresses), slices.Compare(a.Tags, b.Tags),
			slices.Compare(a.LoadBalancerUIDs, b.LoadBalancerUIDs), slices.Compare(a.DropletIDs, b.DropletIDs))
	})
	return nilIfEmpty(out)
}

// firewallSteps adds the firewall's changes to setup and returns those that
// must wait for a load balancer being created (they name it).
func (p *planner) firewallSteps() Phase {
	have := p.fleet.Firewall
	if p.spec.Firewall == nil {
		if have != nil {
			p.setup = append(p.setup, Step{Op: OpDeleteFirewall, Firewall: have.ID, Reason: "the firewall block was removed"})
			p.summary.Firewall = "deleted"
		}
		return nil
	}
	lbID := ""
	if p.fleet.LoadBalancer != nil {
		lbID = p.fleet.LoadBalancer.ID
	}
	var step Step
	switch {
	case have == nil:
		step, p.summary.Firewall = Step{Op: OpCreateFirewall}, "created"
	case lbID == "" || !firewallMatches(*have, firewallRequest(p.spec, lbID)):
		step, p.summary.Firewall = Step{Op: OpUpdateFirewall, Firewall: have.ID, Reason: "rules differ"}, "updated"
	default:
		return nil
	}
	if lbID == "" {
		return Phase{step}
	}
	p.setup = append(p.setup, step)
	return nil
}
