package console

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeSource hands out whatever view the test sets.
type fakeSource struct {
	mu    sync.Mutex
	view  View
	calls int
}

func (f *fakeSource) View(Limits) View {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	return f.view
}

func tierDroplets(tier string, revs ...string) []Droplet {
	var out []Droplet
	for i, rev := range revs {
		out = append(out, Droplet{ID: 100 + i, Name: tier + "-" + rev, Status: "active",
			Tags: []string{"scalable-tier:" + tier, "scalable-rev:" + rev}})
	}
	return out
}

// A rollout of three droplets from a to b with max_surge 1: the chart's
// legend follows each wave, b's band appears and a's falls to 0, and
// points are emitted only where counts change.
func TestHistoryFollowsTheWaves(t *testing.T) {
	h := newHistory(100)
	at := time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)
	waves := [][]string{
		{"a", "a", "a"}, {"a", "a", "a"}, {"a", "a", "a", "b"}, {"a", "a", "b"},
		{"a", "a", "b", "b"}, {"a", "b", "b"}, {"a", "b", "b", "b"}, {"b", "b", "b"}, {"b", "b", "b"},
	}
	var snap Snapshot
	for i, w := range waves {
		snap = h.record(at.Add(time.Duration(i)*time.Second), View{Droplets: tierDroplets("web", w...)}, nil, nil)
	}
	if len(snap.Tiers) != 1 || snap.Tiers[0].Name != "web" {
		t.Fatalf("tiers %+v, want web", snap.Tiers)
	}
	tier := snap.Tiers[0]
	want := []RevisionCount{{"a", 0, 3, palette[0]}, {"b", 3, 3, palette[1]}}
	if len(tier.Revisions) != 2 || tier.Revisions[0] != want[0] || tier.Revisions[1] != want[1] {
		t.Errorf("revisions %+v, want %+v", tier.Revisions, want)
	}
	for _, rev := range []string{`data-revision="a"`, `data-revision="b"`} {
		if !strings.Contains(tier.Chart, rev) {
			t.Errorf("chart lacks %s: %s", rev, tier.Chart)
		}
	}
	// a's band: its top steps at each of its 3 changes (3 -> 2 -> 1 -> 0).
	m := regexp.MustCompile(`data-revision="a" d="([^"]+)"`).FindStringSubmatch(tier.Chart)
	if m == nil {
		t.Fatalf("no band for a in %s", tier.Chart)
	}
	aPath := m[1]
	if got := strings.Count(aPath, "V"); got != 1+3 {
		t.Errorf("a's band has %d vertical edges, want 4 (3 waves and the close): %s", got, aPath)
	}
	if snap.WindowSeconds != float64(len(waves)-1) {
		t.Errorf("window %v s, want %d", snap.WindowSeconds, len(waves)-1)
	}
}

// The ring keeps size samples; a revision that left the window leaves the
// legend, and the next one takes the colours in order again.
func TestHistoryIsBounded(t *testing.T) {
	h := newHistory(3)
	at := time.Now()
	for i, rev := range []string{"a", "b", "b", "b", "c"} {
		h.record(at.Add(time.Duration(i)*time.Second), View{Droplets: tierDroplets("web", rev)}, nil, nil)
	}
	if len(h.samples) != 3 {
		t.Fatalf("%d samples kept, want 3", len(h.samples))
	}
	snap := h.record(at.Add(5*time.Second), View{Droplets: tierDroplets("web", "c")}, nil, nil)
	revs := snap.Tiers[0].Revisions
	if len(revs) != 2 || revs[0].Revision != "b" || revs[1].Revision != "c" {
		t.Errorf("revisions %+v, want b then c (a left the window)", revs)
	}
}

// A tier destroyed stays on the page while its fall is in the window.
func TestDestroyedTierStaysWhileInTheWindow(t *testing.T) {
	h := newHistory(10)
	at := time.Now()
	h.record(at, View{Droplets: tierDroplets("gone", "a", "a")}, nil, nil)
	snap := h.record(at.Add(time.Second), View{}, nil, nil)
	if len(snap.Tiers) != 1 || len(snap.Tiers[0].Droplets) != 0 || snap.Tiers[0].Revisions[0].Now != 0 {
		t.Errorf("tiers %+v, want gone with no droplets and a at 0", snap.Tiers)
	}
}

func TestTierDropletReadsTheTiersTags(t *testing.T) {
	d := tierDroplet(Droplet{ID: 1, Tags: []string{"env:prod", "scalable-tier:web", "scalable-rev:abc", "scalable-drain:web"}})
	if d.Revision != "abc" || !d.Draining {
		t.Errorf("%+v: want revision abc, draining", d)
	}
	for _, c := range []struct {
		tags []string
		want string
	}{
		{[]string{"x", "scalable-tier:shop"}, "shop"},
		{[]string{"scalable-drain:shop", "scalable-rev:abc"}, "shop"}, // drained: the tier tag is gone
		{[]string{"scalable-drain:old", "scalable-tier:new"}, "new"},
		{[]string{"env:prod"}, ""},
	} {
		if got := tierOf(c.tags); got != c.want {
			t.Errorf("tags %v: tier %q, want %q", c.tags, got, c.want)
		}
	}
}

// Requests in the last minute count from the sample a minute back; a
// target's count restarting (listeners reopened) counts from zero.
func TestRequestsInTheLastMinute(t *testing.T) {
	h := newHistory(1000)
	at := time.Now()
	lb := []LoadBalancer{{ID: "lb", Targets: []Target{{DropletID: 1}, {DropletID: 2}}}}
	sent := func(a, b int) map[string]map[int]int { return map[string]map[int]int{"lb": {1: a, 2: b}} }
	h.record(at, View{LoadBalancers: lb, Sent: sent(10, 50)}, nil, nil)
	h.record(at.Add(30*time.Second), View{LoadBalancers: lb, Sent: sent(40, 60)}, nil, nil)
	snap := h.record(at.Add(70*time.Second), View{LoadBalancers: lb, Sent: sent(100, 5)}, nil, nil)
	got := snap.LoadBalancers[0].Targets
	if *got[0].RequestsLastMinute != 60 || *got[1].RequestsLastMinute != 5 {
		t.Errorf("requests in the last minute %d and %d, want 60 (100 since 40 at -40s: the sample at -70s is out) and 5 (restarted)",
			*got[0].RequestsLastMinute, *got[1].RequestsLastMinute)
	}
	if len(h.sent) != 2 {
		t.Errorf("%d traffic samples kept, want 2 (the baseline and now)", len(h.sent))
	}
	snap = h.record(at.Add(71*time.Second), View{LoadBalancers: lb}, nil, nil)
	if snap.LoadBalancers[0].Targets[0].RequestsLastMinute != nil {
		t.Error("without traffic counts, requests in the last minute should be unknown (null)")
	}
}

// Text from the world goes into the chart escaped.
func TestChartEscapesText(t *testing.T) {
	svg := renderChart([]time.Time{time.Now(), time.Now().Add(time.Second)}, []string{`<script>"`},
		[][]int{{1, 1}}, []Step{{At: time.Now().Add(500 * time.Millisecond), Text: "a <b> & c"}})
	if strings.Contains(svg, "<script>") || strings.Contains(svg, "<b>") {
		t.Errorf("unescaped text in %s", svg)
	}
	if !strings.Contains(svg, `class="step"`) {
		t.Errorf("the step is not drawn: %s", svg)
	}
}

func TestRequestLogKeepsTheLast(t *testing.T) {
	l := NewRequestLog(3)
	for i := range 5 {
		l.Add(Request{Status: 200 + i})
	}
	got := l.Last(10)
	if len(got) != 3 || got[0].Status != 204 || got[2].Status != 202 {
		t.Errorf("last requests %+v, want 204, 203, 202", got)
	}
}

// newServer serves a console over src on a test server.
func newServer(t *testing.T, src Source) (*Console, *httptest.Server) {
	t.Helper()
	c := New(src, Options{Token: "secret-token", Interval: 20 * time.Millisecond})
	srv := httptest.NewServer(c)
	t.Cleanup(func() { c.Close(); srv.Close() })
	return c, srv
}

func get(t *testing.T, client *http.Client, u, bearer string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	_, _ = bufio.NewReader(resp.Body).WriteTo(&b)
	return resp, b.String()
}

// The page asks for the token, the form sets an HttpOnly cookie for the
// console's paths, the data endpoints take the cookie or the bearer token
// and answer 401 otherwise; a wrong token sets nothing.
func TestTokenOnceThenCookie(t *testing.T) {
	_, srv := newServer(t, &fakeSource{view: View{Droplets: tierDroplets("web", "a")}})
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}

	resp, body := get(t, client, srv.URL+Prefix, "")
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, `name="token"`) {
		t.Fatalf("page without a session: %d %s, want 401 with the token form", resp.StatusCode, body)
	}
	for _, path := range []string{"/snapshot", "/events", "/steps"} {
		if resp, _ := get(t, client, srv.URL+Prefix+path, "wrong"); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s with a wrong token: %d, want 401", path, resp.StatusCode)
		}
	}
	resp, err := client.PostForm(srv.URL+Prefix+"/login", url.Values{"token": {"wrong"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || len(jar.Cookies(mustURL(srv.URL+Prefix))) != 0 {
		t.Fatalf("login with a wrong token: %d, cookies %v; want 401 and none", resp.StatusCode, jar.Cookies(mustURL(srv.URL+Prefix)))
	}

	noRedirect := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err = noRedirect.PostForm(srv.URL+Prefix+"/login", url.Values{"token": {"secret-token"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var ck *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == cookieName {
			ck = c
		}
	}
	if resp.StatusCode != http.StatusSeeOther || ck == nil || !ck.HttpOnly || ck.Path != Prefix || ck.SameSite != http.SameSiteStrictMode {
		t.Fatalf("login: %d, cookie %+v; want 303 and an HttpOnly, SameSite=Strict cookie for %s", resp.StatusCode, ck, Prefix)
	}
	if strings.Contains(ck.Value, "secret-token") {
		t.Error("the cookie carries the token itself")
	}

	resp, body = get(t, client, srv.URL+Prefix, "")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "console.js") {
		t.Errorf("page with the cookie: %d, want 200 and the console", resp.StatusCode)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("page's Content-Security-Policy %q keeps no script to the page's own", csp)
	}
	resp, body = get(t, client, srv.URL+Prefix+"/snapshot", "")
	var snap Snapshot
	if resp.StatusCode != http.StatusOK || json.Unmarshal([]byte(body), &snap) != nil || len(snap.Tiers) != 1 {
		t.Errorf("snapshot with the cookie: %d %s, want 200 with tier web", resp.StatusCode, body)
	}
	if resp, _ := get(t, http.DefaultClient, srv.URL+Prefix+"/snapshot", "secret-token"); resp.StatusCode != http.StatusOK {
		t.Errorf("snapshot with the bearer token: %d, want 200", resp.StatusCode)
	}
	for _, a := range []string{"console.js", "console.css"} {
		if resp, _ := get(t, http.DefaultClient, srv.URL+Prefix+"/assets/"+a, ""); resp.StatusCode != http.StatusOK {
			t.Errorf("asset %s: %d, want 200", a, resp.StatusCode)
		}
	}
	if resp, _ := get(t, http.DefaultClient, srv.URL+Prefix+"/assets/login.html", ""); resp.StatusCode != http.StatusNotFound {
		t.Errorf("assets/login.html: %d, want 404 (only scripts and styles are assets)", resp.StatusCode)
	}
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

// Steps need the bearer token (the page's cookie cannot add one), are
// checked, and reach the update stream at once.
func TestStepsReachTheStream(t *testing.T) {
	_, srv := newServer(t, &fakeSource{})
	post := func(body, bearer string) int {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+Prefix+"/steps", strings.NewReader(body))
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, c := range []struct {
		body, bearer string
		want         int
	}{
		{`{"text":"x"}`, "", 401},
		{`{"text":"  "}`, "secret-token", 422},
		{`{"text":"` + strings.Repeat("x", 501) + `"}`, "secret-token", 422},
		{`not json`, "secret-token", 400},
	} {
		if got := post(c.body, c.bearer); got != c.want {
			t.Errorf("POST steps %.30s (bearer %q): %d, want %d", c.body, c.bearer, got, c.want)
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+Prefix+"/events", nil)
	req.Header.Set("Authorization", "Bearer secret-token")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("events content type %q", ct)
	}
	if got := post(`{"text":"apply the new image"}`, "secret-token"); got != http.StatusCreated {
		t.Fatalf("POST steps: %d, want 201", got)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		data, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok {
			continue
		}
		var snap Snapshot
		if err := json.Unmarshal([]byte(data), &snap); err != nil {
			t.Fatalf("event data is no snapshot: %v", err)
		}
		if len(snap.Steps) == 1 && snap.Steps[0].Text == "apply the new image" {
			break
		}
	}
	if ctx.Err() != nil || sc.Err() != nil {
		t.Fatalf("the step never reached the stream: %v %v", ctx.Err(), sc.Err())
	}
	_, body := get(t, http.DefaultClient, srv.URL+Prefix+"/steps", "secret-token")
	if !strings.Contains(body, "apply the new image") {
		t.Errorf("GET steps: %s", body)
	}
}

// A console nobody opened never takes a view; Close ends open streams.
func TestIdleUntilUsedAndCloseEndsStreams(t *testing.T) {
	src := &fakeSource{}
	c, srv := newServer(t, src)
	if src.calls != 0 {
		t.Fatalf("%d views taken before anyone used the console", src.calls)
	}
	req, _ := http.NewRequest(http.MethodGet, srv.URL+Prefix+"/events", nil)
	req.Header.Set("Authorization", "Bearer secret-token")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	done := make(chan struct{})
	go func() {
		var b strings.Builder
		_, _ = bufio.NewReader(resp.Body).WriteTo(&b)
		close(done)
	}()
	c.Close()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the stream stayed open after Close")
	}
}

// One sample's work outside the world's lock: recording a view of 1000
// droplets in 10 tiers (two revisions each) behind 10 load balancers into
// a full history of 600 samples, rendering the charts and encoding the
// snapshot every viewer is sent.
func BenchmarkSampleRender(b *testing.B) {
	var v View
	for i := range 1000 {
		tier := fmt.Sprintf("t%d", i%10)
		v.Droplets = append(v.Droplets, Droplet{ID: i, Name: fmt.Sprint("d", i), Status: "active",
			Tags: []string{"scalable-tier:" + tier, "scalable-rev:" + []string{"old", "new"}[i%20/10]}})
	}
	v.Sent = map[string]map[int]int{}
	for l := range 10 {
		lb := LoadBalancer{ID: fmt.Sprint("lb", l)}
		v.Sent[lb.ID] = map[int]int{}
		for i := l; i < 1000; i += 10 {
			lb.Targets = append(lb.Targets, Target{DropletID: i, Healthy: true})
			v.Sent[lb.ID][i] = i
		}
		v.LoadBalancers = append(v.LoadBalancers, lb)
	}
	h := newHistory(600)
	at := time.Now()
	for i := range 600 {
		h.record(at.Add(time.Duration(i)*time.Second), v, nil, nil)
	}
	b.ResetTimer()
	size := 0
	for i := 0; b.Loop(); i++ {
		buf, err := encodeSnapshot(h.record(at.Add(time.Duration(600+i)*time.Second), v, nil, nil))
		if err != nil {
			b.Fatal(err)
		}
		size = len(buf)
	}
	b.ReportMetric(float64(size), "snapshot-bytes")
}
