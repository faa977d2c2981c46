package sandbox

import (
	"github.com/scalable-tf/terraform-provider-scalable/internal/doapi"

	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Droplet create limits, as DigitalOcean enforces them.
const (
	// MaxDropletsPerCreate is how many names one multi-create may carry.
	MaxDropletsPerCreate = doapi.MaxNamesPerCreate
	// MaxUserDataBytes is the largest user_data DigitalOcean accepts (64 KiB).
	MaxUserDataBytes = doapi.MaxUserDataBytes
	// MaxDropletNameLength is the longest droplet name.
	MaxDropletNameLength = 255
)

// DropletNamePattern is DigitalOcean's rule for droplet names: hostname
// characters, starting and ending with a letter or digit.
var DropletNamePattern = regexp.MustCompile(`^[a-zA-Z0-9]?[a-zA-Z0-9.\-]*[a-zA-Z0-9]$`)

// DigitalOcean's texts for droplet create errors.
const (
	msgInvalidName      = "Only valid hostname characters are allowed. (a-z, A-Z, 0-9, . and -)"
	msgInvalidSize      = "You specified an invalid size for Droplet creation."
	msgSizeUnavailable  = "Size is not available in this region."
	msgInvalidImage     = "You specified an invalid image for Droplet creation."
	msgImageNotInRegion = "The image you specified is not available in the selected region, you can transfer it to this region from the images pages."
	msgDropletLimit     = "creating this/these droplet(s) will exceed your droplet limit"
)

// createDropletRequest is the body of POST /v2/droplets, single (name) or
// multiple (names). image and ssh_keys entries may be numbers or strings.
type createDropletRequest struct {
	Name             string               `json:"name"`
	Names            []string             `json:"names"`
	Region           string               `json:"region"`
	Size             string               `json:"size"`
	Image            json.RawMessage      `json:"image"`
	SSHKeys          []json.RawMessage    `json:"ssh_keys"`
	Backups          bool                 `json:"backups"`
	BackupPolicy     *backupPolicyRequest `json:"backup_policy"`
	IPv6             bool                 `json:"ipv6"`
	Monitoring       bool                 `json:"monitoring"`
	UserData         string               `json:"user_data"`
	Tags             []string             `json:"tags"`
	VPCUUID          string               `json:"vpc_uuid"`
	WithDropletAgent *bool                `json:"with_droplet_agent"`
	PublicNetworking *bool                `json:"public_networking"`
	// Volumes, SubnetUUID and GPUPartitionMode name what the sandbox does
	// not have (block storage, VPC subnets, GPU sizes): set, they are refused.
	Volumes          []json.RawMessage `json:"volumes"`
	SubnetUUID       string            `json:"subnet_uuid"`
	GPUPartitionMode string            `json:"gpu_partition_mode"`
}

// dropletSpec is a validated create request: everything but the names.
type dropletSpec struct {
	region       Region
	size         Size
	image        imageRef
	vpc          *VPC
	sshKeys      []string
	tags         []string
	backups      bool
	backupPolicy *backupPolicyRequest
}

// requestedNames returns the names of a single or multi create.
func (r *createDropletRequest) requestedNames() ([]string, bool, *APIError) {
	multi := r.Names != nil
	names := r.Names
	if !multi {
		names = []string{r.Name}
	}
	switch {
	case multi && r.Name != "":
		// The body fits neither of the spec's oneOf shapes.
		return nil, multi, errUnprocessable("name and names can not be combined: send name for one Droplet or names for up to %d", MaxDropletsPerCreate)
	case multi && len(names) == 0:
		return nil, multi, errUnprocessable("names must list between 1 and %d Droplet names", MaxDropletsPerCreate)
	case len(names) > MaxDropletsPerCreate:
		return nil, multi, errUnprocessable("names may list at most %d Droplets per request; got %d", MaxDropletsPerCreate, len(names))
	}
	for _, n := range names {
		if err := validateDropletName(n); err != nil {
			return nil, multi, err
		}
	}
	return names, multi, nil
}

// refuseUnservedResources answers what DigitalOcean answers for a volume,
// subnet or GPU mode that does not exist: the sandbox has none of them.
func refuseUnservedResources(req *createDropletRequest) *APIError {
	if len(req.Volumes) > 0 {
		return errUnprocessable("You specified an invalid volume for Droplet creation: volume %s does not exist.", volumeRef(req.Volumes[0]))
	}
	if req.SubnetUUID != "" {
		return errUnprocessable("subnet_uuid %q does not match a subnet in this account", req.SubnetUUID)
	}
	if req.GPUPartitionMode != "" {
		return errUnprocessable("gpu_partition_mode %q is only for GPU Droplets; size %q is not a GPU size", req.GPUPartitionMode, req.Size)
	}
	return nil
}

// volumeRef names a volumes entry: an id string, or godo's {"id"|"name"}.
func volumeRef(raw json.RawMessage) string {
	var id string
	if json.Unmarshal(raw, &id) == nil {
		return strconv.Quote(id)
	}
	var obj struct{ ID, Name string }
	if json.Unmarshal(raw, &obj) == nil && (obj.ID != "" || obj.Name != "") {
		return strconv.Quote(cmp.Or(obj.ID, obj.Name))
	}
	return string(raw)
}

func validateDropletName(n string) *APIError {
	switch {
	case n == "":
		return errUnprocessable("name is required: send name for one Droplet or names for up to %d", MaxDropletsPerCreate)
	case len(n) > MaxDropletNameLength:
		return errUnprocessable("Name is too long (maximum is %d characters); got %d", MaxDropletNameLength, len(n))
	case !DropletNamePattern.MatchString(n):
		return errUnprocessable("%s", msgInvalidName)
	}
	return nil
}

// imageRefText turns the image field (slug or numeric id) into a lookup key.
func imageRefText(raw json.RawMessage) (string, bool) {
	var slug string
	if json.Unmarshal(raw, &slug) == nil {
		return slug, slug != ""
	}
	var id int
	if json.Unmarshal(raw, &id) == nil && id > 0 {
		return strconv.Itoa(id), true
	}
	return "", false
}

// validateCreate checks everything but the names and the droplet limit, in
// the order DigitalOcean reports problems: size, image, region, then the
// rest.
func (c *call) validateCreate(req *createDropletRequest) (*dropletSpec, *APIError) {
	return c.w.validateDropletCreate(req)
}

// validateDropletCreate is validateCreate outside a request: an autoscale
// pool checks its droplet template with it and provisions members from it.
func (w *World) validateDropletCreate(req *createDropletRequest) (*dropletSpec, *APIError) {
	spec := &dropletSpec{backups: req.Backups, backupPolicy: req.BackupPolicy}
	size, ok := w.catalog.size(req.Size)
	if !ok {
		return nil, errUnprocessable("%s", msgInvalidSize)
	}
	spec.size = size
	ref, ok := imageRefText(req.Image)
	if !ok {
		return nil, errUnprocessable("%s", msgInvalidImage)
	}
	if spec.image, ok = w.resolveImage(ref); !ok || !spec.image.bootable() {
		return nil, errUnprocessable("%s", msgInvalidImage)
	}

	regionName := req.Region
	if req.VPCUUID != "" {
		vpc, ok := w.VPCs[req.VPCUUID]
		if !ok {
			return nil, errUnprocessable("vpc_uuid %q does not match a VPC in this account", req.VPCUUID)
		}
		if regionName == "" {
			regionName = vpc.Region
		}
		spec.vpc = vpc
	}
	region, apiErr := w.catalog.regionForCreate(regionName, size, spec.image)
	if apiErr != nil {
		return nil, apiErr
	}
	spec.region = region
	if !size.offeredIn(region.Slug) {
		return nil, errUnprocessable("%s", msgSizeUnavailable)
	}
	if !spec.image.availableIn(region.Slug) {
		return nil, errUnprocessable("%s", msgImageNotInRegion)
	}
	if need := spec.image.minDiskSize(); size.Disk < need {
		return nil, errUnprocessable("The image you specified needs a disk of at least %d GB; size %s has %d GB.", need, size.Slug, size.Disk)
	}
	if spec.vpc != nil && spec.vpc.Region != region.Slug {
		return nil, errUnprocessable("vpc_uuid %q is a VPC in %s; a Droplet in %s must use a VPC in the same region", spec.vpc.ID, spec.vpc.Region, region.Slug)
	}

	if spec.sshKeys, apiErr = w.lookupSSHKeys(req.SSHKeys); apiErr != nil {
		return nil, apiErr
	}
	if n := len(req.UserData); n > MaxUserDataBytes {
		return nil, errUnprocessable("user_data may not exceed 64 KiB (%d bytes); got %d bytes", MaxUserDataBytes, n)
	}
	for _, t := range req.Tags {
		if !tagNamePattern.MatchString(t) {
			return nil, errUnprocessable("tags: %q is not a valid tag name: tags are 1 to 255 characters of letters, digits, ':', '-' and '_'", t)
		}
	}
	spec.tags = dedupe(req.Tags)
	if req.PublicNetworking != nil && !*req.PublicNetworking && req.IPv6 {
		return nil, errUnprocessable("ipv6 must be false when public_networking is false")
	}
	if req.BackupPolicy != nil && !req.Backups {
		return nil, errUnprocessable("backup_policy can only be set when backups is true")
	}
	if req.Backups {
		if _, apiErr := resolveBackupPolicy(req.BackupPolicy, nil, 0); apiErr != nil {
			return nil, apiErr
		}
	}
	return spec, nil
}

func dedupe(xs []string) []string {
	out := []string{}
	for _, x := range xs {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

func createDroplets(c *call) (int, any) {
	var req createDropletRequest
	if err := c.decode(&req); err != nil {
		return err.Status, err
	}
	names, multi, apiErr := req.requestedNames()
	if apiErr != nil {
		return apiErr.Status, apiErr
	}
	spec, apiErr := c.validateCreate(&req)
	if apiErr != nil {
		return apiErr.Status, apiErr
	}
	if apiErr := refuseUnservedResources(&req); apiErr != nil {
		return apiErr.Status, apiErr
	}
	created, actions, apiErr := c.s.provisionDroplets(c.now, &req, spec, names)
	if apiErr != nil {
		return apiErr.Status, apiErr
	}
	links := make([]LinkAction, len(actions))
	for i, a := range actions {
		links[i] = c.actionLink(a, "create")
	}
	w := c.w
	if !multi {
		return http.StatusAccepted, map[string]any{
			"droplet": w.renderDroplet(created[0], c.now), "links": Links{Actions: links}}
	}
	out := make([]dropletJSON, len(created))
	for i, d := range created {
		out[i] = w.renderDroplet(d, c.now)
	}
	return http.StatusAccepted, map[string]any{"droplets": out, "links": Links{Actions: links}}
}

// provisionDroplets creates one droplet per name from a validated request,
// booting from now: the one create path, for POST /v2/droplets and for
// autoscale pool members alike. It checks the account droplet limit and
// the VPC's free addresses before creating anything.
func (s *Server) provisionDroplets(now time.Time, req *createDropletRequest, spec *dropletSpec, names []string) ([]*Droplet, []*Action, *APIError) {
	w := s.world
	if len(w.Droplets)+len(names) > w.Account.DropletLimit {
		return nil, nil, errUnprocessable("%s", msgDropletLimit)
	}
	vpc := spec.vpc
	if vpc == nil {
		vpc = w.defaultVPC(now, spec.region.Slug)
	}
	// Addresses first: a full VPC must fail the request before it creates
	// anything.
	used := w.privateIPsIn(vpc.ID)
	privateIPs := make([]string, len(names))
	for i := range names {
		ip, err := allocatePrivateIPv4(vpc, used)
		if err != nil {
			return nil, nil, errUnprocessable("%s", err.Error())
		}
		privateIPs[i] = ip
	}
	noPublic := req.PublicNetworking != nil && !*req.PublicNetworking
	publicIPs := make([]string, len(names))
	for i := range names {
		if noPublic {
			break
		}
		ip, err := w.takeIPv4()
		if err != nil {
			return nil, nil, err
		}
		publicIPs[i] = ip
	}
	w.ensureTags(now, spec.tags)
	agent := req.WithDropletAgent == nil || *req.WithDropletAgent
	activeAt := now.Add(scale(s.delays.DropletBoot, s.factor))

	var created []*Droplet
	var actions []*Action
	for i, name := range names {
		d := &Droplet{
			ID: w.NextDropletID, Name: name, Region: spec.region.Slug, Size: spec.size.Slug,
			Disk: spec.size.Disk, ImageID: spec.image.id(), Status: "new",
			CreatedAt: now, ActiveAt: activeAt,
			Tags: slices.Clone(spec.tags), VPCUUID: vpc.ID, PrivateIPv4: privateIPs[i],
			Monitoring: req.Monitoring, DropletAgent: agent, BackupIDs: []int{}, SnapshotIDs: []int{},
			UserData: req.UserData, SSHKeys: spec.sshKeys, NoPublicNetworking: noPublic,
			FailsHealth:  spec.image.snapshot == nil && spec.image.public.Broken,
			ErrorPercent: w.errorPercentOf(spec.image.id()),
		}
		w.NextDropletID++
		if !noPublic {
			d.PublicIPv4 = publicIPs[i]
			if req.IPv6 {
				d.PublicIPv6 = ipv6For(w.AddressBlock, d.PublicIPv4)
			}
		}
		if spec.backups {
			d.Backups = true
			d.BackupPolicy, _ = resolveBackupPolicy(spec.backupPolicy, nil, d.ID)
		}
		w.Droplets[d.ID] = d
		actions = append(actions, w.startDropletActionAt(d, "create", now, d.ActiveAt))
		created = append(created, d)
	}
	return created, actions, nil
}

func listDroplets(c *call) (int, any) {
	q := c.r.URL.Query()
	tag, name := q.Get("tag_name"), q.Get("name")
	if tag != "" && name != "" {
		return http.StatusUnprocessableEntity, errUnprocessable("tag_name can not be combined with name")
	}
	if tag != "" && q.Get("type") != "" {
		return http.StatusUnprocessableEntity, errUnprocessable("type can not be combined with tag_name")
	}
	var matched []*Droplet
	if q.Get("type") != "gpus" { // the sandbox has no GPU sizes
		for _, d := range c.w.dropletsSorted() {
			if (tag == "" || d.hasTag(tag)) && (name == "" || strings.EqualFold(d.Name, name)) {
				matched = append(matched, d)
			}
		}
	}
	page, links, meta := pageOf(c, matched)
	out := make([]dropletJSON, len(page))
	for i, d := range page {
		out[i] = c.w.renderDroplet(d, c.now)
	}
	return http.StatusOK, map[string]any{"droplets": out, "links": links, "meta": meta}
}

// dropletFromPath finds the droplet named by the {id} path value.
func (c *call) dropletFromPath() (*Droplet, *APIError) {
	id, err := strconv.Atoi(c.r.PathValue("id"))
	if err != nil {
		return nil, errNotFound()
	}
	d, ok := c.w.Droplets[id]
	if !ok {
		return nil, errNotFound()
	}
	return d, nil
}

// destroyDroplet removes a droplet and its backups; its snapshots stay, as
// on DigitalOcean.
func (w *World) destroyDroplet(d *Droplet, now time.Time) {
	w.abandonPendingAction(d, now)
	for _, id := range d.BackupIDs {
		delete(w.Snapshots, id)
	}
	w.recordDeletion(d, now)
	delete(w.Droplets, d.ID)
}

func deleteDropletsByTag(c *call) (int, any) {
	tag := c.r.URL.Query().Get("tag_name")
	if tag == "" {
		return http.StatusUnprocessableEntity, errUnprocessable("tag_name is required to delete Droplets by tag")
	}
	tagged := c.w.dropletsWithTag(tag)
	if _, known := c.w.Tags[tag]; !known && len(tagged) == 0 {
		return http.StatusNotFound, errNotFound()
	}
	for _, d := range tagged {
		c.w.destroyDroplet(d, c.now)
	}
	return http.StatusNoContent, nil
}

// dropletSubresource serves GET /v2/droplets/{id}/{resource}. One wildcard
// route (rather than one per resource) keeps literal routes such as
// /v2/droplets/autoscale/{id} more specific than ours, so they never
// conflict in the ServeMux.
func dropletSubresource(c *call) (int, any) {
	d, apiErr := c.dropletFromPath()
	if apiErr != nil {
		return apiErr.Status, apiErr
	}
	switch c.r.PathValue("resource") {
	case "actions":
		return http.StatusOK, actionList(c, c.w.actionsNewestFirst(func(a *Action) bool {
			return a.ResourceType == "droplet" && a.ResourceID == d.ID
		}))
	case "backups":
		return http.StatusOK, listBody(c, "backups", c.w.dropletImages(d.BackupIDs))
	case "snapshots":
		return http.StatusOK, listBody(c, "snapshots", c.w.dropletImages(d.SnapshotIDs))
	case "kernels":
		// Droplets created since 2017 use internal kernels: nothing to list.
		return http.StatusOK, listBody(c, "kernels", []struct{}{})
	case "neighbors":
		return http.StatusOK, map[string]any{"droplets": []dropletJSON{}}
	case "firewalls":
		return dropletFirewalls(c, d)
	}
	return http.StatusNotFound, errNotFound()
}

// dropletSubresourceItem serves GET /v2/droplets/{id}/{resource}/{item}:
// one of the droplet's actions, or its backup policy.
func dropletSubresourceItem(c *call) (int, any) {
	d, apiErr := c.dropletFromPath()
	if apiErr != nil {
		return apiErr.Status, apiErr
	}
	switch resource, item := c.r.PathValue("resource"), c.r.PathValue("item"); {
	case resource == "actions":
		id, err := strconv.Atoi(item)
		a, ok := c.w.Actions[id]
		if err != nil || !ok || a.ResourceType != "droplet" || a.ResourceID != d.ID {
			return http.StatusNotFound, errNotFound()
		}
		return http.StatusOK, map[string]any{"action": a.render(c.w.catalog)}
	case resource == "backups" && item == "policy":
		return http.StatusOK, map[string]any{"policy": renderBackupPolicy(d, c.now)}
	}
	return http.StatusNotFound, errNotFound()
}

func (s *Server) dropletRoutes() {
	s.handle("POST /v2/droplets", createDroplets)
	s.handle("GET /v2/droplets", listDroplets)
	s.handle("DELETE /v2/droplets", deleteDropletsByTag)
	s.handle("GET /v2/droplets/{id}", getDroplet)
	s.handle("DELETE /v2/droplets/{id}", deleteDroplet)
	s.handle("GET /v2/droplets/{id}/{resource}", dropletSubresource)
	s.handle("GET /v2/droplets/{id}/{resource}/{item}", dropletSubresourceItem)
	s.dropletActionRoutes()
	s.backupRoutes()
}

// settleDroplets finishes the boots that are due: new => active.
func (s *Server) settleDroplets(now time.Time) {
	for _, d := range s.world.Droplets {
		if d.Status == "new" && !d.ActiveAt.After(now) {
			d.Status = "active"
		}
	}
}

// KillDroplet powers a droplet off as a crash or power loss would: it stays
// listed, status off, until someone powers it on.
func (s *Server) KillDroplet(id int) error {
	return s.Mutate(func(w *World, now time.Time) error {
		d, ok := w.Droplets[id]
		if !ok {
			return fmt.Errorf("droplet %d not found", id)
		}
		d.Status, d.Killed = "off", true
		return nil
	})
}

// SetDropletFailsHealth makes a droplet's app stop (or resume) answering
// health checks while the droplet itself keeps running.
func (s *Server) SetDropletFailsHealth(id int, fails bool) error {
	return s.Mutate(func(w *World, now time.Time) error {
		d, ok := w.Droplets[id]
		if !ok {
			return fmt.Errorf("droplet %d not found", id)
		}
		d.FailsHealth = fails
		return nil
	})
}

// Rendering.

type networkV4JSON struct {
	IPAddress string `json:"ip_address"`
	Netmask   string `json:"netmask"`
	Gateway   string `json:"gateway"`
	Type      string `json:"type"`
}

type networkV6JSON struct {
	IPAddress string `json:"ip_address"`
	Netmask   int    `json:"netmask"`
	Gateway   string `json:"gateway"`
	Type      string `json:"type"`
}

type networksJSON struct {
	V4 []networkV4JSON `json:"v4"`
	V6 []networkV6JSON `json:"v6"`
}

type dropletJSON struct {
	ID               int               `json:"id"`
	Name             string            `json:"name"`
	Memory           int               `json:"memory"`
	Vcpus            int               `json:"vcpus"`
	Disk             int               `json:"disk"`
	DiskInfo         []diskInfoJSON    `json:"disk_info"`
	Locked           bool              `json:"locked"`
	Status           string            `json:"status"`
	Kernel           *struct{}         `json:"kernel"` // always null: internal kernels
	CreatedAt        string            `json:"created_at"`
	Features         []string          `json:"features"`
	BackupIDs        []int             `json:"backup_ids"`
	NextBackupWindow *backupWindowJSON `json:"next_backup_window"`
	SnapshotIDs      []int             `json:"snapshot_ids"`
	Image            imageJSON         `json:"image"`
	VolumeIDs        []string          `json:"volume_ids"`
	Size             sizeJSON          `json:"size"`
	SizeSlug         string            `json:"size_slug"`
	Networks         networksJSON      `json:"networks"`
	Region           regionJSON        `json:"region"`
	Tags             []string          `json:"tags"`
	VPCUUID          string            `json:"vpc_uuid"`
}

// features lists what DigitalOcean reports as enabled on the droplet.
func (d *Droplet) features() []string {
	out := []string{}
	if d.Backups {
		out = append(out, "backups")
	}
	if d.Monitoring {
		out = append(out, "monitoring")
	}
	if d.PublicIPv6 != "" {
		out = append(out, "ipv6")
	}
	if d.DropletAgent {
		out = append(out, "droplet_agent")
	}
	return append(out, "private_networking")
}

// renderDroplet is the droplet as DigitalOcean sends it. Networks are empty
// while the droplet is new, as DigitalOcean assigns them during boot.
func (w *World) renderDroplet(d *Droplet, now time.Time) dropletJSON {
	size, _ := w.catalog.size(d.Size)
	out := dropletJSON{
		ID: d.ID, Name: d.Name, Memory: size.Memory, Vcpus: size.Vcpus, Disk: d.Disk,
		DiskInfo: diskInfo(d.Disk), Locked: d.Locked, Status: d.Status,
		CreatedAt: timestamp(d.CreatedAt), Features: d.features(),
		BackupIDs: nonNilInts(d.BackupIDs), SnapshotIDs: nonNilInts(d.SnapshotIDs),
		Image: w.renderImageByID(d.ImageID), VolumeIDs: []string{}, Size: renderSize(size),
		SizeSlug: d.Size, Networks: networksJSON{V4: []networkV4JSON{}, V6: []networkV6JSON{}},
		Region: w.catalog.renderRegion(d.Region), Tags: nonNilStrings(d.Tags), VPCUUID: d.VPCUUID,
	}
	if d.Backups {
		out.NextBackupWindow = nextBackupWindow(d.BackupPolicy, now)
	}
	if d.Status == "new" {
		return out
	}
	if d.PublicIPv4 != "" {
		out.Networks.V4 = append(out.Networks.V4, networkV4JSON{
			IPAddress: d.PublicIPv4, Netmask: "255.255.240.0", Gateway: publicGateway(d.PublicIPv4), Type: "public"})
	}
	if d.PrivateIPv4 != "" {
		netmask, gateway := w.privateNetwork(d)
		out.Networks.V4 = append(out.Networks.V4, networkV4JSON{
			IPAddress: d.PrivateIPv4, Netmask: netmask, Gateway: gateway, Type: "private"})
	}
	if d.PublicIPv6 != "" {
		out.Networks.V6 = append(out.Networks.V6, networkV6JSON{
			IPAddress: d.PublicIPv6, Netmask: 64, Gateway: ipv6Gateway(w.AddressBlock), Type: "public"})
	}
	return out
}

func nonNilInts(xs []int) []int {
	if xs == nil {
		return []int{}
	}
	return xs
}

func nonNilStrings(xs []string) []string {
	if xs == nil {
		return []string{}
	}
	return xs
}

// publicGateway is the first address of the /20 the public IP is in.
func publicGateway(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ""
	}
	b := a.As4()
	return fmt.Sprintf("%d.%d.%d.1", b[0], b[1], b[2]&0xF0)
}

// privateIPsIn collects the private addresses taken in a VPC.
func (w *World) privateIPsIn(vpcID string) map[string]bool {
	used := map[string]bool{}
	for _, d := range w.Droplets {
		if d.VPCUUID == vpcID {
			used[d.PrivateIPv4] = true
		}
	}
	for _, db := range w.Databases {
		if db.VPCUUID == vpcID {
			used[db.PrivateHost] = true
		}
	}
	return used
}

// allocatePrivateIPv4 takes the lowest free host address of the VPC's
// ip_range, skipping the network address and the gateway (.1).
func allocatePrivateIPv4(vpc *VPC, used map[string]bool) (string, error) {
	prefix, err := netip.ParsePrefix(vpc.IPRange)
	if err != nil || !prefix.Addr().Is4() {
		return "", fmt.Errorf("VPC %s has no usable IPv4 ip_range (%q)", vpc.ID, vpc.IPRange)
	}
	prefix = prefix.Masked()
	a := prefix.Addr().Next().Next()
	for ; prefix.Contains(a); a = a.Next() {
		if next := a.Next(); !prefix.Contains(next) {
			break // the broadcast address
		}
		if !used[a.String()] {
			used[a.String()] = true
			return a.String(), nil
		}
	}
	return "", fmt.Errorf("VPC %s (%s) has no free private IP address left", vpc.ID, vpc.IPRange)
}

// privateNetwork is the netmask and gateway of the droplet's VPC.
func (w *World) privateNetwork(d *Droplet) (netmask, gateway string) {
	bits := 20
	var base netip.Addr
	if vpc, ok := w.VPCs[d.VPCUUID]; ok {
		if p, err := netip.ParsePrefix(vpc.IPRange); err == nil && p.Addr().Is4() {
			bits, base = p.Bits(), p.Masked().Addr()
		}
	}
	if !base.IsValid() {
		if a, err := netip.ParseAddr(d.PrivateIPv4); err == nil {
			if p, err := a.Prefix(bits); err == nil {
				base = p.Addr()
			}
		}
	}
	mask := uint32(0xffffffff) << (32 - bits)
	netmask = fmt.Sprintf("%d.%d.%d.%d", mask>>24, (mask>>16)&0xff, (mask>>8)&0xff, mask&0xff)
	if base.IsValid() {
		gateway = base.Next().String()
	}
	return netmask, gateway
}

// DropletsUnit is the sandbox's droplets, their actions, backups and backup policies.
type DropletsUnit struct {
	Droplets map[int]*Droplet `json:"droplets"`
	Actions  map[int]*Action  `json:"actions"`
}

func (u *DropletsUnit) ensure() {
	if u.Droplets == nil {
		u.Droplets = map[int]*Droplet{}
	}
	if u.Actions == nil {
		u.Actions = map[int]*Action{}
	}
}

func (*DropletsUnit) routes(s *Server) {
	s.dropletRoutes()
	s.actionRoutes()
}

func (*DropletsUnit) settle(s *Server, now time.Time) {
	s.settleDroplets(now)
	s.settleActions(now)
}

// getDroplet serves GET /v2/droplets/{id}.
func getDroplet(c *call) (int, any) {
	d, apiErr := c.dropletFromPath()
	if apiErr != nil {
		return apiErr.Status, apiErr
	}
	return http.StatusOK, map[string]any{"droplet": c.w.renderDroplet(d, c.now)}
}

// deleteDroplet serves DELETE /v2/droplets/{id}.
func deleteDroplet(c *call) (int, any) {
	d, apiErr := c.dropletFromPath()
	if apiErr != nil {
		return apiErr.Status, apiErr
	}
	c.w.destroyDroplet(d, c.now)
	return http.StatusNoContent, nil
}
