package sandbox

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"
)

// DropletActionTypes are the droplet actions the sandbox carries out.
var DropletActionTypes = []string{
	"power_on", "power_off", "shutdown", "reboot", "power_cycle", "resize", "rename",
	"enable_backups", "disable_backups", "change_backup_policy", "snapshot",
	"enable_ipv6", "password_reset", "rebuild",
}

// BulkDropletActionTypes are the actions DigitalOcean runs on every droplet
// with a tag (POST /v2/droplets/actions?tag_name=).
var BulkDropletActionTypes = []string{
	"power_cycle", "power_on", "power_off", "shutdown", "enable_ipv6",
	"enable_backups", "disable_backups", "snapshot",
}

// unemulatedDropletActionTypes are real DigitalOcean actions the sandbox
// refuses rather than pretends to perform.
var unemulatedDropletActionTypes = []string{"restore", "change_kernel"}

// DigitalOcean's texts for refused droplet actions.
const (
	msgPendingEvent       = "Droplet already has a pending event."
	msgAlreadyOff         = "Droplet is already powered off."
	msgAlreadyOn          = "Droplet is already powered on."
	msgMustBeOff          = "Droplet is currently on. Please power it off to run this event."
	msgSameSize           = "The droplet is already set to this size."
	msgSizeSmallerThanNow = "Size can not be smaller than the Droplet's original size"
	msgBackupsEnabled     = "Backups have already been enabled on this Droplet."
	msgBackupsDisabled    = "Backups have already been disabled on this Droplet."
)

type dropletActionRequest struct {
	Type         string               `json:"type"`
	Size         string               `json:"size"`
	Disk         bool                 `json:"disk"`
	Name         string               `json:"name"`
	Image        json.RawMessage      `json:"image"`
	BackupPolicy *backupPolicyRequest `json:"backup_policy"`
}

// plannedAction is a validated action, ready to start on its droplet.
type plannedAction struct {
	delay  time.Duration
	params Action // parameters only: Size, ResizeDisk, Name, BackupPolicy, ImageID
}

// planDropletAction checks that d can run the requested action now and
// works out its parameters.
func (c *call) planDropletAction(d *Droplet, req *dropletActionRequest) (plannedAction, *APIError) {
	p := plannedAction{delay: c.s.delays.DropletAction}
	if !slices.Contains(DropletActionTypes, req.Type) {
		if slices.Contains(unemulatedDropletActionTypes, req.Type) {
			return p, errUnprocessable("the sandbox does not emulate the %s action", req.Type)
		}
		return p, errUnprocessable("type must be one of %s; got %q", strings.Join(DropletActionTypes, ", "), req.Type)
	}
	if d.PendingActionID != 0 {
		return p, errUnprocessable("%s", msgPendingEvent)
	}
	switch req.Type {
	case "power_on":
		if d.Status == "active" {
			return p, errUnprocessable("%s", msgAlreadyOn)
		}
	case "power_off":
		if d.Status == "off" {
			return p, errUnprocessable("%s", msgAlreadyOff)
		}
	case "resize":
		size, ok := c.w.catalog.size(req.Size)
		if !ok {
			return p, errUnprocessable("You specified an invalid size for Droplet resize: %q", req.Size)
		}
		switch {
		case !size.offeredIn(d.Region):
			return p, errUnprocessable("%s", msgSizeUnavailable)
		case size.Slug == d.Size:
			return p, errUnprocessable("%s", msgSameSize)
		case size.Disk < d.Disk:
			return p, errUnprocessable("%s", msgSizeSmallerThanNow)
		case d.Status != "off":
			return p, errUnprocessable("%s", msgMustBeOff)
		}
		p.delay, p.params.Size, p.params.ResizeDisk = c.s.delays.DropletResize, size.Slug, req.Disk
	case "rename":
		if err := validateDropletName(req.Name); err != nil {
			return p, err
		}
		p.params.Name = req.Name
	case "enable_backups":
		if d.Backups {
			return p, errUnprocessable("%s", msgBackupsEnabled)
		}
		policy, err := resolveBackupPolicy(req.BackupPolicy, nil, d.ID)
		if err != nil {
			return p, err
		}
		p.params.BackupPolicy = policy
	case "disable_backups":
		if !d.Backups {
			return p, errUnprocessable("%s", msgBackupsDisabled)
		}
	case "change_backup_policy":
		if req.BackupPolicy == nil {
			return p, errUnprocessable("backup_policy is required for change_backup_policy")
		}
		if !d.Backups {
			return p, errUnprocessable("Backups are not enabled on this Droplet; enable them with enable_backups first.")
		}
		policy, err := resolveBackupPolicy(req.BackupPolicy, d.BackupPolicy, d.ID)
		if err != nil {
			return p, err
		}
		p.params.BackupPolicy = policy
	case "snapshot":
		p.params.Name = req.Name
	case "rebuild":
		ref, ok := imageRefText(req.Image)
		image, found := c.w.resolveImage(ref)
		if !ok || !found || !image.bootable() {
			return p, errUnprocessable("You specified an invalid image for Droplet rebuild.")
		}
		if !image.availableIn(d.Region) {
			return p, errUnprocessable("%s", msgImageNotInRegion)
		}
		if need := image.minDiskSize(); d.Disk < need {
			return p, errUnprocessable("The image you specified needs a disk of at least %d GB; this Droplet has %d GB.", need, d.Disk)
		}
		p.delay, p.params.ImageID = c.s.delays.DropletBoot, image.id()
	}
	return p, nil
}

// startPlanned starts a validated action on d.
func (c *call) startPlanned(d *Droplet, typ string, p plannedAction) *Action {
	a := c.startDropletAction(d, typ, p.delay)
	a.Size, a.ResizeDisk, a.Name = p.params.Size, p.params.ResizeDisk, p.params.Name
	a.BackupPolicy, a.ImageID = p.params.BackupPolicy, p.params.ImageID
	return a
}

func postDropletAction(c *call) (int, any) {
	d, apiErr := c.dropletFromPath()
	if apiErr != nil {
		return apiErr.Status, apiErr
	}
	var req dropletActionRequest
	if err := c.decode(&req); err != nil {
		return err.Status, err
	}
	plan, apiErr := c.planDropletAction(d, &req)
	if apiErr != nil {
		return apiErr.Status, apiErr
	}
	return http.StatusCreated, map[string]any{"action": c.startPlanned(d, req.Type, plan).render(c.w.catalog)}
}

// postBulkDropletAction runs an action on every droplet with the tag. A
// droplet that cannot run it gets an errored action instead of failing the
// whole request.
func postBulkDropletAction(c *call) (int, any) {
	tag := c.r.URL.Query().Get("tag_name")
	if tag == "" {
		return http.StatusUnprocessableEntity, errUnprocessable("tag_name is required for a bulk Droplet action")
	}
	var req dropletActionRequest
	if err := c.decode(&req); err != nil {
		return err.Status, err
	}
	if !slices.Contains(BulkDropletActionTypes, req.Type) {
		return http.StatusUnprocessableEntity, errUnprocessable("type %q can not be run by tag; bulk actions are %s",
			req.Type, strings.Join(BulkDropletActionTypes, ", "))
	}
	tagged := c.w.dropletsWithTag(tag)
	if _, known := c.w.Tags[tag]; !known && len(tagged) == 0 {
		return http.StatusNotFound, errNotFound()
	}
	out := make([]actionJSON, 0, len(tagged))
	for _, d := range tagged {
		plan, apiErr := c.planDropletAction(d, &req)
		if apiErr != nil {
			out = append(out, c.erroredDropletAction(d, req.Type).render(c.w.catalog))
			continue
		}
		out = append(out, c.startPlanned(d, req.Type, plan).render(c.w.catalog))
	}
	return http.StatusCreated, map[string]any{"actions": out}
}

func (s *Server) dropletActionRoutes() {
	s.handle("POST /v2/droplets/{id}/actions", postDropletAction)
	s.handle("POST /v2/droplets/actions", postBulkDropletAction)
}
