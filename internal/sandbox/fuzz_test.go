package sandbox

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"
)

// FuzzRequestBodies sends arbitrary bodies to the endpoints that decode
// JSON. Whatever arrives, the sandbox answers like DigitalOcean: never a
// 5xx or a panic, errors as {"id", "message"}, successes as JSON.
func FuzzRequestBodies(f *testing.F) {
	endpoints := []struct{ method, path string }{
		{"POST", "/v2/droplets"},
		{"POST", "/v2/load_balancers"},
		{"POST", "/v2/monitoring/alerts"},
		{"POST", "/v2/tags"},
		{"POST", "/v2/tags/web/resources"},
		{"POST", "/v2/firewalls"},
		{"POST", "/v2/certificates"},
		{"POST", "/v2/vpcs"},
		{"POST", "/v2/account/keys"},
		{"POST", "/v2/uptime/checks"},
		{"POST", "/v2/droplets/autoscale"},
		{"POST", "/v2/domains"},
		{"POST", "/v2/domains/example.com/records"},
		{"PUT", "/v2/domains/example.com/records/" + strconv.Itoa(firstDomainRecordID+4)},
	}
	seeds := []string{
		`{"name":"web-1","region":"nyc3","size":"s-1vcpu-1gb","image":"ubuntu-24-04-x64"}`,
		`{"names":["a","b"],"region":"nyc3","size":"s-1vcpu-1gb","image":123,"tags":["x"],"backups":true,"backup_policy":{"plan":"weekly","weekday":"SUN","hour":4}}`,
		`{"name":"lb","region":"nyc3","tag":"web","forwarding_rules":[{"entry_protocol":"http","entry_port":80,"target_protocol":"http","target_port":80}],"health_check":{"protocol":"tcp","port":80,"check_interval_seconds":3}}`,
		`{"type":"v1/insights/droplet/cpu","description":"d","compare":"GreaterThan","value":1e308,"window":"5m","alerts":{"email":["a@b.c"]}}`,
		`{"name":"web"}`,
		`{"resources":[{"resource_id":"1","resource_type":"droplet"}]}`,
		`{"name":"fw","inbound_rules":[{"protocol":"tcp","ports":"8000-9000","sources":{"addresses":["0.0.0.0/0"]}}]}`,
		`{"name":"c","type":"custom","private_key":"x","leaf_certificate":"y"}`,
		`{"name":"v","region":"nyc3","ip_range":"10.10.10.0/24"}`,
		`{"name":"k","public_key":"ssh-ed25519 AAAA"}`,
		`{"name":"u","type":"http","target":"http://x","regions":["us_east"]}`,
		`{"name":"pool","config":{"min_instances":1,"max_instances":3,"target_cpu_utilization":0.5},"droplet_template":{"size":"s-1vcpu-1gb","region":"nyc3","image":"ubuntu-24-04-x64","ssh_keys":["k"]}}`,
		`{"name":"example.org","ip_address":"127.0.0.1"}`,
		`{"type":"SRV","name":"_sip._tcp","data":"sip.example.com.","priority":10,"weight":"1","port":null,"ttl":"x"}`,
		`{"type":"CAA","name":"@","data":"letsencrypt.org.","flags":-1,"tag":"issue"}`,
		``, `null`, `[]`, `{"names":null}`, `{"region":{"slug":1}}`, `{"size_unit":-1}`, `"x"`, `{"image":1.5}`,
	}
	for i, s := range seeds {
		f.Add(uint8(i%len(endpoints)), []byte(s))
	}
	clock := NewFakeClock(testEpoch)
	srv, err := New(Options{Token: "test-token", Clock: clock, Seed: 1, DropletLimit: 1000})
	if err != nil {
		f.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	f.Cleanup(hs.Close)
	// The records endpoints need a domain; its A record is the fifth record.
	req, _ := http.NewRequest("POST", hs.URL+"/v2/domains", bytes.NewReader([]byte(`{"name":"example.com","ip_address":"127.0.0.1"}`)))
	req.Header.Set("Authorization", "Bearer test-token")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusCreated {
		f.Fatalf("create example.com: %v %v", resp, err)
	}
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		ep := endpoints[int(which)%len(endpoints)]
		req, _ := http.NewRequest(ep.method, hs.URL+ep.path, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer test-token")
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", ep.method, ep.path, err)
		}
		defer resp.Body.Close()
		var out map[string]any
		decodeErr := json.NewDecoder(resp.Body).Decode(&out)
		if resp.StatusCode >= 500 {
			t.Fatalf("%s %s with %q: status %d %v", ep.method, ep.path, body, resp.StatusCode, out)
		}
		if resp.StatusCode == http.StatusNoContent {
			return
		}
		if decodeErr != nil {
			t.Fatalf("%s %s with %q: status %d, body is not JSON: %v", ep.method, ep.path, body, resp.StatusCode, decodeErr)
		}
		if resp.StatusCode >= 400 {
			if id, _ := out["id"].(string); id == "" {
				if _, ok := out["error"]; !ok { // tags' bad_request shape
					t.Fatalf("%s %s with %q: error body without an id: %v", ep.method, ep.path, body, out)
				}
			}
		}
		clock.Advance(time.Second) // stay inside the rate budget
	})
}
