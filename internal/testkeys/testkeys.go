// Package testkeys adds SSH keys to a DigitalOcean account (the sandbox,
// in tests): droplet and pool creates must name keys the account holds.
package testkeys

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"strings"

	"github.com/digitalocean/godo"
	"golang.org/x/crypto/ssh"
)

// Add adds a fresh Ed25519 public key named name to the account c
// talks to and returns the fingerprint DigitalOcean gave it.
func Add(ctx context.Context, c *godo.Client, name string) (string, error) {
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
