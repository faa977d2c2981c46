package sandbox

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/digitalocean/godo"
)

func TestRegionsListTheirSizes(t *testing.T) {
	e := newTestEnv(t)
	got, resp, err := e.client.Regions.List(e.ctx, &godo.ListOptions{PerPage: 200})
	if err != nil {
		t.Fatal(err)
	}
	if regions := builtinCatalog.regions; len(got) != len(regions) || resp.Meta.Total != len(regions) {
		t.Fatalf("%d regions, total %d", len(got), resp.Meta.Total)
	}
	by := map[string]godo.Region{}
	for _, r := range got {
		by[r.Slug] = r
	}
	if r := by["nyc3"]; !r.Available || r.Name != "New York 3" || !slices.Contains(r.Sizes, "s-1vcpu-1gb") || !slices.Contains(r.Features, "backups") {
		t.Errorf("nyc3 %+v", r)
	}
	if r := by["sfo1"]; r.Available || len(r.Sizes) != 0 {
		t.Errorf("unavailable sfo1 offers %v", r.Sizes)
	}
	if r := by["nyc2"]; !r.Available || !slices.Contains(r.Sizes, "s-1vcpu-1gb") {
		t.Errorf("nyc2 is open to existing accounts on DigitalOcean: %+v", r)
	}
	if r := by["ric1"]; !r.Available || r.Name != "Richmond 1" || slices.Contains(r.Sizes, "s-1vcpu-1gb") {
		t.Errorf("ric1 (open, no Basic plans) %+v", r)
	}
	if slices.Contains(by["sfo2"].Sizes, "so-2vcpu-16gb") || !slices.Contains(by["nyc3"].Sizes, "so-2vcpu-16gb") {
		t.Error("storage-optimized sizes should be in nyc3 and not in sfo2")
	}
	page, _, err := e.client.Regions.List(e.ctx, &godo.ListOptions{PerPage: 5})
	if err != nil || len(page) != 5 {
		t.Errorf("regions are paginated: %d on a page of 5 (%v)", len(page), err)
	}
}

func TestSizesCatalog(t *testing.T) {
	e := newTestEnv(t)
	var all []godo.Size
	opt := &godo.ListOptions{Page: 1, PerPage: 20}
	for {
		page, resp, err := e.client.Sizes.List(e.ctx, opt)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, page...)
		if resp.Links.IsLastPage() {
			break
		}
		opt.Page++
	}
	if sizes := builtinCatalog.sizes; len(all) != len(sizes) {
		t.Fatalf("%d sizes listed, catalog has %d", len(all), len(sizes))
	}
	by := map[string]godo.Size{}
	for _, s := range all {
		by[s.Slug] = s
	}
	basic := map[string][4]float64{ // memory MB, vcpus, disk GB, USD/month
		"s-1vcpu-512mb-10gb": {512, 1, 10, 4},
		"s-1vcpu-1gb":        {1024, 1, 25, 6},
		"s-1vcpu-2gb":        {2048, 1, 50, 12},
		"s-2vcpu-2gb":        {2048, 2, 60, 18},
		"s-2vcpu-4gb":        {4096, 2, 80, 24},
		"s-4vcpu-8gb":        {8192, 4, 160, 48},
		"s-8vcpu-16gb":       {16384, 8, 320, 96},
	}
	for slug, want := range basic {
		s, ok := by[slug]
		if !ok {
			t.Errorf("%s missing", slug)
			continue
		}
		if got := [4]float64{float64(s.Memory), float64(s.Vcpus), float64(s.Disk), s.PriceMonthly}; got != want {
			t.Errorf("%s: %v, want %v", slug, got, want)
		}
		if !s.Available || s.Description != "Basic" || s.Transfer == 0 || len(s.DiskInfo) != 1 || s.DiskInfo[0].Size.Amount != s.Disk {
			t.Errorf("%s: %+v", slug, s)
		}
	}
	if got := by["s-1vcpu-1gb"].PriceHourly; got != 0.00893 {
		t.Errorf("s-1vcpu-1gb hourly %v, want 0.00893", got)
	}
	for _, prefix := range []string{"c-", "g-", "m-", "so-"} {
		if !slices.ContainsFunc(all, func(s godo.Size) bool { return strings.HasPrefix(s.Slug, prefix) && s.Available }) {
			t.Errorf("no available %s* size", prefix)
		}
	}
	for _, s := range all {
		if !s.Available || len(s.Regions) == 0 {
			t.Errorf("%s is not offered anywhere: %+v", s.Slug, s)
		}
		if !slices.IsSorted(s.Regions) {
			t.Errorf("%s regions %v are not in DigitalOcean's alphabetical order", s.Slug, s.Regions)
		}
		for _, r := range s.Regions {
			if reg, ok := builtinCatalog.region(r); !ok || !reg.Available {
				t.Errorf("%s offered in %q, not an available region", s.Slug, r)
			}
		}
	}
}

// Today's plans, with DigitalOcean's figures (doctl compute size list) and
// where DigitalOcean offers them.
func TestSizesCatalogHasTodaysPlans(t *testing.T) {
	e := newTestEnv(t)
	all, _, err := e.client.Sizes.List(e.ctx, &godo.ListOptions{PerPage: 200})
	if err != nil {
		t.Fatal(err)
	}
	by := map[string]godo.Size{}
	for _, s := range all {
		by[s.Slug] = s
	}
	for slug, want := range map[string][4]float64{
		"s-1vcpu-1gb-35gb-intel":   {1024, 1, 35, 8},
		"s-2vcpu-8gb-amd":          {8192, 2, 100, 42},
		"s-8vcpu-32gb-640gb-intel": {32768, 8, 640, 192},
		"g-2vcpu-8gb-intel":        {8192, 2, 30, 76},
		"so1_5-2vcpu-16gb":         {16384, 2, 450, 163},
	} {
		s := by[slug]
		if got := [4]float64{float64(s.Memory), float64(s.Vcpus), float64(s.Disk), s.PriceMonthly}; got != want {
			t.Errorf("%s: %v, want %v", slug, got, want)
		}
	}
	if got := by["g-2vcpu-8gb-intel"].PriceHourly; got != 0.1131 {
		t.Errorf("g-2vcpu-8gb-intel hourly %v, want 0.1131", got)
	}
	if slices.Contains(by["s-1vcpu-1gb-amd"].Regions, "sfo2") || slices.Contains(by["s-1vcpu-1gb"].Regions, "atl1") {
		t.Error("AMD plans are not in sfo2 and Basic plans not in atl1 on DigitalOcean")
	}
}

func TestImageCatalog(t *testing.T) {
	e := newTestEnv(t)
	dists, _, err := e.client.Images.ListDistribution(e.ctx, &godo.ListOptions{PerPage: 200})
	if err != nil {
		t.Fatal(err)
	}
	var slugs []string
	for _, img := range dists {
		slugs = append(slugs, img.Slug)
		if !img.Public || img.Status != "available" || img.MinDiskSize == 0 || img.Distribution == "" || len(img.Regions) == 0 || img.Created == "" {
			t.Errorf("distribution image %+v", img)
		}
	}
	for _, want := range []string{"ubuntu-26-04-x64", "ubuntu-24-04-x64", "ubuntu-22-04-x64", "debian-13-x64", "fedora-44-x64", "fedora-43-x64",
		"centos-stream-10-x64", "centos-stream-9-x64", "rockylinux-10-x64", "rockylinux-9-x64", "rockylinux-8-x64",
		"almalinux-10-x64", "almalinux-9-x64", "almalinux-8-x64"} {
		if !slices.Contains(slugs, want) {
			t.Errorf("distributions lack %s", want)
		}
	}
	if slices.ContainsFunc(slugs, func(s string) bool { return strings.HasPrefix(s, brokenImagePrefix) || s == "docker-20-04" }) {
		t.Errorf("distribution list %v holds broken or application images", slugs)
	}
	apps, _, err := e.client.Images.ListApplication(e.ctx, nil)
	if err != nil || !slices.ContainsFunc(apps, func(i godo.Image) bool { return i.Slug == "docker-20-04" }) ||
		!slices.ContainsFunc(apps, func(i godo.Image) bool { return strings.HasPrefix(i.Slug, "lemp") }) {
		t.Errorf("applications %v %v", apps, err)
	}

	bySlug, _, err := e.client.Images.GetBySlug(e.ctx, "ubuntu-24-04-x64")
	if err != nil {
		t.Fatal(err)
	}
	byID, _, err := e.client.Images.GetByID(e.ctx, bySlug.ID)
	if err != nil || byID.Slug != "ubuntu-24-04-x64" || byID.Type != "base" {
		t.Errorf("by id: %+v %v", byID, err)
	}
	raw := e.rawGet("v2/images/ubuntu-24-04-x64")["image"].(map[string]any)
	if raw["error_message"] != "" || raw["status"] != "available" {
		t.Errorf("raw image %v", raw)
	}
	for _, ref := range []string{"ubuntu-4-10-x86", "12"} {
		req, _ := e.client.NewRequest(e.ctx, http.MethodGet, "v2/images/"+ref, nil)
		_, err := e.client.Do(e.ctx, req, nil)
		e.apiError(err, http.StatusNotFound, "not_found")
	}
	req, _ := e.client.NewRequest(e.ctx, http.MethodGet, "v2/images?type=kernel", nil)
	_, err = e.client.Do(e.ctx, req, nil)
	e.apiError(err, http.StatusUnprocessableEntity, "unprocessable_entity")
}

func TestBrokenImagesResolveButAreNotListed(t *testing.T) {
	e := newTestEnv(t)
	all, _, err := e.client.Images.List(e.ctx, &godo.ListOptions{PerPage: 200})
	if err != nil {
		t.Fatal(err)
	}
	for _, img := range all {
		if strings.HasPrefix(img.Slug, brokenImagePrefix) {
			t.Errorf("broken image %s listed", img.Slug)
		}
	}
	for _, dist := range builtinCatalog.distributions {
		broken, _, err := e.client.Images.GetBySlug(e.ctx, brokenImagePrefix+dist.Slug)
		if err != nil {
			t.Errorf("%s%s: %v", brokenImagePrefix, dist.Slug, err)
			continue
		}
		if broken.ID == dist.ID || broken.Distribution != dist.Distribution || broken.MinDiskSize != dist.MinDiskSize {
			t.Errorf("broken twin %+v of %s", broken, dist.Slug)
		}
		if again, _, err := e.client.Images.GetByID(e.ctx, broken.ID); err != nil || again.Slug != broken.Slug {
			t.Errorf("broken image by id: %+v %v", again, err)
		}
	}
}

func TestPrivateImagesAreTheAccountsSnapshots(t *testing.T) {
	e := newTestEnv(t)
	user, _, err := e.client.Images.ListUser(e.ctx, nil)
	if err != nil || len(user) != 0 {
		t.Fatalf("a new account has private images: %v %v", user, err)
	}
	d := e.activeDroplet("web-1")
	if _, _, err := e.client.DropletActions.Snapshot(e.ctx, d.ID, "golden"); err != nil {
		t.Fatal(err)
	}
	e.advance(e.srv.delays.DropletAction)
	user, _, err = e.client.Images.ListUser(e.ctx, nil)
	if err != nil || len(user) != 1 || user[0].Name != "golden" || user[0].Public || user[0].Slug != "" {
		t.Fatalf("private images %+v %v", user, err)
	}
	if raw := e.rawGet("v2/images?private=true")["images"].([]any)[0].(map[string]any); raw["slug"] != nil {
		t.Errorf("snapshot slug %v, want null", raw["slug"])
	}

	// A droplet can boot from the snapshot, in the snapshot's region only.
	req := dropletRequest("from-golden")
	req.Image = godo.DropletCreateImage{ID: user[0].ID}
	if clone := e.createDroplet(req); clone.Image.ID != user[0].ID || clone.Image.Name != "golden" {
		t.Errorf("clone image %+v", clone.Image)
	}
	req.Region = "lon1"
	_, _, err = e.client.Droplets.Create(e.ctx, req)
	er := e.apiError(err, http.StatusUnprocessableEntity, "unprocessable_entity")
	if !strings.Contains(er.Message, "not available in the selected region") {
		t.Errorf("message %q", er.Message)
	}
}

// Today's images boot; retired ones are refused as DigitalOcean refuses an
// unknown image, and droplets made from a retired build still show it.
func TestTodaysImagesCreateAndRetiredOnesAreRefused(t *testing.T) {
	e := newPoolEnv(t)
	for _, slug := range []string{"ubuntu-26-04-x64", "debian-13-x64", "fedora-44-x64", "almalinux-10-x64"} {
		req := dropletRequest("on-" + slug)
		req.Image.Slug = slug
		if d := e.createDroplet(req); d.Image.Slug != slug || d.Image.Type != "base" {
			t.Errorf("%s: droplet image %+v", slug, d.Image)
		}
	}
	multi := multiRequest("lts-1", "lts-2")
	multi.Image.Slug = "ubuntu-26-04-x64"
	if ds, _, err := e.client.Droplets.CreateMultiple(e.ctx, multi); err != nil || len(ds) != 2 {
		t.Errorf("multi create on ubuntu-26-04-x64: %v", err)
	}
	pool := fixedPool("lts-pool", 1)
	pool.DropletTemplate.Image = "ubuntu-26-04-x64"
	e.createPool(pool)

	before := e.dropletCount()
	for _, ref := range []godo.DropletCreateImage{{Slug: "ubuntu-20-04-x64"}, {ID: 179024206}, {Slug: "debian-12-x64"}} {
		req := dropletRequest("old")
		req.Image = ref
		_, _, err := e.client.Droplets.Create(e.ctx, req)
		if er := e.apiError(err, http.StatusUnprocessableEntity, "unprocessable_entity"); er.Message != "You specified an invalid image for Droplet creation." {
			t.Errorf("%+v: message %q", ref, er.Message)
		}
	}
	pool = fixedPool("old-pool", 1)
	pool.DropletTemplate.Image = "ubuntu-20-04-x64"
	_, _, err := e.client.DropletAutoscale.Create(e.ctx, pool)
	e.apiError(err, http.StatusUnprocessableEntity, "unprocessable_entity")
	if n := e.dropletCount(); n != before {
		t.Errorf("refused creates made %d droplets", n-before)
	}
	_, _, err = e.client.Images.GetBySlug(e.ctx, "ubuntu-20-04-x64")
	e.apiError(err, http.StatusNotFound, "not_found")

	// A droplet saved on the sandbox's earlier ubuntu-24-04-x64 build.
	d := e.activeDroplet("old-build")
	_ = e.srv.Mutate(func(w *World, now time.Time) error { w.Droplets[d.ID].ImageID = 174690466; return nil })
	raw := e.rawGet("v2/droplets/" + strconv.Itoa(d.ID))["droplet"].(map[string]any)["image"].(map[string]any)
	if raw["slug"] != nil || raw["status"] != "retired" || raw["public"] != false || raw["name"] != "24.04 (LTS) x64" {
		t.Errorf("retired build shown as %v", raw)
	}
	// Its snapshot keeps the distribution.
	if _, _, err := e.client.DropletActions.Snapshot(e.ctx, d.ID, "old-build-snap"); err != nil {
		t.Fatal(err)
	}
	e.advance(e.srv.delays.DropletAction)
	if snaps, _, err := e.client.Images.ListUser(e.ctx, nil); err != nil || len(snaps) != 1 || snaps[0].Distribution != "Ubuntu" || snaps[0].ID <= 247516813 {
		t.Errorf("snapshot of a retired build %+v %v", snaps, err)
	}
}
