package doclient

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/digitalocean/godo"
)

// ResponseCounts are the HTTP responses one droplet gave to the requests a
// load balancer sent it, by status class.
type ResponseCounts struct {
	Total     int
	Status2xx int
	Status3xx int
	Status4xx int
	Status5xx int
}

// ServerErrorRate is the share of responses that were 5xx; 0 without any.
func (r ResponseCounts) ServerErrorRate() float64 {
	if r.Total == 0 {
		return 0
	}
	return float64(r.Status5xx) / float64(r.Total)
}

func (r *ResponseCounts) add(class string, n int) bool {
	switch class {
	case "2xx":
		r.Status2xx += n
	case "3xx":
		r.Status3xx += n
	case "4xx":
		r.Status4xx += n
	case "5xx":
		r.Status5xx += n
	default:
		return false
	}
	r.Total += n
	return true
}

// LoadBalancerDropletResponses counts, per target droplet id, the HTTP
// responses each droplet gave through the load balancer in [since, until],
// from the monitoring API's droplets_http_responses metric. The API works
// in whole seconds, so the window is widened to the seconds it touches.
// Values are rates over the time since the previous sample (since start
// for the first), so rate x step is the count: exact against the sandbox,
// an estimate against DigitalOcean's own sampling. Droplets that answered
// nothing in the window are absent. The request goes through the client's
// rate budget and is retried on 429 and 5xx.
func (c *Client) LoadBalancerDropletResponses(ctx context.Context, lbID string, since, until time.Time) (map[int]ResponseCounts, error) {
	op := fmt.Sprintf("get HTTP responses of load balancer %s's droplets", lbID)
	if until.Before(since) {
		return nil, fmt.Errorf("%s: the window ends (%s) before it starts (%s)", op, until.Format(time.RFC3339), since.Format(time.RFC3339))
	}
	req := &godo.LoadBalancerMetricsRequest{
		LoadBalancerID: lbID,
		Start:          since.Truncate(time.Second),
		End:            ceilSecond(until),
	}
	var m *godo.MetricsResponse
	_, err := c.call(ctx, op, true, func(ctx context.Context) (*godo.Response, error) {
		var resp *godo.Response
		var err error
		m, resp, err = c.godo.Monitoring.GetLoadBalancerDropletsHttpResponses(ctx, req)
		return resp, err
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return dropletResponseCounts(m, req.Start.Unix())
}

// dropletResponseCounts sums the rate series back into counts.
func dropletResponseCounts(m *godo.MetricsResponse, start int64) (map[int]ResponseCounts, error) {
	out := map[int]ResponseCounts{}
	if m == nil {
		return out, nil
	}
	for _, s := range m.Data.Result {
		id, err := strconv.Atoi(string(s.Metric["droplet_id"]))
		if err != nil {
			return nil, fmt.Errorf("droplets_http_responses: a series without a droplet_id: %v", s.Metric)
		}
		class := string(s.Metric["status_code"])
		prev, n := start, 0.0
		for _, v := range s.Values {
			t := v.Timestamp.Unix()
			if f := float64(v.Value); t > prev && !math.IsNaN(f) && !math.IsInf(f, 0) {
				n += f * float64(t-prev)
			}
			prev = max(prev, t)
		}
		rc := out[id]
		if rc.add(class, int(math.Round(n))) {
			out[id] = rc
		}
	}
	return out, nil
}

func ceilSecond(t time.Time) time.Time {
	r := t.Truncate(time.Second)
	if r.Before(t) {
		r = r.Add(time.Second)
	}
	return r
}
