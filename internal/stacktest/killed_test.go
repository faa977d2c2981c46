package stacktest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/scalable-tf/terraform-provider-scalable/internal/sandbox"
)

// killConfig is a tier of 12 droplets (two create batches), an alert and
// backups, configured through the environment like a CI job.
var killConfig = tierConfig("killed", `  droplet {
    instances = 12
    size      = "s-1vcpu-1gb"
    image     = "ubuntu-24-04-x64"
    backups { plan = "weekly" }
  }
  alert {
    metric  = "cpu"
    compare = "GreaterThan"
    value   = 85
    window  = "5m"
    emails  = ["ops@example.com"]
  }`)

// An apply killed (SIGKILL, Terraform and provider together) at various
// moments of a create loses nothing: the next apply adopts what the killed
// one made (by the tier's tag and the load balancer's name) without making
// anything twice, and destroy then leaves the account empty.
func TestAccKilledApplyIsAdoptedNotDoubled(t *testing.T) {
	requireAcc(t)
	t.Parallel()
	points := []struct {
		name string
		when func(sandbox.RequestCounts) bool
	}{
		{"after the first droplet batch was requested", func(c sandbox.RequestCounts) bool { return c.Of("POST /v2/droplets") >= 1 }},
		{"after the load balancer was requested", func(c sandbox.RequestCounts) bool { return c.Of("POST /v2/load_balancers") >= 1 }},
		{"while waiting for droplets to boot", func(c sandbox.RequestCounts) bool { return c.Of("GET /v2/droplets") >= 3 }},
	}
	for _, p := range points {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			srv := startSandbox(t)
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(killConfig), 0o644); err != nil {
				t.Fatal(err)
			}
			tf := newTerraform(t, sandboxEnv(srv)...)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()

			killed := killApplyWhen(t, tf, dir, srv, p.when)
			t.Logf("killed terraform: %s", killed)

			tf.run(ctx, dir, "apply", "-auto-approve", "-input=false", "-lock-timeout=30s")
			if out, code := tf.exitCode(ctx, dir, "plan", "-detailed-exitcode", "-input=false"); code != 0 {
				t.Fatalf("plan after the second apply is not empty (exit %d):\n%s", code, out)
			}
			inv := inventory(srv)
			if inv != [3]int{12, 1, 1} {
				t.Fatalf("after the second apply the sandbox holds %d droplets, %d load balancers, %d alert policies; want 12, 1, 1", inv[0], inv[1], inv[2])
			}
			tf.run(ctx, dir, "destroy", "-auto-approve", "-input=false")
			if left := sandboxLeftovers(srv); len(left) > 0 {
				t.Fatalf("destroy left these behind: %v", left)
			}
		})
	}
}

// killApplyWhen starts terraform apply in its own process group and kills
// the whole group once cond holds for the sandbox's request counts.
func killApplyWhen(t *testing.T, tf *terraform, dir string, srv *sandbox.Server, cond func(sandbox.RequestCounts) bool) string {
	t.Helper()
	srv.ResetCounts()
	cmd := exec.Command(tf.bin, "apply", "-auto-approve", "-input=false", "-no-color")
	cmd.Dir = dir
	cmd.Env = tf.env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		select {
		case err := <-done:
			t.Fatalf("terraform finished (%v) before the kill point: raise the sandbox delays\n%s", err, out.String())
		default:
		}
		if c := srv.Counts(); cond(c) {
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			if err := <-done; err == nil {
				t.Fatalf("terraform exited cleanly after SIGKILL:\n%s", out.String())
			}
			return fmt.Sprintf("%d requests in, %s", c.Total, strings.Join(counted(c), ", "))
		}
		if time.Now().After(deadline) {
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			t.Fatalf("kill point never reached\n%s", out.String())
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func counted(c sandbox.RequestCounts) []string {
	var out []string
	for _, k := range []string{"POST /v2/droplets", "POST /v2/load_balancers", "POST /v2/monitoring/alerts", "GET /v2/droplets"} {
		out = append(out, fmt.Sprintf("%s x%d", k, c.Of(k)))
	}
	return out
}

func inventory(srv *sandbox.Server) [3]int {
	var inv [3]int
	srv.Inspect(func(w *sandbox.World) {
		inv = [3]int{len(w.Droplets), len(w.LoadBalancers), len(w.AlertPolicies)}
	})
	return inv
}

// autoscaleKillConfig is an autoscaled tier of 3 members rolled out one
// member at a time.
func autoscaleKillConfig(image string) string {
	return tierConfig("killed-pool", fmt.Sprintf(`  droplet {
    size     = "s-1vcpu-1gb"
    image    = %q
    ssh_keys = [%q]
  }
  autoscale {
    min_instances          = 3
    max_instances          = 5
    target_cpu_utilization = 0.6
  }
  rollout {
    max_surge = 1
  }`, image, testKeyFingerprint))
}

// An autoscale rollout killed half way (the new pool created and grown
// once, old droplets still serving) is finished by the next apply: one
// pool, every droplet on the new image, the autoscale settings on, and
// destroy leaves the account empty.
func TestAccKilledAutoscaleRolloutResumes(t *testing.T) {
	requireAcc(t)
	t.Parallel()
	srv := startSandbox(t)
	addSSHKey(t, srv)
	dir := t.TempDir()
	write := func(image string) {
		if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(autoscaleKillConfig(image)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tf := newTerraform(t, sandboxEnv(srv)...)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	write("ubuntu-22-04-x64")
	tf.run(ctx, dir, "apply", "-auto-approve", "-input=false")
	oldImage := -1
	srv.Inspect(func(w *sandbox.World) {
		for _, d := range w.Droplets {
			oldImage = d.ImageID
		}
	})
	write("ubuntu-24-04-x64")
	killed := killApplyWhen(t, tf, dir, srv, func(c sandbox.RequestCounts) bool {
		return c.Of("PUT /v2/droplets/autoscale/{id}") >= 1 // wave 2 under way
	})
	t.Logf("killed terraform: %s", killed)

	tf.run(ctx, dir, "apply", "-auto-approve", "-input=false", "-lock-timeout=30s")
	if out, code := tf.exitCode(ctx, dir, "plan", "-detailed-exitcode", "-input=false"); code != 0 {
		t.Fatalf("plan after the second apply is not empty (exit %d):\n%s", code, out)
	}
	var images []int
	var live []*sandbox.AutoscalePool
	srv.Inspect(func(w *sandbox.World) {
		for _, d := range w.Droplets {
			images = append(images, d.ImageID)
		}
		for _, p := range w.AutoscalePools {
			if p.Status != "deleting" {
				live = append(live, p)
			}
		}
	})
	// A resumed rollout sizes the tier to what served when it resumed: the
	// 3 droplets, plus the member the killed wave had added (max_surge 1).
	// The pool's autoscaling owns the count from then on.
	if len(images) < 3 || len(images) > 4 {
		t.Fatalf("%d droplets after the second apply, want 3, or 4 with the killed wave's surge member", len(images))
	}
	for _, img := range images {
		if img == oldImage {
			t.Fatalf("droplets after the second apply run images %v: an old one (%d) is left", images, oldImage)
		}
	}
	if len(live) != 1 || live[0].Config.TargetNumberInstances != 0 || live[0].Config.MinInstances != 3 {
		t.Fatalf("%d live pools (first %+v), want one with the autoscale settings", len(live), live)
	}
	tf.run(ctx, dir, "destroy", "-auto-approve", "-input=false")
	if left := sandboxLeftovers(srv); len(left) > 0 {
		t.Fatalf("destroy left these behind: %v", left)
	}
}
