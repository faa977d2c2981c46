package sandbox

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// The load balancer health view: which target droplets a load balancer's
// health check sees as healthy, and since when. A probe (targetPassing)
// passes or fails; the verdict flips to healthy after healthy_threshold
// consecutive passing checks and to unhealthy after unhealthy_threshold
// failing ones, i.e. after threshold x check_interval_seconds of a steady
// probe result (scaled by the time scale). Verdict changes are kept per
// droplet, so the metrics endpoint can answer for the past.
//
// With traffic emulation on (Options.Traffic) the probe is real: the load
// balancer's checker sends the configured request to each droplet's web
// server every check interval and trafficWorld.RecordHealth counts consecutive
// results against the thresholds. The view then reports exactly what those
// checks saw, and the load balancer sends traffic only to the droplets it
// calls healthy.

// maxHealthHistory bounds the verdict changes kept per target droplet.
const maxHealthHistory = 64

// TargetHealth is a load balancer's view of one target droplet.
type TargetHealth struct {
	Passing      bool      `json:"passing"`       // last probe result
	PassingSince time.Time `json:"passing_since"` // when Passing took its value
	Healthy      bool      `json:"healthy"`       // the verdict
	// Streak counts consecutive real checks with the result Passing (with
	// traffic emulation only).
	Streak int `json:"streak,omitempty"`
	// History holds verdict changes, oldest first. History[0] is where the
	// record starts (first observed as a target, or the oldest change kept).
	History []HealthChange `json:"history"`
}

// HealthChange is the verdict a droplet had from At on.
type HealthChange struct {
	At      time.Time `json:"at"`
	Healthy bool      `json:"healthy"`
}

// targetPassing is the one place that decides whether a health check
// against d passes right now, without traffic emulation: the droplet runs
// and its app answers, and its cloud firewall lets the load balancer's
// checks in (traffic.go). With traffic emulation the checker's real requests
// decide instead (trafficWorld.RecordHealth).
func (s *Server) targetPassing(lb *LoadBalancer, d *Droplet) bool {
	return d.Status == "active" && !d.Killed && !d.FailsHealth && s.world.firewallAdmitsLB(d, lb)
}

// passingStart is when a probe that passes now started passing, when that
// is known to lie since the last observation: the droplet booting or the
// load balancer starting its checks. Otherwise (a droplet tagged, powered
// back on or mended meanwhile) the change is dated now.
func passingStart(lb *LoadBalancer, d *Droplet, now time.Time) time.Time {
	start := lb.ActiveAt
	if d.ActiveAt.After(start) {
		start = d.ActiveAt
	}
	if !start.Before(lb.HealthObservedAt) && !start.After(now) {
		return start
	}
	return now
}

// observeHealth brings the load balancer's health view up to now. Callers
// hold the world lock.
func (s *Server) observeHealth(lb *LoadBalancer, now time.Time) {
	defer func() { lb.HealthObservedAt = now }()
	if lb.Targets == nil {
		lb.Targets = map[int]*TargetHealth{}
	}
	if lb.Status != "active" {
		clear(lb.Targets)
		return
	}
	if s.traffic != nil {
		s.observeTargets(lb, now)
		return
	}
	rise := scale(time.Duration(lb.HealthCheck.HealthyThreshold*lb.HealthCheck.CheckIntervalSeconds)*time.Second, s.factor)
	fall := scale(time.Duration(lb.HealthCheck.UnhealthyThreshold*lb.HealthCheck.CheckIntervalSeconds)*time.Second, s.factor)

	current := map[int]bool{}
	for _, d := range s.world.targetsOf(lb) {
		current[d.ID] = true
		passing := s.targetPassing(lb, d)
		since := now
		if passing {
			since = passingStart(lb, d, now)
		}
		rec := lb.Targets[d.ID]
		if rec == nil {
			// A new target starts unhealthy, as on DigitalOcean.
			rec = &TargetHealth{Passing: passing, PassingSince: since, History: []HealthChange{{At: since}}}
			lb.Targets[d.ID] = rec
		} else if passing != rec.Passing {
			rec.advance(since, rise, fall)
			rec.Passing, rec.PassingSince = passing, since
		}
		rec.advance(now, rise, fall)
	}
	for id := range lb.Targets {
		if !current[id] {
			delete(lb.Targets, id)
		}
	}
}

// observeTargets keeps the record set in line with the load balancer's
// targets when real checks decide the verdicts: a new target starts
// unhealthy, a former one is forgotten.
func (s *Server) observeTargets(lb *LoadBalancer, now time.Time) {
	current := map[int]bool{}
	for _, d := range s.world.targetsOf(lb) {
		current[d.ID] = true
		if lb.Targets[d.ID] == nil {
			lb.Targets[d.ID] = &TargetHealth{PassingSince: now, History: []HealthChange{{At: now}}}
		}
	}
	for id := range lb.Targets {
		if !current[id] {
			delete(lb.Targets, id)
		}
	}
}

// recordCheck counts one check result; the verdict flips after
// healthy_threshold consecutive passes or unhealthy_threshold consecutive
// failures. It reports whether the verdict changed.
func (h *TargetHealth) recordCheck(passing bool, at time.Time, hc LBHealthCheck) bool {
	if passing != h.Passing {
		h.Passing, h.PassingSince, h.Streak = passing, at, 0
	}
	h.Streak++
	threshold := hc.UnhealthyThreshold
	if passing {
		threshold = hc.HealthyThreshold
	}
	if passing == h.Healthy || h.Streak < threshold {
		return false
	}
	h.flip(at)
	return true
}

// healthyTargets are the load balancer's targets its health view calls
// healthy, ascending.
func healthyTargets(w *World, lb *LoadBalancer) []int {
	out := []int{}
	for _, d := range w.targetsOf(lb) {
		if rec := lb.Targets[d.ID]; rec != nil && rec.Healthy {
			out = append(out, d.ID)
		}
	}
	return out
}

// advance applies the verdict change the current probe result has earned
// by t, dated when it was earned.
func (h *TargetHealth) advance(t time.Time, rise, fall time.Duration) {
	var at time.Time
	switch {
	case h.Passing && !h.Healthy:
		at = h.PassingSince.Add(rise)
	case !h.Passing && h.Healthy:
		at = h.PassingSince.Add(fall)
	default:
		return
	}
	if at.After(t) {
		return
	}
	h.flip(at)
}

// flip changes the verdict at the given time, keeping the history bounded.
func (h *TargetHealth) flip(at time.Time) {
	h.Healthy = !h.Healthy
	h.History = append(h.History, HealthChange{At: at, Healthy: h.Healthy})
	if len(h.History) > maxHealthHistory {
		h.History = slices.Clone(h.History[len(h.History)-maxHealthHistory:])
	}
}

// healthAt is the verdict at t, and false for ok when t is before the
// record starts.
func (h *TargetHealth) healthAt(t time.Time) (healthy, ok bool) {
	if len(h.History) == 0 || t.Before(h.History[0].At) {
		return false, false
	}
	for _, c := range h.History {
		if c.At.After(t) {
			break
		}
		healthy = c.Healthy
	}
	return healthy, true
}

// LoadBalancerHealth reports, for each droplet the load balancer targets,
// whether its health check sees the droplet as healthy now.
func (s *Server) LoadBalancerHealth(lbID string) (map[int]bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settle(s.clock.Now())
	lb := s.world.LoadBalancers[lbID]
	if lb == nil {
		return nil, fmt.Errorf("no load balancer %s", lbID)
	}
	out := map[int]bool{}
	for _, d := range s.world.targetsOf(lb) {
		out[d.ID] = lb.Targets[d.ID] != nil && lb.Targets[d.ID].Healthy
	}
	return out, nil
}

// metricsResponse is DigitalOcean's Prometheus-style query result.
type metricsResponse struct {
	Status string      `json:"status"`
	Data   metricsData `json:"data"`
}

type metricsData struct {
	ResultType string         `json:"resultType"`
	Result     []metricSeries `json:"result"`
}

type metricSeries struct {
	Metric map[string]string `json:"metric"`
	Values [][2]any          `json:"values"` // [unix seconds, "value"]
}

// maxMetricSamples bounds the samples per series; the step grows with the
// window as in DigitalOcean's answers.
const maxMetricSamples = 300

func (s *Server) loadBalancerMetricRoutes() {
	s.handle("GET /v2/monitoring/metrics/load_balancer/droplets_health_checks", s.dropletsHealthChecks)
	s.loadBalancerResponseRoutes()
}

// lbMetricQuery reads a load balancer metric's query: lb_id, start and end
// (unix seconds), all required, end not before start.
func lbMetricQuery(c *call) (lbID string, start, end int64, err *APIError) {
	q := c.r.URL.Query()
	lbID = q.Get("lb_id")
	if lbID == "" {
		return "", 0, 0, errBadRequest("lb_id is required")
	}
	start, err1 := strconv.ParseInt(q.Get("start"), 10, 64)
	end, err2 := strconv.ParseInt(q.Get("end"), 10, 64)
	if err1 != nil || err2 != nil {
		return "", 0, 0, errBadRequest("start and end are required: unix timestamps in seconds")
	}
	if end < start {
		return "", 0, 0, errBadRequest("end %d is before start %d", end, start)
	}
	return lbID, start, end, nil
}

func emptyMatrix() metricsResponse {
	return metricsResponse{Status: "success", Data: metricsData{ResultType: "matrix", Result: []metricSeries{}}}
}

// dropletsHealthChecks samples the health view over [start, end]: one
// series per target droplet, "1" healthy and "0" unhealthy. An unknown
// lb_id matches no series, as a metrics query does.
func (s *Server) dropletsHealthChecks(c *call) (int, any) {
	lbID, start, end, apiErr := lbMetricQuery(c)
	if apiErr != nil {
		return http.StatusBadRequest, apiErr
	}
	out := emptyMatrix()
	lb := c.w.LoadBalancers[lbID]
	if lb == nil {
		return http.StatusOK, out
	}
	step := max(1, (end-start+maxMetricSamples-1)/maxMetricSamples)
	last := min(end, c.now.Unix())
	for _, d := range c.w.targetsOf(lb) {
		rec := lb.Targets[d.ID]
		if rec == nil {
			continue
		}
		series := metricSeries{
			Metric: map[string]string{"lb_id": lb.ID, "droplet_id": strconv.Itoa(d.ID)},
		}
		for t := start; t <= last; t += step {
			healthy, ok := rec.healthAt(time.Unix(t, 0))
			if !ok {
				continue
			}
			v := "0"
			if healthy {
				v = "1"
			}
			series.Values = append(series.Values, [2]any{t, v})
		}
		if len(series.Values) > 0 {
			out.Data.Result = append(out.Data.Result, series)
		}
	}
	return http.StatusOK, out
}
