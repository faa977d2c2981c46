package traffic

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"html"
	"io"
	"log"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// dropletServer is a running droplet's web server, as a cloud-init nginx
// would serve it: a page naming the droplet on every path, 200 on health
// check paths. It speaks plain HTTP and, on the same port, HTTPS with a
// self-signed certificate, so https targets and TLS passthrough work.
type dropletServer struct {
	id   int
	addr string // the local listener's
	tls  *tls.Config
	srv  *http.Server
	done chan struct{} // closed on close: slow answers stop waiting

	// public holds the listeners on the droplet's public address by port;
	// publicIP is the address they are bound to. Guarded by the engine's mu.
	public   map[int]net.Listener
	publicIP string

	info      atomic.Pointer[Droplet]
	behaviour atomic.Pointer[Behaviour]
	requests  atomic.Uint64 // requests other than health checks, for ErrorPercent
	closeOnce sync.Once
}

// openDroplet starts a droplet's web server on its local port (port when
// it is free); bindPublic adds its public address. Callers hold e.mu.
func (e *Engine) openDroplet(info Droplet, port int) (*dropletServer, error) {
	cert, err := e.tls.dropletCertificate()
	if err != nil {
		return nil, err
	}
	ln, err := listenLocal(port)
	if err != nil {
		return nil, err
	}
	d := &dropletServer{
		id: info.ID, addr: ln.Addr().String(), done: make(chan struct{}), public: map[int]net.Listener{},
		tls: &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"http/1.1"}},
	}
	d.info.Store(&info)
	d.behaviour.Store(&Behaviour{Kind: BehaviourHealthy})
	d.srv = &http.Server{
		Handler:           d,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       time.Minute,
		ErrorLog:          log.New(io.Discard, "", 0),
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			return context.WithValue(ctx, connKey{}, c)
		},
	}
	d.serve(e, ln, 80) // the local port stands for the app's port 80
	return d, nil
}

// serve answers on one more listener; port is what the droplet's cloud
// firewall sees connections to it arrive on.
func (d *dropletServer) serve(e *Engine, ln net.Listener, port int) {
	admit := func(c net.Conn) bool {
		if _, ok := e.conns.from(c); ok {
			return true // a load balancer's: checked when it dialled
		}
		return e.fw.Load().allows(d.id, port, connSource{addr: remoteIP(c)})
	}
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		_ = d.srv.Serve(&sniffListener{Listener: ln, tls: d.tls, admit: admit})
	}()
}

// bindPublic serves the droplet's public ports on its public address and
// stops serving the ones no longer wanted. Callers hold e.mu.
func (d *dropletServer) bindPublic(e *Engine, info Droplet) {
	if info.PublicIP != d.publicIP {
		for port, ln := range d.public {
			_ = ln.Close()
			delete(d.public, port)
		}
		d.publicIP = info.PublicIP
	}
	for port, ln := range d.public {
		if !slices.Contains(info.Ports, port) {
			_ = ln.Close()
			delete(d.public, port)
		}
	}
	for _, port := range info.Ports {
		if d.public[port] != nil {
			continue
		}
		if ln := e.bind.listen(info.PublicIP, port); ln != nil {
			d.public[port] = ln
			d.serve(e, ln, port)
		}
	}
}

// addressFor is where the droplet serves port. Callers hold e.mu.
func (d *dropletServer) addressFor(port int) string {
	if ln := d.public[port]; ln != nil {
		return ln.Addr().String()
	}
	return d.addr
}

// publicPorts are the ports served on the public address, ascending.
// Callers hold e.mu (read).
func (d *dropletServer) publicPorts() []int {
	ports := make([]int, 0, len(d.public))
	for p := range d.public {
		ports = append(ports, p)
	}
	slices.Sort(ports)
	return ports
}

func (d *dropletServer) port() int { return portOf(d.addr) }

func (d *dropletServer) set(info Droplet, b Behaviour) {
	d.info.Store(&info)
	d.behaviour.Store(&b)
}

// close refuses new connections and drops open ones, as a crash would.
func (d *dropletServer) close() {
	d.closeOnce.Do(func() {
		close(d.done)
		_ = d.srv.Close()
	})
}

func (d *dropletServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	info, b := d.info.Load(), d.behaviour.Load()
	h := w.Header()
	h.Set("Server", "nginx")
	h.Set("X-Droplet-Id", strconv.Itoa(info.ID))
	h.Set("X-Droplet-Name", info.Name)
	h.Set("X-Client-Address", clientAddress(r))
	if b.Kind == BehaviourSlow {
		t := time.NewTimer(b.Latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		case <-d.done:
			t.Stop()
			return
		}
	}
	healthPath := slices.Contains(info.HealthPaths, r.URL.Path)
	switch {
	case b.Kind == BehaviourFailing || healthPath && info.FailsHealth || !healthPath && d.canaryFails(info.ErrorPercent):
		h.Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprintf(w, "<html><head><title>500 Internal Server Error</title></head>\n<body><h1>500 Internal Server Error</h1><p>%s</p></body></html>\n", html.EscapeString(info.Name))
	case healthPath && r.URL.Path != "/":
		h.Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "OK")
	default:
		h.Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, "<!DOCTYPE html>\n<html><head><title>%[1]s</title></head>\n<body><h1>%[1]s</h1>\n<p>Droplet %[2]d (%[1]s) running %[3]s in %[4]s.</p></body></html>\n",
			html.EscapeString(info.Name), info.ID, html.EscapeString(info.Image), html.EscapeString(info.Region))
	}
}

// canaryFails decides whether this request is one of the pct in 100 a
// canary answers with 500: request k (from 0) fails when it takes
// floor(k x pct / 100) up a step, so the failures spread evenly and any
// run of 100 requests holds exactly pct of them.
func (d *dropletServer) canaryFails(pct int) bool {
	if pct <= 0 {
		return false
	}
	k := d.requests.Add(1) - 1
	p := uint64(pct)
	return (k+1)*p/100 > k*p/100
}

// clientAddress is the client the app sees: the one a PROXY header named,
// else the connection's peer (a load balancer's, when proxied).
func clientAddress(r *http.Request) string {
	if c, ok := r.Context().Value(connKey{}).(*sniffConn); ok && c.client != "" {
		return c.client
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

type connKey struct{}

// sniffListener hands out connections that turn into TLS when the client's
// first byte opens a TLS handshake, after a PROXY header if one comes.
type sniffListener struct {
	net.Listener
	tls   *tls.Config
	admit func(net.Conn) bool // the droplet's cloud firewall
}

func (l *sniffListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &sniffConn{Conn: c, tls: l.tls, admit: l.admit}, nil
}

// sniffConn decides on its first read, in the connection's own goroutine,
// so a silent client never blocks Accept. The firewall decides there too:
// by then a load balancer's connection is known for one (it sends only
// after its dial has returned and been remembered).
type sniffConn struct {
	net.Conn
	tls    *tls.Config
	admit  func(net.Conn) bool
	once   sync.Once
	c      net.Conn
	client string // from a PROXY v1 header
}

func (s *sniffConn) resolve() net.Conn {
	s.once.Do(func() {
		br := bufio.NewReader(s.Conn)
		first, err := br.Peek(1)
		pc := &peekedConn{Conn: s.Conn, r: br}
		s.c = pc
		if err != nil {
			return
		}
		if s.admit != nil && !s.admit(s.Conn) {
			_ = s.Conn.Close() // the firewall drops it
			return
		}
		if head, _ := br.Peek(6); string(head) == "PROXY " {
			s.client = readProxyHeader(br)
			first, err = br.Peek(1)
			if err != nil {
				return
			}
		}
		if first[0] == 0x16 { // TLS handshake record
			s.c = tls.Server(pc, s.tls)
		}
	})
	return s.c
}

// readProxyHeader consumes a PROXY v1 line and returns the client address
// it names ("" for UNKNOWN or a malformed line).
func readProxyHeader(br *bufio.Reader) string {
	line, err := br.ReadString('\n')
	if err != nil || len(line) > 107 { // the protocol's longest line
		return ""
	}
	f := strings.Fields(line)
	if len(f) != 6 || (f[1] != "TCP4" && f[1] != "TCP6") {
		return ""
	}
	return f[2]
}

func (s *sniffConn) Read(p []byte) (int, error)  { return s.resolve().Read(p) }
func (s *sniffConn) Write(p []byte) (int, error) { return s.resolve().Write(p) }

type peekedConn struct {
	net.Conn
	r *bufio.Reader
}

func (p *peekedConn) Read(b []byte) (int, error) { return p.r.Read(b) }
