package asaashook

import (
	"errors"
	"io"
	"net/http"
)

// ServeHTTP serves the webhook on net/http: the local runner, and Lambda through
// shared/edge/httpapi.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var resp Response
	if r.Method != http.MethodPost {
		// Before the body is read: nothing but POST is ever processed.
		resp = h.Handle(r.Context(), Request{Method: r.Method, Path: r.URL.Path})
	} else {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
		var tooBig *http.MaxBytesError
		switch {
		case errors.As(err, &tooBig):
			resp = plain(http.StatusRequestEntityTooLarge, "request body too large\n")
		case err != nil:
			resp = plain(http.StatusBadRequest, "unreadable body\n")
		default:
			resp = h.Handle(r.Context(), Request{Method: r.Method, Path: r.URL.Path, Token: r.Header.Get(TokenHeader), Body: body})
		}
	}
	if resp.Status == http.StatusMethodNotAllowed {
		w.Header().Set("Allow", http.MethodPost)
	}
	w.Header().Set("Content-Type", resp.ContentType)
	w.WriteHeader(resp.Status)
	_, _ = io.WriteString(w, resp.Body)
}
