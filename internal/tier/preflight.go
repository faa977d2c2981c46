package tier

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Problem is one bad reference found by Preflight: where it is, what was
// given, what is allowed and the closest allowed values.
type Problem struct {
	Path        Path // the attribute, as Terraform names it
	Code        ProblemCode
	Value       string   // the value as configured
	Message     string   // what is wrong, naming the value
	Allowed     string   // what is allowed there
	Suggestions []string // the closest allowed values, best first
}

// ProblemCode says what kind of problem it is; stable, for callers that
// treat some kinds differently and for tests.
type ProblemCode string

// The problems Preflight reports.
const (
	ProblemNotLowerCase       ProblemCode = "not_lower_case"
	ProblemUnknownRegion      ProblemCode = "unknown_region"
	ProblemRegionUnavailable  ProblemCode = "region_unavailable"
	ProblemUnknownSize        ProblemCode = "unknown_size"
	ProblemSizeUnavailable    ProblemCode = "size_unavailable"
	ProblemSizeNotInRegion    ProblemCode = "size_not_in_region"
	ProblemDiskTooSmall       ProblemCode = "disk_too_small"
	ProblemUnknownImage       ProblemCode = "unknown_image"
	ProblemImageUnavailable   ProblemCode = "image_unavailable"
	ProblemImageNotInRegion   ProblemCode = "image_not_in_region"
	ProblemUnknownSSHKey      ProblemCode = "unknown_ssh_key"
	ProblemUnknownVPC         ProblemCode = "unknown_vpc"
	ProblemVPCNotInRegion     ProblemCode = "vpc_not_in_region"
	ProblemUnknownCertificate ProblemCode = "unknown_certificate"
	ProblemCertificatePending ProblemCode = "certificate_pending"
	ProblemCertificateError   ProblemCode = "certificate_error"
	ProblemDropletLimit       ProblemCode = "droplet_limit"
	ProblemUnknownDomain      ProblemCode = "unknown_domain"
	ProblemUnknownProject     ProblemCode = "unknown_project"
	ProblemUnknownTag         ProblemCode = "unknown_tag"
)

var problemSummaries = map[ProblemCode]string{
	ProblemNotLowerCase:       "Slug not in lower case",
	ProblemUnknownRegion:      "Unknown region",
	ProblemRegionUnavailable:  "Region not available",
	ProblemUnknownSize:        "Unknown droplet size",
	ProblemSizeUnavailable:    "Droplet size not available",
	ProblemSizeNotInRegion:    "Droplet size not offered in the region",
	ProblemDiskTooSmall:       "Droplet size too small for the image",
	ProblemUnknownImage:       "Unknown image",
	ProblemImageUnavailable:   "Image not available",
	ProblemImageNotInRegion:   "Image not in the region",
	ProblemUnknownSSHKey:      "Unknown SSH key",
	ProblemUnknownVPC:         "Unknown VPC",
	ProblemVPCNotInRegion:     "VPC in another region",
	ProblemUnknownCertificate: "Unknown certificate",
	ProblemCertificatePending: "Certificate not issued yet",
	ProblemCertificateError:   "Certificate failed",
	ProblemDropletLimit:       "Droplet limit too low",
	ProblemUnknownDomain:      "Unknown domain",
	ProblemUnknownProject:     "Unknown project",
	ProblemUnknownTag:         "Unknown tag",
}

// Provisional reports a problem that may clear before the tier is built: a
// certificate named but not in the account yet (another resource of the
// same apply may create it, and its name is known before it exists) or
// still being issued, and likewise a domain or a firewall's tag not in the
// account yet. A plan-time check may report these as warnings; the
// check before the first write refuses them like any other.
func (p Problem) Provisional() bool {
	switch p.Code {
	case ProblemUnknownCertificate, ProblemCertificatePending, ProblemUnknownDomain, ProblemUnknownTag:
		return true
	}
	return false
}

// Summary is a short title for the problem (a diagnostic's summary).
func (p Problem) Summary() string { return problemSummaries[p.Code] }

// Detail says what is wrong, what is allowed and what was probably meant.
func (p Problem) Detail() string {
	msg := p.Message + "."
	if p.Allowed != "" {
		msg += " Allowed: " + p.Allowed + "."
	}
	if len(p.Suggestions) > 0 {
		msg += " Did you mean " + orList(p.Suggestions) + "?"
	}
	return msg
}

func (p Problem) String() string { return p.Path.String() + ": " + p.Detail() }

// PreflightError is an apply refused before its first write: every bad
// reference at once.
type PreflightError struct {
	Problems []Problem
}

func (e *PreflightError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = "  " + p.String()
	}
	return fmt.Sprintf("preflight found %d problem(s); nothing was created or changed:\n%s", len(e.Problems), strings.Join(lines, "\n"))
}

// Preflight checks every reference of spec against the catalog before
// anything is built, and returns every problem at once (nil when there is
// none). Each check runs only when its catalog part is loaded and its
// value is known: a path in unknown (or inside one, e.g. droplet.ssh_keys
// for all keys) is skipped, as are checks in the region when the region is
// unknown or bad. Problems come in a fixed order: region, vpc_uuid,
// droplet.size, droplet.image, the size's disk against the image,
// droplet.ssh_keys in list order, forwarding rules' certificates in rule
// order, domain.name, project_id, the firewall's tags, then the droplet
// limit. Like ComputePlan it is pure: fleet is the
// tier's observed fleet, used for the droplet limit.
func Preflight(spec Spec, cat Catalog, fleet Fleet, unknown ...Path) []Problem {
	c := &preflight{spec: spec, cat: cat, fleet: fleet, unknown: unknownSet(unknown)}
	c.checkRegion()
	c.checkVPC()
	c.checkSize()
	c.checkImage()
	c.checkDisk()
	c.checkSSHKeys()
	c.checkCertificates()
	c.checkDomain()
	c.checkProject()
	c.checkFirewallTags()
	c.checkDropletLimit()
	return c.problems
}

// preflight is one run of Preflight: what the checks found so far.
type preflight struct {
	spec     Spec
	cat      Catalog
	fleet    Fleet
	unknown  unknownSet
	problems []Problem

	region string        // the spec's region, once known to exist and be open
	size   *CatalogSize  // the spec's size, once known to be usable
	image  *CatalogImage // the spec's image, once known to be usable
}

func (c *preflight) add(p Problem) { c.problems = append(c.problems, p) }

// skip reports whether a check cannot run: its part is not loaded or its
// value is not known yet.
func (c *preflight) skip(part CatalogPart, p Path) bool {
	return !c.cat.Has(part) || c.unknown.has(p)
}

// notLowerCase reports a value that names something only in lower case.
func notLowerCase(p Path, v, what string, exists func(string) bool) (Problem, bool) {
	lower := strings.ToLower(v)
	if lower == v || !exists(lower) {
		return Problem{}, false
	}
	return Problem{
		Path: p, Code: ProblemNotLowerCase, Value: v,
		Message: fmt.Sprintf("%s %q is not in lower case: DigitalOcean slugs are", what, v),
		Allowed: "the lower-case slug", Suggestions: []string{lower},
	}, true
}

func (c *preflight) checkRegion() {
	if c.skip(PartRegions, pathRegion) {
		return
	}
	v := c.spec.Region
	var open []string
	for _, r := range c.cat.Regions {
		if r.Available {
			open = append(open, r.Slug)
		}
	}
	allowed := "one of " + strings.Join(open, ", ")
	i := slices.IndexFunc(c.cat.Regions, func(r CatalogRegion) bool { return r.Slug == v })
	switch {
	case i >= 0 && c.cat.Regions[i].Available:
		c.region = v
	case i >= 0:
		c.add(Problem{Path: pathRegion, Code: ProblemRegionUnavailable, Value: v,
			Message: fmt.Sprintf("region %q (%s) is closed to new resources", v, c.cat.Regions[i].Name),
			Allowed: allowed, Suggestions: closest(v, open)})
	default:
		if p, ok := notLowerCase(pathRegion, v, "region", func(s string) bool { return slices.Contains(open, s) }); ok {
			c.add(p)
			return
		}
		c.add(Problem{Path: pathRegion, Code: ProblemUnknownRegion, Value: v,
			Message: fmt.Sprintf("there is no region %q", v), Allowed: allowed, Suggestions: closest(v, open)})
	}
}

// sizesHere are the sizes droplets can have in the spec's region (every
// available size when the region is not known), in listing order.
func (c *preflight) sizesHere() []CatalogSize {
	var out []CatalogSize
	for _, s := range c.cat.Sizes {
		if s.Available && (c.region == "" || slices.Contains(s.Regions, c.region)) {
			out = append(out, s)
		}
	}
	return out
}

func sizeSlugs(sizes []CatalogSize) []string {
	out := make([]string, len(sizes))
	for i, s := range sizes {
		out[i] = s.Slug
	}
	return out
}

// here is " in <region>" when the region is known, for messages.
func (c *preflight) here() string {
	if c.region == "" {
		return ""
	}
	return " in " + c.region
}

func (c *preflight) checkSize() {
	if c.skip(PartSizes, pathSize) {
		return
	}
	v := c.spec.Droplet.Size
	offered := sizeSlugs(c.sizesHere())
	p := Problem{Path: pathSize, Value: v, Allowed: "a size offered" + c.here() + fmt.Sprintf(" (%d sizes)", len(offered)), Suggestions: closest(v, offered)}
	i := slices.IndexFunc(c.cat.Sizes, func(s CatalogSize) bool { return s.Slug == v })
	switch {
	case i < 0:
		if lc, ok := notLowerCase(pathSize, v, "size", func(s string) bool { return slices.Contains(offered, s) }); ok {
			c.add(lc)
			return
		}
		p.Code, p.Message = ProblemUnknownSize, fmt.Sprintf("there is no droplet size %q", v)
	case !c.cat.Sizes[i].Available:
		p.Code, p.Message = ProblemSizeUnavailable, fmt.Sprintf("droplet size %q is retired: no region offers it", v)
	case c.region != "" && !slices.Contains(c.cat.Sizes[i].Regions, c.region):
		p.Code = ProblemSizeNotInRegion
		p.Message = fmt.Sprintf("droplet size %q is not offered in %s (it is in %s)", v, c.region, orNone(c.cat.Sizes[i].Regions))
	default:
		s := c.cat.Sizes[i]
		c.size = &s
		return
	}
	c.add(p)
}

// findImage finds an image by numeric id or by slug, an available one
// first: a slug may have moved to a new build.
func (c *preflight) findImage(v string) (CatalogImage, bool) {
	id, err := strconv.Atoi(v)
	var found []CatalogImage
	for _, img := range c.cat.Images {
		if (err == nil && img.ID == id) || (err != nil && img.Slug == v) {
			found = append(found, img)
		}
	}
	if i := slices.IndexFunc(found, CatalogImage.Bootable); i >= 0 {
		return found[i], true
	}
	if len(found) > 0 {
		return found[0], true
	}
	return CatalogImage{}, false
}

// imagesHere are the images a droplet can boot in the spec's region: by
// slug, or (byID) the account's own images by id.
func (c *preflight) imagesHere(byID bool) []string {
	var out []string
	for _, img := range c.cat.Images {
		if !img.Bootable() || c.region != "" && !slices.Contains(img.Regions, c.region) {
			continue
		}
		switch {
		case byID && !img.Public:
			out = append(out, strconv.Itoa(img.ID))
		case !byID && img.Slug != "":
			out = append(out, img.Slug)
		}
	}
	return out
}

func (c *preflight) checkImage() {
	v := c.spec.Droplet.Image
	if v == "" || c.skip(PartImages, pathImage) {
		return
	}
	_, numeric := CatalogNeeds{Image: v}.ImageID()
	img, ok := c.findImage(v)
	p := Problem{Path: pathImage, Value: v}
	switch {
	case !ok:
		if lc, ok := notLowerCase(pathImage, v, "image", func(s string) bool { _, ok := c.findImage(s); return ok }); ok {
			c.add(lc)
			return
		}
		p.Code, p.Message = ProblemUnknownImage, fmt.Sprintf("there is no image %q", v)
		p.Suggestions = closest(v, c.imagesHere(numeric))
		p.Allowed = "an image slug (a distribution such as ubuntu-24-04-x64) or the numeric id of one of the account's snapshots or backups" + c.here()
		if numeric {
			p.Message = fmt.Sprintf("there is no image, snapshot or backup with id %s in the account", v)
			if ids := c.imagesHere(true); len(ids) > 0 && len(ids) <= listLimit {
				p.Allowed += ": " + strings.Join(ids, ", ")
			}
		}
	case !img.Bootable():
		p.Code, p.Message = ProblemImageUnavailable, fmt.Sprintf("image %q (%s) is %s: droplets cannot be created from it", v, img.Name, img.Status)
		p.Allowed, p.Suggestions = "an available image", closest(img.Slug, c.imagesHere(false))
	case c.region != "" && !slices.Contains(img.Regions, c.region):
		p.Code, p.Message = ProblemImageNotInRegion, fmt.Sprintf("image %q (%s) is not in %s; it is in %s", v, img.Name, c.region, orNone(img.Regions))
		p.Allowed = "an image in " + c.region
		if !img.Public {
			p.Allowed += " (snapshots and backups are regional: transfer it to " + c.region + " first)"
		}
	default:
		c.image = &img
		return
	}
	c.add(p)
}

// checkDisk compares the size's disk with what the image needs.
func (c *preflight) checkDisk() {
	if c.size == nil || c.image == nil || c.size.Disk >= c.image.MinDiskSize {
		return
	}
	need := c.image.MinDiskSize
	big := slices.DeleteFunc(c.sizesHere(), func(s CatalogSize) bool { return s.Disk < need })
	// Closest here is closest in disk: the smallest sizes that fit, in
	// listing (price) order among equals.
	slices.SortStableFunc(big, func(a, b CatalogSize) int { return a.Disk - b.Disk })
	fits := sizeSlugs(big[:min(len(big), maxSuggestions)])
	c.add(Problem{Path: pathSize, Code: ProblemDiskTooSmall, Value: c.size.Slug,
		Message:     fmt.Sprintf("droplet size %q has a %d GB disk; image %q needs at least %d GB", c.size.Slug, c.size.Disk, c.spec.Droplet.Image, need),
		Allowed:     fmt.Sprintf("a size%s with a disk of %d GB or more", c.here(), need),
		Suggestions: fits})
}

// orList joins values as `"a", "b" or "c"`.
func orList(vs []string) string {
	q := make([]string, len(vs))
	for i, v := range vs {
		q[i] = strconv.Quote(v)
	}
	if len(q) == 1 {
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}

// orNone joins region slugs, or says there are none.
func orNone(vs []string) string {
	if len(vs) == 0 {
		return "no region"
	}
	return strings.Join(vs, ", ")
}
