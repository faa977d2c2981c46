package sandbox

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/digitalocean/godo"
)

func (e *testEnv) createProject(name string) *godo.Project {
	e.t.Helper()
	p, resp, err := e.client.Projects.Create(e.ctx, &godo.CreateProjectRequest{Name: name, Purpose: "Web Application", Environment: "Production"})
	if err != nil {
		e.t.Fatalf("create project %s: %v", name, err)
	}
	if resp.StatusCode != http.StatusCreated {
		e.t.Errorf("create project answered %d, want 201", resp.StatusCode)
	}
	return p
}

// projectURNs lists a project's resources through godo, every page.
func (e *testEnv) projectURNs(id string) []string {
	e.t.Helper()
	var out []string
	opt := &godo.ListOptions{Page: 1, PerPage: 2}
	for {
		rs, resp, err := e.client.Projects.ListResources(e.ctx, id, opt)
		if err != nil {
			e.t.Fatalf("list resources of project %s: %v", id, err)
		}
		for _, r := range rs {
			out = append(out, r.URN)
		}
		if resp.Links == nil || resp.Links.IsLastPage() {
			return out
		}
		opt.Page++
	}
}

func TestProjectsDefaultProjectIsTheAccounts(t *testing.T) {
	e := newTestEnv(t)
	p, _, err := e.client.Projects.GetDefault(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	var id, account string
	e.srv.Inspect(func(w *World) { id, account = w.defaultProjectID(), w.Account.UUID })
	if p.ID != id || !p.IsDefault || p.Name != "Default" || p.OwnerUUID != account || p.OwnerID == 0 ||
		p.Environment != "Development" || p.Purpose != "Just trying out DigitalOcean" || p.CreatedAt != timestamp(testEpoch) {
		t.Errorf("default project %+v (want id %s, owner %s)", p, id, account)
	}
	byID, _, err := e.client.Projects.Get(e.ctx, id)
	if err != nil || *byID != *p {
		t.Errorf("GET by id: %+v, %v", byID, err)
	}
	list, resp, err := e.client.Projects.List(e.ctx, nil)
	if err != nil || len(list) != 1 || list[0] != *p || resp.Meta.Total != 1 {
		t.Errorf("list: %+v, %v", list, err)
	}
	// Default project survives a reset with the same id.
	e.srv.Reset()
	again, _, err := e.client.Projects.GetDefault(e.ctx)
	if err != nil || again.ID != id {
		t.Errorf("after reset: %+v, %v", again, err)
	}
}

func TestProjectsCreateNormalisesAndValidates(t *testing.T) {
	e := newTestEnv(t)
	p, _, err := e.client.Projects.Create(e.ctx, &godo.CreateProjectRequest{
		Name: "hits", Description: "the hits app", Purpose: "my side business", Environment: "production"})
	if err != nil {
		t.Fatal(err)
	}
	if p.Purpose != "Other: my side business" || p.Environment != "Production" || p.IsDefault ||
		p.Description != "the hits app" || p.CreatedAt != timestamp(testEpoch) || p.UpdatedAt != p.CreatedAt {
		t.Errorf("created %+v", p)
	}
	cases := []struct {
		name string
		req  godo.CreateProjectRequest
		want string
	}{
		{"no name", godo.CreateProjectRequest{Purpose: "IoT"}, "name is required"},
		{"no purpose", godo.CreateProjectRequest{Name: "a"}, "purpose is required"},
		{"taken name", godo.CreateProjectRequest{Name: "hits", Purpose: "IoT"}, `name "hits" is already used`},
		{"long name", godo.CreateProjectRequest{Name: strings.Repeat("n", 176), Purpose: "IoT"}, "at most 175 characters"},
		{"long description", godo.CreateProjectRequest{Name: "b", Purpose: "IoT", Description: strings.Repeat("d", 256)}, "at most 255"},
		{"bad environment", godo.CreateProjectRequest{Name: "c", Purpose: "IoT", Environment: "qa"}, "Development, Staging, Production"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := e.client.Projects.Create(e.ctx, &tc.req)
			er := e.apiError(err, http.StatusUnprocessableEntity, "unprocessable_entity")
			if !strings.Contains(er.Message, tc.want) {
				t.Errorf("message %q, want %q", er.Message, tc.want)
			}
		})
	}
}

func TestProjectsPatchAndPut(t *testing.T) {
	e := newTestEnv(t)
	p := e.createProject("hits")
	e.advance(time.Minute)
	got, _, err := e.client.Projects.Update(e.ctx, p.ID, &godo.UpdateProjectRequest{Name: "hits-prod"})
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "hits-prod" || got.Environment != "Production" || got.Purpose != "Web Application" ||
		got.CreatedAt != p.CreatedAt || got.UpdatedAt == p.UpdatedAt {
		t.Errorf("patched %+v", got)
	}
	// godo sends every field of UpdateProjectRequest it is given a string
	// for, as the official provider does: an empty environment clears it.
	got, _, err = e.client.Projects.Update(e.ctx, p.ID, &godo.UpdateProjectRequest{Environment: "", Purpose: "Service or API"})
	if err != nil || got.Environment != "" || got.Purpose != "Service or API" {
		t.Errorf("patched %+v, %v", got, err)
	}
	_, _, err = e.client.Projects.Update(e.ctx, p.ID, &godo.UpdateProjectRequest{})
	e.apiError(err, http.StatusUnprocessableEntity, "unprocessable_entity")

	// PUT replaces the whole project and wants every attribute.
	put := func(body map[string]any) (*godo.Project, error) {
		req, err := e.client.NewRequest(e.ctx, http.MethodPut, "/v2/projects/"+p.ID, body)
		if err != nil {
			t.Fatal(err)
		}
		var root struct{ Project *godo.Project }
		_, err = e.client.Do(e.ctx, req, &root)
		return root.Project, err
	}
	_, err = put(map[string]any{"name": "x"})
	if er := e.apiError(err, http.StatusUnprocessableEntity, "unprocessable_entity"); !strings.Contains(er.Message, "is required") {
		t.Errorf("partial PUT: %q", er.Message)
	}
	got, err = put(map[string]any{"name": "hits", "description": "d", "purpose": "IoT", "environment": "staging", "is_default": false})
	if err != nil || got.Name != "hits" || got.Description != "d" || got.Environment != "Staging" || got.IsDefault {
		t.Errorf("PUT: %+v, %v", got, err)
	}
	_, _, err = e.client.Projects.Update(e.ctx, "d4b5c1e2-0000-4000-8000-000000000000", &godo.UpdateProjectRequest{Name: "n"})
	e.apiError(err, http.StatusNotFound, "not_found")
}

func TestProjectsDefaultRoleMovesAndObjectsStay(t *testing.T) {
	e := newTestEnv(t)
	old, _, _ := e.client.Projects.GetDefault(e.ctx)
	before := e.createDroplet(dropletRequest("before"))
	p := e.createProject("hits")
	if _, _, err := e.client.Projects.Update(e.ctx, p.ID, &godo.UpdateProjectRequest{IsDefault: true}); err != nil {
		t.Fatal(err)
	}
	now, _, _ := e.client.Projects.GetDefault(e.ctx)
	prev, _, _ := e.client.Projects.Get(e.ctx, old.ID)
	if now.ID != p.ID || !now.IsDefault || prev.IsDefault {
		t.Fatalf("default is %s (%v), old default %v", now.ID, now.IsDefault, prev.IsDefault)
	}
	after := e.createDroplet(dropletRequest("after"))
	if got := e.projectURNs(old.ID); !slices.Equal(got, []string{before.URN()}) {
		t.Errorf("old default holds %v, want the droplet made before the move", got)
	}
	if got := e.projectURNs("default"); !slices.Equal(got, []string{after.URN()}) {
		t.Errorf("new default holds %v, want the droplet made after", got)
	}
	// The default project cannot drop the role, nor be deleted.
	_, _, err := e.client.Projects.Update(e.ctx, p.ID, &godo.UpdateProjectRequest{IsDefault: false})
	e.apiError(err, http.StatusUnprocessableEntity, "unprocessable_entity")
	_, err = e.client.Projects.Delete(e.ctx, "default")
	e.apiError(err, http.StatusUnprocessableEntity, "unprocessable_entity")
}

func TestProjectsDeleteOnlyEmpty(t *testing.T) {
	e := newTestEnv(t)
	p := e.createProject("hits")
	d := e.createDroplet(dropletRequest("web-1"))
	if _, _, err := e.client.Projects.AssignResources(e.ctx, p.ID, d); err != nil {
		t.Fatal(err)
	}
	_, err := e.client.Projects.Delete(e.ctx, p.ID)
	er := e.apiError(err, http.StatusPreconditionFailed, "precondition_failed")
	if er.Message != "cannot delete a project with resources. move or remove the resources first" {
		t.Errorf("message %q", er.Message)
	}
	// A deleted droplet leaves its project; then the project can go.
	if _, err := e.client.Droplets.Delete(e.ctx, d.ID); err != nil {
		t.Fatal(err)
	}
	if got := e.projectURNs(p.ID); len(got) != 0 {
		t.Errorf("project still holds %v after the droplet's deletion", got)
	}
	if resp, err := e.client.Projects.Delete(e.ctx, p.ID); err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("delete empty project: %v", err)
	}
	_, _, err = e.client.Projects.Get(e.ctx, p.ID)
	e.apiError(err, http.StatusNotFound, "not_found")
}

func TestProjectResourcesAssignAndList(t *testing.T) {
	e := newTestEnv(t)
	p := e.createProject("hits")
	d1 := e.createDroplet(dropletRequest("web-1"))
	e.advance(time.Minute)
	d2 := e.createDroplet(dropletRequest("web-2"))
	lb := e.createLB(minimalLB())
	if got := e.projectURNs("default"); !slices.Equal(got, []string{d1.URN(), d2.URN(), lb.URN()}) {
		t.Fatalf("default project holds %v", got)
	}
	e.advance(time.Minute)
	res, _, err := e.client.Projects.AssignResources(e.ctx, p.ID, d2, lb.URN(), "do:droplet:999999999")
	if err != nil {
		t.Fatal(err)
	}
	wantStatus := []string{"assigned", "assigned", "not_found"}
	for i, r := range res {
		if r.Status != wantStatus[i] {
			t.Errorf("%s: status %q, want %q", r.URN, r.Status, wantStatus[i])
		}
	}
	if res[0].Links == nil || res[0].Links.Self != e.http.URL+"/v2/droplets/"+strconv.Itoa(d2.ID) ||
		res[1].Links.Self != e.http.URL+"/v2/load_balancers/"+lb.ID || res[0].AssignedAt != timestamp(e.clock.Now()) {
		t.Errorf("assigned answers %+v %+v", res[0], res[1])
	}
	if got := e.projectURNs(p.ID); !slices.Equal(got, []string{d2.URN(), lb.URN()}) {
		t.Errorf("project holds %v", got)
	}
	if got := e.projectURNs("default"); !slices.Equal(got, []string{d1.URN()}) {
		t.Errorf("default holds %v", got)
	}
	list, _, _ := e.client.Projects.ListResources(e.ctx, "default", nil)
	if len(list) != 1 || list[0].Status != "ok" || list[0].AssignedAt != timestamp(testEpoch) {
		t.Errorf("default resources %+v (an object never moved dates from its creation)", list)
	}
	again, _, err := e.client.Projects.AssignResources(e.ctx, p.ID, d2.URN())
	if err != nil || again[0].Status != "already_assigned" {
		t.Errorf("assign again: %+v, %v", again, err)
	}
	// Moving back to the default project is how an object leaves.
	if _, _, err := e.client.Projects.AssignResources(e.ctx, "default", d2.URN()); err != nil {
		t.Fatal(err)
	}
	if got := e.projectURNs(p.ID); !slices.Equal(got, []string{lb.URN()}) {
		t.Errorf("project holds %v after moving the droplet back", got)
	}
}

func TestProjectResourcesRefuseBadURNs(t *testing.T) {
	e := newTestEnv(t)
	p := e.createProject("hits")
	d := e.createDroplet(dropletRequest("web-1"))
	for _, urn := range []string{"droplet:1", "do:droplet", "do::1", "urn:droplet:1", "do:firewall:0f1e"} {
		_, _, err := e.client.Projects.AssignResources(e.ctx, p.ID, d.URN(), urn)
		e.apiError(err, http.StatusBadRequest, "bad_request")
	}
	// Nothing moved: URNs are checked before any assignment.
	if got := e.projectURNs(p.ID); len(got) != 0 {
		t.Errorf("project holds %v after refused assignments", got)
	}
	_, _, err := e.client.Projects.AssignResources(e.ctx, "6d8e0a3c-0000-4000-8000-000000000000", d.URN())
	e.apiError(err, http.StatusNotFound, "not_found")
	_, _, err = e.client.Projects.ListResources(e.ctx, "6d8e0a3c-0000-4000-8000-000000000000", nil)
	e.apiError(err, http.StatusNotFound, "not_found")
}
