package provider

import (
	"sort"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/scalable-tf/terraform-provider-scalable/internal/doapi"
	"github.com/scalable-tf/terraform-provider-scalable/internal/tier"
)

// setComputed fills the computed attributes from a fleet.
func (m *webTierModel) setComputed(fleet tier.Fleet) {
	name := m.Name.ValueString()
	m.ID = types.StringValue(name)
	m.Tag = types.StringValue(tier.Tag(name))
	if lb := fleet.LoadBalancer; lb != nil {
		m.LoadBalancerID = types.StringValue(lb.ID)
		m.LoadBalancerIP = types.StringValue(lb.IP)
		if m.VPCUUID.IsUnknown() || m.VPCUUID.IsNull() {
			m.VPCUUID = types.StringValue(lb.VPCUUID)
		}
	} else {
		m.LoadBalancerID = types.StringNull()
		m.LoadBalancerIP = types.StringNull()
	}
	if m.VPCUUID.IsUnknown() {
		m.VPCUUID = types.StringNull()
		for _, d := range fleet.Droplets {
			if d.VPCUUID != "" {
				m.VPCUUID = types.StringValue(d.VPCUUID)
				break
			}
		}
	}
	elems := make([]attr.Value, 0, len(fleet.Droplets))
	for _, d := range fleet.Droplets {
		elems = append(elems, dropletObject(d))
	}
	m.Droplets = types.ListValueMust(dropletObjectType, elems)
	byIndex, _ := tier.TierAlerts(name, fleet.Alerts)
	ids := []attr.Value{}
	for i := 0; i < len(byIndex)+len(fleet.Alerts); i++ {
		p, ok := byIndex[i]
		if !ok {
			if i >= len(m.Alerts) {
				break
			}
			continue
		}
		ids = append(ids, types.StringValue(p.UUID))
	}
	m.AlertPolicyIDs = types.ListValueMust(types.StringType, ids)
	m.FirewallID = types.StringNull()
	if fw := fleet.Firewall; fw != nil {
		m.FirewallID = types.StringValue(fw.ID)
	}
	m.setDomainComputed(fleet)
}

// observe overwrites the attributes DigitalOcean reports with what it
// reports, so drift shows in the next plan as a change back. Attributes it
// cannot report (user_data, ssh_keys, rollout, timeouts) keep their value.
// full fills every block (import, data source); otherwise optional blocks
// left out of the configuration stay out unless they drifted from the
// defaults.
func (m *webTierModel) observe(fleet tier.Fleet, full bool) {
	serving, members := servingDroplets(fleet, m.Name.ValueString())
	if lb := fleet.LoadBalancer; lb != nil && lb.Region != "" {
		m.Region = types.StringValue(lb.Region)
	} else if len(serving) > 0 {
		m.Region = types.StringValue(serving[0].Region)
	}
	if m.Droplet == nil {
		m.Droplet = &dropletModel{SSHKeys: types.ListNull(types.StringType), UserData: types.StringNull(),
			Monitoring: types.BoolValue(true), IPv6: types.BoolValue(false), Size: types.StringNull(), Image: types.StringNull()}
	}
	m.observePool(fleet.Pool, full)
	if m.Autoscale == nil {
		m.Droplet.Instances = types.Int64Value(int64(len(serving)))
	} else {
		m.Droplet.Instances = types.Int64Null()
		serving = members // the template is what members run
	}
	m.observeTemplate(serving)
	m.observeBackups(serving)
	m.observeTags(serving)
	if lb := fleet.LoadBalancer; lb != nil {
		s, https := tier.WithoutTierHTTPS(m.Name.ValueString(), lb.Spec)
		var redirect types.Bool
		if m.LoadBalancer != nil {
			redirect = m.LoadBalancer.RedirectHTTPToHTTPS
		}
		m.observeLoadBalancer(s, full)
		if https && !redirect.IsNull() && !redirect.IsUnknown() {
			// The certificate's rule redirects: the setting keeps its value.
			m.LoadBalancer.RedirectHTTPToHTTPS = redirect
		}
	}
	m.observeAlerts(fleet, full)
	if full {
		m.observeFirewall(fleet.Firewall)
	} else {
		m.observeDomain(fleet, nil)
	}
}

// servingDroplets splits the droplets in service into fixed droplets and
// pool members. With a pool, members are the pool's business: the fixed
// count is of the other droplets. Without one, both are all of them.
func servingDroplets(fleet tier.Fleet, name string) (fixed, members []tier.Droplet) {
	var serving []tier.Droplet
	for _, d := range fleet.Droplets {
		if d.InService(name) && (d.Status == tier.StatusActive || d.Status == tier.StatusNew) {
			serving = append(serving, d)
		}
	}
	if fleet.Pool == nil {
		return serving, serving
	}
	for _, d := range serving {
		if fleet.Pool.IsMember(d.ID) {
			members = append(members, d)
		} else {
			fixed = append(fixed, d)
		}
	}
	return fixed, members
}

// observeTemplate reports the size, image, monitoring and IPv6 that all
// the serving droplets share.
func (m *webTierModel) observeTemplate(serving []tier.Droplet) {
	d := m.Droplet
	if v, ok := uniform(serving, func(d tier.Droplet) string { return d.Size }); ok {
		d.Size = types.StringValue(v)
	}
	if v, ok := uniform(serving, func(d tier.Droplet) string { return d.Image }); ok {
		// A snapshot given by id is reported by id; a slug by slug.
		if d.Image.ValueString() != strconv.Itoa(serving[0].ImageID) {
			d.Image = types.StringValue(v)
		}
	}
	// A pool template has no monitoring flag (members get DigitalOcean's
	// agent instead), so with autoscale it cannot be observed.
	if v, ok := uniform(serving, func(d tier.Droplet) string { return strconv.FormatBool(d.Monitoring) }); ok && m.Autoscale == nil {
		d.Monitoring = types.BoolValue(v == "true")
	}
	if v, ok := uniform(serving, func(d tier.Droplet) string { return strconv.FormatBool(d.IPv6) }); ok {
		d.IPv6 = types.BoolValue(v == "true")
	}
}

// observePool reflects the pool's dynamic configuration in the autoscale
// block. A fixed target set by a rollout in progress is not the user's
// configuration and is left alone.
func (m *webTierModel) observePool(pool *tier.AutoscalePool, full bool) {
	if pool == nil {
		if !full {
			m.Autoscale = nil
		}
		return
	}
	c := pool.Config
	if c.TargetNumberInstances > 0 {
		return
	}
	a := &autoscaleModel{
		MinInstances: types.Int64Value(int64(c.MinInstances)), MaxInstances: types.Int64Value(int64(c.MaxInstances)),
		TargetCPUUtilization: types.Float64Null(), TargetMemoryUtilization: types.Float64Null(),
		CooldownMinutes: types.Int64Value(int64(c.CooldownMinutes)),
	}
	if c.TargetCPUUtilization > 0 {
		a.TargetCPUUtilization = types.Float64Value(c.TargetCPUUtilization)
	}
	if c.TargetMemoryUtilization > 0 {
		a.TargetMemoryUtilization = types.Float64Value(c.TargetMemoryUtilization)
	}
	if prior := m.Autoscale; prior != nil && prior.CooldownMinutes.IsNull() && c.CooldownMinutes == doapi.AutoscaleDefaultCooldownMinutes {
		a.CooldownMinutes = types.Int64Null()
	}
	m.Autoscale = a
	// Unlike droplets, a pool's template tells its SSH keys and user data.
	if d := m.Droplet; d != nil {
		t := pool.Template
		if len(t.SSHKeys) > 0 || !d.SSHKeys.IsNull() {
			d.SSHKeys = stringList(t.SSHKeys)
		}
		if t.UserData != "" || !d.UserData.IsNull() {
			d.UserData = types.StringValue(t.UserData)
		}
	}
}

func (m *webTierModel) observeBackups(serving []tier.Droplet) {
	key := func(d tier.Droplet) string {
		if !d.Backups {
			return "off"
		}
		if d.BackupPolicy == nil {
			return "on"
		}
		return d.BackupPolicy.Plan + "/" + d.BackupPolicy.Weekday + "/" + strconv.Itoa(d.BackupPolicy.Hour)
	}
	v, ok := uniform(serving, key)
	if !ok {
		return
	}
	switch v {
	case "off":
		m.Droplet.Backups = nil
	case "on":
		if m.Droplet.Backups == nil {
			m.Droplet.Backups = &backupsModel{Plan: types.StringValue("weekly"), Weekday: types.StringValue("SUN"), Hour: types.Int64Value(0)}
		}
	default:
		p := serving[0].BackupPolicy
		b := &backupsModel{Plan: types.StringValue(p.Plan), Weekday: types.StringNull(), Hour: types.Int64Value(int64(p.Hour))}
		if p.Plan == "weekly" {
			b.Weekday = types.StringValue(p.Weekday)
		}
		m.Droplet.Backups = b
	}
}

func (m *webTierModel) observeTags(serving []tier.Droplet) {
	if len(serving) == 0 {
		return
	}
	name := m.Name.ValueString()
	common := map[string]int{}
	for _, d := range serving {
		for _, t := range d.Tags {
			common[t]++
		}
	}
	var extra []string
	for t, n := range common {
		if n == len(serving) && t != tier.Tag(name) && t != tier.DrainTag(name) && !strings.HasPrefix(t, "scalable-rev:") {
			extra = append(extra, t)
		}
	}
	sort.Strings(extra)
	if len(extra) == 0 && m.Tags.IsNull() {
		return
	}
	vals := make([]attr.Value, len(extra))
	for i, t := range extra {
		vals[i] = types.StringValue(t)
	}
	m.Tags = types.SetValueMust(types.StringType, vals)
}

func (m *webTierModel) observeLoadBalancer(s tier.LoadBalancerSpec, full bool) {
	if m.LoadBalancer == nil {
		m.LoadBalancer = &loadBalancerModel{}
	}
	lb := m.LoadBalancer
	lb.SizeUnit = types.Int64Value(int64(s.SizeUnit))
	lb.RedirectHTTPToHTTPS = types.BoolValue(s.RedirectHTTPToHTTPS)
	lb.EnableProxyProtocol = types.BoolValue(s.EnableProxyProtocol)
	lb.EnableBackendKeepalive = types.BoolValue(s.EnableBackendKeepalive)
	lb.HTTPIdleTimeoutSeconds = types.Int64Value(int64(s.HTTPIdleTimeoutSeconds))

	lb.ForwardingRules = observedRules(lb.ForwardingRules, s.ForwardingRules)

	hc := s.HealthCheck
	if full || lb.HealthCheck != nil || hc != healthCheckSpec(nil) {
		path := types.StringValue(hc.Path)
		if hc.Protocol == "tcp" || hc.Path == "" {
			path = types.StringNull()
		}
		lb.HealthCheck = &healthCheckModel{
			Protocol: types.StringValue(hc.Protocol), Port: types.Int64Value(int64(hc.Port)), Path: path,
			CheckIntervalSeconds:   types.Int64Value(int64(hc.CheckIntervalSeconds)),
			ResponseTimeoutSeconds: types.Int64Value(int64(hc.ResponseTimeoutSeconds)),
			HealthyThreshold:       types.Int64Value(int64(hc.HealthyThreshold)),
			UnhealthyThreshold:     types.Int64Value(int64(hc.UnhealthyThreshold)),
		}
	}
	ss := tier.NormalizeSticky(s.StickySessions)
	if full || lb.StickySessions != nil || ss.Type != "none" {
		lb.StickySessions = &stickySessionsModel{Type: types.StringValue(ss.Type), CookieName: types.StringNull(), CookieTTLSeconds: types.Int64Null()}
		if ss.Type == "cookies" {
			lb.StickySessions.CookieName = types.StringValue(ss.CookieName)
			lb.StickySessions.CookieTTLSeconds = types.Int64Value(int64(ss.CookieTTLSeconds))
		}
	}
	if lb.Firewall != nil || len(s.FirewallAllow)+len(s.FirewallDeny) > 0 {
		prior := lb.Firewall
		lb.Firewall = &firewallModel{Allow: observedList(s.FirewallAllow, prior, func(f *firewallModel) types.List { return f.Allow }),
			Deny: observedList(s.FirewallDeny, prior, func(f *firewallModel) types.List { return f.Deny })}
	}
}

// observedRules keeps the configured order of forwarding rules
// (DigitalOcean's order is not meaningful); rules added outside Terraform
// follow in a stable order.
func observedRules(configured []forwardingRuleModel, reported []tier.ForwardingRule) []forwardingRuleModel {
	observed := map[string]tier.ForwardingRule{}
	for _, r := range reported {
		observed[ruleKey(r.EntryProtocol, r.EntryPort)] = r
	}
	var rules []forwardingRuleModel
	for _, r := range configured {
		k := ruleKey(r.EntryProtocol.ValueString(), int(r.EntryPort.ValueInt64()))
		if o, ok := observed[k]; ok {
			rules = append(rules, ruleModel(o, r.CertificateName))
			delete(observed, k)
		}
	}
	for _, o := range tier.SortedRules(reported) {
		if _, ok := observed[ruleKey(o.EntryProtocol, o.EntryPort)]; ok {
			rules = append(rules, ruleModel(o, types.StringNull()))
		}
	}
	return rules
}

// observedList is the observed strings, null when empty and null before.
func observedList(values []string, prior *firewallModel, field func(*firewallModel) types.List) types.List {
	if len(values) == 0 && (prior == nil || field(prior).IsNull()) {
		return types.ListNull(types.StringType)
	}
	return stringList(values)
}

func ruleKey(protocol string, port int) string { return protocol + ":" + strconv.Itoa(port) }

func ruleModel(r tier.ForwardingRule, priorCert types.String) forwardingRuleModel {
	cert := types.StringNull()
	if r.CertificateName != "" {
		cert = types.StringValue(r.CertificateName)
	} else if !priorCert.IsNull() && priorCert.ValueString() == "" {
		cert = priorCert
	}
	return forwardingRuleModel{
		EntryProtocol: types.StringValue(r.EntryProtocol), EntryPort: types.Int64Value(int64(r.EntryPort)),
		TargetProtocol: types.StringValue(r.TargetProtocol), TargetPort: types.Int64Value(int64(r.TargetPort)),
		CertificateName: cert, TLSPassthrough: types.BoolValue(r.TLSPassthrough),
	}
}

func (m *webTierModel) observeAlerts(fleet tier.Fleet, full bool) {
	byIndex, _ := tier.TierAlerts(m.Name.ValueString(), fleet.Alerts)
	n := len(m.Alerts)
	if full {
		for i := range byIndex {
			n = max(n, i+1)
		}
	}
	var out []alertModel
	for i := 0; i < n; i++ {
		p, ok := byIndex[i]
		if !ok {
			continue // deleted out of band: the plan shows it coming back
		}
		metric, _ := tier.LookupAlertMetric(p.Type)
		a := alertModel{
			Metric: types.StringValue(metric.Name), Compare: types.StringValue(p.Compare),
			Value: types.Float64Value(p.Value), Window: types.StringValue(p.Window), Enabled: types.BoolValue(p.Enabled),
			Emails: types.ListNull(types.StringType),
		}
		var prior *alertModel
		if i < len(m.Alerts) {
			prior = &m.Alerts[i]
		}
		if len(p.Emails) > 0 || (prior != nil && !prior.Emails.IsNull()) {
			a.Emails = stringList(p.Emails)
		}
		for _, s := range p.Slack {
			a.Slack = append(a.Slack, slackModel{Channel: types.StringValue(s.Channel), URL: types.StringValue(s.URL)})
		}
		out = append(out, a)
	}
	m.Alerts = out
}

// uniform returns the value all droplets share, false when they differ or
// there are none.
func uniform(ds []tier.Droplet, f func(tier.Droplet) string) (string, bool) {
	if len(ds) == 0 {
		return "", false
	}
	v := f(ds[0])
	for _, d := range ds[1:] {
		if f(d) != v {
			return "", false
		}
	}
	return v, true
}

// setComputedKeepingPlanned fills computed attributes after a successful
// update, keeping what the plan already knew: Terraform requires applied
// values to equal planned ones, and Read refreshes them next time. In a
// partly known droplets list the unknown slots take the droplets that are
// not among the known ones, oldest first.
func (m *webTierModel) setComputedKeepingPlanned(fleet tier.Fleet, plan webTierModel) {
	m.setComputed(fleet)
	m.Droplets = mergeDroplets(plan.Droplets, fleet)
	if !plan.LoadBalancerID.IsUnknown() {
		m.LoadBalancerID = plan.LoadBalancerID
	}
	if !plan.LoadBalancerIP.IsUnknown() {
		m.LoadBalancerIP = plan.LoadBalancerIP
	}
	if !plan.AlertPolicyIDs.IsUnknown() {
		m.AlertPolicyIDs = plan.AlertPolicyIDs
	}
	if !plan.VPCUUID.IsUnknown() {
		m.VPCUUID = plan.VPCUUID
	}
	m.keepPlannedDomain(plan)
}

func mergeDroplets(planned types.List, fleet tier.Fleet) types.List {
	if planned.IsUnknown() || planned.IsNull() {
		elems := make([]attr.Value, 0, len(fleet.Droplets))
		for _, d := range fleet.Droplets {
			elems = append(elems, dropletObject(d))
		}
		return types.ListValueMust(dropletObjectType, elems)
	}
	known := map[int64]bool{}
	for _, e := range planned.Elements() {
		if o, ok := e.(types.Object); ok && !o.IsUnknown() {
			if id, ok := o.Attributes()["id"].(types.Int64); ok {
				known[id.ValueInt64()] = true
			}
		}
	}
	var fresh []tier.Droplet
	for _, d := range fleet.Droplets {
		if !known[int64(d.ID)] {
			fresh = append(fresh, d)
		}
	}
	elems := make([]attr.Value, 0, len(planned.Elements()))
	for _, e := range planned.Elements() {
		if e.IsUnknown() && len(fresh) > 0 {
			e, fresh = dropletObject(fresh[0]), fresh[1:]
		}
		elems = append(elems, e)
	}
	return types.ListValueMust(dropletObjectType, elems)
}
