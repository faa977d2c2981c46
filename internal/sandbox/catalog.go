package sandbox

import (
	"github.com/scalable-tf/terraform-provider-scalable/internal/doapi"

	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Region is one DigitalOcean datacenter region. Unavailable regions are
// listed (as DigitalOcean lists them) but refuse new resources.
type Region struct {
	Slug      string   `json:"slug"`
	Name      string   `json:"name"`
	Features  []string `json:"features"`
	Available bool     `json:"available"`
}

var regionFeatures = []string{"backups", "ipv6", "metadata", "install_agent", "storage", "image_transfer"}

// regions is the region catalog, in DigitalOcean's listing order, from the
// list the provider's validators use.
var regions = func() []Region {
	out := make([]Region, len(doapi.Regions))
	for i, r := range doapi.Regions {
		out[i] = Region{Slug: r.Slug, Name: r.Name, Features: regionFeatures, Available: r.Available}
	}
	return out
}()

// lookupRegion finds a region by slug, available or not.
func lookupRegion(slug string) (Region, bool) {
	for _, r := range regions {
		if r.Slug == slug {
			return r, true
		}
	}
	return Region{}, false
}

// Size is one droplet plan. Regions lists the available regions that offer
// it; unavailable (retired) sizes are listed with no regions, as DigitalOcean
// lists them.
type Size struct {
	Slug         string
	Memory       int // MiB
	Vcpus        int
	Disk         int     // GB
	Transfer     float64 // TB per month
	PriceMonthly float64 // USD
	Available    bool
	Description  string
	Regions      []string
}

// PriceHourly is DigitalOcean's hourly price: the monthly price over 672
// hours, to five decimals (s-1vcpu-1gb: 6.0 => 0.00893).
func (s Size) PriceHourly() float64 {
	return math.Round(s.PriceMonthly/672*1e5) / 1e5
}

// offeredIn reports whether a droplet of this size can be created in region.
func (s Size) offeredIn(region string) bool {
	return s.Available && slices.Contains(s.Regions, region)
}

// Region groups that sizes are offered in. Premium (CPU/General/Memory
// optimized) plans are missing from sfo2 and storage-optimized ones from more
// regions, so "size not offered in region" is reachable with real slugs.
var (
	allSizeRegions     = []string{"nyc1", "nyc3", "ams3", "sfo2", "sfo3", "sgp1", "lon1", "fra1", "tor1", "blr1", "syd1", "atl1"}
	amdSizeRegions     = without(allSizeRegions, "sfo2")
	intelSizeRegions   = without(allSizeRegions, "atl1")
	premiumSizeRegions = without(allSizeRegions, "sfo2")
	storageSizeRegions = []string{"nyc1", "nyc3", "ams3", "sfo3", "sgp1", "lon1", "fra1", "tor1", "blr1"}
)

func without(list []string, drop string) []string {
	return slices.DeleteFunc(slices.Clone(list), func(s string) bool { return s == drop })
}

// sizes is the size catalog in DigitalOcean's listing order (by price),
// with DigitalOcean's figures.
var sizes = []Size{
	{"s-1vcpu-512mb-10gb", 512, 1, 10, 0.5, 4, true, "Basic", allSizeRegions},
	{"s-1vcpu-1gb", 1024, 1, 25, 1, 6, true, "Basic", allSizeRegions},
	{"s-1vcpu-1gb-amd", 1024, 1, 25, 1, 7, true, "Basic AMD", amdSizeRegions},
	{"s-1vcpu-1gb-intel", 1024, 1, 25, 1, 7, true, "Basic Intel", intelSizeRegions},
	{"s-1vcpu-2gb", 2048, 1, 50, 2, 12, true, "Basic", allSizeRegions},
	{"s-1vcpu-2gb-amd", 2048, 1, 50, 2, 14, true, "Basic AMD", amdSizeRegions},
	{"s-1vcpu-2gb-intel", 2048, 1, 50, 2, 14, true, "Basic Intel", intelSizeRegions},
	{"s-3vcpu-1gb", 1024, 3, 60, 3, 15, false, "Basic", nil},
	{"s-1vcpu-3gb", 3072, 1, 60, 3, 15, false, "Basic", nil},
	{"s-2vcpu-2gb", 2048, 2, 60, 3, 18, true, "Basic", allSizeRegions},
	{"s-2vcpu-2gb-amd", 2048, 2, 60, 3, 21, true, "Basic AMD", amdSizeRegions},
	{"s-2vcpu-2gb-intel", 2048, 2, 60, 3, 21, true, "Basic Intel", intelSizeRegions},
	{"s-2vcpu-4gb", 4096, 2, 80, 4, 24, true, "Basic", allSizeRegions},
	{"s-2vcpu-4gb-amd", 4096, 2, 80, 4, 28, true, "Basic AMD", amdSizeRegions},
	{"s-2vcpu-4gb-intel", 4096, 2, 80, 4, 28, true, "Basic Intel", intelSizeRegions},
	{"c-2", 4096, 2, 25, 4, 42, true, "CPU-Optimized", premiumSizeRegions},
	{"c2-2vcpu-4gb", 4096, 2, 50, 4, 47, true, "CPU-Optimized 2x SSD", premiumSizeRegions},
	{"s-4vcpu-8gb", 8192, 4, 160, 5, 48, true, "Basic", allSizeRegions},
	{"s-4vcpu-8gb-amd", 8192, 4, 160, 5, 56, true, "Basic AMD", amdSizeRegions},
	{"s-4vcpu-8gb-intel", 8192, 4, 160, 5, 56, true, "Basic Intel", intelSizeRegions},
	{"g-2vcpu-8gb", 8192, 2, 25, 4, 63, true, "General Purpose", premiumSizeRegions},
	{"gd-2vcpu-8gb", 8192, 2, 50, 4, 68, true, "General Purpose 2x SSD", premiumSizeRegions},
	{"m-2vcpu-16gb", 16384, 2, 50, 4, 84, true, "Memory-Optimized", premiumSizeRegions},
	{"c-4", 8192, 4, 50, 5, 84, true, "CPU-Optimized", premiumSizeRegions},
	{"s-8vcpu-16gb", 16384, 8, 320, 6, 96, true, "Basic", allSizeRegions},
	{"s-8vcpu-16gb-amd", 16384, 8, 320, 6, 112, true, "Basic AMD", amdSizeRegions},
	{"s-8vcpu-16gb-intel", 16384, 8, 320, 6, 112, true, "Basic Intel", intelSizeRegions},
	{"g-4vcpu-16gb", 16384, 4, 50, 5, 126, true, "General Purpose", premiumSizeRegions},
	{"so-2vcpu-16gb", 16384, 2, 300, 4, 131, true, "Storage-Optimized", storageSizeRegions},
	{"m-4vcpu-32gb", 32768, 4, 100, 5, 168, true, "Memory-Optimized", premiumSizeRegions},
	{"c-8", 16384, 8, 100, 6, 168, true, "CPU-Optimized", premiumSizeRegions},
}

// lookupSize finds a size by slug, available or not.
func lookupSize(slug string) (Size, bool) {
	for _, s := range sizes {
		if s.Slug == slug {
			return s, true
		}
	}
	return Size{}, false
}

// regionSizes lists the slugs of the sizes a region offers; unavailable
// regions offer none.
func regionSizes(r Region) []string {
	out := []string{}
	if !r.Available {
		return out
	}
	for _, s := range sizes {
		if s.offeredIn(r.Slug) {
			out = append(out, s.Slug)
		}
	}
	return out
}

// Image is a public image of the catalog: a distribution, a 1-Click
// application, or a sandbox-only broken image.
type Image struct {
	ID            int
	Name          string
	Distribution  string
	Slug          string
	Type          string // "snapshot" for distributions and 1-Click apps alike
	Application   bool
	MinDiskSize   int     // GB
	SizeGigabytes float64 // compressed image size
	CreatedAt     time.Time
	Description   string
	// Broken marks a sandbox-only image: droplets booted from it run, but
	// their app never answers health checks (Droplet.FailsHealth).
	Broken bool
}

// brokenImagePrefix makes a sandbox-only twin of each distribution image:
// "broken-ubuntu-24-04-x64" boots like ubuntu-24-04-x64 but the droplet's
// app never passes a health check, so failed rollouts can be rehearsed.
const brokenImagePrefix = "broken-"

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// distributionImages and applicationImages are the public catalog, with
// DigitalOcean's naming. Public distribution images are type "snapshot",
// as 1-Click apps are ("base" is for a few special images such as GPU base
// images): the official provider's TestAccDigitalOceanImage_PublicSlug,
// kept in step with the live API, expects "snapshot" for ubuntu-22-04-x64.
var (
	distributionImages = []Image{
		{ID: 174690466, Name: "24.04 (LTS) x64", Distribution: "Ubuntu", Slug: "ubuntu-24-04-x64", Type: "snapshot", MinDiskSize: 7, SizeGigabytes: 2.48, CreatedAt: day("2025-01-14"), Description: "Ubuntu 24.04 (LTS) x64"},
		{ID: 174690453, Name: "22.04 (LTS) x64", Distribution: "Ubuntu", Slug: "ubuntu-22-04-x64", Type: "snapshot", MinDiskSize: 7, SizeGigabytes: 2.37, CreatedAt: day("2025-01-14"), Description: "Ubuntu 22.04 (LTS) x64"},
		{ID: 173786237, Name: "12 x64", Distribution: "Debian", Slug: "debian-12-x64", Type: "snapshot", MinDiskSize: 7, SizeGigabytes: 1.31, CreatedAt: day("2024-12-18"), Description: "Debian 12 x64"},
		{ID: 173786231, Name: "11 x64", Distribution: "Debian", Slug: "debian-11-x64", Type: "snapshot", MinDiskSize: 7, SizeGigabytes: 1.17, CreatedAt: day("2024-12-18"), Description: "Debian 11 x64"},
		{ID: 172318562, Name: "41 x64", Distribution: "Fedora", Slug: "fedora-41-x64", Type: "snapshot", MinDiskSize: 7, SizeGigabytes: 1.02, CreatedAt: day("2024-11-05"), Description: "Fedora 41 x64"},
		{ID: 173782315, Name: "9 Stream x64", Distribution: "CentOS", Slug: "centos-stream-9-x64", Type: "snapshot", MinDiskSize: 10, SizeGigabytes: 1.29, CreatedAt: day("2024-12-17"), Description: "CentOS Stream 9 x64"},
		{ID: 173782322, Name: "9 x64", Distribution: "Rocky Linux", Slug: "rockylinux-9-x64", Type: "snapshot", MinDiskSize: 10, SizeGigabytes: 1.18, CreatedAt: day("2024-12-17"), Description: "Rocky Linux 9 x64"},
		{ID: 173782340, Name: "9 x64", Distribution: "AlmaLinux", Slug: "almalinux-9-x64", Type: "snapshot", MinDiskSize: 10, SizeGigabytes: 1.16, CreatedAt: day("2024-12-17"), Description: "AlmaLinux 9 x64"},
	}
	applicationImages = []Image{
		{ID: 172913108, Name: "Docker 25.0.3 on Ubuntu 22.04", Distribution: "Ubuntu", Slug: "docker-20-04", Type: "snapshot", Application: true, MinDiskSize: 25, SizeGigabytes: 3.72, CreatedAt: day("2024-11-28"), Description: "Docker on Ubuntu 22.04"},
		{ID: 172913131, Name: "LEMP on Ubuntu 22.04", Distribution: "Ubuntu", Slug: "lemp-20-04", Type: "snapshot", Application: true, MinDiskSize: 25, SizeGigabytes: 3.41, CreatedAt: day("2024-11-28"), Description: "LEMP (Linux, Nginx, MySQL, PHP) on Ubuntu 22.04"},
		{ID: 172913157, Name: "WordPress 6.7 on Ubuntu 22.04", Distribution: "Ubuntu", Slug: "wordpress-20-04", Type: "snapshot", Application: true, MinDiskSize: 25, SizeGigabytes: 4.05, CreatedAt: day("2024-11-28"), Description: "WordPress on Ubuntu 22.04"},
	}
	brokenImages = brokenTwins(distributionImages)
)

// brokenTwins derives the sandbox-only broken images. They are never listed
// by GET /v2/images (a real catalog has no such thing) but resolve by slug
// and id, so droplets can be created from them.
func brokenTwins(dists []Image) []Image {
	out := make([]Image, 0, len(dists))
	for i, d := range dists {
		b := d
		b.ID = 199000001 + i
		b.Slug = brokenImagePrefix + d.Slug
		b.Name = d.Name + " (sandbox: app never healthy)"
		b.Description = "Sandbox-only twin of " + d.Slug + ": droplets boot but never pass health checks"
		b.Broken = true
		out = append(out, b)
	}
	return out
}

func catalogImages() []Image {
	return slices.Concat(distributionImages, applicationImages, brokenImages)
}

// lookupImage resolves a public image by numeric id or slug.
func lookupImage(ref string) (Image, bool) {
	id, err := strconv.Atoi(ref)
	for _, img := range catalogImages() {
		if (err == nil && img.ID == id) || (err != nil && img.Slug == ref) {
			return img, true
		}
	}
	return Image{}, false
}

// allRegionSlugs is where public images are available: everywhere.
func allRegionSlugs() []string {
	out := make([]string, len(regions))
	for i, r := range regions {
		out[i] = r.Slug
	}
	return out
}

// Wire shapes, exactly as DigitalOcean sends them (and godo decodes them).

type regionJSON struct {
	Name      string   `json:"name"`
	Slug      string   `json:"slug"`
	Features  []string `json:"features"`
	Available bool     `json:"available"`
	Sizes     []string `json:"sizes"`
}

func renderRegion(slug string) regionJSON {
	r, ok := lookupRegion(slug)
	if !ok {
		return regionJSON{Slug: slug, Features: []string{}, Sizes: []string{}}
	}
	return regionJSON{Name: r.Name, Slug: r.Slug, Features: r.Features, Available: r.Available, Sizes: regionSizes(r)}
}

type diskSizeJSON struct {
	Amount int    `json:"amount"`
	Unit   string `json:"unit"`
}

type diskInfoJSON struct {
	Type string       `json:"type"`
	Size diskSizeJSON `json:"size"`
}

func diskInfo(gb int) []diskInfoJSON {
	return []diskInfoJSON{{Type: "local", Size: diskSizeJSON{Amount: gb, Unit: "gib"}}}
}

type sizeJSON struct {
	Slug         string         `json:"slug"`
	Memory       int            `json:"memory"`
	Vcpus        int            `json:"vcpus"`
	Disk         int            `json:"disk"`
	Transfer     float64        `json:"transfer"`
	PriceMonthly float64        `json:"price_monthly"`
	PriceHourly  float64        `json:"price_hourly"`
	Regions      []string       `json:"regions"`
	Available    bool           `json:"available"`
	Description  string         `json:"description"`
	DiskInfo     []diskInfoJSON `json:"disk_info"`
}

func renderSize(s Size) sizeJSON {
	regs := s.Regions
	if regs == nil {
		regs = []string{}
	}
	return sizeJSON{
		Slug: s.Slug, Memory: s.Memory, Vcpus: s.Vcpus, Disk: s.Disk, Transfer: s.Transfer,
		PriceMonthly: s.PriceMonthly, PriceHourly: s.PriceHourly(), Regions: regs,
		Available: s.Available, Description: s.Description, DiskInfo: diskInfo(s.Disk),
	}
}

type imageJSON struct {
	ID            int      `json:"id"`
	Name          string   `json:"name"`
	Distribution  string   `json:"distribution"`
	Slug          *string  `json:"slug"` // null for snapshots and backups
	Public        bool     `json:"public"`
	Regions       []string `json:"regions"`
	CreatedAt     string   `json:"created_at"`
	MinDiskSize   int      `json:"min_disk_size"`
	Type          string   `json:"type"`
	SizeGigabytes float64  `json:"size_gigabytes"`
	Description   string   `json:"description"`
	Tags          []string `json:"tags"`
	Status        string   `json:"status"`
	ErrorMessage  string   `json:"error_message"`
}

func renderImage(img Image) imageJSON {
	slug := img.Slug
	return imageJSON{
		ID: img.ID, Name: img.Name, Distribution: img.Distribution, Slug: &slug, Public: true,
		Regions: allRegionSlugs(), CreatedAt: timestamp(img.CreatedAt), MinDiskSize: img.MinDiskSize,
		Type: img.Type, SizeGigabytes: img.SizeGigabytes, Description: img.Description,
		Tags: []string{}, Status: "available", ErrorMessage: "",
	}
}

// imageRef is what a droplet create or rebuild names as its image: a public
// image, or one of the account's snapshots or backups.
type imageRef struct {
	public   Image
	snapshot *Snapshot
}

func (r imageRef) id() int {
	if r.snapshot != nil {
		return r.snapshot.ID
	}
	return r.public.ID
}

func (r imageRef) minDiskSize() int {
	if r.snapshot != nil {
		return r.snapshot.MinDiskSize
	}
	return r.public.MinDiskSize
}

func (r imageRef) availableIn(region string) bool {
	return r.snapshot == nil || slices.Contains(r.snapshot.Regions, region)
}

// resolveImage finds an image by id or slug among the public catalog and the
// account's snapshots and backups.
func (w *World) resolveImage(ref string) (imageRef, bool) {
	if img, ok := lookupImage(ref); ok {
		return imageRef{public: img}, true
	}
	if id, err := strconv.Atoi(ref); err == nil {
		if s, ok := w.Snapshots[id]; ok {
			return imageRef{snapshot: s}, true
		}
	}
	return imageRef{}, false
}

// renderImageByID renders the image a droplet was created from; a snapshot
// deleted since still shows its id, as DigitalOcean keeps the reference.
func (w *World) renderImageByID(id int) imageJSON {
	if img, ok := lookupImage(strconv.Itoa(id)); ok {
		return renderImage(img)
	}
	if s, ok := w.Snapshots[id]; ok {
		return s.render()
	}
	return imageJSON{ID: id, Regions: []string{}, Tags: []string{}, Status: "deleted"}
}

func (s *Server) catalogRoutes() {
	s.handle("GET /v2/regions", func(c *call) (int, any) {
		out := make([]regionJSON, len(regions))
		for i, r := range regions {
			out[i] = renderRegion(r.Slug)
		}
		return http.StatusOK, listBody(c, "regions", out)
	})
	s.handle("GET /v2/sizes", func(c *call) (int, any) {
		out := make([]sizeJSON, len(sizes))
		for i, sz := range sizes {
			out[i] = renderSize(sz)
		}
		return http.StatusOK, listBody(c, "sizes", out)
	})
	s.handle("GET /v2/images", listImages)
	s.handle("GET /v2/images/{image}", func(c *call) (int, any) {
		ref, ok := c.w.resolveImage(c.r.PathValue("image"))
		if !ok {
			return http.StatusNotFound, errNotFound()
		}
		if ref.snapshot != nil {
			return http.StatusOK, map[string]any{"image": ref.snapshot.render()}
		}
		return http.StatusOK, map[string]any{"image": renderImage(ref.public)}
	})
}

// listImages serves GET /v2/images with DigitalOcean's filters: type
// (distribution|application), private=true (the account's snapshots and
// backups) and tag_name.
func listImages(c *call) (int, any) {
	q := c.r.URL.Query()
	typ, private, tag := q.Get("type"), q.Get("private") == "true", q.Get("tag_name")
	if typ != "" && typ != "distribution" && typ != "application" {
		return http.StatusUnprocessableEntity, errUnprocessable("type must be one of distribution, application; got %q", typ)
	}
	var out []imageJSON
	if !private && tag == "" {
		if typ != "application" {
			for _, img := range distributionImages {
				out = append(out, renderImage(img))
			}
		}
		if typ != "distribution" {
			for _, img := range applicationImages {
				out = append(out, renderImage(img))
			}
		}
	}
	if typ == "" {
		for _, snap := range c.w.snapshotsSorted() {
			if tag == "" || slices.Contains(snap.Tags, tag) {
				out = append(out, snap.render())
			}
		}
	}
	return http.StatusOK, listBody(c, "images", out)
}

// regionForCreate picks the region for a droplet: the one named, any
// available region starting with a prefix such as "nyc", or (none named) the
// first available region offering the size, as DigitalOcean may place a
// droplet anywhere when the region is omitted.
func regionForCreate(name string, size Size, image imageRef) (Region, *APIError) {
	if r, ok := lookupRegion(name); ok {
		if !r.Available {
			return Region{}, errUnprocessable("Region is not available")
		}
		return r, nil
	}
	if name != "" && !regionPrefixExists(name) {
		return Region{}, errUnprocessable("You specified an invalid region for Droplet creation.")
	}
	for _, r := range regions {
		if r.Available && strings.HasPrefix(r.Slug, name) && size.offeredIn(r.Slug) && image.availableIn(r.Slug) {
			return r, nil
		}
	}
	return Region{}, errUnprocessable("Region is not available")
}

func regionPrefixExists(prefix string) bool {
	for _, r := range regions {
		if strings.HasPrefix(r.Slug, prefix) && len(prefix) >= 3 {
			return true
		}
	}
	return false
}
