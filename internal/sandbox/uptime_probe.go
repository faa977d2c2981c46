package sandbox

import (
	"fmt"
	"math"
	"net/netip"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"time"
)

// Uptime checks of targets the sandbox owns: a load balancer's or a
// droplet's public address (ping), or an http(s) URL on one. Their state
// follows the world: a load balancer is up while it is active, serves the
// URL's port with a rule of the URL's scheme and its health view calls any
// target healthy; a droplet is up while it runs (and, for http and https,
// its cloud firewall lets the internet reach the port). An address of the
// sandbox's block that nothing holds is down. Every other target is UP, as
// the sandbox never dials out.

// maxUptimeOutages bounds the finished outages a check keeps.
const maxUptimeOutages = 64

// uptimeProbeSource is the address uptime probes come from, as a cloud
// firewall sees them: somewhere on the internet.
var uptimeProbeSource = netip.MustParseAddr("192.0.2.10")

// UptimeProbe is what a check has seen of a target the sandbox owns.
type UptimeProbe struct {
	Up         bool           `json:"up"`
	Since      time.Time      `json:"since"`       // when Up took its value
	ObservedAt time.Time      `json:"observed_at"` // the world was last looked at
	Outages    []UptimeOutage `json:"outages,omitempty"`
}

// UptimeOutage is a finished outage.
type UptimeOutage struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// uptimeSubject is what a check's target names in the world.
type uptimeSubject struct {
	owned   bool // an address of the sandbox
	lb      *LoadBalancer
	droplet *Droplet
	port    int // the URL's port; 0 for ping
	scheme  string
}

// uptimeSubjectOf resolves a check's target host.
func (w *World) uptimeSubjectOf(ck *UptimeCheck) uptimeSubject {
	host, sub := ck.Target, uptimeSubject{scheme: ck.Type}
	if ck.Type != "ping" {
		u, err := url.Parse(ck.Target)
		if err != nil {
			return sub
		}
		host, sub.port = u.Hostname(), map[string]int{"http": 80, "https": 443}[ck.Type]
		if p, err := strconv.Atoi(u.Port()); err == nil {
			sub.port = p
		}
	}
	a, err := netip.ParseAddr(host)
	if err != nil || !w.ownsAddress(a) {
		return sub
	}
	sub.owned = true
	for _, lb := range w.loadBalancersSorted() {
		if lb.Status == "active" && (lb.IP == a.String() || lb.IPv6 != "" && lb.IPv6 == a.String()) {
			sub.lb = lb
			return sub
		}
	}
	for _, d := range w.dropletsSorted() {
		if d.PublicIPv4 == a.String() || d.PublicIPv6 != "" && d.PublicIPv6 == a.String() {
			sub.droplet = d
		}
	}
	return sub
}

// ownsAddress reports whether a lies in the sandbox's public blocks.
func (w *World) ownsAddress(a netip.Addr) bool {
	if a.Is4() {
		v := a.As4()
		return v[0] == 127 && int(v[1]) == w.AddressBlock
	}
	p, err := netip.ParsePrefix(fmt.Sprintf("2001:db8:%x::/48", w.AddressBlock))
	return err == nil && p.Contains(a)
}

// reachable reports whether the subject answers apart from its load
// balancer's health view: the load balancer serves the port and scheme,
// the droplet runs and lets the probe in.
func (w *World) reachable(sub uptimeSubject) bool {
	switch {
	case sub.lb != nil:
		return sub.port == 0 || slices.ContainsFunc(sub.lb.ForwardingRules, func(r LBForwardingRule) bool {
			return r.EntryPort == sub.port && (sub.scheme == "http") == (r.EntryProtocol == "http") && r.EntryProtocol != "tcp" && r.EntryProtocol != "udp"
		})
	case sub.droplet != nil:
		d := sub.droplet
		running := d.Status == "active" && !d.Killed
		return running && (sub.port == 0 || w.dropletFirewall(d).Admits(d.ID, sub.port, uptimeProbeSource))
	}
	return false // an address nothing holds
}

// anyHealthyChanges are the times the "any target healthy" verdict of the
// load balancer's health view changed, with the verdict from then on.
func anyHealthyChanges(lb *LoadBalancer) []HealthChange {
	var times []time.Time
	for _, rec := range lb.Targets {
		for _, c := range rec.History {
			times = append(times, c.At)
		}
	}
	sort.Slice(times, func(i, j int) bool { return times[i].Before(times[j]) })
	var out []HealthChange
	for _, t := range times {
		up := upAt(uptimeSubject{lb: lb}, t)
		if len(out) == 0 || out[len(out)-1].Healthy != up {
			out = append(out, HealthChange{At: t, Healthy: up})
		}
	}
	return out
}

// settleUptimeChecks brings the probes of checks on sandbox-owned targets
// up to now. Callers hold the world lock; load balancers settle first.
func (s *Server) settleUptimeChecks(now time.Time) {
	for _, ck := range s.world.UptimeChecks {
		probed := ck.CreatedAt.Add(scale(uptimeFirstProbe, s.factor))
		if !ck.Enabled || now.Before(probed) {
			continue
		}
		sub := s.world.uptimeSubjectOf(ck)
		if !sub.owned {
			ck.Probe = nil
			continue
		}
		reachable := s.world.reachable(sub)
		if ck.Probe == nil {
			ck.Probe = &UptimeProbe{Up: reachable && upAt(sub, probed), Since: probed, ObservedAt: probed}
		}
		if sub.lb != nil && reachable {
			for _, c := range anyHealthyChanges(sub.lb) {
				if c.At.After(ck.Probe.ObservedAt) && !c.At.After(now) {
					ck.Probe.set(c.Healthy, c.At)
				}
			}
		}
		ck.Probe.set(reachable && upAt(sub, now), now)
		ck.Probe.ObservedAt = now
	}
}

// upAt is the load balancer's "any target healthy" verdict at t (true for
// a droplet: reachable decides it).
func upAt(sub uptimeSubject, t time.Time) bool {
	if sub.lb == nil {
		return true
	}
	for _, rec := range sub.lb.Targets {
		if h, ok := rec.healthAt(t); ok && h {
			return true
		}
	}
	return false
}

// set records the target's state from at on; coming back up ends an outage.
func (p *UptimeProbe) set(up bool, at time.Time) {
	if up == p.Up {
		return
	}
	if up {
		p.Outages = append(p.Outages, UptimeOutage{Start: p.Since, End: at})
		if len(p.Outages) > maxUptimeOutages {
			p.Outages = slices.Clone(p.Outages[len(p.Outages)-maxUptimeOutages:])
		}
	}
	p.Up, p.Since = up, at
}

// uptimePercentage is the share of the last thirty days (or the time since
// probing began) the target was up, rounded to two decimals as DigitalOcean
// answers it.
func (p *UptimeProbe) uptimePercentage(probed, now time.Time) float64 {
	from := now.AddDate(0, 0, -30)
	if probed.After(from) {
		from = probed
	}
	window := now.Sub(from)
	down := time.Duration(0)
	overlap := func(a, b time.Time) {
		if a.Before(from) {
			a = from
		}
		if b.After(a) {
			down += b.Sub(a)
		}
	}
	for _, o := range p.Outages {
		overlap(o.Start, o.End)
	}
	if !p.Up {
		overlap(p.Since, now)
	}
	if window <= 0 {
		return map[bool]float64{true: 100, false: 0}[p.Up]
	}
	return math.Round(10000*(1-float64(down)/float64(window))) / 100
}
