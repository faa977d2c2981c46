package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestUnauthorizedWithoutToken(t *testing.T) {
	e := newTestEnv(t)
	for name, token := range map[string]string{"wrong token": "nope", "no token": ""} {
		t.Run(name, func(t *testing.T) {
			c, wire := newGodo(t, e.http.URL, token)
			_, _, err := c.Account.Get(e.ctx)
			e.wire = wire
			er := e.apiError(err, http.StatusUnauthorized, "unauthorized")
			if er.Message != "Unable to authenticate you." {
				t.Errorf("message %q", er.Message)
			}
		})
	}
}

func TestUnknownEndpointIsJSON404(t *testing.T) {
	e := newTestEnv(t)
	req, err := e.client.NewRequest(e.ctx, http.MethodGet, "v2/no_such_thing", nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.client.Do(e.ctx, req, nil)
	e.apiError(err, http.StatusNotFound, "not_found")
	if got := e.srv.Counts().Of("unmatched"); got != 1 {
		t.Errorf("unmatched count %d, want 1", got)
	}
}

func TestAccountReportsDropletLimit(t *testing.T) {
	e := newTestEnv(t, func(o *Options) { o.DropletLimit = 7 })
	acct, resp, err := e.client.Account.Get(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if acct.DropletLimit != 7 || acct.Status != "active" || acct.UUID == "" {
		t.Errorf("account %+v", acct)
	}
	if resp.Header.Get("X-Request-Id") == "" {
		t.Error("no x-request-id header")
	}
}

func TestRateLimitHeadersAndPerMinuteBudget(t *testing.T) {
	e := newTestEnv(t, func(o *Options) { o.RateLimitPerMinute = 3; o.RateLimitPerHour = 100 })
	for i := 1; i <= 3; i++ {
		_, resp, err := e.client.Account.Get(e.ctx)
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		if resp.Rate.Limit != 100 || resp.Rate.Remaining != 100-i {
			t.Errorf("request %d: rate %+v", i, resp.Rate)
		}
		if want := testEpoch.Add(time.Hour); !resp.Rate.Reset.Time.Equal(want) {
			t.Errorf("request %d: reset %v, want the oldest request's expiry %v", i, resp.Rate.Reset, want)
		}
		e.clock.Advance(time.Second)
	}
	_, resp, err := e.client.Account.Get(e.ctx)
	er := e.apiError(err, http.StatusTooManyRequests, "too_many_requests")
	if er.Message != "API rate limit exceeded." {
		t.Errorf("message %q", er.Message)
	}
	if resp.Rate.Remaining != 0 {
		t.Errorf("remaining on 429: %d", resp.Rate.Remaining)
	}
	// The first request leaves the minute window 60 s after it was made.
	if want := testEpoch.Add(time.Minute); !resp.Rate.Reset.Time.Equal(want) {
		t.Errorf("reset on 429: %v, want %v", resp.Rate.Reset, want)
	}
	e.clock.Advance(resp.Rate.Reset.Time.Sub(e.clock.Now()))
	if _, _, err := e.client.Account.Get(e.ctx); err != nil {
		t.Fatalf("after waiting for reset: %v", err)
	}
	if got := e.srv.Counts().Endpoints["GET /v2/account"].Statuses["429"]; got != 1 {
		t.Errorf("429 count %d, want 1", got)
	}
}

func TestRateLimitPerHourBudget(t *testing.T) {
	e := newTestEnv(t, func(o *Options) { o.RateLimitPerMinute = 1000; o.RateLimitPerHour = 5 })
	for i := 0; i < 5; i++ {
		if _, _, err := e.client.Account.Get(e.ctx); err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(5 * time.Minute)
	}
	_, resp, err := e.client.Account.Get(e.ctx)
	e.apiError(err, http.StatusTooManyRequests, "too_many_requests")
	if want := testEpoch.Add(time.Hour); !resp.Rate.Reset.Time.Equal(want) {
		t.Errorf("reset %v, want %v", resp.Rate.Reset, want)
	}
}

func TestRateLimitWindowsFollowTimeScale(t *testing.T) {
	e := newTestEnv(t, func(o *Options) { o.RateLimitPerMinute = 1; o.TimeScale = 0.01 })
	if _, _, err := e.client.Account.Get(e.ctx); err != nil {
		t.Fatal(err)
	}
	_, _, err := e.client.Account.Get(e.ctx)
	e.apiError(err, http.StatusTooManyRequests, "too_many_requests")
	e.clock.Advance(600 * time.Millisecond) // a minute at scale 0.01
	if _, _, err := e.client.Account.Get(e.ctx); err != nil {
		t.Fatalf("a scaled minute later: %v", err)
	}
}

func TestRateLimitStorm(t *testing.T) {
	e := newTestEnv(t)
	e.srv.RateLimitStorm(10 * time.Second)
	_, resp, err := e.client.Account.Get(e.ctx)
	e.apiError(err, http.StatusTooManyRequests, "too_many_requests")
	if want := testEpoch.Add(10 * time.Second); !resp.Rate.Reset.Time.Equal(want) {
		t.Errorf("reset %v, want storm end %v", resp.Rate.Reset, want)
	}
	e.clock.Advance(10 * time.Second)
	if _, _, err := e.client.Account.Get(e.ctx); err != nil {
		t.Fatalf("after the storm: %v", err)
	}
}

func TestFaultRules(t *testing.T) {
	cases := []struct {
		name   string
		rule   FaultRule
		want   []int // statuses of consecutive GET /v2/account
		wantID string
	}{
		{"fail next two then pass", FaultRule{Endpoint: "GET /v2/account", FailNext: 2},
			[]int{500, 500, 200, 200}, "server_error"},
		{"after one, fail one with 503", FaultRule{Endpoint: "GET /v2/account", After: 1, FailNext: 1, Status: 503},
			[]int{200, 503, 200}, "service_unavailable"},
		{"error rate one fails all", FaultRule{Endpoint: "*", ErrorRate: 1},
			[]int{500, 500, 500}, "server_error"},
		{"method wildcard", FaultRule{Endpoint: "GET *", FailNext: 1, Status: 502},
			[]int{502, 200}, "bad_gateway"},
		{"other endpoint untouched", FaultRule{Endpoint: "POST /v2/droplets", ErrorRate: 1},
			[]int{200, 200}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t)
			if err := e.srv.AddFault(tc.rule); err != nil {
				t.Fatal(err)
			}
			for i, want := range tc.want {
				_, resp, err := e.client.Account.Get(e.ctx)
				if want == 200 {
					if err != nil {
						t.Fatalf("request %d: %v", i, err)
					}
					continue
				}
				e.apiError(err, want, tc.wantID)
				if resp.StatusCode != want {
					t.Fatalf("request %d: status %d, want %d", i, resp.StatusCode, want)
				}
			}
		})
	}
}

func TestFaultErrorRateIsStatistical(t *testing.T) {
	e := newTestEnv(t)
	if err := e.srv.AddFault(FaultRule{Endpoint: "GET /v2/account", ErrorRate: 0.2}); err != nil {
		t.Fatal(err)
	}
	failed := 0
	const n = 500
	for i := 0; i < n; i++ {
		if _, _, err := e.client.Account.Get(e.ctx); err != nil {
			failed++
		}
		e.clock.Advance(time.Second) // stay inside the rate budget
	}
	// 20% of 500 is 100; the binomial standard deviation is ~9.
	if failed < 60 || failed > 140 {
		t.Errorf("%d of %d failed, want about 100", failed, n)
	}
	if got := e.srv.Faults()[0].Failed; got != failed {
		t.Errorf("rule reports %d failures, client saw %d", got, failed)
	}
}

func TestFaultLatency(t *testing.T) {
	e := newTestEnv(t)
	if err := e.srv.AddFault(FaultRule{Endpoint: "GET /v2/account", Latency: Duration(50 * time.Millisecond)}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, _, err := e.client.Account.Get(e.ctx); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took < 50*time.Millisecond {
		t.Errorf("request took %v, want at least the injected 50ms", took)
	}
}

func TestFaultRuleValidation(t *testing.T) {
	e := newTestEnv(t)
	for _, r := range []FaultRule{
		{},
		{Endpoint: "*", ErrorRate: 1.5},
		{Endpoint: "*", Status: 200},
		{Endpoint: "*", FailNext: -1},
	} {
		if err := e.srv.AddFault(r); err == nil {
			t.Errorf("rule %+v accepted", r)
		}
	}
}

func TestRequestCountsByEndpointAndStatus(t *testing.T) {
	e := newTestEnv(t)
	for i := 0; i < 3; i++ {
		if _, _, err := e.client.Account.Get(e.ctx); err != nil {
			t.Fatal(err)
		}
	}
	got := e.srv.Counts()
	if got.Of("GET /v2/account") != 3 || got.Endpoints["GET /v2/account"].Statuses["200"] != 3 || got.Total != 3 {
		t.Errorf("counts %+v", got)
	}
	e.srv.ResetCounts()
	if got := e.srv.Counts().Total; got != 0 {
		t.Errorf("after reset: %d", got)
	}
}

func TestControlAPIOverHTTP(t *testing.T) {
	e := newTestEnv(t)
	do := func(method, path, body string) (int, []byte) {
		t.Helper()
		req, _ := http.NewRequest(method, e.http.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer test-token")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var buf bytes.Buffer
		_, _ = buf.ReadFrom(resp.Body)
		return resp.StatusCode, buf.Bytes()
	}
	if st, _ := do("POST", "/_sandbox/faults", `{"endpoint":"GET /v2/account","fail_next":1,"status":503}`); st != http.StatusCreated {
		t.Fatalf("add fault: %d", st)
	}
	_, _, err := e.client.Account.Get(e.ctx)
	e.apiError(err, http.StatusServiceUnavailable, "service_unavailable")

	st, body := do("GET", "/_sandbox/requests", "")
	var counts RequestCounts
	if err := json.Unmarshal(body, &counts); err != nil || st != 200 {
		t.Fatalf("counts: %d %s", st, body)
	}
	if counts.Endpoints["GET /v2/account"].Statuses["503"] != 1 {
		t.Errorf("counts %s", body)
	}
	if st, body := do("PATCH", "/_sandbox/config", `{"droplet_limit": 3}`); st != 200 || !strings.Contains(string(body), `"droplet_limit":3`) {
		t.Errorf("config: %d %s", st, body)
	}
	if st, _ := do("POST", "/_sandbox/faults", `{"endpoint":"*","error_rate":2}`); st != http.StatusUnprocessableEntity {
		t.Errorf("bad rule accepted: %d", st)
	}
	if st, _ := do("POST", "/_sandbox/reset", ""); st != http.StatusNoContent {
		t.Errorf("reset: %d", st)
	}
	if len(e.srv.Faults()) != 0 || e.srv.Counts().Total != 0 {
		t.Error("reset left faults or counts")
	}
	// The control API needs the token too.
	req, _ := http.NewRequest("GET", e.http.URL+"/_sandbox/requests", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("control without token: %d", resp.StatusCode)
	}
}

func TestStatePersistsAcrossRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "world.json")
	first := newTestEnv(t, func(o *Options) { o.StateFile = path })
	first.srv.SetDropletLimit(11)
	if err := first.srv.Mutate(func(w *World, now time.Time) error {
		w.ensureTags(now, []string{"kept"})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := first.srv.Close(); err != nil {
		t.Fatal(err)
	}
	second := newTestEnv(t, func(o *Options) { o.StateFile = path })
	second.srv.Inspect(func(w *World) {
		if w.Tags["kept"] == nil || w.Account.DropletLimit != 11 {
			t.Errorf("restarted world lost data: tags %v, limit %d", w.Tags, w.Account.DropletLimit)
		}
	})
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("state dir holds %d files, want only the state file (no temp files left)", len(entries))
	}
}

func TestCorruptStateIsRefusedAndKept(t *testing.T) {
	path := filepath.Join(t.TempDir(), "world.json")
	corrupt := []byte(`{"version": 1, "droplets": {`)
	if err := os.WriteFile(path, corrupt, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := New(Options{StateFile: path})
	if err == nil || !strings.Contains(err.Error(), "corrupt") {
		t.Fatalf("want a corrupt-state error, got %v", err)
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, corrupt) {
		t.Error("corrupt state file was modified")
	}
	if err := os.WriteFile(path, []byte(`{"version": 99}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := New(Options{StateFile: path}); err == nil || !strings.Contains(err.Error(), "version 99") {
		t.Fatalf("want a version error, got %v", err)
	}
}

func TestStartRefusesNonLoopback(t *testing.T) {
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, addr := range []string{"0.0.0.0:0", ":0", "192.0.2.1:0"} {
		if err := s.Start(addr); err == nil {
			t.Errorf("Start(%q) succeeded", addr)
			_ = s.Close()
		}
	}
}

func TestCLIServesAndWritesEnvFile(t *testing.T) {
	dir := t.TempDir()
	envFile := filepath.Join(dir, "env")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	var stdout, stderr syncBuffer
	go func() {
		done <- run(ctx, []string{"--token", "cli-token", "--env-file", envFile, "--state", filepath.Join(dir, "w.json")}, &stdout, &stderr)
	}()
	var env []byte
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(envFile); err == nil {
			env = b
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if env == nil {
		cancel()
		t.Fatalf("no env file; stderr: %s", stderr.String())
	}
	var url string
	for _, line := range strings.Split(string(env), "\n") {
		if v, ok := strings.CutPrefix(line, "DIGITALOCEAN_API_URL="); ok {
			url = v
		}
	}
	if !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Fatalf("url %q", url)
	}
	c, _ := newGodo(t, url, "cli-token")
	if _, _, err := c.Account.Get(context.Background()); err != nil {
		t.Fatalf("account through CLI sandbox: %v", err)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("exit code %d; stderr %s", code, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("sandbox did not stop")
	}
	if _, err := os.Stat(filepath.Join(dir, "w.json")); err != nil {
		t.Errorf("state not written on exit: %v", err)
	}
	if !strings.Contains(stdout.String(), "DIGITALOCEAN_TOKEN=cli-token") {
		t.Errorf("stdout %q", stdout.String())
	}
	if !regexp.MustCompile(`DNS for the account's domains on 127\.0\.0\.1:\d+ \(UDP and TCP\): dig @127\.0\.0\.1 -p \d+ www\.example\.com`).MatchString(stderr.String()) {
		t.Errorf("stderr does not say where DNS listens: %s", stderr.String())
	}
}

func TestCLIRefusesNonLoopbackDNS(t *testing.T) {
	var stdout, stderr syncBuffer
	if code := run(context.Background(), []string{"--dns-listen", "0.0.0.0:5353"}, &stdout, &stderr); code != 1 {
		t.Errorf("exit code %d", code)
	}
	if !strings.Contains(stderr.String(), `dns listen address "0.0.0.0:5353" is not loopback`) {
		t.Errorf("stderr %q", stderr.String())
	}
}

func TestCLIRejectsCorruptState(t *testing.T) {
	path := filepath.Join(t.TempDir(), "w.json")
	_ = os.WriteFile(path, []byte("not json"), 0o600)
	var stdout, stderr syncBuffer
	if code := run(context.Background(), []string{"--state", path}, &stdout, &stderr); code != 1 {
		t.Errorf("exit code %d", code)
	}
	if !strings.Contains(stderr.String(), "corrupt") {
		t.Errorf("stderr %q", stderr.String())
	}
}
