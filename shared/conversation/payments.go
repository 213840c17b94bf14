package conversation

// Online payments (PIX) through the brand's payment provider (Deps.Payments, Asaas).
//
// Charging. A PIX order is placed AWAITING_PAYMENT, then charged in the same turn, before the
// conversation is written: the provider finds the order's charge by the order id before it
// creates one, so a retried turn (the charge timed out, the write lost a race) never charges
// twice. The copy-and-paste code goes out as replies of the turn, recorded in the history
// like any other reply, so a redelivery sends the same code again instead of charging again.
// When the provider needs the payer's CPF, the customer is asked for it; the CPF goes to the
// provider only (the history keeps it masked) and the provider's customer id is kept on the
// phone mapping, so it is not asked again.
//
// Payment events. The payment webhook queues the provider's events in the customer's own
// FIFO group (domain.InboundMessage.Payment), so they are handled here in order with the
// customer's messages: paid moves the order to CONFIRMED, hands it to the store's POS once
// and tells the customer; overdue or removed cancels an order still waiting, removes the
// charge so it cannot be paid late, puts the items back in the cart and offers to pay again;
// refunded is recorded. Money that arrives for an order already cancelled, or a second charge
// of an order already paid, is refunded. Each notice is sent once (an idempotency claim per
// order and notice), however often the event comes.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"time"

	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/notify"
	"github.com/wabot-platform/wabot/shared/ordering"
)

// awaitCPF: the last reply asked for the payer's CPF, which the provider needs to charge.
const awaitCPF = "cpf"

// chargeRequest is an order to charge again in this turn: with the CPF the customer just
// gave, or to send its code again.
type chargeRequest struct {
	orderID string
	cpf     string // 11 digits, or ""
}

// cpfPattern finds a CPF written inside a sentence: "meu cpf é 123.456.789-09".
var cpfPattern = regexp.MustCompile(`\d{3}[.\s]?\d{3}[.\s]?\d{3}[-.\s]?\d{2}`)

// cpfIn returns the CPF in a message: ok when it has valid check digits; found when the
// message holds something shaped like one (so a typo gets "check the number", not "send your
// CPF").
func cpfIn(body string) (digits string, found, ok bool) {
	for _, m := range cpfPattern.FindAllString(body, -1) {
		found = true
		if d, valid := domain.ValidCPF(m); valid {
			return d, true, true
		}
	}
	return "", found, false
}

// wantsCode: the customer asks for the PIX code again ("manda o pix de novo", "cade o codigo").
func wantsCode(said string) bool {
	for _, w := range strings.Fields(said) {
		switch w {
		case "pix", "codigo", "code", "qr", "qrcode", "copia", "link", "chave":
			return true
		}
	}
	return false
}

// payerReference is the customer's id at the brand's provider: stable for the brand, not the
// phone number, and unlinkable across brands.
func payerReference(clientID, phone string) string {
	sum := sha256.Sum256([]byte(clientID + "\x00" + phone))
	return "wabot-" + hex.EncodeToString(sum[:10])
}

// charge charges order in the turn (a PIX order just placed, or the CPF just given) and adds
// the replies that say how to pay, or what is missing, to o (and to the history of o.conv,
// so a redelivery sends them again). fresh is how many messages the turn has. A transient
// failure is returned: the turn is retried and the provider finds the charge it may have
// made. Without a provider, for a test order, or for an order that no longer waits for its
// payment, it does nothing.
func (s *Service) charge(ctx context.Context, log *slog.Logger, client *domain.Client, mapping *domain.PhoneMapping, o *outcome, order *domain.Order, cpf string, fresh int) error {
	if s.d.Payments == nil || order == nil || order.Test || !order.PaidOnline() || o.conv == nil {
		return nil
	}
	if order.Status != domain.OrderAwaitingPayment {
		log.InfoContext(ctx, "order no longer waits for its payment: not charged", "orderId", order.OrderID, "status", order.Status)
		return nil
	}
	payer := domain.Payer{Name: order.CustomerName, Phone: order.CustomerPhone, Reference: payerReference(client.ClientID, order.CustomerPhone), CPF: cpf}
	if mapping != nil {
		payer.CustomerID = mapping.PaymentCustomerID
	}
	if cpf != "" {
		redactCPF(o.conv, fresh)
	}
	ch, err := s.d.Payments.Charge(ctx, client, order, payer)
	switch {
	case errors.Is(err, domain.ErrPayerCPFRequired), errors.Is(err, domain.ErrPayerCPFInvalid):
		log.InfoContext(ctx, "the payment provider needs the payer's CPF", "orderId", order.OrderID, "given", cpf != "")
		o.conv.Context[ctxAwait] = awaitCPF
		id := txtAskCPF
		if cpf != "" {
			id = txtBadCPF
		}
		o.addReplies(s.now(), fresh, notify.Text(text(client, id)))
		return nil
	case err != nil && !domain.IsPermanent(err):
		return fmt.Errorf("conversation: charge order %s: %w", order.OrderID, err)
	case err != nil:
		// The provider refuses for good (a bad key, an account not allowed PIX): no code can
		// be had; the order is cancelled and the items go back to the cart.
		log.ErrorContext(ctx, "the payment provider refused the charge; order cancelled", "event", "charge_refused", "orderId", order.OrderID, "error", err)
		if _, cerr := s.moveOrder(ctx, order.ClientID, order.OrderID, domain.OrderCancelled, "the payment provider refused the charge"); cerr != nil {
			return cerr
		}
		restoreCart(o.conv, order)
		o.addReplies(s.now(), fresh, notify.Text(text(client, txtChargeFailed, order.OrderID)))
		return nil
	}
	delete(o.conv.Context, ctxAwait)
	if _, err := s.d.Orders.UpdateOrder(ctx, order.ClientID, order.OrderID, func(cur *domain.Order) error {
		cur.PaymentID, cur.PaymentExpiresAt = ch.PaymentID, ch.ExpiresAt.UTC()
		return nil
	}); err != nil {
		return fmt.Errorf("conversation: record the charge of order %s: %w", order.OrderID, err)
	}
	if ch.CustomerID != "" && (mapping == nil || mapping.PaymentCustomerID != ch.CustomerID) {
		if _, err := s.d.Mappings.UpdateMapping(ctx, order.ClientID, order.CustomerPhone, func(m *domain.PhoneMapping) error {
			m.PaymentCustomerID = ch.CustomerID
			return nil
		}); err != nil {
			// Only a lookup more next time.
			log.WarnContext(ctx, "could not keep the payer's provider id on the mapping", "error", err)
		}
	}
	log.InfoContext(ctx, "order charged", "orderId", order.OrderID, "paymentId", ch.PaymentID, "status", ch.Status)
	o.addReplies(s.now(), fresh, chargeReplies(client, order, ch)...)
	return nil
}

// chargeReplies say how to pay: the amount, until when, the payment page, then the PIX code
// alone in a message of its own, so it is copied with one long press.
func chargeReplies(client *domain.Client, order *domain.Order, ch *domain.Charge) []notify.Message {
	total := ordering.FormatBRL(order.TotalCents)
	until := ""
	if !ch.ExpiresAt.IsZero() {
		until = ch.ExpiresAt.In(domain.DefaultLocation()).Format("02/01 15:04")
	}
	if ch.PixCode == "" {
		return []notify.Message{notify.Text(text(client, txtPayByLink, order.OrderID, total, ch.URL))}
	}
	intro := text(client, txtPixCode, total, until)
	if ch.URL != "" {
		intro += "\n" + text(client, txtPixPage, ch.URL)
	}
	return []notify.Message{notify.Text(intro), notify.Text(ch.PixCode)}
}

// addReplies adds replies to the turn's and records them after the turn's other replies.
func (o *outcome) addReplies(now time.Time, fresh int, msgs ...notify.Message) {
	for _, m := range msgs {
		for _, p := range notify.Parts(m) {
			o.replies = append(o.replies, p)
			o.conv.AppendHistory(domain.HistoryEntry{Direction: domain.Outbound, Body: p.Render(), At: now})
		}
	}
	o.conv.BoundHistory(fresh + len(o.replies))
}

// redactCPF masks the CPF in the turn's inbound messages in the history: it went to the
// payment provider and is kept nowhere else.
func redactCPF(c *domain.Conversation, fresh int) {
	seen := 0
	for i := len(c.MessageHistory) - 1; i >= 0 && seen < fresh; i-- {
		e := &c.MessageHistory[i]
		if e.Direction != domain.Inbound {
			continue
		}
		seen++
		e.Body = cpfPattern.ReplaceAllStringFunc(e.Body, func(m string) string {
			if _, ok := domain.ValidCPF(m); ok {
				return "***.***.***-**"
			}
			return m
		})
	}
}

// restoreCart puts an order's lines back in the customer's cart (a charge that failed or
// expired), so paying again is one "finalizar" away.
func restoreCart(c *domain.Conversation, order *domain.Order) {
	c.Cart = append([]domain.CartItem(nil), order.Lines...)
	c.CurrentState = domain.StateCart
	delete(c.Context, ctxAwait)
}

// moveOrder moves an order to next (a no-op when it is there already).
func (s *Service) moveOrder(ctx context.Context, clientID, orderID string, next domain.OrderStatus, reason string) (*domain.Order, error) {
	o, err := s.d.Orders.UpdateOrder(ctx, clientID, orderID, func(o *domain.Order) error {
		_, err := o.MoveTo(next, s.now(), reason)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("conversation: move order %s to %s: %w", orderID, next, err)
	}
	return o, nil
}

// ---- payment events -----------------------------------------------------------------------

// HandleInbound processes a burst of the inbound queue: a customer's messages (HandleBurst)
// and the payment events of their orders, in the order they came.
func (s *Service) HandleInbound(ctx context.Context, msgs []domain.InboundMessage) error {
	for len(msgs) > 0 {
		if msgs[0].Payment != nil {
			if err := s.HandlePayment(ctx, msgs[0].ClientID, *msgs[0].Payment); err != nil {
				return err
			}
			msgs = msgs[1:]
			continue
		}
		n := 1
		for n < len(msgs) && msgs[n].Payment == nil {
			n++
		}
		if err := s.HandleBurst(ctx, msgs[:n]); err != nil {
			return err
		}
		msgs = msgs[n:]
	}
	return nil
}

// HandlePayment applies a payment event to its order. Each event may come more than once and
// in any order (received before confirmed): the order's state machine and the notices' claims
// make a repeat harmless. An error means it should be retried.
func (s *Service) HandlePayment(ctx context.Context, clientID string, ev domain.PaymentEvent) error {
	ctx, err := tenantContext(ctx, clientID)
	if err != nil {
		return err
	}
	if s.d.Orders == nil {
		return domain.Errorf(domain.EINTERNAL, "orders are not configured")
	}
	log := s.log.With("clientId", clientID, "orderId", ev.OrderID, "paymentId", ev.PaymentID, "paymentEvent", ev.Type)
	o, err := s.d.Orders.GetOrder(ctx, clientID, ev.OrderID)
	if domain.IsNotFound(err) {
		log.WarnContext(ctx, "payment event for an unknown order ignored")
		return nil
	}
	if err != nil {
		return fmt.Errorf("conversation: read order %s: %w", ev.OrderID, err)
	}
	log = log.With("storeId", o.StoreID, "status", o.Status)
	if o.Test {
		log.InfoContext(ctx, "payment event for a test order ignored")
		return nil
	}
	switch ev.Kind {
	case domain.PaymentPaid:
		return s.paid(ctx, log, o, ev)
	case domain.PaymentOverdue, domain.PaymentRemoved:
		return s.expired(ctx, log, o, ev)
	case domain.PaymentRefunded:
		return s.refunded(ctx, log, o, ev)
	}
	log.InfoContext(ctx, "payment event of an unknown kind ignored", "kind", ev.Kind)
	return nil
}

// paid confirms the order and hands it to the kitchen, unless the money is not the order's to
// keep: then it goes back.
func (s *Service) paid(ctx context.Context, log *slog.Logger, o *domain.Order, ev domain.PaymentEvent) error {
	switch {
	case o.Status == domain.OrderCancelled:
		// Paid after it was cancelled (the customer paid an expired code, or cancelled and
		// paid anyway): nothing cooks, the money goes back.
		log.WarnContext(ctx, "payment for a cancelled order: refunding", "event", "payment_after_cancel")
		return s.refundAndTell(ctx, log, o, ev.PaymentID, "paid after the order was cancelled", txtPaidAfterCancel)
	case o.PaymentID != "" && ev.PaymentID != "" && ev.PaymentID != o.PaymentID && !o.PaidAt.IsZero():
		log.WarnContext(ctx, "a second charge of a paid order was paid: refunding it", "event", "payment_duplicate")
		return s.refundAndTell(ctx, log, o, ev.PaymentID, "a second payment of the order", txtPaidTwice)
	case ev.AmountCents > 0 && ev.AmountCents < o.TotalCents:
		// The amount comes from code; a smaller payment is not this order's. An operator
		// looks at it; the order does not cook.
		log.ErrorContext(ctx, "payment smaller than the order's total: order not confirmed", "event", "payment_amount_mismatch",
			"paidCents", ev.AmountCents, "totalCents", o.TotalCents)
		return nil
	}
	_, err := s.confirmPayment(ctx, o.ClientID, o.OrderID, ev.PaymentID)
	return err
}

// expired cancels an order whose charge expired or was removed while it waited, removes the
// charge (an overdue PIX can still be paid), gives the items back to the cart and tells the
// customer they can pay again.
func (s *Service) expired(ctx context.Context, log *slog.Logger, o *domain.Order, ev domain.PaymentEvent) error {
	if o.Status != domain.OrderAwaitingPayment && o.Status != domain.OrderCreated {
		log.InfoContext(ctx, "charge expired or removed; the order does not wait for it: nothing to do")
		return nil
	}
	if o.PaymentID != "" && ev.PaymentID != "" && ev.PaymentID != o.PaymentID {
		log.InfoContext(ctx, "an earlier charge of the order expired: nothing to do")
		return nil
	}
	client, err := s.dir.Brand(ctx, o.ClientID)
	if err != nil {
		return err
	}
	if ev.Kind == domain.PaymentOverdue && s.d.Payments != nil && ev.PaymentID != "" {
		if err := s.d.Payments.CancelCharge(ctx, client, ev.PaymentID); err != nil {
			return fmt.Errorf("conversation: remove the expired charge of order %s: %w", o.OrderID, err)
		}
	}
	reason := "the PIX charge expired unpaid"
	if ev.Kind == domain.PaymentRemoved {
		reason = "the charge was removed at the payment provider"
	}
	cancelled, err := s.d.Orders.UpdateOrder(ctx, o.ClientID, o.OrderID, func(cur *domain.Order) error {
		if cur.Status != domain.OrderAwaitingPayment && cur.Status != domain.OrderCreated {
			return errSettled
		}
		_, err := cur.MoveTo(domain.OrderCancelled, s.now(), reason)
		return err
	})
	if errors.Is(err, errSettled) {
		log.InfoContext(ctx, "the order was settled meanwhile: not cancelled")
		return nil
	}
	if err != nil {
		return fmt.Errorf("conversation: cancel order %s: %w", o.OrderID, err)
	}
	log.InfoContext(ctx, "charge expired: order cancelled", "reason", reason)
	if _, err := s.d.Conversations.UpdateConversation(ctx, o.ClientID, o.CustomerPhone, func(c *domain.Conversation) error {
		if c.CurrentState == domain.StateAwaitingPayment && c.Context[ctxLastOrder] == o.OrderID {
			restoreCart(c, cancelled)
		}
		return nil
	}); err != nil && !domain.IsNotFound(err) {
		log.WarnContext(ctx, "the items were not put back in the cart", "error", err)
	}
	id := txtPaymentExpired
	if o.PaymentMethod != domain.PaymentPIX {
		id = txtLinkExpired
	}
	return s.tellOnce(ctx, log, client, cancelled, "expired", text(client, id, o.OrderID))
}

// errSettled aborts an update of an order that moved on meanwhile.
var errSettled = errors.New("the order was settled meanwhile")

// refunded records that the amount went back; an order the kitchen had is cancelled there.
func (s *Service) refunded(ctx context.Context, log *slog.Logger, o *domain.Order, ev domain.PaymentEvent) error {
	if ev.PaymentID != "" && o.PaymentID != "" && ev.PaymentID != o.PaymentID {
		log.InfoContext(ctx, "refund of another charge of the order recorded in the log only")
		return nil
	}
	client, err := s.dir.Brand(ctx, o.ClientID)
	if err != nil {
		return err
	}
	wasSent := o.Status == domain.OrderSentToPOS
	updated, err := s.d.Orders.UpdateOrder(ctx, o.ClientID, o.OrderID, func(cur *domain.Order) error {
		if cur.RefundedAt.IsZero() {
			cur.RefundedAt = s.now()
		}
		_, err := cur.MoveTo(domain.OrderCancelled, s.now(), "the payment was refunded")
		return err
	})
	if err != nil {
		return fmt.Errorf("conversation: record the refund of order %s: %w", o.OrderID, err)
	}
	if wasSent {
		if err := s.publishCancelled(ctx, updated); err != nil {
			return err
		}
	}
	log.InfoContext(ctx, "payment refunded: order cancelled")
	return s.tellOnce(ctx, log, client, updated, "refunded", text(client, txtRefunded, o.OrderID))
}

// refundAndTell refunds a payment the order must not keep and tells the customer once.
func (s *Service) refundAndTell(ctx context.Context, log *slog.Logger, o *domain.Order, paymentID, reason string, id textID) error {
	client, err := s.dir.Brand(ctx, o.ClientID)
	if err != nil {
		return err
	}
	if s.d.Payments == nil {
		return domain.Errorf(domain.EINTERNAL, "no payment provider to refund order %s", o.OrderID)
	}
	if err := s.d.Payments.Refund(ctx, client, paymentID, reason); err != nil {
		return fmt.Errorf("conversation: refund %s of order %s: %w", paymentID, o.OrderID, err)
	}
	return s.tellOnce(ctx, log, client, o, "refund:"+paymentID, text(client, id, o.OrderID))
}

// CancelOrder cancels an order for an operator (the admin API), whatever its status: an
// unpaid charge is removed, a paid one refunded, a store's POS that had the order is sent
// order.cancelled, and the customer is told. Cancelling a cancelled order returns it as it
// is; ENOTFOUND when there is no such order.
func (s *Service) CancelOrder(ctx context.Context, clientID, orderID, reason string) (*domain.Order, error) {
	ctx, err := tenantContext(ctx, clientID)
	if err != nil {
		return nil, err
	}
	if s.d.Orders == nil {
		return nil, domain.Errorf(domain.EINTERNAL, "orders are not configured")
	}
	o, err := s.d.Orders.GetOrder(ctx, clientID, orderID)
	if err != nil {
		return nil, err
	}
	if o.Status == domain.OrderCancelled {
		return o, nil
	}
	log := s.log.With("clientId", clientID, "orderId", orderID, "storeId", o.StoreID, "status", o.Status)
	client, err := s.dir.Brand(ctx, clientID)
	if err != nil {
		return nil, err
	}
	refund := false
	if o.PaymentID != "" && !o.Test {
		if s.d.Payments == nil {
			return nil, domain.Errorf(domain.EINTERNAL, "no payment provider to settle the charge of order %s", orderID)
		}
		// The money first: a failure leaves the order as it was, to be tried again.
		if !o.PaidAt.IsZero() || o.Status == domain.OrderConfirmed || o.Status == domain.OrderSentToPOS {
			refund = true
			if err := s.d.Payments.Refund(ctx, client, o.PaymentID, "order cancelled: "+reason); err != nil {
				return nil, fmt.Errorf("conversation: refund order %s: %w", orderID, err)
			}
		} else if err := s.d.Payments.CancelCharge(ctx, client, o.PaymentID); err != nil {
			return nil, fmt.Errorf("conversation: remove the charge of order %s: %w", orderID, err)
		}
	}
	wasSent := o.Status == domain.OrderSentToPOS
	cancelled, err := s.d.Orders.UpdateOrder(ctx, clientID, orderID, func(cur *domain.Order) error {
		if refund && cur.RefundedAt.IsZero() {
			cur.RefundedAt = s.now()
		}
		// The operator's words as they are: the store's POS shows them (the audit says who).
		_, err := cur.MoveTo(domain.OrderCancelled, s.now(), reason)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("conversation: cancel order %s: %w", orderID, err)
	}
	if wasSent && !o.Test {
		if err := s.publishCancelled(ctx, cancelled); err != nil {
			return nil, err
		}
	}
	if _, err := s.d.Conversations.UpdateConversation(ctx, clientID, o.CustomerPhone, func(c *domain.Conversation) error {
		if c.Context[ctxLastOrder] == orderID && (c.CurrentState == domain.StateAwaitingPayment || c.CurrentState == domain.StateOrderPlaced) {
			c.CurrentState = domain.StateMenuBrowsing
			delete(c.Context, ctxAwait)
		}
		return nil
	}); err != nil && !domain.IsNotFound(err) {
		log.WarnContext(ctx, "conversation not moved on from the cancelled order", "error", err)
	}
	log.InfoContext(ctx, "order cancelled by an operator", "refunded", refund)
	id := txtCancelledByStore
	if refund {
		id = txtCancelledRefunded
	}
	if err := s.tellOnce(ctx, log, client, cancelled, "cancelled", text(client, id, orderID)); err != nil {
		log.WarnContext(ctx, "customer not told of the cancellation", "error", err)
	}
	return cancelled, nil
}

// publishCancelled tells the store's POS that an order it had is cancelled.
func (s *Service) publishCancelled(ctx context.Context, o *domain.Order) error {
	if o.Test || s.d.Publisher == nil {
		return nil
	}
	store, err := s.dir.Store(ctx, o.ClientID, o.StoreID)
	if err != nil {
		return err
	}
	if err := s.d.Publisher.PublishOrder(ctx, store, o, domain.EventOrderCancelled); err != nil {
		return fmt.Errorf("conversation: tell the POS order %s is cancelled: %w", o.OrderID, err)
	}
	return nil
}

// tellOnce sends a notice about an order to its customer once, whatever how often the event
// behind it comes (a claim per order and notice). A refusal that cannot change (opted out,
// the 24-hour window closed) is logged and counts as told; a transient failure is returned.
func (s *Service) tellOnce(ctx context.Context, log *slog.Logger, client *domain.Client, o *domain.Order, notice, body string) error {
	if !o.PseudonymisedAt.IsZero() {
		return nil // the customer asked to be forgotten: there is no number to tell
	}
	key := "notice:" + notice + ":" + o.OrderID
	switch st, err := s.d.Idempotency.Begin(ctx, o.ClientID, key, paidNoticeLease, paidNoticeTTL); {
	case err != nil:
		return fmt.Errorf("conversation: claim the %s notice of order %s: %w", notice, o.OrderID, err)
	case st == domain.ClaimDone:
		return nil
	case st == domain.ClaimInProgress:
		return domain.Errorf(domain.ECONFLICT, "the customer of order %s is being told; try again", o.OrderID)
	}
	err := s.sender.Notify(ctx, client, o.CustomerPhone, notify.Text(body))
	switch {
	case err != nil && !domain.IsPermanent(err):
		if rerr := s.d.Idempotency.Release(context.WithoutCancel(ctx), o.ClientID, key); rerr != nil {
			log.WarnContext(ctx, "release the notice claim", "error", rerr)
		}
		return fmt.Errorf("conversation: tell the customer of order %s: %w", o.OrderID, err)
	case err != nil:
		log.WarnContext(ctx, "customer cannot be told", "notice", notice, "error", err)
	}
	if err := s.d.Idempotency.Complete(ctx, o.ClientID, []string{key}, paidNoticeTTL); err != nil {
		log.WarnContext(ctx, "complete the notice claim", "error", err)
	}
	return nil
}

// chargeAgain charges the order of req in this turn: with the CPF the customer gave, or to
// send its code again (the provider finds the charge it has).
func (s *Service) chargeAgain(ctx context.Context, log *slog.Logger, client *domain.Client, mapping *domain.PhoneMapping, o *outcome, req chargeRequest, fresh int) error {
	order, err := s.d.Orders.GetOrder(ctx, client.ClientID, req.orderID)
	if domain.IsNotFound(err) {
		log.WarnContext(ctx, "the order to charge is gone", "orderId", req.orderID)
		return nil
	}
	if err != nil {
		return fmt.Errorf("conversation: read order %s: %w", req.orderID, err)
	}
	return s.charge(ctx, log, client, mapping, o, order, req.cpf, fresh)
}
