package sandbox

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"net/http"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/digitalocean/godo"
	"golang.org/x/crypto/ssh"
)

// fixedSSHKey is an Ed25519 public key (bytes 1..32) whose MD5
// fingerprint was computed outside Go, with ssh-keygen -l -E md5.
const (
	fixedSSHKey         = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g fixed@test"
	fixedSSHFingerprint = "05:6d:11:6f:aa:82:7f:17:e4:a2:92:09:ca:cf:9d:42"
)

func TestSSHKeyFingerprints(t *testing.T) {
	e := newTestEnv(t)
	k, resp, err := e.client.Keys.Create(e.ctx, &godo.KeyCreateRequest{Name: "fixed", PublicKey: fixedSSHKey + "\n"})
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusCreated || k.Fingerprint != fixedSSHFingerprint || k.PublicKey != fixedSSHKey || k.Name != "fixed" || k.ID == 0 {
		t.Fatalf("created %d %+v", resp.StatusCode, k)
	}

	// Every supported key type gets the fingerprint OpenSSH shows.
	edPub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pubs := []any{edPub, &rsaKey.PublicKey}
	for _, curve := range []elliptic.Curve{elliptic.P256(), elliptic.P384(), elliptic.P521()} {
		ec, err := ecdsa.GenerateKey(curve, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		pubs = append(pubs, &ec.PublicKey)
	}
	for i, pub := range pubs {
		sshPub, err := ssh.NewPublicKey(pub)
		if err != nil {
			t.Fatal(err)
		}
		line := string(ssh.MarshalAuthorizedKey(sshPub))
		k, _, err := e.client.Keys.Create(e.ctx, &godo.KeyCreateRequest{Name: "k" + strconv.Itoa(i), PublicKey: line})
		if err != nil {
			t.Fatalf("%s: %v", sshPub.Type(), err)
		}
		if want := ssh.FingerprintLegacyMD5(sshPub); k.Fingerprint != want {
			t.Errorf("%s: fingerprint %s, want %s", sshPub.Type(), k.Fingerprint, want)
		}
	}
}

func TestSSHKeyLifecycle(t *testing.T) {
	e := newTestEnv(t)
	k, _, err := e.client.Keys.Create(e.ctx, &godo.KeyCreateRequest{Name: "laptop", PublicKey: fixedSSHKey})
	if err != nil {
		t.Fatal(err)
	}
	byID, _, err := e.client.Keys.GetByID(e.ctx, k.ID)
	if err != nil || byID.Fingerprint != fixedSSHFingerprint {
		t.Fatalf("by id: %v %+v", err, byID)
	}
	byFP, _, err := e.client.Keys.GetByFingerprint(e.ctx, fixedSSHFingerprint)
	if err != nil || byFP.ID != k.ID {
		t.Fatalf("by fingerprint: %v %+v", err, byFP)
	}
	if upd, _, err := e.client.Keys.UpdateByID(e.ctx, k.ID, &godo.KeyUpdateRequest{Name: "desk"}); err != nil || upd.Name != "desk" || upd.PublicKey != fixedSSHKey {
		t.Fatalf("update by id: %v %+v", err, upd)
	}
	if upd, _, err := e.client.Keys.UpdateByFingerprint(e.ctx, fixedSSHFingerprint, &godo.KeyUpdateRequest{Name: "desk-2"}); err != nil || upd.Name != "desk-2" {
		t.Fatalf("update by fingerprint: %v %+v", err, upd)
	}
	_, _, err = e.client.Keys.UpdateByID(e.ctx, k.ID, &godo.KeyUpdateRequest{Name: " "})
	miscMessage(t, e.apiError(err, http.StatusUnprocessableEntity, "unprocessable_entity"), "name is required")

	other := "ssh-ed25519 " + base64.StdEncoding.EncodeToString(append([]byte("\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x20"), make([]byte, 32)...))
	k2, _, err := e.client.Keys.Create(e.ctx, &godo.KeyCreateRequest{Name: "zeros", PublicKey: other})
	if err != nil {
		t.Fatal(err)
	}
	list, resp, err := e.client.Keys.List(e.ctx, &godo.ListOptions{PerPage: 1})
	if err != nil || len(list) != 1 || resp.Meta.Total != 2 || resp.Links.IsLastPage() {
		t.Fatalf("list: %v %v", err, list)
	}
	e.srv.Inspect(func(w *World) {
		if w.sshKeyByRef(strconv.Itoa(k.ID)) != w.sshKeyByRef(fixedSSHFingerprint) || w.sshKeyByRef(k2.Fingerprint).Name != "zeros" {
			t.Error("sshKeyByRef does not find keys by id and fingerprint")
		}
		if w.sshKeyByRef("12345") != nil || w.sshKeyByRef("aa:bb") != nil {
			t.Error("sshKeyByRef found a missing key")
		}
	})

	if resp, err := e.client.Keys.DeleteByFingerprint(e.ctx, fixedSSHFingerprint); err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatal(err)
	}
	_, _, err = e.client.Keys.GetByID(e.ctx, k.ID)
	e.apiError(err, http.StatusNotFound, "not_found")
	if _, err := e.client.Keys.DeleteByID(e.ctx, k2.ID); err != nil {
		t.Fatal(err)
	}
	_, err = e.client.Keys.DeleteByID(e.ctx, k2.ID)
	e.apiError(err, http.StatusNotFound, "not_found")
	// A deleted key can be added again.
	if _, _, err := e.client.Keys.Create(e.ctx, &godo.KeyCreateRequest{Name: "again", PublicKey: fixedSSHKey}); err != nil {
		t.Errorf("re-adding a deleted key: %v", err)
	}
}

func TestSSHKeyValidation(t *testing.T) {
	blob := func(parts ...string) string {
		var b []byte
		for _, p := range parts {
			b = append(b, byte(len(p)>>24), byte(len(p)>>16), byte(len(p)>>8), byte(len(p)))
			b = append(b, p...)
		}
		return base64.StdEncoding.EncodeToString(b)
	}
	cases := []struct {
		name, keyName, key, want string
	}{
		{"name missing", "", fixedSSHKey, "name is required"},
		{"key missing", "k", "", "public_key is required"},
		{"unknown type", "k", "ssh-foo AAAA", "Key invalid type, we support 'ssh-rsa', 'ssh-dss', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', or 'ssh-ed25519'"},
		{"PuTTY format", "k", "---- BEGIN SSH2 PUBLIC KEY ----\nAAAA\n---- END SSH2 PUBLIC KEY ----", "Key invalid type"},
		{"no key data", "k", "ssh-ed25519", "has no base64 key data"},
		{"not base64", "k", "ssh-ed25519 !!!notbase64!!!", "not valid base64"},
		{"truncated", "k", "ssh-rsa " + base64.StdEncoding.EncodeToString([]byte{0, 0}), "truncated"},
		{"type mismatch", "k", "ssh-rsa " + blob("ssh-ed25519", string(make([]byte, 32))), "does not hold a ssh-rsa key"},
		{"length past end", "k", "ssh-ed25519 " + base64.StdEncoding.EncodeToString([]byte{0, 0, 0, 99, 's'}), "does not hold a ssh-ed25519 key"},
		{"duplicate", "k", fixedSSHKey, "SSH Key is already in use on your account"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t)
			if tc.name == "duplicate" {
				if _, _, err := e.client.Keys.Create(e.ctx, &godo.KeyCreateRequest{Name: "first", PublicKey: fixedSSHKey}); err != nil {
					t.Fatal(err)
				}
			}
			_, _, err := e.client.Keys.Create(e.ctx, &godo.KeyCreateRequest{Name: tc.keyName, PublicKey: tc.key})
			miscMessage(t, e.apiError(err, http.StatusUnprocessableEntity, "unprocessable_entity"), tc.want)
		})
	}
}

func TestSSHKeysPersist(t *testing.T) {
	path := filepath.Join(t.TempDir(), "world.json")
	e := newTestEnv(t, func(o *Options) { o.StateFile = path })
	k, _, err := e.client.Keys.Create(e.ctx, &godo.KeyCreateRequest{Name: "kept", PublicKey: fixedSSHKey})
	if err != nil {
		t.Fatal(err)
	}
	e = miscRestart(t, e, path)
	got, _, err := e.client.Keys.GetByFingerprint(e.ctx, fixedSSHFingerprint)
	if err != nil || got.ID != k.ID || got.Name != "kept" || got.PublicKey != fixedSSHKey {
		t.Fatalf("after restart: %v %+v", err, got)
	}
	_, _, err = e.client.Keys.Create(e.ctx, &godo.KeyCreateRequest{Name: "dup", PublicKey: fixedSSHKey})
	e.apiError(err, http.StatusUnprocessableEntity, "unprocessable_entity")
}
