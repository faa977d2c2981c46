package tier

import (
	"fmt"
	"slices"
	"strings"
)

// tagRef is a "tag:<name>" peer of the tier's firewall and where it is.
type tagRef struct {
	path Path
	tag  string
}

// firewallTagRefs are the firewall's known "tag:" peers, in schema order:
// ssh_sources, then inbound sources and outbound destinations by rule.
func firewallTagRefs(spec Spec, u unknownSet) []tagRef {
	fw := spec.Firewall
	if fw == nil {
		return nil
	}
	var out []tagRef
	add := func(p Path, peers []string) {
		for i, peer := range peers {
			if tag, ok := strings.CutPrefix(peer, "tag:"); ok && tag != "" && !u.has(p.AtIndex(i)) {
				out = append(out, tagRef{p.AtIndex(i), tag})
			}
		}
	}
	add(AttrPath("firewall", "ssh_sources"), fw.SSHSources)
	for i, r := range fw.Inbound {
		add(AttrPath("firewall", "inbound").AtIndex(i).AtName("sources"), r.Peers)
	}
	for i, r := range fw.Outbound {
		add(AttrPath("firewall", "outbound").AtIndex(i).AtName("destinations"), r.Peers)
	}
	return out
}

// checkFirewallTags: a tag the firewall names must exist, as DigitalOcean
// refuses a firewall naming one that does not. The tier's own tag exists
// once its first droplet does, so it always passes. Provisional: a
// digitalocean_tag of the same apply may create it.
func (c *preflight) checkFirewallTags() {
	refs := firewallTagRefs(c.spec, c.unknown)
	if len(refs) == 0 || !c.cat.Has(PartTags) {
		return
	}
	for _, r := range refs {
		if r.tag == Tag(c.spec.Name) || slices.Contains(c.cat.Tags, r.tag) {
			continue
		}
		allowed := fmt.Sprintf("a tag of the account (%d tags)", len(c.cat.Tags))
		if n := len(c.cat.Tags); n > 0 && n <= listLimit {
			allowed = "a tag of the account: " + strings.Join(c.cat.Tags, ", ")
		}
		c.add(Problem{Path: r.path, Code: ProblemUnknownTag, Value: "tag:" + r.tag,
			Message: fmt.Sprintf("the account has no tag %q: create it first (digitalocean_tag, or doctl compute tag create %s)", r.tag, r.tag),
			Allowed: allowed, Suggestions: closest(r.tag, c.cat.Tags)})
	}
}
