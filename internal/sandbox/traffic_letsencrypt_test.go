package sandbox

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/digitalocean/godo"
	"github.com/miekg/dns"
)

// controlPEM fetches the sandbox root as a user would: GET /_sandbox/ca.pem.
func (e *testEnv) controlPEM() []byte {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.http.URL+"/_sandbox/ca.pem", nil)
	req.Header.Set("Authorization", "Bearer test-token")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/x-pem-file" {
		e.t.Fatalf("GET /_sandbox/ca.pem: %d %q %v", resp.StatusCode, resp.Header.Get("Content-Type"), err)
	}
	return body
}

// resolvingClient trusts roots and connects www.example.com:443 to addr,
// as `curl --cacert sandbox-ca.pem --resolve www.example.com:443:<lb ip>`.
func resolvingClient(roots *x509.CertPool, addr string) (*http.Client, *http.Transport) {
	d := &net.Dialer{Timeout: 2 * time.Second}
	tr := &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: roots},
		DialContext: func(ctx context.Context, network, hostport string) (net.Conn, error) {
			if hostport != "www.example.com:443" {
				return nil, errors.New("only www.example.com:443 is resolved here, not " + hostport)
			}
			return d.DialContext(ctx, network, addr)
		},
	}
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}, tr
}

// The whole path by name: the domain's record resolves to the load
// balancer, the Let's Encrypt certificate for www.example.com is issued by
// the sandbox CA, and a client trusting the exported root fetches
// https://www.example.com/ through the load balancer's 443 rule; one that
// does not trust it is refused.
func TestTrafficLetsEncryptByName(t *testing.T) {
	e := newTrafficEnv(t, func(o *Options) { o.Delays.CertificateIssue = time.Second })
	ids := e.webDroplets(2, "web", "")
	e.newDomain("example.com", "")
	cert, _, err := e.client.Certificates.Create(e.ctx, &godo.CertificateRequest{Name: "www", Type: "lets_encrypt", DNSNames: []string{"www.example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	e.eventually(5*time.Second, "the certificate is verified", func() bool {
		c, _, err := e.client.Certificates.Get(e.ctx, cert.ID)
		return err == nil && c.State == "verified"
	})
	lbID, _ := e.trafficLB("web", func(r *godo.LoadBalancerRequest) {
		r.ForwardingRules = append(r.ForwardingRules, godo.ForwardingRule{
			EntryProtocol: "https", EntryPort: 443, TargetProtocol: "http", TargetPort: 80, CertificateID: cert.ID})
		r.DisableLetsEncryptDNSRecords = godo.PtrTo(true) // the test writes the record itself
	})
	e.waitHealth(lbID, 20*interval(10), allHealthy(ids, true))
	lb, _, err := e.client.LoadBalancers.Get(e.ctx, lbID)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.client.Domains.CreateRecord(e.ctx, "example.com", &godo.DomainRecordEditRequest{Type: "A", Name: "www", Data: lb.IP}); err != nil {
		t.Fatal(err)
	}
	e.eventually(5*time.Second, "www.example.com resolves", func() bool {
		got := aRecords(e.resolve("udp", "www.example.com", dns.TypeA))
		return len(got) == 1 && got[0] == lb.IP
	})
	ls, err := e.srv.LoadBalancerListeners(lbID)
	if err != nil || len(ls) != 2 {
		t.Fatalf("listeners %+v %v", ls, err)
	}
	if ls[1].PublicAddress != "" && ls[1].PublicAddress != net.JoinHostPort(lb.IP, "443") {
		t.Fatalf("the https rule is bound at %s, not at the ip www resolves to", ls[1].PublicAddress)
	}

	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(e.controlPEM()) {
		t.Fatal("GET /_sandbox/ca.pem is no PEM certificate")
	}
	client, tr := resolvingClient(roots, ls[1].Address)
	defer tr.CloseIdleConnections()
	resp, err := client.Get("https://www.example.com/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("X-Droplet-Id") == "" || resp.TLS.PeerCertificates[0].DNSNames[0] != "www.example.com" {
		t.Errorf("https://www.example.com/: %d %v", resp.StatusCode, resp.Header)
	}

	untrusting, tr2 := resolvingClient(x509.NewCertPool(), ls[1].Address)
	defer tr2.CloseIdleConnections()
	var unknown x509.UnknownAuthorityError
	if _, err := untrusting.Get("https://www.example.com/"); !errors.As(err, &unknown) {
		t.Errorf("without the sandbox root: %v, want an unknown authority", err)
	}
}
