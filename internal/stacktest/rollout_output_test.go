package stacktest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func rolloutOutputConfig(image, extra string) string {
	return tierConfig("told", fmt.Sprintf(`  droplet {
    instances = 4
    size      = "s-1vcpu-1gb"
    image     = %q
  }
  rollout {
    max_surge = "50%%"
  }
%s`, image, extra))
}

// What a person reads of a rollout: the plan gives the waves and an
// estimate from the health check, warns when timeouts.update is shorter
// than that, the INFO log tells each wave's start, health and end, and the
// apply ends with a summary in the past tense.
func TestAccRolloutOutputIsReadable(t *testing.T) {
	requireAcc(t)
	t.Parallel()
	srv := startSandbox(t)
	dir := t.TempDir()
	write := func(cfg string) {
		if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(cfg), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tf := newTerraform(t, sandboxEnv(srv)...)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	write(rolloutOutputConfig("ubuntu-22-04-x64", ""))
	tf.run(ctx, dir, "apply", "-auto-approve", "-input=false")

	// 2 waves of (60 s boot + 5 checks 10 s apart + 10 s drain) = 4m at
	// DigitalOcean's pace, scaled by the sandbox's time scale.
	est := (4 * time.Minute).Seconds() * timeScale
	estText := (time.Duration(est * float64(time.Second))).Round(time.Second).String()
	write(rolloutOutputConfig("ubuntu-24-04-x64", "  timeouts {\n    update = \"1s\"\n  }\n"))
	out, _ := tf.exitCode(ctx, dir, "plan", "-detailed-exitcode", "-input=false")
	for _, w := range []string{
		"Warning: scalable_web_tier told: 4 droplets will be replaced in 2 waves of 2, about " + estText,
		"The rollout should take about " + estText + ": 2 waves of about 2m0s each",
		"Warning: Update timeout shorter than the rollout",
		"timeouts.update is 1s, but this rollout of 2 waves should take about " + estText,
	} {
		if !phrase(w).MatchString(out) {
			t.Errorf("plan lacks %q:\n%s", w, out)
		}
	}

	write(rolloutOutputConfig("ubuntu-24-04-x64", ""))
	tf.env = append(tf.env, "TF_LOG_PROVIDER=info")
	out = tf.run(ctx, dir, "apply", "-auto-approve", "-input=false")
	for _, w := range []string{
		"The update timeout defaults to 1h0m0s",
		"rollout wave 1 of 2 started: creating 2 droplets",
		"rollout wave 1 of 2: 2 new droplets healthy (load_balancer) after",
		"rollout wave 2 of 2 done in",
		"Warning: scalable_web_tier told: 4 droplets were replaced in 2 waves in",
	} {
		if !strings.Contains(out, w) {
			t.Errorf("apply lacks %q:\n%s", w, out)
		}
	}
	tf.run(ctx, dir, "destroy", "-auto-approve", "-input=false")
}
