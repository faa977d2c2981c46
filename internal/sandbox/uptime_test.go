package sandbox

import (
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/digitalocean/godo"
)

func miscCheckRequest() *godo.CreateUptimeCheckRequest {
	return &godo.CreateUptimeCheckRequest{
		Name: "Landing page", Type: "https", Target: "https://www.example.com",
		Regions: []string{"us_east", "eu_west"}, Enabled: true,
	}
}

func miscAlertRequest() *godo.CreateUptimeAlertRequest {
	return &godo.CreateUptimeAlertRequest{
		Name: "slow landing page", Type: "latency", Threshold: 300, Comparison: godo.UptimeAlertGreaterThan, Period: "2m",
		Notifications: &godo.Notifications{
			Email: []string{"ops@example.com"},
			Slack: []godo.SlackDetails{{Channel: "#ops", URL: "https://hooks.slack.com/services/T1/B2/x"}},
		},
	}
}

func TestUptimeCheckLifecycle(t *testing.T) {
	e := newTestEnv(t)
	ck, resp, err := e.client.UptimeChecks.Create(e.ctx, miscCheckRequest())
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusCreated || ck.ID == "" || ck.Name != "Landing page" || ck.Type != "https" ||
		ck.Target != "https://www.example.com" || len(ck.Regions) != 2 || !ck.Enabled {
		t.Fatalf("created %d %+v", resp.StatusCode, ck)
	}

	// Regions report CHECKING until their first probe, then UP.
	st, _, err := e.client.UptimeChecks.GetState(e.ctx, ck.ID)
	if err != nil || st.Regions["us_east"].Status != "CHECKING" || len(st.Regions) != 2 {
		t.Fatalf("state at creation: %v %+v", err, st)
	}
	e.advance(time.Minute)
	st, _, err = e.client.UptimeChecks.GetState(e.ctx, ck.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []string{"us_east", "eu_west"} {
		if got := st.Regions[r]; got.Status != "UP" || got.ThirtyDayUptimePercentage != 100 || got.StatusChangedAt != timestamp(testEpoch.Add(time.Minute)) {
			t.Errorf("%s: %+v", r, got)
		}
	}
	raw, err := miscRaw(t, e, http.MethodGet, "v2/uptime/checks/"+ck.ID+"/state", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := raw["state"].(map[string]any)["previous_outage"].(map[string]any); !ok {
		t.Errorf("state has no previous_outage object: %v", raw)
	}

	// enabled defaults to true when left out.
	raw, err = miscRaw(t, e, http.MethodPost, "v2/uptime/checks", map[string]any{
		"name": "ping", "type": "ping", "target": "203.0.113.7", "regions": []string{"se_asia"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if raw["check"].(map[string]any)["enabled"] != true {
		t.Errorf("enabled not defaulted: %v", raw)
	}

	upd, _, err := e.client.UptimeChecks.Update(e.ctx, ck.ID, &godo.UpdateUptimeCheckRequest{
		Name: "Landing", Type: "http", Target: "http://www.example.com/health", Regions: []string{"us_west"}, Enabled: false,
	})
	if err != nil || upd.Name != "Landing" || upd.Type != "http" || upd.Regions[0] != "us_west" || upd.Enabled {
		t.Fatalf("update: %v %+v", err, upd)
	}
	if st, _, _ := e.client.UptimeChecks.GetState(e.ctx, ck.ID); st.Regions["us_west"].Status != "CHECKING" {
		t.Errorf("disabled check state %+v", st)
	}

	list, resp, err := e.client.UptimeChecks.List(e.ctx, &godo.ListOptions{PerPage: 1})
	if err != nil || len(list) != 1 || list[0].ID != ck.ID || resp.Meta.Total != 2 || resp.Links.IsLastPage() {
		t.Fatalf("list: %v %v", err, list)
	}
	got, _, err := e.client.UptimeChecks.Get(e.ctx, ck.ID)
	if err != nil || got.Name != "Landing" {
		t.Fatalf("get: %v %+v", err, got)
	}

	if resp, err := e.client.UptimeChecks.Delete(e.ctx, ck.ID); err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatal(err)
	}
	_, _, err = e.client.UptimeChecks.Get(e.ctx, ck.ID)
	e.apiError(err, http.StatusNotFound, "not_found")
	_, _, err = e.client.UptimeChecks.GetState(e.ctx, ck.ID)
	e.apiError(err, http.StatusNotFound, "not_found")
	_, err = e.client.UptimeChecks.Delete(e.ctx, ck.ID)
	e.apiError(err, http.StatusNotFound, "not_found")
}

func TestUptimeCheckValidation(t *testing.T) {
	cases := []struct {
		name   string
		change func(r *godo.CreateUptimeCheckRequest)
		want   string
	}{
		{"name missing", func(r *godo.CreateUptimeCheckRequest) { r.Name = "" }, "name is required"},
		{"type unknown", func(r *godo.CreateUptimeCheckRequest) { r.Type = "tcp" }, `type "tcp" is invalid; allowed types: ping, http, https`},
		{"target missing", func(r *godo.CreateUptimeCheckRequest) { r.Target = "" }, "target is required"},
		{"target scheme differs", func(r *godo.CreateUptimeCheckRequest) { r.Target = "http://example.com" }, `target "http://example.com" is invalid`},
		{"target not a URL", func(r *godo.CreateUptimeCheckRequest) { r.Target = "example.com" }, "needs an https:// URL"},
		{"ping target is a URL", func(r *godo.CreateUptimeCheckRequest) { r.Type, r.Target = "ping", "https://example.com" }, "hostname or IP address"},
		{"regions missing", func(r *godo.CreateUptimeCheckRequest) { r.Regions = nil }, "regions must list at least one of: us_east, us_west, eu_west, se_asia"},
		{"region unknown", func(r *godo.CreateUptimeCheckRequest) { r.Regions = []string{"us_east", "nyc3"} }, `region "nyc3" is invalid`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t)
			req := miscCheckRequest()
			tc.change(req)
			_, _, err := e.client.UptimeChecks.Create(e.ctx, req)
			miscMessage(t, e.apiError(err, http.StatusUnprocessableEntity, "unprocessable_entity"), tc.want)
			if req.Regions == nil {
				return // a PUT without regions keeps the check's regions
			}
			// The same fields are refused by PUT, which leaves the check as it was.
			ck, _, err := e.client.UptimeChecks.Create(e.ctx, miscCheckRequest())
			if err != nil {
				t.Fatal(err)
			}
			upd := godo.UpdateUptimeCheckRequest(*req)
			_, _, err = e.client.UptimeChecks.Update(e.ctx, ck.ID, &upd)
			e.apiError(err, http.StatusUnprocessableEntity, "unprocessable_entity")
			if got, _, _ := e.client.UptimeChecks.Get(e.ctx, ck.ID); got.Name != "Landing page" || got.Target != "https://www.example.com" {
				t.Errorf("refused update changed the check: %+v", got)
			}
		})
	}
}

func TestUptimeAlertLifecycleAndCascade(t *testing.T) {
	e := newTestEnv(t)
	ck, _, err := e.client.UptimeChecks.Create(e.ctx, miscCheckRequest())
	if err != nil {
		t.Fatal(err)
	}
	a, resp, err := e.client.UptimeChecks.CreateAlert(e.ctx, ck.ID, miscAlertRequest())
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusCreated || a.ID == "" || a.Type != "latency" || a.Threshold != 300 || a.Comparison != "greater_than" ||
		a.Period != "2m" || a.Notifications.Email[0] != "ops@example.com" || a.Notifications.Slack[0].Channel != "#ops" {
		t.Fatalf("created %d %+v", resp.StatusCode, a)
	}
	e.advance(time.Second) // lists are oldest first
	down := &godo.CreateUptimeAlertRequest{Name: "down", Type: "down_global", Period: "5m", Notifications: &godo.Notifications{Email: []string{"ops@example.com"}}}
	b, _, err := e.client.UptimeChecks.CreateAlert(e.ctx, ck.ID, down)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := miscRaw(t, e, http.MethodGet, "v2/uptime/checks/"+ck.ID+"/alerts/"+b.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := raw["alert"].(map[string]any)["notifications"].(map[string]any); n["slack"] == nil {
		t.Errorf("notifications.slack is null, want []: %v", n)
	}

	alerts, resp, err := e.client.UptimeChecks.ListAlerts(e.ctx, ck.ID, &godo.ListOptions{PerPage: 1, Page: 2})
	if err != nil || len(alerts) != 1 || alerts[0].ID != b.ID || resp.Meta.Total != 2 {
		t.Fatalf("list alerts: %v %+v", err, alerts)
	}
	upd, _, err := e.client.UptimeChecks.UpdateAlert(e.ctx, ck.ID, a.ID, &godo.UpdateUptimeAlertRequest{
		Name: "slower", Type: "latency", Threshold: 250, Comparison: godo.UptimeAlertGreaterThan, Period: "5m",
		Notifications: &godo.Notifications{Email: []string{"ops@example.com"}},
	})
	if err != nil || upd.Threshold != 250 || upd.Name != "slower" || upd.Period != "5m" || len(upd.Notifications.Slack) != 0 {
		t.Fatalf("update: %v %+v", err, upd)
	}
	if got, _, err := e.client.UptimeChecks.GetAlert(e.ctx, ck.ID, a.ID); err != nil || got.Threshold != 250 {
		t.Fatalf("get: %v %+v", err, got)
	}

	// An alert is only found under its own check.
	other, _, _ := e.client.UptimeChecks.Create(e.ctx, miscCheckRequest())
	_, _, err = e.client.UptimeChecks.GetAlert(e.ctx, other.ID, a.ID)
	e.apiError(err, http.StatusNotFound, "not_found")

	if resp, err := e.client.UptimeChecks.DeleteAlert(e.ctx, ck.ID, b.ID); err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatal(err)
	}
	_, _, err = e.client.UptimeChecks.GetAlert(e.ctx, ck.ID, b.ID)
	e.apiError(err, http.StatusNotFound, "not_found")

	// Deleting the check deletes its alerts.
	if _, err := e.client.UptimeChecks.Delete(e.ctx, ck.ID); err != nil {
		t.Fatal(err)
	}
	e.srv.Inspect(func(w *World) {
		if len(w.UptimeAlerts) != 0 {
			t.Errorf("alerts left after deleting their check: %v", w.UptimeAlerts)
		}
	})
	_, _, err = e.client.UptimeChecks.ListAlerts(e.ctx, ck.ID, nil)
	e.apiError(err, http.StatusNotFound, "not_found")
}

func TestUptimeAlertValidation(t *testing.T) {
	cases := []struct {
		name   string
		change func(r *godo.CreateUptimeAlertRequest)
		want   string
	}{
		{"name missing", func(r *godo.CreateUptimeAlertRequest) { r.Name = "" }, "name is required"},
		{"type unknown", func(r *godo.CreateUptimeAlertRequest) { r.Type = "slow" }, `type "slow" is invalid; allowed alert types: latency, down, down_global, ssl_expiry`},
		{"latency without threshold", func(r *godo.CreateUptimeAlertRequest) { r.Threshold = 0 }, "threshold 0 is invalid: a latency alert needs a positive threshold in milliseconds"},
		{"ssl expiry negative days", func(r *godo.CreateUptimeAlertRequest) { r.Type, r.Threshold = "ssl_expiry", -3 }, "positive threshold in days"},
		{"comparison unknown", func(r *godo.CreateUptimeAlertRequest) { r.Comparison = "equal" }, `comparison "equal" is invalid; allowed comparisons: greater_than, less_than`},
		{"comparison missing on latency", func(r *godo.CreateUptimeAlertRequest) { r.Comparison = "" }, `comparison "" is invalid`},
		{"period unknown", func(r *godo.CreateUptimeAlertRequest) { r.Period = "4m" }, `period "4m" is invalid; allowed periods: 2m, 3m, 5m, 10m, 15m, 30m, 1h`},
		{"period missing", func(r *godo.CreateUptimeAlertRequest) { r.Period = "" }, `period "" is invalid`},
		{"notifications missing", func(r *godo.CreateUptimeAlertRequest) { r.Notifications = nil }, "notifications is required"},
		{"email invalid", func(r *godo.CreateUptimeAlertRequest) { r.Notifications.Email = []string{"not-an-address"} }, `"not-an-address" is not an email address`},
		{"slack without url", func(r *godo.CreateUptimeAlertRequest) { r.Notifications.Slack[0].URL = "" }, "notifications.slack[0] needs a channel and an https webhook url"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t)
			ck, _, err := e.client.UptimeChecks.Create(e.ctx, miscCheckRequest())
			if err != nil {
				t.Fatal(err)
			}
			req := miscAlertRequest()
			tc.change(req)
			_, _, err = e.client.UptimeChecks.CreateAlert(e.ctx, ck.ID, req)
			miscMessage(t, e.apiError(err, http.StatusUnprocessableEntity, "unprocessable_entity"), tc.want)
			e.srv.Inspect(func(w *World) {
				if len(w.UptimeAlerts) != 0 {
					t.Error("a refused alert was stored")
				}
			})
		})
	}
	t.Run("ssl expiry on an http check", func(t *testing.T) {
		e := newTestEnv(t)
		req := miscCheckRequest()
		req.Type, req.Target = "http", "http://example.com"
		ck, _, err := e.client.UptimeChecks.Create(e.ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		alert := miscAlertRequest()
		alert.Type, alert.Threshold, alert.Comparison = "ssl_expiry", 14, godo.UptimeAlertLessThan
		_, _, err = e.client.UptimeChecks.CreateAlert(e.ctx, ck.ID, alert)
		miscMessage(t, e.apiError(err, http.StatusUnprocessableEntity, "unprocessable_entity"), "ssl_expiry needs an https check")
	})
	t.Run("unknown check", func(t *testing.T) {
		e := newTestEnv(t)
		_, _, err := e.client.UptimeChecks.CreateAlert(e.ctx, "no-such-check", miscAlertRequest())
		e.apiError(err, http.StatusNotFound, "not_found")
	})
}

func TestUptimePersist(t *testing.T) {
	path := filepath.Join(t.TempDir(), "world.json")
	e := newTestEnv(t, func(o *Options) { o.StateFile = path })
	ck, _, err := e.client.UptimeChecks.Create(e.ctx, miscCheckRequest())
	if err != nil {
		t.Fatal(err)
	}
	a, _, err := e.client.UptimeChecks.CreateAlert(e.ctx, ck.ID, miscAlertRequest())
	if err != nil {
		t.Fatal(err)
	}
	e = miscRestart(t, e, path)
	got, _, err := e.client.UptimeChecks.Get(e.ctx, ck.ID)
	if err != nil || got.Target != ck.Target || len(got.Regions) != 2 {
		t.Fatalf("check after restart: %v %+v", err, got)
	}
	ga, _, err := e.client.UptimeChecks.GetAlert(e.ctx, ck.ID, a.ID)
	if err != nil || ga.Threshold != 300 || ga.Notifications.Slack[0].URL != a.Notifications.Slack[0].URL {
		t.Fatalf("alert after restart: %v %+v", err, ga)
	}
}
