package doclient

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/digitalocean/godo"
	"golang.org/x/sync/errgroup"

	"github.com/scalable-tf/terraform-provider-scalable/internal/tier"
)

// Catalog fills a preflight's catalog for needs, fresh, with one list
// request per part, all at once: regions, sizes, the account and its
// droplet count (a one-item page of droplets, for meta.total) always; the
// distribution images for an image slug or the account's snapshots and
// backups for an image id (and one GET of the image when the list lacks
// it: an application image, or a typo to tell apart); certificates, SSH
// keys and VPCs only when needed. Apply time uses it: a reference deleted
// since the plan must be seen. The applies of many tiers share each part's
// request (see readers.catalogPart): still fetched after every caller asked.
func (c *Client) Catalog(ctx context.Context, needs tier.CatalogNeeds) (tier.Catalog, error) {
	return c.fillCatalog(ctx, needs, c.readers.catalogPart)
}

// partSource gets one part of a catalog by key: fetching it, or from a
// cache.
type partSource func(ctx context.Context, key string, fetch func(context.Context) (any, error)) (any, error)

// part gets a typed part through src.
func part[T any](ctx context.Context, src partSource, key string, fetch func(context.Context) (T, error)) (T, error) {
	v, err := src(ctx, key, func(ctx context.Context) (any, error) { return fetch(ctx) })
	if err != nil {
		var zero T
		return zero, err
	}
	return v.(T), nil
}

// fillCatalog gets every part needs asks for at once. Each goroutine
// writes its own field, so no lock is needed.
func (c *Client) fillCatalog(ctx context.Context, needs tier.CatalogNeeds, src partSource) (tier.Catalog, error) {
	cat := tier.Catalog{Loaded: needs.Parts()}
	var limit, droplets int
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) { cat.Regions, err = part(gctx, src, "regions", c.catalogRegions); return err })
	g.Go(func() (err error) { cat.Sizes, err = part(gctx, src, "sizes", c.catalogSizes); return err })
	g.Go(func() (err error) { limit, err = part(gctx, src, "account", c.dropletLimit); return err })
	g.Go(func() (err error) { droplets, err = part(gctx, src, "droplet count", c.dropletCount); return err })
	if needs.Image != "" {
		g.Go(func() (err error) { cat.Images, err = c.catalogImages(gctx, src, needs); return err })
	}
	if needs.Certificates {
		g.Go(func() (err error) {
			cat.Certificates, err = part(gctx, src, "certificates", c.catalogCertificates)
			return err
		})
	}
	if needs.SSHKeys {
		g.Go(func() (err error) { cat.SSHKeys, err = part(gctx, src, "ssh keys", c.catalogSSHKeys); return err })
	}
	if needs.VPCs {
		g.Go(func() (err error) { cat.VPCs, err = part(gctx, src, "vpcs", c.catalogVPCs); return err })
	}
	if needs.Domains {
		g.Go(func() (err error) { cat.Domains, err = part(gctx, src, "domains", c.catalogDomains); return err })
	}
	if needs.Projects {
		g.Go(func() (err error) { cat.Projects, err = part(gctx, src, "projects", c.catalogProjects); return err })
	}
	if needs.Tags {
		g.Go(func() (err error) { cat.Tags, err = part(gctx, src, "tags", c.catalogTags); return err })
	}
	if err := g.Wait(); err != nil {
		return tier.Catalog{}, fmt.Errorf("read the catalog for preflight: %w", err)
	}
	cat.Account = tier.CatalogAccount{DropletLimit: limit, Droplets: droplets}
	return cat, nil
}

func (c *Client) catalogRegions(ctx context.Context) ([]tier.CatalogRegion, error) {
	all, err := listAll(ctx, c, "list regions", c.godo.Regions.List)
	out := make([]tier.CatalogRegion, len(all))
	for i, r := range all {
		out[i] = tier.CatalogRegion{Slug: r.Slug, Name: r.Name, Available: r.Available}
	}
	return out, err
}

func (c *Client) catalogSizes(ctx context.Context) ([]tier.CatalogSize, error) {
	all, err := listAll(ctx, c, "list sizes", c.godo.Sizes.List)
	out := make([]tier.CatalogSize, len(all))
	for i, s := range all {
		out[i] = tier.CatalogSize{Slug: s.Slug, Available: s.Available, Regions: s.Regions, Disk: s.Disk}
	}
	return out, err
}

func (c *Client) dropletLimit(ctx context.Context) (int, error) {
	var acct *godo.Account
	_, err := c.call(ctx, "get account", true, func(ctx context.Context) (resp *godo.Response, err error) {
		acct, resp, err = c.godo.Account.Get(ctx)
		return resp, err
	})
	if err != nil {
		return 0, err
	}
	return acct.DropletLimit, nil
}

// dropletCount is how many droplets the account holds: meta.total of a
// one-droplet page, rather than every page of them.
func (c *Client) dropletCount(ctx context.Context) (int, error) {
	resp, err := c.call(ctx, "count droplets", true, func(ctx context.Context) (*godo.Response, error) {
		_, resp, err := c.godo.Droplets.List(ctx, &godo.ListOptions{Page: 1, PerPage: 1})
		return resp, err
	})
	if err != nil {
		return 0, err
	}
	if resp.Meta == nil {
		return 0, fmt.Errorf("count droplets: the answer has no meta.total")
	}
	return resp.Meta.Total, nil
}

// catalogImages lists the images the spec's image is among (distributions
// for a slug, the account's snapshots and backups for an id) and, when it
// is not there, gets it by slug or id: it may be an application image or a
// public image named by id, or not exist.
func (c *Client) catalogImages(ctx context.Context, src partSource, needs tier.CatalogNeeds) ([]tier.CatalogImage, error) {
	id, byID := needs.ImageID()
	key, list := "distribution images", c.godo.Images.ListDistribution
	if byID {
		key, list = "private images", c.godo.Images.ListUser
	}
	images, err := part(ctx, src, key, func(ctx context.Context) ([]tier.CatalogImage, error) {
		all, err := listAll(ctx, c, "list "+key, list)
		return catalogImagesOf(all), err
	})
	if err != nil || slices.ContainsFunc(images, func(img tier.CatalogImage) bool {
		return (byID && img.ID == id) || (!byID && img.Slug == needs.Image)
	}) {
		return images, err
	}
	one, err := part(ctx, src, "image "+needs.Image, func(ctx context.Context) ([]tier.CatalogImage, error) {
		return c.lookupImage(ctx, needs.Image, id, byID)
	})
	// A new slice: images may be a cached part that others read.
	return slices.Concat(images, one), err
}

// lookupImage gets one image by id or slug; none when it does not exist.
func (c *Client) lookupImage(ctx context.Context, ref string, id int, byID bool) ([]tier.CatalogImage, error) {
	var img *godo.Image
	resp, err := c.call(ctx, "get image "+ref, true, func(ctx context.Context) (resp *godo.Response, err error) {
		if byID {
			img, resp, err = c.godo.Images.GetByID(ctx, id)
		} else {
			img, resp, err = c.godo.Images.GetBySlug(ctx, ref)
		}
		return resp, err
	})
	switch {
	case isNotFound(resp, err):
		return nil, nil
	case err != nil:
		return nil, err
	}
	return catalogImagesOf([]godo.Image{*img}), nil
}

func catalogImagesOf(all []godo.Image) []tier.CatalogImage {
	out := make([]tier.CatalogImage, len(all))
	for i, img := range all {
		out[i] = tier.CatalogImage{
			ID: img.ID, Slug: img.Slug, Name: img.Name, Type: img.Type, Public: img.Public,
			Regions: img.Regions, MinDiskSize: img.MinDiskSize, Status: img.Status,
		}
	}
	return out
}

func (c *Client) catalogCertificates(ctx context.Context) ([]tier.CatalogCertificate, error) {
	all, err := listAll(ctx, c, "list certificates", c.godo.Certificates.List)
	out := make([]tier.CatalogCertificate, len(all))
	for i, cert := range all {
		out[i] = tier.CatalogCertificate{ID: cert.ID, Name: cert.Name, Type: cert.Type, State: cert.State}
	}
	return out, err
}

func (c *Client) catalogSSHKeys(ctx context.Context) ([]tier.CatalogSSHKey, error) {
	all, err := listAll(ctx, c, "list ssh keys", c.godo.Keys.List)
	out := make([]tier.CatalogSSHKey, len(all))
	for i, k := range all {
		out[i] = tier.CatalogSSHKey{ID: k.ID, Fingerprint: k.Fingerprint, Name: k.Name}
	}
	return out, err
}

func (c *Client) catalogVPCs(ctx context.Context) ([]tier.CatalogVPC, error) {
	all, err := listAll(ctx, c, "list vpcs", func(ctx context.Context, opt *godo.ListOptions) ([]*godo.VPC, *godo.Response, error) {
		return c.godo.VPCs.List(ctx, opt)
	})
	out := make([]tier.CatalogVPC, len(all))
	for i, v := range all {
		out[i] = tier.CatalogVPC{ID: v.ID, Name: v.Name, Region: v.RegionSlug, Default: v.Default}
	}
	return out, err
}

func (c *Client) catalogDomains(ctx context.Context) ([]string, error) {
	all, err := listAll(ctx, c, "list domains", c.godo.Domains.List)
	out := make([]string, len(all))
	for i, d := range all {
		out[i] = d.Name
	}
	return out, err
}

func (c *Client) catalogTags(ctx context.Context) ([]string, error) {
	all, err := listAll(ctx, c, "list tags", c.godo.Tags.List)
	out := make([]string, len(all))
	for i, t := range all {
		out[i] = t.Name
	}
	return out, err
}

func (c *Client) catalogProjects(ctx context.Context) ([]tier.CatalogProject, error) {
	all, err := listAll(ctx, c, "list projects", c.godo.Projects.List)
	out := make([]tier.CatalogProject, len(all))
	for i, p := range all {
		out[i] = tier.CatalogProject{ID: p.ID, Name: p.Name, Default: p.IsDefault}
	}
	return out, err
}

// DefaultCatalogTTL bounds how long a CatalogCache keeps a part.
const DefaultCatalogTTL = time.Minute

// CatalogCache keeps catalog parts for one plan. The provider makes one
// when it is configured, which Terraform does once per run (a plan, an
// apply): every tier of one plan shares one fill of each part, and an
// apply, configured afresh, never sees the plan's. The TTL is a backstop
// for a provider that lives longer (tests, consoles). Parts are cached
// one by one, so tiers with different needs still share regions and
// sizes; a part being fetched is waited for, not fetched twice; errors
// are not kept.
type CatalogCache struct {
	client *Client
	ttl    time.Duration
	now    func() time.Time // the wall clock; tests move it

	mu    sync.Mutex
	parts map[string]*cachedPart
}

type cachedPart struct {
	done  chan struct{} // closed when value and err are set
	value any
	err   error
	at    time.Time
}

// NewCatalogCache caches this client's catalog parts for ttl
// (DefaultCatalogTTL when 0).
func (c *Client) NewCatalogCache(ttl time.Duration) *CatalogCache {
	if ttl <= 0 {
		ttl = DefaultCatalogTTL
	}
	return &CatalogCache{client: c, ttl: ttl, now: time.Now, parts: map[string]*cachedPart{}}
}

// Catalog is Client.Catalog from the cache.
func (k *CatalogCache) Catalog(ctx context.Context, needs tier.CatalogNeeds) (tier.Catalog, error) {
	return k.client.fillCatalog(ctx, needs, k.part)
}

func (k *CatalogCache) part(ctx context.Context, key string, fetch func(context.Context) (any, error)) (any, error) {
	k.mu.Lock()
	p := k.parts[key]
	if p == nil || (p.isDone() && k.now().Sub(p.at) > k.ttl) {
		p = &cachedPart{done: make(chan struct{})}
		k.parts[key] = p
		k.mu.Unlock()
		p.value, p.err = fetch(ctx)
		p.at = k.now()
		if p.err != nil {
			k.forget(key, p)
		}
		close(p.done)
		return p.value, p.err
	}
	k.mu.Unlock()
	select {
	case <-p.done:
	case <-ctx.Done():
		return nil, fmt.Errorf("waiting for %s: %w", key, ctx.Err())
	}
	if p.err != nil && ctx.Err() == nil && (errors.Is(p.err, context.Canceled) || errors.Is(p.err, context.DeadlineExceeded)) {
		// The caller that fetched it gave up; this one has not.
		return k.part(ctx, key, fetch)
	}
	return p.value, p.err
}

func (p *cachedPart) isDone() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// forget drops a failed part, so the next caller fetches it again.
func (k *CatalogCache) forget(key string, p *cachedPart) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.parts[key] == p {
		delete(k.parts, key)
	}
}
