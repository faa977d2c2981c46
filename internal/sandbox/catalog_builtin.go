package sandbox

import (
	"slices"
	"strings"
	"time"

	"github.com/scalable-tf/terraform-provider-scalable/internal/doapi"
)

// The built-in catalog: what DigitalOcean serves in late 2026, from public
// sources. Sources, by kind of figure:
//
//   - Regions, their names, order and availability: internal/doapi
//     (doctl compute region list as of 2025; ric1, mkc1 and mem1 from the
//     regions of DigitalOcean's public images in October 2026).
//   - Sizes: slugs, memory, vCPUs, disk, prices and listing order from
//     doctl compute size list (August 2025; basic prices unchanged in 2026
//     droplet answers). Transfer follows DigitalOcean's per-plan steps;
//     dedicated plans above 16 vCPUs and GPU plans are left out (the
//     sandbox's GPU-less twin; --catalog can add them).
//   - Which regions offer a size: 2024 and 2026 droplet answers (basic
//     plans in the twelve regions below, AMD plans not in sfo2, neither in
//     atl1, ric1, mkc1 or mem1); the dedicated-plan spread is the sandbox's
//     estimate.
//   - Images: slugs, names, distributions and min_disk_size from doctl
//     compute image list-distribution (August 2025) and 2026 image lists;
//     ids and build dates of ubuntu-24-04-x64 (October 2026) and of the
//     builds unchanged since 2025 are DigitalOcean's, those of images
//     released since (debian-13, fedora-43/44, centos-stream-10,
//     ubuntu-26-04) are the sandbox's. Distribution images are type "base"
//     in every DigitalOcean answer seen since 2023.

// basicRegions offer the Basic (shared CPU) plans.
var basicRegions = []string{"ams3", "blr1", "fra1", "lon1", "nyc1", "nyc2", "nyc3", "sfo2", "sfo3", "sgp1", "syd1", "tor1"}

var (
	amdRegions       = without(basicRegions, "sfo2")
	intelRegions     = basicRegions
	dedicatedRegions = sortedWith(without(basicRegions, "sfo2"), "atl1")
	storageRegions   = []string{"ams3", "blr1", "fra1", "lon1", "nyc1", "nyc3", "sfo3", "sgp1", "tor1"}
)

func without(list []string, drop string) []string {
	return slices.DeleteFunc(slices.Clone(list), func(s string) bool { return s == drop })
}

func sortedWith(list []string, add string) []string {
	out := append(slices.Clone(list), add)
	slices.Sort(out)
	return out
}

// regionFeatures are what every DigitalOcean region reports.
var regionFeatures = []string{"backups", "ipv6", "metadata", "install_agent", "storage", "image_transfer"}

func builtinRegions() []Region {
	out := make([]Region, len(doapi.Regions))
	for i, r := range doapi.Regions {
		out[i] = Region{Slug: r.Slug, Name: r.Name, Features: regionFeatures, Available: r.Available}
	}
	return out
}

// sizeRow is one plan of the built-in table: slug, memory (MiB), vCPUs,
// disk (GB), transfer (TB), monthly price (USD), description, regions.
type sizeRow struct {
	slug                string
	memory, vcpus, disk int
	transfer, monthly   float64
	description         string
	regions             []string
}

// premiumThroughput is the network limit of CPU-Optimized and General
// Purpose plans with Premium Intel CPUs (10 Gbps); other plans have 2 Gbps.
const (
	premiumThroughput  = 10000
	standardThroughput = 2000
)

func (r sizeRow) size() Size {
	throughput := standardThroughput
	if strings.HasSuffix(r.slug, "-intel") && (strings.HasPrefix(r.slug, "c") || strings.HasPrefix(r.slug, "g")) {
		throughput = premiumThroughput
	}
	return Size{
		Slug: r.slug, Memory: r.memory, Vcpus: r.vcpus, Disk: r.disk, Transfer: r.transfer,
		PriceMonthly: r.monthly, PriceHourly: hourlyPrice(r.monthly), Available: true,
		Description: r.description, Regions: r.regions, NetworkingThroughput: throughput,
	}
}

const (
	cpuOpt        = "CPU-Optimized"
	cpuOpt2x      = "CPU-Optimized 2x SSD"
	premiumIntel  = "Premium Intel"
	general       = "General Purpose"
	general2x     = "General Purpose 2x SSD"
	generalIntel  = "General Purpose — Premium Intel"
	general2xInt  = "General Purpose — Premium Intel 2x SSD"
	memOpt        = "Memory-Optimized"
	memOptIntel   = "Premium Memory-Optimized"
	memOpt3x      = "Memory-Optimized 3x SSD"
	memOpt3xIntel = "Premium Memory-Optimized 3x SSD"
	memOpt6x      = "Memory-Optimized 6x SSD"
	storOpt       = "Storage-Optimized"
	storOptIntel  = "Premium Storage-Optimized"
	storOpt15     = "Storage-Optimized 1.5x SSD"
	storOpt15Int  = "Premium Storage-Optimized 1.5x SSD"
)

// sizeRows are in DigitalOcean's listing order (by price).
var sizeRows = []sizeRow{
	{"s-1vcpu-512mb-10gb", 512, 1, 10, 0.5, 4, "Basic", basicRegions},
	{"s-1vcpu-1gb", 1024, 1, 25, 1, 6, "Basic", basicRegions},
	{"s-1vcpu-1gb-amd", 1024, 1, 25, 1, 7, "Basic AMD", amdRegions},
	{"s-1vcpu-1gb-intel", 1024, 1, 25, 1, 7, "Basic Intel", intelRegions},
	{"s-1vcpu-1gb-35gb-intel", 1024, 1, 35, 1, 8, "Basic Intel", intelRegions},
	{"s-1vcpu-2gb", 2048, 1, 50, 2, 12, "Basic", basicRegions},
	{"s-1vcpu-2gb-amd", 2048, 1, 50, 2, 14, "Basic AMD", amdRegions},
	{"s-1vcpu-2gb-intel", 2048, 1, 50, 2, 14, "Basic Intel", intelRegions},
	{"s-1vcpu-2gb-70gb-intel", 2048, 1, 70, 2, 16, "Basic Intel", intelRegions},
	{"s-2vcpu-2gb", 2048, 2, 60, 3, 18, "Basic", basicRegions},
	{"s-2vcpu-2gb-amd", 2048, 2, 60, 3, 21, "Basic AMD", amdRegions},
	{"s-2vcpu-2gb-intel", 2048, 2, 60, 3, 21, "Basic Intel", intelRegions},
	{"s-2vcpu-2gb-90gb-intel", 2048, 2, 90, 3, 24, "Basic Intel", intelRegions},
	{"s-2vcpu-4gb", 4096, 2, 80, 4, 24, "Basic", basicRegions},
	{"s-2vcpu-4gb-amd", 4096, 2, 80, 4, 28, "Basic AMD", amdRegions},
	{"s-2vcpu-4gb-intel", 4096, 2, 80, 4, 28, "Basic Intel", intelRegions},
	{"s-2vcpu-4gb-120gb-intel", 4096, 2, 120, 4, 32, "Basic Intel", intelRegions},
	{"s-2vcpu-8gb-amd", 8192, 2, 100, 5, 42, "Basic AMD", amdRegions},
	{"c-2", 4096, 2, 25, 4, 42, cpuOpt, dedicatedRegions},
	{"c2-2vcpu-4gb", 4096, 2, 50, 4, 47, cpuOpt2x, dedicatedRegions},
	{"s-2vcpu-8gb-160gb-intel", 8192, 2, 160, 5, 48, "Basic Intel", intelRegions},
	{"s-4vcpu-8gb", 8192, 4, 160, 5, 48, "Basic", basicRegions},
	{"s-4vcpu-8gb-amd", 8192, 4, 160, 5, 56, "Basic AMD", amdRegions},
	{"s-4vcpu-8gb-intel", 8192, 4, 160, 5, 56, "Basic Intel", intelRegions},
	{"g-2vcpu-8gb", 8192, 2, 25, 4, 63, general, dedicatedRegions},
	{"s-4vcpu-8gb-240gb-intel", 8192, 4, 240, 5, 64, "Basic Intel", intelRegions},
	{"gd-2vcpu-8gb", 8192, 2, 50, 4, 68, general2x, dedicatedRegions},
	{"g-2vcpu-8gb-intel", 8192, 2, 30, 4, 76, generalIntel, dedicatedRegions},
	{"gd-2vcpu-8gb-intel", 8192, 2, 60, 4, 79, general2xInt, dedicatedRegions},
	{"s-4vcpu-16gb-amd", 16384, 4, 200, 6, 84, "Basic AMD", amdRegions},
	{"m-2vcpu-16gb", 16384, 2, 50, 4, 84, memOpt, dedicatedRegions},
	{"c-4", 8192, 4, 50, 5, 84, cpuOpt, dedicatedRegions},
	{"c2-4vcpu-8gb", 8192, 4, 100, 5, 94, cpuOpt2x, dedicatedRegions},
	{"s-4vcpu-16gb-320gb-intel", 16384, 4, 320, 6, 96, "Basic Intel", intelRegions},
	{"s-8vcpu-16gb", 16384, 8, 320, 6, 96, "Basic", basicRegions},
	{"m-2vcpu-16gb-intel", 16384, 2, 50, 4, 99, memOptIntel, dedicatedRegions},
	{"m3-2vcpu-16gb", 16384, 2, 150, 4, 104, memOpt3x, dedicatedRegions},
	{"c-4-intel", 8192, 4, 50, 5, 109, premiumIntel, dedicatedRegions},
	{"m3-2vcpu-16gb-intel", 16384, 2, 150, 4, 110, memOpt3xIntel, dedicatedRegions},
	{"s-8vcpu-16gb-amd", 16384, 8, 320, 6, 112, "Basic AMD", amdRegions},
	{"s-8vcpu-16gb-intel", 16384, 8, 320, 6, 112, "Basic Intel", intelRegions},
	{"c2-4vcpu-8gb-intel", 8192, 4, 100, 5, 122, premiumIntel, dedicatedRegions},
	{"g-4vcpu-16gb", 16384, 4, 50, 5, 126, general, dedicatedRegions},
	{"s-8vcpu-16gb-480gb-intel", 16384, 8, 480, 6, 128, "Basic Intel", intelRegions},
	{"so-2vcpu-16gb-intel", 16384, 2, 300, 4, 131, storOptIntel, storageRegions},
	{"so-2vcpu-16gb", 16384, 2, 300, 4, 131, storOpt, storageRegions},
	{"m6-2vcpu-16gb", 16384, 2, 300, 4, 131, memOpt6x, dedicatedRegions},
	{"gd-4vcpu-16gb", 16384, 4, 100, 5, 136, general2x, dedicatedRegions},
	{"so1_5-2vcpu-16gb-intel", 16384, 2, 450, 4, 139, storOpt15Int, storageRegions},
	{"g-4vcpu-16gb-intel", 16384, 4, 60, 5, 151, generalIntel, dedicatedRegions},
	{"gd-4vcpu-16gb-intel", 16384, 4, 120, 5, 158, general2xInt, dedicatedRegions},
	{"so1_5-2vcpu-16gb", 16384, 2, 450, 4, 163, storOpt15, storageRegions},
	{"s-8vcpu-32gb-amd", 32768, 8, 400, 7, 168, "Basic AMD", amdRegions},
	{"m-4vcpu-32gb", 32768, 4, 100, 5, 168, memOpt, dedicatedRegions},
	{"c-8", 16384, 8, 100, 6, 168, cpuOpt, dedicatedRegions},
	{"c2-8vcpu-16gb", 16384, 8, 200, 6, 188, cpuOpt2x, dedicatedRegions},
	{"s-8vcpu-32gb-640gb-intel", 32768, 8, 640, 7, 192, "Basic Intel", intelRegions},
	{"m-4vcpu-32gb-intel", 32768, 4, 100, 5, 198, memOptIntel, dedicatedRegions},
	{"m3-4vcpu-32gb", 32768, 4, 300, 5, 208, memOpt3x, dedicatedRegions},
	{"c-8-intel", 16384, 8, 100, 6, 218, premiumIntel, dedicatedRegions},
	{"m3-4vcpu-32gb-intel", 32768, 4, 300, 5, 220, memOpt3xIntel, dedicatedRegions},
	{"c2-8vcpu-16gb-intel", 16384, 8, 200, 6, 244, premiumIntel, dedicatedRegions},
	{"g-8vcpu-32gb", 32768, 8, 100, 6, 252, general, dedicatedRegions},
	{"so-4vcpu-32gb-intel", 32768, 4, 600, 5, 262, storOptIntel, storageRegions},
	{"so-4vcpu-32gb", 32768, 4, 600, 5, 262, storOpt, storageRegions},
	{"m6-4vcpu-32gb", 32768, 4, 600, 5, 262, memOpt6x, dedicatedRegions},
	{"gd-8vcpu-32gb", 32768, 8, 200, 6, 272, general2x, dedicatedRegions},
	{"so1_5-4vcpu-32gb-intel", 32768, 4, 900, 5, 278, storOpt15Int, storageRegions},
	{"g-8vcpu-32gb-intel", 32768, 8, 120, 6, 302, generalIntel, dedicatedRegions},
	{"gd-8vcpu-32gb-intel", 32768, 8, 240, 6, 317, general2xInt, dedicatedRegions},
	{"so1_5-4vcpu-32gb", 32768, 4, 900, 5, 326, storOpt15, storageRegions},
	{"m-8vcpu-64gb", 65536, 8, 200, 6, 336, memOpt, dedicatedRegions},
	{"c-16", 32768, 16, 200, 7, 336, cpuOpt, dedicatedRegions},
	{"c2-16vcpu-32gb", 32768, 16, 400, 7, 376, cpuOpt2x, dedicatedRegions},
	{"m-8vcpu-64gb-intel", 65536, 8, 200, 6, 396, memOptIntel, dedicatedRegions},
	{"m3-8vcpu-64gb", 65536, 8, 600, 6, 416, memOpt3x, dedicatedRegions},
	{"c-16-intel", 32768, 16, 200, 7, 437, premiumIntel, dedicatedRegions},
	{"m3-8vcpu-64gb-intel", 65536, 8, 600, 6, 440, memOpt3xIntel, dedicatedRegions},
	{"c2-16vcpu-32gb-intel", 32768, 16, 400, 7, 489, premiumIntel, dedicatedRegions},
	{"g-16vcpu-64gb", 65536, 16, 200, 7, 504, general, dedicatedRegions},
	{"so-8vcpu-64gb-intel", 65536, 8, 1200, 6, 524, storOptIntel, storageRegions},
	{"so-8vcpu-64gb", 65536, 8, 1200, 6, 524, storOpt, storageRegions},
	{"m6-8vcpu-64gb", 65536, 8, 1200, 6, 524, memOpt6x, dedicatedRegions},
	{"gd-16vcpu-64gb", 65536, 16, 400, 7, 544, general2x, dedicatedRegions},
	{"so1_5-8vcpu-64gb-intel", 65536, 8, 1800, 6, 556, storOpt15Int, storageRegions},
	{"g-16vcpu-64gb-intel", 65536, 16, 240, 7, 605, generalIntel, dedicatedRegions},
	{"gd-16vcpu-64gb-intel", 65536, 16, 480, 7, 634, general2xInt, dedicatedRegions},
	{"so1_5-8vcpu-64gb", 65536, 8, 1800, 6, 652, storOpt15, storageRegions},
	{"m-16vcpu-128gb", 131072, 16, 400, 7, 672, memOpt, dedicatedRegions},
	{"m-16vcpu-128gb-intel", 131072, 16, 400, 7, 792, memOptIntel, dedicatedRegions},
	{"m3-16vcpu-128gb", 131072, 16, 1200, 7, 832, memOpt3x, dedicatedRegions},
	{"m3-16vcpu-128gb-intel", 131072, 16, 1200, 7, 880, memOpt3xIntel, dedicatedRegions},
	{"so-16vcpu-128gb-intel", 131072, 16, 2400, 7, 1048, storOptIntel, storageRegions},
	{"so-16vcpu-128gb", 131072, 16, 2400, 7, 1048, storOpt, storageRegions},
	{"m6-16vcpu-128gb", 131072, 16, 2400, 7, 1048, memOpt6x, dedicatedRegions},
	{"so1_5-16vcpu-128gb-intel", 131072, 16, 3600, 7, 1112, storOpt15Int, storageRegions},
	{"so1_5-16vcpu-128gb", 131072, 16, 3600, 7, 1304, storOpt15, storageRegions},
}

func builtinSizes() []Size {
	out := make([]Size, len(sizeRows))
	for i, r := range sizeRows {
		out[i] = r.size()
	}
	return out
}

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// distributionType is the type DigitalOcean gives its distribution images:
// "base" in every answer seen since 2023 (doctl compute image
// list-distribution, droplet image objects of 2024 and 2026), though the
// OpenAPI example (2020) and the official provider's data source test
// (unchanged since 2018) still say "snapshot".
const distributionType = "base"

// distro is a public distribution image of the built-in catalog.
func distro(id int, slug, distribution, name string, minDisk int, gb float64, created time.Time) Image {
	description := distribution + " " + name
	if strings.HasPrefix(name, distribution) {
		description = name
	}
	return Image{ID: id, Name: name, Distribution: distribution, Slug: slug, Type: distributionType, MinDiskSize: minDisk,
		SizeGigabytes: gb, CreatedAt: created, Description: description, Status: "available"}
}

// retired is a build DigitalOcean no longer offers, kept so droplets made
// from it (and sandbox state saved before it was retired) still show it.
func retired(img Image) Image {
	img.Retired = true
	return img
}

// builtinDistributions are in DigitalOcean's listing order (by id).
var builtinDistributions = []Image{
	distro(135509519, "rockylinux-9-x64", "Rocky Linux", "9 x64", 10, 1.18, day("2023-06-28")),
	distro(143033891, "rockylinux-8-x64", "Rocky Linux", "8 x64", 10, 1.12, day("2023-10-25")),
	distro(159651797, "ubuntu-22-04-x64", "Ubuntu", "22.04 (LTS) x64", 7, 2.37, day("2024-07-02")),
	distro(196174368, "almalinux-9-x64", "AlmaLinux", "AlmaLinux 9", 10, 1.16, day("2025-08-10")),
	distro(196493389, "almalinux-8-x64", "AlmaLinux", "AlmaLinux 8", 10, 1.09, day("2025-08-13")),
	distro(197014428, "almalinux-10-x64", "AlmaLinux", "AlmaLinux 10", 10, 1.21, day("2025-08-18")),
	distro(197131532, "centos-stream-9-x64", "CentOS", "9 Stream x64", 10, 1.29, day("2025-08-19")),
	distro(197216326, "rockylinux-10-x64", "Rocky Linux", "10 x64", 10, 1.24, day("2025-08-20")),
	distro(201436517, "debian-13-x64", "Debian", "13 x64", 7, 1.41, day("2025-09-10")),
	distro(208775120, "fedora-43-x64", "Fedora", "43 x64", 15, 1.08, day("2025-11-05")),
	distro(218390442, "centos-stream-10-x64", "CentOS", "10 Stream x64", 10, 1.33, day("2026-01-20")),
	distro(232148806, "ubuntu-26-04-x64", "Ubuntu", "26.04 (LTS) x64", 7, 3.91, day("2026-05-07")),
	distro(233012657, "fedora-44-x64", "Fedora", "44 x64", 15, 1.11, day("2026-05-12")),
	distro(247516813, "ubuntu-24-04-x64", "Ubuntu", "24.04 (LTS) x64", 7, 3.76, time.Date(2026, 9, 29, 3, 12, 58, 0, time.UTC)),
}

// builtinApplications are 1-Click apps: type "snapshot", as DigitalOcean
// shows them.
var builtinApplications = []Image{
	{ID: 172913108, Name: "Docker 25.0.3 on Ubuntu 22.04", Distribution: "Ubuntu", Slug: "docker-20-04", Type: "snapshot", Application: true, MinDiskSize: 25, SizeGigabytes: 3.72, CreatedAt: day("2024-11-28"), Description: "Docker on Ubuntu 22.04", Status: "available"},
	{ID: 172913131, Name: "LEMP on Ubuntu 22.04", Distribution: "Ubuntu", Slug: "lemp-20-04", Type: "snapshot", Application: true, MinDiskSize: 25, SizeGigabytes: 3.41, CreatedAt: day("2024-11-28"), Description: "LEMP (Linux, Nginx, MySQL, PHP) on Ubuntu 22.04", Status: "available"},
	{ID: 172913157, Name: "WordPress 6.7 on Ubuntu 22.04", Distribution: "Ubuntu", Slug: "wordpress-20-04", Type: "snapshot", Application: true, MinDiskSize: 25, SizeGigabytes: 4.05, CreatedAt: day("2024-11-28"), Description: "WordPress on Ubuntu 22.04", Status: "available"},
}

// retiredImages: ubuntu-20-04-x64 and debian-12-x64 (end of life; no longer
// in DigitalOcean's lists), and the builds the sandbox served before its
// 2026 catalog.
var retiredImages = []Image{
	retired(distro(179024206, "ubuntu-20-04-x64", "Ubuntu", "20.04 (LTS) x64", 7, 2.36, day("2025-01-22"))),
	retired(distro(168639140, "debian-12-x64", "Debian", "12 x64", 7, 1.31, day("2024-10-24"))),
	retired(distro(174690466, "ubuntu-24-04-x64", "Ubuntu", "24.04 (LTS) x64", 7, 2.48, day("2025-01-14"))),
	retired(distro(174690453, "ubuntu-22-04-x64", "Ubuntu", "22.04 (LTS) x64", 7, 2.37, day("2025-01-14"))),
	retired(distro(173786237, "debian-12-x64", "Debian", "12 x64", 7, 1.31, day("2024-12-18"))),
	retired(distro(173786231, "debian-11-x64", "Debian", "11 x64", 7, 1.17, day("2024-12-18"))),
	retired(distro(172318562, "fedora-41-x64", "Fedora", "41 x64", 7, 1.02, day("2024-11-05"))),
	retired(distro(173782315, "centos-stream-9-x64", "CentOS", "9 Stream x64", 10, 1.29, day("2024-12-17"))),
	retired(distro(173782322, "rockylinux-9-x64", "Rocky Linux", "9 x64", 10, 1.18, day("2024-12-17"))),
	retired(distro(173782340, "almalinux-9-x64", "AlmaLinux", "AlmaLinux 9", 10, 1.16, day("2024-12-17"))),
}

// builtinCatalog is checked like a loaded one when the package loads: a
// mistake in the tables above fails every test at once.
var builtinCatalog = func() *Catalog {
	c, err := newCatalog(builtinRegions(), builtinSizes(), builtinDistributions, builtinApplications, retiredImages)
	if err != nil {
		panic("sandbox: the built-in catalog is invalid: " + err.Error())
	}
	return c
}()
