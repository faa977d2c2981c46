package traffic

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"slices"
	"strings"
	"sync"
	"time"
)

// strongCipherSuites are the TLS 1.2 suites a load balancer with
// tls_cipher_policy STRONG offers: ECDHE key exchange with an AEAD cipher
// only (TLS 1.3's suites are all of that kind). DigitalOcean publishes no
// list; this is the usual "strong" set, without CBC or RSA key exchange.
var strongCipherSuites = []uint16{
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
}

// listenerTLSConfig is what a TLS-terminating rule serves with. DEFAULT
// keeps Go's defaults, which already refuse TLS 1.0 and 1.1 as
// DigitalOcean's load balancers do; STRONG also narrows the TLS 1.2 suites.
func listenerTLSConfig(policy string, cert tls.Certificate, protos []string) *tls.Config {
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: protos}
	if policy == "STRONG" {
		cfg.MinVersion = tls.VersionTLS12
		cfg.CipherSuites = strongCipherSuites
	}
	return cfg
}

// tlsStore makes self-signed certificates once and keeps them.
type tlsStore struct {
	mu         sync.Mutex
	selfSigned map[string]tls.Certificate // by sorted DNS names
}

func newTLSStore() *tlsStore { return &tlsStore{selfSigned: map[string]tls.Certificate{}} }

// dropletCertificate is what droplets answer TLS with.
func (t *tlsStore) dropletCertificate() (tls.Certificate, error) {
	return t.selfSignedFor(nil)
}

// listenerCertificate is what a load balancer rule terminates TLS with: the
// custom certificate's own PEMs, else a self-signed one for its names.
func (t *tlsStore) listenerCertificate(m *Cert) (tls.Certificate, error) {
	if m != nil && m.Leaf != "" && m.Key != "" {
		chain := m.Leaf
		if m.Chain != "" {
			chain = strings.TrimRight(m.Leaf, "\n") + "\n" + m.Chain
		}
		if c, err := tls.X509KeyPair([]byte(chain), []byte(m.Key)); err == nil {
			return c, nil
		}
	}
	var names []string
	if m != nil {
		names = m.DNSNames
	}
	return t.selfSignedFor(names)
}

func (t *tlsStore) selfSignedFor(names []string) (tls.Certificate, error) {
	names = slices.Sorted(slices.Values(append([]string{"localhost"}, names...)))
	names = slices.Compact(names)
	key := strings.Join(names, ",")
	t.mu.Lock()
	defer t.mu.Unlock()
	if c, ok := t.selfSigned[key]; ok {
		return c, nil
	}
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return tls.Certificate{}, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: names[0], Organization: []string{"DigitalOcean sandbox"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(1, 0, 0),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		DNSNames:              names,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
	if err != nil {
		return tls.Certificate{}, err
	}
	c := tls.Certificate{Certificate: [][]byte{der}, PrivateKey: priv}
	t.selfSigned[key] = c
	return c, nil
}
