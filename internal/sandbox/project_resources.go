package sandbox

import (
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// projectObject is an object a project can hold, named by its URN.
type projectObject struct {
	urn       string
	createdAt time.Time
}

// urnKind is one resource type of DigitalOcean's project URNs
// (do:<type>:<id>): where its objects are read (links.self) and which of
// them the sandbox holds.
type urnKind struct {
	path    string                         // under /v2/, "" when DigitalOcean gives none we know
	objects func(w *World) []projectObject // nil: the sandbox holds none of the kind
}

// urnKinds are the types DigitalOcean's project resources accept (its
// project resources reference; godo's ToURN names reservedip). Firewalls,
// VPCs and tags are not project resources.
var urnKinds = map[string]urnKind{
	"droplet":      {"droplets/", (*World).dropletObjects},
	"loadbalancer": {"load_balancers/", (*World).loadBalancerObjects},
	"dbaas":        {"databases/", (*World).databaseObjects},
	"domain":       {"domains/", (*World).domainObjects},
	"floatingip":   {"floating_ips/", nil},
	"reservedip":   {"reserved_ips/", nil},
	"volume":       {"volumes/", nil},
	"kubernetes":   {"kubernetes/clusters/", nil},
	"app":          {"apps/", nil},
	"space":        {"", nil},
}

func (w *World) dropletObjects() []projectObject {
	var out []projectObject
	for _, d := range w.dropletsSorted() {
		out = append(out, projectObject{dropletURN(d.ID), d.CreatedAt})
	}
	return out
}

func (w *World) loadBalancerObjects() []projectObject {
	var out []projectObject
	for _, lb := range w.loadBalancersSorted() {
		out = append(out, projectObject{loadBalancerURN(lb.ID), lb.CreatedAt})
	}
	return out
}

func (w *World) domainObjects() []projectObject {
	var out []projectObject
	for _, d := range w.domainsSorted() {
		out = append(out, projectObject{d.URN(), d.CreatedAt})
	}
	return out
}

func dropletURN(id int) string         { return "do:droplet:" + strconv.Itoa(id) }
func loadBalancerURN(id string) string { return "do:loadbalancer:" + id }

// splitURN parses do:<type>:<id>.
func splitURN(urn string) (kind, id string, ok bool) {
	parts := strings.SplitN(urn, ":", 3)
	if len(parts) != 3 || parts[0] != "do" || parts[1] == "" || parts[2] == "" {
		return "", "", false
	}
	return parts[1], parts[2], true
}

// projectObjects lists every object of the account a project can hold.
func (w *World) projectObjects() []projectObject {
	var out []projectObject
	for _, k := range urnKinds {
		if k.objects != nil {
			out = append(out, k.objects(w)...)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].urn < out[j].urn })
	return out
}

// urnExists reports whether the account holds the object a URN names.
func (w *World) urnExists(urn string) bool {
	kind, _, ok := splitURN(urn)
	if !ok || urnKinds[kind].objects == nil {
		return false
	}
	return slices.ContainsFunc(urnKinds[kind].objects(w), func(o projectObject) bool { return o.urn == urn })
}

// projectOf is the id of the project holding the object.
func (w *World) projectOf(urn string) string {
	if a, ok := w.ProjectResources[urn]; ok {
		return a.ProjectID
	}
	return w.defaultProject().ID
}

// assignProject puts an existing object in a project.
func (w *World) assignProject(urn, projectID string, now time.Time) {
	w.ProjectResources[urn] = ProjectAssignment{ProjectID: projectID, AssignedAt: now}
}

// projectMember is an object in a project and when it got there (its
// creation, when it has always been in the default project).
type projectMember struct {
	urn        string
	assignedAt time.Time
}

// projectMembers lists a project's objects, in the order they joined it.
func (w *World) projectMembers(p *Project) []projectMember {
	var out []projectMember
	for _, o := range w.projectObjects() {
		a, ok := w.ProjectResources[o.urn]
		switch {
		case ok && a.ProjectID == p.ID:
			out = append(out, projectMember{o.urn, a.AssignedAt})
		case !ok && p.IsDefault:
			out = append(out, projectMember{o.urn, o.createdAt})
		}
	}
	slices.SortStableFunc(out, func(a, b projectMember) int { return a.assignedAt.Compare(b.assignedAt) })
	return out
}

// projectResourceJSON is one entry of a project's resources.
type projectResourceJSON struct {
	URN        string                `json:"urn"`
	AssignedAt string                `json:"assigned_at,omitempty"`
	Links      *projectResourceLinks `json:"links,omitempty"`
	Status     string                `json:"status"`
}

type projectResourceLinks struct {
	Self string `json:"self"`
}

// renderProjectResource answers a URN with its link and status; an
// object DigitalOcean gives no link for we know of has none.
func (c *call) renderProjectResource(urn string, at time.Time, status string) projectResourceJSON {
	out := projectResourceJSON{URN: urn, Status: status}
	if !at.IsZero() {
		out.AssignedAt = timestamp(at)
	}
	if kind, id, ok := splitURN(urn); ok && urnKinds[kind].path != "" {
		out.Links = &projectResourceLinks{Self: c.baseURL() + "/v2/" + urnKinds[kind].path + id}
	}
	return out
}

// listProjectResources serves GET /v2/projects/{id}/resources (and
// /v2/projects/default/resources).
func listProjectResources(c *call) (int, any) {
	p := c.w.projectByPath(c.r.PathValue("id"))
	if p == nil {
		return 0, errNotFound()
	}
	members := c.w.projectMembers(p)
	out := make([]projectResourceJSON, len(members))
	for i, m := range members {
		out[i] = c.renderProjectResource(m.urn, m.assignedAt, "ok")
	}
	return http.StatusOK, listBody(c, "resources", out)
}

// assignProjectResources serves POST /v2/projects/{id}/resources: each
// URN is moved to the project (there is no unassign: moving to another
// project is how an object leaves). URNs are checked before anything
// moves; an object the account does not hold answers status not_found.
func assignProjectResources(c *call) (int, any) {
	p := c.w.projectByPath(c.r.PathValue("id"))
	if p == nil {
		return 0, errNotFound()
	}
	var in struct {
		Resources []string `json:"resources"`
	}
	if err := c.decode(&in); err != nil {
		return 0, err
	}
	for _, urn := range in.Resources {
		if err := validateProjectURN(urn); err != nil {
			return 0, err
		}
	}
	out := make([]projectResourceJSON, 0, len(in.Resources))
	for _, urn := range in.Resources {
		switch {
		case !c.w.urnExists(urn):
			out = append(out, c.renderProjectResource(urn, time.Time{}, "not_found"))
		case c.w.projectOf(urn) == p.ID:
			out = append(out, c.renderProjectResource(urn, c.w.assignedAt(urn), "already_assigned"))
		default:
			c.w.assignProject(urn, p.ID, c.now)
			out = append(out, c.renderProjectResource(urn, c.now, "assigned"))
		}
	}
	return http.StatusOK, map[string]any{"resources": out}
}

// validateProjectURN refuses what is not a URN of a project resource type.
func validateProjectURN(urn string) *APIError {
	kind, _, ok := splitURN(urn)
	if !ok {
		// Seen verbatim from DigitalOcean (pulumi/pulumi-digitalocean#82).
		return errBadRequest("resource objects must have an urn in the following format: do:resource_type:resource_id")
	}
	if _, known := urnKinds[kind]; !known {
		kinds := make([]string, 0, len(urnKinds))
		for k := range urnKinds {
			kinds = append(kinds, k)
		}
		slices.Sort(kinds)
		return errBadRequest("resource type %q in %q cannot be assigned to a project; assignable types: %s", kind, urn, joinAllowed(kinds))
	}
	return nil
}

// assignedAt is when an object joined its project.
func (w *World) assignedAt(urn string) time.Time {
	if a, ok := w.ProjectResources[urn]; ok {
		return a.AssignedAt
	}
	for _, o := range w.projectObjects() {
		if o.urn == urn {
			return o.createdAt
		}
	}
	return time.Time{}
}
