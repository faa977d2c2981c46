// Command tierbench measures the provider with the real Terraform CLI
// against a sandbox whose realistic delays are scaled by one known factor:
// apply, refresh and destroy times and API requests for tiers of N
// droplets, compared with the floor max(droplet boot, load balancer
// provisioning), and rolling image updates.
//
//	go run ./bench/tierbench -scale 0.1 -runs 3 -out bench/results.md
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/scalable-tf/terraform-provider-scalable/internal/sandbox"
)

func main() {
	if real := os.Getenv(wrapEnv); real != "" {
		wrapProvider(real) // standing in for the provider, under Terraform
	}
	var (
		scale      = flag.Float64("scale", 0.1, "sandbox time scale (every realistic delay is multiplied by it)")
		runs       = flag.Int("runs", 3, "repetitions of each measurement (median reported)")
		sizes      = flag.String("n", "1,10,50,100", "tier sizes to measure")
		surges     = flag.String("surge", "1,2,5", "max_surge values of the rolling update of 10 droplets")
		autoSurge  = flag.String("autoscale-surge", "1,2,5", "max_surge values of the rolling update of an autoscale pool of 10 members")
		out        = flag.String("out", "", "also write the results as markdown to this file")
		terraform  = flag.String("terraform", "/usr/local/bin/terraform", "terraform binary")
		limit      = flag.Int("droplet-limit", 0, "the sandbox account's droplet limit (default: 250, or twice the largest N when that is more)")
		title      = flag.String("title", "Benchmarks", "the report's heading")
		fleetN     = flag.String("fleet-rollout", "", "tier sizes of a rolling image update at fleet scale (fleetroll.go), such as 100")
		fleetSurge = flag.String("fleet-surge", "25%", "max_surge of the fleet-scale rolling update")
		canaryN    = flag.String("canary", "", "tier sizes of a canary rollout caught at its checkpoint (canary.go), such as 20")
		canaryImg  = flag.String("canary-image", "canary-500-10", "the bad image of the canary rollout")
		appendOut  = flag.Bool("append", false, "append the report to -out as a section (headings one level down) instead of replacing it")
		many       = flag.String("many", "", "many-tiers mode: numbers of tiers M in one configuration (e.g. 1,10,20,50); only this mode runs")
		manyN      = flag.String("many-n", "5,10", "many-tiers mode: droplets per tier")
		src        = flag.String("src", ".", "directory of the provider to build (another checkout gives before figures)")
		label      = flag.String("label", "", "many-tiers mode: a heading suffix for the section (e.g. \"before\")")
	)
	flag.Parse()
	b, err := newBench(*terraform, *scale, *src)
	if err != nil {
		fail(err)
	}
	defer os.RemoveAll(b.dir)
	b.dropletLimit = *limit
	if b.dropletLimit == 0 {
		b.dropletLimit = max(250, 2*slices.Max(append(ints(*sizes), 0)))
	}
	if *many != "" {
		runMany(b, *many, *manyN, *label, *out)
		return
	}

	var report strings.Builder
	fmt.Fprintf(&report, "# %s\n\nProduced by `go run ./bench/tierbench %s` on %s (%s).\n\n",
		*title, shellArgs(os.Args[1:]), time.Now().UTC().Format("2006-01-02"), cpuInfo())
	fmt.Fprintf(&report, "Sandbox time scale %g: a droplet boots in %s, a load balancer provisions in %s (DigitalOcean: 45 s and 90 s). "+
		"Provider `time_scale` %g, so it polls every %s. Default rate limits (250/minute, 5000/hour, windows scaled alike). "+
		"Each figure is the median of %d runs (min-max in brackets). The tier has an alert policy and weekly backups.\n\n",
		*scale, scaled(45*time.Second, *scale), scaled(90*time.Second, *scale), *scale, scaled(5*time.Second, *scale), *runs)

	floor := scaled(90*time.Second, *scale) // max(droplet boot, LB provisioning)
	var rows []row
	for _, n := range ints(*sizes) {
		r, err := b.lifecycle(n, *runs)
		if err != nil {
			fail(fmt.Errorf("tier of %d droplets: %w", n, err))
		}
		r.floor = floor
		rows = append(rows, r)
		fmt.Fprintf(os.Stderr, "N=%d done: apply %s\n", n, r.apply)
	}
	if len(rows) > 0 {
		writeLifecycle(&report, rows)
		writeTargets(&report, rows)
	}

	var rolls []rollRow
	for _, s := range ints(*surges) {
		r, err := b.rollout(10, s, *runs)
		if err != nil {
			fail(fmt.Errorf("rollout surge %d: %w", s, err))
		}
		rolls = append(rolls, r)
		fmt.Fprintf(os.Stderr, "rollout surge=%d done: %s\n", s, r.apply)
	}
	if len(rolls) > 0 {
		writeRollouts(&report, rolls, *scale)
	}

	var autoRolls []rollRow
	for _, s := range ints(*autoSurge) {
		r, err := b.autoscaleRollout(10, s, *runs)
		if err != nil {
			fail(fmt.Errorf("autoscale rollout surge %d: %w", s, err))
		}
		autoRolls = append(autoRolls, r)
		fmt.Fprintf(os.Stderr, "autoscale rollout surge=%d done: %s\n", s, r.apply)
	}
	writeAutoscaleRollouts(&report, autoRolls)

	var fleetRolls []fleetRollRow
	for _, n := range ints(*fleetN) {
		r, err := b.fleetRollout(n, *fleetSurge, *runs)
		if err != nil {
			fail(fmt.Errorf("fleet rollout of %d: %w", n, err))
		}
		fleetRolls = append(fleetRolls, r)
		fmt.Fprintf(os.Stderr, "fleet rollout N=%d done: %s in %d waves\n", n, r.apply, r.waves)
	}
	writeFleetRollouts(&report, fleetRolls, *scale)

	var canaries []canaryRow
	for _, n := range ints(*canaryN) {
		for _, onFailure := range []string{"stop", "rollback"} {
			r, err := b.canaryCaught(n, *canaryImg, onFailure, *runs)
			if err != nil {
				fail(fmt.Errorf("canary rollout of %d (%s): %w", n, onFailure, err))
			}
			canaries = append(canaries, r)
			fmt.Fprintf(os.Stderr, "canary N=%d on_failure=%s: failed after %s, saw %s\n", n, onFailure, r.failedAfter, r.seen)
		}
	}
	writeCanaries(&report, canaries)

	fmt.Print(report.String())
	if *out != "" {
		if err := writeReport(*out, report.String(), *appendOut); err != nil {
			fail(err)
		}
	}
}

// writeReport writes the report to path, or appends it as a section with
// every heading one level down.
func writeReport(path, report string, appendTo bool) error {
	if !appendTo {
		return os.WriteFile(path, []byte(report), 0o644)
	}
	lines := strings.Split(report, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "#") {
			lines[i] = "#" + l
		}
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.WriteString("\n" + strings.Join(lines, "\n")); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "tierbench:", err)
	os.Exit(1)
}

type bench struct {
	terraform    string
	scale        float64
	dir          string // provider binary, CLI config, work dirs
	env          []string
	rssFile      string // where the provider wrapper records peaks
	dropletLimit int
}

func newBench(terraform string, scale float64, src string) (*bench, error) {
	dir, err := os.MkdirTemp("", "tierbench")
	if err != nil {
		return nil, err
	}
	bin := filepath.Join(dir, "bin")
	real, err := filepath.Abs(filepath.Join(dir, "real", "terraform-provider-scalable"))
	if err != nil {
		return nil, err
	}
	build := exec.Command("go", "build", "-o", real, ".")
	build.Dir = src
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		return nil, fmt.Errorf("build provider: %w", err)
	}
	rssFile := filepath.Join(dir, "provider-rss")
	wrap, err := installWrapper(bin, "terraform-provider-scalable", real, rssFile)
	if err != nil {
		return nil, fmt.Errorf("install the provider wrapper: %w", err)
	}
	cfg := filepath.Join(dir, "terraformrc")
	rc := fmt.Sprintf("provider_installation {\n  dev_overrides { \"registry.terraform.io/scalable-tf/scalable\" = %q }\n  direct {}\n}\n", bin)
	if err := os.WriteFile(cfg, []byte(rc), 0o644); err != nil {
		return nil, err
	}
	env := append(os.Environ(), "TF_CLI_CONFIG_FILE="+cfg, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1",
		fmt.Sprintf("SCALABLE_TIME_SCALE=%g", scale))
	return &bench{terraform: terraform, scale: scale, dir: dir, rssFile: rssFile, env: append(env, wrap...)}, nil
}

// world is one sandbox and a work directory with a tier config.
type world struct {
	b   *bench
	srv *sandbox.Server
	dir string
	// sshKey is the fingerprint of the account's key, which autoscaled
	// tiers name: DigitalOcean refuses pool templates without a known key.
	sshKey string
	// capture, when set, receives what the next terraform command printed.
	capture *string
	// peakKiB is the largest peak resident set of the provider processes
	// the last terraform command ran; providers how many ran.
	peakKiB, providers int
}

// benchPublicKey is the key every bench sandbox account holds.
const benchPublicKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g tierbench"

func (b *bench) newWorld(opts ...func(*sandbox.Options)) (*world, error) {
	o := sandbox.Options{TimeScale: b.scale, DropletLimit: max(b.dropletLimit, 250)}
	for _, f := range opts {
		f(&o)
	}
	return b.newWorldWith(o)
}

func (b *bench) newWorldWith(opts sandbox.Options) (*world, error) {
	srv, err := sandbox.New(opts)
	if err != nil {
		return nil, err
	}
	if err := srv.Start("127.0.0.1:0"); err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp(b.dir, "work")
	if err != nil {
		return nil, err
	}
	w := &world{b: b, srv: srv, dir: dir}
	if w.sshKey, err = w.addSSHKey(); err != nil {
		w.close()
		return nil, err
	}
	return w, nil
}

// addSSHKey adds benchPublicKey to the account through POST
// /v2/account/keys, as a user would, and returns its fingerprint.
func (w *world) addSSHKey() (string, error) {
	body, _ := json.Marshal(map[string]string{"name": "tierbench", "public_key": benchPublicKey})
	req, err := http.NewRequest(http.MethodPost, w.srv.URL()+"/v2/account/keys", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "Bearer "+w.srv.Token())
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("add ssh key: %w", err)
	}
	defer resp.Body.Close()
	var out struct {
		SSHKey struct {
			Fingerprint string `json:"fingerprint"`
		} `json:"ssh_key"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusCreated {
		return "", fmt.Errorf("add ssh key: HTTP %d: %v", resp.StatusCode, err)
	}
	return out.SSHKey.Fingerprint, nil
}

func (w *world) close() { _ = w.srv.Close(); _ = os.RemoveAll(w.dir) }

// httpLoadBalancer is the bench tier's load balancer block.
const httpLoadBalancer = `  load_balancer {
    forwarding_rule {
      entry_protocol  = "http"
      entry_port      = 80
      target_protocol = "http"
      target_port     = 80
    }
  }
`

// writeTier writes main.tf: the provider pointed at the world's sandbox and
// a scalable_web_tier "bench" with the given body.
func (w *world) writeTier(body string) error {
	cfg := fmt.Sprintf(`
terraform {
  required_providers {
    scalable = { source = "scalable-tf/scalable" }
  }
}
provider "scalable" {
  api_endpoint = %q
  token        = %q
}
resource "scalable_web_tier" "bench" {
  name   = "bench"
  region = "nyc3"
%s}
`, w.srv.URL(), w.srv.Token(), body)
	return os.WriteFile(filepath.Join(w.dir, "main.tf"), []byte(cfg), 0o644)
}

// write writes a tier of n fixed droplets with weekly backups and an alert.
func (w *world) write(n int, image string, surge int) error {
	return w.writeTier(fmt.Sprintf(`  droplet {
    instances = %d
    size      = "s-1vcpu-1gb"
    image     = %q
    backups {
      plan = "weekly"
    }
  }
%s  alert {
    metric  = "cpu"
    compare = "GreaterThan"
    value   = 85
    window  = "5m"
    emails  = ["ops@example.com"]
  }
  rollout {
    max_surge = %d
  }
`, n, image, httpLoadBalancer, surge))
}

// writeAutoscaled writes a tier whose droplets are an autoscale pool held
// at n members (min = n), rolled out with health mode load_balancer.
func (w *world) writeAutoscaled(n int, image string, surge int) error {
	return w.writeTier(fmt.Sprintf(`  droplet {
    size     = "s-1vcpu-1gb"
    image    = %q
    ssh_keys = [%q]
  }
  autoscale {
    min_instances          = %d
    max_instances          = %d
    target_cpu_utilization = 0.8
  }
%s  rollout {
    max_surge = %d
  }
`, image, w.sshKey, n, n+5, httpLoadBalancer, surge))
}

// tf runs one terraform command and returns its wall time and the API
// requests it made.
func (w *world) tf(args ...string) (time.Duration, sandbox.RequestCounts, error) {
	w.srv.ResetCounts()
	providerPeak(w.b.rssFile) // forget any earlier command's
	cmd := exec.Command(w.b.terraform, args...)
	cmd.Dir = w.dir
	cmd.Env = w.b.env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	took := time.Since(start)
	w.peakKiB, w.providers = providerPeak(w.b.rssFile)
	if w.capture != nil {
		*w.capture = out.String()
	}
	if err != nil {
		// The counts of a failed command are a result too (its 429s).
		return took, w.srv.Counts(), fmt.Errorf("terraform %s: %w\n%s", strings.Join(args, " "), err, out.String())
	}
	return took, w.srv.Counts(), nil
}

type measure struct{ min, med, max time.Duration }

func (m measure) String() string {
	return fmt.Sprintf("%.2f s [%.2f-%.2f]", m.med.Seconds(), m.min.Seconds(), m.max.Seconds())
}

func summarize(ds []time.Duration) measure {
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return measure{ds[0], ds[len(ds)/2], ds[len(ds)-1]}
}

type row struct {
	n                       int
	apply, refresh, destroy measure
	applyReq, refreshReq    sandbox.RequestCounts
	destroyReq              sandbox.RequestCounts
	floor                   time.Duration
	// peak resident set of the provider in each phase, KiB, largest over
	// the runs, and how many provider processes the phase ran
	applyMem, refreshMem, destroyMem int
	applyProcs                       int
}

func (b *bench) lifecycle(n, runs int) (row, error) {
	r := row{n: n}
	var applies, refreshes, destroys []time.Duration
	for i := 0; i < runs; i++ {
		w, err := b.newWorld()
		if err != nil {
			return r, err
		}
		if err := w.write(n, "ubuntu-24-04-x64", 1); err != nil {
			w.close()
			return r, err
		}
		a, ac, err := w.tf("apply", "-auto-approve", "-input=false")
		if err != nil {
			w.close()
			return r, err
		}
		r.applyMem, r.applyProcs = max(r.applyMem, w.peakKiB), w.providers
		p, pc, err := w.tf("plan", "-input=false", "-detailed-exitcode")
		if err != nil {
			w.close()
			return r, fmt.Errorf("plan after apply is not empty (or failed): %w", err)
		}
		r.refreshMem = max(r.refreshMem, w.peakKiB)
		d, dc, err := w.tf("destroy", "-auto-approve", "-input=false")
		r.destroyMem = max(r.destroyMem, w.peakKiB)
		w.close()
		if err != nil {
			return r, err
		}
		applies, refreshes, destroys = append(applies, a), append(refreshes, p), append(destroys, d)
		r.applyReq, r.refreshReq, r.destroyReq = ac, pc, dc
	}
	r.apply, r.refresh, r.destroy = summarize(applies), summarize(refreshes), summarize(destroys)
	return r, nil
}

type rollRow struct {
	surge    int
	apply    measure
	req      sandbox.RequestCounts
	maxTotal int // most droplets in the tier at once
}

func (b *bench) rollout(n, surge, runs int) (rollRow, error) {
	return b.timeRollout(surge, runs, func(w *world, image string) error { return w.write(n, image, surge) })
}

// autoscaleRollout times an image change of an autoscaled tier of n
// members.
func (b *bench) autoscaleRollout(n, surge, runs int) (rollRow, error) {
	return b.timeRollout(surge, runs, func(w *world, image string) error { return w.writeAutoscaled(n, image, surge) })
}

// timeRollout applies the tier that write writes on one image, then times
// the apply that moves it to another, watching the sandbox meanwhile for
// the most droplets in the tier at once, and destroys it; runs times, each
// on a fresh sandbox.
func (b *bench) timeRollout(surge, runs int, write func(w *world, image string) error) (rollRow, error) {
	r := rollRow{surge: surge}
	var times []time.Duration
	for i := 0; i < runs; i++ {
		w, err := b.newWorld()
		if err != nil {
			return r, err
		}
		err = func() error {
			defer w.close()
			if err := write(w, "ubuntu-22-04-x64"); err != nil {
				return err
			}
			if _, _, err := w.tf("apply", "-auto-approve", "-input=false"); err != nil {
				return err
			}
			if err := write(w, "ubuntu-24-04-x64"); err != nil {
				return err
			}
			stop, most := w.watchTotal("scalable-tier:bench")
			t, c, err := w.tf("apply", "-auto-approve", "-input=false")
			stop()
			if err != nil {
				return err
			}
			times, r.req, r.maxTotal = append(times, t), c, max(r.maxTotal, *most)
			_, _, err = w.tf("destroy", "-auto-approve", "-input=false")
			return err
		}()
		if err != nil {
			return r, err
		}
	}
	r.apply = summarize(times)
	return r, nil
}

// watchTotal polls the sandbox every 10 ms for the number of droplets
// carrying tag until stop is called; *most is the largest seen.
func (w *world) watchTotal(tag string) (stop func(), most *int) {
	most = new(int)
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			w.srv.Inspect(func(wd *sandbox.World) {
				n := 0
				for _, d := range wd.Droplets {
					if slices.Contains(d.Tags, tag) {
						n++
					}
				}
				*most = max(*most, n)
			})
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	return func() { close(done); <-finished }, most
}

func writeAutoscaleRollouts(w *strings.Builder, rows []rollRow) {
	if len(rows) == 0 {
		return
	}
	fmt.Fprintf(w, "## Rolling image update of an autoscale pool of 10 members\n\n"+
		"The droplets move to a new pool grown in waves of max_surge (health mode `load_balancer`). "+
		"\"most droplets\" is the largest number of droplets carrying the tier tag at once, sampled every 10 ms "+
		"(DigitalOcean's own template change would reach 20).\n\n")
	fmt.Fprintln(w, "| max_surge | apply | most droplets | pool requests (POST/PUT) | requests (all) | 429s |\n|---|---|---|---|---|---|")
	for _, r := range rows {
		fmt.Fprintf(w, "| %d | %s | %d | %d | %d | %d |\n", r.surge, r.apply, r.maxTotal,
			r.req.Of("POST /v2/droplets/autoscale")+r.req.Of("PUT /v2/droplets/autoscale/{id}"), r.req.Total, status(r.req, "429"))
	}
	fmt.Fprintln(w)
}

func writeLifecycle(w *strings.Builder, rows []row) {
	fmt.Fprintf(w, "## Create, refresh, destroy\n\n")
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', tabwriter.Debug)
	fmt.Fprintln(tw, "| N\t apply\t floor\t apply/floor\t refresh (plan)\t destroy\t droplet creates\t requests (apply/refresh/destroy)\t 429s (apply/refresh/destroy)\t")
	fmt.Fprintln(tw, "|---\t---\t---\t---\t---\t---\t---\t---\t---\t")
	for _, r := range rows {
		fmt.Fprintf(tw, "| %d\t %s\t %.2f s\t %.2f\t %s\t %s\t %d (limit %d)\t %d / %d / %d\t %d / %d / %d\t\n", r.n, r.apply, r.floor.Seconds(),
			r.apply.med.Seconds()/r.floor.Seconds(), r.refresh, r.destroy,
			r.applyReq.Of("POST /v2/droplets"), int(math.Ceil(float64(r.n)/10)),
			r.applyReq.Total, r.refreshReq.Total, r.destroyReq.Total,
			status(r.applyReq, "429"), status(r.refreshReq, "429"), status(r.destroyReq, "429"))
	}
	tw.Flush()
	fmt.Fprintf(w, "\nProvider peak memory: the largest peak resident set size (the kernel's ru_maxrss of the provider process, "+
		"recorded by a wrapper the bench puts where Terraform starts the provider; exact, not sampled) of the provider processes "+
		"each command ran, largest over the runs.\n\n| N | apply | refresh (plan) | destroy | provider processes per apply |\n|---|---|---|---|---|\n")
	for _, r := range rows {
		fmt.Fprintf(w, "| %d | %s | %s | %s | %d |\n", r.n, mib(r.applyMem), mib(r.refreshMem), mib(r.destroyMem), r.applyProcs)
	}
	fmt.Fprintf(w, "\n### API requests by endpoint (last run)\n\n")
	for _, r := range rows {
		fmt.Fprintf(w, "N=%d\n\n| phase | endpoint | requests |\n|---|---|---|\n", r.n)
		for _, ph := range []struct {
			name string
			c    sandbox.RequestCounts
		}{{"apply", r.applyReq}, {"refresh", r.refreshReq}, {"destroy", r.destroyReq}} {
			for _, k := range sortedKeys(ph.c.Endpoints) {
				fmt.Fprintf(w, "| %s | `%s` | %d |\n", ph.name, k, ph.c.Endpoints[k].Requests)
			}
		}
		fmt.Fprintln(w)
	}
}

// writeTargets checks the targets against the measurements.
func writeTargets(w *strings.Builder, rows []row) {
	fmt.Fprintf(w, "## Targets\n\n| target | measured | met |\n|---|---|---|\n")
	mark := func(ok bool) string {
		if ok {
			return "yes"
		}
		return "**no**"
	}
	worst, creates, refresh, no429 := 0.0, true, "", true
	for _, r := range rows {
		worst = max(worst, r.apply.med.Seconds()/r.floor.Seconds())
		creates = creates && r.applyReq.Of("POST /v2/droplets") <= int(math.Ceil(float64(r.n)/10))
		if r.n == 100 {
			refresh = fmt.Sprint(r.refreshReq.Total)
			no429 = status(r.applyReq, "429") == 0 && status(r.refreshReq, "429") == 0 && status(r.destroyReq, "429") == 0
		}
	}
	fmt.Fprintf(w, "| apply within 1.15x the floor at every N | worst %.2fx | %s |\n", worst, mark(worst <= 1.15))
	fmt.Fprintf(w, "| at most ceil(N/10) create requests | see table | %s |\n", mark(creates))
	if refresh != "" {
		n, _ := strconv.Atoi(refresh)
		fmt.Fprintf(w, "| refresh of 100 droplets in at most 4 requests | %s | %s |\n", refresh, mark(n <= 4))
		fmt.Fprintf(w, "| no 429 at N = 100 (default budget) | %v | %s |\n", map[bool]string{true: "none", false: "some"}[no429], mark(no429))
	}
	fmt.Fprintln(w)
}

func writeRollouts(w *strings.Builder, rows []rollRow, scale float64) {
	fmt.Fprintf(w, "## Rolling image update of 10 droplets\n\nHealth mode `load_balancer` (healthy threshold 5 x 10 s checks), so each wave waits boot + %s of health checks + one %s drain.\n\n",
		scaled(50*time.Second, scale), scaled(10*time.Second, scale))
	fmt.Fprintln(w, "| max_surge | apply | droplet creates | requests (all) | 429s |\n|---|---|---|---|---|")
	for _, r := range rows {
		fmt.Fprintf(w, "| %d | %s | %d | %d | %d |\n", r.surge, r.apply, r.req.Of("POST /v2/droplets"), r.req.Total, status(r.req, "429"))
	}
	fmt.Fprintln(w)
}

func status(c sandbox.RequestCounts, code string) int {
	n := 0
	for _, e := range c.Endpoints {
		n += e.Statuses[code]
	}
	return n
}

func sortedKeys(m map[string]sandbox.EndpointCount) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// shellArgs joins arguments as a shell would need them typed: empty ones
// and ones with spaces or quotes in double quotes.
func shellArgs(args []string) string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = a
		if a == "" || strings.ContainsAny(a, " \t\"'$`\\") {
			out[i] = `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "$", `\$`, "`", "\\`").Replace(a) + `"`
		}
	}
	return strings.Join(out, " ")
}

func mib(kib int) string {
	if kib == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.1f MiB", float64(kib)/1024)
}

func scaled(d time.Duration, f float64) time.Duration {
	return time.Duration(float64(d) * f).Round(time.Millisecond)
}

func ints(s string) []int {
	var out []int
	for _, f := range strings.Split(s, ",") {
		var n int
		if _, err := fmt.Sscan(strings.TrimSpace(f), &n); err == nil {
			out = append(out, n)
		}
	}
	return out
}

func cpuInfo() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	model, cores := "", 0
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "model name") && model == "" {
			model = strings.TrimSpace(strings.SplitN(line, ":", 2)[1])
		}
		if strings.HasPrefix(line, "processor") {
			cores++
		}
	}
	return fmt.Sprintf("%d cores, %s", cores, model)
}
