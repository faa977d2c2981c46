package doclient

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/scalable-tf/terraform-provider-scalable/internal/tier"
)

// ProbeHTTP checks one droplet's app directly, for rollout health "http":
// a GET of the health check path on the droplet's public address, healthy
// on 2xx and 3xx.
//
// Against an API endpoint on this machine (the sandbox) every address is
// too: the probe refuses to dial anything but loopback, and asks the
// sandbox's control API where the droplet serves the port, because where
// the sandbox cannot bind the droplet's own address (a port below 1024
// without root) it serves it on a 127.0.0.1 port instead. An endpoint that
// has no such API (another local twin) is probed on the address as given.
func (c *Client) ProbeHTTP(ctx context.Context, d tier.Droplet, hc tier.HealthCheck) error {
	if d.PublicIPv4 == "" {
		return fmt.Errorf("no public IPv4 address yet")
	}
	addr := net.JoinHostPort(d.PublicIPv4, strconv.Itoa(hc.Port))
	if c.localEndpoint() {
		ip, err := netip.ParseAddr(d.PublicIPv4)
		if err != nil || !ip.IsLoopback() {
			return fmt.Errorf("refusing to probe %s: the API endpoint %s is on this machine, so the droplet's address must be too", addr, c.cfg.Endpoint)
		}
		local, err := c.sandboxAddress(ctx, d.ID, hc.Port)
		if err != nil {
			return err
		}
		if local != "" {
			addr = local
		}
	}
	return c.get(ctx, addr, hc)
}

// get requests the health check path on addr within the check's timeout.
func (c *Client) get(ctx context.Context, addr string, hc tier.HealthCheck) error {
	ctx, cancel := context.WithTimeout(ctx, time.Duration(max(hc.ResponseTimeoutSeconds, 1))*time.Second)
	defer cancel()
	scheme := "http"
	if hc.Protocol == "https" {
		scheme = "https"
	}
	target := scheme + "://" + addr + hc.Path
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return err
	}
	resp, err := probeClient.Do(req)
	if err != nil {
		return fmt.Errorf("GET %s: %w", target, err)
	}
	_, _ = io.CopyN(io.Discard, resp.Body, 64<<10)
	resp.Body.Close()
	if resp.StatusCode >= 400 {
		return fmt.Errorf("GET %s answered %d", target, resp.StatusCode)
	}
	return nil
}

// probeClient is a load balancer's view of a droplet: no redirects
// followed, no proxy from the environment, any certificate (droplets'
// certificates are their own, as DigitalOcean's health checks accept).
var probeClient = &http.Client{
	Transport: &http.Transport{
		Proxy:             nil,
		TLSClientConfig:   &tls.Config{InsecureSkipVerify: true}, // health checks do not verify certificates, as DigitalOcean's do not
		DisableKeepAlives: true,
	},
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// localEndpoint reports whether the API endpoint is on this machine.
func (c *Client) localEndpoint() bool {
	if c.cfg.Endpoint == "" {
		return false
	}
	u, err := url.Parse(c.cfg.Endpoint)
	if err != nil {
		return false
	}
	if u.Hostname() == "localhost" {
		return true
	}
	ip, err := netip.ParseAddr(u.Hostname())
	return err == nil && ip.IsLoopback()
}

// sandboxAddress asks the sandbox's control API where droplet id serves
// port: its public address when bound there, else its local port. "" when
// the endpoint has no control API.
func (c *Client) sandboxAddress(ctx context.Context, id, port int) (string, error) {
	u := strings.TrimRight(c.cfg.Endpoint, "/") + "/_sandbox/droplets/" + strconv.Itoa(id) + "/http"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "Bearer "+c.cfg.Token)
	resp, err := probeClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("ask the sandbox where droplet %d serves: %w", id, err)
	}
	defer resp.Body.Close()
	var body struct {
		Address     string `json:"address"`
		PublicIP    string `json:"public_ip"`
		PublicPorts []int  `json:"public_ports"`
	}
	if resp.StatusCode == http.StatusOK && json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&body) == nil && body.Address != "" {
		if slices.Contains(body.PublicPorts, port) {
			return net.JoinHostPort(body.PublicIP, strconv.Itoa(port)), nil
		}
		return body.Address, nil
	}
	// Not the sandbox, or a droplet it serves nothing for (not running):
	// the address as given answers what it answers.
	return "", nil
}
