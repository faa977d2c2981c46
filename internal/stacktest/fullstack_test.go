package stacktest

import (
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestAccFullStackExample applies examples/full-stack as a user would and
// checks that it converges: right after an apply (and after scaling), a
// plan has nothing to do, and the site answers from every droplet through
// the load balancer at the url output, as the demo shows it. Then it
// destroys and checks the sandbox is empty.
func TestAccFullStackExample(t *testing.T) {
	requireAcc(t)
	t.Parallel()
	srv := startSandbox(t, withTraffic)
	work := t.TempDir()
	copyTree(t, work, "examples", "modules")
	dir := filepath.Join(work, "examples", "full-stack")

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	tf := newTerraform(t, sandboxEnv(srv)...)
	tf.run(ctx, dir, "init", "-backend=false")

	for _, instances := range []string{"3", "5"} {
		v := "-var=instances=" + instances
		tf.run(ctx, dir, "apply", "-auto-approve", "-input=false", v)
		if out, code := tf.exitCode(ctx, dir, "plan", "-detailed-exitcode", "-input=false", v); code != 0 {
			t.Errorf("plan right after applying instances=%s is not empty (exit code %d):\n%s", instances, code, out)
		}
		n, _ := strconv.Atoi(instances)
		addr := siteAddress(t, srv, tf.output(ctx, dir, "load_balancer_id"), tf.output(ctx, dir, "url"))
		t.Logf("instances=%s: answered through http://%s/ by %v", instances, addr, servedBy(t, addr, n))
	}
	tf.run(ctx, dir, "destroy", "-auto-approve", "-input=false")
	if left := sandboxLeftovers(srv); len(left) > 0 {
		t.Errorf("destroy left these behind: %v", left)
	}
}

// output is one output of the root module in dir.
func (tf *terraform) output(ctx context.Context, dir, name string) string {
	tf.t.Helper()
	return strings.TrimSpace(tf.run(ctx, dir, "output", "-raw", name))
}

// exitCode runs a terraform command whose exit code carries meaning (plan
// -detailed-exitcode) and returns its output and exit code.
func (tf *terraform) exitCode(ctx context.Context, dir string, args ...string) (string, int) {
	tf.t.Helper()
	cmd := exec.CommandContext(ctx, tf.bin, append(args, "-no-color")...)
	cmd.Dir = dir
	cmd.Env = tf.env
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return string(out), 0
	case errors.As(err, &exit):
		return string(out), exit.ExitCode()
	default:
		tf.t.Fatalf("terraform %v: %v\n%s", args, err, out)
		return "", -1
	}
}
