package sandbox

import (
	"net/http"
	"net/netip"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"time"
)

// VPC is a virtual private cloud. Every region has a default one, created
// the first time something is placed in the region without a vpc_uuid.
type VPC struct {
	ID         string    `json:"id"`
	Name       string    `json:"name"`
	Region     string    `json:"region"`
	IPRange    string    `json:"ip_range"`
	Default    bool      `json:"default"`
	CreatedAt  time.Time `json:"created_at"`
	Descriptor string    `json:"description"`
}

// VPC limits, from DigitalOcean's API reference: ranges are RFC 1918
// private networks from /16 (largest) to /28 (smallest); a range left out
// is a generated /20.
const (
	VPCPrefixLengthMin      = 16
	VPCPrefixLengthMax      = 28
	VPCGeneratedPrefix      = 20
	VPCDescriptionMaxLength = 255
)

// VPCPrivateRanges are the RFC 1918 networks a VPC range must lie in.
var VPCPrivateRanges = []netip.Prefix{
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.168.0.0/16"),
}

// vpcNamePattern is DigitalOcean's rule for VPC names: alphanumerics,
// dashes and periods.
var vpcNamePattern = regexp.MustCompile(`^[a-zA-Z0-9\-.]+$`)

// defaultVPC returns the region's default VPC, creating it on first use.
func (w *World) defaultVPC(now time.Time, region string) *VPC {
	for _, v := range w.VPCs {
		if v.Default && v.Region == region {
			return v
		}
	}
	v := &VPC{
		ID:        newUUID(),
		Name:      "default-" + region,
		Region:    region,
		IPRange:   w.freeVPCRange().String(),
		Default:   true,
		CreatedAt: now,
	}
	w.VPCs[v.ID] = v
	return v
}

// freeVPCRange generates a /20 that overlaps none of the account's VPCs, in
// the 10.x.0.0/20 shape DigitalOcean gives generated ranges. 10.244-246 are
// skipped: DigitalOcean Kubernetes reserves them.
func (w *World) freeVPCRange() netip.Prefix {
	for second := 100; ; second = (second + 1) % 256 {
		if second >= 244 && second <= 246 {
			continue
		}
		p := netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(second), 0, 0}), VPCGeneratedPrefix)
		if w.vpcOverlapping(p, "") == nil {
			return p
		}
	}
}

// vpcOverlapping returns a VPC (other than except) whose range overlaps p.
func (w *World) vpcOverlapping(p netip.Prefix, except string) *VPC {
	for _, v := range w.vpcsSorted() {
		q, err := netip.ParsePrefix(v.IPRange)
		if err == nil && v.ID != except && q.Overlaps(p) {
			return v
		}
	}
	return nil
}

// vpcsSorted lists VPCs oldest first.
func (w *World) vpcsSorted() []*VPC {
	out := make([]*VPC, 0, len(w.VPCs))
	for _, v := range w.VPCs {
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].CreatedAt.Equal(out[j].CreatedAt) {
			return out[i].CreatedAt.Before(out[j].CreatedAt)
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// vpcMember is a resource in a VPC, as GET /v2/vpcs/{id}/members lists it.
type vpcMember struct {
	kind      string // its resource_type filter: droplet, load_balancer, database
	urn, name string
	createdAt time.Time
}

// vpcMembers returns the droplets, load balancers and database clusters
// in the VPC, oldest
// first. A droplet without a vpc_uuid sits in its region's default VPC.
func (w *World) vpcMembers(v *VPC) []vpcMember {
	var out []vpcMember
	for _, d := range w.dropletsSorted() {
		if d.VPCUUID == v.ID || (d.VPCUUID == "" && v.Default && d.Region == v.Region) {
			out = append(out, vpcMember{"droplet", "do:droplet:" + strconv.Itoa(d.ID), d.Name, d.CreatedAt})
		}
	}
	for _, lb := range w.loadBalancersSorted() {
		if lb.VPCUUID == v.ID {
			out = append(out, vpcMember{"load_balancer", "do:loadbalancer:" + lb.ID, lb.Name, lb.CreatedAt})
		}
	}
	for _, db := range w.databasesSorted() {
		if db.VPCUUID == v.ID {
			out = append(out, vpcMember{"database", databaseURN(db.ID), db.Name, db.CreatedAt})
		}
	}
	slices.SortStableFunc(out, func(a, b vpcMember) int { return a.createdAt.Compare(b.createdAt) })
	return out
}

// vpcMemberTypes maps a members resource_type filter to a member kind:
// load balancers answer to their API name and to their URN's.
var vpcMemberTypes = map[string]string{"droplet": "droplet", "load_balancer": "load_balancer", "loadbalancer": "load_balancer",
	"database": "database", "dbaas": "database"}

// vpcJSON is DigitalOcean's VPC object.
type vpcJSON struct {
	ID          string `json:"id"`
	URN         string `json:"urn"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Region      string `json:"region"`
	IPRange     string `json:"ip_range"`
	Default     bool   `json:"default"`
	CreatedAt   string `json:"created_at"`
}

func renderVPC(v *VPC) vpcJSON {
	return vpcJSON{
		ID:          v.ID,
		URN:         "do:vpc:" + v.ID,
		Name:        v.Name,
		Description: v.Descriptor,
		Region:      v.Region,
		IPRange:     v.IPRange,
		Default:     v.Default,
		CreatedAt:   timestamp(v.CreatedAt),
	}
}

// vpcMemberJSON is one entry of GET /v2/vpcs/{id}/members.
type vpcMemberJSON struct {
	URN       string `json:"urn"`
	Name      string `json:"name"`
	CreatedAt string `json:"created_at"`
}

// validateVPCName checks a name and that no other VPC has it (names are
// unique per account).
func (w *World) validateVPCName(name, except string) *APIError {
	if name == "" {
		return errUnprocessable("name is required")
	}
	if !vpcNamePattern.MatchString(name) {
		return errUnprocessable("name %q is invalid: a VPC name may only contain alphanumeric characters, dashes, and periods", name)
	}
	for _, v := range w.VPCs {
		if v.ID != except && v.Name == name {
			return errUnprocessable("name %q is already used by VPC %s; VPC names must be unique", name, v.ID)
		}
	}
	return nil
}

func validateVPCDescription(d string) *APIError {
	if len(d) > VPCDescriptionMaxLength {
		return errUnprocessable("description is %d characters long; it may be at most %d", len(d), VPCDescriptionMaxLength)
	}
	return nil
}

// validateVPCRange checks a requested ip_range: a private IPv4 network of
// an allowed size that no other VPC of the account overlaps.
func (w *World) validateVPCRange(s string) (netip.Prefix, *APIError) {
	p, err := netip.ParsePrefix(s)
	if err != nil || !p.Addr().Is4() {
		return p, errUnprocessable("ip_range %q is not a valid IPv4 CIDR block (for example 10.10.10.0/24)", s)
	}
	if p.Masked() != p {
		return p, errUnprocessable("ip_range %q is not a network address; did you mean %s?", s, p.Masked())
	}
	if p.Bits() < VPCPrefixLengthMin || p.Bits() > VPCPrefixLengthMax {
		return p, errUnprocessable("ip_range %q has a /%d prefix; it may not be larger than /%d nor smaller than /%d", s, p.Bits(), VPCPrefixLengthMin, VPCPrefixLengthMax)
	}
	private := slices.ContainsFunc(VPCPrivateRanges, func(r netip.Prefix) bool {
		return r.Contains(p.Addr()) && r.Bits() <= p.Bits()
	})
	if !private {
		return p, errUnprocessable("ip_range %q is not in a private RFC 1918 range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16)", s)
	}
	if v := w.vpcOverlapping(p, ""); v != nil {
		return p, errUnprocessable("ip_range %q overlaps the range %s of VPC %s (%s)", s, v.IPRange, v.Name, v.ID)
	}
	return p, nil
}

// vpcRegionCheck accepts the slug of an available region.
func (w *World) vpcRegionCheck(slug string) *APIError {
	if slug == "" {
		return errUnprocessable("region is required")
	}
	if r, ok := w.catalog.region(slug); !ok || !r.Available {
		return errUnprocessable("region %q is not available; GET /v2/regions lists the available regions", slug)
	}
	return nil
}

// vpcUpdate is the body of PUT and PATCH /v2/vpcs/{id}. Pointers tell a
// field left out (kept by PATCH) from a field set to its zero value.
type vpcUpdate struct {
	Name        *string `json:"name"`
	Description *string `json:"description"`
	Default     *bool   `json:"default"`
}

// applyVPCUpdate validates and applies an update. PUT requires a name.
func (c *call) applyVPCUpdate(v *VPC, in vpcUpdate, put bool) *APIError {
	if put && in.Name == nil {
		return errUnprocessable("name is required")
	}
	if in.Name != nil {
		if err := c.w.validateVPCName(*in.Name, v.ID); err != nil {
			return err
		}
	}
	if in.Description != nil {
		if err := validateVPCDescription(*in.Description); err != nil {
			return err
		}
	}
	if in.Default != nil && !*in.Default && v.Default {
		return errUnprocessable("default cannot be unset; make another VPC in %s the default instead", v.Region)
	}
	if in.Name != nil {
		v.Name = *in.Name
	}
	if in.Description != nil {
		v.Descriptor = *in.Description
	}
	if in.Default != nil && *in.Default && !v.Default {
		// The region's previous default stops being the default.
		for _, o := range c.w.VPCs {
			if o.Region == v.Region && o.Default {
				o.Default = false
			}
		}
		v.Default = true
	}
	return nil
}

func (s *Server) vpcRoutes() {
	s.handle("GET /v2/vpcs", listVPCs)
	s.handle("POST /v2/vpcs", createVPC)
	s.handle("GET /v2/vpcs/{id}", getVPC)
	s.handle("PUT /v2/vpcs/{id}", updateVPC(true))
	s.handle("PATCH /v2/vpcs/{id}", updateVPC(false))
	s.handle("DELETE /v2/vpcs/{id}", deleteVPC)
	s.handle("GET /v2/vpcs/{id}/members", s.listVPCMembers)
}

// listVPCMembers serves GET /v2/vpcs/{id}/members; resource_type filters by
// kind (an unknown one matches nothing).
func (s *Server) listVPCMembers(c *call) (int, any) {
	v := c.w.VPCs[c.r.PathValue("id")]
	if v == nil {
		return 0, errNotFound()
	}
	rt := c.r.URL.Query().Get("resource_type")
	out := []vpcMemberJSON{}
	for _, m := range c.w.vpcMembers(v) {
		if rt == "" || vpcMemberTypes[rt] == m.kind {
			out = append(out, vpcMemberJSON{URN: m.urn, Name: m.name, CreatedAt: timestamp(m.createdAt)})
		}
	}
	return http.StatusOK, listBody(c, "members", out)
}

// VPCsUnit is the sandbox's VPCs.
type VPCsUnit struct {
	VPCs map[string]*VPC `json:"vpcs"`
}

func (u *VPCsUnit) ensure() {
	if u.VPCs == nil {
		u.VPCs = map[string]*VPC{}
	}
}

func (*VPCsUnit) routes(s *Server) {
	s.vpcRoutes()
}

func updateVPC(put bool) handler {
	return func(c *call) (int, any) {
		v := c.w.VPCs[c.r.PathValue("id")]
		if v == nil {
			return 0, errNotFound()
		}
		var in vpcUpdate
		if err := c.decode(&in); err != nil {
			return 0, err
		}
		if err := c.applyVPCUpdate(v, in, put); err != nil {
			return 0, err
		}
		return http.StatusOK, map[string]any{"vpc": renderVPC(v)}
	}
}

// listVPCs serves GET /v2/vpcs.
func listVPCs(c *call) (int, any) {
	vpcs := c.w.vpcsSorted()
	out := make([]vpcJSON, len(vpcs))
	for i, v := range vpcs {
		out[i] = renderVPC(v)
	}
	return http.StatusOK, listBody(c, "vpcs", out)
}

// createVPC serves POST /v2/vpcs.
func createVPC(c *call) (int, any) {
	var in struct {
		Name        string `json:"name"`
		Region      string `json:"region"`
		Description string `json:"description"`
		IPRange     string `json:"ip_range"`
	}
	if err := c.decode(&in); err != nil {
		return 0, err
	}
	if err := c.w.validateVPCName(in.Name, ""); err != nil {
		return 0, err
	}
	if err := c.w.vpcRegionCheck(in.Region); err != nil {
		return 0, err
	}
	if err := validateVPCDescription(in.Description); err != nil {
		return 0, err
	}
	ipRange := c.w.freeVPCRange()
	if in.IPRange != "" {
		p, err := c.w.validateVPCRange(in.IPRange)
		if err != nil {
			return 0, err
		}
		ipRange = p
	}
	// The first VPC of a region becomes the region's default.
	isDefault := !slices.ContainsFunc(c.w.vpcsSorted(), func(o *VPC) bool { return o.Region == in.Region })
	v := &VPC{
		ID:         newUUID(),
		Name:       in.Name,
		Region:     in.Region,
		IPRange:    ipRange.String(),
		Default:    isDefault,
		CreatedAt:  c.now,
		Descriptor: in.Description,
	}
	c.w.VPCs[v.ID] = v
	return http.StatusCreated, map[string]any{"vpc": renderVPC(v)}
}

// getVPC serves GET /v2/vpcs/{id}.
func getVPC(c *call) (int, any) {
	v := c.w.VPCs[c.r.PathValue("id")]
	if v == nil {
		return 0, errNotFound()
	}
	return http.StatusOK, map[string]any{"vpc": renderVPC(v)}
}

// deleteVPC serves DELETE /v2/vpcs/{id}.
func deleteVPC(c *call) (int, any) {
	v := c.w.VPCs[c.r.PathValue("id")]
	if v == nil {
		return 0, errNotFound()
	}
	if v.Default {
		return 0, apiErr(http.StatusForbidden, "Can not delete default VPC")
	}
	if len(c.w.vpcMembers(v)) > 0 {
		return 0, apiErr(http.StatusConflict, "Can not delete VPC with members")
	}
	delete(c.w.VPCs, v.ID)
	return http.StatusNoContent, nil
}
