package sandbox

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net/http"
	"time"
)

// getDatabaseCA serves GET /v2/databases/{id}/ca: the PEM of the CA that
// signs the cluster's server certificates, base64 in JSON as godo reads
// it. Each cluster has its own, made with it; no server presents a
// certificate it signed.
func getDatabaseCA(c *call) (int, any) {
	db, err := c.clusterOf()
	if err != nil {
		return 0, err
	}
	return http.StatusOK, map[string]any{"ca": map[string]any{"certificate": []byte(db.CACertificate)}}
}

// newDatabaseCA is a self-signed CA named like DigitalOcean's project CAs,
// valid ten years.
func newDatabaseCA(db *DatabaseCluster, now time.Time) string {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return ""
	}
	serial, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	tmpl := &x509.Certificate{
		SerialNumber: serial, Subject: pkix.Name{CommonName: db.ID + " Project CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(10, 0, 0),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return ""
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}
