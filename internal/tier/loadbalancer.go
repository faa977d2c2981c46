package tier

import (
	"reflect"
	"slices"
	"sort"
)

// LoadBalancerMatches reports whether an observed load balancer already is
// what the spec asks for (with the HTTPS rule of the tier's certificate
// once it is issued).
func LoadBalancerMatches(lb LoadBalancer, spec Spec, certIssued bool) bool {
	if lb.Tag != Tag(spec.Name) || lb.Name != LoadBalancerName(spec.Name) {
		return false
	}
	return SameLoadBalancerSpec(lb.Spec, loadBalancerFor(spec, certIssued))
}

// SameLoadBalancerSpec compares two load balancer settings as values,
// ignoring the order of forwarding rules and firewall entries: every field
// counts, also one added later (TestSameLoadBalancerSpecSeesEveryField).
func SameLoadBalancerSpec(a, b LoadBalancerSpec) bool {
	return reflect.DeepEqual(a.normalized(), b.normalized())
}

// normalized is the spec in one canonical form: rules and firewall entries
// sorted, empty lists nil, cookie settings dropped without cookies.
func (s LoadBalancerSpec) normalized() LoadBalancerSpec {
	s.ForwardingRules = nilIfEmpty(SortedRules(s.ForwardingRules))
	s.StickySessions = NormalizeSticky(s.StickySessions)
	s.FirewallAllow = sortedSet(s.FirewallAllow)
	s.FirewallDeny = sortedSet(s.FirewallDeny)
	return s
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
		if out[i].TargetProtocol != out[j].TargetProtocol {
			return out[i].TargetProtocol < out[j].TargetProtocol
		}
		if out[i].CertificateName != out[j].CertificateName {
			return out[i].CertificateName < out[j].CertificateName
		}
		return !out[i].TLSPassthrough && out[j].TLSPassthrough
	})
	return out
}
