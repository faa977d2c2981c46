package sandbox

import (
	"net/http"
	"net/netip"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Firewall is a cloud firewall. Every change puts it in status "waiting"
// with the droplets it touches listed as pending changes, until SettlesAt.
type Firewall struct {
	ID             string                  `json:"id"`
	Name           string                  `json:"name"`
	Status         string                  `json:"status"` // waiting, succeeded, failed
	CreatedAt      time.Time               `json:"created_at"`
	InboundRules   []FirewallRule          `json:"inbound_rules"`
	OutboundRules  []FirewallRule          `json:"outbound_rules"`
	DropletIDs     []int                   `json:"droplet_ids"`
	Tags           []string                `json:"tags"`
	PendingChanges []FirewallPendingChange `json:"pending_changes"`
	SettlesAt      time.Time               `json:"settles_at"` // waiting -> succeeded when reached
}

// FirewallRule is one inbound or outbound rule. Targets are the sources of
// an inbound rule and the destinations of an outbound one.
type FirewallRule struct {
	Protocol string          `json:"protocol"`
	Ports    string          `json:"ports"`
	Targets  FirewallTargets `json:"targets"`
	// Action is allow or deny; "" (states saved before actions) is allow.
	Action string `json:"action,omitempty"`
}

// action is the rule's action, allow unless it says deny.
func (r FirewallRule) action() string {
	if r.Action == "" {
		return FirewallActionAllow
	}
	return r.Action
}

// FirewallTargets is DigitalOcean's sources/destinations object; empty
// lists are left out, as DigitalOcean does.
type FirewallTargets struct {
	Addresses        []string `json:"addresses,omitempty"`
	DropletIDs       []int    `json:"droplet_ids,omitempty"`
	LoadBalancerUIDs []string `json:"load_balancer_uids,omitempty"`
	KubernetesIDs    []string `json:"kubernetes_ids,omitempty"`
	Tags             []string `json:"tags,omitempty"`
}

func (t FirewallTargets) empty() bool {
	return len(t.Addresses)+len(t.DropletIDs)+len(t.LoadBalancerUIDs)+len(t.KubernetesIDs)+len(t.Tags) == 0
}

// FirewallPendingChange is a droplet whose rules are being applied or
// removed.
type FirewallPendingChange struct {
	DropletID int    `json:"droplet_id"`
	Removing  bool   `json:"removing"`
	Status    string `json:"status"`
}

// Firewall enums and limits.
var (
	// FirewallProtocols are the protocols a rule may allow.
	FirewallProtocols = []string{"tcp", "udp", "icmp"}
	// FirewallAllPorts are the spellings of "every port"; DigitalOcean
	// returns them as "0".
	FirewallAllPorts = []string{"all", "0"}
	// FirewallRuleActions are what a rule does with matching traffic
	// (godo's FirewallRuleAction); DigitalOcean defaults to allow.
	FirewallRuleActions = []string{FirewallActionAllow, FirewallActionDeny}
)

const (
	FirewallActionAllow = "allow"
	FirewallActionDeny  = "deny"
)

const (
	FirewallPortMin       = 1
	FirewallPortMax       = 65535
	FirewallRulesMax      = 50 // inbound plus outbound rules per firewall
	FirewallNameMaxLength = 255
)

// firewallNamePattern is DigitalOcean's rule: an alphanumeric first
// character, then alphanumerics, periods and dashes.
var firewallNamePattern = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9.\-]+$`)

// firewallRuleIn is a rule as clients send it.
type firewallRuleIn struct {
	Protocol     string           `json:"protocol"`
	Ports        string           `json:"ports"`
	Sources      *FirewallTargets `json:"sources"`
	Destinations *FirewallTargets `json:"destinations"`
	Action       string           `json:"action"`
}

// firewallAction validates a rule's action; left out, it is allow.
func firewallAction(field, action string) (string, *APIError) {
	if action == "" {
		return FirewallActionAllow, nil
	}
	if !slices.Contains(FirewallRuleActions, action) {
		return "", errUnprocessable("%s.action %q is invalid; allowed actions: %s", field, action, joinAllowed(FirewallRuleActions))
	}
	return action, nil
}

// firewallIn is the body of POST /v2/firewalls and PUT /v2/firewalls/{id}.
type firewallIn struct {
	Name          string           `json:"name"`
	InboundRules  []firewallRuleIn `json:"inbound_rules"`
	OutboundRules []firewallRuleIn `json:"outbound_rules"`
	DropletIDs    []int            `json:"droplet_ids"`
	Tags          []string         `json:"tags"`
}

// firewallPorts validates and normalises a rule's ports: "all" becomes
// "0". ICMP needs no ports: DigitalOcean answers "0" when none were sent,
// and the ports sent otherwise (the official provider's icmp acceptance
// test round-trips port_range "1-65535" on an icmp rule).
func firewallPorts(protocol, ports string) (string, *APIError) {
	if protocol == "icmp" && ports == "" {
		return "0", nil
	}
	if ports == "" {
		return "", errUnprocessable("You must specify a positive value for ports.")
	}
	if slices.Contains(FirewallAllPorts, ports) {
		return "0", nil
	}
	lo, hi, isRange := strings.Cut(ports, "-")
	if !isRange {
		hi = lo
	}
	a, errA := strconv.Atoi(lo)
	b, errB := strconv.Atoi(hi)
	if errA != nil || errB != nil || a < FirewallPortMin || b > FirewallPortMax || a > b {
		return "", errUnprocessable("you must specify a valid range for ports")
	}
	return ports, nil
}

// firewallTargets validates sources or destinations: addresses are IPs or
// CIDRs, and referenced droplets, load balancers and tags must exist.
func (w *World) firewallTargets(field string, t *FirewallTargets) (FirewallTargets, *APIError) {
	if t == nil || t.empty() {
		return FirewallTargets{}, errUnprocessable("%s must name at least one address, droplet, load balancer, Kubernetes cluster or tag", field)
	}
	out := FirewallTargets{}
	for _, a := range t.Addresses {
		if _, err := netip.ParseAddr(a); err != nil {
			if _, err := netip.ParsePrefix(a); err != nil {
				return out, errUnprocessable("invalid address %q in %s.addresses: use an IPv4 or IPv6 address or CIDR, such as 1.2.3.4 or 10.0.0.0/8", a, field)
			}
		}
		if !slices.Contains(out.Addresses, a) {
			out.Addresses = append(out.Addresses, a)
		}
	}
	ids, err := w.firewallDropletIDs(field+".droplet_ids", t.DropletIDs)
	if err != nil {
		return out, err
	}
	out.DropletIDs = ids
	for _, id := range t.LoadBalancerUIDs {
		if _, ok := w.LoadBalancers[id]; !ok {
			return out, errUnprocessable("%s.load_balancer_uids: load balancer %q does not exist", field, id)
		}
		if !slices.Contains(out.LoadBalancerUIDs, id) {
			out.LoadBalancerUIDs = append(out.LoadBalancerUIDs, id)
		}
	}
	if len(t.KubernetesIDs) > 0 {
		// The sandbox runs no Kubernetes clusters.
		return out, errUnprocessable("%s.kubernetes_ids: Kubernetes cluster %q does not exist", field, t.KubernetesIDs[0])
	}
	tags, err := w.tagsMustExist(field+".tags", t.Tags)
	if err != nil {
		return out, err
	}
	if len(tags) > 0 {
		out.Tags = tags
	}
	return out, nil
}

// firewallDropletIDs checks that every droplet exists and drops repeats.
func (w *World) firewallDropletIDs(field string, ids []int) ([]int, *APIError) {
	var out []int
	for _, id := range ids {
		if w.Droplets[id] == nil {
			return nil, errUnprocessable("%s: droplet %d does not exist", field, id)
		}
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out, nil
}

// firewallRules validates inbound and outbound rules.
func (w *World) firewallRules(inbound, outbound []firewallRuleIn) (in, out []FirewallRule, err *APIError) {
	check := func(field string, r firewallRuleIn, targets *FirewallTargets, targetField string) (FirewallRule, *APIError) {
		if !slices.Contains(FirewallProtocols, r.Protocol) {
			return FirewallRule{}, errUnprocessable("%s.protocol %q is invalid; allowed protocols: %s", field, r.Protocol, joinAllowed(FirewallProtocols))
		}
		ports, err := firewallPorts(r.Protocol, r.Ports)
		if err != nil {
			return FirewallRule{}, err
		}
		t, err := w.firewallTargets(field+"."+targetField, targets)
		if err != nil {
			return FirewallRule{}, err
		}
		action, err := firewallAction(field, r.Action)
		if err != nil {
			return FirewallRule{}, err
		}
		return FirewallRule{Protocol: r.Protocol, Ports: ports, Targets: t, Action: action}, nil
	}
	for i, r := range inbound {
		rule, err := check("inbound_rules["+strconv.Itoa(i)+"]", r, r.Sources, "sources")
		if err != nil {
			return nil, nil, err
		}
		in = append(in, rule)
	}
	for i, r := range outbound {
		rule, err := check("outbound_rules["+strconv.Itoa(i)+"]", r, r.Destinations, "destinations")
		if err != nil {
			return nil, nil, err
		}
		out = append(out, rule)
	}
	return in, out, nil
}

func firewallRuleCount(in, out []FirewallRule) *APIError {
	if n := len(in) + len(out); n > FirewallRulesMax {
		return errUnprocessable("a firewall may have at most %d inbound and outbound rules; this one would have %d", FirewallRulesMax, n)
	}
	return nil
}

// firewallFromRequest validates a whole firewall body. except is the id of
// the firewall being updated, which may keep its own name.
func (w *World) firewallFromRequest(in firewallIn, except string) (*Firewall, *APIError) {
	if in.Name == "" {
		return nil, errUnprocessable("name is required")
	}
	if len(in.Name) > FirewallNameMaxLength || !firewallNamePattern.MatchString(in.Name) {
		return nil, errUnprocessable("name %q is invalid: it must begin with an alphanumeric character, be followed by alphanumeric characters, periods (.) or dashes (-), and be at most %d characters", in.Name, FirewallNameMaxLength)
	}
	if len(in.InboundRules)+len(in.OutboundRules) == 0 {
		return nil, errUnprocessable("a firewall must have at least one inbound or outbound rule")
	}
	inbound, outbound, err := w.firewallRules(in.InboundRules, in.OutboundRules)
	if err != nil {
		return nil, err
	}
	if err := firewallRuleCount(inbound, outbound); err != nil {
		return nil, err
	}
	ids, err := w.firewallDropletIDs("droplet_ids", in.DropletIDs)
	if err != nil {
		return nil, err
	}
	tags, err := w.tagsMustExist("tags", in.Tags)
	if err != nil {
		return nil, err
	}
	for _, f := range w.Firewalls {
		if f.ID != except && f.Name == in.Name {
			return nil, apiErr(http.StatusConflict, "duplicate name")
		}
	}
	return &Firewall{Name: in.Name, InboundRules: inbound, OutboundRules: outbound, DropletIDs: ids, Tags: tags}, nil
}

// firewallReach returns the ids of the droplets the firewall applies to:
// those listed by id and those carrying one of its tags.
func (w *World) firewallReach(f *Firewall) []int {
	var out []int
	for _, d := range w.dropletsSorted() {
		if slices.Contains(f.DropletIDs, d.ID) || slices.ContainsFunc(f.Tags, d.hasTag) {
			out = append(out, d.ID)
		}
	}
	return out
}

// firewallChanged starts applying a change: every droplet the firewall now
// reaches, and every droplet it no longer reaches (reached before), becomes
// a pending change until the change settles.
func (c *call) firewallChanged(f *Firewall, reachedBefore []int) {
	now := c.w.firewallReach(f)
	pending := []FirewallPendingChange{}
	for _, id := range now {
		pending = append(pending, FirewallPendingChange{DropletID: id, Status: "waiting"})
	}
	for _, id := range reachedBefore {
		if !slices.Contains(now, id) {
			pending = append(pending, FirewallPendingChange{DropletID: id, Removing: true, Status: "waiting"})
		}
	}
	f.PendingChanges = pending
	f.Status = "waiting"
	f.SettlesAt = c.after(c.s.delays.FirewallApply)
}

// firewallsSeeDroplet updates firewalls that reach a droplet through tag
// after the droplet gained (removing false) or lost (removing true) it.
func (c *call) firewallsSeeDroplet(d *Droplet, tag string, removing bool) {
	for _, f := range c.w.firewallsSorted() {
		if !slices.Contains(f.Tags, tag) {
			continue
		}
		other := slices.Contains(f.DropletIDs, d.ID) || slices.ContainsFunc(f.Tags, func(t string) bool { return t != tag && d.hasTag(t) })
		if other {
			continue // the droplet was and stays behind this firewall
		}
		f.PendingChanges = append(f.PendingChanges, FirewallPendingChange{DropletID: d.ID, Removing: removing, Status: "waiting"})
		f.Status = "waiting"
		f.SettlesAt = c.after(c.s.delays.FirewallApply)
	}
}

// settleFirewalls finishes changes whose time has come.
func (s *Server) settleFirewalls(now time.Time) {
	for _, f := range s.world.Firewalls {
		if f.Status == "waiting" && !now.Before(f.SettlesAt) {
			f.Status = "succeeded"
			f.PendingChanges = []FirewallPendingChange{}
		}
	}
}

func (w *World) firewallsSorted() []*Firewall {
	out := make([]*Firewall, 0, len(w.Firewalls))
	for _, f := range w.Firewalls {
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].CreatedAt.Equal(out[j].CreatedAt) {
			return out[i].CreatedAt.Before(out[j].CreatedAt)
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// firewallJSON is DigitalOcean's firewall object.
type firewallJSON struct {
	ID             string                  `json:"id"`
	Name           string                  `json:"name"`
	Status         string                  `json:"status"`
	InboundRules   []firewallInboundJSON   `json:"inbound_rules"`
	OutboundRules  []firewallOutboundJSON  `json:"outbound_rules"`
	CreatedAt      string                  `json:"created_at"`
	DropletIDs     []int                   `json:"droplet_ids"`
	Tags           []string                `json:"tags"`
	PendingChanges []FirewallPendingChange `json:"pending_changes"`
}

type firewallInboundJSON struct {
	Protocol string          `json:"protocol"`
	Ports    string          `json:"ports"`
	Sources  FirewallTargets `json:"sources"`
	Action   string          `json:"action"`
}

type firewallOutboundJSON struct {
	Protocol     string          `json:"protocol"`
	Ports        string          `json:"ports"`
	Destinations FirewallTargets `json:"destinations"`
	Action       string          `json:"action"`
}

// renderFirewall leaves out droplets that no longer exist: DigitalOcean
// drops a destroyed droplet from every firewall.
func (w *World) renderFirewall(f *Firewall) firewallJSON {
	existing := func(ids []int) []int {
		out := []int{}
		for _, id := range ids {
			if w.Droplets[id] != nil {
				out = append(out, id)
			}
		}
		return out
	}
	targets := func(t FirewallTargets) FirewallTargets {
		if len(t.DropletIDs) > 0 {
			t.DropletIDs = existing(t.DropletIDs)
			if len(t.DropletIDs) == 0 {
				t.DropletIDs = nil
			}
		}
		return t
	}
	out := firewallJSON{
		ID:             f.ID,
		Name:           f.Name,
		Status:         f.Status,
		InboundRules:   []firewallInboundJSON{},
		OutboundRules:  []firewallOutboundJSON{},
		CreatedAt:      timestamp(f.CreatedAt),
		DropletIDs:     existing(f.DropletIDs),
		Tags:           append([]string{}, f.Tags...),
		PendingChanges: append([]FirewallPendingChange{}, f.PendingChanges...),
	}
	for _, r := range f.InboundRules {
		out.InboundRules = append(out.InboundRules, firewallInboundJSON{Protocol: r.Protocol, Ports: r.Ports, Sources: targets(r.Targets), Action: r.action()})
	}
	for _, r := range f.OutboundRules {
		out.OutboundRules = append(out.OutboundRules, firewallOutboundJSON{Protocol: r.Protocol, Ports: r.Ports, Destinations: targets(r.Targets), Action: r.action()})
	}
	return out
}

// sameFirewallRule compares rules as sets of targets, with their action, for
// DELETE .../rules.
func sameFirewallRule(a, b FirewallRule) bool {
	sorted := func(t FirewallTargets) FirewallTargets {
		t.Addresses = slices.Sorted(slices.Values(t.Addresses))
		t.DropletIDs = slices.Sorted(slices.Values(t.DropletIDs))
		t.LoadBalancerUIDs = slices.Sorted(slices.Values(t.LoadBalancerUIDs))
		t.KubernetesIDs = slices.Sorted(slices.Values(t.KubernetesIDs))
		t.Tags = slices.Sorted(slices.Values(t.Tags))
		return t
	}
	x, y := sorted(a.Targets), sorted(b.Targets)
	return a.Protocol == b.Protocol && a.Ports == b.Ports && a.action() == b.action() &&
		slices.Equal(x.Addresses, y.Addresses) && slices.Equal(x.DropletIDs, y.DropletIDs) &&
		slices.Equal(x.LoadBalancerUIDs, y.LoadBalancerUIDs) && slices.Equal(x.KubernetesIDs, y.KubernetesIDs) &&
		slices.Equal(x.Tags, y.Tags)
}

func (s *Server) firewallRoutes() {
	s.handle("GET /v2/firewalls", listFirewalls)
	s.handle("POST /v2/firewalls", createFirewall)
	s.handle("GET /v2/firewalls/{id}", getFirewall)
	s.handle("PUT /v2/firewalls/{id}", replaceFirewall)
	s.handle("DELETE /v2/firewalls/{id}", deleteFirewall)
	s.handle("POST /v2/firewalls/{id}/droplets", editFirewall(addFirewallDroplets))
	s.handle("DELETE /v2/firewalls/{id}/droplets", editFirewall(removeFirewallDroplets))
	s.handle("POST /v2/firewalls/{id}/tags", editFirewall(addFirewallTags))
	s.handle("DELETE /v2/firewalls/{id}/tags", editFirewall(removeFirewallTags))
	s.handle("POST /v2/firewalls/{id}/rules", editFirewall(addFirewallRules))
	s.handle("DELETE /v2/firewalls/{id}/rules", editFirewall(removeFirewallRules))
}

// dropletFirewalls serves GET /v2/droplets/{id}/firewalls (routed by
// dropletSubresource): the firewalls that apply to d, by id or by tag.
func dropletFirewalls(c *call, d *Droplet) (int, any) {
	out := []firewallJSON{}
	for _, f := range c.w.firewallsSorted() {
		if slices.Contains(c.w.firewallReach(f), d.ID) {
			out = append(out, c.w.renderFirewall(f))
		}
	}
	return http.StatusOK, listBody(c, "firewalls", out)
}

// FirewallsUnit is the sandbox's cloud firewalls.
type FirewallsUnit struct {
	Firewalls map[string]*Firewall `json:"firewalls"`
}

func (u *FirewallsUnit) ensure() {
	if u.Firewalls == nil {
		u.Firewalls = map[string]*Firewall{}
	}
}

func (*FirewallsUnit) routes(s *Server) {
	s.firewallRoutes()
}

func (*FirewallsUnit) settle(s *Server, now time.Time) {
	s.settleFirewalls(now)
}

func firewallOf(c *call) *Firewall { return c.w.Firewalls[c.r.PathValue("id")] }

// editFirewall runs a change to a firewall's droplets, tags or rules and starts
// applying it.
func editFirewall(change func(c *call, f *Firewall) *APIError) handler {
	return func(c *call) (int, any) {
		f := firewallOf(c)
		if f == nil {
			return 0, errNotFound()
		}
		before := c.w.firewallReach(f)
		if err := change(c, f); err != nil {
			return 0, err
		}
		c.firewallChanged(f, before)
		return http.StatusNoContent, nil
	}
}

func decodeDropletIDs(c *call) ([]int, *APIError) {
	var in struct {
		DropletIDs []int `json:"droplet_ids"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if len(in.DropletIDs) == 0 {
		return nil, errUnprocessable("droplet_ids must list at least one droplet id")
	}
	return in.DropletIDs, nil
}

func decodeTagNames(c *call) ([]string, *APIError) {
	var in struct {
		Tags []string `json:"tags"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if len(in.Tags) == 0 {
		return nil, errUnprocessable("tags must list at least one tag name")
	}
	return in.Tags, nil
}

func decodeFirewallRules(c *call) ([]FirewallRule, []FirewallRule, *APIError) {
	var in struct {
		InboundRules  []firewallRuleIn `json:"inbound_rules"`
		OutboundRules []firewallRuleIn `json:"outbound_rules"`
	}
	if err := c.decode(&in); err != nil {
		return nil, nil, err
	}
	if len(in.InboundRules)+len(in.OutboundRules) == 0 {
		return nil, nil, errUnprocessable("inbound_rules or outbound_rules must list at least one rule")
	}
	return c.w.firewallRules(in.InboundRules, in.OutboundRules)
}

// addFirewallDroplets serves POST /v2/firewalls/{id}/droplets.
func addFirewallDroplets(c *call, f *Firewall) *APIError {
	ids, err := decodeDropletIDs(c)
	if err != nil {
		return err
	}
	if ids, err = c.w.firewallDropletIDs("droplet_ids", ids); err != nil {
		return err
	}
	for _, id := range ids {
		if !slices.Contains(f.DropletIDs, id) {
			f.DropletIDs = append(f.DropletIDs, id)
		}
	}
	return nil
}

// removeFirewallDroplets serves DELETE /v2/firewalls/{id}/droplets.
func removeFirewallDroplets(c *call, f *Firewall) *APIError {
	ids, err := decodeDropletIDs(c)
	if err != nil {
		return err
	}
	f.DropletIDs = slices.DeleteFunc(slices.Clone(f.DropletIDs), func(id int) bool { return slices.Contains(ids, id) })
	return nil
}

// addFirewallTags serves POST /v2/firewalls/{id}/tags.
func addFirewallTags(c *call, f *Firewall) *APIError {
	names, err := decodeTagNames(c)
	if err != nil {
		return err
	}
	if names, err = c.w.tagsMustExist("tags", names); err != nil {
		return err
	}
	for _, n := range names {
		if !slices.Contains(f.Tags, n) {
			f.Tags = append(f.Tags, n)
		}
	}
	return nil
}

// removeFirewallTags serves DELETE /v2/firewalls/{id}/tags.
func removeFirewallTags(c *call, f *Firewall) *APIError {
	names, err := decodeTagNames(c)
	if err != nil {
		return err
	}
	f.Tags = slices.DeleteFunc(slices.Clone(f.Tags), func(t string) bool {
		return slices.ContainsFunc(names, func(n string) bool { return strings.EqualFold(n, t) })
	})
	return nil
}

// addFirewallRules serves POST /v2/firewalls/{id}/rules.
func addFirewallRules(c *call, f *Firewall) *APIError {
	in, out, err := decodeFirewallRules(c)
	if err != nil {
		return err
	}
	add := func(have []FirewallRule, rs []FirewallRule) []FirewallRule {
		for _, r := range rs {
			if !slices.ContainsFunc(have, func(h FirewallRule) bool { return sameFirewallRule(h, r) }) {
				have = append(have, r)
			}
		}
		return have
	}
	inbound, outbound := add(slices.Clone(f.InboundRules), in), add(slices.Clone(f.OutboundRules), out)
	if err := firewallRuleCount(inbound, outbound); err != nil {
		return err
	}
	f.InboundRules, f.OutboundRules = inbound, outbound
	return nil
}

// removeFirewallRules serves DELETE /v2/firewalls/{id}/rules.
func removeFirewallRules(c *call, f *Firewall) *APIError {
	in, out, err := decodeFirewallRules(c)
	if err != nil {
		return err
	}
	drop := func(have []FirewallRule, rs []FirewallRule) []FirewallRule {
		return slices.DeleteFunc(slices.Clone(have), func(h FirewallRule) bool {
			return slices.ContainsFunc(rs, func(r FirewallRule) bool { return sameFirewallRule(h, r) })
		})
	}
	f.InboundRules, f.OutboundRules = drop(f.InboundRules, in), drop(f.OutboundRules, out)
	return nil
}

// listFirewalls serves GET /v2/firewalls.
func listFirewalls(c *call) (int, any) {
	fws := c.w.firewallsSorted()
	out := make([]firewallJSON, len(fws))
	for i, f := range fws {
		out[i] = c.w.renderFirewall(f)
	}
	return http.StatusOK, listBody(c, "firewalls", out)
}

// createFirewall serves POST /v2/firewalls.
func createFirewall(c *call) (int, any) {
	var in firewallIn
	if err := c.decode(&in); err != nil {
		return 0, err
	}
	f, err := c.w.firewallFromRequest(in, "")
	if err != nil {
		return 0, err
	}
	f.ID = newUUID()
	f.CreatedAt = c.now
	c.firewallChanged(f, nil)
	c.w.Firewalls[f.ID] = f
	return http.StatusAccepted, map[string]any{"firewall": c.w.renderFirewall(f)}
}

// getFirewall serves GET /v2/firewalls/{id}.
func getFirewall(c *call) (int, any) {
	f := firewallOf(c)
	if f == nil {
		return 0, errNotFound()
	}
	return http.StatusOK, map[string]any{"firewall": c.w.renderFirewall(f)}
}

// PUT replaces the whole firewall: attributes left out are reset.
func replaceFirewall(c *call) (int, any) {
	f := firewallOf(c)
	if f == nil {
		return 0, errNotFound()
	}
	var in firewallIn
	if err := c.decode(&in); err != nil {
		return 0, err
	}
	next, err := c.w.firewallFromRequest(in, f.ID)
	if err != nil {
		return 0, err
	}
	before := c.w.firewallReach(f)
	f.Name, f.InboundRules, f.OutboundRules, f.DropletIDs, f.Tags = next.Name, next.InboundRules, next.OutboundRules, next.DropletIDs, next.Tags
	c.firewallChanged(f, before)
	return http.StatusOK, map[string]any{"firewall": c.w.renderFirewall(f)}
}

// deleteFirewall serves DELETE /v2/firewalls/{id}.
func deleteFirewall(c *call) (int, any) {
	f := firewallOf(c)
	if f == nil {
		return 0, errNotFound()
	}
	delete(c.w.Firewalls, f.ID)
	return http.StatusNoContent, nil
}
