package sandbox

import (
	"net/http"
	"testing"
	"time"

	"github.com/digitalocean/godo"
)

// Rules carry an action (godo's FirewallRuleAction): allow when left out,
// deny when asked; it is stored, answered and part of a rule's identity.
func TestFirewallRuleActions(t *testing.T) {
	e := miscFirewallEnv(t)
	deny := godo.InboundRule{Protocol: "tcp", PortRange: "22", Sources: &godo.Sources{Addresses: []string{"18.0.0.0/8"}}, Action: godo.FirewallRuleActionDeny}
	req := &godo.FirewallRequest{
		Name:          "web-fw",
		InboundRules:  []godo.InboundRule{deny, {Protocol: "tcp", PortRange: "22", Sources: &godo.Sources{Addresses: []string{"0.0.0.0/0"}}}},
		OutboundRules: []godo.OutboundRule{{Protocol: "udp", PortRange: "53", Destinations: &godo.Destinations{Addresses: []string{"0.0.0.0/0"}}, Action: "deny"}},
		DropletIDs:    []int{61},
	}
	fw, _, err := e.client.Firewalls.Create(e.ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := e.client.Firewalls.Get(e.ctx, fw.ID)
	if err != nil {
		t.Fatal(err)
	}
	if a := []godo.FirewallRuleAction{got.InboundRules[0].Action, got.InboundRules[1].Action, got.OutboundRules[0].Action}; a[0] != "deny" || a[1] != "allow" || a[2] != "deny" {
		t.Fatalf("actions %v, want [deny allow deny]", a)
	}

	// Removing names the action too: the allow twin of the deny rule is
	// not the deny rule.
	twin := deny
	twin.Action = godo.FirewallRuleActionAllow
	if _, err := e.client.Firewalls.RemoveRules(e.ctx, fw.ID, &godo.FirewallRulesRequest{InboundRules: []godo.InboundRule{twin}}); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := e.client.Firewalls.Get(e.ctx, fw.ID); len(got.InboundRules) != 2 {
		t.Fatalf("removing the allow twin removed %d rules", 2-len(got.InboundRules))
	}
	if _, err := e.client.Firewalls.RemoveRules(e.ctx, fw.ID, &godo.FirewallRulesRequest{InboundRules: []godo.InboundRule{deny}}); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := e.client.Firewalls.Get(e.ctx, fw.ID); len(got.InboundRules) != 1 || got.InboundRules[0].Action != "allow" {
		t.Fatalf("after removing the deny rule: %+v", got.InboundRules)
	}

	bad := *req
	bad.Name = "bad-fw"
	bad.InboundRules = []godo.InboundRule{{Protocol: "tcp", PortRange: "22", Sources: &godo.Sources{Addresses: []string{"0.0.0.0/0"}}, Action: "drop"}}
	_, _, err = e.client.Firewalls.Create(e.ctx, &bad)
	miscMessage(t, e.apiError(err, http.StatusUnprocessableEntity, "unprocessable_entity"), `inbound_rules[0].action "drop" is invalid; allowed actions: allow, deny`)
}

// A matching deny rule wins over allow rules: a firewall that lets the load
// balancer in by uid but denies its address fails its health checks, until
// the deny rule goes.
func TestHealthFollowsFirewallDenyRules(t *testing.T) {
	e := newTestEnv(t)
	d := e.seedDroplet("nyc3", "active", "web")
	lb := e.healthLB("web")
	e.expectHealth(lb, d, 30*time.Second, true)
	if _, _, err := e.client.Tags.Create(e.ctx, &godo.TagCreateRequest{Name: "web"}); err != nil {
		t.Fatal(err)
	}
	deny := godo.InboundRule{Protocol: "tcp", PortRange: "all", Sources: &godo.Sources{Addresses: []string{"0.0.0.0/0"}}, Action: godo.FirewallRuleActionDeny}
	fw, _, err := e.client.Firewalls.Create(e.ctx, &godo.FirewallRequest{Name: "web", Tags: []string{"web"}, InboundRules: []godo.InboundRule{
		{Protocol: "tcp", PortRange: "80", Sources: &godo.Sources{LoadBalancerUIDs: []string{lb}}}, deny,
	}})
	if err != nil {
		t.Fatal(err)
	}
	e.expectHealth(lb, d, time.Duration(0), true, 30*time.Second, false)
	if _, err := e.client.Firewalls.RemoveRules(e.ctx, fw.ID, &godo.FirewallRulesRequest{InboundRules: []godo.InboundRule{deny}}); err != nil {
		t.Fatal(err)
	}
	e.expectHealth(lb, d, time.Duration(0), false, 40*time.Second, true)
}

// In the data plane a deny rule refuses the addresses it names, though an
// allow rule lets everybody else in.
func TestTrafficFirewallDenyRuleRefusesItsSources(t *testing.T) {
	e := newTrafficEnv(t)
	ids := e.webDroplets(1, "web", "")
	direct := e.dropletURL(ids[0])
	banned := e.addressInBlock(250, 7)
	_, _, err := e.client.Firewalls.Create(e.ctx, &godo.FirewallRequest{Name: "web", Tags: []string{"web"}, InboundRules: []godo.InboundRule{
		{Protocol: "tcp", PortRange: "80", Sources: &godo.Sources{Addresses: []string{"0.0.0.0/0"}}},
		{Protocol: "tcp", PortRange: "80", Sources: &godo.Sources{Addresses: []string{banned.IP.String()}}, Action: godo.FirewallRuleActionDeny},
	}})
	if err != nil {
		t.Fatal(err)
	}
	e.eventually(5*time.Second, "the deny rule refuses its address", func() bool {
		_, _, ok := answers(direct, banned)
		return !ok
	})
	if _, _, ok := answers(direct, e.addressInBlock(250, 8)); !ok {
		t.Error("the allow rule no longer lets another address in")
	}
}
