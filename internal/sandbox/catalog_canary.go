package sandbox

import (
	"fmt"
	"slices"
	"strconv"
)

// Canary images are sandbox-only, like the broken twins: a droplet booted
// from "canary-500-10" runs the base distribution's app and passes its
// health checks, but answers HTTP 500 to 10% of the other requests (every
// tenth, spread evenly: exactly n of each 100), so a canary that serves
// errors behind a healthy check can be caught by the load balancer's
// response metrics. They are never listed, resolve by slug and id, and
// their base is the catalog's ubuntu-24-04-x64 (else its first
// distribution).
const canaryImagePrefix = "canary-500-"

// CanaryErrorPercents are the shares of 500s the canary images serve.
var CanaryErrorPercents = []int{1, 5, 10, 25, 50}

// canaryImageBase is the distribution the canary images boot like.
const canaryImageBase = "ubuntu-24-04-x64"

// canaryImages derives the canary images from the distributions, numbered
// after id (the next free id past the broken twins).
func canaryImages(dists []Image, ids map[int]string, id int) []Image {
	if len(dists) == 0 {
		return nil
	}
	base := dists[0]
	if i := slices.IndexFunc(dists, func(d Image) bool { return d.Slug == canaryImageBase }); i >= 0 {
		base = dists[i]
	}
	out := make([]Image, 0, len(CanaryErrorPercents))
	for _, pct := range CanaryErrorPercents {
		for ids[id] != "" {
			id++
		}
		c := base
		c.ID = id
		c.Slug = canaryImagePrefix + strconv.Itoa(pct)
		c.Name = fmt.Sprintf("%s (sandbox: %d%% of requests answer 500)", base.Name, pct)
		c.Description = fmt.Sprintf("Sandbox-only twin of %s: health checks pass, %d%% of other requests answer 500", base.Slug, pct)
		c.ErrorPercent = pct
		out = append(out, c)
		id++
	}
	return out
}

// sandboxOnly reports an image the sandbox derives for rehearsals: a
// broken twin or a canary image.
func (img Image) sandboxOnly() bool { return img.Broken || img.ErrorPercent > 0 }

// errorPercentOf is the share of 500s a droplet booted from image id
// serves: its canary image's, 0 for any other (snapshots included).
func (w *World) errorPercentOf(imageID int) int {
	if img, ok := w.catalog.imageByID(imageID); ok {
		return img.ErrorPercent
	}
	return 0
}
