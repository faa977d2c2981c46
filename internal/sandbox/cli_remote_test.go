package sandbox

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const remoteToken = "ci-sandbox-token-0123456789"

// TestAllowRemoteNeedsAToken: a sandbox that may listen beyond loopback
// refuses to start without a token of its own, and then listens on every
// interface with a URL a local client can dial.
func TestAllowRemoteNeedsAToken(t *testing.T) {
	for _, token := range []string{"", "short-token", "   padded-short   "} {
		_, err := New(Options{AllowRemote: true, Token: token})
		if err == nil || !strings.Contains(err.Error(), "--allow-remote needs a token of your own, at least 16 characters") {
			t.Errorf("token %q: want the token error, got %v", token, err)
		}
	}
	s, err := New(Options{AllowRemote: true, Token: remoteToken})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start("0.0.0.0:0"); err != nil {
		t.Fatalf("Start(0.0.0.0:0) with AllowRemote: %v", err)
	}
	defer s.Close()
	if ip := s.listener.Addr().(*net.TCPAddr).IP; !ip.IsUnspecified() {
		t.Errorf("listens on %v, want every interface", ip)
	}
	if !strings.HasPrefix(s.URL(), "http://127.0.0.1:") {
		t.Errorf("URL %q, want loopback for a local client", s.URL())
	}
	c, _ := newGodo(t, s.URL(), remoteToken)
	if _, _, err := c.Account.Get(context.Background()); err != nil {
		t.Errorf("account through the all-interfaces listener: %v", err)
	}
}

// TestCLIRemoteListen: --listen beyond loopback is refused unless the
// command line (or SANDBOX_* environment) says --allow-remote with a token.
func TestCLIRemoteListen(t *testing.T) {
	for _, tc := range []struct {
		name, want string
		args       []string
		env        map[string]string
	}{
		{name: "no --allow-remote", args: []string{"--listen", "0.0.0.0:0", "--token", remoteToken},
			want: `listen address "0.0.0.0:0" is not loopback: the sandbox only binds 127.0.0.1 or ::1 unless started with --allow-remote`},
		{name: "no token", args: []string{"--listen", "0.0.0.0:0", "--allow-remote"},
			want: "--allow-remote needs a token of your own, at least 16 characters (--token or SANDBOX_TOKEN; got 0)"},
		{name: "empty token", args: []string{"--listen", "0.0.0.0:0", "--allow-remote", "--token", ""},
			want: "--allow-remote needs a token of your own"},
		{name: "bad environment", env: map[string]string{"SANDBOX_ALLOW_REMOTE": "perhaps"},
			want: `SANDBOX_ALLOW_REMOTE="perhaps"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			var stdout, stderr syncBuffer
			if code := run(context.Background(), tc.args, &stdout, &stderr); code == 0 {
				t.Fatalf("exit code 0, want a refusal; stderr %s", stderr.String())
			}
			if !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("stderr %q, want %q", stderr.String(), tc.want)
			}
		})
	}
}

// TestCLIRemoteFromEnvironment: a container configured only through its
// environment (GitHub Actions services take no arguments) serves on every
// interface; an argument still overrides the environment.
func TestCLIRemoteFromEnvironment(t *testing.T) {
	t.Setenv("SANDBOX_LISTEN", "0.0.0.0:0")
	t.Setenv("SANDBOX_ALLOW_REMOTE", "true")
	t.Setenv("SANDBOX_TOKEN", remoteToken)
	t.Setenv("SANDBOX_TIME_SCALE", "0.5")
	envFile := filepath.Join(t.TempDir(), "env")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	var stdout, stderr syncBuffer
	go func() {
		done <- run(ctx, []string{"--traffic=false", "--time-scale", "0.05", "--env-file", envFile}, &stdout, &stderr)
	}()
	defer func() {
		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("exit code %d: %s", code, stderr.String())
			}
		case <-time.After(10 * time.Second):
			t.Error("sandbox did not stop")
		}
	}()
	e := &testEnv{t: t, ctx: context.Background()}
	var env string
	e.eventually(10*time.Second, "env file written", func() bool {
		b, err := os.ReadFile(envFile)
		env = string(b)
		return err == nil
	})
	url, _, _ := strings.Cut(strings.TrimPrefix(env, "DIGITALOCEAN_API_URL="), "\n")
	if !strings.HasPrefix(url, "http://127.0.0.1:") || !strings.Contains(env, "DIGITALOCEAN_TOKEN="+remoteToken+"\n") {
		t.Fatalf("env file %q", env)
	}
	for _, want := range []string{"listens on 0.0.0.0:0 for other hosts too", "(time scale 0.05)"} {
		// The env file may be written before the banner is printed.
		e.eventually(10*time.Second, "stderr says "+want, func() bool { return strings.Contains(stderr.String(), want) })
	}
	c, _ := newGodo(t, url, remoteToken)
	if _, _, err := c.Account.Get(context.Background()); err != nil {
		t.Errorf("account: %v", err)
	}
}
