package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/scalable-tf/terraform-provider-scalable/internal/sandbox"
)

// manyRow is one configuration of m tiers of n droplets each, applied,
// planned and destroyed with -parallelism=m.
type manyRow struct {
	m, n                 int
	apply, plan, destroy time.Duration
	floor                time.Duration
	// lbSpread is from the first load balancer's create to the last's:
	// how long the apply took to start every tier's slowest part.
	lbSpread time.Duration
	// firstCreate is when the first load balancer was created, from the
	// start of terraform apply: Terraform's own plan walk and the
	// preflight, before any tier can start provisioning.
	firstCreate       time.Duration
	applyReq, planReq sandbox.RequestCounts
	destroyReq        sandbox.RequestCounts
	// failed names the phase that failed (a provider giving up after its
	// retries is a result too, for before figures); "" when none did.
	failed string
}

// writeMany writes main.tf with m tiers (t01, t02, ...) of n droplets,
// each as the one-tier bench's: weekly backups, an alert, an HTTP load
// balancer.
func (w *world) writeMany(m, n int) error {
	var b strings.Builder
	fmt.Fprintf(&b, `
terraform {
  required_providers {
    scalable = { source = "scalable-tf/scalable" }
  }
}
provider "scalable" {
  api_endpoint = %q
  token        = %q
}
`, w.srv.URL(), w.srv.Token())
	for i := 1; i <= m; i++ {
		fmt.Fprintf(&b, `
resource "scalable_web_tier" "t%02[1]d" {
  name   = "t%02[1]d"
  region = "nyc3"
  droplet {
    instances = %[2]d
    size      = "s-1vcpu-1gb"
    image     = "ubuntu-24-04-x64"
    backups {
      plan = "weekly"
    }
  }
%[3]s  alert {
    metric  = "cpu"
    compare = "GreaterThan"
    value   = 85
    window  = "5m"
    emails  = ["ops@example.com"]
  }
}
`, i, n, httpLoadBalancer)
	}
	return os.WriteFile(filepath.Join(w.dir, "main.tf"), []byte(b.String()), 0o644)
}

// manyTiers measures one configuration of m tiers of n droplets on a fresh
// sandbox: apply, the plan after it (which must be empty), destroy.
func (b *bench) manyTiers(m, n int) (manyRow, error) {
	r := manyRow{m: m, n: n, floor: scaled(90*time.Second, b.scale)}
	w, err := b.newWorldWith(sandbox.Options{TimeScale: b.scale, DropletLimit: m*n + 50})
	if err != nil {
		return r, err
	}
	defer w.close()
	if err := w.writeMany(m, n); err != nil {
		return r, err
	}
	par := fmt.Sprintf("-parallelism=%d", max(m, 1))
	applyStart := time.Now()
	if r.apply, r.applyReq, err = w.tf("apply", "-auto-approve", "-input=false", par); err != nil {
		r.failed = "apply: " + lastError(err)
		return r, nil
	}
	w.srv.Inspect(func(wd *sandbox.World) {
		var first, last time.Time
		for _, lb := range wd.LoadBalancers {
			if first.IsZero() || lb.CreatedAt.Before(first) {
				first = lb.CreatedAt
			}
			if lb.CreatedAt.After(last) {
				last = lb.CreatedAt
			}
		}
		r.lbSpread, r.firstCreate = last.Sub(first), first.Sub(applyStart)
	})
	if r.plan, r.planReq, err = w.tf("plan", "-input=false", "-detailed-exitcode", par); err != nil {
		return r, fmt.Errorf("plan after apply is not empty (or failed): %w", err)
	}
	r.destroy, r.destroyReq, err = w.tf("destroy", "-auto-approve", "-input=false", par)
	if err != nil {
		r.failed = "destroy: " + lastError(err)
	}
	return r, nil
}

var ansi = regexp.MustCompile("\x1b\\[[0-9;]*m")

// lastError is the first line of Terraform's last "Error:" detail.
func lastError(err error) string {
	s := err.Error()
	i := strings.LastIndex(s, "Error:")
	if i < 0 {
		return strings.SplitN(s, "\n", 2)[0]
	}
	var words []string
	for _, line := range strings.Split(s[i:], "\n")[1:] {
		line = strings.Trim(ansi.ReplaceAllString(line, ""), " │╵")
		if line != "" {
			words = append(words, line)
		}
	}
	return strings.Join(words, " ")
}

func writeMany(w *strings.Builder, rows []manyRow, scale float64) {
	fmt.Fprintf(w, "M tiers of N droplets each (weekly backups, an alert policy, an HTTP load balancer) in one configuration, one token, "+
		"`-parallelism=M` for apply, plan and destroy; floor = load-balancer provisioning (%s). Requests are the sandbox's counts; "+
		"one run each.\n\n", scaled(90*time.Second, scale))
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', tabwriter.Debug)
	fmt.Fprintln(tw, "| M x N\t apply\t apply/floor\t first create at\t LB creates spread\t apply requests\t plan\t plan requests\t destroy\t destroy requests\t 429s (apply/plan/destroy)\t")
	fmt.Fprintln(tw, "|---\t---\t---\t---\t---\t---\t---\t---\t---\t---\t---\t")
	for _, r := range rows {
		if strings.HasPrefix(r.failed, "apply") {
			fmt.Fprintf(tw, "| %d x %d\t failed after %.2f s\t -\t -\t -\t %d\t -\t -\t -\t -\t %d / - / -\t\n", r.m, r.n,
				r.apply.Seconds(), r.applyReq.Total, status(r.applyReq, "429"))
			continue
		}
		destroy := fmt.Sprintf("%.2f s", r.destroy.Seconds())
		if r.failed != "" {
			destroy = "failed after " + destroy
		}
		fmt.Fprintf(tw, "| %d x %d\t %.2f s\t %.2f\t %.2f s\t %.2f s\t %d\t %.2f s\t %d\t %s\t %d\t %d / %d / %d\t\n", r.m, r.n,
			r.apply.Seconds(), r.apply.Seconds()/r.floor.Seconds(), r.firstCreate.Seconds(), r.lbSpread.Seconds(), r.applyReq.Total,
			r.plan.Seconds(), r.planReq.Total, destroy, r.destroyReq.Total,
			status(r.applyReq, "429"), status(r.planReq, "429"), status(r.destroyReq, "429"))
	}
	tw.Flush()
	fmt.Fprintln(w)
	for _, r := range rows {
		if r.failed != "" {
			fmt.Fprintf(w, "- %d x %d failed: %s\n", r.m, r.n, r.failed)
		}
	}
	fmt.Fprintln(w)
	if len(rows) > 0 {
		r := rows[len(rows)-1]
		fmt.Fprintf(w, "### API requests by endpoint, M=%d x N=%d\n\n| phase | endpoint | requests | 429s |\n|---|---|---|---|\n", r.m, r.n)
		for _, ph := range []struct {
			name string
			c    sandbox.RequestCounts
		}{{"apply", r.applyReq}, {"plan", r.planReq}, {"destroy", r.destroyReq}} {
			for _, k := range sortedKeys(ph.c.Endpoints) {
				e := ph.c.Endpoints[k]
				fmt.Fprintf(w, "| %s | `%s` | %d | %d |\n", ph.name, k, e.Requests, e.Statuses["429"])
			}
		}
		fmt.Fprintln(w)
	}
}

// writeManyTargets checks the targets at M=50, N=10.
func writeManyTargets(w *strings.Builder, rows []manyRow) {
	for _, r := range rows {
		if r.m != 50 || r.n != 10 {
			continue
		}
		ratio := r.apply.Seconds() / r.floor.Seconds()
		n429 := status(r.applyReq, "429") + status(r.planReq, "429") + status(r.destroyReq, "429")
		mark := map[bool]string{true: "yes", false: "**no**"}
		fmt.Fprintf(w, "| target (M=50, N=10) | measured | met |\n|---|---|---|\n")
		fmt.Fprintf(w, "| apply <= 1.1x the floor | %.2fx | %s |\n", ratio, mark[ratio <= 1.1])
		fmt.Fprintf(w, "| no 429 | %d | %s |\n", n429, mark[n429 == 0])
		fmt.Fprintf(w, "| plan of 50 tiers in <= 20 requests | %d | %s |\n\n", r.planReq.Total, mark[r.planReq.Total <= 20])
	}
}

// replaceSection puts section into the file at path between its markers,
// or appends it; the rest of the file (the one-tier tables) stays.
func replaceSection(path, section string) error {
	const begin, end = "<!-- many-tiers -->\n", "<!-- /many-tiers -->\n"
	old, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	s := string(old)
	block := begin + section + end
	if i, j := strings.Index(s, begin), strings.Index(s, end); i >= 0 && j > i {
		s = s[:i] + block + s[j+len(end):]
	} else {
		s = strings.TrimRight(s, "\n") + "\n\n" + block
	}
	return os.WriteFile(path, []byte(s), 0o644)
}

func runMany(b *bench, ms, ns, label, out string) {
	var rows []manyRow
	for _, n := range ints(ns) {
		for _, m := range ints(ms) {
			r, err := b.manyTiers(m, n)
			if err != nil {
				fail(fmt.Errorf("%d tiers of %d droplets: %w", m, n, err))
			}
			if r.failed != "" {
				fmt.Fprintf(os.Stderr, "M=%d N=%d failed: %s\n", m, n, r.failed)
			}
			rows = append(rows, r)
			fmt.Fprintf(os.Stderr, "M=%d N=%d: apply %.2f s (%.2fx, first LB create at %.2f s, LB creates over %.2f s), plan %.2f s / %d requests, destroy %.2f s, 429s %d/%d/%d\n",
				m, n, r.apply.Seconds(), r.apply.Seconds()/r.floor.Seconds(), r.firstCreate.Seconds(), r.lbSpread.Seconds(), r.plan.Seconds(), r.planReq.Total, r.destroy.Seconds(),
				status(r.applyReq, "429"), status(r.planReq, "429"), status(r.destroyReq, "429"))
		}
	}
	var report strings.Builder
	if label != "" {
		label = " (" + label + ")"
	}
	fmt.Fprintf(&report, "## Many tiers in one configuration%s\n\nProduced by `go run ./bench/tierbench %s` on %s (%s). Sandbox time scale %g, rate limits 250/minute and 5000/hour "+
		"with the windows scaled alike; provider `time_scale` %g.\n\n",
		label, strings.Join(os.Args[1:], " "), time.Now().UTC().Format("2006-01-02"), cpuInfo(), b.scale, b.scale)
	writeMany(&report, rows, b.scale)
	writeManyTargets(&report, rows)
	fmt.Print(report.String())
	if out != "" {
		if err := replaceSection(out, report.String()); err != nil {
			fail(err)
		}
	}
}
