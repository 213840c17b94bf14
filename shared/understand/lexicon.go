package understand

import (
	"sort"
	"strings"
)

// Variant is a size or an option of an item, with the names customers may use for it.
type Variant struct {
	ID    string
	Names []string
}

// Item is a menu item as the parser needs it: its id (reported back) and every name a
// customer may use for it. Names holds the menu name first, then aliases ("Coca-Cola 2 L",
// "coca", "coke"); an item without names is matched by its id.
type Item struct {
	ID      string
	Names   []string
	Sizes   []Variant
	Options []Variant
}

// cand is one thing (item or variant index) a key denotes; full when the key is a whole
// name rather than some of its words.
type cand struct {
	idx  int
	full bool
}

// keyIndex maps a name, or a run of its words, in canonical form (canonWord, one space
// between words) to what it denotes.
type keyIndex map[string][]cand

func (k keyIndex) put(key string, idx int, full bool) {
	cs := k[key]
	for i := range cs {
		if cs[i].idx == idx {
			cs[i].full = cs[i].full || full
			return
		}
	}
	k[key] = append(cs, cand{idx, full})
}

// resolve lists what cs denotes: only whole-name matches when there are any (an item
// called just "Burger" beats the other burgers), else every partial match.
func resolve(cs []cand, dst []int) []int {
	anyFull := false
	for _, c := range cs {
		anyFull = anyFull || c.full
	}
	for _, c := range cs {
		if c.full || !anyFull {
			dst = append(dst, c.idx)
		}
	}
	return dst
}

// variantIndex finds the sizes or the options of one item.
type variantIndex struct {
	ids   []string
	words keyIndex
}

type itemEntry struct {
	id      string
	sizes   variantIndex
	options variantIndex
}

// Lexicon is a menu precomputed for Parse: every name and alias, and every run of
// distinctive words of a name, in canonical form, plus the vocabulary used to correct
// typos. Building it costs a few allocations per name, so callers build it once per menu and
// cache it. It is never modified after NewLexicon, so Parse is safe for concurrent use.
type Lexicon struct {
	items     []itemEntry
	names     keyIndex        // item names and distinctive parts of them
	flat      keyIndex        // the same with the spaces removed ("cheeseburger")
	sizeWords map[string]bool // every size key of every item, for "uma grande de calabresa"
	vocab     map[string]bool // every canonical word of every name
	fuzzy     []string        // vocabulary words long enough to be typo-corrected
	flatFuzzy []string        // multi-word names without spaces, for "cheesburger"
	maxWin    int             // the longest name, in words (capped)
}

// maxWindow caps how many words a name match may span.
const maxWindow = 6

// NewLexicon prepares items for Parse. Items without an id are ignored; items sharing an id
// are merged. A nil or empty menu gives a lexicon that still recognises intents.
func NewLexicon(items []Item) *Lexicon {
	l := &Lexicon{
		names:     keyIndex{},
		flat:      keyIndex{},
		sizeWords: map[string]bool{},
		vocab:     map[string]bool{},
		maxWin:    1,
	}
	byID := map[string]int{}
	fuzzy, flatFuzzy := map[string]bool{}, map[string]bool{}
	for _, it := range items {
		if it.ID == "" {
			continue
		}
		idx, ok := byID[it.ID]
		if !ok {
			idx = len(l.items)
			byID[it.ID] = idx
			l.items = append(l.items, itemEntry{
				id:      it.ID,
				sizes:   variantIndex{words: keyIndex{}},
				options: variantIndex{words: keyIndex{}},
			})
		}
		e := &l.items[idx]
		for _, n := range namesOf(it.ID, it.Names) {
			toks := nameWords(n)
			if len(toks) == 0 || (len(toks) == 1 && !contentWord(toks[0])) {
				continue // a one-word name that is a grammar word ("com") would match everywhere
			}
			l.addForm(l.names, l.flat, toks, idx, fuzzy, flatFuzzy)
		}
		addVariants(l, &e.sizes, it.Sizes, fuzzy)
		addVariants(l, &e.options, it.Options, fuzzy)
		for k := range e.sizes.words {
			l.sizeWords[k] = true
		}
	}
	l.fuzzy = sortedKeys(fuzzy)
	l.flatFuzzy = sortedKeys(flatFuzzy)
	return l
}

func namesOf(id string, names []string) []string {
	if len(names) == 0 {
		return []string{strings.NewReplacer("-", " ", "_", " ").Replace(id)}
	}
	return names
}

func addVariants(l *Lexicon, vi *variantIndex, vs []Variant, fuzzy map[string]bool) {
	for _, v := range vs {
		if v.ID == "" {
			continue
		}
		idx := len(vi.ids)
		vi.ids = append(vi.ids, v.ID)
		for _, n := range namesOf(v.ID, v.Names) {
			if toks := nameWords(n); len(toks) > 0 {
				l.addForm(vi.words, nil, toks, idx, fuzzy, nil)
			}
		}
	}
}

// nameWords is a name in canonical words.
func nameWords(name string) []string {
	toks := tokenize(name)
	out := make([]string, len(toks))
	for i, t := range toks {
		out[i] = canonWord(t.text)
	}
	return out
}

// addForm indexes one name: whole, and every run of its words that starts and ends with a
// distinctive word ("calabresa" of "Pizza Calabresa", "coca cola" of "Coca-Cola 2 L").
// Whether such a run identifies one item or is ambiguous ("burger") is decided at lookup.
func (l *Lexicon) addForm(k, flat keyIndex, toks []string, idx int, fuzzy, flatFuzzy map[string]bool) {
	if len(toks) > maxWindow {
		toks = toks[:maxWindow]
	}
	l.maxWin = max(l.maxWin, len(toks))
	for _, t := range toks {
		l.vocab[t] = true
		if contentWord(t) && len(t) >= 4 {
			fuzzy[t] = true
		}
	}
	for a := 0; a < len(toks); a++ {
		for b := a + 1; b <= len(toks); b++ {
			full := a == 0 && b == len(toks)
			if !full && (!contentWord(toks[a]) || !contentWord(toks[b-1])) {
				continue
			}
			k.put(strings.Join(toks[a:b], " "), idx, full)
			if flat != nil && b-a >= 2 {
				f := strings.Join(toks[a:b], "")
				flat.put(f, idx, full)
				if len(f) >= 6 {
					flatFuzzy[f] = true
				}
			}
		}
	}
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
