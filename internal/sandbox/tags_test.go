package sandbox

import (
	"encoding/json"
	"errors"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/digitalocean/godo"
)

// miscDroplets puts droplets straight into the world, active, with their
// tags created: the droplet endpoints are built elsewhere.
func miscDroplets(t *testing.T, e *testEnv, ds ...*Droplet) {
	t.Helper()
	err := e.srv.Mutate(func(w *World, now time.Time) error {
		for _, d := range ds {
			if d.Region == "" {
				d.Region = "nyc3"
			}
			if d.Name == "" {
				d.Name = "web-" + strconv.Itoa(d.ID)
			}
			d.Status, d.CreatedAt, d.ActiveAt = "active", now, now
			w.Droplets[d.ID] = d
			w.ensureTags(now, d.Tags)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// miscRaw sends a request through godo and decodes the raw JSON answer, to
// check fields godo's structs do not show (absent keys, nulls, extras).
func miscRaw(t *testing.T, e *testEnv, method, path string, body any) (map[string]any, error) {
	t.Helper()
	req, err := e.client.NewRequest(e.ctx, method, path, body)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	_, err = e.client.Do(e.ctx, req, &out)
	return out, err
}

// miscRestart closes a sandbox that persists to path and starts a new one
// reading the same file.
func miscRestart(t *testing.T, e *testEnv, path string) *testEnv {
	t.Helper()
	if err := e.srv.Close(); err != nil {
		t.Fatal(err)
	}
	return newTestEnv(t, func(o *Options) { o.StateFile = path })
}

// miscMessage asserts an error message names the problem.
func miscMessage(t *testing.T, er *godo.ErrorResponse, want string) {
	t.Helper()
	if !strings.Contains(er.Message, want) {
		t.Errorf("message %q does not mention %q", er.Message, want)
	}
}

func TestTagCreateGetListDelete(t *testing.T) {
	e := newTestEnv(t)
	tag, resp, err := e.client.Tags.Create(e.ctx, &godo.TagCreateRequest{Name: "env:prod"})
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusCreated || tag.Name != "env:prod" {
		t.Fatalf("create: %d %+v", resp.StatusCode, tag)
	}
	r := tag.Resources
	if r == nil || r.Count != 0 || r.Droplets == nil || r.Images == nil || r.Volumes == nil || r.VolumeSnapshots == nil || r.Databases == nil {
		t.Fatalf("resources %+v", r)
	}

	// Tag names are case stable: creating "ENV:PROD" answers the existing tag.
	again, resp, err := e.client.Tags.Create(e.ctx, &godo.TagCreateRequest{Name: "ENV:PROD"})
	if err != nil || resp.StatusCode != http.StatusCreated || again.Name != "env:prod" {
		t.Fatalf("create existing: %v %+v", err, again)
	}

	raw, err := miscRaw(t, e, http.MethodGet, "v2/tags/env:prod", nil)
	if err != nil {
		t.Fatal(err)
	}
	res := raw["tag"].(map[string]any)["resources"].(map[string]any)
	for _, kind := range []string{"droplets", "images", "volumes", "volume_snapshots", "databases"} {
		m, ok := res[kind].(map[string]any)
		if !ok || m["count"] != float64(0) {
			t.Errorf("resources.%s = %v, want {count: 0}", kind, res[kind])
		}
		if _, has := m["last_tagged_uri"]; has {
			t.Errorf("resources.%s has last_tagged_uri with nothing tagged", kind)
		}
	}

	for _, n := range []string{"b", "a", "c"} {
		if _, _, err := e.client.Tags.Create(e.ctx, &godo.TagCreateRequest{Name: n}); err != nil {
			t.Fatal(err)
		}
	}
	page, resp, err := e.client.Tags.List(e.ctx, &godo.ListOptions{Page: 1, PerPage: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(page) != 3 || page[0].Name != "a" || page[2].Name != "c" || resp.Meta.Total != 4 || resp.Links.IsLastPage() {
		t.Fatalf("page 1: %v total %d", page, resp.Meta.Total)
	}
	page, resp, err = e.client.Tags.List(e.ctx, &godo.ListOptions{Page: 2, PerPage: 3})
	if err != nil || len(page) != 1 || page[0].Name != "env:prod" || !resp.Links.IsLastPage() {
		t.Fatalf("page 2: %v %v", err, page)
	}

	if _, err := e.client.Tags.Delete(e.ctx, "env:prod"); err != nil {
		t.Fatal(err)
	}
	_, _, err = e.client.Tags.Get(e.ctx, "env:prod")
	e.apiError(err, http.StatusNotFound, "not_found")
	_, err = e.client.Tags.Delete(e.ctx, "env:prod")
	e.apiError(err, http.StatusNotFound, "not_found")
	// Paths use the canonical capitalisation.
	_, _, err = e.client.Tags.Get(e.ctx, "A")
	e.apiError(err, http.StatusNotFound, "not_found")
}

func TestTagNameValidation(t *testing.T) {
	cases := []struct {
		name, want string
	}{
		{"", `tag-name \"\" contains invalid characters`},
		{"has space", `tag-name \"has space\" contains invalid characters`},
		{"dotted.name", "contains invalid characters"},
		{"здорово", "contains invalid characters"},
		{strings.Repeat("a", 256), "longer than 255 characters"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t)
			_, _, err := e.client.Tags.Create(e.ctx, &godo.TagCreateRequest{Name: tc.name})
			// DigitalOcean answers invalid tag names with 400, not 422, in
			// its tag service's {error, messages, root_causes} shape, which
			// godo hands over raw.
			var er *godo.ErrorResponse
			if !errors.As(err, &er) || er.Response.StatusCode != http.StatusBadRequest {
				t.Fatalf("want a 400, got %v", err)
			}
			var body tagServiceErrorJSON
			if err := json.Unmarshal([]byte(er.Message), &body); err != nil {
				t.Fatalf("message %q is not the tag service's error body: %v", er.Message, err)
			}
			if !strings.Contains(body.Error, tc.want) || !strings.HasPrefix(body.Error, "Error validating resource tag") {
				t.Errorf("error %q does not mention %q", body.Error, tc.want)
			}
			if len(body.RootCauses) != 1 || body.RootCauses[0] != "rpc error: code = InvalidArgument desc = "+body.Error {
				t.Errorf("root causes %q", body.RootCauses)
			}
			if er.RequestID == "" {
				t.Error("no request id (godo reads the X-Request-Id header)")
			}
		})
	}
	e := newTestEnv(t)
	for _, ok := range []string{strings.Repeat("z", 255), "a:b_c-D9"} {
		if _, _, err := e.client.Tags.Create(e.ctx, &godo.TagCreateRequest{Name: ok}); err != nil {
			t.Errorf("valid name %q refused: %v", ok, err)
		}
	}
}

func TestTagResourceCountsFollowTagging(t *testing.T) {
	e := newTestEnv(t)
	miscDroplets(t, e, &Droplet{ID: 11}, &Droplet{ID: 12}, &Droplet{ID: 13, Tags: []string{"other"}})
	if _, _, err := e.client.Tags.Create(e.ctx, &godo.TagCreateRequest{Name: "web"}); err != nil {
		t.Fatal(err)
	}
	droplets := func(ids ...string) *godo.TagResourcesRequest {
		req := &godo.TagResourcesRequest{}
		for _, id := range ids {
			req.Resources = append(req.Resources, godo.Resource{ID: id, Type: godo.DropletResourceType})
		}
		return req
	}
	get := func() *godo.TaggedResources {
		t.Helper()
		tag, _, err := e.client.Tags.Get(e.ctx, "web")
		if err != nil {
			t.Fatal(err)
		}
		return tag.Resources
	}
	uri := func(id string) string { return e.http.URL + "/v2/droplets/" + id }

	resp, err := e.client.Tags.TagResources(e.ctx, "web", droplets("11", "12"))
	if err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("tag: %v", err)
	}
	r := get()
	if r.Count != 2 || r.Droplets.Count != 2 || r.Droplets.LastTaggedURI != uri("12") || r.LastTaggedURI != uri("12") {
		t.Fatalf("after tagging 11, 12: %+v %+v", r, r.Droplets)
	}
	if _, err := e.client.Tags.TagResources(e.ctx, "web", droplets("11")); err != nil {
		t.Fatal(err)
	}
	if r := get(); r.Count != 2 || r.Droplets.LastTaggedURI != uri("11") {
		t.Fatalf("retagging 11: %+v", r.Droplets)
	}
	if _, err := e.client.Tags.UntagResources(e.ctx, "web", &godo.UntagResourcesRequest{Resources: droplets("11").Resources}); err != nil {
		t.Fatal(err)
	}
	if r := get(); r.Count != 1 || r.Droplets.Count != 1 || r.Droplets.LastTaggedURI != uri("12") {
		t.Fatalf("after untagging 11: %+v", r.Droplets)
	}
	e.srv.Inspect(func(w *World) {
		if w.Droplets[11].hasTag("web") || !w.Droplets[12].hasTag("web") || !w.Droplets[13].hasTag("other") {
			t.Errorf("droplet tags: %v %v %v", w.Droplets[11].Tags, w.Droplets[12].Tags, w.Droplets[13].Tags)
		}
	})
	// A droplet created with the tag counts too.
	miscDroplets(t, e, &Droplet{ID: 14, Tags: []string{"web"}})
	if r := get(); r.Count != 2 {
		t.Fatalf("with a droplet created tagged: %+v", r)
	}
}

func TestTagResourcesErrors(t *testing.T) {
	cases := []struct {
		name      string
		tag       string
		resources []godo.Resource
		status    int
		id, want  string
	}{
		{"tag does not exist", "nope", []godo.Resource{{ID: "21", Type: "droplet"}}, 404, "not_found", "could not be found"},
		{"droplet does not exist", "web", []godo.Resource{{ID: "21", Type: "droplet"}, {ID: "999", Type: "droplet"}}, 404, "not_found", "could not be found"},
		{"droplet id not a number", "web", []godo.Resource{{ID: "abc", Type: "droplet"}}, 404, "not_found", "could not be found"},
		{"image does not exist", "web", []godo.Resource{{ID: "7555620", Type: "image"}}, 404, "not_found", "could not be found"},
		{"untaggable type", "web", []godo.Resource{{ID: "21", Type: "load_balancer"}}, 422, "unprocessable_entity", `"load_balancer" cannot be tagged`},
		{"no resources", "web", nil, 400, "parameter_missing", "param is missing or the value is empty: resources"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t)
			miscDroplets(t, e, &Droplet{ID: 21})
			if _, _, err := e.client.Tags.Create(e.ctx, &godo.TagCreateRequest{Name: "web"}); err != nil {
				t.Fatal(err)
			}
			_, err := e.client.Tags.TagResources(e.ctx, tc.tag, &godo.TagResourcesRequest{Resources: tc.resources})
			miscMessage(t, e.apiError(err, tc.status, tc.id), tc.want)
			_, err = e.client.Tags.UntagResources(e.ctx, tc.tag, &godo.UntagResourcesRequest{Resources: tc.resources})
			e.apiError(err, tc.status, tc.id)
			// A refused request changes nothing.
			e.srv.Inspect(func(w *World) {
				if len(w.Droplets[21].Tags) != 0 {
					t.Errorf("droplet 21 was tagged: %v", w.Droplets[21].Tags)
				}
			})
		})
	}
}

func TestDeleteTagUntagsDroplets(t *testing.T) {
	e := newTestEnv(t)
	miscDroplets(t, e, &Droplet{ID: 31, Tags: []string{"web", "keep"}}, &Droplet{ID: 32, Tags: []string{"web"}})
	if _, err := e.client.Tags.Delete(e.ctx, "web"); err != nil {
		t.Fatal(err)
	}
	e.srv.Inspect(func(w *World) {
		if got := w.Droplets[31].Tags; len(got) != 1 || got[0] != "keep" {
			t.Errorf("droplet 31 tags %v, want [keep]", got)
		}
		if got := w.Droplets[32].Tags; len(got) != 0 {
			t.Errorf("droplet 32 tags %v, want none", got)
		}
		if w.Tags["web"] != nil || w.Tags["keep"] == nil {
			t.Errorf("tags %v", w.Tags)
		}
	})
}

func TestTagsPersist(t *testing.T) {
	path := filepath.Join(t.TempDir(), "world.json")
	e := newTestEnv(t, func(o *Options) { o.StateFile = path })
	miscDroplets(t, e, &Droplet{ID: 41}, &Droplet{ID: 42})
	if _, _, err := e.client.Tags.Create(e.ctx, &godo.TagCreateRequest{Name: "kept"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.Tags.TagResources(e.ctx, "kept", &godo.TagResourcesRequest{Resources: []godo.Resource{{ID: "41", Type: "droplet"}}}); err != nil {
		t.Fatal(err)
	}
	e = miscRestart(t, e, path)
	tag, _, err := e.client.Tags.Get(e.ctx, "kept")
	if err != nil {
		t.Fatal(err)
	}
	if tag.Resources.Droplets.Count != 1 || !strings.HasSuffix(tag.Resources.Droplets.LastTaggedURI, "/v2/droplets/41") {
		t.Errorf("after restart: %+v", tag.Resources.Droplets)
	}
}
