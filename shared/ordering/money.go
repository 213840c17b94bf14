// Package ordering holds the rules of ordering that do not depend on the conversation: a
// store's view of the brand's menu, cart lines priced from it, the checkout quote (delivery
// fee, free-delivery threshold, minimum order) and the order built from a cart. Every amount
// is integer centavos computed here, never by a language model and never parsed from text.
package ordering

import (
	"strconv"
	"strings"
)

// FormatBRL formats centavos as Brazilian reais: 5200 -> "R$ 52,00", 123456 -> "R$ 1.234,56".
// The currency is always BRL, so both languages show it the Brazilian way.
func FormatBRL(cents int64) string {
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	reais := strconv.FormatInt(cents/100, 10)
	var b strings.Builder
	for i, r := range reais {
		if i > 0 && (len(reais)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(r)
	}
	frac := cents % 100
	return sign + "R$ " + b.String() + "," + string(rune('0'+frac/10)) + string(rune('0'+frac%10))
}
