package sandbox

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// SSHKey is a public key on the account, referenced by droplets at
// creation by id or fingerprint.
type SSHKey struct {
	ID          int       `json:"id"`
	Name        string    `json:"name"`
	Fingerprint string    `json:"fingerprint"`
	PublicKey   string    `json:"public_key"`
	CreatedAt   time.Time `json:"created_at"`
}

// SSHKeyTypes are the key types DigitalOcean accepts, in the order its
// error message lists them.
var SSHKeyTypes = []string{"ssh-rsa", "ssh-dss", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-ed25519"}

// sshKeyByRef finds a key by numeric id or by MD5 fingerprint, the two
// ways DigitalOcean lets clients name a key.
func (w *World) sshKeyByRef(ref string) *SSHKey {
	if id, err := strconv.Atoi(ref); err == nil {
		return w.SSHKeys[id]
	}
	for _, k := range w.SSHKeys {
		if k.Fingerprint == ref {
			return k
		}
	}
	return nil
}

// msgInvalidKeyIdentifiers is DigitalOcean's answer to a create naming keys
// the account does not hold: the references it could not resolve, then the
// text ("59723548 are invalid key identifiers for Droplet creation.", as
// DigitalOcean answers for a single unknown id or fingerprint too).
const msgInvalidKeyIdentifiers = "%s are invalid key identifiers for Droplet creation."

// sshKeyRefs reads ssh_keys entries as key references: fingerprints (strings)
// or ids (numbers or numeric strings). An entry that is neither is named in
// the error as DigitalOcean echoes it.
func sshKeyRefs(raw []json.RawMessage) ([]string, *APIError) {
	out := make([]string, 0, len(raw))
	for _, r := range raw {
		var fp string
		if json.Unmarshal(r, &fp) == nil && fp != "" {
			out = append(out, fp)
			continue
		}
		var id int
		if json.Unmarshal(r, &id) == nil && id > 0 {
			out = append(out, strconv.Itoa(id))
			continue
		}
		return nil, errUnprocessable(msgInvalidKeyIdentifiers, strings.TrimSpace(string(r)))
	}
	return out, nil
}

// lookupSSHKeys resolves every reference of a create against the account's
// keys, by id or fingerprint, and refuses the create naming those it lacks.
func (w *World) lookupSSHKeys(raw []json.RawMessage) ([]string, *APIError) {
	refs, apiErr := sshKeyRefs(raw)
	if apiErr != nil {
		return nil, apiErr
	}
	var unknown []string
	for _, ref := range refs {
		if w.sshKeyByRef(ref) == nil {
			unknown = append(unknown, ref)
		}
	}
	if len(unknown) > 0 {
		return nil, errUnprocessable(msgInvalidKeyIdentifiers, strings.Join(unknown, ", "))
	}
	return refs, nil
}

// sshKeyFingerprint is the MD5 digest of the key blob as colon-separated
// hex, the fingerprint DigitalOcean shows (OpenSSH's legacy format).
func sshKeyFingerprint(blob []byte) string {
	sum := md5.Sum(blob)
	parts := make([]string, len(sum))
	for i, b := range sum {
		parts[i] = fmt.Sprintf("%02x", b)
	}
	return strings.Join(parts, ":")
}

// parseSSHPublicKey checks an OpenSSH authorized_keys line
// ("<type> <base64 blob> [comment]") and returns its fingerprint. The blob
// must decode and begin with the same type string, as in RFC 4253 §6.6.
func parseSSHPublicKey(s string) (string, *APIError) {
	fields := strings.Fields(s)
	if len(fields) == 0 || !slices.Contains(SSHKeyTypes, fields[0]) {
		quoted := make([]string, len(SSHKeyTypes))
		for i, t := range SSHKeyTypes {
			quoted[i] = "'" + t + "'"
		}
		return "", errUnprocessable("Key invalid type, we support %s, or %s", strings.Join(quoted[:len(quoted)-1], ", "), quoted[len(quoted)-1])
	}
	if len(fields) < 2 {
		return "", errUnprocessable("Key invalid, the %s key has no base64 key data after its type", fields[0])
	}
	blob, err := base64.StdEncoding.DecodeString(fields[1])
	if err != nil {
		return "", errUnprocessable("Key invalid, the key data is not valid base64")
	}
	if len(blob) < 4 {
		return "", errUnprocessable("Key invalid, the key data is truncated")
	}
	n := binary.BigEndian.Uint32(blob)
	if uint64(n) > uint64(len(blob)-4) || string(blob[4:4+n]) != fields[0] {
		return "", errUnprocessable("Key invalid, the key data does not hold a %s key", fields[0])
	}
	return sshKeyFingerprint(blob), nil
}

// nextSSHKeyID picks an unused id in the range DigitalOcean hands out.
// World has no sequence for keys, so ids are random; collisions are
// retried, and with eight digits reuse after deletion is unlikely.
func (w *World) nextSSHKeyID() int {
	for {
		id := 40_000_000 + rand.IntN(10_000_000)
		if w.SSHKeys[id] == nil {
			return id
		}
	}
}

// sshKeyJSON is DigitalOcean's key object.
type sshKeyJSON struct {
	ID          int    `json:"id"`
	Fingerprint string `json:"fingerprint"`
	PublicKey   string `json:"public_key"`
	Name        string `json:"name"`
}

func renderSSHKey(k *SSHKey) sshKeyJSON {
	return sshKeyJSON{ID: k.ID, Fingerprint: k.Fingerprint, PublicKey: k.PublicKey, Name: k.Name}
}

func (s *Server) sshKeyRoutes() {
	s.handle("GET /v2/account/keys", listSSHKeys)
	s.handle("POST /v2/account/keys", createSSHKey)
	s.handle("GET /v2/account/keys/{ref}", getSSHKey)
	s.handle("PUT /v2/account/keys/{ref}", renameSSHKey)
	s.handle("DELETE /v2/account/keys/{ref}", deleteSSHKey)
}

// KeysUnit is the account's SSH keys.
type KeysUnit struct {
	SSHKeys map[int]*SSHKey `json:"ssh_keys"`
}

func (u *KeysUnit) ensure() {
	if u.SSHKeys == nil {
		u.SSHKeys = map[int]*SSHKey{}
	}
}

func (*KeysUnit) routes(s *Server) {
	s.sshKeyRoutes()
}

// listSSHKeys serves GET /v2/account/keys.
func listSSHKeys(c *call) (int, any) {
	keys := make([]*SSHKey, 0, len(c.w.SSHKeys))
	for _, k := range c.w.SSHKeys {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].ID < keys[j].ID })
	out := make([]sshKeyJSON, len(keys))
	for i, k := range keys {
		out[i] = renderSSHKey(k)
	}
	return http.StatusOK, listBody(c, "ssh_keys", out)
}

// createSSHKey serves POST /v2/account/keys.
func createSSHKey(c *call) (int, any) {
	var in struct {
		Name      string `json:"name"`
		PublicKey string `json:"public_key"`
	}
	if err := c.decode(&in); err != nil {
		return 0, err
	}
	if strings.TrimSpace(in.Name) == "" {
		return 0, errUnprocessable("name is required")
	}
	if strings.TrimSpace(in.PublicKey) == "" {
		return 0, errUnprocessable("public_key is required")
	}
	fp, err := parseSSHPublicKey(in.PublicKey)
	if err != nil {
		return 0, err
	}
	if c.w.sshKeyByRef(fp) != nil {
		return 0, errUnprocessable("SSH Key is already in use on your account")
	}
	k := &SSHKey{
		ID:          c.w.nextSSHKeyID(),
		Name:        in.Name,
		Fingerprint: fp,
		PublicKey:   strings.TrimSpace(in.PublicKey),
		CreatedAt:   c.now,
	}
	c.w.SSHKeys[k.ID] = k
	return http.StatusCreated, map[string]any{"ssh_key": renderSSHKey(k)}
}

// getSSHKey serves GET /v2/account/keys/{ref}.
func getSSHKey(c *call) (int, any) {
	k := c.w.sshKeyByRef(c.r.PathValue("ref"))
	if k == nil {
		return 0, errNotFound()
	}
	return http.StatusOK, map[string]any{"ssh_key": renderSSHKey(k)}
}

// Only the name of a key can change.
func renameSSHKey(c *call) (int, any) {
	k := c.w.sshKeyByRef(c.r.PathValue("ref"))
	if k == nil {
		return 0, errNotFound()
	}
	var in struct {
		Name string `json:"name"`
	}
	if err := c.decode(&in); err != nil {
		return 0, err
	}
	if strings.TrimSpace(in.Name) == "" {
		return 0, errUnprocessable("name is required")
	}
	k.Name = in.Name
	return http.StatusOK, map[string]any{"ssh_key": renderSSHKey(k)}
}

// deleteSSHKey serves DELETE /v2/account/keys/{ref}.
func deleteSSHKey(c *call) (int, any) {
	k := c.w.sshKeyByRef(c.r.PathValue("ref"))
	if k == nil {
		return 0, errNotFound()
	}
	delete(c.w.SSHKeys, k.ID)
	return http.StatusNoContent, nil
}
