package conversation

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/notify"
	"github.com/wabot-platform/wabot/shared/ordering"
	"github.com/wabot-platform/wabot/shared/understand"
)

// Conversation.Context keys of the ordering flow. Context is a string map stored with the
// conversation; these keys are the flow's memory between messages.
const (
	ctxAwait       = "await"       // what the last reply asked for: see await* below
	ctxOffered     = "offered"     // ids of the last numbered list, in order, comma-separated
	ctxCategory    = "category"    // the category whose items were listed last
	ctxPendingItem = "pendingItem" // an item waiting for its size: id|quantity|option,option
	ctxFulfillment = "fulfillment" // DELIVERY or PICKUP, chosen at checkout
	ctxAddress     = "address"     // the delivery address as the customer wrote it
	ctxPayment     = "payment"     // PIX, CREDIT or DEBIT, chosen at checkout
	ctxMisses      = "misses"      // messages not understood in a row
	ctxLastOrder   = "lastOrder"   // the id of the last order placed
	ctxHandoffAt   = "handoffAt"   // when the customer asked for a person (RFC 3339)
	ctxBotBack     = "botBack"     // an operator resumed the bot: its next reply says so
	ctxPaidByLink  = "paidByLink"  // the id of the last order, when it is paid by a card link
)

// What the last reply asked the customer for.
const (
	awaitCategory    = "category"
	awaitItem        = "item"
	awaitSize        = "size"
	awaitFulfillment = "fulfillment"
	awaitAddress     = "address"
	awaitPayment     = "payment"
	awaitConfirm     = "confirm"
)

// HandoffTimeout is how long a conversation stays with a person after the customer asked
// for one (or an operator took it, Service.Handoff, or last wrote in it,
// Service.OperatorMessage): the bot stays silent until an operator resumes it
// (Service.Resume) or this time passes without that, after which the bot answers again. Two hours covers a restaurant's
// rush; a customer forgotten in HANDOFF is not left unanswered forever.
const HandoffTimeout = 2 * time.Hour

// Address bounds: shorter is not an address; longer is clipped (it is read by a courier).
const (
	minAddressRunes = 8
	maxAddressRunes = 200
)

func has(r understand.Result, i understand.Intent) bool { return slices.Contains(r.Intents, i) }

// flow is the ordering step of one message in a store's conversation.
type flow struct {
	t     turn
	o     outcome
	c     *domain.Conversation
	store domain.Store
	cat   *storeCatalog
	lang  domain.Language
	r     understand.Result
	said  string // normalized
	out   []notify.Message
}

func (f *flow) tx(id textID, args ...any) string { return textIn(f.t.client, f.lang, id, args...) }
func (f *flow) reply(m notify.Message)           { f.out = append(f.out, m) }
func (f *flow) replyText(id textID, args ...any) { f.reply(notify.Text(f.tx(id, args...))) }
func (f *flow) await(what string)                { f.c.Context[ctxAwait] = what }
func (f *flow) awaiting() string                 { return f.c.Context[ctxAwait] }
func (f *flow) setState(s domain.State)          { f.c.CurrentState = s }

// ordering runs the menu, cart and checkout flow for one message of a customer talking to
// store. Structured answers (a number, a size, yes) are read against what the last reply
// asked; free text is read for items, removals and commands, in that order.
func (t turn) ordering(o outcome, store domain.Store) outcome {
	f := &flow{t: t, o: o, c: t.conv, store: store, lang: t.client.DefaultLanguage, said: normalize(t.msg.Body)}
	if f.c.Context == nil {
		f.c.Context = map[string]string{}
	}
	if t.catalog != nil {
		f.cat = t.catalog(store.StoreID)
	}
	if f.cat != nil {
		f.r = f.cat.lex.Parse(t.msg.Body)
	} else {
		f.r = understand.Result{Intents: commands.Parse(t.msg.Body).Intents}
	}
	f.o.kind = "ordering"
	f.o.conv = f.c
	f.run()
	f.o.replies = f.out
	return f.o
}

func (f *flow) run() {
	c := f.c
	if c.CurrentState == domain.StateHandoff {
		at, _ := time.Parse(time.RFC3339, c.Context[ctxHandoffAt])
		if f.t.now.Sub(at) < HandoffTimeout {
			f.o.kind = "handoff-silent" // a person is answering: the bot says nothing
			return
		}
		delete(c.Context, ctxHandoffAt)
		f.setState(f.restingState())
		f.replyText(txtBotBack)
	} else if c.Context[ctxBotBack] != "" {
		f.replyText(txtBotBack)
	}
	delete(c.Context, ctxBotBack)
	if has(f.r, understand.IntentHuman) {
		f.handOver(f.tx(txtHandoff, f.store.StoreName))
		return
	}
	if f.cat == nil || f.cat.menu.Empty() {
		f.o.kind = "no-menu"
		f.replyText(txtNoMenu, f.store.StoreName)
		return
	}
	switch c.CurrentState {
	case domain.StateAwaitingPayment:
		if f.awaitingPayment() {
			return
		}
	case domain.StateOrderPlaced:
		if f.orderPlaced() {
			return
		}
	}
	if has(f.r, understand.IntentCancel) && len(f.r.Remove) == 0 {
		f.cancel()
		return
	}
	if f.answer() {
		f.understood()
		return
	}
	if f.free() {
		f.understood()
		return
	}
	// The model reads what the rules could not read at all; a command word out of place
	// ("sim" with nothing to confirm) or a number off the list is the rules' to answer.
	if len(f.r.Intents) == 0 && f.r.Number == 0 && f.assist() {
		f.understood()
		return
	}
	f.notUnderstood()
}

// restingState is where a conversation returns after a person handled it.
func (f *flow) restingState() domain.State {
	if len(f.c.Cart) > 0 {
		return domain.StateCart
	}
	return domain.StateMenuBrowsing
}

func (f *flow) understood() { delete(f.c.Context, ctxMisses) }

// answer handles a reply to what the bot asked last; false when the message is not one.
func (f *flow) answer() bool {
	r := f.r
	switch f.awaiting() {
	case awaitCategory:
		if r.Number > 0 {
			return f.pickCategory(r.Number)
		}
	case awaitItem:
		if r.Number > 0 {
			return f.pickItem(r.Number)
		}
	case awaitSize:
		return f.answerSize()
	case awaitFulfillment:
		switch {
		case has(r, understand.IntentDelivery) || (r.Number > 0 && f.fulfillmentAt(r.Number) == domain.FulfillmentDelivery):
			f.chooseFulfillment(domain.FulfillmentDelivery)
			return true
		case has(r, understand.IntentPickup) || (r.Number > 0 && f.fulfillmentAt(r.Number) == domain.FulfillmentPickup):
			f.chooseFulfillment(domain.FulfillmentPickup)
			return true
		}
	case awaitAddress:
		if len(r.Add) == 0 && len(r.Intents) == 0 || looksLikeAddress(f.t.msg.Body) {
			return f.takeAddress()
		}
	case awaitPayment:
		if m, ok := f.paymentFrom(r); ok {
			f.choosePayment(m)
			return true
		}
	case awaitConfirm:
		switch {
		case has(r, understand.IntentYes) && len(r.Add) == 0:
			f.place()
			return true
		case has(r, understand.IntentNo) && len(r.Add) == 0:
			f.clearCheckout()
			f.setState(domain.StateCart)
			f.showCart(f.tx(txtCheckoutStopped))
			return true
		}
	}
	if f.c.CurrentState == domain.StateGreeting && has(r, understand.IntentYes) && len(r.Add) == 0 {
		// The welcome asks "want to see the menu?": yes means the menu.
		f.showCategories("")
		return true
	}
	return false
}

// free handles free text: items to add or remove, then commands. False when nothing in the
// message was understood.
func (f *flow) free() bool {
	r := f.r
	if f.forModel() && f.assist() {
		return true
	}
	did := false
	for _, rm := range r.Remove {
		f.remove(rm)
		did = true
	}
	if len(r.Add) > 0 {
		f.add(r.Add)
		did = true
	}
	for _, a := range r.Ambiguous {
		f.ambiguous(a)
		return true
	}
	if off := f.notSoldHere(); len(off) > 0 {
		for _, name := range off {
			f.reply(notify.Text(f.tx(txtUnavailable, name, f.store.StoreName)))
		}
		did = true
	} else {
		if !did && len(r.Add) == 0 {
			// "qro uma pizza", "o que tem de bebida?", "what drinks do you have": the
			// category itself.
			for _, w := range strings.Fields(f.said) {
				if sec, ok := f.categoryNamed(w); ok {
					f.showCategory(sec)
					return true
				}
			}
		}
		for _, w := range r.Unknown {
			f.unknown(w)
			did = true
		}
	}
	switch {
	case has(r, understand.IntentClearCart):
		f.c.Cart = []domain.CartItem{}
		f.clearCheckout()
		f.setState(domain.StateMenuBrowsing)
		f.replyText(txtCartCleared)
		return true
	case has(r, understand.IntentCheckout) || (did && f.checkoutAlso()):
		f.checkout()
		return true
	case has(r, understand.IntentCart):
		f.showCart("")
		return true
	case has(r, understand.IntentMenu):
		f.showCategories("")
		return true
	case has(r, understand.IntentBack):
		f.back()
		return true
	case did:
		return true
	case has(r, understand.IntentHelp):
		f.help(f.tx(txtHelpIntro))
		return true
	case has(r, understand.IntentGreeting) && f.c.CurrentState == domain.StateGreeting:
		f.replyText(txtGreetingAgain, f.store.StoreName)
		return true
	case has(r, understand.IntentGreeting):
		f.help(f.tx(txtHello))
		return true
	case has(r, understand.IntentThanks):
		f.replyText(txtThanks)
		return true
	case has(r, understand.IntentDelivery), has(r, understand.IntentPickup), has(r, understand.IntentPayPIX),
		has(r, understand.IntentPayCredit), has(r, understand.IntentPayDebit):
		// Checkout words out of place: the customer wants to check out.
		f.checkout()
		return true
	}
	return false
}

// categoryNamed finds the category a word names ("pizza" for Pizzas, "bebida" for Bebidas,
// "drinks"), ignoring accents and a plural.
func (f *flow) categoryNamed(word string) (ordering.MenuSection, bool) {
	w := strings.TrimSuffix(normalize(word), "s")
	if len(w) < 3 {
		return ordering.MenuSection{}, false
	}
	for _, sec := range f.cat.menu.Categories {
		if strings.TrimSuffix(normalize(sec.Category.Name), "s") == w {
			return sec, true
		}
	}
	return ordering.MenuSection{}, false
}

// notSoldHere names the brand's items the message asks for that this store does not sell
// now (the store's lexicon does not know them, the brand's does).
func (f *flow) notSoldHere() []string {
	if len(f.cat.menu.Unavailable) == 0 {
		return nil
	}
	var names []string
	for _, rq := range f.cat.all.Parse(f.t.msg.Body).Add {
		if _, sold := f.cat.menu.Item(rq.ItemID); sold {
			continue
		}
		for _, it := range f.cat.menu.Unavailable {
			if it.ItemID == rq.ItemID && !slices.Contains(names, it.Name) {
				names = append(names, it.Name)
			}
		}
	}
	return names
}

// checkoutAlso: items added in a message that also says delivery or a payment method
// ("2 cocas e pode mandar pra entrega") go on to checkout.
func (f *flow) checkoutAlso() bool {
	return has(f.r, understand.IntentDelivery) || has(f.r, understand.IntentPickup)
}

// ---- menu ---------------------------------------------------------------------------------

func (f *flow) showCategories(intro string) {
	f.o.kind = "menu"
	f.setState(domain.StateMenuBrowsing)
	var names, ids []string
	for _, s := range f.cat.menu.Categories {
		names = append(names, s.Category.Name)
		ids = append(ids, s.Category.CategoryID)
	}
	if intro != "" {
		intro += "\n\n"
	}
	f.offer(awaitCategory, ids)
	f.reply(notify.List(intro+f.tx(txtMenuIntro, f.store.StoreName), names, f.tx(txtMenuFooter)))
}

func (f *flow) offer(what string, ids []string) {
	f.await(what)
	f.c.Context[ctxOffered] = strings.Join(ids, ",")
}

func (f *flow) offered() []string {
	if v := f.c.Context[ctxOffered]; v != "" {
		return strings.Split(v, ",")
	}
	return nil
}

func (f *flow) pickCategory(n int) bool {
	ids := f.offered()
	if n < 1 || n > len(ids) {
		f.o.kind = "invalid-number"
		f.showCategories(f.tx(txtNoSuchNumber, n))
		return true
	}
	for _, s := range f.cat.menu.Categories {
		if s.Category.CategoryID == ids[n-1] {
			f.showCategory(s)
			return true
		}
	}
	f.showCategories("")
	return true
}

func (f *flow) showCategory(s ordering.MenuSection) {
	f.o.kind = "category"
	f.setState(domain.StateItemSelection)
	f.c.Context[ctxCategory] = s.Category.CategoryID
	var lines, ids []string
	var extras []string
	for _, it := range s.Items {
		lines = append(lines, f.itemLine(it))
		ids = append(ids, it.ItemID)
		for _, o := range it.Options {
			e := ordering.OptionLabel(o)
			if !slices.Contains(extras, e) {
				extras = append(extras, e)
			}
		}
	}
	footer := f.tx(txtCategoryFooter)
	if len(extras) > 0 {
		footer = f.tx(txtExtras, strings.Join(extras, ", ")) + "\n" + footer
	}
	f.offer(awaitItem, ids)
	f.reply(notify.List("*"+s.Category.Name+"*", lines, footer))
}

// itemLine shows an item with its prices at the store: "Calabresa — Média R$ 42,00 · Grande
// R$ 52,00".
func (f *flow) itemLine(it domain.MenuItem) string {
	return it.Name + " — " + ordering.Prices(it, f.store.StoreID)
}

func (f *flow) pickItem(n int) bool {
	ids := f.offered()
	if n < 1 || n > len(ids) {
		f.o.kind = "invalid-number"
		f.replyText(txtNoSuchNumber, n)
		return true
	}
	f.add([]understand.ItemRequest{{ItemID: ids[n-1], Quantity: 1}})
	return true
}

func (f *flow) back() {
	switch {
	case f.c.CurrentState == domain.StateCheckout:
		f.clearCheckout()
		f.setState(domain.StateCart)
		f.showCart("")
	default:
		f.showCategories("")
	}
}

// ---- cart ---------------------------------------------------------------------------------

// add puts the requested items in the cart. An item that needs a size and has none waits for
// it (one question at a time); what cannot be added says why.
func (f *flow) add(reqs []understand.ItemRequest) {
	var added []string
	var problems []string
	for i, rq := range reqs {
		it, ok := f.cat.menu.Item(rq.ItemID)
		if !ok {
			problems = append(problems, f.unavailableText(rq.ItemID))
			continue
		}
		q := max(rq.Quantity, 1)
		line, err := ordering.NewLine(it, f.store.StoreID, rq.SizeID, rq.OptionIDs, q)
		switch {
		case err == ordering.ErrSizeRequired:
			// Ask for the size of this one; the rest of the message waits for a repeat
			// only if it was not added already.
			f.reportAdded(added, problems)
			f.askSize(it, q, rq.OptionIDs, reqs[i+1:])
			return
		case err == ordering.ErrQuantity:
			problems = append(problems, f.tx(txtTooMany, ordering.MaxLineQuantity, it.Name))
			continue
		case err != nil:
			problems = append(problems, f.tx(txtCannotAdd, it.Name))
			continue
		}
		cart, err := ordering.Add(f.c.Cart, line)
		if err != nil {
			problems = append(problems, f.tx(txtCartFull))
			continue
		}
		f.c.Cart = cart
		added = append(added, fmt.Sprintf("%dx %s — %s", line.Quantity, ordering.Describe(line), ordering.FormatBRL(line.TotalCents())))
	}
	f.reportAdded(added, problems)
	if len(added) > 0 {
		f.o.kind = "added"
		f.afterCartChange()
	}
}

// afterCartChange leaves checkout (its choices depended on the cart) and shows the cart.
func (f *flow) afterCartChange() {
	f.clearCheckout()
	f.setState(domain.StateCart)
	delete(f.c.Context, ctxAwait)
	f.showCart("")
}

func (f *flow) reportAdded(added, problems []string) {
	var b []string
	if len(added) > 0 {
		b = append(b, f.tx(txtAdded)+"\n"+strings.Join(added, "\n"))
	}
	b = append(b, problems...)
	if len(b) > 0 {
		f.reply(notify.Text(strings.Join(b, "\n")))
	}
}

// unavailableText explains why an item cannot be ordered here.
func (f *flow) unavailableText(itemID string) string {
	name := itemID
	if f.cat != nil {
		for _, s := range f.cat.menu.Unavailable {
			if s.ItemID == itemID {
				name = s.Name
			}
		}
	}
	return f.tx(txtUnavailable, name, f.store.StoreName)
}

func (f *flow) askSize(it domain.MenuItem, q int, opts []string, rest []understand.ItemRequest) {
	f.o.kind = "ask-size"
	f.setState(domain.StateItemSelection)
	f.c.Context[ctxPendingItem] = it.ItemID + "|" + strconv.Itoa(q) + "|" + strings.Join(opts, ",")
	var lines, ids []string
	for _, s := range it.Sizes {
		p, _ := it.PriceAt(f.store.StoreID, s.SizeID)
		lines = append(lines, s.Name+" — "+ordering.FormatBRL(p))
		ids = append(ids, s.SizeID)
	}
	f.offer(awaitSize, ids)
	footer := ""
	if len(rest) > 0 {
		footer = f.tx(txtOneAtATime)
	}
	f.reply(notify.List(f.tx(txtAskSize, it.Name), lines, footer))
}

// answerSize reads the size of the pending item: a number, or the size's name ("grande").
func (f *flow) answerSize() bool {
	parts := strings.SplitN(f.c.Context[ctxPendingItem], "|", 3)
	if len(parts) != 3 {
		delete(f.c.Context, ctxAwait)
		return false
	}
	it, ok := f.cat.menu.Item(parts[0])
	if !ok {
		delete(f.c.Context, ctxAwait)
		return false
	}
	q, _ := strconv.Atoi(parts[1])
	var opts []string
	if parts[2] != "" {
		opts = strings.Split(parts[2], ",")
	}
	sizeID := ""
	ids := f.offered()
	if n := f.r.Number; n >= 1 && n <= len(ids) {
		sizeID = ids[n-1]
	}
	for _, rq := range f.r.Add {
		if rq.ItemID == it.ItemID && rq.SizeID != "" {
			sizeID = rq.SizeID
			opts = append(opts, rq.OptionIDs...)
		}
	}
	if sizeID == "" {
		for _, s := range it.Sizes {
			if strings.Contains(" "+f.said+" ", " "+normalize(s.Name)+" ") {
				sizeID = s.SizeID
			}
		}
	}
	if sizeID == "" {
		return false // not an answer: read as free text (and asked again if not understood)
	}
	for _, o := range it.Options {
		if strings.Contains(" "+f.said+" ", " "+normalize(o.Name)+" ") || strings.Contains(" "+f.said+" ", " "+firstWord(o.Name)+" ") {
			opts = append(opts, o.OptionID)
		}
	}
	delete(f.c.Context, ctxPendingItem)
	delete(f.c.Context, ctxAwait)
	f.add([]understand.ItemRequest{{ItemID: it.ItemID, Quantity: max(q, 1), SizeID: sizeID, OptionIDs: opts}})
	return true
}

func firstWord(s string) string {
	w := strings.Fields(normalize(s))
	if len(w) == 0 {
		return s
	}
	return w[0]
}

// remove takes items out of the cart: the matching line (of that size, if one was said),
// the quantity said or all of it.
func (f *flow) remove(rq understand.ItemRequest) {
	for i, l := range f.c.Cart {
		if l.ItemID != rq.ItemID || (rq.SizeID != "" && l.SizeID != rq.SizeID) {
			continue
		}
		q := 0
		if rq.QuantitySaid {
			q = rq.Quantity
		}
		removed := l.Quantity
		if q > 0 && q < l.Quantity {
			removed = q
		}
		f.c.Cart = ordering.RemoveAt(f.c.Cart, i, q)
		f.o.kind = "removed"
		f.replyText(txtRemoved, removed, ordering.Describe(l))
		if len(f.r.Add) == 0 {
			f.afterCartChange()
		}
		return
	}
	name := rq.ItemID
	if it, ok := f.cat.menu.Item(rq.ItemID); ok {
		name = it.Name
	}
	f.replyText(txtNotInCart, name)
}

func (f *flow) ambiguous(a understand.Ambiguity) {
	f.o.kind = "ambiguous"
	var names, ids []string
	for _, id := range a.ItemIDs {
		if it, ok := f.cat.menu.Item(id); ok {
			names = append(names, f.itemLine(it))
			ids = append(ids, id)
		}
	}
	f.setState(domain.StateItemSelection)
	f.offer(awaitItem, ids)
	f.reply(notify.List(f.tx(txtWhichOne, a.Words), names, f.tx(txtReplyNumber)))
}

func (f *flow) unknown(words string) {
	f.o.kind = "unknown-item"
	f.replyText(txtUnknownItem, words)
}

func (f *flow) showCart(intro string) {
	if f.o.kind == "ordering" {
		f.o.kind = "cart"
	}
	if len(f.c.Cart) == 0 {
		f.reply(notify.Text(strings.TrimSpace(intro + "\n" + f.tx(txtCartEmpty))))
		return
	}
	var lines []string
	for _, l := range f.c.Cart {
		lines = append(lines, fmt.Sprintf("%dx %s — %s", l.Quantity, ordering.Describe(l), ordering.FormatBRL(l.TotalCents())))
	}
	head := f.tx(txtCartHead)
	if intro != "" {
		head = intro + "\n\n" + head
	}
	body := head + "\n" + strings.Join(lines, "\n") + "\n" + f.tx(txtSubtotal, ordering.FormatBRL(ordering.Subtotal(f.c.Cart)))
	f.reply(notify.Message{Text: body, Footer: f.tx(txtCartFooter)})
}

// ---- checkout -----------------------------------------------------------------------------

func (f *flow) clearCheckout() {
	for _, k := range []string{ctxFulfillment, ctxAddress, ctxPayment, ctxPendingItem} {
		delete(f.c.Context, k)
	}
	if a := f.awaiting(); a == awaitFulfillment || a == awaitAddress || a == awaitPayment || a == awaitConfirm {
		delete(f.c.Context, ctxAwait)
	}
}

// checkout starts (or continues) checkout: an empty cart and a closed store stop it here.
func (f *flow) checkout() {
	f.o.kind = "checkout"
	if len(f.c.Cart) == 0 {
		f.showCategories(f.tx(txtCartEmpty))
		return
	}
	if !f.store.IsOpenAt(f.t.now) {
		f.o.kind = "closed"
		f.reply(notify.Text(f.closedText()))
		return
	}
	f.setState(domain.StateCheckout)
	switch {
	case has(f.r, understand.IntentDelivery) && f.store.DeliveryConfig.DeliveryEnabled:
		f.chooseFulfillment(domain.FulfillmentDelivery)
	case has(f.r, understand.IntentPickup) && f.store.DeliveryConfig.PickupEnabled:
		f.chooseFulfillment(domain.FulfillmentPickup)
	default:
		opts := ordering.Fulfillments(&f.store)
		switch len(opts) {
		case 0:
			f.replyText(txtNoFulfillment, f.store.StoreName)
		case 1:
			f.chooseFulfillment(opts[0])
		default:
			f.askFulfillment()
		}
	}
}

func (f *flow) askFulfillment() {
	var lines []string
	var ids []string
	for _, ff := range ordering.Fulfillments(&f.store) {
		ids = append(ids, string(ff))
		lines = append(lines, f.fulfillmentLabel(ff))
	}
	f.offer(awaitFulfillment, ids)
	f.reply(notify.List(f.tx(txtAskFulfillment), lines, ""))
}

func (f *flow) fulfillmentLabel(ff domain.Fulfillment) string {
	d := f.store.DeliveryConfig
	if ff == domain.FulfillmentPickup {
		return f.tx(txtPickupOption, f.store.Address.String())
	}
	s := f.tx(txtDeliveryOption, ordering.FormatBRL(d.DeliveryFeeCents))
	if d.FreeDeliveryAboveCents > 0 {
		s += f.tx(txtFreeAbove, ordering.FormatBRL(d.FreeDeliveryAboveCents))
	}
	if d.EstimatedMinutes > 0 {
		s += f.tx(txtAboutMinutes, d.EstimatedMinutes)
	}
	return s
}

func (f *flow) fulfillmentAt(n int) domain.Fulfillment {
	ids := f.offered()
	if n < 1 || n > len(ids) {
		return ""
	}
	return domain.Fulfillment(ids[n-1])
}

func (f *flow) chooseFulfillment(ff domain.Fulfillment) {
	f.setState(domain.StateCheckout)
	if ff == domain.FulfillmentDelivery {
		if !f.store.DeliveryConfig.DeliveryEnabled {
			f.replyText(txtNoDelivery, f.store.StoreName)
			f.askFulfillment()
			return
		}
		q := ordering.QuoteFor(&f.store, f.c.Cart, ff)
		if q.MissingCents > 0 {
			f.o.kind = "below-minimum"
			f.setState(domain.StateCart)
			delete(f.c.Context, ctxAwait)
			f.replyText(txtBelowMinimum, ordering.FormatBRL(f.store.DeliveryConfig.MinimumOrderCents),
				ordering.FormatBRL(q.MissingCents), ordering.FormatBRL(q.SubtotalCents))
			return
		}
		f.c.Context[ctxFulfillment] = string(ff)
		if addr := f.c.Context[ctxAddress]; addr != "" {
			f.askPayment()
			return
		}
		f.await(awaitAddress)
		f.replyText(txtAskAddress)
		return
	}
	if !f.store.DeliveryConfig.PickupEnabled {
		f.replyText(txtNoPickup, f.store.StoreName)
		f.askFulfillment()
		return
	}
	f.c.Context[ctxFulfillment] = string(ff)
	delete(f.c.Context, ctxAddress)
	f.askPayment()
}

// looksLikeAddress: letters and a house number ("rua augusta 500 ap 12").
func looksLikeAddress(s string) bool {
	n := normalize(s)
	hasDigit := strings.IndexFunc(n, func(r rune) bool { return r >= '0' && r <= '9' }) >= 0
	return hasDigit && utf8.RuneCountInString(n) >= minAddressRunes && len(strings.Fields(n)) >= 2
}

func (f *flow) takeAddress() bool {
	addr := strings.Join(strings.Fields(f.t.msg.Body), " ")
	if utf8.RuneCountInString(addr) < minAddressRunes {
		f.o.kind = "bad-address"
		f.replyText(txtBadAddress)
		return true
	}
	f.c.Context[ctxAddress] = clip(addr, maxAddressRunes)
	f.askPayment()
	return true
}

func (f *flow) askPayment() {
	f.o.kind = "ask-payment"
	var lines, ids []string
	for _, m := range f.store.PaymentMethods {
		ids = append(ids, string(m))
		lines = append(lines, f.paymentLabel(m))
	}
	if len(ids) == 1 {
		f.choosePayment(f.store.PaymentMethods[0])
		return
	}
	f.offer(awaitPayment, ids)
	f.reply(notify.List(f.tx(txtAskPayment), lines, ""))
}

func (f *flow) paymentLabel(m domain.PaymentMethod) string {
	switch m {
	case domain.PaymentPIX:
		return f.tx(txtPayPIX)
	case domain.PaymentCredit:
		if f.store.CardOnline {
			return f.tx(txtPayCreditLink)
		}
		return f.tx(txtPayCredit)
	default:
		return f.tx(txtPayDebit)
	}
}

func (f *flow) paymentFrom(r understand.Result) (domain.PaymentMethod, bool) {
	var want domain.PaymentMethod
	switch {
	case has(r, understand.IntentPayPIX):
		want = domain.PaymentPIX
	case has(r, understand.IntentPayDebit):
		want = domain.PaymentDebit
	case has(r, understand.IntentPayCredit):
		want = domain.PaymentCredit
	case r.Number > 0:
		ids := f.offered()
		if r.Number <= len(ids) {
			want = domain.PaymentMethod(ids[r.Number-1])
		}
	}
	if want == "" {
		return "", false
	}
	if !f.store.Accepts(want) {
		f.replyText(txtPaymentNotAccepted, f.paymentLabel(want))
		f.askPayment()
		return "", false
	}
	return want, true
}

func (f *flow) choosePayment(m domain.PaymentMethod) {
	f.c.Context[ctxPayment] = string(m)
	f.confirm()
}

// confirm shows the full summary and asks for a yes.
func (f *flow) confirm() {
	f.o.kind = "confirm"
	ff := domain.Fulfillment(f.c.Context[ctxFulfillment])
	q := ordering.QuoteFor(&f.store, f.c.Cart, ff)
	var b strings.Builder
	b.WriteString(f.tx(txtSummaryHead) + "\n")
	for _, l := range f.c.Cart {
		fmt.Fprintf(&b, "%dx %s — %s\n", l.Quantity, ordering.Describe(l), ordering.FormatBRL(l.TotalCents()))
	}
	b.WriteString(f.tx(txtSubtotal, ordering.FormatBRL(q.SubtotalCents)) + "\n")
	if ff == domain.FulfillmentDelivery {
		if q.FreeDelivery {
			b.WriteString(f.tx(txtFeeFree) + "\n")
		} else {
			b.WriteString(f.tx(txtFee, ordering.FormatBRL(q.DeliveryFeeCents)) + "\n")
		}
	}
	b.WriteString(f.tx(txtTotal, ordering.FormatBRL(q.TotalCents)) + "\n")
	if ff == domain.FulfillmentDelivery {
		b.WriteString(f.tx(txtDeliverTo, f.c.Context[ctxAddress], f.store.DeliveryConfig.EstimatedMinutes) + "\n")
	} else {
		b.WriteString(f.tx(txtPickupAt, f.store.StoreName, f.store.Address.String()) + "\n")
	}
	b.WriteString(f.tx(txtPaymentIs, f.paymentLabel(domain.PaymentMethod(f.c.Context[ctxPayment]))))
	f.await(awaitConfirm)
	f.reply(notify.Message{Text: b.String(), Footer: f.tx(txtConfirmQuestion)})
}

// place turns the confirmed cart into an order. The order is placed by the service before
// the conversation is written (see outcome.order).
func (f *flow) place() {
	if !f.store.IsOpenAt(f.t.now) {
		f.o.kind = "closed"
		f.reply(notify.Text(f.closedText()))
		return
	}
	co := ordering.Checkout{
		Fulfillment:   domain.Fulfillment(f.c.Context[ctxFulfillment]),
		Address:       f.c.Context[ctxAddress],
		PaymentMethod: domain.PaymentMethod(f.c.Context[ctxPayment]),
	}
	if co.Fulfillment == "" || co.PaymentMethod == "" || (co.Fulfillment == domain.FulfillmentDelivery && co.Address == "") {
		f.checkout() // a choice went missing: ask again rather than guess
		return
	}
	if q := ordering.QuoteFor(&f.store, f.c.Cart, co.Fulfillment); q.MissingCents > 0 {
		f.chooseFulfillment(co.Fulfillment) // says what is missing
		return
	}
	id := ordering.OrderID(f.t.client.ClientID, f.c.SessionID, f.t.msg.MessageSid)
	order := ordering.NewOrder(id, &f.store, f.c, f.c.Cart, co, f.t.now)
	order.Test = domain.IsSandboxNumber(order.CustomerPhone) // never sent to the kitchen
	f.o.order = order
	f.o.kind = "order-placed"
	f.c.Context[ctxLastOrder] = id
	f.c.Cart = []domain.CartItem{}
	f.clearCheckout()
	delete(f.c.Context, ctxAwait)
	total := ordering.FormatBRL(order.TotalCents)
	if order.PaidOnline() {
		f.setState(domain.StateAwaitingPayment)
		if co.PaymentMethod == domain.PaymentPIX {
			f.replyText(txtPlacedPIX, id, total)
			return
		}
		f.c.Context[ctxPaidByLink] = id
		f.replyText(txtPlacedLink, id, total)
		return
	}
	f.setState(domain.StateOrderPlaced)
	eta := f.tx(txtEtaPickup, f.store.StoreName)
	if co.Fulfillment == domain.FulfillmentDelivery {
		eta = f.tx(txtEtaDelivery, f.store.DeliveryConfig.EstimatedMinutes)
	}
	f.replyText(txtPlaced, id, total, f.paymentLabel(co.PaymentMethod), eta)
}

// closedText says the store is closed and when it opens, in its time zone.
func (f *flow) closedText() string {
	next, ok := f.store.NextOpening(f.t.now)
	if !ok {
		return f.tx(txtClosedNoHours, f.store.StoreName)
	}
	loc, _ := domain.LoadTimezone(f.store.Timezone)
	return f.tx(txtClosed, f.store.StoreName, dayName(f.t.client, f.lang, f.t.now.In(loc), next), next.Format("15:04"))
}

// dayName says when next is, seen from now: "hoje", "amanhã" or the weekday.
func dayName(c *domain.Client, lang domain.Language, now, next time.Time) string {
	y1, m1, d1 := now.Date()
	today := time.Date(y1, m1, d1, 0, 0, 0, 0, now.Location())
	y2, m2, d2 := next.Date()
	days := int(time.Date(y2, m2, d2, 0, 0, 0, 0, now.Location()).Sub(today).Hours() / 24)
	switch days {
	case 0:
		return textIn(c, lang, txtToday)
	case 1:
		return textIn(c, lang, txtTomorrow)
	}
	if lang == domain.EnUS {
		return "on " + next.Weekday().String()
	}
	return []string{"no domingo", "na segunda-feira", "na terça-feira", "na quarta-feira", "na quinta-feira", "na sexta-feira", "no sábado"}[next.Weekday()]
}

func (f *flow) cancel() {
	f.o.kind = "cancelled"
	f.c.Cart = []domain.CartItem{}
	f.clearCheckout()
	delete(f.c.Context, ctxAwait)
	f.setState(domain.StateMenuBrowsing)
	f.replyText(txtCancelled)
}

// awaitingPayment answers while a PIX order waits for its payment; false lets the message
// through (a new order can be started meanwhile).
func (f *flow) awaitingPayment() bool {
	id := f.c.Context[ctxLastOrder]
	switch {
	case has(f.r, understand.IntentCancel) && len(f.r.Remove) == 0:
		f.o.kind = "order-cancelled"
		f.o.cancelOrder = id
		f.setState(domain.StateMenuBrowsing)
		delete(f.c.Context, ctxAwait)
		f.replyText(txtOrderCancelled, id)
		return true
	case f.awaiting() == awaitCPF:
		// The payment provider needs the payer's CPF: the service charges with it and says
		// how to pay (payments.go).
		switch cpf, found, ok := cpfIn(f.t.msg.Body); {
		case ok:
			f.o.kind = "cpf-given"
			f.o.charge = &chargeRequest{orderID: id, cpf: cpf}
		case found:
			f.o.kind = "cpf-invalid"
			f.replyText(txtBadCPF)
		default:
			f.o.kind = "cpf-asked"
			f.replyText(txtAskCPF)
		}
		return true
	case f.t.canCharge && wantsCode(f.said):
		// Before items: "can you send the pix again" must not order a can of soda.
		f.o.kind = "pix-again"
		f.o.charge = &chargeRequest{orderID: id}
		return true
	case len(f.r.Add) == 0 && !has(f.r, understand.IntentMenu) && !has(f.r, understand.IntentCart):
		f.o.kind = "awaiting-payment"
		if f.c.Context[ctxPaidByLink] == id {
			f.replyText(txtAwaitingLink, id)
			return true
		}
		f.replyText(txtAwaitingPayment, id)
		return true
	}
	return false
}

// handOver gives the conversation to a person of the store (HandoffTimeout) with say.
func (f *flow) handOver(say string) {
	f.o.kind = "handoff"
	f.setState(domain.StateHandoff)
	f.c.Context[ctxHandoffAt] = f.t.now.UTC().Format(time.RFC3339)
	delete(f.c.Context, ctxAwait)
	f.reply(notify.Text(say))
}

// orderPlaced answers after an order was placed: a repeated confirmation does not order
// again; anything about a new order goes through. Cancelling an order the kitchen has is the
// store's call (the bot cannot know whether it is being prepared): a person takes over, and an
// operator's cancellation refunds a paid order (Service.CancelOrder).
func (f *flow) orderPlaced() bool {
	r := f.r
	if has(r, understand.IntentCancel) && len(r.Remove) == 0 && len(r.Add) == 0 {
		f.handOver(f.tx(txtCancelPlaced, f.c.Context[ctxLastOrder], f.store.StoreName))
		return true
	}
	if len(r.Add) > 0 || has(r, understand.IntentMenu) || has(r, understand.IntentCart) || r.Number > 0 || has(r, understand.IntentHelp) {
		f.setState(domain.StateMenuBrowsing)
		return false
	}
	f.o.kind = "already-placed"
	f.replyText(txtAlreadyPlaced, f.c.Context[ctxLastOrder])
	return true
}

// notUnderstood helps: what the customer can type, and the second time in a row the menu
// itself and a person, so nobody hits the same dead end twice.
func (f *flow) notUnderstood() {
	f.o.kind = "not-understood"
	misses, _ := strconv.Atoi(f.c.Context[ctxMisses])
	misses++
	f.c.Context[ctxMisses] = strconv.Itoa(misses)
	if a := f.awaiting(); a != "" && misses == 1 {
		switch a {
		case awaitSize, awaitFulfillment, awaitPayment, awaitItem, awaitCategory:
			f.replyText(txtPickFromList)
			return
		case awaitAddress:
			f.replyText(txtBadAddress)
			return
		case awaitConfirm:
			f.replyText(txtConfirmQuestion)
			return
		}
	}
	if misses >= 2 {
		f.showCategories(f.tx(txtStillLost))
		return
	}
	f.help(f.tx(txtNotUnderstood))
}

func (f *flow) help(intro string) {
	f.reply(notify.Text(intro + "\n" + f.tx(txtHelp, f.exampleItem())))
}

// exampleItem is a real item of this store to show in help texts.
func (f *flow) exampleItem() string {
	items := f.cat.menu.Items()
	if len(items) == 0 {
		return ""
	}
	it := items[0]
	if len(it.Sizes) > 0 {
		return strings.ToLower(it.Name + " " + it.Sizes[len(it.Sizes)-1].Name)
	}
	return strings.ToLower(it.Name)
}

// commands reads commands in a message without a menu (a store not chosen yet, or no menu).
var commands = understand.NewLexicon(nil)

// wantsStoreChange: "quero trocar de loja" said inside a sentence.
func (t turn) wantsStoreChange() bool {
	return slices.Contains(commands.Parse(t.msg.Body).Intents, understand.IntentChangeStore)
}
