package tier

import (
	"testing"
	"time"
)

func TestPollScheduleIsShapedByTheExpectedTime(t *testing.T) {
	e := &Executor{Poll: 5 * time.Second, TimeScale: 1}
	s := e.schedule(90 * time.Second)
	start := s.first.Add(-72 * time.Second)
	var polls []time.Duration
	for at := start; at.Sub(start) < 90*time.Second; {
		at = s.next(at)
		polls = append(polls, at.Sub(start))
	}
	if first := polls[0]; first < 72*time.Second || first > 75*time.Second {
		t.Errorf("first poll at %v, want near 0.8 x 90 s", first)
	}
	if len(polls) > 8 {
		t.Errorf("%d polls before a load balancer's 90 s, want at most 8: %v", len(polls), polls)
	}
	if gap := polls[len(polls)-1] - polls[len(polls)-2]; gap > 3*time.Second {
		t.Errorf("polls %v apart near the ready time, want at most 3 s", gap)
	}
	late := s.next(s.tightUntil.Add(time.Second))
	if gap := s.next(late).Sub(late); gap != 5*time.Second {
		t.Errorf("a late object is polled %v apart, want the 5 s interval", gap)
	}
}

func TestPollSchedulesOfManyWaitsShareTicks(t *testing.T) {
	e := &Executor{Poll: time.Second, TimeScale: 0.2}
	a := e.schedule(45 * time.Second)
	b := e.schedule(45 * time.Second)
	b.first = b.first.Add(123 * time.Millisecond)
	start := a.first.Add(-time.Minute)
	at, bt := a.next(start), b.next(start) // the first polls of waits begun 123 ms apart
	if at.Sub(bt)%a.tight != 0 {
		t.Errorf("two waits poll at %v and %v: not on one grid of %v", at, bt, a.tight)
	}
	later := at
	if bt.After(at) {
		later = bt
	}
	if !a.next(later).Equal(b.next(later)) {
		t.Errorf("after their first polls two waits poll at %v and %v, not together", a.next(later), b.next(later))
	}
	if at.UnixNano()%int64(a.tight) != 0 {
		t.Errorf("poll at %v is off the grid of %v", at, a.tight)
	}
}

func TestPollScheduleWithoutExpectationPollsEveryInterval(t *testing.T) {
	e := &Executor{Poll: 40 * time.Millisecond}
	s := e.schedule(0)
	now := time.Now()
	if got := s.next(now).Sub(now); got != 40*time.Millisecond {
		t.Errorf("next poll in %v, want the 40 ms interval", got)
	}
}

func TestPollScheduleWithoutExpectedTimeStaysOnTheGrid(t *testing.T) {
	e := &Executor{Poll: time.Second, Expect: DigitalOceanProvisioning}
	s := e.schedule(0)
	now := time.Now()
	next := s.next(now)
	if next.UnixNano()%int64(time.Second) != 0 {
		t.Errorf("next poll at %v, off the grid of the 1 s interval", next)
	}
	if gap := next.Sub(now); gap < 500*time.Millisecond || gap > 1500*time.Millisecond {
		t.Errorf("next poll in %v, want within half to one and a half intervals", gap)
	}
}
