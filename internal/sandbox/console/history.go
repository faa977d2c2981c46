package console

import (
	"encoding/json"
	"slices"
	"strings"
	"time"
)

// The tier's tags (internal/tier: Tag, DrainTag, the revision tag): the
// console groups droplets by them, as the tier finds its own.
const (
	tierTagPrefix     = "scalable-tier:"
	drainTagPrefix    = "scalable-drain:"
	revisionTagPrefix = "scalable-rev:"
)

// sentWindow is what "requests in the last minute" counts over (wall time:
// the traffic is real).
const sentWindow = time.Minute

// palette colours a tier's revisions in the order they first appear.
var palette = []string{"#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7"}

// Snapshot is what the page shows, as the snapshot endpoint and the update
// stream send it.
type Snapshot struct {
	At            time.Time      `json:"at"`
	TimeScale     float64        `json:"time_scale"`
	Traffic       bool           `json:"traffic"`
	WindowSeconds float64        `json:"window_seconds"` // what the charts span
	Tiers         []Tier         `json:"tiers"`
	LoadBalancers []LoadBalancer `json:"load_balancers"`
	Pools         []Pool         `json:"pools"`
	Faults        []Fault        `json:"faults"`
	Requests      []Request      `json:"requests"` // newest first
	Steps         []Step         `json:"steps"`    // oldest first
	Truncated     int            `json:"truncated"`
}

// Tier is the droplets carrying one scalable-tier:<name> tag ("" for
// droplets of no tier) and its rollout so far.
type Tier struct {
	Name      string          `json:"name"`
	Droplets  []TierDroplet   `json:"droplets"`
	Revisions []RevisionCount `json:"revisions"` // oldest colour first
	Chart     string          `json:"chart"`     // inline SVG
}

// TierDroplet is a droplet as the tier's table shows it.
type TierDroplet struct {
	ID          int    `json:"id"`
	Name        string `json:"name"`
	Status      string `json:"status"`
	Image       string `json:"image"`
	Size        string `json:"size"`
	Region      string `json:"region"`
	Revision    string `json:"revision"`
	Draining    bool   `json:"draining"`
	Address     string `json:"address"`
	Private     string `json:"private_address"`
	Killed      bool   `json:"killed,omitempty"`
	FailsHealth bool   `json:"fails_health,omitempty"`
}

// RevisionCount is one revision in a tier's chart: its droplets now and
// the most it had within the window.
type RevisionCount struct {
	Revision string `json:"revision"`
	Now      int    `json:"now"`
	Peak     int    `json:"peak"`
	Color    string `json:"color"`
}

// rolloutSample is, at one moment, each tier's droplets by revision.
type rolloutSample struct {
	at    time.Time
	tiers map[string]map[string]int
}

// sentSample is each load balancer's cumulative requests per droplet.
type sentSample struct {
	at   time.Time
	sent map[string]map[int]int
}

// history is the bounded past the console keeps: the rollout samples
// (at most size) and the last minute of traffic counts.
type history struct {
	size    int
	samples []rolloutSample
	sent    []sentSample
	colors  map[string][]string // tier -> revisions in colour order
}

func newHistory(size int) *history {
	return &history{size: size, colors: map[string][]string{}}
}

// record adds a sample of v taken at now and returns the snapshot to show.
func (h *history) record(now time.Time, v View, requests []Request, steps []Step) Snapshot {
	groups := map[string][]TierDroplet{}
	counts := map[string]map[string]int{}
	for _, d := range v.Droplets {
		td := tierDroplet(d)
		name := tierOf(d.Tags)
		groups[name] = append(groups[name], td)
		if counts[name] == nil {
			counts[name] = map[string]int{}
		}
		counts[name][td.Revision]++
	}
	h.push(rolloutSample{at: now, tiers: counts})
	h.pushSent(now, v.Sent)

	snap := Snapshot{
		At: now, TimeScale: v.TimeScale, Traffic: v.Traffic, Truncated: v.Truncated,
		LoadBalancers: h.withTraffic(v, now), Pools: nonNil(v.Pools), Faults: nonNil(v.Faults),
		Requests: nonNil(requests), Steps: nonNil(steps), Tiers: []Tier{},
	}
	if len(h.samples) > 1 {
		snap.WindowSeconds = now.Sub(h.samples[0].at).Seconds()
	}
	for _, name := range h.tierNames() {
		snap.Tiers = append(snap.Tiers, h.tier(name, nonNil(groups[name]), steps))
	}
	return snap
}

func (h *history) push(s rolloutSample) {
	if len(h.samples) == h.size {
		copy(h.samples, h.samples[1:])
		h.samples = h.samples[:h.size-1]
	}
	h.samples = append(h.samples, s)
}

// pushSent keeps the samples of the last minute: the oldest is the
// baseline the counts are taken from.
func (h *history) pushSent(now time.Time, sent map[string]map[int]int) {
	if sent == nil {
		h.sent = nil
		return
	}
	h.sent = append(h.sent, sentSample{at: now, sent: sent})
	cut := max(len(h.sent)-h.size, 0)
	for cut < len(h.sent)-1 && h.sent[cut].at.Before(now.Add(-sentWindow)) {
		cut++
	}
	if cut > 0 {
		h.sent = slices.Clone(h.sent[cut:])
	}
}

// withTraffic fills each target's name and requests in the last minute.
func (h *history) withTraffic(v View, now time.Time) []LoadBalancer {
	names := make(map[int]string, len(v.Droplets))
	for _, d := range v.Droplets {
		names[d.ID] = d.Name
	}
	out := make([]LoadBalancer, 0, len(v.LoadBalancers))
	for _, lb := range v.LoadBalancers {
		lb.Targets = slices.Clone(lb.Targets)
		for i := range lb.Targets {
			t := &lb.Targets[i]
			t.Name = names[t.DropletID]
			if n, ok := h.sentLastMinute(lb.ID, t.DropletID); ok {
				t.RequestsLastMinute = &n
			}
		}
		lb.Targets = nonNil(lb.Targets)
		lb.Rules = nonNil(lb.Rules)
		out = append(out, lb)
	}
	return out
}

// sentLastMinute is how many requests lb sent the droplet since the
// baseline sample (the oldest within the minute).
func (h *history) sentLastMinute(lb string, droplet int) (int, bool) {
	if len(h.sent) == 0 {
		return 0, false
	}
	cur := h.sent[len(h.sent)-1].sent[lb][droplet]
	base := h.sent[0].sent[lb][droplet]
	if base > cur { // the load balancer's listeners were reopened: counting restarted
		return cur, true
	}
	return cur - base, true
}

// tierNames are the tiers with droplets in the window, named ones first
// in order, "" (no tier) last.
func (h *history) tierNames() []string {
	seen := map[string]bool{}
	for _, s := range h.samples {
		for name := range s.tiers {
			seen[name] = true
		}
	}
	names := make([]string, 0, len(seen))
	for name := range seen {
		names = append(names, name)
	}
	slices.SortFunc(names, func(a, b string) int {
		if (a == "") != (b == "") {
			if a == "" {
				return 1
			}
			return -1
		}
		return strings.Compare(a, b)
	})
	for name := range h.colors {
		if !seen[name] {
			delete(h.colors, name)
		}
	}
	return names
}

// tier renders one tier: its droplets, its revisions' counts and chart.
func (h *history) tier(name string, droplets []TierDroplet, steps []Step) Tier {
	revs := h.revisions(name)
	series := make([][]int, len(revs))
	counts := make([]RevisionCount, len(revs))
	for r, rev := range revs {
		series[r] = make([]int, len(h.samples))
		counts[r] = RevisionCount{Revision: rev, Color: palette[r%len(palette)]}
		for i, s := range h.samples {
			n := s.tiers[name][rev]
			series[r][i] = n
			counts[r].Peak = max(counts[r].Peak, n)
		}
		counts[r].Now = series[r][len(h.samples)-1]
	}
	times := make([]time.Time, len(h.samples))
	for i, s := range h.samples {
		times[i] = s.at
	}
	return Tier{Name: name, Droplets: droplets, Revisions: counts, Chart: renderChart(times, revs, series, steps)}
}

// revisions are the tier's revisions within the window in colour order:
// a revision keeps its colour while it is in the window.
func (h *history) revisions(tier string) []string {
	inWindow := map[string]bool{}
	for _, s := range h.samples {
		for rev, n := range s.tiers[tier] {
			if n > 0 && !inWindow[rev] {
				inWindow[rev] = true
				if !slices.Contains(h.colors[tier], rev) {
					h.colors[tier] = append(h.colors[tier], rev)
				}
			}
		}
	}
	h.colors[tier] = slices.DeleteFunc(h.colors[tier], func(rev string) bool { return !inWindow[rev] })
	return slices.Clone(h.colors[tier])
}

func tierDroplet(d Droplet) TierDroplet {
	td := TierDroplet{ID: d.ID, Name: d.Name, Status: d.Status, Image: d.Image, Size: d.Size, Region: d.Region,
		Address: d.PublicIPv4, Private: d.PrivateIPv4, Killed: d.Killed, FailsHealth: d.FailsHealth}
	for _, t := range d.Tags {
		if rev, ok := strings.CutPrefix(t, revisionTagPrefix); ok && td.Revision == "" {
			td.Revision = rev
		}
		if strings.HasPrefix(t, drainTagPrefix) {
			td.Draining = true
		}
	}
	return td
}

// tierOf is the tier a droplet's tags put it in, "" for none. A draining
// droplet has lost the tier's tag (the load balancer no longer targets it)
// but is still the tier's until deleted: its drain tag names the tier.
func tierOf(tags []string) string {
	drained := ""
	for _, t := range tags {
		if name, ok := strings.CutPrefix(t, tierTagPrefix); ok {
			return name
		}
		if name, ok := strings.CutPrefix(t, drainTagPrefix); ok && drained == "" {
			drained = name
		}
	}
	return drained
}

// nonNil makes an empty list encode as [] for the page.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func encodeSnapshot(s Snapshot) ([]byte, error) { return json.Marshal(s) }
