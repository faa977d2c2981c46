package doclient

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/scalable-tf/terraform-provider-scalable/internal/sandbox"
	"github.com/scalable-tf/terraform-provider-scalable/internal/tier"
)

// A caller that arrives while a fetch runs is not answered by it: it gets
// the next fetch, which starts after it asked.
func TestCoalescerNeverAnswersWithAFetchThatStartedEarlier(t *testing.T) {
	var fetches atomic.Int32
	started, release := make(chan struct{}), make(chan struct{})
	c := newCoalescer(time.Millisecond, func(ctx context.Context, keys []string) (map[string]int, error) {
		n := int(fetches.Add(1))
		if n == 1 {
			close(started)
			<-release
		}
		out := map[string]int{}
		for _, k := range keys {
			out[k] = n
		}
		return out, nil
	})
	ctx := context.Background()
	first := make(chan int)
	go func() {
		v, _ := c.get(ctx, "a")
		first <- v
	}()
	<-started
	second := make(chan int)
	go func() {
		v, _ := c.get(ctx, "a")
		second <- v
	}()
	// The second caller may not have joined yet when the first fetch ends;
	// either way it must not get fetch 1.
	close(release)
	if v := <-first; v != 1 {
		t.Errorf("first caller got fetch %d, want 1", v)
	}
	if v := <-second; v != 2 {
		t.Errorf("a caller arriving during fetch 1 got fetch %d, want the next one (2)", v)
	}
}

func TestCoalescerMergesConcurrentCallers(t *testing.T) {
	var fetches atomic.Int32
	var mu sync.Mutex
	var got [][]int
	c := newCoalescer(50*time.Millisecond, func(ctx context.Context, keys []int) (map[int]int, error) {
		fetches.Add(1)
		mu.Lock()
		got = append(got, keys)
		mu.Unlock()
		out := map[int]int{}
		for _, k := range keys {
			out[k] = k * 10
		}
		return out, nil
	})
	g, ctx := errgroup.WithContext(context.Background())
	for i := 0; i < 20; i++ {
		g.Go(func() error {
			v, err := c.get(ctx, i%5)
			if err == nil && v != (i%5)*10 {
				t.Errorf("key %d got %d", i%5, v)
			}
			return err
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	// 20 callers started together within one window: one fetch of the 5
	// keys, unless the machine stalled one past the longest window.
	if n := fetches.Load(); n > 2 {
		t.Errorf("%d fetches for 20 concurrent callers (batches %v)", n, got)
	}
	if n := len(got[0]); fetches.Load() == 1 && n != 5 {
		t.Errorf("one fetch asked for %d keys, want the 5 distinct ones", n)
	}
}

// A caller that gives up leaves the batch to the others; when all give
// up the fetch is cancelled.
func TestCoalescerCallerGivingUpDoesNotCancelOthers(t *testing.T) {
	c := newCoalescer(20*time.Millisecond, func(ctx context.Context, keys []string) (map[string]string, error) {
		return map[string]string{"a": "ok"}, ctx.Err()
	})
	gone, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { _, err := c.get(gone, "a"); done <- err }()
	v, err := func() (string, error) {
		cancel()
		return c.get(context.Background(), "a")
	}()
	if err != nil || v != "ok" {
		t.Errorf("the remaining caller got %q, %v", v, err)
	}
	if err := <-done; err == nil {
		t.Errorf("the caller that gave up got no error")
	}
}

func sandboxCounts(t *testing.T, srv *sandbox.Server) sandbox.RequestCounts {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, srv.URL()+"/_sandbox/requests", nil)
	req.Header.Set("Authorization", "Bearer "+srv.Token())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var rc sandbox.RequestCounts
	if err := json.NewDecoder(resp.Body).Decode(&rc); err != nil {
		t.Fatal(err)
	}
	return rc
}

// Two tiers observed at once (two Reads of one plan) are served by one
// list call per kind, counted at the sandbox's /_sandbox/requests.
func TestTwoTiersObservedAtOnceShareListCalls(t *testing.T) {
	c, srv := newClient(t)
	ctx := context.Background()
	for _, name := range []string{"a", "b"} {
		if _, err := c.CreateDroplets(ctx, tier.DropletRequest{Names: []string{name + "-1", name + "-2"}, Region: "nyc3",
			Size: "s-1vcpu-1gb", Image: "ubuntu-24-04-x64", Tags: []string{tier.Tag(name)}}); err != nil {
			t.Fatal(err)
		}
	}
	srv.ResetCounts()
	fleets := make([]tier.Fleet, 2)
	g, gctx := errgroup.WithContext(ctx)
	for i, name := range []string{"a", "b"} {
		g.Go(func() (err error) {
			fleets[i], err = tier.Observe(gctx, c, tier.Ref{Name: name, Alerts: true, Backups: true})
			return err
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	for i, name := range []string{"a", "b"} {
		if n := len(fleets[i].Droplets); n != 2 {
			t.Errorf("tier %s: %d droplets observed, want its 2", name, n)
		}
		for _, d := range fleets[i].Droplets {
			if d.Name[:1] != name {
				t.Errorf("tier %s observed %s, another tier's droplet", name, d.Name)
			}
		}
	}
	counts := sandboxCounts(t, srv)
	for _, ep := range []string{"GET /v2/droplets", "GET /v2/load_balancers", "GET /v2/monitoring/alerts", "GET /v2/droplets/backups/policies"} {
		if n := counts.Of(ep); n != 1 {
			t.Errorf("%s: %d requests for two tiers read at once, want 1", ep, n)
		}
	}
	if counts.Total != 4 {
		t.Errorf("%d requests in all, want 4: %v", counts.Total, counts.Endpoints)
	}
}

// A droplet list asked for after a change sees the change: readers keep
// nothing between calls.
func TestSharedReadsSeeTheVeryLatestState(t *testing.T) {
	c, _ := newClient(t)
	ctx := context.Background()
	made, err := c.CreateDroplets(ctx, request("t-1", "t-2"))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(tagged(t, c)); n != 2 {
		t.Fatalf("%d droplets listed, want 2", n)
	}
	if err := c.DeleteDroplet(ctx, made[0].ID); err != nil {
		t.Fatal(err)
	}
	if n := len(tagged(t, c)); n != 1 {
		t.Errorf("%d droplets listed right after a delete, want 1", n)
	}
}

// Many tags read at once cost one account-wide list once the account's
// total says it is cheaper; one tag alone keeps its list by tag.
func TestDropletReaderChoosesTheCheaperList(t *testing.T) {
	c, srv := newClient(t)
	ctx := context.Background()
	var tags []string
	for _, name := range []string{"a", "b", "c", "d"} {
		tags = append(tags, tier.Tag(name))
		if _, err := c.CreateDroplets(ctx, tier.DropletRequest{Names: []string{name + "-1"}, Region: "nyc3",
			Size: "s-1vcpu-1gb", Image: "ubuntu-24-04-x64", Tags: []string{tier.Tag(name)}}); err != nil {
			t.Fatal(err)
		}
	}
	list := func(tags ...string) {
		g, gctx := errgroup.WithContext(ctx)
		for _, tag := range tags {
			g.Go(func() error {
				ds, err := c.ListDroplets(gctx, tag)
				if err == nil && len(ds) != 1 {
					t.Errorf("%s: %d droplets, want 1", tag, len(ds))
				}
				return err
			})
		}
		if err := g.Wait(); err != nil {
			t.Fatal(err)
		}
	}
	srv.ResetCounts()
	list(tags...)
	if n := srv.Counts().Of("GET /v2/droplets"); n != 1 {
		t.Errorf("4 tags at once: %d requests, want 1 account list (4 droplets, one page)", n)
	}
	srv.ResetCounts()
	list(tags[0])
	if n := srv.Counts().Of("GET /v2/droplets"); n != 1 {
		t.Errorf("1 tag: %d requests, want 1", n)
	}
	if perTag, account, known := c.readers.droplets.costs(tags); !known || account != 1 || perTag != 4 {
		t.Errorf("costs: per tag %d, account %d (known %v); want 4 and 1", perTag, account, known)
	}
}
