package console

import (
	"fmt"
	"html"
	"strings"
	"time"
)

// The rollout chart's size (SVG user units; the page scales it).
const (
	chartW, chartH         = 600.0, 120.0
	padL, padR, padT, padB = 30.0, 8.0, 8.0, 16.0
)

// renderChart draws a tier's droplets by revision over time as stacked
// step areas, oldest revision at the bottom: a wave shows as a step where
// the new revision's band grows and the old one's shrinks. Steps of a demo
// in the window are dashed vertical lines. Points are emitted only where a
// count changes, so the size follows the changes, not the samples.
func renderChart(times []time.Time, revs []string, series [][]int, steps []Step) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 %g %g" role="img" aria-label="droplets by revision over time">`, chartW, chartH)
	n := len(times)
	peak := 1
	for i := range n {
		total := 0
		for r := range series {
			total += series[r][i]
		}
		peak = max(peak, total)
	}
	pw, ph := chartW-padL-padR, chartH-padT-padB
	var t0, t1 time.Time
	if n > 0 {
		t0, t1 = times[0], times[n-1]
	}
	x := func(t time.Time) float64 {
		if !t1.After(t0) {
			return padL + pw
		}
		return padL + pw*float64(t.Sub(t0))/float64(t1.Sub(t0))
	}
	y := func(v int) float64 { return padT + ph - ph*float64(v)/float64(peak) }

	fmt.Fprintf(&b, `<line x1="%g" y1="%g" x2="%g" y2="%g" stroke="#ccc"/>`, padL, y(peak), padL+pw, y(peak))
	fmt.Fprintf(&b, `<line x1="%g" y1="%g" x2="%g" y2="%g" stroke="#999"/>`, padL, y(0), padL+pw, y(0))
	fmt.Fprintf(&b, `<text x="%g" y="%g" text-anchor="end" font-size="10" fill="#666">%d</text>`, padL-4, y(peak)+4, peak)
	fmt.Fprintf(&b, `<text x="%g" y="%g" text-anchor="end" font-size="10" fill="#666">0</text>`, padL-4, y(0)+3)
	if n > 1 {
		fmt.Fprintf(&b, `<text x="%g" y="%g" font-size="10" fill="#666">-%s</text>`, padL, chartH-3, t1.Sub(t0).Round(time.Second))
	}
	fmt.Fprintf(&b, `<text x="%g" y="%g" text-anchor="end" font-size="10" fill="#666">now</text>`, padL+pw, chartH-3)

	lower := make([]int, n)
	for r, rev := range revs {
		upper := make([]int, n)
		for i := range n {
			upper[i] = lower[i] + series[r][i]
		}
		if n > 0 {
			color := palette[r%len(palette)]
			fmt.Fprintf(&b, `<path data-revision="%s" d="%s" fill="%s" fill-opacity="0.85" stroke="none"><title>%s</title></path>`,
				html.EscapeString(rev), stepArea(times, lower, upper, x, y), color, html.EscapeString(revisionLabel(rev)))
		}
		lower = upper
	}
	for _, s := range steps {
		if n < 2 || s.At.Before(t0) || s.At.After(t1) {
			continue
		}
		fmt.Fprintf(&b, `<line class="step" x1="%.1f" y1="%g" x2="%.1f" y2="%g" stroke="#333" stroke-dasharray="3 2"><title>%s</title></line>`,
			x(s.At), padT, x(s.At), padT+ph, html.EscapeString(s.Text))
	}
	b.WriteString(`</svg>`)
	return b.String()
}

// stepArea is the band between lower and upper, each a step function of
// the sample times: forward along upper, back along lower.
func stepArea(times []time.Time, lower, upper []int, x func(time.Time) float64, y func(int) float64) string {
	n := len(times)
	var b strings.Builder
	fmt.Fprintf(&b, "M%.1f %.1f", x(times[0]), y(upper[0]))
	for i := 1; i < n; i++ {
		if upper[i] != upper[i-1] {
			fmt.Fprintf(&b, "H%.1fV%.1f", x(times[i]), y(upper[i]))
		}
	}
	fmt.Fprintf(&b, "H%.1fV%.1f", x(times[n-1]), y(lower[n-1]))
	for i := n - 1; i > 0; i-- {
		if lower[i] != lower[i-1] {
			fmt.Fprintf(&b, "H%.1fV%.1f", x(times[i]), y(lower[i-1]))
		}
	}
	fmt.Fprintf(&b, "H%.1fZ", x(times[0]))
	return b.String()
}

// revisionLabel is how the page names a revision.
func revisionLabel(rev string) string {
	if rev == "" {
		return "no revision tag"
	}
	return "revision " + rev
}
