// Package sandbox is a local twin of the DigitalOcean API v2: the parts a
// horizontally scaled web tier uses (droplets, actions, load balancers,
// monitoring, tags, catalog, ...) with DigitalOcean's shapes, status flows,
// errors and rate limits. Real clients (godo, doctl, Terraform providers)
// talk to it over HTTP on loopback. A control API under /_sandbox/ injects
// faults and reports request counts.
package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/scalable-tf/terraform-provider-scalable/internal/sandbox/console"
	"github.com/scalable-tf/terraform-provider-scalable/internal/sandbox/traffic"
)

// Options configure a Server. The zero value is a realistic sandbox: real
// time, DigitalOcean's default limits, no persistence.
type Options struct {
	// Token is the only bearer token accepted. Empty generates one.
	Token string
	// TimeScale multiplies every realistic delay (and the rate-limit
	// windows), so 0.01 boots a 45 s droplet in 450 ms. 0 means 1.
	TimeScale float64
	// StateFile, when set, persists the world after every change and loads
	// it at start.
	StateFile string
	// DropletLimit is the account's droplet limit (DigitalOcean's default 25).
	DropletLimit int
	// RateLimitPerMinute and RateLimitPerHour default to 250 and 5000.
	RateLimitPerMinute int
	RateLimitPerHour   int
	// Delays override the realistic durations before scaling.
	Delays Delays
	// Clock defaults to the wall clock.
	Clock Clock
	// Seed makes fault injection reproducible; 0 picks one.
	Seed uint64
	// Logger receives one line per request when set. Bodies are never
	// logged: they can hold user_data.
	Logger *log.Logger
	// CatalogFile, when set, replaces the built-in regions, sizes and
	// distribution images with a catalog saved from a DigitalOcean account
	// (see CatalogFileHelp). A file that does not check out is an error.
	CatalogFile string
	// Traffic makes running droplets serve HTTP and active load balancers
	// listen, health-check and balance for real, each on its own loopback
	// port (see traffic.go). Off, no port but the API's is opened.
	Traffic bool
	// LocalPortsOnly keeps traffic emulation off the handed-out public
	// addresses: everything serves on 127.0.0.1 ports only, as where the
	// sandbox cannot bind them (traffic_bind.go).
	LocalPortsOnly bool
	// Notices receives the few lines a user should see once (an address
	// that cannot be bound, say), also without Logger. Nil discards them.
	Notices *log.Logger
	// AllowRemote lets Start listen on a non-loopback address (0.0.0.0 in
	// a container). It needs a Token of its own of at least
	// MinRemoteTokenLength characters: whoever reaches the port holds the API.
	AllowRemote bool
	// DNSListen is the loopback address the DNS server for the account's
	// domains binds with traffic emulation, UDP and TCP on one port
	// (default 127.0.0.1:0, a free port; see DNSAddress).
	DNSListen string
}

// MinRemoteTokenLength is the shortest token AllowRemote accepts.
const MinRemoteTokenLength = 16

// Server is the sandbox: an http.Handler speaking the DigitalOcean API.
type Server struct {
	opts   Options
	token  string
	factor float64
	delays Delays
	clock  Clock
	logger *log.Logger

	api     *http.ServeMux
	control *http.ServeMux

	mu    sync.Mutex // guards world
	world *World

	limiter *rateLimiter
	faults  *faultSet
	counts  *requestCounts

	listener net.Listener
	httpSrv  *http.Server
	baseURL  string

	traffic   *traffic.Engine  // nil unless Options.Traffic
	console   *console.Console // /_sandbox/console (console.go)
	healthSeq uint64           // orders health views given to traffic; guarded by mu

	// block is the 127.B.0.0/16 the world's public addresses come from;
	// bindable is false where only 127.0.0.1 exists on loopback.
	block    *addressBlock
	bindable bool
}

// New builds a server, loading opts.StateFile when it exists. A state file
// that cannot be read is an error: the sandbox never silently starts empty
// over a world someone saved.
func New(opts Options) (*Server, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	seed := opts.Seed
	if seed == 0 {
		seed = rand.Uint64()
	}
	s := &Server{
		opts:    opts,
		token:   opts.Token,
		factor:  opts.TimeScale,
		delays:  opts.Delays.withDefaults(),
		clock:   opts.Clock,
		logger:  opts.Logger,
		api:     http.NewServeMux(),
		control: http.NewServeMux(),
		limiter: newRateLimiter(opts.RateLimitPerMinute, opts.RateLimitPerHour,
			scale(time.Minute, opts.TimeScale), scale(time.Hour, opts.TimeScale)),
		faults: newFaultSet(seed),
		counts: newRequestCounts(),
	}
	if err := s.openWorld(); err != nil {
		return nil, err
	}
	s.routes()
	s.controlRoutes()
	s.console = s.newConsole()
	if opts.Traffic {
		if err := s.startTraffic(); err != nil {
			s.block.release()
			return nil, fmt.Errorf("sandbox: %w", err)
		}
	}
	return s, nil
}

// withDefaults fills in what the zero Options leave out.
func (opts Options) withDefaults() (Options, error) {
	if opts.TimeScale == 0 {
		opts.TimeScale = 1
	}
	if opts.TimeScale < 0 {
		return opts, fmt.Errorf("time scale must be positive, got %v", opts.TimeScale)
	}
	if opts.DropletLimit == 0 {
		opts.DropletLimit = 25
	}
	if opts.RateLimitPerMinute == 0 {
		opts.RateLimitPerMinute = 250
	}
	if opts.RateLimitPerHour == 0 {
		opts.RateLimitPerHour = 5000
	}
	if opts.Clock == nil {
		opts.Clock = wallClock{}
	}
	if opts.AllowRemote && len(strings.TrimSpace(opts.Token)) < MinRemoteTokenLength {
		return opts, fmt.Errorf("--allow-remote needs a token of your own, at least %d characters (--token or SANDBOX_TOKEN; got %d): anyone who reaches the address can drive the sandbox with it",
			MinRemoteTokenLength, len(strings.TrimSpace(opts.Token)))
	}
	if opts.Token == "" {
		opts.Token = "sandbox-" + strings.ReplaceAll(newUUID(), "-", "")
	}
	if opts.DNSListen == "" {
		opts.DNSListen = "127.0.0.1:0"
	}
	if err := checkLoopback("dns listen", opts.DNSListen); err != nil {
		return opts, err
	}
	return opts, nil
}

// openWorld loads the state file (or starts an empty world) with the
// catalog, and claims the world's address block, readdressing what a state
// file from before the address plan holds.
func (s *Server) openWorld() error {
	cat := builtinCatalog
	if s.opts.CatalogFile != "" {
		var err error
		if cat, err = LoadCatalogFile(s.opts.CatalogFile); err != nil {
			return err
		}
	}
	if s.opts.StateFile != "" {
		w, err := loadWorld(s.opts.StateFile)
		if err != nil {
			return err
		}
		s.world = w
	}
	if s.world == nil {
		s.world = newWorld(s.opts.DropletLimit, cat)
	}
	block, bindable, err := claimBlock(s.world.AddressBlock)
	if err != nil {
		return fmt.Errorf("sandbox: %w", err)
	}
	s.block, s.bindable = block, bindable
	if block.claim != nil {
		runtime.AddCleanup(s, func(ln net.Listener) { _ = ln.Close() }, block.claim)
	}
	s.world.AddressBlock = block.n
	if s.world.readdress(block) {
		if err := s.persistLocked(); err != nil {
			block.release()
			return err
		}
	}
	s.world.useCatalog(cat)
	return nil
}

// checkLoopback refuses an address the sandbox must not bind: anything
// but 127.0.0.0/8, ::1 or localhost.
func checkLoopback(what, addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%s address %q: %w", what, addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("%s address %q is not loopback: the sandbox only binds 127.0.0.1 or ::1", what, addr)
	}
	return nil
}

// Token is the bearer token the sandbox accepts.
func (s *Server) Token() string { return s.token }

// URL is the sandbox's base URL once Start has run.
func (s *Server) URL() string { return s.baseURL }

// Start listens on addr, which must be a loopback address unless
// Options.AllowRemote, and serves in the background.
func (s *Server) Start(addr string) error {
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return fmt.Errorf("listen address %q: %w", addr, err)
	}
	if err := checkLoopback("listen", addr); err != nil && !s.opts.AllowRemote {
		return fmt.Errorf("%w unless started with --allow-remote and a --token of its own (as in a container)", err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	s.listener = ln
	s.baseURL = "http://" + localAddr(ln.Addr().(*net.TCPAddr))
	s.httpSrv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.httpSrv.Serve(ln) }()
	return nil
}

// localAddr is where a client on this host reaches a listener: loopback
// for one on every interface (0.0.0.0 or ::), so the URL stays dialable.
func localAddr(a *net.TCPAddr) string {
	if a.IP.IsUnspecified() {
		return net.JoinHostPort("127.0.0.1", strconv.Itoa(a.Port))
	}
	return a.String()
}

// Close stops serving (the emulated droplets and load balancers first) and
// writes the state file one last time.
func (s *Server) Close() error {
	if s.traffic != nil {
		s.traffic.Close()
	}
	s.console.Close() // its update streams would hold Shutdown up
	var errs []error
	if s.httpSrv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		errs = append(errs, s.httpSrv.Shutdown(ctx))
	}
	s.mu.Lock()
	errs = append(errs, s.persistLocked())
	s.mu.Unlock()
	s.block.release()
	return errors.Join(errs...)
}

// ServeHTTP routes control requests to the control API and everything else
// through auth, rate limiting and the DigitalOcean routes.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/_sandbox/") || r.URL.Path == "/_sandbox" {
		if !s.authorized(r) && !consolePath(r.URL.Path) {
			writeJSON(w, http.StatusUnauthorized, apiErr(http.StatusUnauthorized, ""))
			return
		}
		s.control.ServeHTTP(w, r)
		return
	}

	requestID, started := newUUID(), time.Now()
	_, pattern := s.api.Handler(r)
	if pattern == "/" {
		pattern = "unmatched"
	}
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	defer func() {
		s.counts.add(pattern, rec.status)
		s.recordRequest(r, rec.status, started, requestID)
		if s.logger != nil {
			s.logger.Printf("%s %s -> %d (%s)", r.Method, r.URL.RequestURI(), rec.status, requestID)
		}
	}()
	w.Header().Set("X-Request-Id", requestID)
	r = r.WithContext(context.WithValue(r.Context(), requestIDKey{}, requestID))

	if !s.authorized(r) {
		writeAPIError(rec, requestID, apiErr(http.StatusUnauthorized, ""))
		return
	}
	now := s.clock.Now()
	q := s.limiter.take(now)
	setRateHeaders(w.Header(), q)
	if !q.allowed {
		writeAPIError(rec, requestID, apiErr(http.StatusTooManyRequests, ""))
		return
	}
	s.api.ServeHTTP(rec, r)
}

func (s *Server) authorized(r *http.Request) bool {
	auth := r.Header.Get("Authorization")
	token, ok := strings.CutPrefix(auth, "Bearer ")
	return ok && token == s.token
}

type requestIDKey struct{}

// call is one API request being served under the world lock.
type call struct {
	s         *Server
	w         *World
	r         *http.Request
	body      []byte
	now       time.Time
	requestID string
}

// handler serves one endpoint. It returns the status and the body to
// encode; an *APIError body becomes DigitalOcean's error shape.
type handler func(c *call) (int, any)

// handle registers h under a Go ServeMux pattern such as
// "GET /v2/droplets/{id}". The pattern is also the endpoint's name in
// request counts and fault rules.
func (s *Server) handle(pattern string, h handler) {
	s.api.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		requestID, _ := r.Context().Value(requestIDKey{}).(string)
		// Read the body first: only then does the server notice a client
		// that gives up, so injected latency ends with no work done when
		// the client's timeout comes first (lost responses are after_commit).
		body, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
		if err != nil {
			writeAPIError(w, requestID, errBadRequest(""))
			return
		}
		fault := s.faults.decide(pattern)
		if fault.latency > 0 {
			select {
			case <-time.After(fault.latency):
			case <-r.Context().Done():
				return
			}
		}
		if r.Context().Err() != nil {
			return
		}
		if fault.err != nil && !fault.afterCommit {
			writeAPIError(w, requestID, fault.err)
			return
		}
		status, out := s.run(r, body, requestID, h)
		if fault.err != nil {
			// The work was done; the client only hears of a failure, as
			// when a response is lost on its way back.
			writeAPIError(w, requestID, fault.err)
			return
		}
		if apiError, ok := out.(*APIError); ok {
			writeAPIError(w, requestID, apiError)
			return
		}
		writeJSON(w, status, out)
	})
}

func (s *Server) run(r *http.Request, body []byte, requestID string, h handler) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	s.settle(now)
	c := &call{s: s, w: s.world, r: r, body: body, now: now, requestID: requestID}
	status, out := h(c)
	if _, failed := out.(*APIError); !failed && r.Method != http.MethodGet {
		if err := s.persistLocked(); err != nil {
			return http.StatusInternalServerError, apiErr(http.StatusInternalServerError, "%s", err.Error())
		}
		s.traffic.Kick() // the data plane (DNS answers, say) catches up now
	}
	return status, out
}

// decode reads the request body as JSON into v. DigitalOcean ignores
// unknown fields and answers malformed bodies with 400 bad_request.
func (c *call) decode(v any) *APIError {
	if len(bytes.TrimSpace(c.body)) == 0 {
		return errBadRequest("")
	}
	if err := json.Unmarshal(c.body, v); err != nil {
		return errBadRequest("error parsing request body: %s", err.Error())
	}
	return nil
}

// after returns the due time of work that takes d in the real DigitalOcean.
func (c *call) after(d time.Duration) time.Time { return c.now.Add(scale(d, c.s.factor)) }

// baseURL is the scheme and host clients used to reach us, for links.
func (c *call) baseURL() string {
	scheme := "http"
	if c.r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + c.r.Host
}

func writeAPIError(w http.ResponseWriter, requestID string, e *APIError) {
	out := *e
	out.RequestID = requestID
	writeJSON(w, e.Status, &out)
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	if status == http.StatusNoContent || body == nil {
		w.WriteHeader(status)
		return
	}
	buf, err := json.Marshal(body)
	if err != nil {
		status = http.StatusInternalServerError
		buf, _ = json.Marshal(apiErr(status, "encode response: %s", err.Error()))
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf)
	_, _ = w.Write([]byte("\n"))
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}

// notice tells the user something once worth knowing, such as an address
// the sandbox could not bind.
func (s *Server) notice(format string, args ...any) {
	if s.opts.Notices != nil {
		s.opts.Notices.Printf(format, args...)
	}
}
