package tier

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"
)

// Logger receives progress messages; the provider forwards them to tflog.
type Logger interface {
	Info(ctx context.Context, msg string, fields map[string]any)
}

// Prober checks one droplet's app directly (rollout health "http").
type Prober func(ctx context.Context, d Droplet, hc HealthCheck) error

// Executor carries plans out through a Cloud.
type Executor struct {
	Cloud Cloud
	// Poll is the time between status polls; default 5 s.
	Poll time.Duration
	// Expect, when set, shapes the droplet and load-balancer waits by the
	// typical provisioning times (times TimeScale); see pollSchedule.
	Expect Provisioning
	// TimeScale multiplies fixed waits (draining); 1 for DigitalOcean, the
	// sandbox's --time-scale when testing against it.
	TimeScale float64
	Log       Logger
	// Probe checks a droplet for health "http".
	Probe Prober
	// Catalog, when set, reads what Preflight checks the spec against
	// (doclient's Client.Catalog): Apply then refuses a spec with a bad
	// reference before its first write.
	Catalog CatalogSource
	// Responses reads the load balancer's per-droplet responses for the
	// error rate of canary checkpoints (rollout_checkpoint_execute.go).
	Responses ResponseReader
}

// CatalogSource reads a fresh catalog for a preflight with these needs.
type CatalogSource func(ctx context.Context, needs CatalogNeeds) (Catalog, error)

// batchSize is DigitalOcean's limit of names per multi-create.
const batchSize = 10

// maxConcurrentBatches bounds the multi-creates in flight: 500 droplets at
// once, past DigitalOcean's default droplet limits.
const maxConcurrentBatches = 50

// maxPasses bounds how often one apply re-plans: a droplet that dies while
// the apply runs is replaced in the same apply, but a world that keeps
// changing cannot hold an apply forever.
const maxPasses = 3

// Apply observes the tier, plans, executes the plan and observes again,
// repeating (at most maxPasses times) while the fleet still differs from
// the spec. The returned fleet is what exists afterwards, also when err is
// not nil, so that the state can record partial work truthfully. The plan
// returned is the first pass's. With a Catalog, a spec that fails its
// preflight is refused with a *PreflightError before anything is written.
func (e *Executor) Apply(ctx context.Context, spec Spec, ref Ref) (Fleet, Plan, error) {
	ref.Name = spec.Name
	ref.Alerts = true
	ref.Backups = ref.Backups || spec.Droplet.Backups != nil
	ref.Pool = ref.Pool || spec.Autoscale != nil
	ref.Drained = true
	ref.Firewall = ref.Firewall || spec.Firewall != nil
	if spec.Domain != nil {
		if ref.Domain != nil && !ref.Domain.SameName(*spec.Domain) {
			ref.OldDomain = ref.Domain // its records are deleted
		}
		ref.Domain = spec.Domain
	}
	ref.Certificate = ref.Certificate || (spec.Domain != nil && spec.Domain.LetsEncrypt)
	ref.ProjectID = spec.ProjectID
	fleet, err := e.observeAndCheck(ctx, spec, ref)
	if err != nil {
		return fleet, Plan{}, err
	}
	var first Plan
	for pass := 1; ; pass++ {
		plan := ComputePlan(spec, fleet)
		if pass == 1 {
			first = plan
		}
		if plan.Empty() {
			return fleet, first, nil
		}
		if pass > maxPasses {
			return fleet, first, fmt.Errorf("the tier still differs from the configuration after %d passes (%s): something keeps changing it", maxPasses, plan.Summary)
		}
		msg := "applying web tier: "
		if pass > 1 {
			msg = fmt.Sprintf("the tier changed during the apply; pass %d: ", pass)
		}
		e.info(ctx, msg+plan.Summary.String(), map[string]any{"tier": spec.Name, "phases": len(plan.Phases)})
		x := &execution{e: e, spec: spec, fleet: fleet, lb: fleet.LoadBalancer, pool: fleet.Pool, fw: fleet.Firewall, cert: fleet.Certificate, waves: map[int][]Droplet{}, byID: map[int]Droplet{}}
		for _, d := range fleet.Droplets {
			x.byID[d.ID] = d
		}
		runErr := x.run(ctx, plan)

		// Observe again, even after a timeout, so the state says what exists.
		octx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
		ref.KnownDroplets = append(slices.Clone(ref.KnownDroplets), x.knownIDs()...)
		if x.lb != nil {
			ref.LoadBalancerID = x.lb.ID
		}
		if fw := x.currentFirewall(); fw != nil {
			ref.Firewall, ref.FirewallID = true, fw.ID
		}
		after, obsErr := Observe(octx, e.Cloud, ref)
		cancel()
		if obsErr != nil {
			return fleet, first, errors.Join(runErr, obsErr)
		}
		if runErr != nil && spec.Rollout.OnFailure == OnFailureRollback && failedRollout(runErr) {
			after, runErr = e.rollBack(ctx, spec, ref, after, runErr)
		}
		if runErr != nil {
			return after, first, runErr
		}
		fleet = after
	}
}

// observeAndCheck observes the fleet and, with a Catalog, reads the
// catalog at the same time and runs the preflight: references may have
// gone bad since the plan checked them.
func (e *Executor) observeAndCheck(ctx context.Context, spec Spec, ref Ref) (Fleet, error) {
	if e.Catalog == nil {
		return Observe(ctx, e.Cloud, ref)
	}
	var fleet Fleet
	var cat Catalog
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) { fleet, err = Observe(gctx, e.Cloud, ref); return err })
	g.Go(func() (err error) { cat, err = e.Catalog(gctx, CatalogNeedsFor(spec)); return err })
	if err := g.Wait(); err != nil {
		return Fleet{}, err
	}
	if problems := Preflight(spec, cat, fleet); len(problems) > 0 {
		return fleet, &PreflightError{Problems: problems}
	}
	return fleet, nil
}

// Destroy deletes everything the tier owns and waits until it is gone:
// the autoscale pool, droplets by tag (and drained ones known from state),
// every load balancer targeting the tag and the alert policies. Objects already gone count as
// deleted.
func (e *Executor) Destroy(ctx context.Context, ref Ref) error {
	ref.Alerts = true
	ref.Pool = true
	ref.Drained = true
	ref.Firewall = true
	ref.Certificate = true
	fleet, err := Observe(ctx, e.Cloud, ref)
	if err != nil {
		return err
	}
	x := &execution{e: e, spec: Spec{Name: ref.Name}}
	for _, p := range fleet.livePools() {
		// Pools first, or they would replace the members deleted below.
		if err := e.Cloud.DeletePool(ctx, p.ID); err != nil {
			return fmt.Errorf("delete autoscale pool %s: %w", p.ID, err)
		}
	}
	deletes := []func() error{func() error { return x.deleteFleet(ctx, fleet.Droplets) }}
	lbs := fleet.ExtraLoadBalancers
	if fleet.LoadBalancer != nil {
		lbs = append([]LoadBalancer{*fleet.LoadBalancer}, lbs...)
	}
	for _, lb := range lbs {
		deletes = append(deletes, func() error {
			if err := e.Cloud.DeleteLoadBalancer(ctx, lb.ID); err != nil {
				return fmt.Errorf("delete load balancer %s: %w", lb.ID, err)
			}
			return nil
		})
	}
	if fw := fleet.Firewall; fw != nil {
		deletes = append(deletes, func() error {
			if err := e.Cloud.DeleteFirewall(ctx, fw.ID); err != nil {
				return fmt.Errorf("delete firewall %s: %w", fw.ID, err)
			}
			return nil
		})
	}
	for _, r := range fleet.Records {
		deletes = append(deletes, func() error {
			if err := e.Cloud.DeleteRecord(ctx, fleet.RecordDomain, r.ID); err != nil {
				return fmt.Errorf("delete record %s %s: %w", r.Type, r.Name, err)
			}
			return nil
		})
	}
	for _, p := range slices.Concat(fleet.Alerts, fleet.AdoptedAlerts) {
		deletes = append(deletes, func() error {
			if err := e.Cloud.DeleteAlertPolicy(ctx, p.UUID); err != nil {
				return fmt.Errorf("delete alert policy %s: %w", p.UUID, err)
			}
			return nil
		})
	}
	if err := fanOut(len(deletes), len(deletes), func(i int) error { return deletes[i]() }); err != nil {
		return err
	}
	// The certificate last: DigitalOcean refuses to delete one a load
	// balancer still uses.
	if c := fleet.Certificate; c != nil {
		if err := e.Cloud.DeleteCertificate(ctx, c.ID); err != nil {
			return fmt.Errorf("delete certificate %s: %w", c.Name, err)
		}
	}
	return nil
}

func (e *Executor) poll() time.Duration {
	if e.Poll > 0 {
		return e.Poll
	}
	return 5 * time.Second
}

// logIDs writes droplet ids for log fields as strings: Terraform reads log
// fields as JSON numbers and would print 510000004 as 5.10000004e+08.
func logIDs(ids []int) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = strconv.Itoa(id)
	}
	return out
}

func (e *Executor) info(ctx context.Context, msg string, fields map[string]any) {
	if e.Log != nil {
		e.Log.Info(ctx, msg, fields)
	}
}

// execution is one plan being carried out.
type execution struct {
	e     *Executor
	spec  Spec
	fleet Fleet

	mu    sync.Mutex
	pool  *AutoscalePool
	lb    *LoadBalancer
	fw    *Firewall
	cert  *Certificate
	waves map[int][]Droplet // new droplets by wave
	byID  map[int]Droplet
	taken map[string]bool // droplet names in use
	clock *waveClock      // tells the rollout's waves (rollout_progress.go)
}

func (x *execution) knownIDs() []int {
	x.mu.Lock()
	defer x.mu.Unlock()
	out := make([]int, 0, len(x.byID))
	for id := range x.byID {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

func (x *execution) run(ctx context.Context, plan Plan) error {
	x.clock = newWaveClock(plan)
	for i, phase := range plan.Phases {
		if err := fanOut(len(phase), len(phase), func(j int) error { return x.step(ctx, phase[j]) }); err != nil {
			return err
		}
		if ctx.Err() != nil {
			return fmt.Errorf("stopped before phase %d of %d: %w", i+2, len(plan.Phases), ctx.Err())
		}
	}
	return nil
}

// step runs one step: every Op is one case here or in a concern's own
// dispatcher.
func (x *execution) step(ctx context.Context, s Step) error {
	switch s.Op {
	case OpCreateLoadBalancer, OpUpdateLoadBalancer, OpWaitLoadBalancer, OpDeleteLoadBalancer:
		return x.loadBalancerStep(ctx, s)
	case OpCreateAlert, OpUpdateAlert, OpDeleteAlert:
		return x.alertStep(ctx, s)
	case OpCreateFirewall, OpUpdateFirewall, OpDeleteFirewall:
		return x.firewallStep(ctx, s)
	case OpSetRecords, OpDeleteRecords:
		return x.recordStep(ctx, s)
	case OpCreateCertificate, OpWaitCertificate, OpDeleteCertificate:
		return x.certificateStep(ctx, s)
	case OpAssignProject:
		return x.assignProject(ctx)
	case OpCreatePool:
		return x.createPool(ctx, poolRequest(x.spec, s.PoolName))
	case OpUpdatePool:
		return x.updatePool(ctx, poolRequest(x.spec, x.currentPool().Name))
	case OpWaitPool:
		return x.waitPool(ctx)
	case OpRollPool:
		return x.rollPool(ctx, s)
	case OpDeletePool:
		return x.deletePool(ctx, s.Pool)
	case OpCreateDroplets:
		return x.createDroplets(ctx, s.Wave, s.Count)
	case OpResizeDroplets:
		return x.resizeWave(ctx, s)
	case OpCheckpoint:
		return x.checkpoint(ctx, s)
	case OpWaitDroplets:
		return x.waitDroplets(ctx, s)
	case OpDrainDroplets:
		return x.drain(ctx, s.Droplets)
	case OpWaitDrained:
		return Sleep(ctx, x.drainWait())
	case OpDeleteDroplets:
		if err := x.deleteDroplets(ctx, s.Droplets); err != nil {
			return err
		}
		x.clock.done(ctx, x, s.Wave, len(s.Droplets))
		return nil
	case OpSetBackups:
		return x.setBackups(ctx, s)
	case OpTagDroplets:
		if err := x.e.Cloud.TagDroplets(ctx, s.Tag, s.Droplets); err != nil {
			return fmt.Errorf("tag droplets %v with %s: %w", s.Droplets, s.Tag, err)
		}
		return nil
	case OpUntagDroplets:
		if err := x.e.Cloud.UntagDroplets(ctx, s.Tag, s.Droplets); err != nil {
			return fmt.Errorf("untag %s from droplets %v: %w", s.Tag, s.Droplets, err)
		}
		return nil
	}
	return fmt.Errorf("unknown step %q", s.Op)
}

func (x *execution) loadBalancerStep(ctx context.Context, s Step) error {
	c := x.e.Cloud
	switch s.Op {
	case OpCreateLoadBalancer:
		lb, err := c.CreateLoadBalancer(ctx, x.loadBalancerRequest())
		if err != nil {
			return fmt.Errorf("create load balancer %s: %w", LoadBalancerName(x.spec.Name), err)
		}
		x.setLB(lb)
		x.e.info(ctx, "load balancer created", map[string]any{"tier": x.spec.Name, "id": lb.ID})
	case OpUpdateLoadBalancer:
		lb, err := c.UpdateLoadBalancer(ctx, x.lbID(), x.loadBalancerRequest())
		if err != nil {
			return fmt.Errorf("update load balancer %s: %w", x.lbID(), err)
		}
		x.setLB(lb)
	case OpWaitLoadBalancer:
		return x.waitLoadBalancer(ctx)
	case OpDeleteLoadBalancer:
		if err := c.DeleteLoadBalancer(ctx, s.LB); err != nil {
			return fmt.Errorf("delete extra load balancer %s: %w", s.LB, err)
		}
		x.e.info(ctx, "extra load balancer targeting the tier's tag deleted", map[string]any{"tier": x.spec.Name, "id": s.LB})
	}
	return nil
}

func (x *execution) alertStep(ctx context.Context, s Step) error {
	c := x.e.Cloud
	switch s.Op {
	case OpCreateAlert:
		req := alertRequest(x.spec, s.Alert, x.lbID())
		if _, err := c.CreateAlertPolicy(ctx, req); err != nil {
			return fmt.Errorf("create alert policy %q: %w", req.Description, err)
		}
	case OpUpdateAlert:
		req := alertRequest(x.spec, s.Alert, x.lbID())
		if _, err := c.UpdateAlertPolicy(ctx, s.AlertID, req); err != nil {
			return fmt.Errorf("update alert policy %s: %w", s.AlertID, err)
		}
	case OpDeleteAlert:
		if err := c.DeleteAlertPolicy(ctx, s.AlertID); err != nil {
			return fmt.Errorf("delete alert policy %s: %w", s.AlertID, err)
		}
	}
	return nil
}

func (x *execution) firewallStep(ctx context.Context, s Step) error {
	c := x.e.Cloud
	switch s.Op {
	case OpCreateFirewall:
		req := firewallRequest(x.spec, x.lbID())
		fw, err := c.CreateFirewall(ctx, req)
		if err != nil {
			return fmt.Errorf("create firewall %s: %w", req.Name, err)
		}
		x.setFirewall(fw)
		x.e.info(ctx, "firewall created", map[string]any{"tier": x.spec.Name, "id": fw.ID})
	case OpUpdateFirewall:
		fw, err := c.UpdateFirewall(ctx, s.Firewall, firewallRequest(x.spec, x.lbID()))
		if err != nil {
			return fmt.Errorf("update firewall %s: %w", s.Firewall, err)
		}
		x.setFirewall(fw)
	case OpDeleteFirewall:
		if err := c.DeleteFirewall(ctx, s.Firewall); err != nil {
			return fmt.Errorf("delete firewall %s: %w", s.Firewall, err)
		}
		x.setFirewall(nil)
	}
	return nil
}

func (x *execution) setFirewall(fw *Firewall) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.fw = fw
}

func (x *execution) currentFirewall() *Firewall {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.fw
}

// drain marks droplets draining (so a crash leaves them findable) and takes
// them out of the load balancer's tag.
func (x *execution) drain(ctx context.Context, droplets []int) error {
	if err := x.e.Cloud.TagDroplets(ctx, DrainTag(x.spec.Name), droplets); err != nil {
		return fmt.Errorf("mark droplets %v draining: %w", droplets, err)
	}
	if err := x.e.Cloud.UntagDroplets(ctx, Tag(x.spec.Name), droplets); err != nil {
		return fmt.Errorf("take droplets %v out of the load balancer: %w", droplets, err)
	}
	x.e.info(ctx, fmt.Sprintf("%d droplets out of the load balancer", len(droplets)), map[string]any{"tier": x.spec.Name, "droplets": logIDs(droplets)})
	return nil
}

func (x *execution) setLB(lb *LoadBalancer) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.lb = lb
}

func (x *execution) lbID() string {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.lb == nil {
		return ""
	}
	return x.lb.ID
}

func (x *execution) loadBalancerRequest() LoadBalancerRequest {
	return LoadBalancerRequest{
		Name:      LoadBalancerName(x.spec.Name),
		Region:    x.spec.Region,
		VPCUUID:   x.spec.VPCUUID,
		ProjectID: x.spec.ProjectID,
		Tag:       Tag(x.spec.Name),
		Spec:      loadBalancerFor(x.spec, x.certificateIssued()),
	}
}

func (x *execution) drainWait() time.Duration {
	interval := x.spec.LoadBalancer.HealthCheck.CheckIntervalSeconds
	if interval <= 0 {
		interval = 10
	}
	return x.scaled(time.Duration(interval) * time.Second)
}

// scaled multiplies a realistic wait by the executor's time scale.
func (x *execution) scaled(d time.Duration) time.Duration {
	scale := x.e.TimeScale
	if scale <= 0 {
		scale = 1
	}
	return time.Duration(float64(d) * scale)
}

// createDroplets makes count droplets in batches of 10, all batches at
// once. Droplets that exist are kept even when a batch fails.
func (x *execution) createDroplets(ctx context.Context, wave, count int) error {
	x.clock.started(ctx, x, wave, count)
	names := x.newNames(count)
	d := x.spec.Droplet
	batches := (len(names) + batchSize - 1) / batchSize
	err := fanOut(batches, maxConcurrentBatches, func(i int) error {
		batch := names[i*batchSize : min((i+1)*batchSize, len(names))]
		made, err := x.e.Cloud.CreateDroplets(ctx, DropletRequest{
			Names: batch, Region: x.spec.Region, Size: d.Size, Image: d.Image, SSHKeys: d.SSHKeys,
			UserData: d.UserData, Monitoring: d.Monitoring, IPv6: d.IPv6, Backups: d.Backups,
			Tags: x.spec.DropletTags(), VPCUUID: x.spec.VPCUUID,
		})
		x.mu.Lock()
		x.waves[wave] = append(x.waves[wave], made...)
		for _, m := range made {
			x.byID[m.ID] = m
		}
		x.mu.Unlock()
		if err != nil {
			return fmt.Errorf("create droplets %s: %w", strings.Join(batch, ", "), err)
		}
		return nil
	})
	x.e.info(ctx, fmt.Sprintf("%d/%d droplets created", len(x.waveDroplets(wave)), count), map[string]any{"tier": x.spec.Name, "wave": wave})
	return err
}

func (x *execution) waveDroplets(wave int) []Droplet {
	x.mu.Lock()
	defer x.mu.Unlock()
	return slices.Clone(x.waves[wave])
}

// newNames returns count unused droplet names "<tier>-<4 characters>".
func (x *execution) newNames(count int) []string {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.taken == nil {
		x.taken = map[string]bool{}
		for _, d := range x.fleet.Droplets {
			x.taken[d.Name] = true
		}
	}
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	out := make([]string, 0, count)
	for len(out) < count {
		var b [4]byte
		for i := range b {
			n, _ := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
			b[i] = alphabet[n.Int64()]
		}
		name := x.spec.Name + "-" + string(b[:])
		if !x.taken[name] {
			x.taken[name] = true
			out = append(out, name)
		}
	}
	return out
}

// waitDroplets polls the fleet by tag (one list per interval for all of
// them) until the wave's droplets are active, then, for a rollout, until
// they are healthy by the rollout's health mode.
func (x *execution) waitDroplets(ctx context.Context, s Step) error {
	want := slices.Clone(s.Droplets)
	for _, d := range x.waveDroplets(s.Wave) {
		want = append(want, d.ID)
	}
	if len(want) == 0 {
		return nil
	}
	healthCtx := ctx
	if s.Health && x.spec.Rollout.HealthTimeout > 0 {
		var cancel context.CancelFunc
		healthCtx, cancel = context.WithTimeout(ctx, x.spec.Rollout.HealthTimeout+x.scaled(x.spec.Rollout.MinReady))
		defer cancel()
	}
	active, err := x.waitActive(healthCtx, want)
	if err != nil {
		if s.Health && ctx.Err() == nil {
			return x.failWave(ctx, s.Wave, want, active, "did not become active", err)
		}
		return err
	}
	if !s.Health {
		return nil
	}
	healthy, seen, err := x.waitHealthy(healthCtx, active)
	if err != nil {
		if ctx.Err() == nil {
			return x.failWave(ctx, s.Wave, want, healthy, seen, err)
		}
		return err
	}
	x.clock.healthy(ctx, x, s.Wave, len(healthy))
	if healthy, seen, err = x.stayHealthy(healthCtx, s.Wave, healthy); err != nil {
		if ctx.Err() == nil {
			return x.failWave(ctx, s.Wave, want, healthy, seen, err)
		}
		return err
	}
	x.clock.ready(ctx, x, s.Wave)
	return nil
}

// waitActive returns the droplets once all are active; on failure it
// returns those that were.
func (x *execution) waitActive(ctx context.Context, want []int) ([]Droplet, error) {
	last := -1
	sched := x.e.schedule(x.e.Expect.Droplet)
	for {
		list, err := x.e.Cloud.ListDroplets(ctx, Tag(x.spec.Name))
		if err != nil && ctx.Err() != nil {
			return nil, fmt.Errorf("waiting for droplets %v to become active: %w", want, ctx.Err())
		}
		if err != nil {
			return nil, fmt.Errorf("list droplets while waiting for them: %w", err)
		}
		byID := map[int]Droplet{}
		for _, d := range list {
			byID[d.ID] = d
		}
		var ready []Droplet
		var off []int
		for _, id := range want {
			d, ok := byID[id]
			switch {
			case ok && d.Status == StatusActive:
				ready = append(ready, d)
			case !ok || d.Status == StatusOff || d.Status == StatusArchive:
				off = append(off, id)
			}
		}
		x.mu.Lock()
		for _, d := range ready {
			x.byID[d.ID] = d
		}
		x.mu.Unlock()
		if len(ready) != last {
			last = len(ready)
			x.e.info(ctx, fmt.Sprintf("%d/%d droplets active", len(ready), len(want)), map[string]any{"tier": x.spec.Name})
		}
		if len(off) > 0 {
			return ready, fmt.Errorf("droplets %v went away or off while booting", off)
		}
		if len(ready) == len(want) {
			return ready, nil
		}
		if err := sched.wait(ctx); err != nil {
			return ready, fmt.Errorf("timed out waiting for droplets to become active (%d/%d active): %w", len(ready), len(want), err)
		}
	}
}

// waitHealthy waits until every droplet passes the rollout's health check.
// It returns the healthy droplets and, on failure, what the check saw.
func (x *execution) waitHealthy(ctx context.Context, ds []Droplet) ([]Droplet, string, error) {
	mode := x.spec.Rollout.Health
	if mode == HealthDropletStatus || mode == "" {
		return ds, "", nil
	}
	if mode == HealthLoadBalancer {
		if err := x.waitLoadBalancer(ctx); err != nil {
			return nil, "load balancer not active", err
		}
	}
	start := time.Now()
	healthy := map[int]bool{}
	seen := map[int]string{} // what the check last said of a droplet not healthy yet
	last := -1
	for {
		var err error
		if mode == HealthLoadBalancer {
			err = x.checkLoadBalancerHealth(ctx, ds, start, healthy, seen)
		} else {
			err = x.probeHealth(ctx, ds, healthy, seen)
		}
		if err != nil {
			return nil, "", err
		}
		var ok []Droplet
		for _, d := range ds {
			if healthy[d.ID] {
				ok = append(ok, d)
			}
		}
		if len(ok) != last {
			last = len(ok)
			x.e.info(ctx, fmt.Sprintf("%d/%d droplets healthy", len(ok), len(ds)), map[string]any{"tier": x.spec.Name, "health": mode})
		}
		if len(ok) == len(ds) {
			return ok, "", nil
		}
		if err := Sleep(ctx, x.e.poll()); err != nil {
			var parts []string
			for _, d := range ds {
				if !healthy[d.ID] {
					parts = append(parts, fmt.Sprintf("%s (%d): %s", d.Name, d.ID, seen[d.ID]))
				}
			}
			return ok, strings.Join(parts, "; "), err
		}
	}
}

// checkLoadBalancerHealth reads the load balancer's latest verdict on each
// droplet (health "load_balancer").
func (x *execution) checkLoadBalancerHealth(ctx context.Context, ds []Droplet, start time.Time, healthy map[int]bool, seen map[int]string) error {
	verdicts, err := x.e.Cloud.DropletHealth(ctx, x.lbID(), start.Add(-time.Minute))
	if err != nil && ctx.Err() == nil {
		return fmt.Errorf("read load balancer health checks: %w", err)
	}
	for _, d := range ds {
		v := verdicts[d.ID]
		switch {
		case len(v) == 0:
			seen[d.ID] = "not yet checked by the load balancer"
		case v[len(v)-1]:
			healthy[d.ID] = true
		default:
			seen[d.ID] = "failing the load balancer's health check"
		}
	}
	return nil
}

// probeHealth requests the health check path on each droplet not healthy
// yet (health "http").
func (x *execution) probeHealth(ctx context.Context, ds []Droplet, healthy map[int]bool, seen map[int]string) error {
	if x.e.Probe == nil {
		return fmt.Errorf("rollout health %q needs an HTTP prober", HealthHTTP)
	}
	hc := x.spec.LoadBalancer.HealthCheck
	for _, d := range ds {
		if healthy[d.ID] {
			continue
		}
		pctx, cancel := context.WithTimeout(ctx, x.scaled(time.Duration(max(hc.ResponseTimeoutSeconds, 1))*time.Second))
		err := x.e.Probe(pctx, d, hc)
		cancel()
		switch {
		case err == nil:
			healthy[d.ID] = true
		case ctx.Err() == nil || seen[d.ID] == "":
			// Keep what the droplet answered over our own deadline.
			seen[d.ID] = err.Error()
		}
	}
	return nil
}

// RolloutError reports a wave that did not become healthy in time. The
// droplets it names were removed; the old droplets kept serving.
type RolloutError struct {
	Wave    int
	Failed  []Droplet
	Seen    string
	Timeout time.Duration
	Cause   error
}

func (e *RolloutError) Error() string {
	names := make([]string, len(e.Failed))
	for i, d := range e.Failed {
		names[i] = fmt.Sprintf("%s (%d)", d.Name, d.ID)
	}
	msg := fmt.Sprintf("rollout stopped: wave %d was not healthy within %s; removed %s; the previous droplets keep serving", e.Wave, e.Timeout, strings.Join(names, ", "))
	if e.Seen != "" {
		msg += ". The health check saw: " + e.Seen
	}
	return msg
}

func (e *RolloutError) Unwrap() error { return e.Cause }

// failWave removes the wave's droplets that are not healthy and reports
// them. Healthy ones of the new template stay: they are what is wanted.
func (x *execution) failWave(ctx context.Context, wave int, want []int, healthy []Droplet, seen string, cause error) error {
	ok := map[int]bool{}
	for _, d := range healthy {
		ok[d.ID] = true
	}
	var failed []Droplet
	var failedIDs []int
	x.mu.Lock()
	for _, id := range want {
		if !ok[id] {
			d := x.byID[id]
			d.ID = id
			failed = append(failed, d)
			failedIDs = append(failedIDs, id)
		}
	}
	x.mu.Unlock()
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Minute)
	defer cancel()
	rerr := &RolloutError{Wave: wave, Failed: failed, Seen: seen, Timeout: x.spec.Rollout.HealthTimeout, Cause: cause}
	if len(failedIDs) == 0 {
		return rerr
	}
	if err := x.step(cctx, Step{Op: OpDrainDroplets, Droplets: failedIDs}); err != nil {
		return errors.Join(rerr, err)
	}
	if err := x.deleteDroplets(cctx, failedIDs); err != nil {
		return errors.Join(rerr, err)
	}
	return rerr
}

func (x *execution) waitLoadBalancer(ctx context.Context) error {
	id := x.lbID()
	if id == "" {
		return errors.New("no load balancer to wait for")
	}
	sched := x.e.schedule(x.e.Expect.LoadBalancer)
	for {
		lb, err := x.e.Cloud.GetLoadBalancer(ctx, id)
		switch {
		case err != nil && ctx.Err() == nil:
			return fmt.Errorf("get load balancer %s: %w", id, err)
		case err == nil && lb == nil:
			return fmt.Errorf("load balancer %s disappeared", id)
		case err == nil && lb.Status == "active":
			x.setLB(lb)
			return nil
		case err == nil && lb.Status == "errored":
			return fmt.Errorf("load balancer %s is errored", id)
		}
		if err := sched.wait(ctx); err != nil {
			return fmt.Errorf("timed out waiting for load balancer %s to become active: %w", id, err)
		}
	}
}

// deleteDroplets deletes droplets (gone already counts as deleted) and
// waits until neither the tier tag nor the drain tag lists them.
func (x *execution) deleteDroplets(ctx context.Context, ids []int) error {
	if len(ids) == 0 {
		return nil
	}
	err := fanOut(len(ids), 10, func(i int) error {
		if err := x.e.Cloud.DeleteDroplet(ctx, ids[i]); err != nil {
			return fmt.Errorf("delete droplet %d: %w", ids[i], err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return x.waitGone(ctx, ids)
}

// waitGone waits until neither the tier tag nor the drain tag lists any of
// the droplets.
func (x *execution) waitGone(ctx context.Context, ids []int) error {
	gone := func() ([]int, error) {
		var left []int
		for _, tag := range []string{Tag(x.spec.Name), DrainTag(x.spec.Name)} {
			list, err := x.e.Cloud.ListDroplets(ctx, tag)
			if err != nil {
				return nil, err
			}
			for _, d := range list {
				if slices.Contains(ids, d.ID) && !slices.Contains(left, d.ID) {
					left = append(left, d.ID)
				}
			}
		}
		sort.Ints(left)
		return left, nil
	}
	for {
		left, err := gone()
		if err != nil && ctx.Err() == nil {
			return fmt.Errorf("list droplets while waiting for deletion: %w", err)
		}
		if err == nil && len(left) == 0 {
			x.e.info(ctx, fmt.Sprintf("%d droplets deleted", len(ids)), map[string]any{"tier": x.spec.Name, "droplets": logIDs(ids)})
			return nil
		}
		if err := x.e.schedule(0).wait(ctx); err != nil {
			return fmt.Errorf("timed out waiting for droplets %v to be deleted: %w", left, err)
		}
	}
}

// deleteFleet deletes every droplet of a tier: by tag in one request each
// for the tier and drain tags, one by one for the rest, then waits.
func (x *execution) deleteFleet(ctx context.Context, ds []Droplet) error {
	if len(ds) == 0 {
		return nil
	}
	var loose []int
	for _, d := range ds {
		if !d.InService(x.spec.Name) && !slices.Contains(d.Tags, DrainTag(x.spec.Name)) {
			loose = append(loose, d.ID)
		}
	}
	for _, tag := range []string{Tag(x.spec.Name), DrainTag(x.spec.Name)} {
		if !slices.ContainsFunc(ds, func(d Droplet) bool { return slices.Contains(d.Tags, tag) }) {
			continue // no droplet listed carries it: a request saved per tier, fifty in a large destroy
		}
		if err := x.e.Cloud.DeleteDropletsByTag(ctx, tag); err != nil {
			return fmt.Errorf("delete droplets tagged %s: %w", tag, err)
		}
	}
	for _, id := range loose {
		if err := x.e.Cloud.DeleteDroplet(ctx, id); err != nil {
			return fmt.Errorf("delete droplet %d: %w", id, err)
		}
	}
	return x.waitGone(ctx, ids(ds))
}

func (x *execution) setBackups(ctx context.Context, s Step) error {
	return fanOut(len(s.Droplets), 10, func(i int) error {
		id := s.Droplets[i]
		x.mu.Lock()
		d := x.byID[id]
		x.mu.Unlock()
		if err := x.e.Cloud.SetBackups(ctx, d, s.Backups); err != nil {
			return fmt.Errorf("set backups of droplet %d: %w", id, err)
		}
		return nil
	})
}
