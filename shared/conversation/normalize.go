package conversation

import (
	"strconv"
	"strings"

	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/understand"
)

// normalize folds a customer's text for matching commands and store names (accents removed,
// lower case, punctuation and emoji turned into single spaces): the same folding the ordering
// flow reads messages with, so "  Trocar de LOJA!! " and "trocar de loja" compare equal.
func normalize(s string) string { return understand.Normalize(s) }

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

// ordinals are the words customers use for a position in a list ("a segunda").
var ordinals = map[string]int{
	"primeira": 1, "primeiro": 1, "first": 1, "segunda": 2, "segundo": 2, "second": 2,
	"terceira": 3, "terceiro": 3, "third": 3, "quarta": 4, "quarto": 4, "fourth": 4,
	"quinta": 5, "quinto": 5, "fifth": 5,
}

// parseChoice finds the store a customer chose among offered (in the order they were
// numbered), the way people answer a list: "2", "a 2", "pode ser a segunda", "Paulista",
// "quero a loja da paulista", "vila madalena please". A message naming two stores, or two
// numbers, chooses none. text is normalized.
func parseChoice(text string, offered []domain.Store) (domain.Store, bool) {
	if text == "" {
		return domain.Store{}, false
	}
	words := strings.Fields(text)
	if n, err := strconv.Atoi(text); err == nil {
		if n >= 1 && n <= len(offered) {
			return offered[n-1], true
		}
		return domain.Store{}, false
	}
	padded := " " + text + " "
	found := -1
	for i, s := range offered {
		for _, name := range []string{normalize(s.StoreName), normalize(s.StoreID)} {
			if name != "" && strings.Contains(padded, " "+name+" ") {
				if found >= 0 && found != i {
					return domain.Store{}, false
				}
				found = i
			}
		}
	}
	if found >= 0 {
		return offered[found], true
	}
	// A short answer with one position in it: "a 2", "opcao 1", "a segunda".
	if len(words) > 6 {
		return domain.Store{}, false
	}
	pos := 0
	for _, w := range words {
		n, err := strconv.Atoi(w)
		if err != nil {
			n = ordinals[w]
		}
		if n == 0 {
			continue
		}
		if pos != 0 && pos != n {
			return domain.Store{}, false
		}
		pos = n
	}
	if pos >= 1 && pos <= len(offered) {
		return offered[pos-1], true
	}
	return domain.Store{}, false
}
