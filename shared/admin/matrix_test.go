package admin_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	liberrors "github.com/pb33f/libopenapi-validator/errors"

	"github.com/wabot-platform/wabot/shared/dev/demo"
	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/resourcenames"
)

// operation is one operation of the OpenAPI document.
type operation struct {
	id, method, path string
	access           string
	example          any
	hasBody, ifMatch bool
}

// operations reads every operation from the document the API serves: the matrix covers
// what the API says it has, so no route can escape it.
func operations(t *testing.T, f *fixture) []operation {
	t.Helper()
	res := f.do(t, "GET", resourcenames.AdminOpenAPIPath, "", nil)
	if res.status != 200 {
		t.Fatalf("openapi.json: %d %s", res.status, res.body)
	}
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	res.json(t, &doc)
	if doc.OpenAPI != "3.1.0" {
		t.Fatalf("openapi %q", doc.OpenAPI)
	}
	var ops []operation
	for path, methods := range doc.Paths {
		for method, raw := range methods {
			var op struct {
				OperationID string `json:"operationId"`
				Access      string `json:"x-wabot-access"`
				Parameters  []struct {
					Name, In string
				} `json:"parameters"`
				RequestBody *struct {
					Content map[string]struct {
						Example any `json:"example"`
					} `json:"content"`
				} `json:"requestBody"`
			}
			if err := json.Unmarshal(raw, &op); err != nil {
				t.Fatal(err)
			}
			o := operation{id: op.OperationID, method: strings.ToUpper(method), path: path, access: op.Access}
			for _, p := range op.Parameters {
				if p.In == "header" && p.Name == "If-Match" {
					o.ifMatch = true
				}
			}
			if op.RequestBody != nil {
				o.hasBody = true
				o.example = op.RequestBody.Content["application/json"].Example
			}
			ops = append(ops, o)
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].path+ops[i].method < ops[j].path+ops[j].method })
	// The document itself is public; the routes are what it lists.
	if len(ops) < 40 {
		t.Fatalf("the document lists %d operations", len(ops))
	}
	return ops
}

// pizzariaCustomer and burgerCustomer are the matrix's customers.
const (
	pizzariaCustomer = "whatsapp:+5511977770001"
	burgerCustomer   = "whatsapp:+5511977770002"
)

// fill substitutes the path parameters: the brand's objects that exist.
func fill(path, clientID string, params map[string]string) string {
	store, phone := "centro", pizzariaCustomer
	if clientID == demo.BurgerID {
		store, phone = "vila-madalena", burgerCustomer
	}
	vals := map[string]string{"clientId": clientID, "storeId": store, "phone": phone, "orderId": "matrix-order",
		"itemId": "x-burger", "categoryId": "burgers"}
	if clientID == demo.PizzariaID {
		vals["itemId"], vals["categoryId"] = "calabresa", "pizzas"
	}
	for k, v := range params {
		vals[k] = v
	}
	for k, v := range vals {
		path = strings.ReplaceAll(path, "{"+k+"}", strings.ReplaceAll(v, "+", "%2B"))
	}
	return path
}

// readOnlyPosts are the operations that take a body but change nothing (previews): the only
// non-GET operations a viewer may call. A new operation that is not a GET is a write unless
// it is named here.
var readOnlyPosts = map[string]bool{"previewText": true, "previewPrompt": true}

func isWrite(op operation) bool { return op.method != "GET" && !readOnlyPosts[op.id] }

func TestRouteMatrix(t *testing.T) {
	f := newFixture(t)
	ops := operations(t, f)
	f.customer(t, demo.PizzariaID, "centro", pizzariaCustomer)
	f.customer(t, demo.BurgerID, "vila-madalena", burgerCustomer)
	f.order(t, demo.PizzariaID, "centro", pizzariaCustomer, "matrix-order")
	f.order(t, demo.BurgerID, "vila-madalena", burgerCustomer, "matrix-order")

	conform := responseChecker(t, f)
	burgerAdmin := f.brandAdmin(t, demo.BurgerID)
	burgerViewer := f.viewer(t, demo.BurgerID)
	pizzariaViewer := f.viewer(t, demo.PizzariaID)
	expired := f.signer.token(t, resourcenames.RolePlatformAdmin, "", -2*time.Minute)
	forged := tampered(burgerAdmin)
	platform := f.platform(t)

	for _, op := range ops {
		if op.access == "public" {
			continue
		}
		t.Run(op.id, func(t *testing.T) {
			body := op.example
			if op.hasBody && body == nil {
				body = map[string]any{}
			}
			pizzaria := fill(op.path, demo.PizzariaID, nil)
			// No token, an expired one, a tampered one: 401, whatever the role would allow.
			for name, tok := range map[string]string{"none": "", "expired": expired, "tampered": forged, "garbage": "not.a.jwt"} {
				res := f.do(t, op.method, pizzaria, tok, body)
				if res.status != http.StatusUnauthorized {
					t.Errorf("%s token: %d, want 401: %s", name, res.status, res.body)
				} else if p := res.problem(t); p.Status != 401 || res.header.Get("WWW-Authenticate") == "" {
					t.Errorf("%s token: problem %+v", name, p)
				}
			}
			if !isWrite(op) && op.method != "GET" && op.access != "brand-viewer" {
				t.Errorf("read-only %s requires %s: it should be open to viewers", op.id, op.access)
			}
			if isWrite(op) && op.access == "brand-viewer" {
				t.Errorf("write %s is open to viewers", op.id)
			}
			// demo-burger's brand admin on demo-pizzaria's objects: refused, 404 or 403.
			res := f.do(t, op.method, pizzaria, burgerAdmin, body)
			switch {
			case strings.Contains(op.path, "{clientId}") && res.status != http.StatusNotFound:
				t.Errorf("burger's brand-admin on pizzaria: %d, want 404 (its existence is not revealed): %s", res.status, res.body)
			case !strings.Contains(op.path, "{clientId}") && op.access == "platform-admin" && res.status != http.StatusForbidden:
				t.Errorf("burger's brand-admin on a platform route: %d, want 403: %s", res.status, res.body)
			}
			if res.status >= 400 {
				res.problem(t)
			}
			conform(t, op.method, pizzaria, res)
			// A viewer writes nothing, even on its own brand.
			if isWrite(op) {
				res := f.do(t, op.method, pizzaria, pizzariaViewer, body)
				if res.status != http.StatusForbidden {
					t.Errorf("pizzaria's viewer writing: %d, want 403: %s", res.status, res.body)
				}
				res = f.do(t, op.method, fill(op.path, demo.BurgerID, nil), burgerViewer, body)
				if res.status != http.StatusForbidden {
					t.Errorf("burger's viewer writing on burger: %d, want 403: %s", res.status, res.body)
				}
			}
			// A platform admin succeeds (on demo-burger, whose ids the examples use).
			params := f.setup(t, op)
			path := fill(op.path, demo.BurgerID, params)
			var hdr []string
			if op.ifMatch {
				got := f.do(t, "GET", path, platform, nil)
				if got.status != 200 || got.header.Get("ETag") == "" {
					t.Fatalf("GET %s for its ETag: %d %s", path, got.status, got.body)
				}
				hdr = []string{"If-Match", got.header.Get("ETag")}
			}
			res = f.do(t, op.method, path, platform, body, hdr...)
			if res.status < 200 || res.status > 299 {
				t.Errorf("platform-admin: %s %s: %d %s", op.method, path, res.status, res.body)
			}
			// What it answered is what the document says it answers.
			conform(t, op.method, path, res)
		})
	}
}

// responseChecker validates answers against the served OpenAPI document (libopenapi-validator):
// the documented schemas are the ones the handlers encode.
func responseChecker(t *testing.T, f *fixture) func(t *testing.T, method, path string, res response) {
	t.Helper()
	raw := f.do(t, "GET", resourcenames.AdminOpenAPIPath, "", nil)
	doc, err := libopenapi.NewDocument(raw.body)
	if err != nil {
		t.Fatal(err)
	}
	v, errs := validator.NewValidator(doc)
	if len(errs) > 0 {
		t.Fatalf("validator: %v", errs)
	}
	check := func(method, path string, res response) (bool, []*liberrors.ValidationError) {
		req := httptest.NewRequest(method, path, nil)
		hr := &http.Response{StatusCode: res.status, Header: res.header, Body: io.NopCloser(bytes.NewReader(res.body)), Request: req}
		return v.ValidateHttpResponse(req, hr)
	}
	// Not vacuous: a brand whose name is a number, or with a field the schema does not have,
	// breaks it.
	hdr := http.Header{"Content-Type": []string{"application/json"}}
	for _, body := range []string{`{"clientId":"demo-burger","name":42}`, `{"clientId":"demo-burger","colour":"red"}`} {
		if ok, _ := check("GET", "/admin/v1/brands/demo-burger", response{status: 200, header: hdr, body: []byte(body)}); ok {
			t.Fatalf("the validator accepts %s as a brand", body)
		}
	}
	return func(t *testing.T, method, path string, res response) {
		t.Helper()
		if ok, verrs := check(method, path, res); !ok {
			for _, e := range verrs {
				t.Errorf("%s %s: the answer breaks the document: %s: %s", method, path, e.Message, e.Reason)
				for _, se := range e.SchemaValidationErrors {
					t.Errorf("  %s at %s", se.Reason, se.FieldPath)
				}
			}
		}
	}
}

// setup prepares what a platform admin's call needs on demo-burger, and returns path
// parameters that differ from fill's defaults: destructive operations get objects of their own.
func (f *fixture) setup(t *testing.T, op operation) map[string]string {
	t.Helper()
	f.customer(t, demo.BurgerID, "vila-madalena", burgerCustomer)
	platform := f.platform(t)
	switch op.id {
	case "deleteBrand":
		id := fmt.Sprintf("gone-%d", time.Now().UnixNano()%1e6)
		res := f.do(t, "POST", "/admin/v1/brands", platform, map[string]any{"clientId": id, "name": "Gone", "twilioPhoneNumber": "whatsapp:+5511966660001", "defaultLanguage": "pt-BR"})
		if res.status != 201 {
			t.Fatalf("create a brand to delete: %d %s", res.status, res.body)
		}
		return map[string]string{"clientId": id}
	case "deleteStore":
		res := f.do(t, "POST", "/admin/v1/brands/demo-burger/stores", platform, map[string]any{
			"storeId": "closed", "storeName": "Closed", "paymentMethods": []string{"PIX"},
			"address":        map[string]any{"street": "Rua A", "number": "1", "neighborhood": "Centro", "city": "São Paulo", "state": "SP", "postalCode": "01001-000"},
			"deliveryConfig": map[string]any{"pickupEnabled": true},
		})
		if res.status != 201 {
			t.Fatalf("create a store to delete: %d %s", res.status, res.body)
		}
		return map[string]string{"storeId": "closed"}
	case "deleteCategory":
		res := f.do(t, "PUT", "/admin/v1/brands/demo-burger/menu/categories/empty", platform, map[string]any{"name": "Empty", "sort": 99})
		if res.status != 200 {
			t.Fatalf("create an empty category: %d %s", res.status, res.body)
		}
		return map[string]string{"categoryId": "empty"}
	case "deleteItem":
		res := f.do(t, "PUT", "/admin/v1/brands/demo-burger/menu/items/doomed", platform, map[string]any{"categoryId": "burgers", "name": "Doomed", "priceCents": 100, "available": true})
		if res.status != 200 {
			t.Fatalf("create an item to delete: %d %s", res.status, res.body)
		}
		return map[string]string{"itemId": "doomed"}
	case "putItem", "importMenu":
		// The examples name the category "burgers": make sure it is there (an import may
		// have replaced the menu).
		f.do(t, "PUT", "/admin/v1/brands/demo-burger/menu/categories/burgers", platform, map[string]any{"name": "Burgers", "sort": 1})
	case "cancelOrder":
		// An order of its own: cancelling is for good.
		id := fmt.Sprintf("cancel-%d", time.Now().UnixNano()%1e9)
		f.order(t, demo.BurgerID, "vila-madalena", burgerCustomer, id)
		return map[string]string{"orderId": id}
	case "resumeConversation":
		f.do(t, "POST", "/admin/v1/brands/demo-burger/customers/%2B5511977770002/conversation/handoff", platform, nil)
	}
	return nil
}

// order stores an order of the customer.
func (f *fixture) order(t *testing.T, clientID, storeID, phone, orderID string) {
	t.Helper()
	ctx := domain.NewContextWithTenant(t.Context(), clientID)
	now := time.Now().UTC()
	o := &domain.Order{ClientID: clientID, OrderID: orderID, StoreID: storeID, CustomerPhone: phone, SessionID: "s1",
		Lines: []domain.OrderLine{{ItemID: "x", Name: "X", Quantity: 2, UnitPriceCents: 1000}}, SubtotalCents: 2000, TotalCents: 2000,
		Fulfillment: domain.FulfillmentPickup, PaymentMethod: domain.PaymentPIX, Status: domain.OrderCreated,
		StatusHistory: []domain.StatusChange{{Status: domain.OrderCreated, At: now}}}
	if err := f.repos.CreateOrder(ctx, o); err != nil && !domain.IsConflict(err) {
		t.Fatal(err)
	}
}
