package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"slices"
	"time"
)

// CatalogFileHelp is the --catalog documentation the sandbox's help prints.
const CatalogFileHelp = `Catalog file (--catalog FILE)
  The regions, sizes and distribution images the sandbox serves and checks
  creates against, as your own DigitalOcean account lists them, instead of
  the built-in catalog. Save the three answers, concatenated, with:

    export DIGITALOCEAN_TOKEN=...   # a read-only token is enough
    api=https://api.digitalocean.com/v2
    auth="Authorization: Bearer $DIGITALOCEAN_TOKEN"
    { curl -fsS -H "$auth" "$api/regions?per_page=200"
      curl -fsS -H "$auth" "$api/sizes?per_page=200"
      curl -fsS -H "$auth" "$api/images?type=distribution&per_page=200"
    } > catalog.json

  The file is either those answers one after the other, as saved above (an
  answer of more than one page may be saved page by page, &page=2 and on,
  all concatenated), or one object holding them:
    {"regions": <GET /v2/regions answer>, "sizes": <GET /v2/sizes answer>,
     "images": <GET /v2/images?type=distribution answer>}
  Regions, sizes and distribution images are replaced; 1-Click application
  images, the broken-<slug> twins of the distribution images and the
  canary-500-<n> images (twins of ubuntu-24-04-x64, else the first) remain.
  A file with a mistake is refused, naming the entry and field. (The
  scalable provider's own plan-time region check keeps its built-in list.)
`

// catalogAnswer is one GET answer as DigitalOcean sends it, or the wrapping
// object whose regions, sizes and images are whole answers.
type catalogAnswer struct {
	Regions json.RawMessage `json:"regions"`
	Sizes   json.RawMessage `json:"sizes"`
	Images  json.RawMessage `json:"images"`
	Links   struct {
		Pages struct {
			Next string `json:"next"`
		} `json:"pages"`
	} `json:"links"`
	Meta struct {
		Total *int `json:"total"`
	} `json:"meta"`
}

// catalogParts gathers the entries of each answer, page after page.
type catalogParts struct {
	regions, sizes, images []json.RawMessage
	seen                   map[string]bool
	totals                 map[string]int  // the largest meta.total seen
	more                   map[string]bool // the last page had links.pages.next
}

// LoadCatalogFile reads a catalog saved from a DigitalOcean account (see
// CatalogFileHelp) and checks it; errors name the file, the entry and the
// field.
func LoadCatalogFile(path string) (*Catalog, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	c, err := parseCatalog(data)
	if err != nil {
		return nil, fmt.Errorf("catalog %s:\n%w", path, err)
	}
	return c, nil
}

func parseCatalog(data []byte) (*Catalog, error) {
	parts := &catalogParts{seen: map[string]bool{}, totals: map[string]int{}, more: map[string]bool{}}
	dec := json.NewDecoder(bytes.NewReader(data))
	for n := 1; ; n++ {
		var a catalogAnswer
		err := dec.Decode(&a)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, jsonProblem(data, dec.InputOffset(), n, err)
		}
		if err := parts.add(a, fmt.Sprintf("value %d", n), false); err != nil {
			return nil, err
		}
	}
	if err := parts.complete(); err != nil {
		return nil, err
	}
	return parts.catalog()
}

// jsonProblem places a decoding error in the file.
func jsonProblem(data []byte, offset int64, n int, err error) error {
	var syntax *json.SyntaxError
	switch {
	case errors.As(err, &syntax) && syntax.Offset > 0:
		offset = syntax.Offset - 1 // the offending byte, just read
	case errors.Is(err, io.ErrUnexpectedEOF):
		offset, err = int64(len(data)), errors.New("the file ends inside a JSON value (cut short while saving?)")
	}
	line, col := 1, 1
	for _, b := range data[:min(int(offset), len(data))] {
		if b == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return fmt.Errorf("line %d, column %d (value %d): not a DigitalOcean answer: %v", line, col, n, err)
}

// add takes the answers an object holds: lists (an answer itself) or, at
// the top level, whole answers under "regions", "sizes" and "images".
func (p *catalogParts) add(a catalogAnswer, where string, nested bool) error {
	found := false
	for _, part := range []struct {
		name string
		raw  json.RawMessage
		into *[]json.RawMessage
	}{{"regions", a.Regions, &p.regions}, {"sizes", a.Sizes, &p.sizes}, {"images", a.Images, &p.images}} {
		raw := bytes.TrimSpace(part.raw)
		switch {
		case len(raw) == 0 || string(raw) == "null":
			continue
		case raw[0] == '[':
			if err := p.addList(part.name, raw, a, part.into); err != nil {
				return err
			}
		case raw[0] == '{' && !nested:
			var inner catalogAnswer
			if err := json.Unmarshal(raw, &inner); err != nil {
				return fmt.Errorf("%s: %q is not a DigitalOcean answer: %v", where, part.name, err)
			}
			if err := p.add(inner, where+" "+part.name, true); err != nil {
				return err
			}
		default:
			return fmt.Errorf("%s: %q must be the list of a GET /v2/%s answer (or, at the top level, the whole answer)", where, part.name, part.name)
		}
		found = true
	}
	if !found {
		return fmt.Errorf("%s: holds none of \"regions\", \"sizes\" and \"images\": save the GET /v2/regions, /v2/sizes and /v2/images?type=distribution answers", where)
	}
	return nil
}

// addList appends one page of entries, refusing a page that says more
// follow without them.
func (p *catalogParts) addList(name string, raw json.RawMessage, a catalogAnswer, into *[]json.RawMessage) error {
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return fmt.Errorf("%s: not a list of entries: %v", name, err)
	}
	*into = append(*into, items...)
	p.seen[name] = true
	if a.Meta.Total != nil {
		p.totals[name] = max(p.totals[name], *a.Meta.Total)
	}
	p.more[name] = a.Links.Pages.Next != ""
	return nil
}

// complete checks that all three answers are there, every page of them.
func (p *catalogParts) complete() error {
	for _, name := range []string{"regions", "sizes", "images"} {
		path := "/v2/" + name + "?per_page=200"
		if name == "images" {
			path = "/v2/images?type=distribution&per_page=200"
		}
		got := map[string]int{"regions": len(p.regions), "sizes": len(p.sizes), "images": len(p.images)}[name]
		switch total, ok := p.totals[name]; {
		case !p.seen[name]:
			return fmt.Errorf("no %q answer: save GET %s too", name, path)
		case ok && got < total:
			return fmt.Errorf("%s: the file holds %d of the %d entries the answer's meta.total counts: save every page of GET %s (&page=2 and on) and concatenate them", name, got, total, path)
		case !ok && p.more[name]:
			return fmt.Errorf("%s: the last page saved has a links.pages.next page: save every page of GET %s (&page=2 and on) and concatenate them", name, path)
		}
	}
	return nil
}

// catalog decodes the entries and builds the catalog from them.
func (p *catalogParts) catalog() (*Catalog, error) {
	var problems catalogProblems
	regions := decodeEntries(&problems, "regions", p.regions, regionFromJSON)
	sizes := decodeEntries(&problems, "sizes", p.sizes, sizeFromJSON)
	images := decodeEntries(&problems, "images", p.images, imageFromJSON)
	if err := problems.err(); err != nil {
		return nil, err
	}
	var apps []Image
	for _, a := range builtinApplications {
		if !slices.ContainsFunc(images, func(i Image) bool { return i.ID == a.ID || i.Slug == a.Slug }) {
			apps = append(apps, a)
		}
	}
	return newCatalog(regions, sizes, images, apps, retiredImages)
}

// decodeEntries decodes each entry of one answer; a problem names the entry
// by index and, when it has one, its slug.
func decodeEntries[W any, T any](p *catalogProblems, kind string, raw []json.RawMessage, convert func(W) (T, string, error)) []T {
	out := make([]T, 0, len(raw))
	for i, r := range raw {
		var w W
		if err := json.Unmarshal(r, &w); err != nil {
			var slug struct {
				Slug string `json:"slug"`
			}
			_ = json.Unmarshal(r, &slug)
			p.add(entry(kind, i, slug.Slug), "%s", fieldProblem(err))
			continue
		}
		v, slug, err := convert(w)
		if err != nil {
			p.add(entry(kind, i, slug), "%v", err)
			continue
		}
		out = append(out, v)
	}
	return out
}

// fieldProblem says which field has the wrong type.
func fieldProblem(err error) string {
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		return fmt.Sprintf("%s must be a JSON %s; got a %s", typ.Field, jsonKind(typ.Type.Kind()), typ.Value)
	}
	return err.Error()
}

// jsonKind names a Go kind as JSON calls it.
func jsonKind(k reflect.Kind) string {
	switch k {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Slice, reflect.Array:
		return "list"
	case reflect.Struct, reflect.Map:
		return "object"
	}
	return "number"
}

func regionFromJSON(r regionJSON) (Region, string, error) {
	return Region{Slug: r.Slug, Name: r.Name, Features: nonNilStrings(r.Features), Available: r.Available}, r.Slug, nil
}

func sizeFromJSON(s sizeJSON) (Size, string, error) {
	var gpu json.RawMessage
	if len(s.GPUInfo) > 0 && string(s.GPUInfo) != "null" {
		gpu = s.GPUInfo
	}
	return Size{
		Slug: s.Slug, Memory: s.Memory, Vcpus: s.Vcpus, Disk: s.Disk, Transfer: s.Transfer,
		PriceMonthly: s.PriceMonthly, PriceHourly: s.PriceHourly, Available: s.Available,
		Description: s.Description, Regions: nonNilStrings(s.Regions), NetworkingThroughput: s.NetworkingThroughput,
		DiskInfo: s.DiskInfo, GPUInfo: gpu,
	}, s.Slug, nil
}

func imageFromJSON(i imageJSON) (Image, string, error) {
	if i.Slug == nil {
		return Image{}, fmt.Sprintf("id %d", i.ID), errors.New("slug is null: only images with a slug belong in the catalog; save GET /v2/images?type=distribution, not the account's own images")
	}
	slug := *i.Slug
	if !i.Public {
		return Image{}, slug, errors.New("public is false: this is one of an account's own images; save GET /v2/images?type=distribution")
	}
	created, err := time.Parse(time.RFC3339, i.CreatedAt)
	if err != nil {
		return Image{}, slug, fmt.Errorf("created_at %q is not an RFC 3339 time such as 2026-09-29T03:12:58Z", i.CreatedAt)
	}
	status := i.Status
	if status == "" {
		status = "available"
	}
	return Image{
		ID: i.ID, Name: i.Name, Distribution: i.Distribution, Slug: slug, Type: i.Type,
		MinDiskSize: i.MinDiskSize, SizeGigabytes: i.SizeGigabytes, CreatedAt: created.UTC(),
		Description: i.Description, Regions: nonNilStrings(i.Regions), Status: status,
	}, slug, nil
}
