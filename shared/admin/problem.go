package admin

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/wabot-platform/wabot/shared/domain"
)

// ProblemContentType is RFC 9457's media type: every error of the admin API is one.
const ProblemContentType = "application/problem+json"

// problemBase is the base of the problem type URIs; each names a section of
// docs/admin-api.md that explains the error.
const problemBase = "https://wabot.dev/problems/"

// Problem is an RFC 9457 problem detail. Errors names the failing fields of a request
// (an extension member): "items[3].priceCents", "operatingHours.mon[0].open".
type Problem struct {
	Type      string              `json:"type"`
	Title     string              `json:"title"`
	Status    int                 `json:"status"`
	Detail    string              `json:"detail,omitempty"`
	Instance  string              `json:"instance,omitempty"`
	RequestID string              `json:"requestId,omitempty"`
	Errors    []domain.FieldError `json:"errors,omitempty"`
}

// apiError is an error the handlers return with its HTTP status decided.
type apiError struct {
	status int
	kind   string // the problem type's last segment
	title  string
	detail string
	fields []domain.FieldError
}

func (e *apiError) Error() string { return e.title + ": " + e.detail }

// Errors the handlers return.
func errUnauthenticated(detail string) error {
	return &apiError{status: http.StatusUnauthorized, kind: "unauthenticated", title: "Authentication required", detail: detail}
}
func errForbidden(detail string) error {
	return &apiError{status: http.StatusForbidden, kind: "forbidden", title: "Forbidden", detail: detail}
}
func errNotFound(detail string) error {
	return &apiError{status: http.StatusNotFound, kind: "not-found", title: "Not found", detail: detail}
}
func errConflict(detail string) error {
	return &apiError{status: http.StatusConflict, kind: "conflict", title: "Conflict", detail: detail}
}
func errStale(detail string) error {
	return &apiError{status: http.StatusPreconditionFailed, kind: "stale", title: "Precondition failed", detail: detail}
}
func errPreconditionRequired(detail string) error {
	return &apiError{status: http.StatusPreconditionRequired, kind: "if-match-required", title: "If-Match required", detail: detail}
}
func errTooLarge(detail string) error {
	return &apiError{status: http.StatusRequestEntityTooLarge, kind: "too-large", title: "Request too large", detail: detail}
}
func errBadRequest(field, detail string) error {
	return &apiError{status: http.StatusBadRequest, kind: "invalid", title: "Invalid request", detail: field + ": " + detail,
		fields: []domain.FieldError{{Field: field, Message: detail}}}
}
func errUnsupportedMedia(detail string) error {
	return &apiError{status: http.StatusUnsupportedMediaType, kind: "unsupported-media-type", title: "Unsupported media type", detail: detail}
}

// problemFor turns any error into the problem the client sees. Domain errors carry their
// code (and fields); anything else is a 500 whose detail is not shown (it is logged).
func problemFor(err error) Problem {
	var ae *apiError
	if errors.As(err, &ae) {
		return Problem{Type: problemBase + ae.kind, Title: ae.title, Status: ae.status, Detail: ae.detail, Errors: ae.fields}
	}
	switch domain.ErrorCode(err) {
	case domain.EINVALID:
		p := Problem{Type: problemBase + "invalid", Title: "Invalid request", Status: http.StatusUnprocessableEntity,
			Detail: domain.ErrorMessage(err), Errors: domain.FieldsOf(err)}
		return p
	case domain.ENOTFOUND:
		return Problem{Type: problemBase + "not-found", Title: "Not found", Status: http.StatusNotFound, Detail: domain.ErrorMessage(err)}
	case domain.ECONFLICT:
		return Problem{Type: problemBase + "conflict", Title: "Conflict", Status: http.StatusConflict, Detail: domain.ErrorMessage(err)}
	case domain.EFORBIDDEN:
		// A tenant check that failed below the edge: the edge already refused other brands
		// with 404, so this is a bug; it is still refused, and not explained.
		return Problem{Type: problemBase + "not-found", Title: "Not found", Status: http.StatusNotFound}
	}
	return Problem{Type: problemBase + "internal", Title: "Internal error", Status: http.StatusInternalServerError,
		Detail: "the request failed; quote the request id to support"}
}

func writeProblem(w http.ResponseWriter, p Problem) {
	w.Header().Set("Content-Type", ProblemContentType)
	w.Header().Set("Cache-Control", "no-store")
	if p.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="wabot-admin", error="invalid_token"`)
	}
	w.WriteHeader(p.Status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(p)
}
