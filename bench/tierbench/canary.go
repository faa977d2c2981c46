package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/scalable-tf/terraform-provider-scalable/internal/sandbox"
)

// A canary caught: N droplets roll to an image that answers HTTP 500 to
// a share of requests (the sandbox's canary-500-<pct>), with checkpoints
// [10, 50], max_error_rate 0.05 and real traffic through the load
// balancer. Reported per on_failure: how long until the apply failed, the
// error rate the checkpoint read, the most droplets at once, and which
// images the fleet runs afterwards.

type canaryRow struct {
	n            int
	image        string
	onFailure    string
	failedAfter  measure
	seen         string // "24.7% of 166", from the apply's error
	most         int
	old, canary  int // droplets on each image after the apply
	clientServed int // requests the traffic generator got answered
	client5xx    int
	req          sandbox.RequestCounts
}

func (w *world) writeCanary(n int, image, onFailure string) error {
	return w.writeTier(fmt.Sprintf(`  droplet {
    instances = %d
    size      = "s-1vcpu-1gb"
    image     = %q
  }
%s  rollout {
    max_surge        = "25%%"
    checkpoints      = [10, 50]
    checkpoint_delay = "1m"
    max_error_rate   = 0.05
    on_failure       = %q
  }
`, n, image, httpLoadBalancer, onFailure))
}

var checkpointSaw = regexp.MustCompile(`answered (\d+(?:\.\d+)?% of \d+) requests`)

// plainText is terraform's output without colours, box lines and breaks.
func plainText(out string) string {
	out = strings.ReplaceAll(ansi.ReplaceAllString(out, ""), "│", " ")
	return strings.Join(strings.Fields(out), " ")
}

func (b *bench) canaryCaught(n int, image, onFailure string, runs int) (canaryRow, error) {
	r := canaryRow{n: n, image: image, onFailure: onFailure}
	var times []time.Duration
	for i := 0; i < runs; i++ {
		w, err := b.newWorld(func(o *sandbox.Options) { o.Traffic = true })
		if err != nil {
			return r, err
		}
		err = func() error {
			defer w.close()
			if err := w.writeCanary(n, "ubuntu-22-04-x64", onFailure); err != nil {
				return err
			}
			if _, _, err := w.tf("apply", "-auto-approve", "-input=false"); err != nil {
				return err
			}
			if err := w.waitHealthy(n, 5*time.Minute); err != nil {
				return err
			}
			traffic, err := w.sendTraffic()
			if err != nil {
				return err
			}
			if err := w.writeCanary(n, image, onFailure); err != nil {
				return err
			}
			stop := w.watchService("scalable-tier:bench")
			t, _, out, err := w.tfOutput("apply", "-auto-approve", "-input=false")
			c := w.srv.Counts() // the failed apply's (tf reports none on failure)
			most, _ := stop()
			served, errs := traffic()
			if err == nil {
				return fmt.Errorf("the canary was not caught: the apply succeeded (clients got %d answers, %d of them 5xx):\n%s", served, errs, out)
			}
			m := checkpointSaw.FindStringSubmatch(plainText(out))
			if m == nil {
				return fmt.Errorf("the apply failed without a checkpoint verdict:\n%s", out)
			}
			r.seen, r.most, r.req = m[1], max(r.most, most), c
			r.clientServed, r.client5xx = served, errs
			times = append(times, t)
			images, err := w.dropletImages()
			if err != nil {
				return err
			}
			r.old, r.canary = images["ubuntu-22-04-x64"], images[image]
			_, _, err = w.tf("destroy", "-auto-approve", "-input=false")
			return err
		}()
		if err != nil {
			return r, err
		}
	}
	r.failedAfter = summarize(times)
	return r, nil
}

// dropletImages counts the account's droplets by image slug, read as a
// client reads them (GET /v2/droplets).
func (w *world) dropletImages() (map[string]int, error) {
	req, err := http.NewRequest(http.MethodGet, w.srv.URL()+"/v2/droplets?per_page=200", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+w.srv.Token())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var body struct {
		Droplets []struct {
			Image struct {
				Slug string `json:"slug"`
			} `json:"image"`
		} `json:"droplets"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return nil, err
	}
	out := map[string]int{}
	for _, d := range body.Droplets {
		out[d.Image.Slug]++
	}
	return out, nil
}

// sendTraffic requests /shop through the tier's load balancer back to back (1 ms apart)
// until stopped: the answered requests and how many were 5xx.
func (w *world) sendTraffic() (stop func() (served, errs int), err error) {
	var lbID string
	w.srv.Inspect(func(wd *sandbox.World) {
		for id := range wd.LoadBalancers {
			lbID = id
		}
	})
	ls, err := w.srv.LoadBalancerListeners(lbID)
	if err != nil || len(ls) == 0 {
		return nil, fmt.Errorf("listeners of %s: %v %v", lbID, ls, err)
	}
	done, finished := make(chan struct{}), make(chan struct{})
	var served, errs int
	go func() {
		defer close(finished)
		hc := &http.Client{Timeout: 2 * time.Second}
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			// /shop, not the health check path "/", which canaries pass.
			if resp, err := hc.Get("http://" + ls[0].Address + "/shop"); err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				served++
				if resp.StatusCode >= 500 {
					errs++
				}
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	var once sync.Once
	return func() (int, int) { once.Do(func() { close(done); <-finished }); return served, errs }, nil
}

func writeCanaries(w *strings.Builder, rows []canaryRow) {
	if len(rows) == 0 {
		return
	}
	fmt.Fprint(w, "## Canary caught\n\n"+
		"N droplets roll from ubuntu-22-04-x64 to a sandbox image that answers HTTP 500 to a share of requests, with "+
		"`max_surge = \"25%\"`, `checkpoints = [10, 50]`, `checkpoint_delay = \"1m\"` (scaled), `max_error_rate = 0.05` and "+
		"real traffic through the load balancer (one request every millisecond). \"seen\" is what the first checkpoint read from "+
		"the load balancer's response metrics; \"fleet after\" counts droplets by image when the failed apply returned; \"clients\" "+
		"is what the traffic generator got (answers, of them 5xx) during the apply.\n\n")
	fmt.Fprintln(w, "| N | image | on_failure | apply failed after | seen | most droplets | fleet after (old / canary) | clients (answers / 5xx) | requests | 429s |\n|---|---|---|---|---|---|---|---|---|---|")
	for _, r := range rows {
		fmt.Fprintf(w, "| %d | `%s` | `%s` | %s | %s | %d | %d / %d | %d / %d | %d | %d |\n", r.n, r.image, r.onFailure, r.failedAfter,
			r.seen, r.most, r.old, r.canary, r.clientServed, r.client5xx, r.req.Total, status(r.req, "429"))
	}
	fmt.Fprintln(w)
}
