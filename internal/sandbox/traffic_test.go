package sandbox

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/digitalocean/godo"
)

// Traffic tests run on the wall clock at time scale 0.01: a 10 s check
// interval is 100 ms. Waits poll with deadlines; bounds are stated in
// check intervals so they follow the load balancer's settings.

const trafficScale = 0.01

// newTrafficEnv is a sandbox with traffic emulation on the wall clock;
// droplets boot and load balancers provision in 10 ms.
func newTrafficEnv(t *testing.T, mutators ...func(*Options)) *testEnv {
	t.Helper()
	e := newTestEnv(t, append([]func(*Options){func(o *Options) {
		o.Traffic = true
		o.TimeScale = trafficScale
		o.Clock = nil // the wall clock: checks take real time
		o.Delays = Delays{DropletBoot: time.Second, DropletAction: time.Second, LoadBalancerProvision: time.Second, LoadBalancerUpdate: time.Second}
	}}, mutators...)...)
	t.Cleanup(func() { e.srv.Close() })
	return e
}

// interval is a check interval of seconds, scaled.
func interval(seconds int) time.Duration {
	return scale(time.Duration(seconds)*time.Second, trafficScale)
}

// eventually polls cond until it holds or timeout passes, and returns how
// long it took.
func (e *testEnv) eventually(timeout time.Duration, what string, cond func() bool) time.Duration {
	e.t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > timeout {
			e.t.Fatalf("after %v: %s", timeout, what)
		}
		time.Sleep(2 * time.Millisecond)
	}
	return time.Since(start)
}

// webDroplets creates n running droplets web-1..web-n carrying tag, and
// waits until each serves HTTP.
func (e *testEnv) webDroplets(n int, tag string, image string) []int {
	e.t.Helper()
	var names []string
	for i := 1; i <= n; i++ {
		names = append(names, fmt.Sprintf("%s-%d", tag, i))
	}
	if image == "" {
		image = "ubuntu-24-04-x64"
	}
	ds, _, err := e.client.Droplets.CreateMultiple(e.ctx, &godo.DropletMultiCreateRequest{
		Names: names, Region: "nyc3", Size: "s-1vcpu-1gb", Image: godo.DropletCreateImage{Slug: image}, Tags: []string{tag},
	})
	if err != nil {
		e.t.Fatal(err)
	}
	var ids []int
	for _, d := range ds {
		ids = append(ids, d.ID)
		e.eventually(5*time.Second, "droplet serves HTTP", func() bool {
			_, err := e.srv.DropletHTTPAddress(d.ID)
			return err == nil
		})
	}
	return ids
}

// trafficLB creates a load balancer on tag checking /health every 10 s
// (scaled) with a 10 s timeout, healthy after 2 passes, unhealthy after 2
// failures, and waits
// for its listeners. It returns the id and the first listener's URL.
func (e *testEnv) trafficLB(tag string, edit func(r *godo.LoadBalancerRequest)) (string, string) {
	e.t.Helper()
	req := &godo.LoadBalancerRequest{
		Name: "web-lb", Region: "nyc3", Tag: tag,
		ForwardingRules: []godo.ForwardingRule{httpRule()},
		HealthCheck: &godo.HealthCheck{Protocol: "http", Port: 80, Path: "/health", CheckIntervalSeconds: 10,
			ResponseTimeoutSeconds: 10, HealthyThreshold: 2, UnhealthyThreshold: 2},
	}
	if edit != nil {
		edit(req)
	}
	lb, _, err := e.client.LoadBalancers.Create(e.ctx, req)
	if err != nil {
		e.t.Fatal(err)
	}
	var ls []Listener
	e.eventually(5*time.Second, "load balancer listens", func() bool {
		ls, err = e.srv.LoadBalancerListeners(lb.ID)
		return err == nil
	})
	return lb.ID, "http://" + ls[0].Address
}

// waitHealth waits until the health view calls each droplet as wanted and
// returns how long that took.
func (e *testEnv) waitHealth(lbID string, timeout time.Duration, want map[int]bool) time.Duration {
	e.t.Helper()
	return e.eventually(timeout, fmt.Sprintf("health %v", want), func() bool {
		h, err := e.srv.LoadBalancerHealth(lbID)
		if err != nil {
			e.t.Fatal(err)
		}
		for id, v := range want {
			if h[id] != v {
				return false
			}
		}
		return true
	})
}

func allHealthy(ids []int, v bool) map[int]bool {
	m := map[int]bool{}
	for _, id := range ids {
		m[id] = v
	}
	return m
}

// hit sends one GET and returns the status and the droplet that answered
// (0 when none did).
func hit(t *testing.T, c *http.Client, url string) (int, int) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	id, _ := strconv.Atoi(resp.Header.Get("X-Droplet-Id"))
	return resp.StatusCode, id
}

func noRedirects() *http.Client {
	return &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func TestTrafficRoundRobinDistribution(t *testing.T) {
	e := newTrafficEnv(t)
	ids := e.webDroplets(3, "web", "")
	lb, url := e.trafficLB("web", nil)
	took := e.waitHealth(lb, 20*interval(10), allHealthy(ids, true))
	t.Logf("3 droplets in rotation %v after the listeners opened (healthy_threshold 2 x %v)", took.Round(time.Millisecond), interval(10))

	c := noRedirects()
	counts := map[int]int{}
	for range 300 {
		status, id := hit(t, c, url+"/")
		if status != http.StatusOK {
			t.Fatalf("status %d", status)
		}
		counts[id]++
	}
	t.Logf("round robin shares over 300 requests: %v", counts)
	for _, id := range ids {
		if n := counts[id]; n < 95 || n > 105 {
			t.Errorf("droplet %d served %d of 300, want 100 ± 5", id, n)
		}
	}
}

func TestTrafficDropletPage(t *testing.T) {
	e := newTrafficEnv(t)
	id := e.webDroplets(1, "page", "debian-13-x64")[0]
	addr, err := e.srv.DropletHTTPAddress(id)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get("http://" + addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("X-Droplet-Id") != strconv.Itoa(id) || resp.Header.Get("X-Droplet-Name") != "page-1" {
		t.Fatalf("%d %v", resp.StatusCode, resp.Header)
	}
	for _, want := range []string{strconv.Itoa(id), "page-1", "debian-13-x64", "nyc3"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("page lacks %q:\n%s", want, body)
		}
	}
	// The same port speaks TLS, for https targets.
	tc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	resp, err = tc.Get("https://" + addr + "/any/path")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	tc.CloseIdleConnections()
	if resp.StatusCode != http.StatusOK || resp.TLS == nil {
		t.Errorf("https: %d, tls %v", resp.StatusCode, resp.TLS != nil)
	}
}

// TestTrafficFailover: a droplet that dies or fails leaves the rotation
// within unhealthy_threshold check intervals (plus one of slack), nothing
// fails after that, and it comes back after healthy_threshold passes.
func TestTrafficFailover(t *testing.T) {
	for _, tc := range []struct {
		name    string
		breakIt func(e *testEnv, id int)
		mend    func(e *testEnv, id int)
	}{
		{"dead", func(e *testEnv, id int) { e.behave(id, Behaviour{Kind: BehaviourDead}) },
			func(e *testEnv, id int) { e.behave(id, Behaviour{Kind: BehaviourHealthy}) }},
		{"failing", func(e *testEnv, id int) { e.behave(id, Behaviour{Kind: BehaviourFailing}) },
			func(e *testEnv, id int) { e.behave(id, Behaviour{Kind: BehaviourHealthy}) }},
		{"killed", func(e *testEnv, id int) {
			if err := e.srv.KillDroplet(id); err != nil {
				e.t.Fatal(err)
			}
		}, func(e *testEnv, id int) {
			if _, _, err := e.client.DropletActions.PowerOn(e.ctx, id); err != nil {
				e.t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// A 30 s interval (300 ms) keeps scheduling jitter small
			// against the bound.
			const every = 30
			e := newTrafficEnv(t)
			ids := e.webDroplets(3, "web", "")
			lb, url := e.trafficLB("web", func(r *godo.LoadBalancerRequest) { r.HealthCheck.CheckIntervalSeconds = every })
			e.waitHealth(lb, 20*interval(every), allHealthy(ids, true))
			victim := ids[1]
			c := noRedirects()

			// Keep requests flowing while the victim breaks, to count what
			// clients see before the health check notices.
			var before []int
			stop := make(chan struct{})
			done := make(chan struct{})
			go func() {
				defer close(done)
				for {
					select {
					case <-stop:
						return
					default:
					}
					resp, err := c.Get(url + "/")
					if err != nil {
						continue
					}
					resp.Body.Close()
					before = append(before, resp.StatusCode)
				}
			}()
			tc.breakIt(e, victim)
			took := e.waitHealth(lb, 10*interval(every), map[int]bool{victim: false})
			close(stop)
			<-done
			failed := 0
			for _, s := range before {
				if s >= 500 {
					failed++
				}
			}
			bound := 2*interval(every) + interval(every) // unhealthy_threshold intervals and one of slack
			t.Logf("out of rotation after %v (bound %v); %d of %d requests failed meanwhile", took.Round(time.Millisecond), bound, failed, len(before))
			if took > bound {
				t.Errorf("took %v to leave the rotation, bound %v", took, bound)
			}
			sentBefore := e.sentTo(lb, victim)
			for range 60 {
				status, id := hit(t, c, url+"/")
				if status != http.StatusOK || id == victim {
					t.Fatalf("after failover: status %d from droplet %d", status, id)
				}
			}
			if n := e.sentTo(lb, victim) - sentBefore; n != 0 {
				t.Errorf("%d requests sent to the victim after it left the rotation", n)
			}

			tc.mend(e, victim)
			took = e.waitHealth(lb, 20*interval(every), map[int]bool{victim: true})
			t.Logf("back in rotation %v after mending", took.Round(time.Millisecond))
			seen := false
			for range 6 {
				status, id := hit(t, c, url+"/")
				if status != http.StatusOK {
					t.Fatalf("after recovery: status %d", status)
				}
				seen = seen || id == victim
			}
			if !seen {
				t.Error("the mended droplet gets no requests")
			}
		})
	}
}

// sentTo is how many requests the load balancer has sent to a droplet.
func (e *testEnv) sentTo(lbID string, droplet int) int {
	return e.srv.traffic.Sent(lbID, droplet)
}

func (e *testEnv) behave(id int, b Behaviour) {
	e.t.Helper()
	if err := e.srv.SetDropletBehaviour(id, b); err != nil {
		e.t.Fatal(err)
	}
}

func TestTrafficRecoveryTakesHealthyThreshold(t *testing.T) {
	e := newTrafficEnv(t)
	ids := e.webDroplets(1, "web", "")
	const every = 30
	lb, _ := e.trafficLB("web", func(r *godo.LoadBalancerRequest) {
		r.HealthCheck.HealthyThreshold, r.HealthCheck.CheckIntervalSeconds = 5, every
	})
	e.waitHealth(lb, 30*interval(every), allHealthy(ids, true))
	e.behave(ids[0], Behaviour{Kind: BehaviourFailing})
	e.waitHealth(lb, 10*interval(every), allHealthy(ids, false))
	e.behave(ids[0], Behaviour{Kind: BehaviourHealthy})
	took := e.waitHealth(lb, 30*interval(every), allHealthy(ids, true))
	// Five passes take four intervals from the first (a check may already
	// be on its way while the behaviour changes: half an interval of
	// slack), at most five (the first may come a whole interval after
	// mending), plus one of slack.
	if took < 4*interval(every)-interval(every)/2 || took > 6*interval(every) {
		t.Errorf("back after %v, want between 3.5 and 6 intervals of %v", took, interval(every))
	}
	t.Logf("healthy_threshold 5: back in rotation after %v", took.Round(time.Millisecond))
}

func TestTrafficStickySessions(t *testing.T) {
	e := newTrafficEnv(t)
	ids := e.webDroplets(3, "web", "")
	lb, url := e.trafficLB("web", func(r *godo.LoadBalancerRequest) {
		r.StickySessions = &godo.StickySessions{Type: "cookies", CookieName: "DO-LB", CookieTtlSeconds: 300}
	})
	e.waitHealth(lb, 20*interval(10), allHealthy(ids, true))

	resp, err := http.Get(url + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cookie := resp.Header.Get("Set-Cookie")
	if !strings.HasPrefix(cookie, "DO-LB=") || !strings.Contains(cookie, "Max-Age=300") {
		t.Fatalf("first response sets cookie %q", cookie)
	}

	jar, _ := cookiejar.New(nil)
	pinned := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	_, first := hit(t, pinned, url+"/")
	for i := range 20 {
		if _, id := hit(t, pinned, url+"/"); id != first {
			t.Fatalf("request %d with the cookie went to %d, not %d", i, id, first)
		}
	}

	spread := map[int]int{}
	for range 9 {
		_, id := hit(t, &http.Client{Timeout: 10 * time.Second}, url+"/")
		spread[id]++
	}
	if len(spread) != 3 {
		t.Errorf("9 new clients went to %v, want all 3 droplets", spread)
	}

	// The pinned droplet leaves the rotation: the client moves and is
	// pinned anew.
	e.behave(first, Behaviour{Kind: BehaviourFailing})
	e.waitHealth(lb, 10*interval(10), map[int]bool{first: false})
	_, moved := hit(t, pinned, url+"/")
	if moved == first || moved == 0 {
		t.Fatalf("still sent to %d", moved)
	}
	for range 5 {
		if _, id := hit(t, pinned, url+"/"); id != moved {
			t.Fatalf("not pinned to the new droplet %d: %d", moved, id)
		}
	}
}

// TestTrafficLeastConnections holds a slow request open on one droplet: the
// next requests go to the idle one, where round robin alternates.
func TestTrafficLeastConnections(t *testing.T) {
	for _, tc := range []struct {
		algorithm string
		wantSlow  bool // whether sequential requests reach the busy droplet
	}{{"least_connections", false}, {"round_robin", true}} {
		t.Run(tc.algorithm, func(t *testing.T) {
			e := newTrafficEnv(t)
			ids := e.webDroplets(2, "web", "")
			lb, url := e.trafficLB("web", func(r *godo.LoadBalancerRequest) {
				r.Algorithm = tc.algorithm
				r.HealthCheck.Protocol, r.HealthCheck.Path = "tcp", "" // slow answers still pass
			})
			e.waitHealth(lb, 20*interval(10), allHealthy(ids, true))
			slow, idle := ids[0], ids[1]
			e.behave(slow, Behaviour{Kind: BehaviourSlow, Latency: 2 * time.Second})

			// Open requests until one is held by the slow droplet.
			var wg sync.WaitGroup
			defer wg.Wait()
			busy := func() int { return e.srv.traffic.InFlight(lb, slow) }
			// One request at a time: each either is held by the slow
			// droplet or comes back from the idle one.
			for attempts := 0; busy() < 1; attempts++ {
				if attempts == 4 {
					t.Fatal("4 requests and none held by the slow droplet")
				}
				held, back := busy(), make(chan struct{})
				wg.Add(1)
				go func() {
					defer wg.Done()
					defer close(back)
					if status, _ := hit(t, noRedirects(), url+"/"); status != http.StatusOK {
						t.Errorf("held request: %d", status)
					}
				}()
				e.eventually(5*time.Second, "request lands", func() bool {
					select {
					case <-back:
						return true
					default:
						return busy() > held
					}
				})
			}
			counts := map[int]int{}
			c := noRedirects()
			for range 4 {
				_, id := hit(t, c, url+"/")
				counts[id]++
			}
			t.Logf("%s with a request held on the slow droplet: next 4 went %v", tc.algorithm, counts)
			if got := counts[slow] > 0; got != tc.wantSlow || counts[slow]+counts[idle] != 4 {
				t.Errorf("busy droplet got %d of 4 requests, the idle one %d", counts[slow], counts[idle])
			}
		})
	}
}

func TestTraffic503WhenNothingHealthy(t *testing.T) {
	e := newTrafficEnv(t)
	ids := e.webDroplets(2, "web", "")
	lb, url := e.trafficLB("web", nil)
	e.waitHealth(lb, 20*interval(10), allHealthy(ids, true))
	for _, id := range ids {
		e.behave(id, Behaviour{Kind: BehaviourFailing})
	}
	e.waitHealth(lb, 10*interval(10), allHealthy(ids, false))
	resp, err := http.Get(url + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), "No server is available") || resp.Header.Get("X-Droplet-Id") != "" {
		t.Errorf("%d %q", resp.StatusCode, body)
	}

	// A load balancer without targets answers the same.
	empty, url2 := e.trafficLB("nobody", nil)
	_ = empty
	if status, _ := hit(t, noRedirects(), url2+"/"); status != http.StatusServiceUnavailable {
		t.Errorf("no targets: %d", status)
	}
}

// trafficCert makes a self-signed certificate for name, as PEMs.
func trafficCert(t *testing.T, name string) (certPEM, keyPEM string, der []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: name}, DNSNames: []string{name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(1, 0, 0),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err = x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalPKCS8PrivateKey(key)
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})), der
}

func TestTrafficHTTPSAndRedirect(t *testing.T) {
	e := newTrafficEnv(t)
	ids := e.webDroplets(2, "web", "")
	certPEM, keyPEM, der := trafficCert(t, "shop.example.com")
	cert, _, err := e.client.Certificates.Create(e.ctx, &godo.CertificateRequest{
		Name: "shop", Type: "custom", LeafCertificate: certPEM, PrivateKey: keyPEM,
	})
	if err != nil {
		t.Fatal(err)
	}
	lb, url := e.trafficLB("web", func(r *godo.LoadBalancerRequest) {
		r.ForwardingRules = append(r.ForwardingRules, godo.ForwardingRule{
			EntryProtocol: "https", EntryPort: 443, TargetProtocol: "http", TargetPort: 80, CertificateID: cert.ID,
		})
		r.RedirectHttpToHttps = true
	})
	e.waitHealth(lb, 20*interval(10), allHealthy(ids, true))
	ls, err := e.srv.LoadBalancerListeners(lb)
	if err != nil || len(ls) != 2 || ls[1].EntryProtocol != "https" || ls[1].EntryPort != 443 {
		t.Fatalf("listeners %+v %v", ls, err)
	}

	resp, err := noRedirects().Get(url + "/cart?item=3")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	// The redirect keeps the host and names the TLS rule's port unless 443
	// (the rule's public address, when the sandbox could bind it).
	httpsHost := strings.TrimSuffix(ls[1].Address, ":443")
	if want := "https://" + httpsHost + "/cart?item=3"; resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != want {
		t.Fatalf("%d Location %q, want 301 %q", resp.StatusCode, resp.Header.Get("Location"), want)
	}

	// The https entry terminates TLS with the uploaded certificate.
	leaf, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: "shop.example.com"}}
	defer tr.CloseIdleConnections()
	resp, err = (&http.Client{Transport: tr}).Get("https://" + ls[1].Address + "/cart")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("X-Droplet-Id") == "" {
		t.Errorf("https: %d %v", resp.StatusCode, resp.Header)
	}
}

// TestTrafficTLSPassthroughAndHTTPSTargets: passthrough hands the TLS
// connection to the droplet, which answers with its own certificate; an
// https target is reached over TLS.
func TestTrafficTLSPassthroughAndHTTPSTargets(t *testing.T) {
	e := newTrafficEnv(t)
	ids := e.webDroplets(2, "web", "")
	lb, _ := e.trafficLB("web", func(r *godo.LoadBalancerRequest) {
		r.ForwardingRules = append(r.ForwardingRules,
			godo.ForwardingRule{EntryProtocol: "https", EntryPort: 443, TargetProtocol: "https", TargetPort: 443, TlsPassthrough: true},
			godo.ForwardingRule{EntryProtocol: "http", EntryPort: 8080, TargetProtocol: "https", TargetPort: 443})
		r.HealthCheck.Protocol = "https"
	})
	e.waitHealth(lb, 20*interval(10), allHealthy(ids, true))
	ls, err := e.srv.LoadBalancerListeners(lb)
	if err != nil || len(ls) != 3 {
		t.Fatalf("%+v %v", ls, err)
	}
	tr := &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	resp, err := c.Get("https://" + ls[1].Address + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("X-Droplet-Id") == "" || resp.TLS.PeerCertificates[0].Subject.Organization[0] != "DigitalOcean sandbox" {
		t.Errorf("passthrough: %d %v", resp.StatusCode, resp.Header)
	}
	if status, id := hit(t, noRedirects(), "http://"+ls[2].Address+"/"); status != http.StatusOK || id == 0 {
		t.Errorf("https target: %d from %d", status, id)
	}
}

// TestTrafficMetricsMatchChecker: after a failover the health metrics say
// what the checker saw, second by second.
func TestTrafficMetricsMatchChecker(t *testing.T) {
	e := newTrafficEnv(t)
	ids := e.webDroplets(2, "web", "")
	lb, _ := e.trafficLB("web", nil)
	e.waitHealth(lb, 20*interval(10), allHealthy(ids, true))
	healthySince := time.Now()
	// Metrics are sampled by the second: let two whole seconds of health pass.
	e.eventually(4*time.Second, "two seconds pass", func() bool { return time.Now().Unix() >= healthySince.Unix()+3 })
	victim := ids[0]
	e.behave(victim, Behaviour{Kind: BehaviourDead})
	killed := time.Now()
	e.waitHealth(lb, 10*interval(10), map[int]bool{victim: false})
	flipped := time.Now()
	e.eventually(3*time.Second, "a whole second passes", func() bool { return time.Now().Unix() > flipped.Unix()+1 })

	start, end := healthySince.Add(-5*time.Second), time.Now()
	got, _, err := e.client.Monitoring.GetLoadBalancerDropletsHealthChecks(e.ctx, &godo.LoadBalancerMetricsRequest{
		LoadBalancerID: lb, Start: start, End: end,
	})
	if err != nil {
		t.Fatal(err)
	}
	var history []HealthChange
	e.srv.Inspect(func(w *World) { history = w.LoadBalancers[lb].Targets[victim].History })
	if n := len(history); n < 3 || !history[n-1].At.After(killed) || history[n-1].At.After(flipped) || history[n-1].Healthy {
		t.Fatalf("checker history %+v (killed %v, seen %v)", history, killed, flipped)
	}
	samples := 0
	for _, s := range got.Data.Result {
		if string(s.Metric["droplet_id"]) != strconv.Itoa(victim) {
			continue
		}
		for _, v := range s.Values {
			ts := v.Timestamp.Time()
			var want float64
			for _, c := range history {
				if !c.At.After(ts) && c.Healthy {
					want = 1
				} else if !c.At.After(ts) {
					want = 0
				}
			}
			if float64(v.Value) != want {
				t.Errorf("at %v the metric says %v, the checker %v", ts, v.Value, want)
			}
			switch {
			case ts.After(healthySince) && ts.Before(killed) && want != 1,
				ts.After(flipped) && want != 0:
				t.Errorf("at %v: %v", ts, want)
			}
			samples++
		}
	}
	if samples < 4 {
		t.Errorf("%d samples for the victim", samples)
	}
}

func TestTrafficBrokenImageNeverInRotation(t *testing.T) {
	e := newTrafficEnv(t)
	good := e.webDroplets(2, "web", "")
	broken := e.webDroplets(1, "web", "broken-ubuntu-24-04-x64")[0]
	lb, url := e.trafficLB("web", nil)
	e.waitHealth(lb, 20*interval(10), allHealthy(good, true))
	// Well past healthy_threshold: still out.
	e.eventually(5*time.Second, "several more checks", func() bool {
		var n int
		e.srv.Inspect(func(w *World) { n = w.LoadBalancers[lb].Targets[broken].Streak })
		return n >= 5
	})
	if e.lbHealthy(lb, broken) {
		t.Fatal("broken droplet in rotation")
	}
	c := noRedirects()
	for range 30 {
		if status, id := hit(t, c, url+"/"); status != http.StatusOK || id == broken {
			t.Fatalf("%d from %d", status, id)
		}
	}
	// Its app runs but fails the health check path.
	addr, _ := e.srv.DropletHTTPAddress(broken)
	if status, _ := hit(t, c, "http://"+addr+"/health"); status != http.StatusInternalServerError {
		t.Errorf("health path: %d", status)
	}
	if status, _ := hit(t, c, "http://"+addr+"/"); status != http.StatusOK {
		t.Errorf("home page: %d", status)
	}
}

// TestTrafficListenersFollowTheLoadBalancer: rules added and removed open
// and close listeners; health settings apply; delete closes everything.
func TestTrafficListenersFollowTheLoadBalancer(t *testing.T) {
	e := newTrafficEnv(t)
	ids := e.webDroplets(1, "web", "")
	lb, url := e.trafficLB("web", nil)
	e.waitHealth(lb, 20*interval(10), allHealthy(ids, true))

	tcpRule := godo.ForwardingRule{EntryProtocol: "tcp", EntryPort: 8080, TargetProtocol: "tcp", TargetPort: 80}
	e.eventually(5*time.Second, "load balancer free", func() bool {
		_, err := e.client.LoadBalancers.AddForwardingRules(e.ctx, lb, tcpRule)
		return err == nil
	})
	ls, err := e.srv.LoadBalancerListeners(lb)
	if err != nil || len(ls) != 2 || ls[1].EntryProtocol != "tcp" {
		t.Fatalf("%+v %v", ls, err)
	}
	if status, id := hit(t, noRedirects(), "http://"+ls[1].Address+"/"); status != http.StatusOK || id != ids[0] {
		t.Fatalf("through tcp: %d from %d", status, id)
	}
	// Unchanged rules keep their port.
	if "http://"+ls[0].Address != url {
		t.Errorf("http listener moved: %s, was %s", ls[0].Address, url)
	}

	e.eventually(5*time.Second, "load balancer free", func() bool {
		_, err := e.client.LoadBalancers.RemoveForwardingRules(e.ctx, lb, tcpRule)
		return err == nil
	})
	if ls, _ := e.srv.LoadBalancerListeners(lb); len(ls) != 1 {
		t.Errorf("after removal: %+v", ls)
	}
	if _, err := net.DialTimeout("tcp", ls[1].Address, time.Second); err == nil {
		t.Error("removed rule still listens")
	}

	// A changed health check path is what the checker asks for next.
	e.eventually(5*time.Second, "load balancer free", func() bool {
		_, _, err := e.client.LoadBalancers.Update(e.ctx, lb, &godo.LoadBalancerRequest{
			Name: "web-lb", Region: "nyc3", Tag: "web", ForwardingRules: []godo.ForwardingRule{httpRule()},
			HealthCheck: &godo.HealthCheck{Protocol: "http", Port: 80, Path: "/", CheckIntervalSeconds: 10,
				ResponseTimeoutSeconds: 5, HealthyThreshold: 2, UnhealthyThreshold: 2},
		})
		return err == nil
	})
	if err := e.srv.SetDropletFailsHealth(ids[0], true); err != nil {
		t.Fatal(err)
	}
	e.waitHealth(lb, 10*interval(10), allHealthy(ids, false))
	if status, _ := hit(t, noRedirects(), url+"/"); status != http.StatusServiceUnavailable {
		t.Errorf("fails_health on the checked path: %d", status)
	}

	if _, err := e.client.LoadBalancers.Delete(e.ctx, lb); err != nil {
		t.Fatal(err)
	}
	if _, err := e.srv.LoadBalancerListeners(lb); err == nil {
		t.Error("deleted load balancer still has listeners")
	}
	if _, err := net.DialTimeout("tcp", strings.TrimPrefix(url, "http://"), time.Second); err == nil {
		t.Error("deleted load balancer still listens")
	}
}

// TestTrafficDropletPortsFollowTheDroplet: power off closes the port, power
// on reopens it (on the same port), delete closes it for good.
func TestTrafficDropletPortsFollowTheDroplet(t *testing.T) {
	e := newTrafficEnv(t)
	id := e.webDroplets(1, "web", "")[0]
	addr, _ := e.srv.DropletHTTPAddress(id)
	if _, _, err := e.client.DropletActions.PowerOff(e.ctx, id); err != nil {
		t.Fatal(err)
	}
	e.eventually(5*time.Second, "port closes on power off", func() bool {
		_, err := e.srv.DropletHTTPAddress(id)
		return err != nil
	})
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Error("powered-off droplet accepts connections")
	}
	if _, _, err := e.client.DropletActions.PowerOn(e.ctx, id); err != nil {
		t.Fatal(err)
	}
	var again string
	e.eventually(5*time.Second, "port reopens on power on", func() bool {
		var err error
		again, err = e.srv.DropletHTTPAddress(id)
		return err == nil
	})
	if again != addr {
		t.Errorf("reopened on %s, was %s", again, addr)
	}
	if _, err := e.client.Droplets.Delete(e.ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, err := e.srv.DropletHTTPAddress(id); err == nil {
		t.Error("deleted droplet still serves")
	}
}

// controlJSON sends a control request with the sandbox token.
func (e *testEnv) controlJSON(method, path, body string) (int, map[string]any) {
	e.t.Helper()
	req, _ := http.NewRequest(method, e.http.URL+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer test-token")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func TestTrafficControlAPI(t *testing.T) {
	e := newTrafficEnv(t)
	id := e.webDroplets(1, "web", "")[0]
	lb, _ := e.trafficLB("web", nil)
	p := "/_sandbox/droplets/" + strconv.Itoa(id)

	status, body := e.controlJSON("GET", p+"/http", "")
	if status != http.StatusOK || body["droplet_id"] != float64(id) || body["behaviour"] != "healthy" || !strings.HasPrefix(body["address"].(string), "127.0.0.1:") {
		t.Fatalf("%d %v", status, body)
	}
	status, _ = e.controlJSON("PUT", p+"/behaviour", `{"behaviour": "slow", "latency": "300ms"}`)
	if status != http.StatusNoContent {
		t.Fatalf("set slow: %d", status)
	}
	if _, body = e.controlJSON("GET", p+"/http", ""); body["behaviour"] != "slow" || body["latency"] != "300ms" {
		t.Errorf("after slow: %v", body)
	}
	addr := body["address"].(string)
	start := time.Now()
	if status, _ := hit(t, noRedirects(), "http://"+addr+"/"); status != http.StatusOK || time.Since(start) < 300*time.Millisecond {
		t.Errorf("slow answer %d after %v", status, time.Since(start))
	}
	for _, tc := range []struct {
		name, body string
		status     int
	}{
		{"unknown behaviour", `{"behaviour": "asleep"}`, http.StatusUnprocessableEntity},
		{"slow without latency", `{"behaviour": "slow"}`, http.StatusUnprocessableEntity},
		{"latency without slow", `{"behaviour": "failing", "latency": "1s"}`, http.StatusUnprocessableEntity},
		{"bad json", `{`, http.StatusBadRequest},
	} {
		if status, body := e.controlJSON("PUT", p+"/behaviour", tc.body); status != tc.status {
			t.Errorf("%s: %d %v", tc.name, status, body)
		}
	}
	if status, _ := e.controlJSON("PUT", "/_sandbox/droplets/1/behaviour", `{"behaviour": "dead"}`); status != http.StatusNotFound {
		t.Errorf("unknown droplet: %d", status)
	}
	status, _ = e.controlJSON("PUT", p+"/behaviour", `{"behaviour": "dead"}`)
	if status != http.StatusNoContent {
		t.Fatalf("set dead: %d", status)
	}
	if status, body := e.controlJSON("GET", p+"/http", ""); status != http.StatusNotFound || body["id"] != "not_found" {
		t.Errorf("dead droplet: %d %v", status, body)
	}

	if status, _ := e.controlJSON("PUT", p+"/fails_health", `{"fails": true}`); status != http.StatusNoContent {
		t.Errorf("fails_health: %d", status)
	}
	e.srv.Inspect(func(w *World) {
		if !w.Droplets[id].FailsHealth {
			t.Error("fails_health not set")
		}
	})
	if status, _ := e.controlJSON("PUT", "/_sandbox/droplets/1/fails_health", `{"fails": true}`); status != http.StatusNotFound {
		t.Errorf("fails_health unknown droplet: %d", status)
	}

	status, body = e.controlJSON("GET", "/_sandbox/load_balancers/"+lb+"/listeners", "")
	ls, _ := body["listeners"].([]any)
	if status != http.StatusOK || len(ls) != 1 {
		t.Fatalf("listeners %d %v", status, body)
	}
	l := ls[0].(map[string]any)
	if l["entry_protocol"] != "http" || l["entry_port"] != float64(80) || l["target_protocol"] != "http" || l["target_port"] != float64(80) || !strings.HasPrefix(l["local_address"].(string), "127.0.0.1:") {
		t.Errorf("listener %v", l)
	}
	// address is the public one when bound (root may bind port 80), else
	// the local one.
	if pub, _ := l["public_address"].(string); pub != "" && (l["address"] != pub || !strings.HasSuffix(pub, ":80")) || pub == "" && l["address"] != l["local_address"] {
		t.Errorf("listener address %v, public %v, local %v", l["address"], l["public_address"], l["local_address"])
	}
	if status, _ := e.controlJSON("GET", "/_sandbox/load_balancers/nope/listeners", ""); status != http.StatusNotFound {
		t.Errorf("unknown lb: %d", status)
	}
}

// TestTrafficOffOpensNothing: without Options.Traffic nothing listens and
// the health view stays status-based.
func TestTrafficOffOpensNothing(t *testing.T) {
	e := newTestEnv(t)
	d := e.activeDroplet("web-1")
	if _, err := e.srv.DropletHTTPAddress(d.ID); err == nil {
		t.Error("a droplet serves with traffic off")
	}
	if err := e.srv.SetDropletBehaviour(d.ID, Behaviour{Kind: BehaviourDead}); err == nil {
		t.Error("behaviour set with traffic off")
	}
	if status, _ := e.controlJSON("PUT", fmt.Sprintf("/_sandbox/droplets/%d/behaviour", d.ID), `{"behaviour": "dead"}`); status != http.StatusConflict {
		t.Errorf("behaviour with traffic off: %d", status)
	}
	if status, _ := e.controlJSON("GET", fmt.Sprintf("/_sandbox/droplets/%d/http", d.ID), ""); status != http.StatusNotFound {
		t.Errorf("http with traffic off: %d", status)
	}
	if e.srv.traffic != nil {
		t.Error("traffic engine started")
	}
}

// goroutinesSettle waits until at most want goroutines run.
func goroutinesSettle(t *testing.T, want int) int {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		n := runtime.NumGoroutine()
		if n <= want {
			return n
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines, want at most %d:\n%s", n, want, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func closeDefaultIdle() {
	http.DefaultTransport.(*http.Transport).CloseIdleConnections()
}

// trafficScene makes droplets and a load balancer with traffic flowing and
// returns every address the runtime opened.
func (e *testEnv) trafficScene() []string {
	e.t.Helper()
	ids := e.webDroplets(3, "web", "")
	lb, url := e.trafficLB("web", func(r *godo.LoadBalancerRequest) {
		r.ForwardingRules = append(r.ForwardingRules, godo.ForwardingRule{EntryProtocol: "tcp", EntryPort: 81, TargetProtocol: "tcp", TargetPort: 80})
	})
	e.waitHealth(lb, 20*interval(10), allHealthy(ids, true))
	c := &http.Client{Timeout: 5 * time.Second}
	defer c.CloseIdleConnections()
	for range 10 {
		hit(e.t, c, url+"/")
	}
	var addrs []string
	for _, id := range ids {
		a, _ := e.srv.DropletHTTPAddress(id)
		addrs = append(addrs, a)
	}
	ls, _ := e.srv.LoadBalancerListeners(lb)
	for _, l := range ls {
		addrs = append(addrs, l.Address)
	}
	return addrs
}

func refusesAll(t *testing.T, addrs []string) {
	t.Helper()
	for _, a := range addrs {
		if c, err := net.DialTimeout("tcp", a, time.Second); err == nil {
			c.Close()
			t.Errorf("%s still accepts connections", a)
		}
	}
}

func TestTrafficCloseStopsEverything(t *testing.T) {
	closeDefaultIdle()
	baseline := runtime.NumGoroutine()
	e := newTrafficEnv(t)
	addrs := e.trafficScene()
	if err := e.srv.Close(); err != nil {
		t.Fatal(err)
	}
	refusesAll(t, addrs)
	e.http.Close()
	closeDefaultIdle()
	n := goroutinesSettle(t, baseline)
	t.Logf("%d goroutines after Close, %d before the sandbox", n, baseline)
}

func TestTrafficResetStopsEverything(t *testing.T) {
	e := newTrafficEnv(t)
	closeDefaultIdle()
	idle := runtime.NumGoroutine()
	addrs := e.trafficScene()
	e.srv.Reset()
	refusesAll(t, addrs)
	closeDefaultIdle()
	goroutinesSettle(t, idle)
	if droplets, lbs := e.srv.traffic.Runtimes(); droplets+lbs != 0 {
		t.Errorf("runtime left after reset: %d droplets, %d load balancers", droplets, lbs)
	}
}

// TestCLITrafficFlag: the CLI emulates traffic unless told not to.
func TestCLITrafficFlag(t *testing.T) {
	for _, tc := range []struct {
		name   string
		args   []string
		status int // of GET /_sandbox/droplets/{id}/http once the droplet runs
	}{{"default on", nil, http.StatusOK}, {"off", []string{"--traffic=false"}, http.StatusNotFound}} {
		t.Run(tc.name, func(t *testing.T) {
			envFile := filepath.Join(t.TempDir(), "env")
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan int, 1)
			var stdout, stderr syncBuffer
			args := append([]string{"--token", "cli-token", "--time-scale", "0.01", "--env-file", envFile}, tc.args...)
			go func() { done <- run(ctx, args, &stdout, &stderr) }()
			defer func() {
				cancel()
				if code := <-done; code != 0 {
					t.Errorf("exit code %d: %s", code, stderr.String())
				}
			}()
			e := &testEnv{t: t, ctx: context.Background()}
			var url string
			e.eventually(10*time.Second, "env file written", func() bool {
				b, err := os.ReadFile(envFile)
				for _, line := range strings.Split(string(b), "\n") {
					if v, ok := strings.CutPrefix(line, "DIGITALOCEAN_API_URL="); ok && err == nil {
						url = v
					}
				}
				return url != ""
			})
			e.client, e.wire = newGodo(t, url, "cli-token")
			d := e.createDroplet(dropletRequest("web-1"))
			e.eventually(5*time.Second, "droplet active", func() bool { return e.getDroplet(d.ID).Status == "active" })
			status := 0
			e.eventually(5*time.Second, fmt.Sprintf("control answers %d", tc.status), func() bool {
				req, _ := http.NewRequest("GET", fmt.Sprintf("%s/_sandbox/droplets/%d/http", url, d.ID), nil)
				req.Header.Set("Authorization", "Bearer cli-token")
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				status = resp.StatusCode
				return status == tc.status
			})
		})
	}
}
