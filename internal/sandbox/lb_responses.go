package sandbox

import (
	"maps"
	"net/http"
	"slices"
	"strconv"

	"github.com/scalable-tf/terraform-provider-scalable/internal/sandbox/traffic"
)

// The load balancer's HTTP response metrics, from the responses the traffic
// emulation really proxied (traffic/responses.go): what each target droplet
// answered (droplets_http_responses) and what the load balancer answered
// its clients (frontend_http_responses). As on DigitalOcean the values are
// rates, responses per second by status class, one series per droplet and
// class (labels lb_id, droplet_id, status_code) or per class for the
// frontend (lb_id, status_code). A sample at t is the rate over (t-step, t]
// where step is the distance to the previous sample (to start for the
// first), so rate x step gives back the exact count. Without traffic
// emulation nothing is proxied and the answer holds no series.

func (s *Server) loadBalancerResponseRoutes() {
	s.handle("GET /v2/monitoring/metrics/load_balancer/droplets_http_responses", s.dropletsHTTPResponses)
	s.handle("GET /v2/monitoring/metrics/load_balancer/frontend_http_responses", s.frontendHTTPResponses)
}

func (s *Server) dropletsHTTPResponses(c *call) (int, any) {
	return s.httpResponses(c, true)
}

func (s *Server) frontendHTTPResponses(c *call) (int, any) {
	return s.httpResponses(c, false)
}

// httpResponses answers either response metric. An unknown lb_id matches no
// series, as the health check metric does.
func (s *Server) httpResponses(c *call, perDroplet bool) (int, any) {
	lbID, start, end, apiErr := lbMetricQuery(c)
	if apiErr != nil {
		return http.StatusBadRequest, apiErr
	}
	out := emptyMatrix()
	if s.traffic == nil || c.w.LoadBalancers[lbID] == nil {
		return http.StatusOK, out
	}
	last := min(end, c.now.Unix()+1) // the current second counts as far as it went
	if last <= start {
		return http.StatusOK, out
	}
	grid := sampleGrid(start, last)
	log := s.traffic.Responses(lbID, start, last)
	if !perDroplet {
		out.Data.Result = append(out.Data.Result, responseSeries(grid, start, log.Frontend, map[string]string{"lb_id": lbID})...)
		return http.StatusOK, out
	}
	for _, id := range slices.Sorted(maps.Keys(log.Droplets)) {
		labels := map[string]string{"lb_id": lbID, "droplet_id": strconv.Itoa(id)}
		out.Data.Result = append(out.Data.Result, responseSeries(grid, start, log.Droplets[id], labels)...)
	}
	return http.StatusOK, out
}

// sampleGrid is the sample times over (start, last]: every step seconds,
// the step growing with the window (maxMetricSamples at most), and last
// itself.
func sampleGrid(start, last int64) []int64 {
	step := max(1, (last-start+maxMetricSamples-1)/maxMetricSamples)
	var grid []int64
	for t := start + step; ; t += step {
		t = min(t, last)
		grid = append(grid, t)
		if t == last {
			return grid
		}
	}
}

// responseSeries turns busy seconds into one rate series per status class
// that saw a response, labelled with labels and status_code.
func responseSeries(grid []int64, start int64, secs []traffic.ResponseSecond, labels map[string]string) []metricSeries {
	var out []metricSeries
	for class, name := range traffic.StatusClasses {
		counts := make([]uint64, len(grid))
		total := uint64(0)
		for _, sec := range secs {
			n := sec.Counts[class]
			if n == 0 {
				continue
			}
			i, _ := slices.BinarySearch(grid, sec.End) // the first sample at or after the second's end
			if i < len(grid) {
				counts[i] += uint64(n)
				total += uint64(n)
			}
		}
		if total == 0 {
			continue
		}
		l := maps.Clone(labels)
		l["status_code"] = name
		series := metricSeries{Metric: l, Values: make([][2]any, 0, len(grid))}
		prev := start
		for i, t := range grid {
			rate := float64(counts[i]) / float64(t-prev)
			series.Values = append(series.Values, [2]any{t, strconv.FormatFloat(rate, 'f', -1, 64)})
			prev = t
		}
		out = append(out, series)
	}
	return out
}
