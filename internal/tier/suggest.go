package tier

import (
	"slices"
	"strings"
)

// maxSuggestions is how many close values a problem offers.
const maxSuggestions = 3

// closest returns up to maxSuggestions candidates nearest to v by edit
// distance, ignoring case, best first; equally close ones keep the
// candidates' order (the catalog's listing order). A candidate is close
// when at most a quarter of v's length (at least 2) away, or when one
// starts with the other ("s-2vcpu-4gb-amd" and "s-2vcpu-4gb"): nobody
// meant "lon1" by "nyc9", nor "s-2vcpu-4gb" by "s-1vcpu-1g".
func closest(v string, candidates []string) []string {
	type scored struct {
		value string
		dist  int
	}
	limit := max(2, len([]rune(v))/4)
	lv := strings.ToLower(v)
	var near []scored
	for _, c := range candidates {
		if c == v || slices.ContainsFunc(near, func(s scored) bool { return s.value == c }) {
			continue
		}
		lc := strings.ToLower(c)
		prefix := min(len(lv), len(lc)) >= 3 && (strings.HasPrefix(lv, lc) || strings.HasPrefix(lc, lv))
		if d := editDistance(lv, lc); d <= limit || prefix {
			near = append(near, scored{c, d})
		}
	}
	if len(near) == 0 {
		return nil
	}
	slices.SortStableFunc(near, func(a, b scored) int { return a.dist - b.dist })
	out := make([]string, 0, min(len(near), maxSuggestions))
	for _, s := range near[:min(len(near), maxSuggestions)] {
		out = append(out, s.value)
	}
	return out
}

// editDistance is the optimal string alignment distance: insertions,
// deletions, substitutions and swaps of neighbours ("s-1vcpu-1bg") each
// cost 1. The standard library has none; this is the textbook three-row
// dynamic programme.
func editDistance(a, b string) int {
	s, t := []rune(a), []rune(b)
	prev2 := make([]int, len(t)+1)
	prev := make([]int, len(t)+1)
	cur := make([]int, len(t)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(s); i++ {
		cur[0] = i
		for j := 1; j <= len(t); j++ {
			cost := 1
			if s[i-1] == t[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && s[i-1] == t[j-2] && s[i-2] == t[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(t)]
}
