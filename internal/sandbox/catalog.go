package sandbox

import (
	"encoding/json"
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
	Slug      string
	Name      string
	Features  []string
	Available bool
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
	PriceHourly  float64 // USD
	Available    bool
	Description  string
	Regions      []string
	// NetworkingThroughput is the plan's network limit in Mbps.
	NetworkingThroughput int
	// DiskInfo and GPUInfo are echoed as a loaded catalog gave them; a nil
	// DiskInfo is one local disk of Disk GB.
	DiskInfo []diskInfoJSON
	GPUInfo  json.RawMessage
}

// hourlyPrice is DigitalOcean's hourly price of a droplet plan: the monthly
// price over 672 hours, to five decimals (s-1vcpu-1gb: 6.0 => 0.00893).
func hourlyPrice(monthly float64) float64 {
	return math.Round(monthly/672*1e5) / 1e5
}

// offeredIn reports whether a droplet of this size can be created in region.
func (s Size) offeredIn(region string) bool {
	return s.Available && slices.Contains(s.Regions, region)
}

// Image is a public image of the catalog: a distribution, a 1-Click
// application, a sandbox-only broken image, or a retired build that
// droplets created from it still show.
type Image struct {
	ID            int
	Name          string
	Distribution  string
	Slug          string
	Type          string // "base" for distributions, "snapshot" for 1-Click apps
	Application   bool
	MinDiskSize   int     // GB
	SizeGigabytes float64 // compressed image size
	CreatedAt     time.Time
	Description   string
	// Regions the image is in; nil means every region of the catalog.
	Regions []string
	// Status is "available" unless a loaded catalog says otherwise; only
	// available images can be booted.
	Status string
	// Broken marks a sandbox-only image: droplets booted from it run, but
	// their app never answers health checks (Droplet.FailsHealth).
	Broken bool
	// ErrorPercent marks a sandbox-only canary image: droplets booted
	// from it pass health checks but answer this share of the other
	// requests with 500 (catalog_canary.go).
	ErrorPercent int
	// Retired marks a build DigitalOcean no longer offers: it cannot be
	// named in a create, and droplets made from it show it without a slug.
	Retired bool
}

// brokenImagePrefix makes a sandbox-only twin of each distribution image:
// "broken-ubuntu-24-04-x64" boots like ubuntu-24-04-x64 but the droplet's
// app never passes a health check, so failed rollouts can be rehearsed.
const brokenImagePrefix = "broken-"

// brokenImageIDBase numbers the broken twins far above DigitalOcean's image
// ids (about 250 million in 2026) and the account's snapshot sequence.
const brokenImageIDBase = 990_000_001

// Catalog is what GET /v2/regions, /v2/sizes and /v2/images answer and what
// creates are checked against: the built-in one (catalog_builtin.go) or one
// loaded with --catalog (catalog_file.go). It never changes once built.
type Catalog struct {
	regions       []Region // listing order
	sizes         []Size   // listing order
	distributions []Image  // GET /v2/images?type=distribution
	applications  []Image  // GET /v2/images?type=application
	unlisted      []Image  // broken twins, canary images and retired builds
}

// region finds a region by slug, available or not.
func (c *Catalog) region(slug string) (Region, bool) {
	for _, r := range c.regions {
		if r.Slug == slug {
			return r, true
		}
	}
	return Region{}, false
}

// size finds a size by slug, available or not.
func (c *Catalog) size(slug string) (Size, bool) {
	for _, s := range c.sizes {
		if s.Slug == slug {
			return s, true
		}
	}
	return Size{}, false
}

func (c *Catalog) allImages() []Image {
	return slices.Concat(c.distributions, c.applications, c.unlisted)
}

// image resolves an image a create or GET /v2/images/{image} may name, by
// numeric id or slug: retired builds are not among them.
func (c *Catalog) image(ref string) (Image, bool) {
	id, err := strconv.Atoi(ref)
	for _, img := range c.allImages() {
		if !img.Retired && ((err == nil && img.ID == id) || (err != nil && img.Slug == ref)) {
			return img, true
		}
	}
	return Image{}, false
}

// imageByID finds any image of the catalog by id, retired builds included:
// droplets keep showing the image they were made from.
func (c *Catalog) imageByID(id int) (Image, bool) {
	for _, img := range c.allImages() {
		if img.ID == id {
			return img, true
		}
	}
	return Image{}, false
}

// maxImageID is the largest id of DigitalOcean's images in the catalog; the
// account's snapshots are numbered above it, in the same sequence.
func (c *Catalog) maxImageID() int {
	most := 0
	for _, img := range c.allImages() {
		if !img.sandboxOnly() {
			most = max(most, img.ID)
		}
	}
	return most
}

// regionSizes lists the slugs of the sizes a region offers; unavailable
// regions offer none.
func (c *Catalog) regionSizes(r Region) []string {
	out := []string{}
	if !r.Available {
		return out
	}
	for _, s := range c.sizes {
		if s.offeredIn(r.Slug) {
			out = append(out, s.Slug)
		}
	}
	return out
}

// imageRegions is where an image is: its own list, or (built-in images)
// every region, as DigitalOcean lists them: the region images are built
// in, nyc3, first, then the rest alphabetically.
func (c *Catalog) imageRegions(img Image) []string {
	if img.Regions != nil {
		return slices.Clone(img.Regions)
	}
	rest := []string{}
	first := []string{}
	for _, r := range c.regions {
		if r.Slug == "nyc3" {
			first = append(first, r.Slug)
		} else {
			rest = append(rest, r.Slug)
		}
	}
	slices.Sort(rest)
	return append(first, rest...)
}

// availableRegionSlugs lists the regions that accept new resources.
func (c *Catalog) availableRegionSlugs() []string {
	var out []string
	for _, r := range c.regions {
		if r.Available {
			out = append(out, r.Slug)
		}
	}
	return out
}

// Wire shapes, exactly as DigitalOcean sends them (and godo decodes them).
// A loaded catalog file is read back through the same shapes.

type regionJSON struct {
	Name      string   `json:"name"`
	Slug      string   `json:"slug"`
	Features  []string `json:"features"`
	Available bool     `json:"available"`
	Sizes     []string `json:"sizes"`
}

func (c *Catalog) renderRegion(slug string) regionJSON {
	r, ok := c.region(slug)
	if !ok {
		return regionJSON{Slug: slug, Features: []string{}, Sizes: []string{}}
	}
	return regionJSON{Name: r.Name, Slug: r.Slug, Features: nonNilStrings(r.Features), Available: r.Available, Sizes: c.regionSizes(r)}
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
	Slug                 string          `json:"slug"`
	Memory               int             `json:"memory"`
	Vcpus                int             `json:"vcpus"`
	Disk                 int             `json:"disk"`
	Transfer             float64         `json:"transfer"`
	PriceMonthly         float64         `json:"price_monthly"`
	PriceHourly          float64         `json:"price_hourly"`
	Regions              []string        `json:"regions"`
	Available            bool            `json:"available"`
	Description          string          `json:"description"`
	NetworkingThroughput int             `json:"networking_throughput"`
	DiskInfo             []diskInfoJSON  `json:"disk_info"`
	GPUInfo              json.RawMessage `json:"gpu_info,omitempty"`
}

func renderSize(s Size) sizeJSON {
	disks := s.DiskInfo
	if disks == nil {
		disks = diskInfo(s.Disk)
	}
	return sizeJSON{
		Slug: s.Slug, Memory: s.Memory, Vcpus: s.Vcpus, Disk: s.Disk, Transfer: s.Transfer,
		PriceMonthly: s.PriceMonthly, PriceHourly: s.PriceHourly, Regions: nonNilStrings(slices.Clone(s.Regions)),
		Available: s.Available, Description: s.Description, NetworkingThroughput: s.NetworkingThroughput,
		DiskInfo: disks, GPUInfo: s.GPUInfo,
	}
}

type imageJSON struct {
	ID            int      `json:"id"`
	Name          string   `json:"name"`
	Distribution  string   `json:"distribution"`
	Slug          *string  `json:"slug"` // null for snapshots, backups and retired builds
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

// renderImage is a public image as DigitalOcean shows it; a retired build
// has lost its slug, its regions and its public flag, and says so.
func (c *Catalog) renderImage(img Image) imageJSON {
	slug := img.Slug
	out := imageJSON{
		ID: img.ID, Name: img.Name, Distribution: img.Distribution, Slug: &slug, Public: true,
		Regions: c.imageRegions(img), CreatedAt: timestamp(img.CreatedAt), MinDiskSize: img.MinDiskSize,
		Type: img.Type, SizeGigabytes: img.SizeGigabytes, Description: img.Description,
		Tags: []string{}, Status: img.Status, ErrorMessage: "",
	}
	if img.Retired {
		out.Slug, out.Public, out.Regions, out.Status = nil, false, []string{}, "retired"
	}
	return out
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
	if r.snapshot != nil {
		return slices.Contains(r.snapshot.Regions, region)
	}
	return r.public.Regions == nil || slices.Contains(r.public.Regions, region)
}

// bootable reports whether droplets can be created from the image.
func (r imageRef) bootable() bool {
	return r.snapshot != nil || r.public.Status == "available"
}

// resolveImage finds an image by id or slug among the public catalog and the
// account's snapshots and backups.
func (w *World) resolveImage(ref string) (imageRef, bool) {
	if img, ok := w.catalog.image(ref); ok {
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
	if img, ok := w.catalog.imageByID(id); ok {
		return w.catalog.renderImage(img)
	}
	if s, ok := w.Snapshots[id]; ok {
		return s.render()
	}
	return imageJSON{ID: id, Regions: []string{}, Tags: []string{}, Status: "deleted"}
}

func (s *Server) catalogRoutes() {
	s.handle("GET /v2/regions", listRegions)
	s.handle("GET /v2/sizes", listSizes)
	s.handle("GET /v2/images", listImages)
	s.handle("GET /v2/images/{image}", getImage)
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
	cat := c.w.catalog
	var out []imageJSON
	if !private && tag == "" {
		if typ != "application" {
			for _, img := range cat.distributions {
				out = append(out, cat.renderImage(img))
			}
		}
		if typ != "distribution" {
			for _, img := range cat.applications {
				out = append(out, cat.renderImage(img))
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
func (c *Catalog) regionForCreate(name string, size Size, image imageRef) (Region, *APIError) {
	if r, ok := c.region(name); ok {
		if !r.Available {
			return Region{}, errUnprocessable("Region is not available")
		}
		return r, nil
	}
	if name != "" && !c.regionPrefixExists(name) {
		return Region{}, errUnprocessable("You specified an invalid region for Droplet creation.")
	}
	for _, r := range c.regions {
		if r.Available && strings.HasPrefix(r.Slug, name) && size.offeredIn(r.Slug) && image.availableIn(r.Slug) {
			return r, nil
		}
	}
	return Region{}, errUnprocessable("Region is not available")
}

func (c *Catalog) regionPrefixExists(prefix string) bool {
	for _, r := range c.regions {
		if strings.HasPrefix(r.Slug, prefix) && len(prefix) >= 3 {
			return true
		}
	}
	return false
}

// CatalogUnit is the sandbox's regions, sizes and the distribution and application images (the catalog itself is the server's, not persisted).
type CatalogUnit struct{}

func (*CatalogUnit) routes(s *Server) {
	s.catalogRoutes()
}

// listRegions serves GET /v2/regions.
func listRegions(c *call) (int, any) {
	cat := c.w.catalog
	out := make([]regionJSON, len(cat.regions))
	for i, r := range cat.regions {
		out[i] = cat.renderRegion(r.Slug)
	}
	return http.StatusOK, listBody(c, "regions", out)
}

// listSizes serves GET /v2/sizes.
func listSizes(c *call) (int, any) {
	out := make([]sizeJSON, len(c.w.catalog.sizes))
	for i, sz := range c.w.catalog.sizes {
		out[i] = renderSize(sz)
	}
	return http.StatusOK, listBody(c, "sizes", out)
}

// getImage serves GET /v2/images/{image}.
func getImage(c *call) (int, any) {
	ref, ok := c.w.resolveImage(c.r.PathValue("image"))
	if !ok {
		return http.StatusNotFound, errNotFound()
	}
	if ref.snapshot != nil {
		return http.StatusOK, map[string]any{"image": ref.snapshot.render()}
	}
	return http.StatusOK, map[string]any{"image": c.w.catalog.renderImage(ref.public)}
}
