package domain

import "strings"

// ValidCPF checks a CPF (the Brazilian individual taxpayer number) as a customer types it —
// "123.456.789-09", "12345678909", with spaces — and returns its 11 digits. A CPF is valid
// when both check digits match the mod-11 algorithm of the Receita Federal and the digits are
// not all the same: 000.000.000-00, 111.111.111-11 ... pass the check digits yet are no one's
// CPF, and are what people type to get past a form.
//
// Only spaces, dots and hyphens are taken as formatting; any other character makes the input
// invalid rather than being dropped, so "123.456.789-09a" is not silently a CPF.
func ValidCPF(s string) (digits string, ok bool) {
	d, ok := taxIDDigits(s, ".- \t", 11)
	if !ok || len(d) != 11 || !checkDigitsMatch(d) {
		return "", false
	}
	return d, true
}

// ValidCPFOrCNPJ checks the number a payment provider takes for its payer in one field
// (Asaas's cpfCnpj): a CPF (11 digits) or a CNPJ (a company's, 14 digits), punctuated with
// ".", "-" and "/" ("11.222.333/0001-81") and trimmed of surrounding spaces, and returns its
// digits. A CNPJ is checked like a CPF: two mod-11 check digits, and not one digit repeated.
func ValidCPFOrCNPJ(s string) (digits string, ok bool) {
	d, ok := taxIDDigits(strings.TrimSpace(s), ".-/", 14)
	if !ok || (len(d) != 11 && len(d) != 14) || !checkDigitsMatch(d) {
		return "", false
	}
	return d, true
}

// taxIDDigits returns the digits of s, whose every other character must be one of punct;
// false for any other character, or for more than max digits.
func taxIDDigits(s, punct string, max int) (string, bool) {
	var b strings.Builder
	b.Grow(max)
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			if b.Len() == max {
				return "", false
			}
			b.WriteRune(r)
		case strings.ContainsRune(punct, r):
		default:
			return "", false
		}
	}
	return b.String(), true
}

// checkDigitsMatch reports whether the last two digits of d (a CPF's or a CNPJ's) are the
// check digits of the digits before them, and d is not one digit repeated.
func checkDigitsMatch(d string) bool {
	if d == "" || strings.Count(d, d[:1]) == len(d) {
		return false
	}
	n := len(d)
	return checkDigit(d[:n-2]) == d[n-2] && checkDigit(d[:n-1]) == d[n-1]
}

// checkDigit computes the check digit that follows the digits of prefix: the sum of each
// digit times its weight, the weights counting up from 2 at the right end — to the left end
// for a CPF's 9 or 10 digits (up to 11), from 9 back to 2 for a CNPJ's 12 or 13 —; the digit is
// 11 minus the sum's remainder mod 11, or 0 when that is 10 or 11.
func checkDigit(prefix string) byte {
	top := 11 // a CPF's weights never wrap
	if len(prefix) > 10 {
		top = 9 // a CNPJ's
	}
	sum, weight := 0, 2
	for i := len(prefix) - 1; i >= 0; i-- {
		sum += int(prefix[i]-'0') * weight
		if weight++; weight > top {
			weight = 2
		}
	}
	d := 11 - sum%11
	if d >= 10 {
		d = 0
	}
	return byte('0' + d)
}
