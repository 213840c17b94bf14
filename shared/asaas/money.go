package asaas

import (
	"bytes"
	"fmt"
	"math/big"
	"strconv"
)

// Cents is an amount of money in centavos, which Asaas's JSON carries as a decimal number of
// reais ("value": 57.9). It is converted through its decimal text, never through a float64:
// 0.1 + 0.2 is not 0.3 in binary floating point, and 1000000.99 reais is not exactly
// representable in one either.
type Cents int64

// MarshalJSON writes the amount in reais with at most two decimals and no trailing zeros:
// 5790 is 57.9, 1 is 0.01, 100000099 is 1000000.99.
func (c Cents) MarshalJSON() ([]byte, error) { return []byte(c.Reais()), nil }

// Reais is the amount as Asaas's decimal text ("57.9").
func (c Cents) Reais() string {
	n := int64(c)
	sign := ""
	if n < 0 {
		sign = "-"
	}
	u := uint64(n)
	if n < 0 {
		u = uint64(-(n + 1)) + 1 // no overflow at math.MinInt64
	}
	whole, frac := u/100, u%100
	switch {
	case frac == 0:
		return sign + strconv.FormatUint(whole, 10)
	case frac%10 == 0:
		return sign + strconv.FormatUint(whole, 10) + "." + strconv.FormatUint(frac/10, 10)
	default:
		return fmt.Sprintf("%s%d.%02d", sign, whole, frac)
	}
}

// UnmarshalJSON reads a decimal number of reais (or a JSON string holding one, or null, which
// leaves the amount unchanged). A value with more than two decimals, which Asaas does not
// send for amounts it charges, is rounded to the nearest centavo, halves away from zero (a fee
// of 1.995 is 2.00): it is still parsed exactly, as a fraction, before that rounding.
func (c *Cents) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		return nil
	}
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' {
		b = b[1 : len(b)-1]
	}
	v, err := ParseReais(string(b))
	if err != nil {
		return err
	}
	*c = v
	return nil
}

// ParseReais reads a decimal number of reais ("57.9", "1e2", "-0.01") as cents, exactly.
func ParseReais(s string) (Cents, error) {
	if s == "" || len(s) > 40 {
		return 0, fmt.Errorf("asaas: %q is not an amount", s)
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return 0, fmt.Errorf("asaas: %q is not an amount", s)
	}
	r.Mul(r, big.NewRat(100, 1))
	// Round half away from zero: (2·num + sign·den) / (2·den), truncated toward zero.
	num, den := new(big.Int).Set(r.Num()), new(big.Int).Set(r.Denom())
	twice := new(big.Int).Mul(num, big.NewInt(2))
	twice.Add(twice, new(big.Int).Mul(den, big.NewInt(int64(num.Sign()))))
	q := twice.Quo(twice, new(big.Int).Mul(den, big.NewInt(2)))
	if !q.IsInt64() {
		return 0, fmt.Errorf("asaas: amount %q is out of range", s)
	}
	return Cents(q.Int64()), nil
}
