package sandbox

import (
	"context"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Firewalls in the data plane.
//
// Cloud firewalls: a droplet covered by any firewall (by droplet id or tag)
// accepts an inbound TCP connection only when an inbound tcp rule of one of
// those firewalls allows its port and its source, and no inbound tcp deny
// rule of theirs matches it (a matching deny wins): an address in
// sources.addresses, a droplet in sources.droplet_ids or carrying one of
// sources.tags (a connection from a droplet's public or private address is
// that droplet's), or a load balancer in sources.load_balancer_uids (the
// load balancer's own proxying and health checks count as coming from it).
// A refused connection is closed before anything is read (DigitalOcean
// drops the packets; the client here sees the connection end at once).
// Outbound rules are not enforced: emulated droplets open no connections.
// Only TCP is emulated, so udp and icmp rules never match anything.
//
// A load balancer's own firewall: a client address matching a deny rule, or
// not matching any allow rule when there are some, is refused on every
// listener of the load balancer.

// connSource is who opened a connection, as a firewall sees it.
type connSource struct {
	addr netip.Addr // the client's address, when known
	lb   string     // the load balancer the connection is from
}

// fwRule is one inbound tcp rule, resolved.
type fwRule struct {
	lo, hi   int // ports; 0 and 0: every port
	prefixes []netip.Prefix
	droplets []int
	tags     []string
	lbs      []string
	deny     bool
}

// firewallView is what the data plane needs to decide a connection: copied
// from the world under its lock with the rest of the view.
type firewallView struct {
	rules    map[int][]fwRule // every covered droplet: the inbound tcp rules covering it
	dropByIP map[netip.Addr]int
	lbByIP   map[netip.Addr]string
	tags     map[int][]string
}

// firewallView resolves the world's cloud firewalls. Callers hold the lock.
func (w *World) firewallView() *firewallView {
	v := &firewallView{rules: map[int][]fwRule{}, dropByIP: map[netip.Addr]int{}, lbByIP: map[netip.Addr]string{}, tags: map[int][]string{}}
	for id, d := range w.Droplets {
		v.tags[id] = slices.Clone(d.Tags)
		for _, ip := range []string{d.PublicIPv4, d.PrivateIPv4, d.PublicIPv6} {
			if a, err := netip.ParseAddr(ip); err == nil {
				v.dropByIP[a] = id
			}
		}
	}
	for id, lb := range w.LoadBalancers {
		if a, err := netip.ParseAddr(lb.IP); err == nil {
			v.lbByIP[a] = id
		}
	}
	for _, f := range w.Firewalls {
		var rules []fwRule
		for _, r := range f.InboundRules {
			if r.Protocol == "tcp" {
				rules = append(rules, resolveRule(r))
			}
		}
		for id, d := range w.Droplets {
			if slices.Contains(f.DropletIDs, id) || slices.ContainsFunc(f.Tags, d.hasTag) {
				v.rules[id] = append(v.rules[id], rules...)
			}
		}
	}
	return v
}

func resolveRule(r FirewallRule) fwRule {
	out := fwRule{droplets: r.Targets.DropletIDs, tags: r.Targets.Tags, lbs: r.Targets.LoadBalancerUIDs, deny: r.action() == FirewallActionDeny}
	if r.Ports != "0" {
		lo, hi, isRange := strings.Cut(r.Ports, "-")
		if !isRange {
			hi = lo
		}
		out.lo, _ = strconv.Atoi(lo)
		out.hi, _ = strconv.Atoi(hi)
	}
	for _, a := range r.Targets.Addresses {
		if p, err := netip.ParsePrefix(a); err == nil {
			out.prefixes = append(out.prefixes, p.Masked())
		} else if ip, err := netip.ParseAddr(a); err == nil {
			out.prefixes = append(out.prefixes, netip.PrefixFrom(ip, ip.BitLen()))
		}
	}
	return out
}

// allows decides an inbound TCP connection to a droplet's port: some
// allow rule matches it and no deny rule does.
func (v *firewallView) allows(droplet, port int, src connSource) bool {
	if v == nil {
		return true
	}
	rules, covered := v.rules[droplet]
	if !covered {
		return true
	}
	if src.lb == "" {
		src.lb = v.lbByIP[src.addr]
	}
	allowed := false
	for _, r := range rules {
		if v.matches(r, port, src) {
			if r.deny {
				return false
			}
			allowed = true
		}
	}
	return allowed
}

// matches reports whether a rule covers the port and the source.
func (v *firewallView) matches(r fwRule, port int, src connSource) bool {
	if r.lo != 0 && (port < r.lo || port > r.hi) {
		return false
	}
	from, isDroplet := v.dropByIP[src.addr]
	return src.lb != "" && slices.Contains(r.lbs, src.lb) ||
		src.addr.IsValid() && slices.ContainsFunc(r.prefixes, func(p netip.Prefix) bool { return p.Contains(src.addr.Unmap()) }) ||
		isDroplet && slices.Contains(r.droplets, from) ||
		isDroplet && slices.ContainsFunc(r.tags, func(t string) bool { return slices.Contains(v.tags[from], t) })
}

// lbFirewall is a load balancer's own allow and deny lists, resolved.
type lbFirewall struct {
	allow, deny []netip.Prefix
}

func resolveLBFirewall(f LBFirewall) lbFirewall {
	parse := func(rules []string) []netip.Prefix {
		var out []netip.Prefix
		for _, r := range rules {
			if a, ok := strings.CutPrefix(r, "ip:"); ok {
				if ip, err := netip.ParseAddr(a); err == nil {
					out = append(out, netip.PrefixFrom(ip, ip.BitLen()))
				}
			} else if c, ok := strings.CutPrefix(r, "cidr:"); ok {
				if p, err := netip.ParsePrefix(c); err == nil {
					out = append(out, p.Masked())
				}
			}
		}
		return out
	}
	return lbFirewall{allow: parse(f.Allow), deny: parse(f.Deny)}
}

// admits decides a client of the load balancer: deny wins, then allow
// (when there are allow rules).
func (f lbFirewall) admits(addr netip.Addr) bool {
	in := func(ps []netip.Prefix) bool {
		return slices.ContainsFunc(ps, func(p netip.Prefix) bool { return p.Contains(addr.Unmap()) })
	}
	if in(f.deny) {
		return false
	}
	return len(f.allow) == 0 || in(f.allow)
}

// remoteIP is a connection's peer address.
func remoteIP(c net.Conn) netip.Addr {
	ap, err := netip.ParseAddrPort(c.RemoteAddr().String())
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr().Unmap()
}

// admitListener hands out only the connections admit accepts; the others
// are closed at once.
type admitListener struct {
	net.Listener
	admit func(net.Conn) bool
}

func (l *admitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if l.admit(c) {
			return c, nil
		}
		_ = c.Close()
	}
}

// lbConns remembers the connections load balancers opened to droplets, by
// the load balancer's end, so a droplet knows them for what they are even
// when they come from 127.0.0.1 (they were checked when dialled).
type lbConns struct{ m sync.Map } // local address -> load balancer id

type lbKey struct{}

// withLB marks a context as a load balancer's, for dialLB.
func withLB(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, lbKey{}, id)
}

// dial opens a connection for the load balancer in ctx and remembers it
// until closed.
func (r *lbConns) dial(ctx context.Context, d *net.Dialer, addr string) (net.Conn, error) {
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	id, _ := ctx.Value(lbKey{}).(string)
	if id == "" {
		return c, nil
	}
	key := c.LocalAddr().String()
	r.m.Store(key, id)
	return &forgetConn{Conn: c, forget: func() { r.m.Delete(key) }}, nil
}

func (r *lbConns) from(c net.Conn) (string, bool) {
	id, ok := r.m.Load(c.RemoteAddr().String())
	if !ok {
		return "", false
	}
	return id.(string), true
}

type forgetConn struct {
	net.Conn
	once   sync.Once
	forget func()
}

func (c *forgetConn) Close() error {
	c.once.Do(c.forget)
	return c.Conn.Close()
}

// CloseWrite half-closes, as the TCP proxy does when one side is done.
func (c *forgetConn) CloseWrite() error {
	if tc, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return tc.CloseWrite()
	}
	return nil
}

// firewallAdmitsLB reports whether d's cloud firewalls let lb's health
// checks reach it, for the health view without traffic emulation.
func (w *World) firewallAdmitsLB(d *Droplet, lb *LoadBalancer) bool {
	src := connSource{lb: lb.ID}
	src.addr, _ = netip.ParseAddr(lb.IP)
	return w.dropletFirewallView(d).allows(d.ID, lb.HealthCheck.Port, src)
}

// dropletFirewallView is the firewall view of d alone: the inbound tcp
// rules of every firewall covering it, without resolving other droplets.
func (w *World) dropletFirewallView(d *Droplet) *firewallView {
	v := &firewallView{rules: map[int][]fwRule{}}
	for _, f := range w.Firewalls {
		if !slices.Contains(f.DropletIDs, d.ID) && !slices.ContainsFunc(f.Tags, d.hasTag) {
			continue
		}
		rules := v.rules[d.ID]
		for _, r := range f.InboundRules {
			if r.Protocol == "tcp" {
				rules = append(rules, resolveRule(r))
			}
		}
		v.rules[d.ID] = rules // set even when nil: d is covered
	}
	return v
}
