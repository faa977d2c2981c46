package main

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/scalable-tf/terraform-provider-scalable/internal/sandbox"
)

// A rolling image update at fleet scale: N droplets at a percentage
// max_surge (the default "25%"), health mode load_balancer. Reported:
// the waves (from the apply's own summary), the duration against
// waves x (boot + healthy_threshold x interval), the most droplets at
// once and the fewest healthy in service, sampled every 10 ms.

type fleetRollRow struct {
	n                    int
	surge                string
	apply                measure
	waves                int
	most, leastInService int
	req                  sandbox.RequestCounts
}

// writeFleet writes a tier of n droplets (no backups, no alert) rolled at
// a max_surge given as text.
func (w *world) writeFleet(n int, image, surge string) error {
	return w.writeTier(fmt.Sprintf(`  droplet {
    instances = %d
    size      = "s-1vcpu-1gb"
    image     = %q
  }
%s  rollout {
    max_surge = %q
  }
`, n, image, httpLoadBalancer, surge))
}

var wavesDone = regexp.MustCompile(`droplets\s+were\s+replaced\s+in\s+(\d+)\s+waves?\s+in`)

func (b *bench) fleetRollout(n int, surge string, runs int) (fleetRollRow, error) {
	r := fleetRollRow{n: n, surge: surge, leastInService: 1 << 30}
	var times []time.Duration
	for i := 0; i < runs; i++ {
		w, err := b.newWorld()
		if err != nil {
			return r, err
		}
		err = func() error {
			defer w.close()
			if err := w.writeFleet(n, "ubuntu-22-04-x64", surge); err != nil {
				return err
			}
			if _, _, err := w.tf("apply", "-auto-approve", "-input=false"); err != nil {
				return err
			}
			// A create does not wait for the load balancer's health checks:
			// the fleet is measured from when all of it serves.
			if err := w.waitHealthy(n, 5*time.Minute); err != nil {
				return err
			}
			if err := w.writeFleet(n, "ubuntu-24-04-x64", surge); err != nil {
				return err
			}
			stop := w.watchService("scalable-tier:bench")
			t, c, out, err := w.tfOutput("apply", "-auto-approve", "-input=false")
			most, least := stop()
			if err != nil {
				return err
			}
			m := wavesDone.FindStringSubmatch(out)
			if m == nil {
				return fmt.Errorf("the apply did not say how many waves it took:\n%s", out)
			}
			r.waves, _ = strconv.Atoi(m[1])
			times, r.req = append(times, t), c
			r.most, r.leastInService = max(r.most, most), min(r.leastInService, least)
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

// tfOutput is tf that also returns what terraform printed.
func (w *world) tfOutput(args ...string) (time.Duration, sandbox.RequestCounts, string, error) {
	var out string
	w.capture = &out
	defer func() { w.capture = nil }()
	t, c, err := w.tf(args...)
	return t, c, out, err
}

// waitHealthy polls the sandbox until its load balancer holds n droplets
// healthy, within timeout.
func (w *world) waitHealthy(n int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		var lbID string
		w.srv.Inspect(func(wd *sandbox.World) {
			for id := range wd.LoadBalancers {
				lbID = id
			}
		})
		healthy := 0
		if h, err := w.srv.LoadBalancerHealth(lbID); err == nil {
			for _, ok := range h {
				if ok {
					healthy++
				}
			}
		}
		if healthy >= n {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("after %s the load balancer holds %d of %d droplets healthy", timeout, healthy, n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// watchService samples the sandbox every 10 ms until stopped: the most
// droplets carrying tag at once, and the fewest the load balancer holds
// healthy.
func (w *world) watchService(tag string) (stop func() (most, least int)) {
	most, least := 0, 1<<30
	done, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			var lbID string
			n := 0
			w.srv.Inspect(func(wd *sandbox.World) {
				for _, d := range wd.Droplets {
					if slices.Contains(d.Tags, tag) {
						n++
					}
				}
				for id := range wd.LoadBalancers {
					lbID = id
				}
			})
			most = max(most, n)
			if h, err := w.srv.LoadBalancerHealth(lbID); err == nil {
				healthy := 0
				for _, ok := range h {
					if ok {
						healthy++
					}
				}
				least = min(least, healthy)
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	return func() (int, int) { close(done); <-finished; return most, least }
}

func writeFleetRollouts(w *strings.Builder, rows []fleetRollRow, scale float64) {
	if len(rows) == 0 {
		return
	}
	perWave := scaled(45*time.Second+5*10*time.Second, scale)
	fmt.Fprintf(w, "## Rolling image update at fleet scale\n\n"+
		"An image change of N droplets at a percentage `max_surge`, health mode `load_balancer` (healthy threshold 5 x 10 s checks). "+
		"\"waves\" is what the apply's summary said; \"waves x (boot + 5 x 10 s)\" is the floor the issue names, with the sandbox's "+
		"45 s boot, scaled: %s a wave. \"most droplets\" is the largest number carrying the tier tag at once, \"least in service\" the fewest "+
		"the load balancer held healthy, both sampled every 10 ms from when all N served (this tier has no alert and no backups).\n\n", perWave)
	fmt.Fprintln(w, "| N | max_surge | waves | apply | waves x (boot + 5 x 10 s) | apply / that | most droplets | least in service | droplet creates | requests (all) | 429s |\n|---|---|---|---|---|---|---|---|---|---|---|")
	for _, r := range rows {
		floor := time.Duration(r.waves) * perWave
		fmt.Fprintf(w, "| %d | `%q` | %d | %s | %.1f s | %.2f | %d | %d | %d | %d | %d |\n", r.n, r.surge, r.waves, r.apply, floor.Seconds(),
			r.apply.med.Seconds()/floor.Seconds(), r.most, r.leastInService, r.req.Of("POST /v2/droplets"), r.req.Total, status(r.req, "429"))
	}
	fmt.Fprintln(w)
}
