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
	var b strings.Builder
	b.Grow(11)
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			if b.Len() == 11 {
				return "", false
			}
			b.WriteRune(r)
		case r == '.', r == '-', r == ' ', r == '\t':
		default:
			return "", false
		}
	}
	if b.Len() != 11 {
		return "", false
	}
	d := b.String()
	if strings.Count(d, d[:1]) == 11 {
		return "", false
	}
	if cpfCheckDigit(d[:9]) != d[9] || cpfCheckDigit(d[:10]) != d[10] {
		return "", false
	}
	return d, true
}

// cpfCheckDigit computes the check digit that follows the digits of prefix (9 digits for the
// first check digit, 10 for the second): the sum of each digit times its weight, the weights
// counting down from len(prefix)+1 to 2; the digit is 11 minus the sum's remainder mod 11,
// or 0 when that is 10 or 11.
func cpfCheckDigit(prefix string) byte {
	sum := 0
	weight := len(prefix) + 1
	for i := 0; i < len(prefix); i++ {
		sum += int(prefix[i]-'0') * weight
		weight--
	}
	d := 11 - sum%11
	if d >= 10 {
		d = 0
	}
	return byte('0' + d)
}
