package sandbox

import (
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"time"

	"github.com/scalable-tf/terraform-provider-scalable/internal/doapi"
)

// DatabaseFirewallRule is a trusted source of a cluster: an address or
// range, a droplet, a tag, a Kubernetes cluster or an app.
type DatabaseFirewallRule struct {
	UUID        string    `json:"uuid"`
	Type        string    `json:"type"`
	Value       string    `json:"value"`
	Description string    `json:"description,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
}

// databaseRuleIn is a rule in a create or a PUT …/firewall. godo sends
// cluster_uuid and created_at too (empty); they are ignored.
type databaseRuleIn struct {
	UUID        string `json:"uuid"`
	Type        string `json:"type"`
	Value       string `json:"value"`
	Description string `json:"description"`
}

type databaseRuleJSON struct {
	UUID        string `json:"uuid"`
	ClusterUUID string `json:"cluster_uuid"`
	Type        string `json:"type"`
	Value       string `json:"value"`
	Description string `json:"description,omitempty"`
	CreatedAt   string `json:"created_at"`
}

func (s *Server) databaseFirewallRoutes() {
	s.handle("GET /v2/databases/{id}/firewall", listDatabaseFirewall)
	s.handle("PUT /v2/databases/{id}/firewall", updateDatabaseFirewall)
}

// databaseRules checks a rule list and returns the rules it sets. A rule
// the cluster has keeps its uuid and created_at: the official provider
// sends uuids back, doctl's firewalls append re-sends type and value only.
// A repeated rule counts once.
func (w *World) databaseRules(in []databaseRuleIn, old []*DatabaseFirewallRule, now time.Time) ([]*DatabaseFirewallRule, *APIError) {
	if len(in) > doapi.DatabaseMaxFirewallRules {
		return nil, errUnprocessable("too many rules: a cluster takes at most %d trusted sources, the request has %d", doapi.DatabaseMaxFirewallRules, len(in))
	}
	var out []*DatabaseFirewallRule
	for i, r := range in {
		if err := w.checkDatabaseRule(i, r); err != nil {
			return nil, err
		}
		if slices.ContainsFunc(out, func(o *DatabaseFirewallRule) bool { return o.Type == r.Type && o.Value == r.Value }) {
			continue
		}
		rule := &DatabaseFirewallRule{UUID: newUUID(), Type: r.Type, Value: r.Value, Description: r.Description, CreatedAt: now}
		if i := slices.IndexFunc(old, func(o *DatabaseFirewallRule) bool { return sameDatabaseRule(o, r) }); i >= 0 {
			rule.UUID, rule.CreatedAt = old[i].UUID, old[i].CreatedAt
		}
		out = append(out, rule)
	}
	return out, nil
}

// sameDatabaseRule reports whether a requested rule is the cluster's rule
// o: by uuid when it names one, else by type and value.
func sameDatabaseRule(o *DatabaseFirewallRule, r databaseRuleIn) bool {
	if r.UUID != "" {
		return o.UUID == r.UUID
	}
	return o.Type == r.Type && o.Value == r.Value
}

// checkDatabaseRule checks one trusted source against what the account
// holds.
func (w *World) checkDatabaseRule(i int, r databaseRuleIn) *APIError {
	if !slices.Contains(doapi.DatabaseFirewallRuleTypes, r.Type) {
		return errNotOneOf("rules["+strconv.Itoa(i)+"].type", r.Type, doapi.DatabaseFirewallRuleTypes)
	}
	if r.Value == "" {
		return errUnprocessable("rules[%d].value is required", i)
	}
	switch r.Type {
	case "ip_addr":
		return checkTrustedAddress(i, r.Value)
	case "droplet":
		if id, err := strconv.Atoi(r.Value); err != nil || w.Droplets[id] == nil {
			return errUnprocessable("invalid rules[%d].value %q: no droplet with that id in the account", i, r.Value)
		}
	case "tag":
		if err := validateTagName(r.Value); err != nil {
			return errUnprocessable("invalid rules[%d].value: %s", i, err.Message)
		}
	case "k8s":
		// DigitalOcean's answer for a cluster without nodes (seen verbatim
		// in digitalocean/mastodon-on-kubernetes#4); the sandbox has no
		// Kubernetes clusters, so none has any.
		return errUnprocessable("no VMs found for Kubernetes cluster")
	case "app":
		return errUnprocessable("invalid rules[%d].value %q: no App Platform app with that id in the account (the sandbox emulates none)", i, r.Value)
	}
	return nil
}

// checkTrustedAddress takes an IPv4 address or range; DigitalOcean takes
// no IPv6 trusted sources.
func checkTrustedAddress(i int, v string) *APIError {
	a, err := netip.ParseAddr(v)
	if err != nil {
		p, perr := netip.ParsePrefix(v)
		if perr != nil {
			return errUnprocessable("invalid rules[%d].value %q: must be an IPv4 address or CIDR range", i, v)
		}
		a = p.Addr()
	}
	if !a.Is4() {
		return errUnprocessable("invalid rules[%d].value %q: IPv6 addresses cannot be trusted sources", i, v)
	}
	return nil
}

func renderDatabaseRules(db *DatabaseCluster) []databaseRuleJSON {
	out := make([]databaseRuleJSON, len(db.Rules))
	for i, r := range db.Rules {
		out[i] = databaseRuleJSON{UUID: r.UUID, ClusterUUID: db.ID, Type: r.Type, Value: r.Value,
			Description: r.Description, CreatedAt: timestamp(r.CreatedAt)}
	}
	return out
}

// listDatabaseFirewall serves GET /v2/databases/{id}/firewall.
func listDatabaseFirewall(c *call) (int, any) {
	db, err := c.clusterOf()
	if err != nil {
		return 0, err
	}
	return http.StatusOK, map[string]any{"rules": renderDatabaseRules(db)}
}

// updateDatabaseFirewall serves PUT /v2/databases/{id}/firewall: the body's
// rules replace the cluster's. A cluster with none takes connections from
// anywhere, as on DigitalOcean.
func updateDatabaseFirewall(c *call) (int, any) {
	db, err := c.clusterOf()
	if err != nil {
		return 0, err
	}
	var in struct {
		Rules []databaseRuleIn `json:"rules"`
	}
	if err := c.decode(&in); err != nil {
		return 0, err
	}
	rules, err := c.w.databaseRules(in.Rules, db.Rules, c.now)
	if err != nil {
		return 0, err
	}
	db.Rules = rules
	return http.StatusNoContent, nil
}
