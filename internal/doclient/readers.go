package doclient

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/digitalocean/godo"
	"golang.org/x/sync/errgroup"
)

// readers are the client's shared list calls, one coalescer per kind: the
// Reads, plans and waits of every tier of the process share them (see
// coalescer for the batching and freshness rules).
type readers struct {
	droplets     *dropletReader
	lbs          *loadBalancerReader
	alerts       *coalescer[struct{}, []godo.AlertPolicy]
	backups      *coalescer[struct{}, map[int]*godo.DropletBackupPolicy]
	pools        *coalescer[struct{}, []*godo.DropletAutoscalePool]
	certificates *coalescer[struct{}, []godo.Certificate]
	firewalls    *coalescer[struct{}, []godo.Firewall]

	window   time.Duration
	partsMu  sync.Mutex
	catalogs map[string]*coalescer[struct{}, any] // by catalog part key
}

// catalogPart is a partSource whose parts are shared by concurrent
// preflights (the applies of many tiers) and fetched fresh each time. A
// part's key names what it fetches ("image 123"), so the first fetch func
// seen for a key serves every later caller of that key.
func (r *readers) catalogPart(ctx context.Context, key string, fetch func(context.Context) (any, error)) (any, error) {
	r.partsMu.Lock()
	f := r.catalogs[key]
	if f == nil {
		f = accountList(r.window, fetch)
		r.catalogs[key] = f
	}
	r.partsMu.Unlock()
	return f.get(ctx, struct{}{})
}

// defaultCoalesceWindow is the quiet time that closes a batch (a batch
// closes at the latest ten windows after it opened): long enough for the
// tiers Terraform refreshes or applies together to join, whose calls
// reach the provider tens of milliseconds apart when Terraform is busy
// with fifty resources, and short against a plan's own second. It does
// not scale with time_scale: Terraform's pace does not.
const defaultCoalesceWindow = 100 * time.Millisecond

// perPage is the page size of every list: DigitalOcean's largest.
const perPage = 200

// pages is how many requests a list of n objects costs (one even when
// empty).
func pages(n int) int { return max(1, (n+perPage-1)/perPage) }

func (c *Client) newReaders(window time.Duration) *readers {
	r := &readers{
		droplets: &dropletReader{c: c, perTag: map[string]int{}},
		lbs:      &loadBalancerReader{c: c},
		window:   window,
		catalogs: map[string]*coalescer[struct{}, any]{},
	}
	r.droplets.flight = newCoalescer(window, r.droplets.fetch)
	r.lbs.flight = newCoalescer(window, r.lbs.fetch)
	r.alerts = accountList(window, func(ctx context.Context) ([]godo.AlertPolicy, error) {
		return listAll(ctx, c, "list alert policies", c.godo.Monitoring.ListAlertPolicies)
	})
	r.backups = accountList(window, c.fetchBackupPolicies)
	r.pools = accountList(window, func(ctx context.Context) ([]*godo.DropletAutoscalePool, error) {
		all, err := listAll(ctx, c, "list autoscale pools", c.godo.DropletAutoscale.List)
		if isNotFound(nil, err) {
			return nil, nil // an API without autoscale pools has none
		}
		return all, err
	})
	r.certificates = accountList(window, func(ctx context.Context) ([]godo.Certificate, error) {
		return listAll(ctx, c, "list certificates", c.godo.Certificates.List)
	})
	r.firewalls = accountList(window, func(ctx context.Context) ([]godo.Firewall, error) {
		return listAll(ctx, c, "list firewalls", c.godo.Firewalls.List)
	})
	return r
}

// accountList coalesces an account-wide list: one key, every caller gets
// the same fresh list.
func accountList[V any](window time.Duration, list func(context.Context) (V, error)) *coalescer[struct{}, V] {
	return newCoalescer(window, func(ctx context.Context, _ []struct{}) (map[struct{}]V, error) {
		v, err := list(ctx)
		if err != nil {
			return nil, err
		}
		return map[struct{}]V{{}: v}, nil
	})
}

// dropletReader answers droplet lists by tag. For each batch it picks the
// cheaper of two ways to read k tags, counted in requests at 200 a page:
//
//	per-tag lists:      sum over the tags of ceil(n_tag/200)   (at least 1 each)
//	one account list:   ceil(total/200)                        (at least 1)
//
// where n_tag is the tag's count from the last list that saw it and total
// is the account's droplet count from the last account list's meta.total
// (unknown counts cost one page). The account list is taken only when
// strictly cheaper, so one tier alone keeps its list by tag. When the
// account's total is not known yet and k > 1, the account list's first
// page is the probe: its meta.total says what the rest costs, and when the
// remaining pages cost more than the per-tag lists the reader switches to
// those (at most one request spent learning the total).
type dropletReader struct {
	c      *Client
	flight *coalescer[string, []godo.Droplet]

	mu         sync.Mutex
	total      int // the account's droplets at the last account list
	totalKnown bool
	perTag     map[string]int
}

func (r *dropletReader) list(ctx context.Context, tag string) ([]godo.Droplet, error) {
	return r.flight.get(ctx, tag)
}

func (r *dropletReader) costs(tags []string) (perTag, account int, known bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, t := range tags {
		perTag += pages(r.perTag[t])
	}
	return perTag, pages(r.total), r.totalKnown
}

func (r *dropletReader) fetch(ctx context.Context, tags []string) (map[string][]godo.Droplet, error) {
	perTag, account, known := r.costs(tags)
	switch {
	case known && account < perTag:
		return r.fromAccount(ctx, tags, nil)
	case !known && len(tags) > 1:
		return r.fromAccount(ctx, tags, func(total int) bool { return pages(total)-1 < perTag })
	}
	return r.byTag(ctx, tags)
}

// fromAccount lists every droplet of the account and sorts them by tag.
// After the first page, worth (when set) says from meta.total whether the
// rest is worth reading; if not, the tags are listed one by one.
func (r *dropletReader) fromAccount(ctx context.Context, tags []string, worth func(total int) bool) (map[string][]godo.Droplet, error) {
	all, total, complete, err := listCounted(ctx, r.c, "list droplets", r.c.godo.Droplets.List, worth)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.total, r.totalKnown = total, true
	r.mu.Unlock()
	if !complete {
		return r.byTag(ctx, tags)
	}
	out := make(map[string][]godo.Droplet, len(tags))
	want := make(map[string]bool, len(tags))
	for _, t := range tags {
		want[t] = true
	}
	seen := map[int]bool{} // a droplet moved between pages is listed once
	for _, d := range all {
		if seen[d.ID] {
			continue
		}
		seen[d.ID] = true
		for _, t := range d.Tags {
			if want[t] {
				out[t] = append(out[t], d)
			}
		}
	}
	r.mu.Lock()
	for _, t := range tags {
		r.perTag[t] = len(out[t])
	}
	r.mu.Unlock()
	return out, nil
}

// byTag lists each tag on its own, four at a time.
func (r *dropletReader) byTag(ctx context.Context, tags []string) (map[string][]godo.Droplet, error) {
	lists := make([][]godo.Droplet, len(tags))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(4)
	for i, tag := range tags {
		g.Go(func() error {
			list, total, _, err := listCounted(gctx, r.c, "list droplets tagged "+tag,
				func(ctx context.Context, opt *godo.ListOptions) ([]godo.Droplet, *godo.Response, error) {
					return r.c.godo.Droplets.ListByTag(ctx, tag, opt)
				}, nil)
			if err != nil {
				return err
			}
			lists[i] = list
			r.mu.Lock()
			r.perTag[tag] = total
			r.mu.Unlock()
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	out := make(map[string][]godo.Droplet, len(tags))
	for i, tag := range tags {
		out[tag] = lists[i]
	}
	return out, nil
}

// loadBalancerReader answers the account's load balancers (key "") and
// load balancers by id. A batch asking for the list, or for more ids than
// the list costs pages, is answered from one list (an id missing from it
// is gone); fewer ids are fetched one by one. Load-balancer waits of many
// tiers so share one list per poll.
type loadBalancerReader struct {
	c      *Client
	flight *coalescer[string, []godo.LoadBalancer]

	mu    sync.Mutex
	total int
}

func (r *loadBalancerReader) fetch(ctx context.Context, keys []string) (map[string][]godo.LoadBalancer, error) {
	ids := slices.DeleteFunc(slices.Clone(keys), func(k string) bool { return k == "" })
	r.mu.Lock()
	listCost := pages(r.total)
	r.mu.Unlock()
	if len(ids) < len(keys) || listCost < len(ids) {
		return r.fromList(ctx, keys)
	}
	out := make(map[string][]godo.LoadBalancer, len(ids))
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(4)
	for _, id := range ids {
		g.Go(func() error {
			var lb *godo.LoadBalancer
			resp, err := r.c.call(gctx, "get load balancer "+id, true, func(ctx context.Context) (*godo.Response, error) {
				var resp *godo.Response
				var err error
				lb, resp, err = r.c.godo.LoadBalancers.Get(ctx, id)
				return resp, err
			})
			if isNotFound(resp, err) {
				return nil
			}
			if err != nil {
				return err
			}
			mu.Lock()
			out[id] = []godo.LoadBalancer{*lb}
			mu.Unlock()
			return nil
		})
	}
	return out, g.Wait()
}

func (r *loadBalancerReader) fromList(ctx context.Context, keys []string) (map[string][]godo.LoadBalancer, error) {
	all, total, _, err := listCounted(ctx, r.c, "list load balancers", r.c.godo.LoadBalancers.List, nil)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.total = total
	r.mu.Unlock()
	out := map[string][]godo.LoadBalancer{"": all}
	for _, k := range keys {
		if k == "" {
			continue
		}
		if i := slices.IndexFunc(all, func(lb godo.LoadBalancer) bool { return lb.ID == k }); i >= 0 {
			out[k] = []godo.LoadBalancer{all[i]}
		}
	}
	return out, nil
}

// listCounted walks a list's pages like listAll and also returns the
// list's meta.total. After the first page, worth (when set) is asked
// whether the rest is worth reading; complete is false when it was not.
func listCounted[T any](ctx context.Context, c *Client, op string, page func(context.Context, *godo.ListOptions) ([]T, *godo.Response, error), worth func(total int) bool) (out []T, total int, complete bool, err error) {
	opt := &godo.ListOptions{Page: 1, PerPage: perPage}
	for {
		var items []T
		resp, err := c.call(ctx, op, true, func(ctx context.Context) (*godo.Response, error) {
			var resp *godo.Response
			var err error
			items, resp, err = page(ctx, opt)
			return resp, err
		})
		if err != nil {
			return nil, 0, false, err
		}
		out = append(out, items...)
		if opt.Page == 1 {
			total = len(items)
			if resp != nil && resp.Meta != nil {
				total = resp.Meta.Total
			}
		}
		if resp == nil || resp.Links == nil || resp.Links.IsLastPage() {
			return out, max(total, len(out)), true, nil
		}
		if opt.Page == 1 && worth != nil && !worth(total) {
			return nil, total, false, nil
		}
		cur, err := resp.Links.CurrentPage()
		if err != nil {
			return nil, 0, false, fmt.Errorf("%s: read page links: %w", op, err)
		}
		opt.Page = cur + 1
	}
}
