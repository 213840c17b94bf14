// Package admin is the admin REST API (/admin/v1): operators manage brands, stores,
// integrations, menus, texts and prompts, inspect and act on conversations and orders, chat
// with the engine in a sandbox, read metrics and the audit, and answer LGPD requests.
//
// Every request but the OpenAPI document carries a Bearer ID token of the admin user pool
// (see package adminauth). The API decides, in this order:
//
//  1. the token: missing, invalid or expired is 401;
//  2. the brand: a brand role (brand-admin, brand-viewer) reaches only the brand of its
//     token; any other brand's object is 404, so its existence is not revealed;
//  3. the role: a role too weak for the route (a viewer's write, a brand admin's platform
//     route) is 403.
//
// Then the request runs in the brand's tenant scope (domain.NewContextWithTenant): the
// repositories refuse any other brand, and in AWS every call on the brand's data is signed
// with a session of the tenant admin role tagged with the brand, which IAM confines to it.
//
// Every change writes an audit record (package-level doc of audit.go). Errors are RFC 9457
// problem details naming the failing fields.
package admin

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/wabot-platform/wabot/shared/domain"
	"github.com/wabot-platform/wabot/shared/resourcenames"
)

// Principal is the authenticated caller.
type Principal struct {
	Subject  string `json:"sub"`
	Username string `json:"username"`
	Role     string `json:"role"`
	// ClientID is the brand of a brand role; empty for a platform admin.
	ClientID string `json:"clientId,omitempty"`
}

// Errors an Authenticator wraps: ErrUnauthenticated (401, the message says why without
// quoting the token) and ErrNoRole (403: the caller is known and may do nothing). Any other
// error is the verifier's own failure (the key set unreachable): a 500, logged, so an outage
// does not look like everyone's token expired.
var (
	ErrUnauthenticated = errors.New("unauthenticated")
	ErrNoRole          = errors.New("the user has no admin role")
)

// Authenticator verifies a bearer token.
type Authenticator func(ctx context.Context, token string) (Principal, error)

// access is what a route requires.
type access string

const (
	accessPublic   access = "public"         // no token
	accessRead     access = "brand-viewer"   // any role, on its brand
	accessWrite    access = "brand-admin"    // brand-admin or platform-admin
	accessPlatform access = "platform-admin" // platform-admin only
)

// rank orders the roles.
func rank(role string) int {
	for i, r := range resourcenames.AdminRoles {
		if r == role {
			return i + 1
		}
	}
	return 0
}

func (a access) allows(role string) bool {
	switch a {
	case accessPublic:
		return true
	case accessRead:
		return rank(role) >= rank(resourcenames.RoleBrandViewer)
	case accessWrite:
		return rank(role) >= rank(resourcenames.RoleBrandAdmin)
	case accessPlatform:
		return role == resourcenames.RolePlatformAdmin
	}
	return false
}

// Body size limits: 413 beyond them.
const (
	maxBody     = 64 << 10 // one brand, store, item or text set
	maxMenuBody = 1 << 20  // a whole menu: 500 items with sizes and options
)

type queryParam struct {
	name, desc string
	required   bool
}

// route is one operation: the router and the OpenAPI document are both built from these.
type route struct {
	id, method, path string // path relative to resourcenames.AdminPathPrefix, with {params}
	summary, tag     string
	description      string
	access           access
	body             any // the request body's type (a zero value), nil for none
	example          any // an example body, in the document and used by the route matrix test
	resp             any // the response body's type, nil for 204
	created          bool
	ifMatch          bool
	conflicts        string // when the route can answer 409, why
	maxBody          int64
	query            []queryParam
	handle           func(*call) (any, error)
}

func (rt route) status() int {
	switch {
	case rt.created:
		return http.StatusCreated
	case rt.resp == nil:
		return http.StatusNoContent
	}
	return http.StatusOK
}

// Handler serves the admin API.
type Handler struct {
	d       Deps
	mux     *http.ServeMux
	docJSON []byte
}

// New builds the API over d.
func New(d Deps) (*Handler, error) {
	if err := d.check(); err != nil {
		return nil, err
	}
	h := &Handler{d: d, mux: http.NewServeMux()}
	routes := h.table()
	doc, err := buildDocument(routes)
	if err != nil {
		return nil, fmt.Errorf("admin: OpenAPI document: %w", err)
	}
	if h.docJSON, err = json.MarshalIndent(doc, "", "  "); err != nil {
		return nil, err
	}
	h.mux.HandleFunc("GET "+resourcenames.AdminOpenAPIPath, h.serveDocument)
	for _, rt := range routes {
		rt := rt
		h.mux.HandleFunc(rt.method+" "+resourcenames.AdminPathPrefix+rt.path, func(w http.ResponseWriter, r *http.Request) { h.serve(w, r, rt) })
	}
	h.mux.HandleFunc(resourcenames.AdminPathPrefix+"/", func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, Problem{Type: problemBase + "no-route", Title: "No such route", Status: http.StatusNotFound,
			Detail: "see " + resourcenames.AdminOpenAPIPath, Instance: r.URL.Path})
	})
	return h, nil
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// call is one request being served.
type call struct {
	h        *Handler
	w        http.ResponseWriter
	r        *http.Request
	ctx      context.Context
	p        Principal
	rt       route
	clientID string
	reqID    string
	etag     string // set by a handler: sent as ETag
	log      *slog.Logger
}

func (c *call) param(name string) string { return c.r.PathValue(name) }

func requestID(r *http.Request) string {
	if id := r.Header.Get("X-Request-Id"); id != "" && len(id) <= 64 && !strings.ContainsAny(id, "\r\n\"") {
		return id
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func (h *Handler) serve(w http.ResponseWriter, r *http.Request, rt route) {
	start := h.d.now()
	c := &call{h: h, w: w, r: r, rt: rt, reqID: requestID(r)}
	c.log = h.d.Logger.With("requestId", c.reqID, "route", rt.id)
	w.Header().Set("X-Request-Id", c.reqID)
	status := http.StatusInternalServerError
	if h.d.AfterRequest != nil {
		defer h.d.AfterRequest(context.WithoutCancel(r.Context()))
	}
	defer func() {
		if v := recover(); v != nil {
			c.log.Error("admin: panic", "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			p := problemFor(errors.New("panic"))
			p.RequestID = c.reqID
			writeProblem(w, p)
		}
		// No bodies, tokens or phone numbers: the route id and the outcome.
		c.log.Info("admin request", "method", r.Method, "status", status, "role", c.p.Role, "clientId", c.clientID,
			"ms", h.d.now().Sub(start).Milliseconds())
	}()
	out, err := c.run()
	if err != nil {
		p := problemFor(err)
		p.RequestID, p.Instance = c.reqID, r.URL.Path
		if p.Status >= 500 {
			c.log.Error("admin: request failed", "error", err)
		}
		status = p.Status
		writeProblem(w, p)
		return
	}
	status = rt.status()
	w.Header().Set("Cache-Control", "no-store")
	if c.etag != "" {
		w.Header().Set("ETag", c.etag)
	}
	if out == nil || status == http.StatusNoContent {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(out)
}

// run authenticates, scopes and authorizes the call, then runs the handler.
func (c *call) run() (any, error) {
	ctx := c.r.Context()
	if c.rt.access != accessPublic {
		tok, err := bearer(c.r)
		if err != nil {
			return nil, err
		}
		p, err := c.h.d.Auth(ctx, tok)
		switch {
		case errors.Is(err, ErrNoRole):
			return nil, errForbidden("the user is in no admin group")
		case errors.Is(err, ErrUnauthenticated):
			return nil, errUnauthenticated(strings.TrimPrefix(err.Error(), ErrUnauthenticated.Error()+": "))
		case err != nil:
			return nil, fmt.Errorf("admin: verify a token: %w", err)
		}
		c.p = p
	}
	if id := c.param("clientId"); id != "" {
		if err := resourcenames.ValidateID("clientId", id); err != nil {
			return nil, errNotFound("no such brand")
		}
		// Another brand's object: 404 whatever the route, before the role is looked at.
		if c.p.Role != resourcenames.RolePlatformAdmin && c.p.ClientID != id {
			return nil, errNotFound("no such brand")
		}
		c.clientID = id
		ctx = domain.NewContextWithTenant(ctx, id)
	} else if c.p.Role == resourcenames.RolePlatformAdmin {
		ctx = domain.NewPlatformContext(ctx)
	} else {
		// A brand role on a route without a brand (its identity) stays in its own brand.
		ctx = domain.NewContextWithTenant(ctx, c.p.ClientID)
	}
	if !c.rt.access.allows(c.p.Role) {
		return nil, errForbidden(fmt.Sprintf("the %s role may not %s", c.p.Role, c.rt.summaryLower()))
	}
	c.ctx = ctx
	return c.rt.handle(c)
}

func (rt route) summaryLower() string {
	if rt.summary == "" {
		return "do this"
	}
	return strings.ToLower(rt.summary[:1]) + rt.summary[1:]
}

func bearer(r *http.Request) (string, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return "", errUnauthenticated("no Authorization header: send Authorization: Bearer <ID token>")
	}
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
		return "", errUnauthenticated("the Authorization header is not Bearer <token>")
	}
	return strings.TrimSpace(tok), nil
}

// decode reads the JSON body into v: application/json, within the route's size limit, no
// unknown fields, one value.
func (c *call) decode(v any) error {
	ct := c.r.Header.Get("Content-Type")
	if mt, _, err := mime.ParseMediaType(ct); err != nil || (mt != "application/json" && mt != "application/merge-patch+json") {
		return errUnsupportedMedia("send the body as application/json")
	}
	limit := c.rt.maxBody
	if limit == 0 {
		limit = maxBody
	}
	body, err := io.ReadAll(io.LimitReader(c.r.Body, limit+1))
	if err != nil {
		return errBadRequest("body", "could not be read")
	}
	if int64(len(body)) > limit {
		return errTooLarge(fmt.Sprintf("the body is larger than %d bytes", limit))
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonProblem(err)
	}
	if dec.More() {
		return errBadRequest("body", "more than one JSON value")
	}
	return nil
}

// jsonProblem names the field a JSON decoding error is about, never quoting the input.
func jsonProblem(err error) error {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			field = "body"
		}
		return errBadRequest(field, "must be a "+jsonKind(te.Type.Kind().String()))
	case errors.As(err, &se):
		return errBadRequest("body", fmt.Sprintf("is not valid JSON (at byte %d)", se.Offset))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return errBadRequest(strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`), "is not a field of this resource")
	case errors.Is(err, io.EOF):
		return errBadRequest("body", "is empty")
	}
	return errBadRequest("body", "is not valid JSON")
}

func jsonKind(k string) string {
	switch k {
	case "int", "int64", "int32", "float64", "uint", "uint64":
		return "number"
	case "bool":
		return "boolean"
	case "slice", "array":
		return "list"
	case "map", "struct":
		return "object"
	}
	return k
}

// etagOf is a versioned item's ETag.
func etagOf(version int64) string { return fmt.Sprintf(`"v%d"`, version) }

// ifMatch returns the version the client's If-Match names: 428 without one, 412 for one
// that is not an ETag of this API.
func (c *call) ifMatch() (int64, error) {
	v := strings.TrimSpace(c.r.Header.Get("If-Match"))
	if v == "" {
		return 0, errPreconditionRequired("send If-Match with the ETag of a GET, so a concurrent change is not overwritten")
	}
	var n int64
	if _, err := fmt.Sscanf(strings.TrimPrefix(v, "W/"), `"v%d"`, &n); err != nil {
		return 0, errStale("If-Match is not an ETag of this resource")
	}
	return n, nil
}

// now is the clock.
func (d Deps) now() time.Time {
	if d.Now == nil {
		return time.Now().UTC()
	}
	return d.Now().UTC()
}
