package tier

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// AdoptRequest is what an import id names to adopt (before it is looked
// up): a load balancer by id or name, droplets by a tag or by ids (none:
// the load balancer's targets), alert policies by id.
type AdoptRequest struct {
	Name            string
	LoadBalancer    string
	DropletTag      string
	DropletIDs      []int
	AlertIDs        []string
	ReplaceDroplets bool
}

// AdoptionCloud is what resolving an adoption reads.
type AdoptionCloud interface {
	Cloud
	ListLoadBalancers(ctx context.Context) ([]LoadBalancer, error)
}

// AdoptionError is a named object that cannot be adopted; Key is the import
// id's key that named it.
type AdoptionError struct {
	Key, Value, Problem string
}

func (e *AdoptionError) Error() string {
	return fmt.Sprintf("%s=%s: %s", e.Key, e.Value, e.Problem)
}

// ResolveAdoption looks up what req names and checks each object can join
// the tier: it exists, and no other tier owns it. It writes nothing.
func ResolveAdoption(ctx context.Context, cloud AdoptionCloud, req AdoptRequest) (*Adoption, error) {
	a := &Adoption{ReplaceDroplets: req.ReplaceDroplets, AlertIDs: slices.Clone(req.AlertIDs)}
	var lb *LoadBalancer
	if req.LoadBalancer != "" {
		var err error
		if lb, err = findAdoptedLoadBalancer(ctx, cloud, req); err != nil {
			return nil, err
		}
		a.LoadBalancerID = lb.ID
	}
	droplets, err := adoptedDroplets(ctx, cloud, req, lb)
	if err != nil {
		return nil, err
	}
	for _, d := range droplets {
		a.DropletIDs = append(a.DropletIDs, d.ID)
	}
	if len(req.AlertIDs) > 0 {
		all, err := cloud.ListAlertPolicies(ctx)
		if err != nil {
			return nil, fmt.Errorf("list alert policies: %w", err)
		}
		for _, id := range req.AlertIDs {
			i := slices.IndexFunc(all, func(p AlertPolicy) bool { return p.UUID == id })
			if i < 0 {
				return nil, &AdoptionError{"alert_policies", id, "no alert policy has this id"}
			}
			if name, _, ok := AlertIndex(all[i]); ok && name != req.Name {
				return nil, &AdoptionError{"alert_policies", id, "this policy belongs to the tier " + name}
			}
		}
	}
	return a, nil
}

func findAdoptedLoadBalancer(ctx context.Context, cloud AdoptionCloud, req AdoptRequest) (*LoadBalancer, error) {
	all, err := cloud.ListLoadBalancers(ctx)
	if err != nil {
		return nil, fmt.Errorf("list load balancers: %w", err)
	}
	i := slices.IndexFunc(all, func(lb LoadBalancer) bool { return lb.ID == req.LoadBalancer })
	if i < 0 {
		i = slices.IndexFunc(all, func(lb LoadBalancer) bool { return lb.Name == req.LoadBalancer })
	}
	if i < 0 {
		names := make([]string, 0, len(all))
		for _, lb := range all {
			names = append(names, lb.Name)
		}
		sorted := sortedSet(names)
		if len(sorted) > 10 {
			sorted = append(sorted[:10], "…")
		}
		return nil, &AdoptionError{"load_balancer", req.LoadBalancer, fmt.Sprintf("no load balancer has this id or name (the account's: %s)", strings.Join(noneIfEmpty(sorted), ", "))}
	}
	lb := all[i]
	if other, ok := strings.CutPrefix(lb.Tag, Tag("")); ok && other != req.Name {
		return nil, &AdoptionError{"load_balancer", req.LoadBalancer, "it targets the tag " + lb.Tag + ": it belongs to the tier " + other}
	}
	return &lb, nil
}

// adoptedDroplets are the droplets req names, or the load balancer's
// targets when it names none.
func adoptedDroplets(ctx context.Context, cloud AdoptionCloud, req AdoptRequest, lb *LoadBalancer) ([]Droplet, error) {
	tag, ids, key := req.DropletTag, req.DropletIDs, "droplets"
	if tag == "" && len(ids) == 0 && lb != nil {
		tag, ids, key = lb.Tag, lb.DropletIDs, "load_balancer"
	}
	var out []Droplet
	switch {
	case tag != "":
		ds, err := cloud.ListDroplets(ctx, tag)
		if err != nil {
			return nil, fmt.Errorf("list droplets tagged %s: %w", tag, err)
		}
		if len(ds) == 0 {
			return nil, &AdoptionError{key, valueOf(key, req), "no droplet carries the tag " + tag}
		}
		out = ds
	case len(ids) > 0:
		ds, err := getDroplets(ctx, cloud, ids)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			if !slices.ContainsFunc(ds, func(d Droplet) bool { return d.ID == id }) {
				return nil, &AdoptionError{key, valueOf(key, req), fmt.Sprintf("droplet %d does not exist", id)}
			}
		}
		out = ds
	}
	for _, d := range out {
		for _, t := range d.Tags {
			if other, ok := strings.CutPrefix(t, Tag("")); ok && other != req.Name {
				return nil, &AdoptionError{key, valueOf(key, req), fmt.Sprintf("droplet %s (%d) carries %s: it belongs to the tier %s", d.Name, d.ID, t, other)}
			}
		}
	}
	SortDroplets(out)
	return out, nil
}

func valueOf(key string, req AdoptRequest) string {
	if key == "load_balancer" {
		return req.LoadBalancer
	}
	if req.DropletTag != "" {
		return "tag:" + req.DropletTag
	}
	s := make([]string, len(req.DropletIDs))
	for i, id := range req.DropletIDs {
		s[i] = fmt.Sprint(id)
	}
	return strings.Join(s, "|")
}

func noneIfEmpty(s []string) []string {
	if len(s) == 0 {
		return []string{"none"}
	}
	return s
}
