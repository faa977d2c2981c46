package stacktest

import (
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"testing"
	"time"
)

// EnvHermetic is set (to 1) when the tests run in a network namespace that
// holds only a loopback interface, as .ci/run runs them: any attempt to
// reach another address then fails at once instead of leaving the machine.
const envHermetic = "SCALABLE_HERMETIC"

// guarded are the tests that send real traffic: the provider's own HTTP
// probe, the demo's requests through the load balancer (the full-stack
// example from the module), each with the sandbox's traffic emulation.
const guarded = "^(TestAccRolloutHealthHTTPFromTheCLI|TestAccFullStackExample)$"

// TestAccHermeticGuard proves nothing the project does needs a host other
// than this one. Inside the namespace (.ci/run) it checks that there is
// nothing but loopback, so the whole suite, run there, is the proof. Outside
// one (a plain `make test`) it runs the tests that send traffic again, in a
// namespace of their own.
func TestAccHermeticGuard(t *testing.T) {
	requireAcc(t)
	if os.Getenv(envHermetic) != "" {
		ifaces, err := net.Interfaces()
		if err != nil {
			t.Fatal(err)
		}
		for _, i := range ifaces {
			if i.Flags&net.FlagLoopback == 0 {
				t.Fatalf("%s=1 but interface %s is not loopback: run the tests inside `unshare --net` (see README)", envHermetic, i.Name)
			}
		}
		t.Logf("only loopback here (%d interface): every test in this run is hermetic", len(ifaces))
		return
	}
	args := []string{"--net"}
	if os.Geteuid() != 0 {
		args = append(args, "--map-root-user")
	}
	if out, err := exec.Command("unshare", append(args, "true")...).CombinedOutput(); err != nil {
		t.Skipf("cannot make a network namespace here (%v: %s); .ci/run runs the whole suite inside one", err, bytes.TrimSpace(out))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	script := `ip link set lo up && exec "$0" "$@"`
	cmd := exec.CommandContext(ctx, "unshare", append(args, "--", "sh", "-c", script,
		os.Args[0], "-test.run", guarded+"|^TestAccHermeticGuard$", "-test.count=1", "-test.v")...)
	cmd.Env = append(os.Environ(), envHermetic+"=1", "GOPROXY=off", "GOFLAGS=-mod=readonly")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the traffic tests failed inside a loopback-only network namespace: %v\n%s", err, out)
	}
	if !bytes.Contains(out, []byte("only loopback here")) || !bytes.Contains(out, []byte("--- PASS: TestAccFullStackExample")) ||
		!bytes.Contains(out, []byte("--- PASS: TestAccRolloutHealthHTTPFromTheCLI")) {
		t.Fatalf("the namespace run did not run the guarded tests:\n%s", out)
	}
	t.Logf("passed inside a loopback-only network namespace: %s", guarded)
}
