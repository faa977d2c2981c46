package tier

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"
)

// Ref is what state knows of a tier: enough to find everything it owns.
type Ref struct {
	Name           string
	LoadBalancerID string
	// KnownDroplets are droplet ids from state. Those no longer carrying
	// the tier tag (drained by an apply that died before deleting them) are
	// fetched one by one; normally there are none.
	KnownDroplets []int
	// Alerts and Backups say whether to read alert and backup policies
	// (one list request each); skipped when the tier has none.
	Alerts  bool
	Backups bool
	// Pool says whether to look for the tier's autoscale pool.
	Pool bool
	// Drained says whether to also list droplets carrying the tier's drain
	// tag (one more list): drained by an apply that was killed before it
	// could record them or delete them. Applies and destroys ask for it.
	Drained bool
}

// Observe reads the tier's fleet: one list by tag (a page per 200
// droplets), one list of load balancers, and the alert and backup policy
// lists when asked, all at once.
func Observe(ctx context.Context, cloud Cloud, ref Ref) (Fleet, error) {
	var (
		f        Fleet
		mu       sync.Mutex
		wg       sync.WaitGroup
		errs     []error
		policies map[int]BackupSpec
	)
	fail := func(err error) {
		mu.Lock()
		errs = append(errs, err)
		mu.Unlock()
	}
	tags := []string{Tag(ref.Name)}
	if ref.Drained {
		tags = append(tags, DrainTag(ref.Name))
	}
	for _, tag := range tags {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ds, err := cloud.ListDroplets(ctx, tag)
			if err != nil {
				fail(fmt.Errorf("list droplets tagged %s: %w", tag, err))
				return
			}
			mu.Lock()
			f.Droplets = append(f.Droplets, ds...)
			mu.Unlock()
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		lb, extra, err := findLoadBalancers(ctx, cloud, ref)
		if err != nil {
			fail(err)
			return
		}
		mu.Lock()
		f.LoadBalancer, f.ExtraLoadBalancers = lb, extra
		mu.Unlock()
	}()
	if ref.Alerts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			all, err := cloud.ListAlertPolicies(ctx)
			if err != nil {
				fail(fmt.Errorf("list alert policies: %w", err))
				return
			}
			var mine []AlertPolicy
			for _, p := range all {
				if name, _, ok := AlertIndex(p); ok && name == ref.Name {
					mine = append(mine, p)
				}
			}
			mu.Lock()
			f.Alerts = mine
			mu.Unlock()
		}()
	}
	if ref.Pool {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pools, err := cloud.FindPools(ctx, Tag(ref.Name))
			if err != nil {
				fail(fmt.Errorf("list autoscale pools of %s: %w", Tag(ref.Name), err))
				return
			}
			mu.Lock()
			f.Pool, f.OtherPools = choosePool(pools)
			mu.Unlock()
		}()
	}
	if ref.Backups {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ps, err := cloud.BackupPolicies(ctx)
			if err != nil {
				fail(fmt.Errorf("list backup policies: %w", err))
				return
			}
			mu.Lock()
			policies = ps
			mu.Unlock()
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		return Fleet{}, errors.Join(errs...)
	}

	// A droplet carrying both tags (drain is tagging then untagging) was
	// listed twice.
	seen := map[int]bool{}
	f.Droplets = slices.DeleteFunc(f.Droplets, func(d Droplet) bool {
		dup := seen[d.ID]
		seen[d.ID] = true
		return dup
	})
	// Droplets known from state but no longer tagged: drained, not deleted.
	var missing []int
	for _, id := range ref.KnownDroplets {
		if !seen[id] {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		found, err := getDroplets(ctx, cloud, missing)
		if err != nil {
			return Fleet{}, err
		}
		f.Droplets = append(f.Droplets, found...)
	}
	for i := range f.Droplets {
		if p, ok := policies[f.Droplets[i].ID]; ok {
			p := p
			f.Droplets[i].BackupPolicy = &p
		}
	}
	SortDroplets(f.Droplets)
	return f, nil
}

// choosePool picks the tier's pool among those carrying its tag (oldest
// first): the newest one not being deleted. The others are returned too.
func choosePool(pools []AutoscalePool) (*AutoscalePool, []AutoscalePool) {
	live := -1
	for i, p := range pools {
		if p.Status != PoolDeleting {
			live = i
		}
	}
	if live < 0 {
		return nil, pools
	}
	chosen := pools[live]
	others := slices.Delete(slices.Clone(pools), live, live+1)
	if len(others) == 0 {
		others = nil
	}
	return &chosen, others
}

// SortDroplets orders droplets oldest first (then by id).
func SortDroplets(ds []Droplet) {
	sort.SliceStable(ds, func(i, j int) bool {
		if !ds[i].CreatedAt.Equal(ds[j].CreatedAt) {
			return ds[i].CreatedAt.Before(ds[j].CreatedAt)
		}
		return ds[i].ID < ds[j].ID
	})
}

// findLoadBalancers finds every load balancer targeting the tier tag: the
// tag is the inventory, so one is the tier's whatever its name, and one
// that only shares the name is someone else's. The tier's is the one in
// state (read by id when it no longer targets the tag, so the apply points
// it back), else the oldest named as the tier names it, else the oldest;
// the others are extra.
func findLoadBalancers(ctx context.Context, cloud Cloud, ref Ref) (*LoadBalancer, []LoadBalancer, error) {
	tag := Tag(ref.Name)
	all, err := cloud.FindLoadBalancers(ctx, tag)
	if err != nil {
		return nil, nil, fmt.Errorf("list load balancers targeting %s: %w", tag, err)
	}
	pick := slices.IndexFunc(all, func(lb LoadBalancer) bool { return lb.ID == ref.LoadBalancerID })
	if pick < 0 && ref.LoadBalancerID != "" {
		lb, err := cloud.GetLoadBalancer(ctx, ref.LoadBalancerID)
		if err != nil {
			return nil, nil, fmt.Errorf("get load balancer %s: %w", ref.LoadBalancerID, err)
		}
		if lb != nil {
			return lb, nilIfEmpty(all), nil
		}
	}
	if pick < 0 {
		pick = slices.IndexFunc(all, func(lb LoadBalancer) bool { return lb.Name == LoadBalancerName(ref.Name) })
	}
	if pick < 0 && len(all) > 0 {
		pick = 0
	}
	if pick < 0 {
		return nil, nil, nil
	}
	chosen := all[pick]
	return &chosen, nilIfEmpty(slices.Delete(slices.Clone(all), pick, pick+1)), nil
}

func nilIfEmpty[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}

// getDroplets fetches droplets by id, at most 8 at a time, skipping those
// that no longer exist.
func getDroplets(ctx context.Context, cloud Cloud, ids []int) ([]Droplet, error) {
	var (
		mu   sync.Mutex
		out  []Droplet
		errs []error
		wg   sync.WaitGroup
		sem  = make(chan struct{}, 8)
	)
	for _, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			d, err := cloud.GetDroplet(ctx, id)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, fmt.Errorf("get droplet %d: %w", id, err))
				return
			}
			if d != nil {
				out = append(out, *d)
			}
		}()
	}
	wg.Wait()
	return out, errors.Join(errs...)
}
