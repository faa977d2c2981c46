package sandbox

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"time"
)

// Action statuses, as DigitalOcean reports them.
const (
	ActionInProgress = "in-progress"
	ActionCompleted  = "completed"
	ActionErrored    = "errored"
)

// Action is an asynchronous event on a resource: a droplet's create, power
// and resize actions. It completes at DueAt, when settleActions applies its
// effect; the parameters it needs for that are kept on it.
type Action struct {
	ID           int        `json:"id"`
	Status       string     `json:"status"`
	Type         string     `json:"type"`
	StartedAt    time.Time  `json:"started_at"`
	CompletedAt  *time.Time `json:"completed_at,omitempty"`
	DueAt        time.Time  `json:"due_at"`
	ResourceID   int        `json:"resource_id"`
	ResourceType string     `json:"resource_type"`
	Region       string     `json:"region"`

	// Parameters of droplet actions, applied on completion.
	Size         string        `json:"size,omitempty"`
	ResizeDisk   bool          `json:"resize_disk,omitempty"`
	Name         string        `json:"name,omitempty"`
	BackupPolicy *BackupPolicy `json:"backup_policy,omitempty"`
	ImageID      int           `json:"image_id,omitempty"`
}

// startDropletAction records an in-progress action on d, due after delay.
func (c *call) startDropletAction(d *Droplet, typ string, delay time.Duration) *Action {
	return c.w.startDropletActionAt(d, typ, c.now, c.after(delay))
}

// startDropletActionAt records an action on d started at now and due at
// due: the form settle-time work (an autoscale pool's) uses.
func (w *World) startDropletActionAt(d *Droplet, typ string, now, due time.Time) *Action {
	a := &Action{
		ID: w.NextActionID, Status: ActionInProgress, Type: typ, StartedAt: now,
		DueAt: due, ResourceID: d.ID, ResourceType: "droplet", Region: d.Region,
	}
	w.NextActionID++
	w.Actions[a.ID] = a
	d.PendingActionID = a.ID
	// DigitalOcean locks a droplet while an action other than its create
	// runs: the droplet's "locked" reads true until it completes.
	d.Locked = typ != "create"
	return a
}

// erroredDropletAction records an action that failed at once, as a bulk
// action reports the droplets it could not act on.
func (c *call) erroredDropletAction(d *Droplet, typ string) *Action {
	now := c.now
	a := &Action{
		ID: c.w.NextActionID, Status: ActionErrored, Type: typ, StartedAt: now, CompletedAt: &now,
		DueAt: now, ResourceID: d.ID, ResourceType: "droplet", Region: d.Region,
	}
	c.w.NextActionID++
	c.w.Actions[a.ID] = a
	return a
}

// settleActions completes every droplet action due by now and applies its
// effect. Only droplets with a pending action are visited, so the cost does
// not grow with the action history.
func (s *Server) settleActions(now time.Time) {
	w := s.world
	type due struct {
		d *Droplet
		a *Action
	}
	var ready []due
	for _, d := range w.Droplets {
		if d.PendingActionID == 0 {
			continue
		}
		a, ok := w.Actions[d.PendingActionID]
		if !ok || a.Status != ActionInProgress {
			d.PendingActionID, d.Locked = 0, false
			continue
		}
		if !a.DueAt.After(now) {
			ready = append(ready, due{d, a})
		}
	}
	// In action order, so snapshot ids come out the same on every run.
	sort.Slice(ready, func(i, j int) bool { return ready[i].a.ID < ready[j].a.ID })
	for _, r := range ready {
		d, a := r.d, r.a
		completed := a.DueAt
		a.Status, a.CompletedAt = ActionCompleted, &completed
		d.PendingActionID, d.Locked = 0, false
		w.applyDropletAction(d, a)
	}
}

// applyDropletAction is what a completed action does to its droplet.
func (w *World) applyDropletAction(d *Droplet, a *Action) {
	switch a.Type {
	case "create":
		if d.Status == "new" {
			d.Status = "active"
		}
	case "power_off", "shutdown":
		d.Status = "off"
	case "power_on", "reboot", "power_cycle":
		d.Status, d.Killed = "active", false
	case "resize":
		if sz, ok := w.catalog.size(a.Size); ok {
			d.Size = sz.Slug
			if a.ResizeDisk {
				d.Disk = sz.Disk
			}
		}
	case "rename":
		d.Name = a.Name
	case "enable_backups", "change_backup_policy":
		d.Backups, d.BackupPolicy = true, a.BackupPolicy
	case "disable_backups":
		d.Backups, d.BackupPolicy = false, nil
	case "snapshot":
		w.takeSnapshot(d, a.Name, *a.CompletedAt)
	case "enable_ipv6":
		if d.PublicIPv6 == "" && d.PublicIPv4 != "" {
			d.PublicIPv6 = ipv6For(w.AddressBlock, d.PublicIPv4)
		}
	case "rebuild":
		d.ImageID, d.Status, d.Killed = a.ImageID, "active", false
		d.ErrorPercent = w.errorPercentOf(a.ImageID)
		if img, ok := w.catalog.imageByID(a.ImageID); ok {
			d.FailsHealth = img.Broken
		} else {
			d.FailsHealth = false
		}
	}
}

// abandonPendingAction marks the action of a droplet being destroyed as
// errored: it will never complete.
func (w *World) abandonPendingAction(d *Droplet, now time.Time) {
	if a, ok := w.Actions[d.PendingActionID]; ok && a.Status == ActionInProgress {
		a.Status, a.CompletedAt = ActionErrored, &now
	}
	d.PendingActionID = 0
}

type actionJSON struct {
	ID           int        `json:"id"`
	Status       string     `json:"status"`
	Type         string     `json:"type"`
	StartedAt    string     `json:"started_at"`
	CompletedAt  *string    `json:"completed_at"`
	ResourceID   int        `json:"resource_id"`
	ResourceType string     `json:"resource_type"`
	Region       regionJSON `json:"region"`
	RegionSlug   string     `json:"region_slug"`
}

func (a *Action) render(cat *Catalog) actionJSON {
	out := actionJSON{
		ID: a.ID, Status: a.Status, Type: a.Type, StartedAt: timestamp(a.StartedAt),
		ResourceID: a.ResourceID, ResourceType: a.ResourceType,
		Region: cat.renderRegion(a.Region), RegionSlug: a.Region,
	}
	if a.CompletedAt != nil {
		t := timestamp(*a.CompletedAt)
		out.CompletedAt = &t
	}
	return out
}

// actionLink is the links.actions entry a create answers with.
func (c *call) actionLink(a *Action, rel string) LinkAction {
	return LinkAction{ID: a.ID, Rel: rel, HREF: fmt.Sprintf("%s/v2/actions/%d", c.baseURL(), a.ID)}
}

// actionsNewestFirst lists actions matching keep, most recent first, as
// DigitalOcean lists them.
func (w *World) actionsNewestFirst(keep func(*Action) bool) []*Action {
	var out []*Action
	for _, a := range w.Actions {
		if keep(a) {
			out = append(out, a)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID > out[j].ID })
	return out
}

// actionList is a paginated {"actions": [...], links, meta} body.
func actionList(c *call, actions []*Action) map[string]any {
	page, links, meta := pageOf(c, actions)
	out := make([]actionJSON, len(page))
	for i, a := range page {
		out[i] = a.render(c.w.catalog)
	}
	return map[string]any{"actions": out, "links": links, "meta": meta}
}

func (s *Server) actionRoutes() {
	s.handle("GET /v2/actions", listActions)
	s.handle("GET /v2/actions/{id}", getAction)
}

// listActions serves GET /v2/actions.
func listActions(c *call) (int, any) {
	return http.StatusOK, actionList(c, c.w.actionsNewestFirst(func(*Action) bool { return true }))
}

// getAction serves GET /v2/actions/{id}.
func getAction(c *call) (int, any) {
	id, err := strconv.Atoi(c.r.PathValue("id"))
	a, ok := c.w.Actions[id]
	if err != nil || !ok {
		return http.StatusNotFound, errNotFound()
	}
	return http.StatusOK, map[string]any{"action": a.render(c.w.catalog)}
}
