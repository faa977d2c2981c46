package traffic

import (
	"cmp"
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
	"strings"
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
	e      *Engine
	id     string
	ctx    context.Context
	cancel context.CancelFunc
	spec   atomic.Pointer[Balancer]
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

// ruleListener serves one forwarding rule, on a local port and, when it
// can be bound, on the load balancer's ip and the rule's entry port.
type ruleListener struct {
	rule   Rule
	sig    string // what the listener was opened for; a change reopens it
	addr   string // the local listener's
	public string // the public listener's, "" when not bound
	srv    *http.Server
	tcp    *tcpProxy
	wrap   func(net.Listener) net.Listener // TLS termination, or nil
}

func newLBRuntime(e *Engine, spec *Balancer) *lbRuntime {
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
func (rt *lbRuntime) update(spec *Balancer) {
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
func servedRule(r Rule) string {
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

func ruleKey(r Rule) string { return r.EntryProtocol + ":" + strconv.Itoa(r.EntryPort) }

// syncRules closes removed rules, opens listeners for new ones and
// reopens changed ones (on their old port when free), in that order so a
// port a removed rule held is free for its successor.
func (rt *lbRuntime) syncRules(spec *Balancer) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.closed {
		return
	}
	want := map[string]string{} // rule key -> signature
	for i, r := range spec.Rules {
		if mode := servedRule(r); mode != "" {
			want[ruleKey(r)] = ruleSignature(spec, r, mode, spec.Certs[i])
		}
	}
	for key, l := range rt.rules {
		if want[key] != l.sig {
			l.close()
			delete(rt.rules, key)
		}
	}
	for i, r := range spec.Rules {
		key := ruleKey(r)
		sig, ok := want[key]
		if !ok {
			continue
		}
		if l := rt.rules[key]; l != nil {
			l.rule = r
			l.bindPublic(rt, spec.PublicIP) // retried while it fails
			continue
		}
		l, err := rt.open(spec, r, servedRule(r), spec.Certs[i], rt.ports[key])
		if err != nil {
			continue // the next reconcile tries again
		}
		l.sig = sig
		l.bindPublic(rt, spec.PublicIP)
		rt.rules[key] = l
		rt.ports[key] = portOf(l.addr)
	}
}

// ruleSignature is what a rule's listener is opened with: a change reopens
// it (on the same port).
func ruleSignature(spec *Balancer, r Rule, mode string, cert *Cert) string {
	sig := fmt.Sprintf("%s %s:%d proxy=%v keepalive=%v idle=%v tls=%s", mode, r.TargetProtocol, r.TargetPort, spec.ProxyProtocol, spec.Keepalive, spec.IdleTimeout, spec.TLSCipherPolicy)
	if cert != nil {
		sig += " " + cert.Revision
	}
	return sig
}

// open serves a rule on a local port.
func (rt *lbRuntime) open(spec *Balancer, r Rule, mode string, cert *Cert, port int) (*ruleListener, error) {
	ln, err := listenLocal(port)
	if err != nil {
		return nil, err
	}
	l := &ruleListener{rule: r, addr: ln.Addr().String()}
	switch mode {
	case "tcp", "passthrough":
		l.tcp = newTCPProxy(rt, r.TargetPort, spec.ProxyProtocol)
	default:
		tlsEntry := mode == "tls"
		l.srv = &http.Server{
			Handler:           rt.httpHandler(spec, r, tlsEntry),
			ReadHeaderTimeout: 10 * time.Second,
			IdleTimeout:       spec.IdleTimeout, // http_idle_timeout_seconds, scaled
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
			cfg := listenerTLSConfig(spec.TLSCipherPolicy, c, protos)
			l.wrap = func(ln net.Listener) net.Listener { return tls.NewListener(ln, cfg) }
		}
	}
	l.serve(rt, ln)
	return l, nil
}

// serve accepts the rule's traffic on one more listener, from the clients
// the load balancer's firewall admits.
func (l *ruleListener) serve(rt *lbRuntime, ln net.Listener) {
	ln = &admitListener{Listener: ln, admit: rt.admitClient}
	if l.tcp != nil {
		l.tcp.add(ln)
		return
	}
	if l.wrap != nil {
		ln = l.wrap(ln)
	}
	rt.e.wg.Add(1)
	go func() {
		defer rt.e.wg.Done()
		_ = l.srv.Serve(ln)
	}()
}

// bindPublic serves the rule on ip:entry_port too, once it can be bound.
func (l *ruleListener) bindPublic(rt *lbRuntime, ip string) {
	if l.public != "" || ip == "" {
		return
	}
	if ln := rt.e.bind.listen(ip, l.rule.EntryPort); ln != nil {
		l.public = ln.Addr().String()
		l.serve(rt, ln)
	}
}

// admitClient applies the load balancer's firewall to a client.
func (rt *lbRuntime) admitClient(c net.Conn) bool {
	return rt.spec.Load().Firewall.admits(remoteIP(c))
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
				TargetProtocol: r.TargetProtocol, TargetPort: r.TargetPort,
				Address: cmp.Or(l.public, l.addr), LocalAddress: l.addr, PublicAddress: l.public,
			})
		}
	}
	return out
}

// httpsAddress is where the first TLS-terminating rule serves, for
// redirects: its public address for a request that came in on a public
// one (when bound), else its local one.
func (rt *lbRuntime) httpsAddress(public bool) string {
	spec := rt.spec.Load()
	rt.mu.Lock()
	defer rt.mu.Unlock()
	for _, r := range spec.Rules {
		if l := rt.rules[ruleKey(r)]; l != nil && isTLSEntry(r.EntryProtocol) {
			if public && l.public != "" {
				return l.public
			}
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
	client     string // the client's address, for a PROXY header
	frontend   string // the load balancer's address the client reached
}

type attemptKey struct{}

var errNoServer = errors.New("no server is available to handle this request")

func (rt *lbRuntime) httpHandler(spec *Balancer, rule Rule, tlsEntry bool) http.Handler {
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
		Transport: &lbTransport{rt: rt, port: rule.TargetPort, proxyProtocol: spec.ProxyProtocol,
			base: rt.e.proxy.transport(scheme, spec.Keepalive && !spec.ProxyProtocol)},
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
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		w := &statusWriter{ResponseWriter: rw}
		defer func() { rt.e.responses.frontend(rt.id, w.status) }()
		spec := rt.spec.Load()
		if spec.Redirect && !tlsEntry {
			if target := rt.redirectTarget(r); target != "" {
				http.Redirect(w, r, target, http.StatusMovedPermanently)
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
		a := &attempt{candidates: order, busy: order[0], client: r.RemoteAddr}
		if local, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
			a.frontend = local.String()
		}
		if pinnedOK {
			a.pinned = pinned
		}
		defer func() { rt.moveBusy(a.busy, 0) }()
		proxy.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), attemptKey{}, a)))
	})
}

// redirectTarget is the HTTPS URL an http request is redirected to: the
// same host on the TLS rule's port (omitted when 443), "" without one.
func (rt *lbRuntime) redirectTarget(r *http.Request) string {
	local, _ := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	onPublic := local != nil && !strings.HasPrefix(local.String(), "127.0.0.1:")
	addr := rt.httpsAddress(onPublic)
	if addr == "" {
		return ""
	}
	host, _, err := net.SplitHostPort(r.Host)
	if err != nil {
		host = r.Host
	}
	if port := portOf(addr); port != 443 {
		host = net.JoinHostPort(host, strconv.Itoa(port))
	}
	return "https://" + host + r.URL.RequestURI()
}

// statusWriter remembers the status a load balancer answered a client
// with, for the response log; 0 when it answered nothing (the client left).
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 && code >= 200 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController (the proxy's flushes, upgrades)
// reach the connection's writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

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
	rt            *lbRuntime
	port          int // the rule's target port
	proxyProtocol bool
	base          http.RoundTripper
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
		addr := t.rt.e.dropletAddress(id, t.port)
		if addr == "" || !t.rt.allowedTo(id, t.port) {
			continue // dead, or its firewall drops us: no connection
		}
		t.rt.countSent(id)
		ctx := withLB(req.Context(), t.rt.id)
		if t.proxyProtocol {
			ctx = withProxyHeader(ctx, a.client, a.frontend)
		}
		out := req.Clone(ctx)
		out.URL.Host = addr
		resp, err := t.base.RoundTrip(out)
		if err == nil {
			a.served = id
			t.rt.e.responses.droplet(t.rt.id, id, resp.StatusCode)
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

// allowedTo reports whether the droplet's cloud firewall lets the load
// balancer reach its port.
func (rt *lbRuntime) allowedTo(droplet, port int) bool {
	return rt.e.firewallAllows(droplet, port, rt.id, rt.spec.Load().PublicIP)
}

// tcpProxy forwards connections to a target in rotation, byte for byte.
type tcpProxy struct {
	rt            *lbRuntime
	port          int // the rule's target port
	proxyProtocol bool
	mu            sync.Mutex
	done          bool
	lns           []net.Listener
	conns         map[net.Conn]struct{}
}

func newTCPProxy(rt *lbRuntime, port int, proxyProtocol bool) *tcpProxy {
	return &tcpProxy{rt: rt, port: port, proxyProtocol: proxyProtocol, conns: map[net.Conn]struct{}{}}
}

// add accepts connections on one more listener.
func (p *tcpProxy) add(ln net.Listener) {
	p.mu.Lock()
	if p.done {
		p.mu.Unlock()
		ln.Close()
		return
	}
	p.lns = append(p.lns, ln)
	p.mu.Unlock()
	p.rt.e.wg.Add(1)
	go p.serve(ln)
}

func (p *tcpProxy) serve(ln net.Listener) {
	defer p.rt.e.wg.Done()
	for {
		c, err := ln.Accept()
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
		addr := p.rt.e.dropletAddress(id, p.port)
		if addr == "" || !p.rt.allowedTo(id, p.port) {
			continue
		}
		p.rt.countSent(id)
		ctx := withLB(p.rt.ctx, p.rt.id)
		if p.proxyProtocol {
			ctx = withProxyHeader(ctx, c.RemoteAddr().String(), c.LocalAddr().String())
		}
		if conn, err := p.rt.e.proxy.dialTarget(ctx, addr); err == nil {
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
	conns, lns := p.conns, p.lns
	p.conns, p.lns = map[net.Conn]struct{}{}, nil
	p.mu.Unlock()
	for _, ln := range lns {
		ln.Close()
	}
	for c := range conns {
		c.Close()
	}
}

// isTLSEntry reports an entry protocol clients speak TLS to.
func isTLSEntry(protocol string) bool {
	return protocol == "https" || protocol == "http2" || protocol == "http3"
}
