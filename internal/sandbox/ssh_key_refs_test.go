package sandbox

import (
	"net/http"
	"slices"
	"strconv"
	"testing"

	"github.com/digitalocean/godo"
)

// unknownFingerprint is a well-formed MD5 fingerprint no test key has.
const unknownFingerprint = "3b:16:e4:bf:8b:00:8b:b8:59:8c:a9:d3:f0:19:fa:45"

// accountKey adds fixedSSHKey to the account and returns it.
func (e *testEnv) accountKey() *godo.Key {
	e.t.Helper()
	k, _, err := e.client.Keys.Create(e.ctx, &godo.KeyCreateRequest{Name: "laptop", PublicKey: fixedSSHKey})
	if err != nil {
		e.t.Fatalf("add ssh key: %v", err)
	}
	return k
}

// wantKeyRefusal asserts a create was refused as DigitalOcean refuses keys
// the account does not hold, with its exact text, and created nothing.
func (e *testEnv) wantKeyRefusal(err error, want string) {
	e.t.Helper()
	er := e.apiError(err, http.StatusUnprocessableEntity, "unprocessable_entity")
	if er.Message != want {
		e.t.Errorf("message %q, want %q", er.Message, want)
	}
	if n := e.dropletCount(); n != 0 {
		e.t.Errorf("a refused create left %d droplets", n)
	}
}

func TestCreateRefusesSSHKeysTheAccountLacks(t *testing.T) {
	cases := []struct {
		name string
		keys []godo.DropletCreateSSHKey
		want string
	}{
		{"unknown id", []godo.DropletCreateSSHKey{{ID: 999}}, "999 are invalid key identifiers for Droplet creation."},
		{"unknown fingerprint", []godo.DropletCreateSSHKey{{Fingerprint: unknownFingerprint}}, unknownFingerprint + " are invalid key identifiers for Droplet creation."},
		{"only the unknown of a known and two unknown", []godo.DropletCreateSSHKey{{Fingerprint: fixedSSHFingerprint}, {ID: 999}, {Fingerprint: unknownFingerprint}},
			"999, " + unknownFingerprint + " are invalid key identifiers for Droplet creation."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t)
			e.accountKey()
			single := dropletRequest("web-1")
			single.SSHKeys = tc.keys
			_, _, err := e.client.Droplets.Create(e.ctx, single)
			e.wantKeyRefusal(err, tc.want)

			multi := multiRequest("web-1", "web-2")
			multi.SSHKeys = tc.keys
			_, _, err = e.client.Droplets.CreateMultiple(e.ctx, multi)
			e.wantKeyRefusal(err, tc.want)
		})
	}
}

func TestCreateAcceptsAccountKeysByIDAndFingerprint(t *testing.T) {
	e := newTestEnv(t)
	k := e.accountKey()
	req := dropletRequest("web-1")
	req.SSHKeys = []godo.DropletCreateSSHKey{{ID: k.ID}, {Fingerprint: k.Fingerprint}}
	single := e.createDroplet(req)
	multi := multiRequest("web-2", "web-3")
	multi.SSHKeys = req.SSHKeys
	created, _, err := e.client.Droplets.CreateMultiple(e.ctx, multi)
	if err != nil || len(created) != 2 {
		t.Fatalf("multi create with account keys: %v", err)
	}
	e.srv.Inspect(func(w *World) {
		for _, id := range []int{single.ID, created[0].ID, created[1].ID} {
			if got := w.Droplets[id].SSHKeys; !slices.Equal(got, []string{strconv.Itoa(k.ID), k.Fingerprint}) {
				t.Errorf("droplet %d ssh keys %v", id, got)
			}
		}
	})
}

func TestPoolTemplatesRefuseSSHKeysTheAccountLacks(t *testing.T) {
	e := newPoolEnv(t)
	for _, ref := range []string{"999", unknownFingerprint} {
		req := fixedPool("web-pool", 1)
		req.DropletTemplate.SSHKeys = []string{ref}
		_, _, err := e.client.DropletAutoscale.Create(e.ctx, req)
		e.wantKeyRefusal(err, ref+" are invalid key identifiers for Droplet creation.")
	}

	// Known keys by id and fingerprint are accepted; an update naming an
	// unknown one is refused and leaves the pool's template as it was.
	keys, _, err := e.client.Keys.List(e.ctx, nil)
	if err != nil || len(keys) != 1 {
		t.Fatalf("keys %v %v", keys, err)
	}
	req := fixedPool("web-pool", 1)
	req.DropletTemplate.SSHKeys = []string{strconv.Itoa(keys[0].ID), keys[0].Fingerprint}
	p := e.createPool(req)
	req.DropletTemplate.SSHKeys = []string{"999"}
	_, _, err = e.client.DropletAutoscale.Update(e.ctx, p.ID, req)
	er := e.apiError(err, http.StatusUnprocessableEntity, "unprocessable_entity")
	if want := "999 are invalid key identifiers for Droplet creation."; er.Message != want {
		t.Errorf("update: message %q, want %q", er.Message, want)
	}
	if got := e.pool(p.ID).DropletTemplate.SSHKeys; !slices.Equal(got, []string{strconv.Itoa(keys[0].ID), keys[0].Fingerprint}) {
		t.Errorf("template keys after a refused update %v", got)
	}
}
