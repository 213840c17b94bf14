package understand

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// Normalize folds text for matching: accents removed ("São" -> "sao"), lower case, every run
// of punctuation, symbols (emoji) and spaces turned into one space, trimmed; digits kept.
// Customers type without accents and with random punctuation, so every comparison in this
// package (and in callers that want to compare with it) is done on this form. It has the same
// semantics as the conversation package's normalize, replicated so the two packages stay
// independent.
func Normalize(s string) string {
	fields := strings.FieldsFunc(strings.ToLower(fold(s)), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsNumber(r)
	})
	return strings.Join(fields, " ")
}

// fold removes accents (combining marks after canonical decomposition). ASCII text, by far
// the most common, is returned as is without allocating.
func fold(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	// A fresh transformer per call: transform.Chain keeps state and is not safe for
	// concurrent use.
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	folded, _, err := transform.String(t, s)
	if err != nil {
		return s
	}
	return folded
}

// latinFold maps the accented Latin letters (U+00C0–U+024F) to their base letters.
var latinFold [0x250 - 0xC0]string

func init() {
	for r := rune(0xC0); r < 0x250; r++ {
		var b strings.Builder
		for _, d := range norm.NFD.String(string(r)) {
			if !unicode.Is(unicode.Mn, d) {
				b.WriteRune(d)
			}
		}
		latinFold[r-0xC0] = b.String()
	}
}

// foldFast is fold for the tokenizer: accented Latin letters (all a customer in Brazil or
// the US types) through a table, without the allocations of a transform chain; other
// non-ASCII text goes through fold.
func foldFast(s string) string {
	var b []byte
	for i, r := range s {
		switch {
		case r < utf8.RuneSelf:
			if b != nil {
				b = append(b, byte(r))
			}
		case r >= 0xC0 && r < 0x250:
			if b == nil {
				b = append(make([]byte, 0, len(s)), s[:i]...)
			}
			b = append(b, latinFold[r-0xC0]...)
		case unicode.Is(unicode.Mn, r):
			if b == nil {
				b = append(make([]byte, 0, len(s)), s[:i]...)
			}
		default:
			if b == nil {
				b = append(make([]byte, 0, len(s)), s[:i]...)
			}
			b = append(b, fold(string(r))...)
		}
	}
	if b == nil {
		return s
	}
	return string(b)
}

// breakKind records the punctuation a customer put between two words: it separates the
// things they list ("coca, guaraná") and "+" also introduces extras ("calabresa + borda").
type breakKind uint8

const (
	brkNone  breakKind = iota
	brkPunct           // , ; . ! ? : or a new line
	brkPlus            // +
)

// token is one word of a message, as Normalize would produce it, except that digits and
// letters are split ("2x" -> "2", "x") and letters repeated 3+ times are collapsed
// ("oiiii" -> "oi", "kkkk" -> "k").
type token struct {
	text string
	brk  breakKind // punctuation right before this token
	num  int       // value when the token is all ASCII digits (capped at 1000), else -1
}

// maxTokens bounds the work for absurdly long messages; nobody orders in 300 words.
const maxTokens = 300

// tokenize splits a message into tokens. It is the single source of words for both names
// in the lexicon and messages, so both sides are always compared in the same form.
func tokenize(s string) []token {
	s = strings.ToLower(foldFast(s))
	toks := make([]token, 0, 16)
	pending := brkNone
	start, class := 0, 0 // class: 0 none, 1 letters, 2 digits
	flush := func(end int) {
		if class == 0 || len(toks) >= maxTokens {
			return
		}
		t := token{text: s[start:end], brk: pending, num: -1}
		if class == 2 {
			t.num = 0
			for i := 0; i < len(t.text); i++ {
				t.num = t.num*10 + int(t.text[i]-'0')
				if t.num >= 1000 {
					t.num = 1000
					break
				}
			}
		} else {
			t.text = collapse(t.text)
		}
		toks = append(toks, t)
		pending = brkNone
	}
	for i, r := range s {
		c := 0
		switch {
		case r >= '0' && r <= '9':
			c = 2
		case unicode.IsLetter(r) || unicode.IsNumber(r):
			c = 1
		}
		if c == class && c != 0 {
			continue
		}
		flush(i)
		class = c
		if c != 0 {
			start = i
			continue
		}
		switch r {
		case '+':
			pending = brkPlus
		case ',', ';', '.', '!', '?', ':', '\n', '\r':
			if pending == brkNone {
				pending = brkPunct
			}
		}
	}
	flush(len(s))
	return toks
}

// collapse turns runs of three or more identical ASCII letters into one ("simmm" -> "sim").
// Runs of two are kept: "cheese", "coffee".
func collapse(t string) string {
	run := false
	for i := 2; i < len(t); i++ {
		if t[i] == t[i-1] && t[i] == t[i-2] && t[i] < utf8.RuneSelf {
			run = true
			break
		}
	}
	if !run {
		return t
	}
	b := make([]byte, 0, len(t))
	for i := 0; i < len(t); {
		j := i
		for j < len(t) && t[j] == t[i] {
			j++
		}
		if j-i >= 3 && t[i] < utf8.RuneSelf {
			b = append(b, t[i])
		} else {
			b = append(b, t[i:j]...)
		}
		i = j
	}
	return string(b)
}

// stem strips a plural "s" ("calabresas" -> "calabresa", "burgers" -> "burger"). Applied to
// both names and messages, so "fries" and "fry" need not agree, only "fries" and "fries".
func stem(t string) string {
	if n := len(t); n >= 4 && t[n-1] == 's' && t[n-2] != 's' {
		return t[:n-1]
	}
	return t
}

// maxEdits is the typo tolerance for a word of n bytes: none for short words (too many
// short words are one letter apart: "com"/"coca"), one up to 7 letters, two beyond.
func maxEdits(n int) int {
	switch {
	case n < 4:
		return 0
	case n <= 7:
		return 1
	default:
		return 2
	}
}

// WithinEdits reports whether a and b are at most n edits apart: insertions, deletions,
// substitutions, and swaps of two neighbouring letters (osa), the measure item names are
// matched with, for callers matching words of their own (the erasure request).
func WithinEdits(a, b string, n int) bool { return osa(a, b, n) <= n }

// osa is the optimal-string-alignment Damerau–Levenshtein distance between a and b (a swap
// of two adjacent letters counts as one edit), or limit+1 as soon as it is known to exceed
// limit.
func osa(a, b string, limit int) int {
	la, lb := len(a), len(b)
	if la > 48 || lb > 48 || la-lb > limit || lb-la > limit {
		return limit + 1
	}
	var buf [3 * 49]int
	r2, r1, r0 := buf[0:49], buf[49:98], buf[98:147]
	for j := 0; j <= lb; j++ {
		r1[j] = j
	}
	for i := 1; i <= la; i++ {
		r0[0] = i
		rowMin := i
		for j := 1; j <= lb; j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			v := min(r1[j]+1, r0[j-1]+1, r1[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				v = min(v, r2[j-2]+1)
			}
			r0[j] = v
			rowMin = min(rowMin, v)
		}
		if rowMin > limit {
			return limit + 1
		}
		r2, r1, r0 = r1, r0, r2
	}
	return r1[lb]
}

// nearest finds the word of list closest to s within the typo tolerance of both words. It
// reports false when nothing is close enough or two different words are equally close: a
// guess between two names is worse than no guess.
func nearest(s string, list []string) (string, int, bool) {
	limit := maxEdits(len(s))
	if limit == 0 {
		return "", 0, false
	}
	best, bestD, tie := "", limit+1, false
	for _, w := range list {
		lim := min(limit, maxEdits(len(w)))
		if lim == 0 {
			continue
		}
		d := osa(s, w, lim)
		if d > lim {
			continue
		}
		switch {
		case d < bestD:
			best, bestD, tie = w, d, false
		case d == bestD && w != best:
			tie = true
		}
	}
	if best == "" || tie {
		return "", 0, false
	}
	return best, bestD, true
}
