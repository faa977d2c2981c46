package sandbox

import (
	"github.com/scalable-tf/terraform-provider-scalable/internal/doapi"

	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"
)

// Droplet autoscale pools (/v2/droplets/autoscale), shaped after the OpenAPI
// spec (specification/resources/autoscale_pools), godo's
// droplet_autoscale.go and DigitalOcean's "Autoscale Pool Concepts" page:
//
//   - Members are ordinary droplets made by the droplet create path from
//     the pool's droplet_template: they carry its tags (so a load balancer
//     or firewall targeting the tag sees them), count against the droplet
//     limit and boot with the usual delay. They are named
//     <pool-name>-<uuid>-NNN, one uuid per provisioning batch.
//   - A fixed-size pool keeps target_number_instances members; a dynamic
//     pool sizes itself to ceil(members x average utilization / target),
//     the largest result over the targets set, within [min, max] and at
//     most once per cooldown. Lost members are replaced at the next
//     evaluation, whatever the cooldown.
//   - Scaling down shuts the most recently created members down and
//     destroys them AutoscaleShutdownGrace later.
//   - A changed droplet_template provisions a full set of new members at
//     once, then retires the old ones after the cooldown (the pool briefly
//     holds twice as many droplets).
//   - DELETE removes the pool and keeps its droplets; DELETE .../dangerous
//     (X-Dangerous: true) removes both.
//
// The scaler runs in settle on due times (evaluations every
// Delays.AutoscaleEvaluation), never on timers. The utilization a member
// reports is a sandbox-only figure on its droplet (Droplet.Utilization,
// SetDropletUtilization); only running droplets with the droplet agent
// (with_droplet_agent) report it, as DigitalOcean requires the agent to
// monitor them.

// Autoscale pool statuses. A new pool reads "provisioning" briefly (the
// DigitalOcean Terraform provider waits on it); the OpenAPI enum lists the
// others.
const (
	PoolProvisioning = "provisioning"
	PoolActive       = "active"
	PoolDeleting     = "deleting"
)

// History event reasons and statuses (OpenAPI history.yml).
const (
	ReasonConfigurationChange = "CONFIGURATION_CHANGE"
	ReasonScaleUp             = "SCALE_UP"
	ReasonScaleDown           = "SCALE_DOWN"

	EventInProgress = "in_progress"
	EventSuccess    = "success"
	EventError      = "error"
)

// Default utilization a droplet reports until SetDropletUtilization changes
// it: a lightly loaded server.
const (
	DefaultCPUUtilization    = 0.2
	DefaultMemoryUtilization = 0.3
)

// memberNameSuffixLength is the "-<uuid>-NNN" DigitalOcean appends to the
// pool's name to name a member.
const memberNameSuffixLength = 1 + 36 + 4

// MaxAutoscalePoolNameLength keeps every member's name within
// MaxDropletNameLength.
const MaxAutoscalePoolNameLength = MaxDropletNameLength - memberNameSuffixLength

// Texts of autoscale pool errors. DigitalOcean's own where known (the 404,
// which the DigitalOcean Terraform provider matches on); the rest are the
// sandbox's, in DigitalOcean's style.
const (
	msgPoolNotFound       = "autoscale group with id %s not found"
	msgPoolNameRequired   = "name is required"
	msgPoolNameTaken      = "name: an autoscale pool named %q already exists"
	msgPoolNameFixed      = "name cannot be updated: the autoscale pool is named %q, got %q"
	msgPoolDeleting       = "autoscale pool %s is being deleted"
	msgConfigRequired     = "config is required: set target_number_instances for a fixed-size pool, or min_instances and max_instances for an autoscaling pool"
	msgConfigMixed        = "config: target_number_instances cannot be combined with min_instances, max_instances, target_cpu_utilization, target_memory_utilization or cooldown_minutes"
	msgConfigMinMax       = "config: min_instances and max_instances are both required for an autoscaling pool"
	msgConfigMinAboveMax  = "config: min_instances (%d) cannot be greater than max_instances (%d)"
	msgTemplateRequired   = "droplet_template is required"
	msgTemplateField      = "droplet_template.%s is required"
	msgTemplateSSHKeys    = "droplet_template.ssh_keys is required: an autoscale pool needs at least one SSH key id or fingerprint"
	msgDangerousHeader    = "the X-Dangerous: true header is required to delete an autoscale pool together with its Droplets"
	msgOutOfRange         = "config.%s must be %s; got %v"
	msgPoolNameInvalid    = "name %q is not valid: the pool's Droplets are named after it. " + msgInvalidName
	msgPoolNameTooLong    = "name may be at most %d characters, so that its Droplets' names (<name>-<uuid>-NNN) fit in %d; got %d"
	msgUtilizationInvalid = "utilization must be fractions between 0 and 1: got cpu %v, memory %v"
)

// AutoscalePool is an autoscale pool and its scaler's state.
type AutoscalePool struct {
	ID        string            `json:"id"`
	Name      string            `json:"name"`
	Config    AutoscaleConfig   `json:"config"`
	Template  AutoscaleTemplate `json:"droplet_template"`
	Status    string            `json:"status"`
	CreatedAt time.Time         `json:"created_at"`
	UpdatedAt time.Time         `json:"updated_at"`
	ActiveAt  time.Time         `json:"active_at"` // provisioning -> active
	DeleteAt  time.Time         `json:"delete_at"` // deleting -> gone
	// DeleteMembers is set by the dangerous delete: the members go too.
	DeleteMembers bool `json:"delete_members,omitempty"`
	// Desired is the member count the pool keeps.
	Desired int `json:"desired"`
	// LastScaleAt starts the cooldown: the pool's last change of members.
	LastScaleAt      time.Time          `json:"last_scale_at"`
	NextEvaluationAt time.Time          `json:"next_evaluation_at"`
	Members          []*AutoscaleMember `json:"members"`
	History          []*AutoscaleEvent  `json:"history"`
}

// AutoscaleConfig is a pool's scaling configuration; its JSON is
// DigitalOcean's. A fixed-size pool sets only TargetNumberInstances.
type AutoscaleConfig struct {
	MinInstances            int     `json:"min_instances,omitempty"`
	MaxInstances            int     `json:"max_instances,omitempty"`
	TargetCPUUtilization    float64 `json:"target_cpu_utilization,omitempty"`
	TargetMemoryUtilization float64 `json:"target_memory_utilization,omitempty"`
	CooldownMinutes         int     `json:"cooldown_minutes,omitempty"`
	TargetNumberInstances   int     `json:"target_number_instances,omitempty"`
}

func (c AutoscaleConfig) fixedSize() bool { return c.TargetNumberInstances > 0 }

// cooldownMinutes is the cooldown in force: fixed for fixed-size pools.
func (c AutoscaleConfig) cooldownMinutes() int {
	if c.fixedSize() {
		return doapi.AutoscaleFixedSizeCooldownMinutes
	}
	return c.CooldownMinutes
}

// desiredFrom is the member count the configuration asks of a pool that
// keeps count members now.
func (c AutoscaleConfig) desiredFrom(count int) int {
	if c.fixedSize() {
		return c.TargetNumberInstances
	}
	return min(max(count, c.MinInstances), c.MaxInstances)
}

// AutoscaleTemplate is the droplet template as DigitalOcean echoes it:
// image and ssh_keys as strings, public_networking resolved (default true).
type AutoscaleTemplate struct {
	Name             string   `json:"name,omitempty"`
	Size             string   `json:"size"`
	Region           string   `json:"region"`
	Image            string   `json:"image"`
	Tags             []string `json:"tags"`
	SSHKeys          []string `json:"ssh_keys"`
	VPCUUID          string   `json:"vpc_uuid"`
	WithDropletAgent bool     `json:"with_droplet_agent"`
	ProjectID        string   `json:"project_id"`
	IPv6             bool     `json:"ipv6"`
	UserData         string   `json:"user_data"`
	PublicNetworking bool     `json:"public_networking"`
}

// dropletRequest is the droplet create request a member is made from.
func (t *AutoscaleTemplate) dropletRequest() *createDropletRequest {
	image, _ := json.Marshal(t.Image)
	keys := make([]json.RawMessage, len(t.SSHKeys))
	for i, k := range t.SSHKeys {
		keys[i], _ = json.Marshal(k)
	}
	agent, public := t.WithDropletAgent, t.PublicNetworking
	return &createDropletRequest{
		Region: t.Region, Size: t.Size, Image: image, SSHKeys: keys, IPv6: t.IPv6,
		UserData: t.UserData, Tags: slices.Clone(t.Tags), VPCUUID: t.VPCUUID,
		WithDropletAgent: &agent, PublicNetworking: &public,
	}
}

// AutoscaleMember is a droplet the pool made.
type AutoscaleMember struct {
	DropletID int       `json:"droplet_id"`
	CreatedAt time.Time `json:"created_at"`
	// RetireAt is set when a template change replaced the member: it is
	// drained from then on.
	RetireAt time.Time `json:"retire_at"`
	// DrainAt is when the pool shut the member down to remove it;
	// DestroyAt when it destroys it.
	DrainAt   time.Time `json:"drain_at"`
	DestroyAt time.Time `json:"destroy_at"`
}

func (m *AutoscaleMember) draining() bool { return !m.DrainAt.IsZero() }
func (m *AutoscaleMember) retiring() bool { return !m.RetireAt.IsZero() && !m.draining() }

// AutoscaleEvent is one scaling history event. It is in progress until
// DoneAt (the new members booted, the removed ones destroyed).
type AutoscaleEvent struct {
	ID                   string    `json:"history_event_id"`
	CurrentInstanceCount int       `json:"current_instance_count"`
	DesiredInstanceCount int       `json:"desired_instance_count"`
	Reason               string    `json:"reason"`
	ErrorReason          string    `json:"error_reason,omitempty"`
	CreatedAt            time.Time `json:"created_at"`
	DoneAt               time.Time `json:"done_at"`
}

// Utilization is the load a droplet's agent reports, as fractions.
type Utilization struct {
	CPU    float64 `json:"cpu"`
	Memory float64 `json:"memory"`
}

// utilization is what d reports, defaults included.
func (d *Droplet) utilization() Utilization {
	if d.Utilization != nil {
		return *d.Utilization
	}
	return Utilization{CPU: DefaultCPUUtilization, Memory: DefaultMemoryUtilization}
}

// Requests. Pointers tell an absent setting from a zero one.

type autoscalePoolRequest struct {
	Name            string                    `json:"name"`
	Config          *autoscaleConfigRequest   `json:"config"`
	DropletTemplate *autoscaleTemplateRequest `json:"droplet_template"`
}

type autoscaleConfigRequest struct {
	MinInstances            *int     `json:"min_instances"`
	MaxInstances            *int     `json:"max_instances"`
	TargetCPUUtilization    *float64 `json:"target_cpu_utilization"`
	TargetMemoryUtilization *float64 `json:"target_memory_utilization"`
	CooldownMinutes         *int     `json:"cooldown_minutes"`
	TargetNumberInstances   *int     `json:"target_number_instances"`
}

type autoscaleTemplateRequest struct {
	Name             string            `json:"name"`
	Size             string            `json:"size"`
	Region           string            `json:"region"`
	Image            json.RawMessage   `json:"image"`
	Tags             []string          `json:"tags"`
	SSHKeys          []json.RawMessage `json:"ssh_keys"`
	VPCUUID          string            `json:"vpc_uuid"`
	WithDropletAgent bool              `json:"with_droplet_agent"`
	ProjectID        string            `json:"project_id"`
	IPv6             bool              `json:"ipv6"`
	UserData         string            `json:"user_data"`
	PublicNetworking *bool             `json:"public_networking"`
}

// validate checks the configuration against the OpenAPI ranges.
func (r *autoscaleConfigRequest) validate() (AutoscaleConfig, *APIError) {
	if r == nil {
		return AutoscaleConfig{}, errUnprocessable("%s", msgConfigRequired)
	}
	dynamic := r.MinInstances != nil || r.MaxInstances != nil || r.TargetCPUUtilization != nil ||
		r.TargetMemoryUtilization != nil || r.CooldownMinutes != nil
	if r.TargetNumberInstances != nil {
		if dynamic {
			return AutoscaleConfig{}, errUnprocessable("%s", msgConfigMixed)
		}
		n := *r.TargetNumberInstances
		if rng := doapi.AutoscaleTargetNumberInstancesRange; !rng.Contains(n) {
			return AutoscaleConfig{}, errUnprocessable(msgOutOfRange, "target_number_instances", rng, n)
		}
		return AutoscaleConfig{TargetNumberInstances: n}, nil
	}
	if !dynamic {
		return AutoscaleConfig{}, errUnprocessable("%s", msgConfigRequired)
	}
	if r.MinInstances == nil || r.MaxInstances == nil {
		return AutoscaleConfig{}, errUnprocessable("%s", msgConfigMinMax)
	}
	cfg := AutoscaleConfig{MinInstances: *r.MinInstances, MaxInstances: *r.MaxInstances,
		CooldownMinutes: doapi.AutoscaleDefaultCooldownMinutes}
	if rng := doapi.AutoscaleMinInstancesRange; !rng.Contains(cfg.MinInstances) {
		return AutoscaleConfig{}, errUnprocessable(msgOutOfRange, "min_instances", rng, cfg.MinInstances)
	}
	if rng := doapi.AutoscaleMaxInstancesRange; !rng.Contains(cfg.MaxInstances) {
		return AutoscaleConfig{}, errUnprocessable(msgOutOfRange, "max_instances", rng, cfg.MaxInstances)
	}
	if cfg.MinInstances > cfg.MaxInstances {
		return AutoscaleConfig{}, errUnprocessable(msgConfigMinAboveMax, cfg.MinInstances, cfg.MaxInstances)
	}
	targets := []struct {
		field string
		in    *float64
		out   *float64
	}{
		{"target_cpu_utilization", r.TargetCPUUtilization, &cfg.TargetCPUUtilization},
		{"target_memory_utilization", r.TargetMemoryUtilization, &cfg.TargetMemoryUtilization},
	}
	for _, t := range targets {
		if t.in == nil {
			continue
		}
		if rng := doapi.AutoscaleTargetUtilizationRange; !rng.Contains(*t.in) {
			return AutoscaleConfig{}, errUnprocessable(msgOutOfRange, t.field, rng, *t.in)
		}
		*t.out = *t.in
	}
	if r.CooldownMinutes != nil {
		if rng := doapi.AutoscaleCooldownMinutesRange; !rng.Contains(*r.CooldownMinutes) {
			return AutoscaleConfig{}, errUnprocessable(msgOutOfRange, "cooldown_minutes", rng, *r.CooldownMinutes)
		}
		cfg.CooldownMinutes = *r.CooldownMinutes
	}
	return cfg, nil
}

// validateAutoscaleTemplate checks the template's own required fields, then
// runs the droplet create checks its members will face.
func (w *World) validateAutoscaleTemplate(r *autoscaleTemplateRequest) (AutoscaleTemplate, *APIError) {
	if r == nil {
		return AutoscaleTemplate{}, errUnprocessable("%s", msgTemplateRequired)
	}
	for _, f := range []struct{ name, value string }{{"size", r.Size}, {"region", r.Region}} {
		if f.value == "" {
			return AutoscaleTemplate{}, errUnprocessable(msgTemplateField, f.name)
		}
	}
	if r.ProjectID != "" {
		if err := w.checkProjectID(r.ProjectID); err != nil {
			return AutoscaleTemplate{}, err
		}
	}
	if len(r.Image) == 0 || string(r.Image) == "null" {
		return AutoscaleTemplate{}, errUnprocessable(msgTemplateField, "image")
	}
	image, ok := imageRefText(r.Image)
	if !ok {
		return AutoscaleTemplate{}, errUnprocessable("%s", msgInvalidImage)
	}
	if len(r.SSHKeys) == 0 {
		return AutoscaleTemplate{}, errUnprocessable("%s", msgTemplateSSHKeys)
	}
	keys, apiErr := sshKeyRefs(r.SSHKeys)
	if apiErr != nil {
		return AutoscaleTemplate{}, apiErr
	}
	t := AutoscaleTemplate{
		Name: r.Name, Size: r.Size, Region: r.Region, Image: image,
		Tags: nonNilStrings(slices.Clone(r.Tags)), SSHKeys: keys, VPCUUID: r.VPCUUID,
		WithDropletAgent: r.WithDropletAgent, ProjectID: r.ProjectID, IPv6: r.IPv6,
		UserData: r.UserData, PublicNetworking: r.PublicNetworking == nil || *r.PublicNetworking,
	}
	if _, apiErr := w.validateDropletCreate(t.dropletRequest()); apiErr != nil {
		return AutoscaleTemplate{}, apiErr
	}
	return t, nil
}

// validatePoolName checks a new pool's name: its members are named after
// it, so it follows the droplet name rules, and names are unique.
func (w *World) validatePoolName(name string) *APIError {
	switch {
	case name == "":
		return errUnprocessable("%s", msgPoolNameRequired)
	case len(name) > MaxAutoscalePoolNameLength:
		return errUnprocessable(msgPoolNameTooLong, MaxAutoscalePoolNameLength, MaxDropletNameLength, len(name))
	case !DropletNamePattern.MatchString(name):
		return errUnprocessable(msgPoolNameInvalid, name)
	}
	for _, p := range w.AutoscalePools {
		if p.Name == name {
			return errUnprocessable(msgPoolNameTaken, name)
		}
	}
	return nil
}

// Handlers.

func (s *Server) autoscaleRoutes() {
	s.handle("POST /v2/droplets/autoscale", s.createAutoscalePool)
	s.handle("GET /v2/droplets/autoscale", listAutoscalePools)
	s.handle("GET /v2/droplets/autoscale/{id}", getPool)
	s.handle("PUT /v2/droplets/autoscale/{id}", s.updateAutoscalePool)
	s.handle("DELETE /v2/droplets/autoscale/{id}", s.deleteAutoscalePool(false))
	s.handle("DELETE /v2/droplets/autoscale/{id}/dangerous", s.deleteAutoscalePool(true))
	s.handle("GET /v2/droplets/autoscale/{id}/members", listPoolMembers)
	s.handle("GET /v2/droplets/autoscale/{id}/history", listPoolHistory)
}

// poolFromPath finds the pool named by the {id} path value.
func (c *call) poolFromPath() (*AutoscalePool, *APIError) {
	id := c.r.PathValue("id")
	p, ok := c.w.AutoscalePools[id]
	if !ok {
		return nil, apiErr(http.StatusNotFound, msgPoolNotFound, id)
	}
	return p, nil
}

// createAutoscalePool answers 202 with the pool provisioning and its first
// members booting.
func (s *Server) createAutoscalePool(c *call) (int, any) {
	var req autoscalePoolRequest
	if apiErr := c.decode(&req); apiErr != nil {
		return apiErr.Status, apiErr
	}
	if apiErr := c.w.validatePoolName(req.Name); apiErr != nil {
		return apiErr.Status, apiErr
	}
	cfg, apiErr := req.Config.validate()
	if apiErr != nil {
		return apiErr.Status, apiErr
	}
	tmpl, apiErr := c.w.validateAutoscaleTemplate(req.DropletTemplate)
	if apiErr != nil {
		return apiErr.Status, apiErr
	}
	desired := cfg.desiredFrom(0)
	if len(c.w.Droplets)+desired > c.w.Account.DropletLimit {
		return http.StatusUnprocessableEntity, errUnprocessable("%s", msgDropletLimit)
	}
	p := &AutoscalePool{
		ID: newUUID(), Name: req.Name, Config: cfg, Template: tmpl, Status: PoolProvisioning,
		CreatedAt: c.now, UpdatedAt: c.now, ActiveAt: c.after(s.delays.AutoscalePoolProvision),
		NextEvaluationAt: c.after(s.delays.AutoscaleEvaluation),
		Members:          []*AutoscaleMember{}, History: []*AutoscaleEvent{},
	}
	c.w.AutoscalePools[p.ID] = p
	s.resizePool(p, desired, ReasonConfigurationChange, c.now)
	return http.StatusAccepted, map[string]any{"autoscale_pool": c.w.renderPool(p, c.now)}
}

func listAutoscalePools(c *call) (int, any) {
	name := c.r.URL.Query().Get("name")
	pools := make([]*AutoscalePool, 0, len(c.w.AutoscalePools))
	for _, p := range c.w.poolsSorted() {
		if name == "" || p.Name == name {
			pools = append(pools, p)
		}
	}
	page, links, meta := pageOf(c, pools)
	out := make([]autoscalePoolJSON, len(page))
	for i, p := range page {
		out[i] = c.w.renderPool(p, c.now)
	}
	return http.StatusOK, map[string]any{"autoscale_pools": out, "links": links, "meta": meta}
}

// updateAutoscalePool replaces the configuration and the template. A new
// count applies at once; a new template rolls every member over.
func (s *Server) updateAutoscalePool(c *call) (int, any) {
	p, apiErr := c.poolFromPath()
	if apiErr != nil {
		return apiErr.Status, apiErr
	}
	if p.Status == PoolDeleting {
		return http.StatusUnprocessableEntity, errUnprocessable(msgPoolDeleting, p.ID)
	}
	var req autoscalePoolRequest
	if apiErr := c.decode(&req); apiErr != nil {
		return apiErr.Status, apiErr
	}
	switch {
	case req.Name == "":
		return http.StatusUnprocessableEntity, errUnprocessable("%s", msgPoolNameRequired)
	case req.Name != p.Name:
		return http.StatusUnprocessableEntity, errUnprocessable(msgPoolNameFixed, p.Name, req.Name)
	}
	cfg, apiErr := req.Config.validate()
	if apiErr != nil {
		return apiErr.Status, apiErr
	}
	tmpl, apiErr := c.w.validateAutoscaleTemplate(req.DropletTemplate)
	if apiErr != nil {
		return apiErr.Status, apiErr
	}
	current := len(p.current())
	want := cfg.desiredFrom(p.Desired)
	rollout := !reflect.DeepEqual(tmpl, p.Template)
	need := max(want-current, 0)
	if rollout {
		need = want
	}
	if len(c.w.Droplets)+need > c.w.Account.DropletLimit {
		return http.StatusUnprocessableEntity, errUnprocessable("%s", msgDropletLimit)
	}
	p.Config, p.Template, p.UpdatedAt = cfg, tmpl, c.now
	switch {
	case rollout:
		s.rollOutPool(p, want, c.now)
	case want != p.Desired:
		s.resizePool(p, want, ReasonConfigurationChange, c.now)
	}
	return http.StatusOK, map[string]any{"autoscale_pool": c.w.renderPool(p, c.now)}
}

// deleteAutoscalePool answers 202 and removes the pool (and, dangerously,
// its members) after Delays.AutoscalePoolDelete.
func (s *Server) deleteAutoscalePool(dangerous bool) handler {
	return func(c *call) (int, any) {
		p, apiErr := c.poolFromPath()
		if apiErr != nil {
			return apiErr.Status, apiErr
		}
		if dangerous && !strings.EqualFold(c.r.Header.Get("X-Dangerous"), "true") {
			return http.StatusBadRequest, errBadRequest("%s", msgDangerousHeader)
		}
		if p.Status != PoolDeleting {
			p.Status, p.DeleteAt = PoolDeleting, c.after(s.delays.AutoscalePoolDelete)
		}
		p.DeleteMembers = p.DeleteMembers || dangerous
		return http.StatusAccepted, nil
	}
}

// Control.

// SetDropletUtilization sets the CPU and memory utilization (fractions, 0
// to 1) a droplet's agent reports to its autoscale pool. Droplets report
// DefaultCPUUtilization and DefaultMemoryUtilization until set.
func (s *Server) SetDropletUtilization(id int, cpu, memory float64) error {
	if !(cpu >= 0 && cpu <= 1 && memory >= 0 && memory <= 1) {
		return fmt.Errorf(msgUtilizationInvalid, cpu, memory)
	}
	return s.Mutate(func(w *World, now time.Time) error {
		d, ok := w.Droplets[id]
		if !ok {
			return &notFoundError{Msg: fmt.Sprintf("droplet %d not found", id)}
		}
		d.Utilization = &Utilization{CPU: cpu, Memory: memory}
		return nil
	})
}

// Rendering.

type utilizationJSON struct {
	Memory *float64 `json:"memory,omitempty"`
	CPU    *float64 `json:"cpu,omitempty"`
}

func renderUtilization(u Utilization) *utilizationJSON {
	return &utilizationJSON{Memory: &u.Memory, CPU: &u.CPU}
}

type autoscalePoolJSON struct {
	ID                   string            `json:"id"`
	Name                 string            `json:"name"`
	Config               AutoscaleConfig   `json:"config"`
	DropletTemplate      AutoscaleTemplate `json:"droplet_template"`
	CreatedAt            string            `json:"created_at"`
	UpdatedAt            string            `json:"updated_at"`
	CurrentUtilization   *utilizationJSON  `json:"current_utilization,omitempty"`
	Status               string            `json:"status"`
	ActiveResourcesCount int               `json:"active_resources_count"`
}

// renderPool is the pool as DigitalOcean sends it. current_utilization is
// the members' average, absent while none reports.
func (w *World) renderPool(p *AutoscalePool, now time.Time) autoscalePoolJSON {
	tmpl := p.Template
	tmpl.Tags, tmpl.SSHKeys = nonNilStrings(tmpl.Tags), nonNilStrings(tmpl.SSHKeys)
	out := autoscalePoolJSON{
		ID: p.ID, Name: p.Name, Config: p.Config, DropletTemplate: tmpl,
		CreatedAt: timestamp(p.CreatedAt), UpdatedAt: timestamp(p.UpdatedAt), Status: p.Status,
	}
	for _, m := range p.Members {
		if d := w.Droplets[m.DropletID]; d != nil && memberStatus(m, d) == "active" {
			out.ActiveResourcesCount++
		}
	}
	if u, ok := w.averageUtilization(p.Members, now); ok {
		out.CurrentUtilization = renderUtilization(u)
	}
	return out
}

type autoscaleMemberJSON struct {
	DropletID          int              `json:"droplet_id"`
	CreatedAt          string           `json:"created_at"`
	UpdatedAt          string           `json:"updated_at"`
	HealthStatus       string           `json:"health_status"`
	UnhealthyReason    string           `json:"unhealthy_reason,omitempty"`
	Status             string           `json:"status"`
	CurrentUtilization *utilizationJSON `json:"current_utilization"`
}

// memberStatus maps the droplet's state to a member status: provisioning,
// active, off, or deleting once the pool is removing it.
func memberStatus(m *AutoscaleMember, d *Droplet) string {
	switch {
	case m.draining():
		return "deleting"
	case d.Status == "new":
		return "provisioning"
	case d.Status == "active" && !d.Killed:
		return "active"
	}
	return "off"
}

// Unhealthy reasons (the sandbox's texts).
var unhealthyReasons = map[string]string{
	"provisioning": "Droplet is provisioning",
	"deleting":     "Droplet is being removed from the autoscale pool",
	"off":          "Droplet is powered off",
}

func renderMember(m *AutoscaleMember, d *Droplet, now time.Time) autoscaleMemberJSON {
	status := memberStatus(m, d)
	updated := m.CreatedAt
	for _, t := range []time.Time{d.ActiveAt, m.DrainAt} {
		if !t.IsZero() && t.After(updated) && !t.After(now) {
			updated = t
		}
	}
	out := autoscaleMemberJSON{
		DropletID: d.ID, CreatedAt: timestamp(m.CreatedAt), UpdatedAt: timestamp(updated),
		HealthStatus: "healthy", Status: status, CurrentUtilization: &utilizationJSON{},
	}
	if status != "active" {
		out.HealthStatus, out.UnhealthyReason = "unhealthy", unhealthyReasons[status]
	}
	if reports(m, d, now) {
		out.CurrentUtilization = renderUtilization(d.utilization())
	}
	return out
}

type autoscaleEventJSON struct {
	HistoryEventID       string `json:"history_event_id"`
	CurrentInstanceCount int    `json:"current_instance_count"`
	DesiredInstanceCount int    `json:"desired_instance_count"`
	Reason               string `json:"reason"`
	Status               string `json:"status"`
	ErrorReason          string `json:"error_reason,omitempty"`
	CreatedAt            string `json:"created_at"`
	UpdatedAt            string `json:"updated_at"`
}

func (ev *AutoscaleEvent) render(now time.Time) autoscaleEventJSON {
	out := autoscaleEventJSON{
		HistoryEventID: ev.ID, CurrentInstanceCount: ev.CurrentInstanceCount,
		DesiredInstanceCount: ev.DesiredInstanceCount, Reason: ev.Reason, Status: EventInProgress,
		ErrorReason: ev.ErrorReason, CreatedAt: timestamp(ev.CreatedAt), UpdatedAt: timestamp(ev.CreatedAt),
	}
	switch {
	case ev.ErrorReason != "":
		out.Status = EventError
	case !ev.DoneAt.After(now):
		out.Status, out.UpdatedAt = EventSuccess, timestamp(ev.DoneAt)
	}
	return out
}

// AutoscaleUnit is Droplet autoscale pools. It settles first: the droplets its pools create or shut down at due times then boot or power off with the droplets.
type AutoscaleUnit struct {
	AutoscalePools map[string]*AutoscalePool `json:"autoscale_pools"`
}

func (u *AutoscaleUnit) ensure() {
	if u.AutoscalePools == nil {
		u.AutoscalePools = map[string]*AutoscalePool{}
	}
}

func (*AutoscaleUnit) routes(s *Server) {
	s.autoscaleRoutes()
}

func (*AutoscaleUnit) settle(s *Server, now time.Time) {
	s.settleAutoscalePools(now)
}

// getPool serves GET /v2/droplets/autoscale/{id}.
func getPool(c *call) (int, any) {
	p, apiErr := c.poolFromPath()
	if apiErr != nil {
		return apiErr.Status, apiErr
	}
	return http.StatusOK, map[string]any{"autoscale_pool": c.w.renderPool(p, c.now)}
}

// listPoolMembers serves GET /v2/droplets/autoscale/{id}/members.
func listPoolMembers(c *call) (int, any) {
	p, apiErr := c.poolFromPath()
	if apiErr != nil {
		return apiErr.Status, apiErr
	}
	members := slices.Clone(p.Members)
	sort.Slice(members, func(i, j int) bool { return members[i].DropletID < members[j].DropletID })
	out := make([]autoscaleMemberJSON, 0, len(members))
	for _, m := range members {
		if d := c.w.Droplets[m.DropletID]; d != nil {
			out = append(out, renderMember(m, d, c.now))
		}
	}
	return http.StatusOK, listBody(c, "droplets", out)
}

// listPoolHistory serves GET /v2/droplets/autoscale/{id}/history.
func listPoolHistory(c *call) (int, any) {
	p, apiErr := c.poolFromPath()
	if apiErr != nil {
		return apiErr.Status, apiErr
	}
	out := make([]autoscaleEventJSON, len(p.History))
	for i, ev := range p.History {
		out[i] = ev.render(c.now)
	}
	return http.StatusOK, listBody(c, "history", out)
}
