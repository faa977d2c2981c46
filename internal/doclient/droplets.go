package doclient

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/digitalocean/godo"

	"github.com/scalable-tf/terraform-provider-scalable/internal/tier"
)

// ListDroplets returns every droplet carrying tag, oldest first, from a
// list that started after the call (shared with concurrent callers).
func (c *Client) ListDroplets(ctx context.Context, tag string) ([]tier.Droplet, error) {
	list, err := c.readers.droplets.list(ctx, tag)
	if err != nil {
		return nil, err
	}
	out := make([]tier.Droplet, 0, len(list))
	for i := range list {
		out = append(out, dropletFromGodo(&list[i]))
	}
	tier.SortDroplets(out)
	return out, nil
}

// GetDroplet returns nil, nil when the droplet does not exist.
func (c *Client) GetDroplet(ctx context.Context, id int) (*tier.Droplet, error) {
	var d *godo.Droplet
	resp, err := c.call(ctx, fmt.Sprintf("get droplet %d", id), true, func(ctx context.Context) (*godo.Response, error) {
		var resp *godo.Response
		var err error
		d, resp, err = c.godo.Droplets.Get(ctx, id)
		return resp, err
	})
	if isNotFound(resp, err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	out := dropletFromGodo(d)
	return &out, nil
}

// CreateDroplets creates up to 10 droplets in one multi-create. When the
// outcome of a request is unknown (5xx, no answer) it lists the tier's tag
// for droplets with the requested names before trying again, and asks only
// for the names still missing, so a name is never made twice. Transient
// failures are retried until ctx's deadline (see retryCreate).
func (c *Client) CreateDroplets(ctx context.Context, req tier.DropletRequest) ([]tier.Droplet, error) {
	if len(req.Names) == 0 {
		return nil, nil
	}
	if len(req.Names) > 10 {
		return nil, fmt.Errorf("create droplets: %d names in one request, DigitalOcean allows 10", len(req.Names))
	}
	if len(req.Tags) == 0 {
		return nil, errors.New("create droplets: no tier tag to find them by")
	}
	missing := slices.Clone(req.Names)
	var made []tier.Droplet
	start := time.Now()
	var previous error // the last attempt's failure, for an error at the deadline
	for attempt := 0; ; attempt++ {
		body := createRequest(req, missing)
		var ds []godo.Droplet
		resp, err := c.call(ctx, "create droplets", false, func(ctx context.Context) (*godo.Response, error) {
			var resp *godo.Response
			var err error
			ds, resp, err = c.godo.Droplets.CreateMultiple(ctx, body)
			return resp, err
		})
		if err == nil {
			for i := range ds {
				made = append(made, dropletFromGodo(&ds[i]))
			}
			return made, nil
		}
		if !transient(resp, err) || ctx.Err() != nil {
			return made, withPrevious(ctx, err, previous, attempt, start)
		}
		previous = err
		if outcomeUnknown(resp, err) {
			// The request may have created some or all droplets: look.
			found, lerr := c.adoptMade(ctx, req.Tags[0], &missing)
			made = append(made, found...)
			if lerr != nil {
				return made, errors.Join(err, lerr)
			}
			if len(missing) == 0 {
				c.logf(ctx, "create answered with an error but made every droplet", map[string]any{"names": req.Names, "error": err.Error()})
				return made, nil
			}
		}
		if err := c.retryCreate(ctx, "create droplets "+strings.Join(missing, ", "), start, attempt, err); err != nil {
			return made, err
		}
	}
}

// adoptMade lists tag for droplets named in missing, removes their names
// from it and returns them.
func (c *Client) adoptMade(ctx context.Context, tag string, missing *[]string) ([]tier.Droplet, error) {
	found, err := c.ListDroplets(unbatched(ctx), tag)
	if err != nil {
		return nil, fmt.Errorf("look for droplets the failed request made: %w", err)
	}
	var out []tier.Droplet
	for _, d := range found {
		if i := slices.Index(*missing, d.Name); i >= 0 {
			out = append(out, d)
			*missing = slices.Delete(*missing, i, i+1)
		}
	}
	return out, nil
}

func createRequest(req tier.DropletRequest, names []string) *godo.DropletMultiCreateRequest {
	r := &godo.DropletMultiCreateRequest{
		Names:      names,
		Region:     req.Region,
		Size:       req.Size,
		IPv6:       req.IPv6,
		Monitoring: req.Monitoring,
		UserData:   req.UserData,
		Tags:       req.Tags,
		VPCUUID:    req.VPCUUID,
	}
	if id, err := strconv.Atoi(req.Image); err == nil {
		r.Image = godo.DropletCreateImage{ID: id}
	} else {
		r.Image = godo.DropletCreateImage{Slug: req.Image}
	}
	for _, k := range req.SSHKeys {
		if id, err := strconv.Atoi(k); err == nil {
			r.SSHKeys = append(r.SSHKeys, godo.DropletCreateSSHKey{ID: id})
		} else {
			r.SSHKeys = append(r.SSHKeys, godo.DropletCreateSSHKey{Fingerprint: k})
		}
	}
	if req.Backups != nil {
		r.Backups = true
		r.BackupPolicy = backupRequest(req.Backups)
	}
	return r
}

func backupRequest(b *tier.BackupSpec) *godo.DropletBackupPolicyRequest {
	hour := b.Hour
	r := &godo.DropletBackupPolicyRequest{Plan: b.Plan, Hour: &hour}
	if b.Plan == "weekly" {
		r.Weekday = b.Weekday
	}
	return r
}

// DeleteDroplet deletes one droplet; already gone is success.
func (c *Client) DeleteDroplet(ctx context.Context, id int) error {
	resp, err := c.call(ctx, fmt.Sprintf("delete droplet %d", id), true, func(ctx context.Context) (*godo.Response, error) {
		return c.godo.Droplets.Delete(ctx, id)
	})
	if isNotFound(resp, err) {
		return nil
	}
	return err
}

// DeleteDropletsByTag deletes every droplet carrying tag in one request.
func (c *Client) DeleteDropletsByTag(ctx context.Context, tag string) error {
	resp, err := c.call(ctx, "delete droplets tagged "+tag, true, func(ctx context.Context) (*godo.Response, error) {
		return c.godo.Droplets.DeleteByTag(ctx, tag)
	})
	if isNotFound(resp, err) {
		return nil
	}
	return err
}

// TagDroplets adds tag to droplets, creating the tag first when needed.
func (c *Client) TagDroplets(ctx context.Context, tag string, ids []int) error {
	if len(ids) == 0 {
		return nil
	}
	req := &godo.TagResourcesRequest{Resources: dropletResources(ids)}
	tagIt := func() (*godo.Response, error) {
		return c.call(ctx, "tag droplets with "+tag, true, func(ctx context.Context) (*godo.Response, error) {
			return c.godo.Tags.TagResources(ctx, tag, req)
		})
	}
	resp, err := tagIt()
	if !isNotFound(resp, err) {
		return err
	}
	if err := c.ensureTag(ctx, tag); err != nil {
		return err
	}
	_, err = tagIt()
	return err
}

// UntagDroplets removes tag from droplets; a tag that does not exist is on
// no droplet, which is success.
func (c *Client) UntagDroplets(ctx context.Context, tag string, ids []int) error {
	if len(ids) == 0 {
		return nil
	}
	req := &godo.UntagResourcesRequest{Resources: dropletResources(ids)}
	resp, err := c.call(ctx, "untag "+tag+" from droplets", true, func(ctx context.Context) (*godo.Response, error) {
		return c.godo.Tags.UntagResources(ctx, tag, req)
	})
	if isNotFound(resp, err) {
		return nil
	}
	return err
}

func (c *Client) ensureTag(ctx context.Context, tag string) error {
	resp, err := c.call(ctx, "create tag "+tag, true, func(ctx context.Context) (*godo.Response, error) {
		_, resp, err := c.godo.Tags.Create(ctx, &godo.TagCreateRequest{Name: tag})
		return resp, err
	})
	if err != nil && statusOf(resp, err) == http.StatusUnprocessableEntity && strings.Contains(strings.ToLower(err.Error()), "exist") {
		return nil
	}
	return err
}

func dropletResources(ids []int) []godo.Resource {
	out := make([]godo.Resource, len(ids))
	for i, id := range ids {
		out[i] = godo.Resource{ID: strconv.Itoa(id), Type: godo.DropletResourceType}
	}
	return out
}

// SetBackups enables, changes or (nil) disables a droplet's backups and
// waits for the action. A droplet busy with another action is retried.
func (c *Client) SetBackups(ctx context.Context, d tier.Droplet, b *tier.BackupSpec) error {
	var kind string
	var act func(ctx context.Context) (*godo.Action, *godo.Response, error)
	switch {
	case b == nil && !d.Backups:
		return nil
	case b == nil:
		kind = "disable_backups"
		act = func(ctx context.Context) (*godo.Action, *godo.Response, error) {
			return c.godo.DropletActions.DisableBackups(ctx, d.ID)
		}
	case !d.Backups:
		kind = "enable_backups"
		act = func(ctx context.Context) (*godo.Action, *godo.Response, error) {
			return c.godo.DropletActions.EnableBackupsWithPolicy(ctx, d.ID, backupRequest(b))
		}
	default:
		kind = "change_backup_policy"
		act = func(ctx context.Context) (*godo.Action, *godo.Response, error) {
			return c.godo.DropletActions.ChangeBackupPolicy(ctx, d.ID, backupRequest(b))
		}
	}
	return c.runAction(ctx, d.ID, kind, act)
}

// runAction posts a droplet action and waits for it to complete. A 422
// "pending event" (another action in progress) is waited out. After a
// failure whose outcome is unknown (5xx, no answer) it looks for the action
// among the droplet's recent actions before posting it again, so an action
// never runs twice.
func (c *Client) runAction(ctx context.Context, dropletID int, kind string, act func(context.Context) (*godo.Action, *godo.Response, error)) error {
	op := fmt.Sprintf("%s on droplet %d", kind, dropletID)
	var a *godo.Action
	for attempt := 0; ; attempt++ {
		sent := time.Now().Add(-clockSkew)
		resp, err := c.call(ctx, op, false, func(ctx context.Context) (*godo.Response, error) {
			var resp *godo.Response
			var err error
			a, resp, err = act(ctx)
			return resp, err
		})
		if err == nil {
			break
		}
		if statusOf(resp, err) == http.StatusUnprocessableEntity && strings.Contains(strings.ToLower(err.Error()), "pending") {
			if err := tier.Sleep(ctx, c.cfg.Poll); err != nil {
				return fmt.Errorf("%s: waiting for a pending action: %w", op, err)
			}
			continue
		}
		if !outcomeUnknown(resp, err) || ctx.Err() != nil {
			return err
		}
		found, ferr := c.recentAction(ctx, dropletID, kind, sent)
		if ferr == nil && found != nil {
			a = found
			break
		}
		if attempt >= c.cfg.RetryMax {
			return err
		}
		if err := tier.Sleep(ctx, c.backoff(attempt)); err != nil {
			return err
		}
	}
	for a.Status != godo.ActionCompleted {
		if a.Status == "errored" {
			return fmt.Errorf("%s: action %d errored", op, a.ID)
		}
		if err := tier.Sleep(ctx, c.cfg.Poll); err != nil {
			return fmt.Errorf("%s: waiting for action %d: %w", op, a.ID, err)
		}
		id := a.ID
		_, err := c.call(ctx, fmt.Sprintf("get action %d", id), true, func(ctx context.Context) (*godo.Response, error) {
			var resp *godo.Response
			var err error
			a, resp, err = c.godo.DropletActions.Get(ctx, dropletID, id)
			return resp, err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// recentAction finds an action of kind on the droplet started after since.
func (c *Client) recentAction(ctx context.Context, dropletID int, kind string, since time.Time) (*godo.Action, error) {
	var list []godo.Action
	_, err := c.call(ctx, fmt.Sprintf("list actions of droplet %d", dropletID), true, func(ctx context.Context) (*godo.Response, error) {
		var resp *godo.Response
		var err error
		list, resp, err = c.godo.Droplets.Actions(ctx, dropletID, &godo.ListOptions{PerPage: 20})
		return resp, err
	})
	if err != nil {
		return nil, err
	}
	for i := range list {
		a := &list[i]
		if a.Type == kind && a.StartedAt != nil && a.StartedAt.After(since) && a.Status != "errored" {
			return a, nil
		}
	}
	return nil, nil
}

// BackupPolicies returns the policy of every droplet with backups enabled.
func (c *Client) BackupPolicies(ctx context.Context) (map[int]tier.BackupSpec, error) {
	all, err := c.readers.backups.get(ctx, struct{}{})
	if err != nil {
		return nil, err
	}
	out := map[int]tier.BackupSpec{}
	for id, p := range all {
		if p != nil && p.BackupEnabled && p.BackupPolicy != nil {
			out[id] = tier.BackupSpec{Plan: p.BackupPolicy.Plan, Weekday: weekdayOf(p.BackupPolicy), Hour: p.BackupPolicy.Hour}
		}
	}
	return out, nil
}

// fetchBackupPolicies lists the policies of every droplet of the account.
func (c *Client) fetchBackupPolicies(ctx context.Context) (map[int]*godo.DropletBackupPolicy, error) {
	out := map[int]*godo.DropletBackupPolicy{}
	opt := &godo.ListOptions{Page: 1, PerPage: 200}
	for {
		var page map[int]*godo.DropletBackupPolicy
		resp, err := c.call(ctx, "list backup policies", true, func(ctx context.Context) (*godo.Response, error) {
			var resp *godo.Response
			var err error
			page, resp, err = c.godo.Droplets.ListBackupPolicies(ctx, opt)
			return resp, err
		})
		if err != nil {
			return nil, err
		}
		for id, p := range page {
			out[id] = p
		}
		if resp == nil || resp.Links == nil || resp.Links.IsLastPage() {
			return out, nil
		}
		cur, err := resp.Links.CurrentPage()
		if err != nil {
			return nil, err
		}
		opt.Page = cur + 1
	}
}

func weekdayOf(p *godo.DropletBackupPolicyConfig) string {
	if p.Plan != "weekly" {
		return ""
	}
	return p.Weekday
}

func dropletFromGodo(d *godo.Droplet) tier.Droplet {
	out := tier.Droplet{
		ID:      d.ID,
		Name:    d.Name,
		Status:  d.Status,
		Size:    d.SizeSlug,
		Tags:    slices.Clone(d.Tags),
		VPCUUID: d.VPCUUID,
		IPv6:    slices.Contains(d.Features, "ipv6"),
		Backups: slices.Contains(d.Features, "backups"),
		ImageID: 0,
		Region:  "",
		PublicIPv4: func() string {
			ip, _ := d.PublicIPv4()
			return ip
		}(),
	}
	out.Monitoring = slices.Contains(d.Features, "monitoring")
	out.PrivateIPv4, _ = d.PrivateIPv4()
	out.PublicIPv6, _ = d.PublicIPv6()
	if t, err := time.Parse(time.RFC3339, d.Created); err == nil {
		out.CreatedAt = t
	}
	if d.Region != nil {
		out.Region = d.Region.Slug
	}
	if out.Size == "" && d.Size != nil {
		out.Size = d.Size.Slug
	}
	if d.Image != nil {
		out.ImageID = d.Image.ID
		out.Image = d.Image.Slug
		if out.Image == "" {
			out.Image = strconv.Itoa(d.Image.ID)
		}
	}
	return out
}
