// Package localasaas is the local payment provider: the local stack's stand-in for Asaas
// (`make dev` and the end-to-end tests, when no Asaas sandbox key is configured). It speaks
// Asaas API v3's wire format (the access_token header, the field names of customers and
// payments, the {"object":"list",...} envelope, 400 answers as {"errors":[{"code",
// "description"}]}), so the real Asaas client talks to it unchanged once its base URL points
// here, and it sends Asaas's webhooks ({"id":"evt_...","event":"PAYMENT_RECEIVED",
// "dateCreated","payment":{...}} with the asaas-access-token header) to each brand's webhook
// URL.
//
// A Provider is an http.Handler serving three things, relative to where it is mounted
// (MountPath by convention, with http.StripPrefix):
//
//   - the API, under Options.Prefix (default "/v3"):
//     GET/POST /customers, GET/PUT /customers/{id},
//     GET/POST /payments, GET/DELETE /payments/{id}, GET /payments/{id}/pixQrCode,
//     POST /payments/{id}/refund;
//   - the controls, under Options.ControlPrefix (default "/_control"): what a person does in
//     Asaas's sandbox panel, or the payer's bank does: POST /pay and POST /overdue with
//     {"payment":"pay_...|<externalReference>","clientId":"optional"}, GET /deliveries;
//   - the payer's invoice page, GET /i/{id} (each payment's invoiceUrl).
//
// Where it departs from Asaas, on purpose:
//
//   - a request without a User-Agent is refused with 400 {"errors":[{"code":
//     "invalid_user_agent",...}]}. Asaas requires the header of root accounts created from
//     2024-06-13 on, without documenting the answer; refusing it here catches a client that
//     would fail against such an account;
//   - 401 (no or unknown access_token) carries an errors body (access_token_not_found,
//     invalid_access_token); Asaas documents only the status, so a client must not rely on
//     the body;
//   - webhooks of API calls (PAYMENT_CREATED, PAYMENT_REFUNDED, PAYMENT_DELETED) are sent in
//     the background, as Asaas does, but in order with the control calls' ones, which are
//     sent before the control call answers; a delivery succeeds on 200 only, and is tried 3
//     times at most (Asaas retries for much longer, then pauses the queue);
//   - no fees (netValue is value), no partial refunds, no installments, no boleto PDF, and
//     the PIX QR code image is QR-like, not scannable (its payload is a well-formed
//     "Pix Copia e Cola" string with a correct CRC, but the key is not a real one).
//
// It is also the Asaas of the Go tests (package asaas's client tests among them), through
// methods a test calls directly: Fail and FailNext (answer an error without doing
// anything), Stall and StallCreate (do the work, answer late), RefuseCPF, AddCustomer and
// AddPayment (a starting state, stored as is), and Requests, Customers and Payments (what
// happened). It reads amounts with its own code (encoding/json into a float64, rounded to
// cents), never package asaas's, so a client that writes cents wrong is caught.
//
// It logs neither access tokens nor CPFs.
package localasaas

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/wabot-platform/wabot/shared/domain"
)

// MountPath is where the local runner mounts a Provider (with http.StripPrefix): the API is
// then at MountPath + "/v3" and the controls at MountPath + "/_control".
const MountPath = "/_local/asaas"

// Defaults of Options.
const (
	DefaultPrefix        = "/v3"
	DefaultControlPrefix = "/_control"
	DefaultPublicURL     = "http://127.0.0.1:8080" + MountPath
)

// WebhookAttempts is how many times a webhook is tried before it is recorded as failed.
const WebhookAttempts = 3

// Payment statuses this provider uses (Asaas's names).
const (
	StatusPending   = "PENDING"
	StatusConfirmed = "CONFIRMED"
	StatusReceived  = "RECEIVED"
	StatusOverdue   = "OVERDUE"
	StatusRefunded  = "REFUNDED"
)

// Billing types accepted by POST /payments.
var billingTypes = []string{"PIX", "CREDIT_CARD", "UNDEFINED", "BOLETO"}

// Brazil has had no daylight saving time since 2019: Asaas's dates are in UTC-3.
var brazil = time.FixedZone("BRT", -3*60*60)

// Errors of the control methods.
var (
	ErrNotFound  = errors.New("localasaas: no such payment")
	ErrAmbiguous = errors.New("localasaas: the reference matches payments of several brands; give the clientId")
	ErrState     = errors.New("localasaas: the payment is not in a state that allows this")
)

// Account is a brand's Asaas account, with the webhook configured in its Asaas panel.
type Account struct {
	APIKey       string // sent by the client in the access_token header
	ClientID     string // the brand; owns the account's customers and payments
	WebhookURL   string // where events are POSTed; "" records them as skipped
	WebhookToken string // sent as the asaas-access-token header of every webhook
	// RequireCPF makes POST /customers refuse a customer without cpfCnpj, and POST /payments
	// a customer who has none (400 invalid_customer.cpfCnpj), as Asaas does for accounts that
	// must identify the payer.
	RequireCPF bool
}

// Options configure a Provider. The zero value is usable.
type Options struct {
	Prefix        string // where the API is served (default DefaultPrefix)
	ControlPrefix string // where the controls are served (default DefaultControlPrefix)
	// PublicURL is what a payment's invoiceUrl starts with: where the Provider is reachable
	// from a browser (default DefaultPublicURL). invoiceUrl is PublicURL + "/i/" + id.
	PublicURL string
	// StateFile, when set, keeps customers and payments across restarts: it is read by New
	// (a missing file is an empty state) and rewritten after every change. Accounts are not
	// kept: the runner adds them at start.
	StateFile string
	Logger    *slog.Logger     // default: discard
	Now       func() time.Time // default time.Now
	// HTTPClient sends the webhooks (default: a client with a 10 s timeout).
	HTTPClient *http.Client
	// RetryBackoff is the wait before a webhook's second attempt, doubled before the third
	// (default 200 ms).
	RetryBackoff time.Duration
}

// Customer is an Asaas customer (the fields this provider keeps).
type Customer struct {
	Object               string `json:"object"` // "customer"
	ID                   string `json:"id"`
	DateCreated          string `json:"dateCreated"` // YYYY-MM-DD
	Name                 string `json:"name"`
	Email                string `json:"email,omitempty"`
	Phone                string `json:"phone,omitempty"`
	MobilePhone          string `json:"mobilePhone,omitempty"`
	CpfCnpj              string `json:"cpfCnpj,omitempty"`    // digits only
	PersonType           string `json:"personType,omitempty"` // FISICA or JURIDICA
	ExternalReference    string `json:"externalReference,omitempty"`
	NotificationDisabled bool   `json:"notificationDisabled"`
	Deleted              bool   `json:"deleted"`
}

// Refund is one entry of a payment's refunds.
type Refund struct {
	DateCreated string  `json:"dateCreated"` // "2006-01-02 15:04:05"
	Status      string  `json:"status"`      // DONE
	Value       float64 `json:"value"`
	Description string  `json:"description,omitempty"`
}

// Payment is an Asaas payment ("cobrança"), with the fields of Asaas's payment object that
// this provider fills.
type Payment struct {
	Object              string   `json:"object"` // "payment"
	ID                  string   `json:"id"`
	DateCreated         string   `json:"dateCreated"` // YYYY-MM-DD
	Customer            string   `json:"customer"`
	Value               float64  `json:"value"` // reais
	NetValue            float64  `json:"netValue"`
	Description         string   `json:"description,omitempty"`
	BillingType         string   `json:"billingType"`
	Status              string   `json:"status"`
	DueDate             string   `json:"dueDate"`
	OriginalDueDate     string   `json:"originalDueDate"`
	PaymentDate         *string  `json:"paymentDate"`
	ClientPaymentDate   *string  `json:"clientPaymentDate"`
	ConfirmedDate       *string  `json:"confirmedDate"`
	CreditDate          *string  `json:"creditDate"`
	EstimatedCreditDate *string  `json:"estimatedCreditDate"`
	InvoiceURL          string   `json:"invoiceUrl"`
	InvoiceNumber       string   `json:"invoiceNumber"`
	ExternalReference   string   `json:"externalReference,omitempty"`
	PixTransaction      *string  `json:"pixTransaction"`
	Deleted             bool     `json:"deleted"`
	Anticipated         bool     `json:"anticipated"`
	Anticipable         bool     `json:"anticipable"`
	Refunds             []Refund `json:"refunds"`
}

// Paid reports whether the payment was received or confirmed (or refunded after).
func (p Payment) Paid() bool {
	return p.Status == StatusReceived || p.Status == StatusConfirmed || p.Status == StatusRefunded
}

// Delivery is the outcome of one webhook event.
type Delivery struct {
	EventID    string    `json:"eventId"`
	Event      string    `json:"event"`
	PaymentID  string    `json:"paymentId"`
	ClientID   string    `json:"clientId"`
	URL        string    `json:"url,omitempty"`
	StatusCode int       `json:"statusCode,omitempty"` // of the last attempt; 0 when none answered
	Attempts   int       `json:"attempts"`
	Delivered  bool      `json:"delivered"`         // answered 200
	Skipped    bool      `json:"skipped,omitempty"` // the account has no webhook URL
	Error      string    `json:"error,omitempty"`   // of the last attempt
	At         time.Time `json:"at"`
}

// Outcome is what a control call did.
type Outcome struct {
	ClientID   string     `json:"clientId"`
	Payment    Payment    `json:"payment"`
	Deliveries []Delivery `json:"deliveries"`
}

type customerRec struct {
	ClientID string   `json:"clientId"`
	Customer Customer `json:"customer"`
}

type paymentRec struct {
	ClientID string  `json:"clientId"`
	Payment  Payment `json:"payment"`
	Seq      int64   `json:"seq"` // creation order
}

// Provider is the local payment provider. It is safe for concurrent use.
type Provider struct {
	opts    Options
	log     *slog.Logger
	now     func() time.Time
	client  *http.Client
	backoff time.Duration
	mux     *http.ServeMux

	mu        sync.Mutex
	accounts  map[string]Account // by API key
	customers map[string]*customerRec
	payments  map[string]*paymentRec
	seq       int64
	evtSeq    int64
	evtPrefix string
	requests  map[string]int           // "POST /payments" (the route, without the prefix) -> count
	faults    map[string]fault         // path or "METHOD path" -> the failure of its next requests
	stalls    map[string]time.Duration // path or "METHOD path" -> the wait of its next answer
	refused   map[string]bool          // CPF/CNPJ digits the API refuses (RefuseCPF)
	delivered []Delivery

	qmu     sync.Mutex
	queue   []*job
	running bool
}

// New returns a Provider, with the state of Options.StateFile when it exists. An unreadable
// state file is logged and ignored (and overwritten at the first change).
func New(opts Options) *Provider {
	opts.Prefix = cleanPrefix(opts.Prefix, DefaultPrefix)
	opts.ControlPrefix = cleanPrefix(opts.ControlPrefix, DefaultControlPrefix)
	if opts.PublicURL == "" {
		opts.PublicURL = DefaultPublicURL
	}
	opts.PublicURL = strings.TrimRight(opts.PublicURL, "/")
	p := &Provider{
		opts: opts, log: opts.Logger, now: opts.Now, client: opts.HTTPClient, backoff: opts.RetryBackoff,
		accounts: map[string]Account{}, customers: map[string]*customerRec{}, payments: map[string]*paymentRec{},
		requests: map[string]int{}, faults: map[string]fault{}, stalls: map[string]time.Duration{},
		refused: map[string]bool{},
	}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	if p.now == nil {
		p.now = time.Now
	}
	if p.client == nil {
		p.client = &http.Client{Timeout: 10 * time.Second}
	}
	if p.backoff <= 0 {
		p.backoff = 200 * time.Millisecond
	}
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	p.evtPrefix = hex.EncodeToString(b)
	if opts.StateFile != "" {
		if err := p.load(); err != nil {
			p.log.Error("local asaas: state file ignored", "file", opts.StateFile, "error", err)
		}
	}
	p.routes()
	return p
}

func cleanPrefix(s, def string) string {
	if s == "" {
		s = def
	}
	s = strings.TrimRight(s, "/")
	if !strings.HasPrefix(s, "/") {
		s = "/" + s
	}
	return s
}

// AddAccount adds a brand's account, or replaces the brand's account when its ClientID is
// known. An API key must belong to one brand only.
func (p *Provider) AddAccount(a Account) error {
	if a.APIKey == "" || a.ClientID == "" {
		return errors.New("localasaas: an account needs an APIKey and a ClientID")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if old, ok := p.accounts[a.APIKey]; ok && old.ClientID != a.ClientID {
		return fmt.Errorf("localasaas: that API key is already %s's", old.ClientID)
	}
	for k, old := range p.accounts {
		if old.ClientID == a.ClientID {
			delete(p.accounts, k)
		}
	}
	p.accounts[a.APIKey] = a
	return nil
}

func (p *Provider) accountOf(clientID string) (Account, bool) {
	for _, a := range p.accounts {
		if a.ClientID == clientID {
			return a, true
		}
	}
	return Account{}, false
}

// Payments returns the payments of the account with apiKey, deleted ones too, oldest first.
func (p *Provider) Payments(apiKey string) []Payment {
	p.mu.Lock()
	defer p.mu.Unlock()
	a, ok := p.accounts[apiKey]
	if !ok {
		return nil
	}
	var out []Payment
	for _, r := range p.sortedPayments() {
		if r.ClientID == a.ClientID {
			out = append(out, clonePayment(r.Payment))
		}
	}
	return out
}

// Deliveries returns every webhook delivery so far, oldest first.
func (p *Provider) Deliveries() []Delivery {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.delivered)
}

// Requests returns how many requests each API route received, keyed by method and route
// without the prefix, e.g. "POST /payments" or "GET /payments/{id}".
func (p *Provider) Requests() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make(map[string]int, len(p.requests))
	for k, v := range p.requests {
		out[k] = v
	}
	return out
}

// StallCreate makes the next POST /payments create the payment and then wait d (or until
// the client gives up) before answering: a client timeout that must not create a second
// charge. It is Stall("POST /payments", d).
func (p *Provider) StallCreate(d time.Duration) { p.Stall("POST /payments", d) }

// Stall makes the next API request to path be handled as usual, and its answer wait d (or
// until the client gives up): a timeout after the work was done. path is as FailNext's. A
// request that Fail answers is not stalled, and keeps the stall for the next one.
func (p *Provider) Stall(path string, d time.Duration) {
	p.mu.Lock()
	if d > 0 {
		p.stalls[path] = d
	} else {
		delete(p.stalls, path)
	}
	p.mu.Unlock()
}

// FailNext makes the next API request to path answer status with an errors body, without
// doing anything. path is relative to the prefix, either concrete ("/payments/pay_x") or a
// route ("/payments/{id}"), optionally preceded by a method and a space ("POST /payments").
// It is Fail(path, status, 1).
func (p *Provider) FailNext(path string, status int) { p.Fail(path, status, 1) }

// Fail makes the next times API requests to path (as FailNext's) answer status with an
// errors body, without doing anything; it replaces an earlier Fail of the same path, and
// times 0 cancels it. The failed requests are counted by Requests.
func (p *Provider) Fail(path string, status, times int) {
	p.mu.Lock()
	if times > 0 {
		p.faults[path] = fault{status: status, times: times}
	} else {
		delete(p.faults, path)
	}
	p.mu.Unlock()
}

type fault struct{ status, times int }

// RefuseCPF makes the API refuse these CPFs or CNPJs (written with or without punctuation)
// with 400 invalid_cpfCnpj although their check digits are right, as Asaas refuses a number
// the Receita Federal does not know.
func (p *Provider) RefuseCPF(numbers ...string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, n := range numbers {
		if d, ok := domain.ValidCPFOrCNPJ(n); ok {
			p.refused[d] = true
		}
	}
}

// Customers returns the customers of the account with apiKey, deleted ones too, by creation
// date and then id.
func (p *Provider) Customers(apiKey string) []Customer {
	p.mu.Lock()
	defer p.mu.Unlock()
	a, ok := p.accounts[apiKey]
	if !ok {
		return nil
	}
	var out []Customer
	for _, c := range p.customers {
		if c.ClientID == a.ClientID {
			out = append(out, c.Customer)
		}
	}
	slices.SortFunc(out, func(x, y Customer) int { return strings.Compare(x.DateCreated+x.ID, y.DateCreated+y.ID) })
	return out
}

// AddCustomer stores c at the account with apiKey as if it had been created through the API
// earlier, unchecked (a customer without a CPF on an account that requires one, a deleted
// one): a test's starting state. It returns c with its id, object and creation date (today,
// unless c has one) filled in.
func (p *Provider) AddCustomer(apiKey string, c Customer) (Customer, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	a, ok := p.accounts[apiKey]
	if !ok {
		return Customer{}, errors.New("localasaas: AddCustomer: no account has that API key")
	}
	c.Object, c.ID = "customer", newID("cus_", 12)
	if c.DateCreated == "" {
		c.DateCreated = p.now().In(brazil).Format(time.DateOnly)
	}
	p.customers[c.ID] = &customerRec{ClientID: a.ClientID, Customer: c}
	p.saveLocked()
	return c, nil
}

// AddPayment stores pay at the account with apiKey as if it had been created through the API
// earlier, unchecked and without webhooks (a paid one, an overdue one, a deleted one, one of
// a customer the provider does not hold): a test's starting state. It returns pay with its
// id, object, invoice URL and number filled in, its status PENDING unless it has one, its
// netValue its value unless set, and its dates today unless set.
func (p *Provider) AddPayment(apiKey string, pay Payment) (Payment, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	a, ok := p.accounts[apiKey]
	if !ok {
		return Payment{}, errors.New("localasaas: AddPayment: no account has that API key")
	}
	today := p.now().In(brazil).Format(time.DateOnly)
	p.seq++
	pay.Object, pay.ID, pay.InvoiceNumber = "payment", newID("pay_", 16), fmt.Sprintf("%08d", p.seq)
	pay.InvoiceURL = p.opts.PublicURL + "/i/" + pay.ID
	if pay.Status == "" {
		pay.Status = StatusPending
	}
	if pay.NetValue == 0 {
		pay.NetValue = pay.Value
	}
	if pay.DateCreated == "" {
		pay.DateCreated = today
	}
	if pay.DueDate == "" {
		pay.DueDate = today
	}
	if pay.OriginalDueDate == "" {
		pay.OriginalDueDate = pay.DueDate
	}
	pay = clonePayment(pay)
	p.payments[pay.ID] = &paymentRec{ClientID: a.ClientID, Payment: pay, Seq: p.seq}
	p.saveLocked()
	return clonePayment(pay), nil
}

// Flush waits until every webhook queued so far was delivered (or given up).
func (p *Provider) Flush() {
	j := &job{done: make(chan struct{})}
	p.enqueue(j)
	<-j.done
}

// Pay is the payer paying ref (a payment id, or the externalReference of the order) at any
// brand: see PayFor.
func (p *Provider) Pay(ref string) (Payment, error) {
	o, err := p.PayFor("", ref)
	return o.Payment, err
}

// Overdue makes ref's payment overdue at any brand: see OverdueFor.
func (p *Provider) Overdue(ref string) (Payment, error) {
	o, err := p.OverdueFor("", ref)
	return o.Payment, err
}

// PayFor marks the payment ref of the brand clientID ("" for any brand) as paid, and
// returns once its webhooks were delivered (or given up): a PIX (or BOLETO, UNDEFINED)
// payment becomes RECEIVED with event PAYMENT_RECEIVED; a CREDIT_CARD one CONFIRMED
// (PAYMENT_CONFIRMED), then RECEIVED (PAYMENT_RECEIVED). ref is a payment id or an
// externalReference (the order id); among several payments of a brand with that reference,
// the newest one still awaiting payment is chosen. Errors: ErrNotFound, ErrAmbiguous,
// ErrState (already paid, or refunded).
func (p *Provider) PayFor(clientID, ref string) (Outcome, error) {
	return p.control(clientID, ref, func(r *paymentRec, today, now string) ([]string, []Payment, error) {
		if r.Payment.Status != StatusPending && r.Payment.Status != StatusOverdue {
			return nil, nil, fmt.Errorf("%w: %s is %s", ErrState, r.Payment.ID, r.Payment.Status)
		}
		pay := &r.Payment
		pay.PaymentDate, pay.ClientPaymentDate = ptr(today), ptr(today)
		pay.ConfirmedDate, pay.CreditDate, pay.EstimatedCreditDate = ptr(today), ptr(today), ptr(today)
		var events []string
		var snaps []Payment
		if pay.BillingType == "CREDIT_CARD" {
			pay.Status = StatusConfirmed
			events, snaps = append(events, "PAYMENT_CONFIRMED"), append(snaps, clonePayment(*pay))
		}
		if pay.BillingType == "PIX" || pay.BillingType == "UNDEFINED" {
			pay.PixTransaction = ptr(newID("", 8) + "-" + newID("", 4) + "-" + newID("", 4))
		}
		pay.Status = StatusReceived
		events, snaps = append(events, "PAYMENT_RECEIVED"), append(snaps, clonePayment(*pay))
		return events, snaps, nil
	})
}

// OverdueFor makes the PENDING payment ref of the brand clientID ("" for any brand)
// OVERDUE, with event PAYMENT_OVERDUE, and returns once it was delivered. Errors as PayFor.
func (p *Provider) OverdueFor(clientID, ref string) (Outcome, error) {
	return p.control(clientID, ref, func(r *paymentRec, _, _ string) ([]string, []Payment, error) {
		if r.Payment.Status != StatusPending {
			return nil, nil, fmt.Errorf("%w: %s is %s, not PENDING", ErrState, r.Payment.ID, r.Payment.Status)
		}
		r.Payment.Status = StatusOverdue
		return []string{"PAYMENT_OVERDUE"}, []Payment{clonePayment(r.Payment)}, nil
	})
}

func (p *Provider) control(clientID, ref string, change func(r *paymentRec, today, now string) ([]string, []Payment, error)) (Outcome, error) {
	p.mu.Lock()
	r, err := p.find(clientID, ref)
	if err != nil {
		p.mu.Unlock()
		return Outcome{}, err
	}
	now := p.now().In(brazil)
	events, snaps, err := change(r, now.Format(time.DateOnly), now.Format(time.DateTime))
	if err != nil {
		out := Outcome{ClientID: r.ClientID, Payment: clonePayment(r.Payment)}
		p.mu.Unlock()
		return out, err
	}
	p.saveLocked()
	out := Outcome{ClientID: r.ClientID, Payment: clonePayment(r.Payment)}
	jobs := p.eventsLocked(r.ClientID, events, snaps)
	p.mu.Unlock()
	p.log.Info("local asaas: payment changed by hand", "clientId", out.ClientID, "payment", out.Payment.ID, "status", out.Payment.Status)
	for _, j := range jobs {
		p.enqueue(j)
	}
	for _, j := range jobs {
		<-j.done
		out.Deliveries = append(out.Deliveries, j.result)
	}
	return out, nil
}

// find looks ref up among the non-deleted payments; p.mu is held.
func (p *Provider) find(clientID, ref string) (*paymentRec, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return nil, fmt.Errorf("%w: no reference given", ErrNotFound)
	}
	var cands []*paymentRec
	clients := map[string]bool{}
	for _, r := range p.sortedPayments() {
		if r.Payment.Deleted || (clientID != "" && r.ClientID != clientID) {
			continue
		}
		if r.Payment.ID == ref || r.Payment.ExternalReference == ref {
			cands = append(cands, r)
			clients[r.ClientID] = true
		}
	}
	switch {
	case len(cands) == 0:
		return nil, fmt.Errorf("%w: %q", ErrNotFound, ref)
	case len(clients) > 1:
		return nil, fmt.Errorf("%w (%q)", ErrAmbiguous, ref)
	}
	for i := len(cands) - 1; i >= 0; i-- {
		if s := cands[i].Payment.Status; s == StatusPending || s == StatusOverdue {
			return cands[i], nil
		}
	}
	return cands[len(cands)-1], nil
}

func (p *Provider) sortedPayments() []*paymentRec {
	out := make([]*paymentRec, 0, len(p.payments))
	for _, r := range p.payments {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b *paymentRec) int { return int(a.Seq - b.Seq) })
	return out
}

// state is the state file's content.
type state struct {
	Version   int            `json:"version"`
	Seq       int64          `json:"seq"`
	Customers []*customerRec `json:"customers"`
	Payments  []*paymentRec  `json:"payments"`
}

func (p *Provider) load() error {
	b, err := os.ReadFile(p.opts.StateFile)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var s state
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	p.seq = s.Seq
	for _, c := range s.Customers {
		p.customers[c.Customer.ID] = c
	}
	for _, r := range s.Payments {
		p.payments[r.Payment.ID] = r
	}
	return nil
}

// saveLocked writes the state file, atomically; p.mu is held. A failure is logged: the
// in-memory state stays right.
func (p *Provider) saveLocked() {
	if p.opts.StateFile == "" {
		return
	}
	s := state{Version: 1, Seq: p.seq, Payments: p.sortedPayments()}
	for _, c := range p.customers {
		s.Customers = append(s.Customers, c)
	}
	slices.SortFunc(s.Customers, func(a, b *customerRec) int { return strings.Compare(a.Customer.ID, b.Customer.ID) })
	b, err := json.MarshalIndent(s, "", "  ")
	if err == nil {
		tmp := p.opts.StateFile + ".tmp"
		if err = os.MkdirAll(filepath.Dir(p.opts.StateFile), 0o755); err == nil {
			if err = os.WriteFile(tmp, b, 0o600); err == nil {
				err = os.Rename(tmp, p.opts.StateFile)
			}
		}
	}
	if err != nil {
		p.log.Error("local asaas: state not saved", "file", p.opts.StateFile, "error", err)
	}
}

const alnum = "abcdefghijklmnopqrstuvwxyz0123456789"

// newID returns prefix and n random lowercase alphanumerics.
func newID(prefix string, n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alnum[int(b[i])%len(alnum)]
	}
	return prefix + string(b)
}

func ptr[T any](v T) *T { return &v }

func clonePayment(p Payment) Payment {
	p.Refunds = slices.Clone(p.Refunds)
	return p
}
