package twiliohook

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net/http"

	"github.com/aws/aws-lambda-go/events"
)

// ServeHTTP serves the webhook on net/http (the local runner).
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	var resp Response
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		resp = plain(http.StatusRequestEntityTooLarge, "request body too large\n")
	case err != nil:
		resp = plain(http.StatusBadRequest, "unreadable body\n")
	default:
		resp = h.Handle(r.Context(), Request{
			Host:        r.Host,
			Path:        r.URL.EscapedPath(),
			RawQuery:    r.URL.RawQuery,
			Signature:   r.Header.Get("X-Twilio-Signature"),
			ContentType: r.Header.Get("Content-Type"),
			Body:        body,
		})
	}
	w.Header().Set("Content-Type", resp.ContentType)
	w.WriteHeader(resp.Status)
	_, _ = io.WriteString(w, resp.Body)
}

// HandleAPIGateway serves the webhook behind an API Gateway HTTP API (payload format 2.0),
// which lower-cases header names and may base64-encode the body.
func (h *Handler) HandleAPIGateway(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	body := []byte(ev.Body)
	if ev.IsBase64Encoded {
		if base64.StdEncoding.DecodedLen(len(ev.Body)) > MaxBodyBytes+4 {
			return apiResponse(plain(http.StatusRequestEntityTooLarge, "request body too large\n")), nil
		}
		b, err := base64.StdEncoding.DecodeString(ev.Body)
		if err != nil {
			return apiResponse(plain(http.StatusBadRequest, "malformed body encoding\n")), nil
		}
		body = b
	}
	header := http.Header{}
	for k, v := range ev.Headers {
		header.Set(k, v) // canonicalises "x-twilio-signature"
	}
	host := ev.RequestContext.DomainName
	if host == "" {
		host = header.Get("Host")
	}
	return apiResponse(h.Handle(ctx, Request{
		Host:        host,
		Path:        ev.RawPath,
		RawQuery:    ev.RawQueryString,
		Signature:   header.Get("X-Twilio-Signature"),
		ContentType: header.Get("Content-Type"),
		Body:        body,
	})), nil
}

func apiResponse(r Response) events.APIGatewayV2HTTPResponse {
	return events.APIGatewayV2HTTPResponse{
		StatusCode: r.Status,
		Headers:    map[string]string{"Content-Type": r.ContentType},
		Body:       r.Body,
	}
}
