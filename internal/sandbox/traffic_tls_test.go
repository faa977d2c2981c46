package sandbox

import (
	"crypto/tls"
	"net"
	"testing"
	"time"

	"github.com/digitalocean/godo"
)

// handshakes reports whether a TLS client configured by cfg completes a
// handshake with addr.
func handshakes(addr string, cfg *tls.Config) bool {
	cfg.InsecureSkipVerify = true
	c, err := tls.DialWithDialer(&net.Dialer{Timeout: 2 * time.Second}, "tcp", addr, cfg)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// tls_cipher_policy STRONG serves only strong TLS 1.2 suites (and TLS 1.3)
// on TLS-terminating rules; DEFAULT also accepts a weaker CBC suite. Neither
// speaks TLS 1.1: DigitalOcean's load balancers take only TLS 1.2 and 1.3.
func TestTrafficTLSCipherPolicy(t *testing.T) {
	e := newTrafficEnv(t)
	ids := e.webDroplets(1, "web", "")
	certPEM, keyPEM, _ := trafficCert(t, "shop.example.com")
	cert, _, err := e.client.Certificates.Create(e.ctx, &godo.CertificateRequest{Name: "shop", Type: "custom", LeafCertificate: certPEM, PrivateKey: keyPEM})
	if err != nil {
		t.Fatal(err)
	}
	https := godo.ForwardingRule{EntryProtocol: "https", EntryPort: 443, TargetProtocol: "http", TargetPort: 80, CertificateID: cert.ID}
	lb, _ := e.trafficLB("web", func(r *godo.LoadBalancerRequest) { r.ForwardingRules = append(r.ForwardingRules, https) })
	e.waitHealth(lb, 20*interval(10), allHealthy(ids, true))
	addr := func() string {
		ls, err := e.srv.LoadBalancerListeners(lb)
		if err != nil || len(ls) != 2 {
			t.Fatalf("listeners %+v %v", ls, err)
		}
		return ls[1].Address
	}
	weak := func() *tls.Config {
		return &tls.Config{MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA}}
	}
	tls11 := func() *tls.Config { return &tls.Config{MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11} }

	if !handshakes(addr(), weak()) {
		t.Fatal("DEFAULT refused a TLS 1.2 ECDHE-ECDSA-AES128-SHA client")
	}
	if handshakes(addr(), tls11()) {
		t.Error("DEFAULT accepted TLS 1.1")
	}

	got, _, err := e.client.LoadBalancers.Get(e.ctx, lb)
	if err != nil {
		t.Fatal(err)
	}
	req := got.AsRequest()
	req.DropletIDs = nil // the tag's droplets, answered for a tag load balancer
	req.TLSCipherPolicy = "STRONG"
	if _, _, err := e.client.LoadBalancers.Update(e.ctx, lb, req); err != nil {
		t.Fatal(err)
	}
	e.eventually(5*time.Second, "STRONG refuses the CBC suite", func() bool { return !handshakes(addr(), weak()) })
	for name, cfg := range map[string]*tls.Config{
		"TLS 1.2 AES-GCM": {MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}},
		"TLS 1.3":         {MinVersion: tls.VersionTLS13},
	} {
		if !handshakes(addr(), cfg) {
			t.Errorf("STRONG refused a %s client", name)
		}
	}
	if handshakes(addr(), tls11()) {
		t.Error("STRONG accepted TLS 1.1")
	}
}
