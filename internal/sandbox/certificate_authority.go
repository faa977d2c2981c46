package sandbox

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"time"
)

// CertificateAuthority is the sandbox's own root, standing in for Let's
// Encrypt: it signs the certificates lets_encrypt requests are issued.
// It is made once per sandbox and kept in the state file (and across a
// reset), so a root a user trusted keeps working. Its key never leaves
// the sandbox; GET /_sandbox/ca.pem exports the certificate.
type CertificateAuthority struct {
	Certificate string `json:"certificate"` // PEM
	PrivateKey  string `json:"private_key"` // PEM, PKCS #8
}

// The root is valid from well before any clock a test sets to long after,
// so every leaf it signs chains whatever the sandbox's time.
var caNotBefore = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

const caLifetime = 50 * 365 * 24 * time.Hour

// newCertificateAuthority makes an ECDSA P-256 root.
func newCertificateAuthority() (*CertificateAuthority, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          randomSerial(),
		Subject:               pkix.Name{CommonName: "DigitalOcean Sandbox Root CA " + newUUID()[:8], Organization: []string{"DigitalOcean sandbox"}},
		NotBefore:             caNotBefore,
		NotAfter:              time.Now().Add(caLifetime),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	keyPEM, err := pkcs8PEM(key)
	if err != nil {
		return nil, err
	}
	return &CertificateAuthority{Certificate: certPEM(der), PrivateKey: keyPEM}, nil
}

// issued is a leaf the authority signed, with its key.
type issued struct {
	leafPEM, keyPEM string
	sha1            string // of the DER, as DigitalOcean's sha1_fingerprint
	notAfter        time.Time
}

// issue signs a server certificate for names, valid from an hour before
// at (as Let's Encrypt backdates) for validity.
func (ca *CertificateAuthority) issue(names []string, at time.Time, validity time.Duration) (issued, error) {
	root, rootKey, err := ca.parse()
	if err != nil {
		return issued{}, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return issued{}, err
	}
	notAfter := at.Add(validity).UTC().Truncate(time.Second)
	tmpl := &x509.Certificate{
		SerialNumber: randomSerial(),
		Subject:      pkix.Name{CommonName: names[0]},
		DNSNames:     names,
		NotBefore:    at.Add(-time.Hour),
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, root, &key.PublicKey, rootKey)
	if err != nil {
		return issued{}, err
	}
	keyPEM, err := pkcs8PEM(key)
	if err != nil {
		return issued{}, err
	}
	sum := sha1.Sum(der)
	return issued{leafPEM: certPEM(der), keyPEM: keyPEM, sha1: hex.EncodeToString(sum[:]), notAfter: notAfter}, nil
}

func (ca *CertificateAuthority) parse() (*x509.Certificate, *ecdsa.PrivateKey, error) {
	cb, _ := pem.Decode([]byte(ca.Certificate))
	kb, _ := pem.Decode([]byte(ca.PrivateKey))
	if cb == nil || kb == nil {
		return nil, nil, errors.New("the sandbox CA in the state file is not PEM")
	}
	root, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		return nil, nil, fmt.Errorf("sandbox CA certificate: %w", err)
	}
	k, err := x509.ParsePKCS8PrivateKey(kb.Bytes)
	if err != nil {
		return nil, nil, fmt.Errorf("sandbox CA key: %w", err)
	}
	key, ok := k.(*ecdsa.PrivateKey)
	if !ok {
		return nil, nil, errors.New("sandbox CA key is not ECDSA")
	}
	return root, key, nil
}

func randomSerial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	return n
}

func certPEM(der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

func pkcs8PEM(key *ecdsa.PrivateKey) (string, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return "", err
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})), nil
}

// CACertificatePEM is the sandbox root that signs Let's Encrypt
// certificates: trust it (curl --cacert) to reach load balancers by name.
func (s *Server) CACertificatePEM() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.world.CA.Certificate
}
