package stacktest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/scalable-tf/terraform-provider-scalable/internal/sandbox"
)

// A reference deleted between `terraform plan -out` and `terraform apply`
// of that plan fails the apply before it writes anything; the next plan
// and apply, with the key back, build the tier.
func TestAccPreflightRefusesAReferenceGoneSincePlan(t *testing.T) {
	requireAcc(t)
	t.Parallel()
	srv := startSandbox(t)
	addSSHKey(t, srv)
	dir := t.TempDir()
	cfg := tierConfig("since", fmt.Sprintf(`  droplet {
    instances = 2
    size      = "s-1vcpu-1gb"
    image     = "ubuntu-24-04-x64"
    ssh_keys  = [%q]
  }`, testKeyFingerprint))
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	tf := newTerraform(t, sandboxEnv(srv)...)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	tf.run(ctx, dir, "plan", "-out=tfplan", "-input=false")

	var keyID int
	srv.Inspect(func(w *sandbox.World) {
		for id := range w.SSHKeys {
			keyID = id
		}
	})
	if err := srv.Mutate(func(w *sandbox.World, _ time.Time) error { delete(w.SSHKeys, keyID); return nil }); err != nil {
		t.Fatal(err)
	}
	srv.ResetCounts()
	out, code := tf.exitCode(ctx, dir, "apply", "-input=false", "tfplan")
	if code == 0 || !strings.Contains(out, "Unknown SSH key") || !strings.Contains(out, testKeyFingerprint) {
		t.Fatalf("apply of a plan whose key is gone: exit %d\n%s", code, out)
	}
	if w := srv.Counts().Writes(); len(w) > 0 {
		t.Fatalf("the refused apply wrote %v", w)
	}
	addSSHKey(t, srv)
	tf.run(ctx, dir, "apply", "-auto-approve", "-input=false")
	tf.run(ctx, dir, "destroy", "-auto-approve", "-input=false")
	if left := sandboxLeftovers(srv); len(left) > 0 {
		t.Errorf("destroy left %v", left)
	}
}

// A certificate name unknown at plan (it comes from another resource of the
// same apply, here one that uploads the certificate itself) is checked
// before the tier's first write instead, and the tier builds.
func TestAccPreflightChecksValuesUnknownAtPlanAtApply(t *testing.T) {
	requireAcc(t)
	t.Parallel()
	srv := startSandbox(t)
	dir := t.TempDir()
	body, err := json.Marshal(map[string]any{"name": "shop-cert", "type": "custom", "leaf_certificate": testLeaf.cert, "private_key": testLeaf.key})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "cert.json"), body, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := fmt.Sprintf(`
terraform {
  required_providers {
    scalable = { source = "scalable-tf/scalable" }
  }
}
resource "terraform_data" "cert" {
  input = "shop-cert"
  provisioner "local-exec" {
    command = "curl -sSf -X POST -H 'Authorization: Bearer %s' -H 'Content-Type: application/json' --data @cert.json %s/v2/certificates"
  }
}
resource "scalable_web_tier" "web" {
  name   = "later"
  region = "nyc3"
  droplet {
    instances = 1
    size      = "s-1vcpu-1gb"
    image     = "ubuntu-24-04-x64"
  }
  load_balancer {
    forwarding_rule {
      entry_protocol   = "https"
      entry_port       = 443
      target_protocol  = "http"
      target_port      = 80
      certificate_name = terraform_data.cert.output
    }
  }
}
`, srv.Token(), srv.URL())
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	tf := newTerraform(t, sandboxEnv(srv)...)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	plan := tf.run(ctx, dir, "plan", "-input=false")
	if strings.Contains(plan, "Unknown certificate") {
		t.Fatalf("a certificate name unknown at plan was checked at plan:\n%s", plan)
	}
	tf.run(ctx, dir, "apply", "-auto-approve", "-input=false")
	tf.run(ctx, dir, "destroy", "-auto-approve", "-input=false")
}

// testLeaf is a self-signed certificate and key for shop.example.com.
var testLeaf = func() struct{ cert, key string } {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "shop.example.com"},
		DNSNames: []string{"shop.example.com"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(1, 0, 0)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		panic(err)
	}
	keyDER, _ := x509.MarshalPKCS8PrivateKey(key)
	return struct{ cert, key string }{
		string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})),
	}
}()
