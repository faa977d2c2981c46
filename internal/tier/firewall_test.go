package tier

import (
	"strings"
	"testing"
)

func firewallSpec(n int) Spec {
	s := baseSpec(n)
	s.Firewall = &FirewallSpec{SSHSources: []string{"203.0.113.0/24", "tag:bastion"}}
	return s
}

// matchingFirewall is the firewall the spec asks for, as observed.
func matchingFirewall(s Spec, lbID string) *Firewall {
	return &Firewall{ID: "fw", Status: "succeeded", FirewallRequest: firewallRequest(s, lbID)}
}

func TestFirewallRequestLetsInTheLoadBalancerAndSSH(t *testing.T) {
	s := firewallSpec(2)
	s.LoadBalancer.ForwardingRules = append(s.LoadBalancer.ForwardingRules, ForwardingRule{EntryProtocol: "https", EntryPort: 443, TargetProtocol: "http", TargetPort: 8080})
	s.Firewall.Inbound = []FirewallRuleSpec{{Protocol: "tcp", Ports: "9100", Peers: []string{"10.0.0.0/8"}}}
	req := firewallRequest(s, "lb-1")
	want := []string{"tcp 80 lb-1", "tcp 8080 lb-1", "tcp 22 [203.0.113.0/24] [bastion]", "tcp 9100 [10.0.0.0/8] []"}
	if len(req.Inbound) != len(want) {
		t.Fatalf("inbound %+v", req.Inbound)
	}
	for i, r := range req.Inbound {
		got := r.Protocol + " " + r.Ports + " "
		if len(r.LoadBalancerUIDs) > 0 {
			got += strings.Join(r.LoadBalancerUIDs, ",")
		} else {
			got += "[" + strings.Join(r.Addresses, " ") + "] [" + strings.Join(r.Tags, " ") + "]"
		}
		if got != want[i] {
			t.Errorf("inbound[%d] = %s, want %s", i, got, want[i])
		}
	}
	if req.Name != "hits-fw" || len(req.Tags) != 1 || req.Tags[0] != Tag("hits") {
		t.Errorf("name %s, tags %v", req.Name, req.Tags)
	}
	if len(req.Outbound) != 3 || req.Outbound[2].Protocol != "icmp" || req.Outbound[0].Ports != "0" {
		t.Errorf("default outbound %+v: want everything out", req.Outbound)
	}
	if noLB := firewallRequest(s, ""); len(noLB.Inbound) != 2 {
		t.Errorf("without a load balancer id the request names it anyway: %+v", noLB.Inbound)
	}
}

func TestPlanFirewall(t *testing.T) {
	s := firewallSpec(2)
	cases := []struct {
		name  string
		fleet func() Fleet
		spec  Spec
		want  string
	}{
		{"a new tier makes the firewall right after the load balancer", func() Fleet { return Fleet{} }, s,
			"1: create_load_balancer | create_droplets wave=1 count=2\n2: wait_droplets wave=1 | wait_load_balancer | create_firewall\n"},
		{"an existing tier gets it at once", func() Fleet { return fleetOf(s, 2, 0) }, s, "1: create_firewall\n"},
		{"a matching firewall plans nothing", func() Fleet {
			f := fleetOf(s, 2, 0)
			f.Firewall = matchingFirewall(s, "lb")
			return f
		}, s, ""},
		{"a changed rule is put back", func() Fleet {
			f := fleetOf(s, 2, 0)
			f.Firewall = matchingFirewall(s, "lb")
			f.Firewall.Inbound = f.Firewall.Inbound[:1]
			return f
		}, s, "1: update_firewall fw\n"},
		{"rules in another order are the same", func() Fleet {
			f := fleetOf(s, 2, 0)
			f.Firewall = matchingFirewall(s, "lb")
			in := f.Firewall.Inbound
			f.Firewall.Inbound = []FirewallRule{in[1], in[0]}
			return f
		}, s, ""},
		{"a removed block deletes it", func() Fleet {
			f := fleetOf(s, 2, 0)
			f.Firewall = matchingFirewall(s, "lb")
			return f
		}, baseSpec(2), "1: delete_firewall fw\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := checkPure(t, tc.spec, tc.fleet())
			if got := p.String(); got != tc.want {
				t.Fatalf("plan\n%s\nwant\n%s", got, tc.want)
			}
			if (tc.want == "") != (p.Summary.Firewall == "") {
				t.Errorf("summary %q for plan %q", p.Summary.Firewall, tc.want)
			}
		})
	}
}
