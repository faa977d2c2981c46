package sandbox

import (
	"context"
	"errors"
	"fmt"
	"net/netip"

	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Traffic emulation (Options.Traffic): every running droplet serves HTTP on
// its public address and a loopback port, and every active load balancer
// listens on its public address and a loopback port per forwarding rule,
// health-checks its targets with real requests and proxies to the healthy
// ones (traffic_bind.go says which addresses are bound). All of it is
// runtime state kept outside World: listeners are not persisted, only the
// health verdicts the checks reach are (lb_health.go).
//
// A droplet's local port serves every port: each target_port and
// health_check.port of the load balancers targeting it lands there (it
// speaks HTTP and HTTPS on it). On its public address it serves port 80
// and each of those ports.
// Not emulated: udp and http3 rules (they need UDP). Cloud firewalls and
// the load balancer's own firewall are enforced (traffic_firewall.go).
//
// A reconcile loop brings the runtime in line with the world: it takes the
// world lock only to settle and copy what it needs, then opens and closes
// listeners without the lock. Control methods reconcile synchronously, so
// what they report matches the API at that moment.

// Droplet web server behaviours.
const (
	BehaviourHealthy = "healthy" // answers every request
	BehaviourFailing = "failing" // 500 on every path
	BehaviourSlow    = "slow"    // answers after Latency
	BehaviourDead    = "dead"    // refuses connections, as a crashed server
)

// DropletBehaviours are the behaviours SetDropletBehaviour accepts.
var DropletBehaviours = []string{BehaviourHealthy, BehaviourFailing, BehaviourSlow, BehaviourDead}

// MaxDropletLatency bounds a slow droplet's added latency.
const MaxDropletLatency = time.Minute

// Behaviour is how a droplet's emulated web server answers.
type Behaviour struct {
	Kind    string        // one of DropletBehaviours
	Latency time.Duration // added before every answer; slow only
}

func (b Behaviour) validate() error {
	if !slices.Contains(DropletBehaviours, b.Kind) {
		return fmt.Errorf("invalid behaviour %q: must be one of healthy, failing, slow, dead", b.Kind)
	}
	switch {
	case b.Kind == BehaviourSlow && (b.Latency <= 0 || b.Latency > MaxDropletLatency):
		return fmt.Errorf("invalid latency %v: a slow droplet needs a latency above 0 and at most %v", b.Latency, MaxDropletLatency)
	case b.Kind != BehaviourSlow && b.Latency != 0:
		return fmt.Errorf("latency applies only to behaviour slow, not %s", b.Kind)
	}
	return nil
}

// Listener is one load balancer forwarding rule as served here.
type Listener struct {
	EntryProtocol  string `json:"entry_protocol"`
	EntryPort      int    `json:"entry_port"`
	TargetProtocol string `json:"target_protocol"`
	TargetPort     int    `json:"target_port"`
	// Address is where to send requests: PublicAddress when bound, else
	// LocalAddress.
	Address string `json:"address"`
	// LocalAddress is the rule's 127.0.0.1 port, always served.
	LocalAddress string `json:"local_address"`
	// PublicAddress is the load balancer's ip and the entry port, when the
	// sandbox could bind it.
	PublicAddress string `json:"public_address,omitempty"`
}

// DropletHTTP describes a droplet's emulated web server.
type DropletHTTP struct {
	DropletID int `json:"droplet_id"`
	// Address is the droplet's 127.0.0.1 port: it answers for every port.
	Address string `json:"address"`
	// PublicIP is the droplet's public IPv4; PublicPorts are the ports the
	// sandbox serves there (80, and what load balancers target).
	PublicIP    string   `json:"public_ip,omitempty"`
	PublicPorts []int    `json:"public_ports"`
	Behaviour   string   `json:"behaviour"`
	Latency     Duration `json:"latency,omitempty"`
}

var errTrafficOff = errors.New("traffic emulation is off: start the sandbox with --traffic (Options.Traffic)")

// notFoundError is an unknown object named in a control request.
type notFoundError struct{ msg string }

func (e *notFoundError) Error() string { return e.msg }

// trafficEngine owns every droplet web server and load balancer runtime.
type trafficEngine struct {
	s      *Server
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup // every goroutine the engine starts
	kickCh chan struct{}
	poll   time.Duration

	// seq orders health publications: it is taken under the world lock,
	// so a higher number always reflects a later world.
	seq atomic.Uint64

	applyMu sync.Mutex // serialises reconcile, reset and close

	mu         sync.RWMutex
	droplets   map[int]*dropletServer // running droplets with an open listener
	behaviours map[int]Behaviour
	ports      map[int]int // a droplet's last port, reused when it comes back
	lbs        map[string]*lbRuntime

	tls   *tlsStore
	proxy *upstreams
	bind  *binder
	conns lbConns                      // load balancers' connections to droplets
	fw    atomic.Pointer[firewallView] // cloud firewalls, from the last view
}

func newTrafficEngine(s *Server) *trafficEngine {
	ctx, cancel := context.WithCancel(context.Background())
	e := &trafficEngine{
		s:          s,
		ctx:        ctx,
		cancel:     cancel,
		kickCh:     make(chan struct{}, 1),
		poll:       min(max(scale(time.Second, s.factor), 10*time.Millisecond), 200*time.Millisecond),
		droplets:   map[int]*dropletServer{},
		behaviours: map[int]Behaviour{},
		ports:      map[int]int{},
		lbs:        map[string]*lbRuntime{},
		tls:        newTLSStore(),
		bind:       newBinder(s.opts.LocalPortsOnly || !s.bindable, s.notice),
	}
	e.proxy = newUpstreams(&e.conns)
	return e
}

// start runs the reconcile loop: on every kick and at least every poll.
func (e *trafficEngine) start() {
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		t := time.NewTicker(e.poll)
		defer t.Stop()
		for {
			e.reconcile()
			select {
			case <-e.ctx.Done():
				return
			case <-t.C:
			case <-e.kickCh:
			}
		}
	}()
}

// kick asks the reconcile loop for a pass soon; it never blocks, so it may
// be called with the world lock held.
func (e *trafficEngine) kick() {
	if e == nil {
		return
	}
	select {
	case e.kickCh <- struct{}{}:
	default:
	}
}

// close stops every goroutine and listener and waits for them.
func (e *trafficEngine) close() {
	e.applyMu.Lock()
	e.cancel()
	e.closeAll()
	e.applyMu.Unlock()
	e.wg.Wait()
	e.proxy.closeIdle()
}

// reset forgets every listener and behaviour, as after a world reset.
func (e *trafficEngine) reset() {
	e.applyMu.Lock()
	defer e.applyMu.Unlock()
	e.closeAll()
	e.mu.Lock()
	clear(e.behaviours)
	clear(e.ports)
	e.mu.Unlock()
	e.proxy.closeIdle()
	e.kick()
}

func (e *trafficEngine) closeAll() {
	e.mu.Lock()
	droplets, lbs := e.droplets, e.lbs
	e.droplets, e.lbs = map[int]*dropletServer{}, map[string]*lbRuntime{}
	e.mu.Unlock()
	for _, rt := range lbs {
		rt.close()
	}
	for _, d := range droplets {
		d.close()
	}
}

// worldView is what the runtime needs from the world, copied under the
// world lock.
type worldView struct {
	known    map[int]bool // every droplet in the world
	running  map[int]dropletInfo
	balancer map[string]*lbSpec
}

type dropletInfo struct {
	ID          int
	Name        string
	Image       string // slug, or the snapshot's name
	Region      string
	FailsHealth bool
	PublicIP    string
	// Ports are served on PublicIP: 80 and every target and health check
	// port of the load balancers targeting the droplet, ascending.
	Ports []int
	// HealthPaths are the paths load balancers targeting the droplet check:
	// a FailsHealth droplet answers them with 500.
	HealthPaths []string
}

// lbSpec is one active load balancer as the runtime serves it.
type lbSpec struct {
	ID          string
	Rules       []LBForwardingRule
	Certs       map[int]*certMaterial // by rule index
	HealthCheck LBHealthCheck
	Algorithm   string
	Sticky      LBStickySessions
	Redirect    bool
	Targets     []int
	Healthy     []int
	Seq         uint64
	PublicIP    string // "" for INTERNAL load balancers: their address is private
	Firewall    lbFirewall
	// ProxyProtocol sends a PROXY v1 header on every connection to a
	// target; Keepalive reuses connections to targets.
	ProxyProtocol bool
	Keepalive     bool
	IdleTimeout   time.Duration // clients' idle connections close after it (scaled)
	// TLSCipherPolicy is DEFAULT or STRONG, for TLS-terminating rules.
	TLSCipherPolicy string
}

func (e *trafficEngine) view() worldView {
	s := e.s
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settle(s.clock.Now())
	w := s.world
	v := worldView{known: map[int]bool{}, running: map[int]dropletInfo{}, balancer: map[string]*lbSpec{}}
	for id, d := range w.Droplets {
		v.known[id] = true
		if d.Status == "active" && !d.Killed {
			v.running[id] = dropletInfo{ID: id, Name: d.Name, Image: w.imageLabel(d.ImageID), Region: d.Region, FailsHealth: d.FailsHealth,
				PublicIP: d.PublicIPv4, Ports: []int{80}}
		}
	}
	e.fw.Store(w.firewallView())
	seq := e.seq.Add(1)
	for id, lb := range w.LoadBalancers {
		if lb.Status != "active" {
			continue
		}
		spec := &lbSpec{
			ID: id, Rules: slices.Clone(lb.ForwardingRules), Certs: map[int]*certMaterial{},
			HealthCheck: lb.HealthCheck, Algorithm: lb.Algorithm, Sticky: lb.StickySessions,
			Redirect: lb.RedirectHTTPToHTTPS, Healthy: healthyTargets(w, lb), Seq: seq,
		}
		for i, r := range lb.ForwardingRules {
			if c := w.ruleCertificate(r); c != nil {
				spec.Certs[i] = certificateMaterial(c)
			}
		}
		if lb.Network != "INTERNAL" {
			spec.PublicIP = lb.IP
		}
		spec.Firewall = resolveLBFirewall(lb.Firewall)
		spec.ProxyProtocol, spec.Keepalive = lb.EnableProxyProtocol, lb.EnableBackendKeepalive
		spec.TLSCipherPolicy = lb.TLSCipherPolicy
		spec.IdleTimeout = max(scale(time.Duration(lb.HTTPIdleTimeoutSeconds)*time.Second, s.factor), time.Millisecond)
		for _, d := range w.targetsOf(lb) {
			spec.Targets = append(spec.Targets, d.ID)
			if info, ok := v.running[d.ID]; ok {
				v.running[d.ID] = info.targetedBy(lb)
			}
		}
		v.balancer[id] = spec
	}
	return v
}

// targetedBy adds what a load balancer targeting the droplet checks and
// connects to: its health check path and its target and health ports.
func (info dropletInfo) targetedBy(lb *LoadBalancer) dropletInfo {
	if lb.HealthCheck.Protocol != "tcp" && !slices.Contains(info.HealthPaths, lb.HealthCheck.Path) {
		info.HealthPaths = append(slices.Clone(info.HealthPaths), lb.HealthCheck.Path)
	}
	ports := append(slices.Clone(info.Ports), lb.HealthCheck.Port)
	for _, r := range lb.ForwardingRules {
		ports = append(ports, r.TargetPort)
	}
	slices.Sort(ports)
	info.Ports = slices.Compact(ports)
	return info
}

// imageLabel names the image a droplet runs: its slug, or a snapshot's name.
func (w *World) imageLabel(id int) string {
	if img, ok := w.catalog.imageByID(id); ok {
		return img.Slug
	}
	if s, ok := w.Snapshots[id]; ok {
		return s.Name
	}
	return strconv.Itoa(id)
}

// ruleCertificate is the certificate a forwarding rule terminates TLS with.
func (w *World) ruleCertificate(r LBForwardingRule) *Certificate {
	if r.CertificateID != "" {
		if c := w.Certificates[r.CertificateID]; c != nil {
			return c
		}
	}
	if r.CertificateName != "" {
		return w.certificateByName(r.CertificateName)
	}
	return nil
}

// reconcile opens what the world runs and closes what it no longer does.
func (e *trafficEngine) reconcile() {
	e.applyMu.Lock()
	defer e.applyMu.Unlock()
	if e.ctx.Err() != nil {
		return
	}
	v := e.view()

	e.mu.Lock()
	for id := range e.behaviours {
		if !v.known[id] {
			delete(e.behaviours, id)
		}
	}
	for id := range e.ports {
		if !v.known[id] {
			delete(e.ports, id)
		}
	}
	var stop []*dropletServer
	for id, d := range e.droplets {
		if _, ok := v.running[id]; !ok || e.behaviours[id].Kind == BehaviourDead {
			stop = append(stop, d)
			delete(e.droplets, id)
		}
	}
	for id, info := range v.running {
		b := e.behaviourOf(id)
		if b.Kind == BehaviourDead {
			continue
		}
		d := e.droplets[id]
		if d == nil {
			var err error
			if d, err = e.openDroplet(info, e.ports[id]); err != nil {
				continue // the next pass tries again
			}
			e.droplets[id] = d
			e.ports[id] = d.port()
		}
		d.set(info, b)
		d.bindPublic(e, info)
	}
	var stopLBs []*lbRuntime
	for id, rt := range e.lbs {
		if v.balancer[id] == nil {
			stopLBs = append(stopLBs, rt)
			delete(e.lbs, id)
		}
	}
	var startLBs []*lbRuntime
	for id, spec := range v.balancer {
		if e.lbs[id] == nil {
			rt := newLBRuntime(e, spec)
			e.lbs[id] = rt
			startLBs = append(startLBs, rt)
		}
	}
	lbs := make([]*lbRuntime, 0, len(e.lbs))
	for _, rt := range e.lbs {
		lbs = append(lbs, rt)
	}
	e.mu.Unlock()

	for _, d := range stop {
		d.close()
	}
	for _, rt := range stopLBs {
		rt.close()
	}
	for _, rt := range lbs {
		rt.update(v.balancer[rt.id])
	}
	for _, rt := range startLBs {
		rt.start()
	}
}

// behaviourOf is a droplet's behaviour; healthy unless set. Callers hold mu.
func (e *trafficEngine) behaviourOf(id int) Behaviour {
	if b, ok := e.behaviours[id]; ok {
		return b
	}
	return Behaviour{Kind: BehaviourHealthy}
}

// dropletAddress is where a load balancer reaches a droplet's port: its
// public address when bound there, else its local port; "" when closed.
func (e *trafficEngine) dropletAddress(id, port int) string {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if d := e.droplets[id]; d != nil {
		return d.addressFor(port)
	}
	return ""
}

// DropletHTTP reports a droplet's emulated web server; an error when it has
// no listener (not running, dead, unknown, or traffic off).
func (s *Server) DropletHTTP(id int) (DropletHTTP, error) {
	e := s.traffic
	if e == nil {
		return DropletHTTP{}, errTrafficOff
	}
	e.reconcile()
	e.mu.RLock()
	defer e.mu.RUnlock()
	d := e.droplets[id]
	if d == nil {
		if b, ok := e.behaviours[id]; ok && b.Kind == BehaviourDead {
			return DropletHTTP{}, fmt.Errorf("droplet %d is dead: its web server refuses connections", id)
		}
		return DropletHTTP{}, fmt.Errorf("droplet %d has no web server: it does not exist or is not running", id)
	}
	b := e.behaviourOf(id)
	return DropletHTTP{DropletID: id, Address: d.addr, PublicIP: d.info.Load().PublicIP, PublicPorts: d.publicPorts(),
		Behaviour: b.Kind, Latency: Duration(b.Latency)}, nil
}

// DropletHTTPAddress is the loopback address (host:port) a running
// droplet's web server listens on.
func (s *Server) DropletHTTPAddress(id int) (string, error) {
	h, err := s.DropletHTTP(id)
	return h.Address, err
}

// SetDropletBehaviour changes how a droplet's web server answers. It holds
// until changed again or the droplet is destroyed; dead closes the
// listener, and a later behaviour reopens it on the same port when free.
func (s *Server) SetDropletBehaviour(id int, b Behaviour) error {
	e := s.traffic
	if e == nil {
		return errTrafficOff
	}
	if err := b.validate(); err != nil {
		return err
	}
	s.mu.Lock()
	_, ok := s.world.Droplets[id]
	s.mu.Unlock()
	if !ok {
		return &notFoundError{fmt.Sprintf("droplet %d not found", id)}
	}
	e.mu.Lock()
	e.behaviours[id] = b
	e.mu.Unlock()
	e.reconcile()
	return nil
}

// LoadBalancerListeners lists the loopback addresses an active load
// balancer serves its forwarding rules on, in rule order. udp and http3
// rules are not served.
func (s *Server) LoadBalancerListeners(id string) ([]Listener, error) {
	e := s.traffic
	if e == nil {
		return nil, errTrafficOff
	}
	e.reconcile()
	e.mu.RLock()
	rt := e.lbs[id]
	e.mu.RUnlock()
	if rt == nil {
		return nil, fmt.Errorf("load balancer %s has no listeners: it does not exist or is not active yet", id)
	}
	out := rt.listeners()
	if len(out) == 0 {
		return nil, fmt.Errorf("load balancer %s has no listeners: none of its forwarding rules can be served locally", id)
	}
	return out, nil
}

// firewallAllows decides a load balancer's connection to a droplet's port.
func (e *trafficEngine) firewallAllows(droplet, port int, lb string, lbIP string) bool {
	src := connSource{lb: lb}
	src.addr, _ = netip.ParseAddr(lbIP)
	return e.fw.Load().allows(droplet, port, src)
}
