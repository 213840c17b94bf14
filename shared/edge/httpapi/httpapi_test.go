package httpapi

import (
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

func TestRoundTrip(t *testing.T) {
	var got struct {
		method, path, escaped, query, auth, body, reqID string
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got.method, got.path, got.escaped, got.query = r.Method, r.URL.Path, r.URL.EscapedPath(), r.URL.Query().Get("cursor")
		got.auth, got.body, got.reqID = r.Header.Get("Authorization"), string(b), r.Header.Get("X-Request-Id")
		w.Header().Set("ETag", `"v3"`)
		w.Header().Add("Set-Cookie", "a=1")
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte{0xff, 0x00})
	})
	ev := events.APIGatewayV2HTTPRequest{
		RawPath: "/admin/v1/brands/demo-burger/customers/whatsapp%3A%2B5511987654321", RawQueryString: "cursor=abc",
		Headers: map[string]string{"authorization": "Bearer t"}, Body: base64.StdEncoding.EncodeToString([]byte(`{"a":1}`)), IsBase64Encoded: true,
	}
	ev.RequestContext.HTTP.Method = "PATCH"
	ev.RequestContext.RequestID = "req-1"
	res, err := Handler(h)(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	if got.method != "PATCH" || got.path != "/admin/v1/brands/demo-burger/customers/whatsapp:+5511987654321" || got.query != "abc" ||
		got.auth != "Bearer t" || got.body != `{"a":1}` || got.reqID != "req-1" {
		t.Errorf("request seen as %+v", got)
	}
	if got.escaped != ev.RawPath {
		t.Errorf("escaped path %q, want %q", got.escaped, ev.RawPath)
	}
	if res.StatusCode != 201 || res.Headers["Etag"] != `"v3"` || len(res.Cookies) != 1 || !res.IsBase64Encoded {
		t.Errorf("response %+v", res)
	}
	if b, _ := base64.StdEncoding.DecodeString(res.Body); len(b) != 2 || b[0] != 0xff {
		t.Errorf("binary body %q", res.Body)
	}
}

func TestBadBase64(t *testing.T) {
	ev := events.APIGatewayV2HTTPRequest{RawPath: "/x", Body: "%%%", IsBase64Encoded: true}
	ev.RequestContext.HTTP.Method = "POST"
	res, _ := Handler(http.NotFoundHandler())(context.Background(), ev)
	if res.StatusCode != 400 {
		t.Errorf("status %d", res.StatusCode)
	}
}
