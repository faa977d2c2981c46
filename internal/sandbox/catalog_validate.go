package sandbox

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
)

// Slug shapes: regions are letters then digits (nyc3, ric1); sizes and
// images are lowercase words joined by '-', '_' or '.' (so1_5-2vcpu-16gb).
var (
	regionSlugPattern  = regexp.MustCompile(`^[a-z]+[0-9]+$`)
	catalogSlugPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)
)

// maxCatalogProblems caps how many problems one error lists.
const maxCatalogProblems = 20

// catalogProblems collects what is wrong with a catalog, each problem
// naming the answer, the entry and the field ("sizes[3] (s-1vcpu-1gb):
// memory must be ...").
type catalogProblems struct{ list []string }

func (p *catalogProblems) add(entry, format string, args ...any) {
	p.list = append(p.list, entry+": "+fmt.Sprintf(format, args...))
}

func (p *catalogProblems) err() error {
	if len(p.list) == 0 {
		return nil
	}
	shown := p.list
	if len(shown) > maxCatalogProblems {
		shown = append(slices.Clone(shown[:maxCatalogProblems]), fmt.Sprintf("... and %d more", len(p.list)-maxCatalogProblems))
	}
	return errors.New(strings.Join(shown, "\n"))
}

func entry(kind string, i int, key string) string {
	if key == "" {
		return fmt.Sprintf("%s[%d]", kind, i)
	}
	return fmt.Sprintf("%s[%d] (%s)", kind, i, key)
}

// newCatalog checks a catalog and builds it: the built-in one and loaded
// ones alike. Broken twins are derived from the distributions; retired
// builds that clash with a listed image's id are dropped.
func newCatalog(regions []Region, sizes []Size, dists, apps, retiredBuilds []Image) (*Catalog, error) {
	var p catalogProblems
	checkRegions(&p, regions)
	slugs := make([]string, len(regions))
	for i, r := range regions {
		slugs[i] = r.Slug
	}
	checkSizes(&p, sizes, slugs)
	ids := map[int]string{}
	imageSlugs := map[string]string{}
	checkImages(&p, "images", dists, slugs, ids, imageSlugs)
	checkImages(&p, "applications", apps, slugs, ids, imageSlugs)
	if err := p.err(); err != nil {
		return nil, err
	}
	c := &Catalog{regions: regions, sizes: sizes, distributions: dists, applications: apps}
	c.unlisted = brokenTwins(dists, ids)
	c.unlisted = append(c.unlisted, canaryImages(dists, ids, brokenImageIDBase+len(c.unlisted))...)
	for _, img := range retiredBuilds {
		if _, clash := ids[img.ID]; !clash {
			c.unlisted = append(c.unlisted, img)
		}
	}
	return c, nil
}

func checkRegions(p *catalogProblems, regions []Region) {
	seen := map[string]int{}
	available := false
	for i, r := range regions {
		at := entry("regions", i, r.Slug)
		switch first, dup := seen[r.Slug]; {
		case !regionSlugPattern.MatchString(r.Slug):
			p.add(at, "slug %q is not a region slug (lowercase letters then digits, such as nyc3)", r.Slug)
		case dup:
			p.add(at, "slug %q is listed twice (also regions[%d])", r.Slug, first)
		default:
			seen[r.Slug] = i
		}
		if strings.TrimSpace(r.Name) == "" {
			p.add(at, "name is empty")
		}
		available = available || r.Available
	}
	if !available {
		p.add("regions", "no region is available: a catalog needs at least one region with \"available\": true")
	}
}

func checkSizes(p *catalogProblems, sizes []Size, regions []string) {
	seen := map[string]int{}
	offered := false
	for i, s := range sizes {
		at := entry("sizes", i, s.Slug)
		switch first, dup := seen[s.Slug]; {
		case !catalogSlugPattern.MatchString(s.Slug):
			p.add(at, "slug %q is not a size slug (lowercase letters, digits, '-', '_' and '.', such as s-1vcpu-1gb)", s.Slug)
		case dup:
			p.add(at, "slug %q is listed twice (also sizes[%d])", s.Slug, first)
		default:
			seen[s.Slug] = i
		}
		for _, f := range []struct {
			name, unit string
			value      int
		}{{"memory", "MiB", s.Memory}, {"vcpus", "vCPUs", s.Vcpus}, {"disk", "GB", s.Disk}} {
			if f.value <= 0 {
				p.add(at, "%s must be a positive number of %s; got %d", f.name, f.unit, f.value)
			}
		}
		for _, f := range []struct {
			name  string
			value float64
		}{{"transfer", s.Transfer}, {"price_monthly", s.PriceMonthly}, {"price_hourly", s.PriceHourly}} {
			if !(f.value >= 0) || math.IsInf(f.value, 0) {
				p.add(at, "%s must be 0 or more; got %v", f.name, f.value)
			}
		}
		checkRegionRefs(p, at, s.Regions, regions)
		offered = offered || (s.Available && len(s.Regions) > 0)
	}
	if !offered {
		p.add("sizes", "no size is available in any region: a catalog needs at least one size with \"available\": true and regions")
	}
}

// checkRegionRefs checks that a size or image names only catalog regions,
// each once.
func checkRegionRefs(p *catalogProblems, at string, refs, regions []string) {
	for j, r := range refs {
		switch {
		case !slices.Contains(regions, r):
			p.add(at, "regions[%d]: %q is not a region of the catalog (%s)", j, r, strings.Join(regions, ", "))
		case slices.Index(refs, r) != j:
			p.add(at, "regions[%d]: %q is listed twice", j, r)
		}
	}
}

// checkImages checks the images of one list; ids and slugs are shared
// between the lists, which must not reuse them.
func checkImages(p *catalogProblems, kind string, images []Image, regions []string, ids map[int]string, slugs map[string]string) {
	if kind == "images" && len(images) == 0 {
		p.add("images", "no distribution image: a catalog needs at least one")
	}
	for i, img := range images {
		at := entry(kind, i, img.Slug)
		if img.ID <= 0 {
			p.add(at, "id must be a positive number; got %d", img.ID)
		} else if other, dup := ids[img.ID]; dup {
			p.add(at, "id %d is also the id of %s", img.ID, other)
		} else {
			ids[img.ID] = at
		}
		switch other, dup := slugs[img.Slug]; {
		case !catalogSlugPattern.MatchString(img.Slug):
			p.add(at, "slug %q is not an image slug (lowercase letters, digits, '-', '_' and '.', such as ubuntu-24-04-x64)", img.Slug)
		case strings.HasPrefix(img.Slug, brokenImagePrefix):
			p.add(at, "slug %q starts with %q, which the sandbox keeps for its broken twins of distribution images", img.Slug, brokenImagePrefix)
		case strings.HasPrefix(img.Slug, canaryImagePrefix):
			p.add(at, "slug %q starts with %q, which the sandbox keeps for its canary images", img.Slug, canaryImagePrefix)
		case dup:
			p.add(at, "slug %q is also the slug of %s", img.Slug, other)
		default:
			slugs[img.Slug] = at
		}
		for _, f := range []struct{ name, value string }{{"name", img.Name}, {"distribution", img.Distribution}, {"type", img.Type}} {
			if strings.TrimSpace(f.value) == "" {
				p.add(at, "%s is empty", f.name)
			}
		}
		if img.MinDiskSize < 0 || !(img.SizeGigabytes >= 0) {
			p.add(at, "min_disk_size and size_gigabytes must be 0 or more; got %d and %v", img.MinDiskSize, img.SizeGigabytes)
		}
		if img.Regions != nil && len(img.Regions) == 0 {
			p.add(at, "regions is empty: the image would be in no region")
		}
		checkRegionRefs(p, at, img.Regions, regions)
	}
}

// brokenTwins derives the sandbox-only broken images. They are never listed
// by GET /v2/images (a real catalog has no such thing) but resolve by slug
// and id, so droplets can be created from them. Their ids skip any a loaded
// catalog uses.
func brokenTwins(dists []Image, ids map[int]string) []Image {
	out := make([]Image, 0, len(dists))
	id := brokenImageIDBase
	for _, d := range dists {
		for ids[id] != "" {
			id++
		}
		b := d
		b.ID = id
		b.Slug = brokenImagePrefix + d.Slug
		b.Name = d.Name + " (sandbox: app never healthy)"
		b.Description = "Sandbox-only twin of " + d.Slug + ": droplets boot but never pass health checks"
		b.Broken = true
		out = append(out, b)
		id++
	}
	return out
}
