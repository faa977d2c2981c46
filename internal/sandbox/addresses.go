package sandbox

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"runtime"
	"strconv"
	"syscall"
	"time"
)

// The address plan: nothing the sandbox hands out routes off the machine.
//
//   - Public IPv4 addresses (droplets, load balancers, database
//     clusters) come from one /16 of
//     127.0.0.0/8 per sandbox, 127.B.0.0/16 with B in 1..254. The sandbox
//     claims its block by listening on 127.B.255.254:BlockClaimPort, so two
//     sandboxes on one machine (or in one process, or two CI jobs) never
//     draw the same block, and a kill frees it. The block is kept in the
//     state file, so addresses survive a restart.
//   - Addresses are unique among the world's objects: a counter walks the
//     block, skipping x.x.x.0, x.x.x.1 (the gateway of every /20 lies on
//     one), x.x.x.255 and 127.B.255.0/24, which the sandbox keeps for itself.
//   - Public IPv6 addresses come from the documentation prefix,
//     2001:db8:B::/48, derived from the IPv4 address; nothing dials them.
//   - Private (VPC) addresses stay in the VPC's ip_range; nothing dials them.
//
// Listeners bind these addresses when they can (see traffic.go); where the
// platform has only 127.0.0.1 on loopback, the block is still drawn (so
// every address stays in 127/8) but cannot be claimed.

// BlockClaimPort is the port a sandbox listens on at 127.B.255.254 to hold
// its address block.
const BlockClaimPort = 47474

const (
	firstBlock = 1
	lastBlock  = 254
	// reservedThird is the third octet the sandbox keeps for itself.
	reservedThird = 255
)

// addressBlock is the /16 of 127.0.0.0/8 a sandbox draws addresses from.
type addressBlock struct {
	n     int
	claim net.Listener // nil when the platform cannot bind 127.B.x.y
}

func (b *addressBlock) String() string { return fmt.Sprintf("127.%d.0.0/16", b.n) }

// contains reports whether ip lies in the block.
func (b *addressBlock) contains(ip string) bool {
	a, err := netip.ParseAddr(ip)
	if err != nil || !a.Is4() {
		return false
	}
	v := a.As4()
	return v[0] == 127 && int(v[1]) == b.n
}

func (b *addressBlock) release() {
	if b != nil && b.claim != nil {
		_ = b.claim.Close()
		b.claim = nil
	}
}

var errBlockTaken = errors.New("address block in use")

// claimBlock takes block want (from a state file) or, when want is 0, the
// first free block from a random start. bindable is false on platforms
// where only 127.0.0.1 exists on loopback.
func claimBlock(want int) (b *addressBlock, bindable bool, err error) {
	if want != 0 {
		if want < firstBlock || want > lastBlock {
			return nil, false, fmt.Errorf("address block %d is outside 1..254", want)
		}
		b, bindable, err := tryClaim(want)
		if errors.Is(err, errBlockTaken) {
			return nil, false, fmt.Errorf("the state's address block 127.%d.0.0/16 is in use by another sandbox on this machine (it listens on 127.%d.255.254:%d): stop that sandbox, or use another state file", want, want, BlockClaimPort)
		}
		return b, bindable, err
	}
	// Servers dropped without Close free their block when collected
	// (New registers a cleanup), so a full machine collects once and waits
	// a bounded moment for those cleanups before giving up.
	deadline := time.Now().Add(time.Second)
	for attempt := 0; ; attempt++ {
		if b, bindable, err := claimFree(); !errors.Is(err, errBlockTaken) {
			return b, bindable, err
		}
		if time.Now().After(deadline) {
			return nil, false, fmt.Errorf("every address block of 127.0.0.0/8 (1..254) is held by a running sandbox: close sandboxes you no longer use (Server.Close)")
		}
		if attempt == 0 {
			runtime.GC()
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// claimFree takes the first free block from a random start.
func claimFree() (*addressBlock, bool, error) {
	n := lastBlock - firstBlock + 1
	start := rand.IntN(n)
	for i := range n {
		b, bindable, err := tryClaim(firstBlock + (start+i)%n)
		if errors.Is(err, errBlockTaken) {
			continue
		}
		return b, bindable, err
	}
	return nil, false, errBlockTaken
}

func tryClaim(n int) (*addressBlock, bool, error) {
	ln, err := net.Listen("tcp", net.JoinHostPort(fmt.Sprintf("127.%d.255.254", n), strconv.Itoa(BlockClaimPort)))
	switch {
	case err == nil:
		go refuseAll(ln)
		return &addressBlock{n: n, claim: ln}, true, nil
	case errors.Is(err, syscall.EADDRINUSE):
		return nil, false, errBlockTaken
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		return &addressBlock{n: n}, false, nil
	default:
		return nil, false, fmt.Errorf("claim address block 127.%d.0.0/16: %w", n, err)
	}
}

// refuseAll closes whatever connects to the claim listener.
func refuseAll(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		_ = c.Close()
	}
}

// usableOffset reports whether offset o within the /16 may be handed out.
func usableOffset(o int) bool {
	third, fourth := o>>8, o&0xff
	return o > 0 && o < 1<<16 && third != reservedThird && fourth != 0 && fourth != 1 && fourth != 255
}

// publicAddresses are the public IPv4 addresses objects hold now.
func (w *World) publicAddresses() map[string]bool {
	used := map[string]bool{}
	for _, d := range w.Droplets {
		if d.PublicIPv4 != "" {
			used[d.PublicIPv4] = true
		}
	}
	for _, lb := range w.LoadBalancers {
		if lb.IP != "" && lb.Network != "INTERNAL" {
			used[lb.IP] = true
		}
		if lb.RequestedIP != "" {
			used[lb.RequestedIP] = true // taken from create, assigned on activation
		}
	}
	for _, db := range w.Databases {
		used[db.Host] = true
	}
	return used
}

// takeIPv4 hands out the next free address of the world's block. Addresses
// are not reused until the block has been walked once.
func (w *World) takeIPv4() (string, *APIError) {
	used := w.publicAddresses()
	for range 1 << 16 {
		o := w.NextAddress
		w.NextAddress = (w.NextAddress + 1) % (1 << 16)
		if !usableOffset(o) {
			continue
		}
		ip := fmt.Sprintf("127.%d.%d.%d", w.AddressBlock, o>>8, o&0xff)
		if !used[ip] {
			return ip, nil
		}
	}
	return "", errUnprocessable("the sandbox has no public IPv4 address left in 127.%d.0.0/16: delete droplets or load balancers", w.AddressBlock)
}

// ipv6For is the documentation-prefix IPv6 address paired with a public
// IPv4 address of the block: 127.B.X.Y is 2001:db8:B::X:Y (hex).
func ipv6For(block int, ipv4 string) string {
	a, err := netip.ParseAddr(ipv4)
	if err != nil || !a.Is4() {
		return ""
	}
	v := a.As4()
	return fmt.Sprintf("2001:db8:%x::%x:%x", block, v[2], v[3])
}

// ipv6Gateway is the gateway of the block's IPv6 network.
func ipv6Gateway(block int) string { return fmt.Sprintf("2001:db8:%x::1", block) }

// readdress moves every public address outside the world's block into it:
// a state file written before the address plan, or by a sandbox that held
// another block. It reports whether anything changed.
func (w *World) readdress(b *addressBlock) bool {
	changed := false
	for _, d := range w.dropletsSorted() {
		if d.PublicIPv4 != "" && !b.contains(d.PublicIPv4) {
			d.PublicIPv4, _ = w.takeIPv4()
			changed = true
		}
		if d.PublicIPv6 != "" && d.PublicIPv6 != ipv6For(b.n, d.PublicIPv4) {
			d.PublicIPv6 = ipv6For(b.n, d.PublicIPv4)
			changed = true
		}
	}
	for _, lb := range w.LoadBalancers {
		if lb.IP != "" && lb.Network != "INTERNAL" && !b.contains(lb.IP) {
			lb.IP, _ = w.takeIPv4()
			lb.RequestedIP = ""
			changed = true
		}
		if lb.IPv6 != "" && lb.IPv6 != w.lbIPv6(lb) {
			lb.IPv6 = w.lbIPv6(lb)
			changed = true
		}
	}
	for _, db := range w.databasesSorted() {
		if !b.contains(db.Host) {
			db.Host, _ = w.takeIPv4()
			changed = true
		}
	}
	return changed
}

// checkRequestedIP vets the ip a load balancer create asks for (a reserved
// address the account holds): an IPv4 of the sandbox's block that no other
// object holds, so nothing it hands out leaves the machine.
func (w *World) checkRequestedIP(ip string) *APIError {
	a, err := netip.ParseAddr(ip)
	if err != nil || !a.Is4() {
		return errUnprocessable("invalid ip %q: must be an IPv4 address", ip)
	}
	if v := a.As4(); v[0] != 127 || int(v[1]) != w.AddressBlock || !usableOffset(int(v[2])<<8|int(v[3])) {
		return errUnprocessable("invalid ip %q: the account holds no such reserved IP (this sandbox's addresses are in 127.%d.0.0/16)", ip, w.AddressBlock)
	}
	if w.publicAddresses()[a.String()] {
		return errUnprocessable("invalid ip %q: the address is already assigned", ip)
	}
	return nil
}

// AddressBlock is the 127.B.0.0/16 the sandbox hands public IPv4
// addresses out of.
func (s *Server) AddressBlock() string { return s.block.String() }
