package stacktest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func planOutputConfig(image string, instances int) string {
	return tierConfig("shown", fmt.Sprintf(`  droplet {
    instances = %d
    size      = "s-1vcpu-1gb"
    image     = %q
  }`, instances, image))
}

// What a user reads in `terraform plan`: a rollout is announced with its
// waves, and only the droplets that change are "known after apply".
func TestAccPlanOutputAnnouncesRollouts(t *testing.T) {
	requireAcc(t)
	t.Parallel()
	srv := startSandbox(t)
	dir := t.TempDir()
	write := func(image string, n int) {
		if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(planOutputConfig(image, n)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tf := newTerraform(t, sandboxEnv(srv)...)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	write("ubuntu-22-04-x64", 3)
	tf.run(ctx, dir, "apply", "-auto-approve", "-input=false")

	cases := []struct {
		image string
		n     int
		want  []string
	}{
		{"ubuntu-24-04-x64", 3, []string{
			"Warning: scalable_web_tier shown: 3 droplets will be replaced in 3 waves of 1",
			"each wave creates up to 1 new droplet(s), waits until they are healthy (load_balancer, at most 10m0s)",
			"at least 3 droplet(s) keep serving throughout",
			"Warning: scalable_web_tier shown: droplets replaced: 3 droplets run image ubuntu-22-04-x64, the configuration says ubuntu-24-04-x64",
			"~ droplets =",
		}},
		{"ubuntu-22-04-x64", 5, []string{
			"Warning: scalable_web_tier shown: 2 droplets will be created",
			"~ instances = 3 -> 5",
		}},
		{"ubuntu-22-04-x64", 1, []string{
			"Warning: scalable_web_tier shown: 2 droplets will be drained from the load balancer and deleted",
			"Removed droplets leave the load balancer first (newest_first)",
		}},
	}
	for _, c := range cases {
		write(c.image, c.n)
		out, code := tf.exitCode(ctx, dir, "plan", "-detailed-exitcode", "-input=false")
		if code != 2 {
			t.Fatalf("plan for image %s, %d instances: exit %d, want 2 (changes)\n%s", c.image, c.n, code, out)
		}
		for _, w := range c.want {
			if !phrase(w).MatchString(out) {
				t.Errorf("plan for image %s, %d instances lacks %q:\n%s", c.image, c.n, w, out)
			}
		}
	}
	write("ubuntu-22-04-x64", 3)
	tf.run(ctx, dir, "destroy", "-auto-approve", "-input=false")
}

// phrase matches text as Terraform prints it: wrapped at any space.
func phrase(text string) *regexp.Regexp {
	words := strings.Fields(text)
	for i, w := range words {
		words[i] = regexp.QuoteMeta(w)
	}
	return regexp.MustCompile(strings.Join(words, `\s+`))
}
