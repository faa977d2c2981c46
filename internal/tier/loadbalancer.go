package tier

import (
	"slices"
	"sort"
)

// LoadBalancerMatches reports whether an observed load balancer already is
// what the spec asks for.
func LoadBalancerMatches(lb LoadBalancer, spec Spec) bool {
	if lb.Tag != Tag(spec.Name) || lb.Name != LoadBalancerName(spec.Name) {
		return false
	}
	return SameLoadBalancerSpec(lb.Spec, spec.LoadBalancer)
}

// SameLoadBalancerSpec compares two load balancer settings, ignoring the
// order of forwarding rules and firewall entries.
func SameLoadBalancerSpec(a, b LoadBalancerSpec) bool {
	if a.SizeUnit != b.SizeUnit || a.RedirectHTTPToHTTPS != b.RedirectHTTPToHTTPS ||
		a.EnableProxyProtocol != b.EnableProxyProtocol || a.EnableBackendKeepalive != b.EnableBackendKeepalive ||
		a.HTTPIdleTimeoutSeconds != b.HTTPIdleTimeoutSeconds {
		return false
	}
	if a.HealthCheck != b.HealthCheck || NormalizeSticky(a.StickySessions) != NormalizeSticky(b.StickySessions) {
		return false
	}
	if !sameSet(a.FirewallAllow, b.FirewallAllow) || !sameSet(a.FirewallDeny, b.FirewallDeny) {
		return false
	}
	return slices.Equal(SortedRules(a.ForwardingRules), SortedRules(b.ForwardingRules))
}

// NormalizeSticky drops cookie settings that mean nothing without cookies.
func NormalizeSticky(s StickySessions) StickySessions {
	if s.Type != "cookies" {
		return StickySessions{Type: "none"}
	}
	return s
}

// SortedRules returns forwarding rules in a stable order (by entry port,
// then protocol), so two lists with the same rules compare equal.
func SortedRules(rules []ForwardingRule) []ForwardingRule {
	out := slices.Clone(rules)
	sort.Slice(out, func(i, j int) bool {
		if out[i].EntryPort != out[j].EntryPort {
			return out[i].EntryPort < out[j].EntryPort
		}
		if out[i].EntryProtocol != out[j].EntryProtocol {
			return out[i].EntryProtocol < out[j].EntryProtocol
		}
		if out[i].TargetPort != out[j].TargetPort {
			return out[i].TargetPort < out[j].TargetPort
		}
		return out[i].TargetProtocol < out[j].TargetProtocol
	})
	return out
}
