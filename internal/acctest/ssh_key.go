package acctest

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"strings"

	"github.com/digitalocean/godo"
	"golang.org/x/crypto/ssh"
)

// SSHKey adds a fresh Ed25519 key to the sandbox account through POST
// /v2/account/keys, once per Env, and returns its fingerprint. A config's
// ssh_keys must name keys the account holds: the sandbox, as DigitalOcean,
// refuses others.
func (e *Env) SSHKey() string {
	e.T.Helper()
	e.keyOnce.Do(func() {
		e.keyFingerprint, e.keyErr = AddSSHKey(context.Background(), e.Godo(), "acctest")
	})
	if e.keyErr != nil {
		e.T.Fatal(e.keyErr)
	}
	return e.keyFingerprint
}

// AddSSHKey adds a fresh Ed25519 public key named name to the account c
// talks to and returns the fingerprint DigitalOcean gave it.
func AddSSHKey(ctx context.Context, c *godo.Client, name string) (string, error) {
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return "", err
	}
	sshPub, err := ssh.NewPublicKey(pub)
	if err != nil {
		return "", err
	}
	line := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(sshPub)))
	k, _, err := c.Keys.Create(ctx, &godo.KeyCreateRequest{Name: name, PublicKey: line})
	if err != nil {
		return "", fmt.Errorf("add ssh key %s: %w", name, err)
	}
	return k.Fingerprint, nil
}
