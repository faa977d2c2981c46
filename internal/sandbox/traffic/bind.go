package traffic

import (
	"errors"
	"net"
	"strconv"
	"sync"
	"syscall"
)

// Binding the handed-out addresses. Every droplet and load balancer has a
// public IPv4 in the sandbox's 127.B.0.0/16 (addresses.go); the traffic
// engine listens there too, on the ports DigitalOcean would serve (a
// droplet's port 80 and the ports load balancers target, a load balancer's
// entry ports), so `curl http://<load_balancer_ip>/` reaches the emulated
// load balancer. Each object also keeps one listener on a 127.0.0.1 port,
// the local address the control API reports, which works everywhere.
//
// Where an address cannot be bound (a port below 1024 without root, a
// platform with only 127.0.0.1 on loopback, LocalPortsOnly) the local
// listener is all there is, and the sandbox says so once in its notices.

// binder opens listeners on public addresses and remembers what it cannot.
type binder struct {
	off    bool // never bind public addresses
	notice func(string, ...any)

	mu     sync.Mutex
	denied map[int]bool    // ports refused for lack of privilege
	told   map[string]bool // notices already given, by kind
}

func newBinder(off bool, notice func(string, ...any)) *binder {
	return &binder{off: off, notice: notice, denied: map[int]bool{}, told: map[string]bool{}}
}

// listen binds ip:port, or returns nil when it cannot (and says why once).
func (b *binder) listen(ip string, port int) net.Listener {
	if b == nil || b.off || ip == "" || port <= 0 {
		return nil
	}
	b.mu.Lock()
	denied := b.denied[port]
	b.mu.Unlock()
	if denied {
		return nil
	}
	addr := net.JoinHostPort(ip, strconv.Itoa(port))
	ln, err := net.Listen("tcp", addr)
	if err == nil {
		return ln
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case errors.Is(err, syscall.EACCES) || errors.Is(err, syscall.EPERM):
		b.denied[port] = true
		b.once("privilege", "cannot bind %s (%v): ports below 1024 need root (or CAP_NET_BIND_SERVICE); droplets and load balancers serve such ports on 127.0.0.1 ports instead, listed at /_sandbox/load_balancers/{id}/listeners and /_sandbox/droplets/{id}/http", addr, err)
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		b.off = true
		b.once("platform", "cannot bind %s (%v): this machine has only 127.0.0.1 on loopback; everything serves on 127.0.0.1 ports instead (on macOS: sudo ifconfig lo0 alias %s)", addr, err, ip)
	default:
		b.once("busy", "cannot bind %s (%v): serving it on a 127.0.0.1 port instead (retried later)", addr, err)
	}
	return nil
}

func (b *binder) once(kind, format string, args ...any) {
	if b.told[kind] || b.notice == nil {
		return
	}
	b.told[kind] = true
	b.notice(format, args...)
}

// listenLocal is the listener every object has on 127.0.0.1, on port when
// it is free (a droplet or rule coming back keeps its address).
func listenLocal(port int) (net.Listener, error) {
	if port > 0 {
		if ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port))); err == nil {
			return ln, nil
		}
	}
	return net.Listen("tcp", "127.0.0.1:0")
}

func portOf(addr string) int {
	_, p, _ := net.SplitHostPort(addr)
	n, _ := strconv.Atoi(p)
	return n
}
