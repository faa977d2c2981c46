package sandbox

import (
	"cmp"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/scalable-tf/terraform-provider-scalable/internal/sandbox/console"
)

// The console (package console) is the live web page under
// /_sandbox/console. It sees the world through consoleWorld: one bounded
// copy per sample, taken under the world's lock and rendered outside it.

// maxConsolePath bounds the path a request is recorded with.
const maxConsolePath = 200

func (s *Server) newConsole() *console.Console {
	return console.New(consoleWorld{s}, console.Options{Token: s.token, Interval: consoleInterval(s.factor)})
}

// consoleInterval samples once a second, faster at small time scales so a
// rollout's waves still show: 10 s of the sandbox's time, 100 ms at least.
func consoleInterval(factor float64) time.Duration {
	return min(max(scale(10*time.Second, factor), 100*time.Millisecond), time.Second)
}

// consoleEndpoints are the console's routes in the control API's table.
func consoleEndpoints() []controlEndpoint {
	out := make([]controlEndpoint, 0, len(console.Routes))
	for _, r := range console.Routes {
		out = append(out, controlEndpoint{r.Pattern, r.Body, r.Effect, (*Server).ctlConsole})
	}
	return out
}

// ctlConsole hands a request to the console, which checks the token (or
// its cookie) itself.
func (s *Server) ctlConsole(w http.ResponseWriter, r *http.Request) { s.console.ServeHTTP(w, r) }

// consolePath reports a path the console authorizes itself: its page asks
// for the token, its data takes the page's cookie too.
func consolePath(p string) bool {
	return p == console.Prefix || strings.HasPrefix(p, console.Prefix+"/")
}

// recordRequest adds one answered API request to the console's log.
func (s *Server) recordRequest(r *http.Request, status int, started time.Time, requestID string) {
	path := r.URL.Path
	if r.URL.RawQuery != "" {
		path += "?" + r.URL.RawQuery
	}
	if len(path) > maxConsolePath {
		path = path[:maxConsolePath] + "…"
	}
	s.console.Requests().Add(console.Request{At: started.UTC(), Method: r.Method, Path: path, Status: status,
		LatencyMS: float64(time.Since(started).Microseconds()) / 1000, RequestID: requestID})
}

// consoleWorld is the world as the console sees it.
type consoleWorld struct{ s *Server }

// View copies what the console shows: settled, within the limits, and
// nothing the world keeps a reference to.
func (c consoleWorld) View(limits console.Limits) console.View {
	s := c.s
	v := console.View{TimeScale: s.factor, Traffic: s.traffic != nil, Faults: consoleFaults(s.Faults())}
	if s.traffic != nil {
		v.Sent = s.traffic.SentCounts() // the data plane's own locks, not the world's
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	s.settle(now)
	w := s.world
	droplets := w.dropletsSorted()
	v.Truncated += max(len(droplets)-limits.Droplets, 0)
	images := map[int]string{} // imageLabel walks the catalog: once per image
	for _, d := range droplets[:min(len(droplets), limits.Droplets)] {
		if _, ok := images[d.ImageID]; !ok {
			images[d.ImageID] = w.imageLabel(d.ImageID)
		}
		v.Droplets = append(v.Droplets, consoleDroplet(d, images[d.ImageID]))
	}
	lbs := w.loadBalancersSorted()
	v.Truncated += max(len(lbs)-limits.LoadBalancers, 0)
	for _, lb := range lbs[:min(len(lbs), limits.LoadBalancers)] {
		v.LoadBalancers = append(v.LoadBalancers, w.consoleLoadBalancer(lb))
	}
	pools := w.poolsSorted()
	v.Truncated += max(len(pools)-limits.Pools, 0)
	for _, p := range pools[:min(len(pools), limits.Pools)] {
		v.Pools = append(v.Pools, w.consolePool(p, now))
	}
	return v
}

func consoleDroplet(d *Droplet, image string) console.Droplet {
	return console.Droplet{ID: d.ID, Name: d.Name, Status: d.Status, Image: image, Size: d.Size, Region: d.Region,
		Tags: slices.Clone(d.Tags), PublicIPv4: d.PublicIPv4, PrivateIPv4: d.PrivateIPv4, Killed: d.Killed, FailsHealth: d.FailsHealth,
		CreatedAt: d.CreatedAt}
}

func (w *World) consoleLoadBalancer(lb *LoadBalancer) console.LoadBalancer {
	hc := lb.HealthCheck
	out := console.LoadBalancer{ID: lb.ID, Name: lb.Name, Status: lb.Status, IP: lb.IP, Tag: lb.Tag, Algorithm: lb.Algorithm,
		HealthCheck: console.HealthCheck{Protocol: hc.Protocol, Port: hc.Port, Path: hc.Path, CheckIntervalSeconds: hc.CheckIntervalSeconds,
			HealthyThreshold: hc.HealthyThreshold, UnhealthyThreshold: hc.UnhealthyThreshold}}
	for _, r := range lb.ForwardingRules {
		out.Rules = append(out.Rules, console.Rule{EntryProtocol: r.EntryProtocol, EntryPort: r.EntryPort, TargetProtocol: r.TargetProtocol,
			TargetPort: r.TargetPort, Certificate: cmp.Or(r.CertificateName, r.CertificateID), TLSPassthrough: r.TLSPassthrough})
	}
	for _, d := range w.targetsOf(lb) {
		t := console.Target{DropletID: d.ID}
		if rec := lb.Targets[d.ID]; rec != nil {
			t.Healthy, t.Passing, t.Streak, t.Since = rec.Healthy, rec.Passing, rec.Streak, rec.PassingSince
		}
		out.Targets = append(out.Targets, t)
	}
	return out
}

func (w *World) consolePool(p *AutoscalePool, now time.Time) console.Pool {
	out := console.Pool{ID: p.ID, Name: p.Name, Status: p.Status, Desired: p.Desired, Min: p.Config.MinInstances, Max: p.Config.MaxInstances,
		Fixed: p.Config.TargetNumberInstances, TargetCPU: p.Config.TargetCPUUtilization, TargetMemory: p.Config.TargetMemoryUtilization}
	if u, ok := w.averageUtilization(p.Members, now); ok {
		out.Utilization = &console.Utilization{CPU: u.CPU, Memory: u.Memory}
	}
	for _, m := range p.Members {
		d := w.Droplets[m.DropletID]
		if d == nil {
			continue
		}
		cm := console.Member{DropletID: m.DropletID, Status: memberStatus(m, d), Retiring: m.retiring()}
		if reports(m, d, now) {
			u := d.utilization()
			cm.Utilization = &console.Utilization{CPU: u.CPU, Memory: u.Memory}
		}
		out.Members = append(out.Members, cm)
	}
	return out
}

func consoleFaults(rules []FaultRule) []console.Fault {
	out := make([]console.Fault, 0, len(rules))
	for _, r := range rules {
		f := console.Fault{Endpoint: r.Endpoint, ErrorRate: r.ErrorRate, Status: r.Status, After: r.After, FailNext: r.FailNext,
			AfterCommit: r.AfterCommit, Matched: r.Matched, Failed: r.Failed}
		if r.Latency > 0 {
			f.Latency = time.Duration(r.Latency).String()
		}
		out = append(out, f)
	}
	return out
}
