package admin

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"

	"github.com/invopop/jsonschema"

	"github.com/wabot-platform/wabot/shared/resourcenames"
)

// The OpenAPI document is generated from the route table at start-up, the same table the
// router is built from: a route cannot exist without being documented, and a documented
// route cannot be missing. Its schemas are reflected from the Go types the handlers decode
// and encode (JSON Schema 2020-12, which OpenAPI 3.1 uses as is).

func buildDocument(routes []route) (map[string]any, error) {
	// Named types become components ($defs, rewritten to #/components/schemas/); no
	// additional properties, as the handlers decode with DisallowUnknownFields.
	reflector := &jsonschema.Reflector{}
	schemas := map[string]any{}
	ref := func(v any) (map[string]any, error) {
		if v == nil {
			return nil, nil
		}
		t := reflect.TypeOf(v)
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		s := reflector.ReflectFromType(t)
		raw, err := json.Marshal(s)
		if err != nil {
			return nil, err
		}
		fixed := strings.ReplaceAll(string(raw), "#/$defs/", "#/components/schemas/")
		var m map[string]any
		if err := json.Unmarshal([]byte(fixed), &m); err != nil {
			return nil, err
		}
		if defs, ok := m["$defs"].(map[string]any); ok {
			for k, d := range defs {
				schemas[k] = d
			}
		}
		delete(m, "$defs")
		delete(m, "$schema")
		delete(m, "$id")
		return m, nil
	}
	problemSchema, err := ref(Problem{})
	if err != nil {
		return nil, err
	}
	problem := func(desc string) map[string]any {
		return map[string]any{"description": desc, "content": map[string]any{ProblemContentType: map[string]any{"schema": problemSchema}}}
	}
	paths := map[string]map[string]any{}
	for _, rt := range routes {
		op := map[string]any{
			"operationId":    rt.id,
			"summary":        rt.summary,
			"tags":           []string{rt.tag},
			"x-wabot-access": string(rt.access),
		}
		if rt.description != "" {
			op["description"] = rt.description
		}
		var params []any
		for _, name := range pathParams(rt.path) {
			p := paramDocs[name]
			params = append(params, map[string]any{"name": name, "in": "path", "required": true,
				"description": p.desc, "schema": map[string]any{"type": "string", "pattern": p.pattern}, "example": p.example})
		}
		for _, q := range rt.query {
			params = append(params, map[string]any{"name": q.name, "in": "query", "required": q.required, "description": q.desc,
				"schema": map[string]any{"type": "string"}})
		}
		if rt.ifMatch {
			params = append(params, map[string]any{"name": "If-Match", "in": "header", "required": true,
				"description": "the ETag of the representation the change is based on (from a GET); a stale one is 412",
				"schema":      map[string]any{"type": "string"}})
		}
		if len(params) > 0 {
			op["parameters"] = params
		}
		if rt.body != nil {
			s, err := ref(rt.body)
			if err != nil {
				return nil, err
			}
			media := map[string]any{"schema": s}
			if rt.example != nil {
				media["example"] = rt.example
			}
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{"application/json": media}}
		}
		responses := map[string]any{}
		ok := map[string]any{"description": "success"}
		if rt.resp != nil {
			s, err := ref(rt.resp)
			if err != nil {
				return nil, err
			}
			ok["content"] = map[string]any{"application/json": map[string]any{"schema": s}}
		}
		responses[fmt.Sprint(rt.status())] = ok
		if rt.access != accessPublic {
			op["security"] = []any{map[string]any{"bearer": []string{}}}
			responses["401"] = problem("no token, or an invalid or expired one")
			responses["403"] = problem("the role may not do this")
			responses["404"] = problem("no such object, or another brand's")
		}
		if rt.body != nil {
			responses["413"] = problem("the body is larger than the route's limit")
			responses["415"] = problem("the body is not application/json")
			responses["422"] = problem("the body breaks a rule: errors names each failing field")
		}
		if rt.ifMatch {
			responses["412"] = problem("If-Match is stale: someone changed the object since it was read")
			responses["428"] = problem("If-Match is missing")
		}
		if rt.conflicts != "" {
			responses["409"] = problem(rt.conflicts)
		}
		op["responses"] = responses
		p := resourcenames.AdminPathPrefix + rt.path
		if paths[p] == nil {
			paths[p] = map[string]any{}
		}
		paths[p][strings.ToLower(rt.method)] = op
	}
	// encoding/json writes map keys sorted: the document is the same on every start.
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":       "wabot admin API",
			"version":     "1.0.0",
			"description": "Tenant-scoped administration of brands, stores, integrations, menus, texts, conversations, orders, test chat, metrics, audit and LGPD requests. Errors are RFC 9457 problem details. See docs/admin-api.md.",
		},
		"servers": []any{map[string]any{"url": "/"}},
		"paths":   paths,
		"components": map[string]any{
			"schemas": schemas,
			"securitySchemes": map[string]any{"bearer": map[string]any{
				"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
				"description": "a Cognito ID token of the admin user pool: groups platform-admin, brand-admin, brand-viewer; custom:clientId for brand roles (make token ROLE=... CLIENT=... locally)",
			}},
		},
	}, nil
}

// pathParams lists the {names} of a route path in order.
func pathParams(p string) []string {
	var out []string
	for _, seg := range strings.Split(p, "/") {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			out = append(out, strings.TrimSuffix(strings.TrimPrefix(seg, "{"), "}"))
		}
	}
	return out
}

type paramDoc struct{ desc, pattern, example string }

var idPattern = `^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$`

var paramDocs = map[string]paramDoc{
	"clientId":   {"the brand", idPattern, "demo-burger"},
	"storeId":    {"the store, within the brand", idPattern, "vila-madalena"},
	"phone":      {"the customer's WhatsApp number: +5511987654321 or whatsapp:+5511987654321 (URL-encoded)", `^(whatsapp:)?\+[1-9][0-9]{7,14}$`, "+5511987654321"},
	"orderId":    {"the order", `^[A-Za-z0-9-]{1,64}$`, ""},
	"itemId":     {"a menu item", idPattern, "x-burger"},
	"categoryId": {"a menu category", idPattern, "burgers"},
}

func (h *Handler) serveDocument(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(h.docJSON)
}
