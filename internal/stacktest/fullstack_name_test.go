package stacktest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/scalable-tf/terraform-provider-scalable/internal/sandbox"
)

// TestAccFullStackExampleByName applies examples/full-stack as make demo
// does: www.example.com with Let's Encrypt in a sandbox account holding
// example.com. It checks what the demo shows: the name resolves at the
// sandbox's DNS server to the load balancer, https://www.example.com/
// answers from every droplet with a certificate for the name that the
// sandbox's CA signed, HTTP is redirected, a droplet refuses a direct
// request (the tier's firewall); and that a plan right after the apply is
// empty and the destroy leaves nothing.
func TestAccFullStackExampleByName(t *testing.T) {
	requireAcc(t)
	t.Parallel()
	srv := startSandbox(t, withTraffic)
	sandboxPost(t, srv, "/v2/domains", map[string]any{"name": "example.com"})
	work := t.TempDir()
	copyTree(t, work, "examples", "modules")
	dir := filepath.Join(work, "examples", "full-stack")

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	tf := newTerraform(t, sandboxEnv(srv)...)
	tf.run(ctx, dir, "init", "-backend=false")
	vars := []string{"-input=false", "-var=domain=example.com", "-var=record=www", "-var=lets_encrypt=true"}
	tf.run(ctx, dir, append([]string{"apply", "-auto-approve"}, vars...)...)
	if out, code := tf.exitCode(ctx, dir, append([]string{"plan", "-detailed-exitcode"}, vars...)...); code != 0 {
		t.Errorf("plan right after the apply is not empty (exit code %d):\n%s", code, out)
	}
	if url := tf.output(ctx, dir, "url"); url != "https://www.example.com" {
		t.Errorf("url = %q, want https://www.example.com", url)
	}
	lbIP, lbID := tf.output(ctx, dir, "load_balancer_ip"), tf.output(ctx, dir, "load_balancer_id")

	if got := resolveA(t, srv, "www.example.com"); len(got) != 1 || got[0] != lbIP {
		t.Errorf("www.example.com resolves to %v, want the load balancer's %s", got, lbIP)
	}

	listeners := map[int]string{}
	ls, err := srv.LoadBalancerListeners(lbID)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range ls {
		listeners[l.EntryPort] = l.Address
	}
	if listeners[443] == "" || listeners[80] == "" {
		t.Fatalf("the load balancer should listen on 80 and 443: %+v", ls)
	}
	client := byNameClient(t, srv, listeners)
	seen := map[string]bool{}
	deadline := time.Now().Add(30 * time.Second)
	for len(seen) < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("after 30 s only droplets %v answered https://www.example.com/", seen)
		}
		resp, err := client.Get("https://www.example.com/")
		if err != nil {
			t.Fatalf("https://www.example.com/ trusting the sandbox CA: %v", err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			time.Sleep(20 * time.Millisecond) // not in rotation yet: 503
			continue
		}
		if names := resp.TLS.PeerCertificates[0].DNSNames; len(names) != 1 || names[0] != "www.example.com" {
			t.Fatalf("the certificate served is for %v, want www.example.com", names)
		}
		seen[resp.Header.Get("X-Droplet-Id")] = true
	}

	resp, err := client.Get("http://www.example.com/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusMovedPermanently || !strings.HasPrefix(loc, "https://www.example.com") {
		t.Errorf("http://www.example.com/ answered %d Location %q, want a redirect to https", resp.StatusCode, loc)
	}

	var ids []int
	if err := json.Unmarshal([]byte(tf.run(ctx, dir, "output", "-json", "droplet_ids")), &ids); err != nil || len(ids) != 3 {
		t.Fatalf("droplet_ids output: %v %v", ids, err)
	}
	for _, id := range ids {
		addr := directAddress(t, srv, id)
		c := &http.Client{Timeout: 3 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
		if resp, err := c.Get("http://" + addr + "/"); err == nil {
			resp.Body.Close()
			t.Errorf("droplet %d answered a direct request on %s (%d): the firewall should admit only the load balancer", id, addr, resp.StatusCode)
		}
	}

	tf.run(ctx, dir, append([]string{"destroy", "-auto-approve"}, vars...)...)
	if left := sandboxLeftovers(srv); len(left) > 0 {
		t.Errorf("destroy left these behind: %v", left)
	}
}

// resolveA asks the sandbox's DNS server for name's A records.
func resolveA(t *testing.T, srv *sandbox.Server, name string) []string {
	t.Helper()
	addr, err := srv.DNSAddress()
	if err != nil {
		t.Fatal(err)
	}
	r, _, err := (&dns.Client{Timeout: 2 * time.Second}).Exchange(new(dns.Msg).SetQuestion(dns.Fqdn(name), dns.TypeA), addr)
	if err != nil {
		t.Fatalf("A %s at %s: %v", name, addr, err)
	}
	var out []string
	for _, rr := range r.Answer {
		if a, ok := rr.(*dns.A); ok {
			out = append(out, a.A.String())
		}
	}
	return out
}

// byNameClient trusts only the sandbox's CA and sends www.example.com's
// ports 80 and 443 to the load balancer's listeners, as curl --cacert
// sandbox-ca.pem --resolve does; it does not follow redirects.
func byNameClient(t *testing.T, srv *sandbox.Server, listeners map[int]string) *http.Client {
	t.Helper()
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM([]byte(srv.CACertificatePEM())) {
		t.Fatal("the sandbox's CA is no PEM certificate")
	}
	d := &net.Dialer{Timeout: 2 * time.Second}
	tr := &http.Transport{
		TLSClientConfig:   &tls.Config{RootCAs: roots},
		DisableKeepAlives: true,
		DialContext: func(ctx context.Context, network, hostport string) (net.Conn, error) {
			switch hostport {
			case "www.example.com:443":
				return d.DialContext(ctx, network, listeners[443])
			case "www.example.com:80":
				return d.DialContext(ctx, network, listeners[80])
			}
			return nil, &net.AddrError{Err: "only www.example.com is resolved here", Addr: hostport}
		},
	}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 5 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// directAddress is where droplet id serves port 80 itself: its public
// address when the sandbox could bind it, else its 127.0.0.1 port.
func directAddress(t *testing.T, srv *sandbox.Server, id int) string {
	t.Helper()
	h, err := srv.DropletHTTP(id)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range h.PublicPorts {
		if p == 80 {
			return h.PublicIP + ":80"
		}
	}
	return h.Address
}
