package localasaas

import (
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wabot-platform/wabot/shared/domain"
)

// apiError is one entry of Asaas's error answer {"errors":[{"code","description"}]}.
type apiError struct {
	Code        string `json:"code"`
	Description string `json:"description"`
}

// List is Asaas's list envelope.
type List[T any] struct {
	Object     string `json:"object"` // "list"
	HasMore    bool   `json:"hasMore"`
	TotalCount int    `json:"totalCount"`
	Limit      int    `json:"limit"`
	Offset     int    `json:"offset"`
	Data       []T    `json:"data"`
}

// ServeHTTP serves the API, the controls and the invoice pages.
func (p *Provider) ServeHTTP(w http.ResponseWriter, r *http.Request) { p.mux.ServeHTTP(w, r) }

// authedHandler is an API handler, given the caller's account.
type authedHandler func(w http.ResponseWriter, r *http.Request, a Account)

func (p *Provider) routes() {
	m := http.NewServeMux()
	api := func(method, route string, h authedHandler) {
		key := method + " " + route
		m.HandleFunc(method+" "+p.opts.Prefix+route, func(w http.ResponseWriter, r *http.Request) {
			p.serveAPI(w, r, key, route, h)
		})
	}
	api("GET", "/customers", p.listCustomers)
	api("POST", "/customers", p.createCustomer)
	api("GET", "/customers/{id}", p.getCustomer)
	api("PUT", "/customers/{id}", p.updateCustomer)
	api("GET", "/payments", p.listPayments)
	api("POST", "/payments", p.createPayment)
	api("GET", "/payments/{id}", p.getPayment)
	api("DELETE", "/payments/{id}", p.deletePayment)
	api("GET", "/payments/{id}/pixQrCode", p.getPixQrCode)
	api("POST", "/payments/{id}/refund", p.refundPayment)
	m.HandleFunc(p.opts.Prefix+"/", func(w http.ResponseWriter, r *http.Request) {
		writeErrors(w, http.StatusNotFound, apiError{"not_found", "Endpoint não disponível no provedor local: " + r.Method + " " + r.URL.Path})
	})
	m.HandleFunc("POST "+p.opts.ControlPrefix+"/pay", func(w http.ResponseWriter, r *http.Request) { p.serveControl(w, r, p.PayFor) })
	m.HandleFunc("POST "+p.opts.ControlPrefix+"/overdue", func(w http.ResponseWriter, r *http.Request) { p.serveControl(w, r, p.OverdueFor) })
	m.HandleFunc("GET "+p.opts.ControlPrefix+"/deliveries", func(w http.ResponseWriter, _ *http.Request) {
		d := p.Deliveries()
		if d == nil {
			d = []Delivery{}
		}
		writeJSON(w, http.StatusOK, d)
	})
	m.HandleFunc("GET /i/{id}", p.invoicePage)
	p.mux = m
}

// serveAPI counts the request, applies Fail and Stall, authenticates and checks the
// User-Agent.
func (p *Provider) serveAPI(w http.ResponseWriter, r *http.Request, key, route string, h authedHandler) {
	path := strings.TrimPrefix(r.URL.Path, p.opts.Prefix)
	names := []string{r.Method + " " + path, path, key, route}
	p.mu.Lock()
	p.requests[key]++
	status := 0
	for _, k := range names {
		if f, ok := p.faults[k]; ok {
			status = f.status
			if f.times--; f.times > 0 {
				p.faults[k] = f
			} else {
				delete(p.faults, k)
			}
			break
		}
	}
	var stall time.Duration
	for _, k := range names {
		if d, ok := p.stalls[k]; ok && status == 0 {
			stall = d
			delete(p.stalls, k)
			break
		}
	}
	p.mu.Unlock()
	if status != 0 {
		p.log.Info("local asaas: failing a request on purpose (Fail)", "method", r.Method, "path", path, "status", status)
		writeErrors(w, status, apiError{"local_fault_injection", "Falha simulada pelo provedor local (Fail)."})
		return
	}
	if stall <= 0 {
		p.authorized(w, r, path, h)
		return
	}
	rec := httptest.NewRecorder()
	p.authorized(rec, r, path, h)
	p.log.Info("local asaas: stalling the answer on purpose (Stall)", "method", r.Method, "path", path, "for", stall.String())
	t := time.NewTimer(stall)
	defer t.Stop()
	select {
	case <-t.C:
	case <-r.Context().Done():
		return
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

// authorized answers a request whose access_token is an account's and that has a
// User-Agent with h, and any other with Asaas's error.
func (p *Provider) authorized(w http.ResponseWriter, r *http.Request, path string, h authedHandler) {
	key := r.Header.Get("access_token")
	p.mu.Lock()
	a, known := p.accounts[key]
	p.mu.Unlock()
	switch {
	case key == "":
		writeErrors(w, http.StatusUnauthorized, apiError{"access_token_not_found", "O cabeçalho de autenticação 'access_token' é obrigatório e não foi encontrado na requisição."})
		return
	case !known:
		p.log.Info("local asaas: unknown access_token", "method", r.Method, "path", path)
		writeErrors(w, http.StatusUnauthorized, apiError{"invalid_access_token", "A chave de API fornecida é inválida."})
		return
	case r.Header.Get("User-Agent") == "":
		p.log.Warn("local asaas: request without User-Agent refused", "clientId", a.ClientID, "method", r.Method, "path", path)
		writeErrors(w, http.StatusBadRequest, apiError{"invalid_user_agent", "O header User-Agent é obrigatório."})
		return
	}
	p.log.Info("local asaas: request", "clientId", a.ClientID, "method", r.Method, "path", path)
	h(w, r, a)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeErrors(w http.ResponseWriter, status int, errs ...apiError) {
	writeJSON(w, status, struct {
		Errors []apiError `json:"errors"`
	}{errs})
}

func notFound(w http.ResponseWriter, what string) {
	writeErrors(w, http.StatusNotFound, apiError{"not_found", what + " não encontrado."})
}

// decode reads a JSON body into v, answering 400 when it is not one.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(v); err != nil {
		writeErrors(w, http.StatusBadRequest, apiError{"invalid_object", "O corpo da requisição não é um JSON válido: " + err.Error()})
		return false
	}
	return true
}

// page reads offset and limit (default 10, at most 100) and slices data.
func page[T any](r *http.Request, data []T) List[T] {
	q := r.URL.Query()
	offset, _ := strconv.Atoi(q.Get("offset"))
	limit, err := strconv.Atoi(q.Get("limit"))
	if err != nil || limit <= 0 {
		limit = 10
	}
	limit = min(limit, 100)
	offset = max(offset, 0)
	l := List[T]{Object: "list", TotalCount: len(data), Limit: limit, Offset: offset, Data: []T{}}
	if offset < len(data) {
		end := min(offset+limit, len(data))
		l.Data = append(l.Data, data[offset:end]...)
		l.HasMore = end < len(data)
	}
	return l
}

func (p *Provider) listCustomers(w http.ResponseWriter, r *http.Request, a Account) {
	q := r.URL.Query()
	cpf := q.Get("cpfCnpj")
	if d, ok := domain.ValidCPFOrCNPJ(cpf); ok {
		cpf = d
	}
	p.mu.Lock()
	var out []Customer
	for _, c := range p.customers {
		cu := c.Customer
		if c.ClientID != a.ClientID || cu.Deleted ||
			(q.Has("externalReference") && cu.ExternalReference != q.Get("externalReference")) ||
			(q.Has("cpfCnpj") && cu.CpfCnpj != cpf) ||
			(q.Has("name") && !strings.Contains(strings.ToLower(cu.Name), strings.ToLower(q.Get("name")))) {
			continue
		}
		out = append(out, cu)
	}
	p.mu.Unlock()
	slices.SortFunc(out, func(x, y Customer) int { // newest first, as Asaas lists
		return -strings.Compare(x.DateCreated+x.ID, y.DateCreated+y.ID)
	})
	writeJSON(w, http.StatusOK, page(r, out))
}

func (p *Provider) createCustomer(w http.ResponseWriter, r *http.Request, a Account) {
	var in struct {
		Name                 string `json:"name"`
		CpfCnpj              string `json:"cpfCnpj"`
		Email                string `json:"email"`
		Phone                string `json:"phone"`
		MobilePhone          string `json:"mobilePhone"`
		ExternalReference    string `json:"externalReference"`
		NotificationDisabled bool   `json:"notificationDisabled"`
	}
	if !decode(w, r, &in) {
		return
	}
	var errs []apiError
	if strings.TrimSpace(in.Name) == "" {
		errs = append(errs, apiError{"invalid_name", "O nome do cliente deve ser informado."})
	}
	c := Customer{
		Object: "customer", Name: strings.TrimSpace(in.Name), Email: in.Email, Phone: in.Phone, MobilePhone: in.MobilePhone,
		ExternalReference: in.ExternalReference, NotificationDisabled: in.NotificationDisabled,
	}
	if e := p.setCpfCnpj(&c, in.CpfCnpj, a.RequireCPF); e != nil {
		errs = append(errs, *e)
	}
	if len(errs) > 0 {
		p.log.Info("local asaas: customer refused", "clientId", a.ClientID, "codes", codes(errs))
		writeErrors(w, http.StatusBadRequest, errs...)
		return
	}
	p.mu.Lock()
	c.ID = newID("cus_", 12)
	c.DateCreated = p.now().In(brazil).Format(time.DateOnly)
	p.customers[c.ID] = &customerRec{ClientID: a.ClientID, Customer: c}
	p.saveLocked()
	p.mu.Unlock()
	p.log.Info("local asaas: customer created", "clientId", a.ClientID, "customer", c.ID)
	writeJSON(w, http.StatusOK, c)
}

// setCpfCnpj sets s, a CPF or CNPJ with or without punctuation, on c, or returns Asaas's
// error: s is invalid, refused (RefuseCPF), or empty where the account requires one.
func (p *Provider) setCpfCnpj(c *Customer, s string, required bool) *apiError {
	digits, ok := domain.ValidCPFOrCNPJ(s)
	p.mu.Lock()
	refused := p.refused[digits]
	p.mu.Unlock()
	switch {
	case strings.TrimSpace(s) == "":
		if required {
			return &apiError{"invalid_cpfCnpj", "É necessário informar o CPF ou CNPJ do cliente."}
		}
		c.CpfCnpj, c.PersonType = "", ""
	case !ok || refused:
		return &apiError{"invalid_cpfCnpj", "O CPF/CNPJ informado é inválido."}
	default:
		c.CpfCnpj, c.PersonType = digits, "FISICA"
		if len(digits) == 14 {
			c.PersonType = "JURIDICA"
		}
	}
	return nil
}

// updateCustomer changes the fields sent of a customer (PUT /customers/{id}).
func (p *Provider) updateCustomer(w http.ResponseWriter, r *http.Request, a Account) {
	var in struct {
		Name                 *string `json:"name"`
		CpfCnpj              *string `json:"cpfCnpj"`
		Email                *string `json:"email"`
		Phone                *string `json:"phone"`
		MobilePhone          *string `json:"mobilePhone"`
		ExternalReference    *string `json:"externalReference"`
		NotificationDisabled *bool   `json:"notificationDisabled"`
	}
	if !decode(w, r, &in) {
		return
	}
	id := r.PathValue("id")
	p.mu.Lock()
	rec, ok := p.customers[id]
	var c Customer
	if ok {
		c = rec.Customer
	}
	p.mu.Unlock()
	if !ok || rec.ClientID != a.ClientID || c.Deleted {
		notFound(w, "Cliente")
		return
	}
	var errs []apiError
	if in.Name != nil {
		if c.Name = strings.TrimSpace(*in.Name); c.Name == "" {
			errs = append(errs, apiError{"invalid_name", "O nome do cliente deve ser informado."})
		}
	}
	if in.CpfCnpj != nil {
		if e := p.setCpfCnpj(&c, *in.CpfCnpj, a.RequireCPF); e != nil {
			errs = append(errs, *e)
		}
	}
	for _, f := range []struct{ in, out *string }{{in.Email, &c.Email}, {in.Phone, &c.Phone}, {in.MobilePhone, &c.MobilePhone}, {in.ExternalReference, &c.ExternalReference}} {
		if f.in != nil {
			*f.out = *f.in
		}
	}
	if in.NotificationDisabled != nil {
		c.NotificationDisabled = *in.NotificationDisabled
	}
	if len(errs) > 0 {
		p.log.Info("local asaas: customer update refused", "clientId", a.ClientID, "customer", id, "codes", codes(errs))
		writeErrors(w, http.StatusBadRequest, errs...)
		return
	}
	p.mu.Lock()
	rec.Customer = c
	p.saveLocked()
	p.mu.Unlock()
	p.log.Info("local asaas: customer updated", "clientId", a.ClientID, "customer", id)
	writeJSON(w, http.StatusOK, c)
}

func codes(errs []apiError) []string {
	var out []string
	for _, e := range errs {
		out = append(out, e.Code)
	}
	return out
}

func (p *Provider) getCustomer(w http.ResponseWriter, r *http.Request, a Account) {
	p.mu.Lock()
	c, ok := p.customers[r.PathValue("id")]
	var cu Customer
	if ok {
		cu = c.Customer
	}
	p.mu.Unlock()
	if !ok || c.ClientID != a.ClientID {
		notFound(w, "Cliente")
		return
	}
	writeJSON(w, http.StatusOK, cu)
}

func (p *Provider) createPayment(w http.ResponseWriter, r *http.Request, a Account) {
	var in struct {
		Customer          string   `json:"customer"`
		BillingType       string   `json:"billingType"`
		Value             *float64 `json:"value"`
		DueDate           string   `json:"dueDate"`
		Description       string   `json:"description"`
		ExternalReference string   `json:"externalReference"`
	}
	if !decode(w, r, &in) {
		return
	}
	today := p.now().In(brazil).Format(time.DateOnly)
	var errs []apiError
	p.mu.Lock()
	rec, ok := p.customers[in.Customer]
	var cust customerRec
	if ok {
		cust = *rec
	}
	p.mu.Unlock()
	switch {
	case in.Customer == "":
		errs = append(errs, apiError{"invalid_customer", "O cliente deve ser informado."})
	case !ok || cust.ClientID != a.ClientID || cust.Customer.Deleted:
		errs = append(errs, apiError{"invalid_customer", "Cliente inválido ou inexistente."})
	case a.RequireCPF && cust.Customer.CpfCnpj == "":
		errs = append(errs, apiError{"invalid_customer.cpfCnpj", "Para criar esta cobrança é necessário preencher o CPF ou CNPJ do cliente."})
	}
	if !slices.Contains(billingTypes, in.BillingType) {
		errs = append(errs, apiError{"invalid_billingType", "É necessário informar uma forma de pagamento válida: " + strings.Join(billingTypes, ", ") + "."})
	}
	switch {
	case in.Value == nil:
		errs = append(errs, apiError{"invalid_value", "O campo value deve ser informado."})
	case !(*in.Value > 0) || math.IsInf(*in.Value, 0):
		errs = append(errs, apiError{"invalid_value", "O valor da cobrança deve ser maior que zero."})
	}
	if d, err := time.Parse(time.DateOnly, in.DueDate); err != nil {
		errs = append(errs, apiError{"invalid_dueDate", "A data de vencimento deve ser informada no formato AAAA-MM-DD."})
	} else if d.Format(time.DateOnly) < today {
		errs = append(errs, apiError{"invalid_dueDate", "A data de vencimento não pode ser anterior à data de hoje."})
	}
	if len(errs) > 0 {
		p.log.Info("local asaas: payment refused", "clientId", a.ClientID, "codes", codes(errs))
		writeErrors(w, http.StatusBadRequest, errs...)
		return
	}
	value := math.Round(*in.Value*100) / 100
	p.mu.Lock()
	p.seq++
	pay := Payment{
		Object: "payment", ID: newID("pay_", 16), DateCreated: today, Customer: in.Customer,
		Value: value, NetValue: value, Description: in.Description, BillingType: in.BillingType,
		Status: StatusPending, DueDate: in.DueDate, OriginalDueDate: in.DueDate,
		InvoiceNumber: fmt.Sprintf("%08d", p.seq), ExternalReference: in.ExternalReference,
	}
	pay.InvoiceURL = p.opts.PublicURL + "/i/" + pay.ID
	p.payments[pay.ID] = &paymentRec{ClientID: a.ClientID, Payment: pay, Seq: p.seq}
	p.saveLocked()
	jobs := p.eventsLocked(a.ClientID, []string{"PAYMENT_CREATED"}, []Payment{clonePayment(pay)})
	p.mu.Unlock()
	p.log.Info("local asaas: payment created", "clientId", a.ClientID, "payment", pay.ID, "billingType", pay.BillingType, "value", pay.Value, "externalReference", pay.ExternalReference)
	for _, j := range jobs {
		p.enqueue(j)
	}
	writeJSON(w, http.StatusOK, pay)
}

func (p *Provider) listPayments(w http.ResponseWriter, r *http.Request, a Account) {
	q := r.URL.Query()
	p.mu.Lock()
	var out []Payment
	for _, rec := range p.sortedPayments() {
		pay := rec.Payment
		if rec.ClientID != a.ClientID || pay.Deleted ||
			(q.Has("externalReference") && pay.ExternalReference != q.Get("externalReference")) ||
			(q.Has("status") && pay.Status != q.Get("status")) ||
			(q.Has("customer") && pay.Customer != q.Get("customer")) ||
			(q.Has("billingType") && pay.BillingType != q.Get("billingType")) {
			continue
		}
		out = append(out, clonePayment(pay))
	}
	p.mu.Unlock()
	slices.Reverse(out) // newest first, as Asaas lists
	writeJSON(w, http.StatusOK, page(r, out))
}

// payment returns the caller's payment {id}, deleted ones too, or answers 404.
func (p *Provider) payment(w http.ResponseWriter, r *http.Request, a Account) (*paymentRec, bool) {
	rec, ok := p.payments[r.PathValue("id")]
	if !ok || rec.ClientID != a.ClientID {
		notFound(w, "Cobrança")
		return nil, false
	}
	return rec, true
}

// paymentCopy is a copy of the caller's payment {id}, or false once 404 is answered.
func (p *Provider) paymentCopy(w http.ResponseWriter, r *http.Request, a Account) (Payment, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	rec, ok := p.payment(w, r, a)
	if !ok {
		return Payment{}, false
	}
	return clonePayment(rec.Payment), true
}

func (p *Provider) getPayment(w http.ResponseWriter, r *http.Request, a Account) {
	if pay, ok := p.paymentCopy(w, r, a); ok {
		writeJSON(w, http.StatusOK, pay)
	}
}

func (p *Provider) getPixQrCode(w http.ResponseWriter, r *http.Request, a Account) {
	pay, ok := p.paymentCopy(w, r, a)
	switch {
	case !ok:
	case pay.Deleted:
		notFound(w, "Cobrança")
	case pay.BillingType != "PIX" && pay.BillingType != "UNDEFINED":
		writeErrors(w, http.StatusBadRequest, apiError{"invalid_billingType", "Esta cobrança não é um Pix: a forma de pagamento é " + pay.BillingType + "."})
	default:
		writeJSON(w, http.StatusOK, pixQrCode(pay))
	}
}

func (p *Provider) refundPayment(w http.ResponseWriter, r *http.Request, a Account) {
	var in struct {
		Value       *float64 `json:"value"`
		Description string   `json:"description"`
	}
	if r.ContentLength != 0 && !decode(w, r, &in) {
		return
	}
	p.mu.Lock()
	rec, ok := p.payment(w, r, a)
	if !ok {
		p.mu.Unlock()
		return
	}
	pay := &rec.Payment
	var fail *apiError
	switch {
	case pay.Deleted:
		fail = &apiError{"invalid_action", "Não é possível estornar uma cobrança removida."}
	case pay.Status != StatusReceived && pay.Status != StatusConfirmed:
		fail = &apiError{"invalid_action", "Só é possível estornar cobranças recebidas ou confirmadas; esta está " + pay.Status + "."}
	case in.Value != nil && math.Round(*in.Value*100) != math.Round(pay.Value*100):
		fail = &apiError{"invalid_value", "O provedor local só estorna o valor total da cobrança."}
	}
	if fail != nil {
		p.mu.Unlock()
		writeErrors(w, http.StatusBadRequest, *fail)
		return
	}
	now := p.now().In(brazil)
	pay.Status = StatusRefunded
	pay.Refunds = append(pay.Refunds, Refund{DateCreated: now.Format(time.DateTime), Status: "DONE", Value: pay.Value, Description: in.Description})
	p.saveLocked()
	out := clonePayment(*pay)
	jobs := p.eventsLocked(rec.ClientID, []string{"PAYMENT_REFUNDED"}, []Payment{out})
	p.mu.Unlock()
	p.log.Info("local asaas: payment refunded", "clientId", a.ClientID, "payment", out.ID)
	for _, j := range jobs {
		p.enqueue(j)
	}
	writeJSON(w, http.StatusOK, out)
}

func (p *Provider) deletePayment(w http.ResponseWriter, r *http.Request, a Account) {
	p.mu.Lock()
	rec, ok := p.payment(w, r, a)
	if !ok {
		p.mu.Unlock()
		return
	}
	pay := &rec.Payment
	if pay.Deleted || pay.Paid() {
		state := pay.Status
		if pay.Deleted {
			state += " e já foi removida"
		}
		p.mu.Unlock()
		writeErrors(w, http.StatusBadRequest, apiError{"invalid_action", "Só é possível remover cobranças que aguardam pagamento ou estão vencidas; esta está " + state + "."})
		return
	}
	pay.Deleted = true
	p.saveLocked()
	jobs := p.eventsLocked(rec.ClientID, []string{"PAYMENT_DELETED"}, []Payment{clonePayment(*pay)})
	id := pay.ID
	p.mu.Unlock()
	p.log.Info("local asaas: payment deleted", "clientId", a.ClientID, "payment", id)
	for _, j := range jobs {
		p.enqueue(j)
	}
	writeJSON(w, http.StatusOK, struct {
		Deleted bool   `json:"deleted"`
		ID      string `json:"id"`
	}{true, id})
}

// serveControl answers POST <control>/pay and /overdue.
func (p *Provider) serveControl(w http.ResponseWriter, r *http.Request, do func(clientID, ref string) (Outcome, error)) {
	var in struct {
		Payment  string `json:"payment"`
		ClientID string `json:"clientId"`
	}
	if !decode(w, r, &in) {
		return
	}
	if strings.TrimSpace(in.Payment) == "" {
		writeErrors(w, http.StatusBadRequest, apiError{"invalid_payment", `"payment" is required: a payment id (pay_...) or an order id (the externalReference)`})
		return
	}
	out, err := do(in.ClientID, in.Payment)
	switch {
	case errors.Is(err, ErrNotFound):
		writeErrors(w, http.StatusNotFound, apiError{"not_found", err.Error()})
	case errors.Is(err, ErrAmbiguous):
		writeErrors(w, http.StatusConflict, apiError{"ambiguous_reference", err.Error()})
	case errors.Is(err, ErrState):
		writeErrors(w, http.StatusConflict, apiError{"invalid_action", err.Error()})
	case err != nil:
		writeErrors(w, http.StatusInternalServerError, apiError{"internal_error", err.Error()})
	default:
		if out.Deliveries == nil {
			out.Deliveries = []Delivery{}
		}
		writeJSON(w, http.StatusOK, out)
	}
}

var invoiceTmpl = template.Must(template.New("invoice").Parse(`<!doctype html>
<html lang="pt-BR"><head><meta charset="utf-8"><title>Cobrança {{.Payment.ID}} (provedor local)</title></head>
<body style="font-family:sans-serif;max-width:36em;margin:2em auto">
<p><strong>Provedor de pagamento local</strong>: isto não é o Asaas, nenhum dinheiro muda de mãos.</p>
<h1>R$ {{printf "%.2f" .Payment.Value}}</h1>
<p>{{.Payment.Description}}</p>
<p>Status: <strong>{{.Payment.Status}}</strong>{{if .Payment.Deleted}} (removida){{end}} · vencimento {{.Payment.DueDate}} · {{.Payment.BillingType}}</p>
{{if .QR}}<p><img alt="QR code (ilustrativo)" src="{{.QRSrc}}"></p>
<p>Pix Copia e Cola:<br><code style="word-break:break-all">{{.QR.Payload}}</code></p>{{end}}
<p>Para simular o pagamento: <code>make pay ORDER={{if .Payment.ExternalReference}}{{.Payment.ExternalReference}}{{else}}{{.Payment.ID}}{{end}}</code></p>
</body></html>
`))

// invoicePage is the payer's page of a payment (its invoiceUrl): public, as Asaas's is.
func (p *Provider) invoicePage(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	rec, ok := p.payments[r.PathValue("id")]
	var pay Payment
	if ok {
		pay = clonePayment(rec.Payment)
	}
	p.mu.Unlock()
	if !ok {
		http.Error(w, "cobrança não encontrada", http.StatusNotFound)
		return
	}
	data := struct {
		Payment Payment
		QR      *PixQrCode
		QRSrc   template.URL
	}{Payment: pay}
	if (pay.BillingType == "PIX" || pay.BillingType == "UNDEFINED") && !pay.Deleted {
		qr := pixQrCode(pay)
		data.QR = &qr
		data.QRSrc = template.URL("data:image/png;base64," + qr.EncodedImage) // our own base64
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_ = invoiceTmpl.Execute(w, data)
}
