package sandbox

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"
)

// Certificate is a TLS certificate for load balancers: uploaded (custom)
// or issued by Let's Encrypt, which takes a while (pending -> verified).
type Certificate struct {
	ID              string    `json:"id"`
	Name            string    `json:"name"`
	Type            string    `json:"type"`  // custom, lets_encrypt
	State           string    `json:"state"` // pending, verified, error
	DNSNames        []string  `json:"dns_names"`
	NotAfter        time.Time `json:"not_after"`
	SHA1Fingerprint string    `json:"sha1_fingerprint"`
	CreatedAt       time.Time `json:"created_at"`
	// VerifiedAt is when a pending Let's Encrypt certificate is issued.
	VerifiedAt time.Time `json:"verified_at"`
	// The uploaded PEMs of a custom certificate, kept so the sandbox load
	// balancer can terminate TLS with them. Never rendered.
	LeafCertificate  string `json:"leaf_certificate,omitempty"`
	CertificateChain string `json:"certificate_chain,omitempty"`
	PrivateKey       string `json:"private_key,omitempty"`
}

// Certificate enums and limits.
var CertificateTypes = []string{"custom", "lets_encrypt"}

const (
	// LetsEncryptValidity is the lifetime of a Let's Encrypt certificate.
	LetsEncryptValidity = 90 * 24 * time.Hour
	// CertificateMinRSABits and CertificateMinECDSABits are DigitalOcean's
	// minimum private key sizes for custom certificates.
	CertificateMinRSABits   = 2048
	CertificateMinECDSABits = 224
)

// certificateByName finds a certificate by its (unique) name; load
// balancers refer to certificates by name because Let's Encrypt renewals
// change the id.
func (w *World) certificateByName(name string) *Certificate {
	for _, c := range w.Certificates {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// validCertificateHostname reports whether s is a fully qualified hostname:
// two or more dot-separated labels of letters, digits and inner dashes, at
// most 253 characters. wildcard allows "*" as the whole first label.
func validCertificateHostname(s string, wildcard bool) bool {
	if len(s) == 0 || len(s) > 253 {
		return false
	}
	labels := strings.Split(s, ".")
	if len(labels) < 2 {
		return false
	}
	for i, l := range labels {
		if i == 0 && wildcard && l == "*" {
			continue
		}
		if len(l) == 0 || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for _, r := range l {
			if (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') && (r < '0' || r > '9') && r != '-' {
				return false
			}
		}
	}
	return true
}

// certificateIn is the body of POST /v2/certificates.
type certificateIn struct {
	Name             string   `json:"name"`
	Type             string   `json:"type"`
	DNSNames         []string `json:"dns_names"`
	PrivateKey       string   `json:"private_key"`
	LeafCertificate  string   `json:"leaf_certificate"`
	CertificateChain string   `json:"certificate_chain"`
}

// invalidCertificateData is DigitalOcean's 422 for an unusable upload.
func invalidCertificateData(format string, args ...any) *APIError {
	return errUnprocessable("Invalid certificate data: "+format, args...)
}

// parseCustomCertificate checks an upload the way DigitalOcean does: the
// leaf must parse and be current, the chain must be certificates, and the
// key must be large enough and match the leaf's public key. It fills in
// what DigitalOcean derives from the leaf.
func parseCustomCertificate(in certificateIn, now time.Time, cert *Certificate) *APIError {
	if strings.TrimSpace(in.LeafCertificate) == "" {
		return errUnprocessable("leaf_certificate is required for a custom certificate")
	}
	if strings.TrimSpace(in.PrivateKey) == "" {
		return errUnprocessable("private_key is required for a custom certificate")
	}
	block, _ := pem.Decode([]byte(in.LeafCertificate))
	if block == nil || block.Type != "CERTIFICATE" {
		return invalidCertificateData("leaf_certificate is not a PEM-encoded certificate")
	}
	leaf, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return invalidCertificateData("leaf_certificate could not be parsed: %v", err)
	}
	if now.After(leaf.NotAfter) {
		return invalidCertificateData("the leaf certificate expired on %s", timestamp(leaf.NotAfter))
	}
	for rest := []byte(in.CertificateChain); len(bytes.TrimSpace(rest)) > 0; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil || b.Type != "CERTIFICATE" {
			return invalidCertificateData("certificate_chain must hold only PEM-encoded certificates")
		}
		if _, err := x509.ParseCertificate(b.Bytes); err != nil {
			return invalidCertificateData("certificate_chain holds a certificate that could not be parsed: %v", err)
		}
	}
	key, keyErr := parsePrivateKeyPEM(in.PrivateKey)
	if keyErr != nil {
		return keyErr
	}
	switch k := key.(type) {
	case *rsa.PrivateKey:
		if k.N.BitLen() < CertificateMinRSABits {
			return invalidCertificateData("the provided private key is not a minimum of %d bits (RSA) or %d bits (ECDSA)", CertificateMinRSABits, CertificateMinECDSABits)
		}
	case *ecdsa.PrivateKey:
		if k.Curve.Params().BitSize < CertificateMinECDSABits {
			return invalidCertificateData("the provided private key is not a minimum of %d bits (RSA) or %d bits (ECDSA)", CertificateMinRSABits, CertificateMinECDSABits)
		}
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return invalidCertificateData("private_key is of an unsupported type")
	}
	pub, ok := signer.Public().(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(leaf.PublicKey) {
		return invalidCertificateData("the private key does not match the leaf certificate's public key")
	}
	sum := sha1.Sum(leaf.Raw)
	cert.SHA1Fingerprint = hex.EncodeToString(sum[:])
	cert.NotAfter = leaf.NotAfter.UTC()
	cert.DNSNames = append([]string{}, leaf.DNSNames...)
	if len(cert.DNSNames) == 0 && leaf.Subject.CommonName != "" {
		cert.DNSNames = []string{leaf.Subject.CommonName}
	}
	cert.LeafCertificate, cert.CertificateChain, cert.PrivateKey = in.LeafCertificate, in.CertificateChain, in.PrivateKey
	return nil
}

// parsePrivateKeyPEM reads a PKCS #1, PKCS #8 or SEC 1 private key.
func parsePrivateKeyPEM(s string) (crypto.PrivateKey, *APIError) {
	block, _ := pem.Decode([]byte(s))
	if block == nil {
		return nil, invalidCertificateData("private_key is not a PEM-encoded private key")
	}
	if k, err := x509.ParsePKCS8PrivateKey(block.Bytes); err == nil {
		return k, nil
	}
	if k, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return k, nil
	}
	if k, err := x509.ParseECPrivateKey(block.Bytes); err == nil {
		return k, nil
	}
	return nil, invalidCertificateData("private_key could not be parsed as an RSA, ECDSA or Ed25519 private key")
}

// settleCertificates issues Let's Encrypt certificates whose time has come.
func (s *Server) settleCertificates(now time.Time) {
	for _, c := range s.world.Certificates {
		if c.State == "pending" && !now.Before(c.VerifiedAt) {
			s.world.issueLetsEncrypt(c)
		}
	}
}

// issueLetsEncrypt completes a pending certificate's DNS-01 validation:
// DigitalOcean writes the challenge into its own zones, so each name's
// domain must still be in the account (no A record is needed, wildcards
// included). Then the sandbox CA signs the leaf the load balancers serve;
// a domain deleted meanwhile fails validation and the certificate reads
// "error", as one whose validation Let's Encrypt refuses.
func (w *World) issueLetsEncrypt(c *Certificate) {
	if len(w.unmanagedNames(c.DNSNames)) > 0 {
		c.State = "error"
		return
	}
	leaf, err := w.CA.issue(c.DNSNames, c.VerifiedAt, LetsEncryptValidity)
	if err != nil {
		c.State = "error"
		return
	}
	c.State = "verified"
	c.NotAfter, c.SHA1Fingerprint = leaf.notAfter, leaf.sha1
	c.LeafCertificate, c.PrivateKey, c.CertificateChain = leaf.leafPEM, leaf.keyPEM, ""
}

// unmanagedNames are the names no domain of the account holds.
func (w *World) unmanagedNames(names []string) []string {
	var out []string
	for _, n := range names {
		if w.zoneOf(n) == nil {
			out = append(out, n)
		}
	}
	return out
}

// certificateJSON is DigitalOcean's certificate object. A pending Let's
// Encrypt certificate has no expiry or fingerprint yet.
type certificateJSON struct {
	ID              string   `json:"id"`
	Name            string   `json:"name"`
	NotAfter        string   `json:"not_after"`
	SHA1Fingerprint string   `json:"sha1_fingerprint"`
	CreatedAt       string   `json:"created_at"`
	DNSNames        []string `json:"dns_names"`
	State           string   `json:"state"`
	Type            string   `json:"type"`
}

func renderCertificate(c *Certificate) certificateJSON {
	return certificateJSON{
		ID:              c.ID,
		Name:            c.Name,
		NotAfter:        timestamp(c.NotAfter),
		SHA1Fingerprint: c.SHA1Fingerprint,
		CreatedAt:       timestamp(c.CreatedAt),
		DNSNames:        append([]string{}, c.DNSNames...),
		State:           c.State,
		Type:            c.Type,
	}
}

func (w *World) certificatesSorted() []*Certificate {
	out := make([]*Certificate, 0, len(w.Certificates))
	for _, c := range w.Certificates {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].CreatedAt.Equal(out[j].CreatedAt) {
			return out[i].CreatedAt.Before(out[j].CreatedAt)
		}
		return out[i].ID < out[j].ID
	})
	return out
}

func (s *Server) certificateRoutes() {
	s.handle("GET /v2/certificates", listCertificates)
	s.handle("POST /v2/certificates", createCertificate)
	s.handle("GET /v2/certificates/{id}", getCertificate)
	s.handle("DELETE /v2/certificates/{id}", deleteCertificate)
}

// CertificatesUnit is the sandbox's certificates (custom, and Let's
// Encrypt ones that verify by due time) and the CA that issues the latter.
type CertificatesUnit struct {
	Certificates map[string]*Certificate `json:"certificates"`
	CA           *CertificateAuthority   `json:"ca"`
}

func (u *CertificatesUnit) ensure() {
	if u.Certificates == nil {
		u.Certificates = map[string]*Certificate{}
	}
	if u.CA == nil {
		ca, err := newCertificateAuthority()
		if err != nil {
			// Only a broken crypto/rand fails here; nothing can run then.
			panic(fmt.Sprintf("sandbox: make the certificate authority: %v", err))
		}
		u.CA = ca
	}
}

func (*CertificatesUnit) routes(s *Server) {
	s.certificateRoutes()
}

func (*CertificatesUnit) settle(s *Server, now time.Time) {
	s.settleCertificates(now)
}

// listCertificates serves GET /v2/certificates.
func listCertificates(c *call) (int, any) {
	name := c.r.URL.Query().Get("name") // exact match, as DigitalOcean filters
	out := []certificateJSON{}
	for _, cert := range c.w.certificatesSorted() {
		if name == "" || cert.Name == name {
			out = append(out, renderCertificate(cert))
		}
	}
	return http.StatusOK, listBody(c, "certificates", out)
}

// createCertificate serves POST /v2/certificates.
func createCertificate(c *call) (int, any) {
	var in certificateIn
	if err := c.decode(&in); err != nil {
		return 0, err
	}
	if in.Name == "" {
		return 0, errUnprocessable("name is required")
	}
	if c.w.certificateByName(in.Name) != nil {
		return 0, errUnprocessable("name is not unique")
	}
	if in.Type == "" {
		in.Type = "custom"
	}
	if !slices.Contains(CertificateTypes, in.Type) {
		return 0, errUnprocessable("type %q is invalid; allowed types: %s", in.Type, joinAllowed(CertificateTypes))
	}
	cert := &Certificate{ID: newUUID(), Name: in.Name, Type: in.Type, CreatedAt: c.now}
	switch in.Type {
	case "custom":
		if err := parseCustomCertificate(in, c.now, cert); err != nil {
			return 0, err
		}
		cert.State = "verified"
	case "lets_encrypt":
		if len(in.DNSNames) == 0 {
			return 0, errUnprocessable("dns_names must list at least one domain for a lets_encrypt certificate")
		}
		for _, n := range in.DNSNames {
			if !validCertificateHostname(n, true) {
				return 0, errUnprocessable("dns_names: %q is not a fully qualified domain name (a wildcard may only be the first label, as in *.example.com)", n)
			}
			if !slices.Contains(cert.DNSNames, n) {
				cert.DNSNames = append(cert.DNSNames, n)
			}
		}
		if missing := c.w.unmanagedNames(cert.DNSNames); len(missing) > 0 {
			return 0, errUnprocessable("one or more domains in dns_names are not managed by DigitalOcean DNS in this account: %s; add each name's domain (POST /v2/domains) first", strings.Join(missing, ", "))
		}
		cert.State = "pending"
		cert.VerifiedAt = c.after(c.s.delays.CertificateIssue)
	}
	c.w.Certificates[cert.ID] = cert
	return http.StatusCreated, map[string]any{"certificate": renderCertificate(cert)}
}

// getCertificate serves GET /v2/certificates/{id}.
func getCertificate(c *call) (int, any) {
	cert := c.w.Certificates[c.r.PathValue("id")]
	if cert == nil {
		return 0, errNotFound()
	}
	return http.StatusOK, map[string]any{"certificate": renderCertificate(cert)}
}

// deleteCertificate serves DELETE /v2/certificates/{id}.
func deleteCertificate(c *call) (int, any) {
	cert := c.w.Certificates[c.r.PathValue("id")]
	if cert == nil {
		return 0, errNotFound()
	}
	delete(c.w.Certificates, cert.ID)
	return http.StatusNoContent, nil
}
