package asaas

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wabot-platform/wabot/shared/domain"
)

// DefaultCustomerName names an Asaas customer whose name the bot does not know: Asaas
// requires one.
const DefaultCustomerName = "Cliente WhatsApp"

// maxDescription is Asaas's limit on a payment's description.
const maxDescription = 500

// Provider implements domain.PaymentProvider with each brand's Asaas account: its API key
// comes from a domain.PaymentCredentialSource on every call (the source caches it), and its
// charges go to Asaas's sandbox or production as the brand's AsaasSandbox says. It is safe for
// concurrent use.
type Provider struct {
	creds domain.PaymentCredentialSource
	s     settings
}

var _ domain.PaymentProvider = (*Provider)(nil)

// NewProvider returns a provider that reads each brand's Asaas key from creds.
func NewProvider(creds domain.PaymentCredentialSource, opts ...Option) (*Provider, error) {
	if creds == nil {
		return nil, errors.New("asaas: NewProvider needs a credential source")
	}
	return &Provider{creds: creds, s: newSettings(opts)}, nil
}

// BaseURL is the API a brand's charges go to: WithBaseURL's when given, else the sandbox for a
// brand in the sandbox and production for the others.
func (p *Provider) BaseURL(client *domain.Client) string {
	switch {
	case p.s.baseURL != "":
		return p.s.baseURL
	case client.AsaasSandbox:
		return SandboxURL
	default:
		return ProductionURL
	}
}

// api returns the Asaas client of a brand. A brand without a key is ENOTFOUND, permanent: a
// person must store the key before any charge can work.
func (p *Provider) api(ctx context.Context, client *domain.Client) (*Client, error) {
	if client == nil || client.ClientID == "" {
		return nil, domain.Errorf(domain.EINVALID, "asaas: no brand given")
	}
	pc, err := p.creds.PaymentCredentials(ctx, client.ClientID)
	if err != nil {
		return nil, fmt.Errorf("asaas: payment credentials of brand %s: %w", client.ClientID, err)
	}
	if strings.TrimSpace(pc.APIKey) == "" {
		return nil, domain.Errorf(domain.ENOTFOUND, "brand %s has no Asaas API key", client.ClientID)
	}
	return &Client{baseURL: p.BaseURL(client), apiKey: strings.TrimSpace(pc.APIKey), s: p.s}, nil
}

// Charge returns the live Asaas payment of order o, creating it (and its customer) when Asaas
// has none. The order id is the payment's externalReference, which makes the payment findable
// and is what keeps Charge from charging an order twice:
//
//   - Asaas is asked for the order's payment first, on every call. One found that is not
//     deleted is returned whatever its status — PENDING, paid (RECEIVED, CONFIRMED), OVERDUE,
//     REFUNDED —, never replaced by a new one: an order whose charge expired or was refunded is
//     the caller's to cancel or settle, and a second charge of the same order is the one
//     mistake this must never make. The caller reads Charge.Status. Only an order whose
//     payments are all deleted (CancelCharge) gets a new one.
//   - A create whose outcome is unknown (a timeout, a broken connection, a 5xx) is looked up
//     by the order id a few times (WithLookup). Found, it is the charge. Not found, Charge
//     returns a transient error (IsUnknownOutcome): the next call looks up first again, and
//     creates only if Asaas still has nothing. A payment Asaas commits after that second
//     lookup and create would be a duplicate; Asaas offers no idempotency key to close that
//     window, which takes a create that hangs past the timeout and then past every lookup.
//
// The payer's customer is payer.CustomerID when known, else the one whose externalReference is
// payer.Reference, else a new one (Asaas's notifications off: the bot tells the customer on
// WhatsApp). A CPF given in payer.CPF is set on the customer. ErrPayerCPFRequired or
// ErrPayerCPFInvalid (with errors.Is) when Asaas refuses to charge without, or with, that CPF.
//
// A PIX charge that is PENDING comes with its QR code (PixCode, PixImage, ExpiresAt); every
// charge has Asaas's payment page in URL (for a card, the page where it is paid).
func (p *Provider) Charge(ctx context.Context, client *domain.Client, o *domain.Order, payer domain.Payer) (*domain.Charge, error) {
	if o == nil || o.OrderID == "" {
		return nil, domain.Errorf(domain.EINVALID, "asaas: charge of an order without an id")
	}
	if o.TotalCents <= 0 {
		return nil, domain.Errorf(domain.EINVALID, "asaas: order %s: nothing to charge (total %d)", o.OrderID, o.TotalCents)
	}
	billing, err := billingType(o.PaymentMethod)
	if err != nil {
		return nil, err
	}
	cpf := ""
	if payer.CPF != "" {
		d, ok := domain.ValidCPF(payer.CPF)
		if !ok {
			return nil, domain.ErrPayerCPFInvalid
		}
		cpf = d
	}
	api, err := p.api(ctx, client)
	if err != nil {
		return nil, err
	}
	log := p.s.log.With("clientId", client.ClientID, "orderId", o.OrderID)

	pay, err := p.findPayment(ctx, api, o.OrderID)
	if err != nil {
		return nil, err
	}
	if pay != nil {
		log.InfoContext(ctx, "asaas: the order has a payment already", "paymentId", pay.ID, "status", pay.Status)
		if pay.Value != Cents(o.TotalCents) || pay.BillingType != billing {
			log.WarnContext(ctx, "asaas: the order's payment differs from the order", "paymentId", pay.ID,
				"paymentValue", int64(pay.Value), "orderTotal", o.TotalCents, "billingType", pay.BillingType, "want", billing)
		}
		return p.charge(ctx, api, o, pay)
	}

	customerID, err := p.customer(ctx, api, payer, cpf)
	if err != nil {
		return nil, err
	}
	req := PaymentRequest{
		Customer:          customerID,
		BillingType:       billing,
		Value:             Cents(o.TotalCents),
		DueDate:           dueDate(p.s.now()),
		Description:       description(o.OrderID, client.ClientName),
		ExternalReference: o.OrderID,
	}
	pay, err = api.CreatePayment(ctx, req)
	switch {
	case err == nil:
		log.InfoContext(ctx, "asaas: payment created", "paymentId", pay.ID, "billingType", billing)
	case IsUnknownOutcome(err):
		log.WarnContext(ctx, "asaas: the payment's creation has an unknown outcome; looking it up", "error", err)
		if pay = lookAgain(ctx, p.s, log, func() (*Payment, error) { return p.findPayment(ctx, api, o.OrderID) }); pay == nil {
			return nil, fmt.Errorf("asaas: order %s: Asaas has no payment for it after a create with an unknown outcome; the next charge looks again before creating: %w", o.OrderID, err)
		}
		log.InfoContext(ctx, "asaas: the payment was created after all", "paymentId", pay.ID)
	case concernsCPF(err):
		return nil, cpfError(err, cpf != "")
	default:
		return nil, err
	}
	return p.charge(ctx, api, o, pay)
}

// charge turns an Asaas payment into the domain's charge, with the PIX QR code of a pending
// PIX payment.
func (p *Provider) charge(ctx context.Context, api *Client, o *domain.Order, pay *Payment) (*domain.Charge, error) {
	ch := &domain.Charge{
		PaymentID:   pay.ID,
		CustomerID:  pay.Customer,
		Method:      o.PaymentMethod,
		Status:      pay.Status,
		AmountCents: int64(pay.Value),
		URL:         pay.InvoiceURL,
	}
	if pay.BillingType != BillingPIX || pay.Status != StatusPending {
		return ch, nil
	}
	qr, err := api.PixQrCode(ctx, pay.ID)
	if err != nil {
		// The payment exists: the next Charge finds it and fetches its code again.
		return nil, fmt.Errorf("asaas: order %s: payment %s has no PIX code yet: %w", o.OrderID, pay.ID, err)
	}
	ch.PixCode, ch.PixImage = qr.Payload, qr.EncodedImage
	exp, err := qr.ExpiresAt()
	if err != nil {
		p.s.log.WarnContext(ctx, "asaas: unreadable PIX expiration date", "paymentId", pay.ID, "error", err)
	}
	ch.ExpiresAt = exp
	return ch, nil
}

// findPayment returns the order's live payment: one not deleted, a paid one first should
// there ever be several (which this package never creates). nil when there is none.
func (p *Provider) findPayment(ctx context.Context, api *Client, orderID string) (*Payment, error) {
	list, err := api.FindPayments(ctx, orderID)
	if err != nil {
		return nil, err
	}
	var live []Payment
	for _, pay := range list {
		if !pay.Deleted && pay.ExternalReference == orderID {
			live = append(live, pay)
		}
	}
	if len(live) == 0 {
		return nil, nil
	}
	if len(live) > 1 {
		p.s.log.ErrorContext(ctx, "asaas: the order has several live payments", "orderId", orderID, "payments", len(live))
	}
	for _, pay := range live {
		if Paid(pay.Status) {
			return &pay, nil
		}
	}
	return &live[0], nil
}

// lookAgain looks for what a create whose outcome was unknown would have made (find: a
// payment by its order, a customer by its reference), lookupAttempts times lookupWait apart,
// as Asaas may commit it a moment after the timeout; nil when it is not there.
func lookAgain[T any](ctx context.Context, s settings, log *slog.Logger, find func() (*T, error)) *T {
	for i := 0; i < s.lookupAttempts; i++ {
		if i > 0 && sleep(ctx, s.lookupWait) != nil {
			break
		}
		got, err := find()
		if err == nil && got != nil {
			return got
		}
		if err != nil {
			log.WarnContext(ctx, "asaas: looking up what a create may have made failed", "error", err)
		}
	}
	return nil
}

// customer returns the id of the payer's Asaas customer, with cpf set on it when given.
func (p *Provider) customer(ctx context.Context, api *Client, payer domain.Payer, cpf string) (string, error) {
	if payer.CustomerID != "" {
		if cpf == "" {
			return payer.CustomerID, nil
		}
		err := p.setCPF(ctx, api, payer.CustomerID, cpf)
		if err == nil {
			return payer.CustomerID, nil
		}
		if !IsNotFound(err) {
			return "", err
		}
		// The customer is gone (removed at Asaas): find or create it again below.
	}
	if payer.Reference != "" {
		c, err := findCustomer(ctx, api, payer.Reference)
		if err != nil {
			return "", err
		}
		if c != nil {
			if cpf != "" && c.CpfCnpj != cpf {
				if err := p.setCPF(ctx, api, c.ID, cpf); err != nil {
					return "", err
				}
			}
			return c.ID, nil
		}
	}
	off := true
	req := CustomerRequest{
		Name:                 customerName(payer.Name),
		CpfCnpj:              cpf,
		MobilePhone:          brazilianMobile(payer.Phone),
		ExternalReference:    payer.Reference,
		NotificationDisabled: &off,
	}
	c, err := api.CreateCustomer(ctx, req)
	switch {
	case err == nil:
		return c.ID, nil
	case IsUnknownOutcome(err) && payer.Reference != "":
		if c := lookAgain(ctx, p.s, p.s.log, func() (*Customer, error) { return findCustomer(ctx, api, payer.Reference) }); c != nil {
			return c.ID, nil
		}
		return "", fmt.Errorf("asaas: the payer's customer: %w", err)
	case concernsCPF(err):
		return "", cpfError(err, cpf != "")
	default:
		return "", err
	}
}

// setCPF sets the payer's CPF on an existing customer.
func (p *Provider) setCPF(ctx context.Context, api *Client, customerID, cpf string) error {
	_, err := api.UpdateCustomer(ctx, customerID, CustomerRequest{CpfCnpj: cpf})
	if err != nil && concernsCPF(err) {
		return cpfError(err, true)
	}
	return err
}

// findCustomer returns the first customer with this externalReference that is not deleted.
func findCustomer(ctx context.Context, api *Client, ref string) (*Customer, error) {
	list, err := api.FindCustomers(ctx, ref)
	if err != nil {
		return nil, err
	}
	for _, c := range list {
		if !c.Deleted && c.ExternalReference == ref {
			return &c, nil
		}
	}
	return nil, nil
}

// CancelCharge deletes a payment that is not paid, so it can no longer be paid. An absent
// payment (404) or one deleted already is done; a paid one is Asaas's 400, returned.
func (p *Provider) CancelCharge(ctx context.Context, client *domain.Client, paymentID string) error {
	if paymentID == "" {
		return domain.Errorf(domain.EINVALID, "asaas: cancel of a charge without an id")
	}
	api, err := p.api(ctx, client)
	if err != nil {
		return err
	}
	_, err = api.DeletePayment(ctx, paymentID)
	if err == nil || IsNotFound(err) {
		return nil
	}
	if IsBadRequest(err) {
		pay, gerr := api.GetPayment(ctx, paymentID)
		if IsNotFound(gerr) || (gerr == nil && pay.Deleted) {
			return nil
		}
	}
	return err
}

// Refund gives a paid payment's whole amount back, with reason as the refund's description
// (shown to the brand in Asaas, so no personal data). A payment refunded already, or whose
// refund is under way, is done: Asaas refuses a second refund with a 400, and a refund whose
// outcome is unknown is settled the same way, by reading the payment's status.
func (p *Provider) Refund(ctx context.Context, client *domain.Client, paymentID, reason string) error {
	if paymentID == "" {
		return domain.Errorf(domain.EINVALID, "asaas: refund of a charge without an id")
	}
	api, err := p.api(ctx, client)
	if err != nil {
		return err
	}
	_, err = api.RefundPayment(ctx, paymentID, RefundRequest{Description: truncate(reason, maxDescription)})
	if err == nil {
		return nil
	}
	if IsBadRequest(err) || IsUnknownOutcome(err) {
		if pay, gerr := api.GetPayment(ctx, paymentID); gerr == nil && Refunding(pay.Status) {
			return nil
		}
	}
	return err
}

// billingType is the Asaas billing type of a payment method: PIX, or the card page for credit
// and debit (Asaas's CREDIT_CARD page takes both).
func billingType(m domain.PaymentMethod) (string, error) {
	switch m {
	case domain.PaymentPIX:
		return BillingPIX, nil
	case domain.PaymentCredit, domain.PaymentDebit:
		return BillingCreditCard, nil
	}
	return "", domain.Errorf(domain.EINVALID, "asaas: payment method %q is not charged online", m)
}

// description is the payment's description, which Asaas shows the payer: the order and the
// brand, no personal data.
func description(orderID, brand string) string {
	d := "Pedido #" + orderID
	if brand = strings.TrimSpace(brand); brand != "" {
		d += " - " + brand
	}
	return truncate(d, maxDescription)
}

func customerName(name string) string {
	if name = strings.TrimSpace(name); name != "" {
		return truncate(name, 100)
	}
	return DefaultCustomerName
}

// brazilianMobile is a WhatsApp number as Asaas's mobilePhone takes it: a Brazilian number
// without its +55 (DDD and number, 10 or 11 digits); "" for any other, which is not sent.
func brazilianMobile(phone string) string {
	phone = strings.TrimSpace(phone)
	if len(phone) >= len(domain.WhatsAppPrefix) && strings.EqualFold(phone[:len(domain.WhatsAppPrefix)], domain.WhatsAppPrefix) {
		phone = phone[len(domain.WhatsAppPrefix):]
	}
	rest, ok := strings.CutPrefix(phone, "+55")
	if !ok || len(rest) < 10 || len(rest) > 11 || strings.Trim(rest, "0123456789") != "" {
		return ""
	}
	return rest
}

// concernsCPF reports whether err is Asaas's 400 about the customer's CPF/CNPJ (code
// invalid_cpfCnpj, invalid_customer.cpfCnpj, or a description naming it).
func concernsCPF(err error) bool {
	var e *Error
	if !errors.As(err, &e) || e.StatusCode != 400 {
		return false
	}
	for _, it := range e.Errors {
		if strings.Contains(strings.ToLower(it.Code+" "+it.Description), "cpf") {
			return true
		}
	}
	return false
}

// cpfError is the domain's error for Asaas's refusal about the CPF: required when none was
// sent, invalid when one was. Both errors.Is the domain error and keeps Asaas's.
func cpfError(err error, sent bool) error {
	if sent {
		return fmt.Errorf("%w: %w", domain.ErrPayerCPFInvalid, err)
	}
	return fmt.Errorf("%w: %w", domain.ErrPayerCPFRequired, err)
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n])
}

// MinPaymentWindow is the least time a customer has to pay a charge. Asaas takes a due date,
// not a time: a charge goes overdue when its due day ends in São Paulo (and the bot then
// cancels the order), so an order placed late in the evening is due the next day instead of
// within minutes.
const MinPaymentWindow = 2 * time.Hour

// dueDate is the São Paulo day on which a charge created at now falls due.
func dueDate(now time.Time) string {
	return now.Add(MinPaymentWindow).In(saoPaulo).Format(DateLayout)
}
