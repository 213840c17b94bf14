package understand

import (
	"strings"
	"unicode"
)

// ItemRequest is one item a customer mentioned, with what they said about it.
type ItemRequest struct {
	ItemID       string
	Quantity     int      // 1 when not said
	QuantitySaid bool     // a number was said ("2", "duas", "one"); articles ("a", "the") are not
	SizeID       string   // "" when no size was said
	OptionIDs    []string // options of this item said with it ("com borda", "with bacon")
	Words        string   // the normalized words that matched the item, for messages
}

// Ambiguity is a mention that matches several items equally well ("burger" on a menu with
// three burgers): the caller should ask which one.
type Ambiguity struct {
	Words    string
	ItemIDs  []string
	Quantity int
}

// Result is what one message says. Parse only reports; the caller interprets it in the
// state of the conversation (a Number is a category in the menu, a store in a store list...).
type Result struct {
	Intents   []Intent      // every intent recognised, in order of appearance, no duplicates
	Add       []ItemRequest // items the customer wants, in order ("2 cocas", "uma calabresa")
	Remove    []ItemRequest // items to take out ("tira a coca", "remove the fries", "cancela a coca")
	Ambiguous []Ambiguity   // mentions matching several items equally well
	Number    int           // >0 when the whole message is one choice number ("2", "opção 2", "number 2")
	Unknown   []string      // words after an ordering verb that matched no item ("quero uma lasanha" -> "lasanha")
}

// emptyLexicon lets a nil *Lexicon parse intents.
var emptyLexicon = NewLexicon(nil)

// Parse reads one customer message. It never fails: what it does not understand is simply
// not in the Result. Every mention of an item is reported in Add unless a removal verb
// ("tira", "remove", "cancela", "sem") governs it, even in a question ("tem coca?").
//
// A message made only of 👍, 👌 or ✅ is a yes.
func (l *Lexicon) Parse(text string) Result {
	if l == nil {
		l = emptyLexicon
	}
	toks := tokenize(text)
	if len(toks) == 0 {
		if thumbsUp(text) {
			return Result{Intents: []Intent{IntentYes}}
		}
		return Result{}
	}
	if n := choiceNumber(toks); n > 0 {
		return Result{Number: n}
	}
	p := &parser{l: l, toks: toks}
	p.canonicalize()
	p.matchIntents()
	p.scan()
	p.res.Intents = p.intents()
	return p.res
}

// parser holds the work of one Parse call.
type parser struct {
	l        *Lexicon
	toks     []token
	canon    []string // canonWord of each token, typo-corrected to a menu word when close to one
	flatW    []string // the multi-word name (without spaces) a single token is a typo of
	iw       []string // each token as a phrase word (typo-corrected to an intent word)
	intentAt []int    // the intent match covering each token, or -1
	matches  []intentMatch
	buf      []byte
	ids      [8]int
	s        scanState
	res      Result
}

// scanState is the reading state while walking through a message left to right.
type scanState struct {
	remove      bool   // items are removals
	segRemove   bool   // remove comes from a removable intent and ends with the segment
	removeBy    int    // the removable intent match that set remove, or -1
	qty         int    // quantity said before the next item, 0 if none
	qtySaid     bool   // qty was a number, not an article
	size        string // size key said before the next item ("uma grande de calabresa")
	curAdd      bool   // the current item is in Add (else Remove)
	curIdx      int    // index of the current item in Add or Remove, or -1
	curItem     int    // lexicon index of the current item
	curEnd      int    // token right after the current item's words
	curInSeg    bool   // the current item was named in this segment
	optCtx      bool   // after "com"/"with"/"+": options of the current item come next
	negate      bool   // after "sem"/"without": the next thing is not wanted
	neg         bool   // the previous token was "não"/"don't"
	swap        bool   // after "troca"/"swap": removing until "por"/"for", then adding
	no          bool   // the previous token was "no" (English "no onions", Portuguese "no cartão")
	verbCarried bool   // an ordering verb was said in an earlier segment
	seg         segState
}

// segState describes the current segment: the part of the message between separators.
type segState struct {
	hasItem, hasIntent, verb, qtyExplicit bool
	unkStart, unkEnd                      int
	unkFrozen                             bool
}

func (p *parser) canonicalize() {
	n := len(p.toks)
	p.canon = make([]string, n)
	p.flatW = make([]string, n)
	for i, t := range p.toks {
		c := canonWord(t.text)
		p.canon[i] = c
		if len(c) < 4 || !contentWord(c) || p.l.vocab[c] || intentVocab[t.text] {
			continue
		}
		if w, _, ok := nearest(c, p.l.fuzzy); ok {
			p.canon[i] = w
		}
		if len(c) >= 6 {
			if _, ok := p.l.flat[c]; !ok {
				if w, _, ok := nearest(c, p.l.flatFuzzy); ok {
					p.flatW[i] = w
				}
			}
		}
	}
}

// key builds the lookup key of tokens [i, i+n), words joined by sep (0: no separator).
func (p *parser) key(i, n int, sep byte) []byte {
	b := p.buf[:0]
	for j := i; j < i+n; j++ {
		if j > i && sep != 0 {
			b = append(b, sep)
		}
		b = append(b, p.canon[j]...)
	}
	p.buf = b
	return b
}

// windowFree reports whether tokens [i, i+n) may form one name: no intent phrase among
// them and no punctuation between them.
func (p *parser) windowFree(i, n int) bool {
	for j := i; j < i+n; j++ {
		if p.intentAt[j] >= 0 || (j > i && p.toks[j].brk != brkNone) {
			return false
		}
	}
	return true
}

// itemAt finds the longest item name starting at token i: its length in tokens, the items
// it denotes (several when ambiguous) and whether it is a whole name rather than a part.
func (p *parser) itemAt(i int) (int, []int, bool) {
	for n := min(p.l.maxWin, len(p.toks)-i); n >= 1; n-- {
		if !p.windowFree(i, n) {
			continue
		}
		cs := p.l.names[string(p.key(i, n, ' '))]
		if cs == nil {
			cs = p.l.flat[string(p.key(i, n, 0))]
		}
		if cs == nil && n == 1 && p.flatW[i] != "" {
			cs = p.l.flat[p.flatW[i]]
		}
		if cs != nil {
			full := false
			for _, c := range cs {
				full = full || c.full
			}
			return n, resolve(cs, p.ids[:0]), full
		}
	}
	return 0, nil, false
}

// fullItemLen is the length of a whole item name starting at token i (exact words only).
func (p *parser) fullItemLen(i int) int {
	for n := min(p.l.maxWin, len(p.toks)-i); n >= 2; n-- {
		if !p.windowFree(i, n) {
			continue
		}
		for _, c := range p.l.names[string(p.key(i, n, ' '))] {
			if c.full {
				return n
			}
		}
	}
	return 0
}

// variantAt finds a size or option of vi starting at token i: its length and index.
func (p *parser) variantAt(i int, vi *variantIndex) (int, int) {
	if len(vi.ids) == 0 {
		return 0, 0
	}
	for n := min(3, len(p.toks)-i); n >= 1; n-- {
		if !p.windowFree(i, n) {
			continue
		}
		if cs := vi.words[string(p.key(i, n, ' '))]; cs != nil {
			if ids := resolve(cs, p.ids[:0]); len(ids) == 1 {
				return n, ids[0]
			}
		}
	}
	return 0, 0
}

// globalSizeAt finds a size name of any item at token i, said before the item.
func (p *parser) globalSizeAt(i int) (int, string) {
	for n := min(3, len(p.toks)-i); n >= 1; n-- {
		if p.windowFree(i, n) && p.l.sizeWords[string(p.key(i, n, ' '))] {
			return n, string(p.buf)
		}
	}
	return 0, ""
}

// quantityAt reads a quantity at token i: value, length in tokens and whether it was said
// as a number (not an article).
func (p *parser) quantityAt(i int) (int, int, bool) {
	t := p.toks[i]
	if t.num >= 0 {
		if t.num >= 1 && t.num <= 99 {
			return t.num, 1, true
		}
		return 0, 0, false
	}
	for _, np := range numberPhrases {
		if i+len(np.words) > len(p.toks) || !p.windowFree(i, len(np.words)) {
			continue
		}
		ok := true
		for k, w := range np.words {
			ok = ok && p.toks[i+k].text == w
		}
		if ok {
			return np.n, len(np.words), true
		}
	}
	if v, ok := numberWords[t.text]; ok {
		return v, 1, !articles[t.text]
	}
	return 0, 0, false
}

func (p *parser) cur() *ItemRequest {
	if p.s.curAdd {
		return &p.res.Add[p.s.curIdx]
	}
	return &p.res.Remove[p.s.curIdx]
}

func (p *parser) words(a, b int) string {
	var sb strings.Builder
	for j := a; j < b; j++ {
		if j > a {
			sb.WriteByte(' ')
		}
		sb.WriteString(p.toks[j].text)
	}
	return sb.String()
}

// scan walks through the message once, attaching quantities, sizes and options to the
// item they belong to.
func (p *parser) scan() {
	s := &p.s
	s.curIdx, s.removeBy = -1, -1
	s.seg = segState{unkStart: -1}
	n := len(p.toks)
	for i := 0; i < n; {
		t := p.toks[i]
		if i > 0 && t.brk != brkNone {
			p.endSegment()
			if t.brk == brkPlus {
				s.optCtx = s.curIdx >= 0
			}
		}
		if mi := p.intentAt[i]; mi >= 0 {
			m := &p.matches[mi]
			if m.removable {
				if !s.remove {
					s.segRemove = true
				}
				s.remove, s.removeBy = true, mi
			} else {
				s.seg.hasIntent = true
				s.qty, s.qtySaid, s.size = 0, false, ""
				s.curIdx, s.optCtx = -1, false
			}
			i = m.end
			continue
		}
		w := t.text
		if separators[w] {
			p.endSegment()
			i++
			continue
		}
		if s.curIdx >= 0 && (s.optCtx || s.negate) {
			if l := p.curVariant(i); l > 0 {
				i += l
				continue
			}
		}
		if l, ids, full := p.itemAt(i); l > 0 {
			if !full && (s.negate || s.no) {
				// "sem cebola" on a menu with "Anéis de cebola", "no onions" with "Onion
				// Rings": a partial name after a negation is an ingredient, not the item.
				s.negate = false
				i += l
				continue
			}
			if full && s.no {
				// "actually no fries", "no coke": a whole item name right after "no" is not
				// wanted, like after "without". (Portuguese "no" is "in the", and no menu
				// item follows it: "no cartão", "no capricho".)
				s.negate = true
			}
			p.addItem(ids, i, l)
			i += l
			continue
		}
		if s.negate && contentWord(w) {
			s.negate = false // "sem cebola": not an item, not unknown either
			i++
			continue
		}
		if s.curIdx >= 0 && s.curInSeg {
			if l := p.curVariant(i); l > 0 {
				i += l
				continue
			}
		}
		if l, key := p.globalSizeAt(i); l > 0 {
			s.size = key
			i += l
			continue
		}
		if q, l, said := p.quantityAt(i); l > 0 {
			if s.curIdx >= 0 && s.curEnd == i && i+l < n && p.toks[i+l].text == "x" && p.toks[i+l].brk == brkNone {
				p.setCurQty(q) // "coca 2x"
				i += l + 1
				continue
			}
			s.qty, s.qtySaid = q, said
			s.seg.qtyExplicit = s.seg.qtyExplicit || said
			s.optCtx = false
			i += l
			if i < n && p.toks[i].text == "x" && p.toks[i].brk == brkNone {
				if l, _, _ := p.itemAt(i); l == 0 {
					i++ // "2x coca", but "um x-tudo"
				}
			}
			continue
		}
		if w == "x" && s.curIdx >= 0 && s.curEnd == i && i+1 < n && p.toks[i+1].num >= 1 && p.toks[i+1].num <= 99 {
			p.setCurQty(p.toks[i+1].num) // "coca x2"
			i += 2
			continue
		}
		if s.swap && swapWith[w] && s.curIdx >= 0 && !s.curAdd {
			s.remove, s.segRemove, s.swap = false, false, false // "... por guaraná"
			i++
			continue
		}
		neg, no := false, w == "no"
		switch {
		case swapVerbs[w]:
			if !s.remove {
				s.segRemove = true
			}
			s.remove, s.swap = true, true
		case optionMarkers[w]:
			s.optCtx = s.curIdx >= 0
		case withoutWords[w]:
			s.negate = true
		case negators[w]:
			neg = true
		case addVerbs[w]:
			if s.neg { // "não quero (mais) a coca"
				if !s.remove {
					s.segRemove = true
				}
				s.remove, neg = true, true
			} else {
				s.remove, s.segRemove, s.removeBy = false, false, -1
				s.seg.verb = true
			}
		case removeVerbs[w]:
			s.remove, s.segRemove, s.removeBy = true, false, -1
		case functional(w) || len(w) < 3 || p.l.vocab[p.canon[i]]:
		default:
			p.unknownWord(i)
		}
		s.neg, s.no = neg, no
		i++
	}
	p.endSegment()
}

// curVariant attaches an option or a size of the current item said at token i (or drops
// it after "sem"), returning how many tokens it took.
func (p *parser) curVariant(i int) int {
	s := &p.s
	e := &p.l.items[s.curItem]
	if l, v := p.variantAt(i, &e.options); l > 0 {
		if !s.negate {
			rq := p.cur()
			id := e.options.ids[v]
			found := false
			for _, o := range rq.OptionIDs {
				found = found || o == id
			}
			if !found {
				rq.OptionIDs = append(rq.OptionIDs, id)
			}
		}
		s.negate = false
		return l
	}
	if l, v := p.variantAt(i, &e.sizes); l > 0 {
		if rq := p.cur(); !s.negate && rq.SizeID == "" {
			rq.SizeID = e.sizes.ids[v]
		}
		s.negate = false
		return l
	}
	return 0
}

func (p *parser) setCurQty(q int) {
	rq := p.cur()
	rq.Quantity, rq.QuantitySaid = q, true
}

// addItem records the item (or ambiguity) named by tokens [i, i+n).
func (p *parser) addItem(ids []int, i, n int) {
	s := &p.s
	words := p.words(i, i+n)
	qty := max(s.qty, 1)
	s.seg.hasItem = true
	if len(ids) > 1 {
		a := Ambiguity{Words: words, Quantity: qty}
		for _, id := range ids {
			a.ItemIDs = append(a.ItemIDs, p.l.items[id].id)
		}
		p.res.Ambiguous = append(p.res.Ambiguous, a)
		s.curIdx = -1
	} else {
		idx := ids[0] // ids aliases p.ids, reused below
		e := &p.l.items[idx]
		rq := ItemRequest{ItemID: e.id, Quantity: qty, QuantitySaid: s.qtySaid, Words: words}
		if s.size != "" {
			if cs := e.sizes.words[s.size]; cs != nil {
				if v := resolve(cs, p.ids[:0]); len(v) == 1 {
					rq.SizeID = e.sizes.ids[v[0]]
				}
			}
		}
		if s.remove || s.negate {
			if s.remove && s.removeBy >= 0 {
				p.matches[s.removeBy].dropped = true
			}
			p.res.Remove = append(p.res.Remove, rq)
			s.curAdd, s.curIdx = false, len(p.res.Remove)-1
		} else {
			p.res.Add = append(p.res.Add, rq)
			s.curAdd, s.curIdx = true, len(p.res.Add)-1
		}
		s.curItem = idx
	}
	s.curEnd, s.curInSeg = i+n, true
	s.qty, s.qtySaid, s.size = 0, false, ""
	s.negate, s.optCtx = false, false
}

// unknownWord notes a word that is neither grammar nor menu: a candidate unknown item.
func (p *parser) unknownWord(i int) {
	s := &p.s
	g := &s.seg
	if s.remove {
		return
	}
	if g.unkStart < 0 {
		g.unkStart, g.unkEnd = i, i
		return
	}
	if g.unkFrozen {
		return
	}
	for j := g.unkEnd + 1; j < i; j++ {
		if !connectors[p.toks[j].text] {
			g.unkFrozen = true
			return
		}
	}
	g.unkEnd = i
}

// endSegment closes the current segment: reports its unknown item, if the customer was
// ordering and nothing else in it was understood, and resets what is said per segment.
func (p *parser) endSegment() {
	s := &p.s
	g := &s.seg
	if g.unkStart >= 0 && !g.hasItem && !g.hasIntent && (g.verb || (s.verbCarried && g.qtyExplicit)) {
		p.res.Unknown = append(p.res.Unknown, p.words(g.unkStart, g.unkEnd+1))
	}
	s.verbCarried = s.verbCarried || g.verb
	if s.segRemove {
		s.remove, s.segRemove, s.removeBy = false, false, -1
	}
	s.qty, s.qtySaid, s.size = 0, false, ""
	s.negate, s.neg, s.no, s.curInSeg, s.swap = false, false, false, false, false
	*g = segState{unkStart: -1}
}

// choicePrefix may come before a choice number ("opção 2", "o 2", "number 2").
var (
	choicePrefix = wordSet("opcao", "op", "opc", "numero", "num", "n", "no", "nº", "nr", "o", "a",
		"number", "option", "item", "the", "quero", "escolho", "escolha", "pick", "choose", "choice")
	choiceTrail = wordSet("por", "favor", "please", "pf", "pfv", "pls")
)

// choiceNumber is the number when the whole message is one choice, else 0. Digits always
// count; a number word only after a prefix ("opção dois"), since "um" alone is ambiguous.
func choiceNumber(toks []token) int {
	i := 0
	for i < len(toks) && i < 3 && choicePrefix[toks[i].text] {
		i++
	}
	if i >= len(toks) {
		return 0
	}
	v := toks[i].num
	if v < 0 && i > 0 && !articles[toks[i].text] {
		if n, ok := numberWords[toks[i].text]; ok {
			v = n
		}
	}
	if v < 1 || v > 99 {
		return 0
	}
	for _, t := range toks[i+1:] {
		if !choiceTrail[t.text] {
			return 0
		}
	}
	return v
}

// thumbsUp reports whether text is only approval emoji (👍 👌 ✅ ✔ ☑ 🆗, any skin tone):
// WhatsApp users answer confirmations with them.
func thumbsUp(text string) bool {
	seen := false
	for _, r := range text {
		switch {
		case r == 0x1F44D || r == 0x1F44C || r == 0x2705 || r == 0x2714 || r == 0x2611 || r == 0x1F197:
			seen = true
		case unicode.IsSpace(r) || r == 0xFE0F || r == 0x200D || (r >= 0x1F3FB && r <= 0x1F3FF):
		default:
			return false
		}
	}
	return seen
}
