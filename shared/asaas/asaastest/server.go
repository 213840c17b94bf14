// Package asaastest is a stand-in for Asaas's API v3 in tests: an httptest.Server that
// follows Asaas's documented requests and answers (docs.asaas.com): the access_token and
// User-Agent headers, JSON bodies with Asaas's field names (an unknown field is refused, so a
// misspelt one cannot go unnoticed), amounts as decimal numbers of reais, lists in Asaas's
// envelope, errors in Asaas's {"errors":[{"code","description"}]} shape. It keeps customers
// and payments in memory, and can fail or stall chosen requests.
//
// It parses and writes amounts with its own code, not package asaas's, so a test of the client
// against it checks the client's conversions rather than their agreement with themselves.
package asaastest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wabot-platform/wabot/shared/domain"
)

// Customer is a customer the server holds.
type Customer struct {
	ID                   string
	Name                 string
	CpfCnpj              string
	MobilePhone          string
	ExternalReference    string
	NotificationDisabled bool
	Deleted              bool
}

// Payment is a payment the server holds. ValueWire is the value exactly as the client sent it.
type Payment struct {
	ID                string
	Customer          string
	BillingType       string
	ValueCents        int64
	ValueWire         string
	DueDate           string
	Description       string
	ExternalReference string
	Status            string
	Deleted           bool
	InvoiceURL        string
	RefundDescription string
}

// Server is the stand-in. Its zero value is not usable: see NewServer.
type Server struct {
	*httptest.Server
	APIKey string
	// RequireCPF makes the account refuse a customer without a CPF, and a payment of one.
	RequireCPF bool
	// RefuseCPF, when set, refuses the CPFs it returns true for although their check digits
	// are right (Asaas checks that a CPF exists).
	RefuseCPF func(digits string) bool

	mu        sync.Mutex
	seq       int
	customers []*Customer
	payments  []*Payment
	requests  map[string]int
	agents    []string
	faults    []*fault
	now       func() time.Time
}

type fault struct {
	route  string
	status int           // answer status, 0 = handle normally
	stall  time.Duration // after handling, wait this long before answering
	times  int
}

// NewServer starts a stand-in that accepts apiKey; it is closed when the test ends.
func NewServer(tb testing.TB, apiKey string) *Server {
	s := &Server{APIKey: apiKey, requests: map[string]int{}, now: time.Now}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	tb.Cleanup(s.Close)
	return s
}

// BaseURL is the server's API base, as asaas.WithBaseURL takes it.
func (s *Server) BaseURL() string { return s.URL + "/v3" }

// SetClock sets the server's "today" (a payment's due date may not be earlier).
func (s *Server) SetClock(now func() time.Time) {
	s.mu.Lock()
	s.now = now
	s.mu.Unlock()
}

// Fail answers the next times requests of route ("POST /payments", "GET /payments/{id}") with
// status and an Asaas error body, without handling them.
func (s *Server) Fail(route string, status, times int) {
	s.mu.Lock()
	s.faults = append(s.faults, &fault{route: route, status: status, times: times})
	s.mu.Unlock()
}

// Stall handles the next times requests of route (a payment is created) and then waits d, or
// until the client goes away, before answering: a timeout after the work was done.
func (s *Server) Stall(route string, d time.Duration, times int) {
	s.mu.Lock()
	s.faults = append(s.faults, &fault{route: route, stall: d, times: times})
	s.mu.Unlock()
}

// Requests counts the requests of route received, failed ones included.
func (s *Server) Requests(route string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[route]
}

// UserAgents lists the User-Agent of every request received.
func (s *Server) UserAgents() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.agents...)
}

// Customers returns copies of the customers held, deleted ones included.
func (s *Server) Customers() []Customer {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Customer, len(s.customers))
	for i, c := range s.customers {
		out[i] = *c
	}
	return out
}

// Payments returns copies of the payments whose externalReference is ref ("" all), deleted
// ones included.
func (s *Server) Payments(ref string) []Payment {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Payment
	for _, p := range s.payments {
		if ref == "" || p.ExternalReference == ref {
			out = append(out, *p)
		}
	}
	return out
}

// AddCustomer stores a customer as if created earlier, and returns it with its id.
func (s *Server) AddCustomer(c Customer) Customer {
	s.mu.Lock()
	defer s.mu.Unlock()
	c.ID = s.nextID("cus_")
	s.customers = append(s.customers, &c)
	return c
}

// AddPayment stores a payment as if created earlier, and returns it with its id.
func (s *Server) AddPayment(p Payment) Payment {
	s.mu.Lock()
	defer s.mu.Unlock()
	p.ID = s.nextID("pay_")
	if p.Status == "" {
		p.Status = "PENDING"
	}
	p.InvoiceURL = "https://sandbox.asaas.com/i/" + strings.TrimPrefix(p.ID, "pay_")
	p.ValueWire = reais(p.ValueCents)
	s.payments = append(s.payments, &p)
	return p
}

// SetStatus changes a payment's status (a payer paid: RECEIVED).
func (s *Server) SetStatus(paymentID, status string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.payment(paymentID); p != nil {
		p.Status = status
	}
}

func (s *Server) nextID(prefix string) string {
	s.seq++
	return fmt.Sprintf("%s%012d", prefix, s.seq)
}

var idSegment = regexp.MustCompile(`/(cus|pay)_[0-9A-Za-z]+`)

// route names a request by its method and path, ids replaced by {id}.
func route(r *http.Request) string {
	p := strings.TrimPrefix(r.URL.Path, "/v3")
	return r.Method + " " + idSegment.ReplaceAllString(p, "/{id}")
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	rt := route(r)
	s.mu.Lock()
	s.requests[rt]++
	s.agents = append(s.agents, r.UserAgent())
	var stall time.Duration
	for _, f := range s.faults {
		if f.route != rt || f.times <= 0 {
			continue
		}
		f.times--
		if f.status != 0 {
			s.mu.Unlock()
			writeErrors(w, f.status, "internal_error", "Ocorreu um erro interno (falha simulada).")
			return
		}
		stall = f.stall
		break
	}
	s.mu.Unlock()

	if stall > 0 {
		rec := httptest.NewRecorder()
		s.handle(rec, r)
		select {
		case <-time.After(stall):
		case <-r.Context().Done():
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
		return
	}
	s.handle(w, r)
}

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.URL.Path, "/v3/") {
		writeErrors(w, http.StatusNotFound, "not_found", "Endpoint inexistente.")
		return
	}
	if r.Header.Get("access_token") != s.APIKey || s.APIKey == "" {
		writeErrors(w, http.StatusUnauthorized, "invalid_access_token", "A chave de API fornecida é inválida.")
		return
	}
	if ua := r.UserAgent(); ua == "" || strings.HasPrefix(ua, "Go-http-client/") {
		writeErrors(w, http.StatusForbidden, "invalid_user_agent", "O header User-Agent deve identificar a aplicação.")
		return
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	switch r.Method {
	case http.MethodGet, http.MethodDelete:
		if len(body) > 0 {
			// docs.asaas.com, "HTTP response codes": a GET with a body is CloudFront's 403.
			writeErrors(w, http.StatusForbidden, "forbidden", "Requisições GET não devem ter body.")
			return
		}
	case http.MethodPost, http.MethodPut:
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			writeErrors(w, http.StatusBadRequest, "invalid_content_type", "Content-Type deve ser application/json.")
			return
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch rt := route(r); rt {
	case "GET /customers":
		s.listCustomers(w, r)
	case "POST /customers":
		s.createCustomer(w, body)
	case "PUT /customers/{id}":
		s.updateCustomer(w, lastID(r, 0), body)
	case "GET /payments":
		s.listPayments(w, r)
	case "POST /payments":
		s.createPayment(w, body)
	case "GET /payments/{id}":
		if p := s.payment(lastID(r, 0)); p != nil {
			writeJSON(w, http.StatusOK, paymentJSON(p))
		} else {
			writeErrors(w, http.StatusNotFound, "not_found", "Cobrança não encontrada.")
		}
	case "GET /payments/{id}/pixQrCode":
		s.pixQrCode(w, lastID(r, 1))
	case "POST /payments/{id}/refund":
		s.refund(w, lastID(r, 1), body)
	case "DELETE /payments/{id}":
		s.deletePayment(w, lastID(r, 0))
	default:
		writeErrors(w, http.StatusNotFound, "not_found", "Endpoint inexistente: "+rt)
	}
}

// lastID is the path segment skip segments from the end.
func lastID(r *http.Request, skip int) string {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	return parts[len(parts)-1-skip]
}

func (s *Server) payment(id string) *Payment {
	for _, p := range s.payments {
		if p.ID == id {
			return p
		}
	}
	return nil
}

func (s *Server) customer(id string) *Customer {
	for _, c := range s.customers {
		if c.ID == id {
			return c
		}
	}
	return nil
}

func (s *Server) listCustomers(w http.ResponseWriter, r *http.Request) {
	ref, filter := r.URL.Query()["externalReference"]
	var data []any
	for _, c := range s.customers {
		if !c.Deleted && (!filter || c.ExternalReference == ref[0]) {
			data = append(data, customerJSON(c))
		}
	}
	writeList(w, data)
}

// customerRequest holds the fields of POST /customers and PUT /customers/{id} that the
// platform may send (docs.asaas.com, "Create new customer").
type customerRequest struct {
	Name                 *string `json:"name"`
	CpfCnpj              *string `json:"cpfCnpj"`
	MobilePhone          *string `json:"mobilePhone"`
	ExternalReference    *string `json:"externalReference"`
	NotificationDisabled *bool   `json:"notificationDisabled"`
}

func (s *Server) createCustomer(w http.ResponseWriter, body []byte) {
	var req customerRequest
	if !decode(w, body, &req) {
		return
	}
	if req.Name == nil || strings.TrimSpace(*req.Name) == "" {
		writeErrors(w, http.StatusBadRequest, "invalid_name", "O campo nome deve ser informado.")
		return
	}
	c := &Customer{Name: *req.Name}
	if !s.applyCustomer(w, c, req) {
		return
	}
	if s.RequireCPF && c.CpfCnpj == "" {
		writeErrors(w, http.StatusBadRequest, "invalid_cpfCnpj", "O CPF/CNPJ do cliente deve ser informado.")
		return
	}
	c.ID = s.nextID("cus_")
	s.customers = append(s.customers, c)
	writeJSON(w, http.StatusOK, customerJSON(c))
}

func (s *Server) updateCustomer(w http.ResponseWriter, id string, body []byte) {
	c := s.customer(id)
	if c == nil || c.Deleted {
		writeErrors(w, http.StatusNotFound, "not_found", "Cliente não encontrado.")
		return
	}
	var req customerRequest
	if !decode(w, body, &req) {
		return
	}
	updated := *c
	if req.Name != nil {
		updated.Name = *req.Name
	}
	if !s.applyCustomer(w, &updated, req) {
		return
	}
	*c = updated
	writeJSON(w, http.StatusOK, customerJSON(c))
}

func (s *Server) applyCustomer(w http.ResponseWriter, c *Customer, req customerRequest) bool {
	if req.CpfCnpj != nil {
		d, ok := domain.ValidCPF(*req.CpfCnpj)
		if !ok || (s.RefuseCPF != nil && s.RefuseCPF(d)) {
			writeErrors(w, http.StatusBadRequest, "invalid_cpfCnpj", "O CPF/CNPJ informado é inválido.")
			return false
		}
		c.CpfCnpj = d
	}
	if req.MobilePhone != nil {
		m := *req.MobilePhone
		if len(m) < 10 || len(m) > 11 || strings.Trim(m, "0123456789") != "" {
			writeErrors(w, http.StatusBadRequest, "invalid_mobilePhone", "O celular informado é inválido.")
			return false
		}
		c.MobilePhone = m
	}
	if req.ExternalReference != nil {
		c.ExternalReference = *req.ExternalReference
	}
	if req.NotificationDisabled != nil {
		c.NotificationDisabled = *req.NotificationDisabled
	}
	return true
}

func (s *Server) listPayments(w http.ResponseWriter, r *http.Request) {
	ref, filter := r.URL.Query()["externalReference"]
	var data []any
	for _, p := range s.payments {
		if !p.Deleted && (!filter || p.ExternalReference == ref[0]) {
			data = append(data, paymentJSON(p))
		}
	}
	writeList(w, data)
}

// paymentRequest holds the fields of POST /payments the platform may send (docs.asaas.com,
// "Create new payment").
type paymentRequest struct {
	Customer          string      `json:"customer"`
	BillingType       string      `json:"billingType"`
	Value             json.Number `json:"value"`
	DueDate           string      `json:"dueDate"`
	Description       string      `json:"description"`
	ExternalReference string      `json:"externalReference"`
}

func (s *Server) createPayment(w http.ResponseWriter, body []byte) {
	var req paymentRequest
	if !decode(w, body, &req) {
		return
	}
	c := s.customer(req.Customer)
	if c == nil || c.Deleted {
		writeErrors(w, http.StatusBadRequest, "invalid_customer", "Customer inválido ou não informado.")
		return
	}
	switch req.BillingType {
	case "PIX", "CREDIT_CARD", "BOLETO", "UNDEFINED":
	default:
		writeErrors(w, http.StatusBadRequest, "invalid_billingType", "Forma de pagamento inválida.")
		return
	}
	cents, ok := parseReais(req.Value.String())
	if !ok || cents <= 0 {
		writeErrors(w, http.StatusBadRequest, "invalid_value", "O campo value deve ser informado.")
		return
	}
	due, err := time.Parse("2006-01-02", req.DueDate)
	if err != nil {
		writeErrors(w, http.StatusBadRequest, "invalid_dueDate", "Data de vencimento inválida.")
		return
	}
	loc, lerr := time.LoadLocation("America/Sao_Paulo")
	if lerr != nil {
		loc = time.FixedZone("BRT", -3*60*60)
	}
	if today := s.now().In(loc).Format("2006-01-02"); due.Format("2006-01-02") < today {
		writeErrors(w, http.StatusBadRequest, "invalid_dueDate", "A data de vencimento não pode ser inferior à hoje.")
		return
	}
	if len([]rune(req.Description)) > 500 {
		writeErrors(w, http.StatusBadRequest, "invalid_description", "A descrição deve ter no máximo 500 caracteres.")
		return
	}
	if s.RequireCPF && c.CpfCnpj == "" {
		writeErrors(w, http.StatusBadRequest, "invalid_customer.cpfCnpj", "Para criar esta cobrança é necessário preencher o CPF ou CNPJ do cliente.")
		return
	}
	p := &Payment{
		ID: s.nextID("pay_"), Customer: c.ID, BillingType: req.BillingType, ValueCents: cents,
		ValueWire: req.Value.String(), DueDate: req.DueDate, Description: req.Description,
		ExternalReference: req.ExternalReference, Status: "PENDING",
	}
	p.InvoiceURL = "https://sandbox.asaas.com/i/" + strings.TrimPrefix(p.ID, "pay_")
	s.payments = append(s.payments, p)
	writeJSON(w, http.StatusOK, paymentJSON(p))
}

// PixPayload is the copy-and-paste code the server gives a PIX payment.
func PixPayload(paymentID string) string {
	return "00020101021226820014br.gov.bcb.pix2560qrpix.asaas.com/qr/" + paymentID + "5204000053039865802BR6304ABCD"
}

func (s *Server) pixQrCode(w http.ResponseWriter, id string) {
	p := s.payment(id)
	if p == nil || p.Deleted {
		writeErrors(w, http.StatusNotFound, "not_found", "Cobrança não encontrada.")
		return
	}
	if p.BillingType == "CREDIT_CARD" {
		writeErrors(w, http.StatusBadRequest, "invalid_billingType", "Cobrança não permite pagamento via Pix.")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"encodedImage":   "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk",
		"payload":        PixPayload(p.ID),
		"expirationDate": p.DueDate + " 23:59:59",
		"description":    p.Description,
	})
}

func (s *Server) refund(w http.ResponseWriter, id string, body []byte) {
	p := s.payment(id)
	if p == nil || p.Deleted {
		writeErrors(w, http.StatusNotFound, "not_found", "Cobrança não encontrada.")
		return
	}
	var req struct {
		Value       *json.Number `json:"value"`
		Description string       `json:"description"`
	}
	if !decode(w, body, &req) {
		return
	}
	if p.Status != "RECEIVED" && p.Status != "CONFIRMED" {
		writeErrors(w, http.StatusBadRequest, "invalid_action", "Não é possível estornar uma cobrança com situação "+p.Status+".")
		return
	}
	if req.Value != nil {
		if v, ok := parseReais(req.Value.String()); !ok || v <= 0 || v > p.ValueCents {
			writeErrors(w, http.StatusBadRequest, "invalid_value", "Valor de estorno inválido.")
			return
		}
	}
	p.Status, p.RefundDescription = "REFUNDED", req.Description
	writeJSON(w, http.StatusOK, paymentJSON(p))
}

func (s *Server) deletePayment(w http.ResponseWriter, id string) {
	p := s.payment(id)
	if p == nil || p.Deleted {
		writeErrors(w, http.StatusNotFound, "not_found", "Cobrança não encontrada.")
		return
	}
	switch p.Status {
	case "PENDING", "OVERDUE":
	default:
		writeErrors(w, http.StatusBadRequest, "invalid_action", "Somente cobranças aguardando pagamento ou vencidas podem ser removidas.")
		return
	}
	p.Deleted = true
	writeJSON(w, http.StatusOK, map[string]any{"deleted": true, "id": p.ID})
}

// decode reads a JSON body with Asaas's field names; any other field is a 400.
func decode(w http.ResponseWriter, body []byte, v any) bool {
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		writeErrors(w, http.StatusBadRequest, "invalid_request", "JSON inválido: "+err.Error())
		return false
	}
	return true
}

func customerJSON(c *Customer) map[string]any {
	return map[string]any{
		"object": "customer", "id": c.ID, "dateCreated": "2024-06-12", "name": c.Name,
		"cpfCnpj": nilIfEmpty(c.CpfCnpj), "mobilePhone": nilIfEmpty(c.MobilePhone),
		"externalReference": nilIfEmpty(c.ExternalReference), "notificationDisabled": c.NotificationDisabled,
		"deleted": c.Deleted, "personType": "FISICA", "email": nil, "country": "Brasil",
	}
}

func paymentJSON(p *Payment) map[string]any {
	return map[string]any{
		"object": "payment", "id": p.ID, "dateCreated": p.DueDate, "customer": p.Customer,
		"billingType": p.BillingType, "value": json.Number(reais(p.ValueCents)),
		"netValue": json.Number(reais(p.ValueCents - min(p.ValueCents, 99))), "originalValue": nil,
		"status": p.Status, "dueDate": p.DueDate, "originalDueDate": p.DueDate,
		"invoiceUrl": p.InvoiceURL, "invoiceNumber": "00005101", "bankSlipUrl": nil,
		"externalReference": nilIfEmpty(p.ExternalReference), "description": nilIfEmpty(p.Description),
		"deleted": p.Deleted, "anticipated": false, "postalService": false,
		"discount": map[string]any{"value": json.Number("0.00"), "dueDateLimitDays": 0},
	}
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func writeList(w http.ResponseWriter, data []any) {
	if data == nil {
		data = []any{}
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"object": "list", "hasMore": false, "totalCount": len(data), "limit": 10, "offset": 0, "data": data,
	})
}

func writeErrors(w http.ResponseWriter, status int, code, description string) {
	writeJSON(w, status, map[string]any{"errors": []map[string]string{{"code": code, "description": description}}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// reais writes cents with two decimals ("57.90"), as Asaas does.
func reais(cents int64) string {
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	return fmt.Sprintf("%s%d.%02d", sign, cents/100, cents%100)
}

// parseReais reads a plain decimal of reais with at most two decimals.
func parseReais(s string) (int64, bool) {
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" || len(frac) > 2 || strings.Trim(whole, "0123456789") != "" || strings.Trim(frac, "0123456789") != "" {
		return 0, false
	}
	for len(frac) < 2 {
		frac += "0"
	}
	n, err := strconv.ParseInt(whole+frac, 10, 64)
	return n, err == nil
}
