package sandbox

import (
	"net"
	"net/http"
	"net/mail"
	"net/url"
	"slices"
	"sort"
	"time"
)

// UptimeCheck probes a target from DigitalOcean's uptime regions.
type UptimeCheck struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Type      string    `json:"type"` // ping, http, https
	Target    string    `json:"target"`
	Regions   []string  `json:"regions"`
	Enabled   bool      `json:"enabled"`
	CreatedAt time.Time `json:"created_at"`
	// Probe is what the check has seen of a target the sandbox owns
	// (uptime_probe.go); nil for any other target, which is always up.
	Probe *UptimeProbe `json:"probe,omitempty"`
}

// UptimeAlert notifies when a check's target is down, slow or its TLS
// certificate is about to expire.
type UptimeAlert struct {
	ID            string              `json:"id"`
	CheckID       string              `json:"check_id"`
	Name          string              `json:"name"`
	Type          string              `json:"type"`
	Threshold     int                 `json:"threshold"`
	Comparison    string              `json:"comparison"`
	Notifications UptimeNotifications `json:"notifications"`
	Period        string              `json:"period"`
	CreatedAt     time.Time           `json:"created_at"`
}

// UptimeNotifications are the email addresses and Slack channels an alert
// notifies; DigitalOcean always sends both lists.
type UptimeNotifications struct {
	Email []string            `json:"email"`
	Slack []UptimeSlackTarget `json:"slack"`
}

// UptimeSlackTarget is a Slack channel and its incoming webhook.
type UptimeSlackTarget struct {
	Channel string `json:"channel"`
	URL     string `json:"url"`
}

// Uptime enums, from DigitalOcean's API reference.
var (
	UptimeCheckTypes       = []string{"ping", "http", "https"}
	UptimeRegions          = []string{"us_east", "us_west", "eu_west", "se_asia"}
	UptimeAlertTypes       = []string{"latency", "down", "down_global", "ssl_expiry"}
	UptimeAlertComparisons = []string{"greater_than", "less_than"}
	UptimeAlertPeriods     = []string{"2m", "3m", "5m", "10m", "15m", "30m", "1h"}
)

// uptimeFirstProbe is how long after creation a check's regions report
// their first result; until then they are CHECKING.
const uptimeFirstProbe = time.Minute

// uptimeCheckIn is the body of POST and PUT /v2/uptime/checks. Pointers
// tell a field left out of a PUT (kept) from one set to its zero value.
type uptimeCheckIn struct {
	Name    *string   `json:"name"`
	Type    *string   `json:"type"`
	Target  *string   `json:"target"`
	Regions *[]string `json:"regions"`
	Enabled *bool     `json:"enabled"`
}

// applyUptimeCheck validates the fields of in over ck and sets them.
func applyUptimeCheck(ck *UptimeCheck, in uptimeCheckIn) *APIError {
	next := *ck
	if in.Name != nil {
		next.Name = *in.Name
	}
	if in.Type != nil {
		next.Type = *in.Type
	}
	if in.Target != nil {
		next.Target = *in.Target
	}
	if in.Regions != nil {
		next.Regions = nil
		for _, r := range *in.Regions {
			if !slices.Contains(next.Regions, r) {
				next.Regions = append(next.Regions, r)
			}
		}
	}
	if in.Enabled != nil {
		next.Enabled = *in.Enabled
	}
	if next.Name == "" {
		return errUnprocessable("name is required")
	}
	if !slices.Contains(UptimeCheckTypes, next.Type) {
		return errUnprocessable("type %q is invalid; allowed types: %s", next.Type, joinAllowed(UptimeCheckTypes))
	}
	if next.Type != ck.Type || next.Target != ck.Target {
		next.Probe = nil // a new target is probed afresh
	}
	if err := validateUptimeTarget(next.Type, next.Target); err != nil {
		return err
	}
	if len(next.Regions) == 0 {
		return errUnprocessable("regions must list at least one of: %s", joinAllowed(UptimeRegions))
	}
	for _, r := range next.Regions {
		if !slices.Contains(UptimeRegions, r) {
			return errUnprocessable("region %q is invalid; allowed regions: %s", r, joinAllowed(UptimeRegions))
		}
	}
	*ck = next
	return nil
}

// validateUptimeTarget wants a URL of the check's scheme for http and
// https checks, and a hostname or IP address for ping checks.
func validateUptimeTarget(typ, target string) *APIError {
	if target == "" {
		return errUnprocessable("target is required")
	}
	if typ == "ping" {
		if net.ParseIP(target) == nil && !validCertificateHostname(target, false) {
			return errUnprocessable("target %q is invalid: a ping check needs a hostname or IP address, such as example.com", target)
		}
		return nil
	}
	u, err := url.Parse(target)
	if err != nil || u.Scheme != typ || u.Host == "" {
		return errUnprocessable("target %q is invalid: an %s check needs an %s:// URL, such as %s://example.com", target, typ, typ, typ)
	}
	return nil
}

// uptimeAlertIn is the body of POST and PUT .../alerts.
type uptimeAlertIn struct {
	Name          *string              `json:"name"`
	Type          *string              `json:"type"`
	Threshold     *int                 `json:"threshold"`
	Comparison    *string              `json:"comparison"`
	Notifications *UptimeNotifications `json:"notifications"`
	Period        *string              `json:"period"`
}

// applyUptimeAlert validates the fields of in over a and sets them. A
// threshold and comparison matter only for latency (milliseconds) and
// ssl_expiry (days) alerts.
func applyUptimeAlert(a *UptimeAlert, ck *UptimeCheck, in uptimeAlertIn) *APIError {
	next := *a
	if in.Name != nil {
		next.Name = *in.Name
	}
	if in.Type != nil {
		next.Type = *in.Type
	}
	if in.Threshold != nil {
		next.Threshold = *in.Threshold
	}
	if in.Comparison != nil {
		next.Comparison = *in.Comparison
	}
	if in.Notifications != nil {
		next.Notifications = *in.Notifications
	}
	if in.Period != nil {
		next.Period = *in.Period
	}
	if next.Name == "" {
		return errUnprocessable("name is required")
	}
	if !slices.Contains(UptimeAlertTypes, next.Type) {
		return errUnprocessable("type %q is invalid; allowed alert types: %s", next.Type, joinAllowed(UptimeAlertTypes))
	}
	if next.Type == "ssl_expiry" && ck.Type != "https" {
		return errUnprocessable("type ssl_expiry needs an https check; check %s is of type %s", ck.ID, ck.Type)
	}
	if next.Type == "latency" || next.Type == "ssl_expiry" {
		if next.Threshold <= 0 {
			unit := "milliseconds"
			if next.Type == "ssl_expiry" {
				unit = "days"
			}
			return errUnprocessable("threshold %d is invalid: a %s alert needs a positive threshold in %s", next.Threshold, next.Type, unit)
		}
		if !slices.Contains(UptimeAlertComparisons, next.Comparison) {
			return errUnprocessable("comparison %q is invalid; allowed comparisons: %s", next.Comparison, joinAllowed(UptimeAlertComparisons))
		}
	} else if next.Comparison != "" && !slices.Contains(UptimeAlertComparisons, next.Comparison) {
		return errUnprocessable("comparison %q is invalid; allowed comparisons: %s", next.Comparison, joinAllowed(UptimeAlertComparisons))
	}
	if !slices.Contains(UptimeAlertPeriods, next.Period) {
		return errUnprocessable("period %q is invalid; allowed periods: %s", next.Period, joinAllowed(UptimeAlertPeriods))
	}
	if in.Notifications == nil && a.ID == "" {
		return errUnprocessable("notifications is required")
	}
	for _, e := range next.Notifications.Email {
		if addr, err := mail.ParseAddress(e); err != nil || addr.Address != e {
			return errUnprocessable("notifications.email %q is not an email address", e)
		}
	}
	for i, s := range next.Notifications.Slack {
		u, err := url.Parse(s.URL)
		if s.Channel == "" || err != nil || u.Scheme != "https" || u.Host == "" {
			return errUnprocessable("notifications.slack[%d] needs a channel and an https webhook url", i)
		}
	}
	if next.Notifications.Email == nil {
		next.Notifications.Email = []string{}
	}
	if next.Notifications.Slack == nil {
		next.Notifications.Slack = []UptimeSlackTarget{}
	}
	*a = next
	return nil
}

// uptimeCheckJSON is DigitalOcean's check object.
type uptimeCheckJSON struct {
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	Type    string   `json:"type"`
	Target  string   `json:"target"`
	Regions []string `json:"regions"`
	Enabled bool     `json:"enabled"`
}

func renderUptimeCheck(ck *UptimeCheck) uptimeCheckJSON {
	return uptimeCheckJSON{ID: ck.ID, Name: ck.Name, Type: ck.Type, Target: ck.Target,
		Regions: append([]string{}, ck.Regions...), Enabled: ck.Enabled}
}

// uptimeAlertJSON is DigitalOcean's alert object.
type uptimeAlertJSON struct {
	ID            string              `json:"id"`
	Name          string              `json:"name"`
	Type          string              `json:"type"`
	Threshold     int                 `json:"threshold"`
	Comparison    string              `json:"comparison"`
	Notifications UptimeNotifications `json:"notifications"`
	Period        string              `json:"period"`
}

func renderUptimeAlert(a *UptimeAlert) uptimeAlertJSON {
	return uptimeAlertJSON{ID: a.ID, Name: a.Name, Type: a.Type, Threshold: a.Threshold,
		Comparison: a.Comparison, Notifications: a.Notifications, Period: a.Period}
}

// uptimeStateJSON is the body of GET .../state: each region is CHECKING
// until it has probed, then UP, or what the check sees of a target the
// sandbox owns (uptime_probe.go), with the last finished outage.
type uptimeStateJSON struct {
	Regions        map[string]uptimeRegionStateJSON `json:"regions"`
	PreviousOutage uptimeOutageJSON                 `json:"previous_outage"`
}

type uptimeRegionStateJSON struct {
	Status                    string  `json:"status"`
	StatusChangedAt           string  `json:"status_changed_at"`
	ThirtyDayUptimePercentage float64 `json:"thirty_day_uptime_percentage"`
}

type uptimeOutageJSON struct {
	Region          string `json:"region"`
	StartedAt       string `json:"started_at"`
	EndedAt         string `json:"ended_at"`
	DurationSeconds int    `json:"duration_seconds"`
}

func (c *call) renderUptimeState(ck *UptimeCheck) uptimeStateJSON {
	out := uptimeStateJSON{Regions: map[string]uptimeRegionStateJSON{}}
	probed := ck.CreatedAt.Add(scale(uptimeFirstProbe, c.s.factor))
	seen := uptimeRegionStateJSON{Status: "UP", StatusChangedAt: timestamp(probed), ThirtyDayUptimePercentage: 100}
	if p := ck.Probe; p != nil {
		seen = uptimeRegionStateJSON{Status: "DOWN", StatusChangedAt: timestamp(p.Since), ThirtyDayUptimePercentage: p.uptimePercentage(probed, c.now)}
		if p.Up {
			seen.Status = "UP"
		}
		if n := len(p.Outages); n > 0 && len(ck.Regions) > 0 {
			o := p.Outages[n-1]
			out.PreviousOutage = uptimeOutageJSON{Region: ck.Regions[0], StartedAt: timestamp(o.Start), EndedAt: timestamp(o.End),
				DurationSeconds: int(o.End.Sub(o.Start).Seconds())}
		}
	}
	for _, r := range ck.Regions {
		st := uptimeRegionStateJSON{Status: "CHECKING", StatusChangedAt: timestamp(ck.CreatedAt)}
		if ck.Enabled && !c.now.Before(probed) {
			st = seen
		}
		out.Regions[r] = st
	}
	return out
}

func (w *World) uptimeChecksSorted() []*UptimeCheck {
	out := make([]*UptimeCheck, 0, len(w.UptimeChecks))
	for _, ck := range w.UptimeChecks {
		out = append(out, ck)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].CreatedAt.Equal(out[j].CreatedAt) {
			return out[i].CreatedAt.Before(out[j].CreatedAt)
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// uptimeAlertsOf lists a check's alerts, oldest first.
func (w *World) uptimeAlertsOf(checkID string) []*UptimeAlert {
	var out []*UptimeAlert
	for _, a := range w.UptimeAlerts {
		if a.CheckID == checkID {
			out = append(out, a)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].CreatedAt.Equal(out[j].CreatedAt) {
			return out[i].CreatedAt.Before(out[j].CreatedAt)
		}
		return out[i].ID < out[j].ID
	})
	return out
}

func (s *Server) uptimeRoutes() {
	s.handle("GET /v2/uptime/checks", listUptimeChecks)
	s.handle("POST /v2/uptime/checks", createUptimeCheck)
	s.handle("GET /v2/uptime/checks/{id}", getUptimeCheck)
	s.handle("PUT /v2/uptime/checks/{id}", updateUptimeCheck)
	s.handle("DELETE /v2/uptime/checks/{id}", deleteUptimeCheck)
	s.handle("GET /v2/uptime/checks/{id}/state", getUptimeState)
	s.handle("GET /v2/uptime/checks/{id}/alerts", listUptimeAlerts)
	s.handle("POST /v2/uptime/checks/{id}/alerts", createUptimeAlert)
	s.handle("GET /v2/uptime/checks/{id}/alerts/{alert_id}", getUptimeAlert)
	s.handle("PUT /v2/uptime/checks/{id}/alerts/{alert_id}", updateUptimeAlert)
	s.handle("DELETE /v2/uptime/checks/{id}/alerts/{alert_id}", deleteUptimeAlert)
}

// UptimeUnit is the sandbox's uptime checks and their alerts.
type UptimeUnit struct {
	UptimeChecks map[string]*UptimeCheck `json:"uptime_checks"`
	UptimeAlerts map[string]*UptimeAlert `json:"uptime_alerts"`
}

func (u *UptimeUnit) ensure() {
	if u.UptimeChecks == nil {
		u.UptimeChecks = map[string]*UptimeCheck{}
	}
	if u.UptimeAlerts == nil {
		u.UptimeAlerts = map[string]*UptimeAlert{}
	}
}

func (*UptimeUnit) routes(s *Server) {
	s.uptimeRoutes()
}

// settle runs after the load balancers' (World embeds it after them): it
// reads their health views.
func (*UptimeUnit) settle(s *Server, now time.Time) {
	s.settleUptimeChecks(now)
}

func uptimeCheckOf(c *call) *UptimeCheck { return c.w.UptimeChecks[c.r.PathValue("id")] }

func uptimeAlertOf(c *call) (*UptimeCheck, *UptimeAlert) {
	ck := uptimeCheckOf(c)
	if ck == nil {
		return nil, nil
	}
	a := c.w.UptimeAlerts[c.r.PathValue("alert_id")]
	if a == nil || a.CheckID != ck.ID {
		return ck, nil
	}
	return ck, a
}

// listUptimeChecks serves GET /v2/uptime/checks.
func listUptimeChecks(c *call) (int, any) {
	checks := c.w.uptimeChecksSorted()
	out := make([]uptimeCheckJSON, len(checks))
	for i, ck := range checks {
		out[i] = renderUptimeCheck(ck)
	}
	return http.StatusOK, listBody(c, "checks", out)
}

// createUptimeCheck serves POST /v2/uptime/checks.
func createUptimeCheck(c *call) (int, any) {
	var in uptimeCheckIn
	if err := c.decode(&in); err != nil {
		return 0, err
	}
	ck := &UptimeCheck{Enabled: true} // enabled defaults to true
	if err := applyUptimeCheck(ck, in); err != nil {
		return 0, err
	}
	ck.ID = newUUID()
	ck.CreatedAt = c.now
	c.w.UptimeChecks[ck.ID] = ck
	return http.StatusCreated, map[string]any{"check": renderUptimeCheck(ck)}
}

// getUptimeCheck serves GET /v2/uptime/checks/{id}.
func getUptimeCheck(c *call) (int, any) {
	ck := uptimeCheckOf(c)
	if ck == nil {
		return 0, errNotFound()
	}
	return http.StatusOK, map[string]any{"check": renderUptimeCheck(ck)}
}

// updateUptimeCheck serves PUT /v2/uptime/checks/{id}.
func updateUptimeCheck(c *call) (int, any) {
	ck := uptimeCheckOf(c)
	if ck == nil {
		return 0, errNotFound()
	}
	var in uptimeCheckIn
	if err := c.decode(&in); err != nil {
		return 0, err
	}
	if err := applyUptimeCheck(ck, in); err != nil {
		return 0, err
	}
	return http.StatusOK, map[string]any{"check": renderUptimeCheck(ck)}
}

// deleteUptimeCheck serves DELETE /v2/uptime/checks/{id}.
func deleteUptimeCheck(c *call) (int, any) {
	ck := uptimeCheckOf(c)
	if ck == nil {
		return 0, errNotFound()
	}
	// A check's alerts go with it.
	for _, a := range c.w.uptimeAlertsOf(ck.ID) {
		delete(c.w.UptimeAlerts, a.ID)
	}
	delete(c.w.UptimeChecks, ck.ID)
	return http.StatusNoContent, nil
}

// getUptimeState serves GET /v2/uptime/checks/{id}/state.
func getUptimeState(c *call) (int, any) {
	ck := uptimeCheckOf(c)
	if ck == nil {
		return 0, errNotFound()
	}
	return http.StatusOK, map[string]any{"state": c.renderUptimeState(ck)}
}

// listUptimeAlerts serves GET /v2/uptime/checks/{id}/alerts.
func listUptimeAlerts(c *call) (int, any) {
	ck := uptimeCheckOf(c)
	if ck == nil {
		return 0, errNotFound()
	}
	alerts := c.w.uptimeAlertsOf(ck.ID)
	out := make([]uptimeAlertJSON, len(alerts))
	for i, a := range alerts {
		out[i] = renderUptimeAlert(a)
	}
	return http.StatusOK, listBody(c, "alerts", out)
}

// createUptimeAlert serves POST /v2/uptime/checks/{id}/alerts.
func createUptimeAlert(c *call) (int, any) {
	ck := uptimeCheckOf(c)
	if ck == nil {
		return 0, errNotFound()
	}
	var in uptimeAlertIn
	if err := c.decode(&in); err != nil {
		return 0, err
	}
	a := &UptimeAlert{}
	if err := applyUptimeAlert(a, ck, in); err != nil {
		return 0, err
	}
	a.ID = newUUID()
	a.CheckID = ck.ID
	a.CreatedAt = c.now
	c.w.UptimeAlerts[a.ID] = a
	return http.StatusCreated, map[string]any{"alert": renderUptimeAlert(a)}
}

// getUptimeAlert serves GET /v2/uptime/checks/{id}/alerts/{alert_id}.
func getUptimeAlert(c *call) (int, any) {
	_, a := uptimeAlertOf(c)
	if a == nil {
		return 0, errNotFound()
	}
	return http.StatusOK, map[string]any{"alert": renderUptimeAlert(a)}
}

// updateUptimeAlert serves PUT /v2/uptime/checks/{id}/alerts/{alert_id}.
func updateUptimeAlert(c *call) (int, any) {
	ck, a := uptimeAlertOf(c)
	if a == nil {
		return 0, errNotFound()
	}
	var in uptimeAlertIn
	if err := c.decode(&in); err != nil {
		return 0, err
	}
	if err := applyUptimeAlert(a, ck, in); err != nil {
		return 0, err
	}
	return http.StatusOK, map[string]any{"alert": renderUptimeAlert(a)}
}

// deleteUptimeAlert serves DELETE /v2/uptime/checks/{id}/alerts/{alert_id}.
func deleteUptimeAlert(c *call) (int, any) {
	_, a := uptimeAlertOf(c)
	if a == nil {
		return 0, errNotFound()
	}
	delete(c.w.UptimeAlerts, a.ID)
	return http.StatusNoContent, nil
}
