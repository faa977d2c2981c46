package sandbox

import (
	"errors"
	"slices"
	"strconv"
	"time"

	"github.com/scalable-tf/terraform-provider-scalable/internal/sandbox/traffic"
)

// Traffic emulation (Options.Traffic) is the data plane in package traffic:
// it sees the world through trafficWorld, a copy taken under the world's
// lock, and reports what its health checks saw through one callback.

// Droplet web server behaviours (traffic.Behaviour).
type Behaviour = traffic.Behaviour

// The behaviours SetDropletBehaviour accepts.
const (
	BehaviourHealthy = traffic.BehaviourHealthy
	BehaviourFailing = traffic.BehaviourFailing
	BehaviourSlow    = traffic.BehaviourSlow
	BehaviourDead    = traffic.BehaviourDead
)

// DropletBehaviours are the behaviours SetDropletBehaviour accepts.
var DropletBehaviours = traffic.DropletBehaviours

// MaxDropletLatency bounds a slow droplet's added latency.
const MaxDropletLatency = traffic.MaxDropletLatency

// Listener is one load balancer forwarding rule as served.
type Listener = traffic.Listener

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
type notFoundError = traffic.NotFoundError

func (s *Server) startTraffic() error {
	s.traffic = traffic.New(trafficWorld{s}, traffic.Options{
		TimeScale: s.factor, LocalPortsOnly: s.opts.LocalPortsOnly || !s.bindable, Notice: s.notice, DNSListen: s.opts.DNSListen,
		Now: s.clock.Now,
	})
	if err := s.traffic.ListenDNS(); err != nil {
		s.traffic.Close()
		s.traffic = nil
		return err
	}
	s.traffic.Start()
	return nil
}

// trafficWorld is the world as the data plane sees it.
type trafficWorld struct{ s *Server }

// Snapshot settles the world and copies what the data plane serves.
func (t trafficWorld) Snapshot() traffic.View {
	s := t.s
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settle(s.clock.Now())
	w := s.world
	v := traffic.View{Known: map[int]bool{}, Running: map[int]traffic.Droplet{}, Balancers: map[string]*traffic.Balancer{},
		KnownBalancers: map[string]bool{}, Firewall: w.trafficFirewall(), Zones: w.trafficZones()}
	for id, d := range w.Droplets {
		v.Known[id] = true
		if d.Status == "active" && !d.Killed {
			v.Running[id] = traffic.Droplet{ID: id, Name: d.Name, Image: w.imageLabel(d.ImageID), Region: d.Region, FailsHealth: d.FailsHealth,
				ErrorPercent: d.ErrorPercent, PublicIP: d.PublicIPv4, Ports: []int{80}}
		}
	}
	s.healthSeq++
	for id, lb := range w.LoadBalancers {
		v.KnownBalancers[id] = true
		if lb.Status != "active" {
			continue
		}
		b := w.trafficBalancer(lb, s.factor)
		b.Seq = s.healthSeq
		for _, d := range w.targetsOf(lb) {
			b.Targets = append(b.Targets, d.ID)
			if info, ok := v.Running[d.ID]; ok {
				v.Running[d.ID] = targetedBy(info, lb)
			}
		}
		v.Balancers[id] = b
	}
	return v
}

// RecordHealth records one round of real health checks of an active load
// balancer and answers the targets now in rotation.
func (t trafficWorld) RecordHealth(lbID string, results map[int]bool) ([]int, uint64, bool) {
	s := t.s
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	s.settle(now)
	lb := s.world.LoadBalancers[lbID]
	if lb == nil || lb.Status != "active" {
		return nil, 0, false
	}
	changed := false
	for id, passing := range results {
		if rec := lb.Targets[id]; rec != nil && rec.recordCheck(passing, now, lb.HealthCheck) {
			changed = true
		}
	}
	if changed {
		_ = s.persistLocked()
	}
	s.healthSeq++
	return healthyTargets(s.world, lb), s.healthSeq, true
}

// trafficBalancer is an active load balancer as the data plane serves it.
func (w *World) trafficBalancer(lb *LoadBalancer, factor float64) *traffic.Balancer {
	b := &traffic.Balancer{
		ID: lb.ID, Certs: map[int]*traffic.Cert{}, Algorithm: lb.Algorithm, Redirect: lb.RedirectHTTPToHTTPS,
		Healthy: healthyTargets(w, lb), Firewall: traffic.NewLBFirewall(lb.Firewall.Allow, lb.Firewall.Deny),
		ProxyProtocol: lb.EnableProxyProtocol, Keepalive: lb.EnableBackendKeepalive, TLSCipherPolicy: lb.TLSCipherPolicy,
		IdleTimeout: max(scale(time.Duration(lb.HTTPIdleTimeoutSeconds)*time.Second, factor), time.Millisecond),
		HealthCheck: traffic.HealthCheck{Protocol: lb.HealthCheck.Protocol, Port: lb.HealthCheck.Port, Path: lb.HealthCheck.Path,
			CheckIntervalSeconds: lb.HealthCheck.CheckIntervalSeconds, ResponseTimeoutSeconds: lb.HealthCheck.ResponseTimeoutSeconds},
		Sticky: traffic.Sticky{Type: lb.StickySessions.Type, CookieName: lb.StickySessions.CookieName, CookieTTLSeconds: lb.StickySessions.CookieTTLSeconds},
	}
	if lb.Network != "INTERNAL" {
		b.PublicIP = lb.IP
	}
	for i, r := range lb.ForwardingRules {
		b.Rules = append(b.Rules, traffic.Rule{EntryProtocol: r.EntryProtocol, EntryPort: r.EntryPort,
			TargetProtocol: r.TargetProtocol, TargetPort: r.TargetPort, TLSPassthrough: r.TLSPassthrough})
		if c := w.ruleCertificate(r); c != nil {
			b.Certs[i] = &traffic.Cert{ID: c.ID, Revision: c.ID + "/" + c.SHA1Fingerprint,
				Leaf: c.LeafCertificate, Chain: c.CertificateChain, Key: c.PrivateKey, DNSNames: slices.Clone(c.DNSNames)}
		}
	}
	return b
}

// targetedBy adds what a load balancer targeting the droplet checks and
// connects to: its health check path and its target and health ports.
func targetedBy(info traffic.Droplet, lb *LoadBalancer) traffic.Droplet {
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

// trafficFirewall resolves the world's cloud firewalls for the data plane.
func (w *World) trafficFirewall() *traffic.Firewall {
	v := traffic.NewFirewall()
	for id, d := range w.Droplets {
		v.AddDroplet(id, d.Tags, d.PublicIPv4, d.PrivateIPv4, d.PublicIPv6)
	}
	for id, lb := range w.LoadBalancers {
		v.AddLoadBalancer(id, lb.IP)
	}
	for _, f := range w.Firewalls {
		rules := inboundRules(f)
		for id, d := range w.Droplets {
			if f.covers(d) {
				v.Cover(id, rules)
			}
		}
	}
	return v
}

// inboundRules are a firewall's inbound tcp rules, resolved; only TCP is
// emulated, so udp and icmp rules match nothing.
func inboundRules(f *Firewall) []traffic.InboundRule {
	var rules []traffic.InboundRule
	for _, r := range f.InboundRules {
		if r.Protocol == "tcp" {
			t := r.Targets
			rules = append(rules, traffic.NewInboundRule(r.action() == FirewallActionDeny, r.Ports, t.Addresses, t.DropletIDs, t.Tags, t.LoadBalancerUIDs))
		}
	}
	return rules
}

func (f *Firewall) covers(d *Droplet) bool {
	return slices.Contains(f.DropletIDs, d.ID) || slices.ContainsFunc(f.Tags, d.hasTag)
}

// firewallAdmitsLB reports whether d's cloud firewalls let lb's health
// checks reach it, for the health view without traffic emulation.
func (w *World) firewallAdmitsLB(d *Droplet, lb *LoadBalancer) bool {
	return w.dropletFirewall(d).AdmitsLoadBalancer(d.ID, lb.HealthCheck.Port, lb.ID, lb.IP)
}

// dropletFirewall is the firewall view of d alone: the inbound tcp rules of
// every firewall covering it, without resolving other droplets.
func (w *World) dropletFirewall(d *Droplet) *traffic.Firewall {
	v := traffic.NewFirewall()
	for _, f := range w.Firewalls {
		if f.covers(d) {
			v.Cover(d.ID, inboundRules(f))
		}
	}
	return v
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

// DropletHTTP reports a droplet's emulated web server; an error when it has
// no listener (not running, dead, unknown, or traffic off).
func (s *Server) DropletHTTP(id int) (DropletHTTP, error) {
	if s.traffic == nil {
		return DropletHTTP{}, errTrafficOff
	}
	d, err := s.traffic.DropletServer(id)
	if err != nil {
		return DropletHTTP{}, err
	}
	return DropletHTTP{DropletID: id, Address: d.Address, PublicIP: d.PublicIP, PublicPorts: d.PublicPorts,
		Behaviour: d.Behaviour.Kind, Latency: Duration(d.Behaviour.Latency)}, nil
}

// DropletHTTPAddress is the loopback address (host:port) a running
// droplet's web server listens on.
func (s *Server) DropletHTTPAddress(id int) (string, error) {
	h, err := s.DropletHTTP(id)
	return h.Address, err
}

// SetDropletBehaviour changes how a droplet's web server answers.
func (s *Server) SetDropletBehaviour(id int, b Behaviour) error {
	if s.traffic == nil {
		return errTrafficOff
	}
	return s.traffic.SetBehaviour(id, b)
}

// DNSAddress is where the DNS server for the account's domains listens
// (host:port, UDP and TCP): `dig @127.0.0.1 -p PORT www.example.com`.
func (s *Server) DNSAddress() (string, error) {
	if s.traffic == nil {
		return "", errTrafficOff
	}
	return s.traffic.DNSAddress(), nil
}

// LoadBalancerListeners lists where an active load balancer serves its
// forwarding rules, in rule order.
func (s *Server) LoadBalancerListeners(id string) ([]Listener, error) {
	if s.traffic == nil {
		return nil, errTrafficOff
	}
	return s.traffic.Listeners(id)
}
