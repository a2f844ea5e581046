package suggest

import "strings"

// Nearest returns the name of names closest to typed, case-insensitively,
// when it is fewer than maxDist edits away (insertions, deletions,
// substitutions), or "". Ties go to the first in names.
func Nearest(typed string, names []string, maxDist int) string {
	best, dist := "", maxDist
	for _, n := range names {
		if d := Distance(strings.ToLower(typed), strings.ToLower(n)); d < dist {
			best, dist = n, d
		}
	}
	return best
}

// Distance is the Levenshtein distance between a and b, in runes.
func Distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
