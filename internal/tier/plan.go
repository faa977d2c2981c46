package tier

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Op names one kind of step.
type Op string

// The steps a plan is made of.
const (
	OpCreateLoadBalancer Op = "create_load_balancer"
	OpUpdateLoadBalancer Op = "update_load_balancer"
	OpWaitLoadBalancer   Op = "wait_load_balancer"   // until active
	OpDeleteLoadBalancer Op = "delete_load_balancer" // an extra one targeting the tier tag
	OpCreateAlert        Op = "create_alert"
	OpUpdateAlert        Op = "update_alert"
	OpDeleteAlert        Op = "delete_alert"
	OpCreateDroplets     Op = "create_droplets" // Count new droplets of Wave
	OpWaitDroplets       Op = "wait_droplets"   // Wave's droplets (and Droplets) ready; healthy when Health
	OpDrainDroplets      Op = "drain_droplets"  // take out of the load balancer's tag
	OpWaitDrained        Op = "wait_drained"    // one health-check interval
	OpDeleteDroplets     Op = "delete_droplets"
	OpSetBackups         Op = "set_backups"
	OpTagDroplets        Op = "tag_droplets"
	OpUntagDroplets      Op = "untag_droplets"
	OpCreateFirewall     Op = "create_firewall"
	OpUpdateFirewall     Op = "update_firewall"
	OpDeleteFirewall     Op = "delete_firewall"
	OpSetRecords         Op = "set_records"    // the domain's A/AAAA records point at the load balancer
	OpDeleteRecords      Op = "delete_records" // the block was removed
	OpCreateCertificate  Op = "create_certificate"
	OpWaitCertificate    Op = "wait_certificate" // issued (DigitalOcean verifies the name)
	OpDeleteCertificate  Op = "delete_certificate"
	OpAssignProject      Op = "assign_project" // every object of the tier into the project
)

// Step is one action. Steps of a phase run concurrently; phases run in order.
type Step struct {
	Op       Op
	Wave     int         // create/wait: which wave's new droplets
	Count    int         // create: how many
	Droplets []int       // ids acted on (wait: existing droplets to wait for too)
	Tag      string      // tag/untag
	Alert    int         // create/update: index into Spec.Alerts
	AlertID  string      // update/delete
	Backups  *BackupSpec // set_backups: nil disables
	Health   bool        // wait: gate on rollout health, not only status
	Pool     string      // update/delete/roll: the autoscale pool's id
	LB       string      // delete_load_balancer: its id
	Firewall string      // update/delete_firewall: its id
	PoolName string      // create/roll: the name of the pool to create
	Reason   string
}

func (s Step) String() string {
	var b strings.Builder
	b.WriteString(string(s.Op))
	switch s.Op {
	case OpCreateDroplets:
		fmt.Fprintf(&b, " wave=%d count=%d", s.Wave, s.Count)
	case OpCreatePool:
		fmt.Fprintf(&b, " %s", s.PoolName)
	case OpUpdatePool, OpDeletePool:
		fmt.Fprintf(&b, " %s", s.Pool)
	case OpDeleteLoadBalancer:
		fmt.Fprintf(&b, " %s", s.LB)
	case OpUpdateFirewall, OpDeleteFirewall:
		fmt.Fprintf(&b, " %s", s.Firewall)
	case OpRollPool:
		pool := s.Pool
		if pool == "" {
			pool = "new " + s.PoolName
		}
		fmt.Fprintf(&b, " %s to=%d leaving=%v", pool, s.Count, s.Droplets)
	case OpCheckpoint:
		fmt.Fprintf(&b, " %d%% after wave=%d", s.Count, s.Wave)
	case OpWaitDroplets:
		fmt.Fprintf(&b, " wave=%d", s.Wave)
		if len(s.Droplets) > 0 {
			fmt.Fprintf(&b, " also=%v", s.Droplets)
		}
		if s.Health {
			b.WriteString(" health")
		}
	case OpTagDroplets, OpUntagDroplets:
		fmt.Fprintf(&b, " %s %v", s.Tag, s.Droplets)
	case OpCreateAlert:
		fmt.Fprintf(&b, " #%d", s.Alert)
	case OpUpdateAlert:
		fmt.Fprintf(&b, " #%d %s", s.Alert, s.AlertID)
	case OpDeleteAlert:
		fmt.Fprintf(&b, " %s", s.AlertID)
	case OpSetBackups:
		if s.Backups == nil {
			fmt.Fprintf(&b, " off %v", s.Droplets)
		} else {
			fmt.Fprintf(&b, " %s %v", s.Backups.Plan, s.Droplets)
		}
	default:
		if len(s.Droplets) > 0 {
			fmt.Fprintf(&b, " %v", s.Droplets)
		}
	}
	return b.String()
}

// Phase is a set of steps that run at the same time.
type Phase []Step

// Plan is the ordered work that turns a fleet into the spec.
type Plan struct {
	Phases  []Phase
	Summary Summary
	// Keep are the droplets that stay as they are, oldest first; the others
	// of the end state are new.
	Keep []int
}

// Empty reports whether there is nothing to do.
func (p Plan) Empty() bool { return len(p.Phases) == 0 }

// Steps flattens the plan, phase by phase.
func (p Plan) Steps() []Step {
	var out []Step
	for _, ph := range p.Phases {
		out = append(out, ph...)
	}
	return out
}

func (p Plan) String() string {
	var b strings.Builder
	for i, ph := range p.Phases {
		names := make([]string, len(ph))
		for j, s := range ph {
			names[j] = s.String()
		}
		fmt.Fprintf(&b, "%d: %s\n", i+1, strings.Join(names, " | "))
	}
	return b.String()
}

// Summary counts what a plan changes, for plan-time messages.
type Summary struct {
	Create      int // droplets added for capacity
	Replace     int // outdated droplets replaced by new ones
	Remove      int // droplets removed without replacement (scale in, strangers)
	Repair      int // broken or half-drained droplets deleted (and replaced by Create)
	Waves       int // rollout waves
	WaveSize    int // largest number of droplets a wave creates
	Checkpoints int // pauses of a canary rollout
	Resize      int // droplets of Replace resized in place (same ids and IPs)
	// Estimate, set by a caller that knows the clock (RolloutEstimate), is
	// shown after the waves: "about 4m30s".
	Estimate     string
	LoadBalancer string
	// ExtraLoadBalancers counts load balancers other than the tier's that
	// target its tag: deleted.
	ExtraLoadBalancers int
	AlertsCreate       int
	AlertsUpdate       int
	AlertsDelete       int
	Backups            int    // droplets whose backups change
	Retag              int    // tag changes on droplets that stay
	Pool               string // autoscale pool: "created", "updated", "replaced", "deleted"
	Firewall           string // the tier's firewall: "created", "updated", "deleted"
	Record             string // the DNS record: "created", "updated", "deleted"
	Certificate        string // the Let's Encrypt certificate: "requested", "deleted"
	Project            string // "assigned" when objects move into the project
	Switch             string // the droplet side switches: "to an autoscale pool", "to fixed droplets"
	Adopted            int    // adopted droplets tagged into the tier (adopt.go)
	AlertsAdopted      int    // adopted alert policies made the tier's
}

// Empty reports whether the summary records no change.
func (s Summary) Empty() bool { return s == Summary{} }

// DropletsChange reports whether the set of droplets changes.
func (s Summary) DropletsChange() bool {
	return s.Create+s.Replace+s.Remove+s.Repair > 0
}

func (s Summary) String() string {
	var parts []string
	plural := func(n int, one string) string {
		if n == 1 {
			return fmt.Sprintf("1 %s", one)
		}
		return fmt.Sprintf("%d %ss", n, one)
	}
	if s.Adopted > 0 {
		parts = append(parts, fmt.Sprintf("%s will be adopted", plural(s.Adopted, "droplet")))
	}
	if s.Replace > 0 {
		part := fmt.Sprintf("%s will be replaced in %s of %d", plural(s.Replace, "droplet"), plural(s.Waves, "wave"), s.WaveSize)
		if s.Resize > 0 {
			part = fmt.Sprintf("%s will be resized in place in %s of %d", plural(s.Replace, "droplet"), plural(s.Waves, "wave"), s.WaveSize)
		}
		if s.Estimate != "" {
			part += ", " + s.Estimate
		}
		parts = append(parts, part)
	}
	if s.Create > 0 {
		parts = append(parts, fmt.Sprintf("%s will be created", plural(s.Create, "droplet")))
	}
	if s.Repair > 0 {
		parts = append(parts, fmt.Sprintf("%s that are off or half-removed will be deleted", plural(s.Repair, "droplet")))
	}
	if s.Remove > 0 {
		parts = append(parts, fmt.Sprintf("%s will be drained from the load balancer and deleted", plural(s.Remove, "droplet")))
	}
	if s.Switch != "" {
		parts = append(parts, "the droplets switch "+s.Switch+" (the load balancer and its IP stay)")
	}
	if s.Pool != "" {
		parts = append(parts, "the autoscale pool will be "+s.Pool)
	}
	if s.LoadBalancer != "" {
		parts = append(parts, fmt.Sprintf("the load balancer will be %s", s.LoadBalancer))
	}
	if s.Firewall != "" {
		parts = append(parts, "the firewall will be "+s.Firewall)
	}
	if s.Record != "" {
		parts = append(parts, "the DNS record will be "+s.Record)
	}
	if s.Certificate != "" {
		parts = append(parts, "the certificate will be "+s.Certificate)
	}
	if s.Project != "" {
		parts = append(parts, "the tier's objects will be assigned to the project")
	}
	if s.ExtraLoadBalancers > 0 {
		parts = append(parts, fmt.Sprintf("%s targeting the tier's tag will be deleted", plural(s.ExtraLoadBalancers, "extra load balancer")))
	}
	if s.AlertsAdopted > 0 {
		parts = append(parts, fmt.Sprintf("%s will be adopted", plural(s.AlertsAdopted, "alert policy")))
	}
	if n := s.AlertsCreate + s.AlertsUpdate + s.AlertsDelete; n > 0 {
		parts = append(parts, fmt.Sprintf("alert policies: %d to create, %d to update, %d to delete", s.AlertsCreate, s.AlertsUpdate, s.AlertsDelete))
	}
	if s.Backups > 0 {
		parts = append(parts, fmt.Sprintf("backups change on %s", plural(s.Backups, "droplet")))
	}
	if s.Retag > 0 {
		parts = append(parts, fmt.Sprintf("%s change", plural(s.Retag, "tag")))
	}
	return strings.Join(parts, "; ")
}

// wave is one step of a rolling replacement.
type wave struct {
	removeFirst []Droplet // out of service before the new droplets exist
	create      int
	removeAfter []Droplet // out of service once the new droplets are ready
}

// ComputePlan returns the steps that turn fleet into spec. It is pure: the
// same inputs always give the same plan, it performs no I/O, and the plan
// shares no memory with its inputs (nor its slices with each other).
func ComputePlan(spec Spec, fleet Fleet) Plan {
	var p planner
	p.spec, p.fleet = spec, fleet
	switch {
	case spec.Autoscale != nil:
		return p.planAutoscaled()
	case len(fleet.livePools()) > 0:
		return p.planLeavingPool()
	}
	return p.plan()
}

type planner struct {
	spec    Spec
	fleet   Fleet
	setup   Phase // concurrent with the first wave's creates
	summary Summary
	// checkpoints are a canary rollout's pauses: percent by wave number.
	checkpoints map[int]int
}

func (p *planner) plan() Plan {
	current, outdated, broken := p.classify()
	n := max(p.spec.Droplet.Instances, 0)
	resize := p.resizable(n, current, outdated, broken) // in place (rollout_resize.go)
	if len(resize) > 0 {
		outdated = nil
	}

	// Broken and half-drained droplets serve nothing: delete them now.
	if len(broken) > 0 {
		p.setup = append(p.setup, Step{Op: OpDeleteDroplets, Droplets: ids(broken), Reason: "off, or drained but not deleted"})
		p.summary.Repair = len(broken)
	}

	// Scale in: current droplets beyond the wanted count, per policy. Each
	// part gets its own array: appending to one must never write the other.
	p.sortForRemoval(current)
	var scaleIn []Droplet
	if len(current) > n {
		scaleIn, current = slices.Clone(current[:len(current)-n]), slices.Clone(current[len(current)-n:])
	}

	waves := p.waves(n, len(current)+len(resize), outdated)
	p.loadBalancerSteps()
	lbPhase := slices.Concat(p.alertSteps(), p.firewallSteps())
	p.dropletSettingSteps(current)
	var adoptFirst, adoptAfterLB Phase
	if p.fleet.Adopt != nil {
		adoptFirst, adoptAfterLB = p.adoptionSteps(outdated)
	}
	after := p.domainPhases()

	var pending []int // current droplets still booting: wait for them too
	for _, d := range current {
		if d.Status == StatusNew {
			pending = append(pending, d.ID)
		}
	}
	if len(waves) == 0 && (len(pending) > 0 || len(scaleIn) > 0) {
		waves = []wave{{}}
	}
	// Removals without replacement (scale-in) go in the first wave's
	// removeFirst: they drain before anything else happens.
	if len(scaleIn) > 0 {
		p.summary.Remove += len(scaleIn)
		waves[0].removeFirst = slices.Concat(scaleIn, waves[0].removeFirst)
	}

	phases := slices.Concat(insertCheckpoints(p.wavePhases(waves, pending, len(outdated) > 0), p.checkpoints), p.resizePhases(n, resize))
	if p.summary.LoadBalancer == "created" && !hasOp(phases, OpWaitLoadBalancer) {
		phases = append(phases, Phase{{Op: OpWaitLoadBalancer}})
	}
	if len(adoptFirst) > 0 {
		phases = slices.Insert(phases, 0, adoptFirst)
	}
	if len(adoptAfterLB) > 0 {
		phases = insertAfterLoadBalancerUpdate(phases, adoptAfterLB)
	}
	phases = append(phases, after...)
	if len(lbPhase) > 0 {
		// Alerts on load balancer metrics need its id: after its creation.
		phases = insertAfterLoadBalancer(phases, lbPhase)
	}
	keep := slices.Concat(current, resize)
	SortDroplets(keep)
	return Plan{Phases: phases, Summary: p.summary, Keep: ids(keep)}
}

// classify splits the fleet into droplets of the spec's template, outdated
// ones, and those that serve nothing (off, or drained but not deleted).
func (p *planner) classify() (current, outdated, broken []Droplet) {
	rev := p.spec.Droplet.Revision()
	for _, d := range p.fleet.Droplets {
		switch {
		case p.fleet.AdoptionPending(p.spec.Name, d) && d.Status != StatusOff && d.Status != StatusArchive:
			if p.adoptsAsCurrent(d) {
				current = append(current, d)
			} else {
				outdated = append(outdated, d)
			}
		case !d.InService(p.spec.Name) || d.Status == StatusOff || d.Status == StatusArchive:
			broken = append(broken, d)
		case d.Revision() == rev:
			current = append(current, d)
		default:
			outdated = append(outdated, d)
		}
	}
	return current, outdated, broken
}

// wavePhases turns waves into phases: the setup steps run with the first
// of them; each wave drains its removeFirst droplets, creates, waits (for
// health in a rollout) and then drains and deletes its removeAfter ones.
func (p *planner) wavePhases(waves []wave, pending []int, rollout bool) []Phase {
	var phases []Phase
	first := p.setup
	for i, w := range waves {
		num := i + 1
		var creates Phase
		if w.create > 0 {
			creates = Phase{{Op: OpCreateDroplets, Wave: num, Count: w.create}}
		}
		if len(w.removeFirst) > 0 {
			phases = append(phases, slices.Concat(first, drain(w.removeFirst)))
			first = nil
			phases = append(phases, Phase{{Op: OpWaitDrained, Droplets: ids(w.removeFirst)}})
			creates = append(creates, Step{Op: OpDeleteDroplets, Droplets: ids(w.removeFirst)})
		}
		creates = slices.Concat(first, creates)
		first = nil
		if len(creates) > 0 {
			phases = append(phases, creates)
		}
		if w.create > 0 || (num == 1 && len(pending) > 0) {
			phases = append(phases, p.waitPhase(num, w.create, pending, rollout))
		}
		if len(w.removeAfter) > 0 {
			phases = append(phases, drain(w.removeAfter))
			phases = append(phases, Phase{{Op: OpWaitDrained, Droplets: ids(w.removeAfter)}})
			phases = append(phases, Phase{{Op: OpDeleteDroplets, Wave: num, Droplets: ids(w.removeAfter)}})
		}
	}
	if len(first) > 0 {
		phases = append(phases, first)
	}
	return phases
}

// waitPhase waits for wave num's new droplets (and, in the first wave, the
// ones still booting and a load balancer being created).
func (p *planner) waitPhase(num, created int, pending []int, rollout bool) Phase {
	wait := Step{Op: OpWaitDroplets, Wave: num, Health: rollout}
	if created == 0 {
		wait.Wave = 0
	}
	if num == 1 {
		wait.Droplets = pending
	}
	phase := Phase{wait}
	if num == 1 && p.summary.LoadBalancer == "created" {
		phase = append(phase, Step{Op: OpWaitLoadBalancer})
	}
	return phase
}

// waves lays the wave engine's rollout (wave.go) onto the outdated
// droplets: those not serving first, then the oldest.
func (p *planner) waves(n, current int, outdated []Droplet) []wave {
	old := slices.Clone(outdated)
	p.sortOutdated(old)
	var out []wave
	created, replacedOld := 0, 0
	surge, unavailable := p.spec.Rollout.Budgets(n)
	engine := Waves(n, current, len(old), surge, unavailable)
	if len(p.spec.Rollout.Checkpoints) > 0 && len(old) > 0 {
		engine, p.checkpoints = checkpointWaves(n, current, len(old), surge, unavailable, p.spec.Rollout.Checkpoints)
		p.summary.Checkpoints = len(p.checkpoints)
	}
	for _, w := range engine {
		var step wave
		step.removeFirst, old = old[:w.RemoveFirst:w.RemoveFirst], old[w.RemoveFirst:]
		step.create = w.Add
		step.removeAfter, old = old[:w.RemoveAfter:w.RemoveAfter], old[w.RemoveAfter:]
		created += w.Add
		replacedOld += w.RemoveFirst + w.RemoveAfter
		p.summary.WaveSize = max(p.summary.WaveSize, w.Add)
		out = append(out, step)
	}
	if len(outdated) > 0 {
		p.summary.Replace = min(created, replacedOld)
		p.summary.Remove += replacedOld - p.summary.Replace
		p.summary.Create = created - p.summary.Replace
		p.summary.Waves = len(out)
	} else {
		p.summary.Create = created
	}
	return out
}

// sortForRemoval orders droplets so the ones to remove first come first:
// those not serving, then per scale-in policy (newest first by default).
func (p *planner) sortForRemoval(ds []Droplet) {
	oldestFirst := p.spec.Rollout.ScaleInPolicy == ScaleInOldestFirst
	sort.SliceStable(ds, func(i, j int) bool {
		ai, aj := ds[i].Status == StatusActive, ds[j].Status == StatusActive
		if ai != aj {
			return !ai
		}
		if ds[i].CreatedAt.Equal(ds[j].CreatedAt) {
			if oldestFirst {
				return ds[i].ID < ds[j].ID
			}
			return ds[i].ID > ds[j].ID
		}
		if oldestFirst {
			return ds[i].CreatedAt.Before(ds[j].CreatedAt)
		}
		return ds[i].CreatedAt.After(ds[j].CreatedAt)
	})
}

// sortOutdated orders outdated droplets for replacement: those not serving
// first, then oldest first (they have run the old template longest).
func (p *planner) sortOutdated(ds []Droplet) {
	sort.SliceStable(ds, func(i, j int) bool {
		ai, aj := ds[i].Status == StatusActive, ds[j].Status == StatusActive
		if ai != aj {
			return !ai
		}
		if ds[i].CreatedAt.Equal(ds[j].CreatedAt) {
			return ds[i].ID < ds[j].ID
		}
		return ds[i].CreatedAt.Before(ds[j].CreatedAt)
	})
}

func (p *planner) loadBalancerSteps() {
	for _, extra := range p.fleet.ExtraLoadBalancers {
		p.setup = append(p.setup, Step{Op: OpDeleteLoadBalancer, LB: extra.ID, Reason: "targets the tier's tag but is not the tier's load balancer"})
		p.summary.ExtraLoadBalancers++
	}
	lb := p.fleet.LoadBalancer
	switch {
	case lb == nil:
		p.setup = append(p.setup, Step{Op: OpCreateLoadBalancer})
		p.summary.LoadBalancer = "created"
	case !LoadBalancerMatches(*lb, p.spec, p.fleet.certificateIssued(p.spec)):
		p.setup = append(p.setup, Step{Op: OpUpdateLoadBalancer, Reason: "settings differ"})
		p.summary.LoadBalancer = "updated"
	}
}

// alertSteps adds alert changes to setup and returns those that must wait
// for a load balancer being created.
func (p *planner) alertSteps() Phase {
	byIndex, extra := TierAlerts(p.spec.Name, p.fleet.Alerts)
	lbID := ""
	if p.fleet.LoadBalancer != nil {
		lbID = p.fleet.LoadBalancer.ID
	}
	var afterLB Phase
	used := map[string]bool{} // adopted policies taken
	for i, a := range p.spec.Alerts {
		m, _ := LookupAlertMetric(a.Metric)
		needsLB := m.LoadBalancer && lbID == ""
		have, ok := byIndex[i]
		var step Step
		if !ok {
			if pol, found := p.adoptedAlert(a, used); found {
				have, ok = pol, true
				p.summary.AlertsAdopted++
			}
		}
		switch {
		case !ok:
			step = Step{Op: OpCreateAlert, Alert: i, Reason: describeAlert(a)}
			p.summary.AlertsCreate++
		case needsLB || !alertMatches(have, alertRequest(p.spec, i, lbID)):
			step = Step{Op: OpUpdateAlert, Alert: i, AlertID: have.UUID, Reason: describeAlert(a)}
			p.summary.AlertsUpdate++
		default:
			continue
		}
		if needsLB {
			afterLB = append(afterLB, step)
		} else {
			p.setup = append(p.setup, step)
		}
	}
	var stale []AlertPolicy
	for i, pol := range byIndex {
		if i >= len(p.spec.Alerts) {
			stale = append(stale, pol)
		}
	}
	stale = append(stale, extra...)
	for _, pol := range p.fleet.AdoptedAlerts {
		if !used[pol.UUID] {
			stale = append(stale, pol)
		}
	}
	sort.Slice(stale, func(i, j int) bool { return stale[i].UUID < stale[j].UUID })
	for _, pol := range stale {
		p.setup = append(p.setup, Step{Op: OpDeleteAlert, AlertID: pol.UUID})
		p.summary.AlertsDelete++
	}
	return afterLB
}

// dropletSettingSteps brings tags and backups of droplets that stay in line.
func (p *planner) dropletSettingSteps(staying []Droplet) {
	if len(staying) == 0 {
		return
	}
	want := map[string]bool{}
	for _, t := range p.spec.DropletTags() {
		want[t] = true
	}
	missing := map[string][]int{}
	extra := map[string][]int{}
	var wrongBackups []int
	for _, d := range staying {
		for t := range want {
			if !slices.Contains(d.Tags, t) {
				missing[t] = append(missing[t], d.ID)
			}
		}
		for _, t := range d.Tags {
			if !want[t] {
				extra[t] = append(extra[t], d.ID)
			}
		}
		if !backupsMatch(d, p.spec.Droplet.Backups) {
			wrongBackups = append(wrongBackups, d.ID)
		}
	}
	for _, t := range sortedKeys(missing) {
		p.setup = append(p.setup, Step{Op: OpTagDroplets, Tag: t, Droplets: sortedInts(missing[t])})
		p.summary.Retag++
	}
	for _, t := range sortedKeys(extra) {
		p.setup = append(p.setup, Step{Op: OpUntagDroplets, Tag: t, Droplets: sortedInts(extra[t])})
		p.summary.Retag++
	}
	if len(wrongBackups) > 0 {
		p.setup = append(p.setup, Step{Op: OpSetBackups, Droplets: sortedInts(wrongBackups), Backups: cloneBackups(p.spec.Droplet.Backups)})
		p.summary.Backups = len(wrongBackups)
	}
}

// backupsMatch reports whether a droplet's backups are as specified. A
// policy that was not observed is taken as matching.
func backupsMatch(d Droplet, want *BackupSpec) bool {
	if want == nil {
		return !d.Backups
	}
	if !d.Backups {
		return false
	}
	if d.BackupPolicy == nil {
		return true
	}
	return *d.BackupPolicy == *want
}

func hasOp(phases []Phase, op Op) bool {
	for _, ph := range phases {
		for _, s := range ph {
			if s.Op == op {
				return true
			}
		}
	}
	return false
}

func drain(ds []Droplet) Phase {
	return Phase{{Op: OpDrainDroplets, Droplets: ids(ds)}}
}

// insertAfterLoadBalancer puts steps in the phase after the one creating the
// load balancer (the load balancer id is known once its create returns).
func insertAfterLoadBalancer(phases []Phase, steps Phase) []Phase {
	for i, ph := range phases {
		for _, s := range ph {
			if s.Op == OpCreateLoadBalancer {
				if i+1 < len(phases) {
					phases[i+1] = slices.Concat(phases[i+1], steps)
					return phases
				}
				return append(phases, steps)
			}
		}
	}
	return append(phases, steps)
}

// cloneBackups copies a backup policy, so a plan never points into its spec.
func cloneBackups(b *BackupSpec) *BackupSpec {
	if b == nil {
		return nil
	}
	c := *b
	return &c
}

func ids(ds []Droplet) []int {
	out := make([]int, len(ds))
	for i, d := range ds {
		out[i] = d.ID
	}
	return out
}

func sortedKeys(m map[string][]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func sortedInts(s []int) []int {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}
