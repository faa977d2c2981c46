package traffic

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

// InboundRule is one inbound tcp rule of a cloud firewall, resolved.
type InboundRule struct {
	lo, hi   int // ports; 0 and 0: every port
	prefixes []netip.Prefix
	droplets []int
	tags     []string
	lbs      []string
	deny     bool
}

// NewInboundRule resolves a rule: whether it denies (action "deny"), ports
// as DigitalOcean writes them ("80", "8000-9000", "0" for all) and its
// sources.
func NewInboundRule(deny bool, ports string, addresses []string, droplets []int, tags, loadBalancers []string) InboundRule {
	out := InboundRule{deny: deny, droplets: slices.Clone(droplets), tags: slices.Clone(tags), lbs: slices.Clone(loadBalancers)}
	if ports != "0" {
		lo, hi, isRange := strings.Cut(ports, "-")
		if !isRange {
			hi = lo
		}
		out.lo, _ = strconv.Atoi(lo)
		out.hi, _ = strconv.Atoi(hi)
	}
	for _, a := range addresses {
		if p, err := netip.ParsePrefix(a); err == nil {
			out.prefixes = append(out.prefixes, p.Masked())
		} else if ip, err := netip.ParseAddr(a); err == nil {
			out.prefixes = append(out.prefixes, netip.PrefixFrom(ip, ip.BitLen()))
		}
	}
	return out
}

// Firewall is what the data plane needs to decide a connection: the
// world's cloud firewalls resolved, built by the world under its lock.
type Firewall struct {
	rules    map[int][]InboundRule // every covered droplet: the inbound tcp rules covering it
	dropByIP map[netip.Addr]int
	lbByIP   map[netip.Addr]string
	tags     map[int][]string
}

// NewFirewall is a firewall view covering nothing yet.
func NewFirewall() *Firewall {
	return &Firewall{rules: map[int][]InboundRule{}, dropByIP: map[netip.Addr]int{}, lbByIP: map[netip.Addr]string{}, tags: map[int][]string{}}
}

// AddDroplet makes a droplet known as a source: its tags and addresses.
func (v *Firewall) AddDroplet(id int, tags []string, addresses ...string) {
	v.tags[id] = slices.Clone(tags)
	for _, ip := range addresses {
		if a, err := netip.ParseAddr(ip); err == nil {
			v.dropByIP[a] = id
		}
	}
}

// AddLoadBalancer makes a load balancer's address known as its source.
func (v *Firewall) AddLoadBalancer(id, ip string) {
	if a, err := netip.ParseAddr(ip); err == nil {
		v.lbByIP[a] = id
	}
}

// Cover puts a droplet behind a firewall's rules (rules may be none: then
// nothing gets in).
func (v *Firewall) Cover(droplet int, rules []InboundRule) {
	v.rules[droplet] = append(v.rules[droplet], rules...)
}

// Admits reports whether a connection from an address reaches a
// droplet's port.
func (v *Firewall) Admits(droplet, port int, source netip.Addr) bool {
	return v.allows(droplet, port, connSource{addr: source})
}

// AdmitsLoadBalancer reports whether a load balancer's health checks reach
// a droplet's port.
func (v *Firewall) AdmitsLoadBalancer(droplet, port int, lbID, lbIP string) bool {
	src := connSource{lb: lbID}
	src.addr, _ = netip.ParseAddr(lbIP)
	return v.allows(droplet, port, src)
}

// allows decides an inbound TCP connection to a droplet's port: some
// allow rule matches it and no deny rule does.
func (v *Firewall) allows(droplet, port int, src connSource) bool {
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
func (v *Firewall) matches(r InboundRule, port int, src connSource) bool {
	if r.lo != 0 && (port < r.lo || port > r.hi) {
		return false
	}
	from, isDroplet := v.dropByIP[src.addr]
	return src.lb != "" && slices.Contains(r.lbs, src.lb) ||
		src.addr.IsValid() && slices.ContainsFunc(r.prefixes, func(p netip.Prefix) bool { return p.Contains(src.addr.Unmap()) }) ||
		isDroplet && slices.Contains(r.droplets, from) ||
		isDroplet && slices.ContainsFunc(r.tags, func(t string) bool { return slices.Contains(v.tags[from], t) })
}

// LBFirewall is a load balancer's own allow and deny lists, resolved.
type LBFirewall struct {
	allow, deny []netip.Prefix
}

// NewLBFirewall resolves a load balancer's allow and deny lists
// ("ip:1.2.3.4", "cidr:10.0.0.0/8").
func NewLBFirewall(allowList, denyList []string) LBFirewall {
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
	return LBFirewall{allow: parse(allowList), deny: parse(denyList)}
}

// admits decides a client of the load balancer: deny wins, then allow
// (when there are allow rules).
func (f LBFirewall) admits(addr netip.Addr) bool {
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
