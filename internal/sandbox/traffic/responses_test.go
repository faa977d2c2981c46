package traffic

import "testing"

func TestResponseSeriesKeepsTheLastBusySeconds(t *testing.T) {
	var s responseSeries
	for sec := int64(1); sec <= 3*maxResponseSeconds; sec++ {
		s.add(sec, classOf(200))
		s.add(sec, classOf(503))
		if len(s.secs) > 2*maxResponseSeconds {
			t.Fatalf("%d seconds held after %d busy ones", len(s.secs), sec)
		}
	}
	all := s.window(0, 3*maxResponseSeconds)
	if len(all) != maxResponseSeconds || all[0].End != 2*maxResponseSeconds+1 {
		t.Fatalf("window holds %d seconds from %d, want the last %d", len(all), all[0].End, maxResponseSeconds)
	}
	if got := s.window(2*maxResponseSeconds+10, 2*maxResponseSeconds+12); len(got) != 2 || got[0].Counts != (ResponseCounts{1, 0, 0, 1}) {
		t.Fatalf("window (x+10, x+12]: %v, want 2 seconds of one 2xx and one 5xx", got)
	}
}

func TestClassOf(t *testing.T) {
	for status, want := range map[int]int{101: -1, 200: 0, 301: 1, 404: 2, 503: 3, 600: -1} {
		if got := classOf(status); got != want {
			t.Errorf("classOf(%d) = %d, want %d", status, got, want)
		}
	}
}
