package sandbox

import (
	"crypto/sha1"
	"encoding/binary"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/scalable-tf/terraform-provider-scalable/internal/doapi"
)

// Project groups the account's resources. The account always has exactly
// one default project: objects nobody assigned elsewhere are in it, and it
// cannot be deleted.
type Project struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	Purpose     string    `json:"purpose"`
	Environment string    `json:"environment"`
	IsDefault   bool      `json:"is_default"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// ProjectAssignment is where an object was put by an assignment (or a
// create naming its project_id).
type ProjectAssignment struct {
	ProjectID  string    `json:"project_id"`
	AssignedAt time.Time `json:"assigned_at"`
}

// ProjectsUnit is the sandbox's projects and project resources.
type ProjectsUnit struct {
	Projects map[string]*Project `json:"projects"`
	// ProjectResources maps an object's URN to its project. An object
	// without an entry is in the default project.
	ProjectResources map[string]ProjectAssignment `json:"project_resources"`
}

func (u *ProjectsUnit) ensure() {
	if u.Projects == nil {
		u.Projects = map[string]*Project{}
	}
	if u.ProjectResources == nil {
		u.ProjectResources = map[string]ProjectAssignment{}
	}
}

func (*ProjectsUnit) routes(s *Server) {
	s.handle("GET /v2/projects", listProjects)
	s.handle("POST /v2/projects", createProject)
	s.handle("GET /v2/projects/{id}", getProject)
	s.handle("PUT /v2/projects/{id}", updateProject)
	s.handle("PATCH /v2/projects/{id}", patchProject)
	s.handle("DELETE /v2/projects/{id}", deleteProject)
	s.handle("GET /v2/projects/{id}/resources", listProjectResources)
	s.handle("POST /v2/projects/{id}/resources", assignProjectResources)
}

// settle makes the account's default project on first use and lets
// deleted objects leave their projects.
func (*ProjectsUnit) settle(s *Server, now time.Time) {
	w := s.world
	w.defaultProjectAt(now)
	if len(w.ProjectResources) == 0 {
		return
	}
	held := map[string]bool{}
	for _, o := range w.projectObjects() {
		held[o.urn] = true
	}
	for urn := range w.ProjectResources {
		if !held[urn] {
			delete(w.ProjectResources, urn)
		}
	}
}

// defaultProjectAt returns the default project, making the account's first
// one (as a new DigitalOcean account has it) when there is none. Its id is
// derived from the account, so it survives a reset.
func (w *World) defaultProjectAt(now time.Time) *Project {
	for _, p := range w.Projects {
		if p.IsDefault {
			return p
		}
	}
	p := &Project{
		ID: w.defaultProjectID(), Name: "Default", Description: "Default project",
		Purpose: "Just trying out DigitalOcean", Environment: "Development",
		IsDefault: true, CreatedAt: now, UpdatedAt: now,
	}
	w.Projects[p.ID] = p
	return p
}

// defaultProject is the default project; settling has made it.
func (w *World) defaultProject() *Project { return w.defaultProjectAt(time.Time{}) }

// checkProjectID refuses a create's project_id that names no project of
// the account (DigitalOcean refuses made-up ids: terraform-provider-
// digitalocean#904).
func (w *World) checkProjectID(id string) *APIError {
	if !uuidPattern.MatchString(id) {
		return errUnprocessable("invalid project_id %q: must be the UUID of one of your projects", id)
	}
	if w.Projects[id] == nil {
		return errUnprocessable("invalid project_id %q: the account has no such project (GET /v2/projects lists them)", id)
	}
	return nil
}

// projectByPath resolves a path's project id; "default" names the default
// project, as on DigitalOcean.
func (w *World) projectByPath(id string) *Project {
	if id == "default" {
		return w.defaultProject()
	}
	return w.Projects[id]
}

// projectsSorted lists projects oldest first.
func (w *World) projectsSorted() []*Project {
	out := make([]*Project, 0, len(w.Projects))
	for _, p := range w.Projects {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].CreatedAt.Equal(out[j].CreatedAt) {
			return out[i].CreatedAt.Before(out[j].CreatedAt)
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// projectJSON is DigitalOcean's project object.
type projectJSON struct {
	ID          string `json:"id"`
	OwnerUUID   string `json:"owner_uuid"`
	OwnerID     uint64 `json:"owner_id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Purpose     string `json:"purpose"`
	Environment string `json:"environment"`
	IsDefault   bool   `json:"is_default"`
	CreatedAt   string `json:"created_at"`
	UpdatedAt   string `json:"updated_at"`
}

func (w *World) renderProject(p *Project) projectJSON {
	return projectJSON{
		ID: p.ID, OwnerUUID: w.Account.UUID, OwnerID: ownerID(w.Account.UUID),
		Name: p.Name, Description: p.Description, Purpose: p.Purpose, Environment: p.Environment,
		IsDefault: p.IsDefault, CreatedAt: timestamp(p.CreatedAt), UpdatedAt: timestamp(p.UpdatedAt),
	}
}

// ownerID is the account's integer user id, which DigitalOcean shows as a
// project's owner_id; derived from the user uuid so it needs no storing.
func ownerID(accountUUID string) uint64 {
	sum := sha1.Sum([]byte("owner:" + accountUUID))
	return 100000 + binary.BigEndian.Uint64(sum[:8])%9900000
}

// projectFields is the body of POST, PUT and PATCH /v2/projects[/{id}]:
// pointers, so a PATCH changes only what it names.
type projectFields struct {
	Name        *string `json:"name"`
	Description *string `json:"description"`
	Purpose     *string `json:"purpose"`
	Environment *string `json:"environment"`
	IsDefault   *bool   `json:"is_default"`
}

// projectPurpose is the purpose as DigitalOcean stores it: one of its
// purposes as given, anything else as "Other: <purpose>".
func projectPurpose(purpose string) (string, *APIError) {
	if len(purpose) > doapi.ProjectPurposeMaxLength {
		return "", errUnprocessable("purpose is too long: at most %d characters, got %d", doapi.ProjectPurposeMaxLength, len(purpose))
	}
	if purpose == "" || slices.Contains(doapi.ProjectPurposes, purpose) || strings.HasPrefix(purpose, "Other: ") {
		return purpose, nil
	}
	return "Other: " + purpose, nil
}

// projectEnvironment is the environment in DigitalOcean's capitalisation;
// empty means none.
func projectEnvironment(env string) (string, *APIError) {
	if env == "" {
		return "", nil
	}
	for _, e := range doapi.ProjectEnvironments {
		if strings.EqualFold(e, env) {
			return e, nil
		}
	}
	return "", errNotOneOf("environment", env, doapi.ProjectEnvironments)
}

// applyProjectFields checks and applies the fields a request names to p
// (a copy), refusing a name another project has.
func (w *World) applyProjectFields(p *Project, in projectFields) *APIError {
	if in.Name != nil {
		if err := w.validateProjectName(*in.Name, p.ID); err != nil {
			return err
		}
		p.Name = *in.Name
	}
	if in.Description != nil {
		if len(*in.Description) > doapi.ProjectDescriptionMaxLength {
			return errUnprocessable("description is too long: at most %d characters, got %d", doapi.ProjectDescriptionMaxLength, len(*in.Description))
		}
		p.Description = *in.Description
	}
	var err *APIError
	if in.Purpose != nil {
		if p.Purpose, err = projectPurpose(*in.Purpose); err != nil {
			return err
		}
	}
	if in.Environment != nil {
		if p.Environment, err = projectEnvironment(*in.Environment); err != nil {
			return err
		}
	}
	return nil
}

// validateProjectName checks a name: required, at most 175 characters,
// unique in the account.
func (w *World) validateProjectName(name, except string) *APIError {
	if strings.TrimSpace(name) == "" {
		return errUnprocessable("name is required")
	}
	if len(name) > doapi.ProjectNameMaxLength {
		return errUnprocessable("name is too long: at most %d characters, got %d", doapi.ProjectNameMaxLength, len(name))
	}
	for _, o := range w.Projects {
		if o.ID != except && o.Name == name {
			return errUnprocessable("name %q is already used by project %s: project names must be unique", name, o.ID)
		}
	}
	return nil
}

// listProjects serves GET /v2/projects.
func listProjects(c *call) (int, any) {
	ps := c.w.projectsSorted()
	out := make([]projectJSON, len(ps))
	for i, p := range ps {
		out[i] = c.w.renderProject(p)
	}
	return http.StatusOK, listBody(c, "projects", out)
}

// createProject serves POST /v2/projects; name and purpose are required.
func createProject(c *call) (int, any) {
	var in projectFields
	if err := c.decode(&in); err != nil {
		return 0, err
	}
	if in.Name == nil {
		return 0, errUnprocessable("name is required")
	}
	if in.Purpose == nil || *in.Purpose == "" {
		return 0, errUnprocessable("purpose is required")
	}
	p := &Project{ID: newUUID(), CreatedAt: c.now, UpdatedAt: c.now}
	if err := c.w.applyProjectFields(p, in); err != nil {
		return 0, err
	}
	c.w.Projects[p.ID] = p
	if in.IsDefault != nil && *in.IsDefault {
		c.w.makeDefaultProject(p)
	}
	return http.StatusCreated, map[string]any{"project": c.w.renderProject(p)}
}

// getProject serves GET /v2/projects/{id} and /v2/projects/default.
func getProject(c *call) (int, any) {
	p := c.w.projectByPath(c.r.PathValue("id"))
	if p == nil {
		return 0, errNotFound()
	}
	return http.StatusOK, map[string]any{"project": c.w.renderProject(p)}
}

// updateProject serves PUT /v2/projects/{id}: every attribute is required.
func updateProject(c *call) (int, any) {
	var in projectFields
	if err := c.decode(&in); err != nil {
		return 0, err
	}
	for field, v := range map[string]bool{"name": in.Name == nil, "description": in.Description == nil,
		"purpose": in.Purpose == nil, "environment": in.Environment == nil, "is_default": in.IsDefault == nil} {
		if v {
			return 0, errUnprocessable("%s is required: PUT replaces the whole project (send name, description, purpose, environment and is_default, or use PATCH)", field)
		}
	}
	return c.changeProject(in)
}

// patchProject serves PATCH /v2/projects/{id}: what the body names changes.
func patchProject(c *call) (int, any) {
	var in projectFields
	if err := c.decode(&in); err != nil {
		return 0, err
	}
	if in == (projectFields{}) {
		return 0, errUnprocessable("at least one of name, description, purpose, environment or is_default is required")
	}
	return c.changeProject(in)
}

// changeProject applies a PUT or PATCH. Making a project the default moves
// the default role to it; the default project cannot give the role up
// except to another project.
func (c *call) changeProject(in projectFields) (int, any) {
	p := c.w.projectByPath(c.r.PathValue("id"))
	if p == nil {
		return 0, errNotFound()
	}
	next := *p
	if err := c.w.applyProjectFields(&next, in); err != nil {
		return 0, err
	}
	if in.IsDefault != nil && !*in.IsDefault && p.IsDefault {
		return 0, errUnprocessable("is_default cannot be false on the default project: make another project the default (is_default true on it) instead")
	}
	if in.Purpose != nil && *in.Purpose == "" {
		return 0, errUnprocessable("purpose is required")
	}
	next.UpdatedAt = c.now
	*p = next
	if in.IsDefault != nil && *in.IsDefault && !p.IsDefault {
		c.w.makeDefaultProject(p)
	}
	return http.StatusOK, map[string]any{"project": c.w.renderProject(p)}
}

// makeDefaultProject gives p the default role. The objects in the old
// default project stay there (they are assigned to it explicitly now);
// only objects made from now on land in p.
func (w *World) makeDefaultProject(p *Project) {
	old := w.defaultProject()
	for _, o := range w.projectObjects() {
		if _, ok := w.ProjectResources[o.urn]; !ok {
			w.ProjectResources[o.urn] = ProjectAssignment{ProjectID: old.ID, AssignedAt: o.createdAt}
		}
	}
	old.IsDefault = false
	p.IsDefault = true
}

// deleteProject serves DELETE /v2/projects/{id}: only an empty project
// that is not the default can go.
func deleteProject(c *call) (int, any) {
	p := c.w.projectByPath(c.r.PathValue("id"))
	if p == nil {
		return 0, errNotFound()
	}
	if p.IsDefault {
		return 0, errUnprocessable("cannot delete the default project: make another project the default first")
	}
	if len(c.w.projectMembers(p)) > 0 {
		// OpenAPI projects/responses/precondition_failed.yml, verbatim; the
		// official Terraform provider retries on this text.
		return 0, apiErr(http.StatusPreconditionFailed, "cannot delete a project with resources. move or remove the resources first")
	}
	delete(c.w.Projects, p.ID)
	return http.StatusNoContent, nil
}
