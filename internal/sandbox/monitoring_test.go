package sandbox

import (
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/digitalocean/godo"
)

func cpuPolicy() *godo.AlertPolicyCreateRequest {
	return &godo.AlertPolicyCreateRequest{
		Type:        godo.DropletCPUUtilizationPercent,
		Description: "CPU over 85%",
		Compare:     godo.GreaterThan,
		Value:       85,
		Window:      "5m",
		Tags:        []string{"scalable-tier:hits"},
		Alerts:      godo.Alerts{Email: []string{"ops@example.com"}},
		Enabled:     godo.PtrTo(true),
	}
}

func TestAlertPolicyCRUD(t *testing.T) {
	e := newTestEnv(t)
	created, resp, err := e.client.Monitoring.CreateAlertPolicy(e.ctx, cpuPolicy())
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Errorf("create status %d, want 200", resp.StatusCode)
	}
	want := godo.AlertPolicy{
		UUID: created.UUID, Type: godo.DropletCPUUtilizationPercent, Description: "CPU over 85%", Compare: godo.GreaterThan,
		Value: 85, Window: "5m", Entities: []string{}, Tags: []string{"scalable-tier:hits"},
		Alerts: godo.Alerts{Email: []string{"ops@example.com"}, Slack: []godo.SlackDetails{}}, Enabled: true,
	}
	if !reflect.DeepEqual(*created, want) {
		t.Errorf("created\n %+v\nwant\n %+v", *created, want)
	}
	if !uuidPattern.MatchString(created.UUID) {
		t.Errorf("uuid %q", created.UUID)
	}
	got, _, err := e.client.Monitoring.GetAlertPolicy(e.ctx, created.UUID)
	if err != nil || !reflect.DeepEqual(got, created) {
		t.Errorf("get: %v %+v", err, got)
	}

	// List pages through every policy, oldest first.
	uuids := []string{created.UUID}
	for i := 0; i < 2; i++ {
		e.clock.Advance(time.Second)
		p, _, err := e.client.Monitoring.CreateAlertPolicy(e.ctx, cpuPolicy())
		if err != nil {
			t.Fatal(err)
		}
		uuids = append(uuids, p.UUID)
	}
	page, resp, err := e.client.Monitoring.ListAlertPolicies(e.ctx, &godo.ListOptions{Page: 1, PerPage: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(page) != 2 || page[0].UUID != uuids[0] || page[1].UUID != uuids[1] || resp.Meta.Total != 3 || resp.Links.IsLastPage() {
		t.Errorf("first page %v meta %+v", page, resp.Meta)
	}
	page, resp, _ = e.client.Monitoring.ListAlertPolicies(e.ctx, &godo.ListOptions{Page: 2, PerPage: 2})
	if len(page) != 1 || page[0].UUID != uuids[2] || !resp.Links.IsLastPage() {
		t.Errorf("second page %v", page)
	}

	// Update replaces the policy.
	d := e.seedDroplet("nyc3", "active")
	upd := &godo.AlertPolicyUpdateRequest{
		Type: godo.DropletMemoryUtilizationPercent, Description: "memory", Compare: godo.LessThan, Value: 12.5,
		Window: "1h", Entities: []string{strconv.Itoa(d)},
		Alerts:  godo.Alerts{Slack: []godo.SlackDetails{{Channel: "#ops", URL: "https://hooks.slack.com/services/T1/B2/C3"}}},
		Enabled: godo.PtrTo(false),
	}
	updated, resp, err := e.client.Monitoring.UpdateAlertPolicy(e.ctx, created.UUID, upd)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("update: %v", err)
	}
	want = godo.AlertPolicy{
		UUID: created.UUID, Type: godo.DropletMemoryUtilizationPercent, Description: "memory", Compare: godo.LessThan,
		Value: 12.5, Window: "1h", Entities: []string{strconv.Itoa(d)}, Tags: []string{},
		Alerts:  godo.Alerts{Email: []string{}, Slack: []godo.SlackDetails{{Channel: "#ops", URL: "https://hooks.slack.com/services/T1/B2/C3"}}},
		Enabled: false,
	}
	if !reflect.DeepEqual(*updated, want) {
		t.Errorf("updated\n %+v\nwant\n %+v", *updated, want)
	}
	_, _, err = e.client.Monitoring.UpdateAlertPolicy(e.ctx, "78b3da62-27e5-49ba-ac70-5db0b5935c64", upd)
	e.apiError(err, http.StatusNotFound, "not_found")

	resp, err = e.client.Monitoring.DeleteAlertPolicy(e.ctx, created.UUID)
	if err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("delete: %v", err)
	}
	_, _, err = e.client.Monitoring.GetAlertPolicy(e.ctx, created.UUID)
	e.apiError(err, http.StatusNotFound, "not_found")
	_, err = e.client.Monitoring.DeleteAlertPolicy(e.ctx, created.UUID)
	e.apiError(err, http.StatusNotFound, "not_found")
}

func TestAlertPolicyForLoadBalancer(t *testing.T) {
	e := newTestEnv(t)
	lb, _, err := e.client.LoadBalancers.Create(e.ctx, minimalLB())
	if err != nil {
		t.Fatal(err)
	}
	req := cpuPolicy()
	req.Type = godo.LoadBalancerDropletHealth
	req.Compare, req.Value = godo.LessThan, 1
	req.Entities, req.Tags = []string{lb.ID}, nil
	p, _, err := e.client.Monitoring.CreateAlertPolicy(e.ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if p.Type != godo.LoadBalancerDropletHealth || !reflect.DeepEqual(p.Entities, []string{lb.ID}) || !reflect.DeepEqual(p.Tags, []string{}) {
		t.Errorf("policy %+v", p)
	}
}

func TestAlertPolicyValidation(t *testing.T) {
	e := newTestEnv(t)
	droplet := strconv.Itoa(e.seedDroplet("nyc3", "active"))
	cases := []struct {
		name string
		edit func(r *godo.AlertPolicyCreateRequest)
		want []string
	}{
		{"unknown type", func(r *godo.AlertPolicyCreateRequest) { r.Type = "v1/insights/droplet/temperature" },
			[]string{"'type'", "temperature", godo.DropletCPUUtilizationPercent, godo.LoadBalancerDropletHealth}},
		{"database type", func(r *godo.AlertPolicyCreateRequest) { r.Type = godo.DbaasCPUUtilizationPercent },
			[]string{"'type'", godo.DbaasCPUUtilizationPercent}},
		{"no description", func(r *godo.AlertPolicyCreateRequest) { r.Description = " " }, []string{"'description'", "required"}},
		{"compare", func(r *godo.AlertPolicyCreateRequest) { r.Compare = "Equal" }, []string{"'compare'", `"Equal"`, "GreaterThan, LessThan"}},
		{"negative value", func(r *godo.AlertPolicyCreateRequest) { r.Value = -1 }, []string{"'value'", "-1"}},
		{"window", func(r *godo.AlertPolicyCreateRequest) { r.Window = "2m" }, []string{"'window'", `"2m"`, "5m, 10m, 30m, 1h"}},
		{"unknown droplet entity", func(r *godo.AlertPolicyCreateRequest) { r.Entities = []string{droplet, "12345"} },
			[]string{"'entities[1]'", `"12345"`, "droplet"}},
		{"non-numeric entity", func(r *godo.AlertPolicyCreateRequest) { r.Entities = []string{"web-1"} }, []string{"'entities[0]'", `"web-1"`}},
		{"droplet as load balancer entity", func(r *godo.AlertPolicyCreateRequest) {
			r.Type, r.Entities = godo.LoadBalancerCPUUtilizationPercent, []string{droplet}
		}, []string{"'entities[0]'", droplet, "load balancer"}},
		{"bad tag", func(r *godo.AlertPolicyCreateRequest) { r.Tags = []string{"has space"} }, []string{"'tags[0]'", `"has space"`}},
		{"no destination", func(r *godo.AlertPolicyCreateRequest) { r.Alerts = godo.Alerts{} }, []string{"'alerts'", "email", "slack"}},
		{"bad email", func(r *godo.AlertPolicyCreateRequest) { r.Alerts.Email = []string{"ops@example.com", "not-an-email"} },
			[]string{"'alerts.email[1]'", "not-an-email"}},
		{"slack without channel", func(r *godo.AlertPolicyCreateRequest) {
			r.Alerts.Slack = []godo.SlackDetails{{URL: "https://hooks.slack.com/services/T1/B2/C3"}}
		}, []string{"'alerts.slack[0].channel'", "required"}},
		{"slack url", func(r *godo.AlertPolicyCreateRequest) {
			r.Alerts.Slack = []godo.SlackDetails{{Channel: "#ops", URL: "hooks.slack.com"}}
		},
			[]string{"'alerts.slack[0].url'", "hooks.slack.com", "https"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := e.asSubtest(t)
			req := cpuPolicy()
			tc.edit(req)
			_, _, err := e.client.Monitoring.CreateAlertPolicy(e.ctx, req)
			er := e.apiError(err, http.StatusBadRequest, "bad_request")
			if !strings.HasPrefix(er.Message, "invalid value for field '") {
				t.Errorf("message %q is not in the monitoring service's style", er.Message)
			}
			for _, frag := range tc.want {
				if !strings.Contains(er.Message, frag) {
					t.Errorf("message %q lacks %q", er.Message, frag)
				}
			}
		})
	}
	// The same rules hold on update.
	p, _, err := e.client.Monitoring.CreateAlertPolicy(e.ctx, cpuPolicy())
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = e.client.Monitoring.UpdateAlertPolicy(e.ctx, p.UUID, &godo.AlertPolicyUpdateRequest{Type: godo.DropletCPUUtilizationPercent})
	e.apiError(err, http.StatusBadRequest, "bad_request")
	e.srv.Inspect(func(w *World) {
		if len(w.AlertPolicies) != 1 || w.AlertPolicies[p.UUID].Description != "CPU over 85%" {
			t.Errorf("invalid requests changed the policies: %v", w.AlertPolicies)
		}
	})
}
