package acctest

import (
	"context"

	"github.com/scalable-tf/terraform-provider-scalable/internal/testkeys"
)

// SSHKey adds a fresh Ed25519 key to the sandbox account through POST
// /v2/account/keys, once per Env, and returns its fingerprint. A config's
// ssh_keys must name keys the account holds: the sandbox, as DigitalOcean,
// refuses others.
func (e *Env) SSHKey() string {
	e.T.Helper()
	e.keyOnce.Do(func() {
		e.keyFingerprint, e.keyErr = testkeys.Add(context.Background(), e.Godo(), "acctest")
	})
	if e.keyErr != nil {
		e.T.Fatal(e.keyErr)
	}
	return e.keyFingerprint
}
