package sandbox

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"math/big"
	"net/http"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/digitalocean/godo"
)

// miscCert is a self-signed certificate made in the test, with its key.
type miscCert struct {
	der     []byte
	certPEM string
	keyPEM  string
}

func miscSelfSigned(t *testing.T, key crypto.Signer, dnsNames []string, notAfter time.Time) miscCert {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(42),
		Subject:      pkix.Name{CommonName: "sandbox test"},
		DNSNames:     dnsNames,
		NotBefore:    notAfter.Add(-365 * 24 * time.Hour),
		NotAfter:     notAfter,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return miscCert{
		der:     der,
		certPEM: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		keyPEM:  string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})),
	}
}

func miscECKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestCustomCertificateLifecycle(t *testing.T) {
	e := newTestEnv(t)
	key := miscECKey(t)
	notAfter := testEpoch.Add(200 * 24 * time.Hour).Truncate(time.Second)
	c := miscSelfSigned(t, key, []string{"www.example.com", "example.com"}, notAfter)
	// A SEC 1 ("EC PRIVATE KEY") key is accepted as well as PKCS #8.
	sec1, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	cert, resp, err := e.client.Certificates.Create(e.ctx, &godo.CertificateRequest{
		Name:             "web-cert-01",
		PrivateKey:       string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: sec1})),
		LeafCertificate:  c.certPEM,
		CertificateChain: c.certPEM,
	})
	if err != nil {
		t.Fatal(err)
	}
	sum := sha1.Sum(c.der)
	if resp.StatusCode != http.StatusCreated || cert.ID == "" || cert.Type != "custom" || cert.State != "verified" ||
		cert.NotAfter != timestamp(notAfter) || cert.SHA1Fingerprint != hex.EncodeToString(sum[:]) ||
		!slices.Equal(cert.DNSNames, []string{"www.example.com", "example.com"}) || cert.Created != timestamp(testEpoch) {
		t.Fatalf("created %d %+v", resp.StatusCode, cert)
	}
	raw, err := miscRaw(t, e, http.MethodGet, "v2/certificates/"+cert.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := raw["certificate"].(map[string]any)
	if len(got) != 8 || got["private_key"] != nil {
		t.Errorf("certificate JSON %v: want exactly id, name, not_after, sha1_fingerprint, created_at, dns_names, state, type", got)
	}

	e.advance(time.Second)
	other := miscSelfSigned(t, miscECKey(t), []string{"api.example.com"}, notAfter)
	otherKey := other.keyPEM
	if _, _, err := e.client.Certificates.Create(e.ctx, &godo.CertificateRequest{Name: "api-cert", Type: "custom", PrivateKey: otherKey, LeafCertificate: other.certPEM}); err != nil {
		t.Fatal(err)
	}
	list, resp, err := e.client.Certificates.List(e.ctx, &godo.ListOptions{PerPage: 1})
	if err != nil || len(list) != 1 || list[0].ID != cert.ID || resp.Meta.Total != 2 {
		t.Fatalf("list %v %v", err, list)
	}
	byName, _, err := e.client.Certificates.ListByName(e.ctx, "api-cert", nil)
	if err != nil || len(byName) != 1 || byName[0].Name != "api-cert" {
		t.Fatalf("by name %v %v", err, byName)
	}
	if none, _, _ := e.client.Certificates.ListByName(e.ctx, "api", nil); len(none) != 0 {
		t.Errorf("the name filter is not exact: %v", none)
	}
	e.srv.Inspect(func(w *World) {
		if c := w.certificateByName("web-cert-01"); c == nil || c.ID != cert.ID || c.PrivateKey == "" {
			t.Errorf("certificateByName: %+v", c)
		}
		if w.certificateByName("nope") != nil {
			t.Error("certificateByName found a missing certificate")
		}
	})

	if resp, err := e.client.Certificates.Delete(e.ctx, cert.ID); err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatal(err)
	}
	_, _, err = e.client.Certificates.Get(e.ctx, cert.ID)
	e.apiError(err, http.StatusNotFound, "not_found")
	_, err = e.client.Certificates.Delete(e.ctx, cert.ID)
	e.apiError(err, http.StatusNotFound, "not_found")
}

func TestCustomCertificateValidation(t *testing.T) {
	key := miscECKey(t)
	good := miscSelfSigned(t, key, []string{"example.com"}, testEpoch.Add(90*24*time.Hour))
	mismatched := miscSelfSigned(t, miscECKey(t), []string{"example.com"}, testEpoch.Add(90*24*time.Hour))
	expired := miscSelfSigned(t, key, []string{"example.com"}, testEpoch.Add(-24*time.Hour))
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	weak := miscSelfSigned(t, small, []string{"example.com"}, testEpoch.Add(90*24*time.Hour))
	garbageCert := "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"

	cases := []struct {
		name   string
		change func(r *godo.CertificateRequest)
		want   string
	}{
		{"name missing", func(r *godo.CertificateRequest) { r.Name = "" }, "name is required"},
		{"name taken", func(r *godo.CertificateRequest) { r.Name = "taken" }, "name is not unique"},
		{"type unknown", func(r *godo.CertificateRequest) { r.Type = "self_signed" }, `type "self_signed" is invalid; allowed types: custom, lets_encrypt`},
		{"leaf missing", func(r *godo.CertificateRequest) { r.LeafCertificate = "" }, "leaf_certificate is required"},
		{"key missing", func(r *godo.CertificateRequest) { r.PrivateKey = "" }, "private_key is required"},
		{"leaf not PEM", func(r *godo.CertificateRequest) { r.LeafCertificate = "hello" }, "Invalid certificate data: leaf_certificate is not a PEM-encoded certificate"},
		{"leaf does not parse", func(r *godo.CertificateRequest) { r.LeafCertificate = garbageCert }, "leaf_certificate could not be parsed"},
		{"key does not match", func(r *godo.CertificateRequest) { r.PrivateKey = mismatched.keyPEM }, "private key does not match the leaf certificate"},
		{"key not PEM", func(r *godo.CertificateRequest) { r.PrivateKey = "secret" }, "private_key is not a PEM-encoded private key"},
		{"key is a certificate", func(r *godo.CertificateRequest) { r.PrivateKey = good.certPEM }, "private_key could not be parsed"},
		{"leaf expired", func(r *godo.CertificateRequest) { r.LeafCertificate, r.PrivateKey = expired.certPEM, expired.keyPEM }, "the leaf certificate expired on"},
		{"key too small", func(r *godo.CertificateRequest) { r.LeafCertificate, r.PrivateKey = weak.certPEM, weak.keyPEM }, "Invalid certificate data: the provided private key is not a minimum of 2048 bits (RSA) or 224 bits (ECDSA)"},
		{"chain garbage", func(r *godo.CertificateRequest) { r.CertificateChain = garbageCert }, "certificate_chain holds a certificate that could not be parsed"},
		{"chain holds a key", func(r *godo.CertificateRequest) { r.CertificateChain = good.keyPEM }, "certificate_chain must hold only PEM-encoded certificates"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t)
			e.newDomain("example.com", "")
			if _, _, err := e.client.Certificates.Create(e.ctx, &godo.CertificateRequest{Name: "taken", Type: "lets_encrypt", DNSNames: []string{"taken.example.com"}}); err != nil {
				t.Fatal(err)
			}
			req := &godo.CertificateRequest{Name: "web", Type: "custom", PrivateKey: good.keyPEM, LeafCertificate: good.certPEM}
			tc.change(req)
			_, _, err := e.client.Certificates.Create(e.ctx, req)
			miscMessage(t, e.apiError(err, http.StatusUnprocessableEntity, "unprocessable_entity"), tc.want)
			e.srv.Inspect(func(w *World) {
				if len(w.Certificates) != 1 {
					t.Error("a refused certificate was stored")
				}
			})
		})
	}
}

// A Let's Encrypt certificate is pending until its due time, then issued
// by the sandbox CA: a real leaf for its names, whose sha1 is the
// fingerprint the API shows, valid 90 days from issue.
func TestLetsEncryptCertificateIssues(t *testing.T) {
	e := newTestEnv(t)
	e.newDomain("example.com", "")
	cert, resp, err := e.client.Certificates.Create(e.ctx, &godo.CertificateRequest{
		Name: "le", Type: "lets_encrypt", DNSNames: []string{"www.example.com", "*.example.com", "www.example.com"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusCreated || cert.State != "pending" || cert.Type != "lets_encrypt" || cert.SHA1Fingerprint != "" ||
		!slices.Equal(cert.DNSNames, []string{"www.example.com", "*.example.com"}) {
		t.Fatalf("created %+v", cert)
	}
	e.advance(e.srv.delays.CertificateIssue - time.Second)
	if got, _, _ := e.client.Certificates.Get(e.ctx, cert.ID); got.State != "pending" {
		t.Fatalf("state %q a second early", got.State)
	}
	e.advance(time.Second)
	got, _, err := e.client.Certificates.Get(e.ctx, cert.ID)
	if err != nil {
		t.Fatal(err)
	}
	issued := testEpoch.Add(e.srv.delays.CertificateIssue)
	if got.State != "verified" || got.NotAfter != timestamp(issued.Add(LetsEncryptValidity)) || len(got.SHA1Fingerprint) != 40 {
		t.Fatalf("after issuing %+v", got)
	}
	leaf := issuedLeaf(t, e, cert.ID)
	if sum := sha1.Sum(leaf.Raw); hex.EncodeToString(sum[:]) != got.SHA1Fingerprint {
		t.Errorf("sha1_fingerprint %s is not the leaf's", got.SHA1Fingerprint)
	}
	if !slices.Equal(leaf.DNSNames, []string{"www.example.com", "*.example.com"}) || !leaf.NotAfter.Equal(issued.Add(LetsEncryptValidity)) {
		t.Errorf("leaf names %v, not after %v", leaf.DNSNames, leaf.NotAfter)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM([]byte(e.srv.CACertificatePEM()))
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, DNSName: "shop.example.com", CurrentTime: issued}); err != nil {
		t.Errorf("the leaf does not chain to the sandbox CA for a wildcard name: %v", err)
	}
}

// issuedLeaf is the leaf the sandbox keeps for a certificate.
func issuedLeaf(t *testing.T, e *testEnv, id string) *x509.Certificate {
	t.Helper()
	var leafPEM string
	e.srv.Inspect(func(w *World) { leafPEM = w.Certificates[id].LeafCertificate })
	block, _ := pem.Decode([]byte(leafPEM))
	if block == nil {
		t.Fatalf("certificate %s has no leaf", id)
	}
	leaf, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return leaf
}

// DigitalOcean issues Let's Encrypt certificates only for names in its
// own DNS: a name whose domain is not in the account is refused at create.
func TestLetsEncryptNeedsTheDomain(t *testing.T) {
	e := newTestEnv(t)
	e.newDomain("example.com", "")
	_, _, err := e.client.Certificates.Create(e.ctx, &godo.CertificateRequest{Name: "le", Type: "lets_encrypt", DNSNames: []string{"www.example.com", "www.example.org"}})
	miscMessage(t, e.apiError(err, http.StatusUnprocessableEntity, "unprocessable_entity"),
		"one or more domains in dns_names are not managed by DigitalOcean DNS in this account: www.example.org")
	if cs, _, _ := e.client.Certificates.List(e.ctx, nil); len(cs) != 0 {
		t.Errorf("a refused certificate was stored: %+v", cs)
	}
	// A sub-domain zone of its own serves its names too.
	e.newDomain("shop.example.org", "")
	if _, _, err := e.client.Certificates.Create(e.ctx, &godo.CertificateRequest{Name: "shop", Type: "lets_encrypt", DNSNames: []string{"*.shop.example.org"}}); err != nil {
		t.Errorf("a name in a sub-domain zone: %v", err)
	}
}

// A domain deleted while the certificate is pending fails its validation:
// the certificate reads "error" and has no leaf.
func TestLetsEncryptErrorsWhenTheDomainGoes(t *testing.T) {
	e := newTestEnv(t)
	e.newDomain("example.com", "")
	cert, _, err := e.client.Certificates.Create(e.ctx, &godo.CertificateRequest{Name: "le", Type: "lets_encrypt", DNSNames: []string{"www.example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.Domains.Delete(e.ctx, "example.com"); err != nil {
		t.Fatal(err)
	}
	e.advance(e.srv.delays.CertificateIssue)
	got, _, err := e.client.Certificates.Get(e.ctx, cert.ID)
	if err != nil || got.State != "error" || got.SHA1Fingerprint != "" {
		t.Fatalf("after its domain went: %+v %v", got, err)
	}
	e.srv.Inspect(func(w *World) {
		if w.Certificates[cert.ID].LeafCertificate != "" {
			t.Error("an errored certificate has a leaf")
		}
	})
}

func TestLetsEncryptValidation(t *testing.T) {
	cases := []struct {
		name  string
		names []string
		want  string
	}{
		{"no names", nil, "dns_names must list at least one domain"},
		{"single label", []string{"localhost"}, `"localhost" is not a fully qualified domain name`},
		{"inner wildcard", []string{"www.*.example.com"}, `"www.*.example.com" is not a fully qualified domain name`},
		{"underscore", []string{"my_site.example.com"}, `"my_site.example.com"`},
		{"trailing dash", []string{"web-.example.com"}, `"web-.example.com"`},
		{"url", []string{"https://example.com"}, `"https://example.com"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t)
			_, _, err := e.client.Certificates.Create(e.ctx, &godo.CertificateRequest{Name: "le", Type: "lets_encrypt", DNSNames: tc.names})
			miscMessage(t, e.apiError(err, http.StatusUnprocessableEntity, "unprocessable_entity"), tc.want)
		})
	}
}

func TestCertificatesPersist(t *testing.T) {
	path := filepath.Join(t.TempDir(), "world.json")
	e := newTestEnv(t, func(o *Options) { o.StateFile = path })
	e.newDomain("example.com", "")
	root := e.srv.CACertificatePEM()
	c := miscSelfSigned(t, miscECKey(t), []string{"example.com"}, testEpoch.Add(90*24*time.Hour))
	custom, _, err := e.client.Certificates.Create(e.ctx, &godo.CertificateRequest{Name: "custom", PrivateKey: c.keyPEM, LeafCertificate: c.certPEM})
	if err != nil {
		t.Fatal(err)
	}
	le, _, err := e.client.Certificates.Create(e.ctx, &godo.CertificateRequest{Name: "le", Type: "lets_encrypt", DNSNames: []string{"example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	e = miscRestart(t, e, path)
	if e.srv.CACertificatePEM() != root {
		t.Error("the sandbox CA changed across a restart")
	}
	got, _, err := e.client.Certificates.Get(e.ctx, custom.ID)
	if err != nil || got.SHA1Fingerprint != custom.SHA1Fingerprint || got.NotAfter != custom.NotAfter || got.State != "verified" {
		t.Fatalf("custom after restart: %v %+v", err, got)
	}
	e.srv.Inspect(func(w *World) {
		if w.certificateByName("custom").LeafCertificate != c.certPEM {
			t.Error("the uploaded PEM was not kept")
		}
	})
	// The pending issue survives the restart.
	e.advance(e.srv.delays.CertificateIssue)
	if got, _, _ := e.client.Certificates.Get(e.ctx, le.ID); got.State != "verified" {
		t.Errorf("lets_encrypt after restart and delay: %+v", got)
	}
	e.srv.Reset()
	if e.srv.CACertificatePEM() != root {
		t.Error("the sandbox CA changed across a reset")
	}
	if other := newTestEnv(t); other.srv.CACertificatePEM() == root {
		t.Error("two sandboxes share a CA")
	}
}
