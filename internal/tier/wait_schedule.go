package tier

import (
	"context"
	"time"
)

// Provisioning is how long DigitalOcean typically takes to make a droplet
// active and a load balancer active, before the time scale.
type Provisioning struct {
	Droplet      time.Duration
	LoadBalancer time.Duration
}

// DigitalOceanProvisioning is the middle of what DigitalOcean takes:
// droplets boot in 30-60 s, load balancers provision in 60-120 s.
var DigitalOceanProvisioning = Provisioning{Droplet: 45 * time.Second, LoadBalancer: 90 * time.Second}

// pollSchedule spaces the polls of one wait by the expected provisioning
// time t (scaled): nothing is asked before 0.8 t, when the first poll
// goes; from then until 1.5 t the polls come every t/30 (3 s for a load
// balancer on DigitalOcean), tighter than the poll interval, to see the
// object ready soon after it is; past 1.5 t the object is late and the
// polls relax to the executor's interval. A load balancer's wait asks 7
// times in 90 s where polling every 5 s asked 18.
//
// Every poll falls on a tick of a grid shared by the whole process (its
// step counted from the Unix epoch), so the waits of many tiers poll at
// the same instants and doclient answers them all from one list.
//
// Without an expected time it polls every interval: on the grid when the
// Executor has an Expect (the provider's), else simply interval after
// interval, as before.
type pollSchedule struct {
	shaped, aligned   bool
	first, tightUntil time.Time
	tight, relaxed    time.Duration
}

func (e *Executor) schedule(typical time.Duration) pollSchedule {
	s := pollSchedule{relaxed: e.poll(), aligned: e.Expect != Provisioning{}}
	if typical <= 0 {
		return s
	}
	scale := e.TimeScale
	if scale <= 0 {
		scale = 1
	}
	t := time.Duration(float64(typical) * scale)
	now := time.Now()
	s.shaped = true
	s.tight = max(t/30, time.Millisecond)
	s.first = now.Add(t * 8 / 10)
	s.tightUntil = now.Add(t * 3 / 2)
	return s
}

// next is when the poll after one at now goes.
func (s pollSchedule) next(now time.Time) time.Time {
	switch {
	case !s.shaped && s.aligned:
		return onGrid(now.Add(s.relaxed/2), s.relaxed) // at least half an interval after the last poll
	case !s.shaped:
		return now.Add(s.relaxed)
	case now.Before(s.first):
		return onGrid(s.first, s.tight)
	case now.Before(s.tightUntil):
		return onGrid(now.Add(time.Nanosecond), s.tight)
	default:
		return onGrid(now.Add(time.Nanosecond), s.relaxed)
	}
}

// wait sleeps until the next poll.
func (s pollSchedule) wait(ctx context.Context) error {
	return Sleep(ctx, time.Until(s.next(time.Now())))
}

// onGrid is the first tick of step at or after t.
func onGrid(t time.Time, step time.Duration) time.Time {
	n, st := t.UnixNano(), int64(step)
	if r := n % st; r != 0 {
		return time.Unix(0, n-r+st)
	}
	return t
}
