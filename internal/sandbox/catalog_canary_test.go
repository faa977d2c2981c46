package sandbox

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/digitalocean/godo"
)

func TestCanaryImagesResolveButAreNotListed(t *testing.T) {
	e := newTestEnv(t)
	img, _, err := e.client.Images.GetBySlug(e.ctx, "canary-500-10")
	if err != nil {
		t.Fatal(err)
	}
	if img.Distribution != "Ubuntu" || img.Slug != "canary-500-10" {
		t.Errorf("canary image %+v, want an Ubuntu twin named by its slug", img)
	}
	if _, _, err := e.client.Images.GetByID(e.ctx, img.ID); err != nil {
		t.Errorf("by id %d: %v", img.ID, err)
	}
	listed, _, err := e.client.Images.ListDistribution(e.ctx, &godo.ListOptions{PerPage: 200})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range listed {
		if l.ID == img.ID {
			t.Errorf("canary image listed among distributions: %+v", l)
		}
	}
	if _, _, err := e.client.Images.GetBySlug(e.ctx, "canary-500-11"); err == nil {
		t.Error("canary-500-11 resolved: only the shares in CanaryErrorPercents exist")
	}
}

func TestCanaryImageFollowsCreateAndRebuild(t *testing.T) {
	e := newTestEnv(t)
	req := dropletRequest("canary")
	req.Image.Slug = "canary-500-25"
	canary := e.createDroplet(req)
	plain := e.activeDroplet("web-1")
	e.srv.Inspect(func(w *World) {
		if w.Droplets[canary.ID].ErrorPercent != 25 || w.Droplets[canary.ID].FailsHealth || w.Droplets[plain.ID].ErrorPercent != 0 {
			t.Errorf("error percent %d (fails health %v) and %d, want 25 (false) and 0",
				w.Droplets[canary.ID].ErrorPercent, w.Droplets[canary.ID].FailsHealth, w.Droplets[plain.ID].ErrorPercent)
		}
	})
	for _, tc := range []struct {
		slug string
		want int
	}{{"canary-500-5", 5}, {"ubuntu-24-04-x64", 0}} {
		a, _, err := e.client.DropletActions.RebuildByImageSlug(e.ctx, plain.ID, tc.slug)
		if err != nil {
			t.Fatal(err)
		}
		e.advance(10 * time.Minute)
		e.srv.Inspect(func(w *World) {
			if got := w.Droplets[plain.ID].ErrorPercent; got != tc.want {
				t.Errorf("rebuilt onto %s (action %d): error percent %d, want %d", tc.slug, a.ID, got, tc.want)
			}
		})
	}
}

// A canary answering 500 on 10% of requests stays healthy and in rotation,
// and the load balancer's response metrics show exactly the 500s its
// clients got, against the droplet that gave them.
func TestTrafficCanaryErrorsShowInResponseMetrics(t *testing.T) {
	e := newTrafficEnv(t)
	good := e.webDroplets(1, "web", "")[0]
	canary := e.webDroplets(1, "web", "canary-500-10")[0]
	lb, url := e.trafficLB("web", nil)
	e.waitHealth(lb, 20*interval(10), allHealthy([]int{good, canary}, true))
	start := time.Now()

	c := noRedirects()
	type tally struct{ ok, errors int }
	seen := map[int]*tally{good: {}, canary: {}}
	for range 400 {
		status, id := hit(t, c, url+"/")
		switch {
		case seen[id] == nil:
			t.Fatalf("answered by %d, not a target", id)
		case status == http.StatusOK:
			seen[id].ok++
		case status == http.StatusInternalServerError:
			seen[id].errors++
		default:
			t.Fatalf("status %d from %d", status, id)
		}
	}
	if n := seen[canary].ok + seen[canary].errors; n < 100 {
		t.Fatalf("the canary answered %d of 400 requests, want its round-robin share", n)
	}
	if seen[good].errors != 0 || seen[canary].errors != (seen[canary].ok+seen[canary].errors)/10 {
		t.Fatalf("good droplet %+v, canary %+v: want no 500s and exactly 10%% of the canary's", *seen[good], *seen[canary])
	}
	if !e.lbHealthy(lb, canary) {
		t.Fatal("the canary left rotation: its health check path should pass")
	}

	req := &godo.LoadBalancerMetricsRequest{LoadBalancerID: lb, Start: start.Add(-time.Second), End: time.Now().Add(time.Second)}
	m, _, err := e.client.Monitoring.GetLoadBalancerDropletsHttpResponses(e.ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	got := responseTally(t, m, req.Start)
	for id, want := range seen {
		g := got[strconv.Itoa(id)]
		if g["2xx"] != want.ok || g["5xx"] != want.errors {
			t.Errorf("droplet %d: metrics %v, the client saw %d 200s and %d 500s", id, g, want.ok, want.errors)
		}
	}
}
