package sandbox

// Region is one DigitalOcean datacenter region. Unavailable regions are
// listed (as DigitalOcean lists them) but refuse new resources.
type Region struct {
	Slug      string   `json:"slug"`
	Name      string   `json:"name"`
	Features  []string `json:"features"`
	Available bool     `json:"available"`
}

var regionFeatures = []string{"backups", "ipv6", "metadata", "install_agent", "storage", "image_transfer"}

// regions is the region catalog, in DigitalOcean's listing order.
var regions = []Region{
	{Slug: "nyc1", Name: "New York 1", Features: regionFeatures, Available: true},
	{Slug: "nyc2", Name: "New York 2", Features: regionFeatures, Available: false},
	{Slug: "nyc3", Name: "New York 3", Features: regionFeatures, Available: true},
	{Slug: "ams2", Name: "Amsterdam 2", Features: regionFeatures, Available: false},
	{Slug: "ams3", Name: "Amsterdam 3", Features: regionFeatures, Available: true},
	{Slug: "sfo1", Name: "San Francisco 1", Features: regionFeatures, Available: false},
	{Slug: "sfo2", Name: "San Francisco 2", Features: regionFeatures, Available: true},
	{Slug: "sfo3", Name: "San Francisco 3", Features: regionFeatures, Available: true},
	{Slug: "sgp1", Name: "Singapore 1", Features: regionFeatures, Available: true},
	{Slug: "lon1", Name: "London 1", Features: regionFeatures, Available: true},
	{Slug: "fra1", Name: "Frankfurt 1", Features: regionFeatures, Available: true},
	{Slug: "tor1", Name: "Toronto 1", Features: regionFeatures, Available: true},
	{Slug: "blr1", Name: "Bangalore 1", Features: regionFeatures, Available: true},
	{Slug: "syd1", Name: "Sydney 1", Features: regionFeatures, Available: true},
	{Slug: "atl1", Name: "Atlanta 1", Features: regionFeatures, Available: true},
}

// lookupRegion finds a region by slug, available or not.
func lookupRegion(slug string) (Region, bool) {
	for _, r := range regions {
		if r.Slug == slug {
			return r, true
		}
	}
	return Region{}, false
}

func (s *Server) catalogRoutes() {}
