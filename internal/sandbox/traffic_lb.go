package sandbox

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// maxProxyAttempts bounds the targets one request is offered to when
// connecting fails (a target that died before its health check noticed).
const maxProxyAttempts = 3

// The answers a load balancer gives on its own, as HAProxy words them.
const (
	noServerPage   = "<html><body><h1>503 Service Unavailable</h1>\nNo server is available to handle this request.\n</body></html>\n"
	badGatewayPage = "<html><body><h1>502 Bad Gateway</h1>\nThe server returned an invalid or incomplete response.\n</body></html>\n"
)

// lbRuntime is an active load balancer: its listeners, its health checker
// and the set of targets in rotation.
type lbRuntime struct {
	e      *trafficEngine
	id     string
	ctx    context.Context
	cancel context.CancelFunc
	spec   atomic.Pointer[lbSpec]
	retime chan struct{} // health check settings changed

	mu         sync.Mutex
	closed     bool
	healthy    []int // in rotation, ascending ids
	healthySeq uint64
	inflight   map[int]int // open requests or connections per droplet
	next       uint64      // round robin position
	sent       map[int]int // requests and connections sent per droplet
	rules      map[string]*ruleListener
	ports      map[string]int // a rule's last port, reused when it is reopened
}

// ruleListener serves one forwarding rule.
type ruleListener struct {
	rule LBForwardingRule
	sig  string // what the listener was opened for; a change reopens it
	addr string
	srv  *http.Server
	tcp  *tcpProxy
}

func newLBRuntime(e *trafficEngine, spec *lbSpec) *lbRuntime {
	ctx, cancel := context.WithCancel(e.ctx)
	rt := &lbRuntime{
		e: e, id: spec.ID, ctx: ctx, cancel: cancel, retime: make(chan struct{}, 1),
		inflight: map[int]int{}, sent: map[int]int{},
		rules: map[string]*ruleListener{}, ports: map[string]int{},
	}
	rt.update(spec)
	return rt
}

// start runs the health checker.
func (rt *lbRuntime) start() {
	rt.e.wg.Add(1)
	go rt.checkLoop()
}

// update applies the load balancer's latest settings.
func (rt *lbRuntime) update(spec *lbSpec) {
	if spec == nil {
		return
	}
	old := rt.spec.Swap(spec)
	rt.publish(spec.Healthy, spec.Seq)
	if old != nil && old.HealthCheck != spec.HealthCheck {
		select {
		case rt.retime <- struct{}{}:
		default:
		}
	}
	rt.syncRules(spec)
}

// publish puts a health view into rotation unless a later one already is.
func (rt *lbRuntime) publish(healthy []int, seq uint64) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if seq > rt.healthySeq {
		rt.healthy, rt.healthySeq = healthy, seq
	}
}

func (rt *lbRuntime) close() {
	rt.cancel()
	rt.mu.Lock()
	rt.closed = true
	rules := rt.rules
	rt.rules = map[string]*ruleListener{}
	rt.mu.Unlock()
	for _, l := range rules {
		l.close()
	}
}

func (l *ruleListener) close() {
	if l.srv != nil {
		_ = l.srv.Close()
	}
	if l.tcp != nil {
		l.tcp.close()
	}
}

// servedRule is how a rule is served locally: "" when it is not (udp and
// http3 need UDP).
func servedRule(r LBForwardingRule) string {
	switch {
	case r.TLSPassthrough:
		return "passthrough"
	case r.EntryProtocol == "tcp":
		return "tcp"
	case r.EntryProtocol == "http":
		return "http"
	case r.EntryProtocol == "https" || r.EntryProtocol == "http2":
		return "tls"
	}
	return ""
}

func ruleKey(r LBForwardingRule) string { return r.EntryProtocol + ":" + strconv.Itoa(r.EntryPort) }

// syncRules opens listeners for new rules, reopens changed ones (on their
// old port when free) and closes removed ones.
func (rt *lbRuntime) syncRules(spec *lbSpec) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.closed {
		return
	}
	want := map[string]bool{}
	for i, r := range spec.Rules {
		mode := servedRule(r)
		if mode == "" {
			continue
		}
		key := ruleKey(r)
		want[key] = true
		sig := fmt.Sprintf("%s %s:%d", mode, r.TargetProtocol, r.TargetPort)
		if c := spec.Certs[i]; c != nil {
			sig += " " + c.Revision
		}
		if l := rt.rules[key]; l != nil {
			if l.sig == sig {
				l.rule = r
				continue
			}
			l.close()
			delete(rt.rules, key)
		}
		l, err := rt.open(r, mode, spec.Certs[i], rt.ports[key])
		if err != nil {
			continue // the next reconcile tries again
		}
		l.sig = sig
		rt.rules[key] = l
		rt.ports[key] = portOf(l.addr)
	}
	for key, l := range rt.rules {
		if !want[key] {
			l.close()
			delete(rt.rules, key)
		}
	}
}

func (rt *lbRuntime) open(r LBForwardingRule, mode string, cert *certMaterial, port int) (*ruleListener, error) {
	ln, err := listenLoopback(port)
	if err != nil {
		return nil, err
	}
	l := &ruleListener{rule: r, addr: ln.Addr().String()}
	if mode == "tcp" || mode == "passthrough" {
		l.tcp = newTCPProxy(rt, ln)
		return l, nil
	}
	tlsEntry := mode == "tls"
	l.srv = &http.Server{
		Handler:           rt.httpHandler(r, tlsEntry),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       time.Minute,
		ErrorLog:          log.New(io.Discard, "", 0),
	}
	if tlsEntry {
		c, err := rt.e.tls.listenerCertificate(cert)
		if err != nil {
			ln.Close()
			return nil, err
		}
		protos := []string{"http/1.1"}
		if r.EntryProtocol == "http2" {
			protos = []string{"h2", "http/1.1"}
		}
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{c}, NextProtos: protos})
	}
	rt.e.wg.Add(1)
	go func() {
		defer rt.e.wg.Done()
		_ = l.srv.Serve(ln)
	}()
	return l, nil
}

// listeners are the served rules in the load balancer's rule order.
func (rt *lbRuntime) listeners() []Listener {
	spec := rt.spec.Load()
	rt.mu.Lock()
	defer rt.mu.Unlock()
	out := []Listener{}
	for _, r := range spec.Rules {
		if l := rt.rules[ruleKey(r)]; l != nil {
			out = append(out, Listener{
				EntryProtocol: r.EntryProtocol, EntryPort: r.EntryPort,
				TargetProtocol: r.TargetProtocol, TargetPort: r.TargetPort, Address: l.addr,
			})
		}
	}
	return out
}

// httpsAddress is the first TLS-terminating listener, for redirects.
func (rt *lbRuntime) httpsAddress() string {
	spec := rt.spec.Load()
	rt.mu.Lock()
	defer rt.mu.Unlock()
	for _, r := range spec.Rules {
		if l := rt.rules[ruleKey(r)]; l != nil && isTLSEntry(r.EntryProtocol) {
			return l.addr
		}
	}
	return ""
}

// pick orders the targets in rotation for one request or connection: the
// chosen one first (the pinned one when it is in rotation), the rest as
// fallbacks should connecting fail. It counts the chosen one as busy.
func (rt *lbRuntime) pick(pinned int) (order []int, pinnedOK bool) {
	algorithm := rt.spec.Load().Algorithm
	rt.mu.Lock()
	defer rt.mu.Unlock()
	n := len(rt.healthy)
	if n == 0 {
		return nil, false
	}
	start := int(rt.next % uint64(n))
	order = append(slices.Clone(rt.healthy[start:]), rt.healthy[:start]...)
	if i := slices.Index(order, pinned); pinned != 0 && i >= 0 {
		order = append([]int{pinned}, slices.Delete(order, i, i+1)...)
		pinnedOK = true
	} else {
		rt.next++
		if algorithm == "least_connections" {
			// Stable: among equally busy targets round robin decides.
			slices.SortStableFunc(order, func(a, b int) int { return rt.inflight[a] - rt.inflight[b] })
		}
	}
	rt.inflight[order[0]]++
	return order, pinnedOK
}

// moveBusy moves one open request from one droplet to another (0: none).
func (rt *lbRuntime) moveBusy(from, to int) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if from != 0 {
		if rt.inflight[from]--; rt.inflight[from] <= 0 {
			delete(rt.inflight, from)
		}
	}
	if to != 0 {
		rt.inflight[to]++
	}
}

func (rt *lbRuntime) countSent(id int) {
	rt.mu.Lock()
	rt.sent[id]++
	rt.mu.Unlock()
}

// attempt is one proxied request: whom it may go to and who served it.
type attempt struct {
	candidates []int
	pinned     int // the sticky cookie's droplet, when still in rotation
	busy       int // the droplet counted as busy with it
	served     int
}

type attemptKey struct{}

var errNoServer = errors.New("no server is available to handle this request")

func (rt *lbRuntime) httpHandler(rule LBForwardingRule, tlsEntry bool) http.Handler {
	scheme := "http"
	if rule.TargetProtocol == "https" || rule.TargetProtocol == "http2" {
		scheme = "https"
	}
	proxy := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.Out.URL.Scheme, pr.Out.URL.Host = scheme, "droplet" // the transport picks the host
			pr.SetXForwarded()
			pr.Out.Host = pr.In.Host
			pr.Out.Header.Set("X-Forwarded-Port", strconv.Itoa(rule.EntryPort))
		},
		Transport: &lbTransport{rt: rt, base: rt.e.proxy.transport(scheme)},
		ModifyResponse: func(resp *http.Response) error {
			a := resp.Request.Context().Value(attemptKey{}).(*attempt)
			ss := rt.spec.Load().Sticky
			if ss.Type == "cookies" && a.served != a.pinned {
				resp.Header.Add("Set-Cookie", (&http.Cookie{
					Name: ss.CookieName, Value: strconv.Itoa(a.served), Path: "/", MaxAge: ss.CookieTTLSeconds,
				}).String())
			}
			return nil
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			switch {
			case errors.Is(err, errNoServer):
				writePage(w, http.StatusServiceUnavailable, noServerPage)
			case r.Context().Err() != nil: // the client left
			default:
				writePage(w, http.StatusBadGateway, badGatewayPage)
			}
		},
		ErrorLog: log.New(io.Discard, "", 0),
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		spec := rt.spec.Load()
		if spec.Redirect && !tlsEntry {
			if addr := rt.httpsAddress(); addr != "" {
				host, _, err := net.SplitHostPort(r.Host)
				if err != nil {
					host = r.Host
				}
				http.Redirect(w, r, "https://"+net.JoinHostPort(host, strconv.Itoa(portOf(addr)))+r.URL.RequestURI(), http.StatusMovedPermanently)
				return
			}
		}
		pinned := 0
		if spec.Sticky.Type == "cookies" {
			if c, err := r.Cookie(spec.Sticky.CookieName); err == nil {
				pinned, _ = strconv.Atoi(c.Value)
			}
		}
		order, pinnedOK := rt.pick(pinned)
		if len(order) == 0 {
			writePage(w, http.StatusServiceUnavailable, noServerPage)
			return
		}
		a := &attempt{candidates: order, busy: order[0]}
		if pinnedOK {
			a.pinned = pinned
		}
		defer func() { rt.moveBusy(a.busy, 0) }()
		proxy.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), attemptKey{}, a)))
	})
}

func writePage(w http.ResponseWriter, status int, page string) {
	w.Header().Set("Content-Type", "text/html")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, page)
}

// lbTransport sends a request to the first candidate that accepts the
// connection. Only requests without a body are offered to a second one:
// nothing of them has reached a droplet when connecting fails.
type lbTransport struct {
	rt   *lbRuntime
	base http.RoundTripper
}

func (t *lbTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	a := req.Context().Value(attemptKey{}).(*attempt)
	retryable := req.Body == nil || req.Body == http.NoBody
	lastErr := errNoServer
	for i, id := range a.candidates {
		if i >= maxProxyAttempts || i > 0 && !retryable {
			break
		}
		if a.busy != id {
			t.rt.moveBusy(a.busy, id)
			a.busy = id
		}
		addr := t.rt.e.dropletAddress(id)
		if addr == "" {
			continue // dead: refused
		}
		t.rt.countSent(id)
		out := req.Clone(req.Context())
		out.URL.Host = addr
		resp, err := t.base.RoundTrip(out)
		if err == nil {
			a.served = id
			return resp, nil
		}
		var op *net.OpError
		if !errors.As(err, &op) || op.Op != "dial" {
			return nil, err
		}
		lastErr = fmt.Errorf("%w: %v", errNoServer, err)
	}
	return nil, lastErr
}

// tcpProxy forwards connections to a target in rotation, byte for byte.
type tcpProxy struct {
	rt    *lbRuntime
	ln    net.Listener
	mu    sync.Mutex
	done  bool
	conns map[net.Conn]struct{}
}

func newTCPProxy(rt *lbRuntime, ln net.Listener) *tcpProxy {
	p := &tcpProxy{rt: rt, ln: ln, conns: map[net.Conn]struct{}{}}
	rt.e.wg.Add(1)
	go p.serve()
	return p
}

func (p *tcpProxy) serve() {
	defer p.rt.e.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		if !p.track(c) {
			c.Close()
			return
		}
		p.rt.e.wg.Add(1)
		go p.handle(c)
	}
}

// track registers a connection so close can drop it; false once closed.
func (p *tcpProxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done {
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *tcpProxy) untrack(c net.Conn) {
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
	c.Close()
}

func (p *tcpProxy) handle(c net.Conn) {
	defer p.rt.e.wg.Done()
	defer p.untrack(c)
	order, _ := p.rt.pick(0)
	if len(order) == 0 {
		return
	}
	busy := order[0]
	defer func() { p.rt.moveBusy(busy, 0) }()
	var up net.Conn
	for i, id := range order {
		if i >= maxProxyAttempts {
			break
		}
		if busy != id {
			p.rt.moveBusy(busy, id)
			busy = id
		}
		addr := p.rt.e.dropletAddress(id)
		if addr == "" {
			continue
		}
		p.rt.countSent(id)
		d := net.Dialer{Timeout: 5 * time.Second}
		if conn, err := d.DialContext(p.rt.ctx, "tcp", addr); err == nil {
			up = conn
			break
		}
	}
	if up == nil || !p.track(up) {
		if up != nil {
			up.Close()
		}
		return
	}
	defer p.untrack(up)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = io.Copy(up, c)
		if tc, ok := up.(*net.TCPConn); ok {
			_ = tc.CloseWrite()
		}
	}()
	_, _ = io.Copy(c, up)
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.CloseWrite()
	}
	// The target is done; a client that keeps its side open is cut off.
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	<-done
}

func (p *tcpProxy) close() {
	p.mu.Lock()
	p.done = true
	conns := p.conns
	p.conns = map[net.Conn]struct{}{}
	p.mu.Unlock()
	p.ln.Close()
	for c := range conns {
		c.Close()
	}
}
