package sandbox

import (
	"github.com/scalable-tf/terraform-provider-scalable/internal/doapi"

	"fmt"
	"math"
	"sort"
	"time"
)

// The autoscale pools' scaler: due times applied by settle, in time order
// per pool, so the world stays a function of the clock.

// maxEvaluationCatchUp bounds the evaluations replayed after a long gap
// (a restart from an old state file): older ones are skipped.
const maxEvaluationCatchUp = 1000

// settleAutoscalePools runs every pool's transitions and evaluations due by
// now. It runs before the droplets settle, so members it creates or shuts
// down in the past are booted or off by the time the request looks.
func (s *Server) settleAutoscalePools(now time.Time) {
	for _, p := range s.world.poolsSorted() {
		s.settlePool(p, now)
	}
}

func (s *Server) settlePool(p *AutoscalePool, now time.Time) {
	w := s.world
	p.pruneLost(w)
	interval := max(scale(s.delays.AutoscaleEvaluation, s.factor), time.Millisecond)
	if behind := now.Sub(p.NextEvaluationAt); behind > maxEvaluationCatchUp*interval {
		p.NextEvaluationAt = p.NextEvaluationAt.Add((behind/interval - maxEvaluationCatchUp) * interval)
	}
	for {
		t, ok := p.nextDue()
		if !ok || t.After(now) {
			return
		}
		if p.Status == PoolProvisioning && !p.ActiveAt.After(t) {
			p.Status = PoolActive
		}
		if p.Status == PoolDeleting && !p.DeleteAt.After(t) {
			s.removePool(p, t)
			return
		}
		for _, m := range p.Members {
			if m.retiring() && !m.RetireAt.After(t) {
				s.drainMember(m, t)
			}
		}
		for _, m := range p.Members {
			if m.draining() && !m.DestroyAt.After(t) {
				if d := w.Droplets[m.DropletID]; d != nil {
					w.destroyDroplet(d, t)
				}
			}
		}
		p.pruneLost(w)
		if p.Status != PoolDeleting && !p.NextEvaluationAt.After(t) {
			s.evaluatePool(p, t)
			p.NextEvaluationAt = p.NextEvaluationAt.Add(interval)
		}
	}
}

// nextDue is the earliest pending transition of the pool.
func (p *AutoscalePool) nextDue() (time.Time, bool) {
	var next time.Time
	consider := func(t time.Time) {
		if !t.IsZero() && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	switch p.Status {
	case PoolProvisioning:
		consider(p.ActiveAt)
	case PoolDeleting:
		consider(p.DeleteAt)
	}
	if p.Status != PoolDeleting {
		consider(p.NextEvaluationAt)
	}
	for _, m := range p.Members {
		switch {
		case m.draining():
			consider(m.DestroyAt)
		case m.retiring():
			consider(m.RetireAt)
		}
	}
	return next, !next.IsZero()
}

// removePool ends a deleted pool; the dangerous delete takes its members.
func (s *Server) removePool(p *AutoscalePool, t time.Time) {
	w := s.world
	if p.DeleteMembers {
		for _, m := range p.Members {
			if d := w.Droplets[m.DropletID]; d != nil {
				w.destroyDroplet(d, t)
			}
		}
	}
	delete(w.AutoscalePools, p.ID)
}

// pruneLost forgets members whose droplet is gone (destroyed by the pool,
// or by someone else: the next evaluation replaces those).
func (p *AutoscalePool) pruneLost(w *World) {
	kept := p.Members[:0]
	for _, m := range p.Members {
		if w.Droplets[m.DropletID] != nil {
			kept = append(kept, m)
		}
	}
	clear(p.Members[len(kept):])
	p.Members = kept
}

// current is the members that count towards the pool's size: neither
// retired by a template change nor being removed.
func (p *AutoscalePool) current() []*AutoscaleMember {
	var out []*AutoscaleMember
	for _, m := range p.Members {
		if !m.draining() && !m.retiring() {
			out = append(out, m)
		}
	}
	return out
}

// evaluatePool replaces lost members, then, for a dynamic pool out of its
// cooldown, sizes the pool to its utilization targets.
func (s *Server) evaluatePool(p *AutoscalePool, t time.Time) {
	current := p.current()
	if missing := p.Desired - len(current); missing > 0 {
		if _, apiErr := s.addMembers(p, missing, t); apiErr != nil {
			p.recordFailure(t, len(current), apiErr)
		}
		current = p.current()
	}
	cooldown := scale(time.Duration(p.Config.cooldownMinutes())*time.Minute, s.factor)
	if p.Config.fixedSize() || t.Before(p.LastScaleAt.Add(cooldown)) {
		return
	}
	want, ok := s.world.utilizationTarget(p, len(current), t)
	if !ok || want == p.Desired {
		return
	}
	reason := ReasonScaleUp
	if want < p.Desired {
		reason = ReasonScaleDown
	}
	s.resizePool(p, want, reason, t)
}

// utilizationTarget is DigitalOcean's pool size for the members' average
// utilization: ceil(count x current / target) per target set, the largest
// of them, within [min_instances, max_instances].
func (w *World) utilizationTarget(p *AutoscalePool, count int, t time.Time) (int, bool) {
	avg, ok := w.averageUtilization(p.Members, t)
	if !ok {
		return 0, false
	}
	want, any := 0, false
	for _, m := range []struct{ current, target float64 }{
		{avg.CPU, p.Config.TargetCPUUtilization},
		{avg.Memory, p.Config.TargetMemoryUtilization},
	} {
		if m.target > 0 {
			// The epsilon keeps float noise (0.6/0.3 = 2.0000000000000004)
			// from adding a droplet.
			want, any = max(want, int(math.Ceil(float64(count)*m.current/m.target-1e-9))), true
		}
	}
	if !any {
		return 0, false
	}
	return min(max(want, p.Config.MinInstances), p.Config.MaxInstances), true
}

// reports tells whether a member reports utilization: its droplet runs,
// has the agent, and is not being removed.
func reports(m *AutoscaleMember, d *Droplet, t time.Time) bool {
	running := d.Status == "active" || d.Status == "new" && !d.ActiveAt.After(t)
	return running && !d.Killed && d.DropletAgent && !m.draining()
}

// averageUtilization averages what the reporting members report.
func (w *World) averageUtilization(members []*AutoscaleMember, t time.Time) (Utilization, bool) {
	var sum Utilization
	n := 0
	for _, m := range members {
		d := w.Droplets[m.DropletID]
		if d == nil || !reports(m, d, t) {
			continue
		}
		u := d.utilization()
		sum.CPU += u.CPU
		sum.Memory += u.Memory
		n++
	}
	if n == 0 {
		return Utilization{}, false
	}
	return Utilization{CPU: sum.CPU / float64(n), Memory: sum.Memory / float64(n)}, true
}

// resizePool takes the pool to want members now, recording the change.
func (s *Server) resizePool(p *AutoscalePool, want int, reason string, t time.Time) {
	current := p.current()
	ev := p.record(t, reason, len(current), want)
	p.Desired, p.LastScaleAt = want, t
	switch {
	case want > len(current):
		done, apiErr := s.addMembers(p, want-len(current), t)
		ev.DoneAt = done
		if apiErr != nil {
			ev.ErrorReason = apiErr.Message
		}
	case want < len(current):
		ev.DoneAt = s.drainNewest(p, len(current)-want, t)
	}
}

// rollOutPool replaces every member after a template change: want new
// members now, the old ones retired once the cooldown has passed.
func (s *Server) rollOutPool(p *AutoscalePool, want int, t time.Time) {
	old := p.current()
	ev := p.record(t, ReasonConfigurationChange, len(old), want)
	p.Desired, p.LastScaleAt = want, t
	done, apiErr := s.addMembers(p, want, t)
	if apiErr != nil {
		ev.DoneAt, ev.ErrorReason = t, apiErr.Message
		return // the old members stay in service
	}
	retireAt := t.Add(scale(time.Duration(p.Config.cooldownMinutes())*time.Minute, s.factor))
	for _, m := range old {
		m.RetireAt = retireAt
	}
	ev.DoneAt = done
	if len(old) > 0 {
		ev.DoneAt = later(done, retireAt.Add(scale(doapi.AutoscaleShutdownGrace, s.factor)))
	}
}

// addMembers creates n members from the template through the droplet
// create path, as many as the droplet limit allows. It returns when the
// last of them will have booted.
func (s *Server) addMembers(p *AutoscalePool, n int, t time.Time) (time.Time, *APIError) {
	w := s.world
	req := p.Template.dropletRequest()
	spec, apiErr := w.validateDropletCreate(req)
	if apiErr != nil {
		return t, apiErr
	}
	var limitErr *APIError
	if fits := w.Account.DropletLimit - len(w.Droplets); n > fits {
		n, limitErr = max(fits, 0), errUnprocessable("%s", msgDropletLimit)
	}
	if n == 0 {
		return t, limitErr
	}
	batch := newUUID()
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("%s-%s-%03d", p.Name, batch, i)
	}
	created, _, apiErr := s.provisionDroplets(t, req, spec, names)
	if apiErr != nil {
		return t, apiErr
	}
	done := t
	for _, d := range created {
		p.Members = append(p.Members, &AutoscaleMember{DropletID: d.ID, CreatedAt: t})
		done = later(done, d.ActiveAt)
		// Members land in the template's project (the default project when
		// it names none, or names one deleted since).
		if pid := p.Template.ProjectID; pid != "" && w.Projects[pid] != nil {
			w.assignProject(dropletURN(d.ID), pid, t)
		}
	}
	return done, limitErr
}

// drainNewest removes the n most recently created current members, as
// DigitalOcean scales down. It returns when the last will be destroyed.
func (s *Server) drainNewest(p *AutoscalePool, n int, t time.Time) time.Time {
	current := p.current()
	sort.Slice(current, func(i, j int) bool {
		if !current[i].CreatedAt.Equal(current[j].CreatedAt) {
			return current[i].CreatedAt.After(current[j].CreatedAt)
		}
		return current[i].DropletID > current[j].DropletID
	})
	done := t
	for _, m := range current[:min(n, len(current))] {
		done = later(done, s.drainMember(m, t))
	}
	return done
}

// drainMember shuts a member down and schedules its destruction after the
// grace period DigitalOcean gives for a graceful shutdown.
func (s *Server) drainMember(m *AutoscaleMember, t time.Time) time.Time {
	w := s.world
	m.DrainAt = t
	m.DestroyAt = t.Add(scale(doapi.AutoscaleShutdownGrace, s.factor))
	if d := w.Droplets[m.DropletID]; d != nil && d.Status == "active" && d.PendingActionID == 0 {
		w.startDropletActionAt(d, "shutdown", t, t.Add(scale(s.delays.DropletAction, s.factor)))
	}
	return m.DestroyAt
}

// record appends a history event, in progress until its DoneAt.
func (p *AutoscalePool) record(t time.Time, reason string, current, desired int) *AutoscaleEvent {
	ev := &AutoscaleEvent{ID: newUUID(), CurrentInstanceCount: current, DesiredInstanceCount: desired,
		Reason: reason, CreatedAt: t, DoneAt: t}
	p.History = append(p.History, ev)
	return ev
}

// recordFailure notes a replacement that could not be made, once per
// distinct failure rather than at every evaluation.
func (p *AutoscalePool) recordFailure(t time.Time, current int, apiErr *APIError) {
	if n := len(p.History); n > 0 {
		if last := p.History[n-1]; last.ErrorReason == apiErr.Message && last.CurrentInstanceCount == current {
			return
		}
	}
	ev := p.record(t, ReasonScaleUp, current, p.Desired)
	ev.ErrorReason = apiErr.Message
}

// poolsSorted returns every pool, oldest first.
func (w *World) poolsSorted() []*AutoscalePool {
	out := make([]*AutoscalePool, 0, len(w.AutoscalePools))
	for _, p := range w.AutoscalePools {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].CreatedAt.Equal(out[j].CreatedAt) {
			return out[i].CreatedAt.Before(out[j].CreatedAt)
		}
		return out[i].ID < out[j].ID
	})
	return out
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
