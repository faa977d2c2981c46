package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/digitalocean/godo"
)

// rawBody GETs path as curl would and returns the answer's bytes.
func (e *testEnv) rawBody(path string) []byte {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodGet, e.http.URL+path, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+e.wire.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		e.t.Fatalf("GET %s: %d %v", path, resp.StatusCode, err)
	}
	return body
}

// catalogPaths are the three answers CatalogFileHelp tells users to save.
var catalogPaths = []string{"/v2/regions?per_page=200", "/v2/sizes?per_page=200", "/v2/images?type=distribution&per_page=200"}

// savedCatalog saves e's catalog as the help's curl commands do: the three
// answers, concatenated.
func (e *testEnv) savedCatalog() []byte {
	var out bytes.Buffer
	for _, p := range catalogPaths {
		out.Write(e.rawBody(p))
	}
	return out.Bytes()
}

func writeCatalog(t *testing.T, content []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "catalog.json")
	if err := os.WriteFile(path, content, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// entries decodes the list of an answer, without its links (which name the
// server's address).
func entries(t *testing.T, body []byte) any {
	t.Helper()
	var a map[string]any
	if err := json.Unmarshal(body, &a); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"regions", "sizes", "images"} {
		if v, ok := a[k]; ok {
			return v
		}
	}
	t.Fatalf("no list in %s", body)
	return nil
}

// A catalog saved from the sandbox's own answers, loaded back, answers the
// same regions, sizes and images, byte for byte in every field.
func TestCatalogFileRoundTrip(t *testing.T) {
	saved := newTestEnv(t).savedCatalog()
	path := writeCatalog(t, saved)
	loaded := newTestEnv(t, func(o *Options) { o.CatalogFile = path })
	if again := loaded.savedCatalog(); bytes.Equal(again, saved) {
		return
	}
	orig := newTestEnv(t)
	for _, p := range catalogPaths {
		if want, got := entries(t, orig.rawBody(p)), entries(t, loaded.rawBody(p)); !reflect.DeepEqual(got, want) {
			t.Errorf("GET %s after the round trip differs:\n got %.600v\nwant %.600v", p, got, want)
		}
	}
	// The images' broken twins come back too.
	if _, _, err := loaded.client.Images.GetBySlug(loaded.ctx, "broken-ubuntu-26-04-x64"); err != nil {
		t.Errorf("broken twin after the round trip: %v", err)
	}
}

// realisticCatalog is a hand-written account catalog in the one-object
// form: a region the built-in catalog lacks (lax1), a GPU plan there, a
// plan DigitalOcean retired, and two images, one only in nyc3.
const realisticCatalog = `{
  "regions": {"regions": [
    {"name": "New York 3", "slug": "nyc3", "features": ["backups", "ipv6", "metadata", "install_agent", "storage", "image_transfer"], "available": true, "sizes": ["s-1vcpu-1gb"]},
    {"name": "San Francisco 1", "slug": "sfo1", "features": [], "available": false, "sizes": []},
    {"name": "Los Angeles 1", "slug": "lax1", "features": ["backups", "ipv6", "metadata", "install_agent", "storage"], "available": true, "sizes": ["s-1vcpu-1gb", "gpu-4000adax1-20gb"]}
  ], "links": {}, "meta": {"total": 3}},
  "sizes": {"sizes": [
    {"slug": "s-1vcpu-1gb", "memory": 1024, "vcpus": 1, "disk": 25, "transfer": 1.0, "price_monthly": 6, "price_hourly": 0.00893,
     "regions": ["lax1", "nyc3"], "available": true, "description": "Basic", "networking_throughput": 2000,
     "disk_info": [{"type": "local", "size": {"amount": 25, "unit": "gib"}}]},
    {"slug": "s-1vcpu-3gb", "memory": 3072, "vcpus": 1, "disk": 60, "transfer": 3.0, "price_monthly": 15, "price_hourly": 0.02232,
     "regions": [], "available": false, "description": "Basic"},
    {"slug": "gpu-4000adax1-20gb", "memory": 32768, "vcpus": 8, "disk": 500, "transfer": 10.0, "price_monthly": 565.44, "price_hourly": 0.76,
     "regions": ["lax1"], "available": true, "description": "RTX 4000 Ada GPU Droplet - 1X", "networking_throughput": 10000,
     "gpu_info": {"count": 1, "vram": {"amount": 20, "unit": "gib"}, "model": "nvidia_rtx_4000_ada"},
     "disk_info": [{"type": "local", "size": {"amount": 500, "unit": "gib"}}, {"type": "scratch", "size": {"amount": 1600, "unit": "gib"}}]}
  ], "links": {}, "meta": {"total": 3}},
  "images": {"images": [
    {"id": 247516813, "name": "24.04 (LTS) x64", "distribution": "Ubuntu", "slug": "ubuntu-24-04-x64", "public": true,
     "regions": ["nyc3", "lax1", "sfo1"], "created_at": "2026-09-29T03:12:58Z", "min_disk_size": 7, "type": "base",
     "size_gigabytes": 3.76, "description": "Ubuntu 24.04 (LTS) x64", "tags": [], "status": "available", "error_message": ""},
    {"id": 201436517, "name": "13 x64", "distribution": "Debian", "slug": "debian-13-x64", "public": true,
     "regions": ["nyc3"], "created_at": "2025-09-10T00:00:00Z", "min_disk_size": 7, "type": "base",
     "size_gigabytes": 1.41, "description": "Debian 13 x64", "tags": [], "status": "available", "error_message": ""}
  ], "links": {}, "meta": {"total": 2}}
}`

func TestCatalogFileServesTheAccountsCatalog(t *testing.T) {
	path := writeCatalog(t, []byte(realisticCatalog))
	e := newTestEnv(t, func(o *Options) { o.CatalogFile = path })

	req := dropletRequest("render-1")
	req.Region, req.Size = "lax1", "gpu-4000adax1-20gb"
	d := e.createDroplet(req)
	if d.Region.Slug != "lax1" || d.Region.Name != "Los Angeles 1" || d.Size.Slug != "gpu-4000adax1-20gb" || d.Size.PriceHourly != 0.76 || d.Memory != 32768 {
		t.Errorf("droplet in the file's region and size: %+v %+v", d.Region, d.Size)
	}
	sizes, _, err := e.client.Sizes.List(e.ctx, nil)
	if err != nil || len(sizes) != 3 || sizes[2].GPUInfo == nil || sizes[2].GPUInfo.VRAM.Amount != 20 || len(sizes[2].DiskInfo) != 2 {
		t.Errorf("sizes echo the file: %+v %v", sizes, err)
	}
	regions, _, err := e.client.Regions.List(e.ctx, nil)
	if err != nil || len(regions) != 3 || !reflect.DeepEqual(regions[2].Sizes, []string{"s-1vcpu-1gb", "gpu-4000adax1-20gb"}) {
		t.Errorf("regions: %+v %v", regions, err)
	}

	refusals := []struct {
		name string
		edit func(*godo.DropletCreateRequest)
		want string
	}{
		{"a built-in plan the account lacks", func(r *godo.DropletCreateRequest) { r.Size = "s-2vcpu-4gb" }, "You specified an invalid size for Droplet creation."},
		{"a plan the account lists as unavailable", func(r *godo.DropletCreateRequest) { r.Size = "s-1vcpu-3gb" }, "Size is not available in this region."},
		{"an image not in the region", func(r *godo.DropletCreateRequest) { r.Region, r.Image.Slug = "lax1", "debian-13-x64" }, "The image you specified is not available in the selected region"},
		{"a built-in image the account lacks", func(r *godo.DropletCreateRequest) { r.Image.Slug = "ubuntu-26-04-x64" }, "You specified an invalid image for Droplet creation."},
		{"a built-in region the account lacks", func(r *godo.DropletCreateRequest) { r.Region = "fra1" }, "You specified an invalid region for Droplet creation."},
	}
	for _, tc := range refusals {
		req := dropletRequest("web-1")
		tc.edit(req)
		_, _, err := e.client.Droplets.Create(e.ctx, req)
		if er := e.apiError(err, http.StatusUnprocessableEntity, "unprocessable_entity"); !strings.Contains(er.Message, tc.want) {
			t.Errorf("%s: message %q, want %q", tc.name, er.Message, tc.want)
		}
	}
	if _, _, err := e.client.Images.GetBySlug(e.ctx, "broken-debian-13-x64"); err != nil {
		t.Errorf("broken twin of the file's image: %v", err)
	}
	if apps, _, err := e.client.Images.ListApplication(e.ctx, nil); err != nil || len(apps) == 0 {
		t.Errorf("1-Click images stay: %v %v", apps, err)
	}
}

// replace returns the realistic catalog with one text replaced, failing
// the test if the text is not in it.
func replace(t *testing.T, old, new string) string {
	t.Helper()
	if !strings.Contains(realisticCatalog, old) {
		t.Fatalf("%q is not in the realistic catalog", old)
	}
	return strings.Replace(realisticCatalog, old, new, 1)
}

func TestCatalogFileMistakesAreRefusedClearly(t *testing.T) {
	cases := []struct {
		name    string
		content func(t *testing.T) string
		want    []string
	}{
		{"not JSON", func(*testing.T) string { return "{\n  \"regions\": [\n    {\"slug\": nyc3}\n" }, []string{"line 3, column 15", "not a DigitalOcean answer"}},
		{"cut short", func(*testing.T) string { return "{\"regions\": [\n" }, []string{"line 2, column 1", "ends inside a JSON value"}},
		{"a missing answer", func(*testing.T) string {
			return `{"regions": [{"slug": "nyc3", "name": "New York 3", "available": true}]}{"images": []}`
		}, []string{`no "sizes" answer`, "GET /v2/sizes?per_page=200"}},
		{"an answer of two pages saved as one", func(t *testing.T) string {
			return replace(t, `], "links": {}, "meta": {"total": 3}},
  "images"`, `], "links": {"pages": {"next": "https://api.digitalocean.com/v2/sizes?page=2&per_page=3"}}, "meta": {"total": 5}},
  "images"`)
		}, []string{"sizes: the file holds 3 of the 5 entries", "&page=2"}},
		{"something else", func(*testing.T) string { return `{"droplets": []}` }, []string{`holds none of "regions", "sizes" and "images"`}},
		{"a field of the wrong type", func(t *testing.T) string { return replace(t, `"memory": 1024`, `"memory": "1gb"`) },
			[]string{"sizes[0] (s-1vcpu-1gb): memory must be a JSON number; got a string"}},
		{"a size without memory", func(t *testing.T) string { return replace(t, `"memory": 32768`, `"memory": 0`) },
			[]string{"sizes[2] (gpu-4000adax1-20gb): memory must be a positive number of MiB; got 0"}},
		{"a size in a region the file lacks", func(t *testing.T) string {
			return replace(t, `"regions": ["lax1", "nyc3"]`, `"regions": ["lax1", "nyc9"]`)
		},
			[]string{`sizes[0] (s-1vcpu-1gb): regions[1]: "nyc9" is not a region of the catalog (nyc3, sfo1, lax1)`}},
		{"a region listed twice", func(t *testing.T) string { return replace(t, `"slug": "lax1"`, `"slug": "nyc3"`) },
			[]string{`regions[2] (nyc3): slug "nyc3" is listed twice (also regions[0])`}},
		{"an account snapshot among the images", func(t *testing.T) string {
			return replace(t, `"slug": "debian-13-x64", "public": true`, `"slug": null, "public": false`)
		},
			[]string{"images[1] (id 201436517): slug is null", "GET /v2/images?type=distribution"}},
		{"a bad date", func(t *testing.T) string { return replace(t, `"2025-09-10T00:00:00Z"`, `"10 Sept 2025"`) },
			[]string{`images[1] (debian-13-x64): created_at "10 Sept 2025" is not an RFC 3339 time`}},
		{"a slug the sandbox keeps", func(t *testing.T) string {
			return replace(t, `"slug": "debian-13-x64"`, `"slug": "broken-debian-13-x64"`)
		},
			[]string{`images[1] (broken-debian-13-x64): slug "broken-debian-13-x64" starts with "broken-"`}},
		{"two problems at once", func(t *testing.T) string {
			return strings.Replace(replace(t, `"vcpus": 8`, `"vcpus": 0`), `"price_monthly": 6,`, `"price_monthly": -6,`, 1)
		}, []string{"sizes[0] (s-1vcpu-1gb): price_monthly must be 0 or more; got -6", "sizes[2] (gpu-4000adax1-20gb): vcpus must be a positive number of vCPUs; got 0"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := writeCatalog(t, []byte(tc.content(t)))
			_, err := New(Options{CatalogFile: path})
			if err == nil {
				t.Fatal("the sandbox started with a bad catalog")
			}
			for _, want := range append([]string{"catalog " + path}, tc.want...) {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
		})
	}
}

// The CLI documents the file and refuses a bad one before listening.
func TestCLICatalogFlag(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"-h"}, &stdout, &stderr); code != 0 {
		t.Fatalf("-h exit %d", code)
	}
	for _, want := range []string{"-catalog", "Catalog file", `"$api/images?type=distribution&per_page=200"`, `{"regions": <GET /v2/regions answer>`} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("help lacks %q", want)
		}
	}
	stderr.Reset()
	path := writeCatalog(t, []byte(`{"regions": []}`))
	if code := run(context.Background(), []string{"--catalog", path}, &stdout, &stderr); code != 1 {
		t.Fatalf("bad catalog: exit %d, want 1", code)
	}
	if !strings.Contains(stderr.String(), "catalog "+path) || !strings.Contains(stderr.String(), `no "sizes" answer`) {
		t.Errorf("stderr %q", stderr.String())
	}
}
