package console_test

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/digitalocean/godo"

	"github.com/scalable-tf/terraform-provider-scalable/internal/doclient"
	"github.com/scalable-tf/terraform-provider-scalable/internal/sandbox"
	"github.com/scalable-tf/terraform-provider-scalable/internal/testkeys"
	"github.com/scalable-tf/terraform-provider-scalable/internal/tier"
)

// chromium finds a Chromium binary: CHROMIUM_PATH, then Debian's
// /usr/bin/chromium and the usual names on PATH.
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("CHROMIUM_PATH"); p != "" {
		return p
	}
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no Chromium found (looked for $CHROMIUM_PATH, /usr/bin/chromium, chromium, chromium-browser, google-chrome): install Debian's chromium package (apt-get install -y chromium) to run the console's browser test; .ci/run does")
	return ""
}

// browser starts headless Chromium that reaches loopback only: every other
// address goes to a closed proxy port and no name resolves.
func browser(t *testing.T, ctx context.Context) context.Context {
	t.Helper()
	opts := append(slices.Clone(chromedp.DefaultExecAllocatorOptions[:]),
		chromedp.ExecPath(chromium(t)),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.NoSandbox, // root in CI
		chromedp.DisableGPU,
		chromedp.WindowSize(1280, 1800),
		chromedp.ProxyServer("http://127.0.0.1:9"), // loopback bypasses proxies; nothing else gets out
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-domain-reliability", true),
		chromedp.Flag("no-pings", true),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelAlloc)
	bctx, cancel := chromedp.NewContext(alloc, chromedp.WithLogf(t.Logf))
	t.Cleanup(cancel)
	return bctx
}

// rollSpec is a tier of three droplets rolled one at a time, gated on the
// load balancer's real health checks.
func rollSpec(image string) tier.Spec {
	return tier.Spec{
		Name: "roll", Region: "nyc3",
		Droplet: tier.DropletSpec{Instances: 3, Size: "s-1vcpu-1gb", Image: image},
		LoadBalancer: tier.LoadBalancerSpec{
			SizeUnit: 1, HTTPIdleTimeoutSeconds: 60,
			ForwardingRules: []tier.ForwardingRule{{EntryProtocol: "http", EntryPort: 80, TargetProtocol: "http", TargetPort: 80}},
			HealthCheck:     tier.HealthCheck{Protocol: "http", Port: 80, Path: "/", CheckIntervalSeconds: 10, ResponseTimeoutSeconds: 5, HealthyThreshold: 3, UnhealthyThreshold: 3},
			StickySessions:  tier.StickySessions{Type: "none"},
		},
		Rollout: tier.RolloutSpec{MaxSurge: tier.Droplets(1), Health: tier.HealthLoadBalancer, HealthTimeout: time.Minute},
	}
}

type quietLog struct{}

func (quietLog) Info(context.Context, string, map[string]any) {}

// legendJS reads the roll tier's legend: revision -> droplets now.
const legendJS = `(() => {
  const out = {};
  for (const li of document.querySelectorAll('[data-tier="roll"] .legend li')) out[li.dataset.revision] = Number(li.dataset.now);
  return out;
})()`

// Headless Chromium opens the console of a sandbox while a tier rolls from
// one image to another: after the token form, the page shows the tier's
// three droplets and its load balancer's healthy targets, follows the
// rollout live (both revisions serving at once, then the new one at 3 and
// the old one at 0 in the chart's legend), the demo's step, and the
// requests sent through the load balancer. A screenshot is saved.
func TestBrowserWatchesARollout(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	bctx := browser(t, ctx)

	srv, err := sandbox.New(sandbox.Options{Token: "browser-token", TimeScale: 0.01, Traffic: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	client, err := doclient.New(doclient.Config{Token: srv.Token(), Endpoint: srv.URL(), RetryMax: 3,
		RetryWaitMin: 5 * time.Millisecond, RetryWaitMax: 20 * time.Millisecond, Poll: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	exec := &tier.Executor{Cloud: client, Poll: 20 * time.Millisecond, TimeScale: 0.01, Log: quietLog{}}
	first, _, err := exec.Apply(ctx, rollSpec("ubuntu-24-04-x64"), tier.Ref{})
	if err != nil {
		t.Fatalf("create the tier: %v", err)
	}

	// The token form, once; then the page.
	err = chromedp.Do(bctx,
		chromedp.Navigate(srv.URL()+"/_sandbox/console"),
		chromedp.WaitVisible(chromedp.CSS("#token")),
		chromedp.SendKeys(chromedp.CSS("#token"), srv.Token()),
		chromedp.Click(chromedp.CSS("#sign-in")),
		chromedp.WaitVisible(chromedp.CSS("#tiers")), // the console's own page: a container never re-rendered
		until(`document.querySelectorAll('[data-tier="roll"] tr[data-droplet-id]').length === 3`),
		until(`document.querySelectorAll('[data-lb] tr.healthy').length === 3`),
	)
	if err != nil {
		t.Fatalf("the page never showed the tier's 3 droplets and 3 healthy targets: %v", err)
	}
	shown, err := chromedp.Run(bctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('[data-tier="roll"] tr[data-droplet-id]')].map(r => r.dataset.dropletId)`))
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, d := range first.Droplets {
		want = append(want, fmt.Sprint(d.ID))
	}
	slices.Sort(shown)
	slices.Sort(want)
	if !slices.Equal(shown, want) {
		t.Errorf("the page shows droplets %v, the tier has %v", shown, want)
	}
	old := revisions(t, bctx)
	if len(old) != 1 {
		t.Fatalf("before the rollout the legend shows %v, want one revision", old)
	}

	// Traffic through the load balancer shows per target.
	ls, err := srv.LoadBalancerListeners(first.LoadBalancer.ID)
	if err != nil {
		t.Fatal(err)
	}
	for range 12 {
		resp, err := http.Get("http://" + ls[0].Address + "/")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if err := chromedp.Do(bctx, until(`[...document.querySelectorAll('[data-lb] tr[data-target] td.num')].reduce((n, td) => n + (Number(td.textContent) || 0), 0) >= 12`)); err != nil {
		t.Fatalf("the page never counted the 12 requests sent through the load balancer: %v", err)
	}

	// A demo step, then the rollout, watched live.
	req, _ := http.NewRequest(http.MethodPost, srv.URL()+"/_sandbox/console/steps", strings.NewReader(`{"text":"roll out debian-13-x64"}`))
	req.Header.Set("Authorization", "Bearer "+srv.Token())
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST step: %v %v", resp, err)
	}
	rolled := make(chan error, 1)
	go func() {
		_, _, err := exec.Apply(ctx, rollSpec("debian-13-x64"), tier.Ref{LoadBalancerID: first.LoadBalancer.ID})
		rolled <- err
	}()
	oldRev := old[0]
	bothServing, strays := false, 0
	var seen []map[string]int
	for {
		legend, err := chromedp.Run(bctx, chromedp.Evaluate[map[string]int](legendJS))
		if err != nil {
			t.Fatalf("read the legend: %v", err)
		}
		stray, err := chromedp.Run(bctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-tier=""] tr[data-droplet-id]').length`))
		if err != nil {
			t.Fatal(err)
		}
		if stray > 0 {
			strays++
		}
		if len(seen) == 0 || !maps.Equal(seen[len(seen)-1], legend) {
			seen = append(seen, legend)
		}
		newRev := ""
		for rev := range legend {
			if rev != oldRev {
				newRev = rev
			}
		}
		if newRev != "" && legend[oldRev] > 0 && legend[newRev] > 0 {
			bothServing = true
		}
		if newRev != "" && legend[newRev] == 3 && legend[oldRev] == 0 {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the page never showed the new revision at 3 and %s at 0; legends seen: %v", oldRev, seen)
		case <-time.After(50 * time.Millisecond): // the polling interval
		}
	}
	if err := <-rolled; err != nil {
		t.Fatalf("the rollout: %v", err)
	}
	t.Logf("legends the page showed during the rollout: %v", seen)
	if strays > 0 {
		t.Errorf("%d times the page showed droplets outside any tier: a draining droplet (its tier tag removed) belongs to its tier", strays)
	}
	if !bothServing {
		t.Errorf("the page never showed both revisions at once (the waves); legends seen: %v", seen)
	}

	if err := chromedp.Do(bctx, until(`document.querySelectorAll('[data-tier="roll"] tr[data-droplet-id]').length === 3`)); err != nil {
		t.Fatalf("after the rollout the page does not show 3 droplets: %v", err)
	}
	// The page re-renders as snapshots arrive: read in one script, never by node.
	step, err := chromedp.Run(bctx, chromedp.Evaluate[string](`[...document.querySelectorAll('#steps li')].map(li => li.textContent).join('\n')`))
	if err != nil {
		t.Fatal(err)
	}
	bands, err := chromedp.Run(bctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-tier="roll"] svg path[data-revision]').length`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(step, "roll out debian-13-x64") {
		t.Errorf("the timeline shows %q, want the step", step)
	}
	if bands != 2 {
		t.Errorf("the chart draws %d revision bands, want 2 (the old and the new)", bands)
	}

	png, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "console.png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot of the console after the rollout: %s (%d bytes)", path, len(png))
	if keep := os.Getenv("SANDBOX_CONSOLE_SCREENSHOT"); keep != "" { // to look at it after the test
		if err := os.WriteFile(keep, png, 0o644); err != nil {
			t.Error(err)
		}
	}
}

// until waits for a page predicate, checking every 50 ms (within the
// test's deadline and chromedp's 30 s per poll).
func until(predicate string) chromedp.Action[chromedp.Void] {
	return chromedp.Poll[chromedp.Void](predicate, chromedp.WithPollingInterval(50*time.Millisecond))
}

// revisions are the revisions the roll tier's legend lists.
func revisions(t *testing.T, ctx context.Context) []string {
	t.Helper()
	legend, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]int](legendJS))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for rev := range legend {
		out = append(out, rev)
	}
	return out
}

// The page shows an autoscale pool with its members and the utilization
// the sandbox reports, a fault rule with what it matched and failed, and
// text from the world as text: a step with markup shows its characters.
// The page itself sends the API nothing (no favicon request either).
func TestBrowserShowsPoolsAndFaults(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	bctx := browser(t, ctx)
	srv, err := sandbox.New(sandbox.Options{Token: "browser-token", TimeScale: 0.01})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	client, err := godo.New(&http.Client{Transport: bearer(srv.Token())}, godo.SetBaseURL(srv.URL()))
	if err != nil {
		t.Fatal(err)
	}
	key, err := testkeys.Add(ctx, client, "pool")
	if err != nil {
		t.Fatal(err)
	}
	pool, _, err := client.DropletAutoscale.Create(ctx, &godo.DropletAutoscalePoolRequest{
		Name:   "auto-pool",
		Config: &godo.DropletAutoscaleConfiguration{MinInstances: 2, MaxInstances: 5, TargetCPUUtilization: 0.6, CooldownMinutes: 5},
		DropletTemplate: &godo.DropletAutoscaleResourceTemplate{Size: "s-1vcpu-1gb", Region: "nyc3", Image: "ubuntu-24-04-x64",
			Tags: []string{"scalable-tier:auto"}, SSHKeys: []string{key}, WithDropletAgent: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.AddFault(sandbox.FaultRule{Endpoint: "GET /v2/account", FailNext: 2, Status: 503}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := client.Account.Get(ctx); err == nil {
		t.Fatal("the fault rule let GET /v2/account through")
	}
	req, _ := http.NewRequest(http.MethodPost, srv.URL()+"/_sandbox/console/steps", strings.NewReader(`{"text":"scale <b>up</b>"}`))
	req.Header.Set("Authorization", "Bearer "+srv.Token())
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST step: %v %v", resp, err)
	}
	before := srv.Counts().Total

	err = chromedp.Do(bctx,
		chromedp.Navigate(srv.URL()+"/_sandbox/console"),
		chromedp.WaitVisible(chromedp.CSS("#token")),
		chromedp.SendKeys(chromedp.CSS("#token"), srv.Token()),
		chromedp.Click(chromedp.CSS("#sign-in")),
		chromedp.WaitVisible(chromedp.CSS("#tiers")),
		until(fmt.Sprintf(`(() => {
  const rows = [...document.querySelectorAll('[data-pool=%q] tr[data-member]')];
  return rows.length === 2 && rows.every(r => r.cells[1].textContent === 'active' && r.cells[2].textContent === '20%%' && r.cells[3].textContent === '30%%');
})()`, pool.ID)),
		until(`[...document.querySelectorAll('table.faults tbody tr')].some(r => r.cells[0].textContent === 'GET /v2/account' && r.cells[2].textContent === '1' && r.cells[3].textContent === '1')`),
		until(`document.querySelectorAll('[data-tier="auto"] tr[data-droplet-id]').length === 2`),
	)
	if err != nil {
		t.Fatalf("the page never showed the pool's 2 active members at 20%% CPU and 30%% memory, the fault rule's counts and the tier: %v", err)
	}
	steps, err := chromedp.Run(bctx, chromedp.Evaluate[[]any](`[document.querySelector('#steps').textContent, document.querySelectorAll('#steps b').length]`))
	if err != nil {
		t.Fatal(err)
	}
	if text, _ := steps[0].(string); !strings.Contains(text, "scale <b>up</b>") || steps[1] != float64(0) {
		t.Errorf("the step shows as %v: want its text with the markup as characters, and no element made of it", steps)
	}
	if got := srv.Counts().Total; got != before {
		t.Errorf("opening the console sent %d API requests (want none: no favicon, no /v2 call)", got-before)
	}
}

// bearer adds the token to every request.
type bearer string

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+string(b))
	return http.DefaultTransport.RoundTrip(r)
}
