package sandbox

import (
	"testing"

	"github.com/digitalocean/godo"
)

// An icmp rule keeps the ports it was given; only an icmp rule sent without
// ports reads back "0". The official provider's TestAccDigitalOceanFirewall_icmp
// sends port_range "1-65535" on an icmp rule and expects an empty plan; we
// answered "0" and the provider planned to re-add the rule forever.
func TestCompatFirewallICMPPorts(t *testing.T) {
	e := newTestEnv(t)
	fw, _, err := e.client.Firewalls.Create(e.ctx, &godo.FirewallRequest{
		Name:          "icmp",
		InboundRules:  []godo.InboundRule{{Protocol: "icmp", Sources: &godo.Sources{Addresses: []string{"192.168.1.1/32"}}}},
		OutboundRules: []godo.OutboundRule{{Protocol: "icmp", PortRange: "1-65535", Destinations: &godo.Destinations{Addresses: []string{"192.168.1.2/32"}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := e.client.Firewalls.Get(e.ctx, fw.ID)
	if err != nil {
		t.Fatal(err)
	}
	if p := got.InboundRules[0].PortRange; p != "0" {
		t.Errorf("icmp rule without ports reads back %q, want \"0\"", p)
	}
	if p := got.OutboundRules[0].PortRange; p != "1-65535" {
		t.Errorf("icmp rule with ports 1-65535 reads back %q", p)
	}

	// The rule is removed by what it was created with.
	if _, err := e.client.Firewalls.RemoveRules(e.ctx, fw.ID, &godo.FirewallRulesRequest{
		OutboundRules: []godo.OutboundRule{{Protocol: "icmp", PortRange: "1-65535", Destinations: &godo.Destinations{Addresses: []string{"192.168.1.2/32"}}}},
	}); err != nil {
		t.Fatal(err)
	}
	if got, _, err = e.client.Firewalls.Get(e.ctx, fw.ID); err != nil || len(got.OutboundRules) != 0 {
		t.Errorf("outbound rules after removal %+v %v", got.OutboundRules, err)
	}
}
