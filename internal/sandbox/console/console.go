// Package console is the sandbox's live web console, served at
// /_sandbox/console: the tiers and their droplets, the load balancers'
// health verdicts and where requests land, each tier's rollout as a chart
// of droplets by revision, autoscale pools, fault rules, the last API
// requests and a demo's steps. Its page, script and styles are embedded
// (no CDN; it works offline).
//
// The console sees the sandbox only through Source: one bounded copy of the
// world per sample, taken under the world's lock. A sampler takes one every
// Interval once someone uses the console, renders it (charts included)
// outside any lock of the world's, and hands the same bytes to every viewer,
// so the work per update does not grow with viewers and the API never waits
// for a render.
package console

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Prefix is where the sandbox mounts the console.
const Prefix = "/_sandbox/console"

// cookieName holds the page's session: a value derived from the token,
// never the token itself, sent only to the console's paths.
const cookieName = "sandbox_console"

// maxStreams bounds the live update streams open at once.
const maxStreams = 32

// Options configure a Console.
type Options struct {
	// Token is the sandbox's bearer token.
	Token string
	// Interval is how often the sampler takes a view (default 1 s).
	Interval time.Duration
	// History is how many samples the rollout charts keep (default 600).
	History int
	// Limits bound each view (default DefaultLimits).
	Limits Limits
}

// Route is one of the console's endpoints, for the control API's table.
type Route struct {
	Pattern string // method and path
	Body    string // an example body, "" for none
	Effect  string // what it does, in Markdown
}

// Routes are the console's endpoints, in the order the README lists them.
var Routes = []Route{
	{"GET " + Prefix, "", "the live console page (HTML): tiers, load balancers' health and traffic, rollouts, pools, faults, requests, steps; asks for the token once and keeps a session in an HttpOnly cookie"},
	{"POST " + Prefix + "/login", "token=... (form)", "check the token and set the console's cookie"},
	{"GET " + Prefix + "/snapshot", "", "what the page shows, as JSON (cookie or bearer token)"},
	{"GET " + Prefix + "/events", "", "the same snapshot as server-sent events, one per sample (about once a second)"},
	{"POST " + Prefix + "/steps", `{"text":"roll out the new image"}`, "add a timestamped step to the page's timeline (for demos)"},
	{"GET " + Prefix + "/steps", "", "the steps, oldest first"},
	{"GET " + Prefix + "/assets/{file}", "", "the page's embedded script and styles"},
}

// Console serves the console's endpoints.
type Console struct {
	src     Source
	opts    Options
	session string // the cookie's value
	mux     *http.ServeMux

	requests *RequestLog
	steps    *stepLog

	startOnce sync.Once
	started   atomic.Bool
	stop      chan struct{}
	stopOnce  sync.Once
	done      chan struct{}
	kick      chan struct{}

	sampleMu sync.Mutex // one sample at a time; guards hist
	hist     *history

	mu      sync.Mutex // guards latest, seq, updated, streams
	latest  []byte
	seq     uint64
	updated chan struct{} // closed when latest changes
	streams int
}

// New makes a console over src; nothing runs until it is first used.
func New(src Source, opts Options) *Console {
	if opts.Interval <= 0 {
		opts.Interval = time.Second
	}
	if opts.History <= 0 {
		opts.History = 600
	}
	if opts.Limits == (Limits{}) {
		opts.Limits = DefaultLimits
	}
	mac := hmac.New(sha256.New, []byte(opts.Token))
	mac.Write([]byte("scalable sandbox console session"))
	c := &Console{
		src: src, opts: opts, session: hex.EncodeToString(mac.Sum(nil)), mux: http.NewServeMux(),
		requests: NewRequestLog(200), steps: newStepLog(200),
		stop: make(chan struct{}), done: make(chan struct{}), kick: make(chan struct{}, 1),
		hist: newHistory(opts.History), updated: make(chan struct{}),
	}
	c.mux.HandleFunc("GET "+Prefix, c.page)
	c.mux.HandleFunc("POST "+Prefix+"/login", c.login)
	c.mux.HandleFunc("GET "+Prefix+"/snapshot", c.authed(c.snapshot))
	c.mux.HandleFunc("GET "+Prefix+"/events", c.authed(c.events))
	c.mux.HandleFunc("POST "+Prefix+"/steps", c.bearer(c.addStep))
	c.mux.HandleFunc("GET "+Prefix+"/steps", c.authed(c.listSteps))
	c.mux.HandleFunc("GET "+Prefix+"/assets/{file}", c.asset)
	return c
}

// Requests is the log the sandbox records its API requests in.
func (c *Console) Requests() *RequestLog { return c.requests }

// ServeHTTP serves the console's endpoints; each checks the token itself.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-store")
	c.mux.ServeHTTP(w, r)
}

// Close stops the sampler and ends every update stream.
func (c *Console) Close() {
	c.stopOnce.Do(func() { close(c.stop) })
	if c.started.Load() {
		<-c.done
	}
}

// start runs the sampler from the first use on.
func (c *Console) start() {
	c.startOnce.Do(func() {
		c.started.Store(true)
		c.sample()
		go c.run()
	})
}

func (c *Console) run() {
	defer close(c.done)
	t := time.NewTicker(c.opts.Interval)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
		case <-c.kick:
		}
		c.sample()
	}
}

// refresh asks the sampler for a sample soon (a step was added).
func (c *Console) refresh() {
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

// sample takes one view, records it and publishes the rendered snapshot.
func (c *Console) sample() {
	v := c.src.View(c.opts.Limits) // the only time the world's lock is held
	c.sampleMu.Lock()
	snap := c.hist.record(time.Now(), v, c.requests.Last(50), c.steps.list())
	c.sampleMu.Unlock()
	buf, err := encodeSnapshot(snap)
	if err != nil {
		return
	}
	c.mu.Lock()
	c.latest = buf
	c.seq++
	close(c.updated)
	c.updated = make(chan struct{})
	c.mu.Unlock()
}

// current is the latest snapshot, its sequence number (0 before the
// first) and a channel closed when it changes.
func (c *Console) current() ([]byte, uint64, <-chan struct{}) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.latest, c.seq, c.updated
}

// authed lets a request in with the console's cookie or the bearer token.
func (c *Console) authed(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !c.hasSession(r) && !c.hasBearer(r) {
			writeError(w, http.StatusUnauthorized, "Unable to authenticate you: open "+Prefix+" and enter the sandbox's token, or send it as a bearer token.")
			return
		}
		h(w, r)
	}
}

// bearer lets a request in with the bearer token only: changes need it, so
// no other page can make a viewer's browser send one.
func (c *Console) bearer(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !c.hasBearer(r) {
			writeError(w, http.StatusUnauthorized, "Unable to authenticate you: send the sandbox's token as a bearer token.")
			return
		}
		h(w, r)
	}
}

func (c *Console) hasBearer(r *http.Request) bool {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && subtle.ConstantTimeCompare([]byte(token), []byte(c.opts.Token)) == 1
}

func (c *Console) hasSession(r *http.Request) bool {
	ck, err := r.Cookie(cookieName)
	return err == nil && subtle.ConstantTimeCompare([]byte(ck.Value), []byte(c.session)) == 1
}
