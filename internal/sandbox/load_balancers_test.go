package sandbox

import (
	"encoding/json"
	"net"
	"net/http"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/digitalocean/godo"
)

// seedDroplet writes a droplet into the world directly (the droplet
// endpoints are another area's); it is active from now unless status says
// otherwise.
func (e *testEnv) seedDroplet(region, status string, tags ...string) int {
	e.t.Helper()
	var id int
	err := e.srv.Mutate(func(w *World, now time.Time) error {
		id = w.NextDropletID
		w.NextDropletID++
		activeAt := now
		if status == "new" {
			activeAt = now.AddDate(100, 0, 0) // boots only when a test says so
		}
		w.Droplets[id] = &Droplet{
			ID: id, Name: "web", Region: region, Size: "s-1vcpu-1gb", Status: status,
			CreatedAt: now, ActiveAt: activeAt, Tags: tags, BackupIDs: []int{}, SnapshotIDs: []int{},
		}
		return nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
	e.srv.Inspect(func(*World) {})
	return id
}

// alterDroplet edits a droplet in the world, as another area's endpoint or
// a sandbox fault would, and lets the sandbox settle at once, as those do,
// so the health view dates the change exactly.
func (e *testEnv) alterDroplet(id int, f func(d *Droplet, now time.Time)) {
	e.t.Helper()
	if err := e.srv.Mutate(func(w *World, now time.Time) error {
		f(w.Droplets[id], now)
		return nil
	}); err != nil {
		e.t.Fatal(err)
	}
	e.srv.Inspect(func(*World) {})
}

// asSubtest is the environment reporting to a subtest's t.
func (e *testEnv) asSubtest(t *testing.T) *testEnv {
	c := *e
	c.t = t
	return &c
}

type lbReq = godo.LoadBalancerRequest

func httpRule() godo.ForwardingRule {
	return godo.ForwardingRule{EntryProtocol: "http", EntryPort: 80, TargetProtocol: "http", TargetPort: 80}
}

func minimalLB() *godo.LoadBalancerRequest {
	return &godo.LoadBalancerRequest{Name: "web-lb", Region: "nyc3", ForwardingRules: []godo.ForwardingRule{httpRule()}}
}

// createLB creates a load balancer and waits (on the fake clock) until it
// is active and free for changes.
func (e *testEnv) createLB(req *godo.LoadBalancerRequest) *godo.LoadBalancer {
	e.t.Helper()
	lb, _, err := e.client.LoadBalancers.Create(e.ctx, req)
	if err != nil {
		e.t.Fatalf("create load balancer: %v", err)
	}
	e.advance(e.srv.delays.LoadBalancerProvision)
	lb, _, err = e.client.LoadBalancers.Get(e.ctx, lb.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	if lb.Status != "active" {
		e.t.Fatalf("load balancer %s after provisioning", lb.Status)
	}
	return lb
}

// rawObject fetches path through godo and returns the JSON object under key.
func (e *testEnv) rawObject(path, key string) map[string]any {
	e.t.Helper()
	req, err := e.client.NewRequest(e.ctx, http.MethodGet, path, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	var body map[string]json.RawMessage
	if _, err := e.client.Do(e.ctx, req, &body); err != nil {
		e.t.Fatal(err)
	}
	var obj map[string]any
	if err := json.Unmarshal(body[key], &obj); err != nil {
		e.t.Fatal(err)
	}
	return obj
}

func TestLoadBalancerCreateFillsDefaults(t *testing.T) {
	e := newTestEnv(t)
	lb, resp, err := e.client.LoadBalancers.Create(e.ctx, minimalLB())
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusAccepted {
		t.Errorf("status %d, want 202", resp.StatusCode)
	}
	var defaultVPC, project string
	e.srv.Inspect(func(w *World) {
		for _, v := range w.VPCs {
			if v.Default && v.Region == "nyc3" {
				defaultVPC = v.ID
			}
		}
		project = w.defaultProjectID()
	})
	want := godo.LoadBalancer{
		ID: lb.ID, Name: "web-lb", SizeSlug: "lb-small", SizeUnit: 1, Type: "REGIONAL", Algorithm: "round_robin",
		Status: "new", Created: timestamp(testEpoch),
		ForwardingRules: []godo.ForwardingRule{httpRule()},
		// The API's defaults (OpenAPI health_check.yml), not the provider's 5/3.
		HealthCheck: &godo.HealthCheck{Protocol: "http", Port: 80, Path: "/", CheckIntervalSeconds: 10,
			ResponseTimeoutSeconds: 5, HealthyThreshold: 3, UnhealthyThreshold: 5},
		StickySessions:               &godo.StickySessions{Type: "none"},
		Region:                       lb.Region,
		DropletIDs:                   []int{},
		Tags:                         []string{},
		VPCUUID:                      defaultVPC,
		ProjectID:                    project,
		DisableLetsEncryptDNSRecords: godo.PtrTo(false),
		HTTPIdleTimeoutSeconds:       godo.PtrTo(uint64(60)),
		Firewall:                     &godo.LBFirewall{Allow: []string{}, Deny: []string{}},
		TargetLoadBalancerIDs:        []string{},
		Network:                      "EXTERNAL",
		NetworkStack:                 "IPV4",
		TLSCipherPolicy:              "DEFAULT",
	}
	if !reflect.DeepEqual(*lb, want) {
		t.Errorf("created\n %+v\nwant\n %+v", *lb, want)
	}
	if defaultVPC == "" || project == "" {
		t.Errorf("no default vpc (%q) or project (%q)", defaultVPC, project)
	}
	if lb.Region == nil || lb.Region.Slug != "nyc3" || lb.Region.Name != "New York 3" || !lb.Region.Available {
		t.Errorf("region %+v", lb.Region)
	}

	// The wire carries DigitalOcean's full field set, empty values included.
	raw := e.rawObject("v2/load_balancers/"+lb.ID, "load_balancer")
	for key, want := range map[string]any{
		"ip": "", "ipv6": "", "tag": "", "glb_settings": nil, "redirect_http_to_https": false,
		"enable_proxy_protocol": false, "enable_backend_keepalive": false, "disable_lets_encrypt_dns_records": false,
	} {
		got, ok := raw[key]
		if !ok || !reflect.DeepEqual(got, want) {
			t.Errorf("%s = %#v (present %v), want %#v", key, got, ok, want)
		}
	}
	rule := raw["forwarding_rules"].([]any)[0].(map[string]any)
	if rule["certificate_id"] != "" || rule["tls_passthrough"] != false {
		t.Errorf("rule %v lacks certificate_id \"\" or tls_passthrough false", rule)
	}
	if _, ok := rule["certificate_name"]; ok {
		t.Error("certificate_name is sandbox-only and must not be sent")
	}
	fw := raw["firewall"].(map[string]any)
	if !reflect.DeepEqual(fw["allow"], []any{}) || !reflect.DeepEqual(fw["deny"], []any{}) {
		t.Errorf("firewall %v, want empty allow and deny lists", fw)
	}
}

func TestLoadBalancerBecomesActiveWithAddresses(t *testing.T) {
	cases := []struct {
		name  string
		edit  func(r *godo.LoadBalancerRequest)
		check func(t *testing.T, lb *godo.LoadBalancer, w *World)
	}{
		{"external ipv4", func(r *godo.LoadBalancerRequest) {}, func(t *testing.T, lb *godo.LoadBalancer, w *World) {
			if ip := net.ParseIP(lb.IP); ip == nil || ip.To4() == nil || ip.IsPrivate() {
				t.Errorf("ip %q, want a public IPv4", lb.IP)
			}
			if lb.IPv6 != "" {
				t.Errorf("ipv6 %q without DUALSTACK", lb.IPv6)
			}
		}},
		{"dualstack", func(r *godo.LoadBalancerRequest) { r.NetworkStack = "DUALSTACK" }, func(t *testing.T, lb *godo.LoadBalancer, w *World) {
			if ip := net.ParseIP(lb.IPv6); ip == nil || ip.To4() != nil {
				t.Errorf("ipv6 %q", lb.IPv6)
			}
		}},
		{"internal", func(r *godo.LoadBalancerRequest) { r.Network = "INTERNAL" }, func(t *testing.T, lb *godo.LoadBalancer, w *World) {
			_, vpcNet, err := net.ParseCIDR(w.VPCs[lb.VPCUUID].IPRange)
			if err != nil || !vpcNet.Contains(net.ParseIP(lb.IP)) {
				t.Errorf("internal ip %q not in the VPC range %v", lb.IP, w.VPCs[lb.VPCUUID].IPRange)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t)
			req := minimalLB()
			tc.edit(req)
			created, _, err := e.client.LoadBalancers.Create(e.ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			e.advance(e.srv.delays.LoadBalancerProvision - time.Second)
			lb, _, _ := e.client.LoadBalancers.Get(e.ctx, created.ID)
			if lb.Status != "new" || lb.IP != "" {
				t.Fatalf("a second early: status %s ip %q, want new without ip", lb.Status, lb.IP)
			}
			e.advance(time.Second)
			lb, _, _ = e.client.LoadBalancers.Get(e.ctx, created.ID)
			if lb.Status != "active" {
				t.Fatalf("status %s after provisioning", lb.Status)
			}
			e.srv.Inspect(func(w *World) { tc.check(t, lb, w) })
		})
	}
}

func TestLoadBalancerGetListDelete(t *testing.T) {
	e := newTestEnv(t)
	_, _, err := e.client.LoadBalancers.Get(e.ctx, "4de7ac8b-495b-4884-9a69-1050c6793cd6")
	e.apiError(err, http.StatusNotFound, "not_found")

	var ids []string
	for _, name := range []string{"a-lb", "b-lb", "c-lb"} {
		req := minimalLB()
		req.Name = name
		lb, _, err := e.client.LoadBalancers.Create(e.ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, lb.ID)
		e.clock.Advance(time.Second)
	}
	page, resp, err := e.client.LoadBalancers.List(e.ctx, &godo.ListOptions{Page: 1, PerPage: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(page) != 2 || page[0].ID != ids[0] || resp.Meta.Total != 3 || resp.Links.IsLastPage() {
		t.Errorf("first page %d items, meta %+v, last page %v", len(page), resp.Meta, resp.Links.IsLastPage())
	}
	page, resp, _ = e.client.LoadBalancers.List(e.ctx, &godo.ListOptions{Page: 2, PerPage: 2})
	if len(page) != 1 || page[0].ID != ids[2] || !resp.Links.IsLastPage() {
		t.Errorf("second page %v, last %v", page, resp.Links.IsLastPage())
	}
	byName, _, err := e.client.LoadBalancers.ListByNames(e.ctx, []string{"b-lb"}, nil)
	if err != nil || len(byName) != 1 || byName[0].ID != ids[1] {
		t.Errorf("by name: %v %v", byName, err)
	}
	byUUID, _, err := e.client.LoadBalancers.ListByUUIDs(e.ctx, []string{ids[0], ids[2]}, nil)
	if err != nil || len(byUUID) != 2 {
		t.Errorf("by uuid: %v %v", byUUID, err)
	}

	// Deleting is allowed while the load balancer is still new.
	resp, err = e.client.LoadBalancers.Delete(e.ctx, ids[0])
	if err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("delete: %v", err)
	}
	_, _, err = e.client.LoadBalancers.Get(e.ctx, ids[0])
	e.apiError(err, http.StatusNotFound, "not_found")
	_, err = e.client.LoadBalancers.Delete(e.ctx, ids[0])
	e.apiError(err, http.StatusNotFound, "not_found")
}

func TestLoadBalancerValidation(t *testing.T) {
	e := newTestEnv(t)
	nyc, sfo := e.seedDroplet("nyc3", "active"), e.seedDroplet("sfo3", "active")
	https := godo.ForwardingRule{EntryProtocol: "https", EntryPort: 443, TargetProtocol: "http", TargetPort: 80}
	cases := []struct {
		name string
		edit func(r *lbReq)
		want []string // fragments the message must contain
	}{
		{"missing name", func(r *lbReq) { r.Name = "" }, []string{"name", "required"}},
		{"bad name", func(r *lbReq) { r.Name = "-web" }, []string{"name", `"-web"`}},
		{"name too long", func(r *lbReq) { r.Name = strings.Repeat("a", 256) }, []string{"name", "255"}},
		{"missing region", func(r *lbReq) { r.Region = "" }, []string{"region", "required"}},
		{"unknown region", func(r *lbReq) { r.Region = "mars1" }, []string{"region", `"mars1"`, "nyc3"}},
		{"unavailable region", func(r *lbReq) { r.Region = "sfo1" }, []string{"region", `"sfo1"`, "available"}},
		{"size unit too big", func(r *lbReq) { r.SizeUnit = 201 }, []string{"size_unit", "201", "between 1 and 200"}},
		{"unknown size", func(r *lbReq) { r.SizeSlug = "lb-huge" }, []string{"size", `"lb-huge"`, "lb-small, lb-medium, lb-large"}},
		{"size and size unit disagree", func(r *lbReq) { r.SizeSlug, r.SizeUnit = "lb-small", 3 }, []string{"size", "size_unit", "3"}},
		{"no forwarding rules", func(r *lbReq) { r.ForwardingRules = nil }, []string{"forwarding_rules", "required"}},
		{"entry protocol", func(r *lbReq) { r.ForwardingRules[0].EntryProtocol = "ftp" },
			[]string{"forwarding_rules[0].entry_protocol", `"ftp"`, "http, https, http2, http3, tcp, udp"}},
		{"target protocol", func(r *lbReq) { r.ForwardingRules[0].TargetProtocol = "http3" },
			[]string{"forwarding_rules[0].target_protocol", `"http3"`, "http, https, http2, tcp, udp"}},
		{"missing entry port", func(r *lbReq) { r.ForwardingRules[0].EntryPort = 0 },
			[]string{"forwarding_rules[0].entry_port", "0", "between 1 and 65535"}},
		{"target port too big", func(r *lbReq) { r.ForwardingRules[0].TargetPort = 70000 },
			[]string{"forwarding_rules[0].target_port", "70000", "between 1 and 65535"}},
		{"https without certificate", func(r *lbReq) { r.ForwardingRules = append(r.ForwardingRules, https) },
			[]string{"forwarding_rules[1].certificate_id", "https", "tls_passthrough"}},
		{"unknown certificate", func(r *lbReq) {
			rule := https
			rule.CertificateID = "f5bd3a3f-0b1e-4d4c-9a8c-0f4d6c3a1e11"
			r.ForwardingRules = []godo.ForwardingRule{rule}
		}, []string{"forwarding_rules[0].certificate_id", "f5bd3a3f", "no such certificate"}},
		{"passthrough on http", func(r *lbReq) { r.ForwardingRules[0].TlsPassthrough = true },
			[]string{"forwarding_rules[0].tls_passthrough", "https"}},
		{"udp to tcp", func(r *lbReq) {
			r.ForwardingRules[0] = godo.ForwardingRule{EntryProtocol: "udp", EntryPort: 53, TargetProtocol: "tcp", TargetPort: 53}
		}, []string{"forwarding_rules[0].target_protocol", `"tcp"`, "udp"}},
		{"duplicate entry port", func(r *lbReq) {
			r.ForwardingRules = append(r.ForwardingRules, godo.ForwardingRule{EntryProtocol: "tcp", EntryPort: 80, TargetProtocol: "tcp", TargetPort: 81})
		}, []string{"forwarding_rules[1].entry_port", "80", "forwarding_rules[0]"}},
		{"network lb takes no http", func(r *lbReq) { r.Type = "REGIONAL_NETWORK" },
			[]string{"entry_protocol", `"http"`, "tcp and udp"}},
		{"health check protocol", func(r *lbReq) { r.HealthCheck = &godo.HealthCheck{Protocol: "icmp"} },
			[]string{"health_check.protocol", `"icmp"`, "http, https, tcp"}},
		{"health check port", func(r *lbReq) { r.HealthCheck = &godo.HealthCheck{Port: 70000} },
			[]string{"health_check.port", "70000", "between 1 and 65535"}},
		{"interval too short", func(r *lbReq) { r.HealthCheck = &godo.HealthCheck{CheckIntervalSeconds: 2} },
			[]string{"health_check.check_interval_seconds", "2", "between 3 and 300"}},
		{"interval too long", func(r *lbReq) { r.HealthCheck = &godo.HealthCheck{CheckIntervalSeconds: 301} },
			[]string{"health_check.check_interval_seconds", "301", "between 3 and 300"}},
		{"response timeout", func(r *lbReq) { r.HealthCheck = &godo.HealthCheck{ResponseTimeoutSeconds: 2} },
			[]string{"health_check.response_timeout_seconds", "2", "between 3 and 300"}},
		{"healthy threshold low", func(r *lbReq) { r.HealthCheck = &godo.HealthCheck{HealthyThreshold: 1} },
			[]string{"health_check.healthy_threshold", "1", "between 2 and 10"}},
		{"healthy threshold high", func(r *lbReq) { r.HealthCheck = &godo.HealthCheck{HealthyThreshold: 11} },
			[]string{"health_check.healthy_threshold", "11", "between 2 and 10"}},
		{"unhealthy threshold", func(r *lbReq) { r.HealthCheck = &godo.HealthCheck{UnhealthyThreshold: 11} },
			[]string{"health_check.unhealthy_threshold", "11", "between 2 and 10"}},
		{"health check path", func(r *lbReq) { r.HealthCheck = &godo.HealthCheck{Path: "health"} },
			[]string{"health_check.path", `"health"`, "/"}},
		{"sticky type", func(r *lbReq) { r.StickySessions = &godo.StickySessions{Type: "ip"} },
			[]string{"sticky_sessions.type", `"ip"`, "none, cookies"}},
		{"cookies without name", func(r *lbReq) {
			r.StickySessions = &godo.StickySessions{Type: "cookies", CookieTtlSeconds: 300}
		}, []string{"sticky_sessions.cookie_name", "required", "cookies"}},
		{"cookies without ttl", func(r *lbReq) {
			r.StickySessions = &godo.StickySessions{Type: "cookies", CookieName: "lb"}
		}, []string{"sticky_sessions.cookie_ttl_seconds", "required"}},
		{"cookie name too short", func(r *lbReq) {
			r.StickySessions = &godo.StickySessions{Type: "cookies", CookieName: "x", CookieTtlSeconds: 300}
		}, []string{"sticky_sessions.cookie_name", `"x"`, "between 2 and 40"}},
		{"cookie name without cookies", func(r *lbReq) {
			r.StickySessions = &godo.StickySessions{Type: "none", CookieName: "lb"}
		}, []string{"cookie_name", "only allowed", "cookies"}},
		{"tag and droplet ids", func(r *lbReq) { r.Tag, r.DropletIDs = "web", []int{nyc} },
			[]string{"either a tag or a list of droplets"}},
		{"unknown droplet", func(r *lbReq) { r.DropletIDs = []int{42} },
			[]string{"droplet_ids[0]", "42", "no such droplet"}},
		{"droplet in another region", func(r *lbReq) { r.DropletIDs = []int{nyc, sfo} },
			[]string{"droplet_ids[1]", "sfo3", "nyc3"}},
		{"bad tag", func(r *lbReq) { r.Tag = "web tier" }, []string{"tag", `"web tier"`}},
		{"idle timeout low", func(r *lbReq) { r.HTTPIdleTimeoutSeconds = godo.PtrTo(uint64(29)) },
			[]string{"http_idle_timeout_seconds", "29", "between 30 and 600"}},
		{"idle timeout high", func(r *lbReq) { r.HTTPIdleTimeoutSeconds = godo.PtrTo(uint64(601)) },
			[]string{"http_idle_timeout_seconds", "601", "between 30 and 600"}},
		{"unknown vpc", func(r *lbReq) { r.VPCUUID = "c33931f2-a26a-4e61-b85c-4e95a2ec431b" },
			[]string{"vpc_uuid", "c33931f2", "no such VPC"}},
		{"firewall rule without kind", func(r *lbReq) { r.Firewall = &godo.LBFirewall{Allow: []string{"1.2.3.4"}} },
			[]string{"firewall.allow[0]", `"1.2.3.4"`, "ip:", "cidr:"}},
		{"firewall bad cidr", func(r *lbReq) { r.Firewall = &godo.LBFirewall{Deny: []string{"cidr:10.0.0.0/33"}} },
			[]string{"firewall.deny[0]", "10.0.0.0/33"}},
		{"redirect without https", func(r *lbReq) { r.RedirectHttpToHttps = true },
			[]string{"redirect_http_to_https", "https"}},
		{"algorithm", func(r *lbReq) { r.Algorithm = "random" },
			[]string{"algorithm", `"random"`, "round_robin, least_connections"}},
		{"type", func(r *lbReq) { r.Type = "CLASSIC" },
			[]string{"type", `"CLASSIC"`, "REGIONAL, REGIONAL_NETWORK, GLOBAL"}},
		{"global unsupported", func(r *lbReq) { r.Type = "GLOBAL" }, []string{"GLOBAL", "REGIONAL"}},
		{"network", func(r *lbReq) { r.Network = "PUBLIC" }, []string{"network", `"PUBLIC"`, "EXTERNAL, INTERNAL"}},
		{"network stack", func(r *lbReq) { r.NetworkStack = "IPV6" },
			[]string{"network_stack", `"IPV6"`, "IPV4, DUALSTACK"}},
		{"cipher policy", func(r *lbReq) { r.TLSCipherPolicy = "WEAK" },
			[]string{"tls_cipher_policy", `"WEAK"`, "DEFAULT, STRONG"}},
		{"project id", func(r *lbReq) { r.ProjectID = "my-project" }, []string{"project_id", `"my-project"`}},
		{"ip", func(r *lbReq) { r.IP = "not-an-ip" }, []string{"ip", `"not-an-ip"`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := e.asSubtest(t)
			req := minimalLB()
			tc.edit(req)
			_, _, err := e.client.LoadBalancers.Create(e.ctx, req)
			er := e.apiError(err, http.StatusUnprocessableEntity, "unprocessable_entity")
			for _, frag := range tc.want {
				if !strings.Contains(er.Message, frag) {
					t.Errorf("message %q lacks %q", er.Message, frag)
				}
			}
		})
	}
	e.srv.Inspect(func(w *World) {
		if n := len(w.LoadBalancers); n != 0 {
			t.Errorf("%d load balancers created by invalid requests", n)
		}
	})
}

func TestLoadBalancerAcceptedVariants(t *testing.T) {
	cases := []struct {
		name  string
		edit  func(r *godo.LoadBalancerRequest)
		check func(t *testing.T, lb *godo.LoadBalancer)
	}{
		{"size slug maps to units", func(r *godo.LoadBalancerRequest) { r.SizeSlug = "lb-medium" }, func(t *testing.T, lb *godo.LoadBalancer) {
			if lb.SizeUnit != 3 || lb.SizeSlug != "lb-medium" {
				t.Errorf("size %q unit %d", lb.SizeSlug, lb.SizeUnit)
			}
		}},
		{"size unit without slug", func(r *godo.LoadBalancerRequest) { r.SizeUnit = 2 }, func(t *testing.T, lb *godo.LoadBalancer) {
			if lb.SizeUnit != 2 || lb.SizeSlug != "" {
				t.Errorf("size %q unit %d", lb.SizeSlug, lb.SizeUnit)
			}
		}},
		{"tcp check drops the path and keeps defaults", func(r *godo.LoadBalancerRequest) {
			r.HealthCheck = &godo.HealthCheck{Protocol: "tcp", Port: 8080, Path: "/health", HealthyThreshold: 3}
		}, func(t *testing.T, lb *godo.LoadBalancer) {
			// unhealthy_threshold left out: the API's default, 5.
			want := godo.HealthCheck{Protocol: "tcp", Port: 8080, CheckIntervalSeconds: 10, ResponseTimeoutSeconds: 5, HealthyThreshold: 3, UnhealthyThreshold: 5}
			if *lb.HealthCheck != want {
				t.Errorf("health check %+v, want %+v", *lb.HealthCheck, want)
			}
		}},
		{"http check without path gets /", func(r *godo.LoadBalancerRequest) { r.HealthCheck = &godo.HealthCheck{Protocol: "http", Port: 8080} },
			func(t *testing.T, lb *godo.LoadBalancer) {
				if lb.HealthCheck.Path != "/" || lb.HealthCheck.Port != 8080 {
					t.Errorf("health check %+v", *lb.HealthCheck)
				}
			}},
		{"sticky cookies", func(r *godo.LoadBalancerRequest) {
			r.StickySessions = &godo.StickySessions{Type: "cookies", CookieName: "lb", CookieTtlSeconds: 300}
		}, func(t *testing.T, lb *godo.LoadBalancer) {
			if *lb.StickySessions != (godo.StickySessions{Type: "cookies", CookieName: "lb", CookieTtlSeconds: 300}) {
				t.Errorf("sticky %+v", *lb.StickySessions)
			}
		}},
		{"tls passthrough and redirect", func(r *godo.LoadBalancerRequest) {
			r.ForwardingRules = append(r.ForwardingRules, godo.ForwardingRule{EntryProtocol: "https", EntryPort: 443, TargetProtocol: "https", TargetPort: 443, TlsPassthrough: true})
			r.RedirectHttpToHttps = true
		}, func(t *testing.T, lb *godo.LoadBalancer) {
			if len(lb.ForwardingRules) != 2 || !lb.ForwardingRules[1].TlsPassthrough || !lb.RedirectHttpToHttps {
				t.Errorf("rules %v redirect %v", lb.ForwardingRules, lb.RedirectHttpToHttps)
			}
		}},
		{"https with a certificate", func(r *godo.LoadBalancerRequest) {
			r.ForwardingRules = []godo.ForwardingRule{{EntryProtocol: "http2", EntryPort: 443, TargetProtocol: "http", TargetPort: 80, CertificateID: "cert-1"}}
		}, func(t *testing.T, lb *godo.LoadBalancer) {
			if lb.ForwardingRules[0].CertificateID != "cert-1" {
				t.Errorf("rule %+v", lb.ForwardingRules[0])
			}
		}},
		{"lower case enums and settings", func(r *godo.LoadBalancerRequest) {
			r.Type, r.Network, r.TLSCipherPolicy, r.Region = "regional", "external", "strong", "NYC3"
			r.HTTPIdleTimeoutSeconds = godo.PtrTo(uint64(120))
			r.EnableProxyProtocol, r.EnableBackendKeepalive = true, true
			r.DisableLetsEncryptDNSRecords = godo.PtrTo(true)
			r.Firewall = &godo.LBFirewall{Allow: []string{"cidr:10.0.0.0/8"}, Deny: []string{"ip:1.2.3.4"}}
			r.ProjectID = "9cc10173-e9ea-4176-9dbc-a4cee4c4ff30"
		}, func(t *testing.T, lb *godo.LoadBalancer) {
			if lb.Type != "REGIONAL" || lb.Network != "EXTERNAL" || lb.TLSCipherPolicy != "STRONG" || lb.Region.Slug != "nyc3" ||
				*lb.HTTPIdleTimeoutSeconds != 120 || !lb.EnableProxyProtocol || !lb.EnableBackendKeepalive ||
				!*lb.DisableLetsEncryptDNSRecords || lb.ProjectID != "9cc10173-e9ea-4176-9dbc-a4cee4c4ff30" ||
				!reflect.DeepEqual(lb.Firewall, &godo.LBFirewall{Allow: []string{"cidr:10.0.0.0/8"}, Deny: []string{"ip:1.2.3.4"}}) {
				t.Errorf("load balancer %+v", lb)
			}
		}},
	}
	e := newTestEnv(t)
	if err := e.srv.Mutate(func(w *World, now time.Time) error {
		w.Certificates["cert-1"] = &Certificate{}
		// project_id must name one of the account's projects.
		w.Projects["9cc10173-e9ea-4176-9dbc-a4cee4c4ff30"] = &Project{ID: "9cc10173-e9ea-4176-9dbc-a4cee4c4ff30", Name: "web", CreatedAt: now}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := minimalLB()
			tc.edit(req)
			lb, _, err := e.client.LoadBalancers.Create(e.ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, lb)
		})
	}
}

func TestLoadBalancerCustomVPC(t *testing.T) {
	e := newTestEnv(t)
	var nyc, sfo string
	if err := e.srv.Mutate(func(w *World, now time.Time) error {
		nyc, sfo = w.defaultVPC(now, "nyc3").ID, w.defaultVPC(now, "sfo3").ID
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	req := minimalLB()
	req.VPCUUID = sfo
	_, _, err := e.client.LoadBalancers.Create(e.ctx, req)
	er := e.apiError(err, http.StatusUnprocessableEntity, "unprocessable_entity")
	if !strings.Contains(er.Message, "sfo3") || !strings.Contains(er.Message, sfo) {
		t.Errorf("message %q", er.Message)
	}
	req.VPCUUID = nyc
	lb, _, err := e.client.LoadBalancers.Create(e.ctx, req)
	if err != nil || lb.VPCUUID != nyc {
		t.Fatalf("create in vpc: %v %+v", err, lb)
	}
}

// TestLoadBalancerBusy: after create and after every change the load
// balancer refuses changes until it has processed them; DigitalOcean
// answers 403 forbidden with this text.
func TestLoadBalancerBusy(t *testing.T) {
	const busy = "Load Balancer can't be updated while it processes previous actions"
	e := newTestEnv(t)
	d1, d2 := e.seedDroplet("nyc3", "active"), e.seedDroplet("nyc3", "active")
	created, _, err := e.client.LoadBalancers.Create(e.ctx, minimalLB())
	if err != nil {
		t.Fatal(err)
	}
	id := created.ID
	tcp := godo.ForwardingRule{EntryProtocol: "tcp", EntryPort: 5432, TargetProtocol: "tcp", TargetPort: 5432}
	changes := []struct {
		name string
		do   func() (*godo.Response, error)
	}{
		{"update", func() (*godo.Response, error) {
			req := minimalLB()
			req.Name = "renamed"
			_, resp, err := e.client.LoadBalancers.Update(e.ctx, id, req)
			return resp, err
		}},
		{"add droplets", func() (*godo.Response, error) { return e.client.LoadBalancers.AddDroplets(e.ctx, id, d1, d2) }},
		{"remove droplets", func() (*godo.Response, error) { return e.client.LoadBalancers.RemoveDroplets(e.ctx, id, d2) }},
		{"add rules", func() (*godo.Response, error) { return e.client.LoadBalancers.AddForwardingRules(e.ctx, id, tcp) }},
		{"remove rules", func() (*godo.Response, error) { return e.client.LoadBalancers.RemoveForwardingRules(e.ctx, id, tcp) }},
	}

	// While new, every change is refused.
	for _, ch := range changes {
		_, err := ch.do()
		er := e.apiError(err, http.StatusForbidden, "forbidden")
		if er.Message != busy {
			t.Errorf("%s while new: %q", ch.name, er.Message)
		}
	}
	e.advance(e.srv.delays.LoadBalancerProvision)

	// Each change succeeds, then makes the next one wait LoadBalancerUpdate.
	for i, ch := range changes {
		resp, err := ch.do()
		if err != nil {
			t.Fatalf("%s: %v", ch.name, err)
		}
		if want := map[bool]int{true: 200, false: 204}[i == 0]; resp.StatusCode != want {
			t.Errorf("%s: status %d, want %d", ch.name, resp.StatusCode, want)
		}
		next := changes[(i+1)%len(changes)]
		e.advance(e.srv.delays.LoadBalancerUpdate - time.Second)
		_, err = next.do()
		er := e.apiError(err, http.StatusForbidden, "forbidden")
		if er.Message != busy {
			t.Errorf("%s right after %s: %q", next.name, ch.name, er.Message)
		}
		e.advance(time.Second)
	}

	lb, _, _ := e.client.LoadBalancers.Get(e.ctx, id)
	if lb.Name != "renamed" || !slices.Equal(lb.DropletIDs, []int{d1}) || len(lb.ForwardingRules) != 1 {
		t.Errorf("after the changes: name %s droplets %v rules %v", lb.Name, lb.DropletIDs, lb.ForwardingRules)
	}
	// Deleting needs no wait.
	if _, err := e.client.LoadBalancers.AddDroplets(e.ctx, id, d2); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.LoadBalancers.Delete(e.ctx, id); err != nil {
		t.Fatalf("delete while processing: %v", err)
	}
}

func TestLoadBalancerUpdateReplacesTheObject(t *testing.T) {
	e := newTestEnv(t)
	req := minimalLB()
	req.StickySessions = &godo.StickySessions{Type: "cookies", CookieName: "lb", CookieTtlSeconds: 60}
	req.HTTPIdleTimeoutSeconds = godo.PtrTo(uint64(300))
	req.SizeUnit = 4
	lb := e.createLB(req)

	// godo's AsRequest round trip is accepted and changes nothing.
	same, resp, err := e.client.LoadBalancers.Update(e.ctx, lb.ID, lb.AsRequest())
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("AsRequest update: %v", err)
	}
	if !reflect.DeepEqual(same, lb) {
		t.Errorf("AsRequest update changed the load balancer:\n %+v\n %+v", same, lb)
	}
	e.advance(e.srv.delays.LoadBalancerUpdate)

	// Omitted attributes go back to their defaults; fixed ones stay.
	upd := &godo.LoadBalancerRequest{Name: "web-lb-2", ForwardingRules: []godo.ForwardingRule{httpRule()}}
	got, _, err := e.client.LoadBalancers.Update(e.ctx, lb.ID, upd)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "web-lb-2" || got.StickySessions.Type != "none" || *got.HTTPIdleTimeoutSeconds != 60 || got.SizeUnit != 1 ||
		got.Region.Slug != "nyc3" || got.VPCUUID != lb.VPCUUID || got.IP != lb.IP || got.ProjectID != lb.ProjectID || got.Status != "active" {
		t.Errorf("after update %+v", got)
	}
	e.advance(e.srv.delays.LoadBalancerUpdate)

	immutable := []struct {
		name string
		edit func(r *godo.LoadBalancerRequest)
		want string
	}{
		{"region", func(r *godo.LoadBalancerRequest) { r.Region = "sfo3" }, "region cannot be changed"},
		{"network", func(r *godo.LoadBalancerRequest) { r.Network = "INTERNAL" }, "network cannot be changed"},
		{"network stack", func(r *godo.LoadBalancerRequest) { r.NetworkStack = "DUALSTACK" }, "network_stack cannot be changed"},
		{"type", func(r *godo.LoadBalancerRequest) { r.Type = "REGIONAL_NETWORK" }, "type cannot be changed"},
		{"vpc", func(r *godo.LoadBalancerRequest) { r.VPCUUID = "c33931f2-a26a-4e61-b85c-4e95a2ec431b" }, "vpc_uuid cannot be changed"},
	}
	for _, tc := range immutable {
		t.Run(tc.name, func(t *testing.T) {
			e := e.asSubtest(t)
			r := got.AsRequest()
			tc.edit(r)
			_, _, err := e.client.LoadBalancers.Update(e.ctx, lb.ID, r)
			er := e.apiError(err, http.StatusUnprocessableEntity, "unprocessable_entity")
			if !strings.Contains(er.Message, tc.want) {
				t.Errorf("message %q lacks %q", er.Message, tc.want)
			}
		})
	}
	_, _, err = e.client.LoadBalancers.Update(e.ctx, "4de7ac8b-495b-4884-9a69-1050c6793cd6", upd)
	e.apiError(err, http.StatusNotFound, "not_found")
}

func TestLoadBalancerTagModeListsTaggedDroplets(t *testing.T) {
	e := newTestEnv(t)
	a := e.seedDroplet("nyc3", "active", "web")
	b := e.seedDroplet("nyc3", "new", "web", "other")
	e.seedDroplet("sfo3", "active", "web") // other region: not a target
	e.seedDroplet("nyc3", "active")        // untagged
	req := minimalLB()
	req.Tag = "web"
	lb, _, err := e.client.LoadBalancers.Create(e.ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if lb.Tag != "web" || !slices.Equal(lb.DropletIDs, []int{a, b}) {
		t.Errorf("tag %q droplets %v, want %v", lb.Tag, lb.DropletIDs, []int{a, b})
	}
	c := e.seedDroplet("nyc3", "active", "web")
	e.alterDroplet(a, func(d *Droplet, _ time.Time) { d.Tags = nil })
	lb, _, _ = e.client.LoadBalancers.Get(e.ctx, lb.ID)
	if !slices.Equal(lb.DropletIDs, []int{b, c}) {
		t.Errorf("after tagging %d and untagging %d: %v", c, a, lb.DropletIDs)
	}
	e.advance(e.srv.delays.LoadBalancerProvision)
	_, err = e.client.LoadBalancers.AddDroplets(e.ctx, lb.ID, a)
	er := e.apiError(err, http.StatusUnprocessableEntity, "unprocessable_entity")
	if !strings.Contains(er.Message, "tag") {
		t.Errorf("message %q", er.Message)
	}
}

func TestLoadBalancerDropletIDs(t *testing.T) {
	e := newTestEnv(t)
	a, b, c := e.seedDroplet("nyc3", "active"), e.seedDroplet("nyc3", "active"), e.seedDroplet("nyc3", "active")
	other := e.seedDroplet("sfo3", "active")
	req := minimalLB()
	req.DropletIDs = []int{b, a, a}
	lb := e.createLB(req)
	if !slices.Equal(lb.DropletIDs, []int{a, b}) {
		t.Errorf("droplets %v, want sorted unique %v", lb.DropletIDs, []int{a, b})
	}
	bad := []struct {
		name string
		ids  []int
		want string
	}{
		{"none", nil, "droplet_ids is required"},
		{"unknown", []int{c, 99}, "99"},
		{"other region", []int{other}, "sfo3"},
	}
	for _, tc := range bad {
		_, err := e.client.LoadBalancers.AddDroplets(e.ctx, lb.ID, tc.ids...)
		er := e.apiError(err, http.StatusUnprocessableEntity, "unprocessable_entity")
		if !strings.Contains(er.Message, tc.want) {
			t.Errorf("%s: message %q lacks %q", tc.name, er.Message, tc.want)
		}
	}
	if _, err := e.client.LoadBalancers.AddDroplets(e.ctx, lb.ID, c); err != nil {
		t.Fatal(err)
	}
	e.advance(e.srv.delays.LoadBalancerUpdate)
	if _, err := e.client.LoadBalancers.RemoveDroplets(e.ctx, lb.ID, a); err != nil {
		t.Fatal(err)
	}
	// A destroyed droplet leaves the load balancer.
	if err := e.srv.Mutate(func(w *World, now time.Time) error { delete(w.Droplets, b); return nil }); err != nil {
		t.Fatal(err)
	}
	got, _, _ := e.client.LoadBalancers.Get(e.ctx, lb.ID)
	if !slices.Equal(got.DropletIDs, []int{c}) {
		t.Errorf("droplets %v, want [%d]", got.DropletIDs, c)
	}
	_, err := e.client.LoadBalancers.AddDroplets(e.ctx, "4de7ac8b-495b-4884-9a69-1050c6793cd6", c)
	e.apiError(err, http.StatusNotFound, "not_found")
}

func TestLoadBalancerForwardingRules(t *testing.T) {
	e := newTestEnv(t)
	lb := e.createLB(minimalLB())
	tcp := godo.ForwardingRule{EntryProtocol: "tcp", EntryPort: 5432, TargetProtocol: "tcp", TargetPort: 5432}
	bad := []struct {
		name  string
		rules []godo.ForwardingRule
		want  string
	}{
		{"none", nil, "forwarding_rules is required"},
		{"entry port taken", []godo.ForwardingRule{{EntryProtocol: "tcp", EntryPort: 80, TargetProtocol: "tcp", TargetPort: 8080}}, "entry_port 80"},
		{"bad protocol", []godo.ForwardingRule{{EntryProtocol: "sctp", EntryPort: 81, TargetProtocol: "tcp", TargetPort: 81}}, `forwarding_rules[0].entry_protocol "sctp"`},
	}
	for _, tc := range bad {
		_, err := e.client.LoadBalancers.AddForwardingRules(e.ctx, lb.ID, tc.rules...)
		er := e.apiError(err, http.StatusUnprocessableEntity, "unprocessable_entity")
		if !strings.Contains(er.Message, tc.want) {
			t.Errorf("%s: message %q lacks %q", tc.name, er.Message, tc.want)
		}
	}
	if _, err := e.client.LoadBalancers.AddForwardingRules(e.ctx, lb.ID, tcp); err != nil {
		t.Fatal(err)
	}
	got, _, _ := e.client.LoadBalancers.Get(e.ctx, lb.ID)
	if !reflect.DeepEqual(got.ForwardingRules, []godo.ForwardingRule{httpRule(), tcp}) {
		t.Errorf("rules %v", got.ForwardingRules)
	}
	e.advance(e.srv.delays.LoadBalancerUpdate)
	if _, err := e.client.LoadBalancers.RemoveForwardingRules(e.ctx, lb.ID, httpRule()); err != nil {
		t.Fatal(err)
	}
	e.advance(e.srv.delays.LoadBalancerUpdate)
	_, err := e.client.LoadBalancers.RemoveForwardingRules(e.ctx, lb.ID, tcp)
	er := e.apiError(err, http.StatusUnprocessableEntity, "unprocessable_entity")
	if !strings.Contains(er.Message, "at least one forwarding rule") {
		t.Errorf("removing the last rule: %q", er.Message)
	}
	got, _, _ = e.client.LoadBalancers.Get(e.ctx, lb.ID)
	if !reflect.DeepEqual(got.ForwardingRules, []godo.ForwardingRule{tcp}) {
		t.Errorf("rules %v", got.ForwardingRules)
	}
}

func TestLoadBalancerAndAlertPolicyPersist(t *testing.T) {
	path := filepath.Join(t.TempDir(), "world.json")
	first := newTestEnv(t, func(o *Options) { o.StateFile = path })
	d := first.seedDroplet("nyc3", "active", "web")
	req := minimalLB()
	req.Tag = "web"
	req.StickySessions = &godo.StickySessions{Type: "cookies", CookieName: "lb", CookieTtlSeconds: 60}
	req.Firewall = &godo.LBFirewall{Allow: []string{"cidr:0.0.0.0/0"}}
	lb := first.createLB(req)
	first.advance(time.Minute)
	health, err := first.srv.LoadBalancerHealth(lb.ID)
	if err != nil || !health[d] {
		t.Fatalf("health before restart: %v %v", health, err)
	}
	policy, _, err := first.client.Monitoring.CreateAlertPolicy(first.ctx, cpuPolicy())
	if err != nil {
		t.Fatal(err)
	}
	if err := first.srv.Close(); err != nil {
		t.Fatal(err)
	}

	second := newTestEnv(t, func(o *Options) { o.StateFile = path })
	second.clock.Advance(first.clock.Now().Sub(second.clock.Now()))
	gotLB, _, err := second.client.LoadBalancers.Get(second.ctx, lb.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(gotLB, lb) {
		t.Errorf("load balancer after restart\n %+v\nwant\n %+v", gotLB, lb)
	}
	gotPolicy, _, err := second.client.Monitoring.GetAlertPolicy(second.ctx, policy.UUID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(gotPolicy, policy) {
		t.Errorf("policy after restart\n %+v\nwant\n %+v", gotPolicy, policy)
	}
	if health, err := second.srv.LoadBalancerHealth(lb.ID); err != nil || !health[d] {
		t.Errorf("health after restart: %v %v", health, err)
	}
}
