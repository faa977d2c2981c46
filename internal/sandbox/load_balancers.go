package sandbox

import (
	"github.com/scalable-tf/terraform-provider-scalable/internal/doapi"

	"crypto/sha1"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"net"
	"net/http"
	"net/netip"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
)

// Range is an inclusive range of allowed integers.
// Range is an inclusive integer range (shared with the provider).
type Range = doapi.Range

// DigitalOcean's load balancer enums and limits: the provider's validators
// use the same values from internal/doapi, so they cannot drift apart.
var (
	LoadBalancerTypes             = doapi.LBTypes
	LoadBalancerNetworks          = doapi.LBNetworks
	LoadBalancerNetworkStacks     = doapi.LBNetworkStacks
	LoadBalancerTLSCipherPolicies = doapi.LBTLSCipherPolicies
	LoadBalancerAlgorithms        = doapi.LBAlgorithms
	LoadBalancerSizeSlugs         = doapi.LBSizeSlugs
	LoadBalancerSizeUnits         = doapi.LBSizeUnits

	ForwardingEntryProtocols  = doapi.LBEntryProtocols
	ForwardingTargetProtocols = doapi.LBTargetProtocols
	HealthCheckProtocols      = doapi.LBHealthCheckProtocols
	StickySessionTypes        = doapi.LBStickySessionTypes

	LoadBalancerSizeUnitRange       = doapi.LBSizeUnitRange
	PortRange                       = doapi.PortRange
	HealthCheckIntervalRange        = doapi.LBCheckIntervalRange
	HealthCheckResponseTimeoutRange = doapi.LBResponseTimeoutRange
	HealthyThresholdRange           = doapi.LBHealthyThresholdRange
	UnhealthyThresholdRange         = doapi.LBUnhealthyThresholdRange
	HTTPIdleTimeoutRange            = doapi.LBIdleTimeoutRange
	StickyCookieNameLengthRange     = doapi.LBCookieNameLength

	// LoadBalancerNamePattern: at most 255 characters, alphanumerics, dots
	// and dashes, starting with an alphanumeric and not ending with a dash.
	LoadBalancerNamePattern = regexp.MustCompile(`^[a-zA-Z0-9](?:[a-zA-Z0-9.-]{0,253}[a-zA-Z0-9.])?$`)
)

// StickyCookieTTLMinSeconds is the shortest sticky-session cookie lifetime.
var StickyCookieTTLMinSeconds = doapi.LBCookieTTLRange.Min

// DefaultHTTPIdleTimeoutSeconds and DefaultLoadBalancerSizeUnit apply when a
// request omits them.
const (
	DefaultHTTPIdleTimeoutSeconds = doapi.LBDefaultIdleTimeout
	DefaultLoadBalancerSizeUnit   = doapi.LBDefaultSizeUnit
)

// DefaultLoadBalancerHealthCheck is what DigitalOcean fills in for an
// omitted health check (and field by field for omitted fields).
var DefaultLoadBalancerHealthCheck = LBHealthCheck{
	Protocol:               "http",
	Port:                   80,
	Path:                   doapi.LBDefaultHealthCheckPath,
	CheckIntervalSeconds:   doapi.LBDefaultCheckInterval,
	ResponseTimeoutSeconds: doapi.LBDefaultResponseTimeout,
	HealthyThreshold:       doapi.LBAPIDefaultHealthyThreshold,
	UnhealthyThreshold:     doapi.LBAPIDefaultUnhealthyThreshold,
}

// errLoadBalancerBusy is DigitalOcean's answer to a change while the load
// balancer is provisioning or applying a previous change: a 403, not a 422.
func errLoadBalancerBusy() *APIError {
	return apiErr(http.StatusForbidden, "Load Balancer can't be updated while it processes previous actions")
}

// LoadBalancer is the sandbox's record of one load balancer.
type LoadBalancer struct {
	ID           string    `json:"id"`
	Name         string    `json:"name"`
	Region       string    `json:"region"`
	Type         string    `json:"type"`
	Network      string    `json:"network"`
	NetworkStack string    `json:"network_stack"`
	SizeUnit     int       `json:"size_unit"`
	Algorithm    string    `json:"algorithm"`
	Status       string    `json:"status"` // new, active
	CreatedAt    time.Time `json:"created_at"`
	ActiveAt     time.Time `json:"active_at"`  // new -> active, ip assigned
	BusyUntil    time.Time `json:"busy_until"` // changes are refused until then
	IP           string    `json:"ip"`
	IPv6         string    `json:"ipv6"`
	// RequestedIP is a create-time ip (BYOIP) assigned on activation.
	RequestedIP string `json:"requested_ip,omitempty"`

	ForwardingRules []LBForwardingRule `json:"forwarding_rules"`
	HealthCheck     LBHealthCheck      `json:"health_check"`
	StickySessions  LBStickySessions   `json:"sticky_sessions"`
	Tag             string             `json:"tag"`
	DropletIDs      []int              `json:"droplet_ids"` // only without a tag
	// Tags label the load balancer itself (DigitalOcean Kubernetes tags
	// its load balancers k8s:<cluster id>); they are given on creation only.
	Tags                   []string `json:"tags,omitempty"`
	RedirectHTTPToHTTPS    bool     `json:"redirect_http_to_https"`
	EnableProxyProtocol    bool     `json:"enable_proxy_protocol"`
	EnableBackendKeepalive bool     `json:"enable_backend_keepalive"`
	HTTPIdleTimeoutSeconds int      `json:"http_idle_timeout_seconds"`
	VPCUUID                string   `json:"vpc_uuid"`
	// ProjectID is the project a create or update asks for, moved into by
	// the handler; the projects unit holds where the load balancer is.
	ProjectID                    string     `json:"-"`
	DisableLetsEncryptDNSRecords bool       `json:"disable_lets_encrypt_dns_records"`
	Firewall                     LBFirewall `json:"firewall"`
	TLSCipherPolicy              string     `json:"tls_cipher_policy"`

	// Targets is the health check's view of each target droplet; see
	// lb_health.go. HealthObservedAt is when it was last brought up to date.
	Targets          map[int]*TargetHealth `json:"targets"`
	HealthObservedAt time.Time             `json:"health_observed_at"`
}

// LBForwardingRule routes one entry port to the target droplets.
type LBForwardingRule struct {
	EntryProtocol  string `json:"entry_protocol"`
	EntryPort      int    `json:"entry_port"`
	TargetProtocol string `json:"target_protocol"`
	TargetPort     int    `json:"target_port"`
	CertificateID  string `json:"certificate_id"`
	TLSPassthrough bool   `json:"tls_passthrough"`
	// CertificateName is sandbox-only: DigitalOcean's API takes ids (the
	// official provider resolves names itself), so it is kept, never sent.
	CertificateName string `json:"certificate_name,omitempty"`
}

// LBHealthCheck is how the load balancer probes its targets.
type LBHealthCheck struct {
	Protocol               string `json:"protocol"`
	Port                   int    `json:"port"`
	Path                   string `json:"path"`
	CheckIntervalSeconds   int    `json:"check_interval_seconds"`
	ResponseTimeoutSeconds int    `json:"response_timeout_seconds"`
	HealthyThreshold       int    `json:"healthy_threshold"`
	UnhealthyThreshold     int    `json:"unhealthy_threshold"`
}

// LBStickySessions is session affinity; cookie fields only with cookies.
type LBStickySessions struct {
	Type             string `json:"type"`
	CookieName       string `json:"cookie_name,omitempty"`
	CookieTTLSeconds int    `json:"cookie_ttl_seconds,omitempty"`
}

// LBFirewall holds "ip:<addr>" and "cidr:<net>" rules.
type LBFirewall struct {
	Allow []string `json:"allow"`
	Deny  []string `json:"deny"`
}

// lbRequest is the body of a create or a (whole-object) update, as godo's
// LoadBalancerRequest sends it.
type lbRequest struct {
	Name                         string             `json:"name"`
	Algorithm                    string             `json:"algorithm"`
	Region                       string             `json:"region"`
	Size                         string             `json:"size"`
	SizeUnit                     *int               `json:"size_unit"`
	Type                         string             `json:"type"`
	ForwardingRules              []LBForwardingRule `json:"forwarding_rules"`
	HealthCheck                  *LBHealthCheck     `json:"health_check"`
	StickySessions               *LBStickySessions  `json:"sticky_sessions"`
	DropletIDs                   []int              `json:"droplet_ids"`
	Tag                          string             `json:"tag"`
	RedirectHTTPToHTTPS          bool               `json:"redirect_http_to_https"`
	EnableProxyProtocol          bool               `json:"enable_proxy_protocol"`
	EnableBackendKeepalive       bool               `json:"enable_backend_keepalive"`
	VPCUUID                      string             `json:"vpc_uuid"`
	DisableLetsEncryptDNSRecords *bool              `json:"disable_lets_encrypt_dns_records"`
	ProjectID                    string             `json:"project_id"`
	HTTPIdleTimeoutSeconds       *int               `json:"http_idle_timeout_seconds"`
	Firewall                     *LBFirewall        `json:"firewall"`
	Network                      string             `json:"network"`
	NetworkStack                 string             `json:"network_stack"`
	TLSCipherPolicy              string             `json:"tls_cipher_policy"`
	IP                           string             `json:"ip"`
	// ValidateOnly checks the request and answers 204 without creating or
	// changing anything (godo-only; DigitalOcean's Kubernetes admission
	// webhook validates Services with it).
	ValidateOnly bool     `json:"validate_only"`
	Tags         []string `json:"tags"`
	// Only a GLOBAL load balancer takes these; regional ones refuse them.
	Domains               []json.RawMessage `json:"domains"`
	GLBSettings           json.RawMessage   `json:"glb_settings"`
	TargetLoadBalancerIDs []string          `json:"target_load_balancer_ids"`
}

// loadBalancerJSON is a load balancer as DigitalOcean renders it.
type loadBalancerJSON struct {
	ID                           string             `json:"id"`
	Name                         string             `json:"name"`
	IP                           string             `json:"ip"`
	IPv6                         string             `json:"ipv6"`
	SizeUnit                     int                `json:"size_unit"`
	Size                         string             `json:"size,omitempty"`
	Type                         string             `json:"type"`
	Algorithm                    string             `json:"algorithm"`
	Status                       string             `json:"status"`
	CreatedAt                    string             `json:"created_at"`
	ForwardingRules              []lbRuleJSON       `json:"forwarding_rules"`
	HealthCheck                  LBHealthCheck      `json:"health_check"`
	StickySessions               LBStickySessions   `json:"sticky_sessions"`
	Region                       regionJSON         `json:"region"`
	Tag                          string             `json:"tag"`
	DropletIDs                   []int              `json:"droplet_ids"`
	Tags                         []string           `json:"tags"`
	RedirectHTTPToHTTPS          bool               `json:"redirect_http_to_https"`
	EnableProxyProtocol          bool               `json:"enable_proxy_protocol"`
	EnableBackendKeepalive       bool               `json:"enable_backend_keepalive"`
	HTTPIdleTimeoutSeconds       int                `json:"http_idle_timeout_seconds"`
	VPCUUID                      string             `json:"vpc_uuid"`
	ProjectID                    string             `json:"project_id"`
	DisableLetsEncryptDNSRecords bool               `json:"disable_lets_encrypt_dns_records"`
	Firewall                     LBFirewall         `json:"firewall"`
	Network                      string             `json:"network"`
	NetworkStack                 string             `json:"network_stack"`
	TLSCipherPolicy              string             `json:"tls_cipher_policy"`
	TargetLoadBalancerIDs        []string           `json:"target_load_balancer_ids"`
	GLBSettings                  *map[string]string `json:"glb_settings"` // always null for regional
}

type lbRuleJSON struct {
	EntryProtocol  string `json:"entry_protocol"`
	EntryPort      int    `json:"entry_port"`
	TargetProtocol string `json:"target_protocol"`
	TargetPort     int    `json:"target_port"`
	CertificateID  string `json:"certificate_id"`
	TLSPassthrough bool   `json:"tls_passthrough"`
}

func (s *Server) loadBalancerRoutes() {
	s.handle("POST /v2/load_balancers", s.createLoadBalancer)
	s.handle("GET /v2/load_balancers", s.listLoadBalancers)
	s.handle("GET /v2/load_balancers/{id}", s.getLoadBalancer)
	s.handle("PUT /v2/load_balancers/{id}", s.updateLoadBalancer)
	s.handle("DELETE /v2/load_balancers/{id}", s.deleteLoadBalancer)
	s.handle("POST /v2/load_balancers/{id}/droplets", s.changeLoadBalancerDroplets(true))
	s.handle("DELETE /v2/load_balancers/{id}/droplets", s.changeLoadBalancerDroplets(false))
	s.handle("POST /v2/load_balancers/{id}/forwarding_rules", s.changeForwardingRules(true))
	s.handle("DELETE /v2/load_balancers/{id}/forwarding_rules", s.changeForwardingRules(false))
}

func (s *Server) createLoadBalancer(c *call) (int, any) {
	var in lbRequest
	if err := c.decode(&in); err != nil {
		return err.Status, err
	}
	lb, verr := c.loadBalancerFromRequest(&in, nil)
	if verr != nil {
		return verr.Status, verr
	}
	if in.ValidateOnly {
		return http.StatusNoContent, nil
	}
	if lb.VPCUUID == "" {
		lb.VPCUUID = c.w.defaultVPC(c.now, lb.Region).ID
	}
	lb.ID = newUUID()
	lb.Status = "new"
	lb.CreatedAt = c.now
	lb.ActiveAt = c.after(c.s.delays.LoadBalancerProvision)
	lb.BusyUntil = lb.ActiveAt
	lb.HealthObservedAt = c.now
	lb.Targets = map[int]*TargetHealth{}
	if ip := net.ParseIP(in.IP); ip != nil {
		lb.RequestedIP = ip.String()
	}
	c.w.LoadBalancers[lb.ID] = lb
	if lb.ProjectID != "" {
		c.w.assignProject(loadBalancerURN(lb.ID), lb.ProjectID, c.now)
	}
	return http.StatusAccepted, map[string]any{"load_balancer": c.w.renderLoadBalancer(lb)}
}

func (s *Server) listLoadBalancers(c *call) (int, any) {
	q := c.r.URL.Query()
	names, uuids := q["names"], q["uuids"]
	var out []loadBalancerJSON
	for _, lb := range c.w.loadBalancersSorted() {
		if len(names) > 0 && !slices.Contains(names, lb.Name) {
			continue
		}
		if len(uuids) > 0 && !slices.Contains(uuids, lb.ID) {
			continue
		}
		out = append(out, c.w.renderLoadBalancer(lb))
	}
	return http.StatusOK, listBody(c, "load_balancers", out)
}

func (s *Server) getLoadBalancer(c *call) (int, any) {
	lb := c.w.LoadBalancers[c.r.PathValue("id")]
	if lb == nil {
		return http.StatusNotFound, errNotFound()
	}
	return http.StatusOK, map[string]any{"load_balancer": c.w.renderLoadBalancer(lb)}
}

func (s *Server) updateLoadBalancer(c *call) (int, any) {
	old := c.w.LoadBalancers[c.r.PathValue("id")]
	if old == nil {
		return http.StatusNotFound, errNotFound()
	}
	var in lbRequest
	if err := c.decode(&in); err != nil {
		return err.Status, err
	}
	// Validating a definition does not wait for a previous change.
	if old.busy(c.now) && !in.ValidateOnly {
		return http.StatusForbidden, errLoadBalancerBusy()
	}
	lb, verr := c.loadBalancerFromRequest(&in, old)
	if verr != nil {
		return verr.Status, verr
	}
	if in.ValidateOnly {
		return http.StatusNoContent, nil
	}
	// What the request cannot change carries over.
	lb.ID, lb.Status, lb.CreatedAt, lb.ActiveAt = old.ID, old.Status, old.CreatedAt, old.ActiveAt
	lb.IP, lb.IPv6, lb.RequestedIP = old.IP, old.IPv6, old.RequestedIP
	lb.Targets, lb.HealthObservedAt = old.Targets, old.HealthObservedAt
	lb.BusyUntil = c.after(c.s.delays.LoadBalancerUpdate)
	c.w.LoadBalancers[lb.ID] = lb
	if urn := loadBalancerURN(lb.ID); lb.ProjectID != "" && c.w.projectOf(urn) != lb.ProjectID {
		c.w.assignProject(urn, lb.ProjectID, c.now)
	}
	c.w.letsEncryptRecords(lb, c.now)
	c.s.observeHealth(lb, c.now)
	return http.StatusOK, map[string]any{"load_balancer": c.w.renderLoadBalancer(lb)}
}

// deleteLoadBalancer is allowed at any time, also while the load balancer
// provisions or applies a change, as on DigitalOcean.
func (s *Server) deleteLoadBalancer(c *call) (int, any) {
	id := c.r.PathValue("id")
	if c.w.LoadBalancers[id] == nil {
		return http.StatusNotFound, errNotFound()
	}
	delete(c.w.LoadBalancers, id)
	return http.StatusNoContent, nil
}

// changeLoadBalancerDroplets adds or removes droplet ids. A load balancer
// that targets a tag takes no ids (DigitalOcean answers 422).
func (s *Server) changeLoadBalancerDroplets(add bool) handler {
	return func(c *call) (int, any) {
		lb := c.w.LoadBalancers[c.r.PathValue("id")]
		if lb == nil {
			return http.StatusNotFound, errNotFound()
		}
		var in struct {
			DropletIDs []int `json:"droplet_ids"`
		}
		if err := c.decode(&in); err != nil {
			return err.Status, err
		}
		if lb.busy(c.now) {
			return http.StatusForbidden, errLoadBalancerBusy()
		}
		if len(in.DropletIDs) == 0 {
			return http.StatusUnprocessableEntity, errUnprocessable("droplet_ids is required: give at least one droplet id")
		}
		if lb.Tag != "" {
			return http.StatusUnprocessableEntity, errUnprocessable("need to provide either a tag or a list of droplets")
		}
		ids := slices.Clone(lb.DropletIDs)
		if add {
			if err := c.w.checkTargetDroplets("droplet_ids", in.DropletIDs, lb.Region); err != nil {
				return err.Status, err
			}
			ids = append(ids, in.DropletIDs...)
		} else {
			ids = slices.DeleteFunc(ids, func(id int) bool { return slices.Contains(in.DropletIDs, id) })
		}
		lb.DropletIDs = sortedUnique(ids)
		lb.BusyUntil = c.after(c.s.delays.LoadBalancerUpdate)
		c.s.observeHealth(lb, c.now)
		return http.StatusNoContent, nil
	}
}

// changeForwardingRules adds or removes forwarding rules; a rule is removed
// when its protocols and ports match.
func (s *Server) changeForwardingRules(add bool) handler {
	return func(c *call) (int, any) {
		lb := c.w.LoadBalancers[c.r.PathValue("id")]
		if lb == nil {
			return http.StatusNotFound, errNotFound()
		}
		var in struct {
			ForwardingRules []LBForwardingRule `json:"forwarding_rules"`
		}
		if err := c.decode(&in); err != nil {
			return err.Status, err
		}
		if lb.busy(c.now) {
			return http.StatusForbidden, errLoadBalancerBusy()
		}
		if len(in.ForwardingRules) == 0 {
			return http.StatusUnprocessableEntity, errUnprocessable("forwarding_rules is required: give at least one forwarding rule")
		}
		var rules []LBForwardingRule
		if add {
			// The request's rules alone first, so errors index the request.
			if err := c.checkForwardingRules(in.ForwardingRules, lb.Type); err != nil {
				return err.Status, err
			}
			rules = append(slices.Clone(lb.ForwardingRules), in.ForwardingRules...)
		} else {
			rules = slices.DeleteFunc(slices.Clone(lb.ForwardingRules), func(r LBForwardingRule) bool {
				return slices.ContainsFunc(in.ForwardingRules, r.sameRoute)
			})
		}
		if err := c.checkForwardingRules(rules, lb.Type); err != nil {
			return err.Status, err
		}
		if lb.RedirectHTTPToHTTPS && !hasTLSEntry(rules) {
			return http.StatusUnprocessableEntity, errRedirectNeedsHTTPS()
		}
		lb.ForwardingRules = rules
		lb.BusyUntil = c.after(c.s.delays.LoadBalancerUpdate)
		c.w.letsEncryptRecords(lb, c.now)
		return http.StatusNoContent, nil
	}
}

// busy reports whether the load balancer refuses changes: while it
// provisions and until a previous change has been applied.
func (lb *LoadBalancer) busy(now time.Time) bool {
	return lb.Status == "new" || now.Before(lb.BusyUntil)
}

// sameRoute reports whether two rules route the same entry to the same
// target; certificate and passthrough settings do not matter for removal.
func (r LBForwardingRule) sameRoute(o LBForwardingRule) bool {
	return r.EntryProtocol == o.EntryProtocol && r.EntryPort == o.EntryPort &&
		r.TargetProtocol == o.TargetProtocol && r.TargetPort == o.TargetPort
}

// loadBalancerFromRequest validates a create (old == nil) or whole-object
// update request and returns the resulting record. Attributes the request
// omits take their defaults, except those that cannot change after
// creation (region, type, network, network_stack, vpc_uuid, project_id),
// which carry over.
func (c *call) loadBalancerFromRequest(in *lbRequest, old *LoadBalancer) (*LoadBalancer, *APIError) {
	lb := &LoadBalancer{}
	// In this order: DigitalOcean reports the first problem it meets.
	for _, step := range []func(*lbRequest, *LoadBalancer, *LoadBalancer) *APIError{c.lbIdentity, c.lbRouting, c.lbPlacement} {
		if err := step(in, old, lb); err != nil {
			return nil, err
		}
	}
	return lb, nil
}

// lbIdentity checks name, type, region, size and algorithm.
func (c *call) lbIdentity(in *lbRequest, old, lb *LoadBalancer) *APIError {

	if in.Name == "" {
		return errUnprocessable("name is required")
	}
	if !LoadBalancerNamePattern.MatchString(in.Name) {
		return errUnprocessable("invalid name %q: must be at most 255 characters, contain only letters, digits, dots and dashes, start with a letter or digit and not end with a dash", in.Name)
	}
	lb.Name = in.Name

	var err *APIError
	if lb.Type, err = immutableEnum("type", strings.ToUpper(in.Type), LoadBalancerTypes, "REGIONAL", old, func(o *LoadBalancer) string { return o.Type }); err != nil {
		return err
	}
	if lb.Type == "GLOBAL" {
		return errUnprocessable("type GLOBAL is not supported by the sandbox: use REGIONAL or REGIONAL_NETWORK")
	}
	if err := refuseGlobalOnlyFields(in, lb.Type); err != nil {
		return err
	}

	region := strings.ToLower(in.Region)
	switch {
	case region == "" && old != nil:
		region = old.Region
	case region == "":
		return errUnprocessable("region is required")
	case old != nil && region != old.Region:
		return errUnprocessable("region cannot be changed after creation: the load balancer is in %s, the request says %s", old.Region, region)
	}
	if r, ok := c.w.catalog.region(region); !ok || !r.Available {
		return errUnprocessable("invalid region %q: must be an available region (%s)", region, strings.Join(c.w.catalog.availableRegionSlugs(), ", "))
	}
	lb.Region = region

	if lb.SizeUnit, err = sizeUnitFromRequest(in); err != nil {
		return err
	}

	lb.Algorithm = in.Algorithm
	if lb.Algorithm == "" {
		lb.Algorithm = "round_robin"
	}
	if !slices.Contains(LoadBalancerAlgorithms, lb.Algorithm) {
		return errNotOneOf("algorithm", lb.Algorithm, LoadBalancerAlgorithms)
	}
	return nil
}

// lbRouting checks forwarding rules, health check, sticky sessions, targets
// and the connection settings.
func (c *call) lbRouting(in *lbRequest, old, lb *LoadBalancer) *APIError {
	var err *APIError
	if len(in.ForwardingRules) == 0 {
		return errUnprocessable("forwarding_rules is required: give at least one forwarding rule")
	}
	if err := c.checkForwardingRules(in.ForwardingRules, lb.Type); err != nil {
		return err
	}
	lb.ForwardingRules = in.ForwardingRules

	if lb.HealthCheck, err = healthCheckFromRequest(in.HealthCheck); err != nil {
		return err
	}
	if lb.StickySessions, err = stickySessionsFromRequest(in.StickySessions); err != nil {
		return err
	}

	if in.Tag != "" && len(in.DropletIDs) > 0 {
		return errUnprocessable("need to provide either a tag or a list of droplets")
	}
	if in.Tag != "" && !tagNamePattern.MatchString(in.Tag) {
		return errUnprocessable("invalid tag %q: tags are 1 to 255 letters, digits, colons, dashes and underscores", in.Tag)
	}
	if err := c.w.checkTargetDroplets("droplet_ids", in.DropletIDs, lb.Region); err != nil {
		return err
	}
	lb.Tag, lb.DropletIDs = in.Tag, sortedUnique(in.DropletIDs)
	if lb.Tags, err = lbTagsFromRequest(in.Tags, old); err != nil {
		return err
	}

	lb.RedirectHTTPToHTTPS = in.RedirectHTTPToHTTPS
	if lb.RedirectHTTPToHTTPS && !hasTLSEntry(lb.ForwardingRules) {
		return errRedirectNeedsHTTPS()
	}
	lb.EnableProxyProtocol = in.EnableProxyProtocol
	lb.EnableBackendKeepalive = in.EnableBackendKeepalive

	lb.HTTPIdleTimeoutSeconds = DefaultHTTPIdleTimeoutSeconds
	if in.HTTPIdleTimeoutSeconds != nil {
		lb.HTTPIdleTimeoutSeconds = *in.HTTPIdleTimeoutSeconds
	}
	if !HTTPIdleTimeoutRange.Contains(lb.HTTPIdleTimeoutSeconds) {
		return errOutOfRange("http_idle_timeout_seconds", lb.HTTPIdleTimeoutSeconds, HTTPIdleTimeoutRange)
	}
	return nil
}

// lbPlacement checks VPC, project, firewall, network and TLS settings and a
// requested ip.
func (c *call) lbPlacement(in *lbRequest, old, lb *LoadBalancer) *APIError {
	var err *APIError
	if lb.VPCUUID, err = c.vpcFromRequest(in.VPCUUID, lb.Region, old); err != nil {
		return err
	}

	// Without project_id a new load balancer lands in the default project
	// and an updated one stays where it is.
	if in.ProjectID != "" {
		if err := c.w.checkProjectID(in.ProjectID); err != nil {
			return err
		}
		lb.ProjectID = in.ProjectID
	}

	if in.DisableLetsEncryptDNSRecords != nil {
		lb.DisableLetsEncryptDNSRecords = *in.DisableLetsEncryptDNSRecords
	}

	if lb.Firewall, err = firewallFromRequest(in.Firewall); err != nil {
		return err
	}

	if lb.Network, err = immutableEnum("network", strings.ToUpper(in.Network), LoadBalancerNetworks, "EXTERNAL", old, func(o *LoadBalancer) string { return o.Network }); err != nil {
		return err
	}
	if lb.NetworkStack, err = immutableEnum("network_stack", strings.ToUpper(in.NetworkStack), LoadBalancerNetworkStacks, "IPV4", old, func(o *LoadBalancer) string { return o.NetworkStack }); err != nil {
		return err
	}
	lb.TLSCipherPolicy = strings.ToUpper(in.TLSCipherPolicy)
	if lb.TLSCipherPolicy == "" {
		lb.TLSCipherPolicy = "DEFAULT"
	}
	if !slices.Contains(LoadBalancerTLSCipherPolicies, lb.TLSCipherPolicy) {
		return errNotOneOf("tls_cipher_policy", in.TLSCipherPolicy, LoadBalancerTLSCipherPolicies)
	}

	if old == nil && in.IP != "" {
		if err := c.w.checkRequestedIP(in.IP); err != nil {
			return err
		}
	}
	return nil
}

// lbTagsFromRequest: tags are taken on creation only (godo: "Tags can only
// be provided upon the creation of a Load Balancer"); an update keeps them,
// whatever it sends, as DigitalOcean Kubernetes resends them on every update.
func lbTagsFromRequest(tags []string, old *LoadBalancer) ([]string, *APIError) {
	if old != nil {
		return old.Tags, nil
	}
	for _, t := range tags {
		if !tagNamePattern.MatchString(t) {
			return nil, errUnprocessable("tags: %q is not a valid tag name: tags are 1 to 255 characters of letters, digits, ':', '-' and '_'", t)
		}
	}
	return dedupe(tags), nil
}

// refuseGlobalOnlyFields answers a 422 naming the first GLOBAL-only field
// a regional load balancer request sets.
func refuseGlobalOnlyFields(in *lbRequest, lbType string) *APIError {
	set := map[string]bool{
		"domains":                  len(in.Domains) > 0,
		"glb_settings":             len(in.GLBSettings) > 0 && string(in.GLBSettings) != "null",
		"target_load_balancer_ids": len(in.TargetLoadBalancerIDs) > 0,
	}
	for _, field := range []string{"domains", "glb_settings", "target_load_balancer_ids"} {
		if set[field] {
			return errUnprocessable("%s can only be set on a load balancer of type GLOBAL; this one is %s", field, lbType)
		}
	}
	return nil
}

// immutableEnum resolves an enum attribute that is fixed at creation: empty
// keeps the old value (or the default on create), anything else must be
// allowed and, on update, unchanged.
func immutableEnum(field, v string, allowed []string, def string, old *LoadBalancer, get func(*LoadBalancer) string) (string, *APIError) {
	if v == "" {
		if old != nil {
			return get(old), nil
		}
		return def, nil
	}
	if !slices.Contains(allowed, v) {
		return "", errNotOneOf(field, v, allowed)
	}
	if old != nil && v != get(old) {
		return "", errUnprocessable("%s cannot be changed after creation: it is %s, the request says %s", field, get(old), v)
	}
	return v, nil
}

// sizeUnitFromRequest resolves size_unit and the deprecated size slug
// (lb-small = 1 node, lb-medium = 3, lb-large = 6); both may be given when
// they agree, as godo's AsRequest sends them.
func sizeUnitFromRequest(in *lbRequest) (int, *APIError) {
	unit := DefaultLoadBalancerSizeUnit
	if in.Size != "" {
		u, ok := LoadBalancerSizeUnits[in.Size]
		if !ok {
			return 0, errNotOneOf("size", in.Size, LoadBalancerSizeSlugs)
		}
		unit = u
	}
	if in.SizeUnit != nil {
		if !LoadBalancerSizeUnitRange.Contains(*in.SizeUnit) {
			return 0, errOutOfRange("size_unit", *in.SizeUnit, LoadBalancerSizeUnitRange)
		}
		if in.Size != "" && *in.SizeUnit != unit {
			return 0, errUnprocessable("size %s is %d nodes but size_unit is %d: give only one of size and size_unit", in.Size, unit, *in.SizeUnit)
		}
		unit = *in.SizeUnit
	}
	return unit, nil
}

// checkForwardingRules validates a load balancer's complete rule set.
func (c *call) checkForwardingRules(rules []LBForwardingRule, lbType string) *APIError {
	if len(rules) == 0 {
		return errUnprocessable("forwarding_rules: a load balancer needs at least one forwarding rule")
	}
	seen := map[int]int{}
	for i, r := range rules {
		f := func(name string) string { return fmt.Sprintf("forwarding_rules[%d].%s", i, name) }
		if !slices.Contains(ForwardingEntryProtocols, r.EntryProtocol) {
			return errNotOneOf(f("entry_protocol"), r.EntryProtocol, ForwardingEntryProtocols)
		}
		if !slices.Contains(ForwardingTargetProtocols, r.TargetProtocol) {
			return errNotOneOf(f("target_protocol"), r.TargetProtocol, ForwardingTargetProtocols)
		}
		if !PortRange.Contains(r.EntryPort) {
			return errOutOfRange(f("entry_port"), r.EntryPort, PortRange)
		}
		if !PortRange.Contains(r.TargetPort) {
			return errOutOfRange(f("target_port"), r.TargetPort, PortRange)
		}
		if j, dup := seen[r.EntryPort]; dup {
			return errUnprocessable("%s %d is already used by forwarding_rules[%d]: each entry port takes one rule", f("entry_port"), r.EntryPort, j)
		}
		seen[r.EntryPort] = i
		if lbType == "REGIONAL_NETWORK" && r.EntryProtocol != "tcp" && r.EntryProtocol != "udp" {
			return errUnprocessable("invalid %s %q: a REGIONAL_NETWORK load balancer forwards only tcp and udp", f("entry_protocol"), r.EntryProtocol)
		}
		if allowed := targetProtocolsFor(r.EntryProtocol); !slices.Contains(allowed, r.TargetProtocol) {
			return errUnprocessable("invalid %s %q for entry_protocol %s: must be one of %s", f("target_protocol"), r.TargetProtocol, r.EntryProtocol, strings.Join(allowed, ", "))
		}
		tlsEntry := isTLSEntry(r.EntryProtocol)
		switch {
		case r.TLSPassthrough && (r.CertificateID != "" || r.CertificateName != ""):
			return errUnprocessable("%s: tls_passthrough cannot be combined with a certificate", f("tls_passthrough"))
		case r.TLSPassthrough && (r.EntryProtocol != "https" && r.EntryProtocol != "http2" || r.TargetProtocol != "https" && r.TargetProtocol != "http2"):
			return errUnprocessable("%s: tls_passthrough needs entry_protocol and target_protocol https or http2, got %s to %s", f("tls_passthrough"), r.EntryProtocol, r.TargetProtocol)
		case tlsEntry && !r.TLSPassthrough && r.CertificateID == "" && r.CertificateName == "":
			return errUnprocessable("%s: entry_protocol %s needs a certificate_id unless tls_passthrough is true", f("certificate_id"), r.EntryProtocol)
		}
		if r.CertificateID != "" {
			if _, ok := c.w.Certificates[r.CertificateID]; !ok {
				return errUnprocessable("invalid %s %q: no such certificate", f("certificate_id"), r.CertificateID)
			}
		}
	}
	return nil
}

// targetProtocolsFor is what an entry protocol may forward to: udp only to
// udp, tcp only to tcp, the HTTP family to the HTTP family.
func targetProtocolsFor(entry string) []string {
	switch entry {
	case "udp":
		return []string{"udp"}
	case "tcp":
		return []string{"tcp"}
	default:
		return []string{"http", "https", "http2"}
	}
}

func isTLSEntry(protocol string) bool {
	return protocol == "https" || protocol == "http2" || protocol == "http3"
}

func hasTLSEntry(rules []LBForwardingRule) bool {
	return slices.ContainsFunc(rules, func(r LBForwardingRule) bool { return isTLSEntry(r.EntryProtocol) })
}

func errRedirectNeedsHTTPS() *APIError {
	return errUnprocessable("redirect_http_to_https needs a forwarding rule with entry_protocol https, http2 or http3 to redirect to")
}

// healthCheckFromRequest fills DigitalOcean's defaults into an omitted
// health check or omitted fields, and checks the ranges. A path means
// nothing to a tcp check: DigitalOcean drops it.
func healthCheckFromRequest(in *LBHealthCheck) (LBHealthCheck, *APIError) {
	hc := DefaultLoadBalancerHealthCheck
	if in == nil {
		return hc, nil
	}
	if in.Protocol != "" {
		hc.Protocol = in.Protocol
	}
	if !slices.Contains(HealthCheckProtocols, hc.Protocol) {
		return hc, errNotOneOf("health_check.protocol", hc.Protocol, HealthCheckProtocols)
	}
	fields := []struct {
		name string
		in   int
		out  *int
		r    Range
	}{
		{"health_check.port", in.Port, &hc.Port, PortRange},
		{"health_check.check_interval_seconds", in.CheckIntervalSeconds, &hc.CheckIntervalSeconds, HealthCheckIntervalRange},
		{"health_check.response_timeout_seconds", in.ResponseTimeoutSeconds, &hc.ResponseTimeoutSeconds, HealthCheckResponseTimeoutRange},
		{"health_check.healthy_threshold", in.HealthyThreshold, &hc.HealthyThreshold, HealthyThresholdRange},
		{"health_check.unhealthy_threshold", in.UnhealthyThreshold, &hc.UnhealthyThreshold, UnhealthyThresholdRange},
	}
	for _, f := range fields {
		if f.in == 0 {
			continue // omitted: the default stays
		}
		if !f.r.Contains(f.in) {
			return hc, errOutOfRange(f.name, f.in, f.r)
		}
		*f.out = f.in
	}
	switch {
	case hc.Protocol == "tcp":
		hc.Path = ""
	case in.Path != "":
		if !strings.HasPrefix(in.Path, "/") {
			return hc, errUnprocessable("invalid health_check.path %q: must start with /", in.Path)
		}
		hc.Path = in.Path
	}
	return hc, nil
}

// stickySessionsFromRequest: none by default; cookies needs a cookie name
// and lifetime, and none takes neither.
func stickySessionsFromRequest(in *LBStickySessions) (LBStickySessions, *APIError) {
	if in == nil || in.Type == "" && in.CookieName == "" && in.CookieTTLSeconds == 0 {
		return LBStickySessions{Type: "none"}, nil
	}
	ss := *in
	if ss.Type == "" {
		ss.Type = "none"
	}
	if !slices.Contains(StickySessionTypes, ss.Type) {
		return ss, errNotOneOf("sticky_sessions.type", ss.Type, StickySessionTypes)
	}
	if ss.Type == "none" {
		if ss.CookieName != "" || ss.CookieTTLSeconds != 0 {
			return ss, errUnprocessable("sticky_sessions.cookie_name and cookie_ttl_seconds are only allowed when sticky_sessions.type is cookies")
		}
		return ss, nil
	}
	if ss.CookieName == "" {
		return ss, errUnprocessable("sticky_sessions.cookie_name is required when sticky_sessions.type is cookies")
	}
	if n := len(ss.CookieName); !StickyCookieNameLengthRange.Contains(n) {
		return ss, errUnprocessable("invalid sticky_sessions.cookie_name %q: must be %s characters long", ss.CookieName, StickyCookieNameLengthRange)
	}
	if ss.CookieTTLSeconds == 0 {
		return ss, errUnprocessable("sticky_sessions.cookie_ttl_seconds is required when sticky_sessions.type is cookies")
	}
	if ss.CookieTTLSeconds < StickyCookieTTLMinSeconds {
		return ss, errUnprocessable("invalid sticky_sessions.cookie_ttl_seconds %d: must be at least %d", ss.CookieTTLSeconds, StickyCookieTTLMinSeconds)
	}
	return ss, nil
}

// firewallFromRequest checks "ip:<address>" and "cidr:<network>" rules.
func firewallFromRequest(in *LBFirewall) (LBFirewall, *APIError) {
	fw := LBFirewall{Allow: []string{}, Deny: []string{}}
	if in == nil {
		return fw, nil
	}
	for _, list := range []struct {
		name string
		in   []string
		out  *[]string
	}{{"firewall.allow", in.Allow, &fw.Allow}, {"firewall.deny", in.Deny, &fw.Deny}} {
		for i, rule := range list.in {
			if !validFirewallSource(rule) {
				return fw, errUnprocessable("invalid %s[%d] %q: must be ip:<address> or cidr:<network>, e.g. ip:1.2.3.4 or cidr:10.0.0.0/8", list.name, i, rule)
			}
			*list.out = append(*list.out, rule)
		}
	}
	return fw, nil
}

func validFirewallSource(rule string) bool {
	if addr, ok := strings.CutPrefix(rule, "ip:"); ok {
		return net.ParseIP(addr) != nil
	}
	if cidr, ok := strings.CutPrefix(rule, "cidr:"); ok {
		_, _, err := net.ParseCIDR(cidr)
		return err == nil
	}
	return false
}

// vpcFromRequest: absent means the VPC the load balancer already has, or
// "" on create (the region's default VPC, made only once the load balancer
// is, so validating has no effect); present must be a VPC in the same region.
func (c *call) vpcFromRequest(id, region string, old *LoadBalancer) (string, *APIError) {
	switch {
	case id == "" && old != nil:
		return old.VPCUUID, nil
	case id == "":
		return "", nil
	case old != nil && id != old.VPCUUID:
		return "", errUnprocessable("vpc_uuid cannot be changed after creation: it is %s, the request says %s", old.VPCUUID, id)
	}
	v := c.w.VPCs[id]
	if v == nil {
		return "", errUnprocessable("invalid vpc_uuid %q: no such VPC", id)
	}
	if v.Region != region {
		return "", errUnprocessable("invalid vpc_uuid %q: the VPC is in %s, the load balancer in %s", id, v.Region, region)
	}
	return id, nil
}

// checkTargetDroplets checks that every id is a droplet in the region.
func (w *World) checkTargetDroplets(field string, ids []int, region string) *APIError {
	for i, id := range ids {
		d := w.Droplets[id]
		if d == nil {
			return errUnprocessable("invalid %s[%d] %d: no such droplet", field, i, id)
		}
		if d.Region != region {
			return errUnprocessable("invalid %s[%d] %d: the droplet is in %s, the load balancer in %s", field, i, id, d.Region, region)
		}
	}
	return nil
}

// targetsOf returns the droplets the load balancer sends traffic to: those
// carrying its tag in its region, or its droplet ids; oldest first.
func (w *World) targetsOf(lb *LoadBalancer) []*Droplet {
	var out []*Droplet
	if lb.Tag != "" {
		for _, d := range w.dropletsWithTag(lb.Tag) {
			if d.Region == lb.Region {
				out = append(out, d)
			}
		}
		return out
	}
	for _, id := range lb.DropletIDs {
		if d := w.Droplets[id]; d != nil {
			out = append(out, d)
		}
	}
	return out
}

func (w *World) loadBalancersSorted() []*LoadBalancer {
	out := make([]*LoadBalancer, 0, len(w.LoadBalancers))
	for _, lb := range w.LoadBalancers {
		out = append(out, lb)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].CreatedAt.Equal(out[j].CreatedAt) {
			return out[i].CreatedAt.Before(out[j].CreatedAt)
		}
		return out[i].ID < out[j].ID
	})
	return out
}

func (w *World) renderLoadBalancer(lb *LoadBalancer) loadBalancerJSON {
	rules := make([]lbRuleJSON, len(lb.ForwardingRules))
	for i, r := range lb.ForwardingRules {
		rules[i] = lbRuleJSON{r.EntryProtocol, r.EntryPort, r.TargetProtocol, r.TargetPort, r.CertificateID, r.TLSPassthrough}
	}
	ids := []int{}
	for _, d := range w.targetsOf(lb) {
		ids = append(ids, d.ID)
	}
	size := ""
	for slug, unit := range LoadBalancerSizeUnits {
		if unit == lb.SizeUnit {
			size = slug
		}
	}
	return loadBalancerJSON{
		ID:                           lb.ID,
		Name:                         lb.Name,
		IP:                           lb.IP,
		IPv6:                         lb.IPv6,
		SizeUnit:                     lb.SizeUnit,
		Size:                         size,
		Type:                         lb.Type,
		Algorithm:                    lb.Algorithm,
		Status:                       lb.Status,
		CreatedAt:                    timestamp(lb.CreatedAt),
		ForwardingRules:              rules,
		HealthCheck:                  lb.HealthCheck,
		StickySessions:               lb.StickySessions,
		Region:                       w.catalog.renderRegion(lb.Region), // the full region object, sizes included
		Tag:                          lb.Tag,
		DropletIDs:                   ids,
		Tags:                         nonNilStrings(lb.Tags),
		RedirectHTTPToHTTPS:          lb.RedirectHTTPToHTTPS,
		EnableProxyProtocol:          lb.EnableProxyProtocol,
		EnableBackendKeepalive:       lb.EnableBackendKeepalive,
		HTTPIdleTimeoutSeconds:       lb.HTTPIdleTimeoutSeconds,
		VPCUUID:                      lb.VPCUUID,
		ProjectID:                    w.projectOf(loadBalancerURN(lb.ID)),
		DisableLetsEncryptDNSRecords: lb.DisableLetsEncryptDNSRecords,
		Firewall:                     lb.Firewall,
		Network:                      lb.Network,
		NetworkStack:                 lb.NetworkStack,
		TLSCipherPolicy:              lb.TLSCipherPolicy,
		TargetLoadBalancerIDs:        []string{},
	}
}

// settleLoadBalancers makes provisioned load balancers active (assigning
// their addresses), forgets deleted droplets and brings the health view up
// to date.
func (s *Server) settleLoadBalancers(now time.Time) {
	for _, lb := range s.world.LoadBalancers {
		if lb.Status == "new" && !now.Before(lb.ActiveAt) {
			lb.Status = "active"
			s.world.assignAddresses(lb)
			s.world.letsEncryptRecords(lb, now)
		}
		lb.DropletIDs = slices.DeleteFunc(lb.DropletIDs, func(id int) bool { return s.world.Droplets[id] == nil })
		s.observeHealth(lb, now)
	}
}

// assignAddresses gives an active load balancer its addresses: a public
// IPv4 from the sandbox's block (or one from its VPC when INTERNAL) and,
// with DUALSTACK, the paired documentation-prefix IPv6 (addresses.go).
// DigitalOcean shows ip "" while new.
func (w *World) assignAddresses(lb *LoadBalancer) {
	switch {
	case lb.RequestedIP != "":
		lb.IP = lb.RequestedIP
	case lb.Network == "INTERNAL":
		used := map[string]bool{}
		for _, o := range w.LoadBalancers {
			used[o.IP] = true
		}
		h := fnv.New64a()
		h.Write([]byte(lb.ID))
		lb.IP = w.vpcAddress(lb.VPCUUID, h.Sum64(), used)
	default:
		// The block holds 64,000 addresses; running out leaves the load
		// balancer without an ip, as an exhausted region would.
		lb.IP, _ = w.takeIPv4()
	}
	if lb.NetworkStack == "DUALSTACK" {
		lb.IPv6 = w.lbIPv6(lb)
	}
}

// lbIPv6 pairs a load balancer's IPv6 with its IPv4; an INTERNAL one's
// private IPv4 maps into a /64 of its own so it never meets a public one.
func (w *World) lbIPv6(lb *LoadBalancer) string {
	if lb.Network == "INTERNAL" {
		a, err := netip.ParseAddr(lb.IP)
		if err != nil || !a.Is4() {
			return ""
		}
		v := a.As4()
		return fmt.Sprintf("2001:db8:%x:1::%x:%x", w.AddressBlock, v[2], v[3])
	}
	return ipv6For(w.AddressBlock, lb.IP)
}

// vpcAddress picks an unused host address in the VPC's range.
func (w *World) vpcAddress(vpcID string, seed uint64, used map[string]bool) string {
	base := net.IPv4(10, 10, 0, 0).To4()
	size := uint32(1 << 12)
	if v := w.VPCs[vpcID]; v != nil {
		if _, n, err := net.ParseCIDR(v.IPRange); err == nil && n.IP.To4() != nil {
			if ones, bits := n.Mask.Size(); bits-ones >= 3 {
				base, size = n.IP.To4(), uint32(1)<<(bits-ones)
			}
		}
	}
	start := binary.BigEndian.Uint32(base)
	for i := uint64(0); i < uint64(size); i++ {
		off := uint32((seed+i)%uint64(size-3)) + 2 // skip network and gateway
		ip := make(net.IP, 4)
		binary.BigEndian.PutUint32(ip, start+off)
		if !used[ip.String()] {
			return ip.String()
		}
	}
	return base.String()
}

// defaultProjectID is the account's default project, derived from the
// account so it is stable across restarts without a projects model.
func (w *World) defaultProjectID() string {
	sum := sha1.Sum([]byte("default-project:" + w.Account.UUID))
	b := sum[:16]
	b[6] = (b[6] & 0x0f) | 0x50
	b[8] = (b[8] & 0x3f) | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

var uuidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

func sortedUnique(ids []int) []int {
	out := slices.Clone(ids)
	slices.Sort(out)
	out = slices.Compact(out)
	if out == nil {
		out = []int{}
	}
	return out
}

// errNotOneOf and errOutOfRange are the 422s for enum and range violations,
// naming the field, the value and what is allowed.
func errNotOneOf(field, value string, allowed []string) *APIError {
	return errUnprocessable("invalid %s %q: must be one of %s", field, value, strings.Join(allowed, ", "))
}

func errOutOfRange(field string, value int, r Range) *APIError {
	return errUnprocessable("invalid %s %d: must be %s", field, value, r)
}

// LoadBalancersUnit is the sandbox's load balancers and their health checks.
type LoadBalancersUnit struct {
	LoadBalancers map[string]*LoadBalancer `json:"load_balancers"`
}

func (u *LoadBalancersUnit) ensure() {
	if u.LoadBalancers == nil {
		u.LoadBalancers = map[string]*LoadBalancer{}
	}
}

func (*LoadBalancersUnit) routes(s *Server) {
	s.loadBalancerRoutes()
}

func (*LoadBalancersUnit) settle(s *Server, now time.Time) {
	s.settleLoadBalancers(now)
}
