package conversation

import (
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	"github.com/wabot-platform/wabot/shared/domain"
)

// normalize folds a customer's text for matching commands and store names: accents removed
// ("São" -> "sao"), lower case, every run of punctuation, symbols (emoji) and spaces turned
// into one space, trimmed. "  Trocar de LOJA!! " and "trocar de loja" compare equal; so do
// "2." and "2".
func normalize(s string) string {
	// A fresh transformer per call: transform.Chain keeps state and is not safe for
	// concurrent use.
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	folded, _, err := transform.String(t, s)
	if err != nil {
		folded = s
	}
	fields := strings.FieldsFunc(strings.ToLower(folded), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsNumber(r)
	})
	return strings.Join(fields, " ")
}

// Commands are whole messages, compared after normalize. A command inside a longer sentence
// ("não quero parar agora") is not one: only an unambiguous message changes opt-out state.
var (
	optOutWords = set("parar", "sair", "stop")
	optInWords  = set("voltar", "start")
	changeStore = set(
		"trocar de loja", "mudar de loja", "trocar loja", "mudar loja", "outra loja",
		"change store", "switch store", "change shop", "switch shop",
	)
)

func set(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[normalize(w)] = true
	}
	return m
}

func isOptOut(text string) bool      { return optOutWords[text] }
func isOptIn(text string) bool       { return optInWords[text] }
func isChangeStore(text string) bool { return changeStore[text] }

// storePrefixes are words a customer may put before a store's name ("loja Centro").
var storePrefixes = []string{"a loja ", "loja ", "unidade ", "the store ", "store ", "the "}

// parseChoice finds the store a customer chose among offered (in the order they were
// numbered): by number ("2"), by name or by id, case- and accent-insensitively. text is
// normalized.
func parseChoice(text string, offered []domain.Store) (domain.Store, bool) {
	if text == "" {
		return domain.Store{}, false
	}
	if n, err := strconv.Atoi(text); err == nil {
		if n >= 1 && n <= len(offered) {
			return offered[n-1], true
		}
		return domain.Store{}, false
	}
	candidates := []string{text}
	for _, p := range storePrefixes {
		if rest, ok := strings.CutPrefix(text, p); ok && rest != "" {
			candidates = append(candidates, rest)
		}
	}
	for _, c := range candidates {
		for _, s := range offered {
			if c == normalize(s.StoreName) || c == normalize(s.StoreID) {
				return s, true
			}
		}
	}
	return domain.Store{}, false
}
