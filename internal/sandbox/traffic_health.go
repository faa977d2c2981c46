package sandbox

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// upstreams are the HTTP clients a load balancer talks to droplets with.
type upstreams struct {
	plain, secure *http.Transport // proxying, with keep-alive
	probe         *http.Transport // health checks: a fresh connection each
}

func newUpstreams() *upstreams {
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	insecure := &tls.Config{InsecureSkipVerify: true} // droplets' certificates are self-signed
	base := func(keepAlive bool) *http.Transport {
		return &http.Transport{
			DialContext:           dialer.DialContext,
			TLSClientConfig:       insecure,
			DisableKeepAlives:     !keepAlive,
			MaxIdleConnsPerHost:   16,
			IdleConnTimeout:       30 * time.Second,
			ResponseHeaderTimeout: 2 * MaxDropletLatency,
			DisableCompression:    true,
		}
	}
	return &upstreams{plain: base(true), secure: base(true), probe: base(false)}
}

func (u *upstreams) transport(scheme string) http.RoundTripper {
	if scheme == "https" {
		return u.secure
	}
	return u.plain
}

func (u *upstreams) closeIdle() {
	u.plain.CloseIdleConnections()
	u.secure.CloseIdleConnections()
	u.probe.CloseIdleConnections()
}

// check runs one health check against addr ("" is a droplet that refuses
// connections): a TCP connect, or an HTTP(S) GET of the path that passes
// with a 2xx or 3xx answer within the timeout.
func (u *upstreams) check(ctx context.Context, hc LBHealthCheck, addr string, timeout time.Duration) bool {
	if addr == "" {
		return false
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if hc.Protocol == "tcp" {
		var d net.Dialer
		c, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			return false
		}
		c.Close()
		return true
	}
	scheme := "http"
	if hc.Protocol == "https" {
		scheme = "https"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, scheme+"://"+addr+hc.Path, nil)
	if err != nil {
		return false
	}
	req.Header.Set("User-Agent", "DigitalOcean-LoadBalancer-HealthCheck (sandbox)")
	resp, err := u.probe.RoundTrip(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	_, _ = io.CopyN(io.Discard, resp.Body, 64<<10)
	return resp.StatusCode >= 200 && resp.StatusCode < 400
}

// checkLoop health-checks every target once per check interval (scaled),
// the first round as soon as the load balancer is active, and records the
// results in the world's health view, which decides the rotation.
func (rt *lbRuntime) checkLoop() {
	defer rt.e.wg.Done()
	for {
		started := time.Now()
		spec := rt.spec.Load()
		results := rt.checkTargets(spec)
		if rt.ctx.Err() != nil {
			return
		}
		rt.e.s.recordHealthChecks(rt.id, results, rt.publish)
		if !rt.waitInterval(started) {
			return
		}
	}
}

func (rt *lbRuntime) checkTargets(spec *lbSpec) map[int]bool {
	timeout := max(scale(time.Duration(spec.HealthCheck.ResponseTimeoutSeconds)*time.Second, rt.e.s.factor), time.Millisecond)
	results := make(map[int]bool, len(spec.Targets))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, id := range spec.Targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pass := rt.e.proxy.check(rt.ctx, spec.HealthCheck, rt.e.dropletAddress(id, spec.HealthCheck.Port), timeout)
			mu.Lock()
			results[id] = pass
			mu.Unlock()
		}()
	}
	wg.Wait()
	return results
}

// waitInterval waits until one check interval after started, following a
// changed interval; false when the load balancer goes away.
func (rt *lbRuntime) waitInterval(started time.Time) bool {
	for {
		hc := rt.spec.Load().HealthCheck
		d := time.Until(started.Add(scale(time.Duration(hc.CheckIntervalSeconds)*time.Second, rt.e.s.factor)))
		if d <= 0 {
			return true
		}
		t := time.NewTimer(d)
		select {
		case <-rt.ctx.Done():
			t.Stop()
			return false
		case <-rt.retime:
			t.Stop()
		case <-t.C:
			return true
		}
	}
}
