// Package traffic is the sandbox's data plane: every running droplet
// serves HTTP on its public address and a loopback port, and every active
// load balancer listens on its public address and a loopback port per
// forwarding rule, health-checks its targets with real requests and
// proxies to the healthy ones (bind.go says which addresses are bound).
// Cloud firewalls and the load balancer's own firewall are enforced
// (firewall.go). Not emulated: udp and http3 rules (they need UDP). A DNS
// server answers for the account's domains on one loopback port (dns.go).
//
// The data plane sees the world only through World: a copy taken under
// the world's lock (Snapshot) and one callback reporting what the health
// checks saw (RecordHealth). A reconcile loop brings the runtime in line
// with the latest snapshot: it opens and closes listeners without any
// lock of the world's. Control methods reconcile synchronously, so what
// they report matches the API at that moment. Listeners are not
// persisted; the health verdicts are, by the world.
//
// A droplet's local port serves every port: each target_port and
// health_check.port of the load balancers targeting it lands there (it
// speaks HTTP and HTTPS on it). On its public address it serves port 80
// and each of those ports.
package traffic

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// World is the narrow view the data plane has of the sandbox's world.
type World interface {
	// Snapshot settles the world and copies what the data plane serves.
	Snapshot() View
	// RecordHealth reports one round of a load balancer's health checks;
	// the world counts them against its thresholds and answers the targets
	// now in rotation with the snapshot sequence they belong to (ok false
	// when the load balancer is gone or not active).
	RecordHealth(lbID string, results map[int]bool) (healthy []int, seq uint64, ok bool)
}

// Options configure an Engine.
type Options struct {
	TimeScale float64 // the sandbox's: check intervals and timeouts scale with it
	// LocalPortsOnly never binds the handed-out public addresses.
	LocalPortsOnly bool
	// Notice tells the user something once (an address it cannot bind).
	Notice func(format string, args ...any)
	// DNSListen is the loopback address the DNS server binds (UDP and
	// TCP; port 0 picks one); "" serves no DNS.
	DNSListen string
	// Now is the sandbox's clock, for the response log's timestamps;
	// nil means the wall clock.
	Now func() time.Time
}

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

// NotFoundError is an unknown object named in a control request.
type NotFoundError struct{ Msg string }

func (e *NotFoundError) Error() string { return e.Msg }

// Engine owns every droplet web server and load balancer runtime.
type Engine struct {
	world  World
	opts   Options
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup // every goroutine the engine starts
	kickCh chan struct{}
	poll   time.Duration

	applyMu sync.Mutex // serialises reconcile, reset and close

	mu         sync.RWMutex
	droplets   map[int]*dropletServer // running droplets with an open listener
	behaviours map[int]Behaviour
	ports      map[int]int // a droplet's last port, reused when it comes back
	lbs        map[string]*lbRuntime

	tls   *tlsStore
	proxy *upstreams
	bind  *binder
	conns lbConns                  // load balancers' connections to droplets
	fw    atomic.Pointer[Firewall] // cloud firewalls, from the last view
	dns   *dnsServer               // nil until ListenDNS

	responses *responseLog // HTTP responses per load balancer, droplet and second
}

// New makes an engine serving w; Start runs it.
func New(w World, opts Options) *Engine {
	if opts.TimeScale <= 0 {
		opts.TimeScale = 1
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	ctx, cancel := context.WithCancel(context.Background())
	e := &Engine{
		world:      w,
		opts:       opts,
		ctx:        ctx,
		cancel:     cancel,
		kickCh:     make(chan struct{}, 1),
		poll:       min(max(scale(time.Second, opts.TimeScale), 10*time.Millisecond), 200*time.Millisecond),
		droplets:   map[int]*dropletServer{},
		behaviours: map[int]Behaviour{},
		ports:      map[int]int{},
		lbs:        map[string]*lbRuntime{},
		tls:        newTLSStore(),
		bind:       newBinder(opts.LocalPortsOnly, opts.Notice),
		responses:  newResponseLog(opts.Now),
	}
	e.proxy = newUpstreams(&e.conns)
	return e
}

// ListenDNS binds the DNS server to Options.DNSListen, before Start; it
// answers from the zones of every snapshot.
func (e *Engine) ListenDNS() error {
	if e.opts.DNSListen == "" {
		return nil
	}
	d, err := listenDNS(e.opts.DNSListen)
	if err != nil {
		return err
	}
	e.dns = d
	return nil
}

// DNSAddress is where the DNS server listens (host:port, UDP and TCP), ""
// when it does not. It reconciles first, so it answers for the world as
// the API shows it now.
func (e *Engine) DNSAddress() string {
	if e.dns == nil {
		return ""
	}
	e.reconcile()
	return e.dns.addr
}

// Start runs the reconcile loop: on every kick and at least every poll.
func (e *Engine) Start() {
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

// Kick asks the reconcile loop for a pass soon; it never blocks, so it may
// be called with the world lock held. A nil engine ignores it.
func (e *Engine) Kick() {
	if e == nil {
		return
	}
	select {
	case e.kickCh <- struct{}{}:
	default:
	}
}

// Close stops every goroutine and listener and waits for them.
func (e *Engine) Close() {
	e.applyMu.Lock()
	e.cancel()
	e.closeAll()
	if e.dns != nil {
		e.dns.close()
	}
	e.applyMu.Unlock()
	e.wg.Wait()
	e.proxy.closeIdle()
}

// Reset forgets every listener and behaviour, as after a world reset.
func (e *Engine) Reset() {
	e.applyMu.Lock()
	defer e.applyMu.Unlock()
	e.closeAll()
	e.mu.Lock()
	clear(e.behaviours)
	clear(e.ports)
	e.mu.Unlock()
	e.responses.reset()
	e.proxy.closeIdle()
	e.Kick()
}

func (e *Engine) closeAll() {
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

// View is what the runtime needs from the world, copied under the world's
// lock.
type View struct {
	Known     map[int]bool // every droplet in the world
	Running   map[int]Droplet
	Balancers map[string]*Balancer // active ones
	// KnownBalancers are every load balancer in the world, active or not:
	// the response log keeps theirs.
	KnownBalancers map[string]bool
	Firewall       *Firewall
	Zones          []Zone // the account's domains, for the DNS server
}

type Droplet struct {
	ID          int
	Name        string
	Image       string // slug, or the snapshot's name
	Region      string
	FailsHealth bool
	// ErrorPercent of the requests other than health checks are answered
	// with 500, spread evenly (a canary image's).
	ErrorPercent int
	PublicIP     string
	// Ports are served on PublicIP: 80 and every target and health check
	// port of the load balancers targeting the droplet, ascending.
	Ports []int
	// HealthPaths are the paths load balancers targeting the droplet check:
	// a FailsHealth droplet answers them with 500.
	HealthPaths []string
}

// Rule is a forwarding rule as served.
type Rule struct {
	EntryProtocol  string
	EntryPort      int
	TargetProtocol string
	TargetPort     int
	TLSPassthrough bool
}

// HealthCheck is how a load balancer checks its targets.
type HealthCheck struct {
	Protocol               string
	Port                   int
	Path                   string
	CheckIntervalSeconds   int
	ResponseTimeoutSeconds int
}

// Sticky pins clients to a droplet with a cookie (Type "cookies").
type Sticky struct {
	Type             string
	CookieName       string
	CookieTTLSeconds int
}

// Cert is what a TLS-terminating rule needs of a certificate: the PEMs of
// a custom one or of an issued Let's Encrypt one (signed by the sandbox's
// CA), else the names a pending one covers, served with a self-signed
// stand-in.
type Cert struct {
	ID       string
	Revision string // changes when the certificate does
	Leaf     string
	Chain    string
	Key      string
	DNSNames []string
}

// Balancer is one active load balancer as the runtime serves it.
type Balancer struct {
	ID          string
	Rules       []Rule
	Certs       map[int]*Cert // by rule index
	HealthCheck HealthCheck
	Algorithm   string
	Sticky      Sticky
	Redirect    bool
	Targets     []int
	Healthy     []int
	Seq         uint64
	PublicIP    string // "" for INTERNAL load balancers: their address is private
	Firewall    LBFirewall
	// ProxyProtocol sends a PROXY v1 header on every connection to a
	// target; Keepalive reuses connections to targets.
	ProxyProtocol bool
	Keepalive     bool
	IdleTimeout   time.Duration // clients' idle connections close after it (scaled)
	// TLSCipherPolicy is DEFAULT or STRONG, for TLS-terminating rules.
	TLSCipherPolicy string
}

// reconcile opens what the world runs and closes what it no longer does.
func (e *Engine) reconcile() {
	e.applyMu.Lock()
	defer e.applyMu.Unlock()
	if e.ctx.Err() != nil {
		return
	}
	v := e.world.Snapshot()
	e.fw.Store(v.Firewall)
	e.dns.setZones(v.Zones)
	e.responses.forget(v)

	e.mu.Lock()
	stop := e.syncDroplets(v)
	stopLBs, startLBs := e.syncBalancers(v)
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
		rt.update(v.Balancers[rt.id])
	}
	for _, rt := range startLBs {
		rt.start()
	}
}

// syncDroplets forgets droplets the world no longer has, opens servers for
// running ones and returns those to stop. Callers hold mu.
func (e *Engine) syncDroplets(v View) (stop []*dropletServer) {
	for id := range e.behaviours {
		if !v.Known[id] {
			delete(e.behaviours, id)
		}
	}
	for id := range e.ports {
		if !v.Known[id] {
			delete(e.ports, id)
		}
	}
	for id, d := range e.droplets {
		if _, ok := v.Running[id]; !ok || e.behaviours[id].Kind == BehaviourDead {
			stop = append(stop, d)
			delete(e.droplets, id)
		}
	}
	for id, info := range v.Running {
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
	return stop
}

// syncBalancers returns the load balancer runtimes to stop and the new
// ones to start. Callers hold mu.
func (e *Engine) syncBalancers(v View) (stop, start []*lbRuntime) {
	for id, rt := range e.lbs {
		if v.Balancers[id] == nil {
			stop = append(stop, rt)
			delete(e.lbs, id)
		}
	}
	for id, spec := range v.Balancers {
		if e.lbs[id] == nil {
			rt := newLBRuntime(e, spec)
			e.lbs[id] = rt
			start = append(start, rt)
		}
	}
	return stop, start
}

// behaviourOf is a droplet's behaviour; healthy unless set. Callers hold mu.
func (e *Engine) behaviourOf(id int) Behaviour {
	if b, ok := e.behaviours[id]; ok {
		return b
	}
	return Behaviour{Kind: BehaviourHealthy}
}

// dropletAddress is where a load balancer reaches a droplet's port: its
// public address when bound there, else its local port; "" when closed.
func (e *Engine) dropletAddress(id, port int) string {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if d := e.droplets[id]; d != nil {
		return d.addressFor(port)
	}
	return ""
}

// DropletServer describes a droplet's emulated web server.
type DropletServer struct {
	// Address is the droplet's 127.0.0.1 port: it answers for every port.
	Address string
	// PublicIP is the droplet's public IPv4; PublicPorts are the ports
	// served there (80, and what load balancers target).
	PublicIP    string
	PublicPorts []int
	Behaviour   Behaviour
}

// DropletServer reports a droplet's emulated web server; an error when it
// has no listener (not running, dead or unknown).
func (e *Engine) DropletServer(id int) (DropletServer, error) {
	e.reconcile()
	e.mu.RLock()
	defer e.mu.RUnlock()
	d := e.droplets[id]
	if d == nil {
		if b, ok := e.behaviours[id]; ok && b.Kind == BehaviourDead {
			return DropletServer{}, fmt.Errorf("droplet %d is dead: its web server refuses connections", id)
		}
		return DropletServer{}, fmt.Errorf("droplet %d has no web server: it does not exist or is not running", id)
	}
	return DropletServer{Address: d.addr, PublicIP: d.info.Load().PublicIP, PublicPorts: d.publicPorts(), Behaviour: e.behaviourOf(id)}, nil
}

// SetBehaviour changes how a droplet's web server answers. It holds until
// changed again or the droplet is destroyed; dead closes the listener, and
// a later behaviour reopens it on the same port when free.
func (e *Engine) SetBehaviour(id int, b Behaviour) error {
	if err := b.validate(); err != nil {
		return err
	}
	if !e.world.Snapshot().Known[id] {
		return &NotFoundError{fmt.Sprintf("droplet %d not found", id)}
	}
	e.mu.Lock()
	e.behaviours[id] = b
	e.mu.Unlock()
	e.reconcile()
	return nil
}

// Listeners lists where an active load balancer serves its forwarding
// rules, in rule order. udp and http3 rules are not served.
func (e *Engine) Listeners(id string) ([]Listener, error) {
	e.reconcile()
	rt := e.runtime(id)
	if rt == nil {
		return nil, fmt.Errorf("load balancer %s has no listeners: it does not exist or is not active yet", id)
	}
	out := rt.listeners()
	if len(out) == 0 {
		return nil, fmt.Errorf("load balancer %s has no listeners: none of its forwarding rules can be served locally", id)
	}
	return out, nil
}

func (e *Engine) runtime(id string) *lbRuntime {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.lbs[id]
}

// Sent is how many requests and connections a load balancer has sent to a
// droplet; InFlight how many are open now.
func (e *Engine) Sent(lbID string, droplet int) int { return e.count(lbID, droplet, false) }

// InFlight is how many of a load balancer's requests to a droplet are open.
func (e *Engine) InFlight(lbID string, droplet int) int { return e.count(lbID, droplet, true) }

func (e *Engine) count(lbID string, droplet int, open bool) int {
	rt := e.runtime(lbID)
	if rt == nil {
		return 0
	}
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if open {
		return rt.inflight[droplet]
	}
	return rt.sent[droplet]
}

// Runtimes counts the droplet servers and load balancer runtimes open.
func (e *Engine) Runtimes() (droplets, balancers int) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return len(e.droplets), len(e.lbs)
}

// firewallAllows decides a load balancer's connection to a droplet's port.
func (e *Engine) firewallAllows(droplet, port int, lb string, lbIP string) bool {
	src := connSource{lb: lb}
	src.addr, _ = netip.ParseAddr(lbIP)
	return e.fw.Load().allows(droplet, port, src)
}

func scale(d time.Duration, factor float64) time.Duration {
	return time.Duration(float64(d) * factor)
}
