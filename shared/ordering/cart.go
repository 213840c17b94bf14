package ordering

import (
	"slices"
	"strings"

	"github.com/wabot-platform/wabot/shared/domain"
)

// MaxLineQuantity bounds one line: more than this is a typo or a catering order, which a
// person should take.
const MaxLineQuantity = 50

// Why a line cannot be built.
var (
	ErrUnavailable  = domain.Errorf(domain.EINVALID, "the item is not available at this store")
	ErrSizeRequired = domain.Errorf(domain.EINVALID, "the item needs a size")
	ErrUnknownSize  = domain.Errorf(domain.EINVALID, "the item has no such size")
	ErrUnknownOpt   = domain.Errorf(domain.EINVALID, "the item has no such option")
	ErrQuantity     = domain.Errorf(domain.EINVALID, "the quantity is out of range")
	ErrCartFull     = domain.Errorf(domain.EINVALID, "the cart is full")
)

// NewLine prices a line of quantity items of size sizeID with the options at storeID. It
// refuses an item the store does not sell, a missing or unknown size and an unknown option.
func NewLine(it domain.MenuItem, storeID, sizeID string, optionIDs []string, quantity int) (domain.OrderLine, error) {
	if !it.AvailableAt(storeID) {
		return domain.OrderLine{}, ErrUnavailable
	}
	if quantity < 1 || quantity > MaxLineQuantity {
		return domain.OrderLine{}, ErrQuantity
	}
	if len(it.Sizes) > 0 && sizeID == "" {
		return domain.OrderLine{}, ErrSizeRequired
	}
	price, ok := it.PriceAt(storeID, sizeID)
	if !ok {
		return domain.OrderLine{}, ErrUnknownSize
	}
	line := domain.OrderLine{ItemID: it.ItemID, Name: it.Name, Quantity: quantity}
	if sizeID != "" {
		s, _ := it.Size(sizeID)
		line.SizeID, line.SizeName = s.SizeID, s.Name
	}
	ids := slices.Clone(optionIDs)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	for _, id := range ids {
		o, ok := it.Option(id)
		if !ok {
			return domain.OrderLine{}, ErrUnknownOpt
		}
		line.Options = append(line.Options, domain.OrderOption(o))
		price += o.PriceDeltaCents
	}
	line.UnitPriceCents = price
	return line, nil
}

// sameLine reports whether a and b are the same product (item, size, options).
func sameLine(a, b domain.OrderLine) bool {
	if a.ItemID != b.ItemID || a.SizeID != b.SizeID || len(a.Options) != len(b.Options) {
		return false
	}
	for i := range a.Options {
		if a.Options[i].OptionID != b.Options[i].OptionID {
			return false
		}
	}
	return true
}

// Add puts line into cart: the quantity of an identical line grows (up to MaxLineQuantity),
// otherwise the line is appended. The cart is not changed in place.
func Add(cart []domain.OrderLine, line domain.OrderLine) ([]domain.OrderLine, error) {
	out := slices.Clone(cart)
	for i := range out {
		if sameLine(out[i], line) {
			if out[i].Quantity+line.Quantity > MaxLineQuantity {
				return cart, ErrQuantity
			}
			out[i].Quantity += line.Quantity
			return out, nil
		}
	}
	if len(out) >= domain.MaxOrderLines {
		return cart, ErrCartFull
	}
	return append(out, line), nil
}

// RemoveAt removes quantity items of line i (all of them when quantity is 0 or more than
// the line has).
func RemoveAt(cart []domain.OrderLine, i, quantity int) []domain.OrderLine {
	if i < 0 || i >= len(cart) {
		return cart
	}
	out := slices.Clone(cart)
	if quantity > 0 && quantity < out[i].Quantity {
		out[i].Quantity -= quantity
		return out
	}
	return slices.Delete(out, i, i+1)
}

// Subtotal sums the cart.
func Subtotal(cart []domain.OrderLine) int64 {
	var s int64
	for _, l := range cart {
		s += l.TotalCents()
	}
	return s
}

// Count is the number of items in the cart.
func Count(cart []domain.OrderLine) int {
	n := 0
	for _, l := range cart {
		n += l.Quantity
	}
	return n
}

// Describe names a line for a customer: "2x Calabresa (Grande, Borda recheada)".
func Describe(l domain.OrderLine) string {
	var extra []string
	if l.SizeName != "" {
		extra = append(extra, l.SizeName)
	}
	for _, o := range l.Options {
		extra = append(extra, o.Name)
	}
	s := l.Name
	if len(extra) > 0 {
		s += " (" + strings.Join(extra, ", ") + ")"
	}
	return s
}
