package doclient

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/digitalocean/godo"
	"golang.org/x/sync/errgroup"

	"github.com/scalable-tf/terraform-provider-scalable/internal/sandbox"
	"github.com/scalable-tf/terraform-provider-scalable/internal/testkeys"
	"github.com/scalable-tf/terraform-provider-scalable/internal/tier"
)

// gets is the sandbox's GET counts by endpoint, without zeros.
func gets(srv *sandbox.Server) map[string]int {
	out := map[string]int{}
	for pattern, e := range srv.Counts().Endpoints {
		if e.Requests > 0 {
			out[pattern] = e.Requests
		}
	}
	return out
}

var alwaysRead = map[string]int{"GET /v2/regions": 1, "GET /v2/sizes": 1, "GET /v2/account": 1, "GET /v2/droplets": 1}

func plus(base map[string]int, more ...string) map[string]int {
	out := maps.Clone(base)
	for _, m := range more {
		out[m]++
	}
	return out
}

// The catalog reads each part it needs once, and only those: regions,
// sizes, the account and its droplet count always; the rest as the spec
// names them.
func TestCatalogReadsOnlyWhatTheSpecNames(t *testing.T) {
	cases := []struct {
		name  string
		needs tier.CatalogNeeds
		want  map[string]int
	}{
		{"no image, nothing else", tier.CatalogNeeds{}, alwaysRead},
		{"a distribution slug", tier.CatalogNeeds{Image: "ubuntu-24-04-x64"}, plus(alwaysRead, "GET /v2/images")},
		{"an application slug is looked up", tier.CatalogNeeds{Image: "docker-20-04"}, plus(alwaysRead, "GET /v2/images", "GET /v2/images/{image}")},
		{"a slug that does not exist is looked up once", tier.CatalogNeeds{Image: "ubuntu-24-04-x6"}, plus(alwaysRead, "GET /v2/images", "GET /v2/images/{image}")},
		{"an id not among the account's images is looked up", tier.CatalogNeeds{Image: "247516813"}, plus(alwaysRead, "GET /v2/images", "GET /v2/images/{image}")},
		{"everything", tier.CatalogNeeds{Image: "ubuntu-24-04-x64", Certificates: true, SSHKeys: true, VPCs: true},
			plus(alwaysRead, "GET /v2/images", "GET /v2/certificates", "GET /v2/account/keys", "GET /v2/vpcs")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, srv := newClient(t)
			cat, err := c.Catalog(context.Background(), tc.needs)
			if err != nil {
				t.Fatal(err)
			}
			if got := gets(srv); !maps.Equal(got, tc.want) {
				t.Errorf("requests %v, want %v", got, tc.want)
			}
			if cat.Loaded != tc.needs.Parts() {
				t.Errorf("loaded %b, want %b", cat.Loaded, tc.needs.Parts())
			}
		})
	}
}

// What the sandbox answers reaches the catalog as DigitalOcean sends it:
// sizes per region with their disks, image regions and minimum disks,
// regional snapshots, certificate states, keys, VPCs, the droplet limit
// and how many droplets exist.
func TestCatalogCarriesTheAccount(t *testing.T) {
	// Let's Encrypt takes an hour here (36 s at the test's time scale):
	// the certificate is still pending when the catalog is read.
	c, srv := newClient(t, func(o *sandbox.Options) { o.Delays.CertificateIssue = time.Hour })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	g := c.Godo()
	fp, err := testkeys.Add(ctx, g, "ops")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := g.Domains.Create(ctx, &godo.DomainCreateRequest{Name: "example.com"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := g.Certificates.Create(ctx, &godo.CertificateRequest{Name: "hits-le", Type: "lets_encrypt", DNSNames: []string{"hits.example.com"}}); err != nil {
		t.Fatal(err)
	}
	vpc, _, err := g.VPCs.Create(ctx, &godo.VPCCreateRequest{Name: "hits-ams3", RegionSlug: "ams3"})
	if err != nil {
		t.Fatal(err)
	}
	snap := snapshotOf(ctx, t, c)
	srv.ResetCounts()

	cat, err := c.Catalog(ctx, tier.CatalogNeeds{Image: strconv.Itoa(snap), Certificates: true, SSHKeys: true, VPCs: true, Domains: true, Projects: true})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := gets(srv), plus(alwaysRead, "GET /v2/images", "GET /v2/certificates", "GET /v2/account/keys", "GET /v2/vpcs", "GET /v2/domains", "GET /v2/projects"); !maps.Equal(got, want) {
		t.Errorf("requests %v, want %v: the snapshot is among the account's images", got, want)
	}
	i := slices.IndexFunc(cat.Sizes, func(s tier.CatalogSize) bool { return s.Slug == "s-1vcpu-1gb" })
	if i < 0 || cat.Sizes[i].Disk != 25 || !slices.Contains(cat.Sizes[i].Regions, "nyc3") || slices.Contains(cat.Sizes[i].Regions, "atl1") {
		t.Errorf("s-1vcpu-1gb: %+v", cat.Sizes[max(i, 0)])
	}
	if !slices.ContainsFunc(cat.Regions, func(r tier.CatalogRegion) bool { return r.Slug == "sfo1" && !r.Available }) {
		t.Errorf("sfo1 is listed closed: %+v", cat.Regions)
	}
	if len(cat.Images) != 1 || cat.Images[0].ID != snap || cat.Images[0].Public || !slices.Equal(cat.Images[0].Regions, []string{"nyc3"}) || cat.Images[0].MinDiskSize != 25 {
		t.Errorf("images %+v, want the nyc3 snapshot %d", cat.Images, snap)
	}
	if len(cat.Certificates) != 1 || cat.Certificates[0].State != tier.CertificatePending {
		t.Errorf("certificates %+v, want hits-le pending", cat.Certificates)
	}
	if len(cat.SSHKeys) != 1 || cat.SSHKeys[0].Fingerprint != fp {
		t.Errorf("keys %+v", cat.SSHKeys)
	}
	if !slices.ContainsFunc(cat.VPCs, func(v tier.CatalogVPC) bool { return v.ID == vpc.ID && v.Region == "ams3" }) {
		t.Errorf("vpcs %+v", cat.VPCs)
	}
	if !slices.Equal(cat.Domains, []string{"example.com"}) {
		t.Errorf("domains %v, want example.com", cat.Domains)
	}
	if len(cat.Projects) != 1 || !cat.Projects[0].Default || cat.Projects[0].ID == "" {
		t.Errorf("projects %+v, want the default project", cat.Projects)
	}
	if cat.Account != (tier.CatalogAccount{DropletLimit: 25, Droplets: 1}) {
		t.Errorf("account %+v, want the limit 25 and the snapshot's droplet", cat.Account)
	}
}

// snapshotOf snapshots a new nyc3 droplet and returns the snapshot's id.
func snapshotOf(ctx context.Context, t *testing.T, c *Client) int {
	t.Helper()
	made, err := c.CreateDroplets(ctx, request("t-snap"))
	if err != nil {
		t.Fatal(err)
	}
	id := made[0].ID
	g := c.Godo()
	asked := false
	for {
		d, _, err := g.Droplets.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if d.Status == "active" && !asked {
			if _, _, err := g.DropletActions.Snapshot(ctx, id, "t-snap-1"); err != nil {
				t.Fatal(err)
			}
			asked = true
		}
		if len(d.SnapshotIDs) == 1 {
			return d.SnapshotIDs[0]
		}
		if err := tier.Sleep(ctx, 50*time.Millisecond); err != nil {
			t.Fatalf("no snapshot of droplet %d: %v", id, err)
		}
	}
}

// The sandbox's catalog through Preflight: a size typo, a size not offered
// in the region, an application image too big for the size, and a
// certificate still pending, all at once.
func TestPreflightAgainstTheSandboxCatalog(t *testing.T) {
	c, _ := newClient(t)
	ctx := context.Background()
	if _, _, err := c.Godo().Domains.Create(ctx, &godo.DomainCreateRequest{Name: "example.com"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Godo().Certificates.Create(ctx, &godo.CertificateRequest{Name: "hits-le", Type: "lets_encrypt", DNSNames: []string{"hits.example.com"}}); err != nil {
		t.Fatal(err)
	}
	spec := tier.Spec{Name: "hits", Region: "nyc3", Droplet: tier.DropletSpec{Instances: 2, Size: "s-1vcpu-1g", Image: "ubuntu-24-04-x64"},
		LoadBalancer: tier.LoadBalancerSpec{ForwardingRules: []tier.ForwardingRule{{EntryProtocol: "https", EntryPort: 443, TargetProtocol: "http", TargetPort: 80, CertificateName: "hits-le"}}}}
	check := func(s tier.Spec) []string {
		cat, err := c.Catalog(ctx, tier.CatalogNeedsFor(s))
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, p := range tier.Preflight(s, cat, tier.Fleet{}) {
			out = append(out, fmt.Sprintf("%s %s %v", p.Path, p.Code, p.Suggestions))
		}
		return out
	}
	want := []string{"droplet.size unknown_size [s-1vcpu-1gb s-1vcpu-2gb s-1vcpu-1gb-amd]", "load_balancer.forwarding_rule[0].certificate_name certificate_pending []"}
	if got := check(spec); !slices.Equal(got, want) {
		t.Errorf("typo:\n got %q\nwant %q", got, want)
	}
	spec.Region, spec.LoadBalancer = "atl1", tier.LoadBalancerSpec{}
	spec.Droplet.Size = "s-1vcpu-1gb"
	if got := check(spec); len(got) != 1 || got[0] != "droplet.size size_not_in_region []" {
		t.Errorf("a basic size in atl1: %q", got)
	}
	spec.Region, spec.Droplet.Size, spec.Droplet.Image = "nyc3", "s-1vcpu-512mb-10gb", "docker-20-04"
	if got := check(spec); len(got) != 1 || got[0] != "droplet.size disk_too_small [s-1vcpu-1gb s-1vcpu-1gb-amd s-1vcpu-1gb-intel]" {
		t.Errorf("an application image on a 10 GB disk: %q", got)
	}
}

// A cache serves one plan: tiers with different needs share each part, a
// part fetched by one is waited for by the others, a failure is not kept,
// and a part older than the TTL is fetched again.
func TestCatalogCacheSharesPartsForOnePlan(t *testing.T) {
	c, srv := newClient(t)
	cache := c.NewCatalogCache(time.Minute)
	now := time.Now()
	cache.now = func() time.Time { return now }
	ctx := context.Background()
	var g errgroup.Group
	for i := range 8 {
		g.Go(func() error {
			_, err := cache.Catalog(ctx, tier.CatalogNeeds{Image: "ubuntu-24-04-x64", Certificates: i%2 == 0})
			return err
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	if got, want := gets(srv), plus(alwaysRead, "GET /v2/images", "GET /v2/certificates"); !maps.Equal(got, want) {
		t.Errorf("8 concurrent fills: requests %v, want each part once: %v", got, want)
	}

	srv.ResetCounts()
	if err := srv.AddFault(sandbox.FaultRule{Endpoint: "GET /v2/account/keys", FailNext: 1, Status: 403}); err != nil {
		t.Fatal(err)
	}
	if _, err := cache.Catalog(ctx, tier.CatalogNeeds{SSHKeys: true}); err == nil {
		t.Fatal("a refused key list gave a catalog")
	}
	if _, err := cache.Catalog(ctx, tier.CatalogNeeds{SSHKeys: true}); err != nil {
		t.Fatalf("after the failure: %v", err)
	}
	if got := gets(srv); !maps.Equal(got, map[string]int{"GET /v2/account/keys": 2}) {
		t.Errorf("requests %v: the failed key list is fetched again, the rest comes from the cache", got)
	}

	srv.ResetCounts()
	now = now.Add(time.Minute + time.Second)
	if _, err := cache.Catalog(ctx, tier.CatalogNeeds{}); err != nil {
		t.Fatal(err)
	}
	if got := gets(srv); !maps.Equal(got, alwaysRead) {
		t.Errorf("after the TTL: requests %v, want %v", got, alwaysRead)
	}
	srv.ResetCounts()
	if _, err := c.Catalog(ctx, tier.CatalogNeeds{}); err != nil {
		t.Fatal(err)
	}
	if got := gets(srv); !maps.Equal(got, alwaysRead) {
		t.Errorf("the client's own Catalog is fresh: requests %v", got)
	}
}
