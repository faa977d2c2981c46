package tier

import (
	"context"
	"fmt"
	"slices"
	"sort"

	"golang.org/x/sync/errgroup"
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
	// Firewall says whether to look for the tier's firewall (one list);
	// FirewallID is the one state knows.
	Firewall   bool
	FirewallID string
	// Domain is the tier's DNS name (configured now or before): its A and
	// AAAA records are read (one list); Certificate says whether to look
	// for the tier's certificate; ProjectID whose resources to list.
	Domain      *DomainSpec
	Certificate bool
	ProjectID   string
	// OldDomain is the name state knows when the configuration moved the
	// tier to another one: its A and AAAA records are read too, as stale.
	OldDomain *DomainSpec
	// Drained says whether to also list droplets carrying the tier's drain
	// tag (one more list): drained by an apply that was killed before it
	// could record them or delete them. Applies and destroys ask for it.
	Drained bool
	// Adopt is what an import adopts, until the first apply has (adopt.go).
	Adopt *Adoption
}

// Observe reads the tier's fleet: one list by tag (a page per 200
// droplets), one list of load balancers, and the alert and backup policy
// lists when asked, all at once.
func Observe(ctx context.Context, cloud Cloud, ref Ref) (Fleet, error) {
	var (
		f        Fleet
		policies map[int]BackupSpec
	)
	ref = ref.withAdoption()
	f.Adopt = ref.Adopt.clone()
	tags := []string{Tag(ref.Name)}
	if ref.Drained {
		tags = append(tags, DrainTag(ref.Name))
	}
	tagged := make([][]Droplet, len(tags))
	// Each read writes its own variables: no lock needed.
	g, gctx := errgroup.WithContext(ctx)
	for i, tag := range tags {
		g.Go(func() (err error) {
			if tagged[i], err = cloud.ListDroplets(gctx, tag); err != nil {
				return fmt.Errorf("list droplets tagged %s: %w", tag, err)
			}
			return nil
		})
	}
	g.Go(func() (err error) {
		f.LoadBalancer, f.ExtraLoadBalancers, err = findLoadBalancers(gctx, cloud, ref)
		return err
	})
	if ref.Alerts {
		g.Go(func() error {
			all, err := cloud.ListAlertPolicies(gctx)
			if err != nil {
				return fmt.Errorf("list alert policies: %w", err)
			}
			f.Alerts = policiesOf(ref.Name, all)
			f.AdoptedAlerts = adoptedPolicies(ref.Name, ref.Adopt, all)
			return nil
		})
	}
	if ref.Pool {
		g.Go(func() error {
			pools, err := cloud.FindPools(gctx, Tag(ref.Name))
			if err != nil {
				return fmt.Errorf("list autoscale pools of %s: %w", Tag(ref.Name), err)
			}
			f.Pool, f.OtherPools = choosePool(pools)
			return nil
		})
	}
	if ref.Firewall {
		g.Go(func() (err error) {
			f.Firewall, err = findFirewall(gctx, cloud, ref)
			return err
		})
	}
	if d := ref.Domain; d != nil {
		g.Go(func() (err error) {
			f.Records, err = addressRecords(gctx, cloud, d)
			f.RecordDomain = d.Name
			return err
		})
	}
	if d := ref.OldDomain; d != nil && (ref.Domain == nil || !ref.Domain.SameName(*d)) {
		g.Go(func() (err error) {
			f.StaleRecords, err = addressRecords(gctx, cloud, d)
			f.StaleRecordDomain = d.Name
			return err
		})
	}
	if ref.Certificate {
		g.Go(func() (err error) {
			f.Certificate, err = cloud.FindCertificate(gctx, CertificateName(ref.Name))
			return err
		})
	}
	if ref.ProjectID != "" {
		g.Go(func() (err error) {
			f.ProjectURNs, err = cloud.ProjectResources(gctx, ref.ProjectID)
			return err
		})
	}
	if ref.Backups {
		g.Go(func() (err error) {
			if policies, err = cloud.BackupPolicies(gctx); err != nil {
				return fmt.Errorf("list backup policies: %w", err)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return Fleet{}, err
	}
	return f.withDroplets(ctx, cloud, ref, slices.Concat(tagged...), policies)
}

// policiesOf picks the tier's alert policies by the marker in their
// description.
func policiesOf(tier string, all []AlertPolicy) []AlertPolicy {
	var mine []AlertPolicy
	for _, p := range all {
		if name, _, ok := AlertIndex(p); ok && name == tier {
			mine = append(mine, p)
		}
	}
	return mine
}

// withDroplets completes the fleet with its droplets: those listed by tag
// (once each), those known from state that no tag lists any more (drained,
// not deleted), each with its backup policy.
func (f Fleet) withDroplets(ctx context.Context, cloud Cloud, ref Ref, listed []Droplet, policies map[int]BackupSpec) (Fleet, error) {
	// A droplet carrying both tags (drain is tagging then untagging) was
	// listed twice.
	seen := map[int]bool{}
	f.Droplets = slices.DeleteFunc(listed, func(d Droplet) bool {
		dup := seen[d.ID]
		seen[d.ID] = true
		return dup
	})
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

// findFirewall is the tier's firewall: the one in state, else the one named
// as the tier names it that covers the tier's tag. Other firewalls on the
// tag (a user's own) are not the tier's.
func findFirewall(ctx context.Context, cloud Cloud, ref Ref) (*Firewall, error) {
	all, err := cloud.ListFirewalls(ctx)
	if err != nil {
		return nil, fmt.Errorf("list firewalls: %w", err)
	}
	i := slices.IndexFunc(all, func(f Firewall) bool { return ref.FirewallID != "" && f.ID == ref.FirewallID })
	if i < 0 {
		i = slices.IndexFunc(all, func(f Firewall) bool {
			return f.Name == FirewallName(ref.Name) && slices.Contains(f.Tags, Tag(ref.Name))
		})
	}
	if i < 0 {
		return nil, nil
	}
	return &all[i], nil
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
	found := make([]*Droplet, len(ids))
	err := fanOut(len(ids), 8, func(i int) error {
		d, err := cloud.GetDroplet(ctx, ids[i])
		if err != nil {
			return fmt.Errorf("get droplet %d: %w", ids[i], err)
		}
		found[i] = d
		return nil
	})
	var out []Droplet
	for _, d := range found {
		if d != nil {
			out = append(out, *d)
		}
	}
	return out, err
}

// addressRecords lists the A and AAAA records of the name (one request).
func addressRecords(ctx context.Context, cloud Cloud, d *DomainSpec) ([]DomainRecord, error) {
	all, err := cloud.ListRecords(ctx, d.Name, "", d.FQDN())
	if err != nil {
		return nil, fmt.Errorf("list the records of %s: %w", d.FQDN(), err)
	}
	var out []DomainRecord
	for _, r := range all {
		if r.Type == "A" || r.Type == "AAAA" {
			out = append(out, r)
		}
	}
	return out, nil
}
