package traffic

import (
	"cmp"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"
)

// upstreams are the HTTP clients a load balancer talks to droplets with.
// Every connection is dialled through lbConns, so droplets know it for a
// load balancer's (traffic_firewall.go), and carries a PROXY v1 header
// when the context asks for one.
type upstreams struct {
	pooled, pooledTLS *http.Transport // enable_backend_keepalive
	once, onceTLS     *http.Transport // a connection per request (also for PROXY protocol)
	probe             *http.Transport // health checks: a fresh connection each
}

func newUpstreams(conns *lbConns) *upstreams {
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	dial := func(ctx context.Context, _, addr string) (net.Conn, error) {
		c, err := conns.dial(ctx, dialer, addr)
		if err != nil {
			return nil, err
		}
		if h, ok := ctx.Value(proxyHeaderKey{}).(string); ok {
			if _, err := io.WriteString(c, h); err != nil {
				c.Close()
				return nil, err
			}
		}
		return c, nil
	}
	insecure := &tls.Config{InsecureSkipVerify: true} // droplets' certificates are self-signed
	base := func(keepAlive bool) *http.Transport {
		return &http.Transport{
			DialContext:           dial,
			TLSClientConfig:       insecure,
			DisableKeepAlives:     !keepAlive,
			MaxIdleConnsPerHost:   16,
			IdleConnTimeout:       30 * time.Second,
			ResponseHeaderTimeout: 2 * MaxDropletLatency,
			DisableCompression:    true,
		}
	}
	return &upstreams{pooled: base(true), pooledTLS: base(true), once: base(false), onceTLS: base(false), probe: base(false)}
}

// dialTarget opens a TCP proxy's connection to a target, as the HTTP
// transports do (remembered, with the PROXY header the context asks for).
func (u *upstreams) dialTarget(ctx context.Context, addr string) (net.Conn, error) {
	return u.once.DialContext(ctx, "tcp", addr)
}

// transport is how a rule reaches its targets: pooled connections only
// with keepalive and without PROXY protocol (each header names one client).
func (u *upstreams) transport(scheme string, keepalive bool) http.RoundTripper {
	switch {
	case scheme == "https" && keepalive:
		return u.pooledTLS
	case scheme == "https":
		return u.onceTLS
	case keepalive:
		return u.pooled
	}
	return u.once
}

func (u *upstreams) closeIdle() {
	for _, t := range []*http.Transport{u.pooled, u.pooledTLS, u.once, u.onceTLS, u.probe} {
		t.CloseIdleConnections()
	}
}

type proxyHeaderKey struct{}

// withProxyHeader asks the dial to send a PROXY v1 header for a client
// that connected from client to the load balancer's frontend.
func withProxyHeader(ctx context.Context, client, frontend string) context.Context {
	return context.WithValue(ctx, proxyHeaderKey{}, proxyV1Header(client, frontend))
}

// proxyV1Header is HAProxy's PROXY protocol v1 line.
func proxyV1Header(client, frontend string) string {
	src, errS := netip.ParseAddrPort(client)
	dst, errD := netip.ParseAddrPort(frontend)
	if errS != nil || errD != nil {
		return "PROXY UNKNOWN\r\n"
	}
	family := "TCP4"
	if src.Addr().Unmap().Is6() {
		family = "TCP6"
	}
	return fmt.Sprintf("PROXY %s %s %s %d %d\r\n", family, src.Addr().Unmap(), dst.Addr().Unmap(), src.Port(), dst.Port())
}

// check runs one health check against addr ("" is a droplet that refuses
// connections): a TCP connect, or an HTTP(S) GET of the path that passes
// with a 2xx or 3xx answer within the timeout.
func (u *upstreams) check(ctx context.Context, hc HealthCheck, addr string, timeout time.Duration) bool {
	if addr == "" {
		return false
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if hc.Protocol == "tcp" {
		c, err := u.probe.DialContext(ctx, "tcp", addr)
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
		if healthy, seq, ok := rt.e.world.RecordHealth(rt.id, results); ok {
			rt.publish(healthy, seq)
		}
		if !rt.waitInterval(started) {
			return
		}
	}
}

// checkTargets checks every target at once. A check the droplet's cloud
// firewall does not let through from the load balancer fails, as its
// packets would be dropped; with PROXY protocol the check sends the header
// too, naming the load balancer.
func (rt *lbRuntime) checkTargets(spec *Balancer) map[int]bool {
	timeout := max(scale(time.Duration(spec.HealthCheck.ResponseTimeoutSeconds)*time.Second, rt.e.opts.TimeScale), time.Millisecond)
	results := make(map[int]bool, len(spec.Targets))
	ctx := withLB(rt.ctx, rt.id)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, id := range spec.Targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			port, addr := spec.HealthCheck.Port, rt.e.dropletAddress(id, spec.HealthCheck.Port)
			ctx := ctx
			if spec.ProxyProtocol {
				ctx = withProxyHeader(ctx, net.JoinHostPort(cmp.Or(spec.PublicIP, "127.0.0.1"), "0"), addr)
			}
			pass := rt.e.firewallAllows(id, port, rt.id, spec.PublicIP) && rt.e.proxy.check(ctx, spec.HealthCheck, addr, timeout)
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
		d := time.Until(started.Add(scale(time.Duration(hc.CheckIntervalSeconds)*time.Second, rt.e.opts.TimeScale)))
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
