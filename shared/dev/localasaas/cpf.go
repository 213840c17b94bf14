package localasaas

import "strings"

// cpfCnpjDigits returns s's digits when s is a valid CPF (11 digits) or CNPJ (14 digits),
// written with or without the usual punctuation (". - /"), and ok false otherwise. A
// number of one repeated digit ("111.111.111-11") is invalid, as the Receita Federal says.
func cpfCnpjDigits(s string) (digits string, ok bool) {
	var b strings.Builder
	for _, r := range strings.TrimSpace(s) {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '.' || r == '-' || r == '/':
		default:
			return "", false
		}
	}
	d := b.String()
	if strings.Count(d, d[:min(1, len(d))]) == len(d) { // empty, or one digit repeated
		return "", false
	}
	switch len(d) {
	case 11:
		ok = checkDigit(d[:9], 10) == d[9] && checkDigit(d[:10], 11) == d[10]
	case 14:
		ok = checkDigit(d[:12], 5) == d[12] && checkDigit(d[:13], 6) == d[13]
	}
	return d, ok
}

// checkDigit is the mod-11 check digit of digits, weighted from first down to 2 (a CPF)
// or from first down to 2 and then from 9 (a CNPJ).
func checkDigit(digits string, first int) byte {
	sum, w := 0, first
	for i := 0; i < len(digits); i++ {
		sum += int(digits[i]-'0') * w
		w--
		if w < 2 {
			w = 9
		}
	}
	r := sum % 11
	if r < 2 {
		return '0'
	}
	return byte('0' + 11 - r)
}
