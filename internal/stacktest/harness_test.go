package stacktest

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// repoRoot is the repository checkout, two levels up from this package.
var repoRoot = func() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}()

// requireAcc skips Terraform-driven tests unless TF_ACC is set, as the
// provider's acceptance tests do.
func requireAcc(t *testing.T) {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("runs terraform against the sandbox: set TF_ACC=1 (make test does)")
	}
}

func terraformPath(t *testing.T) string {
	t.Helper()
	p := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if p == "" {
		p = "/usr/local/bin/terraform"
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("terraform not found at %s (set TF_ACC_TERRAFORM_PATH; tests never download one): %v", p, err)
	}
	return p
}

var (
	cliOnce   sync.Once
	cliConfig string
	cliErr    error
	cliOut    []byte
)

// providerCLIConfig builds the provider once per test binary into a mirror
// with scripts/tf-cli-config.sh and returns the CLI config that installs it.
func providerCLIConfig(t *testing.T) string {
	t.Helper()
	cliOnce.Do(func() {
		dir, err := os.MkdirTemp("", "stacktest-provider")
		if err != nil {
			cliErr = err
			return
		}
		cmd := exec.Command("bash", filepath.Join(repoRoot, "scripts", "tf-cli-config.sh"), dir)
		cmd.Dir = repoRoot
		cliOut, cliErr = cmd.CombinedOutput()
		cliConfig = filepath.Join(dir, "terraformrc")
	})
	if cliErr != nil {
		t.Fatalf("build the provider into a local mirror: %v\n%s", cliErr, cliOut)
	}
	return cliConfig
}

// terraform runs one terraform command in dir; env adds to a clean
// environment that points at the local provider only.
type terraform struct {
	t   *testing.T
	bin string
	env []string
}

func newTerraform(t *testing.T, extraEnv ...string) *terraform {
	t.Helper()
	env := []string{}
	for _, kv := range os.Environ() {
		// The provider must see only what the test sets.
		if strings.HasPrefix(kv, "DIGITALOCEAN_") || strings.HasPrefix(kv, "SCALABLE_") ||
			strings.HasPrefix(kv, "TF_CLI_CONFIG_FILE=") || strings.HasPrefix(kv, "TF_DATA_DIR=") {
			continue
		}
		env = append(env, kv)
	}
	env = append(env,
		"TF_CLI_CONFIG_FILE="+providerCLIConfig(t),
		"CHECKPOINT_DISABLE=1",
		"TF_IN_AUTOMATION=1",
		"TF_INPUT=0",
	)
	return &terraform{t: t, bin: terraformPath(t), env: append(env, extraEnv...)}
}

// run fails the test with terraform's output when the command fails.
func (tf *terraform) run(ctx context.Context, dir string, args ...string) string {
	tf.t.Helper()
	start := time.Now()
	cmd := exec.CommandContext(ctx, tf.bin, append(args, "-no-color")...)
	cmd.Dir = dir
	cmd.Env = tf.env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	tf.t.Logf("terraform %s in %s: %s", strings.Join(args, " "), rel(dir), time.Since(start).Round(time.Millisecond))
	if err != nil {
		tf.t.Fatalf("terraform %s in %s failed: %v\n%s", strings.Join(args, " "), rel(dir), err, out.String())
	}
	return out.String()
}

func rel(dir string) string {
	if r, err := filepath.Rel(repoRoot, dir); err == nil && !strings.HasPrefix(r, "..") {
		return r
	}
	return dir
}

// copyTree copies the Terraform sources of the repository's examples/ and
// modules/ into dst, keeping their relative layout so module sources such as
// ../../modules/web-stack resolve. Terraform then writes .terraform and lock
// files there, never into the checkout.
func copyTree(t *testing.T, dst string, dirs ...string) {
	t.Helper()
	for _, d := range dirs {
		src := filepath.Join(repoRoot, d)
		err := filepath.WalkDir(src, func(p string, e fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			name := e.Name()
			if e.IsDir() && (name == ".terraform" || strings.HasPrefix(name, ".demo")) {
				return filepath.SkipDir
			}
			if name == ".terraform.lock.hcl" || strings.HasSuffix(name, ".tfstate") || strings.Contains(name, ".tfstate.") {
				return nil
			}
			r, err := filepath.Rel(repoRoot, p)
			if err != nil {
				return err
			}
			target := filepath.Join(dst, r)
			if e.IsDir() {
				return os.MkdirAll(target, 0o755)
			}
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			return os.WriteFile(target, data, 0o644)
		})
		if err != nil {
			t.Fatalf("copy %s: %v", d, err)
		}
	}
}

// tierConfig is a root module with one scalable_web_tier in nyc3 named
// name, load balanced by an http:80 rule; blocks go inside the resource
// (droplet, autoscale, rollout, alerts).
func tierConfig(name, blocks string) string {
	return fmt.Sprintf(`
terraform {
  required_providers {
    scalable = { source = "scalable-tf/scalable" }
  }
}
resource "scalable_web_tier" "web" {
  name   = %q
  region = "nyc3"
%s
  load_balancer {
    forwarding_rule {
      entry_protocol  = "http"
      entry_port      = 80
      target_protocol = "http"
      target_port     = 80
    }
  }
}
`, name, strings.TrimRight(blocks, "\n"))
}
