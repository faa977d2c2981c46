package sandbox

import (
	"testing"
	"time"

	"github.com/digitalocean/godo"
)

func (e *testEnv) uptimeCheck(typ, target string) string {
	e.t.Helper()
	ck, _, err := e.client.UptimeChecks.Create(e.ctx, &godo.CreateUptimeCheckRequest{
		Name: "probe-" + typ, Type: typ, Target: target, Regions: []string{"us_east", "eu_west"}, Enabled: true,
	})
	if err != nil {
		e.t.Fatalf("create uptime check of %s: %v", target, err)
	}
	return ck.ID
}

// expectUptime checks every region's status and when it took it.
func (e *testEnv) expectUptime(id, status string, changedAt time.Time) *godo.UptimeCheckState {
	e.t.Helper()
	st, _, err := e.client.UptimeChecks.GetState(e.ctx, id)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, r := range []string{"us_east", "eu_west"} {
		if got := st.Regions[r]; got.Status != status || got.StatusChangedAt != timestamp(changedAt) {
			e.t.Fatalf("at %v %s is %s since %s, want %s since %s", e.clock.Now().Sub(testEpoch), r, got.Status, got.StatusChangedAt, status, timestamp(changedAt))
		}
	}
	return st
}

// A check of a load balancer's address is up while any target is healthy
// (and, over http, while a rule serves the URL's port); an outage is
// dated by the health view and reported as previous_outage once over.
func TestUptimeFollowsLoadBalancerHealth(t *testing.T) {
	e := newTestEnv(t)
	d := e.seedDroplet("nyc3", "active", "web")
	lbID := e.healthLB("web") // checks every 10 s: healthy after 3, unhealthy after 2
	lb, _, err := e.client.LoadBalancers.Get(e.ctx, lbID)
	if err != nil || lb.IP == "" {
		t.Fatalf("load balancer %+v %v", lb, err)
	}
	web, ping := e.uptimeCheck("http", "http://"+lb.IP+"/"), e.uptimeCheck("ping", lb.IP)
	noRule := e.uptimeCheck("http", "http://"+lb.IP+":8080/")
	probed := e.clock.Now().Add(time.Minute)
	e.advance(time.Minute)
	e.expectUptime(web, "UP", probed)
	e.expectUptime(ping, "UP", probed)
	e.expectUptime(noRule, "DOWN", probed)

	failed := e.clock.Now()
	e.alterDroplet(d, func(d *Droplet, _ time.Time) { d.FailsHealth = true })
	e.advance(5 * time.Minute)
	st := e.expectUptime(web, "DOWN", failed.Add(20*time.Second))
	if st.PreviousOutage.StartedAt != "" || st.Regions["us_east"].ThirtyDayUptimePercentage >= 100 {
		t.Errorf("during the outage: %+v", st)
	}
	mended := e.clock.Now()
	e.alterDroplet(d, func(d *Droplet, _ time.Time) { d.FailsHealth = false })
	e.advance(4 * time.Minute)
	st = e.expectUptime(ping, "UP", mended.Add(30*time.Second))
	want := godo.UptimePreviousOutage{Region: "us_east", StartedAt: timestamp(failed.Add(20 * time.Second)),
		EndedAt: timestamp(mended.Add(30 * time.Second)), DurationSeconds: 310}
	if st.PreviousOutage != want {
		t.Errorf("previous outage %+v, want %+v", st.PreviousOutage, want)
	}
	// Down 310 s of the 540 s since the first probe.
	if got := st.Regions["eu_west"].ThirtyDayUptimePercentage; got != 42.59 {
		t.Errorf("thirty day uptime %v%%, want 42.59%%", got)
	}
}

// A check of a droplet's address follows the droplet: down while it is
// off, and over http down while its cloud firewall keeps the internet out.
// An address of the sandbox's block that nothing holds is down; a target
// elsewhere stays up.
func TestUptimeFollowsDroplets(t *testing.T) {
	e := newTestEnv(t)
	d := e.activeDroplet("web-1", "web")
	ip, _ := d.PublicIPv4()
	ping, web := e.uptimeCheck("ping", ip), e.uptimeCheck("http", "http://"+ip+"/")
	nobody, elsewhere := e.uptimeCheck("ping", e.addressInBlock(250, 3).IP.String()), e.uptimeCheck("https", "https://www.example.com")
	probed := e.clock.Now().Add(time.Minute)
	e.advance(time.Minute)
	e.expectUptime(ping, "UP", probed)
	e.expectUptime(nobody, "DOWN", probed)
	e.expectUptime(elsewhere, "UP", probed)

	if _, _, err := e.client.Tags.Create(e.ctx, &godo.TagCreateRequest{Name: "web"}); err != nil {
		t.Fatal(err)
	}
	closed := e.clock.Now()
	if _, _, err := e.client.Firewalls.Create(e.ctx, &godo.FirewallRequest{Name: "web", Tags: []string{"web"}, InboundRules: []godo.InboundRule{
		{Protocol: "tcp", PortRange: "80", Sources: &godo.Sources{Addresses: []string{"10.0.0.0/8"}}},
	}}); err != nil {
		t.Fatal(err)
	}
	e.expectUptime(web, "DOWN", closed)
	e.expectUptime(ping, "UP", probed)

	if _, _, err := e.client.DropletActions.PowerOff(e.ctx, d.ID); err != nil {
		t.Fatal(err)
	}
	e.advance(e.srv.delays.DropletAction)
	off := e.clock.Now()
	e.expectUptime(ping, "DOWN", off)
	if _, _, err := e.client.DropletActions.PowerOn(e.ctx, d.ID); err != nil {
		t.Fatal(err)
	}
	e.advance(e.srv.delays.DropletAction)
	st := e.expectUptime(ping, "UP", e.clock.Now())
	if st.PreviousOutage.StartedAt != timestamp(off) || st.PreviousOutage.EndedAt != timestamp(e.clock.Now()) {
		t.Errorf("previous outage %+v", st.PreviousOutage)
	}
}
