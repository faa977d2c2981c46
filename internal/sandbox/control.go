package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Config is the run-time configuration the control API reads and changes.
type Config struct {
	TimeScale          float64 `json:"time_scale"`
	DropletLimit       int     `json:"droplet_limit"`
	RateLimitPerMinute int     `json:"rate_limit_per_minute"`
	RateLimitPerHour   int     `json:"rate_limit_per_hour"`
	Delays             Delays  `json:"delays"`
}

// Config reports the sandbox's current configuration.
func (s *Server) Config() Config {
	perMinute, perHour := s.limiter.limits()
	s.mu.Lock()
	defer s.mu.Unlock()
	return Config{
		TimeScale:          s.factor,
		DropletLimit:       s.world.Account.DropletLimit,
		RateLimitPerMinute: perMinute,
		RateLimitPerHour:   perHour,
		Delays:             s.delays,
	}
}

// SetDropletLimit changes the account's droplet limit.
func (s *Server) SetDropletLimit(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.world.Account.DropletLimit = n
	_ = s.persistLocked()
}

// SetRateLimits changes the per-minute and per-hour budgets (0 keeps one).
func (s *Server) SetRateLimits(perMinute, perHour int) { s.limiter.configure(perMinute, perHour) }

// AddFault appends a fault rule.
func (s *Server) AddFault(r FaultRule) error { return s.faults.add(r) }

// SetFaults replaces every fault rule.
func (s *Server) SetFaults(rules []FaultRule) error { return s.faults.set(rules) }

// ClearFaults removes every fault rule.
func (s *Server) ClearFaults() { _ = s.faults.set(nil) }

// Faults lists the rules with what each has done so far.
func (s *Server) Faults() []FaultRule { return s.faults.list() }

// RateLimitStorm answers every API request with 429 for d (wall time), as
// when the account's budget is exhausted by another client.
func (s *Server) RateLimitStorm(d time.Duration) { s.limiter.storm(s.clock.Now().Add(d)) }

// Counts returns per-endpoint request counts since the last ResetCounts.
func (s *Server) Counts() RequestCounts { return s.counts.snapshot() }

// ResetCounts zeroes the request counts.
func (s *Server) ResetCounts() { s.counts.reset() }

// Reset empties the world (ids keep counting up), clears faults, counts and
// rate-limit windows.
func (s *Server) Reset() {
	s.mu.Lock()
	old := s.world
	s.world = newWorld(old.Account.DropletLimit, old.catalog)
	s.world.NextDropletID = old.NextDropletID
	s.world.NextActionID = old.NextActionID
	s.world.NextImageID = old.NextImageID
	s.world.NextDomainRecordID = old.NextDomainRecordID
	s.world.CA = old.CA // a root users trust outlives the reset
	s.world.AddressBlock, s.world.NextAddress = old.AddressBlock, old.NextAddress
	s.world.Account.UUID = old.Account.UUID
	_ = s.persistLocked()
	s.mu.Unlock()
	s.ClearFaults()
	s.ResetCounts()
	s.limiter.reset()
	if s.traffic != nil {
		s.traffic.Reset()
	}
}

// Inspect runs f with the world locked and settled, for tests and the
// control API. f must not keep references past its return.
func (s *Server) Inspect(f func(w *World)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settle(s.clock.Now())
	f(s.world)
}

// Mutate runs f with the world locked and settled, settles again so views
// such as load balancer health date the change now, then persists.
func (s *Server) Mutate(f func(w *World, now time.Time) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	s.settle(now)
	if err := f(s.world, now); err != nil {
		return err
	}
	s.settle(now)
	s.traffic.Kick() // droplets started or stopped open or close their ports
	return s.persistLocked()
}

// controlEndpoint is one endpoint of the control API: the one table the
// routes are registered from and the README's table is written from
// (TestReadmeControlTableIsTheCodes keeps them equal).
type controlEndpoint struct {
	Pattern string // method and path
	Body    string // an example body, "" for none
	Effect  string // what it does, in Markdown
	handle  func(s *Server, w http.ResponseWriter, r *http.Request)
}

// controlAPI is every endpoint under /_sandbox/, in the order the README
// lists them.
var controlAPI = append([]controlEndpoint{
	{"POST /_sandbox/faults", `{"endpoint":"POST /v2/droplets","fail_next":1,"status":500,"after_commit":true}`,
		"add a fault rule (`error_rate`, `latency`, `after`, `fail_next`, `status`, `message`, `after_commit`)", (*Server).ctlAddFault},
	{"PUT /_sandbox/faults", `{"rules":[...]}`, "replace every fault rule", (*Server).ctlSetFaults},
	{"GET /_sandbox/faults", "", "the fault rules, with what each has matched and failed", (*Server).ctlFaults},
	{"DELETE /_sandbox/faults", "", "clear the fault rules", (*Server).ctlClearFaults},
	{"POST /_sandbox/rate_limit/storm", `{"duration":"5s"}`, "answer every request with 429 for a while", (*Server).ctlStorm},
	{"GET /_sandbox/requests", "", "per-endpoint request counts by status", (*Server).ctlCounts},
	{"DELETE /_sandbox/requests", "", "reset the request counts", (*Server).ctlResetCounts},
	{"GET /_sandbox/config", "", "the time scale, limits and delays", (*Server).ctlConfig},
	{"PATCH /_sandbox/config", `{"droplet_limit":5,"rate_limit_per_minute":100}`, "change limits at run time", (*Server).ctlPatchConfig},
	{"POST /_sandbox/droplets/{id}/kill", "", "power a droplet off as a crash would", (*Server).ctlKill},
	{"GET /_sandbox/load_balancers/{id}/listeners", "",
		"each forwarding rule's `address` to curl: its `public_address` (the load balancer's ip and entry port) when bound, else its `local_address`", (*Server).ctlListeners},
	{"GET /_sandbox/dns", "",
		"the `address` (127.0.0.1:PORT, UDP and TCP) of the DNS server answering for the account's domains: `dig @127.0.0.1 -p PORT www.example.com`", (*Server).ctlDNS},
	{"GET /_sandbox/ca.pem", "",
		"the sandbox's root CA (PEM), which signs `lets_encrypt` certificates: `curl --cacert sandbox-ca.pem --resolve www.example.com:443:<lb ip> https://www.example.com/`", (*Server).ctlCA},
	{"GET /_sandbox/droplets/{id}/http", "",
		"the local `address` a droplet serves every port on, its `public_ip` and the `public_ports` bound there", (*Server).ctlDropletHTTP},
	{"PUT /_sandbox/droplets/{id}/behaviour", `{"behaviour":"slow","latency":"300ms"}`,
		"`healthy`, `failing` (500), `slow`, `dead` (refuses connections)", (*Server).ctlBehaviour},
	{"PUT /_sandbox/droplets/{id}/fails_health", `{"fails":true}`, "the droplet's app stops answering health checks", (*Server).ctlFailsHealth},
	{"PUT /_sandbox/droplets/{id}/utilization", `{"cpu":0.9,"memory":0.4}`,
		"the load a droplet reports to its autoscale pool (default 0.2 CPU, 0.3 memory)", (*Server).ctlUtilization},
	{"POST /_sandbox/reset", "", "empty the world, faults and counts", (*Server).ctlReset},
}, consoleEndpoints()...)

func (s *Server) controlRoutes() {
	for _, e := range controlAPI {
		s.control.HandleFunc(e.Pattern, func(w http.ResponseWriter, r *http.Request) { e.handle(s, w, r) })
	}
	s.control.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, apiErr(http.StatusNotFound, "no sandbox control endpoint %s %s", r.Method, r.URL.Path))
	})
}

// ControlTable is the control API as a Markdown table.
func ControlTable() string {
	var b strings.Builder
	b.WriteString("| Request | Effect |\n|---|---|\n")
	for _, e := range controlAPI {
		req := "`" + e.Pattern + "`"
		if e.Body != "" {
			req += " `" + e.Body + "`"
		}
		fmt.Fprintf(&b, "| %s | %s |\n", req, e.Effect)
	}
	return b.String()
}

func (s *Server) ctlConfig(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.Config())
}

func (s *Server) ctlPatchConfig(w http.ResponseWriter, r *http.Request) {
	var in struct {
		DropletLimit       *int `json:"droplet_limit"`
		RateLimitPerMinute int  `json:"rate_limit_per_minute"`
		RateLimitPerHour   int  `json:"rate_limit_per_hour"`
	}
	if !readControl(w, r, &in) {
		return
	}
	if in.DropletLimit != nil {
		s.SetDropletLimit(*in.DropletLimit)
	}
	s.SetRateLimits(in.RateLimitPerMinute, in.RateLimitPerHour)
	writeJSON(w, http.StatusOK, s.Config())
}

func (s *Server) ctlFaults(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"rules": s.Faults()})
}

func (s *Server) ctlSetFaults(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Rules []FaultRule `json:"rules"`
	}
	if !readControl(w, r, &in) {
		return
	}
	if err := s.SetFaults(in.Rules); err != nil {
		writeJSON(w, http.StatusUnprocessableEntity, apiErr(http.StatusUnprocessableEntity, "%s", err.Error()))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"rules": s.Faults()})
}

func (s *Server) ctlAddFault(w http.ResponseWriter, r *http.Request) {
	var in FaultRule
	if !readControl(w, r, &in) {
		return
	}
	if err := s.AddFault(in); err != nil {
		writeJSON(w, http.StatusUnprocessableEntity, apiErr(http.StatusUnprocessableEntity, "%s", err.Error()))
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"rules": s.Faults()})
}

func (s *Server) ctlClearFaults(w http.ResponseWriter, _ *http.Request) {
	s.ClearFaults()
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) ctlStorm(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Duration Duration `json:"duration"`
	}
	if !readControl(w, r, &in) {
		return
	}
	s.RateLimitStorm(time.Duration(in.Duration))
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) ctlCounts(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.Counts())
}

func (s *Server) ctlResetCounts(w http.ResponseWriter, _ *http.Request) {
	s.ResetCounts()
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) ctlReset(w http.ResponseWriter, _ *http.Request) {
	s.Reset()
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) ctlKill(w http.ResponseWriter, r *http.Request) {
	id, ok := controlDropletID(w, r)
	if !ok {
		return
	}
	if err := s.KillDroplet(id); err != nil {
		writeJSON(w, http.StatusNotFound, apiErr(http.StatusNotFound, "%s", err.Error()))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// readControl decodes a control request body, answering 400 itself on error.
func readControl(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(v); err != nil {
		writeJSON(w, http.StatusBadRequest, apiErr(http.StatusBadRequest, "%s", fmt.Sprintf("control request body: %v", err)))
		return false
	}
	return true
}

// controlDropletID reads the {id} of a droplet control path, answering
// 404 itself when it is no number.
func controlDropletID(w http.ResponseWriter, r *http.Request) (int, bool) {
	id, err := strconv.Atoi(r.PathValue("id"))
	if err != nil {
		writeJSON(w, http.StatusNotFound, apiErr(http.StatusNotFound, "no droplet %q", r.PathValue("id")))
		return 0, false
	}
	return id, true
}

func (s *Server) ctlDropletHTTP(w http.ResponseWriter, r *http.Request) {
	id, ok := controlDropletID(w, r)
	if !ok {
		return
	}
	h, err := s.DropletHTTP(id)
	if err != nil {
		writeJSON(w, http.StatusNotFound, apiErr(http.StatusNotFound, "%s", err.Error()))
		return
	}
	writeJSON(w, http.StatusOK, h)
}

func (s *Server) ctlBehaviour(w http.ResponseWriter, r *http.Request) {
	id, ok := controlDropletID(w, r)
	if !ok {
		return
	}
	var in struct {
		Behaviour string   `json:"behaviour"`
		Latency   Duration `json:"latency"`
	}
	if !readControl(w, r, &in) {
		return
	}
	s.writeTrafficError(w, s.SetDropletBehaviour(id, Behaviour{Kind: in.Behaviour, Latency: time.Duration(in.Latency)}))
}

func (s *Server) ctlFailsHealth(w http.ResponseWriter, r *http.Request) {
	id, ok := controlDropletID(w, r)
	if !ok {
		return
	}
	var in struct {
		Fails *bool `json:"fails"`
	}
	if !readControl(w, r, &in) {
		return
	}
	if in.Fails == nil {
		writeJSON(w, http.StatusUnprocessableEntity, apiErr(http.StatusUnprocessableEntity, "fails is required: true or false"))
		return
	}
	if err := s.SetDropletFailsHealth(id, *in.Fails); err != nil {
		writeJSON(w, http.StatusNotFound, apiErr(http.StatusNotFound, "%s", err.Error()))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) ctlUtilization(w http.ResponseWriter, r *http.Request) {
	id, ok := controlDropletID(w, r)
	if !ok {
		return
	}
	var in struct {
		CPU    *float64 `json:"cpu"`
		Memory *float64 `json:"memory"`
	}
	if !readControl(w, r, &in) {
		return
	}
	if in.CPU == nil || in.Memory == nil {
		writeJSON(w, http.StatusUnprocessableEntity, apiErr(http.StatusUnprocessableEntity, "cpu and memory are both required: fractions between 0 and 1"))
		return
	}
	s.writeTrafficError(w, s.SetDropletUtilization(id, *in.CPU, *in.Memory))
}

func (s *Server) ctlListeners(w http.ResponseWriter, r *http.Request) {
	ls, err := s.LoadBalancerListeners(r.PathValue("id"))
	if err != nil {
		writeJSON(w, http.StatusNotFound, apiErr(http.StatusNotFound, "%s", err.Error()))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"listeners": ls})
}

func (s *Server) ctlCA(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/x-pem-file")
	w.Header().Set("Content-Disposition", `attachment; filename="sandbox-ca.pem"`)
	_, _ = w.Write([]byte(s.CACertificatePEM()))
}

func (s *Server) ctlDNS(w http.ResponseWriter, _ *http.Request) {
	addr, err := s.DNSAddress()
	if err != nil {
		s.writeTrafficError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"address": addr, "networks": []string{"udp", "tcp"}})
}

// writeTrafficError answers a traffic control change: 204 when done, 409
// with traffic off, 404 for an unknown droplet, 422 for a bad value.
func (s *Server) writeTrafficError(w http.ResponseWriter, err error) {
	var notFound *notFoundError
	switch {
	case err == nil:
		w.WriteHeader(http.StatusNoContent)
	case errors.Is(err, errTrafficOff):
		writeJSON(w, http.StatusConflict, apiErr(http.StatusConflict, "%s", err.Error()))
	case errors.As(err, &notFound):
		writeJSON(w, http.StatusNotFound, apiErr(http.StatusNotFound, "%s", err.Error()))
	default:
		writeJSON(w, http.StatusUnprocessableEntity, apiErr(http.StatusUnprocessableEntity, "%s", err.Error()))
	}
}
